/* shift — a therapist's weekly hours as the back office edits them: checking
 * one weekday's typed times, and whether a booked appointment still fits a
 * week.  Pure: no I/O, no globals, no allocation.  Minutes are wall minutes
 * after local midnight (0..1440); weekdays 0 = Sunday .. 6 = Saturday. */
#ifndef KNEAD_CORE_SHIFT_H
#define KNEAD_CORE_SHIFT_H

#include <stddef.h>

struct shift_span {
    int weekday;
    int start_min, end_min; /* half-open [start, end) */
};

/* One weekday as the form gave it, checked. */
struct shift_day {
    int has_work, work_start, work_end;    /* has_work = 0: not working */
    int has_break, break_start, break_end; /* at most one break a day */
    const char *err_hours, *err_break;     /* messages for a person (static), or NULL */
};

/* Checks one weekday's fields as typed ("" = left empty; NULL reads as "").
 * off = the "not working" box is ticked: the day has no hours and the other
 * fields are ignored.  Otherwise start and end are required HH:MM with
 * start < end; a break is optional (both ends empty) or both ends HH:MM,
 * start < end, strictly inside the hours.  Returns 0 and fills *out, or -1
 * with err_hours and/or err_break set (the rest of *out as far as valid). */
int shift_read_day(const char *start, const char *end, const char *break_start,
                   const char *break_end, int off, struct shift_day *out);

/* 1 when [start_min, end_min) on weekday wd lies inside one of the work spans
 * of that weekday and overlaps none of its breaks, else 0.  Can't fail. */
int shift_fits(const struct shift_span *work, size_t nwork, const struct shift_span *breaks,
               size_t nbreaks, int wd, int start_min, int end_min);

#endif
