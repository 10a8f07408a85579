/* Tests of svc/booking.c (the booking service) on the store fixture with the
 * demo clinic: the slot is re-checked inside the writing transaction, so a
 * second booking of a time taken since the set-up was read is refused; a
 * change to the clinic's set-up between the read and the write refuses the
 * booking; a failing queue hook rolls the booking back and the committed
 * hook never runs; the same client cannot hold two overlapping times unless
 * the desk allows it; the desk's status change is one transaction with its
 * history and, for a cancellation, the hooks; the hooks come from struct
 * app, not a global; a range of days (the appointments read once and
 * bucketed per day, therapist and room) gives what a plain filter of every
 * busy span gives for each day alone, cached or not, with an appointment
 * left out (a move) or not. */
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
#include "svc/locations.h"
#include "svc/token.h"

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
    b->app.hooks = (struct sched_hooks){on_queue, on_committed, b, NULL};
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
    struct sched_client c = {name, email, "907-555-0100", "", 0, 0, NULL, 0, 0, NULL, 0};
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
    assert_int_equal(db_add_closed_date(b->f->db, STORE_FIRST_LOCATION, "2027-12-24", "Holiday", &e), E_OK);
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
    assert_int_equal(sched_set_status(b->f->db, &b->app.hooks, &s.rules, &desk, &ap, "cancelled",
                                      "called in sick", now, &e),
                     E_UNAVAILABLE);
    assert_int_equal(b->committed, committed);
    assert_int_equal(db_appointment(b->f->db, b->f->a, ap.id, &now_ap, &e), E_OK);
    assert_string_equal(now_ap.status, "booked");
    assert_int_equal(db_appt_events(b->f->db, b->f->a, ap.id, &ev, &nev, &e), E_OK);
    assert_int_equal(nev, 0);
    /* it goes through: the hooks ran, the history says who and why */
    b->fail_with = E_OK;
    assert_int_equal(sched_set_status(b->f->db, &b->app.hooks, &s.rules, &desk, &ap, "cancelled",
                                      "called in sick", now, &e),
                     E_OK);
    assert_int_equal(b->queued, queued + 2);
    assert_int_equal(b->committed, committed + 1);
    assert_int_equal(b->by_staff, 1); /* the desk's: the desk is not told of it */
    assert_int_equal(db_appointment(b->f->db, b->f->a, ap.id, &now_ap, &e), E_OK);
    assert_string_equal(now_ap.status, "cancelled");
    assert_int_equal(now_ap.cancel_late, 0); /* a week ahead: not late */
    assert_int_equal(db_appt_events(b->f->db, b->f->a, ap.id, &ev, &nev, &e), E_OK);
    assert_int_equal(nev, 1);
    assert_string_equal(ev[0].kind, "status");
    assert_string_equal(ev[0].actor, "desk@example.com");
    assert_string_equal(ev[0].reason, "called in sick");
    /* the same change from the stale read is refused */
    assert_int_equal(
        sched_set_status(b->f->db, &b->app.hooks, &s.rules, &desk, &ap, "cancelled", "again", now, &e),
        E_CONFLICT);
    /* undone: booked again, no hook, an "undo" event */
    assert_int_equal(sched_undo_status(b->f->db, NULL, &desk, &now_ap, "booked", "wrong client", now, &e),
                     E_OK);
    assert_int_equal(b->committed, committed + 1);
    assert_int_equal(db_appointment(b->f->db, b->f->a, ap.id, &now_ap, &e), E_OK);
    assert_string_equal(now_ap.status, "booked");
    assert_int_equal(db_appt_events(b->f->db, b->f->a, ap.id, &ev, &nev, &e), E_OK);
    assert_int_equal(nev, 2);
    assert_string_equal(ev[1].kind, "undo");
    assert_string_equal(ev[1].reason, "wrong client");
    /* inside the late-cancellation window the desk's cancellation is late,
     * as the client's own (sched_cancel) would be; undone, it is not */
    int64_t late_now = start - 3600;
    assert_true(booking_is_late_cancel(&s.rules, late_now, start));
    assert_int_equal(sched_set_status(b->f->db, &b->app.hooks, &s.rules, &desk, &now_ap,
                                      "cancelled", "no babysitter", late_now, &e),
                     E_OK);
    assert_int_equal(db_appointment(b->f->db, b->f->a, ap.id, &now_ap, &e), E_OK);
    assert_string_equal(now_ap.status, "cancelled");
    assert_int_equal(now_ap.cancel_late, 1);
    assert_int_equal(sched_undo_status(b->f->db, NULL, &desk, &now_ap, "booked", "found a sitter",
                                       late_now + 60, &e),
                     E_OK);
    assert_int_equal(db_appointment(b->f->db, b->f->a, ap.id, &now_ap, &e), E_OK);
    assert_int_equal(now_ap.cancel_late, 0);
    /* without rules (NULL) a cancellation is never late */
    assert_int_equal(sched_set_status(b->f->db, &b->app.hooks, NULL, &desk, &now_ap, "cancelled",
                                      "moved away", late_now + 120, &e),
                     E_OK);
    assert_int_equal(db_appointment(b->f->db, b->f->a, ap.id, &now_ap, &e), E_OK);
    assert_int_equal(now_ap.cancel_late, 0);
}

/* ---- a range of days against a plain filter ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(uint64_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state % n;
}

/* Day d's query built the plain way: every busy span of the whole range and
 * every time off filtered for each therapist and room (the cost the bucketed
 * calendar removed, kept here as the oracle). */
static size_t oracle_day(struct bfix *b, const struct sched *s, const struct busy *busy,
                         size_t nbusy, struct dt_date d, int64_t now, int64_t exclude,
                         struct avail_slot *out, size_t cap)
{
    struct arena *a = b->f->a;
    int wd = dt_weekday(dt_date_to_days(d));
    int64_t ds = tz_day_start(s->tz, d), de = tz_day_start(s->tz, dt_date_add(d, 1));
    struct avail_query q = {.tz = s->tz,
                            .date = d,
                            .grid_min = s->rules.grid_min,
                            .duration_min = s->service.duration_min,
                            .buffer_min = s->service.buffer_min,
                            .earliest = booking_earliest(&s->rules, now),
                            .latest = booking_latest(&s->rules, now)};
    char date[16];
    int closed = 0;
    dt_format_date(d, date, sizeof date);
    for (size_t i = 0; i < s->nclosed; i++)
        closed |= strcmp(s->closed[i], date) == 0;
    struct avail_span *open = arena_array(a, s->nhours + 1, sizeof *open);
    for (size_t i = 0; i < s->nhours && !closed; i++)
        if (s->hours[i].weekday == wd && avail_wall_span(s->tz, d, s->hours[i].start_min,
                                                         s->hours[i].end_min, &open[q.nopen]) == 0)
            q.nopen++;
    q.open = open;
    struct avail_therapist *th = arena_array(a, s->ntherapists + 1, sizeof *th);
    for (size_t i = 0; i < s->ntherapists; i++) {
        const struct therapist_week *w = &s->weeks[i];
        struct avail_span *work = arena_array(a, w->nwork + 1, sizeof *work);
        struct avail_span *bs = arena_array(a, w->nbreaks + s->noff + nbusy + 1, sizeof *bs);
        size_t nw = 0, k = 0;
        for (size_t j = 0; j < w->nwork; j++)
            if (w->work[j].weekday == wd &&
                avail_wall_span(s->tz, d, w->work[j].start_min, w->work[j].end_min, &work[nw]) == 0)
                nw++;
        for (size_t j = 0; j < w->nbreaks; j++)
            if (w->breaks[j].weekday == wd && avail_wall_span(s->tz, d, w->breaks[j].start_min,
                                                              w->breaks[j].end_min, &bs[k]) == 0)
                k++;
        for (size_t j = 0; j < s->noff; j++)
            if (strcmp(s->off[j].therapist_id, s->therapists[i].id) == 0 && s->off[j].start < de &&
                ds < s->off[j].end)
                bs[k++] = (struct avail_span){s->off[j].start, s->off[j].end};
        /* breaks and time off hold the session, appointments it and its buffer */
        struct avail_span *ap = arena_array(a, nbusy + 1, sizeof *ap);
        size_t nap = 0;
        for (size_t j = 0; j < nbusy; j++)
            if (busy[j].appointment_id != exclude &&
                strcmp(busy[j].therapist_id, s->therapists[i].id) == 0 && busy[j].start < de &&
                ds < busy[j].end)
                ap[nap++] = (struct avail_span){busy[j].start, busy[j].end};
        th[i] = (struct avail_therapist){work, nw, ap, nap, bs, k};
    }
    q.therapists = th;
    q.ntherapists = s->ntherapists;
    struct avail_room *rooms = arena_array(a, s->nrooms + 1, sizeof *rooms);
    for (size_t i = 0; i < s->nrooms; i++) {
        struct avail_span *bs = arena_array(a, nbusy + 1, sizeof *bs);
        size_t k = 0;
        for (size_t j = 0; j < nbusy; j++)
            if (busy[j].appointment_id != exclude && busy[j].room_id == s->rooms[i].id &&
                busy[j].start < de && ds < busy[j].end)
                bs[k++] = (struct avail_span){busy[j].start, busy[j].end};
        rooms[i] = (struct avail_room){bs, k};
    }
    q.rooms = rooms;
    q.nrooms = s->nrooms;
    return avail_day(&q, out, cap);
}

static void same_days(const struct sched_day *x, const struct sched_day *y, int days)
{
    for (int i = 0; i < days; i++) {
        assert_int_equal(dt_date_to_days(x[i].date), dt_date_to_days(y[i].date));
        assert_int_equal(x[i].nslots, y[i].nslots);
        for (size_t k = 0; k < x[i].nslots; k++) {
            assert_int_equal(x[i].slots[k].start, y[i].slots[k].start);
            assert_int_equal(x[i].slots[k].end, y[i].slots[k].end);
            assert_int_equal(x[i].slots[k].therapists, y[i].slots[k].therapists);
        }
    }
}

static void test_range_equals_days_alone(void **state)
{
    struct bfix *b = *state;
    struct err e = {0};
    enum { DAYS = 31 };
    struct dt_date from = {2027, 3, 1};
    int64_t now = b->monday - 86400 + 6 * 3600, t0 = b->monday - 2 * 86400;
    static const char *const ids[] = {"maren-holt", "dev-okafor", "lena-kusugak", "tomas-reyes"};
    int64_t client = 0, some_id = 0;
    assert_int_equal(
        db_client_for_booking(b->f->db, "Grow Client", "grow@example.com", "", 0, now, &client, &e),
        E_OK);
    /* A crowded month and the days either side: appointments of any length
     * at any minute (some across midnight, some overlapping), some
     * cancelled, and time off over one or several days. */
    for (int i = 0; i < 900; i++) {
        unsigned char hash[STORE_TOKEN_HASH];
        char token[TOKEN_LEN];
        int64_t id, start = t0 + (int64_t)rnd((DAYS + 4) * 1440) * 60;
        int64_t len = 15 * 60 * (int64_t)(1 + rnd(12));
        struct appointment ap = {.service_id = "deep-tissue-60",
                                 .therapist_id = ids[rnd(4)],
                                 .room_id = 1 + (int64_t)rnd(3),
                                 .client_id = client,
                                 .start = start,
                                 .end = start + len,
                                 .busy_until = start + len + 60 * (int64_t)rnd(30),
                                 .status = "booked",
                                 .notes = "",
                                 .contact_phone = "",
                                 .source = "staff",
                                 .created_at = now};
        token_new(token, hash);
        enum err_code added = db_add_appointment(b->f->db, &ap, hash, &id, &e);
        int refused = 0;
        if (fixture_pg() && added != E_OK) {
            refused = 1;
            /* PostgreSQL refuses overlapping live appointments of one
             * therapist or room (its exclusion constraints; E_RETRY, so a
             * booking runs again and answers as the calendar then reads,
             * with slot_unavailable): such a one goes in cancelled, which
             * the calendar skips the same way */
            assert_int_equal(added, E_RETRY);
            assert_string_equal(e.problem, "slot_unavailable");
            token_new(token, hash);
            ap.status = "cancelled";
            added = db_add_appointment(b->f->db, &ap, hash, &id, &e);
        }
        assert_int_equal(added, E_OK);
        if (rnd(8) == 0 && !refused)
            assert_int_equal(db_cancel_appointment(b->f->db, id, now, 0, "", &e), E_OK);
        else if (!some_id && start > b->monday + 5 * 86400)
            some_id = id;
    }
    for (int i = 0; i < 12; i++) {
        int64_t start = t0 + (int64_t)rnd((DAYS + 2) * 96) * 900, id;
        struct time_off off = {0, ids[rnd(4)], start, start + 900 * (int64_t)(1 + rnd(300)),
                               "course"};
        assert_int_equal(db_add_time_off(b->f->db, &off, &id, &e), E_OK);
    }
    assert_true(some_id > 0);

    struct busy *busy;
    size_t nbusy;
    assert_int_equal(
        db_busy(b->f->db, b->f->a, t0 - 86400, t0 + (DAYS + 6) * 86400, &busy, &nbusy, &e), E_OK);
    struct sched s = load(b);
    size_t cap = (size_t)(2 * 1440 / s.rules.grid_min) + 2, total = 0;
    for (int pass = 0; pass < 2; pass++) {
        int64_t exclude = pass ? some_id : 0;
        struct sched plain = s;
        plain.cache = NULL;
        struct sched_day range[DAYS], cached[DAYS], again[DAYS], alone[DAYS], oracle[DAYS];
        assert_int_equal(sched_days(b->f->db, b->f->a, &plain, now, from, DAYS, exclude, range, &e),
                         E_OK);
        assert_int_equal(sched_days(b->f->db, b->f->a, &s, now, from, DAYS, exclude, cached, &e),
                         E_OK);
        assert_int_equal(sched_days(b->f->db, b->f->a, &s, now, from, DAYS, exclude, again, &e),
                         E_OK);
        for (int i = 0; i < DAYS; i++) {
            struct dt_date d = dt_date_add(from, i);
            assert_int_equal(
                sched_days(b->f->db, b->f->a, &plain, now, d, 1, exclude, &alone[i], &e), E_OK);
            oracle[i].date = d;
            oracle[i].slots = arena_array(b->f->a, cap, sizeof *oracle[i].slots);
            oracle[i].nslots =
                oracle_day(b, &s, busy, nbusy, d, now, exclude, oracle[i].slots, cap);
            total += oracle[i].nslots;
        }
        same_days(range, oracle, DAYS);
        same_days(alone, oracle, DAYS);
        same_days(cached, oracle, DAYS);
        same_days(again, oracle, DAYS);
    }
    assert_true(total > 0); /* the month is crowded, not full */
}

/* Locations (issue 10 §4): a second location in another zone, where Maren
 * also works on Mondays at hours that overlap her hours at the first.  Her
 * appointment at the first holds her at the second too: that time is not
 * offered there and booking it there is refused; the second location's
 * slots are in its own zone and go to its own room. */
static void test_therapist_not_in_two_locations(void **state)
{
    struct bfix *b = *state;
    struct err e = {0};
    struct appointment ap;
    char token[TOKEN_LEN];
    struct db *db = b->f->db;
    int64_t loc2 = 0, room2 = 0;
    struct location l = {.name = "Seattle studio",
                         .address = "401 Pike Street, Seattle, WA 98101",
                         .timezone = "America/Los_Angeles",
                         .position = 2};
    const char *sids[] = {"deep-tissue-60"};
    struct room r = {0, "Cascade Room", sids, 1, 0};
    struct therapist_week w;

    assert_int_equal(db_begin(db, &e), E_OK);
    assert_int_equal(db_put_location(db, &l, &loc2, &e), E_OK);
    r.location_id = loc2;
    assert_int_equal(db_add_room(db, &r, &room2, &e), E_OK);
    struct week_span open2[] = {{1, 9 * 60, 17 * 60, loc2}};
    assert_int_equal(db_put_clinic_hours(db, loc2, open2, 1, &e), E_OK);
    assert_int_equal(db_therapist_week(db, b->f->a, "maren-holt", &w, &e), E_OK);
    struct week_span *work = arena_array(b->f->a, w.nwork + 1, sizeof *work);
    memcpy(work, w.work, w.nwork * sizeof *work);
    work[w.nwork++] = (struct week_span){1, 9 * 60, 17 * 60, loc2};
    w.work = work;
    assert_int_equal(db_put_therapist_week(db, "maren-holt", &w, &e), E_OK);
    assert_int_equal(db_commit(db, &e), E_OK);

    struct booking_rules cfg = app_booking_rules(&b->app);
    struct sched at1, at2;
    assert_int_equal(sched_load_at(db, b->f->a, b->app.sched, b->app.tz, &cfg, STORE_FIRST_LOCATION,
                                   "deep-tissue-60", "maren-holt", &at1, &e),
                     E_OK);
    assert_int_equal(sched_load_at(db, b->f->a, b->app.sched, b->app.tz, &cfg, loc2,
                                   "deep-tissue-60", "maren-holt", &at2, &e),
                     E_OK);
    assert_int_equal(at2.location.id, loc2);
    assert_int_equal(at2.nrooms, 1);
    assert_int_equal(at2.rooms[0].id, room2);
    /* 2027-03-01 is PST (-8) in Seattle, AKST (-9) in Anchorage */
    int64_t start = b->monday + 10 * 3600; /* 10:00 in Anchorage = 11:00 in Seattle */
    assert_int_equal(tz_offset_at(at2.tz, start), -8 * 3600);
    assert_int_equal(tz_offset_at(at1.tz, start), -9 * 3600);
    int64_t now = b->monday - 7 * 86400;

    /* before any booking, 11:00 Seattle time is offered at the second */
    struct sched_day day;
    struct dt_date monday = {2027, 3, 1};
    int seen = 0;
    assert_int_equal(sched_days(db, b->f->a, &at2, now, monday, 1, 0, &day, &e), E_OK);
    for (size_t i = 0; i < day.nslots; i++)
        seen |= day.slots[i].start == start;
    assert_true(seen);

    struct sched_client jane = client("Jane Doe", "jane@example.com");
    assert_int_equal(sched_book(db, b->f->a, &at1, now, start, 0, &jane, &ap, token, &e), E_OK);
    assert_int_equal(ap.location_id, STORE_FIRST_LOCATION);

    /* at the second: that time is gone, and so is every start whose hour
     * with its buffer meets it; a time clear of it is still offered */
    assert_int_equal(sched_load_at(db, b->f->a, b->app.sched, b->app.tz, &cfg, loc2,
                                   "deep-tissue-60", "maren-holt", &at2, &e),
                     E_OK);
    assert_int_equal(sched_days(db, b->f->a, &at2, now, monday, 1, 0, &day, &e), E_OK);
    assert_true(day.nslots > 0);
    for (size_t i = 0; i < day.nslots; i++) {
        assert_false(day.slots[i].start < ap.busy_until &&
                     start < day.slots[i].start + 75 * 60);
        assert_int_equal(tz_offset_at(at2.tz, day.slots[i].start), -8 * 3600);
    }
    struct sched_client ann = client("Ann Lee", "ann@example.com");
    ann.phone = "907-555-0199";
    assert_int_equal(sched_book(db, b->f->a, &at2, now, start, 0, &ann, &ap, token, &e), E_CONFLICT);
    assert_string_equal(e.problem, "slot_unavailable");
    assert_int_equal(booked_that_day(b), 1);
    /* a time clear of the first booking books at the second, in its room */
    int64_t later = start + 3 * 3600; /* 14:00 in Seattle */
    assert_int_equal(sched_book(db, b->f->a, &at2, now, later, 0, &ann, &ap, token, &e), E_OK);
    assert_int_equal(ap.room_id, room2);
    assert_int_equal(ap.location_id, loc2);
    assert_string_equal(ap.location_timezone, "America/Los_Angeles");

    /* an unknown location is named */
    assert_int_equal(sched_load_at(db, b->f->a, b->app.sched, b->app.tz, &cfg, 99,
                                   "deep-tissue-60", "any", &at2, &e),
                     E_UNPROCESSABLE);
    assert_string_equal(e.problem, "unknown_location");
}

/* A location's own rules (0064) sit between the clinic's and the service's;
 * archiving (0063) is refused while it holds an upcoming appointment and
 * for the first location, and an archived location is refused to booking
 * and left out of the locations in use, until it is put back. */
static void test_location_rules_and_archive(void **state)
{
    struct bfix *b = *state;
    struct err e = {0};
    struct appointment ap;
    char token[TOKEN_LEN];
    struct db *db = b->f->db;
    int64_t loc2 = 0, room2 = 0, live = 0;
    struct location l = {.name = "Seattle studio",
                         .address = "401 Pike Street, Seattle, WA 98101",
                         .timezone = "America/Los_Angeles",
                         .position = 2};
    const char *sids[] = {"deep-tissue-60"};
    struct room r = {0, "Cascade Room", sids, 1, 0};
    struct therapist_week w;

    assert_int_equal(db_begin(db, &e), E_OK);
    assert_int_equal(db_put_location(db, &l, &loc2, &e), E_OK);
    r.location_id = loc2;
    assert_int_equal(db_add_room(db, &r, &room2, &e), E_OK);
    struct week_span open2[] = {{1, 9 * 60, 17 * 60, loc2}};
    assert_int_equal(db_put_clinic_hours(db, loc2, open2, 1, &e), E_OK);
    assert_int_equal(db_therapist_week(db, b->f->a, "maren-holt", &w, &e), E_OK);
    struct week_span *work = arena_array(b->f->a, w.nwork + 1, sizeof *work);
    memcpy(work, w.work, w.nwork * sizeof *work);
    work[w.nwork++] = (struct week_span){1, 12 * 60, 17 * 60, loc2};
    w.work = work;
    assert_int_equal(db_put_therapist_week(db, "maren-holt", &w, &e), E_OK);
    assert_int_equal(db_commit(db, &e), E_OK);

    struct booking_rules cfg = app_booking_rules(&b->app), got;
    struct sched at1, at2;
    struct service sv;
    int found;
    assert_int_equal(loc_set_rules(db, loc2, 10080, -1, 336, &e), E_OK);
    assert_int_equal(sched_load_at(db, b->f->a, b->app.sched, b->app.tz, &cfg, loc2,
                                   "deep-tissue-60", "any", &at2, &e),
                     E_OK);
    assert_int_equal(at2.rules.min_notice_min, 10080);
    assert_int_equal(at2.rules.late_cancel_hours, 336);
    assert_int_equal(sched_load_at(db, b->f->a, b->app.sched, b->app.tz, &cfg,
                                   STORE_FIRST_LOCATION, "deep-tissue-60", "any", &at1, &e),
                     E_OK);
    assert_int_not_equal(at1.rules.min_notice_min, 10080);
    assert_int_equal(at2.rules.horizon_days, at1.rules.horizon_days); /* the clinic's */
    assert_int_equal(sched_service_rules(db, b->f->a, b->app.sched, &cfg, loc2, "deep-tissue-60",
                                         &sv, &found, &got, &e),
                     E_OK);
    assert_int_equal(got.late_cancel_hours, 336);
    assert_int_equal(loc_set_rules(db, loc2, -1, -1, -1, &e), E_OK);
    assert_int_equal(loc_set_rules(db, 99, -1, -1, -1, &e), E_NOTFOUND);

    /* an upcoming appointment there keeps it from being archived */
    assert_int_equal(sched_load_at(db, b->f->a, b->app.sched, b->app.tz, &cfg, loc2,
                                   "deep-tissue-60", "maren-holt", &at2, &e),
                     E_OK);
    int64_t start = b->monday + 13 * 3600; /* 13:00 in Anchorage = 14:00 in Seattle */
    int64_t now = b->monday - 7 * 86400;
    struct sched_client jane = client("Jane Doe", "jane@example.com");
    assert_int_equal(sched_book(db, b->f->a, &at2, now, start, 0, &jane, &ap, token, &e), E_OK);
    assert_int_equal(loc_archive(db, loc2, 1, now, &live, &e), E_CONFLICT);
    assert_string_equal(e.problem, "location_has_appointments");
    assert_int_equal(live, 1);
    assert_int_equal(loc_archive(db, STORE_FIRST_LOCATION, 1, now, &live, &e), E_CONFLICT);
    assert_string_equal(e.problem, "location_first");
    assert_int_equal(loc_archive(db, 99, 1, now, &live, &e), E_NOTFOUND);

    /* once it is past, the location may go; it is then refused to booking */
    assert_int_equal(loc_archive(db, loc2, 1, ap.end + 1, &live, &e), E_OK);
    assert_int_equal(sched_load_at(db, b->f->a, b->app.sched, b->app.tz, &cfg, loc2,
                                   "deep-tissue-60", "any", &at2, &e),
                     E_UNPROCESSABLE);
    assert_string_equal(e.problem, "archived_location");
    struct sched_setup su;
    assert_int_equal(sched_setup(db, b->f->a, b->app.sched, &su, &e), E_OK);
    assert_int_equal(su.nlocations, 1);
    /* its history keeps its zone */
    assert_int_equal(sched_setup_at(db, b->f->a, b->app.sched, loc2, &su, &e), E_OK);
    assert_non_null(su.zone);
    assert_int_equal(loc_archive(db, loc2, 0, ap.end + 1, &live, &e), E_OK);
    assert_int_equal(sched_setup(db, b->f->a, b->app.sched, &su, &e), E_OK);
    assert_int_equal(su.nlocations, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_recheck_refuses_double_booking, setup, teardown),
        cmocka_unit_test_setup_teardown(test_setup_change_between_read_and_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hook_failure_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_overlap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_desk_status_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_range_equals_days_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_therapist_not_in_two_locations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_location_rules_and_archive, setup, teardown),
    };
    return cmocka_run_group_tests_name("svc_booking", tests, NULL, NULL);
}
