/* Unit tests for svc/token.c: every secret link has one shape, one hash, and
 * a sealed token opens only under its own key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "svc/token.h"

static void test_new_has_the_shape_and_hash(void **state)
{
    char a[TOKEN_LEN], b[TOKEN_LEN];
    unsigned char ha[STORE_TOKEN_HASH], hb[STORE_TOKEN_HASH], again[STORE_TOKEN_HASH];
    token_new(a, ha);
    token_new(b, NULL);
    assert_int_equal(strlen(a), TOKEN_LEN - 1);
    assert_true(token_valid(a));
    assert_true(token_valid(b));
    assert_string_not_equal(a, b);
    token_hash(a, again);
    assert_memory_equal(ha, again, sizeof ha);
    token_hash(b, hb);
    assert_memory_not_equal(ha, hb, sizeof ha);
}

static void test_valid_refuses_other_shapes(void **state)
{
    static const struct {
        const char *t;
        int ok;
    } cases[] = {
        {"AAAAAAAAAAAAAAAAAAAAAA", 1},
        {"abcdefghij-_0123456789", 1},
        {"AAAAAAAAAAAAAAAAAAAAA", 0},
        {"AAAAAAAAAAAAAAAAAAAAAAA", 0},
        {"AAAAAAAAAAAAAAAAAAAAA=", 0},
        {"AAAAAAAAAAAAAAAAAAAA+/", 0},
        {"AAAAAAAAAAAAAAAAAAAAA%", 0},
        {"", 0},
        {NULL, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(token_valid(cases[i].t), cases[i].ok);
}

static void test_seal_opens_only_under_its_key(void **state)
{
    char t[TOKEN_LEN], out[TOKEN_LEN];
    unsigned char k1[TOKEN_SEAL_KEY], k2[TOKEN_SEAL_KEY], sealed[TOKEN_SEALED_LEN];
    const void *parts[] = {"form-1"};
    const void *other[] = {"form-2"};
    size_t lens[] = {6};
    token_new(t, NULL);
    token_seal_key(k1, "test seal", 1, parts, lens);
    token_seal_key(k2, "test seal", 1, other, lens);
    token_seal(t, k1, sealed);
    assert_int_equal(token_unseal(sealed, sizeof sealed, k1, out), 0);
    assert_string_equal(out, t);
    assert_int_equal(token_unseal(sealed, sizeof sealed, k2, out), -1);
    assert_string_equal(out, "");
    assert_int_equal(token_unseal(sealed, sizeof sealed - 1, k1, out), -1);
    assert_int_equal(token_unseal(NULL, 0, k1, out), -1);
    sealed[30] ^= 1;
    assert_int_equal(token_unseal(sealed, sizeof sealed, k1, out), -1);
}

/* A gift card's code: 4-4-4-4 of the alphabet without look-alikes, all
 * different, and the hash that finds it whatever the case and spacing. */
static void test_code_shape_and_hash(void **state)
{
    (void)state;
    char a[TOKEN_CODE_LEN], b[TOKEN_CODE_LEN];
    unsigned char h1[STORE_TOKEN_HASH], h2[STORE_TOKEN_HASH];
    for (int k = 0; k < 200; k++) {
        token_code_new(a);
        assert_int_equal(strlen(a), 19);
        for (int i = 0; i < 19; i++) {
            if (i % 5 == 4)
                assert_int_equal(a[i], '-');
            else
                assert_non_null(strchr("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", a[i]));
        }
    }
    token_code_new(b);
    assert_string_not_equal(a, b);
    assert_int_equal(token_code_hash(a, h1), 0);
    char typed[64];
    snprintf(typed, sizeof typed, " %.4s %.4s-%.4s%.4s ", a, a + 5, a + 10, a + 15);
    for (char *p = typed; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    assert_int_equal(token_code_hash(typed, h2), 0);
    assert_memory_equal(h1, h2, STORE_TOKEN_HASH);
    const char *bad[] = {"", "ABCD-EFGH-JKLM-NPQ", "ABCD-EFGH-JKLM-NPQRS", "ABCD-EFGH-JKLM-NPQ0",
                         "ABCD-EFGH-JKLM-NPQI", "ABCD_EFGH_JKLM_NPQR", NULL};
    for (size_t i = 0; bad[i]; i++)
        assert_int_equal(token_code_hash(bad[i], h2), -1);
    assert_int_equal(token_code_hash(NULL, h2), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_has_the_shape_and_hash),
        cmocka_unit_test(test_valid_refuses_other_shapes),
        cmocka_unit_test(test_seal_opens_only_under_its_key),
        cmocka_unit_test(test_code_shape_and_hash),
    };
    return cmocka_run_group_tests_name("token", tests, NULL, NULL);
}
