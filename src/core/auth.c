/* auth — pure rules of accounts: role names, who may use what, when a
 * session ends and when login attempts are refused. */
#include "core/auth.h"

#include <string.h>

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

const char *auth_check_password(const char *pw)
{
    size_t n = pw ? strlen(pw) : 0;
    if (n < 10)
        return "Choose a password of at least 10 characters.";
    if (n > 200)
        return "The password is too long (at most 200 characters).";
    return NULL;
}
