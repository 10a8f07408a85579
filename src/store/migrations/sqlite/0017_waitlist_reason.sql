-- Why a waitlist entry was closed, when the front desk removed it
-- (/staff/waitlist/{id}/remove: "the client phoned, found a time"); '' when
-- the client left by their own link or booked through an offer.  One line.
ALTER TABLE waitlist_entries ADD COLUMN closed_reason TEXT NOT NULL DEFAULT ''
    CHECK (length(closed_reason) <= 200 AND instr(closed_reason, char(10)) = 0
           AND instr(closed_reason, char(13)) = 0);
