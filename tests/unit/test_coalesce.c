/* The rule of coalesce.h, with a reader the test controls: each read waits
 * at its gate until the test opens it, so "a read in flight" is a state the
 * test holds, not a timing.  A caller arriving during a read in flight is
 * not answered by it; callers arriving during one read share one later
 * read; when the read they waited for fails, each reads for itself, and
 * none waits forever.  Waiting is on condition variables, and the one poll
 * (for callers to be parked inside coalesce_read) has a deadline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <time.h>

#include "store/coalesce.h"

#define DEADLINE_S 20

/* The fake reader: read number k (1, 2, ... in the order they begin) waits
 * until `open` >= k, then answers {k, 100 + k}, or fails when k is in
 * `fail`. */
struct reader {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int begun, open;
    int fail[8], nfail;
};

static struct reader R;

static enum err_code fake_read(void *ctx, int64_t *out, struct err *e)
{
    (void)ctx;
    pthread_mutex_lock(&R.mu);
    int k = ++R.begun;
    pthread_cond_broadcast(&R.cv);
    while (R.open < k)
        pthread_cond_wait(&R.cv, &R.mu);
    int bad = 0;
    for (int i = 0; i < R.nfail; i++)
        bad |= R.fail[i] == k;
    pthread_mutex_unlock(&R.mu);
    if (bad)
        return err_set(e, E_UNAVAILABLE, "the database cannot be reached");
    out[0] = k;
    out[1] = 100 + k;
    return E_OK;
}

static struct timespec deadline(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += DEADLINE_S;
    return t;
}

/* Waits (bounded) until n reads have begun. */
static void wait_begun(int n)
{
    struct timespec until = deadline();
    int rc = 0;
    pthread_mutex_lock(&R.mu);
    while (R.begun < n && rc == 0)
        rc = pthread_cond_timedwait(&R.cv, &R.mu, &until);
    int begun = R.begun;
    pthread_mutex_unlock(&R.mu);
    assert_true(begun >= n);
}

static void open_to(int k)
{
    pthread_mutex_lock(&R.mu);
    R.open = k;
    pthread_cond_broadcast(&R.cv);
    pthread_mutex_unlock(&R.mu);
}

static int begun(void)
{
    pthread_mutex_lock(&R.mu);
    int n = R.begun;
    pthread_mutex_unlock(&R.mu);
    return n;
}

/* Polls, with a deadline, until n callers wait inside coalesce_read. */
static void wait_waiting(struct coalesce *c, int n)
{
    struct timespec t0, now;
    struct coalesce_stats cs;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        coalesce_stats(c, &cs);
        if (cs.waiting >= n)
            return;
        clock_gettime(CLOCK_MONOTONIC, &now);
        assert_true(now.tv_sec - t0.tv_sec < DEADLINE_S);
        sched_yield();
    }
}

struct caller {
    pthread_t t;
    struct coalesce *c;
    enum err_code rc;
    int64_t v[COALESCE_N];
};

static void *call(void *p)
{
    struct caller *k = p;
    struct err e = {0};
    k->rc = coalesce_read(k->c, fake_read, NULL, k->v, &e);
    return NULL;
}

static void start(struct caller *k, struct coalesce *c)
{
    memset(k, 0, sizeof *k);
    k->c = c;
    k->rc = E_INTERNAL;
    assert_int_equal(pthread_create(&k->t, NULL, call, k), 0);
}

/* Joins with a deadline: a caller still waiting then fails the test. */
static void finish(struct caller *k)
{
    struct timespec until = deadline();
    assert_int_equal(pthread_timedjoin_np(k->t, NULL, &until), 0);
}

static int setup(void **state)
{
    memset(&R, 0, sizeof R);
    pthread_mutex_init(&R.mu, NULL);
    pthread_cond_init(&R.cv, NULL);
    *state = coalesce_new(1);
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    coalesce_free(*state);
    pthread_cond_destroy(&R.cv);
    pthread_mutex_destroy(&R.mu);
    return 0;
}

static void test_callers_one_after_another_each_read(void **state)
{
    struct coalesce *c = *state;
    struct err e = {0};
    int64_t v[COALESCE_N];
    open_to(100);
    for (int i = 1; i <= 3; i++) {
        assert_int_equal(coalesce_read(c, fake_read, NULL, v, &e), E_OK);
        assert_int_equal(v[0], i); /* never the last answer again */
        assert_int_equal(v[1], 100 + i);
    }
}

static void test_a_read_in_flight_never_answers_a_later_caller(void **state)
{
    struct coalesce *c = *state;
    struct caller a, b;
    start(&a, c);
    wait_begun(1); /* a's read is in flight */
    start(&b, c);
    wait_waiting(c, 1); /* b arrived during it */
    open_to(1);
    finish(&a);
    assert_int_equal(a.rc, E_OK);
    assert_int_equal(a.v[0], 1);
    wait_begun(2); /* b does not take read 1: it makes read 2 */
    assert_int_equal(b.rc, E_INTERNAL);
    open_to(2);
    finish(&b);
    assert_int_equal(b.rc, E_OK);
    assert_int_equal(b.v[0], 2);
    assert_int_equal(b.v[1], 102);
    assert_int_equal(begun(), 2);
}

static void test_callers_during_one_read_share_the_next(void **state)
{
    struct coalesce *c = *state;
    struct caller a, w[5];
    start(&a, c);
    wait_begun(1);
    for (int i = 0; i < 5; i++)
        start(&w[i], c);
    wait_waiting(c, 5);
    open_to(1);
    finish(&a);
    wait_begun(2);
    open_to(2);
    for (int i = 0; i < 5; i++) {
        finish(&w[i]);
        assert_int_equal(w[i].rc, E_OK);
        assert_int_equal(w[i].v[0], 2);
    }
    assert_int_equal(begun(), 2); /* six callers, two reads */
    struct coalesce_stats cs;
    coalesce_stats(c, &cs);
    assert_int_equal(cs.reads, 2);
    assert_int_equal(cs.shared, 4);
    assert_int_equal(cs.alone, 0);
    assert_int_equal(cs.waiting, 0);
}

static void test_a_failed_read_sends_its_waiters_to_read_alone(void **state)
{
    struct coalesce *c = *state;
    struct caller a, w[4];
    R.fail[R.nfail++] = 2;
    start(&a, c);
    wait_begun(1);
    for (int i = 0; i < 4; i++)
        start(&w[i], c);
    wait_waiting(c, 4);
    open_to(1);
    finish(&a);
    wait_begun(2); /* one of them leads read 2, which fails */
    open_to(2);
    wait_begun(5); /* the three others each read for themselves */
    open_to(100);
    int failed = 0, ok = 0;
    for (int i = 0; i < 4; i++) {
        finish(&w[i]); /* nobody waits forever */
        if (w[i].rc == E_OK) {
            ok++;
            assert_true(w[i].v[0] >= 3); /* never read 1 (begun before they came) */
        } else {
            failed++;
            assert_int_equal(w[i].rc, E_UNAVAILABLE);
        }
    }
    assert_int_equal(failed, 1); /* only the one whose own read failed */
    assert_int_equal(ok, 3);
    struct coalesce_stats cs;
    coalesce_stats(c, &cs);
    assert_int_equal(cs.alone, 3);
}

static void test_a_failed_lone_read_is_its_callers_error_and_the_next_reads_again(void **state)
{
    struct coalesce *c = *state;
    struct err e = {0};
    int64_t v[COALESCE_N];
    R.fail[R.nfail++] = 1;
    open_to(100);
    assert_int_equal(coalesce_read(c, fake_read, NULL, v, &e), E_UNAVAILABLE);
    e = (struct err){0};
    assert_int_equal(coalesce_read(c, fake_read, NULL, v, &e), E_OK);
    assert_int_equal(v[0], 2);
}

static int setup2(void **state)
{
    int rc = setup(state);
    coalesce_free(*state);
    *state = coalesce_new(2);
    return rc == 0 && *state ? 0 : -1;
}

/* Two in flight at most: the second caller starts its own read at once;
 * callers arriving while both fly share the next, never either of those. */
static void test_with_two_in_flight_the_third_read_is_shared(void **state)
{
    struct coalesce *c = *state;
    struct caller a, b, w[4];
    start(&a, c);
    wait_begun(1);
    start(&b, c);
    wait_begun(2); /* room for b's own read */
    for (int i = 0; i < 4; i++)
        start(&w[i], c);
    wait_waiting(c, 4);
    open_to(2); /* both end */
    finish(&a);
    finish(&b);
    assert_int_equal(a.v[0], 1);
    assert_int_equal(b.v[0], 2);
    wait_begun(3);
    open_to(3);
    for (int i = 0; i < 4; i++) {
        finish(&w[i]);
        assert_int_equal(w[i].rc, E_OK);
        assert_int_equal(w[i].v[0], 3);
    }
    assert_int_equal(begun(), 3); /* six callers, three reads */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_callers_one_after_another_each_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_read_in_flight_never_answers_a_later_caller, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_callers_during_one_read_share_the_next, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_failed_read_sends_its_waiters_to_read_alone, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_a_failed_lone_read_is_its_callers_error_and_the_next_reads_again, setup,
            teardown),
        cmocka_unit_test_setup_teardown(test_with_two_in_flight_the_third_read_is_shared, setup2,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
