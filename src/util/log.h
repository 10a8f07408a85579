/* log — one line per event on stderr, with a UTC timestamp and a level. */
#ifndef KNEAD_UTIL_LOG_H
#define KNEAD_UTIL_LOG_H

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* 1 = print info lines (default), 0 = only warnings and errors. */
void log_set_verbose(int on);

#endif
