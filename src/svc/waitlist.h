/* waitlist (prefix wl_) — the waitlist's transactions: joining, leaving,
 * claiming an offer, and offering a freed time to the clients who wait for
 * it. It knows no HTTP and renders nothing: messages go through the mailer
 * it is given (mail/waitlist.c renders and queues them).
 *
 * Offers: when an appointment is cancelled or moved, in the render worker's
 * transaction just after the change's commit (mail/render.c; or inside the
 * change's transaction through wl_hooks), every active entry
 * that the freed time fits (core/waitlist: the same service, the same
 * therapist or any, its days, weekdays and window) gets its own offer with
 * a private claim link, all at once, in the order the clients joined; the
 * first to claim books the time, the others' offers are then taken. A time
 * is offered only if a client could book it now (notice, horizon, free per
 * the availability engine, checked in the same transaction). An offer
 * expires after offer_minutes, and never later than the time's notice
 * cut-off.
 *
 * The service object lives in struct app (app->waitlist), made by
 * mail_start before the server's threads start and freed by mail_stop
 * after they stop; NULL = no messages and no offers. */
#ifndef KNEAD_SVC_WAITLIST_H
#define KNEAD_SVC_WAITLIST_H

#include <stdint.h>

#include "core/booking.h"
#include "core/err.h"
#include "store/store.h"
#include "svc/booking.h"
#include "svc/hooks.h"
#include "svc/token.h"

/* One offer's message: the claim link's token, the time and until when. */
struct wl_offer_msg {
    int64_t offer_id;
    const char *token;
    const char *service_name, *therapist_name;
    int64_t start, end, expires;
    size_t offered_to; /* how many entries were offered this time, this one included */
    const struct tz *tz;  /* the freed time's location's zone */
    const char *address;  /* its address; "" = the config file's */
};

/* How the waitlist's messages are rendered and queued, inside the caller's
 * transaction (an error rolls the change back); committed runs after the
 * commit (wakes the delivery worker). */
struct wl_mailer {
    enum err_code (*joined)(void *ctx, struct db *db, const struct waitlist_entry *w,
                            const char *token, int64_t now, struct err *e);
    enum err_code (*offer)(void *ctx, struct db *db, const struct waitlist_entry *w,
                           const struct wl_offer_msg *m, int64_t now, struct err *e);
    void (*committed)(void *ctx);
    void *ctx;
};

/* What offering needs of the clinic: the set-up cache and timezone the
 * booking service uses, the config file's booking rules, and how long an
 * offer stays open ([waitlist] offer_minutes). */
struct wl_config {
    struct sched_cache *cache;
    const struct tz *tz;
    struct booking_rules rules;
    int offer_minutes;
    struct wh *webhooks; /* waitlist.offered (svc/webhook.h); NULL = none */
};

struct wl;
/* A waitlist service over c (copied; c->cache and c->tz must outlive it)
 * and mailer m (copied). Can't fail. */
struct wl *wl_new(const struct wl_config *c, const struct wl_mailer *m);
void wl_free(struct wl *w); /* accepts NULL */

/* The booking hooks with the waitlist's part: inner's run first, then, for
 * a cancellation or a move, the offers of the freed time (wl_offer_freed).
 * w keeps inner.  (The server's app->hooks are mail/render.c's instead:
 * its worker calls wl_offer_freed after the change committed.) */
struct sched_hooks wl_hooks(struct wl *w, struct sched_hooks inner);

/* Inside a writing transaction (the change's, or the render worker's
 * after it): offers the time `before` left. A time
 * nobody waits for, or that a client could not book now, makes nothing
 * and is no error; a store or mailer error is returned (the change rolls
 * back with it). */
enum err_code wl_offer_freed(struct wl *w, struct db *db, const struct appointment *before,
                             int64_t now, struct err *e);

/* Stores entry (its fields but id, status, closed_at; the joined names
 * are used for the message) with a new private token, and queues the
 * confirmation with the link /waitlist/{token}, in one transaction. w NULL:
 * no message. Fills entry->id and token. On error nothing is stored. */
enum err_code wl_join(struct wl *w, struct db *db, struct waitlist_entry *entry,
                      char token[TOKEN_LEN], int64_t now, struct err *e);

/* Books offer o of entry ent for its client: s is the offer's service
 * with its one therapist (sched_load). The offer is closed inside the
 * booking's transaction; if it was claimed or taken meanwhile, E_CONFLICT
 * with problem "offer_gone" and nothing is booked. Otherwise as
 * sched_book_with (out, token, problems). */
enum err_code wl_claim(struct db *db, struct arena *a, const struct sched *s,
                       const struct waitlist_offer *o, const struct waitlist_entry *ent,
                       int64_t now, struct appointment *out, char token[TOKEN_LEN], struct err *e);

/* Closes active entry id: the client left (reason "" or NULL), or the
 * front desk removed it (reason: one line, checked by the caller).
 * E_CONFLICT when it was closed already (nothing changes). */
enum err_code wl_leave(struct db *db, int64_t id, int64_t now, const char *reason, struct err *e);

#endif
