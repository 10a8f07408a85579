-- The client's health form (intake) and insurance-benefit checks.
--
-- intakes holds the one current form of each client; every save before the
-- current one is copied to intake_history first, so earlier versions are
-- kept as they were.  Lists of choices (body areas, treatments tried,
-- conditions) are stored as comma-separated codes that core/intake.c
-- defines; dates as ISO text, instants as Unix seconds (UTC).
CREATE TABLE intakes (
    id               INTEGER PRIMARY KEY,
    client_id        INTEGER NOT NULL UNIQUE REFERENCES clients(id),
    version          INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    email            TEXT NOT NULL CHECK (length(email) <= 254),
    phone            TEXT NOT NULL CHECK (length(phone) <= 40),
    birth_date       TEXT NOT NULL CHECK (length(birth_date) = 10),
    emergency_name   TEXT NOT NULL CHECK (length(emergency_name) <= 480),
    emergency_phone  TEXT NOT NULL CHECK (length(emergency_phone) <= 40),
    reason           TEXT NOT NULL CHECK (length(reason) <= 800),
    areas            TEXT NOT NULL DEFAULT '',
    pain             INTEGER NOT NULL CHECK (pain BETWEEN 0 AND 10),
    onset            TEXT NOT NULL,
    onset_other      TEXT NOT NULL DEFAULT '' CHECK (length(onset_other) <= 800),
    worse            TEXT NOT NULL DEFAULT '' CHECK (length(worse) <= 2000),
    better           TEXT NOT NULL DEFAULT '' CHECK (length(better) <= 2000),
    treatments       TEXT NOT NULL DEFAULT '',
    conditions       TEXT NOT NULL DEFAULT '',
    conditions_other TEXT NOT NULL DEFAULT '' CHECK (length(conditions_other) <= 2000),
    medications      TEXT NOT NULL DEFAULT '' CHECK (length(medications) <= 4000),
    pressure         TEXT NOT NULL CHECK (pressure IN ('light', 'medium', 'firm', 'deep')),
    consent_name     TEXT NOT NULL CHECK (length(consent_name) BETWEEN 1 AND 480),
    consent_at       INTEGER NOT NULL,
    updated_by       INTEGER NOT NULL DEFAULT 0,  -- the staff account, 0 = the client
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    confirmed_at     INTEGER NOT NULL DEFAULT 0   -- last "still right" from the client, 0 = never
);

-- Earlier versions, copied from intakes before each change (same columns).
CREATE TABLE intake_history (
    id               INTEGER PRIMARY KEY,
    intake_id        INTEGER NOT NULL,
    client_id        INTEGER NOT NULL REFERENCES clients(id),
    version          INTEGER NOT NULL,
    email            TEXT NOT NULL,
    phone            TEXT NOT NULL,
    birth_date       TEXT NOT NULL,
    emergency_name   TEXT NOT NULL,
    emergency_phone  TEXT NOT NULL,
    reason           TEXT NOT NULL,
    areas            TEXT NOT NULL,
    pain             INTEGER NOT NULL,
    onset            TEXT NOT NULL,
    onset_other      TEXT NOT NULL,
    worse            TEXT NOT NULL,
    better           TEXT NOT NULL,
    treatments       TEXT NOT NULL,
    conditions       TEXT NOT NULL,
    conditions_other TEXT NOT NULL,
    medications      TEXT NOT NULL,
    pressure         TEXT NOT NULL,
    consent_name     TEXT NOT NULL,
    consent_at       INTEGER NOT NULL,
    updated_by       INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    confirmed_at     INTEGER NOT NULL,
    archived_at      INTEGER NOT NULL
);
CREATE INDEX intake_history_client ON intake_history (client_id, id);

-- A client's request that the front desk check their insurance benefits,
-- and the outcome the desk records.  -1 in a number = not stated.
CREATE TABLE insurance_checks (
    id                INTEGER PRIMARY KEY,
    client_id         INTEGER NOT NULL REFERENCES clients(id),
    carrier           TEXT NOT NULL CHECK (length(carrier) BETWEEN 1 AND 400),
    member_id         TEXT NOT NULL CHECK (length(member_id) BETWEEN 1 AND 50),
    group_number      TEXT NOT NULL DEFAULT '' CHECK (length(group_number) <= 50),
    holder_name       TEXT NOT NULL CHECK (length(holder_name) BETWEEN 1 AND 480),
    holder_relation   TEXT NOT NULL CHECK (holder_relation IN ('self', 'spouse', 'parent', 'other')),
    requested_at      INTEGER NOT NULL,
    status            TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done')),
    outcome           TEXT NOT NULL DEFAULT ''
                      CHECK (outcome IN ('', 'covered', 'partial', 'not_covered')),
    visits_per_year   INTEGER NOT NULL DEFAULT -1 CHECK (visits_per_year BETWEEN -1 AND 365),
    copay_cents       INTEGER NOT NULL DEFAULT -1 CHECK (copay_cents >= -1),
    deductible_cents  INTEGER NOT NULL DEFAULT -1 CHECK (deductible_cents >= -1),
    referral_required INTEGER NOT NULL DEFAULT 0 CHECK (referral_required IN (0, 1)),
    notes             TEXT NOT NULL DEFAULT '' CHECK (length(notes) <= 4000),
    verified_by       INTEGER NOT NULL DEFAULT 0,   -- the account that recorded the outcome
    verified_by_name  TEXT NOT NULL DEFAULT '',     -- its name then
    verified_at       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX insurance_checks_client ON insurance_checks (client_id, id);
CREATE INDEX insurance_checks_pending ON insurance_checks (status, requested_at, id);
