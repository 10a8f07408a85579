/* staff — the front desk's day view: who is booked when, per therapist or
 * per room.  Reads the store; holds no rule. */
#include "web/staff.h"

#include <stdio.h>
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
#include "web/chrome.h"
#include "web/page.h"

static const char *status_label(const struct appointment *a)
{
    static const struct {
        const char *status, *label;
    } labels[] = {
        {"booked", "Booked"},       {"checked_in", "Checked in"}, {"completed", "Completed"},
        {"no_show", "No-show"},     {"cancelled", "Cancelled"},
    };
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (strcmp(labels[i].status, a->status) == 0)
            return a->cancel_late && strcmp(a->status, "cancelled") == 0 ? "Cancelled late"
                                                                          : labels[i].label;
    return a->status;
}

static json_t *block(struct req *r, const struct appointment *a, int by_room)
{
    json_t *b = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)a->id,
                          "time", when_range(r->app->tz, r->arena, a->start, a->end), "client",
                          a->client_name, "phone", a->client_phone, "service", a->service_name,
                          "status", a->status, "status_label", status_label(a), "with",
                          by_room ? a->therapist_name : a->room_name);
    if (strcmp(a->status, "cancelled") == 0)
        json_object_set_new(b, "cancelled", json_true());
    if (a->notes[0])
        json_object_set_new(b, "notes", json_string(a->notes));
    return b;
}

/* Renders the day's columns (templates/staff/day_columns.html) onto the
 * arena; 0, or -1 with the error response written. */
static int render_columns(struct req *r, const struct sched_setup *su, struct dt_date d,
                          int by_room, const char *only, void **html, size_t *len)
{
    struct err e = {0};
    struct appointment *ap;
    size_t nap;
    char msg[256];
    struct sb out;
    int64_t t0 = tz_day_start(r->app->tz, d), t1 = tz_day_start(r->app->tz, dt_date_add(d, 1));
    if (db_appointments(web_db(r), r->arena, t0, t1, &ap, &nap, &e) != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    const struct therapist *th = su->therapists;
    const struct room *rooms = su->rooms;
    json_t *cols = json_array();
    size_t ncols = by_room ? su->nrooms : su->ntherapists;
    for (size_t c = 0; c < ncols; c++) {
        if (!by_room && only && strcmp(th[c].id, only) != 0)
            continue;
        json_t *items = json_array();
        for (size_t i = 0; i < nap; i++) {
            int mine = by_room ? ap[i].room_id == rooms[c].id
                               : strcmp(ap[i].therapist_id, th[c].id) == 0;
            if (mine && (!only || strcmp(ap[i].therapist_id, only) == 0))
                json_array_append_new(items, block(r, &ap[i], by_room));
        }
        json_array_append_new(cols, json_pack("{s:s, s:o}", "name",
                                              by_room ? rooms[c].name : th[c].name, "items",
                                              items));
    }
    json_t *ctx = web_keep(r, json_pack("{s:o}", "columns", cols));
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

void staff_day(struct req *r)
{
    struct err e = {0};
    struct dt_date d = when_local_date(r->app->tz, clock_now());
    const char *ds = kv_get(&r->query, "date"), *by = kv_get(&r->query, "by");
    struct db *db = web_db(r);
    struct sched_setup su;

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
    if (sched_setup(db, r->arena, r->app->sched, &su, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    /* The columns are rendered once per change of the data they show: the
     * key holds both data versions (read above, before the appointments, so
     * what is stored is never older than its key says), the day, the layout
     * and whose columns. */
    const char *key = arena_printf(r->arena, "staff-day|%lld|%lld|%s|%d|%s", (long long)su.version,
                                   (long long)su.appointments_version, when_date_param(r->arena, d),
                                   by_room, only ? only : "*");
    void *html;
    size_t len;
    if (!blobcache_get(r->app->fragments, key, r->arena, &html, &len)) {
        if (render_columns(r, &su, d, by_room, only, &html, &len) != 0)
            return;
        blobcache_put(r->app->fragments, key, html, len);
    }
    const char *view = by_room ? "&by=room" : "";
    json_t *ctx = chrome_context(
        r, arena_printf(r->arena, "Day view: %s", when_date_long(r->arena, d)), "day");
    json_object_set_new(ctx, "date", json_string(when_date_param(r->arena, d)));
    json_object_set_new(ctx, "date_label", json_string(when_date_long(r->arena, d)));
    json_object_set_new(ctx, "columns_html", json_stringn(html, len));
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
        json_string(arena_printf(r->arena, "/staff?date=%s%s", when_date_param(r->arena, d),
                                 by_room ? "" : "&by=room")));
    json_object_set_new(ctx, "can_switch", json_boolean(!only));
    page_render(r, 200, "staff/day", ctx);
    resp_header(r, "Cache-Control", "no-store");
}
