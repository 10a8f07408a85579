/* feeds — calendar subscription feeds (/feeds/{token}.ics) and the page that
 * makes their addresses (/staff/calendar).
 *
 * A feed's address is its only key: 128 random bits, of which the store
 * keeps only the BLAKE2b hash, so the address is shown once, when it is
 * made, and a lost one is replaced (which stops the old one at once).
 *
 * What a feed carries is decided in core/feed (privacy: the client's first
 * name and last initial, never contact details, notes or health
 * information; which statuses; which days); the file itself is built by
 * view/ics.  This module must not add anything else about the client.
 *
 * Every answer of /feeds/ carries Cache-Control private and no referrer;
 * any token that does not match gets the same 404 as an unknown address. */
#include "web/feeds.h"

#include <sodium.h>
#include <string.h>

#include "app.h"
#include "config.h"
#include "core/auth.h"
#include "core/datetime.h"
#include "core/feed.h"
#include "store/store.h"
#include "svc/booking.h"
#include "svc/token.h"
#include "svc/when.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/sb.h"
#include "view/ics.h"
#include "web/chrome.h"
#include "web/admin_locations.h"
#include "web/page.h"

#define SUFFIX ".ics"
#define REFRESH_MINUTES 60 /* how often a subscribed calendar should look again */
#define ETAG_BYTES 16

static void private_headers(struct req *r)
{
    resp_header(r, "Referrer-Policy", "no-referrer");
    resp_header(r, "X-Robots-Tag", "noindex, nofollow");
}

static void not_found(struct req *r)
{
    resp_header(r, "Cache-Control", "no-store");
    web_error(r, 404, NULL, "There is no page at this address.");
}

/* The feed of the token in "{token}.ics".  Returns 0, or -1 with the answer
 * sent (the same 404 for a malformed and an unknown token). */
static int find_feed(struct req *r, struct calendar_feed *feed)
{
    struct err e = {0};
    unsigned char hash[STORE_TOKEN_HASH];
    char token[TOKEN_LEN];
    const char *file = req_param(r, 0);
    size_t n = file ? strlen(file) : 0, len = TOKEN_LEN - 1;

    if (n != len + strlen(SUFFIX) || strcmp(file + len, SUFFIX) != 0) {
        not_found(r);
        return -1;
    }
    memcpy(token, file, len);
    token[len] = '\0';
    if (!token_valid(token)) {
        not_found(r);
        return -1;
    }
    token_hash(token, hash);
    enum err_code rc = db_feed_by_token(web_db(r), r->arena, hash, feed, &e);
    if (rc == E_NOTFOUND) {
        not_found(r);
        return -1;
    }
    if (rc != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    return 0;
}

/* The longest horizon in force: the clinic's, or a service's own if longer
 * (the desk may book that far for it). */
static int horizon_days(struct req *r, struct err *e)
{
    struct booking_rules cfg = app_booking_rules(r->app), rules;
    struct service *sv;
    size_t n;
    if (sched_rules(web_db(r), r->arena, r->app->sched, &cfg, &rules, e) != E_OK ||
        db_services(web_db(r), r->arena, 1, &sv, &n, e) != E_OK)
        return -1;
    int days = rules.horizon_days;
    for (size_t i = 0; i < n; i++)
        if (sv[i].horizon_days > days)
            days = sv[i].horizon_days;
    return days;
}

/* A quoted ETag for everything the feed's text depends on but the clock's
 * second: the data versions, the feed, the window's local day, the horizon,
 * the clinic's name and address and the origin of the links. */
static const char *feed_etag(struct req *r, const struct calendar_feed *feed, int64_t now,
                             int horizon, int64_t location, const struct tz *tz, struct err *e)
{
    int64_t clinic_v, appts_v;
    unsigned char h[ETAG_BYTES];
    char hex[2 * ETAG_BYTES + 1];
    const struct cfg *c = &r->app->cfg;
    if (db_versions(web_db(r), &clinic_v, &appts_v, e) != E_OK)
        return NULL;
    struct dt_date d = when_local_date(tz, now);
    const char *key = arena_printf(r->arena, "%lld|%lld|%s|%lld|%d|%04d-%02d-%02d|%s|%s|%s|L%lld",
                                   (long long)clinic_v, (long long)appts_v, feed->therapist_id,
                                   (long long)feed->created_at, horizon, d.year, d.month, d.day,
                                   c->name, c->address, web_origin(r), (long long)location);
    crypto_generichash(h, sizeof h, (const unsigned char *)key, strlen(key), NULL, 0);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    return arena_printf(r->arena, "\"feed-%s\"", hex);
}

static const char *status_word(const char *status)
{
    if (strcmp(status, "checked_in") == 0)
        return "Checked in";
    if (strcmp(status, "completed") == 0)
        return "Completed";
    if (strcmp(status, "no_show") == 0)
        return "No-show";
    return "Booked";
}

/* One appointment as an event.  The client appears only as "Ana L.". */
static void make_event(struct req *r, const struct feed_appointment *a, int clinic, int64_t now,
                       const char *origin, struct ics_event *ev)
{
    char who[FEED_LABEL_MAX];
    const struct cfg *c = &r->app->cfg;
    feed_client_label(a->client_name, who, sizeof who);
    const char *what =
        clinic ? arena_printf(r->arena, "%s: %s with %s", who, a->service_name, a->therapist_name)
               : arena_printf(r->arena, "%s: %s", who, a->service_name);
    memset(ev, 0, sizeof *ev);
    ev->uid = arena_printf(r->arena, "appt-%lld@knead", (long long)a->id);
    ev->stamp = now;
    ev->start = a->start;
    ev->end = a->end;
    ev->sequence = a->revision;
    ev->summary =
        strcmp(a->status, "no_show") == 0 ? arena_printf(r->arena, "No-show: %s", what) : what;
    /* the room, at its location's address */
    ev->location = arena_printf(r->arena, "%s, %s, %s", a->room_name, c->name,
                                a->location_address && a->location_address[0]
                                    ? a->location_address
                                    : c->address);
    const char *link =
        arena_printf(r->arena, "%s/staff/appointments/%lld", origin, (long long)a->id);
    ev->description = arena_printf(r->arena,
                                   "%s with %s in the %s.\nStatus: %s.\n"
                                   "Details for staff (sign-in needed): %s",
                                   a->service_name, a->therapist_name, a->room_name,
                                   status_word(a->status), link);
    ev->url = origin[0] ? link : NULL;
}

void feeds_ics(struct req *r)
{
    struct err e = {0};
    struct calendar_feed feed;
    struct feed_appointment *list;
    size_t n, k = 0;
    char err[256];
    int64_t now = clock_now(), t0, t1;

    private_headers(r);
    if (find_feed(r, &feed) < 0)
        return;
    /* ?location=ID: that location's appointments only, in its zone (else
     * every appointment, in the first location's zone: the instants are
     * the same either way) */
    int64_t location = 0;
    const char *ls = kv_get(&r->query, "location");
    if (ls) {
        const struct location *all, *one;
        size_t nl;
        if (admin_location_pick(r, ls, &all, &nl, &one) < 0)
            return;
        location = one->id;
    }
    const struct tz *tz = web_zone(r, location);
    int clinic = feed.therapist_id[0] == '\0';
    int horizon = horizon_days(r, &e);
    const char *etag = horizon < 0 ? NULL : feed_etag(r, &feed, now, horizon, location, tz, &e);
    if (!etag) {
        web_fail(r, &e);
        return;
    }
    resp_header(r, "Cache-Control", "private, no-cache");
    resp_header(r, "ETag", etag);
    const char *inm = req_header(r, "If-None-Match");
    if (inm && strstr(inm, etag)) {
        resp_start(r, 304, NULL);
        return;
    }
    feed_window(now, horizon, &t0, &t1);
    if (db_feed_appointments(web_db(r), r->arena, feed.therapist_id, t0, t1, &list, &n, &e) !=
        E_OK) {
        web_fail(r, &e);
        return;
    }
    struct ics_event *evs = arena_array(r->arena, n ? n : 1, sizeof *evs);
    const char *origin = web_origin(r);
    for (size_t i = 0; i < n; i++)
        if (feed_shows(list[i].status) && (!location || list[i].location_id == location))
            make_event(r, &list[i], clinic, now, origin, &evs[k++]);
    struct ics_meta meta = {
        clinic ? arena_printf(r->arena, "%s: all appointments", r->app->cfg.name)
               : arena_printf(r->arena, "%s: %s", r->app->cfg.name, feed.therapist_name),
        REFRESH_MINUTES, now};
    resp_start(r, 200, "text/calendar; charset=utf-8");
    if (ics_calendar_events(&r->resp.body, tz, &meta, evs, k, err, sizeof err) < 0) {
        log_error("calendar feed of %s: %s", clinic ? "the clinic" : feed.therapist_id, err);
        web_error(r, 500, NULL, "The calendar could not be made; the error was logged.");
        return;
    }
    resp_header(r, "Content-Disposition",
                clinic ? "inline; filename=\"clinic.ics\""
                       : arena_printf(r->arena, "inline; filename=\"%s.ics\"", feed.therapist_id));
}

/* ---- the page that makes the addresses ---------------------------------- */

/* The therapist of a therapist's account; NULL (403 sent) if none. */
static const char *own_therapist(struct req *r)
{
    const char *own = r->user->therapist_id;
    if (!own || !own[0]) {
        web_error(r, 403, NULL,
                  "This account is not linked to a therapist; an admin can link it "
                  "on the "
                  "Admin, Accounts page.");
        return NULL;
    }
    return own;
}

/* {exists, made, by} of the feed of therapist_id ("" = the clinic's), or
 * NULL (error sent) if the store fails. */
static json_t *feed_state(struct req *r, const char *therapist_id)
{
    struct err e = {0};
    struct calendar_feed f;
    enum err_code rc = db_feed(web_db(r), r->arena, therapist_id, &f, &e);
    if (rc == E_NOTFOUND)
        return json_pack("{s:b}", "exists", 0);
    if (rc != E_OK) {
        web_fail(r, &e);
        return NULL;
    }
    return json_pack("{s:b, s:s, s:s}", "exists", 1, "made",
                     when_date_long(r->arena, when_local_date(r->app->tz, f.created_at)), "by",
                     f.created_by);
}

/* Renders the page; token: a new address to show once, or NULL. */
static void render(struct req *r, const char *token)
{
    int therapist = r->role == AUTH_THERAPIST;
    const char *scope = "";
    if (therapist && !(scope = own_therapist(r)))
        return;
    json_t *state = feed_state(r, scope);
    if (!state)
        return;
    json_t *ctx = chrome_context(r, "Calendar subscription", "calendar");
    json_object_set_new(ctx, therapist ? "feed_mine" : "feed_clinic", json_true());
    json_object_set_new(state, "action",
                        json_string(therapist ? "/staff/calendar/mine" : "/staff/calendar/clinic"));
    json_object_set_new(ctx, "feed", state);
    json_object_set_new(ctx, "past_days", json_integer(FEED_PAST_DAYS));
    if (token) {
        const char *origin = web_origin(r);
        const char *url = arena_printf(r->arena, "%s/feeds/%s%s", origin, token, SUFFIX);
        json_object_set_new(ctx, "new_url", json_string(url));
        const char *rest = strstr(url, "://");
        if (origin[0] && rest)
            json_object_set_new(ctx, "new_webcal",
                                json_string(arena_printf(r->arena, "webcal%s", rest)));
    }
    page_render(r, 200, "staff/calendar", ctx);
    resp_header(r, "Cache-Control", "no-store");
    resp_header(r, "Referrer-Policy", "no-referrer");
}

void feeds_page(struct req *r)
{
    render(r, NULL);
}

/* Makes a new address for the feed of therapist_id ("" = the clinic's) and
 * answers the page showing it. */
static void new_feed(struct req *r, const char *therapist_id)
{
    struct err e = {0};
    char token[TOKEN_LEN];
    unsigned char hash[STORE_TOKEN_HASH];
    token_new(token, hash);
    if (db_feed_put(web_db(r), therapist_id, hash, r->user->id, clock_now(), &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    log_info("calendar feed of %s: new address made by user %lld",
             therapist_id[0] ? therapist_id : "the clinic", (long long)r->user->id);
    render(r, token);
}

void feeds_new_mine(struct req *r)
{
    const char *own = own_therapist(r);
    if (own)
        new_feed(r, own);
}

void feeds_new_clinic(struct req *r)
{
    new_feed(r, "");
}
