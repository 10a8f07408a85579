/* Tests of the stored booking rules (/admin/rules, web/admin_rules.c):
 * none set after migrating, a save is read back and clears with -1, each
 * save bumps clinic_version (so the cached set-up reloads), and an
 * out-of-range value is refused by the table's CHECKs with nothing stored. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "store_fixture.h"

static int setup(void **state)
{
    return fixture_open(state, FIXTURE_MIGRATED, 1);
}

static int teardown(void **state)
{
    return fixture_close(state);
}

static int64_t version(struct fixture *f)
{
    struct err e = {0};
    int64_t v = -1;
    assert_int_equal(db_clinic_version(f->db, &v, &e), E_OK);
    return v;
}

static void assert_rules(struct fixture *f, int notice, int horizon, int grid, int late)
{
    struct err e = {0};
    struct clinic_rules r;
    assert_int_equal(db_rules_get(f->db, &r, &e), E_OK);
    assert_int_equal(r.min_notice_minutes, notice);
    assert_int_equal(r.horizon_days, horizon);
    assert_int_equal(r.grid_minutes, grid);
    assert_int_equal(r.late_cancel_hours, late);
}

static void test_put_get_clear(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    assert_rules(f, -1, -1, -1, -1);
    int64_t v0 = version(f);
    struct clinic_rules r = {60, -1, 30, 0}; /* 0 is a real value */
    assert_int_equal(db_begin(f->db, &e), E_OK);
    assert_int_equal(db_rules_put(f->db, &r, &e), E_OK);
    assert_int_equal(db_commit(f->db, &e), E_OK);
    assert_rules(f, 60, -1, 30, 0);
    int64_t v1 = version(f);
    assert_true(v1 > v0);
    struct clinic_rules none = {-1, -1, -1, -1};
    assert_int_equal(db_rules_put(f->db, &none, &e), E_OK);
    assert_rules(f, -1, -1, -1, -1);
    assert_true(version(f) > v1);
}

static void test_out_of_range_refused(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    static const struct clinic_rules bad[] = {
        {10081, -1, -1, -1}, {-1, 0, -1, -1}, {-1, 731, -1, -1},
        {-1, -1, 4, -1},     {-1, -1, 61, -1}, {-1, -1, -1, 337},
    };
    int64_t v0 = version(f);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(db_begin(f->db, &e), E_OK);
        assert_int_equal(db_rules_put(f->db, &bad[i], &e), E_UNPROCESSABLE);
        db_rollback(f->db);
        assert_rules(f, -1, -1, -1, -1);
    }
    assert_int_equal(version(f), v0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_get_clear, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_of_range_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
