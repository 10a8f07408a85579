/* booking — notice, horizon, late cancellation and client-detail checks.
 * Pure: callers pass "now"; nothing here reads a clock or the store. */
#include "core/booking.h"

#include <string.h>

#include "core/datetime.h"
#include "core/phone.h"
#include "core/email.h"

struct booking_rules booking_rules_for(const struct booking_rules *clinic, int svc_notice,
                                       int svc_horizon, int svc_late_cancel)
{
    struct booking_rules r = *clinic;
    if (svc_notice >= 0)
        r.min_notice_min = svc_notice;
    if (svc_horizon > 0)
        r.horizon_days = svc_horizon;
    if (svc_late_cancel >= 0)
        r.late_cancel_hours = svc_late_cancel;
    return r;
}

const char *booking_service_no_openings(size_t active_therapists, size_t rooms)
{
    if (active_therapists == 0 && rooms == 0)
        return "no active therapist offers it and no room suits it";
    if (active_therapists == 0)
        return "no active therapist offers it";
    if (rooms == 0)
        return "no room suits it";
    return NULL;
}

int booking_grid_ok(int minutes)
{
    /* The grids that divide an hour and are whole multiples of 5 minutes:
     * 6 or 12 divide it too, but starts at :06 or :12 read as nobody's grid. */
    return minutes >= 5 && minutes <= 60 && minutes % 5 == 0 && 60 % minutes == 0;
}

int booking_grid_fix(int minutes)
{
    if (minutes > 60)
        return 60;
    for (int g = minutes; g > 5; g--)
        if (booking_grid_ok(g))
            return g;
    return 5;
}

int64_t booking_earliest(const struct booking_rules *r, int64_t now)
{
    return now + (int64_t)r->min_notice_min * 60;
}

int64_t booking_latest(const struct booking_rules *r, int64_t now)
{
    return now + (int64_t)r->horizon_days * 86400;
}

enum booking_time booking_check_time(const struct booking_rules *r, int64_t now, int64_t start)
{
    if (start <= now)
        return BOOKING_IN_PAST;
    if (start < booking_earliest(r, now))
        return BOOKING_TOO_SOON;
    if (start > booking_latest(r, now))
        return BOOKING_TOO_FAR;
    return BOOKING_TIME_OK;
}

int64_t booking_round_up(const struct booking_rules *r, const struct tz *tz, int64_t t)
{
    /* Walk forward minute by minute (at most one grid step plus a DST gap)
     * to the first instant whose local wall time sits on the grid. */
    int64_t m = (t + 59) / 60 * 60;
    for (int i = 0; i < 24 * 60; i++, m += 60) {
        struct dt_civil c;
        int off;
        tz_to_local(tz, m, &c, &off);
        if (c.sec == 0 && (c.hour * 60 + c.min) % r->grid_min == 0)
            return m;
    }
    return m;
}

int booking_is_late_cancel(const struct booking_rules *r, int64_t now, int64_t start)
{
    return start - now < (int64_t)r->late_cancel_hours * 3600;
}

static int has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

const char *booking_check_name(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    while (n && name[n - 1] == ' ')
        n--;
    if (n == 0 || name[0] == ' ')
        return "Please give your name.";
    if (n > 120)
        return "The name is too long (at most 120 characters).";
    if (has_control(name))
        return "The name holds characters that cannot be used.";
    return NULL;
}

const char *booking_check_email(const char *email)
{
    if (!email || !*email)
        return "Please give your email address, so we can send the confirmation.";
    /* the mailer's own rule: what we accept, it can send to */
    if (!email_addr_ok(email))
        return "Please check the email address: it should look like name@example.com.";
    return NULL;
}

const char *booking_check_phone(const char *phone)
{
    size_t digits = 0;
    if (!phone || !*phone)
        return NULL;
    if (strlen(phone) > 40)
        return "The phone number is too long.";
    for (const char *p = phone; *p; p++) {
        if (*p >= '0' && *p <= '9')
            digits++;
        else if (!strchr(" +-().", *p))
            return "The phone number may hold digits, spaces and + - ( ) . only.";
    }
    if (digits < 7)
        return "The phone number needs at least 7 digits.";
    return NULL;
}

const char *booking_check_desk_contact(const char *email, const char *phone)
{
    char e164[PHONE_E164_MAX];
    if (email && *email)
        return booking_check_email(email);
    if (!phone || !*phone)
        return "Give the client's e-mail address or phone number (at least one of the two).";
    if (booking_check_phone(phone) || phone_e164(phone, e164) < 0)
        return "Without an e-mail the phone is how the client is reached: give the whole "
               "number with its area code (like 907 555 0142, or +44 20 7946 0018).";
    return NULL;
}

const char *booking_check_notes(const char *notes)
{
    if (notes && strlen(notes) > 2000)
        return "The note is too long (at most 2,000 characters).";
    return NULL;
}

/* s without leading and trailing spaces: *len bytes from the returned pointer. */
static const char *trimmed(const char *s, size_t *len)
{
    size_t n;
    while (*s == ' ')
        s++;
    n = strlen(s);
    while (n && s[n - 1] == ' ')
        n--;
    *len = n;
    return s;
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int same_email(const char *a, const char *b)
{
    size_t na, nb;
    if (!a || !b)
        return 0;
    a = trimmed(a, &na);
    b = trimmed(b, &nb);
    if (na == 0 || na != nb)
        return 0;
    for (size_t i = 0; i < na; i++)
        if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
            return 0;
    return 1;
}

static int same_phone(const char *a, const char *b)
{
    char ea[PHONE_E164_MAX], eb[PHONE_E164_MAX];
    if (!a || !b || !*a || !*b || phone_e164(a, ea) < 0 || phone_e164(b, eb) < 0)
        return 0;
    return strcmp(ea, eb) == 0;
}

int booking_same_client(const char *email_a, const char *phone_a, const char *email_b,
                        const char *phone_b)
{
    return same_email(email_a, email_b) || same_phone(phone_a, phone_b);
}

int booking_overlaps(int64_t s1, int64_t e1, int64_t s2, int64_t e2)
{
    return s1 < e2 && s2 < e1;
}
