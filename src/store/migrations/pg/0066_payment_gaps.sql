-- The payment gaps of issue 11 (twin of sqlite/0066).
--
-- 1. A checkout paid with another amount or currency than we asked: what
--    came, '' = none.
ALTER TABLE checkouts ADD COLUMN mismatch text NOT NULL DEFAULT ''
    CHECK (length(mismatch) <= 200);

-- 2. A completed payment may leave an invoice voided in full (credit notes
--    of its whole total) to be the client's credit; every other change stays
--    refused as in 0039.  A trigger's WHEN takes no subquery: the test is a
--    function.
CREATE FUNCTION knead_invoice_voided(inv bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT i.total_cents - (SELECT coalesce(sum(c.amount_cents), 0)
                                             FROM credit_notes c WHERE c.invoice_id = i.id)
                     FROM invoices i WHERE i.id = inv) <= 0, false)
$$;
DROP TRIGGER payments_no_update ON payments;
CREATE TRIGGER payments_no_update BEFORE UPDATE ON payments
FOR EACH ROW WHEN (NEW.id IS DISTINCT FROM OLD.id OR NEW.method IS DISTINCT FROM OLD.method
  OR NEW.amount_cents IS DISTINCT FROM OLD.amount_cents
  OR NEW.tendered_cents IS DISTINCT FROM OLD.tendered_cents
  OR NEW.appointment_id IS DISTINCT FROM OLD.appointment_id
  OR NEW.idem_key IS DISTINCT FROM OLD.idem_key OR NEW.created_at IS DISTINCT FROM OLD.created_at
  OR NEW.created_by IS DISTINCT FROM OLD.created_by
  OR NEW.created_by_name IS DISTINCT FROM OLD.created_by_name
  OR (NEW.invoice_id IS DISTINCT FROM OLD.invoice_id AND OLD.invoice_id IS NOT NULL
      AND NOT (NEW.invoice_id IS NULL AND OLD.status = 'completed'
               AND knead_invoice_voided(OLD.invoice_id)))
  OR ((NEW.status IS DISTINCT FROM OLD.status OR NEW.reference IS DISTINCT FROM OLD.reference)
      AND OLD.status <> 'pending'))
EXECUTE FUNCTION knead_refuse('a payment cannot be changed; refund it');

-- 3. The audit log: package credits used and returned, checkouts refused.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check
    CHECK (action IN ('read', 'create', 'update', 'sign', 'addendum', 'refused',
                      'issue', 'pay', 'refund', 'credit', 'count',
                      'download', 'export', 'opt_out', 'opt_in', 'use', 'return'));
ALTER TABLE audit_log DROP CONSTRAINT audit_log_record_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_record_check
    CHECK (record IN ('intake', 'insurance', 'referral', 'note', 'invoice',
                      'payment', 'refund', 'credit_note', 'closeout', 'superbill',
                      'record', 'clients', 'appointments', 'invoices', 'payments',
                      'texts', 'package_credit', 'checkout'));
