/* account — signing in and out, sessions, passwords, and the authorisation
 * hook the dispatcher calls for every route that is not public. */
#ifndef KNEAD_WEB_ACCOUNT_H
#define KNEAD_WEB_ACCOUNT_H

#include "core/err.h"
#include "http/request.h"

struct store;

/* srv_authorize_fn: resolves the session cookie and checks the route's roles. */
int account_authorize(struct req *r, unsigned roles);

void account_login_form(struct req *r);
void account_login(struct req *r);
void account_logout(struct req *r);
void account_password_form(struct req *r);
void account_password(struct req *r);

/* Hashes a password with argon2id into out (crypto_pwhash_STRBYTES).
 * Returns 0, or -1 when out of memory. */
int account_hash_password(const char *pw, char *out, size_t size);

/* Creates an account (for `knead user add` and the demo).  role: "admin",
 * "desk", "therapist", "client"; therapist_id may be NULL.  E_INVALID with a
 * message for a bad email, role or password; E_CONFLICT if the email exists. */
enum err_code account_create(struct store *s, const char *email, const char *name,
                             const char *role, const char *therapist_id, const char *password,
                             struct err *e);

#endif
