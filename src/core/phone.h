/* phone — telephone numbers as entered by people, made E.164 for SMS.
 * Pure: no I/O. */
#ifndef KNEAD_CORE_PHONE_H
#define KNEAD_CORE_PHONE_H

#include <stddef.h>

#define PHONE_E164_MAX 17 /* '+', at most 15 digits, NUL */

/* Normalises a number to E.164 ("+19075550142") into out[PHONE_E164_MAX].
 * Spaces, dots, hyphens, slashes and parentheses are dropped.  With a
 * leading '+' (or "00") the rest must be 8 to 15 digits, the first not 0.
 * Without one the number is taken as North American (the clinic's plan):
 * 10 digits whose area code and exchange start with 2-9, optionally after
 * a leading 1.  Anything else (letters, an extension, too few digits) is
 * not usable for SMS.  Returns 0, or -1 (out = "") when not usable. */
int phone_e164(const char *in, char out[PHONE_E164_MAX]);

#endif
