/* st_booking — what booking reads and writes in the store: the busy times,
 * time off, the client a booking is for, appointments and idempotency keys.
 * Written once for every driver: named queries through rows.h.  The
 * decision whether a time is free is web/sched.c's, inside the writing
 * transaction of store.h's concurrency contract. */
#include <string.h>

#include "store/st.h"

const struct col st_appointment_cols[] = {
    COL_I64(struct appointment, id),
    COL_TEXT(struct appointment, service_id),
    COL_TEXT(struct appointment, therapist_id),
    COL_I64(struct appointment, room_id),
    COL_I64(struct appointment, client_id),
    COL_I64(struct appointment, start),
    COL_I64(struct appointment, end),
    COL_I64(struct appointment, busy_until),
    COL_TEXT(struct appointment, status),
    COL_TEXT(struct appointment, notes),
    COL_TEXT(struct appointment, source),
    COL_I64(struct appointment, created_at),
    COL_I64(struct appointment, cancelled_at),
    COL_INT(struct appointment, cancel_late),
    COL_TEXT(struct appointment, cancel_reason),
    COL_TEXT(struct appointment, service_name),
    COL_TEXT(struct appointment, therapist_name),
    COL_TEXT(struct appointment, room_name),
    COL_TEXT(struct appointment, client_name),
    COL_TEXT(struct appointment, client_email),
    COL_TEXT(struct appointment, client_phone),
    COL_TEXT(struct appointment, contact_phone),
    COL_I64(struct appointment, location_id),
    COL_TEXT(struct appointment, location_name),
    COL_TEXT(struct appointment, location_address),
    COL_TEXT(struct appointment, location_timezone),
    COL_INT(struct appointment, revision),
    COL_I64(struct appointment, sms_consent_at),
};
const size_t st_appointment_ncols = sizeof st_appointment_cols / sizeof st_appointment_cols[0];

/* ---- what makes a time busy ---- */

static const struct col busy_cols[] = {
    COL_TEXT(struct busy, therapist_id),  COL_I64(struct busy, room_id),
    COL_I64(struct busy, start),          COL_I64(struct busy, end),
    COL_I64(struct busy, appointment_id),
};

enum err_code db_busy(struct db *db, struct arena *a, int64_t t0, int64_t t1, struct busy **out,
                      size_t *n, struct err *e)
{
    return rows_list(db, a, Q_BUSY, "read appointments", ARGS(A_I64(t0), A_I64(t1)),
                     COLS(busy_cols), sizeof **out, (void **)out, n, e);
}

struct last_assigned {
    int64_t at, id;
};

static const struct col last_assigned_cols[] = {
    COL_I64(struct last_assigned, at),
    COL_I64(struct last_assigned, id),
};

enum err_code db_therapist_last_assigned(struct db *db, const char *therapist_id, int64_t *at,
                                         int64_t *id, struct err *e)
{
    struct last_assigned row = {0, 0};
    int found = 0;
    enum err_code rc = rows_find(db, NULL, Q_THERAPIST_LAST_ASSIGNED, "read last assignment",
                                 ARGS(A_TEXT(therapist_id)), COLS(last_assigned_cols), &row,
                                 &found, e);
    *at = found ? row.at : 0;
    *id = found ? row.id : 0;
    return rc;
}

static const struct col time_off_cols[] = {
    COL_I64(struct time_off, id),      COL_TEXT(struct time_off, therapist_id),
    COL_I64(struct time_off, start),   COL_I64(struct time_off, end),
    COL_TEXT(struct time_off, reason),
};

enum err_code db_time_off(struct db *db, struct arena *a, int64_t t0, int64_t t1,
                          struct time_off **out, size_t *n, struct err *e)
{
    return rows_list(db, a, Q_TIME_OFF, "read time off", ARGS(A_I64(t0), A_I64(t1)),
                     COLS(time_off_cols), sizeof **out, (void **)out, n, e);
}

enum err_code db_add_time_off(struct db *db, const struct time_off *t, int64_t *id, struct err *e)
{
    return rows_insert(
        db, Q_ADD_TIME_OFF, "save time off",
        ARGS(A_TEXT(t->therapist_id), A_I64(t->start), A_I64(t->end), A_TEXT(t->reason)), id, e);
}

enum err_code db_delete_time_off(struct db *db, int64_t id, const char *therapist_id, struct err *e)
{
    int64_t changed = 0;
    enum err_code rc = rows_exec(db, Q_DEL_TIME_OFF, "delete time off",
                                 ARGS(A_I64(id), A_TEXT_OR_NULL(therapist_id)), &changed, e);
    if (rc == E_OK && changed != 1)
        return err_set(e, E_NOTFOUND, "There is no such time off.");
    return rc;
}

/* ---- clients and appointments ---- */

/* phone's digits, without the leading 1 of eleven (as db_clients' ?3) */
static void phone_digits(const char *phone, char *out, size_t cap)
{
    size_t nd = 0;
    for (const char *p = phone; *p && nd < cap - 1; p++)
        if (*p >= '0' && *p <= '9')
            out[nd++] = *p;
    out[nd] = '\0';
    if (nd == 11 && out[0] == '1')
        memmove(out, out + 1, nd);
}

enum err_code db_find_client(struct db *db, const char *name, const char *email, int64_t *id,
                             int *found, struct err *e)
{
    *id = 0;
    return rows_find_i64(db, Q_FIND_CLIENT, "find client", ARGS(A_TEXT(name), A_TEXT(email)), id,
                         found, e);
}

enum err_code db_client_for_booking(struct db *db, const char *name, const char *email,
                                    const char *phone, int update_phone, int64_t now, int64_t *id,
                                    struct err *e)
{
    return db_client_for_booking_made(db, name, email, phone, update_phone, now, id, NULL, e);
}

enum err_code db_client_for_booking_made(struct db *db, const char *name, const char *email,
                                         const char *phone, int update_phone, int64_t now,
                                         int64_t *id, int *made, struct err *e)
{
    int found = 0;
    enum err_code rc;
    if (email && *email) {
        rc = rows_find_i64(db, Q_FIND_CLIENT, "find client", ARGS(A_TEXT(name), A_TEXT(email)),
                           id, &found, e);
    } else {
        /* a client the desk books with a phone only: the same name and the
         * same number however it was written (its digits, without a North
         * American leading 1), as the desk's search finds it; a different
         * name on the same phone (a family's one number) is another client */
        char digits[64];
        phone_digits(phone ? phone : "", digits, sizeof digits);
        rc = rows_find_i64(db, Q_FIND_CLIENT_BY_PHONE, "find client",
                           ARGS(A_TEXT(name), A_TEXT(digits)), id, &found, e);
        email = "";
    }
    if (made)
        *made = 0;
    if (rc != E_OK)
        return rc;
    if (found) {
        if (!update_phone || !phone || !*phone)
            return E_OK;
        return rows_exec(db, Q_SET_CLIENT_PHONE, "save client", ARGS(A_I64(*id), A_TEXT(phone)),
                         NULL, e);
    }
    rc = rows_insert(db, Q_ADD_CLIENT, "save client",
                     ARGS(A_TEXT(name), A_TEXT(email), A_TEXT(phone), A_I64(now)), id, e);
    if (rc == E_OK && made)
        *made = 1;
    return rc;
}

enum err_code db_add_appointment(struct db *db, const struct appointment *ap,
                                 const unsigned char hash[STORE_TOKEN_HASH], int64_t *id,
                                 struct err *e)
{
    return rows_insert(db, Q_ADD_APPT, "save appointment",
                       ARGS(A_TEXT(ap->service_id), A_TEXT(ap->therapist_id), A_I64(ap->room_id),
                            A_I64(ap->client_id), A_I64(ap->start), A_I64(ap->end),
                            A_I64(ap->busy_until), A_TEXT(ap->status ? ap->status : "booked"),
                            A_TEXT(ap->notes), A_HASH(hash),
                            A_TEXT(ap->source ? ap->source : "online"), A_I64(ap->created_at),
                            A_TEXT(ap->contact_phone), A_I64(ap->sms_consent_at)),
                       id, e);
}

enum err_code db_appointments(struct db *db, struct arena *a, int64_t t0, int64_t t1,
                              struct appointment **out, size_t *n, struct err *e)
{
    return rows_list(db, a, Q_APPTS, "list appointments", ARGS(A_I64(t0), A_I64(t1)),
                     APPOINTMENT_COLS, sizeof **out, (void **)out, n, e);
}

static enum err_code one_appointment(struct db *db, struct arena *a, enum q_id q,
                                     struct drv_arg key, struct appointment *out, struct err *e)
{
    enum err_code rc = rows_one(db, a, q, "read appointment", ARGS(key), APPOINTMENT_COLS, out, e);
    if (rc == E_NOTFOUND)
        return err_set(e, E_NOTFOUND, "there is no such appointment");
    return rc;
}

enum err_code db_appointment(struct db *db, struct arena *a, int64_t id, struct appointment *out,
                             struct err *e)
{
    return one_appointment(db, a, Q_APPT, A_I64(id), out, e);
}

enum err_code db_appointment_by_token(struct db *db, struct arena *a,
                                      const unsigned char hash[STORE_TOKEN_HASH],
                                      struct appointment *out, struct err *e)
{
    return one_appointment(db, a, Q_APPT_BY_TOKEN, A_HASH(hash), out, e);
}

/* Runs a change of one appointment that holds only in some states; E_CONFLICT
 * when it changed none (the appointment moved on meanwhile). */
enum err_code st_change_appointment(struct db *db, enum q_id q, const char *what,
                                    const struct drv_arg *args, size_t nargs, struct err *e)
{
    int64_t changed = 0;
    enum err_code rc = rows_exec(db, q, what, args, nargs, &changed, e);
    if (rc == E_OK && changed != 1)
        return err_set(e, E_CONFLICT, "%s: the appointment is no longer in a state that allows it",
                       what);
    return rc;
}

enum err_code db_cancel_appointment(struct db *db, int64_t id, int64_t now, int late,
                                    const char *reason, struct err *e)
{
    return st_change_appointment(db, Q_CANCEL_APPT, "cancel",
                                 ARGS(A_I64(id), A_I64(now), A_I64(late ? 1 : 0), A_TEXT(reason)),
                                 e);
}

enum err_code db_move_appointment(struct db *db, int64_t id, const char *therapist_id,
                                  int64_t room_id, int64_t start, int64_t end, int64_t busy_until,
                                  struct err *e)
{
    return st_change_appointment(db, Q_MOVE_APPT, "move",
                                 ARGS(A_I64(id), A_TEXT(therapist_id), A_I64(room_id), A_I64(start),
                                      A_I64(end), A_I64(busy_until)),
                                 e);
}

/* ---- one client, one place ---- */

static const struct col client_booking_cols[] = {
    COL_I64(struct client_booking, id),     COL_I64(struct client_booking, start),
    COL_I64(struct client_booking, end),    COL_TEXT(struct client_booking, service_name),
    COL_TEXT(struct client_booking, email), COL_TEXT(struct client_booking, phone),
};

enum err_code db_client_overlaps(struct db *db, struct arena *a, int64_t t0, int64_t t1,
                                 int64_t exclude, struct client_booking **out, size_t *n,
                                 struct err *e)
{
    return rows_list(db, a, Q_CLIENT_OVERLAPS, "read the client's appointments",
                     ARGS(A_I64(t0), A_I64(t1), A_I64(exclude)), COLS(client_booking_cols),
                     sizeof **out, (void **)out, n, e);
}

/* ---- idempotency keys and one-time form tokens ---- */

enum err_code db_idem_get(struct db *db, struct arena *a, const char *key, int64_t since,
                          struct idem_entry *out, int *found, struct err *e)
{
    struct rows r;
    const unsigned char *h;
    size_t len = 0;
    enum err_code rc =
        rows_open(&r, db, Q_IDEM_GET, "read idempotency key", ARGS(A_TEXT(key), A_I64(since)), e);
    *found = 0;
    memset(out, 0, sizeof *out);
    if (rc != E_OK)
        return rc;
    switch (rows_next(&r, e)) {
    case 1:
        h = rows_blob(&r, a, 0, &len);
        if (h && len == STORE_TOKEN_HASH)
            memcpy(out->hash, h, STORE_TOKEN_HASH);
        out->key = arena_strdup(a, key);
        out->status = rows_int(&r, 1);
        out->body = rows_text(&r, a, 2);
        out->address = rows_text(&r, a, 3);
        out->sealed = rows_blob(&r, a, 4, &out->nsealed);
        out->created_at = rows_i64(&r, 5);
        *found = 1;
        rows_close(&r);
        return E_OK;
    case 0:
        return E_OK;
    default:
        return rows_code(e);
    }
}

enum err_code db_idem_add(struct db *db, const struct idem_entry *en, int *added, struct err *e)
{
    int64_t changed = 0;
    enum err_code rc =
        rows_exec(db, Q_IDEM_ADD, "save idempotency key",
                  ARGS(A_TEXT(en->key), A_HASH(en->hash), A_I64(en->status), A_TEXT(en->body),
                       A_TEXT(en->address),
                       en->sealed && en->nsealed ? A_BLOB(en->sealed, en->nsealed) : A_NULL,
                       A_I64(en->created_at)),
                  &changed, e);
    if (rc == E_OK)
        *added = changed == 1;
    return rc;
}

enum err_code db_purge_expired(struct db *db, int64_t before, struct err *e)
{
    enum err_code rc =
        rows_exec(db, Q_PURGE_IDEM, "purge expired keys", ARGS(A_I64(before)), NULL, e);
    if (rc == E_OK)
        rc = rows_exec(db, Q_PURGE_FORM_TOKENS, "purge expired keys", ARGS(A_I64(before)), NULL, e);
    return rc;
}

enum err_code db_form_token_get(struct db *db, struct arena *a,
                                const unsigned char hash[STORE_TOKEN_HASH], int64_t *appt_id,
                                const unsigned char **sealed, size_t *nsealed, int *found,
                                struct err *e)
{
    struct rows r;
    enum err_code rc =
        rows_open(&r, db, Q_FORM_TOKEN_GET, "read form token", ARGS(A_HASH(hash)), e);
    *found = 0;
    if (rc != E_OK)
        return rc;
    switch (rows_next(&r, e)) {
    case 1:
        *appt_id = rows_i64(&r, 0);
        *sealed = rows_blob(&r, a, 1, nsealed);
        *found = 1;
        rows_close(&r);
        return E_OK;
    case 0:
        return E_OK;
    default:
        return rows_code(e);
    }
}

enum err_code db_form_token_add(struct db *db, const unsigned char hash[STORE_TOKEN_HASH],
                                int64_t appt_id, const unsigned char *sealed, size_t nsealed,
                                int64_t now, int *added, struct err *e)
{
    int64_t changed = 0;
    enum err_code rc = rows_exec(
        db, Q_FORM_TOKEN_ADD, "save form token",
        ARGS(A_HASH(hash), A_I64(appt_id), A_BLOB(sealed, nsealed), A_I64(now)), &changed, e);
    if (rc == E_OK)
        *added = changed == 1;
    return rc;
}
