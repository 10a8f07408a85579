/* mail/waitlist — renders the waitlist's e-mail and queues it in the
 * outbox, inside the transaction of the change that causes it (svc/waitlist
 * calls it as its mailer: a join, an offer of a freed time).  Must not send
 * anything (delivery is mail/outbox.c's, after the commit) nor decide
 * anything (who is offered what is svc/waitlist's). */
#include "mail/waitlist.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "core/tz.h"
#include "core/waitlist.h"
#include "mail/outbox.h"
#include "svc/when.h"
#include "util/arena.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/sb.h"
#include "view/tpl.h"

#define BODY_MAX (256u << 10) /* bytes of one rendered body */

static const char *const files[] = {"waitlist_joined.txt", "waitlist_joined.html",
                                    "waitlist_offer.txt", "waitlist_offer.html"};

/* Made by mail_waitlist_new before the threads start; read-only after,
 * except base_url (under mu). */
struct mail_waitlist {
    const struct app *app;
    struct tpl_engine *tpl;
    struct outbox *outbox;
    pthread_mutex_t mu;
    char base_url[512];
};

int mail_waitlist_new(const struct app *app, struct outbox *ob, struct mail_waitlist **out,
                      char *err, size_t errlen)
{
    struct tpl_engine *e;
    if (tpl_engine_load_files(app->cfg.templates_dir, "mail", files,
                              sizeof files / sizeof files[0], "mail templates", &e, err,
                              errlen) < 0)
        return -1;
    struct mail_waitlist *mw = xcalloc(1, sizeof *mw);
    mw->app = app;
    mw->tpl = e;
    mw->outbox = ob;
    pthread_mutex_init(&mw->mu, NULL);
    *out = mw;
    return 0;
}

void mail_waitlist_free(struct mail_waitlist *mw)
{
    if (!mw)
        return;
    tpl_engine_free(mw->tpl);
    pthread_mutex_destroy(&mw->mu);
    free(mw);
}

void mail_waitlist_set_base_url(struct mail_waitlist *mw, const char *url)
{
    pthread_mutex_lock(&mw->mu);
    snprintf(mw->base_url, sizeof mw->base_url, "%s", url);
    size_t len = strlen(mw->base_url);
    while (len > 0 && mw->base_url[len - 1] == '/')
        mw->base_url[--len] = '\0';
    pthread_mutex_unlock(&mw->mu);
}

static void on_committed(void *ctx)
{
    struct mail_waitlist *mw = ctx;
    outbox_kick(mw->outbox);
}

static void set_str(json_t *o, const char *k, const char *v)
{
    json_object_set_new(o, k, json_string(v ? v : ""));
}

/* The context every waitlist message shares. */
static json_t *context(struct mail_waitlist *mw, struct arena *a, const struct waitlist_entry *w,
                       char *base, size_t basesize)
{
    const struct cfg *c = &mw->app->cfg;
    json_t *j = json_object(), *clinic = json_object();
    char days[80];

    pthread_mutex_lock(&mw->mu);
    snprintf(base, basesize, "%s", mw->base_url);
    pthread_mutex_unlock(&mw->mu);
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
    set_str(j, "window", when_window(a, w->time_from, w->time_to));
    set_str(j, "book_url", arena_printf(a, "%s/book", base));
    return j;
}

/* Renders kind.txt and kind.html with ctx and queues the message to w's
 * client.  Returns E_OK or an error with a message (the caller rolls back). */
static enum err_code queue(struct mail_waitlist *mw, struct db *db, const struct waitlist_entry *w,
                           const char *kind, const char *dedupe_key, const char *subject,
                           int64_t now, json_t *ctx, struct err *e)
{
    enum err_code rc = E_INTERNAL;
    struct sb text = SB_INIT, html = SB_INIT;
    char name[64], err[256];
    int added = 0;

    sb_init(&text, BODY_MAX);
    sb_init(&html, BODY_MAX);
    snprintf(name, sizeof name, "%s.txt", kind);
    if (tpl_render_text(mw->tpl, name, ctx, &text, err, sizeof err) < 0)
        goto fail;
    snprintf(name, sizeof name, "%s.html", kind);
    if (tpl_render(mw->tpl, name, ctx, &html, err, sizeof err) < 0)
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

static enum err_code on_joined(void *ctx, struct db *db, const struct waitlist_entry *w,
                               const char *token, int64_t now, struct err *e)
{
    struct mail_waitlist *mw = ctx;
    struct arena *a = arena_new();
    char base[sizeof mw->base_url];
    json_t *j = context(mw, a, w, base, sizeof base);
    set_str(j, "entry_url", arena_printf(a, "%s/waitlist/%s", base, token));
    enum err_code rc = queue(mw, db, w, "waitlist_joined",
                             arena_printf(a, "waitlist-%lld/joined", (long long)w->id),
                             arena_printf(a, "On the waitlist: %s", w->service_name), now, j, e);
    json_decref(j);
    arena_free(a);
    return rc;
}

static enum err_code on_offer(void *ctx, struct db *db, const struct waitlist_entry *w,
                              const struct wl_offer_msg *m, int64_t now, struct err *e)
{
    struct mail_waitlist *mw = ctx;
    const struct tz *tz = m->tz ? m->tz : mw->app->tz;
    struct arena *a = arena_new();
    char base[sizeof mw->base_url];
    json_t *j = context(mw, a, w, base, sizeof base);
    if (m->address && m->address[0]) /* the freed time's location */
        set_str(json_object_get(j, "clinic"), "address", m->address);
    const char *date_label = when_date_long(a, when_local_date(tz, m->start));
    const char *clock = when_clock(tz, a, m->start, 1);
    set_str(j, "offer_therapist", m->therapist_name);
    set_str(j, "offer_date", date_label);
    set_str(j, "offer_time", when_range(tz, a, m->start, m->end));
    set_str(j, "expires",
            arena_printf(a, "%s, %s", when_date_long(a, when_local_date(tz, m->expires)),
                         when_clock(tz, a, m->expires, 1)));
    set_str(j, "claim_url", arena_printf(a, "%s/waitlist/offers/%s", base, m->token));
    json_object_set_new(j, "others", json_boolean(m->offered_to > 1));
    enum err_code rc = queue(
        mw, db, w, "waitlist_offer", arena_printf(a, "waitlist-offer-%lld", (long long)m->offer_id),
        arena_printf(a, "A time opened: %s, %s at %s", m->service_name, date_label, clock), now, j,
        e);
    json_decref(j);
    arena_free(a);
    return rc;
}

struct wl_mailer mail_waitlist_mailer(struct mail_waitlist *mw)
{
    struct wl_mailer m = {on_joined, on_offer, on_committed, mw};
    return m;
}
