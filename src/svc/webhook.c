/* webhook — the event types, payloads, queueing, endpoints and signature
 * of webhooks; see webhook.h.  It must not send anything (mail/whsend.c
 * does) and must not include http/, web/ or mail/.  A payload is built only
 * from the fields named here: nothing of a health form, an insurance
 * check, a note, a booking's notes or a cancellation's reason. */
#include "svc/webhook.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/datetime.h"
#include "core/money.h"
#include "core/tz.h"
#include "svc/token.h"
#include "util/arena.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/mem.h"

#define DESCRIPTION_MAX 200
#define URL_MIN 10
#define URL_MAX 2000
#define SEALED_LEN (WH_SECRET_BYTES + TOKEN_SEAL_OVERHEAD)

_Static_assert(WH_KEY_BYTES == TOKEN_SEAL_KEY, "the key file holds a sealing key");

struct wh {
    const struct tz *tz;
    unsigned char seal[TOKEN_SEAL_KEY]; /* derived from the key file's bytes */
};

static const struct {
    const char *name, *about;
} events[WH_NEVENTS] = {
    [WH_APPT_BOOKED] = {"appointment.booked", "an appointment is booked (online, by the desk, "
                                              "or from a waitlist offer; one held for its "
                                              "deposit once it is paid)"},
    [WH_APPT_MOVED] = {"appointment.moved", "an appointment moves to another time or therapist"},
    [WH_APPT_CANCELLED] = {"appointment.cancelled", "an appointment is cancelled, by the client "
                                                    "or the clinic"},
    [WH_APPT_STATUS] = {"appointment.status_changed", "the desk checks a client in, completes an "
                                                      "appointment, marks a no-show, or undoes "
                                                      "one of these"},
    [WH_CLIENT_CREATED] = {"client.created", "a booking brings a new client"},
    [WH_CLIENT_MERGED] = {"client.merged", "the desk merges a duplicate client into another"},
    [WH_WAITLIST_OFFERED] = {"waitlist.offered", "a freed time is offered to a client on the "
                                                 "waitlist"},
    [WH_INVOICE_ISSUED] = {"invoice.issued", "the desk issues a visit's invoice"},
    [WH_PAYMENT_RECEIVED] = {"payment.received", "the desk takes a payment towards an invoice"},
    [WH_PAYMENT_REFUNDED] = {"payment.refunded", "the desk refunds (part of) a payment"},
    [WH_CREDIT_NOTE_ISSUED] = {"credit_note.issued", "the desk issues a credit note on an "
                                                     "invoice"},
};

const char *wh_event_name(enum wh_event t)
{
    return (unsigned)t < WH_NEVENTS ? events[t].name : NULL;
}

const char *wh_event_about(enum wh_event t)
{
    return (unsigned)t < WH_NEVENTS ? events[t].about : "";
}

int wh_event_parse(const char *name)
{
    for (int i = 0; name && i < WH_NEVENTS; i++)
        if (strcmp(name, events[i].name) == 0)
            return i;
    return -1;
}

/* ---- the key file ---- */

int wh_key_load(const char *path, unsigned char key[WH_KEY_BYTES], char *err, size_t errlen)
{
    int rc = -1, fd = -1;
    size_t len = 0;
    char *buf = fs_read_file(path, 4096, &len);
    if (!buf && errno == ENOENT) {
        unsigned char fresh[WH_KEY_BYTES];
        randombytes_buf(fresh, sizeof fresh);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) {
            ssize_t w = write(fd, fresh, sizeof fresh);
            int synced = fsync(fd);
            int closed = close(fd);
            fd = -1;
            if (w != (ssize_t)sizeof fresh || synced != 0 || closed != 0) {
                snprintf(err, errlen, "[webhooks] key_file %s: cannot write it: %s", path,
                         strerror(errno ? errno : EIO));
                unlink(path);
                goto done;
            }
            log_info("webhooks: made the key that seals the endpoints' secrets: %s (keep it "
                     "with the database's backups)",
                     path);
        } else if (errno != EEXIST) { /* EEXIST: another server made it first */
            snprintf(err, errlen, "[webhooks] key_file %s: cannot create it: %s", path,
                     strerror(errno));
            goto done;
        }
        sodium_memzero(fresh, sizeof fresh);
        buf = fs_read_file(path, 4096, &len);
    }
    if (!buf) {
        snprintf(err, errlen, "[webhooks] key_file %s: cannot read it: %s", path, strerror(errno));
        goto done;
    }
    if (len != WH_KEY_BYTES) {
        snprintf(err, errlen,
                 "[webhooks] key_file %s: holds %zu bytes, not %d (a key Knead made, or no file"
                 " at all to make one)",
                 path, len, WH_KEY_BYTES);
        goto done;
    }
    memcpy(key, buf, WH_KEY_BYTES);
    rc = 0;
done:
    if (buf) {
        sodium_memzero(buf, len);
        free(buf);
    }
    return rc;
}

struct wh *wh_new(const struct tz *tz, const unsigned char key[WH_KEY_BYTES])
{
    struct wh *w = xcalloc(1, sizeof *w);
    const void *parts[] = {key};
    const size_t lens[] = {WH_KEY_BYTES};
    w->tz = tz;
    token_seal_key(w->seal, "knead webhook secret", 1, parts, lens);
    return w;
}

void wh_free(struct wh *w)
{
    if (!w)
        return;
    sodium_memzero(w->seal, sizeof w->seal);
    free(w);
}

/* ---- payloads ---- */

static json_t *when(const struct wh *w, int64_t t)
{
    char buf[40];
    if (dt_format_rfc3339(t, tz_offset_at(w->tz, t), buf, sizeof buf) == 0)
        return json_null();
    return json_string(buf);
}

/* Stores the event for the endpoints that asked for mask (or only one). */
static enum err_code queue(struct db *db, const char *type, json_t *data, int64_t mask,
                           int64_t only, const struct wh *w, int64_t now, struct err *e)
{
    char token[TOKEN_LEN], msg_id[8 + TOKEN_LEN];
    enum err_code rc;
    json_t *body =
        json_pack("{s:s, s:o, s:o}", "type", type, "timestamp", when(w, now), "data", data);
    char *text = body ? json_dumps(body, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(body);
    if (!text) { /* text that is not UTF-8: the change goes on without it */
        log_error("webhooks: the %s event could not be built; it is not sent", type);
        return E_OK;
    }
    token_new(token, NULL);
    snprintf(msg_id, sizeof msg_id, "msg_%s", token);
    int64_t n = 0;
    rc = db_wh_queue(db, msg_id, type, text, mask, only, now, &n, e);
    if (rc == E_OK)
        log_info("webhooks: queued %s %s for %lld endpoint%s", type, msg_id, (long long)n,
                 n == 1 ? "" : "s");
    free(text);
    return rc;
}

/* Whether anyone asked for t: one indexed count, so a clinic without
 * webhooks pays nothing more. */
static enum err_code wanted(struct wh *w, struct db *db, enum wh_event t, int *yes, struct err *e)
{
    *yes = 0;
    if (!w)
        return E_OK;
    return db_wh_subscribed(db, WH_EV(t), yes, e);
}

static json_t *named(const char *id, const char *name)
{
    return json_pack("{s:s, s:s}", "id", id ? id : "", "name", name ? name : "");
}

enum err_code wh_appointment(struct wh *w, struct db *db, enum wh_event t, int64_t id,
                             const struct appointment *before, int by_clinic, int64_t now,
                             struct err *e)
{
    int yes;
    struct appointment ap;
    enum err_code rc;
    struct arena *a = NULL;
    if ((rc = wanted(w, db, t, &yes, e)) != E_OK || !yes)
        return rc;
    a = arena_new();
    if ((rc = db_appointment(db, a, id, &ap, e)) != E_OK)
        goto done;
    json_t *appt =
        json_pack("{s:I, s:s, s:o, s:o, s:o, s:o, s:{s:I, s:s}, s:I, s:s, s:o}", "id",
                  (json_int_t)ap.id, "status", ap.status, "start", when(w, ap.start), "end",
                  when(w, ap.end), "service", named(ap.service_id, ap.service_name), "therapist",
                  named(ap.therapist_id, ap.therapist_name), "room", "id", (json_int_t)ap.room_id,
                  "name", ap.room_name ? ap.room_name : "", "client_id", (json_int_t)ap.client_id,
                  "source", ap.source ? ap.source : "", "created_at", when(w, ap.created_at));
    json_t *data = json_pack("{s:o}", "appointment", appt);
    if (t == WH_APPT_MOVED && before)
        json_object_set_new(data, "previous",
                            json_pack("{s:o, s:o, s:o}", "start", when(w, before->start), "end",
                                      when(w, before->end), "therapist",
                                      named(before->therapist_id, before->therapist_name)));
    if (t == WH_APPT_CANCELLED) {
        json_object_set_new(appt, "cancelled_at",
                            ap.cancelled_at ? when(w, ap.cancelled_at) : when(w, now));
        json_object_set_new(appt, "late_cancel", json_boolean(ap.cancel_late));
        json_object_set_new(data, "cancelled_by", json_string(by_clinic ? "clinic" : "client"));
    }
    if (t == WH_APPT_STATUS)
        json_object_set_new(data, "previous_status",
                            json_string(before && before->status ? before->status : ""));
    rc = queue(db, events[t].name, data, WH_EV(t), 0, w, now, e);
done:
    arena_free(a);
    return rc;
}

static json_t *client_json(const struct wh *w, const struct client *c)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:o}", "id", (json_int_t)c->id, "name",
                     c->name ? c->name : "", "email", c->email ? c->email : "", "phone",
                     c->phone ? c->phone : "", "created_at", when(w, c->created_at));
}

enum err_code wh_client_created(struct wh *w, struct db *db, int64_t id, int64_t now, struct err *e)
{
    int yes;
    struct client c;
    struct arena *a = NULL;
    enum err_code rc;
    if ((rc = wanted(w, db, WH_CLIENT_CREATED, &yes, e)) != E_OK || !yes)
        return rc;
    a = arena_new();
    if ((rc = db_client(db, a, id, &c, e)) == E_OK)
        rc = queue(db, events[WH_CLIENT_CREATED].name,
                   json_pack("{s:o}", "client", client_json(w, &c)), WH_EV(WH_CLIENT_CREATED), 0, w,
                   now, e);
    arena_free(a);
    return rc;
}

enum err_code wh_client_merged(struct wh *w, struct db *db, int64_t kept, int64_t merged,
                               int64_t now, struct err *e)
{
    int yes;
    struct client c;
    struct arena *a = NULL;
    enum err_code rc;
    if ((rc = wanted(w, db, WH_CLIENT_MERGED, &yes, e)) != E_OK || !yes)
        return rc;
    a = arena_new();
    if ((rc = db_client(db, a, kept, &c, e)) == E_OK)
        rc = queue(db, events[WH_CLIENT_MERGED].name,
                   json_pack("{s:o, s:I}", "client", client_json(w, &c), "merged_client_id",
                             (json_int_t)merged),
                   WH_EV(WH_CLIENT_MERGED), 0, w, now, e);
    arena_free(a);
    return rc;
}

enum err_code wh_waitlist_offered(struct wh *w, struct db *db, const struct wh_offer *o,
                                  int64_t now, struct err *e)
{
    int yes;
    enum err_code rc;
    if ((rc = wanted(w, db, WH_WAITLIST_OFFERED, &yes, e)) != E_OK || !yes)
        return rc;
    json_t *offer =
        json_pack("{s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:o}", "id", (json_int_t)o->offer_id,
                  "waitlist_entry_id", (json_int_t)o->entry_id, "freed_by_appointment_id",
                  (json_int_t)o->freed_by, "service", named(o->service_id, o->service_name),
                  "therapist", named(o->therapist_id, o->therapist_name), "start",
                  when(w, o->start), "end", when(w, o->end), "expires_at", when(w, o->expires));
    return queue(db, events[WH_WAITLIST_OFFERED].name, json_pack("{s:o}", "offer", offer),
                 WH_EV(WH_WAITLIST_OFFERED), 0, w, now, e);
}

/* ---- the money events: ids, amounts in cents and their currency, the
 * method; never a reason given or a payment's reference ---- */

static json_t *id_or_null(int64_t id)
{
    return id ? json_integer((json_int_t)id) : json_null();
}

static json_t *invoice_json(const struct wh *w, const struct invoice *inv)
{
    return json_pack("{s:I, s:I, s:o, s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}",
                     "id", (json_int_t)inv->id, "number", (json_int_t)inv->number,
                     "appointment_id", id_or_null(inv->appointment_id), "client_id",
                     (json_int_t)inv->client_id, "currency", inv->currency ? inv->currency : "",
                     "subtotal_cents", (json_int_t)inv->subtotal, "discount_cents",
                     (json_int_t)inv->discount, "tax_cents", (json_int_t)inv->tax, "tip_cents",
                     (json_int_t)inv->tip, "total_cents", (json_int_t)inv->total,
                     "credited_cents", (json_int_t)inv->credited, "paid_cents",
                     (json_int_t)inv->paid, "refunded_cents", (json_int_t)inv->refunded,
                     "balance_cents",
                     (json_int_t)money_balance(inv->total, inv->credited, inv->paid, inv->refunded),
                     "issued_at", when(w, inv->issued_at));
}

static json_t *payment_json(const struct wh *w, const struct payment *p, const char *currency)
{
    return json_pack("{s:I, s:o, s:o, s:s, s:I, s:s, s:I, s:o}", "id", (json_int_t)p->id,
                     "invoice_id", id_or_null(p->invoice_id), "appointment_id",
                     id_or_null(p->appointment_id), "method", p->method ? p->method : "",
                     "amount_cents", (json_int_t)p->amount, "currency", currency,
                     "refunded_cents", (json_int_t)p->refunded, "received_at",
                     when(w, p->created_at));
}

/* The invoice `id` (0: none, null) read now, into *inv and as JSON. */
static enum err_code invoice_read(const struct wh *w, struct db *db, struct arena *a, int64_t id,
                                  struct invoice *inv, json_t **out, struct err *e)
{
    enum err_code rc;
    memset(inv, 0, sizeof *inv);
    *out = json_null();
    if (!id)
        return E_OK;
    if ((rc = db_invoice(db, a, id, inv, e)) == E_OK)
        *out = invoice_json(w, inv);
    return rc;
}

enum err_code wh_invoice_issued(struct wh *w, struct db *db, int64_t id, int64_t now,
                                struct err *e)
{
    int yes;
    struct invoice inv;
    json_t *ij = NULL;
    enum err_code rc;
    if ((rc = wanted(w, db, WH_INVOICE_ISSUED, &yes, e)) != E_OK || !yes)
        return rc;
    struct arena *a = arena_new();
    if ((rc = invoice_read(w, db, a, id, &inv, &ij, e)) == E_OK)
        rc = queue(db, events[WH_INVOICE_ISSUED].name, json_pack("{s:o}", "invoice", ij),
                   WH_EV(WH_INVOICE_ISSUED), 0, w, now, e);
    else
        json_decref(ij);
    arena_free(a);
    return rc;
}

/* payment.received (payment `payment_id`) or payment.refunded (refund `id`
 * of amount from it): the payment and its invoice as they are now. */
static enum err_code payment_event(struct wh *w, struct db *db, enum wh_event t, int64_t id,
                                   int64_t payment_id, int64_t amount, const char *currency,
                                   int64_t now, struct err *e)
{
    int yes;
    struct payment p;
    struct invoice inv;
    json_t *ij = NULL;
    enum err_code rc;
    if ((rc = wanted(w, db, t, &yes, e)) != E_OK || !yes)
        return rc;
    struct arena *a = arena_new();
    if ((rc = db_payment(db, a, payment_id, &p, e)) != E_OK ||
        (rc = invoice_read(w, db, a, p.invoice_id, &inv, &ij, e)) != E_OK) {
        json_decref(ij);
        goto done;
    }
    const char *cur = inv.currency ? inv.currency : currency ? currency : "";
    json_t *data = json_pack("{s:o, s:o}", "payment", payment_json(w, &p, cur), "invoice", ij);
    if (t == WH_PAYMENT_REFUNDED)
        json_object_set_new(data, "refund",
                            json_pack("{s:I, s:I, s:I, s:s, s:s, s:o}", "id", (json_int_t)id,
                                      "payment_id", (json_int_t)payment_id, "amount_cents",
                                      (json_int_t)amount, "currency", cur, "method",
                                      p.method ? p.method : "", "refunded_at", when(w, now)));
    rc = queue(db, events[t].name, data, WH_EV(t), 0, w, now, e);
done:
    arena_free(a);
    return rc;
}

enum err_code wh_payment_received(struct wh *w, struct db *db, int64_t id, int64_t now,
                                  struct err *e)
{
    return payment_event(w, db, WH_PAYMENT_RECEIVED, id, id, 0, NULL, now, e);
}

enum err_code wh_payment_refunded(struct wh *w, struct db *db, int64_t id, int64_t payment_id,
                                  int64_t amount, const char *currency, int64_t now,
                                  struct err *e)
{
    return payment_event(w, db, WH_PAYMENT_REFUNDED, id, payment_id, amount, currency, now, e);
}

enum err_code wh_credit_note_issued(struct wh *w, struct db *db, int64_t id, int64_t invoice_id,
                                    int64_t amount, int64_t now, struct err *e)
{
    int yes;
    struct invoice inv;
    json_t *ij = NULL;
    enum err_code rc;
    if ((rc = wanted(w, db, WH_CREDIT_NOTE_ISSUED, &yes, e)) != E_OK || !yes)
        return rc;
    struct arena *a = arena_new();
    if ((rc = invoice_read(w, db, a, invoice_id, &inv, &ij, e)) != E_OK) {
        json_decref(ij);
        goto done;
    }
    json_t *note = json_pack("{s:I, s:I, s:I, s:s, s:o}", "id", (json_int_t)id, "invoice_id",
                             (json_int_t)invoice_id, "amount_cents", (json_int_t)amount,
                             "currency", inv.currency ? inv.currency : "", "issued_at",
                             when(w, now));
    rc = queue(db, events[WH_CREDIT_NOTE_ISSUED].name,
               json_pack("{s:o, s:o}", "credit_note", note, "invoice", ij),
               WH_EV(WH_CREDIT_NOTE_ISSUED), 0, w, now, e);
done:
    arena_free(a);
    return rc;
}

/* ---- endpoints ---- */

static enum err_code bad(struct err *e, const char *msg)
{
    err_set(e, E_UNPROCESSABLE, "%s", msg);
    return E_UNPROCESSABLE;
}

enum err_code wh_url_check(const char *url, struct err *e)
{
    size_t n = url ? strlen(url) : 0;
    const char *p;
    if (n < URL_MIN || n > URL_MAX)
        return bad(e, "The address must be a full http:// or https:// address of 10 to 2,000 "
                      "characters, such as https://hooks.example.com/knead.");
    if (strncasecmp(url, "https://", 8) == 0)
        p = url + 8;
    else if (strncasecmp(url, "http://", 7) == 0)
        p = url + 7;
    else
        return bad(e, "The address must start with https:// (or http://).");
    for (const char *c = url; *c; c++)
        if ((unsigned char)*c <= ' ' || *c == 0x7f)
            return bad(e, "The address must not hold spaces or control characters; encode them.");
    if (strchr(url, '#'))
        return bad(e, "The address must not hold a fragment (#...): it is never sent.");
    size_t auth = strcspn(p, "/?");
    if (memchr(p, '@', auth))
        return bad(e, "The address must not hold a user name or password: the signature "
                      "proves the sender, and credentials in an address leak into logs.");
    const char *host = p, *end = p + auth, *colon = NULL;
    if (*host == '[') { /* an IPv6 literal */
        const char *close = memchr(host, ']', auth);
        if (!close || close == host + 1)
            return bad(e, "The address's host is not a valid IPv6 address in brackets.");
        for (const char *c = host + 1; c < close; c++)
            if (!strchr("0123456789abcdefABCDEF:.", *c))
                return bad(e, "The address's host is not a valid IPv6 address in brackets.");
        if (close + 1 < end && close[1] != ':')
            return bad(e, "The address's host is not a valid IPv6 address in brackets.");
        colon = close + 1 < end ? close + 1 : NULL;
    } else {
        colon = memchr(host, ':', auth);
        const char *hend = colon ? colon : end;
        if (hend == host)
            return bad(e, "The address has no host name.");
        for (const char *c = host; c < hend; c++)
            if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                  (*c >= '0' && *c <= '9') || *c == '-' || *c == '.'))
                return bad(e, "The address's host name may hold only letters, digits, dots "
                              "and hyphens.");
    }
    if (colon) {
        long port = 0;
        const char *c = colon + 1;
        if (c == end)
            return bad(e, "The address's port is empty.");
        for (; c < end; c++) {
            if (*c < '0' || *c > '9' || port > 65535)
                return bad(e, "The address's port must be a number from 1 to 65535.");
            port = port * 10 + (*c - '0');
        }
        if (port < 1 || port > 65535)
            return bad(e, "The address's port must be a number from 1 to 65535.");
    }
    return E_OK;
}

static enum err_code check(const struct wh_endpoint *ep, struct err *e)
{
    enum err_code rc;
    if ((rc = wh_url_check(ep->url, e)) != E_OK)
        return rc;
    if ((ep->events & WH_EV_ALL) == 0 || (ep->events & ~WH_EV_ALL) != 0)
        return bad(e, "Choose at least one event to send.");
    if (ep->description && strlen(ep->description) > DESCRIPTION_MAX)
        return bad(e, "The description can be at most 200 characters.");
    return E_OK;
}

/* A new secret: its text for the admin, and sealed for the store. */
static void new_secret(const struct wh *w, char text[WH_SECRET_TEXT],
                       unsigned char sealed[SEALED_LEN])
{
    unsigned char secret[WH_SECRET_BYTES];
    randombytes_buf(secret, sizeof secret);
    memcpy(text, "whsec_", 6);
    sodium_bin2base64(text + 6, WH_SECRET_TEXT - 6, secret, sizeof secret,
                      sodium_base64_VARIANT_ORIGINAL);
    token_seal_bytes(secret, sizeof secret, w->seal, sealed);
    sodium_memzero(secret, sizeof secret);
}

/* The bodies of the endpoints' transactions (db_tx may run one again). */
struct endpoint_tx {
    struct wh *w;
    const struct wh_endpoint *ep;
    int64_t id, now;
    char *secret;  /* WH_SECRET_TEXT: the one made, for the admin */
    int64_t ep_of; /* retry: the delivery's endpoint */
};

static enum err_code add_tx(struct db *db, void *p, struct err *e)
{
    struct endpoint_tx *t = p;
    unsigned char sealed[SEALED_LEN];
    struct wh_endpoint row = *t->ep;
    new_secret(t->w, t->secret, sealed);
    row.secret = sealed;
    row.secret_len = sizeof sealed;
    row.created_at = t->now;
    return db_wh_endpoint_add(db, &row, &t->id, e);
}

static enum err_code update_tx(struct db *db, void *p, struct err *e)
{
    struct endpoint_tx *t = p;
    struct wh_endpoint row = *t->ep;
    row.updated_at = t->now;
    return db_wh_endpoint_update(db, &row, e);
}

static enum err_code rotate_tx(struct db *db, void *p, struct err *e)
{
    struct endpoint_tx *t = p;
    unsigned char sealed[SEALED_LEN];
    new_secret(t->w, t->secret, sealed);
    return db_wh_endpoint_secret(db, t->id, sealed, sizeof sealed, t->now, e);
}

static enum err_code ping_tx(struct db *db, void *p, struct err *e)
{
    struct endpoint_tx *t = p;
    struct wh_endpoint ep;
    struct arena *a = arena_new();
    enum err_code rc = db_wh_endpoint(db, a, t->id, &ep, e);
    if (rc == E_OK)
        rc = queue(db, WH_PING, json_pack("{s:I}", "endpoint_id", (json_int_t)t->id), 0, t->id,
                   t->w, t->now, e);
    arena_free(a);
    return rc;
}

static enum err_code retry_tx(struct db *db, void *p, struct err *e)
{
    struct endpoint_tx *t = p;
    return db_wh_retry(db, t->id, t->now, &t->ep_of, e);
}

/* A secret made for a transaction that did not commit is no one's. */
static void forget(char secret[WH_SECRET_TEXT])
{
    sodium_memzero(secret, WH_SECRET_TEXT);
    secret[0] = '\0';
}

static enum err_code not_running(struct err *e)
{
    return err_set(e, E_UNAVAILABLE, "Webhooks are not running on this server.");
}

enum err_code wh_endpoint_add(struct wh *w, struct db *db, const struct wh_endpoint *ep,
                              int64_t now, int64_t *id, char secret[WH_SECRET_TEXT], struct err *e)
{
    enum err_code rc;
    struct endpoint_tx t = {w, ep, 0, now, secret, 0};
    secret[0] = '\0';
    if ((rc = check(ep, e)) != E_OK)
        return rc;
    if (!w)
        return not_running(e);
    if ((rc = db_tx(db, add_tx, &t, e)) != E_OK)
        forget(secret);
    *id = t.id;
    return rc;
}

enum err_code wh_endpoint_update(struct db *db, const struct wh_endpoint *ep, int64_t now,
                                 struct err *e)
{
    enum err_code rc;
    struct endpoint_tx t = {NULL, ep, ep->id, now, NULL, 0};
    if ((rc = check(ep, e)) != E_OK)
        return rc;
    return db_tx(db, update_tx, &t, e);
}

enum err_code wh_endpoint_rotate(struct wh *w, struct db *db, int64_t id, int64_t now,
                                 char secret[WH_SECRET_TEXT], struct err *e)
{
    enum err_code rc;
    struct endpoint_tx t = {w, NULL, id, now, secret, 0};
    secret[0] = '\0';
    if (!w)
        return not_running(e);
    if ((rc = db_tx(db, rotate_tx, &t, e)) != E_OK)
        forget(secret);
    return rc;
}

enum err_code wh_ping(struct wh *w, struct db *db, int64_t id, int64_t now, struct err *e)
{
    struct endpoint_tx t = {w, NULL, id, now, NULL, 0};
    if (!w)
        return not_running(e);
    return db_tx(db, ping_tx, &t, e);
}

enum err_code wh_delivery_retry(struct db *db, int64_t id, int64_t now, int64_t *endpoint_id,
                                struct err *e)
{
    struct endpoint_tx t = {NULL, NULL, id, now, NULL, 0};
    enum err_code rc = db_tx(db, retry_tx, &t, e);
    *endpoint_id = t.ep_of;
    return rc;
}

/* ---- signing ---- */

int wh_secret_open(const struct wh *w, const unsigned char *sealed, size_t n,
                   unsigned char secret[WH_SECRET_BYTES])
{
    return token_unseal_bytes(sealed, n, w->seal, secret, WH_SECRET_BYTES);
}

void wh_sign(const unsigned char *secret, size_t secret_len, const char *msg_id, int64_t timestamp,
             const char *body, size_t body_len, char out[WH_SIGNATURE_LEN])
{
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    char ts[24];
    int n = snprintf(ts, sizeof ts, "%lld", (long long)timestamp);
    crypto_auth_hmacsha256_init(&st, secret, secret_len);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg_id, strlen(msg_id));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, (size_t)n);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, body_len);
    crypto_auth_hmacsha256_final(&st, mac);
    memcpy(out, "v1,", 3);
    sodium_bin2base64(out + 3, WH_SIGNATURE_LEN - 3, mac, sizeof mac,
                      sodium_base64_VARIANT_ORIGINAL);
}
