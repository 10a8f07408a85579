/* admin — the clinic's set-up pages under /admin: services, therapists,
 * rooms, opening hours and closed dates, and user accounts.  Every route is
 * ROUTE_ADMIN; forms are ROUTE_FORM | ROUTE_CSRF (checked by the dispatcher).
 *
 * Every save validates the whole form first and, when something is wrong,
 * answers 422 with the form again and a message next to each wrong field;
 * nothing is stored then.  A valid save runs in one transaction and answers
 * 303 to the list with ?saved=1. */
#ifndef KNEAD_WEB_ADMIN_H
#define KNEAD_WEB_ADMIN_H

#include "http/request.h"

void admin_index(struct req *r);             /* GET /admin */

void admin_services(struct req *r);          /* GET /admin/services */
void admin_service_new(struct req *r);       /* GET /admin/services/new */
void admin_service_create(struct req *r);    /* POST /admin/services */
void admin_service(struct req *r);           /* GET /admin/services/{id} */
void admin_service_save(struct req *r);      /* POST /admin/services/{id} */

void admin_therapists(struct req *r);        /* GET /admin/therapists */
void admin_therapist_new(struct req *r);     /* GET /admin/therapists/new */
void admin_therapist_create(struct req *r);  /* POST /admin/therapists */
void admin_therapist(struct req *r);         /* GET /admin/therapists/{id} */
void admin_therapist_save(struct req *r);    /* POST /admin/therapists/{id} */

void admin_rooms(struct req *r);             /* GET /admin/rooms (list and the add form) */
void admin_room_create(struct req *r);       /* POST /admin/rooms */
void admin_room(struct req *r);              /* GET /admin/rooms/{id} */
void admin_room_save(struct req *r);         /* POST /admin/rooms/{id} */

void admin_hours(struct req *r);             /* GET /admin/hours */
void admin_hours_save(struct req *r);        /* POST /admin/hours (the weekly hours) */
void admin_closed_add(struct req *r);        /* POST /admin/hours/closed (date, reason) */
void admin_closed_remove(struct req *r);     /* POST /admin/hours/closed/remove (date) */

void admin_users(struct req *r);             /* GET /admin/users (list and the add form) */
void admin_user_create(struct req *r);       /* POST /admin/users */
void admin_user(struct req *r);              /* GET /admin/users/{id} */
void admin_user_save(struct req *r);         /* POST /admin/users/{id} (details) */
void admin_user_active(struct req *r);       /* POST /admin/users/{id}/active (active=0|1) */
void admin_user_password(struct req *r);     /* POST /admin/users/{id}/password */

#endif
