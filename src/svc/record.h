/* record — a client's whole record, as the portal's download gives it to
 * them (the right of access): every appointment of the account, and for
 * each client row it holds the health form with its earlier versions, the
 * insurance checks, the referrals, and the signed treatment notes (SOAP,
 * recommendations, addenda) of its visits.  Drafts are never part of it.
 *
 * Everything is read in one transaction with the audit rows that record the
 * download (action "download", record "record", one per client row), so the
 * record is never handed out without its row and is one consistent view.
 * It knows no HTTP: web/record.c presents it. */
#ifndef KNEAD_SVC_RECORD_H
#define KNEAD_SVC_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"
#include "svc/audit.h"

/* One client row of the account (a name booked under) and its records. */
struct record_client {
    int64_t id;
    const char *name, *email, *phone;
    struct intake intake; /* the current form, when has_intake */
    int has_intake;
    struct intake *earlier; /* earlier versions, newest first */
    size_t nearlier;
    struct insurance_check *checks; /* newest first */
    size_t nchecks;
    struct referral *referrals; /* newest referral date first */
    size_t nreferrals;
};

/* One appointment and, when it has a signed note, the note and its addenda. */
struct record_visit {
    struct appointment ap;
    struct treatment_note note; /* when has_note (signed) */
    int has_note;
    struct note_addendum *addenda; /* oldest first */
    size_t naddenda;
};

struct client_record {
    struct record_client *clients;
    size_t nclients;
    struct record_visit *visits; /* latest start first */
    size_t nvisits;
};

/* Reads the whole record of client account user_id onto a and writes the
 * audit rows of its download by who at now, in one transaction.  Returns
 * E_OK (an account with no appointment has an empty record and no audit
 * row), or the store's error with e filled (nothing written). */
enum err_code record_collect(struct db *db, struct arena *a, int64_t user_id,
                             const struct actor *who, int64_t now, struct client_record *out,
                             struct err *e);

#endif
