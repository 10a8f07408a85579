/* Unit tests for mail/outbox: the backoff schedule, and the outbox's claim
 * and mark cycle in a real (temporary) SQLite store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mail/outbox.h"
#include "store/store.h"
#include "util/arena.h"

static void test_backoff(void **state)
{
    static const struct {
        int attempts, min_s, max_s;
        int64_t want;
    } rows[] = {
        {1, 60, 3600, 60},    {2, 60, 3600, 120},   {3, 60, 3600, 240},  {4, 60, 3600, 480},
        {6, 60, 3600, 1920},  {7, 60, 3600, 3600},  {8, 60, 3600, 3600}, {24, 60, 3600, 3600},
        {1000, 60, 3600, 3600}, {1, 1, 4, 1},       {2, 1, 4, 2},        {3, 1, 4, 4},
        {9, 1, 4, 4},         {0, 60, 3600, 60},    {1, 0, 10, 1},       {5, 100, 50, 50},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int64_t got = outbox_backoff(rows[i].attempts, rows[i].min_s, rows[i].max_s);
        if (got != rows[i].want)
            fail_msg("row %zu: backoff(%d, %d, %d) = %lld, want %lld", i, rows[i].attempts,
                     rows[i].min_s, rows[i].max_s, (long long)got, (long long)rows[i].want);
    }
}

static struct outbox_msg msg(const char *key)
{
    static const unsigned char ics[] = {'B', 'E', 'G', 'I', 'N', 0, 1, 2};
    struct outbox_msg m = {0};
    m.kind = "confirmation";
    m.dedupe_key = key;
    m.appointment_id = 42;
    m.recipient = "zoe@example.com";
    m.recipient_name = "Zoë";
    m.subject = "Booked";
    m.body_text = "text";
    m.body_html = "<p>html</p>";
    m.attach_name = "appointment-42.ics";
    m.attach_type = "text/calendar";
    m.attach_data = ics;
    m.attach_len = sizeof ics;
    m.created_at = 1000;
    m.next_attempt_at = 0;
    return m;
}

/* A migrated SQLite store in a scratch file, one connection and an arena. */
struct scratch {
    char path[64];
    struct store *s;
    struct db *db;
    struct arena *a;
};

static void scratch_open(struct scratch *sc)
{
    struct err e = {0};
    snprintf(sc->path, sizeof sc->path, "/tmp/knead-test-outbox-XXXXXX");
    int fd = mkstemp(sc->path);
    assert_true(fd >= 0);
    close(fd);
    unlink(sc->path);
    sc->s = NULL;
    assert_int_equal(store_open(sc->path, 1, &sc->s, &e), E_OK);
    assert_int_equal(store_migrate(sc->s, NULL, &e), E_OK);
    sc->db = db_acquire(sc->s);
    sc->a = arena_new();
}

/* Closes it and removes the file and its -wal and -shm. */
static void scratch_close(struct scratch *sc)
{
    char side[sizeof sc->path + 8];
    arena_free(sc->a);
    db_release(sc->db);
    store_close(sc->s);
    unlink(sc->path);
    snprintf(side, sizeof side, "%s-wal", sc->path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", sc->path);
    unlink(side);
}

static void test_store_cycle(void **state)
{
    struct scratch sc;
    struct err e = {0};
    scratch_open(&sc);
    struct db *db = sc.db;
    struct arena *a = sc.a;
    int added = 0, found = 0, n = 0;
    struct outbox_msg m = msg("appt-42/confirmation"), got;

    /* one event, one message: the same dedupe key adds nothing */
    assert_int_equal(db_outbox_add(db, &m, &added, &e), E_OK);
    assert_int_equal(added, 1);
    assert_int_equal(db_outbox_add(db, &m, &added, &e), E_OK);
    assert_int_equal(added, 0);
    assert_int_equal(db_outbox_count(db, 42, "confirmation", &n, &e), E_OK);
    assert_int_equal(n, 1);

    /* a rolled-back transaction queues nothing */
    struct outbox_msg r = msg("appt-43/confirmation");
    assert_int_equal(db_begin(db, &e), E_OK);
    assert_int_equal(db_outbox_add(db, &r, &added, &e), E_OK);
    db_rollback(db);
    assert_int_equal(db_outbox_count(db, 42, "confirmation", &n, &e), E_OK);
    assert_int_equal(n, 1);

    /* claim: the message with its attachment, leased until 2000 */
    assert_int_equal(db_outbox_claim(db, a, 1500, 2000, OUTBOX_EMAIL, &got, &found, &e), E_OK);
    assert_int_equal(found, 1);
    assert_string_equal(got.recipient_name, "Zoë");
    assert_int_equal(got.attempts, 1);
    assert_int_equal(got.attach_len, 8);
    assert_memory_equal(got.attach_data, m.attach_data, 8);
    /* while leased nobody else gets it */
    assert_int_equal(db_outbox_claim(db, a, 1999, 2500, OUTBOX_EMAIL, &got, &found, &e), E_OK);
    assert_int_equal(found, 0);
    int64_t at = 0;
    assert_int_equal(db_outbox_next_due(db, OUTBOX_EMAIL, &at, &found, &e), E_OK);
    assert_int_equal(found, 1);
    assert_int_equal(at, 2000);
    /* a lease that ran out (a crash after sending) is claimed again: at least once */
    assert_int_equal(db_outbox_claim(db, a, 2000, 2600, OUTBOX_EMAIL, &got, &found, &e), E_OK);
    assert_int_equal(found, 1);
    assert_int_equal(got.attempts, 2);
    /* failed attempt: pending again later */
    assert_int_equal(db_outbox_mark(db, got.id, "pending", 3000, 2100, "down", &e), E_OK);
    assert_int_equal(db_outbox_mark(db, got.id, "sent", 0, 2100, "", &e), E_CONFLICT);
    assert_int_equal(db_outbox_retry(db, 999, 10, &e), E_NOTFOUND);
    assert_int_equal(db_outbox_claim(db, a, 2999, 3500, OUTBOX_EMAIL, &got, &found, &e), E_OK);
    assert_int_equal(found, 0);
    assert_int_equal(db_outbox_claim(db, a, 3000, 3500, OUTBOX_EMAIL, &got, &found, &e), E_OK);
    assert_int_equal(found, 1);
    assert_int_equal(db_outbox_retry(db, got.id, 10, &e), E_CONFLICT); /* being sent */
    assert_int_equal(db_outbox_mark(db, got.id, "sent", 0, 3100, "", &e), E_OK);
    assert_int_equal(db_outbox_retry(db, got.id, 10, &e), E_CONFLICT); /* sent: never twice */
    assert_int_equal(db_outbox_next_due(db, OUTBOX_EMAIL, &at, &found, &e), E_OK);
    assert_int_equal(found, 0);

    struct outbox_msg *list = NULL;
    size_t nl = 0;
    assert_int_equal(db_outbox_list(db, a, "sent", 10, &list, &nl, &e), E_OK);
    assert_int_equal(nl, 1);
    assert_int_equal(list[0].sent_at, 3100);
    assert_int_equal(db_outbox_list(db, a, "failed", 10, &list, &nl, &e), E_OK);
    assert_int_equal(nl, 0);
    int deleted = -1;
    assert_int_equal(db_outbox_purge(db, 3100, &deleted, &e), E_OK);
    assert_int_equal(deleted, 0);
    assert_int_equal(db_outbox_purge(db, 3101, &deleted, &e), E_OK);
    assert_int_equal(deleted, 1);

    scratch_close(&sc);
}

/* Channels: a worker claims only the channels it has a transport for; and
 * the reminder helpers: has (by dedupe key) and withdraw (waiting ones only). */
/* A claim names its server's lease (migration 0071): another server takes
 * it only once that lease has run out or ended, long before the claim's own
 * lease_until; a claim by no lease ("") waits for lease_until as before. */
static void test_dead_servers_claim(void **state)
{
    (void)state;
    struct scratch sc;
    struct err e = {0};
    scratch_open(&sc);
    struct db *db = sc.db;
    struct arena *a = sc.a;
    int added = 0, found = 0;
    int64_t at = 0;
    struct outbox_msg m = msg("appt-42/confirmation"), got;
    assert_int_equal(db_outbox_add(db, &m, &added, &e), E_OK);

    /* server A, alive until 1520, claims it until 1800 */
    assert_int_equal(db_server_lease_renew(db, "server-a", 1520, &e), E_OK);
    assert_int_equal(db_outbox_claim_as(db, a, 1500, 1800, "server-a", OUTBOX_EMAIL, &got, &found,
                                        &e), E_OK);
    assert_int_equal(found, 1);
    /* while A's lease holds, B does not take it; it is due when A's lease ends */
    assert_int_equal(db_outbox_claim_as(db, a, 1519, 2000, "server-b", OUTBOX_EMAIL, &got, &found,
                                        &e), E_OK);
    assert_int_equal(found, 0);
    assert_int_equal(db_outbox_next_due(db, OUTBOX_EMAIL, &at, &found, &e), E_OK);
    assert_int_equal(at, 1520);
    /* A renews: still its own */
    assert_int_equal(db_server_lease_renew(db, "server-a", 1530, &e), E_OK);
    assert_int_equal(db_outbox_claim_as(db, a, 1525, 2000, "server-b", OUTBOX_EMAIL, &got, &found,
                                        &e), E_OK);
    assert_int_equal(found, 0);
    /* A dies: at 1530 its lease has run out and B takes the claim at once */
    assert_int_equal(db_outbox_claim_as(db, a, 1530, 2000, "server-b", OUTBOX_EMAIL, &got, &found,
                                        &e), E_OK);
    assert_int_equal(found, 1);
    assert_int_equal(got.attempts, 2);
    /* B stops cleanly: its lease is gone (and A's, run out), its claim free */
    assert_int_equal(db_server_lease_renew(db, "server-b", 9000, &e), E_OK);
    assert_int_equal(db_outbox_claim_as(db, a, 1540, 2000, "server-c", OUTBOX_EMAIL, &got, &found,
                                        &e), E_OK);
    assert_int_equal(found, 0);
    assert_int_equal(db_server_lease_end(db, "server-b", 1540, &e), E_OK);
    assert_int_equal(db_outbox_claim_as(db, a, 1541, 2000, "", OUTBOX_EMAIL, &got, &found, &e),
                     E_OK);
    assert_int_equal(found, 1);
    /* a claim by no lease waits for its lease_until (2000) */
    assert_int_equal(db_outbox_claim_as(db, a, 1999, 2100, "server-c", OUTBOX_EMAIL, &got, &found,
                                        &e), E_OK);
    assert_int_equal(found, 0);
    assert_int_equal(db_outbox_claim_as(db, a, 2000, 2100, "server-c", OUTBOX_EMAIL, &got, &found,
                                        &e), E_OK);
    assert_int_equal(found, 1);

    scratch_close(&sc);
}

static void test_channels_and_withdraw(void **state)
{
    struct scratch sc;
    struct err e = {0};
    scratch_open(&sc);
    struct db *db = sc.db;
    struct arena *a = sc.a;
    int added = 0, found = 0, exists = 0, n = 0;
    int64_t at = 0;
    struct outbox_msg got;

    struct outbox_msg text = msg("appt-42/reminder-24h-sms/5000");
    text.kind = "reminder_sms";
    text.channel = "sms";
    text.recipient = "+19075550100";
    text.next_attempt_at = 100;
    assert_int_equal(db_outbox_add(db, &text, &added, &e), E_OK);
    assert_int_equal(added, 1);
    struct outbox_msg mail = msg("appt-42/reminder-24h/5000");
    mail.kind = "reminder";
    mail.next_attempt_at = 200;
    assert_int_equal(db_outbox_add(db, &mail, &added, &e), E_OK);
    assert_int_equal(db_outbox_has(db, "appt-42/reminder-24h/5000", &exists, &e), E_OK);
    assert_int_equal(exists, 1);
    assert_int_equal(db_outbox_has(db, "appt-42/reminder-3h/5000", &exists, &e), E_OK);
    assert_int_equal(exists, 0);

    /* e-mail only: the text message is not seen, not even as due next */
    assert_int_equal(db_outbox_next_due(db, OUTBOX_EMAIL, &at, &found, &e), E_OK);
    assert_int_equal(found, 1);
    assert_int_equal(at, 200);
    assert_int_equal(db_outbox_claim(db, a, 150, 400, OUTBOX_EMAIL, &got, &found, &e), E_OK);
    assert_int_equal(found, 0);
    assert_int_equal(db_outbox_next_due(db, OUTBOX_SMS, &at, &found, &e), E_OK);
    assert_int_equal(at, 100);
    assert_int_equal(db_outbox_claim(db, a, 150, 400, OUTBOX_SMS | OUTBOX_EMAIL, &got, &found,
                                     &e),
                     E_OK);
    assert_int_equal(found, 1);
    assert_string_equal(got.channel, "sms");
    assert_string_equal(got.recipient, "+19075550100");
    assert_int_equal(db_outbox_mark(db, got.id, "sent", 0, 160, "", &e), E_OK);

    /* withdraw takes the waiting e-mail, leaves the sent text message */
    assert_int_equal(db_outbox_withdraw(db, 42, "reminder", &n, &e), E_OK);
    assert_int_equal(n, 1);
    assert_int_equal(db_outbox_withdraw(db, 42, "reminder_sms", &n, &e), E_OK);
    assert_int_equal(n, 0);
    assert_int_equal(db_outbox_has(db, "appt-42/reminder-24h-sms/5000", &exists, &e), E_OK);
    assert_int_equal(exists, 1);
    assert_int_equal(db_outbox_next_due(db, OUTBOX_EMAIL | OUTBOX_SMS, &at, &found, &e), E_OK);
    assert_int_equal(found, 0);

    scratch_close(&sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_store_cycle),
        cmocka_unit_test(test_dead_servers_claim),
        cmocka_unit_test(test_channels_and_withdraw),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
