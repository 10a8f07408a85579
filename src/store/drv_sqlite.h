/* drv_sqlite — what the SQLite driver shares with the store functions not yet
 * moved to rows.h (sqlite.c).  Nothing else includes this header; it goes
 * when sqlite.c does. */
#ifndef KNEAD_STORE_DRV_SQLITE_H
#define KNEAD_STORE_DRV_SQLITE_H

#include <sqlite3.h>

#include "store/drv.h"

struct sqlite_store;

struct sqlite_db {
    struct db base;
    struct sqlite_store *owner;
    sqlite3 *h;
    sqlite3_stmt *st[Q__COUNT];
    int in_use;
    int in_tx;
};

/* The connection's statement for id, reset; NULL with e set on failure. */
sqlite3_stmt *sqlite_stmt(struct sqlite_db *d, enum q_id id, struct err *e);
/* Sorts SQLite result code rc (with h's message, h may be NULL) for drv_fail. */
enum err_code sqlite_fail(sqlite3 *h, struct err *e, int rc, const char *what);

#endif
