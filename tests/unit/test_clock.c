/* Unit tests for util/clock.c's deadlines: the one "now + ms" for the
 * threads' timed waits, on the clock their condition variables use. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <time.h>

#include "util/clock.h"

static int64_t ns_of(struct timespec t)
{
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int64_t mono_ns(void)
{
    struct timespec t;
    assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &t), 0);
    return ns_of(t);
}

static void assert_normalised(struct timespec t)
{
    assert_true(t.tv_nsec >= 0);
    assert_true(t.tv_nsec < 1000000000L);
}

/* Every remainder of a second, so one of them carries into tv_sec whatever
 * the current nanoseconds are. */
static void test_the_deadline_is_at_least_ms_ahead_and_normalised(void **state)
{
    (void)state;
    for (int64_t ms = 0; ms <= 2500; ms += 7) {
        int64_t before = mono_ns();
        struct timespec d = clock_deadline_ms(ms);
        int64_t after = mono_ns();
        assert_normalised(d);
        assert_true(ns_of(d) >= before + ms * 1000000);
        assert_true(ns_of(d) <= after + ms * 1000000);
    }
}

static void test_a_negative_wait_is_now(void **state)
{
    (void)state;
    int64_t before = mono_ns();
    struct timespec d = clock_deadline_ms(-5000);
    assert_normalised(d);
    assert_true(ns_of(d) >= before);
    assert_true(ns_of(d) <= mono_ns());
}

/* Hours and years as milliseconds, and the largest int64_t: never a
 * wrapped deadline in the past (a wait that ends at once, a busy loop). */
static void test_large_waits_do_not_overflow(void **state)
{
    (void)state;
    const int64_t big[] = {24LL * 3600 * 1000, 400LL * 24 * 3600 * 1000 * 365,
                           INT64_MAX / 1000, INT64_MAX / 2, INT64_MAX - 999, INT64_MAX};
    struct timespec now;
    assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &now), 0);
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
        struct timespec d = clock_deadline_ms(big[i]);
        assert_normalised(d);
        assert_true(d.tv_sec > now.tv_sec);
        assert_true((int64_t)d.tv_sec >= (int64_t)now.tv_sec + big[i] / 1000);
        assert_true((int64_t)d.tv_sec <= (int64_t)now.tv_sec + big[i] / 1000 + 3600);
    }
}

/* The condition variable measures on the clock the deadline is on: a
 * 50 ms wait ends after 50 ms, not at once and not hours later (a deadline
 * on CLOCK_MONOTONIC read as CLOCK_REALTIME is decades in the past). */
static void test_a_timed_wait_on_the_condition_variable_takes_its_time(void **state)
{
    (void)state;
    pthread_cond_t cv;
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    assert_int_equal(clock_cond_init(&cv), 0);
    int64_t t0 = mono_ns();
    struct timespec until = clock_deadline_ms(50);
    assert_int_equal(pthread_mutex_lock(&mu), 0);
    int rc;
    while ((rc = pthread_cond_timedwait(&cv, &mu, &until)) == 0) {
    }
    assert_int_equal(pthread_mutex_unlock(&mu), 0);
    assert_int_equal(rc, ETIMEDOUT);
    int64_t took = mono_ns() - t0;
    assert_true(took >= 50 * 1000000LL);
    assert_true(took < 60LL * 1000000000LL);
    pthread_cond_destroy(&cv);
}

/* The workers' clock is the system's even when the clinic's is pinned
 * (`knead serve --now`): claims, leases and retries keep real time. */
static void test_real_now_ignores_the_pin(void **state)
{
    (void)state;
    time_t before = time(NULL);
    clock_pin(1000);
    assert_int_equal(clock_now(), 1000);
    int64_t real = clock_real_now();
    assert_true(real >= (int64_t)before && real <= (int64_t)time(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_deadline_is_at_least_ms_ahead_and_normalised),
        cmocka_unit_test(test_a_negative_wait_is_now),
        cmocka_unit_test(test_large_waits_do_not_overflow),
        cmocka_unit_test(test_a_timed_wait_on_the_condition_variable_takes_its_time),
        cmocka_unit_test(test_real_now_ignores_the_pin), /* last: it pins the clock */
    };
    return cmocka_run_group_tests_name("clock", tests, NULL, NULL);
}
