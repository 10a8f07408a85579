/* notice — the portal's e-mail through the app's mailer; see notice.h. It
 * must not render or send: mail/ does, behind the callbacks. */
#include "svc/notice.h"

enum err_code notice_queue(const struct notice_mailer *m, struct db *db, const char *kind,
                           const char *to, const char *name, const char *dedupe, int64_t now,
                           struct err *e)
{
    if (!m || !m->notice || !to || !*to)
        return E_OK;
    return m->notice(m->ctx, db, kind, to, name, dedupe, now, e);
}

enum err_code notice_document(const struct notice_mailer *m, struct db *db, const char *kind,
                              const char *to, const char *name, const char *subject,
                              struct json_t *vars, const char *dedupe, int64_t now, struct err *e)
{
    if (!m || !m->document)
        return err_set(e, E_UNAVAILABLE, "This server sends no e-mail; print the receipt instead.");
    if (!to || !*to)
        return err_set(e, E_UNPROCESSABLE, "The client has no e-mail address.");
    return m->document(m->ctx, db, kind, to, name, subject, vars, dedupe, now, e);
}

int notice_can_signin(const struct notice_mailer *m)
{
    return m && m->signin;
}

enum err_code notice_signin(const struct notice_mailer *m, struct db *db, const char *to,
                            const char *name, const char *path, int minutes, int64_t now,
                            const char *dedupe, struct err *e)
{
    if (!notice_can_signin(m))
        return err_set(e, E_UNAVAILABLE,
                       "This server cannot send e-mail, so no sign-in link can "
                       "be sent. Please call the clinic.");
    return m->signin(m->ctx, db, to, name, path, minutes, now, dedupe, e);
}

void notice_committed(const struct notice_mailer *m)
{
    if (m && m->committed)
        m->committed(m->ctx);
}
