/* avail — the booking service's day calendar and computed days: the busy
 * spans of a range of days read once and bucketed, the engine's query for
 * a day, the days' slots and whole answers cached by what they depend on,
 * and the next free slot (svc/booking.h). */
#include "svc/booking.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc/booking_impl.h"
#include "util/blobcache.h"
#include "util/mem.h"


/* One span to bucket, for bucket `who` (-1: for none). */
struct item {
    int64_t start, end;
    int who;
};

/* Sorts items (sorted by start) into per-day, per-who buckets. */
static void bucket(struct arena *a, const int64_t *bound, int days, size_t nwho,
                   const struct item *v, size_t n, size_t **at_out, struct avail_span **out)
{
    size_t nb = (size_t)days * nwho;
    size_t *at = arena_array(a, nb + 2, sizeof *at);
    size_t total = 0;
    /* two passes over the same walk: count, then place */
    for (int pass = 0; pass < 2; pass++) {
        struct avail_span *sp = NULL;
        if (pass == 1) {
            size_t sum = 0;
            for (size_t b = 0; b < nb; b++) {
                size_t c = at[b];
                at[b] = sum;
                sum += c;
            }
            at[nb] = total = sum;
            sp = arena_array(a, total + 1, sizeof *sp);
            *out = sp;
        }
        size_t *fill = pass == 1 ? arena_array(a, nb + 1, sizeof *fill) : NULL;
        if (fill)
            memcpy(fill, at, nb * sizeof *fill);
        int k0 = 0;
        for (size_t j = 0; j < n; j++) {
            if (v[j].who < 0 || v[j].start >= v[j].end)
                continue;
            while (k0 < days && bound[k0 + 1] <= v[j].start)
                k0++;
            for (int k = k0; k < days && bound[k] < v[j].end; k++) {
                size_t b = (size_t)k * nwho + (size_t)v[j].who;
                if (pass == 0)
                    at[b]++;
                else
                    sp[fill[b]++] = (struct avail_span){v[j].start, v[j].end};
            }
        }
    }
    *at_out = at;
}

struct id_index {
    const char *id;
    int i;
};

static int cmp_id_index(const void *x, const void *y)
{
    return strcmp(((const struct id_index *)x)->id, ((const struct id_index *)y)->id);
}

struct room_index {
    int64_t id;
    int i;
};

static int cmp_room_index(const void *x, const void *y)
{
    int64_t a = ((const struct room_index *)x)->id, b = ((const struct room_index *)y)->id;
    return (a > b) - (a < b);
}

/* Reads the appointments of days [from, from + days) and buckets them with
 * the time off.  exclude: an appointment to leave out (the one being
 * moved), or 0. */
enum err_code load_calendar(struct db *db, struct arena *a, const struct sched *s,
                            struct dt_date from, int days, int64_t exclude,
                            struct calendar *c, struct err *e)
{
    struct busy *busy;
    size_t nbusy;
    int64_t *bound = arena_array(a, (size_t)days + 1, sizeof *bound);
    for (int k = 0; k <= days; k++)
        bound[k] = tz_day_start(s->tz, dt_date_add(from, k));
    enum err_code rc = db_busy(db, a, bound[0], bound[days], &busy, &nbusy, e);
    if (rc != E_OK)
        return rc;
    memset(c, 0, sizeof *c);
    c->bound = bound;
    c->days = days;
    c->nt = s->ntherapists;
    c->nr = s->nrooms;

    /* therapist ids and room ids to the sched's indexes, by binary search */
    struct id_index *ti = arena_array(a, c->nt + 1, sizeof *ti);
    for (size_t i = 0; i < c->nt; i++)
        ti[i] = (struct id_index){s->therapists[i].id, (int)i};
    qsort(ti, c->nt, sizeof *ti, cmp_id_index);
    struct room_index *ri = arena_array(a, c->nr + 1, sizeof *ri);
    for (size_t i = 0; i < c->nr; i++)
        ri[i] = (struct room_index){s->rooms[i].id, (int)i};
    qsort(ri, c->nr, sizeof *ri, cmp_room_index);

    struct item *bt = arena_array(a, nbusy + 1, sizeof *bt);
    struct item *br = arena_array(a, nbusy + 1, sizeof *br);
    for (size_t j = 0; j < nbusy; j++) {
        struct id_index key = {busy[j].therapist_id, 0};
        struct room_index rkey = {busy[j].room_id, 0};
        const struct id_index *t =
            c->nt ? bsearch(&key, ti, c->nt, sizeof *ti, cmp_id_index) : NULL;
        const struct room_index *r =
            c->nr ? bsearch(&rkey, ri, c->nr, sizeof *ri, cmp_room_index) : NULL;
        int skip = exclude && busy[j].appointment_id == exclude;
        bt[j] = (struct item){busy[j].start, busy[j].end, t && !skip ? t->i : -1};
        br[j] = (struct item){busy[j].start, busy[j].end, r && !skip ? r->i : -1};
    }
    bucket(a, bound, days, c->nt, bt, nbusy, &c->appt_at, &c->appt);
    bucket(a, bound, days, c->nr, br, nbusy, &c->room_at, &c->room);

    struct item *bo = arena_array(a, s->noff + 1, sizeof *bo);
    for (size_t j = 0; j < s->noff; j++) {
        struct id_index key = {s->off[j].therapist_id, 0};
        const struct id_index *t =
            c->nt ? bsearch(&key, ti, c->nt, sizeof *ti, cmp_id_index) : NULL;
        bo[j] = (struct item){s->off[j].start, s->off[j].end, t ? t->i : -1};
    }
    bucket(a, bound, days, c->nt, bo, s->noff, &c->off_at, &c->off);

    c->booked_sec = arena_array(a, (size_t)days * c->nt + 1, sizeof *c->booked_sec);
    for (size_t b = 0; b < (size_t)days * c->nt; b++)
        for (size_t j = c->appt_at[b]; j < c->appt_at[b + 1]; j++)
            c->booked_sec[b] += c->appt[j].end - c->appt[j].start;
    return E_OK;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Merges v[0..n) into dst[0..*len), both sorted by start, keeping dst
 * sorted; dst has room for *len + n. */
static void merge_into(struct avail_span *dst, size_t *len, const struct avail_span *v, size_t n)
{
    size_t i = *len, j = n, k = *len + n;
    while (j > 0) {
        if (i > 0 && dst[i - 1].start > v[j - 1].start)
            dst[--k] = dst[--i];
        else
            dst[--k] = v[--j];
    }
    *len += n;
}

size_t sched_wall_spans(const struct tz *tz, const struct week_span *w, size_t n,
                        struct dt_date d, struct avail_span *out)
{
    int wd = dt_weekday(dt_date_to_days(d));
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (w[i].weekday == wd && avail_wall_span(tz, d, w[i].start_min, w[i].end_min, &out[k]) == 0)
            k++;
    return k;
}

int sched_closed_on(const char *const *closed, size_t nclosed, struct dt_date d)
{
    char date[16];
    dt_format_date(d, date, sizeof date);
    const char *key = date;
    return nclosed && bsearch(&key, closed, nclosed, sizeof *closed, cmp_str) != NULL;
}

/* Builds the engine's query for day k of the calendar (local date d); every
 * busy list it gets is sorted by start, so the engine reads it in place. */
void build_query(struct arena *a, const struct sched *s, const struct calendar *c, int k,
                 struct dt_date d, int64_t now, struct avail_query *q)
{
    int closed;

    memset(q, 0, sizeof *q);
    q->tz = s->tz;
    q->date = d;
    q->grid_min = s->rules.grid_min;
    q->duration_min = s->service.duration_min;
    q->buffer_min = s->service.buffer_min;
    q->earliest = booking_earliest(&s->rules, now);
    q->latest = booking_latest(&s->rules, now);

    closed = sched_closed_on(s->closed, s->nclosed, d);
    struct avail_span *open = arena_array(a, s->nhours + 1, sizeof *open);
    if (!closed)
        q->nopen = sched_wall_spans(s->tz, s->hours, s->nhours, d, open);
    q->open = open;

    struct avail_therapist *th = arena_array(a, s->ntherapists + 1, sizeof *th);
    for (size_t i = 0; i < s->ntherapists; i++) {
        const struct therapist_week *w = &s->weeks[i];
        size_t b = (size_t)k * c->nt + i, nw = 0, k_br = 0;
        const struct avail_span *ap = &c->appt[c->appt_at[b]], *off = &c->off[c->off_at[b]];
        size_t nap = c->appt_at[b + 1] - c->appt_at[b], noff = c->off_at[b + 1] - c->off_at[b];
        struct avail_span *work = arena_array(a, w->nwork + 1, sizeof *work);
        nw = sched_wall_spans(s->tz, w->work, w->nwork, d, work);
        /* Breaks and time off hold the session; appointments hold it with
         * its buffer (core/avail.h), so they go to separate lists. */
        struct avail_span *blocks = arena_array(a, w->nbreaks + noff + 1, sizeof *blocks);
        struct avail_span *br = arena_array(a, w->nbreaks + 1, sizeof *br);
        size_t nbr = sched_wall_spans(s->tz, w->breaks, w->nbreaks, d, br);
        for (size_t j = 0; j < nbr; j++)
            merge_into(blocks, &k_br, &br[j], 1); /* a day's few breaks, in order */
        if (k_br == 0) {
            th[i] = (struct avail_therapist){work, nw, ap, nap, off, noff}; /* the buckets */
            continue;
        }
        merge_into(blocks, &k_br, off, noff);
        th[i] = (struct avail_therapist){work, nw, ap, nap, blocks, k_br};
    }
    q->therapists = th;
    q->ntherapists = s->ntherapists;

    struct avail_room *rooms = arena_array(a, s->nrooms + 1, sizeof *rooms);
    for (size_t i = 0; i < s->nrooms; i++) {
        size_t b = (size_t)k * c->nr + i;
        rooms[i] = (struct avail_room){&c->room[c->room_at[b]], c->room_at[b + 1] - c->room_at[b]};
    }
    q->rooms = rooms;
    q->nrooms = s->nrooms;
}

/* The key of one computed day: everything its slots depend on.  The set-up
 * (hours, breaks, time off, closed dates, the service's length and buffer)
 * is named by the clinic version, the appointments by theirs; the service,
 * the therapists (in order: a slot's therapist bits index this list), the
 * rooms and the rules are spelled out because callers may narrow them (one
 * therapist) or relax them (the desk books inside the notice).
 *
 * `now` enters as its minute: every slot start, notice and horizon is a
 * whole number of minutes, so for whole-minute S and N, S >= now + N exactly
 * when S >= ceil_minute(now) + N, and S <= now + H exactly when
 * S <= floor_minute(now) + H.  Both bounds are constant while now stays
 * inside the open interval between two whole minutes, so the key carries
 * ceil_minute(now) and whether now sits exactly on it.  The key grows with
 * the therapists and rooms (sixty of each make about 700 bytes): all of it
 * but the date is written once per call (day_key_base), on the arena, and
 * each day's key is that plus its date (day_key). */
struct key_base {
    char *buf;
    size_t len;
};

/* Appends v in decimal. */
static size_t put_u64(char *p, uint64_t v)
{
    char tmp[24];
    size_t n = 0, len;
    do
        tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    for (len = 0; n > 0; len++)
        p[len] = tmp[--n];
    return len;
}

/* Appends v in decimal, with its sign (at most 20 bytes). */
static size_t put_i64(char *p, int64_t v)
{
    if (v >= 0)
        return put_u64(p, (uint64_t)v);
    p[0] = '-';
    return 1 + put_u64(p + 1, 0 - (uint64_t)v);
}

/* Appends '|' and v, then the field's '|' (at most 22 bytes). */
static size_t put_field(char *p, int64_t v)
{
    size_t n = put_i64(p, v);
    p[n] = '|';
    return n + 1;
}

/* Appends d as YYYY-MM-DD (10 bytes); -1 for a year outside 0-9999, which
 * no key is made for. */
static int put_date(char *p, struct dt_date d)
{
    if (d.year < 0 || d.year > 9999 || d.month < 0 || d.month > 99 || d.day < 0 || d.day > 99)
        return -1;
    p[0] = (char)('0' + d.year / 1000);
    p[1] = (char)('0' + d.year / 100 % 10);
    p[2] = (char)('0' + d.year / 10 % 10);
    p[3] = (char)('0' + d.year % 10);
    p[4] = '-';
    p[5] = (char)('0' + d.month / 10);
    p[6] = (char)('0' + d.month % 10);
    p[7] = '-';
    p[8] = (char)('0' + d.day / 10);
    p[9] = (char)('0' + d.day % 10);
    return 10;
}

/* Returns 0, or -1 if the key cannot be formatted (then the days are
 * computed, not cached).  Written with the put_ helpers, not snprintf: a
 * cached answer's key is made on every request (bench/README.md). */
static int day_key_base(struct arena *a, const struct sched *s, int64_t now, struct key_base *k)
{
    int64_t minute = now % 60 == 0 ? now : (now / 60 + (now > 0)) * 60;
    size_t sid = strnlen(s->service.id, 80);
    size_t cap = 256 + s->nrooms * 22, len = 0;
    for (size_t i = 0; i < s->ntherapists; i++)
        cap += strlen(s->therapists[i].id) + 1;
    char *buf = arena_alloc(a, cap);
    /* version|appointments|L<location>|<service>|duration|buffer|notice|
     * horizon|grid|minute|on the minute| : at most 4 x 21 (the 64-bit
     * ones) + 6 x 12 + 82 = 238 bytes of the 256 */
    len += put_field(buf + len, s->version);
    len += put_field(buf + len, s->appointments_version);
    buf[len++] = 'L';
    len += put_field(buf + len, s->location.id);
    memcpy(buf + len, s->service.id, sid);
    len += sid;
    buf[len++] = '|';
    len += put_field(buf + len, s->service.duration_min);
    len += put_field(buf + len, s->service.buffer_min);
    len += put_field(buf + len, s->rules.min_notice_min);
    len += put_field(buf + len, s->rules.horizon_days);
    len += put_field(buf + len, s->rules.grid_min);
    len += put_field(buf + len, minute);
    len += put_field(buf + len, now % 60 == 0);
    /* cap counted every id's length, a comma each and 22 bytes a room */
    for (size_t i = 0; i < s->ntherapists; i++) {
        size_t l = strlen(s->therapists[i].id);
        memcpy(buf + len, s->therapists[i].id, l);
        len += l;
        buf[len++] = ',';
    }
    for (size_t i = 0; i < s->nrooms; i++) {
        buf[len++] = '|';
        len += put_i64(buf + len, s->rooms[i].id);
    }
    buf[len] = '\0';
    k->buf = buf;
    k->len = len;
    return 0;
}

static const char *day_key(struct arena *a, const struct key_base *k, struct dt_date d)
{
    char *key = arena_alloc(a, k->len + 12);
    memcpy(key, k->buf, k->len);
    key[k->len] = '|';
    int n = put_date(key + k->len + 1, d);
    if (n < 0)
        return NULL;
    key[k->len + 1 + (size_t)n] = '\0';
    return key;
}

const char *sched_answer_key(struct arena *a, const struct sched *s, int64_t now,
                             const char *form, struct dt_date from, int days)
{
    struct key_base kb;
    if (!s->cache || s->cache->no_days || day_key_base(a, s, now, &kb) < 0)
        return NULL;
    /* form|base|YYYY-MM-DD|days */
    size_t fl = strlen(form), len = 0;
    char *key = arena_alloc(a, fl + kb.len + 40);
    memcpy(key, form, fl);
    len = fl;
    key[len++] = '|';
    memcpy(key + len, kb.buf, kb.len);
    len += kb.len;
    key[len++] = '|';
    int n = put_date(key + len, from);
    if (n < 0)
        return NULL;
    len += (size_t)n;
    key[len++] = '|';
    len += put_i64(key + len, days);
    key[len] = '\0';
    return key;
}

int sched_answer_get(const struct sched *s, const char *key, struct arena *a, void **out,
                     size_t *len)
{
    return key && blobcache_get(s->cache->answers, key, a, out, len);
}

int sched_answer_put(const struct sched *s, const char *key, const void *val, size_t len)
{
    if (!key || len > ANSWER_MAX)
        return 0;
    blobcache_put(s->cache->answers, key, val, len);
    return 1;
}

struct blobcache *sched_answer_cache(const struct sched *s)
{
    return s->cache->answers;
}

/* Whether day d has no slots whatever the calendar: wholly before the
 * earliest start or after the horizon. */
static int out_of_reach(const struct sched *s, struct dt_date d, int64_t now)
{
    return tz_day_start(s->tz, dt_date_add(d, 1)) <= booking_earliest(&s->rules, now) ||
           tz_day_start(s->tz, d) > booking_latest(&s->rules, now);
}

enum err_code sched_days(struct db *db, struct arena *a, const struct sched *s, int64_t now,
                         struct dt_date from, int days, int64_t exclude, struct sched_day *out,
                         struct err *e)
{
    /* every wall minute occurs at most twice (the fall-back hour): a safe bound */
    size_t cap = (size_t)(2 * 1440 / s->rules.grid_min) + 2;
    const char **keys = arena_array(a, (size_t)days + 1, sizeof *keys);
    int first = -1, last = -1;
    struct key_base kb;
    int keyed = s->cache && !s->cache->no_days && !exclude && day_key_base(a, s, now, &kb) == 0;

    /* The cached days first; then the calendar of the days between the
     * first and the last miss, read once and bucketed. */
    for (int i = 0; i < days; i++) {
        struct dt_date d = dt_date_add(from, i);
        void *hit;
        size_t bytes;
        out[i] = (struct sched_day){d, NULL, 0};
        if (out_of_reach(s, d, now))
            continue;
        keys[i] = keyed ? day_key(a, &kb, d) : NULL;
        if (keys[i] && blobcache_get(s->cache->days, keys[i], a, &hit, &bytes)) {
            out[i].slots = hit;
            out[i].nslots = bytes / sizeof *out[i].slots;
            continue;
        }
        if (first < 0)
            first = i;
        last = i;
    }
    if (first < 0)
        return E_OK;
    struct calendar cal;
    enum err_code rc =
        load_calendar(db, a, s, dt_date_add(from, first), last - first + 1, exclude, &cal, e);
    if (rc != E_OK)
        return rc;
    for (int i = first; i <= last; i++) {
        struct avail_query q;
        if (out[i].slots || out_of_reach(s, out[i].date, now))
            continue;
        build_query(a, s, &cal, i - first, out[i].date, now, &q);
        out[i].slots = arena_array(a, cap, sizeof *out[i].slots);
        size_t n = avail_day(&q, out[i].slots, cap);
        out[i].nslots = n < cap ? n : cap;
        if (keys[i])
            blobcache_put(s->cache->days, keys[i], out[i].slots,
                          out[i].nslots * sizeof *out[i].slots);
    }
    return E_OK;
}

enum err_code sched_next(struct db *db, struct arena *a, const struct sched *s, int64_t now,
                         struct avail_slot *slot, int *found, struct err *e)
{
    struct dt_civil c;
    int off;
    enum { CHUNK = 7 };
    struct sched_day days[CHUNK];
    tz_to_local(s->tz, booking_earliest(&s->rules, now), &c, &off);
    struct dt_date d = {c.year, c.month, c.day};
    int64_t latest = booking_latest(&s->rules, now);
    *found = 0;
    while (tz_day_start(s->tz, d) <= latest) {
        enum err_code rc = sched_days(db, a, s, now, d, CHUNK, 0, days, e);
        if (rc != E_OK)
            return rc;
        for (int i = 0; i < CHUNK; i++) {
            if (days[i].nslots) {
                *slot = days[i].slots[0];
                *found = 1;
                return E_OK;
            }
        }
        d = dt_date_add(d, CHUNK);
    }
    return E_OK;
}
