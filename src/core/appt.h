/* appt — the appointment status state machine (STYLE rule 12).  Pure: knows
 * statuses and which changes are allowed, never the store or the clock.
 *
 *                check_in                complete
 *     booked ──────────────▶ checked_in ──────────▶ completed
 *      │   │                     │
 *      │   │ no_show             │ cancel (reason)
 *      │   ▼                     ▼
 *      │  no_show            cancelled
 *      │                         ▲
 *      └─────────────────────────┘
 *            cancel (reason)
 *
 * completed, no_show and cancelled are final: nothing leaves them.
 *
 * Status follows the clock (appt_check_clock): check-in from the start of
 * the appointment's local day, completed and no-show from its start.  The
 * front desk may undo its last change of the day (appt_check_undo), back to
 * the status before it: checked_in → booked, completed → checked_in,
 * no_show → booked.  A cancellation is not undone (its slot may be taken
 * and the client was told); the client books again. */
#ifndef KNEAD_CORE_APPT_H
#define KNEAD_CORE_APPT_H

#include <stdint.h>

enum appt_status {
    APPT_BOOKED = 0,
    APPT_CHECKED_IN,
    APPT_COMPLETED,
    APPT_NO_SHOW,
    APPT_CANCELLED,
    APPT__COUNT
};

/* "booked" → APPT_BOOKED ...; -1 for an unknown name.  Can't fail. */
int appt_status_parse(const char *name);
/* The stored name ("checked_in"); "" for an out-of-range value. */
const char *appt_status_name(enum appt_status s);
/* A label for people ("Checked in", "No-show"). */
const char *appt_status_label(enum appt_status s);
/* The verb a button shows for moving to `to` ("Check in", "Complete"). */
const char *appt_action_label(enum appt_status to);

/* 1 when from → to is allowed, else 0 (also for from == to). */
int appt_can_move(enum appt_status from, enum appt_status to);
/* 1 when to needs a reason (cancelling). */
int appt_needs_reason(enum appt_status to);
/* 1 when no change leaves s. */
int appt_is_final(enum appt_status s);

/* Checks a change: NULL when allowed, else a sentence for a person saying why
 * not (unknown status, final status, or a change the machine lacks; a cancel
 * with an empty reason).  reason may be NULL. */
const char *appt_check(const char *from, const char *to, const char *reason);

/* Checks a change against the clock: NULL when `to` may be set at `now` for
 * an appointment starting at `start` whose local day starts at `day_start`
 * (the clinic's midnight), else a sentence saying from when.  Check-in is
 * allowed from day_start, completed and no-show from start; cancelling has
 * no clock rule here.  Can't fail. */
const char *appt_check_clock(enum appt_status to, int64_t now, int64_t start, int64_t day_start);

/* Checks undoing the last status change (from → to at changed_at) of an
 * appointment now in `current`: NULL when allowed, else why not.  Allowed
 * when current is still `to`, the change is one that can be undone (see
 * above), it happened in [today_start, today_end) — the clinic's local day
 * of now — and reason holds something.  reason may be NULL. */
const char *appt_check_undo(const char *current, const char *from, const char *to,
                            int64_t changed_at, int64_t today_start, int64_t today_end,
                            const char *reason);

#endif
