/* remind — the due instants of appointment reminders (see remind.h).  Pure
 * arithmetic on UTC instants: it must not read the clock or the timezone,
 * so "24 hours before" is 24 real hours on DST days too. */
#include "core/remind.h"

int64_t remind_due(int64_t start, int hours)
{
    return start - (int64_t)hours * 3600;
}

/* A lead time that counts: on, in range, and due no earlier than the anchor. */
static int usable(int h, int64_t start, int64_t anchor)
{
    return h > 0 && h <= REMIND_MAX_HOURS && remind_due(start, h) >= anchor;
}

int remind_pick(const int *hours, size_t n, int64_t start, int64_t anchor, int64_t now)
{
    int best = 0;
    if (now >= start)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int h = hours[i];
        if (!usable(h, start, anchor) || remind_due(start, h) > now)
            continue;
        if (best == 0 || h < best)
            best = h;
    }
    return best;
}

int64_t remind_next(const int *hours, size_t n, int64_t start, int64_t anchor, int64_t now)
{
    int64_t next = 0;
    if (now >= start)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int h = hours[i];
        if (!usable(h, start, anchor))
            continue;
        int64_t due = remind_due(start, h);
        if (due > now && (next == 0 || due < next))
            next = due;
    }
    return next;
}
