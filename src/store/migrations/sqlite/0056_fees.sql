-- Late-cancel and no-show fees (issue 11 item 6): per service, an amount in
-- cents or a percentage (basis points) of its price; 'none' by default.
ALTER TABLE services ADD COLUMN late_fee_kind TEXT NOT NULL DEFAULT 'none'
    CHECK (late_fee_kind IN ('none', 'amount', 'percent'));
ALTER TABLE services ADD COLUMN late_fee_value INTEGER NOT NULL DEFAULT 0
    CHECK (late_fee_value >= 0 AND (late_fee_kind <> 'percent' OR late_fee_value <= 10000));
ALTER TABLE services ADD COLUMN noshow_fee_kind TEXT NOT NULL DEFAULT 'none'
    CHECK (noshow_fee_kind IN ('none', 'amount', 'percent'));
ALTER TABLE services ADD COLUMN noshow_fee_value INTEGER NOT NULL DEFAULT 0
    CHECK (noshow_fee_value >= 0 AND (noshow_fee_kind <> 'percent' OR noshow_fee_value <= 10000));

-- What the client agreed to when booking online (the policy stated in
-- words, agreed by a checkbox): the fees in cents as they were then, and
-- when.  A fee is charged only as agreed.  Never changed.
CREATE TABLE fee_agreements (
    appointment_id INTEGER PRIMARY KEY REFERENCES appointments (id),
    late_cents     INTEGER NOT NULL CHECK (late_cents >= 0),
    noshow_cents   INTEGER NOT NULL CHECK (noshow_cents >= 0),
    wording        TEXT NOT NULL CHECK (length(wording) BETWEEN 1 AND 500),
    agreed_at      INTEGER NOT NULL
);
CREATE TRIGGER fee_agreements_no_update BEFORE UPDATE ON fee_agreements
BEGIN SELECT RAISE(ABORT, 'an agreement cannot be changed'); END;
