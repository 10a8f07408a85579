/* rows — running a named query and reading its rows, over drv.h.
 *
 * The store's areas (st_*.c) call these instead of a driver: bind the
 * arguments (ARGS(...) → ?1, ?2, ...), step, read columns by a table of
 * struct col built on offsetof, grow the result array on the arena, and
 * turn every failure — a bind, a step — into struct err in one place.
 *
 *   static const struct col room_cols[] = {
 *       COL_I64(struct room, id), COL_TEXT(struct room, name)};
 *   return rows_list(db, a, Q_ROOMS, "list rooms", NOARGS, COLS(room_cols),
 *                    sizeof **out, (void **)out, n, e);
 *
 * A column table lists the SELECT's columns in order; COL_SKIP passes one.
 * COL_* check at compile time that the field has the column's C type.
 * Every function resets its statement before it returns. */
#ifndef KNEAD_STORE_ROWS_H
#define KNEAD_STORE_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "store/drv.h"
#include "store/store.h"
#include "util/arena.h"

/* ---- arguments ---- */

#define A_I64(v) ((struct drv_arg){.kind = DRV_ARG_I64, .i = (int64_t)(v)})
#define A_TEXT(v) ((struct drv_arg){.kind = DRV_ARG_TEXT, .s = (v)})
#define A_BLOB(ptr, len) ((struct drv_arg){.kind = DRV_ARG_BLOB, .p = (ptr), .n = (len)})
#define A_HASH(h) A_BLOB((h), STORE_TOKEN_HASH)
#define A_NULL ((struct drv_arg){.kind = DRV_ARG_NULL})
/* An optional number: NULL when v < 0 (a setting left to the default). */
static inline struct drv_arg A_OPT(int v) {
    return v < 0 ? A_NULL : A_I64(v);
}
/* Text that is NULL in the database when v is NULL (not ""). */
static inline struct drv_arg
A_TEXT_OR_NULL(const char *v) {
    return v ? A_TEXT(v) : A_NULL;
}

/* The arguments of one call, as (pointer, count); NOARGS for none. */
#define ARGS(...)                                                                                  \
    ((const struct drv_arg[]){{.kind = DRV_ARG_NULL}, __VA_ARGS__} + 1),                           \
        (sizeof((const struct drv_arg[]){{.kind = DRV_ARG_NULL}, __VA_ARGS__}) /                   \
             sizeof(struct drv_arg) -                                                              \
         1)
#define NOARGS NULL, 0

/* ---- columns ---- */

enum col_kind {
    COL_K_SKIP,
    COL_K_TEXT, /* const char *, copied to the arena; NULL reads "" */
    COL_K_INT,  /* int */
    COL_K_UINT, /* unsigned */
    COL_K_I64,  /* int64_t */
};

struct col {
    unsigned short kind, off;
};

#define COL_TYPED_(T, f, k, type)                                                                  \
    {                                                                                              \
        k, (unsigned short)(offsetof(T, f) + 0 * sizeof(char[_Generic(((T *)0)->f, type : 1)]))    \
    }
#define COL_TEXT(T, f) COL_TYPED_(T, f, COL_K_TEXT, const char *)
#define COL_INT(T, f) COL_TYPED_(T, f, COL_K_INT, int)
#define COL_UINT(T, f) COL_TYPED_(T, f, COL_K_UINT, unsigned)
#define COL_I64(T, f) COL_TYPED_(T, f, COL_K_I64, int64_t)
#define COL_SKIP                                                                                   \
    {                                                                                              \
        COL_K_SKIP, 0                                                                              \
    }
/* The whole item is the column: a list of strings (const char *[]). */
#define COL_SELF_TEXT                                                                              \
    {                                                                                              \
        COL_K_TEXT, 0                                                                              \
    }
/* A column table as (pointer, count). */
#define COLS(t) (t), (sizeof(t) / sizeof((t)[0]))

/* ---- a query's rows one at a time ---- */

struct rows {
    struct db *db;
    struct drv_stmt *st;
    const char *what;
};

/* Prepares q and binds args.  On error r is closed and e set. */
enum err_code rows_open(struct rows *r, struct db *db, enum q_id q, const char *what,
                        const struct drv_arg *args, size_t nargs, struct err *e);
/* 1 = a row is ready, 0 = no more rows, -1 = failed (e set).  After 0 or
 * -1 the statement is reset. */
int rows_next(struct rows *r, struct err *e);
/* Resets the statement (ending a read before its last row).  Accepts a
 * closed r. */
void rows_close(struct rows *r);

/* Columns of the current row, from 0. */
int64_t rows_i64(const struct rows *r, int i);
int rows_int(const struct rows *r, int i);
int rows_is_null(const struct rows *r, int i);
/* The text in place ("" for NULL), valid until the next rows_next or
 * rows_close: to compare or copy without the arena. */
const char *rows_peek_text(const struct rows *r, int i);
/* The text copied to a ("" for NULL). */
const char *rows_text(const struct rows *r, struct arena *a, int i);
/* The bytes copied to a; *n gets the length (0 with NULL for none). */
const unsigned char *rows_blob(const struct rows *r, struct arena *a, int i, size_t *n);
/* Reads columns first, first + 1, ... into dst by the table. */
void rows_read(const struct rows *r, struct arena *a, int first, const struct col *cols,
               size_t ncols, void *dst);

/* ---- whole queries ---- */

/* Every row into an array of `size`-byte items on a (*out NULL when none). */
enum err_code rows_list(struct db *db, struct arena *a, enum q_id q, const char *what,
                        const struct drv_arg *args, size_t nargs, const struct col *cols,
                        size_t ncols, size_t size, void **out, size_t *n, struct err *e);
/* The first row into dst; E_NOTFOUND (e says "<what>: not found") when none. */
enum err_code rows_one(struct db *db, struct arena *a, enum q_id q, const char *what,
                       const struct drv_arg *args, size_t nargs, const struct col *cols,
                       size_t ncols, void *dst, struct err *e);
/* The first row into dst, *found = 1; *found = 0 (e untouched, dst not
 * written) when there is none. */
enum err_code rows_find(struct db *db, struct arena *a, enum q_id q, const char *what,
                        const struct drv_arg *args, size_t nargs, const struct col *cols,
                        size_t ncols, void *dst, int *found, struct err *e);
/* The first column of the first row as a number; E_NOTFOUND when no row. */
enum err_code rows_i64_of(struct db *db, enum q_id q, const char *what, const struct drv_arg *args,
                          size_t nargs, int64_t *out, struct err *e);
/* The first column of the first row as a number, *found = 1; *found = 0
 * (and e untouched) when there is no row, or its first column is NULL (an
 * aggregate such as min() over no rows). */
enum err_code rows_find_i64(struct db *db, enum q_id q, const char *what,
                            const struct drv_arg *args, size_t nargs, int64_t *out, int *found,
                            struct err *e);
/* Counts by name: q's rows are (name, count); each count goes to out[i]
 * where names[i] is its name (a name not among the n is left out); the
 * rest of out is 0.  For the queues' per-status tallies. */
enum err_code rows_tally(struct db *db, enum q_id q, const char *what, const char *const *names,
                         int64_t *out, size_t n, struct err *e);
/* Runs a query for its effect; *changed gets how many rows it changed (may
 * be NULL). */
enum err_code rows_exec(struct db *db, enum q_id q, const char *what, const struct drv_arg *args,
                        size_t nargs, int64_t *changed, struct err *e);
/* Runs an insert; *id gets the new row's id, or 0 when the insert added no
 * row (ON CONFLICT DO NOTHING, INSERT ... SELECT of none).  id may be NULL. */
enum err_code rows_insert(struct db *db, enum q_id q, const char *what, const struct drv_arg *args,
                          size_t nargs, int64_t *id, struct err *e);
/* The code a failed rows_next left in e (E_INTERNAL when e is NULL). */
enum err_code rows_code(const struct err *e);

/* A growable array on the arena: returns items, or a copy with room for at
 * least one more item when n == *cap. */
void *rows_grow(struct arena *a, void *items, size_t n, size_t *cap, size_t size);

#endif
