/* report — see report.h.  Pure: no I/O, no globals, no allocation (the
 * boundaries of a day's spans sort in the caller's scratch). */
#include "core/report.h"

#include <stdio.h>
#include <stdlib.h>

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

static int inside(const struct avail_span *s, size_t n, int64_t t)
{
    for (size_t i = 0; i < n; i++)
        if (s[i].start < s[i].end && s[i].start <= t && t < s[i].end)
            return 1;
    return 0;
}

/* Every boundary of the three lists, sorted: between two neighbours each
 * list either holds all of the piece or none of it, so the piece counts
 * when its first instant is open, worked and not busy. */
int64_t report_free_seconds(const struct avail_span *open, size_t nopen,
                            const struct avail_span *work, size_t nwork,
                            const struct avail_span *busy, size_t nbusy, int64_t *pt)
{
    size_t np = 0;
    const struct avail_span *lists[] = {open, work, busy};
    const size_t counts[] = {nopen, nwork, nbusy};
    for (size_t l = 0; l < 3; l++)
        for (size_t i = 0; i < counts[l]; i++) {
            pt[np++] = lists[l][i].start;
            pt[np++] = lists[l][i].end;
        }
    if (np == 0)
        return 0;
    qsort(pt, np, sizeof *pt, cmp_i64);
    int64_t total = 0;
    for (size_t i = 0; i + 1 < np; i++) {
        int64_t a = pt[i], b = pt[i + 1];
        if (a == b)
            continue;
        if (inside(open, nopen, a) && inside(work, nwork, a) && !inside(busy, nbusy, a))
            total += b - a;
    }
    return total;
}

int64_t report_median(int64_t *v, size_t n)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, cmp_i64);
    if (n % 2)
        return v[n / 2];
    int64_t a = v[n / 2 - 1], b = v[n / 2];
    /* a <= b: a + (b - a) / 2 rounds down, and b - a overflows only for
     * values no report holds (durations and counts are >= 0) */
    return a + (b - a) / 2;
}

int report_permille(int64_t num, int64_t den)
{
    if (den <= 0 || num < 0)
        return -1;
    /* a rate above 1000 times (never met in a report) is shown as that */
    if (num / den >= 1000)
        return 1000000;
    /* num < 1000 * den here, so num * 2000 overflows only for den beyond
     * INT64_MAX / 2,000,000: scale both down then */
    while (num > INT64_MAX / 2000 || den > INT64_MAX / 4) {
        num /= 2;
        den /= 2;
    }
    if (den <= 0)
        return -1;
    return (int)((num * 2000 + den) / (2 * den));
}

const char *report_permille_text(int permille, char *buf, size_t size)
{
    if (permille < 0)
        snprintf(buf, size, "\xe2\x80\x94");
    else
        snprintf(buf, size, "%d.%d%%", permille / 10, permille % 10);
    return buf;
}

enum report_range_fault report_range(struct dt_date from, struct dt_date to,
                                     struct report_range *out)
{
    int64_t a = dt_date_to_days(from), b = dt_date_to_days(to);
    if (b < a)
        return REPORT_RANGE_REVERSED;
    if (b - a + 1 > REPORT_MAX_DAYS)
        return REPORT_RANGE_TOO_LONG;
    out->from = from;
    out->to = to;
    out->days = (int)(b - a + 1);
    out->prev_to = dt_date_from_days(a - 1);
    out->prev_from = dt_date_from_days(a - out->days);
    return REPORT_RANGE_OK;
}

struct report_range report_range_last(struct dt_date today, int days)
{
    struct report_range r;
    if (days < 1)
        days = 1;
    if (days > REPORT_MAX_DAYS)
        days = REPORT_MAX_DAYS;
    int64_t end = dt_date_to_days(today) - 1;
    (void)report_range(dt_date_from_days(end - days + 1), dt_date_from_days(end), &r);
    return r;
}

int report_change_percent(int64_t cur, int64_t prev, int *has)
{
    *has = prev != 0;
    if (!prev)
        return 0;
    /* |cur - prev| * 100 stays far inside int64 for counts and seconds */
    int64_t num = (cur - prev) * 100, den = prev < 0 ? -prev : prev;
    int64_t q = num >= 0 ? (num + den / 2) / den : -((-num + den / 2) / den);
    if (q > 1000000)
        q = 1000000;
    if (q < -1000000)
        q = -1000000;
    return (int)q;
}
