/* Unit tests for core/remind (when reminders are due, also across the DST
 * changes in Anchorage) and core/phone (E.164 for text messages).  The DST
 * rows load America/Anchorage from the system tz database to turn wall
 * times into instants and back; remind itself never sees a timezone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/datetime.h"
#include "core/phone.h"
#include "core/remind.h"
#include "core/tz.h"
#include "util/tzload.h"

static int64_t at(const char *rfc3339)
{
    int64_t t;
    int off;
    if (dt_parse_rfc3339(rfc3339, &t, &off) < 0)
        fail_msg("bad time in the test: %s", rfc3339);
    return t;
}

/* The appointment's start (wall time with its offset) and lead time, and
 * the due instant as the clinic's wall clock shows it. */
static void test_due_across_dst(void **state)
{
    static const struct {
        const char *start;
        int hours;
        const char *want_local, *want_utc;
    } rows[] = {
        /* an ordinary day */
        {"2026-11-26T10:00:00-09:00", 24, "2026-11-25T10:00:00-09:00", "2026-11-25T19:00:00Z"},
        {"2026-11-26T10:00:00-09:00", 3, "2026-11-26T07:00:00-09:00", "2026-11-26T16:00:00Z"},
        /* fall-back, 2026-11-01 02:00 AKDT -> 01:00 AKST: 24 real hours
         * before 10:00 AKST is 11:00 AKDT the day before */
        {"2026-11-01T10:00:00-09:00", 24, "2026-10-31T11:00:00-08:00", "2026-10-31T19:00:00Z"},
        {"2026-11-02T10:00:00-09:00", 48, "2026-10-31T11:00:00-08:00", "2026-10-31T19:00:00Z"},
        /* the repeated hour: 01:00 comes twice, an hour apart */
        {"2026-11-01T10:00:00-09:00", 10, "2026-11-01T01:00:00-08:00", "2026-11-01T09:00:00Z"},
        {"2026-11-01T10:00:00-09:00", 9, "2026-11-01T01:00:00-09:00", "2026-11-01T10:00:00Z"},
        /* spring-forward, 2026-03-08 02:00 AKST -> 03:00 AKDT: 24 real
         * hours before 10:00 AKDT is 09:00 AKST the day before */
        {"2026-03-08T10:00:00-08:00", 24, "2026-03-07T09:00:00-09:00", "2026-03-07T18:00:00Z"},
        {"2026-03-09T10:00:00-08:00", 48, "2026-03-07T09:00:00-09:00", "2026-03-07T18:00:00Z"},
        {"2026-03-08T10:00:00-08:00", 7, "2026-03-08T03:00:00-08:00", "2026-03-08T11:00:00Z"},
        {"2026-03-08T10:00:00-08:00", 8, "2026-03-08T01:00:00-09:00", "2026-03-08T10:00:00Z"},
    };
    struct tz *tz = NULL;
    char err[256];
    (void)state;
    if (tzload_load("America/Anchorage", &tz, err, sizeof err) != 0)
        fail_msg("tzload_load: %s", err);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int64_t due = remind_due(at(rows[i].start), rows[i].hours);
        char local[40];
        dt_format_rfc3339(due, tz_offset_at(tz, due), local, sizeof local);
        if (strcmp(local, rows[i].want_local) != 0 || due != at(rows[i].want_utc))
            fail_msg("row %zu: %d h before %s is %s, want %s (%s)", i, rows[i].hours,
                     rows[i].start, local, rows[i].want_local, rows[i].want_utc);
        /* 24 real hours, not the same wall time */
        assert_int_equal(at(rows[i].start) - due, (int64_t)rows[i].hours * 3600);
    }
    tz_free(tz);
}

static void test_pick_and_next(void **state)
{
    const int64_t start = at("2026-11-26T10:00:00-09:00"), H = 3600;
    const int both[] = {24, 3}, one[] = {24, 0}, none[] = {0, 0}, swapped[] = {3, 24};
    static const char *const label[] = {"both", "one", "none", "swapped"};
    const int *sets[] = {both, one, none, swapped};
    static const struct {
        int set;
        int64_t anchor_before, now_before; /* seconds before start */
        int want;
        int64_t want_next_before; /* -1 = none */
    } rows[] = {
        /* booked a week ahead */
        {0, 168 * 3600, 25 * 3600, 0, 24 * 3600},      /* nothing due yet */
        {0, 168 * 3600, 24 * 3600 + 1, 0, 24 * 3600},  /* one second early */
        {0, 168 * 3600, 24 * 3600, 24, 3 * 3600},      /* exactly due */
        {0, 168 * 3600, 10 * 3600, 24, 3 * 3600},
        {0, 168 * 3600, 3 * 3600, 3, -1},              /* the second one */
        {0, 168 * 3600, 1, 3, -1},                     /* an outage: the latest due only */
        {0, 168 * 3600, 0, 0, -1},                     /* started: nothing */
        {0, 168 * 3600, -60, 0, -1},
        {2, 168 * 3600, 1 * 3600, 0, -1},              /* reminders off */
        {1, 168 * 3600, 2 * 3600, 24, -1},             /* only a 24 h one */
        {3, 168 * 3600, 20 * 3600, 24, 3 * 3600},      /* order does not matter */
        {3, 168 * 3600, 2 * 3600, 3, -1},
        /* booked (or moved) inside the window: no stale reminder */
        {0, 5 * 3600, 5 * 3600, 0, 3 * 3600},          /* 24 h one would be 19 h late */
        {0, 5 * 3600, 3 * 3600, 3, -1},                /* the 3 h one still comes */
        {0, 2 * 3600, 1 * 3600, 0, -1},                /* booked 2 h ahead: none */
        {0, 24 * 3600, 24 * 3600, 24, 3 * 3600},       /* booked exactly at the due instant */
        {0, 24 * 3600 - 1, 23 * 3600, 0, 3 * 3600},    /* a second after it */
    };
    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const int *h = sets[rows[i].set];
        int64_t anchor = start - rows[i].anchor_before, now = start - rows[i].now_before;
        int got = remind_pick(h, 2, start, anchor, now);
        int64_t next = remind_next(h, 2, start, anchor, now);
        int64_t want_next = rows[i].want_next_before < 0 ? 0 : start - rows[i].want_next_before;
        if (got != rows[i].want || next != want_next)
            fail_msg("row %zu (%s): pick %d, want %d; next %lld, want %lld", i,
                     label[rows[i].set], got, rows[i].want, (long long)next,
                     (long long)want_next);
    }
    assert_int_equal(remind_due(start, 24), start - 24 * H);
}

static void test_phone_e164(void **state)
{
    static const struct {
        const char *in, *want; /* want NULL = not usable */
    } rows[] = {
        {"907 555 0100", "+19075550100"},
        {"(907) 555-0142", "+19075550142"},
        {"907.555.0142", "+19075550142"},
        {"1-907-555-0142", "+19075550142"},
        {"+1 907 555 0142", "+19075550142"},
        {"+44 20 7946 0958", "+442079460958"},
        {"0044 20 7946 0958", "+442079460958"},
        {"  +49 (30) 123456", "+4930123456"},
        {"9075550142", "+19075550142"},
        {"19075550142", "+19075550142"},
        {"", NULL},
        {"555-0142", NULL},                 /* no area code */
        {"107 555 0142", NULL},             /* area code starts with 1 */
        {"907 155 0142", NULL},             /* exchange starts with 1 */
        {"29075550142", NULL},              /* 11 digits not after a 1 */
        {"907 555 0142 ext 12", NULL},
        {"907-555-0142x12", NULL},
        {"+0 123 456 789", NULL},
        {"+1234567", NULL},                 /* 7 digits */
        {"+1234567890123456", NULL},        /* 16 digits */
        {"++19075550142", NULL},
        {"9O7 555 0142", NULL},             /* a letter O */
        {"12345678901234567890123456789012345", NULL},
    };
    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char out[PHONE_E164_MAX];
        int rc = phone_e164(rows[i].in, out);
        if (rows[i].want ? (rc != 0 || strcmp(out, rows[i].want) != 0) : (rc != -1 || out[0]))
            fail_msg("row %zu: phone_e164(\"%s\") = %d \"%s\", want %s", i, rows[i].in, rc,
                     out, rows[i].want ? rows[i].want : "not usable");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_due_across_dst),
        cmocka_unit_test(test_pick_and_next),
        cmocka_unit_test(test_phone_e164),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
