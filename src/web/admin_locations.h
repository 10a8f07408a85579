/* admin_locations — the clinic's locations on /admin/locations: list, add,
 * edit (name, address, timezone), and the location choice the other admin
 * pages (rooms, opening hours, closed dates, a therapist's hours) share. */
#ifndef KNEAD_WEB_ADMIN_LOCATIONS_H
#define KNEAD_WEB_ADMIN_LOCATIONS_H

#include <jansson.h>
#include <stdint.h>

#include "http/request.h"

struct location;

void admin_locations(struct req *r);
void admin_location_create(struct req *r);
void admin_location(struct req *r);
void admin_location_save(struct req *r);

/* The location a page works on: `given` (a ?location= or a form field;
 * NULL or "" = the first location) among the clinic's locations (listed
 * into *all / *nall on the arena).  Returns 0 with *out set; -1 with a 404
 * page written for a number that is no location, or an error page when the
 * store fails. */
int admin_location_pick(struct req *r, const char *given, const struct location **all,
                        size_t *nall, const struct location **out);

/* ctx.locations: [{id, name, selected, url}] (url: base?location=ID, for a
 * switch of links) and ctx.multi_location when there are several, and
 * ctx.location: {id, name} of the chosen one.  Can't fail. */
void admin_location_context(struct req *r, json_t *ctx, const struct location *all, size_t n,
                            const struct location *chosen, const char *base);

/* POST /admin/locations/{id}/archive, action=archive|restore: 303 to the
 * list; 409 with the page and the reason when refused (the first location,
 * or upcoming appointments there, counted). */
void admin_location_archive(struct req *r);
/* POST /admin/locations/{id}/rules: min_notice (minutes), horizon (days),
 * late_cancel (hours), each blank for the clinic's; 422 naming a bad one. */
void admin_location_rules(struct req *r);

#endif
