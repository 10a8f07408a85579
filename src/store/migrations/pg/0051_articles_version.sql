-- The public pages are kept per data version and minute and show the
-- articles, so a change of an article moves clinic_version (twin of
-- sqlite/0051; knead_bump_clinic is 0003's striped counter).
CREATE TRIGGER articles_bump AFTER INSERT OR UPDATE OR DELETE ON articles
FOR EACH ROW EXECUTE FUNCTION knead_bump_clinic();
