-- A second version number, for appointments: it moves whenever an
-- appointment or a client is added, changed or deleted, so a server may
-- cache what it computes from them (a day's free slots, the staff day view)
-- and recompute it only when the number (or the clinic version) moved.
CREATE TABLE appointments_version (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    version  INTEGER NOT NULL
);
INSERT INTO appointments_version (id, version) VALUES (1, 1);

CREATE TRIGGER appointments_insert_bump AFTER INSERT ON appointments
BEGIN UPDATE appointments_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER appointments_update_bump AFTER UPDATE ON appointments
BEGIN UPDATE appointments_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER appointments_delete_bump AFTER DELETE ON appointments
BEGIN UPDATE appointments_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER clients_update_bump AFTER UPDATE ON clients
BEGIN UPDATE appointments_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER clients_delete_bump AFTER DELETE ON clients
BEGIN UPDATE appointments_version SET version = version + 1 WHERE id = 1; END;

-- The calendar of a range of days reads only these columns: a covering
-- index, so the read never visits the table.
CREATE INDEX appointments_busy ON appointments (start_at, busy_until, status, therapist_id, room_id);
