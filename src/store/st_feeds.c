/* st_feeds — calendar subscription feeds in the store.  Written once for
 * every driver: named queries through rows.h.  A feed's appointments carry
 * no contact details, notes or health information: the query does not read
 * them. */
#include "store/rows.h"

enum err_code db_feed_put(struct db *db, const char *therapist_id,
                          const unsigned char hash[STORE_TOKEN_HASH], int64_t user_id, int64_t now,
                          struct err *e)
{
    return rows_exec(db, Q_FEED_PUT, "save calendar feed",
                     ARGS(A_TEXT(therapist_id), A_HASH(hash), A_I64(user_id), A_I64(now)), NULL, e);
}

static const struct col feed_cols[] = {
    COL_TEXT(struct calendar_feed, therapist_id),
    COL_TEXT(struct calendar_feed, therapist_name),
    COL_TEXT(struct calendar_feed, created_by),
    COL_I64(struct calendar_feed, created_at),
};

static enum err_code one_feed(struct db *db, struct arena *a, enum q_id q, struct drv_arg key,
                              struct calendar_feed *out, struct err *e)
{
    enum err_code rc = rows_one(db, a, q, "read calendar feed", ARGS(key), COLS(feed_cols), out, e);
    if (rc == E_NOTFOUND)
        return err_set(e, E_NOTFOUND, "there is no such calendar feed");
    return rc;
}

enum err_code db_feed(struct db *db, struct arena *a, const char *therapist_id,
                      struct calendar_feed *out, struct err *e)
{
    return one_feed(db, a, Q_FEED, A_TEXT(therapist_id), out, e);
}

enum err_code db_feed_by_token(struct db *db, struct arena *a,
                               const unsigned char hash[STORE_TOKEN_HASH],
                               struct calendar_feed *out, struct err *e)
{
    return one_feed(db, a, Q_FEED_BY_TOKEN, A_HASH(hash), out, e);
}

static const struct col feed_appt_cols[] = {
    COL_I64(struct feed_appointment, id),
    COL_I64(struct feed_appointment, start),
    COL_I64(struct feed_appointment, end),
    COL_INT(struct feed_appointment, revision),
    COL_TEXT(struct feed_appointment, status),
    COL_TEXT(struct feed_appointment, therapist_id),
    COL_TEXT(struct feed_appointment, service_name),
    COL_TEXT(struct feed_appointment, therapist_name),
    COL_TEXT(struct feed_appointment, room_name),
    COL_TEXT(struct feed_appointment, client_name),
    COL_I64(struct feed_appointment, location_id),
    COL_TEXT(struct feed_appointment, location_name),
    COL_TEXT(struct feed_appointment, location_address),
};

enum err_code db_feed_appointments(struct db *db, struct arena *a, const char *therapist_id,
                                   int64_t t0, int64_t t1, struct feed_appointment **out, size_t *n,
                                   struct err *e)
{
    return rows_list(db, a, Q_FEED_APPTS, "list appointments for a calendar feed",
                     ARGS(A_TEXT(therapist_id), A_I64(t0), A_I64(t1)), COLS(feed_appt_cols),
                     sizeof **out, (void **)out, n, e);
}
