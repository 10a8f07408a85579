/* log — one line per event on stderr, with a UTC timestamp and a level.  A
 * control character in the message is written as \xNN (never a line break). */
#ifndef KNEAD_UTIL_LOG_H
#define KNEAD_UTIL_LOG_H

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
