-- A second version number, for appointments: it moves whenever an
-- appointment is added, deleted, moved, or changes status, therapist or
-- room, so a server may cache a day's free slots and recompute them only
-- when the number (or the clinic version, or the minute) moved.  Edits that
-- cannot change availability (notes, the client's details) leave it alone.
CREATE TABLE appointments_version (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    version  INTEGER NOT NULL
);
INSERT INTO appointments_version (id, version) VALUES (1, 1);

CREATE TRIGGER appointments_insert_bump AFTER INSERT ON appointments
BEGIN UPDATE appointments_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER appointments_update_bump
AFTER UPDATE OF status, start_at, busy_until, therapist_id, room_id ON appointments
BEGIN UPDATE appointments_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER appointments_delete_bump AFTER DELETE ON appointments
BEGIN UPDATE appointments_version SET version = version + 1 WHERE id = 1; END;

-- The calendar of a range of days reads only these columns: a covering
-- index, so the read never visits the table.
CREATE INDEX appointments_busy ON appointments (start_at, busy_until, status, therapist_id, room_id);
