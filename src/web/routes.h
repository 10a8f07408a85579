/* routes — the ONE route table of Knead. */
#ifndef KNEAD_WEB_ROUTES_H
#define KNEAD_WEB_ROUTES_H

#include <stddef.h>

#include "http/router.h"

extern const struct route web_routes[];
extern const size_t web_nroutes;

#endif
