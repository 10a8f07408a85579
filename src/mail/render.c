/* render — the render worker; see render.h for the life of a change's row.
 * It must not send anything (delivery is mail/outbox.c's) and must not hold
 * a writing transaction while it renders: templates and the .ics are built
 * outside it, and only the queueing is inside. */
#include "mail/render.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "mail/notify.h"
#include "mail/remind.h"
#include "mail/whsend.h"
#include "store/store.h"
#include "svc/waitlist.h"
#include "util/arena.h"
#include "util/clock.h"
#include "util/errmsg.h"
#include "util/log.h"
#include "util/mem.h"

#define BATCH 64       /* changes rendered and queued in one transaction */
#define FAILING 32     /* changes remembered as failing, each with its next try */
#define RETRY_MIN_S 1  /* the first wait before a failing change is tried again */
#define RETRY_MAX_S 300

struct failing {
    int64_t id;      /* the event's id; 0 = a free slot */
    int64_t next_us; /* clock_mono_us when it may be tried again */
    int64_t wait_s;
};

struct render {
    struct app *app;
    struct mail_notify *notify;
    struct whsend *whsend; /* woken after a pass that queued waitlist offers; may be NULL */
    struct remind *remind; /* woken after a pass that rendered changes; may be NULL */
    int poll_s;
    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t cv;      /* wakes the worker (on CLOCK_MONOTONIC) */
    pthread_cond_t done_cv; /* wakes who waits for a pass (on CLOCK_MONOTONIC) */
    unsigned long asked, done; /* guarded by mu: passes asked for, and finished */
    int stopping;              /* guarded by mu */
    pthread_mutex_t pass_mu;   /* one pass at a time (the worker's, render_pass) */
    struct failing failing[FAILING]; /* guarded by pass_mu */
};

/* ---- the hooks: inside the change's transaction, and after its commit ---- */

static const char *const kind_names[] = {
    [SCHED_BOOKED] = "booked", [SCHED_MOVED] = "moved", [SCHED_CANCELLED] = "cancelled"};

static enum err_code on_queue(void *ctx, struct db *db, enum sched_event ev, int64_t id,
                              const struct appointment *before, const char *token, int by_staff,
                              int64_t now, struct err *e)
{
    (void)ctx;
    struct sched_event_row row = {0};
    row.kind = kind_names[ev];
    row.appointment_id = id;
    row.token = ev == SCHED_BOOKED ? token : NULL;
    row.by_staff = by_staff;
    row.at = now;
    if (before) {
        row.before_start = before->start;
        row.before_end = before->end;
        row.before_service_id = before->service_id;
        row.before_therapist_id = before->therapist_id;
        row.before_location_id = before->location_id;
    }
    return db_sched_event_add(db, &row, e);
}

/* After the commit: a pass that starts now sees the change; wait for it,
 * at most RENDER_WAIT_MS (the row is stored: a slow pass only delays the
 * message, and the answer goes out without it). */
static void on_committed(void *ctx)
{
    struct render *r = ctx;
    struct timespec until = clock_deadline_ms(RENDER_WAIT_MS);
    pthread_mutex_lock(&r->mu);
    unsigned long want = ++r->asked;
    pthread_cond_signal(&r->cv);
    while (!r->stopping && (long)(r->done - want) < 0)
        if (pthread_cond_timedwait(&r->done_cv, &r->mu, &until) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&r->mu);
    /* No kick of the outbox here: the pass that queued messages kicks it
     * (render_pass), on whichever server ran it.  A kick here too cost the
     * outbox worker another look (two round trips on PostgreSQL) for
     * nothing, in every booking, move and cancellation. */
}

struct sched_hooks render_hooks(struct render *r)
{
    struct sched_hooks h = {on_queue, on_committed, r, NULL}; /* the webhooks: mail.c's */
    return h;
}

/* ---- a pass ---- */

static enum sched_event kind_of(const char *k)
{
    return strcmp(k, "moved") == 0 ? SCHED_MOVED
           : strcmp(k, "cancelled") == 0 ? SCHED_CANCELLED
                                           : SCHED_BOOKED;
}

/* One change of a batch: its row, what was rendered, how it went. */
struct job {
    const struct sched_event_row *row;
    enum sched_event ev;
    struct appointment before;
    struct outbox_msg msgs[MAIL_NOTIFY_MAX];
    size_t nmsgs;
    int ok; /* rendered (or nothing to render: the appointment is gone) */
};

static struct failing *failing_find(struct render *r, int64_t id)
{
    for (size_t i = 0; i < FAILING; i++)
        if (r->failing[i].id == id)
            return &r->failing[i];
    return NULL;
}

static int failing_wait(struct render *r, int64_t id, int64_t now_us)
{
    struct failing *f = failing_find(r, id);
    return f && f->next_us > now_us;
}

/* Remembers that the change failed: tried again after a doubling wait. */
static void failing_note(struct render *r, int64_t id, int64_t now_us)
{
    struct failing *f = failing_find(r, id);
    if (!f) {
        f = &r->failing[0];
        for (size_t i = 0; i < FAILING; i++) {
            if (r->failing[i].id == 0) {
                f = &r->failing[i];
                break;
            }
            if (r->failing[i].next_us < f->next_us)
                f = &r->failing[i]; /* full: forget the one due soonest */
        }
        f->id = id;
        f->wait_s = 0;
    }
    f->wait_s = f->wait_s ? f->wait_s * 2 : RETRY_MIN_S;
    if (f->wait_s > RETRY_MAX_S)
        f->wait_s = RETRY_MAX_S;
    f->next_us = now_us + f->wait_s * 1000000;
}

static void failing_clear(struct render *r, int64_t id)
{
    struct failing *f = failing_find(r, id);
    if (f)
        memset(f, 0, sizeof *f);
}

struct store_ctx {
    struct render *r;
    struct job *jobs;
    size_t n;
};

/* The body of store_jobs' transaction (it may run on a booking's thread,
 * beside bookings: db_tx_shared). */
static enum err_code store_body(struct db *db, void *p, struct err *e)
{
    struct store_ctx *c = p;
    enum err_code rc = E_OK;
    for (size_t i = 0; rc == E_OK && i < c->n; i++) {
        struct job *j = &c->jobs[i];
        int gone = 0;
        if (!j->ok)
            continue;
        if ((rc = db_sched_event_done(db, j->row->id, &gone, e)) != E_OK || !gone)
            continue; /* !gone: another server rendered it */
        if ((rc = mail_notify_store(db, j->ev, j->row->appointment_id, j->row->at, j->msgs,
                                    j->nmsgs, e)) != E_OK)
            break;
        if (j->ev != SCHED_BOOKED && c->r->app->waitlist)
            rc = wl_offer_freed(c->r->app->waitlist, db, &j->before, j->row->at, e);
    }
    return rc;
}

/* Deletes the rows and queues what jobs[0 .. n) rendered, in one
 * transaction, which it shares with the bookings committing at the same
 * moment.  Returns E_OK or the error (nothing of it stored). */
static enum err_code store_jobs(struct render *r, struct db *db, struct job *jobs, size_t n,
                                struct err *e)
{
    struct store_ctx c = {r, jobs, n};
    return db_tx_shared(db, store_body, &c, e);
}

/* One batch: up to BATCH waiting changes with an id above *after, no two of
 * one appointment (the second waits for the next batch, so that it is
 * rendered after the first is queued: a move's number counts the moves
 * queued before it).  Returns the number rendered, 0 when none waits, -1
 * when the store failed; *more = 0 when the read found every waiting
 * change above *after and this batch took them all (no need to read again:
 * a change committed since asks for a pass of its own). */
static int batch(struct render *r, struct db *db, int64_t *after, int *more)
{
    struct arena *a = arena_new();
    struct sched_event_row *rows = NULL;
    struct job *jobs = NULL;
    size_t n = 0, k = 0;
    struct err e = {0};
    int done = -1;
    int64_t now_us = clock_mono_us();

    if (db_sched_events_pending(db, a, *after, BATCH, &rows, &n, &e) != E_OK) {
        log_error("mail: cannot read the changes to render: %s", e.msg);
        goto out;
    }
    done = 0;
    *more = n == BATCH;
    if (n == 0)
        goto out;
    jobs = arena_array(a, n, sizeof *jobs);
    for (size_t i = 0; i < n; i++) {
        int again = 0;
        for (size_t p = 0; p < k && !again; p++)
            again = jobs[p].row->appointment_id == rows[i].appointment_id;
        if (again) {
            *more = 1;
            break;
        }
        *after = rows[i].id;
        if (failing_wait(r, rows[i].id, now_us))
            continue;
        struct job *j = &jobs[k++];
        memset(j, 0, sizeof *j);
        j->row = &rows[i];
        j->ev = kind_of(rows[i].kind);
        j->before.id = rows[i].appointment_id;
        j->before.service_id = rows[i].before_service_id;
        j->before.therapist_id = rows[i].before_therapist_id;
        j->before.location_id = rows[i].before_location_id;
        j->before.start = rows[i].before_start;
        j->before.end = rows[i].before_end;
        if (rows[i].unconfirmed) {
            /* a booking held for its deposit whose hold ran out unpaid: the
             * client never heard it was booked, so nothing is said of it (its
             * freed time still goes to the waitlist) */
            j->ok = 1;
            continue;
        }
        struct err re = {0};
        enum err_code rc = mail_notify_render(
            r->notify, db, a, j->ev, rows[i].appointment_id,
            j->ev == SCHED_BOOKED ? NULL : &j->before, rows[i].token, rows[i].by_staff,
            rows[i].at, j->msgs, &j->nmsgs, &re);
        if (rc == E_NOTFOUND) { /* the appointment is gone (a wipe): nothing to say */
            j->nmsgs = 0;
            rc = E_OK;
        }
        j->ok = rc == E_OK;
        if (!j->ok) {
            log_error("mail: the messages of change %lld (appointment %lld, %s) could not be"
                      " rendered: %s; tried again later",
                      (long long)rows[i].id, (long long)rows[i].appointment_id, rows[i].kind,
                      re.msg);
            failing_note(r, rows[i].id, now_us);
        }
    }
    if (k == 0)
        goto out;
    if (store_jobs(r, db, jobs, k, &e) == E_OK) {
        for (size_t i = 0; i < k; i++)
            if (jobs[i].ok) {
                failing_clear(r, jobs[i].row->id);
                done++;
            }
        goto out;
    }
    /* One of them cannot be queued: each alone, so the others go out. */
    if (k > 1)
        log_warn("mail: queueing %zu changes at once failed (%s); queueing each alone", k,
                 e.msg);
    for (size_t i = 0; i < k; i++) {
        struct err e1 = {0};
        if (!jobs[i].ok)
            continue;
        if (k > 1 && store_jobs(r, db, &jobs[i], 1, &e1) == E_OK) {
            failing_clear(r, jobs[i].row->id);
            done++;
            continue;
        }
        log_error("mail: the messages of change %lld (appointment %lld, %s) could not be"
                  " queued: %s; tried again later",
                  (long long)jobs[i].row->id, (long long)jobs[i].row->appointment_id,
                  jobs[i].row->kind, k > 1 ? e1.msg : e.msg);
        failing_note(r, jobs[i].row->id, now_us);
    }
out:
    arena_free(a);
    return done;
}

int render_pass(struct render *r)
{
    int total = 0, got, more = 1;
    int64_t after = 0;
    pthread_mutex_lock(&r->pass_mu);
    struct db *db = db_acquire(r->app->store);
    db_hold_versions(db); /* a batch's zones and rules: one version read (store.h) */
    while ((got = batch(r, db, &after, &more)) > 0 && more)
        total += got;
    if (got > 0)
        total += got;
    /* got == 0 also when a batch held only failing changes: go on past them */
    while (got == 0 && more) {
        int64_t before = after;
        got = batch(r, db, &after, &more);
        if (got > 0)
            total += got;
        if (after == before)
            break;
    }
    db_release(db);
    pthread_mutex_unlock(&r->pass_mu);
    if (total > 0) {
        mail_notify_kick(r->notify);
        whsend_kick(r->whsend); /* the waitlist.offered events of the offers it made */
        remind_kick(r->remind); /* a held booking paid, a reminder due before its next look */
    }
    return got < 0 && total == 0 ? -1 : total;
}

static void *worker(void *p)
{
    struct render *r = p;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        if (r->asked == r->done) {
            struct timespec until = clock_deadline_ms((int64_t)r->poll_s * 1000);
            while (!r->stopping && r->asked == r->done)
                if (pthread_cond_timedwait(&r->cv, &r->mu, &until) == ETIMEDOUT)
                    break;
        }
        unsigned long target = r->asked;
        int stop = r->stopping;
        pthread_mutex_unlock(&r->mu);
        render_pass(r); /* also the last one, when stopping */
        pthread_mutex_lock(&r->mu);
        r->done = target;
        pthread_cond_broadcast(&r->done_cv);
        if (stop)
            break;
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

int render_start(struct app *app, struct mail_notify *n, struct whsend *ws, struct remind *rm,
                 int poll_s, struct render **out, char *err, size_t errlen)
{
    struct render *r = xcalloc(1, sizeof *r);
    *out = NULL;
    r->app = app;
    r->notify = n;
    r->whsend = ws;
    r->remind = rm;
    r->poll_s = poll_s > 0 ? poll_s : 10;
    pthread_mutex_init(&r->mu, NULL);
    pthread_mutex_init(&r->pass_mu, NULL);
    int rc = clock_cond_init(&r->cv);
    if (rc == 0)
        rc = clock_cond_init(&r->done_cv);
    r->asked = 1; /* the first pass: the changes a crash left */
    if (rc == 0)
        rc = pthread_create(&r->thread, NULL, worker, r);
    if (rc != 0) {
        errmsg_set(err, errlen, "cannot start the render worker: %s", strerror(rc));
        pthread_cond_destroy(&r->cv);
        pthread_cond_destroy(&r->done_cv);
        pthread_mutex_destroy(&r->mu);
        pthread_mutex_destroy(&r->pass_mu);
        free(r);
        return -1;
    }
    r->started = 1;
    *out = r;
    return 0;
}

void render_stop(struct render *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->stopping = 1;
    pthread_cond_signal(&r->cv);
    pthread_cond_broadcast(&r->done_cv);
    pthread_mutex_unlock(&r->mu);
    if (r->started)
        pthread_join(r->thread, NULL);
    pthread_cond_destroy(&r->cv);
    pthread_cond_destroy(&r->done_cv);
    pthread_mutex_destroy(&r->mu);
    pthread_mutex_destroy(&r->pass_mu);
    free(r);
}
