/* whsend — the webhook delivery worker: claims due deliveries, signs them
 * (svc/webhook.c), posts them with libcurl's multi interface, and records
 * each outcome.  It never holds a store connection during a transfer.  The
 * cycle is drawn in whsend.h.  Times are real time, as the outbox's. */
#include "mail/whsend.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mail/lease.h"
#include "mail/outbox.h"
#include "store/store.h"
#include "svc/webhook.h"
#include "util/arena.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"

#define REPLY_KEEP 500   /* bytes of a reply's body kept in the log */
#define LOOK_MS 1000     /* the longest the worker goes without a look at the store */
#define LEASE_EXTRA_S 30 /* a claim outlives the longest attempt by this much */

/* One transfer in flight. */
struct slot {
    int used;
    CURL *easy;
    struct curl_slist *headers;
    struct arena *a; /* the claimed delivery lives here */
    struct wh_delivery d;
    char *body; /* the payload (d.payload), posted as is */
    char reply[REPLY_KEEP + 1];
    size_t nreply;
    char refused[INET6_ADDRSTRLEN]; /* the private address a connection was refused to */
    char curl_err[CURL_ERROR_SIZE];
    int allow_private;
};

struct whsend {
    struct whsend_options o;
    pthread_t thread;
    CURLM *multi;
    int stopping; /* atomic */
    int kicked;   /* atomic: a commit may have queued deliveries (whsend_kick) */
    int look;     /* atomic: look whatever the last look found (whsend_look) */
    int none;     /* atomic: the last look found no endpoint enabled */
    uint64_t looks_woken, looks_timed; /* atomic: whsend_stats */
    struct slot slots[WH_BUSY_MAX];
};

static int64_t mono_ms(void)
{
    return clock_mono_us() / 1000;
}

static int v4_private(const unsigned char *b)
{
    return b[0] == 0 || b[0] == 10 || b[0] == 127 || (b[0] == 100 && (b[1] & 0xc0) == 64) ||
           (b[0] == 169 && b[1] == 254) || (b[0] == 172 && (b[1] & 0xf0) == 16) ||
           (b[0] == 192 && b[1] == 168) || (b[0] == 192 && b[1] == 0 && b[2] == 0) ||
           (b[0] == 198 && (b[1] & 0xfe) == 18) || b[0] >= 224;
}

int whsend_private_address(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        return v4_private((const unsigned char *)&in->sin_addr);
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        const unsigned char *b = in6->sin6_addr.s6_addr;
        static const unsigned char zero[16] = {0};
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(b, zero, 15) == 0 && (b[15] == 0 || b[15] == 1)) /* :: and ::1 */
            return 1;
        if (memcmp(b, mapped, 12) == 0 || memcmp(b, zero, 12) == 0) /* ::ffff:a.b.c.d, ::a.b.c.d */
            return v4_private(b + 12);
        return (b[0] & 0xfe) == 0xfc                      /* fc00::/7 unique local */
               || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) /* fe80::/10 link-local */
               || (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) /* fec0::/10 site-local */
               || b[0] == 0xff;                           /* multicast */
    }
    return 1; /* anything else is not the Internet */
}

/* Where libcurl connects: refuses a private address unless allowed. */
static curl_socket_t open_socket(void *p, curlsocktype purpose, struct curl_sockaddr *addr)
{
    struct slot *s = p;
    (void)purpose;
    if (!s->allow_private && whsend_private_address(&addr->addr)) {
        const void *raw =
            addr->family == AF_INET6
                ? (const void *)&((const struct sockaddr_in6 *)(const void *)&addr->addr)->sin6_addr
                : (const void *)&((const struct sockaddr_in *)(const void *)&addr->addr)->sin_addr;
        if (!inet_ntop(addr->family, raw, s->refused, sizeof s->refused))
            snprintf(s->refused, sizeof s->refused, "a private address");
        return CURL_SOCKET_BAD;
    }
    return socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
}

static size_t on_reply(char *data, size_t size, size_t n, void *p)
{
    struct slot *s = p;
    size_t len = size * n;
    size_t room = REPLY_KEEP - s->nreply;
    if (room > 0) {
        size_t k = len < room ? len : room;
        memcpy(s->reply + s->nreply, data, k);
        s->nreply += k;
        s->reply[s->nreply] = '\0';
    }
    return len; /* the rest is read and dropped, within the timeout */
}

/* Copies text as valid UTF-8 without control characters (the log shows it
 * in a page): a stray byte becomes '?', a line break a space. */
static void clean_text(char *dst, size_t size, const char *src, size_t n)
{
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)src;
    for (size_t i = 0; i < n && o + 5 < size;) {
        unsigned char c = p[i];
        size_t len = c < 0x80             ? 1
                     : (c & 0xe0) == 0xc0 ? 2
                     : (c & 0xf0) == 0xe0 ? 3
                     : (c & 0xf8) == 0xf0 ? 4
                                          : 0;
        int ok = len > 0 && i + len <= n && !(len == 2 && c < 0xc2) && !(len == 4 && c > 0xf4);
        for (size_t k = 1; ok && k < len; k++)
            ok = (p[i + k] & 0xc0) == 0x80;
        if (ok && len == 3 && ((c == 0xe0 && p[i + 1] < 0xa0) || (c == 0xed && p[i + 1] >= 0xa0)))
            ok = 0; /* overlong, or a surrogate */
        if (ok && len == 4 && ((c == 0xf0 && p[i + 1] < 0x90) || (c == 0xf4 && p[i + 1] >= 0x90)))
            ok = 0;
        if (!ok) {
            dst[o++] = '?';
            i++;
        } else if (len == 1) {
            dst[o++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
            i++;
        } else {
            memcpy(dst + o, p + i, len);
            o += len;
            i += len;
        }
    }
    dst[o] = '\0';
}

static void release_slot(struct whsend *ws, struct slot *s)
{
    if (s->easy) {
        curl_multi_remove_handle(ws->multi, s->easy);
        curl_easy_cleanup(s->easy);
    }
    curl_slist_free_all(s->headers);
    arena_free(s->a);
    memset(s, 0, sizeof *s);
}

/* Records the end of an attempt; a failure here is logged (the lease makes
 * the delivery due again: the at-least-once window of whsend.h). */
static void mark(struct whsend *ws, const struct wh_delivery *d, const char *status, int64_t next,
                 int http, const char *reply)
{
    struct err e = {0};
    struct db *db = db_acquire(ws->o.store);
    enum err_code rc = db_begin(db, &e);
    if (rc == E_OK)
        rc = db_wh_mark(db, d->id, status, next, clock_real_now(), http, reply, &e);
    if (rc == E_OK)
        rc = db_commit(db, &e);
    if (rc != E_OK) {
        db_rollback(db);
        log_error("webhooks: delivery %lld could not be marked %s: %s (it is claimed again when"
                  " its lease ends)",
                  (long long)d->id, status, e.msg);
    }
    db_release(db);
}

/* After an attempt that did not deliver: again later, or given up. */
static void not_delivered(struct whsend *ws, const struct wh_delivery *d, int http, const char *why)
{
    if (__atomic_load_n(&ws->stopping, __ATOMIC_RELAXED)) {
        mark(ws, d, "pending", clock_real_now(), 0, "interrupted by shutdown");
        return;
    }
    if (d->attempts >= ws->o.max_attempts) {
        log_error("webhooks: %s %s to endpoint %lld failed %d times, giving up (Send again on "
                  "/admin/webhooks/%lld queues it again): %s",
                  d->type, d->msg_id, (long long)d->endpoint_id, d->attempts,
                  (long long)d->endpoint_id, why);
        mark(ws, d, "failed", clock_real_now(), http, why);
        return;
    }
    int64_t wait = outbox_backoff(d->attempts, ws->o.retry_min_s, ws->o.retry_max_s);
    log_warn("webhooks: %s %s to endpoint %lld not delivered (attempt %d of %d), next try in "
             "%lld s: %s",
             d->type, d->msg_id, (long long)d->endpoint_id, d->attempts, ws->o.max_attempts,
             (long long)wait, why);
    mark(ws, d, "pending", clock_real_now() + wait, http, why);
}

/* Claims one due delivery for an endpoint not in flight and starts its
 * transfer in a free slot.  1 = started (or settled at once), 0 = none due
 * or no free slot, -1 = the store failed. */
static int start_one(struct whsend *ws)
{
    struct slot *s = NULL;
    int64_t busy[WH_BUSY_MAX];
    size_t nbusy = 0;
    for (size_t i = 0; i < WH_BUSY_MAX; i++) {
        if (ws->slots[i].used)
            busy[nbusy++] = ws->slots[i].d.endpoint_id;
        else if (!s)
            s = &ws->slots[i];
    }
    if (!s)
        return 0;
    struct err e = {0};
    int found = 0;
    int64_t now = clock_real_now();
    s->a = arena_new();
    struct db *db = db_acquire(ws->o.store);
    enum err_code c = db_begin(db, &e);
    if (c == E_OK)
        c = db_wh_claim_as(db, s->a, now, now + ws->o.timeout_s + LEASE_EXTRA_S,
                           lease_id(ws->o.lease), busy, nbusy, &s->d, &found, &e);
    if (c == E_OK)
        c = db_commit(db, &e);
    if (c != E_OK)
        db_rollback(db);
    db_release(db);
    if (c != E_OK || !found) {
        if (c != E_OK)
            log_error("webhooks: cannot read the queue: %s", e.msg);
        arena_free(s->a);
        s->a = NULL;
        return c != E_OK ? -1 : 0;
    }
    s->used = 1;
    s->allow_private = ws->o.allow_private;

    unsigned char secret[WH_SECRET_BYTES];
    if (wh_secret_open(ws->o.wh, s->d.secret, s->d.secret_len, secret) < 0) {
        not_delivered(ws, &s->d, 0,
                      "the endpoint's secret cannot be opened (was [webhooks] key_file changed?);"
                      " rotate the secret on its page");
        release_slot(ws, s);
        return 1;
    }
    char sig[WH_SIGNATURE_LEN];
    int64_t ts = clock_real_now();
    size_t blen = strlen(s->d.payload);
    wh_sign(secret, sizeof secret, s->d.msg_id, ts, s->d.payload, blen, sig);
    sodium_memzero(secret, sizeof secret);

    s->headers = curl_slist_append(s->headers, "Content-Type: application/json");
    s->headers = curl_slist_append(s->headers, "Expect:");
    s->headers = curl_slist_append(s->headers, arena_printf(s->a, "webhook-id: %s", s->d.msg_id));
    s->headers =
        curl_slist_append(s->headers, arena_printf(s->a, "webhook-timestamp: %lld", (long long)ts));
    s->headers = curl_slist_append(s->headers, arena_printf(s->a, "webhook-signature: %s", sig));
    s->body = (char *)s->d.payload;
    s->easy = curl_easy_init();
    int ok = s->headers && s->easy;
    if (ok) {
        CURL *h = s->easy;
        ok = curl_easy_setopt(h, CURLOPT_URL, s->d.url) == CURLE_OK &&
             curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
             curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
             curl_easy_setopt(h, CURLOPT_NOPROXY, "*") == CURLE_OK &&
             curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
             curl_easy_setopt(h, CURLOPT_POST, 1L) == CURLE_OK &&
             curl_easy_setopt(h, CURLOPT_POSTFIELDS, s->body) == CURLE_OK &&
             curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen) == CURLE_OK &&
             curl_easy_setopt(h, CURLOPT_HTTPHEADER, s->headers) == CURLE_OK &&
             curl_easy_setopt(h, CURLOPT_USERAGENT, "Knead-Webhooks/1") == CURLE_OK &&
             curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)ws->o.timeout_s) == CURLE_OK &&
             curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT,
                              (long)(ws->o.timeout_s < 5 ? ws->o.timeout_s : 5)) == CURLE_OK &&
             curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_reply) == CURLE_OK &&
             curl_easy_setopt(h, CURLOPT_WRITEDATA, s) == CURLE_OK &&
             curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket) == CURLE_OK &&
             curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, s) == CURLE_OK &&
             curl_easy_setopt(h, CURLOPT_ERRORBUFFER, s->curl_err) == CURLE_OK &&
             curl_easy_setopt(h, CURLOPT_PRIVATE, s) == CURLE_OK &&
             curl_multi_add_handle(ws->multi, h) == CURLM_OK;
    }
    if (!ok) {
        not_delivered(ws, &s->d, 0, "the transfer could not be set up (libcurl)");
        release_slot(ws, s);
    }
    return 1;
}

/* A transfer ended: records how. */
static void finish(struct whsend *ws, struct slot *s, CURLcode res)
{
    long http = 0;
    char why[REPLY_KEEP + 200], text[REPLY_KEEP + 8]; /* clean_text never grows text */
    clean_text(text, sizeof text, s->reply, s->nreply);
    if (res == CURLE_OK) {
        curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &http);
        if (http >= 200 && http <= 299) {
            log_info("webhooks: delivered %s %s to endpoint %lld (HTTP %ld)", s->d.type,
                     s->d.msg_id, (long long)s->d.endpoint_id, http);
            mark(ws, &s->d, "delivered", clock_real_now(), (int)http, text);
            release_slot(ws, s);
            return;
        }
        if (http >= 300 && http <= 399)
            snprintf(why, sizeof why,
                     "HTTP %ld: a redirect, which is not followed; give the "
                     "final address. %.500s",
                     http, text);
        else
            snprintf(why, sizeof why, "HTTP %ld%s%.500s", http, text[0] ? ": " : "", text);
    } else if (s->refused[0]) {
        snprintf(why, sizeof why,
                 "refused to connect to %s: a loopback or private address "
                 "([webhooks] allow_private = 0)",
                 s->refused);
    } else {
        snprintf(why, sizeof why, "%.500s", s->curl_err[0] ? s->curl_err : curl_easy_strerror(res));
    }
    not_delivered(ws, &s->d, (int)http, why);
    release_slot(ws, s);
}

/* Milliseconds until the next delivery is due (0..LOOK_MS).  Remembers
 * whether any endpoint is enabled (ws->none). */
static int until_due(struct whsend *ws)
{
    struct err e = {0};
    int64_t at = 0;
    int found = 0, enabled = 1;
    struct db *db = db_acquire(ws->o.store);
    if (db_wh_next_due(db, &at, &found, &enabled, &e) != E_OK) {
        log_error("webhooks: cannot read the queue: %s", e.msg);
        enabled = 1; /* not known: the next kick looks again */
    }
    db_release(db);
    __atomic_store_n(&ws->none, !enabled, __ATOMIC_RELAXED);
    if (!found)
        return LOOK_MS;
    int64_t d = (at - clock_real_now()) * 1000;
    return d <= 0 ? 0 : d < LOOK_MS ? (int)d : LOOK_MS;
}

static void *worker(void *p)
{
    struct whsend *ws = p;
    int64_t next_look = 0;
    while (!__atomic_load_n(&ws->stopping, __ATOMIC_RELAXED)) {
        int kicked = __atomic_exchange_n(&ws->kicked, 0, __ATOMIC_RELAXED);
        /* With no endpoint enabled a commit queues no delivery: its kick is
         * not worth a read.  An endpoint enabled here says so (whsend_look);
         * one enabled by another server is seen at the next timed look. */
        if (kicked && __atomic_load_n(&ws->none, __ATOMIC_RELAXED))
            kicked = 0;
        kicked |= __atomic_exchange_n(&ws->look, 0, __ATOMIC_RELAXED);
        if (kicked || mono_ms() >= next_look) {
            __atomic_add_fetch(kicked ? &ws->looks_woken : &ws->looks_timed, 1, __ATOMIC_RELAXED);
            int wait = until_due(ws);
            if (wait == 0)
                while (!__atomic_load_n(&ws->stopping, __ATOMIC_RELAXED) && start_one(ws) == 1) {
                }
            next_look = mono_ms() + (wait == 0 ? LOOK_MS : wait);
        }
        int running = 0;
        curl_multi_perform(ws->multi, &running);
        CURLMsg *m;
        int left;
        int ended = 0;
        while ((m = curl_multi_info_read(ws->multi, &left))) {
            if (m->msg != CURLMSG_DONE)
                continue;
            struct slot *s = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
            CURLcode res = m->data.result;
            if (s)
                finish(ws, s, res);
            ended = 1;
        }
        if (ended) { /* a slot is free: look again at once */
            next_look = 0;
            continue;
        }
        int64_t left_ms = next_look - mono_ms();
        int timeout = left_ms <= 0 ? 0 : left_ms > LOOK_MS ? LOOK_MS : (int)left_ms;
        curl_multi_poll(ws->multi, NULL, 0, timeout, NULL);
    }
    /* stopping: what is in flight goes back to the queue */
    for (size_t i = 0; i < WH_BUSY_MAX; i++) {
        struct slot *s = &ws->slots[i];
        if (!s->used)
            continue;
        mark(ws, &s->d, "pending", clock_real_now(), 0, "interrupted by shutdown");
        release_slot(ws, s);
    }
    return NULL;
}

int whsend_start(const struct whsend_options *o, struct whsend **out, char *err, size_t errlen)
{
    struct whsend *ws = xcalloc(1, sizeof *ws);
    ws->o = *o;
    if (ws->o.max_attempts < 1)
        ws->o.max_attempts = 1;
    ws->multi = curl_multi_init();
    if (!ws->multi) {
        snprintf(err, errlen, "cannot start the webhook worker: libcurl's multi interface");
        free(ws);
        *out = NULL;
        return -1;
    }
    int rc = pthread_create(&ws->thread, NULL, worker, ws);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the webhook worker: %s", strerror(rc));
        curl_multi_cleanup(ws->multi);
        free(ws);
        *out = NULL;
        return -1;
    }
    *out = ws;
    return 0;
}

void whsend_kick(struct whsend *ws)
{
    if (!ws)
        return;
    __atomic_store_n(&ws->kicked, 1, __ATOMIC_RELAXED);
    curl_multi_wakeup(ws->multi);
}

void whsend_look(struct whsend *ws)
{
    if (!ws)
        return;
    __atomic_store_n(&ws->look, 1, __ATOMIC_RELAXED);
    curl_multi_wakeup(ws->multi);
}

void whsend_stats(const struct whsend *ws, struct whsend_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!ws)
        return;
    out->looks_woken = __atomic_load_n(&ws->looks_woken, __ATOMIC_RELAXED);
    out->looks_timed = __atomic_load_n(&ws->looks_timed, __ATOMIC_RELAXED);
}

void whsend_abort(struct whsend *ws)
{
    if (!ws)
        return;
    __atomic_store_n(&ws->stopping, 1, __ATOMIC_RELAXED);
    curl_multi_wakeup(ws->multi);
}

void whsend_stop(struct whsend *ws)
{
    if (!ws)
        return;
    whsend_abort(ws);
    pthread_join(ws->thread, NULL);
    curl_multi_cleanup(ws->multi);
    free(ws);
}
