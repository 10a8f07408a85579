/* router — the ONE table of routes and its matcher (STYLE rule 8).
 *
 * A route is method bits, a path pattern, a handler and policy flags.  The
 * dispatcher in server.c enforces the flags (body limits, form and JSON
 * parsing; later roles and CSRF); handlers never re-check them.  Patterns are
 * literal segments and {name} captures, e.g. "/articles/{slug}"; a final
 * "{*}" capture takes the rest of the path ("/static/{*}"). */
#ifndef KNEAD_HTTP_ROUTER_H
#define KNEAD_HTTP_ROUTER_H

#include <stddef.h>

#include "http/request.h"

enum route_method {
    ROUTE_GET = 1 << 0, /* also answers HEAD */
    ROUTE_POST = 1 << 1,
    ROUTE_PUT = 1 << 2,
    ROUTE_DELETE = 1 << 3,
    ROUTE_PATCH = 1 << 4,
    ROUTE_HEAD = 1 << 5, /* never in a table: HEAD is matched as GET */
    ROUTE_OPTIONS = 1 << 6,
};

enum route_flag {
    ROUTE_FORM = 1 << 0, /* body is application/x-www-form-urlencoded → req.form */
    ROUTE_JSON = 1 << 1, /* body is JSON → req.json */
    ROUTE_API = 1 << 2,  /* errors as application/problem+json */
    ROUTE_CSRF = 1 << 3, /* form field "csrf" must equal the CSRF cookie (else 403) */
    /* Who may use the route: exactly one rule per route, checked at start-up.
     * ROUTE_PUBLIC = anyone; otherwise the roles listed (signed in). */
    ROUTE_PUBLIC = 1 << 7,
    ROUTE_CLIENT = 1 << 8,
    ROUTE_THERAPIST = 1 << 9,
    ROUTE_DESK = 1 << 10, /* the front desk; an admin may do what the desk may */
    ROUTE_ADMIN = 1 << 11,
    /* For machines, not people: a peer on this machine's loopback that no
     * proxy forwarded, or "Authorization: Bearer <srv_options.local_token>"
     * (/metrics).  See server.c's local_allowed. */
    ROUTE_LOCAL = 1 << 12,
};

/* The role bits of a route's flags, as a mask of enum auth_role values. */
#define ROUTE_ROLES(flags) (((flags) >> 8) & 0xFu)
#define ROUTE_STAFF (ROUTE_THERAPIST | ROUTE_DESK | ROUTE_ADMIN)

typedef void (*route_fn)(struct req *r);

struct route {
    unsigned methods;
    const char *pattern;
    route_fn handler;
    unsigned flags;
    size_t body_max; /* 0 = no body accepted */
};

/* Method name → ROUTE_* bit (HEAD → ROUTE_HEAD), 0 if unknown. */
unsigned route_method_bit(const char *method);

/* Finds the route for (method, path).  On a match returns its index and fills
 * params/nparams (pointers into a copy on arena a).  Returns -1 when no
 * pattern matches the path (404), or -2 when patterns match but not for this
 * method (405); *allowed then holds the union of the methods that would.  */
int route_match(const struct route *table, size_t n, struct arena *a, unsigned method,
                const char *path, const char **params, size_t *nparams, unsigned *allowed);

/* Writes an Allow header value ("GET, HEAD, POST") for method bits into buf. */
void route_allow_header(unsigned methods, char *buf, size_t size);

/* Checks a table at start-up: patterns start with '/', captures are closed
 * and at most REQ_MAX_PARAMS, no two routes share pattern and method, and
 * every route has exactly one access rule (ROUTE_PUBLIC, some roles or ROUTE_LOCAL).
 * Returns 0 or -1 with a message. */
int route_check_table(const struct route *table, size_t n, char *err, size_t errlen);

#endif
