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
#include "svc/booking_impl.h"
#include "svc/token.h"
#include "svc/webhook.h"
#include "svc/when.h"
#include "util/blobcache.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/tzload.h"

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
