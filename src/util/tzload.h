/* tzload — reads a zone from the system tz database (/usr/share/zoneinfo).
 *
 * The only part of time handling that does I/O; the bytes go straight to
 * tz_parse (core/tz.h).  Call it at startup: the resulting struct tz is
 * immutable and can be shared by all threads. */
#ifndef KNEAD_UTIL_TZLOAD_H
#define KNEAD_UTIL_TZLOAD_H

#include <stddef.h>

#include "core/tz.h"

/* Where zone files are read from. */
#define TZLOAD_DIR "/usr/share/zoneinfo"
/* Largest zone file accepted (real ones are a few KiB). */
#define TZLOAD_MAX_BYTES (1024 * 1024)

/* 1 if name is an acceptable zone name: 1..255 characters from
 * [A-Za-z0-9_+/-], not starting with '/', not containing "..", and not
 * "localtime" (a link to the host's /etc/localtime).  Says nothing about
 * whether the zone exists.  NULL gives 0. */
int tzload_valid_name(const char *name);

/* Loads zone `name` (e.g. "America/Anchorage") from TZLOAD_DIR/<name>.
 *   out  receives the zone; the caller frees it with tz_free
 *   err  receives a message a person can act on if loading fails (if err is
 *        non-NULL and errlen > 0), e.g. "unknown timezone 'Mars/Base'"
 * Returns 0, or -1 with *out set to NULL.  Fails for a bad name, a missing or
 * unreadable file, a directory, a file over TZLOAD_MAX_BYTES, or data that
 * tz_parse rejects. */
int tzload_load(const char *name, struct tz **out, char *err, size_t errlen);

#endif
