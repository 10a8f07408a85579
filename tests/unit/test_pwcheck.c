/* Unit tests for util/pwcheck.c: Debian's libpwquality with the cracklib
 * word list refuses common passwords and accepts the demo's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "util/pwcheck.h"

static void test_common_passwords_are_refused(void **state)
{
    static const char *const bad[] = {"password123", "1234567890", "qwerty12345",
                                      "password2026", "monkey123456",
                                      "letmein12345", "Sunshine!2026", "2026dragon!!"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *why = pwcheck(bad[i], NULL);
        if (!why)
            fail_msg("'%s' was accepted", bad[i]);
        if (strstr(why, "word list is missing"))
            fail_msg("no cracklib dictionary: install cracklib-runtime (%s)", why);
    }
}

static void test_own_address_is_refused(void **state)
{
    assert_non_null(pwcheck("cara.client@example.com", "cara.client@example.com"));
}

static void test_good_passwords_pass(void **state)
{
    /* the demo's (README) and the tests' own */
    static const char *const good[] = {"demo-admin-pass", "demo-desk-pass",
                                       "demo-therapist-pass", "client-pass-123",
                                       "correct horse battery staple"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        const char *why = pwcheck(good[i], "someone@example.com");
        if (why)
            fail_msg("'%s' was refused: %s", good[i], why);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_common_passwords_are_refused),
        cmocka_unit_test(test_own_address_is_refused),
        cmocka_unit_test(test_good_passwords_pass),
    };
    return cmocka_run_group_tests_name("pwcheck", tests, NULL, NULL);
}
