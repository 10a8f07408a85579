/* book — the booking pages and the manage pages of one appointment.
 *
 * Every step is a full server-rendered page that works without JavaScript:
 * /book walks service → therapist → day and time → details with plain links
 * (the state lives in the query string, validated strictly on every step),
 * and the details form POSTs to /book.  /a/{token} shows one appointment;
 * the token in the address is the only key, so those pages are never cached
 * nor sent on as a referrer, and any token that does not match gets the same
 * 404 as a malformed one.
 *
 * Handlers parse, call sched/store/core and render.  No rule lives here:
 * notice, horizon, late cancellation and what a client must give come from
 * core/booking; which times are free from sched (core/avail). */
#include "web/book.h"

#include <stdarg.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "core/booking.h"
#include "core/datetime.h"
#include "core/tz.h"
#include "store/store.h"
#include "svc/booking.h"
#include "svc/prepaid.h"
#include "svc/token.h"
#include "svc/when.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/num.h"
#include "util/sb.h"
#include "view/esc.h"
#include "view/ics.h"
#include "view/links.h"
#include "web/form.h"
#include "web/intake.h"
#include "web/insurance.h"
#include "web/proof.h"
#include "web/notes.h"
#include "web/page.h"
#include "web/shop.h"
#include "web/throttle.h"
#include "web/account.h"
#include "core/auth.h"

#define STRIP_DAYS 14     /* days shown in the day strip */
#define SHOW_MAX 60       /* characters of a bad parameter echoed back */

static const char *const wd_short[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const mon_short[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* ---- small helpers -------------------------------------------------------- */

static void set_str(json_t *o, const char *key, const char *val)
{
    json_object_set_new(o, key, json_string(val ? val : ""));
}

/* At most max bytes of s, cut on a UTF-8 character boundary, with "…" when cut. */
static const char *shorten(struct req *r, const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max)
        return s;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return arena_printf(r->arena, "%.*s…", (int)max, s);
}

/* path?k1=v1&k2=v2 from NULL-terminated name/value pairs; pairs with a NULL
 * value are left out; values are percent-encoded.  On the arena. */
static const char *urlf(struct req *r, const char *path, ...)
{
    struct sb b = SB_INIT;
    va_list ap;
    const char *k;
    char sep = '?';
    sb_adds(&b, path);
    va_start(ap, path);
    while ((k = va_arg(ap, const char *))) {
        const char *v = va_arg(ap, const char *);
        if (!v)
            continue;
        sb_addc(&b, sep);
        sep = '&';
        sb_adds(&b, k);
        sb_addc(&b, '=');
        esc_url_component(&b, v, strlen(v));
    }
    va_end(ap);
    const char *s = arena_strdup(r->arena, b.buf);
    sb_release(&b);
    return s;
}

static int64_t days_between(struct dt_date a, struct dt_date b)
{
    return dt_date_to_days(b) - dt_date_to_days(a);
}

/* "Anchorage" for America/Anchorage: the zone z as people name it. */
static const char *zone_label(struct req *r, const char *z)
{
    const char *slash = strrchr(z, '/');
    char *s = arena_strdup(r->arena, slash ? slash + 1 : z);
    for (char *p = s; *p; p++)
        if (*p == '_')
            *p = ' ';
    return s;
}

/* A page that explains what went wrong and offers the way on. */
static void problem(struct req *r, int status, const char *heading, const char *msg,
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
    page_render(r, status, "book/problem", ctx);
}

static void bad_param(struct req *r, const char *name, const char *what)
{
    problem(r, 400, "That link does not work",
            arena_printf(r->arena, "The value of '%s' is not right: %s", name, what),
            "/book", "Start booking again");
}

/* One parameter of l: NULL when absent or empty.  A repeated one is a 400
 * page.  Returns 0, or -1 with the response written. */
static int param(struct req *r, const struct kvlist *l, const char *name, const char **out)
{
    *out = NULL;
    if (kv_count(l, name) > 1) {
        bad_param(r, name, "it is given more than once.");
        return -1;
    }
    const char *v = kv_get(l, name);
    if (v && *v)
        *out = v;
    return 0;
}

static int parse_date(struct req *r, const char *s, struct dt_date *d)
{
    if (dt_parse_date(s, d) == 0)
        return 0;
    bad_param(r, "date", "a day is written like 2026-11-24.");
    return -1;
}

static int parse_start(struct req *r, const char *s, int64_t *t)
{
    if (dt_parse_rfc3339(s, t, NULL) == 0)
        return 0;
    bad_param(r, "start", "a time is written like 2026-11-24T14:30:00-09:00.");
    return -1;
}

/* The location of this booking as its links and form carry it
 * (?location=, or the details form's field): NULL when none is given, which
 * is the first location (a clinic with one never shows the choice, so its
 * links stay as they were).  book_start and book_submit check it first. */
static const char *loc_arg(struct req *r)
{
    const char *v = kv_get(&r->query, "location");
    if (!v || !*v)
        v = kv_get(&r->form, "location");
    return v && *v ? v : NULL;
}

/* loc_arg as an id; 0 (the first location) when none or not a number. */
static int64_t loc_id(struct req *r)
{
    int64_t id = 0;
    const char *v = loc_arg(r);
    if (v && num_parse_i64(v, 1, INT64_MAX, &id) < 0)
        id = 0;
    return id;
}

/* Loads the sched of a service for therapist ("any"/NULL = all who offer
 * it) at location loc (0 = the first).  An unknown service, therapist or
 * location is a 404 page that offers the way back.  Returns 0, or -1 with
 * the response written. */
static int load(struct req *r, int64_t loc, const char *service, const char *therapist,
                struct sched *s)
{
    struct err e = {0};
    struct booking_rules rules = app_booking_rules(r->app);
    enum err_code rc = sched_load_at(web_db(r), r->arena, r->app->sched, r->app->tz, &rules, loc,
                                     service, therapist, s, &e);
    if (rc == E_OK)
        return 0;
    if (e.problem && strcmp(e.problem, "unknown_location") == 0) {
        problem(r, 404, "We have no such location",
                "This link names a location of ours that does not exist (any more). Choose "
                "where you would like to come.",
                "/book", "Choose a location");
    } else if (e.problem && strcmp(e.problem, "unknown_service") == 0) {
        problem(r, 404, "We have no such service",
                arena_printf(r->arena,
                             "We do not offer a service called “%s” (any more). Choose one of "
                             "our services to book.",
                             shorten(r, service, SHOW_MAX)),
                "/book", "Choose a service");
    } else if (e.problem && strcmp(e.problem, "unknown_therapist") == 0) {
        struct therapist t;
        struct err e2 = {0};
        int exists = db_therapist(web_db(r), r->arena, therapist, &t, &e2) == E_OK && t.active;
        problem(r, 404, exists ? "Not offered by this therapist" : "We have no such therapist",
                exists ? arena_printf(r->arena,
                                      "%s does not offer %s. Choose another therapist, or any "
                                      "therapist.",
                                      t.name, s->service.name)
                       : arena_printf(r->arena,
                                      "No therapist called “%s” works at the clinic. Choose one "
                                      "of our therapists, or any therapist.",
                                      shorten(r, therapist, SHOW_MAX)),
                urlf(r, "/book", "location", loc_arg(r), "service", service, NULL), "Choose a therapist");
    } else {
        web_fail(r, &e);
    }
    return -1;
}

/* The name of therapist id in s, or NULL. */
static const char *therapist_name(const struct sched *s, const char *id)
{
    int i = id ? sched_therapist_index(s, id) : -1;
    return i >= 0 ? s->therapists[i].name : NULL;
}

/* ---- the day strip and a day's times (booking and moving) ----------------- */

/* Where the links of the day-and-time step go: base?[service=..&]therapist=.. */
struct pick {
    const struct sched *s;
    const char *base;      /* "/book" or "/a/TOKEN/move" */
    const char *service;   /* in the links of /book; NULL for moving */
    const char *therapist; /* "any" or an id */
    int64_t moving;        /* the appointment being moved (its own time stays offered), or 0 */
};

static const char *pick_url(struct req *r, const struct pick *p, const char *key, const char *val)
{
    return urlf(r, p->base, "location", p->moving ? NULL : loc_arg(r), "service", p->service,
                "therapist", p->therapist, key, val, NULL);
}

/* The day's slots as groups (morning, afternoon, evening) of links. */
static json_t *slot_groups(struct req *r, const struct pick *p, const struct sched_day *day)
{
    static const char *const names[3] = {"Morning", "Afternoon", "Evening"};
    json_t *groups[3] = {NULL, NULL, NULL};
    json_t *out = json_array();
    for (size_t i = 0; i < day->nslots; i++) {
        struct dt_civil c;
        int64_t t = day->slots[i].start;
        tz_to_local(p->s->tz, t, &c, NULL);
        int g = c.hour < 12 ? 0 : c.hour < 17 ? 1 : 2;
        if (!groups[g])
            groups[g] = json_array();
        json_array_append_new(groups[g], json_pack("{s:s, s:s, s:s}", "label",
                                                   when_clock(p->s->tz, r->arena, t, 0), "url",
                                                   pick_url(r, p, "start", web_time_in(r, p->s->tz, t)),
                                                   "start", web_time_in(r, p->s->tz, t)));
    }
    for (int g = 0; g < 3; g++)
        if (groups[g])
            json_array_append_new(out, json_pack("{s:s, s:o}", "name", names[g], "slots",
                                                 groups[g]));
    return out;
}

/* Fills ctx.strip (14 days from today, or from the day asked for when that
 * lies beyond them) and ctx.day (the day asked for, else the first with
 * openings).  Returns 0, or -1 with the response written. */
static int add_days(struct req *r, const struct pick *p, json_t *ctx, const struct dt_date *want,
                    const char *notice)
{
    struct err e = {0};
    struct sched_day days[STRIP_DAYS];
    const struct tz *tz = p->s->tz;
    int64_t now = clock_now();
    struct dt_date today = when_local_date(tz, now), from = today;
    int sel = -1, past = 0, any = 0;

    if (want) {
        int64_t dd = days_between(today, *want);
        if (dd < 0)
            past = 1;
        else if (dd >= STRIP_DAYS)
            from = *want;
    }
    if (sched_days(web_db(r), r->arena, p->s, now, from, STRIP_DAYS, p->moving, days, &e) !=
        E_OK) {
        web_fail(r, &e);
        return -1;
    }
    if (want && !past)
        sel = (int)days_between(from, *want);
    for (int i = 0; i < STRIP_DAYS; i++) {
        if (days[i].nslots)
            any = 1;
        if (sel < 0 && !want && days[i].nslots)
            sel = i;
    }

    json_t *list = json_array();
    for (int i = 0; i < STRIP_DAYS; i++) {
        struct dt_date d = days[i].date;
        json_t *day = json_pack(
            "{s:s, s:i, s:s, s:s, s:b, s:b, s:b}", "wd", wd_short[dt_weekday(dt_date_to_days(d))],
            "day", d.day, "mon", mon_short[d.month - 1], "label", when_date_medium(r->arena, d),
            "has", days[i].nslots > 0, "selected", i == sel, "today", days_between(today, d) == 0);
        json_object_set_new(day, "count", json_integer((json_int_t)days[i].nslots));
        if (days[i].nslots)
            set_str(day, "url", pick_url(r, p, "date", when_date_param(r->arena, d)));
        json_array_append_new(list, day);
    }
    json_t *strip = json_pack("{s:o}", "days", list);
    struct dt_date later = dt_date_add(from, STRIP_DAYS);
    if (tz_day_start(tz, later) <= booking_latest(&p->s->rules, now))
        set_str(strip, "later_url", pick_url(r, p, "date", when_date_param(r->arena, later)));
    if (days_between(today, from) > 0) {
        struct dt_date earlier = dt_date_add(from, -STRIP_DAYS);
        set_str(strip, "earlier_url",
                days_between(today, earlier) >= STRIP_DAYS
                    ? pick_url(r, p, "date", when_date_param(r->arena, earlier))
                    : pick_url(r, p, NULL, NULL));
    }
    set_str(strip, "range",
            arena_printf(r->arena, "%s – %s", when_date_short(r->arena, from),
                         when_date_short(r->arena, dt_date_add(from, STRIP_DAYS - 1))));
    set_str(strip, "zone_label", zone_label(r, web_location_timezone(r, &p->s->location)));
    json_object_set_new(ctx, "strip", strip);

    if (notice)
        set_str(ctx, "notice", notice);
    else if (past)
        set_str(ctx, "notice", "That day has passed. Choose one of the days below.");
    if (!any)
        set_str(ctx, "none", "There are no openings in these two weeks.");
    if (sel >= 0) {
        json_t *day = json_pack("{s:s, s:o}", "label", when_date_medium(r->arena, days[sel].date),
                                "groups", slot_groups(r, p, &days[sel]));
        json_object_set_new(day, "count", json_integer((json_int_t)days[sel].nslots));
        json_object_set_new(ctx, "day", day);
    }
    return 0;
}

/* Whether start is bookable now (for sched's therapists), with the day's
 * slots in *day for offering others.  Returns 0, or -1 with the response
 * written. */
static int find_slot(struct req *r, const struct sched *s, int64_t start, int64_t moving,
                     struct sched_day *day,
                     int *open)
{
    struct err e = {0};
    *open = 0;
    if (sched_days(web_db(r), r->arena, s, clock_now(), when_local_date(s->tz, start), 1,
                   moving, day, &e) != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    for (size_t i = 0; i < day->nslots; i++)
        if (day->slots[i].start == start)
            *open = 1;
    return 0;
}

/* Why start cannot be booked by a client now, for a person. */
static const char *unbookable_reason(struct req *r, const struct sched *s, int64_t start)
{
    switch (booking_check_time(&s->rules, clock_now(), start)) {
    case BOOKING_IN_PAST:
        return "That time has already passed. Please choose a later one.";
    case BOOKING_TOO_SOON:
        return arena_printf(r->arena,
                            "Online bookings need %d hours' notice, so that time can no longer "
                            "be booked online. Please choose a later time, or call us at %s.",
                            s->rules.min_notice_min / 60, r->app->cfg.phone);
    case BOOKING_TOO_FAR:
        return arena_printf(r->arena, "Bookings open %d days ahead. Please choose an earlier day.",
                            s->rules.horizon_days);
    case BOOKING_TIME_OK:
        break;
    }
    return "Sorry, that time is no longer available. Please choose another one.";
}

/* The service as the pages show it. */
static json_t *service_json(struct req *r, const struct service *sv)
{
    return json_pack("{s:s, s:s, s:s, s:i, s:s}", "id", sv->id, "name", sv->name, "description",
                     sv->description, "duration_minutes", sv->duration_min, "price",
                     web_price(r, sv->price_cents));
}

/* o.next: the next opening (slot, or NULL for none within horizon days) of
 * service with therapist ("any" or an id), in words and as a link that goes
 * straight to the details form. */
static void add_next(struct req *r, json_t *o, const struct tz *tz, const struct service *sv,
                     const char *therapist, const struct avail_slot *slot, int horizon_days)
{
    json_t *n = json_object();
    json_object_set_new(n, "found", json_boolean(slot != NULL));
    if (slot) {
        set_str(n, "label", when_relative(tz, r->arena, slot->start));
        set_str(n, "start", web_time_in(r, tz, slot->start));
        set_str(n, "url", urlf(r, "/book", "location", loc_arg(r), "service", sv->id, "therapist", therapist, "start",
                               web_time_in(r, tz, slot->start), NULL));
    } else {
        json_object_set_new(n, "horizon_days", json_integer(horizon_days));
    }
    json_object_set_new(o, "next", n);
}

static void add_openings(struct req *r, json_t *ctx, const char *therapist);

/* ctx.policy: the cancellation policy of an appointment at start in words:
 * how late is late (hours, and the moment for this time) and whether that
 * moment has passed already. */
static void add_policy(struct req *r, json_t *ctx, const struct tz *tz,
                       const struct booking_rules *rules, int64_t start)
{
    int64_t from = start - (int64_t)rules->late_cancel_hours * 3600;
    json_t *p = json_pack("{s:i, s:b}", "late_hours", rules->late_cancel_hours, "late_already",
                          from <= clock_now());
    set_str(p, "late_from",
            arena_printf(r->arena, "%s at %s",
                         when_date_long(r->arena, when_local_date(tz, from)),
                         when_clock(tz, r->arena, from, 0)));
    json_object_set_new(ctx, "policy", p);
}

/* An appointment's address: its location's, or the config file's. */
static const char *appt_address(struct req *r, const struct appointment *ap)
{
    return ap->location_address && ap->location_address[0] ? ap->location_address
                                                            : r->app->cfg.address;
}

/* o.where: the location of a booking (its name is shown when the clinic
 * has more than one), its address and its zone as people name it. */
static void put_where(struct req *r, json_t *o, const struct location *l, size_t nlocations)
{
    json_object_set_new(o, "where",
                        json_pack("{s:b, s:s, s:s, s:s}", "multi", nlocations > 1, "name", l->name,
                                  "address", web_location_address(r, l), "zone_label",
                                  zone_label(r, web_location_timezone(r, l))));
}

static void add_where(struct req *r, json_t *ctx, const struct sched *s)
{
    put_where(r, ctx, &s->location, s->nlocations);
}

static void appt_where(struct req *r, const struct appointment *ap, json_t *a)
{
    struct sched_setup su;
    struct err e = {0};
    size_t n = 1;
    if (sched_setup(web_db(r), r->arena, r->app->sched, &su, &e) == E_OK)
        n = su.nlocations;
    else
        log_warn("locations of appointment %lld: %s", (long long)ap->id, e.msg);
    struct location l = {ap->location_id, ap->location_name, ap->location_address,
                         ap->location_timezone, 0};
    put_where(r, a, &l, n);
}

/* ---- GET /book ------------------------------------------------------------- */

/* Step 0, only when the clinic has several locations and no ?location= is
 * given: where, each with its address, its zone and its opening hours.
 * service and therapist (when the visitor came from a service's or a
 * therapist's page) are kept in the links.  Returns 1 when the page was
 * written (it, or an error), 0 to go on (one location, or one chosen). */
static int step_location(struct req *r, const char *service, const char *therapist)
{
    struct sched_setup su;
    struct err e = {0};
    int64_t id;
    const char *given = loc_arg(r);
    if (given && num_parse_i64(given, 1, INT64_MAX, &id) < 0) {
        bad_param(r, "location", "a location is named by its number, as in the links of /book.");
        return 1;
    }
    if (given)
        return 0;
    if (sched_setup(web_db(r), r->arena, r->app->sched, &su, &e) != E_OK) {
        web_fail(r, &e);
        return 1;
    }
    if (su.nlocations < 2)
        return 0;
    json_t *ctx = page_context(r, "Book online: choose a location",
                               "Book a massage online: choose where, then a service, a therapist "
                               "and a time.",
                               NULL);
    json_t *list = json_array();
    for (size_t i = 0; i < su.nlocations; i++) {
        const struct location *l = &su.locations[i];
        struct sched_setup at;
        json_t *o = json_object();
        put_where(r, o, l, su.nlocations);
        const char *id_s = arena_printf(r->arena, "%lld", (long long)l->id);
        set_str(o, "url", urlf(r, "/book", "location", id_s, "service", service, "therapist",
                               therapist, NULL));
        if (sched_setup_at(web_db(r), r->arena, r->app->sched, l->id, &at, &e) == E_OK) {
            json_t *hours = web_hours_json(r, at.hours, at.nhours);
            if (hours) {
                json_object_set_new(o, "hours", hours);
                json_object_set_new(o, "has_hours", json_true());
            }
        } else {
            log_warn("hours of location %lld: %s", (long long)l->id, e.msg);
        }
        json_array_append_new(list, o);
    }
    json_object_set_new(ctx, "locations", list);
    page_render(r, 200, "book/location", ctx);
    return 1;
}

/* Step 1: the services (of one therapist, when ?therapist= names one). */
static void step_service(struct req *r, const char *therapist)
{
    struct err e = {0};
    struct service *sv;
    struct therapist t;
    size_t n;
    struct db *db = web_db(r);

    if (therapist && strcmp(therapist, "any") != 0) {
        enum err_code rc = db_therapist(db, r->arena, therapist, &t, &e);
        if (rc == E_NOTFOUND || (rc == E_OK && !t.active)) {
            problem(r, 404, "We have no such therapist",
                    arena_printf(r->arena, "No therapist called “%s” works at the clinic.",
                                 shorten(r, therapist, SHOW_MAX)),
                    "/book", "Choose a service");
            return;
        }
        if (rc != E_OK) {
            web_fail(r, &e);
            return;
        }
    } else {
        therapist = NULL;
    }
    if (db_services(db, r->arena, 1, &sv, &n, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    json_t *ctx = page_context(r, "Book online: choose a service",
                               "Book a massage online: choose a service, a therapist and a time.",
                               NULL);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        int offered = !therapist;
        for (size_t k = 0; therapist && k < t.nservices; k++)
            if (strcmp(t.service_ids[k], sv[i].id) == 0)
                offered = 1;
        if (!offered)
            continue;
        json_t *s = service_json(r, &sv[i]);
        set_str(s, "url", urlf(r, "/book", "location", loc_arg(r), "service", sv[i].id, "therapist", therapist, NULL));
        json_array_append_new(list, s);
    }
    json_object_set_new(ctx, "services", list);
    add_openings(r, ctx, therapist);
    if (therapist) {
        set_str(ctx, "therapist_name", t.name);
        set_str(ctx, "all_url", "/book");
    }
    page_render(r, 200, "book/service", ctx);
}

void book_add_person(struct req *r, const struct therapist *t, json_t *o)
{
    /* the specialties, split at commas and trimmed */
    json_t *list = json_array();
    const char *p = t->specialties ? t->specialties : "";
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        size_t a = 0, b = n;
        while (a < b && (p[a] == ' ' || p[a] == '\t'))
            a++;
        while (b > a && (p[b - 1] == ' ' || p[b - 1] == '\t'))
            b--;
        if (b > a)
            json_array_append_new(list, json_stringn(p + a, b - a));
        p += n + (end != NULL);
    }
    json_object_set_new(o, "has_specialties", json_boolean(json_array_size(list) > 0));
    json_object_set_new(o, "specialties", list);
    /* the monogram shown without a photo: the first letters of the first
     * and last words of the name (whole UTF-8 characters) */
    char mono[16];
    size_t m = 0;
    const char *name = t->name ? t->name : "", *last = NULL;
    for (const char *q = name; *q; q++)
        if (*q != ' ' && (q == name || q[-1] == ' '))
            last = q;
    const char *firsts[2] = {name, last != name ? last : NULL};
    for (int k = 0; k < 2; k++) {
        const char *q = firsts[k];
        if (!q || !*q || *q == ' ')
            continue;
        size_t len = 1;
        while (q[len] && ((unsigned char)q[len] & 0xC0) == 0x80 && len < 4)
            len++;
        if (m + len >= sizeof mono)
            break;
        memcpy(mono + m, q, len);
        m += len;
    }
    mono[m] = '\0';
    set_str(o, "monogram", mono);
}

/* Step 2: any therapist, then each who offers the service: photo or
 * monogram, title, specialties, bio and next opening (the day cache serves
 * each from memory until the calendar changes). */
static void step_therapist(struct req *r, const struct sched *s)
{
    struct err e = {0};
    json_t *ctx = page_context(r, "Book online: choose a therapist", NULL, NULL);
    json_object_set_new(ctx, "service", service_json(r, &s->service));
    json_t *list = json_array();
    json_t *anyone = json_pack("{s:s, s:s, s:s, s:b}", "name", "Any therapist", "title",
                               "Whoever is free at the time you choose", "url",
                               urlf(r, "/book", "location", loc_arg(r), "service", s->service.id, "therapist", "any",
                                    NULL),
                               "any", 1);
    json_array_append_new(list, anyone);
    int64_t now = clock_now(), first = 0;
    for (size_t i = 0; i < s->ntherapists; i++) {
        const struct therapist *t = &s->therapists[i];
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "name", t->name, "title",
                              t->title, "bio", t->bio ? t->bio : "", "photo",
                              t->photo ? t->photo : "", "photo_alt",
                              t->photo_alt ? t->photo_alt : "", "url",
                              urlf(r, "/book", "location", loc_arg(r), "service", s->service.id, "therapist", t->id,
                                   NULL));
        book_add_person(r, t, o);
        struct sched one = *s;
        struct avail_slot slot;
        int found = 0;
        one.therapists = &s->therapists[i];
        one.weeks = &s->weeks[i];
        one.ntherapists = 1;
        if (sched_next(web_db(r), r->arena, &one, now, &slot, &found, &e) != E_OK) {
            json_decref(o);
            json_decref(list);
            json_decref(ctx);
            web_fail(r, &e);
            return;
        }
        add_next(r, o, s->tz, &s->service, t->id, found ? &slot : NULL, s->rules.horizon_days);
        if (found && (!first || slot.start < first))
            first = slot.start;
        json_array_append_new(list, o);
    }
    if (first) {
        struct avail_slot slot = {.start = first};
        add_next(r, anyone, s->tz, &s->service, "any", &slot, s->rules.horizon_days);
    }
    json_object_set_new(ctx, "therapists", list);
    set_str(ctx, "back_url", "/book");
    page_render(r, 200, "book/therapist", ctx);
}

/* Step 3: the day strip and the times of one day. */
static void step_times(struct req *r, const struct sched *s, const char *therapist,
                       const struct dt_date *want, const char *notice, int status)
{
    struct pick p = {s, "/book", s->service.id, therapist, 0};
    json_t *ctx = page_context(r, "Book online: choose a day and time", NULL, NULL);
    const char *who = strcmp(therapist, "any") == 0 ? NULL : therapist_name(s, therapist);
    json_object_set_new(ctx, "service", service_json(r, &s->service));
    set_str(ctx, "therapist_label", who ? who : "Any therapist");
    set_str(ctx, "therapist_url", urlf(r, "/book", "location", loc_arg(r), "service", s->service.id, NULL));
    if (add_days(r, &p, ctx, want, notice) < 0)
        return;
    set_str(ctx, "waitlist_url",
            urlf(r, "/waitlist", "service", s->service.id, "therapist", therapist, "date",
                 want ? when_date_param(r->arena, *want) : NULL, NULL));
    page_render(r, status, "book/times", ctx);
}

/* What the details form holds and what is wrong with it. */
struct form {
    const char *once; /* the form's one-time token (see book_submit) */
    const char *name, *email, *phone, *note;
    const char *texts; /* "yes": reminders by text asked for */
    const char *gift;  /* a gift card's code: it pays the visit ahead */
    const char *err_name, *err_email, *err_phone, *err_note;
    const char *error;              /* at the top of the form */
    const char *error_url, *error_link;
};

/* Step 4: the details form for start (re-shown after a refused POST with
 * the values typed and the messages; alternatives: other times that day). */
static void step_details(struct req *r, const struct sched *s, const char *therapist,
                         int64_t start, const struct form *f, json_t *alternatives, int status)
{
    const char *who = strcmp(therapist, "any") == 0 ? NULL : therapist_name(s, therapist);
    struct dt_date d = when_local_date(s->tz, start);
    int64_t end = start + (int64_t)s->service.duration_min * 60;
    json_t *ctx = page_context(r, "Book online: your details", NULL, NULL);

    json_object_set_new(ctx, "service", service_json(r, &s->service));
    set_str(ctx, "therapist", therapist);
    set_str(ctx, "therapist_label", who ? who : "Any available therapist");
    set_str(ctx, "start", web_time_in(r, s->tz, start));
    set_str(ctx, "date_label", when_date_long(r->arena, d));
    set_str(ctx, "time_label", when_range(s->tz, r->arena, start, end));
    set_str(ctx, "times_url",
            urlf(r, "/book", "location", loc_arg(r), "service", s->service.id, "therapist", therapist, "date",
                 when_date_param(r->arena, d), NULL));
    set_str(ctx, "therapist_url", urlf(r, "/book", "location", loc_arg(r), "service", s->service.id, NULL));
    set_str(ctx, "csrf", web_csrf(r));
    if (f->once) {
        set_str(ctx, "once", f->once);
    } else {
        char once[TOKEN_LEN];
        token_new(once, NULL);
        set_str(ctx, "once", once);
    }
    json_object_set_new(ctx, "late_hours", json_integer(s->rules.late_cancel_hours));
    add_policy(r, ctx, s->tz, &s->rules, start);
    add_where(r, ctx, s);
    set_str(ctx, "location", loc_arg(r));
    json_object_set_new(ctx, "form",
                        json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "name",
                                  f->name ? f->name : "", "email", f->email ? f->email : "",
                                  "phone", f->phone ? f->phone : "", "note",
                                  f->note ? f->note : "", "texts", f->texts != NULL, "gift",
                                  f->gift ? f->gift : ""));
    json_t *errors = json_object();
    if (f->err_name)
        set_str(errors, "name", f->err_name);
    if (f->err_email)
        set_str(errors, "email", f->err_email);
    if (f->err_phone)
        set_str(errors, "phone", f->err_phone);
    if (f->err_note)
        set_str(errors, "note", f->err_note);
    json_object_set_new(ctx, "errors", errors);
    int nerr = (f->err_name != NULL) + (f->err_email != NULL) + (f->err_phone != NULL) +
               (f->err_note != NULL);
    if (f->error) {
        set_str(ctx, "error", f->error);
        if (f->error_url) {
            set_str(ctx, "error_url", f->error_url);
            set_str(ctx, "error_link", f->error_link);
        }
    } else if (nerr) {
        set_str(ctx, "error", nerr == 1 ? "Please correct the field marked below."
                                        : "Please correct the fields marked below.");
    }
    if (alternatives && json_array_size(alternatives)) {
        json_object_set_new(ctx, "alternatives", alternatives);
        json_object_set_new(ctx, "retime", json_true());
    }
    else
        json_decref(alternatives);
    page_render(r, status, "book/details", ctx);
}

void book_start(struct req *r)
{
    const char *service, *therapist, *date_s, *start_s;
    struct dt_date date;
    int64_t start = 0;
    struct sched s;

    /* Other parameters (e.g. a campaign's utm_source) are ignored: a page
     * link should not break for them. */
    if (param(r, &r->query, "service", &service) < 0 ||
        param(r, &r->query, "therapist", &therapist) < 0 ||
        param(r, &r->query, "date", &date_s) < 0 || param(r, &r->query, "start", &start_s) < 0)
        return;
    if (date_s && parse_date(r, date_s, &date) < 0)
        return;
    if (start_s && parse_start(r, start_s, &start) < 0)
        return;
    if (step_location(r, service, therapist))
        return;
    if (!service) {
        step_service(r, therapist);
        return;
    }
    if (load(r, loc_id(r), service, therapist, &s) < 0)
        return;
    if (!therapist) {
        step_therapist(r, &s);
        return;
    }
    if (!start_s) {
        step_times(r, &s, therapist, date_s ? &date : NULL, NULL, 200);
        return;
    }
    struct sched_day day;
    int open;
    if (find_slot(r, &s, start, 0, &day, &open) < 0)
        return;
    if (!open) {
        struct dt_date d = when_local_date(s.tz, start);
        step_times(r, &s, therapist, &d, unbookable_reason(r, &s, start), 200);
        return;
    }
    struct form f = {0};
    step_details(r, &s, therapist, start, &f, NULL, 200);
}

/* ---- POST /book ------------------------------------------------------------ */

/* Radio choices of the day's other times, for a form whose time was taken. */
static json_t *alternatives(struct req *r, const struct tz *tz, const struct sched_day *day,
                            int64_t taken)
{
    json_t *list = json_array();
    for (size_t i = 0; i < day->nslots; i++)
        if (day->slots[i].start != taken)
            json_array_append_new(
                list, json_pack("{s:s, s:s}", "value", web_time_in(r, tz, day->slots[i].start), "label",
                                when_clock(tz, r->arena, day->slots[i].start, 0)));
    return list;
}

/* The one-time token of a details form.  Each rendering of step 4 carries a
 * new one; the booking it makes stores its hash, in the booking's own
 * transaction, with the manage token sealed under a key derived from it.
 * Sending the same form again (Back, then Book again; a double click) finds
 * that row and leads to the first booking's page — the same browser holds
 * the token, so it may see the booking it made — instead of booking twice.
 * Rows go after a day (db_purge_expired). */
#define FORM_TOKEN_TTL 86400

struct once {
    unsigned char hash[STORE_TOKEN_HASH];
    unsigned char seal[TOKEN_SEAL_KEY];
    const char *token; /* the new booking's manage token, inside the transaction */
};

static void once_init(struct once *o, const char *form_token)
{
    const void *parts[1] = {form_token};
    const size_t lens[1] = {strlen(form_token)};
    token_hash(form_token, o->hash);
    token_seal_key(o->seal, "knead book form seal", 1, parts, lens);
}

/* When the form token booked already: its booking's page (303).  Returns 1
 * when the response was written (that, or an error), 0 to go on. */
static int once_used(struct req *r, const struct once *o)
{
    struct err e = {0};
    int64_t id;
    const unsigned char *sealed = NULL;
    size_t nsealed = 0;
    int found = 0;
    char token[TOKEN_LEN];
    if (db_form_token_get(web_db(r), r->arena, o->hash, &id, &sealed, &nsealed, &found, &e) !=
        E_OK) {
        web_fail(r, &e);
        return 1;
    }
    if (!found)
        return 0;
    web_private(r);
    if (token_unseal(sealed, nsealed, o->seal, token) < 0) {
        problem(r, 409, "This form was sent already",
                "This booking form was sent already and made a booking; its confirmation "
                "went to the e-mail address given.",
                "/book", "Book another appointment");
        return 1;
    }
    form_see_other(r, arena_printf(r->arena, "/a/%s?booked=1", token));
    return 1;
}

/* Inside the booking's transaction: records the form token with its booking;
 * E_CONFLICT ("form_used") when the same form booked a moment ago. */
static enum err_code once_store(void *ctx, struct db *db, int64_t id, struct err *e)
{
    struct once *o = ctx;
    unsigned char sealed[TOKEN_SEALED_LEN];
    int added = 0;
    int64_t now = clock_now();
    enum err_code rc = db_purge_expired(db, now - FORM_TOKEN_TTL, e);
    if (rc != E_OK)
        return rc;
    token_seal(o->token, o->seal, sealed);
    if ((rc = db_form_token_add(db, o->hash, id, sealed, sizeof sealed, now, &added, e)) != E_OK)
        return rc;
    if (!added) {
        err_set(e, E_CONFLICT, "This form booked a moment ago.");
        e->problem = "form_used";
        return E_CONFLICT;
    }
    return E_OK;
}

/* Inside the booking's transaction: the form's token (once_store), then
 * the gift card's code, which pays the visit ahead (svc/prepaid). */
struct inside {
    struct once *once;
    const char *gift;
    struct actor who;
    int64_t price;
    const char *currency;
    int64_t paid;
};

static enum err_code inside_book(void *ctx, struct db *db, int64_t id, struct err *e)
{
    struct inside *in = ctx;
    enum err_code rc = in->once ? once_store(in->once, db, id, e) : E_OK;
    if (rc == E_OK && in->gift)
        rc = prepaid_gift_prepay(db, &in->who, id, 0, in->gift, in->price, in->currency,
                                 clock_now(), &in->paid, e);
    return rc;
}

void book_submit(struct req *r)
{
    const char *service, *therapist, *start_s;
    struct form f = {0};
    struct sched s;
    struct err e = {0};
    struct appointment ap;
    char token[TOKEN_LEN];
    int64_t start;

    if (param(r, &r->form, "service", &service) < 0 ||
        param(r, &r->form, "therapist", &therapist) < 0 ||
        param(r, &r->form, "start", &start_s) < 0 || param(r, &r->form, "name", &f.name) < 0 ||
        param(r, &r->form, "email", &f.email) < 0 || param(r, &r->form, "phone", &f.phone) < 0 ||
        param(r, &r->form, "note", &f.note) < 0 || param(r, &r->form, "once", &f.once) < 0 ||
        param(r, &r->form, "texts", &f.texts) < 0 || param(r, &r->form, "gift", &f.gift) < 0)
        return;
    if (f.texts && strcmp(f.texts, "yes") != 0) {
        bad_param(r, "texts", "the reminder-by-text box is damaged; please open the booking page"
                              " again.");
        return;
    }
    struct once once;
    if (f.once && !token_valid(f.once)) {
        bad_param(r, "once", "the form is damaged; please open the booking page again.");
        return;
    }
    if (f.once) {
        once_init(&once, f.once);
        if (once_used(r, &once))
            return;
    }
    if (!service) {
        bad_param(r, "service", "the form did not say which service to book.");
        return;
    }
    if (!start_s) {
        bad_param(r, "start", "the form did not say which time to book.");
        return;
    }
    if (parse_start(r, start_s, &start) < 0)
        return;
    if (!therapist)
        therapist = "any";
    int64_t loc = 0;
    if (loc_arg(r) && num_parse_i64(loc_arg(r), 1, INT64_MAX, &loc) < 0) {
        bad_param(r, "location", "the form named a location that is not a number.");
        return;
    }
    if (load(r, loc, service, therapist, &s) < 0)
        return;

    f.err_name = booking_check_name(f.name);
    f.err_email = booking_check_email(f.email);
    f.err_phone = booking_check_phone(f.phone ? f.phone : "");
    f.err_note = booking_check_notes(f.note ? f.note : "");
    if (f.err_name || f.err_email || f.err_phone || f.err_note) {
        step_details(r, &s, therapist, start, &f, NULL, 422);
        return;
    }

    if (throttle_refuse(r, THROTTLE_BOOK, f.email) ||
        (f.gift && throttle_refuse(r, THROTTLE_GIFT_CODE, NULL)))
        return;
    struct sched_client cl = {.name = f.name, .email = f.email, .phone = f.phone ? f.phone : "",
                              .notes = f.note ? f.note : "", .sms_consent = f.texts != NULL};
    /* a package credit pays only for the client signed in with the proven
     * address the booking is made for (a name and an e-mail prove nothing) */
    if (account_authorize(r, AUTH_CLIENT) == 0 && r->user && r->role == AUTH_CLIENT &&
        strcasecmp(r->user->email, f.email) == 0)
        cl.use_credit = 1;
    struct client_booking other = {0};
    cl.overlap = &other;
    int who = strcmp(therapist, "any") == 0 ? -1 : sched_therapist_index(&s, therapist);
    once.token = token;
    struct inside in = {.once = f.once ? &once : NULL,
                        .gift = f.gift,
                        .who = proof_actor(r, PROOF_MANAGE_LINK),
                        .price = s.service.price_cents,
                        .currency = r->app->cfg.currency};
    if (sched_book_with(web_db(r), r->arena, &s, clock_now(), start, who, &cl,
                        (f.once || f.gift) ? inside_book : NULL, &in, &ap, token, &e) == E_OK) {
        throttle_note(r, THROTTLE_BOOK, f.email);
        web_private(r);
        form_see_other(r, arena_printf(r->arena, "/a/%s?booked=1", token));
        return;
    }
    if (f.once && e.problem && strcmp(e.problem, "form_used") == 0 && once_used(r, &once))
        return;
    if (f.gift && e.code == E_UNPROCESSABLE && !e.problem) {
        /* the gift card refused (expired, spent): nothing was booked */
        f.error = arena_printf(r->arena, "Nothing was booked: %s Leave the code out to book "
                               "and pay at the clinic.", e.msg);
        step_details(r, &s, therapist, start, &f, NULL, 422);
        return;
    }
    if (f.gift && e.problem && strcmp(e.problem, "gift_code_unknown") == 0) {
        throttle_note(r, THROTTLE_GIFT_CODE, NULL);
        f.error = arena_printf(r->arena, "Nothing was booked: %s Leave the code out to book "
                               "and pay at the clinic.", e.msg);
        step_details(r, &s, therapist, start, &f, NULL, 422);
        return;
    }

    struct dt_date d = when_local_date(s.tz, start);
    const char *times = urlf(r, "/book", "location", loc_arg(r), "service", service, "therapist", therapist, "date",
                             when_date_param(r->arena, d), NULL);
    if (e.problem && strcmp(e.problem, "slot_unavailable") == 0) {
        struct sched_day day;
        int open;
        if (find_slot(r, &s, start, 0, &day, &open) < 0)
            return;
        json_t *alts = alternatives(r, s.tz, &day, start);
        int more = json_array_size(alts) > 0;
        f.error =
            arena_printf(r->arena,
                         "Sorry, %s on %s was just taken by someone else. Your details "
                         "are kept: %s",
                         when_clock(s.tz, r->arena, start, 0), when_date_medium(r->arena, d),
                         more ? "choose another time below, or see all times."
                              : "no other time is left that day; please choose another day.");
        f.error_url = times;
        f.error_link = more ? "See the times of that day" : "Choose another day";
        step_details(r, &s, therapist, start, &f, alts, 409);
    } else if (e.problem && (strcmp(e.problem, "too_soon") == 0 ||
                             strcmp(e.problem, "in_past") == 0 ||
                             strcmp(e.problem, "too_far") == 0)) {
        f.error = unbookable_reason(r, &s, start);
        f.error_url = times;
        f.error_link = "Choose another time";
        step_details(r, &s, therapist, start, &f, NULL, 422);
    } else if (e.problem && strcmp(e.problem, "client_overlap") == 0) {
        /* the other booking by its service and time only (see check_client
         * in web/sched.c): whoever typed the address has not proven it */
        f.error = arena_printf(r->arena,
                               "You already have an appointment at that time: %s on %s, %s. "
                               "One person can hold one place at a time; to change it, use the "
                               "link in its confirmation e-mail, or choose another time.",
                               other.service_name,
                               when_date_medium(r->arena, when_local_date(s.tz, other.start)),
                               when_range(s.tz, r->arena, other.start, other.end));
        f.error_url = times;
        f.error_link = "Choose another time";
        step_details(r, &s, therapist, start, &f, NULL, 409);
    } else if (e.problem && strcmp(e.problem, "invalid_client") == 0) {
        f.error = e.msg;
        step_details(r, &s, therapist, start, &f, NULL, 422);
    } else {
        web_fail(r, &e);
    }
}

/* ---- the manage pages ------------------------------------------------------ */

static void appt_not_found(struct req *r)
{
    problem(r, 404, "We could not find this appointment",
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
    set_str(a, "service", ap->service_name);
    set_str(a, "therapist", ap->therapist_name);
    set_str(a, "room", ap->room_name);
    set_str(a, "date_label", when_date_long(r->arena, when_local_date(tz, ap->start)));
    set_str(a, "time_label", when_range(tz, r->arena, ap->start, ap->end));
    set_str(a, "start", web_time_in(r, tz, ap->start));
    set_str(a, "end", web_time_in(r, tz, ap->end));
    appt_where(r, ap, a);
    set_str(a, "status", ap->status);
    set_str(a, "status_label", status_label(ap));
    set_str(a, "client_name", ap->client_name);
    json_object_set_new(a, "booked", json_boolean(strcmp(ap->status, "booked") == 0));
    json_object_set_new(a, "cancelled", json_boolean(strcmp(ap->status, "cancelled") == 0));
    json_object_set_new(a, "can_change", json_boolean(can_change(ap)));
    json_object_set_new(a, "ahead", json_boolean(intake_appt_ahead(ap)));
    json_object_set_new(ctx, "appt", a);
    set_str(ctx, "manage_path", path);
    set_str(ctx, "manage_url", arena_printf(r->arena, "%s%s", web_origin(r), path));
    set_str(ctx, "ics_url", arena_printf(r->arena, "%s/calendar.ics", path));
    set_str(ctx, "cancel_url", arena_printf(r->arena, "%s/cancel", path));
    set_str(ctx, "move_url", arena_printf(r->arena, "%s/move", path));
    return ctx;
}

/* The booking rules of the appointment's service (the clinic's if it is gone). */
static struct booking_rules appt_rules(struct req *r, const struct appointment *ap)
{
    struct err e = {0};
    struct service sv;
    struct booking_rules cfg = app_booking_rules(r->app), clinic;
    if (sched_rules(web_db(r), r->arena, r->app->sched, &cfg, &clinic, &e) != E_OK)
        clinic = cfg; /* the store failed; the service lookup below reports it */
    if (db_service(web_db(r), r->arena, ap->service_id, &sv, &e) != E_OK)
        return clinic;
    return booking_rules_for(&clinic, sv.min_notice_minutes, sv.horizon_days,
                             sv.late_cancel_hours);
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
    if (sched_service_rules(web_db(r), r->arena, r->app->sched, &cfg, ap->service_id, &sv,
                            &found, &rules, &e) != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    const struct tz *tz = web_zone(r, ap->location_id);
    const char *address = appt_address(r, ap);
    json_t *a = json_object_get(ctx, "appt");
    set_str(a, "when_words", when_relative(tz, r->arena, ap->start));
    if (found)
        set_str(a, "price", web_price(r, sv.price_cents));
    const char *where = arena_printf(r->arena, "%s, %s", c->name, address);
    struct links_event ev = {ap->start, ap->end,
                             arena_printf(r->arena, "%s with %s", ap->service_name,
                                          ap->therapist_name),
                             arena_printf(r->arena, "%s with %s at %s. To move or cancel, use "
                                                    "the link in your confirmation e-mail. "
                                                    "Questions? Call %s.",
                                          ap->service_name, ap->therapist_name, c->name,
                                          c->phone),
                             where};
    struct sb b = SB_INIT;
    links_map(&b, address);
    set_str(ctx, "map_url", b.buf);
    sb_reset(&b);
    links_google_calendar(&b, &ev);
    set_str(ctx, "google_url", b.buf);
    sb_reset(&b);
    links_outlook_calendar(&b, &ev);
    set_str(ctx, "outlook_url", b.buf);
    sb_release(&b);
    add_policy(r, ctx, tz, &rules, ap->start);
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
    if (flag(r, "booked") && booked)
        json_object_set_new(ctx, "just_booked", json_true());
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
        notes_manage_context(r, &ap, via, ctx) < 0)
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
    ev.description = arena_printf(r->arena,
                                  "%s with %s in the %s at %s.\n"
                                  "To move or cancel: %s\n"
                                  "Questions? Call %s.",
                                  ap.service_name, ap.therapist_name, ap.room_name, c->name,
                                  manage, c->phone);
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
    resp_header(r, "Content-Disposition",
                arena_printf(r->arena, "attachment; filename=\"appointment-%lld.ics\"",
                             (long long)ap.id));
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
    set_str(ctx, "csrf", web_csrf(r));
    if (error)
        set_str(ctx, "error", error);
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
    struct pick p = {s, base, NULL, therapist, ap->id};
    struct sched all;
    struct err e = {0};
    /* the booked therapist first (the default), then the others who offer
     * the service, then any: a change is a choice the client makes */
    json_t *choices = json_array();
    json_array_append_new(
        choices, json_pack("{s:s, s:s, s:b}", "label",
                           arena_printf(r->arena, "%s (your therapist)", ap->therapist_name),
                           "url", urlf(r, base, "therapist", ap->therapist_id, NULL), "current",
                           strcmp(therapist, ap->therapist_id) == 0));
    struct booking_rules cfg = app_booking_rules(r->app);
    if (sched_load_at(web_db(r), r->arena, r->app->sched, r->app->tz, &cfg, ap->location_id,
                      ap->service_id, "any", &all, &e) == E_OK) {
        for (size_t i = 0; i < all.ntherapists; i++)
            if (strcmp(all.therapists[i].id, ap->therapist_id) != 0)
                json_array_append_new(
                    choices, json_pack("{s:s, s:s, s:b}", "label", all.therapists[i].name, "url",
                                       urlf(r, base, "therapist", all.therapists[i].id, NULL),
                                       "current", strcmp(therapist, all.therapists[i].id) == 0));
    } else {
        log_warn("move choices of appointment %lld: %s", (long long)ap->id, e.msg);
    }
    json_array_append_new(choices, json_pack("{s:s, s:s, s:b}", "label", "Any therapist", "url",
                                             urlf(r, base, "therapist", "any", NULL), "current",
                                             strcmp(therapist, "any") == 0));
    json_object_set_new(ctx, "choices", choices);
    if (strcmp(therapist, ap->therapist_id) != 0)
        set_str(ctx, "other_therapist", strcmp(therapist, "any") == 0
                                            ? "any available therapist"
                                            : therapist_name(s, therapist));
    if (error)
        set_str(ctx, "error", error);
    if (start) {
        int64_t end = start + (int64_t)s->service.duration_min * 60;
        json_t *c = json_object();
        set_str(c, "start", web_time_in(r, s->tz, start));
        set_str(c, "therapist", therapist);
        const char *who = strcmp(therapist, "any") == 0 ? "Any available therapist"
                                                        : therapist_name(s, therapist);
        set_str(c, "therapist_label", who ? who : ap->therapist_name);
        if (strcmp(therapist, ap->therapist_id) != 0) {
            json_object_set_new(c, "changed", json_true());
            set_str(c, "was", ap->therapist_name);
        }
        set_str(c, "date_label", when_date_long(r->arena, when_local_date(s->tz, start)));
        set_str(c, "time_label", when_range(s->tz, r->arena, start, end));
        set_str(c, "back_url",
                urlf(r, base, "therapist", therapist, "date",
                     when_date_param(r->arena, when_local_date(s->tz, start)), NULL));
        json_object_set_new(ctx, "confirm", c);
        set_str(ctx, "csrf", web_csrf(r));
    } else if (add_days(r, &p, ctx, want, notice) < 0) {
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
    if (param(r, &r->query, "therapist", &therapist) < 0 ||
        param(r, &r->query, "date", &date_s) < 0 || param(r, &r->query, "start", &start_s) < 0)
        return;
    if ((date_s && parse_date(r, date_s, &date) < 0) ||
        (start_s && parse_start(r, start_s, &start) < 0))
        return;
    move_therapist(&ap, &therapist);
    if (!can_change(&ap)) {
        json_t *ctx = manage_context(r, "Move your appointment", &ap, token);
        page_render(r, 200, "manage_move", ctx);
        return;
    }
    if (load(r, ap.location_id, ap.service_id, therapist, &s) < 0)
        return;
    if (start_s) {
        struct sched_day day;
        int open;
        if (find_slot(r, &s, start, ap.id, &day, &open) < 0)
            return;
        if (!open) {
            struct dt_date d = when_local_date(s.tz, start);
            move_page(r, &ap, token, &s, therapist, &d, 0, unbookable_reason(r, &s, start), NULL,
                      200);
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
    if (param(r, &r->form, "therapist", &therapist) < 0 ||
        param(r, &r->form, "start", &start_s) < 0)
        return;
    if (!start_s) {
        bad_param(r, "start", "the form did not say which time to move to.");
        return;
    }
    if (parse_start(r, start_s, &start) < 0)
        return;
    move_therapist(&ap, &therapist);
    if (load(r, ap.location_id, ap.service_id, therapist, &s) < 0)
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
                               when_clock(s.tz, r->arena, start, 0),
                               when_date_medium(r->arena, d)),
                  409);
    } else if (e.problem && strcmp(e.problem, "client_overlap") == 0) {
        /* the holder of this link already holds that time elsewhere */
        move_page(r, &ap, token, &s, therapist, &d, 0, NULL, e.msg, 409);
    } else if (e.problem && (strcmp(e.problem, "too_soon") == 0 ||
                             strcmp(e.problem, "in_past") == 0 ||
                             strcmp(e.problem, "too_far") == 0)) {
        move_page(r, &ap, token, &s, therapist, &d, 0, NULL, unbookable_reason(r, &s, start),
                  422);
    } else if (e.code == E_CONFLICT) {
        /* not movable any more (cancelled, or already begun) */
        json_t *ctx = manage_context(r, "Move your appointment", &ap, token);
        set_str(ctx, "error", e.msg);
        page_render(r, 409, "manage_move", ctx);
    } else {
        web_fail(r, &e);
    }
}

/* ---- "Next opening" on the public pages ------------------------------------ */

/* The next openings of every bookable service, with therapist ("any" when
 * NULL); see book_add_openings. */
static void add_openings(struct req *r, json_t *ctx, const char *therapist)
{
    struct err e = {0};
    struct service *sv;
    size_t n;
    struct booking_rules rules = app_booking_rules(r->app);
    json_t *services = json_object_get(ctx, "services");
    const char *who = therapist ? therapist : "any";

    if (db_services(web_db(r), r->arena, 1, &sv, &n, &e) != E_OK) {
        log_warn("next openings: %s", e.msg);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        struct sched s;
        struct avail_slot slot;
        int found = 0;
        enum err_code rc = sched_load_at(web_db(r), r->arena, r->app->sched, r->app->tz, &rules,
                                         loc_id(r), sv[i].id, who, &s, &e);
        if (rc != E_OK && e.problem && strcmp(e.problem, "unknown_therapist") == 0)
            continue; /* not offered by this therapist */
        if (rc != E_OK ||
            sched_next(web_db(r), r->arena, &s, clock_now(), &slot, &found, &e) != E_OK) {
            log_warn("next opening of %s: %s", sv[i].id, e.msg);
            continue;
        }
        json_t *o = json_pack("{s:s, s:s, s:i, s:b, s:s, s:b}", "service_id", sv[i].id, "name",
                              sv[i].name, "duration_minutes", sv[i].duration_min, "found", found,
                              "book_url", urlf(r, "/book", "location", loc_arg(r), "service", sv[i].id, NULL), "any",
                              therapist == NULL);
        if (found) {
            set_str(o, "label", when_relative(s.tz, r->arena, slot.start));
            set_str(o, "start", web_time_in(r, s.tz, slot.start));
            set_str(o, "url", urlf(r, "/book", "location", loc_arg(r), "service", sv[i].id, "therapist", who, "start",
                                   web_time_in(r, s.tz, slot.start), NULL));
        } else {
            json_object_set_new(o, "horizon_days", json_integer(s.rules.horizon_days));
        }
        for (size_t k = 0; json_is_array(services) && k < json_array_size(services); k++) {
            json_t *svc = json_array_get(services, k);
            const char *id = json_string_value(json_object_get(svc, "id"));
            if (id && strcmp(id, sv[i].id) == 0)
                json_object_set(svc, "opening", o);
        }
        json_array_append_new(list, o);
    }
    if (json_array_size(list))
        json_object_set_new(ctx, "openings", list);
    else
        json_decref(list);
}

void book_add_openings(struct req *r, json_t *ctx)
{
    add_openings(r, ctx, NULL);
}
