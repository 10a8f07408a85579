/* errmsg — writing a message into a caller's (err, errlen) buffer, the
 * convention of every loader and parser that reports why it failed. */
#ifndef KNEAD_UTIL_ERRMSG_H
#define KNEAD_UTIL_ERRMSG_H

#include <stddef.h>

/* Formats into err[0..errlen); does nothing when err is NULL or errlen 0.
 * A message too long for the buffer is cut.  Can't fail. */
void errmsg_set(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
