/* guard (prefix guard_) — the admin's guard rails on the clinic's hours:
 * a change of the weekly opening hours or a new closed date that would
 * leave booked appointments outside the hours is saved only when the admin
 * confirms, having seen the list (issue 13 item 18).  Each check and save is
 * one writing transaction, so no booking slips in between the list shown
 * and the save.  It knows no HTTP; web/admin.c presents the list. */
#ifndef KNEAD_SVC_GUARD_H
#define KNEAD_SVC_GUARD_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/tz.h"
#include "store/store.h"

/* How far ahead a change of hours is checked: beyond any booking horizon. */
#define GUARD_AHEAD_SECONDS (INT64_C(400) * 86400)

/* Replaces location location_id's weekly opening hours with spans[0..n)
 * (tz: its zone; only its appointments are looked at).  The booked
 * or checked-in appointments still to come (ending after now) whose session
 * would not lie inside the new hours of its local weekday go to *stranded
 * (on a; *nstranded of them, by start).  When there are some and confirm is
 * 0, nothing is stored and the result is E_CONFLICT (problem
 * "appointments_outside_hours"); with confirm 1 the hours are saved and the
 * appointments stay booked.  Any other error: nothing stored. */
enum err_code guard_clinic_hours(struct db *db, struct arena *a, const struct tz *tz,
                                 int64_t location_id, const struct week_span *spans, size_t n,
                                 int confirm,
                                 int64_t now, struct appointment **stranded, size_t *nstranded,
                                 struct err *e);

/* Closes date ("YYYY-MM-DD", already checked) at location location_id
 * (tz: its zone) with reason, under the same
 * rule: the booked or checked-in appointments of that local date still to
 * come are *stranded, and without confirm nothing is stored (E_CONFLICT,
 * problem "appointments_outside_hours"). */
enum err_code guard_closed_date(struct db *db, struct arena *a, const struct tz *tz,
                                int64_t location_id, const char *date, const char *reason,
                                int confirm, int64_t now,
                                struct appointment **stranded, size_t *nstranded, struct err *e);

#endif
