/* hours — a therapist's own schedule in the back office: the week view, the
 * weekly working hours and breaks, and time off.  A change that would strand
 * booked appointments is refused and the appointments are listed, for the
 * front desk to move first. */
#ifndef KNEAD_WEB_HOURS_H
#define KNEAD_WEB_HOURS_H

#include "http/request.h"

/* GET /staff/week[?therapist=ID][&date=YYYY-MM-DD]: Monday to Sunday of the
 * week holding date (today by default) for one therapist: appointments,
 * working hours, breaks, time off.  A therapist sees only their own week
 * (403 for another's); the desk and admins pick any (default: the first). */
void hours_week(struct req *r);

/* GET /staff/hours[?therapist=ID]: the weekly hours form.
 * POST /staff/hours (form: therapist, start_N, end_N, break_start_N,
 * break_end_N, off_N for weekday N, 0 = Sunday): validates (422 with the
 * message next to the field), refuses a change stranding booked future
 * appointments (409, listed), else saves in one transaction and redirects. */
void hours_form(struct req *r);
void hours_save(struct req *r);

/* GET /staff/time-off[?therapist=ID]: coming time off and the form to add.
 * POST /staff/time-off (form: therapist, start_date, start_time, end_date,
 * end_time in the clinic's local time, reason): adds it unless invalid (422)
 * or booked appointments fall inside (409, listed).
 * POST /staff/time-off/{id}/delete: removes it (404 if it is not there or,
 * for a therapist, not theirs). */
void hours_time_off(struct req *r);
void hours_add_time_off(struct req *r);
void hours_delete_time_off(struct req *r);

#endif
