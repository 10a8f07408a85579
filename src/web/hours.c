/* hours — a therapist's week, weekly hours and time off (/staff/week,
 * /staff/hours, /staff/time-off).
 *
 * What it must not do: silently drop booked appointments.  Every change is
 * checked, inside the writing transaction that saves it, against the
 * therapist's booked (or checked-in) appointments still to come; if any would
 * fall outside the new hours, into a new break or into the time off, nothing
 * is saved and the page lists them, with a box to confirm: saved again with
 * it ticked, the change goes through and the appointments stay booked.  Availability is not computed here: the
 * store's triggers move the clinic version, so /book and the API see a saved
 * change on their next request. */
#include "web/hours.h"

#include <stdio.h>
#include <string.h>

#include "app.h"
#include "core/auth.h"
#include "core/shift.h"
#include "core/tz.h"
#include "store/store.h"
#include "svc/booking.h"
#include "svc/when.h"
#include "util/clock.h"
#include "util/num.h"
#include "util/sb.h"
#include "view/esc.h"
#include "web/admin_locations.h"
#include "web/calgrid.h"
#include "web/chrome.h"
#include "web/page.h"

#define REASON_MAX 200
#define AHEAD_SECONDS (INT64_C(400) * 86400) /* beyond any booking horizon */

/* Monday first, as the week view shows it; weekday numbers as the store's. */
static const struct {
    int wd;
    const char *name;
} week_days[7] = {{1, "Monday"}, {2, "Tuesday"}, {3, "Wednesday"}, {4, "Thursday"},
                  {5, "Friday"}, {6, "Saturday"}, {0, "Sunday"}};

/* An appointment that still holds the therapist's time. */
static int holds_time(const struct appointment *a)
{
    return strcmp(a->status, "booked") == 0 || strcmp(a->status, "checked_in") == 0;
}

/* "8:00 AM" for minutes after local midnight (the one wording, svc/when). */
static const char *wall_clock(struct req *r, int min)
{
    return when_minutes(r->arena, min);
}

static const char *hhmm(struct req *r, int min)
{
    char buf[8];
    dt_format_hhmm(min, buf, sizeof buf);
    return arena_strdup(r->arena, buf);
}

static const char *url_part(struct req *r, const char *s)
{
    struct sb b = SB_INIT;
    esc_url_component(&b, s, strlen(s));
    const char *out = arena_strdup(r->arena, b.buf);
    sb_release(&b);
    return out;
}

/* The therapist the page is about.  A therapist: their own (403 if `asked`
 * names another, or the account is linked to none).  Desk and admin: `asked`
 * (404 if unknown), else the first active therapist.  Returns 0, or -1 with
 * the error page sent. */
static int pick_therapist(struct req *r, const char *asked, struct therapist *out)
{
    struct err e = {0};
    struct db *db = web_db(r);
    const char *id = asked && asked[0] ? asked : NULL;

    if (r->role == AUTH_THERAPIST) {
        const char *own = r->user->therapist_id;
        if (!own || !own[0]) {
            web_error(r, 403, NULL, "This account is not linked to a therapist.");
            return -1;
        }
        if (id && strcmp(id, own) != 0) {
            web_error(r, 403, NULL, "You can only see and change your own schedule.");
            return -1;
        }
        id = own;
    }
    if (!id) {
        struct therapist *all;
        size_t n;
        if (db_therapists(db, r->arena, 1, &all, &n, &e) != E_OK) {
            web_fail(r, &e);
            return -1;
        }
        if (n == 0) {
            web_error(r, 404, NULL, "The clinic has no therapists yet.");
            return -1;
        }
        *out = all[0];
        return 0;
    }
    if (db_therapist(db, r->arena, id, out, &e) != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    return 0;
}

/* The therapist chooser for the desk: [{id, name, selected}]; NULL for a
 * therapist, who has no choice. */
static json_t *chooser(struct req *r, const char *current)
{
    struct err e = {0};
    struct therapist *all;
    size_t n;
    if (r->role == AUTH_THERAPIST ||
        db_therapists(web_db(r), r->arena, 0, &all, &n, &e) != E_OK)
        return NULL;
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_pack("{s:s, s:s, s:b}", "id", all[i].id, "name",
                                              all[i].name, "selected",
                                              strcmp(all[i].id, current) == 0));
    return list;
}

/* The location the page works on (?location= or the form's field) and the
 * switch between locations: ctx.locations, ctx.location (see
 * admin_location_context).  base: the page's path; extra: more of its
 * query (e.g. "therapist=ID&"), or "".  Returns 0, or -1 with the error
 * page written. */
static int pick_location(struct req *r, const struct location **all, size_t *n,
                         const struct location **out)
{
    const char *v = kv_get(&r->query, "location");
    if (!v || !*v)
        v = kv_get(&r->form, "location");
    return admin_location_pick(r, v, all, n, out);
}

static void location_switch(struct req *r, json_t *ctx, const struct location *all, size_t n,
                            const struct location *loc, const char *base, const char *extra)
{
    admin_location_context(r, ctx, all, n, loc, arena_printf(r->arena, "%s?%s", base, extra));
    /* admin_location_context wrote base?location=ID: with extra, "?" is in it already */
    json_t *list = json_object_get(ctx, "locations");
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *o = json_array_get(list, i);
        json_object_set_new(o, "url",
                            json_string(arena_printf(r->arena, "%s?%slocation=%lld", base, extra,
                                                     (long long)all[i].id)));
    }
}

/* Keeps the spans of v at location loc (or, with keep_others, those
 * elsewhere), in place; returns how many are left. */
static size_t spans_where(struct week_span *v, size_t n, int64_t loc, int keep_others)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if ((v[i].location_id == loc) != keep_others)
            v[k++] = v[i];
    return k;
}

static json_t *appt_item(struct req *r, const struct appointment *a)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)a->id, "date",
                     when_date_medium(r->arena, when_local_date(r->app->tz, a->start)), "time",
                     when_range(r->app->tz, r->arena, a->start, a->end), "client", a->client_name,
                     "service", a->service_name, "phone", a->client_phone ? a->client_phone : "");
}

/* ---- the week ---- */

/* The week's rows: wall minutes from the earliest opening (the clinic's or
 * the therapist's, any weekday) to the latest closing, widened to the
 * appointments shown; 0 when there is nothing at all. */
static int week_minutes(struct req *r, const struct tz *tz, const struct sched_setup *su,
                        const struct therapist_week *wk, const struct appointment *const *ap,
                        size_t nap, int *lo, int *hi)
{
    *lo = 1441;
    *hi = -1;
    for (size_t i = 0; i < su->nhours; i++) {
        *lo = su->hours[i].start_min < *lo ? su->hours[i].start_min : *lo;
        *hi = su->hours[i].end_min > *hi ? su->hours[i].end_min : *hi;
    }
    for (size_t i = 0; i < wk->nwork; i++) {
        *lo = wk->work[i].start_min < *lo ? wk->work[i].start_min : *lo;
        *hi = wk->work[i].end_min > *hi ? wk->work[i].end_min : *hi;
    }
    for (size_t i = 0; i < nap; i++) {
        struct dt_civil a, b;
        tz_to_local(tz, ap[i]->start, &a, NULL);
        tz_to_local(tz, ap[i]->end, &b, NULL);
        int m0 = (a.hour * 60 + a.min) / 15 * 15, m1 = b.hour * 60 + b.min;
        if (b.day != a.day)
            m1 = 1440;
        *lo = m0 < *lo ? m0 : *lo;
        *hi = m1 > *hi ? m1 : *hi;
    }
    if (*lo < 1441)
        *lo = *lo / 15 * 15;
    return *hi > *lo;
}

void hours_week(struct req *r)
{
    struct err e = {0};
    struct db *db = web_db(r);
    const struct tz *tz;
    const char *ds = kv_get(&r->query, "date");
    struct dt_date d = {0, 0, 0}, today;
    struct therapist th;
    struct therapist_week wk;
    struct appointment *ap;
    struct time_off *off;
    struct sched_setup su;
    size_t nap, noff, nl;
    const struct location *locs, *loc;

    if (ds && dt_parse_date(ds, &d) < 0) {
        web_error(r, 400, NULL, "The date must look like 2026-11-24.");
        return;
    }
    if (pick_therapist(r, kv_get(&r->query, "therapist"), &th) < 0 ||
        pick_location(r, &locs, &nl, &loc) < 0)
        return;
    /* the week at one location, on its clock */
    tz = web_zone(r, loc->id);
    d = ds ? d : when_local_date(tz, clock_now());
    today = when_local_date(tz, clock_now());
    struct dt_date mon = dt_date_add(d, -((dt_weekday(dt_date_to_days(d)) + 6) % 7));
    int64_t t0 = tz_day_start(tz, mon), t1 = tz_day_start(tz, dt_date_add(mon, 7));
    if (sched_setup_at(db, r->arena, r->app->sched, loc->id, &su, &e) != E_OK ||
        db_therapist_week(db, r->arena, th.id, &wk, &e) != E_OK ||
        db_appointments(db, r->arena, t0, t1, &ap, &nap, &e) != E_OK ||
        db_time_off(db, r->arena, t0, t1, &off, &noff, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    wk.nwork = spans_where(wk.work, wk.nwork, loc->id, 0);
    wk.nbreaks = spans_where(wk.breaks, wk.nbreaks, loc->id, 0);
    /* the therapist's appointments, by start, and the grid's rows */
    const struct appointment **mine = arena_array(r->arena, nap + 1, sizeof *mine);
    size_t nmine = 0;
    for (size_t k = 0; k < nap; k++)
        if (strcmp(ap[k].therapist_id, th.id) == 0 && ap[k].start >= t0 && ap[k].start < t1)
            mine[nmine++] = &ap[k];
    int lo, hi;
    int has_rows = week_minutes(r, tz, &su, &wk, mine, nmine, &lo, &hi);
    size_t nrows = has_rows ? (size_t)(hi - lo + 14) / 15 : 0;
    const char **labels = arena_array(r->arena, nrows + 1, sizeof *labels);
    int *hour = arena_array(r->arena, nrows + 1, sizeof *hour);
    for (size_t i = 0; i < nrows; i++) {
        labels[i] = wall_clock(r, lo + 15 * (int)i);
        hour[i] = (lo + 15 * (int)i) % 60 == 0;
    }
    int64_t now = clock_now();
    int desk = r->role == AUTH_DESK || r->role == AUTH_ADMIN;
    struct calgrid_col cols[7];
    memset(cols, 0, sizeof cols);
    for (int i = 0; i < 7; i++) {
        struct dt_date day = dt_date_add(mon, i);
        struct calgrid_col *c = &cols[i];
        int64_t d0 = tz_day_start(tz, day), d1 = tz_day_start(tz, dt_date_add(day, 1));
        const char *date = when_date_param(r->arena, day);
        int64_t *rows = arena_array(r->arena, nrows + 1, sizeof *rows);
        for (size_t k = 0; k < nrows; k++) {
            int64_t t[2];
            rows[k] = tz_wall_to_utc(tz, day, lo + 15 * (int)k, t) > 0 ? t[0] : -1;
        }
        c->rows = rows;
        c->name = when_date_short(r->arena, day);
        c->name_url = arena_printf(r->arena, "/staff?date=%s", date);
        c->today = dt_date_to_days(day) == dt_date_to_days(today);
        for (size_t k = 0; k < su.nclosed; k++)
            if (strcmp(su.closed[k], date) == 0)
                c->closed = "Clinic closed";
        struct calgrid_span *sp;
        c->nhours = calgrid_week_spans(r, tz, day, su.hours, su.nhours, &sp);
        c->hours = sp;
        c->nwork = calgrid_week_spans(r, tz, day, wk.work, wk.nwork, &sp);
        c->work = sp;
        c->nbreaks = calgrid_week_spans(r, tz, day, wk.breaks, wk.nbreaks, &sp);
        c->breaks = sp;
        /* its hours in words, under the heading */
        struct sb said = SB_INIT;
        int wd = week_days[i].wd;
        for (size_t k = 0; k < wk.nwork; k++)
            if (wk.work[k].weekday == wd)
                sb_addf(&said, "%s%s – %s",
                        said.len ? ", " : "Hours: ", wall_clock(r, wk.work[k].start_min),
                        wall_clock(r, wk.work[k].end_min));
        c->sub = said.len ? arena_strdup(r->arena, said.buf) : "Not working.";
        sb_release(&said);
        sp = arena_array(r->arena, noff + 1, sizeof *sp);
        for (size_t k = 0; k < noff; k++) {
            if (strcmp(off[k].therapist_id, th.id) != 0 || off[k].start >= d1 || off[k].end <= d0)
                continue;
            sp[c->noff++] = (struct calgrid_span){
                off[k].start > d0 ? off[k].start : d0, off[k].end < d1 ? off[k].end : d1,
                off[k].reason, off[k].start <= d0 && off[k].end >= d1 ? "All day" : NULL};
        }
        c->off = sp;
        size_t first = 0;
        while (first < nmine && mine[first]->start < d0)
            first++;
        c->appts = mine + first;
        while (first + c->nappts < nmine && mine[first + c->nappts]->start < d1)
            c->nappts++;
        if (desk) {
            c->book_url = arena_printf(r->arena, "/staff/book?therapist=%s&date=%s",
                                       url_part(r, th.id), date);
            c->book_who = th.name;
            c->book_day = c->name;
        }
    }
    struct dt_date sun = dt_date_add(mon, 6);
    const char *label = arena_printf(r->arena, "%s – %s", when_date_medium(r->arena, mon),
                                     when_date_long(r->arena, sun));
    const char *tq = r->role == AUTH_THERAPIST
                         ? ""
                         : arena_printf(r->arena, "therapist=%s&", url_part(r, th.id));
    if (nl > 1)
        tq = arena_printf(r->arena, "%slocation=%lld&", tq, (long long)loc->id);
    json_t *ctx =
        chrome_context(r, arena_printf(r->arena, "Week of %s: %s", label, th.name), "week");
    json_object_set_new(ctx, "therapist", json_pack("{s:s, s:s}", "id", th.id, "name", th.name));
    json_object_set_new(ctx, "week_label", json_string(label));
    json_object_set_new(ctx, "date", json_string(when_date_param(r->arena, d)));
    if (has_rows) {
        json_object_set_new(ctx, "grid", calgrid_build(r, tz, cols, 7, labels, hour, nrows, 0, now));
        json_object_set_new(ctx, "grid_id", json_string("cal-week"));
        json_object_set_new(ctx, "grid_caption",
                            json_string(arena_printf(r->arena, "%s, week of %s", th.name, label)));
    }
    json_object_set_new(ctx, "prev_url",
                        json_string(arena_printf(r->arena, "/staff/week?%sdate=%s", tq,
                                                 when_date_param(r->arena, dt_date_add(mon, -7)))));
    json_object_set_new(ctx, "next_url",
                        json_string(arena_printf(r->arena, "/staff/week?%sdate=%s", tq,
                                                 when_date_param(r->arena, dt_date_add(mon, 7)))));
    json_object_set_new(ctx, "this_url",
                        json_string(arena_printf(r->arena, "/staff/week?%sdate=%s", tq,
                                                 when_date_param(r->arena, today))));
    json_t *ch = chooser(r, th.id);
    if (ch) {
        json_object_set_new(ctx, "therapists", ch);
        json_object_set_new(ctx, "choose", json_true());
    }
    location_switch(r, ctx, locs, nl, loc, "/staff/week",
                    r->role == AUTH_THERAPIST
                        ? arena_printf(r->arena, "date=%s&", when_date_param(r->arena, d))
                        : arena_printf(r->arena, "therapist=%s&date=%s&", url_part(r, th.id),
                                       when_date_param(r->arena, d)));
    page_render(r, 200, "staff/week", ctx);
    resp_header(r, "Cache-Control", "no-store");
}

/* ---- weekly hours ---- */

/* One weekday row of the hours form, as typed or as stored. */
struct day_row {
    const char *start, *end, *bstart, *bend;
    int off;
    const char *err_hours, *err_break; /* messages, or NULL */
    int more;                          /* stored: more spans or breaks than the form shows */
};

static json_t *rows_json(struct day_row rows[7])
{
    json_t *list = json_array();
    for (int i = 0; i < 7; i++) {
        json_t *o = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:b}", "key", week_days[i].wd,
                              "name", week_days[i].name, "start", rows[i].start, "end",
                              rows[i].end, "bstart", rows[i].bstart, "bend", rows[i].bend, "off",
                              rows[i].off);
        if (rows[i].err_hours)
            json_object_set_new(o, "err_hours", json_string(rows[i].err_hours));
        if (rows[i].err_break)
            json_object_set_new(o, "err_break", json_string(rows[i].err_break));
        if (rows[i].more)
            json_object_set_new(o, "more", json_true());
        json_array_append_new(list, o);
    }
    return list;
}

static void hours_page(struct req *r, int status, const struct therapist *th,
                       struct day_row rows[7], const char *error, json_t *stranded)
{
    size_t nl;
    const struct location *locs, *loc;
    if (pick_location(r, &locs, &nl, &loc) < 0) {
        json_decref(stranded);
        return;
    }
    json_t *ctx = chrome_context(r, arena_printf(r->arena, "Working hours: %s", th->name), "hours");
    location_switch(r, ctx, locs, nl, loc, "/staff/hours",
                    r->role == AUTH_THERAPIST
                        ? ""
                        : arena_printf(r->arena, "therapist=%s&", url_part(r, th->id)));
    json_object_set_new(ctx, "zone_label",
                        json_string(web_location_timezone(r, loc)));
    json_object_set_new(ctx, "therapist", json_pack("{s:s, s:s}", "id", th->id, "name", th->name));
    json_object_set_new(ctx, "days", rows_json(rows));
    if (error)
        json_object_set_new(ctx, "error", json_string(error));
    if (stranded)
        json_object_set_new(ctx, "stranded", stranded);
    if (kv_get(&r->query, "saved"))
        json_object_set_new(ctx, "saved", json_true());
    json_t *ch = chooser(r, th->id);
    if (ch) {
        json_object_set_new(ctx, "therapists", ch);
        json_object_set_new(ctx, "choose", json_true());
    }
    json_object_set_new(ctx, "time_off_url",
                        json_string(arena_printf(r->arena, "/staff/time-off?therapist=%s",
                                                 url_part(r, th->id))));
    page_render(r, status, "staff/hours", ctx);
    resp_header(r, "Cache-Control", "no-store");
}

void hours_form(struct req *r)
{
    struct err e = {0};
    struct therapist th;
    struct therapist_week wk;
    struct day_row rows[7];

    size_t nl;
    const struct location *locs, *loc;
    if (pick_therapist(r, kv_get(&r->query, "therapist"), &th) < 0 ||
        pick_location(r, &locs, &nl, &loc) < 0)
        return;
    if (db_therapist_week(web_db(r), r->arena, th.id, &wk, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    wk.nwork = spans_where(wk.work, wk.nwork, loc->id, 0);
    wk.nbreaks = spans_where(wk.breaks, wk.nbreaks, loc->id, 0);
    for (int i = 0; i < 7; i++) {
        struct day_row *row = &rows[i];
        int nw = 0, nb = 0;
        *row = (struct day_row){"", "", "", "", 1, NULL, NULL, 0};
        /* The form has one span and one break a day: the first of each; a
         * day stored with more says so, as saving keeps only what is shown. */
        for (size_t k = 0; k < wk.nwork; k++)
            if (wk.work[k].weekday == week_days[i].wd && nw++ == 0) {
                row->start = hhmm(r, wk.work[k].start_min);
                row->end = hhmm(r, wk.work[k].end_min);
                row->off = 0;
            }
        for (size_t k = 0; k < wk.nbreaks; k++)
            if (wk.breaks[k].weekday == week_days[i].wd && nb++ == 0) {
                row->bstart = hhmm(r, wk.breaks[k].start_min);
                row->bend = hhmm(r, wk.breaks[k].end_min);
            }
        row->more = nw > 1 || nb > 1;
    }
    hours_page(r, 200, &th, rows, NULL, NULL);
}

static const char *field(struct req *r, const char *name, int wd)
{
    char key[32];
    snprintf(key, sizeof key, "%s_%d", name, wd);
    const char *v = kv_get(&r->form, key);
    return v ? v : "";
}

/* Where [start, end) falls in the clinic's week: local weekday and wall
 * minutes (the end may pass 1440 for an appointment crossing midnight). */
static void wall_span(const struct tz *tz, int64_t start, int64_t end, int *wd, int *s, int *en)
{
    struct dt_civil c;
    tz_to_local(tz, start, &c, NULL);
    *wd = dt_weekday(dt_days_from_civil(c.year, c.month, c.day));
    *s = c.hour * 60 + c.min;
    *en = *s + (int)((end - start + 59) / 60);
}

/* Minutes a wall clock at `there` differs from one at `here` right now
 * (Seattle is an hour ahead of Anchorage: 60). */
static int zone_shift(const struct tz *here, const struct tz *there, int64_t now)
{
    return (tz_offset_at(here, now) - tz_offset_at(there, now)) / 60;
}

/* The first work span of `other` (at other locations, each shifted to this
 * location's clock) that meets a span of `work` on the week's circle of
 * 10080 minutes; its index, or -1.  A therapist works in one place at a
 * time: hours that overlap across locations are refused when saved (a
 * booking is refused anyway, svc/booking.c, but such hours would offer
 * times that cannot be booked).  Offsets are today's: zones that change
 * them on other dates may differ by their difference for some weeks. */
static long overlap_elsewhere(const struct week_span *work, size_t nwork,
                              const struct week_span *other, size_t nother, const int *shift)
{
    for (size_t j = 0; j < nother; j++) {
        int os = other[j].weekday * 1440 + other[j].start_min + shift[j];
        int len = other[j].end_min - other[j].start_min;
        for (size_t i = 0; i < nwork; i++) {
            int ws = work[i].weekday * 1440 + work[i].start_min;
            int wlen = work[i].end_min - work[i].start_min;
            /* on a circle: [ws, ws+wlen) meets [os, os+len) shifted by a week either way */
            for (int k = -1; k <= 1; k++) {
                int s = os + k * 10080;
                if (s < ws + wlen && ws < s + len)
                    return (long)j;
            }
        }
    }
    return -1;
}

void hours_save(struct req *r)
{
    struct err e = {0};
    struct db *db = web_db(r);
    struct therapist th;
    struct day_row rows[7];
    struct week_span work[7], breaks[7];
    struct shift_span swork[7], sbreaks[7];
    struct therapist_week wk = {work, 0, breaks, 0};
    struct appointment *ap;
    size_t nap, nl;
    int bad = 0;
    const struct location *locs, *loc;

    if (pick_therapist(r, kv_get(&r->form, "therapist"), &th) < 0 ||
        pick_location(r, &locs, &nl, &loc) < 0)
        return;
    const struct tz *here = web_zone(r, loc->id);
    for (int i = 0; i < 7; i++) {
        int wd = week_days[i].wd;
        struct day_row *row = &rows[i];
        struct shift_day sd;
        row->start = field(r, "start", wd);
        row->end = field(r, "end", wd);
        row->bstart = field(r, "break_start", wd);
        row->bend = field(r, "break_end", wd);
        row->off = field(r, "off", wd)[0] != '\0';
        if (shift_read_day(row->start, row->end, row->bstart, row->bend, row->off, &sd) < 0)
            bad = 1;
        row->err_hours = sd.err_hours;
        row->err_break = sd.err_break;
        row->more = 0;
        if (sd.has_work) {
            swork[wk.nwork] = (struct shift_span){wd, sd.work_start, sd.work_end};
            work[wk.nwork++] = (struct week_span){wd, sd.work_start, sd.work_end, loc->id};
        }
        if (sd.has_break) {
            sbreaks[wk.nbreaks] = (struct shift_span){wd, sd.break_start, sd.break_end};
            breaks[wk.nbreaks++] = (struct week_span){wd, sd.break_start, sd.break_end, loc->id};
        }
    }
    if (bad) {
        hours_page(r, 422, &th, rows, "Some hours need fixing: see the notes below.", NULL);
        return;
    }
    /* Check and save under one writing transaction, so no booking slips in
     * between: the therapist's lock first, which a booking of hers holds
     * until its commit (db_hold_for_booking), so the appointments read below
     * hold every booking that committed, and one after this reads the new
     * hours' version and is refused.  The other locations' hours stay as
     * they are. */
    int64_t now = clock_now();
    struct therapist_week stored;
    int tries = 0;
again: /* a lost race runs again (store.h) */
    if (db_begin(db, &e) != E_OK || db_lock_therapist(db, th.id, &e) != E_OK ||
        db_therapist_week(db, r->arena, th.id, &stored, &e) != E_OK ||
        db_appointments(db, r->arena, now, now + AHEAD_SECONDS, &ap, &nap, &e) != E_OK)
        goto fail;
    stored.nwork = spans_where(stored.work, stored.nwork, loc->id, 1);
    stored.nbreaks = spans_where(stored.breaks, stored.nbreaks, loc->id, 1);
    int *shift = arena_array(r->arena, stored.nwork + 1, sizeof *shift);
    for (size_t k = 0; k < stored.nwork; k++)
        shift[k] = zone_shift(here, web_zone(r, stored.work[k].location_id), now);
    long clash = overlap_elsewhere(work, wk.nwork, stored.work, stored.nwork, shift);
    if (clash >= 0) {
        const struct week_span *o = &stored.work[clash];
        const char *where = "another location";
        for (size_t i = 0; i < nl; i++)
            if (locs[i].id == o->location_id)
                where = locs[i].name;
        const char *day = "";
        for (int i = 0; i < 7; i++)
            if (week_days[i].wd == o->weekday)
                day = week_days[i].name;
        db_rollback(db);
        hours_page(r, 409, &th, rows,
                   arena_printf(r->arena,
                                "Not saved: on %s %s works at %s from %s to %s (%s time), which "
                                "overlaps these hours. A therapist can be in one location at a "
                                "time; change the hours there first, or choose other hours here.",
                                day, th.name, where, wall_clock(r, o->start_min),
                                wall_clock(r, o->end_min), where),
                   NULL);
        return;
    }
    json_t *stranded = json_array();
    for (size_t k = 0; k < nap; k++) {
        int wd, s, en;
        if (strcmp(ap[k].therapist_id, th.id) != 0 || !holds_time(&ap[k]) ||
            ap[k].location_id != loc->id)
            continue;
        wall_span(here, ap[k].start, ap[k].end, &wd, &s, &en);
        if (!shift_fits(swork, wk.nwork, sbreaks, wk.nbreaks, wd, s, en))
            json_array_append_new(stranded, appt_item(r, &ap[k]));
    }
    if (json_array_size(stranded) > 0 && !kv_get(&r->form, "confirm")) {
        db_rollback(db);
        hours_page(r, 409, &th, rows,
                   "Not saved: these booked appointments would fall outside the new hours or "
                   "into a break. Ask the front desk to move them first, or confirm below to "
                   "save anyway (they stay booked).",
                   stranded);
        return;
    }
    json_decref(stranded);
    /* this location's new spans with the others' as stored */
    struct week_span *allw = arena_array(r->arena, wk.nwork + stored.nwork + 1, sizeof *allw);
    struct week_span *allb =
        arena_array(r->arena, wk.nbreaks + stored.nbreaks + 1, sizeof *allb);
    /* a week stored without breaks (or work) reads as NULL: no memcpy from it */
    memcpy(allw, work, wk.nwork * sizeof *allw);
    if (stored.nwork)
        memcpy(allw + wk.nwork, stored.work, stored.nwork * sizeof *allw);
    memcpy(allb, breaks, wk.nbreaks * sizeof *allb);
    if (stored.nbreaks)
        memcpy(allb + wk.nbreaks, stored.breaks, stored.nbreaks * sizeof *allb);
    struct therapist_week both = {allw, wk.nwork + stored.nwork, allb,
                                  wk.nbreaks + stored.nbreaks};
    if (db_put_therapist_week(db, th.id, &both, &e) != E_OK || db_commit(db, &e) != E_OK)
        goto fail;
    resp_start(r, 303, "text/plain; charset=utf-8");
    resp_header(r, "Location",
                nl > 1 ? arena_printf(r->arena, "/staff/hours?therapist=%s&location=%lld&saved=1",
                                      url_part(r, th.id), (long long)loc->id)
                       : arena_printf(r->arena, "/staff/hours?therapist=%s&saved=1",
                                      url_part(r, th.id)));
    return;
fail:
    if (db_again(db, &tries, &e))
        goto again;
    web_fail(r, &e);
}

/* ---- time off ---- */

struct off_form {
    const char *start_date, *start_time, *end_date, *end_time, *reason;
    const char *err_start, *err_end, *err_reason;
};

static void time_off_page(struct req *r, int status, const struct therapist *th,
                          const struct off_form *f, const char *error, json_t *stranded)
{
    struct err e = {0};
    struct time_off *off;
    size_t noff;
    int64_t now = clock_now();
    if (db_time_off(web_db(r), r->arena, now, now + AHEAD_SECONDS * 3, &off, &noff, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    json_t *list = json_array();
    for (size_t k = 0; k < noff; k++) {
        if (strcmp(off[k].therapist_id, th->id) != 0)
            continue;
        struct dt_date d0 = when_local_date(r->app->tz, off[k].start);
        /* "Wed, Nov 25, 12:30 PM – 4:00 PM AKST" within a day, else both ends */
        const char *span =
            dt_date_to_days(d0) == dt_date_to_days(when_local_date(r->app->tz, off[k].end - 1))
                ? arena_printf(r->arena, "%s, %s", when_date_short(r->arena, d0),
                               when_range(r->app->tz, r->arena, off[k].start, off[k].end))
                : arena_printf(r->arena, "%s to %s",
                               when_relative(r->app->tz, r->arena, off[k].start),
                               when_relative(r->app->tz, r->arena, off[k].end));
        json_array_append_new(list, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)off[k].id,
                                              "time", span, "reason", off[k].reason));
    }
    json_t *ctx = chrome_context(r, arena_printf(r->arena, "Time off: %s", th->name), "hours");
    json_object_set_new(ctx, "therapist", json_pack("{s:s, s:s}", "id", th->id, "name", th->name));
    json_object_set_new(ctx, "time_off", list);
    json_object_set_new(ctx, "form", json_pack("{s:s, s:s, s:s, s:s, s:s}", "start_date",
                                               f->start_date, "start_time", f->start_time,
                                               "end_date", f->end_date, "end_time", f->end_time,
                                               "reason", f->reason));
    if (f->err_start)
        json_object_set_new(ctx, "err_start", json_string(f->err_start));
    if (f->err_end)
        json_object_set_new(ctx, "err_end", json_string(f->err_end));
    if (f->err_reason)
        json_object_set_new(ctx, "err_reason", json_string(f->err_reason));
    if (error)
        json_object_set_new(ctx, "error", json_string(error));
    if (stranded)
        json_object_set_new(ctx, "stranded", stranded);
    if (kv_get(&r->query, "added"))
        json_object_set_new(ctx, "added", json_true());
    if (kv_get(&r->query, "deleted"))
        json_object_set_new(ctx, "deleted", json_true());
    json_object_set_new(ctx, "hours_url",
                        json_string(arena_printf(r->arena, "/staff/hours?therapist=%s",
                                                 url_part(r, th->id))));
    json_t *ch = chooser(r, th->id);
    if (ch) {
        json_object_set_new(ctx, "therapists", ch);
        json_object_set_new(ctx, "choose", json_true());
    }
    page_render(r, status, "staff/time_off", ctx);
    resp_header(r, "Cache-Control", "no-store");
}

void hours_time_off(struct req *r)
{
    struct therapist th;
    if (pick_therapist(r, kv_get(&r->query, "therapist"), &th) < 0)
        return;
    const char *tomorrow =
        when_date_param(r->arena, dt_date_add(when_local_date(r->app->tz, clock_now()), 1));
    struct off_form f = {tomorrow, "", tomorrow, "", "", NULL, NULL, NULL};
    time_off_page(r, 200, &th, &f, NULL, NULL);
}

/* A local date and wall time → the instant; later: of two, take the later
 * (an end in the repeated hour).  Returns NULL or a message. */
static const char *local_instant(struct req *r, const char *date, const char *time, int later,
                                 int64_t *out)
{
    struct dt_date d;
    int min;
    int64_t t[2];
    if (!date[0] || !time[0])
        return "Give a date and a time.";
    if (dt_parse_date(date, &d) < 0)
        return "Write the date as YYYY-MM-DD, for example 2026-11-25.";
    if (dt_parse_hhmm(time, &min) < 0)
        return "Write the time as HH:MM, for example 13:00.";
    int n = tz_wall_to_utc(r->app->tz, d, min, t);
    if (n <= 0)
        return "That time does not exist on that day (the clocks go forward).";
    *out = later && n == 2 ? t[1] : t[0];
    return NULL;
}

void hours_add_time_off(struct req *r)
{
    struct err e = {0};
    struct db *db = web_db(r);
    struct therapist th;
    struct appointment *ap;
    size_t nap;
    int64_t start = 0, end = 0, now = clock_now();
    const char *v;
    struct off_form f = {"", "", "", "", "", NULL, NULL, NULL};

    if (pick_therapist(r, kv_get(&r->form, "therapist"), &th) < 0)
        return;
    if ((v = kv_get(&r->form, "start_date")))
        f.start_date = v;
    if ((v = kv_get(&r->form, "start_time")))
        f.start_time = v;
    if ((v = kv_get(&r->form, "end_date")))
        f.end_date = v;
    if ((v = kv_get(&r->form, "end_time")))
        f.end_time = v;
    if ((v = kv_get(&r->form, "reason")))
        f.reason = v;
    f.err_start = local_instant(r, f.start_date, f.start_time, 0, &start);
    f.err_end = local_instant(r, f.end_date, f.end_time, 1, &end);
    if (!f.err_start && !f.err_end && end <= start)
        f.err_end = "The end must be after the start.";
    else if (!f.err_end && end <= now)
        f.err_end = "That time has already passed.";
    if (!f.reason[0])
        f.err_reason = "Give a reason, for example “Dentist”.";
    else if (strlen(f.reason) > REASON_MAX)
        f.err_reason = "Keep the reason under 200 characters.";
    if (f.err_start || f.err_end || f.err_reason) {
        time_off_page(r, 422, &th, &f, "The time off needs fixing: see the notes below.", NULL);
        return;
    }
    /* Appointments start at most a day before they end; read from a day early. */
    int tries = 0;
again: /* a lost race runs again (store.h) */
    /* the therapist's lock first: a booking of hers holds it until its commit
     * (db_hold_for_booking), so the list below sees it, and one after this
     * reads the time off's version and is refused (PostgreSQL) */
    if (db_begin(db, &e) != E_OK || db_lock_therapist(db, th.id, &e) != E_OK ||
        db_appointments(db, r->arena, start - 86400, end, &ap, &nap, &e) != E_OK)
        goto fail;
    json_t *stranded = json_array();
    for (size_t k = 0; k < nap; k++)
        if (strcmp(ap[k].therapist_id, th.id) == 0 && holds_time(&ap[k]) && ap[k].end > now &&
            ap[k].start < end && ap[k].end > start)
            json_array_append_new(stranded, appt_item(r, &ap[k]));
    if (json_array_size(stranded) > 0 && !kv_get(&r->form, "confirm")) {
        db_rollback(db);
        time_off_page(r, 409, &th, &f,
                      "Not saved: these booked appointments fall inside the time off. Ask the "
                      "front desk to move them first, or confirm below to add it anyway (they "
                      "stay booked).",
                      stranded);
        return;
    }
    json_decref(stranded);
    struct time_off t = {0, th.id, start, end, f.reason};
    if (db_add_time_off(db, &t, NULL, &e) != E_OK || db_commit(db, &e) != E_OK)
        goto fail;
    resp_start(r, 303, "text/plain; charset=utf-8");
    resp_header(r, "Location", arena_printf(r->arena, "/staff/time-off?therapist=%s&added=1",
                                            url_part(r, th.id)));
    return;
fail:
    if (db_again(db, &tries, &e))
        goto again;
    web_fail(r, &e);
}

void hours_delete_time_off(struct req *r)
{
    struct err e = {0};
    struct db *db = web_db(r);
    int64_t id;
    const char *only = r->role == AUTH_THERAPIST ? r->user->therapist_id : NULL;
    const char *back = kv_get(&r->form, "therapist");

    if (num_parse_i64(req_param(r, 0), 1, INT64_MAX, &id) < 0) {
        web_error(r, 404, NULL, "There is no such time off.");
        return;
    }
    if (only && !only[0]) {
        web_error(r, 403, NULL, "This account is not linked to a therapist.");
        return;
    }
    if (db_delete_time_off(db, id, only, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    resp_start(r, 303, "text/plain; charset=utf-8");
    resp_header(r, "Location",
                back && back[0] && !only
                    ? arena_printf(r->arena, "/staff/time-off?therapist=%s&deleted=1",
                                   url_part(r, back))
                    : "/staff/time-off?deleted=1");
}
