/* config — the clinic's settings: defaults, then the INI file, then flags.
 *
 * Every key is declared once in a table in config.c with its section, type
 * and range; an unknown key or a bad value is an error that names the key. */
#ifndef KNEAD_CONFIG_H
#define KNEAD_CONFIG_H

#include <stddef.h>

#define CFG_STR 256
#define CFG_PATH 1024
#define CFG_MAX_PROXIES 16
#define CFG_ADDR 46 /* INET6_ADDRSTRLEN, as REQ_ADDR_MAX in http/request.h */

struct cfg {
    /* [clinic] */
    char name[CFG_STR];
    char tagline[CFG_STR];
    char phone[CFG_STR];
    char email[CFG_STR];
    char address[CFG_STR];
    char timezone[CFG_STR];
    char currency[4];     /* ISO 4217, a currency with cents (core/money.h); USD by default */
    char tax_id[CFG_STR]; /* the clinic's tax id (EIN) on receipts and superbills; "" = none */
    char npi[11];         /* the clinic's (type 2) NPI on superbills; "" = none */
    /* [server] */
    char listen[CFG_STR];
    int threads;
    int shutdown_seconds; /* SIGTERM: how long requests in flight may take to finish */
    int reuse_port;       /* 1 = SO_REUSEPORT (several servers share the port); 0 = in use is an error */
    char public_url[CFG_STR]; /* e.g. https://book.example.com; empty = from the Host header */
    /* Peers whose X-Forwarded-For is believed (a reverse proxy in front):
     * numeric IPv4/IPv6 addresses, at most CFG_MAX_PROXIES; none by default. */
    char trusted_proxies[CFG_MAX_PROXIES][CFG_ADDR];
    int n_trusted_proxies;
    /* [database] */
    char db_path[CFG_PATH]; /* the database: a SQLite file, or [database] url when set */
    char db_url[CFG_PATH];  /* [database] url: postgresql://... ('' = none) */
    int max_size_mb; /* writes past this size answer 503 (database full); 0 = no cap */
    /* [booking] */
    int min_notice_minutes;
    int horizon_days;
    int grid_minutes;
    int late_cancel_hours;
    /* [waitlist] */
    int waitlist_offer_minutes; /* an offer of a freed time stays open this long */
    /* [auth] */
    int session_idle_minutes;
    int session_absolute_hours;
    int secure_cookies; /* 1 behind TLS: cookies get the Secure attribute */
    int signin_link_minutes; /* a client portal sign-in link works this long, once */
    /* [smtp] where e-mail goes (mail/outbox.c); host "" = keep it queued */
    char smtp_host[CFG_STR];
    int smtp_port;
    char smtp_tls[16]; /* "none", "starttls" or "tls" */
    char smtp_username[CFG_STR];
    char smtp_password[CFG_STR];
    char smtp_from[CFG_STR]; /* "" = [clinic] email */
    char smtp_desk[CFG_STR]; /* the front desk's notices; "" = [clinic] email */
    int smtp_retry_min_seconds, smtp_retry_max_seconds, smtp_max_attempts;
    int smtp_timeout_seconds; /* the whole SMTP dialogue of one message */
    /* [reminders] lead times in hours before the start (mail/remind.c); 0 = off */
    int reminders_hours, reminders_hours_2;
    /* [sms] the text-message provider (mail/sms.c); base_url "" = no text messages */
    char sms_base_url[CFG_STR];
    char sms_account[CFG_STR];
    char sms_key[CFG_STR];
    char sms_from[CFG_STR];
    char sms_inbound_secret[CFG_STR]; /* the path secret of /sms/inbound/{secret}; "" = off */
    /* [payments] the payment provider's hosted checkout (svc/pay.c): deposits
     * and card on file at online booking; base_url "" = no online payments.
     * key and webhook_secret are never logged. */
    char payments_base_url[CFG_STR];
    char payments_key[CFG_STR];
    char payments_webhook_secret[CFG_STR];
    int payments_hold_minutes; /* a slot waiting for its deposit is held this long */
    int payments_timeout_seconds; /* one call to the provider, all told */
    /* [limits] what one address (or one e-mail) may make the server do */
    int connections_per_address; /* open connections from one address */
    int bookings_per_hour;       /* anonymous bookings per address and per e-mail; 0 = off */
    int waitlist_per_hour;       /* waitlist sign-ups per address and per e-mail; 0 = off */
    int gift_codes_per_hour;     /* wrong gift-card codes per address before a pause; 0 = off */
    int gift_card_expiry_months; /* [money]: a gift card's validity; 0 = it never expires */
    int gift_card_min, gift_card_max; /* [money]: a gift card bought online, whole units */
    int record_downloads_per_hour; /* a client account's record downloads; 0 = off */
    /* [bench] day_cache: 1 = a day's free slots are kept per data version and
     * minute (the default); 0 = computed from the calendar on every request,
     * for bench/availability.sh's uncached figure only. */
    int day_cache;
    /* [metrics] a bearer token that lets a scraper elsewhere read /metrics;
     * "" = only from this machine */
    char metrics_token[CFG_STR];
    /* [backup] knead serve's rotating backups (backup.c): into dir (""
     * = off, the default), at start and every every_hours, the newest keep kept */
    char backup_dir[CFG_PATH];
    int backup_every_hours;
    int backup_keep;
    /* [webhooks] delivery (mail/whsend.c): loopback and private addresses
     * refused unless allow_private; one attempt takes at most
     * timeout_seconds; retries back off from retry_min_seconds doubling to
     * retry_max_seconds, max_attempts in all; key_file seals the endpoints'
     * secrets ("" = the database's path and ".webhook-key") */
    int webhooks_allow_private;
    int webhooks_timeout_seconds;
    int webhooks_retry_min_seconds, webhooks_retry_max_seconds, webhooks_max_attempts;
    char webhooks_key_file[CFG_PATH];
    /* [paths] */
    char templates_dir[CFG_PATH];
    char static_dir[CFG_PATH];
    char content_dir[CFG_PATH];
};

/* Fills in the defaults (the demo clinic in Anchorage, 127.0.0.1:8080,
 * var/knead.db, the source tree's templates/static/content).  Can't fail. */
void cfg_defaults(struct cfg *c);

/* Sets one key ("section", "key", "value").  Returns 0, or -1 with a line
 * like "[booking] grid_minutes: must be a whole number from 5 to 60" in err;
 * c is unchanged on error. */
int cfg_set(struct cfg *c, const char *section, const char *key, const char *value, char *err,
            size_t errlen);

/* Reads an INI file over c.  Returns 0, or -1 with "FILE:LINE: message" in
 * err (the first problem found).  On error c may hold some of the file's
 * values; callers exit. */
int cfg_load_file(struct cfg *c, const char *path, char *err, size_t errlen);

/* Same, from text in memory (for tests); name is used in messages. */
int cfg_load_string(struct cfg *c, const char *text, const char *name, char *err,
                    size_t errlen);

#endif
