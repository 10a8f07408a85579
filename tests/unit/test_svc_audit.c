/* Tests of svc/audit.c on the store fixture: the writer records an actor as
 * it proved itself — a manage link as "client (manage link)" even when the
 * browser also holds an account, a proven e-mail and staff under their
 * account — with the time and address given, and changes nothing when the
 * store refuses the row. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "store_fixture.h"
#include "svc/audit.h"

static int setup(void **state)
{
    return fixture_open(state, FIXTURE_DEMO, 1);
}

static int teardown(void **state)
{
    return fixture_close(state);
}

static int64_t client(struct fixture *f)
{
    struct err e = {0};
    int64_t id = 0;
    assert_int_equal(
        db_client_for_booking(f->db, "Jane Doe", "jane@example.com", "", 0, 1000, &id, &e), E_OK);
    return id;
}

static void test_actor_recorded_as_proven(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    struct audit_entry *rows = NULL;
    size_t n = 0;
    int64_t c = client(f);
    static const struct {
        struct actor who;
        const char *actor, *role, *via;
        int64_t user_id;
    } cases[] = {
        {{0, NULL, NULL, "192.0.2.1", PROOF_MANAGE_LINK},
         "client (manage link)",
         "client",
         "manage_link",
         0},
        {{1, "jane@example.com", "client", "192.0.2.2", PROOF_MANAGE_LINK},
         "client (manage link)",
         "client",
         "manage_link",
         0},
        {{1, "jane@example.com", "client", "192.0.2.3", PROOF_EMAIL},
         "jane@example.com",
         "client",
         "proven_email",
         1},
        {{1, "desk@example.com", "desk", "192.0.2.4", PROOF_STAFF},
         "desk@example.com",
         "desk",
         "staff",
         1},
    };
    size_t k = sizeof cases / sizeof cases[0];
    for (size_t i = 0; i < k; i++)
        assert_int_equal(
            audit_add(f->db, &cases[i].who, "read", "intake", 7, c, 5000 + (int64_t)i, &e), E_OK);
    struct audit_filter flt = {.client_id = c, .limit = 10};
    assert_int_equal(db_audit_list(f->db, f->a, &flt, &rows, &n, &e), E_OK);
    assert_int_equal(n, k);
    for (size_t i = 0; i < k; i++) {
        const struct audit_entry *r = &rows[k - 1 - i]; /* newest first */
        assert_string_equal(r->actor, cases[i].actor);
        assert_string_equal(r->role, cases[i].role);
        assert_string_equal(r->via, cases[i].via);
        assert_string_equal(r->address, cases[i].who.address);
        assert_int_equal(r->user_id, cases[i].user_id);
        assert_int_equal(r->at, 5000 + (int64_t)i);
        assert_string_equal(r->action, "read");
        assert_string_equal(r->record, "intake");
        assert_int_equal(r->record_id, 7);
    }
}

static void test_refused_row_writes_nothing(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    struct audit_entry *rows = NULL;
    size_t n = 0;
    int64_t c = client(f);
    struct actor who = {0, NULL, NULL, "192.0.2.1", PROOF_MANAGE_LINK};
    assert_int_not_equal(audit_add(f->db, &who, "delete", "intake", 7, c, 5000, &e), E_OK);
    struct audit_filter flt = {.client_id = c, .limit = 10};
    assert_int_equal(db_audit_list(f->db, f->a, &flt, &rows, &n, &e), E_OK);
    assert_int_equal(n, 0);
}

/* A list shown together: one row per record, in the list's order, each
 * naming its own client and the same actor, time and address; none for an
 * empty list; a refused action writes none of them. */
static void test_many_rows_in_one_statement(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    struct audit_entry *rows = NULL;
    size_t n = 0;
    int64_t c = client(f), d = 0;
    assert_int_equal(
        db_client_for_booking(f->db, "Joe Roe", "joe@example.com", "", 0, 1000, &d, &e), E_OK);
    struct actor who = {4, "desk@example.com", "desk", "192.0.2.9", PROOF_STAFF};
    const int64_t ids[] = {31, 7, 9000000001LL, 5};
    const int64_t whose[] = {c, d, c, d};
    assert_int_equal(audit_add_many(f->db, &who, "read", "referral", ids, whose, 4, 6000, &e),
                     E_OK);
    assert_int_equal(audit_add_many(f->db, &who, "read", "referral", ids, whose, 0, 6001, &e),
                     E_OK);
    assert_int_not_equal(audit_add_many(f->db, &who, "erase", "referral", ids, whose, 4, 6002, &e),
                         E_OK);
    struct audit_filter flt = {.record = "referral", .limit = 10};
    assert_int_equal(db_audit_list(f->db, f->a, &flt, &rows, &n, &e), E_OK);
    assert_int_equal(n, 4);
    for (size_t i = 0; i < 4; i++) {
        const struct audit_entry *r = &rows[3 - i]; /* newest first */
        assert_int_equal(r->record_id, ids[i]);
        assert_int_equal(r->client_id, whose[i]);
        assert_int_equal(r->at, 6000);
        assert_int_equal(r->user_id, 4);
        assert_string_equal(r->actor, "desk@example.com");
        assert_string_equal(r->role, "desk");
        assert_string_equal(r->via, "staff");
        assert_string_equal(r->address, "192.0.2.9");
        assert_string_equal(r->action, "read");
        assert_string_equal(r->reason, "");
        if (i)
            assert_true(r->id > rows[4 - i].id); /* ids in the list's order */
    }
    flt = (struct audit_filter){.client_id = d, .limit = 10};
    assert_int_equal(db_audit_list(f->db, f->a, &flt, &rows, &n, &e), E_OK);
    assert_int_equal(n, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_actor_recorded_as_proven, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_row_writes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_rows_in_one_statement, setup, teardown),
    };
    return cmocka_run_group_tests_name("svc_audit", tests, NULL, NULL);
}
