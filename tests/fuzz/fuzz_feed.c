/* libFuzzer target: how a calendar feed names a client (core/feed), on
 * hostile names: the label always fits, is NUL-terminated, starts with the
 * start of the first word (or is "Client"), and never cuts a UTF-8
 * character of valid input in two. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/feed.h"

/* 1 when s is well-formed UTF-8 (lead bytes and continuations only). */
static int utf8_ok(const unsigned char *s)
{
    while (*s) {
        size_t n = *s < 0x80 ? 1 : (*s & 0xE0) == 0xC0 ? 2 : (*s & 0xF0) == 0xE0 ? 3
                               : (*s & 0xF8) == 0xF0   ? 4
                                                       : 0;
        if (n == 0)
            return 0;
        for (size_t i = 1; i < n; i++)
            if ((s[i] & 0xC0) != 0x80)
                return 0;
        s += n;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char name[512], out[FEED_LABEL_MAX + 8];
    if (size >= sizeof name)
        size = sizeof name - 1;
    memcpy(name, data, size);
    name[size] = '\0';
    memset(out, 'Z', sizeof out);
    feed_client_label(name, out, FEED_LABEL_MAX);
    size_t len = strnlen(out, sizeof out);
    if (len >= FEED_LABEL_MAX || len == 0)
        abort();
    for (size_t i = FEED_LABEL_MAX; i < sizeof out; i++)
        if (out[i] != 'Z') /* nothing written past size */
            abort();
    const char *p = name + strspn(name, " \t\r\n");
    if (strcmp(out, "Client") != 0 && strncmp(out, p, strcspn(out, " ")) != 0)
        abort();
    if (utf8_ok((const unsigned char *)name) && !utf8_ok((const unsigned char *)out))
        abort();
    feed_window((int64_t)size * 86400, (int)size - 100, &(int64_t){0}, &(int64_t){0});
    return 0;
}
