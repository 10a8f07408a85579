/* router — matches a decoded path against the route table, segment by
 * segment.  Linear in the table (nearly two hundred routes, most refused by
 * their first bytes); allocation only for the captured parameters. */
#include "http/router.h"

#include <stdio.h>
#include <string.h>

unsigned route_method_bit(const char *m)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {
        {"GET", ROUTE_GET},       {"HEAD", ROUTE_HEAD},     {"POST", ROUTE_POST},
        {"PUT", ROUTE_PUT},       {"DELETE", ROUTE_DELETE}, {"PATCH", ROUTE_PATCH},
        {"OPTIONS", ROUTE_OPTIONS},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(m, names[i].name) == 0)
            return names[i].bit;
    return 0;
}

/* Matches one pattern; on success fills params (arena copies). */
static int match(const char *pat, const char *path, struct arena *a, const char **params,
                 size_t *nparams)
{
    size_t np = 0;
    /* The pattern's literal head (up to its first capture) must start the
     * path: most of the table is refused here, before any segment is
     * measured (the table has nearly two hundred routes). */
    for (const char *p = pat, *q = path; *p && *p != '{'; p++, q++)
        if (*p != *q)
            return 0;
    while (*pat && *path) {
        if (*pat != '/' || *path != '/')
            return 0;
        pat++;
        path++;
        const char *pend = strchr(pat, '/');
        size_t plen = pend ? (size_t)(pend - pat) : strlen(pat);
        const char *send = strchr(path, '/');
        size_t slen = send ? (size_t)(send - path) : strlen(path);
        if (plen >= 2 && pat[0] == '{' && pat[plen - 1] == '}') {
            if (plen == 3 && pat[1] == '*') {
                if (!*path || np >= REQ_MAX_PARAMS)
                    return 0;
                if (params)
                    params[np] = arena_strdup(a, path);
                np++;
                *nparams = np;
                return 1;
            }
            if (slen == 0 || np >= REQ_MAX_PARAMS)
                return 0;
            if (params)
                params[np] = arena_strndup(a, path, slen);
            np++;
        } else if (plen != slen || memcmp(pat, path, plen) != 0) {
            return 0;
        }
        pat += plen;
        path += slen;
    }
    if (*pat || *path)
        return 0;
    *nparams = np;
    return 1;
}

int route_match(const struct route *table, size_t n, struct arena *a, unsigned method,
                const char *path, const char **params, size_t *nparams, unsigned *allowed)
{
    unsigned want = method == ROUTE_HEAD ? ROUTE_GET : method;
    size_t np;
    *allowed = 0;
    for (size_t i = 0; i < n; i++) {
        if (!match(table[i].pattern, path, NULL, NULL, &np))
            continue;
        if (table[i].methods & want) {
            match(table[i].pattern, path, a, params, nparams);
            return (int)i;
        }
        *allowed |= table[i].methods;
    }
    return *allowed ? -2 : -1;
}

void route_allow_header(unsigned methods, char *buf, size_t size)
{
    static const struct {
        unsigned bit;
        const char *name;
    } order[] = {
        {ROUTE_GET, "GET, HEAD"}, {ROUTE_POST, "POST"},     {ROUTE_PUT, "PUT"},
        {ROUTE_PATCH, "PATCH"},   {ROUTE_DELETE, "DELETE"}, {ROUTE_OPTIONS, "OPTIONS"},
    };
    size_t used = 0;
    if (size)
        buf[0] = '\0';
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (!(methods & order[i].bit))
            continue;
        int k = snprintf(buf + used, size - used, "%s%s", used ? ", " : "", order[i].name);
        if (k < 0 || (size_t)k >= size - used)
            return;
        used += (size_t)k;
    }
}

int route_check_table(const struct route *t, size_t n, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        const char *p = t[i].pattern;
        size_t caps = 0;
        if (p[0] != '/' || !t[i].handler || !t[i].methods) {
            snprintf(err, errlen, "route %zu (%s): bad pattern, handler or methods", i, p);
            return -1;
        }
        for (const char *c = p; *c; c++) {
            if (*c == '{') {
                const char *close = strchr(c, '}');
                if (!close || (close[1] && close[1] != '/')) {
                    snprintf(err, errlen, "route %s: unclosed capture", p);
                    return -1;
                }
                caps++;
            }
        }
        unsigned roles = ROUTE_ROLES(t[i].flags);
        int rules = !!(t[i].flags & ROUTE_PUBLIC) + !!roles + !!(t[i].flags & ROUTE_LOCAL);
        if (rules != 1) {
            snprintf(err, errlen,
                     "route %s: needs exactly one access rule (public, roles or local)", p);
            return -1;
        }
        if (caps > REQ_MAX_PARAMS) {
            snprintf(err, errlen, "route %s: too many captures", p);
            return -1;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(t[j].pattern, p) == 0 && (t[j].methods & t[i].methods)) {
                snprintf(err, errlen, "route %s: defined twice for one method", p);
                return -1;
            }
        }
    }
    return 0;
}
