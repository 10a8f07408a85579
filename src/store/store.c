/* store — dispatches the store interface to the backend chosen at open.
 * Holds no rules and no SQL. */
#include "store/store_impl.h"

enum err_code store_open(const char *path, int conns, struct store **out, struct err *e)
{
    if (!path || !*path)
        return err_set(e, E_INVALID, "database path is empty");
    return sqlite_store_open(path, conns, out, e);
}

void store_close(struct store *s)
{
    if (s)
        s->ops->close(s);
}

enum err_code store_migrate(struct store *s, int *applied, struct err *e)
{
    return s->ops->migrate(s, applied, e);
}

enum err_code store_version(struct store *s, int *version, struct err *e)
{
    return s->ops->version(s, version, e);
}

struct db *db_acquire(struct store *s)
{
    return s->ops->acquire(s);
}

void db_release(struct db *db)
{
    if (db)
        db->ops->release(db);
}

#define FWD(name, params, args)                                                                \
    enum err_code db_##name params { return db->ops->name args; }

FWD(begin, (struct db * db, struct err *e), (db, e))
FWD(commit, (struct db * db, struct err *e), (db, e))
FWD(schema_version, (struct db * db, int *version, struct err *e), (db, version, e))
FWD(is_empty, (struct db * db, int *empty, struct err *e), (db, empty, e))
FWD(wipe, (struct db * db, struct err *e), (db, e))
FWD(services,
    (struct db * db, struct arena *a, int active_only, struct service **out, size_t *n,
     struct err *e),
    (db, a, active_only, out, n, e))
FWD(service, (struct db * db, struct arena *a, const char *id, struct service *out, struct err *e),
    (db, a, id, out, e))
FWD(therapists,
    (struct db * db, struct arena *a, int active_only, struct therapist **out, size_t *n,
     struct err *e),
    (db, a, active_only, out, n, e))
FWD(therapist,
    (struct db * db, struct arena *a, const char *id, struct therapist *out, struct err *e),
    (db, a, id, out, e))
FWD(therapist_week,
    (struct db * db, struct arena *a, const char *id, struct therapist_week *out, struct err *e),
    (db, a, id, out, e))
FWD(rooms, (struct db * db, struct arena *a, struct room **out, size_t *n, struct err *e),
    (db, a, out, n, e))
FWD(clinic_hours,
    (struct db * db, struct arena *a, struct week_span **out, size_t *n, struct err *e),
    (db, a, out, n, e))
FWD(put_service, (struct db * db, const struct service *s, struct err *e), (db, s, e))
FWD(put_therapist, (struct db * db, const struct therapist *t, struct err *e), (db, t, e))
FWD(add_room, (struct db * db, const struct room *r, int64_t *id, struct err *e), (db, r, id, e))
FWD(put_therapist_week,
    (struct db * db, const char *therapist_id, const struct therapist_week *w, struct err *e),
    (db, therapist_id, w, e))
FWD(put_clinic_hours, (struct db * db, const struct week_span *spans, size_t n, struct err *e),
    (db, spans, n, e))

void db_rollback(struct db *db)
{
    if (db)
        db->ops->rollback(db);
}
