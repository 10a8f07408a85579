/* remind — when appointment reminders are due.  Pure: no I/O, no clock.
 *
 * A reminder "N hours before" is due exactly N real hours (N * 3600 s)
 * before the start, as a UTC instant.  Across a DST change that is not the
 * same wall-clock time the day before: for 10:00 AKST on Sunday 2026-11-01
 * (19:00Z, after the fall-back), 24 hours before is 19:00Z on Oct 31, which
 * is 11:00 AKDT; for 10:00 AKDT on Sunday 2026-03-08 (18:00Z, after the
 * spring-forward), it is 18:00Z on Mar 7, 09:00 AKST.
 *
 * Which reminder to send, for an appointment with configured lead times
 * (24 and 3 hours, say), at `now`:
 *   - none once the appointment has started (now >= start);
 *   - none whose due instant lies before the appointment was booked or last
 *     moved (the `anchor`): a booking made 5 hours ahead gets no "24 hours
 *     before" reminder — the client has just had the confirmation;
 *   - of the reminders that are due (due <= now) and not before the anchor,
 *     only the latest-due one (the smallest lead time): after an outage a
 *     client gets one reminder, not a "24 h" and a "3 h" one together. */
#ifndef KNEAD_CORE_REMIND_H
#define KNEAD_CORE_REMIND_H

#include <stddef.h>
#include <stdint.h>

#define REMIND_MAX_HOURS 336 /* two weeks: the largest lead time accepted */

/* The instant a reminder `hours` (1..REMIND_MAX_HOURS) before start is due:
 * start - hours * 3600.  Can't fail. */
int64_t remind_due(int64_t start, int hours);

/* The lead time (one of hours[0..n), 0 entries = off) of the reminder to
 * queue now under the rules above, or 0 when none is.  Can't fail. */
int remind_pick(const int *hours, size_t n, int64_t start, int64_t anchor, int64_t now);

/* The earliest instant after now at which remind_pick may pick a reminder
 * it does not pick now, or 0 when there is none (all past or off).  Can't
 * fail. */
int64_t remind_next(const int *hours, size_t n, int64_t start, int64_t anchor, int64_t now);

#endif
