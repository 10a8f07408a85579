/* notice — what the client portal sends by e-mail: the one-time sign-in link,
 * and the notice that something new waits in the portal ("insurance_outcome":
 * the desk recorded a benefits check; "recommendations": the therapist signed
 * a note; the message names no health detail, only where to sign in).
 *
 * The mailer (mail/notify.c renders and queues) lives in struct app
 * (app->mailer), set by mail_start before the server's threads start and
 * cleared by mail_stop after they stop; all zero = the server runs without
 * e-mail. Queueing runs inside the caller's transaction, so a notice commits
 * or rolls back with the change it tells of. */
#ifndef KNEAD_SVC_NOTICE_H
#define KNEAD_SVC_NOTICE_H

#include <stdint.h>

#include "core/err.h"

struct db;
struct json_t;

/* signin renders the message to `to`, greeted as `name`, with the link
 * `path` (under the mailer's base URL), valid `minutes`, under the dedupe
 * key, and queues it on db inside the caller's transaction; notice does the
 * same for a portal notice of `kind`; committed runs after the commit
 * (wakes the delivery worker). */
struct notice_mailer {
    enum err_code (*signin)(void *ctx, struct db *db, const char *to, const char *name,
                            const char *path, int minutes, int64_t now, const char *dedupe,
                            struct err *e);
    enum err_code (*notice)(void *ctx, struct db *db, const char *kind, const char *to,
                            const char *name, const char *dedupe, int64_t now, struct err *e);
    void (*committed)(void *ctx);
    void *ctx;
    /* A document the client asked for (a receipt: kind "receipt"), rendered
     * from templates/mail/<kind>.* with vars (the mailer adds the clinic's
     * name, address, phone and tax id as "clinic") and queued with subject
     * under the dedupe key.  NULL = cannot send. */
    enum err_code (*document)(void *ctx, struct db *db, const char *kind, const char *to,
                              const char *name, const char *subject, struct json_t *vars,
                              const char *dedupe, int64_t now, struct err *e);
};

/* Queues a portal notice of kind to `to` (greeted as name) inside the
 * caller's transaction. Nothing, and E_OK, when m has no notice (no e-mail)
 * or to is empty. On error returns the mailer's code with e filled; the
 * caller rolls back. */
enum err_code notice_queue(const struct notice_mailer *m, struct db *db, const char *kind,
                           const char *to, const char *name, const char *dedupe, int64_t now,
                           struct err *e);

/* 1 when m can send sign-in links, else 0. */
int notice_can_signin(const struct notice_mailer *m);

/* Queues the sign-in link (see struct notice_mailer) inside the caller's
 * transaction. E_UNAVAILABLE when m cannot send links. */
enum err_code notice_signin(const struct notice_mailer *m, struct db *db, const char *to,
                            const char *name, const char *path, int minutes, int64_t now,
                            const char *dedupe, struct err *e);

/* Queues a document (see struct notice_mailer) inside the caller's
 * transaction.  E_UNAVAILABLE when m cannot send e-mail; vars is borrowed. */
enum err_code notice_document(const struct notice_mailer *m, struct db *db, const char *kind,
                              const char *to, const char *name, const char *subject,
                              struct json_t *vars, const char *dedupe, int64_t now, struct err *e);

/* After the caller's commit: wakes the delivery worker, if any. Can't fail. */
void notice_committed(const struct notice_mailer *m);

#endif
