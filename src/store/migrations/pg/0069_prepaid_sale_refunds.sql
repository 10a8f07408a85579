-- A refund of the sale of a gift card or a package takes back what it paid
-- for (issue 11): kind 'sale_refund' takes the refunded amount off the
-- card (delta < 0) or the credits it paid for off the package (delta -1 ..
-- -100), written in the refund's own transaction; 'refund_undone' gives
-- them back when the payment provider turns the refund down.  The triggers
-- that lock the card or package row and refuse a negative balance stay.
ALTER TABLE gift_card_entries DROP CONSTRAINT gift_card_entries_kind_check;
ALTER TABLE gift_card_entries DROP CONSTRAINT gift_card_entries_check;
ALTER TABLE gift_card_entries ADD CONSTRAINT gift_card_entries_kind_check
    CHECK (kind IN ('issue', 'redeem', 'refund', 'sale_refund', 'refund_undone'));
ALTER TABLE gift_card_entries ADD CONSTRAINT gift_card_entries_check
    CHECK ((kind IN ('redeem', 'sale_refund') AND delta < 0)
           OR (kind NOT IN ('redeem', 'sale_refund') AND delta > 0));

ALTER TABLE package_credits DROP CONSTRAINT package_credits_kind_check;
ALTER TABLE package_credits DROP CONSTRAINT package_credits_check;
ALTER TABLE package_credits DROP CONSTRAINT package_credits_check1;
ALTER TABLE package_credits ADD CONSTRAINT package_credits_kind_check
    CHECK (kind IN ('sold', 'use', 'return', 'sale_refund', 'refund_undone'));
ALTER TABLE package_credits ADD CONSTRAINT package_credits_check
    CHECK ((kind IN ('sold', 'refund_undone') AND delta BETWEEN 1 AND 100)
           OR (kind = 'sale_refund' AND delta BETWEEN -100 AND -1)
           OR (kind = 'use' AND delta = -1)
           OR (kind = 'return' AND delta = 1));
ALTER TABLE package_credits ADD CONSTRAINT package_credits_check1
    CHECK ((kind IN ('use', 'return')) = (appointment_id IS NOT NULL));
