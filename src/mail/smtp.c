/* smtp — one message over SMTP with libcurl.  Must not retry or touch the
 * store: mail/outbox.c decides what happens after a failure. */
#include "mail/smtp.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "util/errmsg.h"

struct upload {
    const char *data;
    size_t len, pos;
};

/* The server's first refusal (a reply of 4xx or 5xx), kept in its own words
 * for the outbox; the QUIT that follows it must not overwrite it. */
struct reply {
    int code;          /* 0 = none yet */
    char text[400];    /* "550 5.1.1 <a@b>: Recipient address rejected", one line */
    int in_refusal;    /* the continuation lines of a multi-line refusal follow */
};

/* libcurl hands the server's reply lines to the debug callback as
 * CURLINFO_HEADER_IN (our commands, which may hold AUTH secrets, come as
 * HEADER_OUT and are ignored). */
static int debug_cb(CURL *c, curl_infotype type, char *data, size_t size, void *p)
{
    struct reply *rp = p;
    (void)c;
    if (type != CURLINFO_HEADER_IN || size < 4)
        return 0;
    int code = 0;
    for (int i = 0; i < 3; i++) {
        if (data[i] < '0' || data[i] > '9')
            return 0;
        code = code * 10 + (data[i] - '0');
    }
    int first = rp->code == 0 && code >= 400;
    if (!first && !(rp->in_refusal && code == rp->code))
        return 0;
    size_t n = strlen(rp->text);
    if (first) {
        rp->code = code;
        n = 0;
    } else if (n + 1 < sizeof rp->text) {
        rp->text[n++] = ' ';
    }
    /* "550-first line" / "550 last line": keep the words, one line, printable ASCII */
    size_t i = first ? 0 : 4;
    for (; i < size && n + 1 < sizeof rp->text; i++) {
        unsigned char ch = (unsigned char)data[i];
        if (ch == '\r' || ch == '\n')
            break;
        rp->text[n++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    rp->text[n] = '\0';
    if (first)
        rp->text[3] = ' ';
    rp->in_refusal = data[3] == '-';
    return 0;
}

static size_t read_cb(char *buf, size_t size, size_t nitems, void *p)
{
    struct upload *u = p;
    size_t room = size * nitems, left = u->len - u->pos;
    size_t n = left < room ? left : room;
    memcpy(buf, u->data + u->pos, n);
    u->pos += n;
    return n;
}

static int progress_cb(void *p, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    const struct smtp_server *srv = p;
    return srv->abort && srv->abort(srv->abort_ctx) ? 1 : 0;
}

int smtp_global_init(char *err, size_t errlen)
{
    CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK) {
        errmsg_set(err, errlen, "libcurl could not start: %s", curl_easy_strerror(rc));
        return -1;
    }
    return 0;
}

void smtp_global_cleanup(void)
{
    curl_global_cleanup();
}

int smtp_send(const struct smtp_server *srv, const char *from, const char *to, const char *msg,
              size_t len, char *err, size_t errlen)
{
    int rc = SMTP_RETRY;
    struct reply reply = {0};
    CURL *c = NULL;
    struct curl_slist *rcpt = NULL;
    char url[320], mfrom[300], mto[300], cerr[CURL_ERROR_SIZE] = "";
    struct upload up = {msg, len, 0};
    int tls = strcmp(srv->tls, "tls") == 0, starttls = strcmp(srv->tls, "starttls") == 0;
    CURLcode cc;

    if (snprintf(url, sizeof url, "%s://%s%s%s:%d", tls ? "smtps" : "smtp",
                 strchr(srv->host, ':') ? "[" : "", srv->host, strchr(srv->host, ':') ? "]" : "",
                 srv->port) >= (int)sizeof url ||
        snprintf(mfrom, sizeof mfrom, "<%s>", from) >= (int)sizeof mfrom ||
        snprintf(mto, sizeof mto, "<%s>", to) >= (int)sizeof mto) {
        errmsg_set(err, errlen, "%s:%d: server name or address too long", srv->host, srv->port);
        goto done;
    }
    if (!(c = curl_easy_init()) || !(rcpt = curl_slist_append(NULL, mto))) {
        errmsg_set(err, errlen, "libcurl could not start a transfer");
        goto done;
    }
    if ((cc = curl_easy_setopt(c, CURLOPT_URL, url)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_USE_SSL,
                               tls || starttls ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_NONE)) !=
            CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_MAIL_FROM, mfrom)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_READDATA, &up)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_UPLOAD, 1L)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)srv->connect_timeout_s)) !=
            CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)srv->timeout_s)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_SERVER_RESPONSE_TIMEOUT, (long)srv->timeout_s)) !=
            CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress_cb)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)srv)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, debug_cb)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_DEBUGDATA, &reply)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_VERBOSE, 1L)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps")) != CURLE_OK) {
        errmsg_set(err, errlen, "libcurl: %s", curl_easy_strerror(cc));
        goto done;
    }
    if (srv->username && *srv->username &&
        ((cc = curl_easy_setopt(c, CURLOPT_USERNAME, srv->username)) != CURLE_OK ||
         (cc = curl_easy_setopt(c, CURLOPT_PASSWORD, srv->password ? srv->password : "")) !=
             CURLE_OK)) {
        errmsg_set(err, errlen, "libcurl: %s", curl_easy_strerror(cc));
        goto done;
    }
    cc = curl_easy_perform(c);
    if (cc == CURLE_OK) {
        rc = 0;
        goto done;
    }
    /* libcurl keeps a failed connection open and says QUIT on cleanup, then
     * waits for the answer without CURLOPT_TIMEOUT or the abort callback (a
     * server that never answered DATA never answers QUIT either): cut the
     * connection first, so that cleanup cannot hang. */
    curl_socket_t sock = CURL_SOCKET_BAD;
    if (curl_easy_getinfo(c, CURLINFO_ACTIVESOCKET, &sock) == CURLE_OK && sock != CURL_SOCKET_BAD)
        shutdown(sock, SHUT_RDWR);
    if (reply.code >= 500 && reply.code <= 599) {
        errmsg_set(err, errlen, "%s:%d refused it: %s", srv->host, srv->port, reply.text);
        rc = SMTP_REFUSED;
    } else if (reply.code) {
        errmsg_set(err, errlen, "%s:%d: %s", srv->host, srv->port, reply.text);
    } else if (cc == CURLE_OPERATION_TIMEDOUT) {
        errmsg_set(err, errlen, "%s:%d: no answer within %d s ([smtp] timeout_seconds)",
                   srv->host, srv->port, srv->timeout_s);
    } else {
        errmsg_set(err, errlen, "%s:%d: %s", srv->host, srv->port,
                   cerr[0] ? cerr : curl_easy_strerror(cc));
    }
done:
    curl_slist_free_all(rcpt);
    if (c)
        curl_easy_cleanup(c);
    return rc;
}
