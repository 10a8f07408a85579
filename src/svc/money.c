/* money — the ledger's transactions; see money.h.  Each runs through db_tx,
 * so its body may run again on E_RETRY (PostgreSQL): it reads, decides and
 * writes only in the database, and its idempotency key is looked up first
 * inside the transaction, so a form sent twice (or a retried call) finds
 * the first one's row and records nothing new.  It must not know HTTP. */
#include "svc/money.h"

#include <stdio.h>
#include <string.h>

#include "core/datetime.h"
#include "core/referral.h"
#include "svc/token.h"
#include "svc/webhook.h"
#include "svc/when.h"
#include "util/arena.h"

#define WHY_MAX 500

/* why, cut to the audit's 500 characters on a character boundary. */
static const char *clip(struct arena *a, const char *why)
{
    size_t n = strlen(why);
    if (n <= WHY_MAX)
        return why;
    n = WHY_MAX;
    while (n > 0 && ((unsigned char)why[n] & 0xC0) == 0x80)
        n--;
    return arena_strndup(a, why, n);
}

static const char *fmt(char *buf, size_t size, int64_t cents, const char *currency)
{
    return money_format(cents, currency, buf, size);
}

enum err_code money_visit_line(struct db *db, struct arena *a, const struct appointment *ap,
                               struct money_line_in *out, struct err *e)
{
    struct service s;
    struct service_billing b;
    enum err_code rc;
    if ((rc = db_service(db, a, ap->service_id, &s, e)) != E_OK ||
        (rc = db_service_billing(db, a, ap->service_id, &b, e)) != E_OK)
        return rc;
    int minutes = (int)((ap->end - ap->start) / 60);
    *out = (struct money_line_in){
        .kind = "service",
        .service_id = s.id,
        .description = s.name,
        .procedure_code = b.procedure_code,
        .units = *b.procedure_code ? money_units(minutes, b.unit_minutes) : 0,
        .qty = 1,
        .tax_bp = b.tax_bp,
        .unit = s.price_cents,
    };
    return E_OK;
}

enum err_code money_preview(const struct money_issue_in *in, struct money_line *lines,
                            struct money_totals *t, struct err *e)
{
    const char *why = NULL;
    if (in->nlines > MONEY_MAX_LINES)
        return err_set(e, E_UNPROCESSABLE, "An invoice has at most 16 lines.");
    for (size_t i = 0; i < in->nlines; i++)
        lines[i] = (struct money_line){
            .unit = in->lines[i].unit, .qty = in->lines[i].qty, .tax_bp = in->lines[i].tax_bp};
    if (money_invoice(lines, in->nlines, &in->discount, in->tip, t, &why) < 0)
        return err_set(e, E_UNPROCESSABLE, "%s", why);
    if (t->discount > 0 && (!in->discount_reason || !*in->discount_reason))
        return err_set(e, E_UNPROCESSABLE, "Give the reason for the discount.");
    return E_OK;
}

/* ---- issuing an invoice ---- */

struct issue_ctx {
    const struct money_by *by;
    const struct money_issue_in *in;
    struct arena *a;
    int64_t now, id;
    int again;
};

/* The client's credit (what they paid for visits never billed: a
 * cancelled visit's deposit, a voided fee's payments) goes onto the invoice
 * just issued for ap, each payment audited with why. */
static enum err_code apply_credit(struct db *db, struct issue_ctx *c, const struct appointment *ap,
                                  int64_t number, struct err *e)
{
    struct payment *ps = NULL;
    size_t n = 0;
    enum err_code rc = db_payments_credit_of_client(db, c->a, ap->client_id, ap->id, &ps, &n, e);
    for (size_t i = 0; rc == E_OK && i < n; i++) {
        int64_t changed = 0;
        char sum[48];
        if ((rc = db_payment_apply(db, ps[i].id, c->id, &changed, e)) != E_OK || !changed)
            continue;
        const char *why = arena_printf(
            c->a, "the client's credit of %s (paid for appointment %lld) applied to invoice %lld",
            fmt(sum, sizeof sum, ps[i].amount - ps[i].refunded, c->in->currency),
            (long long)ps[i].appointment_id, (long long)number);
        rc = audit_add_why(db, c->by->actor, "update", "payment", ps[i].id, ap->client_id, why,
                           c->now, e);
    }
    return rc;
}

static enum err_code issue_tx(struct db *db, void *vctx, struct err *e)
{
    struct issue_ctx *c = vctx;
    const struct money_issue_in *in = c->in;
    struct appointment ap;
    struct money_line lines[MONEY_MAX_LINES];
    struct money_totals t;
    int found = 0;
    enum err_code rc;
    c->again = 0;
    if ((rc = db_invoice_by_key(db, in->key, &c->id, &found, e)) != E_OK)
        return rc;
    if (found) {
        c->again = 1;
        return E_OK;
    }
    if ((rc = db_appointment(db, c->a, in->appointment_id, &ap, e)) != E_OK)
        return rc;
    if (in->fee && strcmp(ap.status, "no_show") != 0 &&
        !(strcmp(ap.status, "cancelled") == 0 && ap.cancel_late))
        return err_set(e, E_CONFLICT, "A fee is billed only for a missed or late-cancelled visit.");
    if (!in->fee && strcmp(ap.status, "checked_in") != 0 && strcmp(ap.status, "completed") != 0)
        return err_set(e, E_CONFLICT,
                       "Check the client in first: a visit is billed once the client is "
                       "checked in.");
    if ((rc = money_preview(in, lines, &t, e)) != E_OK)
        return rc;
    struct invoice inv = {
        .appointment_id = ap.id,
        .client_id = ap.client_id,
        .client_name = ap.client_name,
        .therapist_id = ap.therapist_id,
        .currency = in->currency,
        .line_count = (int)in->nlines,
        .subtotal = t.subtotal,
        .discount = t.discount,
        .discount_reason = t.discount ? in->discount_reason : "",
        .tax = t.tax,
        .tip = t.tip,
        .total = t.total,
        .bill_to = in->bill_to ? in->bill_to : "",
        .issued_at = c->now,
        .issued_by = c->by->actor->user_id,
        .issued_by_name = c->by->name,
    };
    if ((rc = db_invoice_next_number(db, &inv.number, e)) != E_OK ||
        (rc = db_invoice_add(db, &inv, in->key, &c->id, e)) != E_OK)
        return rc;
    for (size_t i = 0; i < in->nlines; i++) {
        const struct money_line_in *l = &in->lines[i];
        struct invoice_line row = {
            .invoice_id = c->id,
            .position = (int)i + 1,
            .kind = l->kind,
            .service_id = l->service_id ? l->service_id : "",
            .description = l->description,
            .procedure_code = l->procedure_code ? l->procedure_code : "",
            .units = l->units,
            .qty = lines[i].qty,
            .unit_cents = lines[i].unit,
            .discount_cents = lines[i].discount,
            .tax_bp = lines[i].tax_bp,
            .tax_cents = lines[i].tax,
            .amount_cents = lines[i].amount,
        };
        if ((rc = db_invoice_line_add(db, &row, e)) != E_OK)
            return rc;
    }
    if ((rc = db_payments_attach(db, ap.id, c->id, e)) != E_OK ||
        (rc = apply_credit(db, c, &ap, inv.number, e)) != E_OK)
        return rc;
    char total[48];
    const char *why = arena_printf(
        c->a, "invoice %lld of %s%s%s%s%s", (long long)inv.number,
        fmt(total, sizeof total, t.total, in->currency), t.discount ? "; discount: " : "",
        t.discount ? in->discount_reason : "", *inv.bill_to ? "; billed to " : "", inv.bill_to);
    why = clip(c->a, why);
    if ((rc = audit_add_why(db, c->by->actor, "issue", "invoice", c->id, ap.client_id, why, c->now,
                            e)) != E_OK)
        return rc;
    return wh_invoice_issued(c->by->webhooks, db, c->id, c->now, e);
}

enum err_code money_issue(struct db *db, const struct money_by *by, const struct money_issue_in *in,
                          int64_t now, int64_t *id, int *again, struct err *e)
{
    struct arena *a = arena_new();
    struct issue_ctx c = {.by = by, .in = in, .a = a, .now = now};
    enum err_code rc = db_tx(db, issue_tx, &c, e);
    if (rc == E_OK) {
        *id = c.id;
        *again = c.again;
    }
    arena_free(a);
    return rc;
}

/* ---- payments ---- */

struct pay_ctx {
    const struct money_by *by;
    const struct money_pay_in *in;
    struct arena *a;
    int64_t now, id, change;
    int again;
};

enum err_code money_gift_card(struct db *db, struct arena *a, const char *code,
                              const char *currency, int64_t now, struct gift_card *g,
                              struct err *e)
{
    unsigned char hash[STORE_TOKEN_HASH];
    int found = 0;
    enum err_code rc;
    if (token_code_hash(code, hash) == 0 &&
        (rc = db_gift_card_by_hash(db, a, hash, g, &found, e)) != E_OK)
        return rc;
    if (!found) {
        err_set(e, E_UNPROCESSABLE,
                "That gift card code is not valid. Check it and type it again.");
        e->problem = "gift_code_unknown";
        *g = (struct gift_card){0};
        return E_UNPROCESSABLE;
    }
    if ((rc = db_gift_card_touch(db, g->id, now, e)) != E_OK ||
        (rc = db_gift_card(db, a, g->id, g, e)) != E_OK)
        return rc;
    if (g->expires_at && g->expires_at <= now)
        return err_set(e, E_UNPROCESSABLE, "This gift card has expired.");
    if (strcmp(g->currency, currency) != 0)
        return err_set(e, E_UNPROCESSABLE, "This gift card is in another currency.");
    if (g->balance <= 0 && g->refunded > 0) /* its sale was refunded (money_sale_refund) */
        return err_set(e, E_UNPROCESSABLE,
                       "This gift card was refunded to its buyer, so nothing is left on it.");
    if (g->balance <= 0)
        return err_set(e, E_UNPROCESSABLE, "This gift card has been spent.");
    return E_OK;
}

/* A gift card pays amount (at most what is owed and what it holds) of
 * inv: *g gets the card (see money_gift_card). */
static enum err_code gift_redeem(struct db *db, struct pay_ctx *c, const struct invoice *inv,
                                 int64_t due, int64_t *amount, struct gift_card *g, struct err *e)
{
    const char *why = NULL;
    enum err_code rc;
    char held[48];
    if ((rc = money_gift_card(db, c->a, c->in->code, inv->currency, c->now, g, e)) != E_OK)
        return rc;
    if (*amount > g->balance)
        return err_set(e, E_UNPROCESSABLE, "The gift card holds %s; take the rest another way.",
                       fmt(held, sizeof held, g->balance, inv->currency));
    if (money_pay_check(due, *amount, &why) < 0)
        return err_set(e, E_UNPROCESSABLE, "%s", why);
    return E_OK;
}

/* The visit's package credit pays its service line: what that line came
 * to, at most what is owed.  Only when the visit used a credit that was
 * not given back. */
static enum err_code package_pays(struct db *db, struct pay_ctx *c, const struct invoice *inv,
                                  int64_t due, int64_t *amount, struct err *e)
{
    struct client_package cp;
    struct invoice_line *lines = NULL;
    size_t n = 0;
    int found = 0, returned = 0;
    enum err_code rc;
    if (!inv->appointment_id ||
        (rc = db_package_credit_of_appt(db, c->a, inv->appointment_id, &cp, &returned, &found,
                                        e)) != E_OK ||
        !found || returned) {
        if (inv->appointment_id && rc != E_OK)
            return rc;
        return err_set(e, E_UNPROCESSABLE, "This visit did not use a package credit.");
    }
    struct payment earlier;
    if ((rc = db_payment_by_key(db, c->a,
                                arena_printf(c->a, "package:%lld", (long long)inv->appointment_id),
                                &earlier, &found, e)) != E_OK)
        return rc;
    if (found)
        return err_set(e, E_CONFLICT, "The package credit has paid for this visit already.");
    if ((rc = db_invoice_lines(db, c->a, inv->id, &lines, &n, e)) != E_OK)
        return rc;
    *amount = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(lines[i].kind, "service") == 0)
            *amount += lines[i].amount_cents;
    if (*amount > due)
        *amount = due;
    if (*amount <= 0)
        return err_set(e, E_UNPROCESSABLE, "Nothing is owed for the visit's service.");
    return E_OK;
}

static enum err_code pay_tx(struct db *db, void *vctx, struct err *e)
{
    struct pay_ctx *c = vctx;
    const struct money_pay_in *in = c->in;
    struct payment p;
    struct invoice inv;
    struct gift_card gift = {0};
    int found = 0;
    const char *why = NULL;
    enum err_code rc;
    c->again = 0;
    if ((rc = db_payment_by_key(db, c->a, in->key, &p, &found, e)) != E_OK)
        return rc;
    if (found) {
        c->again = 1;
        c->id = p.id;
        c->change = p.tendered > p.amount ? p.tendered - p.amount : 0;
        return E_OK;
    }
    if ((rc = db_invoice(db, c->a, in->invoice_id, &inv, e)) != E_OK)
        return rc;
    int64_t due = money_balance(inv.total, inv.credited, inv.paid, inv.refunded);
    int64_t amount = in->amount, tendered = 0;
    c->change = 0;
    switch (in->method) {
    case MONEY_CASH:
        if (money_cash(due, in->tendered, &amount, &c->change, &why) < 0)
            return err_set(e, E_UNPROCESSABLE, "%s", why);
        tendered = in->tendered;
        break;
    case MONEY_CARD:
    case MONEY_INSURANCE:
        if (!in->reference || !*in->reference)
            return err_set(e, E_UNPROCESSABLE, "%s",
                           in->method == MONEY_CARD
                               ? "Enter the card terminal's reference for this payment."
                               : "Enter who paid (the insurer) and their reference.");
        if (money_pay_check(due, amount, &why) < 0)
            return err_set(e, E_UNPROCESSABLE, "%s", why);
        break;
    case MONEY_GIFT_CARD:
        if ((rc = gift_redeem(db, c, &inv, due, &amount, &gift, e)) != E_OK)
            return rc;
        break;
    case MONEY_PACKAGE:
        if ((rc = package_pays(db, c, &inv, due, &amount, e)) != E_OK)
            return rc;
        break;
    default:
        return err_set(e, E_UNPROCESSABLE,
                       "The desk takes cash, card (terminal) or a payment from an insurer.");
    }
    p = (struct payment){
        .invoice_id = inv.id,
        .appointment_id = inv.appointment_id,
        .method = money_method_name(in->method),
        .amount = amount,
        .tendered = tendered,
        .reference = gift.id ? arena_printf(c->a, "Gift card ending %s", gift.last4)
                     : in->method == MONEY_PACKAGE ? "Package credit"
                     : in->reference               ? in->reference
                                                   : "",
        .status = "completed",
        .idem_key = in->method == MONEY_PACKAGE
                        ? arena_printf(c->a, "package:%lld", (long long)inv.appointment_id)
                        : in->key,
        .created_at = c->now,
        .created_by = c->by->actor->user_id,
        .created_by_name = c->by->name,
    };
    if ((rc = db_payment_add(db, &p, &c->id, e)) != E_OK ||
        (gift.id && (rc = db_gift_card_entry_add(db, gift.id, "redeem", -amount, c->id, c->now,
                                                 c->by->name, e)) != E_OK))
        return rc;
    char sum[48];
    why = arena_printf(c->a, "%s %s towards invoice %lld", money_method_label(in->method),
                       fmt(sum, sizeof sum, amount, inv.currency), (long long)inv.number);
    if ((rc = audit_add_why(db, c->by->actor, "pay", "payment", c->id, inv.client_id, why, c->now,
                            e)) != E_OK)
        return rc;
    return wh_payment_received(c->by->webhooks, db, c->id, c->now, e);
}

enum err_code money_pay(struct db *db, const struct money_by *by, const struct money_pay_in *in,
                        int64_t now, int64_t *id, int64_t *change, int *again, struct err *e)
{
    if (!in->key || !*in->key || strlen(in->key) > 100)
        return err_set(e, E_INVALID, "The payment form has no key; open the checkout again.");
    if (in->reference && strlen(in->reference) > 100)
        return err_set(e, E_UNPROCESSABLE, "Keep the reference under 100 characters.");
    struct arena *a = arena_new();
    struct pay_ctx c = {.by = by, .in = in, .a = a, .now = now};
    enum err_code rc = db_tx(db, pay_tx, &c, e);
    if (rc == E_OK) {
        *id = c.id;
        *change = c.change;
        *again = c.again;
    }
    arena_free(a);
    return rc;
}

/* ---- refunds of a sale ---- */

/* The gift card sold on the refunded invoice: the refund comes off what is
 * unspent.  The card's row is written first, so a redemption at the same
 * moment waits (db_gift_card_touch), and the balance read after it. */
static enum err_code sale_refund_card(struct db *db, struct arena *a, int64_t card,
                                      const char *by_name, int64_t payment_id, int64_t amount,
                                      const char *currency, int64_t now, const char **note,
                                      struct err *e)
{
    struct gift_card g;
    char left[48], was[48];
    enum err_code rc;
    if ((rc = db_gift_card_touch(db, card, now, e)) != E_OK ||
        (rc = db_gift_card(db, a, card, &g, e)) != E_OK)
        return rc;
    if (amount > g.balance) {
        money_format(g.balance, currency, left, sizeof left);
        money_format(g.amount, currency, was, sizeof was);
        if (g.balance <= 0)
            return err_set(e, E_UNPROCESSABLE,
                           "The gift card sold on this invoice (ending %s) has nothing unspent: "
                           "its %s were spent or refunded, so its sale cannot be refunded.",
                           g.last4, was);
        return err_set(e, E_UNPROCESSABLE,
                       "Only %s of the gift card sold on this invoice (ending %s) is unspent; "
                       "refund at most that.",
                       left, g.last4);
    }
    if ((rc = db_gift_card_entry_add(db, card, "sale_refund", -amount, payment_id, now, by_name,
                                     e)) != E_OK)
        return rc;
    money_format(g.balance - amount, currency, left, sizeof left);
    *note = arena_printf(a, "; taken off gift card ending %s, %s left on it", g.last4, left);
    return E_OK;
}

/* The package sold on the refunded invoice: the credits the refund pays for
 * come off it.  Its row is locked first, so a booking using a credit at
 * the same moment waits. */
static enum err_code sale_refund_package(struct db *db, struct arena *a, const struct actor *who,
                                         const char *by_name, int64_t invoice_id, int64_t refunded,
                                         int64_t amount, const char *currency, int64_t now,
                                         const char **note, struct err *e)
{
    struct client_package cp;
    int taken = 0, found = 0, take = 0;
    int64_t most = 0;
    char sum[48];
    enum err_code rc;
    if ((rc = db_client_package_of_sale(db, a, invoice_id, &cp, &taken, &found, e)) != E_OK ||
        !found || (rc = db_client_package_lock(db, cp.id, e)) != E_OK ||
        (rc = db_client_package_of_sale(db, a, invoice_id, &cp, &taken, &found, e)) != E_OK)
        return rc;
    if (!found)
        return E_OK;
    int left = cp.left < 0 ? 0 : (int)cp.left;
    if (money_package_refund(cp.price, cp.credits, refunded, taken, left, amount, &take, &most) <
        0) {
        if (most <= 0)
            return err_set(e, E_UNPROCESSABLE,
                           "All %d credits of the package \"%s\" sold on this invoice are used "
                           "or refunded, so its sale cannot be refunded.",
                           cp.credits, cp.name);
        return err_set(e, E_UNPROCESSABLE,
                       "Only %d of the %d credits of the package \"%s\" sold on this invoice "
                       "are unused, worth %s; refund at most that.",
                       left, cp.credits, cp.name, money_format(most, currency, sum, sizeof sum));
    }
    money_format(amount, currency, sum, sizeof sum);
    if (take > 0) {
        struct package_credit pc = {.client_package_id = cp.id,
                                    .kind = "sale_refund",
                                    .delta = -take,
                                    .reason = arena_printf(a, "%s of the sale refunded", sum),
                                    .at = now,
                                    .by_name = by_name};
        if ((rc = db_package_credit_add(db, &pc, e)) != E_OK)
            return rc;
    }
    const char *why = arena_printf(a,
                                   "%d credit%s of package \"%.120s\" taken back: %s of its sale "
                                   "refunded; %d left",
                                   take, take == 1 ? "" : "s", cp.name, sum, left - take);
    if ((rc = audit_add_why(db, who, "refund", "package_credit", cp.id, cp.client_id, why, now,
                            e)) != E_OK)
        return rc;
    *note = arena_printf(a, "; %d credit%s of the package taken back, %d left", take,
                         take == 1 ? "" : "s", left - take);
    return E_OK;
}

/* Inside a refund's transaction (refund_tx), after its row: a refund of
 * amount of payment payment_id on invoice_id, of which refunded was already
 * paid back before it, takes back what it paid for when the invoice sold a
 * gift card (amount off the card's unspent balance, its "sale_refund"
 * entry) or a package (the whole credits it pays for at the package's
 * per-credit price, audited as who's "refund" of "package_credit").
 * Refused E_UNPROCESSABLE, naming what is unspent, above that.  *note gets
 * a clause for the refund's audit row ("" for any other invoice), in a. */
static enum err_code money_sale_refund(struct db *db, struct arena *a, const struct actor *who,
                                       const char *by_name, int64_t invoice_id, int64_t payment_id,
                                       int64_t refunded, int64_t amount, const char *currency,
                                       int64_t now, const char **note, struct err *e)
{
    int64_t card = 0;
    int found = 0;
    enum err_code rc;
    *note = "";
    if (!invoice_id)
        return E_OK;
    if ((rc = db_gift_card_of_sale(db, invoice_id, &card, &found, e)) != E_OK)
        return rc;
    if (found)
        return sale_refund_card(db, a, card, by_name, payment_id, amount, currency, now, note, e);
    return sale_refund_package(db, a, who, by_name, invoice_id, refunded, amount, currency, now,
                               note, e);
}

enum err_code money_sale_refund_undo(struct db *db, struct arena *a, const struct actor *who,
                                     int64_t invoice_id, int64_t payment_id, int64_t refunded,
                                     int64_t amount, int64_t now, struct err *e)
{
    int64_t card = 0;
    int found = 0, taken = 0;
    enum err_code rc;
    if (!invoice_id)
        return E_OK;
    if ((rc = db_gift_card_of_sale(db, invoice_id, &card, &found, e)) != E_OK)
        return rc;
    if (found) {
        struct gift_card g;
        if ((rc = db_gift_card_touch(db, card, now, e)) != E_OK ||
            (rc = db_gift_card(db, a, card, &g, e)) != E_OK)
            return rc;
        if (g.refunded < amount) /* a refund from before migration 0069 took nothing */
            return E_OK;
        return db_gift_card_entry_add(db, card, "refund_undone", amount, payment_id, now,
                                      "payment provider", e);
    }
    struct client_package cp;
    if ((rc = db_client_package_of_sale(db, a, invoice_id, &cp, &taken, &found, e)) != E_OK ||
        !found || (rc = db_client_package_lock(db, cp.id, e)) != E_OK ||
        (rc = db_client_package_of_sale(db, a, invoice_id, &cp, &taken, &found, e)) != E_OK ||
        !found)
        return rc;
    /* what the refunds still standing take, and no more */
    int keep = 0;
    int64_t most = 0;
    if (refunded > 0 &&
        money_package_refund(cp.price, cp.credits, 0, 0, cp.credits, refunded, &keep, &most) < 0)
        keep = taken;
    int back = taken - keep;
    if (back <= 0)
        return E_OK;
    struct package_credit pc = {.client_package_id = cp.id,
                                .kind = "refund_undone",
                                .delta = back,
                                .reason = "the payment provider did not refund the sale",
                                .at = now,
                                .by_name = "payment provider"};
    if ((rc = db_package_credit_add(db, &pc, e)) != E_OK)
        return rc;
    const char *why =
        arena_printf(a,
                     "%d credit%s of package \"%.120s\" given back: the payment "
                     "provider did not refund its sale; %lld left",
                     back, back == 1 ? "" : "s", cp.name, (long long)(cp.left + back));
    return audit_add_why(db, who, "return", "package_credit", cp.id, cp.client_id, why, now, e);
}

/* ---- refunds and credit notes ---- */

struct fix_ctx {
    const struct money_by *by;
    const struct money_fix_in *in;
    struct arena *a;
    int64_t now, id;
    int again;
};

/* Characters of UTF-8 text (the store's CHECKs count characters, not bytes). */
static size_t chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static enum err_code why_ok(const char *why, struct err *e)
{
    if (!why || !*why)
        return err_set(e, E_UNPROCESSABLE, "Give the reason.");
    if (chars(why) > WHY_MAX)
        return err_set(e, E_UNPROCESSABLE, "Keep the reason under 500 characters.");
    return E_OK;
}

/* A refund, inside fix_tx's transaction: its rows, audit and webhook. */
static enum err_code refund_tx(struct db *db, struct fix_ctx *c, struct err *e)
{
    const struct money_fix_in *in = c->in;
    struct payment p;
    struct invoice inv;
    const char *why = NULL;
    enum err_code rc;
    if ((rc = db_payment(db, c->a, in->target, &p, e)) != E_OK)
        return rc;
    if (strcmp(p.status, "completed") != 0)
        return err_set(e, E_CONFLICT, "Only a completed payment can be refunded.");
    if (money_refund_check(p.amount, p.refunded, in->amount, &why) < 0)
        return err_set(e, E_UNPROCESSABLE, "%s", why);
    int online = strcmp(p.method, "provider") == 0;
    int cash = in->to && strcmp(in->to, "cash") == 0 && strcmp(p.method, "cash") != 0;
    if (in->to && *in->to && strcmp(in->to, "cash") != 0)
        return err_set(e, E_UNPROCESSABLE,
                       "A refund goes back to the payment's own method, or in cash.");
    if (cash && !online && strcmp(p.method, "card") != 0)
        return err_set(e, E_UNPROCESSABLE,
                       "Only a card payment can be paid back in cash; this one goes back to "
                       "where it came from.");
    if (online && !cash && !in->online)
        return err_set(e, E_UNPROCESSABLE,
                       "Online payments are not set up here, so this card payment cannot be "
                       "refunded to the card. Refund it in cash instead.");
    if ((rc = p.invoice_id ? db_invoice(db, c->a, p.invoice_id, &inv, e) : E_OK) != E_OK)
        return rc;
    char token[TOKEN_LEN];
    const char *key = "";
    if (online && !cash) { /* our own idempotency key for the provider, kept with the row */
        token_new(token, NULL);
        key = arena_printf(c->a, "rf_%s", token);
    }
    struct refund f = {.payment_id = p.id,
                       .amount = in->amount,
                       .reason = in->why,
                       .created_at = c->now,
                       .created_by_name = c->by->name,
                       .status = *key ? "pending" : "completed",
                       .method = cash ? "cash" : "",
                       .provider_key = key};
    if ((rc = db_refund_add(db, &f, in->key, c->by->actor->user_id, &c->id, e)) != E_OK)
        return rc;
    if (strcmp(p.method, "gift_card") == 0) { /* back onto the card it came from */
        int64_t card = 0;
        int on_card = 0;
        if ((rc = db_gift_card_of_payment(db, p.id, &card, &on_card, e)) != E_OK ||
            (on_card && (rc = db_gift_card_touch(db, card, c->now, e)) != E_OK) ||
            (on_card && (rc = db_gift_card_entry_add(db, card, "refund", in->amount, p.id, c->now,
                                                     c->by->name, e)) != E_OK))
            return rc;
    }
    int mm = money_method_parse(p.method);
    char sum[48];
    /* a payment on no invoice (a deposit) is in the clinic's currency */
    const char *currency = p.invoice_id ? inv.currency : in->currency;
    const char *note = ""; /* the sale of a gift card or package: what it takes back */
    if ((rc = money_sale_refund(db, c->a, c->by->actor, c->by->name, p.invoice_id, p.id, p.refunded,
                                in->amount, currency, c->now, &note, e)) != E_OK)
        return rc;
    if (cash)
        mm = MONEY_CASH;
    why = arena_printf(c->a, "%s to %s%s%s: %s", fmt(sum, sizeof sum, in->amount, currency),
                       money_method_label(mm < 0 ? MONEY_CASH : (enum money_method)mm),
                       *key ? ", asked of the payment provider" : "", note, in->why);
    why = clip(c->a, why);
    if ((rc = audit_add_why(db, c->by->actor, "refund", "refund", c->id,
                            p.invoice_id ? inv.client_id : 0, why, c->now, e)) != E_OK)
        return rc;
    if (*key) /* told once the provider has refunded it (svc/pay) */
        return E_OK;
    return wh_payment_refunded(c->by->webhooks, db, c->id, p.id, in->amount, currency, c->now, e);
}

int money_refund_pending(const struct refund *f)
{
    return f->status && strcmp(f->status, "pending") == 0 && f->provider_key && *f->provider_key;
}

/* A credit note, inside fix_tx's transaction: its row, audit and webhook. */
static enum err_code credit_tx(struct db *db, struct fix_ctx *c, struct err *e)
{
    const struct money_fix_in *in = c->in;
    struct invoice inv;
    const char *why = NULL;
    enum err_code rc;
    if ((rc = db_invoice(db, c->a, in->target, &inv, e)) != E_OK)
        return rc;
    if (money_credit_check(inv.total, inv.credited, in->amount, &why) < 0)
        return err_set(e, E_UNPROCESSABLE, "%s", why);
    struct credit_note cn = {.invoice_id = inv.id,
                             .amount = in->amount,
                             .reason = in->why,
                             .created_at = c->now,
                             .created_by_name = c->by->name};
    if ((rc = db_credit_add(db, &cn, in->key, c->by->actor->user_id, &c->id, e)) != E_OK)
        return rc;
    char sum[48];
    why = arena_printf(c->a, "%s off invoice %lld: %s",
                       fmt(sum, sizeof sum, in->amount, inv.currency), (long long)inv.number,
                       in->why);
    why = clip(c->a, why);
    if ((rc = audit_add_why(db, c->by->actor, "credit", "credit_note", c->id, inv.client_id, why,
                            c->now, e)) != E_OK)
        return rc;
    return wh_credit_note_issued(c->by->webhooks, db, c->id, inv.id, in->amount, c->now, e);
}

/* The correction's transaction: the form's key recorded one already, or it
 * is made now. */
static enum err_code fix_tx(struct db *db, void *vctx, struct err *e)
{
    struct fix_ctx *c = vctx;
    int refund = c->in->kind == MONEY_REFUND, found = 0;
    enum err_code rc;
    c->again = 0;
    rc = refund ? db_refund_by_key(db, c->in->key, &c->id, &found, e)
                : db_credit_by_key(db, c->in->key, &c->id, &found, e);
    if (rc != E_OK)
        return rc;
    if (found) {
        c->again = 1;
        return E_OK;
    }
    return refund ? refund_tx(db, c, e) : credit_tx(db, c, e);
}

enum err_code money_fix(struct db *db, const struct money_by *by, const struct money_fix_in *in,
                        int64_t now, int64_t *id, int *again, struct err *e)
{
    enum err_code rc;
    if ((rc = why_ok(in->why, e)) != E_OK)
        return rc;
    if (!in->key || !*in->key || strlen(in->key) > 100)
        return err_set(e, E_INVALID, "The %s form has no key; open the invoice again.",
                       in->kind == MONEY_REFUND ? "refund" : "credit-note");
    struct arena *a = arena_new();
    struct fix_ctx c = {.by = by, .in = in, .a = a, .now = now};
    rc = db_tx(db, fix_tx, &c, e);
    if (rc == E_OK) {
        *id = c.id;
        *again = c.again;
    }
    arena_free(a);
    return rc;
}

/* ---- the day's takings and the drawer ---- */

enum err_code money_takings(struct db *db, struct arena *a, int64_t location_id, int64_t from,
                            int64_t to, struct money_day *out, struct err *e)
{
    int64_t issued[4];
    memset(out, 0, sizeof *out);
    enum err_code rc = db_takings(db, a, location_id, from, to, &out->paid, &out->npaid, &out->refunded,
                                  &out->nrefunded, issued, e);
    if (rc != E_OK || (rc = db_takings_refund_pending(db, a, location_id, from, to, &out->pending,
                                                      &out->npending, e)) != E_OK)
        return rc;
    out->invoices = issued[0];
    out->invoiced = issued[1];
    out->tips = issued[2];
    out->tax = issued[3];
    for (size_t i = 0; i < out->npaid; i++)
        if (strcmp(out->paid[i].method, "cash") == 0)
            out->cash_in = out->paid[i].cents;
    for (size_t i = 0; i < out->nrefunded; i++)
        if (strcmp(out->refunded[i].method, "cash") == 0)
            out->cash_out = out->refunded[i].cents;
    return E_OK;
}

struct count_ctx {
    const struct money_by *by;
    struct arena *a;
    const char *day, *note;
    int64_t location_id, from, to, float_cents, counted, now, id, expected;
};

static enum err_code count_tx(struct db *db, void *vctx, struct err *e)
{
    struct count_ctx *c = vctx;
    struct money_day d;
    enum err_code rc;
    if ((rc = money_takings(db, c->a, c->location_id, c->from, c->to, &d, e)) != E_OK)
        return rc;
    c->expected = c->float_cents + d.cash_in - d.cash_out;
    struct closeout co = {.day = c->day,
                          .float_cents = c->float_cents,
                          .counted = c->counted,
                          .expected = c->expected,
                          .note = c->note,
                          .created_at = c->now,
                          .created_by_name = c->by->name,
                          .location_id = c->location_id};
    if ((rc = db_closeout_add(db, &co, c->by->actor->user_id, &c->id, e)) != E_OK)
        return rc;
    const char *why =
        arena_printf(c->a, "drawer of %s%s: counted %lld, expected %lld cents%s%s", c->day,
                     c->location_id
                         ? arena_printf(c->a, " at location %lld", (long long)c->location_id)
                         : "",
                     (long long)c->counted, (long long)c->expected, *c->note ? "; " : "", c->note);
    why = clip(c->a, why);
    return audit_add_why(db, c->by->actor, "count", "closeout", c->id, 0, why, c->now, e);
}

enum err_code money_count(struct db *db, const struct money_by *by, int64_t location_id,
                          const char *day, int64_t from,
                          int64_t to, int64_t float_cents, int64_t counted, const char *note,
                          int64_t now, int64_t *id, int64_t *expected, struct err *e)
{
    if (note && chars(note) > WHY_MAX)
        return err_set(e, E_UNPROCESSABLE, "Keep the note under 500 characters.");
    struct arena *a = arena_new();
    struct count_ctx c = {.by = by,
                          .a = a,
                          .location_id = location_id,
                          .day = day,
                          .note = note ? note : "",
                          .from = from,
                          .to = to,
                          .float_cents = float_cents,
                          .counted = counted,
                          .now = now};
    enum err_code rc = db_tx(db, count_tx, &c, e);
    if (rc == E_OK) {
        *id = c.id;
        *expected = c.expected;
    }
    arena_free(a);
    return rc;
}

/* ---- the superbill ---- */

enum err_code money_superbill(struct db *db, struct arena *a, const struct tz *tz,
                              const struct actor *who, int64_t client_id, int64_t from, int64_t to,
                              const char *span, int64_t now, struct superbill *out, struct err *e)
{
    struct invoice *invs = NULL;
    struct referral *refs = NULL;
    size_t ninv = 0, nrefs = 0;
    struct intake in;
    enum err_code rc;
    memset(out, 0, sizeof *out);
    out->birth_date = "";
    if ((rc = db_invoices_of_client(db, a, client_id, from, to, &invs, &ninv, e)) != E_OK ||
        (rc = db_referrals(db, a, client_id, &refs, &nrefs, e)) != E_OK)
        return rc;
    rc = db_intake(db, a, client_id, &in, e);
    if (rc == E_OK)
        out->birth_date = in.birth_date;
    else if (rc != E_NOTFOUND)
        return rc;
    struct referral_span *spans = arena_alloc(a, (nrefs ? nrefs : 1) * sizeof *spans);
    size_t nspans = 0;
    const struct referral **span_ref = arena_alloc(a, (nrefs ? nrefs : 1) * sizeof *span_ref);
    for (size_t i = 0; i < nrefs; i++)
        if (dt_parse_date(refs[i].referred_on, &spans[nspans].from) == 0 &&
            dt_parse_date(refs[i].valid_until, &spans[nspans].until) == 0) {
            spans[nspans].visits = refs[i].visits;
            span_ref[nspans++] = &refs[i];
        }
    out->visits = arena_alloc(a, (ninv ? ninv : 1) * sizeof *out->visits);
    for (size_t i = 0; i < ninv; i++) {
        struct superbill_visit *v = &out->visits[out->nvisits];
        memset(v, 0, sizeof *v);
        v->inv = &invs[i];
        if ((rc = db_appointment(db, a, invs[i].appointment_id, &v->appt, e)) != E_OK ||
            (rc = db_invoice_lines(db, a, invs[i].id, &v->lines, &v->nlines, e)) != E_OK)
            return rc;
        rc = db_therapist_ids(db, a, invs[i].therapist_id, &v->therapist, e);
        if (rc == E_NOTFOUND)
            v->therapist = (struct therapist_ids){"", ""};
        else if (rc != E_OK)
            return rc;
        int pick = referral_pick(spans, nspans, when_local_date(tz, v->appt.start));
        v->referral = pick >= 0 ? span_ref[pick] : NULL;
        v->charge = invs[i].total - invs[i].tip - invs[i].credited;
        if (v->charge < 0)
            v->charge = 0;
        v->paid = invs[i].paid - invs[i].refunded;
        if (v->paid > v->charge)
            v->paid = v->charge; /* what paid the tip is not the insurer's business */
        out->charges += v->charge;
        out->paid += v->paid;
        out->nvisits++;
    }
    /* the read is recorded, as every read of a health record is */
    return audit_add_why(db, who, "read", "superbill", 0, client_id, span, now, e);
}
