/* clients — see clients.h.  It must not include http/ or web/. */
#include "svc/clients.h"

#include "svc/webhook.h"

enum err_code clients_merge(struct db *db, struct wh *webhooks, int64_t keep, int64_t other,
                            int64_t now, struct err *e)
{
    enum err_code rc;
    int tries = 0;
again: /* the store's concurrency contract (store.h): a lost race runs again */
    if ((rc = db_begin(db, e)) != E_OK)
        return rc;
    if ((rc = db_merge_clients(db, keep, other, e)) != E_OK ||
        (rc = wh_client_merged(webhooks, db, keep, other, now, e)) != E_OK ||
        (rc = db_commit(db, e)) != E_OK) {
        db_rollback(db);
        if (db_retry(db, &rc, &tries, e))
            goto again;
        return rc;
    }
    return E_OK;
}
