-- The appointments' version number (twin of sqlite/0009), striped as the
-- clinic's is (0003): it moves with every change of an appointment or a client.
CREATE TABLE appointments_version (
    id       bigint PRIMARY KEY CHECK (id BETWEEN 0 AND 63),
    version  bigint NOT NULL
);
INSERT INTO appointments_version (id, version) SELECT g, CASE WHEN g = 0 THEN 1 ELSE 0 END
FROM generate_series(0, 63) AS g;

CREATE OR REPLACE FUNCTION knead_bump_appointments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE appointments_version SET version = version + 1 WHERE id = pg_backend_pid() % 64;
    RETURN NULL;
END $$;

CREATE TRIGGER appointments_bump AFTER INSERT OR UPDATE OR DELETE ON appointments
FOR EACH ROW EXECUTE FUNCTION knead_bump_appointments();
CREATE TRIGGER clients_bump AFTER UPDATE OR DELETE ON clients
FOR EACH ROW EXECUTE FUNCTION knead_bump_appointments();

CREATE INDEX appointments_busy ON appointments (start_at, busy_until, status, therapist_id, room_id);
