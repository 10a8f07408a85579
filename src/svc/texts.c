/* texts — the opt-out list of text messages: the provider's inbound STOP and
 * START, and the front desk's marks.  Must not send anything or know HTTP;
 * mail/remind.c and mail/outbox.c read the list before a text is queued and
 * again before it is sent. */
#include "svc/texts.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "core/phone.h"
#include "svc/audit.h"
#include "util/log.h"

static const char *const stop_words[] = {"STOP",   "STOPALL", "UNSUBSCRIBE", "CANCEL",
                                         "END",    "QUIT",    "OPTOUT",      "REVOKE"};
static const char *const start_words[] = {"START", "UNSTOP", "YES"};

enum texts_word texts_word(const char *body)
{
    char w[16];
    size_t n = 0;
    const char *p = body ? body : "";
    while (*p && (isspace((unsigned char)*p) || ispunct((unsigned char)*p)))
        p++;
    while (*p && !isspace((unsigned char)*p) && !ispunct((unsigned char)*p)) {
        if (n + 1 >= sizeof w)
            return TEXTS_OTHER; /* longer than any of the words */
        w[n++] = *p++;
    }
    w[n] = '\0';
    while (*p && (isspace((unsigned char)*p) || ispunct((unsigned char)*p)))
        p++;
    if (*p || n == 0)
        return TEXTS_OTHER; /* a sentence, not the word alone */
    for (size_t i = 0; i < sizeof stop_words / sizeof *stop_words; i++)
        if (strcasecmp(w, stop_words[i]) == 0)
            return TEXTS_STOP;
    for (size_t i = 0; i < sizeof start_words / sizeof *start_words; i++)
        if (strcasecmp(w, start_words[i]) == 0)
            return TEXTS_START;
    return TEXTS_OTHER;
}

enum err_code texts_reply(struct db *db, const char *from, const char *body, int64_t now,
                          enum texts_word *word, struct err *e)
{
    char phone[PHONE_E164_MAX];
    enum err_code rc;
    *word = texts_word(body);
    if (phone_e164(from ? from : "", phone) < 0)
        return err_set(e, E_UNPROCESSABLE, "'From' is not a phone number a text can go to.");
    if (*word == TEXTS_OTHER)
        return E_OK;
    int tries = 0;
    do { /* a lost race runs again (store.h) */
        if ((rc = db_begin(db, e)) != E_OK)
            return rc;
        rc = *word == TEXTS_STOP ? db_sms_opt_out(db, phone, now, "reply", NULL, e)
                                 : db_sms_opt_in(db, phone, NULL, e);
        if (rc == E_OK)
            rc = db_commit(db, e);
        if (rc != E_OK)
            db_rollback(db);
    } while (db_retry(db, &rc, &tries, e));
    return rc;
}

enum err_code texts_desk_mark(struct db *db, struct arena *a, const struct actor *who,
                              int64_t client_id, int stop, int64_t now, struct err *e)
{
    struct client c;
    char phone[PHONE_E164_MAX];
    int changed = 0, tries = 0;
    enum err_code rc;
again: /* a lost race runs again (store.h) */
    if ((rc = db_begin(db, e)) != E_OK)
        return rc;
    if ((rc = db_client(db, a, client_id, &c, e)) != E_OK)
        goto done;
    if (phone_e164(c.phone ? c.phone : "", phone) < 0) {
        rc = err_set(e, E_UNPROCESSABLE,
                     "This client has no phone number a text can go to; add one first.");
        goto done;
    }
    rc = stop ? db_sms_opt_out(db, phone, now, "desk", &changed, e)
              : db_sms_opt_in(db, phone, &changed, e);
    /* the client's consent to be contacted, changed on their behalf: in the
     * audit table, in the same transaction (only when something changed) */
    if (rc == E_OK && changed)
        rc = audit_add_why(db, who, stop ? "opt_out" : "opt_in", "texts", 0, client_id,
                           arena_printf(a, "%s %s by the front desk", phone,
                                        stop ? "opted out of text messages" : "opted in again"),
                           now, e);
    if (rc == E_OK)
        rc = db_commit(db, e);
    if (rc == E_OK && changed)
        log_info("texts: %s marked client %lld's number %s", who->email, (long long)client_id,
                 stop ? "opted out" : "opted in again");
done:
    if (rc != E_OK) {
        db_rollback(db);
        if (db_retry(db, &rc, &tries, e))
            goto again;
    }
    return rc;
}
