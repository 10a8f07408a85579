/* config — one table of keys; inih reads the file, cfg_set checks each value.
 * It must not open the database or the timezone: app.c does that and reports
 * a bad timezone by its key. */
#include "config.h"

#include <arpa/inet.h>
#include <ini.h>
#include <stdio.h>
#include <string.h>

#include "core/booking.h"
#include "core/email.h"
#include "core/money.h"
#include "util/num.h"
#include "util/tzload.h"

enum kind { K_STR, K_INT, K_LISTEN, K_TZNAME, K_TLS, K_ADDR, K_URL, K_PROXIES, K_CURRENCY, K_NPI,
            K_PGURL };

static const struct key {
    const char *section, *name;
    enum kind kind;
    size_t off;
    size_t size;      /* K_STR: buffer size */
    int min, max;     /* K_INT */
    int allow_empty;  /* K_STR */
} keys[] = {
#define S(sec, k, f, empty) {sec, k, K_STR, offsetof(struct cfg, f), sizeof(((struct cfg *)0)->f), 0, 0, empty}
#define I(sec, k, f, lo, hi) {sec, k, K_INT, offsetof(struct cfg, f), 0, lo, hi, 0}
    S("clinic", "name", name, 0),
    S("clinic", "tagline", tagline, 1),
    S("clinic", "phone", phone, 1),
    S("clinic", "email", email, 1),
    S("clinic", "address", address, 1),
    {"clinic", "timezone", K_TZNAME, offsetof(struct cfg, timezone), CFG_STR, 0, 0, 0},
    /* the money (issue 11): the currency of every amount, and the clinic's
     * identifiers on receipts and superbills */
    {"clinic", "currency", K_CURRENCY, offsetof(struct cfg, currency),
     sizeof(((struct cfg *)0)->currency), 0, 0, 0},
    S("clinic", "tax_id", tax_id, 1),
    {"clinic", "npi", K_NPI, offsetof(struct cfg, npi), sizeof(((struct cfg *)0)->npi), 0, 0, 1},
    {"server", "listen", K_LISTEN, offsetof(struct cfg, listen), CFG_STR, 0, 0, 0},
    I("server", "threads", threads, 0, 64),
    I("server", "shutdown_seconds", shutdown_seconds, 0, 300),
    I("server", "reuse_port", reuse_port, 0, 1),
    S("server", "public_url", public_url, 1),
    {"server", "trusted_proxies", K_PROXIES, offsetof(struct cfg, trusted_proxies), 0, 0, 0, 1},
    S("database", "path", db_path, 0),
    {"database", "url", K_PGURL, offsetof(struct cfg, db_url), CFG_PATH, 0, 0, 1},
    I("database", "max_size_mb", max_size_mb, 0, 1048576),
    I("booking", "min_notice_minutes", min_notice_minutes, 0, 10080),
    I("booking", "horizon_days", horizon_days, 1, 730),
    I("booking", "grid_minutes", grid_minutes, 5, 60),
    I("booking", "late_cancel_hours", late_cancel_hours, 0, 336),
    I("waitlist", "offer_minutes", waitlist_offer_minutes, 5, 1440),
    I("auth", "session_idle_minutes", session_idle_minutes, 5, 1440),
    I("auth", "session_absolute_hours", session_absolute_hours, 1, 720),
    I("auth", "secure_cookies", secure_cookies, 0, 1),
    I("auth", "signin_link_minutes", signin_link_minutes, 5, 1440),
    S("smtp", "host", smtp_host, 1),
    I("smtp", "port", smtp_port, 1, 65535),
    {"smtp", "tls", K_TLS, offsetof(struct cfg, smtp_tls), sizeof(((struct cfg *)0)->smtp_tls), 0, 0, 0},
    S("smtp", "username", smtp_username, 1),
    S("smtp", "password", smtp_password, 1),
    {"smtp", "from", K_ADDR, offsetof(struct cfg, smtp_from), CFG_STR, 0, 0, 1},
    {"smtp", "desk", K_ADDR, offsetof(struct cfg, smtp_desk), CFG_STR, 0, 0, 1},
    I("smtp", "retry_min_seconds", smtp_retry_min_seconds, 1, 3600),
    I("smtp", "retry_max_seconds", smtp_retry_max_seconds, 1, 86400),
    I("smtp", "max_attempts", smtp_max_attempts, 1, 100),
    /* below mail.c's claim lease (300 s), so a transfer ends before its claim */
    I("smtp", "timeout_seconds", smtp_timeout_seconds, 1, 240),
    I("reminders", "hours", reminders_hours, 0, 336),
    I("reminders", "hours_2", reminders_hours_2, 0, 336),
    {"sms", "base_url", K_URL, offsetof(struct cfg, sms_base_url), CFG_STR, 0, 0, 1},
    S("sms", "account", sms_account, 1),
    S("sms", "key", sms_key, 1),
    S("sms", "from", sms_from, 1),
    S("sms", "inbound_secret", sms_inbound_secret, 1),
    {"payments", "base_url", K_URL, offsetof(struct cfg, payments_base_url), CFG_STR, 0, 0, 1},
    S("payments", "key", payments_key, 1),
    S("payments", "webhook_secret", payments_webhook_secret, 1),
    I("payments", "hold_minutes", payments_hold_minutes, 1, 1440),
    I("payments", "timeout_seconds", payments_timeout_seconds, 1, 60),
    I("limits", "connections_per_address", connections_per_address, 1, 10000),
    I("limits", "bookings_per_hour", bookings_per_hour, 0, 100000),
    I("limits", "waitlist_per_hour", waitlist_per_hour, 0, 100000),
    I("limits", "gift_codes_per_hour", gift_codes_per_hour, 0, 100000),
    /* gift cards: months they stay valid (0 = never; some places forbid expiry) */
    I("money", "gift_card_expiry_months", gift_card_expiry_months, 0, 120),
    /* gift cards bought online: the smallest and largest amount, whole units */
    I("money", "gift_card_min", gift_card_min, 1, 1000000),
    I("money", "gift_card_max", gift_card_max, 1, 1000000),
    I("limits", "record_downloads_per_hour", record_downloads_per_hour, 0, 100000),
    S("metrics", "token", metrics_token, 1),
    I("bench", "day_cache", day_cache, 0, 1),
    S("backup", "dir", backup_dir, 1),
    I("backup", "every_hours", backup_every_hours, 1, 8760),
    I("backup", "keep", backup_keep, 1, 1000),
    I("webhooks", "allow_private", webhooks_allow_private, 0, 1),
    I("webhooks", "timeout_seconds", webhooks_timeout_seconds, 1, 60),
    I("webhooks", "retry_min_seconds", webhooks_retry_min_seconds, 1, 3600),
    I("webhooks", "retry_max_seconds", webhooks_retry_max_seconds, 1, 86400),
    I("webhooks", "max_attempts", webhooks_max_attempts, 1, 50),
    S("webhooks", "key_file", webhooks_key_file, 1),
    S("paths", "templates", templates_dir, 0),
    S("paths", "static", static_dir, 0),
    S("paths", "content", content_dir, 0),
#undef S
#undef I
};

static void copy(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src);
}

void cfg_defaults(struct cfg *c)
{
    memset(c, 0, sizeof *c);
    copy(c->name, sizeof c->name, "Chugach Bodywork");
    copy(c->tagline, sizeof c->tagline, "Deep-tissue massage in Anchorage, Alaska");
    copy(c->phone, sizeof c->phone, "(907) 555-0142");
    copy(c->email, sizeof c->email, "frontdesk@chugachbodywork.example");
    copy(c->address, sizeof c->address, "1420 West Fireweed Lane, Anchorage, AK 99503");
    copy(c->timezone, sizeof c->timezone, "America/Anchorage");
    copy(c->currency, sizeof c->currency, "USD");
    copy(c->listen, sizeof c->listen, "127.0.0.1:8080");
    c->threads = 0;
    c->shutdown_seconds = 10;
    c->reuse_port = 0;
    copy(c->db_path, sizeof c->db_path, "var/knead.db");
    c->min_notice_minutes = 180;
    c->horizon_days = 90;
    c->grid_minutes = 15;
    c->late_cancel_hours = 24;
    c->waitlist_offer_minutes = 120;
    c->session_idle_minutes = 120;
    c->session_absolute_hours = 12;
    c->secure_cookies = 0;
    c->backup_every_hours = 24;
    c->backup_keep = 7;
    c->signin_link_minutes = 20;
    c->webhooks_allow_private = 0;
    c->webhooks_timeout_seconds = 10;
    c->webhooks_retry_min_seconds = 30;
    c->webhooks_retry_max_seconds = 14400;
    c->webhooks_max_attempts = 12;
    copy(c->smtp_host, sizeof c->smtp_host, "127.0.0.1"); /* `make run`: see README */
    c->smtp_port = 2525;
    copy(c->smtp_tls, sizeof c->smtp_tls, "none");
    c->smtp_retry_min_seconds = 60;
    c->smtp_retry_max_seconds = 3600;
    c->smtp_max_attempts = 24;
    c->day_cache = 1;
    c->smtp_timeout_seconds = 60;
    c->reminders_hours = 24;
    c->reminders_hours_2 = 0;
    c->connections_per_address = 32;
    c->bookings_per_hour = 20;
    c->waitlist_per_hour = 20;
    c->payments_hold_minutes = 15;
    c->payments_timeout_seconds = 15;
    c->gift_codes_per_hour = 10;
    c->gift_card_expiry_months = 0;
    c->gift_card_min = 10;
    c->gift_card_max = 500;
    c->record_downloads_per_hour = 10;
    copy(c->templates_dir, sizeof c->templates_dir, KNEAD_SRCDIR "/templates");
    copy(c->static_dir, sizeof c->static_dir, KNEAD_SRCDIR "/static");
    copy(c->content_dir, sizeof c->content_dir, KNEAD_SRCDIR "/content");
}


static int listen_ok(const char *v)
{
    const char *colon = strrchr(v, ':');
    int port;
    return colon && colon != v && num_parse_int(colon + 1, 0, 65535, &port) == 0;
}

/* "10.0.0.1, 10.0.0.2" or "::1 10.0.0.1": numeric addresses separated by
 * commas and/or spaces, each written back in its canonical form (so that it
 * compares equal to the peer address as inet_ntop writes it). */
static int parse_proxies(struct cfg *c, const char *value, char *err, size_t errlen,
                         const char *section, const char *key)
{
    char list[CFG_MAX_PROXIES][CFG_ADDR];
    int n = 0;
    const char *p = value;
    while (*p) {
        size_t len = strcspn(p, ", \t");
        if (len == 0) {
            p++;
            continue;
        }
        char one[64];
        unsigned char bin[16];
        if (len >= sizeof one) {
            snprintf(err, errlen, "[%s] %s: '%.60s...' is not an IP address", section, key, p);
            return -1;
        }
        memcpy(one, p, len);
        one[len] = '\0';
        int v4 = inet_pton(AF_INET, one, bin) == 1;
        if (!v4 && inet_pton(AF_INET6, one, bin) != 1) {
            snprintf(err, errlen,
                     "[%s] %s: '%s' is not an IP address (list addresses such as 10.0.0.1 or"
                     " ::1, separated by commas)",
                     section, key, one);
            return -1;
        }
        if (n == CFG_MAX_PROXIES) {
            snprintf(err, errlen, "[%s] %s: at most %d addresses", section, key,
                     CFG_MAX_PROXIES);
            return -1;
        }
        if (!inet_ntop(v4 ? AF_INET : AF_INET6, bin, list[n], CFG_ADDR)) {
            snprintf(err, errlen, "[%s] %s: '%s' is not an IP address", section, key, one);
            return -1;
        }
        n++;
        p += len;
    }
    memcpy(c->trusted_proxies, list, sizeof list);
    c->n_trusted_proxies = n;
    return 0;
}

int cfg_set(struct cfg *c, const char *section, const char *key, const char *value, char *err,
            size_t errlen)
{
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const struct key *k = &keys[i];
        if (strcmp(k->section, section) != 0 || strcmp(k->name, key) != 0)
            continue;
        char *field = (char *)c + k->off;
        switch (k->kind) {
        case K_PROXIES:
            return parse_proxies(c, value, err, errlen, section, key);
        case K_INT: {
            int v;
            if (num_parse_int(value, k->min, k->max, &v) < 0) {
                snprintf(err, errlen, "[%s] %s: '%s' is not a whole number from %d to %d",
                         section, key, value, k->min, k->max);
                return -1;
            }
            /* Starts are anchored to the hour only on a grid that divides it. */
            if (strcmp(section, "booking") == 0 && strcmp(key, "grid_minutes") == 0 &&
                !booking_grid_ok(v)) {
                snprintf(err, errlen,
                         "[%s] %s: '%s' does not divide an hour; use " BOOKING_GRIDS_TEXT,
                         section, key, value);
                return -1;
            }
            *(int *)(void *)field = v;
            return 0;
        }
        case K_LISTEN:
            if (!listen_ok(value)) {
                snprintf(err, errlen, "[%s] %s: '%s' is not HOST:PORT (e.g. 127.0.0.1:8080)",
                         section, key, value);
                return -1;
            }
            break;
        case K_TZNAME:
            if (!tzload_valid_name(value)) {
                snprintf(err, errlen,
                         "[%s] %s: '%s' is not an IANA timezone name (e.g. America/Anchorage)",
                         section, key, value);
                return -1;
            }
            break;
        case K_TLS:
            if (strcmp(value, "none") != 0 && strcmp(value, "starttls") != 0 &&
                strcmp(value, "tls") != 0) {
                snprintf(err, errlen, "[%s] %s: '%s' is not none, starttls or tls", section, key,
                         value);
                return -1;
            }
            break;
        case K_CURRENCY:
            if (!money_currency_ok(value)) {
                snprintf(err, errlen,
                         "[%s] %s: '%s' is not the ISO 4217 code of a currency with cents"
                         " (USD, CAD, EUR, GBP, AUD, NZD, CHF, SEK, NOK, DKK, MXN, SGD, HKD,"
                         " ZAR)",
                         section, key, value);
                return -1;
            }
            break;
        case K_NPI:
            if (*value && !money_npi_ok(value)) {
                snprintf(err, errlen,
                         "[%s] %s: '%s' is not a National Provider Identifier"
                         " (10 digits)",
                         section, key, value);
                return -1;
            }
            break;
        case K_ADDR:
            if (*value && !email_addr_ok(value)) {
                snprintf(err, errlen,
                         "[%s] %s: '%s' is not an e-mail address such as desk@example.com",
                         section, key, value);
                return -1;
            }
            break;
        case K_URL:
            if (*value && ((strncmp(value, "http://", 7) != 0 &&
                            strncmp(value, "https://", 8) != 0) ||
                           strpbrk(value, " \t\"<>\\") || !value[value[4] == 's' ? 8 : 7])) {
                snprintf(err, errlen,
                         "[%s] %s: '%s' is not an http:// or https:// address such as"
                         " https://api.twilio.com/2010-04-01",
                         section, key, value);
                return -1;
            }
            break;
        case K_PGURL:
            if (*value && strncmp(value, "postgresql://", 13) != 0 &&
                strncmp(value, "postgres://", 11) != 0) {
                snprintf(err, errlen,
                         "[%s] %s: '%s' is not a PostgreSQL URL such as"
                         " postgresql://knead@db.internal/knead",
                         section, key, value);
                return -1;
            }
            break;
        case K_STR:
            if (!*value && !k->allow_empty) {
                snprintf(err, errlen, "[%s] %s: must not be empty", section, key);
                return -1;
            }
            break;
        }
        if (strlen(value) >= k->size) {
            snprintf(err, errlen, "[%s] %s: longer than %zu characters", section, key,
                     k->size - 1);
            return -1;
        }
        copy(field, k->size, value);
        return 0;
    }
    int known_section = 0;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(keys[i].section, section) == 0)
            known_section = 1;
    if (!known_section)
        snprintf(err, errlen,
                 "[%s]: unknown section (known: clinic, server, database, booking, waitlist, "
                 "auth, smtp, reminders, sms, payments, limits, paths)",
                 section);
    else
        snprintf(err, errlen, "[%s] %s: unknown key", section, key);
    return -1;
}

struct load_ctx {
    struct cfg *c;
    char *err;
    size_t errlen;
    const char *name;
    int failed;
};

static int on_ini(void *user, const char *section, const char *key, const char *value
#if INI_HANDLER_LINENO
                  , int lineno
#endif
)
{
    struct load_ctx *lc = user;
    char msg[512];
    if (lc->failed)
        return 0;
    if (cfg_set(lc->c, section, key, value, msg, sizeof msg) < 0) {
        snprintf(lc->err, lc->errlen, "%s: %s", lc->name, msg);
        lc->failed = 1;
        return 0;
    }
    return 1;
}

/* Checks between keys, once the whole file is read: text messages need
 * the account, the key and the sending number. */
static int cross_check_payments(struct load_ctx *lc)
{
    static const char *const names[] = {"base_url", "key", "webhook_secret"};
    const struct cfg *c = lc->c;
    const char *have[] = {c->payments_base_url, c->payments_key, c->payments_webhook_secret};
    int set = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        set += have[i][0] != '\0';
    if (set == 0 || set == 3)
        return 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!have[i][0]) {
            snprintf(lc->err, lc->errlen,
                     "%s: [payments] %s: must be set with the others (base_url, key and"
                     " webhook_secret, or none of them for no online payments)",
                     lc->name, names[i]);
            return -1;
        }
    return 0;
}

static int cross_check(struct load_ctx *lc)
{
    if (cross_check_payments(lc) < 0)
        return -1;
    if (lc->c->gift_card_min > lc->c->gift_card_max) {
        snprintf(lc->err, lc->errlen,
                 "%s: [money] gift_card_min: must not be more than gift_card_max (%d)", lc->name,
                 lc->c->gift_card_max);
        return -1;
    }
    static const char *const need[] = {"account", "key", "from"};
    const struct cfg *c = lc->c;
    const char *have[] = {c->sms_account, c->sms_key, c->sms_from};
    size_t sl = strlen(c->sms_inbound_secret);
    if (sl && sl < 24) { /* guessed or seen over a shoulder: long and random */
        snprintf(lc->err, lc->errlen,
                 "%s: [sms] inbound_secret: must be at least 24 characters (or empty)", lc->name);
        return -1;
    }
    if (!c->sms_base_url[0])
        return 0;
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
        if (!have[i][0]) {
            snprintf(lc->err, lc->errlen, "%s: [sms] %s: must be set when base_url is set",
                     lc->name, need[i]);
            return -1;
        }
    return 0;
}

static int finish(struct load_ctx *lc, int rc)
{
    if (lc->failed)
        return -1;
    if (rc < 0) {
        snprintf(lc->err, lc->errlen, "%s: cannot read the file", lc->name);
        return -1;
    }
    if (rc > 0) {
        snprintf(lc->err, lc->errlen, "%s:%d: not a 'key = value' line or a [section]", lc->name,
                 rc);
        return -1;
    }
    /* [database] url, when set, is the database, whatever path says */
    if (lc->c->db_url[0])
        copy(lc->c->db_path, sizeof lc->c->db_path, lc->c->db_url);
    return cross_check(lc);
}

int cfg_load_file(struct cfg *c, const char *path, char *err, size_t errlen)
{
    struct load_ctx lc = {c, err, errlen, path, 0};
    return finish(&lc, ini_parse(path, on_ini, &lc));
}

int cfg_load_string(struct cfg *c, const char *text, const char *name, char *err, size_t errlen)
{
    struct load_ctx lc = {c, err, errlen, name, 0};
    return finish(&lc, ini_parse_string(text, on_ini, &lc));
}
