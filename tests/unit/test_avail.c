/* test_avail — unit tests for core/avail, the availability engine.
 *
 * Table-driven days in America/Anchorage (wall times on one date, expected
 * starts as runs on the grid), the two DST days of 2026, the small helpers
 * (avail_wall_span, avail_pick_therapist), and a randomized comparison with
 * an oracle written independently here: minute bitmaps of free time and grid
 * instants found by walking every UTC minute of the day through tz_to_local.
 * The random seed is fixed (override with KNEAD_SEED=<n>) and printed with
 * the failing case.  Zones come from the system tz database via tzload. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/avail.h"
#include "core/datetime.h"
#include "core/tz.h"
#include "util/mem.h"
#include "util/num.h"
#include "util/tzload.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static struct tz *anc; /* America/Anchorage, loaded once for the group */

static int setup_zone(void **state)
{
    char err[256] = "";
    (void)state;
    if (tzload_load("America/Anchorage", &anc, err, sizeof err) != 0) {
        fprintf(stderr, "tzload_load: %s\n", err);
        return -1;
    }
    return 0;
}

static int teardown_zone(void **state)
{
    (void)state;
    tz_free(anc);
    anc = NULL;
    return 0;
}

/* ---- helpers ---- */

static struct dt_date D(int y, int m, int d)
{
    return (struct dt_date){ y, m, d };
}

static int hhmm(const char *s)
{
    int m;
    if (dt_parse_hhmm(s, &m) != 0)
        fail_msg("bad HH:MM literal in test: '%s'", s);
    return m;
}

/* The only instant of a wall minute on an ordinary day. */
static int64_t wall1(struct dt_date d, int minute)
{
    int64_t t[2];
    int k = tz_wall_to_utc(anc, d, minute, t);
    if (k != 1)
        fail_msg("%04d-%02d-%02d minute %d: %d instants", d.year, d.month, d.day, minute, k);
    return t[0];
}

static int64_t at(struct dt_date d, const char *s)
{
    return wall1(d, hhmm(s));
}

/* "HH:MM-HH:MM" as a UTC span of date d. */
static struct avail_span wspan(struct dt_date d, const char *s)
{
    char a[6], b[6];
    struct avail_span sp;
    if (strlen(s) != 11 || sscanf(s, "%5[0-9:]-%5[0-9:]", a, b) != 2)
        fail_msg("bad span literal in test: '%s'", s);
    if (avail_wall_span(anc, d, hhmm(a), hhmm(b), &sp) != 0)
        fail_msg("avail_wall_span(%s) failed", s);
    return sp;
}

static const char *show(int64_t t, char buf[32])
{
    if (dt_format_rfc3339(t, tz_offset_at(anc, t), buf, 32) == 0)
        snprintf(buf, 32, "%lld", (long long)t);
    return buf;
}

/* ---- table-driven days ---- */

#define MAXL 8 /* spans per list in a table row (NULL-terminated) */

struct day_row {
    const char *name;
    struct dt_date date;
    int grid, dur, buf;
    const char *now;    /* wall time; earliest = now + notice; NULL: no lower limit */
    int notice;         /* minutes */
    const char *latest; /* wall time; NULL: no upper limit */
    const char *open[MAXL];
    size_t nth;
    struct {
        const char *work[MAXL];
        const char *busy[MAXL]; /* appointments with their buffers */
        const char *off[MAXL];  /* breaks and time off */
    } th[4];
    size_t nrooms;
    struct {
        const char *busy[MAXL];
    } room[3];
    /* Expected starts, exactly: "HH:MM-HH:MM mask" = every grid start from
     * the first to the last, inclusive, with that therapist bitmask. */
    const char *expect[MAXL];
    const char *present[MAXL], *absent[MAXL]; /* spelled out for the reader */
};

#define TUE { 2026, 3, 10 } /* an ordinary Tuesday (AKDT, UTC-8) */
#define SUN15 { 2026, 3, 15 }
static const struct dt_date tue = TUE;

static const struct day_row day_rows[] = {
    { .name = "weekday with a break: 11:00 ends at the break (its buffer may run into it), "
              "11:15 does not; 15:00 ends with the shift",
      .date = TUE, .grid = 15, .dur = 60, .buf = 15,
      .open = { "08:00-18:00" }, .nth = 1,
      .th = { { .work = { "08:00-16:00" }, .off = { "12:00-12:30" } } }, .nrooms = 1,
      .expect = { "08:00-11:00 1", "12:30-15:00 1" },
      .present = { "08:00", "11:00", "12:30", "15:00" },
      .absent = { "07:45", "11:15", "12:15", "15:15" } },
    { .name = "an appointment 09:00-10:00 with its buffer blocks until 10:15",
      .date = TUE, .grid = 15, .dur = 60, .buf = 15,
      .open = { "08:00-18:00" }, .nth = 1,
      .th = { { .work = { "08:00-16:00" }, .busy = { "09:00-10:15" }, .off = { "12:00-12:30" } } },
      .nrooms = 1, .expect = { "10:15-11:00 1", "12:30-15:00 1" },
      .present = { "10:15" }, .absent = { "08:00", "10:00" } },
    { .name = "an appointment 10:00-11:15: a start's buffer may end exactly where it begins",
      .date = TUE, .grid = 15, .dur = 60, .buf = 15,
      .open = { "08:00-18:00" }, .nth = 1,
      .th = { { .work = { "08:00-16:00" }, .busy = { "10:00-11:15" } } },
      .nrooms = 1, .expect = { "08:00-08:45 1", "11:15-15:00 1" },
      .present = { "08:45", "11:15" }, .absent = { "09:00" } },
    { .name = "time off from 14:00: 13:00 ends at it, and after it work resumes at once",
      .date = TUE, .grid = 15, .dur = 60, .buf = 30,
      .open = { "08:00-18:00" }, .nth = 1,
      .th = { { .work = { "08:00-18:00" }, .off = { "14:00-15:00" } } }, .nrooms = 1,
      .expect = { "08:00-13:00 1", "15:00-17:00 1" }, .absent = { "13:15", "14:45" } },
    { .name = "working until 18:00: 17:00-18:00 is offered whatever the buffer",
      .date = TUE, .grid = 60, .dur = 60, .buf = 30,
      .open = { "08:00-18:00" }, .nth = 1, .th = { { .work = { "09:00-18:00" } } },
      .nrooms = 1, .expect = { "09:00-17:00 1" }, .present = { "17:00" } },
    { .name = "the room's turnover holds: its 18:00 booking keeps 17:00 from another therapist",
      .date = TUE, .grid = 60, .dur = 60, .buf = 30,
      .open = { "08:00-20:00" }, .nth = 1, .th = { { .work = { "09:00-18:00" } } },
      .nrooms = 1, .room = { { .busy = { "18:00-19:30" } } },
      .expect = { "09:00-16:00 1" }, .absent = { "17:00" } },
    { .name = "two therapists, one of two rooms busy: still offered with both",
      .date = TUE, .grid = 15, .dur = 60, .buf = 15,
      .open = { "08:00-18:00" }, .nth = 2,
      .th = { { .work = { "08:00-16:00" } }, { .work = { "08:00-16:00" } } },
      .nrooms = 2, .room = { { .busy = { "09:00-10:15" } }, { .busy = { NULL } } },
      .expect = { "08:00-15:00 3" } },
    { .name = "two therapists, the only room busy: not offered",
      .date = TUE, .grid = 15, .dur = 60, .buf = 15,
      .open = { "08:00-18:00" }, .nth = 2,
      .th = { { .work = { "08:00-16:00" } }, { .work = { "08:00-16:00" } } },
      .nrooms = 1, .room = { { .busy = { "09:00-10:15" } } },
      .expect = { "10:15-15:00 3" }, .absent = { "08:00", "09:00", "10:00" } },
    { .name = "both rooms busy at noon",
      .date = TUE, .grid = 15, .dur = 60, .buf = 15,
      .open = { "08:00-18:00" }, .nth = 2,
      .th = { { .work = { "08:00-16:00" } }, { .work = { "08:00-16:00" } } },
      .nrooms = 2, .room = { { .busy = { "12:00-13:00" } }, { .busy = { "12:00-13:00" } } },
      .expect = { "08:00-10:45 3", "13:00-15:00 3" }, .absent = { "11:00" } },
    { .name = "rooms busy at different times: one room must be free for the whole stay",
      .date = TUE, .grid = 15, .dur = 60, .buf = 15,
      .open = { "08:00-18:00" }, .nth = 2,
      .th = { { .work = { "08:00-16:00" } }, { .work = { "08:00-16:00" } } },
      .nrooms = 2, .room = { { .busy = { "09:00-10:00" } }, { .busy = { "09:30-11:00" } } },
      .expect = { "08:00-08:15 3", "10:00-15:00 3" }, .absent = { "08:30", "09:45" } },
    { .name = "no room suits the service",
      .date = TUE, .grid = 15, .dur = 60, .buf = 15,
      .open = { "08:00-18:00" }, .nth = 1, .th = { { .work = { "08:00-16:00" } } },
      .nrooms = 0 },
    { .name = "now 09:00 with 180 minutes' notice: the first start is 12:00",
      .date = TUE, .grid = 15, .dur = 60, .buf = 15, .now = "09:00", .notice = 180,
      .open = { "08:00-18:00" }, .nth = 1, .th = { { .work = { "08:00-16:00" } } },
      .nrooms = 1, .expect = { "12:00-15:00 1" }, .absent = { "11:45" } },
    { .name = "notice and horizon: latest is offered itself",
      .date = TUE, .grid = 15, .dur = 60, .buf = 15, .now = "09:00", .notice = 180,
      .latest = "13:30",
      .open = { "08:00-18:00" }, .nth = 1, .th = { { .work = { "08:00-16:00" } } },
      .nrooms = 1, .expect = { "12:00-13:30 1" }, .absent = { "13:45" } },
    { .name = "latest before earliest",
      .date = TUE, .grid = 15, .dur = 60, .buf = 15, .now = "09:00", .notice = 180,
      .latest = "11:00",
      .open = { "08:00-18:00" }, .nth = 1, .th = { { .work = { "08:00-16:00" } } },
      .nrooms = 1 },
    { .name = "closed day: therapists at work, no open hours",
      .date = SUN15, .grid = 15, .dur = 60, .buf = 15,
      .nth = 1, .th = { { .work = { "08:00-16:00" } } }, .nrooms = 1 },
    { .name = "no therapists",
      .date = TUE, .grid = 15, .dur = 60, .buf = 15, .open = { "08:00-18:00" }, .nrooms = 1 },
    { .name = "any therapist: each start once, with everyone who can take it",
      .date = TUE, .grid = 15, .dur = 60, .buf = 15,
      .open = { "08:00-18:00" }, .nth = 3,
      .th = { { .work = { "08:00-12:00" } },
              { .work = { "10:00-16:00" } },
              { .work = { "08:00-16:00" }, .busy = { "09:00-13:00" } } },
      .nrooms = 1,
      .expect = { "08:00-09:45 1", "10:00-11:00 3", "11:15-12:45 2", "13:00-15:00 6" } },
    { .name = "a split shift that touches is one shift",
      .date = TUE, .grid = 15, .dur = 60, .buf = 15,
      .open = { "08:00-18:00" }, .nth = 1,
      .th = { { .work = { "08:00-12:00", "12:00-16:00" } } }, .nrooms = 1,
      .expect = { "08:00-15:00 1" }, .present = { "11:30" } },
    { .name = "a split shift with a gap is two",
      .date = TUE, .grid = 15, .dur = 60, .buf = 15,
      .open = { "08:00-18:00" }, .nth = 1,
      .th = { { .work = { "08:00-12:00", "12:15-16:00" } } }, .nrooms = 1,
      .expect = { "08:00-11:00 1", "12:15-15:00 1" } },
    { .name = "open hours narrower than work",
      .date = TUE, .grid = 15, .dur = 60, .buf = 15,
      .open = { "10:00-14:00" }, .nth = 1, .th = { { .work = { "08:00-16:00" } } },
      .nrooms = 1, .expect = { "10:00-13:00 1" } },
    { .name = "open hours with a lunch closure",
      .date = TUE, .grid = 15, .dur = 60, .buf = 15,
      .open = { "08:00-12:00", "13:00-18:00" }, .nth = 1,
      .th = { { .work = { "08:00-16:00" } } }, .nrooms = 1,
      .expect = { "08:00-11:00 1", "13:00-15:00 1" } },
    { .name = "busy spans unsorted and overlapping",
      .date = TUE, .grid = 15, .dur = 60, .buf = 15,
      .open = { "08:00-18:00" }, .nth = 1,
      .th = { { .work = { "08:00-16:00" },
                .busy = { "13:00-14:00", "09:00-10:00", "09:30-11:00", "09:45-10:30" } } },
      .nrooms = 1, .expect = { "11:00-11:45 1", "14:00-15:00 1" } },
    { .name = "grid 30, 90 minutes, no buffer",
      .date = TUE, .grid = 30, .dur = 90, .buf = 0,
      .open = { "08:00-18:00" }, .nth = 1, .th = { { .work = { "09:00-17:00" } } },
      .nrooms = 1, .expect = { "09:00-15:30 1" } },
    { .name = "grid 20 against work that starts off the grid",
      .date = TUE, .grid = 20, .dur = 60, .buf = 0,
      .open = { "08:00-18:00" }, .nth = 1, .th = { { .work = { "08:10-12:00" } } },
      .nrooms = 1, .expect = { "08:20-11:00 1" }, .absent = { "08:00" } },
    { .name = "grid 15 against a shift from 09:10: starts anchored to the hour, 09:15 first",
      .date = TUE, .grid = 15, .dur = 60, .buf = 15,
      .open = { "08:00-18:00" }, .nth = 1, .th = { { .work = { "09:10-13:00" } } },
      .nrooms = 1, .expect = { "09:15-12:00 1" }, .absent = { "09:10", "09:25" } },
    { .name = "open all day on an ordinary Sunday: the last start ends at midnight",
      .date = SUN15, .grid = 60, .dur = 60, .buf = 0,
      .open = { "00:00-24:00" }, .nth = 1, .th = { { .work = { "00:00-24:00" } } },
      .nrooms = 1, .expect = { "00:00-23:00 1" } },
};

/* A query built from a row, with storage for its spans. */
struct built {
    struct avail_span open[MAXL];
    struct avail_span work[4][MAXL], tbusy[4][MAXL], toff[4][MAXL], rbusy[3][MAXL];
    struct avail_therapist th[4];
    struct avail_room room[3];
    struct avail_query q;
};

static size_t fill(struct dt_date d, const char *const *src, struct avail_span *dst)
{
    size_t n = 0;
    while (n < MAXL && src[n]) {
        dst[n] = wspan(d, src[n]);
        n++;
    }
    return n;
}

static void build(const struct day_row *r, struct built *b)
{
    memset(b, 0, sizeof *b);
    b->q.tz = anc;
    b->q.date = r->date;
    b->q.grid_min = r->grid;
    b->q.duration_min = r->dur;
    b->q.buffer_min = r->buf;
    b->q.earliest = r->now ? at(r->date, r->now) + (int64_t)r->notice * 60 : DT_UTC_MIN;
    b->q.latest = r->latest ? at(r->date, r->latest) : DT_UTC_MAX;
    b->q.nopen = fill(r->date, r->open, b->open);
    b->q.open = b->open;
    for (size_t t = 0; t < r->nth; t++) {
        b->th[t].work = b->work[t];
        b->th[t].nwork = fill(r->date, r->th[t].work, b->work[t]);
        b->th[t].busy = b->tbusy[t];
        b->th[t].nbusy = fill(r->date, r->th[t].busy, b->tbusy[t]);
        b->th[t].off = b->toff[t];
        b->th[t].noff = fill(r->date, r->th[t].off, b->toff[t]);
    }
    b->q.therapists = b->th;
    b->q.ntherapists = r->nth;
    for (size_t i = 0; i < r->nrooms; i++) {
        b->room[i].busy = b->rbusy[i];
        b->room[i].nbusy = fill(r->date, r->room[i].busy, b->rbusy[i]);
    }
    b->q.rooms = b->room;
    b->q.nrooms = r->nrooms;
}

static int find_start(const struct avail_slot *s, size_t n, int64_t t)
{
    for (size_t i = 0; i < n; i++)
        if (s[i].start == t)
            return 1;
    return 0;
}

static void test_day_table(void **state)
{
    (void)state;
    for (size_t ri = 0; ri < N_ELEMS(day_rows); ri++) {
        const struct day_row *r = &day_rows[ri];
        struct built b;
        struct avail_slot want[AVAIL_MAX_SLOTS], got[AVAIL_MAX_SLOTS];
        size_t nwant = 0;
        char x[32], y[32];

        build(r, &b);
        for (size_t e = 0; e < MAXL && r->expect[e]; e++) {
            char a[6], c[6];
            unsigned mask;
            if (sscanf(r->expect[e], "%5[0-9:]-%5[0-9:] %u", a, c, &mask) != 3)
                fail_msg("bad expect literal '%s'", r->expect[e]);
            for (int m = hhmm(a); m <= hhmm(c); m += r->grid) {
                assert_true(nwant < N_ELEMS(want));
                int64_t s = wall1(r->date, m);
                want[nwant++] = (struct avail_slot){ s, s + r->dur * 60, mask };
            }
        }
        size_t n = avail_day(&b.q, got, N_ELEMS(got));
        if (n != nwant)
            fail_msg("%s: %zu starts, want %zu (first %s)", r->name, n, nwant,
                     n ? show(got[0].start, x) : "-");
        for (size_t i = 0; i < n; i++)
            if (got[i].start != want[i].start || got[i].end != want[i].end ||
                got[i].therapists != want[i].therapists)
                fail_msg("%s: slot %zu is %s mask %llx, want %s mask %llx", r->name, i,
                         show(got[i].start, x), (unsigned long long)got[i].therapists,
                         show(want[i].start, y), (unsigned long long)want[i].therapists);
        for (size_t i = 0; i < MAXL && r->present[i]; i++)
            if (!find_start(got, n, at(r->date, r->present[i])))
                fail_msg("%s: %s not offered", r->name, r->present[i]);
        for (size_t i = 0; i < MAXL && r->absent[i]; i++)
            if (find_start(got, n, at(r->date, r->absent[i])))
                fail_msg("%s: %s offered", r->name, r->absent[i]);
        /* avail_fits says the same, start by start (notice and horizon aside). */
        for (size_t i = 0; i < n; i++)
            for (size_t t = 0; t < r->nth; t++) {
                size_t room = 99;
                int f = avail_fits(&b.q, t, got[i].start, &room);
                if (f != (int)(got[i].therapists >> t & 1))
                    fail_msg("%s: avail_fits(%zu, %s) = %d", r->name, t, show(got[i].start, x), f);
                if (f)
                    assert_true(room < r->nrooms);
            }
    }
}

/* avail_fits on the weekday rows: the break, the grid, another day, rooms. */
static void test_fits(void **state)
{
    (void)state;
    struct built b;
    size_t room = 99;

    build(&day_rows[0], &b);
    b.q.earliest = b.q.latest = 0; /* ignored by avail_fits */
    assert_int_equal(avail_fits(&b.q, 0, at(tue, "10:45"), &room), 1);
    assert_int_equal(room, 0);
    assert_int_equal(avail_fits(&b.q, 0, at(tue, "10:45"), NULL), 1);
    assert_int_equal(avail_fits(&b.q, 0, at(tue, "11:00"), &room), 1); /* ends at the break */
    assert_int_equal(avail_fits(&b.q, 0, at(tue, "11:15"), &room), 0);
    assert_int_equal(avail_fits(&b.q, 0, at(tue, "10:30") + 60, NULL), 0); /* off grid */
    assert_int_equal(avail_fits(&b.q, 0, at(tue, "10:30") + 1, NULL), 0);  /* off grid */
    assert_int_equal(avail_fits(&b.q, 0, at(D(2026, 3, 11), "10:30"), NULL), 0); /* other day */
    assert_int_equal(avail_fits(&b.q, 1, at(tue, "10:30"), NULL), 0); /* no such therapist */
    assert_int_equal(avail_fits(&b.q, 0, INT64_MAX, NULL), 0);
    assert_int_equal(avail_fits(&b.q, 0, INT64_MIN, NULL), 0);
    assert_int_equal(avail_fits(NULL, 0, at(tue, "10:30"), NULL), 0);

    /* The first free room is reported. */
    build(&day_rows[6], &b);
    assert_int_equal(avail_fits(&b.q, 1, at(tue, "09:00"), &room), 1);
    assert_int_equal(room, 1);
    assert_int_equal(avail_fits(&b.q, 1, at(tue, "11:00"), &room), 1);
    assert_int_equal(room, 0);
    /* No room at all. */
    build(&day_rows[7], &b);
    assert_int_equal(avail_fits(&b.q, 0, at(tue, "09:00"), &room), 0);
    b.q.nrooms = 0;
    assert_int_equal(avail_fits(&b.q, 0, at(tue, "12:00"), &room), 0);
}

/* Queries outside the documented ranges offer nothing; a short buffer says
 * how many there are and holds the first ones. */
static void test_invalid_and_cap(void **state)
{
    (void)state;
    struct built b;
    struct avail_slot got[AVAIL_MAX_SLOTS], few[4];
    const struct day_row *r = &day_rows[0];

    build(r, &b);
    size_t n = avail_day(&b.q, got, N_ELEMS(got));
    assert_int_equal(n, 24);
    memset(few, 0x5a, sizeof few);
    assert_int_equal(avail_day(&b.q, few, 3), 24);
    assert_memory_equal(few, got, 3 * sizeof few[0]);
    unsigned char junk[sizeof few[0]];
    memset(junk, 0x5a, sizeof junk);
    assert_memory_equal(&few[3], junk, sizeof junk);
    assert_int_equal(avail_day(&b.q, NULL, 0), 24);

    struct avail_query q;
    q = b.q, q.grid_min = 0;
    assert_int_equal(avail_day(&q, got, N_ELEMS(got)), 0);
    q = b.q, q.grid_min = 61;
    assert_int_equal(avail_day(&q, got, N_ELEMS(got)), 0);
    q = b.q, q.duration_min = 0;
    assert_int_equal(avail_day(&q, got, N_ELEMS(got)), 0);
    q = b.q, q.buffer_min = -1;
    assert_int_equal(avail_day(&q, got, N_ELEMS(got)), 0);
    q = b.q, q.tz = NULL;
    assert_int_equal(avail_day(&q, got, N_ELEMS(got)), 0);
    q = b.q, q.open = NULL;
    assert_int_equal(avail_day(&q, got, N_ELEMS(got)), 0);
    q = b.q, q.rooms = NULL;
    assert_int_equal(avail_day(&q, got, N_ELEMS(got)), 0);
    q = b.q, q.date = D(2026, 2, 30);
    assert_int_equal(avail_day(&q, got, N_ELEMS(got)), 0);
    assert_int_equal(avail_day(NULL, got, N_ELEMS(got)), 0);
    b.th[0].off = NULL; /* noff is 1 */
    assert_int_equal(avail_day(&b.q, got, N_ELEMS(got)), 0);
    assert_int_equal(avail_fits(&b.q, 0, at(tue, "10:45"), NULL), 0);

    /* Grid 1 and a long duration: still exact. */
    build(r, &b);
    b.q.grid_min = 1;
    b.q.duration_min = 1;
    b.q.buffer_min = 0;
    /* 08:00..11:59 and 12:30..15:59 */
    assert_int_equal(avail_day(&b.q, NULL, 0), 240 + 210);
}

/* 64 therapists use every bit; a 65th makes the query invalid. */
static void test_sixty_four_therapists(void **state)
{
    (void)state;
    struct avail_therapist th[AVAIL_MAX_THERAPISTS + 1];
    struct avail_span work = wspan(tue, "08:00-10:00"), open = wspan(tue, "08:00-18:00");
    struct avail_span busy = wspan(tue, "08:00-09:00");
    struct avail_room room = { NULL, 0 };
    struct avail_slot got[8];

    for (size_t i = 0; i < N_ELEMS(th); i++)
        th[i] = (struct avail_therapist){ &work, 1, i % 2 ? &busy : NULL, i % 2, NULL, 0 };
    struct avail_query q = { .tz = anc, .date = tue, .grid_min = 60, .duration_min = 60,
                             .earliest = DT_UTC_MIN, .latest = DT_UTC_MAX, .open = &open,
                             .nopen = 1, .therapists = th, .ntherapists = AVAIL_MAX_THERAPISTS,
                             .rooms = &room, .nrooms = 1 };
    assert_int_equal(avail_day(&q, got, N_ELEMS(got)), 2);
    assert_true(got[0].start == at(tue, "08:00"));
    assert_true(got[0].therapists == UINT64_C(0x5555555555555555));
    assert_true(got[1].therapists == UINT64_MAX);
    assert_int_equal(avail_fits(&q, 63, got[1].start, NULL), 1);
    assert_int_equal(avail_fits(&q, 63, got[0].start, NULL), 0);
    q.ntherapists++;
    assert_int_equal(avail_day(&q, got, N_ELEMS(got)), 0);
}

/* A busy list too long to sort on the stack gives the same answer by the
 * per-candidate scan as the same list sorted (read in place). */
static void test_long_busy_lists(void **state)
{
    (void)state;
    enum { N = AVAIL_MAX_SORT + 100 };
    struct avail_span *busy = xmalloc(N * sizeof *busy), *sorted = xmalloc(N * sizeof *sorted);
    struct avail_span open = wspan(tue, "00:00-24:00"), work = wspan(tue, "06:00-22:00");
    struct avail_slot a[200], b[200];
    int64_t day0 = at(tue, "00:00");

    /* Spans of 10 minutes every 20 minutes from 06:00, some in the far past;
     * stored in reverse so the list is unsorted. */
    for (size_t i = 0; i < N; i++) {
        int64_t s = i < 48 ? day0 + 6 * 3600 + (int64_t)i * 1200
                           : day0 - 86400 * 30 + (int64_t)i * 60;
        sorted[i] = (struct avail_span){ s, s + 600 };
    }
    for (size_t i = 0; i < N; i++)
        busy[i] = sorted[i < 48 ? 47 - i : i];
    /* sorted[] has the day's spans first: rotate the past ones before them. */
    struct avail_span *tmp = xmalloc(N * sizeof *tmp);
    memcpy(tmp, sorted + 48, (N - 48) * sizeof *tmp);
    memcpy(tmp + (N - 48), sorted, 48 * sizeof *tmp);
    memcpy(sorted, tmp, N * sizeof *tmp);
    free(tmp);

    struct avail_therapist th = { &work, 1, busy, N, NULL, 0 };
    struct avail_room room = { busy, N };
    struct avail_query q = { .tz = anc, .date = tue, .grid_min = 5, .duration_min = 5,
                             .buffer_min = 0, .earliest = DT_UTC_MIN, .latest = DT_UTC_MAX,
                             .open = &open, .nopen = 1, .therapists = &th, .ntherapists = 1,
                             .rooms = &room, .nrooms = 1 };
    size_t na = avail_day(&q, a, N_ELEMS(a));
    th.busy = sorted;
    room.busy = sorted;
    size_t nb = avail_day(&q, b, N_ELEMS(b));
    /* Work 06:00-22:00, busy 06:00-06:10, 06:20-06:30, ..., 21:40-21:50:
     * two 5-minute starts in each of the 48 free 10-minute gaps. */
    assert_int_equal(na, nb);
    assert_int_equal(na, 48 * 2);
    assert_memory_equal(a, b, na * sizeof a[0]);
    th.busy = busy;
    assert_int_equal(avail_fits(&q, 0, at(tue, "06:10"), NULL), 1);
    assert_int_equal(avail_fits(&q, 0, at(tue, "06:05"), NULL), 0);
    free(busy);
    free(sorted);
}

/* Empty and inverted spans are nothing, wherever they sit in a list. */
static void test_empty_spans(void **state)
{
    (void)state;
    int64_t t10 = at(tue, "10:00"), t11 = at(tue, "11:00");
    struct avail_span open = wspan(tue, "08:00-18:00"), work = wspan(tue, "08:00-16:00");
    /* Sorted by start (read in place) and unsorted (copied and sorted). */
    struct avail_span sorted[] = { { t10 + 1800, t10 + 1800 }, { t10 + 2400, t10 + 600 },
                                   { t11, t11 + 3600 }, { t11 + 1800, t11 + 1800 } };
    struct avail_span unsorted[] = { { t11, t11 + 3600 }, { t10 + 600, t10 + 60 },
                                     { t10 + 60, t10 + 60 } };
    struct avail_span work_gaps[] = { { t10, t10 }, work, { t10 + 60, t10 } };
    struct avail_therapist th = { &work, 1, sorted, N_ELEMS(sorted), NULL, 0 };
    struct avail_room room = { unsorted, N_ELEMS(unsorted) };
    struct avail_query q = { .tz = anc, .date = tue, .grid_min = 60, .duration_min = 60,
                             .earliest = DT_UTC_MIN, .latest = DT_UTC_MAX, .open = &open,
                             .nopen = 1, .therapists = &th, .ntherapists = 1, .rooms = &room,
                             .nrooms = 1 };
    struct avail_slot got[16];

    /* 08:00 .. 15:00 except 11:00 (busy 11:00-12:00). */
    assert_int_equal(avail_day(&q, got, N_ELEMS(got)), 7);
    assert_true(got[2].start == t10 && got[3].start == t11 + 3600);
    th.work = work_gaps;
    th.nwork = N_ELEMS(work_gaps);
    assert_int_equal(avail_day(&q, got, N_ELEMS(got)), 7);
    assert_int_equal(avail_fits(&q, 0, t10, NULL), 1);
    assert_int_equal(avail_fits(&q, 0, t11, NULL), 0);
}

/* ---- DST ---- */

static void all_day_query(struct avail_query *q, struct dt_date d, struct avail_span *open,
                          struct avail_therapist *th, struct avail_room *room)
{
    assert_int_equal(avail_wall_span(anc, d, 0, 1440, open), 0);
    *th = (struct avail_therapist){ open, 1, NULL, 0, NULL, 0 };
    *room = (struct avail_room){ NULL, 0 };
    *q = (struct avail_query){ .tz = anc, .date = d, .grid_min = 15, .duration_min = 1,
                               .buffer_min = 0, .earliest = DT_UTC_MIN, .latest = DT_UTC_MAX,
                               .open = open, .nopen = 1, .therapists = th, .ntherapists = 1,
                               .rooms = room, .nrooms = 1 };
}

static void test_dst_spring_forward(void **state)
{
    (void)state;
    struct dt_date d = D(2026, 3, 8); /* a Sunday; 02:00 AKST jumps to 03:00 AKDT */
    struct avail_query q;
    struct avail_span open;
    struct avail_therapist th;
    struct avail_room room;
    struct avail_slot got[AVAIL_MAX_SLOTS];
    char x[32];

    all_day_query(&q, d, &open, &th, &room);
    assert_true(open.end - open.start == 23 * 3600);
    size_t n = avail_day(&q, got, N_ELEMS(got));
    assert_int_equal(n, 23 * 4);
    for (size_t i = 0; i < n; i++) {
        struct dt_civil c;
        tz_to_local(anc, got[i].start, &c, NULL);
        if (c.hour == 2)
            fail_msg("offered %s, which does not exist", show(got[i].start, x));
        assert_true(c.year == 2026 && c.month == 3 && c.day == 8 && c.min % 15 == 0 && c.sec == 0);
        assert_true(got[i].end == got[i].start + 60);
        if (i > 0)
            assert_true(got[i].start - got[i - 1].start == 900);
    }
    assert_true(got[0].start == open.start);
    /* 01:45 AKST and 03:00 AKDT are neighbours, 15 real minutes apart. */
    assert_true(got[7].start == wall1(d, 105));
    assert_true(got[8].start == wall1(d, 180));
    /* avail_fits agrees, and a minute after 01:45 is off the grid. */
    assert_int_equal(avail_fits(&q, 0, got[8].start, NULL), 1);
    assert_int_equal(avail_fits(&q, 0, got[7].start + 60, NULL), 0);
}

static void test_dst_fall_back(void **state)
{
    (void)state;
    struct dt_date d = D(2026, 11, 1); /* 02:00 AKDT falls back to 01:00 AKST */
    struct avail_query q;
    struct avail_span open;
    struct avail_therapist th;
    struct avail_room room;
    struct avail_slot got[AVAIL_MAX_SLOTS];

    all_day_query(&q, d, &open, &th, &room);
    assert_true(open.end - open.start == 25 * 3600);
    size_t n = avail_day(&q, got, N_ELEMS(got));
    assert_int_equal(n, 25 * 4);
    int seen[4][2] = { { 0 } }; /* 01:00..01:45: how often, and the instants */
    int64_t inst[4][2] = { { 0 } };
    for (size_t i = 0; i < n; i++) {
        struct dt_civil c;
        tz_to_local(anc, got[i].start, &c, NULL);
        assert_true(c.year == 2026 && c.month == 11 && c.day == 1 && c.min % 15 == 0);
        if (i > 0)
            assert_true(got[i].start - got[i - 1].start == 900); /* strictly increasing */
        if (c.hour == 1) {
            int k = c.min / 15, j = seen[k][0]++;
            assert_true(j < 2);
            inst[k][j] = got[i].start;
        }
    }
    for (int k = 0; k < 4; k++) {
        assert_int_equal(seen[k][0], 2);
        assert_true(inst[k][1] - inst[k][0] == 3600);
        assert_int_equal(avail_fits(&q, 0, inst[k][0], NULL), 1);
        assert_int_equal(avail_fits(&q, 0, inst[k][1], NULL), 1);
    }
    /* 01:30 AKDT is 09:30Z, 01:30 AKST 10:30Z. */
    int64_t a, b;
    assert_int_equal(dt_parse_rfc3339("2026-11-01T09:30:00Z", &a, NULL), 0);
    assert_int_equal(dt_parse_rfc3339("2026-11-01T10:30:00Z", &b, NULL), 0);
    assert_true(inst[2][0] == a && inst[2][1] == b);

    /* The notice can cut between the two 01:15s. */
    q.earliest = inst[1][0] + 1;
    n = avail_day(&q, got, N_ELEMS(got));
    assert_true(got[0].start == inst[2][0]);
    assert_true(find_start(got, n, inst[1][1]));
}

/* The buffer protects the next session, not the end of a shift, on the two
 * DST days too (issue 13 item 16): the last session of a shift that crosses
 * the change ends with the shift, whatever the buffer, and the hour after
 * an appointment is still kept by its buffer. */
static void test_buffer_dst(void **state)
{
    (void)state;
    static const struct {
        struct dt_date d;
        int work_to, off_from;    /* wall minutes; work from 00:00; off: to 23:59 (-1: none) */
        const char *busy_utc;     /* an appointment with its buffer, "HH:MM" UTC start, or NULL */
        int nstarts;              /* starts offered */
        const char *last_utc;     /* the last start, UTC */
    } rows[] = {
        /* 00:00-04:00 wall is three real hours: 00 AKST, 01 AKST, 03 AKDT */
        { { 2026, 3, 8 }, 240, -1, NULL, 3, "2026-03-08T11:00:00Z" },
        /* with a break from 03:00 AKDT: 01:00 AKST ends at it */
        { { 2026, 3, 8 }, 240, 180, NULL, 2, "2026-03-08T10:00:00Z" },
        /* an appointment 09:00Z-10:30Z (01:00 AKST + buffer): 00:00 AKST would
         * end at 01:00 but its buffer meets it; 03:00 AKDT (11:00Z) is free */
        { { 2026, 3, 8 }, 240, -1, "09:00", 1, "2026-03-08T11:00:00Z" },
        /* 00:00-02:00 wall is three real hours: 00 AKDT, 01 AKDT, 01 AKST */
        { { 2026, 11, 1 }, 120, -1, NULL, 3, "2026-11-01T10:00:00Z" },
        /* a break from the second 01:00 (AKST): the first 01:00 ends at it */
        { { 2026, 11, 1 }, 120, 60, NULL, 2, "2026-11-01T09:00:00Z" },
    };
    for (size_t i = 0; i < N_ELEMS(rows); i++) {
        struct avail_span open, work, off, busy;
        struct avail_slot got[16];
        int64_t last;
        assert_int_equal(avail_wall_span(anc, rows[i].d, 0, 1440, &open), 0);
        assert_int_equal(avail_wall_span(anc, rows[i].d, 0, rows[i].work_to, &work), 0);
        size_t noff = 0, nbusy = 0;
        if (rows[i].off_from >= 0) {
            assert_int_equal(avail_wall_span(anc, rows[i].d, rows[i].off_from, 1439, &off), 0);
            if (rows[i].d.month == 11) /* the later 01:00 */
                off.start += 3600;
            noff = 1;
        }
        if (rows[i].busy_utc) {
            char iso[40];
            snprintf(iso, sizeof iso, "%04d-%02d-%02dT%s:00Z", rows[i].d.year, rows[i].d.month,
                     rows[i].d.day, rows[i].busy_utc);
            assert_int_equal(dt_parse_rfc3339(iso, &busy.start, NULL), 0);
            busy.end = busy.start + 90 * 60;
            nbusy = 1;
        }
        struct avail_therapist th = { &work, 1, &busy, nbusy, &off, noff };
        struct avail_room room = { NULL, 0 };
        struct avail_query q = { .tz = anc, .date = rows[i].d, .grid_min = 60,
                                 .duration_min = 60, .buffer_min = 30, .earliest = DT_UTC_MIN,
                                 .latest = DT_UTC_MAX, .open = &open, .nopen = 1,
                                 .therapists = &th, .ntherapists = 1, .rooms = &room,
                                 .nrooms = 1 };
        size_t n = avail_day(&q, got, N_ELEMS(got));
        assert_int_equal(dt_parse_rfc3339(rows[i].last_utc, &last, NULL), 0);
        if (n != (size_t)rows[i].nstarts || got[n - 1].start != last) {
            char x[32];
            fail_msg("row %zu: %zu starts, the last %s", i, n, n ? show(got[n - 1].start, x) : "-");
        }
        assert_true(got[n - 1].end == work.end || rows[i].off_from >= 0 || rows[i].busy_utc);
        assert_int_equal(avail_fits(&q, 0, last, NULL), 1);
    }
}

/* ---- helpers ---- */

static void test_wall_span(void **state)
{
    (void)state;
    static const struct {
        struct dt_date d;
        int from, to, rc;
        const char *start, *end; /* RFC 3339, when rc == 0 */
    } rows[] = {
        { { 2026, 3, 10 }, 480, 960, 0, "2026-03-10T08:00:00-08:00", "2026-03-10T16:00:00-08:00" },
        { { 2026, 1, 5 }, 0, 1440, 0, "2026-01-05T00:00:00-09:00", "2026-01-06T00:00:00-09:00" },
        { { 2026, 3, 8 }, 0, 1440, 0, "2026-03-08T00:00:00-09:00", "2026-03-09T00:00:00-08:00" },
        /* Start in the gap: the end of the gap (03:00 AKDT, 11:00Z). */
        { { 2026, 3, 8 }, 150, 300, 0, "2026-03-08T03:00:00-08:00", "2026-03-08T05:00:00-08:00" },
        { { 2026, 3, 8 }, 120, 300, 0, "2026-03-08T03:00:00-08:00", "2026-03-08T05:00:00-08:00" },
        /* End in the gap: when the clock jumps. */
        { { 2026, 3, 8 }, 60, 150, 0, "2026-03-08T01:00:00-09:00", "2026-03-08T03:00:00-08:00" },
        /* Both in the gap: empty. */
        { { 2026, 3, 8 }, 125, 170, -1, NULL, NULL },
        /* Ambiguous start: earlier; ambiguous end: later. */
        { { 2026, 11, 1 }, 90, 300, 0, "2026-11-01T01:30:00-08:00", "2026-11-01T05:00:00-09:00" },
        { { 2026, 11, 1 }, 0, 90, 0, "2026-11-01T00:00:00-08:00", "2026-11-01T01:30:00-09:00" },
        { { 2026, 11, 1 }, 60, 60, 0, "2026-11-01T01:00:00-08:00", "2026-11-01T01:00:00-09:00" },
        { { 2026, 11, 1 }, 0, 1440, 0, "2026-11-01T00:00:00-08:00", "2026-11-02T00:00:00-09:00" },
        /* Empty or invalid. */
        { { 2026, 3, 10 }, 600, 600, -1, NULL, NULL },
        { { 2026, 3, 10 }, 600, 540, -1, NULL, NULL },
        { { 2026, 3, 10 }, -1, 540, -1, NULL, NULL },
        { { 2026, 3, 10 }, 0, 1441, -1, NULL, NULL },
        { { 2026, 2, 29 }, 0, 60, -1, NULL, NULL },
        { { 10000, 1, 1 }, 0, 60, -1, NULL, NULL },
    };
    for (size_t i = 0; i < N_ELEMS(rows); i++) {
        struct avail_span sp = { 7, 8 };
        int rc = avail_wall_span(anc, rows[i].d, rows[i].from, rows[i].to, &sp);
        if (rc != rows[i].rc)
            fail_msg("row %zu: rc %d", i, rc);
        if (rc != 0) {
            assert_true(sp.start == 7 && sp.end == 8); /* unchanged */
            continue;
        }
        int64_t s, e;
        assert_int_equal(dt_parse_rfc3339(rows[i].start, &s, NULL), 0);
        assert_int_equal(dt_parse_rfc3339(rows[i].end, &e, NULL), 0);
        if (sp.start != s || sp.end != e) {
            char x[32], y[32];
            fail_msg("row %zu: %s .. %s", i, show(sp.start, x), show(sp.end, y));
        }
    }
    struct avail_span sp;
    assert_int_equal(avail_wall_span(NULL, tue, 0, 60, &sp), -1);
    assert_int_equal(avail_wall_span(anc, tue, 0, 60, NULL), -1);
}

/* Zones whose gap is not on a whole minute (local mean time) and whose whole
 * day was skipped: the gap end is still the instant of the jump. */
static void test_wall_span_odd_zones(void **state)
{
    (void)state;
    struct tz *apia = NULL;
    char err[256];
    struct avail_span sp;

    if (tzload_load("Pacific/Apia", &apia, err, sizeof err) == 0) {
        /* 2011-12-30 did not exist there: 2011-12-29 24:00 is 2011-12-31 00:00. */
        assert_int_equal(avail_wall_span(apia, D(2011, 12, 30), 0, 1440, &sp), -1);
        assert_int_equal(avail_wall_span(apia, D(2011, 12, 29), 600, 1440, &sp), 0);
        assert_true(sp.end == tz_day_start(apia, D(2011, 12, 31)));
        tz_free(apia);
    }
    /* In every gap of 2026 in a few zones (Lord Howe's is half an hour), a
     * start or end inside the gap is the instant found by walking the clock. */
    static const char *zones[] = { "America/Anchorage", "Europe/Berlin", "Australia/Lord_Howe",
                                   "America/St_Johns" };
    for (size_t z = 0; z < N_ELEMS(zones); z++) {
        struct tz *tz = NULL;
        if (tzload_load(zones[z], &tz, err, sizeof err) != 0)
            continue;
        for (int day = 0; day < 365; day++) {
            struct dt_date d = dt_date_add(D(2026, 1, 1), day);
            if (tz_day_seconds(tz, d) == 86400)
                continue;
            for (int m = 0; m < 1440; m += 1) {
                int64_t t[2];
                if (tz_wall_to_utc(tz, d, m, t) != 0)
                    continue;
                /* The first instant whose wall time is after minute m. */
                int64_t L = dt_date_to_days(d) * 86400 + m * 60, u = L - 15 * 3600;
                while (u + tz_offset_at(tz, u) < L)
                    u += 60;
                while (u - 1 + tz_offset_at(tz, u - 1) >= L)
                    u--;
                assert_int_equal(avail_wall_span(tz, d, m, 1440, &sp), 0);
                assert_true(sp.start == u);
                assert_int_equal(avail_wall_span(tz, d, 0, m, &sp), 0);
                assert_true(sp.end == u);
            }
        }
        tz_free(tz);
    }
}

static void test_pick_therapist(void **state)
{
    (void)state;
    /* minutes booked that day; last assignment (at, id) */
    static const struct avail_load load[] = {
        { 120, 0, 0 }, { 60, 500, 7 }, { 60, 400, 9 }, { 0, 900, 12 }, { 90, 0, 0 },
        { 60, 400, 8 }, { 60, 0, 0 },
    };
    static const struct {
        uint64_t mask;
        size_t n;
        int want;
    } rows[] = {
        { 0x1f, 5, 3 },  /* fewest minutes, however recently assigned */
        { 0x17, 5, 2 },  /* 60 and 60: the one assigned earlier (400 < 500) */
        { 0x16, 5, 2 },  { 0x14, 5, 2 }, { 0x11, 5, 4 }, { 0x01, 5, 0 },
        { 0x06, 5, 2 },
        { 0x26, 6, 5 },  /* same second: the lower id (8 < 9) */
        { 0x66, 7, 6 },  /* never assigned comes first */
        { 0x00, 5, -1 }, /* empty */
        { 0x08, 3, -1 }, /* bit beyond n */
        { 0x09, 3, 0 },  /* bit beyond n ignored */
        { 0x1f, 0, -1 },
    };
    for (size_t i = 0; i < N_ELEMS(rows); i++)
        if (avail_pick_therapist(rows[i].mask, load, rows[i].n) != rows[i].want)
            fail_msg("row %zu: got %d", i, avail_pick_therapist(rows[i].mask, load, rows[i].n));
    assert_int_equal(avail_pick_therapist(0x6, NULL, 5), 1); /* no loads: lowest index */
    struct avail_load all_zero[64] = { { 0, 0, 0 } };
    assert_int_equal(avail_pick_therapist(UINT64_C(1) << 63, all_zero, 64), 63);
    assert_int_equal(avail_pick_therapist(UINT64_C(0xf0), all_zero, 64), 4);
}

/* ---- randomized comparison with an oracle ---- */

struct rng {
    uint64_t s;
};

static uint64_t rnd(struct rng *r) /* splitmix64 */
{
    uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static int64_t rin(struct rng *r, int64_t lo, int64_t hi) /* inclusive */
{
    return lo + (int64_t)(rnd(r) % (uint64_t)(hi - lo + 1));
}

/* Fairness (issue 13 item 15): a clinic's "any therapist" bookings, made one
 * after another at random times of random days (sixty, so most days hold one
 * or two and the tie-break decides), with every therapist free
 * as often.  The engine offers, avail_pick_therapist chooses from the loads
 * a store would hold, and the booking is added; over 100 bookings no
 * therapist gets more than 1.5 times another's share.  Seeded, so the same
 * every run; several seeds and clinic sizes. */
#define F_DAYS 60 /* most days get one or two: the tie-break decides */
#define F_TH 4
#define F_BOOKINGS 100

static void test_fair_shares(void **state)
{
    (void)state;
    static const uint64_t seeds[] = { 1, 7, 42, 20260308, 977 };
    for (size_t si = 0; si < N_ELEMS(seeds); si++)
        for (size_t nth = 2; nth <= F_TH; nth++) {
            struct rng r = { seeds[si] };
            static struct avail_span busy[F_DAYS][F_TH][F_BOOKINGS];
            size_t nbusy[F_DAYS][F_TH] = { { 0 } };
            int booked[F_DAYS][F_TH] = { { 0 } };
            struct avail_load load[F_TH];
            int count[F_TH] = { 0 };
            memset(load, 0, sizeof load);
            for (int b = 0, made = 0; made < F_BOOKINGS && b < 10 * F_BOOKINGS; b++) {
                int day = (int)rin(&r, 0, F_DAYS - 1);
                struct dt_date d = dt_date_add(tue, day);
                struct avail_span open = wspan(d, "08:00-18:00");
                struct avail_therapist th[F_TH];
                struct avail_room rooms[F_TH];
                for (size_t t = 0; t < nth; t++) {
                    th[t] = (struct avail_therapist){ &open, 1, busy[day][t], nbusy[day][t],
                                                      NULL, 0 };
                    rooms[t] = (struct avail_room){ NULL, 0 };
                }
                struct avail_query q = { .tz = anc, .date = d, .grid_min = 30,
                                         .duration_min = 60, .buffer_min = 15,
                                         .earliest = DT_UTC_MIN, .latest = DT_UTC_MAX,
                                         .open = &open, .nopen = 1, .therapists = th,
                                         .ntherapists = nth, .rooms = rooms, .nrooms = nth };
                struct avail_slot got[AVAIL_MAX_SLOTS];
                size_t n = avail_day(&q, got, N_ELEMS(got));
                if (n == 0)
                    continue;
                const struct avail_slot *sl = &got[rin(&r, 0, (int64_t)n - 1)];
                /* what the store would hold: each one's minutes that day */
                for (size_t k = 0; k < nth; k++)
                    load[k].booked_min = booked[day][k];
                int t = avail_pick_therapist(sl->therapists, load, nth);
                assert_true(t >= 0 && (sl->therapists >> t & 1));
                busy[day][t][nbusy[day][t]++] =
                    (struct avail_span){ sl->start, sl->end + 15 * 60 };
                booked[day][t] += 75;
                made++;
                count[t]++;
                load[t].last_at = 1000; /* every booking in the same second (a pinned clock) */
                load[t].last_id = made;
            }
            int lo = F_BOOKINGS, hi = 0;
            for (size_t t = 0; t < nth; t++) {
                lo = count[t] < lo ? count[t] : lo;
                hi = count[t] > hi ? count[t] : hi;
            }
            if (2 * hi > 3 * lo)
                fail_msg("seed %llu, %zu therapists: shares from %d to %d",
                         (unsigned long long)seeds[si], nth, lo, hi);
        }
}

#define R_TH 5
#define R_ROOMS 3
#define R_SPANS 800
#define R_MINUTES (5 * 1440) /* the oracle's window: day start - 2 days .. */

struct rcase {
    struct avail_query q;
    struct avail_span open[8];
    struct avail_span work[R_TH][R_SPANS];
    struct avail_span tbusy[R_TH][R_SPANS];
    struct avail_span toff[R_TH][R_SPANS];
    struct avail_span rbusy[R_ROOMS][R_SPANS];
    struct avail_therapist th[R_TH];
    struct avail_room room[R_ROOMS];
    int64_t day0, day1, base;
};

/* A random instant near the day, on a 15-, 5- or 1-minute boundary. */
static int64_t rpoint(struct rng *r, const struct rcase *c)
{
    int64_t t = rin(r, c->day0 - 3 * 3600, c->day1 + 3 * 3600) / 60 * 60;
    int a = (int)rin(r, 0, 9);
    int64_t step = a < 6 ? 900 : a < 9 ? 300 : 60;
    return t / step * step;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Up to k sorted, non-overlapping spans (they may touch). */
static size_t rsorted(struct rng *r, const struct rcase *c, int k, struct avail_span *out)
{
    int64_t p[8];
    size_t n = 0;
    for (int i = 0; i < 2 * k; i++)
        p[i] = rpoint(r, c);
    qsort(p, (size_t)(2 * k), sizeof p[0], cmp_i64);
    for (int i = 0; i < k; i++)
        if (p[2 * i] < p[2 * i + 1])
            out[n++] = (struct avail_span){ p[2 * i], p[2 * i + 1] };
    /* Sometimes make two neighbours touch. */
    if (n >= 2 && rin(r, 0, 3) == 0)
        out[1].start = out[0].end;
    return n;
}

static int cmp_span(const void *a, const void *b)
{
    const struct avail_span *x = a, *y = b;
    return (x->start > y->start) - (x->start < y->start);
}

/* Pads a list with hundreds of spans far in the past, inserted at random
 * places, so that it is unsorted and longer than AVAIL_MAX_SORT (or, by a
 * few, not).  Returns the new length. */
static size_t rpad(struct rng *r, const struct rcase *c, struct avail_span *out, size_t n)
{
    size_t extra = (size_t)rin(r, AVAIL_MAX_SORT - 20, R_SPANS - 10);
    for (size_t i = 0; i < extra && n < R_SPANS; i++) {
        int64_t s = c->day0 - rin(r, 3, 30) * 86400 + rin(r, 0, 1439) * 60;
        size_t j = (size_t)rin(r, 0, (int64_t)n); /* insert at j, old one moves to the end */
        out[n++] = out[j];
        out[j] = (struct avail_span){ s, s + 1800 };
    }
    return n;
}

/* Random busy spans in any order, some empty (end <= start); sometimes
 * sorted by start, sometimes padded past AVAIL_MAX_SORT. */
static size_t rbusy(struct rng *r, const struct rcase *c, struct avail_span *out)
{
    size_t n = 0;
    int k = (int)rin(r, 0, 8);
    for (int i = 0; i < k; i++) {
        int64_t s = rpoint(r, c);
        int64_t len = rin(r, 1, 48) * 300;
        if (rin(r, 0, 3) == 0)
            len = rin(r, 1, 240) * 60;
        if (rin(r, 0, 7) == 0)
            len = -rin(r, 0, 60) * 60; /* empty or inverted: ignored */
        out[n++] = (struct avail_span){ s, s + len };
    }
    if (rin(r, 0, 99) < 3)
        n = rpad(r, c, out, n);
    if (rin(r, 0, 2) == 0)
        qsort(out, n, sizeof out[0], cmp_span);
    return n;
}

static void rcase_make(struct rng *r, struct rcase *c)
{
    static const int grids[] = { 5, 10, 15, 20, 30, 60 };
    static const int odd_grids[] = { 1, 7, 13, 45 };
    struct avail_query *q = &c->q;

    memset(q, 0, sizeof *q);
    q->tz = anc;
    int which = (int)rin(r, 0, 19);
    q->date = which < 4   ? D(2026, 3, 8)
              : which < 8 ? D(2026, 11, 1)
                          : dt_date_add(D(2026, 1, 1), (int)rin(r, 0, 364));
    q->grid_min = rin(r, 0, 19) == 0 ? odd_grids[rin(r, 0, 3)] : grids[rin(r, 0, 5)];
    q->duration_min = (int)(rin(r, 0, 3) == 0 ? rin(r, 1, 200) : rin(r, 1, 12) * 15);
    q->buffer_min = (int)(rin(r, 0, 2) == 0 ? 0 : rin(r, 0, 30));
    c->day0 = tz_day_start(anc, q->date);
    c->day1 = tz_day_start(anc, dt_date_add(q->date, 1));
    c->base = c->day0 - 2 * 86400;

    int o = (int)rin(r, 0, 9);
    if (o == 0)
        q->nopen = 0;
    else if (o < 4)
        c->open[0] = (struct avail_span){ c->day0, c->day1 }, q->nopen = 1;
    else
        q->nopen = rsorted(r, c, (int)rin(r, 1, 3), c->open);
    q->open = c->open;

    q->ntherapists = (size_t)rin(r, 0, R_TH);
    for (size_t t = 0; t < q->ntherapists; t++) {
        c->th[t].work = c->work[t];
        if (rin(r, 0, 4) == 0) {
            c->work[t][0] = (struct avail_span){ c->day0 - 3600, c->day1 + 3600 };
            c->th[t].nwork = 1;
        } else {
            c->th[t].nwork = rsorted(r, c, (int)rin(r, 0, 3), c->work[t]);
        }
        /* Beyond the contract (work is sorted): an unsorted work list, short
         * or too long to sort, still means the union of its spans. */
        if (rin(r, 0, 99) < 3)
            c->th[t].nwork = rpad(r, c, c->work[t], c->th[t].nwork);
        else if (rin(r, 0, 99) < 3 && c->th[t].nwork >= 2) {
            struct avail_span tmp = c->work[t][0];
            c->work[t][0] = c->work[t][1];
            c->work[t][1] = tmp;
        }
        c->th[t].busy = c->tbusy[t];
        c->th[t].nbusy = rbusy(r, c, c->tbusy[t]);
        c->th[t].off = c->toff[t];
        c->th[t].noff = rin(r, 0, 2) == 0 ? 0 : rbusy(r, c, c->toff[t]);
    }
    q->therapists = c->th;
    q->nrooms = (size_t)rin(r, 0, R_ROOMS);
    for (size_t i = 0; i < q->nrooms; i++) {
        c->room[i].busy = c->rbusy[i];
        c->room[i].nbusy = rbusy(r, c, c->rbusy[i]);
    }
    q->rooms = c->room;

    int e = (int)rin(r, 0, 9);
    if (e < 4) {
        q->earliest = DT_UTC_MIN;
        q->latest = DT_UTC_MAX;
    } else {
        q->earliest = rin(r, c->day0 - 7200, c->day1 + 3600);
        if (e == 4)
            q->earliest = q->earliest / 900 * 900; /* exactly on a quarter hour */
        q->latest = e == 5 ? q->earliest - rin(r, 1, 7200) : q->earliest + rin(r, 0, 30 * 3600);
        if (e == 6)
            q->latest = q->latest / 300 * 300; /* often exactly a grid point */
    }
}

/* The oracle's view of the case: free minutes as bitmaps, relative to base. */
struct oracle {
    unsigned char open[R_MINUTES], work[R_TH][R_MINUTES], tbusy[R_TH][R_MINUTES],
        toff[R_TH][R_MINUTES], rbusy[R_ROOMS][R_MINUTES];
    int64_t grid[3000];
    size_t ngrid;
};

static void mark(unsigned char *bits, int64_t base, const struct avail_span *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (int64_t t = v[i].start; t < v[i].end; t += 60) {
            int64_t k = (t - base) / 60;
            if (k >= 0 && k < R_MINUTES)
                bits[k] = 1;
        }
}

static int all_set(const unsigned char *bits, int64_t base, int64_t s, int64_t len)
{
    for (int64_t t = s; t < s + len; t += 60)
        if (!bits[(t - base) / 60])
            return 0;
    return 1;
}

static int none_set(const unsigned char *bits, int64_t base, int64_t s, int64_t len)
{
    for (int64_t t = s; t < s + len; t += 60)
        if (bits[(t - base) / 60])
            return 0;
    return 1;
}

static void oracle_build(struct oracle *o, const struct rcase *c)
{
    const struct avail_query *q = &c->q;

    memset(o->open, 0, sizeof o->open);
    mark(o->open, c->base, q->open, q->nopen);
    for (size_t t = 0; t < q->ntherapists; t++) {
        memset(o->work[t], 0, R_MINUTES);
        memset(o->tbusy[t], 0, R_MINUTES);
        memset(o->toff[t], 0, R_MINUTES);
        mark(o->work[t], c->base, c->th[t].work, c->th[t].nwork);
        mark(o->tbusy[t], c->base, c->th[t].busy, c->th[t].nbusy);
        mark(o->toff[t], c->base, c->th[t].off, c->th[t].noff);
    }
    for (size_t i = 0; i < q->nrooms; i++) {
        memset(o->rbusy[i], 0, R_MINUTES);
        mark(o->rbusy[i], c->base, c->room[i].busy, c->room[i].nbusy);
    }
    /* Grid instants: every UTC minute around the day whose wall time is on
     * the date at a multiple of the grid. */
    o->ngrid = 0;
    for (int64_t u = c->day0 - 4 * 3600; u < c->day1 + 4 * 3600; u += 60) {
        struct dt_civil lc;
        tz_to_local(anc, u, &lc, NULL);
        if (lc.year == q->date.year && lc.month == q->date.month && lc.day == q->date.day &&
            lc.sec == 0 && (lc.hour * 60 + lc.min) % q->grid_min == 0)
            o->grid[o->ngrid++] = u;
    }
}

/* For grid instant s: the first free room (-1: none) for the session and its
 * buffer, and whether therapist t can take it: the session open, at work and
 * clear of her time off; the session and its buffer clear of her
 * appointments; some room. */
static int oracle_room(const struct oracle *o, const struct rcase *c, int64_t s)
{
    int64_t len = ((int64_t)c->q.duration_min + c->q.buffer_min) * 60;
    for (size_t i = 0; i < c->q.nrooms; i++)
        if (none_set(o->rbusy[i], c->base, s, len))
            return (int)i;
    return -1;
}

static int oracle_fits(const struct oracle *o, const struct rcase *c, size_t t, int64_t s, int room)
{
    int64_t len = ((int64_t)c->q.duration_min + c->q.buffer_min) * 60;
    int64_t dur = (int64_t)c->q.duration_min * 60;
    return room >= 0 && all_set(o->open, c->base, s, dur) && all_set(o->work[t], c->base, s, dur) &&
           none_set(o->toff[t], c->base, s, dur) && none_set(o->tbusy[t], c->base, s, len);
}

static void describe(const struct rcase *c, uint64_t seed, int i)
{
    const struct avail_query *q = &c->q;
    char x[32], y[32];
    fprintf(stderr, "KNEAD_SEED=%llu case %d: %04d-%02d-%02d grid %d dur %d buf %d\n",
            (unsigned long long)seed, i, q->date.year, q->date.month, q->date.day, q->grid_min,
            q->duration_min, q->buffer_min);
    fprintf(stderr, "  earliest %s latest %s\n", show(q->earliest, x), show(q->latest, y));
    for (size_t k = 0; k < q->nopen; k++)
        fprintf(stderr, "  open %s .. %s\n", show(q->open[k].start, x), show(q->open[k].end, y));
    for (size_t t = 0; t < q->ntherapists; t++) {
        for (size_t k = 0; k < c->th[t].nwork; k++)
            fprintf(stderr, "  t%zu work %s .. %s\n", t, show(c->th[t].work[k].start, x),
                    show(c->th[t].work[k].end, y));
        for (size_t k = 0; k < c->th[t].nbusy && k < 12; k++)
            fprintf(stderr, "  t%zu busy %s .. %s\n", t, show(c->th[t].busy[k].start, x),
                    show(c->th[t].busy[k].end, y));
        if (c->th[t].nbusy > 12)
            fprintf(stderr, "  t%zu ... %zu busy in all\n", t, c->th[t].nbusy);
    }
    for (size_t r = 0; r < q->nrooms; r++) {
        for (size_t k = 0; k < c->room[r].nbusy && k < 12; k++)
            fprintf(stderr, "  r%zu busy %s .. %s\n", r, show(c->room[r].busy[k].start, x),
                    show(c->room[r].busy[k].end, y));
        if (c->room[r].nbusy > 12)
            fprintf(stderr, "  r%zu ... %zu busy in all\n", r, c->room[r].nbusy);
    }
}

#define R_CASES 3000
#define GRID_OUT 3000 /* more than any day's grid points */

static void test_random_oracle(void **state)
{
    (void)state;
    uint64_t seed = UINT64_C(20260308);
    const char *env = getenv("KNEAD_SEED");
    int64_t v;
    if (env && *env) {
        if (num_parse_i64(env, 0, INT64_MAX, &v) != 0)
            fail_msg("KNEAD_SEED must be a non-negative integer, got '%s'", env);
        seed = (uint64_t)v;
    }
    struct rcase *c = xmalloc(sizeof *c);
    struct oracle *o = xmalloc(sizeof *o);
    struct avail_slot *got = xmalloc(GRID_OUT * sizeof *got);
    struct rng r = { seed };
    size_t offered = 0, checked = 0;

    for (int i = 0; i < R_CASES; i++) {
        rcase_make(&r, c);
        oracle_build(o, c);
        const struct avail_query *q = &c->q;
        char x[32];

        /* Expected slots, and avail_fits for every grid instant and therapist. */
        size_t n = avail_day(q, got, GRID_OUT), k = 0;
        for (size_t g = 0; g < o->ngrid; g++) {
            int64_t s = o->grid[g];
            int room = oracle_room(o, c, s);
            uint64_t mask = 0;
            for (size_t t = 0; t < q->ntherapists; t++) {
                int want = oracle_fits(o, c, t, s, room);
                size_t fr = 99;
                int f = avail_fits(q, t, s, &fr);
                if (f != want || (f && (int)fr != room)) {
                    describe(c, seed, i);
                    fail_msg("avail_fits(t%zu, %s) = %d room %zu, want %d room %d", t, show(s, x),
                             f, fr, want, room);
                }
                checked++;
                if (want)
                    mask |= UINT64_C(1) << t;
            }
            if (!mask || s < q->earliest || s > q->latest)
                continue;
            if (k >= n || got[k].start != s || got[k].end != s + q->duration_min * 60 ||
                got[k].therapists != mask) {
                describe(c, seed, i);
                char y[32];
                fail_msg("slot %zu: got %s mask %llx (of %zu), want %s mask %llx", k,
                         k < n ? show(got[k].start, x) : "none",
                         k < n ? (unsigned long long)got[k].therapists : 0ULL, n, show(s, y),
                         (unsigned long long)mask);
            }
            k++;
        }
        if (k != n) {
            describe(c, seed, i);
            fail_msg("%zu slots, want %zu", n, k);
        }
        offered += n;

        /* Instants off the grid never fit; a short buffer holds a prefix. */
        for (int p = 0; p < 4 && q->ntherapists > 0; p++) {
            int64_t u = rin(&r, c->day0 - 3600, c->day1 + 3600);
            if (rin(&r, 0, 1))
                u = u / 60 * 60;
            int on = 0;
            for (size_t g = 0; g < o->ngrid; g++)
                on |= o->grid[g] == u;
            size_t t = (size_t)rin(&r, 0, (int64_t)q->ntherapists - 1);
            int want = on && oracle_fits(o, c, t, u, oracle_room(o, c, u));
            if (avail_fits(q, t, u, NULL) != want) {
                describe(c, seed, i);
                fail_msg("avail_fits(t%zu, %lld) != %d", t, (long long)u, want);
            }
        }
        if (n > 0) {
            struct avail_slot few[8];
            size_t cap = (size_t)rin(&r, 0, 8);
            assert_int_equal(avail_day(q, few, cap), n);
            assert_memory_equal(few, got, (cap < n ? cap : n) * sizeof few[0]);
        }
    }
    /* The generator must produce days with slots, not only empty ones. */
    print_message("random oracle: seed %llu, %d cases, %zu slots, %zu avail_fits checks\n",
                  (unsigned long long)seed, R_CASES, offered, checked);
    assert_true(offered > R_CASES * 5);
    free(got);
    free(o);
    free(c);
}

/* web/sched.c caches a day's slots under the minute of "now": for any now
 * strictly between two whole minutes the slots (earliest = now + notice,
 * latest = now + horizon, both whole minutes apart from now) must be the
 * same, and a whole minute is its own key.  Checked on random days with the
 * cutoff placed right at a slot, where a second either way matters. */
static void test_slots_constant_within_a_minute(void **state)
{
    (void)state;
    struct rcase *c = xmalloc(sizeof *c);
    struct avail_slot *a = xmalloc(GRID_OUT * sizeof *a), *b = xmalloc(GRID_OUT * sizeof *b);
    struct rng r = { UINT64_C(20261126) };
    size_t edges = 0;
    for (int i = 0; i < 2000; i++) {
        rcase_make(&r, c);
        struct avail_query *q = &c->q;
        int64_t notice = rin(&r, 0, 600) * 60, horizon = rin(&r, 0, 2) * 86400 + rin(&r, 0, 1439) * 60;
        /* a slot start of the unconstrained day, or any minute of it */
        q->earliest = DT_UTC_MIN;
        q->latest = DT_UTC_MAX;
        size_t n = avail_day(q, a, GRID_OUT);
        int64_t target = n ? a[rin(&r, 0, (int64_t)n - 1)].start : c->day0 + rin(&r, 0, 1439) * 60;
        int64_t minute = target - (rin(&r, 0, 1) ? notice : horizon) + rin(&r, -1, 1) * 60;
        int64_t t1 = minute - rin(&r, 1, 59), t2 = minute - rin(&r, 1, 59);
        q->earliest = t1 + notice;
        q->latest = t1 + horizon;
        size_t n1 = avail_day(q, a, GRID_OUT);
        q->earliest = t2 + notice;
        q->latest = t2 + horizon;
        size_t n2 = avail_day(q, b, GRID_OUT);
        if (n1 != n2 || (n1 && memcmp(a, b, n1 * sizeof *a) != 0)) {
            describe(c, 20261126, i);
            fail_msg("now %lld and %lld (same minute) give %zu and %zu slots", (long long)t1,
                     (long long)t2, n1, n2);
        }
        /* the whole minute itself may differ: a slot exactly at minute + notice */
        q->earliest = minute + notice;
        q->latest = minute + horizon;
        size_t n3 = avail_day(q, b, GRID_OUT);
        edges += n3 != n1;
    }
    /* the generator must really put cutoffs on slots, or the check proves nothing */
    print_message("minute buckets: %zu of 2000 days differ at the whole minute\n", edges);
    assert_true(edges > 50);
    free(a);
    free(b);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_day_table),
        cmocka_unit_test(test_fits),
        cmocka_unit_test(test_invalid_and_cap),
        cmocka_unit_test(test_sixty_four_therapists),
        cmocka_unit_test(test_long_busy_lists),
        cmocka_unit_test(test_empty_spans),
        cmocka_unit_test(test_dst_spring_forward),
        cmocka_unit_test(test_dst_fall_back),
        cmocka_unit_test(test_buffer_dst),
        cmocka_unit_test(test_wall_span),
        cmocka_unit_test(test_wall_span_odd_zones),
        cmocka_unit_test(test_pick_therapist),
        cmocka_unit_test(test_fair_shares),
        cmocka_unit_test(test_random_oracle),
        cmocka_unit_test(test_slots_constant_within_a_minute),
    };
    return cmocka_run_group_tests(tests, setup_zone, teardown_zone);
}
