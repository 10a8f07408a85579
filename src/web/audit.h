/* audit — the one way a health record's read or write is written down
 * (intake, insurance checks, referrals, treatment notes), and the admin's
 * page that browses the log.
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

/* action: "read", "create", "update", "sign" or "addendum"; record:
 * "intake", "insurance", "referral" or "note". */
enum err_code audit_record(struct req *r, const char *action, const char *record,
                           int64_t record_id, int64_t client_id, struct err *e);

void admin_audit(struct req *r); /* GET /admin/audit */

#endif
