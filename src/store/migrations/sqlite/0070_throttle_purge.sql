-- The throttles' hits forget themselves after a day (issue 10 §5): an
-- insert removes the hits older than a day before it, so a booking records
-- its hits in one statement (throttle_add) instead of a purge and an insert
-- for each key; on PostgreSQL each of those was a round trip.
CREATE TRIGGER throttle_hits_purge AFTER INSERT ON throttle_hits
BEGIN
    DELETE FROM throttle_hits WHERE at < NEW.at - 86400;
END;
