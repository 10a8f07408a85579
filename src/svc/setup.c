/* setup — the booking service's cached clinic set-up: one snapshot per
 * clinic version of the services, therapists and their weeks, rooms, hours,
 * locations (with their zones and closed dates), time off and rules, shared
 * by the requests that read that version, and the views of it that
 * svc/booking.h offers (sched_setup*, sched_*rules, sched_load*). */
#include "svc/booking.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc/booking_impl.h"
#include "util/blobcache.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/tzload.h"


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

/* The spans of v at location loc, copied to a; or, when every one is at loc
 * (every week of a clinic with one location), v itself, which lives while
 * a holds the snapshot: no copy on every request (bench/README.md).  The
 * set-up a sched or a sched_setup hands out is read only. */
static struct week_span *spans_at(struct arena *a, const struct week_span *v, size_t n,
                                  int64_t loc, size_t *out_n)
{
    size_t same = 0;
    while (same < n && v[same].location_id == loc)
        same++;
    if (same == n && v) {
        *out_n = n;
        return (struct week_span *)(uintptr_t)v;
    }
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
