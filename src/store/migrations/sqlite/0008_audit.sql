-- The audit log: every read and write of a client's health records (intake,
-- insurance, referrals, treatment notes) leaves one row here.  Rows are only
-- ever added: the triggers refuse UPDATE and DELETE, so nobody — not an
-- admin, not a demo reseed — can rewrite what was seen or changed.  No
-- foreign keys: the row keeps its meaning after a client is merged or an
-- account deactivated, and names are copied in as they were at the time.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,                 -- Unix seconds, UTC
    user_id    INTEGER NOT NULL DEFAULT 0,       -- the account, 0 for a client by manage link
    actor      TEXT NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
    role       TEXT NOT NULL CHECK (length(role) BETWEEN 1 AND 20),
    action     TEXT NOT NULL CHECK (action IN ('read', 'create', 'update', 'sign', 'addendum')),
    record     TEXT NOT NULL CHECK (record IN ('intake', 'insurance', 'referral', 'note')),
    record_id  INTEGER NOT NULL DEFAULT 0,
    client_id  INTEGER NOT NULL DEFAULT 0,
    address    TEXT NOT NULL DEFAULT '' CHECK (length(address) <= 64)
);
CREATE INDEX audit_log_client ON audit_log (client_id, id);
CREATE INDEX audit_log_record ON audit_log (record, id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log cannot be changed'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log cannot be changed'); END;
