/* notify — the e-mail a booking, a move or a cancellation causes: renders
 * it from templates/mail/ (NAME.txt for the text part, NAME.html for the
 * HTML part, with the .ics of view/ics.c attached) and queues it in the
 * outbox.  The render worker (mail/render.c) calls it after the change
 * committed: mail_notify_render outside any transaction, then
 * mail_notify_store inside the one that deletes the change's event row.
 *
 *   booked     confirmation to the client, with the .ics and the manage link;
 *              and, for a booking that starts today, a note to the front desk
 *   moved      reschedule notice to the client, with the new .ics
 *   cancelled  cancellation notice to the client, with a cancelled .ics
 *   signin     a client portal sign-in link (web/portal.c), about no appointment
 *
 * Each message has a dedupe key ("appt-42/confirmation",
 * "appt-42/reschedule/2", ...): one event, one message. */
#ifndef KNEAD_MAIL_NOTIFY_H
#define KNEAD_MAIL_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "svc/booking.h"
#include "svc/notice.h"

struct app;
struct arena;
struct outbox;
struct outbox_msg;
struct mail_notify;

/* Loads templates/mail/ from app->cfg.templates_dir.  app must outlive the
 * result.  Returns 0, or -1 with a message naming the file. */
int mail_notify_new(const struct app *app, struct mail_notify **out, char *err, size_t errlen);
void mail_notify_free(struct mail_notify *n); /* accepts NULL */

/* The absolute origin of links in messages ("https://book.example.com"),
 * without a trailing slash.  Thread-safe. */
void mail_notify_set_base_url(struct mail_notify *n, const char *url);
/* The worker to wake after a commit (NULL = none). */
void mail_notify_set_outbox(struct mail_notify *n, struct outbox *ob);

/* The most messages one change sends: the client's and the front desk's. */
#define MAIL_NOTIFY_MAX 2

/* Renders the messages of one change of appointment id (ev; before: the
 * appointment as it was, NULL for SCHED_BOOKED; token: a booking's manage
 * token; now: the change's time) into out[0 .. *nout), every part in a.
 * Reads the appointment as it is now and the service's rules; writes
 * nothing, so call it outside any transaction.  Returns E_OK, E_NOTFOUND
 * when the appointment is gone, or an error (a template: E_INTERNAL, logged). */
enum err_code mail_notify_render(struct mail_notify *n, struct db *db, struct arena *a,
                                 enum sched_event ev, int64_t id, const struct appointment *before,
                                 const char *token, int by_staff, int64_t now,
                                 struct outbox_msg out[MAIL_NOTIFY_MAX], size_t *nout,
                                 struct err *e);
/* Inside a writing transaction: withdraws the reminders of the old time
 * (mail/remind.c remind_on_change) and queues msgs[0 .. n) (a message whose
 * dedupe key is queued already is skipped).  On error the caller rolls back. */
enum err_code mail_notify_store(struct db *db, enum sched_event ev, int64_t id, int64_t now,
                                const struct outbox_msg *msgs, size_t n, struct err *e);
/* Wakes the delivery worker (none: nothing). */
void mail_notify_kick(struct mail_notify *n);
/* The client portal's mailer (sign-in links, templates/mail/signin.*, and
 * portal notices), with n as its context, for app->mailer. */
struct notice_mailer mail_notify_portal_mailer(struct mail_notify *n);

#endif
