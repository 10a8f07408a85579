/* pay — money online in the web (issue 11 item 5): the payment provider's
 * signed webhook, the deposit a booking asks before it is confirmed, and
 * the appointment page's "pay the deposit".  Handlers parse, call svc/pay,
 * present and answer. */
#ifndef KNEAD_WEB_PAY_H
#define KNEAD_WEB_PAY_H

#include <jansson.h>
#include <stdint.h>

#include "http/request.h"
#include "store/store.h"
#include "svc/pay.h"

/* The provider of [payments] (base_url "" when not configured). */
struct pay_provider web_pay_provider(struct req *r);

/* POST /payments/webhook: the provider's signed events.  400 and nothing
 * changed for a bad or old signature; 200 for a replay, with no effect. */
void pay_webhook_post(struct req *r);

/* POST /a/{token}/deposit: opens (again) the provider's page of the
 * appointment's unpaid deposit and sends the client there. */
void pay_deposit_again(struct req *r);

/* The deposit the service of a booking asks now: *cents and *card (see
 * pay_deposit_cents); both 0 without [payments].  Returns 0, or -1 with the
 * response written. */
int pay_booking_deposit(struct req *r, const char *service_id, int64_t *cents, int *card);

/* After a booking that asked a deposit committed: opens the provider's page
 * for checkout id and answers 303 to it, or, when the provider cannot open
 * it now, to the appointment page (which offers to try again). */
void pay_send_to_checkout(struct req *r, int64_t checkout_id, const char *token, const char *email);

/* Adds "deposit" to the appointment page's ctx: held (with its hold and
 * whether the page can be opened), paid, or released.  Returns 0, or -1
 * with the response written. */
int pay_manage_context(struct req *r, const struct appointment *ap, const char *token, json_t *ctx);

/* The checkout holding ap's slot for its deposit or card, if one is still
 * waiting (creating or open, ap booked): *id gets it, 0 when none.  Returns
 * 0, or -1 with the response written. */
int pay_held_checkout(struct req *r, const struct appointment *ap, int64_t *id);

/* Adds "held" to a portal appointment o when its slot waits for its deposit
 * or card: what to pay and until when.  Returns 0, or -1 with the response
 * written. */
int pay_portal_context(struct req *r, const struct appointment *ap, json_t *o);

/* Adds "online_payment" to the staff appointment page's ctx when ap had a
 * checkout at the provider: its purpose, amount and state in words, and
 * "mismatch" when the provider said it was paid otherwise than asked
 * ("paid amount does not match").  Returns 0, or -1 with the response
 * written. */
int pay_staff_context(struct req *r, const struct appointment *ap, json_t *ctx);

/* After a no-show or a late cancellation committed: bills the agreed fee
 * and charges the card on file (pay_fee).  A failure is logged, not
 * answered: the worker bills it later.  Can't fail. */
void pay_web_fee(struct req *r, int64_t appt_id);

/* After the desk undid a no-show (reason: its why): voids the fee's invoice
 * by a credit note and leaves a pending charge of it unmade (pay_fee_void).
 * A failure is logged, not answered: the worker voids it later. */
void pay_web_fee_void(struct req *r, int64_t appt_id, const char *reason);

#endif
