/* desk — the front desk's pages (see desk.h).  Reads and writes through the
 * store and web/sched; holds no booking rule of its own: the status machine
 * is core/appt, slots and placing are web/sched.  Every write is one
 * transaction, so a refused form stores nothing.
 *
 * Staff booking and moving: the listing uses the service's rules with the
 * notice set to 0 (staff_rules below), so a walk-in can take a start a few
 * minutes from now; sched_book gets staff = 1.  The calendar (other
 * appointments, breaks, time off, rooms) is checked exactly as online. */
#include "web/desk.h"

#include <stdio.h>
#include <string.h>

#include "app.h"
#include "core/appt.h"
#include "core/auth.h"
#include "core/booking.h"
#include "core/tz.h"
#include "store/store.h"
#include "core/phone.h"
#include "svc/booking.h"
#include "svc/texts.h"
#include "svc/clients.h"
#include "svc/token.h"
#include "svc/when.h"
#include "util/clock.h"
#include "util/num.h"
#include "view/esc.h"
#include "web/chrome.h"
#include "web/form.h"
#include "web/intake.h"
#include "web/money.h"
#include "web/insurance.h"
#include "web/notes.h"
#include "web/admin_locations.h"
#include "web/page.h"
#include "web/pay.h"
#include "web/shop.h"
#include "web/proof.h"
#include "web/referrals.h"

#define NOTES_MAX 4000
#define CLIENTS_MAX 200

/* The {id} capture as a positive id; 0 (after a 404 page) when malformed. */
static int64_t path_id(struct req *r, const char *what)
{
    int64_t id;
    if (num_parse_i64(req_param(r, 0), 1, INT64_MAX, &id) < 0) {
        web_error(r, 404, NULL, arena_printf(r->arena, "There is no such %s.", what));
        return 0;
    }
    return id;
}

/* Loads a service's sched at location loc (0 = the first) with the
 * staff's rules: no minimum notice. */
static enum err_code staff_sched(struct req *r, int64_t loc, const char *service,
                                 const char *therapist, struct sched *s, struct err *e)
{
    struct booking_rules rules = app_booking_rules(r->app);
    enum err_code rc = sched_load_at(web_db(r), r->arena, r->app->sched, r->app->tz, &rules, loc,
                                     service, therapist, s, e);
    if (rc == E_OK) {
        s->rules.min_notice_min = 0; /* staff may book and move inside the notice window */
        s->staff = 1;                /* its moves are its own: the desk is not told of them */
    }
    return rc;
}

/* Slots of one day as [{value, label, therapists}] for radio buttons. */
static json_t *day_times(struct req *r, const struct sched *s, struct dt_date d, int64_t exclude,
                         struct err *e, enum err_code *rc)
{
    struct sched_day day;
    json_t *out = json_array();
    *rc = sched_days(web_db(r), r->arena, s, clock_now(), d, 1, exclude, &day, e);
    if (*rc != E_OK)
        return out;
    int64_t now = clock_now();
    for (size_t i = 0; i < day.nslots; i++)
        if (day.slots[i].start > now) /* with no notice, "now" itself has passed */
            json_array_append_new(
                out, json_pack("{s:s, s:s}", "value", web_time_in(r, s->tz, day.slots[i].start),
                               "label", when_clock(s->tz, r->arena, day.slots[i].start, 0)));
    return out;
}

static json_t *appt_json(struct req *r, const struct appointment *a)
{
    int st = appt_status_parse(a->status);
    const struct tz *tz = web_zone(r, a->location_id); /* on its location's clock */
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "id",
                     (json_int_t)a->id, "when", when_relative(tz, r->arena, a->start), "time",
                     when_range(tz, r->arena, a->start, a->end), "date",
                     when_date_long(r->arena, when_local_date(tz, a->start)), "service",
                     a->service_name, "therapist", a->therapist_name, "room", a->room_name,
                     "location", a->location_name ? a->location_name : "", "status", a->status,
                     "status_label", st >= 0 ? appt_status_label((enum appt_status)st) : a->status,
                     "url", arena_printf(r->arena, "/staff/appointments/%lld", (long long)a->id),
                     "late", strcmp(a->status, "cancelled") == 0 && a->cancel_late);
}

/* ---- one appointment ---- */

/* [*start, *end): the local day of t at a location of zone tz. */
static void local_day(const struct tz *tz, int64_t t, int64_t *start, int64_t *end)
{
    struct dt_date d = when_local_date(tz, t);
    *start = tz_day_start(tz, d);
    *end = tz_day_start(tz, dt_date_add(d, 1));
}

/* Appends one event of the appointment's history, by the signed-in account,
 * at now; inside the caller's transaction. */
static enum err_code add_event(struct req *r, struct db *db, int64_t appt_id, const char *kind,
                               const char *from, const char *to, const char *reason,
                               struct err *e)
{
    struct appt_event ev = {.appointment_id = appt_id, .at = clock_now(),
                            .user_id = r->user ? r->user->id : 0,
                            .actor = r->user ? r->user->email : "system", .kind = kind,
                            .from_status = from, .to_status = to, .reason = reason};
    return db_appt_event_add(db, &ev, e);
}

/* The last status change the desk made, or NULL. */
static const struct appt_event *last_change(const struct appt_event *ev, size_t n)
{
    for (size_t i = n; i-- > 0;)
        if (strcmp(ev[i].kind, "status") == 0)
            return &ev[i];
    return NULL;
}

/* Whether the last change can be undone now (reason aside): NULL or why not. */
static const char *undo_check(struct req *r, const struct appointment *ap,
                              const struct appt_event *last, const char *reason)
{
    int64_t t0, t1;
    local_day(web_zone(r, ap->location_id), clock_now(), &t0, &t1);
    if (!last)
        return "There is no status change of this appointment to undo.";
    return appt_check_undo(ap->status, last->from_status, last->to_status, last->at, t0, t1,
                           reason);
}

static const char *status_label_of(const char *name)
{
    int st = appt_status_parse(name);
    return st >= 0 ? appt_status_label((enum appt_status)st) : name;
}

/* The history as the page lists it, and the undo offer. */
static void add_history(struct req *r, const struct appointment *ap,
                        const struct appt_event *ev, size_t n, int desk, json_t *ctx)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        const char *what;
        if (strcmp(ev[i].kind, "overlap") == 0) {
            what = "Booked although the client holds another appointment at an overlapping "
                   "time";
            json_object_set_new(ctx, "overlap_reason", json_string(ev[i].reason));
        } else if (strcmp(ev[i].kind, "undo") == 0) {
            what = arena_printf(r->arena, "Undone: %s → %s", status_label_of(ev[i].from_status),
                                status_label_of(ev[i].to_status));
        } else {
            what = arena_printf(r->arena, "%s → %s", status_label_of(ev[i].from_status),
                                status_label_of(ev[i].to_status));
        }
        json_array_append_new(list,
                              json_pack("{s:s, s:s, s:s, s:s}", "when",
                                        when_relative(r->app->tz, r->arena, ev[i].at), "at",
                                        web_time(r, ev[i].at), "by", ev[i].actor, "what", what));
        if (ev[i].reason[0])
            json_object_set_new(json_array_get(list, json_array_size(list) - 1), "reason",
                                json_string(ev[i].reason));
    }
    json_object_set_new(ctx, "has_events", json_boolean(json_array_size(list) > 0));
    json_object_set_new(ctx, "events", list);
    const struct appt_event *last = last_change(ev, n);
    if (desk && undo_check(r, ap, last, "-") == NULL)
        json_object_set_new(ctx, "undo",
                            json_pack("{s:s, s:s}", "label",
                                      arena_printf(r->arena, "Undo “%s”",
                                                   status_label_of(last->to_status)),
                                      "back_to", status_label_of(last->from_status)));
}

/* Reads the appointment of the path; a therapist only their own.  Returns 0,
 * or -1 with a 404 written. */
static int find_appt(struct req *r, struct appointment *ap)
{
    struct err e = {0};
    int64_t id = path_id(r, "appointment");
    if (!id)
        return -1;
    enum err_code rc = db_appointment(web_db(r), r->arena, id, ap, &e);
    if (rc == E_OK && r->role == AUTH_THERAPIST &&
        strcmp(ap->therapist_id, r->user->therapist_id) != 0)
        rc = E_NOTFOUND;
    if (rc == E_NOTFOUND) {
        web_error(r, 404, NULL,
                  "There is no such appointment. Find it on the day view or the "
                  "client's page.");
        return -1;
    }
    if (rc != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    return 0;
}

/* Renders the appointment page; msg/errors from a refused form (status 4xx). */
/* A client the desk booked with a phone and no e-mail gets no confirmation
 * e-mail: the appointment's page shows it in words for the desk to read out
 * (date, time, therapist, address, price, cancellation policy), and says
 * whether a text with it was queued.  -1 when the page failed (answered). */
static int readout(struct req *r, const struct appointment *ap, const struct tz *tz, json_t *ctx)
{
    struct err e = {0};
    struct db *db = web_db(r);
    struct booking_rules cfg = app_booking_rules(r->app), rules;
    struct service sv;
    int found = 0, texted = 0;
    if (sched_service_rules(db, r->arena, r->app->sched, &cfg, ap->location_id, ap->service_id,
                            &sv, &found, &rules, &e) != E_OK ||
        db_outbox_count(db, ap->id, "confirmation_sms", &texted, &e) != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    const char *address = ap->location_address && ap->location_address[0]
                              ? ap->location_address
                              : r->app->cfg.address;
    int64_t from = ap->start - (int64_t)rules.late_cancel_hours * 3600;
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:b}", "date",
        when_date_long(r->arena, when_local_date(tz, ap->start)), "time",
        when_clock(tz, r->arena, ap->start, 0), "service", ap->service_name, "therapist",
        ap->therapist_name, "address", address ? address : "", "texted", texted > 0);
    if (found && sv.price_cents >= 0)
        json_object_set_new(o, "price", json_string(web_price(r, sv.price_cents)));
    if (rules.late_cancel_hours > 0)
        json_object_set_new(
            o, "policy",
            json_string(arena_printf(
                r->arena,
                "To move or cancel, call us at least %d hours before, that is by %s at %s; a "
                "later cancellation counts as a late cancellation.",
                rules.late_cancel_hours, when_date_long(r->arena, when_local_date(tz, from)),
                when_clock(tz, r->arena, from, 0))));
    if (r->app->cfg.phone[0])
        json_object_set_new(o, "clinic_phone", json_string(r->app->cfg.phone));
    json_object_set_new(ctx, "readout", o);
    return 0;
}

static void appt_page(struct req *r, int status, const struct appointment *ap, const char *msg,
                      json_t *errors, json_t *form)
{
    struct err e = {0};
    struct db *db = web_db(r);
    const char *staff_notes = "";
    struct appointment *hist;
    size_t nhist = 0;
    int desk = r->role == AUTH_DESK || r->role == AUTH_ADMIN;

    web_keep(r, errors); /* owned by the request from here, whatever happens */
    web_keep(r, form);
    struct appt_event *ev;
    size_t nev = 0;
    if (db_staff_notes(db, r->arena, ap->id, &staff_notes, &e) != E_OK ||
        db_client_appointments(db, r->arena, ap->client_id, &hist, &nhist, &e) != E_OK ||
        db_appt_events(db, r->arena, ap->id, &ev, &nev, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    const struct tz *tz = web_zone(r, ap->location_id);
    json_t *ctx = chrome_context(r,
                                 arena_printf(r->arena, "Appointment: %s, %s", ap->client_name,
                                              when_relative(tz, r->arena, ap->start)),
                                 "appointment");
    json_object_set_new(ctx, "appt", appt_json(r, ap));
    json_t *client =
        json_pack("{s:s, s:s, s:s, s:s}", "name", ap->client_name, "email", ap->client_email,
                  "phone", ap->client_phone, "url",
                  arena_printf(r->arena, "/staff/clients/%lld", (long long)ap->client_id));
    /* the phone this booking gave, when it is not the stored one: the desk
     * decides whether to take it (an online booking never changes it) */
    if (ap->contact_phone && *ap->contact_phone && strcmp(ap->contact_phone, ap->client_phone) != 0)
        json_object_set_new(client, "booking_phone", json_string(ap->contact_phone));
    json_object_set_new(ctx, "client", client);
    if (!ap->client_email[0] && strcmp(ap->status, "booked") == 0 && readout(r, ap, tz, ctx) < 0)
        return;
    if (ap->notes[0])
        json_object_set_new(ctx, "client_notes", json_string(ap->notes));
    if (ap->cancel_reason[0])
        json_object_set_new(ctx, "cancel_reason", json_string(ap->cancel_reason));
    json_object_set_new(ctx, "staff_notes", json_string(staff_notes));
    json_object_set_new(ctx, "can_edit", json_boolean(desk));
    json_object_set_new(ctx, "checkout_ready",
                        json_boolean(strcmp(ap->status, "checked_in") == 0 ||
                                     strcmp(ap->status, "completed") == 0));
    if (desk && pay_staff_context(r, ap, ctx) < 0)
        return;

    json_t *history = json_array();
    for (size_t i = 0; i < nhist; i++)
        if (hist[i].id != ap->id && (desk || strcmp(hist[i].therapist_id, ap->therapist_id) == 0))
            json_array_append_new(history, appt_json(r, &hist[i]));
    json_object_set_new(ctx, "history", history);
    /* a therapist sees the clinical record only inside a treating
     * relationship: once the front desk checked the client in */
    struct dt_date appt_day = when_local_date(tz, ap->start);
    int treats;
    if (proof_treating(r, ap->client_id, &treats) < 0 ||
        (treats && referrals_context(r, ap->client_id, &appt_day, desk, ctx) < 0))
        return;
    if (!treats)
        json_object_set_new(ctx, "referrals_withheld", json_true());
    notes_link(r, ap, treats, ctx);

    /* Allowed status changes as buttons; those the clock does not allow
     * yet as a line saying from when. */
    int from = appt_status_parse(ap->status);
    int64_t day0, day1;
    local_day(tz, ap->start, &day0, &day1);
    json_t *actions = json_array(), *later = json_array();
    for (int to = 0; desk && from >= 0 && to < APPT__COUNT; to++) {
        if (!appt_can_move((enum appt_status)from, (enum appt_status)to) ||
            appt_needs_reason((enum appt_status)to))
            continue;
        const char *label = appt_action_label((enum appt_status)to);
        if (appt_check_clock((enum appt_status)to, clock_now(), ap->start, day0))
            json_array_append_new(
                later, json_pack("{s:s, s:s}", "label", label, "from",
                                 when_relative(tz, r->arena,
                                               to == APPT_CHECKED_IN ? day0 : ap->start)));
        else
            json_array_append_new(
                actions, json_pack("{s:s, s:s}", "status", appt_status_name((enum appt_status)to),
                                   "label", label));
    }
    json_object_set_new(ctx, "actions", actions);
    json_object_set_new(ctx, "later", later);
    add_history(r, ap, ev, nev, desk, ctx);
    json_object_set_new(
        ctx, "can_cancel",
        json_boolean(desk && from >= 0 && appt_can_move((enum appt_status)from, APPT_CANCELLED)));

    /* Moving: a booked appointment still ahead, times of one day with its
     * therapist, another one, or any (?therapist=). */
    int64_t now = clock_now();
    if (desk && strcmp(ap->status, "booked") == 0 && ap->start > now) {
        struct sched all, s;
        struct dt_date d = when_local_date(web_zone(r, ap->location_id), ap->start);
        const char *ds = kv_get(&r->query, "date"), *who = kv_get(&r->query, "therapist");
        const char *problem = NULL;
        if (ds && dt_parse_date(ds, &d) < 0) {
            web_error(r, 400, NULL, "The date must look like 2026-11-24.");
            return;
        }
        if (!who || !*who)
            who = ap->therapist_id;
        enum err_code rc = staff_sched(r, ap->location_id, ap->service_id, "any", &all, &e);
        if (rc == E_OK)
            rc = staff_sched(r, ap->location_id, ap->service_id, who, &s, &e);
        json_t *times = json_array();
        if (rc == E_OK) {
            json_decref(times);
            times = day_times(r, &s, d, ap->id, &e, &rc);
        } else if (e.problem && (strcmp(e.problem, "unknown_therapist") == 0 ||
                                 strcmp(e.problem, "unknown_service") == 0)) {
            problem = strcmp(e.problem, "unknown_service") == 0
                          ? "The clinic no longer offers this service; it cannot be moved."
                          : "That therapist does not offer this service; choose another or "
                            "any therapist.";
            rc = E_OK;
        }
        if (rc != E_OK) {
            json_decref(times);
            web_fail(r, &e);
            return;
        }
        json_t *ths = json_array();
        for (size_t i = 0; problem == NULL && i < all.ntherapists; i++)
            json_array_append_new(ths, json_pack("{s:s, s:s, s:b}", "id", all.therapists[i].id,
                                                 "name", all.therapists[i].name, "selected",
                                                 strcmp(all.therapists[i].id, who) == 0));
        json_t *mv =
            json_pack("{s:s, s:s, s:o, s:b, s:o, s:s, s:b}", "date", when_date_param(r->arena, d),
                      "date_label", when_date_long(r->arena, d), "times", times, "none",
                      json_array_size(times) == 0, "therapists", ths, "therapist", who, "any",
                      strcmp(who, "any") == 0);
        if (problem)
            json_object_set_new(mv, "problem", json_string(problem));
        json_object_set_new(ctx, "move", mv);
    }
    if (msg)
        json_object_set_new(ctx, "error", json_string(msg));
    /* just changed (desk_status): say so, and where its undo is */
    const char *changed = kv_get(&r->query, "changed");
    if (!msg && changed && appt_status_parse(changed) >= 0 && strcmp(changed, ap->status) == 0)
        json_object_set_new(ctx, "changed", json_string(status_label_of(changed)));
    json_object_set_new(ctx, "errors", errors ? json_incref(errors) : json_object());
    json_object_set_new(ctx, "form", form ? json_incref(form) : json_object());
    /* the client's health form (and, for the desk, insurance check) */
    if (intake_add_to_appointment(r, ap, ctx) < 0 || insurance_add_to_appointment(r, ap, ctx) < 0)
        return;
    page_render(r, status, "staff/appointment", ctx);
    resp_header(r, "Cache-Control", "no-store");
}

void desk_appointment(struct req *r)
{
    struct appointment ap;
    if (find_appt(r, &ap) == 0)
        appt_page(r, 200, &ap, NULL, NULL, NULL);
}

static void back_to(struct req *r, const struct appointment *ap)
{
    form_see_other(r, arena_printf(r->arena, "/staff/appointments/%lld", (long long)ap->id));
}

void desk_status(struct req *r)
{
    struct appointment ap;
    struct err e = {0};
    struct db *db = web_db(r);
    if (find_appt(r, &ap) < 0)
        return;
    const char *to = form_value(r, "status"), *reason = form_value(r, "reason");
    if (appt_status_parse(to) < 0) {
        appt_page(r, 400, &ap, "Choose a status: checked_in, completed, no_show or cancelled.",
                  NULL, NULL);
        return;
    }
    if (strlen(reason) > 500) {
        appt_page(r, 422, &ap, "The reason is too long.",
                  json_pack("{s:s}", "reason", "Keep the reason under 500 characters."),
                  json_pack("{s:s}", "reason", reason));
        return;
    }
    const char *why = appt_check(ap.status, to, reason);
    if (why) {
        int missing_reason = appt_can_move((enum appt_status)appt_status_parse(ap.status),
                                           (enum appt_status)appt_status_parse(to));
        appt_page(r, missing_reason ? 422 : 409, &ap, why,
                  missing_reason ? json_pack("{s:s}", "reason", why) : NULL, NULL);
        return;
    }
    int64_t day0, day1;
    local_day(web_zone(r, ap.location_id), ap.start, &day0, &day1);
    if ((why = appt_check_clock((enum appt_status)appt_status_parse(to), clock_now(), ap.start,
                                day0))) {
        appt_page(r, 409, &ap, why, NULL, NULL);
        return;
    }
    /* A no-show is the one click that tells against the client: it is asked
     * again, and said back in words, before it is stored (no script needed). */
    if (strcmp(to, "no_show") == 0 && strcmp(form_value(r, "confirm"), "yes") != 0) {
        appt_page(r, 200, &ap, NULL, NULL, json_pack("{s:b}", "confirm_no_show", 1));
        return;
    }
    struct actor who = proof_actor(r, PROOF_STAFF);
    /* a cancellation is late by the service's rules at its location, as the client's own */
    struct booking_rules cfg = app_booking_rules(r->app), rules;
    struct service sv;
    int found;
    if (sched_service_rules(db, r->arena, r->app->sched, &cfg, ap.location_id, ap.service_id,
                            &sv, &found, &rules, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    if (sched_set_status(db, &r->app->hooks, &rules, &who, &ap, to, reason, clock_now(), &e) !=
        E_OK) {
        if (e.code == E_CONFLICT) {
            appt_page(r, 409, &ap,
                      "Someone changed this appointment a moment ago; check its "
                      "status and try "
                      "again.",
                      NULL, NULL);
            return;
        }
        web_fail(r, &e);
        return;
    }
    if (strcmp(to, "no_show") == 0)
        pay_web_fee(r, ap.id); /* the agreed no-show fee */
    /* after a no-show the page says what was done and where its undo is */
    if (strcmp(to, "no_show") == 0)
        form_see_other(r, arena_printf(r->arena, "/staff/appointments/%lld?changed=no_show",
                                       (long long)ap.id));
    else
        back_to(r, &ap);
}

void desk_undo(struct req *r)
{
    struct appointment ap;
    struct err e = {0};
    struct db *db = web_db(r);
    struct appt_event *ev;
    size_t nev = 0;
    if (find_appt(r, &ap) < 0)
        return;
    const char *reason = form_value(r, "reason");
    if (strlen(reason) > 500) {
        appt_page(r, 422, &ap, "The reason is too long.",
                  json_pack("{s:s}", "undo_reason", "Keep the reason under 500 characters."),
                  json_pack("{s:s}", "undo_reason", reason));
        return;
    }
    if (db_appt_events(db, r->arena, ap.id, &ev, &nev, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    const struct appt_event *last = last_change(ev, nev);
    const char *why = undo_check(r, &ap, last, reason);
    if (why) {
        int missing = undo_check(r, &ap, last, "-") == NULL;
        appt_page(r, missing ? 422 : 409, &ap, why,
                  missing ? json_pack("{s:s}", "undo_reason", why) : NULL, NULL);
        return;
    }
    struct actor who = proof_actor(r, PROOF_STAFF);
    if (sched_undo_status(db, &r->app->hooks, &who, &ap, last->from_status, reason, clock_now(),
                          &e) != E_OK) {
        if (e.code == E_CONFLICT) {
            appt_page(r, 409, &ap,
                      "Someone changed this appointment a moment ago; check its status and try "
                      "again.",
                      NULL, NULL);
            return;
        }
        web_fail(r, &e);
        return;
    }
    if (strcmp(ap.status, "no_show") == 0)
        pay_web_fee_void(r, ap.id, reason); /* the fee of a visit not missed after all */
    back_to(r, &ap);
}

void desk_notes(struct req *r)
{
    struct appointment ap;
    struct err e = {0};
    struct db *db = web_db(r);
    if (find_appt(r, &ap) < 0)
        return;
    const char *notes = form_value(r, "notes");
    if (strlen(notes) > NOTES_MAX) {
        appt_page(r, 422, &ap, "The notes were not saved.",
                  json_pack("{s:s}", "notes", "Keep the notes under 4,000 characters."),
                  json_pack("{s:s}", "notes", notes));
        return;
    }
    int tries = 0;
again: /* a lost race runs again (store.h) */
    if (db_begin(db, &e) != E_OK || db_set_staff_notes(db, ap.id, notes, &e) != E_OK ||
        db_commit(db, &e) != E_OK) {
        if (db_again(db, &tries, &e))
            goto again;
        db_rollback(db);
        web_fail(r, &e);
        return;
    }
    back_to(r, &ap);
}

void desk_move(struct req *r)
{
    struct appointment ap, moved;
    struct err e = {0};
    struct sched s;
    int64_t start;
    int off;
    if (find_appt(r, &ap) < 0)
        return;
    const char *start_s = form_value(r, "start"), *therapist = form_value(r, "therapist");
    if (!*therapist)
        therapist = ap.therapist_id;
    if (dt_parse_rfc3339(start_s, &start, &off) < 0) {
        appt_page(r, 422, &ap, "Choose a new time from the list.",
                  json_pack("{s:s}", "start", "Choose a new time from the list."), NULL);
        return;
    }
    enum err_code rc = staff_sched(r, ap.location_id, ap.service_id, therapist, &s, &e);
    if (rc == E_OK) {
        int who = strcmp(therapist, "any") == 0 ? -1 : sched_therapist_index(&s, therapist);
        rc = sched_move(web_db(r), r->arena, &s, clock_now(), &ap, start, who, &moved, &e);
    }
    if (rc != E_OK) {
        int status = rc == E_CONFLICT        ? 409
                     : rc == E_NOTFOUND      ? 422
                     : rc == E_UNPROCESSABLE ? 422
                                             : 0;
        if (!status) {
            web_fail(r, &e);
            return;
        }
        appt_page(r, status, &ap, e.msg, NULL, NULL);
        return;
    }
    back_to(r, &moved);
}

/* ---- booking for a client ---- */

struct book_form {
    const char *client, *q, *service, *therapist, *date, *start, *name, *email, *phone, *note;
    const char *location; /* its id as given; NULL or "" = the first */
    const char *override_reason; /* booking over the same client's overlapping appointment */
    const char *texts;           /* "yes": the client asked for reminders by text */
    int overlap;                 /* the last try met such an appointment: offer the override */
};

static void book_page(struct req *r, int status, const struct book_form *f, const char *msg,
                      json_t *errors)
{
    struct err e = {0};
    struct db *db = web_db(r);
    struct service *sv;
    struct therapist *th;
    size_t nsv, nth;
    int64_t now = clock_now();
    size_t nl;
    const struct location *locs, *loc;
    if (admin_location_pick(r, f->location, &locs, &nl, &loc) < 0)
        return;
    struct dt_date d = when_local_date(web_zone(r, loc->id), now);

    if (db_services(db, r->arena, 1, &sv, &nsv, &e) != E_OK ||
        db_therapists(db, r->arena, 1, &th, &nth, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    json_t *ctx = chrome_context(r, "Book for a client", "book");
    admin_location_context(r, ctx, locs, nl, loc, "/staff/book");
    json_t *errs = web_keep(r, errors ? errors : json_object()); /* the request owns it */
    const char *service = f->service && *f->service ? f->service : nsv ? sv[0].id : "";
    const char *therapist = f->therapist && *f->therapist ? f->therapist : "any";
    if (f->date && *f->date && dt_parse_date(f->date, &d) < 0)
        json_object_set_new(errs, "date", json_string("The date must look like 2026-11-24."));

    json_t *services = json_array();
    for (size_t i = 0; i < nsv; i++)
        json_array_append_new(services,
                              json_pack("{s:s, s:s, s:b}", "id", sv[i].id, "name", sv[i].name,
                                        "selected", strcmp(sv[i].id, service) == 0));
    json_t *therapists = json_array();
    for (size_t i = 0; i < nth; i++)
        json_array_append_new(therapists,
                              json_pack("{s:s, s:s, s:b}", "id", th[i].id, "name", th[i].name,
                                        "selected", strcmp(th[i].id, therapist) == 0));
    json_object_set_new(ctx, "services", services);
    json_object_set_new(ctx, "therapists", therapists);
    json_object_set_new(ctx, "any_selected", json_boolean(strcmp(therapist, "any") == 0));

    /* The client: one chosen by id, or search results, or new details. */
    int64_t cid = 0;
    if (f->client && *f->client) {
        struct client c;
        if (num_parse_i64(f->client, 1, INT64_MAX, &cid) < 0 ||
            db_client(db, r->arena, cid, &c, &e) != E_OK) {
            json_object_set_new(errs, "client",
                                json_string("That client no longer exists; search again."));
            cid = 0;
        } else {
            json_object_set_new(ctx, "client",
                                json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)c.id, "name",
                                          c.name, "email", c.email, "phone", c.phone));
            if (referrals_booking_notice(r, cid, d, ctx) < 0)
                return;
        }
    }
    if (f->q && *f->q) {
        /* the time chosen on the day view travels with the client chosen */
        const char *start_part = "";
        if (f->start && *f->start) {
            struct sb b = SB_INIT;
            sb_adds(&b, "&start=");
            esc_url_component(&b, f->start, strlen(f->start));
            start_part = arena_strdup(r->arena, b.buf);
            sb_release(&b);
        }
        struct client *cs;
        size_t nc;
        if (db_clients(db, r->arena, f->q, 20, &cs, &nc, &e) != E_OK) {
            web_fail(r, &e);
            return;
        }
        json_t *found = json_array();
        for (size_t i = 0; i < nc; i++)
            json_array_append_new(
                found, json_pack("{s:s, s:s, s:s, s:s}", "name", cs[i].name, "email", cs[i].email,
                                 "phone", cs[i].phone, "url",
                                 arena_printf(r->arena,
                                              "/staff/book?client=%lld&service=%s&therapist=%s"
                                              "&date=%s%s&location=%lld",
                                              (long long)cs[i].id, service, therapist,
                                              when_date_param(r->arena, d), start_part,
                                              (long long)loc->id)));
        json_object_set_new(ctx, "found", found);
        json_object_set_new(ctx, "searched", json_true());
        json_object_set_new(ctx, "q", json_string(f->q));
    }

    /* Times of the day for the service and therapist. */
    struct sched s;
    enum err_code rc = staff_sched(r, loc->id, service, therapist, &s, &e);
    json_t *times = json_array();
    if (rc == E_OK) {
        json_decref(times);
        times = day_times(r, &s, d, 0, &e, &rc);
    }
    if (rc != E_OK && e.problem && strcmp(e.problem, "unknown_service") == 0) {
        json_object_set_new(errs, "service",
                            json_string("We offer no such service (any more); choose one from "
                                        "the list."));
    } else if (rc != E_OK && e.problem && strcmp(e.problem, "unknown_therapist") == 0) {
        json_object_set_new(errs, "therapist",
                            json_string("That therapist does not offer this service; choose "
                                        "another or any therapist."));
    } else if (rc != E_OK) {
        json_decref(times);
        web_fail(r, &e);
        return;
    }
    for (size_t i = 0; i < json_array_size(times); i++) {
        json_t *t = json_array_get(times, i);
        if (f->start && strcmp(json_string_value(json_object_get(t, "value")), f->start) == 0)
            json_object_set_new(t, "checked", json_true());
    }
    json_object_set_new(ctx, "times", times);
    json_object_set_new(ctx, "no_times", json_boolean(json_array_size(times) == 0));
    json_object_set_new(ctx, "date", json_string(when_date_param(r->arena, d)));
    json_object_set_new(ctx, "date_label", json_string(when_date_long(r->arena, d)));
    json_object_set_new(ctx, "service", json_string(service));
    json_object_set_new(ctx, "therapist", json_string(therapist));
    if (f->start && *f->start)
        json_object_set_new(ctx, "start", json_string(f->start));
    json_object_set_new(ctx, "form",
                        json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", f->name ? f->name : "",
                                  "email", f->email ? f->email : "", "phone",
                                  f->phone ? f->phone : "", "note", f->note ? f->note : "",
                                  "override_reason",
                                  f->override_reason ? f->override_reason : ""));
    json_object_set_new(json_object_get(ctx, "form"), "texts",
                        json_boolean(f->texts && strcmp(f->texts, "yes") == 0));
    json_object_set_new(ctx, "overlap", json_boolean(f->overlap || json_object_get(errs,
                                                                      "override_reason")));
    json_object_set(ctx, "errors", errs);
    if (msg)
        json_object_set_new(ctx, "error", json_string(msg));
    if (status == 200 && json_object_size(errs))
        status = 422; /* a link with a bad service, therapist, date or client */
    page_render(r, status, "staff/book", ctx);
    resp_header(r, "Cache-Control", "no-store");
}

void desk_book_form(struct req *r)
{
    struct book_form f = {
        .client = kv_get(&r->query, "client"),
        .q = kv_get(&r->query, "q"),
        .service = kv_get(&r->query, "service"),
        .therapist = kv_get(&r->query, "therapist"),
        .date = kv_get(&r->query, "date"),
        .start = kv_get(&r->query, "start"), /* a free cell of the day view: checked */
        .location = kv_get(&r->query, "location"),
    };
    book_page(r, 200, &f, NULL, NULL);
}

/* Inside the booking's transaction: when the desk booked over the same
 * client's overlapping appointment, that and the desk's reason go into the
 * appointment's history (shown on its page). */
struct overlap_ctx {
    struct req *r;
    const char *reason;
    struct client_booking other;
};

static enum err_code record_overlap(void *ctx, struct db *db, int64_t id, struct err *e)
{
    struct overlap_ctx *o = ctx;
    if (!o->other.id)
        return E_OK;
    return add_event(o->r, db, id, "overlap", "", "",
                     arena_printf(o->r->arena, "%s (overlaps appointment %lld)", o->reason,
                                  (long long)o->other.id),
                     e);
}

/* A reason given for booking over an overlap: one line, at most 200
 * characters.  NULL when fine (or empty), else why not. */
static const char *check_override(const char *s)
{
    if (strlen(s) > 200)
        return "Keep the reason under 200 characters.";
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return "The reason must be one line of text.";
    return NULL;
}

void desk_book(struct req *r)
{
    struct err e = {0};
    struct db *db = web_db(r);
    struct sched s;
    struct appointment ap;
    char token[TOKEN_LEN];
    int64_t start = 0;
    int off;
    const char *why;
    struct book_form f = {
        .client = form_value(r, "client"),
        .service = form_value(r, "service"),
        .therapist = form_value(r, "therapist"),
        .date = form_value(r, "date"),
        .start = form_value(r, "start"),
        .name = form_value(r, "name"),
        .email = form_value(r, "email"),
        .phone = form_value(r, "phone"),
        .note = form_value(r, "note"),
        .override_reason = form_value(r, "override_reason"),
        .location = form_value(r, "location"),
        .texts = form_value(r, "texts"),
    };
    json_t *errs = json_object();
    struct actor by = proof_actor(r, PROOF_STAFF);
    struct sched_client cl = {.name = f.name, .email = f.email, .phone = f.phone, .notes = f.note,
                              .staff = 1, .use_credit = 1, .by = &by};

    if (*f.client) {
        struct client c;
        int64_t cid;
        if (num_parse_i64(f.client, 1, INT64_MAX, &cid) < 0 ||
            db_client(db, r->arena, cid, &c, &e) != E_OK) {
            json_object_set_new(errs, "client",
                                json_string("That client no longer exists; search again."));
        } else {
            cl.name = c.name;
            cl.email = c.email;
            cl.phone = c.phone;
        }
    } else {
        if ((why = booking_check_name(f.name)))
            json_object_set_new(errs, "name", json_string(why));
        /* an e-mail, or a phone only (the confirmation is then texted or
         * read out: the appointment's page says it) */
        if ((why = booking_check_phone(f.phone)))
            json_object_set_new(errs, "phone", json_string(why));
        else if ((why = booking_check_desk_contact(f.email, f.phone)))
            json_object_set_new(errs, *f.email ? "email" : "phone", json_string(why));
        if (!*f.email && !*f.phone)
            json_object_set_new(errs, "email", json_string(why));
    }
    if ((why = booking_check_notes(f.note)))
        json_object_set_new(errs, "note", json_string(why));
    /* reminders by text, as the client's own form asks: stored with the
     * time of the booking, and only for a number a text can go to */
    cl.sms_consent = strcmp(f.texts, "yes") == 0;
    if (*f.texts && !cl.sms_consent)
        json_object_set_new(errs, "texts",
                            json_string("The text-reminder box is damaged; open the form again."));
    else if (cl.sms_consent && (!cl.phone || !*cl.phone))
        json_object_set_new(errs, "texts",
                            json_string("A text reminder needs the client's phone number: give "
                                        "one, or leave the box unticked."));
    if ((why = check_override(f.override_reason)))
        json_object_set_new(errs, "override_reason", json_string(why));
    if (!*f.start || dt_parse_rfc3339(f.start, &start, &off) < 0)
        json_object_set_new(errs, "start", json_string("Choose a time from the list."));
    if (json_object_size(errs)) {
        book_page(r, 422, &f, "Nothing was booked: correct the fields marked below.", errs);
        return;
    }
    json_decref(errs);
    if (*f.therapist == 0)
        f.therapist = "any";
    int64_t loc = 0;
    if (*f.location && num_parse_i64(f.location, 1, INT64_MAX, &loc) < 0) {
        book_page(r, 422, &f, "Nothing was booked: choose a location from the list.", NULL);
        return;
    }
    enum err_code rc = staff_sched(r, loc, f.service, f.therapist, &s, &e);
    if (rc == E_OK) {
        int who = strcmp(f.therapist, "any") == 0 ? -1 : sched_therapist_index(&s, f.therapist);
        struct overlap_ctx ov = {r, f.override_reason, {0}};
        cl.allow_overlap = *f.override_reason != '\0';
        cl.overlap = &ov.other;
        rc = sched_book_with(db, r->arena, &s, clock_now(), start, who, &cl, record_overlap, &ov,
                             &ap, token, &e);
        if (rc != E_OK && e.problem && strcmp(e.problem, "client_overlap") == 0) {
            /* the desk sees the other booking (it may see every booking) */
            f.overlap = 1;
            book_page(r, 409, &f,
                      arena_printf(
                          r->arena,
                          "Nothing was booked: this client already has appointment %lld "
                          "(%s, %s, %s) at an overlapping time. To book both anyway "
                          "(e.g. a couple sharing one e-mail), give a reason below and "
                          "book again.",
                          (long long)ov.other.id, ov.other.service_name,
                          when_date_medium(r->arena, when_local_date(s.tz, ov.other.start)),
                          when_range(s.tz, r->arena, ov.other.start, ov.other.end)),
                      NULL);
            return;
        }
    }
    if (rc != E_OK) {
        int status = rc == E_CONFLICT ? 409 : rc == E_NOTFOUND || rc == E_UNPROCESSABLE ? 422 : 0;
        if (!status) {
            web_fail(r, &e);
            return;
        }
        if (rc == E_NOTFOUND) {
            f.service = NULL;
            f.therapist = NULL;
        }
        book_page(r, status, &f, arena_printf(r->arena, "Nothing was booked: %s", e.msg), NULL);
        return;
    }
    form_see_other(r, arena_printf(r->arena, "/staff/appointments/%lld", (long long)ap.id));
}

/* ---- clients ---- */

void desk_clients(struct req *r)
{
    struct err e = {0};
    struct client *cs;
    size_t nc;
    const char *q = kv_get(&r->query, "q");
    if (!q)
        q = "";
    if (strlen(q) > 200) {
        web_error(r, 400, NULL, "Search with fewer than 200 characters.");
        return;
    }
    if (db_clients(web_db(r), r->arena, q, CLIENTS_MAX, &cs, &nc, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    json_t *ctx = chrome_context(r, "Clients", "clients");
    json_t *list = json_array();
    for (size_t i = 0; i < nc; i++)
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:s, s:i, s:s}", "name", cs[i].name, "email", cs[i].email,
                            "phone", cs[i].phone, "count", cs[i].nappointments, "url",
                            arena_printf(r->arena, "/staff/clients/%lld", (long long)cs[i].id)));
    json_object_set_new(ctx, "clients", list);
    json_object_set_new(ctx, "q", json_string(q));
    json_object_set_new(ctx, "total", json_integer((json_int_t)nc));
    json_object_set_new(ctx, "more", json_boolean(nc == CLIENTS_MAX));
    page_render(r, 200, "staff/clients", ctx);
    resp_header(r, "Cache-Control", "no-store");
}

/* extra (may be NULL, owned by the request): more for the page (the merge
 * question). */
static void client_page_with(struct req *r, int status, const struct client *c, const char *msg,
                             json_t *errors, json_t *form, json_t *extra)
{
    struct err e = {0};
    struct db *db = web_db(r);
    struct appointment *ap;
    struct client *same;
    size_t nap, nsame;
    web_keep(r, errors); /* owned by the request from here, whatever happens */
    web_keep(r, form);
    if (db_client_appointments(db, r->arena, c->id, &ap, &nap, &e) != E_OK ||
        db_clients(db, r->arena, c->email, 50, &same, &nsame, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    json_t *ctx = chrome_context(r, arena_printf(r->arena, "Client: %s", c->name), "clients");
    json_object_set_new(ctx, "client",
                        json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)c->id, "name",
                                  c->name, "email", c->email, "phone", c->phone, "url",
                                  arena_printf(r->arena, "/staff/clients/%lld", (long long)c->id)));
    json_t *list = json_array();
    for (size_t i = 0; i < nap; i++)
        json_array_append_new(list, appt_json(r, &ap[i]));
    json_object_set_new(ctx, "appointments", list);
    json_t *dups = json_array();
    for (size_t i = 0; i < nsame; i++)
        /* a client without an e-mail has no duplicate by it (every such
         * client would be one) */
        if (same[i].id != c->id && c->email[0] && strcasecmp(same[i].email, c->email) == 0)
            json_array_append_new(
                dups,
                json_pack("{s:I, s:s, s:s, s:i, s:s}", "id", (json_int_t)same[i].id, "name",
                          same[i].name, "phone", same[i].phone, "count", same[i].nappointments,
                          "url",
                          arena_printf(r->arena, "/staff/clients/%lld", (long long)same[i].id)));
    json_object_set_new(ctx, "duplicates", dups);
    if (referrals_context(r, c->id, NULL, 1, ctx) < 0 || money_client_balance(r, c->id, ctx) < 0 ||
        shop_client_context(r, c->id, ctx) < 0)
        return;
    /* text messages: may this number get them (issue 13 item 21) */
    char e164[PHONE_E164_MAX];
    json_t *texts = json_object();
    if (phone_e164(c->phone ? c->phone : "", e164) == 0) {
        struct sms_opt_out oo;
        int out = 0;
        if (db_sms_opted_out(db, r->arena, e164, &oo, &out, &e) != E_OK) {
            json_decref(texts);
            json_decref(ctx);
            web_fail(r, &e);
            return;
        }
        json_object_set_new(texts, "number", json_string(e164));
        if (out) {
            json_object_set_new(texts, "opted_out", json_true());
            json_object_set_new(
                texts, "since",
                json_string(when_date_long(r->arena, when_local_date(r->app->tz, oo.at))));
            json_object_set_new(texts, "by_reply", json_boolean(strcmp(oo.source, "reply") == 0));
        }
    }
    json_object_set_new(ctx, "texts", texts);
    if (kv_get(&r->query, "texts"))
        json_object_set_new(ctx, "texts_saved", json_true());
    json_object_set_new(
        ctx, "book_url",
        json_string(arena_printf(r->arena, "/staff/book?client=%lld", (long long)c->id)));
    json_object_set_new(
        ctx, "form",
        form ? json_incref(form)
             : json_pack("{s:s, s:s, s:s}", "name", c->name, "email", c->email, "phone", c->phone));
    json_object_set_new(ctx, "errors", errors ? json_incref(errors) : json_object());
    if (msg)
        json_object_set_new(ctx, "error", json_string(msg));
    if (kv_get(&r->query, "saved"))
        json_object_set_new(ctx, "saved", json_true());
    if (kv_get(&r->query, "merged"))
        json_object_set_new(ctx, "merged", json_true());
    if (extra)
        json_object_update(ctx, web_keep(r, extra));
    page_render(r, status, "staff/client", ctx);
    resp_header(r, "Cache-Control", "no-store");
}

static void client_page(struct req *r, int status, const struct client *c, const char *msg,
                        json_t *errors, json_t *form)
{
    client_page_with(r, status, c, msg, errors, form, NULL);
}

/* One side of the merge question. */
static json_t *merge_side(struct req *r, const struct client *c)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:i, s:s}", "id", (json_int_t)c->id, "name", c->name,
                     "email", c->email, "phone", c->phone[0] ? c->phone : "not given", "count",
                     c->nappointments, "since",
                     when_date_long(r->arena, when_local_date(r->app->tz, c->created_at)));
}

static int find_client(struct req *r, struct client *c)
{
    struct err e = {0};
    int64_t id = path_id(r, "client");
    if (!id)
        return -1;
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

void desk_client(struct req *r)
{
    struct client c;
    if (find_client(r, &c) == 0)
        client_page(r, 200, &c, NULL, NULL, NULL);
}

void desk_client_save(struct req *r)
{
    struct client c;
    struct err e = {0};
    struct db *db = web_db(r);
    const char *why;
    if (find_client(r, &c) < 0)
        return;
    struct client n = {.id = c.id,
                       .name = form_value(r, "name"),
                       .email = form_value(r, "email"),
                       .phone = form_value(r, "phone")};
    json_t *errs = json_object();
    if ((why = booking_check_name(n.name)))
        json_object_set_new(errs, "name", json_string(why));
    /* an e-mail, or (a client the desk books by phone) a phone a text can go to */
    if ((why = booking_check_phone(n.phone)))
        json_object_set_new(errs, "phone", json_string(why));
    else if ((why = booking_check_desk_contact(n.email, n.phone)))
        json_object_set_new(errs, *n.email ? "email" : "phone", json_string(why));
    if (!*n.email && !*n.phone)
        json_object_set_new(errs, "email", json_string(why));
    if (json_object_size(errs)) {
        client_page(
            r, 422, &c, "Nothing was saved: correct the fields marked below.", errs,
            json_pack("{s:s, s:s, s:s}", "name", n.name, "email", n.email, "phone", n.phone));
        return;
    }
    json_decref(errs);
    int tries = 0;
again: /* a lost race runs again (store.h) */
    if (db_begin(db, &e) != E_OK || db_update_client(db, &n, &e) != E_OK ||
        db_commit(db, &e) != E_OK) {
        if (db_again(db, &tries, &e))
            goto again;
        db_rollback(db);
        web_fail(r, &e);
        return;
    }
    form_see_other(r, arena_printf(r->arena, "/staff/clients/%lld?saved=1", (long long)c.id));
}

/* The desk marks the client's number opted out of text messages, or lets
 * it receive them again (texts=stop|allow). */
void desk_client_texts(struct req *r)
{
    struct client c;
    struct err e = {0};
    if (find_client(r, &c) < 0)
        return;
    const char *v = form_value(r, "texts");
    int stop = strcmp(v, "stop") == 0;
    if (!stop && strcmp(v, "allow") != 0) {
        client_page(r, 400, &c, "Choose whether this number gets text messages.", NULL, NULL);
        return;
    }
    struct actor who = proof_actor(r, PROOF_STAFF);
    enum err_code rc =
        texts_desk_mark(web_db(r), r->arena, &who, c.id, stop, clock_now(), &e);
    if (rc == E_UNPROCESSABLE) {
        client_page(r, 422, &c, e.msg, NULL, NULL);
        return;
    }
    if (rc != E_OK) {
        web_fail(r, &e);
        return;
    }
    form_see_other(r, arena_printf(r->arena, "/staff/clients/%lld?texts=1", (long long)c.id));
}

void desk_client_merge(struct req *r)
{
    struct client c, o;
    struct err e = {0};
    struct db *db = web_db(r);
    int64_t other;
    if (find_client(r, &c) < 0)
        return;
    if (num_parse_i64(form_value(r, "other"), 1, INT64_MAX, &other) < 0) {
        client_page(r, 400, &c, "Choose the duplicate client to merge into this one.", NULL, NULL);
        return;
    }
    enum err_code rc = db_client(db, r->arena, other, &o, &e);
    if (rc == E_NOTFOUND) {
        client_page(r, 404, &c, "That duplicate no longer exists (perhaps it was merged already).",
                    NULL, NULL);
        return;
    }
    if (rc != E_OK) {
        web_fail(r, &e);
        return;
    }
    if (other == c.id || !c.email[0] || strcasecmp(o.email, c.email) != 0) {
        client_page(r, 422, &c,
                    other == c.id ? "A client cannot be merged with themselves."
                                  : "Only clients with the same email can be merged; change "
                                    "the email of one of them first.",
                    NULL, NULL);
        return;
    }
    /* merging cannot be undone: both records side by side first */
    if (strcmp(form_value(r, "confirm"), "yes") != 0) {
        client_page_with(r, 200, &c, NULL, NULL, NULL,
                         json_pack("{s:{s:o, s:o}}", "merge", "keep", merge_side(r, &c), "away",
                                   merge_side(r, &o)));
        return;
    }
    if (clients_merge(db, r->app->hooks.webhooks, c.id, other, clock_now(), &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    form_see_other(r, arena_printf(r->arena, "/staff/clients/%lld?merged=1", (long long)c.id));
}
