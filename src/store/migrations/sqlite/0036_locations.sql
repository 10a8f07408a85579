-- knead: rebuild
-- Locations (issue 10 §4): a clinic has one or more, each with its own
-- address, timezone, opening hours, closed dates and rooms; a therapist's
-- working hours and breaks belong to a location (hours per location and
-- weekday).  An appointment's location is its room's.
--
-- Location 1 is the clinic's first location and always exists: every
-- database before this one becomes that one location, holding its rooms,
-- hours and closed dates.  Its address and timezone start empty, which
-- reads as the config file's [clinic] address and timezone (what they were
-- until now); the admin may set them on /admin/locations.

CREATE TABLE locations (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 80),
    address       TEXT NOT NULL DEFAULT '' CHECK (length(address) <= 200),
    timezone      TEXT NOT NULL DEFAULT '' CHECK (length(timezone) <= 64),
    position      INTEGER NOT NULL DEFAULT 0
);
INSERT INTO locations (id, name) VALUES (1, 'Main clinic');
CREATE TRIGGER locations_keep_first BEFORE DELETE ON locations WHEN OLD.id = 1
BEGIN SELECT RAISE(ABORT, 'the first location cannot be removed'); END;

ALTER TABLE rooms ADD COLUMN location_id INTEGER NOT NULL DEFAULT 1 REFERENCES locations(id);
CREATE INDEX rooms_location ON rooms (location_id);

CREATE TABLE clinic_hours_new (
    location_id   INTEGER NOT NULL DEFAULT 1 REFERENCES locations(id),
    weekday       INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    open_min      INTEGER NOT NULL CHECK (open_min BETWEEN 0 AND 1440),
    close_min     INTEGER NOT NULL CHECK (close_min BETWEEN 0 AND 1440),
    CHECK (open_min < close_min),
    PRIMARY KEY (location_id, weekday, open_min)
) WITHOUT ROWID;
INSERT INTO clinic_hours_new (location_id, weekday, open_min, close_min)
SELECT 1, weekday, open_min, close_min FROM clinic_hours;
DROP TABLE clinic_hours;
ALTER TABLE clinic_hours_new RENAME TO clinic_hours;

CREATE TABLE therapist_hours_new (
    therapist_id  TEXT NOT NULL REFERENCES therapists(id) ON DELETE CASCADE,
    location_id   INTEGER NOT NULL DEFAULT 1 REFERENCES locations(id),
    weekday       INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    kind          TEXT NOT NULL CHECK (kind IN ('work', 'break')),
    start_min     INTEGER NOT NULL CHECK (start_min BETWEEN 0 AND 1440),
    end_min       INTEGER NOT NULL CHECK (end_min BETWEEN 0 AND 1440),
    CHECK (start_min < end_min),
    PRIMARY KEY (therapist_id, location_id, weekday, kind, start_min)
) WITHOUT ROWID;
INSERT INTO therapist_hours_new (therapist_id, location_id, weekday, kind, start_min, end_min)
SELECT therapist_id, 1, weekday, kind, start_min, end_min FROM therapist_hours;
DROP TABLE therapist_hours;
ALTER TABLE therapist_hours_new RENAME TO therapist_hours;

CREATE TABLE closed_dates_new (
    location_id   INTEGER NOT NULL DEFAULT 1 REFERENCES locations(id),
    date          TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    reason        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (location_id, date)
) WITHOUT ROWID;
INSERT INTO closed_dates_new (location_id, date, reason) SELECT 1, date, reason FROM closed_dates;
DROP TABLE closed_dates;
ALTER TABLE closed_dates_new RENAME TO closed_dates;

-- The set-up cache keys on clinic_version (0003): the rebuilt tables get
-- their triggers again, and locations get theirs.
CREATE TRIGGER clinic_hours_insert_bump AFTER INSERT ON clinic_hours BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER clinic_hours_update_bump AFTER UPDATE ON clinic_hours BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER clinic_hours_delete_bump AFTER DELETE ON clinic_hours BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER therapist_hours_insert_bump AFTER INSERT ON therapist_hours BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER therapist_hours_update_bump AFTER UPDATE ON therapist_hours BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER therapist_hours_delete_bump AFTER DELETE ON therapist_hours BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER closed_dates_insert_bump AFTER INSERT ON closed_dates BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER closed_dates_update_bump AFTER UPDATE ON closed_dates BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER closed_dates_delete_bump AFTER DELETE ON closed_dates BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER locations_insert_bump AFTER INSERT ON locations BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER locations_update_bump AFTER UPDATE ON locations BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER locations_delete_bump AFTER DELETE ON locations BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
