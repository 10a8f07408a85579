/* audit — the one writer of the audit log: health records (intake, insurance
 * checks, referrals, treatment notes) and every change of money. It takes an actor, not a request,
 * so a handler, a command or a job records the same row the same way.
 *
 * Call it on the connection and inside the transaction of the write it
 * records, so a change and its log row land together or not at all; a read
 * is recorded before the record is shown. */
#ifndef KNEAD_SVC_AUDIT_H
#define KNEAD_SVC_AUDIT_H

#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

/* How an actor proved who they are (README "Identity and health data"):
 * the private link of one appointment, a client account whose e-mail was
 * proven, or a staff session. web/proof.c decides it for a request. */
enum proof { PROOF_MANAGE_LINK, PROOF_EMAIL, PROOF_STAFF };

/* Who did it. user_id 0 with via PROOF_MANAGE_LINK is the holder of a
 * manage link; email and role are then ignored. address: the peer's. */
struct actor {
    int64_t user_id;
    const char *email, *role, *address;
    enum proof via;
};

/* "manage_link", "proven_email", "staff": as the log stores it. Can't fail. */
const char *audit_via_name(enum proof p);

/* Appends one row: who, at `at`, did action ("read", "create", "update",
 * "sign", "addendum", or "refused" — a read that was not allowed; "download"
 * of a client's whole record, "export" of a CSV) to record ("intake",
 * "insurance", "referral" or "note"; "record" for a download; "clients",
 * "appointments", "invoices" or "payments" for an export) record_id of
 * client_id.
 * Returns E_OK, or the store's error with e filled (nothing written). */
enum err_code audit_add(struct db *db, const struct actor *who, const char *action,
                        const char *record, int64_t record_id, int64_t client_id, int64_t at,
                        struct err *e);
/* audit_add for a list of records shown together (a report, a queue): n
 * rows, record_ids[i] of client_ids[i], in one statement (one round trip, and
 * one commit when no transaction is open, where n audit_add calls were n).
 * n 0 writes nothing.  Returns as audit_add. */
enum err_code audit_add_many(struct db *db, const struct actor *who, const char *action,
                             const char *record, const int64_t *record_ids,
                             const int64_t *client_ids, size_t n, int64_t at, struct err *e);
/* The same with why (at most 500 characters; "" for none): a change of
 * money ("issue", "pay", "refund", "credit", "count" of "invoice",
 * "payment", "refund", "credit_note", "closeout") or a superbill read. */
enum err_code audit_add_why(struct db *db, const struct actor *who, const char *action,
                            const char *record, int64_t record_id, int64_t client_id,
                            const char *why, int64_t at, struct err *e);

#endif
