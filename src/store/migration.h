/* migration — one numbered schema change, embedded into the binary by
 * scripts/embed.py from src/store/migrations/<backend>/NNNN_name.sql. */
#ifndef KNEAD_STORE_MIGRATION_H
#define KNEAD_STORE_MIGRATION_H

struct migration {
    int version;      /* from 1, increasing; gaps allowed */
    const char *name; /* from the file name */
    const char *sql;  /* the whole file, applied in one transaction */
};

/* Terminated by a row with version 0. */
extern const struct migration sqlite_migrations[];
extern const struct migration pg_migrations[];

#endif
