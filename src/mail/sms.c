/* sms — one text message through the provider's HTTP API with libcurl.
 * Must not retry or touch the store: mail/outbox.c decides what happens
 * after a failure, as for e-mail. */
#include "mail/sms.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "util/errmsg.h"
#include "util/sb.h"

#define ANSWER_MAX 2048 /* bytes of the provider's answer kept for the error */

static size_t write_cb(char *buf, size_t size, size_t nitems, void *p)
{
    struct sb *answer = p;
    size_t n = size * nitems, room = ANSWER_MAX - answer->len;
    sb_add(answer, buf, n < room ? n : room);
    return n; /* the rest is dropped, not an error */
}

static int progress_cb(void *p, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    const struct sms_provider *sp = p;
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    return sp->abort && sp->abort(sp->abort_ctx) ? 1 : 0;
}

/* Appends "name=value" to a form body, value percent-encoded.  Returns 0,
 * or -1 when libcurl could not encode. */
static int form_field(CURL *c, struct sb *form, const char *name, const char *value)
{
    char *enc = curl_easy_escape(c, value, 0);
    if (!enc)
        return -1;
    sb_addf(form, "%s%s=%s", form->len ? "&" : "", name, enc);
    curl_free(enc);
    return 0;
}

/* The answer's first line, printable ASCII only, for an error message. */
static void snippet(const struct sb *answer, char *out, size_t size)
{
    size_t j = 0;
    for (size_t i = 0; i < answer->len && j + 1 < size && j < 200; i++) {
        unsigned char ch = (unsigned char)answer->buf[i];
        if (ch == '\n' || ch == '\r')
            break;
        out[j++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    out[j] = '\0';
}

int sms_send(const struct sms_provider *p, const char *to, const char *body, char *err,
             size_t errlen)
{
    int rc = SMS_RETRY;
    CURL *c = NULL;
    char *account = NULL, cerr[CURL_ERROR_SIZE] = "", said[256];
    struct sb url = SB_INIT, form = SB_INIT, answer = SB_INIT;
    CURLcode cc;
    long status = 0;
    size_t blen = strlen(p->base_url);

    while (blen > 0 && p->base_url[blen - 1] == '/')
        blen--;
    if (!(c = curl_easy_init()) || !(account = curl_easy_escape(c, p->account, 0))) {
        errmsg_set(err, errlen, "libcurl could not start a transfer");
        goto done;
    }
    sb_init(&url, 4096);
    sb_init(&form, 16384);
    sb_init(&answer, ANSWER_MAX + 1);
    sb_add(&url, p->base_url, blen);
    sb_addf(&url, "/Accounts/%s/Messages.json", account);
    if (form_field(c, &form, "To", to) < 0 || form_field(c, &form, "From", p->from) < 0 ||
        form_field(c, &form, "Body", body) < 0) {
        errmsg_set(err, errlen, "libcurl could not encode the message");
        goto done;
    }
    if (url.err || form.err) {
        rc = SMS_REFUSED;
        errmsg_set(err, errlen, "%s: the address or the message is too long", p->base_url);
        goto done;
    }
    if ((cc = curl_easy_setopt(c, CURLOPT_URL, url.buf)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https")) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_USERNAME, p->account)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_PASSWORD, p->key)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_POSTFIELDS, form.buf)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)form.len)) !=
            CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)p->connect_timeout_s)) !=
            CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)p->timeout_s)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress_cb)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)p)) != CURLE_OK) {
        errmsg_set(err, errlen, "libcurl: %s", curl_easy_strerror(cc));
        goto done;
    }
    cc = curl_easy_perform(c);
    if (cc != CURLE_OK) {
        errmsg_set(err, errlen, "%s: %s", p->base_url, cerr[0] ? cerr : curl_easy_strerror(cc));
        goto done;
    }
    if ((cc = curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status)) != CURLE_OK) {
        errmsg_set(err, errlen, "libcurl: %s", curl_easy_strerror(cc));
        goto done;
    }
    if (status >= 200 && status < 300) {
        rc = 0;
        goto done;
    }
    snippet(&answer, said, sizeof said);
    if (status >= 400 && status < 500 && status != 408 && status != 429)
        rc = SMS_REFUSED;
    errmsg_set(err, errlen, "%s: the SMS provider answered HTTP %ld%s%s", p->base_url, status,
               said[0] ? ": " : "", said);
done:
    curl_free(account);
    sb_release(&url);
    sb_release(&form);
    sb_release(&answer);
    if (c)
        curl_easy_cleanup(c);
    return rc;
}
