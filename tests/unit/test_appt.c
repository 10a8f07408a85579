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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
