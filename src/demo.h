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

#endif
