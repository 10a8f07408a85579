/* staff — the front desk's day view: who is booked when, per therapist or
 * per room.  Reads the store; holds no rule. */
#include "web/staff.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "core/auth.h"
#include "core/tz.h"
#include "store/store.h"
#include "svc/booking.h"
#include "svc/when.h"
#include "util/blobcache.h"
#include "util/clock.h"
#include "util/log.h"
#include "view/tpl.h"
#include "web/calgrid.h"
#include "web/chrome.h"
#include "web/admin_locations.h"
#include "web/page.h"

/* The grid's first and last instant on day d: from the earliest opening to
 * the latest closing (the clinic's and, by therapist, the therapists' of
 * that weekday), widened to every appointment shown, on the quarter hours
 * of the opening.  0 when there is nothing to show (closed, none booked). */
static int day_range(struct req *r, const struct tz *tz, const struct sched_setup *su,
                     struct dt_date d, int by_room, const char *only, const struct appointment *ap,
                     size_t nap, int64_t *from, int64_t *to)
{
    int wd = dt_weekday(dt_date_to_days(d)), lo = 1441, hi = -1;
    for (size_t i = 0; i < su->nhours; i++)
        if (su->hours[i].weekday == wd) {
            lo = su->hours[i].start_min < lo ? su->hours[i].start_min : lo;
            hi = su->hours[i].end_min > hi ? su->hours[i].end_min : hi;
        }
    for (size_t t = 0; !by_room && t < su->ntherapists; t++) {
        if (only && strcmp(su->therapists[t].id, only) != 0)
            continue;
        for (size_t i = 0; i < su->weeks[t].nwork; i++)
            if (su->weeks[t].work[i].weekday == wd) {
                const struct week_span *w = &su->weeks[t].work[i];
                lo = w->start_min < lo ? w->start_min : lo;
                hi = w->end_min > hi ? w->end_min : hi;
            }
    }
    int64_t d0 = tz_day_start(tz, d), d1 = tz_day_start(tz, dt_date_add(d, 1));
    int64_t a = lo <= hi ? calgrid_wall(tz, d, lo) : INT64_MAX;
    int64_t b = lo <= hi ? calgrid_wall(tz, d, hi) : INT64_MIN;
    for (size_t i = 0; i < nap; i++) {
        if (only && strcmp(ap[i].therapist_id, only) != 0)
            continue;
        if (a == INT64_MAX) { /* closed, yet booked: from its first appointment */
            a = ap[i].start;
            b = ap[i].end;
        }
        while (ap[i].start < a && a - CALGRID_ROW_SEC >= d0)
            a -= CALGRID_ROW_SEC;
        b = ap[i].end > b ? ap[i].end : b;
    }
    if (a == INT64_MAX || b <= a)
        return 0;
    *from = a < d0 ? d0 : a;
    *to = b > d1 ? d1 : b;
    return *to > *from;
}

/* Whether therapist c of su works at su's location on day d or holds one
 * of `mine` (her appointments of the day) there. */
static int works_here(const struct sched_setup *su, size_t c, struct dt_date d,
                      const struct appointment *const *mine, size_t nmine)
{
    int wd = dt_weekday(dt_date_to_days(d));
    for (size_t i = 0; i < su->weeks[c].nwork; i++)
        if (su->weeks[c].work[i].weekday == wd)
            return 1;
    for (size_t i = 0; i < nmine; i++)
        if (mine[i]->location_id == su->location->id)
            return 1;
    return 0;
}

/* A therapist's id and her index in the set-up, sorted by id, so that the
 * day's appointments and time off find their column by bisection: the grid
 * costs what the day holds, not columns times appointments. */
struct by_id {
    const char *id;
    size_t i;
};

static int by_id_cmp(const void *a, const void *b)
{
    return strcmp(((const struct by_id *)a)->id, ((const struct by_id *)b)->id);
}

/* The index in su of therapist id, or su->ntherapists when not there. */
static size_t therapist_col(const struct by_id *ix, size_t n, const char *id)
{
    struct by_id k = {id, 0};
    const struct by_id *f = bsearch(&k, ix, n, sizeof *ix, by_id_cmp);
    return f ? f->i : n;
}

/* The index in su of room id, or su->nrooms. */
static size_t room_col(const struct sched_setup *su, int64_t id)
{
    for (size_t i = 0; i < su->nrooms; i++)
        if (su->rooms[i].id == id)
            return i;
    return su->nrooms;
}

/* The day's grid (templates/staff/day_columns.html) onto the arena: one
 * table, or with sheet one per therapist (the printed day sheet); 0, or -1
 * with the error response written. */
static int render_columns(struct req *r, const struct tz *tz, const struct sched_setup *su,
                          struct dt_date d, int by_room, const char *only, int sheet, int64_t now,
                          void **html, size_t *len)
{
    struct err e = {0};
    struct appointment *ap;
    size_t nap;
    char msg[256];
    struct sb out;
    int64_t t0 = tz_day_start(tz, d), t1 = tz_day_start(tz, dt_date_add(d, 1)), from, to;
    if (db_appointments(web_db(r), r->arena, t0, t1, &ap, &nap, &e) != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    const char *date = when_date_param(r->arena, d);
    int closed = 0;
    for (size_t i = 0; i < su->nclosed; i++)
        closed |= strcmp(su->closed[i], date) == 0;
    json_t *ctx = web_keep(r, json_object());
    if (!day_range(r, tz, su, d, by_room, only, ap, nap, &from, &to)) {
        json_object_set_new(ctx, "empty",
                            json_string(closed ? "The clinic is closed on this day."
                                               : "The clinic is not open on this "
                                                 "day and nothing is booked."));
        goto render;
    }
    size_t nrows = (size_t)((to - from + CALGRID_ROW_SEC - 1) / CALGRID_ROW_SEC);
    int64_t *rows = arena_array(r->arena, nrows + 1, sizeof *rows);
    const char **labels = arena_array(r->arena, nrows + 1, sizeof *labels);
    int *hour = arena_array(r->arena, nrows + 1, sizeof *hour);
    for (size_t i = 0; i < nrows; i++) {
        struct dt_civil lc;
        rows[i] = from + (int64_t)i * CALGRID_ROW_SEC;
        labels[i] = when_clock(tz, r->arena, rows[i], 0);
        tz_to_local(tz, rows[i], &lc, NULL);
        hour[i] = lc.min == 0;
    }
    struct calgrid_span *hours, *off = arena_array(r->arena, su->noff + 1, sizeof *off);
    size_t nhours = calgrid_week_spans(r, tz, d, su->hours, su->nhours, &hours);
    size_t ncols = by_room ? su->nrooms : su->ntherapists;
    struct calgrid_col *cols = arena_array(r->arena, ncols + 1, sizeof *cols);
    /* the day's appointments by column (in their order, by start), each
     * column's first in bucket at first[c]; time off the same way */
    struct by_id *ix = arena_array(r->arena, su->ntherapists + 1, sizeof *ix);
    for (size_t i = 0; i < su->ntherapists; i++)
        ix[i] = (struct by_id){su->therapists[i].id, i};
    qsort(ix, su->ntherapists, sizeof *ix, by_id_cmp);
    size_t *col_of = arena_array(r->arena, nap + 1, sizeof *col_of);
    size_t *first = arena_array(r->arena, ncols + 2, sizeof *first);
    for (size_t i = 0; i < nap; i++) {
        col_of[i] = by_room ? room_col(su, ap[i].room_id)
                            : therapist_col(ix, su->ntherapists, ap[i].therapist_id);
        if (col_of[i] < ncols)
            first[col_of[i] + 1]++;
    }
    for (size_t c = 0; c < ncols; c++)
        first[c + 1] += first[c];
    const struct appointment **bucket = arena_array(r->arena, nap + 1, sizeof *bucket);
    size_t *fill = arena_array(r->arena, ncols + 1, sizeof *fill);
    for (size_t i = 0; i < nap; i++)
        if (col_of[i] < ncols)
            bucket[first[col_of[i]] + fill[col_of[i]]++] = &ap[i];
    size_t *off_first = arena_array(r->arena, ncols + 2, sizeof *off_first);
    size_t *off_col = arena_array(r->arena, su->noff + 1, sizeof *off_col);
    for (size_t i = 0; i < su->noff; i++) {
        off_col[i] = ncols;
        if (!by_room && su->off[i].start < t1 && su->off[i].end > t0) {
            off_col[i] = therapist_col(ix, su->ntherapists, su->off[i].therapist_id);
            if (off_col[i] < ncols)
                off_first[off_col[i] + 1]++;
        }
    }
    for (size_t c = 0; c < ncols; c++)
        off_first[c + 1] += off_first[c];
    memset(fill, 0, (ncols + 1) * sizeof *fill);
    for (size_t i = 0; i < su->noff; i++)
        if (off_col[i] < ncols)
            off[off_first[off_col[i]] + fill[off_col[i]]++] = (struct calgrid_span){
                su->off[i].start > t0 ? su->off[i].start : t0,
                su->off[i].end < t1 ? su->off[i].end : t1, su->off[i].reason,
                su->off[i].start <= t0 && su->off[i].end >= t1 ? "All day" : NULL};
    int desk = r->role == AUTH_DESK || r->role == AUTH_ADMIN;
    size_t n = 0;
    for (size_t c = 0; c < ncols; c++) {
        const struct therapist *th = by_room ? NULL : &su->therapists[c];
        if (only && (by_room || strcmp(th->id, only) != 0))
            continue;
        if (th && !only && su->nlocations > 1 &&
            !works_here(su, c, d, bucket + first[c], first[c + 1] - first[c]))
            continue; /* with several locations: those who work or are booked here that day */
        struct calgrid_col *col = &cols[n++];
        col->name = by_room ? su->rooms[c].name : th->name;
        col->rows = rows;
        col->today = from <= now && now < to;
        col->closed = closed ? "Clinic closed" : NULL;
        col->hours = hours;
        col->nhours = nhours;
        col->appts = bucket + first[c];
        col->nappts = first[c + 1] - first[c];
        if (by_room) {
            col->work = hours;
            col->nwork = nhours;
            continue;
        }
        struct calgrid_span *w;
        col->nwork = calgrid_week_spans(r, tz, d, su->weeks[c].work, su->weeks[c].nwork, &w);
        col->work = w;
        col->nbreaks = calgrid_week_spans(r, tz, d, su->weeks[c].breaks, su->weeks[c].nbreaks, &w);
        col->breaks = w;
        col->off = off + off_first[c];
        col->noff = off_first[c + 1] - off_first[c];
        if (desk) {
            col->book_url =
                su->nlocations > 1
                    ? arena_printf(r->arena, "/staff/book?therapist=%s&date=%s&location=%lld",
                                   th->id, date, (long long)su->location->id)
                    : arena_printf(r->arena, "/staff/book?therapist=%s&date=%s", th->id, date);
            col->book_who = th->name;
        }
    }
    const char *by = by_room ? "by room" : "by therapist";
    if (!sheet) {
        json_object_set_new(ctx, "grid",
                            calgrid_build(r, tz, cols, n, labels, hour, nrows, by_room, now));
        json_object_set_new(ctx, "grid_id", json_string("cal-day"));
        json_object_set_new(
            ctx, "grid_caption",
            json_string(arena_printf(r->arena, "%s, %s", when_date_long(r->arena, d), by)));
    } else {
        json_t *sheets = json_array();
        for (size_t c = 0; c < n; c++)
            json_array_append_new(
                sheets,
                json_pack(
                    "{s:s, s:o, s:s, s:s}", "name", cols[c].name, "grid",
                    calgrid_build(r, tz, &cols[c], 1, labels, hour, nrows, by_room, now), "grid_id",
                    arena_printf(r->arena, "cal-sheet-%zu", c), "grid_caption",
                    arena_printf(r->arena, "%s, %s", cols[c].name, when_date_long(r->arena, d))));
        json_object_set_new(ctx, "sheets", sheets);
    }
render:
    sb_init(&out, 4 * 1024 * 1024);
    if (tpl_render(r->app->tpl, "staff/day_columns", ctx, &out, msg, sizeof msg) < 0) {
        log_error("render staff/day_columns: %s", msg);
        sb_release(&out);
        web_error(r, 500, NULL, "The day could not be shown; the error was logged.");
        return -1;
    }
    *len = out.len;
    *html = arena_alloc(r->arena, out.len + 1);
    memcpy(*html, out.buf, out.len);
    ((char *)*html)[out.len] = '\0';
    sb_release(&out);
    return 0;
}

/* What fill_grid needs to find or render the day's grid. */
struct grid_fill {
    const struct tz *tz;
    const struct sched_setup *su;
    struct dt_date d;
    int by_room;
    const char *only;
    int sheet;
    int64_t now;
    const char *key;
};

/* The grid into the page (page_fill_fn): the kept copy, copied once
 * straight into the response (its compressed form for gzip, made once per
 * version), or rendered now and kept. */
static int fill_grid(struct req *r, struct sb *body, size_t after, struct gz *gz, void *arg)
{
    const struct grid_fill *g = arg;
    void *html;
    size_t len;
    if (page_kept_fragment(r, r->app->fragments, g->key, NULL, 0, body, after, gz))
        return 0;
    if (render_columns(r, g->tz, g->su, g->d, g->by_room, g->only, g->sheet, g->now, &html,
                       &len) != 0)
        return -1;
    blobcache_put(r->app->fragments, g->key, html, len);
    page_kept_fragment(r, r->app->fragments, g->key, html, len, body, after, gz);
    return 0;
}

void staff_day(struct req *r)
{
    struct err e = {0};
    const char *ds = kv_get(&r->query, "date"), *by = kv_get(&r->query, "by");
    struct db *db = web_db(r);
    struct sched_setup su;
    size_t nl;
    const struct location *locs, *loc;

    /* one location at a time, on its clock */
    if (admin_location_pick(r, kv_get(&r->query, "location"), &locs, &nl, &loc) < 0)
        return;
    const struct tz *tz = web_zone(r, loc->id);
    struct dt_date d = when_local_date(tz, clock_now());
    if (ds && dt_parse_date(ds, &d) < 0) {
        web_error(r, 400, NULL, "The date must look like 2026-11-24.");
        return;
    }
    int by_room = by && strcmp(by, "room") == 0;
    if (by && !by_room && strcmp(by, "therapist") != 0) {
        web_error(r, 400, NULL, "Show the day by 'therapist' or by 'room'.");
        return;
    }
    /* A therapist sees their own column only. */
    const char *only = r->role == AUTH_THERAPIST ? r->user->therapist_id : NULL;
    if (sched_setup_at(db, r->arena, r->app->sched, loc->id, &su, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    const char *sheet_s = kv_get(&r->query, "sheet");
    int sheet = sheet_s && strcmp(sheet_s, "therapist") == 0;
    if (sheet_s && !sheet) {
        web_error(r, 400, NULL, "The printed sheet is 'sheet=therapist' (a page each).");
        return;
    }
    /* The grid is rendered once per change of what it shows: the key holds
     * both data versions (read above, before the appointments, so what is
     * stored is never older than its key says), the day, the layout, whose
     * columns (a therapist's own, "t:" and their id, never the desk's "all"),
     * links or not, and for today the minute of now: the now line's label
     * says the minute and free quarter hours pass.  A repeated request then
     * costs the version read and one copy of the kept grid, whatever the day
     * holds. */
    int64_t now = clock_now(), t0 = tz_day_start(tz, d);
    int64_t t1 = tz_day_start(tz, dt_date_add(d, 1));
    int desk = r->role == AUTH_DESK || r->role == AUTH_ADMIN;
    long long bucket = now < t0 ? -1 : now >= t1 ? -2 : (long long)(now / 60);
    const char *key =
        arena_printf(r->arena, "staff-day|%lld|%lld|L%lld|%s|%d|%s%s|%d|%d|%lld",
                     (long long)su.version, (long long)su.appointments_version,
                     (long long)loc->id, when_date_param(r->arena, d), by_room, only ? "t:" : "all",
                     only ? only : "",
                     desk, sheet, bucket);
    const char *view = by_room ? "&by=room" : "";
    /* with several locations every link stays at this one */
    const char *at = nl > 1 ? arena_printf(r->arena, "&location=%lld", (long long)loc->id) : "";
    view = arena_printf(r->arena, "%s%s", view, at);
    json_t *ctx = chrome_context(
        r, arena_printf(r->arena, "Day view: %s", when_date_long(r->arena, d)), "day");
    json_object_set_new(ctx, "date", json_string(when_date_param(r->arena, d)));
    json_object_set_new(ctx, "date_label", json_string(when_date_long(r->arena, d)));
    json_object_set_new(ctx, "by_room", json_boolean(by_room));
    json_object_set_new(
        ctx, "prev_url",
        json_string(arena_printf(r->arena, "/staff?date=%s%s",
                                 when_date_param(r->arena, dt_date_add(d, -1)), view)));
    json_object_set_new(
        ctx, "next_url",
        json_string(arena_printf(r->arena, "/staff?date=%s%s",
                                 when_date_param(r->arena, dt_date_add(d, 1)), view)));
    json_object_set_new(
        ctx, "switch_url",
        json_string(arena_printf(r->arena, "/staff?date=%s%s%s", when_date_param(r->arena, d),
                                 by_room ? "" : "&by=room", at)));
    json_object_set_new(ctx, "can_switch", json_boolean(!only));
    json_object_set_new(ctx, "sheet", json_boolean(sheet));
    json_object_set_new(ctx, "sheet_url",
                        json_string(arena_printf(r->arena, "/staff?date=%s%s&sheet=therapist",
                                                 when_date_param(r->arena, d), view)));
    admin_location_context(r, ctx, locs, nl, loc, "/staff");
    json_t *list = json_object_get(ctx, "locations");
    for (size_t i = 0; i < json_array_size(list); i++)
        json_object_set_new(json_array_get(list, i), "url",
                            json_string(arena_printf(r->arena, "/staff?date=%s%s&location=%lld",
                                                     when_date_param(r->arena, d),
                                                     by_room ? "&by=room" : "",
                                                     (long long)locs[i].id)));
    struct grid_fill g = {tz, &su, d, by_room, only, sheet, now, key};
    page_render_slot(r, 200, "staff/day", ctx, "columns_html", fill_grid, &g);
    resp_header(r, "Cache-Control", "no-store");
}
