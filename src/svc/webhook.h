/* webhook (prefix wh_) — telling an integrator's server of changes: the
 * event types, their payloads, queueing them inside the transaction of the
 * change, the endpoints an admin adds (each with its own signing secret),
 * and the Standard Webhooks signature.  It knows no HTTP: mail/whsend.c
 * delivers what is queued here, web/admin_webhooks.c shows it.
 *
 * An event is a row in webhook_events plus one delivery per enabled
 * endpoint that asked for its type, written in the transaction of the
 * change (a booking, a move, a status change, a client made or merged, a
 * waitlist offer, an invoice issued, a payment taken or refunded, a credit
 * note), so a rolled-back change tells no one and a committed one
 * is delivered at least once, also after a crash.  When no endpoint asks
 * for a type, queueing costs one indexed count and writes nothing.
 *
 * Payloads ({"type", "timestamp", "data"}) carry ids, times (RFC 3339 in
 * the clinic's offset), service and therapist names and statuses, and for
 * client events the client's name and contact details, for money events
 * amounts in integer cents with their currency and a payment's method:
 * never a health form, an insurance check, a note, a booking's notes, a
 * reason given, a card's or terminal's reference.
 *
 * Secrets are 32 random bytes, shown once as "whsec_" and their base64,
 * stored sealed (token.h's sealing) under a key read from a file outside
 * the database ([webhooks] key_file), so a copy of the database alone
 * cannot sign.
 *
 * The service object lives in struct app (app->webhooks) and in the
 * booking hooks (hooks.h), made by mail_start; every wh_ function that
 * queues accepts a NULL service and then does nothing. */
#ifndef KNEAD_SVC_WEBHOOK_H
#define KNEAD_SVC_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

struct tz;
struct wh;

/* The event types an endpoint can ask for; the bit of each in an
 * endpoint's mask is WH_EV(type).  New types go at the end (the masks are
 * stored). */
enum wh_event {
    WH_APPT_BOOKED,
    WH_APPT_MOVED,
    WH_APPT_CANCELLED,
    WH_APPT_STATUS,
    WH_CLIENT_CREATED,
    WH_CLIENT_MERGED,
    WH_WAITLIST_OFFERED,
    WH_INVOICE_ISSUED,
    WH_PAYMENT_RECEIVED,
    WH_PAYMENT_REFUNDED,
    WH_CREDIT_NOTE_ISSUED,
    WH_NEVENTS
};
#define WH_EV(t) ((int64_t)1 << (t))
#define WH_EV_ALL (WH_EV(WH_NEVENTS) - 1)
/* The type sent to one endpoint on request (the admin's test), which no
 * endpoint subscribes to. */
#define WH_PING "webhook.ping"

/* "appointment.booked" ...; NULL for a number out of range. */
const char *wh_event_name(enum wh_event t);
/* What the event means, for the admin page.  "" out of range. */
const char *wh_event_about(enum wh_event t);
/* The type named (exactly), or -1. */
int wh_event_parse(const char *name);

#define WH_KEY_BYTES 32
#define WH_SECRET_BYTES 32
/* "whsec_" and the base64 of 32 bytes, and the NUL */
#define WH_SECRET_TEXT (6 + 44 + 1)
/* "v1," and the base64 of an HMAC-SHA256, and the NUL */
#define WH_SIGNATURE_LEN (3 + 44 + 1)

/* Reads the sealing key from path, making it (32 random bytes, mode 0600,
 * never replacing a file) when there is none.  Returns 0, or -1 with a
 * message naming the file. */
int wh_key_load(const char *path, unsigned char key[WH_KEY_BYTES], char *err, size_t errlen);

/* The service: the clinic's timezone (for the payloads' times) and the
 * sealing key (copied).  Can't fail; wh_free accepts NULL. */
struct wh *wh_new(const struct tz *tz, const unsigned char key[WH_KEY_BYTES]);
void wh_free(struct wh *w);

/* ---- queueing, inside the caller's transaction ---- */

/* The appointment `id` as it is now (read inside the transaction): t is
 * WH_APPT_BOOKED, _MOVED (before: as it was, for "previous"), _CANCELLED
 * (by_clinic: the desk cancelled it) or _STATUS (before->status is the
 * previous status).  Returns E_OK (nothing queued when w is NULL or no
 * endpoint asked), or the store's error (the caller rolls back). */
enum err_code wh_appointment(struct wh *w, struct db *db, enum wh_event t, int64_t id,
                             const struct appointment *before, int by_clinic, int64_t now,
                             struct err *e);
/* client.created: client `id`, just made by a booking. */
enum err_code wh_client_created(struct wh *w, struct db *db, int64_t id, int64_t now,
                                struct err *e);
/* client.merged: `merged` was merged into `kept` (call after the merge:
 * kept is read, merged is gone). */
enum err_code wh_client_merged(struct wh *w, struct db *db, int64_t kept, int64_t merged,
                               int64_t now, struct err *e);
/* waitlist.offered: an offer of a freed time to a waiting client (no
 * claim link, no contact details). */
struct wh_offer {
    int64_t offer_id, entry_id, freed_by;
    const char *service_id, *service_name, *therapist_id, *therapist_name;
    int64_t start, end, expires;
};
enum err_code wh_waitlist_offered(struct wh *w, struct db *db, const struct wh_offer *o,
                                  int64_t now, struct err *e);

/* The money events, queued by svc/money.c inside the transaction that
 * writes the change (after its rows, so what is read is what commits).
 * invoice.issued: invoice `id` (a deposit it took counts in its paid and
 * balance). */
enum err_code wh_invoice_issued(struct wh *w, struct db *db, int64_t id, int64_t now,
                                struct err *e);
/* payment.received: payment `id`, with its invoice. */
enum err_code wh_payment_received(struct wh *w, struct db *db, int64_t id, int64_t now,
                                  struct err *e);
/* payment.refunded: refund `id` of amount (in currency) from payment
 * `payment_id`, with the payment and its invoice (null when it has none). */
enum err_code wh_payment_refunded(struct wh *w, struct db *db, int64_t id, int64_t payment_id,
                                  int64_t amount, const char *currency, int64_t now,
                                  struct err *e);
/* credit_note.issued: credit note `id` of amount off invoice `invoice_id`. */
enum err_code wh_credit_note_issued(struct wh *w, struct db *db, int64_t id, int64_t invoice_id,
                                    int64_t amount, int64_t now, struct err *e);

/* ---- endpoints and deliveries, each in its own transaction (db_tx) ---- */

/* Checks an endpoint's address: http:// or https://, a host, an optional
 * port, no user name or password, no fragment, no spaces, 10 to 2000
 * characters.  E_OK, or E_UNPROCESSABLE with a sentence naming the fault. */
enum err_code wh_url_check(const char *url, struct err *e);
/* Checks and stores a new endpoint (ep->url, description, events, enabled)
 * with a new secret, shown once in secret (WH_SECRET_TEXT); *id gets its
 * number.  E_UNPROCESSABLE for a bad address, no events or a long
 * description; nothing stored on error. */
enum err_code wh_endpoint_add(struct wh *w, struct db *db, const struct wh_endpoint *ep,
                              int64_t now, int64_t *id, char secret[WH_SECRET_TEXT], struct err *e);
/* Checks and saves ep's url, description, events and enabled; the secret
 * stays.  E_NOTFOUND, E_UNPROCESSABLE as wh_endpoint_add. */
enum err_code wh_endpoint_update(struct db *db, const struct wh_endpoint *ep, int64_t now,
                                 struct err *e);
/* Gives endpoint id a new secret (in force for the next attempt of every
 * delivery), shown once in secret.  E_NOTFOUND when there is none. */
enum err_code wh_endpoint_rotate(struct wh *w, struct db *db, int64_t id, int64_t now,
                                 char secret[WH_SECRET_TEXT], struct err *e);
/* Queues a webhook.ping to endpoint id alone (also when it is disabled:
 * it waits until enabled).  E_NOTFOUND when there is none. */
enum err_code wh_ping(struct wh *w, struct db *db, int64_t id, int64_t now, struct err *e);
/* "Send again": delivery id, unless it is being sent, is due at now (real
 * time) with its attempts reset; *endpoint_id gets its endpoint.
 * E_NOTFOUND, or E_CONFLICT while it is being sent. */
enum err_code wh_delivery_retry(struct db *db, int64_t id, int64_t now, int64_t *endpoint_id,
                                struct err *e);

/* ---- signing (mail/whsend.c) ---- */

/* Opens an endpoint's sealed secret.  0, or -1 when it does not open (the
 * key file changed: rotate the secret). */
int wh_secret_open(const struct wh *w, const unsigned char *sealed, size_t n,
                   unsigned char secret[WH_SECRET_BYTES]);
/* The webhook-signature header's value: "v1," and the base64 of
 * HMAC-SHA256(secret, msg_id "." timestamp "." body).  Can't fail. */
void wh_sign(const unsigned char *secret, size_t secret_len, const char *msg_id, int64_t timestamp,
             const char *body, size_t body_len, char out[WH_SIGNATURE_LEN]);

#endif
