-- One number that changes whenever the clinic's set-up changes (services,
-- therapists, rooms, hours, closed dates, time off), so servers may cache
-- that set-up and reload it only when the number moved.  Appointments do not
-- bump it: they change all day and are always read fresh.
CREATE TABLE clinic_version (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    version  INTEGER NOT NULL
);
INSERT INTO clinic_version (id, version) VALUES (1, 1);

CREATE TRIGGER services_insert_bump AFTER INSERT ON services BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER services_update_bump AFTER UPDATE ON services BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER services_delete_bump AFTER DELETE ON services BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER therapists_insert_bump AFTER INSERT ON therapists BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER therapists_update_bump AFTER UPDATE ON therapists BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER therapists_delete_bump AFTER DELETE ON therapists BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER therapist_services_insert_bump AFTER INSERT ON therapist_services BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER therapist_services_update_bump AFTER UPDATE ON therapist_services BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER therapist_services_delete_bump AFTER DELETE ON therapist_services BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER rooms_insert_bump AFTER INSERT ON rooms BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER rooms_update_bump AFTER UPDATE ON rooms BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER rooms_delete_bump AFTER DELETE ON rooms BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER room_services_insert_bump AFTER INSERT ON room_services BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER room_services_update_bump AFTER UPDATE ON room_services BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER room_services_delete_bump AFTER DELETE ON room_services BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER clinic_hours_insert_bump AFTER INSERT ON clinic_hours BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER clinic_hours_update_bump AFTER UPDATE ON clinic_hours BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER clinic_hours_delete_bump AFTER DELETE ON clinic_hours BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER therapist_hours_insert_bump AFTER INSERT ON therapist_hours BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER therapist_hours_update_bump AFTER UPDATE ON therapist_hours BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER therapist_hours_delete_bump AFTER DELETE ON therapist_hours BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER closed_dates_insert_bump AFTER INSERT ON closed_dates BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER closed_dates_update_bump AFTER UPDATE ON closed_dates BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER closed_dates_delete_bump AFTER DELETE ON closed_dates BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER time_off_insert_bump AFTER INSERT ON time_off BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER time_off_update_bump AFTER UPDATE ON time_off BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER time_off_delete_bump AFTER DELETE ON time_off BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
