/* lease — this server's lease on the messages and webhook deliveries it
 * claims (issue 10 §3).  A thread renews a row of the store's
 * server_leases every LEASE_RENEW_S seconds to LEASE_TTL_S ahead; the
 * workers name it in their claims (db_outbox_claim_as, db_wh_claim_as).
 * When this process dies (kill -9) or loses the store for LEASE_TTL_S, the
 * lease runs out and another server takes its claims at once rather than
 * after the claim's own lease_until (300 s for e-mail); while it lives, no
 * one does.  lease_stop ends the lease (its claims are free at once). */
#ifndef KNEAD_MAIL_LEASE_H
#define KNEAD_MAIL_LEASE_H

#include <stddef.h>

#include "store/store.h"

#define LEASE_TTL_S 8   /* how long a lease holds without a renewal */
#define LEASE_RENEW_S 2 /* how often it is renewed */

struct lease;

/* Writes a new lease (a random id; a failure is logged and the thread
 * tries again) and starts its renewing thread.  Returns 0, or -1 with a
 * message when the thread cannot start. */
int lease_start(struct store *store, struct lease **out, char *err, size_t errlen);
/* The lease's id, for the claims; "" for NULL or until it has been
 * written once (such a claim waits for its own lease_until).  Thread-safe. */
const char *lease_id(const struct lease *l);
/* Stops the thread and removes the lease.  Accepts NULL. */
void lease_stop(struct lease *l);

#endif
