/* demo_lived — the lived-in demo clinic (`knead demo --lived-in`).
 *
 * Every person, address, phone number and word here is invented for the
 * demo.  Nothing is stored in absolute dates: appointments are laid on the
 * therapists' own working hours (breaks kept free, one room per session,
 * nobody in two places) for DEMO_LIVED_DAYS days either side of today in
 * the clinic's zone, and their statuses follow from "now": over is
 * completed (with the odd no-show and cancellation), under way is checked
 * in, ahead is booked (the odd one cancelled).  Writes go through the
 * store inside the caller's transaction; it reads no file and no clock but
 * the `now` it is given. */
#include "demo_lived.h"

#include <stdlib.h>
#include <string.h>

#include "core/datetime.h"
#include "core/tz.h"
#include "store/store.h"
#include "svc/token.h"
#include "util/mem.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define DAY 86400
#define MAX_PLACED 400

/* The invented clients and what their health forms say. */
static const struct {
    const char *name, *email, *phone, *birth;
    const char *reason, *areas, *onset, *pressure, *worse, *better, *treatments;
    int pain;
} clients[DEMO_LIVED_CLIENTS] = {
    {"Astrid Valcourt", "astrid.valcourt@example.org", "907-555-0311", "1984-03-17",
     "Tight shoulders from long days at a drafting table.", "shoulders,neck", "gradual_posture",
     "firm", "Sitting for hours", "Swimming", "rest", 5},
    {"Bodhi Kalani", "bodhi.kalani@example.org", "907-555-0312", "1991-07-02",
     "Sore calves while training for a trail half marathon.", "legs,feet", "gradual_workouts",
     "deep", "Downhill running", "Foam rolling", "heat_cold", 4},
    {"Corinne Ashdown", "corinne.ashdown@example.org", "907-555-0313", "1976-11-29",
     "Lower back ache after moving house.", "lower_back", "sudden_lifting", "medium",
     "Bending over", "Walking", "rest,medication", 6},
    {"Desmond Quayle", "desmond.quayle@example.org", "907-555-0314", "1969-05-08",
     "Back strain from lifting crates at the warehouse; my doctor referred me.", "lower_back,hips",
     "sudden_lifting", "medium", "Lifting and twisting", "Lying flat",
     "physical_therapy,medication", 7},
    {"Elowen Marsh", "elowen.marsh@example.org", "907-555-0315", "1995-01-23",
     "Jaw and neck tension when work gets busy.", "head_jaw,neck", "gradual_work", "light",
     "Deadlines", "Warm showers", "", 3},
    {"Farouk Idris", "farouk.idris@example.org", "907-555-0316", "1982-09-14",
     "Stiff upper back from driving a delivery route.", "upper_back,shoulders", "gradual_work",
     "firm", "Long shifts", "Stretching", "chiropractic", 5},
    {"Greta Lindqvist", "greta.lindqvist@example.org", "907-555-0317", "1958-06-30",
     "Aching hands and knees on cold mornings.", "hands,knees", "gradual_posture", "light",
     "Cold weather", "Gentle movement", "medication", 4},
    {"Hollis Brannigan", "hollis.brannigan@example.org", "907-555-0318", "1988-12-05",
     "Hip tightness after a season of climbing.", "hips,legs", "gradual_workouts", "deep",
     "High steps", "Yoga", "", 3},
    {"Imogen Tarrant", "imogen.tarrant@example.org", "907-555-0319", "1979-04-11",
     "Neck pain since a fall on ice in the parking lot.", "neck,shoulders", "sudden_fall", "medium",
     "Looking down at a phone", "Ice, then heat", "heat_cold,physical_therapy", 6},
    {"Jasper Whitlock", "jasper.whitlock@example.org", "907-555-0320", "2000-08-19",
     "Shoulder soreness from rowing practice.", "shoulders,arms", "gradual_workouts", "firm",
     "Rowing", "Rest days", "rest", 4},
    {"Kaia Oduya", "kaia.oduya@example.org", "907-555-0321", "1986-02-27",
     "General tension and poor sleep; I would like to relax.", "upper_back,neck", "gradual_work",
     "light", "Stress", "Reading in the evening", "", 2},
    {"Lucian Ferreira", "lucian.ferreira@example.org", "907-555-0322", "1972-10-03",
     "Sciatic pain down the left leg after a long flight.", "lower_back,legs", "other", "medium",
     "Sitting", "Walking", "physical_therapy", 6},
};

/* Signed notes: the recommendations the therapists left, in turn. */
struct lived_note {
    const char *subjective, *objective, *assessment, *plan, *areas, *techniques, *pressure;
    const char *stretches, *home_care;
    int rest, heat_cold, next_weeks;
};
static const struct lived_note notes[] = {
    {"Reports stiffness at the end of the work day, 5/10.",
     "Raised tone in both upper trapezius; tender points along the levator scapulae.",
     "Postural neck and shoulder tension, responding well.",
     "Fortnightly sessions for a month; stretches at the desk.", "neck,shoulders",
     "myofascial,trigger_point", "firm", "upper_trapezius,doorway_chest",
     "Stand up and roll the shoulders every hour at work.", 0, 0, 2},
    {"Ache across the low back after lifting, 6/10, easing since last week.",
     "Guarding of the right quadratus lumborum; hip flexors short.",
     "Muscular low back strain, improving.", "Weekly for three weeks, then review.",
     "lower_back,hips", "deep_tissue,stretching", "medium", "knee_to_chest,cat_cow",
     "Short walks twice a day; avoid lifting over 20 pounds for a week.", 1, 1, 1},
    {"Tight calves after long runs; no pain at rest.",
     "Dense gastrocnemius on both sides; ankles move freely.",
     "Training load tightness, no injury.", "Recovery session after the race.", "lower_legs,feet",
     "deep_tissue,cross_fiber", "deep", "", "Foam roll the calves after runs.", 0, 1, 4},
    {"Sleeping poorly, general tension, 3/10.", "Mild tension through the upper back.",
     "Stress-related muscle tension.", "Monthly relaxation sessions.", "upper_back,neck", "swedish",
     "light", "", "A warm bath before bed on busy days.", 1, 0, 4},
};

struct placed {
    int64_t room, start, busy, end, client;
    const char *therapist;
};

/* The first span of the week on weekday wd (spans are sorted), or NULL. */
static const struct week_span *span_on(const struct week_span *s, size_t n, int wd)
{
    for (size_t i = 0; i < n; i++)
        if (s[i].weekday == wd)
            return &s[i];
    return NULL;
}

static const struct service *service_of(const struct demo_clinic *c, const char *id)
{
    for (size_t i = 0; i < c->nservices; i++)
        if (strcmp(c->services[i].id, id) == 0)
            return &c->services[i];
    return NULL;
}

/* A room of c free over [start, busy) given what is placed, or 0. */
static int64_t free_room(const struct demo_clinic *c, const struct placed *p, size_t n,
                         int64_t start, int64_t busy)
{
    for (size_t r = 0; r < c->nrooms; r++) {
        int taken = 0;
        for (size_t i = 0; i < n && !taken; i++)
            taken = p[i].room == c->rooms[r] && p[i].start < busy && start < p[i].busy;
        if (!taken)
            return c->rooms[r];
    }
    return 0;
}

/* Whether client k holds a placed session overlapping [start, end). */
static int client_busy(const struct placed *p, size_t n, int64_t k, int64_t start, int64_t end)
{
    for (size_t i = 0; i < n; i++)
        if (p[i].client == k && p[i].start < end && start < p[i].end)
            return 1;
    return 0;
}

/* The status of a session over [start, end) seen at now; the k-th placed
 * one, for variety.  *late: a cancellation inside the late window. */
static const char *status_at(int64_t start, int64_t end, int64_t now, unsigned k, int *late)
{
    *late = 0;
    if (end <= now) {
        if (k % 11 == 3)
            return "no_show";
        if (k % 9 == 5) {
            *late = k % 2;
            return "cancelled";
        }
        return "completed";
    }
    if (start <= now)
        return "checked_in";
    return k % 10 == 7 ? "cancelled" : "booked";
}

static enum err_code add_clients(struct db *db, int64_t now, int64_t ids[DEMO_LIVED_CLIENTS],
                                 struct err *e)
{
    enum err_code rc = E_OK;
    for (size_t i = 0; rc == E_OK && i < N(clients); i++) {
        int64_t since = now - (int64_t)(40 + 3 * i) * DAY;
        rc = db_client_for_booking(db, clients[i].name, clients[i].email, clients[i].phone, 1,
                                   since, &ids[i], e);
        if (rc != E_OK)
            break;
        struct intake in = {0};
        in.client_id = ids[i];
        in.email = clients[i].email;
        in.phone = clients[i].phone;
        in.birth_date = clients[i].birth;
        in.emergency_name = i % 2 ? "Rowan Halvorsen (partner)" : "Tamsin Quill (sister)";
        in.emergency_phone = i % 2 ? "907-555-0380" : "907-555-0381";
        in.reason = clients[i].reason;
        in.areas = clients[i].areas;
        in.pain = clients[i].pain;
        in.onset = clients[i].onset;
        in.onset_other = strcmp(clients[i].onset, "other") == 0 ? "After a nine-hour flight." : "";
        in.worse = clients[i].worse;
        in.better = clients[i].better;
        in.treatments = clients[i].treatments;
        in.conditions = "";
        in.conditions_other = "";
        in.medications = i % 3 == 0 ? "Ibuprofen when needed" : "";
        in.pressure = clients[i].pressure;
        in.consent_name = clients[i].name;
        in.consent_at = since + DAY;
        rc = db_intake_put(db, &in, since + DAY, NULL, NULL, e);
    }
    return rc;
}

/* One session of therapist t at start (its room free, its client free). */
struct session {
    const char *therapist;
    const struct service *sv;
    int64_t start;
    unsigned k;
};

static enum err_code add_session(struct db *db, const struct session *s, int64_t client,
                                 int64_t room, int64_t now, int64_t *id, const char **status,
                                 struct err *e)
{
    unsigned char hash[STORE_TOKEN_HASH];
    char token[TOKEN_LEN];
    int late = 0;
    int64_t end = s->start + (int64_t)s->sv->duration_min * 60;
    const char *st = status_at(s->start, end, now, s->k, &late);
    int cancelled = strcmp(st, "cancelled") == 0;
    int64_t booked = s->start < now ? s->start - (int64_t)(2 + s->k % 9) * DAY
                                    : now - (int64_t)(1 + s->k % 6) * DAY;
    struct appointment a = {0};
    a.service_id = s->sv->id;
    a.therapist_id = s->therapist;
    a.room_id = room;
    a.client_id = client;
    a.start = s->start;
    a.end = end;
    a.busy_until = end + (int64_t)s->sv->buffer_min * 60;
    a.status = cancelled ? "booked" : st;
    a.notes = "";
    a.source = s->k % 3 == 0 ? "staff" : "online";
    a.created_at = booked;
    token_new(token, hash);
    enum err_code rc = db_add_appointment(db, &a, hash, id, e);
    if (rc == E_OK && cancelled) {
        int64_t when = late ? s->start - 3 * 3600 : s->start - 3 * DAY;
        if (when > now)
            when = now - 3600;
        if (when < booked)
            when = booked + 3600;
        rc = db_cancel_appointment(
            db, *id, when, late,
            late ? "cancelled by phone the same morning" : "cancelled online by the client", e);
    }
    *status = st;
    return rc;
}

/* A signed note with recommendations on the completed session id of
 * therapist index t. */
static enum err_code add_note(struct db *db, const struct demo_clinic *c, size_t t, int64_t id,
                              int64_t end, int64_t now, unsigned which, struct err *e)
{
    const struct lived_note *w = &notes[which % N(notes)];
    struct treatment_note n = {0};
    int64_t note_id = 0;
    int64_t at = end + 3600 < now ? end + 3600 : now;
    n.appointment_id = id;
    n.subjective = w->subjective;
    n.objective = w->objective;
    n.assessment = w->assessment;
    n.plan = w->plan;
    n.areas = w->areas;
    n.techniques = w->techniques;
    n.pressure = w->pressure;
    n.rest = w->rest;
    n.heat_cold = w->heat_cold;
    n.stretches = w->stretches;
    n.home_care = w->home_care;
    n.providers = "";
    n.provider_reason = "";
    n.next_weeks = w->next_weeks;
    n.author_id = c->therapist_users[t];
    enum err_code rc = db_put_note(db, &n, at, &note_id, e);
    if (rc == E_OK)
        rc = db_sign_note(db, note_id, c->therapists[t].name, c->therapist_users[t], at, e);
    return rc;
}

/* The sessions: for each day and therapist who works it, one to three
 * sessions from the start of the shift, around the break. */
static enum err_code add_sessions(struct db *db, const struct demo_clinic *c, const struct tz *tz,
                                  int64_t now, const int64_t *client_ids, struct err *e)
{
    struct placed *placed = xcalloc(MAX_PLACED, sizeof *placed);
    enum err_code rc = E_OK;
    size_t n = 0;
    unsigned k = 0, nnotes = 0;
    struct dt_date today;
    struct dt_civil civ;
    tz_to_local(tz, now, &civ, NULL);
    today = (struct dt_date){civ.year, civ.month, civ.day};
    for (int d = -DEMO_LIVED_DAYS; d <= DEMO_LIVED_DAYS; d++) {
        struct dt_date day = dt_date_add(today, d);
        int wd = dt_weekday(dt_date_to_days(day));
        for (size_t t = 0; t < c->ntherapists; t++) {
            const struct therapist_week *wk = &c->weeks[t];
            const struct week_span *work = span_on(wk->work, wk->nwork, wd);
            const struct week_span *brk = span_on(wk->breaks, wk->nbreaks, wd);
            if (!work)
                continue;
            int want = 1 + (int)((unsigned)(d + 2 * DEMO_LIVED_DAYS + 3 * (int)t) % 3);
            int m = work->start_min + (int)(t % 2) * 30, placed_here = 0;
            while (placed_here < want && n < MAX_PLACED) {
                const struct therapist *th = &c->therapists[t];
                const struct service *sv =
                    service_of(c, th->service_ids[(k + (unsigned)d + t) % th->nservices]);
                if (!sv)
                    break;
                int len = sv->duration_min + sv->buffer_min;
                if (brk && m < brk->end_min && brk->start_min < m + len) {
                    m = brk->end_min;
                    continue;
                }
                if (m + sv->duration_min > work->end_min)
                    break;
                int64_t at[2];
                if (tz_wall_to_utc(tz, day, m, at) < 1) {
                    m += 30;
                    continue;
                }
                int64_t start = at[0], end = start + (int64_t)sv->duration_min * 60;
                int64_t busy = start + (int64_t)len * 60;
                int64_t room = free_room(c, placed, n, start, busy);
                size_t who = (k * 5 + t) % DEMO_LIVED_CLIENTS;
                for (size_t tries = 0;
                     tries < DEMO_LIVED_CLIENTS && client_busy(placed, n, (int64_t)who, start, end);
                     tries++)
                    who = (who + 1) % DEMO_LIVED_CLIENTS;
                if (!room || client_busy(placed, n, (int64_t)who, start, end)) {
                    m += 30;
                    continue;
                }
                struct session s = {th->id, sv, start, k};
                int64_t id = 0;
                const char *status;
                rc = add_session(db, &s, client_ids[who], room, now, &id, &status, e);
                if (rc == E_OK && strcmp(status, "completed") == 0 && k % 2 == 0 &&
                    c->therapist_users[t])
                    rc = add_note(db, c, t, id, end, now, nnotes++, e);
                if (rc != E_OK)
                    goto done;
                placed[n++] = (struct placed){room, start, busy, end, (int64_t)who, th->id};
                placed_here++;
                k++;
                m += len + ((k % 3) ? 30 : 60);
            }
        }
    }
done:
    free(placed);
    return rc;
}

enum err_code demo_lived_seed(struct db *db, const struct demo_clinic *c, const struct tz *tz,
                              int64_t now, struct err *e)
{
    int64_t ids[DEMO_LIVED_CLIENTS];
    unsigned char hash[STORE_TOKEN_HASH];
    char token[TOKEN_LEN], from[16], until[16], on[16];
    struct dt_civil civ;
    tz_to_local(tz, now, &civ, NULL);
    struct dt_date today = {civ.year, civ.month, civ.day};
    enum err_code rc = add_clients(db, now, ids, e);
    if (rc == E_OK)
        rc = add_sessions(db, c, tz, now, ids, e);
    if (rc != E_OK)
        return rc;

    /* a doctor's referral, valid for weeks yet, for the warehouse back strain */
    dt_format_date(dt_date_add(today, -10), on, sizeof on);
    dt_format_date(dt_date_add(today, 80), until, sizeof until);
    struct referral ref = {0,
                           ids[3],
                           "Dr. Odile Fenwick",
                           "Knik Arm Family Medicine",
                           "907-555-0390",
                           on,
                           "Low back strain after a lifting injury at work",
                           "S39.012A",
                           until,
                           8,
                           0,
                           0};
    if ((rc = db_put_referral(db, &ref, now - 10 * DAY, NULL, e)) != E_OK)
        return rc;

    /* an insurance check the front desk has yet to make */
    struct insurance_check ins = {0};
    ins.client_id = ids[5];
    ins.carrier = "Tidewater Mutual Health";
    ins.member_id = "TMH-558201";
    ins.group_number = "40417";
    ins.holder_name = clients[5].name;
    ins.relation = "self";
    ins.requested_at = now - 2 * DAY;
    if ((rc = db_insurance_add(db, &ins, NULL, e)) != E_OK)
        return rc;

    /* someone waiting for a weekday evening with Lena over the next two weeks */
    dt_format_date(today, from, sizeof from);
    dt_format_date(dt_date_add(today, DEMO_LIVED_DAYS), until, sizeof until);
    struct waitlist_entry w = {0};
    w.service_id = "deep-tissue-90";
    w.therapist_id = "lena-kusugak";
    w.date_from = from;
    w.date_to = until;
    w.days = 0x3E; /* Monday to Friday */
    w.time_from = 15 * 60;
    w.time_to = 18 * 60;
    w.name = "Marisol Penhallow";
    w.email = "marisol.penhallow@example.org";
    w.phone = "907-555-0333";
    w.created_at = now - DAY;
    token_new(token, hash);
    return db_waitlist_add(db, &w, hash, NULL, e);
}
