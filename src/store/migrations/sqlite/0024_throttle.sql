-- Anonymous bookings and waitlist sign-ups, per address and per e-mail, for
-- the [limits] bookings_per_hour / waitlist_per_hour throttles.  key is
-- "a:" + address or "e:" + lower-case e-mail; rows older than a day are
-- deleted as new ones come in.
CREATE TABLE throttle_hits (
    id    INTEGER PRIMARY KEY,
    kind  TEXT NOT NULL CHECK (kind IN ('book', 'waitlist')),
    key   TEXT NOT NULL,
    at    INTEGER NOT NULL
);
CREATE INDEX throttle_hits_key ON throttle_hits (kind, key, at);
CREATE INDEX throttle_hits_at ON throttle_hits (at);
