/* server — the libmicrohttpd glue: one daemon with a thread pool, one
 * request arena per request, the dispatcher that enforces route policy, the
 * access log and the security headers.  It knows nothing of the clinic. */
#ifndef KNEAD_HTTP_SERVER_H
#define KNEAD_HTTP_SERVER_H

#include <stddef.h>

#include "http/router.h"

struct app;
struct http_metrics;

/* Decides whether the request may use a route open to `roles` (a
 * ROUTE_ROLES mask): returns 0 (go on), 401 (not signed in) or 403. */
typedef int (*srv_authorize_fn)(struct req *r, unsigned roles);

/* Renders an error response (HTML page or problem+json) into r->resp.
 * problem may be NULL for the status's default code. */
typedef void (*srv_error_fn)(struct req *r, int status, const char *problem, const char *msg);

struct srv_options {
    const char *listen;   /* "127.0.0.1:8080", "[::1]:8080"; port 0 = any free port */
    int threads;          /* pool size; 0 = number of cores */
    const struct route *routes;
    size_t nroutes;
    srv_error_fn error;   /* renders 400/404/405/413 found before a handler runs */
    srv_authorize_fn authorize; /* for routes that are not ROUTE_PUBLIC */
    struct app *app;      /* handed to handlers in req.app */
    int access_log;       /* one line per request: method, path, status, microseconds */
    int reuse_port;       /* 1 = SO_REUSEPORT: several processes may share the port */
    int shutdown_s;       /* srv_stop waits this long for requests in flight */
    int per_address;      /* open connections from one address; 0 = no limit */
    int secure_cookies;   /* behind TLS: see req_cookie_name */
    const char (*trusted_proxies)[REQ_ADDR_MAX]; /* peers whose X-Forwarded-For we believe */
    size_t n_trusted_proxies;
    struct http_metrics *metrics; /* counts every answer; NULL = none */
    const char *local_token; /* the bearer token of ROUTE_LOCAL routes; NULL or "" = none */
};

struct srv;

/* Checks the options and binds the listening socket (nothing is served
 * yet), so that a port in use is found before anything else starts.
 * Returns 0 and the server in *out, or -1 with a one-line message (bad
 * address, port in use, not an address of this machine, bad route table). */
int srv_open(const struct srv_options *opt, struct srv **out, char *err, size_t errlen);
/* Starts serving on the socket srv_open bound.  0, or -1 with a message
 * (then srv_stop frees s). */
int srv_run(struct srv *s, char *err, size_t errlen);
/* The port actually bound (useful with port 0). */
int srv_port(const struct srv *s);
/* The number of request threads it runs. */
int srv_threads(const struct srv *s);
/* Stops accepting new connections (for a server srv_run never started: only
 * closes the socket) (those the kernel already completed are
 * still served), waits up to opt.shutdown_s for the requests in flight
 * (answers sent meanwhile close their connection), then closes every
 * connection and frees the server.  Returns how many requests were still in
 * flight at the deadline and were cut off (0 normally).  Accepts NULL. */
int srv_stop(struct srv *s);

/* Parses "host:port" / "[v6]:port" into its parts; 0 or -1.  Pure. */
int srv_parse_listen(const char *s, char *host, size_t hostlen, int *port);

#endif
