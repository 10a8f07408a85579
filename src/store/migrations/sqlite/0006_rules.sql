-- The clinic's booking rules as the admin sets them on /admin/rules.  One
-- row; a NULL column means "use the config file's [booking] value".  Ranges
-- match src/config.c.  Changing the row bumps clinic_version so the cached
-- set-up (web/sched.c), which carries these rules, reloads.
CREATE TABLE clinic_rules (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    min_notice_minutes  INTEGER CHECK (min_notice_minutes BETWEEN 0 AND 10080),
    horizon_days        INTEGER CHECK (horizon_days BETWEEN 1 AND 730),
    grid_minutes        INTEGER CHECK (grid_minutes BETWEEN 5 AND 60),
    late_cancel_hours   INTEGER CHECK (late_cancel_hours BETWEEN 0 AND 336)
);
INSERT INTO clinic_rules (id) VALUES (1);

CREATE TRIGGER clinic_rules_insert_bump AFTER INSERT ON clinic_rules BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER clinic_rules_update_bump AFTER UPDATE ON clinic_rules BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
