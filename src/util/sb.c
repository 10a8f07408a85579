/* sb — growable NUL-terminated string with a sticky error flag.
 * Never returns NULL and never fails visibly (see sb.h). */
#include "sb.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

char sb_empty[1];

void sb_init(struct sb *sb, size_t max)
{
    sb->buf = sb_empty;
    sb->len = 0;
    sb->cap = 0;
    sb->max = max;
    sb->err = 0;
}

void sb_release(struct sb *sb)
{
    if (sb->cap)
        free(sb->buf);
    sb_init(sb, sb->max);
}

char *sb_detach(struct sb *sb, size_t *len)
{
    char *out;
    if (len)
        *len = sb->len;
    out = sb->cap ? sb->buf : xstrdup("");
    sb_init(sb, sb->max);
    return out;
}

int sb_grow(struct sb *sb, size_t extra)
{
    size_t need;
    if (sb->err)
        return -1;
    if (extra > SIZE_MAX / 2 - sb->len || (sb->max && sb->len + extra > sb->max)) {
        sb->err = 1;
        return -1;
    }
    need = sb->len + extra + 1;
    if (need <= sb->cap)
        return 0;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < need)
        cap *= 2;
    if (sb->cap) {
        sb->buf = xrealloc(sb->buf, cap);
    } else {
        sb->buf = xmalloc(cap);
        sb->buf[0] = '\0';
    }
    sb->cap = cap;
    return 0;
}

void sb_add(struct sb *sb, const void *data, size_t len)
{
    if (len == 0 || sb_grow(sb, len) < 0)
        return;
    memcpy(sb->buf + sb->len, data, len);
    sb->len += len;
    sb->buf[sb->len] = '\0';
}

void sb_adds(struct sb *sb, const char *s)
{
    sb_add(sb, s, strlen(s));
}

void sb_addc(struct sb *sb, char c)
{
    sb_add(sb, &c, 1);
}

void sb_vaddf(struct sb *sb, const char *fmt, va_list ap)
{
    va_list cp;
    int n;
    char small[256];

    va_copy(cp, ap);
    n = vsnprintf(small, sizeof small, fmt, cp);
    va_end(cp);
    if (n < 0) {
        sb->err = 1;
        return;
    }
    if ((size_t)n < sizeof small) {
        sb_add(sb, small, (size_t)n);
        return;
    }
    if (sb_grow(sb, (size_t)n) < 0)
        return;
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
}

void sb_addf(struct sb *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vaddf(sb, fmt, ap);
    va_end(ap);
}

void sb_reset(struct sb *sb)
{
    sb->len = 0;
    sb->err = 0;
    if (sb->cap)
        sb->buf[0] = '\0';
}

void sb_setlen(struct sb *sb, size_t len)
{
    if (len < sb->len) {
        sb->len = len;
        sb->buf[len] = '\0';
    }
}
