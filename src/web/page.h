/* page — what every handler shares: the request's database connection,
 * the common page context, rendering a page into the response, JSON and
 * problem+json responses, and the error pages.  Holds no clinic rule. */
#ifndef KNEAD_WEB_PAGE_H
#define KNEAD_WEB_PAGE_H

#include <jansson.h>

#include "core/err.h"
#include "http/request.h"
#include "util/sb.h"

struct location;
struct tz;

/* The request's connection, taken on first use and given back when the
 * request ends.  Can't fail (waits for a free connection). */
struct db *web_db(struct req *r);

/* A new template context with the keys every page uses (clinic, title,
 * description, nav_<nav>, book_url, ...).  Owned by the request arena. */
json_t *page_context(struct req *r, const char *title, const char *description,
                     const char *nav);
/* Renders templates/<tpl>.html inside the layout into the response. */
void page_render(struct req *r, int status, const char *tpl, json_t *ctx);

struct gz;

/* Writes the part of a page that is kept whole elsewhere (a cached grid):
 * at the end of body, leaving room for `after` more bytes, or, when gz is
 * not NULL (the response is gzip), through gz (page_kept_fragment does
 * both).  Returns 0; or -1 with an error response already written. */
typedef int (*page_fill_fn)(struct req *r, struct sb *body, size_t after, struct gz *gz,
                            void *arg);

/* Renders like page_render, with what fill writes where the template says
 * {{raw <slot>}}: the page around it is rendered with a marker there and
 * fill writes straight into the response, so a large kept fragment is
 * copied once, never through the template context.  The slot must be
 * used once in the page.  On fill's -1 its error response stands.
 *
 * For a client that accepts gzip (req_accepts_gzip) the answer is gzip:
 * the page around the slot (CSRF token, navigation, the user's name) in
 * stored blocks, never compressed (BREACH: util/gz.h), and the fragment
 * as fill gives it, compressed once per version; always with
 * `Vary: Accept-Encoding`. */
void page_render_slot(struct req *r, int status, const char *tpl, json_t *ctx, const char *slot,
                      page_fill_fn fill, void *arg);

struct blobcache;

/* A fragment kept in cache c (app->fragments) under key (its plain text),
 * into a page_fill_fn's output: plain into body (room left for `after`), or
 * with gz its compressed form, kept in the same entry as the plain text
 * (blobcache_put_alt: one slot for both, evicted together) and made once
 * from it by the first gzip request that misses it.  plain
 * is the text when the caller holds it (just rendered), else NULL (read
 * from the cache).  key NULL: plain is sent as it is (stored, with gz).
 * Returns 1 when written; 0 when nothing is kept under key and plain is
 * NULL (render it, keep it, call again with it).  Can't fail otherwise
 * (body's sticky error). */
int page_kept_fragment(struct req *r, struct blobcache *c, const char *key, const void *plain,
                       size_t plen, struct sb *body, size_t after, struct gz *gz);

/* Answers 200 with a whole answer that is kept (the same for everyone who
 * may ask: a public page, an availability answer) of type, under key in
 * cache c (app->fragments; the availability answers' own cache).  For a
 * client that accepts gzip, when gz_worth, its gzip form: kept in key's
 * entry beside the plain answer (blobcache_put_alt), made once from plain
 * by the first such request that misses it.  plain NULL: answers only from that gzip form (so a hit does
 * not copy the plain one first) and returns 0 when the client does not
 * accept gzip or none is kept; else returns 1 (plain must then outlive the
 * response: on the arena or static).  Sets Vary: Accept-Encoding on what
 * could be compressed (also call page_vary_kept when answering a miss). */
int page_send_kept(struct req *r, struct blobcache *c, const char *type, const char *key,
                   const void *plain, size_t len);
/* Vary: Accept-Encoding on a kept answer of type and length rendered now,
 * which the next request may get compressed.  Can't fail. */
void page_vary_kept(struct req *r, const char *type, size_t len);
/* The answer just rendered into r's body (its content type set) and kept
 * plain under key in c: sent compressed to a client that accepts gzip when
 * gz_worth, its gzip form kept beside it as page_send_kept would (so the
 * first visitor of a page or question gets the bytes every later one does),
 * else left plain with Vary (page_vary_kept).  key NULL: the answer was not
 * kept (a cache refuses what is too large), and is never compressed for one
 * request.  Can't fail: a zlib failure
 * sends it stored. */
void page_send_fresh(struct req *r, struct blobcache *c, const char *key);

/* The CSRF token for this visitor, for a hidden form field named "csrf":
 * the cookie's value, or a new random token set as an HttpOnly, SameSite=Lax
 * cookie.  Routes flagged ROUTE_CSRF are checked by the dispatcher. */
const char *web_csrf(struct req *r);

/* The headers of a page reached by a private link (manage, sign-in, waitlist
 * links): not stored by caches, no Referer carrying the token away, not
 * indexed. */
void web_private(struct req *r);

/* Sends v as JSON (steals the reference). */
void web_json(struct req *r, int status, json_t *v);
/* An error page, or problem+json for API routes.  Matches srv_error_fn. */
void web_error(struct req *r, int status, const char *problem, const char *msg);
/* Refuses query parameters other than those allowed lists (NULL-terminated)
 * and repeated ones, with a 400 naming the parameter.  Returns 0, or -1
 * with the response written. */
int web_only_params(struct req *r, const char *const *allowed);
/* The body of a ROUTE_JSON request as an object holding only the members
 * allowed lists (see req_json_unknown): the one place the API refuses unknown
 * members, as it refuses unknown query parameters.  NULL with a 400 written
 * ("Unknown member 'x'.") when the body is not an object or holds others. */
json_t *web_json_body(struct req *r, const struct json_member *allowed);
/* web_error for a store/core error code. */
void web_fail(struct req *r, const struct err *e);

/* Formats cents as "$125" or "$125.50" onto the arena. */
const char *web_price(struct req *r, int cents);
/* An instant as RFC 3339 in the clinic's offset, on the arena. */
const char *web_time(struct req *r, int64_t t);
/* The same in a given zone (a location's, from web_zone). */
const char *web_time_in(struct req *r, const struct tz *tz, int64_t t);

/* ---- locations (migration 0036) ---- */
/* The zone of location location_id (0 = the first): its own, or the config
 * file's (app->tz) when it has none or cannot be read (logged); valid for
 * the request.  Can't fail. */
const struct tz *web_zone(struct req *r, int64_t location_id);
/* A location's address and timezone name as a person reads them: its own,
 * or the config file's [clinic] ones when it has none. */
const char *web_location_address(struct req *r, const struct location *l);
const char *web_location_timezone(struct req *r, const struct location *l);
/* Weekly hours as [{days, hours, closed}], days of the same hours grouped,
 * Monday first ("Monday – Friday", "8 AM – 8 PM"); NULL when no day has
 * any.  On the arena's JSON (the caller owns the reference). */
struct week_span;
json_t *web_hours_json(struct req *r, const struct week_span *hours, size_t n);
/* The location as JSON: {"id", "name", "address", "timezone"}. */
json_t *web_location_json(struct req *r, const struct location *l);

/* The problem+json error for an err whose problem code is set by the caller. */
void web_problem(struct req *r, const struct err *e);

/* "http://host:port" of this request (the configured public_url when set,
 * else from a plain Host header and X-Forwarded-Proto), on the arena; ""
 * when the Host header is missing or odd (then links stay relative). */
const char *web_origin(struct req *r);

/* Adds an arena-owned json_t to be freed with the request. */
json_t *web_keep(struct req *r, json_t *v);

#endif
