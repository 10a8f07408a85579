/* csv — writing CSV (RFC 4180: comma-separated, CRLF line ends, a field
 * holding a comma, quote, CR or LF in double quotes with quotes doubled),
 * safe to open in a spreadsheet: a text field that begins with = + - @ (or
 * a tab or CR) gets a leading apostrophe, so no cell runs as a formula
 * (CSV formula injection).  Each cell goes through esc_csv (view/esc.h), the
 * one CSV escaper; this adds the commas, numbers and line ends. */
#ifndef KNEAD_VIEW_CSV_H
#define KNEAD_VIEW_CSV_H

#include <stdint.h>

#include "util/sb.h"

/* Appends text s (NULL reads as "") as one field, after a comma unless
 * first.  Can't fail (sb's sticky error). */
void csv_text(struct sb *out, const char *s, int first);
/* Appends a number the program computed (never prefixed). */
void csv_i64(struct sb *out, int64_t v, int first);
/* Ends the record with CRLF. */
void csv_end(struct sb *out);

#endif
