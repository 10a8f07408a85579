/* hooks — what a booking, a move or a cancellation causes besides itself,
 * as callbacks the booking service runs. They live in struct app (app->hooks),
 * set by mail_start before the server's threads start and cleared by
 * mail_stop after they stop, so no global holds them. */
#ifndef KNEAD_SVC_HOOKS_H
#define KNEAD_SVC_HOOKS_H

#include <stdint.h>

#include "core/err.h"

struct db;
struct appointment;
struct wh;

/* What a booking, a move or a cancellation causes besides itself (the
 * e-mail of mail/notify.c, the waitlist offers; in the server, queue stores
 * an event row that mail/render.c renders after the commit).  queue runs INSIDE the
 * writing transaction, after the change, so what it stores commits or rolls back with it; an
 * error from it rolls the change back.  committed runs after the commit
 * (to wake the delivery worker).  token: the manage token, only for
 * SCHED_BOOKED (NULL otherwise); before: the appointment as it was (NULL
 * for SCHED_BOOKED); by_staff: 1 when the back office made the change (a
 * desk booking, a move through a struct sched with staff set, the desk's
 * status change), so the desk is not told of its own work. */
enum sched_event { SCHED_BOOKED, SCHED_MOVED, SCHED_CANCELLED };
struct sched_hooks {
    enum err_code (*queue)(void *ctx, struct db *db, enum sched_event ev, int64_t appointment_id,
                           const struct appointment *before, const char *token, int by_staff,
                           int64_t now, struct err *e);
    void (*committed)(void *ctx);
    void *ctx;
    /* the webhooks (svc/webhook.h), queued by the booking service itself in
     * the same transactions (also for the desk's status changes, which run
     * no queue hook); NULL = none */
    struct wh *webhooks;
};

#endif
