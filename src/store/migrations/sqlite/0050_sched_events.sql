-- What a booking, a move or a cancellation causes besides itself (the
-- client's e-mail, the front desk's note, the reminders of the old time, the
-- waitlist's offers of a freed time) used to be rendered inside the change's
-- writing transaction.  Now the transaction stores one small row here and the
-- render worker (src/mail/render.c) renders and queues the messages after the
-- commit, deleting the row in the transaction that queues them: a crash
-- between the two leaves the row, rendered when the server starts again.
-- token: the manage token of a booking (its confirmation's link), kept only
-- until the confirmation is rendered (the row is then deleted); before_*: the
-- appointment as it was, for a move or a cancellation; at: the change's "now".
CREATE TABLE sched_events (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('booked', 'moved', 'cancelled')),
    appointment_id INTEGER NOT NULL,
    token TEXT,
    by_staff INTEGER NOT NULL DEFAULT 0 CHECK (by_staff IN (0, 1)),
    at INTEGER NOT NULL,
    before_start INTEGER NOT NULL DEFAULT 0,
    before_end INTEGER NOT NULL DEFAULT 0,
    before_service_id TEXT NOT NULL DEFAULT '',
    before_therapist_id TEXT NOT NULL DEFAULT ''
);
