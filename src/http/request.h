/* request — one HTTP request as handlers see it, and the pure parsers that
 * fill it: percent-decoding of paths, query strings and urlencoded forms,
 * and the Cookie header.  The parsers do no I/O and are unit-tested on their
 * own (tests/unit/test_request.c). */
#ifndef KNEAD_HTTP_REQUEST_H
#define KNEAD_HTTP_REQUEST_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "util/arena.h"
#include "util/sb.h"

/* Limits on what a client can make us hold. */
#define REQ_MAX_PAIRS 256      /* key=value pairs in one query or form */
#define REQ_MAX_URI 8192       /* request target, bytes */
#define REQ_MAX_PARAMS 8       /* {captures} in one route pattern */
#define REQ_CSRF_COOKIE "knead_csrf" /* double-submit token: cookie and form field "csrf" */

struct kv {
    const char *key;
    const char *val;
    size_t vlen; /* val may hold no NUL (we reject %00), so strlen(val) == vlen */
};

/* An arena-backed list of pairs, in input order; keys may repeat. */
struct kvlist {
    struct kv *items;
    size_t n;
};

/* First value for key, or NULL.  Can't fail. */
const char *kv_get(const struct kvlist *l, const char *key);
/* Number of values for key. */
size_t kv_count(const struct kvlist *l, const char *key);

/* Decodes s[0..len) as application/x-www-form-urlencoded ('+' is a space,
 * %XX escapes) into pairs allocated on a.  A pair without '=' has an empty
 * value; empty pairs ("a=1&&b=2") are skipped.  Rejects a malformed escape,
 * an encoded or literal NUL, invalid UTF-8 and more than REQ_MAX_PAIRS pairs:
 * returns E_INVALID with a message naming the parameter, *out untouched. */
enum err_code req_parse_urlencoded(struct arena *a, const char *s, size_t len,
                                   struct kvlist *out, struct err *e);

/* Percent-decodes a request path ('+' stays '+').  Rejects malformed escapes,
 * NUL, invalid UTF-8, a path not starting with '/', and "." or ".." segments.
 * Returns E_OK and the decoded path on a, or E_INVALID. */
enum err_code req_decode_path(struct arena *a, const char *s, size_t len, char **out,
                              struct err *e);

/* Parses a Cookie header ("a=1; b=2") into pairs on a.  Malformed pieces are
 * skipped (browsers send what they send); never fails. */
void req_parse_cookies(struct arena *a, const char *header, struct kvlist *out);

struct MHD_Connection;
struct route;
struct app;
struct db;
struct user;

/* A response being built by a handler.  body is sent with content_type unless
 * static_body is set (then body is ignored and static_body is not freed). */
struct resp {
    int status;
    const char *content_type;
    struct sb body;
    const void *static_body;
    size_t static_len;
    struct kvlist headers; /* extra headers, values checked with esc_header_ok */
    size_t headers_cap;
};

/* State of one request, created by the server on the first callback and
 * freed with its arena in the completed callback.
 *
 *   NEW ──headers──> BODY ──(final call)──> HANDLED ──completed──> freed
 *     \___ error found on headers (413 by Content-Length, 414, 400) __/
 */
struct req {
    struct arena *arena;
    struct app *app;
    struct MHD_Connection *conn;
    const char *method;    /* "GET", ... as sent */
    unsigned method_bit;   /* ROUTE_GET ... (0 for unknown methods) */
    const char *raw_uri;   /* as sent: path and query */
    char *path;            /* decoded */
    struct kvlist query;
    struct kvlist form;    /* urlencoded body, for routes with ROUTE_FORM */
    struct kvlist cookies;
    json_t *json;          /* parsed body, for routes with ROUTE_JSON; owned by arena */
    struct sb body;        /* raw body, limited to the route's body_max */
    const struct route *route;
    const char *params[REQ_MAX_PARAMS]; /* {captures}, in pattern order */
    size_t nparams;
    struct resp resp;
    struct user *user;     /* the signed-in account, set by the authorize hook, or NULL */
    unsigned role;         /* its enum auth_role bit, 0 when anonymous */
    const char *csrf;      /* this request's CSRF token once web_csrf() made or read it */
    struct db *db;         /* taken on first use by web_db(), released with the arena */
    int64_t t0_us;
    int state;
    int too_large;
    size_t discarded; /* body bytes read and dropped after an early error */
};

/* Value of a request header (case-insensitive name), or NULL. */
const char *req_header(struct req *r, const char *name);
/* The client's IP address as text (on the arena); "" if unknown. */
const char *req_address(struct req *r);
/* The i-th {capture} of the matched route pattern. */
const char *req_param(const struct req *r, size_t i);

/* Adds a response header (name and value copied onto the arena).  A value
 * holding CR/LF/NUL is dropped and logged, never sent. */
void resp_header(struct req *r, const char *name, const char *value);
/* Sets status and content type, and empties the body. */
void resp_start(struct req *r, int status, const char *content_type);

#endif
