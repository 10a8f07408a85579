/* Unit tests for core/report.c: hours free to book from a day's spans
 * (open hours, working hours, breaks and time off, in any order, with
 * overlaps), medians, rates in tenths of a percent, the period a report
 * covers and the one before it, and the change against it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/report.h"

#define H(h) ((int64_t)(h) * 3600)
#define SP(a, b) {H(a), H(b)}

static void test_free_seconds(void **state)
{
    (void)state;
    static const struct {
        struct avail_span open[3], work[3], busy[4];
        size_t nopen, nwork, nbusy;
        int64_t want;
    } rows[] = {
        /* open 8-18, works 9-17, lunch 12-13: 7 hours */
        {{SP(8, 18)}, {SP(9, 17)}, {SP(12, 13)}, 1, 1, 1, H(7)},
        /* works longer than the clinic is open: only the open part */
        {{SP(10, 16)}, {SP(8, 20)}, {{0}}, 1, 1, 0, H(6)},
        /* closed (no open span): nothing */
        {{{0}}, {SP(9, 17)}, {{0}}, 0, 1, 0, 0},
        /* not working that day */
        {{SP(8, 18)}, {{0}}, {{0}}, 1, 0, 0, 0},
        /* two working spans touching count as one; time off over the lunch
         * break and beyond (overlapping busy spans count once) */
        {{SP(8, 18)}, {SP(13, 17), SP(9, 13)}, {SP(12, 13), SP(11, 14)}, 1, 2, 2, H(5)},
        /* a whole day off */
        {{SP(8, 18)}, {SP(9, 17)}, {SP(0, 24)}, 1, 1, 1, 0},
        /* split opening hours, busy out of order, an empty span ignored */
        {{SP(8, 12), SP(14, 18)}, {SP(8, 18)}, {SP(16, 17), SP(9, 9), SP(8, 9)}, 2, 1, 3, H(6)},
    };
    int64_t scratch[20];
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int64_t got = report_free_seconds(rows[i].open, rows[i].nopen, rows[i].work,
                                          rows[i].nwork, rows[i].busy, rows[i].nbusy, scratch);
        if (got != rows[i].want)
            fail_msg("row %zu: %lld seconds, want %lld", i, (long long)got,
                     (long long)rows[i].want);
    }
    /* a therapist who filed 600 one-minute absences across 10 hours: counted, not refused */
    static struct avail_span off[600];
    static int64_t big[2 * 602];
    for (size_t i = 0; i < 600; i++)
        off[i] = (struct avail_span){H(8) + (int64_t)i * 60, H(8) + (int64_t)i * 60 + 30};
    struct avail_span day = {H(8), H(18)};
    assert_int_equal(report_free_seconds(&day, 1, &day, 1, off, 600, big), 600 * 30);
}

static void test_median(void **state)
{
    (void)state;
    int64_t none[1] = {0};
    assert_int_equal(report_median(none, 0), 0);
    int64_t one[] = {7};
    assert_int_equal(report_median(one, 1), 7);
    int64_t odd[] = {9, 1, 5};
    assert_int_equal(report_median(odd, 3), 5);
    int64_t even[] = {10, 1, 4, 3}; /* 3 and 4: 3.5 rounds down */
    assert_int_equal(report_median(even, 4), 3);
    int64_t big[] = {INT64_MAX - 1, INT64_MAX};
    assert_true(report_median(big, 2) == INT64_MAX - 1);
}

static void test_permille(void **state)
{
    (void)state;
    static const struct {
        int64_t num, den;
        int want;
        const char *text;
    } rows[] = {
        {1, 3, 333, "33.3%"},  {2, 3, 667, "66.7%"},   {0, 5, 0, "0.0%"},
        {5, 5, 1000, "100.0%"}, {1, 2000, 1, "0.1%"},  {1, 2001, 0, "0.0%"},
        {3, 0, -1, "\xe2\x80\x94"}, {-1, 3, -1, "\xe2\x80\x94"}, {7, 2, 3500, "350.0%"},
        {INT64_MAX, 1, 1000000, "100000.0%"}, {INT64_MAX / 3, INT64_MAX, 333, "33.3%"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char buf[24];
        int got = report_permille(rows[i].num, rows[i].den);
        if (got != rows[i].want)
            fail_msg("row %zu: %d, want %d", i, got, rows[i].want);
        assert_string_equal(report_permille_text(got, buf, sizeof buf), rows[i].text);
    }
}

static void test_range(void **state)
{
    (void)state;
    struct report_range r;
    struct dt_date a = {2026, 3, 1}, b = {2026, 3, 28};
    assert_int_equal(report_range(a, b, &r), REPORT_RANGE_OK);
    assert_int_equal(r.days, 28);
    assert_memory_equal(&r.prev_to, &((struct dt_date){2026, 2, 28}), sizeof r.prev_to);
    assert_memory_equal(&r.prev_from, &((struct dt_date){2026, 2, 1}), sizeof r.prev_from);
    assert_int_equal(report_range(a, a, &r), REPORT_RANGE_OK);
    assert_int_equal(r.days, 1);
    assert_memory_equal(&r.prev_from, &((struct dt_date){2026, 2, 28}), sizeof r.prev_from);
    memset(&r, 0x5a, sizeof r);
    struct report_range untouched = r;
    assert_int_equal(report_range(b, a, &r), REPORT_RANGE_REVERSED);
    assert_memory_equal(&r, &untouched, sizeof r);
    /* a leap year of 366 days is allowed, a day more is not */
    assert_int_equal(report_range((struct dt_date){2024, 1, 1}, (struct dt_date){2024, 12, 31}, &r),
                     REPORT_RANGE_OK);
    assert_int_equal(r.days, 366);
    assert_int_equal(report_range((struct dt_date){2024, 1, 1}, (struct dt_date){2025, 1, 1}, &r),
                     REPORT_RANGE_TOO_LONG);
    /* the last 28 days end yesterday */
    r = report_range_last((struct dt_date){2026, 3, 1}, 28);
    assert_memory_equal(&r.to, &((struct dt_date){2026, 2, 28}), sizeof r.to);
    assert_memory_equal(&r.from, &((struct dt_date){2026, 2, 1}), sizeof r.from);
    assert_int_equal(report_range_last(a, 0).days, 1);
    assert_int_equal(report_range_last(a, 9999).days, REPORT_MAX_DAYS);
}

static void test_change(void **state)
{
    (void)state;
    static const struct {
        int64_t cur, prev;
        int want, has;
    } rows[] = {
        {5, 4, 25, 1}, {3, 4, -25, 1}, {4, 4, 0, 1}, {2, 3, -33, 1}, {1, 8, -88, 1},
        {7, 0, 0, 0},  {0, 0, 0, 0},   {1, 200, -100, 1}, {3, 2, 50, 1},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int has = -1;
        int got = report_change_percent(rows[i].cur, rows[i].prev, &has);
        if (got != rows[i].want || has != rows[i].has)
            fail_msg("row %zu: %d (has %d), want %d (has %d)", i, got, has, rows[i].want,
                     rows[i].has);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_free_seconds),
        cmocka_unit_test(test_median),
        cmocka_unit_test(test_permille),
        cmocka_unit_test(test_range),
        cmocka_unit_test(test_change),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
