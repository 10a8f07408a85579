/* booking (prefix sched_) — the booking service, the bridge between the
 * store and the availability engine: loads a service's therapists, rooms,
 * hours and the calendar of a range of days, asks core/avail for the slots,
 * and books, moves and cancels inside one writing transaction that re-checks
 * the slot and runs the app's hooks.  Shared by the JSON API, the pages and
 * the waitlist; it knows no HTTP.  The rules themselves live in core/avail
 * and core/booking. */
#ifndef KNEAD_SVC_BOOKING_H
#define KNEAD_SVC_BOOKING_H

#include <stddef.h>
#include <stdint.h>

#include "core/avail.h"
#include "core/booking.h"
#include "core/err.h"
#include "store/store.h"
#include "svc/audit.h"
#include "svc/hooks.h"
#include "svc/token.h"


/* The clinic's set-up (services, therapists and their weeks, rooms, hours,
 * closed dates, time off) is cached in memory and reloaded only when the
 * store's clinic version moves; appointments are always read fresh. */
struct sched_cache;
/* hooks: what a booking, a move or a cancellation causes (app->hooks; read
 * at each change, so it may be filled in later; NULL = none).  Can't fail. */
struct sched_cache *sched_cache_new(const struct sched_hooks *hooks);
void sched_cache_free(struct sched_cache *c); /* accepts NULL */
/* keep = 0: no day's slots are kept, every request computes its days from
 * the calendar ([bench] day_cache = 0, for the benchmarks' uncached figure;
 * set before the server's threads start).  Can't fail. */
void sched_cache_keep_days(struct sched_cache *c, int keep);
/* The cache's counters since start (for /metrics): the set-up found cached
 * or loaded, computed days found or computed, whole answers found or not
 * (sched_answer_get), bookings committed through
 * sched_book/sched_book_with.  Can't fail. */
struct sched_stats {
    uint64_t setup_hits, setup_misses, day_hits, day_misses, answer_hits, answer_misses, bookings;
};
void sched_cache_stats(struct sched_cache *c, struct sched_stats *out);

/* The cached set-up's active therapists, and one location's rooms, hours
 * and closed dates, with every therapist's time off, for pages that show
 * them (the staff day view) without a query each.  Valid until a is freed. */
struct sched_setup {
    int64_t version, appointments_version; /* as in struct sched */
    const struct location *location;       /* the one asked for */
    const struct tz *zone; /* its own zone, or NULL: the config file's (app->tz) */
    const struct therapist *therapists;
    size_t ntherapists;
    const struct room *rooms; /* at the location */
    size_t nrooms;
    const struct therapist_week *weeks;     /* parallel to therapists; at the location */
    const struct therapist_week *all_weeks; /* parallel to therapists; every location's */
    const struct week_span *hours;          /* the location's opening hours */
    size_t nhours;
    const struct week_span *all_hours;      /* every location's, by location */
    size_t nall_hours;
    const char *const *closed; /* the location's closed dates, "YYYY-MM-DD", sorted */
    size_t nclosed;
    const struct time_off *off; /* every therapist's time off */
    size_t noff;
    const struct location *locations; /* every location, by position */
    size_t nlocations;
};
/* The first location's. */
enum err_code sched_setup(struct db *db, struct arena *a, struct sched_cache *cache,
                          struct sched_setup *out, struct err *e);
/* Location location_id's (0 = the first); E_NOTFOUND when there is none. */
enum err_code sched_setup_at(struct db *db, struct arena *a, struct sched_cache *cache,
                             int64_t location_id, struct sched_setup *out, struct err *e);

/* What a query about one service needs, taken once per request. */
struct sched {
    int64_t version; /* the clinic version this set-up belongs to */
    int64_t appointments_version; /* the appointments' version when it was loaded */
    struct sched_cache *cache;    /* where sched_days keeps computed days */
    const struct sched_hooks *hooks; /* what a booking or a move causes (app->hooks) */
    struct service service;
    struct booking_rules rules; /* the service's effective rules */
    struct location location;   /* where (its strings live with the set-up) */
    size_t nlocations;          /* how many the clinic has */
    const struct tz *tz;        /* the location's zone */
    struct therapist *therapists; /* active, offering the service (one if asked for) */
    struct therapist_week *weeks; /* parallel to therapists; at the location */
    size_t ntherapists;
    struct room *rooms; /* rooms at the location that suit the service */
    size_t nrooms;
    struct week_span *hours; /* the location's opening hours */
    size_t nhours;
    const char **closed; /* the location's closed dates, "YYYY-MM-DD", sorted */
    size_t nclosed;
    struct time_off *off; /* time off of every therapist (wherever they are) */
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

/* The load-time check of the stored start-time grid (issue 13 item 17): a
 * grid that does not divide an hour (stored before the rule, or written
 * around the admin page) becomes booking_grid_fix of it, in one
 * transaction.  *was gets the value found and *now the value stored (the
 * same when nothing changed; -1 for none stored).  On error nothing
 * changes. */
enum err_code sched_fix_grid(struct db *db, int *was, int *now, struct err *e);

/* The service service_id from the cached set-up (inactive ones too; *found
 * 0 when there is none) and its rules in force at location location_id (0 =
 * the first; archived ones too, for their history): sched_rules with the
 * location's overrides (0064), then the service's (the clinic's and the
 * location's alone when it is gone).  sv lives on a. */
enum err_code sched_service_rules(struct db *db, struct arena *a, struct sched_cache *cache,
                                  const struct booking_rules *cfg, int64_t location_id, const char *service_id,
                                  struct service *sv, int *found, struct booking_rules *out,
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
 * s->rules are those in force (sched_rules) with the service's overrides;
 * s->hooks are the cache's (sched_cache_new), which sched_book and
 * sched_move run. */
enum err_code sched_load(struct db *db, struct arena *a, struct sched_cache *cache,
                         const struct tz *tz, const struct booking_rules *cfg,
                         const char *service_id, const char *therapist_id, struct sched *out,
                         struct err *e);
/* sched_load at one location (0 = the first; E_UNPROCESSABLE with problem
 * "unknown_location" when there is no such one): its rooms, opening hours,
 * closed dates, each therapist's hours there, and its timezone (tz when it
 * has none of its own, i.e. the config file's).  Therapists stay busy
 * wherever they are booked: an appointment at any location, and time off,
 * hold the therapist's time at every location, so no one is in two places
 * at once.  With several locations, "any therapist" means those who work
 * at this one. */
enum err_code sched_load_at(struct db *db, struct arena *a, struct sched_cache *cache,
                            const struct tz *tz, const struct booking_rules *cfg,
                            int64_t location_id, const char *service_id,
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

/* A whole answer made of sched_days(s, now, from, days) (the JSON of
 * /api/v1/availability), kept so that a repeated request copies it instead
 * of formatting every slot again.  Its key is the days' own (everything
 * their slots depend on, now as its minute) plus `form` (which rendering:
 * the caller's name for it; whatever else the rendering reads must be
 * fixed for the process or named by the clinic version, as a location's
 * zone is), the first date and the count.  NULL (nothing kept) when the
 * days are not kept ([bench] day_cache = 0).  Answers over 256 KB are not
 * kept; at most 64 are.  Can't fail. */
const char *sched_answer_key(struct arena *a, const struct sched *s, int64_t now,
                             const char *form, struct dt_date from, int days);
/* 1 and a copy on a when key (may be NULL) is kept, else 0. */
int sched_answer_get(const struct sched *s, const char *key, struct arena *a, void **out,
                     size_t *len);
/* Keeps val under key; 1 if kept, 0 if not (no key, or larger than an
 * answer may be). */
int sched_answer_put(const struct sched *s, const char *key, const void *val, size_t len);
/* The cache the whole answers live in, for their compressed copies kept in
 * the same entries (page_send_kept, blobcache_put_alt).  Can't fail. */
struct blobcache *sched_answer_cache(const struct sched *s);

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
    int sms_consent; /* reminders by text asked for (stored with the time) */
    /* 1: a package credit of the client's that covers the service pays for
     * the visit (svc/prepaid.h); set by the desk, and online only for the
     * client signed in with a proven address, never for a name and an
     * e-mail typed into the public form */
    int use_credit;
    /* who books, for the audit of a package credit used; NULL: "front
     * desk" (staff) or the client online */
    const struct actor *by;
    /* 1: the slot is only held (for a deposit or a card its `inside`
     * records a checkout for, svc/pay): appointment.booked is not sent now
     * but when the provider confirms payment (pay_webhook) */
    int held;
};

/* Books start with therapist index `who` (-1 = any: the one with the fewest
 * booked minutes that day, ties to the least recently assigned, see
 * avail_pick_therapist; then the first free room).  Re-checks everything
 * inside the writing transaction.  On success fills *out (re-read from the
 * store) and the manage token; on error nothing is stored and e says why:
 * problem "in_past", "too_soon", "too_far", "slot_unavailable", "invalid_client",
 * or "client_overlap": the same client (e-mail or phone, core/booking) holds
 * a live appointment overlapping the time (see struct sched_client). */
enum err_code sched_book(struct db *db, struct arena *a, const struct sched *s, int64_t now,
                         int64_t start, int who, const struct sched_client *c,
                         struct appointment *out, char token[TOKEN_LEN], struct err *e);

/* sched_book, and inside (not NULL) runs in the booking's transaction
 * right after the appointment is stored (the waitlist closes the offer it
 * was claimed through); an error from it rolls the booking back. */
typedef enum err_code (*sched_inside_fn)(void *ctx, struct db *db, int64_t appointment_id,
                                         struct err *e);
enum err_code sched_book_with(struct db *db, struct arena *a, const struct sched *s, int64_t now,
                              int64_t start, int who, const struct sched_client *c,
                              sched_inside_fn inside, void *ctx, struct appointment *out,
                              char token[TOKEN_LEN], struct err *e);

/* sched_book's checks and writes inside the caller's open writing
 * transaction (db_begin ... db_commit), for a change of many bookings that
 * stands or falls whole (knead import): the caller commits, or rolls back
 * and retries on E_RETRY, and a later booking in the transaction sees the
 * earlier ones.  Runs s->hooks' queue hook but not the after-commit one, so
 * pass a sched whose hooks queue nothing unless the caller runs it.  *id
 * gets the appointment's id; the manage token is not kept.  On error the
 * transaction is still open and this booking wrote nothing it will keep
 * once the caller rolls back. */
enum err_code sched_book_in(struct db *db, struct arena *a, const struct sched *s, int64_t now,
                            int64_t start, int who, const struct sched_client *c, int64_t *id,
                            struct err *e);
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

/* Cancels for the client (the desk cancels through sched_set_status);
 * *late = 1 when inside the late-cancellation window. hooks: the app's
 * (app->hooks), run as for a booking. */
enum err_code sched_cancel(struct db *db, const struct sched_hooks *hooks,
                           const struct booking_rules *rules, int64_t now,
                           const struct appointment *appt, const char *reason, int *late,
                           struct err *e);

/* The front desk moves appointment ap from ap->status to `to` (a move
 * core/appt allows, checked by the caller with appt_check and
 * appt_check_clock) in one transaction with its history event (kind
 * "status", by who); reason is kept only for a cancellation, which is late
 * when inside rules' late-cancellation window (as the client's own,
 * sched_cancel; rules NULL: never late) and also runs hooks (the
 * cancellation notice, the waitlist's offers) inside the transaction and
 * after the commit.  E_CONFLICT when the status changed since ap was read;
 * on any error nothing changes. */
enum err_code sched_set_status(struct db *db, const struct sched_hooks *hooks,
                               const struct booking_rules *rules, const struct actor *who,
                               const struct appointment *ap, const char *to, const char *reason,
                               int64_t now, struct err *e);
/* The desk undoes the last status change of ap, back to `to` (the change's
 * from_status; the caller checks that it may), with an "undo" event giving
 * reason, in one transaction (with its appointment.status_changed webhook,
 * hooks->webhooks).  E_CONFLICT when the status changed since ap was read;
 * on any error nothing changes. */
enum err_code sched_undo_status(struct db *db, const struct sched_hooks *hooks,
                                const struct actor *who, const struct appointment *ap,
                                const char *to, const char *reason, int64_t now, struct err *e);


/* The spans of a weekly pattern (opening hours, a therapist's work or
 * breaks) that fall on local day d, in UTC, as availability reads them
 * (avail_wall_span: a gap of a clock change shortens a span, one that
 * vanishes is left out), in w's order.  out has room for n.  Returns how
 * many it wrote.  Can't fail.  The reports count hours to book with the
 * same spans (svc/reports.c). */
size_t sched_wall_spans(const struct tz *tz, const struct week_span *w, size_t n,
                        struct dt_date d, struct avail_span *out);
/* 1 when d is among the sorted closed dates ("YYYY-MM-DD"), else 0. */
int sched_closed_on(const char *const *closed, size_t nclosed, struct dt_date d);
/* The zone of location location_id (0 = the first): its own, or fallback
 * (the config file's) when it has none or the set-up cannot be read
 * (logged).  Valid while a holds the set-up.  Can't fail. */
const struct tz *sched_zone(struct db *db, struct arena *a, struct sched_cache *cache,
                            int64_t location_id, const struct tz *fallback);

/* Index of a therapist in s by id, or -1. */
int sched_therapist_index(const struct sched *s, const char *id);

#endif
