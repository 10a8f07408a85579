/* mail/waitlist — the waitlist's side of a change: when an appointment is
 * cancelled or moved, the time it leaves is offered to the clients waiting
 * for it, inside the change's transaction; and the e-mail of the waitlist
 * (templates/mail/waitlist_joined.*, waitlist_offer.*), queued in the
 * outbox like every other message.
 *
 * Offers: every active entry that the freed time fits (core/waitlist: the
 * same service, the same therapist or any, its days, weekdays and window)
 * gets its own offer with a private claim link, all at once, mailed in the
 * order the clients joined; the first to claim books the time (web/
 * waitlist.c), the others are told it is gone.  A time is offered only if
 * a client could book it now (notice, horizon, free per the availability
 * engine, checked in the same transaction).  An offer expires after
 * [waitlist] offer_minutes, and never later than the time's notice cut-off.
 *
 * One instance per process, set up by mail_start before the server's
 * threads start and torn down after they stop (like sched's hooks). */
#ifndef KNEAD_MAIL_WAITLIST_H
#define KNEAD_MAIL_WAITLIST_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "svc/booking.h"

struct app;
struct outbox;

/* Loads templates/mail/waitlist_*.{txt,html}.  app must outlive it.
 * Returns 0, or -1 with a message naming the file. */
int mail_waitlist_start(const struct app *app, struct outbox *ob, char *err, size_t errlen);
/* Frees what start loaded.  Safe when not started. */
void mail_waitlist_stop(void);
/* The absolute origin of links ("https://book.example.com").  Thread-safe. */
void mail_waitlist_set_base_url(const char *url);

/* Sched's hooks: inner's (the booking e-mail of mail/notify.c) run first,
 * then, for a cancellation or a move, the offers of the freed time. */
struct sched_hooks mail_waitlist_hooks(struct sched_hooks inner);

/* Inside the transaction that stored entry w (with its id): queues the
 * confirmation with the private link /waitlist/{token}.  E_OK when mail is
 * not started (nothing to queue with).  On error the caller rolls back. */
enum err_code mail_waitlist_joined(struct db *db, const struct waitlist_entry *w,
                                   const char *token, int64_t now, struct err *e);
/* After a commit that queued mail: wakes the delivery worker. */
void mail_waitlist_committed(void);

#endif
