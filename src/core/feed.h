/* feed — what a calendar subscription feed (/feeds/{token}.ics) may show.
 *
 * A feed leaves the clinic's control: it is copied into phones, shared
 * calendars and the servers of calendar providers.  So it carries only what
 * a therapist or the front desk needs to see the day at a glance: the
 * client's first name and last initial, the service, the therapist and the
 * room.  No phone number, e-mail, notes or health information — the
 * handler never even reads them (store: struct feed_appointment).
 *
 * Pure functions, no I/O. */
#ifndef KNEAD_CORE_FEED_H
#define KNEAD_CORE_FEED_H

#include <stddef.h>
#include <stdint.h>

#define FEED_PAST_DAYS 30  /* a feed reaches this many days back */
#define FEED_LABEL_MAX 64  /* bytes of a client label, with the NUL */

/* The client as a feed names them: the first word of the name and the
 * first letter of the last word ("Ana Maria Lee" → "Ana L."), a one-word
 * name as it is, "Client" for an empty one.  The first word is cut (on a
 * UTF-8 character boundary) to fit FEED_LABEL_MAX; the initial is a whole
 * UTF-8 character.  Writes at most size bytes, NUL-terminated; size must be
 * at least FEED_LABEL_MAX.  Can't fail. */
void feed_client_label(const char *name, char *out, size_t size);

/* 1 when an appointment in this status belongs in a feed: booked, checked
 * in, completed and no-show (the time was held).  Cancelled ones are left
 * out, so subscribed calendars drop them on their next refresh (a feed is
 * re-read whole; clients differ in how they show STATUS:CANCELLED, but all
 * remove an event that is gone).  Unknown statuses are left out too. */
int feed_shows(const char *status);

/* The instants a feed covers: from FEED_PAST_DAYS days before now to the
 * end of the booking horizon (horizon_days after now, plus a day, so the
 * last bookable day is whole).  horizon_days < 0 counts as 0. */
void feed_window(int64_t now, int horizon_days, int64_t *t0, int64_t *t1);

#endif
