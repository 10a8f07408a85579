/* Tests of the store functions the admin pages use (web/admin.c): closed
 * days, service therapists, room updates, accounts; that each bumps
 * clinic_version where the set-up changes, and that a refused write inside
 * a transaction leaves nothing behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "demo.h"
#include "store/store.h"
#include "store_fixture.h"

static int setup(void **state)
{
    return fixture_open(state, FIXTURE_DEMO, 1);
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

static void test_closed_days(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    struct closed_day *cd;
    size_t n;
    int64_t v0 = version(f);

    assert_int_equal(db_begin(f->db, &e), E_OK);
    assert_int_equal(db_add_closed_date(f->db, STORE_FIRST_LOCATION, "2026-12-25", "Christmas", &e), E_OK);
    assert_int_equal(db_add_closed_date(f->db, STORE_FIRST_LOCATION, "2026-12-24", "Christmas Eve", &e), E_OK);
    assert_int_equal(db_commit(f->db, &e), E_OK);
    assert_true(version(f) > v0);
    assert_int_equal(db_closed_days(f->db, f->a, &cd, &n, &e), E_OK);
    assert_int_equal(n, 2);
    assert_string_equal(cd[0].date, "2026-12-24");
    assert_string_equal(cd[1].reason, "Christmas");

    assert_int_equal(db_delete_closed_date(f->db, STORE_FIRST_LOCATION, "2026-12-24", &e), E_OK);
    assert_int_equal(db_delete_closed_date(f->db, STORE_FIRST_LOCATION, "2026-12-24", &e), E_NOTFOUND);
    assert_int_equal(db_closed_days(f->db, f->a, &cd, &n, &e), E_OK);
    assert_int_equal(n, 1);
}

static void test_service_therapists(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    struct therapist t;
    const char *ids[] = {"lena-kusugak"};
    int64_t v0 = version(f);

    assert_int_equal(db_set_service_therapists(f->db, "sports-45", ids, 1, &e), E_OK);
    assert_true(version(f) > v0);
    assert_int_equal(db_therapist(f->db, f->a, "lena-kusugak", &t, &e), E_OK);
    int found = 0;
    for (size_t i = 0; i < t.nservices; i++)
        found |= strcmp(t.service_ids[i], "sports-45") == 0;
    assert_true(found);
    assert_int_equal(db_therapist(f->db, f->a, "dev-okafor", &t, &e), E_OK);
    for (size_t i = 0; i < t.nservices; i++)
        assert_string_not_equal(t.service_ids[i], "sports-45");

    /* an unknown therapist is refused, and inside a transaction nothing stays */
    const char *bad[] = {"lena-kusugak", "nobody"};
    assert_int_equal(db_begin(f->db, &e), E_OK);
    assert_int_equal(db_set_service_therapists(f->db, "swedish-60", bad, 2, &e), E_UNPROCESSABLE);
    db_rollback(f->db);
    assert_int_equal(db_therapist(f->db, f->a, "maren-holt", &t, &e), E_OK);
    found = 0;
    for (size_t i = 0; i < t.nservices; i++)
        found |= strcmp(t.service_ids[i], "swedish-60") == 0;
    assert_true(found);
}

static void test_update_room(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    struct room *rooms;
    size_t n;
    const char *sids[] = {"swedish-60"};

    assert_int_equal(db_rooms(f->db, f->a, &rooms, &n, &e), E_OK);
    struct room r = {rooms[0].id, "Cedar Room", sids, 1, STORE_FIRST_LOCATION};
    assert_int_equal(db_update_room(f->db, &r, &e), E_OK);
    assert_int_equal(db_rooms(f->db, f->a, &rooms, &n, &e), E_OK);
    assert_string_equal(rooms[0].name, "Cedar Room");
    assert_int_equal(rooms[0].nservices, 1);
    assert_string_equal(rooms[0].service_ids[0], "swedish-60");

    struct room dup = {rooms[0].id, rooms[1].name, NULL, 0, STORE_FIRST_LOCATION};
    assert_int_equal(db_update_room(f->db, &dup, &e), E_UNPROCESSABLE);
    struct room missing = {9999, "Nowhere", NULL, 0, STORE_FIRST_LOCATION};
    assert_int_equal(db_update_room(f->db, &missing, &e), E_NOTFOUND);
}

static void test_users(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    struct user *us, u;
    size_t n;

    assert_int_equal(db_users(f->db, f->a, &us, &n, &e), E_OK);
    assert_int_equal(n, 6);
    assert_string_equal(us[0].role, "admin");
    assert_string_equal(us[1].role, "desk");
    assert_int_equal(db_user(f->db, f->a, us[1].id, &u, &e), E_OK);
    assert_string_equal(u.email, "desk@chugachbodywork.example");
    assert_int_equal(u.active, 1);
    assert_int_equal(db_set_user_active(f->db, u.id, 0, &e), E_OK);
    assert_int_equal(db_user(f->db, f->a, u.id, &u, &e), E_OK);
    assert_int_equal(u.active, 0);
    assert_int_equal(db_set_user_active(f->db, 9999, 1, &e), E_NOTFOUND);
    assert_int_equal(db_user(f->db, f->a, 9999, &u, &e), E_NOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_closed_days, setup, teardown),
        cmocka_unit_test_setup_teardown(test_service_therapists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_room, setup, teardown),
        cmocka_unit_test_setup_teardown(test_users, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
