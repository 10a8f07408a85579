-- The clinic: services, therapists, rooms and the weekly shape of the week.
-- Times of day are minutes after local midnight (0..1440); weekdays 0 = Sunday.

CREATE TABLE services (
    id            TEXT PRIMARY KEY CHECK (id GLOB '[a-z0-9]*' AND length(id) BETWEEN 1 AND 64),
    name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    description   TEXT NOT NULL DEFAULT '',
    duration_min  INTEGER NOT NULL CHECK (duration_min BETWEEN 5 AND 480),
    buffer_min    INTEGER NOT NULL DEFAULT 0 CHECK (buffer_min BETWEEN 0 AND 240),
    price_cents   INTEGER NOT NULL CHECK (price_cents >= 0),
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    position      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE therapists (
    id            TEXT PRIMARY KEY CHECK (id GLOB '[a-z0-9]*' AND length(id) BETWEEN 1 AND 64),
    name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    title         TEXT NOT NULL DEFAULT '',
    bio           TEXT NOT NULL DEFAULT '',
    photo         TEXT NOT NULL DEFAULT '',
    photo_alt     TEXT NOT NULL DEFAULT '',
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    position      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE therapist_services (
    therapist_id  TEXT NOT NULL REFERENCES therapists(id) ON DELETE CASCADE,
    service_id    TEXT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    PRIMARY KEY (therapist_id, service_id)
) WITHOUT ROWID;

CREATE TABLE rooms (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 60)
);

-- A room suits the services listed for it.
CREATE TABLE room_services (
    room_id       INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    service_id    TEXT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    PRIMARY KEY (room_id, service_id)
) WITHOUT ROWID;

CREATE TABLE clinic_hours (
    weekday       INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    open_min      INTEGER NOT NULL CHECK (open_min BETWEEN 0 AND 1440),
    close_min     INTEGER NOT NULL CHECK (close_min BETWEEN 0 AND 1440),
    CHECK (open_min < close_min),
    PRIMARY KEY (weekday, open_min)
) WITHOUT ROWID;

-- kind 'work' = working hours, 'break' = a break inside them (e.g. lunch).
CREATE TABLE therapist_hours (
    therapist_id  TEXT NOT NULL REFERENCES therapists(id) ON DELETE CASCADE,
    weekday       INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    kind          TEXT NOT NULL CHECK (kind IN ('work', 'break')),
    start_min     INTEGER NOT NULL CHECK (start_min BETWEEN 0 AND 1440),
    end_min       INTEGER NOT NULL CHECK (end_min BETWEEN 0 AND 1440),
    CHECK (start_min < end_min),
    PRIMARY KEY (therapist_id, weekday, kind, start_min)
) WITHOUT ROWID;

CREATE TABLE closed_dates (
    date          TEXT PRIMARY KEY CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    reason        TEXT NOT NULL DEFAULT ''
);
