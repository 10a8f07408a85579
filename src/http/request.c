/* request — pure parsers for request targets, forms and cookies, and the
 * small accessors handlers use.  Everything here allocates on the request
 * arena and never writes outside it. */
#include "http/request.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/num.h"
#include "util/utf8.h"
#include "util/log.h"
#include "view/esc.h"

const char *kv_get(const struct kvlist *l, const char *key)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].key, key) == 0)
            return l->items[i].val;
    return NULL;
}

size_t kv_count(const struct kvlist *l, const char *key)
{
    size_t c = 0;
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].key, key) == 0)
            c++;
    return c;
}

/* Whether s[0..len) is well-formed UTF-8 (util/utf8). */
static int utf8_ok(const unsigned char *s, size_t len)
{
    return utf8_check(s, len) == len;
}

/* Decodes s[0..len) into a new arena string.  plus_space: '+' means ' '.
 * Returns NULL on a malformed escape, a NUL byte or invalid UTF-8. */
static char *pct_decode(struct arena *a, const char *s, size_t len, int plus_space,
                        const char **why)
{
    char *out = arena_alloc(a, len + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '%') {
            int hi, lo;
            if (len - i < 3) {
                *why = "a '%' must be followed by two hexadecimal digits";
                return NULL;
            }
            hi = num_hexdigit(s[i + 1]);
            lo = num_hexdigit(s[i + 2]);
            if (hi < 0 || lo < 0) {
                *why = "a '%' must be followed by two hexadecimal digits";
                return NULL;
            }
            c = (char)(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_space) {
            c = ' ';
        }
        if (c == '\0') {
            *why = "NUL bytes are not allowed";
            return NULL;
        }
        out[o++] = c;
    }
    out[o] = '\0';
    if (!utf8_ok((const unsigned char *)out, o)) {
        *why = "text must be UTF-8";
        return NULL;
    }
    return out;
}

enum err_code req_parse_urlencoded(struct arena *a, const char *s, size_t len,
                                   struct kvlist *out, struct err *e)
{
    size_t npairs = 1;
    for (size_t i = 0; i < len; i++)
        if (s[i] == '&')
            npairs++;
    if (npairs > REQ_MAX_PAIRS)
        return err_set(e, E_INVALID, "too many parameters (at most %d)", REQ_MAX_PAIRS);

    struct kv *items = arena_array(a, npairs, sizeof *items);
    size_t n = 0, i = 0;
    while (i < len) {
        size_t start = i, eq = (size_t)-1;
        while (i < len && s[i] != '&') {
            if (s[i] == '=' && eq == (size_t)-1)
                eq = i;
            i++;
        }
        size_t end = i;
        i++; /* skip '&' */
        if (end == start)
            continue;
        size_t klen = eq == (size_t)-1 ? end - start : eq - start;
        const char *why = NULL;
        char *key = pct_decode(a, s + start, klen, 1, &why);
        if (!key)
            return err_set(e, E_INVALID, "malformed parameter name: %s", why);
        if (!*key)
            return err_set(e, E_INVALID, "a parameter has an empty name");
        char *val = eq == (size_t)-1 ? arena_strdup(a, "")
                                     : pct_decode(a, s + eq + 1, end - eq - 1, 1, &why);
        if (!val) {
            char shown[64];
            size_t sl = strlen(key) < sizeof shown - 1 ? strlen(key) : sizeof shown - 1;
            memcpy(shown, key, sl);
            shown[sl] = '\0';
            return err_set(e, E_INVALID, "parameter '%s' is malformed: %s", shown, why);
        }
        items[n].key = key;
        items[n].val = val;
        items[n].vlen = strlen(val);
        n++;
    }
    out->items = items;
    out->n = n;
    return E_OK;
}

enum err_code req_decode_path(struct arena *a, const char *s, size_t len, char **out,
                              struct err *e)
{
    const char *why = NULL;
    char *p;

    if (len == 0 || s[0] != '/')
        return err_set(e, E_INVALID, "the request path must start with '/'");
    p = pct_decode(a, s, len, 0, &why);
    if (!p)
        return err_set(e, E_INVALID, "malformed request path: %s", why);
    for (const char *seg = p; seg; seg = strchr(seg + 1, '/')) {
        const char *next = strchr(seg + 1, '/');
        size_t sl = next ? (size_t)(next - seg - 1) : strlen(seg + 1);
        if ((sl == 1 && seg[1] == '.') || (sl == 2 && seg[1] == '.' && seg[2] == '.'))
            return err_set(e, E_INVALID, "the request path may not contain '.' or '..' segments");
    }
    *out = p;
    return E_OK;
}

void req_parse_cookies(struct arena *a, const char *h, struct kvlist *out)
{
    size_t cap = 1, n = 0;
    out->items = NULL;
    out->n = 0;
    if (!h)
        return;
    for (const char *c = h; *c; c++)
        if (*c == ';')
            cap++;
    if (cap > REQ_MAX_PAIRS)
        cap = REQ_MAX_PAIRS;
    struct kv *items = arena_array(a, cap, sizeof *items);
    const char *p = h;
    while (*p && n < cap) {
        while (*p == ' ' || *p == '\t')
            p++;
        const char *end = strchr(p, ';');
        size_t plen = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', plen);
        if (eq && eq > p) {
            size_t klen = (size_t)(eq - p);
            const char *v = eq + 1;
            size_t vlen = plen - klen - 1;
            while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
                vlen--;
            if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
                v++;
                vlen -= 2;
            }
            items[n].key = arena_strndup(a, p, klen);
            items[n].val = arena_strndup(a, v, vlen);
            items[n].vlen = strlen(items[n].val);
            n++;
        }
        if (!end)
            break;
        p = end + 1;
    }
    out->items = items;
    out->n = n;
}

/* Whether the q of an Accept-Encoding member, p[0..n) after its name, is
 * above zero: no q is 1; "q=0", "q=0.", "q=0.000" are zero; a malformed q
 * counts as zero (we then send what every client reads). */
static int q_positive(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != ';')
            continue;
        size_t j = i + 1;
        while (j < n && (p[j] == ' ' || p[j] == '\t'))
            j++;
        if (j + 1 < n && (p[j] == 'q' || p[j] == 'Q') && p[j + 1] == '=') {
            j += 2;
            if (j >= n || (p[j] != '0' && p[j] != '1'))
                return 0;
            int any = p[j] == '1';
            for (j++; j < n && p[j] != ';' && p[j] != ' ' && p[j] != '\t'; j++) {
                if (p[j] == '.')
                    continue;
                if (p[j] < '0' || p[j] > '9')
                    return 0;
                any |= p[j] != '0';
            }
            return any;
        }
    }
    return 1;
}

int req_accepts_gzip_header(const char *h)
{
    int gzip = -1, star = -1;
    for (const char *p = h; p && *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p), name = 0;
        while (name < n && p[name] != ';' && p[name] != ' ' && p[name] != '\t')
            name++;
        int q = q_positive(p + name, n - name);
        if ((name == 4 && strncasecmp(p, "gzip", 4) == 0) ||
            (name == 6 && strncasecmp(p, "x-gzip", 6) == 0))
            gzip = gzip > 0 ? 1 : q;
        else if (name == 1 && *p == '*')
            star = q;
        p += n;
    }
    return gzip >= 0 ? gzip : star > 0;
}

int req_accepts_gzip(struct req *r)
{
    return req_accepts_gzip_header(req_header(r, "Accept-Encoding"));
}

const char *req_header(struct req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

/* The canonical text of the IP address s[0..len) into out, or 0. */
static int canonical_ip(const char *s, size_t len, char out[REQ_ADDR_MAX])
{
    char one[REQ_ADDR_MAX];
    unsigned char bin[16];
    while (len && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len == 0 || len >= sizeof one)
        return 0;
    memcpy(one, s, len);
    one[len] = '\0';
    if (inet_pton(AF_INET, one, bin) == 1)
        return inet_ntop(AF_INET, bin, out, REQ_ADDR_MAX) != NULL;
    if (inet_pton(AF_INET6, one, bin) == 1)
        return inet_ntop(AF_INET6, bin, out, REQ_ADDR_MAX) != NULL;
    return 0;
}

static int is_trusted(const char *addr, const char (*trusted)[REQ_ADDR_MAX], size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(addr, trusted[i]) == 0)
            return 1;
    return 0;
}

const char *req_client_address(struct arena *a, const char *peer, const char *xff,
                               const char (*trusted)[REQ_ADDR_MAX], size_t n)
{
    char hop[REQ_ADDR_MAX], client[REQ_ADDR_MAX];
    if (!peer || !*peer)
        return "";
    if (!canonical_ip(peer, strlen(peer), client))
        return arena_strdup(a, peer);
    if (!xff || !is_trusted(client, trusted, n))
        return arena_strdup(a, client);
    /* Walk right to left: each hop appended the address it got the request
     * from; the first one that is not our own proxy is the client. */
    size_t end = strlen(xff);
    while (is_trusted(client, trusted, n)) {
        if (end == 0)
            break;
        size_t start = end;
        while (start > 0 && xff[start - 1] != ',')
            start--;
        if (!canonical_ip(xff + start, end - start, hop))
            break;
        memcpy(client, hop, sizeof hop);
        end = start ? start - 1 : 0;
    }
    return arena_strdup(a, client);
}

void req_log_path(struct sb *out, const char *path)
{
    static const char *const secret[] = {"/a/", "/feeds/", "/waitlist/offers/",
                                         "/account/link/", "/waitlist/"};
    static const char hex[] = "0123456789abcdef";
    const char *p = path, *end = path + strlen(path);
    size_t budget = 200;
    for (size_t i = 0; i < sizeof secret / sizeof secret[0]; i++) {
        size_t n = strlen(secret[i]);
        if (strncmp(path, secret[i], n) != 0 || !path[n] || path[n] == '/')
            continue;
        if (i == 4 && strcmp(path + n, "offers") == 0) /* the list page, no token */
            break;
        sb_add(out, secret[i], n);
        sb_adds(out, "[token]");
        p = strchr(path + n, '/');
        if (!p)
            p = end;
        break;
    }
    for (; p < end && budget; p++, budget--) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c >= 0x7f || c == '\\') {
            char esc[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
            sb_add(out, esc, 4);
        } else {
            sb_add(out, (const char *)p, 1);
        }
    }
    if (p < end)
        sb_adds(out, "...");
}

const char *req_address(struct req *r)
{
    if (r->client)
        return r->client;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char buf[INET6_ADDRSTRLEN] = "";
    if (!ci || !ci->client_addr)
        return "";
    if (ci->client_addr->sa_family == AF_INET) {
        /* dotted decimal by hand: glibc's inet_ntop goes through sprintf,
         * and every request asks (bench/README.md) */
        const unsigned char *b = (const unsigned char *)&(
            (const struct sockaddr_in *)(const void *)ci->client_addr)->sin_addr;
        size_t n = 0;
        for (int i = 0; i < 4; i++) {
            if (i)
                buf[n++] = '.';
            if (b[i] >= 100)
                buf[n++] = (char)('0' + b[i] / 100);
            if (b[i] >= 10)
                buf[n++] = (char)('0' + b[i] / 10 % 10);
            buf[n++] = (char)('0' + b[i] % 10);
        }
        buf[n] = '\0';
    } else if (ci->client_addr->sa_family == AF_INET6)
        inet_ntop(AF_INET6,
                  &((const struct sockaddr_in6 *)(const void *)ci->client_addr)->sin6_addr, buf,
                  sizeof buf);
    return arena_strdup(r->arena, buf);
}

const char *req_cookie_name(struct req *r, const char *base)
{
    return r->secure_cookies ? arena_printf(r->arena, "__Host-%s", base) : base;
}

const char *req_cookie_attrs(const struct req *r)
{
    return r->secure_cookies ? "; Path=/; HttpOnly; SameSite=Lax; Secure"
                             : "; Path=/; HttpOnly; SameSite=Lax";
}

const char *req_param(const struct req *r, size_t i)
{
    return i < r->nparams ? r->params[i] : NULL;
}

void resp_header(struct req *r, const char *name, const char *value)
{
    struct resp *rs = &r->resp;
    if (!esc_header_ok(value) || !esc_header_ok(name)) {
        log_warn("dropped response header %s: it holds a control character", name);
        return;
    }
    if (rs->headers.n == rs->headers_cap) {
        size_t cap = rs->headers_cap ? rs->headers_cap * 2 : 8;
        struct kv *items = arena_array(r->arena, cap, sizeof *items);
        if (rs->headers.n)
            memcpy(items, rs->headers.items, rs->headers.n * sizeof *items);
        rs->headers.items = items;
        rs->headers_cap = cap;
    }
    struct kv *kv = &rs->headers.items[rs->headers.n++];
    kv->key = arena_strdup(r->arena, name);
    kv->val = arena_strdup(r->arena, value);
    kv->vlen = strlen(kv->val);
}

void resp_start(struct req *r, int status, const char *content_type)
{
    r->resp.status = status;
    r->resp.content_type = content_type;
    r->resp.static_body = NULL;
    sb_reset(&r->resp.body);
}

static const struct json_member *member_find(const struct json_member *allowed, const char *k)
{
    for (const struct json_member *m = allowed; m && m->name; m++)
        if (strcmp(m->name, k) == 0)
            return m;
    return NULL;
}

/* The name as a message may show it: printable ASCII, at most 40 bytes. */
static void add_name(struct sb *names, const char *prefix, const char *k)
{
    size_t n = 0;
    sb_adds(names, "'");
    sb_adds(names, prefix);
    for (const unsigned char *p = (const unsigned char *)k; *p && n < 40; p++, n++)
        sb_addc(names, *p >= 0x20 && *p < 0x7f && *p != '\'' ? (char)*p : '?');
    if (strlen(k) > 40)
        sb_adds(names, "...");
    sb_adds(names, "'");
}

static void unknown_in(const json_t *obj, const struct json_member *allowed, const char *prefix,
                       struct sb *names, size_t *count)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v) {
        const struct json_member *m = member_find(allowed, k);
        if (!m) {
            if (*count < REQ_JSON_NAMED) {
                if (*count)
                    sb_adds(names, ", ");
                add_name(names, prefix, k);
            }
            (*count)++;
        } else if (m->members && json_is_object(v)) {
            char sub[64];
            snprintf(sub, sizeof sub, "%s%s.", prefix, m->name);
            unknown_in(v, m->members, sub, names, count);
        }
    }
}

size_t req_json_unknown(const json_t *obj, const struct json_member *allowed, struct sb *names)
{
    size_t count = 0;
    if (!json_is_object(obj))
        return 0;
    unknown_in(obj, allowed, "", names, &count);
    if (count > REQ_JSON_NAMED)
        sb_addf(names, " and %zu more", count - REQ_JSON_NAMED);
    return count;
}
