/* store_fixture — the temporary database the store's unit tests share: a
 * fresh SQLite file per test, opened with `conns` connections and, as
 * asked, migrated, or migrated and seeded with the demo clinic; then one
 * connection taken (not for FIXTURE_EMPTY) and an arena ready.  The file
 * and its -wal/-shm are removed afterwards.  Header-only, included once by
 * each store test; the tests use f->path, f->s, f->db and f->a. */
#ifndef KNEAD_TESTS_STORE_FIXTURE_H
#define KNEAD_TESTS_STORE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "demo.h"
#include "store/store.h"

struct fixture {
    char path[64];
    struct store *s;
    struct db *db;
    struct arena *a;
};

enum fixture_level { FIXTURE_EMPTY, FIXTURE_MIGRATED, FIXTURE_DEMO };

static int fixture_open(void **state, enum fixture_level level, int conns)
{
    struct fixture *f = calloc(1, sizeof *f);
    struct err e = {0};
    if (!f)
        return -1;
    snprintf(f->path, sizeof f->path, "/tmp/knead-test-store-XXXXXX");
    int fd = mkstemp(f->path);
    if (fd < 0)
        return -1;
    close(fd);
    unlink(f->path);
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
    char p[80];
    arena_free(f->a);
    db_release(f->db);
    store_close(f->s);
    unlink(f->path);
    snprintf(p, sizeof p, "%s-wal", f->path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", f->path);
    unlink(p);
    free(f);
    return 0;
}

#endif
