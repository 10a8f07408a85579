/* avail — the availability engine: which starts can be booked on one local
 * day, and with whom.  Pure: no I/O, no globals, no allocation; the caller
 * passes every input (already loaded from the store) and the output buffer.
 *
 * Model.  All instants are UTC seconds; spans are half-open [start, end).
 * A slot start s, for a service of duration d and buffer b, needs the
 * session [s, s + d) to be:
 *   - inside one of the clinic's open spans for the day,
 *   - inside one working span of the therapist, and free of the therapist's
 *     breaks and time off (the off list),
 * and the session with its buffer, [s, s + d + b), to be:
 *   - free of the therapist's appointments, each held with its own buffer
 *     (the busy list),
 *   - free in at least one room that suits the service (the room's busy
 *     spans are its appointments with their buffers too).
 * The buffer protects the next session, of the therapist and of the room:
 * a therapist working until 18:00 can take 17:00-18:00 whatever the buffer,
 * and a session may end where a break or time off begins; but a session
 * whose buffer would run into the therapist's or the room's next
 * appointment is not offered (the room's turnover holds).
 * Starts lie on the grid: the local wall times 00:00, 00:00 + g, ... of the
 * day (g = grid minutes), each converted with the clinic's timezone, so a wall
 * time that does not exist (spring forward) is never offered and one that
 * exists twice (fall back) is offered once per real instant.  Only starts in
 * [earliest, latest] are offered (earliest = now + minimum notice, latest =
 * now + horizon).
 *
 * Each list of spans is read as a set: spans of one list that touch or
 * overlap count as one ("inside one working span" holds across work 8-12 +
 * 12-16), and a span with end <= start is empty and ignored.  A query outside
 * the documented ranges (grid, duration, buffer, therapist count, NULL arrays
 * with a count) offers nothing: avail_day returns 0 and avail_fits 0.
 *
 * Cost: linear in the grid points plus the spans of the day, per therapist. */
#ifndef KNEAD_CORE_AVAIL_H
#define KNEAD_CORE_AVAIL_H

#include <stddef.h>
#include <stdint.h>

#include "core/datetime.h"
#include "core/tz.h"

#define AVAIL_MAX_THERAPISTS 64 /* one bit each in avail_slot.therapists */
#define AVAIL_MAX_SLOTS 200     /* grid points in one local day at a 15-minute grid, with room */
/* Longest unsorted list the engine copies to its stack to sort (busy lists
 * come in any order; a list already sorted by start, as open and work lists
 * are, is read in place whatever its length).  A longer unsorted list is not
 * refused: it is scanned per grid point instead, O(points x spans) rather
 * than O(points + spans log spans). */
#define AVAIL_MAX_SORT 512

struct avail_span {
    int64_t start, end; /* UTC seconds, half-open; start < end */
};

/* One therapist's day.  work: sorted by start, non-overlapping.  busy (her
 * appointments, each to its end plus its buffer) and off (breaks and time
 * off): any order, may overlap (the engine does not modify the arrays). */
struct avail_therapist {
    const struct avail_span *work;
    size_t nwork;
    const struct avail_span *busy;
    size_t nbusy;
    const struct avail_span *off;
    size_t noff;
};

/* One room that suits the service; busy: its appointments with buffers, any order. */
struct avail_room {
    const struct avail_span *busy;
    size_t nbusy;
};

struct avail_query {
    const struct tz *tz;
    struct dt_date date;      /* the local day */
    int grid_min;             /* 1..60; 15 in the demo */
    int duration_min;         /* > 0 */
    int buffer_min;           /* >= 0 */
    int64_t earliest, latest; /* offered starts lie in [earliest, latest] */
    const struct avail_span *open; /* clinic open spans that day, sorted; none = closed */
    size_t nopen;
    const struct avail_therapist *therapists; /* candidates; index = bit in the result */
    size_t ntherapists;                       /* at most AVAIL_MAX_THERAPISTS */
    const struct avail_room *rooms;           /* the rooms that suit the service */
    size_t nrooms;
};

struct avail_slot {
    int64_t start, end;  /* end = start + duration (the buffer is not shown) */
    uint64_t therapists; /* bit i set: therapists[i] can take it */
};

/* Computes the day's bookable starts in increasing order of instant.
 * Writes at most cap slots to out and returns how many there are in total
 * (a return > cap means out was too small and holds the first cap).
 * Returns 0 for a closed day, no therapists or no rooms. */
size_t avail_day(const struct avail_query *q, struct avail_slot *out, size_t cap);

/* Whether start can be taken by therapist t and some room, within open
 * hours and on the grid — the same rules as avail_day for one start,
 * ignoring earliest/latest (the booking code checks notice and horizon
 * separately to give a precise error).  Returns 1 and the index of the first
 * free room in *room (may be NULL), or 0. */
int avail_fits(const struct avail_query *q, size_t t, int64_t start, size_t *room);

/* Converts a span of local wall minutes on the query's date (0..1440, e.g.
 * working hours 8:00–16:00 = 480..960) into UTC.  A start inside a
 * spring-forward gap moves to the end of the gap; an ambiguous start takes
 * the earlier instant and an ambiguous end the later one.  Returns 0, or -1
 * when the span is empty after conversion (or the date or minutes are
 * invalid; *out is then unchanged).  An end inside a gap also moves to the
 * end of the gap: "until 02:30" on a day that skips 02:00-03:00 ends when
 * the clock jumps. */
int avail_wall_span(const struct tz *tz, struct dt_date date, int start_min, int end_min,
                    struct avail_span *out);

/* What "any therapist" weighs for one candidate: her booked minutes that
 * day, and her last assignment (the creation time of her most recent live
 * appointment and its id, which orders two made in the same second; both
 * 0 when she has none). */
struct avail_load {
    int booked_min;
    int64_t last_at, last_id;
};

/* Picks a therapist among the bits in mask (bits at or beyond n ignored):
 * the one with the fewest booked minutes that day; among those, the one
 * least recently assigned (the earliest (last_at, last_id); never assigned
 * comes first); among those, the lower index.  load NULL: the lowest index
 * in mask.  Returns the index, or -1 if no bit below n is set.  Can't fail. */
int avail_pick_therapist(uint64_t mask, const struct avail_load *load, size_t n);

#endif
