/* Tests of the store interface on SQLite (a temporary file): migrations,
 * the demo seed, reads, and that a refused or failed write changes nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>
#include "demo.h"
#include "store/migration.h"
#include "store/store.h"

#include "demo.h"
#include "store/migration.h"
#include "store/store.h"
#include "store_fixture.h"

static int setup(void **state)
{
    return fixture_open(state, FIXTURE_EMPTY, 2);
}

static int teardown(void **state)
{
    return fixture_close(state);
}

static void test_migrate_once(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    int applied = -1, version = -1;
    assert_int_equal(store_version(f->s, &version, &e), E_OK);
    assert_int_equal(version, 0);
    assert_int_equal(store_migrate(f->s, &applied, &e), E_OK);
    assert_true(applied >= 1);
    /* every migration applied; the version is the highest number (numbers may have gaps) */
    int files = 0, newest = 0;
    for (const struct migration *m = sqlite_migrations; m->version; m++, files++)
        newest = m->version;
    assert_int_equal(applied, files);
    assert_int_equal(store_version(f->s, &version, &e), E_OK);
    assert_int_equal(version, newest);
    assert_int_equal(store_migrate(f->s, &applied, &e), E_OK);
    assert_int_equal(applied, 0);
}

/* A migration numbered below the highest applied one (another branch's,
 * merged later) is still applied when it is not recorded. */
static void test_migrate_fills_gaps(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    int applied = -1;
    assert_int_equal(store_migrate(f->s, NULL, &e), E_OK);
    assert_int_equal(
        fixture_exec(f, "DROP TABLE audit_log; DELETE FROM schema_version WHERE name = 'audit'"),
        0);
    assert_int_equal(store_migrate(f->s, &applied, &e), E_OK);
    assert_int_equal(applied, 1);
    assert_int_equal(store_migrate(f->s, &applied, &e), E_OK);
    assert_int_equal(applied, 0);
}

/* Migration 0036 (locations) on a clinic made before it: the database is
 * put back in its old shape (no locations; rooms, opening hours, therapist
 * hours and closed dates without a location), then migrated again.  It
 * becomes one location, id 1, holding every room, hour and closed date it
 * had, with the config file's address and zone (empty columns).  The old
 * shape is written with SQLite's own statements on the file: SQLite only. */
static void test_migrate_to_one_location(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    int applied = -1;
    sqlite3 *h = NULL;
    if (fixture_pg())
        skip();
    assert_int_equal(store_migrate(f->s, NULL, &e), E_OK);
    assert_int_equal(demo_seed(f->s, 0, &e), E_OK);
    struct db *db = db_acquire(f->s);
    assert_int_equal(db_add_closed_date(db, STORE_FIRST_LOCATION, "2027-01-01", "New Year", &e),
                     E_OK);
    db_release(db);
    assert_int_equal(sqlite3_open(f->path, &h), SQLITE_OK);
    static const char back[] =
        "PRAGMA foreign_keys = OFF; BEGIN;"
        "CREATE TABLE ch (weekday INTEGER NOT NULL, open_min INTEGER NOT NULL,"
        " close_min INTEGER NOT NULL, PRIMARY KEY (weekday, open_min)) WITHOUT ROWID;"
        "INSERT INTO ch SELECT weekday, open_min, close_min FROM clinic_hours;"
        "DROP TABLE clinic_hours; ALTER TABLE ch RENAME TO clinic_hours;"
        "CREATE TABLE th (therapist_id TEXT NOT NULL, weekday INTEGER NOT NULL, kind TEXT NOT NULL,"
        " start_min INTEGER NOT NULL, end_min INTEGER NOT NULL,"
        " PRIMARY KEY (therapist_id, weekday, kind, start_min)) WITHOUT ROWID;"
        "INSERT INTO th SELECT therapist_id, weekday, kind, start_min, end_min FROM therapist_hours;"
        "DROP TABLE therapist_hours; ALTER TABLE th RENAME TO therapist_hours;"
        "CREATE TABLE cd (date TEXT PRIMARY KEY, reason TEXT NOT NULL DEFAULT '');"
        "INSERT INTO cd SELECT date, reason FROM closed_dates;"
        "DROP TABLE closed_dates; ALTER TABLE cd RENAME TO closed_dates;"
        "CREATE TABLE rm (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
        "INSERT INTO rm SELECT id, name FROM rooms;"
        "DROP TABLE rooms; ALTER TABLE rm RENAME TO rooms;"
        "DROP TABLE locations; DELETE FROM schema_version WHERE version = 36;"
        /* and what came after that touches them (0063, 0064) */
        "ALTER TABLE waitlist_entries DROP COLUMN location_id;"
        "ALTER TABLE sched_events DROP COLUMN before_location_id;"
        "DROP INDEX closeouts_day; ALTER TABLE closeouts DROP COLUMN location_id;"
        "CREATE INDEX closeouts_day ON closeouts (day, id);"
        "DELETE FROM schema_version WHERE version IN (63, 64); COMMIT;"
        "PRAGMA foreign_keys = ON;";
    assert_int_equal(sqlite3_exec(h, back, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    assert_int_equal(store_migrate(f->s, &applied, &e), E_OK);
    assert_int_equal(applied, 3);

    struct location *locs;
    struct room *rooms;
    struct week_span *hours;
    struct therapist_week w;
    const char **closed;
    size_t nl, nr, nh, nc;
    db = db_acquire(f->s);
    assert_int_equal(db_locations(db, f->a, &locs, &nl, &e), E_OK);
    assert_int_equal(nl, 1);
    assert_int_equal(locs[0].id, STORE_FIRST_LOCATION);
    assert_string_equal(locs[0].address, ""); /* the config file's */
    assert_string_equal(locs[0].timezone, "");
    assert_int_equal(db_rooms(db, f->a, &rooms, &nr, &e), E_OK);
    assert_int_equal(nr, 3);
    for (size_t i = 0; i < nr; i++)
        assert_int_equal(rooms[i].location_id, STORE_FIRST_LOCATION);
    assert_int_equal(db_clinic_hours(db, f->a, &hours, &nh, &e), E_OK);
    assert_int_equal(nh, 6);
    for (size_t i = 0; i < nh; i++)
        assert_int_equal(hours[i].location_id, STORE_FIRST_LOCATION);
    assert_int_equal(db_therapist_week(db, f->a, "maren-holt", &w, &e), E_OK);
    assert_int_equal(w.nwork, 5);
    assert_int_equal(w.nbreaks, 5);
    assert_int_equal(w.work[0].location_id, STORE_FIRST_LOCATION);
    assert_int_equal(db_closed_dates(db, f->a, STORE_FIRST_LOCATION, &closed, &nc, &e), E_OK);
    assert_int_equal(nc, 1);
    assert_string_equal(closed[0], "2027-01-01");
    /* and it stays writable: the triggers and keys came back with the tables */
    int64_t v0 = 0, v1 = 0;
    assert_int_equal(db_clinic_version(db, &v0, &e), E_OK);
    assert_int_equal(db_add_closed_date(db, STORE_FIRST_LOCATION, "2027-01-02", "", &e), E_OK);
    assert_int_equal(db_clinic_version(db, &v1, &e), E_OK);
    assert_true(v1 > v0);
    assert_int_equal(db_add_closed_date(db, 42, "2027-01-03", "", &e), E_UNPROCESSABLE);
    db_release(db);
}

static void test_demo_seed_and_read(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    struct arena *a = arena_new();
    assert_int_equal(store_migrate(f->s, NULL, &e), E_OK);
    assert_int_equal(demo_seed(f->s, 0, &e), E_OK);

    struct db *db = db_acquire(f->s);
    struct service *sv;
    struct therapist *th, one;
    struct room *rooms;
    struct therapist_week w;
    struct week_span *hours;
    size_t n, nrooms, nhours;
    assert_int_equal(db_services(db, a, 1, &sv, &n, &e), E_OK);
    assert_true(n >= 3);
    assert_string_equal(sv[0].id, "deep-tissue-60");
    assert_int_equal(sv[0].duration_min, 60);
    assert_string_equal(sv[1].id, "deep-tissue-90");
    assert_int_equal(sv[1].duration_min, 90);
    assert_int_equal(db_therapists(db, a, 1, &th, &n, &e), E_OK);
    assert_int_equal(n, 4);
    for (size_t i = 0; i < n; i++) {
        assert_true(th[i].nservices >= 2);
        assert_true(th[i].bio[0] != '\0');
    }
    assert_int_equal(db_rooms(db, a, &rooms, &nrooms, &e), E_OK);
    assert_int_equal(nrooms, 3);
    assert_int_equal(db_clinic_hours(db, a, &hours, &nhours, &e), E_OK);
    for (size_t i = 0; i < nhours; i++)
        assert_int_not_equal(hours[i].weekday, 0); /* closed on Sunday */
    assert_int_equal(nhours, 6);
    assert_int_equal(db_therapist(db, a, "maren-holt", &one, &e), E_OK);
    assert_string_equal(one.name, "Maren Holt");
    assert_int_equal(db_therapist_week(db, a, "maren-holt", &w, &e), E_OK);
    assert_true(w.nwork >= 4);
    assert_true(w.nbreaks >= 4); /* a lunch break on each working day */
    for (size_t i = 0; i < w.nbreaks; i++) {
        int inside = 0;
        for (size_t k = 0; k < w.nwork; k++)
            if (w.work[k].weekday == w.breaks[i].weekday &&
                w.work[k].start_min <= w.breaks[i].start_min &&
                w.breaks[i].end_min <= w.work[k].end_min)
                inside = 1;
        assert_true(inside);
    }
    assert_int_equal(db_therapist(db, a, "nobody", &one, &e), E_NOTFOUND);
    assert_int_equal(db_service(db, a, "nothing", &sv[0], &e), E_NOTFOUND);
    db_release(db);
    arena_free(a);
}

static void test_demo_refuses_then_force(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    struct arena *a = arena_new();
    struct therapist t;
    assert_int_equal(store_migrate(f->s, NULL, &e), E_OK);
    assert_int_equal(demo_seed(f->s, 0, &e), E_OK);

    struct db *db = db_acquire(f->s);
    assert_int_equal(db_therapist(db, a, "dev-okafor", &t, &e), E_OK);
    t.name = "Changed";
    assert_int_equal(db_begin(db, &e), E_OK);
    assert_int_equal(db_put_therapist(db, &t, &e), E_OK);
    assert_int_equal(db_commit(db, &e), E_OK);
    db_release(db);

    assert_int_equal(demo_seed(f->s, 0, &e), E_CONFLICT);
    assert_non_null(strstr(e.msg, "--force"));
    db = db_acquire(f->s);
    assert_int_equal(db_therapist(db, a, "dev-okafor", &t, &e), E_OK);
    assert_string_equal(t.name, "Changed");
    db_release(db);

    assert_int_equal(demo_seed(f->s, 1, &e), E_OK);
    db = db_acquire(f->s);
    assert_int_equal(db_therapist(db, a, "dev-okafor", &t, &e), E_OK);
    assert_string_equal(t.name, "Dev Okafor");
    db_release(db);
    arena_free(a);
}

static void test_failed_write_changes_nothing(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    struct arena *a = arena_new();
    struct service *sv;
    size_t n;
    assert_int_equal(store_migrate(f->s, NULL, &e), E_OK);
    struct db *db = db_acquire(f->s);
    struct service good = {"hot-stone", "Hot Stone", "", 60, 15, 11000, 1, 9, -1, -1, -1};
    struct service bad = {"BAD ID", "Bad", "", 60, 15, 100, 1, 9, -1, -1, -1};
    assert_int_equal(db_begin(db, &e), E_OK);
    assert_int_equal(db_put_service(db, &good, &e), E_OK);
    assert_int_equal(db_put_service(db, &bad, &e), E_UNPROCESSABLE);
    db_rollback(db);
    assert_int_equal(db_services(db, a, 0, &sv, &n, &e), E_OK);
    assert_int_equal(n, 0);
    /* A therapist offering a service that does not exist is refused whole. */
    const char *ids[] = {"no-such-service"};
    struct therapist t = {"x", "X", "", "", "", "", 1, 0, ids, 1, ""};
    assert_int_equal(db_begin(db, &e), E_OK);
    assert_int_equal(db_put_therapist(db, &t, &e), E_UNPROCESSABLE);
    db_rollback(db);
    struct therapist *th;
    assert_int_equal(db_therapists(db, a, 0, &th, &n, &e), E_OK);
    assert_int_equal(n, 0);
    db_release(db);
    arena_free(a);
}

/* No database's own text reaches e: a refused write says so in the store's
 * words (a known constraint gets its own sentence), whatever SQLite said. */
static void assert_our_words(const struct err *e)
{
    static const char *const theirs[] = {"constraint", "CONSTRAINT", "failed:", "sqlite",
                                         "SQLITE", "GLOB", "length("};
    for (size_t i = 0; i < sizeof theirs / sizeof theirs[0]; i++)
        if (strstr(e->msg, theirs[i])) {
            fprintf(stderr, "database text in \"%s\"\n", e->msg);
            fail();
        }
    assert_true(e->msg[0] != '\0');
}

static void test_refusals_in_our_words(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    assert_int_equal(store_migrate(f->s, NULL, &e), E_OK);
    struct db *db = db_acquire(f->s);
    /* a CHECK (a service's length) */
    struct service bad = {"long", "Long", "", 1000, 0, 100, 1, 0, -1, -1, -1};
    assert_int_equal(db_put_service(db, &bad, &e), E_UNPROCESSABLE);
    assert_our_words(&e);
    assert_non_null(strstr(e.msg, "save service"));
    /* a UNIQUE the store knows: a room's name */
    struct room r = {0, "Room A", NULL, 0, STORE_FIRST_LOCATION};
    assert_int_equal(db_add_room(db, &r, NULL, &e), E_OK);
    assert_int_equal(db_add_room(db, &r, NULL, &e), E_UNPROCESSABLE);
    assert_our_words(&e);
    assert_string_equal(e.msg, "Another room already has this name.");
    /* a FOREIGN KEY (a therapist offering a service that does not exist) */
    const char *ids[] = {"no-such-service"};
    struct therapist t = {"x", "X", "", "", "", "", 1, 0, ids, 1, ""};
    assert_int_equal(db_begin(db, &e), E_OK);
    assert_int_equal(db_put_therapist(db, &t, &e), E_UNPROCESSABLE);
    assert_our_words(&e);
    db_rollback(db);
    db_release(db);
}

/* db_tx: a body that loses a serialisation race (E_RETRY) runs again and
 * its last run commits; one that keeps losing ends E_UNAVAILABLE with
 * nothing stored; any other error is not run again. */
struct tx_ctx {
    const char *tag; /* names its rooms "tag N" */
    int runs, lose;  /* lose: how many first runs report E_RETRY */
    enum err_code fail_with;
};

static enum err_code tx_body(struct db *db, void *p, struct err *e)
{
    struct tx_ctx *c = p;
    enum err_code rc;
    char name[32];
    c->runs++;
    snprintf(name, sizeof name, "%s %d", c->tag, c->runs);
    struct room r = {0, name, NULL, 0, STORE_FIRST_LOCATION};
    if ((rc = db_add_room(db, &r, NULL, e)) != E_OK)
        return rc;
    if (c->runs <= c->lose)
        return err_set(e, E_RETRY, "a test's lost race");
    if (c->fail_with != E_OK)
        return err_set(e, c->fail_with, "a test's refusal");
    return E_OK;
}

static size_t count_rooms(struct db *db, struct arena *a)
{
    struct err e = {0};
    struct room *rooms;
    size_t n = 0;
    assert_int_equal(db_rooms(db, a, &rooms, &n, &e), E_OK);
    return n;
}

static void test_tx_runs_again_after_a_lost_race(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    struct arena *a = arena_new();
    assert_int_equal(store_migrate(f->s, NULL, &e), E_OK);
    struct db *db = db_acquire(f->s);

    struct tx_ctx once = {"once", 0, 0, E_OK};
    assert_int_equal(db_tx(db, tx_body, &once, &e), E_OK);
    assert_int_equal(once.runs, 1);
    assert_int_equal(count_rooms(db, a), 1);

    struct tx_ctx twice = {"twice", 0, 2, E_OK};
    assert_int_equal(db_tx(db, tx_body, &twice, &e), E_OK);
    assert_int_equal(twice.runs, 3);
    assert_int_equal(count_rooms(db, a), 2); /* only the last run's room */

    struct tx_ctx always = {"always", 0, 1000, E_OK};
    assert_int_equal(db_tx(db, tx_body, &always, &e), E_UNAVAILABLE);
    assert_true(always.runs > 1 && always.runs < 10);
    assert_non_null(strstr(e.msg, "busy"));
    assert_int_equal(count_rooms(db, a), 2);

    struct tx_ctx refused = {"refused", 0, 0, E_CONFLICT};
    assert_int_equal(db_tx(db, tx_body, &refused, &e), E_CONFLICT);
    assert_int_equal(refused.runs, 1);
    assert_int_equal(count_rooms(db, a), 2);
    db_release(db);
    arena_free(a);
}

/* db_hold_versions: one request reads the data versions once (a round trip
 * on PostgreSQL); another server's change is seen by its next request, a
 * transaction reads afresh, and so does the request after its own write. */
static void test_versions_read_once_a_request(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    int64_t c0, a0, c, a;
    assert_int_equal(store_migrate(f->s, NULL, &e), E_OK);
    struct db *db = db_acquire(f->s);
    db_hold_versions(db);
    assert_int_equal(db_versions(db, &c0, &a0, &e), E_OK);
    /* another server adds a room: this request keeps what it read */
    assert_int_equal(fixture_exec(f, "INSERT INTO rooms (name, location_id) VALUES ('Other 1', 1)"),
                     0);
    assert_int_equal(db_versions(db, &c, &a, &e), E_OK);
    assert_true(c == c0 && a == a0);
    assert_int_equal(db_clinic_version(db, &c, &e), E_OK);
    assert_true(c == c0);
    /* a transaction's check reads afresh */
    assert_int_equal(db_begin(db, &e), E_OK);
    assert_int_equal(db_clinic_version(db, &c, &e), E_OK);
    assert_true(c > c0);
    db_rollback(db);
    /* the next request reads afresh */
    db_release(db);
    db = db_acquire(f->s);
    db_hold_versions(db);
    assert_int_equal(db_versions(db, &c0, &a0, &e), E_OK);
    assert_true(c0 == c);
    /* after a write of its own (any statement but a SELECT) it reads again */
    assert_int_equal(fixture_exec(f, "INSERT INTO rooms (name, location_id) VALUES ('Other 2', 1)"),
                     0);
    struct room r = {0, "Own", NULL, 0, STORE_FIRST_LOCATION};
    assert_int_equal(db_add_room(db, &r, NULL, &e), E_OK);
    assert_int_equal(db_versions(db, &c, &a, &e), E_OK);
    assert_true(c >= c0 + 2);
    db_release(db);
    /* without db_hold_versions every call reads */
    db = db_acquire(f->s);
    assert_int_equal(db_versions(db, &c0, &a0, &e), E_OK);
    assert_int_equal(fixture_exec(f, "INSERT INTO rooms (name, location_id) VALUES ('Other 3', 1)"),
                     0);
    assert_int_equal(db_clinic_version(db, &c, &e), E_OK);
    assert_true(c > c0);
    db_release(db);
}

/* db_versions without a read (SQLite: the wal-index header unmoved since the
 * last read): repeated asks with nothing committed between them read once;
 * any commit by another connection (another process's is the same header),
 * a checkpoint that restarts the log, or a write of the store's own is seen
 * by the very next ask; a change not yet committed is not; and inside a
 * transaction every ask reads.  /metrics shows the counts. */
static uint64_t kept(struct store *s)
{
    struct store_stats st;
    store_stats(s, &st);
    return st.versions_kept;
}

static void test_versions_kept_until_anything_commits(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    int64_t c0, a0, c, a;
    if (fixture_pg())
        skip();
    assert_int_equal(store_migrate(f->s, NULL, &e), E_OK);
    struct db *db = db_acquire(f->s);
    assert_int_equal(db_versions(db, &c0, &a0, &e), E_OK);
    uint64_t k0 = kept(f->s);
    for (int i = 0; i < 50; i++) {
        assert_int_equal(db_versions(db, &c, &a, &e), E_OK);
        assert_true(c == c0 && a == a0);
    }
    assert_int_equal(kept(f->s), k0 + 50);
    /* another connection's commit: the next ask reads, and sees it */
    assert_int_equal(fixture_exec(f, "INSERT INTO rooms (name, location_id) VALUES ('K1', 1)"), 0);
    assert_int_equal(db_versions(db, &c, &a, &e), E_OK);
    assert_true(c > c0);
    assert_int_equal(kept(f->s), k0 + 50);
    c0 = c;
    assert_int_equal(db_versions(db, &c, &a, &e), E_OK);
    assert_true(c == c0);
    assert_int_equal(kept(f->s), k0 + 51);
    /* the appointments' version too */
    assert_int_equal(fixture_exec(f, "UPDATE appointments_version SET version = version + 1"), 0);
    assert_int_equal(db_versions(db, &c, &a, &e), E_OK);
    assert_true(c == c0 && a == a0 + 1);
    a0 = a;
    /* a checkpoint that empties the log, then a change: seen */
    assert_int_equal(fixture_exec(f, "PRAGMA wal_checkpoint(TRUNCATE)"), 0);
    assert_int_equal(db_versions(db, &c, &a, &e), E_OK);
    assert_true(c == c0 && a == a0);
    assert_int_equal(fixture_exec(f, "INSERT INTO rooms (name, location_id) VALUES ('K2', 1)"), 0);
    assert_int_equal(db_versions(db, &c, &a, &e), E_OK);
    assert_true(c > c0);
    c0 = c;
    /* another connection's transaction not yet committed: not seen; then
     * committed: seen */
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(f->path, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "BEGIN IMMEDIATE; INSERT INTO rooms (name, location_id)"
                                     " VALUES ('K3', 1)", NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(db_versions(db, &c, &a, &e), E_OK);
    assert_true(c == c0);
    assert_int_equal(sqlite3_exec(h, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    assert_int_equal(db_versions(db, &c, &a, &e), E_OK);
    assert_true(c > c0);
    c0 = c;
    /* the store's own write on another of its connections */
    struct db *other = db_acquire(f->s);
    struct room r = {0, "Own", NULL, 0, STORE_FIRST_LOCATION};
    assert_int_equal(db_add_room(other, &r, NULL, &e), E_OK);
    db_release(other);
    assert_int_equal(db_versions(db, &c, &a, &e), E_OK);
    assert_true(c > c0);
    c0 = c;
    /* in a transaction its own change moves no header: every ask reads */
    uint64_t k1 = kept(f->s);
    assert_int_equal(db_begin(db, &e), E_OK);
    struct room r2 = {0, "Own 2", NULL, 0, STORE_FIRST_LOCATION};
    assert_int_equal(db_add_room(db, &r2, NULL, &e), E_OK);
    assert_int_equal(db_versions(db, &c, &a, &e), E_OK);
    assert_true(c > c0);
    db_rollback(db);
    assert_int_equal(kept(f->s), k1);
    assert_int_equal(db_versions(db, &c, &a, &e), E_OK);
    assert_true(c == c0);
    db_release(db);
}

/* db_tx_shared: bodies from several threads at once may share one
 * transaction and one commit; each is still undone alone when it fails (its
 * room is gone, the others' stay), runs again after a lost race, and the
 * leader's connection is the one each body is given. */
#define SHARED_THREADS 8

struct shared_arg {
    struct store *s;
    struct tx_ctx c;
    enum err_code rc;
};

static void *shared_thread(void *p)
{
    struct shared_arg *x = p;
    struct err e = {0};
    struct db *db = db_acquire(x->s);
    x->rc = db_tx_shared(db, tx_body, &x->c, &e);
    db_release(db);
    return NULL;
}

static void test_tx_shared_undoes_only_the_failing_body(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    struct arena *a = arena_new();
    struct store *s = NULL;
    assert_int_equal(store_migrate(f->s, NULL, &e), E_OK);
    assert_int_equal(store_open(f->path, SHARED_THREADS + 1, &s, &e), E_OK);
    char tags[SHARED_THREADS][16];
    struct shared_arg args[SHARED_THREADS];
    pthread_t th[SHARED_THREADS];
    for (int round = 0; round < 20; round++) {
        for (int i = 0; i < SHARED_THREADS; i++) {
            memset(&args[i], 0, sizeof args[i]);
            snprintf(tags[i], sizeof tags[i], "s%d r%d", i, round); /* room names are unique */
            args[i].s = s;
            args[i].c.tag = tags[i];
            args[i].c.lose = i == 5 ? 1 : 0;                /* one loses a race once */
            args[i].c.fail_with = i % 3 == 2 ? E_CONFLICT : E_OK; /* s2 and s5 refuse */
            assert_int_equal(pthread_create(&th[i], NULL, shared_thread, &args[i]), 0);
        }
        for (int i = 0; i < SHARED_THREADS; i++)
            assert_int_equal(pthread_join(th[i], NULL), 0);
        for (int i = 0; i < SHARED_THREADS; i++)
            assert_int_equal(args[i].rc, i % 3 == 2 ? E_CONFLICT : E_OK);
        assert_int_equal(args[5].c.runs, 2);
    }
    struct db *db = db_acquire(s);
    /* 6 of 8 bodies stored their room in each of 20 rounds; none of s2, s5 */
    assert_int_equal(count_rooms(db, a), 6 * 20);
    struct room *rooms;
    size_t n = 0;
    assert_int_equal(db_rooms(db, a, &rooms, &n, &e), E_OK);
    for (size_t i = 0; i < n; i++)
        assert_true(strncmp(rooms[i].name, "s2 ", 3) != 0 && strncmp(rooms[i].name, "s5 ", 3) != 0);
    db_release(db);
    store_close(s);
    arena_free(a);
}

/* PostgreSQL: two servers' render passes read the same waiting rows.  A row
 * the other pass is deleting (locked until its commit) is skipped at once,
 * "gone", instead of waited for; when that pass rolls back, the row stays
 * and the next pass takes it (at least once). */
struct done_arg {
    struct db *db;
    int64_t id;
    int gone;
    enum err_code rc;
    int finished; /* atomic */
};

static void *done_thread(void *p)
{
    struct done_arg *d = p;
    struct err e = {0};
    d->rc = db_sched_event_done(d->db, d->id, &d->gone, &e);
    __atomic_store_n(&d->finished, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

static int pg_ok(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    return ok;
}

static void test_event_done_skips_a_row_another_pass_is_deleting(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    if (!fixture_pg())
        skip(); /* SQLite has one writer at a time: no second pass holds the row */
    assert_int_equal(store_migrate(f->s, NULL, &e), E_OK);
    assert_int_equal(fixture_exec(f, "INSERT INTO sched_events (kind, appointment_id, at)"
                                     " VALUES ('booked', 1, 0)"),
                     0);
    int64_t id = fixture_count(f, "SELECT max(id) FROM sched_events");
    assert_true(id > 0);
    PGconn *other = PQconnectdb(f->path); /* the other server's pass */
    assert_int_equal(PQstatus(other), CONNECTION_OK);
    assert_true(pg_ok(other, "BEGIN"));
    char sql[96];
    snprintf(sql, sizeof sql, "DELETE FROM sched_events WHERE id = %lld", (long long)id);
    assert_true(pg_ok(other, sql));

    struct done_arg d = {db_acquire(f->s), id, -1, E_INTERNAL, 0};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, done_thread, &d), 0);
    struct timespec tick = {0, 10 * 1000 * 1000};
    for (int i = 0; i < 1000 && !__atomic_load_n(&d.finished, __ATOMIC_SEQ_CST); i++)
        nanosleep(&tick, NULL); /* at most 10 s */
    int finished = __atomic_load_n(&d.finished, __ATOMIC_SEQ_CST);
    assert_true(pg_ok(other, "ROLLBACK")); /* also frees a pass that waited */
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_true(finished); /* it did not wait for the other pass's commit */
    assert_int_equal(d.rc, E_OK);
    assert_int_equal(d.gone, 0);

    /* the other pass rolled back: the row is still there, and this pass takes it */
    assert_int_equal(db_sched_event_done(d.db, id, &d.gone, &e), E_OK);
    assert_int_equal(d.gone, 1);
    assert_int_equal(fixture_count(f, "SELECT count(*) FROM sched_events"), 0);
    db_release(d.db);
    PQfinish(other);
}

/* Two servers' render passes may both read one waiting change; the first
 * deletes it by id once its messages are queued, and the second's delete,
 * by the same id, must not remove a later change that was given that id
 * (SQLite reused the largest deleted rowid: migration 0072). */
static void test_event_ids_are_never_used_twice(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    int gone = -1;
    assert_int_equal(store_migrate(f->s, NULL, &e), E_OK);
    assert_int_equal(fixture_exec(f, "INSERT INTO sched_events (kind, appointment_id, at)"
                                     " VALUES ('booked', 1, 0)"),
                     0);
    int64_t first = fixture_count(f, "SELECT max(id) FROM sched_events");
    assert_true(first > 0);
    struct db *db = db_acquire(f->s);
    assert_int_equal(db_sched_event_done(db, first, &gone, &e), E_OK);
    assert_int_equal(gone, 1);
    assert_int_equal(fixture_exec(f, "INSERT INTO sched_events (kind, appointment_id, at)"
                                     " VALUES ('booked', 2, 0)"),
                     0);
    int64_t second = fixture_count(f, "SELECT max(id) FROM sched_events");
    assert_true(second > first);
    /* the late second delete of the first change leaves the new one */
    assert_int_equal(db_sched_event_done(db, first, &gone, &e), E_OK);
    assert_int_equal(gone, 0);
    assert_int_equal(fixture_count(f, "SELECT count(*) FROM sched_events"), 1);
    db_release(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_migrate_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_event_ids_are_never_used_twice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_fills_gaps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_demo_seed_and_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_to_one_location, setup, teardown),
        cmocka_unit_test_setup_teardown(test_demo_refuses_then_force, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_write_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals_in_our_words, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_runs_again_after_a_lost_race, setup, teardown),
        cmocka_unit_test_setup_teardown(test_versions_read_once_a_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_versions_kept_until_anything_commits, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_event_done_skips_a_row_another_pass_is_deleting, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_tx_shared_undoes_only_the_failing_body, setup,
                                        teardown),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
