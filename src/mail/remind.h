/* remind — queues appointment reminders (e-mail, and text messages when
 * [sms] is set) into the outbox when they fall due, from one thread of
 * `knead serve`.
 *
 * Due-ness follows the clinic's clock, clock_now(), so `serve --now`
 * decides what is due (tests pin it); delivery (mail/outbox.c) keeps real
 * time.  When a reminder is due, and which one, is core/remind's.
 *
 * Never lost, never twice: the thread looks at the booked appointments
 * starting within the longest lead time at start-up, after every
 * reminder's due instant, when kicked after a change (remind_kick) and at
 * least every poll_s seconds, and queues a
 * due reminder with the dedupe key
 *
 *   appt-42/reminder-24h/START        (e-mail)
 *   appt-42/reminder-24h-sms/START    (text message)
 *
 * (START = the start in Unix seconds) in one transaction that re-reads the
 * appointment and queues only if it is still booked at that start.  The
 * unique key makes queuing idempotent across looks, restarts and servers.
 * A server that was down when a reminder fell due queues it when it comes
 * back, as long as the appointment has not started.  A move withdraws the
 * reminders still waiting for the old time and sets the appointment's
 * reminders_from, so the new time gets its own (the key holds the start);
 * a cancellation withdraws them.  A reminder already handed to SMTP or the
 * provider cannot be called back. */
#ifndef KNEAD_MAIL_REMIND_H
#define KNEAD_MAIL_REMIND_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "svc/booking.h"

struct app;
struct outbox;
struct remind;
struct db;

struct remind_options {
    const struct app *app; /* cfg, tz, store; must outlive the thread */
    int hours[2];          /* lead times; 0 = off */
    int sms;               /* 1: also text messages to clients with a usable phone */
    struct outbox *outbox; /* woken after queuing; may be NULL */
    int poll_s;            /* longest sleep between looks */
};

/* Loads templates/mail/reminder.{txt,html} and reminder_sms.txt and starts
 * the thread.  Returns 0, or -1 with a message naming what failed. */
int remind_start(const struct remind_options *o, struct remind **out, char *err,
                 size_t errlen);
/* Stops the thread and frees r.  Accepts NULL. */
void remind_stop(struct remind *r);
/* Asks for a look soon (at most one a second): a change was committed that
 * may make a reminder due now (a held booking paid) or before the next look
 * the thread had planned (a booking or move whose reminder falls due within
 * seconds: the look plans its wake-up by it).  The render worker calls it
 * after a pass that rendered changes.  Accepts NULL (reminders off). */
void remind_kick(struct remind *r);

/* For sched's queue hook, inside the change's transaction: a move or a
 * cancellation withdraws the appointment's reminders that wait for the old
 * time (and a move sets reminders_from = now).  Booking changes nothing.
 * Works whether or not reminders are on. */
enum err_code remind_on_change(struct db *db, enum sched_event ev, int64_t appointment_id,
                               int64_t now, struct err *e);

#endif
