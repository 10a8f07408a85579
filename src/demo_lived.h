/* demo_lived — what `knead demo --lived-in` adds to the demo clinic so that
 * it looks in use: two weeks of past and future appointments in every
 * status, a dozen clients with health forms, a pending insurance check, an
 * active referral, signed notes with recommendations and a waitlist entry.
 * All of it invented, and dated from "now" (clock_now(), so `--now` pins
 * it): the demo never goes stale. */
#ifndef KNEAD_DEMO_LIVED_H
#define KNEAD_DEMO_LIVED_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct db;
struct tz;
struct service;
struct therapist;
struct therapist_week;

#define DEMO_LIVED_DAYS 14    /* days before and after today that hold appointments */
#define DEMO_LIVED_CLIENTS 12 /* invented clients, each with a health form */

/* The clinic seeded before: its services, therapists (with their weeks at
 * the first location and the user id of each one's account) and rooms. */
struct demo_clinic {
    const struct service *services;
    size_t nservices;
    const struct therapist *therapists;
    const struct therapist_week *weeks;
    const int64_t *therapist_users; /* by therapist; 0 = no account */
    size_t ntherapists;
    const int64_t *rooms; /* the first location's */
    size_t nrooms;
};

/* Adds the lived-in data to the clinic c inside the caller's open
 * transaction, at now in the first location's zone tz.  On error the
 * caller rolls back; e says what failed. */
enum err_code demo_lived_seed(struct db *db, const struct demo_clinic *c, const struct tz *tz,
                              int64_t now, struct err *e);

#endif
