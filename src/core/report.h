/* report — the arithmetic of the clinic's reports: hours free to book from
 * a day's spans, medians, rates, and the period a report covers with the
 * one before it.  Pure: no I/O, no globals, no allocation; the caller passes
 * the spans availability itself is built from (svc/reports.c gets them
 * through sched_wall_spans, the rule core/avail books by). */
#ifndef KNEAD_CORE_REPORT_H
#define KNEAD_CORE_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "core/avail.h"
#include "core/datetime.h"

#define REPORT_MAX_DAYS 366 /* the longest range a report covers */

/* Seconds of one day that are inside one of the open spans and one of the
 * work spans and inside none of the busy spans: the hours a therapist could
 * be booked, by the rule avail_day offers slots by (open hours, working
 * hours, minus breaks and time off).  Each list is read as a set (any
 * order; spans that overlap count once; an empty span is ignored).
 * scratch: room for 2 * (nopen + nwork + nbusy) instants, the caller's
 * (however many spans a therapist's time off makes, nothing is refused).
 * Returns the seconds (>= 0).  Can't fail.  Cost: O(k log k + k * n) for k
 * boundaries and n spans, a day's few. */
int64_t report_free_seconds(const struct avail_span *open, size_t nopen,
                            const struct avail_span *work, size_t nwork,
                            const struct avail_span *busy, size_t nbusy, int64_t *scratch);

/* The median of v[0..n): the middle value, or the mean of the two middle
 * ones rounded down; sorts v in place.  0 when n is 0.  Can't fail. */
int64_t report_median(int64_t *v, size_t n);

/* num / den in tenths of a percent, rounded half up (1 of 3 = 333, i.e.
 * 33.3 %); -1 when den <= 0 (no rate: nothing to divide by) or num < 0. */
int report_permille(int64_t num, int64_t den);

/* A rate in tenths of a percent as text, "33.3%" ("—" for -1), into buf.
 * Returns buf.  Can't fail (size >= 8). */
const char *report_permille_text(int permille, char *buf, size_t size);

/* The dates a report covers (both inclusive) and the period of the same
 * length just before it, to compare with. */
struct report_range {
    struct dt_date from, to;
    int days; /* 1..REPORT_MAX_DAYS */
    struct dt_date prev_from, prev_to;
};

enum report_range_fault {
    REPORT_RANGE_OK = 0,
    REPORT_RANGE_REVERSED = 1, /* to is before from */
    REPORT_RANGE_TOO_LONG = 2, /* more than REPORT_MAX_DAYS days */
};
/* Checks [from, to] and fills *out; on a fault *out is unchanged. */
enum report_range_fault report_range(struct dt_date from, struct dt_date to,
                                     struct report_range *out);

/* The default range: the `days` days that end the day before `today`.  days
 * 1..REPORT_MAX_DAYS (else clamped into it). */
struct report_range report_range_last(struct dt_date today, int days);

/* How cur compares to prev in whole percent, rounded half away from zero:
 * +25 for 5 against 4.  *has = 0 when prev is 0 (no percentage); the
 * result is then 0.  Can't fail. */
int report_change_percent(int64_t cur, int64_t prev, int *has);

#endif
