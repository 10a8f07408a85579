/* Unit tests for core/auth.c: role names, who may use a route, when a
 * session ends, when sign-in attempts are refused, password rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/auth.h"
#include "http/router.h"

static void test_roles_round_trip(void **state)
{
    static const char *const names[] = {"admin", "desk", "therapist", "client"};
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(auth_role_name(auth_role_parse(names[i])), names[i]);
    assert_int_equal(auth_role_parse("Admin"), AUTH_NONE);
    assert_int_equal(auth_role_parse(""), AUTH_NONE);
    assert_int_equal(auth_role_parse(NULL), AUTH_NONE);
    assert_string_equal(auth_role_name(AUTH_NONE), "");
}

/* The route flags' role bits are the auth roles, so the table speaks auth. */
static void test_route_bits_match_roles(void **state)
{
    assert_int_equal(ROUTE_ROLES(ROUTE_CLIENT), AUTH_CLIENT);
    assert_int_equal(ROUTE_ROLES(ROUTE_THERAPIST), AUTH_THERAPIST);
    assert_int_equal(ROUTE_ROLES(ROUTE_DESK), AUTH_DESK);
    assert_int_equal(ROUTE_ROLES(ROUTE_ADMIN), AUTH_ADMIN);
}

static void test_allows(void **state)
{
    static const struct {
        unsigned allowed;
        enum auth_role role;
        int want;
    } rows[] = {
        {AUTH_DESK, AUTH_DESK, 1},
        {AUTH_DESK, AUTH_ADMIN, 1}, /* an admin may do what the desk may */
        {AUTH_DESK, AUTH_THERAPIST, 0},
        {AUTH_DESK, AUTH_CLIENT, 0},
        {AUTH_ADMIN, AUTH_DESK, 0}, /* but not the other way round */
        {AUTH_ADMIN, AUTH_ADMIN, 1},
        {AUTH_THERAPIST, AUTH_ADMIN, 0},
        {AUTH_THERAPIST | AUTH_DESK, AUTH_THERAPIST, 1},
        {AUTH_THERAPIST | AUTH_DESK, AUTH_ADMIN, 1},
        {AUTH_CLIENT, AUTH_CLIENT, 1},
        {AUTH_CLIENT | AUTH_DESK | AUTH_THERAPIST | AUTH_ADMIN, AUTH_NONE, 0},
        {0, AUTH_ADMIN, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (auth_allows(rows[i].allowed, rows[i].role) != rows[i].want)
            fail_msg("row %zu", i);
}

static void test_session_lifetime(void **state)
{
    const struct auth_limits l = {120, 12, 5, 15};
    const int64_t t0 = 1795000000;
    static const struct {
        int64_t created, seen, now;
        int want;
    } rows[] = {
        {0, 0, 0, 1},
        {0, 0, 119 * 60, 1},
        {0, 0, 120 * 60, 0},               /* idle limit reached */
        {0, 11 * 3600, 11 * 3600 + 60, 1},
        {0, 12 * 3600 - 60, 12 * 3600, 0}, /* absolute limit, though just used */
        {0, 3600 * 6, 3600 * 6, 1},
        {0, 1000, 0, 0},                   /* seen far in the future: refused */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (auth_session_valid(&l, t0 + rows[i].created, t0 + rows[i].seen,
                               t0 + rows[i].now) != rows[i].want)
            fail_msg("row %zu", i);
}

static void test_throttle(void **state)
{
    const struct auth_limits l = {120, 12, 5, 15};
    const int64_t now = 1795000000;
    assert_int_equal(auth_retry_after(&l, 0, 0, now), 0);
    assert_int_equal(auth_retry_after(&l, 4, now - 60, now), 0);
    assert_int_equal(auth_retry_after(&l, 5, now - 60, now), 14 * 60);
    assert_int_equal(auth_retry_after(&l, 9, now - 15 * 60 + 1, now), 1);
    assert_int_equal(auth_retry_after(&l, 9, now - 15 * 60, now), 0);
}

static void test_password_rules(void **state)
{
    char longpw[260];
    memset(longpw, 'p', sizeof longpw - 1);
    longpw[sizeof longpw - 1] = '\0';
    assert_non_null(auth_check_password(NULL));
    assert_non_null(auth_check_password("short"));
    assert_non_null(auth_check_password("123456789"));
    assert_non_null(auth_check_password("1234567890")); /* a run */
    assert_non_null(auth_check_password("9876543210"));
    assert_non_null(auth_check_password("abcdefghijk"));
    assert_non_null(auth_check_password("aaaaaaaaaaaa")); /* one character */
    assert_non_null(auth_check_password("abababababab")); /* one short group */
    assert_non_null(auth_check_password("pass1pass1pass1"));
    assert_null(auth_check_password("correct horse battery"));
    assert_null(auth_check_password("demo-desk-pass"));
    assert_null(auth_check_password("1234567890x"));
    assert_non_null(auth_check_password(longpw));
}

static void test_slowdown(void **state)
{
    const struct auth_limits l = {120, 12, 5, 15};
    const int64_t now = 1795000000;
    assert_int_equal(auth_slowdown(&l, 4, 5, now, now), 0);          /* under the threshold */
    assert_int_equal(auth_slowdown(&l, 5, 5, now, now), 30);         /* then 30 s ... */
    assert_int_equal(auth_slowdown(&l, 5, 5, now - 10, now), 20);    /* from the newest */
    assert_int_equal(auth_slowdown(&l, 5, 5, now - 30, now), 0);     /* waited: may try */
    assert_int_equal(auth_slowdown(&l, 6, 5, now, now), 60);         /* ... doubling */
    assert_int_equal(auth_slowdown(&l, 8, 5, now, now), 240);
    assert_int_equal(auth_slowdown(&l, 50, 5, now, now), 15 * 60);   /* never past the window */
    assert_int_equal(auth_slowdown(&l, 2000000000, 5, now - 15 * 60, now), 0);
}

static void test_next(void **state)
{
    (void)state;
    static const struct {
        const char *next;
        int ok;
    } rows[] = {
        {"/staff", 1},
        {"/staff/appointments/3?date=2026-12-08", 1},
        {"/articles/caf%C3%A9", 1},
        {"/a%20b", 1},
        {"/", 1},
        {"/100%", 1}, /* a lone percent is not an escape */
        {NULL, 0},
        {"", 0},
        {"staff", 0},
        {"https://evil.example", 0},
        {"//evil.example", 0},
        {"///evil.example", 0},
        {"/\\evil.example", 0},
        {"/%2F/evil.example", 0},
        {"/%2fevil.example", 0},
        {"/%5Cevil.example", 0},
        {"/%5cevil.example", 0},
        {"/x\\y", 0},
        {"/\t/evil.example", 0},
        {"/%09/evil.example", 0},
        {"/staff%0d%0aSet-Cookie:%20x=1", 0},
        {"/staff\r\nX: y", 0},
        {"/%7F", 0},
        {"/%00", 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (auth_next_ok(rows[i].next, 2048) != rows[i].ok)
            fail_msg("auth_next_ok(\"%s\") should be %d", rows[i].next ? rows[i].next : "(null)",
                     rows[i].ok);
    char big[64];
    memset(big, 'a', sizeof big - 1);
    big[0] = '/';
    big[sizeof big - 1] = '\0';
    assert_int_equal(auth_next_ok(big, 63), 1);
    assert_int_equal(auth_next_ok(big, 62), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roles_round_trip),
        cmocka_unit_test(test_route_bits_match_roles),
        cmocka_unit_test(test_allows),
        cmocka_unit_test(test_session_lifetime),
        cmocka_unit_test(test_throttle),
        cmocka_unit_test(test_password_rules),
        cmocka_unit_test(test_slowdown),
        cmocka_unit_test(test_next),
    };
    return cmocka_run_group_tests_name("auth", tests, NULL, NULL);
}
