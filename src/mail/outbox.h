/* outbox — delivers the messages queued in the store's outbox over SMTP,
 * from one worker thread of `knead serve`.
 *
 * A message's life (status in the store):
 *
 *   queued in the transaction of its cause
 *        |
 *        v          claim (attempts + 1, lease)         server accepted
 *   [pending] --------------------------------> [sending] ----------------> [sent]
 *        ^                                        |   |
 *        |   failed, attempts < max: due again    |   | failed, attempts = max,
 *        +---- after outbox_backoff(attempts) ----+   | or refused (SMTP 5xx)
 *        |   (4xx, network error, no answer       |   +-----------------> [failed]
 *        |    within [smtp] timeout_seconds)                                 |
 *        +------------------- knead outbox retry ID -------------------------+
 *
 * A claim is a lease: a message left "sending" by a crash is claimed again
 * when its lease runs out.  So delivery is AT LEAST ONCE: a crash (or a
 * store failure) after the SMTP server accepted a message but before it was
 * marked sent sends it again, and so does a connection lost after the
 * server took the message but before its "250" reached us.  Every attempt sends the same bytes with the
 * same Message-ID (from the outbox id), so a receiver can drop the repeat.
 * Apart from that window a message is sent once: only the worker that holds
 * the claim marks it, and marking checks that it still holds it.
 *
 * The store keeps the last failure in the server's own words ("...refused
 * it: 550 5.1.1 <a@b>: Recipient address rejected").  One transfer takes
 * at most [smtp] timeout_seconds, so a server that never answers holds the
 * messages behind it that long, once: the message goes back with its
 * back-off and the next one due is sent.
 *
 * Delivery times use the real clock, not clock_now(): `serve --now` pins
 * the clinic's "now" for tests and demos, and mail must still be retried.
 *
 * A gift card's e-mail (store.h OUTBOX_KIND_SEALED) is stored with its
 * code masked and the code sealed beside it: the worker opens the seal with
 * options.code_seal and puts the code in only for the transfer; a seal that
 * is missing or does not open (another key file) fails the message with a
 * log line, never sending a masked or garbled code.  Marking it sent
 * deletes the seal, so the stored copy keeps the last four characters only.
 *
 * Messages travel on a channel: "email" over SMTP, "sms" through the SMS
 * provider (mail/sms.c); the cycle is the same.  A channel without a
 * transport (smtp.host "", sms.base_url "") keeps its messages queued. */
#ifndef KNEAD_MAIL_OUTBOX_H
#define KNEAD_MAIL_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "mail/sms.h"
#include "mail/smtp.h"

struct lease; /* mail/lease.h */

struct store;
struct outbox;
struct tz;

/* How long to wait before the next try after `attempts` failed tries
 * (1, 2, ...): min_s, 2 min_s, 4 min_s ... capped at max_s.  Can't fail. */
int64_t outbox_backoff(int attempts, int min_s, int max_s);

struct outbox_options {
    struct store *store;
    struct smtp_server smtp;  /* smtp.host "" = keep e-mail queued */
    struct sms_provider sms;  /* sms.base_url NULL or "" = keep text messages queued */
    const char *from;         /* the envelope sender and From: address */
    const char *from_name;    /* the From: name (the clinic's) */
    const struct tz *tz;      /* for the Date: header, in the clinic's zone */
    int retry_min_s, retry_max_s, max_attempts;
    int poll_s;               /* longest sleep between looks at the store */
    int lease_s;              /* how long a claim holds */
    const struct lease *lease; /* this server's (mail/lease.h), named in its claims */
    /* the key a message's sealed secret opens with (store.h
     * OUTBOX_KIND_SEALED: a gift card's code); NULL: such a message fails */
    const unsigned char *code_seal;
};

/* Starts the worker thread (copies the options; the store and strings must
 * outlive it).  Returns 0, or -1 with a message. */
int outbox_start(const struct outbox_options *o, struct outbox **out, char *err, size_t errlen);
/* Wakes the worker: a message was queued.  Thread-safe; accepts NULL. */
void outbox_kick(struct outbox *ob);
/* Tells the worker to stop without waiting for it: a transfer in flight is
 * aborted within about a second (libcurl polls the flag) and its message
 * goes back to pending; no new message is claimed.  Accepts NULL. */
void outbox_abort(struct outbox *ob);
/* Stops the worker (an SMTP transfer in flight is aborted and its message
 * goes back to pending) and frees it.  Accepts NULL. */
void outbox_stop(struct outbox *ob);

#endif
