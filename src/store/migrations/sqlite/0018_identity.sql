-- knead: rebuild (the runner turns foreign keys off for this migration and
-- checks them all before it commits)
--
-- Identity and who may see health data: what a manage link may open, what a
-- booking gave, and how the actor of an audited read or write was identified.

-- The phone the booking gave, as typed.  A booking by an unproven address
-- that matches a stored client never changes that client's phone: the
-- front desk sees the difference on the appointment and accepts it (or not).
-- Older bookings take the phone their client has now.
ALTER TABLE appointments ADD COLUMN contact_phone TEXT NOT NULL DEFAULT '';
UPDATE appointments SET contact_phone = (SELECT phone FROM clients WHERE clients.id = client_id);

-- The appointment through whose manage link a health form or an insurance
-- check was entered (0: by the front desk, by a proven client, or before
-- this migration).  A manage link opens only its own appointment's entries.
ALTER TABLE intakes ADD COLUMN appointment_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE intake_history ADD COLUMN appointment_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE insurance_checks ADD COLUMN appointment_id INTEGER NOT NULL DEFAULT 0;
CREATE INDEX insurance_checks_appointment ON insurance_checks (appointment_id, id);

-- The audit log gains how the actor was identified (via) and the action
-- "refused" (a read that was not allowed, e.g. a therapist without a
-- treating relationship), and its ids are never reused (AUTOINCREMENT).
-- A CHECK cannot be altered in SQLite, so the table is rebuilt; the rows
-- are copied as they are, with via worked out from who wrote them.
CREATE TABLE audit_log_new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,                 -- Unix seconds, UTC
    user_id    INTEGER NOT NULL DEFAULT 0,       -- the account, 0 for a client by manage link
    actor      TEXT NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
    role       TEXT NOT NULL CHECK (length(role) BETWEEN 1 AND 20),
    action     TEXT NOT NULL
               CHECK (action IN ('read', 'create', 'update', 'sign', 'addendum', 'refused')),
    record     TEXT NOT NULL CHECK (record IN ('intake', 'insurance', 'referral', 'note')),
    record_id  INTEGER NOT NULL DEFAULT 0,
    client_id  INTEGER NOT NULL DEFAULT 0,
    address    TEXT NOT NULL DEFAULT '' CHECK (length(address) <= 64),
    via        TEXT NOT NULL DEFAULT 'staff'
               CHECK (via IN ('manage_link', 'proven_email', 'staff'))
);
INSERT INTO audit_log_new (id, at, user_id, actor, role, action, record, record_id, client_id,
                           address, via)
SELECT id, at, user_id, actor, role, action, record, record_id, client_id, address,
       CASE WHEN user_id = 0 THEN 'manage_link'
            WHEN role = 'client' THEN 'proven_email'
            ELSE 'staff' END
FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_new RENAME TO audit_log;
CREATE INDEX audit_log_client ON audit_log (client_id, id);
CREATE INDEX audit_log_record ON audit_log (record, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log cannot be changed'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log cannot be changed'); END;
