/* api — the JSON API under /api/v1/ (see README "API"). */
#ifndef KNEAD_WEB_API_H
#define KNEAD_WEB_API_H

#include "http/request.h"

void api_services(struct req *r);
void api_therapists(struct req *r);
/* GET /api/v1/locations: every location with its address and timezone. */
void api_locations(struct req *r);
void api_availability(struct req *r);
void api_next_available(struct req *r);
void api_book(struct req *r);
void api_appointment(struct req *r);
void api_cancel(struct req *r);
void api_reschedule(struct req *r);

#endif
