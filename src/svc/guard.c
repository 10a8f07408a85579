/* guard — checks a change of the clinic's hours against the booked
 * appointments and saves it only when none is left outside, or the admin
 * confirmed.  It must not decide anything about a single slot (that is
 * core/avail) nor move or cancel the appointments it lists: they stay
 * booked, and the front desk moves them. */
#include "svc/guard.h"

#include <string.h>

#include "core/datetime.h"
#include "core/shift.h"

static int holds_time(const struct appointment *ap)
{
    return strcmp(ap->status, "booked") == 0 || strcmp(ap->status, "checked_in") == 0;
}

/* Keeps in v[0..*n) the appointments that hold time, end after now and for
 * which outside(ctx, ap) is 1. */
static void keep(struct appointment *v, size_t *n, int64_t now,
                 int (*outside)(const void *ctx, const struct appointment *ap), const void *ctx)
{
    size_t k = 0;
    for (size_t i = 0; i < *n; i++)
        if (holds_time(&v[i]) && v[i].end > now && outside(ctx, &v[i]))
            v[k++] = v[i];
    *n = k;
}

static enum err_code refuse(size_t n, struct err *e)
{
    err_set(e, E_CONFLICT,
            "Not saved: %zu booked appointment%s would fall outside the clinic's hours. Confirm "
            "to save anyway (they stay booked; move them from the day view), or change the "
            "hours.",
            n, n == 1 ? "" : "s");
    e->problem = "appointments_outside_hours";
    return E_CONFLICT;
}

/* One guarded change: the appointments of [t0, t1) that outside() names
 * are the ones it would strand; save() writes it. */
struct change {
    int64_t location_id; /* whose hours or closed dates it changes */
    int64_t t0, t1;
    int (*outside)(const void *ctx, const struct appointment *ap);
    const void *ctx;
    enum err_code (*save)(struct db *db, const void *ctx, struct err *e);
};

/* The transaction both changes share: hold the location, read, list,
 * refuse without confirm, else save; on any error rolled back, and run
 * again when it lost a race (store.h). */
static enum err_code guarded(struct db *db, struct arena *a, const struct change *c, int confirm,
                             int64_t now, struct appointment **stranded, size_t *nstranded,
                             struct err *e)
{
    enum err_code rc;
    int tries = 0;
again:
    *stranded = NULL;
    *nstranded = 0;
    if ((rc = db_begin(db, e)) != E_OK)
        return rc;
    if ((rc = db_lock_location(db, c->location_id, e)) != E_OK ||
        (rc = db_appointments(db, a, c->t0, c->t1, stranded, nstranded, e)) != E_OK)
        goto fail;
    keep(*stranded, nstranded, now, c->outside, c->ctx);
    if (*nstranded > 0 && !confirm) {
        rc = refuse(*nstranded, e);
        goto fail;
    }
    if ((rc = c->save(db, c->ctx, e)) != E_OK || (rc = db_commit(db, e)) != E_OK)
        goto fail;
    return E_OK;
fail:
    db_rollback(db);
    if (db_retry(db, &rc, &tries, e))
        goto again;
    return rc;
}

struct hours_ctx {
    const struct tz *tz;
    int64_t location_id; /* the appointments there only */
    struct shift_span *work;
    const struct week_span *spans;
    size_t n;
};

static int outside_hours(const void *p, const struct appointment *ap)
{
    const struct hours_ctx *c = p;
    struct dt_civil lc;
    if (ap->location_id != c->location_id)
        return 0; /* another location's hours */
    tz_to_local(c->tz, ap->start, &lc, NULL);
    int wd = dt_weekday(dt_days_from_civil(lc.year, lc.month, lc.day));
    int s = lc.hour * 60 + lc.min;
    int en = s + (int)((ap->end - ap->start + 59) / 60);
    return !shift_fits(c->work, c->n, NULL, 0, wd, s, en);
}

static enum err_code save_hours(struct db *db, const void *p, struct err *e)
{
    const struct hours_ctx *c = p;
    return db_put_clinic_hours(db, c->location_id, c->spans, c->n, e);
}

enum err_code guard_clinic_hours(struct db *db, struct arena *a, const struct tz *tz,
                                 int64_t location_id, const struct week_span *spans, size_t n, int confirm,
                                 int64_t now, struct appointment **stranded, size_t *nstranded,
                                 struct err *e)
{
    struct shift_span *work = arena_array(a, n + 1, sizeof *work);
    for (size_t i = 0; i < n; i++)
        work[i] = (struct shift_span){spans[i].weekday, spans[i].start_min, spans[i].end_min};
    struct hours_ctx ctx = {tz, location_id, work, spans, n};
    /* from a day back: an appointment under way now still counts */
    struct change c = {location_id, now - 86400, now + GUARD_AHEAD_SECONDS, outside_hours, &ctx,
                       save_hours};
    return guarded(db, a, &c, confirm, now, stranded, nstranded, e);
}

struct closed_ctx {
    int64_t location_id;
    const char *date, *reason;
};

static int on_the_day(const void *p, const struct appointment *ap)
{
    const struct closed_ctx *c = p;
    return ap->location_id == c->location_id; /* the day's span is the query's */
}

static enum err_code save_closed(struct db *db, const void *p, struct err *e)
{
    const struct closed_ctx *c = p;
    return db_add_closed_date(db, c->location_id, c->date, c->reason, e);
}

enum err_code guard_closed_date(struct db *db, struct arena *a, const struct tz *tz,
                                int64_t location_id, const char *date, const char *reason, int confirm, int64_t now,
                                struct appointment **stranded, size_t *nstranded, struct err *e)
{
    struct dt_date d;
    *stranded = NULL;
    *nstranded = 0;
    if (dt_parse_date(date, &d) < 0) {
        err_set(e, E_INVALID, "Enter the date as YYYY-MM-DD, e.g. 2026-12-25.");
        return E_INVALID;
    }
    struct closed_ctx ctx = {location_id, date, reason};
    struct change c = {location_id, tz_day_start(tz, d), tz_day_start(tz, dt_date_add(d, 1)),
                       on_the_day, &ctx, save_closed};
    return guarded(db, a, &c, confirm, now, stranded, nstranded, e);
}
