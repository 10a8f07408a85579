/* remind — the reminder thread: finds due reminders (core/remind decides),
 * renders them from templates/mail/ and queues them in the outbox.  Must
 * not send anything itself: delivery is mail/outbox.c's. */
#include "mail/remind.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "core/phone.h"
#include "core/remind.h"
#include "core/tz.h"
#include "mail/outbox.h"
#include "store/store.h"
#include "svc/booking.h"
#include "svc/when.h"
#include "util/arena.h"
#include "util/clock.h"
#include "util/errmsg.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/sb.h"
#include "view/tpl.h"

#define BODY_MAX (64u << 10) /* bytes of one rendered body */
#define SMS_MAX 640          /* characters of a text message: four segments */
/* Every text ends with this (issue 13 item 21; the providers' STOP handling
 * and the carriers' rules expect it), counted within SMS_MAX. */
#define SMS_STOP_LINE " Reply STOP to opt out."


static const char *const templates[] = {"reminder.txt", "reminder.html", "reminder_sms.txt"};

struct remind {
    struct remind_options o;
    struct tpl_engine *tpl;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* on CLOCK_MONOTONIC */
    int stopping;      /* guarded by mu */
    int kicked;        /* guarded by mu: remind_kick since the last look */
};

/* A kick (remind_kick) brings the next look forward, but never closer than
 * this to the one before: a stream of bookings makes at most one look a
 * second, whatever their number. */
#define KICK_GAP_US 1000000

enum err_code remind_on_change(struct db *db, enum sched_event ev, int64_t appointment_id,
                               int64_t now, struct err *e)
{
    enum err_code rc;
    int n = 0, m = 0;
    if (ev == SCHED_BOOKED)
        return E_OK;
    if ((rc = db_outbox_withdraw(db, appointment_id, "reminder", &n, e)) != E_OK ||
        (rc = db_outbox_withdraw(db, appointment_id, "reminder_sms", &m, e)) != E_OK)
        return rc;
    if (n + m > 0)
        log_info("mail: withdrew %d waiting reminder(s) of appointment %lld (%s)", n + m,
                 (long long)appointment_id, ev == SCHED_MOVED ? "moved" : "cancelled");
    if (ev == SCHED_MOVED && (rc = db_remind_from(db, appointment_id, now, e)) != E_OK)
        return rc;
    return E_OK;
}

static void set_str(json_t *o, const char *k, const char *v)
{
    json_object_set_new(o, k, json_string(v ? v : ""));
}

/* The template context of one appointment's reminder. */
static json_t *context(const struct remind *r, struct db *db, struct arena *a,
                       const struct appointment *ap, int hours, const char **subject)
{
    const struct cfg *c = &r->o.app->cfg;
    json_t *j = json_object(), *clinic = json_object();
    /* the appointment's location: its zone and its address */
    const struct tz *tz = sched_zone(db, a, r->o.app->sched, ap->location_id, r->o.app->tz);
    char start[40];

    struct dt_date day = when_local_date(tz, ap->start);
    const char *date_label = when_date_long(a, day);
    const char *clock = when_clock(tz, a, ap->start, 1);
    set_str(clinic, "name", c->name);
    set_str(clinic, "phone", c->phone);
    set_str(clinic, "email", c->email);
    set_str(clinic, "address", ap->location_address && ap->location_address[0]
                                   ? ap->location_address
                                   : c->address);
    json_object_set_new(j, "clinic", clinic);
    set_str(j, "client_name", ap->client_name);
    set_str(j, "service", ap->service_name);
    set_str(j, "therapist", ap->therapist_name);
    set_str(j, "room", ap->room_name);
    set_str(j, "date_label", date_label);
    set_str(j, "clock", clock);
    set_str(j, "time_label", when_range(tz, a, ap->start, ap->end));
    dt_format_rfc3339(ap->start, tz_offset_at(tz, ap->start), start, sizeof start);
    set_str(j, "start", start);
    set_str(j, "hours", arena_printf(a, "%d hour%s", hours, hours == 1 ? "" : "s"));
    *subject = arena_printf(a, "Reminder: %s, %s at %s", ap->service_name, date_label, clock);
    return j;
}

/* Drops the channels the client cannot be reached on: no e-mail address,
 * or no phone number a text message can go to (then *phone = ""). */
static void reachable(const struct appointment *ap, int *have_mail, int *have_sms,
                      char phone[PHONE_E164_MAX])
{
    if (phone_e164(ap->client_phone ? ap->client_phone : "", phone) < 0)
        *have_sms = 1;
    if (!(ap->client_email && ap->client_email[0]))
        *have_mail = 1;
}

/* Renders and queues the e-mail and/or text message of one due reminder,
 * if still missing and the appointment is still booked at `start`.  Inside
 * the caller's transaction.  *added counts the messages queued. */
static enum err_code queue_due(struct remind *r, struct db *db, struct arena *a,
                               const struct remind_appt *ra, int hours, int64_t now,
                               const char *mail_key, const char *sms_key, int *added,
                               struct err *e)
{
    enum err_code rc;
    struct appointment ap;
    struct sb text = SB_INIT, html = SB_INIT, sms = SB_INIT;
    char err[256], phone[PHONE_E164_MAX];
    const char *subject = NULL;
    json_t *j = NULL;
    int have_mail = 1, have_sms = 1, one = 0;

    if ((rc = db_appointment(db, a, ra->id, &ap, e)) != E_OK)
        goto done;
    if (strcmp(ap.status, "booked") != 0 || ap.start != ra->start)
        goto done; /* changed since it was looked up: its own reminders follow */
    if ((rc = db_outbox_has(db, mail_key, &have_mail, e)) != E_OK)
        goto done;
    if (r->o.sms && (rc = db_outbox_has(db, sms_key, &have_sms, e)) != E_OK)
        goto done;
    if (!have_sms && !have_mail && ap.client_phone && ap.client_phone[0] &&
        phone_e164(ap.client_phone, phone) < 0)
        log_info("mail: appointment %lld: the client's phone is not a number a text message"
                 " can go to; e-mail reminder only", (long long)ap.id);
    reachable(&ap, &have_mail, &have_sms, phone);
    /* a text only when this booking asked for texts, and never to a number
     * that said STOP */
    if (!have_sms && !ap.sms_consent_at)
        have_sms = 1;
    if (!have_sms) {
        struct sms_opt_out oo;
        int out = 0;
        if ((rc = db_sms_opted_out(db, a, phone, &oo, &out, e)) != E_OK)
            goto done;
        if (out)
            have_sms = 1;
    }
    if (have_mail && have_sms)
        goto done;

    j = context(r, db, a, &ap, hours, &subject);
    struct outbox_msg m = {0};
    m.appointment_id = ap.id;
    m.recipient_name = ap.client_name;
    m.subject = subject;
    m.created_at = now;
    m.next_attempt_at = 0; /* due at once (the worker keeps real time) */
    if (!have_mail) {
        sb_init(&text, BODY_MAX);
        sb_init(&html, BODY_MAX);
        if (tpl_render_text(r->tpl, "reminder.txt", j, &text, err, sizeof err) < 0 ||
            tpl_render(r->tpl, "reminder.html", j, &html, err, sizeof err) < 0)
            goto fail;
        if (text.err || html.err) {
            snprintf(err, sizeof err, "a part is larger than %u bytes", BODY_MAX);
            goto fail;
        }
        m.kind = "reminder";
        m.channel = "email";
        m.dedupe_key = mail_key;
        m.recipient = ap.client_email;
        m.body_text = text.buf;
        m.body_html = html.buf;
        if ((rc = db_outbox_add(db, &m, &one, e)) != E_OK)
            goto done;
        *added += one;
    }
    if (!have_sms) {
        sb_init(&sms, BODY_MAX);
        if (tpl_render_text(r->tpl, "reminder_sms.txt", j, &sms, err, sizeof err) < 0)
            goto fail;
        while (sms.len > 0 && (sms.buf[sms.len - 1] == '\n' || sms.buf[sms.len - 1] == ' '))
            sb_setlen(&sms, sms.len - 1);
        sb_adds(&sms, SMS_STOP_LINE);
        if (sms.err || sms.len > SMS_MAX) {
            snprintf(err, sizeof err, "the text is longer than %d bytes", SMS_MAX);
            goto fail;
        }
        m.kind = "reminder_sms";
        m.channel = "sms";
        m.dedupe_key = sms_key;
        m.recipient = phone;
        m.body_text = sms.buf;
        m.body_html = "";
        if ((rc = db_outbox_add(db, &m, &one, e)) != E_OK)
            goto done;
        *added += one;
    }
    rc = E_OK;
    goto done;
fail:
    rc = err_set(e, E_INTERNAL, "the reminder of appointment %lld cannot be written: %s",
                 (long long)ra->id, err);
done:
    json_decref(j);
    sb_release(&text);
    sb_release(&html);
    sb_release(&sms);
    return rc;
}

/* One look: queues what is due at the clinic's now.  Returns the clinic
 * time of the next due instant among the appointments looked at (0 =
 * none known).  The first look after start says so in the log (tests wait
 * for that line). */
static int64_t look(struct remind *r, int first)
{
    struct err e = {0};
    struct arena *a = arena_new();
    struct remind_appt *list = NULL;
    size_t n = 0;
    int64_t now = clock_now(), next = 0;
    int maxh = r->o.hours[0] > r->o.hours[1] ? r->o.hours[0] : r->o.hours[1], queued = 0;
    struct db *db = db_acquire(r->o.app->store);

    if (db_remind_candidates(db, a, now, now + (int64_t)maxh * 3600, &list, &n, &e) != E_OK) {
        log_error("mail: cannot look for due reminders: %s (looking again in %d s)", e.msg,
                  r->o.poll_s);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const struct remind_appt *ra = &list[i];
        int64_t nx = remind_next(r->o.hours, 2, ra->start, ra->anchor, now);
        if (nx && (next == 0 || nx < next))
            next = nx;
        int h = remind_pick(r->o.hours, 2, ra->start, ra->anchor, now);
        if (!h)
            continue;
        const char *mail_key = arena_printf(a, "appt-%lld/reminder-%dh/%lld", (long long)ra->id,
                                            h, (long long)ra->start);
        const char *sms_key = arena_printf(a, "appt-%lld/reminder-%dh-sms/%lld",
                                           (long long)ra->id, h, (long long)ra->start);
        int have_mail = 0, have_sms = !r->o.sms, added = 0;
        /* cheap check first: most looks find everything queued already */
        if (db_outbox_has(db, mail_key, &have_mail, &e) != E_OK ||
            (r->o.sms && db_outbox_has(db, sms_key, &have_sms, &e) != E_OK)) {
            log_error("mail: cannot read the outbox: %s", e.msg);
            goto done;
        }
        if (have_mail && have_sms)
            continue;
        /* a client without an address or a usable number: nothing to write */
        struct appointment ap;
        char phone[PHONE_E164_MAX];
        if (db_appointment(db, a, ra->id, &ap, &e) != E_OK) {
            log_error("mail: cannot read appointment %lld for its reminder: %s",
                      (long long)ra->id, e.msg);
            continue;
        }
        int want_mail = have_mail, want_sms = have_sms;
        reachable(&ap, &want_mail, &want_sms, phone);
        if (want_mail && want_sms)
            continue;
        enum err_code rc = db_begin(db, &e);
        if (rc == E_OK)
            rc = queue_due(r, db, a, ra, h, now, mail_key, sms_key, &added, &e);
        if (rc == E_OK)
            rc = db_commit(db, &e);
        if (rc != E_OK) {
            db_rollback(db);
            log_error("mail: the %d-hour reminder of appointment %lld is not queued yet: %s"
                      " (trying again in %d s)", h, (long long)ra->id, e.msg, r->o.poll_s);
            continue;
        }
        if (added)
            log_info("mail: queued the %d-hour reminder of appointment %lld (%d message%s)", h,
                     (long long)ra->id, added, added == 1 ? "" : "s");
        queued += added;
    }
done:
    db_release(db);
    if (first) {
        char when[40];
        dt_format_rfc3339(now, tz_offset_at(r->o.app->tz, now), when, sizeof when);
        log_info("mail: reminders: first look as of %s: %zu appointment(s) within %d hours,"
                 " %d message(s) queued", when, n, maxh, queued);
    }
    arena_free(a);
    if (queued)
        outbox_kick(r->o.outbox);
    return next;
}

static void *worker(void *p)
{
    struct remind *r = p;
    for (int first = 1;; first = 0) {
        pthread_mutex_lock(&r->mu);
        r->kicked = 0; /* this look sees what the kick was for */
        pthread_mutex_unlock(&r->mu);
        int64_t looked_us = clock_mono_us();
        int64_t next = look(r, first), wait = r->o.poll_s;
        if (next && !clock_pinned() && next - clock_now() < wait)
            wait = next - clock_now();
        if (wait < 1)
            wait = 1;
        struct timespec until = clock_deadline_ms(wait * 1000);
        pthread_mutex_lock(&r->mu);
        while (!r->stopping) {
            if (r->kicked) {
                int64_t gap_us = looked_us + KICK_GAP_US - clock_mono_us();
                if (gap_us <= 0)
                    break; /* kicked: look now */
                if (gap_us < (int64_t)wait * 1000000) { /* kicked: look after the gap */
                    wait = 0;
                    until = clock_deadline_ms((gap_us + 999) / 1000);
                }
            }
            if (pthread_cond_timedwait(&r->cv, &r->mu, &until) != 0)
                break; /* timed out: look again */
        }
        int stop = r->stopping;
        pthread_mutex_unlock(&r->mu);
        if (stop)
            break;
    }
    return NULL;
}

void remind_kick(struct remind *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->kicked = 1;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

int remind_start(const struct remind_options *o, struct remind **out, char *err, size_t errlen)
{
    struct tpl_engine *eng;
    struct remind *r = NULL;

    *out = NULL;
    if (tpl_engine_load_files(o->app->cfg.templates_dir, "mail", templates,
                              sizeof templates / sizeof templates[0], "reminder templates", &eng,
                              err, errlen) < 0)
        return -1;
    r = xcalloc(1, sizeof *r);
    r->o = *o;
    r->tpl = eng;
    pthread_mutex_init(&r->mu, NULL);
    int prc = clock_cond_init(&r->cv);
    if (prc == 0)
        prc = pthread_create(&r->thread, NULL, worker, r);
    if (prc != 0) {
        errmsg_set(err, errlen, "cannot start the reminder thread: %s", strerror(prc));
        pthread_cond_destroy(&r->cv);
        pthread_mutex_destroy(&r->mu);
        free(r);
        tpl_engine_free(eng);
        return -1;
    }
    *out = r;
    return 0;
}

void remind_stop(struct remind *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->stopping = 1;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->thread, NULL);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    tpl_engine_free(r->tpl);
    free(r);
}
