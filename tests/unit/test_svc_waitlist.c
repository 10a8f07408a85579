/* Tests of svc/waitlist.c on the store fixture with the demo clinic: joining
 * stores the entry and its message in one transaction (a failing message
 * stores nothing); a cancellation offers the freed time to each matching
 * entry inside the cancellation's transaction, and to no other; the first
 * claim books the time and the other offers are gone; a failing offer
 * message rolls the cancellation back; a time a client could no longer book
 * is offered to nobody. */
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
#include "svc/waitlist.h"

#define MONDAY (1u << 1)

struct wfix {
    struct fixture *f;
    struct app app;
    struct wl *wl;
    int joined, offered, committed;
    enum err_code fail_joined, fail_offer;
    char tokens[4][TOKEN_LEN]; /* the claim links offered, in order */
    int64_t entries[4];        /* ... and to which entry */
    int64_t monday;            /* 2027-03-01 00:00 local */
};

static enum err_code on_joined(void *ctx, struct db *db, const struct waitlist_entry *w,
                               const char *token, int64_t now, struct err *e)
{
    struct wfix *x = ctx;
    x->joined++;
    assert_true(token_valid(token));
    assert_true(w->id > 0);
    return x->fail_joined ? err_set(e, x->fail_joined, "The outbox is full.") : E_OK;
}

static enum err_code on_offer(void *ctx, struct db *db, const struct waitlist_entry *w,
                              const struct wl_offer_msg *m, int64_t now, struct err *e)
{
    struct wfix *x = ctx;
    if (x->fail_offer)
        return err_set(e, x->fail_offer, "The outbox is full.");
    assert_true(x->offered < 4);
    assert_true(token_valid(m->token));
    assert_string_equal(m->therapist_name, "Maren Holt");
    assert_true(m->expires > now && m->expires <= m->start);
    snprintf(x->tokens[x->offered], TOKEN_LEN, "%s", m->token);
    x->entries[x->offered++] = w->id;
    return E_OK;
}

static void on_committed(void *ctx)
{
    ((struct wfix *)ctx)->committed++;
}

static int setup(void **state)
{
    struct wfix *x = calloc(1, sizeof *x);
    char err[256];
    void *fs = NULL;
    if (!x || fixture_open(&fs, FIXTURE_DEMO, 1) != 0)
        return -1;
    x->f = fs;
    cfg_defaults(&x->app.cfg);
    if (app_load_tz(&x->app, err, sizeof err) < 0)
        return -1;
    x->app.store = x->f->s;
    x->app.sched = sched_cache_new(&x->app.hooks);
    struct wl_config c = {x->app.sched, x->app.tz, app_booking_rules(&x->app), 120, NULL};
    struct wl_mailer m = {on_joined, on_offer, on_committed, x};
    x->wl = wl_new(&c, &m);
    x->app.hooks = wl_hooks(x->wl, (struct sched_hooks){0});
    x->monday = tz_day_start(x->app.tz, (struct dt_date){2027, 3, 1});
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    struct wfix *x = *state;
    void *fs = x->f;
    wl_free(x->wl);
    sched_cache_free(x->app.sched);
    tz_free(x->app.tz);
    free(x);
    return fixture_close(&fs);
}

static struct sched load(struct wfix *x, const char *therapist)
{
    struct sched s;
    struct err e = {0};
    struct booking_rules cfg = app_booking_rules(&x->app);
    assert_int_equal(sched_load(x->f->db, x->f->a, x->app.sched, x->app.tz, &cfg, "deep-tissue-60",
                                therapist, &s, &e),
                     E_OK);
    return s;
}

/* An entry for deep-tissue-60 with any therapist on Mondays in March 2027
 * between from and to (minutes after midnight). */
static int64_t join(struct wfix *x, const char *name, const char *email, int from, int to,
                    enum err_code want)
{
    struct err e = {0};
    char token[TOKEN_LEN];
    struct waitlist_entry w = {0};
    w.service_id = "deep-tissue-60";
    w.therapist_id = "";
    w.date_from = "2027-03-01";
    w.date_to = "2027-03-31";
    w.days = MONDAY;
    w.time_from = from;
    w.time_to = to;
    w.name = name;
    w.email = email;
    w.phone = "";
    w.created_at = x->monday - 30 * 86400;
    w.service_name = "Deep Tissue Massage (60 minutes)";
    w.therapist_name = "";
    assert_int_equal(wl_join(x->wl, x->f->db, &w, token, w.created_at, &e), want);
    return want == E_OK ? w.id : 0;
}

static size_t active(struct wfix *x)
{
    struct waitlist_entry *en = NULL;
    size_t n = 0;
    struct err e = {0};
    assert_int_equal(db_waitlist_active(x->f->db, x->f->a, "deep-tissue-60", &en, &n, &e), E_OK);
    return n;
}

/* Books Monday 10:00 with Maren and cancels it at `now`; returns the
 * cancellation's answer. */
static enum err_code book_and_cancel(struct wfix *x, int64_t now, struct appointment *ap)
{
    struct err e = {0};
    char token[TOKEN_LEN];
    int late = 0;
    struct sched s = load(x, "maren-holt");
    struct sched_client cl = {"Ann Lee", "ann@example.com", "907-555-0199", "", 0, 0, NULL, 0, 0, NULL, 0};
    assert_int_equal(sched_book(x->f->db, x->f->a, &s, x->monday - 7 * 86400, x->monday + 10 * 3600,
                                0, &cl, ap, token, &e),
                     E_OK);
    return sched_cancel(x->f->db, &x->app.hooks, &s.rules, now, ap, "", &late, &e);
}

static void test_join_stores_entry_and_message_together(void **state)
{
    struct wfix *x = *state;
    join(x, "Jane Doe", "jane@example.com", 9 * 60, 12 * 60, E_OK);
    assert_int_equal(x->joined, 1);
    assert_int_equal(x->committed, 1);
    assert_int_equal(active(x), 1);
    x->fail_joined = E_UNAVAILABLE;
    join(x, "Bo Ray", "bo@example.com", 9 * 60, 12 * 60, E_UNAVAILABLE);
    assert_int_equal(active(x), 1); /* the failed join left nothing */
    assert_int_equal(x->committed, 1);
}

static void test_cancellation_offers_to_matching_entries(void **state)
{
    struct wfix *x = *state;
    struct appointment ap;
    int64_t jane = join(x, "Jane Doe", "jane@example.com", 9 * 60, 12 * 60, E_OK);
    join(x, "Afternoon Only", "pm@example.com", 14 * 60, 18 * 60, E_OK);
    int64_t bo = join(x, "Bo Ray", "bo@example.com", 8 * 60, 13 * 60, E_OK);
    assert_int_equal(book_and_cancel(x, x->monday - 2 * 86400, &ap), E_OK);
    assert_int_equal(x->offered, 2);       /* not the afternoon entry */
    assert_int_equal(x->entries[0], jane); /* in the order they joined */
    assert_int_equal(x->entries[1], bo);

    /* Bo claims first: booked, the entry closed; Jane's offer is gone */
    struct err e = {0};
    struct waitlist_offer o;
    struct waitlist_entry en;
    struct appointment booked;
    char token[TOKEN_LEN];
    unsigned char hash[STORE_TOKEN_HASH];
    token_hash(x->tokens[1], hash);
    assert_int_equal(db_waitlist_offer(x->f->db, x->f->a, hash, &o, &en, &e), E_OK);
    struct sched s = load(x, o.therapist_id);
    int64_t now = x->monday - 2 * 86400 + 600;
    assert_int_equal(wl_claim(x->f->db, x->f->a, &s, &o, &en, now, &booked, token, &e), E_OK);
    assert_int_equal(booked.start, x->monday + 10 * 3600);
    assert_string_equal(booked.client_email, "bo@example.com");
    assert_int_equal(active(x), 2);
    token_hash(x->tokens[0], hash);
    assert_int_equal(db_waitlist_offer(x->f->db, x->f->a, hash, &o, &en, &e), E_OK);
    assert_string_equal(o.status, "taken");
    s = load(x, o.therapist_id);
    assert_int_equal(wl_claim(x->f->db, x->f->a, &s, &o, &en, now, &booked, token, &e), E_CONFLICT);
    assert_int_equal(active(x), 2);
}

static void test_failing_offer_rolls_back_the_cancellation(void **state)
{
    struct wfix *x = *state;
    struct appointment ap, again;
    struct err e = {0};
    join(x, "Jane Doe", "jane@example.com", 9 * 60, 12 * 60, E_OK);
    x->fail_offer = E_UNAVAILABLE;
    assert_int_equal(book_and_cancel(x, x->monday - 2 * 86400, &ap), E_UNAVAILABLE);
    assert_int_equal(db_appointment(x->f->db, x->f->a, ap.id, &again, &e), E_OK);
    assert_string_equal(again.status, "booked");
    assert_int_equal(x->offered, 0);
}

static void test_unbookable_time_is_not_offered(void **state)
{
    struct wfix *x = *state;
    struct appointment ap;
    join(x, "Jane Doe", "jane@example.com", 9 * 60, 12 * 60, E_OK);
    /* cancelled an hour before: inside the three hours' notice */
    assert_int_equal(book_and_cancel(x, x->monday + 9 * 3600, &ap), E_OK);
    assert_int_equal(x->offered, 0);
    assert_int_equal(active(x), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_join_stores_entry_and_message_together, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cancellation_offers_to_matching_entries, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_failing_offer_rolls_back_the_cancellation, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unbookable_time_is_not_offered, setup, teardown),
    };
    return cmocka_run_group_tests_name("svc_waitlist", tests, NULL, NULL);
}
