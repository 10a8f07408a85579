/* datetime — proleptic Gregorian calendar arithmetic and the strict date/time
 * parsers and formatters (STYLE rule 9).
 *
 * Everything here is pure: no clock, no locale, no TZ, no I/O, no globals.
 * Days are counted from 1970-01-01 (day 0); "seconds" are seconds since the
 * epoch on a clock without leap seconds.  Time zones live in core/tz.h. */
#ifndef KNEAD_CORE_DATETIME_H
#define KNEAD_CORE_DATETIME_H

#include <stddef.h>
#include <stdint.h>

struct dt_date {
    int year, month, day; /* month 1..12, day 1..31 */
};

struct dt_civil {
    int year, month, day;  /* as in struct dt_date */
    int hour, min, sec;    /* 0..23, 0..59, 0..59 */
};

/* The range of instants the time functions work in: 0001-01-01T00:00:00Z to
 * 9999-12-31T23:59:59Z.  Functions that take an arbitrary int64_t instant clamp
 * it into this range (and say so). */
#define DT_UTC_MIN INT64_C(-62135596800)
#define DT_UTC_MAX INT64_C(253402300799)

/* Years accepted by dt_parse_date and dt_parse_rfc3339. */
#define DT_PARSE_YEAR_MIN 1900
#define DT_PARSE_YEAR_MAX 9999

/* Days from 1970-01-01 to y-m-d.  Out-of-range months and days are normalised
 * rather than rejected (month 13 of 2026 is January 2027, day 0 is the last
 * day of the previous month, day 32 of January is February 1), which makes
 * "date + n days" a one-liner.  Any int arguments are safe (no overflow).
 * Can't fail. */
int64_t dt_days_from_civil(int y, int m, int d);

/* The civil date of day number `days` (0 = 1970-01-01).  days is clamped to
 * +/- 365,000,000,000 (about a billion years) so the year always fits an
 * int.  Any of y, m, d may be NULL.  Can't fail. */
void dt_civil_from_days(int64_t days, int *y, int *m, int *d);

/* Day of the week of day number `days`: 0 = Sunday .. 6 = Saturday.
 * Can't fail. */
int dt_weekday(int64_t days);

/* 1 if y is a Gregorian leap year, else 0.  Can't fail. */
int dt_is_leap(int y);

/* Number of days in month m (1..12) of year y; 0 if m is out of range. */
int dt_days_in_month(int y, int m);

/* 1 if y-m-d is a real calendar date (any year, month 1..12, day within the
 * month), else 0. */
int dt_valid_date(int y, int m, int d);

/* 1 if all six fields of c form a real date and time of day (hour 0..23,
 * min 0..59, sec 0..59: no leap seconds), else 0.  c must not be NULL. */
int dt_valid_civil(const struct dt_civil *c);

/* Day number of a date, and back (both normalise like dt_days_from_civil). */
int64_t dt_date_to_days(struct dt_date d);
struct dt_date dt_date_from_days(int64_t days);

/* d plus n days (n may be negative); invalid fields of d are normalised as in
 * dt_days_from_civil.  Can't fail. */
struct dt_date dt_date_add(struct dt_date d, int n);

/* Seconds since the epoch of a civil time read as if it were UTC ("local
 * seconds" when the fields are a wall clock).  Fields are normalised like
 * dt_days_from_civil (hour 24 is the next day's 00); no overflow for any
 * int fields.  Can't fail. */
int64_t dt_civil_to_secs(const struct dt_civil *c);

/* The civil time of `secs` seconds since the epoch read as UTC.  secs is
 * clamped to +/- 365,000,000,000 days like dt_civil_from_days.  Can't fail. */
void dt_civil_from_secs(int64_t secs, struct dt_civil *out);

/* Parses exactly "YYYY-MM-DD": four, two and two digits, a real calendar
 * date, year DT_PARSE_YEAR_MIN..DT_PARSE_YEAR_MAX, nothing before or after.
 * Returns 0 and fills *out, or -1 and leaves *out alone (also for NULL s). */
int dt_parse_date(const char *s, struct dt_date *out);

/* Parses a strict RFC 3339 date-time:
 *   YYYY-MM-DD "T" HH:MM:SS [ "." 1*DIGIT ] ( "Z" / ("+" / "-") HH:MM )
 * 't' and 'z' may be lower case (RFC 3339 section 5.6).  The fraction is
 * accepted and discarded (truncation).  Rejected: a missing offset, spaces,
 * trailing characters, invalid dates, hour 24, minute 60, second 60 (leap
 * seconds), fields without zero padding, offsets without the colon
 * ("+0900") or beyond 23:59.  "-00:00" is read as UTC.  Years as for
 * dt_parse_date.
 * Returns 0 and sets *utc (seconds since the epoch) and *offset_sec (seconds
 * east of UTC that the string carried; either pointer may be NULL), or -1 and
 * changes nothing. */
int dt_parse_rfc3339(const char *s, int64_t *utc, int *offset_sec);

/* Parses a wall-clock time "HH:MM" (00:00..23:59, two digits each) into
 * minutes since midnight; "24:00" is accepted as 1440 for "closes at
 * midnight".  Returns 0 and sets *minutes, or -1 and changes nothing. */
int dt_parse_hhmm(const char *s, int *minutes);

/* Writes the RFC 3339 form of instant `utc` seen at `offset_sec` seconds east
 * of UTC, always with a numeric offset ("+00:00" for UTC, never "Z"), e.g.
 * "2026-11-26T14:00:00-09:00" (25 characters; buf needs 26 bytes).
 * RFC 3339 offsets have no seconds: an offset with seconds (historic local
 * mean time) is rounded to the nearest minute and the wall time shown is
 * shifted with it, so the string still denotes exactly `utc`.
 * Returns the length written (without the NUL), or 0 if buf is too small,
 * |offset| exceeds 23:59 or the local year is outside 0000..9999; on failure
 * buf is set to "" when size > 0. */
size_t dt_format_rfc3339(int64_t utc, int offset_sec, char *buf, size_t size);

/* Writes "YYYY-MM-DD" (10 characters; buf needs 11 bytes).  Returns the
 * length, or 0 if buf is too small, d is not a valid date or its year is
 * outside 0000..9999; on failure buf is set to "" when size > 0. */
size_t dt_format_date(struct dt_date d, char *buf, size_t size);

/* Writes "HH:MM" for minutes since midnight 0..1440 (1440 is "24:00"; buf
 * needs 6 bytes).  Returns 5, or 0 if buf is too small or minutes is out of
 * range; on failure buf is set to "" when size > 0. */
size_t dt_format_hhmm(int minutes, char *buf, size_t size);

#endif
