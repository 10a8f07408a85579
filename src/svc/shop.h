/* shop — gift cards and packages bought online (issue 11 items 7-8),
 * through svc/pay's checkout.
 *
 * An order writes what was asked (online_sales, migration 0058) and its
 * checkout in one transaction: nothing is sold yet.  The provider's signed
 * webhook pays the checkout and, in its own transaction, calls the
 * purpose's handler below, which makes the sale as the desk would
 * (svc/prepaid: the invoice of one line, its payment of method provider,
 * the card or the client's package), keyed by the checkout: a replayed
 * webhook sells once.  A checkout that expires or is refused sells nothing.
 * A gift card's code is drawn in the webhook and goes only into the
 * e-mails (the recipient's, queued for the chosen day; or the buyer's
 * receipt when there is no recipient).  It knows no HTTP. */
#ifndef KNEAD_SVC_SHOP_H
#define KNEAD_SVC_SHOP_H

#include <stdint.h>

#include "core/err.h"
#include "store/store.h"
#include "svc/pay.h"
#include "svc/prepaid.h"

/* What the webhook's handlers need (struct pay_handlers' ctx). */
struct shop_online {
    const char *currency, *clinic_name, *site_url;
    int expiry_months;
    const struct tz *tz;
    struct wh *webhooks;
    const unsigned char *seal; /* app->code_seal: prepaid_gift_in's seal */
};

/* Orders a gift card of in (in->buyer_client_id 0; amount from min to max
 * cents): *checkout_id gets the checkout to send the buyer to.
 * E_UNPROCESSABLE with the reason for a refused field, nothing stored. */
enum err_code shop_gift_order(struct db *db, const struct pay_provider *p,
                                 const struct prepaid_gift_in *in, int64_t min, int64_t max,
                                 int64_t now, int64_t *checkout_id, struct err *e);

/* Orders package package_id (active) at its price for client account
 * user_id (name, email): the credits go to the client row of that address
 * (found or added), which the account must own by the portal's rule (its
 * address proven: E_FORBIDDEN otherwise).  E_NOTFOUND for no such package,
 * E_CONFLICT for an archived or free one. */
enum err_code shop_package_order(struct db *db, const struct pay_provider *p,
                                    int64_t package_id, int64_t user_id, const char *name,
                                    const char *email, int64_t now, int64_t *checkout_id,
                                    struct err *e);

/* struct pay_handlers' gift_card and package (ctx: struct shop_online):
 * inside the webhook's transaction, the sale of checkout c's order. */
enum err_code shop_gift_paid(void *ctx, struct db *db, const struct checkout *c,
                                       const char *payment_ref, int64_t now, struct err *e);
enum err_code shop_package_paid(void *ctx, struct db *db, const struct checkout *c,
                                          const char *payment_ref, int64_t now, struct err *e);

#endif
