/* The outbox's and the webhooks' due queries (outbox_due, outbox_next_due,
 * wh_due, wh_next_due) among many pending rows not yet due: exactly the due
 * ones, most overdue first -- a pending row due, a claim whose own
 * lease_until passed, a claim whose owner's server lease ran out -- and none
 * of the others (a claim by a live owner, an old claim by no lease, another
 * channel, a disabled or busy endpoint); the next-due time the earliest of
 * them.  On SQLite, and on PostgreSQL when KNEAD_TEST_PG names a cluster.
 * What they cost is measured by bench/ (bench/README.md), not here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "store/store.h"
#include "store_fixture.h"

#define BULK 5000 /* pending, due at 5001 .. 5000 + BULK */
#define NOW 2000

static int setup(void **state)
{
    return fixture_open(state, FIXTURE_MIGRATED, 2);
}

static int teardown(void **state)
{
    return fixture_close(state);
}

static void sql(struct fixture *f, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof buf);
    assert_int_equal(fixture_exec(f, buf), 0);
}

/* One message: status, owner (claimed_by), due at, channel. */
static void message(struct fixture *f, const char *key, const char *status, const char *owner,
                    int64_t at, const char *channel)
{
    sql(f,
        "INSERT INTO outbox (kind, dedupe_key, recipient, subject, body_text, next_attempt_at,"
        " created_at, status, claimed_by, channel) VALUES ('confirmation', '%s', '%s',"
        " 'Your booking', 'Booked.', %lld, 1000, '%s', '%s', '%s')",
        key, strcmp(channel, "sms") == 0 ? "+15555550100" : "client@example.com", (long long)at,
        status, owner, channel);
}

static void claim(struct fixture *f, unsigned channels, const char *want)
{
    struct err e = {0};
    struct outbox_msg got;
    int found = -1;
    assert_int_equal(
        db_outbox_claim_as(f->db, f->a, NOW, 2400, "server-b", channels, &got, &found, &e), E_OK);
    if (!want) {
        assert_int_equal(found, 0);
        return;
    }
    assert_int_equal(found, 1);
    assert_string_equal(got.dedupe_key, want);
}

static void next_due(struct fixture *f, unsigned channels, int64_t want)
{
    struct err e = {0};
    int64_t at = 0;
    int found = -1;
    assert_int_equal(db_outbox_next_due(f->db, channels, &at, &found, &e), E_OK);
    assert_int_equal(found, 1);
    assert_int_equal(at, want);
}

static void test_outbox_due_among_many_pending(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    sql(f,
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)"
        " INSERT INTO outbox (kind, dedupe_key, recipient, subject, body_text, next_attempt_at,"
        " created_at) SELECT 'confirmation', 'bulk-' || i, 'client@example.com', 'Your booking',"
        " 'Booked.', 5000 + i, 1000 FROM n",
        BULK);
    message(f, "due", "pending", "", 1990, "email");
    message(f, "text", "pending", "", 1980, "sms");
    message(f, "own-lease-out", "sending", "server-alive", 1995, "email");
    message(f, "owner-dead", "sending", "server-dead", 2100, "email");
    message(f, "owner-alive", "sending", "server-alive", 2200, "email");
    message(f, "no-owner", "sending", "", 2300, "email");
    assert_int_equal(db_server_lease_renew(f->db, "server-dead", 1900, &e), E_OK);
    assert_int_equal(db_server_lease_renew(f->db, "server-alive", 2500, &e), E_OK);
    assert_int_equal(db_server_lease_renew(f->db, "server-b", 2450, &e), E_OK);

    /* the dead owner's claim is due since its lease ran out at 1900 */
    next_due(f, OUTBOX_EMAIL, 1900);
    next_due(f, OUTBOX_SMS, 1980);
    next_due(f, OUTBOX_EMAIL | OUTBOX_SMS, 1900);
    /* e-mail: the three due, by next_attempt_at, then none */
    claim(f, OUTBOX_EMAIL, "due");
    claim(f, OUTBOX_EMAIL, "own-lease-out");
    claim(f, OUTBOX_EMAIL, "owner-dead");
    claim(f, OUTBOX_EMAIL, NULL);
    /* left: the live owner's claim (2200), the claim by no lease (2300),
     * server-b's three (its lease 2450, their own 2400), the bulk (5001) */
    next_due(f, OUTBOX_EMAIL, 2200);
    claim(f, OUTBOX_SMS, "text");
    claim(f, OUTBOX_SMS, NULL);
    next_due(f, OUTBOX_SMS, 2400);
    /* the bulk's first comes due */
    struct outbox_msg got;
    int found = 0;
    assert_int_equal(
        db_outbox_claim_as(f->db, f->a, 5001, 9000, "server-b", OUTBOX_EMAIL, &got, &found, &e),
        E_OK);
    assert_int_equal(found, 1);
    assert_string_equal(got.dedupe_key, "owner-alive"); /* 2200 comes before 5001 */
}

/* A delivery on endpoint ep: status, owner, due at. */
static void delivery(struct fixture *f, const char *msg_id, int64_t ep, const char *status,
                     const char *owner, int64_t at)
{
    sql(f,
        "INSERT INTO webhook_events (msg_id, type, payload, created_at) VALUES ('%s',"
        " 'appointment.booked', '{}', 1000); INSERT INTO webhook_deliveries (event_id,"
        " endpoint_id, status, next_attempt_at, claimed_by, created_at) SELECT id, %lld, '%s',"
        " %lld, '%s', 1000 FROM webhook_events WHERE msg_id = '%s'",
        msg_id, (long long)ep, status, (long long)at, owner, msg_id);
}

static void wh_claim(struct fixture *f, const int64_t *busy, size_t nbusy, const char *want)
{
    struct err e = {0};
    struct wh_delivery got;
    int found = -1;
    assert_int_equal(
        db_wh_claim_as(f->db, f->a, NOW, 2400, "server-b", busy, nbusy, &got, &found, &e), E_OK);
    if (!want) {
        assert_int_equal(found, 0);
        return;
    }
    assert_int_equal(found, 1);
    assert_string_equal(got.msg_id, want);
}

static void wh_next_due(struct fixture *f, int64_t want)
{
    struct err e = {0};
    int64_t at = 0;
    int found = -1, enabled = -1;
    assert_int_equal(db_wh_next_due(f->db, &at, &found, &enabled, &e), E_OK);
    assert_int_equal(found, 1);
    assert_int_equal(at, want);
    assert_int_equal(enabled, 1);
}

static void test_webhooks_due_among_many_pending(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    static const unsigned char secret[32] = {1};
    struct wh_endpoint ep = {.url = "https://hooks.example.com/knead",
                             .description = "",
                             .events = 1,
                             .enabled = 1,
                             .created_at = 1000,
                             .updated_at = 1000,
                             .secret = secret,
                             .secret_len = sizeof secret};
    int64_t on = 0, off = 0, busy = 0, at = 0;
    int found = -1, enabled = -1;
    /* no endpoint: nothing due, and the worker learns there is none */
    assert_int_equal(db_wh_next_due(f->db, &at, &found, &enabled, &e), E_OK);
    assert_int_equal(found, 0);
    assert_int_equal(enabled, 0);
    ep.enabled = 0;
    assert_int_equal(db_wh_endpoint_add(f->db, &ep, &off, &e), E_OK);
    assert_int_equal(db_wh_next_due(f->db, &at, &found, &enabled, &e), E_OK);
    assert_int_equal(enabled, 0); /* a disabled one counts for nothing */
    ep.enabled = 1;
    assert_int_equal(db_wh_endpoint_add(f->db, &ep, &on, &e), E_OK);
    assert_int_equal(db_wh_endpoint_add(f->db, &ep, &busy, &e), E_OK);
    sql(f,
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)"
        " INSERT INTO webhook_events (msg_id, type, payload, created_at)"
        " SELECT 'msg_bulk_' || i, 'appointment.booked', '{}', 1000 FROM n;"
        " INSERT INTO webhook_deliveries (event_id, endpoint_id, next_attempt_at, created_at)"
        " SELECT id, %lld, 5000 + id, 1000 FROM webhook_events",
        BULK, (long long)on);
    delivery(f, "msg_due", on, "pending", "", 1990);
    delivery(f, "msg_disabled", off, "pending", "", 1970);
    delivery(f, "msg_busy", busy, "pending", "", 1980);
    delivery(f, "msg_own_lease_out", on, "sending", "server-alive", 1995);
    delivery(f, "msg_owner_dead", on, "sending", "server-dead", 2100);
    delivery(f, "msg_owner_alive", on, "sending", "server-alive", 2200);
    delivery(f, "msg_no_owner", on, "sending", "", 2300);
    delivery(f, "msg_disabled_dead", off, "sending", "server-dead", 2100);
    assert_int_equal(db_server_lease_renew(f->db, "server-dead", 1900, &e), E_OK);
    assert_int_equal(db_server_lease_renew(f->db, "server-alive", 2500, &e), E_OK);
    assert_int_equal(db_server_lease_renew(f->db, "server-b", 2450, &e), E_OK);

    wh_next_due(f, 1900);
    /* endpoint `busy` has a transfer in flight: its delivery waits */
    wh_claim(f, &busy, 1, "msg_due");
    wh_claim(f, &busy, 1, "msg_own_lease_out");
    wh_claim(f, &busy, 1, "msg_owner_dead");
    wh_claim(f, &busy, 1, NULL);
    wh_next_due(f, 1980);
    wh_claim(f, NULL, 0, "msg_busy");
    wh_claim(f, NULL, 0, NULL);
    /* the disabled endpoint's 1970 does not count */
    wh_next_due(f, 2200);
}

/* 1 when a lease named id is stored (a second one of that name is refused);
 * 0 when none was (one that ran out at 1 is stored now). */
static int lease_stored(struct fixture *f, const char *id)
{
    char q[160];
    snprintf(q, sizeof q, "INSERT INTO server_leases (id, lease_until) VALUES ('%s', 1)", id);
    return fixture_exec(f, q) == 0 ? 0 : 1;
}

/* A killed server's lease goes when another server renews its own an hour
 * after it ran out; one run out less long ago, and the live ones, stay. */
static void test_renewal_removes_leases_run_out_an_hour_ago(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    assert_int_equal(db_server_lease_renew(f->db, "killed-long-ago", 10000, &e), E_OK);
    assert_int_equal(db_server_lease_renew(f->db, "killed-lately", 12000, &e), E_OK);
    assert_int_equal(db_server_lease_renew(f->db, "alive", 13600, &e), E_OK);
    /* the renewals so far removed nothing: each ran out less than an hour before */
    assert_int_equal(lease_stored(f, "killed-long-ago"), 1);
    /* "alive" renews to 13,610: killed-long-ago (10,000) ran out over an hour before */
    assert_int_equal(db_server_lease_renew(f->db, "alive", 13610, &e), E_OK);
    assert_int_equal(lease_stored(f, "killed-long-ago"), 0); /* gone: the name is free again */
    assert_int_equal(lease_stored(f, "killed-lately"), 1);
    assert_int_equal(lease_stored(f, "alive"), 1);
    /* a new server's first lease removes them too */
    assert_int_equal(db_server_lease_renew(f->db, "new", 15601, &e), E_OK);
    assert_int_equal(lease_stored(f, "killed-lately"), 0);
    assert_int_equal(lease_stored(f, "alive"), 1);
    /* and a claim of the removed owner is due at once, as before */
    struct outbox_msg m = {.kind = "confirmation",
                           .dedupe_key = "claimed-by-killed",
                           .recipient = "client@example.com",
                           .subject = "Your booking",
                           .body_text = "Booked.",
                           .next_attempt_at = 15000,
                           .created_at = 15000},
                      got;
    int added = 0, found = 0;
    assert_int_equal(db_outbox_add(f->db, &m, &added, &e), E_OK);
    assert_int_equal(db_outbox_claim_as(f->db, f->a, 15000, 20000, "killed-lately", OUTBOX_EMAIL,
                                        &got, &found, &e),
                     E_OK);
    assert_int_equal(found, 1);
    assert_int_equal(db_server_lease_renew(f->db, "newer", 15602, &e), E_OK);
    assert_int_equal(
        db_outbox_claim_as(f->db, f->a, 15602, 20000, "newer", OUTBOX_EMAIL, &got, &found, &e),
        E_OK);
    assert_int_equal(found, 1);
    assert_string_equal(got.dedupe_key, "claimed-by-killed");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_outbox_due_among_many_pending, setup, teardown),
        cmocka_unit_test_setup_teardown(test_webhooks_due_among_many_pending, setup, teardown),
        cmocka_unit_test_setup_teardown(test_renewal_removes_leases_run_out_an_hour_ago, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
