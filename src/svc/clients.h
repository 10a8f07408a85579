/* clients (prefix clients_) — changes to the client records that are more
 * than one row: merging a duplicate.  Knows no HTTP. */
#ifndef KNEAD_SVC_CLIENTS_H
#define KNEAD_SVC_CLIENTS_H

#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

struct wh;

/* Merges client `other` into `keep` (appointments, health records and
 * referrals move; other is deleted) and queues client.merged for the
 * webhooks (NULL = none), in one transaction.  The caller checked that the
 * two may be merged.  On error nothing changes. */
enum err_code clients_merge(struct db *db, struct wh *webhooks, int64_t keep, int64_t other,
                            int64_t now, struct err *e);

#endif
