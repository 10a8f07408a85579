/* audit — how a request's read or write of a health record is written down
 * (intake, insurance checks, referrals, treatment notes) through the one
 * writer, svc/audit.h, and the admin's page that browses the log.
 *
 * audit_record() fills who (the signed-in account, or "client (manage
 * link)" when the request carries no session), when (clock_now) and from
 * where (the peer address) itself; call it on the request's connection
 * inside the same transaction as the write it records, so a change and its
 * log row land together or not at all.  Reads are recorded the same way,
 * before the page is rendered: a record is never shown without its row.
 *
 * Routes: GET /admin/audit (ROUTE_ADMIN), filters ?record=&client=&before=.
 * There is no route that changes the log; the store refuses to. */
#ifndef KNEAD_WEB_AUDIT_H
#define KNEAD_WEB_AUDIT_H

#include <stdint.h>

#include "core/err.h"
#include "http/request.h"
#include "web/proof.h"

/* action: "read", "create", "update", "sign", "addendum", or "refused" (a
 * read that was not allowed); record: "intake", "insurance", "referral" or
 * "note".  How the actor was identified comes from the session: none = the
 * manage link, a client account = its proven e-mail, else staff. */
enum err_code audit_record(struct req *r, const char *action, const char *record,
                           int64_t record_id, int64_t client_id, struct err *e);
/* The same, identified as `via` says (proof_of_manage's answer on a manage
 * page, where a browser's client session may belong to someone else). */
/* audit_record for n records shown together (svc/audit.h audit_add_many):
 * record_ids[i] of client_ids[i], one statement. */
enum err_code audit_record_many(struct req *r, const char *action, const char *record,
                                const int64_t *record_ids, const int64_t *client_ids, size_t n,
                                struct err *e);
enum err_code audit_record_as(struct req *r, enum proof via, const char *action,
                              const char *record, int64_t record_id, int64_t client_id,
                              struct err *e);

void admin_audit(struct req *r); /* GET /admin/audit */

#endif
