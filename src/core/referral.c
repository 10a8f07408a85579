/* referral — counting a referral's visits; see referral.h.  No I/O. */
#include "core/referral.h"

#include <string.h>

#include "core/appt.h"

static int inside(const struct referral_span *r, struct dt_date d)
{
    int64_t x = dt_date_to_days(d);
    return x >= dt_date_to_days(r->from) && x <= dt_date_to_days(r->until);
}

int referral_used(const struct referral_span *r, const struct referral_visit *v, size_t n)
{
    int used = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i].status == APPT_COMPLETED && inside(r, v[i].day))
            used++;
    return used;
}

int referral_scheduled(const struct referral_span *r, const struct referral_visit *v, size_t n)
{
    int count = 0;
    for (size_t i = 0; i < n; i++)
        if ((v[i].status == APPT_BOOKED || v[i].status == APPT_CHECKED_IN) && inside(r, v[i].day))
            count++;
    return count;
}

unsigned referral_check_new(const struct referral_span *r, const struct referral_visit *v,
                            size_t n, struct dt_date day)
{
    unsigned w = REFERRAL_FITS;
    int64_t x = dt_date_to_days(day);
    if (x > dt_date_to_days(r->until))
        w |= REFERRAL_EXPIRED;
    if (x < dt_date_to_days(r->from))
        w |= REFERRAL_NOT_YET;
    if (referral_used(r, v, n) + referral_scheduled(r, v, n) + 1 > r->visits)
        w |= REFERRAL_OVER_COUNT;
    return w;
}

int referral_pick(const struct referral_span *spans, size_t n, struct dt_date day)
{
    int best = -1;
    int64_t x = dt_date_to_days(day), best_from = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t f = dt_date_to_days(spans[i].from);
        if (f <= x && (best < 0 || f > best_from)) {
            best = (int)i;
            best_from = f;
        }
    }
    return best;
}

static int alnum(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static char upper(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

int referral_icd10(const char *code, char *out, size_t size)
{
    size_t len = strnlen(code, 9);
    char buf[9];
    if (len < 3 || len > 8 || size < len + 1)
        return -1;
    if (!((code[0] >= 'A' && code[0] <= 'Z') || (code[0] >= 'a' && code[0] <= 'z')) ||
        !alnum(code[1]) || !alnum(code[2]))
        return -1;
    if (len > 3) {
        size_t rest = code[3] == '.' ? 4 : 3; /* the dot is optional */
        if (len - rest < 1 || len - rest > 4)
            return -1;
        for (size_t i = rest; i < len; i++)
            if (!alnum(code[i]))
                return -1;
    }
    for (size_t i = 0; i < len; i++)
        buf[i] = upper(code[i]);
    buf[len] = '\0';
    memcpy(out, buf, len + 1);
    return 0;
}
