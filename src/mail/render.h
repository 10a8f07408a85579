/* render — the render worker: what a booking, a move or a cancellation
 * causes besides itself, done after the change's commit instead of inside
 * its writing transaction.
 *
 *   the change's transaction     stores one row in sched_events (render_hooks'
 *                                queue): what changed, the change's "now",
 *                                the appointment as it was, a booking's token
 *   after its commit             render_hooks' committed asks the worker for
 *                                a pass and waits for it (at most
 *                                RENDER_WAIT_MS), so the answer of a request
 *                                normally comes with its messages queued
 *   a pass                       reads the waiting rows, renders each change's
 *                                e-mail outside any transaction
 *                                (mail_notify_render), then in ONE writing
 *                                transaction for the whole batch deletes the
 *                                rows, queues the messages, withdraws the
 *                                reminders of the old time and makes the
 *                                waitlist's offers of a freed time
 *                                (each queueing its waitlist.offered
 *                                webhook event in that transaction)
 *
 * At least once: a row is deleted in the transaction that queues its
 * messages, so a crash before that commit leaves the row, and the pass the
 * worker runs when it starts renders it.  Outbox dedupe keys make a second
 * rendering of one change (two servers on one database) queue nothing new.
 * A change whose messages cannot be queued (a template or store error)
 * stays, is logged, and is tried again after a doubling wait. */
#ifndef KNEAD_MAIL_RENDER_H
#define KNEAD_MAIL_RENDER_H

#include "svc/hooks.h"

struct app;
struct mail_notify;
struct render;
struct whsend;
struct remind;

/* How long a request waits for the pass that renders its change. */
#define RENDER_WAIT_MS 2000
/* The longest the worker sleeps without a look at the waiting rows.  A
 * change is normally rendered by the pass its own request asks for; this
 * look is for the rows nobody asked this worker about: those of another
 * server on the same database that died (kill -9, a lost host) after its
 * commit and before its pass stored them, and those a pass skipped because
 * another server's pass held them (sched_event_done's SKIP LOCKED) and
 * then did not commit.  PostgreSQL drops a dead client's transaction, and
 * its row locks, as soon as it reads the closed socket (at once for a
 * session idle in its transaction), so such a change is queued within
 * this many seconds of the death plus one pass.  The look is one indexed
 * read of an empty table when nothing waits. */
#define RENDER_POLL_SECONDS 2

/* Starts the worker for app (its store and app->waitlist, read at each
 * pass) rendering through n; it runs a pass at once (the changes a crash
 * left) and every poll_s seconds, and wakes the webhook worker ws (may be
 * NULL) after a pass that stored anything: the waitlist's offers queue their
 * waitlist.offered events in the pass's transaction; and the reminder
 * worker rm (may be NULL: reminders off): a change may make a reminder due
 * now (a held booking paid) or before that worker's next look (a booking or
 * a move whose reminder falls due within seconds).  Returns 0, or -1 with a
 * message. */
int render_start(struct app *app, struct mail_notify *n, struct whsend *ws, struct remind *rm,
                 int poll_s, struct render **out, char *err, size_t errlen);
/* Runs a last pass and stops the worker.  Accepts NULL. */
void render_stop(struct render *r);

/* The booking hooks for app->hooks: queue stores the change's row (inside
 * the change's transaction), committed wakes the worker and waits for its
 * pass (bounded). */
struct sched_hooks render_hooks(struct render *r);

/* Runs one pass now, on the caller's thread (tests, `knead` commands).
 * Returns the number of changes rendered, or -1 when the store failed. */
int render_pass(struct render *r);

#endif
