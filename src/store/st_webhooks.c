/* st_webhooks — webhook endpoints, events and their deliveries in the
 * store.  Written once for every driver: named queries through rows.h.
 *
 * A claim reads the most overdue delivery, then leases it (wh_due, then
 * wh_claim) inside the caller's writing transaction; under store.h's
 * contract no two workers claim the same delivery.  A driver whose writers
 * run side by side keeps that in its wh_due query (PostgreSQL: FOR UPDATE
 * SKIP LOCKED). */
#include <stdio.h>
#include <string.h>

#include "store/rows.h"

enum err_code db_wh_endpoint_add(struct db *db, const struct wh_endpoint *ep, int64_t *id,
                                 struct err *e)
{
    return rows_insert(db, Q_WH_ENDPOINT_ADD, "save the webhook endpoint",
                       ARGS(A_TEXT(ep->url), A_TEXT(ep->description ? ep->description : ""),
                            A_I64(ep->events), A_BLOB(ep->secret, ep->secret_len),
                            A_I64(ep->enabled ? 1 : 0), A_I64(ep->created_at)),
                       id, e);
}

enum err_code db_wh_endpoint_update(struct db *db, const struct wh_endpoint *ep, struct err *e)
{
    int64_t changed = 0;
    enum err_code rc = rows_exec(
        db, Q_WH_ENDPOINT_UPDATE, "save the webhook endpoint",
        ARGS(A_I64(ep->id), A_TEXT(ep->url), A_TEXT(ep->description ? ep->description : ""),
             A_I64(ep->events), A_I64(ep->enabled ? 1 : 0), A_I64(ep->updated_at)),
        &changed, e);
    if (rc == E_OK && changed == 0)
        return err_set(e, E_NOTFOUND, "There is no webhook endpoint %lld.", (long long)ep->id);
    return rc;
}

enum err_code db_wh_endpoint_secret(struct db *db, int64_t id, const unsigned char *sealed,
                                    size_t n, int64_t now, struct err *e)
{
    int64_t changed = 0;
    enum err_code rc = rows_exec(db, Q_WH_ENDPOINT_SECRET, "save the webhook secret",
                                 ARGS(A_I64(id), A_BLOB(sealed, n), A_I64(now)), &changed, e);
    if (rc == E_OK && changed == 0)
        return err_set(e, E_NOTFOUND, "There is no webhook endpoint %lld.", (long long)id);
    return rc;
}

/* wh_endpoint's columns; 7 (the secret) is read by hand */
static const struct col endpoint_cols[] = {
    COL_I64(struct wh_endpoint, id),           COL_TEXT(struct wh_endpoint, url),
    COL_TEXT(struct wh_endpoint, description), COL_I64(struct wh_endpoint, events),
    COL_INT(struct wh_endpoint, enabled),      COL_I64(struct wh_endpoint, created_at),
    COL_I64(struct wh_endpoint, updated_at),
};

enum err_code db_wh_endpoint(struct db *db, struct arena *a, int64_t id, struct wh_endpoint *out,
                             struct err *e)
{
    struct rows r;
    enum err_code rc =
        rows_open(&r, db, Q_WH_ENDPOINT, "read the webhook endpoint", ARGS(A_I64(id)), e);
    if (rc != E_OK)
        return rc;
    switch (rows_next(&r, e)) {
    case 1:
        break;
    case 0:
        return err_set(e, E_NOTFOUND, "There is no webhook endpoint %lld.", (long long)id);
    default:
        return rows_code(e);
    }
    memset(out, 0, sizeof *out);
    rows_read(&r, a, 0, COLS(endpoint_cols), out);
    out->secret = rows_blob(&r, a, 7, &out->secret_len);
    rows_close(&r);
    return E_OK;
}

static const struct col endpoints_cols[] = {
    COL_I64(struct wh_endpoint, id),
    COL_TEXT(struct wh_endpoint, url),
    COL_TEXT(struct wh_endpoint, description),
    COL_I64(struct wh_endpoint, events),
    COL_INT(struct wh_endpoint, enabled),
    COL_I64(struct wh_endpoint, created_at),
    COL_I64(struct wh_endpoint, updated_at),
    COL_I64(struct wh_endpoint, pending),
    COL_I64(struct wh_endpoint, failed),
    COL_I64(struct wh_endpoint, delivered),
    COL_I64(struct wh_endpoint, last_attempt_at),
};

enum err_code db_wh_endpoints(struct db *db, struct arena *a, struct wh_endpoint **out, size_t *n,
                              struct err *e)
{
    return rows_list(db, a, Q_WH_ENDPOINTS, "list the webhook endpoints", NOARGS,
                     COLS(endpoints_cols), sizeof **out, (void **)out, n, e);
}

enum err_code db_wh_subscribed(struct db *db, int64_t mask, int *yes, struct err *e)
{
    int64_t v = 0;
    enum err_code rc =
        rows_i64_of(db, Q_WH_SUBSCRIBED, "read the webhook endpoints", ARGS(A_I64(mask)), &v, e);
    *yes = rc == E_OK && v > 0;
    return rc;
}

enum err_code db_wh_queue(struct db *db, const char *msg_id, const char *type, const char *payload,
                          int64_t mask, int64_t only, int64_t now, int64_t *deliveries,
                          struct err *e)
{
    int64_t event_id = 0, changed = 0;
    enum err_code rc =
        rows_insert(db, Q_WH_EVENT_ADD, "queue a webhook event",
                    ARGS(A_TEXT(msg_id), A_TEXT(type), A_TEXT(payload), A_I64(now)), &event_id, e);
    if (rc == E_OK)
        rc = rows_exec(db, Q_WH_DELIVERIES_ADD, "queue a webhook event",
                       ARGS(A_I64(event_id), A_I64(mask), A_I64(only), A_I64(now)), &changed, e);
    if (rc == E_OK && deliveries)
        *deliveries = changed;
    return rc;
}

/* wh_due's and wh_deliveries' columns, in their order; wh_due's last two
 * (url, secret) are read by hand */
static const struct col delivery_cols[] = {
    COL_I64(struct wh_delivery, id),
    COL_I64(struct wh_delivery, event_id),
    COL_I64(struct wh_delivery, endpoint_id),
    COL_TEXT(struct wh_delivery, msg_id),
    COL_TEXT(struct wh_delivery, type),
    COL_TEXT(struct wh_delivery, payload),
    COL_TEXT(struct wh_delivery, status),
    COL_INT(struct wh_delivery, attempts),
    COL_INT(struct wh_delivery, last_status),
    COL_I64(struct wh_delivery, next_attempt_at),
    COL_I64(struct wh_delivery, last_attempt_at),
    COL_I64(struct wh_delivery, delivered_at),
    COL_I64(struct wh_delivery, created_at),
    COL_TEXT(struct wh_delivery, last_reply),
};

enum err_code db_wh_claim(struct db *db, struct arena *a, int64_t now, int64_t lease_until,
                          const int64_t *busy, size_t nbusy, struct wh_delivery *out, int *found,
                          struct err *e)
{
    return db_wh_claim_as(db, a, now, lease_until, "", busy, nbusy, out, found, e);
}

enum err_code db_wh_claim_as(struct db *db, struct arena *a, int64_t now, int64_t lease_until,
                             const char *owner, const int64_t *busy, size_t nbusy,
                             struct wh_delivery *out, int *found, struct err *e)
{
    int64_t b[WH_BUSY_MAX] = {0};
    struct rows r;
    for (size_t i = 0; i < nbusy && i < WH_BUSY_MAX; i++)
        b[i] = busy[i];
    enum err_code rc =
        rows_open(&r, db, Q_WH_DUE, "claim a webhook delivery",
                  ARGS(A_I64(now), A_I64(b[0]), A_I64(b[1]), A_I64(b[2]), A_I64(b[3]), A_I64(b[4]),
                       A_I64(b[5]), A_I64(b[6]), A_I64(b[7])),
                  e);
    _Static_assert(WH_BUSY_MAX == 8, "wh_due names eight busy endpoints");
    *found = 0;
    if (rc != E_OK)
        return rc;
    switch (rows_next(&r, e)) {
    case 1:
        break;
    case 0:
        return E_OK;
    default:
        return rows_code(e);
    }
    memset(out, 0, sizeof *out);
    rows_read(&r, a, 0, COLS(delivery_cols), out);
    out->url = rows_text(&r, a, 14);
    out->secret = rows_blob(&r, a, 15, &out->secret_len);
    out->status = "sending";
    out->attempts++;
    out->next_attempt_at = lease_until;
    rows_close(&r);
    rc = rows_exec(db, Q_WH_CLAIM, "claim a webhook delivery",
                   ARGS(A_I64(out->id), A_I64(lease_until), A_TEXT(owner)), NULL, e);
    if (rc == E_OK)
        *found = 1;
    return rc;
}

enum err_code db_wh_mark(struct db *db, int64_t id, const char *status, int64_t next_attempt_at,
                         int64_t at, int last_status, const char *last_reply, struct err *e)
{
    int64_t changed = 0;
    enum err_code rc = rows_exec(db, Q_WH_MARK, "mark a webhook delivery",
                                 ARGS(A_I64(id), A_TEXT(status), A_I64(next_attempt_at), A_I64(at),
                                      A_I64(last_status), A_TEXT(last_reply)),
                                 &changed, e);
    if (rc == E_OK && changed == 0)
        return err_set(e, E_CONFLICT, "webhook delivery %lld is no longer being sent",
                       (long long)id);
    return rc;
}

enum err_code db_wh_next_due(struct db *db, int64_t *at, int *found, int *enabled, struct err *e)
{
    struct rows r;
    enum err_code rc = rows_open(&r, db, Q_WH_NEXT_DUE, "read the webhook queue", NOARGS, e);
    *found = 0;
    *enabled = 0;
    if (rc != E_OK)
        return rc;
    switch (rows_next(&r, e)) {
    case 1:
        if (!rows_is_null(&r, 0)) {
            *at = rows_i64(&r, 0);
            *found = 1;
        }
        *enabled = rows_i64(&r, 1) != 0;
        rows_close(&r);
        return E_OK;
    case 0:
        return E_OK;
    default:
        return rows_code(e);
    }
}

enum err_code db_wh_deliveries(struct db *db, struct arena *a, int64_t endpoint_id,
                               const char *status, int limit, struct wh_delivery **out, size_t *n,
                               struct err *e)
{
    return rows_list(
        db, a, Q_WH_DELIVERIES, "list the webhook deliveries",
        ARGS(A_I64(endpoint_id), A_TEXT(status ? status : ""), A_I64(limit > 0 ? limit : 50)),
        COLS(delivery_cols), sizeof **out, (void **)out, n, e);
}

enum err_code db_wh_retry(struct db *db, int64_t id, int64_t now, int64_t *endpoint_id,
                          struct err *e)
{
    char status[16] = "";
    int64_t changed = 0;
    struct rows r;
    enum err_code rc =
        rows_open(&r, db, Q_WH_DELIVERY_STATE, "read the webhook delivery", ARGS(A_I64(id)), e);
    if (rc != E_OK)
        return rc;
    switch (rows_next(&r, e)) {
    case 1:
        *endpoint_id = rows_i64(&r, 0);
        snprintf(status, sizeof status, "%s", rows_peek_text(&r, 1));
        rows_close(&r);
        break;
    case 0:
        return err_set(e, E_NOTFOUND, "There is no webhook delivery %lld.", (long long)id);
    default:
        return rows_code(e);
    }
    if (strcmp(status, "sending") == 0)
        return err_set(e, E_CONFLICT,
                       "Delivery %lld is being sent right now; wait for its outcome.",
                       (long long)id);
    rc = rows_exec(db, Q_WH_RETRY, "send a webhook delivery again", ARGS(A_I64(id), A_I64(now)),
                   &changed, e);
    if (rc == E_OK && changed == 0)
        return err_set(e, E_CONFLICT, "The delivery changed meanwhile; try again.");
    return rc;
}

enum err_code db_wh_tally(struct db *db, struct wh_tally *out, struct err *e)
{
    static const char *const names[] = {"pending", "sending", "delivered", "failed"};
    int64_t v[4];
    enum err_code rc =
        rows_tally(db, Q_WH_TALLY, "count the webhook deliveries", names, v, 4, e);
    *out = (struct wh_tally){.pending = v[0], .sending = v[1], .delivered = v[2], .failed = v[3]};
    return rc;
}

enum err_code db_wh_purge(struct db *db, int64_t before, int64_t *deleted, struct err *e)
{
    enum err_code rc = rows_exec(db, Q_WH_PURGE_DELIVERIES, "purge the webhook log",
                                 ARGS(A_I64(before)), deleted, e);
    if (rc == E_OK) /* an event left without deliveries by a failure here goes next time */
        rc = rows_exec(db, Q_WH_PURGE_EVENTS, "purge the webhook log", NOARGS, NULL, e);
    return rc;
}
