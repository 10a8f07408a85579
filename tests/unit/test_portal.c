/* Unit tests for core/portal.c: the state of a sign-in link, who gets one,
 * which appointments are upcoming, and a new client account's name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/portal.h"

static void test_link_state(void **state)
{
    static const struct {
        int64_t expires, used, now;
        enum portal_link_state want;
    } rows[] = {
        {1000, 0, 999, PORTAL_LINK_OK},
        {1000, 0, 1000, PORTAL_LINK_EXPIRED}, /* the expiry instant itself is too late */
        {1000, 0, 5000, PORTAL_LINK_EXPIRED},
        {1000, 900, 950, PORTAL_LINK_USED},
        {1000, 900, 5000, PORTAL_LINK_USED}, /* used wins over expired */
        {1000, 0, -5, PORTAL_LINK_OK},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        assert_int_equal(portal_link_state(rows[i].expires, rows[i].used, rows[i].now),
                         rows[i].want);
}

static void test_may_send(void **state)
{
    static const struct {
        const char *role;
        int active;
        const char *name;
        int want;
    } rows[] = {
        {"", 1, "Ana Lee", 1},       /* booked, no account yet */
        {"", 1, "", 0},              /* nobody we know */
        {NULL, 1, NULL, 0},
        {"client", 1, "Ana Lee", 1}, /* a client account */
        {"client", 0, "Ana Lee", 0}, /* deactivated */
        {"admin", 1, "Ada Admin", 0}, /* staff use their password */
        {"desk", 1, "Dee", 0},
        {"therapist", 1, "Maren", 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        assert_int_equal(portal_may_send(rows[i].role, rows[i].active, rows[i].name),
                         rows[i].want);
}

static void test_upcoming(void **state)
{
    static const struct {
        const char *status;
        int64_t start, now;
        int want;
    } rows[] = {
        {"booked", 200, 100, 1},     {"checked_in", 200, 100, 1}, {"booked", 100, 100, 0},
        {"booked", 50, 100, 0},      {"cancelled", 200, 100, 0},  {"completed", 200, 100, 0},
        {"no_show", 200, 100, 0},    {NULL, 200, 100, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        assert_int_equal(portal_upcoming(rows[i].status, rows[i].start, rows[i].now),
                         rows[i].want);
}

static void test_account_name(void **state)
{
    char big[200], out[130], small[5];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    static const struct {
        const char *name, *email, *want;
    } rows[] = {
        {"Ana Lee", "ana@example.com", "Ana Lee"},
        {"", "ana.lee@example.com", "ana.lee"},
        {NULL, "bo@example.com", "bo"},
        {"", "@example.com", "Client"},
        {"", "noat", "noat"},
        {NULL, NULL, "Client"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        portal_account_name(rows[i].name, rows[i].email, out, sizeof out);
        assert_string_equal(out, rows[i].want);
    }
    portal_account_name(big, "long@example.com", out, sizeof out); /* over 120: the email's */
    assert_string_equal(out, "long");
    portal_account_name("Ana Lee", "a@b.c", small, sizeof small); /* cut to the buffer */
    assert_string_equal(small, "Ana ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_link_state),
        cmocka_unit_test(test_may_send),
        cmocka_unit_test(test_upcoming),
        cmocka_unit_test(test_account_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
