-- The public pages are rendered once per data version and minute and kept
-- (src/web/site.c): they show the articles too, so a change of an article
-- moves clinic_version like a change of a service or a therapist does.
CREATE TRIGGER articles_insert_bump AFTER INSERT ON articles BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER articles_update_bump AFTER UPDATE ON articles BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER articles_delete_bump AFTER DELETE ON articles BEGIN UPDATE clinic_version SET version = version + 1 WHERE id = 1; END;
