/* insurance — the insurance-benefit check pages (see insurance.h).  The
 * field rules are core/intake's; writes are one transaction with their
 * audit row; a refused form is a 422 that names each wrong field and
 * stores nothing. */
#include "web/insurance.h"

#include <string.h>

#include "app.h"
#include "core/auth.h"
#include "core/intake.h"
#include "store/store.h"
#include "svc/notice.h"
#include "svc/when.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/num.h"
#include "web/audit.h"
#include "web/chrome.h"
#include "web/form.h"
#include "web/intake.h"
#include "web/page.h"

#define QUEUE_MAX 200
#define MAX_PROBLEMS 8

static const char *money(struct req *r, int cents)
{
    return cents < 0 ? "" : web_price(r, cents);
}

/* The amount as typed in the outcome form: "25.00"; "" when not stated. */
static const char *dollars(struct req *r, int cents)
{
    return cents < 0 ? "" : arena_printf(r->arena, "%d.%02d", cents / 100, cents % 100);
}

static json_t *relations(const char *chosen)
{
    size_t n;
    const struct intake_choice *l = insurance_relations(&n);
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(out, json_pack("{s:s, s:s, s:b}", "code", l[i].code, "label",
                                             l[i].label, "checked",
                                             strcmp(chosen, l[i].code) == 0));
    return out;
}

/* A check as the pages show it. */
static json_t *check_json(struct req *r, const struct insurance_check *c)
{
    size_t nr, no;
    const struct intake_choice *rl = insurance_relations(&nr), *ol = insurance_outcomes(&no);
    const char *rel = intake_label(rl, nr, c->relation);
    const char *out = intake_label(ol, no, c->outcome);
    json_t *o = json_pack(
        "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s}", "id", (json_int_t)c->id,
        "carrier", c->carrier, "member_id", c->member_id, "group_number", c->group_number,
        "holder_name", c->holder_name, "relation", rel ? rel : c->relation, "requested",
        when_at(r->app->tz, r->arena, c->requested_at), "client_name", c->client_name, "pending",
        strcmp(c->status, "pending") == 0, "outcome", out ? out : "", "url",
        arena_printf(r->arena, "/staff/insurance/%lld", (long long)c->id));
    if (strcmp(c->status, "done") == 0) {
        json_object_set_new(o, "done", json_true());
        json_object_set_new(o, "outcome_code", json_string(c->outcome));
        if (c->visits_per_year >= 0)
            json_object_set_new(o, "visits", json_integer(c->visits_per_year));
        json_object_set_new(o, "copay", json_string(money(r, c->copay_cents)));
        json_object_set_new(o, "deductible", json_string(money(r, c->deductible_cents)));
        json_object_set_new(o, "referral", json_boolean(c->referral_required));
        json_object_set_new(o, "notes", json_string(c->notes));
        json_object_set_new(o, "verified_by", json_string(c->verified_by_name));
        json_object_set_new(o, "verified_at",
                            json_string(when_at(r->app->tz, r->arena, c->verified_at)));
    }
    return o;
}

/* The check a manage link may open: with a proven address the client's
 * newest, by the link alone the newest asked for through ap; *found 0 when
 * none; audited when found.  Returns 0, or -1 with the response written. */
static int of_link(struct req *r, const struct appointment *ap, enum proof via,
                   struct insurance_check *c, int *found)
{
    struct err e = {0};
    enum err_code rc = via == PROOF_EMAIL
                           ? db_insurance_latest(web_db(r), r->arena, ap->client_id, c, &e)
                           : db_insurance_of_appointment(web_db(r), r->arena, ap->id, c, &e);
    *found = rc == E_OK;
    if (rc == E_OK)
        rc = audit_record_as(r, via, "read", "insurance", c->id, ap->client_id, &e);
    if (rc != E_OK && rc != E_NOTFOUND) {
        web_fail(r, &e);
        return -1;
    }
    return 0;
}

/* A check as a page reached without proof shows it: whether it is pending
 * or done and the coverage, never the carrier, member id or amounts. */
static json_t *brief_json(struct req *r, const struct insurance_check *c)
{
    size_t no;
    const struct intake_choice *ol = insurance_outcomes(&no);
    const char *out = intake_label(ol, no, c->outcome);
    json_t *o = json_pack("{s:b, s:s, s:b, s:s}", "brief", 1, "requested",
                          when_at(r->app->tz, r->arena, c->requested_at), "pending",
                          strcmp(c->status, "pending") == 0, "outcome", out ? out : "");
    if (strcmp(c->status, "done") == 0)
        json_object_set_new(o, "done", json_true());
    return o;
}

/* The client's newest check; *found 0 when none; audited when found.
 * Returns 0, or -1 with the response written. */
static int latest(struct req *r, int64_t client_id, struct insurance_check *c, int *found)
{
    struct err e = {0};
    enum err_code rc = db_insurance_latest(web_db(r), r->arena, client_id, c, &e);
    *found = rc == E_OK;
    if (rc == E_OK)
        rc = audit_record(r, "read", "insurance", c->id, client_id, &e);
    if (rc != E_OK && rc != E_NOTFOUND) {
        web_fail(r, &e);
        return -1;
    }
    return 0;
}

json_t *insurance_check_json(struct req *r, const struct insurance_check *c)
{
    return check_json(r, c);
}

/* ---- the client's request ---- */

static void request_page(struct req *r, int status, const struct appointment *ap,
                         const char *token, const struct insurance_input *in, int pending,
                         json_t *errors)
{
    web_keep(r, errors);
    json_t *ctx = page_context(r, "Check your insurance benefits", NULL, NULL);
    json_object_set_new(ctx, "csrf", json_string(web_csrf(r)));
    json_object_set_new(ctx, "action", json_string(arena_printf(r->arena, "/a/%s/insurance", token)));
    json_object_set_new(ctx, "back_url", json_string(arena_printf(r->arena, "/a/%s", token)));
    json_object_set_new(ctx, "client_name", json_string(ap->client_name));
    json_object_set_new(ctx, "pending", json_boolean(pending));
    json_object_set_new(ctx, "form",
                        json_pack("{s:s, s:s, s:s, s:s}", "carrier", in->carrier, "member_id",
                                  in->member_id, "group_number", in->group_number, "holder_name",
                                  in->holder_name));
    json_object_set_new(ctx, "relations", relations(in->relation));
    json_object_set_new(ctx, "errors", errors ? json_incref(errors) : json_object());
    json_object_set_new(ctx, "invalid", json_boolean(status == 422));
    page_render(r, status, "insurance", ctx); /* private headers: intake_find_by_token */
}

void insurance_client_form(struct req *r)
{
    struct appointment ap;
    struct insurance_check c;
    const char *token;
    int found;
    enum proof via;
    if (intake_find_by_token(r, &ap, &token) < 0)
        return;
    if (!intake_appt_ahead(&ap)) {
        intake_appt_closed(r, &ap, token, "insurance check", 410);
        return;
    }
    if (proof_of_manage(r, &ap, &via) < 0 || of_link(r, &ap, via, &c, &found) < 0)
        return;
    struct insurance_input in = {"", "", "", ap.client_name, "self"};
    /* the details fill the form only for a proven address: a manage link
     * alone never shows a carrier or member id, not even its own */
    if (found && via == PROOF_EMAIL)
        in = (struct insurance_input){c.carrier, c.member_id, c.group_number, c.holder_name,
                                      c.relation};
    request_page(r, 200, &ap, token, &in, found && strcmp(c.status, "pending") == 0, NULL);
}

void insurance_client_save(struct req *r)
{
    struct appointment ap;
    struct insurance_check cur;
    struct err e = {0};
    struct db *db = web_db(r);
    const char *token;
    struct intake_problem probs[MAX_PROBLEMS];
    int64_t id = 0;
    enum proof via;
    if (intake_find_by_token(r, &ap, &token) < 0)
        return;
    if (!intake_appt_ahead(&ap)) {
        intake_appt_closed(r, &ap, token, "insurance check", 409);
        return;
    }
    if (proof_of_manage(r, &ap, &via) < 0)
        return;
    struct insurance_input in = {form_value(r, "carrier"), form_value(r, "member_id"),
                                 form_value(r, "group_number"), form_value(r, "holder_name"),
                                 form_value(r, "relation")};
    /* a correction replaces only a pending check this request may open */
    enum err_code rc = via == PROOF_EMAIL
                           ? db_insurance_latest(db, r->arena, ap.client_id, &cur, &e)
                           : db_insurance_of_appointment(db, r->arena, ap.id, &cur, &e);
    if (rc != E_OK && rc != E_NOTFOUND) {
        web_fail(r, &e);
        return;
    }
    int pending = rc == E_OK && strcmp(cur.status, "pending") == 0;
    size_t n = insurance_check_request(&in, probs, MAX_PROBLEMS);
    if (n) {
        json_t *errors = json_object();
        for (size_t i = 0; i < n && i < MAX_PROBLEMS; i++)
            form_error(errors, probs[i].field, probs[i].msg);
        request_page(r, 422, &ap, token, &in, pending, errors);
        return;
    }
    struct insurance_check c = {.client_id = ap.client_id, .carrier = in.carrier,
                                .member_id = in.member_id, .group_number = in.group_number,
                                .holder_name = in.holder_name, .relation = in.relation,
                                .requested_at = clock_now(), .appointment_id = ap.id};
    int tries = 0;
again: /* a lost race runs again (store.h) */
    if (db_begin(db, &e) != E_OK ||
        (pending ? db_insurance_update_request(db, cur.id, &c, &e)
                 : db_insurance_add(db, &c, &id, &e)) != E_OK ||
        audit_record_as(r, via, pending ? "update" : "create", "insurance",
                        pending ? cur.id : id, ap.client_id, &e) != E_OK ||
        db_commit(db, &e) != E_OK) {
        if (db_again(db, &tries, &e))
            goto again;
        db_rollback(db);
        web_fail(r, &e);
        return;
    }
    form_see_other(r, arena_printf(r->arena, "/a/%s?insurance=1", token));
}

int insurance_add_to_manage(struct req *r, const struct appointment *ap, const char *token,
                            enum proof via, json_t *ctx)
{
    struct insurance_check c;
    int found;
    if (of_link(r, ap, via, &c, &found) < 0)
        return -1;
    if (found)
        json_object_set_new(ctx, "insurance",
                            via == PROOF_EMAIL ? check_json(r, &c) : brief_json(r, &c));
    json_object_set_new(ctx, "insurance_url",
                        json_string(arena_printf(r->arena, "/a/%s/insurance", token)));
    const char *asked = kv_get(&r->query, "insurance");
    if (found && asked && strcmp(asked, "1") == 0)
        json_object_set_new(ctx, "insurance_asked", json_true());
    return 0;
}

int insurance_add_to_appointment(struct req *r, const struct appointment *ap, json_t *ctx)
{
    struct insurance_check c;
    int found;
    if (r->role != AUTH_DESK && r->role != AUTH_ADMIN)
        return 0;
    if (latest(r, ap->client_id, &c, &found) < 0)
        return -1;
    json_t *h = json_object_get(ctx, "health");
    if (found && h)
        json_object_set_new(h, "insurance", check_json(r, &c));
    return 0;
}

/* ---- the front desk ---- */

void insurance_queue(struct req *r)
{
    struct err e = {0};
    struct insurance_check *cs;
    size_t n;
    if (db_insurance_pending(web_db(r), r->arena, QUEUE_MAX, &cs, &n, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    /* every check shown is a read of a health record: one audit row each,
     * written in one statement before any is shown */
    int64_t *ids = arena_array(r->arena, n + 1, sizeof *ids);
    int64_t *whose = arena_array(r->arena, n + 1, sizeof *whose);
    for (size_t i = 0; i < n; i++) {
        ids[i] = cs[i].id;
        whose[i] = cs[i].client_id;
    }
    if (audit_record_many(r, "read", "insurance", ids, whose, n, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    json_t *ctx = chrome_context(r, "Insurance checks", "insurance");
    json_t *list = json_array();
    json_object_set_new(ctx, "checks", list);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, check_json(r, &cs[i]));
    json_object_set_new(ctx, "count", json_integer((json_int_t)n));
    json_object_set_new(ctx, "more", json_boolean(n == QUEUE_MAX));
    form_render(r, 200, "staff/insurance_queue", ctx);
}

/* The check of the {id} capture.  Returns 0, or -1 with a 404 written. */
static int find_check(struct req *r, struct insurance_check *c)
{
    struct err e = {0};
    int64_t id;
    enum err_code rc = E_NOTFOUND;
    if (num_parse_i64(req_param(r, 0), 1, INT64_MAX, &id) == 0)
        rc = db_insurance_get(web_db(r), r->arena, id, c, &e);
    if (rc == E_NOTFOUND) {
        web_error(r, 404, NULL, "There is no such insurance check. Open one from the queue.");
        return -1;
    }
    if (rc != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    return 0;
}

static void check_page(struct req *r, int status, const struct insurance_check *c,
                       const struct insurance_outcome_input *in, json_t *errors)
{
    size_t n;
    const struct intake_choice *l = insurance_outcomes(&n);
    web_keep(r, errors);
    json_t *ctx = chrome_context(r, arena_printf(r->arena, "Insurance check: %s", c->client_name),
                                 "insurance");
    json_object_set_new(ctx, "check", check_json(r, c));
    json_object_set_new(ctx, "client_url",
                        json_string(arena_printf(r->arena, "/staff/clients/%lld",
                                                 (long long)c->client_id)));
    json_t *outs = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(outs, json_pack("{s:s, s:s, s:b}", "code", l[i].code, "label",
                                              l[i].label, "checked",
                                              strcmp(in->outcome, l[i].code) == 0));
    json_object_set_new(ctx, "outcomes", outs);
    json_object_set_new(ctx, "form",
                        json_pack("{s:s, s:s, s:s, s:s, s:b, s:b}", "visits", in->visits, "copay",
                                  in->copay, "deductible", in->deductible, "notes", in->notes,
                                  "referral_yes", strcmp(in->referral, "yes") == 0, "referral_no",
                                  strcmp(in->referral, "no") == 0));
    json_object_set_new(ctx, "errors", errors ? json_incref(errors) : json_object());
    form_render(r, status, "staff/insurance_check", ctx);
}

void insurance_check_page(struct req *r)
{
    struct insurance_check c;
    struct err e = {0};
    if (find_check(r, &c) < 0)
        return;
    if (audit_record(r, "read", "insurance", c.id, c.client_id, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    int done = strcmp(c.status, "done") == 0;
    struct insurance_outcome_input in = {
        done ? c.outcome : "",
        done && c.visits_per_year >= 0 ? arena_printf(r->arena, "%d", c.visits_per_year) : "",
        done ? dollars(r, c.copay_cents) : "",
        done ? dollars(r, c.deductible_cents) : "",
        done ? (c.referral_required ? "yes" : "no") : "",
        done ? c.notes : "",
    };
    check_page(r, 200, &c, &in, NULL);
}

void insurance_check_save(struct req *r)
{
    struct insurance_check c;
    struct insurance_outcome o;
    struct intake_problem probs[MAX_PROBLEMS];
    struct err e = {0};
    struct db *db = web_db(r);
    if (find_check(r, &c) < 0)
        return;
    struct insurance_outcome_input in = {form_value(r, "outcome"),    form_value(r, "visits"),
                                         form_value(r, "copay"),      form_value(r, "deductible"),
                                         form_value(r, "referral"),   form_value(r, "notes")};
    size_t n = insurance_check_outcome(&in, &o, probs, MAX_PROBLEMS);
    if (n) {
        json_t *errors = json_object();
        for (size_t i = 0; i < n && i < MAX_PROBLEMS; i++)
            form_error(errors, probs[i].field, probs[i].msg);
        check_page(r, 422, &c, &in, errors);
        return;
    }
    struct insurance_check out = {.outcome = in.outcome, .visits_per_year = o.visits,
                                  .copay_cents = o.copay_cents,
                                  .deductible_cents = o.deductible_cents,
                                  .referral_required = o.referral, .notes = in.notes,
                                  .verified_by = r->user->id, .verified_by_name = r->user->name,
                                  .verified_at = clock_now()};
    /* the client hears that the outcome is there, in the same transaction */
    const char *dedupe = arena_printf(r->arena, "insurance-%lld/outcome", (long long)c.id);
    int tries = 0;
again: /* a lost race runs again (store.h) */
    if (db_begin(db, &e) != E_OK || db_insurance_record(db, c.id, &out, &e) != E_OK ||
        audit_record(r, "update", "insurance", c.id, c.client_id, &e) != E_OK ||
        notice_queue(&r->app->mailer, db, "insurance_outcome", c.client_email, c.client_name,
                     dedupe, out.verified_at, &e) != E_OK ||
        db_commit(db, &e) != E_OK) {
        if (db_again(db, &tries, &e))
            goto again;
        db_rollback(db);
        web_fail(r, &e);
        return;
    }
    notice_committed(&r->app->mailer);
    form_see_other(r, arena_printf(r->arena, "/staff/insurance?saved=%lld", (long long)c.id));
}
