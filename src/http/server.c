/* server — libmicrohttpd glue.
 *
 * A request's life (see struct req in request.h):
 *   uri_log callback   creates the req and its arena (so even a request MHD
 *                      rejects later is freed by the completed callback);
 *   first access call  only headers: decode path and query, match the route,
 *                      check Content-Length against the route's body limit;
 *                      returns MHD_YES without queueing (queueing in this first
 *                      call makes libmicrohttpd 0.9.75 close the connection);
 *   body calls         append to req.body up to the limit, then discard;
 *   final call         parse form/JSON per the route flags, run the handler
 *                      (or the error renderer) and queue the response;
 *   completed callback writes the access-log line and frees the arena.
 * This module must not know about pages, the store or the clinic. */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http/metrics.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/num.h"
#include "view/esc.h"

#define MAX_DISCARD (1024 * 1024) /* body bytes we read and drop before closing */

enum { ST_NEW, ST_BODY, ST_DONE };

/* An open connection, for the drain: its socket may hold a request that
 * was sent but not yet read (all threads busy). */
struct conn_slot {
    int fd;
    struct conn_slot *prev, *next;
};

struct srv {
    struct MHD_Daemon *d;
    struct srv_options opt;
    int port;
    int fd;        /* the listening socket; ours, so that a bind error is exact */
    int in_flight; /* requests begun and not completed (atomic) */
    int draining;  /* set by srv_stop: answers close their connection (atomic) */
    unsigned flags; /* for MHD_start_daemon */
    int threads;
    pthread_mutex_t conns_mu;
    struct conn_slot *conns; /* open connections, guarded by conns_mu */
};

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct srv *s = cls;
    struct conn_slot *c = *socket_context;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        c = xcalloc(1, sizeof *c);
        c->fd = info ? info->connect_fd : -1;
        pthread_mutex_lock(&s->conns_mu);
        c->next = s->conns;
        if (s->conns)
            s->conns->prev = c;
        s->conns = c;
        pthread_mutex_unlock(&s->conns_mu);
        *socket_context = c;
        return;
    }
    if (!c) /* MHD_CONNECTION_NOTIFY_CLOSED, before MHD closes the socket */
        return;
    pthread_mutex_lock(&s->conns_mu);
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    pthread_mutex_unlock(&s->conns_mu);
    free(c);
    *socket_context = NULL;
}

/* Whether some open connection holds bytes not read yet: a request sent
 * (before the signal, or it would not have been accepted) and waiting for a
 * thread. */
static int unread_requests(struct srv *s)
{
    int found = 0;
    pthread_mutex_lock(&s->conns_mu);
    for (struct conn_slot *c = s->conns; c && !found; c = c->next) {
        int n = 0;
        found = c->fd >= 0 && ioctl(c->fd, FIONREAD, &n) == 0 && n > 0;
    }
    pthread_mutex_unlock(&s->conns_mu);
    return found;
}

static const char *security_headers[][2] = {
    {"Content-Security-Policy",
     "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
     "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"},
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "same-origin"},
    {"X-Frame-Options", "DENY"},
};

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct srv *s = cls;
    struct arena *a = arena_new();
    struct req *r = arena_alloc(a, sizeof *r);
    r->arena = a;
    r->app = s->opt.app;
    r->conn = conn;
    r->raw_uri = arena_strndup(a, uri, REQ_MAX_URI + 1);
    r->t0_us = clock_mono_us();
    r->state = ST_NEW;
    __atomic_add_fetch(&s->in_flight, 1, __ATOMIC_SEQ_CST);
    r->secure_cookies = s->opt.secure_cookies;
    sb_init(&r->body, 0);
    sb_init(&r->resp.body, 0);
    arena_defer(a, (void (*)(void *))sb_release, &r->body);
    arena_defer(a, (void (*)(void *))sb_release, &r->resp.body);
    return r;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode why)
{
    struct srv *s = cls;
    struct req *r = *req_cls;
    if (!r)
        return;
    if (!s->opt.access_log)
        goto done;
    int64_t us = clock_mono_us() - r->t0_us;
    /* No query string (it may carry names, e-mail addresses, tokens), no
     * private token, no control character: see req_log_path. */
    struct sb method = SB_INIT, path = SB_INIT;
    if (r->path) {
        req_log_path(&path, r->path);
    } else if (r->raw_uri) {
        size_t plen = strcspn(r->raw_uri, "?");
        req_log_path(&path, arena_strndup(r->arena, r->raw_uri, plen));
    } else {
        sb_adds(&path, "-");
    }
    req_log_path(&method, r->method ? r->method : "-");
    log_info("%s %s %d %lldus%s", method.buf, path.buf, r->resp.status, (long long)us,
             why == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (aborted)");
    sb_release(&method);
    sb_release(&path);
done:
    arena_free(r->arena);
    *req_cls = NULL;
    __atomic_sub_fetch(&s->in_flight, 1, __ATOMIC_SEQ_CST);
}

static void fail(struct srv *s, struct req *r, int status, const char *msg)
{
    resp_start(r, status, "text/plain; charset=utf-8");
    s->opt.error(r, status, NULL, msg);
    r->state = ST_DONE;
}

struct xff {
    struct arena *a;
    char *list; /* every X-Forwarded-For header, in order, joined by "," */
};

static enum MHD_Result gather_xff(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    struct xff *x = cls;
    (void)kind;
    if (strcasecmp(key, "X-Forwarded-For") == 0 && value)
        x->list = x->list ? arena_printf(x->a, "%s,%s", x->list, value)
                          : arena_strdup(x->a, value);
    return MHD_YES;
}

/* The client's address, believing X-Forwarded-For only from our proxies. */
static const char *client_address(struct srv *s, struct req *r)
{
    struct xff x = {r->arena, NULL};
    r->client = NULL;
    const char *peer = req_address(r);
    if (s->opt.n_trusted_proxies == 0)
        return peer;
    MHD_get_connection_values(r->conn, MHD_HEADER_KIND, gather_xff, &x);
    return req_client_address(r->arena, peer, x.list, s->opt.trusted_proxies,
                              s->opt.n_trusted_proxies);
}

/* What libmicrohttpd 0.9.75 lets through and we refuse, from the headers
 * alone, before any body is read: a request smuggled between a proxy and us
 * would need one of these.  Returns 1 when r was answered (and must close). */
static int framing_error(struct srv *s, struct req *r)
{
    const char *te = req_header(r, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    if (r->version && strcmp(r->version, MHD_HTTP_VERSION_1_1) == 0 &&
        !req_header(r, MHD_HTTP_HEADER_HOST)) {
        fail(s, r, 400, "An HTTP/1.1 request needs a Host header.");
    } else if (te && req_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH)) {
        fail(s, r, 400,
             "A request may not carry both Content-Length and Transfer-Encoding; send one.");
    } else if (te && strcasecmp(te, "chunked") != 0) {
        fail(s, r, 501, "The only transfer coding this server accepts is chunked.");
    } else {
        return 0;
    }
    r->close_now = 1;
    return 1;
}

/* Decodes path and query and finds the route; on failure sets the error. */
static void route_request(struct srv *s, struct req *r)
{
    struct err e = {0};
    const char *uri = r->raw_uri;
    size_t ulen = strlen(uri);
    r->client = client_address(s, r);
    if (framing_error(s, r))
        return;
    if (ulen > REQ_MAX_URI) {
        fail(s, r, 414, "The address is too long.");
        return;
    }
    const char *q = memchr(uri, '?', ulen);
    size_t plen = q ? (size_t)(q - uri) : ulen;
    if (req_decode_path(r->arena, uri, plen, &r->path, &e) != E_OK) {
        fail(s, r, 400, e.msg);
        return;
    }
    if (q && req_parse_urlencoded(r->arena, q + 1, ulen - plen - 1, &r->query, &e) != E_OK) {
        fail(s, r, 400, e.msg);
        return;
    }
    req_parse_cookies(r->arena, req_header(r, MHD_HTTP_HEADER_COOKIE), &r->cookies);
    r->method_bit = route_method_bit(r->method);
    unsigned allowed = 0;
    int i = route_match(s->opt.routes, s->opt.nroutes, r->arena, r->method_bit, r->path,
                        r->params, &r->nparams, &allowed);
    if (i == -1) {
        fail(s, r, 404, "There is no page at this address.");
        return;
    }
    if (i == -2) {
        char allow[96];
        route_allow_header(allowed, allow, sizeof allow);
        resp_header(r, "Allow", allow);
        char msg[160];
        snprintf(msg, sizeof msg, "This address does not accept %s; it accepts %s.",
                 r->method, allow);
        fail(s, r, 405, msg);
        return;
    }
    r->route = &s->opt.routes[i];
    const char *cl = req_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
    int64_t len = 0;
    if (cl && num_parse_i64(cl, 0, INT64_MAX, &len) < 0) {
        fail(s, r, 400, "The Content-Length header is not a number.");
        return;
    }
    if ((size_t)len > r->route->body_max) {
        char msg[128];
        snprintf(msg, sizeof msg, "The request body is too large (at most %zu bytes here).",
                 r->route->body_max);
        fail(s, r, 413, msg);
        r->too_large = 1;
    }
}

static int content_type_is(struct req *r, const char *want)
{
    const char *ct = req_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
    size_t n = strlen(want);
    return ct && strncasecmp(ct, want, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static int is_loopback(const char *a)
{
    return strncmp(a, "127.", 4) == 0 || strcmp(a, "::1") == 0 ||
           strncmp(a, "::ffff:127.", 11) == 0;
}

static enum MHD_Result any_forwarding(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    int *found = cls;
    (void)kind;
    (void)value;
    if (strcasecmp(key, "X-Forwarded-For") == 0 || strcasecmp(key, "Forwarded") == 0 ||
        strcasecmp(key, "X-Real-IP") == 0) {
        *found = 1;
        return MHD_NO;
    }
    return MHD_YES;
}

/* A ROUTE_LOCAL route: the bearer token, or a request made on this machine.
 * A reverse proxy on this machine also connects from loopback, so a peer that
 * is one of our trusted proxies, or a request carrying any forwarding header
 * (which every proxy we document adds, and which a client cannot take off
 * what a proxy adds), is not "on this machine": it needs the token. */
static int local_allowed(struct srv *s, struct req *r)
{
    const char *tok = s->opt.local_token;
    const char *auth = req_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
    if (tok && *tok && auth && strncasecmp(auth, "Bearer ", 7) == 0) {
        const char *got = auth + 7;
        return strlen(got) == strlen(tok) && sodium_memcmp(got, tok, strlen(tok)) == 0;
    }
    const char *peer = req_address(r);
    if (!peer || !is_loopback(peer))
        return 0;
    for (size_t i = 0; i < s->opt.n_trusted_proxies; i++)
        if (strcmp(s->opt.trusted_proxies[i], peer) == 0)
            return 0;
    int forwarded = 0;
    MHD_get_connection_values(r->conn, MHD_HEADER_KIND, any_forwarding, &forwarded);
    return !forwarded;
}

/* Applies the route's body policy, then calls the handler. */
static void dispatch(struct srv *s, struct req *r)
{
    const struct route *rt = r->route;
    struct err e = {0};
    if (r->too_large) {
        char msg[128];
        snprintf(msg, sizeof msg, "The request body is too large (at most %zu bytes here).",
                 rt->body_max);
        fail(s, r, 413, msg);
        return;
    }
    if ((rt->flags & ROUTE_LOCAL) && !local_allowed(s, r)) {
        resp_header(r, "WWW-Authenticate", "Bearer");
        fail(s, r, 401,
             "Ask from this machine (not through a proxy), or send Authorization: Bearer with "
             "the [metrics] token.");
        return;
    }
    if ((rt->flags & ROUTE_PUBLIC) && !(rt->flags & ROUTE_API) && r->method_bit == ROUTE_GET &&
        s->opt.authorize && kv_get(&r->cookies, req_cookie_name(r, REQ_SESSION_COOKIE))) {
        /* a public page shows who is signed in (the header's account
         * link): resolve the session, whatever its role; nothing is refused
         * here, and such a page is never cached (see send_response) */
        (void)s->opt.authorize(r, 0);
    }
    if (!(rt->flags & (ROUTE_PUBLIC | ROUTE_LOCAL))) {
        int verdict = s->opt.authorize ? s->opt.authorize(r, ROUTE_ROLES(rt->flags)) : 401;
        if (verdict == 401 && !(rt->flags & ROUTE_API) && r->method_bit == ROUTE_GET) {
            struct sb next = SB_INIT;
            esc_url_component(&next, r->raw_uri, strlen(r->raw_uri));
            resp_start(r, 303, "text/plain; charset=utf-8");
            resp_header(r, "Location", arena_printf(r->arena, "/login?next=%s", next.buf));
            sb_adds(&r->resp.body, "Please sign in.\n");
            sb_release(&next);
            r->state = ST_DONE;
            return;
        }
        if (verdict == 401) {
            fail(s, r, 401, "Please sign in first.");
            return;
        }
        if (verdict == 403) {
            fail(s, r, 403, "Your account does not have access to this page.");
            return;
        }
    }
    if ((rt->flags & ROUTE_FORM) && r->body.len) {
        if (!content_type_is(r, "application/x-www-form-urlencoded")) {
            fail(s, r, 415, "Send the form as application/x-www-form-urlencoded.");
            return;
        }
        if (req_parse_urlencoded(r->arena, r->body.buf, r->body.len, &r->form, &e) != E_OK) {
            fail(s, r, 400, e.msg);
            return;
        }
    }
    if (rt->flags & ROUTE_CSRF) {
        const char *want = kv_get(&r->cookies, req_cookie_name(r, REQ_CSRF_COOKIE));
        const char *got = kv_get(&r->form, "csrf");
        if (!want || !got || strlen(want) < 16 || strlen(want) != strlen(got) ||
            sodium_memcmp(want, got, strlen(want)) != 0) {
            fail(s, r, 403,
                 "This form has expired or came from another site. Reload the page and send "
                 "it again.");
            return;
        }
    }
    if (rt->flags & ROUTE_JSON) {
        json_error_t je;
        if (!content_type_is(r, "application/json")) {
            fail(s, r, 415, "Send the body as application/json.");
            return;
        }
        r->json = json_loadb(r->body.buf, r->body.len, JSON_REJECT_DUPLICATES, &je);
        if (!r->json) {
            char msg[256];
            snprintf(msg, sizeof msg, "The JSON body is malformed at line %d, column %d: %s",
                     je.line, je.column, je.text);
            fail(s, r, 400, msg);
            return;
        }
        arena_defer(r->arena, (void (*)(void *))json_decref, r->json);
    }
    r->resp.status = 200;
    r->resp.content_type = "text/html; charset=utf-8";
    rt->handler(r);
    r->state = ST_DONE;
}

static enum MHD_Result queue(struct srv *s, struct req *r)
{
    struct MHD_Response *resp;
    struct resp *rs = &r->resp;
    enum MHD_Result ret;

    int replaced = rs->body.err; /* then a gzip body's Content-Encoding must not be sent */
    if (rs->body.err) {
        log_error("response body for %s exceeded its limit", r->path ? r->path : "?");
        rs->status = 500;
        sb_reset(&rs->body);
        sb_adds(&rs->body, "Internal error\n");
        rs->content_type = "text/plain; charset=utf-8";
    }
    if (rs->static_body) {
        resp = MHD_create_response_from_buffer(rs->static_len, (void *)rs->static_body,
                                               MHD_RESPMEM_PERSISTENT);
    } else {
        size_t len;
        char *buf = sb_detach(&rs->body, &len);
        resp = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
        if (!resp)
            free(buf);
    }
    if (!resp)
        return MHD_NO;
    if (rs->content_type && rs->status != 304)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, rs->content_type);
    /* A page behind a session (the route's access rule), or any page for
     * someone signed in, is never kept by a browser or a proxy: another
     * person at the same computer must not find it in the cache. */
    int private_page = r->user || (r->route && !(r->route->flags & ROUTE_PUBLIC)) ||
                       kv_get(&r->cookies, req_cookie_name(r, REQ_SESSION_COOKIE));
    if (private_page)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    for (size_t i = 0; i < sizeof security_headers / sizeof security_headers[0]; i++) {
        int overridden = 0; /* a handler's own value (e.g. no-referrer) wins */
        for (size_t k = 0; k < rs->headers.n; k++)
            if (strcasecmp(rs->headers.items[k].key, security_headers[i][0]) == 0)
                overridden = 1;
        if (!overridden)
            MHD_add_response_header(resp, security_headers[i][0], security_headers[i][1]);
    }
    for (size_t i = 0; i < rs->headers.n; i++) {
        if (private_page && strcasecmp(rs->headers.items[i].key, "Cache-Control") == 0)
            continue;
        if (replaced && strcasecmp(rs->headers.items[i].key, "Content-Encoding") == 0)
            continue;
        MHD_add_response_header(resp, rs->headers.items[i].key, rs->headers.items[i].val);
    }
    /* Shutting down: the client learns not to send more on this connection. */
    if (__atomic_load_n(&s->draining, __ATOMIC_SEQ_CST))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    /* counted before the answer leaves, so that a scrape that follows it sees it */
    http_metrics_record(s->opt.metrics, r->route ? (int)(r->route - s->opt.routes) : -1,
                        rs->status, clock_mono_us() - r->t0_us);
    ret = MHD_queue_response(r->conn, (unsigned)rs->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **req_cls)
{
    struct srv *s = cls;
    struct req *r = *req_cls;

    if (!r)
        return MHD_NO;
    if (r->state == ST_NEW) {
        r->conn = conn;
        r->method = arena_strdup(r->arena, method);
        r->version = arena_strdup(r->arena, version);
        route_request(s, r);
        if (r->state == ST_NEW)
            r->state = ST_BODY;
        /* An over-long declared body is refused now: reading it would be
         * waste; a body we cannot frame must not be read at all.  Queueing
         * in this first call also makes libmicrohttpd close the connection. */
        if (r->close_now)
            resp_header(r, "Connection", "close");
        if (r->too_large || r->close_now)
            return queue(s, r);
        return MHD_YES;
    }
    if (*upload_size) {
        if (r->state == ST_BODY && !r->too_large &&
            *upload_size <= r->route->body_max - r->body.len) {
            sb_add(&r->body, upload, *upload_size);
        } else if (r->state == ST_BODY && !r->too_large) {
            r->too_large = 1; /* answered with 413 at the final call */
            r->discarded += *upload_size;
        } else if (r->discarded + *upload_size > MAX_DISCARD) {
            *upload_size = 0;
            return queue(s, r);
        } else {
            r->discarded += *upload_size;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->state == ST_BODY)
        dispatch(s, r);
    return queue(s, r);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    log_warn("http: %s", line);
}

int srv_parse_listen(const char *s, char *host, size_t hostlen, int *port)
{
    const char *colon;
    size_t hl;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            return -1;
        hl = (size_t)(close - s - 1);
        s++;
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon)
            return -1;
        hl = (size_t)(colon - s);
    }
    if (hl == 0 || hl >= hostlen)
        return -1;
    memcpy(host, s, hl);
    host[hl] = '\0';
    return num_parse_int(colon + 1, 0, 65535, port);
}

/* Opens the listening socket ourselves rather than through libmicrohttpd,
 * so that a failure names its cause in one line.  SO_REUSEADDR only lets a
 * restart bind while old connections sit in TIME_WAIT; SO_REUSEPORT (two
 * processes sharing the port) only when [server] reuse_port asks for it, so
 * a second `knead serve` on a port in use fails instead of sharing it. */
static int open_listener(const struct sockaddr_storage *ss, socklen_t len, int reuse_port,
                         const char *listen_addr, char *err, size_t errlen)
{
    int one = 1;
    int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        snprintf(err, errlen, "cannot listen on %s: %s", listen_addr, strerror(errno));
        return -1;
    }
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        (reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) ||
        (ss->ss_family == AF_INET6 &&
         setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0)) {
        snprintf(err, errlen, "cannot listen on %s: %s", listen_addr, strerror(errno));
        close(fd);
        return -1;
    }
    if (bind(fd, (const struct sockaddr *)ss, len) < 0) {
        int saved = errno;
        if (saved == EADDRINUSE)
            snprintf(err, errlen, "cannot listen on %s: the port is in use (another knead serve,"
                                  " or another program)", listen_addr);
        else if (saved == EADDRNOTAVAIL)
            snprintf(err, errlen, "cannot listen on %s: not an address of this machine",
                     listen_addr);
        else if (saved == EACCES)
            snprintf(err, errlen, "cannot listen on %s: ports below 1024 need privileges",
                     listen_addr);
        else
            snprintf(err, errlen, "cannot listen on %s: %s", listen_addr, strerror(saved));
        close(fd);
        return -1;
    }
    if (listen(fd, SOMAXCONN) < 0) {
        snprintf(err, errlen, "cannot listen on %s: %s", listen_addr, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

int srv_open(const struct srv_options *opt, struct srv **out, char *err, size_t errlen)
{
    char host[64];
    int port, threads = opt->threads, fd;
    struct sockaddr_storage ss;
    socklen_t sslen;
    memset(&ss, 0, sizeof ss);

    if (route_check_table(opt->routes, opt->nroutes, err, errlen) < 0)
        return -1;
    if (srv_parse_listen(opt->listen, host, sizeof host, &port) < 0) {
        snprintf(err, errlen, "listen address '%s' is not HOST:PORT (e.g. 127.0.0.1:8080)",
                 opt->listen);
        return -1;
    }
    /* MHD_USE_ITC: srv_stop quiesces the daemon (stops accepting) first. */
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_ITC;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        sslen = sizeof *v4;
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        sslen = sizeof *v6;
        flags |= MHD_USE_IPv6;
    } else {
        snprintf(err, errlen, "listen address '%s': '%s' is not an IP address", opt->listen,
                 host);
        return -1;
    }
    if (threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 && n < 64 ? (int)n : 2;
    }
    fd = open_listener(&ss, sslen, opt->reuse_port, opt->listen, err, errlen);
    if (fd < 0)
        return -1;
    struct srv *s = xcalloc(1, sizeof *s);
    s->opt = *opt;
    s->fd = fd;
    s->flags = flags;
    s->threads = threads;
    s->port = port;
    pthread_mutex_init(&s->conns_mu, NULL);
    struct sockaddr_storage bound;
    socklen_t blen = sizeof bound;
    if (getsockname(fd, (struct sockaddr *)&bound, &blen) == 0)
        s->port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                                    : ((struct sockaddr_in *)&bound)->sin_port);
    *out = s;
    return 0;
}

int srv_threads(const struct srv *s)
{
    return s->threads;
}

int srv_port(const struct srv *s)
{
    return s->port;
}

int srv_run(struct srv *s, char *err, size_t errlen)
{
    s->d = MHD_start_daemon(s->flags, (uint16_t)s->port, NULL, NULL, on_request, s,
                            MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
                            MHD_OPTION_LISTEN_SOCKET, (MHD_socket)s->fd,
                            MHD_OPTION_THREAD_POOL_SIZE, (unsigned)s->threads,
                            MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                            MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
                            /* a connection idle this long is closed (slow clients) */
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
                            /* behind our own proxy every connection comes from it:
                             * the proxy limits its clients instead */
                            MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                            (unsigned)(s->opt.n_trusted_proxies ? 0 : s->opt.per_address),
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
                            MHD_OPTION_END);
    if (!s->d) {
        snprintf(err, errlen, "cannot serve on %s: the HTTP library could not start",
                 s->opt.listen);
        s->fd = -1; /* the library closes a socket it was given when it fails */
        return -1;
    }
    return 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Connections the kernel completed before the daemon stopped accepting are
 * handed to it, so that a request sent before the signal is answered. */
static void adopt_backlog(struct srv *s)
{
    for (;;) {
        struct sockaddr_storage peer;
        socklen_t plen = sizeof peer;
        int c = accept4(s->fd, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (c < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            return; /* EAGAIN: the backlog is empty */
        }
        if (MHD_add_connection(s->d, c, (struct sockaddr *)&peer, plen) != MHD_YES)
            log_warn("http: a connection that arrived before shutdown could not be served");
    }
}

int srv_stop(struct srv *s)
{
    int left = 0;
    if (!s)
        return 0;
    __atomic_store_n(&s->draining, 1, __ATOMIC_SEQ_CST);
    if (s->d && MHD_quiesce_daemon(s->d) != MHD_INVALID_SOCKET) {
        adopt_backlog(s);
        close(s->fd); /* from now on a new connection is refused, not left waiting */
        s->fd = -1;
        /* Wait for the requests in flight, polling: a request counts from
         * its request line to its last byte sent, and one still unread in
         * its socket counts too.  Quiet twice in a row, a few milliseconds
         * apart, for the moment between reading a request and parsing it. */
        int64_t deadline = clock_mono_us() + (int64_t)s->opt.shutdown_s * 1000000;
        int quiet = 0;
        while (quiet < 2 && clock_mono_us() < deadline) {
            int busy = __atomic_load_n(&s->in_flight, __ATOMIC_SEQ_CST) > 0 || unread_requests(s);
            quiet = busy ? 0 : quiet + 1;
            if (quiet < 2)
                sleep_ms(10);
        }
        left = __atomic_load_n(&s->in_flight, __ATOMIC_SEQ_CST);
    } else if (s->d) {
        s->fd = -1; /* not quiesced: MHD_stop_daemon closes the listening socket */
    }
    if (s->d)
        MHD_stop_daemon(s->d);
    if (s->fd >= 0)
        close(s->fd);
    pthread_mutex_destroy(&s->conns_mu);
    free(s);
    return left;
}
