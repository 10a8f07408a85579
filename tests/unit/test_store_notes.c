/* Tests of the clinical record in the store (SQLite, a temporary file):
 * a treatment note goes draft → signed and then refuses every change, an
 * addendum needs a signed note, referrals are stored, listed newest first,
 * refused out of range with nothing stored, and follow a client merge; a
 * demo reseed wipes them, but refuses while a signed note exists.  A treating relationship
 * is a checked-in or completed appointment, never a booked one; an online
 * booking in a known name leaves the stored phone alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "demo.h"
#include "store/store.h"
#include "store_fixture.h"

static int setup(void **state)
{
    return fixture_open(state, FIXTURE_DEMO, 1);
}

static int teardown(void **state)
{
    return fixture_close(state);
}

static int64_t client(struct fixture *f, const char *name, const char *email)
{
    struct err e = {0};
    int64_t id = 0;
    assert_int_equal(db_client_for_booking(f->db, name, email, "", 0, 1, &id, &e), E_OK);
    return id;
}

static int64_t appointment(struct fixture *f, int64_t client_id, int64_t start, unsigned char tag)
{
    struct err e = {0};
    unsigned char hash[STORE_TOKEN_HASH];
    memset(hash, tag, sizeof hash);
    struct room *rooms;
    size_t nrooms;
    assert_int_equal(db_rooms(f->db, f->a, &rooms, &nrooms, &e), E_OK);
    struct appointment ap = {.service_id = "deep-tissue-60", .therapist_id = "maren-holt",
                             .room_id = rooms[0].id, .client_id = client_id, .start = start,
                             .end = start + 3600, .busy_until = start + 3600,
                             .status = "checked_in", .notes = "", .source = "staff",
                             .created_at = 1};
    int64_t id = 0;
    assert_int_equal(db_add_appointment(f->db, &ap, hash, &id, &e), E_OK);
    return id;
}

static struct treatment_note note_for(int64_t appt, const char *plan)
{
    struct treatment_note n = {.appointment_id = appt, .subjective = "Sore back", .objective = "Tight",
                               .assessment = "Strain", .plan = plan, .areas = "lower_back",
                               .techniques = "myofascial", .pressure = "firm", .rest = 1,
                               .stretches = "cat_cow", .home_care = "", .providers = "",
                               .provider_reason = "", .next_weeks = 2, .author_id = 7};
    return n;
}

static void test_note_draft_sign_lock(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    int64_t c = client(f, "Nora Note", "nora@example.com");
    int64_t appt = appointment(f, c, 1795600000, 1);
    struct treatment_note n = note_for(appt, "Weekly"), got;
    int64_t id = 0, id2 = 0;

    assert_int_equal(db_note(f->db, f->a, appt, &got, &e), E_NOTFOUND);
    assert_int_equal(db_put_note(f->db, &n, 100, &id, &e), E_OK);
    n.plan = "Twice a week";
    assert_int_equal(db_put_note(f->db, &n, 200, &id2, &e), E_OK);
    assert_int_equal(id2, id); /* one note per appointment: the draft is replaced */
    assert_int_equal(db_note(f->db, f->a, appt, &got, &e), E_OK);
    assert_string_equal(got.plan, "Twice a week");
    assert_int_equal(got.created_at, 100);
    assert_int_equal(got.updated_at, 200);
    assert_int_equal(got.signed_at, 0);
    assert_string_equal(got.signed_by, "");

    /* an addendum needs a signed note */
    struct note_addendum ad = {.note_id = id, .body = "Later", .author = "Maren Holt",
                               .author_id = 7, .created_at = 250};
    assert_int_equal(db_add_addendum(f->db, &ad, NULL, &e), E_CONFLICT);

    assert_int_equal(db_sign_note(f->db, id, "Maren Holt", 7, 300, &e), E_OK);
    assert_int_equal(db_sign_note(f->db, id, "Maren Holt", 7, 400, &e), E_CONFLICT);
    n.plan = "Changed after signing";
    assert_int_equal(db_put_note(f->db, &n, 500, &id2, &e), E_CONFLICT);
    assert_int_equal(db_note(f->db, f->a, appt, &got, &e), E_OK);
    assert_string_equal(got.plan, "Twice a week");
    assert_int_equal(got.signed_at, 300);
    assert_string_equal(got.signed_by, "Maren Holt");

    int64_t aid = 0;
    assert_int_equal(db_add_addendum(f->db, &ad, &aid, &e), E_OK);
    assert_true(aid > 0);
    ad.body = "Even later";
    ad.created_at = 260;
    assert_int_equal(db_add_addendum(f->db, &ad, NULL, &e), E_OK);
    struct note_addendum *list;
    size_t nlist;
    assert_int_equal(db_note_addenda(f->db, f->a, id, &list, &nlist, &e), E_OK);
    assert_int_equal(nlist, 2);
    assert_string_equal(list[0].body, "Later");
    assert_string_equal(list[0].author, "Maren Holt");
    assert_int_equal(list[0].created_at, 250);
    assert_string_equal(list[1].body, "Even later");
    ad.body = "";
    assert_int_equal(db_add_addendum(f->db, &ad, NULL, &e), E_UNPROCESSABLE);
}

static void test_note_out_of_range_is_refused(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    int64_t c = client(f, "Rita Range", "rita@example.com");
    int64_t appt = appointment(f, c, 1795610000, 2);
    struct treatment_note n = note_for(appt, "Plan"), got;
    n.pressure = "crushing";
    assert_int_equal(db_put_note(f->db, &n, 1, NULL, &e), E_UNPROCESSABLE);
    n.pressure = "deep";
    n.next_weeks = 27;
    assert_int_equal(db_put_note(f->db, &n, 1, NULL, &e), E_UNPROCESSABLE);
    assert_int_equal(db_note(f->db, f->a, appt, &got, &e), E_NOTFOUND);
}

static void test_referrals_list_update_merge_wipe(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    int64_t keep = client(f, "Mia Merge", "mia@example.com");
    int64_t other = client(f, "Mia M", "mia@example.com");
    struct referral r = {.client_id = other, .physician = "Dr. Ana Ruiz", .practice = "Midtown",
                         .phone = "", .referred_on = "2026-11-01", .diagnosis = "Low back pain",
                         .icd10 = "M54.50", .visits = 8, .valid_until = "2027-01-15"};
    int64_t id1 = 0, id2 = 0;
    assert_int_equal(db_put_referral(f->db, &r, 10, &id1, &e), E_OK);
    r.referred_on = "2026-06-01";
    r.valid_until = "2026-08-31";
    r.physician = "Dr. Old";
    assert_int_equal(db_put_referral(f->db, &r, 11, &id2, &e), E_OK);
    /* out of range: nothing stored */
    struct referral bad = r;
    bad.visits = 0;
    assert_int_equal(db_put_referral(f->db, &bad, 12, NULL, &e), E_UNPROCESSABLE);
    bad = r;
    bad.valid_until = "2026-05-31"; /* before the referral */
    assert_int_equal(db_put_referral(f->db, &bad, 12, NULL, &e), E_UNPROCESSABLE);

    struct referral *list, one;
    size_t n;
    assert_int_equal(db_referrals(f->db, f->a, other, &list, &n, &e), E_OK);
    assert_int_equal(n, 2);
    assert_int_equal(list[0].id, id1); /* newest referral date first */
    assert_int_equal(list[1].id, id2);

    r.id = id2;
    r.visits = 4;
    assert_int_equal(db_put_referral(f->db, &r, 20, NULL, &e), E_OK);
    assert_int_equal(db_referral(f->db, f->a, id2, &one, &e), E_OK);
    assert_int_equal(one.visits, 4);
    assert_int_equal(one.created_at, 11);
    assert_int_equal(one.updated_at, 20);
    r.id = 999999;
    assert_int_equal(db_put_referral(f->db, &r, 20, NULL, &e), E_NOTFOUND);

    assert_int_equal(db_begin(f->db, &e), E_OK);
    assert_int_equal(db_merge_clients(f->db, keep, other, &e), E_OK);
    assert_int_equal(db_commit(f->db, &e), E_OK);
    assert_int_equal(db_referrals(f->db, f->a, keep, &list, &n, &e), E_OK);
    assert_int_equal(n, 2);
    assert_int_equal(list[0].client_id, keep);

    /* a signed note is never deleted: a demo reseed refuses, and changes nothing */
    int64_t appt = appointment(f, keep, 1795620000, 3), nid = 0;
    struct treatment_note note = note_for(appt, "Plan");
    assert_int_equal(db_put_note(f->db, &note, 1, &nid, &e), E_OK);
    assert_int_equal(db_sign_note(f->db, nid, "Maren Holt", 7, 2, &e), E_OK);
    struct note_addendum ad = {.note_id = nid, .body = "x", .author = "Maren Holt",
                               .author_id = 7, .created_at = 3};
    assert_int_equal(db_add_addendum(f->db, &ad, NULL, &e), E_OK);
    assert_int_equal(db_begin(f->db, &e), E_OK);
    assert_int_equal(db_wipe(f->db, &e), E_CONFLICT);
    assert_non_null(strstr(e.msg, "signed treatment notes"));
    db_rollback(f->db);
    assert_int_equal(db_referrals(f->db, f->a, keep, &list, &n, &e), E_OK);
    assert_int_equal(n, 2);
    struct treatment_note kept;
    assert_int_equal(db_note(f->db, f->a, appt, &kept, &e), E_OK);
    assert_int_equal(kept.signed_at, 2);
}

static void test_treating_relationship_and_contact(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    struct client cl;
    int yes = -1;
    int64_t c = client(f, "Tia Treat", "tia@example.com");
    assert_int_equal(db_treats(f->db, c, "maren-holt", &yes, &e), E_OK);
    assert_int_equal(yes, 0);
    /* booked with Tomas: nothing yet */
    struct room *rooms;
    size_t nrooms;
    unsigned char hash[STORE_TOKEN_HASH];
    memset(hash, 0x5a, sizeof hash);
    assert_int_equal(db_rooms(f->db, f->a, &rooms, &nrooms, &e), E_OK);
    struct appointment ap = {.service_id = "deep-tissue-60", .therapist_id = "tomas-reyes",
                             .room_id = rooms[0].id, .client_id = c, .start = 1795700000,
                             .end = 1795703600, .busy_until = 1795703600, .status = "booked",
                             .notes = "", .source = "online", .created_at = 1,
                             .contact_phone = "907-555-0999"};
    int64_t id = 0;
    assert_int_equal(db_add_appointment(f->db, &ap, hash, &id, &e), E_OK);
    assert_int_equal(db_treats(f->db, c, "tomas-reyes", &yes, &e), E_OK);
    assert_int_equal(yes, 0);
    struct appointment got;
    assert_int_equal(db_appointment(f->db, f->a, id, &got, &e), E_OK);
    assert_string_equal(got.contact_phone, "907-555-0999");
    /* checked in with Maren: her relationship, not Tomas's */
    appointment(f, c, 1795600000, 9);
    assert_int_equal(db_treats(f->db, c, "maren-holt", &yes, &e), E_OK);
    assert_int_equal(yes, 1);
    assert_int_equal(db_treats(f->db, c, "tomas-reyes", &yes, &e), E_OK);
    assert_int_equal(yes, 0);

    /* the same name and address again: the same client, its phone kept
     * unless the front desk books (update_phone) */
    int64_t again = 0;
    assert_int_equal(db_client_for_booking(f->db, "Tia Treat", "TIA@example.com", "907-555-0999",
                                           0, 2, &again, &e),
                     E_OK);
    assert_int_equal(again, c);
    assert_int_equal(db_client(f->db, f->a, c, &cl, &e), E_OK);
    assert_string_equal(cl.phone, "");
    assert_int_equal(db_client_for_booking(f->db, "Tia Treat", "tia@example.com", "907-555-0100",
                                           1, 3, &again, &e),
                     E_OK);
    assert_int_equal(db_client(f->db, f->a, c, &cl, &e), E_OK);
    assert_string_equal(cl.phone, "907-555-0100");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_note_draft_sign_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_note_out_of_range_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_referrals_list_update_merge_wipe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_treating_relationship_and_contact, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
