/* log — formats a whole line first, then writes it with one write(2) so that
 * lines from the server's threads never interleave; control characters in a
 * message are escaped, so every event is exactly one line. */
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static void emit(const char *level, const char *fmt, va_list ap)
{
    static const char hex[] = "0123456789abcdef";
    char line[2048], msg[1536];
    struct timeval tv;
    struct tm tm;
    size_t n;
    int k;

    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
    k = snprintf(line + n, sizeof line - n, ".%03dZ %s ", (int)(tv.tv_usec / 1000), level);
    if (k > 0)
        n += (size_t)k;
    if (vsnprintf(msg, sizeof msg, fmt, ap) < 0)
        msg[0] = '\0';
    /* One event, one line: a line break or other control character in a
     * message (a path, a peer's error text) is written as \xNN, so nothing
     * a client sends can start a line of its own. */
    for (const char *p = msg; *p && n < sizeof line - 5; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c == 0x7f) {
            line[n++] = '\\';
            line[n++] = 'x';
            line[n++] = hex[c >> 4];
            line[n++] = hex[c & 15];
        } else {
            line[n++] = (char)c;
        }
    }
    line[n++] = '\n';
    if (write(STDERR_FILENO, line, n) < 0) {
        /* nowhere left to report a failed log write */
    }
}

#define LOG_FN(name, level)                                                                    \
    void name(const char *fmt, ...)                                                            \
    {                                                                                          \
        va_list ap;                                                                            \
        va_start(ap, fmt);                                                                     \
        emit(level, fmt, ap);                                                                  \
        va_end(ap);                                                                            \
    }

LOG_FN(log_info, "info")
LOG_FN(log_warn, "warn")
LOG_FN(log_error, "error")
