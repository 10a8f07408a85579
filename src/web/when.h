/* when — how pages say dates and times: in the clinic's timezone, in words
 * people use ("Tuesday, November 24, 2026", "2:30 PM", "Today 2:30 PM").
 * One place for it, shared by the booking, manage and staff pages. */
#ifndef KNEAD_WEB_WHEN_H
#define KNEAD_WEB_WHEN_H

#include <stdint.h>

#include "core/datetime.h"
#include "http/request.h"

/* The clinic-local date of instant t. */
struct dt_date when_local_date(const struct req *r, int64_t t);
/* "2026-11-24" */
const char *when_date_param(struct req *r, struct dt_date d);
/* "2:30 PM"; "1:30 AM (AKDT)" when that wall time occurs twice that day
 * (the repeated hour of the DST change); always_zone: "2:30 PM AKST". */
const char *when_clock(struct req *r, int64_t t, int always_zone);
/* "Tuesday, November 24, 2026" */
const char *when_date_long(struct req *r, struct dt_date d);
/* "Tuesday, November 24" */
const char *when_date_medium(struct req *r, struct dt_date d);
/* "Tue, Nov 24" */
const char *when_date_short(struct req *r, struct dt_date d);
/* "Today 2:30 PM", "Tomorrow 9:00 AM", "Fri, Nov 27, 10:15 AM" */
const char *when_relative(struct req *r, int64_t t);
/* "2:30 PM – 4:00 PM AKST" */
const char *when_range(struct req *r, int64_t start, int64_t end);

#endif
