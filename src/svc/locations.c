/* locations — archiving a location and its booking rules; see locations.h.
 * It must not include http/ or web/; the rules' arithmetic is
 * core/booking's, read where the set-up is loaded (svc/booking.c). */
#include "svc/locations.h"

static enum err_code problem(struct err *e, const char *p)
{
    e->problem = p;
    return e->code;
}

enum err_code loc_archive(struct db *db, int64_t id, int archive, int64_t now, int64_t *live,
                          struct err *e)
{
    enum err_code rc;
    *live = 0;
    if (archive && id == STORE_FIRST_LOCATION) {
        err_set(e, E_CONFLICT,
                "The first location holds the clinic's defaults and cannot be archived; "
                "rename it instead.");
        return problem(e, "location_first");
    }
    int tries = 0;
again: /* a lost race runs again (store.h) */
    *live = 0;
    if ((rc = db_begin(db, e)) != E_OK)
        return rc;
    /* The location's lock first: a booking there holds it until its commit
     * (db_hold_for_booking), so the count below sees every booking that
     * committed, and one that starts after this reads the archive's version
     * and is refused.  Without it PostgreSQL's side-by-side writers let a
     * booking that read the location just before commit into it after the
     * count. */
    if ((rc = db_lock_location(db, id, e)) != E_OK)
        goto fail;
    if (archive) {
        if ((rc = db_location_future_live(db, id, now, live, e)) != E_OK)
            goto fail;
        if (*live > 0) {
            err_set(e, E_CONFLICT,
                    "This location still has %lld upcoming appointment%s; move or cancel "
                    "%s before archiving it.",
                    (long long)*live, *live == 1 ? "" : "s", *live == 1 ? "it" : "them");
            rc = problem(e, "location_has_appointments");
            goto fail;
        }
    }
    if ((rc = db_location_archive(db, id, archive ? now : 0, e)) != E_OK ||
        (rc = db_commit(db, e)) != E_OK)
        goto fail;
    return E_OK;
fail:
    db_rollback(db);
    if (db_retry(db, &rc, &tries, e))
        goto again;
    return rc;
}

enum err_code loc_set_rules(struct db *db, int64_t id, int min_notice_minutes, int horizon_days,
                            int late_cancel_hours, struct err *e)
{
    enum err_code rc;
    if ((rc = db_begin(db, e)) != E_OK)
        return rc;
    /* after the bookings there in flight, before the ones that follow */
    if ((rc = db_lock_location(db, id, e)) != E_OK ||
        (rc = db_location_rules(db, id, min_notice_minutes, horizon_days, late_cancel_hours,
                                e)) != E_OK ||
        (rc = db_commit(db, e)) != E_OK) {
        db_rollback(db);
        return rc;
    }
    return E_OK;
}
