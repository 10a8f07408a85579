/* staff — the back office's day view (/staff). */
#ifndef KNEAD_WEB_STAFF_H
#define KNEAD_WEB_STAFF_H

#include "http/request.h"

/* GET /staff[?date=YYYY-MM-DD][&by=therapist|room]: the day's appointments
 * in a column per therapist (or per room).  A therapist sees their own
 * column; the front desk and admins see everyone. */
void staff_day(struct req *r);

#endif
