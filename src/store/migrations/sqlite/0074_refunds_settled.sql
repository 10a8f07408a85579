-- A refund counts in the day's takings on the day the money went back:
-- a provider's refund when it confirmed it (settled_at > 0), one given at
-- the desk (settled_at 0) when it was written (takings_refunded).  This
-- index finds a day's confirmations as refunds_created finds a day's
-- refunds written, so a day's close stays two range reads; partial, since
-- the desk's refunds (most of them) are found by refunds_created.
CREATE INDEX refunds_settled ON refunds (settled_at) WHERE settled_at > 0;
