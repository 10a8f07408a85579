/* clock — the one clock.  Everything that needs "now" calls clock_now();
 * `knead serve --now RFC3339` pins it for tests and demos. */
#ifndef KNEAD_UTIL_CLOCK_H
#define KNEAD_UTIL_CLOCK_H

#include <stdint.h>

/* Seconds since the epoch (UTC): the pinned instant if set, else the system clock. */
int64_t clock_now(void);
/* Pins the clock to t (call once at start-up, before threads). */
void clock_pin(int64_t t);
/* 1 if pinned. */
int clock_pinned(void);
/* Monotonic microseconds, for measuring durations (access log). */
int64_t clock_mono_us(void);

#endif
