/* Tests of the client portal in the store (SQLite, a temporary file): a
 * sign-in link is used once and never after it expired (a second use loses,
 * as a racing request would), proving an address links every client row
 * with it in any case, the account's appointments include later bookings
 * only while its email is the proven address, the portal's manage link
 * finds the appointment beside the booking's own, and a demo reseed wipes
 * it all. */
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

static int64_t client(struct fixture *f, const char *name, const char *email)
{
    struct err e = {0};
    int64_t id = 0;
    assert_int_equal(db_client_for_booking(f->db, name, email, "", 0, 1, &id, &e), E_OK);
    return id;
}

static int64_t appointment(struct fixture *f, int64_t client_id, int64_t start, unsigned char tag)
{
    struct err e = {0};
    unsigned char hash[STORE_TOKEN_HASH];
    memset(hash, tag, sizeof hash);
    struct room *rooms;
    size_t nrooms;
    assert_int_equal(db_rooms(f->db, f->a, &rooms, &nrooms, &e), E_OK);
    struct appointment ap = {.service_id = "deep-tissue-60", .therapist_id = "maren-holt",
                             .room_id = rooms[0].id, .client_id = client_id, .start = start,
                             .end = start + 3600, .busy_until = start + 3600,
                             .status = "checked_in", .notes = "", .source = "staff",
                             .created_at = 1};
    int64_t id = 0;
    assert_int_equal(db_add_appointment(f->db, &ap, hash, &id, &e), E_OK);
    return id;
}

static void test_link_used_once_and_not_after_expiry(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    unsigned char h1[STORE_TOKEN_HASH], h2[STORE_TOKEN_HASH];
    struct signin_link l;
    memset(h1, 1, sizeof h1);
    memset(h2, 2, sizeof h2);
    assert_int_equal(db_signin_add(f->db, h1, "ana@example.com", 1000, 2200, &e), E_OK);
    assert_int_equal(db_signin_add(f->db, h2, "ana@example.com", 1000, 2200, &e), E_OK);
    assert_int_equal(db_signin_get(f->db, f->a, h1, &l, &e), E_OK);
    assert_string_equal(l.email, "ana@example.com");
    assert_int_equal(l.used_at, 0);
    assert_int_equal(l.expires_at, 2200);
    assert_int_equal(db_signin_use(f->db, h1, 1500, &e), E_OK);
    assert_int_equal(db_signin_use(f->db, h1, 1501, &e), E_CONFLICT);
    assert_int_equal(db_signin_get(f->db, f->a, h1, &l, &e), E_OK);
    assert_int_equal(l.used_at, 1500);
    assert_int_equal(db_signin_use(f->db, h2, 2200, &e), E_CONFLICT); /* expired at 2200 */
    assert_int_equal(db_signin_get(f->db, f->a, h2, &l, &e), E_OK);
    assert_int_equal(l.used_at, 0);
    memset(h2, 3, sizeof h2);
    assert_int_equal(db_signin_get(f->db, f->a, h2, &l, &e), E_NOTFOUND);
    assert_int_equal(db_signin_use(f->db, h2, 1500, &e), E_CONFLICT);
}

static void test_who_and_requests(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    struct signin_who w;
    int ne = 0, na = 0;
    int64_t oe = 0, oa = 0;
    assert_int_equal(db_signin_who(f->db, f->a, "nobody@example.com", &w, &e), E_OK);
    assert_true(w.user_id == 0 && strcmp(w.role, "") == 0 && strcmp(w.name, "") == 0);
    client(f, "Ana Lee", "Ana@Example.com");
    assert_int_equal(db_signin_who(f->db, f->a, "ana@example.COM", &w, &e), E_OK);
    assert_string_equal(w.name, "Ana Lee");
    assert_string_equal(w.role, "");
    assert_int_equal(db_signin_who(f->db, f->a, "desk@chugachbodywork.example", &w, &e), E_OK);
    assert_string_equal(w.role, "desk");
    assert_true(w.user_id > 0 && w.active == 1);
    assert_int_equal(db_signin_request(f->db, "ana@example.com", "10.0.0.1", 100, &e), E_OK);
    assert_int_equal(db_signin_request(f->db, "ANA@example.com", "10.0.0.2", 200, &e), E_OK);
    assert_int_equal(db_signin_request(f->db, "bo@example.com", "10.0.0.1", 300, &e), E_OK);
    assert_int_equal(db_signin_requests(f->db, "ana@example.com", "10.0.0.1", 50, &ne, &oe, &na,
                                        &oa, &e),
                     E_OK);
    assert_true(ne == 2 && oe == 100 && na == 2 && oa == 100);
    assert_int_equal(db_signin_prune(f->db, 150, &e), E_OK);
    assert_int_equal(db_signin_requests(f->db, "ana@example.com", "10.0.0.1", 0, &ne, &oe, &na,
                                        &oa, &e),
                     E_OK);
    assert_true(ne == 1 && oe == 200 && na == 1 && oa == 300);
}

static int has(const struct appointment *aps, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (aps[i].id == id)
            return 1;
    return 0;
}

static void test_link_clients_and_appointments(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    struct appointment *aps, ap;
    size_t n;
    int linked = 0;
    int64_t uid = 0, t = 1796000000;
    int64_t a1 = appointment(f, client(f, "Ana Lee", "ana@example.com"), t, 11);
    int64_t a2 = appointment(f, client(f, "Ana L.", "ANA@example.com"), t + 86400, 12);
    int64_t a3 = appointment(f, client(f, "Bo", "bo@example.com"), t + 2 * 86400, 13);
    struct user u = {0, "ana@example.com", "Ana Lee", "client", "", 1};
    assert_int_equal(db_add_user(f->db, &u, "", 5, &uid, &e), E_OK);
    /* not proven yet: nothing is the account's */
    assert_int_equal(db_portal_appointments(f->db, f->a, uid, &aps, &n, &e), E_OK);
    assert_int_equal(n, 0);
    assert_int_equal(db_begin(f->db, &e), E_OK);
    assert_int_equal(db_portal_link_clients(f->db, uid, "Ana@Example.com", 9, &linked, &e), E_OK);
    assert_int_equal(db_commit(f->db, &e), E_OK);
    assert_int_equal(linked, 2);
    int64_t a4 = appointment(f, client(f, "Ana New", "ana@EXAMPLE.com"), t + 3 * 86400, 14);
    assert_int_equal(db_portal_appointments(f->db, f->a, uid, &aps, &n, &e), E_OK);
    assert_int_equal(n, 3);
    assert_true(has(aps, n, a1) && has(aps, n, a2) && has(aps, n, a4) && !has(aps, n, a3));
    assert_int_equal(aps[0].id, a4); /* latest start first */
    /* the email changed by an admin is not proven: the later booking drops out */
    struct user changed = {uid, "ana2@example.com", "Ana Lee", "client", "", 1};
    assert_int_equal(db_update_user(f->db, &changed, &e), E_OK);
    assert_int_equal(db_portal_appointments(f->db, f->a, uid, &aps, &n, &e), E_OK);
    assert_int_equal(n, 2);
    assert_true(has(aps, n, a1) && has(aps, n, a2));
    /* the portal's manage link finds the appointment; the booking's own still does */
    unsigned char mine[STORE_TOKEN_HASH], own[STORE_TOKEN_HASH];
    memset(mine, 77, sizeof mine);
    memset(own, 11, sizeof own);
    assert_int_equal(db_portal_manage_link(f->db, a1, uid, mine, 10, &e), E_OK);
    assert_int_equal(db_appointment_by_token(f->db, f->a, mine, &ap, &e), E_OK);
    assert_int_equal(ap.id, a1);
    assert_int_equal(db_appointment_by_token(f->db, f->a, own, &ap, &e), E_OK);
    assert_int_equal(ap.id, a1);
    memset(mine, 78, sizeof mine); /* a new one replaces the portal's previous link */
    assert_int_equal(db_portal_manage_link(f->db, a1, uid, mine, 11, &e), E_OK);
    memset(own, 77, sizeof own);
    assert_int_equal(db_appointment_by_token(f->db, f->a, own, &ap, &e), E_NOTFOUND);
    /* a demo reseed wipes the portal's tables */
    assert_int_equal(db_signin_add(f->db, own, "ana@example.com", 1, 2, &e), E_OK);
    assert_int_equal(db_begin(f->db, &e), E_OK);
    assert_int_equal(db_wipe(f->db, &e), E_OK);
    assert_int_equal(db_commit(f->db, &e), E_OK);
    struct signin_link l;
    assert_int_equal(db_signin_get(f->db, f->a, own, &l, &e), E_NOTFOUND);
    assert_int_equal(db_appointment_by_token(f->db, f->a, mine, &ap, &e), E_NOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_link_used_once_and_not_after_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_who_and_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_link_clients_and_appointments, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
