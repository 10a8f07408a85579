-- The payment gaps of issue 11 (svc/pay.c, svc/prepaid.c).
--
-- 1. A checkout the provider says was paid with another amount or currency
--    than we asked is not taken as paid: `mismatch` says what came
--    ("USD 10.00 paid of USD 25.00"), its hold ends at once and the worker
--    settles it 'failed' (a deposit's slot released).  '' = none.
ALTER TABLE checkouts ADD COLUMN mismatch TEXT NOT NULL DEFAULT ''
    CHECK (length(mismatch) <= 200);

-- 2. A payment attached to an invoice that was voided in full (a no-show's
--    fee undone: credit notes of its whole total) may leave it again, to be
--    the client's credit: it counts on their balance and the next invoice
--    issued applies it.  Every other change stays refused as in 0039.
DROP TRIGGER payments_no_update;
CREATE TRIGGER payments_no_update BEFORE UPDATE ON payments
WHEN NEW.id IS NOT OLD.id OR NEW.method IS NOT OLD.method
  OR NEW.amount_cents IS NOT OLD.amount_cents OR NEW.tendered_cents IS NOT OLD.tendered_cents
  OR NEW.appointment_id IS NOT OLD.appointment_id OR NEW.idem_key IS NOT OLD.idem_key
  OR NEW.created_at IS NOT OLD.created_at OR NEW.created_by IS NOT OLD.created_by
  OR NEW.created_by_name IS NOT OLD.created_by_name
  OR (NEW.invoice_id IS NOT OLD.invoice_id AND OLD.invoice_id IS NOT NULL
      AND NOT (NEW.invoice_id IS NULL AND OLD.status = 'completed'
               AND (SELECT i.total_cents - (SELECT coalesce(sum(c.amount_cents), 0)
                                            FROM credit_notes c WHERE c.invoice_id = i.id)
                    FROM invoices i WHERE i.id = OLD.invoice_id) <= 0))
  OR ((NEW.status IS NOT OLD.status OR NEW.reference IS NOT OLD.reference)
      AND OLD.status <> 'pending')
BEGIN SELECT RAISE(ABORT, 'a payment cannot be changed; refund it'); END;

-- 3. The audit log records each use and return of a package credit (action
--    'use' / 'return', record 'package_credit') and a checkout paid with
--    the wrong amount (action 'refused', record 'checkout').  A CHECK
--    cannot be altered in SQLite, so the table is rebuilt as 0054 did.
CREATE TABLE audit_log_new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,                 -- Unix seconds, UTC
    user_id    INTEGER NOT NULL DEFAULT 0,       -- the account, 0 for a client by manage link
    actor      TEXT NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
    role       TEXT NOT NULL CHECK (length(role) BETWEEN 1 AND 20),
    action     TEXT NOT NULL
               CHECK (action IN ('read', 'create', 'update', 'sign', 'addendum', 'refused',
                                 'issue', 'pay', 'refund', 'credit', 'count',
                                 'download', 'export', 'opt_out', 'opt_in', 'use', 'return')),
    record     TEXT NOT NULL
               CHECK (record IN ('intake', 'insurance', 'referral', 'note', 'invoice',
                                 'payment', 'refund', 'credit_note', 'closeout', 'superbill',
                                 'record', 'clients', 'appointments', 'invoices', 'payments',
                                 'texts', 'package_credit', 'checkout')),
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
CREATE INDEX audit_log_user_action ON audit_log (user_id, action, at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log cannot be changed'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log cannot be changed'); END;
