/* rows — named queries run and read through the driver (see rows.h).
 * The one place that binds, steps and reads columns for the store's areas:
 * a failed bind or step becomes struct err here, in the store's words. */
#include "store/rows.h"

#include <string.h>

enum err_code rows_code(const struct err *e)
{
    return e && e->code != E_OK ? e->code : E_INTERNAL;
}

/* Whether sql is a plain read: it starts with SELECT (a WITH may hold a
 * writing statement, and counts as one). */
static int is_select(const char *sql)
{
    static const char word[] = "select";
    while (*sql == ' ' || *sql == '\n' || *sql == '\t' || *sql == '\r')
        sql++;
    for (size_t i = 0; i < sizeof word - 1; i++)
        if ((sql[i] | 0x20) != word[i])
            return 0;
    return 1;
}

enum err_code rows_open(struct rows *r, struct db *db, enum q_id q, const char *what,
                        const struct drv_arg *args, size_t nargs, struct err *e)
{
    const struct drv *d = db->drv;
    enum err_code rc;
    r->db = db;
    r->what = what;
    if (db->held && !is_select(d->sql[q]))
        db->held = 0; /* it may change what the versions count (db_hold_versions) */
    r->st = d->prepare(db, q, e);
    if (!r->st)
        return rows_code(e);
    for (size_t i = 0; i < nargs; i++) {
        if ((rc = d->bind(r->st, (int)i + 1, &args[i], what, e)) != E_OK) {
            rows_close(r);
            return rc;
        }
    }
    return E_OK;
}

int rows_next(struct rows *r, struct err *e)
{
    int rc = r->db->drv->step(r->st, r->what, e);
    if (rc != 1)
        rows_close(r);
    return rc;
}

void rows_close(struct rows *r)
{
    if (r->st)
        r->db->drv->reset(r->st);
    r->st = NULL;
}

int64_t rows_i64(const struct rows *r, int i)
{
    return r->db->drv->col_i64(r->st, i);
}

int rows_int(const struct rows *r, int i)
{
    return (int)r->db->drv->col_i64(r->st, i);
}

int rows_is_null(const struct rows *r, int i)
{
    return r->db->drv->col_null(r->st, i);
}

const char *rows_peek_text(const struct rows *r, int i)
{
    return r->db->drv->col_text(r->st, i);
}

const char *rows_text(const struct rows *r, struct arena *a, int i)
{
    return arena_strdup(a, r->db->drv->col_text(r->st, i));
}

const unsigned char *rows_blob(const struct rows *r, struct arena *a, int i, size_t *n)
{
    const void *p = NULL;
    *n = r->db->drv->col_blob(r->st, i, &p);
    if (!*n)
        return NULL;
    unsigned char *copy = arena_alloc(a, *n);
    memcpy(copy, p, *n);
    return copy;
}

void rows_read(const struct rows *r, struct arena *a, int first, const struct col *cols,
               size_t ncols, void *dst)
{
    r->db->drv->read_row(r->st, a, first, cols, ncols, dst);
}

void *rows_grow(struct arena *a, void *items, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return items;
    size_t ncap = *cap ? *cap * 2 : 8;
    void *p = arena_array(a, ncap, size);
    if (n)
        memcpy(p, items, n * size);
    *cap = ncap;
    return p;
}

enum err_code rows_list(struct db *db, struct arena *a, enum q_id q, const char *what,
                        const struct drv_arg *args, size_t nargs, const struct col *cols,
                        size_t ncols, size_t size, void **out, size_t *n, struct err *e)
{
    struct rows r;
    char *items = NULL;
    size_t cnt = 0, cap = 0;
    int more;
    enum err_code rc = rows_open(&r, db, q, what, args, nargs, e);
    if (rc != E_OK)
        return rc;
    while ((more = rows_next(&r, e)) == 1) {
        items = rows_grow(a, items, cnt, &cap, size);
        rows_read(&r, a, 0, cols, ncols, items + cnt * size);
        cnt++;
    }
    if (more < 0)
        return rows_code(e);
    *out = items;
    *n = cnt;
    return E_OK;
}

enum err_code rows_find(struct db *db, struct arena *a, enum q_id q, const char *what,
                        const struct drv_arg *args, size_t nargs, const struct col *cols,
                        size_t ncols, void *dst, int *found, struct err *e)
{
    struct rows r;
    enum err_code rc = rows_open(&r, db, q, what, args, nargs, e);
    *found = 0;
    if (rc != E_OK)
        return rc;
    switch (rows_next(&r, e)) {
    case 1:
        rows_read(&r, a, 0, cols, ncols, dst);
        rows_close(&r);
        *found = 1;
        return E_OK;
    case 0:
        return E_OK;
    default:
        return rows_code(e);
    }
}

enum err_code rows_one(struct db *db, struct arena *a, enum q_id q, const char *what,
                       const struct drv_arg *args, size_t nargs, const struct col *cols,
                       size_t ncols, void *dst, struct err *e)
{
    int found = 0;
    enum err_code rc = rows_find(db, a, q, what, args, nargs, cols, ncols, dst, &found, e);
    if (rc == E_OK && !found)
        return err_set(e, E_NOTFOUND, "%s: not found", what);
    return rc;
}

enum err_code rows_i64_of(struct db *db, enum q_id q, const char *what, const struct drv_arg *args,
                          size_t nargs, int64_t *out, struct err *e)
{
    struct rows r;
    enum err_code rc = rows_open(&r, db, q, what, args, nargs, e);
    if (rc != E_OK)
        return rc;
    switch (rows_next(&r, e)) {
    case 1:
        *out = rows_i64(&r, 0);
        rows_close(&r);
        return E_OK;
    case 0:
        return err_set(e, E_NOTFOUND, "%s: not found", what);
    default:
        return rows_code(e);
    }
}

enum err_code rows_tally(struct db *db, enum q_id q, const char *what, const char *const *names,
                         int64_t *out, size_t n, struct err *e)
{
    struct rows r;
    int more;
    memset(out, 0, n * sizeof *out);
    enum err_code rc = rows_open(&r, db, q, what, NOARGS, e);
    if (rc != E_OK)
        return rc;
    while ((more = rows_next(&r, e)) == 1) {
        const char *name = rows_peek_text(&r, 0);
        for (size_t i = 0; name && i < n; i++)
            if (strcmp(name, names[i]) == 0)
                out[i] = rows_i64(&r, 1);
    }
    return more == 0 ? E_OK : rows_code(e);
}

enum err_code rows_find_i64(struct db *db, enum q_id q, const char *what,
                            const struct drv_arg *args, size_t nargs, int64_t *out, int *found,
                            struct err *e)
{
    struct rows r;
    enum err_code rc = rows_open(&r, db, q, what, args, nargs, e);
    *found = 0;
    if (rc != E_OK)
        return rc;
    switch (rows_next(&r, e)) {
    case 1:
        if (!rows_is_null(&r, 0)) {
            *out = rows_i64(&r, 0);
            *found = 1;
        }
        rows_close(&r);
        return E_OK;
    case 0:
        return E_OK;
    default:
        return rows_code(e);
    }
}

/* One step of a statement that returns no rows; reports the rows it changed and, for
 * an insert that changed one, the new row's id.  rows_exec and rows_insert share it. */
static enum err_code step_once(struct db *db, enum q_id q, const char *what,
                               const struct drv_arg *args, size_t nargs, int64_t *changed,
                               int64_t *id, struct err *e)
{
    struct rows r;
    enum err_code rc = rows_open(&r, db, q, what, args, nargs, e);
    if (rc != E_OK)
        return rc;
    if (db->drv->step(r.st, what, e) < 0)
        return rows_code(e);
    int64_t n = db->drv->changes(r.st);
    if (changed)
        *changed = n;
    if (id)
        *id = n > 0 ? db->drv->last_id(r.st) : 0;
    rows_close(&r);
    return E_OK;
}

enum err_code rows_exec(struct db *db, enum q_id q, const char *what, const struct drv_arg *args,
                        size_t nargs, int64_t *changed, struct err *e)
{
    return step_once(db, q, what, args, nargs, changed, NULL, e);
}

enum err_code rows_insert(struct db *db, enum q_id q, const char *what, const struct drv_arg *args,
                          size_t nargs, int64_t *id, struct err *e)
{
    return step_once(db, q, what, args, nargs, NULL, id, e);
}
