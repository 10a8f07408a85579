/* libFuzzer target: the availability engine on hostile queries (any grid,
 * duration, buffer, spans anywhere and in any order, empty or inverted,
 * lists past AVAIL_MAX_SORT, DST days in a few zones).  It must never crash
 * or read out of bounds, and what it returns must hold together: starts
 * strictly increasing and within [earliest, latest], masks non-empty and
 * within the therapists given, avail_fits agreeing bit by bit, a short
 * buffer holding a prefix, and the answer not depending on the order of the
 * busy lists.  Zones are loaded once from the system tz database. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/avail.h"
#include "util/tzload.h"

#define NZONES 4
#define MAXSPANS 600 /* per list: past AVAIL_MAX_SORT */
#define MAXOUT (2 * 1440)

static struct tz *zones[NZONES];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char *names[NZONES] = { "America/Anchorage", "Australia/Lord_Howe",
                                         "Pacific/Apia", "UTC" };
    char err[256];
    (void)argc;
    (void)argv;
    for (int i = 0; i < NZONES; i++)
        if (tzload_load(names[i], &zones[i], err, sizeof err) != 0)
            abort();
    return 0;
}

struct input {
    const uint8_t *p;
    size_t n;
};

static unsigned byte(struct input *in)
{
    if (in->n == 0)
        return 0;
    in->n--;
    return *in->p++;
}

static unsigned u16(struct input *in)
{
    unsigned hi = byte(in);
    return hi << 8 | byte(in);
}

/* An instant near the day: minutes from day0 - 12 h, sometimes with seconds. */
static int64_t instant(struct input *in, int64_t day0)
{
    unsigned m = u16(in) % (52 * 60), b = byte(in);
    int64_t t = day0 - 12 * 3600 + (int64_t)m * 60;
    return b < 32 ? t + b : b < 40 ? t / 900 * 900 : t;
}

static size_t spans(struct input *in, int64_t day0, struct avail_span *v, int sorted)
{
    unsigned b = byte(in);
    size_t n = b < 250 ? b % 8 : (size_t)(AVAIL_MAX_SORT - 8 + byte(in) % 80);
    for (size_t i = 0; i < n; i++) {
        int64_t s = instant(in, day0), len = (int64_t)(byte(in) % 64) * 300 - 600;
        if (i >= 8)
            s = day0 - 86400 * 10 - (int64_t)i * 60; /* filler in the past */
        v[i] = (struct avail_span){ s, s + len };
    }
    if (sorted) /* open and work: sorted by start as the contract asks */
        for (size_t i = 1; i < n; i++)
            for (size_t j = i; j > 0 && v[j - 1].start > v[j].start; j--) {
                struct avail_span t = v[j];
                v[j] = v[j - 1];
                v[j - 1] = t;
            }
    return n;
}

static void reverse(struct avail_span *v, size_t n)
{
    for (size_t i = 0; i < n / 2; i++) {
        struct avail_span t = v[i];
        v[i] = v[n - 1 - i];
        v[n - 1 - i] = t;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct avail_span open[MAXSPANS], work[5][MAXSPANS], tbusy[5][MAXSPANS],
        toff[5][MAXSPANS], rbusy[3][MAXSPANS];
    static struct avail_slot a[MAXOUT], b[MAXOUT];
    struct avail_therapist th[5];
    struct avail_room rooms[3];
    struct input in = { data, size };
    struct avail_query q;

    memset(&q, 0, sizeof q);
    q.tz = zones[byte(&in) % NZONES];
    unsigned d = u16(&in);
    q.date = d < 4096 ? (struct dt_date){ 2026, 3, 8 }
             : d < 8192 ? (struct dt_date){ 2026, 11, 1 }
                        : dt_date_add((struct dt_date){ 2011, 12, 20 }, (int)(d % 6000));
    q.grid_min = (int)(byte(&in) % 62);
    q.duration_min = (int)(u16(&in) % 400) - 2;
    q.buffer_min = (int)(byte(&in) % 70) - 2;
    int64_t day0 = tz_day_start(q.tz, q.date);
    q.earliest = byte(&in) < 64 ? INT64_MIN : instant(&in, day0);
    q.latest = byte(&in) < 64 ? INT64_MAX : instant(&in, day0);
    q.nopen = spans(&in, day0, open, 1);
    q.open = open;
    q.ntherapists = byte(&in) % 6;
    for (size_t t = 0; t < q.ntherapists; t++) {
        th[t].nwork = spans(&in, day0, work[t], byte(&in) < 240);
        th[t].work = work[t];
        th[t].nbusy = spans(&in, day0, tbusy[t], 0);
        th[t].busy = tbusy[t];
        th[t].noff = spans(&in, day0, toff[t], 0);
        th[t].off = toff[t];
    }
    q.therapists = th;
    q.nrooms = byte(&in) % 4;
    for (size_t r = 0; r < q.nrooms; r++) {
        rooms[r].nbusy = spans(&in, day0, rbusy[r], 0);
        rooms[r].busy = rbusy[r];
    }
    q.rooms = rooms;

    size_t n = avail_day(&q, a, MAXOUT);
    if (n > MAXOUT)
        abort();
    uint64_t all = q.ntherapists >= 64 ? UINT64_MAX : (UINT64_C(1) << q.ntherapists) - 1;
    for (size_t i = 0; i < n; i++) {
        if ((i > 0 && a[i].start <= a[i - 1].start) || a[i].start < q.earliest ||
            a[i].start > q.latest || a[i].therapists == 0 || (a[i].therapists & ~all) ||
            a[i].end != a[i].start + (int64_t)q.duration_min * 60)
            abort();
        for (size_t t = 0; t < q.ntherapists; t++) {
            size_t room = 99;
            int f = avail_fits(&q, t, a[i].start, &room);
            if (f != (int)(a[i].therapists >> t & 1) || (f && room >= q.nrooms))
                abort();
        }
        /* One second later is never a grid point. */
        if (q.ntherapists > 0 && avail_fits(&q, 0, a[i].start + 1, NULL))
            abort();
    }
    if (n > 0) {
        size_t cap = n / 2;
        if (avail_day(&q, b, cap) != n || memcmp(a, b, cap * sizeof a[0]) != 0)
            abort();
    }
    /* The order of busy lists does not matter. */
    for (size_t t = 0; t < q.ntherapists; t++) {
        reverse(tbusy[t], th[t].nbusy);
        reverse(toff[t], th[t].noff);
    }
    for (size_t r = 0; r < q.nrooms; r++)
        reverse(rbusy[r], rooms[r].nbusy);
    if (avail_day(&q, b, MAXOUT) != n || memcmp(a, b, n * sizeof a[0]) != 0)
        abort();
    return 0;
}
