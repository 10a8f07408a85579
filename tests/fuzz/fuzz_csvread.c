/* libFuzzer target: the CSV reader (core/csvread) on hostile text.  It never
 * reads past the input, and every record it reads, written back with every
 * field quoted (quotes doubled), reads again as the same fields: what it
 * accepts it reads exactly. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/csvread.h"
#include "util/sb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new();
    struct csvread c;
    struct err e = {0};
    char *f[CSVREAD_MAX_FIELDS], *g[CSVREAD_MAX_FIELDS];
    size_t n, m;
    int line, rc;
    csvread_init(&c, (const char *)data, size);
    while ((rc = csvread_next(&c, a, f, &n, &line, &e)) == 1) {
        struct sb b = SB_INIT;
        struct csvread back;
        int l2;
        if (n == 0 || n > CSVREAD_MAX_FIELDS || line < 1)
            abort();
        for (size_t i = 0; i < n; i++) {
            sb_addc(&b, '"');
            for (const char *p = f[i]; *p; p++) {
                if (*p == '"')
                    sb_addc(&b, '"');
                sb_addc(&b, *p);
            }
            sb_adds(&b, i + 1 < n ? "\"," : "\"\r\n");
        }
        csvread_init(&back, b.buf, b.len);
        /* a record of one empty field writes as "" and reads back as one */
        if (csvread_next(&back, a, g, &m, &l2, &e) != 1 || m != n)
            abort();
        for (size_t i = 0; i < n; i++)
            if (strcmp(f[i], g[i]) != 0)
                abort();
        sb_release(&b);
    }
    if (rc < 0 && e.code != E_INVALID)
        abort();
    arena_free(a);
    return 0;
}
