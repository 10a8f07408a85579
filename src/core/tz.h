/* tz — one IANA time zone, parsed from TZif bytes (RFC 8536), and the
 * conversions between UTC instants and the zone's wall clock.
 *
 * A struct tz is immutable once tz_parse returns it, so one instance may be
 * shared by any number of threads without locking.  Nothing here does I/O or
 * looks at TZ/localtime: util/tzload.h reads the file, this module only
 * interprets bytes.  Instants are seconds since the epoch (UTC, no leap
 * seconds); offsets are seconds east of UTC (Anchorage in winter: -32400). */
#ifndef KNEAD_CORE_TZ_H
#define KNEAD_CORE_TZ_H

#include <stddef.h>
#include <stdint.h>

#include "core/datetime.h"

struct tz;

/* Parses a TZif file (versions 1 to 4) of len bytes.  For version 2 and up
 * the 64-bit block is used and the POSIX TZ string in the footer (e.g.
 * "AKST9AKDT,M3.2.0,M11.1.0", "<+0330>-3:30", "IST-1GMT0,M10.5.0,M3.5.0/1")
 * decides instants from the last transition on, so "slim" files work.
 * Rule forms Mm.w.d, Jn and n with times -167..167 hours are supported; a
 * DST name without a rule gets the US default ",M3.2.0,M11.1.0".  Files with
 * leap-second records ("right/" zones) are rejected.  Every count, index and
 * offset is checked against len; no byte outside data[0..len) is read.
 *   data, len  the file contents (not retained)
 *   name       the zone name to report through tz_name (copied; NULL = "")
 *   out        receives the new zone; the caller frees it with tz_free
 *   err        if non-NULL and errlen > 0, receives a NUL-terminated message
 *              a person can act on when parsing fails (truncated to errlen)
 * Returns 0, or -1 with *out set to NULL and the message in err. */
int tz_parse(const unsigned char *data, size_t len, const char *name, struct tz **out,
             char *err, size_t errlen);

/* Frees a zone from tz_parse.  Accepts NULL. */
void tz_free(struct tz *tz);

/* The name given to tz_parse, owned by tz (valid until tz_free).  Can't fail. */
const char *tz_name(const struct tz *tz);

/* Seconds east of UTC in force at instant utc (clamped to DT_UTC_MIN..
 * DT_UTC_MAX).  Can't fail. */
int tz_offset_at(const struct tz *tz, int64_t utc);

/* The zone's abbreviation in force at utc ("AKST", "AKDT") into buf; a zone
 * whose abbreviation is only numeric ("-05") gets "UTC-05:00".  Can't fail
 * (cut to size). */
void tz_abbrev(const struct tz *tz, int64_t utc, char *buf, size_t size);

/* The wall-clock time at instant utc (clamped to DT_UTC_MIN..DT_UTC_MAX) and
 * the offset in force then; offset_sec may be NULL.  Can't fail. */
void tz_to_local(const struct tz *tz, int64_t utc, struct dt_civil *out, int *offset_sec);

/* All real instants at which the zone's wall clock reads *local.
 * Returns 0 if that wall time does not exist (spring-forward gap), 1 for the
 * usual case, 2 if it occurs twice (fall-back overlap; out[0] < out[1], e.g.
 * 01:30 AKDT then 01:30 AKST an hour later), and -1 if *local is not a real
 * date and time of day (dt_valid_civil) or its year is outside 1..9999.
 * Only out[0..return) are written.  (A zone whose data made one wall time
 * occur three or more times would report the first and the last.) */
int tz_from_local(const struct tz *tz, const struct dt_civil *local, int64_t out[2]);

/* Like tz_from_local for local date d at minute_of_day minutes after local
 * midnight as read on a wall clock (0..1440; 1440 is 00:00 of the next day,
 * for "closes at midnight"): 540 is "09:00", whatever the day's length.
 * Returns 0, 1 or 2 as tz_from_local, or -1 if d is not a valid date, its year
 * is outside 1..9999 or minute_of_day is out of range. */
int tz_wall_to_utc(const struct tz *tz, struct dt_date d, int minute_of_day, int64_t out[2]);

/* The first instant of local day d: normally 00:00 local; if midnight falls
 * in a gap, the first instant after the gap; if it occurs twice, the earlier.
 * Invalid fields of d are normalised as in dt_days_from_civil (2026-02-30 is
 * 2026-03-02); years should lie in 1..9999 (instants are clamped to DT_UTC_MIN..
 * DT_UTC_MAX).  Can't fail. */
int64_t tz_day_start(const struct tz *tz, struct dt_date d);

/* Length of local day d in seconds: tz_day_start of the next day minus
 * tz_day_start(d).  86400 normally, 82800 / 90000 on the days DST starts /
 * ends, 0 for a day a zone skipped entirely (Pacific/Apia 2011-12-30).
 * Same input rules as tz_day_start.  Can't fail. */
int tz_day_seconds(const struct tz *tz, struct dt_date d);

#endif
