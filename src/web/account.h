/* account — signing in and out, sessions, passwords, and the authorisation
 * hook the dispatcher calls for every route that is not public. */
#ifndef KNEAD_WEB_ACCOUNT_H
#define KNEAD_WEB_ACCOUNT_H

#include "core/err.h"
#include "http/request.h"
#include "svc/booking.h"
#include "svc/token.h"

struct store;

/* srv_authorize_fn: resolves the session cookie and checks the route's roles. */
int account_authorize(struct req *r, unsigned roles);

void account_login_form(struct req *r);
void account_login(struct req *r);
void account_logout(struct req *r);
void account_password_form(struct req *r);
void account_password(struct req *r);

/* A new session for account user_id (signing in by other means than the
 * password, e.g. web/portal.c's link): writes a random token to token and
 * stores its hash on the request's connection, inside the caller's
 * transaction.  Send the cookie with account_set_session_cookie after the
 * commit.  Returns E_OK, or the store's error (nothing stored). */
enum err_code account_new_session(struct req *r, int64_t user_id, int64_t now,
                                  char token[TOKEN_LEN], struct err *e);
/* Adds the Set-Cookie header of the session token (after resp_start). */
void account_set_session_cookie(struct req *r, const char *token);

/* The server's password-hashing pool: call account_hash_begin before an
 * argon2id hash or verify in a request, and account_hash_end after it.
 * Returns 0, or -1 when every slot stayed taken: then a Retry-After header
 * is set and the caller answers 429 with account_busy_message().  Waits at
 * most HASH_WAIT_MS (1 s), and only while no more requests wait than there
 * are slots; every other one is answered at once. */
int account_hash_begin(struct req *r);
void account_hash_end(void);
const char *account_busy_message(void);

/* NULL when pw may be the new password of the account `email`: length and
 * shape (core/auth) and Debian's libpwquality (util/pwcheck); else a
 * sentence for a person.  For every way a password is set. */
const char *account_check_password(const char *pw, const char *email);

/* 0 if the environment's KNEAD_PWHASH is unset, or is "test" in a test build (then new
 * password hashes take libsodium's minimum cost); else -1 with a one-line reason in err.
 * Every command checks it first, so a production binary never runs with weak hashes. */
int account_pwhash_env_check(char *err, size_t errlen);
/* Hashes a password with argon2id into out (crypto_pwhash_STRBYTES).
 * Returns 0, or -1 when out of memory. */
int account_hash_password(const char *pw, char *out, size_t size);
/* account_hash_password in a request, inside a slot of the hashing pool
 * (account_hash_begin/end).  Returns 0 with out filled; else -1 with r
 * answered: 429 with account_busy_message() and Retry-After when every slot
 * stayed taken, 500 when hashing failed (out of memory).  For a page whose
 * 429 is its own form again, use account_hash_begin/end around
 * account_hash_password instead. */
int account_hash_new(struct req *r, const char *pw, char *out, size_t size);

/* Creates an account (for `knead user add` and the demo).  role: "admin",
 * "desk", "therapist", "client"; therapist_id may be NULL.  E_INVALID with a
 * message for a bad email, role or password; E_CONFLICT if the email exists. */
enum err_code account_create(struct store *s, const char *email, const char *name,
                             const char *role, const char *therapist_id, const char *password,
                             struct err *e);

#endif
