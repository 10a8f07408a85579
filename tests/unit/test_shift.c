/* Unit tests for core/shift.c: one weekday's hours as typed (valid, each
 * kind of mistake, "not working"), and whether a booked appointment still
 * fits a week (inside the hours, clear of breaks, edges touching). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/shift.h"

#define H(h, m) ((h) * 60 + (m))
/* a break row on 08:00-16:00: the hours are saved, the break is not */
#define BAD_BREAK(bs, be, msg)                                                              \
    {"08:00", "16:00", bs, be, 0, -1, 1, H(8, 0), H(16, 0), 0, 0, 0, NULL, msg}

static void test_read_day(void **state)
{
    static const struct {
        const char *start, *end, *bstart, *bend;
        int off;
        int rc, has_work, work_start, work_end, has_break, break_start, break_end;
        const char *err_hours, *err_break; /* a fragment of the message, or NULL */
    } rows[] = {
        /* valid */
        {"08:00", "16:00", "12:00", "12:30", 0,
         0, 1, H(8, 0), H(16, 0), 1, H(12, 0), H(12, 30), NULL, NULL},
        {"08:00", "16:00", "", "", 0, 0, 1, H(8, 0), H(16, 0), 0, 0, 0, NULL, NULL},
        {"09:00", "24:00", "", "", 0, 0, 1, H(9, 0), 1440, 0, 0, 0, NULL, NULL},
        /* "not working" wins over whatever else was typed */
        {"xx", "", "1", "", 1, 0, 0, 0, 0, 0, 0, 0, NULL, NULL},
        {"", "", "", "", 1, 0, 0, 0, 0, 0, 0, 0, NULL, NULL},
        /* hours (NULL reads as empty) */
        {NULL, NULL, NULL, NULL, 0, -1, 0, 0, 0, 0, 0, 0, "Give the start and the end", NULL},
        {"", "16:00", "", "", 0, -1, 0, 0, 0, 0, 0, 0, "Give the start and the end", NULL},
        {"8am", "16:00", "", "", 0, -1, 0, 0, 0, 0, 0, 0, "HH:MM", NULL},
        {"08:00", "16:60", "", "", 0, -1, 0, 0, 0, 0, 0, 0, "HH:MM", NULL},
        {"8:00", "16:00", "", "", 0, -1, 0, 0, 0, 0, 0, 0, "HH:MM", NULL},
        {"16:00", "08:00", "", "", 0, -1, 0, 0, 0, 0, 0, 0, "before the end", NULL},
        {"08:00", "08:00", "", "", 0, -1, 0, 0, 0, 0, 0, 0, "before the end", NULL},
        /* breaks */
        BAD_BREAK("12:00", "", "both ends"),
        BAD_BREAK("", "12:30", "both ends"),
        BAD_BREAK("noon", "12:30", "HH:MM"),
        BAD_BREAK("12:30", "12:00", "start before it ends"),
        BAD_BREAK("07:00", "09:00", "inside the working hours"),
        BAD_BREAK("08:00", "08:30", "inside the working hours"),
        BAD_BREAK("15:30", "16:00", "inside the working hours"),
        {"08:00", "16:00", "08:01", "15:59", 0,
         0, 1, H(8, 0), H(16, 0), 1, H(8, 1), H(15, 59), NULL, NULL},
        /* both wrong at once: both messages */
        {"16:00", "08:00", "12:00", "", 0, -1, 0, 0, 0, 0, 0, 0, "before the end", "both ends"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct shift_day d;
        int rc = shift_read_day(rows[i].start, rows[i].end, rows[i].bstart, rows[i].bend,
                                rows[i].off, &d);
        if (rc != rows[i].rc || d.has_work != rows[i].has_work ||
            d.has_break != rows[i].has_break)
            fail_msg("row %zu: rc %d has_work %d has_break %d", i, rc, d.has_work, d.has_break);
        if (d.has_work) {
            assert_int_equal(d.work_start, rows[i].work_start);
            assert_int_equal(d.work_end, rows[i].work_end);
        }
        if (d.has_break) {
            assert_int_equal(d.break_start, rows[i].break_start);
            assert_int_equal(d.break_end, rows[i].break_end);
        }
        if ((rows[i].err_hours == NULL) != (d.err_hours == NULL) ||
            (rows[i].err_hours && !strstr(d.err_hours, rows[i].err_hours)))
            fail_msg("row %zu: hours message \"%s\"", i, d.err_hours ? d.err_hours : "(none)");
        if ((rows[i].err_break == NULL) != (d.err_break == NULL) ||
            (rows[i].err_break && !strstr(d.err_break, rows[i].err_break)))
            fail_msg("row %zu: break message \"%s\"", i, d.err_break ? d.err_break : "(none)");
    }
}

static void test_fits(void **state)
{
    /* Monday 08:00-16:00 with a break 12:00-12:30; Wednesday two spans
     * 08:00-12:00 and 13:00-17:00. */
    static const struct shift_span work[] = {
        {1, H(8, 0), H(16, 0)}, {3, H(8, 0), H(12, 0)}, {3, H(13, 0), H(17, 0)}};
    static const struct shift_span breaks[] = {{1, H(12, 0), H(12, 30)}};
    static const struct {
        int wd, start, end, fits;
    } rows[] = {
        {1, H(8, 0), H(9, 0), 1},     /* at the start */
        {1, H(15, 0), H(16, 0), 1},   /* ends exactly at the end */
        {1, H(7, 45), H(8, 45), 0},   /* starts before the hours */
        {1, H(15, 30), H(16, 30), 0}, /* runs past the end */
        {1, H(11, 0), H(12, 0), 1},   /* ends as the break starts */
        {1, H(12, 30), H(13, 30), 1}, /* starts as the break ends */
        {1, H(11, 30), H(12, 30), 0}, /* over the break */
        {1, H(12, 10), H(12, 20), 0}, /* inside the break */
        {2, H(9, 0), H(10, 0), 0},    /* Tuesday: not working */
        {3, H(11, 0), H(12, 0), 1},   /* Wednesday, first span */
        {3, H(11, 30), H(13, 30), 0}, /* across the gap between spans */
        {3, H(16, 0), H(17, 0), 1},   /* Wednesday, second span */
        {0, H(9, 0), H(10, 0), 0},    /* Sunday */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (shift_fits(work, 3, breaks, 1, rows[i].wd, rows[i].start, rows[i].end) !=
            rows[i].fits)
            fail_msg("row %zu: expected fits = %d", i, rows[i].fits);
    assert_int_equal(shift_fits(NULL, 0, NULL, 0, 1, H(9, 0), H(10, 0)), 0); /* no hours */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_day),
        cmocka_unit_test(test_fits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
