/* Tests of svc/reports.c on the store fixture with the demo clinic
 * (America/Anchorage): hours to book come from working hours inside
 * opening hours, less breaks, time off and closed dates; booked and worked
 * hours land on the right therapist, room, weekday and local day, also
 * across the spring-forward night (a 23-hour day: a row's day is not
 * start / 86400); attendance counts each status and late cancellations per
 * therapist and its rates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "app.h"
#include "config.h"
#include "core/appt.h"
#include "core/tz.h"
#include "store_fixture.h"
#include "svc/reports.h"
#include "util/blobcache.h"

struct rfix {
    struct fixture *f;
    struct app app;
    int64_t client;
};

static int setup(void **state)
{
    struct rfix *x = calloc(1, sizeof *x);
    char err[256];
    void *fs = NULL;
    struct err e = {0};
    if (!x || fixture_open(&fs, FIXTURE_DEMO, 1) != 0)
        return -1;
    x->f = fs;
    cfg_defaults(&x->app.cfg);
    if (app_load_tz(&x->app, err, sizeof err) < 0)
        return -1;
    x->app.store = x->f->s;
    x->app.sched = sched_cache_new(&x->app.hooks);
    if (db_client_for_booking(x->f->db, "Ana Alder", "ana@example.com", "", 0, 0, &x->client,
                              &e) != E_OK)
        return -1;
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    struct rfix *x = *state;
    void *fs = x->f;
    sched_cache_free(x->app.sched);
    tz_free(x->app.tz);
    free(x);
    return fixture_close(&fs);
}

static int64_t at(struct rfix *x, int y, int m, int d, int hh, int mm)
{
    return tz_day_start(x->app.tz, (struct dt_date){y, m, d}) + hh * 3600 + mm * 60;
}

static void add(struct rfix *x, const char *therapist, int64_t room, int64_t start, int minutes,
                const char *status, int late)
{
    static unsigned n;
    unsigned char hash[STORE_TOKEN_HASH] = {0};
    struct err e = {0};
    int64_t id;
    n++;
    memcpy(hash, &n, sizeof n);
    struct appointment a = {.service_id = "deep-tissue-60",
                            .therapist_id = therapist,
                            .room_id = room,
                            .client_id = x->client,
                            .start = start,
                            .end = start + minutes * 60,
                            .busy_until = start + minutes * 60,
                            .status = status,
                            .notes = "",
                            .source = "staff",
                            .cancel_late = late,
                            .cancel_reason = "",
                            .contact_phone = ""};
    if (strcmp(status, "cancelled") == 0)
        a.cancelled_at = start - 3600;
    assert_int_equal(db_add_appointment(x->f->db, &a, hash, &id, &e), E_OK);
    if (late) { /* as the cancellation leaves it (db_add_appointment books) */
        struct db_value arg = {DB_VALUE_INT, id, NULL, 0};
        /* in the database's own dialect (debug sql) */
        const char *sql = fixture_pg() ? "UPDATE appointments SET cancel_late = 1 WHERE id = $1"
                                       : "UPDATE appointments SET cancel_late = 1 WHERE id = ?1";
        assert_int_equal(db_debug_sql(x->f->db, x->f->a, sql, &arg, 1, NULL, NULL, &e),
                         E_OK);
    }
}

static const struct reports_hours *row(const struct reports_hours *v, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].key, key) == 0)
            return &v[i];
    fail_msg("no row %s", key);
    return NULL;
}

/* Saturday 7 to Monday 9 March 2026: the clocks go forward on Sunday 8. */
static void test_utilisation(void **state)
{
    struct rfix *x = *state;
    struct err e = {0};
    struct reports_util u;
    /* Maren works Monday 08:00-16:00 with a break 12:00-12:30; one hour off */
    struct time_off off = {0, "maren-holt", at(x, 2026, 3, 9, 9, 0), at(x, 2026, 3, 9, 10, 0), ""};
    assert_int_equal(db_add_time_off(x->f->db, &off, NULL, &e), E_OK);
    add(x, "maren-holt", 1, at(x, 2026, 3, 9, 10, 0), 60, "completed", 0);
    add(x, "maren-holt", 1, at(x, 2026, 3, 9, 13, 0), 60, "no_show", 0);
    add(x, "maren-holt", 1, at(x, 2026, 3, 9, 14, 0), 60, "cancelled", 1); /* not booked time */
    /* just after midnight on Monday: the day after a 23-hour Sunday */
    add(x, "tomas-reyes", 2, at(x, 2026, 3, 9, 0, 30), 30, "booked", 0);
    add(x, "tomas-reyes", 2, at(x, 2026, 3, 7, 9, 0), 90, "completed", 0);
    struct reports_period p = reports_period(x->app.tz, (struct dt_date){2026, 3, 7}, 3);
    assert_int_equal(p.hi - p.lo, 3 * 86400 - 3600);
    assert_int_equal(reports_utilisation(x->f->db, x->f->a, x->app.sched, x->app.tz, &p, &u, &e),
                     E_OK);
    const struct reports_hours *m = row(u.therapists, u.ntherapists, "maren-holt");
    assert_int_equal(m->available, (int64_t)(6.5 * 3600)); /* 7.5 h less the hour off */
    assert_int_equal(m->booked, 2 * 3600);
    assert_int_equal(m->worked, 3600);
    const struct reports_hours *t = row(u.therapists, u.ntherapists, "tomas-reyes");
    /* Tomas: Saturday 09:00-17:00 less 30 min, Monday 12:00-20:00 less 30 min */
    assert_int_equal(t->available, 15 * 3600);
    assert_int_equal(t->booked, 2 * 3600);
    assert_int_equal(u.booked_by_day[0], 90 * 60);
    assert_int_equal(u.booked_by_day[1], 0);
    assert_int_equal(u.booked_by_day[2], 2 * 3600 + 30 * 60);
    assert_int_equal(u.weekdays[1].booked, 2 * 3600 + 30 * 60);
    assert_int_equal(u.weekdays[6].booked, 90 * 60);
    assert_int_equal(u.weekdays[0].available, 0); /* closed on Sundays */
    assert_int_equal(row(u.rooms, u.nrooms, "2")->booked, 2 * 3600);
    assert_int_equal(u.total.booked, 4 * 3600);

    /* the clinic closed on Monday: no hours to book that day */
    assert_int_equal(db_add_closed_date(x->f->db, STORE_FIRST_LOCATION, "2026-03-09", "Storm", &e), E_OK);
    assert_int_equal(reports_utilisation(x->f->db, x->f->a, x->app.sched, x->app.tz, &p, &u, &e),
                     E_OK);
    assert_int_equal(row(u.therapists, u.ntherapists, "maren-holt")->available, 0);
    assert_int_equal(row(u.therapists, u.ntherapists, "tomas-reyes")->available,
                     (int64_t)(7.5 * 3600));
}

/* A therapist may file as much time off as they like (/staff/time-off):
 * 300 one-minute absences on one day are counted, and the report does not
 * refuse to run. */
static void test_time_off_without_limit(void **state)
{
    struct rfix *x = *state;
    struct err e = {0};
    struct reports_util u;
    for (int i = 0; i < 300; i++) { /* 08:00-13:00, every other minute */
        int64_t t = at(x, 2026, 3, 9, 8, 0) + i * 60;
        struct time_off off = {0, "maren-holt", t, t + 30, "errand"};
        assert_int_equal(db_add_time_off(x->f->db, &off, NULL, &e), E_OK);
    }
    struct reports_period p = reports_period(x->app.tz, (struct dt_date){2026, 3, 9}, 1);
    assert_int_equal(reports_utilisation(x->f->db, x->f->a, x->app.sched, x->app.tz, &p, &u, &e),
                     E_OK);
    /* 7.5 h less 300 half minutes, of which the 30 inside the 12:00 break were off anyway */
    assert_int_equal(row(u.therapists, u.ntherapists, "maren-holt")->available,
                     (int64_t)(7.5 * 3600) - 270 * 30);
}

static void test_attendance(void **state)
{
    struct rfix *x = *state;
    struct err e = {0};
    struct reports_attend a;
    add(x, "maren-holt", 1, at(x, 2026, 4, 6, 9, 0), 60, "completed", 0);
    add(x, "maren-holt", 1, at(x, 2026, 4, 6, 10, 0), 60, "no_show", 0);
    add(x, "maren-holt", 1, at(x, 2026, 4, 6, 11, 0), 60, "cancelled", 1);
    add(x, "maren-holt", 1, at(x, 2026, 4, 6, 12, 0), 60, "cancelled", 0);
    add(x, "dev-okafor", 2, at(x, 2026, 4, 7, 12, 0), 60, "checked_in", 0);
    add(x, "dev-okafor", 2, at(x, 2026, 4, 8, 12, 0), 60, "booked", 0);
    add(x, "dev-okafor", 2, at(x, 2026, 4, 13, 12, 0), 60, "no_show", 0); /* the week after */
    struct reports_period p = reports_period(x->app.tz, (struct dt_date){2026, 4, 6}, 7);
    assert_int_equal(reports_attendance(x->f->db, x->f->a, &p, &a, &e), E_OK);
    assert_int_equal(a.nrows, 2);
    assert_string_equal(a.rows[0].name, "Dev Okafor"); /* by name */
    assert_int_equal(a.rows[0].total, 2);
    assert_int_equal(a.rows[0].n[APPT_CHECKED_IN], 1);
    assert_int_equal(reports_no_show_rate(&a.rows[0]), 0);
    const struct reports_attend_row *m = &a.rows[1];
    assert_int_equal(m->total, 4);
    assert_int_equal(m->n[APPT_CANCELLED], 2);
    assert_int_equal(m->late, 1);
    assert_int_equal(reports_no_show_rate(m), 500);      /* 1 of the 2 due */
    assert_int_equal(reports_late_cancel_rate(m), 250);  /* 1 of 4 */
    assert_int_equal(a.total.total, 6);
    assert_int_equal(reports_no_show_rate(&a.total), 333); /* 1 of 3 due */
    /* a period with nothing: no rates */
    p = reports_period(x->app.tz, (struct dt_date){2025, 4, 6}, 7);
    assert_int_equal(reports_attendance(x->f->db, x->f->a, &p, &a, &e), E_OK);
    assert_int_equal(a.nrows, 0);
    assert_int_equal(reports_no_show_rate(&a.total), -1);
}

/* The clients report kept per data version: a repeated report reads
 * nothing, "not yet rebooked, six weeks not over" still moves with now, and
 * a booking made after the report was kept is in the next one. */
static void test_clients_kept(void **state)
{
    struct rfix *x = *state;
    struct err e = {0};
    struct report_clients_sum k, plain;
    uint64_t hits0, hits1, misses;
    int64_t ana = x->client, bo = 0, cy = 0;
    assert_int_equal(db_client_for_booking(x->f->db, "Bo Birch", "bo@example.com", "", 0, 0, &bo,
                                           &e), E_OK);
    assert_int_equal(db_client_for_booking(x->f->db, "Cy Cedar", "cy@example.com", "", 0, 0, &cy,
                                           &e), E_OK);
    add(x, "maren-holt", 1, at(x, 2026, 4, 6, 9, 0), 60, "completed", 0);  /* Ana, first visit */
    add(x, "maren-holt", 1, at(x, 2026, 4, 30, 9, 0), 60, "booked", 0);    /* and back in time */
    x->client = bo;
    add(x, "maren-holt", 1, at(x, 2026, 4, 7, 10, 0), 60, "completed", 0); /* Bo, first visit */
    x->client = cy;
    add(x, "dev-okafor", 2, at(x, 2026, 3, 2, 12, 0), 60, "completed", 0); /* Cy, seen before */
    add(x, "dev-okafor", 2, at(x, 2026, 4, 8, 12, 0), 60, "completed", 0);
    x->client = ana;
    struct blobcache *kept = blobcache_new(16);
    struct reports_period p = reports_period(x->app.tz, (struct dt_date){2026, 4, 6}, 7);
    int64_t apr10 = at(x, 2026, 4, 10, 9, 0);
    assert_int_equal(reports_clients(x->f->db, x->f->a, kept, &p, apr10, &k, &e), E_OK);
    assert_int_equal(reports_clients(x->f->db, x->f->a, NULL, &p, apr10, &plain, &e), E_OK);
    assert_int_equal(k.seen, 3);
    assert_int_equal(k.first_time, 2);
    assert_int_equal(k.rebooked, 1);
    assert_int_equal(k.waiting, 2); /* Bo's and Cy's six weeks run */
    assert_memory_equal(&k, &plain, sizeof k);
    /* Bo's six weeks end on 19 May at 10:00, Cy's on 20 May at 12:00 */
    blobcache_stats(kept, &hits0, &misses);
    assert_int_equal(reports_clients(x->f->db, x->f->a, kept, &p, at(x, 2026, 5, 19, 10, 0), &k,
                                     &e), E_OK);
    assert_int_equal(k.waiting, 1);
    assert_int_equal(reports_clients(x->f->db, x->f->a, kept, &p, at(x, 2026, 5, 19, 9, 59), &k,
                                     &e), E_OK);
    assert_int_equal(k.waiting, 2);
    assert_int_equal(reports_clients(x->f->db, x->f->a, kept, &p, at(x, 2026, 5, 20, 12, 0), &k,
                                     &e), E_OK);
    assert_int_equal(k.waiting, 0);
    assert_int_equal(k.seen, 3);
    blobcache_stats(kept, &hits1, &misses);
    assert_int_equal(hits1 - hits0, 3); /* kept: no read of the clients */
    /* Bo books again: the next report has it */
    x->client = bo;
    add(x, "maren-holt", 1, at(x, 2026, 5, 1, 10, 0), 60, "booked", 0);
    x->client = ana;
    assert_int_equal(reports_clients(x->f->db, x->f->a, kept, &p, apr10, &k, &e), E_OK);
    assert_int_equal(k.rebooked, 2);
    assert_int_equal(k.waiting, 1);
    assert_int_equal(reports_clients(x->f->db, x->f->a, NULL, &p, apr10, &plain, &e), E_OK);
    assert_memory_equal(&k, &plain, sizeof k);
    blobcache_free(kept);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_utilisation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_off_without_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_attendance, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clients_kept, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
