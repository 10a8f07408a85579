/* store — what every driver shares: choosing the driver at open, the
 * transaction wrapper with its retry (db_tx), the debug statement, and the
 * one table that turns a database's failure into the store's own sentence
 * (drv_fail); the migrations runner is migrate.c.  Holds no engine's SQL dialect: the queries it runs
 * are named ones (queries/<driver>.sql). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/coalesce.h"
#include "store/drv.h"
#include "store/store.h"
#include "util/log.h"
#include "util/num.h"

/* How many times db_tx runs a transaction that lost a serialisation race
 * (PostgreSQL: a deadlock of two writers over the calendar's exclusion
 * constraints, or a serialisation failure). */
#define DB_TX_TRIES 8

/* Version reads a server has in flight at most before requests wait to
 * share the next (coalesce.h; bench/README.md, PostgreSQL: with one, the
 * reads queue behind each other and availability answered half as many
 * requests a second on the loaded machine). */
#define VERSION_READS_IN_FLIGHT 2

int store_is_url(const char *where)
{
    return where && (strncmp(where, "postgresql://", 13) == 0 ||
                     strncmp(where, "postgres://", 11) == 0);
}

/* A test build only (KNEAD_TEST_BUILD, as KNEAD_PWHASH=test): with
 * KNEAD_TEST_VERSION_LAG_MS=N (1..1000) a shared version read hands out its
 * answer N ms after the database gave it, as a slow round trip would, so
 * that an HTTP test can hold a read in flight across another server's
 * commit (test_two_servers NextRequestUnderLoad).  0 in every other build. */
static int test_version_lag_ms(void)
{
#ifdef KNEAD_TEST_BUILD
    const char *v = getenv("KNEAD_TEST_VERSION_LAG_MS");
    int ms;
    if (v && num_parse_int(v, 1, 1000, &ms) == 0)
        return ms;
#endif
    return 0;
}

enum err_code store_open(const char *path, int conns, struct store **out, struct err *e)
{
    enum err_code rc;
    if (!path || !*path)
        return err_set(e, E_INVALID, "database path is empty");
    if (store_is_url(path))
        rc = drv_pg.open(path, conns, out, e);
    else
        rc = drv_sqlite.open(path, conns, out, e);
    if (rc != E_OK)
        return rc;
    (*out)->versions = NULL;
    (*out)->version_lag_ms = test_version_lag_ms();
    if ((*out)->drv->share_version_reads && !((*out)->versions = coalesce_new(VERSION_READS_IN_FLIGHT))) {
        (*out)->drv->close(*out);
        *out = NULL;
        return err_set(e, E_INTERNAL, "out of memory opening the database");
    }
    return E_OK;
}

const char *store_shown(const char *where)
{
    static _Thread_local char buf[1100];
    const char *auth, *at, *colon;
    if (!store_is_url(where))
        return where;
    auth = strstr(where, "://") + 3;
    at = strchr(auth, '@');
    colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (!colon)
        return where;
    snprintf(buf, sizeof buf, "%.*s:***%s", (int)(colon - where), where, at);
    return buf;
}

const char *store_driver(const struct store *s)
{
    return s->drv->name;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    coalesce_free(s->versions);
    s->versions = NULL;
    s->drv->close(s);
}

enum store_writes store_writes(struct store *s)
{
    return (enum store_writes)s->drv->writes(s);
}

const int64_t STORE_HIST_BOUNDS_US[STORE_HIST_N] = {
    1000, 2000, 5000, 10000, 20000, 50000, 100000, 250000, 500000, 1000000, INT64_MAX,
};

int store_stats(struct store *s, struct store_stats *out)
{
    memset(out, 0, sizeof *out);
    if (s->drv->stats)
        s->drv->stats(s, out);
    if (s->versions) {
        struct coalesce_stats cs;
        coalesce_stats(s->versions, &cs);
        out->has |= STORE_HAS_SHARED;
        out->version_reads = cs.reads + cs.alone;
        out->version_reads_shared = cs.shared;
    }
    return out->has != 0 || s->drv->stats;
}

enum err_code store_limit_size(struct store *s, int64_t max_bytes, struct err *e)
{
    return s->drv->limit_size(s, max_bytes, e);
}

enum err_code store_backup(struct store *s, const char *to, struct err *e)
{
    return s->drv->backup(s, to, e);
}

int store_latest_version(void)
{
    int v = 0;
    for (const struct migration *m = drv_sqlite.migrations; m->version; m++)
        if (m->version > v)
            v = m->version;
    return v;
}

enum err_code store_check_copy(const char *path, const char *into, int *version, struct err *e)
{
    return drv_sqlite.check_copy(path, into, store_latest_version(), version, e);
}

enum err_code store_claim_unused(const char *path, int *fd_out, struct err *e)
{
    return drv_sqlite.claim_unused(path, fd_out, e);
}

struct db *db_acquire(struct store *s)
{
    struct db *db = s->drv->acquire(s);
    db->hold = db->held = db->tx = 0;
    db->store = s;
    return db;
}

void db_release(struct db *db)
{
    if (!db)
        return;
    db->hold = db->held = db->tx = 0;
    db->drv->release(db);
}

void db_hold_versions(struct db *db)
{
    db->hold = 1;
}

void db_forget_versions(struct db *db)
{
    if (db)
        db->held = 0;
}

enum err_code db_begin(struct db *db, struct err *e)
{
    db->held = 0;
    db->tx = 1; /* until the commit or rollback, even one that failed to open */
    return db->drv->begin(db, e);
}

enum err_code db_begin_nowait(struct db *db, struct err *e)
{
    db->held = 0;
    db->tx = 1;
    return db->drv->begin_nowait(db, e);
}

enum err_code db_commit(struct db *db, struct err *e)
{
    db->held = 0;
    db->tx = 0;
    return db->drv->commit(db, e);
}

void db_rollback(struct db *db)
{
    if (!db)
        return;
    db->held = 0;
    db->tx = 0;
    db->drv->rollback(db);
}

/* ---- version reads that concurrent requests share (coalesce.h) ---- */

static enum err_code read_versions_alone(void *ctx, int64_t *out, struct err *e)
{
    struct db *db = ctx;
    enum err_code rc = db_versions_read(db, &out[0], &out[1], e);
    if (rc == E_OK && db->store->version_lag_ms) { /* a test build's slow round trip */
        struct timespec lag = {0, (long)db->store->version_lag_ms * 1000000L};
        nanosleep(&lag, NULL);
    }
    return rc;
}

enum err_code db_versions_shared(struct db *db, int64_t *clinic, int64_t *appointments,
                                 struct err *e)
{
    int64_t v[COALESCE_N];
    enum err_code rc;
    /* Inside a transaction the versions are the transaction's own (the
     * booking's check): read on its connection, never shared. */
    if (db->tx || !db->store || !db->store->versions)
        return db_versions_read(db, clinic, appointments, e);
    rc = coalesce_read(db->store->versions, read_versions_alone, db, v, e);
    if (rc == E_OK) {
        *clinic = v[0];
        *appointments = v[1];
    }
    return rc;
}


int db_retry(struct db *db, enum err_code *rc, int *tries, struct err *e)
{
    (void)db;
    if (*rc != E_RETRY)
        return 0;
    if (++*tries < DB_TX_TRIES) {
        log_info("store: a transaction lost a race (%s); running it again", e ? e->msg : "");
        /* The two that deadlocked would meet again at once: the loser waits
         * a moment, longer each time, spread by its own address. */
        struct timespec pause = {0, (long)(*tries) * 1000000L +
                                        (long)(((uintptr_t)db >> 4) % 1000) * 1000L};
        nanosleep(&pause, NULL);
        return 1;
    }
    if (e && e->problem && strcmp(e->problem, "slot_unavailable") == 0) {
        *rc = e->code = E_CONFLICT; /* the calendar's guard still refuses: taken */
        return 0;
    }
    *rc = err_set(e, E_UNAVAILABLE, "the database is busy, try again");
    return 0;
}

int db_again(struct db *db, int *tries, struct err *e)
{
    enum err_code rc = e->code;
    db_rollback(db);
    if (!db_retry(db, &rc, tries, e))
        return 0;
    *e = (struct err){0};
    return 1;
}

enum err_code db_tx(struct db *db, db_tx_fn fn, void *ctx, struct err *e)
{
    enum err_code rc;
    int tries = 0;
    do {
        rc = db_begin(db, e);
        if (rc == E_OK)
            rc = fn(db, ctx, e);
        if (rc == E_OK)
            rc = db_commit(db, e);
        if (rc == E_OK)
            return E_OK;
        db_rollback(db);
    } while (db_retry(db, &rc, &tries, e));
    return rc;
}

enum err_code db_tx_shared(struct db *db, db_tx_fn fn, void *ctx, struct err *e)
{
    enum err_code rc;
    int tries = 0;
    if (!db->drv->tx_shared)
        return db_tx(db, fn, ctx, e);
    /* the bodies may run on another caller's connection, and this one's
     * on theirs: neither's kept versions hold past the shared commit */
    db->held = 0;
    do /* a body that lost a race was undone alone: it runs again */
        rc = db->drv->tx_shared(db, fn, ctx, e);
    while (db_retry(db, &rc, &tries, e));
    db->held = 0;
    return rc;
}

/* ---- the store's own words for a database's failures ---- */

/* Keys a person can reach, with the sentence they get.  A key is what the
 * driver reports (drv.h: "table.column" for UNIQUE and NOT NULL, the
 * trigger's message for DRV_RAISED); a driver whose keys differ (PG's
 * constraint names) adds its rows here. */
static const struct {
    enum drv_fault fault;
    const char *key;
    enum err_code code;
    const char *say;
} known[] = {
    {DRV_UNIQUE, "users.email", E_CONFLICT, "An account with this email already exists."},
    {DRV_UNIQUE, "rooms.name", E_UNPROCESSABLE, "Another room already has this name."},
    {DRV_UNIQUE, "locations.name", E_UNPROCESSABLE, "Another location already has this name."},
    {DRV_RAISED, "the first location cannot be removed", E_CONFLICT,
     "The first location cannot be removed."},
    {DRV_UNIQUE, "articles.slug", E_UNPROCESSABLE,
     "Another article already has this address (slug)."},
    {DRV_RAISED, "a signed note cannot be changed; add an addendum", E_CONFLICT,
     "A signed note cannot be changed; add an addendum."},
    {DRV_RAISED, "only a signed note takes addenda", E_CONFLICT,
     "Sign the note first; addenda are for signed notes."},
    {DRV_RAISED, "a signed note cannot be deleted", E_CONFLICT, "A signed note cannot be deleted."},
    {DRV_RAISED, "an addendum cannot be changed", E_CONFLICT, "An addendum cannot be changed."},
    {DRV_RAISED, "an addendum cannot be deleted", E_CONFLICT, "An addendum cannot be deleted."},
    {DRV_RAISED, "the audit log cannot be changed", E_CONFLICT, "The audit log cannot be changed."},
    /* the ledger (0039): issued means final; corrections are rows of their own */
    {DRV_RAISED, "an issued invoice cannot be changed; issue a credit note", E_CONFLICT,
     "An issued invoice cannot be changed; issue a credit note to correct it."},
    {DRV_RAISED, "an issued invoice cannot be deleted; issue a credit note", E_CONFLICT,
     "An issued invoice cannot be deleted; issue a credit note to correct it."},
    {DRV_RAISED, "a payment cannot be changed; refund it", E_CONFLICT,
     "A payment cannot be changed or removed; refund it instead."},
    {DRV_RAISED, "a refund cannot be more than was paid", E_CONFLICT,
     "A refund cannot be more than what is left of the payment."},
    {DRV_RAISED, "a refund cannot be changed", E_CONFLICT, "A refund cannot be changed."},
    {DRV_RAISED, "a credit note cannot be more than the invoice", E_CONFLICT,
     "A credit note cannot be more than what is left of the invoice."},
    {DRV_RAISED, "a credit note cannot be changed", E_CONFLICT, "A credit note cannot be changed."},
    {DRV_RAISED, "a close-out cannot be changed; count again", E_CONFLICT,
     "A cash count cannot be changed; count the drawer again."},
    {DRV_UNIQUE, "invoices.number", E_RETRY, "Another invoice took this number; try again."},
    {DRV_RAISED, "no package credit is left", E_CONFLICT,
     "No credit is left on this package."},
    {DRV_RAISED, "package credits cannot be changed", E_CONFLICT,
     "Package credits cannot be changed; a cancellation in time gives one back."},
    {DRV_RAISED, "the gift card does not hold that much", E_CONFLICT,
     "The gift card does not hold that much."},
    {DRV_RAISED, "a gift card cannot be changed", E_CONFLICT, "A gift card cannot be changed."},
    {DRV_UNIQUE, "packages.name", E_UNPROCESSABLE, "Another package already has this name."},
    {DRV_UNIQUE, "package_credits.appointment_id, package_credits.kind", E_CONFLICT,
     "This appointment already used a package credit."},
};

/* The database's state, not the request's: 503 with e->problem for the API. */
static enum err_code unavailable(struct err *e, const char *problem, const char *say)
{
    err_set(e, E_UNAVAILABLE, "%s", say);
    if (e)
        e->problem = problem;
    return E_UNAVAILABLE;
}

enum err_code drv_fail(struct err *e, const char *what, enum drv_fault f, const char *key,
                       const char *dbtext)
{
    if (!what)
        what = "database";
    if (!key)
        key = "";
    /* A state of the database (busy, full, read-only, a disk error) is
     * logged by the driver when it starts, not once per failed request. */
    if (f == DRV_OTHER || f == DRV_UNREACHABLE)
        log_error("store: %s: %s", what, dbtext ? dbtext : "");
    else if (f != DRV_BUSY && f != DRV_FULL && f != DRV_READONLY && f != DRV_IOERR)
        log_warn("store: %s: %s", what, dbtext ? dbtext : "");
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (known[i].fault == f && strcmp(known[i].key, key) == 0)
            return err_set(e, known[i].code, "%s", known[i].say);
    switch (f) {
    case DRV_UNIQUE:
        return err_set(e, E_UNPROCESSABLE, "%s: another record already has this value", what);
    case DRV_CHECK:
        return err_set(e, E_UNPROCESSABLE, "%s: a value is outside what the record allows", what);
    case DRV_NOT_NULL:
        return err_set(e, E_UNPROCESSABLE, "%s: a required value is missing", what);
    case DRV_FOREIGN_KEY:
        return err_set(e, E_UNPROCESSABLE, "%s: it refers to a record that does not exist", what);
    case DRV_RAISED:
        return err_set(e, E_UNPROCESSABLE, "%s: the stored record refuses this change", what);
    case DRV_BUSY:
        return unavailable(e, "database_busy",
                           "The clinic's database is busy with another task, so nothing was"
                           " saved. Please try again in a few seconds.");
    case DRV_FULL:
        return unavailable(e, "database_full",
                           "The clinic's database is full, so nothing was saved. Please try"
                           " again later; the clinic has been alerted in its log.");
    case DRV_READONLY:
        return unavailable(e, "database_unavailable",
                           "The clinic's database cannot be written right now, so nothing was"
                           " saved. Please try again later.");
    case DRV_IOERR:
        return unavailable(e, "database_unavailable",
                           "The clinic's database could not be written (a disk error), so"
                           " nothing was saved. Please try again later.");
    case DRV_RETRY:
        return err_set(e, E_RETRY, "%s: another change came first", what);
    case DRV_EXCLUDED:
        /* The database's own guard against double booking (PG's exclusion
         * constraints on appointments) refused what the service had decided
         * from its reads: another booking committed in between.  The service
         * runs again (db_retry) and, reading that booking, answers as it
         * would have (another therapist for "any", or client_overlap); only
         * a guard that keeps refusing becomes this 409. */
        err_set(e, E_RETRY,
                "That time is not available (taken a moment ago); choose another from the"
                " availability list.");
        if (e)
            e->problem = "slot_unavailable";
        return E_RETRY;
    case DRV_UNREACHABLE:
        return unavailable(e, "database_unavailable",
                           "The clinic's database cannot be reached right now, so nothing was"
                           " saved. Please try again in a moment.");
    case DRV_OTHER:
        break;
    }
    return err_set(e, E_INTERNAL, "%s: the database failed (the server log has the details)", what);
}

/* ---- the debug command ---- */

enum err_code db_debug_sql(struct db *db, struct arena *a, const char *sql,
                           const struct db_value *args, size_t nargs, db_row_fn fn, void *ctx,
                           struct err *e)
{
    const struct drv *d = db->drv;
    const char *what = "debug sql";
    struct db_value *cols = NULL;
    db->held = 0; /* the text may write anything */
    enum err_code rc = E_OK;
    int step = 0, ncols;
    struct drv_stmt *st = d->prepare_text(db, sql, e);
    if (!st)
        return e && e->code != E_OK ? e->code : E_INTERNAL;
    for (size_t i = 0; rc == E_OK && i < nargs; i++) {
        static const enum drv_arg_kind kinds[] = {[DB_VALUE_NULL] = DRV_ARG_NULL,
                                                  [DB_VALUE_INT] = DRV_ARG_I64,
                                                  [DB_VALUE_TEXT] = DRV_ARG_TEXT,
                                                  [DB_VALUE_BLOB] = DRV_ARG_BLOB};
        struct drv_arg v = {kinds[args[i].kind], args[i].i, args[i].s, args[i].s, args[i].n};
        rc = d->bind(st, (int)i + 1, &v, what, e);
    }
    ncols = d->col_count(st);
    if (ncols > 0)
        cols = arena_array(a, (size_t)ncols, sizeof *cols);
    while (rc == E_OK && (step = d->step(st, what, e)) == 1) {
        for (int i = 0; i < ncols; i++) {
            const void *p = NULL;
            struct db_value *v = &cols[i];
            memset(v, 0, sizeof *v);
            switch (d->col_kind(st, i)) {
            case DRV_ARG_NULL:
                v->kind = DB_VALUE_NULL;
                break;
            case DRV_ARG_I64:
                v->kind = DB_VALUE_INT;
                v->i = d->col_i64(st, i);
                break;
            case DRV_ARG_BLOB: {
                /* copied: a driver may keep one decoded blob per statement
                 * (PostgreSQL's bytea), which the row's next blob replaces */
                v->kind = DB_VALUE_BLOB;
                v->n = d->col_blob(st, i, &p);
                char *copy = arena_alloc(a, v->n + 1);
                if (v->n)
                    memcpy(copy, p, v->n);
                copy[v->n] = '\0';
                v->s = copy;
                break;
            }
            case DRV_ARG_TEXT:
                v->kind = DB_VALUE_TEXT;
                v->s = d->col_text(st, i);
                break;
            }
        }
        if (fn(ctx, cols, (size_t)ncols))
            break;
    }
    if (rc == E_OK && step < 0)
        rc = e && e->code != E_OK ? e->code : E_INTERNAL;
    d->finalize(st);
    return rc;
}
