/* mail — e-mail for `knead serve`: the outbox worker (mail/outbox.c) and
 * the messages that bookings, moves and cancellations queue
 * (mail/notify.c), and the webhook delivery worker (mail/whsend.c),
 * started and stopped together. */
#ifndef KNEAD_MAIL_MAIL_H
#define KNEAD_MAIL_MAIL_H

#include <stddef.h>

struct app;
struct mail;

/* Loads the mail templates, starts the delivery worker (unless [smtp] host
 * is empty: then messages stay queued), starts the webhooks (their key
 * file, svc/webhook's service, the mail/whsend worker) and installs sched's
 * hooks.  Call before the HTTP server starts.  Returns 0, or -1 with a
 * message (a key file that cannot be read or made is one). */
int mail_start(struct app *app, struct mail **out, char *err, size_t errlen);
/* Tells where the server listens, for links in messages when [server]
 * public_url is empty.  Call after the HTTP server started. */
void mail_listening(struct mail *m, const char *host, int port);
/* Shutdown has begun: aborts an SMTP transfer and the webhook deliveries in
 * flight now (they stay pending) while the HTTP server drains; the hooks
 * stay until mail_stop.  Accepts NULL. */
void mail_stopping(struct mail *m);
/* Removes the hooks, stops the worker and frees m.  Call after the HTTP
 * server stopped.  Accepts NULL. */
void mail_stop(struct mail *m);

#endif
