-- The audit log records the front desk marking a client's number opted out
-- of text messages, or back in (twin of sqlite/0054): action 'opt_out' /
-- 'opt_in', record 'texts'.  PostgreSQL alters the constraints in place, so
-- the rows, the identity and the triggers that refuse UPDATE, DELETE and
-- TRUNCATE (0008) are untouched.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check
    CHECK (action IN ('read', 'create', 'update', 'sign', 'addendum', 'refused',
                      'issue', 'pay', 'refund', 'credit', 'count',
                      'download', 'export', 'opt_out', 'opt_in'));
ALTER TABLE audit_log DROP CONSTRAINT audit_log_record_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_record_check
    CHECK (record IN ('intake', 'insurance', 'referral', 'note', 'invoice',
                      'payment', 'refund', 'credit_note', 'closeout', 'superbill',
                      'record', 'clients', 'appointments', 'invoices', 'payments',
                      'texts'));
