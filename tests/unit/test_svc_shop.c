/* Tests of svc/shop.c on the store fixture (the demo clinic): a gift card
 * ordered online is refused outside its limits with nothing stored; an order
 * writes its checkout (creating, naming the order) and sells nothing; the
 * webhook's handler sells the card once, however often it runs for the same
 * checkout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "store_fixture.h"
#include "svc/shop.h"

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
    struct shop_online o = {"USD", "Chugach Bodywork", "http://clinic.test", 0, NULL, NULL};
    assert_int_equal(db_begin(f->db, &e), E_OK);
    assert_int_equal(shop_gift_paid(&o, f->db, &c, "pi_1", T0 + 60, &e), E_OK);
    assert_int_equal(db_commit(f->db, &e), E_OK);
    assert_int_equal(cards(f), 1);
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
