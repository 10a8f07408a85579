/* prepaid — packages and gift cards; see prepaid.h.  Each sale runs through
 * db_tx, so its body may run again on E_RETRY (PostgreSQL): it reads,
 * decides and writes only in the database, and looks its form's key up
 * first, so a form sent twice sells once.  A gift card's code exists only
 * in this process's memory, the page that shows it once and the e-mail the
 * outbox sends; the store keeps its hash, and a queued e-mail holds it
 * masked, the code itself sealed beside it under a key that is not in the
 * database (store.h OUTBOX_KIND_SEALED).  It must not know HTTP. */
#include "svc/prepaid.h"

#include <stdio.h>
#include <string.h>

#include "core/booking.h"
#include "core/datetime.h"
#include "core/tz.h"
#include "svc/audit.h"
#include "svc/token.h"
#include "svc/webhook.h"
#include "svc/when.h"
#include "util/arena.h"

/* Characters of UTF-8 text (the store's CHECKs count characters). */
static size_t chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* t moved by months calendar months (UTC), the day kept or the month's
 * last: a package sold on 31 January valid 1 month runs to 28 February. */
static int64_t add_months(int64_t t, int months)
{
    struct dt_civil c;
    dt_civil_from_secs(t, &c);
    int m0 = c.month - 1 + months;
    c.year += m0 / 12;
    c.month = m0 % 12 + 1;
    int last = dt_days_in_month(c.year, c.month);
    if (c.day > last)
        c.day = last;
    return dt_civil_to_secs(&c);
}

/* ---- packages ---- */

enum err_code prepaid_package_add(struct db *db, const struct prepaid_package_in *in, int64_t now,
                                  int64_t *id, struct err *e)
{
    struct arena *a = arena_new();
    struct service s;
    enum err_code rc;
    if (!in->name || !*in->name || chars(in->name) > 120) {
        rc = err_set(e, E_UNPROCESSABLE, "Give the package a name of at most 120 characters.");
        goto done;
    }
    if (in->credits < 1 || in->credits > 100) {
        rc = err_set(e, E_UNPROCESSABLE, "A package holds 1 to 100 sessions.");
        goto done;
    }
    if (in->valid_months < 0 || in->valid_months > 120) {
        rc = err_set(e, E_UNPROCESSABLE,
                     "Valid for 0 to 120 months (0: the credits do not expire).");
        goto done;
    }
    if (!in->service_id || !*in->service_id ||
        (rc = db_service(db, a, in->service_id, &s, e)) == E_NOTFOUND) {
        rc = err_set(e, E_UNPROCESSABLE, "Choose the service the package covers.");
        goto done;
    }
    if (rc != E_OK)
        goto done;
    struct package p = {.name = in->name,
                        .service_id = s.id,
                        .credits = in->credits,
                        .valid_months = in->valid_months,
                        .active = 1,
                        .created_at = now};
    if (in->has_price) {
        if (in->price < 0 || in->price > MONEY_MAX) {
            rc = err_set(e, E_UNPROCESSABLE, "The price is out of range.");
            goto done;
        }
        p.price = in->price;
    } else {
        if (in->discount_bp < 0 || in->discount_bp > MONEY_BP_MAX) {
            rc = err_set(e, E_UNPROCESSABLE, "Give a price, or a discount from 0 to 100 %%.");
            goto done;
        }
        p.discount_bp = in->discount_bp;
        p.price = money_div_even(s.price_cents * in->credits * (MONEY_BP_MAX - in->discount_bp),
                                 MONEY_BP_MAX);
    }
    rc = db_package_add(db, &p, id, e);
done:
    arena_free(a);
    return rc;
}

/* ---- a sale at the desk: one invoice line and its payment ---- */

struct sale {
    const struct money_by *by;
    const struct prepaid_pay_in *pay;
    struct arena *a;
    int64_t now;
};

/* Inside the sale's transaction: issues the invoice of one line (kind,
 * description, price, untaxed: a prepayment is taxed as the visits it
 * pays for are billed) to client c and takes its payment by pay.  *inv and
 * *change get what was written. */
static enum err_code sell_line(struct db *db, const struct sale *s, const struct client *c,
                               const char *kind, const char *description, int64_t price,
                               int64_t *invoice_id, int64_t *change, struct err *e)
{
    enum err_code rc;
    const char *why = NULL;
    int64_t amount = price, tendered = 0;
    *change = 0;
    switch (s->pay->method) {
    case MONEY_CASH:
        if (price > 0 && s->pay->tendered < price) {
            char p[48];
            return err_set(e, E_UNPROCESSABLE,
                           "The cash handed over is less than the price, %s: a sale is paid "
                           "in full.",
                           money_format(price, s->pay->currency, p, sizeof p));
        }
        if (price > 0 && money_cash(price, s->pay->tendered, &amount, change, &why) < 0)
            return err_set(e, E_UNPROCESSABLE, "%s", why);
        tendered = s->pay->tendered;
        break;
    case MONEY_CARD:
        if (!s->pay->reference || !*s->pay->reference)
            return err_set(e, E_UNPROCESSABLE,
                           "Enter the card terminal's reference for this payment.");
        if (strlen(s->pay->reference) > 100)
            return err_set(e, E_UNPROCESSABLE, "Keep the reference under 100 characters.");
        break;
    case MONEY_PROVIDER: /* bought online: the provider's payment id */
        if (!s->pay->reference || !*s->pay->reference || strlen(s->pay->reference) > 100)
            return err_set(e, E_INVALID, "an online sale needs the provider's payment id");
        break;
    default:
        return err_set(e, E_UNPROCESSABLE, "Take the payment by cash or card (terminal).");
    }
    struct invoice inv = {
        .client_id = c->id,
        .client_name = c->name,
        .therapist_id = "",
        .currency = s->pay->currency,
        .line_count = 1,
        .subtotal = price,
        .discount_reason = "",
        .total = price,
        .bill_to = "",
        .issued_at = s->now,
        .issued_by = s->by->actor->user_id,
        .issued_by_name = s->by->name,
    };
    if ((rc = db_invoice_next_number(db, &inv.number, e)) != E_OK ||
        (rc = db_invoice_add(db, &inv, s->pay->key, invoice_id, e)) != E_OK)
        return rc;
    struct invoice_line line = {.invoice_id = *invoice_id,
                                .position = 1,
                                .kind = kind,
                                .service_id = "",
                                .description = description,
                                .procedure_code = "",
                                .qty = 1,
                                .unit_cents = price,
                                .amount_cents = price};
    if ((rc = db_invoice_line_add(db, &line, e)) != E_OK)
        return rc;
    char sum[48];
    money_format(price, s->pay->currency, sum, sizeof sum);
    why = arena_printf(s->a, "invoice %lld of %s: %s", (long long)inv.number, sum, description);
    if ((rc = audit_add_why(db, s->by->actor, "issue", "invoice", *invoice_id, c->id, why, s->now,
                            e)) != E_OK ||
        (rc = wh_invoice_issued(s->by->webhooks, db, *invoice_id, s->now, e)) != E_OK)
        return rc;
    if (price == 0)
        return E_OK;
    char hex[2 * STORE_TOKEN_HASH + 1];
    for (size_t i = 0; i < STORE_TOKEN_HASH; i++)
        snprintf(hex + 2 * i, 3, "%02x", s->pay->key[i]);
    struct payment p = {
        .invoice_id = *invoice_id,
        .method = money_method_name(s->pay->method),
        .amount = amount,
        .tendered = tendered,
        .reference = s->pay->reference ? s->pay->reference : "",
        .status = "completed",
        .idem_key = arena_printf(s->a, "sale:%.64s", hex),
        .created_at = s->now,
        .created_by = s->by->actor->user_id,
        .created_by_name = s->by->name,
    };
    int64_t pid = 0;
    if ((rc = db_payment_add(db, &p, &pid, e)) != E_OK)
        return rc;
    why = arena_printf(s->a, "%s %s towards invoice %lld", money_method_label(s->pay->method), sum,
                       (long long)inv.number);
    if ((rc = audit_add_why(db, s->by->actor, "pay", "payment", pid, c->id, why, s->now, e)) !=
        E_OK)
        return rc;
    return wh_payment_received(s->by->webhooks, db, pid, s->now, e);
}

struct pkg_sell_ctx {
    struct sale s;
    int64_t package_id, client_id;
    int64_t price; /* -1: the package's; else what was paid online (archived or not) */
    struct prepaid_sold out;
};

static enum err_code pkg_sell_tx(struct db *db, void *vctx, struct err *e)
{
    struct pkg_sell_ctx *c = vctx;
    struct package p;
    struct client cl;
    int found = 0;
    enum err_code rc;
    c->out = (struct prepaid_sold){0};
    if ((rc = db_invoice_by_key(db, c->s.pay->key, &c->out.invoice_id, &found, e)) != E_OK)
        return rc;
    if (found) {
        c->out.again = 1;
        return E_OK;
    }
    if ((rc = db_package(db, c->s.a, c->package_id, &p, e)) != E_OK ||
        (rc = db_client(db, c->s.a, c->client_id, &cl, e)) != E_OK)
        return rc;
    if (!p.active && c->price < 0)
        return err_set(e, E_CONFLICT, "The package \"%s\" is archived and no longer sold.",
                       p.name);
    if (c->price >= 0)
        p.price = c->price;
    const char *what = arena_printf(c->s.a, "Package: %s (%d x %s)", p.name, p.credits,
                                    p.service_name);
    if (chars(what) > 200)
        what = arena_printf(c->s.a, "Package: %.100s", p.name);
    if ((rc = sell_line(db, &c->s, &cl, "package", what, p.price, &c->out.invoice_id,
                        &c->out.change, e)) != E_OK)
        return rc;
    struct client_package cp = {.client_id = cl.id,
                                .package_id = p.id,
                                .name = p.name,
                                .service_id = p.service_id,
                                .credits = p.credits,
                                .price = p.price,
                                .invoice_id = c->out.invoice_id,
                                .expires_at = p.valid_months ? add_months(c->s.now, p.valid_months)
                                                             : 0,
                                .sold_at = c->s.now,
                                .sold_by_name = c->s.by->name};
    if ((rc = db_client_package_add(db, &cp, &c->out.item_id, e)) != E_OK)
        return rc;
    struct package_credit pc = {.client_package_id = c->out.item_id,
                                .kind = "sold",
                                .delta = p.credits,
                                .reason = "sold",
                                .at = c->s.now,
                                .by_name = c->s.by->name};
    return db_package_credit_add(db, &pc, e);
}

enum err_code prepaid_package_sell(struct db *db, const struct money_by *by, int64_t package_id,
                                   int64_t client_id, const struct prepaid_pay_in *pay,
                                   int64_t now, struct prepaid_sold *out, struct err *e)
{
    struct arena *a = arena_new();
    struct pkg_sell_ctx c = {.s = {.by = by, .pay = pay, .a = a, .now = now},
                             .package_id = package_id,
                             .client_id = client_id,
                             .price = -1};
    enum err_code rc = db_tx(db, pkg_sell_tx, &c, e);
    if (rc == E_OK)
        *out = c.out;
    arena_free(a);
    return rc;
}

/* ---- credits and bookings ---- */

/* The audit row of a credit used or given back (action "use" or "return"):
 * the package, the booking and why, with what is left after it. */
static enum err_code credit_audit(struct db *db, const struct actor *who, const char *action,
                                  const struct client_package *cp, int64_t appointment_id,
                                  int64_t left, const char *why, int64_t now, struct err *e)
{
    char reason[400];
    snprintf(reason, sizeof reason, "1 credit of package \"%.120s\" %s appointment %lld (%s);"
             " %lld of %d left",
             cp->name, strcmp(action, "use") == 0 ? "for" : "back from",
             (long long)appointment_id, why, (long long)left, cp->credits);
    return audit_add_why(db, who, action, "package_credit", cp->id, cp->client_id, reason, now,
                         e);
}

enum err_code prepaid_use_credit(struct db *db, const struct actor *who, int64_t appointment_id,
                                 int64_t client_id, const char *service_id, int64_t start,
                                 const char *by_name, int64_t now, int *used, struct err *e)
{
    struct arena *a = arena_new();
    struct client_package cp;
    int found = 0;
    enum err_code rc;
    *used = 0;
    if ((rc = db_client_package_usable(db, a, client_id, service_id, start, &cp, &found, e)) !=
            E_OK ||
        !found)
        goto done;
    struct package_credit pc = {.client_package_id = cp.id,
                                .kind = "use",
                                .delta = -1,
                                .appointment_id = appointment_id,
                                .reason = "booked",
                                .at = now,
                                .by_name = by_name};
    if ((rc = db_package_credit_add(db, &pc, e)) != E_OK ||
        (rc = credit_audit(db, who, "use", &cp, appointment_id, cp.left - 1, "booked", now, e)) !=
            E_OK)
        goto done;
    *used = 1;
done:
    arena_free(a);
    return rc;
}

/* What gift cards paid ahead for the visit goes back onto them. */
static enum err_code gift_back(struct db *db, struct arena *a, int64_t appointment_id,
                               const char *by_name, int64_t now, struct err *e)
{
    struct payment *ps = NULL;
    size_t n = 0;
    enum err_code rc = db_payments_of_appt_unbilled(db, a, appointment_id, &ps, &n, e);
    for (size_t i = 0; rc == E_OK && i < n; i++) {
        int64_t card = 0, rid = 0, left = ps[i].amount - ps[i].refunded;
        int on_card = 0;
        if (strcmp(ps[i].method, "gift_card") != 0 || left <= 0)
            continue;
        struct refund f = {.payment_id = ps[i].id,
                           .amount = left,
                           .reason = "the appointment was cancelled",
                           .created_at = now,
                           .created_by_name = by_name};
        if ((rc = db_gift_card_of_payment(db, ps[i].id, &card, &on_card, e)) != E_OK ||
            (rc = db_refund_add(db, &f,
                                arena_printf(a, "cancel:%lld", (long long)ps[i].id), 0, &rid,
                                e)) != E_OK ||
            (on_card && (rc = db_gift_card_touch(db, card, now, e)) != E_OK) ||
            (on_card && (rc = db_gift_card_entry_add(db, card, "refund", left, ps[i].id, now,
                                                     by_name, e)) != E_OK))
            break;
    }
    return rc;
}

enum err_code prepaid_return_credit(struct db *db, const struct actor *who, int64_t appointment_id,
                                    int late, const char *by_name, int64_t now, struct err *e)
{
    struct arena *a = arena_new();
    struct client_package cp;
    int found = 0, returned = 0;
    enum err_code rc;
    if ((rc = gift_back(db, a, appointment_id, by_name, now, e)) != E_OK ||
        (rc = db_package_credit_of_appt(db, a, appointment_id, &cp, &returned, &found, e)) !=
            E_OK ||
        !found || returned || late)
        goto done;
    struct package_credit pc = {.client_package_id = cp.id,
                                .kind = "return",
                                .delta = 1,
                                .appointment_id = appointment_id,
                                .reason = "cancelled in time",
                                .at = now,
                                .by_name = by_name};
    if ((rc = db_package_credit_add(db, &pc, e)) == E_OK)
        rc = credit_audit(db, who, "return", &cp, appointment_id, cp.left + 1,
                          "cancelled in time", now, e);
done:
    arena_free(a);
    return rc;
}

/* ---- gift cards ---- */

enum err_code prepaid_gift_prepay(struct db *db, const struct actor *who, int64_t appointment_id,
                                  int64_t client_id, const char *code, int64_t price,
                                  const char *currency, int64_t now, int64_t *paid,
                                  struct err *e)
{
    struct arena *a = arena_new();
    struct gift_card g;
    enum err_code rc;
    int64_t pid = 0;
    *paid = 0;
    struct appointment ap;
    if ((rc = money_gift_card(db, a, code, currency, now, &g, e)) != E_OK ||
        (!client_id && (rc = db_appointment(db, a, appointment_id, &ap, e)) != E_OK))
        goto done;
    if (!client_id)
        client_id = ap.client_id;
    int64_t amount = g.balance < price ? g.balance : price;
    if (amount <= 0)
        goto done;
    char sum[48];
    money_format(amount, currency, sum, sizeof sum);
    struct payment p = {
        .appointment_id = appointment_id,
        .method = "gift_card",
        .amount = amount,
        .reference = arena_printf(a, "Gift card ending %s", g.last4),
        .status = "completed",
        .idem_key = arena_printf(a, "book:%lld:gift", (long long)appointment_id),
        .created_at = now,
        .created_by_name = "client online",
    };
    if ((rc = db_payment_add(db, &p, &pid, e)) != E_OK ||
        (rc = db_gift_card_entry_add(db, g.id, "redeem", -amount, pid, now, "client online", e)) !=
            E_OK ||
        (rc = audit_add_why(db, who, "pay", "payment", pid, client_id,
                            arena_printf(a, "Gift card %s ahead for appointment %lld", sum,
                                         (long long)appointment_id),
                            now, e)) != E_OK)
        goto done;
    *paid = amount;
done:
    arena_free(a);
    return rc;
}

/* Queues m, whose body holds code masked (token_code_mask), and the code
 * sealed under seal beside it: the outbox worker opens it to send. */
static enum err_code queue_sealed(struct db *db, const struct outbox_msg *m, const char *code,
                                  const unsigned char *seal, struct err *e)
{
    unsigned char sealed[TOKEN_CODE_LEN - 1 + TOKEN_SEAL_OVERHEAD];
    int added = 0;
    enum err_code rc = db_outbox_add(db, m, &added, e);
    if (rc != E_OK || !added)
        return rc;
    token_seal_bytes(code, TOKEN_CODE_LEN - 1, seal, sealed);
    return db_outbox_seal_add(db, m->dedupe_key, sealed, sizeof sealed, e);
}

int64_t prepaid_gift_send_at(const struct tz *tz, struct dt_date on)
{
    int64_t at[2];
    int n = tz_wall_to_utc(tz, on, PREPAID_GIFT_SEND_MINUTE, at);
    if (n >= 1) /* twice (a repeated hour): the first */
        return at[0];
    /* skipped by a change: the wall time read with the offset of the
     * day's start, which lands just after the gap */
    int64_t start = tz_day_start(tz, on);
    return dt_date_to_days(on) * 86400 + PREPAID_GIFT_SEND_MINUTE * 60 -
           tz_offset_at(tz, start);
}

static enum err_code gift_check(const struct prepaid_gift_in *in, struct err *e);

struct gift_ctx {
    struct sale s;
    const struct prepaid_gift_in *in;
    char *code;
    struct prepaid_sold out;
};

static enum err_code gift_tx(struct db *db, void *vctx, struct err *e)
{
    struct gift_ctx *c = vctx;
    const struct prepaid_gift_in *in = c->in;
    struct client cl;
    int found = 0;
    enum err_code rc;
    unsigned char hash[STORE_TOKEN_HASH];
    c->out = (struct prepaid_sold){0};
    c->code[0] = '\0';
    if ((rc = db_gift_card_by_key(db, c->s.pay->key, &c->out.item_id, &found, e)) != E_OK)
        return rc;
    if (found) {
        c->out.again = 1;
        return E_OK;
    }
    int64_t buyer = in->buyer_client_id;
    if ((!buyer && (rc = db_client_for_booking(db, in->buyer_name, in->buyer_email, "", 0,
                                               c->s.now, &buyer, e)) != E_OK) ||
        (rc = db_client(db, c->s.a, buyer, &cl, e)) != E_OK)
        return rc;
    char sum[48];
    money_format(in->amount, c->s.pay->currency, sum, sizeof sum);
    const char *what = arena_printf(c->s.a, "Gift card %s%s%.100s", sum,
                                    *in->recipient_name ? " for " : "", in->recipient_name);
    if ((rc = sell_line(db, &c->s, &cl, "gift_card", what, in->amount, &c->out.invoice_id,
                        &c->out.change, e)) != E_OK)
        return rc;
    token_code_new(c->code);
    if (token_code_hash(c->code, hash) < 0)
        return err_set(e, E_INTERNAL, "gift card code");
    struct gift_card g = {
        .last4 = c->code + TOKEN_CODE_LEN - 5,
        .amount = in->amount,
        .currency = c->s.pay->currency,
        .invoice_id = c->out.invoice_id,
        .buyer_client_id = cl.id,
        .recipient_name = in->recipient_name,
        .recipient_email = in->recipient_email,
        .message = in->message,
        .send_at = *in->recipient_email ? in->send_at : 0,
        .expires_at = in->expiry_months ? add_months(c->s.now, in->expiry_months) : 0,
        .created_at = c->s.now,
        .created_by_name = c->s.by->name,
    };
    if ((rc = db_gift_card_add(db, &g, hash, c->s.pay->key, &c->out.item_id, e)) != E_OK ||
        (rc = db_gift_card_entry_add(db, c->out.item_id, "issue", in->amount, 0, c->s.now,
                                     c->s.by->name, e)) != E_OK)
        return rc;
    if (!*in->recipient_email && !in->mail_buyer)
        return E_OK;
    if (!in->seal) /* never a code in clear in the database */
        return err_set(e, E_UNAVAILABLE,
                       "Gift cards cannot be e-mailed just now: the server has no key to seal "
                       "their codes. Sell it without an e-mail and hand the code over, or try "
                       "again later.");
    char masked[TOKEN_CODE_LEN];
    token_code_mask(c->code, masked);
    char until[32] = "";
    if (g.expires_at) {
        struct dt_civil x;
        dt_civil_from_secs(g.expires_at, &x);
        snprintf(until, sizeof until, "%04d-%02d-%02d", x.year, x.month, x.day);
    }
    const char *body = arena_printf(
        c->s.a,
        "Hello %s,\n\n%s sent you a gift card of %s for %s.\n%s%s%s\nYour code: %s\n\n"
        "Book online at %s and enter the code when you book, or give it at the front desk.\n"
        "%s%s%s\nKeep this code safe: anyone who has it can spend the card.\n",
        *in->recipient_name ? in->recipient_name : "there", cl.name, sum, in->clinic_name,
        *in->message ? "\n" : "", in->message, *in->message ? "\n" : "", masked, in->site_url,
        *until ? "It can be used until " : "It does not expire.", until, *until ? ".\n" : "\n");
    struct outbox_msg m = {
        .kind = "gift_card",
        .channel = "email",
        .dedupe_key = arena_printf(c->s.a, "gift_card:%lld", (long long)c->out.item_id),
        .recipient = in->recipient_email,
        .recipient_name = in->recipient_name,
        .subject = arena_printf(c->s.a, "A gift card for %s from %s", in->clinic_name, cl.name),
        .body_text = body,
        .body_html = "",
        .attach_name = "",
        .attach_type = "",
        .next_attempt_at = in->send_at > c->s.now ? in->send_at : c->s.now,
        .created_at = c->s.now,
    };
    if (*in->recipient_email && (rc = queue_sealed(db, &m, c->code, in->seal, e)) != E_OK)
        return rc;
    if (!in->mail_buyer)
        return E_OK;
    /* the buyer's receipt: the code itself only when nobody else is sent it */
    struct dt_date day = {0};
    if (in->tz) {
        day = when_local_date(in->tz, m.next_attempt_at);
    } else { /* no clinic time zone given: UTC's day */
        struct dt_civil x;
        dt_civil_from_secs(m.next_attempt_at, &x);
        day = (struct dt_date){x.year, x.month, x.day};
    }
    const char *on = when_date_long(c->s.a, day);
    const char *rbody =
        *in->recipient_email
            ? arena_printf(c->s.a,
                           "Hello %s,\n\nThank you for buying a gift card of %s for %s.\n"
                           "It will be e-mailed to %s <%s> on %s. Only they receive "
                           "its code.\n",
                           cl.name, sum, in->clinic_name,
                           *in->recipient_name ? in->recipient_name : "the recipient",
                           in->recipient_email, on)
            : arena_printf(c->s.a,
                           "Hello %s,\n\nThank you for buying a gift card of %s for %s.\n\n"
                           "The code: %s\n\nThis e-mail is the only copy of the code: pass it "
                           "on or keep it safe, as anyone who has it can spend the card.\n"
                           "Use it when booking at %s, or give it at the front desk.\n"
                           "%s%s%s",
                           cl.name, sum, in->clinic_name, masked, in->site_url,
                           *until ? "It can be used until " : "It does not expire.", until,
                           *until ? ".\n" : "\n");
    struct outbox_msg r = {
        .kind = "gift_card",
        .channel = "email",
        .dedupe_key = arena_printf(c->s.a, "gift_card_buyer:%lld", (long long)c->out.item_id),
        .recipient = in->buyer_email,
        .recipient_name = cl.name,
        .subject = arena_printf(c->s.a, "Your gift card for %s", in->clinic_name),
        .body_text = rbody,
        .body_html = "",
        .attach_name = "",
        .attach_type = "",
        .next_attempt_at = c->s.now,
        .created_at = c->s.now,
    };
    if (*in->recipient_email) { /* no code in it */
        int added = 0;
        return db_outbox_add(db, &r, &added, e);
    }
    return queue_sealed(db, &r, c->code, in->seal, e);
}

enum err_code prepaid_gift_sell(struct db *db, const struct money_by *by,
                                const struct prepaid_gift_in *in, const struct prepaid_pay_in *pay,
                                int64_t now, char code[TOKEN_CODE_LEN], struct prepaid_sold *out,
                                struct err *e)
{
    code[0] = '\0';
    if (in->amount < 100 || in->amount > MONEY_MAX)
        return err_set(e, E_UNPROCESSABLE, "A gift card is for 1.00 or more.");
    enum err_code rc = gift_check(in, e);
    if (rc != E_OK)
        return rc;
    struct arena *a = arena_new();
    struct gift_ctx c = {.s = {.by = by, .pay = pay, .a = a, .now = now}, .in = in, .code = code};
    rc = db_tx(db, gift_tx, &c, e);
    if (rc == E_OK)
        *out = c.out;
    else
        code[0] = '\0';
    arena_free(a);
    return rc;
}

/* The fields of a gift card other than its amount. */
static enum err_code gift_check(const struct prepaid_gift_in *in, struct err *e)
{
    if (chars(in->recipient_name) > 120 || chars(in->message) > 500 ||
        strlen(in->recipient_email) > 254)
        return err_set(e, E_UNPROCESSABLE,
                       "Keep the name under 120 characters and the message under 500.");
    const char *why = NULL;
    if (!in->buyer_client_id && ((why = booking_check_name(in->buyer_name)) ||
                                 (why = booking_check_email(in->buyer_email))))
        return err_set(e, E_UNPROCESSABLE, "The buyer: %s", why);
    if (*in->recipient_email && (why = booking_check_email(in->recipient_email)))
        return err_set(e, E_UNPROCESSABLE, "The recipient: %s", why);
    if (*in->recipient_email && !strchr(in->recipient_email, '@'))
        return err_set(e, E_UNPROCESSABLE, "Enter the recipient's e-mail address, or none.");
    return E_OK;
}

/* ---- inside a caller's transaction (svc/shop's webhook handlers) ---- */

enum err_code prepaid_gift_check(const struct prepaid_gift_in *in, struct err *e)
{
    return gift_check(in, e);
}

enum err_code prepaid_gift_sell_in_tx(struct db *db, const struct money_by *by,
                                      const struct prepaid_gift_in *in,
                                      const struct prepaid_pay_in *pay, int64_t now,
                                      char code[TOKEN_CODE_LEN], struct prepaid_sold *out,
                                      struct err *e)
{
    struct arena *a = arena_new();
    struct gift_ctx c = {.s = {.by = by, .pay = pay, .a = a, .now = now}, .in = in, .code = code};
    enum err_code rc = gift_tx(db, &c, e);
    if (rc == E_OK)
        *out = c.out;
    else
        code[0] = '\0';
    arena_free(a);
    return rc;
}

enum err_code prepaid_package_sell_in_tx(struct db *db, const struct money_by *by,
                                         int64_t package_id, int64_t client_id, int64_t price,
                                         const struct prepaid_pay_in *pay, int64_t now,
                                         struct prepaid_sold *out, struct err *e)
{
    struct arena *a = arena_new();
    struct pkg_sell_ctx c = {.s = {.by = by, .pay = pay, .a = a, .now = now},
                             .package_id = package_id,
                             .client_id = client_id,
                             .price = price};
    enum err_code rc = pkg_sell_tx(db, &c, e);
    if (rc == E_OK)
        *out = c.out;
    arena_free(a);
    return rc;
}
