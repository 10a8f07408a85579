/* num — the one range-checked integer parser (STYLE rule 9). */
#ifndef KNEAD_UTIL_NUM_H
#define KNEAD_UTIL_NUM_H

#include <stdint.h>

/* Parses all of s (optional '-', decimal digits, nothing else: no spaces, no '+')
 * into *out if it lies in [min, max].  Returns 0, or -1 and leaves *out alone. */
int num_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);
int num_parse_int(const char *s, int min, int max, int *out);
/* The value of one hexadecimal digit (either case), or -1.  Can't fail. */
int num_hexdigit(char c);

#endif
