/* Tests of svc/booking.c (the booking service) on the store fixture with the
 * demo clinic: the slot is re-checked inside the writing transaction, so a
 * second booking of a time taken since the set-up was read is refused; a
 * change to the clinic's set-up between the read and the write refuses the
 * booking; a failing queue hook rolls the booking back and the committed
 * hook never runs; the same client cannot hold two overlapping times unless
 * the desk allows it; the desk's status change is one transaction with its
 * history and, for a cancellation, the hooks; the hooks come from struct
 * app, not a global. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "app.h"
#include "config.h"
#include "core/tz.h"
#include "store_fixture.h"
#include "svc/booking.h"

struct bfix {
    struct fixture *f;
    struct app app;
    int queued, committed;
    int by_staff;            /* the last queue hook's by_staff */
    enum err_code fail_with; /* what the queue hook answers */
    int64_t monday;          /* 2027-03-01 00:00 local */
};

static int setup(void **state)
{
    struct bfix *b = calloc(1, sizeof *b);
    char err[256];
    void *fs = NULL;
    if (!b || fixture_open(&fs, FIXTURE_DEMO, 1) != 0)
        return -1;
    b->f = fs;
    cfg_defaults(&b->app.cfg);
    if (app_load_tz(&b->app, err, sizeof err) < 0)
        return -1;
    b->app.store = b->f->s;
    b->app.sched = sched_cache_new(&b->app.hooks);
    b->monday = tz_day_start(b->app.tz, (struct dt_date){2027, 3, 1});
    *state = b;
    return 0;
}

static int teardown(void **state)
{
    struct bfix *b = *state;
    void *fs = b->f;
    sched_cache_free(b->app.sched);
    tz_free(b->app.tz);
    free(b);
    return fixture_close(&fs);
}

static enum err_code on_queue(void *ctx, struct db *db, enum sched_event ev, int64_t id,
                              const struct appointment *before, const char *token, int by_staff,
                              int64_t now, struct err *e)
{
    struct bfix *b = ctx;
    b->queued++;
    b->by_staff = by_staff;
    if (ev == SCHED_BOOKED)
        assert_true(token_valid(token));
    if (b->fail_with != E_OK)
        return err_set(e, b->fail_with, "the outbox refused the message");
    return E_OK;
}

static void on_committed(void *ctx)
{
    ((struct bfix *)ctx)->committed++;
}

static void install_hooks(struct bfix *b)
{
    b->app.hooks = (struct sched_hooks){on_queue, on_committed, b};
}

static struct sched load(struct bfix *b)
{
    struct sched s;
    struct err e = {0};
    struct booking_rules cfg = app_booking_rules(&b->app);
    assert_int_equal(sched_load(b->f->db, b->f->a, b->app.sched, b->app.tz, &cfg, "deep-tissue-60",
                                "any", &s, &e),
                     E_OK);
    return s;
}

static struct sched_client client(const char *name, const char *email)
{
    struct sched_client c = {name, email, "907-555-0100", "", 0, 0, NULL};
    return c;
}

/* Appointments not cancelled on the test's Monday. */
static size_t booked_that_day(struct bfix *b)
{
    struct busy *busy = NULL;
    size_t n = 0;
    struct err e = {0};
    assert_int_equal(db_busy(b->f->db, b->f->a, b->monday, b->monday + 86400, &busy, &n, &e), E_OK);
    return n;
}

static void test_recheck_refuses_double_booking(void **state)
{
    struct bfix *b = *state;
    struct err e = {0};
    struct appointment ap;
    char token[TOKEN_LEN];
    int64_t now = b->monday - 7 * 86400, start = b->monday + 10 * 3600;
    struct sched s = load(b); /* read once, as a page would before both posts */
    int who = sched_therapist_index(&s, "maren-holt");
    assert_true(who >= 0);
    struct sched_client jane = client("Jane Doe", "jane@example.com");
    struct sched_client ann = client("Ann Lee", "ann@example.com");
    ann.phone = "907-555-0199";
    assert_int_equal(sched_book(b->f->db, b->f->a, &s, now, start, who, &jane, &ap, token, &e),
                     E_OK);
    assert_int_equal(ap.start, start);
    assert_string_equal(ap.therapist_id, "maren-holt");
    /* the same stale set-up, the same therapist and time: the transaction sees it taken */
    assert_int_equal(sched_book(b->f->db, b->f->a, &s, now, start, who, &ann, &ap, token, &e),
                     E_CONFLICT);
    assert_string_equal(e.problem, "slot_unavailable");
    assert_int_equal(booked_that_day(b), 1);
}

static void test_setup_change_between_read_and_write(void **state)
{
    struct bfix *b = *state;
    struct err e = {0};
    struct appointment ap;
    char token[TOKEN_LEN];
    int64_t now = b->monday - 7 * 86400, start = b->monday + 10 * 3600;
    struct sched s = load(b);
    /* the admin changes the set-up after the page read it */
    assert_int_equal(db_add_closed_date(b->f->db, "2027-12-24", "Holiday", &e), E_OK);
    struct sched_client jane = client("Jane Doe", "jane@example.com");
    assert_int_equal(sched_book(b->f->db, b->f->a, &s, now, start, -1, &jane, &ap, token, &e),
                     E_CONFLICT);
    assert_string_equal(e.problem, "slot_unavailable");
    assert_non_null(strstr(e.msg, "changed"));
    assert_int_equal(booked_that_day(b), 0);
    s = load(b); /* read again: it books */
    assert_int_equal(sched_book(b->f->db, b->f->a, &s, now, start, -1, &jane, &ap, token, &e),
                     E_OK);
    assert_int_equal(booked_that_day(b), 1);
}

static void test_hook_failure_rolls_back(void **state)
{
    struct bfix *b = *state;
    struct err e = {0};
    struct appointment ap;
    char token[TOKEN_LEN];
    int64_t now = b->monday - 7 * 86400, start = b->monday + 10 * 3600;
    install_hooks(b);
    b->fail_with = E_UNAVAILABLE;
    struct sched s = load(b);
    struct sched_client jane = client("Jane Doe", "jane@example.com");
    assert_int_equal(sched_book(b->f->db, b->f->a, &s, now, start, -1, &jane, &ap, token, &e),
                     E_UNAVAILABLE);
    assert_int_equal(b->queued, 1);
    assert_int_equal(b->committed, 0);
    assert_int_equal(booked_that_day(b), 0);
    /* the hook recovers: the same time books, and both hooks ran once more */
    b->fail_with = E_OK;
    assert_int_equal(sched_book(b->f->db, b->f->a, &s, now, start, -1, &jane, &ap, token, &e),
                     E_OK);
    assert_int_equal(b->queued, 2);
    assert_int_equal(b->committed, 1);
    assert_int_equal(b->by_staff, 0); /* the client's own booking */
    assert_int_equal(booked_that_day(b), 1);
    /* a cancellation whose hook fails stays booked */
    int late = 0;
    b->fail_with = E_UNAVAILABLE;
    assert_int_equal(sched_cancel(b->f->db, &b->app.hooks, &s.rules, now, &ap, "test", &late, &e),
                     E_UNAVAILABLE);
    assert_int_equal(booked_that_day(b), 1);
    b->fail_with = E_OK;
    assert_int_equal(sched_cancel(b->f->db, &b->app.hooks, &s.rules, now, &ap, "test", &late, &e),
                     E_OK);
    assert_int_equal(booked_that_day(b), 0);
    assert_int_equal(b->committed, 2);
}

static void test_client_overlap(void **state)
{
    struct bfix *b = *state;
    struct err e = {0};
    struct appointment ap, first;
    struct client_booking ov = {0};
    char token[TOKEN_LEN];
    int64_t now = b->monday - 7 * 86400, start = b->monday + 10 * 3600;
    struct sched s = load(b);
    int maren = sched_therapist_index(&s, "maren-holt");
    int tomas = sched_therapist_index(&s, "tomas-reyes");
    assert_true(maren >= 0 && tomas >= 0);
    struct sched_client jane = client("Jane Doe", "jane@example.com");
    assert_int_equal(sched_book(b->f->db, b->f->a, &s, now, start, maren, &jane, &first, token, &e),
                     E_OK);
    /* the same client (same e-mail, another name) half an hour later with another therapist */
    struct sched_client again = client("J. Doe", "JANE@example.com");
    again.overlap = &ov;
    assert_int_equal(
        sched_book(b->f->db, b->f->a, &s, now, start + 1800, tomas, &again, &ap, token, &e),
        E_CONFLICT);
    assert_string_equal(e.problem, "client_overlap");
    assert_int_equal(ov.id, first.id);
    /* the same phone under another e-mail is the same client too */
    struct sched_client phone = client("Jane Doe", "other@example.com");
    assert_int_equal(
        sched_book(b->f->db, b->f->a, &s, now, start + 1800, tomas, &phone, &ap, token, &e),
        E_CONFLICT);
    assert_string_equal(e.problem, "client_overlap");
    assert_int_equal(booked_that_day(b), 1);
    /* the desk may book over it (with a reason it records elsewhere) */
    int lena = sched_therapist_index(&s, "lena-kusugak");
    assert_true(lena >= 0);
    again.allow_overlap = 1;
    again.staff = 1;
    assert_int_equal(sched_book(b->f->db, b->f->a, &s, now, start, lena, &again, &ap, token, &e),
                     E_OK);
    assert_int_equal(booked_that_day(b), 2);
}

static void test_desk_status_change(void **state)
{
    struct bfix *b = *state;
    struct err e = {0};
    struct appointment ap, now_ap;
    struct appt_event *ev = NULL;
    size_t nev = 0;
    char token[TOKEN_LEN];
    int64_t now = b->monday - 7 * 86400, start = b->monday + 10 * 3600;
    struct actor desk = {7, "desk@example.com", "desk", "192.0.2.9", PROOF_STAFF};
    install_hooks(b);
    struct sched s = load(b);
    struct sched_client jane = client("Jane Doe", "jane@example.com");
    assert_int_equal(sched_book(b->f->db, b->f->a, &s, now, start, -1, &jane, &ap, token, &e),
                     E_OK);
    int queued = b->queued, committed = b->committed;
    /* a cancellation whose hook fails changes nothing */
    b->fail_with = E_UNAVAILABLE;
    assert_int_equal(sched_set_status(b->f->db, &b->app.hooks, &desk, &ap, "cancelled",
                                      "called in sick", now, &e),
                     E_UNAVAILABLE);
    assert_int_equal(b->committed, committed);
    assert_int_equal(db_appointment(b->f->db, b->f->a, ap.id, &now_ap, &e), E_OK);
    assert_string_equal(now_ap.status, "booked");
    assert_int_equal(db_appt_events(b->f->db, b->f->a, ap.id, &ev, &nev, &e), E_OK);
    assert_int_equal(nev, 0);
    /* it goes through: the hooks ran, the history says who and why */
    b->fail_with = E_OK;
    assert_int_equal(sched_set_status(b->f->db, &b->app.hooks, &desk, &ap, "cancelled",
                                      "called in sick", now, &e),
                     E_OK);
    assert_int_equal(b->queued, queued + 2);
    assert_int_equal(b->committed, committed + 1);
    assert_int_equal(b->by_staff, 1); /* the desk's: the desk is not told of it */
    assert_int_equal(db_appointment(b->f->db, b->f->a, ap.id, &now_ap, &e), E_OK);
    assert_string_equal(now_ap.status, "cancelled");
    assert_int_equal(db_appt_events(b->f->db, b->f->a, ap.id, &ev, &nev, &e), E_OK);
    assert_int_equal(nev, 1);
    assert_string_equal(ev[0].kind, "status");
    assert_string_equal(ev[0].actor, "desk@example.com");
    assert_string_equal(ev[0].reason, "called in sick");
    /* the same change from the stale read is refused */
    assert_int_equal(
        sched_set_status(b->f->db, &b->app.hooks, &desk, &ap, "cancelled", "again", now, &e),
        E_CONFLICT);
    /* undone: booked again, no hook, an "undo" event */
    assert_int_equal(sched_undo_status(b->f->db, &desk, &now_ap, "booked", "wrong client", now, &e),
                     E_OK);
    assert_int_equal(b->committed, committed + 1);
    assert_int_equal(db_appointment(b->f->db, b->f->a, ap.id, &now_ap, &e), E_OK);
    assert_string_equal(now_ap.status, "booked");
    assert_int_equal(db_appt_events(b->f->db, b->f->a, ap.id, &ev, &nev, &e), E_OK);
    assert_int_equal(nev, 2);
    assert_string_equal(ev[1].kind, "undo");
    assert_string_equal(ev[1].reason, "wrong client");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_recheck_refuses_double_booking, setup, teardown),
        cmocka_unit_test_setup_teardown(test_setup_change_between_read_and_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hook_failure_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_overlap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_desk_status_change, setup, teardown),
    };
    return cmocka_run_group_tests_name("svc_booking", tests, NULL, NULL);
}
