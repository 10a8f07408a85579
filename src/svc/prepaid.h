/* prepaid — packages and gift cards as transactions (issue 11 items 7-8):
 * the admin's packages, selling a package or a gift card at the desk (an
 * invoice of one line of kind "package" or "gift_card" and its payment, in
 * one transaction keyed by the form's one-time token), a booking's use of
 * a package credit and a cancellation's return of it, and the gift card's
 * code.  Credits and balances are rows (migration 0059), never a counter;
 * every sale is audited as the invoice and payment it is.  Redeeming a
 * gift card or a package credit at checkout is a payment (svc/money.c's
 * money_pay, methods gift_card and package).  It knows no HTTP. */
#ifndef KNEAD_SVC_PREPAID_H
#define KNEAD_SVC_PREPAID_H

#include <stdint.h>

#include "core/datetime.h"
#include "core/err.h"
#include "store/store.h"
#include "svc/money.h"
#include "svc/token.h"

struct tz;

/* ---- the admin's packages ---- */

struct prepaid_package_in {
    const char *name, *service_id;
    int credits;      /* 1..100 */
    int discount_bp;  /* with has_price = 0: the price is the service's x credits less this */
    int64_t price;    /* with has_price = 1 */
    int has_price;
    int valid_months; /* 0..120, 0 = no expiry */
};
/* Saves a new package (active).  E_UNPROCESSABLE with the reason for a
 * refused field, nothing stored. */
enum err_code prepaid_package_add(struct db *db, const struct prepaid_package_in *in, int64_t now,
                                  int64_t *id, struct err *e);

/* How a sale at the desk is paid: cash (tendered) or card (the terminal's
 * reference). */
struct prepaid_pay_in {
    enum money_method method;
    int64_t tendered;
    const char *reference;
    const char *currency;
    unsigned char key[STORE_TOKEN_HASH]; /* the hash of the form's one-time token */
};
struct prepaid_sold {
    int64_t invoice_id, change, item_id; /* item_id: the client's package or the gift card */
    int again;                           /* 1: this form sold it already */
};

/* Sells package package_id (active) to client_id: the invoice, its
 * payment, the client's package with its credits and expiry, audited.
 * E_UNPROCESSABLE for a refused payment, E_CONFLICT for an archived
 * package, E_NOTFOUND for no such client or package. */
enum err_code prepaid_package_sell(struct db *db, const struct money_by *by, int64_t package_id,
                                   int64_t client_id, const struct prepaid_pay_in *pay,
                                   int64_t now, struct prepaid_sold *out, struct err *e);

/* Inside a booking's transaction: a visit of service_id at start for
 * client_id uses one credit of the client's package that covers it (the
 * soonest to expire), audited in the same transaction as who's ("use" of
 * "package_credit": which package, which booking, why).  No package, no
 * change.  *used = 1 when one was. */
enum err_code prepaid_use_credit(struct db *db, const struct actor *who, int64_t appointment_id,
                                 int64_t client_id, const char *service_id, int64_t start,
                                 const char *by_name, int64_t now, int *used, struct err *e);
/* Inside a cancellation's transaction, after the appointment was marked
 * cancelled (late or not): a cancellation in time gives its credit back,
 * a late one keeps it (the clinic's policy: the late-cancel window).  What
 * a gift card paid ahead for the visit goes back onto the card either way
 * (a refund of that payment, and the card's "refund" entry). */
/* A credit given back is audited as who's "return" of "package_credit". */
enum err_code prepaid_return_credit(struct db *db, const struct actor *who, int64_t appointment_id,
                                    int late, const char *by_name, int64_t now, struct err *e);

/* ---- gift cards ---- */

/* Inside a booking's transaction, when the client books online with a gift
 * card's code: the card pays the visit ahead, as much of price as it holds
 * (a completed payment of the appointment, attached to the visit's invoice
 * when that is issued; audited as who; client_id 0: the appointment's).  Refused as money_gift_card
 * refuses (the booking then rolls back).  *paid gets the amount. */
enum err_code prepaid_gift_prepay(struct db *db, const struct actor *who, int64_t appointment_id,
                                  int64_t client_id, const char *code, int64_t price,
                                  const char *currency, int64_t now, int64_t *paid,
                                  struct err *e);

struct prepaid_gift_in {
    int64_t amount;           /* 1.00 .. MONEY_MAX */
    int64_t buyer_client_id;  /* who pays (the invoice's client); 0: the client of */
    const char *buyer_name, *buyer_email; /* this address, added when there is none */
    const char *recipient_name, *recipient_email, *message; /* e-mail "" = handed over */
    int64_t send_at;          /* when the code is e-mailed (now or later) */
    int expiry_months;        /* [money] gift_card_expiry_months; 0 = never */
    const char *clinic_name, *site_url;
    const struct tz *tz; /* the clinic's, for the receipt's day (mail_buyer); NULL = UTC */
    int mail_buyer; /* bought online: the buyer is e-mailed a receipt, carrying the
                     * code when there is no recipient's e-mail (the code's one copy) */
    /* the key (TOKEN_SEAL_KEY bytes, app->code_seal) the code is sealed
     * under in its queued e-mail; NULL: a sale that e-mails the code is
     * refused (E_UNAVAILABLE), since the code is never stored in clear */
    const unsigned char *seal;
};
/* The instant a gift card chosen for local day `on` is e-mailed: 09:00 on
 * that day's wall clock in tz (the clinic's or its location's zone), also
 * on the days the clocks change (not midnight + 9 hours); were 09:00
 * skipped, the same wall time read with the offset before the change.
 * Can't fail (on is a checked date). */
#define PREPAID_GIFT_SEND_MINUTE (9 * 60)
int64_t prepaid_gift_send_at(const struct tz *tz, struct dt_date on);
/* Issues a gift card: the invoice and its payment, the card (its code's
 * hash only) and its "issue" entry, the e-mail to the recipient queued for
 * send_at, audited.  code gets the code, the only time it exists outside
 * the e-mail ("" when again: a resent form shows it no more). */
enum err_code prepaid_gift_sell(struct db *db, const struct money_by *by,
                                const struct prepaid_gift_in *in, const struct prepaid_pay_in *pay,
                                int64_t now, char code[TOKEN_CODE_LEN], struct prepaid_sold *out,
                                struct err *e);

/* ---- inside a caller's writing transaction (svc/shop: the webhook's) ---- */

/* The checks prepaid_gift_sell makes of in's fields other than the amount
 * and the buyer: E_UNPROCESSABLE with the reason. */
enum err_code prepaid_gift_check(const struct prepaid_gift_in *in, struct err *e);
/* prepaid_gift_sell's sale, in the transaction already open. */
enum err_code prepaid_gift_sell_in_tx(struct db *db, const struct money_by *by,
                                      const struct prepaid_gift_in *in,
                                      const struct prepaid_pay_in *pay, int64_t now,
                                      char code[TOKEN_CODE_LEN], struct prepaid_sold *out,
                                      struct err *e);
/* prepaid_package_sell's sale at price (paid already: an archived package
 * is sold all the same), in the transaction already open. */
enum err_code prepaid_package_sell_in_tx(struct db *db, const struct money_by *by,
                                         int64_t package_id, int64_t client_id, int64_t price,
                                         const struct prepaid_pay_in *pay, int64_t now,
                                         struct prepaid_sold *out, struct err *e);

#endif
