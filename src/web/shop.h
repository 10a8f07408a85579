/* shop — the pages of packages and gift cards (issue 11 items 7-8): the
 * admin's packages (/admin/packages), the desk's gift cards
 * (/admin/gift-cards: sell one, see each one's balance, never a code after
 * it was shown once), selling a package from a client's page, and the
 * credits shown on the client's page, the portal and a manage page.
 * Handlers parse and present; the transactions are svc/prepaid.c's. */
#ifndef KNEAD_WEB_SHOP_H
#define KNEAD_WEB_SHOP_H

#include <jansson.h>
#include <stdint.h>

#include "http/request.h"

struct appointment;

void shop_packages(struct req *r);       /* GET /admin/packages */
void shop_package_add(struct req *r);    /* POST /admin/packages */
void shop_package_active(struct req *r); /* POST /admin/packages/{id}/active */
void shop_gift_cards(struct req *r);     /* GET /admin/gift-cards */
void shop_gift_sell(struct req *r);      /* POST /admin/gift-cards */
void shop_client_sell(struct req *r);    /* POST /staff/clients/{id}/packages */

/* Bought online (README "Packages and gift cards"): the public pages order,
 * the provider takes the money, its webhook sells (svc/prepaid). */
void shop_gift_public(struct req *r);     /* GET /gift-cards */
void shop_gift_buy(struct req *r);        /* POST /gift-cards: 303 to the provider's page */
void shop_packages_public(struct req *r); /* GET /packages */
void shop_package_buy(struct req *r);     /* POST /packages/{id}/buy (a client account) */

/* The client's packages (credits left, expiry) and the desk's sale form
 * into ctx "packages" for the client's page.  Returns 0, or -1 with the
 * response written. */
int shop_client_context(struct req *r, int64_t client_id, json_t *ctx);
/* The packages of every client record of the portal's account into ctx
 * "packages".  Returns 0, or -1 with the response written. */
int shop_portal_context(struct req *r, json_t *ctx);
/* "package_credit" of ap into ctx when the visit uses one (manage page).
 * Returns 0, or -1 with the response written. */
int shop_manage_context(struct req *r, const struct appointment *ap, json_t *ctx);

#endif
