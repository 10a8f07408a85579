/* utf8 — whether bytes are well-formed UTF-8, for every parser that takes
 * text from outside (request forms and paths, CSV files). */
#ifndef KNEAD_UTIL_UTF8_H
#define KNEAD_UTIL_UTF8_H

#include <stddef.h>

/* Returns len when s[0..len) is well-formed UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF), else the offset of the first byte of
 * the first bad sequence.  Pure; can't fail. */
size_t utf8_check(const unsigned char *s, size_t len);

#endif
