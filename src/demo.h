/* demo — the demo clinic that `knead demo` and `make run` seed: a
 * deep-tissue practice in Anchorage with four therapists and three rooms. */
#ifndef KNEAD_DEMO_H
#define KNEAD_DEMO_H

#include "core/err.h"

struct store;

/* Seeds the demo clinic in one transaction.  Refuses (E_CONFLICT) when the
 * database already holds clinic data, unless force, which first deletes it.
 * On error nothing is changed. */
enum err_code demo_seed(struct store *s, int force, struct err *e);

#endif
