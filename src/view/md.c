/* md — Markdown to safe HTML with md4c-html (see md.h).
 *
 * md4c does the parsing and escapes all text; with MD_FLAG_NOHTML raw HTML
 * blocks and spans are treated as text.  md4c does not judge link targets,
 * so its output is copied through one filter that replaces the URL of every
 * <a href="..."> and <img src="..."> whose scheme is not allowed.  That is
 * sound because, with raw HTML off, those strings can only be tags md4c
 * wrote itself (a "<" in text is always written as &lt;).
 *
 * This module must not enable raw HTML, must not keep state between calls
 * (renders run on many threads), and must not write anything to out when
 * md4c fails. */
#include "md.h"

#include <md4c-html.h>
#include <md4c.h>
#include <string.h>

#include "util/sb.h"

#define PARSER_FLAGS                                                                        \
    (MD_FLAG_NOHTML | MD_FLAG_TABLES | MD_FLAG_STRIKETHROUGH | MD_FLAG_PERMISSIVEAUTOLINKS)
#define RENDERER_FLAGS MD_HTML_FLAG_SKIP_UTF8_BOM

static void collect(const MD_CHAR *text, MD_SIZE size, void *userdata)
{
    sb_add(userdata, text, size);
}

static int lower_eq(const char *p, size_t len, const char *lit)
{
    if (strlen(lit) != len)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char ch = p[i];
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        if (ch != lit[i])
            return 0;
    }
    return 1;
}

/* url[0..len) is the attribute as md4c wrote it (percent-encoded, & as
 * &amp;).  Relative URLs pass.  An '&' before the first ':' '/' '?' '#'
 * could be an entity hiding a colon, so it is refused too. */
static int url_allowed(const char *url, size_t len)
{
    size_t i = 0;

    while (i < len && !strchr(":/?#&", url[i]))
        i++;
    if (i == len || url[i] == '/' || url[i] == '?' || url[i] == '#')
        return 1;
    if (url[i] == '&')
        return 0;
    return lower_eq(url, i, "http") || lower_eq(url, i, "https") ||
           lower_eq(url, i, "mailto") || lower_eq(url, i, "tel");
}

/* Returns the length of the URL-attribute opener md4c writes at p, or 0. */
static size_t url_opener(const char *p, size_t left)
{
    static const char *const openers[] = { "<a href=\"", "<img src=\"" };

    for (size_t k = 0; k < sizeof openers / sizeof openers[0]; k++) {
        size_t n = strlen(openers[k]);
        if (left >= n && memcmp(p, openers[k], n) == 0)
            return n;
    }
    return 0;
}

/* Appends html[0..len) to out, replacing disallowed link and image URLs. */
static void filter_urls(const char *html, size_t len, struct sb *out)
{
    size_t pos = 0, done = 0;

    while (pos < len) {
        const char *lt = memchr(html + pos, '<', len - pos);
        size_t open, start;
        const char *q;

        if (!lt)
            break;
        pos = (size_t)(lt - html);
        open = url_opener(lt, len - pos);
        if (!open) {
            pos++;
            continue;
        }
        start = pos + open;
        q = memchr(html + start, '"', len - start);
        if (!q)
            break;
        if (!url_allowed(html + start, (size_t)(q - (html + start)))) {
            sb_add(out, html + done, start - done);
            sb_addc(out, '#');
            done = (size_t)(q - html);
        }
        pos = (size_t)(q - html);
    }
    sb_add(out, html + done, len - done);
}

int md_render(const char *text, size_t len, struct sb *out)
{
    int rc = -1;
    struct sb html = SB_INIT;

    if (len > MD_MAX_INPUT)
        goto done;
    if (md_html(len ? text : "", (MD_SIZE)len, collect, &html, PARSER_FLAGS, RENDERER_FLAGS) != 0)
        goto done;
    if (html.err)
        goto done;
    filter_urls(html.buf, html.len, out);
    if (out->err)
        goto done;
    rc = 0;
done:
    sb_release(&html);
    return rc;
}
