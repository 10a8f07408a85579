-- sched_events' ids are never used twice.  The render worker reads the
-- waiting rows, renders them outside a transaction and then deletes them by
-- id in the transaction that queues their messages.  With two servers on one
-- database both workers may read the same row; the first deletes it, and a
-- plain INTEGER PRIMARY KEY then hands the same id to the next change stored
-- (SQLite reuses the largest rowid once it is deleted) -- which the second
-- worker's delete, still holding the old id, removed unrendered: a booking
-- answered 201 whose confirmation was never queued (test_two_servers KillNine,
-- about one run in five).  AUTOINCREMENT never reuses an id.  PostgreSQL's
-- ids come from a sequence and never were reused (its twin only says so).
CREATE TABLE sched_events_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('booked', 'moved', 'cancelled')),
    appointment_id INTEGER NOT NULL,
    token TEXT,
    by_staff INTEGER NOT NULL DEFAULT 0 CHECK (by_staff IN (0, 1)),
    at INTEGER NOT NULL,
    before_start INTEGER NOT NULL DEFAULT 0,
    before_end INTEGER NOT NULL DEFAULT 0,
    before_service_id TEXT NOT NULL DEFAULT '',
    before_therapist_id TEXT NOT NULL DEFAULT '',
    before_location_id INTEGER NOT NULL DEFAULT 0
);
INSERT INTO sched_events_new (id, kind, appointment_id, token, by_staff, at, before_start,
    before_end, before_service_id, before_therapist_id, before_location_id)
SELECT id, kind, appointment_id, token, by_staff, at, before_start, before_end,
    before_service_id, before_therapist_id, before_location_id FROM sched_events;
DROP TABLE sched_events;
ALTER TABLE sched_events_new RENAME TO sched_events;
