-- Twin of sqlite/0072: there, sched_events' ids stop being reused (a second
-- render worker's delete by a stale id removed the next change unrendered).
-- Here they come from a sequence, which never hands out an id twice, and the
-- workers claim rows with FOR UPDATE SKIP LOCKED; nothing to change.
COMMENT ON TABLE sched_events IS 'a change''s messages to render; ids from a sequence, never reused';
