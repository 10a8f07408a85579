/* clock — wall time (pinnable) and monotonic time.  The pin is set once at
 * start-up before any thread starts, so reading it needs no lock. */
#include "util/clock.h"

#include <time.h>

static int64_t pinned;
static int is_pinned;

int64_t clock_now(void)
{
    return is_pinned ? pinned : (int64_t)time(NULL);
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
