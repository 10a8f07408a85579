/* book — the booking pages.
 *
 * Every step is a full server-rendered page that works without JavaScript:
 * /book walks service → therapist → day and time → details with plain links
 * (the state lives in the query string, validated strictly on every step),
 * and the details form POSTs to /book.  The manage pages of one appointment
 * (/a/{token}) are manage.c; the helpers both use are declared in
 * book_int.h and defined here.
 *
 * Handlers parse, call sched/store/core and render.  No rule lives here:
 * notice, horizon, late cancellation and what a client must give come from
 * core/booking; which times are free from sched (core/avail). */
#include "web/book.h"
#include "web/book_int.h"

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
#include "web/form.h"
#include "web/page.h"
#include "web/pay.h"
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

void book_set_str(json_t *o, const char *key, const char *val)
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
const char *book_urlf(struct req *r, const char *path, ...)
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
void book_problem(struct req *r, int status, const char *heading, const char *msg,
                  const char *action_url, const char *action_label)
{
    json_t *ctx = page_context(r, heading, NULL, NULL);
    json_object_set_new(ctx, "status", json_integer(status));
    book_set_str(ctx, "heading", heading);
    book_set_str(ctx, "message", msg);
    if (action_url) {
        book_set_str(ctx, "action_url", action_url);
        book_set_str(ctx, "action_label", action_label);
    }
    page_render(r, status, "book/problem", ctx);
}

void book_bad_param(struct req *r, const char *name, const char *what)
{
    book_problem(r, 400, "That link does not work",
                 arena_printf(r->arena, "The value of '%s' is not right: %s", name, what), "/book",
                 "Start booking again");
}

/* One parameter of l: NULL when absent or empty.  A repeated one is a 400
 * page.  Returns 0, or -1 with the response written. */
int book_param(struct req *r, const struct kvlist *l, const char *name, const char **out)
{
    *out = NULL;
    if (kv_count(l, name) > 1) {
        book_bad_param(r, name, "it is given more than once.");
        return -1;
    }
    const char *v = kv_get(l, name);
    if (v && *v)
        *out = v;
    return 0;
}

int book_parse_date(struct req *r, const char *s, struct dt_date *d)
{
    if (dt_parse_date(s, d) == 0)
        return 0;
    book_bad_param(r, "date", "a day is written like 2026-11-24.");
    return -1;
}

int book_parse_start(struct req *r, const char *s, int64_t *t)
{
    if (dt_parse_rfc3339(s, t, NULL) == 0)
        return 0;
    book_bad_param(r, "start", "a time is written like 2026-11-24T14:30:00-09:00.");
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
int book_load(struct req *r, int64_t loc, const char *service, const char *therapist,
              struct sched *s)
{
    struct err e = {0};
    struct booking_rules rules = app_booking_rules(r->app);
    enum err_code rc = sched_load_at(web_db(r), r->arena, r->app->sched, r->app->tz, &rules, loc,
                                     service, therapist, s, &e);
    if (rc == E_OK)
        return 0;
    if (e.problem && strcmp(e.problem, "archived_location") == 0) {
        book_problem(r, 404, "We no longer book at this location",
                     arena_printf(r->arena, "%s Choose where you would like to come.", e.msg),
                     "/book", "Choose a location");
    } else if (e.problem && strcmp(e.problem, "unknown_location") == 0) {
        book_problem(r, 404, "We have no such location",
                     "This link names a location of ours that does not exist (any more). Choose "
                     "where you would like to come.",
                     "/book", "Choose a location");
    } else if (e.problem && strcmp(e.problem, "unknown_service") == 0) {
        book_problem(r, 404, "We have no such service",
                     arena_printf(r->arena,
                                  "We do not offer a service called “%s” (any more). Choose one of "
                                  "our services to book.",
                                  shorten(r, service, SHOW_MAX)),
                     "/book", "Choose a service");
    } else if (e.problem && strcmp(e.problem, "unknown_therapist") == 0) {
        struct therapist t;
        struct err e2 = {0};
        int exists = db_therapist(web_db(r), r->arena, therapist, &t, &e2) == E_OK && t.active;
        book_problem(r, 404, exists ? "Not offered by this therapist" : "We have no such therapist",
                     exists
                         ? arena_printf(r->arena,
                                        "%s does not offer %s. Choose another therapist, or any "
                                        "therapist.",
                                        t.name, s->service.name)
                         : arena_printf(r->arena,
                                        "No therapist called “%s” works at the clinic. Choose one "
                                        "of our therapists, or any therapist.",
                                        shorten(r, therapist, SHOW_MAX)),
                     book_urlf(r, "/book", "location", loc_arg(r), "service", service, NULL),
                     "Choose a therapist");
    } else {
        web_fail(r, &e);
    }
    return -1;
}

/* The name of therapist id in s, or NULL. */
const char *book_therapist_name(const struct sched *s, const char *id)
{
    int i = id ? sched_therapist_index(s, id) : -1;
    return i >= 0 ? s->therapists[i].name : NULL;
}

/* ---- the day strip and a day's times (booking and moving) ----------------- */

static const char *pick_url(struct req *r, const struct book_pick *p, const char *key,
                            const char *val)
{
    return book_urlf(r, p->base, "location", p->moving ? NULL : loc_arg(r), "service", p->service,
                     "therapist", p->therapist, key, val, NULL);
}

/* The day's slots as groups (morning, afternoon, evening) of links. */
static json_t *slot_groups(struct req *r, const struct book_pick *p, const struct sched_day *day)
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
int book_add_days(struct req *r, const struct book_pick *p, json_t *ctx, const struct dt_date *want,
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
            book_set_str(day, "url", pick_url(r, p, "date", when_date_param(r->arena, d)));
        json_array_append_new(list, day);
    }
    json_t *strip = json_pack("{s:o}", "days", list);
    struct dt_date later = dt_date_add(from, STRIP_DAYS);
    if (tz_day_start(tz, later) <= booking_latest(&p->s->rules, now))
        book_set_str(strip, "later_url", pick_url(r, p, "date", when_date_param(r->arena, later)));
    if (days_between(today, from) > 0) {
        struct dt_date earlier = dt_date_add(from, -STRIP_DAYS);
        book_set_str(strip, "earlier_url",
                     days_between(today, earlier) >= STRIP_DAYS
                         ? pick_url(r, p, "date", when_date_param(r->arena, earlier))
                         : pick_url(r, p, NULL, NULL));
    }
    book_set_str(strip, "range",
                 arena_printf(r->arena, "%s – %s", when_date_short(r->arena, from),
                              when_date_short(r->arena, dt_date_add(from, STRIP_DAYS - 1))));
    book_set_str(strip, "zone_label", zone_label(r, web_location_timezone(r, &p->s->location)));
    json_object_set_new(ctx, "strip", strip);

    if (notice)
        book_set_str(ctx, "notice", notice);
    else if (past)
        book_set_str(ctx, "notice", "That day has passed. Choose one of the days below.");
    if (!any)
        book_set_str(ctx, "none", "There are no openings in these two weeks.");
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
int book_find_slot(struct req *r, const struct sched *s, int64_t start, int64_t moving,
                   struct sched_day *day, int *open)
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
const char *book_unbookable_reason(struct req *r, const struct sched *s, int64_t start)
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
        book_set_str(n, "label", when_relative(tz, r->arena, slot->start));
        book_set_str(n, "start", web_time_in(r, tz, slot->start));
        book_set_str(n, "url",
                     book_urlf(r, "/book", "location", loc_arg(r), "service", sv->id, "therapist",
                               therapist, "start", web_time_in(r, tz, slot->start), NULL));
    } else {
        json_object_set_new(n, "horizon_days", json_integer(horizon_days));
    }
    json_object_set_new(o, "next", n);
}

static void add_openings(struct req *r, json_t *ctx, const char *therapist);

/* ctx.policy: the cancellation policy of an appointment at start in words:
 * how late is late (hours, and the moment for this time) and whether that
 * moment has passed already. */
void book_add_policy(struct req *r, json_t *ctx, const struct tz *tz,
                     const struct booking_rules *rules, int64_t start)
{
    int64_t from = start - (int64_t)rules->late_cancel_hours * 3600;
    json_t *p = json_pack("{s:i, s:b}", "late_hours", rules->late_cancel_hours, "late_already",
                          from <= clock_now());
    book_set_str(p, "late_from",
                 arena_printf(r->arena, "%s at %s",
                              when_date_long(r->arena, when_local_date(tz, from)),
                              when_clock(tz, r->arena, from, 0)));
    json_object_set_new(ctx, "policy", p);
}

/* o.where: the location of a booking (its name is shown when the clinic
 * has more than one), its address and its zone as people name it. */
void book_put_where(struct req *r, json_t *o, const struct location *l, size_t nlocations)
{
    json_object_set_new(o, "where",
                        json_pack("{s:b, s:s, s:s, s:s}", "multi", nlocations > 1, "name", l->name,
                                  "address", web_location_address(r, l), "zone_label",
                                  zone_label(r, web_location_timezone(r, l))));
}

static void add_where(struct req *r, json_t *ctx, const struct sched *s)
{
    book_put_where(r, ctx, &s->location, s->nlocations);
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
        book_bad_param(r, "location",
                       "a location is named by its number, as in the links of /book.");
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
        book_put_where(r, o, l, su.nlocations);
        const char *id_s = arena_printf(r->arena, "%lld", (long long)l->id);
        book_set_str(o, "url",
                     book_urlf(r, "/book", "location", id_s, "service", service, "therapist",
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
            book_problem(r, 404, "We have no such therapist",
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
        book_set_str(s, "url",
                     book_urlf(r, "/book", "location", loc_arg(r), "service", sv[i].id, "therapist",
                               therapist, NULL));
        json_array_append_new(list, s);
    }
    json_object_set_new(ctx, "services", list);
    add_openings(r, ctx, therapist);
    if (therapist) {
        book_set_str(ctx, "therapist_name", t.name);
        book_set_str(ctx, "all_url", "/book");
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
    book_set_str(o, "monogram", mono);
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
                               book_urlf(r, "/book", "location", loc_arg(r), "service",
                                         s->service.id, "therapist", "any", NULL),
                               "any", 1);
    json_array_append_new(list, anyone);
    int64_t now = clock_now(), first = 0;
    for (size_t i = 0; i < s->ntherapists; i++) {
        const struct therapist *t = &s->therapists[i];
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "name", t->name, "title", t->title,
                              "bio", t->bio ? t->bio : "", "photo", t->photo ? t->photo : "",
                              "photo_alt", t->photo_alt ? t->photo_alt : "", "url",
                              book_urlf(r, "/book", "location", loc_arg(r), "service",
                                        s->service.id, "therapist", t->id, NULL));
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
    book_set_str(ctx, "back_url", "/book");
    page_render(r, 200, "book/therapist", ctx);
}

/* Step 3: the day strip and the times of one day. */
static void step_times(struct req *r, const struct sched *s, const char *therapist,
                       const struct dt_date *want, const char *notice, int status)
{
    struct book_pick p = {s, "/book", s->service.id, therapist, 0};
    json_t *ctx = page_context(r, "Book online: choose a day and time", NULL, NULL);
    const char *who = strcmp(therapist, "any") == 0 ? NULL : book_therapist_name(s, therapist);
    json_object_set_new(ctx, "service", service_json(r, &s->service));
    book_set_str(ctx, "therapist_label", who ? who : "Any therapist");
    book_set_str(ctx, "therapist_url",
                 book_urlf(r, "/book", "location", loc_arg(r), "service", s->service.id, NULL));
    if (book_add_days(r, &p, ctx, want, notice) < 0)
        return;
    book_set_str(ctx, "waitlist_url",
                 book_urlf(r, "/waitlist", "service", s->service.id, "therapist", therapist, "date",
                           want ? when_date_param(r->arena, *want) : NULL, NULL));
    page_render(r, status, "book/times", ctx);
}

/* What the details form holds and what is wrong with it. */
struct form {
    const char *once; /* the form's one-time token (see book_submit) */
    const char *name, *email, *phone, *note;
    const char *texts; /* "yes": reminders by text asked for */
    const char *gift;  /* a gift card's code: it pays the visit ahead */
    const char *err_name, *err_email, *err_phone, *err_note, *err_fees;
    const char *fees_words; /* the late-cancel and no-show fees in words, or NULL */
    const char *error;              /* at the top of the form */
    const char *error_url, *error_link;
};

/* The service's late-cancel and no-show fees in words (*words NULL when it
 * has none) and, when ag is not NULL, as an agreement to store.  Returns 0,
 * or -1 with the response written. */
static int fees_words(struct req *r, const struct service *sv, int late_hours, const char **words,
                      struct fee_agreement *ag)
{
    struct service_fees f;
    struct err e = {0};
    *words = NULL;
    if (db_service_fees(web_db(r), r->arena, sv->id, &f, &e) != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    int64_t late = pay_fee_cents(f.late_kind, f.late_value, f.price);
    int64_t noshow = pay_fee_cents(f.noshow_kind, f.noshow_value, f.price);
    if (late <= 0 && noshow <= 0)
        return 0;
    const char *l = late > 0 ? arena_printf(r->arena,
                                            "Cancelling less than %d hours before the start "
                                            "costs a late-cancellation fee of %s. ",
                                            late_hours, web_price(r, (int)late))
                             : "";
    const char *n = noshow > 0 ? arena_printf(r->arena,
                                              "Missing the appointment without cancelling "
                                              "costs a no-show fee of %s. ",
                                              web_price(r, (int)noshow))
                               : "";
    *words = arena_printf(r->arena,
                          "%s%sA fee is charged to the card kept on file with our payment "
                          "provider, or else added to your balance with us.",
                          l, n);
    if (ag)
        *ag = (struct fee_agreement){late > 0 ? late : 0, noshow > 0 ? noshow : 0, *words, 0};
    return 0;
}

int book_needs_form(struct req *r, const struct sched *s)
{
    const char *words = NULL;
    int64_t deposit = 0;
    int card = 0;
    if (fees_words(r, &s->service, s->rules.late_cancel_hours, &words, NULL) < 0 ||
        pay_booking_deposit(r, s->service.id, &deposit, &card) < 0)
        return -1;
    return words != NULL || card;
}

/* Step 4: the details form for start (re-shown after a refused POST with
 * the values typed and the messages; alternatives: other times that day). */
static void step_details(struct req *r, const struct sched *s, const char *therapist,
                         int64_t start, const struct form *f, json_t *alternatives, int status)
{
    const char *who = strcmp(therapist, "any") == 0 ? NULL : book_therapist_name(s, therapist);
    struct dt_date d = when_local_date(s->tz, start);
    int64_t end = start + (int64_t)s->service.duration_min * 60;
    json_t *ctx = page_context(r, "Book online: your details", NULL, NULL);

    json_object_set_new(ctx, "service", service_json(r, &s->service));
    book_set_str(ctx, "therapist", therapist);
    book_set_str(ctx, "therapist_label", who ? who : "Any available therapist");
    book_set_str(ctx, "start", web_time_in(r, s->tz, start));
    book_set_str(ctx, "date_label", when_date_long(r->arena, d));
    book_set_str(ctx, "time_label", when_range(s->tz, r->arena, start, end));
    book_set_str(ctx, "times_url",
                 book_urlf(r, "/book", "location", loc_arg(r), "service", s->service.id,
                           "therapist", therapist, "date", when_date_param(r->arena, d), NULL));
    book_set_str(ctx, "therapist_url",
                 book_urlf(r, "/book", "location", loc_arg(r), "service", s->service.id, NULL));
    book_set_str(ctx, "csrf", web_csrf(r));
    if (f->once) {
        book_set_str(ctx, "once", f->once);
    } else {
        char once[TOKEN_LEN];
        token_new(once, NULL);
        book_set_str(ctx, "once", once);
    }
    json_object_set_new(ctx, "late_hours", json_integer(s->rules.late_cancel_hours));
    book_add_policy(r, ctx, s->tz, &s->rules, start);
    add_where(r, ctx, s);
    book_set_str(ctx, "location", loc_arg(r));
    json_object_set_new(ctx, "form",
                        json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "name",
                                  f->name ? f->name : "", "email", f->email ? f->email : "",
                                  "phone", f->phone ? f->phone : "", "note",
                                  f->note ? f->note : "", "texts", f->texts != NULL, "gift",
                                  f->gift ? f->gift : ""));
    json_t *errors = json_object();
    if (f->err_name)
        book_set_str(errors, "name", f->err_name);
    if (f->err_email)
        book_set_str(errors, "email", f->err_email);
    if (f->err_phone)
        book_set_str(errors, "phone", f->err_phone);
    if (f->err_note)
        book_set_str(errors, "note", f->err_note);
    if (f->err_fees)
        book_set_str(errors, "agree_fees", f->err_fees);
    json_object_set_new(ctx, "errors", errors);
    const char *words = f->fees_words;
    if (!words && fees_words(r, &s->service, s->rules.late_cancel_hours, &words, NULL) < 0)
        return;
    if (words)
        json_object_set_new(ctx, "fees", json_pack("{s:s}", "words", words));
    int64_t deposit = 0;
    int card = 0;
    if (pay_booking_deposit(r, s->service.id, &deposit, &card) < 0)
        return;
    if (card)
        book_set_str(ctx, "deposit_words",
                deposit > 0
                    ? arena_printf(r->arena,
                                   "A deposit of %s is paid when you book, on our payment "
                                   "provider's secure page (we never see your card). Your time "
                                   "is held for %d minutes until it is paid.",
                                   web_price(r, (int)deposit), r->app->cfg.payments_hold_minutes)
                    : arena_printf(r->arena,
                                   "A card is kept on file when you book, on our payment "
                                   "provider's secure page (we never see your card). Your time "
                                   "is held for %d minutes until it is added.",
                                   r->app->cfg.payments_hold_minutes));
    int nerr = (f->err_name != NULL) + (f->err_email != NULL) + (f->err_phone != NULL) +
               (f->err_note != NULL) + (f->err_fees != NULL);
    if (f->error) {
        book_set_str(ctx, "error", f->error);
        if (f->error_url) {
            book_set_str(ctx, "error_url", f->error_url);
            book_set_str(ctx, "error_link", f->error_link);
        }
    } else if (nerr) {
        book_set_str(ctx, "error",
                     nerr == 1 ? "Please correct the field marked below."
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
    if (book_param(r, &r->query, "service", &service) < 0 ||
        book_param(r, &r->query, "therapist", &therapist) < 0 ||
        book_param(r, &r->query, "date", &date_s) < 0 ||
        book_param(r, &r->query, "start", &start_s) < 0)
        return;
    if (date_s && book_parse_date(r, date_s, &date) < 0)
        return;
    if (start_s && book_parse_start(r, start_s, &start) < 0)
        return;
    if (step_location(r, service, therapist))
        return;
    if (!service) {
        step_service(r, therapist);
        return;
    }
    if (book_load(r, loc_id(r), service, therapist, &s) < 0)
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
    if (book_find_slot(r, &s, start, 0, &day, &open) < 0)
        return;
    if (!open) {
        struct dt_date d = when_local_date(s.tz, start);
        step_times(r, &s, therapist, &d, book_unbookable_reason(r, &s, start), 200);
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

void book_once_init(struct book_once *o, const char *form_token)
{
    const void *parts[1] = {form_token};
    const size_t lens[1] = {strlen(form_token)};
    token_hash(form_token, o->hash);
    token_seal_key(o->seal, "knead book form seal", 1, parts, lens);
}

/* When the form token booked already: its booking's page (303).  Returns 1
 * when the response was written (that, or an error), 0 to go on. */
int book_once_used(struct req *r, const struct book_once *o)
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
        book_problem(r, 409, "This form was sent already",
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
enum err_code book_once_store(void *ctx, struct db *db, int64_t id, struct err *e)
{
    struct book_once *o = ctx;
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

/* What a booking stores in its transaction besides the appointment: the
 * form's token (once), the gift card's code, which pays the visit ahead
 * (svc/prepaid), and, when the service asks a deposit or a card, the
 * checkout that holds the slot until the provider confirms. */
struct book_inside {
    struct book_once *once; /* NULL = no form token */
    struct req *r;
    int64_t deposit;
    int card;
    const char *service_name;
    int64_t checkout_id;
    const struct fee_agreement *fees; /* agreed by the checkbox, or NULL */
    const char *gift;                 /* a gift card's code, or NULL */
    struct actor who;
    int64_t price;
    const char *currency;
    int64_t paid; /* what the gift card paid ahead */
};

static enum err_code book_inside(void *ctx, struct db *db, int64_t id, struct err *e)
{
    struct book_inside *in = ctx;
    enum err_code rc;
    if (in->once && (rc = book_once_store(in->once, db, id, e)) != E_OK)
        return rc;
    if (in->gift && (rc = prepaid_gift_prepay(db, &in->who, id, 0, in->gift, in->price,
                                              in->currency, clock_now(), &in->paid, e)) != E_OK)
        return rc;
    if (in->fees) {
        struct fee_agreement ag = *in->fees;
        ag.agreed_at = clock_now();
        if ((rc = db_fee_agreement_add(db, id, &ag, e)) != E_OK)
            return rc;
    }
    if (!in->card)
        return E_OK;
    struct appointment ap;
    if ((rc = db_appointment(db, in->r->arena, id, &ap, e)) != E_OK)
        return rc;
    struct pay_provider p = web_pay_provider(in->r);
    int64_t now = clock_now();
    struct pay_checkout_in ci = {
        .purpose = in->deposit > 0 ? "deposit" : "card",
        .appointment_id = id,
        .client_id = ap.client_id,
        .amount = in->deposit,
        .description = arena_printf(in->r->arena, "%s: %s", in->deposit > 0 ? "Deposit" : "Card on file",
                                    in->service_name),
        .hold_until = now + (int64_t)p.hold_minutes * 60};
    return pay_checkout_record(db, &p, &ci, now, &in->checkout_id, e);
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

    if (book_param(r, &r->form, "service", &service) < 0 ||
        book_param(r, &r->form, "therapist", &therapist) < 0 ||
        book_param(r, &r->form, "start", &start_s) < 0 ||
        book_param(r, &r->form, "name", &f.name) < 0 ||
        book_param(r, &r->form, "email", &f.email) < 0 ||
        book_param(r, &r->form, "phone", &f.phone) < 0 ||
        book_param(r, &r->form, "note", &f.note) < 0 ||
        book_param(r, &r->form, "once", &f.once) < 0 ||
        book_param(r, &r->form, "texts", &f.texts) < 0 ||
        book_param(r, &r->form, "gift", &f.gift) < 0)
        return;
    if (f.texts && strcmp(f.texts, "yes") != 0) {
        book_bad_param(r, "texts",
                       "the reminder-by-text box is damaged; please open the booking page"
                       " again.");
        return;
    }
    struct book_once once;
    if (f.once && !token_valid(f.once)) {
        book_bad_param(r, "once", "the form is damaged; please open the booking page again.");
        return;
    }
    if (f.once) {
        book_once_init(&once, f.once);
        if (book_once_used(r, &once))
            return;
    }
    if (!service) {
        book_bad_param(r, "service", "the form did not say which service to book.");
        return;
    }
    if (!start_s) {
        book_bad_param(r, "start", "the form did not say which time to book.");
        return;
    }
    if (book_parse_start(r, start_s, &start) < 0)
        return;
    if (!therapist)
        therapist = "any";
    int64_t loc = 0;
    if (loc_arg(r) && num_parse_i64(loc_arg(r), 1, INT64_MAX, &loc) < 0) {
        book_bad_param(r, "location", "the form named a location that is not a number.");
        return;
    }
    if (book_load(r, loc, service, therapist, &s) < 0)
        return;

    f.err_name = booking_check_name(f.name);
    f.err_email = booking_check_email(f.email);
    f.err_phone = booking_check_phone(f.phone ? f.phone : "");
    f.err_note = booking_check_notes(f.note ? f.note : "");
    struct fee_agreement agreed;
    if (fees_words(r, &s.service, s.rules.late_cancel_hours, &f.fees_words, &agreed) < 0)
        return;
    const char *agree = kv_get(&r->form, "agree_fees");
    if (f.fees_words && !(agree && strcmp(agree, "1") == 0))
        f.err_fees = "Please agree to the late-cancellation and no-show fees to book, or call us.";
    if (f.err_name || f.err_email || f.err_phone || f.err_note || f.err_fees) {
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
    struct actor by = proof_actor(r, cl.use_credit ? PROOF_EMAIL : PROOF_MANAGE_LINK);
    cl.by = &by;
    struct client_booking other = {0};
    cl.overlap = &other;
    int who = strcmp(therapist, "any") == 0 ? -1 : sched_therapist_index(&s, therapist);
    once.token = token;
    struct book_inside inside = {.once = f.once ? &once : NULL,
                                 .r = r,
                                 .service_name = s.service.name,
                                 .fees = f.fees_words ? &agreed : NULL,
                                 .gift = f.gift,
                                 .who = proof_actor(r, PROOF_MANAGE_LINK),
                                 .price = s.service.price_cents,
                                 .currency = r->app->cfg.currency};
    if (pay_booking_deposit(r, s.service.id, &inside.deposit, &inside.card) < 0)
        return;
    cl.held = inside.card; /* booked once the provider confirms: announced then */
    if (sched_book_with(web_db(r), r->arena, &s, clock_now(), start, who, &cl, book_inside,
                        &inside, &ap, token, &e) == E_OK) {
        throttle_note(r, THROTTLE_BOOK, f.email);
        if (inside.checkout_id) {
            pay_send_to_checkout(r, inside.checkout_id, token, f.email);
            return;
        }
        web_private(r);
        form_see_other(r, arena_printf(r->arena, "/a/%s?booked=1", token));
        return;
    }
    if (f.once && e.problem && strcmp(e.problem, "form_used") == 0 && book_once_used(r, &once))
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
    const char *times =
        book_urlf(r, "/book", "location", loc_arg(r), "service", service, "therapist", therapist,
                  "date", when_date_param(r->arena, d), NULL);
    if (e.problem && strcmp(e.problem, "slot_unavailable") == 0) {
        struct sched_day day;
        int open;
        if (book_find_slot(r, &s, start, 0, &day, &open) < 0)
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
        f.error = book_unbookable_reason(r, &s, start);
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
        json_t *o =
            json_pack("{s:s, s:s, s:i, s:b, s:s, s:b}", "service_id", sv[i].id, "name", sv[i].name,
                      "duration_minutes", sv[i].duration_min, "found", found, "book_url",
                      book_urlf(r, "/book", "location", loc_arg(r), "service", sv[i].id, NULL),
                      "any", therapist == NULL);
        if (found) {
            book_set_str(o, "label", when_relative(s.tz, r->arena, slot.start));
            book_set_str(o, "start", web_time_in(r, s.tz, slot.start));
            book_set_str(o, "url",
                         book_urlf(r, "/book", "location", loc_arg(r), "service", sv[i].id,
                                   "therapist", who, "start", web_time_in(r, s.tz, slot.start),
                                   NULL));
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
