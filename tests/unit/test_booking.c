/* Unit tests for core/booking.c: notice, horizon, rounding to the grid
 * (across the DST change), late cancellation and client details. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/booking.h"
#include "core/datetime.h"
#include "util/tzload.h"

static const struct booking_rules clinic = {180, 90, 15, 24};

static int64_t at(const char *s)
{
    int64_t t;
    int off;
    if (dt_parse_rfc3339(s, &t, &off) < 0)
        fail_msg("bad time %s", s);
    return t;
}

static void test_rules_for_service(void **state)
{
    struct booking_rules r = booking_rules_for(&clinic, -1, -1, -1);
    assert_memory_equal(&r, &clinic, sizeof r);
    r = booking_rules_for(&clinic, 60, 30, 48);
    assert_int_equal(r.min_notice_min, 60);
    assert_int_equal(r.horizon_days, 30);
    assert_int_equal(r.late_cancel_hours, 48);
    assert_int_equal(r.grid_min, 15);
    r = booking_rules_for(&clinic, 0, -1, 0); /* 0 is a real override */
    assert_int_equal(r.min_notice_min, 0);
    assert_int_equal(r.late_cancel_hours, 0);
}

static void test_check_time(void **state)
{
    int64_t now = at("2026-11-24T09:00:00-09:00");
    static const struct {
        const char *start;
        enum booking_time want;
    } rows[] = {
        {"2026-11-24T08:59:00-09:00", BOOKING_IN_PAST},
        {"2026-11-24T09:00:00-09:00", BOOKING_IN_PAST},
        {"2026-11-24T09:15:00-09:00", BOOKING_TOO_SOON},
        {"2026-11-24T11:45:00-09:00", BOOKING_TOO_SOON},
        {"2026-11-24T11:59:59-09:00", BOOKING_TOO_SOON},
        {"2026-11-24T12:00:00-09:00", BOOKING_TIME_OK},
        {"2027-02-22T09:00:00-09:00", BOOKING_TIME_OK}, /* exactly 90 days */
        {"2027-02-22T09:15:00-09:00", BOOKING_TOO_FAR},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        assert_int_equal(booking_check_time(&clinic, now, at(rows[i].start)), rows[i].want);
}

static void test_round_up_on_local_grid(void **state)
{
    struct tz *tz;
    char err[128];
    if (tzload_load("America/Anchorage", &tz, err, sizeof err) < 0)
        fail_msg("%s", err);
    static const struct {
        const char *t, *want;
    } rows[] = {
        {"2026-11-24T12:00:00-09:00", "2026-11-24T12:00:00-09:00"},
        {"2026-11-24T12:00:01-09:00", "2026-11-24T12:15:00-09:00"},
        {"2026-11-24T11:46:00-09:00", "2026-11-24T12:00:00-09:00"},
        /* spring forward: 02:00-02:59 does not exist; 01:50 AKST → 03:00 AKDT */
        {"2026-03-08T01:50:00-09:00", "2026-03-08T03:00:00-08:00"},
        /* fall back: the repeated 01:xx hour, second pass */
        {"2026-11-01T01:20:00-09:00", "2026-11-01T01:30:00-09:00"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        assert_int_equal(booking_round_up(&clinic, tz, at(rows[i].t)), at(rows[i].want));
    tz_free(tz);
}

/* Issue 13 item 17: a grid divides an hour; a stored one that does not is
 * read as the largest one below it. */
static void test_grid_divides_hour(void **state)
{
    (void)state;
    for (int g = -1; g <= 61; g++) {
        int ok = g == 5 || g == 10 || g == 15 || g == 20 || g == 30 || g == 60;
        if (booking_grid_ok(g) != ok)
            fail_msg("booking_grid_ok(%d) = %d", g, booking_grid_ok(g));
        int f = booking_grid_fix(g);
        if (!booking_grid_ok(f) || (ok && f != g) || (g >= 5 && g <= 60 && f > g))
            fail_msg("booking_grid_fix(%d) = %d", g, f);
    }
    assert_int_equal(booking_grid_fix(25), 20);
    assert_int_equal(booking_grid_fix(45), 30);
    assert_int_equal(booking_grid_fix(7), 5);
    assert_int_equal(booking_grid_fix(59), 30);
    assert_int_equal(booking_grid_fix(0), 5);
    assert_int_equal(booking_grid_fix(90), 60);
}

static void test_service_no_openings(void **state)
{
    (void)state;
    assert_null(booking_service_no_openings(1, 1));
    assert_null(booking_service_no_openings(4, 3));
    assert_string_equal(booking_service_no_openings(0, 2), "no active therapist offers it");
    assert_string_equal(booking_service_no_openings(2, 0), "no room suits it");
    assert_string_equal(booking_service_no_openings(0, 0),
                        "no active therapist offers it and no room suits it");
}

static void test_late_cancel(void **state)
{
    int64_t start = at("2026-11-25T10:00:00-09:00");
    assert_false(booking_is_late_cancel(&clinic, at("2026-11-24T10:00:00-09:00"), start));
    assert_true(booking_is_late_cancel(&clinic, at("2026-11-24T10:00:01-09:00"), start));
    assert_true(booking_is_late_cancel(&clinic, at("2026-11-25T09:00:00-09:00"), start));
}

static void test_client_details(void **state)
{
    static const struct {
        const char *name, *email, *phone;
        int ok;
    } rows[] = {
        {"Ana Lee", "ana@example.com", "907 555 0100", 1},
        {"Ana Lee", "ana@example.com", "", 1},
        {"Ana Lee", "ana@example.com", NULL, 1},
        {"Ana Lee", "ana+spa@mail.example.org", "+1 (907) 555-0100", 1},
        {"", "ana@example.com", "", 0},
        {"   ", "ana@example.com", "", 0},
        {"Ana\nLee", "ana@example.com", "", 0},
        {"Ana", "", "", 0},
        {"Ana", "ana", "", 0},
        {"Ana", "ana@", "", 0},
        {"Ana", "@example.com", "", 0},
        {"Ana", "ana@example", "", 0},
        {"Ana", "ana@@example.com", "", 0},
        {"Ana", "ana @example.com", "", 0},
        {"Ana", "ana@example.com.", "", 0},
        {"Ana", "ana@example.com", "call me", 0},
        {"Ana", "ana@example.com", "12345", 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *why = booking_check_name(rows[i].name);
        if (!why)
            why = booking_check_email(rows[i].email);
        if (!why)
            why = booking_check_phone(rows[i].phone);
        if (rows[i].ok && why)
            fail_msg("row %zu refused: %s", i, why);
        if (!rows[i].ok && !why)
            fail_msg("row %zu accepted", i);
    }
    char longname[200];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_non_null(booking_check_name(longname));
    assert_null(booking_check_notes("left shoulder"));
}

/* the desk: an e-mail, or else a phone a text can go to */
static void test_desk_contact(void **state)
{
    (void)state;
    assert_null(booking_check_desk_contact("ana@example.com", ""));
    assert_null(booking_check_desk_contact("ana@example.com", NULL));
    assert_null(booking_check_desk_contact("", "(907) 555-0142"));
    assert_null(booking_check_desk_contact(NULL, "+44 20 7946 0018"));
    assert_null(booking_check_desk_contact("", "1-907-555-0142"));
    const char *both = booking_check_desk_contact("", "");
    assert_non_null(both);
    assert_non_null(strstr(both, "e-mail address or phone number"));
    assert_non_null(booking_check_desk_contact(NULL, NULL));
    assert_non_null(booking_check_desk_contact("", "555 0142"));          /* no area code */
    assert_non_null(booking_check_desk_contact("", "907 555 0142 x5"));   /* an extension */
    assert_non_null(booking_check_desk_contact("", "call me"));
    assert_non_null(booking_check_desk_contact("ana@", "907 555 0142"));  /* a bad e-mail */
}

static void test_same_client(void **state)
{
    (void)state;
    static const struct {
        const char *ea, *pa, *eb, *pb;
        int same;
    } rows[] = {
        {"ana@example.com", "", "ana@example.com", "", 1},
        {"Ana@Example.COM", "", "ana@example.com", "", 1},
        {" ana@example.com ", "", "ana@example.com", "", 1},
        {"ana@example.com", "", "anna@example.com", "", 0},
        {"ana@example.com", "", "ana@example.co", "", 0},
        {"a@example.com", "(907) 555-0142", "b@example.com", "+1 907 555 0142", 1},
        {"a@example.com", "907.555.0142", "b@example.com", "19075550142", 1},
        {"a@example.com", "907 555 0142", "b@example.com", "907 555 0143", 0},
        {"a@example.com", "555-0142", "b@example.com", "555-0142", 0}, /* not E.164 */
        {"a@example.com", "", "b@example.com", "", 0},
        {"", "", "", "", 0},
        {NULL, NULL, "ana@example.com", "907 555 0142", 0},
        {"ana@example.com", NULL, NULL, NULL, 0},
        {"+44 20 7946 0958", "", "b@example.com", "+442079460958", 0},
        {"a@example.com", "+44 20 7946 0958", "b@example.com", "0044 20 7946 0958", 1},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (booking_same_client(rows[i].ea, rows[i].pa, rows[i].eb, rows[i].pb) != rows[i].same)
            fail_msg("row %zu", i);
        if (booking_same_client(rows[i].eb, rows[i].pb, rows[i].ea, rows[i].pa) != rows[i].same)
            fail_msg("row %zu (swapped)", i);
    }
}

static void test_overlaps(void **state)
{
    (void)state;
    static const struct {
        int64_t s1, e1, s2, e2;
        int overlap;
    } rows[] = {
        {100, 200, 100, 200, 1}, {100, 200, 150, 250, 1}, {100, 200, 50, 101, 1},
        {100, 200, 120, 130, 1}, {100, 200, 200, 300, 0}, {100, 200, 0, 100, 0},
        {100, 200, 300, 400, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (booking_overlaps(rows[i].s1, rows[i].e1, rows[i].s2, rows[i].e2) != rows[i].overlap)
            fail_msg("row %zu", i);
        if (booking_overlaps(rows[i].s2, rows[i].e2, rows[i].s1, rows[i].e1) != rows[i].overlap)
            fail_msg("row %zu (swapped)", i);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_desk_contact),
        cmocka_unit_test(test_rules_for_service),
        cmocka_unit_test(test_check_time),
        cmocka_unit_test(test_round_up_on_local_grid),
        cmocka_unit_test(test_grid_divides_hour),
        cmocka_unit_test(test_service_no_openings),
        cmocka_unit_test(test_late_cancel),
        cmocka_unit_test(test_client_details),
        cmocka_unit_test(test_same_client),
        cmocka_unit_test(test_overlaps),
    };
    return cmocka_run_group_tests_name("booking", tests, NULL, NULL);
}
