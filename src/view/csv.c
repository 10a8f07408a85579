/* csv — see csv.h.  No allocation beyond the builder's. */
#include "view/csv.h"

#include <inttypes.h>
#include <string.h>

void csv_text(struct sb *out, const char *s, int first)
{
    if (!s)
        s = "";
    if (!first)
        sb_addc(out, ',');
    int formula = strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0';
    int quote = strpbrk(s, ",\"\r\n") != NULL || formula;
    if (quote)
        sb_addc(out, '"');
    if (formula)
        sb_addc(out, '\'');
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            sb_addc(out, '"');
        sb_addc(out, *p);
    }
    if (quote)
        sb_addc(out, '"');
}

void csv_i64(struct sb *out, int64_t v, int first)
{
    sb_addf(out, first ? "%" PRId64 : ",%" PRId64, v);
}

void csv_end(struct sb *out)
{
    sb_adds(out, "\r\n");
}
