/* cli — `knead outbox list|retry ID|purge`: look at and tend the outbox
 * from the shell.  One line on stderr and exit 2 for bad input, 1 for a
 * failure at run time. */
#ifndef KNEAD_MAIL_CLI_H
#define KNEAD_MAIL_CLI_H

/* argv[0] is "outbox".  Returns the exit status. */
int outbox_cli_main(int argc, char **argv);

#endif
