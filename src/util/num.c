/* num — strict decimal integer parsing with overflow and range checks. */
#include "num.h"

#include <stddef.h>

int num_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    int neg = 0;
    uint64_t v = 0, limit;

    if (!s || !*s)
        return -1;
    if (*s == '-') {
        neg = 1;
        s++;
        if (!*s)
            return -1;
    }
    limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned d = (unsigned)(*s - '0');
        if (v > (limit - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    int64_t r = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    if (r < min || r > max)
        return -1;
    *out = r;
    return 0;
}

int num_parse_int(const char *s, int min, int max, int *out)
{
    int64_t v;
    if (num_parse_i64(s, min, max, &v) < 0)
        return -1;
    *out = (int)v;
    return 0;
}

int num_hexdigit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
