/* referrals — doctors' referrals for massage therapy, recorded by the front
 * desk for a client, and their status where staff look at a client: "3 of 8
 * visits used, valid until Jan 15, 2027" (the counting rule is
 * core/referral).
 *
 * Routes (web/routes.c): the front desk (and admins) read and write —
 *   GET  /staff/clients/{id}/referrals/new   the form for a new referral
 *   POST /staff/clients/{id}/referrals       records it (422: nothing stored)
 *   GET  /staff/referrals/{id}               one referral, editable
 *   POST /staff/referrals/{id}               saves changes
 * Therapists read the status of their own clients' referrals on the
 * appointment page (desk.c calls referrals_context).  Every read and write
 * is written to the audit log (record "referral"). */
#ifndef KNEAD_WEB_REFERRALS_H
#define KNEAD_WEB_REFERRALS_H

#include <jansson.h>
#include <stdint.h>

#include "core/datetime.h"
#include "http/request.h"

void referral_new(struct req *r);    /* GET /staff/clients/{id}/referrals/new */
void referral_create(struct req *r); /* POST /staff/clients/{id}/referrals */
void referral_edit(struct req *r);   /* GET /staff/referrals/{id} */
void referral_save(struct req *r);   /* POST /staff/referrals/{id} */

/* Adds "referrals" to ctx: the client's referrals with their status, each
 * read written to the audit log; day non-NULL: only the referral a visit on
 * that day counts against (none when there is none).  can_edit: links to
 * edit and to record a new one.  Returns 0, or -1 with an error page
 * written. */
int referrals_context(struct req *r, int64_t client_id, const struct dt_date *day, int can_edit,
                      json_t *ctx);

/* Adds "referral_notice" (a sentence for the front desk) to ctx when a new
 * appointment for the client on `day` would go past the visits authorised
 * or the valid-until date of the referral it counts against.  A notice,
 * never a refusal.  Returns 0, or -1 with an error page written. */
int referrals_booking_notice(struct req *r, int64_t client_id, struct dt_date day, json_t *ctx);

#endif
