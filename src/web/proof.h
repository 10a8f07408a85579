/* proof — how a request proved who it is, and so which of a client's
 * health records it may open (README "Identity and health data"):
 *
 *   PROOF_MANAGE_LINK   the private link of one appointment (/a/{token},
 *                       the API's bearer token).  It proves only that its
 *                       holder made that booking: that appointment, and the
 *                       health form and insurance check entered through it.
 *   PROOF_EMAIL         a client account whose address was proven by the
 *                       portal's one-time e-mail link, on a client record
 *                       with that address: the client's whole record.
 *   PROOF_STAFF         a staff session: by role, and for a therapist the
 *                       clinical record only inside a treating relationship
 *                       (an appointment with that therapist that the front
 *                       desk checked in, or that is completed).
 *
 * Knowing a client's name and e-mail proves nothing: a booking made with
 * them attaches to the stored client for the front desk, but its link is
 * PROOF_MANAGE_LINK like any other. */
#ifndef KNEAD_WEB_PROOF_H
#define KNEAD_WEB_PROOF_H

#include <stdint.h>

#include "http/request.h"
#include "svc/audit.h" /* enum proof, struct actor */

struct appointment;

/* The actor the audit log records for request r identified as via: its
 * signed-in account (if any) and peer address. Lives as long as r. */
struct actor proof_actor(struct req *r, enum proof via);

/* How a request that reached ap by its manage link is identified:
 * PROOF_EMAIL when it also carries the session of a client account that
 * proved the address of ap's client, PROOF_MANAGE_LINK otherwise.  Returns
 * 0, or -1 with an error response written. */
int proof_of_manage(struct req *r, const struct appointment *ap, enum proof *out);

/* *yes = 1 when the request's account may read client_id's intake, notes
 * and referrals as clinical staff: the front desk and admins always, a
 * therapist only inside a treating relationship (db_treats).  Returns 0,
 * or -1 with an error response written. */
int proof_treating(struct req *r, int64_t client_id, int *yes);

#endif
