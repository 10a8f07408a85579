/* admin_int — what the admin's form modules (web/admin.c, web/admin_users.c)
 * share; not for other handlers. */
#ifndef KNEAD_WEB_ADMIN_INT_H
#define KNEAD_WEB_ADMIN_INT_H

#include <jansson.h>

#include "core/err.h"
#include "http/request.h"
#include "store/store.h"

/* The typed form as a JSON object for re-showing it (passwords and the CSRF
 * token left out; the first of repeated keys). */
json_t *admin_typed(struct req *r);

/* Rolls back db's open transaction and answers the store's error e.
 * Returns -1. */
int admin_fail_db(struct req *r, struct db *db, struct err *e);

#endif
