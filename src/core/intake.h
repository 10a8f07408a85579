/* intake — the clinic's rules for the client's health form (intake) and
 * for insurance-benefit checks: the lists of choices, and what each field
 * must hold.  Pure: no I/O, no state; the same checks serve the client's
 * form (/a/{token}/intake) and the front desk's.
 *
 * A check fills an array of problems, one per wrong field, each a field
 * name (the form's input name) and a message a person can act on; the
 * messages are static strings. */
#ifndef KNEAD_CORE_INTAKE_H
#define KNEAD_CORE_INTAKE_H

#include <stddef.h>

#include "core/datetime.h"

/* One choice of a list: the code stored and the label shown. */
struct intake_choice {
    const char *code, *label;
};

/* The lists, each of *n choices (n may be NULL).  Can't fail. */
const struct intake_choice *intake_areas(size_t *n);      /* where it hurts */
const struct intake_choice *intake_onsets(size_t *n);     /* how it started */
const struct intake_choice *intake_treatments(size_t *n); /* treatments tried */
const struct intake_choice *intake_conditions(size_t *n); /* conditions and contraindications */
const struct intake_choice *intake_pressures(size_t *n);  /* pressure preference */
const struct intake_choice *insurance_relations(size_t *n); /* policyholder is the client's ... */
const struct intake_choice *insurance_outcomes(size_t *n);  /* what the carrier said */

/* The label of code in list, or NULL when code is not in it. */
const char *intake_label(const struct intake_choice *list, size_t n, const char *code);

/* 1 when csv ("lower_back,neck"; "" = none) holds only codes of list, each
 * once, else 0. */
int intake_codes_ok(const char *csv, const struct intake_choice *list, size_t n);

/* 1 when the comma-separated list csv holds code. */
int intake_has_code(const char *csv, const char *code);

/* One wrong field. */
struct intake_problem {
    const char *field, *msg;
};

/* The health form as typed (every pointer non-NULL; "" = left empty). */
struct intake_input {
    const char *email, *phone, *birth_date, *emergency_name, *emergency_phone, *reason;
    const char *areas; /* comma-separated codes of intake_areas */
    const char *pain;  /* "0".."10" */
    const char *onset, *onset_other, *worse, *better;
    const char *treatments, *conditions; /* comma-separated codes */
    const char *conditions_other, *medications, *pressure, *consent_name;
};

/* Length limits, in characters. */
#define INTAKE_NAME_MAX 120
#define INTAKE_REASON_MAX 200
#define INTAKE_TEXT_MAX 500
#define INTAKE_MEDS_MAX 1000

/* Checks every field of in for a client called client_name on local date
 * today: contact details, a real past date of birth (at most 120 years
 * back), an emergency contact, a reason, known codes, pain a whole number
 * 0..10 (stored in *pain), a description when "other" is chosen, lengths,
 * and the consent: the typed name must equal client_name, ignoring case
 * and spaces around it.  Writes up to max problems to out and returns how
 * many there were (0 = the form is fine).  Can't fail. */
size_t intake_check(const struct intake_input *in, const char *client_name, struct dt_date today,
                    int *pain, struct intake_problem *out, size_t max);

/* ---- insurance-benefit checks ---- */

/* What the client asks us to check with. */
struct insurance_input {
    const char *carrier, *member_id, *group_number, *holder_name, *relation;
};

/* Checks a request: carrier, member ID (letters, digits, '-' and spaces),
 * optional group number, policyholder and relation.  As intake_check. */
size_t insurance_check_request(const struct insurance_input *in, struct intake_problem *out,
                               size_t max);

/* The outcome as the front desk typed it. */
struct insurance_outcome_input {
    const char *outcome;    /* a code of insurance_outcomes */
    const char *visits;     /* whole number 0..365, "" = not stated */
    const char *copay;      /* dollars, "25", "$25.50", "" = not stated */
    const char *deductible; /* dollars left of the deductible, "" = not stated */
    const char *referral;   /* "yes" or "no" */
    const char *notes;
};

/* The checked outcome; -1 in a number = not stated. */
struct insurance_outcome {
    int visits, copay_cents, deductible_cents, referral;
};

/* Checks an outcome and, when it is fine, fills *out.  As intake_check. */
size_t insurance_check_outcome(const struct insurance_outcome_input *in,
                               struct insurance_outcome *out, struct intake_problem *problems,
                               size_t max);

/* Parses an amount of dollars ("25", "25.5", "$1,234.50", spaces around
 * allowed) into cents, at most $100,000.  Returns 0, or -1 and leaves
 * *cents alone. */
int insurance_parse_dollars(const char *s, int *cents);

#endif
