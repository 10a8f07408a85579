-- knead: rebuild
--
-- A client the front desk books with only a phone (issue 13 item 4): the
-- e-mail may be empty ('' = none given; never NULL, so every reader keeps
-- a string).  Only the desk books such a client; online booking, the
-- portal and the importer still ask for an address.  SQLite changes a
-- CHECK only by rebuilding the table: it is copied as it is, with its
-- indexes, triggers and AUTOINCREMENT counter.
CREATE TABLE clients_new (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    name              TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    email             TEXT NOT NULL CHECK (email = '' OR length(email) BETWEEN 3 AND 254),
    phone             TEXT NOT NULL DEFAULT '',
    created_at        INTEGER NOT NULL,
    user_id           INTEGER REFERENCES users(id) ON DELETE SET NULL,
    provider_customer TEXT NOT NULL DEFAULT '' CHECK (length(provider_customer) <= 100)
);
INSERT INTO clients_new (id, name, email, phone, created_at, user_id, provider_customer)
SELECT id, name, email, phone, created_at, user_id, provider_customer FROM clients;
-- the counter goes on from where it was (a merged-away number is never given again)
DELETE FROM sqlite_sequence WHERE name = 'clients_new';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'clients_new', max(coalesce((SELECT max(seq) FROM sqlite_sequence WHERE name = 'clients'), 0),
                          coalesce((SELECT max(id) FROM clients_new), 0));
DROP TABLE clients;
ALTER TABLE clients_new RENAME TO clients;
CREATE INDEX clients_email ON clients (email);
CREATE INDEX clients_user ON clients (user_id);
CREATE INDEX clients_email_nocase ON clients (email COLLATE NOCASE);
CREATE TRIGGER clients_update_bump AFTER UPDATE ON clients
BEGIN UPDATE appointments_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER clients_delete_bump AFTER DELETE ON clients
BEGIN UPDATE appointments_version SET version = version + 1 WHERE id = 1; END;
