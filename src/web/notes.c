/* notes — the treatment-note pages and the client's recommendations; see
 * notes.h.  Holds the vocabularies the checkboxes offer (body areas,
 * techniques, pressure, the stretches we write instructions for, other
 * providers); the store keeps their keys.  Every write is one transaction
 * with its audit rows, so a refused form stores nothing and nothing is
 * stored unaudited; every page that shows a note writes its "read" row
 * first.
 *
 * A note's life:
 *
 *     (none) ──save──▶ draft ──save──▶ draft
 *                        │
 *                        └──sign──▶ signed ──addendum──▶ signed (+1 addendum)
 *
 * Only a checked-in or completed appointment takes a note; signed is final. */
#include "web/notes.h"

#include <string.h>

#include "app.h"
#include "core/appt.h"
#include "core/auth.h"
#include "store/store.h"
#include "svc/notice.h"
#include "svc/when.h"
#include "util/clock.h"
#include "util/num.h"
#include "web/audit.h"
#include "web/chrome.h"
#include "web/form.h"
#include "web/page.h"

#define SOAP_MAX 4000
#define HOME_CARE_MAX 2000
#define REASON_MAX 1000
#define ADDENDUM_MAX 4000
#define NEXT_WEEKS_MAX 12

struct vocab {
    const char *key, *label, *how; /* how: instructions for a stretch */
};

static const struct vocab areas[] = {
    {"head", "Head and face", NULL},     {"neck", "Neck", NULL},
    {"shoulders", "Shoulders", NULL},    {"upper_back", "Upper back", NULL},
    {"lower_back", "Lower back", NULL},  {"chest", "Chest", NULL},
    {"arms", "Arms and hands", NULL},    {"hips", "Hips and glutes", NULL},
    {"thighs", "Thighs", NULL},          {"lower_legs", "Lower legs", NULL},
    {"feet", "Feet", NULL},
};

static const struct vocab techniques[] = {
    {"myofascial", "Myofascial release", NULL},
    {"trigger_point", "Trigger point therapy", NULL},
    {"cross_fiber", "Cross-fiber friction", NULL},
    {"stretching", "Assisted stretching", NULL},
    {"swedish", "Swedish", NULL},
    {"deep_tissue", "Deep tissue", NULL},
};

static const struct vocab pressures[] = {
    {"light", "Light", NULL},
    {"medium", "Medium", NULL},
    {"firm", "Firm", NULL},
    {"deep", "Deep", NULL},
};

/* Our own short instructions; a therapist adds anything else as free text. */
static const struct vocab stretches[] = {
    {"knee_to_chest", "Knee-to-chest",
     "Lie on your back and draw one knee toward your chest with both hands. Hold 20 to 30 "
     "seconds, breathing slowly, then switch sides. Three times each side."},
    {"cat_cow", "Cat\xE2\x80\x93" "cow",
     "On hands and knees, slowly round your back toward the ceiling, then let it sag as you "
     "lift your head. Move with your breath, ten times, without forcing either end."},
    {"doorway_chest", "Doorway chest stretch",
     "Rest your forearms on a door frame at shoulder height and step one foot through until "
     "you feel a stretch across the chest. Hold 20 to 30 seconds, three times."},
    {"seated_piriformis", "Seated piriformis stretch",
     "Sit tall, cross one ankle over the other knee and lean forward gently until you feel it "
     "deep in the buttock. Hold 20 to 30 seconds each side."},
    {"upper_trapezius", "Upper trapezius stretch",
     "Sit tall and tilt one ear toward your shoulder, keeping the other shoulder down. Hold 20 "
     "to 30 seconds each side; it should pull gently, never hurt."},
};

static const struct vocab providers[] = {
    {"physical_therapy", "Physical therapy", NULL},
    {"chiropractic", "Chiropractic care", NULL},
    {"physician", "A physician, for medication or injections", NULL},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define LIST_MAX 16 /* the longest vocabulary read_list can take */
_Static_assert(COUNT(areas) <= LIST_MAX && COUNT(techniques) <= LIST_MAX &&
                   COUNT(stretches) <= LIST_MAX && COUNT(providers) <= LIST_MAX,
               "a vocabulary is longer than read_list can hold");

/* 1 when key is one of the comma-separated keys in list. */
static int in_list(const char *list, const char *key)
{
    size_t k = strlen(key);
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == k && strncmp(p, key, k) == 0)
            return 1;
        if (!end)
            break;
        p = end + 1;
    }
    return 0;
}

/* The checked values of field `key`, joined in vocabulary order; an unknown
 * value records msg for the field. */
static const char *read_list(struct req *r, const char *key, const struct vocab *v, size_t n,
                             json_t *errors, const char *msg)
{
    int on[LIST_MAX] = {0};
    struct sb b = SB_INIT;
    for (size_t i = 0; i < r->form.n; i++) {
        if (strcmp(r->form.items[i].key, key) != 0)
            continue;
        size_t j = 0;
        while (j < n && strcmp(v[j].key, r->form.items[i].val) != 0)
            j++;
        if (j == n)
            form_error(errors, key, msg);
        else
            on[j] = 1;
    }
    for (size_t j = 0; j < n; j++)
        if (on[j]) {
            if (b.len)
                sb_addc(&b, ',');
            sb_adds(&b, v[j].key);
        }
    const char *out = arena_strdup(r->arena, b.buf);
    sb_release(&b);
    return out;
}

/* [{key, label, how, checked}] for a checkbox group. */
static json_t *choices(const struct vocab *v, size_t n, const char *list)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_pack("{s:s, s:s, s:b}", "key", v[i].key, "label", v[i].label, "checked",
                              in_list(list, v[i].key));
        if (v[i].how)
            json_object_set_new(o, "how", json_string(v[i].how));
        json_array_append_new(a, o);
    }
    return a;
}

/* The chosen ones only, for reading: [{label, how}]. */
static json_t *chosen(const struct vocab *v, size_t n, const char *list)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        if (in_list(list, v[i].key)) {
            json_t *o = json_pack("{s:s}", "label", v[i].label);
            if (v[i].how)
                json_object_set_new(o, "how", json_string(v[i].how));
            json_array_append_new(a, o);
        }
    return a;
}

static const char *label_of(const struct vocab *v, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].key, key) == 0)
            return v[i].label;
    return "";
}

static const char *when_full(struct req *r, int64_t t)
{
    return arena_printf(r->arena, "%s, %s",
                        when_date_long(r->arena, when_local_date(r->app->tz, t)),
                        when_clock(r->app->tz, r->arena, t, 0));
}

static int writable_status(const char *status)
{
    return strcmp(status, "checked_in") == 0 || strcmp(status, "completed") == 0;
}

/* ---- who may see and write ---- */

enum access { NOTE_READ = 1, NOTE_WRITE = 2 };

/* Loads the appointment of the path and what this account may do with its
 * note.  Returns 0, or -1 with a page written: 404 for a malformed or
 * unknown id and for a therapist who never treated this client. */
static int load(struct req *r, struct appointment *ap, enum access *acc)
{
    struct err e = {0};
    int64_t id;
    const char *nf = "There is no such appointment. Find it on the day view or the client's page.";
    if (num_parse_i64(req_param(r, 0), 1, INT64_MAX, &id) < 0) {
        web_error(r, 404, NULL, nf);
        return -1;
    }
    enum err_code rc = db_appointment(web_db(r), r->arena, id, ap, &e);
    if (rc == E_NOTFOUND) {
        web_error(r, 404, NULL, nf);
        return -1;
    }
    if (rc != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    if (r->role == AUTH_ADMIN) {
        *acc = NOTE_READ;
        return 0;
    }
    if (r->role != AUTH_THERAPIST) { /* the route table lets no one else in */
        web_error(r, 403, NULL, "Treatment notes are for the treating therapist.");
        return -1;
    }
    /* Only inside a treating relationship the clinic made: an appointment
     * with this therapist that the front desk checked in (or completed).
     * Booking one, through the public form or otherwise, gains nothing. */
    int treats;
    if (proof_treating(r, ap->client_id, &treats) < 0)
        return -1;
    if (!treats) {
        if (audit_record(r, "refused", "note", 0, ap->client_id, &e) != E_OK) {
            web_fail(r, &e);
            return -1;
        }
        web_error(r, 404, NULL, nf);
        return -1;
    }
    *acc = strcmp(ap->therapist_id, r->user->therapist_id) == 0 ? NOTE_WRITE : NOTE_READ;
    return 0;
}

/* ---- the page ---- */

/* The note's values as the form shows them. */
static json_t *note_form(const struct treatment_note *n)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:s, s:s, s:s, s:s, s:i}",
                     "subjective", n->subjective, "objective", n->objective, "assessment",
                     n->assessment, "plan", n->plan, "areas", n->areas, "techniques", n->techniques,
                     "pressure", n->pressure, "rest", n->rest, "heat_cold", n->heat_cold,
                     "stretches", n->stretches, "home_care", n->home_care, "providers",
                     n->providers, "provider_reason", n->provider_reason, "next_weeks",
                     n->next_weeks);
}

/* Links to the notes of the client's other appointments that have one. */
static int other_notes(struct req *r, const struct appointment *ap, json_t *ctx)
{
    struct err e = {0};
    struct appointment *hist;
    size_t n;
    if (db_client_appointments(web_db(r), r->arena, ap->client_id, &hist, &n, &e) != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        struct treatment_note other;
        if (hist[i].id == ap->id)
            continue;
        enum err_code rc = db_note(web_db(r), r->arena, hist[i].id, &other, &e);
        if (rc == E_NOTFOUND)
            continue;
        if (rc != E_OK) {
            json_decref(list);
            web_fail(r, &e);
            return -1;
        }
        json_array_append_new(
            list,
            json_pack(
                "{s:s, s:s, s:s, s:b}", "url",
                arena_printf(r->arena, "/staff/appointments/%lld/note", (long long)hist[i].id),
                "date", when_date_long(r->arena, when_local_date(r->app->tz, hist[i].start)),
                "therapist", hist[i].therapist_name, "signed", other.signed_at != 0));
    }
    json_object_set_new(ctx, "other_notes", list);
    return 0;
}

/* Renders the note page.  note: the stored note or NULL; form: what the
 * form shows (NULL: the stored note); errors and msg after a refused POST. */
static void render(struct req *r, int status, const struct appointment *ap, enum access acc,
                   const struct treatment_note *note, json_t *form, json_t *errors,
                   const char *msg)
{
    struct err e = {0};
    web_keep(r, form);
    web_keep(r, errors);
    json_t *ctx = chrome_context(
        r,
        arena_printf(r->arena, "Treatment note: %s, %s", ap->client_name,
                     when_date_medium(r->arena, when_local_date(r->app->tz, ap->start))),
        "day");
    int st = appt_status_parse(ap->status);
    json_object_set_new(
        ctx, "appt",
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "url",
                  arena_printf(r->arena, "/staff/appointments/%lld", (long long)ap->id), "date",
                  when_date_long(r->arena, when_local_date(r->app->tz, ap->start)), "time",
                  when_range(r->app->tz, r->arena, ap->start, ap->end), "service", ap->service_name,
                  "therapist", ap->therapist_name, "client", ap->client_name, "status",
                  st >= 0 ? appt_status_label((enum appt_status)st) : ap->status));
    json_object_set_new(ctx, "note_url",
                        json_string(arena_printf(r->arena, "/staff/appointments/%lld/note",
                                                 (long long)ap->id)));
    int signed_ = note && note->signed_at;
    int ready = writable_status(ap->status);
    json_object_set_new(ctx, "can_write", json_boolean(acc == NOTE_WRITE && ready && !signed_));
    json_object_set_new(ctx, "can_sign", json_boolean(clock_now() >= ap->start));
    json_object_set_new(ctx, "sign_from",
                        json_string(when_relative(r->app->tz, r->arena, ap->start)));
    json_object_set_new(ctx, "not_ready", json_boolean(!note && !ready));
    json_object_set_new(ctx, "read_only_draft",
                        json_boolean(note && !signed_ && acc != NOTE_WRITE));
    json_object_set_new(ctx, "no_note", json_boolean(!note && ready && acc != NOTE_WRITE));

    struct treatment_note blank = {.subjective = "", .objective = "", .assessment = "",
                                   .plan = "", .areas = "", .techniques = "", .pressure = "",
                                   .stretches = "", .home_care = "", .providers = "",
                                   .provider_reason = ""};
    const struct treatment_note *n = note ? note : &blank;
    json_t *f = form ? json_incref(form) : note_form(n);
    const char *s_areas = json_string_value(json_object_get(f, "areas"));
    const char *s_tech = json_string_value(json_object_get(f, "techniques"));
    const char *s_press = json_string_value(json_object_get(f, "pressure"));
    const char *s_str = json_string_value(json_object_get(f, "stretches"));
    const char *s_prov = json_string_value(json_object_get(f, "providers"));
    int weeks = (int)json_integer_value(json_object_get(f, "next_weeks"));
    json_object_set_new(ctx, "areas", choices(areas, COUNT(areas), s_areas ? s_areas : ""));
    json_object_set_new(ctx, "techniques",
                        choices(techniques, COUNT(techniques), s_tech ? s_tech : ""));
    json_object_set_new(ctx, "pressures",
                        choices(pressures, COUNT(pressures), s_press ? s_press : ""));
    json_object_set_new(ctx, "stretches", choices(stretches, COUNT(stretches), s_str ? s_str : ""));
    json_object_set_new(ctx, "providers", choices(providers, COUNT(providers), s_prov ? s_prov : ""));
    json_t *wk = json_array();
    json_array_append_new(wk, json_pack("{s:i, s:s, s:b}", "value", 0, "label", "No suggestion",
                                        "selected", weeks == 0));
    for (int i = 1; i <= NEXT_WEEKS_MAX; i++)
        json_array_append_new(
            wk, json_pack("{s:i, s:s, s:b}", "value", i, "label",
                          arena_printf(r->arena, "In %d week%s", i, i == 1 ? "" : "s"), "selected",
                          weeks == i));
    json_object_set_new(ctx, "weeks", wk);
    json_object_set_new(ctx, "form", f);

    if (note) {
        /* What a reader (or the signer, after signing) sees. */
        json_t *view = note_form(note);
        json_object_set_new(view, "areas_chosen", chosen(areas, COUNT(areas), note->areas));
        json_object_set_new(view, "techniques_chosen",
                            chosen(techniques, COUNT(techniques), note->techniques));
        json_object_set_new(view, "pressure_label",
                            json_string(label_of(pressures, COUNT(pressures), note->pressure)));
        json_object_set_new(view, "stretches_chosen",
                            chosen(stretches, COUNT(stretches), note->stretches));
        json_object_set_new(view, "providers_chosen",
                            chosen(providers, COUNT(providers), note->providers));
        if (note->next_weeks)
            json_object_set_new(view, "next_label",
                                json_string(arena_printf(r->arena, "In %d week%s, same service and therapist",
                                                         note->next_weeks,
                                                         note->next_weeks == 1 ? "" : "s")));
        if (signed_)
            json_object_set_new(view, "signed",
                                json_pack("{s:s, s:s}", "by", note->signed_by, "at",
                                          when_full(r, note->signed_at)));
        json_object_set_new(ctx, "note", view);

        struct note_addendum *ad;
        size_t nad = 0;
        if (signed_ && db_note_addenda(web_db(r), r->arena, note->id, &ad, &nad, &e) != E_OK) {
            web_fail(r, &e);
            return;
        }
        json_t *list = json_array();
        for (size_t i = 0; i < nad; i++)
            json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "body", ad[i].body, "author",
                                                  ad[i].author, "at",
                                                  when_full(r, ad[i].created_at)));
        json_object_set_new(ctx, "addenda", list);
        json_object_set_new(ctx, "signed", json_boolean(signed_));
        json_object_set_new(ctx, "can_addend", json_boolean(signed_ && acc == NOTE_WRITE));
    }
    if (other_notes(r, ap, ctx) < 0)
        return;
    json_object_set_new(ctx, "errors", errors ? json_incref(errors) : json_object());
    if (msg)
        json_object_set_new(ctx, "error", json_string(msg));
    if (kv_get(&r->query, "signed"))
        json_object_set_new(ctx, "just_signed", json_true());
    if (kv_get(&r->query, "addendum"))
        json_object_set_new(ctx, "just_added", json_true());
    form_render(r, status, "staff/note", ctx);
}

/* Reads the stored note into *note; *have = 0 when there is none.  Returns
 * 0, or -1 with an error page written. */
static int stored(struct req *r, int64_t appt_id, struct treatment_note *note, int *have)
{
    struct err e = {0};
    enum err_code rc = db_note(web_db(r), r->arena, appt_id, note, &e);
    *have = rc == E_OK;
    if (rc == E_OK || rc == E_NOTFOUND)
        return 0;
    web_fail(r, &e);
    return -1;
}

void notes_page(struct req *r)
{
    struct appointment ap;
    struct treatment_note note;
    struct err e = {0};
    enum access acc;
    int have;
    if (load(r, &ap, &acc) < 0 || stored(r, ap.id, &note, &have) < 0)
        return;
    if (have && audit_record(r, "read", "note", note.id, ap.client_id, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    render(r, 200, &ap, acc, have ? &note : NULL, NULL, NULL, NULL);
}

/* Reads the form into *n; errors per field.  signing: the four SOAP parts
 * and a reason for a referral elsewhere are required.  form gets the values
 * as typed, for a re-render. */
static void read_note(struct req *r, struct treatment_note *n, int signing, json_t *errors,
                      json_t *form)
{
    static const struct {
        const char *key, *label;
    } soap[] = {{"subjective", "subjective part (what the client tells you)"},
                {"objective", "objective part (what you found)"},
                {"assessment", "assessment"},
                {"plan", "plan"}};
    const char **dst[] = {&n->subjective, &n->objective, &n->assessment, &n->plan};
    for (size_t i = 0; i < COUNT(soap); i++) {
        *dst[i] = form_text(r, errors, soap[i].key, soap[i].label, 0, SOAP_MAX);
        if (signing && form_blank(*dst[i]))
            form_error(errors, soap[i].key,
                       arena_printf(r->arena, "Write the %s before signing.", soap[i].label));
    }
    n->areas = read_list(r, "areas", areas, COUNT(areas), errors,
                         "Choose the areas treated from the list.");
    n->techniques = read_list(r, "techniques", techniques, COUNT(techniques), errors,
                              "Choose the techniques from the list.");
    n->stretches = read_list(r, "stretches", stretches, COUNT(stretches), errors,
                             "Choose stretches from the list, or describe others under home care.");
    n->providers = read_list(r, "providers", providers, COUNT(providers), errors,
                             "Choose other providers from the list.");
    n->pressure = form_value(r, "pressure");
    if (*n->pressure && !*label_of(pressures, COUNT(pressures), n->pressure))
        form_error(errors, "pressure", "Choose light, medium, firm or deep pressure.");
    n->rest = *form_value(r, "rest") != '\0';
    n->heat_cold = *form_value(r, "heat_cold") != '\0';
    n->home_care = form_text(r, errors, "home_care", "home care instructions", 0, HOME_CARE_MAX);
    n->provider_reason =
        form_text(r, errors, "provider_reason", "reason for the referral", 0, REASON_MAX);
    if (signing && *n->providers && form_blank(n->provider_reason))
        form_error(errors, "provider_reason",
                   "Say why you recommend another provider, so the client can tell them.");
    const char *w = form_value(r, "next_weeks");
    n->next_weeks = 0;
    if (*w && num_parse_int(w, 0, NEXT_WEEKS_MAX, &n->next_weeks) < 0)
        form_error(errors, "next_weeks", "Choose when the next visit should be from the list.");

    json_t *typed = note_form(n);
    json_object_update(form, typed);
    json_decref(typed);
}

void notes_save(struct req *r)
{
    struct appointment ap;
    struct treatment_note old, n = {0};
    struct err e = {0};
    struct db *db = web_db(r);
    enum access acc;
    int have;
    if (load(r, &ap, &acc) < 0 || stored(r, ap.id, &old, &have) < 0)
        return;
    if (acc != NOTE_WRITE) {
        web_error(r, 403, NULL, "Only the treating therapist can write this note.");
        return;
    }
    if (have && old.signed_at) {
        render(r, 409, &ap, acc, &old, NULL, NULL,
               "This note is signed and can no longer change; add an addendum below instead.");
        return;
    }
    if (!writable_status(ap.status)) {
        render(r, 409, &ap, acc, have ? &old : NULL, NULL, NULL,
               "A note can be written once the client has checked in.");
        return;
    }
    const char *action = form_value(r, "action");
    int signing = strcmp(action, "sign") == 0;
    if (!signing && strcmp(action, "save") != 0) {
        render(r, 400, &ap, acc, have ? &old : NULL, NULL, NULL,
               "Use the buttons: save the draft or sign the note.");
        return;
    }
    json_t *errors = json_object(), *form = json_object();
    read_note(r, &n, signing, errors, form);
    if (json_object_size(errors)) {
        render(r, 422, &ap, acc, have ? &old : NULL, form, errors,
               signing ? "The note was not signed and nothing was saved: complete the fields "
                         "marked below."
                       : "Nothing was saved: correct the fields marked below.");
        return;
    }
    if (signing && clock_now() < ap.start) {
        /* A note records a session that took place: it is signed only once
         * the session has begun.  Nothing is stored; the form keeps what
         * was typed, to be saved as a draft. */
        render(r, 409, &ap, acc, have ? &old : NULL, form, errors,
               arena_printf(r->arena,
                            "A note can be signed only once the session has started (%s); "
                            "nothing was signed or saved. Save it as a draft for now.",
                            when_relative(r->app->tz, r->arena, ap.start)));
        return;
    }
    json_decref(errors);
    json_decref(form);
    n.appointment_id = ap.id;
    n.author_id = r->user->id;
    int64_t id = 0, now = clock_now();
    int tries = 0;
again: /* a lost race runs again (store.h) */
    if (db_begin(db, &e) != E_OK || db_put_note(db, &n, now, &id, &e) != E_OK ||
        audit_record(r, have ? "update" : "create", "note", id, ap.client_id, &e) != E_OK ||
        (signing &&
         (db_sign_note(db, id, r->user->name, r->user->id, now, &e) != E_OK ||
          audit_record(r, "sign", "note", id, ap.client_id, &e) != E_OK ||
          notice_queue(&r->app->mailer, db, "recommendations", ap.client_email, ap.client_name,
                       arena_printf(r->arena, "appt-%lld/recommendations", (long long)ap.id), now,
                       &e) != E_OK)) ||
        db_commit(db, &e) != E_OK) {
        if (db_again(db, &tries, &e))
            goto again;
        db_rollback(db);
        if (e.code == E_CONFLICT) { /* signed a moment ago, in another tab */
            if (stored(r, ap.id, &old, &have) == 0)
                render(r, 409, &ap, acc, have ? &old : NULL, NULL, NULL, e.msg);
            return;
        }
        web_fail(r, &e);
        return;
    }
    if (signing)
        notice_committed(&r->app->mailer);
    form_see_other(r, arena_printf(r->arena, "/staff/appointments/%lld/note?%s", (long long)ap.id,
                                   signing ? "signed=1" : "saved=1"));
}

void notes_addendum(struct req *r)
{
    struct appointment ap;
    struct treatment_note note;
    struct err e = {0};
    struct db *db = web_db(r);
    enum access acc;
    int have;
    if (load(r, &ap, &acc) < 0 || stored(r, ap.id, &note, &have) < 0)
        return;
    if (acc != NOTE_WRITE) {
        web_error(r, 403, NULL, "Only the treating therapist can add to this note.");
        return;
    }
    if (!have || !note.signed_at) {
        render(r, 409, &ap, acc, have ? &note : NULL, NULL, NULL,
               "Addenda are for signed notes; while the note is a draft, edit it instead.");
        return;
    }
    json_t *errors = json_object();
    const char *body = form_text(r, errors, "addendum", "addendum", 1, ADDENDUM_MAX);
    if (json_object_size(errors)) {
        render(r, 422, &ap, acc, &note, json_pack("{s:s}", "addendum", body), errors,
               "The addendum was not added: correct the field marked below.");
        return;
    }
    json_decref(errors);
    struct note_addendum ad = {.note_id = note.id,
                               .body = body,
                               .author = r->user->name,
                               .author_id = r->user->id,
                               .created_at = clock_now()};
    int tries = 0;
again: /* a lost race runs again (store.h) */
    if (db_begin(db, &e) != E_OK || db_add_addendum(db, &ad, NULL, &e) != E_OK ||
        audit_record(r, "addendum", "note", note.id, ap.client_id, &e) != E_OK ||
        db_commit(db, &e) != E_OK) {
        if (db_again(db, &tries, &e))
            goto again;
        db_rollback(db);
        web_fail(r, &e);
        return;
    }
    form_see_other(r, arena_printf(r->arena, "/staff/appointments/%lld/note?addendum=1#addenda",
                                   (long long)ap.id));
}

/* ---- for other pages ---- */

void notes_link(struct req *r, const struct appointment *ap, int treats, json_t *ctx)
{
    if (r->role == AUTH_ADMIN || (r->role == AUTH_THERAPIST && treats &&
                                  strcmp(ap->therapist_id, r->user->therapist_id) == 0))
        json_object_set_new(ctx, "note_url",
                            json_string(arena_printf(r->arena, "/staff/appointments/%lld/note",
                                                     (long long)ap->id)));
}

int notes_manage_context(struct req *r, const struct appointment *ap, enum proof via,
                         const char *rebook_url, json_t *ctx)
{
    struct treatment_note n;
    struct err e = {0};
    int have;
    if (stored(r, ap->id, &n, &have) < 0)
        return -1;
    if (!have || !n.signed_at)
        return 0;
    int any = n.rest || n.heat_cold || *n.stretches || !form_blank(n.home_care) || *n.providers ||
              n.next_weeks;
    if (!any)
        return 0;
    /* The client reads part of the note: written down like any other read. */
    if (audit_record_as(r, via, "read", "note", n.id, ap->client_id, &e) != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    json_t *rec = json_pack("{s:b, s:b, s:o, s:s, s:o, s:s, s:s}", "rest", n.rest, "heat_cold",
                            n.heat_cold, "stretches", chosen(stretches, COUNT(stretches), n.stretches),
                            "home_care", form_blank(n.home_care) ? "" : n.home_care, "providers",
                            chosen(providers, COUNT(providers), n.providers), "provider_reason",
                            n.provider_reason, "therapist", ap->therapist_name);
    if (n.next_weeks) {
        struct dt_date day =
            dt_date_add(when_local_date(web_zone(r, ap->location_id), ap->start), 7 * n.next_weeks);
        json_object_set_new(rec, "next",
                            json_pack("{s:s, s:s, s:s}", "when",
                                      arena_printf(r->arena, "in %d week%s", n.next_weeks,
                                                   n.next_weeks == 1 ? "" : "s"),
                                      "around", when_date_long(r->arena, day), "url", rebook_url));
    }
    json_object_set_new(ctx, "recommendations", rec);
    return 0;
}

int notes_next_visit(struct req *r, const struct appointment *ap, enum proof via, int *weeks)
{
    struct treatment_note n;
    struct err e = {0};
    int have;
    *weeks = 0;
    if (stored(r, ap->id, &n, &have) < 0)
        return -1;
    if (!have || !n.signed_at || !n.next_weeks)
        return 0;
    if (audit_record_as(r, via, "read", "note", n.id, ap->client_id, &e) != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    *weeks = n.next_weeks;
    return 0;
}

/* [label] of the chosen keys, for the record download. */
static json_t *chosen_labels(const struct vocab *v, size_t n, const char *list)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        if (in_list(list, v[i].key))
            json_array_append_new(a, json_string(v[i].label));
    return a;
}

json_t *notes_record_json(struct req *r, const struct treatment_note *n,
                          const struct note_addendum *ad, size_t nad)
{
    json_t *rec = json_pack("{s:b, s:b, s:o, s:s, s:o, s:s, s:i}", "rest", n->rest, "heat_cold",
                            n->heat_cold, "stretches", chosen(stretches, COUNT(stretches), n->stretches),
                            "home_care", n->home_care, "providers",
                            chosen_labels(providers, COUNT(providers), n->providers),
                            "provider_reason", n->provider_reason, "next_visit_in_weeks",
                            n->next_weeks);
    json_t *adds = json_array();
    for (size_t i = 0; i < nad; i++)
        json_array_append_new(adds, json_pack("{s:s, s:s, s:s, s:s}", "body", ad[i].body,
                                              "author", ad[i].author, "at",
                                              web_time(r, ad[i].created_at), "at_label",
                                              when_full(r, ad[i].created_at)));
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:o, s:s, s:s, s:s, s:o}", "subjective",
                     n->subjective, "objective", n->objective, "assessment", n->assessment, "plan",
                     n->plan, "areas", chosen_labels(areas, COUNT(areas), n->areas), "techniques",
                     chosen_labels(techniques, COUNT(techniques), n->techniques), "pressure",
                     label_of(pressures, COUNT(pressures), n->pressure), "recommendations", rec,
                     "signed_by", n->signed_by, "signed_at", web_time(r, n->signed_at),
                     "signed_label", when_full(r, n->signed_at), "addenda", adds);
}
