/* booking_impl — what the booking service's three files share, inside svc/
 * only (tests/layers checks it): booking.c the transactions, setup.c the
 * cached clinic set-up, avail.c the day calendar and the computed days.  Not
 * part of svc/booking.h's API. */
#ifndef KNEAD_SVC_BOOKING_IMPL_H
#define KNEAD_SVC_BOOKING_IMPL_H

#include <pthread.h>

#include "svc/booking.h"
#include "util/blobcache.h"

static inline int prob(struct err *e, enum err_code code, const char *problem)
{
    e->problem = problem;
    return code;
}

struct snapshot; /* setup.c's: one clinic version's set-up */

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

/* Reads the appointments of days [from, from + days) and buckets them with
 * the time off.  exclude: an appointment to leave out (the one being
 * moved), or 0. */
enum err_code load_calendar(struct db *db, struct arena *a, const struct sched *s,
                            struct dt_date from, int days, int64_t exclude,
                            struct calendar *c, struct err *e);

/* Builds the engine's query for day k of the calendar (local date d); every
 * busy list it gets is sorted by start, so the engine reads it in place. */
void build_query(struct arena *a, const struct sched *s, const struct calendar *c, int k,
                 struct dt_date d, int64_t now, struct avail_query *q);

#endif
