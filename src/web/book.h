/* book — online booking pages (/book) and the manage pages of one
 * appointment (/a/{token}), server-rendered and complete without JavaScript.
 *
 *   GET  /book                              choose a service
 *   GET  /book?service=S                    choose a therapist (or any)
 *   GET  /book?service=S&therapist=T[&date=D]   14-day strip and the day's times
 *   GET  /book?service=S&therapist=T&start=X    the details form
 *   POST /book                              books; 303 to /a/{token}?booked=1
 *   GET  /a/{token}                         the appointment
 *   GET  /a/{token}/calendar.ics            the appointment as iCalendar
 *   GET  /a/{token}/cancel, POST            confirm, then cancel
 *   GET  /a/{token}/move[?therapist&date&start], POST   pick a new time, move
 *
 * Form POST routes are flagged ROUTE_FORM | ROUTE_CSRF in the route table. */
#ifndef KNEAD_WEB_BOOK_H
#define KNEAD_WEB_BOOK_H

#include <jansson.h>

#include "http/request.h"

void book_start(struct req *r);
void book_submit(struct req *r);
void book_manage(struct req *r);
void book_calendar(struct req *r);
void book_cancel_page(struct req *r);
void book_cancel(struct req *r);
void book_move_page(struct req *r);
void book_move(struct req *r);


struct therapist;

/* Adds what a client reads about therapist t to o: specialties (a list,
 * split at the commas of t->specialties), has_specialties, and monogram
 * (the initials shown when there is no photo). */
void book_add_person(struct req *r, const struct therapist *t, json_t *o);

/* Adds the next bookable time of each bookable service to a page's
 * context, for the "Next opening" blocks of the home, services and article
 * pages: ctx.openings = [{service_id, name, found, label, url, ...}], and
 * for every object of ctx.services whose id matches, its "opening".  One
 * sched_load and one sched_next per service (the days come from the day
 * cache, keyed by data version and minute).  A failure is
 * logged and leaves ctx without openings (the page still renders).  Can't
 * fail. */
void book_add_openings(struct req *r, json_t *ctx);

#endif
