/* money — the clinic's ledger as transactions: issuing a visit's invoice,
 * taking a payment, refunding one, a credit note, counting the drawer at
 * the end of the day, and gathering a client's superbill.  Each change is
 * one transaction that re-reads what it decides on, writes its rows and its
 * audit row (who and why) together, and is keyed by the one-time token of
 * the form that asked for it: the same form sent twice records one change
 * and answers *again = 1.  The arithmetic is core/money's; the ledger's
 * immutability is the store's.  It knows no HTTP. */
#ifndef KNEAD_SVC_MONEY_H
#define KNEAD_SVC_MONEY_H

#include <stdint.h>

#include "core/err.h"
#include "core/money.h"
#include "core/tz.h"
#include "store/store.h"
#include "svc/audit.h"

struct wh;

/* Who acts: the audit's actor, the name the ledger records, and the
 * webhooks told of each change in its transaction (svc/webhook.h's
 * invoice.issued, payment.received, payment.refunded, credit_note.issued;
 * NULL: none). */
struct money_by {
    const struct actor *actor;
    const char *name;
    struct wh *webhooks;
};

/* One line to bill: a service (the visit's), an add-on and later a fee,
 * package or gift card.  description at most 200 characters. */
struct money_line_in {
    const char *kind, *service_id, *description, *procedure_code;
    int units, qty, tax_bp;
    int64_t unit;
};

struct money_issue_in {
    int64_t appointment_id;
    struct money_line_in lines[MONEY_MAX_LINES];
    size_t nlines;
    struct money_discount discount;
    const char *discount_reason; /* required with a discount, at most 200 characters */
    int64_t tip;
    const char *bill_to;                 /* "insurance / third party pays": its name, or "" */
    const char *currency;                /* [clinic] currency */
    unsigned char key[STORE_TOKEN_HASH]; /* the hash of the form's one-time token */
    /* 1: a late-cancel or no-show fee (svc/pay): the visit must be missed
     * or cancelled late instead of checked in */
    int fee;
};

/* The line of the visit itself: the service's name, price, tax, procedure
 * code and units (core/money_units of its length).  Strings on a.
 * Returns E_OK, or the store's error. */
enum err_code money_visit_line(struct db *db, struct arena *a, const struct appointment *ap,
                               struct money_line_in *out, struct err *e);

/* Prices in (core/money_invoice) without writing anything: totals and each
 * line's discount, tax and amount in lines[0..in->nlines).  E_UNPROCESSABLE
 * with the reason when the lines, discount or tip are refused. */
enum err_code money_preview(const struct money_issue_in *in, struct money_line *lines,
                            struct money_totals *t, struct err *e);

/* Issues the visit's invoice: in one transaction re-reads the appointment
 * (the client must be checked in, or the visit completed: E_CONFLICT
 * otherwise), prices it, takes the next number, writes the invoice and its
 * lines, applies the visit's earlier payments (a deposit) and audits it.
 * *id gets the invoice; *again = 1 when this form's token issued one
 * already (nothing new written).  E_UNPROCESSABLE for a refused price. */
enum err_code money_issue(struct db *db, const struct money_by *by, const struct money_issue_in *in,
                          int64_t now, int64_t *id, int *again, struct err *e);

struct money_pay_in {
    int64_t invoice_id;
    enum money_method method; /* the desk takes cash, card and insurance */
    int64_t amount;           /* cash: ignored, tendered is what was handed over */
    int64_t tendered;
    const char *reference; /* card: the terminal's reference; insurance: the payer's */
    const char *key;       /* the idempotency key of this attempt */
    const char *code;      /* gift_card: the card's code as typed */
};
/* Takes a payment towards an invoice's balance (split payments are several
 * calls).  Cash: records what is owed at most and answers *change; other
 * methods: refused above the balance.  gift_card: spends amount of the
 * card whose code is given (refused above its balance; an unknown code is
 * E_UNPROCESSABLE with problem "gift_code_unknown", the same words whether
 * or not a card is near it); package: the visit's package credit pays its
 * service line (once per visit; amount is ignored).  *again = 1 when key recorded one
 * already (*id and *change are then that payment's).  E_UNPROCESSABLE for
 * a refused amount or a method the desk cannot take. */
enum err_code money_pay(struct db *db, const struct money_by *by, const struct money_pay_in *in,
                        int64_t now, int64_t *id, int64_t *change, int *again, struct err *e);

/* A correction of what was charged or taken, with why (1..500 characters),
 * keyed by the form's one-time token: a refund of amount of a completed
 * payment, to its method (never more than is left of it: refunds pending
 * with the provider count), or a credit note of amount on an invoice
 * (never more than is left of the invoice).  A refund of a payment made
 * through the payment provider ("provider") to its card is written
 * "pending" with a new idempotency key for the provider (money_fix_out):
 * the caller asks the provider after the commit (pay_refund_send); `to`
 * "cash" pays a card payment (online or terminal) back in cash instead,
 * completed at once.  E_UNPROCESSABLE with the reason when refused (also a
 * card refund while online payments are off, online = 0); E_CONFLICT for a
 * refund of a payment not completed, or one that a refund side by side
 * took the rest of; *again as above. */
enum money_fix_kind { MONEY_REFUND, MONEY_CREDIT };
struct money_fix_in {
    enum money_fix_kind kind;
    int64_t target; /* the payment refunded, or the invoice credited */
    int64_t amount; /* cents */
    const char *why, *key;
    /* [clinic] currency: the currency of a refund of a payment on no
     * invoice (a deposit paid online before its visit was invoiced) */
    const char *currency;
    const char *to; /* NULL or "": the payment's method; "cash" */
    int online;     /* 1 when the payment provider is configured ([payments]) */
};
enum err_code money_fix(struct db *db, const struct money_by *by, const struct money_fix_in *in,
                        int64_t now, int64_t *id, int *again, struct err *e);
/* 1 when refund f waits for the payment provider's answer. */
int money_refund_pending(const struct refund *f);
/* Inside the transaction that settles a refund failed (svc/pay): gives
 * back what the refund took off the gift card or package its invoice sold
 * (migration 0069), the payment's refunds now being `refunded` without it
 * ("refund_undone" rows; package credits audited as who's "return"). */
enum err_code money_sale_refund_undo(struct db *db, struct arena *a, const struct actor *who,
                                     int64_t invoice_id, int64_t payment_id, int64_t refunded,
                                     int64_t amount, int64_t now, struct err *e);

/* Inside a paying transaction: the gift card whose code was typed, locked
 * for it (its row is written first, so two redemptions of one card queue
 * and the second sees the first's entry), in currency, not expired and
 * holding something.  An unknown or malformed code is E_UNPROCESSABLE with
 * problem "gift_code_unknown" and the same words for every such code;
 * expired, spent or another currency E_UNPROCESSABLE with why.  *g lives
 * on a. */
enum err_code money_gift_card(struct db *db, struct arena *a, const char *code,
                              const char *currency, int64_t now, struct gift_card *g,
                              struct err *e);

/* A day's takings: [from, to) is the local day. */
struct money_day {
    struct takings_row *paid, *refunded; /* refunded: completed refunds */
    size_t npaid, nrefunded;
    struct takings_row *pending; /* refunds asked of the provider, not answered yet */
    size_t npending;
    int64_t invoices, invoiced, tips, tax; /* invoices issued that day */
    int64_t cash_in, cash_out;             /* cash taken and cash refunded */
};
enum err_code money_takings(struct db *db, struct arena *a, int64_t location_id, int64_t from,
                            int64_t to, struct money_day *out, struct err *e);
/* Records the drawer of location_id (0 = the whole clinic's) counted at the
 * end of day (YYYY-MM-DD, [from, to) in its zone): expected = float + cash
 * taken - cash refunded there, read in the same transaction; audited with
 * the note.  *expected gets it. */
enum err_code money_count(struct db *db, const struct money_by *by, int64_t location_id,
                          const char *day, int64_t from,
                          int64_t to, int64_t float_cents, int64_t counted, const char *note,
                          int64_t now, int64_t *id, int64_t *expected, struct err *e);

/* A superbill: the client's visits with an invoice in [from, to). */
struct superbill_visit {
    const struct invoice *inv;
    struct appointment appt;
    struct invoice_line *lines;
    size_t nlines;
    struct therapist_ids therapist;
    const struct referral *referral; /* the one the visit counts against, or NULL */
    /* the services' charge (the invoice less its tip and credit notes) and
     * what was paid towards it (net of refunds, at most the charge) */
    int64_t charge, paid;
};
struct superbill {
    const char *birth_date; /* from the health form, "" when none */
    struct superbill_visit *visits;
    size_t nvisits;
    int64_t charges, paid; /* the visits' sums */
};
/* Gathers it and audits the read ("read" of "superbill", why: the span)
 * as who.  Everything on a.  Returns E_OK or the store's error. */
enum err_code money_superbill(struct db *db, struct arena *a, const struct tz *tz,
                              const struct actor *who, int64_t client_id, int64_t from, int64_t to,
                              const char *span, int64_t now, struct superbill *out, struct err *e);

#endif
