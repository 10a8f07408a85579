/* mail/waitlist — the waitlist's e-mail (templates/mail/waitlist_joined.*,
 * waitlist_offer.*): the mailer svc/waitlist is given. It renders a message
 * and queues it in the outbox inside the caller's transaction, like every
 * other message; who is offered what, and when, is svc/waitlist's.
 *
 * Made by mail_start before the server's threads start and freed by
 * mail_stop after they stop. */
#ifndef KNEAD_MAIL_WAITLIST_H
#define KNEAD_MAIL_WAITLIST_H

#include <stddef.h>

#include "svc/waitlist.h"

struct app;
struct outbox;
struct mail_waitlist;

/* Loads templates/mail/waitlist_*.{txt,html}; app and ob must outlive it.
 * Returns 0 with *out, or -1 with a message naming the file. */
int mail_waitlist_new(const struct app *app, struct outbox *ob, struct mail_waitlist **out,
                      char *err, size_t errlen);
void mail_waitlist_free(struct mail_waitlist *mw); /* accepts NULL */
/* The absolute origin of links ("https://book.example.com").  Thread-safe. */
void mail_waitlist_set_base_url(struct mail_waitlist *mw, const char *url);
/* The mailer for wl_new, with mw as its context. */
struct wl_mailer mail_waitlist_mailer(struct mail_waitlist *mw);

#endif
