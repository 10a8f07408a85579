/* csv — see csv.h.  No allocation beyond the builder's. */
#include "view/csv.h"

#include <inttypes.h>
#include <string.h>

#include "view/esc.h"

void csv_text(struct sb *out, const char *s, int first)
{
    if (!first)
        sb_addc(out, ',');
    esc_csv(out, s ? s : ""); /* the one cell escaper (view/esc.h) */
}

void csv_i64(struct sb *out, int64_t v, int first)
{
    sb_addf(out, first ? "%" PRId64 : ",%" PRId64, v);
}

void csv_end(struct sb *out)
{
    sb_adds(out, "\r\n");
}
