-- The audit log records the front desk marking a client's number opted out
-- of text messages, or back in (action 'opt_out' / 'opt_in', record
-- 'texts', record_id 0, the client, and the number in reason): consent to
-- be contacted is the client's say, so who changed it on their behalf is
-- kept like a change of their records.  A CHECK cannot be altered in
-- SQLite, so the table is rebuilt as 0044 did; rows, ids (AUTOINCREMENT),
-- indexes and the triggers that refuse any change are kept.
CREATE TABLE audit_log_new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,                 -- Unix seconds, UTC
    user_id    INTEGER NOT NULL DEFAULT 0,       -- the account, 0 for a client by manage link
    actor      TEXT NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
    role       TEXT NOT NULL CHECK (length(role) BETWEEN 1 AND 20),
    action     TEXT NOT NULL
               CHECK (action IN ('read', 'create', 'update', 'sign', 'addendum', 'refused',
                                 'issue', 'pay', 'refund', 'credit', 'count',
                                 'download', 'export', 'opt_out', 'opt_in')),
    record     TEXT NOT NULL
               CHECK (record IN ('intake', 'insurance', 'referral', 'note', 'invoice',
                                 'payment', 'refund', 'credit_note', 'closeout', 'superbill',
                                 'record', 'clients', 'appointments', 'invoices', 'payments',
                                 'texts')),
    record_id  INTEGER NOT NULL DEFAULT 0,
    client_id  INTEGER NOT NULL DEFAULT 0,
    address    TEXT NOT NULL DEFAULT '' CHECK (length(address) <= 64),
    via        TEXT NOT NULL DEFAULT 'staff'
               CHECK (via IN ('manage_link', 'proven_email', 'staff')),
    reason     TEXT NOT NULL DEFAULT '' CHECK (length(reason) <= 500)
);
INSERT INTO audit_log_new (id, at, user_id, actor, role, action, record, record_id, client_id,
                           address, via, reason)
SELECT id, at, user_id, actor, role, action, record, record_id, client_id, address, via, reason
FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_new RENAME TO audit_log;
CREATE INDEX audit_log_client ON audit_log (client_id, id);
CREATE INDEX audit_log_record ON audit_log (record, id);
-- an account's recent downloads, for [limits] record_downloads_per_hour
CREATE INDEX audit_log_user_action ON audit_log (user_id, action, at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log cannot be changed'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log cannot be changed'); END;
