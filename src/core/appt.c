/* appt — which appointment status changes are allowed (the diagram is in
 * appt.h).  One table of edges; no store, no clock, no I/O. */
#include "core/appt.h"

#include <stddef.h>
#include <string.h>

static const char *const names[APPT__COUNT] = {"booked", "checked_in", "completed", "no_show",
                                               "cancelled"};
static const char *const labels[APPT__COUNT] = {"Booked", "Checked in", "Completed", "No-show",
                                                "Cancelled"};
static const char *const actions[APPT__COUNT] = {"", "Check in", "Complete", "Mark no-show",
                                                 "Cancel appointment"};

/* edges[from] = bit set of allowed targets */
#define BIT(s) (1u << (s))
static const unsigned edges[APPT__COUNT] = {
    [APPT_BOOKED] = BIT(APPT_CHECKED_IN) | BIT(APPT_NO_SHOW) | BIT(APPT_CANCELLED),
    [APPT_CHECKED_IN] = BIT(APPT_COMPLETED) | BIT(APPT_CANCELLED),
    [APPT_COMPLETED] = 0,
    [APPT_NO_SHOW] = 0,
    [APPT_CANCELLED] = 0,
};

int appt_status_parse(const char *name)
{
    for (int i = 0; name && i < APPT__COUNT; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

const char *appt_status_name(enum appt_status s)
{
    return (unsigned)s < APPT__COUNT ? names[s] : "";
}

const char *appt_status_label(enum appt_status s)
{
    return (unsigned)s < APPT__COUNT ? labels[s] : "";
}

const char *appt_action_label(enum appt_status to)
{
    return (unsigned)to < APPT__COUNT ? actions[to] : "";
}

int appt_can_move(enum appt_status from, enum appt_status to)
{
    if ((unsigned)from >= APPT__COUNT || (unsigned)to >= APPT__COUNT)
        return 0;
    return (edges[from] & BIT(to)) != 0;
}

int appt_needs_reason(enum appt_status to)
{
    return to == APPT_CANCELLED;
}

int appt_is_final(enum appt_status s)
{
    return (unsigned)s < APPT__COUNT && edges[s] == 0;
}

const char *appt_check(const char *from, const char *to, const char *reason)
{
    int f = appt_status_parse(from), t = appt_status_parse(to);
    if (t < 0)
        return "Choose one of: checked_in, completed, no_show, cancelled.";
    if (f < 0)
        return "This appointment has a status Knead does not know; ask an "
               "administrator.";
    if (appt_is_final((enum appt_status)f))
        return "This appointment is already closed (completed, no-show or "
               "cancelled) and "
               "its status can no longer change.";
    if (!appt_can_move((enum appt_status)f, (enum appt_status)t)) {
        if (t == APPT_COMPLETED)
            return "Check the client in before completing the appointment.";
        if (t == APPT_NO_SHOW)
            return "A client who has checked in cannot be marked as a no-show.";
        return "That status change is not allowed from the appointment's current "
               "status.";
    }
    if (appt_needs_reason((enum appt_status)t) && (!reason || !*reason))
        return "Give a reason for cancelling.";
    return NULL;
}

const char *appt_check_clock(enum appt_status to, int64_t now, int64_t start, int64_t day_start)
{
    if (to == APPT_CHECKED_IN && now < day_start)
        return "A client can be checked in from the day of the appointment; not before.";
    if ((to == APPT_COMPLETED || to == APPT_NO_SHOW) && now < start)
        return to == APPT_COMPLETED
                   ? "An appointment can be completed only once it has started."
                   : "A client can be marked as a no-show only once the appointment has started.";
    return NULL;
}

const char *appt_check_undo(const char *current, const char *from, const char *to,
                            int64_t changed_at, int64_t today_start, int64_t today_end,
                            const char *reason)
{
    int f = appt_status_parse(from), t = appt_status_parse(to), c = appt_status_parse(current);
    if (f < 0 || t < 0 || c != t)
        return "There is no status change of this appointment to undo.";
    if (!((f == APPT_BOOKED && t == APPT_CHECKED_IN) ||
          (f == APPT_CHECKED_IN && t == APPT_COMPLETED) ||
          (f == APPT_BOOKED && t == APPT_NO_SHOW)))
        return "Only a check-in, a completion or a no-show can be undone; a cancelled "
               "appointment is booked again instead.";
    if (changed_at < today_start || changed_at >= today_end)
        return "A status change can be undone only on the day it was made.";
    if (!reason || !*reason)
        return "Give a reason for undoing the change.";
    return NULL;
}
