/* sched — the bridge between the store and the availability engine: loads a
 * service's therapists, rooms, hours and the calendar of a range of days, asks
 * core/avail for the slots, and books, moves and cancels inside one writing
 * transaction that re-checks the slot.  Shared by the JSON API and the pages;
 * the rules themselves live in core/avail and core/booking. */
#ifndef KNEAD_WEB_SCHED_H
#define KNEAD_WEB_SCHED_H

#include <stddef.h>
#include <stdint.h>

#include "core/avail.h"
#include "core/booking.h"
#include "core/err.h"
#include "store/store.h"

/* The clinic's set-up (services, therapists and their weeks, rooms, hours,
 * closed dates, time off) is cached in memory and reloaded only when the
 * store's clinic version moves; appointments are always read fresh. */
struct sched_cache;
struct sched_cache *sched_cache_new(void);
void sched_cache_free(struct sched_cache *c); /* accepts NULL */

/* The cached set-up's active therapists, rooms, hours, closed dates and
 * time off, for pages that show them (the staff day view) without a query
 * each.  Valid until a is freed. */
struct sched_setup {
    int64_t version, appointments_version; /* as in struct sched */
    const struct therapist *therapists;
    size_t ntherapists;
    const struct room *rooms;
    size_t nrooms;
    const struct therapist_week *weeks; /* parallel to therapists */
    const struct week_span *hours;      /* the clinic's opening hours */
    size_t nhours;
    const char *const *closed; /* closed dates, "YYYY-MM-DD", sorted */
    size_t nclosed;
    const struct time_off *off; /* every therapist's time off */
    size_t noff;
};
enum err_code sched_setup(struct db *db, struct arena *a, struct sched_cache *cache,
                          struct sched_setup *out, struct err *e);

/* What a query about one service needs, taken once per request. */
struct sched {
    int64_t version; /* the clinic version this set-up belongs to */
    int64_t appointments_version; /* the appointments' version when it was loaded */
    struct sched_cache *cache;    /* where sched_days keeps computed days */
    struct service service;
    struct booking_rules rules; /* the service's effective rules */
    const struct tz *tz;
    struct therapist *therapists; /* active, offering the service (one if asked for) */
    struct therapist_week *weeks; /* parallel to therapists */
    size_t ntherapists;
    struct room *rooms; /* rooms that suit the service */
    size_t nrooms;
    struct week_span *hours; /* clinic opening hours */
    size_t nhours;
    const char **closed; /* closed dates, "YYYY-MM-DD", sorted */
    size_t nclosed;
    struct time_off *off; /* time off of every therapist */
    size_t noff;
    int staff; /* 1: the back office acts (moves it makes are its own) */
};

struct sched_day {
    struct dt_date date;
    struct avail_slot *slots;
    size_t nslots;
};

/* The clinic's booking rules in force: each one the admin set on
 * /admin/rules (kept in the cached set-up, so no extra query), else cfg's
 * (the config file's [booking], see app_booking_rules). */
enum err_code sched_rules(struct db *db, struct arena *a, struct sched_cache *cache,
                          const struct booking_rules *cfg, struct booking_rules *out,
                          struct err *e);

/* The rules in force as of the set-up last loaded, without a query: for
 * text on pages (the footer's same-day notice), never for a decision.
 * Returns 0 (and cfg's rules) when nothing is loaded yet.  admin_rules_save
 * reloads the set-up after a save, so this follows at once. */
int sched_cached_rules(struct sched_cache *cache, const struct booking_rules *cfg,
                       struct booking_rules *out);

/* Loads the service (E_NOTFOUND with problem "unknown_service") and its
 * therapists; therapist_id NULL or "any" = all, else just that one
 * (E_NOTFOUND with problem "unknown_therapist" if it does not exist or does
 * not offer the service).  Results live on a.  cfg: the config file's rules;
 * s->rules are those in force (sched_rules) with the service's overrides. */
enum err_code sched_load(struct db *db, struct arena *a, struct sched_cache *cache,
                         const struct tz *tz,
                         const struct booking_rules *cfg, const char *service_id,
                         const char *therapist_id, struct sched *out, struct err *e);

/* The slots of `days` local days from `from`, as of `now`.  exclude: an
 * appointment to leave out of the calendar (the one being moved), or 0.
 *
 * A day's slots are a function of the set-up (clinic version), the
 * appointments (their version), the service and therapists asked for, the
 * rules, the date and the minute of `now` (see day_key in sched.c), so
 * without `exclude` they are kept in s->cache under exactly those and
 * served from memory until one of them moves.  Bookings never use this:
 * they re-check inside their transaction (place()). */
enum err_code sched_days(struct db *db, struct arena *a, const struct sched *s, int64_t now,
                         struct dt_date from, int days, int64_t exclude, struct sched_day *out,
                         struct err *e);

/* The earliest bookable slot from now to the horizon; *found = 0 when none. */
enum err_code sched_next(struct db *db, struct arena *a, const struct sched *s, int64_t now,
                         struct avail_slot *slot, int *found, struct err *e);

/* Who books.  staff = 1 lets the front desk book inside the notice window.
 * allow_overlap = 1 (the desk, with a reason it records) books even over
 * an overlapping live appointment of the same client; otherwise that is
 * E_CONFLICT with problem "client_overlap".  overlap (optional): where the
 * first such appointment is written (id 0 when none), before `inside`
 * runs and on a "client_overlap" refusal. */
struct sched_client {
    const char *name, *email, *phone, *notes;
    int staff;
    int allow_overlap;
    struct client_booking *overlap;
};

/* A new manage token: 22 URL-safe characters carrying 128 random bits. */
#define SCHED_TOKEN_LEN 23 /* with the NUL */

/* A manage token sealed (XSalsa20-Poly1305, random nonce) under a key the
 * store does not hold, so that a stored copy opens nothing by itself: the
 * key is derived from what only the original requester has (a one-time
 * form token, an Idempotency-Key with the exact request body). */
#define SCHED_SEAL_KEY 32
#define SCHED_SEALED_LEN (24 + 16 + SCHED_TOKEN_LEN - 1)
/* The key for sealing: BLAKE2b of domain, then each of the n parts (with
 * their lengths, so parts cannot run into each other).  Can't fail. */
void sched_seal_key(unsigned char key[SCHED_SEAL_KEY], const char *domain, size_t n,
                    const void *const *parts, const size_t *lens);
/* Seals token (SCHED_TOKEN_LEN - 1 characters).  Can't fail. */
void sched_seal(const char *token, const unsigned char key[SCHED_SEAL_KEY],
                unsigned char out[SCHED_SEALED_LEN]);
/* Opens a sealed token into token; 0, or -1 (token = "") when the key or
 * the length is wrong. */
int sched_unseal(const unsigned char *sealed, size_t n, const unsigned char key[SCHED_SEAL_KEY],
                 char token[SCHED_TOKEN_LEN]);

/* Books start with therapist index `who` (-1 = any: the one with the fewest
 * booked minutes that day, then the first free room).  Re-checks everything
 * inside the writing transaction.  On success fills *out (re-read from the
 * store) and the manage token; on error nothing is stored and e says why:
 * problem "in_past", "too_soon", "too_far", "slot_unavailable", "invalid_client",
 * or "client_overlap": the same client (e-mail or phone, core/booking) holds
 * a live appointment overlapping the time (see struct sched_client). */
enum err_code sched_book(struct db *db, struct arena *a, const struct sched *s, int64_t now,
                         int64_t start, int who, const struct sched_client *c,
                         struct appointment *out, char token[SCHED_TOKEN_LEN], struct err *e);

/* sched_book, and inside (not NULL) runs in the booking's transaction
 * right after the appointment is stored (the waitlist closes the offer it
 * was claimed through); an error from it rolls the booking back. */
typedef enum err_code (*sched_inside_fn)(void *ctx, struct db *db, int64_t appointment_id,
                                         struct err *e);
enum err_code sched_book_with(struct db *db, struct arena *a, const struct sched *s, int64_t now,
                              int64_t start, int who, const struct sched_client *c,
                              sched_inside_fn inside, void *ctx, struct appointment *out,
                              char token[SCHED_TOKEN_LEN], struct err *e);

/* Whether a client could book start with therapist index who (-1 = any)
 * right now: notice and horizon, and free per the availability engine.
 * Reads the store; call inside the writing transaction for an answer that
 * holds until its commit.  E_OK when it could, else (as sched_book) the
 * problem "in_past", "too_soon", "too_far" or "slot_unavailable". */
enum err_code sched_fits(struct db *db, struct arena *a, const struct sched *s, int64_t now,
                         int64_t start, int who, struct err *e);

/* Moves appointment `appt` (found by the caller) to start with therapist
 * index who (-1 = any), under the same rules as booking, in one transaction;
 * also "client_overlap" when the new time overlaps another live appointment
 * of the same client. */
enum err_code sched_move(struct db *db, struct arena *a, const struct sched *s, int64_t now,
                         const struct appointment *appt, int64_t start, int who,
                         struct appointment *out, struct err *e);

/* Cancels for the client (the desk cancels through its status change and
 * sched_queue_event); *late = 1 when inside the late-cancellation window. */
enum err_code sched_cancel(struct db *db, const struct booking_rules *rules, int64_t now,
                           const struct appointment *appt, const char *reason, int *late,
                           struct err *e);

/* What a booking, a move or a cancellation causes besides itself (the
 * e-mail of mail/notify.c).  queue runs INSIDE the writing transaction,
 * after the change, so what it stores commits or rolls back with it; an
 * error from it rolls the change back.  committed runs after the commit
 * (to wake the delivery worker).  token: the manage token, only for
 * SCHED_BOOKED (NULL otherwise); before: the appointment as it was (NULL
 * for SCHED_BOOKED); by_staff: 1 when the back office made the change (a
 * desk booking, a move through staff_sched's struct sched, a desk status
 * change), so the desk is not told of its own work. */
enum sched_event { SCHED_BOOKED, SCHED_MOVED, SCHED_CANCELLED };
struct sched_hooks {
    enum err_code (*queue)(void *ctx, struct db *db, enum sched_event ev, int64_t appointment_id,
                           const struct appointment *before, const char *token, int by_staff,
                           int64_t now, struct err *e);
    void (*committed)(void *ctx);
    void *ctx;
};
/* Installs the hooks (copied; NULL = none).  Call before the server's
 * threads start and after they stop: it is not synchronised. */
void sched_set_hooks(const struct sched_hooks *h);

/* For a change made outside sched_book/move/cancel (the front desk's
 * status change to "cancelled"): runs the queue hook inside the caller's
 * transaction (before: the appointment as it was; by_staff = 1: only the
 * back office calls this), and the committed hook after the caller's
 * commit. */
enum err_code sched_queue_event(struct db *db, enum sched_event ev,
                                const struct appointment *before, int64_t now, struct err *e);
void sched_committed(void);

/* 1 when t has the shape of a token (SCHED_TOKEN_LEN - 1 URL-safe base64
 * characters): manage, feed, sign-in and waitlist links, and the CSRF
 * cookie.  Checked before any lookup, so a malformed one costs no query. */
int sched_token_valid(const char *t);

/* Hash of a manage token, for lookups. */
void sched_token_hash(const char *token, unsigned char hash[STORE_TOKEN_HASH]);
/* A new token (manage links, calendar feeds): 22 URL-safe characters of
 * 128 random bits from libsodium, NUL-terminated.  Can't fail. */
void sched_new_token(char token[SCHED_TOKEN_LEN]);

/* Index of a therapist in s by id, or -1. */
int sched_therapist_index(const struct sched *s, const char *id);

#endif
