/* st_desk — what the front desk changes in the store: an appointment's
 * status and staff notes, the clients list, a client's details, and the
 * merge of two client records.  Written once for every driver: named
 * queries through rows.h. */
#include "store/st.h"

enum err_code db_set_appointment_status(struct db *db, int64_t id, const char *from, const char *to,
                                        int64_t now, const char *reason, int late, struct err *e)
{
    return st_change_appointment(
        db, Q_DESK_SET_STATUS, "status change",
        ARGS(A_I64(id), A_TEXT(from), A_TEXT(to), A_I64(now), A_TEXT(reason), A_I64(late ? 1 : 0)),
        e);
}

enum err_code db_appt_event_add(struct db *db, const struct appt_event *ev, struct err *e)
{
    return rows_exec(db, Q_APPT_EVENT_ADD, "record the appointment's history",
                     ARGS(A_I64(ev->appointment_id), A_I64(ev->at), A_I64(ev->user_id),
                          A_TEXT(ev->actor), A_TEXT(ev->kind), A_TEXT(ev->from_status),
                          A_TEXT(ev->to_status), A_TEXT(ev->reason)),
                     NULL, e);
}

static const struct col event_cols[] = {
    COL_I64(struct appt_event, id),           COL_I64(struct appt_event, appointment_id),
    COL_I64(struct appt_event, at),           COL_I64(struct appt_event, user_id),
    COL_TEXT(struct appt_event, actor),       COL_TEXT(struct appt_event, kind),
    COL_TEXT(struct appt_event, from_status), COL_TEXT(struct appt_event, to_status),
    COL_TEXT(struct appt_event, reason),
};

enum err_code db_appt_events(struct db *db, struct arena *a, int64_t id, struct appt_event **out,
                             size_t *n, struct err *e)
{
    return rows_list(db, a, Q_APPT_EVENTS, "read the appointment's history", ARGS(A_I64(id)),
                     COLS(event_cols), sizeof **out, (void **)out, n, e);
}

struct notes_row {
    const char *notes;
};
static const struct col notes_cols[] = {COL_TEXT(struct notes_row, notes)};

enum err_code db_staff_notes(struct db *db, struct arena *a, int64_t id, const char **out,
                             struct err *e)
{
    struct notes_row row;
    enum err_code rc = rows_one(db, a, Q_DESK_STAFF_NOTES, "read staff notes", ARGS(A_I64(id)),
                                COLS(notes_cols), &row, e);
    if (rc == E_NOTFOUND)
        return err_set(e, E_NOTFOUND, "there is no such appointment");
    if (rc == E_OK)
        *out = row.notes;
    return rc;
}

enum err_code db_set_staff_notes(struct db *db, int64_t id, const char *notes, struct err *e)
{
    int64_t changed = 0;
    enum err_code rc = rows_exec(db, Q_DESK_SET_STAFF_NOTES, "save staff notes",
                                 ARGS(A_I64(id), A_TEXT(notes)), &changed, e);
    if (rc == E_OK && changed != 1)
        return err_set(e, E_NOTFOUND, "there is no such appointment");
    return rc;
}

/* ---- clients ---- */

static const struct col client_cols[] = {
    COL_I64(struct client, id),         COL_TEXT(struct client, name),
    COL_TEXT(struct client, email),     COL_TEXT(struct client, phone),
    COL_I64(struct client, created_at), COL_INT(struct client, nappointments),
};

enum err_code db_clients(struct db *db, struct arena *a, const char *q, int limit,
                         struct client **out, size_t *n, struct err *e)
{
    /* ?3: q's digits, to find a phone however it was written ("(907)
     * 555-0123" finds "907 555 0123"), without a leading 1 (the North
     * American country code) of eleven; only when q has four or more */
    char digits[64];
    size_t nd = 0;
    for (const char *p = q; *p && nd < sizeof digits - 1; p++)
        if (*p >= '0' && *p <= '9')
            digits[nd++] = *p;
    digits[nd] = '\0';
    const char *dq = nd < 4 ? "" : nd == 11 && digits[0] == '1' ? digits + 1 : digits;
    return rows_list(db, a, Q_DESK_CLIENTS, "list clients",
                     ARGS(A_TEXT(q), A_I64(limit), A_TEXT(dq)), COLS(client_cols), sizeof **out,
                     (void **)out, n, e);
}

enum err_code db_clients_all(struct db *db, struct arena *a, struct client **out, size_t *n,
                             struct err *e)
{
    return rows_list(db, a, Q_CLIENTS_ALL, "list clients", NOARGS, COLS(client_cols),
                     sizeof **out, (void **)out, n, e);
}

enum err_code db_client(struct db *db, struct arena *a, int64_t id, struct client *out,
                        struct err *e)
{
    enum err_code rc =
        rows_one(db, a, Q_DESK_CLIENT, "read client", ARGS(A_I64(id)), COLS(client_cols), out, e);
    if (rc == E_NOTFOUND)
        return err_set(e, E_NOTFOUND, "There is no client %lld.", (long long)id);
    return rc;
}

enum err_code db_client_appointments(struct db *db, struct arena *a, int64_t client_id,
                                     struct appointment **out, size_t *n, struct err *e)
{
    return rows_list(db, a, Q_DESK_CLIENT_APPTS, "list the client's appointments",
                     ARGS(A_I64(client_id)), APPOINTMENT_COLS, sizeof **out, (void **)out, n, e);
}

enum err_code db_update_client(struct db *db, const struct client *c, struct err *e)
{
    int64_t changed = 0;
    enum err_code rc = rows_exec(
        db, Q_DESK_UPDATE_CLIENT, "save client",
        ARGS(A_I64(c->id), A_TEXT(c->name), A_TEXT(c->email), A_TEXT(c->phone)), &changed, e);
    if (rc == E_OK && changed != 1)
        return err_set(e, E_NOTFOUND, "There is no client %lld.", (long long)c->id);
    return rc;
}

/* ---- merging two clients ---- */

/* Runs q with keep as ?1 and other as ?2 (both client ids). */
static enum err_code move_ids(struct db *db, enum q_id q, int64_t keep, int64_t other,
                              const char *what, struct err *e)
{
    return rows_exec(db, q, what, ARGS(A_I64(keep), A_I64(other)), NULL, e);
}

/* The updated_at of the client's health form; *found 0 when none. */
static enum err_code intake_stamp(struct db *db, int64_t client_id, int *found, int64_t *at,
                                  struct err *e)
{
    return rows_find_i64(db, Q_INTAKE_STAMP, "read health form", ARGS(A_I64(client_id)), at, found,
                         e);
}

/* Moves the health form and insurance checks of `other` to `keep`.  One
 * current form per client: when both have one, the newer (by updated_at;
 * keep's on a tie) stays current and the other goes to the history. */
static enum err_code merge_health_records(struct db *db, int64_t keep, int64_t other, struct err *e)
{
    enum err_code rc;
    int has_keep = 0, has_other = 0;
    int64_t at_keep = 0, at_other = 0;
    if ((rc = move_ids(db, Q_INSURANCE_MOVE, keep, other, "move insurance checks", e)) != E_OK ||
        (rc = move_ids(db, Q_INTAKE_MOVE_HISTORY, keep, other, "move health form history", e)) !=
            E_OK ||
        (rc = intake_stamp(db, keep, &has_keep, &at_keep, e)) != E_OK ||
        (rc = intake_stamp(db, other, &has_other, &at_other, e)) != E_OK)
        return rc;
    if (!has_other)
        return E_OK;
    if (has_keep) {
        int64_t older = at_other > at_keep ? keep : other;
        int64_t now = at_other > at_keep ? at_other : at_keep;
        if ((rc = rows_exec(db, Q_INTAKE_ARCHIVE, "keep the older health form",
                            ARGS(A_I64(older), A_I64(now)), NULL, e)) != E_OK ||
            (rc = rows_exec(db, Q_INTAKE_DELETE, "replace the older health form",
                            ARGS(A_I64(older)), NULL, e)) != E_OK ||
            (rc = move_ids(db, Q_INTAKE_MOVE_HISTORY, keep, other, "move health form history",
                           e)) != E_OK)
            return rc;
        if (older == other)
            return E_OK;
    }
    return move_ids(db, Q_INTAKE_MOVE, keep, other, "move the health form", e);
}

enum err_code db_merge_clients(struct db *db, int64_t keep, int64_t other, struct err *e)
{
    int64_t changed = 0;
    enum err_code rc;
    if ((rc = move_ids(db, Q_DESK_MOVE_CLIENT_APPTS, keep, other, "move the client's appointments",
                       e)) != E_OK ||
        (rc = merge_health_records(db, keep, other, e)) != E_OK ||
        (rc = move_ids(db, Q_MERGE_REFERRALS, keep, other, "move the client's referrals", e)) !=
            E_OK ||
        (rc = move_ids(db, Q_DESK_MOVE_CLIENT_INVOICES, keep, other, "move the client's invoices",
                       e)) != E_OK ||
        (rc = move_ids(db, Q_DESK_MOVE_CLIENT_PACKAGES, keep, other, "move the client's packages",
                       e)) != E_OK ||
        (rc = move_ids(db, Q_DESK_MOVE_CLIENT_GIFT_CARDS, keep, other,
                       "move the client's gift cards", e)) != E_OK ||
        (rc = rows_exec(db, Q_DESK_DEL_CLIENT, "delete the merged client", ARGS(A_I64(other)),
                        &changed, e)) != E_OK)
        return rc;
    if (changed != 1)
        return err_set(e, E_NOTFOUND, "There is no client %lld.", (long long)other);
    return E_OK;
}
