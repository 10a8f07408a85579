/* notify — renders the messages of an appointment change (for the render
 * worker, mail/render.c, after the change's commit) and queues them in the
 * outbox; sign-in links and portal notices inside their change's
 * transaction.  Must not send anything: delivery is mail/outbox.c's. */
#include "mail/notify.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "core/phone.h"
#include "core/tz.h"
#include "mail/outbox.h"
#include "mail/remind.h"
#include "svc/booking.h"
#include "svc/when.h"
#include "util/arena.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/sb.h"
#include "view/ics.h"
#include "view/links.h"
#include "view/tpl.h"

#define BODY_MAX (256u << 10) /* bytes of one rendered body or .ics */

/* Every message kind has NAME.txt and NAME.html under templates/mail/. */
static const char *const files[] = {
    "confirmation.txt",      "confirmation.html",      "reschedule.txt",     "reschedule.html",
    "cancellation.txt",      "cancellation.html",      "desk_same_day.txt",  "desk_same_day.html",
    "desk_cancelled.txt",    "desk_cancelled.html",    "desk_moved.txt",     "desk_moved.html",
    "signin.txt",            "signin.html",            "insurance_outcome.txt",
    "insurance_outcome.html", "recommendations.txt",   "recommendations.html", "receipt.txt",
    "receipt.html"};

struct mail_notify {
    const struct app *app;
    struct tpl_engine *tpl;
    struct outbox *outbox;
    pthread_mutex_t mu; /* guards base_url */
    char base_url[512];
};

int mail_notify_new(const struct app *app, struct mail_notify **out, char *err, size_t errlen)
{
    struct tpl_engine *e;
    *out = NULL;
    if (tpl_engine_load_files(app->cfg.templates_dir, "mail", files,
                              sizeof files / sizeof files[0], "mail templates", &e, err,
                              errlen) < 0)
        return -1;
    struct mail_notify *n = xcalloc(1, sizeof *n);
    n->app = app;
    n->tpl = e;
    pthread_mutex_init(&n->mu, NULL);
    *out = n;
    return 0;
}

void mail_notify_free(struct mail_notify *n)
{
    if (!n)
        return;
    tpl_engine_free(n->tpl);
    pthread_mutex_destroy(&n->mu);
    free(n);
}

void mail_notify_set_base_url(struct mail_notify *n, const char *url)
{
    pthread_mutex_lock(&n->mu);
    snprintf(n->base_url, sizeof n->base_url, "%s", url);
    size_t len = strlen(n->base_url);
    while (len > 0 && n->base_url[len - 1] == '/')
        n->base_url[--len] = '\0';
    pthread_mutex_unlock(&n->mu);
}

void mail_notify_set_outbox(struct mail_notify *n, struct outbox *ob)
{
    n->outbox = ob;
}

static void set_str(json_t *o, const char *k, const char *v)
{
    json_object_set_new(o, k, json_string(v ? v : ""));
}

/* An appointment's address: its location's, or the config file's. */
static const char *appt_address(const struct cfg *c, const struct appointment *ap)
{
    return ap->location_address && ap->location_address[0] ? ap->location_address : c->address;
}

/* What one message needs besides its template context. */
struct draft {
    const char *kind, *dedupe_key, *to, *to_name, *subject;
    int with_ics;
    enum ics_method ics_method; /* REQUEST for a booking or a move, CANCEL for a cancellation */
};

/* Renders kind.txt and kind.html with ctx (plus the .ics when asked, in
 * zone tz: the appointment's location's) into *m, every part copied into a.
 * Reads nothing from the store.  Returns E_OK or E_INTERNAL with a message
 * (logged). */
static enum err_code render(struct mail_notify *n, struct arena *a, const struct tz *tz,
                            const struct appointment *ap, const char *manage_url, int64_t now, json_t *ctx,
                            const struct draft *d, struct outbox_msg *m, struct err *e)
{
    enum err_code rc = E_INTERNAL;
    struct sb text = SB_INIT, html = SB_INIT, ics = SB_INIT;
    char name[64], err[256];
    const struct cfg *c = &n->app->cfg;
    enum ics_method method = ICS_PUBLISH;

    sb_init(&text, BODY_MAX);
    sb_init(&html, BODY_MAX);
    sb_init(&ics, BODY_MAX);
    snprintf(name, sizeof name, "%s.txt", d->kind);
    if (tpl_render_text(n->tpl, name, ctx, &text, err, sizeof err) < 0)
        goto fail;
    snprintf(name, sizeof name, "%s.html", d->kind);
    if (tpl_render(n->tpl, name, ctx, &html, err, sizeof err) < 0)
        goto fail;
    if (d->with_ics) {
        struct ics_event ev = {0};
        ev.uid = arena_printf(a, "appt-%lld@knead", (long long)ap->id); /* as /a/{token}/calendar.ics */
        ev.stamp = now;
        ev.start = ap->start;
        ev.end = ap->end;
        ev.summary = arena_printf(a, "%s with %s", ap->service_name, ap->therapist_name);
        ev.location = arena_printf(a, "%s, %s", c->name, appt_address(c, ap));
        ev.description = arena_printf(
            a, "%s with %s in the %s at %s.\nTo move or cancel: %s\nQuestions? Call %s.",
            ap->service_name, ap->therapist_name, ap->room_name, c->name,
            manage_url ? manage_url : "use the link in your booking confirmation", c->phone);
        ev.url = manage_url;
        ev.cancelled = strcmp(ap->status, "cancelled") == 0;
        /* the same UID every time and the appointment's revision as SEQUENCE
         * (a trigger counts each change), so a calendar replaces the event on
         * a move and removes it on a cancellation */
        ev.sequence = ap->revision;
        ev.method = d->ics_method;
        ev.organizer_name = c->name;
        ev.organizer_email = c->email;
        ev.attendee_name = ap->client_name;
        ev.attendee_email = ap->client_email;
        if (!c->email[0] || !ap->client_email || !ap->client_email[0])
            ev.method = ICS_PUBLISH; /* no addresses to address it with: a copy to keep */
        method = ev.method;
        if (ics_calendar(&ics, tz ? tz : n->app->tz, &ev, err, sizeof err) < 0)
            goto fail;
    }
    if (text.err || html.err || ics.err) {
        snprintf(err, sizeof err, "a part is larger than %u bytes", BODY_MAX);
        goto fail;
    }
    memset(m, 0, sizeof *m);
    m->kind = d->kind;
    m->dedupe_key = arena_strdup(a, d->dedupe_key);
    m->appointment_id = ap ? ap->id : 0; /* a sign-in link is about no appointment */
    m->recipient = arena_strdup(a, d->to ? d->to : "");
    m->recipient_name = arena_strdup(a, d->to_name ? d->to_name : "");
    m->subject = arena_strdup(a, d->subject);
    m->body_text = arena_strndup(a, text.buf ? text.buf : "", text.len);
    m->body_html = arena_strndup(a, html.buf ? html.buf : "", html.len);
    if (d->with_ics) {
        unsigned char *data = arena_alloc(a, ics.len ? ics.len : 1);
        memcpy(data, ics.buf, ics.len);
        m->attach_name = arena_printf(a, "appointment-%lld.ics", (long long)ap->id);
        m->attach_type =
            arena_printf(a, "text/calendar; charset=utf-8; method=%s", ics_method_name(method));
        m->attach_data = data;
        m->attach_len = ics.len;
    }
    m->created_at = now;
    m->next_attempt_at = 0; /* due at once (the worker keeps real time) */
    rc = E_OK;
    goto done;
fail:
    log_error("mail: cannot write the %s message for appointment %lld: %s", d->kind,
              (long long)(ap ? ap->id : 0), err);
    err_set(e, E_INTERNAL, "Its e-mail could not be prepared, so nothing was changed; the"
                           " error was logged.");
done:
    sb_release(&text);
    sb_release(&html);
    sb_release(&ics);
    return rc;
}

/* Queues the rendered *m.  Call inside the transaction that causes it. */
static enum err_code store_msg(struct db *db, const struct outbox_msg *m, struct err *e)
{
    int added = 0;
    enum err_code rc = db_outbox_add(db, m, &added, e);
    if (rc != E_OK) {
        /* the change rolls back with it: say so, not the store's words */
        log_error("mail: cannot queue the %s message for appointment %lld: %s", m->kind,
                  (long long)m->appointment_id, e->msg);
        if (rc != E_UNAVAILABLE)
            rc = err_set(e, E_INTERNAL, "Its e-mail could not be queued, so nothing was"
                                        " changed; please try again (the error was logged).");
        return rc;
    }
    if (!added)
        log_info("mail: %s already queued (%s)", m->kind, m->dedupe_key);
    return E_OK;
}

/* render, then store_msg, inside the caller's transaction. */
static enum err_code queue(struct mail_notify *n, struct db *db, struct arena *a,
                           const struct appointment *ap, const char *manage_url, int64_t now,
                           json_t *ctx, const struct draft *d, struct err *e)
{
    struct outbox_msg m;
    const struct tz *tz =
        ap ? sched_zone(db, a, n->app->sched, ap->location_id, n->app->tz) : n->app->tz;
    enum err_code rc = render(n, a, tz, ap, manage_url, now, ctx, d, &m, e);
    return rc != E_OK ? rc : store_msg(db, &m, e);
}

/* What a confirmation adds: the price, a map link, Google and Outlook
 * calendar links (no private link in them: their query goes to that
 * company) and the cancellation policy in words, as the appointment page
 * shows them. */
static enum err_code add_confirmation(struct mail_notify *n, struct db *db, struct arena *a,
                                      const struct appointment *ap, int64_t now, json_t *j,
                                      struct err *e)
{
    const struct cfg *c = &n->app->cfg;
    const struct tz *tz = sched_zone(db, a, n->app->sched, ap->location_id, n->app->tz);
    const char *address = appt_address(c, ap);
    struct booking_rules cfg = app_booking_rules(n->app), rules;
    struct service sv;
    int found;
    enum err_code rc = sched_service_rules(db, a, n->app->sched, &cfg, ap->location_id, ap->service_id, &sv,
                                           &found, &rules, e);
    if (rc != E_OK)
        return rc;
    if (found && sv.price_cents >= 0)
        set_str(j, "price", sv.price_cents % 100 == 0
                                ? arena_printf(a, "$%d", sv.price_cents / 100)
                                : arena_printf(a, "$%d.%02d", sv.price_cents / 100,
                                               sv.price_cents % 100));
    struct links_event ev = {ap->start, ap->end,
                             arena_printf(a, "%s with %s", ap->service_name, ap->therapist_name),
                             arena_printf(a, "%s with %s at %s. To move or cancel, use the link "
                                             "in your confirmation e-mail. Questions? Call %s.",
                                          ap->service_name, ap->therapist_name, c->name,
                                          c->phone),
                             arena_printf(a, "%s, %s", c->name, address)};
    struct sb b = SB_INIT;
    links_map(&b, address);
    set_str(j, "map_url", b.buf);
    sb_reset(&b);
    links_google_calendar(&b, &ev);
    set_str(j, "google_url", b.buf);
    sb_reset(&b);
    links_outlook_calendar(&b, &ev);
    set_str(j, "outlook_url", b.buf);
    sb_release(&b);
    int64_t from = ap->start - (int64_t)rules.late_cancel_hours * 3600;
    json_object_set_new(j, "late_hours", json_integer(rules.late_cancel_hours));
    json_object_set_new(j, "late_already", json_boolean(from <= now));
    set_str(j, "late_from", arena_printf(a, "%s at %s", when_date_long(a, when_local_date(tz, from)),
                                         when_clock(tz, a, from, 0)));
    return E_OK;
}

/* A client the desk booked with a phone and no e-mail hears of a booking,
 * a move or a cancellation by a text: only when [sms] is set, this booking
 * asked for texts and the number never said STOP; else by nobody (the desk
 * reads the confirmation out from the appointment's page).  The booking's
 * text carries manage_url (NULL for a move or a cancellation: the token is
 * only known when it is made), the private link an e-mail would carry, so
 * a client with no e-mail can move or cancel without calling.  *nout is 1
 * when the text is queued in *m. */
static enum err_code phone_only_text(struct mail_notify *n, struct db *db, struct arena *a,
                                     const struct appointment *ap, const struct draft *d,
                                     const char *manage_url, int64_t now, struct outbox_msg *m,
                                     size_t *nout, struct err *e)
{
    const struct cfg *c = &n->app->cfg;
    char phone[PHONE_E164_MAX];
    struct sms_opt_out oo;
    int out = 0;
    enum err_code rc;
    const char *num = ap->contact_phone && ap->contact_phone[0] ? ap->contact_phone
                                                                : ap->client_phone;
    if (!c->sms_base_url[0] || !ap->sms_consent_at || phone_e164(num ? num : "", phone) < 0)
        return E_OK;
    if ((rc = db_sms_opted_out(db, a, phone, &oo, &out, e)) != E_OK || out)
        return rc;
    memset(m, 0, sizeof *m);
    m->appointment_id = ap->id;
    m->kind = arena_printf(a, "%s_sms", d->kind);
    m->channel = "sms";
    m->dedupe_key = arena_printf(a, "%s/sms", d->dedupe_key);
    m->recipient = arena_strdup(a, phone);
    m->recipient_name = ap->client_name;
    m->subject = d->subject;
    const char *addr = appt_address(c, ap);
    m->body_text = arena_printf(a, "%s: %s with %s%s%s.%s%s%s%s Reply STOP to opt out.", c->name,
                                d->subject, ap->therapist_name, addr && *addr ? ", " : "",
                                addr ? addr : "", manage_url ? " Move or cancel: " : "",
                                manage_url ? manage_url : "", c->phone[0] ? " Questions: " : "",
                                c->phone);
    m->body_html = "";
    m->attach_name = "";
    m->created_at = now;
    m->next_attempt_at = 0;
    *nout = 1;
    return E_OK;
}

enum err_code mail_notify_render(struct mail_notify *n, struct db *db, struct arena *a,
                                 enum sched_event ev, int64_t id, const struct appointment *before,
                                 const char *token, int by_staff, int64_t now,
                                 struct outbox_msg out[MAIL_NOTIFY_MAX], size_t *nout,
                                 struct err *e)
{
    const struct cfg *c = &n->app->cfg;
    struct appointment ap;
    enum err_code rc;
    json_t *j = json_object(), *clinic = json_object();
    char base[sizeof n->base_url];

    pthread_mutex_lock(&n->mu);
    memcpy(base, n->base_url, sizeof base);
    pthread_mutex_unlock(&n->mu);
    *nout = 0;
    if ((rc = db_appointment(db, a, id, &ap, e)) != E_OK)
        goto done;

    /* the appointment's location: its zone and its address */
    const struct tz *tz = sched_zone(db, a, n->app->sched, ap.location_id, n->app->tz);
    struct dt_date day = when_local_date(tz, ap.start);
    const char *date_label = when_date_long(a, day);
    const char *clock = when_clock(tz, a, ap.start, 1);

    set_str(clinic, "name", c->name);
    set_str(clinic, "phone", c->phone);
    set_str(clinic, "email", c->email);
    set_str(clinic, "address", appt_address(c, &ap));
    json_object_set_new(j, "clinic", clinic);
    set_str(j, "client_name", ap.client_name);
    set_str(j, "client_email", ap.client_email);
    /* the phone this booking gave is the one to call about it; an online booking never
     * changes the stored one, so say both when they differ */
    int gave = ap.contact_phone && ap.contact_phone[0];
    set_str(j, "client_phone", gave ? ap.contact_phone : ap.client_phone);
    if (gave && ap.client_phone && ap.client_phone[0] && strcmp(ap.client_phone, ap.contact_phone))
        set_str(j, "phone_on_file", ap.client_phone);
    set_str(j, "service", ap.service_name);
    set_str(j, "therapist", ap.therapist_name);
    set_str(j, "room", ap.room_name);
    set_str(j, "notes", ap.notes);
    set_str(j, "source", strcmp(ap.source, "staff") == 0 ? "front desk" : "online");
    set_str(j, "date_label", date_label);
    set_str(j, "time_label", when_range(tz, a, ap.start, ap.end));
    char start[40];
    dt_format_rfc3339(ap.start, tz_offset_at(tz, ap.start), start, sizeof start);
    set_str(j, "start", start);
    set_str(j, "book_url", arena_printf(a, "%s/book", base));
    json_object_set_new(j, "late", json_boolean(ap.cancel_late));

    struct draft d = {0};
    d.to = ap.client_email;
    d.to_name = ap.client_name;
    d.with_ics = 1;
    d.ics_method = ev == SCHED_CANCELLED ? ICS_CANCEL : ICS_REQUEST;
    const char *manage_url = NULL;
    int moves = 0;
    if (ev != SCHED_BOOKED &&
        (rc = db_outbox_count(db, ap.id,
                              ap.client_email[0] ? "reschedule" : "reschedule_sms", &moves,
                              e)) != E_OK)
        goto done;
    switch (ev) {
    case SCHED_BOOKED:
        manage_url = arena_printf(a, "%s/a/%s", base, token);
        set_str(j, "manage_url", manage_url);
        /* the health form of this appointment only (README "Identity and
         * health data"), by the same private link */
        set_str(j, "intake_url", arena_printf(a, "%s/intake", manage_url));
        if ((rc = add_confirmation(n, db, a, &ap, now, j, e)) != E_OK)
            goto done;
        d.kind = "confirmation";
        d.dedupe_key = arena_printf(a, "appt-%lld/confirmation", (long long)ap.id);
        d.subject = arena_printf(a, "Booked: %s, %s at %s", ap.service_name, date_label, clock);
        break;
    case SCHED_MOVED: {
        struct dt_date old = when_local_date(tz, before->start);
        set_str(j, "old_date_label", when_date_long(a, old));
        set_str(j, "old_time_label", when_range(tz, a, before->start, before->end));
        d.kind = "reschedule";
        d.dedupe_key = arena_printf(a, "appt-%lld/reschedule/%d", (long long)ap.id, moves + 1);
        d.subject = arena_printf(a, "Moved: %s, now %s at %s", ap.service_name, date_label, clock);
        break;
    }
    case SCHED_CANCELLED:
        d.kind = "cancellation";
        d.dedupe_key = arena_printf(a, "appt-%lld/cancellation", (long long)ap.id);
        d.subject = arena_printf(a, "Cancelled: %s, %s at %s", ap.service_name, date_label,
                                 clock);
        break;
    }
    if (ap.client_email && ap.client_email[0]) {
        if ((rc = render(n, a, tz, &ap, manage_url, now, j, &d, &out[0], e)) != E_OK)
            goto done;
        *nout = 1;
    } else if ((rc = phone_only_text(n, db, a, &ap, &d, token && *token ? manage_url : NULL,
                                     now, &out[0], nout, e)) != E_OK) {
        goto done;
    }

    /* The front desk hears of every change to today's book that it did not
     * make itself: a booking that starts today, a cancellation of one of
     * today's appointments, a move from or to today. */
    int64_t today = dt_date_to_days(when_local_date(tz, now));
    int was_today = before && dt_date_to_days(when_local_date(tz, before->start)) == today;
    int is_today = dt_date_to_days(day) == today;
    if (!by_staff && (is_today || (ev == SCHED_MOVED && was_today))) {
        struct draft desk = {0};
        desk.to = c->smtp_desk[0] ? c->smtp_desk : c->email;
        desk.to_name = c->name;
        struct dt_date shown = is_today ? day : when_local_date(tz, before->start);
        set_str(j, "day_url", arena_printf(a, "%s/staff?date=%s", base, when_date_param(a, shown)));
        switch (ev) {
        case SCHED_BOOKED:
            desk.kind = "desk_same_day";
            desk.dedupe_key = arena_printf(a, "appt-%lld/desk_same_day", (long long)ap.id);
            desk.subject = arena_printf(a, "Same-day booking: %s at %s with %s", ap.client_name,
                                        clock, ap.therapist_name);
            break;
        case SCHED_MOVED:
            json_object_set_new(j, "moved_today", json_boolean(is_today));
            json_object_set_new(j, "was_today", json_boolean(was_today));
            desk.kind = "desk_moved";
            desk.dedupe_key =
                arena_printf(a, "appt-%lld/desk_moved/%d", (long long)ap.id, moves + 1);
            desk.subject =
                arena_printf(a, "Same-day move: %s, %s now %s", ap.client_name,
                             when_clock(tz, a, before->start, 1),
                             is_today ? clock : arena_printf(a, "%s at %s", date_label, clock));
            break;
        case SCHED_CANCELLED:
            desk.kind = "desk_cancelled";
            desk.dedupe_key = arena_printf(a, "appt-%lld/desk_cancelled", (long long)ap.id);
            desk.subject = arena_printf(a, "Same-day cancellation: %s at %s with %s",
                                        ap.client_name, clock, ap.therapist_name);
            break;
        }
        if ((rc = render(n, a, tz, &ap, NULL, now, j, &desk, &out[*nout], e)) != E_OK)
            goto done;
        (*nout)++;
    }
done:
    json_decref(j);
    return rc;
}

enum err_code mail_notify_store(struct db *db, enum sched_event ev, int64_t id, int64_t now,
                                const struct outbox_msg *msgs, size_t n, struct err *e)
{
    enum err_code rc = remind_on_change(db, ev, id, now, e); /* reminders of the old time */
    for (size_t i = 0; rc == E_OK && i < n; i++)
        rc = store_msg(db, &msgs[i], e);
    return rc;
}

static void on_committed(void *ctx)
{
    struct mail_notify *n = ctx;
    outbox_kick(n->outbox);
}

/* The client portal's sign-in e-mail (web/portal.c), queued in the caller's
 * transaction like the others. */
static enum err_code on_signin(void *ctx, struct db *db, const char *to, const char *name,
                               const char *path, int minutes, int64_t now, const char *dedupe,
                               struct err *e)
{
    struct mail_notify *n = ctx;
    const struct cfg *c = &n->app->cfg;
    struct arena *a = arena_new();
    json_t *j = json_object(), *clinic = json_object();
    char base[sizeof n->base_url];

    pthread_mutex_lock(&n->mu);
    memcpy(base, n->base_url, sizeof base);
    pthread_mutex_unlock(&n->mu);
    set_str(clinic, "name", c->name);
    set_str(clinic, "phone", c->phone);
    set_str(clinic, "email", c->email);
    json_object_set_new(j, "clinic", clinic);
    set_str(j, "client_name", name);
    set_str(j, "signin_url", arena_printf(a, "%s%s", base, path));
    set_str(j, "account_url", arena_printf(a, "%s/account", base));
    json_object_set_new(j, "minutes", json_integer(minutes));
    struct draft d = {0};
    d.kind = "signin";
    d.dedupe_key = dedupe;
    d.to = to;
    d.to_name = name;
    d.subject = arena_printf(a, "Your sign-in link for %s", c->name);
    enum err_code rc = queue(n, db, a, NULL, NULL, now, j, &d, e);
    json_decref(j);
    arena_free(a);
    return rc;
}

static enum err_code on_notice(void *ctx, struct db *db, const char *kind, const char *to,
                               const char *name, const char *dedupe, int64_t now, struct err *e)
{
    struct mail_notify *n = ctx;
    const struct cfg *c = &n->app->cfg;
    struct arena *a = arena_new();
    json_t *j = json_object(), *clinic = json_object();
    char base[sizeof n->base_url];

    pthread_mutex_lock(&n->mu);
    memcpy(base, n->base_url, sizeof base);
    pthread_mutex_unlock(&n->mu);
    set_str(clinic, "name", c->name);
    set_str(clinic, "phone", c->phone);
    json_object_set_new(j, "clinic", clinic);
    set_str(j, "client_name", name);
    set_str(j, "account_url", arena_printf(a, "%s/account", base));
    struct draft d = {0};
    d.kind = kind;
    d.dedupe_key = dedupe;
    d.to = to;
    d.to_name = name;
    d.subject = strcmp(kind, "insurance_outcome") == 0
                    ? arena_printf(a, "Your insurance benefits check at %s is done", c->name)
                    : arena_printf(a, "Your therapist at %s left you recommendations", c->name);
    enum err_code rc = queue(n, db, a, NULL, NULL, now, j, &d, e);
    json_decref(j);
    arena_free(a);
    return rc;
}

/* A document the client asked for (a receipt), rendered from vars with the
 * clinic's details added, queued like the others. */
static enum err_code on_document(void *ctx, struct db *db, const char *kind, const char *to,
                                 const char *name, const char *subject, struct json_t *vars,
                                 const char *dedupe, int64_t now, struct err *e)
{
    struct mail_notify *n = ctx;
    const struct cfg *c = &n->app->cfg;
    struct arena *a = arena_new();
    json_t *j = json_deep_copy(vars), *clinic = json_object();
    if (!j)
        j = json_object();
    set_str(clinic, "name", c->name);
    set_str(clinic, "phone", c->phone);
    set_str(clinic, "email", c->email);
    set_str(clinic, "address", c->address);
    set_str(clinic, "tax_id", c->tax_id);
    json_object_set_new(j, "clinic", clinic);
    set_str(j, "client_name", name);
    struct draft d = {0};
    d.kind = kind;
    d.dedupe_key = dedupe;
    d.to = to;
    d.to_name = name;
    d.subject = subject;
    enum err_code rc = queue(n, db, a, NULL, NULL, now, j, &d, e);
    json_decref(j);
    arena_free(a);
    return rc;
}

struct notice_mailer mail_notify_portal_mailer(struct mail_notify *n)
{
    struct notice_mailer m = {on_signin, on_notice, on_committed, n, on_document};
    return m;
}

void mail_notify_kick(struct mail_notify *n)
{
    outbox_kick(n->outbox);
}
