/* Unit tests for core/waitlist.c: which freed times fit a waitlist request
 * (service, therapist or any, days, weekdays, time window), the checks of a
 * request, and an offer's expiry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/waitlist.h"

#define D(y, m, d) ((struct dt_date){y, m, d})

/* Deep tissue 60 with anyone, 2026-11-30 (Mon) to 2026-12-11, weekdays 16:00-19:00. */
static const struct waitlist_want ANY = {"deep-tissue-60", NULL, {2026, 11, 30}, {2026, 12, 11},
                                         WAITLIST_WEEKDAYS, 16 * 60, 19 * 60};

static void test_matches(void **state)
{
    (void)state;
    struct waitlist_want maren = ANY;
    maren.therapist_id = "maren-holt";
    static const struct {
        const char *service, *therapist;
        struct dt_date date;
        int start, duration;
        int any, maren;
    } rows[] = {
        /* first day, at the window's start */
        {"deep-tissue-60", "maren-holt", {2026, 11, 30}, 16 * 60, 60, 1, 1},
        /* last day, ends at 19:00 */
        {"deep-tissue-60", "dev-okafor", {2026, 12, 11}, 18 * 60, 60, 1, 0},
        /* ends after the window */
        {"deep-tissue-60", "maren-holt", {2026, 12, 11}, 18 * 60 + 15, 60, 0, 0},
        /* starts before it */
        {"deep-tissue-60", "maren-holt", {2026, 12, 1}, 15 * 60 + 45, 60, 0, 0},
        /* before the range */
        {"deep-tissue-60", "maren-holt", {2026, 11, 29}, 16 * 60, 60, 0, 0},
        /* a Saturday after it */
        {"deep-tissue-60", "maren-holt", {2026, 12, 12}, 16 * 60, 60, 0, 0},
        /* a Saturday in it (not a weekday) */
        {"deep-tissue-60", "maren-holt", {2026, 12, 5}, 16 * 60, 60, 0, 0},
        /* another service */
        {"deep-tissue-90", "maren-holt", {2026, 12, 1}, 16 * 60, 90, 0, 0},
        /* another therapist */
        {"deep-tissue-60", "lena-kusugak", {2026, 12, 2}, 17 * 60, 60, 1, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct waitlist_opening o = {rows[i].service, rows[i].therapist, rows[i].date,
                                     rows[i].start, rows[i].duration};
        assert_int_equal(waitlist_matches(&ANY, &o), rows[i].any);
        assert_int_equal(waitlist_matches(&maren, &o), rows[i].maren);
    }
    /* "" is any therapist too; every weekday bit */
    struct waitlist_want all = ANY;
    all.therapist_id = "";
    all.days = WAITLIST_ALL_DAYS;
    struct waitlist_opening sat = {"deep-tissue-60", "tomas-reyes", {2026, 12, 5}, 16 * 60, 60};
    assert_int_equal(waitlist_matches(&all, &sat), 1);
}

static void test_check_window(void **state)
{
    (void)state;
    char buf[200];
    assert_null(waitlist_check_window(16 * 60, 19 * 60, 60, buf, sizeof buf));
    assert_null(waitlist_check_window(0, 1440, 90, buf, sizeof buf));
    assert_null(waitlist_check_window(16 * 60, 17 * 60, 60, buf, sizeof buf)); /* exactly one */
    assert_non_null(waitlist_check_window(19 * 60, 16 * 60, 60, buf, sizeof buf));
    assert_non_null(strstr(buf, "later than its start"));
    assert_non_null(waitlist_check_window(16 * 60, 16 * 60, 60, buf, sizeof buf));
    assert_non_null(waitlist_check_window(16 * 60, 16 * 60 + 30, 60, buf, sizeof buf));
    assert_non_null(strstr(buf, "60-minute"));
    assert_non_null(waitlist_check_window(-1, 60, 60, buf, sizeof buf));
    assert_non_null(waitlist_check_window(0, 1441, 60, buf, sizeof buf));
}

/* Issue 13 item 13: a window for one therapist must meet her working hours
 * on a ticked day with room for a session. */
static void test_window_works(void **state)
{
    (void)state;
    /* Monday to Thursday 8:00-16:00, Friday 8:00-14:00 */
    static const struct shift_span week[] = {
        { 1, 480, 960 }, { 2, 480, 960 }, { 3, 480, 960 }, { 4, 480, 960 }, { 5, 480, 840 },
    };
    static const struct {
        unsigned days;
        int from, to, dur, want;
    } rows[] = {
        { 1u << 3, 16 * 60, 19 * 60, 60, 0 },          /* after her Wednesday */
        { 1u << 3, 15 * 60, 19 * 60, 60, 1 },          /* 15:00-16:00 fits */
        { 1u << 3, 15 * 60 + 30, 19 * 60, 60, 0 },     /* 30 minutes only */
        { 1u << 5, 13 * 60, 18 * 60, 60, 1 },          /* Friday 13:00-14:00 */
        { 1u << 5, 13 * 60 + 30, 18 * 60, 60, 0 },
        { (1u << 5) | (1u << 3), 14 * 60, 18 * 60, 60, 1 }, /* Wednesday saves it */
        { (1u << 0) | (1u << 6), 8 * 60, 18 * 60, 60, 0 },  /* weekend: she is off */
        { WAITLIST_ALL_DAYS, 0, 1440, 480, 1 },        /* a whole day fits her 8 hours */
        { WAITLIST_ALL_DAYS, 0, 1440, 481, 0 },
        { WAITLIST_ALL_DAYS, 6 * 60, 8 * 60, 60, 0 },  /* before work */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (waitlist_window_works(week, 5, rows[i].days, rows[i].from, rows[i].to, rows[i].dur) !=
            rows[i].want)
            fail_msg("row %zu", i);
    assert_int_equal(waitlist_window_works(NULL, 0, WAITLIST_ALL_DAYS, 0, 1440, 60), 0);
}

static void test_check_dates(void **state)
{
    (void)state;
    char buf[200];
    const char *field = NULL;
    struct dt_date today = D(2026, 11, 24);
    assert_null(waitlist_check_dates(today, today, today, 90, &field, buf, sizeof buf));
    assert_null(waitlist_check_dates(today, D(2027, 2, 22), today, 90, &field, buf, sizeof buf));
    assert_non_null(waitlist_check_dates(D(2026, 11, 23), today, today, 90, &field, buf,
                                         sizeof buf));
    assert_string_equal(field, "date_from");
    assert_non_null(waitlist_check_dates(D(2026, 12, 2), D(2026, 12, 1), today, 90, &field, buf,
                                         sizeof buf));
    assert_string_equal(field, "date_to");
    assert_non_null(waitlist_check_dates(today, D(2027, 2, 23), today, 90, &field, buf,
                                         sizeof buf));
    assert_string_equal(field, "date_to");
    assert_non_null(strstr(buf, "2027-02-22"));
    assert_non_null(waitlist_check_dates(D(2027, 3, 1), D(2027, 3, 2), today, 90, &field, buf,
                                         sizeof buf));
    assert_string_equal(field, "date_from");
}

static void test_check_days(void **state)
{
    (void)state;
    assert_null(waitlist_check_days(WAITLIST_WEEKDAYS));
    assert_null(waitlist_check_days(1));
    assert_non_null(waitlist_check_days(0));
    assert_non_null(waitlist_check_days(0x80));
}

static void test_offer_expiry(void **state)
{
    (void)state;
    int64_t now = 1000000;
    /* far away: the time to live */
    assert_int_equal(waitlist_offer_expiry(now, now + 86400, 180, 120), now + 7200);
    /* close: the notice cut-off comes first */
    assert_int_equal(waitlist_offer_expiry(now, now + 4 * 3600, 180, 120), now + 3600);
    /* exactly at the cut-off: nothing left to offer */
    assert_int_equal(waitlist_offer_expiry(now, now + 3 * 3600, 180, 120), now);
    assert_true(waitlist_offer_expiry(now, now + 3600, 180, 120) < now);
}

static void test_days_label(void **state)
{
    (void)state;
    char buf[80];
    assert_string_equal(waitlist_days_label(WAITLIST_ALL_DAYS, buf, sizeof buf), "every day");
    assert_string_equal(waitlist_days_label(WAITLIST_WEEKDAYS, buf, sizeof buf),
                        "Monday to Friday");
    assert_string_equal(waitlist_days_label(1u << 6, buf, sizeof buf), "Saturday");
    assert_string_equal(waitlist_days_label(1u | (1u << 6), buf, sizeof buf),
                        "Saturday and Sunday");
    assert_string_equal(waitlist_days_label((1u << 1) | (1u << 3) | (1u << 5), buf, sizeof buf),
                        "Monday, Wednesday and Friday");
    char small[8];
    waitlist_days_label(1u << 3, small, sizeof small); /* cut, still terminated */
    assert_true(strlen(small) < sizeof small);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matches),     cmocka_unit_test(test_check_window),
        cmocka_unit_test(test_window_works),
        cmocka_unit_test(test_check_dates), cmocka_unit_test(test_check_days),
        cmocka_unit_test(test_offer_expiry), cmocka_unit_test(test_days_label),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
