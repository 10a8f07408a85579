-- Why a waitlist entry was closed (twin of sqlite/0017).  One line.
ALTER TABLE waitlist_entries ADD COLUMN closed_reason text NOT NULL DEFAULT ''
    CHECK (length(closed_reason) <= 200 AND strpos(closed_reason, chr(10)) = 0
           AND strpos(closed_reason, chr(13)) = 0);
