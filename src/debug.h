/* debug — `knead debug sql`: one SQL statement against the database through
 * the store's driver, rows out as JSON lines.  For tests and for looking into
 * a database without the engine's own shell (the same command answers for
 * every driver).  One line on stderr and exit 2 for bad input, 1 for a
 * failure at run time. */
#ifndef KNEAD_DEBUG_H
#define KNEAD_DEBUG_H

/* argv[0] is "debug".  Returns the exit status. */
int debug_cli_main(int argc, char **argv);

#endif
