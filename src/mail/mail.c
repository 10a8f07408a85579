/* mail — starts and stops e-mail for `knead serve`.  Holds no message
 * logic (notify.c) and no delivery logic (outbox.c). */
#include "mail/mail.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "mail/lease.h"
#include "mail/notify.h"
#include "mail/outbox.h"
#include "mail/render.h"
#include "mail/remind.h"
#include "mail/waitlist.h"
#include "mail/whsend.h"
#include "svc/booking.h"
#include "svc/token.h"
#include "svc/waitlist.h"
#include "svc/webhook.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/num.h"

#define POLL_SECONDS 10  /* the longest the worker sleeps without a look at the store */
#define LEASE_SECONDS 300 /* a claim; longer than one SMTP transfer may take */

/* A test build only (KNEAD_TEST_BUILD, as KNEAD_PWHASH=test): with
 * KNEAD_TEST_REMIND_POLL_S=N (1..86400) the reminder worker's unasked look
 * comes every N s instead of POLL_SECONDS, so that an HTTP test can tell
 * the look a change asks for (remind_kick) from the periodic one.
 * POLL_SECONDS in every other build. */
static int test_remind_poll_s(void)
{
#ifdef KNEAD_TEST_BUILD
    const char *v = getenv("KNEAD_TEST_REMIND_POLL_S");
    int s;
    if (v && num_parse_int(v, 1, 86400, &s) == 0)
        return s;
#endif
    return POLL_SECONDS;
}

struct mail {
    struct lease *lease; /* this server's, named in the workers' claims */
    struct mail_notify *notify;
    struct outbox *outbox;
    struct remind *remind;
    struct mail_waitlist *waitlist;
    struct render *render; /* renders the changes' messages after their commit */
    struct wh *wh;
    struct whsend *whsend;
    struct sched_hooks inner; /* the render worker's, which app->hooks wraps */
    int public_url; /* links come from [server] public_url */
    struct app *app; /* whose hooks, mailer and waitlist mail_start set and mail_stop clears */
    unsigned char code_seal[TOKEN_SEAL_KEY]; /* app->code_seal and the outbox's */
};

/* The server's key file ([webhooks] key_file, or beside the database),
 * made at the first start: it seals the webhooks' secrets and, under a key
 * of its own derived from it, the gift card codes of queued e-mails. */
static int load_key(const struct app *app, unsigned char key[WH_KEY_BYTES], char *err,
                    size_t errlen)
{
    const struct cfg *c = &app->cfg;
    char path[CFG_PATH + 16];
    if (c->webhooks_key_file[0]) {
        snprintf(path, sizeof path, "%s", c->webhooks_key_file);
    } else if (strstr(c->db_path, "://")) {
        snprintf(err, errlen,
                 "[webhooks] key_file: set it to a file path: the database is not a"
                 " file, so the key cannot live beside it");
        return -1;
    } else {
        snprintf(path, sizeof path, "%s.webhook-key", c->db_path);
    }
    return wh_key_load(path, key, err, errlen);
}

/* The webhooks: the service (its secrets sealed under key), and the
 * delivery worker. */
static int start_webhooks(struct app *app, struct mail *m, const unsigned char key[WH_KEY_BYTES],
                          char *err, size_t errlen)
{
    const struct cfg *c = &app->cfg;
    m->wh = wh_new(app->tz, key);
    struct whsend_options o = {0};
    o.store = app->store;
    o.wh = m->wh;
    o.allow_private = c->webhooks_allow_private;
    o.timeout_s = c->webhooks_timeout_seconds;
    o.retry_min_s = c->webhooks_retry_min_seconds;
    o.retry_max_s = c->webhooks_retry_max_seconds;
    o.max_attempts = c->webhooks_max_attempts;
    o.lease = m->lease;
    if (whsend_start(&o, &m->whsend, err, errlen) < 0) {
        wh_free(m->wh);
        m->wh = NULL;
        return -1;
    }
    if (c->webhooks_allow_private)
        log_warn("webhooks: [webhooks] allow_private = 1: endpoints may be on loopback and "
                 "private addresses");
    return 0;
}

/* app->hooks: the render worker's (m->inner: the change's event row, then
 * after the commit its pass), and after a commit a wake-up of the webhook
 * worker too, so a change's webhooks go at once rather than at its next
 * look at the queue.  The webhook events themselves are queued by the
 * booking service in the change's transaction (hooks.webhooks = m->wh). */
static enum err_code hooks_queue(void *ctx, struct db *db, enum sched_event ev, int64_t id,
                                 const struct appointment *before, const char *token,
                                 int by_staff, int64_t now, struct err *e)
{
    struct mail *m = ctx;
    return m->inner.queue ? m->inner.queue(m->inner.ctx, db, ev, id, before, token, by_staff, now,
                                           e)
                          : E_OK;
}

static void hooks_committed(void *ctx)
{
    struct mail *m = ctx;
    if (m->inner.committed)
        m->inner.committed(m->inner.ctx);
    whsend_kick(m->whsend);
}

int mail_start(struct app *app, struct mail **out, char *err, size_t errlen)
{
    const struct cfg *c = &app->cfg;
    struct mail *m = xcalloc(1, sizeof *m);
    unsigned char key[WH_KEY_BYTES];
    *out = NULL;
    if (load_key(app, key, err, errlen) < 0) {
        free(m);
        return -1;
    }
    {
        const void *parts[] = {key};
        const size_t lens[] = {WH_KEY_BYTES};
        token_seal_key(m->code_seal, "knead gift card code", 1, parts, lens);
    }
    if (mail_notify_new(app, &m->notify, err, errlen) < 0) {
        sodium_memzero(key, sizeof key);
        sodium_memzero(m->code_seal, sizeof m->code_seal);
        free(m);
        return -1;
    }
    if (c->public_url[0]) {
        mail_notify_set_base_url(m->notify, c->public_url);
        m->public_url = 1;
    }
    if (lease_start(app->store, &m->lease, err, errlen) < 0) {
        sodium_memzero(key, sizeof key);
        sodium_memzero(m->code_seal, sizeof m->code_seal);
        mail_notify_free(m->notify);
        free(m);
        return -1;
    }
    if (c->smtp_host[0] || c->sms_base_url[0]) {
        struct outbox_options o = {0};
        o.store = app->store;
        o.smtp.host = c->smtp_host;
        o.smtp.port = c->smtp_port;
        o.smtp.tls = c->smtp_tls;
        o.smtp.username = c->smtp_username;
        o.smtp.password = c->smtp_password;
        o.smtp.timeout_s = c->smtp_timeout_seconds;
        o.smtp.connect_timeout_s = o.smtp.timeout_s < 10 ? o.smtp.timeout_s : 10;
        o.from = c->smtp_from[0] ? c->smtp_from : c->email;
        o.from_name = c->name;
        o.tz = app->tz;
        o.retry_min_s = c->smtp_retry_min_seconds;
        o.retry_max_s = c->smtp_retry_max_seconds;
        o.max_attempts = c->smtp_max_attempts;
        o.poll_s = POLL_SECONDS;
        o.lease_s = LEASE_SECONDS;
        o.lease = m->lease;
        o.code_seal = m->code_seal;
        o.sms.base_url = c->sms_base_url;
        o.sms.account = c->sms_account;
        o.sms.key = c->sms_key;
        o.sms.from = c->sms_from;
        o.sms.connect_timeout_s = 10;
        o.sms.timeout_s = 30;
        if (outbox_start(&o, &m->outbox, err, errlen) < 0) {
            sodium_memzero(key, sizeof key);
            mail_notify_free(m->notify);
            lease_stop(m->lease);
            free(m);
            return -1;
        }
        mail_notify_set_outbox(m->notify, m->outbox);
        if (c->smtp_host[0])
            log_info("mail: delivering over SMTP to %s:%d (tls %s) from %s", c->smtp_host,
                     c->smtp_port, c->smtp_tls, o.from);
        else
            log_warn("mail: [smtp] host is empty: e-mail waits in the outbox (knead outbox list)");
        if (c->sms_base_url[0])
            log_info("mail: text messages through %s from %s", c->sms_base_url, c->sms_from);
    } else {
        log_warn("mail: [smtp] host is empty: messages wait in the outbox (knead outbox list)");
    }
    if (c->reminders_hours || c->reminders_hours_2) {
        struct remind_options ro = {0};
        ro.app = app;
        ro.hours[0] = c->reminders_hours;
        ro.hours[1] = c->reminders_hours_2;
        ro.sms = c->sms_base_url[0] != '\0';
        ro.outbox = m->outbox;
        ro.poll_s = test_remind_poll_s();
        if (remind_start(&ro, &m->remind, err, errlen) < 0) {
            sodium_memzero(key, sizeof key);
            outbox_stop(m->outbox);
            mail_notify_free(m->notify);
            lease_stop(m->lease);
            free(m);
            return -1;
        }
        log_info("mail: reminders %d and %d hours before each appointment (0 = off)%s",
                 ro.hours[0], ro.hours[1], ro.sms ? ", by e-mail and text message" : "");
    }
    if (mail_waitlist_new(app, m->outbox, &m->waitlist, err, errlen) < 0) {
        sodium_memzero(key, sizeof key);
        remind_stop(m->remind);
        outbox_stop(m->outbox);
        mail_notify_free(m->notify);
        lease_stop(m->lease);
        free(m);
        return -1;
    }
    int started = start_webhooks(app, m, key, err, errlen);
    sodium_memzero(key, sizeof key);
    if (started < 0) {
        mail_waitlist_free(m->waitlist);
        remind_stop(m->remind);
        outbox_stop(m->outbox);
        mail_notify_free(m->notify);
        lease_stop(m->lease);
        free(m);
        return -1;
    }
    if (m->public_url)
        mail_waitlist_set_base_url(m->waitlist, c->public_url);
    m->app = app;
    struct wl_config wc = {app->sched, app->tz, app_booking_rules(app), c->waitlist_offer_minutes,
                           m->wh};
    struct wl_mailer wm = mail_waitlist_mailer(m->waitlist);
    app->waitlist = wl_new(&wc, &wm);
    /* A change stores its event row (and queues its webhook events) inside
     * its transaction; the render worker renders its e-mail, withdraws the
     * reminders of the old time and makes the waitlist's offers (queueing
     * their waitlist.offered events in its own transaction) after the
     * commit (mail/render.h). */
    if (render_start(app, m->notify, m->whsend, m->remind, RENDER_POLL_SECONDS, &m->render,
                     err, errlen) < 0) {
        wl_free(app->waitlist);
        app->waitlist = NULL;
        whsend_stop(m->whsend);
        wh_free(m->wh);
        mail_waitlist_free(m->waitlist);
        remind_stop(m->remind);
        outbox_stop(m->outbox);
        mail_notify_free(m->notify);
        lease_stop(m->lease);
        free(m);
        return -1;
    }
    m->inner = render_hooks(m->render);
    app->hooks = (struct sched_hooks){hooks_queue, hooks_committed, m, m->wh};
    app->webhooks = m->wh;
    app->whsend = m->whsend;
    app->mailer = mail_notify_portal_mailer(m->notify);
    app->code_seal = m->code_seal;
    *out = m;
    return 0;
}

void mail_listening(struct mail *m, const char *host, int port)
{
    char url[300];
    if (!m || m->public_url) /* [server] public_url set: mail_start used it */
        return;
    if (!*host || strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0)
        host = "localhost";
    snprintf(url, sizeof url, "http://%s%s%s:%d", strchr(host, ':') ? "[" : "", host,
             strchr(host, ':') ? "]" : "", port);
    mail_notify_set_base_url(m->notify, url);
    mail_waitlist_set_base_url(m->waitlist, url);
    log_warn("mail: links in e-mail point to %s; set [server] public_url to the address"
             " clients use", url);
}

void mail_stopping(struct mail *m)
{
    if (m) {
        outbox_abort(m->outbox);
        whsend_abort(m->whsend);
    }
}

void mail_stop(struct mail *m)
{
    if (!m)
        return;
    memset(&m->app->hooks, 0, sizeof m->app->hooks);
    memset(&m->app->mailer, 0, sizeof m->app->mailer);
    render_stop(m->render); /* a last pass: what the last requests changed */
    m->app->webhooks = NULL;
    m->app->whsend = NULL;
    m->app->code_seal = NULL;
    wl_free(m->app->waitlist);
    m->app->waitlist = NULL;
    remind_stop(m->remind);
    outbox_stop(m->outbox);
    whsend_stop(m->whsend);
    lease_stop(m->lease); /* after the workers: what they put back is free at once */
    wh_free(m->wh);
    mail_waitlist_free(m->waitlist);
    mail_notify_free(m->notify);
    sodium_memzero(m->code_seal, sizeof m->code_seal);
    free(m);
}
