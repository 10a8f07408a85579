/* Unit tests for core/referral.c: which appointments count against a
 * referral, the warnings for a new one, picking the referral for a day, and
 * the shape of ICD-10 codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/appt.h"
#include "core/referral.h"

#define D(y, m, d) ((struct dt_date){y, m, d}) /* an argument */
#define DI(y, m, d) {y, m, d}                   /* an initializer */

/* A referral from 2026-11-01 to 2027-01-15 for 3 visits. */
static const struct referral_span R = {{2026, 11, 1}, {2027, 1, 15}, 3};

static void test_used_counts_completed_inside_window(void **state)
{
    (void)state;
    static const struct {
        struct referral_visit v[4];
        size_t n;
        int used, scheduled;
    } rows[] = {
        {{{DI(2026, 11, 1), APPT_COMPLETED}}, 1, 1, 0},    /* first day counts */
        {{{DI(2027, 1, 15), APPT_COMPLETED}}, 1, 1, 0},    /* last day counts */
        {{{DI(2026, 10, 31), APPT_COMPLETED}}, 1, 0, 0},   /* before the referral */
        {{{DI(2027, 1, 16), APPT_COMPLETED}}, 1, 0, 0},    /* after valid-until */
        {{{DI(2026, 12, 1), APPT_CANCELLED}, {DI(2026, 12, 2), APPT_NO_SHOW}}, 2, 0, 0},
        {{{DI(2026, 12, 1), APPT_BOOKED}, {DI(2026, 12, 2), APPT_CHECKED_IN}}, 2, 0, 2},
        {{{DI(2026, 11, 5), APPT_COMPLETED},
          {DI(2026, 11, 12), APPT_COMPLETED},
          {DI(2026, 11, 19), APPT_BOOKED},
          {DI(2027, 2, 1), APPT_BOOKED}},
         4, 2, 1},
        {{{DI(2026, 11, 5), APPT_COMPLETED}}, 0, 0, 0}, /* no appointments */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        assert_int_equal(referral_used(&R, rows[i].v, rows[i].n), rows[i].used);
        assert_int_equal(referral_scheduled(&R, rows[i].v, rows[i].n), rows[i].scheduled);
    }
}

static void test_check_new(void **state)
{
    (void)state;
    struct referral_visit two[] = {{DI(2026, 11, 5), APPT_COMPLETED},
                                   {DI(2026, 11, 12), APPT_BOOKED}};
    struct referral_visit three[] = {{DI(2026, 11, 5), APPT_COMPLETED},
                                     {DI(2026, 11, 12), APPT_COMPLETED},
                                     {DI(2026, 11, 19), APPT_COMPLETED}};
    struct referral_visit old[] = {{DI(2026, 10, 5), APPT_COMPLETED},
                                   {DI(2026, 11, 6), APPT_CANCELLED}};
    static const unsigned over = REFERRAL_OVER_COUNT, exp = REFERRAL_EXPIRED;
    assert_int_equal(referral_check_new(&R, NULL, 0, D(2026, 12, 1)), REFERRAL_FITS);
    assert_int_equal(referral_check_new(&R, two, 2, D(2026, 12, 1)), REFERRAL_FITS); /* 3rd */
    assert_int_equal(referral_check_new(&R, three, 3, D(2026, 12, 1)), over);       /* 4th */
    assert_int_equal(referral_check_new(&R, two, 2, D(2027, 1, 15)), REFERRAL_FITS);
    assert_int_equal(referral_check_new(&R, two, 2, D(2027, 1, 16)), exp);
    assert_int_equal(referral_check_new(&R, three, 3, D(2027, 2, 1)), over | exp);
    assert_int_equal(referral_check_new(&R, old, 2, D(2026, 10, 30)), REFERRAL_NOT_YET);
    assert_int_equal(referral_check_new(&R, old, 2, D(2026, 11, 30)), REFERRAL_FITS);
}

static void test_pick(void **state)
{
    (void)state;
    struct referral_span spans[] = {
        {{2026, 6, 1}, {2026, 8, 31}, 6},
        {{2026, 11, 1}, {2027, 1, 15}, 8},
        {{2026, 9, 1}, {2026, 12, 31}, 4},
    };
    assert_int_equal(referral_pick(spans, 0, D(2026, 11, 24)), -1);
    assert_int_equal(referral_pick(spans, 3, D(2026, 5, 31)), -1);
    assert_int_equal(referral_pick(spans, 3, D(2026, 6, 1)), 0);
    assert_int_equal(referral_pick(spans, 3, D(2026, 10, 1)), 2);
    assert_int_equal(referral_pick(spans, 3, D(2026, 11, 24)), 1);
    assert_int_equal(referral_pick(spans, 3, D(2028, 1, 1)), 1); /* the latest, even expired */
}

static void test_icd10(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out; /* out NULL = refused */
    } rows[] = {
        {"M54.50", "M54.50"}, {"m54.5", "M54.5"},     {"M54", "M54"},
        {"S13.4XXA", "S13.4XXA"}, {"G44.209", "G44.209"}, {"M5450", "M5450"},
        {"M54.", NULL},       {"M54.12345", NULL},    {"54.50", NULL},
        {"M5", NULL},         {"", NULL},             {"M54 50", NULL},
        {"M-4.5", NULL},      {"M54.5-", NULL},       {"MM54.5", NULL},    {"M54.5A", "M54.5A"}, {"M5412345", NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char out[9] = "unset";
        int rc = referral_icd10(rows[i].in, out, sizeof out);
        if (rows[i].out) {
            assert_int_equal(rc, 0);
            assert_string_equal(out, rows[i].out);
        } else {
            assert_int_equal(rc, -1);
            assert_string_equal(out, "unset");
        }
    }
    char small[4];
    assert_int_equal(referral_icd10("M54.50", small, sizeof small), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_used_counts_completed_inside_window),
        cmocka_unit_test(test_check_new),
        cmocka_unit_test(test_pick),
        cmocka_unit_test(test_icd10),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
