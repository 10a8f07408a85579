-- The client portal: sign-in links sent by e-mail, the bookings a client's
-- proven e-mail address makes theirs, and the manage links the portal issues.

-- The address a client account proved by following a sign-in link, and when:
-- while the account's email is still this address, bookings made later with
-- it are the account's too (an address changed by an admin is not proven).
ALTER TABLE users ADD COLUMN proven_email TEXT COLLATE NOCASE;
ALTER TABLE users ADD COLUMN email_proven_at INTEGER;

-- The account whose proven address this client row carries (NULL = none yet).
-- Set at sign-in for every row with the address, in one transaction.
ALTER TABLE clients ADD COLUMN user_id INTEGER REFERENCES users(id) ON DELETE SET NULL;
CREATE INDEX clients_user ON clients (user_id);
CREATE INDEX clients_email_nocase ON clients (email COLLATE NOCASE);

-- One-time sign-in links: the e-mail holds 128 random bits, the store only
-- their BLAKE2b hash.  A link works once (used_at) and until expires_at.
CREATE TABLE signin_links (
    token_hash    BLOB PRIMARY KEY,
    email         TEXT NOT NULL COLLATE NOCASE CHECK (length(email) BETWEEN 3 AND 254),
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    used_at       INTEGER,
    CHECK (created_at < expires_at)
) WITHOUT ROWID;
CREATE INDEX signin_links_email ON signin_links (email, created_at);

-- Every request for a link, known address or not, for throttling by
-- address and by peer (as login_failures does for passwords).
CREATE TABLE signin_requests (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL COLLATE NOCASE,
    address       TEXT NOT NULL,
    at            INTEGER NOT NULL
);
CREATE INDEX signin_requests_email ON signin_requests (email, at);
CREATE INDEX signin_requests_address ON signin_requests (address, at);

-- A manage link the portal hands a signed-in client for one of their
-- appointments (/a/{token}): one per appointment, replaced on each visit;
-- the e-mailed link keeps working beside it.
CREATE TABLE portal_manage_links (
    appointment_id INTEGER PRIMARY KEY REFERENCES appointments(id) ON DELETE CASCADE,
    token_hash     BLOB NOT NULL UNIQUE,
    user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at     INTEGER NOT NULL
);
