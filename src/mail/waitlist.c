/* mail/waitlist — offers a freed time to the clients on the waitlist and
 * renders the waitlist's e-mail, inside the transaction of the change that
 * causes it (a cancellation or a move, through sched's hooks; a join,
 * through mail_waitlist_joined).  Must not send anything: delivery is
 * mail/outbox.c's, after the commit.  The matching rule is core/waitlist's,
 * whether the time is bookable is sched's. */
#include "mail/waitlist.h"

#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "core/tz.h"
#include "core/waitlist.h"
#include "mail/outbox.h"
#include "util/arena.h"
#include "util/errmsg.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/sb.h"
#include "view/tpl.h"
#include "web/when.h"

#define BODY_MAX (256u << 10) /* bytes of one rendered body */

static const char *const kinds[] = {"waitlist_joined", "waitlist_offer"};

/* Set by mail_waitlist_start before the threads start; read-only after,
 * except base_url (under mu). */
static struct {
    const struct app *app;
    struct tpl_engine *tpl;
    struct outbox *outbox;
    struct sched_hooks inner;
    pthread_mutex_t mu;
    char base_url[512];
} wl;

int mail_waitlist_start(const struct app *app, struct outbox *ob, char *err, size_t errlen)
{
    int rc = -1;
    struct tpl_engine *e = tpl_engine_new();
    struct sb path = SB_INIT;
    char *text = NULL, msg[512];

    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        static const char *const ext[] = {"txt", "html"};
        for (int x = 0; x < 2; x++) {
            size_t len;
            char name[64];
            sb_reset(&path);
            sb_addf(&path, "%s/mail/%s.%s", app->cfg.templates_dir, kinds[i], ext[x]);
            if (!(text = fs_read_file(path.buf, TPL_MAX_FILE_SIZE, &len))) {
                errmsg_set(err, errlen, "%s: cannot read the mail template", path.buf);
                goto done;
            }
            snprintf(name, sizeof name, "%s.%s", kinds[i], ext[x]);
            if (tpl_engine_add(e, name, text, len, msg, sizeof msg) < 0) {
                errmsg_set(err, errlen, "%s: %s", path.buf, msg);
                goto done;
            }
            free(text);
            text = NULL;
        }
    }
    if (tpl_engine_finish(e, msg, sizeof msg) < 0) {
        errmsg_set(err, errlen, "mail templates: %s", msg);
        goto done;
    }
    wl.app = app;
    wl.tpl = e;
    wl.outbox = ob;
    e = NULL;
    pthread_mutex_init(&wl.mu, NULL);
    rc = 0;
done:
    free(text);
    sb_release(&path);
    tpl_engine_free(e);
    return rc;
}

void mail_waitlist_stop(void)
{
    if (!wl.tpl)
        return;
    tpl_engine_free(wl.tpl);
    pthread_mutex_destroy(&wl.mu);
    memset(&wl, 0, sizeof wl);
}

void mail_waitlist_set_base_url(const char *url)
{
    pthread_mutex_lock(&wl.mu);
    snprintf(wl.base_url, sizeof wl.base_url, "%s", url);
    size_t len = strlen(wl.base_url);
    while (len > 0 && wl.base_url[len - 1] == '/')
        wl.base_url[--len] = '\0';
    pthread_mutex_unlock(&wl.mu);
}

void mail_waitlist_token(char token[SCHED_TOKEN_LEN])
{
    unsigned char bin[16];
    randombytes_buf(bin, sizeof bin);
    sodium_bin2base64(token, SCHED_TOKEN_LEN, bin, sizeof bin,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void mail_waitlist_committed(void)
{
    outbox_kick(wl.outbox);
}

static void set_str(json_t *o, const char *k, const char *v)
{
    json_object_set_new(o, k, json_string(v ? v : ""));
}

/* The context every waitlist message shares, and a request-shaped handle
 * for when.c's wording (it reads only app and arena). */
static json_t *context(struct arena *a, struct req *r, const struct waitlist_entry *w,
                       char *base, size_t basesize)
{
    const struct cfg *c = &wl.app->cfg;
    json_t *j = json_object(), *clinic = json_object();
    char days[80];

    memset(r, 0, sizeof *r);
    r->app = (struct app *)wl.app;
    r->arena = a;
    pthread_mutex_lock(&wl.mu);
    snprintf(base, basesize, "%s", wl.base_url);
    pthread_mutex_unlock(&wl.mu);
    set_str(clinic, "name", c->name);
    set_str(clinic, "phone", c->phone);
    set_str(clinic, "email", c->email);
    set_str(clinic, "address", c->address);
    json_object_set_new(j, "clinic", clinic);
    set_str(j, "client_name", w->name);
    set_str(j, "service", w->service_name);
    set_str(j, "therapist", w->therapist_name[0] ? w->therapist_name : "any therapist");
    set_str(j, "date_from", w->date_from);
    set_str(j, "date_to", w->date_to);
    set_str(j, "days", waitlist_days_label(w->days, days, sizeof days));
    set_str(j, "window", arena_printf(a, "%02d:%02d–%02d:%02d", w->time_from / 60,
                                      w->time_from % 60, w->time_to / 60, w->time_to % 60));
    set_str(j, "book_url", arena_printf(a, "%s/book", base));
    return j;
}

/* Renders kind.txt and kind.html with ctx and queues the message to w's
 * client.  Returns E_OK or an error with a message (the caller rolls back). */
static enum err_code queue(struct db *db, const struct waitlist_entry *w, const char *kind,
                           const char *dedupe_key, const char *subject, int64_t now,
                           json_t *ctx, struct err *e)
{
    enum err_code rc = E_INTERNAL;
    struct sb text = SB_INIT, html = SB_INIT;
    char name[64], err[256];
    int added = 0;

    sb_init(&text, BODY_MAX);
    sb_init(&html, BODY_MAX);
    snprintf(name, sizeof name, "%s.txt", kind);
    if (tpl_render_text(wl.tpl, name, ctx, &text, err, sizeof err) < 0)
        goto fail;
    snprintf(name, sizeof name, "%s.html", kind);
    if (tpl_render(wl.tpl, name, ctx, &html, err, sizeof err) < 0)
        goto fail;
    if (text.err || html.err) {
        snprintf(err, sizeof err, "a part is larger than %u bytes", BODY_MAX);
        goto fail;
    }
    struct outbox_msg m = {0};
    m.kind = kind;
    m.dedupe_key = dedupe_key;
    m.recipient = w->email;
    m.recipient_name = w->name;
    m.subject = subject;
    m.body_text = text.buf;
    m.body_html = html.buf;
    m.created_at = now;
    m.next_attempt_at = 0; /* due at once (the worker keeps real time) */
    if ((rc = db_outbox_add(db, &m, &added, e)) != E_OK) {
        log_error("mail: cannot queue the %s message for waitlist entry %lld: %s", kind,
                  (long long)w->id, e->msg);
        if (rc != E_UNAVAILABLE)
            rc = err_set(e, E_INTERNAL, "Its e-mail could not be queued, so nothing was"
                                        " changed; please try again (the error was logged).");
        goto done;
    }
    if (!added)
        log_info("mail: %s already queued (%s)", kind, dedupe_key);
    rc = E_OK;
    goto done;
fail:
    log_error("mail: cannot write the %s message for waitlist entry %lld: %s", kind,
              (long long)w->id, err);
    rc = err_set(e, E_INTERNAL, "Its e-mail could not be prepared, so nothing was changed; the"
                                " error was logged.");
done:
    sb_release(&text);
    sb_release(&html);
    return rc;
}

enum err_code mail_waitlist_joined(struct db *db, const struct waitlist_entry *w,
                                   const char *token, int64_t now, struct err *e)
{
    struct arena *a;
    struct req r;
    char base[sizeof wl.base_url];
    enum err_code rc;
    if (!wl.tpl)
        return E_OK;
    a = arena_new();
    json_t *j = context(a, &r, w, base, sizeof base);
    set_str(j, "entry_url", arena_printf(a, "%s/waitlist/%s", base, token));
    rc = queue(db, w, "waitlist_joined", arena_printf(a, "waitlist-%lld/joined", (long long)w->id),
               arena_printf(a, "On the waitlist: %s", w->service_name), now, j, e);
    json_decref(j);
    arena_free(a);
    return rc;
}

/* The offers of the time `before` left, inside the change's transaction.
 * A time nobody waits for, or that a client could not book now, makes
 * nothing and is no error; a store error is returned (the change rolls
 * back with it). */
static enum err_code offer(struct db *db, const struct appointment *before, int64_t now,
                           struct err *e)
{
    struct arena *a = arena_new();
    struct waitlist_entry *entries = NULL;
    size_t n = 0, nmatch = 0;
    struct err e2 = {0};
    struct sched s;
    struct dt_civil c;
    enum err_code rc;
    unsigned char *match = NULL;

    if ((rc = db_waitlist_active(db, a, before->service_id, &entries, &n, e)) != E_OK || n == 0)
        goto done;
    tz_to_local(wl.app->tz, before->start, &c, NULL);
    struct waitlist_opening o = {before->service_id, before->therapist_id,
                                 {c.year, c.month, c.day}, c.hour * 60 + c.min,
                                 (int)((before->end - before->start) / 60)};
    match = arena_alloc(a, n);
    for (size_t i = 0; i < n; i++) {
        struct dt_date f, t;
        struct waitlist_want w = {entries[i].service_id, entries[i].therapist_id, {0, 0, 0},
                                  {0, 0, 0}, entries[i].days, entries[i].time_from,
                                  entries[i].time_to};
        if (dt_parse_date(entries[i].date_from, &f) < 0 ||
            dt_parse_date(entries[i].date_to, &t) < 0)
            continue; /* the schema's CHECK keeps this from happening */
        w.from = f;
        w.to = t;
        match[i] = (unsigned char)waitlist_matches(&w, &o);
        nmatch += match[i];
    }
    if (nmatch == 0)
        goto done;

    /* Bookable now by a client, with this therapist, as the store stands
     * inside this transaction (the change already applied)? */
    struct booking_rules cfg = app_booking_rules(wl.app);
    rc = sched_load(db, a, wl.app->sched, wl.app->tz, &cfg, before->service_id,
                    before->therapist_id, &s, &e2);
    if (rc == E_NOTFOUND) { /* service or therapist retired since */
        rc = E_OK;
        goto done;
    }
    if (rc != E_OK) {
        *e = e2;
        goto done;
    }
    rc = sched_fits(db, a, &s, now, before->start, 0, &e2);
    if (rc == E_CONFLICT || rc == E_UNPROCESSABLE) {
        log_info("waitlist: the time of appointment %lld is not offered: %s",
                 (long long)before->id, e2.msg);
        rc = E_OK;
        goto done;
    }
    if (rc != E_OK) {
        *e = e2;
        goto done;
    }
    int64_t expires = waitlist_offer_expiry(now, before->start, s.rules.min_notice_min,
                                            wl.app->cfg.waitlist_offer_minutes);
    if (expires <= now)
        goto done;

    struct req r;
    char base[sizeof wl.base_url];
    memset(&r, 0, sizeof r);
    r.app = (struct app *)wl.app;
    r.arena = a;
    const char *date_label = when_date_long(&r, o.date);
    for (size_t i = 0; i < n; i++) {
        char token[SCHED_TOKEN_LEN];
        unsigned char hash[STORE_TOKEN_HASH];
        int64_t id = 0;
        if (!match[i])
            continue;
        mail_waitlist_token(token);
        sched_token_hash(token, hash);
        struct waitlist_offer of = {0};
        of.entry_id = entries[i].id;
        of.service_id = before->service_id;
        of.therapist_id = before->therapist_id;
        of.start = before->start;
        of.freed_by = before->id;
        of.created_at = now;
        of.expires_at = expires;
        if ((rc = db_waitlist_offer_add(db, &of, hash, &id, e)) != E_OK)
            goto done;
        if (id == 0)
            continue; /* it holds an open offer of this time already */
        json_t *j = context(a, &r, &entries[i], base, sizeof base);
        const char *clock = when_clock(&r, before->start, 1);
        set_str(j, "offer_therapist", s.therapists[0].name);
        set_str(j, "offer_date", date_label);
        set_str(j, "offer_time", when_range(&r, before->start, before->end));
        set_str(j, "expires",
                arena_printf(a, "%s, %s", when_date_long(&r, when_local_date(&r, expires)),
                             when_clock(&r, expires, 1)));
        set_str(j, "claim_url", arena_printf(a, "%s/waitlist/offers/%s", base, token));
        rc = queue(db, &entries[i], "waitlist_offer",
                   arena_printf(a, "waitlist-offer-%lld", (long long)id),
                   arena_printf(a, "A time opened: %s, %s at %s", s.service.name, date_label,
                                clock),
                   now, j, e);
        json_decref(j);
        if (rc != E_OK)
            goto done;
        log_info("waitlist: offered %s of appointment %lld to entry %lld", clock,
                 (long long)before->id, (long long)entries[i].id);
    }
    rc = E_OK;
done:
    arena_free(a);
    return rc;
}

static enum err_code on_queue(void *ctx, struct db *db, enum sched_event ev, int64_t id,
                              const struct appointment *before, const char *token, int by_staff,
                              int64_t now, struct err *e)
{
    enum err_code rc = E_OK;
    (void)ctx;
    if (wl.inner.queue &&
        (rc = wl.inner.queue(wl.inner.ctx, db, ev, id, before, token, by_staff, now, e)) != E_OK)
        return rc;
    if (ev == SCHED_BOOKED || !before || !wl.tpl)
        return E_OK;
    return offer(db, before, now, e);
}

static void on_committed(void *ctx)
{
    (void)ctx;
    if (wl.inner.committed)
        wl.inner.committed(wl.inner.ctx);
    else
        outbox_kick(wl.outbox);
}

struct sched_hooks mail_waitlist_hooks(struct sched_hooks inner)
{
    wl.inner = inner;
    struct sched_hooks h = {on_queue, on_committed, NULL};
    return h;
}
