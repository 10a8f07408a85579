/* st_clinic — the clinic's set-up in the store: services, therapists and
 * their weeks, rooms, opening hours, closed dates, booking rules, and the
 * version numbers the set-up cache (web/sched.c) keys on.  Written once for
 * every driver: named queries through rows.h, no engine's API. */
#include <string.h>

#include "store/rows.h"
#include "util/sb.h"

/* ---- versions and the whole clinic ---- */

enum err_code db_schema_version(struct db *db, int *version, struct err *e)
{
    int64_t v = 0;
    enum err_code rc = rows_i64_of(db, Q_VERSION, "read schema version", NOARGS, &v, e);
    *version = (int)v;
    return rc;
}

enum err_code db_clinic_version(struct db *db, int64_t *version, struct err *e)
{
    int64_t appts;
    /* both in the one read the request keeps (store.h), or in the read it
     * shares with others (drv.h: db_versions_shared) */
    if (db->hold || (db->store && db->store->versions && !db->tx))
        return db_versions(db, version, &appts, e);
    return rows_i64_of(db, Q_CLINIC_VERSION, "read clinic version", NOARGS, version, e);
}

struct versions {
    int64_t clinic, appointments;
};
static const struct col versions_cols[] = {
    COL_I64(struct versions, clinic),
    COL_I64(struct versions, appointments),
};

enum err_code db_versions_read(struct db *db, int64_t *clinic, int64_t *appointments,
                               struct err *e)
{
    struct versions v;
    enum err_code rc =
        rows_one(db, NULL, Q_VERSIONS, "read data versions", NOARGS, COLS(versions_cols), &v, e);
    if (rc == E_OK) {
        *clinic = v.clinic;
        *appointments = v.appointments;
    }
    return rc;
}

enum err_code db_versions(struct db *db, int64_t *clinic, int64_t *appointments, struct err *e)
{
    struct versions v;
    if (db->held) {
        *clinic = db->held_clinic;
        *appointments = db->held_appts;
        return E_OK;
    }
    /* SQLite: nothing committed since the last read (the driver's mark,
     * taken before that read, unmoved): its versions, with no read at all.
     * The cached availability and pages are read-only requests whose one
     * statement was this read (bench/README.md).  PostgreSQL has no such
     * mark: its requests share reads that began after they asked
     * (db_versions_shared, coalesce.h). */
    struct drv_mark mark;
    int marked = -1;
    if (db->drv->versions_mark)
        marked = db->drv->versions_mark(db, &mark, &v.clinic, &v.appointments);
    enum err_code rc = E_OK;
    if (marked == 0) {
        rc = db_versions_read(db, &v.clinic, &v.appointments, e);
        if (rc == E_OK)
            db->drv->versions_note(db, &mark, v.clinic, v.appointments);
    } else if (marked != 1) {
        rc = db_versions_shared(db, &v.clinic, &v.appointments, e);
    }
    if (rc == E_OK) {
        *clinic = v.clinic;
        *appointments = v.appointments;
        if (db->hold) {
            db->held_clinic = v.clinic;
            db->held_appts = v.appointments;
            db->held = 1;
        }
    }
    return rc;
}

enum err_code db_is_empty(struct db *db, int *empty, struct err *e)
{
    int64_t rows = 0;
    enum err_code rc = rows_i64_of(db, Q_IS_EMPTY, "count clinic data", NOARGS, &rows, e);
    *empty = rows == 0;
    return rc;
}

enum err_code db_wipe(struct db *db, struct err *e)
{
    /* A signed note is never deleted (0019's trigger would refuse it
     * half-way); say so before anything is touched. */
    int64_t kept = 0;
    enum err_code rc =
        rows_i64_of(db, Q_SIGNED_NOTES_EXIST, "look for signed notes", NOARGS, &kept, e);
    if (rc != E_OK)
        return rc;
    if (kept)
        return err_set(e, E_CONFLICT,
                       "the database holds signed treatment notes, which are never deleted; "
                       "seed the demo into a new database file (--db)");
    if ((rc = rows_i64_of(db, Q_LEDGER_EXISTS, "look for the ledger", NOARGS, &kept, e)) != E_OK)
        return rc;
    if (kept)
        return err_set(e, E_CONFLICT,
                       "the database holds invoices and payments, which are never deleted; "
                       "seed the demo into a new database file (--db)");
    return db->drv->script(db, db->drv->sql[Q_WIPE], "delete the clinic's data", e);
}

/* ---- services ---- */

static const struct col service_cols[] = {
    COL_TEXT(struct service, id),
    COL_TEXT(struct service, name),
    COL_TEXT(struct service, description),
    COL_INT(struct service, duration_min),
    COL_INT(struct service, buffer_min),
    COL_INT(struct service, price_cents),
    COL_INT(struct service, active),
    COL_INT(struct service, position),
    COL_INT(struct service, min_notice_minutes),
    COL_INT(struct service, horizon_days),
    COL_INT(struct service, late_cancel_hours),
};

enum err_code db_services(struct db *db, struct arena *a, int active_only, struct service **out,
                          size_t *n, struct err *e)
{
    return rows_list(db, a, Q_SERVICES, "list services", ARGS(A_I64(active_only ? 1 : 0)),
                     COLS(service_cols), sizeof **out, (void **)out, n, e);
}

enum err_code db_service(struct db *db, struct arena *a, const char *id, struct service *out,
                         struct err *e)
{
    enum err_code rc =
        rows_one(db, a, Q_SERVICE, "read service", ARGS(A_TEXT(id)), COLS(service_cols), out, e);
    if (rc == E_NOTFOUND)
        return err_set(e, E_NOTFOUND, "there is no service '%s'", id);
    return rc;
}

enum err_code db_put_service(struct db *db, const struct service *v, struct err *e)
{
    return rows_exec(db, Q_PUT_SERVICE, "save service",
                     ARGS(A_TEXT(v->id), A_TEXT(v->name), A_TEXT(v->description),
                          A_I64(v->duration_min), A_I64(v->buffer_min), A_I64(v->price_cents),
                          A_I64(v->active), A_I64(v->position), A_OPT(v->min_notice_minutes),
                          A_OPT(v->horizon_days), A_OPT(v->late_cancel_hours)),
                     NULL, e);
}

enum err_code db_set_service_therapists(struct db *db, const char *service_id, const char **ids,
                                        size_t n, struct err *e)
{
    const char *what = "save service therapists";
    enum err_code rc =
        rows_exec(db, Q_DEL_SERVICE_THERAPISTS, what, ARGS(A_TEXT(service_id)), NULL, e);
    for (size_t i = 0; rc == E_OK && i < n; i++)
        rc = rows_exec(db, Q_ADD_THERAPIST_SERVICE, what, ARGS(A_TEXT(ids[i]), A_TEXT(service_id)),
                       NULL, e);
    return rc;
}

enum err_code db_set_service_rooms(struct db *db, const char *service_id, const int64_t *ids,
                                   size_t n, struct err *e)
{
    const char *what = "save service rooms";
    enum err_code rc = rows_exec(db, Q_DEL_SERVICE_ROOMS, what, ARGS(A_TEXT(service_id)), NULL, e);
    for (size_t i = 0; rc == E_OK && i < n; i++)
        rc = rows_exec(db, Q_ADD_ROOM_SERVICE, what, ARGS(A_I64(ids[i]), A_TEXT(service_id)), NULL,
                       e);
    return rc;
}

/* ---- therapists ---- */

static const struct col therapist_cols[] = {
    COL_TEXT(struct therapist, id),    COL_TEXT(struct therapist, name),
    COL_TEXT(struct therapist, title), COL_TEXT(struct therapist, bio),
    COL_TEXT(struct therapist, photo), COL_TEXT(struct therapist, photo_alt),
    COL_INT(struct therapist, active), COL_INT(struct therapist, position),
    COL_TEXT(struct therapist, specialties),
};

static const struct col text_cols[] = {COL_SELF_TEXT};

enum err_code db_therapists(struct db *db, struct arena *a, int active_only, struct therapist **out,
                            size_t *n, struct err *e)
{
    struct therapist *items = NULL;
    size_t cnt = 0;
    struct rows r;
    int more;
    enum err_code rc =
        rows_list(db, a, Q_THERAPISTS, "list therapists", ARGS(A_I64(active_only ? 1 : 0)),
                  COLS(therapist_cols), sizeof *items, (void **)&items, &cnt, e);
    if (rc != E_OK)
        return rc;
    /* One pass over all pairs rather than one query per therapist. */
    if ((rc = rows_open(&r, db, Q_ALL_THERAPIST_SERVICES, "list therapist services", NOARGS, e)) !=
        E_OK)
        return rc;
    size_t *caps = cnt ? arena_array(a, cnt, sizeof *caps) : NULL;
    while ((more = rows_next(&r, e)) == 1) {
        const char *tid = rows_peek_text(&r, 0);
        for (size_t i = 0; i < cnt; i++) {
            if (strcmp(items[i].id, tid) == 0) {
                items[i].service_ids = rows_grow(a, items[i].service_ids, items[i].nservices,
                                                 &caps[i], sizeof(char *));
                items[i].service_ids[items[i].nservices++] = rows_text(&r, a, 1);
                break;
            }
        }
    }
    if (more < 0)
        return rows_code(e);
    *out = items;
    *n = cnt;
    return E_OK;
}

enum err_code db_therapist(struct db *db, struct arena *a, const char *id, struct therapist *out,
                           struct err *e)
{
    enum err_code rc = rows_one(db, a, Q_THERAPIST, "read therapist", ARGS(A_TEXT(id)),
                                COLS(therapist_cols), out, e);
    if (rc == E_NOTFOUND)
        return err_set(e, E_NOTFOUND, "there is no therapist '%s'", id);
    if (rc != E_OK)
        return rc;
    return rows_list(db, a, Q_THERAPIST_SERVICES, "list therapist services", ARGS(A_TEXT(id)),
                     COLS(text_cols), sizeof(char *), (void **)&out->service_ids, &out->nservices,
                     e);
}

enum err_code db_put_therapist(struct db *db, const struct therapist *t, struct err *e)
{
    const char *what = "save therapist services";
    enum err_code rc = rows_exec(db, Q_PUT_THERAPIST, "save therapist",
                                 ARGS(A_TEXT(t->id), A_TEXT(t->name), A_TEXT(t->title),
                                      A_TEXT(t->bio), A_TEXT(t->photo), A_TEXT(t->photo_alt),
                                      A_I64(t->active), A_I64(t->position),
                                      A_TEXT(t->specialties ? t->specialties : "")),
                                 NULL, e);
    if (rc == E_OK)
        rc = rows_exec(db, Q_DEL_THERAPIST_SERVICES, what, ARGS(A_TEXT(t->id)), NULL, e);
    for (size_t i = 0; rc == E_OK && i < t->nservices; i++)
        rc = rows_exec(db, Q_ADD_THERAPIST_SERVICE, what,
                       ARGS(A_TEXT(t->id), A_TEXT(t->service_ids[i])), NULL, e);
    return rc;
}

/* ---- weekly hours ---- */

struct hours_row {
    int weekday;
    const char *kind;
    int start_min, end_min;
    int64_t location_id;
};
static const struct col hours_cols[] = {
    COL_INT(struct hours_row, weekday),
    COL_TEXT(struct hours_row, kind),
    COL_INT(struct hours_row, start_min),
    COL_INT(struct hours_row, end_min),
    COL_I64(struct hours_row, location_id),
};

/* A span's location as written: 0 is the first location. */
static int64_t where(int64_t location_id)
{
    return location_id > 0 ? location_id : STORE_FIRST_LOCATION;
}

enum err_code db_lock_therapist(struct db *db, const char *id, struct err *e)
{
    int64_t one;
    return rows_i64_of(db, Q_LOCK_THERAPIST, "hold the therapist", ARGS(A_TEXT(id)), &one, e);
}

enum err_code db_lock_location(struct db *db, int64_t id, struct err *e)
{
    int64_t one;
    return rows_i64_of(db, Q_LOCK_LOCATION, "hold the location", ARGS(A_I64(where(id))), &one,
                       e);
}

enum err_code db_lock_setup(struct db *db, struct err *e)
{
    int64_t n;
    return rows_i64_of(db, Q_LOCK_SETUP, "hold the clinic's set-up", NOARGS, &n, e);
}

enum err_code db_hold_for_booking(struct db *db, const char *email_key, const char *phone_key,
                                  int64_t location_id, const char *const *therapist_ids, size_t n,
                                  struct err *e)
{
    struct sb ids = SB_INIT;
    int64_t held;
    enum err_code rc;
    for (size_t i = 0; i < n; i++) {
        if (i)
            sb_addc(&ids, ' ');
        sb_adds(&ids, therapist_ids[i]);
    }
    rc = rows_i64_of(db, Q_HOLD_FOR_BOOKING, "hold the booking's client, location and therapists",
                     ARGS(A_I64(where(location_id)), A_TEXT(ids.buf),
                          A_TEXT(email_key ? email_key : ""), A_TEXT(phone_key ? phone_key : "")),
                     &held, e);
    sb_release(&ids);
    return rc;
}

enum err_code db_therapist_week(struct db *db, struct arena *a, const char *id,
                                struct therapist_week *out, struct err *e)
{
    struct hours_row *rows;
    size_t n = 0, wcap = 0, bcap = 0;
    enum err_code rc = rows_list(db, a, Q_THERAPIST_HOURS, "read therapist hours", ARGS(A_TEXT(id)),
                                 COLS(hours_cols), sizeof *rows, (void **)&rows, &n, e);
    memset(out, 0, sizeof *out);
    if (rc != E_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        struct week_span sp = {rows[i].weekday, rows[i].start_min, rows[i].end_min,
                               rows[i].location_id};
        if (strcmp(rows[i].kind, "break") == 0) {
            out->breaks = rows_grow(a, out->breaks, out->nbreaks, &bcap, sizeof sp);
            out->breaks[out->nbreaks++] = sp;
        } else {
            out->work = rows_grow(a, out->work, out->nwork, &wcap, sizeof sp);
            out->work[out->nwork++] = sp;
        }
    }
    return E_OK;
}

static enum err_code add_spans(struct db *db, const char *tid, const char *kind,
                               const struct week_span *sp, size_t n, struct err *e)
{
    enum err_code rc = E_OK;
    for (size_t i = 0; rc == E_OK && i < n; i++)
        rc = rows_exec(db, Q_ADD_THERAPIST_HOURS, "save therapist hours",
                       ARGS(A_TEXT(tid), A_I64(sp[i].weekday), A_TEXT(kind), A_I64(sp[i].start_min),
                            A_I64(sp[i].end_min), A_I64(where(sp[i].location_id))),
                       NULL, e);
    return rc;
}

enum err_code db_put_therapist_week(struct db *db, const char *tid, const struct therapist_week *w,
                                    struct err *e)
{
    enum err_code rc =
        rows_exec(db, Q_DEL_THERAPIST_HOURS, "save therapist hours", ARGS(A_TEXT(tid)), NULL, e);
    if (rc == E_OK)
        rc = add_spans(db, tid, "work", w->work, w->nwork, e);
    if (rc == E_OK)
        rc = add_spans(db, tid, "break", w->breaks, w->nbreaks, e);
    return rc;
}

static const struct col span_cols[] = {
    COL_INT(struct week_span, weekday),
    COL_INT(struct week_span, start_min),
    COL_INT(struct week_span, end_min),
    COL_I64(struct week_span, location_id),
};

enum err_code db_clinic_hours(struct db *db, struct arena *a, struct week_span **out, size_t *n,
                              struct err *e)
{
    return rows_list(db, a, Q_CLINIC_HOURS, "read clinic hours", NOARGS, COLS(span_cols),
                     sizeof **out, (void **)out, n, e);
}

enum err_code db_put_clinic_hours(struct db *db, int64_t location_id, const struct week_span *sp,
                                  size_t n, struct err *e)
{
    const char *what = "save clinic hours";
    int64_t loc = where(location_id);
    enum err_code rc = rows_exec(db, Q_DEL_CLINIC_HOURS, what, ARGS(A_I64(loc)), NULL, e);
    for (size_t i = 0; rc == E_OK && i < n; i++)
        rc = rows_exec(db, Q_ADD_CLINIC_HOURS, what,
                       ARGS(A_I64(sp[i].weekday), A_I64(sp[i].start_min), A_I64(sp[i].end_min),
                            A_I64(loc)),
                       NULL, e);
    return rc;
}

/* ---- locations ---- */

static const struct col location_cols[] = {
    COL_I64(struct location, id),
    COL_TEXT(struct location, name),
    COL_TEXT(struct location, address),
    COL_TEXT(struct location, timezone),
    COL_INT(struct location, position),
    COL_I64(struct location, archived_at),
    COL_INT(struct location, min_notice_minutes),
    COL_INT(struct location, horizon_days),
    COL_INT(struct location, late_cancel_hours),
};

enum err_code db_locations(struct db *db, struct arena *a, struct location **out, size_t *n,
                           struct err *e)
{
    return rows_list(db, a, Q_LOCATIONS, "list locations", NOARGS, COLS(location_cols),
                     sizeof **out, (void **)out, n, e);
}

enum err_code db_put_location(struct db *db, const struct location *l, int64_t *id,
                              struct err *e)
{
    int64_t changed = 0, lid = l->id;
    enum err_code rc;
    if (l->id == 0)
        rc = rows_insert(db, Q_ADD_LOCATION, "save location",
                         ARGS(A_TEXT(l->name), A_TEXT(l->address), A_TEXT(l->timezone),
                              A_I64(l->position)),
                         &lid, e);
    else {
        rc = rows_exec(db, Q_UPDATE_LOCATION, "save location",
                       ARGS(A_I64(l->id), A_TEXT(l->name), A_TEXT(l->address),
                            A_TEXT(l->timezone), A_I64(l->position)),
                       &changed, e);
        if (rc == E_OK && changed == 0)
            return err_set(e, E_NOTFOUND, "there is no such location");
    }
    if (rc == E_OK && id)
        *id = lid;
    return rc;
}

enum err_code db_location_future_live(struct db *db, int64_t location_id, int64_t now,
                                      int64_t *n, struct err *e)
{
    *n = 0;
    return rows_i64_of(db, Q_LOCATION_FUTURE_LIVE, "count the location's appointments",
                       ARGS(A_I64(location_id), A_I64(now)), n, e);
}

enum err_code db_location_archive(struct db *db, int64_t location_id, int64_t at, struct err *e)
{
    int64_t changed = 0;
    enum err_code rc = rows_exec(db, Q_LOCATION_ARCHIVE, "archive location",
                                 ARGS(A_I64(location_id), A_I64(at)), &changed, e);
    if (rc == E_OK && changed == 0)
        return err_set(e, E_NOTFOUND, "There is no such location.");
    return rc;
}

enum err_code db_location_rules(struct db *db, int64_t location_id, int min_notice_minutes,
                                int horizon_days, int late_cancel_hours, struct err *e)
{
    int64_t changed = 0;
    enum err_code rc = rows_exec(db, Q_LOCATION_RULES, "save the location's rules",
                                 ARGS(A_I64(location_id), A_OPT(min_notice_minutes),
                                      A_OPT(horizon_days), A_OPT(late_cancel_hours)),
                                 &changed, e);
    if (rc == E_OK && changed == 0)
        return err_set(e, E_NOTFOUND, "There is no such location.");
    return rc;
}

/* ---- rooms ---- */

static const struct col room_cols[] = {
    COL_I64(struct room, id),
    COL_TEXT(struct room, name),
    COL_I64(struct room, location_id),
};

enum err_code db_rooms(struct db *db, struct arena *a, struct room **out, size_t *n, struct err *e)
{
    struct room *items = NULL;
    size_t cnt = 0;
    enum err_code rc = rows_list(db, a, Q_ROOMS, "list rooms", NOARGS, COLS(room_cols),
                                 sizeof *items, (void **)&items, &cnt, e);
    for (size_t i = 0; rc == E_OK && i < cnt; i++)
        rc = rows_list(db, a, Q_ROOM_SERVICES, "list room services", ARGS(A_I64(items[i].id)),
                       COLS(text_cols), sizeof(char *), (void **)&items[i].service_ids,
                       &items[i].nservices, e);
    if (rc != E_OK)
        return rc;
    *out = items;
    *n = cnt;
    return E_OK;
}

static enum err_code add_room_services(struct db *db, int64_t room_id, const struct room *r,
                                       struct err *e)
{
    enum err_code rc = E_OK;
    for (size_t i = 0; rc == E_OK && i < r->nservices; i++)
        rc = rows_exec(db, Q_ADD_ROOM_SERVICE, "save room services",
                       ARGS(A_I64(room_id), A_TEXT(r->service_ids[i])), NULL, e);
    return rc;
}

enum err_code db_add_room(struct db *db, const struct room *r, int64_t *id, struct err *e)
{
    int64_t rid = 0;
    enum err_code rc = rows_insert(db, Q_ADD_ROOM, "save room",
                                   ARGS(A_TEXT(r->name), A_I64(where(r->location_id))), &rid, e);
    if (rc == E_OK)
        rc = add_room_services(db, rid, r, e);
    if (rc == E_OK && id)
        *id = rid;
    return rc;
}

enum err_code db_update_room(struct db *db, const struct room *r, struct err *e)
{
    int64_t changed = 0;
    enum err_code rc =
        rows_exec(db, Q_UPDATE_ROOM, "save room",
                  ARGS(A_I64(r->id), A_TEXT(r->name), A_I64(where(r->location_id))), &changed, e);
    if (rc == E_OK && changed == 0)
        return err_set(e, E_NOTFOUND, "there is no such room");
    if (rc == E_OK)
        rc = rows_exec(db, Q_DEL_ROOM_SERVICES, "save room services", ARGS(A_I64(r->id)), NULL, e);
    if (rc == E_OK)
        rc = add_room_services(db, r->id, r, e);
    return rc;
}

/* ---- closed dates ---- */

enum err_code db_closed_dates(struct db *db, struct arena *a, int64_t location_id,
                              const char ***out, size_t *n, struct err *e)
{
    return rows_list(db, a, Q_CLOSED_DATES, "read closed dates", ARGS(A_I64(where(location_id))),
                     COLS(text_cols),
                     sizeof **out, (void **)out, n, e);
}

static const struct col closed_day_cols[] = {
    COL_TEXT(struct closed_day, date),
    COL_TEXT(struct closed_day, reason),
    COL_I64(struct closed_day, location_id),
};

enum err_code db_closed_days(struct db *db, struct arena *a, struct closed_day **out, size_t *n,
                             struct err *e)
{
    return rows_list(db, a, Q_CLOSED_DAYS, "read closed dates", NOARGS, COLS(closed_day_cols),
                     sizeof **out, (void **)out, n, e);
}

enum err_code db_add_closed_date(struct db *db, int64_t location_id, const char *date,
                                 const char *reason, struct err *e)
{
    return rows_exec(db, Q_ADD_CLOSED_DATE, "save closed date",
                     ARGS(A_TEXT(date), A_TEXT(reason), A_I64(where(location_id))), NULL, e);
}

enum err_code db_delete_closed_date(struct db *db, int64_t location_id, const char *date,
                                    struct err *e)
{
    int64_t changed = 0;
    enum err_code rc = rows_exec(db, Q_DEL_CLOSED_DATE, "remove closed date",
                                 ARGS(A_TEXT(date), A_I64(where(location_id))), &changed, e);
    if (rc == E_OK && changed == 0)
        return err_set(e, E_NOTFOUND, "that date is not closed");
    return rc;
}

/* ---- booking rules ---- */

static const struct col rules_cols[] = {
    COL_INT(struct clinic_rules, min_notice_minutes),
    COL_INT(struct clinic_rules, horizon_days),
    COL_INT(struct clinic_rules, grid_minutes),
    COL_INT(struct clinic_rules, late_cancel_hours),
};

enum err_code db_rules_get(struct db *db, struct clinic_rules *out, struct err *e)
{
    struct rows r;
    enum err_code rc = rows_open(&r, db, Q_RULES_GET, "read booking rules", NOARGS, e);
    *out = (struct clinic_rules){-1, -1, -1, -1}; /* none set yet */
    if (rc != E_OK)
        return rc;
    switch (rows_next(&r, e)) {
    case 1:
        rows_read(&r, NULL, 0, COLS(rules_cols), out);
        rows_close(&r);
        return E_OK;
    case 0:
        return E_OK;
    default:
        return rows_code(e);
    }
}

enum err_code db_rules_put(struct db *db, const struct clinic_rules *r, struct err *e)
{
    return rows_exec(db, Q_RULES_PUT, "save booking rules",
                     ARGS(A_OPT(r->min_notice_minutes), A_OPT(r->horizon_days),
                          A_OPT(r->grid_minutes), A_OPT(r->late_cancel_hours)),
                     NULL, e);
}
