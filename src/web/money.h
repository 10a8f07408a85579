/* money — the clinic's money at the desk (issue 11): the checkout of a
 * visit (the invoice being built, payments taken), the receipt (printable,
 * and by e-mail) with its refunds and credit notes, the end-of-day
 * close-out, and the superbill for insurance, at the desk and in the
 * client's portal.  Handlers parse, call svc/money, present and answer;
 * every change is svc/money's transaction. */
#ifndef KNEAD_WEB_MONEY_H
#define KNEAD_WEB_MONEY_H

#include <jansson.h>
#include <stdint.h>

#include "http/request.h"

/* GET /staff/appointments/{id}/checkout */
void money_checkout(struct req *r);
/* POST /staff/appointments/{id}/checkout: preview or issue the invoice */
void money_checkout_issue(struct req *r);
/* POST /staff/invoices/{id}/payments */
void money_pay_form(struct req *r);
/* GET /staff/invoices/{id}: the receipt */
void money_receipt(struct req *r);
/* POST /staff/invoices/{id}/refunds */
void money_refund_form(struct req *r);
/* POST /staff/invoices/{id}/credit-notes */
void money_credit_form(struct req *r);
/* POST /staff/invoices/{id}/send: the receipt by e-mail */
void money_send_receipt(struct req *r);
/* GET and POST /staff/closeout */
void money_closeout(struct req *r);
void money_closeout_count(struct req *r);
/* GET /staff/clients/{id}/superbill and GET /portal/superbill */
void money_superbill_desk(struct req *r);
void money_superbill_portal(struct req *r);

/* Adds "balance" {amount, owed, credit, invoices} of the client to ctx for
 * the client page.  Returns 0, or -1 with an error response written. */
int money_client_balance(struct req *r, int64_t client_id, json_t *ctx);

#endif
