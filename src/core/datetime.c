/* datetime — calendar arithmetic and strict date/time parsing and formatting.
 *
 * Civil dates use the proleptic Gregorian calendar; day numbers count from
 * 1970-01-01 and conversions use the "days from civil" era arithmetic (eras
 * of 400 years = 146097 days, years starting on March 1 so the leap day is
 * the last day of the year), which is exact for every int year.
 *
 * This module must not do I/O, read the clock, the locale or TZ, keep any
 * state, or accept anything the parsers' grammars do not spell out: every
 * caller in Knead relies on "parses" meaning "is exactly this format". */
#include "core/datetime.h"

#define DAYS_CLAMP INT64_C(365000000000)

/* Floor division and modulo for a positive divisor. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b) < 0)
        q--;
    return q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    int64_t r = a % b;
    if (r < 0)
        r += b;
    return r;
}

int64_t dt_days_from_civil(int y, int m, int d)
{
    int64_t yy = y, mm = m;

    yy += floor_div(mm - 1, 12);
    mm = floor_mod(mm - 1, 12) + 1;
    if (mm <= 2)
        yy--;
    int64_t era = floor_div(yy, 400);
    int64_t yoe = yy - era * 400;                  /* 0..399 */
    int64_t mp = (mm + 9) % 12;                    /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5;              /* 0..365, of the 1st */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468 + ((int64_t)d - 1);
}

void dt_civil_from_days(int64_t days, int *y, int *m, int *d)
{
    if (days > DAYS_CLAMP)
        days = DAYS_CLAMP;
    if (days < -DAYS_CLAMP)
        days = -DAYS_CLAMP;
    int64_t z = days + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;                                 /* 0..146096 */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* 0..399 */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);          /* 0..365 */
    int64_t mp = (5 * doy + 2) / 153;                               /* 0..11 */
    int64_t dd = doy - (153 * mp + 2) / 5 + 1;
    int64_t mm = mp < 10 ? mp + 3 : mp - 9;
    int64_t yy = yoe + era * 400 + (mm <= 2);
    if (y)
        *y = (int)yy;
    if (m)
        *m = (int)mm;
    if (d)
        *d = (int)dd;
}

int dt_weekday(int64_t days)
{
    /* 1970-01-01 was a Thursday. */
    return (int)floor_mod(floor_mod(days, 7) + 4, 7);
}

int dt_is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int dt_days_in_month(int y, int m)
{
    static const unsigned char len[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (m < 1 || m > 12)
        return 0;
    if (m == 2 && dt_is_leap(y))
        return 29;
    return len[m - 1];
}

int dt_valid_date(int y, int m, int d)
{
    return m >= 1 && m <= 12 && d >= 1 && d <= dt_days_in_month(y, m);
}

int dt_valid_civil(const struct dt_civil *c)
{
    return dt_valid_date(c->year, c->month, c->day) && c->hour >= 0 && c->hour <= 23 &&
           c->min >= 0 && c->min <= 59 && c->sec >= 0 && c->sec <= 59;
}

int64_t dt_date_to_days(struct dt_date d)
{
    return dt_days_from_civil(d.year, d.month, d.day);
}

struct dt_date dt_date_from_days(int64_t days)
{
    struct dt_date d;
    dt_civil_from_days(days, &d.year, &d.month, &d.day);
    return d;
}

struct dt_date dt_date_add(struct dt_date d, int n)
{
    return dt_date_from_days(dt_date_to_days(d) + n);
}

int64_t dt_civil_to_secs(const struct dt_civil *c)
{
    return dt_days_from_civil(c->year, c->month, c->day) * 86400 + (int64_t)c->hour * 3600 +
           (int64_t)c->min * 60 + c->sec;
}

void dt_civil_from_secs(int64_t secs, struct dt_civil *out)
{
    if (secs > DAYS_CLAMP * 86400)
        secs = DAYS_CLAMP * 86400;
    if (secs < -DAYS_CLAMP * 86400)
        secs = -DAYS_CLAMP * 86400;
    int64_t days = floor_div(secs, 86400);
    int64_t rem = secs - days * 86400;
    dt_civil_from_days(days, &out->year, &out->month, &out->day);
    out->hour = (int)(rem / 3600);
    out->min = (int)(rem / 60 % 60);
    out->sec = (int)(rem % 60);
}

/* ---- parsing ---- */

/* Reads exactly n ASCII digits at *p into *v and advances *p.  Returns 0, or
 * -1 (nothing consumed) if any of the n characters is not a digit. */
static int digits(const char **p, int n, int *v)
{
    const char *s = *p;
    int r = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        r = r * 10 + (s[i] - '0');
    }
    *p = s + n;
    *v = r;
    return 0;
}

static int expect(const char **p, char c)
{
    if (**p != c)
        return -1;
    (*p)++;
    return 0;
}

/* "YYYY-MM-DD" at *p, a valid date in the parse year range. */
static int parse_date_at(const char **p, struct dt_date *d)
{
    if (digits(p, 4, &d->year) < 0 || expect(p, '-') < 0 || digits(p, 2, &d->month) < 0 ||
        expect(p, '-') < 0 || digits(p, 2, &d->day) < 0)
        return -1;
    if (d->year < DT_PARSE_YEAR_MIN || d->year > DT_PARSE_YEAR_MAX)
        return -1;
    if (!dt_valid_date(d->year, d->month, d->day))
        return -1;
    return 0;
}

int dt_parse_date(const char *s, struct dt_date *out)
{
    struct dt_date d;
    if (!s || parse_date_at(&s, &d) < 0 || *s != '\0')
        return -1;
    *out = d;
    return 0;
}

int dt_parse_rfc3339(const char *s, int64_t *utc, int *offset_sec)
{
    struct dt_date d;
    int hh, mi, ss, off = 0;

    if (!s || parse_date_at(&s, &d) < 0)
        return -1;
    if (*s != 'T' && *s != 't')
        return -1;
    s++;
    if (digits(&s, 2, &hh) < 0 || expect(&s, ':') < 0 || digits(&s, 2, &mi) < 0 ||
        expect(&s, ':') < 0 || digits(&s, 2, &ss) < 0)
        return -1;
    if (hh > 23 || mi > 59 || ss > 59)
        return -1;
    if (*s == '.') {
        s++;
        if (*s < '0' || *s > '9')
            return -1;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    if (*s == 'Z' || *s == 'z') {
        s++;
    } else if (*s == '+' || *s == '-') {
        int sign = *s == '-' ? -1 : 1, oh, om;
        s++;
        if (digits(&s, 2, &oh) < 0 || expect(&s, ':') < 0 || digits(&s, 2, &om) < 0)
            return -1;
        if (oh > 23 || om > 59)
            return -1;
        off = sign * (oh * 3600 + om * 60);
    } else {
        return -1;
    }
    if (*s != '\0')
        return -1;

    struct dt_civil c = { d.year, d.month, d.day, hh, mi, ss };
    if (utc)
        *utc = dt_civil_to_secs(&c) - off;
    if (offset_sec)
        *offset_sec = off;
    return 0;
}

int dt_parse_hhmm(const char *s, int *minutes)
{
    int hh, mm;
    if (!s || digits(&s, 2, &hh) < 0 || expect(&s, ':') < 0 || digits(&s, 2, &mm) < 0 ||
        *s != '\0')
        return -1;
    if (hh == 24 && mm == 0) {
        *minutes = 1440;
        return 0;
    }
    if (hh > 23 || mm > 59)
        return -1;
    *minutes = hh * 60 + mm;
    return 0;
}

/* ---- formatting ---- */

static void put_digits(char *p, int n, int v)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

static size_t fail(char *buf, size_t size)
{
    if (buf && size > 0)
        buf[0] = '\0';
    return 0;
}

size_t dt_format_rfc3339(int64_t utc, int offset_sec, char *buf, size_t size)
{
    enum { LEN = 25 };
    if (!buf || size < LEN + 1)
        return fail(buf, size);
    /* Round to whole minutes, half away from zero. */
    int64_t mag = offset_sec < 0 ? -(int64_t)offset_sec : offset_sec;
    if (mag > 23 * 3600 + 59 * 60 + 29)
        return fail(buf, size);
    int offmin = (int)((mag + 30) / 60);
    int off = (offset_sec < 0 ? -offmin : offmin) * 60;
    if (utc < DT_UTC_MIN - 2 * 86400 || utc > DT_UTC_MAX + 2 * 86400)
        return fail(buf, size);

    int64_t local = utc + off;
    int64_t days = floor_div(local, 86400);
    int64_t rem = local - days * 86400;
    int y, m, d;
    dt_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999)
        return fail(buf, size);

    char *p = buf;
    put_digits(p, 4, y);
    p[4] = '-';
    put_digits(p + 5, 2, m);
    p[7] = '-';
    put_digits(p + 8, 2, d);
    p[10] = 'T';
    put_digits(p + 11, 2, (int)(rem / 3600));
    p[13] = ':';
    put_digits(p + 14, 2, (int)(rem / 60 % 60));
    p[16] = ':';
    put_digits(p + 17, 2, (int)(rem % 60));
    p[19] = off < 0 ? '-' : '+';
    put_digits(p + 20, 2, offmin / 60);
    p[22] = ':';
    put_digits(p + 23, 2, offmin % 60);
    p[LEN] = '\0';
    return LEN;
}

size_t dt_format_date(struct dt_date d, char *buf, size_t size)
{
    enum { LEN = 10 };
    if (!buf || size < LEN + 1 || !dt_valid_date(d.year, d.month, d.day) || d.year < 0 ||
        d.year > 9999)
        return fail(buf, size);
    put_digits(buf, 4, d.year);
    buf[4] = '-';
    put_digits(buf + 5, 2, d.month);
    buf[7] = '-';
    put_digits(buf + 8, 2, d.day);
    buf[LEN] = '\0';
    return LEN;
}

size_t dt_format_hhmm(int minutes, char *buf, size_t size)
{
    enum { LEN = 5 };
    if (!buf || size < LEN + 1 || minutes < 0 || minutes > 1440)
        return fail(buf, size);
    put_digits(buf, 2, minutes / 60);
    buf[2] = ':';
    put_digits(buf + 3, 2, minutes % 60);
    buf[LEN] = '\0';
    return LEN;
}
