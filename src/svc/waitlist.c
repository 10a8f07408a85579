/* waitlist — the waitlist's transactions and the offers of a freed time;
 * see waitlist.h. It must not render or send (the mailer does) and must not
 * include http/, web/ or mail/. The matching rule is core/waitlist's,
 * whether a time is bookable is the booking service's. */
#include "svc/waitlist.h"

#include <stdlib.h>
#include <string.h>

#include "core/datetime.h"
#include "core/tz.h"
#include "core/waitlist.h"
#include "svc/webhook.h"
#include "svc/when.h"
#include "util/arena.h"
#include "util/log.h"
#include "util/mem.h"

struct wl {
    struct wl_config c;
    struct wl_mailer m;
    struct sched_hooks inner;
};

struct wl *wl_new(const struct wl_config *c, const struct wl_mailer *m)
{
    struct wl *w = xcalloc(1, sizeof *w);
    w->c = *c;
    if (m)
        w->m = *m;
    return w;
}

void wl_free(struct wl *w)
{
    free(w);
}

static void committed(const struct wl *w)
{
    if (w && w->m.committed)
        w->m.committed(w->m.ctx);
}

/* Which of the n entries the time `before` left fits; match[i] = 1 for
 * each, and the number of them.  tz: the zone of the freed time's
 * location, in which the entries' days and windows are read; an entry that
 * names another location never matches. */
static size_t matching(const struct tz *tz, const struct appointment *before,
                       const struct waitlist_entry *entries, size_t n, unsigned char *match)
{
    struct dt_civil c;
    size_t k = 0;
    tz_to_local(tz, before->start, &c, NULL);
    struct waitlist_opening o = {before->service_id,
                                 before->therapist_id,
                                 {c.year, c.month, c.day},
                                 c.hour * 60 + c.min,
                                 (int)((before->end - before->start) / 60)};
    for (size_t i = 0; i < n; i++) {
        struct dt_date f, t;
        struct waitlist_want want = {
            entries[i].service_id, entries[i].therapist_id, {0, 0, 0},         {0, 0, 0},
            entries[i].days,       entries[i].time_from,    entries[i].time_to};
        match[i] = 0;
        if (entries[i].location_id != 0 && entries[i].location_id != before->location_id)
            continue; /* it waits at another location */
        if (dt_parse_date(entries[i].date_from, &f) < 0 ||
            dt_parse_date(entries[i].date_to, &t) < 0)
            continue; /* the schema's CHECK keeps this from happening */
        want.from = f;
        want.to = t;
        match[i] = (unsigned char)waitlist_matches(&want, &o);
        k += match[i];
    }
    return k;
}

enum err_code wl_offer_freed(struct wl *w, struct db *db, const struct appointment *before,
                             int64_t now, struct err *e)
{
    struct arena *a = arena_new();
    struct waitlist_entry *entries = NULL;
    size_t n = 0;
    struct err e2 = {0};
    struct sched s;
    enum err_code rc;
    unsigned char *match = NULL;

    if ((rc = db_waitlist_active(db, a, before->service_id, &entries, &n, e)) != E_OK || n == 0)
        goto done;
    match = arena_alloc(a, n);
    size_t nmatch =
        matching(sched_zone(db, a, w->c.cache, before->location_id, w->c.tz), before, entries, n,
                 match);
    if (nmatch == 0)
        goto done;

    /* Bookable now by a client, with this therapist, at the freed time's
     * location, as the store stands inside this transaction (the change
     * already applied)? */
    rc = sched_load_at(db, a, w->c.cache, w->c.tz, &w->c.rules, before->location_id,
                       before->service_id, before->therapist_id, &s, &e2);
    if (rc == E_NOTFOUND) { /* service or therapist retired since */
        rc = E_OK;
        goto done;
    }
    if (rc != E_OK) {
        *e = e2;
        goto done;
    }
    rc = sched_fits(db, a, &s, now, before->start, 0, &e2);
    if (rc == E_CONFLICT || rc == E_UNPROCESSABLE) {
        log_info("waitlist: the time of appointment %lld is not offered: %s", (long long)before->id,
                 e2.msg);
        rc = E_OK;
        goto done;
    }
    if (rc != E_OK) {
        *e = e2;
        goto done;
    }
    int64_t expires =
        waitlist_offer_expiry(now, before->start, s.rules.min_notice_min, w->c.offer_minutes);
    if (expires <= now)
        goto done;

    for (size_t i = 0; i < n; i++) {
        char token[TOKEN_LEN];
        unsigned char hash[STORE_TOKEN_HASH];
        int64_t id = 0;
        if (!match[i])
            continue;
        token_new(token, hash);
        struct waitlist_offer of = {0};
        of.entry_id = entries[i].id;
        of.service_id = before->service_id;
        of.therapist_id = before->therapist_id;
        of.start = before->start;
        of.freed_by = before->id;
        of.created_at = now;
        of.expires_at = expires;
        if ((rc = db_waitlist_offer_add(db, &of, hash, &id, e)) != E_OK)
            goto done;
        if (id == 0)
            continue; /* it holds an open offer of this time already */
        /* every match holds an offer of this time now (an earlier one
         * counts), so "others got it too" is true exactly when nmatch > 1 */
        struct wl_offer_msg m = {id,          token,       s.service.name, s.therapists[0].name,
                                 before->start, before->end, expires,      nmatch,
                                 s.tz,          s.location.address};
        if (w->m.offer && (rc = w->m.offer(w->m.ctx, db, &entries[i], &m, now, e)) != E_OK)
            goto done;
        struct wh_offer wo = {id,
                              entries[i].id,
                              before->id,
                              before->service_id,
                              s.service.name,
                              before->therapist_id,
                              s.therapists[0].name,
                              before->start,
                              before->end,
                              expires};
        if ((rc = wh_waitlist_offered(w->c.webhooks, db, &wo, now, e)) != E_OK)
            goto done;
        log_info("waitlist: offered %s of appointment %lld to entry %lld",
                 when_clock(s.tz, a, before->start, 1), (long long)before->id,
                 (long long)entries[i].id);
    }
    rc = E_OK;
done:
    arena_free(a);
    return rc;
}

static enum err_code on_queue(void *ctx, struct db *db, enum sched_event ev, int64_t id,
                              const struct appointment *before, const char *token, int by_staff,
                              int64_t now, struct err *e)
{
    struct wl *w = ctx;
    enum err_code rc;
    if (w->inner.queue &&
        (rc = w->inner.queue(w->inner.ctx, db, ev, id, before, token, by_staff, now, e)) != E_OK)
        return rc;
    if (ev == SCHED_BOOKED || !before)
        return E_OK;
    return wl_offer_freed(w, db, before, now, e);
}

static void on_committed(void *ctx)
{
    struct wl *w = ctx;
    if (w->inner.committed)
        w->inner.committed(w->inner.ctx);
    else
        committed(w);
}

struct sched_hooks wl_hooks(struct wl *w, struct sched_hooks inner)
{
    w->inner = inner;
    struct sched_hooks h = {on_queue, on_committed, w, inner.webhooks};
    return h;
}

enum err_code wl_join(struct wl *w, struct db *db, struct waitlist_entry *entry,
                      char token[TOKEN_LEN], int64_t now, struct err *e)
{
    unsigned char hash[STORE_TOKEN_HASH];
    enum err_code rc;
    int tries = 0;
    token_new(token, hash);
again: /* a lost race runs again (store.h) */
    if ((rc = db_begin(db, e)) != E_OK)
        return rc;
    if ((rc = db_waitlist_add(db, entry, hash, &entry->id, e)) != E_OK ||
        (w && w->m.joined && (rc = w->m.joined(w->m.ctx, db, entry, token, now, e)) != E_OK) ||
        (rc = db_commit(db, e)) != E_OK) {
        db_rollback(db);
        if (db_retry(db, &rc, &tries, e))
            goto again;
        return rc;
    }
    committed(w);
    return E_OK;
}

struct claim {
    int64_t offer_id, now;
};

/* Inside the booking's transaction: the offer must still be open. */
static enum err_code claim_inside(void *ctx, struct db *db, int64_t appointment_id, struct err *e)
{
    const struct claim *c = ctx;
    enum err_code rc = db_waitlist_claim(db, c->offer_id, appointment_id, c->now, e);
    if (rc == E_CONFLICT)
        e->problem = "offer_gone";
    return rc;
}

enum err_code wl_claim(struct db *db, struct arena *a, const struct sched *s,
                       const struct waitlist_offer *o, const struct waitlist_entry *ent,
                       int64_t now, struct appointment *out, char token[TOKEN_LEN], struct err *e)
{
    struct sched_client cl = {
        .name = ent->name, .email = ent->email, .phone = ent->phone, .notes = ""};
    struct claim c = {o->id, now};
    return sched_book_with(db, a, s, now, o->start, 0, &cl, claim_inside, &c, out, token, e);
}

enum err_code wl_leave(struct db *db, int64_t id, int64_t now, const char *reason, struct err *e)
{
    return db_waitlist_leave(db, id, now, reason ? reason : "", e);
}
