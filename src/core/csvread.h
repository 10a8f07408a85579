/* csvread — a reader of RFC 4180 text: records of comma-separated fields, a
 * field in double quotes when it holds a comma, a quote (doubled) or a line
 * break; CRLF or LF line ends; a UTF-8 byte-order mark at the start is
 * skipped (spreadsheets write one).  Lines holding nothing are skipped.
 * Pure: no I/O; fields are copied onto the caller's arena.  The caller
 * checks the text is UTF-8 first (util/utf8). */
#ifndef KNEAD_CORE_CSVREAD_H
#define KNEAD_CORE_CSVREAD_H

#include <stddef.h>

#include "core/err.h"
#include "util/arena.h"

#define CSVREAD_MAX_FIELDS 64 /* fields in one record */

struct csvread {
    const char *p, *end;
    int line; /* 1-based line of p */
};

/* Starts reading data[0..len).  Can't fail. */
void csvread_init(struct csvread *c, const char *data, size_t len);

/* Reads the next record into fields[0..*n) (NUL-terminated copies on a;
 * fields must hold CSVREAD_MAX_FIELDS) and *line, the line it starts on.
 * Returns 1 for a record, 0 at the end of the text, or -1 with e (E_INVALID,
 * a sentence naming the line) for malformed text: a quote that never
 * closes, a character after a closing quote, a quote inside an unquoted
 * field, a NUL byte, more than CSVREAD_MAX_FIELDS fields. */
int csvread_next(struct csvread *c, struct arena *a, char **fields, size_t *n, int *line,
                 struct err *e);

#endif
