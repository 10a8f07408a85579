/* auth — pure rules of accounts: role names, who may use what, when a
 * session ends and when login attempts are refused. */
#include "core/auth.h"

#include <string.h>

#include "util/num.h"

static const struct {
    enum auth_role role;
    const char *name;
} roles[] = {
    {AUTH_ADMIN, "admin"},
    {AUTH_DESK, "desk"},
    {AUTH_THERAPIST, "therapist"},
    {AUTH_CLIENT, "client"},
};

enum auth_role auth_role_parse(const char *s)
{
    for (size_t i = 0; s && i < sizeof roles / sizeof roles[0]; i++)
        if (strcmp(s, roles[i].name) == 0)
            return roles[i].role;
    return AUTH_NONE;
}

const char *auth_role_name(enum auth_role r)
{
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (roles[i].role == r)
            return roles[i].name;
    return "";
}

int auth_allows(unsigned allowed, enum auth_role role)
{
    if (role == AUTH_NONE)
        return 0;
    if (role == AUTH_ADMIN && (allowed & AUTH_DESK))
        return 1;
    return (allowed & (unsigned)role) != 0;
}

int auth_session_valid(const struct auth_limits *l, int64_t created, int64_t seen, int64_t now)
{
    return now - seen < (int64_t)l->idle_minutes * 60 &&
           now - created < (int64_t)l->absolute_hours * 3600 && seen <= now + 300;
}

int64_t auth_retry_after(const struct auth_limits *l, int failures, int64_t oldest, int64_t now)
{
    int64_t until = oldest + (int64_t)l->window_minutes * 60;
    if (failures < l->max_failures || until <= now)
        return 0;
    return until - now;
}

int64_t auth_slowdown(const struct auth_limits *l, int failures, int threshold, int64_t newest,
                      int64_t now)
{
    int64_t cap = (int64_t)l->window_minutes * 60, delay = AUTH_SLOWDOWN_BASE;
    if (failures < threshold)
        return 0;
    for (int i = threshold; i < failures && delay < cap; i++)
        delay *= 2;
    if (delay > cap)
        delay = cap;
    return newest + delay > now ? newest + delay - now : 0;
}

/* 1 when s is one group over and over (of up to 4 characters, "aaaa",
 * "abab", or any group three times, "pass1pass1pass1"), or a run of
 * consecutive characters up or down ("1234567890", "zyxwvuts"). */
static int too_simple(const char *s, size_t n)
{
    for (size_t g = 1; g < n && (g <= 4 || g * 3 <= n); g++) {
        size_t i = g;
        while (i < n && s[i] == s[i - g])
            i++;
        if (i == n)
            return 1;
    }
    for (int step = -1; step <= 1; step += 2) {
        size_t i = 1;
        /* "1234567890": after 9 comes 0 on a keyboard */
        while (i < n && (s[i] == s[i - 1] + step || (step > 0 && s[i - 1] == '9' && s[i] == '0') ||
                         (step < 0 && s[i - 1] == '0' && s[i] == '9')))
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

const char *auth_check_password(const char *pw)
{
    size_t n = pw ? strlen(pw) : 0;
    if (n < 10)
        return "Choose a password of at least 10 characters.";
    if (n > 200)
        return "The password is too long (at most 200 characters).";
    if (too_simple(pw, n))
        return "This password is too easy to guess: it repeats one character or one short "
               "pattern. Choose another, for example three or four unrelated words.";
    return NULL;
}

int auth_next_ok(const char *next, size_t max)
{
    if (!next || next[0] != '/')
        return 0;
    size_t at = 0; /* the position in the decoded path */
    for (size_t i = 0; next[i]; i++, at++) {
        if (i >= max)
            return 0;
        int c = (unsigned char)next[i];
        if (c == '%' && num_hexdigit(next[i + 1]) >= 0 && num_hexdigit(next[i + 2]) >= 0) {
            c = num_hexdigit(next[i + 1]) * 16 + num_hexdigit(next[i + 2]);
            i += 2;
        }
        if (c < 0x20 || c == 0x7f || c == '\\')
            return 0;
        if (at == 1 && c == '/')
            return 0;
    }
    return 1;
}
