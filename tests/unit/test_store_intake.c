/* Tests of the store's health forms and insurance checks (SQLite, a
 * temporary file): a form is created, a change keeps the earlier version in
 * the history, confirming stamps it; checks are queued oldest first, a
 * request can be corrected only while pending, the outcome is read back;
 * merging two clients moves every record and keeps the newer form current;
 * a migration numbered below the newest applied one is still applied. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/migration.h"
#include "store/store.h"
#include "store_fixture.h"

static int setup(void **state)
{
    return fixture_open(state, FIXTURE_MIGRATED, 1);
}

static int teardown(void **state)
{
    return fixture_close(state);
}

static int64_t client(struct fixture *f, const char *name, const char *email)
{
    struct err e = {0};
    int64_t id = 0;
    assert_int_equal(db_client_for_booking(f->db, name, email, "", 0, 1000, &id, &e), E_OK);
    return id;
}

static struct intake form(int64_t client_id, const char *reason, int pain)
{
    struct intake in = {
        .client_id = client_id, .pain = pain, .email = "jane@example.com",
        .phone = "907-555-0100", .birth_date = "1980-04-30", .emergency_name = "John",
        .emergency_phone = "907-555-0101", .reason = reason, .areas = "lower_back",
        .onset = "gradual_work", .onset_other = "", .worse = "", .better = "",
        .treatments = "rest", .conditions = "pregnancy", .conditions_other = "",
        .medications = "", .pressure = "firm", .consent_name = "Jane Doe", .consent_at = 2000,
    };
    return in;
}

static int64_t count(struct fixture *f, const char *sql)
{
    return fixture_count(f, sql);
}

static void test_intake_versions(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    struct intake got;
    int64_t c = client(f, "Jane Doe", "jane@example.com"), id = 0, id2 = 0;
    int created = -1;
    assert_int_equal(db_intake(f->db, f->a, c, &got, &e), E_NOTFOUND);
    assert_int_equal(db_intake_confirm(f->db, c, 3000, &e), E_NOTFOUND);

    struct intake in = form(c, "Lower back pain", 6);
    assert_int_equal(db_begin(f->db, &e), E_OK);
    assert_int_equal(db_intake_put(f->db, &in, 2000, &id, &created, &e), E_OK);
    assert_int_equal(db_commit(f->db, &e), E_OK);
    assert_int_equal(created, 1);
    assert_true(id > 0);
    assert_int_equal(db_intake(f->db, f->a, c, &got, &e), E_OK);
    assert_int_equal(got.id, id);
    assert_int_equal(got.version, 1);
    assert_int_equal(got.pain, 6);
    assert_string_equal(got.reason, "Lower back pain");
    assert_string_equal(got.conditions, "pregnancy");
    assert_int_equal(got.created_at, 2000);
    assert_int_equal(got.updated_at, 2000);
    assert_int_equal(got.confirmed_at, 0);

    in = form(c, "Neck pain", 3);
    in.updated_by = 7;
    assert_int_equal(db_intake_put(f->db, &in, 5000, &id2, &created, &e), E_OK);
    assert_int_equal(created, 0);
    assert_int_equal(id2, id);
    assert_int_equal(db_intake(f->db, f->a, c, &got, &e), E_OK);
    assert_int_equal(got.version, 2);
    assert_string_equal(got.reason, "Neck pain");
    assert_int_equal(got.created_at, 2000);
    assert_int_equal(got.updated_at, 5000);
    assert_int_equal(got.updated_by, 7);
    assert_int_equal(count(f, "SELECT count(*) FROM intake_history WHERE version = 1"
                              " AND reason = 'Lower back pain' AND archived_at = 5000"),
                     1);

    assert_int_equal(db_intake_confirm(f->db, c, 6000, &e), E_OK);
    assert_int_equal(db_intake(f->db, f->a, c, &got, &e), E_OK);
    assert_int_equal(got.confirmed_at, 6000);

    /* a pain out of range is refused by the table, nothing stored */
    in = form(c, "Bad", 11);
    assert_int_equal(db_intake_put(f->db, &in, 7000, NULL, NULL, &e), E_UNPROCESSABLE);
}

static void test_insurance_queue(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    int64_t c1 = client(f, "Ann One", "ann@example.com"), c2 = client(f, "Bob Two", "bob@example.com");
    struct insurance_check r1 = {.client_id = c2, .carrier = "Premera", .member_id = "A1",
                                 .group_number = "", .holder_name = "Bob Two",
                                 .relation = "self", .requested_at = 200};
    struct insurance_check r2 = {.client_id = c1, .carrier = "Aetna", .member_id = "B2",
                                 .group_number = "G9", .holder_name = "Al One",
                                 .relation = "spouse", .requested_at = 100};
    int64_t id1, id2;
    int n = -1;
    assert_int_equal(db_insurance_add(f->db, &r1, &id1, &e), E_OK);
    assert_int_equal(db_insurance_add(f->db, &r2, &id2, &e), E_OK);
    assert_int_equal(db_insurance_pending_count(f->db, &n, &e), E_OK);
    assert_int_equal(n, 2);

    struct insurance_check *list;
    size_t nl;
    assert_int_equal(db_insurance_pending(f->db, f->a, 50, &list, &nl, &e), E_OK);
    assert_int_equal(nl, 2);
    assert_int_equal(list[0].id, id2); /* oldest request first */
    assert_string_equal(list[0].client_name, "Ann One");
    assert_string_equal(list[1].carrier, "Premera");

    r2.carrier = "Aetna Better Health";
    assert_int_equal(db_insurance_update_request(f->db, id2, &r2, &e), E_OK);

    struct insurance_check out = {.outcome = "partial", .visits_per_year = 20,
                                  .copay_cents = 2500, .deductible_cents = -1,
                                  .referral_required = 1, .notes = "Call first",
                                  .verified_by = 3, .verified_by_name = "Front Desk",
                                  .verified_at = 900};
    assert_int_equal(db_insurance_record(f->db, id2, &out, &e), E_OK);
    assert_int_equal(db_insurance_record(f->db, 999, &out, &e), E_NOTFOUND);
    assert_int_equal(db_insurance_update_request(f->db, id2, &r2, &e), E_CONFLICT);
    struct insurance_check got;
    assert_int_equal(db_insurance_latest(f->db, f->a, c1, &got, &e), E_OK);
    assert_int_equal(got.id, id2);
    assert_string_equal(got.carrier, "Aetna Better Health");
    assert_string_equal(got.status, "done");
    assert_string_equal(got.outcome, "partial");
    assert_int_equal(got.visits_per_year, 20);
    assert_int_equal(got.copay_cents, 2500);
    assert_int_equal(got.deductible_cents, -1);
    assert_int_equal(got.referral_required, 1);
    assert_string_equal(got.verified_by_name, "Front Desk");
    assert_int_equal(got.verified_at, 900);
    assert_int_equal(db_insurance_pending_count(f->db, &n, &e), E_OK);
    assert_int_equal(n, 1);
    assert_int_equal(db_insurance_get(f->db, f->a, 12345, &got, &e), E_NOTFOUND);
    assert_int_equal(db_insurance_latest(f->db, f->a, 12345, &got, &e), E_NOTFOUND);
}

/* Merging: the newer form stays current, the older joins the history, and
 * insurance checks move over. */
static void test_merge(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    int64_t keep = client(f, "Kim Keep", "kim@example.com");
    int64_t other = client(f, "Kim  Keep", "kim@example.com");
    struct intake a = form(keep, "Old form", 2), b = form(other, "New form", 8);
    assert_int_equal(db_intake_put(f->db, &a, 1000, NULL, NULL, &e), E_OK);
    assert_int_equal(db_intake_put(f->db, &b, 1500, NULL, NULL, &e), E_OK);
    b.reason = "Newest form";
    assert_int_equal(db_intake_put(f->db, &b, 2000, NULL, NULL, &e), E_OK);
    struct insurance_check r = {.client_id = other, .carrier = "Moda", .member_id = "M1",
                                .group_number = "", .holder_name = "Kim Keep",
                                .relation = "self", .requested_at = 5};
    assert_int_equal(db_insurance_add(f->db, &r, NULL, &e), E_OK);

    assert_int_equal(db_begin(f->db, &e), E_OK);
    assert_int_equal(db_merge_clients(f->db, keep, other, &e), E_OK);
    assert_int_equal(db_commit(f->db, &e), E_OK);

    struct intake got;
    assert_int_equal(db_intake(f->db, f->a, keep, &got, &e), E_OK);
    assert_string_equal(got.reason, "Newest form");
    assert_int_equal(got.client_id, keep);
    assert_int_equal(db_intake(f->db, f->a, other, &got, &e), E_NOTFOUND);
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM intake_history WHERE client_id = %lld",
             (long long)keep);
    assert_int_equal(count(f, sql), 2); /* "New form" v1 and "Old form" */
    assert_int_equal(count(f, "SELECT count(*) FROM intake_history WHERE reason = 'Old form'"), 1);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM insurance_checks WHERE client_id = %lld",
             (long long)keep);
    assert_int_equal(count(f, sql), 1);

    /* only the other has a form: it moves over as it is */
    int64_t k2 = client(f, "Lee Keep", "lee@example.com"), o2 = client(f, "Lee", "lee@example.com");
    struct intake c = form(o2, "Only form", 4);
    assert_int_equal(db_intake_put(f->db, &c, 3000, NULL, NULL, &e), E_OK);
    assert_int_equal(db_merge_clients(f->db, k2, o2, &e), E_OK);
    assert_int_equal(db_intake(f->db, f->a, k2, &got, &e), E_OK);
    assert_string_equal(got.reason, "Only form");

    /* the kept client's form is newer: the other's goes to the history */
    int64_t k3 = client(f, "Max Keep", "max@example.com"), o3 = client(f, "Max", "max@example.com");
    struct intake d = form(o3, "Older other", 4), g = form(k3, "Newer kept", 4);
    assert_int_equal(db_intake_put(f->db, &d, 3000, NULL, NULL, &e), E_OK);
    assert_int_equal(db_intake_put(f->db, &g, 4000, NULL, NULL, &e), E_OK);
    assert_int_equal(db_merge_clients(f->db, k3, o3, &e), E_OK);
    assert_int_equal(db_intake(f->db, f->a, k3, &got, &e), E_OK);
    assert_string_equal(got.reason, "Newer kept");
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM intake_history WHERE client_id = %lld AND reason = 'Older other'",
             (long long)k3);
    assert_int_equal(count(f, sql), 1);
}

/* Migration numbers may have gaps: one numbered below the newest applied,
 * but not recorded (it landed later from another branch), is still applied. */
static void test_migration_below_newest(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    int applied = -1, version = -1;
    db_release(f->db); /* the store's connection must not hold the old schema */
    f->db = NULL;
    assert_int_equal(
        fixture_exec(f, "DROP TABLE audit_log; DELETE FROM schema_version WHERE version = 8"), 0);
    assert_int_equal(store_migrate(f->s, &applied, &e), E_OK);
    assert_int_equal(applied, 1);
    assert_int_equal(store_version(f->s, &version, &e), E_OK);
    int newest = 0;
    for (const struct migration *m = sqlite_migrations; m->version; m++)
        newest = m->version;
    assert_int_equal(version, newest);
    assert_int_equal(count(f, "SELECT count(*) FROM schema_version WHERE version = 8"), 1);
    assert_true(fixture_has_table(f, "audit_log"));
    assert_int_equal(store_migrate(f->s, &applied, &e), E_OK);
    assert_int_equal(applied, 0);
    f->db = db_acquire(f->s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_intake_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_insurance_queue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_below_newest, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
