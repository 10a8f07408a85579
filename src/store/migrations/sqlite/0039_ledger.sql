-- knead: rebuild (the runner turns foreign keys off for this migration and
-- checks them all before it commits)
--
-- The clinic's money (issue 11): what a service is billed as, the
-- therapists' identifiers on a superbill, and the ledger — invoices and
-- their lines, payments, refunds, credit notes and the end-of-day count.
-- Money is integer cents of the clinic's currency; rates are basis points.
--
-- The ledger only grows.  An invoice is written whole when it is issued
-- (there is no draft row: the checkout form is the draft) and never
-- changes; a correction is a credit note, money back is a refund of one
-- payment, each its own row.  The triggers below refuse every other
-- change, as the signed-note lock does; store.c's error table gives each
-- refusal its sentence.

-- A service's billing: tax in basis points (massage is untaxed in Alaska),
-- the procedure code a superbill lists (CPT, e.g. 97124) and the minutes
-- of one billing unit (15 for the timed codes; 0 = one unit per visit).
ALTER TABLE services ADD COLUMN tax_bp INTEGER NOT NULL DEFAULT 0
    CHECK (tax_bp BETWEEN 0 AND 10000);
ALTER TABLE services ADD COLUMN procedure_code TEXT NOT NULL DEFAULT ''
    CHECK (length(procedure_code) <= 10);
ALTER TABLE services ADD COLUMN unit_minutes INTEGER NOT NULL DEFAULT 15
    CHECK (unit_minutes BETWEEN 0 AND 480);

-- A therapist's identifiers for insurers: the NPI (10 digits) and the
-- state licence number.
ALTER TABLE therapists ADD COLUMN npi TEXT NOT NULL DEFAULT ''
    CHECK (length(npi) IN (0, 10));
ALTER TABLE therapists ADD COLUMN licence TEXT NOT NULL DEFAULT ''
    CHECK (length(licence) <= 40);

-- An invoice: numbered 1, 2, 3 ... without gaps (the number is taken in
-- the transaction that writes it, and no row is ever deleted).  The
-- client's name and the visit's therapist are copied as they were.
-- bill_to names a third party (an insurer) the balance is left open for.
-- client_id is the one column a change may touch: merging two client
-- records moves the invoices of one to the other.
CREATE TABLE invoices (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    number          INTEGER NOT NULL UNIQUE CHECK (number >= 1),
    appointment_id  INTEGER REFERENCES appointments (id),
    client_id       INTEGER NOT NULL REFERENCES clients (id),
    client_name     TEXT NOT NULL CHECK (length(client_name) BETWEEN 1 AND 120),
    therapist_id    TEXT NOT NULL DEFAULT '',
    currency        TEXT NOT NULL CHECK (length(currency) = 3),
    line_count      INTEGER NOT NULL CHECK (line_count BETWEEN 1 AND 16),
    subtotal_cents  INTEGER NOT NULL CHECK (subtotal_cents >= 0),
    discount_cents  INTEGER NOT NULL CHECK (discount_cents BETWEEN 0 AND subtotal_cents),
    discount_reason TEXT NOT NULL DEFAULT '' CHECK (length(discount_reason) <= 200),
    tax_cents       INTEGER NOT NULL CHECK (tax_cents >= 0),
    tip_cents       INTEGER NOT NULL CHECK (tip_cents >= 0),
    total_cents     INTEGER NOT NULL
                    CHECK (total_cents = subtotal_cents - discount_cents + tax_cents + tip_cents),
    bill_to         TEXT NOT NULL DEFAULT '' CHECK (length(bill_to) <= 200),
    form_key        BLOB UNIQUE,
    issued_at       INTEGER NOT NULL,
    issued_by       INTEGER NOT NULL DEFAULT 0,
    issued_by_name  TEXT NOT NULL CHECK (length(issued_by_name) BETWEEN 1 AND 200)
);
CREATE INDEX invoices_appointment ON invoices (appointment_id);
CREATE INDEX invoices_client ON invoices (client_id, issued_at);
CREATE INDEX invoices_issued ON invoices (issued_at);

CREATE TRIGGER invoices_no_update BEFORE UPDATE ON invoices
WHEN NEW.id IS NOT OLD.id OR NEW.number IS NOT OLD.number
  OR NEW.appointment_id IS NOT OLD.appointment_id OR NEW.client_name IS NOT OLD.client_name
  OR NEW.therapist_id IS NOT OLD.therapist_id OR NEW.currency IS NOT OLD.currency
  OR NEW.line_count IS NOT OLD.line_count OR NEW.subtotal_cents IS NOT OLD.subtotal_cents
  OR NEW.discount_cents IS NOT OLD.discount_cents
  OR NEW.discount_reason IS NOT OLD.discount_reason OR NEW.tax_cents IS NOT OLD.tax_cents
  OR NEW.tip_cents IS NOT OLD.tip_cents OR NEW.total_cents IS NOT OLD.total_cents
  OR NEW.bill_to IS NOT OLD.bill_to OR NEW.form_key IS NOT OLD.form_key
  OR NEW.issued_at IS NOT OLD.issued_at OR NEW.issued_by IS NOT OLD.issued_by
  OR NEW.issued_by_name IS NOT OLD.issued_by_name
BEGIN SELECT RAISE(ABORT, 'an issued invoice cannot be changed; issue a credit note'); END;
CREATE TRIGGER invoices_no_delete BEFORE DELETE ON invoices
BEGIN SELECT RAISE(ABORT, 'an issued invoice cannot be deleted; issue a credit note'); END;

-- The lines, written with their invoice: once it holds line_count of
-- them, no more.  kind: the visit's service, an add-on, and (later) a fee,
-- a package or a gift card sold.
CREATE TABLE invoice_lines (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    invoice_id      INTEGER NOT NULL REFERENCES invoices (id),
    position        INTEGER NOT NULL CHECK (position BETWEEN 1 AND 16),
    kind            TEXT NOT NULL
                    CHECK (kind IN ('service', 'addon', 'fee', 'package', 'gift_card')),
    service_id      TEXT NOT NULL DEFAULT '',
    description     TEXT NOT NULL CHECK (length(description) BETWEEN 1 AND 200),
    procedure_code  TEXT NOT NULL DEFAULT '' CHECK (length(procedure_code) <= 10),
    units           INTEGER NOT NULL DEFAULT 0 CHECK (units BETWEEN 0 AND 99),
    qty             INTEGER NOT NULL CHECK (qty BETWEEN 1 AND 99),
    unit_cents      INTEGER NOT NULL CHECK (unit_cents >= 0),
    discount_cents  INTEGER NOT NULL CHECK (discount_cents >= 0),
    tax_bp          INTEGER NOT NULL CHECK (tax_bp BETWEEN 0 AND 10000),
    tax_cents       INTEGER NOT NULL CHECK (tax_cents >= 0),
    amount_cents    INTEGER NOT NULL
                    CHECK (amount_cents = unit_cents * qty - discount_cents + tax_cents),
    UNIQUE (invoice_id, position)
);
CREATE TRIGGER invoice_lines_issued BEFORE INSERT ON invoice_lines
WHEN (SELECT count(*) FROM invoice_lines WHERE invoice_id = NEW.invoice_id)
     >= (SELECT line_count FROM invoices WHERE id = NEW.invoice_id)
BEGIN SELECT RAISE(ABORT, 'an issued invoice cannot be changed; issue a credit note'); END;
CREATE TRIGGER invoice_lines_no_update BEFORE UPDATE ON invoice_lines
BEGIN SELECT RAISE(ABORT, 'an issued invoice cannot be changed; issue a credit note'); END;
CREATE TRIGGER invoice_lines_no_delete BEFORE DELETE ON invoice_lines
BEGIN SELECT RAISE(ABORT, 'an issued invoice cannot be deleted; issue a credit note'); END;

-- A payment towards an invoice (or, taken online before the visit, towards
-- its appointment: invoice_id is set when the visit's invoice is issued).
-- idem_key is the key of the one attempt: the hash of the desk form's
-- one-time token, or the idempotency key sent to the payment provider, so
-- a form sent twice or a provider call retried records one payment.
-- status: a provider's payment is 'pending' until its answer or webhook;
-- the desk's are 'completed' when written.  tendered_cents: the cash handed
-- over (the change was tendered - amount).  reference: the card terminal's
-- reference, the insurer's cheque or claim, the provider's charge.
CREATE TABLE payments (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    invoice_id      INTEGER REFERENCES invoices (id),
    appointment_id  INTEGER REFERENCES appointments (id),
    method          TEXT NOT NULL CHECK (method IN ('cash', 'card', 'gift_card', 'package',
                                                    'insurance', 'provider')),
    amount_cents    INTEGER NOT NULL CHECK (amount_cents > 0),
    tendered_cents  INTEGER NOT NULL DEFAULT 0 CHECK (tendered_cents >= 0),
    reference       TEXT NOT NULL DEFAULT '' CHECK (length(reference) <= 100),
    status          TEXT NOT NULL DEFAULT 'completed'
                    CHECK (status IN ('pending', 'completed', 'failed')),
    idem_key        TEXT NOT NULL UNIQUE CHECK (length(idem_key) BETWEEN 1 AND 100),
    created_at      INTEGER NOT NULL,
    created_by      INTEGER NOT NULL DEFAULT 0,
    created_by_name TEXT NOT NULL CHECK (length(created_by_name) BETWEEN 1 AND 200),
    CHECK (invoice_id IS NOT NULL OR appointment_id IS NOT NULL)
);
CREATE INDEX payments_invoice ON payments (invoice_id);
CREATE INDEX payments_appointment ON payments (appointment_id);
CREATE INDEX payments_created ON payments (created_at);
-- Only two changes: a pending payment settles (status and reference), and
-- a payment taken before its invoice is attached to it.
CREATE TRIGGER payments_no_update BEFORE UPDATE ON payments
WHEN NEW.id IS NOT OLD.id OR NEW.method IS NOT OLD.method
  OR NEW.amount_cents IS NOT OLD.amount_cents OR NEW.tendered_cents IS NOT OLD.tendered_cents
  OR NEW.appointment_id IS NOT OLD.appointment_id OR NEW.idem_key IS NOT OLD.idem_key
  OR NEW.created_at IS NOT OLD.created_at OR NEW.created_by IS NOT OLD.created_by
  OR NEW.created_by_name IS NOT OLD.created_by_name
  OR (NEW.invoice_id IS NOT OLD.invoice_id AND OLD.invoice_id IS NOT NULL)
  OR ((NEW.status IS NOT OLD.status OR NEW.reference IS NOT OLD.reference)
      AND OLD.status <> 'pending')
BEGIN SELECT RAISE(ABORT, 'a payment cannot be changed; refund it'); END;
CREATE TRIGGER payments_no_delete BEFORE DELETE ON payments
BEGIN SELECT RAISE(ABORT, 'a payment cannot be changed; refund it'); END;

-- Money back, to the method of the payment it refunds, never more than
-- that payment less its earlier refunds.
CREATE TABLE refunds (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    payment_id      INTEGER NOT NULL REFERENCES payments (id),
    amount_cents    INTEGER NOT NULL CHECK (amount_cents > 0),
    reason          TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    idem_key        TEXT NOT NULL UNIQUE CHECK (length(idem_key) BETWEEN 1 AND 100),
    created_at      INTEGER NOT NULL,
    created_by      INTEGER NOT NULL DEFAULT 0,
    created_by_name TEXT NOT NULL CHECK (length(created_by_name) BETWEEN 1 AND 200)
);
CREATE INDEX refunds_payment ON refunds (payment_id);
CREATE INDEX refunds_created ON refunds (created_at);
CREATE TRIGGER refunds_within_payment BEFORE INSERT ON refunds
WHEN NEW.amount_cents + (SELECT coalesce(sum(amount_cents), 0) FROM refunds
                         WHERE payment_id = NEW.payment_id)
     > (SELECT amount_cents FROM payments WHERE id = NEW.payment_id AND status = 'completed')
  OR NOT EXISTS (SELECT 1 FROM payments WHERE id = NEW.payment_id AND status = 'completed')
BEGIN SELECT RAISE(ABORT, 'a refund cannot be more than was paid'); END;
CREATE TRIGGER refunds_no_update BEFORE UPDATE ON refunds
BEGIN SELECT RAISE(ABORT, 'a refund cannot be changed'); END;
CREATE TRIGGER refunds_no_delete BEFORE DELETE ON refunds
BEGIN SELECT RAISE(ABORT, 'a refund cannot be changed'); END;

-- A correction of an issued invoice: lowers what is owed, never below what
-- the invoice came to in all.
CREATE TABLE credit_notes (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    invoice_id      INTEGER NOT NULL REFERENCES invoices (id),
    amount_cents    INTEGER NOT NULL CHECK (amount_cents > 0),
    reason          TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    idem_key        TEXT NOT NULL UNIQUE CHECK (length(idem_key) BETWEEN 1 AND 100),
    created_at      INTEGER NOT NULL,
    created_by      INTEGER NOT NULL DEFAULT 0,
    created_by_name TEXT NOT NULL CHECK (length(created_by_name) BETWEEN 1 AND 200)
);
CREATE INDEX credit_notes_invoice ON credit_notes (invoice_id);
CREATE TRIGGER credit_notes_within_invoice BEFORE INSERT ON credit_notes
WHEN NEW.amount_cents + (SELECT coalesce(sum(amount_cents), 0) FROM credit_notes
                         WHERE invoice_id = NEW.invoice_id)
     > (SELECT total_cents FROM invoices WHERE id = NEW.invoice_id)
BEGIN SELECT RAISE(ABORT, 'a credit note cannot be more than the invoice'); END;
CREATE TRIGGER credit_notes_no_update BEFORE UPDATE ON credit_notes
BEGIN SELECT RAISE(ABORT, 'a credit note cannot be changed'); END;
CREATE TRIGGER credit_notes_no_delete BEFORE DELETE ON credit_notes
BEGIN SELECT RAISE(ABORT, 'a credit note cannot be changed'); END;

-- The end of a day: the cash drawer as counted, beside what the ledger
-- says it should hold (the float plus cash taken less cash refunded).  A
-- recount is a new row; the newest of a day is the day's close-out.
CREATE TABLE closeouts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    day             TEXT NOT NULL
                    CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    float_cents     INTEGER NOT NULL CHECK (float_cents >= 0),
    counted_cents   INTEGER NOT NULL CHECK (counted_cents >= 0),
    expected_cents  INTEGER NOT NULL,
    note            TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    created_at      INTEGER NOT NULL,
    created_by      INTEGER NOT NULL DEFAULT 0,
    created_by_name TEXT NOT NULL CHECK (length(created_by_name) BETWEEN 1 AND 200)
);
CREATE INDEX closeouts_day ON closeouts (day, id);
CREATE TRIGGER closeouts_no_update BEFORE UPDATE ON closeouts
BEGIN SELECT RAISE(ABORT, 'a close-out cannot be changed; count again'); END;
CREATE TRIGGER closeouts_no_delete BEFORE DELETE ON closeouts
BEGIN SELECT RAISE(ABORT, 'a close-out cannot be changed; count again'); END;

-- The audit log records every money change too, with why: new actions
-- (issue, pay, refund, credit, count) and records (invoice, payment,
-- refund, credit_note, closeout, superbill), and a reason column.  A CHECK
-- cannot be altered in SQLite, so the table is rebuilt as 0018 did; the
-- rows are copied as they are and the ids go on where they were.
CREATE TABLE audit_log_new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,
    user_id    INTEGER NOT NULL DEFAULT 0,
    actor      TEXT NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
    role       TEXT NOT NULL CHECK (length(role) BETWEEN 1 AND 20),
    action     TEXT NOT NULL
               CHECK (action IN ('read', 'create', 'update', 'sign', 'addendum', 'refused',
                                 'issue', 'pay', 'refund', 'credit', 'count')),
    record     TEXT NOT NULL
               CHECK (record IN ('intake', 'insurance', 'referral', 'note', 'invoice',
                                 'payment', 'refund', 'credit_note', 'closeout', 'superbill')),
    record_id  INTEGER NOT NULL DEFAULT 0,
    client_id  INTEGER NOT NULL DEFAULT 0,
    address    TEXT NOT NULL DEFAULT '' CHECK (length(address) <= 64),
    via        TEXT NOT NULL DEFAULT 'staff'
               CHECK (via IN ('manage_link', 'proven_email', 'staff')),
    reason     TEXT NOT NULL DEFAULT '' CHECK (length(reason) <= 500)
);
INSERT INTO audit_log_new (id, at, user_id, actor, role, action, record, record_id, client_id,
                           address, via)
SELECT id, at, user_id, actor, role, action, record, record_id, client_id, address, via
FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_new RENAME TO audit_log;
CREATE INDEX audit_log_client ON audit_log (client_id, id);
CREATE INDEX audit_log_record ON audit_log (record, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log cannot be changed'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log cannot be changed'); END;
