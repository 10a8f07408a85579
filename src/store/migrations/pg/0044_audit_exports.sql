-- The audit log records downloads and exports too (twin of sqlite/0044).
-- SQLite rebuilds audit_log to change its CHECKs; PostgreSQL alters the
-- constraints in place, so the rows, the identity and the triggers that
-- refuse UPDATE, DELETE and TRUNCATE (0008) are untouched.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check
    CHECK (action IN ('read', 'create', 'update', 'sign', 'addendum', 'refused',
                      'issue', 'pay', 'refund', 'credit', 'count',
                      'download', 'export'));
ALTER TABLE audit_log DROP CONSTRAINT audit_log_record_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_record_check
    CHECK (record IN ('intake', 'insurance', 'referral', 'note', 'invoice',
                      'payment', 'refund', 'credit_note', 'closeout', 'superbill',
                      'record', 'clients', 'appointments', 'invoices', 'payments'));
-- an account's recent downloads, for [limits] record_downloads_per_hour
CREATE INDEX audit_log_user_action ON audit_log (user_id, action, at);
