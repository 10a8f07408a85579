-- Calendar subscription feeds (/feeds/{token}.ics): one per therapist, and
-- one for the whole clinic (therapist_id NULL, for the front desk).  Only the
-- BLAKE2b hash of the 128-bit token is stored.  At most one feed per scope
-- (the expression index): a new token replaces the row, so the old address
-- stops answering at once.  A feed lives while the account that made it is
-- active (the store's lookup checks it), so a departing member of staff's
-- addresses die with their account.
CREATE TABLE calendar_feeds (
    id            INTEGER PRIMARY KEY,
    therapist_id  TEXT REFERENCES therapists(id) ON DELETE CASCADE,
    token_hash    BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_by    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX calendar_feeds_scope ON calendar_feeds (coalesce(therapist_id, ''));

-- A subscribed calendar replaces an event by its UID when its SEQUENCE grows:
-- every change of time, therapist, room, service or status counts one more.
ALTER TABLE appointments ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
CREATE TRIGGER appointments_revision
AFTER UPDATE OF start_at, end_at, therapist_id, room_id, service_id, status ON appointments
BEGIN UPDATE appointments SET revision = revision + 1 WHERE id = NEW.id; END;
