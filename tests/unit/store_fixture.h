/* store_fixture — the temporary database the store's unit tests share: a
 * fresh SQLite file per test (or, when KNEAD_TEST_PG names a PostgreSQL
 * cluster's maintenance database -- tests/pg/cluster.sh -- a fresh
 * database there, dropped afterwards), opened with `conns` connections and, as
 * asked, migrated, or migrated and seeded with the demo clinic; then one
 * connection taken (not for FIXTURE_EMPTY) and an arena ready.  The file
 * and its -wal/-shm are removed afterwards.  Header-only, included once by
 * each store test; the tests use f->path, f->s, f->db and f->a. */
#ifndef KNEAD_TESTS_STORE_FIXTURE_H
#define KNEAD_TESTS_STORE_FIXTURE_H

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "demo.h"
#include "store/store.h"

struct fixture {
    char path[512];
    char pg_name[40]; /* the database made on KNEAD_TEST_PG's cluster, or "" */
    struct store *s;
    struct db *db;
    struct arena *a;
};

enum fixture_level { FIXTURE_EMPTY, FIXTURE_MIGRATED, FIXTURE_DEMO };

/* Runs one statement on KNEAD_TEST_PG's maintenance database; 0 = done. */
static inline int fixture_pg_exec(const char *sql)
{
    PGconn *c = PQconnectdb(getenv("KNEAD_TEST_PG"));
    int ok = PQstatus(c) == CONNECTION_OK;
    if (ok) {
        PGresult *r = PQexec(c, sql);
        ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        if (!ok)
            fprintf(stderr, "store fixture: %s", PQerrorMessage(c));
        PQclear(r);
    }
    PQfinish(c);
    return ok ? 0 : -1;
}

/* 1 when the store tests run against PostgreSQL (KNEAD_TEST_PG is set). */
static inline int fixture_pg(void)
{
    const char *pg = getenv("KNEAD_TEST_PG");
    return pg && *pg;
}

/* A fresh database on the cluster; f->path gets its URL. */
static inline int fixture_pg_create(struct fixture *f)
{
    static unsigned seq;
    char sql[128];
    const char *pg = getenv("KNEAD_TEST_PG");
    const char *slash = strrchr(pg, '/');
    snprintf(f->pg_name, sizeof f->pg_name, "knead_u%ld_%u", (long)getpid(), seq++);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", f->pg_name);
    if (!slash || fixture_pg_exec(sql) < 0)
        return -1;
    snprintf(f->path, sizeof f->path, "%.*s/%s", (int)(slash - pg), pg, f->pg_name);
    return 0;
}

/* Runs SQL text (several statements) on the test's database through a
 * connection of its own, not the store's: to set up what no store function
 * does (drop a table, forget a migration).  0 = done. */
static inline int fixture_exec(struct fixture *f, const char *sql)
{
    int ok;
    if (f->pg_name[0]) {
        PGconn *c = PQconnectdb(f->path);
        PGresult *r = PQexec(c, sql);
        ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
        if (!ok)
            fprintf(stderr, "fixture_exec: %s", PQerrorMessage(c));
        PQclear(r);
        PQfinish(c);
    } else {
        sqlite3 *h = NULL;
        ok = sqlite3_open(f->path, &h) == SQLITE_OK &&
             sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK;
        sqlite3_close(h);
    }
    return ok ? 0 : -1;
}

/* The first column of the first row of a query (-1 when none), read the
 * same way. */
static inline int64_t fixture_count(struct fixture *f, const char *sql)
{
    int64_t n = -1;
    if (f->pg_name[0]) {
        PGconn *c = PQconnectdb(f->path);
        PGresult *r = PQexec(c, sql);
        if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
            n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        PQclear(r);
        PQfinish(c);
    } else {
        sqlite3 *h = NULL;
        sqlite3_stmt *s = NULL;
        if (sqlite3_open(f->path, &h) == SQLITE_OK &&
            sqlite3_prepare_v2(h, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
            n = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
        sqlite3_close(h);
    }
    return n;
}

/* Whether the test's database has the table `name`. */
static inline int fixture_has_table(struct fixture *f, const char *name)
{
    char sql[200];
    snprintf(sql, sizeof sql,
             f->pg_name[0] ? "SELECT count(*) FROM pg_tables WHERE tablename = '%s'"
                           : "SELECT count(*) FROM sqlite_master WHERE name = '%s'",
             name);
    return fixture_count(f, sql) > 0;
}

static int fixture_open(void **state, enum fixture_level level, int conns)
{
    struct fixture *f = calloc(1, sizeof *f);
    struct err e = {0};
    if (!f)
        return -1;
    if (fixture_pg()) {
        if (fixture_pg_create(f) < 0)
            return -1;
    } else {
        snprintf(f->path, sizeof f->path, "/tmp/knead-test-store-XXXXXX");
        int fd = mkstemp(f->path);
        if (fd < 0)
            return -1;
        close(fd);
        unlink(f->path);
    }
    if (store_open(f->path, conns, &f->s, &e) != E_OK ||
        (level >= FIXTURE_MIGRATED && store_migrate(f->s, NULL, &e) != E_OK) ||
        (level >= FIXTURE_DEMO && demo_seed(f->s, 0, &e) != E_OK)) {
        fprintf(stderr, "store fixture: %s\n", e.msg);
        return -1;
    }
    if (level >= FIXTURE_MIGRATED)
        f->db = db_acquire(f->s);
    f->a = arena_new();
    *state = f;
    return 0;
}

static int fixture_close(void **state)
{
    struct fixture *f = *state;
    char p[600];
    arena_free(f->a);
    db_release(f->db);
    store_close(f->s);
    if (f->pg_name[0]) {
        snprintf(p, sizeof p, "DROP DATABASE %s WITH (FORCE)", f->pg_name);
        fixture_pg_exec(p);
        free(f);
        return 0;
    }
    unlink(f->path);
    snprintf(p, sizeof p, "%s-wal", f->path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", f->path);
    unlink(p);
    free(f);
    return 0;
}

#endif
