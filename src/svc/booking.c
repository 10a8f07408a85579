/* sched — loads what core/avail needs from the store and runs the booking
 * transactions.  Holds no rule of its own: notice, horizon and late
 * cancellation come from core/booking, fitting a slot from core/avail. */
#include "svc/booking.h"
#include "svc/prepaid.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/phone.h"
#include "svc/token.h"
#include "svc/webhook.h"
#include "svc/when.h"
#include "util/blobcache.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/tzload.h"

static int prob(struct err *e, enum err_code code, const char *problem)
{
    e->problem = problem;
    return code;
}

const struct tz *sched_zone(struct db *db, struct arena *a, struct sched_cache *cache,
                            int64_t location_id, const struct tz *fallback)
{
    struct sched_setup su;
    struct err e = {0};
    if (sched_setup_at(db, a, cache, location_id, &su, &e) != E_OK) {
        log_warn("the zone of location %lld: %s; using the config file's",
                 (long long)location_id, e.msg);
        return fallback;
    }
    return su.zone ? su.zone : fallback;
}

int sched_therapist_index(const struct sched *s, const char *id)
{
    for (size_t i = 0; i < s->ntherapists; i++)
        if (strcmp(s->therapists[i].id, id) == 0)
            return (int)i;
    return -1;
}

static int offers(const struct therapist *t, const char *service_id)
{
    for (size_t i = 0; i < t->nservices; i++)
        if (strcmp(t->service_ids[i], service_id) == 0)
            return 1;
    return 0;
}

static int suits(const struct room *r, const char *service_id)
{
    for (size_t i = 0; i < r->nservices; i++)
        if (strcmp(r->service_ids[i], service_id) == 0)
            return 1;
    return 0;
}

/* ---- the cached clinic set-up ---- */

struct snapshot {
    int64_t version;
    int refs; /* guarded by the cache's mutex */
    struct arena *a;
    struct service *services;
    size_t nservices;
    struct therapist *therapists;
    struct therapist_week *weeks;
    size_t ntherapists;
    struct room *rooms;
    size_t nrooms;
    struct week_span *hours; /* every location's */
    size_t nhours;
    struct time_off *off;
    size_t noff;
    struct clinic_rules rules; /* set on /admin/rules; -1 = the config file's */
    /* the locations, each with its zone (NULL: "" = the caller's, the
     * config file's) and its closed dates, parallel */
    struct location *locations;
    size_t nlocations;
    struct tz **zones;
    const char ***closed;
    size_t *nclosed;
    /* the locations in use (not archived, 0063), by position: what booking
     * and the public pages offer; archived ones stay above for history */
    struct location *active;
    size_t nactive;
};

/* Computed days (sched_days), up to this many. */
#define DAY_CACHE_SLOTS 1024
/* Rendered answers (sched_answer_get/put): up to this many, each at most
 * ANSWER_MAX bytes (a 31-day answer of sixty therapists is ~160 KB), so
 * they hold at most 16 MB. */
#define ANSWER_CACHE_SLOTS 64
#define ANSWER_MAX (256 * 1024)

struct sched_cache {
    pthread_mutex_t mu;
    struct snapshot *cur;
    struct blobcache *days;
    struct blobcache *answers; /* whole rendered answers, keyed like the days */
    int no_days; /* sched_cache_keep_days(c, 0): the bench's uncached figure */
    const struct sched_hooks *hooks; /* the app's, read at each booking (not copied) */
    uint64_t setup_hits, setup_misses, bookings; /* atomic; for /metrics */
};

struct sched_cache *sched_cache_new(const struct sched_hooks *hooks)
{
    struct sched_cache *c = xcalloc(1, sizeof *c);
    c->hooks = hooks;
    pthread_mutex_init(&c->mu, NULL);
    c->days = blobcache_new(DAY_CACHE_SLOTS);
    c->answers = blobcache_new(ANSWER_CACHE_SLOTS);
    return c;
}

static void zone_free(void *p)
{
    tz_free(p);
}

static void snapshot_unref_locked(struct snapshot *s)
{
    if (s && --s->refs == 0)
        arena_free(s->a);
}

void sched_cache_keep_days(struct sched_cache *c, int keep)
{
    c->no_days = !keep;
}

void sched_cache_stats(struct sched_cache *c, struct sched_stats *out)
{
    out->setup_hits = __atomic_load_n(&c->setup_hits, __ATOMIC_RELAXED);
    out->setup_misses = __atomic_load_n(&c->setup_misses, __ATOMIC_RELAXED);
    out->bookings = __atomic_load_n(&c->bookings, __ATOMIC_RELAXED);
    blobcache_stats(c->days, &out->day_hits, &out->day_misses);
    blobcache_stats(c->answers, &out->answer_hits, &out->answer_misses);
}

void sched_cache_free(struct sched_cache *c)
{
    if (!c)
        return;
    snapshot_unref_locked(c->cur);
    blobcache_free(c->days);
    blobcache_free(c->answers);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

struct snapshot_ref {
    struct sched_cache *cache;
    struct snapshot *snap;
};

static void snapshot_release(void *p)
{
    struct snapshot_ref *ref = p;
    pthread_mutex_lock(&ref->cache->mu);
    snapshot_unref_locked(ref->snap);
    pthread_mutex_unlock(&ref->cache->mu);
}

static enum err_code snapshot_load(struct db *db, int64_t version, struct snapshot **out,
                                   struct err *e)
{
    struct snapshot *s;
    struct arena *a = arena_new();
    enum err_code rc;

    s = arena_alloc(a, sizeof *s);
    s->a = a;
    s->version = version;
    s->refs = 1;
    if ((rc = db_services(db, a, 0, &s->services, &s->nservices, e)) != E_OK ||
        (rc = db_therapists(db, a, 1, &s->therapists, &s->ntherapists, e)) != E_OK ||
        (rc = db_rooms(db, a, &s->rooms, &s->nrooms, e)) != E_OK ||
        (rc = db_clinic_hours(db, a, &s->hours, &s->nhours, e)) != E_OK ||
        (rc = db_time_off(db, a, INT64_MIN / 2, INT64_MAX / 2, &s->off, &s->noff, e)) != E_OK ||
        (rc = db_rules_get(db, &s->rules, e)) != E_OK ||
        (rc = db_locations(db, a, &s->locations, &s->nlocations, e)) != E_OK)
        goto fail;
    s->active = arena_array(a, s->nlocations + 1, sizeof *s->active);
    for (size_t i = 0; i < s->nlocations; i++)
        if (s->locations[i].archived_at == 0)
            s->active[s->nactive++] = s->locations[i];
    s->zones = arena_array(a, s->nlocations + 1, sizeof *s->zones);
    s->closed = arena_array(a, s->nlocations + 1, sizeof *s->closed);
    s->nclosed = arena_array(a, s->nlocations + 1, sizeof *s->nclosed);
    for (size_t i = 0; i < s->nlocations; i++) {
        const struct location *l = &s->locations[i];
        char msg[160];
        if ((rc = db_closed_dates(db, a, l->id, &s->closed[i], &s->nclosed[i], e)) != E_OK)
            goto fail;
        if (!l->timezone[0])
            continue; /* the config file's zone */
        /* The admin's form checks the zone when it is saved; one that has
         * since gone from the system's tz database is logged, and the
         * location falls back to the config file's zone. */
        if (tzload_load(l->timezone, &s->zones[i], msg, sizeof msg) < 0) {
            log_warn("location %lld: %s; using the config file's timezone", (long long)l->id, msg);
            continue;
        }
        arena_defer(a, zone_free, s->zones[i]);
    }
    for (size_t i = 0; i < s->nservices; i++) {
        size_t n = 0;
        for (size_t t = 0; t < s->ntherapists; t++)
            n += offers(&s->therapists[t], s->services[i].id) != 0;
        if (n > AVAIL_MAX_THERAPISTS)
            log_warn("%zu active therapists offer '%s': \"any therapist\" considers the first "
                     "%d of them (README, API); the others are booked by name",
                     n, s->services[i].id, AVAIL_MAX_THERAPISTS);
    }
    s->weeks = arena_array(a, s->ntherapists + 1, sizeof *s->weeks);
    for (size_t i = 0; i < s->ntherapists; i++)
        if ((rc = db_therapist_week(db, a, s->therapists[i].id, &s->weeks[i], e)) != E_OK)
            goto fail;
    *out = s;
    return E_OK;
fail:
    arena_free(a);
    return rc;
}

/* The set-up for the store's current clinic version, held until a is freed;
 * *appts (if not NULL): the appointments' version, read in the same query. */
static enum err_code snapshot_get(struct db *db, struct arena *a, struct sched_cache *c,
                                  struct snapshot **out, int64_t *appts, struct err *e)
{
    int64_t version, appts_version;
    struct snapshot *s = NULL, *old = NULL;
    enum err_code rc = db_versions(db, &version, &appts_version, e);
    if (rc != E_OK)
        return rc;
    if (appts)
        *appts = appts_version;
    pthread_mutex_lock(&c->mu);
    if (c->cur && c->cur->version == version) {
        s = c->cur;
        s->refs++;
    }
    pthread_mutex_unlock(&c->mu);
    __atomic_add_fetch(s ? &c->setup_hits : &c->setup_misses, 1, __ATOMIC_RELAXED);
    if (!s) {
        if ((rc = snapshot_load(db, version, &s, e)) != E_OK)
            return rc;
        pthread_mutex_lock(&c->mu);
        if (!c->cur || c->cur->version < version) {
            old = c->cur;
            c->cur = s;
            s->refs++; /* one for the cache, one for this request */
        }
        snapshot_unref_locked(old);
        pthread_mutex_unlock(&c->mu);
    }
    struct snapshot_ref *ref = arena_alloc(a, sizeof *ref);
    ref->cache = c;
    ref->snap = s;
    arena_defer(a, snapshot_release, ref);
    *out = s;
    return E_OK;
}

/* The index of location id in snap (0: the first), or -1. */
static int location_index(const struct snapshot *snap, int64_t id)
{
    if (id == 0 && snap->nactive) /* the first in use */
        id = snap->active[0].id;
    if (id == 0)
        return snap->nlocations ? 0 : -1;
    for (size_t i = 0; i < snap->nlocations; i++)
        if (snap->locations[i].id == id)
            return (int)i;
    return -1;
}

/* The spans of v at location loc, copied to a. */
static struct week_span *spans_at(struct arena *a, const struct week_span *v, size_t n,
                                  int64_t loc, size_t *out_n)
{
    struct week_span *out = arena_array(a, n + 1, sizeof *out);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i].location_id == loc)
            out[k++] = v[i];
    *out_n = k;
    return out;
}

static struct therapist_week week_at(struct arena *a, const struct therapist_week *w, int64_t loc)
{
    struct therapist_week out;
    out.work = spans_at(a, w->work, w->nwork, loc, &out.nwork);
    out.breaks = spans_at(a, w->breaks, w->nbreaks, loc, &out.nbreaks);
    return out;
}

enum err_code sched_setup(struct db *db, struct arena *a, struct sched_cache *cache,
                          struct sched_setup *out, struct err *e)
{
    return sched_setup_at(db, a, cache, 0, out, e);
}

enum err_code sched_setup_at(struct db *db, struct arena *a, struct sched_cache *cache,
                             int64_t location_id, struct sched_setup *out, struct err *e)
{
    struct snapshot *snap;
    enum err_code rc = snapshot_get(db, a, cache, &snap, &out->appointments_version, e);
    if (rc != E_OK)
        return rc;
    int li = location_index(snap, location_id);
    if (li < 0)
        return err_set(e, E_NOTFOUND, "There is no such location.");
    int64_t loc = snap->locations[li].id;
    out->version = snap->version;
    out->location = &snap->locations[li];
    out->zone = snap->zones[li];
    out->therapists = snap->therapists;
    out->ntherapists = snap->ntherapists;
    struct room *rooms = arena_array(a, snap->nrooms + 1, sizeof *rooms);
    size_t nr = 0;
    for (size_t i = 0; i < snap->nrooms; i++)
        if (snap->rooms[i].location_id == loc)
            rooms[nr++] = snap->rooms[i];
    out->rooms = rooms;
    out->nrooms = nr;
    struct therapist_week *weeks = arena_array(a, snap->ntherapists + 1, sizeof *weeks);
    for (size_t i = 0; i < snap->ntherapists; i++)
        weeks[i] = week_at(a, &snap->weeks[i], loc);
    out->weeks = weeks;
    out->all_weeks = snap->weeks;
    out->hours = spans_at(a, snap->hours, snap->nhours, loc, &out->nhours);
    out->all_hours = snap->hours;
    out->nall_hours = snap->nhours;
    out->closed = (const char *const *)snap->closed[li];
    out->nclosed = snap->nclosed[li];
    out->off = snap->off;
    out->noff = snap->noff;
    out->locations = snap->active;
    out->nlocations = snap->nactive;
    return E_OK;
}

/* The rules in force: the stored value where the admin set one, else the
 * config file's. */
static struct booking_rules rules_in_force(const struct snapshot *snap,
                                           const struct booking_rules *cfg)
{
    struct booking_rules r = *cfg;
    if (snap->rules.min_notice_minutes >= 0)
        r.min_notice_min = snap->rules.min_notice_minutes;
    if (snap->rules.horizon_days >= 0)
        r.horizon_days = snap->rules.horizon_days;
    if (snap->rules.grid_minutes >= 0) /* fixed at start (sched_fix_grid); and here if
                                        * written around the admin page since */
        r.grid_min = booking_grid_fix(snap->rules.grid_minutes);
    if (snap->rules.late_cancel_hours >= 0)
        r.late_cancel_hours = snap->rules.late_cancel_hours;
    return r;
}

enum err_code sched_fix_grid(struct db *db, int *was, int *now, struct err *e)
{
    struct clinic_rules st;
    enum err_code rc;
    *was = *now = -1;
    if ((rc = db_begin(db, e)) != E_OK)
        return rc;
    if ((rc = db_rules_get(db, &st, e)) != E_OK)
        goto fail;
    *was = *now = st.grid_minutes;
    if (st.grid_minutes >= 0 && !booking_grid_ok(st.grid_minutes)) {
        st.grid_minutes = booking_grid_fix(st.grid_minutes);
        if ((rc = db_rules_put(db, &st, e)) != E_OK)
            goto fail;
        *now = st.grid_minutes;
    }
    if ((rc = db_commit(db, e)) != E_OK)
        goto fail;
    return E_OK;
fail:
    db_rollback(db);
    *now = *was;
    return rc;
}

enum err_code sched_rules(struct db *db, struct arena *a, struct sched_cache *cache,
                          const struct booking_rules *cfg, struct booking_rules *out,
                          struct err *e)
{
    struct snapshot *snap;
    enum err_code rc = snapshot_get(db, a, cache, &snap, NULL, e);
    if (rc != E_OK)
        return rc;
    *out = rules_in_force(snap, cfg);
    return E_OK;
}

enum err_code sched_service_rules(struct db *db, struct arena *a, struct sched_cache *cache,
                                  const struct booking_rules *cfg, int64_t location_id,
                                  const char *service_id,
                                  struct service *sv, int *found, struct booking_rules *out,
                                  struct err *e)
{
    struct snapshot *snap;
    enum err_code rc = snapshot_get(db, a, cache, &snap, NULL, e);
    if (rc != E_OK)
        return rc;
    *out = rules_in_force(snap, cfg);
    int li = location_index(snap, location_id);
    if (li >= 0) {
        const struct location *l = &snap->locations[li];
        *out = booking_rules_for(out, l->min_notice_minutes, l->horizon_days,
                                 l->late_cancel_hours);
    }
    *found = 0;
    for (size_t i = 0; i < snap->nservices; i++) {
        if (strcmp(snap->services[i].id, service_id) != 0)
            continue;
        *sv = snap->services[i]; /* its strings live while a holds the snapshot */
        *found = 1;
        *out = booking_rules_for(out, sv->min_notice_minutes, sv->horizon_days,
                                 sv->late_cancel_hours);
    }
    return E_OK;
}

int sched_cached_rules(struct sched_cache *cache, const struct booking_rules *cfg,
                       struct booking_rules *out)
{
    int have;
    if (!cache) {
        *out = *cfg;
        return 1; /* no cache to load either */
    }
    pthread_mutex_lock(&cache->mu);
    have = cache->cur != NULL;
    *out = have ? rules_in_force(cache->cur, cfg) : *cfg;
    pthread_mutex_unlock(&cache->mu);
    return have;
}

enum err_code sched_load(struct db *db, struct arena *a, struct sched_cache *cache,
                         const struct tz *tz, const struct booking_rules *cfg,
                         const char *service_id, const char *therapist_id, struct sched *out,
                         struct err *e)
{
    return sched_load_at(db, a, cache, tz, cfg, 0, service_id, therapist_id, out, e);
}

enum err_code sched_load_at(struct db *db, struct arena *a, struct sched_cache *cache,
                            const struct tz *tz, const struct booking_rules *cfg,
                            int64_t location_id, const char *service_id,
                            const char *therapist_id, struct sched *out, struct err *e)
{
    struct snapshot *snap;
    enum err_code rc;
    const struct service *svc = NULL;

    memset(out, 0, sizeof *out);
    out->tz = tz;
    out->hooks = cache->hooks;
    if ((rc = snapshot_get(db, a, cache, &snap, &out->appointments_version, e)) != E_OK)
        return rc;
    out->version = snap->version;
    out->cache = cache;
    int li = location_index(snap, location_id);
    if (li < 0) {
        err_set(e, E_UNPROCESSABLE,
                "There is no location %lld; GET /api/v1/locations lists them.",
                (long long)location_id);
        return prob(e, E_UNPROCESSABLE, "unknown_location");
    }
    if (snap->locations[li].archived_at != 0) {
        err_set(e, E_UNPROCESSABLE,
                "%s is archived: we no longer book there.",
                snap->locations[li].name);
        return prob(e, E_UNPROCESSABLE, "archived_location");
    }
    int64_t loc = snap->locations[li].id;
    out->location = snap->locations[li];
    out->nlocations = snap->nactive;
    if (snap->zones[li])
        out->tz = snap->zones[li];
    for (size_t i = 0; i < snap->nservices; i++)
        if (strcmp(snap->services[i].id, service_id) == 0 && snap->services[i].active)
            svc = &snap->services[i];
    if (!svc) {
        err_set(e, E_UNPROCESSABLE, "There is no service '%s'; GET /api/v1/services lists them.",
                service_id);
        return prob(e, E_UNPROCESSABLE, "unknown_service");
    }
    out->service = *svc;
    /* the clinic's rules, the location's where it has its own (0064), the
     * service's where it has its own */
    struct booking_rules clinic = rules_in_force(snap, cfg);
    struct booking_rules here =
        booking_rules_for(&clinic, out->location.min_notice_minutes, out->location.horizon_days,
                          out->location.late_cancel_hours);
    out->rules = booking_rules_for(&here, svc->min_notice_minutes, svc->horizon_days,
                                   svc->late_cancel_hours);
    size_t n = snap->ntherapists;
    out->therapists = arena_array(a, n + 1, sizeof *out->therapists);
    out->weeks = arena_array(a, n + 1, sizeof *out->weeks);
    int any = !therapist_id || !*therapist_id || strcmp(therapist_id, "any") == 0;
    for (size_t i = 0; i < n && out->ntherapists < AVAIL_MAX_THERAPISTS; i++) {
        if (!offers(&snap->therapists[i], service_id))
            continue;
        if (!any && strcmp(snap->therapists[i].id, therapist_id) != 0)
            continue;
        struct therapist_week w = week_at(a, &snap->weeks[i], loc);
        /* "Any therapist" at one of several locations: those who work
         * there (the first 64 of them, AVAIL_MAX_THERAPISTS). */
        if (any && snap->nactive > 1 && w.nwork == 0)
            continue;
        out->weeks[out->ntherapists] = w;
        out->therapists[out->ntherapists++] = snap->therapists[i];
    }
    if (!any && out->ntherapists == 0) {
        int exists = 0;
        for (size_t i = 0; i < n; i++)
            if (strcmp(snap->therapists[i].id, therapist_id) == 0)
                exists = 1;
        if (exists)
            err_set(e, E_UNPROCESSABLE, "Therapist '%s' does not offer '%s'.", therapist_id,
                    svc->name);
        else
            err_set(e, E_UNPROCESSABLE,
                    "There is no therapist '%s'; GET /api/v1/therapists lists them.",
                    therapist_id);
        return prob(e, E_UNPROCESSABLE, "unknown_therapist");
    }
    out->rooms = arena_array(a, snap->nrooms + 1, sizeof *out->rooms);
    for (size_t i = 0; i < snap->nrooms; i++)
        if (suits(&snap->rooms[i], service_id) && snap->rooms[i].location_id == loc)
            out->rooms[out->nrooms++] = snap->rooms[i];
    out->hours = spans_at(a, snap->hours, snap->nhours, loc, &out->nhours);
    out->closed = snap->closed[li];
    out->nclosed = snap->nclosed[li];
    out->off = snap->off;
    out->noff = snap->noff;
    return E_OK;
}

/* The busy spans of a range of days, read once and bucketed: for each day
 * of the range and each of the sched's therapists and rooms, the
 * appointments (with their buffers) and the time off that overlap the day,
 * sorted by start.  A day then reads only its own spans, so building a
 * range costs the appointments it holds, not days x (therapists + rooms) x
 * appointments.  A span that crosses midnight lies in both days' buckets. */
struct calendar {
    const int64_t *bound; /* days + 1 day starts: day k is [bound[k], bound[k + 1]) */
    int days;
    size_t nt, nr;
    /* bucket (k, i) = spans[at[k * n + i] .. at[k * n + i + 1]) */
    size_t *appt_at, *off_at, *room_at;
    struct avail_span *appt, *off, *room;
    int64_t *booked_sec; /* days x nt: seconds each therapist is booked that day */
};

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
static enum err_code load_calendar(struct db *db, struct arena *a, const struct sched *s,
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
static void build_query(struct arena *a, const struct sched *s, const struct calendar *c, int k,
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

/* Returns 0, or -1 if the key cannot be formatted (then the days are
 * computed, not cached). */
static int day_key_base(struct arena *a, const struct sched *s, int64_t now, struct key_base *k)
{
    int64_t minute = now % 60 == 0 ? now : (now / 60 + (now > 0)) * 60;
    size_t cap = 256 + s->nrooms * 22, len;
    for (size_t i = 0; i < s->ntherapists; i++)
        cap += strlen(s->therapists[i].id) + 1;
    char *buf = arena_alloc(a, cap);
    int n = snprintf(buf, cap, "%lld|%lld|L%lld|%.80s|%d|%d|%d|%d|%d|%lld|%d|",
                     (long long)s->version, (long long)s->appointments_version,
                     (long long)s->location.id, s->service.id, s->service.duration_min,
                     s->service.buffer_min, s->rules.min_notice_min, s->rules.horizon_days,
                     s->rules.grid_min, (long long)minute, now % 60 == 0);
    if (n < 0 || (size_t)n >= cap)
        return -1;
    len = (size_t)n;
    /* cap counted every id's length, a comma each and 22 bytes a room */
    for (size_t i = 0; i < s->ntherapists; i++) {
        size_t l = strlen(s->therapists[i].id);
        memcpy(buf + len, s->therapists[i].id, l);
        len += l;
        buf[len++] = ',';
    }
    for (size_t i = 0; i < s->nrooms; i++) {
        buf[len++] = '|';
        if (s->rooms[i].id < 0)
            buf[len++] = '-';
        len += put_u64(buf + len, s->rooms[i].id < 0 ? 0 - (uint64_t)s->rooms[i].id
                                                     : (uint64_t)s->rooms[i].id);
    }
    buf[len] = '\0';
    k->buf = buf;
    k->len = len;
    return 0;
}

static const char *day_key(struct arena *a, const struct key_base *k, struct dt_date d)
{
    size_t cap = k->len + 24;
    char *key = arena_alloc(a, cap);
    memcpy(key, k->buf, k->len);
    int n = snprintf(key + k->len, cap - k->len, "|%04d-%02d-%02d", d.year, d.month, d.day);
    return n < 0 || (size_t)n >= cap - k->len ? NULL : key;
}

const char *sched_answer_key(struct arena *a, const struct sched *s, int64_t now,
                             const char *form, struct dt_date from, int days)
{
    struct key_base kb;
    if (!s->cache || s->cache->no_days || day_key_base(a, s, now, &kb) < 0)
        return NULL;
    return arena_printf(a, "%s|%s|%04d-%02d-%02d|%d", form, kb.buf, from.year, from.month,
                        from.day, days);
}

int sched_answer_get(const struct sched *s, const char *key, struct arena *a, void **out,
                     size_t *len)
{
    return key && blobcache_get(s->cache->answers, key, a, out, len);
}

void sched_answer_put(const struct sched *s, const char *key, const void *val, size_t len)
{
    if (key && len <= ANSWER_MAX)
        blobcache_put(s->cache->answers, key, val, len);
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

/* Inside the transaction: what the change causes (e-mail), if anything. */
static enum err_code run_queue_hook(const struct sched_hooks *h, struct db *db, enum sched_event ev,
                                    int64_t id, const struct appointment *before, const char *token,
                                    int by_staff, int64_t now, struct err *e)
{
    return h && h->queue ? h->queue(h->ctx, db, ev, id, before, token, by_staff, now, e) : E_OK;
}

/* The webhooks the hooks carry, or NULL. */
static struct wh *webhooks(const struct sched_hooks *h)
{
    return h ? h->webhooks : NULL;
}

static void run_committed_hook(const struct sched_hooks *h)
{
    if (h && h->committed)
        h->committed(h->ctx);
}

/* Inside the booking's (or move's) transaction, first, one statement: holds
 * the person (email, phone) against their other bookings, so that the
 * client-overlap check reads and decides one after the other (PostgreSQL),
 * then its location and the therapists it may book (who, or all of s's for
 * -1), which stay as s read them until the commit, or the version read
 * after this says they changed (store.h db_hold_for_booking). */
static enum err_code hold(struct db *db, struct arena *a, const struct sched *s,
                          const char *email, const char *phone, int who, struct err *e)
{
    char e164[PHONE_E164_MAX];
    const char *ekey = NULL, *pkey = NULL;
    if (email) {
        while (*email == ' ')
            email++;
        size_t n = strlen(email);
        while (n && email[n - 1] == ' ')
            n--;
        if (n) {
            char *key = arena_printf(a, "e:%.*s", (int)n, email);
            for (char *c = key; *c; c++)
                if (*c >= 'A' && *c <= 'Z')
                    *c = (char)(*c - 'A' + 'a');
            ekey = key;
        }
    }
    if (phone && *phone && phone_e164(phone, e164) == 0)
        pkey = arena_printf(a, "p:%s", e164);
    size_t n = who >= 0 ? 1 : s->ntherapists;
    const char **ids = arena_array(a, n + 1, sizeof *ids);
    for (size_t i = 0; i < n; i++)
        ids[i] = s->therapists[who >= 0 ? (size_t)who : i].id;
    return db_hold_for_booking(db, ekey, pkey, s->location.id, ids, n, e);
}

/* Inside the transaction, first: holds (hold) and refuses start..end when
 * the client (email, phone) holds another live appointment overlapping it,
 * unless allow; the first one found goes to *found (if not NULL; id 0 when
 * none).  who: the therapist the caller will place with (-1: any). */
static enum err_code check_client(struct db *db, struct arena *a, const struct sched *s,
                                  int who, const char *email, const char *phone, int64_t start,
                                  int64_t end, int64_t exclude, int allow,
                                  struct client_booking *found, struct err *e)
{
    struct client_booking *list;
    size_t n;
    if (found)
        memset(found, 0, sizeof *found);
    /* one person's bookings decide one after the other (PostgreSQL) */
    enum err_code rc = hold(db, a, s, email, phone, who, e);
    if (rc != E_OK)
        return rc;
    if ((rc = db_client_overlaps(db, a, start, end, exclude, &list, &n, e)) != E_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (!booking_overlaps(start, end, list[i].start, list[i].end) ||
            !booking_same_client(email, phone, list[i].email, list[i].phone))
            continue;
        if (found)
            *found = list[i];
        if (allow)
            return E_OK;
        /* Names the other appointment by its service and time only: the
         * requester has not proven who they are, so nothing of the other
         * booking's person (name, therapist, link) is told. */
        const char *when = when_at(s->tz, a, list[i].start);
        err_set(e, E_CONFLICT,
                "This client already has an appointment at an overlapping time (%.60s, %s); "
                "one client can hold one place at a time. Move or cancel that one, or choose "
                "another time.",
                list[i].service_name, when);
        return prob(e, E_CONFLICT, "client_overlap");
    }
    return E_OK;
}

/* Checks notice and horizon; staff may book inside the notice window. */
static enum err_code check_time(struct arena *a, const struct sched *s, int64_t now,
                                int64_t start, int staff, struct err *e)
{
    const char *when;
    switch (booking_check_time(&s->rules, now, start)) {
    case BOOKING_TIME_OK:
        return E_OK;
    case BOOKING_IN_PAST:
        err_set(e, E_UNPROCESSABLE, "That time has already passed; choose a later one.");
        return prob(e, E_UNPROCESSABLE, "in_past");
    case BOOKING_TOO_SOON:
        if (staff)
            return E_OK;
        {
            int64_t t = booking_round_up(&s->rules, s->tz,
                                         booking_earliest(&s->rules, now));
            when = when_at(s->tz, a, t);
        }
        err_set(e, E_UNPROCESSABLE,
                "Online bookings need %d minutes' notice; the earliest time that can be booked "
                "now is %s.",
                s->rules.min_notice_min, when);
        return prob(e, E_UNPROCESSABLE, "too_soon");
    case BOOKING_TOO_FAR:
        err_set(e, E_UNPROCESSABLE, "Bookings open %d days ahead; choose an earlier day.",
                s->rules.horizon_days);
        return prob(e, E_UNPROCESSABLE, "too_far");
    }
    return E_INTERNAL;
}

static enum err_code unavailable(struct err *e)
{
    err_set(e, E_CONFLICT,
            "That time is not available (taken, outside opening hours, or not on the "
            "booking grid); choose another from the availability list.");
    return prob(e, E_CONFLICT, "slot_unavailable");
}

/* Inside a transaction: finds therapist and room for start.  who = -1: any.
 * A transaction that writes what it finds (a booking, a move) has held the
 * location and therapists first (check_client's hold). */
static enum err_code place(struct db *db, struct arena *a, const struct sched *s, int64_t now,
                           int64_t start, int who, int64_t exclude, int *t_out,
                           size_t *room_out, struct err *e)
{
    struct dt_civil c;
    int off;
    struct calendar cal;
    struct avail_query q;
    enum err_code rc;

    tz_to_local(s->tz, start, &c, &off);
    struct dt_date d = {c.year, c.month, c.day};
    int64_t version;
    /* PostgreSQL: without the hold (check_client) an archive or an hours
     * save committed after this version read would not be seen, and the
     * booking would commit into an archived location or outside the new
     * hours */
    if ((rc = db_clinic_version(db, &version, e)) != E_OK)
        return rc;
    if (version != s->version) {
        err_set(e, E_CONFLICT,
                "The clinic's schedule changed a moment ago; please choose the time again.");
        return prob(e, E_CONFLICT, "slot_unavailable");
    }
    if ((rc = load_calendar(db, a, s, d, 1, exclude, &cal, e)) != E_OK)
        return rc;
    build_query(a, s, &cal, 0, d, now, &q);
    if (who >= 0) {
        if (!avail_fits(&q, (size_t)who, start, room_out))
            return unavailable(e);
        *t_out = who;
        return E_OK;
    }
    /* "Any therapist": the fewest booked minutes that day, then the least
     * recently assigned (core/avail.h); the last assignment is read only
     * for those tied at the fewest minutes, the only ones it can decide. */
    uint64_t mask = 0;
    int least = -1;
    struct avail_load *load = arena_array(a, s->ntherapists + 1, sizeof *load);
    for (size_t i = 0; i < s->ntherapists; i++) {
        load[i].booked_min = (int)(cal.booked_sec[i] / 60);
        if (!avail_fits(&q, i, start, NULL))
            continue;
        mask |= (uint64_t)1 << i;
        if (least < 0 || load[i].booked_min < least)
            least = load[i].booked_min;
    }
    for (size_t i = 0; i < s->ntherapists && (mask & (mask - 1)); i++)
        if ((mask >> i & 1) && load[i].booked_min == least &&
            (rc = db_therapist_last_assigned(db, s->therapists[i].id, &load[i].last_at,
                                             &load[i].last_id, e)) != E_OK)
            return rc;
    int t = avail_pick_therapist(mask, load, s->ntherapists);
    if (t < 0 || !avail_fits(&q, (size_t)t, start, room_out))
        return unavailable(e);
    *t_out = t;
    return E_OK;
}

enum err_code sched_book(struct db *db, struct arena *a, const struct sched *s, int64_t now,
                         int64_t start, int who, const struct sched_client *cl,
                         struct appointment *out, char token[TOKEN_LEN], struct err *e)
{
    return sched_book_with(db, a, s, now, start, who, cl, NULL, NULL, out, token, e);
}

/* Who a package credit's audit names when the caller named nobody: the
 * front desk, or the client online (by the booking's own link). */
static const struct actor desk_actor = {0, "front desk", "staff", "", PROOF_STAFF};
static const struct actor client_actor = {0, "client online", "client", "", PROOF_MANAGE_LINK};

/* Client checks that need no store. */
static enum err_code check_client_fields(const struct sched_client *cl, struct err *e)
{
    const char *why;
    /* only the front desk may book a client with a phone and no e-mail */
    if ((why = booking_check_name(cl->name)) ||
        (why = cl->staff ? booking_check_desk_contact(cl->email, cl->phone)
                         : booking_check_email(cl->email)) ||
        (why = booking_check_phone(cl->phone)) || (why = booking_check_notes(cl->notes))) {
        err_set(e, E_UNPROCESSABLE, "%s", why);
        return prob(e, E_UNPROCESSABLE, "invalid_client");
    }
    return E_OK;
}

/* The writes of a booking, inside an open writing transaction (or a
 * savepoint of a shared one): re-checks the client and the slot, stores the
 * client (if new) and the appointment, runs inside and the queue hook and
 * queues the webhook events.  It may run on another request's thread
 * (db_tx_shared), so it touches nothing but db, its arguments (whose owner
 * waits) and the hooks' shared objects.  *id gets the appointment's id. */
static enum err_code book_in_tx(struct db *db, struct arena *a, const struct sched *s,
                                int64_t now, int64_t start, int who,
                                const struct sched_client *cl, sched_inside_fn inside, void *ctx,
                                char token[TOKEN_LEN], int64_t *id, struct err *e)
{
    enum err_code rc;
    int t = -1;
    size_t room = 0;
    int64_t client_id;
    unsigned char hash[STORE_TOKEN_HASH];
    /* the client first: "you hold a place then" says more than "taken" */
    if ((rc = check_client(db, a, s, who, cl->email, cl->phone, start,
                           start + (int64_t)s->service.duration_min * 60, 0, cl->allow_overlap,
                           cl->overlap, e)) != E_OK ||
        (rc = place(db, a, s, now, start, who, 0, &t, &room, e)) != E_OK)
        return rc;
    /* Only the front desk's booking may change a stored client's phone: a
     * name and an address typed into the public form prove nothing.  The
     * phone the booking gave stays on the appointment either way. */
    int new_client = 0;
    if ((rc = db_client_for_booking_made(db, cl->name, cl->email, cl->phone ? cl->phone : "",
                                         cl->staff, now, &client_id, &new_client, e)) != E_OK ||
        (new_client && (rc = wh_client_created(webhooks(s->hooks), db, client_id, now, e)) != E_OK))
        return rc;
    token_new(token, hash);
    struct appointment ap = {0};
    ap.service_id = s->service.id;
    ap.therapist_id = s->therapists[t].id;
    ap.room_id = s->rooms[room].id;
    ap.client_id = client_id;
    ap.start = start;
    ap.end = start + (int64_t)s->service.duration_min * 60;
    ap.busy_until = ap.end + (int64_t)s->service.buffer_min * 60;
    ap.status = "booked";
    ap.notes = cl->notes ? cl->notes : "";
    ap.contact_phone = cl->phone ? cl->phone : "";
    ap.sms_consent_at = cl->sms_consent ? now : 0;
    ap.source = cl->staff ? "staff" : "online";
    ap.created_at = now;
    int used = 0;
    const struct actor *by = cl->by ? cl->by : cl->staff ? &desk_actor : &client_actor;
    if ((rc = db_add_appointment(db, &ap, hash, id, e)) != E_OK ||
        (cl->use_credit &&
         (rc = prepaid_use_credit(db, by, *id, client_id, ap.service_id, start,
                                  cl->staff ? "front desk" : "client online", now, &used, e)) !=
             E_OK) ||
        (inside && (rc = inside(ctx, db, *id, e)) != E_OK) ||
        (rc = run_queue_hook(s->hooks, db, SCHED_BOOKED, *id, NULL, token, cl->staff, now, e)) !=
            E_OK)
        return rc;
    if (cl->held)
        return E_OK; /* booked when paid: svc/pay announces it then */
    return wh_appointment(webhooks(s->hooks), db, WH_APPT_BOOKED, *id, NULL, cl->staff, now, e);
}

/* One booking's transaction body, for db_tx_shared: it may run on another
 * request's thread and connection (db), beside other bookings, and must
 * touch nothing but db and *b (whose owner waits). */
struct book_tx {
    struct arena *a;
    const struct sched *s;
    int64_t now, start;
    int who;
    const struct sched_client *cl;
    sched_inside_fn inside;
    void *ctx;
    char *token;
    int64_t id; /* out */
};

static enum err_code book_body(struct db *db, void *p, struct err *e)
{
    struct book_tx *b = p;
    return book_in_tx(db, b->a, b->s, b->now, b->start, b->who, b->cl, b->inside, b->ctx,
                      b->token, &b->id, e);
}

enum err_code sched_book_with(struct db *db, struct arena *a, const struct sched *s, int64_t now,
                              int64_t start, int who, const struct sched_client *cl,
                              sched_inside_fn inside, void *ctx, struct appointment *out,
                              char token[TOKEN_LEN], struct err *e)
{
    enum err_code rc;

    if ((rc = check_client_fields(cl, e)) != E_OK ||
        (rc = check_time(a, s, now, start, cl->staff, e)) != E_OK)
        return rc;
    /* Bookings that arrive together share one commit (store.h db_tx_shared:
     * one sync of SQLite's log for all of them); each is still decided
     * alone, after the ones before it, and refused alone.  A lost race
     * (store.h's concurrency contract) runs again. */
    struct book_tx b = {a, s, now, start, who, cl, inside, ctx, token, 0};
    if ((rc = db_tx_shared(db, book_body, &b, e)) != E_OK)
        return rc;
    if (s->cache)
        __atomic_add_fetch(&s->cache->bookings, 1, __ATOMIC_RELAXED);
    run_committed_hook(s->hooks);
    return db_appointment(db, a, b.id, out, e);
}

enum err_code sched_book_in(struct db *db, struct arena *a, const struct sched *s, int64_t now,
                            int64_t start, int who, const struct sched_client *cl, int64_t *id,
                            struct err *e)
{
    char token[TOKEN_LEN];
    enum err_code rc;
    if ((rc = check_client_fields(cl, e)) != E_OK ||
        (rc = check_time(a, s, now, start, cl->staff, e)) != E_OK)
        return rc;
    return book_in_tx(db, a, s, now, start, who, cl, NULL, NULL, token, id, e);
}

enum err_code sched_fits(struct db *db, struct arena *a, const struct sched *s, int64_t now,
                         int64_t start, int who, struct err *e)
{
    int t = -1;
    size_t room = 0;
    enum err_code rc = check_time(a, s, now, start, 0, e);
    return rc != E_OK ? rc : place(db, a, s, now, start, who, 0, &t, &room, e);
}

enum err_code sched_move(struct db *db, struct arena *a, const struct sched *s, int64_t now,
                         const struct appointment *appt, int64_t start, int who,
                         struct appointment *out, struct err *e)
{
    enum err_code rc;
    int t = -1;
    size_t room = 0;

    if (strcmp(appt->status, "booked") != 0 || appt->start <= now) {
        err_set(e, E_CONFLICT, "This appointment is %s and can no longer be moved.",
                strcmp(appt->status, "booked") != 0 ? appt->status : "in the past");
        return prob(e, E_CONFLICT, "not_movable");
    }
    if ((rc = check_time(a, s, now, start, 0, e)) != E_OK)
        return rc;
    int tries = 0;
    int64_t end = start + (int64_t)s->service.duration_min * 60;
again: /* a lost race (PostgreSQL: a deadlock over the calendar) runs again */
    if ((rc = db_begin(db, e)) != E_OK)
        return rc;
    if ((rc = check_client(db, a, s, who, appt->client_email, appt->client_phone, start, end,
                           appt->id, 0, NULL, e)) != E_OK ||
        (rc = place(db, a, s, now, start, who, appt->id, &t, &room, e)) != E_OK)
        goto fail;
    if ((rc = db_move_appointment(db, appt->id, s->therapists[t].id, s->rooms[room].id, start, end,
                                  end + (int64_t)s->service.buffer_min * 60, e)) != E_OK ||
        (rc = run_queue_hook(s->hooks, db, SCHED_MOVED, appt->id, appt, NULL, s->staff, now, e)) !=
            E_OK ||
        (rc = wh_appointment(webhooks(s->hooks), db, WH_APPT_MOVED, appt->id, appt, s->staff, now,
                             e)) != E_OK)
        goto fail;
    if ((rc = db_commit(db, e)) != E_OK)
        goto fail;
    run_committed_hook(s->hooks);
    return db_appointment(db, a, appt->id, out, e);
fail:
    db_rollback(db);
    if (db_retry(db, &rc, &tries, e))
        goto again;
    return rc;
}

static enum err_code add_event(struct db *db, const struct actor *who, int64_t appt_id,
                               const char *kind, const char *from, const char *to,
                               const char *reason, int64_t now, struct err *e)
{
    struct appt_event ev = {.appointment_id = appt_id, .at = now,
                            .user_id = who && who->user_id ? who->user_id : 0,
                            .actor = who && who->user_id ? who->email : "system", .kind = kind,
                            .from_status = from, .to_status = to, .reason = reason};
    return db_appt_event_add(db, &ev, e);
}

/* *yes = 1 when the appointment was announced as booked to webhook
 * subscribers: always, unless its slot was held for a deposit or card
 * (svc/pay) that was never paid, whose appointment.booked never went. */
static enum err_code announced(struct db *db, int64_t appt_id, int *yes, struct err *e)
{
    struct arena *a = arena_new();
    struct checkout c;
    int found = 0;
    enum err_code rc = db_checkout_of_appt(db, a, appt_id, &c, &found, e);
    *yes = rc != E_OK || !found || strcmp(c.status, "paid") == 0;
    arena_free(a);
    return rc;
}

/* A cancellation by the desk gives the visit's package credit back unless
 * the appointment was marked a late cancellation (read back, so however
 * the desk's change decides lateness, the credit follows it). */
static enum err_code return_credit(struct db *db, int64_t appt_id, const struct actor *who,
                                   int64_t now, struct err *e)
{
    struct arena *a = arena_new();
    struct appointment ap;
    enum err_code rc = db_appointment(db, a, appt_id, &ap, e);
    if (rc == E_OK)
        rc = prepaid_return_credit(db, who ? who : &desk_actor, appt_id, ap.cancel_late,
                                   who && who->user_id ? who->email : "front desk", now, e);
    arena_free(a);
    return rc;
}

enum err_code sched_set_status(struct db *db, const struct sched_hooks *hooks,
                               const struct booking_rules *rules, const struct actor *who,
                               const struct appointment *ap, const char *to, const char *reason,
                               int64_t now, struct err *e)
{
    enum err_code rc;
    int cancel = strcmp(to, "cancelled") == 0, tries = 0;
    const char *why = cancel && reason ? reason : "";
    /* the same rule as the client's own cancellation (sched_cancel) */
    int late = cancel && rules && booking_is_late_cancel(rules, now, ap->start);
    int told = 1;
again:
    if ((rc = db_begin(db, e)) != E_OK)
        return rc;
    if ((rc = db_set_appointment_status(db, ap->id, ap->status, to, now, why, late, e)) != E_OK ||
        (rc = add_event(db, who, ap->id, "status", ap->status, to, why, now, e)) != E_OK ||
        (cancel && (rc = return_credit(db, ap->id, who, now, e)) != E_OK) ||
        (cancel &&
         (rc = run_queue_hook(hooks, db, SCHED_CANCELLED, ap->id, ap, NULL, 1, now, e)) != E_OK) ||
        /* a hold never paid was never announced: its end is not either */
        (cancel && (rc = announced(db, ap->id, &told, e)) != E_OK) ||
        (told && (rc = wh_appointment(webhooks(hooks), db,
                                      cancel ? WH_APPT_CANCELLED : WH_APPT_STATUS, ap->id, ap, 1,
                                      now, e)) != E_OK) ||
        (rc = db_commit(db, e)) != E_OK) {
        db_rollback(db);
        if (db_retry(db, &rc, &tries, e))
            goto again;
        return rc;
    }
    if (cancel)
        run_committed_hook(hooks); /* the cancellation notice, if any, goes out */
    return E_OK;
}

enum err_code sched_undo_status(struct db *db, const struct sched_hooks *hooks,
                                const struct actor *who, const struct appointment *ap,
                                const char *to, const char *reason, int64_t now, struct err *e)
{
    enum err_code rc;
    int tries = 0;
again:
    if ((rc = db_begin(db, e)) != E_OK)
        return rc;
    if ((rc = db_set_appointment_status(db, ap->id, ap->status, to, now, "", 0, e)) != E_OK ||
        (rc = add_event(db, who, ap->id, "undo", ap->status, to, reason ? reason : "", now, e)) !=
            E_OK ||
        (rc = wh_appointment(webhooks(hooks), db, WH_APPT_STATUS, ap->id, ap, 1, now, e)) != E_OK ||
        (rc = db_commit(db, e)) != E_OK) {
        db_rollback(db);
        if (db_retry(db, &rc, &tries, e))
            goto again;
        return rc;
    }
    return E_OK;
}

enum err_code sched_cancel(struct db *db, const struct sched_hooks *hooks,
                           const struct booking_rules *rules, int64_t now,
                           const struct appointment *appt, const char *reason, int *late,
                           struct err *e)
{
    enum err_code rc;
    if (strcmp(appt->status, "booked") != 0 || appt->start <= now) {
        err_set(e, E_CONFLICT, "This appointment is %s and can no longer be cancelled.",
                strcmp(appt->status, "booked") != 0 ? appt->status : "in the past");
        return prob(e, E_CONFLICT, "not_cancellable");
    }
    *late = booking_is_late_cancel(rules, now, appt->start);
    int tries = 0, told = 1;
again:
    if ((rc = db_begin(db, e)) != E_OK)
        return rc;
    if ((rc = db_cancel_appointment(db, appt->id, now, *late, reason ? reason : "", e)) != E_OK ||
        (rc = prepaid_return_credit(db, &client_actor, appt->id, *late, "client online", now,
                                    e)) != E_OK ||
        (rc = run_queue_hook(hooks, db, SCHED_CANCELLED, appt->id, appt, NULL, 0, now, e)) !=
            E_OK ||
        (rc = announced(db, appt->id, &told, e)) != E_OK ||
        (told &&
         (rc = wh_appointment(webhooks(hooks), db, WH_APPT_CANCELLED, appt->id, appt, 0, now, e)) !=
             E_OK) ||
        (rc = db_commit(db, e)) != E_OK) {
        db_rollback(db);
        if (db_retry(db, &rc, &tries, e))
            goto again;
        return rc;
    }
    run_committed_hook(hooks);
    return E_OK;
}
