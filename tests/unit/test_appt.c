/* Unit tests for core/appt.c: every (from, to) pair of the status machine,
 * names, and the messages of refused changes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/appt.h"

static void test_edges(void **state)
{
    (void)state;
    /* rows: from, to, allowed */
    static const struct {
        enum appt_status from, to;
        int ok;
    } rows[] = {
        {APPT_BOOKED, APPT_BOOKED, 0},          {APPT_BOOKED, APPT_CHECKED_IN, 1},
        {APPT_BOOKED, APPT_COMPLETED, 0},       {APPT_BOOKED, APPT_NO_SHOW, 1},
        {APPT_BOOKED, APPT_CANCELLED, 1},       {APPT_CHECKED_IN, APPT_BOOKED, 0},
        {APPT_CHECKED_IN, APPT_CHECKED_IN, 0},  {APPT_CHECKED_IN, APPT_COMPLETED, 1},
        {APPT_CHECKED_IN, APPT_NO_SHOW, 0},     {APPT_CHECKED_IN, APPT_CANCELLED, 1},
        {APPT_COMPLETED, APPT_BOOKED, 0},       {APPT_COMPLETED, APPT_CHECKED_IN, 0},
        {APPT_COMPLETED, APPT_NO_SHOW, 0},      {APPT_COMPLETED, APPT_CANCELLED, 0},
        {APPT_NO_SHOW, APPT_BOOKED, 0},         {APPT_NO_SHOW, APPT_CHECKED_IN, 0},
        {APPT_NO_SHOW, APPT_COMPLETED, 0},      {APPT_NO_SHOW, APPT_CANCELLED, 0},
        {APPT_CANCELLED, APPT_BOOKED, 0},       {APPT_CANCELLED, APPT_CHECKED_IN, 0},
        {APPT_CANCELLED, APPT_COMPLETED, 0},    {APPT_CANCELLED, APPT_NO_SHOW, 0},
        {APPT_BOOKED, (enum appt_status)99, 0}, {(enum appt_status) - 1, APPT_BOOKED, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (appt_can_move(rows[i].from, rows[i].to) != rows[i].ok)
            fail_msg("row %zu: %d -> %d", i, (int)rows[i].from, (int)rows[i].to);
}

static void test_names(void **state)
{
    (void)state;
    for (int s = 0; s < APPT__COUNT; s++)
        assert_int_equal(appt_status_parse(appt_status_name((enum appt_status)s)), s);
    assert_int_equal(appt_status_parse("Booked"), -1);
    assert_int_equal(appt_status_parse(""), -1);
    assert_int_equal(appt_status_parse(NULL), -1);
    assert_string_equal(appt_status_name((enum appt_status)42), "");
    assert_string_equal(appt_status_label(APPT_NO_SHOW), "No-show");
    assert_true(appt_is_final(APPT_COMPLETED));
    assert_true(appt_is_final(APPT_NO_SHOW));
    assert_true(appt_is_final(APPT_CANCELLED));
    assert_false(appt_is_final(APPT_BOOKED));
    assert_false(appt_is_final(APPT_CHECKED_IN));
    assert_true(appt_needs_reason(APPT_CANCELLED));
    assert_false(appt_needs_reason(APPT_COMPLETED));
}

static void test_check(void **state)
{
    (void)state;
    static const struct {
        const char *from, *to, *reason;
        const char *want; /* NULL = allowed, else a substring of the message */
    } rows[] = {
        {"booked", "checked_in", NULL, NULL},
        {"checked_in", "completed", "", NULL},
        {"booked", "no_show", NULL, NULL},
        {"booked", "cancelled", "client phoned", NULL},
        {"checked_in", "cancelled", "felt unwell", NULL},
        {"booked", "cancelled", "", "reason"},
        {"booked", "cancelled", NULL, "reason"},
        {"booked", "completed", NULL, "Check the client in"},
        {"checked_in", "no_show", NULL, "no-show"},
        {"completed", "cancelled", "x", "already closed"},
        {"cancelled", "booked", NULL, "already closed"},
        {"no_show", "checked_in", NULL, "already closed"},
        {"booked", "booked", NULL, "not allowed"},
        {"booked", "done", NULL, "Choose one of"},
        {"weird", "booked", NULL, "does not know"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *got = appt_check(rows[i].from, rows[i].to, rows[i].reason);
        if (!rows[i].want ? got != NULL : (!got || !strstr(got, rows[i].want)))
            fail_msg("row %zu: %s -> %s: got %s", i, rows[i].from, rows[i].to,
                     got ? got : "(allowed)");
    }
}

/* Status follows the clock: the appointment starts at 10:00 local on a day
 * whose local midnight is D (times in seconds from D). */
static void test_clock(void **state)
{
    (void)state;
    const int64_t D = 1795510800, start = D + 10 * 3600;
    static const struct {
        enum appt_status to;
        int64_t now; /* from D */
        int ok;
    } rows[] = {
        {APPT_CHECKED_IN, -86400, 0},      {APPT_CHECKED_IN, -1, 0},
        {APPT_CHECKED_IN, 0, 1},           {APPT_CHECKED_IN, 9 * 3600, 1},
        {APPT_CHECKED_IN, 2 * 86400, 1},   {APPT_COMPLETED, 0, 0},
        {APPT_COMPLETED, 10 * 3600 - 1, 0}, {APPT_COMPLETED, 10 * 3600, 1},
        {APPT_COMPLETED, 86400, 1},        {APPT_NO_SHOW, -3600, 0},
        {APPT_NO_SHOW, 10 * 3600 - 1, 0},  {APPT_NO_SHOW, 10 * 3600, 1},
        {APPT_CANCELLED, -86400, 1},       {APPT_CANCELLED, 86400, 1},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *why = appt_check_clock(rows[i].to, D + rows[i].now, start, D);
        if ((why == NULL) != rows[i].ok)
            fail_msg("row %zu: %s", i, why ? why : "allowed");
    }
    assert_non_null(strstr(appt_check_clock(APPT_CHECKED_IN, D - 1, start, D), "day of"));
    assert_non_null(strstr(appt_check_clock(APPT_COMPLETED, D, start, D), "started"));
}

static void test_undo(void **state)
{
    (void)state;
    const int64_t T0 = 1795510800, T1 = T0 + 86400; /* today, local */
    static const struct {
        const char *current, *from, *to;
        int64_t at; /* from T0 */
        const char *reason;
        int ok;
    } rows[] = {
        {"checked_in", "booked", "checked_in", 3600, "wrong client", 1},
        {"completed", "checked_in", "completed", 3600, "too early", 1},
        {"no_show", "booked", "no_show", 3600, "arrived late", 1},
        {"no_show", "booked", "no_show", 0, "x", 1},
        {"no_show", "booked", "no_show", 86399, "x", 1},
        {"no_show", "booked", "no_show", -1, "yesterday", 0},
        {"no_show", "booked", "no_show", 86400, "tomorrow", 0},
        {"checked_in", "booked", "checked_in", 3600, "", 0},
        {"checked_in", "booked", "checked_in", 3600, NULL, 0},
        {"completed", "booked", "checked_in", 3600, "moved on since", 0},
        {"cancelled", "booked", "cancelled", 3600, "client phoned", 0},
        {"cancelled", "checked_in", "cancelled", 3600, "client phoned", 0},
        {"booked", "checked_in", "booked", 3600, "undo of an undo", 0},
        {"checked_in", "bogus", "checked_in", 3600, "x", 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *why = appt_check_undo(rows[i].current, rows[i].from, rows[i].to,
                                          T0 + rows[i].at, T0, T1, rows[i].reason);
        if ((why == NULL) != rows[i].ok)
            fail_msg("row %zu: %s", i, why ? why : "allowed");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_clock),
        cmocka_unit_test(test_undo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
