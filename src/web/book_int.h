/* book_int — what the booking pages (book.c) and the manage pages of one
 * appointment (manage.c) share: the problem page, strict parameters, the
 * links, loading a service's sched, the day strip and a day's times, and the
 * policy and location blocks.  Internal to those two files; nothing else
 * includes it. */
#ifndef KNEAD_WEB_BOOK_INT_H
#define KNEAD_WEB_BOOK_INT_H

#include <jansson.h>
#include <stdint.h>

#include "core/datetime.h"
#include "http/request.h"
#include "store/store.h"
#include "svc/booking.h"
#include "svc/token.h"

struct booking_rules;
struct location;
struct tz;

/* Sets o.key to the string val ("" for NULL).  Can't fail. */
void book_set_str(json_t *o, const char *key, const char *val);

/* path?k1=v1&k2=v2 from NULL-terminated name/value pairs; pairs with a NULL
 * value are left out; values are percent-encoded.  On the arena. */
const char *book_urlf(struct req *r, const char *path, ...);

/* Writes a page that explains what went wrong (heading, msg) with status
 * and, when action_url is given, the way on. */
void book_problem(struct req *r, int status, const char *heading, const char *msg,
                  const char *action_url, const char *action_label);

/* Writes the 400 page naming parameter name and what is wrong with it. */
void book_bad_param(struct req *r, const char *name, const char *what);

/* One parameter of l: NULL when absent or empty.  A repeated one is a 400
 * page.  Returns 0, or -1 with the response written. */
int book_param(struct req *r, const struct kvlist *l, const char *name, const char **out);

/* Strict parsers of ?date= and ?start=.  Return 0, or -1 with the 400
 * page written. */
int book_parse_date(struct req *r, const char *s, struct dt_date *d);
int book_parse_start(struct req *r, const char *s, int64_t *t);

/* Loads the sched of a service for therapist ("any"/NULL = all who offer
 * it) at location loc (0 = the first).  An unknown service, therapist or
 * location is a 404 page that offers the way back.  Returns 0, or -1 with
 * the response written. */
int book_load(struct req *r, int64_t loc, const char *service, const char *therapist,
              struct sched *s);

/* The name of therapist id in s, or NULL. */
const char *book_therapist_name(const struct sched *s, const char *id);

/* Where the links of the day-and-time step go: base?[service=..&]therapist=.. */
struct book_pick {
    const struct sched *s;
    const char *base;      /* "/book" or "/a/TOKEN/move" */
    const char *service;   /* in the links of /book; NULL for moving */
    const char *therapist; /* "any" or an id */
    int64_t moving;        /* the appointment being moved (its own time stays offered), or 0 */
};

/* Fills ctx.strip (14 days from today, or from the day asked for when that
 * lies beyond them) and ctx.day (the day asked for, else the first with
 * openings).  Returns 0, or -1 with the response written. */
int book_add_days(struct req *r, const struct book_pick *p, json_t *ctx, const struct dt_date *want,
                  const char *notice);

/* Whether start is bookable now (for sched's therapists), with the day's
 * slots in *day for offering others.  Returns 0, or -1 with the response
 * written. */
int book_find_slot(struct req *r, const struct sched *s, int64_t start, int64_t moving,
                   struct sched_day *day, int *open);

/* Why start cannot be booked by a client now, for a person.  On the arena. */
const char *book_unbookable_reason(struct req *r, const struct sched *s, int64_t start);
/* Whether booking s's service online asks what only the booking form
 * asks: fees to agree to by the checkbox, or a deposit or card taken on the
 * payment provider's page.  Returns 1 or 0, or -1 with the response written. */
int book_needs_form(struct req *r, const struct sched *s);

/* ctx.policy: the cancellation policy of an appointment at start in words:
 * how late is late (hours, and the moment for this time) and whether that
 * moment has passed already.  Can't fail. */
void book_add_policy(struct req *r, json_t *ctx, const struct tz *tz,
                     const struct booking_rules *rules, int64_t start);

/* o.where: the location of a booking (its name is shown when the clinic
 * has more than one), its address and its zone as people name it. */
void book_put_where(struct req *r, json_t *o, const struct location *l, size_t nlocations);

/* A booking form's one-time token ("once"): a form sent twice books once,
 * and the second sending goes to the first's booking. */
struct book_once {
    unsigned char hash[STORE_TOKEN_HASH];
    unsigned char seal[TOKEN_SEAL_KEY];
    const char *token; /* the new booking's manage token, inside the transaction */
};

/* Prepares o for form_token (token_valid checked by the caller).  Can't fail. */
void book_once_init(struct book_once *o, const char *form_token);
/* When the form token booked already: its booking's page (303).  Returns 1
 * when the response was written (that, or an error), 0 to go on. */
int book_once_used(struct req *r, const struct book_once *o);
/* A sched_inside_fn (ctx: struct book_once): records the form token with its
 * booking inside the booking's transaction; E_CONFLICT ("form_used") when
 * the same form booked a moment ago. */
enum err_code book_once_store(void *ctx, struct db *db, int64_t id, struct err *e);

#endif
