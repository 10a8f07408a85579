-- Locations, the gaps (issue 10 §4).
--
-- A location is archived (archived_at, UTC seconds; 0 = in use) when the
-- clinic stops working there: it leaves booking, the public pages and the
-- API's list, but stays in the appointments' history, the reports and the
-- receipts.  It can be archived only when it holds no future live
-- appointment (svc/locations.c checks it in the archiving transaction), and
-- it can be restored.  Location 1 holds the clinic's defaults and is never
-- archived.
ALTER TABLE locations ADD COLUMN archived_at INTEGER NOT NULL DEFAULT 0;

-- A waitlist entry names the location it waits at, or none (NULL): any
-- location.  An offer is made only of a time freed at a location the entry
-- accepts, matched in that location's zone.  No foreign key: a location is
-- archived, not deleted, and an entry naming one that is gone matches no
-- freed time.
ALTER TABLE waitlist_entries ADD COLUMN location_id INTEGER;

-- The render worker offers a freed time to the waitlist after the change's
-- commit (0050): the event row keeps where the time was freed, since a move
-- may take the appointment to another location.  0 = the first location
-- (rows written before this).
ALTER TABLE sched_events ADD COLUMN before_location_id INTEGER NOT NULL DEFAULT 0;
