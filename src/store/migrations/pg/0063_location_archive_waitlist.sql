-- Locations, the gaps (twin of sqlite/0063; its comments say what they
-- are): a location's archiving time, and a waitlist entry's location
-- (NULL = any).
ALTER TABLE locations ADD COLUMN archived_at bigint NOT NULL DEFAULT 0;
ALTER TABLE waitlist_entries ADD COLUMN location_id bigint;
ALTER TABLE sched_events ADD COLUMN before_location_id bigint NOT NULL DEFAULT 0;
