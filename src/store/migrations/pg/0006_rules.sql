-- The clinic's booking rules as the admin sets them (twin of sqlite/0006).
CREATE TABLE clinic_rules (
    id                  bigint PRIMARY KEY CHECK (id = 1),
    min_notice_minutes  bigint CHECK (min_notice_minutes BETWEEN 0 AND 10080),
    horizon_days        bigint CHECK (horizon_days BETWEEN 1 AND 730),
    grid_minutes        bigint CHECK (grid_minutes BETWEEN 5 AND 60),
    late_cancel_hours   bigint CHECK (late_cancel_hours BETWEEN 0 AND 336)
);
INSERT INTO clinic_rules (id) VALUES (1);

CREATE TRIGGER clinic_rules_bump AFTER INSERT OR UPDATE ON clinic_rules
FOR EACH ROW EXECUTE FUNCTION knead_bump_clinic();
