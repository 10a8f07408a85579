/* Tests of svc/when.c: the one wording of times that clients read (issue 13
 * item 13): 12-hour with AM/PM, for instants and for wall times of day
 * (hours and waitlist windows), the same for both; a date and time in a
 * sentence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "core/datetime.h"
#include "svc/when.h"
#include "util/arena.h"
#include "util/tzload.h"

static void test_minutes_and_window(void **state)
{
    (void)state;
    static const struct {
        int min;
        const char *want;
    } rows[] = {
        { 0, "12:00 AM" },   { 59, "12:59 AM" },  { 60, "1:00 AM" },   { 480, "8:00 AM" },
        { 719, "11:59 AM" }, { 720, "12:00 PM" }, { 750, "12:30 PM" }, { 960, "4:00 PM" },
        { 1439, "11:59 PM" }, { 1440, "midnight" },
    };
    struct arena *a = arena_new();
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        assert_string_equal(when_minutes(a, rows[i].min), rows[i].want);
    assert_string_equal(when_window(a, 16 * 60, 19 * 60), "4:00 PM – 7:00 PM");
    assert_string_equal(when_window(a, 22 * 60, 1440), "10:00 PM – midnight");
    arena_free(a);
}

static void test_instants_read_like_wall_times(void **state)
{
    (void)state;
    struct tz *tz = NULL;
    char err[256];
    assert_int_equal(tzload_load("America/Anchorage", &tz, err, sizeof err), 0);
    struct arena *a = arena_new();
    int64_t t;
    assert_int_equal(dt_parse_rfc3339("2026-11-24T16:00:00-09:00", &t, NULL), 0);
    /* the instant and the wall time word 4 PM the same way */
    assert_string_equal(when_clock(tz, a, t, 0), when_minutes(a, 16 * 60));
    assert_string_equal(when_at(tz, a, t), "Tuesday, November 24, 2026 at 4:00 PM AKST");
    assert_int_equal(dt_parse_rfc3339("2026-11-24T00:30:00-09:00", &t, NULL), 0);
    assert_string_equal(when_clock(tz, a, t, 0), "12:30 AM");
    arena_free(a);
    tz_free(tz);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minutes_and_window),
        cmocka_unit_test(test_instants_read_like_wall_times),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
