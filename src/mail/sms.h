/* sms — hands one text message to an SMS provider's HTTP API with libcurl,
 * in the Twilio style: POST {base_url}/Accounts/{account}/Messages.json
 * with the form fields To, From and Body and HTTP basic auth
 * account:key.  Knows nothing of the outbox: it sends what it is given, or
 * says why it could not.  Needs smtp_global_init (libcurl) first. */
#ifndef KNEAD_MAIL_SMS_H
#define KNEAD_MAIL_SMS_H

#include <stddef.h>

struct sms_provider {
    const char *base_url;     /* http(s)://host[:port][/path]; "" or NULL = SMS off */
    const char *account, *key; /* basic auth; account also names the path */
    const char *from;         /* the sending number (or name) the provider knows */
    int connect_timeout_s, timeout_s;
    /* Polled while sending; returning non-zero aborts (shutdown).  May be NULL. */
    int (*abort)(void *ctx);
    void *abort_ctx;
};

#define SMS_RETRY -1   /* not sent; may work later (network, 5xx, 408, 429) */
#define SMS_REFUSED -2 /* the provider refused it (other 4xx): retrying cannot help */

/* Sends body to `to` (E.164).  Returns 0 when the provider answered 2xx;
 * SMS_RETRY or SMS_REFUSED with a message naming the provider, the HTTP
 * status and the start of its answer. */
int sms_send(const struct sms_provider *p, const char *to, const char *body, char *err,
             size_t errlen);

#endif
