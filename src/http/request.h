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
#define REQ_SESSION_COOKIE "knead_session" /* a staff or client session's token */
#define REQ_ADDR_MAX 46        /* an IPv6 address as text, with its NUL (INET6_ADDRSTRLEN) */

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

/* The client's address: the peer, unless the peer is one of the n trusted
 * proxies; then the right-most address of xff (the X-Forwarded-For list,
 * comma-separated, NULL if absent) that is not itself a trusted proxy.  An
 * entry that is not an IP address ends the walk: the hop to its right (the
 * last address we could trust) is the answer.  Addresses are compared and
 * returned in canonical form; the result is on a.  Pure. */
const char *req_client_address(struct arena *a, const char *peer, const char *xff,
                               const char (*trusted)[REQ_ADDR_MAX], size_t n);

/* Writes path to out as the access log shows it: the private token after
 * /a/, /feeds/, /waitlist/, /waitlist/offers/ and /account/link/ replaced by
 * "[token]", control characters, backslashes and bytes outside ASCII as \xNN
 * (so a line break in a path cannot forge a log line), and at most 200 bytes
 * of it.  A query string is never logged: pass the path without it.  Pure. */
void req_log_path(struct sb *out, const char *path);

/* One member a JSON object may hold, in a NULL-terminated list; an object
 * member lists its own members in `members` (NULL: not looked into). */
struct json_member {
    const char *name;
    const struct json_member *members;
};

/* Appends to names every member of obj (and of its listed object members,
 * as "client.age") that allowed does not list: "'a', 'client.age'", at most
 * REQ_JSON_NAMED of them and "and N more"; a name is cut at 40 bytes and
 * any byte outside printable ASCII shown as '?'.  Returns how many members
 * are unknown (0 also when obj is not an object).  Pure; can't fail. */
#define REQ_JSON_NAMED 5
size_t req_json_unknown(const json_t *obj, const struct json_member *allowed, struct sb *names);

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
    const char *version;   /* "HTTP/1.1", ... as sent */
    const char *client;    /* the client's address (req_client_address), set on the first call */
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
    int close_now;    /* a framing error: answer at once and close the connection */
    int secure_cookies; /* behind TLS: cookies are __Host- prefixed and Secure */
    size_t discarded; /* body bytes read and dropped after an early error */
};

/* Whether an Accept-Encoding header value (NULL: absent) accepts gzip: it
 * names gzip (or x-gzip) with a q above 0, or names no gzip and accepts *
 * with a q above 0.  Absent, "identity", "gzip;q=0" and "*;q=0" do not.
 * Pure; can't fail. */
int req_accepts_gzip_header(const char *value);
/* The same for this request's header. */
int req_accepts_gzip(struct req *r);
/* Value of a request header (case-insensitive name), or NULL. */
const char *req_header(struct req *r, const char *name);
/* The client's IP address as text (on the arena): the peer, or behind a
 * trusted proxy the address it forwarded for; "" if unknown. */
const char *req_address(struct req *r);
/* A cookie's name as sent and read: `base`, or "__Host-" + base behind TLS
 * (secure_cookies), which a browser keeps only when it was set Secure, with
 * Path=/ and no Domain by this very host.  Static or on the arena. */
const char *req_cookie_name(struct req *r, const char *base);
/* The attributes every cookie of ours carries: "; Path=/; HttpOnly;
 * SameSite=Lax", and "; Secure" behind TLS.  Static. */
const char *req_cookie_attrs(const struct req *r);
/* The i-th {capture} of the matched route pattern. */
const char *req_param(const struct req *r, size_t i);

/* Adds a response header (name and value copied onto the arena).  A value
 * holding CR/LF/NUL is dropped and logged, never sent. */
void resp_header(struct req *r, const char *name, const char *value);
/* Sets status and content type, and empties the body. */
void resp_start(struct req *r, int status, const char *content_type);

#endif
