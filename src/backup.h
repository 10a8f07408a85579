/* backup — `knead backup`, `knead restore` and the server's rotating
 * backups ([backup] dir, every_hours, keep).  The copy itself is the
 * store's (store_backup: SQLite's online backup API); this module makes it
 * durable and atomic: written to a temporary file beside the target,
 * fsync'd, renamed into place, the directory fsync'd.  A reader of the
 * target sees the old file or the whole new one, never part of one. */
#ifndef KNEAD_BACKUP_H
#define KNEAD_BACKUP_H

#include <stddef.h>

struct store;

/* Copies the open store into the file `to`; refuses an existing `to`
 * unless force.  0, or -1 with one line in err. */
int backup_to_file(struct store *s, const char *to, int force, char *err, size_t errlen);

/* Replaces the database at db_path by the backup `from`, after checking it
 * (integrity_check, a Knead schema no newer than this binary's: *version)
 * and that no other process has db_path open.  Nothing is replaced when a
 * check fails.  0, or -1 with one line in err. */
int backup_restore(const char *from, const char *db_path, int *version, char *err,
                   size_t errlen);

/* A thread that backs up s into dir at start and every every_hours hours,
 * as knead-YYYYMMDDTHHMMSSZ.db, and deletes all but the newest keep such
 * files.  Failures are logged and retried at the next turn. */
struct backup_rotor;
int backup_rotor_start(struct store *s, const char *dir, int every_hours, int keep,
                       struct backup_rotor **out, char *err, size_t errlen);
void backup_rotor_stop(struct backup_rotor *r); /* accepts NULL; waits for a copy in progress */

#endif
