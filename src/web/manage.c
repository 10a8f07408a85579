/* manage — the manage pages of one appointment: /a/{token} (the
 * appointment, its confirmation and what the client may open through it),
 * its calendar file, cancelling and moving.
 *
 * The token in the address is the only key, so these pages are never cached
 * nor sent on as a referrer, and any token that does not match gets the same
 * 404 as a malformed one.  Handlers parse, call sched/store/core and render;
 * no rule lives here (late cancellation and what may move come from
 * core/booking through svc/booking).  The shared helpers are book_int.h. */
#include <string.h>

#include "app.h"
#include "core/booking.h"
#include "core/datetime.h"
#include "store/store.h"
#include "svc/booking.h"
#include "svc/token.h"
#include "svc/when.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/sb.h"
#include "view/ics.h"
#include "view/links.h"
#include "web/book.h"
#include "web/book_int.h"
#include "web/form.h"
#include "web/insurance.h"
#include "web/intake.h"
#include "web/notes.h"
#include "web/page.h"
#include "web/pay.h"
#include "web/proof.h"
#include "web/shop.h"
#include "web/throttle.h"

/* An appointment's address: its location's, or the config file's. */
static const char *appt_address(struct req *r, const struct appointment *ap)
{
    return ap->location_address && ap->location_address[0] ? ap->location_address
                                                           : r->app->cfg.address;
}

/* The appointment's location as the manage pages show it. */
static void appt_where(struct req *r, const struct appointment *ap, json_t *a)
{
    struct sched_setup su;
    struct err e = {0};
    size_t n = 1;
    if (sched_setup(web_db(r), r->arena, r->app->sched, &su, &e) == E_OK)
        n = su.nlocations;
    else
        log_warn("locations of appointment %lld: %s", (long long)ap->id, e.msg);
    struct location l = {.id = ap->location_id,
                         .name = ap->location_name,
                         .address = ap->location_address,
                         .timezone = ap->location_timezone};
    book_put_where(r, a, &l, n);
}

static void appt_not_found(struct req *r)
{
    book_problem(r, 404, "We could not find this appointment",
                 arena_printf(r->arena,
                              "This link does not lead to an appointment. Please check that you "
                              "copied the whole link, or call us at %s and we will help.",
                              r->app->cfg.phone),
                 "/book", "Book a new appointment");
}

/* The appointment of the token in the path.  Every manage page carries the
 * private headers, its 404 included.  Returns 0, or -1 with the response
 * written (the same 404 for a malformed and an unknown token). */
static int find_appt(struct req *r, struct appointment *ap, const char **token)
{
    struct err e = {0};
    unsigned char hash[STORE_TOKEN_HASH];
    const char *t = req_param(r, 0);

    web_private(r);
    *token = t;
    if (!token_valid(t)) {
        appt_not_found(r);
        return -1;
    }
    token_hash(t, hash);
    enum err_code rc = db_appointment_by_token(web_db(r), r->arena, hash, ap, &e);
    if (rc == E_NOTFOUND) {
        appt_not_found(r);
        return -1;
    }
    if (rc != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    return 0;
}

static int can_change(const struct appointment *ap)
{
    return strcmp(ap->status, "booked") == 0 && ap->start > clock_now();
}

static const char *status_label(const struct appointment *ap)
{
    if (strcmp(ap->status, "booked") == 0)
        return "Booked";
    if (strcmp(ap->status, "cancelled") == 0)
        return ap->cancel_late ? "Cancelled (late cancellation)" : "Cancelled";
    if (strcmp(ap->status, "checked_in") == 0)
        return "Checked in";
    if (strcmp(ap->status, "completed") == 0)
        return "Completed";
    if (strcmp(ap->status, "no_show") == 0)
        return "Missed (no-show)";
    return ap->status;
}

/* The context every manage page starts from: the appointment and its links. */
static json_t *manage_context(struct req *r, const char *title, const struct appointment *ap,
                              const char *token)
{
    const char *path = arena_printf(r->arena, "/a/%s", token);
    const struct tz *tz = web_zone(r, ap->location_id);
    json_t *ctx = page_context(r, title, NULL, NULL);
    json_t *a = json_object();
    book_set_str(a, "service", ap->service_name);
    book_set_str(a, "therapist", ap->therapist_name);
    book_set_str(a, "room", ap->room_name);
    book_set_str(a, "date_label", when_date_long(r->arena, when_local_date(tz, ap->start)));
    book_set_str(a, "time_label", when_range(tz, r->arena, ap->start, ap->end));
    book_set_str(a, "start", web_time_in(r, tz, ap->start));
    book_set_str(a, "end", web_time_in(r, tz, ap->end));
    appt_where(r, ap, a);
    book_set_str(a, "status", ap->status);
    book_set_str(a, "status_label", status_label(ap));
    book_set_str(a, "client_name", ap->client_name);
    json_object_set_new(a, "booked", json_boolean(strcmp(ap->status, "booked") == 0));
    json_object_set_new(a, "cancelled", json_boolean(strcmp(ap->status, "cancelled") == 0));
    json_object_set_new(a, "can_change", json_boolean(can_change(ap)));
    json_object_set_new(a, "ahead", json_boolean(intake_appt_ahead(ap)));
    json_object_set_new(ctx, "appt", a);
    book_set_str(ctx, "manage_path", path);
    book_set_str(ctx, "manage_url", arena_printf(r->arena, "%s%s", web_origin(r), path));
    book_set_str(ctx, "ics_url", arena_printf(r->arena, "%s/calendar.ics", path));
    book_set_str(ctx, "cancel_url", arena_printf(r->arena, "%s/cancel", path));
    book_set_str(ctx, "move_url", arena_printf(r->arena, "%s/move", path));
    return ctx;
}

/* The booking rules of the appointment's service at its location (the
 * clinic's and the location's if the service is gone). */
static struct booking_rules appt_rules(struct req *r, const struct appointment *ap)
{
    struct err e = {0};
    struct service sv;
    int found;
    struct booking_rules cfg = app_booking_rules(r->app), rules;
    if (sched_service_rules(web_db(r), r->arena, r->app->sched, &cfg, ap->location_id,
                            ap->service_id, &sv, &found, &rules, &e) != E_OK) {
        log_warn("the rules of appointment %lld: %s", (long long)ap->id, e.msg);
        return cfg;
    }
    return rules;
}

static int flag(struct req *r, const char *name)
{
    const char *v = kv_get(&r->query, name);
    return v && strcmp(v, "1") == 0;
}

/* What the appointment page adds to confirm a booking: the time in words,
 * the price, the map link, Google and Outlook calendar links (with what a
 * calendar entry needs only: never this page's private address) and the
 * cancellation policy.  Returns 0, or -1 with the response written. */
static int add_confirmation(struct req *r, const struct appointment *ap, json_t *ctx)
{
    struct err e = {0};
    struct service sv;
    int found;
    const struct cfg *c = &r->app->cfg;
    struct booking_rules cfg = app_booking_rules(r->app), rules;
    if (sched_service_rules(web_db(r), r->arena, r->app->sched, &cfg, ap->location_id,
                            ap->service_id, &sv, &found, &rules, &e) != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    const struct tz *tz = web_zone(r, ap->location_id);
    const char *address = appt_address(r, ap);
    json_t *a = json_object_get(ctx, "appt");
    book_set_str(a, "when_words", when_relative(tz, r->arena, ap->start));
    if (found)
        book_set_str(a, "price", web_price(r, sv.price_cents));
    const char *where = arena_printf(r->arena, "%s, %s", c->name, address);
    struct links_event ev = {
        ap->start, ap->end,
        arena_printf(r->arena, "%s with %s", ap->service_name, ap->therapist_name),
        arena_printf(r->arena,
                     "%s with %s at %s. To move or cancel, use "
                     "the link in your confirmation e-mail. "
                     "Questions? Call %s.",
                     ap->service_name, ap->therapist_name, c->name, c->phone),
        where};
    struct sb b = SB_INIT;
    links_map(&b, address);
    book_set_str(ctx, "map_url", b.buf);
    sb_reset(&b);
    links_google_calendar(&b, &ev);
    book_set_str(ctx, "google_url", b.buf);
    sb_reset(&b);
    links_outlook_calendar(&b, &ev);
    book_set_str(ctx, "outlook_url", b.buf);
    sb_release(&b);
    book_add_policy(r, ctx, tz, &rules, ap->start);
    return 0;
}

void book_manage(struct req *r)
{
    struct appointment ap;
    const char *token;
    if (find_appt(r, &ap, &token) < 0)
        return;
    json_t *ctx = manage_context(r, "Your appointment", &ap, token);
    if (add_confirmation(r, &ap, ctx) < 0)
        return;
    int booked = strcmp(ap.status, "booked") == 0;
    if ((flag(r, "booked") || flag(r, "paid")) && booked)
        json_object_set_new(ctx, "just_booked", json_true());
    if (pay_manage_context(r, &ap, token, ctx) < 0)
        return;
    if (flag(r, "moved") && booked)
        json_object_set_new(ctx, "just_moved", json_true());
    if (flag(r, "moved") && flag(r, "therapist_changed") && booked)
        json_object_set_new(ctx, "therapist_changed", json_true());
    if (flag(r, "cancelled") && strcmp(ap.status, "cancelled") == 0)
        json_object_set_new(ctx, "just_cancelled", json_true());
    if (shop_manage_context(r, &ap, ctx) < 0)
        return;
    /* the health form and insurance check this request may open (entered
     * through this appointment, or the client's own with a proven address),
     * and the therapist's recommendations of this appointment once signed */
    enum proof via;
    if (proof_of_manage(r, &ap, &via) < 0 || intake_add_to_manage(r, &ap, token, via, ctx) < 0 ||
        insurance_add_to_manage(r, &ap, token, via, ctx) < 0 ||
        notes_manage_context(r, &ap, via, arena_printf(r->arena, "/a/%s/rebook", token), ctx) < 0)
        return;
    page_render(r, 200, "manage", ctx);
}

void book_calendar(struct req *r)
{
    struct appointment ap;
    const char *token;
    char err[256];
    const struct cfg *c = &r->app->cfg;
    if (find_appt(r, &ap, &token) < 0)
        return;
    const char *manage = arena_printf(r->arena, "%s/a/%s", web_origin(r), token);
    struct ics_event ev = {0};
    ev.uid = arena_printf(r->arena, "appt-%lld@knead", (long long)ap.id);
    ev.stamp = clock_now();
    ev.start = ap.start;
    ev.end = ap.end;
    ev.summary = arena_printf(r->arena, "%s with %s", ap.service_name, ap.therapist_name);
    ev.location = arena_printf(r->arena, "%s, %s", c->name, appt_address(r, &ap));
    ev.description =
        arena_printf(r->arena,
                     "%s with %s in the %s at %s.\n"
                     "To move or cancel: %s\n"
                     "Questions? Call %s.",
                     ap.service_name, ap.therapist_name, ap.room_name, c->name, manage, c->phone);
    ev.url = manage[0] == 'h' ? manage : NULL;
    ev.cancelled = strcmp(ap.status, "cancelled") == 0;
    /* the e-mails' UID and SEQUENCE (the appointment's revision): a file
     * downloaded after a move replaces the event, after a cancellation
     * removes it (METHOD:CANCEL, which needs the organiser and attendee) */
    ev.sequence = ap.revision;
    if (ev.cancelled && c->email[0] && ap.client_email && ap.client_email[0]) {
        ev.method = ICS_CANCEL;
        ev.organizer_name = c->name;
        ev.organizer_email = c->email;
        ev.attendee_name = ap.client_name;
        ev.attendee_email = ap.client_email;
    }
    resp_start(r, 200,
               arena_printf(r->arena, "text/calendar; charset=utf-8; method=%s",
                            ics_method_name(ev.method)));
    if (ics_calendar(&r->resp.body, web_zone(r, ap.location_id), &ev, err, sizeof err) < 0) {
        log_error("calendar for appointment %lld: %s", (long long)ap.id, err);
        web_error(r, 500, NULL, "The calendar file could not be made; the error was logged.");
        return;
    }
    resp_header(
        r, "Content-Disposition",
        arena_printf(r->arena, "attachment; filename=\"appointment-%lld.ics\"", (long long)ap.id));
}

/* The cancel page: confirmation (with the late-cancellation wording), or
 * why it cannot be cancelled; error: the message of a refused POST. */
static void cancel_page(struct req *r, const struct appointment *ap, const char *token,
                        const char *error, int status)
{
    struct booking_rules rules = appt_rules(r, ap);
    json_t *ctx = manage_context(r, "Cancel your appointment", ap, token);
    json_object_set_new(ctx, "late",
                        json_boolean(booking_is_late_cancel(&rules, clock_now(), ap->start)));
    json_object_set_new(ctx, "late_hours", json_integer(rules.late_cancel_hours));
    book_set_str(ctx, "csrf", web_csrf(r));
    if (error)
        book_set_str(ctx, "error", error);
    page_render(r, status, "manage_cancel", ctx);
}

void book_cancel_page(struct req *r)
{
    struct appointment ap;
    const char *token;
    if (find_appt(r, &ap, &token) < 0)
        return;
    cancel_page(r, &ap, token, NULL, 200);
}

void book_cancel(struct req *r)
{
    struct appointment ap;
    const char *token;
    struct err e = {0};
    int late = 0;
    if (find_appt(r, &ap, &token) < 0)
        return;
    struct booking_rules rules = appt_rules(r, &ap);
    if (sched_cancel(web_db(r), &r->app->hooks, &rules, clock_now(), &ap,
                     "cancelled online by the client", &late, &e) == E_OK) {
        if (late)
            pay_web_fee(r, ap.id);
        form_see_other(r, arena_printf(r->arena, "/a/%s?cancelled=1", token));
        return;
    }
    if (e.code == E_CONFLICT)
        cancel_page(r, &ap, token, e.msg, 409);
    else
        web_fail(r, &e);
}

/* The move page: the day strip and times for the same service (any
 * therapist or the current one), or, with start, the confirmation form. */
static void move_page(struct req *r, const struct appointment *ap, const char *token,
                      const struct sched *s, const char *therapist, const struct dt_date *want,
                      int64_t start, const char *notice, const char *error, int status)
{
    json_t *ctx = manage_context(r, "Move your appointment", ap, token);
    const char *base = arena_printf(r->arena, "/a/%s/move", token);
    struct book_pick p = {s, base, NULL, therapist, ap->id};
    struct sched all;
    struct err e = {0};
    /* the booked therapist first (the default), then the others who offer
     * the service, then any: a change is a choice the client makes */
    json_t *choices = json_array();
    json_array_append_new(
        choices, json_pack("{s:s, s:s, s:b}", "label",
                           arena_printf(r->arena, "%s (your therapist)", ap->therapist_name), "url",
                           book_urlf(r, base, "therapist", ap->therapist_id, NULL), "current",
                           strcmp(therapist, ap->therapist_id) == 0));
    struct booking_rules cfg = app_booking_rules(r->app);
    if (sched_load_at(web_db(r), r->arena, r->app->sched, r->app->tz, &cfg, ap->location_id,
                      ap->service_id, "any", &all, &e) == E_OK) {
        for (size_t i = 0; i < all.ntherapists; i++)
            if (strcmp(all.therapists[i].id, ap->therapist_id) != 0)
                json_array_append_new(
                    choices, json_pack("{s:s, s:s, s:b}", "label", all.therapists[i].name, "url",
                                       book_urlf(r, base, "therapist", all.therapists[i].id, NULL),
                                       "current", strcmp(therapist, all.therapists[i].id) == 0));
    } else {
        log_warn("move choices of appointment %lld: %s", (long long)ap->id, e.msg);
    }
    json_array_append_new(choices, json_pack("{s:s, s:s, s:b}", "label", "Any therapist", "url",
                                             book_urlf(r, base, "therapist", "any", NULL),
                                             "current", strcmp(therapist, "any") == 0));
    json_object_set_new(ctx, "choices", choices);
    if (strcmp(therapist, ap->therapist_id) != 0)
        book_set_str(ctx, "other_therapist",
                     strcmp(therapist, "any") == 0 ? "any available therapist"
                                                   : book_therapist_name(s, therapist));
    if (error)
        book_set_str(ctx, "error", error);
    if (start) {
        int64_t end = start + (int64_t)s->service.duration_min * 60;
        json_t *c = json_object();
        book_set_str(c, "start", web_time_in(r, s->tz, start));
        book_set_str(c, "therapist", therapist);
        const char *who = strcmp(therapist, "any") == 0 ? "Any available therapist"
                                                        : book_therapist_name(s, therapist);
        book_set_str(c, "therapist_label", who ? who : ap->therapist_name);
        if (strcmp(therapist, ap->therapist_id) != 0) {
            json_object_set_new(c, "changed", json_true());
            book_set_str(c, "was", ap->therapist_name);
        }
        book_set_str(c, "date_label", when_date_long(r->arena, when_local_date(s->tz, start)));
        book_set_str(c, "time_label", when_range(s->tz, r->arena, start, end));
        book_set_str(c, "back_url",
                     book_urlf(r, base, "therapist", therapist, "date",
                               when_date_param(r->arena, when_local_date(s->tz, start)), NULL));
        json_object_set_new(ctx, "confirm", c);
        book_set_str(ctx, "csrf", web_csrf(r));
    } else if (book_add_days(r, &p, ctx, want, notice) < 0) {
        return;
    }
    page_render(r, status, "manage_move", ctx);
}

/* The therapist of a move: the appointment's own unless the client chose
 * another (an id, checked by load) or "any". */
static void move_therapist(const struct appointment *ap, const char **therapist)
{
    if (!*therapist)
        *therapist = ap->therapist_id;
}

void book_move_page(struct req *r)
{
    struct appointment ap;
    struct sched s;
    const char *token, *therapist, *date_s, *start_s;
    struct dt_date date;
    int64_t start = 0;
    if (find_appt(r, &ap, &token) < 0)
        return;
    if (book_param(r, &r->query, "therapist", &therapist) < 0 ||
        book_param(r, &r->query, "date", &date_s) < 0 ||
        book_param(r, &r->query, "start", &start_s) < 0)
        return;
    if ((date_s && book_parse_date(r, date_s, &date) < 0) ||
        (start_s && book_parse_start(r, start_s, &start) < 0))
        return;
    move_therapist(&ap, &therapist);
    if (!can_change(&ap)) {
        json_t *ctx = manage_context(r, "Move your appointment", &ap, token);
        page_render(r, 200, "manage_move", ctx);
        return;
    }
    if (book_load(r, ap.location_id, ap.service_id, therapist, &s) < 0)
        return;
    if (start_s) {
        struct sched_day day;
        int open;
        if (book_find_slot(r, &s, start, ap.id, &day, &open) < 0)
            return;
        if (!open) {
            struct dt_date d = when_local_date(s.tz, start);
            move_page(r, &ap, token, &s, therapist, &d, 0, book_unbookable_reason(r, &s, start),
                      NULL, 200);
            return;
        }
    }
    move_page(r, &ap, token, &s, therapist, date_s ? &date : NULL, start, NULL, NULL, 200);
}

void book_move(struct req *r)
{
    struct appointment ap, moved;
    struct sched s;
    struct err e = {0};
    const char *token, *therapist, *start_s;
    int64_t start;
    if (find_appt(r, &ap, &token) < 0)
        return;
    if (book_param(r, &r->form, "therapist", &therapist) < 0 ||
        book_param(r, &r->form, "start", &start_s) < 0)
        return;
    if (!start_s) {
        book_bad_param(r, "start", "the form did not say which time to move to.");
        return;
    }
    if (book_parse_start(r, start_s, &start) < 0)
        return;
    move_therapist(&ap, &therapist);
    if (book_load(r, ap.location_id, ap.service_id, therapist, &s) < 0)
        return;
    int who = strcmp(therapist, "any") == 0 ? -1 : sched_therapist_index(&s, therapist);
    if (sched_move(web_db(r), r->arena, &s, clock_now(), &ap, start, who, &moved, &e) == E_OK) {
        form_see_other(r, arena_printf(r->arena, "/a/%s?moved=1%s", token,
                                       strcmp(moved.therapist_id, ap.therapist_id) != 0
                                           ? "&therapist_changed=1"
                                           : ""));
        return;
    }
    struct dt_date d = when_local_date(s.tz, start);
    if (e.problem && strcmp(e.problem, "slot_unavailable") == 0) {
        move_page(r, &ap, token, &s, therapist, &d, 0, NULL,
                  arena_printf(r->arena,
                               "Sorry, %s on %s was just taken by someone else. Please choose "
                               "another time.",
                               when_clock(s.tz, r->arena, start, 0), when_date_medium(r->arena, d)),
                  409);
    } else if (e.problem && strcmp(e.problem, "client_overlap") == 0) {
        /* the holder of this link already holds that time elsewhere */
        move_page(r, &ap, token, &s, therapist, &d, 0, NULL, e.msg, 409);
    } else if (e.problem &&
               (strcmp(e.problem, "too_soon") == 0 || strcmp(e.problem, "in_past") == 0 ||
                strcmp(e.problem, "too_far") == 0)) {
        move_page(r, &ap, token, &s, therapist, &d, 0, NULL, book_unbookable_reason(r, &s, start),
                  422);
    } else if (e.code == E_CONFLICT) {
        /* not movable any more (cancelled, or already begun) */
        json_t *ctx = manage_context(r, "Move your appointment", &ap, token);
        book_set_str(ctx, "error", e.msg);
        page_render(r, 409, "manage_move", ctx);
    } else {
        web_fail(r, &e);
    }
}

/* ---- rebooking from the therapist's recommendation ------------------------- */

#define REBOOK_DAYS 7 /* the recommended week: the suggested day and three either side */

/* The 404 of a visit whose signed note suggests no next visit. */
static void no_rebook(struct req *r)
{
    web_private(r);
    book_problem(r, 404, "No next visit was suggested here",
                 "Your therapist has not suggested a next visit after this session, so there is "
                 "no week to offer. You can book any time you like.",
                 "/book", "Book an appointment");
}

/* Where a rebook page is reached from and how it was proven. */
struct rebook {
    const struct appointment *ap; /* the visit whose signed note suggests the next */
    const char *base;             /* this page's path */
    const char *back;             /* the visit's page */
    int weeks;                    /* the note's "come back in N weeks" */
};

/* The phone the next booking gives: the visit's own, else the client's. */
static const char *rebook_phone(const struct appointment *ap)
{
    if (ap->contact_phone && ap->contact_phone[0])
        return ap->contact_phone;
    return ap->client_phone ? ap->client_phone : "";
}

/* The rebook page: the openings of the recommended week with the same
 * therapist and service, or, with start, the one confirmation (the
 * client's details shown, not asked for). */
static void rebook_render(struct req *r, const struct rebook *rb, const struct sched *s,
                          int64_t start, const char *notice, const char *error, int status)
{
    struct err e = {0};
    const struct appointment *ap = rb->ap;
    const struct tz *tz = s->tz;
    int64_t now = clock_now();
    struct dt_date today = when_local_date(tz, now);
    struct dt_date want = dt_date_add(when_local_date(tz, ap->start), 7 * rb->weeks);
    struct dt_date from = dt_date_add(want, -(REBOOK_DAYS / 2));
    json_t *ctx = page_context(r, "Book your next visit", NULL, NULL);

    book_set_str(ctx, "service", s->service.name);
    book_set_str(ctx, "price", web_price(r, s->service.price_cents));
    book_set_str(ctx, "therapist", ap->therapist_name);
    book_set_str(ctx, "weeks_label",
                 arena_printf(r->arena, "%d week%s", rb->weeks, rb->weeks == 1 ? "" : "s"));
    book_set_str(ctx, "visit_label", when_date_long(r->arena, when_local_date(tz, ap->start)));
    book_set_str(ctx, "around", when_date_long(r->arena, want));
    book_set_str(ctx, "back_url", rb->back);
    book_set_str(
        ctx, "book_url",
        book_urlf(r, "/book", "service", ap->service_id, "therapist", ap->therapist_id, NULL));
    json_object_set_new(ctx, "client",
                        json_pack("{s:s, s:s, s:s}", "name", ap->client_name, "email",
                                  ap->client_email ? ap->client_email : "", "phone",
                                  rebook_phone(ap)));
    book_put_where(r, ctx, &s->location, s->nlocations);
    if (error)
        book_set_str(ctx, "error", error);
    if (notice)
        book_set_str(ctx, "notice", notice);

    if (start) {
        char once[TOKEN_LEN];
        int64_t end = start + (int64_t)s->service.duration_min * 60;
        struct dt_date d = when_local_date(tz, start);
        token_new(once, NULL);
        json_t *c = json_object();
        book_set_str(c, "start", web_time_in(r, tz, start));
        book_set_str(c, "date_label", when_date_long(r->arena, d));
        book_set_str(c, "time_label", when_range(tz, r->arena, start, end));
        book_set_str(c, "once", once);
        book_set_str(c, "back_url", rb->base);
        json_object_set_new(ctx, "confirm", c);
        book_set_str(ctx, "csrf", web_csrf(r));
        book_set_str(ctx, "action", rb->base);
    } else {
        struct sched_day days[REBOOK_DAYS];
        int64_t late = dt_date_to_days(dt_date_add(want, REBOOK_DAYS / 2)) - dt_date_to_days(today);
        if (late < 0) {
            from = today;
            if (!notice)
                book_set_str(ctx, "notice",
                             arena_printf(r->arena,
                                          "The week your therapist suggested (around %s) has "
                                          "passed. These are the openings of the next seven days.",
                                          when_date_long(r->arena, want)));
        } else if (dt_date_to_days(from) < dt_date_to_days(today)) {
            from = today;
        }
        if (sched_days(web_db(r), r->arena, s, now, from, REBOOK_DAYS, 0, days, &e) != E_OK) {
            web_fail(r, &e);
            return;
        }
        json_t *list = json_array();
        size_t total = 0;
        for (int i = 0; i < REBOOK_DAYS; i++) {
            if (!days[i].nslots)
                continue;
            json_t *slots = json_array();
            for (size_t k = 0; k < days[i].nslots; k++) {
                int64_t t = days[i].slots[k].start;
                const char *at = web_time_in(r, tz, t);
                json_array_append_new(slots,
                                      json_pack("{s:s, s:s, s:s}", "label",
                                                when_clock(tz, r->arena, t, 0), "start", at, "url",
                                                book_urlf(r, rb->base, "start", at, NULL)));
            }
            total += days[i].nslots;
            json_array_append_new(list, json_pack("{s:s, s:o}", "label",
                                                  when_date_medium(r->arena, days[i].date), "slots",
                                                  slots));
        }
        json_object_set_new(ctx, "days", list);
        json_object_set_new(ctx, "any", json_boolean(total > 0));
        book_set_str(ctx, "range",
                     arena_printf(r->arena, "%s – %s", when_date_medium(r->arena, from),
                                  when_date_medium(r->arena, dt_date_add(from, REBOOK_DAYS - 1))));
        book_set_str(ctx, "later_url",
                     book_urlf(r, "/book", "service", ap->service_id, "therapist", ap->therapist_id,
                               "date", when_date_param(r->arena, dt_date_add(from, REBOOK_DAYS)),
                               NULL));
    }
    web_private(r);
    page_render(r, status, "rebook", ctx);
}

/* The recommendation of ap (rb->weeks) and the sched of its service with its
 * therapist at its location.  Returns 0, or -1 with the response written
 * (404 when the visit suggests no next one). */
static int rebook_load(struct req *r, struct rebook *rb, enum proof via, struct sched *s)
{
    if (notes_next_visit(r, rb->ap, via, &rb->weeks) < 0)
        return -1;
    if (!rb->weeks) {
        no_rebook(r);
        return -1;
    }
    return book_load(r, rb->ap->location_id, rb->ap->service_id, rb->ap->therapist_id, s);
}

void book_rebook_show(struct req *r, const struct appointment *ap, const char *base,
                      const char *back, enum proof via)
{
    struct rebook rb = {ap, base, back, 0};
    struct sched s;
    const char *start_s;
    int64_t start = 0;
    if (book_param(r, &r->query, "start", &start_s) < 0 ||
        (start_s && book_parse_start(r, start_s, &start) < 0))
        return;
    if (rebook_load(r, &rb, via, &s) < 0)
        return;
    if (start_s) {
        struct sched_day day;
        int open;
        if (book_find_slot(r, &s, start, 0, &day, &open) < 0)
            return;
        if (!open) {
            rebook_render(r, &rb, &s, 0, book_unbookable_reason(r, &s, start), NULL, 200);
            return;
        }
    }
    rebook_render(r, &rb, &s, start, NULL, NULL, 200);
}

void book_rebook_submit(struct req *r, const struct appointment *ap, const char *base,
                        const char *back, enum proof via)
{
    struct rebook rb = {ap, base, back, 0};
    struct sched s;
    struct err e = {0};
    struct appointment made;
    struct book_once once;
    char token[TOKEN_LEN];
    const char *start_s, *once_s;
    int64_t start;
    if (book_param(r, &r->form, "start", &start_s) < 0 ||
        book_param(r, &r->form, "once", &once_s) < 0)
        return;
    if (!start_s) {
        book_bad_param(r, "start", "the form did not say which time to book.");
        return;
    }
    if (book_parse_start(r, start_s, &start) < 0)
        return;
    if (once_s && !token_valid(once_s)) {
        book_bad_param(r, "once", "the form is damaged; please open the page again.");
        return;
    }
    if (rebook_load(r, &rb, via, &s) < 0)
        return;
    /* fees to agree to, or a deposit: the booking form states and takes them
     * (one click must not skip either), with this visit's choices filled in */
    int form = book_needs_form(r, &s);
    if (form < 0)
        return;
    if (form) {
        form_see_other(r, book_urlf(r, "/book", "location",
                                    arena_printf(r->arena, "%lld", (long long)ap->location_id),
                                    "service", ap->service_id, "therapist", ap->therapist_id,
                                    "start", web_time_in(r, s.tz, start), NULL));
        return;
    }
    if (once_s) {
        book_once_init(&once, once_s);
        if (book_once_used(r, &once))
            return;
    }
    const char *email = ap->client_email ? ap->client_email : "";
    if (throttle_refuse(r, THROTTLE_BOOK, email))
        return;
    struct client_booking other = {0};
    struct sched_client cl = {.name = ap->client_name,
                              .email = email,
                              .phone = rebook_phone(ap),
                              .notes = "",
                              .overlap = &other,
                              .sms_consent = ap->sms_consent_at != 0};
    once.token = token;
    if (sched_book_with(web_db(r), r->arena, &s, clock_now(), start,
                        sched_therapist_index(&s, ap->therapist_id), &cl,
                        once_s ? book_once_store : NULL, &once, &made, token, &e) == E_OK) {
        throttle_note(r, THROTTLE_BOOK, email);
        web_private(r);
        form_see_other(r, arena_printf(r->arena, "/a/%s?booked=1", token));
        return;
    }
    if (once_s && e.problem && strcmp(e.problem, "form_used") == 0 && book_once_used(r, &once))
        return;
    struct dt_date d = when_local_date(s.tz, start);
    if (e.problem && strcmp(e.problem, "slot_unavailable") == 0) {
        rebook_render(r, &rb, &s, 0, NULL,
                      arena_printf(r->arena,
                                   "Sorry, %s on %s was just taken by someone else. Please "
                                   "choose another time.",
                                   when_clock(s.tz, r->arena, start, 0),
                                   when_date_medium(r->arena, d)),
                      409);
    } else if (e.problem &&
               (strcmp(e.problem, "too_soon") == 0 || strcmp(e.problem, "in_past") == 0 ||
                strcmp(e.problem, "too_far") == 0)) {
        rebook_render(r, &rb, &s, 0, NULL, book_unbookable_reason(r, &s, start), 422);
    } else if (e.problem && strcmp(e.problem, "client_overlap") == 0) {
        rebook_render(r, &rb, &s, 0, NULL,
                      arena_printf(r->arena,
                                   "You already have an appointment at that time: %s on %s, %s. "
                                   "Please choose another time.",
                                   other.service_name,
                                   when_date_medium(r->arena, when_local_date(s.tz, other.start)),
                                   when_range(s.tz, r->arena, other.start, other.end)),
                      409);
    } else if (e.problem && strcmp(e.problem, "invalid_client") == 0) {
        rebook_render(r, &rb, &s, 0, NULL,
                      arena_printf(r->arena,
                                   "We cannot book online with the details we hold for you: %s "
                                   "Please call us at %s.",
                                   e.msg, r->app->cfg.phone),
                      422);
    } else {
        web_fail(r, &e);
    }
}

void book_rebook_page(struct req *r)
{
    struct appointment ap;
    const char *token;
    enum proof via;
    if (find_appt(r, &ap, &token) < 0 || proof_of_manage(r, &ap, &via) < 0)
        return;
    book_rebook_show(r, &ap, arena_printf(r->arena, "/a/%s/rebook", token),
                     arena_printf(r->arena, "/a/%s", token), via);
}

void book_rebook(struct req *r)
{
    struct appointment ap;
    const char *token;
    enum proof via;
    if (find_appt(r, &ap, &token) < 0 || proof_of_manage(r, &ap, &via) < 0)
        return;
    book_rebook_submit(r, &ap, arena_printf(r->arena, "/a/%s/rebook", token),
                       arena_printf(r->arena, "/a/%s", token), via);
}
