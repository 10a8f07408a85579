-- The clinical record cannot be erased (twin of sqlite/0019): a signed note
-- refuses DELETE as it refuses UPDATE, an addendum refuses both.  (Ids are
-- identities, never reused, already: SQLite needed AUTOINCREMENT for that.)
CREATE TRIGGER treatment_notes_signed_kept BEFORE DELETE ON treatment_notes
FOR EACH ROW WHEN (OLD.signed_at IS NOT NULL)
EXECUTE FUNCTION knead_refuse('a signed note cannot be deleted');
CREATE TRIGGER note_addenda_no_delete BEFORE DELETE ON note_addenda
FOR EACH ROW EXECUTE FUNCTION knead_refuse('an addendum cannot be deleted');
-- TRUNCATE runs no row triggers: refuse it whole on the clinical record.
CREATE TRIGGER treatment_notes_no_truncate BEFORE TRUNCATE ON treatment_notes
FOR EACH STATEMENT EXECUTE FUNCTION knead_refuse('a signed note cannot be deleted');
CREATE TRIGGER note_addenda_no_truncate BEFORE TRUNCATE ON note_addenda
FOR EACH STATEMENT EXECUTE FUNCTION knead_refuse('an addendum cannot be deleted');
