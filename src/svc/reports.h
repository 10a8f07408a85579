/* reports — the admin's reports over a range of the clinic's local days:
 * utilisation (hours to book, booked and worked, by therapist, room and
 * weekday), attendance (no-shows, late cancellations), clients (new and
 * returning, rebooked within six weeks), referrals (visits used against
 * allowed, expiring soon) and insurance checks (requested, done, median
 * time to an outcome).  Reads the store and the cached set-up; the hours
 * to book come from the spans availability books by (sched_wall_spans)
 * and core/report's arithmetic.  Knows no HTTP; writes nothing. */
#ifndef KNEAD_SVC_REPORTS_H
#define KNEAD_SVC_REPORTS_H

#include <stddef.h>
#include <stdint.h>

#include "core/datetime.h"
#include "core/money.h"
#include "core/err.h"
#include "core/report.h"
#include "core/tz.h"
#include "store/store.h"
#include "svc/booking.h"
#include "util/arena.h"

#define REPORTS_REBOOK_DAYS 42      /* "rebooks within six weeks" */
#define REPORTS_EXPIRING_DAYS 14    /* a referral "expires soon" within two weeks */

/* The instants of local days [from, to]: [lo, hi). */
struct reports_period {
    struct dt_date from, to;
    int days;
    int64_t lo, hi;
    /* one location's appointments and money (its rooms'; an invoice with no
     * appointment is the first location's), 0 = every location; set by the
     * caller.  Referrals and insurance checks belong to the client, not a
     * place, and are the whole clinic's. */
    int64_t location_id;
};
/* The period of local days [from, from + days), every location.  Can't
 * fail. */
struct reports_period reports_period(const struct tz *tz, struct dt_date from, int days);

/* Hours of one therapist, room or weekday, in seconds.  available: the
 * hours that could be booked (open, working, minus breaks and time off;
 * for a room, the clinic's open hours); booked: appointments not cancelled
 * (no-shows too: the time was held); worked: those completed or checked
 * in. */
struct reports_hours {
    const char *key, *name;
    int64_t available, booked, worked;
};

struct reports_util {
    struct reports_hours *therapists; /* active ones, and any other with bookings */
    size_t ntherapists;
    struct reports_hours *rooms;
    size_t nrooms;
    struct reports_hours weekdays[7]; /* 0 = Sunday */
    struct reports_hours total;       /* the therapists' sum */
    int64_t *booked_by_day;           /* booked seconds of each day of the period */
    int days;
};
enum err_code reports_utilisation(struct db *db, struct arena *a, struct sched_cache *cache,
                                  const struct tz *tz, const struct reports_period *p,
                                  struct reports_util *out, struct err *e);

/* Appointments starting in the period by what became of them.  n[] is
 * indexed by enum appt_status; late: cancelled inside the late window. */
struct reports_attend_row {
    const char *key, *name;
    int64_t n[5];
    int64_t late, total;
};
struct reports_attend {
    struct reports_attend_row *rows; /* therapists with appointments, by name */
    size_t nrows;
    struct reports_attend_row total;
};
enum err_code reports_attendance(struct db *db, struct arena *a, const struct reports_period *p,
                                 struct reports_attend *out, struct err *e);
/* no-shows / appointments that were due (completed, checked in, no-show),
 * and late cancellations / every appointment, in tenths of a percent (-1
 * when nothing to divide by).  Can't fail. */
int reports_no_show_rate(const struct reports_attend_row *r);
int reports_late_cancel_rate(const struct reports_attend_row *r);

/* Clients seen in the period (an appointment completed or checked in): how
 * many, how many for the first time ever, how many have their next
 * appointment (not cancelled) starting within REPORTS_REBOOK_DAYS of their
 * last visit in the period, and how many have none yet while that window
 * is still open at now.  With kept (may be NULL: read every time), what
 * does not depend on now is kept there per data version (its key has both
 * versions, read before the report's read), so a repeated report costs a
 * bisection, not a read per client. */
struct blobcache;
struct report_clients_sum {
    int64_t seen, first_time, rebooked, waiting;
};
enum err_code reports_clients(struct db *db, struct arena *a, struct blobcache *kept,
                              const struct reports_period *p, int64_t now,
                              struct report_clients_sum *out, struct err *e);

struct reports_referral {
    struct report_referral r;
    int used;           /* completed visits inside its window, to date */
    int scheduled;      /* booked or checked in inside its window */
    int used_in_period; /* completed visits inside its window and the period */
    int in_period;      /* its window meets the period */
    int expiring;       /* valid until within REPORTS_EXPIRING_DAYS of today, visits left */
};
struct reports_referrals {
    struct reports_referral *rows; /* by valid-until day */
    size_t n;
    int64_t active, allowed, used, used_in_period, expiring; /* over the rows in the period;
                                                              * expiring over all rows */
};
enum err_code reports_referrals(struct db *db, struct arena *a, const struct tz *tz,
                                const struct reports_period *p, struct dt_date today,
                                struct reports_referrals *out, struct err *e);

struct reports_insurance {
    int64_t requested, done, pending, covered, partial, not_covered;
    int64_t median_seconds; /* from request to outcome, of those done; 0 when none */
};
enum err_code reports_insurance(struct db *db, struct arena *a, const struct reports_period *p,
                                struct reports_insurance *out, struct err *e);

/* Revenue of the period: the invoices issued in it (by service line and by
 * therapist), the payments taken and refunds given in it by method, and
 * the credit notes.  Cents, in the clinic's currency. */
struct reports_method {
    const char *name; /* "cash", "card" ... */
    int64_t count, paid, refunded;
};
struct reports_revenue {
    struct report_money_row *services; /* by cents, largest first */
    size_t nservices;
    struct report_money_row *therapists; /* by cents, largest first */
    size_t ntherapists;
    struct reports_method methods[MONEY__COUNT]; /* every method, in enum money_method order */
    int64_t invoices, invoiced, tips, tax; /* invoiced: totals with tax and tips */
    int64_t credits, credited;            /* credit notes: how many, their sum */
    int64_t paid, refunded;               /* all methods */
};
enum err_code reports_revenue(struct db *db, struct arena *a, const struct reports_period *p,
                              struct reports_revenue *out, struct err *e);

#endif
