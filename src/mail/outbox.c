/* outbox — the delivery worker: claims due messages from the store, builds
 * their MIME bytes (mail/mime.c), sends them (mail/smtp.c) and records the
 * outcome.  It never holds a store connection while talking SMTP.  The
 * retry cycle is drawn in outbox.h. */
#include "mail/outbox.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/tz.h"
#include "mail/lease.h"
#include "mail/mime.h"
#include "store/store.h"
#include "svc/token.h"
#include "util/arena.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/sb.h"

#define MESSAGE_MAX (8u << 20) /* bytes of one built message */

struct outbox {
    struct outbox_options o;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* on CLOCK_MONOTONIC */
    int kicked;        /* guarded by mu: a message was queued since the last look */
    unsigned channels; /* OUTBOX_EMAIL, OUTBOX_SMS: those with a transport */
    int stopping;      /* written under mu, read by the abort callback atomically */
    /* The outcome of the message last handled, written with the next claim
     * (one commit, one fsync, for both) or by flush() before the worker
     * waits or stops: the worker's own, never shared. */
    int marking;
    int64_t mark_id, mark_next, mark_at;
    const char *mark_status;
    char mark_error[512];
};

int64_t outbox_backoff(int attempts, int min_s, int max_s)
{
    int64_t d = min_s > 0 ? min_s : 1;
    for (int i = 1; i < attempts && d < max_s; i++)
        d *= 2;
    return d < max_s ? d : max_s;
}

static int stopping(void *p)
{
    struct outbox *ob = p;
    return __atomic_load_n(&ob->stopping, __ATOMIC_RELAXED);
}

/* The Message-ID: from the outbox id and creation time, so every attempt
 * of one message carries the same one (receivers can drop repeats). */
static const char *message_id(struct arena *a, const struct outbox_msg *m, const char *from)
{
    const char *at = strchr(from, '@');
    return arena_printf(a, "knead-outbox-%lld.%lld@%s", (long long)m->id,
                        (long long)m->created_at, at ? at + 1 : "knead.invalid");
}

/* The worker's writes are bodies of a shared commit (store.h db_tx_shared):
 * under a burst of bookings they join the bookings' commit instead of each
 * making one of their own (an fsync of SQLite's log each, taken in turn
 * with the bookings'); and the outcome of one message is written with the
 * claim of the next, so a message costs one commit, not two. */
struct claim_tx {
    struct outbox *ob;
    struct arena *a;
    int64_t now, until;
    struct outbox_msg *m; /* NULL: only the outcome */
    int found;            /* out */
};

static enum err_code claim_body(struct db *db, void *p, struct err *e)
{
    struct claim_tx *t = p;
    struct outbox *ob = t->ob;
    enum err_code rc = E_OK;
    if (ob->marking)
        rc = db_outbox_mark(db, ob->mark_id, ob->mark_status, ob->mark_next, ob->mark_at,
                            ob->mark_error, e);
    if (rc == E_OK && t->m)
        rc = db_outbox_claim_as(db, t->a, t->now, t->until, lease_id(ob->o.lease),
                                ob->channels, t->m, &t->found, e);
    return rc;
}

/* Runs t's transaction; the outcome it carried is written or logged as
 * lost (the lease makes the message due again, which is the at-least-once
 * window of outbox.h). */
static enum err_code claim_run(struct claim_tx *t, struct err *e)
{
    struct outbox *ob = t->ob;
    struct db *db = db_acquire(ob->o.store);
    enum err_code rc = db_tx_shared(db, claim_body, t, e);
    db_release(db);
    if (rc != E_OK && ob->marking)
        log_error("mail: message %lld could not be marked %s: %s (it is claimed again when its"
                  " lease ends)", (long long)ob->mark_id, ob->mark_status, e->msg);
    ob->marking = 0;
    return rc;
}

/* Records the end of a claim: written with the next claim, or by flush. */
static void mark(struct outbox *ob, const struct outbox_msg *m, const char *status,
                 int64_t next, const char *error)
{
    ob->marking = 1;
    ob->mark_id = m->id;
    ob->mark_next = next;
    ob->mark_at = clock_real_now();
    ob->mark_status = status; /* a literal */
    snprintf(ob->mark_error, sizeof ob->mark_error, "%s", error);
}

/* Writes the outcome not yet written, if any (before the worker waits). */
static void flush(struct outbox *ob)
{
    struct err e = {0};
    struct claim_tx t = {ob, NULL, 0, 0, NULL, 0};
    if (ob->marking)
        (void)claim_run(&t, &e); /* a failure is logged by claim_run */
}

/* A gift card's message: its body holds the code masked; the code, sealed
 * beside it, is opened with the outbox's key and put in the body (on a).
 * Returns 0 (m->body_text then holds the code; a message queued before
 * the codes were sealed holds it already and has no seal); -1 with why in
 * err: the message must not be sent; -2: the store failed (tried again). */
static int unseal(struct outbox *ob, struct arena *a, struct outbox_msg *m, char *err,
                  size_t errlen)
{
    struct err e = {0};
    const unsigned char *sealed = NULL;
    size_t n = 0;
    int found = 0, rc = -1;
    char code[TOKEN_CODE_LEN] = "", masked[TOKEN_CODE_LEN];
    unsigned char hash[STORE_TOKEN_HASH];
    struct sb b = SB_INIT;
    struct db *db = db_acquire(ob->o.store);
    enum err_code c = db_outbox_seal(db, a, m->id, &sealed, &n, &found, &e);
    db_release(db);
    if (c != E_OK) {
        snprintf(err, errlen, "its gift card code could not be read: %s", e.msg);
        rc = -2;
        goto done;
    }
    if (!found) {
        if (strstr(m->body_text, "****-****-****-")) {
            snprintf(err, errlen, "not sent: its sealed gift card code is missing");
            goto done;
        }
        rc = 0; /* queued before codes were sealed: the body holds it */
        goto done;
    }
    if (!ob->o.code_seal) {
        snprintf(err, errlen, "not sent: the server has no key to open its gift card code");
        goto done;
    }
    if (token_unseal_bytes(sealed, n, ob->o.code_seal, (unsigned char *)code,
                           TOKEN_CODE_LEN - 1) < 0 ||
        (code[TOKEN_CODE_LEN - 1] = '\0', token_code_hash(code, hash) < 0)) {
        snprintf(err, errlen,
                 "not sent: its gift card code does not open with this server's key (was "
                 "[webhooks] key_file changed or replaced?)");
        goto done;
    }
    token_code_mask(code, masked);
    const char *at = strstr(m->body_text, masked);
    if (!at) {
        snprintf(err, errlen, "not sent: its body does not hold the code's place");
        goto done;
    }
    sb_init(&b, MESSAGE_MAX);
    sb_add(&b, m->body_text, (size_t)(at - m->body_text));
    sb_adds(&b, code);
    sb_adds(&b, at + TOKEN_CODE_LEN - 1);
    if (b.err) {
        snprintf(err, errlen, "not sent: the message is larger than %u bytes", MESSAGE_MAX);
        goto done;
    }
    m->body_text = arena_strdup(a, b.buf);
    rc = 0;
done:
    if (b.buf)
        sodium_memzero(b.buf, b.len);
    sb_release(&b);
    sodium_memzero(code, sizeof code);
    return rc;
}

/* Claims and handles one due message.  Returns 1 when one was handled, 0
 * when none was due, -1 when the store failed. */
static int deliver_one(struct outbox *ob)
{
    int rc = -1, found = 0;
    struct err e = {0};
    struct arena *a = arena_new();
    struct outbox_msg m;
    struct sb bytes = SB_INIT;
    char err[512];
    int64_t now = clock_real_now();

    struct claim_tx t = {ob, a, now, now + ob->o.lease_s, &m, 0};
    enum err_code c = claim_run(&t, &e);
    found = t.found;
    if (c != E_OK) {
        log_error("mail: cannot read the outbox: %s", e.msg);
        goto done;
    }
    rc = 0;
    if (!found)
        goto done;
    rc = 1;

    if (m.channel && strcmp(m.channel, "sms") == 0) {
        /* a number that said STOP after this text was queued gets none */
        struct sms_opt_out oo;
        int out = 0;
        struct db *db = db_acquire(ob->o.store);
        c = db_sms_opted_out(db, a, m.recipient, &oo, &out, &e);
        db_release(db);
        if (c != E_OK) {
            log_error("mail: text message %lld: %s (tried again later)", (long long)m.id, e.msg);
            snprintf(err, sizeof err, "the opt-out list could not be read");
            goto failed;
        }
        if (out) {
            log_info("mail: text message %lld (%s) not sent: the number opted out", (long long)m.id,
                     m.kind);
            mark(ob, &m, "failed", now, "not sent: the number has opted out of text messages");
            goto done;
        }
        int s = sms_send(&ob->o.sms, m.recipient, m.body_text, err, sizeof err);
        if (s == 0) {
            log_info("mail: sent text message %lld (%s)", (long long)m.id, m.kind);
            mark(ob, &m, "sent", now, "");
            goto done;
        }
        if (s == SMS_REFUSED && !stopping(ob)) {
            log_error("mail: text message %lld (%s) refused, giving up"
                      " (knead outbox retry %lld queues it again): %s",
                      (long long)m.id, m.kind, (long long)m.id, err);
            mark(ob, &m, "failed", now, err);
            goto done;
        }
        goto failed;
    }
    int opened = m.kind && strcmp(m.kind, OUTBOX_KIND_SEALED) == 0
                     ? unseal(ob, a, &m, err, sizeof err)
                     : 0;
    if (opened == -2)
        goto failed;
    if (opened < 0) {
        log_error("mail: message %lld (%s) to %s %s", (long long)m.id, m.kind, m.recipient, err);
        mark(ob, &m, "failed", now, err);
        goto done;
    }
    struct mime_msg mm = {0};
    mm.from_addr = ob->o.from;
    mm.from_name = ob->o.from_name;
    mm.to_addr = m.recipient;
    mm.to_name = m.recipient_name;
    mm.subject = m.subject;
    mm.message_id = message_id(a, &m, ob->o.from);
    mm.date = m.created_at;
    mm.date_offset = ob->o.tz ? tz_offset_at(ob->o.tz, m.created_at) : 0;
    mm.text = m.body_text;
    mm.html = m.body_html;
    mm.attach_name = m.attach_name;
    mm.attach_type = m.attach_type;
    mm.attach_data = m.attach_data;
    mm.attach_len = m.attach_len;
    sb_init(&bytes, MESSAGE_MAX);
    if (mime_build(&bytes, &mm, err, sizeof err) < 0 || bytes.err) {
        if (bytes.err)
            snprintf(err, sizeof err, "the message is larger than %u bytes", MESSAGE_MAX);
        log_error("mail: message %lld cannot be built, giving up: %s", (long long)m.id, err);
        mark(ob, &m, "failed", now, err);
        goto done;
    }
    int sent = smtp_send(&ob->o.smtp, ob->o.from, m.recipient, bytes.buf, bytes.len, err,
                         sizeof err);
    if (sent == 0) {
        log_info("mail: sent message %lld (%s)", (long long)m.id, m.kind);
        mark(ob, &m, "sent", now, "");
        goto done;
    }
    if (sent == SMTP_REFUSED && !stopping(ob)) {
        log_error("mail: message %lld (%s) to %s refused, giving up"
                  " (knead outbox retry %lld queues it again): %s",
                  (long long)m.id, m.kind, m.recipient, (long long)m.id, err);
        mark(ob, &m, "failed", now, err);
        goto done;
    }
failed:
    if (stopping(ob)) { /* shutting down: not the message's fault */
        mark(ob, &m, "pending", now, "interrupted by shutdown");
        goto done;
    }
    if (m.attempts >= ob->o.max_attempts) {
        log_error("mail: message %lld (%s) failed %d times, giving up"
                  " (knead outbox retry %lld queues it again): %s",
                  (long long)m.id, m.kind, m.attempts, (long long)m.id, err);
        mark(ob, &m, "failed", now, err);
        goto done;
    }
    int64_t wait = outbox_backoff(m.attempts, ob->o.retry_min_s, ob->o.retry_max_s);
    log_warn("mail: message %lld (%s) not sent (attempt %d of %d), next try in %lld s: %s",
             (long long)m.id, m.kind, m.attempts, ob->o.max_attempts, (long long)wait, err);
    mark(ob, &m, "pending", clock_real_now() + wait, err);
done:
    sb_release(&bytes);
    arena_free(a);
    return rc;
}

/* Seconds until the next message is due (0..poll_s). */
static int64_t until_due(struct outbox *ob)
{
    struct err e = {0};
    int64_t at = 0, wait = ob->o.poll_s;
    int found = 0;
    struct db *db = db_acquire(ob->o.store);
    if (db_outbox_next_due(db, ob->channels, &at, &found, &e) != E_OK)
        log_error("mail: cannot read the outbox: %s", e.msg);
    db_release(db);
    if (found && at - clock_real_now() < wait)
        wait = at - clock_real_now();
    return wait < 1 ? 1 : wait;
}

static void *worker(void *p)
{
    struct outbox *ob = p;
    for (;;) {
        while (!stopping(ob) && deliver_one(ob) == 1) {
        }
        flush(ob);
        int64_t wait = until_due(ob);
        struct timespec until = clock_deadline_ms(wait * 1000);
        pthread_mutex_lock(&ob->mu);
        while (!ob->kicked && !ob->stopping)
            if (pthread_cond_timedwait(&ob->cv, &ob->mu, &until) != 0)
                break; /* timed out: look again */
        ob->kicked = 0;
        int stop = ob->stopping;
        pthread_mutex_unlock(&ob->mu);
        if (stop)
            break;
    }
    return NULL;
}

int outbox_start(const struct outbox_options *o, struct outbox **out, char *err, size_t errlen)
{
    struct outbox *ob = xcalloc(1, sizeof *ob);
    ob->o = *o;
    ob->o.smtp.abort = stopping;
    ob->o.smtp.abort_ctx = ob;
    ob->o.sms.abort = stopping;
    ob->o.sms.abort_ctx = ob;
    if (ob->o.smtp.host && ob->o.smtp.host[0])
        ob->channels |= OUTBOX_EMAIL;
    if (ob->o.sms.base_url && ob->o.sms.base_url[0])
        ob->channels |= OUTBOX_SMS;
    pthread_mutex_init(&ob->mu, NULL);
    int rc = clock_cond_init(&ob->cv);
    if (rc == 0)
        rc = pthread_create(&ob->thread, NULL, worker, ob);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the mail worker: %s", strerror(rc));
        pthread_cond_destroy(&ob->cv);
        pthread_mutex_destroy(&ob->mu);
        free(ob);
        *out = NULL;
        return -1;
    }
    *out = ob;
    return 0;
}

void outbox_kick(struct outbox *ob)
{
    if (!ob)
        return;
    pthread_mutex_lock(&ob->mu);
    ob->kicked = 1;
    pthread_cond_signal(&ob->cv);
    pthread_mutex_unlock(&ob->mu);
}

void outbox_abort(struct outbox *ob)
{
    if (!ob)
        return;
    pthread_mutex_lock(&ob->mu);
    __atomic_store_n(&ob->stopping, 1, __ATOMIC_RELAXED);
    pthread_cond_signal(&ob->cv);
    pthread_mutex_unlock(&ob->mu);
}

void outbox_stop(struct outbox *ob)
{
    if (!ob)
        return;
    outbox_abort(ob);
    pthread_join(ob->thread, NULL);
    pthread_cond_destroy(&ob->cv);
    pthread_mutex_destroy(&ob->mu);
    free(ob);
}
