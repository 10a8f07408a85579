/* avail — the availability engine: the bookable grid starts of one local day
 * and, for one start, whether a given therapist and some room can take it.
 *
 * It must not do I/O, allocate, keep globals, read the clock or the process
 * TZ, or modify its inputs: everything it needs comes in the query, and its
 * scratch space is on the stack in arrays bounded by GRID_MAX and
 * AVAIL_MAX_SORT (about 64 KiB in avail_day), so any thread may call it.
 * avail_day and avail_fits share every rule (the same sweep below), so a
 * booking re-checks a slot with exactly the code that offered it.
 *
 * How.  The day's grid points come from tz_wall_to_utc, one or two per wall
 * time, and are sorted by an insertion sort: they arrive sorted except in the
 * repeated hour of a fall-back day, so the cost is that hour's few
 * inversions.  Each list of spans is read as the union of its spans, in
 * maximal blocks.  A candidate's session [s, s + d) must lie inside one block
 * of the open list and of the therapist's work list and meet no block of
 * her off list; the session with its buffer [s, s + d + b) must meet no
 * block of her busy list nor of one room's busy list.  Candidates are sorted and
 * all have the same length, so each list is one sweep with a cursor over its
 * blocks, which are merged on the fly from a list sorted by start:
 * O(candidates + spans) per list.  A list that is not sorted (busy lists come
 * in any order) is copied to the stack and heap-sorted if it has at most
 * AVAIL_MAX_SORT spans; a longer one is scanned per candidate instead.
 *
 * Rooms do not depend on the therapist, so "some room is free" is computed
 * once per candidate, and each therapist is swept only over the candidates
 * that are open and have a room. */
#include "core/avail.h"

#include <string.h>

/* Grid points of one local day: at most ceil(1440 / g) wall times, each
 * occurring at most twice (tz_wall_to_utc reports at most two instants). */
#define GRID_MAX (2 * 1440)

enum want { CONTAINED, DISJOINT };

/* A list of spans ready to sweep: sorted by start (empty spans may remain
 * among them and are skipped), or flagged for a per-candidate scan. */
struct spanset {
    const struct avail_span *v;
    size_t n;
    int scan;
};

/* The current maximal block [bs, be) of a list sorted by start, and where
 * the next one begins. */
struct cursor {
    const struct avail_span *v;
    size_t n, next;
    int64_t bs, be;
    int have;
};

static int nonempty(const struct avail_span *s)
{
    return s->start < s->end;
}

static int sorted_by_start(const struct avail_span *v, size_t n)
{
    int64_t last = 0;
    int have = 0;

    for (size_t i = 0; i < n; i++) {
        if (!nonempty(&v[i]))
            continue;
        if (have && v[i].start < last)
            return 0;
        last = v[i].start;
        have = 1;
    }
    return 1;
}

static void sift_down(struct avail_span *v, size_t root, size_t n)
{
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= n)
            return;
        if (child + 1 < n && v[child + 1].start > v[child].start)
            child++;
        if (v[root].start >= v[child].start)
            return;
        struct avail_span tmp = v[root];
        v[root] = v[child];
        v[child] = tmp;
        root = child;
    }
}

/* In place, O(n log n), no recursion and no extra memory (qsort may
 * allocate). */
static void heap_sort(struct avail_span *v, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_down(v, i, n);
    for (size_t end = n; end > 1; end--) {
        struct avail_span tmp = v[0];
        v[0] = v[end - 1];
        v[end - 1] = tmp;
        sift_down(v, 0, end - 1);
    }
}

/* buf must hold AVAIL_MAX_SORT spans; it is used only for a short unsorted
 * list and must outlive ss. */
static void spanset_init(struct spanset *ss, const struct avail_span *v, size_t n,
                         struct avail_span *buf)
{
    ss->v = v;
    ss->n = n;
    ss->scan = 0;
    if (n == 0 || sorted_by_start(v, n))
        return;
    if (n > AVAIL_MAX_SORT) {
        ss->scan = 1;
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (nonempty(&v[i]))
            buf[k++] = v[i];
    heap_sort(buf, k);
    ss->v = buf;
    ss->n = k;
}

static void cursor_advance(struct cursor *c)
{
    while (c->next < c->n && !nonempty(&c->v[c->next]))
        c->next++;
    if (c->next == c->n) {
        c->have = 0;
        return;
    }
    c->bs = c->v[c->next].start;
    c->be = c->v[c->next].end;
    c->have = 1;
    for (c->next++; c->next < c->n; c->next++) {
        const struct avail_span *s = &c->v[c->next];
        /* An empty span changes nothing here, and if it breaks the loop the
         * next call skips it. */
        if (s->start > c->be)
            break;
        if (s->end > c->be)
            c->be = s->end;
    }
}

/* Whether [s, e) meets any span of v (any order). */
static int scan_meets(const struct avail_span *v, size_t n, int64_t s, int64_t e)
{
    for (size_t i = 0; i < n; i++)
        if (nonempty(&v[i]) && v[i].start < e && s < v[i].end)
            return 1;
    return 0;
}

/* Whether [s, e) lies inside the union of v (any order): extend the covered
 * prefix [s, cur) by the span reaching furthest from cur until it reaches e
 * or stops growing.  O(n) per step, at most n steps. */
static int scan_covers(const struct avail_span *v, size_t n, int64_t s, int64_t e)
{
    int64_t cur = s;

    while (cur < e) {
        int64_t best = cur;
        for (size_t i = 0; i < n; i++)
            if (v[i].start <= cur && v[i].end > best)
                best = v[i].end;
        if (best == cur)
            return 0;
        cur = best;
    }
    return 1;
}

/* For each i < nc with sel[i] set, tests [cand[i], cand[i] + len) against the
 * union of ss and clears sel[i] if the test fails.  cand is increasing. */
static void sweep(const struct spanset *ss, const int64_t *cand, size_t nc, int64_t len,
                  enum want want, unsigned char *sel)
{
    if (ss->scan) {
        for (size_t i = 0; i < nc; i++) {
            if (!sel[i])
                continue;
            int64_t s = cand[i], e = s + len;
            int ok = want == CONTAINED ? scan_covers(ss->v, ss->n, s, e)
                                       : !scan_meets(ss->v, ss->n, s, e);
            if (!ok)
                sel[i] = 0;
        }
        return;
    }

    struct cursor c = { .v = ss->v, .n = ss->n };
    cursor_advance(&c);
    for (size_t i = 0; i < nc; i++) {
        if (!sel[i])
            continue;
        int64_t s = cand[i], e = s + len;
        /* A block ending at or before s meets no later candidate either. */
        while (c.have && c.be <= s)
            cursor_advance(&c);
        int ok = want == CONTAINED ? c.have && c.bs <= s && e <= c.be : !c.have || e <= c.bs;
        if (!ok)
            sel[i] = 0;
    }
}

static int spans_ok(const struct avail_span *v, size_t n)
{
    return n == 0 || v != NULL;
}

static int query_ok(const struct avail_query *q)
{
    if (!q || !q->tz || q->grid_min < 1 || q->grid_min > 60 || q->duration_min <= 0 ||
        q->buffer_min < 0 || q->ntherapists > AVAIL_MAX_THERAPISTS ||
        !spans_ok(q->open, q->nopen) || (q->ntherapists > 0 && !q->therapists) ||
        (q->nrooms > 0 && !q->rooms))
        return 0;
    for (size_t i = 0; i < q->ntherapists; i++)
        if (!spans_ok(q->therapists[i].work, q->therapists[i].nwork) ||
            !spans_ok(q->therapists[i].busy, q->therapists[i].nbusy) ||
            !spans_ok(q->therapists[i].off, q->therapists[i].noff))
            return 0;
    for (size_t i = 0; i < q->nrooms; i++)
        if (!spans_ok(q->rooms[i].busy, q->rooms[i].nbusy))
            return 0;
    return 1;
}

/* Seconds a booking holds its therapist and room against their next
 * appointment: duration plus buffer. */
static int64_t hold_secs(const struct avail_query *q)
{
    return ((int64_t)q->duration_min + q->buffer_min) * 60;
}

/* Seconds of the session itself, which must lie in open and working hours
 * and clear of breaks and time off. */
static int64_t session_secs(const struct avail_query *q)
{
    return (int64_t)q->duration_min * 60;
}

/* The grid points of the day that lie in [lo, hi], increasing and distinct.
 * cand must hold GRID_MAX.  Returns their number (0 for an invalid date). */
static size_t grid_points(const struct avail_query *q, int64_t lo, int64_t hi, int64_t *cand)
{
    size_t n = 0;

    for (int m = 0; m < 1440; m += q->grid_min) {
        int64_t t[2];
        int k = tz_wall_to_utc(q->tz, q->date, m, t);
        if (k < 0)
            return 0;
        for (int j = 0; j < k; j++)
            if (t[j] >= lo && t[j] <= hi)
                cand[n++] = t[j];
    }
    for (size_t i = 1; i < n; i++) {
        int64_t x = cand[i];
        size_t j = i;
        for (; j > 0 && cand[j - 1] > x; j--)
            cand[j] = cand[j - 1];
        cand[j] = x;
    }
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (w == 0 || cand[i] != cand[w - 1])
            cand[w++] = cand[i];
    return w;
}

size_t avail_day(const struct avail_query *q, struct avail_slot *out, size_t cap)
{
    int64_t cand[GRID_MAX];
    uint64_t mask[GRID_MAX];
    unsigned char base[GRID_MAX], room_free[GRID_MAX], sel[GRID_MAX];
    struct avail_span buf[AVAIL_MAX_SORT];
    struct spanset ss;

    if (!query_ok(q) || q->nopen == 0 || q->ntherapists == 0 || q->nrooms == 0 ||
        q->earliest > q->latest)
        return 0;
    int64_t hold = hold_secs(q), dur = session_secs(q);
    size_t nc = grid_points(q, q->earliest, q->latest, cand);
    if (nc == 0)
        return 0;

    /* Open hours: the session, not its buffer. */
    memset(base, 1, nc);
    spanset_init(&ss, q->open, q->nopen, buf);
    sweep(&ss, cand, nc, dur, CONTAINED, base);

    /* Some room free: each room is swept over the open candidates that have
     * no room yet. */
    memset(room_free, 0, nc);
    for (size_t r = 0; r < q->nrooms; r++) {
        size_t unplaced = 0;
        for (size_t i = 0; i < nc; i++) {
            sel[i] = base[i] && !room_free[i];
            unplaced += sel[i];
        }
        if (unplaced == 0)
            break;
        spanset_init(&ss, q->rooms[r].busy, q->rooms[r].nbusy, buf);
        sweep(&ss, cand, nc, hold, DISJOINT, sel);
        for (size_t i = 0; i < nc; i++)
            room_free[i] |= sel[i];
    }
    for (size_t i = 0; i < nc; i++)
        base[i] = base[i] && room_free[i];

    /* Each therapist over the candidates left. */
    memset(mask, 0, nc * sizeof mask[0]);
    for (size_t t = 0; t < q->ntherapists; t++) {
        const struct avail_therapist *th = &q->therapists[t];
        memcpy(sel, base, nc);
        spanset_init(&ss, th->work, th->nwork, buf);
        sweep(&ss, cand, nc, dur, CONTAINED, sel);
        spanset_init(&ss, th->off, th->noff, buf);
        sweep(&ss, cand, nc, dur, DISJOINT, sel);
        spanset_init(&ss, th->busy, th->nbusy, buf);
        sweep(&ss, cand, nc, hold, DISJOINT, sel);
        for (size_t i = 0; i < nc; i++)
            if (sel[i])
                mask[i] |= UINT64_C(1) << t;
    }

    size_t total = 0;
    for (size_t i = 0; i < nc; i++) {
        if (!mask[i])
            continue;
        if (total < cap)
            out[total] = (struct avail_slot){ cand[i], cand[i] + dur, mask[i] };
        total++;
    }
    return total;
}

/* Whether start is one of the day's grid points: its wall time is on the
 * query's date at a multiple of the grid, and converting that wall time back
 * gives start (as avail_day builds them). */
static int on_grid(const struct avail_query *q, int64_t start)
{
    struct dt_civil c;
    int64_t t[2];

    if (start < DT_UTC_MIN || start > DT_UTC_MAX)
        return 0;
    tz_to_local(q->tz, start, &c, NULL);
    if (c.year != q->date.year || c.month != q->date.month || c.day != q->date.day || c.sec != 0)
        return 0;
    int m = c.hour * 60 + c.min;
    if (m % q->grid_min != 0)
        return 0;
    int k = tz_wall_to_utc(q->tz, q->date, m, t);
    for (int j = 0; j < k; j++)
        if (t[j] == start)
            return 1;
    return 0;
}

int avail_fits(const struct avail_query *q, size_t t, int64_t start, size_t *room)
{
    struct avail_span buf[AVAIL_MAX_SORT];
    struct spanset ss;
    unsigned char ok = 1;

    if (!query_ok(q) || t >= q->ntherapists || !on_grid(q, start))
        return 0;
    int64_t hold = hold_secs(q), dur = session_secs(q);
    const struct avail_therapist *th = &q->therapists[t];
    spanset_init(&ss, q->open, q->nopen, buf);
    sweep(&ss, &start, 1, dur, CONTAINED, &ok);
    spanset_init(&ss, th->work, th->nwork, buf);
    sweep(&ss, &start, 1, dur, CONTAINED, &ok);
    spanset_init(&ss, th->off, th->noff, buf);
    sweep(&ss, &start, 1, dur, DISJOINT, &ok);
    spanset_init(&ss, th->busy, th->nbusy, buf);
    sweep(&ss, &start, 1, hold, DISJOINT, &ok);
    if (!ok)
        return 0;
    for (size_t r = 0; r < q->nrooms; r++) {
        unsigned char free_here = 1;
        spanset_init(&ss, q->rooms[r].busy, q->rooms[r].nbusy, buf);
        sweep(&ss, &start, 1, hold, DISJOINT, &free_here);
        if (free_here) {
            if (room)
                *room = r;
            return 1;
        }
    }
    return 0;
}

/* The first instant whose wall time is at or after minute m of date d, for a
 * wall time that does not exist: the end of the gap.  The first existing
 * wall minute after m (within two days; the longest real gap is the day
 * Pacific/Apia skipped) gives an instant u at most a minute after the jump;
 * the jump itself is where the offset changes, found by bisection when the
 * zone's offsets are not whole minutes.  Returns 0, or -1 if none exists. */
static int gap_end(const struct tz *tz, struct dt_date d, int m, int64_t *out)
{
    for (int j = m + 1; j <= m + 2 * 1440; j++) {
        int64_t t[2];
        int k = tz_wall_to_utc(tz, dt_date_add(d, j / 1440), j % 1440, t);
        if (k < 0)
            return -1;
        if (k == 0)
            continue;
        int64_t u = t[0];
        int off = tz_offset_at(tz, u);
        if (tz_offset_at(tz, u - 1) != off) {
            *out = u;
            return 0;
        }
        /* The offset changes in (u - 60, u - 1]: bisect for the first second
         * that has the new one. */
        int64_t lo = u - 60, hi = u - 1; /* offset(lo) != off, offset(hi) == off */
        while (hi - lo > 1) {
            int64_t mid = lo + (hi - lo) / 2;
            if (tz_offset_at(tz, mid) == off)
                hi = mid;
            else
                lo = mid;
        }
        *out = hi;
        return 0;
    }
    return -1;
}

/* Minute m of date d as an instant: the earlier or (late) the later of two,
 * the end of the gap for none.  Returns 0, or -1 for invalid input. */
static int wall_instant(const struct tz *tz, struct dt_date d, int m, int late, int64_t *out)
{
    int64_t t[2];
    int k = tz_wall_to_utc(tz, d, m, t);

    if (k < 0)
        return -1;
    if (k == 0)
        return gap_end(tz, d, m, out);
    *out = t[late ? k - 1 : 0];
    return 0;
}

int avail_wall_span(const struct tz *tz, struct dt_date date, int start_min, int end_min,
                    struct avail_span *out)
{
    int64_t s, e;

    if (!tz || !out || wall_instant(tz, date, start_min, 0, &s) != 0 ||
        wall_instant(tz, date, end_min, 1, &e) != 0 || s >= e)
        return -1;
    out->start = s;
    out->end = e;
    return 0;
}

/* Whether candidate i weighs less than candidate j (see avail.h). */
static int lighter(const struct avail_load *i, const struct avail_load *j)
{
    if (i->booked_min != j->booked_min)
        return i->booked_min < j->booked_min;
    if (i->last_at != j->last_at)
        return i->last_at < j->last_at;
    return i->last_id < j->last_id;
}

int avail_pick_therapist(uint64_t mask, const struct avail_load *load, size_t n)
{
    int best = -1;

    for (size_t i = 0; i < n && i < AVAIL_MAX_THERAPISTS; i++) {
        if (!(mask >> i & 1))
            continue;
        if (best < 0 || (load && lighter(&load[i], &load[best])))
            best = (int)i;
    }
    return best;
}
