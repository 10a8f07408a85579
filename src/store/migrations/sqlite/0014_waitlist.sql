-- The waitlist (issue 6): clients who asked to be told when a time opens,
-- and the offers made to them when one does.  An entry's private link
-- carries a token of 128 random bits; like a manage token, only its
-- BLAKE2b hash is stored, and so for each offer's claim link.
--
-- An entry is 'active' until the client leaves ('left') or books through
-- an offer ('booked').  An offer is 'open' until it is claimed ('claimed',
-- with the appointment), or another client claimed the same time first
-- ('taken'); an open offer past expires_at is expired (not rewritten).
CREATE TABLE waitlist_entries (
    id           INTEGER PRIMARY KEY,
    token_hash   BLOB NOT NULL UNIQUE,
    service_id   TEXT NOT NULL REFERENCES services(id),
    therapist_id TEXT REFERENCES therapists(id),       -- NULL = any therapist
    date_from    TEXT NOT NULL CHECK (date_from GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    date_to      TEXT NOT NULL CHECK (date_to GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
                                      AND date_to >= date_from),
    days         INTEGER NOT NULL CHECK (days BETWEEN 1 AND 127),  -- bit 0 = Sunday
    time_from    INTEGER NOT NULL CHECK (time_from BETWEEN 0 AND 1439),
    time_to      INTEGER NOT NULL CHECK (time_to BETWEEN 1 AND 1440 AND time_to > time_from),
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    email        TEXT NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    phone        TEXT NOT NULL DEFAULT '' CHECK (length(phone) <= 40),
    status       TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'left', 'booked')),
    created_at   INTEGER NOT NULL,
    closed_at    INTEGER                                -- when it left 'active'
);
CREATE INDEX waitlist_entries_active ON waitlist_entries (service_id, status, id);
-- the count of active entries in the staff navigation, read on every staff page
CREATE INDEX waitlist_entries_status ON waitlist_entries (status);

CREATE TABLE waitlist_offers (
    id             INTEGER PRIMARY KEY,
    entry_id       INTEGER NOT NULL REFERENCES waitlist_entries(id) ON DELETE CASCADE,
    token_hash     BLOB NOT NULL UNIQUE,
    service_id     TEXT NOT NULL REFERENCES services(id),
    therapist_id   TEXT NOT NULL REFERENCES therapists(id), -- whose time came free
    start          INTEGER NOT NULL,                  -- Unix seconds, UTC
    freed_by       INTEGER NOT NULL,                  -- the appointment that left it
    status         TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'claimed', 'taken')),
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    appointment_id INTEGER                            -- the booking of a claim
);
-- An entry holds at most one open, unexpired offer of one therapist's start
-- (a time freed, booked again and freed again is offered anew only once the
-- first offer has ended); the insert checks it (Q_WL_OFFER_ADD).
CREATE INDEX waitlist_offers_slot ON waitlist_offers (therapist_id, start, status);
CREATE INDEX waitlist_offers_entry ON waitlist_offers (entry_id, status);
