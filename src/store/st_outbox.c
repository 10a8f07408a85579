/* st_outbox — the outbox of messages to send (e-mail, SMS) and the
 * reminders' bookkeeping, in the store.  Written once for every driver:
 * named queries through rows.h.
 *
 * A claim reads the most overdue message, then leases it (outbox_due, then
 * outbox_claim) inside the caller's writing transaction; under store.h's
 * contract no two senders claim the same message.  A driver whose writers
 * run side by side keeps that in its outbox_due query (PostgreSQL: FOR
 * UPDATE SKIP LOCKED). */
#include <stdio.h>
#include <string.h>

#include "store/rows.h"

enum err_code db_outbox_add(struct db *db, const struct outbox_msg *m, int *added, struct err *e)
{
    int64_t changed = 0;
    struct drv_arg attach = m->attach_data && m->attach_len > 0 && m->attach_len <= INT32_MAX
                                ? A_BLOB(m->attach_data, m->attach_len)
                                : A_NULL;
    enum err_code rc = rows_exec(
        db, Q_OUTBOX_ADD, "queue a message",
        ARGS(A_TEXT(m->kind), A_TEXT(m->dedupe_key), A_I64(m->appointment_id), A_TEXT(m->recipient),
             A_TEXT(m->recipient_name), A_TEXT(m->subject), A_TEXT(m->body_text),
             A_TEXT(m->body_html), A_TEXT(m->attach_name), A_TEXT(m->attach_type), attach,
             A_I64(m->next_attempt_at), A_I64(m->created_at),
             A_TEXT(m->channel && m->channel[0] ? m->channel : "email")),
        &changed, e);
    if (rc == E_OK)
        *added = changed > 0;
    return rc;
}

enum err_code db_outbox_seal_add(struct db *db, const char *dedupe_key,
                                 const unsigned char *sealed, size_t n, struct err *e)
{
    if (!sealed || n < 1 || n > 256)
        return err_set(e, E_INTERNAL, "seal a message: %zu bytes", n);
    return rows_exec(db, Q_OUTBOX_SEAL_ADD, "queue a message",
                     ARGS(A_TEXT(dedupe_key), A_BLOB(sealed, n)), NULL, e);
}

enum err_code db_outbox_seal(struct db *db, struct arena *a, int64_t id,
                             const unsigned char **sealed, size_t *n, int *found, struct err *e)
{
    struct rows r;
    *sealed = NULL;
    *n = 0;
    *found = 0;
    enum err_code rc = rows_open(&r, db, Q_OUTBOX_SEAL, "read a message", ARGS(A_I64(id)), e);
    if (rc != E_OK)
        return rc;
    switch (rows_next(&r, e)) {
    case 1:
        break;
    case 0:
        return E_OK;
    default:
        return rows_code(e);
    }
    *sealed = rows_blob(&r, a, 0, n);
    *found = 1;
    rows_close(&r);
    return E_OK;
}

enum err_code db_sched_event_add(struct db *db, const struct sched_event_row *ev,
                                 struct err *e)
{
    return rows_exec(db, Q_SCHED_EVENT_ADD, "store a change for its messages",
                     ARGS(A_TEXT(ev->kind), A_I64(ev->appointment_id),
                          A_TEXT_OR_NULL(ev->token && ev->token[0] ? ev->token : NULL),
                          A_I64(ev->by_staff ? 1 : 0), A_I64(ev->at), A_I64(ev->before_start),
                          A_I64(ev->before_end),
                          A_TEXT(ev->before_service_id ? ev->before_service_id : ""),
                          A_TEXT(ev->before_therapist_id ? ev->before_therapist_id : ""),
                          A_I64(ev->before_location_id)),
                     NULL, e);
}

static const struct col sched_event_cols[] = {
    COL_I64(struct sched_event_row, id),
    COL_TEXT(struct sched_event_row, kind),
    COL_I64(struct sched_event_row, appointment_id),
    COL_TEXT(struct sched_event_row, token),
    COL_INT(struct sched_event_row, by_staff),
    COL_I64(struct sched_event_row, at),
    COL_I64(struct sched_event_row, before_start),
    COL_I64(struct sched_event_row, before_end),
    COL_TEXT(struct sched_event_row, before_service_id),
    COL_TEXT(struct sched_event_row, before_therapist_id),
    COL_I64(struct sched_event_row, before_location_id),
    COL_INT(struct sched_event_row, unconfirmed),
};

enum err_code db_sched_events_pending(struct db *db, struct arena *a, int64_t after_id,
                                      size_t limit, struct sched_event_row **out, size_t *n,
                                      struct err *e)
{
    return rows_list(db, a, Q_SCHED_EVENTS_PENDING, "read the changes to render",
                     ARGS(A_I64(after_id), A_I64(limit)), COLS(sched_event_cols), sizeof **out,
                     (void **)out, n, e);
}

enum err_code db_sched_event_done(struct db *db, int64_t id, int *gone, struct err *e)
{
    int64_t changed = 0;
    enum err_code rc = rows_exec(db, Q_SCHED_EVENT_DONE, "mark a change rendered",
                                 ARGS(A_I64(id)), &changed, e);
    *gone = changed > 0;
    return rc;
}

enum err_code db_outbox_count(struct db *db, int64_t appointment_id, const char *kind, int *n,
                              struct err *e)
{
    int64_t v = 0;
    enum err_code rc = rows_i64_of(db, Q_OUTBOX_COUNT, "count messages",
                                   ARGS(A_I64(appointment_id), A_TEXT(kind)), &v, e);
    *n = (int)v;
    return rc;
}

/* outbox_due's columns; 11 (the attachment) and 12 (status) are read by
 * hand: the message goes out as "sending". */
static const struct col due_cols[] = {
    COL_I64(struct outbox_msg, id),
    COL_I64(struct outbox_msg, appointment_id),
    COL_TEXT(struct outbox_msg, kind),
    COL_TEXT(struct outbox_msg, dedupe_key),
    COL_TEXT(struct outbox_msg, recipient),
    COL_TEXT(struct outbox_msg, recipient_name),
    COL_TEXT(struct outbox_msg, subject),
    COL_TEXT(struct outbox_msg, body_text),
    COL_TEXT(struct outbox_msg, body_html),
    COL_TEXT(struct outbox_msg, attach_name),
    COL_TEXT(struct outbox_msg, attach_type),
    COL_SKIP, /* attach_data */
    COL_SKIP,
    /* status */ COL_INT(struct outbox_msg, attempts),
    COL_I64(struct outbox_msg, next_attempt_at),
    COL_I64(struct outbox_msg, created_at),
    COL_I64(struct outbox_msg, sent_at),
    COL_TEXT(struct outbox_msg, last_error),
    COL_TEXT(struct outbox_msg, channel),
};

enum err_code db_outbox_claim(struct db *db, struct arena *a, int64_t now, int64_t lease_until,
                              unsigned channels, struct outbox_msg *out, int *found, struct err *e)
{
    return db_outbox_claim_as(db, a, now, lease_until, "", channels, out, found, e);
}

enum err_code db_server_lease_renew(struct db *db, const char *id, int64_t until, struct err *e)
{
    return rows_exec(db, Q_SERVER_LEASE_RENEW, "renew the server's lease",
                     ARGS(A_TEXT(id), A_I64(until)), NULL, e);
}

enum err_code db_server_lease_end(struct db *db, const char *id, int64_t now, struct err *e)
{
    return rows_exec(db, Q_SERVER_LEASE_END, "end the server's lease", ARGS(A_TEXT(id), A_I64(now)),
                     NULL, e);
}

enum err_code db_outbox_claim_as(struct db *db, struct arena *a, int64_t now, int64_t lease_until,
                                 const char *owner, unsigned channels, struct outbox_msg *out,
                                 int *found, struct err *e)
{
    struct rows r;
    enum err_code rc =
        rows_open(&r, db, Q_OUTBOX_DUE, "claim a message", ARGS(A_I64(now), A_I64(channels)), e);
    *found = 0;
    if (rc != E_OK)
        return rc;
    switch (rows_next(&r, e)) {
    case 1:
        break;
    case 0:
        return E_OK;
    default:
        return rows_code(e);
    }
    memset(out, 0, sizeof *out);
    rows_read(&r, a, 0, COLS(due_cols), out);
    out->attach_data = rows_blob(&r, a, 11, &out->attach_len);
    out->status = "sending";
    out->attempts++;
    out->next_attempt_at = lease_until;
    rows_close(&r);
    rc = rows_exec(db, Q_OUTBOX_CLAIM, "claim a message",
                   ARGS(A_I64(out->id), A_I64(lease_until), A_TEXT(owner)), NULL, e);
    if (rc == E_OK)
        *found = 1;
    return rc;
}

enum err_code db_outbox_mark(struct db *db, int64_t id, const char *status, int64_t next_attempt_at,
                             int64_t at, const char *last_error, struct err *e)
{
    int64_t changed = 0;
    enum err_code rc = rows_exec(
        db, Q_OUTBOX_MARK, "mark a message",
        ARGS(A_I64(id), A_TEXT(status), A_I64(next_attempt_at), A_I64(at), A_TEXT(last_error)),
        &changed, e);
    if (rc == E_OK && changed == 0)
        return err_set(e, E_CONFLICT, "message %lld is no longer being sent", (long long)id);
    return rc;
}

enum err_code db_outbox_next_due(struct db *db, unsigned channels, int64_t *at, int *found,
                                 struct err *e)
{
    return rows_find_i64(db, Q_OUTBOX_NEXT_DUE, "read the outbox", ARGS(A_I64(channels)), at,
                         found, e);
}

static const struct col list_cols[] = {
    COL_I64(struct outbox_msg, id),          COL_I64(struct outbox_msg, appointment_id),
    COL_TEXT(struct outbox_msg, kind),       COL_TEXT(struct outbox_msg, dedupe_key),
    COL_TEXT(struct outbox_msg, recipient),  COL_TEXT(struct outbox_msg, recipient_name),
    COL_TEXT(struct outbox_msg, subject),    COL_TEXT(struct outbox_msg, status),
    COL_INT(struct outbox_msg, attempts),    COL_I64(struct outbox_msg, next_attempt_at),
    COL_I64(struct outbox_msg, created_at),  COL_I64(struct outbox_msg, sent_at),
    COL_TEXT(struct outbox_msg, last_error), COL_TEXT(struct outbox_msg, attach_name),
};

enum err_code db_outbox_list(struct db *db, struct arena *a, const char *status, int limit,
                             struct outbox_msg **out, size_t *n, struct err *e)
{
    return rows_list(db, a, Q_OUTBOX_LIST, "list the outbox",
                     ARGS(A_TEXT(status), A_I64(limit > 0 ? limit : 100)), COLS(list_cols),
                     sizeof **out, (void **)out, n, e);
}

enum err_code db_outbox_retry(struct db *db, int64_t id, int64_t now, struct err *e)
{
    char status[16] = "";
    int64_t changed = 0;
    struct rows r;
    enum err_code rc = rows_open(&r, db, Q_OUTBOX_STATUS, "read the outbox", ARGS(A_I64(id)), e);
    if (rc != E_OK)
        return rc;
    switch (rows_next(&r, e)) {
    case 1:
        snprintf(status, sizeof status, "%s", rows_peek_text(&r, 0));
        rows_close(&r);
        break;
    case 0:
        return err_set(e, E_NOTFOUND, "there is no message %lld in the outbox", (long long)id);
    default:
        return rows_code(e);
    }
    if (strcmp(status, "pending") != 0 && strcmp(status, "failed") != 0)
        return err_set(e, E_CONFLICT,
                       "message %lld is %s; only pending or failed messages can be retried",
                       (long long)id, status);
    rc = rows_exec(db, Q_OUTBOX_RETRY, "retry a message", ARGS(A_I64(id), A_I64(now)), &changed, e);
    if (rc == E_OK && changed == 0)
        return err_set(e, E_NOTFOUND, "the message changed meanwhile; try again");
    return rc;
}

enum err_code db_outbox_tally(struct db *db, struct outbox_tally *out, struct err *e)
{
    static const char *const names[] = {"pending", "sending", "sent", "failed"};
    int64_t v[4];
    enum err_code rc = rows_tally(db, Q_OUTBOX_TALLY, "count the outbox", names, v, 4, e);
    *out = (struct outbox_tally){.pending = v[0], .sending = v[1], .sent = v[2], .failed = v[3]};
    return rc;
}

enum err_code db_outbox_purge(struct db *db, int64_t before, int *deleted, struct err *e)
{
    int64_t changed = 0;
    enum err_code rc =
        rows_exec(db, Q_OUTBOX_PURGE, "purge the outbox", ARGS(A_I64(before)), &changed, e);
    if (rc == E_OK)
        *deleted = (int)changed;
    return rc;
}

/* ---- reminders ---- */

enum err_code db_outbox_has(struct db *db, const char *dedupe_key, int *exists, struct err *e)
{
    int64_t one = 0;
    return rows_find_i64(db, Q_OUTBOX_HAS, "read the outbox", ARGS(A_TEXT(dedupe_key)), &one,
                         exists, e);
}

enum err_code db_outbox_withdraw(struct db *db, int64_t appointment_id, const char *kind,
                                 int *deleted, struct err *e)
{
    int64_t changed = 0;
    enum err_code rc = rows_exec(db, Q_OUTBOX_WITHDRAW, "withdraw reminders",
                                 ARGS(A_I64(appointment_id), A_TEXT(kind)), &changed, e);
    if (rc == E_OK)
        *deleted = (int)changed;
    return rc;
}

static const struct col remind_cols[] = {
    COL_I64(struct remind_appt, id),
    COL_I64(struct remind_appt, start),
    COL_I64(struct remind_appt, anchor),
};

enum err_code db_remind_candidates(struct db *db, struct arena *a, int64_t from, int64_t to,
                                   struct remind_appt **out, size_t *n, struct err *e)
{
    return rows_list(db, a, Q_REMIND_CANDIDATES, "read the appointments due a reminder",
                     ARGS(A_I64(from), A_I64(to)), COLS(remind_cols), sizeof **out, (void **)out, n,
                     e);
}

enum err_code db_remind_from(struct db *db, int64_t appointment_id, int64_t at, struct err *e)
{
    return rows_exec(db, Q_REMIND_FROM, "reset the appointment's reminders",
                     ARGS(A_I64(appointment_id), A_I64(at)), NULL, e);
}

/* ---- text messages: numbers that said STOP ---- */

static const struct col opt_out_cols[] = {
    COL_I64(struct sms_opt_out, at),
    COL_TEXT(struct sms_opt_out, source),
};

enum err_code db_sms_opt_out(struct db *db, const char *phone, int64_t at, const char *source,
                             int *changed, struct err *e)
{
    int64_t n = 0;
    enum err_code rc = rows_exec(db, Q_SMS_OPT_OUT_SET, "mark the number as opted out",
                                 ARGS(A_TEXT(phone), A_I64(at), A_TEXT(source)), &n, e);
    if (changed)
        *changed = n > 0;
    return rc;
}

enum err_code db_sms_opt_in(struct db *db, const char *phone, int *changed, struct err *e)
{
    int64_t n = 0;
    enum err_code rc =
        rows_exec(db, Q_SMS_OPT_OUT_CLEAR, "let the number receive texts", ARGS(A_TEXT(phone)),
                  &n, e);
    if (changed)
        *changed = n > 0;
    return rc;
}

enum err_code db_sms_opted_out(struct db *db, struct arena *a, const char *phone,
                               struct sms_opt_out *out, int *found, struct err *e)
{
    return rows_find(db, a, Q_SMS_OPT_OUT_GET, "read the number's text opt-out",
                     ARGS(A_TEXT(phone)), COLS(opt_out_cols), out, found, e);
}
