/* Tests of svc/prepaid.c on the store fixture (the demo clinic): a package's
 * price from its discount and its refusals; a sale writes the invoice, its
 * payment, the client's package and its credits once per key, and refuses
 * cash short of the price and an archived package; a credit is used for the
 * covered service only, given back by a cancellation in time and kept by a
 * late one, and never below nothing; a gift card's sale keeps only the
 * code's hash, its checkout redemption never above what it holds, and a
 * booking's prepayment goes back onto it when the visit is cancelled. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "store_fixture.h"
#include "svc/money.h"
#include "svc/prepaid.h"
#include "util/tzload.h"

#define T0 1795546800 /* 2026-11-24 10:00 in Anchorage */

static int setup(void **state)
{
    return fixture_open(state, FIXTURE_DEMO, 1);
}

static int teardown(void **state)
{
    return fixture_close(state);
}

static const struct actor DESK = {2, "desk@chugachbodywork.example", "desk", "192.0.2.9",
                                  PROOF_STAFF};
static const struct money_by BY = {&DESK, "Rosa Delgado", NULL};

static int64_t client(struct fixture *f, const char *email)
{
    struct err e = {0};
    int64_t cid = 0;
    assert_int_equal(db_client_for_booking(f->db, "Pia Package", email, "", 0, T0, &cid, &e),
                     E_OK);
    return cid;
}

/* A booked visit of service for cid at T0 + k x 2 hours; returns its id. */
static int64_t visit(struct fixture *f, int64_t cid, const char *service, int k)
{
    struct err e = {0};
    int64_t id = 0;
    unsigned char hash[STORE_TOKEN_HASH];
    memset(hash, 0x40 + k, sizeof hash);
    struct appointment a = {.service_id = service, .therapist_id = "maren-holt", .room_id = 1,
                            .client_id = cid, .start = T0 + 7200 * k,
                            .end = T0 + 7200 * k + 3600, .busy_until = T0 + 7200 * k + 3600,
                            .status = "booked", .notes = "", .source = "staff",
                            .created_at = T0 - 86400};
    assert_int_equal(db_add_appointment(f->db, &a, hash, &id, &e), E_OK);
    return id;
}

static int64_t left_of(struct fixture *f, int64_t cid)
{
    struct err e = {0};
    struct client_package *cps = NULL;
    size_t n = 0;
    assert_int_equal(db_client_packages(f->db, f->a, cid, &cps, &n, &e), E_OK);
    assert_int_equal(n, 1);
    return cps[0].left;
}

static void test_package_price_and_refusals(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    int64_t id = 0;
    struct package p;
    static const struct {
        struct prepaid_package_in in;
        enum err_code want;
    } cases[] = {
        {{"Five deep", "deep-tissue-60", 5, 1000, 0, 0, 12}, E_OK},     /* 5 x 120 less 10 % */
        {{"Ten fixed", "deep-tissue-60", 10, 0, 99900, 1, 0}, E_OK},    /* a price, no expiry */
        {{"", "deep-tissue-60", 5, 0, 0, 0, 12}, E_UNPROCESSABLE},      /* no name */
        {{"Zero", "deep-tissue-60", 0, 0, 0, 0, 12}, E_UNPROCESSABLE},  /* no sessions */
        {{"Many", "deep-tissue-60", 101, 0, 0, 0, 12}, E_UNPROCESSABLE},
        {{"Long", "deep-tissue-60", 5, 0, 0, 0, 121}, E_UNPROCESSABLE},
        {{"Nothing", "no-such", 5, 0, 0, 0, 12}, E_UNPROCESSABLE},      /* no such service */
        {{"Over", "deep-tissue-60", 5, 10001, 0, 0, 12}, E_UNPROCESSABLE},
        {{"Dear", "deep-tissue-60", 5, 0, MONEY_MAX + 1, 1, 12}, E_UNPROCESSABLE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(prepaid_package_add(f->db, &cases[i].in, T0, &id, &e), cases[i].want);
    struct package *ps = NULL;
    size_t n = 0;
    assert_int_equal(db_packages(f->db, f->a, &ps, &n, &e), E_OK);
    assert_int_equal(n, 2);
    assert_int_equal(db_package(f->db, f->a, ps[0].id, &p, &e), E_OK);
    assert_string_equal(p.name, "Five deep");
    assert_int_equal(p.price, 54000);
    assert_int_equal(p.discount_bp, 1000);
    assert_int_equal(ps[1].price, 99900);
}

static void test_sale_credits_use_and_return(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    int64_t pid = 0;
    struct prepaid_package_in def = {"Five deep", "deep-tissue-60", 5, 1000, 0, 0, 12};
    assert_int_equal(prepaid_package_add(f->db, &def, T0, &pid, &e), E_OK);
    int64_t cid = client(f, "pia@example.com");
    struct prepaid_pay_in pay = {.method = MONEY_CASH, .tendered = 50000, .currency = "USD"};
    memset(pay.key, 7, sizeof pay.key);
    struct prepaid_sold sold;
    assert_int_equal(prepaid_package_sell(f->db, &BY, pid, cid, &pay, T0, &sold, &e),
                     E_UNPROCESSABLE); /* $500 for $540 */
    pay.tendered = 60000;
    assert_int_equal(prepaid_package_sell(f->db, &BY, pid, cid, &pay, T0, &sold, &e), E_OK);
    assert_int_equal(sold.again, 0);
    assert_int_equal(sold.change, 6000);
    int64_t inv = sold.invoice_id;
    assert_int_equal(prepaid_package_sell(f->db, &BY, pid, cid, &pay, T0, &sold, &e), E_OK);
    assert_int_equal(sold.again, 1);
    assert_int_equal(sold.invoice_id, inv);
    assert_int_equal(left_of(f, cid), 5);
    struct invoice i;
    assert_int_equal(db_invoice(f->db, f->a, inv, &i, &e), E_OK);
    assert_int_equal(i.total, 54000);
    assert_int_equal(i.paid, 54000);

    /* a covered visit uses one; another service none */
    int used = 0;
    int64_t a1 = visit(f, cid, "deep-tissue-60", 1), a2 = visit(f, cid, "swedish-60", 2);
    assert_int_equal(db_begin(f->db, &e), E_OK);
    assert_int_equal(prepaid_use_credit(f->db, &DESK, a1, cid, "deep-tissue-60", T0, "desk", T0, &used,
                                        &e), E_OK);
    assert_int_equal(used, 1);
    assert_int_equal(prepaid_use_credit(f->db, &DESK, a2, cid, "swedish-60", T0, "desk", T0, &used, &e),
                     E_OK);
    assert_int_equal(used, 0);
    assert_int_equal(db_commit(f->db, &e), E_OK);
    assert_int_equal(left_of(f, cid), 4);
    /* a late cancellation keeps it; one in time gives it back, once */
    assert_int_equal(db_begin(f->db, &e), E_OK);
    assert_int_equal(prepaid_return_credit(f->db, &DESK, a1, 1, "client", T0, &e), E_OK);
    assert_int_equal(db_commit(f->db, &e), E_OK);
    assert_int_equal(left_of(f, cid), 4);
    for (int k = 0; k < 2; k++) {
        assert_int_equal(db_begin(f->db, &e), E_OK);
        assert_int_equal(prepaid_return_credit(f->db, &DESK, a1, 0, "client", T0, &e), E_OK);
        assert_int_equal(db_commit(f->db, &e), E_OK);
    }
    assert_int_equal(left_of(f, cid), 5);
    /* each use and return is in the audit log, by whom, for which booking:
     * one use, one return (the late cancellation kept it; the second
     * return gave nothing back) */
    struct audit_filter af = {.record = "package_credit", .limit = 10};
    struct audit_entry *rows = NULL;
    size_t n = 0;
    assert_int_equal(db_audit_list(f->db, f->a, &af, &rows, &n, &e), E_OK);
    assert_int_equal(n, 2);
    assert_string_equal(rows[0].action, "return"); /* newest first */
    assert_string_equal(rows[1].action, "use");
    for (size_t k = 0; k < n; k++) {
        assert_int_equal(rows[k].user_id, 2);
        assert_int_equal(rows[k].client_id, cid);
        assert_non_null(strstr(rows[k].reason, "package \"Five deep\""));
    }
    char want[64];
    snprintf(want, sizeof want, "appointment %lld (booked)", (long long)a1);
    assert_non_null(strstr(rows[1].reason, want));
    assert_non_null(strstr(rows[1].reason, "4 of 5 left"));
    assert_non_null(strstr(rows[0].reason, "5 of 5 left"));

    /* an archived package is not sold; a package expired at the visit is not used */
    int64_t changed = 0;
    assert_int_equal(db_package_set_active(f->db, pid, 0, &changed, &e), E_OK);
    memset(pay.key, 8, sizeof pay.key);
    assert_int_equal(prepaid_package_sell(f->db, &BY, pid, cid, &pay, T0, &sold, &e), E_CONFLICT);
    int64_t late = visit(f, cid, "deep-tissue-60", 3);
    assert_int_equal(db_begin(f->db, &e), E_OK);
    assert_int_equal(prepaid_use_credit(f->db, &DESK, late, cid, "deep-tissue-60",
                                        T0 + 2LL * 366 * 86400, "desk", T0, &used, &e),
                     E_OK);
    assert_int_equal(used, 0);
    assert_int_equal(db_commit(f->db, &e), E_OK);
}

static void test_gift_card_hash_redeem_and_prepay(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    char code[TOKEN_CODE_LEN];
    struct prepaid_pay_in pay = {.method = MONEY_CARD, .reference = "AUTH 1", .currency = "USD"};
    memset(pay.key, 9, sizeof pay.key);
    struct prepaid_gift_in in = {.amount = 5000, .buyer_name = "Gus Giver",
                                 .buyer_email = "gus@example.com", .recipient_name = "",
                                 .recipient_email = "", .message = "", .send_at = T0,
                                 .clinic_name = "Chugach Bodywork", .site_url = "http://x"};
    struct prepaid_sold sold;
    assert_int_equal(prepaid_gift_sell(f->db, &BY, &in, &pay, T0, code, &sold, &e), E_OK);
    assert_int_equal(strlen(code), 19);
    int64_t card = sold.item_id;
    /* the same form: no second card and no code */
    char again[TOKEN_CODE_LEN];
    assert_int_equal(prepaid_gift_sell(f->db, &BY, &in, &pay, T0, again, &sold, &e), E_OK);
    assert_int_equal(sold.again, 1);
    assert_string_equal(again, "");
    unsigned char hash[STORE_TOKEN_HASH];
    struct gift_card g;
    int found = 0;
    assert_int_equal(token_code_hash(code, hash), 0);
    assert_int_equal(db_gift_card_by_hash(f->db, f->a, hash, &g, &found, &e), E_OK);
    assert_int_equal(found, 1);
    assert_int_equal(g.id, card);
    assert_int_equal(g.balance, 5000);
    assert_string_equal(g.last4, code + 15);

    /* booked online with it: $50 of the $120 visit ahead, then cancelled */
    int64_t cid = client(f, "bea@example.com"), paid = 0;
    int64_t a = visit(f, cid, "deep-tissue-60", 4);
    assert_int_equal(db_begin(f->db, &e), E_OK);
    assert_int_equal(prepaid_gift_prepay(f->db, &DESK, a, 0, code, 12000, "USD", T0, &paid, &e),
                     E_OK);
    assert_int_equal(db_commit(f->db, &e), E_OK);
    assert_int_equal(paid, 5000);
    assert_int_equal(db_gift_card(f->db, f->a, card, &g, &e), E_OK);
    assert_int_equal(g.balance, 0);
    assert_int_equal(db_begin(f->db, &e), E_OK);
    assert_int_equal(prepaid_gift_prepay(f->db, &DESK, a, 0, code, 12000, "USD", T0, &paid, &e),
                     E_UNPROCESSABLE); /* spent */
    db_rollback(f->db);
    assert_int_equal(db_begin(f->db, &e), E_OK);
    assert_int_equal(prepaid_return_credit(f->db, &DESK, a, 1, "client", T0, &e), E_OK);
    assert_int_equal(db_commit(f->db, &e), E_OK);
    assert_int_equal(db_gift_card(f->db, f->a, card, &g, &e), E_OK);
    assert_int_equal(g.balance, 5000);
    /* [money] gift_card_expiry_months: 12 months from the sale, to the day */
    memset(pay.key, 10, sizeof pay.key);
    in.expiry_months = 12;
    assert_int_equal(prepaid_gift_sell(f->db, &BY, &in, &pay, T0, code, &sold, &e), E_OK);
    assert_int_equal(db_gift_card(f->db, f->a, sold.item_id, &g, &e), E_OK);
    assert_int_equal(g.expires_at, T0 + 365LL * 86400);
    /* a wrong code says only that */
    assert_int_equal(db_begin(f->db, &e), E_OK);
    e = (struct err){0};
    assert_int_equal(prepaid_gift_prepay(f->db, &DESK, a, 0, "ABCD-EFGH-JKLM-NPQR", 12000, "USD",
                                         T0, &paid, &e),
                     E_UNPROCESSABLE);
    assert_string_equal(e.problem, "gift_code_unknown");
    db_rollback(f->db);
    /* the store refuses an entry that would overdraw it */
    assert_int_equal(db_begin(f->db, &e), E_OK);
    assert_int_not_equal(db_gift_card_entry_add(f->db, card, "redeem", -5001, 0, T0, "x", &e),
                         E_OK);
    db_rollback(f->db);
}

/* A card chosen for a day is e-mailed at 09:00 on that day's wall clock,
 * also on the days the clocks change (midnight + 9 hours was 10:00 on
 * 2027-03-14 and 08:00 on 2026-11-01 in Anchorage).  Both the desk's sale
 * and the online order take the time from here (web/shop.c send_day). */
static void test_gift_send_at_is_nine_local_on_dst_days(void **state)
{
    (void)state;
    struct tz *anc = NULL;
    char err[256];
    assert_int_equal(tzload_load("America/Anchorage", &anc, err, sizeof err), 0);
    static const struct {
        struct dt_date on;
        int64_t want;
    } rows[] = {
        {{2027, 3, 14}, 1805043600}, /* clocks forward at 02:00: 09:00 AKDT */
        {{2026, 11, 1}, 1793556000}, /* clocks back at 02:00: 09:00 AKST */
        {{2027, 3, 13}, 1804960800}, /* the days around them */
        {{2026, 11, 2}, 1793642400},
        {{2026, 12, 24}, 1798135200},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int64_t at = prepaid_gift_send_at(anc, rows[i].on);
        assert_int_equal(at, rows[i].want);
        struct dt_civil c;
        int off = 0;
        tz_to_local(anc, at, &c, &off);
        assert_int_equal(c.hour * 60 + c.min, 9 * 60);
        assert_int_equal(c.day, rows[i].on.day);
    }
    tz_free(anc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_package_price_and_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sale_credits_use_and_return, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gift_card_hash_redeem_and_prepay, setup, teardown),
        cmocka_unit_test(test_gift_send_at_is_nine_local_on_dst_days),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
