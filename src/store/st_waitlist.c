/* st_waitlist — the waitlist's entries and the offers of freed times, in
 * the store.  Written once for every driver: named queries through rows.h.
 * A claim (db_waitlist_claim) runs inside the booking's transaction, so
 * store.h's contract lets one entry win a time. */
#include "store/rows.h"

/* The entry's columns of wl_entry_cols (queries/<driver>.sql); m is the
 * path to the entry inside T ("" or "en."). */
#define WL_ENTRY_COLS(T, m)                                                                        \
    COL_I64(T, m id), COL_TEXT(T, m service_id), COL_TEXT(T, m therapist_id),                      \
        COL_TEXT(T, m date_from), COL_TEXT(T, m date_to), COL_UINT(T, m days),                     \
        COL_INT(T, m time_from), COL_INT(T, m time_to), COL_TEXT(T, m name), COL_TEXT(T, m email), \
        COL_TEXT(T, m phone), COL_TEXT(T, m status), COL_I64(T, m created_at),                     \
        COL_I64(T, m closed_at), COL_TEXT(T, m service_name), COL_TEXT(T, m therapist_name),    \
        COL_I64(T, m location_id), COL_TEXT(T, m location_name)

static const struct col entry_cols[] = {WL_ENTRY_COLS(struct waitlist_entry, )};
static const struct col desk_cols[] = {
    WL_ENTRY_COLS(struct waitlist_desk_entry, en.),
    COL_I64(struct waitlist_desk_entry, offer_until),
};

enum err_code db_waitlist_add(struct db *db, const struct waitlist_entry *w,
                              const unsigned char hash[STORE_TOKEN_HASH], int64_t *id,
                              struct err *e)
{
    return rows_insert(db, Q_WL_ADD, "add to the waitlist",
                       ARGS(A_HASH(hash), A_TEXT(w->service_id), A_TEXT(w->therapist_id),
                            A_TEXT(w->date_from), A_TEXT(w->date_to), A_I64(w->days),
                            A_I64(w->time_from), A_I64(w->time_to), A_TEXT(w->name),
                            A_TEXT(w->email), A_TEXT(w->phone), A_I64(w->created_at),
                            A_I64(w->location_id)),
                       id, e);
}

static enum err_code entry_one(struct db *db, struct arena *a, enum q_id q, struct drv_arg key,
                               struct waitlist_entry *out, struct err *e)
{
    enum err_code rc =
        rows_one(db, a, q, "read a waitlist entry", ARGS(key), COLS(entry_cols), out, e);
    if (rc == E_NOTFOUND)
        return err_set(e, E_NOTFOUND, "no such waitlist entry");
    return rc;
}

enum err_code db_waitlist_entry(struct db *db, struct arena *a,
                                const unsigned char hash[STORE_TOKEN_HASH],
                                struct waitlist_entry *out, struct err *e)
{
    return entry_one(db, a, Q_WL_ENTRY_BY_HASH, A_HASH(hash), out, e);
}

enum err_code db_waitlist_entry_by_id(struct db *db, struct arena *a, int64_t id,
                                      struct waitlist_entry *out, struct err *e)
{
    return entry_one(db, a, Q_WL_ENTRY_BY_ID, A_I64(id), out, e);
}

enum err_code db_waitlist_leave(struct db *db, int64_t id, int64_t now, const char *reason,
                                struct err *e)
{
    int64_t changed = 0;
    enum err_code rc = rows_exec(db, Q_WL_LEAVE, "leave the waitlist",
                                 ARGS(A_I64(id), A_I64(now), A_TEXT(reason)), &changed, e);
    if (rc == E_OK && changed == 0)
        return err_set(e, E_CONFLICT, "This waitlist entry is closed already.");
    return rc;
}

enum err_code db_waitlist_active(struct db *db, struct arena *a, const char *service_id,
                                 struct waitlist_entry **out, size_t *n, struct err *e)
{
    return rows_list(db, a, Q_WL_ACTIVE, "read the waitlist", ARGS(A_TEXT(service_id)),
                     COLS(entry_cols), sizeof **out, (void **)out, n, e);
}

enum err_code db_waitlist_desk(struct db *db, struct arena *a, const char *service_id, int64_t now,
                               int limit, struct waitlist_desk_entry **out, size_t *n,
                               struct err *e)
{
    return rows_list(db, a, Q_WL_DESK, "list the waitlist",
                     ARGS(A_TEXT(service_id), A_I64(now), A_I64(limit)), COLS(desk_cols),
                     sizeof **out, (void **)out, n, e);
}

enum err_code db_waitlist_active_count(struct db *db, int *n, struct err *e)
{
    int64_t v = 0;
    enum err_code rc = rows_i64_of(db, Q_WL_ACTIVE_COUNT, "count the waitlist", NOARGS, &v, e);
    *n = (int)v;
    return rc;
}

enum err_code db_waitlist_offer_add(struct db *db, const struct waitlist_offer *o,
                                    const unsigned char hash[STORE_TOKEN_HASH], int64_t *id,
                                    struct err *e)
{
    return rows_insert(db, Q_WL_OFFER_ADD, "make a waitlist offer",
                       ARGS(A_I64(o->entry_id), A_HASH(hash), A_TEXT(o->service_id),
                            A_TEXT(o->therapist_id), A_I64(o->start), A_I64(o->freed_by),
                            A_I64(o->created_at), A_I64(o->expires_at)),
                       id, e);
}

static const struct col offer_cols[] = {
    COL_I64(struct waitlist_offer, id),          COL_I64(struct waitlist_offer, entry_id),
    COL_TEXT(struct waitlist_offer, service_id), COL_TEXT(struct waitlist_offer, therapist_id),
    COL_I64(struct waitlist_offer, start),       COL_I64(struct waitlist_offer, freed_by),
    COL_TEXT(struct waitlist_offer, status),     COL_I64(struct waitlist_offer, created_at),
    COL_I64(struct waitlist_offer, expires_at),  COL_I64(struct waitlist_offer, appointment_id),
    COL_I64(struct waitlist_offer, location_id),
};

enum err_code db_waitlist_offer(struct db *db, struct arena *a,
                                const unsigned char hash[STORE_TOKEN_HASH],
                                struct waitlist_offer *o, struct waitlist_entry *en, struct err *e)
{
    enum err_code rc = rows_one(db, a, Q_WL_OFFER_BY_HASH, "read a waitlist offer",
                                ARGS(A_HASH(hash)), COLS(offer_cols), o, e);
    if (rc == E_NOTFOUND)
        return err_set(e, E_NOTFOUND, "no such waitlist offer");
    if (rc != E_OK)
        return rc;
    return entry_one(db, a, Q_WL_ENTRY_BY_ID, A_I64(o->entry_id), en, e);
}

enum err_code db_waitlist_offer_peers(struct db *db, int64_t offer_id, int64_t *n, struct err *e)
{
    return rows_i64_of(db, Q_WL_OFFER_PEERS, "count the offers of a time", ARGS(A_I64(offer_id)),
                       n, e);
}

enum err_code db_waitlist_claim(struct db *db, int64_t offer_id, int64_t appointment_id,
                                int64_t now, struct err *e)
{
    int64_t changed = 0;
    enum err_code rc =
        rows_exec(db, Q_WL_OFFER_CLAIM, "claim a waitlist offer",
                  ARGS(A_I64(offer_id), A_I64(appointment_id), A_I64(now)), &changed, e);
    if (rc == E_OK && changed == 0)
        return err_set(e, E_CONFLICT, "This offer is no longer open.");
    if (rc == E_OK)
        rc = rows_exec(db, Q_WL_ENTRY_BOOKED, "close the waitlist entry",
                       ARGS(A_I64(offer_id), A_I64(now)), &changed, e);
    if (rc == E_OK && changed == 0)
        return err_set(e, E_CONFLICT, "This waitlist entry is closed already.");
    if (rc == E_OK)
        rc = rows_exec(db, Q_WL_OFFERS_TAKEN, "close the other offers of the time",
                       ARGS(A_I64(offer_id)), NULL, e);
    return rc;
}
