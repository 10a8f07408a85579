/* Tests of the store interface on SQLite (a temporary file): migrations,
 * the demo seed, reads, and that a refused or failed write changes nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>
#include "demo.h"
#include "store/migration.h"
#include "store/store.h"

#include "demo.h"
#include "store/migration.h"
#include "store/store.h"
#include "store_fixture.h"

static int setup(void **state)
{
    return fixture_open(state, FIXTURE_EMPTY, 2);
}

static int teardown(void **state)
{
    return fixture_close(state);
}

static void test_migrate_once(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    int applied = -1, version = -1;
    assert_int_equal(store_version(f->s, &version, &e), E_OK);
    assert_int_equal(version, 0);
    assert_int_equal(store_migrate(f->s, &applied, &e), E_OK);
    assert_true(applied >= 1);
    /* every migration applied; the version is the highest number (numbers may have gaps) */
    int files = 0, newest = 0;
    for (const struct migration *m = sqlite_migrations; m->version; m++, files++)
        newest = m->version;
    assert_int_equal(applied, files);
    assert_int_equal(store_version(f->s, &version, &e), E_OK);
    assert_int_equal(version, newest);
    assert_int_equal(store_migrate(f->s, &applied, &e), E_OK);
    assert_int_equal(applied, 0);
}

/* A migration numbered below the highest applied one (another branch's,
 * merged later) is still applied when it is not recorded. */
static void test_migrate_fills_gaps(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    int applied = -1;
    sqlite3 *h = NULL;
    assert_int_equal(store_migrate(f->s, NULL, &e), E_OK);
    assert_int_equal(sqlite3_open(f->path, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h,
                                  "DROP TABLE audit_log; DELETE FROM schema_version"
                                  " WHERE name = 'audit'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(h);
    assert_int_equal(store_migrate(f->s, &applied, &e), E_OK);
    assert_int_equal(applied, 1);
    assert_int_equal(store_migrate(f->s, &applied, &e), E_OK);
    assert_int_equal(applied, 0);
}

static void test_demo_seed_and_read(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    struct arena *a = arena_new();
    assert_int_equal(store_migrate(f->s, NULL, &e), E_OK);
    assert_int_equal(demo_seed(f->s, 0, &e), E_OK);

    struct db *db = db_acquire(f->s);
    struct service *sv;
    struct therapist *th, one;
    struct room *rooms;
    struct therapist_week w;
    struct week_span *hours;
    size_t n, nrooms, nhours;
    assert_int_equal(db_services(db, a, 1, &sv, &n, &e), E_OK);
    assert_true(n >= 3);
    assert_string_equal(sv[0].id, "deep-tissue-60");
    assert_int_equal(sv[0].duration_min, 60);
    assert_string_equal(sv[1].id, "deep-tissue-90");
    assert_int_equal(sv[1].duration_min, 90);
    assert_int_equal(db_therapists(db, a, 1, &th, &n, &e), E_OK);
    assert_int_equal(n, 4);
    for (size_t i = 0; i < n; i++) {
        assert_true(th[i].nservices >= 2);
        assert_true(th[i].bio[0] != '\0');
    }
    assert_int_equal(db_rooms(db, a, &rooms, &nrooms, &e), E_OK);
    assert_int_equal(nrooms, 3);
    assert_int_equal(db_clinic_hours(db, a, &hours, &nhours, &e), E_OK);
    for (size_t i = 0; i < nhours; i++)
        assert_int_not_equal(hours[i].weekday, 0); /* closed on Sunday */
    assert_int_equal(nhours, 6);
    assert_int_equal(db_therapist(db, a, "maren-holt", &one, &e), E_OK);
    assert_string_equal(one.name, "Maren Holt");
    assert_int_equal(db_therapist_week(db, a, "maren-holt", &w, &e), E_OK);
    assert_true(w.nwork >= 4);
    assert_true(w.nbreaks >= 4); /* a lunch break on each working day */
    for (size_t i = 0; i < w.nbreaks; i++) {
        int inside = 0;
        for (size_t k = 0; k < w.nwork; k++)
            if (w.work[k].weekday == w.breaks[i].weekday &&
                w.work[k].start_min <= w.breaks[i].start_min &&
                w.breaks[i].end_min <= w.work[k].end_min)
                inside = 1;
        assert_true(inside);
    }
    assert_int_equal(db_therapist(db, a, "nobody", &one, &e), E_NOTFOUND);
    assert_int_equal(db_service(db, a, "nothing", &sv[0], &e), E_NOTFOUND);
    db_release(db);
    arena_free(a);
}

static void test_demo_refuses_then_force(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    struct arena *a = arena_new();
    struct therapist t;
    assert_int_equal(store_migrate(f->s, NULL, &e), E_OK);
    assert_int_equal(demo_seed(f->s, 0, &e), E_OK);

    struct db *db = db_acquire(f->s);
    assert_int_equal(db_therapist(db, a, "dev-okafor", &t, &e), E_OK);
    t.name = "Changed";
    assert_int_equal(db_begin(db, &e), E_OK);
    assert_int_equal(db_put_therapist(db, &t, &e), E_OK);
    assert_int_equal(db_commit(db, &e), E_OK);
    db_release(db);

    assert_int_equal(demo_seed(f->s, 0, &e), E_CONFLICT);
    assert_non_null(strstr(e.msg, "--force"));
    db = db_acquire(f->s);
    assert_int_equal(db_therapist(db, a, "dev-okafor", &t, &e), E_OK);
    assert_string_equal(t.name, "Changed");
    db_release(db);

    assert_int_equal(demo_seed(f->s, 1, &e), E_OK);
    db = db_acquire(f->s);
    assert_int_equal(db_therapist(db, a, "dev-okafor", &t, &e), E_OK);
    assert_string_equal(t.name, "Dev Okafor");
    db_release(db);
    arena_free(a);
}

static void test_failed_write_changes_nothing(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    struct arena *a = arena_new();
    struct service *sv;
    size_t n;
    assert_int_equal(store_migrate(f->s, NULL, &e), E_OK);
    struct db *db = db_acquire(f->s);
    struct service good = {"hot-stone", "Hot Stone", "", 60, 15, 11000, 1, 9, -1, -1, -1};
    struct service bad = {"BAD ID", "Bad", "", 60, 15, 100, 1, 9, -1, -1, -1};
    assert_int_equal(db_begin(db, &e), E_OK);
    assert_int_equal(db_put_service(db, &good, &e), E_OK);
    assert_int_equal(db_put_service(db, &bad, &e), E_UNPROCESSABLE);
    db_rollback(db);
    assert_int_equal(db_services(db, a, 0, &sv, &n, &e), E_OK);
    assert_int_equal(n, 0);
    /* A therapist offering a service that does not exist is refused whole. */
    const char *ids[] = {"no-such-service"};
    struct therapist t = {"x", "X", "", "", "", "", 1, 0, ids, 1, ""};
    assert_int_equal(db_begin(db, &e), E_OK);
    assert_int_equal(db_put_therapist(db, &t, &e), E_UNPROCESSABLE);
    db_rollback(db);
    struct therapist *th;
    assert_int_equal(db_therapists(db, a, 0, &th, &n, &e), E_OK);
    assert_int_equal(n, 0);
    db_release(db);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_migrate_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_fills_gaps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_demo_seed_and_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_demo_refuses_then_force, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_write_changes_nothing, setup, teardown),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
