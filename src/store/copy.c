/* copy — `knead copy`: a clinic's SQLite database into an empty PostgreSQL
 * one (store.h: store_copy), verified table by table.
 *
 * The source is read in one transaction (a consistent instant); the target
 * is migrated to the same schema version, must hold no clinic data, and is
 * written in one transaction that commits only when every table's row
 * count and checksum read back from the target equal the source's.  The
 * tables are the source's own (sqlite_master), in the order of their
 * foreign keys, so a table another change adds is copied without a list
 * to keep; the version counters, the migrations' record and SQLite's
 * sequences are the target's own.  Identities continue after the highest
 * number the source ever gave (sqlite_sequence), as the audit log expects.
 *
 * The checksum of a table is order-free: the sum and the xor of a BLAKE2b
 * hash of each row's values, tagged by kind (NULL, integer, text, bytes), so
 * that the same rows give the same sum whatever order either engine reads
 * them in.  It knows SQLite's catalogue (this command reads only SQLite);
 * the target is any driver's. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/drv.h"
#include "store/store.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/sb.h"

#define COPY_MAX_TABLES 128
#define COPY_MAX_COLS 64

/* Tables that are not copied: each engine keeps its own. */
static const char *const skipped[] = {"schema_version", "sqlite_sequence", "clinic_version",
                                      "appointments_version"};

struct table {
    char name[64];
    char cols[COPY_MAX_COLS][64];
    int ncols;
    int64_t seq; /* sqlite_sequence's, or the highest id; 0 = none */
    int has_id;
    int done; /* placed in the order */
    int64_t rows;
    uint64_t checksum; /* what the source and the target agreed on */
};

struct sum {
    uint64_t add, xor;
    int64_t rows;
};

static int is_skipped(const char *t)
{
    for (size_t i = 0; i < sizeof skipped / sizeof skipped[0]; i++)
        if (strcmp(skipped[i], t) == 0)
            return 1;
    return strncmp(t, "sqlite_", 7) == 0;
}

/* Runs sql with args on db and calls row() for each row; E_OK at the end. */
typedef int (*row_fn)(void *ctx, struct drv_stmt *st);
static enum err_code run(struct db *db, const char *sql, const struct drv_arg *args, size_t nargs,
                         row_fn row, void *ctx, struct err *e)
{
    const struct drv *d = db->drv;
    enum err_code rc = E_OK;
    int step;
    struct drv_stmt *st = d->prepare_text(db, sql, e);
    if (!st)
        return e && e->code != E_OK ? e->code : E_INTERNAL;
    for (size_t i = 0; rc == E_OK && i < nargs; i++)
        rc = d->bind(st, (int)i + 1, &args[i], "copy", e);
    while (rc == E_OK && (step = d->step(st, "copy", e)) == 1)
        if (row && row(ctx, st) != 0)
            break;
    if (rc == E_OK && step < 0)
        rc = e && e->code != E_OK ? e->code : E_INTERNAL;
    d->finalize(st);
    return rc;
}

/* ---- the source's tables ---- */

struct tables {
    struct table *t;
    int n;
    struct db *db;
};

static int add_table(void *ctx, struct drv_stmt *st)
{
    struct tables *ts = ctx;
    const char *name = ts->db->drv->col_text(st, 0);
    if (is_skipped(name) || ts->n >= COPY_MAX_TABLES)
        return 0;
    snprintf(ts->t[ts->n].name, sizeof ts->t[ts->n].name, "%s", name);
    ts->n++;
    return 0;
}

static int add_col(void *ctx, struct drv_stmt *st)
{
    struct table *t = ctx;
    const char *name = drv_sqlite.col_text(st, 0);
    if (t->ncols < COPY_MAX_COLS)
        snprintf(t->cols[t->ncols++], sizeof t->cols[0], "%s", name);
    if (strcmp(name, "id") == 0)
        t->has_id = 1;
    return 0;
}

static int read_i64(void *ctx, struct drv_stmt *st)
{
    *(int64_t *)ctx = drv_sqlite.col_i64(st, 0);
    return 1;
}

struct parents {
    char names[16][64];
    int n;
};

static int add_parent(void *ctx, struct drv_stmt *st)
{
    struct parents *p = ctx;
    if (p->n < 16)
        snprintf(p->names[p->n++], sizeof p->names[0], "%s", drv_sqlite.col_text(st, 0));
    return 0;
}

/* Orders ts by foreign keys (parents first) into order[]. */
static enum err_code order_tables(struct db *src, struct tables *ts, int *order, struct err *e)
{
    struct parents *par = xcalloc((size_t)ts->n, sizeof *par);
    enum err_code rc = E_OK;
    int placed = 0;
    for (int i = 0; rc == E_OK && i < ts->n; i++)
        rc = run(src, "SELECT \"table\" FROM pragma_foreign_key_list(?1)",
                 (struct drv_arg[]){{.kind = DRV_ARG_TEXT, .s = ts->t[i].name}}, 1, add_parent,
                 &par[i], e);
    while (rc == E_OK && placed < ts->n) {
        int progress = 0;
        for (int i = 0; i < ts->n; i++) {
            if (ts->t[i].done)
                continue;
            int ready = 1;
            for (int p = 0; p < par[i].n && ready; p++)
                for (int j = 0; j < ts->n; j++)
                    if (j != i && !ts->t[j].done && strcmp(ts->t[j].name, par[i].names[p]) == 0)
                        ready = 0;
            if (ready) {
                ts->t[i].done = 1;
                order[placed++] = i;
                progress = 1;
            }
        }
        if (!progress)
            rc = err_set(e, E_UNPROCESSABLE, "the source's tables refer to one another in a circle");
    }
    free(par);
    return rc;
}

/* ---- checksums ---- */

static void hash_value(crypto_generichash_state *h, const struct drv *d, struct drv_stmt *st, int i)
{
    char tag[32];
    const void *p = NULL;
    size_t n = 0;
    switch (d->col_kind(st, i)) {
    case DRV_ARG_NULL:
        crypto_generichash_update(h, (const unsigned char *)"N;", 2);
        return;
    case DRV_ARG_I64:
        n = (size_t)snprintf(tag, sizeof tag, "I%lld;", (long long)d->col_i64(st, i));
        crypto_generichash_update(h, (const unsigned char *)tag, n);
        return;
    case DRV_ARG_TEXT:
        p = d->col_text(st, i);
        n = strlen(p);
        break;
    case DRV_ARG_BLOB:
        n = d->col_blob(st, i, &p);
        break;
    }
    /* text and bytes alike: a text column of one engine may be read as
     * bytes by the other only if the schema differs, which the counts of
     * columns and the migrations rule out */
    int w = snprintf(tag, sizeof tag, "S%zu:", n);
    crypto_generichash_update(h, (const unsigned char *)tag, (size_t)w);
    if (n)
        crypto_generichash_update(h, p, n);
}

struct sum_ctx {
    const struct drv *d;
    int ncols;
    struct sum *sum;
};

static int sum_row(void *ctx, struct drv_stmt *st)
{
    struct sum_ctx *c = ctx;
    crypto_generichash_state h;
    unsigned char out[8];
    uint64_t v = 0;
    crypto_generichash_init(&h, NULL, 0, sizeof out);
    for (int i = 0; i < c->ncols; i++)
        hash_value(&h, c->d, st, i);
    crypto_generichash_final(&h, out, sizeof out);
    for (int i = 0; i < 8; i++)
        v = v << 8 | out[i];
    c->sum->add += v;
    c->sum->xor ^= v;
    c->sum->rows++;
    return 0;
}

static char *select_all(const struct table *t)
{
    struct sb sb = SB_INIT;
    sb_adds(&sb, "SELECT ");
    for (int i = 0; i < t->ncols; i++)
        sb_addf(&sb, "%s\"%s\"", i ? ", " : "", t->cols[i]);
    sb_addf(&sb, " FROM \"%s\"", t->name);
    return sb_detach(&sb, NULL);
}

static enum err_code table_sum(struct db *db, const struct table *t, struct sum *s, struct err *e)
{
    char *sql = select_all(t);
    struct sum_ctx c = {db->drv, t->ncols, s};
    memset(s, 0, sizeof *s);
    enum err_code rc = run(db, sql, NULL, 0, sum_row, &c, e);
    free(sql);
    return rc;
}

/* ---- the copy of one table ---- */

struct copy_ctx {
    struct db *dst;
    struct drv_stmt *ins;
    const struct table *t;
    struct err *e;
    enum err_code rc;
};

static int copy_row(void *ctx, struct drv_stmt *st)
{
    struct copy_ctx *c = ctx;
    const struct drv *s = &drv_sqlite, *d = c->dst->drv;
    d->reset(c->ins);
    for (int i = 0; i < c->t->ncols && c->rc == E_OK; i++) {
        struct drv_arg v = {.kind = s->col_kind(st, i)};
        switch (v.kind) {
        case DRV_ARG_I64:
            v.i = s->col_i64(st, i);
            break;
        case DRV_ARG_TEXT:
            v.s = s->col_text(st, i);
            break;
        case DRV_ARG_BLOB:
            v.n = s->col_blob(st, i, &v.p);
            break;
        case DRV_ARG_NULL:
            break;
        }
        c->rc = d->bind(c->ins, i + 1, &v, c->t->name, c->e);
    }
    if (c->rc == E_OK && d->step(c->ins, c->t->name, c->e) < 0)
        c->rc = c->e && c->e->code != E_OK ? c->e->code : E_INTERNAL;
    return c->rc != E_OK;
}

static enum err_code copy_table(struct db *src, struct db *dst, const struct table *t,
                                struct err *e)
{
    struct sb sb = SB_INIT;
    char *sel = select_all(t), *ins_sql;
    enum err_code rc;
    sb_addf(&sb, "INSERT INTO \"%s\" (", t->name);
    for (int i = 0; i < t->ncols; i++)
        sb_addf(&sb, "%s\"%s\"", i ? ", " : "", t->cols[i]);
    sb_adds(&sb, ") VALUES (");
    for (int i = 0; i < t->ncols; i++)
        sb_addf(&sb, "%s%s%d", i ? ", " : "", strcmp(dst->drv->name, "pg") == 0 ? "$" : "?",
                  i + 1);
    sb_adds(&sb, ")");
    ins_sql = sb_detach(&sb, NULL);
    struct copy_ctx c = {dst, dst->drv->prepare_text(dst, ins_sql, e), t, e, E_OK};
    if (!c.ins) {
        rc = e && e->code != E_OK ? e->code : E_INTERNAL;
        goto done;
    }
    rc = run(src, sel, NULL, 0, copy_row, &c, e);
    if (rc == E_OK)
        rc = c.rc;
done:
    if (c.ins)
        dst->drv->finalize(c.ins);
    free(sel);
    free(ins_sql);
    return rc;
}

/* ---- the command ---- */

struct count_ctx {
    int64_t n;
    struct db *db;
};
static int is_null(void *ctx, struct drv_stmt *st);

static int is_null(void *ctx, struct drv_stmt *st)
{
    struct count_ctx *c = ctx;
    c->n = c->db->drv->col_null(st, 0);
    return 1;
}

static int count_one(void *ctx, struct drv_stmt *st)
{
    struct count_ctx *c = ctx;
    c->n = c->db->drv->col_i64(st, 0);
    return 1;
}

enum err_code store_copy(const char *from, const char *to, store_copy_fn report, void *ctx,
                         struct err *e)
{
    struct store *s = NULL, *t = NULL;
    struct db *src = NULL, *dst = NULL;
    struct tables ts = {xcalloc(COPY_MAX_TABLES, sizeof *ts.t), 0, NULL};
    int order[COPY_MAX_TABLES];
    int have = 0, latest = store_latest_version();
    enum err_code rc;

    if (store_is_url(from) || !store_is_url(to)) {
        rc = err_set(e, E_INVALID, "copy reads a SQLite file (--from PATH.db) into PostgreSQL"
                                   " (--to postgresql://...)");
        goto done;
    }
    if ((rc = store_open(from, 1, &s, e)) != E_OK || (rc = store_version(s, &have, e)) != E_OK)
        goto done;
    if (have == 0) {
        rc = err_set(e, E_UNPROCESSABLE, "%s holds no Knead database", from);
        goto done;
    }
    if (have != latest) {
        rc = err_set(e, E_UNPROCESSABLE,
                     "%s has schema version %d, this knead %d: run knead migrate --db %s first"
                     " (or copy with the knead that made it)",
                     from, have, latest, from);
        goto done;
    }
    if ((rc = store_open(to, 1, &t, e)) != E_OK || (rc = store_migrate(t, NULL, e)) != E_OK)
        goto done;
    src = db_acquire(s);
    dst = db_acquire(t);
    ts.db = src;
    /* the source holds still (its write lock) while it is read */
    if ((rc = db_begin(src, e)) != E_OK ||
        (rc = run(src, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", NULL,
                  0, add_table, &ts, e)) != E_OK ||
        (rc = order_tables(src, &ts, order, e)) != E_OK)
        goto done;
    for (int i = 0; i < ts.n; i++) {
        struct table *tb = &ts.t[i];
        struct drv_arg name = {.kind = DRV_ARG_TEXT, .s = tb->name};
        if ((rc = run(src, "SELECT name FROM pragma_table_info(?1) ORDER BY cid", &name, 1,
                      add_col, tb, e)) != E_OK)
            goto done;
        if ((rc = run(src, "SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = ?1",
                      &name, 1, read_i64, &tb->seq, e)) != E_OK)
            goto done;
    }
    if ((rc = db_begin(dst, e)) != E_OK)
        goto done;
    /* an empty target: the migrations' own rows aside (clinic_rules' one,
     * and the first location, which 0036 makes) */
    for (int i = 0; i < ts.n; i++) {
        char sql[160];
        struct count_ctx c = {-1, dst};
        snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", ts.t[i].name);
        if ((rc = run(dst, sql, NULL, 0, count_one, &c, e)) != E_OK) {
            char msg[sizeof e->msg];
            snprintf(msg, sizeof msg, "%s", e->msg);
            rc = err_set(e, E_UNPROCESSABLE, "the target has no table %s like the source's (%s)",
                         ts.t[i].name, msg);
            goto done;
        }
        if (c.n > 0 && strcmp(ts.t[i].name, "clinic_rules") != 0 &&
            !(c.n == 1 && strcmp(ts.t[i].name, "locations") == 0)) {
            rc = err_set(e, E_CONFLICT,
                         "the target is not empty (%s has %lld rows): copy only into a new,"
                         " empty database; nothing was changed",
                         ts.t[i].name, (long long)c.n);
            goto done;
        }
    }
    /* the file's own first location replaces the migration's: its trigger
     * (the first location cannot be removed) is off for this one delete,
     * inside the copy's transaction */
    if ((rc = dst->drv->script(dst,
                               "DELETE FROM clinic_rules;"
                               " ALTER TABLE locations DISABLE TRIGGER locations_keep_first;"
                               " DELETE FROM locations;"
                               " ALTER TABLE locations ENABLE TRIGGER locations_keep_first",
                               "copy", e)) != E_OK)
        goto done;
    for (int k = 0; k < ts.n; k++) {
        const struct table *tb = &ts.t[order[k]];
        struct sum a, b;
        if ((rc = copy_table(src, dst, tb, e)) != E_OK) {
            char msg[sizeof e->msg];
            snprintf(msg, sizeof msg, "%s", e->msg);
            rc = err_set(e, rc, "copy %s: %s; nothing was changed", tb->name, msg);
            goto done;
        }
        if ((rc = table_sum(src, tb, &a, e)) != E_OK || (rc = table_sum(dst, tb, &b, e)) != E_OK)
            goto done;
        if (a.rows != b.rows || a.add != b.add || a.xor != b.xor) {
            rc = err_set(e, E_INTERNAL,
                         "%s: the target's %lld rows differ from the source's %lld (checksum"
                         " %016llx, source %016llx); nothing was changed",
                         tb->name, (long long)b.rows, (long long)a.rows,
                         (unsigned long long)(b.add ^ b.xor), (unsigned long long)(a.add ^ a.xor));
            goto done;
        }
        ts.t[order[k]].rows = a.rows;
        ts.t[order[k]].checksum = a.add * 31 + a.xor;
        if (tb->has_id && strcmp(dst->drv->name, "pg") == 0) {
            char sql[400];
            struct count_ctx none = {1, dst};
            snprintf(sql, sizeof sql, "SELECT pg_get_serial_sequence('\"%s\"', 'id')", tb->name);
            if ((rc = run(dst, sql, NULL, 0, is_null, &none, e)) != E_OK)
                goto done;
            if (none.n)
                continue; /* a text key (services, therapists): no numbers to continue */
            snprintf(sql, sizeof sql,
                     "SELECT setval(pg_get_serial_sequence('\"%s\"', 'id'), greatest(%lld,"
                     " (SELECT coalesce(max(id), 0) FROM \"%s\")) + 1, false)",
                     tb->name, (long long)tb->seq, tb->name);
            if ((rc = dst->drv->script(dst, sql, "copy: continue the numbers", e)) != E_OK)
                goto done;
        }
    }
    if ((rc = db_commit(dst, e)) != E_OK)
        goto done;
    for (int k = 0; report && k < ts.n; k++)
        report(ctx, ts.t[order[k]].name, ts.t[order[k]].rows, ts.t[order[k]].checksum);
done:
    if (dst)
        db_rollback(dst);
    if (src)
        db_rollback(src);
    db_release(dst);
    db_release(src);
    store_close(t);
    store_close(s);
    free(ts.t);
    return rc;
}
