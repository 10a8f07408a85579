/* store — the ONE way anything reaches the database (STYLE rule 10).
 *
 * Backends (sqlite.c now, pg.c later) implement struct store_ops in
 * store_impl.h; this header speaks only in the project's types.  A `struct
 * store` is a pool of connections shared by the server's threads; a `struct
 * db` is one connection, taken with db_acquire() and given back with
 * db_release().  Query text lives in the backend, prepared once per
 * connection and reused; user data never enters SQL text.
 *
 * Every function returns E_OK or an error code with a message in *e and,
 * on error, changes nothing stored (writes run in one transaction).  Results
 * are allocated on the caller's arena. */
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
};

struct therapist {
    const char *id, *name, *title, *bio, *photo, *photo_alt;
    int active, position;
    const char **service_ids; /* services the therapist offers, by position */
    size_t nservices;
};

struct room {
    int64_t id;
    const char *name;
    const char **service_ids;
    size_t nservices;
};

/* A span of a weekday, minutes after local midnight. */
struct week_span {
    int weekday; /* 0 = Sunday */
    int start_min, end_min;
};

/* Working hours and breaks of one therapist, sorted by weekday and start. */
struct therapist_week {
    struct week_span *work;
    size_t nwork;
    struct week_span *breaks;
    size_t nbreaks;
};

/* Opens (creating if missing) the database at path, with a pool of
 * `conns` connections (WAL, foreign keys, busy timeout).  Does not migrate. */
enum err_code store_open(const char *path, int conns, struct store **out, struct err *e);
/* Closes every connection; all must have been released.  Accepts NULL. */
void store_close(struct store *s);
/* Applies the migrations not yet applied, each in its own transaction, and
 * records them in schema_version.  *applied gets the count (may be NULL). */
enum err_code store_migrate(struct store *s, int *applied, struct err *e);
/* Schema version in force (0 for an empty database). */
enum err_code store_version(struct store *s, int *version, struct err *e);

/* Takes a connection from the pool, waiting if all are in use.  Can't fail. */
struct db *db_acquire(struct store *s);
/* Gives it back; rolls back a transaction left open.  Accepts NULL. */
void db_release(struct db *db);

enum err_code db_begin(struct db *db, struct err *e);  /* a writing transaction */
enum err_code db_commit(struct db *db, struct err *e);
void db_rollback(struct db *db);                       /* can't fail; no-op if none open */

/* The schema version in force; also proves the database answers (healthz). */
enum err_code db_schema_version(struct db *db, int *version, struct err *e);
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
enum err_code db_rooms(struct db *db, struct arena *a, struct room **out, size_t *n,
                       struct err *e);
enum err_code db_clinic_hours(struct db *db, struct arena *a, struct week_span **out,
                              size_t *n, struct err *e);

/* Writes (insert or replace by id).  Constraint violations → E_UNPROCESSABLE. */
enum err_code db_put_service(struct db *db, const struct service *s, struct err *e);
/* Also replaces the therapist's service list with t->service_ids. */
enum err_code db_put_therapist(struct db *db, const struct therapist *t, struct err *e);
/* Inserts a room with its services; *id gets the new id (may be NULL). */
enum err_code db_add_room(struct db *db, const struct room *r, int64_t *id, struct err *e);
/* Replaces the therapist's weekly hours and breaks. */
enum err_code db_put_therapist_week(struct db *db, const char *therapist_id,
                                    const struct therapist_week *w, struct err *e);
enum err_code db_put_clinic_hours(struct db *db, const struct week_span *spans, size_t n,
                                  struct err *e);

#endif
