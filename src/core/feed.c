/* feed — the privacy and range rules of calendar feeds.  Pure: strings and
 * numbers in, strings and numbers out; knows nothing of the store or HTTP. */
#include "core/feed.h"

#include <assert.h>
#include <string.h>

#define SPACES " \t\r\n"

/* Length of the UTF-8 character starting at s (1 for a stray byte). */
static size_t char_len(const char *s)
{
    unsigned char c = (unsigned char)s[0];
    size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    for (size_t i = 1; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            return 1;
    return n;
}

void feed_client_label(const char *name, char *out, size_t size)
{
    static const char fallback[] = "Client";
    const char *p = name ? name + strspn(name, SPACES) : "";
    size_t first = strcspn(p, SPACES), init = 0, n;
    const char *last = NULL, *q = p + first;

    assert(size >= FEED_LABEL_MAX);
    while (*q) { /* the start of the last word after the first */
        q += strspn(q, SPACES);
        if (!*q)
            break;
        last = q;
        q += strcspn(q, SPACES);
    }
    if (last)
        init = char_len(last);
    size_t room = size - 1 - (last ? init + 2 : 0); /* room for " X." */
    if (first > room) {
        first = room;
        while (first > 0 && ((unsigned char)p[first] & 0xC0) == 0x80)
            first--;
    }
    if (first == 0) {
        memcpy(out, fallback, sizeof fallback);
        return;
    }
    memcpy(out, p, first);
    n = first;
    if (last) {
        out[n++] = ' ';
        memcpy(out + n, last, init);
        n += init;
        out[n++] = '.';
    }
    out[n] = '\0';
}

int feed_shows(const char *status)
{
    static const char *const shown[] = {"booked", "checked_in", "completed", "no_show"};
    for (size_t i = 0; status && i < sizeof shown / sizeof shown[0]; i++)
        if (strcmp(status, shown[i]) == 0)
            return 1;
    return 0;
}

void feed_window(int64_t now, int horizon_days, int64_t *t0, int64_t *t1)
{
    if (horizon_days < 0)
        horizon_days = 0;
    *t0 = now - (int64_t)FEED_PAST_DAYS * 86400;
    *t1 = now + ((int64_t)horizon_days + 1) * 86400;
}
