-- A secret a queued message carries (a gift card's code) is not kept in
-- its body: the body holds it masked ("****-****-****-ABCD"), and the code
-- itself sits here sealed (XSalsa20-Poly1305) under a key that lives in a
-- file outside the database ([webhooks] key_file).  The delivery worker
-- (src/mail/outbox.c) opens it only to send; when the message is marked
-- sent (or deleted) its seal goes, so what stays shows the last four only.
-- A copy of the database or of a backup therefore holds no spendable code.
CREATE TABLE outbox_seals (
    outbox_id INTEGER PRIMARY KEY,
    sealed    BLOB NOT NULL CHECK (length(sealed) BETWEEN 1 AND 256)
);
CREATE TRIGGER outbox_seal_sent AFTER UPDATE OF status ON outbox
WHEN NEW.status = 'sent'
BEGIN
    DELETE FROM outbox_seals WHERE outbox_id = NEW.id;
END;
CREATE TRIGGER outbox_seal_deleted AFTER DELETE ON outbox
BEGIN
    DELETE FROM outbox_seals WHERE outbox_id = OLD.id;
END;
