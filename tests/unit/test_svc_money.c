/* Tests of svc/money.c on the store fixture (the demo clinic): an invoice is
 * issued only for a checked-in visit, numbered without gaps, priced by
 * core/money and audited; a key issues, pays, refunds and credits once; a
 * payment never above the balance, a refund never above its payment; the
 * ledger refuses changes; the day's takings and the drawer count; the
 * superbill's visits, codes, units and diagnosis; each change queues its
 * webhook in its transaction, a refused one none; a refund of a payment
 * made through the provider is pending (counted against the payment, not in
 * the ledger) until the provider's answer settles it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/tz.h"
#include "store_fixture.h"
#include "svc/money.h"
#include "svc/pay.h"
#include "svc/webhook.h"
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

/* A visit of `status` at T0 + k hours for a new client; returns its id. */
static int64_t visit(struct fixture *f, const char *status, int k)
{
    struct err e = {0};
    int64_t cid = 0, id = 0;
    unsigned char hash[STORE_TOKEN_HASH];
    char email[64];
    snprintf(email, sizeof email, "visit%d@example.com", k);
    memset(hash, k + 1, sizeof hash);
    assert_int_equal(db_client_for_booking(f->db, "Val Visit", email, "", 0, T0, &cid, &e), E_OK);
    struct appointment a = {.service_id = "deep-tissue-60",
                            .therapist_id = "maren-holt",
                            .room_id = 1,
                            .client_id = cid,
                            .start = T0 + 7200 * k, /* two hours apart: no two overlap (PostgreSQL refuses that) */
                            .end = T0 + 7200 * k + 3600,
                            .busy_until = T0 + 7200 * k + 4500,
                            .status = status,
                            .notes = "",
                            .source = "staff",
                            .created_at = T0 - 86400};
    assert_int_equal(db_add_appointment(f->db, &a, hash, &id, &e), E_OK);
    return id;
}

static void issue_in(struct fixture *f, int64_t appt, unsigned char keybyte,
                     struct money_issue_in *in)
{
    struct err e = {0};
    struct appointment ap;
    memset(in, 0, sizeof *in);
    assert_int_equal(db_appointment(f->db, f->a, appt, &ap, &e), E_OK);
    assert_int_equal(money_visit_line(f->db, f->a, &ap, &in->lines[0], &e), E_OK);
    in->nlines = 1;
    in->appointment_id = appt;
    in->currency = "USD";
    in->bill_to = "";
    in->discount_reason = "";
    memset(in->key, keybyte, sizeof in->key);
}

static int64_t count(struct fixture *f, const char *table)
{
    struct err e = {0};
    struct audit_filter af = {0, 0, table, 500};
    struct audit_entry *rows;
    size_t n = 0;
    assert_int_equal(db_audit_list(f->db, f->a, &af, &rows, &n, &e), E_OK);
    return (int64_t)n;
}

static void test_issue_needs_check_in_and_numbers_without_gaps(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    struct money_issue_in in;
    int64_t id = 0, id2 = 0;
    int again = -1;
    int64_t booked = visit(f, "booked", 0), a1 = visit(f, "checked_in", 1),
            a2 = visit(f, "completed", 2);

    issue_in(f, booked, 1, &in);
    assert_int_equal(money_issue(f->db, &BY, &in, T0, &id, &again, &e), E_CONFLICT);
    assert_non_null(strstr(e.msg, "Check the client in first"));
    /* a refused price takes no number */
    issue_in(f, a1, 2, &in);
    in.discount = (struct money_discount){MONEY_DISCOUNT_AMOUNT, 99999};
    in.discount_reason = "x";
    assert_int_equal(money_issue(f->db, &BY, &in, T0, &id, &again, &e), E_UNPROCESSABLE);
    in.discount = (struct money_discount){MONEY_DISCOUNT_PERCENT, 1000};
    in.discount_reason = "";
    assert_int_equal(money_issue(f->db, &BY, &in, T0, &id, &again, &e), E_UNPROCESSABLE);
    assert_non_null(strstr(e.msg, "reason"));
    in.discount_reason = "Loyalty";
    in.tip = 1500;
    assert_int_equal(money_issue(f->db, &BY, &in, T0, &id, &again, &e), E_OK);
    assert_int_equal(again, 0);
    /* the same key again: the same invoice, nothing new */
    assert_int_equal(money_issue(f->db, &BY, &in, T0, &id2, &again, &e), E_OK);
    assert_int_equal(again, 1);
    assert_int_equal(id2, id);
    issue_in(f, a2, 3, &in);
    assert_int_equal(money_issue(f->db, &BY, &in, T0, &id2, &again, &e), E_OK);
    struct invoice i1, i2;
    assert_int_equal(db_invoice(f->db, f->a, id, &i1, &e), E_OK);
    assert_int_equal(db_invoice(f->db, f->a, id2, &i2, &e), E_OK);
    assert_int_equal(i1.number, 1);
    assert_int_equal(i2.number, 2);
    /* $120 - 10 % + $15 tip */
    assert_int_equal(i1.subtotal, 12000);
    assert_int_equal(i1.discount, 1200);
    assert_int_equal(i1.total, 12300);
    assert_string_equal(i1.discount_reason, "Loyalty");
    struct invoice_line *lines;
    size_t n;
    assert_int_equal(db_invoice_lines(f->db, f->a, id, &lines, &n, &e), E_OK);
    assert_int_equal(n, 1);
    assert_string_equal(lines[0].procedure_code, "97124");
    assert_int_equal(lines[0].units, 4);
    assert_int_equal(count(f, "invoice"), 2);
}

static void test_payments_refunds_credits(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    struct money_issue_in in;
    int64_t inv, pid, cash, rid, cn, change = -1;
    int again;
    issue_in(f, visit(f, "checked_in", 0), 7, &in);
    assert_int_equal(money_issue(f->db, &BY, &in, T0, &inv, &again, &e), E_OK);

    struct money_pay_in card = {inv, MONEY_CARD, 5000, 0, "AUTH 1", "k:card", NULL};
    assert_int_equal(money_pay(f->db, &BY, &card, T0, &pid, &change, &again, &e), E_OK);
    assert_int_equal(money_pay(f->db, &BY, &card, T0, &rid, &change, &again, &e), E_OK);
    assert_int_equal(again, 1); /* the same key: taken once */
    assert_int_equal(rid, pid);
    struct money_pay_in over = {inv, MONEY_CARD, 7001, 0, "AUTH 2", "k:over", NULL};
    assert_int_equal(money_pay(f->db, &BY, &over, T0, &rid, &change, &again, &e), E_UNPROCESSABLE);
    struct money_pay_in noref = {inv, MONEY_CARD, 100, 0, "", "k:noref", NULL};
    assert_int_equal(money_pay(f->db, &BY, &noref, T0, &rid, &change, &again, &e), E_UNPROCESSABLE);
    struct money_pay_in gift = {inv, MONEY_GIFT_CARD, 100, 0, "G", "k:gift", NULL};
    assert_int_equal(money_pay(f->db, &BY, &gift, T0, &rid, &change, &again, &e), E_UNPROCESSABLE);
    struct money_pay_in notes = {inv, MONEY_CASH, 0, 10000, "", "k:cash", NULL};
    assert_int_equal(money_pay(f->db, &BY, &notes, T0, &cash, &change, &again, &e), E_OK);
    assert_int_equal(change, 3000); /* $100 for the $70 left */
    struct invoice i;
    assert_int_equal(db_invoice(f->db, f->a, inv, &i, &e), E_OK);
    assert_int_equal(money_balance(i.total, i.credited, i.paid, i.refunded), 0);
    assert_int_equal(money_pay(f->db, &BY,
                               &(struct money_pay_in){inv, MONEY_CASH, 0, 100, "", "k:more", NULL}, T0,
                               &rid, &change, &again, &e),
                     E_UNPROCESSABLE);

    /* refunds: never above the payment, counting earlier ones; once per key */
    assert_int_equal(money_fix(f->db, &BY, &(struct money_fix_in){MONEY_REFUND, pid, 5001, "x", "r:1", "USD", NULL, 0}, T0, &rid, &again, &e),
                     E_UNPROCESSABLE);
    assert_int_equal(money_fix(f->db, &BY, &(struct money_fix_in){MONEY_REFUND, pid, 1000, "", "r:1", "USD", NULL, 0}, T0, &rid, &again, &e),
                     E_UNPROCESSABLE);
    assert_int_equal(money_fix(f->db, &BY, &(struct money_fix_in){MONEY_REFUND, pid, 4000, "Cut short", "r:1", "USD", NULL, 0}, T0, &rid, &again, &e),
                     E_OK);
    assert_int_equal(money_fix(f->db, &BY, &(struct money_fix_in){MONEY_REFUND, pid, 4000, "Cut short", "r:1", "USD", NULL, 0}, T0, &rid, &again, &e),
                     E_OK);
    assert_int_equal(again, 1);
    assert_int_equal(money_fix(f->db, &BY, &(struct money_fix_in){MONEY_REFUND, pid, 1001, "More", "r:2", "USD", NULL, 0}, T0, &rid, &again, &e),
                     E_UNPROCESSABLE);
    assert_int_equal(money_fix(f->db, &BY, &(struct money_fix_in){MONEY_REFUND, pid, 1000, "More", "r:2", "USD", NULL, 0}, T0, &rid, &again, &e),
                     E_OK);
    /* the store's own check, past the service: E_CONFLICT with its sentence */
    struct refund f3 = {
        .payment_id = pid, .amount = 1, .reason = "x", .created_at = T0, .created_by_name = "x"};
    assert_int_equal(db_refund_add(f->db, &f3, "r:3", 0, &rid, &e), E_CONFLICT);
    assert_non_null(strstr(e.msg, "cannot be more than what is left of the payment"));

    /* credit notes: never above the invoice */
    assert_int_equal(money_fix(f->db, &BY, &(struct money_fix_in){MONEY_CREDIT, inv, 12001, "x", "c:1", "USD", NULL, 0}, T0, &cn, &again, &e),
                     E_UNPROCESSABLE);
    assert_int_equal(money_fix(f->db, &BY, &(struct money_fix_in){MONEY_CREDIT, inv, 2000, "Wrong price", "c:1", "USD", NULL, 0}, T0, &cn, &again, &e),
                     E_OK);
    assert_int_equal(db_invoice(f->db, f->a, inv, &i, &e), E_OK);
    /* 120 - 20 credited - (120 paid - 50 refunded) = 30 owed */
    assert_int_equal(money_balance(i.total, i.credited, i.paid, i.refunded), 3000);

    /* the day's takings: card 50 in, 50 out; cash 70 in */
    struct money_day d;
    assert_int_equal(money_takings(f->db, f->a, 0, T0 - 3600, T0 + 3600, &d, &e), E_OK);
    assert_int_equal(d.cash_in, 7000);
    assert_int_equal(d.cash_out, 0);
    assert_int_equal(d.invoices, 1);
    int64_t co, expected;
    assert_int_equal(money_count(f->db, &BY, 0, "2026-11-24", T0 - 3600, T0 + 3600, 10000, 16900, "",
                                 T0, &co, &expected, &e),
                     E_OK);
    assert_int_equal(expected, 17000);
    assert_int_equal(count(f, "payment"), 2);
    assert_int_equal(count(f, "refund"), 2);
    assert_int_equal(count(f, "credit_note"), 1);
    assert_int_equal(count(f, "closeout"), 1);
}

static void test_superbill(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    struct money_issue_in in;
    int64_t inv, rid = 0;
    int again;
    int64_t appt = visit(f, "completed", 0);
    struct appointment ap;
    assert_int_equal(db_appointment(f->db, f->a, appt, &ap, &e), E_OK);
    struct referral ref = {.client_id = ap.client_id,
                           .physician = "Dr. Ana Ruiz",
                           .practice = "",
                           .phone = "",
                           .referred_on = "2026-11-01",
                           .diagnosis = "Low back pain",
                           .icd10 = "M54.50",
                           .valid_until = "2027-01-15",
                           .visits = 8,
                           .created_at = T0,
                           .updated_at = T0};
    assert_int_equal(db_put_referral(f->db, &ref, T0, &rid, &e), E_OK);
    issue_in(f, appt, 9, &in);
    in.tip = 2000; /* a tip is no charge for the insurer */
    assert_int_equal(money_issue(f->db, &BY, &in, T0, &inv, &again, &e), E_OK);
    struct money_pay_in cash = {inv, MONEY_CASH, 0, 14000, "", "sb:cash", NULL};
    int64_t pid, change;
    assert_int_equal(money_pay(f->db, &BY, &cash, T0, &pid, &change, &again, &e), E_OK);
    struct tz *tz = NULL;
    char err[128];
    assert_int_equal(tzload_load("America/Anchorage", &tz, err, sizeof err), 0);
    struct superbill sb;
    assert_int_equal(money_superbill(f->db, f->a, tz, &DESK, ap.client_id, T0 - 86400, T0 + 86400,
                                     "span", T0, &sb, &e),
                     E_OK);
    assert_int_equal(sb.nvisits, 1);
    assert_string_equal(sb.visits[0].lines[0].procedure_code, "97124");
    assert_int_equal(sb.visits[0].lines[0].units, 4);
    assert_non_null(sb.visits[0].referral);
    assert_string_equal(sb.visits[0].referral->icd10, "M54.50");
    assert_string_equal(sb.visits[0].therapist.npi, "1582047316");
    assert_int_equal(sb.charges, 12000);
    assert_int_equal(sb.paid, 12000); /* $140 paid, $20 of it the tip */
    assert_int_equal(count(f, "superbill"), 1);
    /* outside the span: nothing */
    assert_int_equal(money_superbill(f->db, f->a, tz, &DESK, ap.client_id, T0 + 86400,
                                     T0 + 2 * 86400, "span", T0, &sb, &e),
                     E_OK);
    assert_int_equal(sb.nvisits, 0);
    tz_free(tz);
}

/* Deliveries queued so far (one endpoint: one per event). */
static int64_t queued(struct fixture *f)
{
    struct err e = {0};
    struct wh_tally t;
    assert_int_equal(db_wh_tally(f->db, &t, &e), E_OK);
    return t.pending + t.sending + t.delivered + t.failed;
}

/* Webhooks with one endpoint for events: *wh to free (wh_free, then
 * tz_free(*tz)), *ep the endpoint's id. */
static struct wh *hooks_for(struct fixture *f, int64_t events, struct tz **tz, int64_t *ep)
{
    struct err e = {0};
    char err[128], text[WH_SECRET_TEXT];
    unsigned char key[WH_KEY_BYTES] = {7};
    assert_int_equal(tzload_load("America/Anchorage", tz, err, sizeof err), 0);
    struct wh *wh = wh_new(*tz, key);
    struct wh_endpoint end = {
        .url = "https://hooks.example.com/money", .description = "", .events = events, .enabled = 1};
    assert_int_equal(wh_endpoint_add(wh, f->db, &end, T0, ep, text, &e), E_OK);
    return wh;
}

static void test_each_change_queues_its_webhook_a_refused_one_none(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    struct tz *tz = NULL;
    int64_t ep = 0, inv = 0, pid = 0, rid = 0, cn = 0, change = 0;
    int again = 0;
    struct wh *wh = hooks_for(f,
                              WH_EV(WH_INVOICE_ISSUED) | WH_EV(WH_PAYMENT_RECEIVED) |
                                  WH_EV(WH_PAYMENT_REFUNDED) | WH_EV(WH_CREDIT_NOTE_ISSUED),
                              &tz, &ep);
    struct money_by by = {&DESK, "Rosa Delgado", wh};
    struct money_issue_in in;
    issue_in(f, visit(f, "booked", 0), 9, &in);
    assert_int_equal(money_issue(f->db, &by, &in, T0, &inv, &again, &e), E_CONFLICT);
    assert_int_equal(queued(f), 0);
    issue_in(f, visit(f, "checked_in", 1), 10, &in);
    assert_int_equal(money_issue(f->db, &by, &in, T0, &inv, &again, &e), E_OK);
    assert_int_equal(queued(f), 1);
    assert_int_equal(money_issue(f->db, &by, &in, T0, &inv, &again, &e), E_OK); /* again */
    assert_int_equal(again, 1);
    assert_int_equal(queued(f), 1);
    struct money_pay_in over = {inv, MONEY_CARD, 12001, 0, "AUTH 9", "w:over", NULL};
    assert_int_equal(money_pay(f->db, &by, &over, T0, &pid, &change, &again, &e),
                     E_UNPROCESSABLE);
    assert_int_equal(queued(f), 1);
    struct money_pay_in card = {inv, MONEY_CARD, 12000, 0, "AUTH 9", "w:card", NULL};
    assert_int_equal(money_pay(f->db, &by, &card, T0, &pid, &change, &again, &e), E_OK);
    assert_int_equal(queued(f), 2);
    assert_int_equal(money_fix(f->db, &by, &(struct money_fix_in){MONEY_REFUND, pid, 12001, "x", "w:r0", "USD", NULL, 0}, T0, &rid, &again, &e),
                     E_UNPROCESSABLE);
    assert_int_equal(queued(f), 2);
    assert_int_equal(money_fix(f->db, &by, &(struct money_fix_in){MONEY_REFUND, pid, 2000, "x", "w:r1", "USD", NULL, 0}, T0, &rid, &again, &e), E_OK);
    assert_int_equal(money_fix(f->db, &by, &(struct money_fix_in){MONEY_REFUND, pid, 2000, "x", "w:r1", "USD", NULL, 0}, T0, &rid, &again, &e), E_OK);
    assert_int_equal(queued(f), 3);
    assert_int_equal(money_fix(f->db, &by, &(struct money_fix_in){MONEY_CREDIT, inv, 12001, "x", "w:c0", "USD", NULL, 0}, T0, &cn, &again, &e),
                     E_UNPROCESSABLE);
    assert_int_equal(queued(f), 3);
    assert_int_equal(money_fix(f->db, &by, &(struct money_fix_in){MONEY_CREDIT, inv, 1000, "x", "w:c1", "USD", NULL, 0}, T0, &cn, &again, &e), E_OK);
    assert_int_equal(queued(f), 4);
    /* the types, in order, and the amounts in cents */
    struct wh_delivery *d = NULL;
    size_t n = 0;
    assert_int_equal(db_wh_deliveries(f->db, f->a, ep, "", 10, &d, &n, &e), E_OK);
    assert_int_equal(n, 4);
    const char *types[] = {"credit_note.issued", "payment.refunded", "payment.received",
                           "invoice.issued"};
    int seen = 0;
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 4; k++)
            seen |= strcmp(d[i].type, types[k]) == 0 ? 1 << k : 0;
    assert_int_equal(seen, 15);
    for (size_t i = 0; i < n; i++)
        if (strcmp(d[i].type, "payment.refunded") == 0)
            assert_non_null(strstr(d[i].payload, "\"amount_cents\":2000,\"currency\":\"USD\""));
    wh_free(wh);
    tz_free(tz);
}

/* A deposit paid online is a payment on no invoice yet: its refund is in
 * the clinic's currency (it named "USD" whatever the clinic's was). */
static void test_refund_of_a_deposit_is_in_the_clinic_currency(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    struct tz *tz = NULL;
    int64_t ep = 0, pid = 0, rid = 0;
    int again = 0;
    struct wh *wh = hooks_for(f, WH_EV(WH_PAYMENT_REFUNDED), &tz, &ep);
    struct money_by by = {&DESK, "Rosa Delgado", wh};
    struct payment dep = {.appointment_id = visit(f, "booked", 2),
                          .method = "provider",
                          .amount = 2500,
                          .reference = "pi_test_9",
                          .status = "completed",
                          .created_at = T0,
                          .created_by_name = "Online payment",
                          .idem_key = "pay_pi_test_9"};
    assert_int_equal(db_payment_add(f->db, &dep, &pid, &e), E_OK);
    struct money_fix_in in = {MONEY_REFUND, pid, 1000, "Booked twice", "dep:r1", "CAD", "cash", 0};
    assert_int_equal(money_fix(f->db, &by, &in, T0, &rid, &again, &e), E_OK);
    struct wh_delivery *d = NULL;
    size_t n = 0;
    assert_int_equal(db_wh_deliveries(f->db, f->a, ep, "", 10, &d, &n, &e), E_OK);
    assert_int_equal(n, 1);
    assert_non_null(strstr(d[0].payload, "\"amount_cents\":1000,\"currency\":\"CAD\""));
    wh_free(wh);
    tz_free(tz);
}

/* A refund of a provider payment is written pending with its own key for
 * the provider, counts against what can still be refunded, tells no
 * webhook until done; a failed one frees its amount again; cash instead
 * is completed at once; and it waits while the provider cannot be asked. */
static void test_refund_of_a_provider_payment_is_pending_until_answered(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    struct tz *tz = NULL;
    int64_t ep = 0, pid = 0, rid = 0, rid2 = 0, changed = 0;
    int again = 0;
    struct wh *wh = hooks_for(f, WH_EV(WH_PAYMENT_REFUNDED), &tz, &ep);
    struct money_by by = {&DESK, "Rosa Delgado", wh};
    struct payment dep = {.appointment_id = visit(f, "booked", 3),
                          .method = "provider",
                          .amount = 2500,
                          .reference = "pi_test_7",
                          .status = "completed",
                          .created_at = T0,
                          .created_by_name = "Online payment",
                          .idem_key = "pay_pi_test_7"};
    assert_int_equal(db_payment_add(f->db, &dep, &pid, &e), E_OK);
    /* online payments off: the card cannot be refunded */
    struct money_fix_in off = {MONEY_REFUND, pid, 1500, "Booked twice", "pv:r0", "USD", NULL, 0};
    assert_int_equal(money_fix(f->db, &by, &off, T0, &rid, &again, &e), E_UNPROCESSABLE);
    assert_non_null(strstr(e.msg, "in cash"));
    struct money_fix_in in = {MONEY_REFUND, pid, 1500, "Booked twice", "pv:r1", "USD", NULL, 1};
    assert_int_equal(money_fix(f->db, &by, &in, T0, &rid, &again, &e), E_OK);
    struct refund r;
    assert_int_equal(db_refund(f->db, f->a, rid, &r, &e), E_OK);
    assert_string_equal(r.status, "pending");
    assert_true(strncmp(r.provider_key, "rf_", 3) == 0);
    assert_string_equal(r.payment_ref, "pi_test_7");
    assert_true(money_refund_pending(&r));
    struct wh_delivery *d = NULL;
    size_t n = 0;
    assert_int_equal(db_wh_deliveries(f->db, f->a, ep, "", 10, &d, &n, &e), E_OK);
    assert_int_equal(n, 0); /* not refunded yet */
    /* pending counts: 10.00 left, not 10.01 */
    struct money_fix_in more = {MONEY_REFUND, pid, 1001, "More", "pv:r2", "USD", "cash", 1};
    assert_int_equal(money_fix(f->db, &by, &more, T0, &rid2, &again, &e), E_UNPROCESSABLE);
    struct money_fix_in bad = {MONEY_REFUND, pid, 100, "More", "pv:r3", "USD", "gold", 1};
    assert_int_equal(money_fix(f->db, &by, &bad, T0, &rid2, &again, &e), E_UNPROCESSABLE);
    more.amount = 1000;
    assert_int_equal(money_fix(f->db, &by, &more, T0, &rid2, &again, &e), E_OK);
    struct refund c;
    assert_int_equal(db_refund(f->db, f->a, rid2, &c, &e), E_OK);
    assert_string_equal(c.status, "completed");
    assert_string_equal(c.method, "cash");
    assert_false(money_refund_pending(&c));
    assert_int_equal(db_wh_deliveries(f->db, f->a, ep, "", 10, &d, &n, &e), E_OK);
    assert_int_equal(n, 1); /* the cash refund: done at once */
    /* the provider cannot be asked: it stays pending, E_OK */
    enum pay_refund_state st = PAY_REFUND_DONE;
    struct pay_provider none = {"", "", "", "USD", 15, 1, 1, NULL, NULL};
    assert_int_equal(pay_refund_send(f->db, &none, rid, T0, &st, &e), E_OK);
    assert_int_equal(st, PAY_REFUND_PENDING);
    struct pay_provider closed = {"http://127.0.0.1:9", "sk", "whsec", "USD", 15, 1, 1, NULL, NULL};
    assert_int_equal(pay_refund_send(f->db, &closed, rid, T0, &st, &e), E_OK);
    assert_int_equal(st, PAY_REFUND_PENDING);
    assert_int_equal(db_refund(f->db, f->a, rid, &r, &e), E_OK);
    assert_string_equal(r.status, "pending");
    /* a failure settles it once and frees its amount */
    assert_int_equal(db_refund_settle(f->db, rid, "failed", "", "declined", "", T0, &changed, &e),
                     E_OK);
    assert_int_equal(changed, 1);
    assert_int_equal(db_refund_settle(f->db, rid, "completed", "re_1", "", "", T0, &changed, &e),
                     E_OK);
    assert_int_equal(changed, 0); /* answered before: a later answer changes nothing */
    assert_int_equal(pay_refund_send(f->db, &closed, rid, T0, &st, &e), E_OK);
    assert_int_equal(st, PAY_REFUND_FAILED);
    struct payment p;
    assert_int_equal(db_payment(f->db, f->a, pid, &p, &e), E_OK);
    assert_int_equal(p.refunded, 1000);
    assert_int_equal(p.refund_pending, 0);
    struct money_fix_in again_in = {MONEY_REFUND, pid, 1500, "Retry", "pv:r4", "USD", "cash", 1};
    assert_int_equal(money_fix(f->db, &by, &again_in, T0, &rid2, &again, &e), E_OK);
    wh_free(wh);
    tz_free(tz);
}

/* A payment leaves an invoice only once it is voided in full (0066); the
 * client's credit (a cancelled visit's deposit) goes onto the next invoice
 * issued for them, audited. */
static void test_credit_leaves_only_a_voided_invoice_and_the_next_invoice_takes_it(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    int64_t inv = 0, pid = 0, cn = 0, changed = 0, bal = 0, n = 0;
    int again = 0;
    struct money_issue_in in;
    int64_t a1 = visit(f, "checked_in", 3);
    issue_in(f, a1, 0x31, &in);
    assert_int_equal(money_issue(f->db, &BY, &in, T0, &inv, &again, &e), E_OK);
    struct appointment ap;
    assert_int_equal(db_appointment(f->db, f->a, a1, &ap, &e), E_OK);
    struct payment p = {.invoice_id = inv, .appointment_id = a1, .method = "cash",
                        .amount = 5000, .reference = "", .status = "completed",
                        .created_at = T0, .created_by_name = "Rosa Delgado", .idem_key = "c:1"};
    assert_int_equal(db_payment_add(f->db, &p, &pid, &e), E_OK);
    /* the invoice stands: the store refuses to let the payment go */
    assert_int_not_equal(db_payment_detach(f->db, pid, inv, &changed, &e), E_OK);
    struct invoice i;
    assert_int_equal(db_invoice(f->db, f->a, inv, &i, &e), E_OK);
    struct money_fix_in fix = {MONEY_CREDIT, inv, i.total, "Visit voided", "cn:1", "USD", NULL, 0};
    assert_int_equal(money_fix(f->db, &BY, &fix, T0, &cn, &again, &e), E_OK);
    assert_int_equal(db_payment_detach(f->db, pid, inv, &changed, &e), E_OK);
    assert_int_equal(changed, 1);
    assert_int_equal(db_client_balance(f->db, ap.client_id, &bal, &n, &e), E_OK);
    assert_int_equal(bal, -5000); /* in credit */
    /* the visit is cancelled; the client's next visit's invoice takes the credit */
    assert_int_equal(db_set_appointment_status(f->db, a1, "checked_in", "cancelled", T0, "",
                                               0, &e), E_OK);
    struct appointment a2row = ap;
    a2row.start = T0 + 7200 * 9;
    a2row.end = a2row.start + 3600;
    a2row.busy_until = a2row.start + 4500;
    a2row.status = "checked_in";
    unsigned char hash[STORE_TOKEN_HASH];
    memset(hash, 0x77, sizeof hash);
    int64_t a2 = 0, inv2 = 0;
    assert_int_equal(db_add_appointment(f->db, &a2row, hash, &a2, &e), E_OK);
    issue_in(f, a2, 0x32, &in);
    assert_int_equal(money_issue(f->db, &BY, &in, T0, &inv2, &again, &e), E_OK);
    assert_int_equal(db_invoice(f->db, f->a, inv2, &i, &e), E_OK);
    assert_int_equal(i.paid, 5000);
    assert_int_equal(db_client_balance(f->db, ap.client_id, &bal, &n, &e), E_OK);
    assert_int_equal(bal, i.total - 5000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_issue_needs_check_in_and_numbers_without_gaps, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_payments_refunds_credits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_superbill, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_credit_leaves_only_a_voided_invoice_and_the_next_invoice_takes_it, setup,
            teardown),
        cmocka_unit_test_setup_teardown(test_refund_of_a_deposit_is_in_the_clinic_currency, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_each_change_queues_its_webhook_a_refused_one_none,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_refund_of_a_provider_payment_is_pending_until_answered,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
