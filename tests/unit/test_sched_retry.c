/* A booking that loses a race with another transaction (E_RETRY, the
 * serialisation failure of store.h's concurrency contract) runs again in a
 * new transaction and stores the appointment once; one that keeps losing
 * stores nothing and says the database is busy.  SQLite never loses such a
 * race, so the loss is made by sched_book_with's `inside` step. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/tz.h"
#include "store_fixture.h"
#include "util/tzload.h"
#include "svc/booking.h"

static struct tz *anc;

static int setup(void **state)
{
    char err[256] = "";
    if (tzload_load("America/Anchorage", &anc, err, sizeof err) != 0) {
        fprintf(stderr, "tzload_load: %s\n", err);
        return -1;
    }
    return fixture_open(state, FIXTURE_DEMO, 1);
}

static int teardown(void **state)
{
    tz_free(anc);
    return fixture_close(state);
}

struct race {
    int runs, lose; /* the first `lose` runs lose the race */
};

static enum err_code inside(void *ctx, struct db *db, int64_t id, struct err *e)
{
    struct race *r = ctx;
    (void)db;
    (void)id;
    if (++r->runs <= r->lose)
        return err_set(e, E_RETRY, "another booking came first");
    return E_OK;
}

static size_t booked(struct fixture *f, int64_t t0, int64_t t1)
{
    struct err e = {0};
    struct appointment *ap;
    size_t n = 0;
    assert_int_equal(db_appointments(f->db, f->a, t0, t1, &ap, &n, &e), E_OK);
    return n;
}

static void test_booking_runs_again_after_a_lost_race(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    struct sched_cache *cache = sched_cache_new(NULL);
    struct booking_rules cfg = {0, 365, 15, 24};
    struct sched s;
    struct avail_slot slot;
    struct appointment out;
    char token[TOKEN_LEN];
    int found = 0;
    int64_t now = 1796050800; /* 2026-12-01 06:00 in Anchorage */
    assert_int_equal(sched_load(f->db, f->a, cache, anc, &cfg, "deep-tissue-60", NULL, &s, &e),
                     E_OK);
    assert_int_equal(sched_next(f->db, f->a, &s, now, &slot, &found, &e), E_OK);
    assert_true(found);
    struct sched_client cl = {
        .name = "Ana Lee", .email = "ana@example.com", .phone = "", .notes = ""};
    struct sched_client other = {
        .name = "Ben Ode", .email = "ben@example.com", .phone = "", .notes = ""};

    struct race twice = {0, 2};
    assert_int_equal(
        sched_book_with(f->db, f->a, &s, now, slot.start, -1, &cl, inside, &twice, &out, token, &e),
        E_OK);
    assert_int_equal(twice.runs, 3);
    assert_int_equal(out.start, slot.start);
    assert_int_equal(booked(f, slot.start, slot.start + 1), 1);

    struct race always = {0, 1000};
    assert_int_equal(sched_load(f->db, f->a, cache, anc, &cfg, "deep-tissue-60", NULL, &s, &e),
                     E_OK);
    assert_int_equal(sched_next(f->db, f->a, &s, now, &slot, &found, &e), E_OK);
    assert_true(found);
    size_t before = booked(f, 0, INT64_MAX);
    assert_int_equal(sched_book_with(f->db, f->a, &s, now, slot.start, -1, &other, inside, &always,
                                     &out, token, &e),
                     E_UNAVAILABLE);
    assert_true(always.runs > 1 && always.runs < 10);
    assert_int_equal(booked(f, 0, INT64_MAX), before);
    sched_cache_free(cache);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_booking_runs_again_after_a_lost_race, setup, teardown),
    };
    return cmocka_run_group_tests_name("sched_retry", tests, NULL, NULL);
}
