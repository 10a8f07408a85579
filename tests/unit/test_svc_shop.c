/* Tests of svc/shop.c on the store fixture (the demo clinic): a gift card
 * ordered online is refused outside its limits with nothing stored; an order
 * writes its checkout (creating, naming the order) and sells nothing; the
 * webhook's handler sells the card once, however often it runs for the same
 * checkout, only with a key to seal its code under: the queued e-mail holds
 * the code masked, sealed beside it until it is sent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "store_fixture.h"
#include "svc/shop.h"
#include "svc/token.h"

#define T0 1795546800 /* 2026-11-24 10:00 in Anchorage */

static int setup(void **state)
{
    return fixture_open(state, FIXTURE_DEMO, 1);
}

static int teardown(void **state)
{
    return fixture_close(state);
}

static const struct pay_provider PAY = {"http://127.0.0.1:9", "sk_test", "whsec_test", "USD",
                                        15, 1, 1, NULL, NULL};

static size_t cards(struct fixture *f)
{
    struct err e = {0};
    struct gift_card *gs = NULL;
    size_t n = 0;
    assert_int_equal(db_gift_cards(f->db, f->a, &gs, &n, &e), E_OK);
    return n;
}

static void test_gift_card_ordered_then_sold_once(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    int64_t id = 0;
    struct prepaid_gift_in in = {.amount = 500,
                                 .buyer_name = "Gus Giver",
                                 .buyer_email = "gus@example.com",
                                 .recipient_name = "Rae",
                                 .recipient_email = "rae@example.com",
                                 .message = "",
                                 .send_at = T0 + 86400,
                                 .clinic_name = "Chugach Bodywork",
                                 .site_url = "http://clinic.test"};
    /* below the minimum, then above the maximum: refused, nothing stored */
    assert_int_equal(shop_gift_order(f->db, &PAY, &in, 1000, 50000, T0, &id, &e),
                     E_UNPROCESSABLE);
    in.amount = 50001;
    assert_int_equal(shop_gift_order(f->db, &PAY, &in, 1000, 50000, T0, &id, &e),
                     E_UNPROCESSABLE);
    assert_int_equal(id, 0);
    /* without [payments]: not sold online */
    struct pay_provider off = PAY;
    off.base_url = "";
    in.amount = 7500;
    assert_int_equal(shop_gift_order(f->db, &off, &in, 1000, 50000, T0, &id, &e),
                     E_UNAVAILABLE);
    /* ordered: a checkout naming the order, and no card */
    assert_int_equal(shop_gift_order(f->db, &PAY, &in, 1000, 50000, T0, &id, &e), E_OK);
    assert_true(id > 0);
    struct checkout c;
    assert_int_equal(db_checkout(f->db, f->a, id, &c, &e), E_OK);
    assert_string_equal(c.purpose, "gift_card");
    assert_string_equal(c.status, "creating");
    assert_int_equal(c.amount, 7500);
    assert_true(c.ref_id > 0);
    assert_int_equal(cards(f), 0);
    /* the webhook's handler sells it, once */
    unsigned char key[TOKEN_SEAL_KEY];
    memset(key, 7, sizeof key);
    /* no key to seal the code under: refused, nothing sold */
    struct shop_online o = {"USD", "Chugach Bodywork", "http://clinic.test", 0, NULL, NULL, NULL};
    assert_int_equal(db_begin(f->db, &e), E_OK);
    assert_int_equal(shop_gift_paid(&o, f->db, &c, "pi_1", T0 + 60, &e), E_UNAVAILABLE);
    db_rollback(f->db);
    assert_int_equal(cards(f), 0);
    o.seal = key;
    assert_int_equal(db_begin(f->db, &e), E_OK);
    assert_int_equal(shop_gift_paid(&o, f->db, &c, "pi_1", T0 + 60, &e), E_OK);
    assert_int_equal(db_commit(f->db, &e), E_OK);
    assert_int_equal(cards(f), 1);
    /* the recipient's e-mail holds the code masked, and the code sealed
     * beside it (the buyer's receipt, due first, names no code) */
    struct gift_card *gs = NULL;
    size_t ng = 0;
    assert_int_equal(db_gift_cards(f->db, f->a, &gs, &ng, &e), E_OK);
    struct outbox_msg m;
    int found = 0;
    for (int i = 0; i < 2; i++) {
        assert_int_equal(db_begin(f->db, &e), E_OK);
        assert_int_equal(db_outbox_claim(f->db, f->a, T0 + 3 * 86400, T0 + 4 * 86400,
                                         OUTBOX_EMAIL, &m, &found, &e),
                         E_OK);
        assert_int_equal(db_commit(f->db, &e), E_OK);
        assert_int_equal(found, 1);
        if (strcmp(m.recipient, "rae@example.com") == 0)
            break;
        assert_null(strstr(m.body_text, "****"));
    }
    assert_string_equal(m.recipient, "rae@example.com");
    char masked[TOKEN_CODE_LEN];
    snprintf(masked, sizeof masked, "****-****-****-%s", gs[0].last4);
    assert_non_null(strstr(m.body_text, masked));
    const unsigned char *sealed = NULL;
    size_t n = 0;
    assert_int_equal(db_outbox_seal(f->db, f->a, m.id, &sealed, &n, &found, &e), E_OK);
    assert_int_equal(found, 1);
    char code[TOKEN_CODE_LEN] = "";
    assert_int_equal(token_unseal_bytes(sealed, n, key, (unsigned char *)code, 19), 0);
    unsigned char hash[STORE_TOKEN_HASH];
    struct gift_card g;
    assert_int_equal(token_code_hash(code, hash), 0);
    assert_int_equal(db_gift_card_by_hash(f->db, f->a, hash, &g, &found, &e), E_OK);
    assert_int_equal(found, 1);
    /* another key opens nothing */
    key[0] ^= 1;
    assert_int_equal(token_unseal_bytes(sealed, n, key, (unsigned char *)code, 19), -1);
    key[0] ^= 1;
    /* sent: the seal goes, the masked body stays */
    assert_int_equal(db_begin(f->db, &e), E_OK);
    assert_int_equal(db_outbox_mark(f->db, m.id, "sent", 0, T0 + 3 * 86400, "", &e), E_OK);
    assert_int_equal(db_commit(f->db, &e), E_OK);
    assert_int_equal(db_outbox_seal(f->db, f->a, m.id, &sealed, &n, &found, &e), E_OK);
    assert_int_equal(found, 0);
    assert_int_equal(db_begin(f->db, &e), E_OK);
    assert_int_equal(shop_gift_paid(&o, f->db, &c, "pi_1", T0 + 120, &e), E_OK);
    assert_int_equal(db_commit(f->db, &e), E_OK);
    assert_int_equal(cards(f), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_gift_card_ordered_then_sold_once, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
