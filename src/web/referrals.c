/* referrals — the front desk's referral pages and the referral status shown
 * on client, appointment and booking pages; see referrals.h.  The counting
 * rule is core/referral; this file parses, stores, audits and renders.
 * Every write is one transaction with its audit row; every page that shows
 * a referral writes its "read" rows before rendering. */
#include "web/referrals.h"

#include <string.h>

#include "app.h"
#include "core/appt.h"
#include "core/booking.h"
#include "core/referral.h"
#include "store/store.h"
#include "svc/when.h"
#include "util/clock.h"
#include "util/num.h"
#include "web/audit.h"
#include "web/chrome.h"
#include "web/form.h"
#include "web/page.h"

#define PHYSICIAN_MAX 200
#define PRACTICE_MAX 200
#define DIAGNOSIS_MAX 2000
#define VISITS_MAX 100

/* "Jan 15, 2027": short enough for a status line, with the year because a
 * referral often runs into the next one. */
static const char *date_abbrev(struct req *r, struct dt_date d)
{
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (d.month < 1 || d.month > 12)
        return "";
    return arena_printf(r->arena, "%s %d, %d", months[d.month - 1], d.day, d.year);
}

/* The {id} capture as a positive id; 0 (after a 404 page) when malformed. */
static int64_t path_id(struct req *r, const char *msg)
{
    int64_t id;
    if (num_parse_i64(req_param(r, 0), 1, INT64_MAX, &id) < 0) {
        web_error(r, 404, NULL, msg);
        return 0;
    }
    return id;
}

static int find_client(struct req *r, int64_t id, struct client *c)
{
    struct err e = {0};
    enum err_code rc = db_client(web_db(r), r->arena, id, c, &e);
    if (rc == E_NOTFOUND) {
        web_error(r, 404, NULL, "There is no such client. Search the client list.");
        return -1;
    }
    if (rc != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    return 0;
}

/* The client's appointments as core/referral sees them. */
static int client_visits(struct req *r, int64_t client_id, struct referral_visit **out,
                         size_t *n)
{
    struct err e = {0};
    struct appointment *ap;
    size_t nap;
    if (db_client_appointments(web_db(r), r->arena, client_id, &ap, &nap, &e) != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    struct referral_visit *v = arena_array(r->arena, nap ? nap : 1, sizeof *v);
    for (size_t i = 0; i < nap; i++) {
        v[i].day = when_local_date(r->app->tz, ap[i].start);
        v[i].status = appt_status_parse(ap[i].status);
    }
    *out = v;
    *n = nap;
    return 0;
}

/* The stored dates are checked by the schema and by the form; a row that
 * does not parse is shown as a one-day window rather than crashing a page. */
static struct referral_span span_of(const struct referral *ref)
{
    struct referral_span s = {{1970, 1, 1}, {1970, 1, 1}, ref->visits > 0 ? ref->visits : 1};
    if (dt_parse_date(ref->referred_on, &s.from) < 0 ||
        dt_parse_date(ref->valid_until, &s.until) < 0)
        s.until = s.from;
    return s;
}

static json_t *referral_json(struct req *r, const struct referral *ref,
                             const struct referral_visit *v, size_t nv, int can_edit)
{
    struct referral_span sp = span_of(ref);
    struct dt_date today = when_local_date(r->app->tz, clock_now());
    int used = referral_used(&sp, v, nv), scheduled = referral_scheduled(&sp, v, nv);
    int expired = dt_date_to_days(today) > dt_date_to_days(sp.until);
    json_t *o = json_pack(
        "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:b, s:b}", "id", (json_int_t)ref->id,
        "physician", ref->physician, "practice", ref->practice, "phone", ref->phone, "diagnosis",
        ref->diagnosis, "icd10", ref->icd10, "referred_on", date_abbrev(r, sp.from), "used", used,
        "visits", sp.visits, "status",
        arena_printf(r->arena, "%d of %d visit%s used, valid until %s", used, sp.visits,
                     sp.visits == 1 ? "" : "s", date_abbrev(r, sp.until)),
        "expired", expired, "all_used", used >= sp.visits);
    if (scheduled)
        json_object_set_new(o, "scheduled",
                            json_string(arena_printf(r->arena, "%d more booked", scheduled)));
    if (can_edit)
        json_object_set_new(
            o, "url", json_string(arena_printf(r->arena, "/staff/referrals/%lld", (long long)ref->id)));
    return o;
}

int referrals_context(struct req *r, int64_t client_id, const struct dt_date *day, int can_edit,
                      json_t *ctx)
{
    struct err e = {0};
    struct referral *refs;
    size_t nrefs, nv;
    struct referral_visit *v;
    if (db_referrals(web_db(r), r->arena, client_id, &refs, &nrefs, &e) != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    if (client_visits(r, client_id, &v, &nv) < 0)
        return -1;
    size_t from = 0, to = nrefs;
    if (day) {
        struct referral_span *spans = arena_array(r->arena, nrefs ? nrefs : 1, sizeof *spans);
        for (size_t i = 0; i < nrefs; i++)
            spans[i] = span_of(&refs[i]);
        int pick = referral_pick(spans, nrefs, *day);
        from = pick < 0 ? 0 : (size_t)pick;
        to = pick < 0 ? 0 : from + 1;
    }
    /* each referral shown is a read of the record: a row each, one statement */
    int64_t *ids = arena_array(r->arena, to - from + 1, sizeof *ids);
    int64_t *whose = arena_array(r->arena, to - from + 1, sizeof *whose);
    for (size_t i = from; i < to; i++) {
        ids[i - from] = refs[i].id;
        whose[i - from] = client_id;
    }
    if (audit_record_many(r, "read", "referral", ids, whose, to - from, &e) != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    json_t *list = json_array();
    for (size_t i = from; i < to; i++)
        json_array_append_new(list, referral_json(r, &refs[i], v, nv, can_edit));
    json_object_set_new(ctx, "referrals", list);
    if (can_edit)
        json_object_set_new(ctx, "referral_new_url",
                            json_string(arena_printf(r->arena, "/staff/clients/%lld/referrals/new",
                                                     (long long)client_id)));
    return 0;
}

int referrals_booking_notice(struct req *r, int64_t client_id, struct dt_date day, json_t *ctx)
{
    struct err e = {0};
    struct referral *refs;
    size_t nrefs, nv;
    struct referral_visit *v;
    if (db_referrals(web_db(r), r->arena, client_id, &refs, &nrefs, &e) != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    if (!nrefs)
        return 0;
    struct referral_span *spans = arena_array(r->arena, nrefs, sizeof *spans);
    for (size_t i = 0; i < nrefs; i++)
        spans[i] = span_of(&refs[i]);
    int pick = referral_pick(spans, nrefs, day);
    if (pick < 0)
        return 0; /* every referral starts later: this visit is not on a referral */
    if (client_visits(r, client_id, &v, &nv) < 0)
        return -1;
    if (audit_record(r, "read", "referral", refs[pick].id, client_id, &e) != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    const struct referral_span *sp = &spans[pick];
    unsigned w = referral_check_new(sp, v, nv, day);
    if (w == REFERRAL_FITS)
        return 0;
    int taken = referral_used(sp, v, nv) + referral_scheduled(sp, v, nv);
    const char *who = refs[pick].physician;
    const char *until = date_abbrev(r, sp->until);
    const char *count = arena_printf(r->arena, "it authorises %d visit%s and %d %s already used or booked",
                                     sp->visits, sp->visits == 1 ? "" : "s", taken,
                                     taken == 1 ? "is" : "are");
    const char *msg;
    if ((w & REFERRAL_OVER_COUNT) && (w & REFERRAL_EXPIRED))
        msg = arena_printf(r->arena,
                           "An appointment on %s would not be covered by the referral from %s: "
                           "it was valid until %s, and %s.",
                           date_abbrev(r, day), who, until, count);
    else if (w & REFERRAL_EXPIRED)
        msg = arena_printf(r->arena,
                           "An appointment on %s would not be covered by the referral from %s: "
                           "it was valid until %s.",
                           date_abbrev(r, day), who, until);
    else
        msg = arena_printf(r->arena,
                           "An appointment on %s would go past the referral from %s: %s.",
                           date_abbrev(r, day), who, count);
    msg = arena_printf(r->arena, "%s You can still book it; ask the client for a new referral "
                       "if their insurance needs one.", msg);
    json_object_set_new(ctx, "referral_notice", json_string(msg));
    return 0;
}

/* ---- the form ---- */

/* Reads and checks the form into *ref (strings on the arena); errors get a
 * message per field.  form gets what was typed, for a re-render. */
static void read_form(struct req *r, struct referral *ref, json_t *errors, json_t *form)
{
    static const char *const keys[] = {"physician", "practice", "phone", "referred_on",
                                       "diagnosis", "icd10", "visits", "valid_until"};
    struct dt_date from = {0}, until = {0};
    int have_from = 0, have_until = 0;
    const char *why;
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        json_object_set_new(form, keys[i], json_string(form_value(r, keys[i])));

    ref->physician = form_text(r, errors, "physician", "physician's name", 1, PHYSICIAN_MAX);
    ref->practice = form_text(r, errors, "practice", "practice", 0, PRACTICE_MAX);
    ref->phone = form_value(r, "phone");
    if ((why = booking_check_phone(ref->phone)))
        form_error(errors, "phone", why);
    ref->diagnosis = form_text(r, errors, "diagnosis", "diagnosis", 1, DIAGNOSIS_MAX);

    const char *icd = form_value(r, "icd10");
    ref->icd10 = "";
    if (!form_blank(icd)) {
        char code[16];
        if (referral_icd10(icd, code, sizeof code) < 0)
            form_error(errors, "icd10",
                       "An ICD-10 code is a letter, two letters or digits, then optionally a "
                       "dot and up to four more, like M54.50. Leave it empty if the referral "
                       "gives none.");
        else
            ref->icd10 = arena_strdup(r->arena, code);
    }

    const char *s = form_value(r, "referred_on");
    if (form_blank(s))
        form_error(errors, "referred_on", "Enter the date of the referral.");
    else if (dt_parse_date(s, &from) < 0)
        form_error(errors, "referred_on", "Write the date of the referral like 2026-11-24.");
    else
        have_from = 1;
    s = form_value(r, "valid_until");
    if (form_blank(s))
        form_error(errors, "valid_until", "Enter the last day the referral is valid.");
    else if (dt_parse_date(s, &until) < 0)
        form_error(errors, "valid_until", "Write the last valid day like 2027-01-15.");
    else
        have_until = 1;
    if (have_from && have_until && dt_date_to_days(until) < dt_date_to_days(from))
        form_error(errors, "valid_until",
                   "The referral must be valid until its own date or later.");
    ref->referred_on = have_from ? when_date_param(r->arena, from) : "";
    ref->valid_until = have_until ? when_date_param(r->arena, until) : "";

    s = form_value(r, "visits");
    if (form_blank(s))
        form_error(errors, "visits", "Enter the number of visits the referral authorises.");
    else if (num_parse_int(s, 1, VISITS_MAX, &ref->visits) < 0)
        form_error(errors, "visits", "The visits authorised must be a whole number from 1 to 100.");
}

static void referral_page(struct req *r, int status, const struct client *c, int64_t id,
                          json_t *form, json_t *errors)
{
    web_keep(r, form);
    web_keep(r, errors);
    json_t *ctx = chrome_context(r,
                                 id ? arena_printf(r->arena, "Referral for %s", c->name)
                                    : arena_printf(r->arena, "New referral for %s", c->name),
                                 "clients");
    json_object_set_new(ctx, "client",
                        json_pack("{s:I, s:s, s:s}", "id", (json_int_t)c->id, "name", c->name,
                                  "url",
                                  arena_printf(r->arena, "/staff/clients/%lld", (long long)c->id)));
    json_object_set_new(
        ctx, "action",
        json_string(id ? arena_printf(r->arena, "/staff/referrals/%lld", (long long)id)
                       : arena_printf(r->arena, "/staff/clients/%lld/referrals", (long long)c->id)));
    json_object_set_new(ctx, "editing", json_boolean(id != 0));
    json_object_set_new(ctx, "form", json_incref(form));
    json_object_set_new(ctx, "errors", json_incref(errors));
    form_render(r, status, "staff/referral", ctx);
}

void referral_new(struct req *r)
{
    struct client c;
    int64_t id = path_id(r, "There is no such client. Search the client list.");
    if (!id || find_client(r, id, &c) < 0)
        return;
    struct dt_date today = when_local_date(r->app->tz, clock_now());
    referral_page(
        r, 200, &c, 0,
        json_pack("{s:s, s:s}", "referred_on", when_date_param(r->arena, today), "visits", ""),
        json_object());
}

/* Stores ref (new when ref->id is 0) with its audit row in one transaction;
 * on success redirects to the client's page. */
static void store_referral(struct req *r, const struct client *c, struct referral *ref)
{
    struct err e = {0};
    struct db *db = web_db(r);
    int64_t id = 0;
    int tries = 0;
again: /* a lost race runs again (store.h) */
    if (db_begin(db, &e) != E_OK || db_put_referral(db, ref, clock_now(), &id, &e) != E_OK ||
        audit_record(r, ref->id ? "update" : "create", "referral", id, c->id, &e) != E_OK ||
        db_commit(db, &e) != E_OK) {
        if (db_again(db, &tries, &e))
            goto again;
        db_rollback(db);
        web_fail(r, &e);
        return;
    }
    form_see_other(r, arena_printf(r->arena, "/staff/clients/%lld?referral=%lld#referrals",
                                   (long long)c->id, (long long)id));
}

void referral_create(struct req *r)
{
    struct client c;
    struct referral ref = {0};
    int64_t id = path_id(r, "There is no such client. Search the client list.");
    if (!id || find_client(r, id, &c) < 0)
        return;
    json_t *errors = json_object(), *form = json_object();
    read_form(r, &ref, errors, form);
    if (json_object_size(errors)) {
        referral_page(r, 422, &c, 0, form, errors);
        return;
    }
    json_decref(errors);
    json_decref(form);
    ref.client_id = c.id;
    store_referral(r, &c, &ref);
}

/* Loads the referral of the path and its client; -1 with a page written. */
static int find_referral(struct req *r, struct referral *ref, struct client *c)
{
    struct err e = {0};
    int64_t id = path_id(r, "There is no such referral. Find it on the client's page.");
    if (!id)
        return -1;
    enum err_code rc = db_referral(web_db(r), r->arena, id, ref, &e);
    if (rc == E_NOTFOUND) {
        web_error(r, 404, NULL, "There is no such referral. Find it on the client's page.");
        return -1;
    }
    if (rc != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    return find_client(r, ref->client_id, c);
}

void referral_edit(struct req *r)
{
    struct referral ref;
    struct client c;
    struct err e = {0};
    if (find_referral(r, &ref, &c) < 0)
        return;
    if (audit_record(r, "read", "referral", ref.id, c.id, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    referral_page(r, 200, &c, ref.id,
                  json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s}", "physician", ref.physician,
                            "practice", ref.practice, "phone", ref.phone, "referred_on",
                            ref.referred_on, "diagnosis", ref.diagnosis, "icd10", ref.icd10,
                            "visits", ref.visits, "valid_until", ref.valid_until),
                  json_object());
}

void referral_save(struct req *r)
{
    struct referral old, ref = {0};
    struct client c;
    if (find_referral(r, &old, &c) < 0)
        return;
    json_t *errors = json_object(), *form = json_object();
    read_form(r, &ref, errors, form);
    if (json_object_size(errors)) {
        referral_page(r, 422, &c, old.id, form, errors);
        return;
    }
    json_decref(errors);
    json_decref(form);
    ref.id = old.id;
    ref.client_id = old.client_id;
    store_referral(r, &c, &ref);
}
