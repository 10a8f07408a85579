/* pay — money online through the payment provider (see pay.h): checkouts
 * recorded before the provider is called, the call with its own
 * idempotency key and bounded time, the signed webhook applied once, and
 * the release of holds that ran out.  It must not hold a transaction open
 * while it talks to the provider, and must not log the key or the secret. */
#include "svc/pay.h"

#include <ctype.h>
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "svc/booking.h"
#include "svc/money.h"
#include "svc/token.h"
#include "svc/webhook.h"
#include "util/arena.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/num.h"
#include "util/sb.h"

#define ANSWER_MAX 16384  /* bytes of the provider's answer read */
#define TOLERANCE_S 300   /* a webhook's timestamp, either side of now */
#define RELEASE_EVERY_S 5 /* the worker's look at the holds */
#define FAILURE_MAX 200   /* characters of the provider's why kept with a failed refund */

int pay_enabled(const struct pay_provider *p)
{
    return p && p->base_url && p->base_url[0];
}

void pay_deposit_cents(const struct service_deposit *d, int64_t *cents, int *card)
{
    *cents = 0;
    *card = 0;
    if (!d || !d->kind || strcmp(d->kind, "none") == 0)
        return;
    *card = 1;
    if (strcmp(d->kind, "amount") == 0)
        *cents = d->value;
    else if (strcmp(d->kind, "percent") == 0)
        *cents = (d->price * d->value + 5000) / 10000; /* half up; price and rate are small */
    if (*cents > d->price && d->price > 0)
        *cents = d->price;
}

enum err_code pay_checkout_record(struct db *db, const struct pay_provider *p,
                                  const struct pay_checkout_in *in, int64_t now, int64_t *id,
                                  struct err *e)
{
    static const char *const purposes[] = {"deposit", "card", "package", "gift_card"};
    char token[TOKEN_LEN], key[TOKEN_LEN + 4];
    int known = 0;
    for (size_t i = 0; i < sizeof purposes / sizeof purposes[0]; i++)
        known |= in->purpose && strcmp(in->purpose, purposes[i]) == 0;
    if (!known)
        return err_set(e, E_INVALID,
                       "a checkout is for a deposit, a card, a package or a gift card");
    if (in->amount < 0 || (in->amount == 0 && strcmp(in->purpose, "card") != 0))
        return err_set(e, E_INVALID, "a checkout needs an amount above zero");
    if (!in->description || !*in->description || strlen(in->description) > 200)
        return err_set(e, E_INVALID, "a checkout needs a description of 1 to 200 characters");
    token_new(token, NULL);
    snprintf(key, sizeof key, "ko_%s", token);
    struct checkout c = {.purpose = in->purpose,
                         .appointment_id = in->appointment_id,
                         .client_id = in->client_id,
                         .ref_id = in->ref_id,
                         .amount = in->amount,
                         .currency = p->currency,
                         .description = in->description,
                         .idem_key = key,
                         .hold_until = in->hold_until,
                         .created_at = now};
    return db_checkout_add(db, &c, id, e);
}

/* ---- the provider's API ---- */

static size_t write_cb(char *buf, size_t size, size_t nitems, void *p)
{
    struct sb *answer = p;
    size_t n = size * nitems, room = ANSWER_MAX - answer->len;
    sb_add(answer, buf, n < room ? n : room);
    return n;
}

static int field(CURL *c, struct sb *form, const char *name, const char *value)
{
    char *enc = curl_easy_escape(c, value, 0);
    if (!enc)
        return -1;
    sb_addf(form, "%s%s=%s", form->len ? "&" : "", name, enc);
    curl_free(enc);
    return 0;
}

/* POSTs form to base_url + path with the key and idempotency key (form
 * NULL: a GET, idem NULL: no key).  *status gets the HTTP status (0 = no
 * answer) and answer the body.  Returns 0, or -1 with why in err (no answer
 * in time, libcurl failed). */
static int post(const struct pay_provider *p, const char *path, const char *idem,
                const struct sb *form, long *status, struct sb *answer, char *err, size_t errlen)
{
    int rc = -1;
    CURL *c = NULL;
    struct curl_slist *hdr = NULL;
    struct sb url = SB_INIT, auth = SB_INIT, ik = SB_INIT;
    char cerr[CURL_ERROR_SIZE] = "";
    CURLcode cc;
    size_t blen = strlen(p->base_url);
    while (blen > 0 && p->base_url[blen - 1] == '/')
        blen--;
    *status = 0;
    sb_init(&url, 4096);
    sb_init(&auth, 1024);
    sb_init(&ik, 256);
    sb_add(&url, p->base_url, blen);
    sb_adds(&url, path);
    sb_addf(&auth, "Authorization: Bearer %s", p->key);
    sb_addf(&ik, "Idempotency-Key: %s", idem ? idem : "");
    if (url.err || auth.err || ik.err || (form && form->err)) {
        snprintf(err, errlen, "the provider's address or the request is too long");
        goto done;
    }
    struct curl_slist *h1 = curl_slist_append(NULL, auth.buf);
    if (!h1) {
        snprintf(err, errlen, "libcurl could not start a transfer");
        goto done;
    }
    hdr = h1;
    if ((idem && !(h1 = curl_slist_append(hdr, ik.buf))) || !(c = curl_easy_init())) {
        snprintf(err, errlen, "libcurl could not start a transfer");
        goto done;
    }
    hdr = h1;
    if ((cc = curl_easy_setopt(c, CURLOPT_URL, url.buf)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https")) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr)) != CURLE_OK ||
        (form &&
         (cc = curl_easy_setopt(c, CURLOPT_POSTFIELDS, form->buf ? form->buf : "")) != CURLE_OK) ||
        (form && (cc = curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)form->len)) !=
                     CURLE_OK) ||
        (!form && (cc = curl_easy_setopt(c, CURLOPT_HTTPGET, 1L)) != CURLE_OK) ||
        (cc = curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_WRITEDATA, answer)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, p->connect_timeout_s)) != CURLE_OK ||
        (cc = curl_easy_setopt(c, CURLOPT_TIMEOUT, p->timeout_s)) != CURLE_OK) {
        snprintf(err, errlen, "libcurl: %s", curl_easy_strerror(cc));
        goto done;
    }
    if ((cc = curl_easy_perform(c)) != CURLE_OK) {
        snprintf(err, errlen, "%s", cerr[0] ? cerr : curl_easy_strerror(cc));
        goto done;
    }
    if ((cc = curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status)) != CURLE_OK) {
        snprintf(err, errlen, "libcurl: %s", curl_easy_strerror(cc));
        goto done;
    }
    rc = 0;
done:
    sb_release(&url);
    sb_release(&auth);
    sb_release(&ik);
    curl_slist_free_all(hdr);
    if (c)
        curl_easy_cleanup(c);
    return rc;
}

enum err_code pay_checkout_start(struct db *db, struct arena *a, const struct pay_provider *p,
                                 int64_t id, const char *email, const char *success_url,
                                 const char *cancel_url, const char **url, struct err *e)
{
    enum err_code rc;
    struct checkout c;
    struct sb form = SB_INIT, answer = SB_INIT;
    json_t *j = NULL;
    CURL *enc = NULL;
    long status = 0;
    char why[CURL_ERROR_SIZE + 64], num[32], hold[32];
    int64_t changed = 0;

    *url = NULL;
    if ((rc = db_checkout(db, a, id, &c, e)) != E_OK)
        goto done;
    if (strcmp(c.status, "open") == 0) {
        *url = c.url;
        goto done;
    }
    if (strcmp(c.status, "creating") != 0) {
        rc = err_set(e, E_CONFLICT, "This payment is %s already.",
                     strcmp(c.status, "paid") == 0 ? "paid" : "closed");
        goto done;
    }
    sb_init(&form, 16384);
    sb_init(&answer, ANSWER_MAX + 1);
    if (!(enc = curl_easy_init())) {
        rc = err_set(e, E_INTERNAL, "libcurl could not start");
        goto done;
    }
    snprintf(num, sizeof num, "%lld", (long long)c.amount);
    snprintf(hold, sizeof hold, "%lld", (long long)c.hold_until);
    int card = strcmp(c.purpose, "card") == 0;
    if (field(enc, &form, "mode", card ? "setup" : "payment") < 0 ||
        field(enc, &form, "client_reference_id", c.idem_key) < 0 ||
        field(enc, &form, "success_url", success_url) < 0 ||
        field(enc, &form, "cancel_url", cancel_url) < 0 ||
        field(enc, &form, "expires_at", hold) < 0 ||
        (email && *email && field(enc, &form, "customer_email", email) < 0) ||
        field(enc, &form, "metadata[purpose]", c.purpose) < 0 ||
        (!card &&
         (field(enc, &form, "line_items[0][quantity]", "1") < 0 ||
          field(enc, &form, "line_items[0][price_data][currency]", c.currency) < 0 ||
          field(enc, &form, "line_items[0][price_data][unit_amount]", num) < 0 ||
          field(enc, &form, "line_items[0][price_data][product_data][name]", c.description) < 0 ||
          /* keep the card for a late-cancel or no-show fee */
          field(enc, &form, "payment_intent_data[setup_future_usage]", "off_session") < 0))) {
        rc = err_set(e, E_INTERNAL, "libcurl could not encode the checkout");
        goto done;
    }
    if (post(p, "/v1/checkout/sessions", c.idem_key, &form, &status, &answer, why, sizeof why) <
        0) {
        log_warn("payments: checkout %lld: the provider did not answer: %s", (long long)id, why);
        rc = err_set(e, E_UNAVAILABLE,
                     "The payment provider did not answer in time. Nothing was charged; please "
                     "try again in a minute.");
        e->problem = "provider_unavailable";
        goto done;
    }
    if (status >= 500 || status == 429 || status == 408 || status == 409) {
        log_warn("payments: checkout %lld: the provider answered HTTP %ld", (long long)id, status);
        rc = err_set(e, E_UNAVAILABLE,
                     "The payment provider is not available just now. Nothing was charged; "
                     "please try again in a minute.");
        e->problem = "provider_unavailable";
        goto done;
    }
    json_error_t je;
    const char *sid = NULL, *page = NULL;
    if (status >= 200 && status < 300 &&
        (j = json_loadb(answer.buf ? answer.buf : "", answer.len, 0, &je)) &&
        json_unpack(j, "{s:s, s:s}", "id", &sid, "url", &page) == 0 && *sid && strlen(sid) <= 200 &&
        (strncmp(page, "https://", 8) == 0 || strncmp(page, "http://", 7) == 0) &&
        strlen(page) <= 2000) {
        if ((rc = db_checkout_opened(db, id, sid, page, &changed, e)) != E_OK)
            goto done;
        if (!changed) { /* a webhook settled it meanwhile */
            if ((rc = db_checkout(db, a, id, &c, e)) != E_OK)
                goto done;
            if (strcmp(c.status, "open") != 0) {
                rc = err_set(e, E_CONFLICT, "This payment is %s already.",
                             strcmp(c.status, "paid") == 0 ? "paid" : "closed");
                goto done;
            }
        }
        *url = arena_strdup(a, page);
        goto done;
    }
    log_warn("payments: checkout %lld: the provider refused it (HTTP %ld)", (long long)id, status);
    /* asked again with the same key it would refuse again: the hold ends
     * now, and the worker releases what it held (telling the client) */
    if ((rc = db_checkout_give_up(db, id, clock_now(), e)) != E_OK)
        goto done;
    rc = err_set(e, E_UNPROCESSABLE,
                 "The payment provider refused to open a payment page. Nothing was charged; "
                 "please call the clinic.");
    e->problem = "provider_refused";
done:
    json_decref(j);
    if (enc)
        curl_easy_cleanup(enc);
    sb_release(&form);
    sb_release(&answer);
    return rc;
}

/* ---- the webhook ---- */

/* 1 when header "t=T,v1=HEX[,v1=HEX...]" signs body with secret and T is
 * within TOLERANCE_S of now; else 0 with why. */
static int signed_ok(const char *secret, const char *header, const char *body, size_t len,
                     int64_t now, const char **why)
{
    int64_t t = -1;
    unsigned char mac[crypto_auth_hmacsha256_BYTES], got[crypto_auth_hmacsha256_BYTES];
    const char *ts = NULL;
    size_t tslen = 0;
    int have_v1 = 0;
    *why = "the Stripe-Signature header is missing";
    if (!header || !*header)
        return 0;
    *why = "the Stripe-Signature header is malformed";
    for (const char *p = header; *p;) {
        size_t n = strcspn(p, ",");
        if (n > 2 && strncmp(p, "t=", 2) == 0) {
            char buf[24];
            if (n - 2 >= sizeof buf)
                return 0;
            memcpy(buf, p + 2, n - 2);
            buf[n - 2] = '\0';
            if (num_parse_i64(buf, 0, INT64_MAX / 2, &t) < 0)
                return 0;
            ts = p + 2;
            tslen = n - 2;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    if (!ts)
        return 0;
    if (t < now - TOLERANCE_S || t > now + TOLERANCE_S) {
        *why = "the signature's timestamp is more than 5 minutes from now";
        return 0;
    }
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, tslen);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
    crypto_auth_hmacsha256_final(&st, mac);
    for (const char *p = header; *p;) {
        size_t n = strcspn(p, ",");
        if (n == 3 + 2 * sizeof got && strncmp(p, "v1=", 3) == 0) {
            size_t bin = 0;
            have_v1 = 1;
            if (sodium_hex2bin(got, sizeof got, p + 3, n - 3, NULL, &bin, NULL) == 0 &&
                bin == sizeof got && sodium_memcmp(got, mac, sizeof mac) == 0) {
                sodium_memzero(mac, sizeof mac);
                return 1;
            }
        }
        p += n;
        if (*p == ',')
            p++;
    }
    sodium_memzero(mac, sizeof mac);
    *why = have_v1 ? "the signature does not match" : "the Stripe-Signature header has no v1";
    return 0;
}

static const struct actor provider_actor = {0, "payment provider", "system", "", PROOF_STAFF};

/* appointment.booked for a held booking the provider just confirmed, if it
 * is still booked (the desk may have checked it in or cancelled it). */
static enum err_code announce(struct db *db, struct arena *a, const struct pay_provider *p,
                              int64_t appt_id, int64_t now, struct err *e)
{
    struct appointment ap;
    enum err_code rc = db_appointment(db, a, appt_id, &ap, e);
    if (rc == E_NOTFOUND)
        return E_OK;
    if (rc != E_OK || strcmp(ap.status, "booked") != 0)
        return rc;
    return wh_appointment(p->webhooks, db, WH_APPT_BOOKED, appt_id, NULL, 0, now, e);
}

/* "USD 10.00" of cents in currency (any three letters: the provider's may
 * not be ours), on a. */
static const char *sum_of(struct arena *a, int64_t cents, const char *currency)
{
    char cur[4] = "???";
    for (int i = 0; i < 3 && currency && currency[i]; i++)
        cur[i] = (char)toupper((unsigned char)currency[i]);
    return arena_printf(a, "%s %lld.%02lld", cur, (long long)(cents / 100),
                        (long long)(cents % 100));
}

/* The deposit the provider took for checkout c as a completed payment
 * towards its appointment (on no invoice yet: the visit's invoice takes it,
 * or, the visit never billed, it is the client's credit), keyed by the
 * provider's payment so a replay adds none; audited with why. */
static enum err_code deposit_payment(struct db *db, struct arena *a, const struct checkout *c,
                                     const char *session, const char *intent, int64_t amount,
                                     const char *why, int64_t now, struct err *e)
{
    enum err_code rc;
    int64_t pid = 0;
    const char *key = arena_printf(a, "pay_%s", intent && *intent ? intent : session);
    struct payment old;
    int found = 0;
    if ((rc = db_payment_by_key(db, a, key, &old, &found, e)) != E_OK || found)
        return rc;
    struct payment pm = {.appointment_id = c->appointment_id,
                         .method = "provider",
                         .amount = amount,
                         .reference = intent && *intent ? intent : session,
                         .status = "completed",
                         .created_at = now,
                         .created_by_name = "Online payment",
                         .idem_key = key};
    if ((rc = db_payment_add(db, &pm, &pid, e)) != E_OK)
        return rc;
    return audit_add_why(db, &provider_actor, "pay", "payment", pid, c->client_id, why, now, e);
}

/* The provider says checkout c was paid, but not what we asked: amount
 * cents in currency.  It is not taken as paid (no booking confirmed, nothing
 * sold): what came is kept on the checkout and its hold ends now, so the
 * worker releases what it held and settles it failed; refused in the audit
 * log; a deposit's money in our currency is a payment towards its
 * appointment, so the client's balance holds it. */
static enum err_code paid_otherwise(struct db *db, struct arena *a, const struct checkout *c,
                                    const char *session, const char *intent, int64_t amount,
                                    const char *currency, int64_t now, struct err *e)
{
    enum err_code rc;
    int64_t changed = 0;
    const char *what = arena_printf(a, "%s paid of %s asked", sum_of(a, amount, currency),
                                    sum_of(a, c->amount, c->currency));
    if ((rc = db_checkout_mismatch(db, c->id, what, now, &changed, e)) != E_OK)
        return rc;
    log_warn("payments: checkout %lld: the paid amount does not match (%s); not taken as paid",
             (long long)c->id, what);
    if ((rc = audit_add_why(db, &provider_actor, "refused", "checkout", c->id, c->client_id,
                            arena_printf(a, "paid amount does not match: %s", what), now, e)) !=
        E_OK)
        return rc;
    if (strcmp(c->purpose, "deposit") == 0 && c->appointment_id && amount > 0 && currency &&
        strcasecmp(currency, c->currency) == 0)
        return deposit_payment(db, a, c, session, intent, amount,
                               "deposit paid online with another amount than asked: the "
                               "client's credit",
                               now, e);
    if (strcmp(c->purpose, "deposit") != 0)
        log_warn("payments: checkout %lld (%s): %s was taken by the provider and nothing was "
                 "sold; the desk should refund it at the provider",
                 (long long)c->id, c->purpose, sum_of(a, amount, currency));
    return E_OK;
}

/* A paid checkout, inside the webhook's transaction. */
static enum err_code paid(struct db *db, struct arena *a, const struct pay_provider *p,
                          const struct pay_handlers *h, const struct checkout *c,
                          const char *session, const char *intent, const char *customer,
                          int64_t amount, const char *currency, int64_t now, struct err *e)
{
    enum err_code rc;
    int64_t changed = 0;
    /* refused once for its amount: nothing said of it later is taken as paid
     * (the worker settles it failed at its next look) */
    if (*c->mismatch) {
        log_warn("payments: checkout %lld was refused for its paid amount (%s); a later event"
                 " changes nothing",
                 (long long)c->id, c->mismatch);
        return E_OK;
    }
    /* a card kept asks no amount; anything else must be paid as asked */
    if (strcmp(c->purpose, "card") != 0 &&
        (amount != c->amount || !currency || strcasecmp(currency, c->currency) != 0))
        return paid_otherwise(db, a, c, session, intent, amount, currency, now, e);
    if ((rc = db_checkout_settle(db, c->id, "paid", now, session, &changed, e)) != E_OK)
        return rc;
    if (!changed && strcmp(c->status, "expired") != 0)
        return E_OK; /* paid before, under another event id */
    if (strcmp(c->status, "expired") == 0)
        log_warn("payments: checkout %lld was paid after its hold ran out; the desk should"
                 " refund or rebook it",
                 (long long)c->id);
    if (customer && *customer && c->client_id &&
        (rc = db_client_customer_set(db, c->client_id, customer, e)) != E_OK)
        return rc;
    /* the booking held for it is booked now: its subscribers hear of it
     * (not at the hold: a hold that runs out was never booked) */
    if ((strcmp(c->purpose, "deposit") == 0 || strcmp(c->purpose, "card") == 0) &&
        c->appointment_id && changed && (rc = announce(db, a, p, c->appointment_id, now, e)) != E_OK)
        return rc;
    if (strcmp(c->purpose, "deposit") == 0 && c->appointment_id && amount > 0)
        return deposit_payment(db, a, c, session, intent, amount, "deposit paid online", now, e);
    if (strcmp(c->purpose, "package") == 0 && h && h->package)
        return h->package(h->ctx, db, c, intent && *intent ? intent : session, now, e);
    if (strcmp(c->purpose, "gift_card") == 0 && h && h->gift_card)
        return h->gift_card(h->ctx, db, c, intent && *intent ? intent : session, now, e);
    return E_OK;
}

/* ---- refunds of provider payments ---- */

/* The provider's answer to a refund. */
struct refund_answer {
    const char *status; /* "completed", "failed", "pending" (only ref recorded) */
    const char *ref, *failure, *last4;
};

/* s cut to at most max characters, on a character boundary (s is UTF-8:
 * jansson hands only valid UTF-8). */
static const char *cut(struct arena *a, const char *s, size_t max)
{
    size_t n = 0, i = 0;
    for (; s[i]; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80 && n++ == max)
            return arena_strndup(a, s, i);
    return s;
}

/* The last 4 of a card an answer names (a charge's
 * payment_method_details.card.last4), else "". */
static const char *last4_of(json_t *o)
{
    const char *l4 = NULL;
    if (json_is_object(o) &&
        json_unpack(o, "{s:{s:{s:s}}}", "payment_method_details", "card", "last4", &l4) == 0 &&
        strlen(l4) == 4 && strspn(l4, "0123456789") == 4)
        return l4;
    return "";
}

/* The client's e-mail that card refund f is done, in the transaction that
 * completes it (the dedupe key sends it once). */
static enum err_code refund_mail(struct db *db, struct arena *a, const struct pay_provider *p,
                                 const struct refund *f, const struct invoice *inv,
                                 const char *last4, int64_t now, struct err *e)
{
    struct client cl;
    char sum[48];
    int added = 0;
    enum err_code rc = db_client(db, a, inv->client_id, &cl, e);
    if (rc == E_NOTFOUND)
        return E_OK;
    if (rc != E_OK || !cl.email || !*cl.email)
        return rc;
    const char *clinic = p->clinic_name && *p->clinic_name ? p->clinic_name : "The clinic";
    money_format(f->amount, inv->currency, sum, sizeof sum);
    const char *body = arena_printf(
        a,
        "Hello %s,\n\n%s has refunded %s to your card%s%s, for invoice %lld.\n\n"
        "The payment provider has sent it back; it usually reaches your account within 5 to "
        "10 business days, depending on your bank.\n\nIf you have a question about it, reply "
        "to this e-mail or call us.\n",
        cl.name, clinic, sum, *last4 ? " ending in " : "", last4, (long long)inv->number);
    struct outbox_msg m = {
        .kind = "refund",
        .channel = "email",
        .dedupe_key = arena_printf(a, "refund:%lld", (long long)f->id),
        .recipient = cl.email,
        .recipient_name = cl.name,
        .subject = arena_printf(a, "Your refund of %s from %s", sum,
                                p->clinic_name && *p->clinic_name ? p->clinic_name : "the clinic"),
        .body_text = body,
        .body_html = "",
        .attach_name = "",
        .attach_type = "",
        .next_attempt_at = now,
        .created_at = now,
    };
    return db_outbox_add(db, &m, &added, e);
}

/* Inside a transaction: settles refund id by the provider's answer, once
 * (*changed = 1 the time it does); audits it and, for a refund done, tells
 * the webhooks and the client. */
static enum err_code refund_settle_in(struct db *db, struct arena *a, const struct pay_provider *p,
                                      int64_t id, const struct refund_answer *ans, int64_t now,
                                      int *changed, struct err *e)
{
    struct refund f;
    struct invoice inv = {0};
    int64_t n = 0;
    char sum[48];
    enum err_code rc;
    *changed = 0;
    if ((rc = db_refund(db, a, id, &f, e)) != E_OK)
        return rc;
    if (!money_refund_pending(&f))
        return E_OK; /* answered before */
    if ((rc = db_refund_settle(db, id, ans->status, ans->ref, ans->failure, ans->last4, now, &n,
                               e)) != E_OK ||
        !n || strcmp(ans->status, "pending") == 0)
        return rc;
    *changed = 1;
    if (f.invoice_id && (rc = db_invoice(db, a, f.invoice_id, &inv, e)) != E_OK)
        return rc;
    const char *currency = f.invoice_id ? inv.currency : p->currency;
    money_format(f.amount, currency, sum, sizeof sum);
    int done = strcmp(ans->status, "completed") == 0;
    const char *why = done ? arena_printf(a, "%s refunded to the card by the payment provider (%s)",
                                          sum, ans->ref)
                           : arena_printf(a, "%s not refunded: %s", sum, ans->failure);
    if ((rc = audit_add_why(db, &provider_actor, "refund", "refund", id, inv.client_id,
                            cut(a, why, 500), now, e)) != E_OK)
        return rc;
    if (!done) { /* the gift card or package credits its sale's refund took go back */
        struct payment pm;
        if ((rc = db_payment(db, a, f.payment_id, &pm, e)) != E_OK)
            return rc;
        return money_sale_refund_undo(db, a, &provider_actor, f.invoice_id, f.payment_id,
                                      pm.refunded, f.amount, now, e);
    }
    log_info("payments: refund id %lld done by the provider", (long long)id);
    if ((rc = wh_payment_refunded(p->webhooks, db, id, f.payment_id, f.amount, currency, now, e)) !=
        E_OK)
        return rc;
    return f.invoice_id ? refund_mail(db, a, p, &f, &inv, ans->last4, now, e) : E_OK;
}

struct settle_ctx {
    struct arena *a;
    const struct pay_provider *p;
    int64_t id, now;
    const struct refund_answer *ans;
    int changed;
};

static enum err_code settle_tx(struct db *db, void *vctx, struct err *e)
{
    struct settle_ctx *c = vctx;
    return refund_settle_in(db, c->a, c->p, c->id, c->ans, c->now, &c->changed, e);
}

static enum pay_refund_state state_of(const char *status)
{
    return strcmp(status, "pending") == 0  ? PAY_REFUND_PENDING
           : strcmp(status, "failed") == 0 ? PAY_REFUND_FAILED
                                           : PAY_REFUND_DONE;
}

enum err_code pay_refund_send(struct db *db, const struct pay_provider *p, int64_t refund_id,
                              int64_t now, enum pay_refund_state *state, struct err *e)
{
    enum err_code rc;
    struct arena *a = arena_new();
    struct refund f;
    struct sb form = SB_INIT, answer = SB_INIT;
    json_t *j = NULL;
    CURL *enc = NULL;
    long status = 0;
    char num[32], why[CURL_ERROR_SIZE + 64];
    *state = PAY_REFUND_PENDING;
    if ((rc = db_refund(db, a, refund_id, &f, e)) != E_OK)
        goto done;
    if (!money_refund_pending(&f)) {
        *state = state_of(f.status);
        goto done;
    }
    if (!pay_enabled(p)) {
        log_warn("payments: refund id %lld waits: [payments] is not configured",
                 (long long)refund_id);
        goto done;
    }
    sb_init(&form, 4096);
    sb_init(&answer, ANSWER_MAX + 1);
    snprintf(num, sizeof num, "%lld", (long long)f.amount);
    /* the provider named the refund already (it is pending there): asked
     * how it stands, never made again (an idempotency key is kept for a
     * day only) */
    int polled = *f.provider_ref != 0;
    if (polled) {
        char *ref = NULL;
        if (!(enc = curl_easy_init()) || !(ref = curl_easy_escape(enc, f.provider_ref, 0))) {
            rc = err_set(e, E_INTERNAL, "libcurl could not encode the refund's id");
            goto done;
        }
        const char *path = arena_printf(a, "/v1/refunds/%s", ref);
        curl_free(ref);
        if (post(p, path, NULL, NULL, &status, &answer, why, sizeof why) < 0 || status < 200 ||
            status >= 300) {
            log_warn("payments: refund id %lld: the provider did not say how it stands (%s); "
                     "asked again later",
                     (long long)refund_id, status ? "HTTP error" : why);
            goto done;
        }
    } else if (!(enc = curl_easy_init()) ||
               field(enc, &form, "payment_intent", f.payment_ref) < 0 ||
               field(enc, &form, "amount", num) < 0 ||
               field(enc, &form, "reason", "requested_by_customer") < 0 ||
               field(enc, &form, "metadata[knead_refund]", f.provider_key) < 0) {
        rc = err_set(e, E_INTERNAL, "libcurl could not encode the refund");
        goto done;
    }
    if (!polled &&
        (post(p, "/v1/refunds", f.provider_key, &form, &status, &answer, why, sizeof why) < 0 ||
         status >= 500 || status == 429 || status == 408 || status == 409 || status == 401 ||
         status == 403)) {
        /* 401/403: our key is wrong, not the refund: it waits for a fixed key */
        log_warn("payments: refund id %lld: no answer from the provider (%s); asked again later",
                 (long long)refund_id, status ? "HTTP error" : why);
        goto done;
    }
    json_error_t je;
    j = json_loadb(answer.buf ? answer.buf : "", answer.len, 0, &je);
    struct refund_answer ans = {"failed", "", "", ""};
    const char *rid = NULL, *st = NULL;
    if (status >= 200 && status < 300) {
        if (!j || json_unpack(j, "{s:s, s:s}", "id", &rid, "status", &st) != 0 || !*rid ||
            strlen(rid) > 200) {
            log_warn("payments: refund id %lld: the provider's answer is not a refund; asked "
                     "again later",
                     (long long)refund_id);
            goto done;
        }
        ans.ref = rid;
        ans.last4 = last4_of(j);
        if (strcmp(st, "succeeded") == 0) {
            ans.status = "completed";
        } else if (strcmp(st, "failed") == 0 || strcmp(st, "canceled") == 0) {
            const char *fr = NULL;
            json_unpack(j, "{s:s}", "failure_reason", &fr);
            ans.failure = arena_printf(a, "the payment provider could not refund it (%s)",
                                       fr && *fr ? cut(a, fr, 80) : st);
        } else {
            ans.status = "pending"; /* the provider finishes it; its webhook tells us */
        }
    } else {
        const char *msg = NULL;
        if (j)
            json_unpack(j, "{s:{s:s}}", "error", "message", &msg);
        ans.failure =
            msg && *msg
                ? arena_printf(a, "the payment provider declined: %s", cut(a, msg, FAILURE_MAX))
                : arena_printf(a, "the payment provider declined (HTTP %ld)", status);
        log_warn("payments: refund id %lld declined by the provider (HTTP %ld)",
                 (long long)refund_id, status);
    }
    struct settle_ctx c = {a, p, refund_id, now, &ans, 0};
    if ((rc = db_tx(db, settle_tx, &c, e)) != E_OK)
        goto done;
    if ((rc = db_refund(db, a, refund_id, &f, e)) == E_OK)
        *state = state_of(f.status);
done:
    json_decref(j);
    if (enc)
        curl_easy_cleanup(enc);
    sb_release(&form);
    sb_release(&answer);
    arena_free(a);
    return rc;
}

/* One refund object of a webhook, inside its transaction. */
static enum err_code refund_event(struct db *db, struct arena *a, const struct pay_provider *p,
                                  json_t *r, const char *last4, int64_t now, struct err *e)
{
    const char *rid = "", *st = "", *key = "", *fr = NULL;
    struct refund f;
    int found = 0, changed = 0;
    enum err_code rc;
    if (!json_is_object(r))
        return E_OK;
    json_unpack(r, "{s?s, s?s, s?{s?s}, s?s}", "id", &rid, "status", &st, "metadata",
                "knead_refund", &key, "failure_reason", &fr);
    if (strlen(rid) > 200 || strlen(key) > 100 || (!*rid && !*key))
        return E_OK;
    if ((rc = db_refund_of_provider(db, a, key, rid, &f, &found, e)) != E_OK)
        return rc;
    if (!found) {
        log_info("payments: a refund event names no refund of ours");
        return E_OK;
    }
    struct refund_answer ans = {NULL, rid, "", *last4_of(r) ? last4_of(r) : last4};
    if (strcmp(st, "succeeded") == 0)
        ans.status = "completed";
    else if (strcmp(st, "failed") == 0 || strcmp(st, "canceled") == 0) {
        ans.status = "failed";
        ans.failure = arena_printf(a, "the payment provider could not refund it (%s)",
                                   fr && *fr ? cut(a, fr, 80) : st);
    } else
        return E_OK; /* still pending there */
    return refund_settle_in(db, a, p, f.id, &ans, now, &changed, e);
}

/* A refund event's refunds: the object itself (refund.*) or a charge's
 * (charge.refunded), at most 100. */
static enum err_code refund_events(struct db *db, struct arena *a, const struct pay_provider *p,
                                   json_t *obj, int64_t now, struct err *e)
{
    json_t *kind = json_object_get(obj, "object"), *list = NULL, *v;
    size_t i;
    enum err_code rc;
    if (json_is_string(kind) && strcmp(json_string_value(kind), "refund") == 0)
        return refund_event(db, a, p, obj, "", now, e);
    json_unpack(obj, "{s:{s:o}}", "refunds", "data", &list);
    if (!json_is_array(list))
        return E_OK;
    json_array_foreach(list, i, v)
    {
        if (i >= 100)
            break;
        if ((rc = refund_event(db, a, p, v, last4_of(obj), now, e)) != E_OK)
            return rc;
    }
    return E_OK;
}

static int refund_type(const char *type)
{
    return strcmp(type, "charge.refunded") == 0 || strcmp(type, "charge.refund.updated") == 0 ||
           strncmp(type, "refund.", 7) == 0;
}

enum err_code pay_webhook(struct db *db, struct arena *a, const struct pay_provider *p,
                          const struct pay_handlers *h, const char *signature, const char *body,
                          size_t len, int64_t now, struct pay_event *out, struct err *e)
{
    enum err_code rc;
    json_t *j = NULL, *obj = NULL;
    json_error_t je;
    const char *why, *eid = NULL, *type = NULL, *ref = NULL, *session = "", *intent = "",
                     *customer = "";
    const char *currency = NULL;
    json_int_t amount = 0;
    int added = 0, found = 0, began = 0;
    struct checkout c;

    memset(out, 0, sizeof *out);
    if (!signed_ok(p->webhook_secret, signature, body, len, now, &why)) {
        log_warn("payments: webhook refused: %s", why);
        rc = err_set(e, E_INVALID, "Webhook refused: %s.", why);
        goto done;
    }
    if (!(j = json_loadb(body, len, 0, &je)) ||
        json_unpack(j, "{s:s, s:s, s:{s:o}}", "id", &eid, "type", &type, "data", "object", &obj) !=
            0 ||
        !json_is_object(obj) || !*eid || strlen(eid) > 200 || !*type || strlen(type) > 100) {
        log_warn("payments: webhook refused: the body is not an event");
        rc = err_set(e, E_INVALID,
                     "Webhook refused: the body is not an event (id, type, data.object).");
        goto done;
    }
    out->id = arena_strdup(a, eid);
    out->type = arena_strdup(a, type);
    json_t *v;
    if ((v = json_object_get(obj, "client_reference_id")) && json_is_string(v))
        ref = json_string_value(v);
    if ((v = json_object_get(obj, "id")) && json_is_string(v))
        session = json_string_value(v);
    if ((v = json_object_get(obj, "payment_intent")) && json_is_string(v))
        intent = json_string_value(v);
    if ((v = json_object_get(obj, "customer")) && json_is_string(v))
        customer = json_string_value(v);
    if ((v = json_object_get(obj, "amount_total")) && json_is_integer(v))
        amount = json_integer_value(v);
    if ((v = json_object_get(obj, "currency")) && json_is_string(v))
        currency = json_string_value(v);
    if (strlen(session) > 200 || strlen(intent) > 90 || strlen(customer) > 100 || amount < 0 ||
        amount > INT64_MAX / 4 || (currency && strlen(currency) != 3)) {
        rc = err_set(e, E_INVALID, "Webhook refused: a field of the session is out of range.");
        goto done;
    }
    if ((rc = db_begin(db, e)) != E_OK)
        goto done;
    began = 1;
    if ((rc = db_payment_event_add(db, eid, type, now, &added, e)) != E_OK)
        goto done;
    if (!added) {
        out->again = 1;
        goto done; /* rolled back: nothing to write */
    }
    if (refund_type(type)) {
        if ((rc = refund_events(db, a, p, obj, now, e)) != E_OK)
            goto done;
        found = 0;
    } else if (ref && (rc = db_checkout_by_key(db, a, ref, &c, &found, e)) != E_OK) {
        goto done;
    }
    if (found) {
        out->checkout_id = c.id;
        if (strcmp(type, "checkout.session.completed") == 0) {
            if ((rc = paid(db, a, p, h, &c, session, intent, customer, amount, currency, now,
                           e)) != E_OK)
                goto done;
        }
        /* checkout.session.expired: the provider's page closed at expires_at,
         * which is our own hold: the worker releases it then */
    } else if (!refund_type(type)) {
        log_info("payments: webhook %s (%s) names no checkout of ours", eid, type);
    }
    if ((rc = db_commit(db, e)) != E_OK)
        goto done;
    began = 0;
done:
    if (began)
        db_rollback(db);
    json_decref(j);
    return rc;
}

/* ---- holds that ran out ---- */

/* Cancels the appointment a deposit or card-on-file hold held, unless it moved on (a desk
 * check-in, a cancellation): E_OK then too. */
static enum err_code release_appt(struct db *db, struct arena *a, const struct sched_hooks *hooks,
                                  int64_t appt_id, const char *why, int64_t now, struct err *e)
{
    struct appointment ap;
    enum err_code rc = db_appointment(db, a, appt_id, &ap, e);
    if (rc == E_NOTFOUND)
        return E_OK;
    if (rc != E_OK || strcmp(ap.status, "booked") != 0)
        return rc;
    rc = sched_set_status(db, hooks, NULL, &provider_actor, &ap, "cancelled", why, now, e);
    return rc == E_CONFLICT ? E_OK : rc;
}

enum err_code pay_release(struct db *db, const struct sched_hooks *hooks, int64_t now,
                          int *released, struct err *e)
{
    enum err_code rc = E_OK;
    struct arena *a = arena_new();
    struct checkout *list = NULL;
    size_t n = 0;
    *released = 0;
    if ((rc = db_checkouts_expired(db, a, now, &list, &n, e)) != E_OK)
        goto done;
    for (size_t i = 0; i < n; i++) {
        int64_t changed = 0;
        /* paid otherwise than asked (pay_webhook): failed, not expired */
        int otherwise = list[i].mismatch && *list[i].mismatch;
        /* the appointment first: a crash after it leaves the checkout open,
         * and the next look finds the appointment cancelled already */
        /* a deposit's hold and a card-on-file hold alike (issue 11): the
         * booking waits for either */
        int card = strcmp(list[i].purpose, "card") == 0;
        if ((card || strcmp(list[i].purpose, "deposit") == 0) && list[i].appointment_id &&
            (rc = release_appt(db, a, hooks, list[i].appointment_id,
                               otherwise ? "The payment received did not match the deposit asked."
                               : card    ? "The card was not added in time."
                                         : "The deposit was not paid in time.",
                               now, e)) != E_OK)
            goto done;
        if ((rc = db_checkout_settle(db, list[i].id, otherwise ? "failed" : "expired", now, "",
                                     &changed, e)) != E_OK)
            goto done;
        if (!changed) {
            log_warn("payments: checkout %lld was paid as its hold ran out; its appointment "
                     "was released: the desk should rebook or refund it",
                     (long long)list[i].id);
            continue;
        }
        (*released)++;
        log_info("payments: checkout %lld: the hold ran out unpaid; released",
                 (long long)list[i].id);
    }
    /* the released bookings' changes were waiting for their checkouts: the
     * render worker offers the freed times to the waitlist now */
    if (*released && hooks && hooks->committed)
        hooks->committed(hooks->ctx);
done:
    arena_free(a);
    return rc;
}

/* ---- fees ---- */

int64_t pay_fee_cents(const char *kind, int64_t value, int64_t price)
{
    if (!kind || strcmp(kind, "amount") == 0)
        return kind ? value : 0;
    if (strcmp(kind, "percent") == 0)
        return (price * value + 5000) / 10000;
    return 0;
}

enum err_code pay_fee(struct db *db, const struct pay_provider *p, int64_t appt_id,
                      const char *currency, int64_t now, int64_t *invoice_id, struct err *e)
{
    enum err_code rc;
    struct arena *a = arena_new();
    struct appointment ap;
    struct fee_agreement f;
    int found = 0, again = 0, charged = 0;
    struct money_by fee_by = {&provider_actor, "Clinic policy", p->webhooks};
    *invoice_id = 0;
    if ((rc = db_appointment(db, a, appt_id, &ap, e)) != E_OK ||
        (rc = db_fee_agreement(db, a, appt_id, &f, &found, e)) != E_OK || !found)
        goto done;
    int noshow = strcmp(ap.status, "no_show") == 0;
    int64_t cents = noshow ? f.noshow : f.late;
    if (cents <= 0 || (!noshow && !(strcmp(ap.status, "cancelled") == 0 && ap.cancel_late)))
        goto done;
    struct money_issue_in in = {
        .appointment_id = appt_id, .currency = currency, .fee = 1, .bill_to = "", .nlines = 1};
    in.lines[0] = (struct money_line_in){
        .kind = "fee",
        .service_id = ap.service_id,
        .description = arena_printf(a, "%s fee: %s", noshow ? "No-show" : "Late cancellation",
                                    ap.service_name),
        .procedure_code = "",
        .qty = 1,
        .unit = cents};
    if (strlen(in.lines[0].description) > 200)
        in.lines[0].description = noshow ? "No-show fee" : "Late cancellation fee";
    /* one live fee per visit: the newest fee invoice stands unless it was
     * voided (an undone no-show); a visit missed again after that is billed
     * again, under a key of the appointment and how many fees came before,
     * so two callers at once (the desk, the worker) issue one */
    int64_t last = 0, count = 0;
    struct invoice prev;
    if ((rc = db_fee_invoice_of_appt(db, appt_id, &last, &count, e)) != E_OK ||
        (count && (rc = db_invoice(db, a, last, &prev, e)) != E_OK))
        goto done;
    if (count && prev.total > prev.credited) {
        *invoice_id = last;
        rc = pay_charge(db, p, last, now, &charged, e);
        goto done;
    }
    char seed[80];
    if (count)
        snprintf(seed, sizeof seed, "knead fee of appointment %lld after %lld voided",
                 (long long)appt_id, (long long)count);
    else
        snprintf(seed, sizeof seed, "knead fee of appointment %lld", (long long)appt_id);
    crypto_generichash(in.key, sizeof in.key, (const unsigned char *)seed, strlen(seed), NULL, 0);
    if ((rc = money_issue(db, &fee_by, &in, now, invoice_id, &again, e)) != E_OK)
        goto done;
    if (!again)
        log_info("payments: %s fee of appointment %lld billed (invoice id %lld)",
                 noshow ? "no-show" : "late-cancel", (long long)appt_id, (long long)*invoice_id);
    rc = pay_charge(db, p, *invoice_id, now, &charged, e);
done:
    arena_free(a);
    return rc;
}

struct free_ctx {
    const struct invoice *inv;
    struct arena *a;
    int64_t now;
};

/* free_payments' transaction: each completed payment still on the voided
 * invoice leaves it, audited with who and why. */
static enum err_code free_tx(struct db *db, void *vctx, struct err *e)
{
    struct free_ctx *c = vctx;
    struct payment *ps = NULL;
    size_t n = 0;
    enum err_code rc = db_payments_of_invoice(db, c->a, c->inv->id, &ps, &n, e);
    for (size_t i = 0; rc == E_OK && i < n; i++) {
        int64_t changed = 0;
        if (strcmp(ps[i].status, "completed") != 0 || ps[i].amount <= ps[i].refunded)
            continue;
        if ((rc = db_payment_detach(db, ps[i].id, c->inv->id, &changed, e)) != E_OK || !changed)
            break;
        char sum[48];
        const char *why = arena_printf(
            c->a,
            "%s paid towards fee invoice %lld, which was voided: the client's credit, applied "
            "to the visit's own invoice or the next one issued",
            money_format(ps[i].amount - ps[i].refunded, c->inv->currency, sum, sizeof sum),
            (long long)c->inv->number);
        rc = audit_add_why(db, &provider_actor, "update", "payment", ps[i].id, c->inv->client_id,
                           why, c->now, e);
    }
    return rc;
}

/* What was paid towards fee invoice inv, voided in full, leaves it: the
 * client's credit (their balance shows it; the visit's own invoice, or the
 * next one issued, takes it: svc/money). */
static enum err_code free_payments(struct db *db, struct arena *a, const struct invoice *inv,
                                   int64_t now, struct err *e)
{
    struct free_ctx c = {inv, a, now};
    struct invoice now_inv;
    enum err_code rc = db_invoice(db, a, inv->id, &now_inv, e);
    if (rc != E_OK || now_inv.total > now_inv.credited || now_inv.paid <= 0)
        return rc;
    return db_tx(db, free_tx, &c, e);
}

enum err_code pay_fee_void(struct db *db, const struct pay_provider *p, int64_t appt_id,
                           const char *why, int64_t now, struct err *e)
{
    enum err_code rc;
    struct arena *a = arena_new();
    struct appointment ap;
    struct invoice inv;
    int64_t inv_id = 0, id = 0, count = 0;
    int again = 0, charged = 0;
    if ((rc = db_fee_invoice_of_appt(db, appt_id, &inv_id, &count, e)) != E_OK || !count ||
        (rc = db_appointment(db, a, appt_id, &ap, e)) != E_OK)
        goto done;
    if (strcmp(ap.status, "no_show") == 0 || (strcmp(ap.status, "cancelled") == 0 && ap.cancel_late))
        goto done; /* missed again: the fee stands */
    if ((rc = db_invoice(db, a, inv_id, &inv, e)) != E_OK)
        goto done;
    if (inv.total > inv.credited) {
        struct money_by by = {&provider_actor, "Clinic policy", p->webhooks};
        struct money_fix_in in = {MONEY_CREDIT,
                                  inv_id,
                                  inv.total - inv.credited,
                                  why && *why && strlen(why) <= 500 ? why
                                                                    : "The no-show was undone.",
                                  arena_printf(a, "fee_void_%lld", (long long)inv_id),
                                  p->currency,
                                  NULL,
                                  0};
        if ((rc = money_fix(db, &by, &in, now, &id, &again, e)) != E_OK)
            goto done;
        if (!again)
            log_info("payments: the fee of appointment %lld voided by a credit note (invoice id"
                     " %lld)",
                     (long long)appt_id, (long long)inv_id);
    }
    if ((rc = pay_charge(db, p, inv_id, now, &charged, e)) != E_OK) /* pending: not owed now */
        goto done;
    rc = free_payments(db, a, &inv, now, e);
done:
    arena_free(a);
    return rc;
}

enum err_code pay_charge(struct db *db, const struct pay_provider *p, int64_t invoice_id,
                         int64_t now, int *charged, struct err *e)
{
    enum err_code rc = E_OK;
    struct arena *a = arena_new();
    struct invoice inv;
    struct payment pm;
    struct sb form = SB_INIT, answer = SB_INIT;
    json_t *j = NULL;
    CURL *enc = NULL;
    const char *customer = "";
    char key[48], num[32], why[CURL_ERROR_SIZE + 64];
    int found = 0;
    int64_t pid = 0, changed = 0;
    long status = 0;
    *charged = 0;
    if (!pay_enabled(p))
        goto done;
    snprintf(key, sizeof key, "fee_%lld", (long long)invoice_id);
    if ((rc = db_payment_by_key(db, a, key, &pm, &found, e)) != E_OK)
        goto done;
    if (found && strcmp(pm.status, "pending") != 0) {
        *charged = strcmp(pm.status, "completed") == 0;
        goto done; /* answered before */
    }
    if ((rc = db_invoice(db, a, invoice_id, &inv, e)) != E_OK ||
        (rc = db_client_customer(db, a, inv.client_id, &customer, e)) != E_OK)
        goto done;
    int64_t due = money_balance(inv.total, inv.credited, inv.paid, inv.refunded);
    if (found && due <= 0) {
        /* asked before, unanswered, and owed no more (the fee was voided):
         * not asked again, so not charged */
        log_info("payments: charge %s is owed no more; not made", key);
        rc = db_payment_settle(db, pm.id, "failed", "not owed", &changed, e);
        goto done;
    }
    if (!*customer)
        goto done; /* no card on file: the fee stays on the balance */
    if (found) {
        pid = pm.id;
    } else {
        if (due <= 0)
            goto done;
        pm = (struct payment){.invoice_id = inv.id,
                              .appointment_id = inv.appointment_id,
                              .method = "provider",
                              .amount = due,
                              .reference = "",
                              .status = "pending",
                              .idem_key = key,
                              .created_at = now,
                              .created_by_name = "Card on file"};
        if ((rc = db_payment_add(db, &pm, &pid, e)) != E_OK)
            goto done;
    }
    sb_init(&form, 4096);
    sb_init(&answer, ANSWER_MAX + 1);
    snprintf(num, sizeof num, "%lld", (long long)pm.amount);
    if (!(enc = curl_easy_init()) || field(enc, &form, "amount", num) < 0 ||
        field(enc, &form, "currency", inv.currency) < 0 ||
        field(enc, &form, "customer", customer) < 0 ||
        field(enc, &form, "off_session", "true") < 0 || field(enc, &form, "confirm", "true") < 0 ||
        field(enc, &form, "metadata[invoice]", key) < 0) {
        rc = err_set(e, E_INTERNAL, "libcurl could not encode the charge");
        goto done;
    }
    if (post(p, "/v1/payment_intents", key, &form, &status, &answer, why, sizeof why) < 0 ||
        status >= 500 || status == 429 || status == 408 || status == 409) {
        log_warn("payments: charge %s: no answer from the provider (%s); asked again later", key,
                 status ? "HTTP error" : why);
        goto done; /* pending: the worker asks again with the same key */
    }
    json_error_t je;
    const char *pi = NULL, *st = NULL;
    if (status >= 200 && status < 300 &&
        (j = json_loadb(answer.buf ? answer.buf : "", answer.len, 0, &je)) &&
        json_unpack(j, "{s:s, s:s}", "id", &pi, "status", &st) == 0 &&
        strcmp(st, "succeeded") == 0 && strlen(pi) <= 100) {
        if ((rc = db_payment_settle(db, pid, "completed", pi, &changed, e)) != E_OK)
            goto done;
        *charged = 1;
        rc = audit_add_why(db, &provider_actor, "pay", "payment", pid, inv.client_id,
                           "fee charged to the card on file", now, e);
        goto done;
    }
    log_warn("payments: charge %s declined by the provider (HTTP %ld): the fee stays on the"
             " client's balance",
             key, status);
    rc = db_payment_settle(db, pid, "failed", "declined", &changed, e);
done:
    json_decref(j);
    if (enc)
        curl_easy_cleanup(enc);
    sb_release(&form);
    sb_release(&answer);
    arena_free(a);
    return rc;
}

/* Bills fees a crash left unbilled, voids those of no-shows undone, and asks
 * again about charges pending. */
static void catch_up(struct db *db, const struct pay_provider *p, int64_t now)
{
    struct arena *a = arena_new();
    struct err e = {0};
    int64_t *ids = NULL, inv = 0;
    struct payment *pend = NULL;
    size_t n = 0, np = 0;
    int charged;
    if (db_fees_due(db, a, &ids, &n, &e) != E_OK) {
        log_warn("payments: listing fees due: %s", e.msg);
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        if (pay_fee(db, p, ids[i], p->currency, now, &inv, &e) != E_OK)
            log_warn("payments: fee of appointment %lld: %s", (long long)ids[i], e.msg);
    if (db_fees_to_void(db, a, &ids, &n, &e) != E_OK) {
        log_warn("payments: listing fees to void: %s", e.msg);
        goto done;
    }
    for (size_t i = 0; i < n; i++) /* an undo of a no-show committed, then a crash */
        if (pay_fee_void(db, p, ids[i], "The no-show was undone.", now, &e) != E_OK)
            log_warn("payments: voiding the fee of appointment %lld: %s", (long long)ids[i],
                     e.msg);
    if (db_payments_pending(db, a, &pend, &np, &e) != E_OK) {
        log_warn("payments: listing pending charges: %s", e.msg);
        goto done;
    }
    for (size_t i = 0; i < np; i++)
        if (pay_charge(db, p, pend[i].invoice_id, now, &charged, &e) != E_OK)
            log_warn("payments: charge towards invoice id %lld: %s", (long long)pend[i].invoice_id,
                     e.msg);
    struct refund *rf = NULL;
    size_t nr = 0;
    enum pay_refund_state st;
    if (db_refunds_pending(db, a, &rf, &nr, &e) != E_OK) {
        log_warn("payments: listing pending refunds: %s", e.msg);
        goto done;
    }
    for (size_t i = 0; i < nr; i++) /* the same key: the provider answers the same refund */
        if (pay_refund_send(db, p, rf[i].id, now, &st, &e) != E_OK)
            log_warn("payments: refund id %lld: %s", (long long)rf[i].id, e.msg);
done:
    arena_free(a);
}

struct pay_worker {
    struct pay_provider p;
    struct store *st;
    const struct sched_hooks *hooks;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* on CLOCK_MONOTONIC */
    int stopping;
};

static void *worker(void *p)
{
    struct pay_worker *w = p;
    for (;;) {
        struct err e = {0};
        int n = 0;
        struct db *db = db_acquire(w->st);
        if (pay_release(db, w->hooks, clock_now(), &n, &e) != E_OK)
            log_warn("payments: releasing holds: %s", e.msg);
        catch_up(db, &w->p, clock_now());
        db_release(db);
        struct timespec until = clock_deadline_ms((int64_t)RELEASE_EVERY_S * 1000);
        pthread_mutex_lock(&w->mu);
        while (!w->stopping)
            if (pthread_cond_timedwait(&w->cv, &w->mu, &until) != 0)
                break;
        int stop = w->stopping;
        pthread_mutex_unlock(&w->mu);
        if (stop)
            break;
    }
    return NULL;
}

int pay_worker_start(struct store *st, const struct pay_provider *p,
                     const struct sched_hooks *hooks, struct pay_worker **out, char *err,
                     size_t errlen)
{
    struct pay_worker *w = xcalloc(1, sizeof *w);
    w->p = *p;
    w->st = st;
    w->hooks = hooks;
    pthread_mutex_init(&w->mu, NULL);
    int prc = clock_cond_init(&w->cv);
    if (prc == 0)
        prc = pthread_create(&w->thread, NULL, worker, w);
    if (prc != 0) {
        snprintf(err, errlen, "cannot start the payments thread: %s", strerror(prc));
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        free(w);
        *out = NULL;
        return -1;
    }
    *out = w;
    return 0;
}

void pay_worker_stop(struct pay_worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stopping = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
}
