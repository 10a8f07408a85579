/* migrate — the migrations runner every driver shares (store_migrate,
 * store_version in store.h): each numbered migration of the driver's list
 * not yet recorded in schema_version, in its own transaction, through the
 * driver's migration queries and its hook around each one (drv.h).  Holds
 * no engine's SQL. */
#include <string.h>

#include "store/drv.h"
#include "store/rows.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/log.h"

/* ---- migrations ---- */

/* The version in force; 0 when the database has no schema_version table. */
static enum err_code read_version(struct db *db, int *version, struct err *e)
{
    int64_t have = 0, v = 0;
    enum err_code rc;
    *version = 0;
    rc = rows_i64_of(db, Q_SCHEMA_TABLE_EXISTS, "read schema version", NOARGS, &have, e);
    if (rc != E_OK || !have)
        return rc;
    rc = rows_i64_of(db, Q_VERSION, "read schema version", NOARGS, &v, e);
    *version = (int)v;
    return rc;
}

enum err_code store_version(struct store *s, int *version, struct err *e)
{
    struct db *db = db_acquire(s);
    enum err_code rc = read_version(db, version, e);
    db_release(db);
    return rc;
}

/* Applies m in its own transaction unless schema_version records it;
 * *done = 1 when it was applied now. */
static enum err_code migrate_one(struct db *db, const struct migration *m, int *done, struct err *e)
{
    int64_t have = 0;
    enum err_code rc = db_begin(db, e);
    *done = 0;
    if (rc != E_OK)
        return rc;
    /* By number, not by the highest applied: numbers may have gaps
     * (reserved by parallel changes) that are filled in later. */
    rc = rows_i64_of(db, Q_MIGRATION_APPLIED, "read schema version", ARGS(A_I64(m->version)), &have,
                     e);
    if (rc == E_OK && have)
        return db_commit(db, e);
    if (rc == E_OK)
        rc = db->drv->script(db, m->sql, m->name, e);
    if (rc == E_OK)
        rc = db->drv->migration(db, m, DRV_MIGRATION_CHECK, e);
    if (rc == E_OK)
        rc = rows_exec(db, Q_MIGRATION_RECORD, "record migration",
                       ARGS(A_I64(m->version), A_TEXT(m->name), A_I64(clock_now())), NULL, e);
    if (rc == E_OK)
        rc = db_commit(db, e);
    if (rc != E_OK) {
        db_rollback(db);
        char msg[sizeof e->msg];
        memcpy(msg, e->msg, sizeof msg);
        return err_set(e, rc, "migration %04d_%s failed: %s", m->version, m->name, msg);
    }
    *done = 1;
    return E_OK;
}

enum err_code store_migrate(struct store *s, int *applied, struct err *e)
{
    struct db *db = db_acquire(s);
    const struct migration *list = s->drv->migrations;
    enum err_code rc;
    int version = 0, count = 0, latest = 0;

    for (const struct migration *m = list; m->version; m++)
        latest = m->version;
    rc = db_begin(db, e);
    if (rc == E_OK)
        rc = rows_exec(db, Q_SCHEMA_TABLE, "create the schema version table", NOARGS, NULL, e);
    if (rc == E_OK)
        rc = read_version(db, &version, e);
    if (rc == E_OK)
        rc = db_commit(db, e);
    if (rc != E_OK)
        goto done;
    if (version > latest) {
        rc = err_set(e, E_UNPROCESSABLE,
                     "the database has schema version %d, newer than this knead (%d)", version,
                     latest);
        goto done;
    }
    for (const struct migration *m = list; m->version; m++) {
        int now_applied = 0;
        if ((rc = s->drv->migration(db, m, DRV_MIGRATION_BEFORE, e)) != E_OK)
            goto done;
        rc = migrate_one(db, m, &now_applied, e);
        if (rc != E_OK) { /* keep the migration's error; the engine is set back regardless */
            struct err ignored = {0};
            s->drv->migration(db, m, DRV_MIGRATION_AFTER, &ignored);
            goto done;
        }
        if ((rc = s->drv->migration(db, m, DRV_MIGRATION_AFTER, e)) != E_OK)
            goto done;
        if (now_applied) {
            log_info("applied migration %04d_%s", m->version, m->name);
            count++;
        }
    }
    rc = E_OK;
done:
    if (applied)
        *applied = count;
    db_release(db);
    return rc;
}
