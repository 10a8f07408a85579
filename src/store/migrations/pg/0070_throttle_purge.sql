-- The throttles' hits forget themselves after a day (issue 10 §5; twin of
-- sqlite/0070): an insert removes the hits older than a day before its
-- newest, once a statement, so a booking records its hits in one statement
-- (throttle_add) instead of a purge and an insert for each key, each of
-- which was a round trip.
CREATE FUNCTION knead_throttle_purge() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM throttle_hits WHERE at < (SELECT max(at) FROM added) - 86400;
    RETURN NULL;
END $$;
CREATE TRIGGER throttle_hits_purge AFTER INSERT ON throttle_hits
REFERENCING NEW TABLE AS added
FOR EACH STATEMENT EXECUTE FUNCTION knead_throttle_purge();
