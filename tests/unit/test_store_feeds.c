/* Tests of the calendar feeds in the store (web/feeds.c): a feed answers to
 * its token only; a new token replaces the old one at once; a feed dies with
 * the account that made it (deactivated), a therapist's also when the
 * therapist is inactive; the clinic feed needs a desk or admin maker; the
 * feed's appointments are one therapist's or everyone's, and every change
 * of time or status counts one more revision (the SEQUENCE). */
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

static int64_t user_id(struct fixture *f, const char *email)
{
    struct err e = {0};
    struct user u;
    const char *hash;
    assert_int_equal(db_user_by_email(f->db, f->a, email, &u, &hash, &e), E_OK);
    return u.id;
}

static void hash_of(char c, unsigned char h[STORE_TOKEN_HASH])
{
    memset(h, c, STORE_TOKEN_HASH);
}

static enum err_code by_token(struct fixture *f, char c, struct calendar_feed *out)
{
    struct err e = {0};
    unsigned char h[STORE_TOKEN_HASH];
    hash_of(c, h);
    return db_feed_by_token(f->db, f->a, h, out, &e);
}

static void put(struct fixture *f, const char *therapist, char c, int64_t user)
{
    struct err e = {0};
    unsigned char h[STORE_TOKEN_HASH];
    hash_of(c, h);
    assert_int_equal(db_feed_put(f->db, therapist, h, user, 1000, &e), E_OK);
}

static void test_tokens_replace_and_scope(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    struct calendar_feed fd;
    int64_t maren = user_id(f, "maren@chugachbodywork.example");
    int64_t desk = user_id(f, "desk@chugachbodywork.example");

    assert_int_equal(db_feed(f->db, f->a, "maren-holt", &fd, &e), E_NOTFOUND);
    assert_int_equal(by_token(f, 'a', &fd), E_NOTFOUND);
    put(f, "maren-holt", 'a', maren);
    put(f, "", 'c', desk);
    assert_int_equal(by_token(f, 'a', &fd), E_OK);
    assert_string_equal(fd.therapist_id, "maren-holt");
    assert_string_equal(fd.therapist_name, "Maren Holt");
    assert_string_equal(fd.created_by, "Maren Holt");
    assert_int_equal(fd.created_at, 1000);
    assert_int_equal(by_token(f, 'c', &fd), E_OK);
    assert_string_equal(fd.therapist_id, "");
    assert_int_equal(db_feed(f->db, f->a, "", &fd, &e), E_OK);
    assert_string_equal(fd.created_by, "Rosa Delgado");

    /* a new token replaces the old one of the same feed, not the other feed */
    put(f, "maren-holt", 'b', maren);
    assert_int_equal(by_token(f, 'a', &fd), E_NOTFOUND);
    assert_int_equal(by_token(f, 'b', &fd), E_OK);
    assert_int_equal(by_token(f, 'c', &fd), E_OK);
    put(f, "", 'd', desk);
    assert_int_equal(by_token(f, 'c', &fd), E_NOTFOUND);
    assert_int_equal(by_token(f, 'd', &fd), E_OK);
    assert_int_equal(by_token(f, 'b', &fd), E_OK);

}

static void test_feed_dies_with_account_and_therapist(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    struct calendar_feed fd;
    int64_t maren = user_id(f, "maren@chugachbodywork.example");
    int64_t desk = user_id(f, "desk@chugachbodywork.example");
    int64_t tomas = user_id(f, "tomas@chugachbodywork.example");

    put(f, "maren-holt", 'a', maren);
    put(f, "", 'c', desk);
    assert_int_equal(db_set_user_active(f->db, maren, 0, &e), E_OK);
    assert_int_equal(by_token(f, 'a', &fd), E_NOTFOUND);
    assert_int_equal(db_feed(f->db, f->a, "maren-holt", &fd, &e), E_NOTFOUND);
    assert_int_equal(db_set_user_active(f->db, maren, 1, &e), E_OK);
    assert_int_equal(by_token(f, 'a', &fd), E_OK);
    assert_int_equal(db_set_user_active(f->db, desk, 0, &e), E_OK);
    assert_int_equal(by_token(f, 'c', &fd), E_NOTFOUND);

    /* a therapist's account cannot hold the clinic's feed, nor another's */
    put(f, "", 'd', tomas);
    assert_int_equal(by_token(f, 'd', &fd), E_NOTFOUND);
    put(f, "maren-holt", 'e', tomas);
    assert_int_equal(by_token(f, 'e', &fd), E_NOTFOUND);

    /* an inactive therapist's feed stops */
    put(f, "maren-holt", 'a', maren);
    struct therapist t;
    assert_int_equal(db_therapist(f->db, f->a, "maren-holt", &t, &e), E_OK);
    t.active = 0;
    assert_int_equal(db_put_therapist(f->db, &t, &e), E_OK);
    assert_int_equal(by_token(f, 'a', &fd), E_NOTFOUND);

    put(f, "", 'c', user_id(f, "admin@chugachbodywork.example"));
    assert_int_equal(by_token(f, 'c', &fd), E_OK);
    /* db_wipe clears the feeds along with the accounts */
    assert_int_equal(db_begin(f->db, &e), E_OK);
    assert_int_equal(db_wipe(f->db, &e), E_OK);
    assert_int_equal(db_commit(f->db, &e), E_OK);
    assert_int_equal(by_token(f, 'c', &fd), E_NOTFOUND);
}

static int64_t book(struct fixture *f, const char *therapist, int64_t start, char tok)
{
    struct err e = {0};
    unsigned char h[STORE_TOKEN_HASH];
    int64_t client, id;
    assert_int_equal(db_client_for_booking(f->db, "Ana Lee", "ana@example.com", "907 555 0100",
                                           0, 1000, &client, &e),
                     E_OK);
    struct appointment ap = {0};
    ap.service_id = "deep-tissue-60";
    ap.therapist_id = therapist;
    ap.room_id = 1;
    ap.client_id = client;
    ap.start = start;
    ap.end = start + 3600;
    ap.busy_until = start + 3600 + 900;
    ap.created_at = 1000;
    hash_of(tok, h);
    assert_int_equal(db_add_appointment(f->db, &ap, h, &id, &e), E_OK);
    return id;
}

static void test_appointments_and_revision(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    struct feed_appointment *list;
    size_t n;
    const int64_t day = 1795000000; /* some day in 2026 */
    int64_t a1 = book(f, "maren-holt", day, 'x');
    int64_t a2 = book(f, "tomas-reyes", day + 7200, 'y');
    book(f, "maren-holt", day + 86400 * 3, 'z'); /* outside [day, day + 2 days) */

    assert_int_equal(db_feed_appointments(f->db, f->a, "maren-holt", day, day + 2 * 86400, &list,
                                          &n, &e),
                     E_OK);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].id, a1);
    assert_int_equal(list[0].revision, 0);
    assert_string_equal(list[0].status, "booked");
    assert_string_equal(list[0].client_name, "Ana Lee");
    assert_string_equal(list[0].service_name, "Deep Tissue Massage (60 minutes)");
    assert_string_equal(list[0].therapist_name, "Maren Holt");
    assert_true(list[0].room_name[0] != '\0');
    assert_int_equal(db_feed_appointments(f->db, f->a, "", day, day + 2 * 86400, &list, &n, &e),
                     E_OK);
    assert_int_equal(n, 2);
    assert_int_equal(list[1].id, a2);
    assert_string_equal(list[1].therapist_id, "tomas-reyes");

    /* a move and a status change each count one revision; notes do not (room 2:
     * a2 holds room 1 from day + 7200, and PostgreSQL refuses a double-booked room) */
    assert_int_equal(db_move_appointment(f->db, a1, "maren-holt", 2, day + 3600, day + 7200,
                                         day + 8100, &e),
                     E_OK);
    assert_int_equal(db_set_staff_notes(f->db, a1, "bring a towel", &e), E_OK);
    assert_int_equal(db_set_appointment_status(f->db, a1, "booked", "checked_in", 2000, NULL, 0, &e),
                     E_OK);
    assert_int_equal(db_feed_appointments(f->db, f->a, "maren-holt", day, day + 2 * 86400, &list,
                                          &n, &e),
                     E_OK);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].start, day + 3600);
    assert_int_equal(list[0].revision, 2);
    assert_string_equal(list[0].status, "checked_in");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tokens_replace_and_scope, setup, teardown),
        cmocka_unit_test_setup_teardown(test_feed_dies_with_account_and_therapist, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_appointments_and_revision, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
