/* Unit tests for svc/webhook.c and the address rule of mail/whsend.c: the
 * Standard Webhooks signature (the convention's own test vector), endpoint
 * addresses, the key file, secrets that open only under their key, and
 * events queued inside the caller's transaction (a rollback leaves none; no
 * endpoint that asked, no row). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>

#include "core/tz.h"
#include "mail/whsend.h"
#include "store_fixture.h"
#include "svc/webhook.h"
#include "util/tzload.h"

static void test_signature_matches_the_standard_vector(void **state)
{
    /* from the Standard Webhooks specification's test vectors */
    unsigned char key[32];
    size_t n = 0;
    char sig[WH_SIGNATURE_LEN];
    const char *body = "{\"test\": 2432232314}";
    assert_int_equal(sodium_base642bin(key, sizeof key, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 32,
                                       NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL),
                     0);
    wh_sign(key, n, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body, strlen(body), sig);
    assert_string_equal(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    wh_sign(key, n, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265331, body, strlen(body), sig);
    assert_string_not_equal(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

static void test_url_check(void **state)
{
    static const struct {
        const char *url;
        int ok;
    } cases[] = {
        {"https://hooks.example.com/knead", 1},
        {"http://127.0.0.1:8080/x?y=1", 1},
        {"HTTPS://Hooks.Example.com", 1},
        {"https://[::1]:9000/hook", 1},
        {"https://[2001:db8::1]/hook", 1},
        {"ftp://hooks.example.com/x", 0},
        {"https://user:pw@hooks.example.com/x", 0},
        {"https://user@hooks.example.com/x", 0},
        {"https://hooks.example.com/x#top", 0},
        {"https://hooks.example.com/a b", 0},
        {"https://hooks.example.com/a\tb", 0},
        {"https://hooks.example.com:0/x", 0},
        {"https://hooks.example.com:65536/x", 0},
        {"https://hooks.example.com:/x", 0},
        {"https://:8080/x", 0},
        {"https://[zz]/x", 0},
        {"https://[::1]x/", 0},
        {"https://exa_mple.com/", 0},
        {"https://", 0},
        {"", 0},
        {NULL, 0},
        {"javascript:alert(1)//", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct err e = {0};
        enum err_code rc = wh_url_check(cases[i].url, &e);
        if (cases[i].ok != (rc == E_OK))
            fail_msg("%s: %s", cases[i].url ? cases[i].url : "(null)", e.msg);
        if (!cases[i].ok)
            assert_true(e.msg[0] != '\0');
    }
}

static void test_event_names(void **state)
{
    for (int i = 0; i < WH_NEVENTS; i++) {
        assert_non_null(wh_event_name(i));
        assert_int_equal(wh_event_parse(wh_event_name(i)), i);
        assert_true(wh_event_about(i)[0] != '\0');
    }
    assert_int_equal(wh_event_parse("appointment.BOOKED"), -1);
    assert_int_equal(wh_event_parse(WH_PING), -1);
    assert_int_equal(wh_event_parse(NULL), -1);
    assert_null(wh_event_name(WH_NEVENTS));
}

static void test_private_addresses(void **state)
{
    static const struct {
        const char *addr;
        int private;
    } cases[] = {
        {"127.0.0.1", 1},
        {"10.1.2.3", 1},
        {"172.16.0.1", 1},
        {"172.31.255.255", 1},
        {"172.32.0.1", 0},
        {"192.168.1.1", 1},
        {"169.254.169.254", 1},
        {"100.64.0.1", 1},
        {"100.128.0.1", 0},
        {"0.0.0.0", 1},
        {"224.0.0.1", 1},
        {"255.255.255.255", 1},
        {"8.8.8.8", 0},
        {"93.184.216.34", 0},
        {"::1", 1},
        {"::", 1},
        {"fd00::1", 1},
        {"fe80::1", 1},
        {"ff02::1", 1},
        {"::ffff:127.0.0.1", 1},
        {"::ffff:10.0.0.1", 1},
        {"::ffff:8.8.8.8", 0},
        {"2001:4860:4860::8888", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct sockaddr_storage ss;
        memset(&ss, 0, sizeof ss);
        if (strchr(cases[i].addr, ':')) {
            struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
            in6->sin6_family = AF_INET6;
            assert_int_equal(inet_pton(AF_INET6, cases[i].addr, &in6->sin6_addr), 1);
        } else {
            struct sockaddr_in *in = (struct sockaddr_in *)&ss;
            in->sin_family = AF_INET;
            assert_int_equal(inet_pton(AF_INET, cases[i].addr, &in->sin_addr), 1);
        }
        if (whsend_private_address((struct sockaddr *)&ss) != cases[i].private)
            fail_msg("%s", cases[i].addr);
    }
}

static void test_key_file(void **state)
{
    char path[64], err[300];
    unsigned char k1[WH_KEY_BYTES], k2[WH_KEY_BYTES];
    struct stat st;
    snprintf(path, sizeof path, "/tmp/knead-test-whkey-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    assert_int_equal(wh_key_load(path, k1, err, sizeof err), 0); /* made */
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, WH_KEY_BYTES);
    assert_int_equal(wh_key_load(path, k2, err, sizeof err), 0); /* read, not replaced */
    assert_memory_equal(k1, k2, sizeof k1);
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    fputs("x", f);
    fclose(f);
    assert_int_equal(wh_key_load(path, k2, err, sizeof err), -1);
    assert_non_null(strstr(err, "holds 33 bytes"));
    unlink(path);
    assert_int_equal(wh_key_load("/nonexistent-dir/key", k2, err, sizeof err), -1);
    assert_non_null(strstr(err, "[webhooks] key_file /nonexistent-dir/key"));
}

struct wctx {
    struct fixture *f;
    struct tz *tz;
};

static int setup(void **state)
{
    struct wctx *w = calloc(1, sizeof *w);
    char err[200];
    void *fs = NULL;
    if (fixture_open(&fs, FIXTURE_DEMO, 2) != 0)
        return -1;
    w->f = fs;
    if (tzload_load("America/Anchorage", &w->tz, err, sizeof err) != 0)
        return -1;
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct wctx *w = *state;
    void *fs = w->f;
    tz_free(w->tz);
    fixture_close(&fs);
    free(w);
    return 0;
}

static int64_t count(struct fixture *f, const char *what)
{
    struct err e = {0};
    struct wh_tally t;
    assert_int_equal(db_wh_tally(f->db, &t, &e), E_OK);
    (void)what;
    return t.pending + t.sending + t.delivered + t.failed;
}

static void test_secret_opens_only_under_its_key(void **state)
{
    struct wctx *w = *state;
    struct err e = {0};
    unsigned char key[WH_KEY_BYTES], other[WH_KEY_BYTES], secret[WH_SECRET_BYTES],
        shown[WH_SECRET_BYTES];
    char text[WH_SECRET_TEXT];
    int64_t id = 0;
    size_t n = 0;
    randombytes_buf(key, sizeof key);
    randombytes_buf(other, sizeof other);
    struct wh *wh = wh_new(w->tz, key), *wrong = wh_new(w->tz, other);
    struct wh_endpoint ep = {.url = "https://hooks.example.com/x",
                             .description = "",
                             .events = WH_EV(WH_CLIENT_CREATED),
                             .enabled = 1};
    assert_int_equal(wh_endpoint_add(wh, w->f->db, &ep, 1000, &id, text, &e), E_OK);
    assert_true(strncmp(text, "whsec_", 6) == 0);
    assert_int_equal(sodium_base642bin(shown, sizeof shown, text + 6, strlen(text + 6), NULL, &n,
                                       NULL, sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_int_equal(n, WH_SECRET_BYTES);
    struct wh_endpoint got;
    assert_int_equal(db_wh_endpoint(w->f->db, w->f->a, id, &got, &e), E_OK);
    assert_int_equal(wh_secret_open(wh, got.secret, got.secret_len, secret), 0);
    assert_memory_equal(secret, shown, sizeof secret);
    assert_int_equal(wh_secret_open(wrong, got.secret, got.secret_len, secret), -1);
    /* bad endpoints change nothing */
    struct wh_endpoint bad = ep;
    bad.events = 0;
    assert_int_equal(wh_endpoint_add(wh, w->f->db, &bad, 1000, &id, text, &e), E_UNPROCESSABLE);
    bad = ep;
    bad.url = "https://a:b@hooks.example.com/";
    assert_int_equal(wh_endpoint_add(wh, w->f->db, &bad, 1000, &id, text, &e), E_UNPROCESSABLE);
    assert_string_equal(text, "");
    wh_free(wh);
    wh_free(wrong);
}

static void test_queued_in_the_callers_transaction(void **state)
{
    struct wctx *w = *state;
    struct err e = {0};
    unsigned char key[WH_KEY_BYTES] = {1};
    char text[WH_SECRET_TEXT];
    int64_t id = 0, client = 0;
    struct wh *wh = wh_new(w->tz, key);
    const int64_t T0 = 1795000000; /* 2026-11-18T02:06:40-09:00 */
    assert_int_equal(
        db_client_for_booking(w->f->db, "Quinn Queue", "quinn@example.com", "", 0, T0, &client, &e),
        E_OK);
    /* nobody asked: nothing written */
    assert_int_equal(wh_client_created(wh, w->f->db, client, T0, &e), E_OK);
    assert_int_equal(count(w->f, "none"), 0);
    struct wh_endpoint ep = {.url = "https://hooks.example.com/q",
                             .description = "",
                             .events = WH_EV(WH_CLIENT_CREATED),
                             .enabled = 1};
    assert_int_equal(wh_endpoint_add(wh, w->f->db, &ep, T0, &id, text, &e), E_OK);
    /* an event of a type it did not ask for: nothing */
    assert_int_equal(wh_client_merged(wh, w->f->db, client, 999, T0, &e), E_OK);
    assert_int_equal(count(w->f, "other type"), 0);
    /* rolled back with its transaction */
    assert_int_equal(db_begin(w->f->db, &e), E_OK);
    assert_int_equal(wh_client_created(wh, w->f->db, client, T0, &e), E_OK);
    db_rollback(w->f->db);
    assert_int_equal(count(w->f, "rolled back"), 0);
    /* committed: one delivery, due at once, with the payload */
    assert_int_equal(db_begin(w->f->db, &e), E_OK);
    assert_int_equal(wh_client_created(wh, w->f->db, client, T0, &e), E_OK);
    assert_int_equal(db_commit(w->f->db, &e), E_OK);
    struct wh_delivery *d = NULL;
    size_t n = 0;
    assert_int_equal(db_wh_deliveries(w->f->db, w->f->a, id, "", 10, &d, &n, &e), E_OK);
    assert_int_equal(n, 1);
    assert_string_equal(d[0].type, "client.created");
    assert_string_equal(d[0].status, "pending");
    assert_int_equal(d[0].next_attempt_at, 0);
    assert_non_null(strstr(d[0].payload, "\"email\":\"quinn@example.com\""));
    assert_non_null(strstr(d[0].payload, "\"timestamp\":\"2026-11-18T02:06:40-09:00\""));
    /* claimed, delivered, and purged 30 days later with its event */
    struct wh_delivery got;
    int found = 0;
    int64_t purged = 0;
    assert_int_equal(db_begin(w->f->db, &e), E_OK);
    assert_int_equal(db_wh_claim(w->f->db, w->f->a, T0, T0 + 60, NULL, 0, &got, &found, &e), E_OK);
    assert_int_equal(found, 1);
    assert_string_equal(got.url, "https://hooks.example.com/q");
    assert_int_equal(db_wh_mark(w->f->db, got.id, "delivered", T0, T0, 204, "", &e), E_OK);
    assert_int_equal(db_commit(w->f->db, &e), E_OK);
    assert_int_equal(db_wh_purge(w->f->db, T0, &purged, &e), E_OK); /* not older than T0 */
    assert_int_equal(purged, 0);
    assert_int_equal(db_wh_purge(w->f->db, T0 + 1, &purged, &e), E_OK);
    assert_int_equal(purged, 1);
    assert_int_equal(count(w->f, "purged"), 0);
    assert_int_equal(db_wh_deliveries(w->f->db, w->f->a, id, "", 10, &d, &n, &e), E_OK);
    assert_int_equal(n, 0);
    /* NULL service: nothing, E_OK */
    assert_int_equal(wh_client_created(NULL, w->f->db, client, T0, &e), E_OK);
    wh_free(wh);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signature_matches_the_standard_vector),
        cmocka_unit_test(test_url_check),
        cmocka_unit_test(test_event_names),
        cmocka_unit_test(test_private_addresses),
        cmocka_unit_test(test_key_file),
        cmocka_unit_test_setup_teardown(test_secret_opens_only_under_its_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queued_in_the_callers_transaction, setup, teardown),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
