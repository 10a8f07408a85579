/* account — sign-in with email and password (argon2id), server-side sessions
 * (the cookie holds a random token, the store only its hash), idle and
 * absolute expiry, login throttling, sign-out and password changes.  The
 * rules (expiry, throttling, roles) are in core/auth; this file does the I/O. */
#include "web/account.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "core/auth.h"
#include "core/booking.h"
#include "store/store.h"
#include "svc/booking.h"
#include "svc/token.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/pwcheck.h"
#include "web/page.h"

#define TOUCH_EVERY 60 /* seconds: a session's last-seen time is written at most this often */
/* Sign-in slows down after this many failures within the window: of one
 * account from one address (PAIR), or of any accounts from one address
 * (ADDRESS; higher, for a clinic's own office behind one address). */
#define PAIR_FAILURES 5
#define ADDRESS_FAILURES 20
#define HASH_RETRY_AFTER "2" /* seconds, when every hashing slot is taken */

static const char busy_msg[] =
    "The server is busy checking other passwords. Wait a few seconds and try again.";

static struct auth_limits limits(const struct req *r)
{
    struct auth_limits l = {r->app->cfg.session_idle_minutes, r->app->cfg.session_absolute_hours,
                            PAIR_FAILURES, 15};
    return l;
}

/* The hashing pool.  argon2id takes 64 MiB and tens of milliseconds per
 * password; at most one fewer than the cores, or than [server] threads when
 * set (at least one), hash at a time, so that a flood of sign-ins always
 * leaves threads for everyone else.  A few requests (hash_queue) may wait
 * for one, at most HASH_WAIT_MS (a hash takes tens of milliseconds: two
 * people signing in, or two admins adding accounts, at the same instant both
 * get through); past the slots and that short queue the answer is 429.  The
 * bound is generous: on a small machine that is busy (a backup, a report)
 * one hash can take over a second, and a person at the sign-in form would
 * rather wait than be told to try again; the queue is no longer than the
 * slots, so a flood still gets its 429 at once. */
#define HASH_WAIT_MS 5000
static pthread_mutex_t hash_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hash_cv; /* on CLOCK_MONOTONIC, made once by hash_cv_init */
static pthread_once_t hash_cv_once = PTHREAD_ONCE_INIT;
static int hash_inflight, hash_waiting;

static void hash_cv_init(void)
{
    if (clock_cond_init(&hash_cv) != 0) {
        log_error("account: the hashing pool's condition variable cannot be made");
        abort();
    }
}

static int hash_slots(const struct req *r)
{
    long n = r->app->cfg.threads;
    if (n <= 0)
        n = sysconf(_SC_NPROCESSORS_ONLN); /* argon2id is CPU work: the cores */
    if (n <= 0 || n >= 64)
        n = 2;
    return n > 1 ? (int)n - 1 : 1;
}

/* How many may wait for a slot: as many as there are slots with the default
 * pool (four threads a core, at least 8, against one slot fewer than the
 * cores), and with [server] threads set only while one thread stays free for
 * everyone else. */
static int hash_queue(const struct req *r, int slots)
{
    long t = r->app->cfg.threads;
    if (t <= 0)
        return slots;
    long q = t - slots - 1;
    return q < 0 ? 0 : q > slots ? slots : (int)q;
}

int account_hash_begin(struct req *r)
{
    int slots = hash_slots(r), queue = hash_queue(r, slots), ok = 0;
    pthread_once(&hash_cv_once, hash_cv_init);
    pthread_mutex_lock(&hash_mu);
    if (hash_inflight < slots) {
        ok = 1;
    } else if (hash_waiting < queue) {
        struct timespec until = clock_deadline_ms(HASH_WAIT_MS);
        hash_waiting++;
        while (hash_inflight >= slots)
            if (pthread_cond_timedwait(&hash_cv, &hash_mu, &until) == ETIMEDOUT)
                break;
        hash_waiting--;
        ok = hash_inflight < slots;
    }
    if (ok)
        hash_inflight++;
    pthread_mutex_unlock(&hash_mu);
    if (!ok) {
        resp_header(r, "Retry-After", HASH_RETRY_AFTER);
        return -1;
    }
    return 0;
}

void account_hash_end(void)
{
    pthread_mutex_lock(&hash_mu);
    hash_inflight--;
    pthread_cond_signal(&hash_cv);
    pthread_mutex_unlock(&hash_mu);
}

const char *account_busy_message(void)
{
    return busy_msg;
}

const char *account_check_password(const char *pw, const char *email)
{
    const char *why = auth_check_password(pw);
    return why ? why : pwcheck(pw, email);
}

/* The cost of every new hash: libsodium's interactive limits (64 MiB, two passes).  A
 * build made for tests (KNEAD_TEST_BUILD: meson's debug build type, which `make test`
 * uses) takes the library's minimum when KNEAD_PWHASH=test, so that the suites' demo
 * seeds and hundreds of sign-ins do not spend minutes hashing; every other build
 * refuses to start with the variable set (account_pwhash_env_check).  A hash records
 * its own cost, so verifying never depends on this. */
static void pw_cost(unsigned long long *ops, size_t *mem)
{
    *ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
    *mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
#ifdef KNEAD_TEST_BUILD
    const char *v = getenv("KNEAD_PWHASH");
    if (v && strcmp(v, "test") == 0) {
        *ops = crypto_pwhash_OPSLIMIT_MIN;
        *mem = crypto_pwhash_MEMLIMIT_MIN;
    }
#endif
}

int account_pwhash_env_check(char *err, size_t errlen)
{
    const char *v = getenv("KNEAD_PWHASH");
    if (!v || !*v)
        return 0;
#ifdef KNEAD_TEST_BUILD
    if (strcmp(v, "test") == 0)
        return 0;
    snprintf(err, errlen, "KNEAD_PWHASH=%.20s: the only value is 'test' (or leave it unset)", v);
#else
    snprintf(err, errlen, "KNEAD_PWHASH is for test builds only; unset it to run this build");
#endif
    return -1;
}

int account_hash_password(const char *pw, char *out, size_t size)
{
    unsigned long long ops;
    size_t mem;
    if (size < crypto_pwhash_STRBYTES)
        return -1;
    pw_cost(&ops, &mem);
    return crypto_pwhash_str(out, pw, strlen(pw), ops, mem);
}

int account_hash_new(struct req *r, const char *pw, char *out, size_t size)
{
    struct err e = {0};
    if (account_hash_begin(r) < 0) {
        web_error(r, 429, NULL, busy_msg);
        return -1;
    }
    int hashed = account_hash_password(pw, out, size);
    account_hash_end();
    if (hashed < 0) {
        err_set(&e, E_INTERNAL, "could not hash the password");
        web_fail(r, &e);
        return -1;
    }
    return 0;
}

enum err_code account_create(struct store *s, const char *email, const char *name,
                             const char *role, const char *therapist_id, const char *password,
                             struct err *e)
{
    char hash[crypto_pwhash_STRBYTES];
    const char *why;
    enum err_code rc;

    if ((why = booking_check_email(email)) || (why = booking_check_name(name)) ||
        (why = account_check_password(password, email)))
        return err_set(e, E_INVALID, "%s", why);
    if (auth_role_parse(role) == AUTH_NONE)
        return err_set(e, E_INVALID, "the role must be admin, desk, therapist or client");
    if (account_hash_password(password, hash, sizeof hash) < 0)
        return err_set(e, E_INTERNAL, "could not hash the password (out of memory?)");
    struct user u = {0, email, name, role, therapist_id ? therapist_id : "", 1};
    struct db *db = db_acquire(s);
    int tries = 0;
    do {
        if ((rc = db_begin(db, e)) == E_OK &&
            (rc = db_add_user(db, &u, hash, clock_now(), NULL, e)) == E_OK)
            rc = db_commit(db, e);
        db_rollback(db);
    } while (db_retry(db, &rc, &tries, e)); /* a lost race runs again (store.h) */
    db_release(db);
    return rc;
}

static void session_hash(const char *token, unsigned char hash[STORE_TOKEN_HASH])
{
    token_hash(token, hash);
}

static const char *cookie_attrs(const struct req *r)
{
    return req_cookie_attrs(r);
}

static const char *session_cookie(struct req *r)
{
    return req_cookie_name(r, REQ_SESSION_COOKIE);
}

int account_authorize(struct req *r, unsigned roles)
{
    struct err e = {0};
    unsigned char hash[STORE_TOKEN_HASH];
    int64_t created, seen, now = clock_now();
    struct auth_limits l = limits(r);
    const char *token = kv_get(&r->cookies, session_cookie(r));
    struct db *db;

    if (!r->user && token && strlen(token) == TOKEN_LEN - 1) {
        struct user *u = arena_alloc(r->arena, sizeof *u);
        db = web_db(r);
        session_hash(token, hash);
        if (db_session(db, r->arena, hash, u, &created, &seen, &e) == E_OK) {
            if (auth_session_valid(&l, created, seen, now)) {
                r->user = u;
                r->role = auth_role_parse(u->role);
                if (now - seen >= TOUCH_EVERY && (db_begin_nowait(db, &e) != E_OK ||
                                                  db_touch_session(db, hash, now, &e) != E_OK ||
                                                  db_commit(db, &e) != E_OK))
                    db_rollback(db); /* a missed touch only shortens the session */
            } else if (db_begin(db, &e) != E_OK || db_delete_session(db, hash, &e) != E_OK ||
                       db_commit(db, &e) != E_OK) {
                db_rollback(db);
            }
        }
    }
    if (!r->user)
        return 401;
    return auth_allows(roles, (enum auth_role)r->role) ? 0 : 403;
}

/* Where to go after signing in: a path on this site only (core/auth). */
static const char *safe_next(const char *next)
{
    return auth_next_ok(next, REQ_MAX_URI) ? next : NULL;
}

/* The seconds until `email` may try a password again from this address
 * (0: now).  See auth_slowdown: failures slow the next try, never lock. */
static enum err_code signin_wait(struct req *r, const char *email, int64_t now, int64_t *wait,
                                 struct err *e)
{
    struct auth_limits l = limits(r);
    int64_t newest_pair = 0, newest_addr = 0;
    int by_pair = 0, by_addr = 0;
    enum err_code rc = db_login_failures(web_db(r), email, req_address(r),
                                         now - (int64_t)l.window_minutes * 60, &by_pair,
                                         &newest_pair, &by_addr, &newest_addr, e);
    if (rc != E_OK)
        return rc;
    int64_t w = auth_slowdown(&l, by_pair, PAIR_FAILURES, newest_pair, now);
    int64_t wa = auth_slowdown(&l, by_addr, ADDRESS_FAILURES, newest_addr, now);
    *wait = wa > w ? wa : w;
    return E_OK;
}

/* The 429 sentence, and its Retry-After header. */
static const char *slow_down_msg(struct req *r, int64_t wait)
{
    resp_header(r, "Retry-After", arena_printf(r->arena, "%lld", (long long)wait));
    if (wait < 60)
        return arena_printf(r->arena,
                            "Too many wrong passwords. Wait %lld second%s and try again, or ask "
                            "the clinic to reset your password.",
                            (long long)wait, wait == 1 ? "" : "s");
    return arena_printf(r->arena,
                        "Too many wrong passwords. Wait %lld minute%s and try again, or ask the "
                        "clinic to reset your password.",
                        (long long)(wait + 59) / 60, (wait + 59) / 60 == 1 ? "" : "s");
}

/* Records a wrong password for email from this address.  The log line
 * names neither the e-mail typed nor the password: only where it came from. */
static void record_failure(struct req *r, const char *email, int64_t now)
{
    struct err e = {0};
    struct db *db = web_db(r);
    int tries = 0;
again: /* a lost race runs again (store.h) */
    if ((db_begin(db, &e) != E_OK ||
         db_add_login_failure(db, email, req_address(r), now, &e) != E_OK ||
         db_commit(db, &e) != E_OK) &&
        db_again(db, &tries, &e))
        goto again;
    log_warn("failed sign-in from %s", req_address(r));
}

static void login_page(struct req *r, int status, const char *email, const char *error)
{
    json_t *ctx = page_context(r, "Sign in", "Sign in to the clinic's back office.", NULL);
    const char *next = safe_next(kv_get(&r->form, "next"));
    if (!next)
        next = safe_next(kv_get(&r->query, "next"));
    json_object_set_new(ctx, "email", json_string(email ? email : ""));
    json_object_set_new(ctx, "next", json_string(next ? next : ""));
    json_object_set_new(ctx, "csrf", json_string(web_csrf(r)));
    if (error)
        json_object_set_new(ctx, "error", json_string(error));
    page_render(r, status, "login", ctx);
    resp_header(r, "Cache-Control", "no-store");
}

void account_login_form(struct req *r)
{
    login_page(r, 200, NULL, NULL);
}

static pthread_once_t decoy_once = PTHREAD_ONCE_INIT;
static char decoy[crypto_pwhash_STRBYTES];

static void make_decoy(void)
{
    unsigned char pw[16];
    randombytes_buf(pw, sizeof pw);
    unsigned long long ops;
    size_t mem;
    pw_cost(&ops, &mem); /* the decoy costs what a real account's hash costs */
    if (crypto_pwhash_str(decoy, (const char *)pw, sizeof pw, ops, mem) != 0)
        decoy[0] = '\0';
}

static const char *home_for(const struct user *u)
{
    return strcmp(u->role, "client") == 0 ? "/portal" : "/staff";
}

void account_login(struct req *r)
{
    struct err e = {0};
    struct user u;
    const char *hash = NULL;
    const char *email = kv_get(&r->form, "email"), *pw = kv_get(&r->form, "password");
    const char *addr = req_address(r);
    int64_t now = clock_now(), wait;
    struct db *db = web_db(r);
    static const char wrong[] = "The email or password is not right. Check both and try again.";

    if (!email || !*email || !pw || !*pw) {
        login_page(r, 422, email, "Enter your email and your password.");
        return;
    }
    if (signin_wait(r, email, now, &wait, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    if (wait > 0) {
        login_page(r, 429, email, slow_down_msg(r, wait));
        return;
    }
    enum err_code rc = db_user_by_email(db, r->arena, email, &u, &hash, &e);
    if (rc != E_OK && rc != E_NOTFOUND) {
        web_fail(r, &e);
        return;
    }
    /* Verify against a real hash even for an unknown email, so the answer
     * takes as long and reads the same either way. */
    pthread_once(&decoy_once, make_decoy);
    if (account_hash_begin(r) < 0) {
        login_page(r, 429, email, busy_msg);
        return;
    }
    int ok = crypto_pwhash_str_verify(rc == E_OK ? hash : decoy, pw, strlen(pw)) == 0 &&
             rc == E_OK;
    account_hash_end();
    if (!ok) {
        record_failure(r, email, now);
        login_page(r, 401, email, wrong);
        return;
    }
    unsigned char th[STORE_TOKEN_HASH];
    char token[TOKEN_LEN];
    token_new(token, th);
    int tries = 0;
again: /* a lost race runs again (store.h) */
    if (db_begin(db, &e) != E_OK || db_clear_login_failures(db, email, addr, &e) != E_OK ||
        db_add_session(db, th, u.id, now, &e) != E_OK || db_commit(db, &e) != E_OK) {
        if (db_again(db, &tries, &e))
            goto again;
        db_rollback(db);
        web_fail(r, &e);
        return;
    }
    const char *next = safe_next(kv_get(&r->form, "next"));
    resp_start(r, 303, "text/plain; charset=utf-8");
    resp_header(r, "Set-Cookie",
                arena_printf(r->arena, "%s=%s%s", session_cookie(r), token, cookie_attrs(r)));
    resp_header(r, "Location", next ? next : home_for(&u));
    resp_header(r, "Cache-Control", "no-store");
    sb_adds(&r->resp.body, "Signed in.\n");
}

enum err_code account_new_session(struct req *r, int64_t user_id, int64_t now,
                                  char token[TOKEN_LEN], struct err *e)
{
    unsigned char th[STORE_TOKEN_HASH];
    token_new(token, th);
    return db_add_session(web_db(r), th, user_id, now, e);
}

void account_set_session_cookie(struct req *r, const char *token)
{
    resp_header(r, "Set-Cookie",
                arena_printf(r->arena, "%s=%s%s", session_cookie(r), token, cookie_attrs(r)));
}

void account_logout(struct req *r)
{
    struct err e = {0};
    unsigned char hash[STORE_TOKEN_HASH];
    const char *token = kv_get(&r->cookies, session_cookie(r));
    struct db *db = web_db(r);
    if (token) {
        session_hash(token, hash);
        int tries = 0;
again: /* a lost race runs again (store.h) */
        if (db_begin(db, &e) != E_OK || db_delete_session(db, hash, &e) != E_OK ||
            db_commit(db, &e) != E_OK) {
            if (db_again(db, &tries, &e))
                goto again;
            db_rollback(db);
            web_fail(r, &e);
            return;
        }
    }
    resp_start(r, 303, "text/plain; charset=utf-8");
    resp_header(r, "Set-Cookie",
                arena_printf(r->arena, "%s=; Max-Age=0%s", session_cookie(r), cookie_attrs(r)));
    resp_header(r, "Location", "/");
    sb_adds(&r->resp.body, "Signed out.\n");
}

/* has_pw 0: an account made by a portal sign-in link, without a password
 * yet; it sets one without a current password (the session proves it). */
static void password_page(struct req *r, int status, const char *error, int done, int has_pw)
{
    json_t *ctx = page_context(r, has_pw ? "Change your password" : "Set a password", NULL, NULL);
    json_object_set_new(ctx, "has_password", json_boolean(has_pw));
    json_object_set_new(ctx, "is_client", json_boolean(strcmp(r->user->role, "client") == 0));
    json_object_set_new(ctx, "csrf", json_string(web_csrf(r)));
    json_object_set_new(ctx, "user", json_pack("{s:s, s:s}", "name", r->user->name, "email",
                                               r->user->email));
    if (error)
        json_object_set_new(ctx, "error", json_string(error));
    if (done)
        json_object_set_new(ctx, "done", json_true());
    page_render(r, status, "password", ctx);
    resp_header(r, "Cache-Control", "no-store");
}

void account_password_form(struct req *r)
{
    struct err e = {0};
    struct user u;
    const char *hash = NULL;
    if (db_user_by_email(web_db(r), r->arena, r->user->email, &u, &hash, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    password_page(r, 200, NULL, kv_get(&r->query, "changed") != NULL, *hash != '\0');
}

void account_password(struct req *r)
{
    struct err e = {0};
    struct user u;
    const char *hash = NULL, *why;
    const char *cur = kv_get(&r->form, "current"), *pw = kv_get(&r->form, "password"),
               *again = kv_get(&r->form, "confirm");
    char fresh[crypto_pwhash_STRBYTES];
    unsigned char keep[STORE_TOKEN_HASH];
    struct db *db = web_db(r);

    if (db_user_by_email(db, r->arena, r->user->email, &u, &hash, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    int has_pw = *hash != '\0';
    int64_t now = clock_now(), wait;
    /* Throttled as sign-in is, on the same record: a stolen session must
     * not become a way to guess the password. */
    if (has_pw && signin_wait(r, u.email, now, &wait, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    if (has_pw && wait > 0) {
        password_page(r, 429, slow_down_msg(r, wait), 0, has_pw);
        return;
    }
    if (account_hash_begin(r) < 0) {
        password_page(r, 429, busy_msg, 0, has_pw);
        return;
    }
    int cur_ok = !has_pw || (cur && crypto_pwhash_str_verify(hash, cur, strlen(cur)) == 0);
    account_hash_end();
    if (!cur_ok) {
        record_failure(r, u.email, now);
        password_page(r, 422, "Your current password is not right.", 0, has_pw);
        return;
    }
    if ((why = account_check_password(pw, u.email))) {
        password_page(r, 422, why, 0, has_pw);
        return;
    }
    if (!again || strcmp(pw, again) != 0) {
        password_page(r, 422, "The new password and its confirmation differ.", 0, has_pw);
        return;
    }
    if (account_hash_begin(r) < 0) {
        password_page(r, 429, busy_msg, 0, has_pw);
        return;
    }
    int hashed = account_hash_password(pw, fresh, sizeof fresh);
    account_hash_end();
    if (hashed < 0) {
        err_set(&e, E_INTERNAL, "could not hash the password");
        web_fail(r, &e);
        return;
    }
    /* Every other session of the account ends: a stolen one stops working. */
    session_hash(kv_get(&r->cookies, session_cookie(r)), keep);
    int tries = 0;
again: /* a lost race runs again (store.h) */
    if (db_begin(db, &e) != E_OK || db_set_password(db, u.id, fresh, &e) != E_OK ||
        db_delete_user_sessions(db, u.id, keep, &e) != E_OK || db_commit(db, &e) != E_OK) {
        if (db_again(db, &tries, &e))
            goto again;
        db_rollback(db);
        web_fail(r, &e);
        return;
    }
    resp_start(r, 303, "text/plain; charset=utf-8");
    resp_header(r, "Location", "/account/password?changed=1");
    sb_adds(&r->resp.body, "Password changed.\n");
}
