/* clock — the one clock.  Everything that needs "now" calls clock_now();
 * `knead serve --now RFC3339` pins it for tests and demos. */
#ifndef KNEAD_UTIL_CLOCK_H
#define KNEAD_UTIL_CLOCK_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

/* Seconds since the epoch (UTC): the pinned instant if set, else the system clock. */
int64_t clock_now(void);
/* Seconds since the epoch from the system clock, never the pinned instant:
 * the mail and webhook workers' clock (claims, leases, retries), real time
 * even when `knead serve --now` pins the clinic's. */
int64_t clock_real_now(void);
/* Pins the clock to t (call once at start-up, before threads). */
void clock_pin(int64_t t);
/* 1 if pinned. */
int clock_pinned(void);
/* Monotonic microseconds, for measuring durations (access log). */
int64_t clock_mono_us(void);

/* Deadlines for the threads' timed waits.  Every condition variable that is
 * waited on with a deadline is made by clock_cond_init, on CLOCK_MONOTONIC
 * (pthread_condattr_setclock), so setting the wall clock (NTP, an admin's
 * `date`) neither cuts a wait short nor stretches it to hours; the one mutex
 * waited for with a deadline (the SQLite driver's writer lock) uses
 * pthread_mutex_clocklock on the same clock.  The pinned clock (clock_pin)
 * never enters: a pinned server still waits in real time. */
/* Initialises cv to measure its deadlines on CLOCK_MONOTONIC.  Returns 0 or
 * the pthread error (cv then unusable). */
int clock_cond_init(pthread_cond_t *cv);
/* The CLOCK_MONOTONIC instant ms milliseconds from now, normalised (tv_nsec
 * below 1e9), for pthread_cond_timedwait on a clock_cond_init variable and
 * pthread_mutex_clocklock(CLOCK_MONOTONIC).  ms < 0 counts as 0; any int64_t
 * ms gives a deadline that far ahead, never a wrapped one in the past.
 * Can't fail. */
struct timespec clock_deadline_ms(int64_t ms);

#endif
