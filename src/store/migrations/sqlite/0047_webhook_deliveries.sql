-- Webhook events and their deliveries (svc/webhook.c queues, mail/whsend.c
-- delivers).  An event is written in the transaction of the change that
-- caused it, with one delivery per enabled endpoint that asked for its
-- type, so a rolled-back change tells no one and a committed one is never
-- without its deliveries.  msg_id is the webhook-id header: the same on
-- every attempt, so a receiver can drop a repeat.  The payload is stored as
-- sent (JSON, no health data).
CREATE TABLE webhook_events (
    id         INTEGER PRIMARY KEY,
    msg_id     TEXT NOT NULL UNIQUE CHECK (length(msg_id) BETWEEN 5 AND 64),
    type       TEXT NOT NULL CHECK (length(type) BETWEEN 3 AND 60),
    payload    TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- A delivery's life: pending -> sending (claimed, leased until
-- next_attempt_at) -> delivered (a 2xx), or back to pending with a back-off,
-- or failed after [webhooks] max_attempts; "send again" makes any but a
-- sending one pending.  last_status: the HTTP status of the last reply (0 =
-- none: the connection failed); last_reply: the start of the reply's body
-- or what went wrong.  Times are real time (the worker's), not --now.
CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY,
    event_id        INTEGER NOT NULL REFERENCES webhook_events (id),
    endpoint_id     INTEGER NOT NULL REFERENCES webhook_endpoints (id),
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at INTEGER NOT NULL,
    last_status     INTEGER NOT NULL DEFAULT 0,
    last_reply      TEXT NOT NULL DEFAULT '' CHECK (length(last_reply) <= 2000),
    last_attempt_at INTEGER NOT NULL DEFAULT 0,
    delivered_at    INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
