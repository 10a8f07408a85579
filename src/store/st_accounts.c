/* st_accounts — accounts, sessions and failed sign-ins in the store.
 * Written once for every driver: named queries through rows.h.  Password
 * hashes and session-token hashes pass through; nothing here checks them. */
#include <string.h>
#include "store/rows.h"

static const struct col user_cols[] = {
    COL_I64(struct user, id),    COL_TEXT(struct user, email),        COL_TEXT(struct user, name),
    COL_TEXT(struct user, role), COL_TEXT(struct user, therapist_id), COL_INT(struct user, active),
};
#define USER_NCOLS 6 /* the queries' columns after the user's */

enum err_code db_add_user(struct db *db, const struct user *u, const char *password_hash,
                          int64_t now, int64_t *id, struct err *e)
{
    enum err_code rc =
        rows_insert(db, Q_ADD_USER, "save account",
                    ARGS(A_TEXT(u->email), A_TEXT(u->name), A_TEXT(u->role), A_TEXT(password_hash),
                         A_TEXT(u->therapist_id), A_I64(u->active), A_I64(now)),
                    id, e);
    if (rc == E_CONFLICT) /* users.email (store.c); say which address */
        return err_set(e, E_CONFLICT, "an account with the email %s already exists", u->email);
    return rc;
}

enum err_code db_user_by_email(struct db *db, struct arena *a, const char *email, struct user *out,
                               const char **password_hash, struct err *e)
{
    struct rows r;
    enum err_code rc = rows_open(&r, db, Q_USER_BY_EMAIL, "read account", ARGS(A_TEXT(email)), e);
    if (rc != E_OK)
        return rc;
    switch (rows_next(&r, e)) {
    case 1:
        rows_read(&r, a, 0, COLS(user_cols), out);
        *password_hash = rows_text(&r, a, USER_NCOLS);
        rows_close(&r);
        return E_OK;
    case 0:
        return err_set(e, E_NOTFOUND, "no such account");
    default:
        return rows_code(e);
    }
}

enum err_code db_users(struct db *db, struct arena *a, struct user **out, size_t *n, struct err *e)
{
    return rows_list(db, a, Q_USERS, "list accounts", NOARGS, COLS(user_cols), sizeof **out,
                     (void **)out, n, e);
}

enum err_code db_user(struct db *db, struct arena *a, int64_t id, struct user *out, struct err *e)
{
    enum err_code rc =
        rows_one(db, a, Q_USER, "read account", ARGS(A_I64(id)), COLS(user_cols), out, e);
    if (rc == E_NOTFOUND)
        return err_set(e, E_NOTFOUND, "there is no such account");
    return rc;
}

enum err_code db_update_user(struct db *db, const struct user *u, struct err *e)
{
    int64_t changed = 0;
    enum err_code rc = rows_exec(db, Q_UPDATE_USER, "save account",
                                 ARGS(A_I64(u->id), A_TEXT(u->email), A_TEXT(u->name),
                                      A_TEXT(u->role), A_TEXT(u->therapist_id)),
                                 &changed, e);
    if (rc == E_CONFLICT) /* users.email (store.c); say which address */
        return err_set(e, E_CONFLICT, "an account with the email %s already exists", u->email);
    if (rc == E_OK && changed == 0)
        return err_set(e, E_NOTFOUND, "there is no such account");
    return rc;
}

enum err_code db_set_user_active(struct db *db, int64_t id, int active, struct err *e)
{
    int64_t changed = 0;
    enum err_code rc = rows_exec(db, Q_SET_USER_ACTIVE, "save account",
                                 ARGS(A_I64(id), A_I64(active ? 1 : 0)), &changed, e);
    if (rc == E_OK && changed == 0)
        return err_set(e, E_NOTFOUND, "there is no such account");
    return rc;
}

enum err_code db_set_password(struct db *db, int64_t user_id, const char *password_hash,
                              struct err *e)
{
    return rows_exec(db, Q_SET_PASSWORD, "save password",
                     ARGS(A_I64(user_id), A_TEXT(password_hash)), NULL, e);
}

/* ---- sessions ---- */

enum err_code db_add_session(struct db *db, const unsigned char hash[STORE_TOKEN_HASH],
                             int64_t user_id, int64_t now, struct err *e)
{
    return rows_exec(db, Q_ADD_SESSION, "save session",
                     ARGS(A_HASH(hash), A_I64(user_id), A_I64(now)), NULL, e);
}

enum err_code db_session(struct db *db, struct arena *a, const unsigned char hash[STORE_TOKEN_HASH],
                         struct user *out, int64_t *created, int64_t *seen, struct err *e)
{
    struct rows r;
    enum err_code rc = rows_open(&r, db, Q_SESSION, "read session", ARGS(A_HASH(hash)), e);
    if (rc != E_OK)
        return rc;
    switch (rows_next(&r, e)) {
    case 1:
        rows_read(&r, a, 0, COLS(user_cols), out);
        *created = rows_i64(&r, USER_NCOLS);
        *seen = rows_i64(&r, USER_NCOLS + 1);
        rows_close(&r);
        return E_OK;
    case 0:
        return err_set(e, E_NOTFOUND, "no such session");
    default:
        return rows_code(e);
    }
}

enum err_code db_touch_session(struct db *db, const unsigned char hash[STORE_TOKEN_HASH],
                               int64_t now, struct err *e)
{
    return rows_exec(db, Q_TOUCH_SESSION, "save session", ARGS(A_HASH(hash), A_I64(now)), NULL, e);
}

enum err_code db_delete_session(struct db *db, const unsigned char hash[STORE_TOKEN_HASH],
                                struct err *e)
{
    return rows_exec(db, Q_DEL_SESSION, "save session", ARGS(A_HASH(hash)), NULL, e);
}

enum err_code db_delete_user_sessions(struct db *db, int64_t user_id, const unsigned char *keep,
                                      struct err *e)
{
    return rows_exec(db, Q_DEL_USER_SESSIONS, "end sessions",
                     ARGS(A_I64(user_id), keep ? A_HASH(keep) : A_NULL), NULL, e);
}

/* ---- failed sign-ins ---- */

enum err_code db_add_login_failure(struct db *db, const char *email, const char *address,
                                   int64_t now, struct err *e)
{
    return rows_exec(db, Q_ADD_LOGIN_FAILURE, "record failed login",
                     ARGS(A_TEXT(email), A_TEXT(address), A_I64(now)), NULL, e);
}

/* A count of rows since an instant, with the oldest or newest instant (0
 * when none): the shape of the failure and throttle queries. */
struct since {
    int count;
    int64_t at;
};
static const struct col since_cols[] = {
    COL_INT(struct since, count),
    COL_I64(struct since, at),
};

/* Runs q, "count(*), min-or-max(at) WHERE key = ?1 AND at > ?2 [AND key2 = ?3]"
 * (key2 NULL when it has no ?3). */
static enum err_code count_since(struct db *db, enum q_id q, const char *what, const char *key,
                                 const char *key2, int64_t since, int *count, int64_t *at,
                                 struct err *e)
{
    struct since s = {0, 0};
    enum err_code rc =
        key2 ? rows_one(db, NULL, q, what, ARGS(A_TEXT(key), A_I64(since), A_TEXT(key2)),
                        COLS(since_cols), &s, e)
             : rows_one(db, NULL, q, what, ARGS(A_TEXT(key), A_I64(since)), COLS(since_cols), &s,
                        e);
    *count = s.count;
    *at = s.at;
    return rc;
}

enum err_code db_login_failures(struct db *db, const char *email, const char *address,
                                int64_t since, int *by_pair, int64_t *newest_pair, int *by_address,
                                int64_t *newest_address, struct err *e)
{
    enum err_code rc = count_since(db, Q_LOGIN_FAILURES_PAIR, "count failed logins", address,
                                   email, since, by_pair, newest_pair, e);
    if (rc == E_OK)
        rc = count_since(db, Q_LOGIN_FAILURES_ADDRESS, "count failed logins", address, NULL,
                         since, by_address, newest_address, e);
    return rc;
}

enum err_code db_clear_login_failures(struct db *db, const char *email, const char *address,
                                      struct err *e)
{
    return rows_exec(db, Q_CLEAR_LOGIN_FAILURES, "clear failed logins",
                     ARGS(A_TEXT(email), A_TEXT(address)), NULL, e);
}

/* ---- throttles of anonymous bookings and waitlist sign-ups ---- */

struct throttle_row {
    const char *key;
    int count;
    int64_t oldest;
};
static const struct col throttle_cols[] = {
    COL_TEXT(struct throttle_row, key),
    COL_INT(struct throttle_row, count),
    COL_I64(struct throttle_row, oldest),
};

enum err_code db_throttle_count(struct db *db, struct arena *a, const char *kind,
                                const char *const keys[2], int64_t since, int count[2],
                                int64_t oldest[2], struct err *e)
{
    struct throttle_row *rows;
    size_t n = 0;
    const char *k0 = keys[0] ? keys[0] : "", *k1 = keys[1] ? keys[1] : "";
    enum err_code rc = rows_list(db, a, Q_THROTTLE_COUNT, "count throttle hits",
                                 ARGS(A_TEXT(k0), A_I64(since), A_TEXT(kind), A_TEXT(k1)),
                                 COLS(throttle_cols), sizeof *rows, (void **)&rows, &n, e);
    for (size_t k = 0; k < 2; k++)
        count[k] = 0, oldest[k] = 0;
    if (rc != E_OK)
        return rc;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < 2; k++)
            if (keys[k] && *keys[k] && strcmp(rows[i].key, keys[k]) == 0) {
                count[k] = rows[i].count;
                oldest[k] = rows[i].oldest;
            }
    return E_OK;
}

enum err_code db_throttle_add(struct db *db, const char *kind, const char *const keys[2],
                              int64_t now, struct err *e)
{
    return rows_exec(db, Q_THROTTLE_ADD, "record a throttle hit",
                     ARGS(A_TEXT(kind), A_TEXT(keys[0] ? keys[0] : ""), A_I64(now),
                          A_TEXT(keys[1] ? keys[1] : "")),
                     NULL, e);
}
