/* drv_pg — the PostgreSQL driver of the store (drv.h), over libpq.
 *
 * A pool of connections like SQLite's (a request holds one for its life).
 * Each connection prepares a named query once, on first use (PQprepare,
 * "q<id>"), and reuses it; parameters go as text (bytes as binary) and
 * the server infers their types from the query, so queries/pg.sql casts a
 * parameter only where the query alone does not say its type.  Results
 * come as text, whole (PQexecPrepared); step walks their rows.
 *
 * Writers run side by side, at READ COMMITTED, and what a writer decides
 * from its reads is guarded by the database itself (store.h, the
 * concurrency contract): exclusion constraints on the appointments'
 * therapist, room and client ranges (23P01, DRV_EXCLUDED: 409
 * slot_unavailable), unique keys (dedupe and idempotency keys), UPDATEs
 * conditioned on the state they change (a claim, a sign-in link's use:
 * PostgreSQL re-checks the condition on the row's latest version, so one
 * of two wins), and FOR UPDATE SKIP LOCKED for the outbox's claims.  A
 * deadlock (40P01) or a serialisation failure (40001) is DRV_RETRY, which
 * db_tx/db_retry run again.  No libpq type or error text
 * leaves this file: failures go through drv_fail. */
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/drv.h"
#include "store/rows.h"
#include "store/store.h"
#include "util/log.h"
#include "util/mem.h"

/* How long a statement waits for a lock another holds (SQLite's busy
 * timeout, drv_sqlite.c). */
#define PG_LOCK_TIMEOUT "5s"
/* The most parameters one named query takes. */
#define PG_MAX_PARAMS 40
/* Type OIDs of the results we read as numbers or bytes (pg_type.h). */
#define OID_BOOL 16
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_NUMERIC 1700

struct pg_db;

struct drv_stmt {
    struct pg_db *d;
    char name[16];    /* the prepared statement's name; "" for prepare_text's */
    const char *text; /* prepare_text's SQL (unnamed statement: prepared on each run) */
    int prepared;
    int nparams;                       /* as the server counted them */
    int ncols;                         /* prepare_text's, from its description */
    char *val[PG_MAX_PARAMS];          /* heap, owned */
    int len[PG_MAX_PARAMS], fmt[PG_MAX_PARAMS];
    int set[PG_MAX_PARAMS];            /* 0 = NULL */
    char num[PG_MAX_PARAMS][24];       /* integers' text */
    PGresult *res;                     /* the run's result, NULL before it */
    int row;                           /* the current row, -1 before the first */
    unsigned char *bytes;              /* col_blob's decoded bytes, freed at the next step */
    int heap;                          /* allocated by prepare_text */
};

struct pg_store;

struct pg_db {
    struct db base;
    struct pg_store *owner;
    PGconn *c;
    struct drv_stmt st[Q__COUNT];
    int in_use;
    int in_tx;
    /* db_begin is sent with the transaction's first statement, in one
     * round trip (libpq's pipeline mode): 1 while it waits for it */
    int begin_pending;
};

struct pg_store {
    struct store base;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int nconns;
    struct pg_db *conns;
    char *where; /* the connection string, to reconnect */
    int writes;  /* enum store_writes, atomic */
    uint64_t statements, round_trips; /* atomic; /metrics (store_stats) */
};

#define DB(x) ((struct pg_db *)(x))
#define ST(x) ((struct pg_store *)(x))

/* Counts one round trip to the server carrying n statements (a prepare or
 * a description: none). */
static void trip(struct pg_db *d, int n)
{
    if (!d->owner)
        return;
    __atomic_add_fetch(&d->owner->round_trips, 1, __ATOMIC_RELAXED);
    if (n)
        __atomic_add_fetch(&d->owner->statements, (uint64_t)n, __ATOMIC_RELAXED);
}

/* The key drv_fail knows for a unique or not-null failure: "table.column"
 * (or "table.a, table.b"), from the error's table and its detail
 * "Key (a, b)=(...)": the same key SQLite's message gives. */
static void pg_key(const PGresult *r, char *out, size_t size)
{
    const char *table = PQresultErrorField(r, PG_DIAG_TABLE_NAME);
    const char *column = PQresultErrorField(r, PG_DIAG_COLUMN_NAME);
    const char *detail = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
    const char *k, *end;
    size_t n = 0;
    out[0] = '\0';
    if (!table)
        return;
    if (column) {
        snprintf(out, size, "%s.%s", table, column);
        return;
    }
    if (!detail || !(k = strstr(detail, "Key (")) || !(end = strstr(k, ")=")))
        return;
    k += 5;
    while (k < end && n + 1 < size) {
        const char *comma = memchr(k, ',', (size_t)(end - k));
        const char *stop = comma ? comma : end;
        /* a citext or expression key reads "lower(email)": keep the column */
        int w = snprintf(out + n, size - n, "%s%s.%.*s", n ? ", " : "", table, (int)(stop - k), k);
        if (w < 0 || (size_t)w >= size - n)
            break;
        n += (size_t)w;
        k = comma ? comma + 2 : end;
    }
}

static void note_writes(struct pg_db *d, enum store_writes state, const char *what,
                        const char *msg)
{
    if (d && d->owner &&
        __atomic_exchange_n(&d->owner->writes, (int)state, __ATOMIC_SEQ_CST) != (int)state)
        log_warn("pg: writes fail: %s: %s", what, msg);
}

/* Sorts a failed result r (NULL: the connection's own failure) for drv_fail. */
static enum err_code pg_fail(struct pg_db *d, const PGresult *r, struct err *e, const char *what)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = r ? PQresultErrorMessage(r) : NULL;
    const char *primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    char key[256];
    if (!msg || !*msg)
        msg = d && d->c ? PQerrorMessage(d->c) : "no connection";
    if (!state)
        state = "";
    if (!strcmp(state, "23505")) {
        /* a one-time key another writer stored first (a form sent twice at
         * once): running again finds it, as the store's own check would */
        const char *c = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
        static const char *const raced[] = {"invoices_form_key_key", "payments_idem_key_key",
                                            "refunds_idem_key_key", "credit_notes_idem_key_key",
                                            "invoices_number_key", "gift_cards_form_key_key"};
        for (size_t i = 0; c && i < sizeof raced / sizeof raced[0]; i++)
            if (!strcmp(c, raced[i]))
                return drv_fail(e, what, DRV_RETRY, "", msg);
        pg_key(r, key, sizeof key);
        return drv_fail(e, what, DRV_UNIQUE, key, msg);
    }
    if (!strcmp(state, "23502")) {
        pg_key(r, key, sizeof key);
        return drv_fail(e, what, DRV_NOT_NULL, key, msg);
    }
    if (!strcmp(state, "23503"))
        return drv_fail(e, what, DRV_FOREIGN_KEY, "", msg);
    if (!strcmp(state, "23514")) {
        const char *c = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
        return drv_fail(e, what, DRV_CHECK, c ? c : "", msg);
    }
    if (!strcmp(state, "23P01")) {
        const char *c = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
        return drv_fail(e, what, DRV_EXCLUDED, c ? c : "", msg);
    }
    if (!strcmp(state, "P0001"))
        return drv_fail(e, what, DRV_RAISED, primary ? primary : "", msg);
    if (!strcmp(state, "40001") || !strcmp(state, "40P01"))
        return drv_fail(e, what, DRV_RETRY, "", msg);
    if (!strcmp(state, "55P03") || !strcmp(state, "57014")) {
        note_writes(d, STORE_WRITES_BUSY, what, msg);
        return drv_fail(e, what, DRV_BUSY, "", msg);
    }
    if (!strncmp(state, "53", 2)) { /* insufficient resources: disk full, out of memory */
        note_writes(d, STORE_WRITES_FULL, what, msg);
        return drv_fail(e, what, DRV_FULL, "", msg);
    }
    if (!strcmp(state, "25006")) {
        note_writes(d, STORE_WRITES_READONLY, what, msg);
        return drv_fail(e, what, DRV_READONLY, "", msg);
    }
    if (!strncmp(state, "58", 2) || !strncmp(state, "08", 2) || !strncmp(state, "57", 2) ||
        (d && d->c && PQstatus(d->c) != CONNECTION_OK)) {
        note_writes(d, STORE_WRITES_IOERR, what, msg);
        return drv_fail(e, what, DRV_UNREACHABLE, "", msg);
    }
    return drv_fail(e, what, DRV_OTHER, "", msg);
}

/* Runs text without parameters; E_OK when it succeeded. */
static enum err_code exec(struct pg_db *d, const char *sql, const char *what, struct err *e)
{
    PGresult *r = PQexec(d->c, sql);
    trip(d, 1);
    ExecStatusType s = PQresultStatus(r);
    enum err_code rc = E_OK;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
        rc = pg_fail(d, r, e, what);
    PQclear(r);
    return rc;
}

#define PG_BEGIN "BEGIN ISOLATION LEVEL READ COMMITTED"

/* Sends the BEGIN that db_begin left pending, alone (before text run by
 * exec or a script).  E_OK when none was pending or it succeeded. */
static enum err_code flush_begin(struct pg_db *d, struct err *e)
{
    if (!d->begin_pending)
        return E_OK;
    d->begin_pending = 0;
    return exec(d, PG_BEGIN, "begin a change", e);
}

/* ---- statements ---- */

static void stmt_clear_result(struct drv_stmt *st)
{
    PQclear(st->res);
    st->res = NULL;
    st->row = -1;
    if (st->bytes)
        PQfreemem(st->bytes);
    st->bytes = NULL;
}

static void stmt_clear_binds(struct drv_stmt *st)
{
    for (int i = 0; i < PG_MAX_PARAMS; i++) {
        free(st->val[i]);
        st->val[i] = NULL;
        st->set[i] = 0;
        st->len[i] = 0;
        st->fmt[i] = 0;
    }
}

/* Prepares st's query on its connection (once per connection). */
static int stmt_prepare(struct drv_stmt *st, const char *sql, const char *what, struct err *e)
{
    PGresult *r;
    if (st->prepared)
        return 0;
    r = PQprepare(st->d->c, st->name, sql, 0, NULL);
    trip(st->d, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        pg_fail(st->d, r, e, what);
        PQclear(r);
        return -1;
    }
    PQclear(r);
    r = PQdescribePrepared(st->d->c, st->name);
    trip(st->d, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        pg_fail(st->d, r, e, what);
        PQclear(r);
        return -1;
    }
    st->nparams = PQnparams(r);
    PQclear(r);
    if (st->nparams > PG_MAX_PARAMS) {
        drv_fail(e, what, DRV_OTHER, "", "the query takes too many parameters");
        return -1;
    }
    st->prepared = 1;
    return 0;
}

/* ---- connections and the pool ---- */

static void pg_notice(void *arg, const char *msg)
{
    (void)arg;
    (void)msg; /* NOTICEs (IF NOT EXISTS ...) are not the log's business */
}

static enum err_code conn_open(struct pg_db *d, const char *where, struct err *e)
{
    d->c = PQconnectdb(where);
    if (!d->c || PQstatus(d->c) != CONNECTION_OK) {
        log_warn("pg: cannot connect: %s", d->c ? PQerrorMessage(d->c) : "out of memory");
        PQfinish(d->c);
        d->c = NULL;
        return err_set(e, E_UNAVAILABLE,
                       "cannot connect to the PostgreSQL server (check that it runs, and the"
                       " address, user, database and password of the URL)");
    }
    PQsetNoticeProcessor(d->c, pg_notice, NULL);
    /* Every instant is a bigint of UTC seconds; the session's zone and
     * datestyle do not matter.  Writes are durable at commit.  A lock held
     * elsewhere (another program's LOCK TABLE, a long transaction) is waited
     * for as long as SQLite's busy timeout (5 s), then the statement fails
     * busy (55P03: 503, "the database is busy") instead of hanging the
     * request and its worker thread for as long as the holder likes. */
    return exec(d,
                "SET synchronous_commit = on; SET client_min_messages = warning;"
                " SET lock_timeout = '" PG_LOCK_TIMEOUT "'",
                "set up the connection", e);
}

static void conn_forget_statements(struct pg_db *d)
{
    for (int i = 0; i < Q__COUNT; i++) {
        stmt_clear_result(&d->st[i]);
        stmt_clear_binds(&d->st[i]);
        d->st[i].prepared = 0;
    }
}

static void conn_close(struct pg_db *d)
{
    conn_forget_statements(d);
    PQfinish(d->c);
    d->c = NULL;
}

static void pg_close(struct store *s)
{
    struct pg_store *ps = ST(s);
    for (int i = 0; i < ps->nconns; i++)
        conn_close(&ps->conns[i]);
    pthread_mutex_destroy(&ps->mu);
    pthread_cond_destroy(&ps->cv);
    free(ps->conns);
    free(ps->where);
    free(ps);
}

static enum err_code pg_open(const char *where, int conns, struct store **out, struct err *e)
{
    struct pg_store *ps;
    enum err_code rc;
    if (conns < 1)
        conns = 1;
    ps = xcalloc(1, sizeof *ps);
    ps->base.drv = &drv_pg;
    ps->where = xstrdup(where);
    pthread_mutex_init(&ps->mu, NULL);
    pthread_cond_init(&ps->cv, NULL);
    ps->conns = xcalloc((size_t)conns, sizeof *ps->conns);
    for (int i = 0; i < conns; i++) {
        struct pg_db *d = &ps->conns[i];
        d->base.drv = &drv_pg;
        d->owner = ps;
        for (int q = 0; q < Q__COUNT; q++) {
            d->st[q].d = d;
            d->st[q].row = -1;
            snprintf(d->st[q].name, sizeof d->st[q].name, "q%d", q);
        }
        ps->nconns = i + 1;
        rc = conn_open(d, where, e);
        if (rc != E_OK) {
            pg_close(&ps->base);
            return rc;
        }
    }
    *out = &ps->base;
    return E_OK;
}

static struct db *pg_acquire(struct store *s)
{
    struct pg_store *ps = ST(s);
    struct pg_db *d = NULL;
    pthread_mutex_lock(&ps->mu);
    for (;;) {
        for (int i = 0; i < ps->nconns; i++) {
            if (!ps->conns[i].in_use) {
                d = &ps->conns[i];
                d->in_use = 1;
                break;
            }
        }
        if (d)
            break;
        pthread_cond_wait(&ps->cv, &ps->mu);
    }
    pthread_mutex_unlock(&ps->mu);
    /* A connection the server dropped (a restart, a failover) is made
     * again; its prepared statements went with it. */
    if (d->c && PQstatus(d->c) != CONNECTION_OK) {
        conn_forget_statements(d);
        PQreset(d->c);
        if (PQstatus(d->c) == CONNECTION_OK)
            log_info("pg: connection made again");
    }
    return &d->base;
}

static void pg_rollback(struct db *db)
{
    struct pg_db *d = DB(db);
    if (!d->in_tx)
        return;
    d->in_tx = 0;
    if (d->begin_pending) { /* nothing was sent: nothing to undo */
        d->begin_pending = 0;
        return;
    }
    struct err ignored = {0};
    if (exec(d, "ROLLBACK", "roll back", &ignored) != E_OK)
        log_warn("pg: rollback failed");
}

static void pg_release(struct db *db)
{
    struct pg_db *d = DB(db);
    struct pg_store *ps = d->owner;
    pg_rollback(db);
    pthread_mutex_lock(&ps->mu);
    d->in_use = 0;
    pthread_cond_signal(&ps->cv);
    pthread_mutex_unlock(&ps->mu);
}

/* The BEGIN waits for the transaction's first statement and goes with it
 * in one round trip (pg_step): a booking's transaction is a dozen round
 * trips, and BEGIN alone was one of them, as was each render and outbox
 * pass's.  A BEGIN that fails (the server gone) fails that statement, with
 * the same fault it would have had here.  A transaction that runs no
 * statement sends nothing at all. */
static enum err_code pg_begin(struct db *db, struct err *e)
{
    struct pg_db *d = DB(db);
    if (!d->c || PQstatus(d->c) != CONNECTION_OK) {
        enum err_code rc = exec(d, PG_BEGIN, "begin a change", e); /* its failure, as before */
        d->in_tx = rc == E_OK;
        return rc;
    }
    d->begin_pending = 1;
    d->in_tx = 1;
    return E_OK;
}

/* A change that may be skipped (a session's last-seen time): it waits for
 * no row lock held elsewhere, and its failure is not a failing write. */
static enum err_code pg_begin_nowait(struct db *db, struct err *e)
{
    struct pg_db *d = DB(db);
    struct err ignored = {0};
    if (exec(d, "BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL lock_timeout = '1ms'",
             "begin a change", &ignored) != E_OK) {
        pg_rollback(db);
        return err_set(e, E_UNAVAILABLE, "the database is busy");
    }
    d->in_tx = 1;
    return E_OK;
}

static enum err_code pg_commit(struct db *db, struct err *e)
{
    struct pg_db *d = DB(db);
    if (d->begin_pending) { /* no statement ran: nothing to save */
        d->begin_pending = 0;
        d->in_tx = 0;
        return E_OK;
    }
    PGresult *r = PQexec(d->c, "COMMIT");
    trip(d, 1);
    enum err_code rc = E_OK;
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        rc = pg_fail(d, r, e, "save the change");
    else if (strcmp(PQcmdStatus(r), "COMMIT") != 0)
        /* a transaction an earlier statement failed answers COMMIT with ROLLBACK */
        rc = drv_fail(e, "save the change", DRV_OTHER, "", "the transaction was rolled back");
    PQclear(r);
    d->in_tx = 0;
    if (rc != E_OK)
        return rc;
    if (__atomic_exchange_n(&d->owner->writes, (int)STORE_WRITES_OK, __ATOMIC_SEQ_CST) !=
        (int)STORE_WRITES_OK)
        log_info("pg: writes succeed again");
    return E_OK;
}

static void pg_stats(struct store *s, struct store_stats *out)
{
    struct pg_store *ps = ST(s);
    out->has = STORE_HAS_TRIPS;
    out->statements = __atomic_load_n(&ps->statements, __ATOMIC_RELAXED);
    out->round_trips = __atomic_load_n(&ps->round_trips, __ATOMIC_RELAXED);
}

static int pg_writes(struct store *s)
{
    return __atomic_load_n(&ST(s)->writes, __ATOMIC_SEQ_CST);
}

/* [database] max_size_mb caps a SQLite file; a PostgreSQL cluster's size is
 * its administrator's (quotas, tablespaces): nothing to do here. */
static enum err_code pg_limit_size(struct store *s, int64_t max_bytes, struct err *e)
{
    (void)s;
    (void)max_bytes;
    (void)e;
    return E_OK;
}

static enum err_code pg_script(struct db *db, const char *sql, const char *what, struct err *e)
{
    enum err_code rc = flush_begin(DB(db), e);
    return rc != E_OK ? rc : exec(DB(db), sql, what, e);
}

static enum err_code pg_migration(struct db *db, const struct migration *m,
                                  enum drv_migration_phase phase, struct err *e)
{
    (void)db;
    (void)m;
    (void)phase;
    (void)e;
    return E_OK; /* DDL is transactional in PostgreSQL: nothing around it */
}

/* ---- named queries ---- */

static struct drv_stmt *pg_prepare(struct db *db, enum q_id q, struct err *e)
{
    struct drv_stmt *st = &DB(db)->st[q];
    stmt_clear_result(st);
    stmt_clear_binds(st);
    if (stmt_prepare(st, q_sql_pg[q], q_name[q], e) < 0)
        return NULL;
    return st;
}

static enum err_code pg_bind(struct drv_stmt *st, int i, const struct drv_arg *v, const char *what,
                             struct err *e)
{
    int k = i - 1;
    if (k < 0 || k >= PG_MAX_PARAMS)
        return drv_fail(e, what, DRV_OTHER, "", "parameter out of range");
    free(st->val[k]);
    st->val[k] = NULL;
    st->set[k] = 1;
    st->fmt[k] = 0;
    st->len[k] = 0;
    switch (v->kind) {
    case DRV_ARG_I64:
        snprintf(st->num[k], sizeof st->num[k], "%lld", (long long)v->i);
        st->val[k] = xstrdup(st->num[k]);
        break;
    case DRV_ARG_TEXT:
        st->val[k] = xstrdup(v->s ? v->s : "");
        break;
    case DRV_ARG_BLOB:
        st->val[k] = xmalloc(v->n ? v->n : 1);
        if (v->n)
            memcpy(st->val[k], v->p, v->n);
        st->len[k] = (int)v->n;
        st->fmt[k] = 1;
        break;
    default:
        st->set[k] = 0;
        break;
    }
    return E_OK;
}

/* Sends st's statement (its parameters vals) after the pending BEGIN, in
 * one round trip (libpq's pipeline mode), and returns the statement's
 * result; BEGIN's when BEGIN failed; NULL when nothing could be sent (the
 * caller reads the connection's error). */
static PGresult *run_after_begin(struct pg_db *d, struct drv_stmt *st, const char *const *vals,
                                 int n)
{
    PGconn *c = d->c;
    PGresult *r, *begin = NULL, *out = NULL;
    int query = 0, nulls = 0;
    d->begin_pending = 0;
    if (!PQenterPipelineMode(c))
        return NULL;
    int sent = PQsendQueryParams(c, PG_BEGIN, 0, NULL, NULL, NULL, NULL, 0) &&
               (st->text ? PQsendQueryParams(c, st->text, n, NULL, vals, st->len, st->fmt, 0)
                         : PQsendQueryPrepared(c, st->name, n, vals, st->len, st->fmt, 0)) &&
               PQpipelineSync(c);
    if (sent)
        trip(d, 2);
    /* BEGIN's result and NULL, the statement's and NULL, then the sync's;
     * two NULLs in a row (or a dead connection) end it early */
    while (sent) {
        r = PQgetResult(c);
        if (!r) {
            query++;
            if (++nulls > 1 || PQstatus(c) != CONNECTION_OK)
                break;
            continue;
        }
        nulls = 0;
        if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            break;
        }
        if (query == 0 && !begin)
            begin = r;
        else if (query == 1 && !out)
            out = r;
        else
            PQclear(r);
    }
    if (!PQexitPipelineMode(c)) {
        /* results left unread (a send failed half-way, the server went
         * away): the connection starts afresh, its statements with it,
         * and this statement fails as unreachable */
        log_warn("pg: a pipelined statement went wrong (%s); connecting again",
                 PQerrorMessage(c));
        PQclear(begin);
        PQclear(out);
        conn_forget_statements(d);
        PQreset(c);
        return NULL;
    }
    if (begin && PQresultStatus(begin) != PGRES_COMMAND_OK) {
        PQclear(out);
        return begin;
    }
    PQclear(begin);
    return out;
}

static int pg_step(struct drv_stmt *st, const char *what, struct err *e)
{
    if (!st->res) {
        const char *vals[PG_MAX_PARAMS];
        int n = st->nparams;
        for (int i = 0; i < n; i++)
            vals[i] = st->set[i] ? st->val[i] : NULL;
        if (st->d->begin_pending)
            st->res = run_after_begin(st->d, st, vals, n);
        else {
            trip(st->d, 1);
            st->res = st->text
                          ? PQexecParams(st->d->c, st->text, n, NULL, vals, st->len, st->fmt, 0)
                          : PQexecPrepared(st->d->c, st->name, n, vals, st->len, st->fmt, 0);
        }
        ExecStatusType s = PQresultStatus(st->res);
        if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
            pg_fail(st->d, st->res, e, what);
            stmt_clear_result(st);
            return -1;
        }
        st->row = -1;
    }
    if (st->bytes) {
        PQfreemem(st->bytes);
        st->bytes = NULL;
    }
    if (st->row + 1 < PQntuples(st->res)) {
        st->row++;
        return 1;
    }
    st->row = PQntuples(st->res);
    return 0;
}

static int pg_col_null(struct drv_stmt *st, int i)
{
    return PQgetisnull(st->res, st->row, i);
}

static int64_t text_i64(const char *t)
{
    if (!t || !*t)
        return 0;
    if (t[0] == 't' && !t[1])
        return 1; /* a boolean (EXISTS) */
    if (t[0] == 'f' && !t[1])
        return 0;
    return strtoll(t, NULL, 10);
}

static int64_t pg_col_i64(struct drv_stmt *st, int i)
{
    return text_i64(PQgetvalue(st->res, st->row, i));
}

static const char *pg_col_text(struct drv_stmt *st, int i)
{
    return PQgetvalue(st->res, st->row, i);
}

static size_t pg_col_blob(struct drv_stmt *st, int i, const void **p)
{
    *p = NULL;
    if (PQgetisnull(st->res, st->row, i))
        return 0;
    const char *t = PQgetvalue(st->res, st->row, i);
    if (PQftype(st->res, i) != OID_BYTEA) {
        *p = t;
        return strlen(t);
    }
    size_t n = 0;
    if (st->bytes)
        PQfreemem(st->bytes);
    st->bytes = PQunescapeBytea((const unsigned char *)t, &n);
    *p = st->bytes;
    return st->bytes && n ? n : 0;
}

static void pg_read_row(struct drv_stmt *st, struct arena *a, int first, const struct col *cols,
                        size_t ncols, void *dst)
{
    char *base = dst;
    for (size_t i = 0; i < ncols; i++) {
        int c = first + (int)i;
        void *f = base + cols[i].off;
        const char *t = PQgetvalue(st->res, st->row, c);
        switch ((enum col_kind)cols[i].kind) {
        case COL_K_TEXT:
            *(const char **)f = arena_strdup(a, t ? t : "");
            break;
        case COL_K_INT:
            *(int *)f = (int)text_i64(t);
            break;
        case COL_K_UINT:
            *(unsigned *)f = (unsigned)text_i64(t);
            break;
        case COL_K_I64:
            *(int64_t *)f = text_i64(t);
            break;
        case COL_K_SKIP:
            break;
        }
    }
}

static int pg_col_count(struct drv_stmt *st)
{
    if (!st->res) {
        if (st->text)
            return st->ncols;
        PGresult *r = PQdescribePrepared(st->d->c, st->name);
        int n = PQresultStatus(r) == PGRES_COMMAND_OK ? PQnfields(r) : 0;
        PQclear(r);
        return n;
    }
    return PQnfields(st->res);
}

static enum drv_arg_kind pg_col_kind(struct drv_stmt *st, int i)
{
    if (PQgetisnull(st->res, st->row, i))
        return DRV_ARG_NULL;
    switch (PQftype(st->res, i)) {
    case OID_BOOL:
    case OID_INT2:
    case OID_INT4:
    case OID_INT8:
    case OID_NUMERIC:
        return DRV_ARG_I64;
    case OID_BYTEA:
        return DRV_ARG_BLOB;
    default:
        return DRV_ARG_TEXT;
    }
}

static const char *pg_col_name(struct drv_stmt *st, int i)
{
    const char *n = st->res ? PQfname(st->res, i) : NULL;
    return n ? n : "";
}

static int64_t pg_changes(struct drv_stmt *st)
{
    const char *t = st->res ? PQcmdTuples(st->res) : "";
    return t && *t ? strtoll(t, NULL, 10) : 0;
}

/* The id an insert made: its RETURNING id (queries/pg.sql has one on each
 * insert whose id the store reads). */
static int64_t pg_last_id(struct drv_stmt *st)
{
    if (!st->res || PQntuples(st->res) < 1 || PQnfields(st->res) < 1)
        return 0;
    return text_i64(PQgetvalue(st->res, 0, 0));
}

static void pg_reset(struct drv_stmt *st)
{
    stmt_clear_result(st);
}

/* knead debug sql: the statement runs unnamed (PQexecParams), with as many
 * parameters as bound; its columns are known after the first step. */
static struct drv_stmt *pg_prepare_text(struct db *db, const char *sql, struct err *e)
{
    struct drv_stmt *st = xcalloc(1, sizeof *st);
    PGresult *r;
    st->d = DB(db);
    st->heap = 1;
    st->row = -1;
    st->text = sql;
    /* count the parameters the way the server does */
    r = PQprepare(st->d->c, "", sql, 0, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
        if (state && !strcmp(state, "42601") && msg && strstr(msg, "multiple commands"))
            err_set(e, E_INVALID, "give one statement");
        else
            pg_fail(st->d, r, e, "read the statement");
        PQclear(r);
        free(st);
        return NULL;
    }
    PQclear(r);
    r = PQdescribePrepared(st->d->c, "");
    st->nparams = PQresultStatus(r) == PGRES_COMMAND_OK ? PQnparams(r) : 0;
    st->ncols = PQresultStatus(r) == PGRES_COMMAND_OK ? PQnfields(r) : 0;
    PQclear(r);
    if (st->nparams > PG_MAX_PARAMS) {
        free(st);
        err_set(e, E_INVALID, "too many parameters");
        return NULL;
    }
    return st;
}

static void pg_finalize(struct drv_stmt *st)
{
    if (!st)
        return;
    stmt_clear_result(st);
    stmt_clear_binds(st);
    if (st->heap)
        free(st);
}

/* ---- backups: the cluster's own tools ---- */

static enum err_code pg_backup(struct store *s, const char *to, struct err *e)
{
    (void)s;
    (void)to;
    return err_set(e, E_UNPROCESSABLE,
                   "knead backup copies a SQLite file; back up a PostgreSQL database with its"
                   " own tools (pg_dump, or the cluster's base backups and WAL archive)");
}

static enum err_code pg_check_copy(const char *path, const char *into, int latest, int *version,
                                   struct err *e)
{
    (void)path;
    (void)into;
    (void)latest;
    (void)version;
    return err_set(e, E_UNPROCESSABLE, "knead restore reads SQLite backups only");
}

static enum err_code pg_claim_unused(const char *where, int *fd_out, struct err *e)
{
    (void)where;
    (void)e;
    *fd_out = -1;
    return E_OK;
}

const struct drv drv_pg = {
    .name = "pg",
    .sql = q_sql_pg,
    .migrations = pg_migrations,
    .share_version_reads = 1,
    .open = pg_open,
    .close = pg_close,
    .acquire = pg_acquire,
    .release = pg_release,
    .writes = pg_writes,
    .stats = pg_stats,
    .limit_size = pg_limit_size,
    .begin = pg_begin,
    .begin_nowait = pg_begin_nowait,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .migration = pg_migration,
    .script = pg_script,
    .prepare = pg_prepare,
    .bind = pg_bind,
    .step = pg_step,
    .col_null = pg_col_null,
    .col_i64 = pg_col_i64,
    .col_text = pg_col_text,
    .col_blob = pg_col_blob,
    .read_row = pg_read_row,
    .col_count = pg_col_count,
    .col_kind = pg_col_kind,
    .col_name = pg_col_name,
    .changes = pg_changes,
    .last_id = pg_last_id,
    .reset = pg_reset,
    .prepare_text = pg_prepare_text,
    .finalize = pg_finalize,
    .backup = pg_backup,
    .check_copy = pg_check_copy,
    .claim_unused = pg_claim_unused,
};
