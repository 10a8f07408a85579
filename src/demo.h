/* demo — the demo clinic that `knead demo` and `make run` seed: a
 * deep-tissue practice in Anchorage with four therapists, three rooms and
 * the two articles in content/articles/. */
#ifndef KNEAD_DEMO_H
#define KNEAD_DEMO_H

#include "core/err.h"

struct store;

/* Seeds the demo clinic in one transaction.  Refuses (E_CONFLICT) when the
 * database already holds clinic data, unless force, which first deletes it.
 * On error nothing is changed. */
enum err_code demo_seed(struct store *s, int force, struct err *e);
/* The same, with the articles read from the .md files in content_dir/articles (published,
 * ordered by their `order`); demo_seed reads the source tree's content/. */
enum err_code demo_seed_from(struct store *s, const char *content_dir, int force,
                             struct err *e);
/* The same with `locations` locations (1, or 2 for `knead demo --locations
 * 2`: a second one in Seattle, on Pacific time, with two rooms, where two of
 * the therapists work on days they are not in Anchorage).  Another count is
 * E_INVALID and changes nothing. */
#define DEMO_MAX_LOCATIONS 2
enum err_code demo_seed_locations(struct store *s, const char *content_dir, int force,
                                  int locations, struct err *e);
/* The same, and with lived_in (the first location's zone; NULL = not) the
 * lived-in data of demo_lived.h, dated from clock_now(), in the same
 * transaction. */
struct tz;
enum err_code demo_seed_with(struct store *s, const char *content_dir, int force, int locations,
                             const struct tz *lived_in, struct err *e);

#endif
