/* auth — roles, session lifetimes and login throttling: the rules, pure.
 * Hashing, cookies and the store are elsewhere (web/account.c). */
#ifndef KNEAD_CORE_AUTH_H
#define KNEAD_CORE_AUTH_H

#include <stddef.h>
#include <stdint.h>

enum auth_role {
    AUTH_NONE = 0,
    AUTH_CLIENT = 1 << 0,
    AUTH_THERAPIST = 1 << 1,
    AUTH_DESK = 1 << 2,
    AUTH_ADMIN = 1 << 3,
};

/* "admin", "desk", "therapist", "client" ↔ role; unknown → AUTH_NONE / "". */
enum auth_role auth_role_parse(const char *s);
const char *auth_role_name(enum auth_role r);

/* Whether a role may use a route whose rule allows the roles in `allowed`
 * (a mask of enum auth_role).  An admin may do what the front desk may. */
int auth_allows(unsigned allowed, enum auth_role role);

struct auth_limits {
    int idle_minutes;   /* a session unused this long ends */
    int absolute_hours; /* a session ends this long after sign-in, used or not */
    int max_failures;   /* failed logins per account or address ... */
    int window_minutes; /* ... within this window, before refusing (429) */
};

/* 1 while a session created at `created` and last used at `seen` is valid at now. */
int auth_session_valid(const struct auth_limits *l, int64_t created, int64_t seen, int64_t now);

/* Given the number of failures in the window and the oldest of them, returns
 * 0 when a login may be tried, else the seconds until it may. */
int64_t auth_retry_after(const struct auth_limits *l, int failures, int64_t oldest, int64_t now);

/* Sign-in slows down, it never locks: after `threshold` failures within
 * the window (counted per account and address, and per address), each
 * further try waits SLOWDOWN_BASE seconds doubled per failure beyond the
 * threshold, at most the window, counted from the newest failure.  Returns
 * 0 when a try may be made now, else the seconds until it may.  Pure. */
#define AUTH_SLOWDOWN_BASE 30
int64_t auth_slowdown(const struct auth_limits *l, int failures, int threshold, int64_t newest,
                      int64_t now);

/* NULL when a new password is acceptable by length and shape (not one
 * character or one group repeated, not a run like "1234567890" or
 * "abcdefghij"), else a message for a person.  Pure; the dictionary check
 * is util/pwcheck. */
const char *auth_check_password(const char *pw);

/* 1 if `next` may be followed after signing in: a path on this site.  It starts
 * with one "/" and not "//" or "/\" (another host to a browser), also when its
 * percent-escapes are decoded ("/%2F..." or "/%5C..."), and holds no control
 * character, raw or escaped: browsers drop a tab or line break inside a URL, so
 * "/\t/evil.example" would become "//evil.example".  Also refuses a backslash
 * anywhere (browsers read it as "/") and anything longer than max bytes. */
int auth_next_ok(const char *next, size_t max);

#endif
