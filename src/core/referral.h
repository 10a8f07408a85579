/* referral — how a doctor's referral for massage therapy is used up.  Pure:
 * given a referral's window and visit count and the client's appointments
 * (as clinic-local days and statuses), it counts and warns; it never reads
 * the store or the clock, and it never refuses a booking — the front desk
 * decides.
 *
 * The rule: an appointment counts against a referral when its local day is
 * inside [from, until] (both inclusive).  "Used" visits are the completed
 * ones.  A new appointment on day D exceeds the referral when D is after
 * `until`, or when the visits already completed or still scheduled (booked
 * or checked in) inside the window, plus this one, are more than `visits`.
 * Cancelled and no-show appointments never count. */
#ifndef KNEAD_CORE_REFERRAL_H
#define KNEAD_CORE_REFERRAL_H

#include <stddef.h>

#include "core/datetime.h"

struct referral_span {
    struct dt_date from, until; /* from <= until */
    int visits;                 /* visits authorised, >= 1 */
};

/* One of the client's appointments: its local day and enum appt_status. */
struct referral_visit {
    struct dt_date day;
    int status;
};

enum referral_warning {
    REFERRAL_FITS = 0,
    REFERRAL_OVER_COUNT = 1 << 0, /* more visits than authorised */
    REFERRAL_EXPIRED = 1 << 1,    /* after the valid-until day */
    REFERRAL_NOT_YET = 1 << 2,    /* before the referral's date */
};

/* Completed visits inside the window.  Can't fail. */
int referral_used(const struct referral_span *r, const struct referral_visit *v, size_t n);
/* Booked or checked-in visits inside the window.  Can't fail. */
int referral_scheduled(const struct referral_span *r, const struct referral_visit *v, size_t n);
/* What a new appointment on `day` would do to the referral: REFERRAL_FITS
 * or a set of enum referral_warning bits.  v must not hold the new one. */
unsigned referral_check_new(const struct referral_span *r, const struct referral_visit *v,
                            size_t n, struct dt_date day);
/* The referral a visit on `day` counts against: among spans[0..n) the one
 * with the latest `from` on or before day (the first of equals); -1 when
 * every referral starts after day or n is 0. */
int referral_pick(const struct referral_span *spans, size_t n, struct dt_date day);
/* Checks an ICD-10 code's shape: a letter, two letters or digits, then
 * optionally 1-4 more letters or digits, after a dot or not ("M54",
 * "M54.50", "M5450"; not "M54." or "M54.12345").  Lower case is accepted
 * and written upper case into out (size must fit the code and its NUL).
 * Returns 0, or -1 and out untouched. */
int referral_icd10(const char *code, char *out, size_t size);

#endif
