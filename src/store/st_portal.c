/* st_portal — the client portal in the store: one-time sign-in links and
 * their requests (for throttling), proving an address, and a client's own
 * bookings and manage links.  Written once for every driver: named queries
 * through rows.h. */
#include "store/st.h"

enum err_code db_signin_request(struct db *db, const char *email, const char *address, int64_t now,
                                struct err *e)
{
    return rows_exec(db, Q_SIGNIN_REQUEST, "record the sign-in link request",
                     ARGS(A_TEXT(email), A_TEXT(address), A_I64(now)), NULL, e);
}

struct since {
    int count;
    int64_t oldest;
};
static const struct col since_cols[] = {
    COL_INT(struct since, count),
    COL_I64(struct since, oldest),
};

static enum err_code count_since(struct db *db, enum q_id q, const char *key, int64_t since,
                                 int *count, int64_t *oldest, struct err *e)
{
    struct since s = {0, 0};
    enum err_code rc = rows_one(db, NULL, q, "count sign-in link requests",
                                ARGS(A_TEXT(key), A_I64(since)), COLS(since_cols), &s, e);
    *count = s.count;
    *oldest = s.oldest;
    return rc;
}

enum err_code db_signin_requests(struct db *db, const char *email, const char *address,
                                 int64_t since, int *by_email, int64_t *oldest_email,
                                 int *by_address, int64_t *oldest_address, struct err *e)
{
    enum err_code rc =
        count_since(db, Q_SIGNIN_REQUESTS_EMAIL, email, since, by_email, oldest_email, e);
    if (rc == E_OK)
        rc = count_since(db, Q_SIGNIN_REQUESTS_ADDRESS, address, since, by_address, oldest_address,
                         e);
    return rc;
}

static const struct col who_cols[] = {
    COL_I64(struct signin_who, user_id),
    COL_TEXT(struct signin_who, role),
    COL_INT(struct signin_who, active),
    COL_TEXT(struct signin_who, name),
};

enum err_code db_signin_who(struct db *db, struct arena *a, const char *email,
                            struct signin_who *out, struct err *e)
{
    /* one row always: unknown is a result */
    return rows_one(db, a, Q_SIGNIN_WHO, "look up the e-mail address", ARGS(A_TEXT(email)),
                    COLS(who_cols), out, e);
}

enum err_code db_signin_prune(struct db *db, int64_t before, struct err *e)
{
    enum err_code rc = rows_exec(db, Q_SIGNIN_PRUNE_REQUESTS, "forget old sign-in link requests",
                                 ARGS(A_I64(before)), NULL, e);
    if (rc == E_OK)
        rc = rows_exec(db, Q_SIGNIN_PRUNE_LINKS, "forget expired sign-in links",
                       ARGS(A_I64(before)), NULL, e);
    return rc;
}

enum err_code db_signin_add(struct db *db, const unsigned char hash[STORE_TOKEN_HASH],
                            const char *email, int64_t now, int64_t expires_at, struct err *e)
{
    return rows_exec(db, Q_SIGNIN_ADD, "save the sign-in link",
                     ARGS(A_HASH(hash), A_TEXT(email), A_I64(now), A_I64(expires_at)), NULL, e);
}

static const struct col link_cols[] = {
    COL_TEXT(struct signin_link, email),
    COL_I64(struct signin_link, created_at),
    COL_I64(struct signin_link, expires_at),
    COL_I64(struct signin_link, used_at),
};

enum err_code db_signin_get(struct db *db, struct arena *a,
                            const unsigned char hash[STORE_TOKEN_HASH], struct signin_link *out,
                            struct err *e)
{
    enum err_code rc = rows_one(db, a, Q_SIGNIN_GET, "read the sign-in link", ARGS(A_HASH(hash)),
                                COLS(link_cols), out, e);
    if (rc == E_NOTFOUND)
        return err_set(e, E_NOTFOUND, "no such sign-in link");
    return rc;
}

enum err_code db_signin_use(struct db *db, const unsigned char hash[STORE_TOKEN_HASH], int64_t now,
                            struct err *e)
{
    int64_t changed = 0;
    enum err_code rc = rows_exec(db, Q_SIGNIN_USE, "use the sign-in link",
                                 ARGS(A_HASH(hash), A_I64(now)), &changed, e);
    if (rc == E_OK && changed != 1)
        return err_set(e, E_CONFLICT, "this sign-in link was used already or has expired");
    return rc;
}

enum err_code db_portal_link_clients(struct db *db, int64_t user_id, const char *email, int64_t now,
                                     int *linked, struct err *e)
{
    int64_t changed = 0;
    enum err_code rc = rows_exec(db, Q_PORTAL_PROVE, "record the proven address",
                                 ARGS(A_I64(user_id), A_I64(now)), NULL, e);
    if (rc == E_OK)
        rc = rows_exec(db, Q_PORTAL_LINK, "link the client's bookings",
                       ARGS(A_I64(user_id), A_TEXT(email)), &changed, e);
    if (rc == E_OK && linked)
        *linked = (int)changed;
    return rc;
}

enum err_code db_portal_appointments(struct db *db, struct arena *a, int64_t user_id,
                                     struct appointment **out, size_t *n, struct err *e)
{
    return rows_list(db, a, Q_PORTAL_APPTS, "list the client's appointments", ARGS(A_I64(user_id)),
                     APPOINTMENT_COLS, sizeof **out, (void **)out, n, e);
}

enum err_code db_portal_owns_client(struct db *db, int64_t user_id, int64_t client_id, int *yes,
                                    struct err *e)
{
    int64_t v = 0;
    enum err_code rc = rows_i64_of(db, Q_PORTAL_OWNS, "read the client's owner",
                                   ARGS(A_I64(user_id), A_I64(client_id)), &v, e);
    *yes = rc == E_OK && v;
    return rc;
}

enum err_code db_portal_manage_link(struct db *db, int64_t appointment_id, int64_t user_id,
                                    const unsigned char hash[STORE_TOKEN_HASH], int64_t now,
                                    struct err *e)
{
    return rows_exec(db, Q_PORTAL_MANAGE_LINK, "save the manage link",
                     ARGS(A_I64(appointment_id), A_HASH(hash), A_I64(user_id), A_I64(now)), NULL,
                     e);
}
