/* whsend — delivers the webhook events svc/webhook.c queued: one worker
 * thread of `knead serve` with up to WH_BUSY_MAX transfers at once (libcurl's
 * multi interface), at most one per endpoint, so an endpoint that hangs
 * holds one slot for [webhooks] timeout_seconds and no one else waits.
 *
 * A delivery's life (status in the store):
 *
 *   queued in the transaction of its cause
 *        |
 *        v        claim (attempts + 1, lease)          a 2xx reply
 *   [pending] ------------------------------> [sending] -----------> [delivered]
 *        ^                                      |   |
 *        | not 2xx, no answer in time, refused  |   | the same, attempts =
 *        | address, attempts < max: due again   |   | max_attempts
 *        +--- after outbox_backoff(attempts) ---+   +------------> [failed]
 *        |                                                           |
 *        +------------- "Send again" on /admin/webhooks -------------+
 *                       (also for a delivered one)
 *
 * A claim is a lease: a delivery left "sending" by a crash is claimed again
 * when its lease (timeout_seconds + 30 s) runs out, so delivery is AT LEAST
 * ONCE; every attempt carries the same webhook-id, so a receiver can drop a
 * repeat.  webhook-timestamp is the attempt's (real time, not `serve
 * --now`), signed with it.  Redirects are not followed (a 3xx is a
 * failure), no proxy from the environment is used, and only http and https
 * are spoken.  Unless [webhooks] allow_private = 1, a connection to a
 * loopback, private, link-local, shared, multicast or reserved address is
 * refused at the moment of connecting (whatever the name resolved to), so
 * an endpoint cannot be pointed at the clinic's own network. */
#ifndef KNEAD_MAIL_WHSEND_H
#define KNEAD_MAIL_WHSEND_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct lease; /* mail/lease.h */

struct store;
struct wh;
struct whsend;

struct whsend_options {
    struct store *store;
    const struct wh *wh; /* opens the secrets and signs */
    int allow_private;
    int timeout_s; /* one attempt, connection included */
    int retry_min_s, retry_max_s, max_attempts;
    const struct lease *lease; /* this server's (mail/lease.h), named in its claims */
};

/* Starts the worker thread (copies the options; the store and wh must
 * outlive it).  Returns 0, or -1 with a message. */
int whsend_start(const struct whsend_options *o, struct whsend **out, char *err, size_t errlen);
/* Wakes the worker after a commit that may have queued deliveries: it looks
 * at the queue at once, unless its last look found no endpoint enabled
 * (then nothing a commit queues can be due; it looks every second in any
 * case).  Thread-safe; accepts NULL. */
void whsend_kick(struct whsend *ws);
/* Wakes the worker to look at once whatever its last look found: an
 * endpoint was added, saved (enabled again) or pinged here, or a delivery
 * queued again.  Thread-safe; accepts NULL. */
void whsend_look(struct whsend *ws);
/* The worker's looks at the queue since start (/metrics): woken (a kick or
 * whsend_look) and timed (its look every second). */
struct whsend_stats {
    uint64_t looks_woken, looks_timed;
};
/* Reads ws's counts (zeros for NULL).  Thread-safe. */
void whsend_stats(const struct whsend *ws, struct whsend_stats *out);
/* Tells the worker to stop without waiting: transfers in flight end now and
 * their deliveries go back to pending.  Accepts NULL. */
void whsend_abort(struct whsend *ws);
/* Stops the worker (as whsend_abort) and frees it.  Accepts NULL. */
void whsend_stop(struct whsend *ws);

/* 1 when a connection to this address is refused without [webhooks]
 * allow_private: loopback, private (RFC 1918, unique local), link-local,
 * shared (100.64/10), unspecified, multicast, reserved, or an IPv4-mapped
 * IPv6 form of one; else 0.  Can't fail. */
int whsend_private_address(const struct sockaddr *sa);

#endif
