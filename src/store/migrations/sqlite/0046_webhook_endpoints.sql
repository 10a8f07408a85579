-- Webhooks (svc/webhook.c): the addresses an admin asked to be told of
-- changes at, on /admin/webhooks.  events is a bit mask of the event types
-- (svc/webhook.h, WH_EV_*), so an event finds its endpoints with one AND.
-- secret holds the endpoint's signing secret sealed (XSalsa20-Poly1305)
-- under a key kept outside the database ([webhooks] key_file), so a copy of
-- the database alone signs nothing.  Endpoints are disabled, never deleted:
-- their deliveries stay in the log.
CREATE TABLE webhook_endpoints (
    id          INTEGER PRIMARY KEY,
    url         TEXT NOT NULL CHECK (length(url) BETWEEN 10 AND 2000),
    description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 200),
    events      INTEGER NOT NULL CHECK (events > 0),
    secret      BLOB NOT NULL,
    enabled     INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
