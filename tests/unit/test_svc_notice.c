/* Tests of svc/notice.c on the store fixture: a portal notice is queued in
 * the caller's transaction through the app's mailer — with mail/notify's
 * real mailer it commits with the change (once per event) and vanishes with
 * a rollback; with no mailer (a server without e-mail) or no
 * address nothing is queued and nothing fails; a mailer's error reaches the
 * caller; a sign-in link without a mailer is E_UNAVAILABLE. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "app.h"
#include "config.h"
#include "core/tz.h"
#include "mail/notify.h"
#include "store_fixture.h"
#include "svc/notice.h"

struct nfix {
    struct fixture *f;
    struct app app;
    struct mail_notify *notify;
    int calls, committed;
};

static int setup(void **state)
{
    struct nfix *n = calloc(1, sizeof *n);
    char err[256];
    void *fs = NULL;
    if (!n || fixture_open(&fs, FIXTURE_MIGRATED, 1) != 0)
        return -1;
    n->f = fs;
    cfg_defaults(&n->app.cfg);
    snprintf(n->app.cfg.name, sizeof n->app.cfg.name, "Harbor Massage");
    if (app_load_tz(&n->app, err, sizeof err) < 0 ||
        mail_notify_new(&n->app, &n->notify, err, sizeof err) < 0) {
        fprintf(stderr, "notice fixture: %s\n", err);
        return -1;
    }
    n->app.store = n->f->s;
    mail_notify_set_base_url(n->notify, "https://clinic.example");
    *state = n;
    return 0;
}

static int teardown(void **state)
{
    struct nfix *n = *state;
    void *fs = n->f;
    mail_notify_free(n->notify);
    tz_free(n->app.tz);
    free(n);
    return fixture_close(&fs);
}

static size_t messages(struct nfix *n, struct outbox_msg **out)
{
    struct err e = {0};
    size_t k = 0;
    assert_int_equal(db_outbox_list(n->f->db, n->f->a, NULL, 50, out, &k, &e), E_OK);
    return k;
}

static void test_commits_with_the_change(void **state)
{
    struct nfix *n = *state;
    struct err e = {0};
    struct outbox_msg *m = NULL;
    struct notice_mailer mailer = mail_notify_portal_mailer(n->notify);
    assert_int_equal(db_begin(n->f->db, &e), E_OK);
    assert_int_equal(notice_queue(&mailer, n->f->db, "insurance_outcome", "jane@example.com",
                                  "Jane Doe", "insurance-7/outcome", 1000, &e),
                     E_OK);
    assert_int_equal(db_commit(n->f->db, &e), E_OK);
    assert_int_equal(messages(n, &m), 1);
    assert_string_equal(m[0].kind, "insurance_outcome");
    assert_string_equal(m[0].recipient, "jane@example.com");
    assert_string_equal(m[0].dedupe_key, "insurance-7/outcome");
    assert_non_null(strstr(m[0].subject, "insurance benefits check"));
    /* the same event twice is one message */
    assert_int_equal(db_begin(n->f->db, &e), E_OK);
    assert_int_equal(notice_queue(&mailer, n->f->db, "insurance_outcome", "jane@example.com",
                                  "Jane Doe", "insurance-7/outcome", 1001, &e),
                     E_OK);
    assert_int_equal(db_commit(n->f->db, &e), E_OK);
    assert_int_equal(messages(n, &m), 1);
}

static void test_rolls_back_with_the_change(void **state)
{
    struct nfix *n = *state;
    struct err e = {0};
    struct outbox_msg *m = NULL;
    struct notice_mailer mailer = mail_notify_portal_mailer(n->notify);
    assert_int_equal(db_begin(n->f->db, &e), E_OK);
    assert_int_equal(notice_queue(&mailer, n->f->db, "recommendations", "jane@example.com",
                                  "Jane Doe", "appt-3/recommendations", 1000, &e),
                     E_OK);
    db_rollback(n->f->db);
    assert_int_equal(messages(n, &m), 0);
}

static void test_no_mailer_or_no_address_queues_nothing(void **state)
{
    struct nfix *n = *state;
    struct err e = {0};
    struct outbox_msg *m = NULL;
    struct notice_mailer none = {0};
    struct notice_mailer mailer = mail_notify_portal_mailer(n->notify);
    assert_int_equal(notice_queue(&none, n->f->db, "recommendations", "jane@example.com",
                                  "Jane Doe", "appt-3/recommendations", 1000, &e),
                     E_OK);
    assert_int_equal(notice_queue(NULL, n->f->db, "recommendations", "jane@example.com", "Jane Doe",
                                  "appt-3/recommendations", 1000, &e),
                     E_OK);
    assert_int_equal(notice_queue(&mailer, n->f->db, "recommendations", "", "Jane Doe",
                                  "appt-3/recommendations", 1000, &e),
                     E_OK);
    assert_int_equal(notice_queue(&mailer, n->f->db, "recommendations", NULL, "Jane Doe",
                                  "appt-3/recommendations", 1000, &e),
                     E_OK);
    assert_int_equal(messages(n, &m), 0);
    notice_committed(&none); /* nothing to wake, and no crash */
    assert_false(notice_can_signin(&none));
    assert_int_equal(notice_signin(&none, n->f->db, "jane@example.com", "Jane Doe",
                                   "/account/link/x", 30, 1000, "signin/x", &e),
                     E_UNAVAILABLE);
    assert_non_null(strstr(e.msg, "cannot send e-mail"));
    assert_true(notice_can_signin(&mailer));
}

static enum err_code failing(void *ctx, struct db *db, const char *kind, const char *to,
                             const char *name, const char *dedupe, int64_t now, struct err *e)
{
    ++((struct nfix *)ctx)->calls;
    return err_set(e, E_UNAVAILABLE, "The outbox is full.");
}

static void woke(void *ctx)
{
    ++((struct nfix *)ctx)->committed;
}

static void test_mailer_error_reaches_the_caller(void **state)
{
    struct nfix *n = *state;
    struct err e = {0};
    struct notice_mailer m = {NULL, failing, woke, n, NULL};
    assert_int_equal(notice_queue(&m, n->f->db, "recommendations", "jane@example.com", "Jane Doe",
                                  "appt-3/recommendations", 1000, &e),
                     E_UNAVAILABLE);
    assert_string_equal(e.msg, "The outbox is full.");
    assert_int_equal(n->calls, 1);
    notice_committed(&m);
    assert_int_equal(n->committed, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_commits_with_the_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rolls_back_with_the_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_mailer_or_no_address_queues_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_mailer_error_reaches_the_caller, setup, teardown),
    };
    return cmocka_run_group_tests_name("svc_notice", tests, NULL, NULL);
}
