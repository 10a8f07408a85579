/* portal — pure rules of the client portal (see portal.h).  No I/O. */
#include "core/portal.h"

#include <string.h>

enum portal_link_state portal_link_state(int64_t expires_at, int64_t used_at, int64_t now)
{
    if (used_at != 0)
        return PORTAL_LINK_USED;
    if (now >= expires_at)
        return PORTAL_LINK_EXPIRED;
    return PORTAL_LINK_OK;
}

int portal_may_send(const char *role, int active, const char *name)
{
    if (!role || !*role)
        return name && *name; /* no account: only an address with a booking */
    return strcmp(role, "client") == 0 && active;
}

int portal_upcoming(const char *status, int64_t start, int64_t now)
{
    return status && (strcmp(status, "booked") == 0 || strcmp(status, "checked_in") == 0) &&
           start > now;
}

void portal_account_name(const char *name, const char *email, char *out, size_t size)
{
    const char *src = name;
    size_t n = name ? strlen(name) : 0, max = size - 1 < 120 ? size - 1 : 120;
    if (n == 0 || n > 120) {
        const char *at = email ? strchr(email, '@') : NULL;
        src = email ? email : "";
        n = at ? (size_t)(at - email) : strlen(src);
        if (n == 0) {
            src = "Client";
            n = 6;
        }
    }
    if (n > max)
        n = max;
    memcpy(out, src, n);
    out[n] = '\0';
}
