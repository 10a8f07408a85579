/* demo — the demo clinic's data, written for Knead, and the seeding of it
 * through the store interface (so every backend seeds the same clinic). */
#include "demo.h"
#include "demo_lived.h"

#include <sodium.h>
#include <string.h>

#include "store/store.h"
#include "util/clock.h"
#include "web/account.h"
#include "web/content.h"

#define H(h, m) ((h) * 60 + (m))

static const struct service services[] = {
    {"deep-tissue-60", "Deep Tissue Massage (60 minutes)",
     "Slow, firm work on the deeper layers of muscle and fascia for stubborn knots, "
     "lower back pain and the stiffness that comes from desk work, training or lifting. "
     "Enough time to treat one or two areas thoroughly.",
     60, 15, 12000, 1, 1, -1, -1, -1},
    {"deep-tissue-90", "Deep Tissue Massage (90 minutes)",
     "The same focused deep-tissue work with time to treat the whole back, hips and legs, "
     "or to work patiently through a long-standing problem area.",
     90, 15, 16500, 1, 2, -1, -1, -1},
    {"swedish-60", "Swedish Relaxation Massage (60 minutes)",
     "Long, flowing strokes with lighter pressure to calm the nervous system, ease general "
     "tension and help you sleep.",
     60, 15, 10500, 1, 3, -1, -1, -1},
    {"sports-45", "Sports Recovery Massage (45 minutes)",
     "Targeted work for athletes between training days: legs, hips and shoulders, with "
     "assisted stretching.",
     45, 15, 9000, 1, 4, -1, -1, -1},
};

static const char *all_services[] = {"deep-tissue-60", "deep-tissue-90", "swedish-60",
                                           "sports-45"};
static const char *deep_and_swedish[] = {"deep-tissue-60", "deep-tissue-90", "swedish-60"};
static const char *deep_and_sports[] = {"deep-tissue-60", "deep-tissue-90", "sports-45"};

static const struct therapist therapists[] = {
    {"maren-holt", "Maren Holt", "Licensed Massage Therapist",
     "Maren has treated lower back pain for fourteen years, many of them for fishermen and "
     "nurses coming off long shifts. She works slowly, checks in about pressure and explains "
     "what she finds.",
     "/static/img/therapists/maren-holt.svg", "Portrait illustration of Maren Holt", 1, 1,
     all_services, 4, "Lower back pain, Shift workers, Deep tissue"},
    {"dev-okafor", "Dev Okafor", "Licensed Massage Therapist, sports massage",
     "Dev came to massage from coaching cross-country skiers. He focuses on hips, hamstrings "
     "and shoulders, and on getting runners and climbers back to training.",
     "/static/img/therapists/dev-okafor.svg", "Portrait illustration of Dev Okafor", 1, 2,
     deep_and_sports, 3, "Sports recovery, Hips and hamstrings, Shoulders"},
    {"lena-kusugak", "Lena Kusugak", "Licensed Massage Therapist",
     "Lena pairs deep-tissue work with gentle stretching and is known for her calm, unhurried "
     "sessions. She has a particular interest in clients living with arthritis.",
     "/static/img/therapists/lena-kusugak.svg", "Portrait illustration of Lena Kusugak", 1, 3,
     deep_and_swedish, 3, "Arthritis, Gentle stretching, Relaxation"},
    {"tomas-reyes", "Tomas Reyes", "Licensed Massage Therapist",
     "Tomas worked in a physical-therapy practice before joining the clinic and often sees "
     "clients referred by their doctor after an injury at work.",
     "/static/img/therapists/tomas-reyes.svg", "Portrait illustration of Tomas Reyes", 1, 4,
     all_services, 4, "Injury rehabilitation, Doctor referrals, Work injuries"},
};

/* Billing (issue 11): the deep-tissue sessions are billed to insurers as
 * 97124 (massage), one unit per 15 minutes; massage is untaxed in Alaska. */
static const struct {
    const char *service;
    struct service_billing b;
} billing[] = {
    {"deep-tissue-60", {0, "97124", 15}},
    {"deep-tissue-90", {0, "97124", 15}},
};

/* The therapists' identifiers on superbills (made up; the NPIs carry a
 * valid check digit). */
static const struct {
    const char *therapist;
    struct therapist_ids ids;
} identifiers[] = {
    {"maren-holt", {"1582047316", "MAS-1207"}},
    {"dev-okafor", {"1627193059", "MAS-1544"}},
    {"lena-kusugak", {"1740532183", "MAS-1310"}},
    {"tomas-reyes", {"1893467021", "MAS-1682"}},
};

static const char *const room_names[] = {"Spruce Room", "Birch Room", "Willow Room"};

/* Monday to Saturday, 8 AM to 8 PM. */
static const struct week_span clinic_hours[] = {
    {1, H(8, 0), H(20, 0), 1}, {2, H(8, 0), H(20, 0), 1}, {3, H(8, 0), H(20, 0), 1},
    {4, H(8, 0), H(20, 0), 1}, {5, H(8, 0), H(20, 0), 1}, {6, H(9, 0), H(17, 0), 1},
};

/* Each therapist's week: working spans and a lunch break in each. */
static const struct week_span maren_work[] = {
    {1, H(8, 0), H(16, 0), 1}, {2, H(8, 0), H(16, 0), 1}, {3, H(8, 0), H(16, 0), 1},
    {4, H(8, 0), H(16, 0), 1}, {5, H(8, 0), H(14, 0), 1},
};
static const struct week_span maren_breaks[] = {
    {1, H(12, 0), H(12, 30), 1}, {2, H(12, 0), H(12, 30), 1}, {3, H(12, 0), H(12, 30), 1},
    {4, H(12, 0), H(12, 30), 1}, {5, H(11, 30), H(12, 0), 1},
};
static const struct week_span dev_work[] = {
    {2, H(11, 0), H(20, 0), 1}, {3, H(11, 0), H(20, 0), 1}, {4, H(11, 0), H(20, 0), 1},
    {5, H(11, 0), H(20, 0), 1}, {6, H(9, 0), H(15, 0), 1},
};
static const struct week_span dev_breaks[] = {
    {2, H(15, 0), H(15, 30), 1}, {3, H(15, 0), H(15, 30), 1}, {4, H(15, 0), H(15, 30), 1},
    {5, H(15, 0), H(15, 30), 1}, {6, H(12, 0), H(12, 30), 1},
};
static const struct week_span lena_work[] = {
    {1, H(10, 0), H(18, 0), 1}, {3, H(10, 0), H(18, 0), 1}, {5, H(10, 0), H(18, 0), 1},
    {6, H(9, 0), H(17, 0), 1},
};
static const struct week_span lena_breaks[] = {
    {1, H(13, 0), H(14, 0), 1}, {3, H(13, 0), H(14, 0), 1}, {5, H(13, 0), H(14, 0), 1},
    {6, H(12, 30), H(13, 0), 1},
};
static const struct week_span tomas_work[] = {
    {1, H(12, 0), H(20, 0), 1}, {2, H(8, 0), H(16, 0), 1}, {3, H(12, 0), H(20, 0), 1},
    {4, H(8, 0), H(16, 0), 1}, {6, H(9, 0), H(17, 0), 1},
};
static const struct week_span tomas_breaks[] = {
    {1, H(16, 0), H(16, 30), 1}, {2, H(12, 0), H(12, 30), 1}, {3, H(16, 0), H(16, 30), 1},
    {4, H(12, 0), H(12, 30), 1}, {6, H(13, 0), H(13, 30), 1},
};

/* `knead demo --locations 2`: a second location in another zone (Pacific
 * time, an hour ahead of Anchorage all year), with its own rooms and hours;
 * Dev works there on Mondays and Lena on Tuesdays and Thursdays, the days
 * they do not work in Anchorage. */
/* The first location keeps the config file's [clinic] address and zone. */
static const struct location first_location = {
    .id = STORE_FIRST_LOCATION, .name = "Anchorage", .address = "", .timezone = "", .position = 1};
static const struct location second_location = {.name = "Seattle",
                                                 .address = "1515 12th Avenue, Seattle, WA 98122",
                                                 .timezone = "America/Los_Angeles",
                                                 .position = 2};
static const char *const second_room_names[] = {"Cedar Room", "Alder Room"};
/* Monday to Friday, 9 AM to 6 PM, Pacific time. */
static const struct week_span second_hours[] = {
    {1, H(9, 0), H(18, 0), 0}, {2, H(9, 0), H(18, 0), 0}, {3, H(9, 0), H(18, 0), 0},
    {4, H(9, 0), H(18, 0), 0}, {5, H(9, 0), H(18, 0), 0},
};
/* weekday, start, end and whose; kind 0 = work, 1 = break */
static const struct {
    const char *therapist_id;
    int kind;
    struct week_span span;
} second_shifts[] = {
    {"dev-okafor", 0, {1, H(9, 0), H(17, 0), 0}},   {"dev-okafor", 1, {1, H(12, 0), H(12, 30), 0}},
    {"lena-kusugak", 0, {2, H(10, 0), H(18, 0), 0}}, {"lena-kusugak", 1, {2, H(13, 0), H(14, 0), 0}},
    {"lena-kusugak", 0, {4, H(10, 0), H(18, 0), 0}}, {"lena-kusugak", 1, {4, H(13, 0), H(14, 0), 0}},
};

/* Demo accounts; the README lists them.  Never use these passwords for real. */
static const struct {
    const char *email, *name, *role, *therapist_id, *password;
} demo_users[] = {
    {"admin@chugachbodywork.example", "Ingrid Sorensen", "admin", NULL, "demo-admin-pass"},
    {"desk@chugachbodywork.example", "Rosa Delgado", "desk", NULL, "demo-desk-pass"},
    {"maren@chugachbodywork.example", "Maren Holt", "therapist", "maren-holt",
     "demo-therapist-pass"},
    {"dev@chugachbodywork.example", "Dev Okafor", "therapist", "dev-okafor",
     "demo-therapist-pass"},
    {"lena@chugachbodywork.example", "Lena Kusugak", "therapist", "lena-kusugak",
     "demo-therapist-pass"},
    {"tomas@chugachbodywork.example", "Tomas Reyes", "therapist", "tomas-reyes",
     "demo-therapist-pass"},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define WEEK(w, b) {(struct week_span *)(w), N(w), (struct week_span *)(b), N(b)}

static const struct therapist_week weeks[] = {
    WEEK(maren_work, maren_breaks),
    WEEK(dev_work, dev_breaks),
    WEEK(lena_work, lena_breaks),
    WEEK(tomas_work, tomas_breaks),
};

enum err_code demo_seed(struct store *s, int force, struct err *e)
{
    return demo_seed_from(s, KNEAD_SRCDIR "/content", force, e);
}

/* Adds the second location inside the seeding transaction: the location,
 * its rooms and hours, and the shifts there of the therapists seeded
 * before (each one's week at the first location plus these). */
static enum err_code seed_second_location(struct db *db, struct err *e)
{
    int64_t loc = 0;
    enum err_code rc = db_put_location(db, &second_location, &loc, e);
    for (size_t i = 0; rc == E_OK && i < N(second_room_names); i++) {
        struct room r = {0, second_room_names[i], all_services, N(all_services), loc};
        rc = db_add_room(db, &r, NULL, e);
    }
    struct week_span hours[N(second_hours)];
    for (size_t i = 0; i < N(second_hours); i++) {
        hours[i] = second_hours[i];
        hours[i].location_id = loc;
    }
    if (rc == E_OK)
        rc = db_put_clinic_hours(db, loc, hours, N(hours), e);
    for (size_t t = 0; rc == E_OK && t < N(therapists); t++) {
        const struct therapist_week *w = &weeks[t];
        struct week_span work[16], breaks[16];
        struct therapist_week both = {work, 0, breaks, 0};
        for (size_t i = 0; i < w->nwork && both.nwork < N(work); i++)
            work[both.nwork++] = w->work[i];
        for (size_t i = 0; i < w->nbreaks && both.nbreaks < N(breaks); i++)
            breaks[both.nbreaks++] = w->breaks[i];
        size_t before = both.nwork + both.nbreaks;
        for (size_t i = 0; i < N(second_shifts); i++) {
            if (strcmp(second_shifts[i].therapist_id, therapists[t].id) != 0)
                continue;
            struct week_span sp = second_shifts[i].span;
            sp.location_id = loc;
            if (second_shifts[i].kind == 0 && both.nwork < N(work))
                work[both.nwork++] = sp;
            else if (second_shifts[i].kind == 1 && both.nbreaks < N(breaks))
                breaks[both.nbreaks++] = sp;
        }
        if (both.nwork + both.nbreaks != before)
            rc = db_put_therapist_week(db, therapists[t].id, &both, e);
    }
    return rc;
}

enum err_code demo_seed_from(struct store *s, const char *content_dir, int force, struct err *e)
{
    return demo_seed_locations(s, content_dir, force, 1, e);
}

enum err_code demo_seed_locations(struct store *s, const char *content_dir, int force,
                                  int locations, struct err *e)
{
    return demo_seed_with(s, content_dir, force, locations, NULL, e);
}

enum err_code demo_seed_with(struct store *s, const char *content_dir, int force, int locations,
                             const struct tz *lived_in, struct err *e)
{
    int64_t rooms[N(room_names)] = {0}, users[N(therapists)] = {0};
    if (locations < 1 || locations > DEMO_MAX_LOCATIONS)
        return err_set(e, E_INVALID, "--locations must be 1 or %d", DEMO_MAX_LOCATIONS);
    struct content *articles = NULL;
    char msg[512];
    /* The files are read and rendered before the transaction starts. */
    if (content_load(content_dir, &articles, msg, sizeof msg) < 0)
        return err_set(e, E_INVALID, "articles: %s", msg);
    struct db *db = db_acquire(s);
    enum err_code rc;
    int empty = 0;

    if ((rc = db_begin(db, e)) != E_OK)
        goto done;
    if ((rc = db_is_empty(db, &empty, e)) != E_OK)
        goto done;
    if (!empty && !force) {
        rc = err_set(e, E_CONFLICT,
                     "the database already holds a clinic; use --force to replace it with the demo");
        goto done;
    }
    if (!empty && (rc = db_wipe(db, e)) != E_OK)
        goto done;
    for (size_t i = 0; i < N(services); i++)
        if ((rc = db_put_service(db, &services[i], e)) != E_OK)
            goto done;
    for (size_t i = 0; i < N(billing); i++)
        if ((rc = db_put_service_billing(db, billing[i].service, &billing[i].b, e)) != E_OK)
            goto done;
    for (size_t i = 0; i < N(therapists); i++) {
        if ((rc = db_put_therapist(db, &therapists[i], e)) != E_OK)
            goto done;
        if ((rc = db_put_therapist_week(db, therapists[i].id, &weeks[i], e)) != E_OK)
            goto done;
    }
    for (size_t i = 0; i < N(identifiers); i++)
        if ((rc = db_put_therapist_ids(db, identifiers[i].therapist, &identifiers[i].ids, e)) !=
            E_OK)
            goto done;
    for (size_t i = 0; i < N(room_names); i++) {
        struct room r = {0, room_names[i], all_services, N(all_services), STORE_FIRST_LOCATION};
        if ((rc = db_add_room(db, &r, &rooms[i], e)) != E_OK)
            goto done;
    }
    if ((rc = db_put_clinic_hours(db, STORE_FIRST_LOCATION, clinic_hours, N(clinic_hours), e)) != E_OK)
        goto done;
    if ((rc = db_put_location(db, &first_location, NULL, e)) != E_OK)
        goto done;
    if (locations == 2 && (rc = seed_second_location(db, e)) != E_OK)
        goto done;
    for (size_t i = 0; i < N(demo_users); i++) {
        char hash[crypto_pwhash_STRBYTES];
        struct user u = {0, demo_users[i].email, demo_users[i].name, demo_users[i].role,
                         demo_users[i].therapist_id, 1};
        if (account_hash_password(demo_users[i].password, hash, sizeof hash) < 0) {
            rc = err_set(e, E_INTERNAL, "could not hash a demo password (out of memory?)");
            goto done;
        }
        int64_t uid = 0;
        if ((rc = db_add_user(db, &u, hash, clock_now(), &uid, e)) != E_OK)
            goto done;
        for (size_t t = 0; t < N(therapists); t++)
            if (demo_users[i].therapist_id &&
                strcmp(demo_users[i].therapist_id, therapists[t].id) == 0)
                users[t] = uid;
    }
    for (size_t i = 0; i < articles->n; i++) {
        const struct article *a = &articles->articles[i];
        struct article_row row = {a->slug,    a->title,   a->summary, a->image, a->image_alt,
                                  a->body_md, a->html,    a->order,   1,        clock_now()};
        if ((rc = db_put_article(db, NULL, &row, e)) != E_OK)
            goto done;
    }
    if (lived_in) {
        struct demo_clinic c = {services, N(services),   therapists, weeks,
                                users,    N(therapists), rooms,      N(rooms)};
        if ((rc = demo_lived_seed(db, &c, lived_in, clock_now(), e)) != E_OK)
            goto done;
    }
    rc = db_commit(db, e);
done:
    db_rollback(db);
    db_release(db);
    content_free(articles);
    return rc;
}
