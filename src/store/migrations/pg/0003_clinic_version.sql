-- The clinic's version number (twin of sqlite/0003): it moves whenever the
-- clinic's set-up changes, in the same transaction, so servers may cache the
-- set-up and reload it only when the number moved.
--
-- In PostgreSQL the number is striped: 64 rows, and a change adds one to the
-- row of its connection (backend pid mod 64); the version is their sum.  A
-- single row would make every two concurrent changes conflict (SERIALIZABLE
-- fails the second with 40001 "concurrent update"); stripes keep the sum
-- exact -- it grows with every commit a snapshot sees -- without that.
CREATE TABLE clinic_version (
    id       bigint PRIMARY KEY CHECK (id BETWEEN 0 AND 63),
    version  bigint NOT NULL
);
INSERT INTO clinic_version (id, version) SELECT g, CASE WHEN g = 0 THEN 1 ELSE 0 END
FROM generate_series(0, 63) AS g;

CREATE OR REPLACE FUNCTION knead_bump_clinic() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE clinic_version SET version = version + 1 WHERE id = pg_backend_pid() % 64;
    RETURN NULL;
END $$;

CREATE TRIGGER services_bump AFTER INSERT OR UPDATE OR DELETE ON services
FOR EACH ROW EXECUTE FUNCTION knead_bump_clinic();
CREATE TRIGGER therapists_bump AFTER INSERT OR UPDATE OR DELETE ON therapists
FOR EACH ROW EXECUTE FUNCTION knead_bump_clinic();
CREATE TRIGGER therapist_services_bump AFTER INSERT OR UPDATE OR DELETE ON therapist_services
FOR EACH ROW EXECUTE FUNCTION knead_bump_clinic();
CREATE TRIGGER rooms_bump AFTER INSERT OR UPDATE OR DELETE ON rooms
FOR EACH ROW EXECUTE FUNCTION knead_bump_clinic();
CREATE TRIGGER room_services_bump AFTER INSERT OR UPDATE OR DELETE ON room_services
FOR EACH ROW EXECUTE FUNCTION knead_bump_clinic();
CREATE TRIGGER clinic_hours_bump AFTER INSERT OR UPDATE OR DELETE ON clinic_hours
FOR EACH ROW EXECUTE FUNCTION knead_bump_clinic();
CREATE TRIGGER therapist_hours_bump AFTER INSERT OR UPDATE OR DELETE ON therapist_hours
FOR EACH ROW EXECUTE FUNCTION knead_bump_clinic();
CREATE TRIGGER closed_dates_bump AFTER INSERT OR UPDATE OR DELETE ON closed_dates
FOR EACH ROW EXECUTE FUNCTION knead_bump_clinic();
CREATE TRIGGER time_off_bump AFTER INSERT OR UPDATE OR DELETE ON time_off
FOR EACH ROW EXECUTE FUNCTION knead_bump_clinic();
