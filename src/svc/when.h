/* when — how dates and times are worded: in the clinic's timezone, in words
 * people use ("Tuesday, November 24, 2026", "2:30 PM", "Today 2:30 PM").
 * One place for it, shared by pages and messages. It knows no request: it
 * takes the clinic's timezone and the arena the words live on. */
#ifndef KNEAD_SVC_WHEN_H
#define KNEAD_SVC_WHEN_H

#include <stdint.h>

#include "core/datetime.h"
#include "core/tz.h"
#include "util/arena.h"

/* The local date in tz of instant t. Can't fail. */
struct dt_date when_local_date(const struct tz *tz, int64_t t);
/* "2026-11-24", on a. Can't fail. */
const char *when_date_param(struct arena *a, struct dt_date d);
/* "2:30 PM"; "1:30 AM (AKDT)" when that wall time occurs twice that day
 * (the repeated hour of the DST change); always_zone: "2:30 PM AKST". On a. */
const char *when_clock(const struct tz *tz, struct arena *a, int64_t t, int always_zone);
/* A wall time of day, minutes after midnight (0..1440), as when_clock words
 * an instant: "4:00 PM", "12:00 PM", 0 is "12:00 AM" and 1440 "midnight".  For
 * hours and windows, which belong to no one instant.  On a. */
const char *when_minutes(struct arena *a, int minutes);
/* "4:00 PM – 7:00 PM" from two wall times (when_minutes), on a. */
const char *when_window(struct arena *a, int from, int to);
/* "Tuesday, November 24, 2026", on a. */
const char *when_date_long(struct arena *a, struct dt_date d);
/* "Tuesday, November 24", on a. */
const char *when_date_medium(struct arena *a, struct dt_date d);
/* "Tuesday, November 24, 2:30 PM AKST" (the instant t), on a: logs of
 * deliveries. */
const char *when_datetime(const struct tz *tz, struct arena *a, int64_t t);
/* "Tue, Nov 24", on a. */
const char *when_date_short(struct arena *a, struct dt_date d);
/* "Today 2:30 PM", "Tomorrow 9:00 AM", "Fri, Nov 27, 10:15 AM" — relative to
 * clock_now(), on a. */
const char *when_relative(const struct tz *tz, struct arena *a, int64_t t);
/* "Tuesday, November 24, 2026 at 2:30 PM AKST": one instant in a sentence,
 * on a. */
const char *when_at(const struct tz *tz, struct arena *a, int64_t t);
/* "2:30 PM – 4:00 PM AKST", on a. */
const char *when_range(const struct tz *tz, struct arena *a, int64_t start, int64_t end);

#endif
