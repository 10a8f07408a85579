/* drv_sqlite — the SQLite driver of the store (drv.h).
 *
 * A pool of connections (one per server thread is enough; a request holds
 * one for its life).  Each connection prepares a named query once, on first
 * use, and reuses it.  WAL journal, foreign keys on, a busy timeout, and
 * BEGIN IMMEDIATE for writes: writers take turns, so a writing transaction
 * is serialisable and a writer never fails half-way on a lock upgrade (this
 * driver never reports DRV_RETRY).  No SQLite type or error text leaves
 * this file: failures go through drv_fail. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/drv.h"
#include "store/rows.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/num.h"

#define BUSY_TIMEOUT_MS 5000

struct sqlite_store;
struct sqlite_db;

/* The driver's statement: SQLite's, and the connection it belongs to. */
struct drv_stmt {
    sqlite3_stmt *s;
    struct sqlite_db *d;
};

struct sqlite_db {
    struct db base;
    struct sqlite_store *owner;
    sqlite3 *h;
    struct drv_stmt st[Q__COUNT]; /* prepared on first use */
    int in_use;
    int in_tx;
    int shared, bodies; /* a shared transaction is open on it, with bodies saved */
};

struct sqlite_store {
    struct store base;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int nconns;
    struct sqlite_db *conns;
    /* Writers of this process take turns here before BEGIN IMMEDIATE, so
     * that they queue on a mutex (woken the moment the last one commits)
     * instead of on SQLite's busy handler, which sleeps 1, 2, 5, 10 ...
     * ms between tries: with eight writers a 1 ms transaction waited tens
     * of ms.  Other processes (the CLI, a second server) still meet the
     * busy timeout.  Held from begin to commit or rollback (in_tx). */
    pthread_mutex_t wmu;
    /* Group commit (sq_tx_shared): bodies wait in a queue; one caller at a
     * time leads, running all queued bodies in one transaction. */
    pthread_mutex_t gmu;
    pthread_cond_t gcv;
    struct gjob *gq, **gq_tail; /* guarded by gmu */
    int leading;                /* guarded by gmu */
    /* enum store_writes: why the last write failed, until one succeeds
     * (atomic: any connection sets it, /healthz reads it) */
    int writes;
    /* sq_versions_mark: the data versions last read and the wal-index
     * header seen before that read (guarded by vmu) */
    pthread_mutex_t vmu;
    int vhave;
    struct drv_mark vmark;
    int64_t vclinic, vappts;
    uint64_t vkept, vread; /* relaxed atomics: store_stats */
    /* store_stats (relaxed atomics: writers add, /metrics reads) */
    uint64_t commits, bodies;
    struct tally {
        uint64_t n[STORE_HIST_N]; /* per bucket, not cumulative */
        uint64_t count, sum_us;
    } lock_wait, commit;
};

/* Counts one duration of us microseconds in t. */
static void tally_add(struct tally *t, int64_t us)
{
    size_t i = 0;
    if (us < 0)
        us = 0;
    while (i + 1 < STORE_HIST_N && us > STORE_HIST_BOUNDS_US[i])
        i++;
    __atomic_add_fetch(&t->n[i], 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&t->count, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&t->sum_us, (uint64_t)us, __ATOMIC_RELAXED);
}

static void tally_read(struct tally *t, struct store_hist *h)
{
    uint64_t run = 0;
    for (size_t i = 0; i < STORE_HIST_N; i++) {
        run += __atomic_load_n(&t->n[i], __ATOMIC_RELAXED);
        h->le[i] = run;
    }
    h->count = __atomic_load_n(&t->count, __ATOMIC_RELAXED);
    h->sum_us = __atomic_load_n(&t->sum_us, __ATOMIC_RELAXED);
}

#define DB(x) ((struct sqlite_db *)(x))
#define ST(x) ((struct sqlite_store *)(x))
#define STMT(x) ((x)->s)

/* The part of SQLite's message after "... constraint failed: ", which
 * names the table and column (or the CHECK) — the key drv_fail knows. */
static const char *constraint_key(const char *msg)
{
    const char *p = msg ? strstr(msg, "constraint failed: ") : NULL;
    return p ? p + strlen("constraint failed: ") : "";
}

/* A failure that is the database's state, not the request's (the write
 * lock held elsewhere past the busy timeout, a full disk or max_page_count,
 * a file that became read-only, a disk error): the store reports its writes
 * as failing (/healthz) until a write commits again. */
static void note_writes(struct sqlite_db *d, enum store_writes state, const char *what,
                        const char *msg, int rc)
{
    if (d && d->owner &&
        __atomic_exchange_n(&d->owner->writes, (int)state, __ATOMIC_SEQ_CST) != (int)state)
        log_warn("sqlite: writes fail: %s: %s (%d)", what, msg, rc);
}

/* Sorts SQLite result code rc (with d's message; d may be NULL) for drv_fail. */
static enum err_code sqlite_fail(struct sqlite_db *d, struct err *e, int rc, const char *what)
{
    const char *msg = d && d->h ? sqlite3_errmsg(d->h) : sqlite3_errstr(rc);
    switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
        switch (rc) {
        case SQLITE_CONSTRAINT_UNIQUE:
        case SQLITE_CONSTRAINT_PRIMARYKEY:
            return drv_fail(e, what, DRV_UNIQUE, constraint_key(msg), msg);
        case SQLITE_CONSTRAINT_NOTNULL:
            return drv_fail(e, what, DRV_NOT_NULL, constraint_key(msg), msg);
        case SQLITE_CONSTRAINT_FOREIGNKEY:
            return drv_fail(e, what, DRV_FOREIGN_KEY, "", msg);
        case SQLITE_CONSTRAINT_TRIGGER:
            return drv_fail(e, what, DRV_RAISED, msg, msg);
        default:
            return drv_fail(e, what, DRV_CHECK, constraint_key(msg), msg);
        }
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        note_writes(d, STORE_WRITES_BUSY, what, msg, rc);
        return drv_fail(e, what, DRV_BUSY, "", msg);
    case SQLITE_FULL:
        note_writes(d, STORE_WRITES_FULL, what, msg, rc);
        return drv_fail(e, what, DRV_FULL, "", msg);
    case SQLITE_READONLY:
        note_writes(d, STORE_WRITES_READONLY, what, msg, rc);
        return drv_fail(e, what, DRV_READONLY, "", msg);
    case SQLITE_IOERR:
        note_writes(d, STORE_WRITES_IOERR, what, msg, rc);
        return drv_fail(e, what, DRV_IOERR, "", msg);
    default:
        return drv_fail(e, what, DRV_OTHER, "", msg);
    }
}

static enum err_code exec(struct sqlite_db *d, const char *sql, const char *what, struct err *e)
{
    int rc = sqlite3_exec(d->h, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? E_OK : sqlite_fail(d, e, rc, what);
}

/* The connection's statement for id, reset; NULL with e set on failure. */
static struct drv_stmt *sqlite_stmt(struct sqlite_db *d, enum q_id id, struct err *e)
{
    struct drv_stmt *st = &d->st[id];
    if (!st->s) {
        const char *tail = NULL;
        int rc = sqlite3_prepare_v3(d->h, q_sql_sqlite[id], -1, SQLITE_PREPARE_PERSISTENT, &st->s,
                                    &tail);
        if (rc != SQLITE_OK) {
            sqlite_fail(d, e, rc, q_name[id]);
            st->s = NULL;
            return NULL;
        }
        /* One statement per named query: a second one would be ignored. */
        while (tail && (*tail == ' ' || *tail == '\n'))
            tail++;
        if (tail && *tail) {
            sqlite3_finalize(st->s);
            st->s = NULL;
            drv_fail(e, q_name[id], DRV_OTHER, "", "the query holds more than one statement");
            return NULL;
        }
        st->d = d;
    } else {
        sqlite3_reset(st->s);
        sqlite3_clear_bindings(st->s);
    }
    return st;
}

/* ---- connections and the pool ---- */

/* Opening errors name the file and what to check; they reach the command
 * line (serve, migrate, demo), never a client. */
static enum err_code conn_open(struct sqlite_db *d, const char *path, struct err *e)
{
    int rc = sqlite3_open_v2(
        path, &d->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    enum err_code c = E_OK;
    if (rc != SQLITE_OK) {
        log_warn("sqlite: cannot open %s: %s", path,
                 d->h ? sqlite3_errmsg(d->h) : sqlite3_errstr(rc));
        c = err_set(e, E_UNAVAILABLE,
                    "cannot open the database file (check that it and its"
                    " folder are readable and writable by this user)");
        goto done;
    }
    sqlite3_busy_timeout(d->h, BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(d->h, 1);
    if (sqlite3_db_readonly(d->h, "main") == 1) {
        c = err_set(e, E_UNAVAILABLE,
                    "the database file is read-only for this user (check its"
                    " permissions and owner)");
        goto done;
    }
    rc = sqlite3_exec(d->h,
                      "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;"
                      " PRAGMA synchronous = FULL;",
                      NULL, NULL, NULL);
    if ((rc & 0xff) == SQLITE_READONLY || (rc & 0xff) == SQLITE_CANTOPEN)
        c = err_set(e, E_UNAVAILABLE,
                    "cannot write the database (its folder must be writable"
                    " by this user for the -wal and -shm files)");
    else if ((rc & 0xff) == SQLITE_NOTADB)
        c = err_set(e, E_UNAVAILABLE, "the file is not a SQLite database");
    else if (rc != SQLITE_OK)
        c = sqlite_fail(d, e, rc, "open the database");
done:
    if (c != E_OK) {
        sqlite3_close(d->h);
        d->h = NULL;
    }
    return c;
}

static void conn_close(struct sqlite_db *d)
{
    for (int i = 0; i < Q__COUNT; i++)
        sqlite3_finalize(d->st[i].s);
    sqlite3_close(d->h);
}

static void sq_close(struct store *s)
{
    struct sqlite_store *ss = ST(s);
    for (int i = 0; i < ss->nconns; i++)
        conn_close(&ss->conns[i]);
    pthread_mutex_destroy(&ss->mu);
    pthread_mutex_destroy(&ss->wmu);
    pthread_mutex_destroy(&ss->gmu);
    pthread_mutex_destroy(&ss->vmu);
    pthread_cond_destroy(&ss->gcv);
    pthread_cond_destroy(&ss->cv);
    free(ss->conns);
    free(ss);
}

static enum err_code sq_open(const char *path, int conns, struct store **out, struct err *e)
{
    struct sqlite_store *ss;
    enum err_code rc;

    if (conns < 1)
        conns = 1;
    if (fs_mkdir_parent(path) < 0)
        return err_set(e, E_UNAVAILABLE, "cannot create the folder for database %s", path);
    ss = xcalloc(1, sizeof *ss);
    ss->base.drv = &drv_sqlite;
    pthread_mutex_init(&ss->mu, NULL);
    pthread_mutex_init(&ss->wmu, NULL);
    pthread_mutex_init(&ss->gmu, NULL);
    pthread_mutex_init(&ss->vmu, NULL);
    pthread_cond_init(&ss->gcv, NULL);
    ss->gq_tail = &ss->gq;
    pthread_cond_init(&ss->cv, NULL);
    ss->conns = xcalloc((size_t)conns, sizeof *ss->conns);
    for (int i = 0; i < conns; i++) {
        ss->conns[i].base.drv = &drv_sqlite;
        ss->conns[i].owner = ss;
        ss->nconns = i + 1;
        rc = conn_open(&ss->conns[i], path, e);
        if (rc != E_OK) {
            sq_close(&ss->base);
            return rc;
        }
    }
    *out = &ss->base;
    return E_OK;
}

static struct db *sq_acquire(struct store *s)
{
    struct sqlite_store *ss = ST(s);
    struct sqlite_db *d = NULL;
    pthread_mutex_lock(&ss->mu);
    for (;;) {
        for (int i = 0; i < ss->nconns; i++) {
            if (!ss->conns[i].in_use) {
                d = &ss->conns[i];
                d->in_use = 1;
                break;
            }
        }
        if (d)
            break;
        pthread_cond_wait(&ss->cv, &ss->mu);
    }
    pthread_mutex_unlock(&ss->mu);
    return &d->base;
}

/* The end of a writing transaction: the next writer of this process goes. */
static void tx_end(struct sqlite_db *d)
{
    d->in_tx = 0;
    d->shared = d->bodies = 0;
    pthread_mutex_unlock(&d->owner->wmu);
}

static void sq_rollback(struct db *db)
{
    struct sqlite_db *d = DB(db);
    if (!d->in_tx)
        return;
    /* a failed statement (full, I/O error) may have rolled it back already */
    if (!sqlite3_get_autocommit(d->h) &&
        sqlite3_exec(d->h, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
        log_error("sqlite: rollback failed: %s", sqlite3_errmsg(d->h));
    tx_end(d);
}

static void sq_release(struct db *db)
{
    struct sqlite_db *d = DB(db);
    struct sqlite_store *ss = d->owner;
    sq_rollback(db);
    pthread_mutex_lock(&ss->mu);
    d->in_use = 0;
    pthread_cond_signal(&ss->cv);
    pthread_mutex_unlock(&ss->mu);
}

static enum err_code sq_begin(struct db *db, struct err *e)
{
    struct sqlite_db *d = DB(db);
    struct timespec until;
    int64_t t0 = clock_mono_us();
    until = clock_deadline_ms(BUSY_TIMEOUT_MS);
    /* as long as SQLite's busy timeout would wait, and the same 503 after it */
    if (pthread_mutex_clocklock(&d->owner->wmu, CLOCK_MONOTONIC, &until) != 0)
        return sqlite_fail(d, e, SQLITE_BUSY, "begin a change");
    enum err_code rc = exec(d, "BEGIN IMMEDIATE", "begin a change", e);
    if (rc != E_OK) {
        pthread_mutex_unlock(&d->owner->wmu);
        return rc;
    }
    d->in_tx = 1;
    tally_add(&d->owner->lock_wait, clock_mono_us() - t0);
    return rc;
}

static enum err_code sq_commit(struct db *db, struct err *e)
{
    struct sqlite_db *d = DB(db);
    int64_t t0 = clock_mono_us();
    int bodies = d->shared ? d->bodies : 1;
    enum err_code rc = exec(d, "COMMIT", "save the change", e);
    if (rc != E_OK) {
        sq_rollback(db);
        return rc;
    }
    tx_end(d);
    tally_add(&d->owner->commit, clock_mono_us() - t0);
    __atomic_add_fetch(&d->owner->commits, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&d->owner->bodies, (uint64_t)bodies, __ATOMIC_RELAXED);
    if (__atomic_exchange_n(&d->owner->writes, (int)STORE_WRITES_OK, __ATOMIC_SEQ_CST) !=
        (int)STORE_WRITES_OK)
        log_info("sqlite: writes succeed again");
    return E_OK;
}

/* BEGIN IMMEDIATE without the busy wait: for writes that may be skipped
 * (a session's last-seen time), so that a read does not wait for a lock
 * held elsewhere.  Not a failing write: the store's health is unchanged. */
static enum err_code sq_begin_nowait(struct db *db, struct err *e)
{
    struct sqlite_db *d = DB(db);
    if (pthread_mutex_trylock(&d->owner->wmu) != 0)
        return err_set(e, E_UNAVAILABLE, "the database is busy");
    sqlite3_busy_timeout(d->h, 0);
    int rc = sqlite3_exec(d->h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    sqlite3_busy_timeout(d->h, BUSY_TIMEOUT_MS);
    if (rc != SQLITE_OK) {
        pthread_mutex_unlock(&d->owner->wmu);
        return err_set(e, E_UNAVAILABLE, "the database is busy");
    }
    d->in_tx = 1;
    return E_OK;
}

/* ---- group commit ---- */

struct gjob {
    enum err_code (*fn)(struct db *, void *, struct err *);
    void *ctx;
    struct err *e;
    enum err_code rc;
    int done;
    struct gjob *next;
};

/* Runs the bodies of jobs in the transaction begun on d (rc: how its
 * sq_begin went, e0: its error), each inside its own savepoint, and commits
 * them together; sets each job's rc (and e). */
static void run_batch(struct sqlite_db *d, struct gjob *jobs, enum err_code rc, struct err e0)
{
    int dead = 0; /* SQLite ended the transaction (full, I/O error) */
    d->shared = rc == E_OK;
    for (struct gjob *j = jobs; j; j = j->next) {
        if (rc != E_OK || dead) {
            j->rc = rc != E_OK ? rc : e0.code;
            *j->e = e0;
            continue;
        }
        /* each body reads the versions afresh: one undone before it may
         * have left what it read of its own writes (db_hold_versions) */
        d->base.held = 0;
        if ((j->rc = exec(d, "SAVEPOINT shared", "begin a change", j->e)) == E_OK)
            j->rc = j->fn(&d->base, j->ctx, j->e);
        if (sqlite3_get_autocommit(d->h)) {
            /* the transaction is gone, with the bodies before this one */
            dead = 1;
            if (j->rc == E_OK)
                j->rc = err_set(j->e, E_UNAVAILABLE, "the change could not be saved");
            e0 = *j->e;
            for (struct gjob *k = jobs; k != j; k = k->next)
                if (k->rc == E_OK) {
                    k->rc = e0.code;
                    *k->e = e0;
                }
            continue;
        }
        struct err ignore = {0};
        if (j->rc == E_OK && (j->rc = exec(d, "RELEASE shared", "save a change", j->e)) == E_OK)
            d->bodies++;
        else if (exec(d, "ROLLBACK TO shared", "undo a change", &ignore) != E_OK ||
                 exec(d, "RELEASE shared", "undo a change", &ignore) != E_OK)
            log_error("sqlite: cannot undo one change of a shared transaction: %s", ignore.msg);
    }
    if (rc != E_OK)
        return;
    if (dead) {
        sq_rollback(&d->base);
        return;
    }
    if ((rc = sq_commit(&d->base, &e0)) != E_OK)
        for (struct gjob *j = jobs; j; j = j->next)
            if (j->rc == E_OK) {
                j->rc = rc;
                *j->e = e0;
            }
}

/* A caller queues its body; while nobody leads, it leads: begins the
 * transaction on its own connection (waiting for the write lock, which the
 * commit before may hold through its fsync), then takes every body queued
 * by then (its own among them), runs them, commits, marks them done and
 * hands over.  The others wait for theirs; the fsync of one commit covers
 * all of them.  Taking the queue only once the lock is held lets every
 * body that arrived during the previous commit's fsync join this one:
 * taken before, the bodies that queued while the leader waited made a
 * commit (and an fsync) of their own. */
static enum err_code sq_tx_shared(struct db *db, enum err_code (*fn)(struct db *, void *,
                                                                     struct err *),
                                  void *ctx, struct err *e)
{
    struct sqlite_db *d = DB(db);
    struct sqlite_store *ss = d->owner;
    struct gjob me = {fn, ctx, e, E_OK, 0, NULL};
    pthread_mutex_lock(&ss->gmu);
    *ss->gq_tail = &me;
    ss->gq_tail = &me.next;
    while (!me.done) {
        if (ss->leading) {
            pthread_cond_wait(&ss->gcv, &ss->gmu);
            continue;
        }
        ss->leading = 1;
        pthread_mutex_unlock(&ss->gmu);
        struct err e0 = {0};
        enum err_code brc = sq_begin(&d->base, &e0);
        pthread_mutex_lock(&ss->gmu);
        struct gjob *batch = ss->gq;
        ss->gq = NULL;
        ss->gq_tail = &ss->gq;
        pthread_mutex_unlock(&ss->gmu);
        run_batch(d, batch, brc, e0);
        pthread_mutex_lock(&ss->gmu);
        for (struct gjob *j = batch, *next; j; j = next) {
            next = j->next; /* j may return (and be gone) once done is seen */
            j->done = 1;
        }
        ss->leading = 0;
        pthread_cond_broadcast(&ss->gcv);
    }
    pthread_mutex_unlock(&ss->gmu);
    return me.rc;
}

/* ---- the data versions without a read ---- */

/* The wal-index header (SQLite's file format, "WAL-index format"): 48 bytes
 * at the start of the -shm file, kept twice; a commit by any connection of
 * any process writes the second copy, then the first, and its change
 * counter (iChange) and checksum move with every write.  Read as SQLite's
 * own readers do (walIndexTryHdr): the first copy, a barrier, the second;
 * unequal copies are a write in progress.  0 with the header in out; -1 if
 * it cannot be read now (no wal-index mapped, not initialised, torn). */
static int wal_mark(sqlite3 *h, struct drv_mark *out)
{
    enum { HDR = sizeof out->b };
    sqlite3_file *f = NULL;
    volatile void *map = NULL;
    unsigned char second[HDR];
    if (sqlite3_file_control(h, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK || !f ||
        !f->pMethods || f->pMethods->iVersion < 2 || !f->pMethods->xShmMap)
        return -1;
    /* region 0, already mapped by the connection's WAL (bExtend 0: map
     * nothing new); 32768 is SQLite's wal-index page size */
    if (f->pMethods->xShmMap(f, 0, 32768, 0, &map) != SQLITE_OK || !map)
        return -1;
    const volatile unsigned char *hdr = map;
    for (size_t i = 0; i < HDR; i++)
        out->b[i] = hdr[i];
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    for (size_t i = 0; i < HDR; i++)
        second[i] = hdr[HDR + i];
    /* isInit, byte 12: the header is valid */
    if (memcmp(out->b, second, HDR) != 0 || out->b[12] != 1)
        return -1;
    return 0;
}

static int sq_versions_mark(struct db *db, struct drv_mark *mark, int64_t *clinic,
                            int64_t *appts)
{
    struct sqlite_db *d = DB(db);
    struct sqlite_store *ss = d->owner;
    /* in a transaction, its own uncommitted changes move no mark */
    if (d->in_tx || !sqlite3_get_autocommit(d->h) || wal_mark(d->h, mark) < 0) {
        __atomic_add_fetch(&ss->vread, 1, __ATOMIC_RELAXED);
        return -1;
    }
    pthread_mutex_lock(&ss->vmu);
    int same = ss->vhave && memcmp(ss->vmark.b, mark->b, sizeof mark->b) == 0;
    if (same) {
        *clinic = ss->vclinic;
        *appts = ss->vappts;
    }
    pthread_mutex_unlock(&ss->vmu);
    __atomic_add_fetch(same ? &ss->vkept : &ss->vread, 1, __ATOMIC_RELAXED);
    return same;
}

/* Any mark taken before a read goes with that read's versions: if the
 * header is that mark later, nothing committed since the mark, so nothing
 * since the read either.  Racing notes may keep an older pair; it is as
 * exact, only hit less. */
static void sq_versions_note(struct db *db, const struct drv_mark *mark, int64_t clinic,
                             int64_t appts)
{
    struct sqlite_store *ss = DB(db)->owner;
    pthread_mutex_lock(&ss->vmu);
    ss->vmark = *mark;
    ss->vclinic = clinic;
    ss->vappts = appts;
    ss->vhave = 1;
    pthread_mutex_unlock(&ss->vmu);
}

static void sq_stats(struct store *s, struct store_stats *out)
{
    struct sqlite_store *ss = ST(s);
    out->has = STORE_HAS_COMMITS | STORE_HAS_VERSIONS;
    out->versions_kept = __atomic_load_n(&ss->vkept, __ATOMIC_RELAXED);
    out->versions_read = __atomic_load_n(&ss->vread, __ATOMIC_RELAXED);
    out->commits = __atomic_load_n(&ss->commits, __ATOMIC_RELAXED);
    out->bodies = __atomic_load_n(&ss->bodies, __ATOMIC_RELAXED);
    tally_read(&ss->lock_wait, &out->lock_wait);
    tally_read(&ss->commit, &out->commit);
}

static int sq_writes(struct store *s)
{
    return __atomic_load_n(&ST(s)->writes, __ATOMIC_SEQ_CST);
}

/* Caps the database file at max_bytes (whole pages) on every connection:
 * past it a write fails as SQLITE_FULL, i.e. 503.  0 = no cap. */
static enum err_code sq_limit_size(struct store *s, int64_t max_bytes, struct err *e)
{
    struct sqlite_store *ss = ST(s);
    for (int i = 0; i < ss->nconns && max_bytes > 0; i++) {
        struct sqlite_db *d = &ss->conns[i];
        sqlite3_stmt *st = NULL;
        int64_t page = 0;
        int rc = sqlite3_prepare_v2(d->h, "PRAGMA page_size", -1, &st, NULL);
        if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
            page = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        if (page <= 0)
            return sqlite_fail(d, e, rc, "read the page size");
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld", (long long)(max_bytes / page));
        enum err_code c = exec(d, sql, "cap the database's size", e);
        if (c != E_OK)
            return c;
    }
    return E_OK;
}

static enum err_code sq_script(struct db *db, const char *sql, const char *what, struct err *e)
{
    return exec(DB(db), sql, what, e);
}

/* ---- migrations ---- */

/* The first line of a migration that rebuilds tables. */
#define REBUILD_MARK "-- knead: rebuild"

/* A migration that rebuilds a table (SQLite's way to change a column's
 * constraints) runs with foreign keys off, as SQLite's ALTER TABLE
 * instructions ask, and is checked whole before its commit; the pragma is a
 * no-op inside a transaction, so it is set around it. */
static enum err_code sq_migration(struct db *db, const struct migration *m,
                                  enum drv_migration_phase phase, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = NULL;
    int rc;
    if (strncmp(m->sql, REBUILD_MARK, sizeof REBUILD_MARK - 1) != 0)
        return E_OK;
    switch (phase) {
    case DRV_MIGRATION_BEFORE:
        return exec(d, "PRAGMA foreign_keys = OFF", "turn foreign keys off", e);
    case DRV_MIGRATION_AFTER:
        return exec(d, "PRAGMA foreign_keys = ON", "turn foreign keys on", e);
    case DRV_MIGRATION_CHECK:
        break;
    }
    rc = sqlite3_prepare_v2(d->h, "PRAGMA foreign_key_check", -1, &s, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc == SQLITE_DONE)
        return E_OK;
    if (rc == SQLITE_ROW)
        return err_set(e, E_CONFLICT, "a rebuilt table would break a foreign key");
    return sqlite_fail(d, e, rc, "check foreign keys");
}

/* ---- named queries ---- */

static struct drv_stmt *sq_prepare(struct db *db, enum q_id q, struct err *e)
{
    return sqlite_stmt(DB(db), q, e);
}

static enum err_code sq_bind(struct drv_stmt *st, int i, const struct drv_arg *v, const char *what,
                             struct err *e)
{
    sqlite3_stmt *s = STMT(st);
    int rc;
    switch (v->kind) {
    case DRV_ARG_I64:
        rc = sqlite3_bind_int64(s, i, v->i);
        break;
    case DRV_ARG_TEXT:
        rc = sqlite3_bind_text(s, i, v->s ? v->s : "", -1, SQLITE_TRANSIENT);
        break;
    case DRV_ARG_BLOB:
        rc = sqlite3_bind_blob64(s, i, v->p, v->n, SQLITE_TRANSIENT);
        break;
    default:
        rc = sqlite3_bind_null(s, i);
        break;
    }
    return rc == SQLITE_OK ? E_OK : sqlite_fail(st->d, e, rc, what);
}

static int sq_step(struct drv_stmt *st, const char *what, struct err *e)
{
    sqlite3_stmt *s = STMT(st);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    sqlite_fail(st->d, e, rc, what);
    sqlite3_reset(s);
    return -1;
}

static int sq_col_null(struct drv_stmt *st, int i)
{
    return sqlite3_column_type(STMT(st), i) == SQLITE_NULL;
}

static int64_t sq_col_i64(struct drv_stmt *st, int i)
{
    return sqlite3_column_int64(STMT(st), i);
}

static const char *sq_col_text(struct drv_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(STMT(st), i);
    return t ? (const char *)t : "";
}

static size_t sq_col_blob(struct drv_stmt *st, int i, const void **p)
{
    *p = sqlite3_column_blob(STMT(st), i);
    int n = sqlite3_column_bytes(STMT(st), i);
    return *p && n > 0 ? (size_t)n : 0;
}

static void sq_read_row(struct drv_stmt *st, struct arena *a, int first, const struct col *cols,
                        size_t ncols, void *dst)
{
    sqlite3_stmt *s = st->s;
    char *base = dst;
    for (size_t i = 0; i < ncols; i++) {
        int c = first + (int)i;
        void *f = base + cols[i].off;
        const unsigned char *t;
        switch ((enum col_kind)cols[i].kind) {
        case COL_K_TEXT:
            t = sqlite3_column_text(s, c);
            *(const char **)f = arena_strdup(a, t ? (const char *)t : "");
            break;
        case COL_K_INT:
            *(int *)f = (int)sqlite3_column_int64(s, c);
            break;
        case COL_K_UINT:
            *(unsigned *)f = (unsigned)sqlite3_column_int64(s, c);
            break;
        case COL_K_I64:
            *(int64_t *)f = sqlite3_column_int64(s, c);
            break;
        case COL_K_SKIP:
            break;
        }
    }
}

static int sq_col_count(struct drv_stmt *st)
{
    return sqlite3_column_count(STMT(st));
}

static enum drv_arg_kind sq_col_kind(struct drv_stmt *st, int i)
{
    switch (sqlite3_column_type(STMT(st), i)) {
    case SQLITE_NULL:
        return DRV_ARG_NULL;
    case SQLITE_INTEGER:
        return DRV_ARG_I64;
    case SQLITE_BLOB:
        return DRV_ARG_BLOB;
    default: /* text, and a float as its text */
        return DRV_ARG_TEXT;
    }
}

static const char *sq_col_name(struct drv_stmt *st, int i)
{
    const char *n = sqlite3_column_name(STMT(st), i);
    return n ? n : "";
}

static int64_t sq_changes(struct drv_stmt *st)
{
    return sqlite3_changes64(sqlite3_db_handle(STMT(st)));
}

static int64_t sq_last_id(struct drv_stmt *st)
{
    return sqlite3_last_insert_rowid(sqlite3_db_handle(STMT(st)));
}

static void sq_reset(struct drv_stmt *st)
{
    sqlite3_reset(STMT(st));
}

static struct drv_stmt *sq_prepare_text(struct db *db, const char *sql, struct err *e)
{
    struct sqlite_db *d = DB(db);
    sqlite3_stmt *s = NULL;
    const char *tail = NULL;
    int rc = sqlite3_prepare_v2(d->h, sql, -1, &s, &tail);
    if (rc != SQLITE_OK) {
        sqlite_fail(d, e, rc, "read the statement");
        return NULL;
    }
    while (tail && (*tail == ' ' || *tail == '\n' || *tail == ';'))
        tail++;
    if (!s || (tail && *tail)) {
        sqlite3_finalize(s);
        err_set(e, E_INVALID, "give one statement");
        return NULL;
    }
    struct drv_stmt *st = xmalloc(sizeof *st);
    st->s = s;
    st->d = d;
    return st;
}

static void sq_finalize(struct drv_stmt *st)
{
    if (!st)
        return;
    sqlite3_finalize(st->s);
    free(st);
}

/* ---- backup and restore (SQLite's online backup API) ---- */

/* Copies the whole database `from` into the file `to` (which may exist
 * empty, as mkstemp leaves it) in one read transaction of from: a
 * consistent copy while other connections write.  The copy is left in
 * rollback-journal mode, one self-contained file. */
static enum err_code copy_db(sqlite3 *from, const char *to, struct err *e)
{
    sqlite3 *dst = NULL;
    sqlite3_backup *b = NULL;
    enum err_code c = E_OK;
    int rc = sqlite3_open_v2(to, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        c = err_set(e, E_UNAVAILABLE, "cannot create %s: %s", to, sqlite3_errstr(rc));
        goto done;
    }
    if (!(b = sqlite3_backup_init(dst, "main", from, "main"))) {
        c = err_set(e, E_UNAVAILABLE, "cannot start the copy into %s: %s", to,
                    sqlite3_errmsg(dst));
        goto done;
    }
    /* -1: every page in one step, so in one read transaction of `from`; a
     * writer elsewhere makes a step BUSY only in rollback mode (not WAL) */
    for (int tries = 0; (rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED;
         tries++) {
        if (tries == 200)
            break;
        sqlite3_sleep(50);
    }
    int fin = sqlite3_backup_finish(b);
    b = NULL;
    if (rc != SQLITE_DONE || fin != SQLITE_OK) {
        c = err_set(e, E_UNAVAILABLE, "cannot copy the database into %s: %s", to,
                    sqlite3_errstr(rc != SQLITE_DONE ? rc : fin));
        goto done;
    }
    if ((rc = sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL)) != SQLITE_OK)
        c = err_set(e, E_UNAVAILABLE, "cannot finish %s: %s", to, sqlite3_errstr(rc));
done:
    if (b)
        sqlite3_backup_finish(b);
    if (dst && sqlite3_close(dst) != SQLITE_OK && c == E_OK)
        c = err_set(e, E_UNAVAILABLE, "cannot close %s", to);
    return c;
}

static enum err_code sq_backup(struct store *s, const char *to, struct err *e)
{
    struct db *db = sq_acquire(s);
    enum err_code rc = copy_db(DB(db)->h, to, e);
    sq_release(db);
    return rc;
}

/* The first row's text of a one-column query, copied into out. */
static int query_text(sqlite3 *h, const char *sql, char *out, size_t size)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        snprintf(out, size, "%s", t ? t : "");
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        snprintf(out, size, "%s", "");
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

static enum err_code sq_check_copy(const char *path, const char *into, int latest, int *version,
                                   struct err *e)
{
    sqlite3 *h = NULL;
    char text[512];
    enum err_code c = E_OK;
    int rc = sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL);
    if (rc != SQLITE_OK) {
        c = err_set(e, E_NOTFOUND, "cannot open %s: %s", path, sqlite3_errstr(rc));
        goto done;
    }
    rc = query_text(h, "PRAGMA integrity_check", text, sizeof text);
    if ((rc & 0xff) == SQLITE_NOTADB) {
        c = err_set(e, E_UNPROCESSABLE, "%s is not a SQLite database", path);
        goto done;
    }
    if (rc != SQLITE_OK) {
        c = err_set(e, E_UNPROCESSABLE, "%s cannot be read: %s", path, sqlite3_errstr(rc));
        goto done;
    }
    if (strcmp(text, "ok") != 0) {
        c = err_set(e, E_UNPROCESSABLE, "%s fails SQLite's integrity check: %.200s", path, text);
        goto done;
    }
    rc = query_text(h, "SELECT coalesce(max(version), 0) FROM schema_version", text, sizeof text);
    if (rc != SQLITE_OK || num_parse_int(text, 1, INT32_MAX, version) < 0) {
        c = err_set(e, E_UNPROCESSABLE, "%s holds no Knead schema (not a Knead database)", path);
        goto done;
    }
    if (*version > latest) {
        c = err_set(e, E_UNPROCESSABLE,
                    "%s has schema version %d, newer than this knead's %d: restore it with the"
                    " knead that made it",
                    path, *version, latest);
        goto done;
    }
    if (into)
        c = copy_db(h, into, e);
done:
    sqlite3_close(h);
    return c;
}

/* Every connection to a WAL database holds a shared lock on the "DMS" byte
 * of its -shm file (https://sqlite.org/walformat.html, byte 128) for as
 * long as it is open; a write lock on that byte is granted only when no
 * other process has the database open. */
#define SHM_DMS_BYTE 128

static enum err_code sq_claim_unused(const char *path, int *fd_out, struct err *e)
{
    char shm[4096];
    *fd_out = -1;
    if (snprintf(shm, sizeof shm, "%s-shm", path) >= (int)sizeof shm)
        return err_set(e, E_INVALID, "the database path is too long");
    int fd = open(shm, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? E_OK /* no connection in WAL mode has it open */
                               : err_set(e, E_UNAVAILABLE, "cannot open %s: %s", shm,
                                         strerror(errno));
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = SHM_DMS_BYTE,
                       .l_len = 1};
    if (fcntl(fd, F_SETLK, &fl) < 0) {
        int busy = errno == EAGAIN || errno == EACCES;
        close(fd);
        return busy ? err_set(e, E_CONFLICT,
                              "%s is open in another process (a running knead serve?): stop it"
                              " first",
                              path)
                    : err_set(e, E_UNAVAILABLE, "cannot lock %s: %s", shm, strerror(errno));
    }
    *fd_out = fd;
    return E_OK;
}

const struct drv drv_sqlite = {
    .name = "sqlite",
    .sql = q_sql_sqlite,
    .migrations = sqlite_migrations,
    .open = sq_open,
    .close = sq_close,
    .acquire = sq_acquire,
    .release = sq_release,
    .writes = sq_writes,
    .versions_mark = sq_versions_mark,
    .versions_note = sq_versions_note,
    .stats = sq_stats,
    .limit_size = sq_limit_size,
    .begin = sq_begin,
    .begin_nowait = sq_begin_nowait,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .tx_shared = sq_tx_shared,
    .migration = sq_migration,
    .script = sq_script,
    .prepare = sq_prepare,
    .bind = sq_bind,
    .step = sq_step,
    .col_null = sq_col_null,
    .col_i64 = sq_col_i64,
    .col_text = sq_col_text,
    .col_blob = sq_col_blob,
    .read_row = sq_read_row,
    .col_count = sq_col_count,
    .col_kind = sq_col_kind,
    .col_name = sq_col_name,
    .changes = sq_changes,
    .last_id = sq_last_id,
    .reset = sq_reset,
    .prepare_text = sq_prepare_text,
    .finalize = sq_finalize,
    .backup = sq_backup,
    .check_copy = sq_check_copy,
    .claim_unused = sq_claim_unused,
};
