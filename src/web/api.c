/* api — handlers of the JSON API.  Each parses strictly (unknown or malformed
 * input names the parameter), calls sched/store, and writes JSON; errors are
 * RFC 9457 problem documents with a machine-readable code. */
#include "web/api.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "core/datetime.h"
#include "core/tz.h"
#include "svc/booking.h"
#include "svc/token.h"
#include "util/clock.h"
#include "util/num.h"
#include "view/esc.h"
#include "web/page.h"
#include "web/pay.h"
#include "web/throttle.h"

#define MAX_DAYS 31

static void bad(struct req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bad(struct req *r, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    web_error(r, 400, "bad_request", msg);
}

static json_t *slot_json(struct req *r, const struct sched *s, const struct avail_slot *sl)
{
    json_t *ids = json_array();
    for (size_t i = 0; i < s->ntherapists; i++)
        if (sl->therapists & ((uint64_t)1 << i))
            json_array_append_new(ids, json_string(s->therapists[i].id));
    return json_pack("{s:s, s:s, s:o}", "start", web_time_in(r, s->tz, sl->start), "end",
                     web_time_in(r, s->tz, sl->end), "therapists", ids);
}

/* The manage link: absolute under [server] public_url, so that a client of
 * the API can hand it on as it is; else the path, as the Host header that
 * reached us may not be the address the client knows. */
static const char *manage_url(struct req *r, const char *token)
{
    const char *base = r->app->cfg.public_url;
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    return arena_printf(r->arena, "%.*s/a/%s", (int)n, base, token);
}

/* Times are in the appointment's location's zone (tz when the caller has it
 * already, the booking's sched: no lookup, no round trip; NULL: looked up),
 * and the location is named with its address. */
static json_t *appointment_json(struct req *r, const struct appointment *a, const char *token,
                                const struct tz *tz)
{
    if (!tz)
        tz = web_zone(r, a->location_id);
    struct location where = {.id = a->location_id,
                             .name = a->location_name,
                             .address = a->location_address,
                             .timezone = a->location_timezone};
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:{s:s, s:s, s:s}, s:s}", "id",
                          (json_int_t)a->id, "status", a->status, "service", a->service_id,
                          "therapist", a->therapist_id, "room", a->room_name, "location",
                          web_location_json(r, &where), "start", web_time_in(r, tz, a->start),
                          "end", web_time_in(r, tz, a->end), "client", "name",
                          a->client_name, "email", a->client_email, "phone",
                          /* what the booking gave: the bearer token proves nothing more */
                          a->contact_phone ? a->contact_phone : "",
                          "notes", a->notes);
    if (token)
        json_object_set_new(j, "manage_url", json_string(manage_url(r, token)));
    if (a->cancelled_at) {
        json_object_set_new(j, "cancelled_at", json_string(web_time_in(r, tz, a->cancelled_at)));
        json_object_set_new(j, "cancelled_late", json_boolean(a->cancel_late));
    }
    return j;
}

void api_services(struct req *r)
{
    struct err e = {0};
    struct service *sv;
    size_t n;
    if (db_services(web_db(r), r->arena, 1, &sv, &n, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:i, s:i, s:i, s:s}", "id", sv[i].id, "name", sv[i].name,
                            "duration_minutes", sv[i].duration_min, "buffer_minutes",
                            sv[i].buffer_min, "price_cents", sv[i].price_cents, "description",
                            sv[i].description));
    web_json(r, 200, list);
}

void api_therapists(struct req *r)
{
    struct err e = {0};
    struct therapist *th;
    size_t n;
    if (db_therapists(web_db(r), r->arena, 1, &th, &n, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *ids = json_array();
        for (size_t k = 0; k < th[i].nservices; k++)
            json_array_append_new(ids, json_string(th[i].service_ids[k]));
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:o}", "id", th[i].id, "name",
                                              th[i].name, "title", th[i].title, "bio", th[i].bio,
                                              "services", ids));
    }
    web_json(r, 200, list);
}

void api_locations(struct req *r)
{
    struct sched_setup su;
    struct err e = {0};
    if (sched_setup(web_db(r), r->arena, r->app->sched, &su, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < su.nlocations; i++)
        json_array_append_new(list, web_location_json(r, &su.locations[i]));
    web_json(r, 200, list);
}

/* ?location= (absent: the first); writes the 400 and returns -1 when it is
 * not a location number. */
static int location_param(struct req *r, int64_t *out)
{
    const char *v = kv_get(&r->query, "location");
    *out = 0;
    if (v && num_parse_i64(v, 1, INT64_MAX, out) < 0) {
        bad(r, "Parameter '%s' must be a location's id; GET /api/v1/locations lists them.",
            "location");
        return -1;
    }
    return 0;
}

/* Loads the sched for ?service= and ?therapist= at location loc (0 = the
 * first); writes the error if any. */
static int load_sched(struct req *r, int64_t loc, const char *service, const char *therapist,
                      struct sched *s)
{
    struct err e = {0};
    struct booking_rules rules = app_booking_rules(r->app);
    if (!service || !*service) {
        bad(r, "Parameter '%s' is required (e.g. deep-tissue-60).", "service");
        return -1;
    }
    if (sched_load_at(web_db(r), r->arena, r->app->sched, r->app->tz, &rules, loc, service,
                      therapist, s, &e) != E_OK) {
        web_problem(r, &e);
        return -1;
    }
    return 0;
}

/* Copies the string s to row + len; returns the new length. */
static size_t put(char *row, size_t len, const char *s)
{
    size_t n = strlen(s);
    memcpy(row + len, s, n);
    return len + n;
}

void api_availability(struct req *r)
{
    static const char *const allowed[] = {"service", "date", "days", "therapist", "location", NULL};
    struct sched s;
    struct dt_date from;
    struct err e = {0};
    int days = 1;
    int64_t loc = 0;
    const char *date = kv_get(&r->query, "date"), *ds = kv_get(&r->query, "days");

    if (web_only_params(r, allowed) < 0)
        return;
    if (!date || dt_parse_date(date, &from) < 0) {
        bad(r, "Parameter '%s' must be a date as YYYY-MM-DD.", "date");
        return;
    }
    if (ds && num_parse_int(ds, 1, MAX_DAYS, &days) < 0) {
        bad(r, "Parameter '%s' must be a whole number from 1 to 31.", "days");
        return;
    }
    if (location_param(r, &loc) < 0 ||
        load_sched(r, loc, kv_get(&r->query, "service"), kv_get(&r->query, "therapist"), &s) < 0)
        return;
    /* A repeated question is answered with the bytes of its last answer,
     * kept under everything they depend on (sched_answer_key): the slots'
     * own key, and the service, location and zone named by the clinic
     * version in it. */
    int64_t now = clock_now();
    const char *key = sched_answer_key(r->arena, &s, now, "api-json", from, days);
    void *kept = NULL;
    size_t kept_len = 0;
    /* for gzip its compressed form, kept in the same entry of the answers'
     * cache (the key names every version it depends on): one slot for both,
     * never one of the kept pages' */
    if (page_send_kept(r, sched_answer_cache(&s), "application/json", key, NULL, 0))
        return;
    if (sched_answer_get(&s, key, r->arena, &kept, &kept_len)) {
        /* kept is in r's arena, freed after the answer is sent */
        page_send_kept(r, sched_answer_cache(&s), "application/json", key, kept, kept_len);
        return;
    }
    struct sched_day *out = arena_array(r->arena, (size_t)days, sizeof *out);
    if (sched_days(web_db(r), r->arena, &s, now, from, days, 0, out, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    /* The hottest endpoint: written straight into the response, not through
     * jansson's object tree (five times faster; see bench/README.md). */
    struct sb *b = &r->resp.body;
    resp_start(r, 200, "application/json");
    sb_grow(b, 8192);
    /* each therapist's id as JSON once, not once per slot: a day of a
     * large clinic names sixty of them over and over */
    struct sb idj = SB_INIT;
    size_t *at = arena_array(r->arena, s.ntherapists + 1, sizeof *at);
    for (size_t t = 0; t < s.ntherapists; t++) {
        at[t] = idj.len;
        esc_json(&idj, s.therapists[t].id);
    }
    at[s.ntherapists] = idj.len;
    struct sb list = SB_INIT; /* the last slot's therapists, as JSON */
    uint64_t list_mask = 0;
    int have_list = 0;
    sb_adds(b, "{\"service\":");
    esc_json(b, s.service.id);
    sb_addf(b, ",\"location\":%lld,\"timezone\":", (long long)s.location.id);
    esc_json(b, web_location_timezone(r, &s.location));
    sb_adds(b, ",\"days\":[");
    for (int i = 0; i < days; i++) {
        char d[16], t0[32], t1[32];
        dt_format_date(out[i].date, d, sizeof d);
        sb_addf(b, "%s{\"date\":\"%s\",\"slots\":[", i ? "," : "", d);
        for (size_t k = 0; k < out[i].nslots; k++) {
            const struct avail_slot *sl = &out[i].slots[k];
            size_t n0 =
                dt_format_rfc3339(sl->start, tz_offset_at(s.tz, sl->start), t0, sizeof t0);
            size_t n1 =
                dt_format_rfc3339(sl->end, tz_offset_at(s.tz, sl->end), t1, sizeof t1);
            /* the slot's head in one append (t0 and t1 are 25 bytes each) */
            char row[128];
            size_t len = 0;
            len = put(row, len, k ? ",{\"start\":\"" : "{\"start\":\"");
            memcpy(row + len, t0, n0);
            len = put(row, len + n0, "\",\"end\":\"");
            memcpy(row + len, t1, n1);
            len = put(row, len + n1, "\",\"therapists\":[");
            sb_add(b, row, len);
            /* neighbouring slots often have the same therapists: their
             * list is written once and copied */
            if (!have_list || sl->therapists != list_mask) {
                sb_reset(&list);
                for (size_t t = 0; t < s.ntherapists; t++) {
                    if (!(sl->therapists & ((uint64_t)1 << t)))
                        continue;
                    if (list.len)
                        sb_addc(&list, ',');
                    sb_add(&list, idj.buf + at[t], at[t + 1] - at[t]);
                }
                list_mask = sl->therapists;
                have_list = 1;
            }
            sb_add(b, list.buf, list.len);
            sb_add(b, "]}", 2);
        }
        sb_adds(b, "]}");
    }
    sb_adds(b, "]}");
    sb_release(&idj);
    sb_release(&list);
    if (!b->err) {
        int stored = sched_answer_put(&s, key, b->buf, b->len);
        page_send_fresh(r, sched_answer_cache(&s), stored ? key : NULL);
    }
}

void api_next_available(struct req *r)
{
    static const char *const allowed[] = {"service", "therapist", "location", NULL};
    struct sched s;
    struct err e = {0};
    struct avail_slot slot;
    int found = 0;
    int64_t loc = 0;
    if (web_only_params(r, allowed) < 0 || location_param(r, &loc) < 0 ||
        load_sched(r, loc, kv_get(&r->query, "service"), kv_get(&r->query, "therapist"), &s) < 0)
        return;
    if (sched_next(web_db(r), r->arena, &s, clock_now(), &slot, &found, &e) != E_OK) {
        web_fail(r, &e);
        return;
    }
    web_json(r, 200, found ? slot_json(r, &s, &slot) : json_null());
}

/* A string member, or NULL with a 400 written when present but not a string. */
static int member_str(struct req *r, json_t *obj, const char *key, int required, const char **out)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required) {
            bad(r, "Member '%s' is required.", key);
            return -1;
        }
        return 0;
    }
    if (!json_is_string(v)) {
        bad(r, "Member '%s' must be a string.", key);
        return -1;
    }
    *out = json_string_value(v);
    return 0;
}

static int parse_start(struct req *r, const char *s, int64_t *t)
{
    int off;
    if (dt_parse_rfc3339(s, t, &off) < 0) {
        bad(r, "Member '%s' must be an RFC 3339 time such as 2026-11-26T14:00:00-09:00.",
            "start");
        return -1;
    }
    return 0;
}

/* Idempotency-Key.  The key, the booking and the stored answer commit in
 * the booking's one transaction (sched_book_with's `inside`), so a crash
 * anywhere leaves either all three or none: a retry gets the original
 * answer or books afresh, and no key is ever left "in progress".  Only a
 * booking (201) is stored; a refused request stores nothing and its retry
 * is decided afresh.  Keys expire after IDEM_TTL by the project clock and
 * are purged by the next booking that carries a key (or comes through the
 * /book form, whose tokens share the purge).  The stored answer holds no manage link:
 * the token is sealed under a key derived from the Idempotency-Key and the
 * exact request body, and a replay gets the link back only when it comes
 * with the same key, the same body and from the same client address. */
#define IDEM_TTL 86400

struct idem {
    struct req *r;
    const struct tz *tz; /* the booking's location's zone */
    const char *key; /* NULL: none given */
    unsigned char hash[STORE_TOKEN_HASH];
    unsigned char seal[TOKEN_SEAL_KEY];
    const char *token; /* the new booking's manage token, inside the transaction */
};

static void location(struct req *r, int64_t id)
{
    resp_header(r, "Location", arena_printf(r->arena, "/api/v1/appointments/%lld", (long long)id));
}

/* Looks the key up.  Returns 1 when the response was written (a replay, a
 * key reused for another request, or an error), 0 to go on and book. */
static int idem_replay(struct req *r, struct idem *im)
{
    struct err e = {0};
    struct idem_entry en;
    int found = 0;
    char token[TOKEN_LEN];

    if (db_idem_get(web_db(r), r->arena, im->key, clock_now() - IDEM_TTL, &en, &found, &e) !=
        E_OK) {
        web_fail(r, &e);
        return 1;
    }
    if (!found)
        return 0;
    if (sodium_memcmp(en.hash, im->hash, sizeof im->hash) != 0) {
        web_error(r, 422, "idempotency_key_reused",
                  "This Idempotency-Key was used with a different request; use a new key.");
        return 1;
    }
    json_t *body = json_loads(en.body, 0, NULL);
    if (!body) {
        err_set(&e, E_INTERNAL, "the stored answer of an idempotency key is not JSON");
        web_fail(r, &e);
        return 1;
    }
    if (strcmp(en.address, req_address(r)) == 0 &&
        token_unseal(en.sealed, en.nsealed, im->seal, token) == 0)
        json_object_set_new(body, "manage_url", json_string(manage_url(r, token)));
    json_int_t id = json_integer_value(json_object_get(body, "id")); /* 0 if absent */
    web_json(r, en.status, body);
    resp_header(r, "Idempotent-Replayed", "true");
    if (id > 0)
        location(r, (int64_t)id);
    return 1;
}

/* Reads the Idempotency-Key header.  Returns 1 when the response was
 * written (a bad key, a replay), 0 to go on. */
static int idem_begin(struct req *r, struct idem *im)
{
    im->r = r;
    im->key = req_header(r, "Idempotency-Key");
    if (!im->key)
        return 0;
    size_t kl = strlen(im->key);
    if (kl == 0 || kl > 255 || !esc_header_ok(im->key)) {
        web_error(r, 400, "bad_request", "The Idempotency-Key header must be 1 to 255 characters.");
        return 1;
    }
    crypto_generichash(im->hash, sizeof im->hash, (const unsigned char *)r->body.buf, r->body.len,
                       NULL, 0);
    const void *parts[2] = {im->key, r->body.buf};
    const size_t lens[2] = {kl, r->body.len};
    token_seal_key(im->seal, "knead idempotency seal", 2, parts, lens);
    return idem_replay(r, im);
}

/* Inside the booking's transaction: purges expired keys and stores the
 * key with its answer; E_CONFLICT ("idempotency_race") when another request
 * with the key committed first, which rolls this booking back. */
static enum err_code idem_store(void *ctx, struct db *db, int64_t id, struct err *e)
{
    struct idem *im = ctx;
    struct req *r = im->r;
    struct appointment ap;
    unsigned char sealed[TOKEN_SEALED_LEN];
    enum err_code rc;
    int added = 0;
    int64_t now = clock_now();

    /* a booking without a key stores none, so it purges none either: two
     * round trips of a booking's transaction on PostgreSQL (issue 10 §5);
     * one with a key purges first, so its own expired key cannot clash */
    if (!im->key)
        return E_OK;
    if ((rc = db_purge_expired(db, now - IDEM_TTL, e)) != E_OK)
        return rc;
    if ((rc = db_appointment(db, r->arena, id, &ap, e)) != E_OK)
        return rc;
    json_t *j = appointment_json(r, &ap, NULL, im->tz);
    char *body = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (!body)
        return err_set(e, E_INTERNAL, "could not write the answer for an idempotency key");
    token_seal(im->token, im->seal, sealed);
    struct idem_entry en = {.key = im->key, .status = 201, .body = body,
                            .address = req_address(r), .sealed = sealed,
                            .nsealed = sizeof sealed, .created_at = now};
    memcpy(en.hash, im->hash, sizeof en.hash);
    rc = db_idem_add(db, &en, &added, e);
    free(body);
    if (rc == E_OK && !added) {
        err_set(e, E_CONFLICT, "Another request with this Idempotency-Key was answered first.");
        rc = E_CONFLICT;
        e->problem = "idempotency_race";
    }
    return rc;
}

/* 409 client_overlap: the other appointment named by its service and time
 * only (see check_client in web/sched.c for why). */
static void client_overlap(struct req *r, const struct err *e, const struct client_booking *b)
{
    json_t *p = json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", "about:blank", "title", "Conflict",
                          "status", 409, "detail", e->msg, "code", "client_overlap");
    if (b->id)
        json_object_set_new(p, "existing",
                            json_pack("{s:s, s:s, s:s}", "service", b->service_name, "start",
                                      web_time(r, b->start), "end", web_time(r, b->end)));
    web_json(r, 409, p);
    r->resp.content_type = "application/problem+json";
}

/* what a booking's body may hold: anything else is refused, naming it */
static const struct json_member client_members[] = {
    {"name", NULL}, {"email", NULL}, {"phone", NULL}, {"sms_consent", NULL}, {NULL, NULL}};
static const struct json_member book_members[] = {
    {"service", NULL}, {"therapist", NULL}, {"start", NULL}, {"notes", NULL}, {"location", NULL},
    {"client", client_members}, {NULL, NULL}};

void api_book(struct req *r)
{
    struct idem im = {0};
    const char *service, *therapist, *start_s, *notes, *name = NULL, *email = NULL, *phone = NULL;
    struct sched s;
    struct err e = {0};
    struct appointment ap;
    struct client_booking other = {0};
    char token[TOKEN_LEN];
    int64_t start;
    json_t *j = web_json_body(r, book_members);

    if (!j)
        return;
    /* Before idem_begin: a refused flood writes nothing, and its 429 is not
     * kept as the answer to its Idempotency-Key. */
    if (throttle_refuse(r, THROTTLE_BOOK,
                        json_string_value(json_object_get(json_object_get(j, "client"), "email"))))
        return;
    if (idem_begin(r, &im))
        return;
    json_t *client = json_object_get(j, "client");
    if (member_str(r, j, "service", 1, &service) < 0 ||
        member_str(r, j, "therapist", 0, &therapist) < 0 ||
        member_str(r, j, "start", 1, &start_s) < 0 || member_str(r, j, "notes", 0, &notes) < 0)
        return;
    if (client && !json_is_object(client)) {
        bad(r, "Member '%s' must be an object with name, email and phone.", "client");
        return;
    }
    if (client && (member_str(r, client, "name", 0, &name) < 0 ||
                   member_str(r, client, "email", 0, &email) < 0 ||
                   member_str(r, client, "phone", 0, &phone) < 0))
        return;
    /* reminders by text, asked for at booking (issue 13 item 21) */
    json_t *texts = client ? json_object_get(client, "sms_consent") : NULL;
    if (texts && !json_is_null(texts) && !json_is_boolean(texts)) {
        bad(r, "Member '%s' must be true or false.", "sms_consent");
        return;
    }
    json_t *lj = json_object_get(j, "location");
    int64_t loc = 0;
    if (lj && !json_is_null(lj) && (!json_is_integer(lj) || json_integer_value(lj) < 1)) {
        bad(r, "Member '%s' must be a location's id (a whole number); GET /api/v1/locations "
               "lists them.", "location");
        return;
    }
    if (lj && json_is_integer(lj))
        loc = json_integer_value(lj);
    if (parse_start(r, start_s, &start) < 0 || load_sched(r, loc, service, therapist, &s) < 0)
        return;
    /* a service that asks a deposit or a card is paid on the provider's
     * page, which only the booking pages open: the API cannot skip it */
    int64_t deposit = 0;
    int card = 0;
    if (pay_booking_deposit(r, s.service.id, &deposit, &card) < 0)
        return;
    if (card) {
        web_error(r, 409, "deposit_required",
                  arena_printf(r->arena,
                               "%s asks %s when booked online; book it on the clinic's booking "
                               "page (/book?service=%s), which takes it through the payment "
                               "provider.",
                               s.service.name, deposit > 0 ? "a deposit" : "a card on file",
                               s.service.id));
        return;
    }
    struct sched_client cl = {.name = name, .email = email, .phone = phone, .notes = notes,
                              .overlap = &other, .sms_consent = json_is_true(texts)};
    int who = therapist && strcmp(therapist, "any") != 0 ? sched_therapist_index(&s, therapist) : -1;
    im.token = token;
    im.tz = s.tz; /* the booking's location's zone */
    if (sched_book_with(web_db(r), r->arena, &s, clock_now(), start, who, &cl, idem_store, &im,
                        &ap, token, &e) != E_OK) {
        /* a request with the same key may have committed while this one
         * waited for the transaction: its answer is this one's too */
        if (im.key && e.code == E_CONFLICT && idem_replay(r, &im))
            return;
        if (e.problem && strcmp(e.problem, "client_overlap") == 0)
            client_overlap(r, &e, &other);
        else
            web_problem(r, &e);
        return;
    }
    throttle_note(r, THROTTLE_BOOK, email);
    web_json(r, 201, appointment_json(r, &ap, token, s.tz));
    location(r, ap.id);
}

/* Finds the appointment {id} whose manage token is the bearer token; 404 for
 * any mismatch, so nobody learns whether an id exists. */
static int authorised(struct req *r, struct appointment *ap)
{
    struct err e = {0};
    unsigned char hash[STORE_TOKEN_HASH];
    int64_t id;
    const char *auth = req_header(r, "Authorization");
    static const char nf[] = "No appointment matches this id and token.";

    if (num_parse_i64(req_param(r, 0), 1, INT64_MAX, &id) < 0 || !auth ||
        strncasecmp(auth, "Bearer ", 7) != 0 || strlen(auth + 7) != TOKEN_LEN - 1) {
        web_error(r, 404, "not_found", nf);
        return -1;
    }
    token_hash(auth + 7, hash);
    enum err_code rc = db_appointment_by_token(web_db(r), r->arena, hash, ap, &e);
    if (rc == E_NOTFOUND || (rc == E_OK && ap->id != id)) {
        web_error(r, 404, "not_found", nf);
        return -1;
    }
    if (rc != E_OK) {
        web_fail(r, &e);
        return -1;
    }
    return 0;
}

void api_appointment(struct req *r)
{
    struct appointment ap;
    if (authorised(r, &ap) == 0)
        web_json(r, 200, appointment_json(r, &ap, NULL, NULL));
}

void api_cancel(struct req *r)
{
    struct appointment ap;
    struct sched s;
    struct err e = {0};
    int late = 0;
    if (authorised(r, &ap) < 0 || load_sched(r, ap.location_id, ap.service_id, NULL, &s) < 0)
        return;
    if (sched_cancel(web_db(r), &r->app->hooks, &s.rules, clock_now(), &ap,
                     "cancelled by the client", &late, &e) != E_OK) {
        web_problem(r, &e);
        return;
    }
    if (late)
        pay_web_fee(r, ap.id);
    if (db_appointment(web_db(r), r->arena, ap.id, &ap, &e) != E_OK) {
        web_problem(r, &e);
        return;
    }
    web_json(r, 200, appointment_json(r, &ap, NULL, NULL));
}

void api_reschedule(struct req *r)
{
    struct appointment ap, moved;
    struct sched s;
    struct err e = {0};
    const char *start_s, *therapist;
    int64_t start;
    static const struct json_member members[] = {{"start", NULL}, {"therapist", NULL}, {NULL, NULL}};
    json_t *j;
    if (authorised(r, &ap) < 0 || !(j = web_json_body(r, members)))
        return;
    if (member_str(r, j, "start", 1, &start_s) < 0 ||
        member_str(r, j, "therapist", 0, &therapist) < 0 || parse_start(r, start_s, &start) < 0 ||
        load_sched(r, ap.location_id, ap.service_id, therapist, &s) < 0)
        return;
    int who = therapist && strcmp(therapist, "any") != 0 ? sched_therapist_index(&s, therapist) : -1;
    if (sched_move(web_db(r), r->arena, &s, clock_now(), &ap, start, who, &moved, &e) != E_OK) {
        web_problem(r, &e);
        return;
    }
    web_json(r, 200, appointment_json(r, &moved, NULL, NULL));
}
