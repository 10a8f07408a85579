/* waitlist — the waitlist's pages.  Every page works without JavaScript.
 * The tokens in /waitlist/{token} and /waitlist/offers/{token} are the only
 * keys: those pages are never cached nor sent on as a referrer, and a
 * token that does not match gets the same 404 as a malformed one.
 *
 * Handlers parse, call core/waitlist (the checks), sched (loading a
 * service, booking a claim) and the store, and render; the offers
 * themselves are made in mail/waitlist.c, inside the transaction of the
 * cancellation or move that frees a time.  The front desk's list
 * (/staff/waitlist) shows every active entry and removes one the same way
 * a client leaves; it never writes anything else. */
#include "web/waitlist.h"

#include <string.h>

#include "app.h"
#include "core/booking.h"
#include "core/datetime.h"
#include "core/tz.h"
#include "core/waitlist.h"
#include "store/store.h"
#include "svc/booking.h"
#include "svc/token.h"
#include "svc/waitlist.h"
#include "svc/when.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/num.h"
#include "web/chrome.h"
#include "web/form.h"
#include "web/page.h"
#include "view/esc.h"
#include "web/throttle.h"

#define DEFAULT_DAYS 14          /* the range a new form suggests */
#define DEFAULT_WEEKDAYS 0x7e    /* Monday to Saturday: the demo clinic's week */
#define DEFAULT_FROM (9 * 60)
#define DEFAULT_TO (19 * 60)
#define DESK_MAX 500  /* entries the desk's list shows at once */
#define REASON_MAX 200 /* characters of the desk's reason for removing an entry */

static const char *const day_names[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                         "Thursday", "Friday", "Saturday"};

static void set_str(json_t *o, const char *key, const char *val)
{
    json_object_set_new(o, key, json_string(val ? val : ""));
}


static const char *hhmm(struct req *r, int minutes)
{
    char buf[8];
    dt_format_hhmm(minutes, buf, sizeof buf);
    return arena_strdup(r->arena, buf);
}

/* A page that explains what happened and offers the way on. */
static void message(struct req *r, int status, const char *heading, const char *msg,
                    const char *action_url, const char *action_label)
{
    json_t *ctx = page_context(r, heading, NULL, NULL);
    json_object_set_new(ctx, "status", json_integer(status));
    set_str(ctx, "heading", heading);
    set_str(ctx, "message", msg);
    if (action_url) {
        set_str(ctx, "action_url", action_url);
        set_str(ctx, "action_label", action_label);
    }
    page_render(r, status, "waitlist_message", ctx);
}

/* ---- joining ---------------------------------------------------------------- */

/* What the form holds, as typed. */
struct join {
    const char *service, *therapist, *location, *date_from, *date_to, *time_from, *time_to;
    const char *name, *email, *phone;
    unsigned days;
};

/* Renders the form with f's values and errors (NULL = none). */
static void join_page(struct req *r, const struct join *f, json_t *errors, int status)
{
    struct err e = {0};
    struct service *services = NULL;
    struct therapist *therapists = NULL;
    struct sched_setup su;
    size_t ns = 0, nt = 0;
    if (db_services(web_db(r), r->arena, 1, &services, &ns, &e) != E_OK ||
        db_therapists(web_db(r), r->arena, 1, &therapists, &nt, &e) != E_OK ||
        sched_setup(web_db(r), r->arena, r->app->sched, &su, &e) != E_OK) {
        json_decref(errors);
        web_fail(r, &e);
        return;
    }
    json_t *ctx = page_context(r, "Join the waitlist",
                               "Tell us when you could come, and we e-mail you when a time opens.",
                               "book");
    json_t *sl = json_array(), *tl = json_array(), *dl = json_array();
    for (size_t i = 0; i < ns; i++)
        json_array_append_new(sl, json_pack("{s:s, s:s, s:b}", "id", services[i].id, "name",
                                            services[i].name, "selected",
                                            strcmp(services[i].id, f->service) == 0));
    for (size_t i = 0; i < nt; i++)
        json_array_append_new(tl, json_pack("{s:s, s:s, s:b}", "id", therapists[i].id, "name",
                                            therapists[i].name, "selected",
                                            strcmp(therapists[i].id, f->therapist) == 0));
    for (int k = 0; k < 7; k++) {
        int d = (k + 1) % 7; /* the week from Monday */
        json_array_append_new(dl, json_pack("{s:i, s:s, s:b}", "value", d, "name", day_names[d],
                                            "checked", (int)((f->days >> d) & 1)));
    }
    /* several locations in use: the entry names one, or any (0063) */
    if (su.nlocations > 1) {
        json_t *ll = json_array();
        for (size_t i = 0; i < su.nlocations; i++) {
            const char *id = arena_printf(r->arena, "%lld", (long long)su.locations[i].id);
            json_array_append_new(ll, json_pack("{s:s, s:s, s:b}", "id", id, "name",
                                                su.locations[i].name, "selected",
                                                strcmp(id, f->location) == 0));
        }
        json_object_set_new(ctx, "locations", ll);
        json_object_set_new(ctx, "multi_location", json_true());
        json_object_set_new(ctx, "any_location", json_boolean(strcmp(f->location, "any") == 0));
    }
    json_object_set_new(ctx, "services", sl);
    json_object_set_new(ctx, "therapists", tl);
    json_object_set_new(ctx, "weekdays", dl);
    json_object_set_new(ctx, "any_selected", json_boolean(strcmp(f->therapist, "any") == 0));
    json_object_set_new(
        ctx, "form",
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "date_from", f->date_from, "date_to",
                  f->date_to, "time_from", f->time_from, "time_to", f->time_to, "name", f->name,
                  "email", f->email, "phone", f->phone));
    set_str(ctx, "csrf", web_csrf(r));
    if (errors && json_object_size(errors)) {
        size_t n = json_object_size(errors);
        set_str(ctx, "error", n == 1 ? "Please correct the field marked below."
                                     : "Please correct the fields marked below.");
        json_object_set_new(ctx, "errors", errors);
    } else {
        json_decref(errors);
        json_object_set_new(ctx, "errors", json_object());
    }
    form_render(r, status, "waitlist", ctx);
}

void waitlist_form(struct req *r)
{
    struct join f = {0};
    struct dt_date today = when_local_date(r->app->tz, clock_now()), from = today;
    const char *service = kv_get(&r->query, "service");
    const char *therapist = kv_get(&r->query, "therapist");
    const char *location = kv_get(&r->query, "location");
    const char *date = kv_get(&r->query, "date");
    struct dt_date d;

    /* Pre-filled from /book's links; a value that does not fit is ignored
     * (the form shows every choice anyway). */
    if (date && dt_parse_date(date, &d) == 0 && dt_date_to_days(d) >= dt_date_to_days(today))
        from = d;
    f.service = service ? service : "";
    f.therapist = therapist && *therapist ? therapist : "any";
    f.location = location && *location ? location : "any";
    f.date_from = when_date_param(r->arena, from);
    f.date_to = when_date_param(r->arena, dt_date_add(from, DEFAULT_DAYS - 1));
    f.time_from = hhmm(r, DEFAULT_FROM);
    f.time_to = hhmm(r, DEFAULT_TO);
    f.name = f.email = f.phone = "";
    f.days = DEFAULT_WEEKDAYS;
    join_page(r, &f, NULL, 200);
}

/* Whether a waitlist window on the ticked days could ever be offered by the
 * therapist of week w (core/waitlist). */
static int fits_her_week(const struct therapist_week *w, unsigned days, int from, int to,
                         int duration)
{
    struct shift_span work[14];
    size_t n = 0;
    for (size_t i = 0; i < w->nwork && n < sizeof work / sizeof work[0]; i++)
        work[n++] = (struct shift_span){w->work[i].weekday, w->work[i].start_min,
                                        w->work[i].end_min};
    return waitlist_window_works(work, n, days, from, to, duration);
}

/* A therapist's working week in words, Monday first: "Monday 8:00 AM – 4:00
 * PM, Tuesday ...", or "no regular hours". */
static const char *week_words(struct req *r, const struct therapist_week *w)
{
    const char *out = NULL;
    for (int k = 1; k <= 7; k++) {
        int d = k % 7;
        for (size_t i = 0; i < w->nwork; i++) {
            if (w->work[i].weekday != d)
                continue;
            const char *one = arena_printf(r->arena, "%s %s", day_names[d],
                                           when_window(r->arena, w->work[i].start_min,
                                                       w->work[i].end_min));
            out = out ? arena_printf(r->arena, "%s, %s", out, one) : one;
        }
    }
    return out ? out : "no regular hours";
}

/* One form value: "" when missing; a repeated one counts as wrong. */
static const char *one(struct req *r, json_t *errors, const char *key)
{
    if (kv_count(&r->form, key) > 1)
        form_error(errors, key, "This field was sent more than once; send the form again.");
    return form_value(r, key);
}

void waitlist_join(struct req *r)
{
    struct join f = {0};
    json_t *errors = json_object();
    struct err e = {0};
    struct sched s;
    int have_service = 0;
    struct dt_date from = {0, 0, 0}, to = {0, 0, 0};
    int tfrom = -1, tto = -1;
    char buf[256];
    const char *why, *field = NULL;

    f.service = one(r, errors, "service");
    f.therapist = one(r, errors, "therapist");
    f.location = one(r, errors, "location");
    f.date_from = one(r, errors, "date_from");
    f.date_to = one(r, errors, "date_to");
    f.time_from = one(r, errors, "time_from");
    f.time_to = one(r, errors, "time_to");
    f.name = one(r, errors, "name");
    f.email = one(r, errors, "email");
    f.phone = one(r, errors, "phone");
    if (!*f.therapist)
        f.therapist = "any";
    if (!*f.location)
        f.location = "any";
    /* where: one location (in use), or any (0 here) */
    int64_t loc = 0;
    int any_location = strcmp(f.location, "any") == 0;
    if (!any_location && num_parse_i64(f.location, 1, INT64_MAX, &loc) < 0) {
        form_error(errors, "location", "Choose a location from the list, or any location.");
        any_location = 1;
    }
    for (size_t i = 0; i < r->form.n; i++) {
        int d;
        if (strcmp(r->form.items[i].key, "days") != 0)
            continue;
        if (num_parse_int(r->form.items[i].val, 0, 6, &d) < 0)
            form_error(errors, "days", "Tick the days of the week from the list.");
        else
            f.days |= 1u << d;
    }

    /* the service and therapist, as the booking pages load them */
    struct booking_rules rules = app_booking_rules(r->app);
    if (!*f.service) {
        form_error(errors, "service", "Choose a service.");
    } else if (sched_load_at(web_db(r), r->arena, r->app->sched, r->app->tz, &rules,
                             any_location ? 0 : loc, f.service, f.therapist, &s, &e) == E_OK) {
        have_service = 1;
    } else if (e.problem && (strcmp(e.problem, "unknown_location") == 0 ||
                             strcmp(e.problem, "archived_location") == 0)) {
        form_error(errors, "location",
                   strcmp(e.problem, "archived_location") == 0
                       ? arena_printf(r->arena, "%s Choose another location, or any.", e.msg)
                       : "We have no such location; choose one from the list, or any location.");
    } else if (e.problem && strcmp(e.problem, "unknown_service") == 0) {
        form_error(errors, "service", "We do not offer that service; choose one from the list.");
    } else if (e.problem && strcmp(e.problem, "unknown_therapist") == 0) {
        form_error(errors, "therapist",
                   "That therapist does not offer this service; choose another, or any "
                   "therapist.");
    } else {
        json_decref(errors);
        web_fail(r, &e);
        return;
    }

    struct dt_date today = when_local_date(r->app->tz, clock_now());
    if (dt_parse_date(f.date_from, &from) < 0)
        form_error(errors, "date_from", "Enter the first day as a date, like 2026-12-01.");
    if (dt_parse_date(f.date_to, &to) < 0)
        form_error(errors, "date_to", "Enter the last day as a date, like 2026-12-14.");
    if (from.year && to.year && have_service &&
        (why = waitlist_check_dates(from, to, today, s.rules.horizon_days, &field, buf,
                                    sizeof buf)))
        form_error(errors, field, arena_strdup(r->arena, why));
    if ((why = waitlist_check_days(f.days)))
        form_error(errors, "days", why);
    if (dt_parse_hhmm(f.time_from, &tfrom) < 0)
        form_error(errors, "time_from",
                   "Enter the earliest time as hours and minutes, like 16:00.");
    if (dt_parse_hhmm(f.time_to, &tto) < 0)
        form_error(errors, "time_to", "Enter the latest time as hours and minutes, like 19:00.");
    if (tfrom >= 0 && tto >= 0 && have_service &&
        (why = waitlist_check_window(tfrom, tto, s.service.duration_min, buf, sizeof buf)))
        form_error(errors, "time_to", arena_strdup(r->arena, why));
    else if (tfrom >= 0 && tto >= 0 && have_service && strcmp(f.therapist, "any") != 0 &&
             (!any_location || s.nlocations < 2) && s.ntherapists == 1 && !json_object_get(errors, "days") &&
             !fits_her_week(&s.weeks[0], f.days, tfrom, tto, s.service.duration_min))
        form_error(errors, "time_from",
                   arena_printf(r->arena,
                                "%s works %s; no %d-minute session fits your times on the days "
                                "you ticked. Choose times inside those hours, other days, or "
                                "any therapist.",
                                s.therapists[0].name, week_words(r, &s.weeks[0]),
                                s.service.duration_min));
    if ((why = booking_check_name(f.name)))
        form_error(errors, "name", why);
    if ((why = booking_check_email(f.email)))
        form_error(errors, "email", why);
    if ((why = booking_check_phone(f.phone)))
        form_error(errors, "phone", why);
    if (json_object_size(errors)) {
        join_page(r, &f, errors, 422);
        return;
    }
    json_decref(errors);
    if (throttle_refuse(r, THROTTLE_WAITLIST, f.email))
        return;

    char token[TOKEN_LEN];
    struct waitlist_entry w = {0};
    int64_t now = clock_now();
    w.service_id = s.service.id;
    w.therapist_id = strcmp(f.therapist, "any") == 0 ? "" : f.therapist;
    w.date_from = when_date_param(r->arena, from);
    w.date_to = when_date_param(r->arena, to);
    w.days = f.days;
    w.time_from = tfrom;
    w.time_to = tto;
    w.name = f.name;
    w.email = f.email;
    w.phone = f.phone;
    w.created_at = now;
    w.service_name = s.service.name;
    w.therapist_name = w.therapist_id[0] ? s.therapists[0].name : "";
    w.location_id = any_location ? 0 : s.location.id;
    w.location_name = any_location ? "" : s.location.name;
    if (wl_join(r->app->waitlist, web_db(r), &w, token, now, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    throttle_note(r, THROTTLE_WAITLIST, f.email);
    log_info("waitlist: entry %lld joined for %s", (long long)w.id, w.service_id);
    web_private(r);
    form_see_other(r, arena_printf(r->arena, "/waitlist/%s?joined=1", token));
}

/* ---- one entry -------------------------------------------------------------- */

static void entry_not_found(struct req *r)
{
    message(r, 404, "We could not find this waitlist entry",
            arena_printf(r->arena,
                         "This link does not lead to a waitlist entry. Please check that you "
                         "copied the whole link, or call us at %s and we will help.",
                         r->app->cfg.phone),
            "/waitlist", "Join the waitlist");
}

/* The entry of the token in the path.  Returns 0, or -1 with the response
 * written (the same 404 for a malformed and an unknown token). */
static int find_entry(struct req *r, struct waitlist_entry *w, const char **token)
{
    struct err e = {0};
    unsigned char hash[STORE_TOKEN_HASH];
    const char *t = req_param(r, 0);
    web_private(r);
    *token = t;
    if (!token_valid(t)) {
        entry_not_found(r);
        return -1;
    }
    token_hash(t, hash);
    enum err_code rc = db_waitlist_entry(web_db(r), r->arena, hash, w, &e);
    if (rc == E_NOTFOUND) {
        entry_not_found(r);
        return -1;
    }
    if (rc != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    return 0;
}

static void add_entry(struct req *r, json_t *ctx, const struct waitlist_entry *w)
{
    char days[80];
    struct dt_date f, t;
    json_t *j = json_object();
    set_str(j, "service", w->service_name);
    set_str(j, "therapist", w->therapist_name[0] ? w->therapist_name : "Any therapist");
    if (w->location_id)
        set_str(j, "location", w->location_name);
    set_str(j, "days", waitlist_days_label(w->days, days, sizeof days));
    set_str(j, "window", when_window(r->arena, w->time_from, w->time_to));
    if (dt_parse_date(w->date_from, &f) == 0 && dt_parse_date(w->date_to, &t) == 0)
        set_str(j, "dates",
                arena_printf(r->arena, "%s – %s", when_date_medium(r->arena, f),
                             when_date_medium(r->arena, t)));
    set_str(j, "name", w->name);
    set_str(j, "email", w->email);
    json_object_set_new(j, "active", json_boolean(strcmp(w->status, "active") == 0));
    json_object_set_new(j, "booked", json_boolean(strcmp(w->status, "booked") == 0));
    json_object_set_new(j, "left", json_boolean(strcmp(w->status, "left") == 0));
    json_object_set_new(ctx, "entry", j);
}

void waitlist_entry_page(struct req *r)
{
    struct waitlist_entry w;
    const char *token;
    if (find_entry(r, &w, &token) < 0)
        return;
    json_t *ctx = page_context(r, "Your waitlist entry", NULL, "book");
    add_entry(r, ctx, &w);
    set_str(ctx, "token", token);
    set_str(ctx, "csrf", web_csrf(r));
    json_object_set_new(ctx, "joined", json_boolean(kv_get(&r->query, "joined") != NULL));
    json_object_set_new(ctx, "just_left", json_boolean(kv_get(&r->query, "left") != NULL));
    page_render(r, 200, "waitlist_entry", ctx);
}

void waitlist_leave(struct req *r)
{
    struct waitlist_entry w;
    const char *token;
    struct err e = {0};
    if (find_entry(r, &w, &token) < 0)
        return;
    enum err_code rc = wl_leave(web_db(r), w.id, clock_now(), "", &e);
    if (rc == E_OK || rc == E_CONFLICT) { /* leaving twice is leaving */
        form_see_other(r, arena_printf(r->arena, "/waitlist/%s?left=1", token));
        return;
    }
    web_fail(r, &e);
}

/* ---- an offer --------------------------------------------------------------- */

struct claim {
    struct waitlist_offer o;
    struct waitlist_entry w;
    const char *token;
};

static void offer_not_found(struct req *r)
{
    message(r, 404, "We could not find this offer",
            arena_printf(r->arena,
                         "This link does not lead to an offer. Please check that you copied the "
                         "whole link from the e-mail, or call us at %s and we will help.",
                         r->app->cfg.phone),
            "/book", "Book online");
}

static int find_offer(struct req *r, struct claim *c)
{
    struct err e = {0};
    unsigned char hash[STORE_TOKEN_HASH];
    const char *t = req_param(r, 0);
    web_private(r);
    c->token = t;
    if (!token_valid(t)) {
        offer_not_found(r);
        return -1;
    }
    token_hash(t, hash);
    enum err_code rc = db_waitlist_offer(web_db(r), r->arena, hash, &c->o, &c->w, &e);
    if (rc == E_NOTFOUND) {
        offer_not_found(r);
        return -1;
    }
    if (rc != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    return 0;
}

static void gone(struct req *r, int status)
{
    message(r, status, "This time has been taken",
            "Someone else booked this time first. You stay on the waitlist: we e-mail you when "
            "another time opens.",
            "/book", "See the times that are free");
}

static void expired(struct req *r)
{
    message(r, 410, "This offer has expired",
            "The time of this offer can no longer be booked through this link. You stay on the "
            "waitlist: we e-mail you when another time opens.",
            "/book", "See the times that are free");
}

static void already_booked(struct req *r)
{
    message(r, 200, "You booked this time",
            "This offer was booked through your link. The confirmation e-mail has the link to "
            "see, move or cancel the appointment.",
            NULL, NULL);
}

/* Loads the offer's service with its one therapist.  Returns 0, 1 when
 * that is gone from the clinic (the page is written), or -1 on error. */
static int load_offer(struct req *r, const struct claim *c, struct sched *s)
{
    struct err e = {0};
    struct booking_rules rules = app_booking_rules(r->app);
    enum err_code rc = sched_load_at(web_db(r), r->arena, r->app->sched, r->app->tz, &rules,
                                     c->o.location_id, c->o.service_id, c->o.therapist_id, s, &e);
    if (rc == E_NOTFOUND) {
        gone(r, 410);
        return 1;
    }
    if (rc != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    return 0;
}

/* Decides what a claim link shows before any booking: 0 = open (s
 * loaded), else the page is written. */
static int offer_state(struct req *r, const struct claim *c, struct sched *s, int is_post)
{
    int64_t now = clock_now();
    if (strcmp(c->o.status, "claimed") == 0) {
        already_booked(r);
        return -1;
    }
    if (strcmp(c->o.status, "taken") == 0 || strcmp(c->w.status, "active") != 0) {
        gone(r, is_post ? 409 : 410);
        return -1;
    }
    if (c->o.expires_at <= now) {
        expired(r);
        return -1;
    }
    return load_offer(r, c, s) == 0 ? 0 : -1;
}

void waitlist_offer_page(struct req *r)
{
    struct claim c;
    struct sched s;
    struct err e = {0};
    if (find_offer(r, &c) < 0 || offer_state(r, &c, &s, 0) < 0)
        return;
    /* booked since through /book or the desk: say so now, not after the click */
    enum err_code rc = sched_fits(web_db(r), r->arena, &s, clock_now(), c.o.start, 0, &e);
    if (rc == E_CONFLICT) {
        gone(r, 410);
        return;
    }
    if (rc == E_UNPROCESSABLE) {
        expired(r);
        return;
    }
    if (rc != E_OK) {
        web_fail(r, &e);
        return;
    }
    int64_t peers = 0;
    if (db_waitlist_offer_peers(web_db(r), c.o.id, &peers, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    json_t *ctx = page_context(r, "A time opened up", NULL, "book");
    json_object_set_new(ctx, "others", json_boolean(peers > 1));
    struct dt_date d = when_local_date(s.tz, c.o.start);
    int64_t end = c.o.start + (int64_t)s.service.duration_min * 60;
    set_str(ctx, "service", s.service.name);
    set_str(ctx, "therapist", s.therapists[0].name);
    set_str(ctx, "start", web_time_in(r, s.tz, c.o.start));
    set_str(ctx, "date_label", when_date_long(r->arena, d));
    set_str(ctx, "time_label", when_range(s.tz, r->arena, c.o.start, end));
    set_str(ctx, "expires",
            arena_printf(r->arena, "%s, %s",
                         when_date_medium(r->arena, when_local_date(s.tz, c.o.expires_at)),
                         when_clock(s.tz, r->arena, c.o.expires_at, 1)));
    set_str(ctx, "name", c.w.name);
    set_str(ctx, "email", c.w.email);
    set_str(ctx, "token", c.token);
    set_str(ctx, "csrf", web_csrf(r));
    page_render(r, 200, "waitlist_offer", ctx);
}

void waitlist_claim(struct req *r)
{
    struct claim c;
    struct sched s;
    struct err e = {0};
    struct appointment ap;
    char token[TOKEN_LEN];
    if (find_offer(r, &c) < 0 || offer_state(r, &c, &s, 1) < 0)
        return;
    enum err_code rc = wl_claim(web_db(r), r->arena, &s, &c.o, &c.w, clock_now(), &ap, token, &e);
    if (rc == E_OK) {
        log_info("waitlist: offer %lld claimed as appointment %lld", (long long)c.o.id,
                 (long long)ap.id);
        form_see_other(r, arena_printf(r->arena, "/a/%s?booked=1", token));
        return;
    }
    if (rc == E_CONFLICT && e.problem && strcmp(e.problem, "client_overlap") == 0)
        web_error(r, 409, e.problem, e.msg); /* the offer stays open for another time */
    else if (rc == E_CONFLICT)
        gone(r, 409);
    else if (rc == E_UNPROCESSABLE && e.problem && strcmp(e.problem, "invalid_client") != 0)
        expired(r);
    else
        web_fail(r, &e);
}

/* ---- the front desk ---------------------------------------------------------- */

static const char *url_part(struct req *r, const char *s)
{
    struct sb b = SB_INIT;
    esc_url_component(&b, s, strlen(s));
    const char *out = arena_strdup(r->arena, b.buf);
    sb_release(&b);
    return out;
}

static json_t *desk_row(struct req *r, const struct waitlist_desk_entry *d)
{
    const struct waitlist_entry *w = &d->en;
    char days[80];
    struct dt_date f, t;
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer((json_int_t)w->id));
    set_str(j, "name", w->name);
    set_str(j, "email", w->email);
    set_str(j, "phone", w->phone);
    set_str(j, "service", w->location_id ? arena_printf(r->arena, "%s at %s", w->service_name,
                                                        w->location_name)
                                         : w->service_name);
    set_str(j, "therapist", w->therapist_name[0] ? w->therapist_name : "Any therapist");
    set_str(j, "days", waitlist_days_label(w->days, days, sizeof days));
    set_str(j, "window", when_window(r->arena, w->time_from, w->time_to));
    if (dt_parse_date(w->date_from, &f) == 0 && dt_parse_date(w->date_to, &t) == 0)
        set_str(j, "dates",
                strcmp(w->date_from, w->date_to) == 0
                    ? when_date_short(r->arena, f)
                    : arena_printf(r->arena, "%s – %s", when_date_short(r->arena, f),
                                   when_date_short(r->arena, t)));
    else
        set_str(j, "dates", arena_printf(r->arena, "%s – %s", w->date_from, w->date_to));
    set_str(j, "joined", when_relative(r->app->tz, r->arena, w->created_at));
    if (d->offer_until)
        set_str(j, "offer_until", when_relative(r->app->tz, r->arena, d->offer_until));
    set_str(j, "remove_url",
            arena_printf(r->arena, "/staff/waitlist/%lld/remove", (long long)w->id));
    return j;
}

/* The list, of every service or of service ("" = all); error: a refused
 * removal, shown above the list. */
static void desk_page(struct req *r, int status, const char *service, const char *error)
{
    struct err e = {0};
    struct db *db = web_db(r);
    struct service *sv;
    struct waitlist_desk_entry *ws;
    size_t nsv, nw;
    const char *service_name = NULL;
    if (db_services(db, r->arena, 0, &sv, &nsv, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    json_t *opts = json_array();
    for (size_t i = 0; i < nsv; i++) {
        int sel = strcmp(sv[i].id, service) == 0;
        if (sel)
            service_name = sv[i].name;
        json_array_append_new(opts, json_pack("{s:s, s:s, s:b}", "id", sv[i].id, "name",
                                              sv[i].name, "selected", sel));
    }
    if (service[0] && !service_name) {
        json_decref(opts);
        web_error(r, 400, NULL,
                  "There is no such service. Choose one from the list, or \"All services\".");
        return;
    }
    if (db_waitlist_desk(db, r->arena, service, clock_now(), DESK_MAX, &ws, &nw, &e) != E_OK) {
        json_decref(opts);
        web_fail(r, &e);
        return;
    }
    json_t *ctx = chrome_context(r, "Waitlist", "waitlist");
    json_object_set_new(ctx, "services", opts);
    json_t *list = json_array();
    for (size_t i = 0; i < nw; i++)
        json_array_append_new(list, desk_row(r, &ws[i]));
    json_object_set_new(ctx, "entries", list);
    json_object_set_new(ctx, "total", json_integer((json_int_t)nw));
    json_object_set_new(ctx, "more", json_boolean(nw == DESK_MAX));
    set_str(ctx, "service_filter", service);
    if (service_name)
        set_str(ctx, "service_name", service_name);
    if (kv_get(&r->query, "removed"))
        json_object_set_new(ctx, "removed", json_true());
    if (error)
        set_str(ctx, "error", error);
    page_render(r, status, "staff/waitlist", ctx);
    resp_header(r, "Cache-Control", "no-store");
}

void waitlist_desk_list(struct req *r)
{
    const char *service = kv_get(&r->query, "service");
    desk_page(r, 200, service ? service : "", NULL);
}

void waitlist_desk_remove(struct req *r)
{
    struct err e = {0};
    struct db *db = web_db(r);
    struct waitlist_entry w;
    int64_t id;
    enum err_code rc = E_NOTFOUND;
    const char *service = form_value(r, "service");
    const char *reason = form_value(r, "reason");
    if (num_parse_i64(req_param(r, 0), 1, INT64_MAX, &id) == 0)
        rc = db_waitlist_entry_by_id(db, r->arena, id, &w, &e);
    if (rc == E_NOTFOUND) {
        web_error(r, 404, NULL,
                  "There is no such waitlist entry. Open the waitlist and choose one there.");
        return;
    }
    if (rc != E_OK) {
        web_fail(r, &e);
        return;
    }
    if (strcmp(w.status, "active") != 0) {
        web_error(r, 409, NULL,
                  strcmp(w.status, "booked") == 0
                      ? "This entry is closed already: the client booked a time through an "
                        "offer. Nothing was changed."
                      : "This entry is closed already: it was removed, or the client left "
                        "the waitlist. Nothing was changed.");
        return;
    }
    if (form_chars(reason) > REASON_MAX || strpbrk(reason, "\r\n")) {
        desk_page(r, 422, service,
                  "Not removed: keep the reason to one line of at most 200 characters.");
        return;
    }
    if ((rc = wl_leave(db, id, clock_now(), reason, &e)) != E_OK) {
        web_fail(r, &e);
        return;
    }
    log_info("waitlist entry %lld removed by the front desk (user %lld)", (long long)id,
             (long long)r->user->id);
    resp_start(r, 303, "text/plain; charset=utf-8");
    resp_header(r, "Location",
                service[0] && strlen(service) <= 64
                    ? arena_printf(r->arena, "/staff/waitlist?service=%s&removed=1",
                                   url_part(r, service))
                    : "/staff/waitlist?removed=1");
}
