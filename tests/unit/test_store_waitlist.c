/* Tests of the waitlist in the store (SQLite, a temporary file): entries
 * by token hash and in order of joining, leaving once, one offer per entry
 * and open time, a claim that closes the offer and the entry and marks the
 * other offers of the time taken, refused claims (taken, expired, entry
 * closed) that change nothing, refused rows that store nothing, the front
 * desk's list and count, and a demo reseed that wipes the waitlist. */
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

#define T0 1795543200 /* 2026-11-24 09:00 -09:00 */
#define SLOT (T0 + 31 * 3600)

static int setup(void **state)
{
    return fixture_open(state, FIXTURE_DEMO, 1);
}

static int teardown(void **state)
{
    return fixture_close(state);
}

static int64_t entry(struct fixture *f, const char *email, const char *therapist,
                     unsigned char tag)
{
    struct err e = {0};
    unsigned char hash[STORE_TOKEN_HASH];
    int64_t id = 0;
    memset(hash, tag, sizeof hash);
    struct waitlist_entry w = {.service_id = "deep-tissue-60", .therapist_id = therapist,
                               .date_from = "2026-11-25", .date_to = "2026-11-27",
                               .days = 0x3e, .time_from = 900, .time_to = 1080,
                               .name = "Wait Person", .email = email, .phone = "",
                               .created_at = T0};
    assert_int_equal(db_waitlist_add(f->db, &w, hash, &id, &e), E_OK);
    assert_true(id > 0);
    return id;
}

static int64_t offer(struct fixture *f, int64_t entry_id, int64_t start, int64_t freed_by,
                     unsigned char tag)
{
    struct err e = {0};
    unsigned char hash[STORE_TOKEN_HASH];
    int64_t id = 0;
    memset(hash, tag, sizeof hash);
    struct waitlist_offer o = {.entry_id = entry_id, .service_id = "deep-tissue-60",
                               .therapist_id = "dev-okafor", .start = start,
                               .freed_by = freed_by, .created_at = T0,
                               .expires_at = T0 + 7200};
    assert_int_equal(db_waitlist_offer_add(f->db, &o, hash, &id, &e), E_OK);
    return id;
}

static const char *offer_status(struct fixture *f, unsigned char tag)
{
    struct err e = {0};
    unsigned char hash[STORE_TOKEN_HASH];
    struct waitlist_offer o;
    struct waitlist_entry w;
    memset(hash, tag, sizeof hash);
    assert_int_equal(db_waitlist_offer(f->db, f->a, hash, &o, &w, &e), E_OK);
    return o.status;
}

static void test_entries(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    unsigned char hash[STORE_TOKEN_HASH];
    struct waitlist_entry w, *list;
    size_t n;
    int64_t a = entry(f, "a@example.com", "", 1);
    int64_t b = entry(f, "b@example.com", "dev-okafor", 2);

    memset(hash, 2, sizeof hash);
    assert_int_equal(db_waitlist_entry(f->db, f->a, hash, &w, &e), E_OK);
    assert_int_equal(w.id, b);
    assert_string_equal(w.therapist_id, "dev-okafor");
    assert_string_equal(w.therapist_name, "Dev Okafor");
    assert_string_equal(w.service_name, "Deep Tissue Massage (60 minutes)");
    assert_string_equal(w.status, "active");
    assert_int_equal(w.days, 0x3e);
    memset(hash, 1, sizeof hash);
    assert_int_equal(db_waitlist_entry(f->db, f->a, hash, &w, &e), E_OK);
    assert_string_equal(w.therapist_id, ""); /* any */
    assert_string_equal(w.therapist_name, "");
    memset(hash, 9, sizeof hash);
    assert_int_equal(db_waitlist_entry(f->db, f->a, hash, &w, &e), E_NOTFOUND);

    assert_int_equal(db_waitlist_active(f->db, f->a, "deep-tissue-60", &list, &n, &e), E_OK);
    assert_int_equal(n, 2);
    assert_int_equal(list[0].id, a); /* in order of joining */
    assert_int_equal(list[1].id, b);
    assert_int_equal(db_waitlist_leave(f->db, a, T0 + 60, "", &e), E_OK);
    assert_int_equal(db_waitlist_leave(f->db, a, T0 + 61, "", &e), E_CONFLICT);
    assert_int_equal(db_waitlist_active(f->db, f->a, "deep-tissue-60", &list, &n, &e), E_OK);
    assert_int_equal(n, 1);
    assert_int_equal(db_waitlist_active(f->db, f->a, "deep-tissue-90", &list, &n, &e), E_OK);
    assert_int_equal(n, 0);

    /* a window ending before it starts is refused by the schema, nothing stored */
    struct waitlist_entry bad = {.service_id = "deep-tissue-60", .therapist_id = "",
                                 .date_from = "2026-11-25", .date_to = "2026-11-24",
                                 .days = 1, .time_from = 900, .time_to = 1080, .name = "X",
                                 .email = "x@example.com", .phone = "", .created_at = T0};
    int64_t id = 0;
    memset(hash, 3, sizeof hash);
    assert_int_equal(db_waitlist_add(f->db, &bad, hash, &id, &e), E_UNPROCESSABLE);
    assert_int_equal(db_waitlist_entry(f->db, f->a, hash, &w, &e), E_NOTFOUND);
}

static void test_offers_and_claims(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    int64_t a = entry(f, "a@example.com", "", 1);
    int64_t b = entry(f, "b@example.com", "", 2);
    int64_t c = entry(f, "c@example.com", "", 3);
    int64_t oa = offer(f, a, SLOT, 42, 11);
    int64_t ob = offer(f, b, SLOT, 42, 12);
    int64_t oc = offer(f, c, SLOT + 3600, 43, 13); /* another time */
    assert_true(oa > 0 && ob > 0 && oc > 0);
    assert_int_equal(offer(f, a, SLOT, 42, 14), 0); /* open already: nothing */

    /* an expired claim changes nothing */
    assert_int_equal(db_waitlist_claim(f->db, oa, 100, T0 + 7200, &e), E_CONFLICT);
    assert_string_equal(offer_status(f, 11), "open");

    assert_int_equal(db_begin(f->db, &e), E_OK);
    assert_int_equal(db_waitlist_claim(f->db, oa, 100, T0 + 60, &e), E_OK);
    assert_int_equal(db_commit(f->db, &e), E_OK);
    assert_string_equal(offer_status(f, 11), "claimed");
    assert_string_equal(offer_status(f, 12), "taken"); /* the same time */
    assert_string_equal(offer_status(f, 13), "open");  /* another time */

    struct waitlist_offer o;
    struct waitlist_entry w;
    unsigned char hash[STORE_TOKEN_HASH];
    memset(hash, 11, sizeof hash);
    assert_int_equal(db_waitlist_offer(f->db, f->a, hash, &o, &w, &e), E_OK);
    assert_int_equal(o.appointment_id, 100);
    assert_int_equal(o.start, SLOT);
    assert_string_equal(w.email, "a@example.com");
    assert_string_equal(w.status, "booked");
    assert_int_equal(w.closed_at, T0 + 60);

    /* a taken offer, and an offer of a closed entry, cannot be claimed */
    assert_int_equal(db_waitlist_claim(f->db, ob, 101, T0 + 60, &e), E_CONFLICT);
    assert_int_equal(db_waitlist_leave(f->db, c, T0 + 60, "", &e), E_OK);
    assert_int_equal(db_begin(f->db, &e), E_OK);
    assert_int_equal(db_waitlist_claim(f->db, oc, 102, T0 + 60, &e), E_CONFLICT);
    db_rollback(f->db);
    assert_string_equal(offer_status(f, 13), "open");
}

/* The desk's list: every service or one, oldest first, with the end of an
 * open unexpired offer; the count; an entry by id. */
static void test_desk_list(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    struct waitlist_desk_entry *list;
    struct waitlist_entry w;
    size_t n;
    int cnt = -1;
    int64_t a = entry(f, "a@example.com", "", 1);
    int64_t b = entry(f, "b@example.com", "dev-okafor", 2);
    unsigned char hash[STORE_TOKEN_HASH];
    int64_t c = 0;
    memset(hash, 3, sizeof hash);
    struct waitlist_entry w90 = {.service_id = "deep-tissue-90", .therapist_id = "",
                                 .date_from = "2026-11-25", .date_to = "2026-11-27",
                                 .days = 0x3e, .time_from = 900, .time_to = 1080,
                                 .name = "Ninety", .email = "c@example.com", .phone = "1",
                                 .created_at = T0};
    assert_int_equal(db_waitlist_add(f->db, &w90, hash, &c, &e), E_OK);
    assert_true(offer(f, b, SLOT, 42, 11) > 0); /* open until T0 + 7200 */

    assert_int_equal(db_waitlist_desk(f->db, f->a, "", T0, 10, &list, &n, &e), E_OK);
    assert_int_equal(n, 3);
    assert_int_equal(list[0].en.id, a);
    assert_int_equal(list[0].offer_until, 0);
    assert_int_equal(list[1].en.id, b);
    assert_int_equal(list[1].offer_until, T0 + 7200);
    assert_string_equal(list[1].en.therapist_name, "Dev Okafor");
    assert_int_equal(list[2].en.id, c);
    assert_string_equal(list[2].en.service_name, "Deep Tissue Massage (90 minutes)");
    /* an expired offer is not out */
    assert_int_equal(db_waitlist_desk(f->db, f->a, "", T0 + 7200, 10, &list, &n, &e), E_OK);
    assert_int_equal(list[1].offer_until, 0);
    /* one service; a limit */
    assert_int_equal(db_waitlist_desk(f->db, f->a, "deep-tissue-90", T0, 10, &list, &n, &e),
                     E_OK);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].en.id, c);
    assert_int_equal(db_waitlist_desk(f->db, f->a, "", T0, 2, &list, &n, &e), E_OK);
    assert_int_equal(n, 2);

    assert_int_equal(db_waitlist_active_count(f->db, &cnt, &e), E_OK);
    assert_int_equal(cnt, 3);
    assert_int_equal(db_waitlist_leave(f->db, a, T0 + 60, "", &e), E_OK);
    assert_int_equal(db_waitlist_active_count(f->db, &cnt, &e), E_OK);
    assert_int_equal(cnt, 2);
    assert_int_equal(db_waitlist_desk(f->db, f->a, "", T0, 10, &list, &n, &e), E_OK);
    assert_int_equal(n, 2);
    assert_int_equal(list[0].en.id, b);

    /* by id, closed ones too */
    assert_int_equal(db_waitlist_entry_by_id(f->db, f->a, a, &w, &e), E_OK);
    assert_string_equal(w.status, "left");
    assert_int_equal(w.closed_at, T0 + 60);
    assert_int_equal(db_waitlist_entry_by_id(f->db, f->a, 999999, &w, &e), E_NOTFOUND);
}

static void test_freed_again_offered_again(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    unsigned char hash[STORE_TOKEN_HASH];
    int64_t a = entry(f, "a@example.com", "", 1), id = 0;
    assert_true(offer(f, a, SLOT, 42, 11) > 0);
    memset(hash, 12, sizeof hash);
    struct waitlist_offer o = {.entry_id = a, .service_id = "deep-tissue-60",
                               .therapist_id = "dev-okafor", .start = SLOT, .freed_by = 42,
                               .created_at = T0 + 7200, .expires_at = T0 + 9000};
    assert_int_equal(db_waitlist_offer_add(f->db, &o, hash, &id, &e), E_OK);
    assert_true(id > 0); /* the first ended at T0 + 7200 */
    assert_string_equal(offer_status(f, 12), "open");
}

static void test_reseed_wipes_the_waitlist(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    struct waitlist_entry *list;
    size_t n;
    int64_t a = entry(f, "a@example.com", "", 1);
    assert_true(offer(f, a, SLOT, 42, 11) > 0);
    db_release(f->db);
    f->db = NULL;
    assert_int_equal(demo_seed(f->s, 1, &e), E_OK);
    f->db = db_acquire(f->s);
    assert_int_equal(db_waitlist_active(f->db, f->a, "deep-tissue-60", &list, &n, &e), E_OK);
    assert_int_equal(n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_entries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_offers_and_claims, setup, teardown),
        cmocka_unit_test_setup_teardown(test_desk_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_freed_again_offered_again, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reseed_wipes_the_waitlist, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
