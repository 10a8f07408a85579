-- Booking rules per location (issue 10 §4): the notice a client must give,
-- how far ahead they may book, and the late-cancellation window may differ
-- by location (a downtown studio that fills in the morning, a rural one
-- that wants a day's notice).  NULL = the clinic's rule (0006); a service's
-- own rule still wins over both.  The start-time grid stays the clinic's
-- (one grid keeps the set-up's cache and the therapists' shifts aligned
-- across locations), and buffers stay the service's (they are about the
-- session, not the place).
ALTER TABLE locations ADD COLUMN min_notice_minutes INTEGER
    CHECK (min_notice_minutes BETWEEN 0 AND 10080);
ALTER TABLE locations ADD COLUMN horizon_days INTEGER CHECK (horizon_days BETWEEN 1 AND 730);
ALTER TABLE locations ADD COLUMN late_cancel_hours INTEGER
    CHECK (late_cancel_hours BETWEEN 0 AND 336);

-- The close-out per location: each location's drawer is counted on its
-- own (the takings of the payments for its appointments; a payment with no
-- appointment is the first location's).  0 = the whole clinic, as every
-- count before this one was.
ALTER TABLE closeouts ADD COLUMN location_id INTEGER NOT NULL DEFAULT 0;
DROP INDEX closeouts_day;
CREATE INDEX closeouts_day ON closeouts (day, location_id, id);
