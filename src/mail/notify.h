/* notify — the e-mail a booking, a move or a cancellation causes: renders
 * it from templates/mail/ (NAME.txt for the text part, NAME.html for the
 * HTML part, with the .ics of view/ics.c attached) and queues it in the
 * outbox inside the change's transaction (installed as sched's hooks).
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
struct outbox;
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

/* The hooks for app->hooks, with n as their context. */
struct sched_hooks mail_notify_hooks(struct mail_notify *n);
/* The client portal's mailer (sign-in links, templates/mail/signin.*, and
 * portal notices), with n as its context, for app->mailer. */
struct notice_mailer mail_notify_portal_mailer(struct mail_notify *n);

#endif
