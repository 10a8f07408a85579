/* shift — the rules for a therapist's weekly hours as typed in the back
 * office, and the test that decides whether a change strands a booked
 * appointment (web/hours.c refuses such a change and lists them).  It must not
 * know about the store or HTTP: strings and minutes in, a verdict out. */
#include "core/shift.h"

#include "core/datetime.h"

static const char *nz(const char *s)
{
    return s ? s : "";
}

int shift_read_day(const char *start, const char *end, const char *break_start,
                   const char *break_end, int off, struct shift_day *out)
{
    int s = 0, e = 0, bs = 0, be = 0;
    start = nz(start), end = nz(end), break_start = nz(break_start), break_end = nz(break_end);
    *out = (struct shift_day){0};
    if (off)
        return 0;
    if (!start[0] || !end[0])
        out->err_hours = "Give the start and the end, or tick “Not working”.";
    else if (dt_parse_hhmm(start, &s) < 0 || dt_parse_hhmm(end, &e) < 0)
        out->err_hours = "Write times as HH:MM, for example 08:30.";
    else if (s >= e)
        out->err_hours = "The start must be before the end.";
    else {
        out->has_work = 1;
        out->work_start = s;
        out->work_end = e;
    }
    if (break_start[0] || break_end[0]) {
        if (!break_start[0] || !break_end[0])
            out->err_break = "Give both ends of the break, or leave both empty.";
        else if (dt_parse_hhmm(break_start, &bs) < 0 || dt_parse_hhmm(break_end, &be) < 0)
            out->err_break = "Write times as HH:MM, for example 12:00.";
        else if (bs >= be)
            out->err_break = "The break must start before it ends.";
        else if (out->has_work && (bs <= s || be >= e))
            out->err_break = "The break must lie inside the working hours.";
        else if (out->has_work) {
            out->has_break = 1;
            out->break_start = bs;
            out->break_end = be;
        }
    }
    return out->err_hours || out->err_break ? -1 : 0;
}

int shift_fits(const struct shift_span *work, size_t nwork, const struct shift_span *breaks,
               size_t nbreaks, int wd, int start_min, int end_min)
{
    int inside = 0;
    for (size_t i = 0; i < nwork; i++)
        if (work[i].weekday == wd && work[i].start_min <= start_min && end_min <= work[i].end_min)
            inside = 1;
    for (size_t i = 0; i < nbreaks; i++)
        if (breaks[i].weekday == wd && breaks[i].start_min < end_min &&
            start_min < breaks[i].end_min)
            return 0;
    return inside;
}
