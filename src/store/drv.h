/* drv — the seam between the store and one database engine.
 *
 * The store's areas (st_*.c) are written once, against this header and
 * rows.h.  A driver (drv_sqlite.c, drv_pg.c) provides
 * the pool of connections, transactions, and the running of the named
 * queries of store_queries.h, whose text it takes from its own
 * queries/<driver>.sql.  The migrations runner (store.c) is shared; the
 * migration files are per driver.
 *
 * No engine's type, error code or error text passes this seam: a driver
 * sorts each failure into an enum drv_fault and hands it, with the
 * database's own text, to drv_fail(), which logs that text and puts the
 * store's own sentence in struct err.
 *
 * Only the store's files include this header, and it includes nothing of
 * store.h: the areas and store.c depend on the seam, never the other way. */
#ifndef KNEAD_STORE_DRV_H
#define KNEAD_STORE_DRV_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/migration.h"
#include "store_queries.h"
#include "util/arena.h"

struct drv;
struct drv_stmt; /* a named query prepared on one connection */
struct col;      /* rows.h: how one column lands in a struct */
struct store_stats; /* store.h */

/* What every driver's pool and connection start with. */
struct store {
    const struct drv *drv;
    /* store.c: the version reads outside a transaction that concurrent
     * requests share (coalesce.h), when the driver's .share_version_reads;
     * else NULL */
    struct coalesce *versions;
    /* a test build's KNEAD_TEST_VERSION_LAG_MS (store.c): a shared read's
     * answer held back this long after the database gave it */
    int version_lag_ms;
};
struct db {
    const struct drv *drv;
    /* store.c, db_hold_versions: the data versions this connection's holder
     * read first, answered again until it writes, begins or ends a
     * transaction, or releases the connection (one round trip a request) */
    int hold, held;
    int64_t held_clinic, held_appts;
    struct store *store; /* db_acquire's pool (NULL for a driver's own connection) */
    int tx;              /* store.c: inside db_begin .. db_commit / db_rollback */
};

/* A driver's mark of the committed state (versions_mark): SQLite's
 * wal-index header, 48 bytes. */
struct drv_mark {
    unsigned char b[48];
};
/* The data versions (store.h: db_versions) read on db itself, one round
 * trip (st_clinic.c); and the same through the store's shared reads
 * (store.c, coalesce.h) when the driver shares them and db is not inside a
 * transaction. */
enum err_code db_versions_read(struct db *db, int64_t *clinic, int64_t *appointments,
                               struct err *e);
enum err_code db_versions_shared(struct db *db, int64_t *clinic, int64_t *appointments,
                                 struct err *e);

/* One value bound to a query parameter (?1, ?2, ... in order). */
enum drv_arg_kind { DRV_ARG_NULL, DRV_ARG_I64, DRV_ARG_TEXT, DRV_ARG_BLOB };
struct drv_arg {
    enum drv_arg_kind kind;
    int64_t i;
    const char *s; /* DRV_ARG_TEXT: NULL binds "" */
    const void *p; /* DRV_ARG_BLOB: n bytes */
    size_t n;
};

/* Why a statement failed, as far as the store cares. */
enum drv_fault {
    DRV_UNIQUE,      /* a unique or primary key: key = "table.column[, table.column]" */
    DRV_CHECK,       /* a CHECK: key = the constraint's name, or its expression */
    DRV_NOT_NULL,    /* key = "table.column" */
    DRV_FOREIGN_KEY, /* key = "" (SQLite does not say which) */
    DRV_RAISED,      /* a trigger refused the change: key = the trigger's message */
    DRV_BUSY,        /* a lock was not granted in time */
    DRV_FULL,        /* the disk, or the database's size cap, is full */
    DRV_READONLY,    /* the file cannot be written */
    DRV_IOERR,       /* a disk error */
    DRV_RETRY,       /* a serialisation failure: the transaction may run again */
    DRV_EXCLUDED,    /* an exclusion constraint (PG): key = its name; a taken time */
    DRV_UNREACHABLE, /* the database server cannot be reached (PG) */
    DRV_OTHER,       /* anything else: a bug, a full disk, a broken file */
};

/* Where the migrations runner (store.c) is with one migration. */
enum drv_migration_phase {
    DRV_MIGRATION_BEFORE, /* before its transaction begins */
    DRV_MIGRATION_CHECK,  /* its script ran, inside the transaction: refuse to commit? */
    DRV_MIGRATION_AFTER,  /* after its commit or its rollback */
};

struct drv {
    const char *name;                   /* "sqlite" */
    const char *const *sql;             /* the driver's q_sql_<name> table */
    const struct migration *migrations; /* version 0 ends it */
    /* 1: a version read is a round trip worth sharing, so concurrent
     * requests' reads outside a transaction share one (store.c, coalesce.h) */
    int share_version_reads;
    /* The pool.  open: `where` is the driver's (a path for SQLite). */
    enum err_code (*open)(const char *where, int conns, struct store **out, struct err *e);
    void (*close)(struct store *s);
    struct db *(*acquire)(struct store *s);       /* waits for a free connection */
    void (*release)(struct db *db);               /* rolls back an open transaction */
    int (*writes)(struct store *s); /* an enum store_writes (store.h: store_writes) */
    /* Optional (NULL: every db_versions reads): the data versions without a
     * read when nothing has committed since they were last read.
     * versions_mark takes a mark of the database's committed state that
     * moves with every commit by any connection of any process: 1 if the
     * versions last noted were read at this very mark (they are in *clinic
     * and *appts), 0 if not (read them, then versions_note them with this
     * mark, taken before the read), -1 if no mark can be taken now (a
     * transaction is open: read). */
    int (*versions_mark)(struct db *db, struct drv_mark *mark, int64_t *clinic, int64_t *appts);
    void (*versions_note)(struct db *db, const struct drv_mark *mark, int64_t clinic,
                          int64_t appts);
    /* Optional (NULL: none): the counters of store.h's store_stats. */
    void (*stats)(struct store *s, struct store_stats *out);
    enum err_code (*limit_size)(struct store *s, int64_t max_bytes, struct err *e);
    /* Transactions.  begin opens a writing transaction that is serialisable
     * (store.h states the contract); commit rolls back when it fails. */
    enum err_code (*begin)(struct db *db, struct err *e);
    enum err_code (*begin_nowait)(struct db *db, struct err *e); /* no wait for the lock */
    enum err_code (*commit)(struct db *db, struct err *e);
    void (*rollback)(struct db *db); /* can't fail; no-op when none is open */
    /* Optional (NULL: store.c runs db_tx): db_tx_shared's transaction, which
     * the driver may share with other callers' (store.h). */
    enum err_code (*tx_shared)(struct db *db, enum err_code (*fn)(struct db *, void *, struct err *),
                               void *ctx, struct err *e);
    /* What the engine needs around one migration (SQLite: foreign keys off
     * while a table is rebuilt, and all checked before the commit). */
    enum err_code (*migration)(struct db *db, const struct migration *m,
                               enum drv_migration_phase phase, struct err *e);
    /* Runs text holding several statements, no parameters and no rows (a
     * migration file, the wipe query). */
    enum err_code (*script)(struct db *db, const char *sql, const char *what, struct err *e);
    /* The connection's prepared statement for q (prepared on first use),
     * reset and with no bindings; NULL with e set on failure. */
    struct drv_stmt *(*prepare)(struct db *db, enum q_id q, struct err *e);
    enum err_code (*bind)(struct drv_stmt *st, int i, const struct drv_arg *v, const char *what,
                          struct err *e); /* i from 1 */
    /* 1 = a row is ready, 0 = done, -1 = failed (e set; the statement reset). */
    int (*step)(struct drv_stmt *st, const char *what, struct err *e);
    /* Columns of the current row, from 0.  Text NULL reads as "", valid
     * until the next step or reset. */
    int (*col_null)(struct drv_stmt *st, int i);
    int64_t (*col_i64)(struct drv_stmt *st, int i);
    const char *(*col_text)(struct drv_stmt *st, int i);
    size_t (*col_blob)(struct drv_stmt *st, int i, const void **p);
    /* The current row's columns first, first + 1, ... into dst by the
     * table (rows.h: struct col); text copied to a.  rows_read's loop, in
     * the driver so that a list's columns cost no call through this table. */
    void (*read_row)(struct drv_stmt *st, struct arena *a, int first, const struct col *cols,
                     size_t ncols, void *dst);
    int (*col_count)(struct drv_stmt *st);
    enum drv_arg_kind (*col_kind)(struct drv_stmt *st, int i); /* of the current row's value */
    const char *(*col_name)(struct drv_stmt *st, int i);       /* the column's name */
    int64_t (*changes)(struct drv_stmt *st);                   /* rows the last step changed */
    int64_t (*last_id)(struct drv_stmt *st);                   /* the id the last insert made */
    void (*reset)(struct drv_stmt *st); /* ready to run again; keeps bindings */
    /* A statement from text rather than a named query, not cached: for
     * db_debug_sql only.  Finalize it when done (accepts NULL). */
    struct drv_stmt *(*prepare_text)(struct db *db, const char *sql, struct err *e);
    void (*finalize)(struct drv_stmt *st);
    /* Backups (store.h: store_backup, store_check_copy, store_claim_unused):
     * a consistent copy of the open database into the file `to`; the check
     * of a copy at `path` (whole, a Knead schema no newer than `latest`)
     * and its copy into `into` (if not NULL); whether another process has
     * the database at `where` open (E_CONFLICT), else a descriptor whose
     * lock keeps it so until closed (-1 = none needed). */
    enum err_code (*backup)(struct store *s, const char *to, struct err *e);
    enum err_code (*check_copy)(const char *path, const char *into, int latest, int *version,
                                struct err *e);
    enum err_code (*claim_unused)(const char *where, int *fd_out, struct err *e);
};

extern const struct drv drv_sqlite;
extern const struct drv drv_pg;

/* Sets *e from a failure of `what` (our words, e.g. "save room") in the
 * store's own sentence and returns its code; logs the database's own text
 * (dbtext), which never reaches e.  Known keys (store.c's table) get their
 * sentence; other faults a sentence for their kind. */
enum err_code drv_fail(struct err *e, const char *what, enum drv_fault f, const char *key,
                       const char *dbtext);

#endif
