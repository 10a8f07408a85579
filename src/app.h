/* app — everything the server holds for its whole life: the settings, the
 * store, the clinic's timezone, the compiled templates and the static files
 * (articles live in the store).  Built once at start, read-only while serving. */
#ifndef KNEAD_APP_H
#define KNEAD_APP_H

#include "config.h"
#include "core/booking.h"
#include "core/err.h"
#include "svc/hooks.h"
#include "svc/notice.h"

struct store;
struct tz;
struct tpl_engine;
struct statics;
struct sched_cache;
struct blobcache;
struct wl;
struct http_metrics;
struct wh;
struct whsend;

struct app {
    struct cfg cfg;
    struct store *store;
    struct tz *tz;
    struct tpl_engine *tpl;
    struct statics *statics;
    struct sched_cache *sched; /* the cached clinic set-up for availability */
    struct blobcache *fragments; /* rendered page parts, keyed by the data versions */
    /* what a booking, a move or a cancellation causes (mail/): set by
     * mail_start before the server's threads start, cleared by mail_stop
     * after they stop; all zero = nothing */
    struct sched_hooks hooks;
    /* how the portal's sign-in links and notices are queued (svc/notice.h):
     * set and cleared with the hooks; all zero = no e-mail */
    struct notice_mailer mailer;
    /* the waitlist service (svc/waitlist.h): made by mail_start (its
     * messages and the offers of freed times), freed by mail_stop; NULL =
     * entries are stored with no message and nothing is offered */
    struct wl *waitlist;
    /* webhooks (svc/webhook.h) and their delivery worker (mail/whsend.h):
     * made by mail_start (also put in hooks.webhooks and the waitlist's
     * config), freed by mail_stop; NULL = none */
    struct wh *webhooks;
    struct whsend *whsend;
    /* the key (TOKEN_SEAL_KEY bytes) that seals a gift card's code in its
     * queued e-mail (svc/prepaid.h; opened by mail/outbox.c), derived from
     * the same key file as the webhooks' ([webhooks] key_file): set by
     * mail_start, cleared by mail_stop; NULL = gift e-mails are refused */
    const unsigned char *code_seal;
    /* /metrics (web/metrics.c): the server's request counters, made by
     * `serve` before its threads start (NULL = none), and the 503 answers
     * web_error gave because the database was busy, full or unwritable
     * (atomic adds) */
    struct http_metrics *metrics;
    uint64_t db_busy_answers, db_full_answers, db_unavailable_answers;
};

/* Loads the timezone named in cfg (a bad name is reported as its config key). */
int app_load_tz(struct app *app, char *err, size_t errlen);
/* Opens the store at cfg.db_path with `conns` connections and migrates it. */
int app_open_store(struct app *app, int conns, char *err, size_t errlen);
/* The same for `serve`: refuses a path with no database, or with a file that
 * holds no Knead schema ("run knead migrate or knead demo first"), instead
 * of creating an empty clinic; migrates one that lacks newer migrations;
 * applies [database] max_size_mb. */
int app_open_existing_store(struct app *app, int conns, char *err, size_t errlen);
/* Loads templates and static files (what `serve` needs besides the store). */
int app_load_site(struct app *app, char *err, size_t errlen);
/* The config file's [booking] rules: the defaults.  The rules in force
 * (those the admin set on /admin/rules over these) come from sched_rules()
 * or sched_load(), which take these as their cfg. */
struct booking_rules app_booking_rules(const struct app *app);

/* Frees whatever was loaded.  Safe on a partly loaded app. */
void app_close(struct app *app);

#endif
