/* Unit tests for core/intake.c: the health form's checks field by field
 * (date of birth, pain, onset, codes, consent), the insurance request and
 * outcome checks, and dollars to cents.  Table-driven where rows help. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/intake.h"

static const struct dt_date today = {2026, 11, 24};

static struct intake_input good(void)
{
    struct intake_input in = {
        .email = "jane@example.com",
        .phone = "(907) 555-0100",
        .birth_date = "1980-04-30",
        .emergency_name = "John Doe",
        .emergency_phone = "907-555-0101",
        .reason = "Lower back pain",
        .areas = "lower_back,hips",
        .pain = "6",
        .onset = "sudden_lifting",
        .onset_other = "",
        .worse = "Sitting",
        .better = "Walking",
        .treatments = "rest,heat_cold",
        .conditions = "",
        .conditions_other = "",
        .medications = "",
        .pressure = "firm",
        .consent_name = "  jane DOE ",
    };
    return in;
}

/* The field of the only problem of in, or NULL when there is none. */
static const char *only_problem(const struct intake_input *in, int *pain)
{
    struct intake_problem p[20];
    size_t n = intake_check(in, "Jane Doe", today, pain, p, 20);
    if (n == 0)
        return NULL;
    assert_int_equal(n, 1);
    assert_non_null(p[0].msg);
    return p[0].field;
}

static void test_good_form(void **state)
{
    struct intake_input in = good();
    int pain = -1;
    assert_null(only_problem(&in, &pain));
    assert_int_equal(pain, 6);
}

static void test_fields_one_by_one(void **state)
{
    static const struct {
        const char *field, *value, *problem; /* problem NULL = accepted */
    } rows[] = {
        {"birth_date", "2026-11-24", "birth_date"}, /* today is not in the past */
        {"birth_date", "2026-11-23", NULL},
        {"birth_date", "1980-02-30", "birth_date"},
        {"birth_date", "30/04/1980", "birth_date"},
        {"birth_date", "1900-01-01", "birth_date"}, /* more than 120 years */
        {"birth_date", "", "birth_date"},
        {"pain", "0", NULL},
        {"pain", "10", NULL},
        {"pain", "11", "pain"},
        {"pain", "-1", "pain"},
        {"pain", "5.5", "pain"},
        {"pain", "", "pain"},
        {"pain", "0007", "pain"},
        {"onset", "", "onset"},
        {"onset", "sneezing", "onset"},
        {"onset", "gradual_work", NULL},
        {"areas", "", NULL},
        {"areas", "lower_back,lower_back", "areas"},
        {"areas", "tail", "areas"},
        {"areas", "lower_back,", "areas"},
        {"treatments", "acupuncture", "treatments"},
        {"conditions", "pregnancy,blood_thinners", NULL},
        {"conditions", "diabetes", "conditions"},
        {"pressure", "", "pressure"},
        {"pressure", "extreme", "pressure"},
        {"pressure", "deep", NULL},
        {"consent_name", "Jane", "consent_name"},
        {"consent_name", "", "consent_name"},
        {"consent_name", "JANE DOE", NULL},
        {"phone", "", "phone"},
        {"phone", "call me", "phone"},
        {"email", "jane", "email"},
        {"emergency_name", "   ", "emergency_name"},
        {"emergency_phone", "12", "emergency_phone"},
        {"reason", "", "reason"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct intake_input in = good();
        const char **slot = NULL;
        if (strcmp(rows[i].field, "birth_date") == 0) slot = &in.birth_date;
        else if (strcmp(rows[i].field, "pain") == 0) slot = &in.pain;
        else if (strcmp(rows[i].field, "onset") == 0) slot = &in.onset;
        else if (strcmp(rows[i].field, "areas") == 0) slot = &in.areas;
        else if (strcmp(rows[i].field, "treatments") == 0) slot = &in.treatments;
        else if (strcmp(rows[i].field, "conditions") == 0) slot = &in.conditions;
        else if (strcmp(rows[i].field, "pressure") == 0) slot = &in.pressure;
        else if (strcmp(rows[i].field, "consent_name") == 0) slot = &in.consent_name;
        else if (strcmp(rows[i].field, "phone") == 0) slot = &in.phone;
        else if (strcmp(rows[i].field, "email") == 0) slot = &in.email;
        else if (strcmp(rows[i].field, "emergency_name") == 0) slot = &in.emergency_name;
        else if (strcmp(rows[i].field, "emergency_phone") == 0) slot = &in.emergency_phone;
        else if (strcmp(rows[i].field, "reason") == 0) slot = &in.reason;
        assert_non_null(slot);
        *slot = rows[i].value;
        const char *got = only_problem(&in, NULL);
        if (rows[i].problem == NULL && got != NULL)
            fail_msg("row %zu: %s=%s refused as %s", i, rows[i].field, rows[i].value, got);
        if (rows[i].problem != NULL && (got == NULL || strcmp(got, rows[i].problem) != 0))
            fail_msg("row %zu: %s=%s: expected a problem with %s, got %s", i, rows[i].field,
                     rows[i].value, rows[i].problem, got ? got : "none");
    }
}

static void test_other_needs_description(void **state)
{
    struct intake_input in = good();
    in.onset = "other";
    assert_string_equal(only_problem(&in, NULL), "onset_other");
    in.onset_other = "Slipped on ice";
    assert_null(only_problem(&in, NULL));
    in.conditions = "other";
    assert_string_equal(only_problem(&in, NULL), "conditions_other");
    in.conditions_other = "Diabetes";
    assert_null(only_problem(&in, NULL));
}

static void test_lengths_and_many_problems(void **state)
{
    char longtext[1200];
    memset(longtext, 'a', sizeof longtext - 1);
    longtext[sizeof longtext - 1] = '\0';
    struct intake_input in = good();
    in.medications = longtext; /* over 1,000 */
    assert_string_equal(only_problem(&in, NULL), "medications");
    longtext[1000] = '\0';
    assert_null(only_problem(&in, NULL));
    longtext[201] = '\0';
    in.reason = longtext;
    assert_string_equal(only_problem(&in, NULL), "reason");

    struct intake_input empty = {"", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "",
                                 "", ""};
    struct intake_problem p[3];
    size_t n = intake_check(&empty, "Jane Doe", today, NULL, p, 3);
    assert_true(n > 3); /* counts all, writes the first 3 */
    assert_string_equal(p[0].field, "email");
    assert_string_equal(p[1].field, "phone");
    assert_string_equal(p[2].field, "birth_date");
}

static void test_codes(void **state)
{
    size_t n;
    const struct intake_choice *c = intake_conditions(&n);
    assert_int_equal(n, 7);
    assert_string_equal(intake_label(c, n, "pregnancy"), "Pregnancy");
    assert_null(intake_label(c, n, "nope"));
    assert_true(intake_has_code("a,pregnancy,b", "pregnancy"));
    assert_false(intake_has_code("a,pregnancyx", "pregnancy"));
    assert_false(intake_has_code("", "pregnancy"));
}

static void test_dollars(void **state)
{
    static const struct {
        const char *in;
        int cents; /* -1 = refused */
    } rows[] = {
        {"25", 2500}, {"25.5", 2550}, {"$25.50", 2550}, {" $1,234.05 ", 123405}, {"0", 0},
        {".5", 50},   {"100000", 10000000}, {"100000.01", -1}, {"25.555", -1}, {"-5", -1},
        {"", -1},     {"$", -1}, {"25.", -1}, {"abc", -1}, {",5", -1}, {"1e3", -1},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int c = -7;
        int rc = insurance_parse_dollars(rows[i].in, &c);
        if (rows[i].cents < 0) {
            if (rc == 0)
                fail_msg("'%s' accepted as %d", rows[i].in, c);
            assert_int_equal(c, -7);
        } else {
            if (rc != 0)
                fail_msg("'%s' refused", rows[i].in);
            assert_int_equal(c, rows[i].cents);
        }
    }
}

static void test_insurance_request(void **state)
{
    struct intake_problem p[8];
    struct insurance_input in = {"Premera Blue Cross", "ABC-123 45", "", "Jane Doe", "self"};
    assert_int_equal(insurance_check_request(&in, p, 8), 0);
    struct insurance_input bad = {"", "AB#12", "G/1", "", "cousin"};
    assert_int_equal(insurance_check_request(&bad, p, 8), 5);
    assert_string_equal(p[0].field, "carrier");
    assert_string_equal(p[1].field, "member_id");
    assert_string_equal(p[2].field, "group_number");
    assert_string_equal(p[3].field, "holder_name");
    assert_string_equal(p[4].field, "relation");
}

static void test_insurance_outcome(void **state)
{
    struct intake_problem p[8];
    struct insurance_outcome o;
    struct insurance_outcome_input in = {"partial", "20", "$25", "1,250.00", "yes", "Call first"};
    assert_int_equal(insurance_check_outcome(&in, &o, p, 8), 0);
    assert_int_equal(o.visits, 20);
    assert_int_equal(o.copay_cents, 2500);
    assert_int_equal(o.deductible_cents, 125000);
    assert_int_equal(o.referral, 1);
    struct insurance_outcome_input blanks = {"not_covered", "", "", "", "no", ""};
    assert_int_equal(insurance_check_outcome(&blanks, &o, p, 8), 0);
    assert_int_equal(o.visits, -1);
    assert_int_equal(o.copay_cents, -1);
    assert_int_equal(o.deductible_cents, -1);
    assert_int_equal(o.referral, 0);
    struct insurance_outcome_input bad = {"maybe", "400", "lots", "-3", "", ""};
    assert_int_equal(insurance_check_outcome(&bad, &o, p, 8), 5);
    assert_string_equal(p[0].field, "outcome");
    assert_string_equal(p[1].field, "visits");
    assert_string_equal(p[2].field, "copay");
    assert_string_equal(p[3].field, "deductible");
    assert_string_equal(p[4].field, "referral");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_form),
        cmocka_unit_test(test_fields_one_by_one),
        cmocka_unit_test(test_other_needs_description),
        cmocka_unit_test(test_lengths_and_many_problems),
        cmocka_unit_test(test_codes),
        cmocka_unit_test(test_dollars),
        cmocka_unit_test(test_insurance_request),
        cmocka_unit_test(test_insurance_outcome),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
