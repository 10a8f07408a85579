-- Booking rules per location (twin of sqlite/0064; its comments say what
-- they are): NULL = the clinic's rule.
ALTER TABLE locations ADD COLUMN min_notice_minutes bigint
    CHECK (min_notice_minutes BETWEEN 0 AND 10080);
ALTER TABLE locations ADD COLUMN horizon_days bigint CHECK (horizon_days BETWEEN 1 AND 730);
ALTER TABLE locations ADD COLUMN late_cancel_hours bigint
    CHECK (late_cancel_hours BETWEEN 0 AND 336);
-- The close-out per location (0 = the whole clinic).
ALTER TABLE closeouts ADD COLUMN location_id bigint NOT NULL DEFAULT 0;
DROP INDEX closeouts_day;
CREATE INDEX closeouts_day ON closeouts (day, location_id, id);
