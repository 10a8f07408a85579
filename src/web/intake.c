/* intake — the health form's pages (see intake.h).  The rules live in
 * core/intake; this file reads the form, calls the check, writes through
 * the store inside one transaction together with its audit row, and
 * renders.  A refused form is answered 422 with a message next to each
 * wrong field and stores nothing. */
#include "web/intake.h"

#include <string.h>

#include "app.h"
#include "core/auth.h"
#include "core/intake.h"
#include "store/store.h"
#include "svc/booking.h"
#include "svc/token.h"
#include "svc/when.h"
#include "util/clock.h"
#include "util/num.h"
#include "web/audit.h"
#include "web/chrome.h"
#include "web/form.h"
#include "web/page.h"
#include "web/proof.h"

#define MAX_PROBLEMS 24

int intake_find_by_token(struct req *r, struct appointment *ap, const char **token)
{
    struct err e = {0};
    unsigned char hash[STORE_TOKEN_HASH];
    const char *t = req_param(r, 0);

    web_private(r);
    *token = t;
    enum err_code rc = E_NOTFOUND;
    if (token_valid(t)) {
        token_hash(t, hash);
        rc = db_appointment_by_token(web_db(r), r->arena, hash, ap, &e);
    }
    if (rc == E_NOTFOUND) {
        web_error(r, 404, NULL,
                  arena_printf(r->arena,
                               "This link does not lead to an appointment. Please check that "
                               "you copied the whole link, or call us at %s and we will help.",
                               r->app->cfg.phone));
        return -1;
    }
    if (rc != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    return 0;
}

int intake_appt_ahead(const struct appointment *ap)
{
    return (strcmp(ap->status, "booked") == 0 || strcmp(ap->status, "checked_in") == 0) &&
           ap->end > clock_now();
}

void intake_appt_closed(struct req *r, const struct appointment *ap, const char *token,
                        const char *what, int status)
{
    int cancelled = strcmp(ap->status, "cancelled") == 0;
    const char *heading = cancelled ? "This appointment is cancelled" : "This appointment is over";
    json_t *ctx = page_context(r, heading, NULL, NULL);
    json_object_set_new(ctx, "status", json_integer(status));
    json_object_set_new(ctx, "heading", json_string(heading));
    json_object_set_new(
        ctx, "message",
        json_string(arena_printf(r->arena,
                                 "%s on %s %s, so this link no longer asks for a %s. When you "
                                 "book again, the new booking's link does; or sign in to your "
                                 "account to see your records.",
                                 ap->service_name,
                                 when_date_long(r->arena, when_local_date(r->app->tz, ap->start)),
                                 cancelled ? "was cancelled" : "has passed", what)));
    json_object_set_new(ctx, "action_url", json_string(arena_printf(r->arena, "/a/%s", token)));
    json_object_set_new(ctx, "action_label", json_string("See the appointment"));
    page_render(r, status, "book/problem", ctx);
}

/* The values of every field named key, joined with ","; "" when none. */
static const char *joined(struct req *r, const char *key)
{
    size_t len = 0;
    for (size_t i = 0; i < r->form.n; i++)
        if (strcmp(r->form.items[i].key, key) == 0)
            len += r->form.items[i].vlen + 1;
    char *out = arena_alloc(r->arena, len + 1), *p = out;
    for (size_t i = 0; i < r->form.n; i++) {
        if (strcmp(r->form.items[i].key, key) != 0)
            continue;
        if (p != out)
            *p++ = ',';
        memcpy(p, r->form.items[i].val, r->form.items[i].vlen);
        p += r->form.items[i].vlen;
    }
    *p = '\0';
    return out;
}

static struct intake_input input_from_form(struct req *r)
{
    struct intake_input in = {
        .email = form_value(r, "email"),
        .phone = form_value(r, "phone"),
        .birth_date = form_value(r, "birth_date"),
        .emergency_name = form_value(r, "emergency_name"),
        .emergency_phone = form_value(r, "emergency_phone"),
        .reason = form_value(r, "reason"),
        .areas = joined(r, "areas"),
        .pain = form_value(r, "pain"),
        .onset = form_value(r, "onset"),
        .onset_other = form_value(r, "onset_other"),
        .worse = form_value(r, "worse"),
        .better = form_value(r, "better"),
        .treatments = joined(r, "treatments"),
        .conditions = joined(r, "conditions"),
        .conditions_other = form_value(r, "conditions_other"),
        .medications = form_value(r, "medications"),
        .pressure = form_value(r, "pressure"),
        .consent_name = form_value(r, "consent_name"),
    };
    return in;
}

static struct intake_input input_from_intake(struct req *r, const struct intake *it)
{
    struct intake_input in = {
        .email = it->email,
        .phone = it->phone,
        .birth_date = it->birth_date,
        .emergency_name = it->emergency_name,
        .emergency_phone = it->emergency_phone,
        .reason = it->reason,
        .areas = it->areas,
        .pain = arena_printf(r->arena, "%d", it->pain),
        .onset = it->onset,
        .onset_other = it->onset_other,
        .worse = it->worse,
        .better = it->better,
        .treatments = it->treatments,
        .conditions = it->conditions,
        .conditions_other = it->conditions_other,
        .medications = it->medications,
        .pressure = it->pressure,
        .consent_name = "", /* consent is given again with every save */
    };
    return in;
}

/* A list of choices as [{code, label, checked}] for checkboxes (csv: the
 * codes chosen) or radio buttons (one code). */
static json_t *choices(const struct intake_choice *list, size_t n, const char *chosen, int multi)
{
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) {
        int on = multi ? intake_has_code(chosen, list[i].code) : strcmp(chosen, list[i].code) == 0;
        json_array_append_new(out, json_pack("{s:s, s:s, s:b}", "code", list[i].code, "label",
                                             list[i].label, "checked", on));
    }
    return out;
}

/* The labels of the codes in csv, joined with ", " ("" when none). */
static const char *labels(struct req *r, const struct intake_choice *list, size_t n,
                          const char *csv)
{
    const char *out = "";
    for (size_t i = 0; i < n; i++)
        if (intake_has_code(csv, list[i].code))
            out = *out ? arena_printf(r->arena, "%s, %s", out, list[i].label) : list[i].label;
    return out;
}

/* Adds the form's values (ctx.form), its lists and their choices to ctx. */
static void add_form(json_t *ctx, const struct intake_input *in)
{
    size_t n;
    const struct intake_choice *l;
    json_object_set_new(
        ctx, "form",
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "email",
                  in->email, "phone", in->phone, "birth_date", in->birth_date, "emergency_name",
                  in->emergency_name, "emergency_phone", in->emergency_phone, "reason", in->reason,
                  "pain", in->pain, "onset_other", in->onset_other, "worse", in->worse, "better",
                  in->better, "conditions_other", in->conditions_other, "medications",
                  in->medications, "consent_name", in->consent_name));
    l = intake_areas(&n);
    json_object_set_new(ctx, "areas", choices(l, n, in->areas, 1));
    l = intake_onsets(&n);
    json_object_set_new(ctx, "onsets", choices(l, n, in->onset, 0));
    l = intake_treatments(&n);
    json_object_set_new(ctx, "treatments", choices(l, n, in->treatments, 1));
    l = intake_conditions(&n);
    json_object_set_new(ctx, "conditions", choices(l, n, in->conditions, 1));
    l = intake_pressures(&n);
    json_object_set_new(ctx, "pressures", choices(l, n, in->pressure, 0));
}

/* Renders the form: for the client (token set) or for the desk. */
static void form_page(struct req *r, int status, const struct appointment *ap, const char *token,
                      const struct intake_input *in, const struct intake *current, json_t *errors)
{
    json_t *ctx;
    web_keep(r, errors);
    if (token) {
        ctx = page_context(r, "Your health form", NULL, NULL);
        json_object_set_new(ctx, "csrf", json_string(web_csrf(r)));
        json_object_set_new(ctx, "action",
                            json_string(arena_printf(r->arena, "/a/%s/intake", token)));
        json_object_set_new(ctx, "back_url", json_string(arena_printf(r->arena, "/a/%s", token)));
        json_object_set_new(ctx, "is_client", json_true());
    } else {
        ctx = chrome_context(r, arena_printf(r->arena, "Health form: %s", ap->client_name),
                             "appointment");
        const char *url = arena_printf(r->arena, "/staff/appointments/%lld", (long long)ap->id);
        json_object_set_new(ctx, "action", json_string(arena_printf(r->arena, "%s/intake", url)));
        json_object_set_new(ctx, "back_url", json_string(url));
    }
    json_object_set_new(ctx, "client_name", json_string(ap->client_name));
    /* the latest date of birth the date picker offers: yesterday */
    json_object_set_new(ctx, "latest_birth",
                        json_string(when_date_param(
                            r->arena, dt_date_add(when_local_date(r->app->tz, clock_now()), -1))));
    if (current)
        json_object_set_new(ctx, "updated",
                            json_string(when_at(r->app->tz, r->arena, current->updated_at)));
    add_form(ctx, in);
    json_object_set_new(ctx, "errors", errors ? json_incref(errors) : json_object());
    if (token) { /* the private headers (no-store included) are set by intake_find_by_token */
        json_object_set_new(ctx, "invalid", json_boolean(status == 422));
        page_render(r, status, "intake", ctx);
    } else {
        form_render(r, status, "staff/intake", ctx);
    }
}

/* Reads the client's current form; *found 0 when none.  Audits a read when
 * there is one and `audit` is set.  Returns 0, or -1 with the response
 * written. */
static int load(struct req *r, int64_t client_id, struct intake *it, int *found, int audit)
{
    struct err e = {0};
    enum err_code rc = db_intake(web_db(r), r->arena, client_id, it, &e);
    *found = rc == E_OK;
    if (rc == E_OK && audit)
        rc = audit_record(r, "read", "intake", it->id, client_id, &e);
    if (rc != E_OK && rc != E_NOTFOUND) {
        web_fail(r, &e);
        return -1;
    }
    return 0;
}

/* The form a manage link may open: the client's current one only when it
 * was entered through this very appointment, or when the request proved the
 * client's address (proof.h); *found 0 otherwise, and nothing is read into
 * the page or the log.  Audits a shown read when `audit` is set.  Returns 0,
 * or -1 with the response written. */
static int load_for_link(struct req *r, const struct appointment *ap, enum proof via,
                         struct intake *it, int *found, int audit)
{
    struct err e = {0};
    enum err_code rc = db_intake(web_db(r), r->arena, ap->client_id, it, &e);
    *found = rc == E_OK && (via == PROOF_EMAIL || it->appointment_id == ap->id);
    if (rc == E_OK && !*found)
        rc = E_NOTFOUND;
    if (rc == E_OK && audit)
        rc = audit_record_as(r, via, "read", "intake", it->id, ap->client_id, &e);
    if (rc != E_OK && rc != E_NOTFOUND) {
        web_fail(r, &e);
        return -1;
    }
    return 0;
}

/* The form of ap's client, for the desk (token NULL) or by the manage link
 * (via: how that request is identified). */
static void show_form(struct req *r, const struct appointment *ap, const char *token,
                      enum proof via)
{
    struct intake it;
    int found;
    if ((token ? load_for_link(r, ap, via, &it, &found, 1) : load(r, ap->client_id, &it, &found, 1)) <
        0)
        return;
    struct intake_input in;
    if (found) {
        in = input_from_intake(r, &it);
    } else {
        /* a new form starts from what the booking gave, never from the
         * stored client's details */
        in = (struct intake_input){ap->client_email,
                                   token ? ap->contact_phone : ap->client_phone,
                                   "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", ""};
    }
    form_page(r, 200, ap, token, &in, found ? &it : NULL, NULL);
}

/* Checks and saves the posted form for the appointment's client, by the
 * desk (token NULL) or through the manage link (via: how that request is
 * identified; the form is then marked as entered through ap).  Returns 0
 * when saved, or -1 with the response written (422 with the form). */
static int save(struct req *r, const struct appointment *ap, const char *token, enum proof via)
{
    struct err e = {0};
    struct db *db = web_db(r);
    struct intake_problem probs[MAX_PROBLEMS];
    struct intake_input in = input_from_form(r);
    int pain = 0, created = 0;
    int64_t now = clock_now(), id = 0;
    size_t n = intake_check(&in, ap->client_name, when_local_date(r->app->tz, now), &pain, probs,
                            MAX_PROBLEMS);
    if (n) {
        json_t *errors = json_object();
        for (size_t i = 0; i < n && i < MAX_PROBLEMS; i++)
            form_error(errors, probs[i].field, probs[i].msg);
        struct intake cur;
        int found;
        if ((token ? load_for_link(r, ap, via, &cur, &found, 0)
                   : load(r, ap->client_id, &cur, &found, 0)) < 0) {
            json_decref(errors);
            return -1;
        }
        form_page(r, 422, ap, token, &in, found ? &cur : NULL, errors);
        return -1;
    }
    struct intake it = {
        .client_id = ap->client_id,
        .pain = pain,
        .email = in.email,
        .phone = in.phone,
        .birth_date = in.birth_date,
        .emergency_name = in.emergency_name,
        .emergency_phone = in.emergency_phone,
        .reason = in.reason,
        .areas = in.areas,
        .onset = in.onset,
        .onset_other = strcmp(in.onset, "other") == 0 ? in.onset_other : "",
        .worse = in.worse,
        .better = in.better,
        .treatments = in.treatments,
        .conditions = in.conditions,
        .conditions_other = intake_has_code(in.conditions, "other") ? in.conditions_other : "",
        .medications = in.medications,
        .pressure = in.pressure,
        .consent_name = in.consent_name,
        .consent_at = now,
        .updated_by = !token && r->user ? r->user->id : 0,
        .appointment_id = token ? ap->id : 0,
    };
    int tries = 0;
again: /* a lost race runs again (store.h) */
    if (db_begin(db, &e) != E_OK || db_intake_put(db, &it, now, &id, &created, &e) != E_OK ||
        (token ? audit_record_as(r, via, created ? "create" : "update", "intake", id,
                                 ap->client_id, &e)
               : audit_record(r, created ? "create" : "update", "intake", id, ap->client_id,
                              &e)) != E_OK ||
        db_commit(db, &e) != E_OK) {
        if (db_again(db, &tries, &e))
            goto again;
        db_rollback(db);
        web_fail(r, &e);
        return -1;
    }
    return 0;
}

void intake_client_form(struct req *r)
{
    struct appointment ap;
    const char *token;
    enum proof via;
    if (intake_find_by_token(r, &ap, &token) < 0)
        return;
    if (!intake_appt_ahead(&ap)) {
        intake_appt_closed(r, &ap, token, "health form", 410);
        return;
    }
    if (proof_of_manage(r, &ap, &via) == 0)
        show_form(r, &ap, token, via);
}

void intake_client_save(struct req *r)
{
    struct appointment ap;
    const char *token;
    enum proof via;
    if (intake_find_by_token(r, &ap, &token) < 0)
        return;
    if (!intake_appt_ahead(&ap)) {
        intake_appt_closed(r, &ap, token, "health form", 409);
        return;
    }
    if (proof_of_manage(r, &ap, &via) < 0 || save(r, &ap, token, via) < 0)
        return;
    form_see_other(r, arena_printf(r->arena, "/a/%s?intake=1", token));
}

void intake_client_confirm(struct req *r)
{
    struct appointment ap;
    const char *token;
    struct err e = {0};
    struct db *db = web_db(r);
    struct intake it;
    int found;
    enum proof via;
    if (intake_find_by_token(r, &ap, &token) < 0)
        return;
    if (!intake_appt_ahead(&ap)) {
        intake_appt_closed(r, &ap, token, "health form", 409);
        return;
    }
    /* only a form this link may open can be confirmed through it */
    if (proof_of_manage(r, &ap, &via) < 0 ||
        load_for_link(r, &ap, via, &it, &found, 0) < 0)
        return;
    if (!found) {
        form_see_other(r, arena_printf(r->arena, "/a/%s/intake", token));
        return;
    }
    int tries = 0;
again: /* a lost race runs again (store.h) */
    if (db_begin(db, &e) != E_OK || db_intake_confirm(db, ap.client_id, clock_now(), &e) != E_OK ||
        audit_record_as(r, via, "update", "intake", it.id, ap.client_id, &e) != E_OK ||
        db_commit(db, &e) != E_OK) {
        if (db_again(db, &tries, &e))
            goto again;
        db_rollback(db);
        web_fail(r, &e);
        return;
    }
    form_see_other(r, arena_printf(r->arena, "/a/%s?confirmed=1", token));
}

/* The appointment of the {id} capture (desk routes).  Returns 0, or -1 with
 * a 404 written. */
static int desk_appt(struct req *r, struct appointment *ap)
{
    struct err e = {0};
    int64_t id;
    enum err_code rc = E_NOTFOUND;
    if (num_parse_i64(req_param(r, 0), 1, INT64_MAX, &id) == 0)
        rc = db_appointment(web_db(r), r->arena, id, ap, &e);
    if (rc == E_NOTFOUND) {
        web_error(r, 404, NULL,
                  "There is no such appointment. Find it on the day view or the client's page.");
        return -1;
    }
    if (rc != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    return 0;
}

void intake_desk_form(struct req *r)
{
    struct appointment ap;
    if (desk_appt(r, &ap) == 0)
        show_form(r, &ap, NULL, PROOF_STAFF);
}

void intake_desk_save(struct req *r)
{
    struct appointment ap;
    if (desk_appt(r, &ap) < 0 || save(r, &ap, NULL, PROOF_STAFF) < 0)
        return;
    form_see_other(r,
                   arena_printf(r->arena, "/staff/appointments/%lld?intake=1", (long long)ap.id));
}

int intake_add_to_manage(struct req *r, const struct appointment *ap, const char *token,
                         enum proof via, json_t *ctx)
{
    struct intake it;
    int found;
    if (load_for_link(r, ap, via, &it, &found, 1) < 0)
        return -1;
    json_t *st = json_pack("{s:s, s:b, s:b}", "url",
                           arena_printf(r->arena, "/a/%s/intake", token), "on_file", found,
                           "proven", via == PROOF_EMAIL);
    if (found) {
        json_object_set_new(st, "updated",
                            json_string(when_at(r->app->tz, r->arena, it.updated_at)));
        json_object_set_new(st, "confirm_url",
                            json_string(arena_printf(r->arena, "/a/%s/intake/confirm", token)));
        if (it.confirmed_at)
            json_object_set_new(st, "confirmed",
                                json_string(when_at(r->app->tz, r->arena, it.confirmed_at)));
    }
    json_object_set_new(ctx, "intake_status", st);
    json_object_set_new(ctx, "csrf", json_string(web_csrf(r)));
    const char *saved = kv_get(&r->query, "intake"), *confirmed = kv_get(&r->query, "confirmed");
    if (found && saved && strcmp(saved, "1") == 0)
        json_object_set_new(ctx, "intake_saved", json_true());
    if (found && confirmed && strcmp(confirmed, "1") == 0)
        json_object_set_new(ctx, "intake_confirmed", json_true());
    return 0;
}

/* Whole years between birth date s and today; -1 when s is not a date. */
static int age(const char *s, struct dt_date today)
{
    struct dt_date b;
    if (dt_parse_date(s, &b) < 0)
        return -1;
    int years = today.year - b.year;
    if (today.month < b.month || (today.month == b.month && today.day < b.day))
        years--;
    return years;
}

int intake_add_to_appointment(struct req *r, const struct appointment *ap, json_t *ctx)
{
    struct intake it;
    int found;
    size_t n, na, no, nt, np;
    const struct intake_choice *l, *areas = intake_areas(&na), *onsets = intake_onsets(&no),
                                   *tried = intake_treatments(&nt),
                                   *pressures = intake_pressures(&np);
    int desk = r->role == AUTH_DESK || r->role == AUTH_ADMIN, treats;
    if (proof_treating(r, ap->client_id, &treats) < 0)
        return -1;
    if (!treats) { /* a therapist before the front desk checked the client in */
        json_object_set_new(ctx, "health", json_pack("{s:b}", "withheld", 1));
        return 0;
    }
    if (load(r, ap->client_id, &it, &found, 1) < 0)
        return -1;
    json_t *h = json_pack("{s:b, s:b}", "on_file", found, "can_fill", desk);
    json_object_set_new(h, "fill_url",
                        json_string(arena_printf(r->arena, "/staff/appointments/%lld/intake",
                                                 (long long)ap->id)));
    if (found) {
        json_t *warn = json_array();
        l = intake_conditions(&n);
        for (size_t i = 0; i < n; i++)
            if (intake_has_code(it.conditions, l[i].code) && strcmp(l[i].code, "other") != 0)
                json_array_append_new(warn, json_string(l[i].label));
        if (intake_has_code(it.conditions, "other"))
            json_array_append_new(warn, json_string(it.conditions_other));
        const char *onset = intake_label(onsets, no, it.onset);
        const char *pressure = intake_label(pressures, np, it.pressure);
        if (strcmp(it.onset, "other") == 0)
            onset = it.onset_other;
        json_t *o = json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
            "s:s, s:i}",
            "email", it.email, "phone", it.phone, "birth_date", it.birth_date, "emergency_name",
            it.emergency_name, "emergency_phone", it.emergency_phone, "reason", it.reason, "areas",
            labels(r, areas, na, it.areas), "pain", it.pain, "onset", onset ? onset : "", "worse",
            it.worse, "better", it.better, "treatments", labels(r, tried, nt, it.treatments),
            "medications", it.medications, "pressure", pressure ? pressure : it.pressure,
            "consent_name", it.consent_name, "consent_at",
            when_at(r->app->tz, r->arena, it.consent_at), "updated",
            when_at(r->app->tz, r->arena, it.updated_at), "version", it.version);
        json_object_set_new(
            o, "age", json_integer(age(it.birth_date, when_local_date(r->app->tz, clock_now()))));
        if (it.confirmed_at)
            json_object_set_new(o, "confirmed",
                                json_string(when_at(r->app->tz, r->arena, it.confirmed_at)));
        /* where this version came from: a manage link proves only its booking */
        if (it.appointment_id)
            json_object_set_new(
                o, "entered_via",
                json_pack("{s:I, s:s, s:b}", "id", (json_int_t)it.appointment_id, "url",
                          arena_printf(r->arena, "/staff/appointments/%lld",
                                       (long long)it.appointment_id),
                          "this", it.appointment_id == ap->id));
        json_object_set_new(h, "intake", o);
        json_object_set_new(h, "warnings", warn);
        json_object_set_new(h, "has_warnings", json_boolean(json_array_size(warn) > 0));
    }
    json_object_set_new(ctx, "health", h);
    const char *saved = kv_get(&r->query, "intake");
    if (found && saved && strcmp(saved, "1") == 0)
        json_object_set_new(ctx, "intake_saved", json_true());
    return 0;
}
