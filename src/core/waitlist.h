/* waitlist — the clinic's rules for the waitlist: what a client may ask to
 * be told about (a service, a therapist or any, a range of days, weekdays
 * and a time-of-day window), whether a freed time fits such a wish, and
 * how long an offer of that time stays open.  Pure: no I/O, no clock, no
 * state; callers pass local dates and minutes already converted in the
 * clinic's zone (core/tz).
 *
 * Checks return NULL when the value is right, else a message a person can
 * act on (a static string, or one written into the caller's buffer). */
#ifndef KNEAD_CORE_WAITLIST_H
#define KNEAD_CORE_WAITLIST_H

#include <stddef.h>
#include <stdint.h>

#include "core/datetime.h"
#include "core/shift.h"

/* Weekday bits: bit d set = weekday d wanted (0 = Sunday .. 6 = Saturday,
 * as dt_weekday). */
#define WAITLIST_ALL_DAYS 0x7f
#define WAITLIST_WEEKDAYS 0x3e /* Monday to Friday */

/* What a client waits for. */
struct waitlist_want {
    const char *service_id;
    const char *therapist_id;   /* NULL or "" = any therapist */
    struct dt_date from, to;    /* local days, both included */
    unsigned days;              /* weekday bits */
    int from_min, to_min;       /* the window, minutes after local midnight: the
                                 * appointment starts at or after from_min and
                                 * ends at or before to_min */
};

/* A time that came free: the service and therapist of the appointment
 * that left it, and its start as a local day and minute. */
struct waitlist_opening {
    const char *service_id, *therapist_id;
    struct dt_date date;       /* local day of the start */
    int start_min;             /* local minute of the start, 0..1439 */
    int duration_min;          /* the service's length */
};

/* 1 when the opening fits w: the same service, the same therapist (or w
 * takes any), its day inside [from, to] and among w's weekdays, and the
 * whole appointment inside w's window; else 0.  Whether the time can still
 * be booked (notice, horizon, free per the availability engine) is the
 * caller's to check.  Can't fail. */
int waitlist_matches(const struct waitlist_want *w, const struct waitlist_opening *o);

/* Whether the window [from_min, to_min) can hold a session of duration_min
 * inside one of a therapist's working spans (work: her week) on a weekday
 * ticked in days: a waitlist entry for her could ever be offered a time.
 * 1 or 0; can't fail. */
int waitlist_window_works(const struct shift_span *work, size_t nwork, unsigned days,
                          int from_min, int to_min, int duration_min);

/* The window: from_min < to_min, both within 00:00..24:00, and long enough
 * for a service of duration_min.  buf receives a message; returns NULL or
 * buf. */
const char *waitlist_check_window(int from_min, int to_min, int duration_min, char *buf,
                                  size_t size);

/* The days: from not before today, to not before from, to not after the
 * last bookable day (today + horizon_days).  *field gets "date_from" or
 * "date_to" for the field the message is about.  buf receives the
 * message; returns NULL or buf. */
const char *waitlist_check_dates(struct dt_date from, struct dt_date to, struct dt_date today,
                                 int horizon_days, const char **field, char *buf, size_t size);

/* The weekdays: at least one of the bits of WAITLIST_ALL_DAYS. */
const char *waitlist_check_days(unsigned days);

/* The weekdays in words: "every day", "Monday to Friday", "Saturday",
 * "Monday, Wednesday and Friday".  Writes into buf; returns buf. */
const char *waitlist_days_label(unsigned days, char *buf, size_t size);

/* When an offer made at now of a time starting at start expires: ttl_min
 * minutes after now, but never later than the last moment the time can be
 * booked online (start - notice_min).  A result <= now means the time may
 * not be offered at all. */
int64_t waitlist_offer_expiry(int64_t now, int64_t start, int notice_min, int ttl_min);

#endif
