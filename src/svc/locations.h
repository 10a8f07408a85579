/* locations (prefix loc_) — the transactions on a location as a whole
 * (issue 10 §4): archiving one the clinic no longer works at, and its own
 * booking rules.  It knows no HTTP; web/admin_locations.c presents them. */
#ifndef KNEAD_SVC_LOCATIONS_H
#define KNEAD_SVC_LOCATIONS_H

#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

/* Archives location id at now (archive 1) or puts it back in use (0).  An
 * archived location leaves booking, the public pages and the API's list
 * and stays in history, reports and receipts.  Refused, with nothing
 * changed: E_NOTFOUND when there is no such location; E_CONFLICT (problem
 * "location_first") for the first location, which holds the clinic's
 * defaults; E_CONFLICT (problem "location_has_appointments", *live = how
 * many) while it holds booked or checked-in appointments ending after now.
 * The count and the change are one writing transaction, so no booking
 * slips in between. */
enum err_code loc_archive(struct db *db, int64_t id, int archive, int64_t now, int64_t *live,
                          struct err *e);

/* Sets location id's own notice (minutes), horizon (days) and
 * late-cancellation window (hours); -1 each = the clinic's.  The caller has
 * checked the ranges.  E_NOTFOUND when there is no such location. */
enum err_code loc_set_rules(struct db *db, int64_t id, int min_notice_minutes, int horizon_days,
                            int late_cancel_hours, struct err *e);

#endif
