/* errmsg — the one helper that fills an (err, errlen) message buffer. */
#include "util/errmsg.h"

#include <stdarg.h>
#include <stdio.h>

void errmsg_set(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    if (!err || errlen == 0)
        return;
    va_start(ap, fmt);
    int n = vsnprintf(err, errlen, fmt, ap); /* a cut message is still useful */
    va_end(ap);
    if (n < 0)
        err[0] = '\0';
}
