/* clock — wall time (pinnable) and monotonic time.  The pin is set once at
 * start-up before any thread starts, so reading it needs no lock. */
#include "util/clock.h"

#include <stdint.h>
#include <time.h>

_Static_assert(sizeof(time_t) == 8, "clock_deadline_ms: any int64_t ms fits");

static int64_t pinned;
static int is_pinned;

int64_t clock_now(void)
{
    return is_pinned ? pinned : (int64_t)time(NULL);
}

int64_t clock_real_now(void)
{
    return (int64_t)time(NULL);
}

void clock_pin(int64_t t)
{
    pinned = t;
    is_pinned = 1;
}

int clock_pinned(void)
{
    return is_pinned;
}

int64_t clock_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int clock_cond_init(pthread_cond_t *cv)
{
    pthread_condattr_t at;
    int rc = pthread_condattr_init(&at);
    if (rc != 0)
        return rc;
    if ((rc = pthread_condattr_setclock(&at, CLOCK_MONOTONIC)) == 0)
        rc = pthread_cond_init(cv, &at);
    pthread_condattr_destroy(&at);
    return rc;
}

struct timespec clock_deadline_ms(int64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    if (ms < 0)
        ms = 0;
    /* ms / 1000 is below 2^54 and the monotonic clock counts from boot, so
     * the sum stays far inside a 64-bit time_t: no wrap for any ms */
    ts.tv_sec += (time_t)(ms / 1000);
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}
