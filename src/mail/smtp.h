/* smtp — hands one finished message to an SMTP server with libcurl (TLS,
 * STARTTLS, AUTH as configured).  Knows nothing of the outbox: it sends the
 * bytes it is given, or says why it could not.  libcurl does the SMTP
 * dialogue, including the dot-stuffing of lines that start with '.'. */
#ifndef KNEAD_MAIL_SMTP_H
#define KNEAD_MAIL_SMTP_H

#include <stddef.h>

struct smtp_server {
    const char *host;              /* required */
    int port;                      /* 1..65535 */
    const char *tls;               /* "none", "starttls" (required, never plain) or "tls" */
    const char *username, *password; /* username NULL or "" = no AUTH */
    int connect_timeout_s, timeout_s;
    /* Polled while sending; returning non-zero aborts (shutdown).  May be NULL. */
    int (*abort)(void *ctx);
    void *abort_ctx;
};

/* Starts libcurl; call once from main() before any thread exists.
 * Returns 0, or -1 with a message. */
int smtp_global_init(char *err, size_t errlen);
void smtp_global_cleanup(void);

#define SMTP_RETRY -1   /* a 4xx reply, a network error or no answer in time: try again later */
#define SMTP_REFUSED -2 /* a 5xx reply: permanent, retrying cannot help */

/* Sends msg[0..len) (CRLF line ends) from `from` to `to` (bare addresses);
 * the whole dialogue must end within timeout_s.  Returns 0 when the server
 * accepted it; SMTP_RETRY or SMTP_REFUSED with a message naming the server
 * and, when it refused, its own reply ("127.0.0.1:2525 refused it: 550 5.1.1
 * <a@b>: Recipient address rejected"; "127.0.0.1:2525: Couldn't connect to
 * server"; "...: no answer within 60 s ([smtp] timeout_seconds)"). */
int smtp_send(const struct smtp_server *srv, const char *from, const char *to, const char *msg,
              size_t len, char *err, size_t errlen);

#endif
