/* booking — the clinic's booking rules that do not need the calendar: notice,
 * horizon, late cancellation, and what a client must give us.  Pure; the same
 * functions serve listing, booking, rescheduling and cancelling, so each rule
 * is applied the same way everywhere. */
#ifndef KNEAD_CORE_BOOKING_H
#define KNEAD_CORE_BOOKING_H

#include <stddef.h>
#include <stdint.h>

#include "core/tz.h"

struct booking_rules {
    int min_notice_min;    /* starts earlier than now + this are refused (clients) */
    int horizon_days;      /* starts later than now + this many days are refused */
    int grid_min;          /* starts lie on this grid of local wall time */
    int late_cancel_hours; /* cancelling less than this before the start is "late" */
};

/* The start-time grids a clinic may choose: the multiples of 5 minutes that
 * divide an hour, so starts are anchored to the hour (:00, :15, :30, :45
 * for 15).  The text lists them for messages. */
#define BOOKING_GRIDS_TEXT "5, 10, 15, 20, 30 or 60"

/* 1 when minutes is one of BOOKING_GRIDS_TEXT, else 0.  Can't fail. */
int booking_grid_ok(int minutes);

/* The grid to use for a stored value that is not allowed: the largest
 * allowed grid not above it (5 below 5).  Returns minutes itself when it is
 * allowed.  Can't fail. */
int booking_grid_fix(int minutes);

/* Whether an active service can have openings (issue 13 item 18): it needs
 * at least one active therapist who offers it and one room that suits it.
 * Returns NULL when it can, else why not, as a sentence fragment for a
 * person ("no room suits it").  Can't fail. */
const char *booking_service_no_openings(size_t active_therapists, size_t rooms);

/* The service's override where it has one (>= 0), else the clinic's. */
struct booking_rules booking_rules_for(const struct booking_rules *clinic, int svc_notice,
                                       int svc_horizon, int svc_late_cancel);

enum booking_time {
    BOOKING_TIME_OK = 0,
    BOOKING_IN_PAST,  /* start <= now */
    BOOKING_TOO_SOON, /* start < now + notice */
    BOOKING_TOO_FAR,  /* start > now + horizon */
};

/* Checks a start against notice and horizon (not the calendar). */
enum booking_time booking_check_time(const struct booking_rules *r, int64_t now, int64_t start);

/* The earliest instant a client may book: now + notice.  [earliest, latest]
 * bounds what listings offer. */
int64_t booking_earliest(const struct booking_rules *r, int64_t now);
int64_t booking_latest(const struct booking_rules *r, int64_t now);

/* The first grid start at or after t (local wall time on the rules' grid),
 * for messages such as "the earliest time that can be booked is ...". */
int64_t booking_round_up(const struct booking_rules *r, const struct tz *tz, int64_t t);

/* 1 when cancelling at now is inside the late-cancellation window. */
int booking_is_late_cancel(const struct booking_rules *r, int64_t now, int64_t start);

/* One client, one place at a time.  1 when two bookings belong to the same
 * client: the same e-mail address (ASCII case-insensitive, surrounding
 * spaces ignored) or the same telephone number once both are made E.164
 * (core/phone.h; a number that cannot be made E.164 matches nothing).
 * NULL or empty fields match nothing.  Can't fail. */
int booking_same_client(const char *email_a, const char *phone_a, const char *email_b,
                        const char *phone_b);

/* 1 when [s1, e1) and [s2, e2) share an instant (touching ends do not). */
int booking_overlaps(int64_t s1, int64_t e1, int64_t s2, int64_t e2);

/* Client details.  Each returns NULL when fine, or a message for a person. */
const char *booking_check_name(const char *name);
const char *booking_check_email(const char *email);
const char *booking_check_phone(const char *phone); /* empty is fine */
/* The front desk's booking: an e-mail, or else a phone a text can go to
 * (core/phone: normalised to E.164); the e-mail's message when one is given,
 * else the phone's, naming both when neither is given. */
const char *booking_check_desk_contact(const char *email, const char *phone);
const char *booking_check_notes(const char *notes); /* empty is fine */

#endif
