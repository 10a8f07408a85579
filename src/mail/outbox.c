/* outbox — the delivery worker: claims due messages from the store, builds
 * their MIME bytes (mail/mime.c), sends them (mail/smtp.c) and records the
 * outcome.  It never holds a store connection while talking SMTP.  The
 * retry cycle is drawn in outbox.h. */
#include "mail/outbox.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/tz.h"
#include "mail/mime.h"
#include "store/store.h"
#include "util/arena.h"
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
};

int64_t outbox_backoff(int attempts, int min_s, int max_s)
{
    int64_t d = min_s > 0 ? min_s : 1;
    for (int i = 1; i < attempts && d < max_s; i++)
        d *= 2;
    return d < max_s ? d : max_s;
}

static int64_t real_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec;
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

/* Records the end of a claim; a failure here is logged (the lease makes the
 * message due again, which is the at-least-once window of outbox.h). */
static void mark(struct outbox *ob, const struct outbox_msg *m, const char *status,
                 int64_t next, const char *error)
{
    struct err e = {0};
    struct db *db = db_acquire(ob->o.store);
    enum err_code rc = db_begin(db, &e);
    if (rc == E_OK)
        rc = db_outbox_mark(db, m->id, status, next, real_now(), error, &e);
    if (rc == E_OK)
        rc = db_commit(db, &e);
    if (rc != E_OK) {
        db_rollback(db);
        log_error("mail: message %lld could not be marked %s: %s (it is claimed again when its"
                  " lease ends)", (long long)m->id, status, e.msg);
    }
    db_release(db);
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
    int64_t now = real_now();

    struct db *db = db_acquire(ob->o.store);
    enum err_code c = db_begin(db, &e);
    if (c == E_OK)
        c = db_outbox_claim(db, a, now, now + ob->o.lease_s, ob->channels, &m, &found, &e);
    if (c == E_OK)
        c = db_commit(db, &e);
    if (c != E_OK)
        db_rollback(db);
    db_release(db);
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
        db = db_acquire(ob->o.store);
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
    mark(ob, &m, "pending", real_now() + wait, err);
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
    if (found && at - real_now() < wait)
        wait = at - real_now();
    return wait < 1 ? 1 : wait;
}

static void *worker(void *p)
{
    struct outbox *ob = p;
    for (;;) {
        while (!stopping(ob) && deliver_one(ob) == 1) {
        }
        int64_t wait = until_due(ob);
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += (time_t)wait;
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
    pthread_condattr_t ca;
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
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&ob->cv, &ca);
    pthread_condattr_destroy(&ca);
    int rc = pthread_create(&ob->thread, NULL, worker, ob);
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
