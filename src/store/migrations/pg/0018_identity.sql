-- Identity and who may see health data (twin of sqlite/0018).  SQLite
-- rebuilds audit_log to change a CHECK; PostgreSQL alters the constraint.
ALTER TABLE appointments ADD COLUMN contact_phone text NOT NULL DEFAULT '';
UPDATE appointments SET contact_phone = (SELECT phone FROM clients WHERE clients.id = client_id);

ALTER TABLE intakes ADD COLUMN appointment_id bigint NOT NULL DEFAULT 0;
ALTER TABLE intake_history ADD COLUMN appointment_id bigint NOT NULL DEFAULT 0;
ALTER TABLE insurance_checks ADD COLUMN appointment_id bigint NOT NULL DEFAULT 0;
CREATE INDEX insurance_checks_appointment ON insurance_checks (appointment_id, id);

-- The audit log gains the action "refused" and how the actor was identified.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check
    CHECK (action IN ('read', 'create', 'update', 'sign', 'addendum', 'refused'));
ALTER TABLE audit_log ADD COLUMN via text NOT NULL DEFAULT 'staff'
    CHECK (via IN ('manage_link', 'proven_email', 'staff'));
