-- A dead server's outbox claims (issue 10 §3).  Every running server keeps
-- a lease here (its random id, renewed every 2 s while it is alive, removed
-- when it stops); a message or a webhook delivery it claims names it in
-- claimed_by.  Another server may take a claim whose owner's lease has run
-- out (killed, or cut off from the database) at once instead of waiting for
-- the claim's own 300 s; a claim by a live owner waits as before.  Claims
-- made before this (claimed_by '') end with their next_attempt_at only.
CREATE TABLE server_leases (
    id          TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
    lease_until BIGINT NOT NULL
);
ALTER TABLE outbox ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_deliveries ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
