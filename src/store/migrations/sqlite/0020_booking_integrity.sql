-- Booking integrity (the Trust issue, items 4-6): what the front desk did to
-- an appointment, the one-time tokens of the booking form, and idempotency
-- keys that expire and remember who asked.

-- Each status change the front desk makes, each same-day undo, and each
-- booking the desk made over an overlapping appointment of the same client
-- (kind 'overlap', with the desk's reason).  Rows are never changed; they
-- go only with their appointment (the demo's wipe).  actor: the account's
-- e-mail as it was at the time.
CREATE TABLE appointment_events (
    id             INTEGER PRIMARY KEY,
    appointment_id INTEGER NOT NULL REFERENCES appointments(id) ON DELETE CASCADE,
    at             INTEGER NOT NULL,                  -- Unix seconds, UTC
    user_id        INTEGER NOT NULL DEFAULT 0,
    actor          TEXT NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
    kind           TEXT NOT NULL CHECK (kind IN ('status', 'undo', 'overlap')),
    from_status    TEXT NOT NULL DEFAULT '',
    to_status      TEXT NOT NULL DEFAULT '',
    reason         TEXT NOT NULL DEFAULT '' CHECK (length(reason) <= 500)
);
CREATE INDEX appointment_events_appt ON appointment_events (appointment_id, id);
CREATE TRIGGER appointment_events_no_update BEFORE UPDATE ON appointment_events
BEGIN SELECT RAISE(ABORT, 'appointment events cannot be changed'); END;

-- The one-time token of a /book details form, once it has booked: a second
-- submit of the same form (Back, then Book again) finds the booking here.
-- The manage token is kept sealed with a key derived from the form token,
-- which is stored only hashed, so this table alone opens no appointment.
CREATE TABLE book_form_tokens (
    token_hash     BLOB PRIMARY KEY,
    appointment_id INTEGER NOT NULL REFERENCES appointments(id) ON DELETE CASCADE,
    sealed         BLOB NOT NULL,
    created_at     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX book_form_tokens_created ON book_form_tokens (created_at);

-- Idempotency keys are now written in the booking's own transaction with
-- its answer (never "in progress"), expire after 24 hours, and remember the
-- address that asked; the manage token is sealed with a key derived from
-- the key and the exact request body.  The rows of older versions go: they
-- hold manage links in clear (and reservations a crash may have left stuck);
-- a retry of such a request books afresh, and the client-overlap rule keeps
-- it from becoming a second appointment.
DELETE FROM idempotency;
ALTER TABLE idempotency ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE idempotency ADD COLUMN sealed BLOB;
CREATE INDEX idempotency_created ON idempotency (created_at);
