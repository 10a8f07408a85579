-- Online booking: clients, appointments, time off, per-service booking rules
-- and idempotent API retries.  Instants are UTC seconds since the epoch.

-- A service may override the clinic's booking rules; NULL = the clinic's.
ALTER TABLE services ADD COLUMN min_notice_minutes INTEGER CHECK (min_notice_minutes BETWEEN 0 AND 10080);
ALTER TABLE services ADD COLUMN horizon_days INTEGER CHECK (horizon_days BETWEEN 1 AND 730);
ALTER TABLE services ADD COLUMN late_cancel_hours INTEGER CHECK (late_cancel_hours BETWEEN 0 AND 336);

CREATE TABLE clients (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    email         TEXT NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    phone         TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL
);
CREATE INDEX clients_email ON clients (email);

-- status: booked → checked_in → completed, or no_show, or cancelled.
CREATE TABLE appointments (
    id            INTEGER PRIMARY KEY,
    service_id    TEXT NOT NULL REFERENCES services(id),
    therapist_id  TEXT NOT NULL REFERENCES therapists(id),
    room_id       INTEGER NOT NULL REFERENCES rooms(id),
    client_id     INTEGER NOT NULL REFERENCES clients(id),
    start_at      INTEGER NOT NULL,
    end_at        INTEGER NOT NULL,
    busy_until    INTEGER NOT NULL,          -- end_at plus the service's buffer
    status        TEXT NOT NULL DEFAULT 'booked'
                  CHECK (status IN ('booked', 'checked_in', 'completed', 'no_show', 'cancelled')),
    notes         TEXT NOT NULL DEFAULT '',
    token_hash    BLOB NOT NULL UNIQUE,      -- BLAKE2b of the manage token; the token is never stored
    source        TEXT NOT NULL DEFAULT 'online' CHECK (source IN ('online', 'staff')),
    created_at    INTEGER NOT NULL,
    cancelled_at  INTEGER,
    cancel_late   INTEGER NOT NULL DEFAULT 0 CHECK (cancel_late IN (0, 1)),
    cancel_reason TEXT NOT NULL DEFAULT '',
    CHECK (start_at < end_at AND end_at <= busy_until)
);
CREATE INDEX appointments_therapist ON appointments (therapist_id, start_at);
CREATE INDEX appointments_room ON appointments (room_id, start_at);
CREATE INDEX appointments_start ON appointments (start_at);

CREATE TABLE time_off (
    id            INTEGER PRIMARY KEY,
    therapist_id  TEXT NOT NULL REFERENCES therapists(id) ON DELETE CASCADE,
    start_at      INTEGER NOT NULL,
    end_at        INTEGER NOT NULL,
    reason        TEXT NOT NULL DEFAULT '',
    CHECK (start_at < end_at)
);
CREATE INDEX time_off_therapist ON time_off (therapist_id, start_at);

-- The first answer to a POST with an Idempotency-Key, replayed to retries.
CREATE TABLE idempotency (
    key           TEXT PRIMARY KEY,
    request_hash  BLOB NOT NULL,
    status        INTEGER NOT NULL,
    body          TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);
