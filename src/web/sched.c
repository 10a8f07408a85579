/* sched — loads what core/avail needs from the store and runs the booking
 * transactions.  Holds no rule of its own: notice, horizon and late
 * cancellation come from core/booking, fitting a slot from core/avail. */
#include "web/sched.h"

#include <sodium.h>
#include <string.h>

#include "util/log.h"

static int prob(struct err *e, enum err_code code, const char *problem)
{
    e->problem = problem;
    return code;
}

int sched_therapist_index(const struct sched *s, const char *id)
{
    for (size_t i = 0; i < s->ntherapists; i++)
        if (strcmp(s->therapists[i].id, id) == 0)
            return (int)i;
    return -1;
}

static int offers(const struct therapist *t, const char *service_id)
{
    for (size_t i = 0; i < t->nservices; i++)
        if (strcmp(t->service_ids[i], service_id) == 0)
            return 1;
    return 0;
}

static int suits(const struct room *r, const char *service_id)
{
    for (size_t i = 0; i < r->nservices; i++)
        if (strcmp(r->service_ids[i], service_id) == 0)
            return 1;
    return 0;
}

enum err_code sched_load(struct db *db, struct arena *a, const struct tz *tz,
                         const struct booking_rules *clinic, const char *service_id,
                         const char *therapist_id, struct sched *out, struct err *e)
{
    struct therapist *all;
    struct room *rooms;
    size_t n, nrooms;
    enum err_code rc;

    memset(out, 0, sizeof *out);
    out->tz = tz;
    rc = db_service(db, a, service_id, &out->service, e);
    if (rc == E_NOTFOUND || (rc == E_OK && !out->service.active)) {
        err_set(e, E_UNPROCESSABLE, "There is no service '%s'; GET /api/v1/services lists them.",
                service_id);
        return prob(e, E_UNPROCESSABLE, "unknown_service");
    }
    if (rc != E_OK)
        return rc;
    out->rules = booking_rules_for(clinic, out->service.min_notice_minutes,
                                   out->service.horizon_days, out->service.late_cancel_hours);
    if ((rc = db_therapists(db, a, 1, &all, &n, e)) != E_OK)
        return rc;
    out->therapists = arena_array(a, n ? n : 1, sizeof *out->therapists);
    int any = !therapist_id || !*therapist_id || strcmp(therapist_id, "any") == 0;
    for (size_t i = 0; i < n && out->ntherapists < AVAIL_MAX_THERAPISTS; i++) {
        if (!offers(&all[i], service_id))
            continue;
        if (!any && strcmp(all[i].id, therapist_id) != 0)
            continue;
        out->therapists[out->ntherapists++] = all[i];
    }
    if (!any && out->ntherapists == 0) {
        int exists = 0;
        for (size_t i = 0; i < n; i++)
            if (strcmp(all[i].id, therapist_id) == 0)
                exists = 1;
        if (exists)
            err_set(e, E_UNPROCESSABLE, "Therapist '%s' does not offer '%s'.", therapist_id,
                    out->service.name);
        else
            err_set(e, E_UNPROCESSABLE,
                    "There is no therapist '%s'; GET /api/v1/therapists lists them.",
                    therapist_id);
        return prob(e, E_UNPROCESSABLE, "unknown_therapist");
    }
    out->weeks = arena_array(a, out->ntherapists ? out->ntherapists : 1, sizeof *out->weeks);
    for (size_t i = 0; i < out->ntherapists; i++)
        if ((rc = db_therapist_week(db, a, out->therapists[i].id, &out->weeks[i], e)) != E_OK)
            return rc;
    if ((rc = db_rooms(db, a, &rooms, &nrooms, e)) != E_OK)
        return rc;
    out->rooms = arena_array(a, nrooms ? nrooms : 1, sizeof *out->rooms);
    for (size_t i = 0; i < nrooms; i++)
        if (suits(&rooms[i], service_id))
            out->rooms[out->nrooms++] = rooms[i];
    return db_clinic_hours(db, a, &out->hours, &out->nhours, e);
}

/* The calendar of a range: appointments and time off, loaded once. */
struct calendar {
    struct busy *busy;
    size_t nbusy;
    struct time_off *off;
    size_t noff;
};

static enum err_code load_calendar(struct db *db, struct arena *a, int64_t t0, int64_t t1,
                                   struct calendar *c, struct err *e)
{
    enum err_code rc = db_busy(db, a, t0, t1, &c->busy, &c->nbusy, e);
    if (rc == E_OK)
        rc = db_time_off(db, a, t0, t1, &c->off, &c->noff, e);
    return rc;
}

static int overlaps(int64_t s1, int64_t e1, int64_t s2, int64_t e2)
{
    return s1 < e2 && s2 < e1;
}

/* Builds the engine's query for one local day.  exclude: an appointment to
 * leave out of the calendar (the one being moved), or 0. */
static enum err_code build_query(struct db *db, struct arena *a, const struct sched *s,
                                 const struct calendar *c, struct dt_date d, int64_t now,
                                 int64_t exclude, struct avail_query *q, struct err *e)
{
    char date[16];
    int closed = 0;
    int wd = dt_weekday(dt_date_to_days(d));
    int64_t ds = tz_day_start(s->tz, d), de = tz_day_start(s->tz, dt_date_add(d, 1));
    enum err_code rc;

    memset(q, 0, sizeof *q);
    q->tz = s->tz;
    q->date = d;
    q->grid_min = s->rules.grid_min;
    q->duration_min = s->service.duration_min;
    q->buffer_min = s->service.buffer_min;
    q->earliest = booking_earliest(&s->rules, now);
    q->latest = booking_latest(&s->rules, now);

    dt_format_date(d, date, sizeof date);
    if ((rc = db_closed_date(db, date, &closed, e)) != E_OK)
        return rc;
    struct avail_span *open = arena_array(a, s->nhours + 1, sizeof *open);
    for (size_t i = 0; i < s->nhours && !closed; i++)
        if (s->hours[i].weekday == wd &&
            avail_wall_span(s->tz, d, s->hours[i].start_min, s->hours[i].end_min,
                            &open[q->nopen]) == 0)
            q->nopen++;
    q->open = open;

    struct avail_therapist *th = arena_array(a, s->ntherapists + 1, sizeof *th);
    for (size_t i = 0; i < s->ntherapists; i++) {
        const struct therapist_week *w = &s->weeks[i];
        const char *id = s->therapists[i].id;
        size_t nb = w->nbreaks + c->noff + c->nbusy, k = 0, nw = 0;
        struct avail_span *work = arena_array(a, w->nwork + 1, sizeof *work);
        struct avail_span *busy = arena_array(a, nb + 1, sizeof *busy);
        for (size_t j = 0; j < w->nwork; j++)
            if (w->work[j].weekday == wd &&
                avail_wall_span(s->tz, d, w->work[j].start_min, w->work[j].end_min,
                                &work[nw]) == 0)
                nw++;
        for (size_t j = 0; j < w->nbreaks; j++)
            if (w->breaks[j].weekday == wd &&
                avail_wall_span(s->tz, d, w->breaks[j].start_min, w->breaks[j].end_min,
                                &busy[k]) == 0)
                k++;
        for (size_t j = 0; j < c->noff; j++)
            if (strcmp(c->off[j].therapist_id, id) == 0 &&
                overlaps(c->off[j].start, c->off[j].end, ds, de))
                busy[k++] = (struct avail_span){c->off[j].start, c->off[j].end};
        for (size_t j = 0; j < c->nbusy; j++)
            if (c->busy[j].appointment_id != exclude && strcmp(c->busy[j].therapist_id, id) == 0 &&
                overlaps(c->busy[j].start, c->busy[j].end, ds, de))
                busy[k++] = (struct avail_span){c->busy[j].start, c->busy[j].end};
        th[i] = (struct avail_therapist){work, nw, busy, k};
    }
    q->therapists = th;
    q->ntherapists = s->ntherapists;

    struct avail_room *rooms = arena_array(a, s->nrooms + 1, sizeof *rooms);
    for (size_t i = 0; i < s->nrooms; i++) {
        struct avail_span *busy = arena_array(a, c->nbusy + 1, sizeof *busy);
        size_t k = 0;
        for (size_t j = 0; j < c->nbusy; j++)
            if (c->busy[j].appointment_id != exclude && c->busy[j].room_id == s->rooms[i].id &&
                overlaps(c->busy[j].start, c->busy[j].end, ds, de))
                busy[k++] = (struct avail_span){c->busy[j].start, c->busy[j].end};
        rooms[i] = (struct avail_room){busy, k};
    }
    q->rooms = rooms;
    q->nrooms = s->nrooms;
    return E_OK;
}

enum err_code sched_days(struct db *db, struct arena *a, const struct sched *s, int64_t now,
                         struct dt_date from, int days, struct sched_day *out, struct err *e)
{
    struct calendar cal = {0};
    int64_t t0 = tz_day_start(s->tz, from), t1 = tz_day_start(s->tz, dt_date_add(from, days));
    enum err_code rc = load_calendar(db, a, t0, t1, &cal, e);
    size_t cap = (size_t)(1440 / s->rules.grid_min) + 8;
    if (rc != E_OK)
        return rc;
    for (int i = 0; i < days; i++) {
        struct avail_query q;
        struct dt_date d = dt_date_add(from, i);
        out[i].date = d;
        out[i].slots = NULL;
        out[i].nslots = 0;
        /* A day wholly before the earliest start or after the horizon has no slots. */
        if (tz_day_start(s->tz, dt_date_add(d, 1)) <= booking_earliest(&s->rules, now) ||
            tz_day_start(s->tz, d) > booking_latest(&s->rules, now))
            continue;
        if ((rc = build_query(db, a, s, &cal, d, now, 0, &q, e)) != E_OK)
            return rc;
        out[i].slots = arena_array(a, cap, sizeof *out[i].slots);
        size_t n = avail_day(&q, out[i].slots, cap);
        out[i].nslots = n < cap ? n : cap;
    }
    return E_OK;
}

enum err_code sched_next(struct db *db, struct arena *a, const struct sched *s, int64_t now,
                         struct avail_slot *slot, int *found, struct err *e)
{
    struct dt_civil c;
    int off;
    enum { CHUNK = 7 };
    struct sched_day days[CHUNK];
    tz_to_local(s->tz, booking_earliest(&s->rules, now), &c, &off);
    struct dt_date d = {c.year, c.month, c.day};
    int64_t latest = booking_latest(&s->rules, now);
    *found = 0;
    while (tz_day_start(s->tz, d) <= latest) {
        enum err_code rc = sched_days(db, a, s, now, d, CHUNK, days, e);
        if (rc != E_OK)
            return rc;
        for (int i = 0; i < CHUNK; i++) {
            if (days[i].nslots) {
                *slot = days[i].slots[0];
                *found = 1;
                return E_OK;
            }
        }
        d = dt_date_add(d, CHUNK);
    }
    return E_OK;
}

void sched_token_hash(const char *token, unsigned char hash[STORE_TOKEN_HASH])
{
    crypto_generichash(hash, STORE_TOKEN_HASH, (const unsigned char *)token, strlen(token), NULL,
                       0);
}

static void new_token(char token[SCHED_TOKEN_LEN])
{
    unsigned char bin[16];
    randombytes_buf(bin, sizeof bin);
    sodium_bin2base64(token, SCHED_TOKEN_LEN, bin, sizeof bin,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* Checks notice and horizon; staff may book inside the notice window. */
static enum err_code check_time(const struct sched *s, int64_t now, int64_t start, int staff,
                                struct err *e)
{
    char when[32];
    switch (booking_check_time(&s->rules, now, start)) {
    case BOOKING_TIME_OK:
        return E_OK;
    case BOOKING_IN_PAST:
        err_set(e, E_UNPROCESSABLE, "That time has already passed; choose a later one.");
        return prob(e, E_UNPROCESSABLE, "in_past");
    case BOOKING_TOO_SOON:
        if (staff)
            return E_OK;
        {
            int64_t t = booking_round_up(&s->rules, s->tz,
                                         booking_earliest(&s->rules, now));
            dt_format_rfc3339(t, tz_offset_at(s->tz, t), when, sizeof when);
        }
        err_set(e, E_UNPROCESSABLE,
                "Online bookings need %d minutes' notice; the earliest time that can be booked "
                "now is %s.",
                s->rules.min_notice_min, when);
        return prob(e, E_UNPROCESSABLE, "too_soon");
    case BOOKING_TOO_FAR:
        err_set(e, E_UNPROCESSABLE, "Bookings open %d days ahead; choose an earlier day.",
                s->rules.horizon_days);
        return prob(e, E_UNPROCESSABLE, "too_far");
    }
    return E_INTERNAL;
}

static enum err_code unavailable(struct err *e)
{
    err_set(e, E_CONFLICT,
            "That time is not available (taken, outside opening hours, or not on the "
            "booking grid); choose another from the availability list.");
    return prob(e, E_CONFLICT, "slot_unavailable");
}

/* Inside a transaction: finds therapist and room for start.  who = -1: any. */
static enum err_code place(struct db *db, struct arena *a, const struct sched *s, int64_t now,
                           int64_t start, int who, int64_t exclude, int *t_out,
                           size_t *room_out, struct err *e)
{
    struct dt_civil c;
    int off;
    struct calendar cal = {0};
    struct avail_query q;
    enum err_code rc;

    tz_to_local(s->tz, start, &c, &off);
    struct dt_date d = {c.year, c.month, c.day};
    int64_t ds = tz_day_start(s->tz, d), de = tz_day_start(s->tz, dt_date_add(d, 1));
    if ((rc = load_calendar(db, a, ds, de, &cal, e)) != E_OK)
        return rc;
    if ((rc = build_query(db, a, s, &cal, d, now, exclude, &q, e)) != E_OK)
        return rc;
    if (who >= 0) {
        if (!avail_fits(&q, (size_t)who, start, room_out))
            return unavailable(e);
        *t_out = who;
        return E_OK;
    }
    uint64_t mask = 0;
    int *booked = arena_array(a, s->ntherapists + 1, sizeof *booked);
    for (size_t i = 0; i < s->ntherapists; i++) {
        if (avail_fits(&q, i, start, NULL))
            mask |= (uint64_t)1 << i;
        for (size_t j = 0; j < cal.nbusy; j++)
            if (cal.busy[j].appointment_id != exclude &&
                strcmp(cal.busy[j].therapist_id, s->therapists[i].id) == 0)
                booked[i] += (int)((cal.busy[j].end - cal.busy[j].start) / 60);
    }
    int t = avail_pick_therapist(mask, booked, s->ntherapists);
    if (t < 0 || !avail_fits(&q, (size_t)t, start, room_out))
        return unavailable(e);
    *t_out = t;
    return E_OK;
}

enum err_code sched_book(struct db *db, struct arena *a, const struct sched *s, int64_t now,
                         int64_t start, int who, const struct sched_client *cl,
                         struct appointment *out, char token[SCHED_TOKEN_LEN], struct err *e)
{
    const char *why;
    enum err_code rc;
    int t = -1;
    size_t room = 0;
    int64_t client_id, id;
    unsigned char hash[STORE_TOKEN_HASH];

    if ((why = booking_check_name(cl->name)) || (why = booking_check_email(cl->email)) ||
        (why = booking_check_phone(cl->phone)) || (why = booking_check_notes(cl->notes))) {
        err_set(e, E_UNPROCESSABLE, "%s", why);
        return prob(e, E_UNPROCESSABLE, "invalid_client");
    }
    if ((rc = check_time(s, now, start, cl->staff, e)) != E_OK)
        return rc;
    if ((rc = db_begin(db, e)) != E_OK)
        return rc;
    if ((rc = place(db, a, s, now, start, who, 0, &t, &room, e)) != E_OK)
        goto fail;
    if ((rc = db_client_for_booking(db, cl->name, cl->email, cl->phone ? cl->phone : "", now,
                                    &client_id, e)) != E_OK)
        goto fail;
    new_token(token);
    sched_token_hash(token, hash);
    struct appointment ap = {0};
    ap.service_id = s->service.id;
    ap.therapist_id = s->therapists[t].id;
    ap.room_id = s->rooms[room].id;
    ap.client_id = client_id;
    ap.start = start;
    ap.end = start + (int64_t)s->service.duration_min * 60;
    ap.busy_until = ap.end + (int64_t)s->service.buffer_min * 60;
    ap.status = "booked";
    ap.notes = cl->notes ? cl->notes : "";
    ap.source = cl->staff ? "staff" : "online";
    ap.created_at = now;
    if ((rc = db_add_appointment(db, &ap, hash, &id, e)) != E_OK)
        goto fail;
    if ((rc = db_commit(db, e)) != E_OK)
        goto fail;
    return db_appointment(db, a, id, out, e);
fail:
    db_rollback(db);
    return rc;
}

enum err_code sched_move(struct db *db, struct arena *a, const struct sched *s, int64_t now,
                         const struct appointment *appt, int64_t start, int who,
                         struct appointment *out, struct err *e)
{
    enum err_code rc;
    int t = -1;
    size_t room = 0;

    if (strcmp(appt->status, "booked") != 0 || appt->start <= now) {
        err_set(e, E_CONFLICT, "This appointment is %s and can no longer be moved.",
                strcmp(appt->status, "booked") != 0 ? appt->status : "in the past");
        return prob(e, E_CONFLICT, "not_movable");
    }
    if ((rc = check_time(s, now, start, 0, e)) != E_OK)
        return rc;
    if ((rc = db_begin(db, e)) != E_OK)
        return rc;
    if ((rc = place(db, a, s, now, start, who, appt->id, &t, &room, e)) != E_OK)
        goto fail;
    int64_t end = start + (int64_t)s->service.duration_min * 60;
    if ((rc = db_move_appointment(db, appt->id, s->therapists[t].id, s->rooms[room].id, start,
                                  end, end + (int64_t)s->service.buffer_min * 60, e)) != E_OK)
        goto fail;
    if ((rc = db_commit(db, e)) != E_OK)
        goto fail;
    return db_appointment(db, a, appt->id, out, e);
fail:
    db_rollback(db);
    return rc;
}

enum err_code sched_cancel(struct db *db, const struct booking_rules *rules, int64_t now,
                           const struct appointment *appt, const char *reason, int *late,
                           struct err *e)
{
    enum err_code rc;
    if (strcmp(appt->status, "booked") != 0 || appt->start <= now) {
        err_set(e, E_CONFLICT, "This appointment is %s and can no longer be cancelled.",
                strcmp(appt->status, "booked") != 0 ? appt->status : "in the past");
        return prob(e, E_CONFLICT, "not_cancellable");
    }
    *late = booking_is_late_cancel(rules, now, appt->start);
    if ((rc = db_begin(db, e)) != E_OK)
        return rc;
    if ((rc = db_cancel_appointment(db, appt->id, now, *late, reason ? reason : "", e)) != E_OK ||
        (rc = db_commit(db, e)) != E_OK) {
        db_rollback(db);
        return rc;
    }
    return E_OK;
}
