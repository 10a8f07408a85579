/* esc — HTML, URL-component and header escaping (see esc.h).
 *
 * This module only transforms or checks bytes.  It must not know where its
 * output goes (no HTTP, no templates), must not allocate except through the
 * caller's string builder, and must never silently drop or "fix" input: a
 * header with a line break is rejected by the caller, not trimmed here. */
#include "esc.h"

#include <string.h>

#include "util/sb.h"

/* Replacement for each byte that needs one; NULL for all others. */
static const char *const html_rep[256] = {
    ['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;", ['\''] = "&#39;",
};

void esc_html(struct sb *out, const char *s, size_t len)
{
    size_t i = 0, run = 0; /* run: start of the pending bytes that need no escaping */

    if (len == 0)
        return;
    for (;;) {
        while (i < len && !html_rep[(unsigned char)s[i]])
            i++;
        sb_add(out, s + run, i - run);
        if (i == len)
            break;
        sb_adds(out, html_rep[(unsigned char)s[i]]);
        run = ++i;
    }
}

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

void esc_url_component(struct sb *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t run = 0;

    if (len == 0)
        return;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char enc[3];

        if (unreserved(c))
            continue;
        enc[0] = '%';
        enc[1] = hex[c >> 4];
        enc[2] = hex[c & 0x0f];
        sb_add(out, s + run, i - run);
        sb_add(out, enc, sizeof enc);
        run = i + 1;
    }
    sb_add(out, s + run, len - run);
}

void esc_json(struct sb *out, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const char *run = s;
    sb_addc(out, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        sb_add(out, run, (size_t)(s - run));
        run = s + 1;
        switch (c) {
        case '"': sb_adds(out, "\\\""); break;
        case '\\': sb_adds(out, "\\\\"); break;
        case '\n': sb_adds(out, "\\n"); break;
        case '\r': sb_adds(out, "\\r"); break;
        case '\t': sb_adds(out, "\\t"); break;
        default: {
            char u[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
            sb_adds(out, u);
        }
        }
    }
    sb_add(out, run, (size_t)(s - run));
    sb_addc(out, '"');
}

int esc_header_ok(const char *s)
{
    if (!s)
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
            return 0;
    }
    return 1;
}

void esc_csv(struct sb *out, const char *s)
{
    int guard = strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0';
    int quote = 0;
    for (const char *p = s; *p; p++)
        if (*p == ',' || *p == '"' || *p == '\r' || *p == '\n')
            quote = 1;
    if (quote)
        sb_addc(out, '"');
    if (guard)
        sb_addc(out, '\'');
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            sb_addc(out, '"');
        sb_addc(out, *p);
    }
    if (quote)
        sb_addc(out, '"');
}
