/* Unit tests for svc/pay.c's pure parts and its refusals before the store:
 * a deposit and a fee from a service's setting (amount, percent of the
 * price rounded half up, a card only, none), and the webhook's signature
 * (missing, malformed, wrong, tampered, too old or too far ahead) refused
 * with E_INVALID before anything is read or written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "svc/pay.h"
#include "util/arena.h"

static void test_deposit(void **state)
{
    (void)state;
    static const struct {
        const char *kind;
        int64_t value, price, cents;
        int card;
    } rows[] = {
        {"none", 0, 12000, 0, 0},        {"card", 0, 12000, 0, 1},
        {"amount", 2500, 12000, 2500, 1}, {"amount", 20000, 12000, 12000, 1},
        {"percent", 2000, 12000, 2400, 1}, {"percent", 2000, 16500, 3300, 1},
        {"percent", 3333, 10001, 3333, 1}, {"percent", 50, 100, 1, 1}, /* 0.5 cent: up */
        {"percent", 49, 100, 0, 1},       {"percent", 10000, 9000, 9000, 1},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct service_deposit d = {rows[i].kind, rows[i].value, rows[i].price};
        int64_t cents;
        int card;
        pay_deposit_cents(&d, &cents, &card);
        if (cents != rows[i].cents || card != rows[i].card)
            fail_msg("row %zu: %lld %d", i, (long long)cents, card);
    }
}

static void test_fee(void **state)
{
    (void)state;
    assert_int_equal(pay_fee_cents("none", 5000, 12000), 0);
    assert_int_equal(pay_fee_cents(NULL, 5000, 12000), 0);
    assert_int_equal(pay_fee_cents("amount", 4000, 12000), 4000);
    assert_int_equal(pay_fee_cents("percent", 5000, 12000), 6000);
    assert_int_equal(pay_fee_cents("percent", 5000, 12001), 6001); /* 6000.5: up */
}

static const char *sign(char *out, size_t size, const char *secret, long long t, const char *body)
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    char hex[2 * sizeof mac + 1], msg[512];
    snprintf(msg, sizeof msg, "%lld.%s", t, body);
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, strlen(msg));
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
    snprintf(out, size, "t=%lld,v1=%s", t, hex);
    return out;
}

/* Every refusal happens before the store is touched: db is NULL here. */
static void test_webhook_refused(void **state)
{
    (void)state;
    const char *body = "{\"id\":\"evt_1\",\"type\":\"checkout.session.completed\","
                       "\"data\":{\"object\":{}}}";
    const long long now = 1795543200;
    struct pay_provider p = {"http://127.0.0.1:9", "sk", "whsec_right", "USD", 15, 1, 1, NULL, NULL};
    char good[200], buf[200];
    sign(good, sizeof good, "whsec_right", now, body);
    const char *bad[] = {
        NULL,
        "",
        "v1=00",
        "t=abc,v1=00",
        sign(buf, sizeof buf, "whsec_wrong", now, body),
        NULL, /* filled below: too old */
        NULL, /* too far ahead */
        "t=1795543200",
    };
    char old[200], ahead[200];
    bad[5] = sign(old, sizeof old, "whsec_right", now - 301, body);
    bad[6] = sign(ahead, sizeof ahead, "whsec_right", now + 301, body);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct arena *a = arena_new();
        struct err e = {0};
        struct pay_event ev;
        if (i == 0) {
            assert_int_equal(pay_webhook(NULL, a, &p, NULL, NULL, body, strlen(body), now, &ev, &e),
                             E_INVALID);
        } else {
            assert_int_equal(
                pay_webhook(NULL, a, &p, NULL, bad[i], body, strlen(body), now, &ev, &e),
                E_INVALID);
        }
        assert_non_null(strstr(e.msg, "Webhook refused"));
        arena_free(a);
    }
    /* the right signature over another body: refused */
    struct arena *a = arena_new();
    struct err e = {0};
    struct pay_event ev;
    const char *tampered = "{\"id\":\"evt_2\",\"type\":\"checkout.session.completed\","
                           "\"data\":{\"object\":{}}}";
    assert_int_equal(
        pay_webhook(NULL, a, &p, NULL, good, tampered, strlen(tampered), now, &ev, &e), E_INVALID);
    assert_non_null(strstr(e.msg, "does not match"));
    arena_free(a);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deposit),
        cmocka_unit_test(test_fee),
        cmocka_unit_test(test_webhook_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
