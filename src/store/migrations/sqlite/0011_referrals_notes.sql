-- The clinical record, part 1: doctors' referrals and treatment notes.
-- (0009 and 0010 belong to other changes; migrations apply by number, each
-- once, whatever order they arrive in.)
--
-- A referral belongs to a client; dates are the clinic's local days
-- (YYYY-MM-DD).  Which appointments count against it is a rule of
-- core/referral.c, not of the schema.
CREATE TABLE referrals (
    id          INTEGER PRIMARY KEY,
    client_id   INTEGER NOT NULL REFERENCES clients (id),
    physician   TEXT NOT NULL CHECK (length(physician) BETWEEN 1 AND 200),
    practice    TEXT NOT NULL DEFAULT '' CHECK (length(practice) <= 200),
    phone       TEXT NOT NULL DEFAULT '' CHECK (length(phone) <= 40),
    referred_on TEXT NOT NULL CHECK (referred_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    diagnosis   TEXT NOT NULL CHECK (length(diagnosis) BETWEEN 1 AND 2000),
    icd10       TEXT NOT NULL DEFAULT '' CHECK (length(icd10) <= 8),
    visits      INTEGER NOT NULL CHECK (visits BETWEEN 1 AND 100),
    valid_until TEXT NOT NULL CHECK (valid_until GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
                                     AND valid_until >= referred_on),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX referrals_client ON referrals (client_id, referred_on);

-- One SOAP note per appointment, with the recommendations the client sees
-- once it is signed.  Lists (areas, techniques, stretches, providers) are
-- comma-separated keys from fixed vocabularies in web/notes.c.  A signed
-- note never changes: the trigger refuses every UPDATE of a row whose
-- signed_at is set; later additions are addenda.
CREATE TABLE treatment_notes (
    id              INTEGER PRIMARY KEY,
    appointment_id  INTEGER NOT NULL UNIQUE REFERENCES appointments (id),
    subjective      TEXT NOT NULL DEFAULT '' CHECK (length(subjective) <= 4000),
    objective       TEXT NOT NULL DEFAULT '' CHECK (length(objective) <= 4000),
    assessment      TEXT NOT NULL DEFAULT '' CHECK (length(assessment) <= 4000),
    plan            TEXT NOT NULL DEFAULT '' CHECK (length(plan) <= 4000),
    areas           TEXT NOT NULL DEFAULT '' CHECK (length(areas) <= 500),
    techniques      TEXT NOT NULL DEFAULT '' CHECK (length(techniques) <= 500),
    pressure        TEXT NOT NULL DEFAULT '' CHECK (pressure IN ('', 'light', 'medium', 'firm', 'deep')),
    rest            INTEGER NOT NULL DEFAULT 0 CHECK (rest IN (0, 1)),
    heat_cold       INTEGER NOT NULL DEFAULT 0 CHECK (heat_cold IN (0, 1)),
    stretches       TEXT NOT NULL DEFAULT '' CHECK (length(stretches) <= 500),
    home_care       TEXT NOT NULL DEFAULT '' CHECK (length(home_care) <= 2000),
    providers       TEXT NOT NULL DEFAULT '' CHECK (length(providers) <= 200),
    provider_reason TEXT NOT NULL DEFAULT '' CHECK (length(provider_reason) <= 1000),
    next_weeks      INTEGER NOT NULL DEFAULT 0 CHECK (next_weeks BETWEEN 0 AND 26),
    author_id       INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    signed_by       TEXT,
    signed_by_id    INTEGER,
    signed_at       INTEGER
);

CREATE TRIGGER treatment_notes_signed_locked BEFORE UPDATE ON treatment_notes
WHEN OLD.signed_at IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a signed note cannot be changed; add an addendum'); END;

-- Addenda to a signed note: added, never changed.
CREATE TABLE note_addenda (
    id         INTEGER PRIMARY KEY,
    note_id    INTEGER NOT NULL REFERENCES treatment_notes (id),
    body       TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    author     TEXT NOT NULL CHECK (length(author) BETWEEN 1 AND 200),
    author_id  INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX note_addenda_note ON note_addenda (note_id, id);

CREATE TRIGGER note_addenda_signed_only BEFORE INSERT ON note_addenda
WHEN (SELECT signed_at FROM treatment_notes WHERE id = NEW.note_id) IS NULL
BEGIN SELECT RAISE(ABORT, 'only a signed note takes addenda'); END;
CREATE TRIGGER note_addenda_no_update BEFORE UPDATE ON note_addenda
BEGIN SELECT RAISE(ABORT, 'an addendum cannot be changed'); END;
