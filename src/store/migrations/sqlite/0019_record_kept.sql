-- knead: rebuild (the runner turns foreign keys off for this migration and
-- checks them all before it commits)
--
-- The clinical record cannot be erased: a signed note refuses DELETE as it
-- refuses UPDATE, an addendum refuses both; and the ids of clients, notes
-- and addenda are never reused (AUTOINCREMENT), so an audit row keeps
-- naming the record it named.  SQLite adds AUTOINCREMENT only by rebuilding
-- a table: each is copied as it is, with its indexes and triggers.

-- clients (columns of 0002 and 0015)
CREATE TABLE clients_new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    email         TEXT NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    phone         TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    user_id       INTEGER REFERENCES users(id) ON DELETE SET NULL
);
INSERT INTO clients_new (id, name, email, phone, created_at, user_id)
SELECT id, name, email, phone, created_at, user_id FROM clients;
DROP TABLE clients;
ALTER TABLE clients_new RENAME TO clients;
CREATE INDEX clients_email ON clients (email);
CREATE INDEX clients_user ON clients (user_id);
CREATE INDEX clients_email_nocase ON clients (email COLLATE NOCASE);
CREATE TRIGGER clients_update_bump AFTER UPDATE ON clients
BEGIN UPDATE appointments_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER clients_delete_bump AFTER DELETE ON clients
BEGIN UPDATE appointments_version SET version = version + 1 WHERE id = 1; END;
-- a number the audit log names (a client merged away) is never given again
DELETE FROM sqlite_sequence WHERE name = 'clients';
INSERT INTO sqlite_sequence (name, seq)
VALUES ('clients', max(coalesce((SELECT max(id) FROM clients), 0),
                       coalesce((SELECT max(client_id) FROM audit_log), 0)));

-- treatment notes and their addenda (columns of 0011); the addenda go first,
-- as their trigger reads treatment_notes
CREATE TABLE note_addenda_new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    note_id    INTEGER NOT NULL REFERENCES treatment_notes (id),
    body       TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    author     TEXT NOT NULL CHECK (length(author) BETWEEN 1 AND 200),
    author_id  INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
INSERT INTO note_addenda_new SELECT id, note_id, body, author, author_id, created_at
FROM note_addenda;
DROP TABLE note_addenda;

CREATE TABLE treatment_notes_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
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
INSERT INTO treatment_notes_new SELECT id, appointment_id, subjective, objective, assessment,
    plan, areas, techniques, pressure, rest, heat_cold, stretches, home_care, providers,
    provider_reason, next_weeks, author_id, created_at, updated_at, signed_by, signed_by_id,
    signed_at FROM treatment_notes;
DROP TABLE treatment_notes;
ALTER TABLE treatment_notes_new RENAME TO treatment_notes;
ALTER TABLE note_addenda_new RENAME TO note_addenda;
CREATE INDEX note_addenda_note ON note_addenda (note_id, id);
-- the numbers the audit log names are never given again
DELETE FROM sqlite_sequence WHERE name IN ('treatment_notes', 'note_addenda');
INSERT INTO sqlite_sequence (name, seq)
VALUES ('treatment_notes', max(coalesce((SELECT max(id) FROM treatment_notes), 0),
                               coalesce((SELECT max(record_id) FROM audit_log
                                         WHERE record = 'note'), 0))),
       ('note_addenda', coalesce((SELECT max(id) FROM note_addenda), 0));

CREATE TRIGGER treatment_notes_signed_locked BEFORE UPDATE ON treatment_notes
WHEN OLD.signed_at IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a signed note cannot be changed; add an addendum'); END;
CREATE TRIGGER treatment_notes_signed_kept BEFORE DELETE ON treatment_notes
WHEN OLD.signed_at IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a signed note cannot be deleted'); END;
CREATE TRIGGER note_addenda_signed_only BEFORE INSERT ON note_addenda
WHEN (SELECT signed_at FROM treatment_notes WHERE id = NEW.note_id) IS NULL
BEGIN SELECT RAISE(ABORT, 'only a signed note takes addenda'); END;
CREATE TRIGGER note_addenda_no_update BEFORE UPDATE ON note_addenda
BEGIN SELECT RAISE(ABORT, 'an addendum cannot be changed'); END;
CREATE TRIGGER note_addenda_no_delete BEFORE DELETE ON note_addenda
BEGIN SELECT RAISE(ABORT, 'an addendum cannot be deleted'); END;
