/* reports — see reports.h.  Reads only: no transaction, nothing written.
 * Costs follow the period (STYLE rule 16): one pass over its appointments,
 * and per day a few spans per therapist. */
#include "svc/reports.h"

#include <stdlib.h>
#include <string.h>

#include "core/appt.h"
#include "core/referral.h"
#include "svc/money.h"
#include "svc/when.h"
#include "util/blobcache.h"

static const char *const weekday_names[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                             "Thursday", "Friday", "Saturday"};

struct reports_period reports_period(const struct tz *tz, struct dt_date from, int days)
{
    struct reports_period p;
    p.from = from;
    p.days = days;
    p.to = dt_date_add(from, days - 1);
    p.lo = tz_day_start(tz, from);
    p.hi = tz_day_start(tz, dt_date_add(from, days));
    p.location_id = 0;
    return p;
}

/* ---- a year of rows, counted in C --------------------------------------- */

/* Positions of ids (therapists) by hash: open addressing over a power of
 * two at most half full, so a row's therapist costs one hash and usually
 * one strcmp, not a strcmp per therapist. */
struct ids {
    const char **key;
    int *pos;
    size_t mask;
};

static uint32_t fnv1a(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void ids_init(struct arena *a, struct ids *t, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n + 2)
        cap <<= 1;
    t->key = arena_array(a, cap, sizeof *t->key);
    t->pos = arena_array(a, cap, sizeof *t->pos);
    t->mask = cap - 1;
    for (size_t i = 0; i < cap; i++)
        t->pos[i] = -1;
}

static void ids_put(struct ids *t, const char *key, int pos)
{
    size_t i = fnv1a(key) & t->mask;
    while (t->pos[i] >= 0 && strcmp(t->key[i], key) != 0)
        i = (i + 1) & t->mask;
    t->key[i] = key;
    t->pos[i] = pos;
}

/* The position of key, or -1. */
static int ids_get(const struct ids *t, const char *key)
{
    size_t i = fnv1a(key) & t->mask;
    while (t->pos[i] >= 0) {
        if (strcmp(t->key[i], key) == 0)
            return t->pos[i];
        i = (i + 1) & t->mask;
    }
    return -1;
}

/* The start of each local day of the period and of the day after: a row's
 * day is found by bisection, not by a time-zone conversion per row. */
static int64_t *day_bounds(struct arena *a, const struct tz *tz, const struct reports_period *p)
{
    int64_t *b = arena_array(a, (size_t)p->days + 1, sizeof *b);
    for (int k = 0; k <= p->days; k++)
        b[k] = tz_day_start(tz, dt_date_add(p->from, k));
    return b;
}

/* The day of the period t falls on (0 .. days - 1), or -1 outside it. */
static int day_of(const int64_t *bounds, int days, int64_t t)
{
    if (t < bounds[0] || t >= bounds[days])
        return -1;
    int lo = 0, hi = days; /* bounds[lo] <= t < bounds[hi] */
    while (hi - lo > 1) {
        int mid = lo + (hi - lo) / 2;
        if (bounds[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* ---- utilisation ---------------------------------------------------------- */

static size_t find_key(const struct reports_hours *h, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(h[i].key, key) == 0)
            return i;
    return n;
}

struct room_pos {
    int64_t id;
    size_t pos;
};

static int cmp_room_pos(const void *x, const void *y)
{
    const struct room_pos *a = x, *b = y;
    return (a->id > b->id) - (a->id < b->id);
}

struct util_walk {
    struct reports_util *u;
    struct ids therapists;
    struct room_pos *rooms; /* sorted by id */
    const int64_t *bounds;
    int first_weekday; /* of the period's first day */
};

static void add_hours(struct reports_hours *h, int64_t secs, int worked)
{
    h->booked += secs;
    if (worked)
        h->worked += secs;
}

static void count_appt(void *ctx, const char *therapist_id, int64_t room_id, int64_t start,
                       int64_t end, const char *status, int late)
{
    struct util_walk *w = ctx;
    struct reports_util *u = w->u;
    (void)late;
    int st = appt_status_parse(status);
    if (st == APPT_CANCELLED || st < 0)
        return;
    int64_t secs = end > start ? end - start : 0;
    int worked = st == APPT_COMPLETED || st == APPT_CHECKED_IN;
    int t = ids_get(&w->therapists, therapist_id);
    if (t >= 0)
        add_hours(&u->therapists[t], secs, worked);
    struct room_pos key = {room_id, 0};
    const struct room_pos *rp =
        u->nrooms ? bsearch(&key, w->rooms, u->nrooms, sizeof *w->rooms, cmp_room_pos) : NULL;
    if (rp)
        add_hours(&u->rooms[rp->pos], secs, worked);
    add_hours(&u->total, secs, worked);
    int k = day_of(w->bounds, u->days, start);
    if (k < 0)
        return;
    u->booked_by_day[k] += secs;
    add_hours(&u->weekdays[(w->first_weekday + k) % 7], secs, worked);
}

/* The time off of therapist id that meets [lo, hi), as spans on a. */
static struct avail_span *off_of(struct arena *a, const struct sched_setup *su, const char *id,
                                 int64_t lo, int64_t hi, size_t *n)
{
    struct avail_span *v = arena_array(a, su->noff + 1, sizeof *v);
    size_t k = 0;
    for (size_t i = 0; i < su->noff; i++)
        if (strcmp(su->off[i].therapist_id, id) == 0 && su->off[i].start < hi &&
            su->off[i].end > lo)
            v[k++] = (struct avail_span){su->off[i].start, su->off[i].end};
    *n = k;
    return v;
}

/* Adds to out the hours to book at one location (su, in zone) over the
 * period: its rooms' open hours (rooms[first_room..] are its rooms) and each
 * therapist's working hours there less breaks and time off (offs, by the
 * set-up's therapist order). */
static void add_available(struct arena *a, const struct sched_setup *su, const struct tz *zone,
                          const struct reports_period *p, struct reports_util *out,
                          size_t first_room, struct avail_span *const *offs, const size_t *noffs,
                          size_t most_off)
{
    size_t most = su->nhours + 1;
    for (size_t i = 0; i < su->ntherapists; i++) {
        if (su->weeks[i].nwork + 1 > most)
            most = su->weeks[i].nwork + 1;
        if (su->weeks[i].nbreaks + 1 > most)
            most = su->weeks[i].nbreaks + 1;
    }
    struct avail_span *open = arena_array(a, most, sizeof *open);
    struct avail_span *work = arena_array(a, most, sizeof *work);
    struct avail_span *busy = arena_array(a, most + most_off, sizeof *busy);
    int64_t *scratch = arena_array(a, 2 * (3 * most + most_off), sizeof *scratch);
    for (int k = 0; k < p->days; k++) {
        struct dt_date d = dt_date_add(p->from, k);
        int wd = dt_weekday(dt_date_to_days(d));
        int64_t lo = tz_day_start(zone, d), hi = tz_day_start(zone, dt_date_add(d, 1));
        size_t nopen = 0;
        if (!sched_closed_on(su->closed, su->nclosed, d))
            nopen = sched_wall_spans(zone, su->hours, su->nhours, d, open);
        if (nopen == 0)
            continue;
        int64_t room_secs = report_free_seconds(open, nopen, open, nopen, NULL, 0, scratch);
        for (size_t r = first_room; r < out->nrooms; r++)
            out->rooms[r].available += room_secs;
        for (size_t i = 0; i < su->ntherapists; i++) {
            const struct therapist_week *w = &su->weeks[i];
            size_t nwork = sched_wall_spans(zone, w->work, w->nwork, d, work);
            if (nwork == 0)
                continue;
            size_t nbusy = sched_wall_spans(zone, w->breaks, w->nbreaks, d, busy);
            for (size_t j = 0; j < noffs[i]; j++)
                if (offs[i][j].start < hi && offs[i][j].end > lo)
                    busy[nbusy++] = offs[i][j];
            int64_t secs = report_free_seconds(open, nopen, work, nwork, busy, nbusy, scratch);
            out->therapists[i].available += secs;
            out->weekdays[wd].available += secs;
            out->total.available += secs;
        }
    }
}

enum err_code reports_utilisation(struct db *db, struct arena *a, struct sched_cache *cache,
                                  const struct tz *tz, const struct reports_period *p,
                                  struct reports_util *out, struct err *e)
{
    struct sched_setup su;
    struct therapist *all = NULL;
    size_t nall = 0;
    enum err_code rc;
    memset(out, 0, sizeof *out);
    if ((rc = sched_setup_at(db, a, cache, p->location_id, &su, e)) != E_OK)
        return rc;
    if ((rc = db_therapists(db, a, 0, &all, &nall, e)) != E_OK)
        return rc;
    /* the locations counted: the one asked for, or every one in use (the
     * set-ups share the therapists' order, the snapshot's) */
    int64_t one = su.location->id;
    const struct location *where = p->location_id ? su.location : su.locations;
    size_t nwhere = p->location_id ? 1 : su.nlocations;
    if (nwhere == 0) { /* every location archived: the first, as before */
        where = su.location;
        nwhere = 1;
    }
    struct sched_setup *sus = arena_array(a, nwhere + 1, sizeof *sus);
    size_t nrooms = 0;
    for (size_t l = 0; l < nwhere; l++) {
        if (where[l].id == one)
            sus[l] = su;
        else if ((rc = sched_setup_at(db, a, cache, where[l].id, &sus[l], e)) != E_OK)
            return rc;
        nrooms += sus[l].nrooms;
    }

    /* every therapist: the active ones (the set-up's, with their weeks) first */
    out->therapists = arena_array(a, nall + su.ntherapists + 1, sizeof *out->therapists);
    for (size_t i = 0; i < su.ntherapists; i++)
        out->therapists[out->ntherapists++] =
            (struct reports_hours){su.therapists[i].id, su.therapists[i].name, 0, 0, 0};
    for (size_t i = 0; i < nall; i++)
        if (find_key(out->therapists, out->ntherapists, all[i].id) == out->ntherapists)
            out->therapists[out->ntherapists++] =
                (struct reports_hours){all[i].id, all[i].name, 0, 0, 0};
    out->rooms = arena_array(a, nrooms + 1, sizeof *out->rooms);
    int64_t *room_ids = arena_array(a, nrooms + 1, sizeof *room_ids);
    for (int wd = 0; wd < 7; wd++)
        out->weekdays[wd] =
            (struct reports_hours){arena_printf(a, "%d", wd), weekday_names[wd], 0, 0, 0};
    out->total = (struct reports_hours){"total", "All therapists", 0, 0, 0};
    out->days = p->days;
    out->booked_by_day = arena_array(a, (size_t)p->days + 1, sizeof *out->booked_by_day);

    /* hours to book: each day, by the spans availability reads, at each
     * location on its own clock */
    struct avail_span **offs = arena_array(a, su.ntherapists + 1, sizeof *offs);
    size_t *noffs = arena_array(a, su.ntherapists + 1, sizeof *noffs), most_off = 0;
    for (size_t i = 0; i < su.ntherapists; i++) {
        offs[i] = off_of(a, &su, su.therapists[i].id, p->lo, p->hi, &noffs[i]);
        if (noffs[i] > most_off)
            most_off = noffs[i];
    }
    for (size_t l = 0; l < nwhere; l++) {
        size_t first = out->nrooms;
        for (size_t i = 0; i < sus[l].nrooms; i++) {
            out->rooms[out->nrooms] =
                (struct reports_hours){arena_printf(a, "%lld", (long long)sus[l].rooms[i].id),
                                       sus[l].rooms[i].name, 0, 0, 0};
            room_ids[out->nrooms++] = sus[l].rooms[i].id;
        }
        const struct tz *zone = p->location_id ? tz : (sus[l].zone ? sus[l].zone : tz);
        add_available(a, &sus[l], zone, p, out, first, offs, noffs, most_off);
    }

    struct util_walk walk = {out, {0}, NULL, day_bounds(a, tz, p),
                             dt_weekday(dt_date_to_days(p->from))};
    ids_init(a, &walk.therapists, out->ntherapists);
    for (size_t i = 0; i < out->ntherapists; i++)
        ids_put(&walk.therapists, out->therapists[i].key, (int)i);
    walk.rooms = arena_array(a, out->nrooms + 1, sizeof *walk.rooms);
    for (size_t i = 0; i < out->nrooms; i++)
        walk.rooms[i] = (struct room_pos){room_ids[i], i};
    if (out->nrooms > 1)
        qsort(walk.rooms, out->nrooms, sizeof *walk.rooms, cmp_room_pos);
    if ((rc = db_report_appts(db, p->lo, p->hi, p->location_id, count_appt, &walk, e)) != E_OK)
        return rc;
    /* an inactive therapist is listed only when they had bookings */
    size_t k = su.ntherapists;
    for (size_t i = su.ntherapists; i < out->ntherapists; i++)
        if (out->therapists[i].booked > 0)
            out->therapists[k++] = out->therapists[i];
    out->ntherapists = k;
    return E_OK;
}

/* ---- attendance ------------------------------------------------------------ */

static int cmp_row_name(const void *x, const void *y)
{
    const struct reports_attend_row *a = x, *b = y;
    return strcmp(a->name, b->name);
}

struct attend_walk {
    struct reports_attend *out;
    struct ids therapists;
};

static void count_status(void *ctx, const char *therapist_id, int64_t room_id, int64_t start,
                         int64_t end, const char *status, int late)
{
    struct attend_walk *w = ctx;
    (void)room_id, (void)start, (void)end;
    int st = appt_status_parse(status);
    if (st < 0 || st >= 5)
        return;
    int t = ids_get(&w->therapists, therapist_id);
    struct reports_attend_row *rows[] = {&w->out->total, t >= 0 ? &w->out->rows[t] : NULL};
    for (size_t j = 0; j < 2 && rows[j]; j++) {
        rows[j]->n[st]++;
        rows[j]->total++;
        if (st == APPT_CANCELLED && late)
            rows[j]->late++;
    }
}

enum err_code reports_attendance(struct db *db, struct arena *a, const struct reports_period *p,
                                 struct reports_attend *out, struct err *e)
{
    struct therapist *all = NULL;
    size_t nall = 0;
    enum err_code rc;
    memset(out, 0, sizeof *out);
    out->total.key = "total";
    out->total.name = "All therapists";
    if ((rc = db_therapists(db, a, 0, &all, &nall, e)) != E_OK)
        return rc;
    struct attend_walk w = {out, {0}};
    out->rows = arena_array(a, nall + 1, sizeof *out->rows);
    ids_init(a, &w.therapists, nall);
    for (size_t i = 0; i < nall; i++) {
        out->rows[i].key = all[i].id;
        out->rows[i].name = all[i].name;
        ids_put(&w.therapists, all[i].id, (int)i);
    }
    if ((rc = db_report_appts(db, p->lo, p->hi, p->location_id, count_status, &w, e)) != E_OK)
        return rc;
    /* the therapists with appointments, by name */
    for (size_t i = 0; i < nall; i++)
        if (out->rows[i].total > 0)
            out->rows[out->nrows++] = out->rows[i];
    if (out->nrows > 1)
        qsort(out->rows, out->nrows, sizeof *out->rows, cmp_row_name);
    return E_OK;
}

int reports_no_show_rate(const struct reports_attend_row *r)
{
    return report_permille(r->n[APPT_NO_SHOW],
                           r->n[APPT_COMPLETED] + r->n[APPT_CHECKED_IN] + r->n[APPT_NO_SHOW]);
}

int reports_late_cancel_rate(const struct reports_attend_row *r)
{
    return report_permille(r->late, r->total);
}

/* ---- clients --------------------------------------------------------------- */

/* What the clients report keeps per data version: the counts that do not
 * depend on now, and for the clients not rebooked the instants their six
 * weeks end (sorted), so that "waiting" at any now is one bisection. */
struct clients_kept {
    int64_t seen, first_time, rebooked, n;
    int64_t ends[];
};

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

/* How many of ends[0..n) (sorted) are after now. */
static int64_t after_now(const int64_t *ends, int64_t n, int64_t now)
{
    int64_t lo = 0, hi = n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (ends[mid] <= now)
            lo = mid + 1;
        else
            hi = mid;
    }
    return n - lo;
}

/* The clients report's kept part for p, read from the store. */
static enum err_code clients_read(struct db *db, struct arena *a, const struct reports_period *p,
                                  struct clients_kept **out, size_t *len, struct err *e)
{
    struct report_client_row *rows = NULL;
    size_t n = 0;
    const int64_t within = (int64_t)REPORTS_REBOOK_DAYS * 86400;
    enum err_code rc = db_report_clients(db, a, p->lo, p->hi, p->location_id, &rows, &n, e);
    if (rc != E_OK)
        return rc;
    struct clients_kept *k = arena_alloc(a, sizeof *k + n * sizeof k->ends[0]);
    memset(k, 0, sizeof *k);
    for (size_t i = 0; i < n; i++) {
        const struct report_client_row *c = &rows[i];
        k->seen++;
        k->first_time += !c->seen_before;
        if (c->next_at && c->next_at <= c->last_at + within)
            k->rebooked++;
        else
            k->ends[k->n++] = c->last_at + within;
    }
    qsort(k->ends, (size_t)k->n, sizeof k->ends[0], cmp_i64);
    *out = k;
    *len = sizeof *k + (size_t)k->n * sizeof k->ends[0];
    return E_OK;
}

enum err_code reports_clients(struct db *db, struct arena *a, struct blobcache *kept,
                              const struct reports_period *p, int64_t now,
                              struct report_clients_sum *out, struct err *e)
{
    int64_t cv = 0, av = 0;
    const char *key = NULL;
    void *v = NULL;
    size_t len = 0;
    struct clients_kept *k = NULL;
    memset(out, 0, sizeof *out);
    /* the versions before the reads: what is kept is never older than its key */
    if (kept && db_versions(db, &cv, &av, e) == E_OK) {
        key = arena_printf(a, "clients|%lld|%lld|L%lld|%lld|%lld", (long long)p->lo,
                           (long long)p->hi, (long long)p->location_id, (long long)cv,
                           (long long)av);
        if (blobcache_get(kept, key, a, &v, &len) && len >= sizeof *k &&
            len == sizeof *k + (size_t)((struct clients_kept *)v)->n * sizeof k->ends[0])
            k = v;
    }
    if (!k) {
        enum err_code rc = clients_read(db, a, p, &k, &len, e);
        if (rc != E_OK)
            return rc;
        if (key)
            blobcache_put(kept, key, k, len);
    }
    out->seen = k->seen;
    out->first_time = k->first_time;
    out->rebooked = k->rebooked;
    out->waiting = after_now(k->ends, k->n, now);
    return E_OK;
}

/* ---- referrals ------------------------------------------------------------- */

static struct dt_date max_date(struct dt_date x, struct dt_date y)
{
    return dt_date_to_days(x) >= dt_date_to_days(y) ? x : y;
}

static struct dt_date min_date(struct dt_date x, struct dt_date y)
{
    return dt_date_to_days(x) <= dt_date_to_days(y) ? x : y;
}

enum err_code reports_referrals(struct db *db, struct arena *a, const struct tz *tz,
                                const struct reports_period *p, struct dt_date today,
                                struct reports_referrals *out, struct err *e)
{
    struct report_referral *refs = NULL;
    struct report_visit *vis = NULL;
    size_t nrefs = 0, nvis = 0;
    enum err_code rc;
    memset(out, 0, sizeof *out);
    /* the period, and the fortnight from today for those expiring soon */
    struct dt_date soon = dt_date_add(today, REPORTS_EXPIRING_DAYS - 1);
    struct dt_date lo_day = min_date(p->from, today), hi_day = max_date(p->to, soon);
    const char *lo_txt = when_date_param(a, lo_day), *hi_txt = when_date_param(a, hi_day);
    if ((rc = db_report_referrals(db, a, lo_txt, hi_txt, &refs, &nrefs, e)) != E_OK)
        return rc;
    if (nrefs == 0)
        return E_OK;
    /* the visits inside any of their windows */
    struct dt_date first = {9999, 12, 31}, last = {1, 1, 1};
    struct referral_span *spans = arena_array(a, nrefs, sizeof *spans);
    for (size_t i = 0; i < nrefs; i++) {
        if (dt_parse_date(refs[i].referred_on, &spans[i].from) != 0 ||
            dt_parse_date(refs[i].valid_until, &spans[i].until) != 0) {
            err_set(e, E_INTERNAL, "referral %lld has a date that is not a date",
                    (long long)refs[i].id);
            return E_INTERNAL;
        }
        spans[i].visits = refs[i].visits;
        first = min_date(first, spans[i].from);
        last = max_date(last, spans[i].until);
    }
    if ((rc = db_report_referral_appts(db, a, lo_txt, hi_txt, tz_day_start(tz, first),
                                       tz_day_start(tz, dt_date_add(last, 1)), &vis, &nvis,
                                       e)) != E_OK)
        return rc;
    struct referral_visit *v = arena_array(a, nvis + 1, sizeof *v);
    out->rows = arena_array(a, nrefs, sizeof *out->rows);
    int64_t today_days = dt_date_to_days(today);
    for (size_t i = 0; i < nrefs; i++) {
        /* vis is in client order: the client's visits are one run of it */
        size_t lo = 0, hi = nvis, nv = 0;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (vis[mid].client_id < refs[i].client_id)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (size_t j = lo; j < nvis && vis[j].client_id == refs[i].client_id; j++)
            v[nv++] = (struct referral_visit){when_local_date(tz, vis[j].start),
                                              appt_status_parse(vis[j].status)};
        struct reports_referral *row = &out->rows[out->n++];
        row->r = refs[i];
        row->used = referral_used(&spans[i], v, nv);
        row->scheduled = referral_scheduled(&spans[i], v, nv);
        row->in_period = dt_date_to_days(spans[i].from) <= dt_date_to_days(p->to) &&
                         dt_date_to_days(spans[i].until) >= dt_date_to_days(p->from);
        if (row->in_period) {
            struct referral_span both = {max_date(spans[i].from, p->from),
                                         min_date(spans[i].until, p->to), spans[i].visits};
            row->used_in_period = referral_used(&both, v, nv);
            out->active++;
            out->allowed += spans[i].visits;
            out->used += row->used;
            out->used_in_period += row->used_in_period;
        }
        int64_t until = dt_date_to_days(spans[i].until);
        row->expiring = until >= today_days && until < today_days + REPORTS_EXPIRING_DAYS &&
                        row->used < spans[i].visits;
        out->expiring += row->expiring;
    }
    return E_OK;
}

/* ---- insurance checks ------------------------------------------------------ */

enum err_code reports_insurance(struct db *db, struct arena *a, const struct reports_period *p,
                                struct reports_insurance *out, struct err *e)
{
    struct report_check *c = NULL;
    size_t n = 0;
    memset(out, 0, sizeof *out);
    enum err_code rc = db_report_insurance(db, a, p->lo, p->hi, &c, &n, e);
    if (rc != E_OK)
        return rc;
    int64_t *waits = arena_array(a, n + 1, sizeof *waits);
    size_t nw = 0;
    for (size_t i = 0; i < n; i++) {
        out->requested++;
        if (strcmp(c[i].status, "done") != 0) {
            out->pending++;
            continue;
        }
        out->done++;
        if (strcmp(c[i].outcome, "covered") == 0)
            out->covered++;
        else if (strcmp(c[i].outcome, "partial") == 0)
            out->partial++;
        else if (strcmp(c[i].outcome, "not_covered") == 0)
            out->not_covered++;
        if (c[i].verified_at >= c[i].requested_at)
            waits[nw++] = c[i].verified_at - c[i].requested_at;
    }
    out->median_seconds = report_median(waits, nw);
    return E_OK;
}

/* ---- revenue ------------------------------------------------------------------- */

static int cmp_cents_desc(const void *x, const void *y)
{
    const struct report_money_row *a = x, *b = y;
    return (a->cents < b->cents) - (a->cents > b->cents);
}

enum err_code reports_revenue(struct db *db, struct arena *a, const struct reports_period *p,
                              struct reports_revenue *out, struct err *e)
{
    struct money_day day;
    enum err_code rc;
    memset(out, 0, sizeof *out);
    if ((rc = db_report_revenue_lines(db, a, p->lo, p->hi, p->location_id, &out->services, &out->nservices,
                                      e)) != E_OK ||
        (rc = db_report_revenue_therapists(db, a, p->lo, p->hi, p->location_id, &out->therapists,
                                           &out->ntherapists, e)) != E_OK ||
        (rc = db_report_revenue_credits(db, p->lo, p->hi, p->location_id, &out->credits, &out->credited, e)) !=
            E_OK ||
        (rc = money_takings(db, a, p->location_id, p->lo, p->hi, &day, e)) != E_OK)
        return rc;
    if (out->nservices > 1)
        qsort(out->services, out->nservices, sizeof *out->services, cmp_cents_desc);
    if (out->ntherapists > 1)
        qsort(out->therapists, out->ntherapists, sizeof *out->therapists, cmp_cents_desc);
    for (int m = 0; m < MONEY__COUNT; m++)
        out->methods[m].name = money_method_name((enum money_method)m);
    for (size_t i = 0; i < day.npaid; i++) {
        int m = money_method_parse(day.paid[i].method);
        if (m >= 0) {
            out->methods[m].count += day.paid[i].count;
            out->methods[m].paid += day.paid[i].cents;
        }
        out->paid += day.paid[i].cents;
    }
    for (size_t i = 0; i < day.nrefunded; i++) {
        int m = money_method_parse(day.refunded[i].method);
        if (m >= 0)
            out->methods[m].refunded += day.refunded[i].cents;
        out->refunded += day.refunded[i].cents;
    }
    out->invoices = day.invoices;
    out->invoiced = day.invoiced;
    out->tips = day.tips;
    out->tax = day.tax;
    return E_OK;
}
