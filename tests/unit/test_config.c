/* Unit tests for config.c: defaults, values, and errors that name the key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "config.h"

static void test_defaults_are_the_demo_clinic(void **state)
{
    struct cfg c;
    cfg_defaults(&c);
    assert_string_equal(c.timezone, "America/Anchorage");
    assert_string_equal(c.currency, "USD");
    assert_string_equal(c.listen, "127.0.0.1:8080");
    assert_string_equal(c.db_path, "var/knead.db");
    assert_int_equal(c.min_notice_minutes, 180);
    assert_int_equal(c.horizon_days, 90);
    assert_int_equal(c.grid_minutes, 15);
    assert_int_equal(c.shutdown_seconds, 10);
    assert_int_equal(c.reuse_port, 0);
    assert_int_equal(c.smtp_timeout_seconds, 60);
    assert_int_equal(c.max_size_mb, 0);
}

/* The keys of the Trust issue's faults: values in range are taken. */
static void test_fault_keys_are_applied(void **state)
{
    struct cfg c;
    char err[256] = "";
    cfg_defaults(&c);
    assert_int_equal(cfg_load_string(&c,
                                     "[server]\nshutdown_seconds = 0\nreuse_port = 1\n"
                                     "[database]\nmax_size_mb = 512\n"
                                     "[smtp]\ntimeout_seconds = 240\n",
                                     "t.ini", err, sizeof err),
                     0);
    assert_int_equal(c.shutdown_seconds, 0);
    assert_int_equal(c.reuse_port, 1);
    assert_int_equal(c.max_size_mb, 512);
    assert_int_equal(c.smtp_timeout_seconds, 240);
}

/* [database] url: a PostgreSQL URL is the database, whatever path says (in
 * either order); anything but postgresql:// or postgres:// is refused. */
static void test_database_url(void **state)
{
    struct cfg c;
    char err[256] = "";
    (void)state;
    cfg_defaults(&c);
    assert_int_equal(cfg_load_string(&c,
                                     "[database]\nurl = postgresql://knead@db.internal/knead\n"
                                     "path = var/other.db\n",
                                     "t.ini", err, sizeof err),
                     0);
    assert_string_equal(c.db_path, "postgresql://knead@db.internal/knead");
    cfg_defaults(&c);
    assert_int_equal(cfg_load_string(&c, "[database]\nurl =\n", "t.ini", err, sizeof err), 0);
    assert_string_equal(c.db_path, "var/knead.db");
    cfg_defaults(&c);
    assert_int_equal(
        cfg_load_string(&c, "[database]\nurl = mysql://db/knead\n", "t.ini", err, sizeof err), -1);
    assert_non_null(strstr(err, "[database] url: 'mysql://db/knead' is not a PostgreSQL URL"));
    assert_string_equal(c.db_path, "var/knead.db");
}

/* gift cards bought online: the limits, and a minimum above the maximum refused */
static void test_gift_card_limits(void **state)
{
    struct cfg c;
    char err[256] = "";
    (void)state;
    cfg_defaults(&c);
    assert_int_equal(c.gift_card_min, 10);
    assert_int_equal(c.gift_card_max, 500);
    assert_int_equal(cfg_load_string(&c, "[money]\ngift_card_min = 25\ngift_card_max = 250\n",
                                     "t.ini", err, sizeof err),
                     0);
    assert_int_equal(c.gift_card_min, 25);
    assert_int_equal(c.gift_card_max, 250);
    cfg_defaults(&c);
    assert_int_equal(cfg_load_string(&c, "[money]\ngift_card_min = 600\n", "t.ini", err,
                                     sizeof err),
                     -1);
    assert_non_null(strstr(err, "[money] gift_card_min: must not be more than gift_card_max"));
}

static void test_file_values_are_applied(void **state)
{
    struct cfg c;
    char err[256] = "";
    cfg_defaults(&c);
    assert_int_equal(cfg_load_string(&c,
                                     "; comment\n[clinic]\nname = Harbor Massage\ntimezone = "
                                     "Europe/Berlin\n[server]\nlisten = [::1]:9000\nthreads = 4\n"
                                     "[booking]\nmin_notice_minutes = 0\nhorizon_days = 30\n"
                                     "[clinic]\ncurrency = CAD\nnpi = 1234567893\n"
                                     "tax_id = 92-1234567\n",
                                     "t.ini", err, sizeof err),
                     0);
    assert_string_equal(c.name, "Harbor Massage");
    assert_string_equal(c.timezone, "Europe/Berlin");
    assert_string_equal(c.currency, "CAD");
    assert_string_equal(c.npi, "1234567893");
    assert_string_equal(c.tax_id, "92-1234567");
    assert_string_equal(c.listen, "[::1]:9000");
    assert_int_equal(c.threads, 4);
    assert_int_equal(c.min_notice_minutes, 0);
    assert_int_equal(c.horizon_days, 30);
    assert_int_equal(c.grid_minutes, 15); /* untouched keys keep defaults */
}

static void test_errors_name_the_key(void **state)
{
    static const struct {
        const char *text, *expect;
    } rows[] = {
        {"[booking]\ngrid_minutes = 0\n", "[booking] grid_minutes"},
        {"[booking]\ngrid_minutes = 15min\n", "grid_minutes"},
        {"[booking]\ngrid_minutes = 25\n",
         "[booking] grid_minutes: '25' does not divide an hour; use 5, 10, 15, 20, 30 or 60"},
        {"[booking]\ngrid_minutes = 45\n", "does not divide an hour"},
        {"[booking]\ngrid_minutes = 7\n", "does not divide an hour"},
        {"[booking]\nhorizon_days = 99999999999999999999\n", "horizon_days"},
        {"[booking]\nmin_notice_minutes = -5\n", "min_notice_minutes"},
        {"[booking]\nmin_notice_minutes =\n", "min_notice_minutes"},
        {"[server]\nlisten = localhost\n", "[server] listen"},
        {"[server]\nlisten = 1.2.3.4:70000\n", "listen"},
        {"[server]\nthreads = 65\n", "threads"},
        {"[clinic]\nname =\n", "[clinic] name: must not be empty"},
        {"[clinic]\ntimezone = /etc/passwd\n", "timezone"},
        {"[clinic]\ntimezone = ../x\n", "timezone"},
        {"[clinic]\ncurrency = usd\n", "[clinic] currency: 'usd' is not the ISO 4217 code"},
        {"[clinic]\ncurrency = JPY\n", "[clinic] currency"},
        {"[clinic]\ncurrency =\n", "[clinic] currency"},
        {"[clinic]\nnpi = 12345\n", "[clinic] npi: '12345' is not a National Provider Identifier"},
        {"[clinic]\nnpi = 12345678x0\n", "[clinic] npi"},
        {"[clinic]\nnpi = 1234567890\n", "[clinic] npi"}, /* check digit */
        {"[clinic]\ncolour = red\n", "[clinic] colour: unknown key"},
        {"[nowhere]\na = 1\n", "[nowhere]: unknown section"},
        {"name = top level\n", "unknown section"},
        {"[clinic]\nthis line has no equals sign\n", "t.ini:2"},
        {"[smtp]\ntls = ssl\n", "[smtp] tls: 'ssl' is not none, starttls or tls"},
        {"[smtp]\nport = 0\n", "[smtp] port"},
        {"[smtp]\nfrom = front desk\n", "[smtp] from"},
        {"[smtp]\ndesk = <desk@example.com>\n", "[smtp] desk"},
        {"[smtp]\nretry_min_seconds = 0\n", "retry_min_seconds"},
        {"[smtp]\nmax_attempts = 101\n", "max_attempts"},
        {"[server]\nshutdown_seconds = 301\n",
         "[server] shutdown_seconds: '301' is not a whole number from 0 to 300"},
        {"[server]\nshutdown_seconds = -1\n", "shutdown_seconds"},
        {"[server]\nreuse_port = yes\n", "[server] reuse_port"},
        {"[smtp]\ntimeout_seconds = 0\n",
         "[smtp] timeout_seconds: '0' is not a whole number from 1 to 240"},
        {"[smtp]\ntimeout_seconds = 241\n", "timeout_seconds"},
        {"[database]\nmax_size_mb = -1\n", "[database] max_size_mb"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct cfg c;
        char err[512] = "";
        cfg_defaults(&c);
        assert_int_equal(cfg_load_string(&c, rows[i].text, "t.ini", err, sizeof err), -1);
        if (!strstr(err, rows[i].expect))
            fail_msg("row %zu: '%s' does not mention '%s'", i, err, rows[i].expect);
        assert_non_null(strstr(err, "t.ini"));
    }
}

static void test_smtp_section(void **state)
{
    struct cfg c;
    char err[256] = "";
    cfg_defaults(&c);
    assert_string_equal(c.smtp_host, "127.0.0.1"); /* make run: a local port */
    assert_int_equal(c.smtp_port, 2525);
    assert_string_equal(c.smtp_tls, "none");
    assert_int_equal(cfg_load_string(&c,
                                     "[smtp]\nhost = mail.example.com\nport = 587\ntls = starttls\n"
                                     "username = knead\npassword = s3cret\nfrom = desk@example.com\n"
                                     "desk =\nretry_min_seconds = 30\nmax_attempts = 5\n",
                                     "t.ini", err, sizeof err),
                     0);
    assert_string_equal(c.smtp_host, "mail.example.com");
    assert_int_equal(c.smtp_port, 587);
    assert_string_equal(c.smtp_tls, "starttls");
    assert_string_equal(c.smtp_from, "desk@example.com");
    assert_string_equal(c.smtp_desk, "");
    assert_int_equal(c.smtp_retry_min_seconds, 30);
    assert_int_equal(c.smtp_retry_max_seconds, 3600);
    assert_int_equal(c.smtp_max_attempts, 5);
}

static void test_webhooks_section(void **state)
{
    struct cfg c;
    char err[256] = "";
    cfg_defaults(&c);
    assert_int_equal(c.webhooks_allow_private, 0); /* loopback and private refused */
    assert_int_equal(c.webhooks_timeout_seconds, 10);
    assert_int_equal(c.webhooks_max_attempts, 12);
    assert_string_equal(c.webhooks_key_file, "");
    assert_int_equal(cfg_load_string(&c,
                                     "[webhooks]\nallow_private = 1\ntimeout_seconds = 3\n"
                                     "retry_min_seconds = 5\nretry_max_seconds = 60\n"
                                     "max_attempts = 4\nkey_file = /etc/knead/webhook.key\n",
                                     "t.ini", err, sizeof err),
                     0);
    assert_int_equal(c.webhooks_allow_private, 1);
    assert_int_equal(c.webhooks_timeout_seconds, 3);
    assert_int_equal(c.webhooks_retry_min_seconds, 5);
    assert_int_equal(c.webhooks_retry_max_seconds, 60);
    assert_int_equal(c.webhooks_max_attempts, 4);
    assert_string_equal(c.webhooks_key_file, "/etc/knead/webhook.key");
    static const char *const bad[] = {"[webhooks]\nallow_private = 2\n",
                                      "[webhooks]\ntimeout_seconds = 0\n",
                                      "[webhooks]\ntimeout_seconds = 61\n",
                                      "[webhooks]\nmax_attempts = 0\n", "[webhooks]\nsecret = x\n"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = '\0';
        assert_int_equal(cfg_load_string(&c, bad[i], "t.ini", err, sizeof err), -1);
        assert_non_null(strstr(err, "[webhooks]"));
    }
}

static void test_reminders_and_sms_sections(void **state)
{
    struct cfg c;
    char err[256] = "";
    (void)state;
    cfg_defaults(&c);
    assert_int_equal(c.reminders_hours, 24);
    assert_int_equal(c.reminders_hours_2, 0);
    assert_string_equal(c.sms_base_url, "");
    assert_int_equal(cfg_load_string(&c,
                                     "[reminders]\nhours = 48\nhours_2 = 3\n[sms]\n"
                                     "base_url = https://api.example.com/2010-04-01\n"
                                     "account = AC1\nkey = k\nfrom = +19075550199\n",
                                     "t.ini", err, sizeof err),
                     0);
    assert_int_equal(c.reminders_hours, 48);
    assert_int_equal(c.reminders_hours_2, 3);
    assert_string_equal(c.sms_base_url, "https://api.example.com/2010-04-01");
    static const struct {
        const char *text, *want;
    } bad[] = {
        {"[reminders]\nhours = 337\n", "[reminders] hours: '337' is not a whole number from 0 to 336"},
        {"[reminders]\nhours_2 = 3h\n", "[reminders] hours_2: '3h'"},
        {"[sms]\nbase_url = api.example.com\n", "[sms] base_url: 'api.example.com' is not an http"},
        {"[sms]\nbase_url = https://\n", "[sms] base_url"},
        {"[sms]\nbase_url = https://a b\n", "[sms] base_url"},
        {"[sms]\nbase_url = https://x\naccount = A\nfrom = +1907\n", "[sms] key: must be set"},
        {"[sms]\nsecret = x\n", "[sms] secret: unknown key"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cfg_defaults(&c);
        err[0] = '\0';
        if (cfg_load_string(&c, bad[i].text, "t.ini", err, sizeof err) != -1 ||
            !strstr(err, bad[i].want))
            fail_msg("row %zu: got '%s', want '%s'", i, err, bad[i].want);
    }
}

static void test_limits_and_trusted_proxies(void **state)
{
    struct cfg c;
    char err[512] = "";
    cfg_defaults(&c);
    assert_int_equal(c.connections_per_address, 32);
    assert_int_equal(c.bookings_per_hour, 20);
    assert_int_equal(c.waitlist_per_hour, 20);
    assert_int_equal(c.n_trusted_proxies, 0);
    assert_int_equal(cfg_load_string(&c,
                                     "[limits]\nconnections_per_address = 4\nbookings_per_hour = 0\n"
                                     "waitlist_per_hour = 3\n[server]\ntrusted_proxies = "
                                     "10.0.0.1, 0:0::1  192.168.1.2\n",
                                     "t.ini", err, sizeof err),
                     0);
    assert_int_equal(c.connections_per_address, 4);
    assert_int_equal(c.bookings_per_hour, 0);
    assert_int_equal(c.waitlist_per_hour, 3);
    assert_int_equal(c.n_trusted_proxies, 3);
    assert_string_equal(c.trusted_proxies[0], "10.0.0.1");
    assert_string_equal(c.trusted_proxies[1], "::1"); /* canonical, as the peer reads */
    assert_string_equal(c.trusted_proxies[2], "192.168.1.2");

    static const struct {
        const char *text, *expect;
    } bad[] = {
        {"[limits]\nconnections_per_address = 0\n", "[limits] connections_per_address"},
        {"[limits]\nbookings_per_hour = -1\n", "[limits] bookings_per_hour"},
        {"[limits]\nwaitlist_per_hour = lots\n", "[limits] waitlist_per_hour"},
        {"[limits]\nsign_ins = 3\n", "[limits] sign_ins: unknown key"},
        {"[server]\ntrusted_proxies = proxy.example.com\n", "'proxy.example.com' is not an IP"},
        {"[server]\ntrusted_proxies = 10.0.0.0/8\n", "'10.0.0.0/8' is not an IP"},
        {"[server]\ntrusted_proxies = 10.0.0.1;10.0.0.2\n", "is not an IP"},
        {"[server]\ntrusted_proxies = 1.1.1.1 1.1.1.2 1.1.1.3 1.1.1.4 1.1.1.5 1.1.1.6 1.1.1.7 "
         "1.1.1.8 1.1.1.9 1.1.1.10 1.1.1.11 1.1.1.12 1.1.1.13 1.1.1.14 1.1.1.15 1.1.1.16 "
         "1.1.1.17\n",
         "at most 16"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cfg_defaults(&c);
        if (cfg_load_string(&c, bad[i].text, "t.ini", err, sizeof err) != -1 ||
            !strstr(err, bad[i].expect))
            fail_msg("row %zu: '%s' does not mention '%s'", i, err, bad[i].expect);
        assert_int_equal(c.n_trusted_proxies, 0); /* nothing half-applied */
    }
}

static void test_set_leaves_value_alone_on_error(void **state)
{
    struct cfg c;
    char err[256];
    cfg_defaults(&c);
    assert_int_equal(cfg_set(&c, "booking", "grid_minutes", "61", err, sizeof err), -1);
    assert_int_equal(c.grid_minutes, 15);
    assert_int_equal(cfg_set(&c, "booking", "grid_minutes", "25", err, sizeof err), -1);
    assert_int_equal(c.grid_minutes, 15);
    static const char *const divides[] = {"5", "10", "15", "20", "30", "60"};
    for (size_t i = 0; i < sizeof divides / sizeof divides[0]; i++)
        assert_int_equal(cfg_set(&c, "booking", "grid_minutes", divides[i], err, sizeof err), 0);
    assert_int_equal(c.grid_minutes, 60);
    char longname[CFG_STR + 10];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_int_equal(cfg_set(&c, "clinic", "name", longname, err, sizeof err), -1);
    assert_string_equal(c.name, "Chugach Bodywork");
    assert_non_null(strstr(err, "longer than"));
}

static void test_missing_file(void **state)
{
    struct cfg c;
    char err[256];
    cfg_defaults(&c);
    assert_int_equal(cfg_load_file(&c, "/nonexistent/knead.ini", err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/knead.ini"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_are_the_demo_clinic),
        cmocka_unit_test(test_file_values_are_applied),
        cmocka_unit_test(test_fault_keys_are_applied),
        cmocka_unit_test(test_database_url),
        cmocka_unit_test(test_gift_card_limits),
        cmocka_unit_test(test_errors_name_the_key),
        cmocka_unit_test(test_smtp_section),
        cmocka_unit_test(test_webhooks_section),
        cmocka_unit_test(test_reminders_and_sms_sections),
        cmocka_unit_test(test_limits_and_trusted_proxies),
        cmocka_unit_test(test_set_leaves_value_alone_on_error),
        cmocka_unit_test(test_missing_file),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
