/* store — the ONE way anything reaches the database (STYLE rule 10).
 *
 * This header speaks only in the project's types.  Behind it, the store's
 * areas (st_*.c) run named queries (queries/<driver>.sql) through a small
 * driver seam (drv.h; drv_sqlite.c now, a PostgreSQL driver later): see
 * docs/STORE.md.  A `struct store` is a pool of connections shared by the
 * server's threads; a `struct db` is one connection, taken with
 * db_acquire() and given back with db_release().  Queries are prepared once
 * per connection and reused; user data never enters SQL text.
 *
 * Every function returns E_OK or an error code with a message in *e and,
 * on error, changes nothing stored (writes run in one transaction).  The
 * message is the store's own sentence: no database's error text is put in
 * *e (it goes to the log).  Results are allocated on the caller's arena. */
#ifndef KNEAD_STORE_STORE_H
#define KNEAD_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "util/arena.h"

struct store;
struct db;

struct service {
    const char *id, *name, *description;
    int duration_min, buffer_min, price_cents, active, position;
    /* Overrides of the clinic's booking rules; -1 = use the clinic's. */
    int min_notice_minutes, horizon_days, late_cancel_hours;
};

struct therapist {
    const char *id, *name, *title, *bio, *photo, *photo_alt;
    int active, position;
    const char **service_ids; /* services the therapist offers, by position */
    size_t nservices;
    const char *specialties; /* comma-separated, for clients; NULL reads as "" */
};

/* A place where the clinic works (migration 0036): its own address,
 * timezone, opening hours, closed dates and rooms.  Location 1
 * (STORE_FIRST_LOCATION) always exists; an empty address or timezone reads
 * as the config file's [clinic] address and timezone. */
struct location {
    int64_t id;
    const char *name, *address, *timezone;
    int position;
    /* read only (written by db_location_archive / db_location_rules): */
    int64_t archived_at; /* 0 = in use; else when it was archived (0063) */
    /* its booking rules (0064); -1 = the clinic's */
    int min_notice_minutes, horizon_days, late_cancel_hours;
};
#define STORE_FIRST_LOCATION 1

struct room {
    int64_t id;
    const char *name;
    const char **service_ids;
    size_t nservices;
    int64_t location_id; /* 0 on a write = STORE_FIRST_LOCATION */
};

/* A span of a weekday, minutes after the location's local midnight. */
struct week_span {
    int weekday; /* 0 = Sunday */
    int start_min, end_min;
    int64_t location_id; /* where; 0 on a write = STORE_FIRST_LOCATION */
};

/* Working hours and breaks of one therapist, sorted by weekday and start. */
struct therapist_week {
    struct week_span *work;
    size_t nwork;
    struct week_span *breaks;
    size_t nbreaks;
};

/* An appointment, with the names a page or the API shows. */
struct appointment {
    int64_t id;
    const char *service_id, *therapist_id;
    int64_t room_id, client_id;
    int64_t start, end, busy_until; /* busy_until = end + the service's buffer */
    const char *status;             /* "booked", "checked_in", "completed", "no_show", "cancelled" */
    const char *notes, *source;
    int64_t created_at, cancelled_at; /* cancelled_at 0 = not cancelled */
    int cancel_late;
    const char *cancel_reason;
    /* the phone the booking gave ("" when none): a stored client's phone is
     * never changed by an online booking, so it may differ from client_phone */
    const char *contact_phone;
    /* joined, read-only */
    const char *service_name, *therapist_name, *room_name;
    const char *client_name, *client_email, *client_phone;
    /* the room's location (its address and timezone: "" = the config's) */
    int64_t location_id;
    const char *location_name, *location_address, *location_timezone;
    /* counts changes of time, therapist, room, service and status (a trigger
     * bumps it): the SEQUENCE of the appointment's calendar event */
    int revision;
    /* when the booking consented to reminders by text; 0 = it did not */
    int64_t sms_consent_at;
};

/* What makes a therapist or a room busy: an appointment that is not cancelled,
 * from its start to busy_until. */
struct busy {
    int64_t appointment_id;
    const char *therapist_id;
    int64_t room_id;
    int64_t start, end;
};

struct time_off {
    int64_t id;
    const char *therapist_id;
    int64_t start, end;
    const char *reason;
};

/* An account.  role: "admin", "desk", "therapist", "client". */
struct user {
    int64_t id;
    const char *email, *name, *role;
    const char *therapist_id; /* the therapist this account is, or "" */
    int active;
};

#define STORE_TOKEN_HASH 32 /* bytes of a manage-token hash */

/* Opens the database at path, with a pool of `conns` connections: a
 * PostgreSQL URL (postgresql://user@host/db, store_is_url) picks the
 * PostgreSQL driver, which connects to an existing database; anything else
 * is a SQLite file, created if missing (WAL, foreign keys, busy timeout).
 * Does not migrate. */
enum err_code store_open(const char *path, int conns, struct store **out, struct err *e);
/* 1 when where is a PostgreSQL URL (postgresql:// or postgres://). */
int store_is_url(const char *where);
/* where as it may be shown (a message, the log): a URL's password replaced
 * by "***".  Returns where itself or a per-thread buffer valid until the
 * next call on this thread.  Can't fail. */
const char *store_shown(const char *where);
/* The driver's name: "sqlite" or "pg".  Can't fail. */
const char *store_driver(const struct store *s);
/* Called by store_copy for each table copied and verified. */
typedef void (*store_copy_fn)(void *ctx, const char *table, int64_t rows, uint64_t checksum);
/* knead copy: the clinic in the SQLite file `from` (at this knead's schema
 * version) into the PostgreSQL database `to` (a URL), which is migrated and
 * must hold no clinic data.  One transaction on each side; each table's row
 * count and checksum are read back from the target and compared before the
 * commit.  On error returns its code with e set and changes nothing in
 * either database (the target may have gained the schema). */
enum err_code store_copy(const char *from, const char *to, store_copy_fn report, void *ctx,
                         struct err *e);
/* Closes every connection; all must have been released.  Accepts NULL. */
void store_close(struct store *s);
/* Applies the migrations not yet applied (each number not recorded yet, so
 * one below the newest applied is still applied), each in its own
 * transaction, and records them in schema_version.  *applied gets the count (may be NULL). */
enum err_code store_migrate(struct store *s, int *applied, struct err *e);
/* Schema version in force (0 for an empty database). */
enum err_code store_version(struct store *s, int *version, struct err *e);

/* Whether writes work: STORE_WRITES_OK, or why the last one failed (the
 * write lock held elsewhere past the busy timeout, a full disk or size cap,
 * a read-only file, a disk error) until one commits again.  Such a failure
 * is E_UNAVAILABLE (503) with a message for a person and e->problem
 * "database_busy", "database_full" or "database_unavailable".  Can't fail. */
enum store_writes {
    STORE_WRITES_OK = 0,
    STORE_WRITES_BUSY,
    STORE_WRITES_FULL,
    STORE_WRITES_READONLY,
    STORE_WRITES_IOERR,
};
enum store_writes store_writes(struct store *s);

/* What the database work of this process cost since start (a driver that
 * counts nothing leaves *out zeroed and returns 0).  SQLite: writing transactions
 * committed (each one sync of the log), the transaction bodies they
 * carried (db_tx_shared puts several in one commit), and two histograms in
 * microseconds: the wait for the write lock before BEGIN, and the COMMIT
 * itself (the fsync).  le[i] counts those of at most
 * STORE_HIST_BOUNDS_US[i]; the last bound is no bound.  Can't fail. */
#define STORE_HIST_N 11
extern const int64_t STORE_HIST_BOUNDS_US[STORE_HIST_N];
struct store_hist {
    uint64_t le[STORE_HIST_N]; /* cumulative, as Prometheus's buckets */
    uint64_t count, sum_us;
};
/* has: which of the figures below the driver counts.  A server's driver
 * (PostgreSQL) counts instead the statements it sent and the round trips
 * they took (a pipelined BEGIN and its statement: two statements, one
 * round trip), the measure of what a request costs there.
 * STORE_HAS_VERSIONS (SQLite): db_versions answered without a read because
 * nothing had committed since the last read (versions_kept), and those that
 * read (versions_read).  STORE_HAS_SHARED (PostgreSQL): the data-version
 * reads outside a transaction it made (version_reads), and the requests that
 * took another's read, begun after they asked, instead of their own
 * (version_reads_shared; db_versions). */
enum { STORE_HAS_COMMITS = 1, STORE_HAS_TRIPS = 2, STORE_HAS_VERSIONS = 4, STORE_HAS_SHARED = 8 };
struct store_stats {
    unsigned has;
    uint64_t commits, bodies;
    uint64_t versions_kept, versions_read;
    struct store_hist lock_wait, commit;
    uint64_t statements, round_trips;
    uint64_t version_reads, version_reads_shared;
};
int store_stats(struct store *s, struct store_stats *out);
/* Caps the database at max_bytes ([database] max_size_mb): a write past it
 * fails as full.  0 = no cap.  Returns E_OK or an error. */
enum err_code store_limit_size(struct store *s, int64_t max_bytes, struct err *e);

/* Backups (knead backup, [backup] in serve).  store_backup copies the whole
 * database into the file `to` (new, or empty as mkstemp leaves it) as of
 * one instant, while other connections go on writing (SQLite's online
 * backup API); the caller makes it durable and moves it into place. */
enum err_code store_backup(struct store *s, const char *to, struct err *e);
/* The newest schema version this binary knows (its last migration). */
int store_latest_version(void);
/* Checks a backup before a restore: a SQLite file that passes
 * integrity_check and holds a Knead schema no newer than this binary's
 * (*version gets it); then, if into is not NULL, copies it into that file
 * as store_backup does.  E_NOTFOUND, E_UNPROCESSABLE (with the reason) or
 * E_UNAVAILABLE (the copy could not be written). */
enum err_code store_check_copy(const char *path, const char *into, int *version, struct err *e);
/* Before a restore replaces the database at path: E_CONFLICT when another
 * process has it open (a running server), else E_OK with *fd_out a
 * descriptor (or -1) whose lock keeps a server that starts meanwhile from
 * sharing it; close it once the file is replaced. */
enum err_code store_claim_unused(const char *path, int *fd_out, struct err *e);

/* Takes a connection from the pool, waiting if all are in use.  Can't fail. */
struct db *db_acquire(struct store *s);
/* Gives it back; rolls back a transaction left open.  Accepts NULL. */
void db_release(struct db *db);
/* For one request's (or one worker pass's) use of db, until db_release:
 * db_versions and db_clinic_version read the database once and answer the
 * same again, so that a request's set-up lookups, zones and rules cost one
 * round trip however many of them it makes.  What was read is forgotten
 * whenever db begins, commits or rolls back a transaction or runs any
 * statement that is not a SELECT, so a request sees its own changes and a
 * transaction's check reads afresh; and at db_release, so the next request
 * reads again ("seen by the other server's next request" still holds).
 *
 * How fresh: a read of the versions (held or not) comes from a read of the
 * database that began after the call, so every commit that returned before
 * the call, through any server, is in it.  Outside a transaction on a
 * driver whose read is a round trip (PostgreSQL), calls made while one read
 * is in flight share the next read rather than each making one (coalesce.h):
 * never the read in flight, which may have begun before their call; if the
 * shared read fails each reads alone.  Inside a transaction the versions are
 * read on its own connection.  Can't fail. */
void db_hold_versions(struct db *db);
/* Forgets the versions db_hold_versions kept (a change that ran on another
 * connection for this one: db_tx_shared). Accepts NULL. */
void db_forget_versions(struct db *db);

/* Transactions: the concurrency contract every driver keeps.
 *
 * db_begin opens a writing transaction whose decision holds: a change that
 * reads, decides and then writes (a booking reads the calendar, finds the
 * time free and inserts) cannot be undone by another that decides on the
 * same rows — nobody is double-booked.  SQLite keeps it by letting one
 * writer in at a time (BEGIN IMMEDIATE): its transactions are serialisable.
 * PostgreSQL runs writers side by side at READ COMMITTED (drv_pg.c), and
 * the database guards each decision instead: exclusion constraints (the
 * calendar), unique keys, UPDATEs conditioned on the state they change, and
 * a row lock taken first where a change reads and then replaces a set of
 * rows (db_lock_therapist, db_lock_location), whose lock a booking takes
 * shared before it reads the set-up it books by (db_hold_for_booking), so a change
 * of hours or an archive and a booking each see the other, whichever came
 * first.  There one of two conflicting
 * transactions may fail with E_RETRY (a deadlock, a serialisation failure),
 * at any statement or at commit, having changed nothing.  Run every writing
 * transaction through db_tx, or end it with db_retry or db_again, so it runs
 * again and the loser is never shown.
 *
 * Reads outside a transaction see committed data, each statement on its
 * own.  A busy database (a lock not granted within the driver's timeout) is
 * E_UNAVAILABLE. */
enum err_code db_begin(struct db *db, struct err *e);  /* a writing transaction */
/* The same, but E_UNAVAILABLE at once when another holds the write lock: for
 * a write a read may skip (a session's last-seen time). */
enum err_code db_begin_nowait(struct db *db, struct err *e);
enum err_code db_commit(struct db *db, struct err *e); /* on error, rolled back */
void db_rollback(struct db *db);                       /* can't fail; no-op if none open */

/* The body of a transaction for db_tx.  It may run more than once, so it
 * changes nothing outside the database (or only what it can do again). */
typedef enum err_code (*db_tx_fn)(struct db *db, void *ctx, struct err *e);
/* Runs fn inside db_begin/db_commit.  On E_RETRY (from fn, a store call or
 * the commit) rolls back and runs it again, up to a few times, then gives
 * E_UNAVAILABLE; any other error is rolled back and returned.  SQLite
 * never reports E_RETRY, so there it runs fn once. */
enum err_code db_tx(struct db *db, db_tx_fn fn, void *ctx, struct err *e);
/* db_tx, but the driver may run fn inside one transaction with other
 * callers' bodies and commit them together (group commit: SQLite syncs its
 * log once for all of them).  fn then runs on another thread and another
 * connection (the db it is given; never the caller's), after the bodies
 * queued before it, so it sees their changes; its own changes roll back
 * alone when it fails (a savepoint each), and all of them when the commit
 * fails.  So fn must, as for db_tx, do nothing outside the database and use
 * only the db it is given; the caller waits until the shared commit is done. */
enum err_code db_tx_shared(struct db *db, db_tx_fn fn, void *ctx, struct err *e);
/* For a transaction written inline (begin ... commit, rollback on error):
 * after the rollback, 1 when *rc is E_RETRY and another try is allowed
 * (*tries counts them; start it at 0); else 0, with an exhausted E_RETRY
 * turned into E_UNAVAILABLE in *rc and e. */
int db_retry(struct db *db, enum err_code *rc, int *tries, struct err *e);
/* The same for an inline transaction written as one condition (begin ||
 * calls || commit) whose failure left its code in e: rolls back, then 1
 * when it lost a race and another try is allowed (e cleared: run it again
 * from db_begin); else 0, e as db_retry leaves it.
 *   int tries = 0;
 * again:
 *   if (db_begin(db, &e) != E_OK || db_x(db, .., &e) != E_OK || db_commit(db, &e) != E_OK) {
 *       if (db_again(db, &tries, &e))
 *           goto again;
 *       ... e.code says what failed ... */
int db_again(struct db *db, int *tries, struct err *e);

/* The schema version in force; also proves the database answers (healthz). */
enum err_code db_schema_version(struct db *db, int *version, struct err *e);
/* A number that changes whenever the clinic's set-up (services, therapists,
 * rooms, hours, closed dates, time off) changes; appointments do not move it. */
enum err_code db_clinic_version(struct db *db, int64_t *version, struct err *e);
/* Both version numbers in one read: the clinic's, and the appointments'
 * (which moves whenever an appointment or a client is added, changed or
 * deleted). */
enum err_code db_versions(struct db *db, int64_t *clinic, int64_t *appointments, struct err *e);
/* The closed dates ("YYYY-MM-DD") of one location, sorted. */
enum err_code db_closed_dates(struct db *db, struct arena *a, int64_t location_id,
                              const char ***out, size_t *n, struct err *e);
/* Every location, by position then id (never empty: location 1 exists). */
enum err_code db_locations(struct db *db, struct arena *a, struct location **out, size_t *n,
                           struct err *e);
/* Adds (l->id 0; *id gets the new id, may be NULL) or changes location
 * l->id.  E_UNPROCESSABLE when another location has the name (or a field
 * is out of range), E_NOTFOUND when l->id does not exist. */
/* *n = the booked or checked-in appointments at location_id that end after
 * now (its "future live" ones, which keep it from being archived). */
enum err_code db_location_future_live(struct db *db, int64_t location_id, int64_t now,
                                      int64_t *n, struct err *e);
/* Sets location_id's archived_at (0 = restores it); E_NOTFOUND if none.
 * The caller checks db_location_future_live in the same transaction. */
enum err_code db_location_archive(struct db *db, int64_t location_id, int64_t at, struct err *e);
/* Sets location_id's own booking rules (each -1 = the clinic's); E_NOTFOUND
 * if none. */
enum err_code db_location_rules(struct db *db, int64_t location_id, int min_notice_minutes,
                                int horizon_days, int late_cancel_hours, struct err *e);
enum err_code db_put_location(struct db *db, const struct location *l, int64_t *id,
                              struct err *e);
/* *empty = 1 when the clinic holds no services, therapists or rooms. */
enum err_code db_is_empty(struct db *db, int *empty, struct err *e);
/* Deletes all clinic data (for `knead demo --force`); inside a transaction. */
enum err_code db_wipe(struct db *db, struct err *e);

/* Lists by position then name; active_only skips inactive rows. */
enum err_code db_services(struct db *db, struct arena *a, int active_only,
                          struct service **out, size_t *n, struct err *e);
enum err_code db_service(struct db *db, struct arena *a, const char *id, struct service *out,
                         struct err *e); /* E_NOTFOUND if absent */
enum err_code db_therapists(struct db *db, struct arena *a, int active_only,
                            struct therapist **out, size_t *n, struct err *e);
enum err_code db_therapist(struct db *db, struct arena *a, const char *id,
                           struct therapist *out, struct err *e); /* E_NOTFOUND if absent */
enum err_code db_therapist_week(struct db *db, struct arena *a, const char *id,
                                struct therapist_week *out, struct err *e);
/* Inside db_begin/db_commit, first, for a change that reads, decides and
 * then replaces a therapist's own rows (the working hours) or a location's
 * (opening hours, closed dates): holds them against another transaction
 * doing the same until this one ends, so the second reads what the first
 * saved and neither's rows mix with the other's, and waits for the bookings
 * holding it (db_hold_for_booking).  PostgreSQL takes the therapist's or the
 * location's advisory lock, then locks its row (its writers run side by side
 * at READ COMMITTED); SQLite's one writer holds everything already.  E_NOTFOUND when
 * there is no such therapist or location. */
enum err_code db_lock_therapist(struct db *db, const char *id, struct err *e);
enum err_code db_lock_location(struct db *db, int64_t id, struct err *e);
/* Inside db_begin/db_commit, first, for a change that every booking reads
 * whatever its location: the clinic's booking rules, a service (its
 * duration, buffer, therapists, rooms), a therapist (active, services), a
 * room (archived, out of service, services).  Waits for the bookings in
 * flight (each holds its location, db_hold_for_booking) and holds the later
 * ones until this transaction ends, so none commits under what this change
 * replaces.  PostgreSQL: every location's advisory lock, exclusively;
 * SQLite's one writer holds everything already. */
enum err_code db_lock_setup(struct db *db, struct err *e);
/* Inside a booking's (or a move's) transaction, first, in one statement:
 * holds one person's bookings (email_key: "e:" and the e-mail in lower case,
 * phone_key: "p:" and the phone in E.164; NULL or "" for none) until the
 * transaction ends, so that two bookings of one person decide the client
 * overlap one after the other; and holds its location and the therapists it
 * may book (n ids) against a change that locks one of them with
 * db_lock_location or db_lock_therapist (archiving, hours, closed dates,
 * time off) until this transaction ends.  Bookings of different people do
 * not hold one another.  PostgreSQL takes the person's advisory locks
 * exclusively, then the others shared (the changes take them exclusively
 * before their row lock); SQLite's one writer holds everything already.  A
 * change committed before it is seen in the reads after it; one after it
 * waits, then sees the booking. */
enum err_code db_hold_for_booking(struct db *db, const char *email_key, const char *phone_key,
                                  int64_t location_id, const char *const *therapist_ids, size_t n,
                                  struct err *e);
enum err_code db_rooms(struct db *db, struct arena *a, struct room **out, size_t *n,
                       struct err *e);
/* Every location's opening hours, by location, weekday and start. */
enum err_code db_clinic_hours(struct db *db, struct arena *a, struct week_span **out,
                              size_t *n, struct err *e);

/* Writes (insert or replace by id).  Constraint violations → E_UNPROCESSABLE. */
enum err_code db_put_service(struct db *db, const struct service *s, struct err *e);
/* Also replaces the therapist's service list with t->service_ids. */
enum err_code db_put_therapist(struct db *db, const struct therapist *t, struct err *e);
/* Inserts a room with its services; *id gets the new id (may be NULL). */
enum err_code db_add_room(struct db *db, const struct room *r, int64_t *id, struct err *e);
/* Replaces the therapist's weekly hours and breaks at every location
 * (each span names its location). */
enum err_code db_put_therapist_week(struct db *db, const char *therapist_id,
                                    const struct therapist_week *w, struct err *e);
/* Replaces the opening hours of one location (the spans' location_id is
 * not read). */
enum err_code db_put_clinic_hours(struct db *db, int64_t location_id, const struct week_span *spans,
                                  size_t n, struct err *e);

/* ---- accounts ---- */

/* Adds an account with an argon2id hash; E_CONFLICT if the email is taken. */
enum err_code db_add_user(struct db *db, const struct user *u, const char *password_hash,
                          int64_t now, int64_t *id, struct err *e);
/* The active account with this email (any case) and its password hash;
 * E_NOTFOUND if none. */
enum err_code db_user_by_email(struct db *db, struct arena *a, const char *email,
                               struct user *out, const char **password_hash, struct err *e);
enum err_code db_set_password(struct db *db, int64_t user_id, const char *password_hash,
                              struct err *e);
enum err_code db_add_session(struct db *db, const unsigned char hash[STORE_TOKEN_HASH],
                             int64_t user_id, int64_t now, struct err *e);
/* The session's account and times; E_NOTFOUND if no such session or the
 * account is inactive. */
enum err_code db_session(struct db *db, struct arena *a, const unsigned char hash[STORE_TOKEN_HASH],
                         struct user *out, int64_t *created, int64_t *seen, struct err *e);
enum err_code db_touch_session(struct db *db, const unsigned char hash[STORE_TOKEN_HASH],
                               int64_t now, struct err *e);
enum err_code db_delete_session(struct db *db, const unsigned char hash[STORE_TOKEN_HASH],
                                struct err *e);
/* Ends every session of the account except `keep` (may be NULL). */
enum err_code db_delete_user_sessions(struct db *db, int64_t user_id,
                                      const unsigned char *keep, struct err *e);
enum err_code db_add_login_failure(struct db *db, const char *email, const char *address,
                                   int64_t now, struct err *e);
/* Failures since `since` for the pair (email from address) and for the
 * address (any email), with the newest of each (0 when none). */
enum err_code db_login_failures(struct db *db, const char *email, const char *address,
                                int64_t since, int *by_pair, int64_t *newest_pair,
                                int *by_address, int64_t *newest_address, struct err *e);
/* Forgets the failures of the pair: a success from elsewhere leaves them. */
enum err_code db_clear_login_failures(struct db *db, const char *email, const char *address,
                                      struct err *e);
/* The throttles of anonymous bookings and waitlist sign-ups (web/throttle):
 * kind "book", "waitlist" or "gift_code", keys "a:ADDRESS" and "e:email"
 * (NULL or "" for none).  Counts each key's hits since `since`, with the
 * oldest of them (0 when none), in one statement. */
enum err_code db_throttle_count(struct db *db, struct arena *a, const char *kind,
                                const char *const keys[2], int64_t since, int count[2],
                                int64_t oldest[2], struct err *e);
/* Records one hit at now for each key, in one statement; hits older than a
 * day go with it (migration 0070). */
enum err_code db_throttle_add(struct db *db, const char *kind, const char *const keys[2],
                              int64_t now, struct err *e);

/* ---- booking ---- */

/* Appointments not cancelled that overlap [t0, t1), sorted by start. */
enum err_code db_busy(struct db *db, struct arena *a, int64_t t0, int64_t t1, struct busy **out,
                      size_t *n, struct err *e);
/* Therapist therapist_id's last assignment: the creation time and id of
 * her latest appointment not cancelled (ordered by creation, then id); both
 * 0 when she has none.  On error both are 0. */
enum err_code db_therapist_last_assigned(struct db *db, const char *therapist_id, int64_t *at,
                                         int64_t *id, struct err *e);
/* Time off of any therapist overlapping [t0, t1), sorted by start. */
enum err_code db_time_off(struct db *db, struct arena *a, int64_t t0, int64_t t1,
                          struct time_off **out, size_t *n, struct err *e);
enum err_code db_add_time_off(struct db *db, const struct time_off *t, int64_t *id,
                              struct err *e);
/* Deletes time off `id`; therapist_id non-NULL: only if it is that
 * therapist's.  E_NOTFOUND when no such row (or another's). */
enum err_code db_delete_time_off(struct db *db, int64_t id, const char *therapist_id,
                                 struct err *e);
/* Closes a date at one location (a second call changes the reason). */
enum err_code db_add_closed_date(struct db *db, int64_t location_id, const char *date,
                                 const char *reason, struct err *e);
/* *found = 1 and *id when a client has exactly this name and email
 * (case-insensitive email), the rule db_client_for_booking matches by. */
enum err_code db_find_client(struct db *db, const char *name, const char *email, int64_t *id,
                             int *found, struct err *e);
/* The client with exactly this name and email (case-insensitive email), or a
 * new one with this phone.  A found client's phone is changed only when
 * update_phone is set and a phone is given (a booking by the front desk):
 * knowing a name and an address proves nothing, so an online booking never
 * rewrites a stored client's details. */
enum err_code db_client_for_booking(struct db *db, const char *name, const char *email,
                                    const char *phone, int update_phone, int64_t now, int64_t *id,
                                    struct err *e);
/* The same; *made = 1 when the client was added (0 when found). */
enum err_code db_client_for_booking_made(struct db *db, const char *name, const char *email,
                                         const char *phone, int update_phone, int64_t now,
                                         int64_t *id, int *made, struct err *e);
/* Inserts an appointment (status, times, ids, notes, source, created_at from
 * a) with the hash of its manage token. */
enum err_code db_add_appointment(struct db *db, const struct appointment *a,
                                 const unsigned char hash[STORE_TOKEN_HASH], int64_t *id,
                                 struct err *e);
/* Appointments (any status) starting in [t0, t1), by start, with joined names. */
enum err_code db_appointments(struct db *db, struct arena *a, int64_t t0, int64_t t1,
                              struct appointment **out, size_t *n, struct err *e);
/* Reads one appointment with its joined names; E_NOTFOUND if absent. */
enum err_code db_appointment(struct db *db, struct arena *a, int64_t id,
                             struct appointment *out, struct err *e);
/* The appointment whose manage-token hash is hash; E_NOTFOUND if none. */
enum err_code db_appointment_by_token(struct db *db, struct arena *a,
                                      const unsigned char hash[STORE_TOKEN_HASH],
                                      struct appointment *out, struct err *e);
/* Marks it cancelled at `now`; late = inside the late-cancellation window. */
enum err_code db_cancel_appointment(struct db *db, int64_t id, int64_t now, int late,
                                    const char *reason, struct err *e);
/* Moves it to a new therapist, room and time. */
enum err_code db_move_appointment(struct db *db, int64_t id, const char *therapist_id,
                                  int64_t room_id, int64_t start, int64_t end, int64_t busy_until,
                                  struct err *e);
/* One live appointment of some client overlapping a time asked for, with
 * what core/booking needs to tell whether it is the same client. */
struct client_booking {
    int64_t id, start, end;
    const char *service_name, *email, *phone;
};
/* Appointments not cancelled whose [start, end) overlaps [t0, t1), other
 * than `exclude` (0 = none), with their client's e-mail and phone; by start. */
enum err_code db_client_overlaps(struct db *db, struct arena *a, int64_t t0, int64_t t1,
                                 int64_t exclude, struct client_booking **out, size_t *n,
                                 struct err *e);

/* The answer to a POST with an Idempotency-Key, stored in the transaction
 * that made it.  body: the answer without the manage link; sealed: the
 * manage token sealed with a key only the exact request gives (sched_seal). */
struct idem_entry {
    const char *key;
    unsigned char hash[STORE_TOKEN_HASH]; /* of the request body */
    int status;
    const char *body, *address;
    const unsigned char *sealed;
    size_t nsealed;
    int64_t created_at;
};
/* The stored answer for key created at or after `since`: *found = 0 when none. */
enum err_code db_idem_get(struct db *db, struct arena *a, const char *key, int64_t since,
                          struct idem_entry *out, int *found, struct err *e);
/* Stores en unless its key is already stored: *added = 0 then (another
 * request with the key committed first) and nothing changes. */
enum err_code db_idem_add(struct db *db, const struct idem_entry *en, int *added,
                          struct err *e);
/* Deletes idempotency keys and used booking-form tokens created before `before`. */
enum err_code db_purge_expired(struct db *db, int64_t before, struct err *e);
/* The booking a /book form token (hash) made: *found = 0 when none; sealed
 * (on a) holds its manage token, sealed with a key the form token gives. */
enum err_code db_form_token_get(struct db *db, struct arena *a,
                                const unsigned char hash[STORE_TOKEN_HASH], int64_t *appt_id,
                                const unsigned char **sealed, size_t *nsealed, int *found,
                                struct err *e);
/* Records that form token hash booked appt_id; *added = 0 when the token
 * was used already (nothing changes). */
enum err_code db_form_token_add(struct db *db, const unsigned char hash[STORE_TOKEN_HASH],
                                int64_t appt_id, const unsigned char *sealed, size_t nsealed,
                                int64_t now, int *added, struct err *e);

/* ---- front desk (web/desk.c) ---- */

struct client {
    int64_t id;
    const char *name, *email, *phone;
    int64_t created_at;
    int nappointments; /* in lists: how many appointments (any status) */
};

/* Sets the status of appointment id from `from` to `to` (the caller checked
 * the change with core/appt); cancelling also records now, the reason and
 * whether it was late (inside the late-cancellation window); any other
 * status clears late.  E_CONFLICT when the appointment is no longer in
 * `from`. */
enum err_code db_set_appointment_status(struct db *db, int64_t id, const char *from, const char *to,
                                        int64_t now, const char *reason, int late, struct err *e);
/* What the front desk did to an appointment besides booking it: kind
 * "status" (a change from_status → to_status), "undo" (back from
 * from_status to to_status, with a reason) or "overlap" (booked over the
 * same client's overlapping appointment, with the desk's reason). */
struct appt_event {
    int64_t id, appointment_id, at, user_id;
    const char *actor, *kind, *from_status, *to_status, *reason;
};
/* Appends one; E_UNPROCESSABLE when a field is out of range. */
enum err_code db_appt_event_add(struct db *db, const struct appt_event *ev, struct err *e);
/* The events of appointment id, oldest first. */
enum err_code db_appt_events(struct db *db, struct arena *a, int64_t id, struct appt_event **out,
                             size_t *n, struct err *e);
/* The staff's notes for the therapist (never shown to the client). */
enum err_code db_staff_notes(struct db *db, struct arena *a, int64_t id, const char **out,
                             struct err *e);
enum err_code db_set_staff_notes(struct db *db, int64_t id, const char *notes, struct err *e);
/* Clients whose name, email or phone contains q (any case; "" = all), or
 * whose phone's digits contain q's (when q has four or more; a leading 1 of
 * eleven is dropped), by name, at most `limit`. */
enum err_code db_clients(struct db *db, struct arena *a, const char *q, int limit,
                         struct client **out, size_t *n, struct err *e);
/* Every client with their number of appointments, by id (the export). */
enum err_code db_clients_all(struct db *db, struct arena *a, struct client **out, size_t *n,
                             struct err *e);
/* One client; E_NOTFOUND if absent. */
enum err_code db_client(struct db *db, struct arena *a, int64_t id, struct client *out,
                        struct err *e);
/* Every appointment of the client, newest first, with joined names. */
enum err_code db_client_appointments(struct db *db, struct arena *a, int64_t client_id,
                                     struct appointment **out, size_t *n, struct err *e);
/* Replaces name, email and phone.  E_NOTFOUND if absent. */
enum err_code db_update_client(struct db *db, const struct client *c, struct err *e);
/* Moves the appointments, health form, insurance checks and referrals of
 * client `other` to `keep` and deletes `other`; when both have a health
 * form, the newer stays current and the older joins the form's history.
 * Call inside db_begin/db_commit.  E_NOTFOUND if other is absent. */
enum err_code db_merge_clients(struct db *db, int64_t keep, int64_t other, struct err *e);

/* ---- admin: the clinic's set-up and its accounts (web/admin.c) ---- */

/* A closed date with the reason shown to staff. */
struct closed_day {
    const char *date; /* "YYYY-MM-DD" */
    const char *reason;
    int64_t location_id;
};

/* Every location's closed dates with their reasons, sorted by date. */
enum err_code db_closed_days(struct db *db, struct arena *a, struct closed_day **out, size_t *n,
                             struct err *e);
/* Removes a closed date of a location; E_NOTFOUND if it is not closed. */
enum err_code db_delete_closed_date(struct db *db, int64_t location_id, const char *date,
                                    struct err *e);
/* Replaces the list of rooms that suit the service (room ids, each once,
 * each an existing room).  On error changes nothing the caller's
 * transaction does not roll back. */
enum err_code db_set_service_rooms(struct db *db, const char *service_id, const int64_t *ids,
                                   size_t n, struct err *e);
/* Replaces the list of therapists who offer the service. */
enum err_code db_set_service_therapists(struct db *db, const char *service_id,
                                        const char **therapist_ids, size_t n, struct err *e);
/* Renames room r->id and replaces its services; E_NOTFOUND if absent,
 * E_UNPROCESSABLE if another room has the name. */
enum err_code db_update_room(struct db *db, const struct room *r, struct err *e);
/* Every account (active or not), by role then name. */
enum err_code db_users(struct db *db, struct arena *a, struct user **out, size_t *n,
                       struct err *e);
/* One account by id, active or not; E_NOTFOUND if absent. */
enum err_code db_user(struct db *db, struct arena *a, int64_t id, struct user *out,
                      struct err *e);
/* Replaces the email, name, role and therapist of account u->id;
 * E_NOTFOUND if absent, E_CONFLICT if another account has the email. */
enum err_code db_update_user(struct db *db, const struct user *u, struct err *e);
/* Activates (1) or deactivates (0) an account; E_NOTFOUND if absent. */
enum err_code db_set_user_active(struct db *db, int64_t id, int active, struct err *e);

/* ---- articles (web/site.c, web/admin_articles.c) ---- */

/* An article.  body_html is body_md rendered when it was saved. */
struct article_row {
    const char *slug, *title, *summary, *image, *image_alt, *body_md, *body_html;
    int position, published;
    int64_t updated_at;
};

/* Articles by position then slug; published_only skips unpublished ones. */
enum err_code db_articles(struct db *db, struct arena *a, int published_only,
                          struct article_row **out, size_t *n, struct err *e);
/* One article by slug, published or not; E_NOTFOUND if absent. */
enum err_code db_article(struct db *db, struct arena *a, const char *slug,
                         struct article_row *out, struct err *e);
/* Inserts art (old_slug NULL) or replaces the article old_slug with art
 * (its slug may change).  E_NOTFOUND if old_slug is absent, E_UNPROCESSABLE
 * if the new slug is taken. */
enum err_code db_put_article(struct db *db, const char *old_slug, const struct article_row *art,
                             struct err *e);
/* Publishes (1) or unpublishes (0); E_NOTFOUND if absent. */
enum err_code db_set_article_published(struct db *db, const char *slug, int published,
                                       int64_t now, struct err *e);

/* ---- booking rules set on /admin/rules (web/admin_rules.c) ---- */

/* The clinic's booking rules as stored; -1 = not set, use the config file's. */
struct clinic_rules {
    int min_notice_minutes, horizon_days, grid_minutes, late_cancel_hours;
};
/* Reads the stored rules (all -1 when none are set). */
enum err_code db_rules_get(struct db *db, struct clinic_rules *out, struct err *e);
/* Stores all four (-1 = clear); E_UNPROCESSABLE when out of range.  Bumps
 * the clinic version. */
enum err_code db_rules_put(struct db *db, const struct clinic_rules *r, struct err *e);

/* ---- the audit log of health records (web/audit.c) ---- */

/* One read or write of a client's intake, insurance check, referral or
 * treatment note, or one change of money (an invoice issued, a payment, a
 * refund, a credit note, a close-out) or a superbill made, with why.  Rows
 * are append-only; the store refuses to change them. */
struct audit_entry {
    int64_t id, at;     /* at: Unix seconds */
    int64_t user_id;    /* the account, 0 for a client using a manage link */
    const char *actor;  /* the account's email, or "client (manage link)" */
    const char *role;   /* "admin", "desk", "therapist", "client" */
    /* "read", "create", "update", "sign", "addendum", "refused"; for money
     * "issue", "pay", "refund", "credit", "count" */
    const char *action;
    /* "intake", "insurance", "referral", "note"; "invoice", "payment",
     * "refund", "credit_note", "closeout", "superbill" */
    const char *record;
    int64_t record_id, client_id;
    const char *address; /* the peer's IP address */
    const char *via;     /* how the actor was identified: "manage_link", "proven_email", "staff" */
    const char *reason;  /* why, for a change of money ("" or NULL: none given) */
};

/* Which rows db_audit_list returns: newest first, ids below before_id
 * (0 = from the newest), at most limit (1..500); client_id 0 and record
 * NULL or "" mean any. */
struct audit_filter {
    int64_t client_id, before_id;
    const char *record;
    int limit;
};

/* Appends one row; E_UNPROCESSABLE if a field is out of range. */
enum err_code db_audit_add(struct db *db, const struct audit_entry *en, struct err *e);
/* Appends n rows, one statement: en's fields with record_ids[i] and
 * client_ids[i] (en's own record_id and client_id unused), in that order.
 * n 0 writes nothing.  E_UNPROCESSABLE as db_audit_add. */
enum err_code db_audit_add_many(struct db *db, const struct audit_entry *en,
                                const int64_t *record_ids, const int64_t *client_ids, size_t n,
                                struct err *e);
/* How many times account user_id did action since `since` (its rows over
 * the client rows they name: a download writes one row per client row),
 * and the earliest (0 when none): the record download's hourly limit. */
enum err_code db_audit_count_since(struct db *db, int64_t user_id, const char *action,
                                   int64_t since, int *count, int64_t *oldest, struct err *e);
/* Rows matching f, newest first. */
enum err_code db_audit_list(struct db *db, struct arena *a, const struct audit_filter *f,
                            struct audit_entry **out, size_t *n, struct err *e);

/* ---- the admin's reports (svc/reports.c): sums over [lo, hi) of instants ---- */

/* Calls fn for each appointment starting in [lo, hi), in order of start:
 * its therapist (valid only during the call), room, times, status and
 * whether a cancellation was late.  Reads rows one at a time through a
 * covering index: no allocation per row. */
typedef void (*db_report_appt_fn)(void *ctx, const char *therapist_id, int64_t room_id,
                                  int64_t start, int64_t end, const char *status, int late);
/* The report queries take loc: the location whose appointments (their
 * rooms') and invoices (their appointments', else the first location's)
 * count; 0 = every location. */
enum err_code db_report_appts(struct db *db, int64_t lo, int64_t hi, int64_t loc, db_report_appt_fn fn,
                              void *ctx, struct err *e);

/* Clients seen (an appointment completed or checked in) in [lo, hi), one
 * row each: their last such visit in it, whether they were seen before lo
 * (0 or 1), and the start of their next appointment after it that is not
 * cancelled (0: none). */
struct report_client_row {
    int64_t client_id, last_at, seen_before, next_at;
};
enum err_code db_report_clients(struct db *db, struct arena *a, int64_t lo, int64_t hi, int64_t loc,
                                struct report_client_row **out, size_t *n, struct err *e);

/* Referrals whose window meets the local days [from, to] ("YYYY-MM-DD"),
 * by valid-until day, with the client's name. */
struct report_referral {
    int64_t id, client_id;
    const char *client_name, *physician, *referred_on, *valid_until;
    int visits;
};
enum err_code db_report_referrals(struct db *db, struct arena *a, const char *from,
                                  const char *to, struct report_referral **out, size_t *n,
                                  struct err *e);
/* The appointments (not cancelled) in [lo, hi) of the clients of those
 * referrals, by client and start. */
struct report_visit {
    int64_t client_id, start;
    const char *status;
};
enum err_code db_report_referral_appts(struct db *db, struct arena *a, const char *from,
                                       const char *to, int64_t lo, int64_t hi,
                                       struct report_visit **out, size_t *n, struct err *e);

/* Revenue of the invoices issued in [lo, hi): sums of their lines by
 * service (service_id "" and name "" for a line of another kind), and of
 * the invoices by therapist (therapist_id "" when none). */
struct report_money_row {
    const char *id, *name, *kind;
    int64_t count, cents, tips;
};
enum err_code db_report_revenue_lines(struct db *db, struct arena *a, int64_t lo, int64_t hi, int64_t loc,
                                      struct report_money_row **out, size_t *n, struct err *e);
enum err_code db_report_revenue_therapists(struct db *db, struct arena *a, int64_t lo,
                                           int64_t hi, int64_t loc, struct report_money_row **out, size_t *n,
                                           struct err *e);
/* Credit notes given in [lo, hi): how many and their sum. */
enum err_code db_report_revenue_credits(struct db *db, int64_t lo, int64_t hi, int64_t loc, int64_t *count,
                                        int64_t *cents, struct err *e);

/* Insurance checks requested in [lo, hi). */
struct report_check {
    const char *status, *outcome;
    int64_t requested_at, verified_at;
};
enum err_code db_report_insurance(struct db *db, struct arena *a, int64_t lo, int64_t hi,
                                  struct report_check **out, size_t *n, struct err *e);
/* ---- the clinic's money (svc/money.c) ----
 *
 * Amounts are integer cents of the clinic's currency.  The ledger only
 * grows: an invoice is written whole when issued and never changes (only
 * its client_id, by a merge); payments, refunds and credit notes are rows
 * of their own; the triggers of migration 0039 refuse the rest (E_CONFLICT
 * with the store's sentence). */

/* A service's billing: tax in basis points, the procedure code for a
 * superbill ("" = none) and the minutes of a billing unit (0 = per visit). */
struct service_billing {
    int tax_bp;
    const char *procedure_code;
    int unit_minutes;
};
/* A therapist's identifiers for insurers ("" = not set). */
struct therapist_ids {
    const char *npi, *licence;
};

struct invoice {
    int64_t id, number, appointment_id, client_id; /* appointment_id 0 = none */
    const char *client_name, *therapist_id, *currency;
    int line_count;
    int64_t subtotal, discount;
    const char *discount_reason;
    int64_t tax, tip, total;
    const char *bill_to; /* a third party left to pay the balance, "" = none */
    int64_t issued_at, issued_by;
    const char *issued_by_name;
    /* read only, from the ledger: credit notes, completed payments, refunds
     * completed, and refunds still waiting for the payment provider */
    int64_t credited, paid, refunded, refund_pending;
};

struct invoice_line {
    int64_t id, invoice_id;
    int position;
    const char *kind; /* "service", "addon", "fee", "package", "gift_card" */
    const char *service_id, *description, *procedure_code;
    int units, qty;
    int64_t unit_cents, discount_cents;
    int tax_bp;
    int64_t tax_cents, amount_cents;
};

struct payment {
    int64_t id, invoice_id, appointment_id; /* 0 = none */
    const char *method;                     /* core/money.h's names */
    int64_t amount, tendered;
    const char *reference, *status; /* "pending", "completed", "failed" */
    int64_t created_at;
    const char *created_by_name;
    /* read only: its refunds so far, pending (with the provider) and
     * completed, which is what can no longer be refunded; of them pending */
    int64_t refunded, refund_pending;
    /* written only */
    const char *idem_key;
    int64_t created_by;
};

/* A refund (migrations 0039, 0065).  One of a payment made through the
 * payment provider is written "pending" with provider_key (our idempotency
 * key for the provider) and settled by the provider's answer:
 *
 *   [pending] --provider refunded--> [completed]   (provider_ref: its id)
 *       |     --provider declined--> [failed]      (failure: why; counts nowhere)
 *       +-- no answer: stays pending; svc/pay's worker asks again, same key
 *
 * Every other refund is written completed. */
struct refund {
    int64_t id, payment_id, amount;
    /* method: written "" (the payment's) or "cash"; read as the method the
     * money went back to */
    const char *reason, *method;
    int64_t created_at;
    const char *created_by_name;
    const char *status;                              /* "pending", "completed", "failed" */
    const char *provider_key;                        /* "" = not a refund through the provider */
    const char *provider_ref, *failure, *card_last4; /* "" until answered */
    int64_t settled_at;                              /* 0 = not answered */
    /* read only: the payment's */
    int64_t invoice_id; /* 0 = none */
    const char *payment_ref, *payment_method;
};

struct credit_note {
    int64_t id, invoice_id, amount;
    const char *reason;
    int64_t created_at;
    const char *created_by_name;
};

/* A method's sum over a span: count rows of cents. */
struct takings_row {
    const char *method;
    int64_t count, cents;
};

struct closeout {
    int64_t id;
    const char *day; /* YYYY-MM-DD, the clinic's local day */
    int64_t float_cents, counted, expected;
    const char *note;
    int64_t created_at;
    const char *created_by_name;
    int64_t location_id; /* the drawer of one location; 0 = the whole clinic (0064) */
};

/* E_NOTFOUND when the service is absent. */
enum err_code db_service_billing(struct db *db, struct arena *a, const char *service_id,
                                 struct service_billing *out, struct err *e);
enum err_code db_put_service_billing(struct db *db, const char *service_id,
                                     const struct service_billing *b, struct err *e);
/* E_NOTFOUND when the therapist is absent. */
enum err_code db_therapist_ids(struct db *db, struct arena *a, const char *therapist_id,
                               struct therapist_ids *out, struct err *e);
enum err_code db_put_therapist_ids(struct db *db, const char *therapist_id,
                                   const struct therapist_ids *t, struct err *e);

/* The number the next invoice takes.  Inside db_begin/db_commit. */
enum err_code db_invoice_next_number(struct db *db, int64_t *number, struct err *e);
/* Writes an invoice (id, sums ignored) and *id; form_key (STORE_TOKEN_HASH
 * bytes, or NULL) is the hash of the form's one-time token.  The lines
 * follow with db_invoice_line_add, exactly in->line_count of them. */
enum err_code db_invoice_add(struct db *db, const struct invoice *in, const unsigned char *form_key,
                             int64_t *id, struct err *e);
enum err_code db_invoice_line_add(struct db *db, const struct invoice_line *l, struct err *e);
/* The invoice a form's one-time token issued: *found = 0 when none. */
enum err_code db_invoice_by_key(struct db *db, const unsigned char key[STORE_TOKEN_HASH],
                                int64_t *id, int *found, struct err *e);
/* One invoice with its sums; E_NOTFOUND when absent. */
enum err_code db_invoice(struct db *db, struct arena *a, int64_t id, struct invoice *out,
                         struct err *e);
enum err_code db_invoices_of_appt(struct db *db, struct arena *a, int64_t appt_id,
                                  struct invoice **out, size_t *n, struct err *e);
/* Invoices issued in [from, to), by issue (the CSV export). */
enum err_code db_invoices_issued(struct db *db, struct arena *a, int64_t from, int64_t to,
                                 struct invoice **out, size_t *n, struct err *e);
/* Payments (any status) taken in [from, to), by time (the CSV export). */
enum err_code db_payments_taken(struct db *db, struct arena *a, int64_t from, int64_t to,
                                struct payment **out, size_t *n, struct err *e);
/* A client's invoices of visits that start in [from, to), by start. */
enum err_code db_invoices_of_client(struct db *db, struct arena *a, int64_t client_id, int64_t from,
                                    int64_t to, struct invoice **out, size_t *n, struct err *e);
enum err_code db_invoice_lines(struct db *db, struct arena *a, int64_t invoice_id,
                               struct invoice_line **out, size_t *n, struct err *e);
/* What client_id owes across all invoices (negative: is owed), and how
 * many invoices they have. */
enum err_code db_client_balance(struct db *db, int64_t client_id, int64_t *balance,
                                int64_t *invoices, struct err *e);
/* The same with *pending: refunds to the client waiting for the payment
 * provider (not in *balance until done). */
enum err_code db_client_balance_pending(struct db *db, int64_t client_id, int64_t *balance,
                                        int64_t *invoices, int64_t *pending, struct err *e);

/* Writes a payment (p->idem_key required); *id gets its id. */
enum err_code db_payment_add(struct db *db, const struct payment *p, int64_t *id, struct err *e);
/* The payment of an idempotency key: *found = 0 when none. */
enum err_code db_payment_by_key(struct db *db, struct arena *a, const char *key,
                                struct payment *out, int *found, struct err *e);
/* E_NOTFOUND when absent. */
enum err_code db_payment(struct db *db, struct arena *a, int64_t id, struct payment *out,
                         struct err *e);
enum err_code db_payments_of_invoice(struct db *db, struct arena *a, int64_t invoice_id,
                                     struct payment **out, size_t *n, struct err *e);
/* The completed payments taken for appt_id before any invoice (a gift card
 * spent when booking online), by id. */
enum err_code db_payments_of_appt_unbilled(struct db *db, struct arena *a, int64_t appt_id,
                                           struct payment **out, size_t *n, struct err *e);
/* Attaches the completed payments taken for appt_id before any invoice to
 * invoice_id.  Inside db_begin/db_commit. */
enum err_code db_payments_attach(struct db *db, int64_t appt_id, int64_t invoice_id, struct err *e);
/* The client's credit (0066): completed payments on no invoice taken for
 * client_id's visits other than except_appt that will never be billed
 * (cancelled or no-show), oldest first, into *out on a. */
enum err_code db_payments_credit_of_client(struct db *db, struct arena *a, int64_t client_id,
                                          int64_t except_appt, struct payment **out, size_t *n,
                                          struct err *e);
/* Payment payment_id, on no invoice, applied to invoice_id; *changed 0 when
 * it was on one already. */
enum err_code db_payment_apply(struct db *db, int64_t payment_id, int64_t invoice_id,
                               int64_t *changed, struct err *e);
/* Payment payment_id leaves invoice_id, which must be voided in full (the
 * store refuses it otherwise), to be the client's credit; *changed 0 when
 * it was not on it. */
enum err_code db_payment_detach(struct db *db, int64_t payment_id, int64_t invoice_id,
                                int64_t *changed, struct err *e);

/* ---- money online (st_pay.c): deposits, checkouts, the provider's events ---- */

/* What a service asks at online booking: kind "none", "card", "amount"
 * (value cents) or "percent" (value basis points of price). */
struct service_deposit {
    const char *kind;
    int64_t value, price;
};
/* E_NOTFOUND when the service is absent. */
enum err_code db_service_deposit(struct db *db, struct arena *a, const char *service_id,
                                 struct service_deposit *out, struct err *e);
enum err_code db_put_service_deposit(struct db *db, const char *service_id, const char *kind,
                                     int64_t value, struct err *e);

/* A hosted checkout at the payment provider (migration 0055). */
struct checkout {
    int64_t id;
    const char *purpose; /* "deposit", "card", "package", "gift_card" */
    int64_t appointment_id, client_id, ref_id; /* 0 = none */
    int64_t amount;
    const char *currency, *description, *idem_key;
    const char *session_id, *url; /* "" until the provider answered */
    const char *status;           /* "creating", "open", "paid", "expired", "failed" */
    int64_t hold_until, created_at, settled_at;
    const char *mismatch; /* "" or what the provider said was paid instead (0066) */
};
/* Writes c as "creating" (id, session, url, status ignored); *id gets it. */
enum err_code db_checkout_add(struct db *db, const struct checkout *c, int64_t *id, struct err *e);
/* E_NOTFOUND when absent. */
enum err_code db_checkout(struct db *db, struct arena *a, int64_t id, struct checkout *out,
                          struct err *e);
enum err_code db_checkout_by_key(struct db *db, struct arena *a, const char *key,
                                 struct checkout *out, int *found, struct err *e);
/* The newest checkout of an appointment; *found = 0 when none. */
enum err_code db_checkout_of_appt(struct db *db, struct arena *a, int64_t appt_id,
                                  struct checkout *out, int *found, struct err *e);
/* creating -> open with the provider's session and page; *changed 0 when
 * it was no longer creating. */
enum err_code db_checkout_opened(struct db *db, int64_t id, const char *session_id,
                                 const char *url, int64_t *changed, struct err *e);
/* A creating checkout's hold ends at `at` (the provider refused it). */
enum err_code db_checkout_give_up(struct db *db, int64_t id, int64_t at, struct err *e);
/* creating or open -> status ("paid", "expired", "failed") at `at`;
 * session_id ("" = keep) fills a session the provider named only in its
 * webhook.  *changed 0 when it was settled already. */
enum err_code db_checkout_settle(struct db *db, int64_t id, const char *status, int64_t at,
                                 const char *session_id, int64_t *changed, struct err *e);
/* The provider says checkout id was paid otherwise than asked: what (at most
 * 200 characters) is kept and its hold ends by until, so the worker settles
 * it failed.  *changed 0 when it was settled already. */
enum err_code db_checkout_mismatch(struct db *db, int64_t id, const char *what, int64_t until,
                                   int64_t *changed, struct err *e);
/* Checkouts still creating or open whose hold ran out by now (50 at most). */
enum err_code db_checkouts_expired(struct db *db, struct arena *a, int64_t now,
                                   struct checkout **out, size_t *n, struct err *e);
/* Records a webhook event's id: *added = 0 when it was recorded before. */
enum err_code db_payment_event_add(struct db *db, const char *event_id, const char *type,
                                   int64_t at, int *added, struct err *e);
/* Keeps the provider's customer (the card on file) of a client. */
enum err_code db_client_customer_set(struct db *db, int64_t client_id, const char *customer,
                                     struct err *e);
/* The provider's customer of a client ("" = no card on file) on a. */
enum err_code db_client_customer(struct db *db, struct arena *a, int64_t client_id,
                                 const char **customer, struct err *e);

/* A service's late-cancel and no-show fees: kind "none", "amount" (value
 * cents) or "percent" (value basis points of price). */
struct service_fees {
    const char *late_kind;
    int64_t late_value;
    const char *noshow_kind;
    int64_t noshow_value;
    int64_t price;
};
/* E_NOTFOUND when the service is absent. */
enum err_code db_service_fees(struct db *db, struct arena *a, const char *service_id,
                              struct service_fees *out, struct err *e);
enum err_code db_put_service_fees(struct db *db, const char *service_id,
                                  const struct service_fees *f, struct err *e);
/* What a client agreed to at booking: the fees in cents then, the words. */
struct fee_agreement {
    int64_t late, noshow;
    const char *wording;
    int64_t agreed_at;
};
enum err_code db_fee_agreement_add(struct db *db, int64_t appt_id, const struct fee_agreement *f,
                                   struct err *e);
enum err_code db_fee_agreement(struct db *db, struct arena *a, int64_t appt_id,
                               struct fee_agreement *out, int *found, struct err *e);
/* Missed or late-cancelled appointments with an agreed fee and no invoice
 * yet (50 at most), into *ids on a. */
enum err_code db_fees_due(struct db *db, struct arena *a, int64_t **ids, size_t *n, struct err *e);
/* Appointments no longer missed (a no-show undone) whose fee invoice is not
 * credited in full (50 at most), into *ids on a. */
enum err_code db_fees_to_void(struct db *db, struct arena *a, int64_t **ids, size_t *n,
                              struct err *e);
/* The newest fee invoice svc/pay issued for an appointment into
 * *invoice_id, and *count how many it has (0: none; one per time the visit
 * was missed: an undone no-show's is voided, 0066). */
enum err_code db_fee_invoice_of_appt(struct db *db, int64_t appt_id, int64_t *invoice_id,
                                     int64_t *count, struct err *e);
/* A pending payment settles: status "completed" or "failed", with the
 * provider's reference; *changed 0 when it was settled already. */
enum err_code db_payment_settle(struct db *db, int64_t id, const char *status,
                                const char *reference, int64_t *changed, struct err *e);
/* Card charges towards invoices still waiting for the provider (50 at most). */
enum err_code db_payments_pending(struct db *db, struct arena *a, struct payment **out, size_t *n,
                                  struct err *e);

/* Writes a refund; the store refuses one above what is left of the payment. */
enum err_code db_refund_add(struct db *db, const struct refund *f, const char *idem_key,
                            int64_t created_by, int64_t *id, struct err *e);
enum err_code db_refund_by_key(struct db *db, const char *key, int64_t *id, int *found,
                               struct err *e);
enum err_code db_refunds_of_invoice(struct db *db, struct arena *a, int64_t invoice_id,
                                    struct refund **out, size_t *n, struct err *e);
/* Refund id with its payment's reference; E_NOTFOUND when none. */
enum err_code db_refund(struct db *db, struct arena *a, int64_t id, struct refund *out,
                        struct err *e);
/* The refund whose provider_key is key or whose provider_ref is ref (either
 * may be ""); *found = 0 when none. */
enum err_code db_refund_of_provider(struct db *db, struct arena *a, const char *key,
                                    const char *ref, struct refund *out, int *found, struct err *e);
/* Refunds through the provider still pending, oldest first (50 at most). */
enum err_code db_refunds_pending(struct db *db, struct arena *a, struct refund **out, size_t *n,
                                 struct err *e);
/* Settles pending refund id: status ("pending" again only records ref),
 * the provider's refund id, why it failed, the card's last 4, when.
 * *changed = 0 when it was not pending (answered before). */
enum err_code db_refund_settle(struct db *db, int64_t id, const char *status, const char *ref,
                               const char *failure, const char *last4, int64_t at, int64_t *changed,
                               struct err *e);
/* Writes a credit note; the store refuses one above what is left of the invoice. */
enum err_code db_credit_add(struct db *db, const struct credit_note *c, const char *idem_key,
                            int64_t created_by, int64_t *id, struct err *e);
enum err_code db_credit_by_key(struct db *db, const char *key, int64_t *id, int *found,
                               struct err *e);
enum err_code db_credits_of_invoice(struct db *db, struct arena *a, int64_t invoice_id,
                                    struct credit_note **out, size_t *n, struct err *e);

/* Payments settled (paid) and refunds given (refunded) in [from, to), by
 * method (a refund on the day the money went back: a provider's when it
 * confirmed it, settled_at; the desk's when it was written); and the invoices issued then: count, total, tips, tax.  At
 * location_id (0 = every location): a payment's or invoice's location is its
 * appointment's, the first location's when it has none. */
enum err_code db_takings(struct db *db, struct arena *a, int64_t location_id, int64_t from,
                         int64_t to, struct takings_row **paid, size_t *npaid, struct takings_row **refunded,
                         size_t *nrefunded, int64_t issued[4], struct err *e);
/* Refunds asked of the provider in [from, to) at location_id and still
 * pending, by the payment's method. */
enum err_code db_takings_refund_pending(struct db *db, struct arena *a, int64_t location_id,
                                        int64_t from, int64_t to, struct takings_row **out,
                                        size_t *n, struct err *e);
enum err_code db_closeout_add(struct db *db, const struct closeout *c, int64_t created_by,
                              int64_t *id, struct err *e);
/* A day's counts of one location's drawer (0 = the whole clinic's), newest
 * first. */
enum err_code db_closeouts_of_day(struct db *db, struct arena *a, const char *day,
                                  int64_t location_id, struct closeout **out, size_t *n,
                                  struct err *e);

/* ---- packages and gift cards (svc/package.c, svc/giftcard.c; st_prepaid.c) ----
 *
 * Credits and balances are rows (migration 0059): a package's credits left
 * is the sum of its package_credits, a gift card's balance the sum of its
 * entries; the store refuses a row that would take either below 0. */

/* What the admin offers: credits x one service, at price (the service's
 * price x credits less discount_bp when that was given), valid for
 * valid_months from the sale (0 = no expiry). */
struct package {
    int64_t id;
    const char *name, *service_id;
    int credits, discount_bp, valid_months, active;
    int64_t price, created_at;
    const char *service_name; /* read only */
};
enum err_code db_packages(struct db *db, struct arena *a, struct package **out, size_t *n,
                          struct err *e);
/* E_NOTFOUND when there is none. */
enum err_code db_package(struct db *db, struct arena *a, int64_t id, struct package *out,
                         struct err *e);
enum err_code db_package_add(struct db *db, const struct package *p, int64_t *id, struct err *e);
/* *changed = 0 when there is no such package. */
enum err_code db_package_set_active(struct db *db, int64_t id, int active, int64_t *changed,
                                    struct err *e);

/* A package sold to a client: the terms as they were sold. */
struct client_package {
    int64_t id, client_id, package_id;
    const char *name, *service_id;
    int credits;
    int64_t price, invoice_id, expires_at, sold_at; /* invoice_id 0: none; expires_at 0: never */
    const char *sold_by_name;
    int64_t left; /* read only: credits left */
};
enum err_code db_client_package_add(struct db *db, const struct client_package *p, int64_t *id,
                                    struct err *e);
/* The client's packages, newest first. */
enum err_code db_client_packages(struct db *db, struct arena *a, int64_t client_id,
                                 struct client_package **out, size_t *n, struct err *e);
/* The packages of the clients a portal account proved (db_portal_appointments'
 * rule), newest first. */
enum err_code db_portal_packages(struct db *db, struct arena *a, int64_t user_id,
                                 struct client_package **out, size_t *n, struct err *e);
/* The package whose credit a visit of service_id at `at` uses: one of the
 * client's with a credit left, not expired at `at`, the soonest to expire
 * first.  *found = 0 when none. */
enum err_code db_client_package_usable(struct db *db, struct arena *a, int64_t client_id,
                                       const char *service_id, int64_t at,
                                       struct client_package *out, int *found, struct err *e);
/* One row of a package's credits: kind "sold" (delta = credits, no
 * appointment), "use" (-1) or "return" (+1) for an appointment,
 * "sale_refund" (-credits) or "refund_undone" (+credits) for a refund of its
 * sale (no appointment; migration 0069). */
struct package_credit {
    int64_t id, client_package_id;
    const char *kind;
    int delta;
    int64_t appointment_id, at;
    const char *reason, *by_name;
};
enum err_code db_package_credit_add(struct db *db, const struct package_credit *c, struct err *e);
/* The credit appointment_id used: *found = 0 when none; *returned = 1 when
 * it was given back; out->name is the package's. */
enum err_code db_package_credit_of_appt(struct db *db, struct arena *a, int64_t appointment_id,
                                        struct client_package *out, int *returned, int *found,
                                        struct err *e);
/* The package sold on invoice_id, and *refunded the credits refunds of
 * that sale took back (net of those given back): *found = 0 when none. */
enum err_code db_client_package_of_sale(struct db *db, struct arena *a, int64_t invoice_id,
                                        struct client_package *out, int *refunded, int *found,
                                        struct err *e);
/* Locks the package's row (PostgreSQL; SQLite's writer lock does it): the
 * first statement of a transaction that takes its credits off. */
enum err_code db_client_package_lock(struct db *db, int64_t id, struct err *e);

/* A gift card: only its code's hash is stored. */
struct gift_card {
    int64_t id;
    const char *last4;
    int64_t amount;
    const char *currency;
    int64_t invoice_id, buyer_client_id; /* 0: none */
    const char *recipient_name, *recipient_email, *message;
    int64_t send_at, expires_at, created_at; /* send_at 0: not e-mailed; expires_at 0: never */
    const char *created_by_name;
    int64_t balance;  /* read only */
    int64_t refunded; /* read only: taken off it by refunds of its sale (net) */
};
/* Writes it (balance ignored; follow with its "issue" entry). */
enum err_code db_gift_card_add(struct db *db, const struct gift_card *g,
                               const unsigned char hash[STORE_TOKEN_HASH],
                               const unsigned char *form_key, int64_t *id, struct err *e);
enum err_code db_gift_card_by_key(struct db *db, const unsigned char key[STORE_TOKEN_HASH],
                                  int64_t *id, int *found, struct err *e);
/* By the hash of its code; *found = 0 when none. */
enum err_code db_gift_card_by_hash(struct db *db, struct arena *a,
                                   const unsigned char hash[STORE_TOKEN_HASH],
                                   struct gift_card *out, int *found, struct err *e);
enum err_code db_gift_card(struct db *db, struct arena *a, int64_t id, struct gift_card *out,
                           struct err *e);
/* The newest 200. */
enum err_code db_gift_cards(struct db *db, struct arena *a, struct gift_card **out, size_t *n,
                            struct err *e);
/* Marks the card as being redeemed at now: the first write of a redeeming
 * transaction, so two redemptions of one card queue on its row. */
enum err_code db_gift_card_touch(struct db *db, int64_t id, int64_t now, struct err *e);
/* kind "issue" / "refund" / "refund_undone" (delta > 0) or "redeem" /
 * "sale_refund" (delta < 0); payment_id 0: none. */
enum err_code db_gift_card_entry_add(struct db *db, int64_t card_id, const char *kind,
                                     int64_t delta, int64_t payment_id, int64_t at,
                                     const char *by_name, struct err *e);
/* The card payment_id redeemed: *found = 0 when none. */
enum err_code db_gift_card_of_payment(struct db *db, int64_t payment_id, int64_t *card_id,
                                      int *found, struct err *e);
/* The card sold on invoice_id: *found = 0 when none. */
enum err_code db_gift_card_of_sale(struct db *db, int64_t invoice_id, int64_t *card_id, int *found,
                                   struct err *e);

/* A gift card or package ordered online (migration 0058), waiting for its
 * checkout to be paid.  kind "gift_card" or "package"; client_id 0 = none
 * (a gift card's buyer becomes a client when it is paid). */
struct online_sale {
    int64_t id;
    const char *kind;
    int64_t package_id, client_id, amount;
    const char *buyer_name, *buyer_email, *recipient_name, *recipient_email, *message;
    int64_t send_at, created_at;
};
/* Writes s (id ignored); *id gets it. */
enum err_code db_online_sale_add(struct db *db, const struct online_sale *s, int64_t *id,
                                 struct err *e);
/* E_NOTFOUND when absent. */
enum err_code db_online_sale(struct db *db, struct arena *a, int64_t id, struct online_sale *out,
                             struct err *e);

/* ---- the client's health form and insurance checks (web/intake.c, web/insurance.c) ---- */

/* The current health form of a client.  Lists hold comma-separated codes of
 * core/intake.h; birth_date is "YYYY-MM-DD"; instants are Unix seconds. */
struct intake {
    int64_t id, client_id;
    int version, pain;
    const char *email, *phone, *birth_date, *emergency_name, *emergency_phone, *reason;
    const char *areas, *onset, *onset_other, *worse, *better, *treatments, *conditions;
    const char *conditions_other, *medications, *pressure, *consent_name;
    int64_t consent_at, updated_by; /* updated_by: the staff account, 0 = the client */
    int64_t created_at, updated_at, confirmed_at; /* confirmed_at 0 = never */
    /* the appointment through whose manage link this version was entered;
     * 0: by the front desk or a client who proved their address */
    int64_t appointment_id;
};

/* A request to check a client's insurance benefits and, once status is
 * "done", its outcome.  -1 in a number = not stated. */
struct insurance_check {
    int64_t id, client_id;
    const char *carrier, *member_id, *group_number, *holder_name, *relation;
    int64_t requested_at;
    const char *status;  /* "pending", "done" */
    const char *outcome; /* "covered", "partial", "not_covered"; "" while pending */
    int visits_per_year, copay_cents, deductible_cents, referral_required;
    const char *notes, *verified_by_name;
    int64_t verified_by, verified_at;
    const char *client_name, *client_email; /* joined, read-only */
    /* the appointment through whose manage link it was asked for; 0: by a
     * client who proved their address, or before the link was recorded */
    int64_t appointment_id;
};

/* The client's current form; E_NOTFOUND when there is none. */
enum err_code db_intake(struct db *db, struct arena *a, int64_t client_id, struct intake *out,
                        struct err *e);
/* The client's earlier forms (each replaced by a later one), newest version
 * first; id is the form's, as in db_intake. */
enum err_code db_intake_versions(struct db *db, struct arena *a, int64_t client_id,
                                 struct intake **out, size_t *n, struct err *e);
/* Saves in as the client's current form (in->client_id; id, version,
 * created_at and confirmed_at are the store's): the first one is created,
 * a later one first copies the current version to the history.  *id gets
 * the form's id, *created 1 when it is new (either may be NULL).  Call
 * inside db_begin/db_commit. */
enum err_code db_intake_put(struct db *db, const struct intake *in, int64_t now, int64_t *id,
                            int *created, struct err *e);
/* Records that the client confirmed the form is still right, at now.
 * E_NOTFOUND when the client has no form. */
enum err_code db_intake_confirm(struct db *db, int64_t client_id, int64_t now, struct err *e);

/* Adds a pending check (c->client_id, request fields, requested_at). */
enum err_code db_insurance_add(struct db *db, const struct insurance_check *c, int64_t *id,
                               struct err *e);
/* Replaces the request fields of pending check id; E_CONFLICT when it is
 * no longer pending, E_NOTFOUND when absent. */
enum err_code db_insurance_update_request(struct db *db, int64_t id,
                                          const struct insurance_check *c, struct err *e);
/* Records the outcome (outcome, visits_per_year, copay_cents,
 * deductible_cents, referral_required, notes, verified_by,
 * verified_by_name, verified_at) and marks it done; E_NOTFOUND if absent. */
enum err_code db_insurance_record(struct db *db, int64_t id, const struct insurance_check *c,
                                  struct err *e);
/* One check with the client's name; E_NOTFOUND if absent. */
enum err_code db_insurance_get(struct db *db, struct arena *a, int64_t id,
                               struct insurance_check *out, struct err *e);
/* The client's newest check; E_NOTFOUND when there is none. */
enum err_code db_insurance_latest(struct db *db, struct arena *a, int64_t client_id,
                                  struct insurance_check *out, struct err *e);
/* Every check of the client, newest first (the client's record download). */
enum err_code db_insurance_of_client(struct db *db, struct arena *a, int64_t client_id,
                                     struct insurance_check **out, size_t *n, struct err *e);
/* The newest check asked for through appointment_id's manage link;
 * E_NOTFOUND when there is none. */
enum err_code db_insurance_of_appointment(struct db *db, struct arena *a, int64_t appointment_id,
                                          struct insurance_check *out, struct err *e);
/* Pending checks, oldest request first, at most limit. */
enum err_code db_insurance_pending(struct db *db, struct arena *a, int limit,
                                   struct insurance_check **out, size_t *n, struct err *e);
/* How many checks are pending. */
enum err_code db_insurance_pending_count(struct db *db, int *n, struct err *e);
/* ---- the clinical record: referrals and treatment notes (web/referrals.c,
 * web/notes.c) ---- */

/* A doctor's referral for massage therapy.  Dates are clinic-local days
 * "YYYY-MM-DD"; icd10 is "" or an ICD-10 code checked by core/referral. */
struct referral {
    int64_t id, client_id;
    const char *physician, *practice, *phone, *referred_on, *diagnosis, *icd10, *valid_until;
    int visits;
    int64_t created_at, updated_at;
};

/* A SOAP note on one appointment, with the recommendations for the client.
 * Lists are comma-separated keys of web/notes.c's vocabularies.  signed_at
 * 0 = a draft; once signed the store refuses every change. */
struct treatment_note {
    int64_t id, appointment_id;
    const char *subjective, *objective, *assessment, *plan;
    const char *areas, *techniques, *pressure;
    int rest, heat_cold;
    const char *stretches, *home_care, *providers, *provider_reason;
    int next_weeks; /* suggested next visit in N weeks, 0 = none */
    int64_t author_id, created_at, updated_at;
    const char *signed_by; /* the signer's name, "" for a draft */
    int64_t signed_by_id, signed_at;
};

/* An addendum to a signed note: text, author and time; never changed. */
struct note_addendum {
    int64_t id, note_id;
    const char *body, *author;
    int64_t author_id, created_at;
};

/* The client's referrals, newest referral date first. */
enum err_code db_referrals(struct db *db, struct arena *a, int64_t client_id,
                           struct referral **out, size_t *n, struct err *e);
/* One referral; E_NOTFOUND if absent. */
enum err_code db_referral(struct db *db, struct arena *a, int64_t id, struct referral *out,
                          struct err *e);
/* Inserts ref (ref->id 0; *id gets the new id) or replaces referral ref->id
 * (its client stays); E_NOTFOUND if absent, E_UNPROCESSABLE if a field is
 * out of range. */
enum err_code db_put_referral(struct db *db, const struct referral *ref, int64_t now,
                              int64_t *id, struct err *e);
/* *yes = 1 when therapist_id has an appointment with client_id that the
 * front desk checked in or that is completed (a treating relationship);
 * a booked, cancelled or missed one does not count. */
enum err_code db_treats(struct db *db, int64_t client_id, const char *therapist_id, int *yes,
                        struct err *e);
/* The note of an appointment; E_NOTFOUND when it has none. */
enum err_code db_note(struct db *db, struct arena *a, int64_t appointment_id,
                      struct treatment_note *out, struct err *e);
/* Creates the appointment's note or replaces its draft (author and
 * created_at are kept on replace); *id gets the note's id.  E_CONFLICT when
 * the note is signed: a signed note never changes. */
enum err_code db_put_note(struct db *db, const struct treatment_note *n, int64_t now,
                          int64_t *id, struct err *e);
/* Signs draft note_id as signer (name and account) at now; E_CONFLICT if it
 * is signed already, E_NOTFOUND if absent. */
enum err_code db_sign_note(struct db *db, int64_t note_id, const char *signer,
                           int64_t signer_id, int64_t now, struct err *e);
/* Adds an addendum to a signed note; *id gets its id.  E_CONFLICT if the
 * note is not signed. */
enum err_code db_add_addendum(struct db *db, const struct note_addendum *ad, int64_t *id,
                              struct err *e);
/* A note's addenda, oldest first. */
enum err_code db_note_addenda(struct db *db, struct arena *a, int64_t note_id,
                              struct note_addendum **out, size_t *n, struct err *e);
/* ---- the events of appointment changes (src/mail/render.c) ---- */

/* One change whose messages are not rendered yet: stored in the change's
 * transaction, deleted in the one that queues its messages. */
struct sched_event_row {
    int64_t id, appointment_id;
    const char *kind;  /* "booked", "moved", "cancelled" */
    const char *token; /* a booking's manage token ("" = none) */
    int by_staff;
    int64_t at;                       /* the change's "now" */
    int64_t before_start, before_end; /* the appointment as it was (a move, a cancellation) */
    const char *before_service_id, *before_therapist_id;
    int64_t before_location_id; /* where it was (0063; 0 = the first location) */
    int unconfirmed; /* read only: a booking held for its deposit whose hold ran out unpaid */
};

/* Stores ev (id is ignored).  Call inside the change's transaction. */
enum err_code db_sched_event_add(struct db *db, const struct sched_event_row *ev,
                                 struct err *e);
/* Up to limit events with an id above after_id, oldest first, in a; not
 * those of a booking whose slot is held for its deposit or card (migration
 * 0055: a checkout creating or open), which wait until it is paid. */
enum err_code db_sched_events_pending(struct db *db, struct arena *a, int64_t after_id,
                                      size_t limit, struct sched_event_row **out, size_t *n,
                                      struct err *e);
/* Deletes the event; *gone = 1 when this call deleted it, 0 when it was
 * gone already (another worker rendered it).  Inside db_begin/db_commit. */
enum err_code db_sched_event_done(struct db *db, int64_t id, int *gone, struct err *e);

/* ---- the outbox of e-mail (src/mail/outbox.c) ---- */

/* One queued message.  status: "pending", "sending" (claimed by a worker
 * until next_attempt_at), "sent", "failed" (gave up; `knead outbox retry`). */
struct outbox_msg {
    int64_t id, appointment_id; /* appointment_id 0 = none */
    const char *kind;           /* "confirmation", "reschedule", "cancellation", "desk_same_day",
                                 * "desk_cancelled", "desk_moved", "reminder", "reminder_sms" */
    const char *channel;        /* "email" (NULL or "" too) or "sms" (recipient in E.164) */
    const char *dedupe_key;     /* unique: one event, one message */
    const char *recipient, *recipient_name;
    const char *subject, *body_text, *body_html; /* body_html "" = text only */
    const char *attach_name, *attach_type;       /* attach_name "" = no attachment */
    const unsigned char *attach_data;
    size_t attach_len;
    const char *status;
    int attempts;
    int64_t next_attempt_at, created_at, sent_at; /* sent_at 0 = not sent */
    const char *last_error;
};

/* Queues m (kind, dedupe_key, recipient ... attachment, created_at and
 * next_attempt_at are read; status starts "pending").  Call inside the
 * transaction of the change that causes it.  *added = 0 when a message with
 * the same dedupe key exists (then nothing changes). */
enum err_code db_outbox_add(struct db *db, const struct outbox_msg *m, int *added,
                            struct err *e);
/* A message of this kind may carry a secret sealed beside it (a gift
 * card's code, migration 0060): its body holds the secret masked, and the
 * delivery worker opens the seal to send it. */
#define OUTBOX_KIND_SEALED "gift_card"
/* Stores n bytes sealed (1..256) beside the message queued under
 * dedupe_key, in the same transaction; the seal is deleted when the message
 * is marked sent or deleted.  Nothing happens when no such message exists. */
enum err_code db_outbox_seal_add(struct db *db, const char *dedupe_key,
                                 const unsigned char *sealed, size_t n, struct err *e);
/* The seal of message id copied to a (*found = 0 when it has none). */
enum err_code db_outbox_seal(struct db *db, struct arena *a, int64_t id,
                             const unsigned char **sealed, size_t *n, int *found, struct err *e);
/* How many messages of `kind` exist for the appointment. */
enum err_code db_outbox_count(struct db *db, int64_t appointment_id, const char *kind, int *n,
                              struct err *e);
/* Channels, as a mask for db_outbox_claim and db_outbox_next_due. */
#define OUTBOX_EMAIL 1u
#define OUTBOX_SMS 2u
/* Claims the most overdue message on one of `channels` that is pending, or
 * sending with its lease run out, at `now`: status "sending", attempts + 1,
 * next_attempt_at = lease_until.  Call inside db_begin/db_commit.  *found =
 * 0 when none is due.  The message (with its attachment) lives on a. */
enum err_code db_outbox_claim(struct db *db, struct arena *a, int64_t now, int64_t lease_until,
                              unsigned channels, struct outbox_msg *out, int *found,
                              struct err *e);
/* The same, the claim named by owner: the id of the claiming server's lease
 * (db_server_lease_renew).  Besides the claims whose lease_until has passed,
 * one whose owner's lease has run out (the server died or lost the store)
 * is due at once.  db_outbox_claim is this with owner "" (no lease). */
enum err_code db_outbox_claim_as(struct db *db, struct arena *a, int64_t now, int64_t lease_until,
                                 const char *owner, unsigned channels, struct outbox_msg *out,
                                 int *found, struct err *e);
/* A running server's lease on its claims: (re)written with until, its end
 * (until 0 or in the past) when the server stops; the same statement
 * removes every lease that ran out an hour before until (a killed server's,
 * migration 0073).  db_server_lease_end removes it, and every lease that ran
 * out before now. */
enum err_code db_server_lease_renew(struct db *db, const char *id, int64_t until, struct err *e);
enum err_code db_server_lease_end(struct db *db, const char *id, int64_t now, struct err *e);
/* Ends a claim: status "sent" (sent_at = at), "pending" (retry at
 * next_attempt_at) or "failed", with last_error.  E_CONFLICT when the
 * message is not "sending" any more. */
enum err_code db_outbox_mark(struct db *db, int64_t id, const char *status,
                             int64_t next_attempt_at, int64_t at, const char *last_error,
                             struct err *e);
/* The earliest next_attempt_at of a pending or sending message on one of
 * `channels`; *found = 0 when there is none. */
enum err_code db_outbox_next_due(struct db *db, unsigned channels, int64_t *at, int *found,
                                 struct err *e);
/* Messages newest first, at most limit; status NULL or "" = any.  Bodies
 * and attachments are not read (NULL, attach_len 0). */
enum err_code db_outbox_list(struct db *db, struct arena *a, const char *status, int limit,
                             struct outbox_msg **out, size_t *n, struct err *e);
/* Puts a failed or pending message back in the queue, due at `now`, with
 * attempts reset.  E_NOTFOUND if absent, E_CONFLICT if sent or sending. */
enum err_code db_outbox_retry(struct db *db, int64_t id, int64_t now, struct err *e);
/* Deletes sent messages with sent_at before `before`; *deleted gets the count. */
enum err_code db_outbox_purge(struct db *db, int64_t before, int *deleted, struct err *e);
/* How many messages are in each status (one indexed query, for /metrics). */
struct outbox_tally {
    int64_t pending, sending, sent, failed;
};
enum err_code db_outbox_tally(struct db *db, struct outbox_tally *out, struct err *e);

/* ---- webhooks (svc/webhook.c queues, mail/whsend.c delivers) ---- */

/* An endpoint an admin added on /admin/webhooks.  events: a mask of
 * WH_EV_* bits (svc/webhook.h).  secret: the signing secret sealed (read
 * only by db_wh_endpoint). */
struct wh_endpoint {
    int64_t id;
    const char *url, *description;
    int64_t events;
    int enabled;
    int64_t created_at, updated_at;
    const unsigned char *secret;
    size_t secret_len;
    /* db_wh_endpoints only: its deliveries by status, and the last attempt */
    int64_t pending, failed, delivered, last_attempt_at;
};

/* Adds ep (url, description, events, enabled, secret, created_at); *id
 * gets its number.  Nothing is stored on error. */
enum err_code db_wh_endpoint_add(struct db *db, const struct wh_endpoint *ep, int64_t *id,
                                 struct err *e);
/* Changes url, description, events and enabled of endpoint ep->id (at
 * ep->updated_at).  E_NOTFOUND when there is none. */
enum err_code db_wh_endpoint_update(struct db *db, const struct wh_endpoint *ep, struct err *e);
/* Replaces the sealed secret of endpoint id.  E_NOTFOUND when none. */
enum err_code db_wh_endpoint_secret(struct db *db, int64_t id, const unsigned char *sealed,
                                    size_t n, int64_t now, struct err *e);
/* One endpoint with its sealed secret (on a); E_NOTFOUND when none. */
enum err_code db_wh_endpoint(struct db *db, struct arena *a, int64_t id, struct wh_endpoint *out,
                             struct err *e);
/* Every endpoint, oldest first, with its deliveries' counts (no secret). */
enum err_code db_wh_endpoints(struct db *db, struct arena *a, struct wh_endpoint **out, size_t *n,
                              struct err *e);
/* Whether an enabled endpoint asked for any of the event bits in mask. */
enum err_code db_wh_subscribed(struct db *db, int64_t mask, int *yes, struct err *e);
/* Queues an event (inside the transaction of its cause): the event row,
 * and one delivery, due at once, to each enabled endpoint whose events
 * meet mask, or only to endpoint `only` when it is not 0 (a test ping).
 * *deliveries gets how many were queued (may be NULL). */
enum err_code db_wh_queue(struct db *db, const char *msg_id, const char *type, const char *payload,
                          int64_t mask, int64_t only, int64_t now, int64_t *deliveries,
                          struct err *e);

/* A delivery, as the worker claims it and the log shows it.  status:
 * "pending", "sending", "delivered", "failed". */
struct wh_delivery {
    int64_t id, event_id, endpoint_id;
    const char *msg_id, *type, *payload;
    const char *status;
    int attempts, last_status;
    int64_t next_attempt_at, last_attempt_at, delivered_at, created_at;
    const char *last_reply;
    /* db_wh_claim only: the endpoint's address and sealed secret */
    const char *url;
    const unsigned char *secret;
    size_t secret_len;
};
#define WH_BUSY_MAX 8 /* endpoints with a transfer in flight, skipped by a claim */
/* Claims the most overdue delivery (pending, or sending with its lease run
 * out) of an enabled endpoint not among busy[0..nbusy) at now: status
 * "sending", attempts + 1, next_attempt_at = lease_until.  Call inside
 * db_begin/db_commit.  *found = 0 when none is due; the delivery lives on a. */
enum err_code db_wh_claim(struct db *db, struct arena *a, int64_t now, int64_t lease_until,
                          const int64_t *busy, size_t nbusy, struct wh_delivery *out, int *found,
                          struct err *e);
/* The same, the claim named by owner's lease (as db_outbox_claim_as). */
enum err_code db_wh_claim_as(struct db *db, struct arena *a, int64_t now, int64_t lease_until,
                             const char *owner, const int64_t *busy, size_t nbusy,
                             struct wh_delivery *out, int *found, struct err *e);
/* Ends a claim: status "delivered" (delivered_at = at), "pending" (again
 * at next_attempt_at) or "failed", with the reply's HTTP status (0 = none)
 * and its excerpt or the error.  E_CONFLICT when it is not "sending". */
enum err_code db_wh_mark(struct db *db, int64_t id, const char *status, int64_t next_attempt_at,
                         int64_t at, int last_status, const char *last_reply, struct err *e);
/* When the first delivery to an enabled endpoint is due: the earliest
 * next_attempt_at of a pending one, or of one being sent, or its owner's
 * lease_until if earlier; *found = 0 when there is none.  *enabled = 1 when
 * any endpoint is enabled (0: nothing queued now or later can be due until
 * one is), in the same read. */
enum err_code db_wh_next_due(struct db *db, int64_t *at, int *found, int *enabled,
                             struct err *e);
/* The deliveries of an endpoint, newest first, at most limit; status NULL
 * or "" = any.  url and secret are not read. */
enum err_code db_wh_deliveries(struct db *db, struct arena *a, int64_t endpoint_id,
                               const char *status, int limit, struct wh_delivery **out, size_t *n,
                               struct err *e);
/* Puts a delivery that is not being sent back in the queue, due at now,
 * attempts reset; *endpoint_id gets its endpoint.  E_NOTFOUND if absent,
 * E_CONFLICT while it is being sent. */
enum err_code db_wh_retry(struct db *db, int64_t id, int64_t now, int64_t *endpoint_id,
                          struct err *e);
/* How many deliveries are in each status (for /admin/outbox and /metrics). */
struct wh_tally {
    int64_t pending, sending, delivered, failed;
};
enum err_code db_wh_tally(struct db *db, struct wh_tally *out, struct err *e);
/* Deletes deliveries delivered before `before` (real time), then the events
 * left without any; *deleted gets how many deliveries went.  Not one
 * transaction: an event left behind by a failure goes on the next purge. */
enum err_code db_wh_purge(struct db *db, int64_t before, int64_t *deleted, struct err *e);

/* ---- calendar subscription feeds (web/feeds.c) ---- */

/* A feed: a therapist's own, or the clinic's (therapist_id ""). */
struct calendar_feed {
    const char *therapist_id;   /* "" = the clinic's feed */
    const char *therapist_name; /* "" for the clinic's */
    const char *created_by;     /* the name of the account that made it */
    int64_t created_at;
};

/* An appointment as a feed shows it: no contact details, notes or health
 * information are read at all. */
struct feed_appointment {
    int64_t id, start, end;
    int revision; /* counts changes of time, therapist, room, service, status */
    const char *status, *therapist_id;
    const char *service_name, *therapist_name, *room_name, *client_name;
    int64_t location_id; /* the room's location, its name and address ("" = the config's) */
    const char *location_name, *location_address;
};

/* Makes the feed of therapist_id ("" = the clinic's) answer to the token
 * whose hash is given, replacing any earlier token of that feed (which
 * stops at once).  user_id: the account making it; the feed lives while
 * that account is active (and, for a therapist's feed, still linked to the
 * therapist, who is active).  One statement: nothing changes on error. */
enum err_code db_feed_put(struct db *db, const char *therapist_id,
                          const unsigned char hash[STORE_TOKEN_HASH], int64_t user_id,
                          int64_t now, struct err *e);
/* The live feed of therapist_id ("" = the clinic's); E_NOTFOUND if none. */
enum err_code db_feed(struct db *db, struct arena *a, const char *therapist_id,
                      struct calendar_feed *out, struct err *e);
/* The live feed whose token hash is hash; E_NOTFOUND if none. */
enum err_code db_feed_by_token(struct db *db, struct arena *a,
                               const unsigned char hash[STORE_TOKEN_HASH],
                               struct calendar_feed *out, struct err *e);
/* Appointments (any status) of therapist_id ("" = every therapist) starting
 * in [t0, t1), by start then id. */
enum err_code db_feed_appointments(struct db *db, struct arena *a, const char *therapist_id,
                                   int64_t t0, int64_t t1, struct feed_appointment **out,
                                   size_t *n, struct err *e);
/* ---- the client portal: sign-in links and a client's own bookings (web/portal.c) ---- */

/* A one-time sign-in link, found by the hash of its token. */
struct signin_link {
    const char *email;
    int64_t created_at, expires_at, used_at; /* used_at 0 = not used */
};

/* Who an e-mail address is to the portal: the account with it (role "" and
 * user_id 0 when none) and the name to greet it by (the account's, else the
 * newest client row's; "" when neither has the address). */
struct signin_who {
    int64_t user_id;
    const char *role, *name;
    int active;
};

/* Records a request for a sign-in link (known address or not), for throttling. */
enum err_code db_signin_request(struct db *db, const char *email, const char *address,
                                int64_t now, struct err *e);
/* Requests since `since` for the email and for the address, with the oldest of each. */
enum err_code db_signin_requests(struct db *db, const char *email, const char *address,
                                 int64_t since, int *by_email, int64_t *oldest_email,
                                 int *by_address, int64_t *oldest_address, struct err *e);
/* Who the address (any case) is; can't report E_NOTFOUND: unknown is a result. */
enum err_code db_signin_who(struct db *db, struct arena *a, const char *email,
                            struct signin_who *out, struct err *e);
/* Forgets link requests made before `before` and links that expired
 * before it (they only matter for throttling and for saying "expired"). */
enum err_code db_signin_prune(struct db *db, int64_t before, struct err *e);
/* Stores a new link for email, valid until expires_at (> now). */
enum err_code db_signin_add(struct db *db, const unsigned char hash[STORE_TOKEN_HASH],
                            const char *email, int64_t now, int64_t expires_at, struct err *e);
/* The link with this hash; E_NOTFOUND if none. */
enum err_code db_signin_get(struct db *db, struct arena *a,
                            const unsigned char hash[STORE_TOKEN_HASH], struct signin_link *out,
                            struct err *e);
/* Marks the link used at now, if it is unused and unexpired; E_CONFLICT
 * otherwise (a second use racing the first loses).  Inside db_begin/db_commit. */
enum err_code db_signin_use(struct db *db, const unsigned char hash[STORE_TOKEN_HASH],
                            int64_t now, struct err *e);
/* Records that account user_id proved its address `email` at now, and links
 * every client row with that address (any case) to it; *linked gets how
 * many rows (may be NULL).  Inside db_begin/db_commit. */
enum err_code db_portal_link_clients(struct db *db, int64_t user_id, const char *email,
                                     int64_t now, int *linked, struct err *e);
/* Every appointment of the account, latest start first, with joined names:
 * those of client rows linked to it and, while its email is the address it
 * proved, of rows with that address that no account holds yet (later
 * bookings). */
enum err_code db_portal_appointments(struct db *db, struct arena *a, int64_t user_id,
                                     struct appointment **out, size_t *n, struct err *e);
/* *yes = 1 when client row client_id is the account's by the rule of
 * db_portal_appointments (its address proven by the account). */
enum err_code db_portal_owns_client(struct db *db, int64_t user_id, int64_t client_id, int *yes,
                                    struct err *e);
/* Gives appointment_id a manage token (its hash) for account user_id,
 * replacing the one the portal gave before; the booking's own link stays. */
enum err_code db_portal_manage_link(struct db *db, int64_t appointment_id, int64_t user_id,
                                    const unsigned char hash[STORE_TOKEN_HASH], int64_t now,
                                    struct err *e);
/* ---- reminders (src/mail/remind.c) ---- */

/* *exists = 1 when a message with this dedupe key is in the outbox. */
enum err_code db_outbox_has(struct db *db, const char *dedupe_key, int *exists, struct err *e);
/* Deletes the appointment's messages of `kind` that are pending or failed
 * (reminders of a time that no longer holds); *deleted gets the count.  A
 * message being sent or sent stays. */
enum err_code db_outbox_withdraw(struct db *db, int64_t appointment_id, const char *kind,
                                 int *deleted, struct err *e);
/* A booked appointment that may need a reminder: its start and the instant
 * before which no reminder is due (when it was booked or last moved). */
struct remind_appt {
    int64_t id, start, anchor;
};
/* Booked appointments starting in (from, to], soonest first, on a. */
enum err_code db_remind_candidates(struct db *db, struct arena *a, int64_t from, int64_t to,
                                   struct remind_appt **out, size_t *n, struct err *e);
/* Reminders of the appointment due before `at` are not sent (a move). */
enum err_code db_remind_from(struct db *db, int64_t appointment_id, int64_t at, struct err *e);
/* ---- text messages: numbers that said STOP (issue 13 item 21) ---- */

/* A number's opt-out: when, and by whom ("reply": the client's STOP to the
 * provider; "desk": marked on the client's page). */
struct sms_opt_out {
    int64_t at;
    const char *source;
};
/* Marks phone (E.164) as opted out at `at` by source; an opt-out already
 * there keeps its first time.  *changed = 1 when it was not opted out. */
enum err_code db_sms_opt_out(struct db *db, const char *phone, int64_t at, const char *source,
                             int *changed, struct err *e);
/* Lets phone receive texts again; *changed = 1 when it was opted out. */
enum err_code db_sms_opt_in(struct db *db, const char *phone, int *changed, struct err *e);
/* *found = 1 and *out filled (on a) when phone has opted out. */
enum err_code db_sms_opted_out(struct db *db, struct arena *a, const char *phone,
                               struct sms_opt_out *out, int *found, struct err *e);

/* ---- the waitlist (src/web/waitlist.c, src/mail/waitlist.c) ---- */

/* A client waiting for a time.  status: "active", "left", "booked". */
struct waitlist_entry {
    int64_t id;
    const char *service_id, *therapist_id; /* therapist_id "" = any */
    const char *date_from, *date_to;       /* local days, "YYYY-MM-DD", both included */
    unsigned days;                         /* weekday bits, bit 0 = Sunday */
    int time_from, time_to;                /* minutes after local midnight */
    const char *name, *email, *phone, *status;
    int64_t created_at, closed_at; /* closed_at 0 = still active */
    /* joined, read-only */
    const char *service_name, *therapist_name; /* therapist_name "" = any */
    /* where it waits (0063): 0 = any location; location_name "" then */
    int64_t location_id;
    const char *location_name;
};

/* A freed time offered to one entry.  status: "open", "claimed" (booked
 * as appointment_id), "taken" (another entry claimed the time first). */
struct waitlist_offer {
    int64_t id, entry_id;
    const char *service_id, *therapist_id;
    int64_t start, freed_by; /* freed_by: the appointment that left the time */
    const char *status;
    int64_t created_at, expires_at, appointment_id;
    int64_t location_id; /* read: the freed appointment's location */
};

/* Adds an active entry (its fields but id, status, closed_at and the
 * joined names are read) with the hash of its private token. */
enum err_code db_waitlist_add(struct db *db, const struct waitlist_entry *w,
                              const unsigned char hash[STORE_TOKEN_HASH], int64_t *id,
                              struct err *e);
/* The entry of a token hash; E_NOTFOUND if none. */
enum err_code db_waitlist_entry(struct db *db, struct arena *a,
                                const unsigned char hash[STORE_TOKEN_HASH],
                                struct waitlist_entry *out, struct err *e);
/* Closes an active entry ("left") with reason: "" when the client leaves
 * by their link, one line of at most 200 characters when the front desk
 * removes it.  E_CONFLICT if it is closed already (nothing changes). */
enum err_code db_waitlist_leave(struct db *db, int64_t id, int64_t now, const char *reason,
                                struct err *e);
/* The active entries of a service, in order of joining. */
enum err_code db_waitlist_active(struct db *db, struct arena *a, const char *service_id,
                                 struct waitlist_entry **out, size_t *n, struct err *e);
/* An active entry as the front desk lists it: offer_until is the latest
 * end of its open offers not expired at now, 0 when none is out. */
struct waitlist_desk_entry {
    struct waitlist_entry en;
    int64_t offer_until;
};
/* The active entries of every service (service_id "") or of one, in order
 * of joining, at most limit of them. */
enum err_code db_waitlist_desk(struct db *db, struct arena *a, const char *service_id,
                               int64_t now, int limit, struct waitlist_desk_entry **out,
                               size_t *n, struct err *e);
/* *n = the number of active entries. */
enum err_code db_waitlist_active_count(struct db *db, int *n, struct err *e);
/* The entry of an id (any status); E_NOTFOUND if none. */
enum err_code db_waitlist_entry_by_id(struct db *db, struct arena *a, int64_t id,
                                      struct waitlist_entry *out, struct err *e);
/* Adds an open offer (entry_id ... expires_at are read) with the hash of
 * its claim token; *id = 0 when the entry holds an open offer of the same
 * therapist and start that has not expired at created_at (then nothing
 * changes).  Call inside the change's transaction. */
enum err_code db_waitlist_offer_add(struct db *db, const struct waitlist_offer *o,
                                    const unsigned char hash[STORE_TOKEN_HASH], int64_t *id,
                                    struct err *e);
/* The offer of a claim-token hash and its entry; E_NOTFOUND if none. */
enum err_code db_waitlist_offer(struct db *db, struct arena *a,
                                const unsigned char hash[STORE_TOKEN_HASH],
                                struct waitlist_offer *o, struct waitlist_entry *en,
                                struct err *e);
/* *n: how many offers were made of the same therapist and start as
 * offer_id, it included (any status). */
enum err_code db_waitlist_offer_peers(struct db *db, int64_t offer_id, int64_t *n,
                                      struct err *e);
/* Inside the booking's transaction: marks the offer claimed by
 * appointment_id, closes its entry ("booked") and marks every other open
 * offer of the same therapist and start "taken".  E_CONFLICT (and the
 * caller rolls back) when the offer is not open, has expired at now, or
 * its entry is closed. */
enum err_code db_waitlist_claim(struct db *db, int64_t offer_id, int64_t appointment_id,
                                int64_t now, struct err *e);

/* ---- the debug command (knead debug sql) ---- */

/* A parameter or a column of db_debug_sql.  blob: s holds n bytes. */
enum db_value_kind { DB_VALUE_NULL, DB_VALUE_INT, DB_VALUE_TEXT, DB_VALUE_BLOB };
struct db_value {
    enum db_value_kind kind;
    int64_t i;
    const char *s;
    size_t n;
};
/* Called for each row; a non-zero return stops the statement (E_OK). */
typedef int (*db_row_fn)(void *ctx, const struct db_value *cols, size_t ncols);
/* Runs one statement written in the driver's own SQL (not a named query)
 * with args as ?1, ?2, ..., and calls fn for each row it returns.  For
 * tests and operators through `knead debug sql`; nothing a request reaches
 * calls it.  E_INVALID when sql is not one statement; a failure is in the
 * store's words like any other (the database's text goes to the log). */
enum err_code db_debug_sql(struct db *db, struct arena *a, const char *sql,
                           const struct db_value *args, size_t nargs, db_row_fn fn, void *ctx,
                           struct err *e);

#endif
