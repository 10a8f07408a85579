/* intake — the health form's and the insurance check's rules (see intake.h).
 * Pure: every function reads its arguments and the constant lists below. */
#include "core/intake.h"

#include <string.h>

#include "core/booking.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct intake_choice areas[] = {
    {"head_jaw", "Head and jaw"},   {"neck", "Neck"},
    {"shoulders", "Shoulders"},     {"upper_back", "Upper back"},
    {"lower_back", "Lower back"},   {"hips", "Hips and buttocks"},
    {"arms", "Arms and elbows"},    {"hands", "Wrists and hands"},
    {"legs", "Thighs and calves"},  {"knees", "Knees"},
    {"feet", "Ankles and feet"},
};
static const struct intake_choice onsets[] = {
    {"sudden_lifting", "Suddenly, lifting something"},
    {"sudden_sneeze", "Suddenly, with a sneeze or cough"},
    {"sudden_fall", "Suddenly, after a fall"},
    {"gradual_posture", "Gradually, from posture"},
    {"gradual_work", "Gradually, from work"},
    {"gradual_workouts", "Gradually, from workouts or sport"},
    {"other", "Other"},
};
static const struct intake_choice treatments[] = {
    {"rest", "Rest"},
    {"heat_cold", "Heat and cold"},
    {"medication", "Medication"},
    {"physical_therapy", "Physical therapy"},
    {"injections", "Injections"},
    {"chiropractic", "Chiropractic"},
};
static const struct intake_choice conditions[] = {
    {"recent_surgery", "Recent surgery"},
    {"blood_clots", "Blood clots or deep vein thrombosis"},
    {"pregnancy", "Pregnancy"},
    {"osteoporosis", "Osteoporosis"},
    {"skin_conditions", "Skin conditions, rashes or open wounds"},
    {"blood_thinners", "Taking blood thinners"},
    {"other", "Other"},
};
static const struct intake_choice pressures[] = {
    {"light", "Light"},
    {"medium", "Medium"},
    {"firm", "Firm"},
    {"deep", "Deep"},
};
static const struct intake_choice relations[] = {
    {"self", "Self"},
    {"spouse", "Spouse or partner"},
    {"parent", "Parent"},
    {"other", "Other"},
};
static const struct intake_choice outcomes[] = {
    {"covered", "Covered"},
    {"partial", "Partly covered"},
    {"not_covered", "Not covered"},
};

#define LIST(fn, arr)                                                                          \
    const struct intake_choice *fn(size_t *n)                                                  \
    {                                                                                          \
        if (n)                                                                                 \
            *n = N(arr);                                                                       \
        return arr;                                                                            \
    }
LIST(intake_areas, areas)
LIST(intake_onsets, onsets)
LIST(intake_treatments, treatments)
LIST(intake_conditions, conditions)
LIST(intake_pressures, pressures)
LIST(insurance_relations, relations)
LIST(insurance_outcomes, outcomes)

const char *intake_label(const struct intake_choice *list, size_t n, const char *code)
{
    for (size_t i = 0; code && i < n; i++)
        if (strcmp(list[i].code, code) == 0)
            return list[i].label;
    return NULL;
}

/* Index of the code csv[0..len) in list, or -1. */
static int find_code(const char *s, size_t len, const struct intake_choice *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(list[i].code) == len && memcmp(list[i].code, s, len) == 0)
            return (int)i;
    return -1;
}

int intake_codes_ok(const char *csv, const struct intake_choice *list, size_t n)
{
    unsigned long seen = 0;
    const char *p = csv;
    if (!csv || !*csv)
        return 1;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        int i = find_code(p, len, list, n);
        if (i < 0 || i >= (int)(8 * sizeof seen) || (seen & (1UL << i)))
            return 0;
        seen |= 1UL << i;
        if (!end)
            return 1;
        p = end + 1;
    }
}

int intake_has_code(const char *csv, const char *code)
{
    size_t len = strlen(code);
    for (const char *p = csv; p && *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == len && memcmp(p, code, len) == 0)
            return 1;
        p = end ? end + 1 : NULL;
    }
    return 0;
}

/* Characters (UTF-8 code points) of s. */
static size_t chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static int blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return 0;
    return 1;
}

static int has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

/* A problem list being filled: adds only the first problem of each field. */
struct probs {
    struct intake_problem *out;
    size_t max, n;
};

static void add(struct probs *p, const char *field, const char *msg)
{
    for (size_t i = 0; i < p->n && i < p->max; i++)
        if (strcmp(p->out[i].field, field) == 0)
            return;
    if (p->n < p->max) {
        p->out[p->n].field = field;
        p->out[p->n].msg = msg;
    }
    p->n++;
}

/* A one-line text: required or not, at most max characters, no control
 * characters. */
static void line(struct probs *p, const char *field, const char *v, int required, size_t max,
                 const char *missing, const char *too_long)
{
    if (required && blank(v))
        add(p, field, missing);
    else if (chars(v) > max)
        add(p, field, too_long);
    else if (has_control(v))
        add(p, field, "This holds characters that cannot be used; type it on one line.");
}

/* A longer text (line breaks allowed), optional, at most max characters. */
static void text(struct probs *p, const char *field, const char *v, size_t max,
                 const char *too_long)
{
    if (chars(v) > max)
        add(p, field, too_long);
}

/* Compares a and b ignoring ASCII case and spaces around either. */
static int same_name(const char *a, const char *b)
{
    while (*a == ' ')
        a++;
    while (*b == ' ')
        b++;
    size_t na = strlen(a), nb = strlen(b);
    while (na && a[na - 1] == ' ')
        na--;
    while (nb && b[nb - 1] == ' ')
        nb--;
    if (na != nb || na == 0)
        return 0;
    for (size_t i = 0; i < na; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y - 'A' + 'a');
        if (x != y)
            return 0;
    }
    return 1;
}

/* Parses a whole number 0..max of at most 3 digits; -1 when it is not one. */
static int small_number(const char *s, int max)
{
    int v = 0;
    size_t n = strlen(s);
    if (n == 0 || n > 3)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v <= max ? v : -1;
}

size_t intake_check(const struct intake_input *in, const char *client_name, struct dt_date today,
                    int *pain, struct intake_problem *out, size_t max)
{
    struct probs p = {out, max, 0};
    const char *why;
    struct dt_date dob;

    if ((why = booking_check_email(in->email)))
        add(&p, "email", why);
    if (blank(in->phone))
        add(&p, "phone", "Enter a phone number we can reach you at.");
    else if ((why = booking_check_phone(in->phone)))
        add(&p, "phone", why);

    if (blank(in->birth_date))
        add(&p, "birth_date", "Enter your date of birth, for example 1980-04-30.");
    else if (dt_parse_date(in->birth_date, &dob) < 0)
        add(&p, "birth_date",
            "Enter the date of birth as year-month-day, for example 1980-04-30, and check "
            "that the day exists.");
    else if (dt_date_to_days(dob) >= dt_date_to_days(today))
        add(&p, "birth_date", "The date of birth must be in the past.");
    else if (dob.year < today.year - 120)
        add(&p, "birth_date", "Check the year of birth: it is more than 120 years ago.");

    line(&p, "emergency_name", in->emergency_name, 1, INTAKE_NAME_MAX,
         "Enter the name of someone we can call in an emergency.",
         "The emergency contact's name can be at most 120 characters.");
    if (blank(in->emergency_phone))
        add(&p, "emergency_phone", "Enter your emergency contact's phone number.");
    else if ((why = booking_check_phone(in->emergency_phone)))
        add(&p, "emergency_phone", why);

    line(&p, "reason", in->reason, 1, INTAKE_REASON_MAX,
         "Tell us the reason for your visit, for example lower back pain.",
         "Keep the reason for the visit under 200 characters; add details below.");
    if (!intake_codes_ok(in->areas, areas, N(areas)))
        add(&p, "areas", "Choose the areas from the list.");

    int v = small_number(in->pain, 10);
    if (v < 0)
        add(&p, "pain", "Choose how much it hurts: a whole number from 0 (none) to 10 (worst).");
    else if (pain)
        *pain = v;

    if (!*in->onset)
        add(&p, "onset", "Choose how it started.");
    else if (!intake_label(onsets, N(onsets), in->onset))
        add(&p, "onset", "Choose how it started from the list.");
    if (strcmp(in->onset, "other") == 0)
        line(&p, "onset_other", in->onset_other, 1, INTAKE_REASON_MAX,
             "You chose \"Other\": describe how it started.",
             "Keep how it started under 200 characters.");
    else
        line(&p, "onset_other", in->onset_other, 0, INTAKE_REASON_MAX, "",
             "Keep how it started under 200 characters.");

    text(&p, "worse", in->worse, INTAKE_TEXT_MAX,
         "Keep what makes it worse under 500 characters.");
    text(&p, "better", in->better, INTAKE_TEXT_MAX,
         "Keep what makes it better under 500 characters.");
    if (!intake_codes_ok(in->treatments, treatments, N(treatments)))
        add(&p, "treatments", "Choose the treatments from the list.");
    if (!intake_codes_ok(in->conditions, conditions, N(conditions)))
        add(&p, "conditions", "Choose the conditions from the list.");
    if (intake_has_code(in->conditions, "other") && blank(in->conditions_other))
        add(&p, "conditions_other", "You ticked \"Other\": tell us which condition.");
    text(&p, "conditions_other", in->conditions_other, INTAKE_TEXT_MAX,
         "Keep the other conditions under 500 characters.");
    text(&p, "medications", in->medications, INTAKE_MEDS_MAX,
         "Keep the medications under 1,000 characters.");

    if (!*in->pressure)
        add(&p, "pressure", "Choose the pressure you prefer.");
    else if (!intake_label(pressures, N(pressures), in->pressure))
        add(&p, "pressure", "Choose the pressure from the list: light, medium, firm or deep.");

    if (blank(in->consent_name))
        add(&p, "consent_name", "Type your full name to give your consent.");
    else if (!same_name(in->consent_name, client_name))
        add(&p, "consent_name",
            "The name does not match the name on the booking; type your full name as booked.");
    return p.n;
}

/* Member and group numbers: letters, digits, '-' and spaces. */
static int id_chars_ok(const char *s)
{
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
              *s == '-' || *s == ' '))
            return 0;
    return 1;
}

size_t insurance_check_request(const struct insurance_input *in, struct intake_problem *out,
                               size_t max)
{
    struct probs p = {out, max, 0};
    line(&p, "carrier", in->carrier, 1, 100, "Enter the name of your insurance company.",
         "The insurance company's name can be at most 100 characters.");
    if (blank(in->member_id))
        add(&p, "member_id", "Enter the member ID from your insurance card.");
    else if (strlen(in->member_id) > 50 || !id_chars_ok(in->member_id))
        add(&p, "member_id",
            "The member ID may hold letters, digits, spaces and dashes only (at most 50).");
    if (strlen(in->group_number) > 50 || !id_chars_ok(in->group_number))
        add(&p, "group_number",
            "The group number may hold letters, digits, spaces and dashes only (at most 50).");
    line(&p, "holder_name", in->holder_name, 1, INTAKE_NAME_MAX,
         "Enter the name of the policyholder as it is on the card.",
         "The policyholder's name can be at most 120 characters.");
    if (!intake_label(relations, N(relations), in->relation))
        add(&p, "relation", "Choose who the policyholder is to you.");
    return p.n;
}

int insurance_parse_dollars(const char *s, int *cents)
{
    long long whole = 0;
    int frac = 0, digits = 0, fdigits = 0;
    const char *q = s;
    while (*q == ' ')
        q++;
    if (*q == '$')
        q++;
    for (; (*q >= '0' && *q <= '9') || (*q == ',' && digits); q++) {
        if (*q == ',')
            continue;
        whole = whole * 10 + (*q - '0');
        if (++digits > 6)
            return -1;
    }
    if (*q == '.') {
        for (q++; *q >= '0' && *q <= '9'; q++) {
            if (++fdigits > 2)
                return -1;
            frac = frac * 10 + (*q - '0');
        }
        if (fdigits == 0)
            return -1;
        if (fdigits == 1)
            frac *= 10;
    }
    while (*q == ' ')
        q++;
    if (*q || (digits == 0 && fdigits == 0))
        return -1;
    long long total = whole * 100 + frac;
    if (total > 10000000)
        return -1;
    *cents = (int)total;
    return 0;
}

size_t insurance_check_outcome(const struct insurance_outcome_input *in,
                               struct insurance_outcome *out, struct intake_problem *problems,
                               size_t max)
{
    struct probs p = {problems, max, 0};
    struct insurance_outcome o = {-1, -1, -1, 0};
    if (!intake_label(outcomes, N(outcomes), in->outcome))
        add(&p, "outcome", "Choose what the carrier said: covered, partly covered or not covered.");
    if (!blank(in->visits) && (o.visits = small_number(in->visits, 365)) < 0)
        add(&p, "visits", "Enter the visits per year as a whole number from 0 to 365, or leave "
                          "it empty.");
    if (!blank(in->copay) && insurance_parse_dollars(in->copay, &o.copay_cents) < 0)
        add(&p, "copay", "Enter the copay in dollars, for example 25 or 25.50, or leave it empty.");
    if (!blank(in->deductible) && insurance_parse_dollars(in->deductible, &o.deductible_cents) < 0)
        add(&p, "deductible",
            "Enter the deductible left in dollars, for example 500 or 1,250.00, or leave it "
            "empty.");
    if (strcmp(in->referral, "yes") == 0)
        o.referral = 1;
    else if (strcmp(in->referral, "no") != 0)
        add(&p, "referral", "Say whether the carrier requires a doctor's referral.");
    text(&p, "notes", in->notes, 1000, "Keep the notes under 1,000 characters.");
    if (p.n == 0 && out)
        *out = o;
    return p.n;
}
