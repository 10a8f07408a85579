/* smtp — one message over SMTP with libcurl.  Must not retry or touch the
 * store: mail/outbox.c decides what happens after a failure. */
#include "mail/smtp.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "util/errmsg.h"

struct upload {
    const char *data;
    size_t len, pos;
};

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
    int rc = -1;
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
        (cc = curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress_cb)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)srv)) != CURLE_OK ||
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
    if (cc != CURLE_OK) {
        errmsg_set(err, errlen, "%s:%d: %s", srv->host, srv->port,
                   cerr[0] ? cerr : curl_easy_strerror(cc));
        goto done;
    }
    rc = 0;
done:
    curl_slist_free_all(rcpt);
    if (c)
        curl_easy_cleanup(c);
    return rc;
}
