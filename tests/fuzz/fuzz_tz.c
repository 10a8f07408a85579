/* libFuzzer target: TZif parsing of hostile bytes, and conversions on
 * whatever parses. */
#include <stdint.h>
#include <stdlib.h>

#include "core/tz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tz *tz = NULL;
    char err[256];
    if (tz_parse(data, size, "fuzz", &tz, err, sizeof err) == 0) {
        int64_t out[2];
        struct dt_civil c;
        int off;
        for (int64_t t = -4000000000LL; t < 4000000000LL; t += 123456789)
            tz_to_local(tz, t, &c, &off);
        struct dt_date d = {2026, 3, 8};
        for (int m = 0; m <= 1440; m += 15)
            if (tz_wall_to_utc(tz, d, m, out) > 2)
                abort();
        (void)tz_day_seconds(tz, d);
        tz_free(tz);
    }
    return 0;
}
