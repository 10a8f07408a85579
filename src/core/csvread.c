/* csvread — the RFC 4180 reader (see csvread.h).  One pass, no lookbehind; a
 * field is copied once.  Must not accept what it cannot read back exactly:
 * malformed quoting is an error naming the line, never guessed at.
 *
 *   START ──'"'──> QUOTED ──'"'──> AFTER_QUOTE ──'"'──> QUOTED (a literal ")
 *     │                                  └──',' / line end──> next field / record
 *     └──other──> PLAIN ──',' / line end──> next field / record
 */
#include "core/csvread.h"

#include <string.h>

#include "util/sb.h"

void csvread_init(struct csvread *c, const char *data, size_t len)
{
    c->p = data;
    c->end = data + len;
    c->line = 1;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        c->p += 3;
}

/* At a line end (CRLF, LF or a lone CR): steps over it.  Returns 1 if so. */
static int line_end(struct csvread *c)
{
    if (c->p < c->end && *c->p == '\r') {
        c->p++;
        if (c->p < c->end && *c->p == '\n')
            c->p++;
        c->line++;
        return 1;
    }
    if (c->p < c->end && *c->p == '\n') {
        c->p++;
        c->line++;
        return 1;
    }
    return 0;
}

static int fail(struct err *e, int line, const char *what)
{
    err_set(e, E_INVALID, "line %d: %s", line, what);
    return -1;
}

/* Reads one field into b; returns 0, or -1 with e set. */
static int field(struct csvread *c, struct sb *b, struct err *e)
{
    int at = c->line;
    if (c->p < c->end && *c->p == '"') {
        c->p++;
        for (;;) {
            if (c->p >= c->end)
                return fail(e, at, "a quoted field is never closed (a \" is missing)");
            char ch = *c->p;
            if (ch == '\0')
                return fail(e, c->line, "a NUL byte");
            if (ch == '"') {
                if (c->p + 1 < c->end && c->p[1] == '"') {
                    sb_addc(b, '"');
                    c->p += 2;
                    continue;
                }
                c->p++;
                break;
            }
            if (ch == '\n' || (ch == '\r' && !(c->p + 1 < c->end && c->p[1] == '\n')))
                c->line++;
            sb_addc(b, ch);
            c->p++;
        }
        if (c->p < c->end && *c->p != ',' && *c->p != '\r' && *c->p != '\n')
            return fail(e, c->line,
                        "a character after a closing quote (a field with \" must be quoted "
                        "whole, its quotes doubled)");
        return 0;
    }
    const char *start = c->p;
    while (c->p < c->end && *c->p != ',' && *c->p != '\r' && *c->p != '\n') {
        if (*c->p == '"')
            return fail(e, c->line,
                        "a \" inside an unquoted field (quote the field and double the \")");
        if (*c->p == '\0')
            return fail(e, c->line, "a NUL byte");
        c->p++;
    }
    sb_add(b, start, (size_t)(c->p - start));
    return 0;
}

int csvread_next(struct csvread *c, struct arena *a, char **fields, size_t *n, int *line,
                 struct err *e)
{
    struct sb b = SB_INIT;
    int rc = -1;
    *n = 0;
    while (c->p < c->end && line_end(c)) {
    } /* blank lines */
    if (c->p >= c->end) {
        rc = 0;
        goto done;
    }
    *line = c->line;
    for (;;) {
        if (*n == CSVREAD_MAX_FIELDS) {
            fail(e, c->line, "more than 64 columns");
            goto done;
        }
        sb_reset(&b);
        if (field(c, &b, e) < 0)
            goto done;
        fields[(*n)++] = arena_strndup(a, b.buf, b.len);
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        line_end(c);
        rc = 1;
        goto done;
    }
done:
    sb_release(&b);
    return rc;
}
