/* pay — money online through a payment provider's hosted checkout
 * (Stripe-style API): a checkout session created by the server, the client
 * sent to the provider's page and back, and the provider's signed webhook
 * that confirms.  No card number ever reaches Knead.
 *
 * A checkout's life (table checkouts, migration 0055):
 *
 *   pay_checkout_record          pay_checkout_start           webhook "completed"
 *   (in the caller's transaction) (no transaction open)        (one transaction)
 *   [creating] ----------------------------> [open] ---------------------> [paid]
 *        |  provider refused: hold ends now     |                             ^
 *        |  provider silent: stays creating     | hold ran out (pay_release)  |
 *        +--------------------------------------+------> [expired]            |
 *        +-------- a webhook naming its key (a crash after the provider ------+
 *                  answered and before our commit) settles it all the same
 *
 * Every call to the provider carries the checkout's own idempotency key, so
 * calling again after a timeout or a crash finds the same session; the
 * provider hands the key back as client_reference_id, so the webhook finds
 * the checkout even when our commit of the session never happened.  The
 * payment row's key is the provider's payment id: one payment, however
 * often the webhook comes.
 *
 * A booking held for its deposit or card is not confirmed yet: its changes
 * (sched_events) wait while its checkout is creating or open, so the
 * confirmation is rendered once the webhook pays it (the web handler wakes
 * the render worker), and a hold that runs out unpaid says nothing to anyone
 * (mail/render.c).  It knows no HTTP of ours (it speaks the
 * provider's through libcurl). */
#ifndef KNEAD_SVC_PAY_H
#define KNEAD_SVC_PAY_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

struct sched_hooks;
struct wh;

/* The provider, from [payments]; base_url "" = no online payments. */
struct pay_provider {
    const char *base_url, *key, *webhook_secret;
    const char *currency; /* [clinic] currency */
    int hold_minutes;
    long connect_timeout_s, timeout_s; /* each call to the provider */
    struct wh *webhooks; /* told of a fee's invoice (app->hooks.webhooks); NULL = none */
    const char *clinic_name; /* [clinic] name, in the client's refund e-mail; NULL = none */
};

/* 1 when [payments] is configured. */
int pay_enabled(const struct pay_provider *p);

/* The deposit a booking of a service asks: *cents (0 for none or card
 * only), *card = 1 when a card must be kept (a deposit keeps it too).
 * Percent is of the price, rounded half up to the cent.  Can't fail. */
void pay_deposit_cents(const struct service_deposit *d, int64_t *cents, int *card);

/* What to take. */
struct pay_checkout_in {
    const char *purpose;                       /* "deposit", "card", "package", "gift_card" */
    int64_t appointment_id, client_id, ref_id; /* 0 = none */
    int64_t amount;                            /* cents; 0 only for "card" */
    const char *description;                   /* 1..200 characters, shown on the page */
    int64_t hold_until;                        /* when an unpaid checkout is given up */
};
/* Records the checkout as "creating" with a new idempotency key, INSIDE the
 * caller's writing transaction (so it commits with what it pays for: the
 * held appointment, the package sold).  *id gets it.  E_INVALID for a bad
 * purpose or amount; else the store's error. */
enum err_code pay_checkout_record(struct db *db, const struct pay_provider *p,
                                  const struct pay_checkout_in *in, int64_t now, int64_t *id,
                                  struct err *e);

/* Asks the provider for checkout id's hosted page, with NO transaction open:
 * email (may be "") prefills it, success_url and cancel_url are where the
 * provider sends the client back.  *url (on a) gets the page.  Once open, it
 * answers the same page again without a call.  E_UNPROCESSABLE when the
 * provider refused (the hold then ends at once: the worker releases it);
 * E_UNAVAILABLE when it did
 * not answer in time (the checkout stays creating: calling again is safe);
 * E_CONFLICT when the checkout is paid, expired or failed already. */
enum err_code pay_checkout_start(struct db *db, struct arena *a, const struct pay_provider *p,
                                 int64_t id, const char *email, const char *success_url,
                                 const char *cancel_url, const char **url, struct err *e);

/* What a webhook did. */
struct pay_event {
    const char *id, *type;
    int again;           /* 1: this event id was handled before; nothing changed */
    int64_t checkout_id; /* the checkout it settled, 0 = none */
};
/* A purpose's own effect of a paid checkout (packages, gift cards): runs
 * inside the webhook's transaction; an error rolls the webhook back (the
 * provider sends it again). */
typedef enum err_code (*pay_paid_fn)(void *ctx, struct db *db, const struct checkout *c,
                                     const char *payment_ref, int64_t now, struct err *e);
struct pay_handlers {
    pay_paid_fn package, gift_card; /* NULL = nothing more than the checkout's status */
    void *ctx;
};

/* Checks the signature header ("t=TIMESTAMP,v1=HEX": HMAC-SHA256 with
 * webhook_secret over "TIMESTAMP.BODY") within 5 minutes of now, then in
 * one transaction records the event id (a replay changes nothing) and
 * applies it: checkout.session.completed pays the checkout (a deposit
 * becomes a provider payment towards its appointment; a card is kept on
 * the client; a held booking's appointment.booked is queued then), when its
 * amount_total and currency are the checkout's: otherwise nothing is paid
 * or sold, what came is kept on the checkout (mismatch, migration 0066) and
 * its hold ends now (pay_release settles it failed), it is audited
 * ("refused" of "checkout") and a deposit in our currency is still recorded
 * as a payment towards the appointment (the client's credit);
 * checkout.session.expired gives it up; refund.updated (a refund object)
 * and charge.refunded (a charge and its refunds) settle a pending refund of
 * ours, found by our key in its metadata (knead_refund) or its id:
 * succeeded completes it, failed or canceled fails it.  E_INVALID (e says
 * why) for a bad, old or missing signature or a malformed body, with
 * nothing changed; the store's error otherwise. */
enum err_code pay_webhook(struct db *db, struct arena *a, const struct pay_provider *p,
                          const struct pay_handlers *h, const char *signature, const char *body,
                          size_t len, int64_t now, struct pay_event *out, struct err *e);

/* Gives up the checkouts whose hold ran out by now: each is marked expired,
 * then a deposit's appointment is cancelled (hooks: the app's, so the
 * client is told and the waitlist offered the time).  *released gets how
 * many.  Runs its own transactions; the store's error stops it. */
enum err_code pay_release(struct db *db, const struct sched_hooks *hooks, int64_t now,
                          int *released, struct err *e);

/* ---- late-cancel and no-show fees (issue 11 item 6) ---- */

/* A fee of kind ("none", "amount": value cents, "percent": value basis
 * points of price, half up).  Can't fail. */
int64_t pay_fee_cents(const char *kind, int64_t value, int64_t price);

/* The fee of appointment appt_id once it is missed (no-show) or cancelled
 * late, as the client agreed at booking (none without an agreement): an
 * invoice with one fee line, so it is on the client's balance, one live fee
 * per visit (its key is the appointment's and how many fees of it were
 * voided before: a no-show undone and marked again is billed again); then, with [payments] and a card on file,
 * charged to the card off-session (pay_charge).  *invoice_id gets the
 * invoice, 0 when there is no fee.  Calling again changes nothing. */
enum err_code pay_fee(struct db *db, const struct pay_provider *p, int64_t appt_id,
                      const char *currency, int64_t now, int64_t *invoice_id, struct err *e);

/* Voids the fee of appointment appt_id once it is no longer missed (the
 * desk undid its no-show): an issued invoice never changes, so a credit
 * note of what is left of the fee invoice, with why (at most 500
 * characters), keyed by the invoice so it is written once; a card charge
 * of it still waiting for the provider is then not made (pay_charge: nothing
 * owed).  What was paid towards the fee (a deposit, the card) then leaves
 * the voided invoice, audited: the client's credit, which the visit's own
 * invoice (or the next one issued) takes (svc/money).  E_OK with nothing
 * done when there is no fee invoice or the visit is missed again. */
enum err_code pay_fee_void(struct db *db, const struct pay_provider *p, int64_t appt_id,
                           const char *why, int64_t now, struct err *e);

/* Charges what is owed on invoice_id to the client's card on file through
 * the provider (off-session), with no transaction open: a pending payment
 * is written first under its own key ("fee_" + the invoice), then the call
 * carries that key, then the answer settles it (completed, or failed: the
 * fee stays on the balance).  A provider that does not answer leaves it
 * pending; the worker asks again with the same key, so it is charged once.
 * *charged = 1 when paid.  E_OK without a card or [payments].  A pending
 * charge of an invoice that owes nothing any more (its fee voided) is
 * settled as failed ("not owed") without asking the provider. */
enum err_code pay_charge(struct db *db, const struct pay_provider *p, int64_t invoice_id,
                         int64_t now, int *charged, struct err *e);

/* ---- refunds of payments made through the provider (issue 11) ---- */

enum pay_refund_state { PAY_REFUND_PENDING, PAY_REFUND_DONE, PAY_REFUND_FAILED };

/* Asks the provider to refund refund_id (written "pending" with its own
 * idempotency key by money_fix), with NO transaction open: POST
 * /v1/refunds with the payment's id, the amount and that key, so asking
 * again (after a timeout or a crash) gets the same refund, never a second.
 * The answer is committed after, in one transaction, once: refunded
 * (completed: audited, the webhooks told, the client e-mailed the amount,
 * the card's last 4 when the provider names them, and the invoice) or
 * declined (failed with the provider's why: counted nowhere, the desk can
 * refund another way).  No answer in time, an answer the provider marks
 * pending, or [payments] off: it stays pending for the worker or the
 * provider's webhook.  *state gets where it stands (also for a refund
 * answered before, or not one through the provider: done).  The store's
 * error otherwise, with the refund still pending. */
enum err_code pay_refund_send(struct db *db, const struct pay_provider *p, int64_t refund_id,
                              int64_t now, enum pay_refund_state *state, struct err *e);

/* The worker that runs pay_release every few seconds for `knead serve`.
 * hooks are read at each run (app->hooks).  Returns 0 or -1 with a message. */
struct pay_worker;
struct store;
/* It also bills the fees a crash left unbilled and asks the provider again
 * about charges and refunds still pending (with their own keys). */
int pay_worker_start(struct store *st, const struct pay_provider *p,
                     const struct sched_hooks *hooks, struct pay_worker **out, char *err,
                     size_t errlen);
void pay_worker_stop(struct pay_worker *w); /* accepts NULL */

#endif
