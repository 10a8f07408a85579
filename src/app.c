/* app — assembles the long-lived parts named in app.h and reports the first
 * failure with a message that names what to fix. */
#include "util/blobcache.h"
#include "app.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/booking.h"
#include "core/tz.h"
#include "http/metrics.h"
#include "store/store.h"
#include "svc/booking.h"
#include "util/log.h"
#include "util/tzload.h"
#include "view/tpl.h"
#include "web/static.h"

int app_load_tz(struct app *app, char *err, size_t errlen)
{
    char msg[256];
    if (tzload_load(app->cfg.timezone, &app->tz, msg, sizeof msg) < 0) {
        snprintf(err, errlen, "[clinic] timezone: %s", msg);
        return -1;
    }
    return 0;
}

/* Rendered page parts kept (web/staff.c): a few weeks of day views. */
#define APP_FRAGMENT_SLOTS 256

/* The stored start-time grid must divide an hour (svc sched_fix_grid); one
 * that does not is corrected here, before any request, and the log says so.
 * Returns 0, or -1 with err set. */
static int check_grid(struct app *app, char *err, size_t errlen)
{
    struct err e = {0};
    int was, now;
    struct db *db = db_acquire(app->store);
    enum err_code rc = sched_fix_grid(db, &was, &now, &e);
    db_release(db);
    if (rc != E_OK) {
        snprintf(err, errlen, "[database] path %s: check the booking grid: %s", app->cfg.db_path,
                 e.msg);
        return -1;
    }
    if (was != now)
        log_warn("booking rules: the start-time grid stored on /admin/rules was %d minutes, "
                 "which does not divide an hour; it is now %d (allowed: " BOOKING_GRIDS_TEXT ")",
                 was, now);
    return 0;
}

int app_open_store(struct app *app, int conns, char *err, size_t errlen)
{
    struct err e = {0};
    if (store_open(app->cfg.db_path, conns, &app->store, &e) != E_OK ||
        store_migrate(app->store, NULL, &e) != E_OK) {
        snprintf(err, errlen, "[database] %s %s: %s", store_is_url(app->cfg.db_path) ? "url" : "path",
                 store_shown(app->cfg.db_path), e.msg);
        return -1;
    }
    if (check_grid(app, err, errlen) < 0)
        return -1;
    app->sched = sched_cache_new(&app->hooks);
    sched_cache_keep_days(app->sched, app->cfg.day_cache);
    app->fragments = blobcache_new(APP_FRAGMENT_SLOTS);
    return 0;
}

int app_open_existing_store(struct app *app, int conns, char *err, size_t errlen)
{
    struct err e = {0};
    struct stat st;
    int version = 0;
    const char *path = app->cfg.db_path;
    if (!store_is_url(path) && stat(path, &st) < 0 && errno == ENOENT) {
        snprintf(err, errlen, "[database] path %s: no database there (run knead migrate or knead"
                              " demo first)", store_shown(path));
        return -1;
    }
    if (store_open(path, conns, &app->store, &e) != E_OK ||
        store_version(app->store, &version, &e) != E_OK) {
        snprintf(err, errlen, "[database] %s %s: %s", store_is_url(path) ? "url" : "path",
                 store_shown(path), e.msg);
        return -1;
    }
    if (version == 0) {
        snprintf(err, errlen, "[database] path %s: holds no Knead database (run knead migrate or"
                              " knead demo first)", store_shown(path));
        return -1;
    }
    if (store_migrate(app->store, NULL, &e) != E_OK) {
        snprintf(err, errlen, "[database] %s %s: %s", store_is_url(path) ? "url" : "path",
                 store_shown(path), e.msg);
        return -1;
    }
    if (store_limit_size(app->store, (int64_t)app->cfg.max_size_mb << 20, &e) != E_OK) {
        snprintf(err, errlen, "[database] max_size_mb: %s", e.msg);
        return -1;
    }
    if (check_grid(app, err, errlen) < 0)
        return -1;
    app->sched = sched_cache_new(&app->hooks);
    sched_cache_keep_days(app->sched, app->cfg.day_cache);
    app->fragments = blobcache_new(APP_FRAGMENT_SLOTS);
    return 0;
}

int app_load_site(struct app *app, char *err, size_t errlen)
{
    char msg[512];
    if (tpl_engine_load(app->cfg.templates_dir, &app->tpl, msg, sizeof msg) < 0) {
        snprintf(err, errlen, "templates: %s", msg);
        return -1;
    }
    if (static_load(app->cfg.static_dir, &app->statics, msg, sizeof msg) < 0) {
        snprintf(err, errlen, "static: %s", msg);
        return -1;
    }
    return 0;
}

struct booking_rules app_booking_rules(const struct app *app)
{
    struct booking_rules r = {app->cfg.min_notice_minutes, app->cfg.horizon_days,
                              app->cfg.grid_minutes, app->cfg.late_cancel_hours};
    return r;
}

void app_close(struct app *app)
{
    sched_cache_free(app->sched);
    app->sched = NULL;
    blobcache_free(app->fragments);
    app->fragments = NULL;
    http_metrics_free(app->metrics);
    app->metrics = NULL;
    static_free(app->statics);
    tpl_engine_free(app->tpl);
    store_close(app->store);
    tz_free(app->tz);
    app->statics = NULL;
    app->tpl = NULL;
    app->store = NULL;
    app->tz = NULL;
}
