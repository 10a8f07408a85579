/* import — clients and future appointments from another system, as CSV
 * (knead import).  Columns are found by their header (any letter case;
 * unknown ones are ignored and named), every row is checked by the rules
 * the app itself uses (core/booking for names, e-mail and phone; for an
 * appointment the booking service, svc/booking, in the one transaction:
 * the service and therapist, the time in the clinic's zone, notice and
 * horizon, hours, time off, rooms, and no overlap with another appointment
 * of the therapist, the room or the client, earlier rows of the file
 * included).
 *
 * All or nothing: the rows are stored in one transaction that commits only
 * when every row passed; a dry run does the same work and always rolls
 * back.  Either way every refused row is listed with its line and why.
 * An imported appointment queues no message (the caller's sched hooks are
 * empty: no confirmation e-mail to people who booked elsewhere); reminders
 * follow as for any appointment. */
#ifndef KNEAD_SVC_IMPORT_H
#define KNEAD_SVC_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "core/booking.h"
#include "core/err.h"
#include "store/store.h"

struct sched_cache;
struct tz;

#define IMPORT_MAX_BYTES (16u << 20) /* 16 MiB: some 100,000 rows */
#define IMPORT_MAX_ROWS 50000

enum import_kind { IMPORT_CLIENTS, IMPORT_APPOINTMENTS };

struct import_problem {
    int line;        /* of the file, 1-based: the header is line 1 */
    const char *why; /* a sentence */
};

struct import_result {
    size_t rows;    /* data rows read */
    size_t added;   /* clients or appointments stored (or, in a dry run, that would be) */
    size_t present; /* clients: already there by name and e-mail (or, without one, name
                     * and number), left as they are */
    struct import_problem *problems; /* every refused row, in file order */
    size_t nproblems;
    const char *ignored; /* header columns not read, "a, b"; "" when none */
};

/* Reads data[0..len) as CSV of kind and stores its rows (see above) as of
 * now.  cache: a sched cache whose hooks queue nothing; cfg: the config
 * file's booking rules.  Returns E_OK (all rows passed; stored unless
 * dry_run), E_UNPROCESSABLE (some rows refused: out->problems; nothing
 * stored), E_INVALID for the file itself (not UTF-8, too large, malformed
 * CSV, a header without a needed column; e says what and where; nothing
 * read), or the store's error (nothing stored).  out lives on a. */
enum err_code import_csv(struct db *db, struct arena *a, struct sched_cache *cache,
                         const struct tz *tz, const struct booking_rules *cfg,
                         enum import_kind kind, const char *data, size_t len, int dry_run,
                         int64_t now, struct import_result *out, struct err *e);

#endif
