/* record — presents svc/record's collection of a client's whole record as a
 * printable page or a JSON download; see record.h.  Both are built from one
 * JSON document, so the page shows what the file holds.  Must not read a
 * record itself: svc/record reads and audits. */
#include "web/record.h"

#include <string.h>

#include "app.h"
#include "core/appt.h"
#include "core/intake.h"
#include "core/tz.h"
#include "svc/record.h"
#include "svc/when.h"
#include "util/clock.h"
#include "web/notes.h"
#include "web/page.h"
#include "web/proof.h"

typedef const struct intake_choice *(*choices_fn)(size_t *n);

static const char *label(choices_fn list, const char *code)
{
    size_t n;
    const struct intake_choice *c = list(&n);
    return *code ? intake_label(c, n, code) : "";
}

/* The labels of a comma-separated list of codes, in its order. */
static json_t *labels(struct req *r, choices_fn list, const char *csv)
{
    json_t *a = json_array();
    for (const char *p = csv; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *code = arena_strndup(r->arena, p, len);
        json_array_append_new(a, json_string(label(list, code)));
        if (!end)
            break;
        p = end + 1;
    }
    return a;
}

static const char *when_full(struct req *r, int64_t t)
{
    return arena_printf(r->arena, "%s, %s",
                        when_date_long(r->arena, when_local_date(r->app->tz, t)),
                        when_clock(r->app->tz, r->arena, t, 1));
}

/* An instant, or null for 0 ("never"). */
static json_t *at_or_null(struct req *r, int64_t t)
{
    return t ? json_string(web_time(r, t)) : json_null();
}

static json_t *intake_json(struct req *r, const struct intake *it)
{
    json_t *o = json_pack(
        "{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:i, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:s}",
        "version", it->version, "email", it->email, "phone", it->phone, "birth_date",
        it->birth_date, "emergency_contact", it->emergency_name, "emergency_phone",
        it->emergency_phone, "reason", it->reason, "areas", labels(r, intake_areas, it->areas),
        "pain", it->pain, "onset", label(intake_onsets, it->onset), "onset_other", it->onset_other,
        "worse_with", it->worse, "better_with", it->better, "treatments_tried",
        labels(r, intake_treatments, it->treatments), "conditions",
        labels(r, intake_conditions, it->conditions), "conditions_other", it->conditions_other,
        "medications", it->medications);
    json_object_set_new(o, "pressure", json_string(label(intake_pressures, it->pressure)));
    json_object_set_new(o, "consent_name", json_string(it->consent_name));
    json_object_set_new(o, "consent_at", at_or_null(r, it->consent_at));
    json_object_set_new(o, "entered_by", json_string(it->updated_by ? "the clinic" : "you"));
    json_object_set_new(o, "updated_at", json_string(web_time(r, it->updated_at)));
    json_object_set_new(o, "updated_label", json_string(when_full(r, it->updated_at)));
    json_object_set_new(o, "confirmed_at", at_or_null(r, it->confirmed_at));
    return o;
}

/* cents as "$12.50", or null for -1 (not stated) */
static json_t *money_or_null(struct req *r, int cents)
{
    return cents < 0 ? json_null() : json_string(web_price(r, cents));
}

static json_t *check_json(struct req *r, const struct insurance_check *c)
{
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "carrier", c->carrier, "member_id",
                  c->member_id, "group_number", c->group_number, "policyholder", c->holder_name,
                  "policyholder_is", label(insurance_relations, c->relation), "requested_at",
                  web_time(r, c->requested_at), "requested_label", when_full(r, c->requested_at),
                  "status", c->status);
    if (strcmp(c->status, "done") == 0) {
        json_object_set_new(o, "outcome", json_string(label(insurance_outcomes, c->outcome)));
        json_object_set_new(o, "visits_per_year",
                            c->visits_per_year < 0 ? json_null()
                                                   : json_integer(c->visits_per_year));
        json_object_set_new(o, "copay", money_or_null(r, c->copay_cents));
        json_object_set_new(o, "deductible", money_or_null(r, c->deductible_cents));
        json_object_set_new(o, "referral_required",
                            c->referral_required < 0 ? json_null()
                                                     : json_boolean(c->referral_required));
        json_object_set_new(o, "notes", json_string(c->notes));
        json_object_set_new(o, "verified_at", at_or_null(r, c->verified_at));
    }
    return o;
}

static json_t *referral_json(const struct referral *f)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s}", "physician", f->physician,
                     "practice", f->practice, "phone", f->phone, "referred_on", f->referred_on,
                     "diagnosis", f->diagnosis, "icd10", f->icd10, "visits", f->visits,
                     "valid_until", f->valid_until);
}

static json_t *client_json(struct req *r, const struct record_client *c)
{
    json_t *o = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)c->id, "name", c->name, "email",
                          c->email, "phone", c->phone);
    json_object_set_new(o, "health_form", c->has_intake ? intake_json(r, &c->intake) : json_null());
    json_t *a = json_array();
    for (size_t i = 0; i < c->nearlier; i++)
        json_array_append_new(a, intake_json(r, &c->earlier[i]));
    json_object_set_new(o, "earlier_health_forms", a);
    a = json_array();
    for (size_t i = 0; i < c->nchecks; i++)
        json_array_append_new(a, check_json(r, &c->checks[i]));
    json_object_set_new(o, "insurance_checks", a);
    a = json_array();
    for (size_t i = 0; i < c->nreferrals; i++)
        json_array_append_new(a, referral_json(&c->referrals[i]));
    json_object_set_new(o, "referrals", a);
    return o;
}

static json_t *visit_json(struct req *r, const struct record_visit *v)
{
    const struct appointment *ap = &v->ap;
    json_t *o = json_pack(
        "{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)ap->id, "client_id",
        (json_int_t)ap->client_id, "service", ap->service_name, "therapist", ap->therapist_name,
        "room", ap->room_name, "start", web_time(r, ap->start), "end", web_time(r, ap->end), "when",
        arena_printf(r->arena, "%s, %s",
                     when_date_long(r->arena, when_local_date(r->app->tz, ap->start)),
                     when_range(r->app->tz, r->arena, ap->start, ap->end)),
        "status", ap->status, "notes", ap->notes);
    int st = appt_status_parse(ap->status);
    json_object_set_new(
        o, "status_label",
        json_string(st >= 0 ? appt_status_label((enum appt_status)st) : ap->status));
    if (ap->cancelled_at) {
        json_object_set_new(o, "cancelled_at", json_string(web_time(r, ap->cancelled_at)));
        json_object_set_new(o, "cancelled_late", json_boolean(ap->cancel_late));
    }
    json_object_set_new(o, "treatment_note",
                        v->has_note ? notes_record_json(r, &v->note, v->addenda, v->naddenda)
                                    : json_null());
    return o;
}

void portal_record(struct req *r)
{
    struct err e = {0};
    struct client_record rec;
    const char *format = kv_get(&r->query, "format");
    int as_json = format && strcmp(format, "json") == 0;
    int64_t now = clock_now();

    static const char *const allowed[] = {"format", NULL};
    if (web_only_params(r, allowed) < 0)
        return;
    if (format && !as_json && strcmp(format, "html") != 0) {
        web_error(r, 400, "bad_request",
                  "Parameter 'format' must be json (a file) or html (the page).");
        return;
    }
    /* each download writes audit rows that can never be deleted: a flood
     * from one account is refused before it writes any */
    int limit = r->app->cfg.record_downloads_per_hour, n = 0;
    int64_t oldest = 0;
    if (limit > 0) {
        if (db_audit_count_since(web_db(r), r->user->id, "download", now - 3600, &n, &oldest, &e) !=
            E_OK) {
            web_fail(r, &e);
            return;
        }
        if (n >= limit) {
            int64_t wait = oldest + 3600 - now;
            long long minutes = (long long)(wait > 0 ? wait + 59 : 60) / 60;
            resp_header(r, "Retry-After",
                        arena_printf(r->arena, "%lld", (long long)(wait > 0 ? wait : 60)));
            web_error(r, 429, "too_many_downloads",
                      arena_printf(r->arena,
                                   "You downloaded your record %d times in the last hour. Please "
                                   "try again in %lld minute%s.",
                                   n, minutes, minutes == 1 ? "" : "s"));
            return;
        }
    }
    struct actor who = proof_actor(r, PROOF_EMAIL);
    if (record_collect(web_db(r), r->arena, r->user->id, &who, now, &rec, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    json_t *doc = json_object();
    json_object_set_new(doc, "clinic", json_string(r->app->cfg.name));
    json_object_set_new(doc, "timezone", json_string(r->app->cfg.timezone));
    json_object_set_new(doc, "generated_at", json_string(web_time(r, now)));
    json_object_set_new(doc, "account",
                        json_pack("{s:s, s:s}", "name", r->user->name, "email", r->user->email));
    json_t *clients = json_array(), *visits = json_array();
    for (size_t i = 0; i < rec.nclients; i++)
        json_array_append_new(clients, client_json(r, &rec.clients[i]));
    for (size_t i = 0; i < rec.nvisits; i++)
        json_array_append_new(visits, visit_json(r, &rec.visits[i]));
    json_object_set_new(doc, "clients", clients);
    json_object_set_new(doc, "appointments", visits);
    web_private(r);
    if (as_json) {
        struct dt_date d = when_local_date(r->app->tz, now);
        char day[16];
        dt_format_date(d, day, sizeof day);
        web_json(r, 200, doc);
        resp_header(r, "Content-Disposition",
                    arena_printf(r->arena, "attachment; filename=\"record-%s.json\"", day));
        return;
    }
    web_keep(r, doc);
    json_t *ctx = page_context(r, "Your record", NULL, "account");
    json_object_set_new(ctx, "user",
                        json_pack("{s:s, s:s}", "name", r->user->name, "email", r->user->email));
    json_object_set(ctx, "record", doc);
    json_object_set_new(ctx, "generated_label", json_string(when_full(r, now)));
    json_object_set_new(ctx, "empty", json_boolean(rec.nvisits == 0));
    page_render(r, 200, "portal_record", ctx);
}
