/* email — a strict, simple address rule (no quoted local parts, no address
 * literals, no internationalised addresses: the mailer writes addresses
 * into headers as they are, and these are what it can send safely). */
#include "core/email.h"

#include <string.h>

/* 1 when s[0..n) is dot-separated non-empty atoms. */
static int dots_ok(const char *s, size_t n)
{
    if (n == 0 || s[0] == '.' || s[n - 1] == '.')
        return 0;
    for (size_t i = 1; i < n; i++)
        if (s[i] == '.' && s[i - 1] == '.')
            return 0;
    return 1;
}

int email_addr_ok(const char *a)
{
    const char *at = a ? strchr(a, '@') : NULL;
    if (!at || strchr(at + 1, '@'))
        return 0;
    size_t n = strlen(a), local = (size_t)(at - a);
    if (n > 254 || local > 64)
        return 0;
    for (const char *p = a; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p > 0x7e || strchr("<>()[]\",;:\\", *p))
            return 0;
    return dots_ok(a, local) && dots_ok(at + 1, n - local - 1) && strchr(at + 1, '.') != NULL;
}
