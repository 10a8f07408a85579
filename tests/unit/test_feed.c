/* Unit tests for core/feed: how a feed names a client (first name and last
 * initial, UTF-8 kept whole, long names cut on a character boundary), which
 * statuses a feed shows, and the window of instants it covers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/feed.h"

#define NROWS(t) (sizeof(t) / sizeof((t)[0]))

static void test_client_label(void **state)
{
    (void)state;
    static const struct {
        const char *name, *want;
    } rows[] = {
        {"Ana Lee", "Ana L."},
        {"Ana Maria Lee", "Ana L."},
        {"  Ana   Lee  ", "Ana L."},
        {"Ana", "Ana"},
        {"Mary-Jane O'Neil", "Mary-Jane O."},
        {"Élodie Ångström", "Élodie Å."},
        {"Zoë\tÉmile", "Zoë É."},
        {"李 小龙", "李 小."},
        {"", "Client"},
        {"   ", "Client"},
        {NULL, "Client"},
        {"ana lee", "ana l."},
    };
    char out[FEED_LABEL_MAX];
    for (size_t i = 0; i < NROWS(rows); i++) {
        feed_client_label(rows[i].name, out, sizeof out);
        assert_string_equal(out, rows[i].want);
    }
}

static void test_client_label_long(void **state)
{
    (void)state;
    char name[300], out[FEED_LABEL_MAX];
    /* 100 two-byte characters, then a last name starting with a 3-byte one */
    size_t n = 0;
    for (int i = 0; i < 100; i++) {
        name[n++] = (char)0xC3;
        name[n++] = (char)0xA9; /* é */
    }
    memcpy(name + n, " \xE2\x82\xACuro", 8); /* " €uro" and the NUL */
    feed_client_label(name, out, sizeof out);
    size_t len = strlen(out);
    assert_true(len < FEED_LABEL_MAX);
    /* ends with " €." and the first word is whole characters */
    assert_string_equal(out + len - 5, " \xE2\x82\xAC.");
    assert_int_equal((len - 5) % 2, 0);
    for (size_t i = 0; i < len - 5; i += 2)
        assert_memory_equal(out + i, "\xC3\xA9", 2);
    /* one long word alone fills the label */
    memcpy(name, "Bartholomew", 11);
    memset(name + 11, 'x', 200);
    name[211] = '\0';
    feed_client_label(name, out, sizeof out);
    assert_int_equal(strlen(out), FEED_LABEL_MAX - 1);
    assert_memory_equal(out, "Bartholomew", 11);
}

static void test_shows(void **state)
{
    (void)state;
    static const struct {
        const char *status;
        int want;
    } rows[] = {
        {"booked", 1},    {"checked_in", 1}, {"completed", 1}, {"no_show", 1},
        {"cancelled", 0}, {"", 0},           {"Booked", 0},    {NULL, 0},
    };
    for (size_t i = 0; i < NROWS(rows); i++)
        assert_int_equal(feed_shows(rows[i].status), rows[i].want);
}

static void test_window(void **state)
{
    (void)state;
    int64_t t0, t1;
    const int64_t now = 1795000000;
    feed_window(now, 90, &t0, &t1);
    assert_int_equal(t0, now - 30 * 86400);
    assert_int_equal(t1, now + 91 * 86400);
    feed_window(now, 0, &t0, &t1);
    assert_int_equal(t1, now + 86400);
    feed_window(now, -5, &t0, &t1);
    assert_int_equal(t1, now + 86400);
    feed_window(now, 730, &t0, &t1);
    assert_int_equal(t1, now + INT64_C(731) * 86400);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_label),
        cmocka_unit_test(test_client_label_long),
        cmocka_unit_test(test_shows),
        cmocka_unit_test(test_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
