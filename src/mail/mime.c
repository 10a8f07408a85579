/* mime — the bytes of one e-mail, built with the string builder.  Decides
 * encodings and line lengths; must not do I/O or know about the outbox. */
#include "mail/mime.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/datetime.h"
#include "core/email.h"
#include "util/errmsg.h"
#include "util/sb.h"
#include "view/esc.h"

#define ENCODED_WORD_MAX 75 /* RFC 2047 section 2 */
#define QP_LINE_MAX 76      /* RFC 2045 6.7 (5), the soft-break '=' included */
#define B64_LINE_BYTES 57   /* 57 bytes -> 76 characters */

/* libsodium's base64 (the original alphabet, padded), one chunk of at most
 * B64_LINE_BYTES at a time so that lines stay within 76 characters. */
static void b64_chunk(struct sb *out, const unsigned char *p, size_t len)
{
    char q[sodium_base64_ENCODED_LEN(B64_LINE_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    if (len > B64_LINE_BYTES) /* callers never pass more; a line must not grow */
        len = B64_LINE_BYTES;
    sodium_bin2base64(q, sizeof q, p, len, sodium_base64_VARIANT_ORIGINAL);
    sb_adds(out, q);
}

void mime_base64(struct sb *out, const unsigned char *data, size_t len)
{
    for (size_t i = 0; i < len; i += B64_LINE_BYTES) {
        b64_chunk(out, data + i, len - i < B64_LINE_BYTES ? len - i : B64_LINE_BYTES);
        sb_add(out, "\r\n", 2);
    }
}

static int plain_ascii(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
            return 0;
    /* "=?" could be read as the start of an encoded-word: encode such text */
    return !memmem(s, len, "=?", 2);
}

/* Appends s as UTF-8 "B" encoded-words starting at column *col, folding
 * (CRLF SP) before a word that would pass MIME_LINE_MAX. */
static void encoded_words(struct sb *out, const char *s, size_t len, size_t *col)
{
    static const char pre[] = "=?UTF-8?B?";
    const size_t overhead = sizeof pre - 1 + 2;
    size_t pos = 0;
    while (pos < len) {
        size_t room = MIME_LINE_MAX > *col + overhead ? MIME_LINE_MAX - *col - overhead : 0;
        if (room > ENCODED_WORD_MAX - overhead)
            room = ENCODED_WORD_MAX - overhead;
        size_t max_bytes = room / 4 * 3;
        if (max_bytes < 4) { /* not even one character fits: fold first */
            sb_add(out, "\r\n ", 3);
            *col = 1;
            continue;
        }
        size_t end = pos + max_bytes < len ? pos + max_bytes : len;
        /* never split a UTF-8 sequence: back off continuation bytes */
        while (end < len && end > pos && ((unsigned char)s[end] & 0xC0) == 0x80)
            end--;
        if (end == pos) /* malformed: a run of continuation bytes; cut anyway */
            end = pos + max_bytes < len ? pos + max_bytes : len;
        size_t before = out->len;
        sb_add(out, pre, sizeof pre - 1);
        b64_chunk(out, (const unsigned char *)s + pos, end - pos);
        sb_add(out, "?=", 2);
        *col += out->len - before;
        pos = end;
        if (pos < len) {
            sb_add(out, "\r\n ", 3);
            *col = 1;
        }
    }
}

/* Appends printable ASCII s, folding at spaces to stay under the limit. */
static void folded_ascii(struct sb *out, const char *s, size_t len, size_t *col)
{
    size_t pos = 0;
    int first = 1;
    while (pos <= len) {
        const char *sp = memchr(s + pos, ' ', len - pos);
        size_t end = sp ? (size_t)(sp - s) : len;
        size_t wlen = end - pos;
        if (!first) {
            if (*col + 1 + wlen > MIME_LINE_MAX && wlen > 0) {
                sb_add(out, "\r\n ", 3);
                *col = 1;
            } else {
                sb_addc(out, ' ');
                (*col)++;
            }
        }
        sb_add(out, s + pos, wlen);
        *col += wlen;
        first = 0;
        if (!sp)
            break;
        pos = end + 1;
    }
}

/* The longest run without a space: where folding cannot help. */
static size_t longest_word(const char *s, size_t len)
{
    size_t best = 0, run = 0;
    for (size_t i = 0; i < len; i++) {
        run = s[i] == ' ' ? 0 : run + 1;
        if (run > best)
            best = run;
    }
    return best;
}

void mime_header(struct sb *out, const char *name, const char *value)
{
    size_t col = strlen(name) + 2, len = strlen(value);
    sb_adds(out, name);
    sb_add(out, ": ", 2);
    /* a word too long for one line goes as encoded-words, which can be split */
    if (plain_ascii(value, len) && col + longest_word(value, len) <= MIME_LINE_MAX)
        folded_ascii(out, value, len, &col);
    else
        encoded_words(out, value, len, &col);
    sb_add(out, "\r\n", 2);
}

void mime_mailbox(struct sb *out, size_t col, const char *name, const char *addr)
{
    size_t nlen = name ? strlen(name) : 0, alen = strlen(addr);
    if (nlen == 0) {
        sb_add(out, addr, alen);
        return;
    }
    /* a quoted name that fits on its line; anything else as encoded-words */
    if (plain_ascii(name, nlen) && col + nlen + 4 <= MIME_LINE_MAX) {
        sb_addc(out, '"');
        col++;
        for (size_t i = 0; i < nlen; i++) {
            if (name[i] == '"' || name[i] == '\\') {
                sb_addc(out, '\\');
                col++;
            }
            sb_addc(out, name[i]);
            col++;
        }
        sb_addc(out, '"');
        col++;
    } else {
        encoded_words(out, name, nlen, &col);
    }
    if (col + 3 + alen > MIME_LINE_MAX)
        sb_add(out, "\r\n <", 4);
    else
        sb_add(out, " <", 2);
    sb_add(out, addr, alen);
    sb_addc(out, '>');
}

size_t mime_date(int64_t utc, int offset_sec, char *buf, size_t size)
{
    static const char *const wd[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const mon[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct dt_civil c;
    dt_civil_from_secs(utc + offset_sec, &c);
    struct dt_date d = {c.year, c.month, c.day};
    int off = offset_sec < 0 ? -offset_sec : offset_sec;
    int n = snprintf(buf, size, "%s, %02d %s %04d %02d:%02d:%02d %c%02d%02d",
                     wd[dt_weekday(dt_date_to_days(d))], c.day, mon[c.month - 1], c.year, c.hour,
                     c.min, c.sec, offset_sec < 0 ? '-' : '+', off / 3600, off % 3600 / 60);
    if (n < 0 || (size_t)n >= size) {
        if (size)
            buf[0] = '\0';
        return 0;
    }
    return (size_t)n;
}

void mime_qp(struct sb *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t line = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\r' && i + 1 < len && s[i + 1] == '\n')
            continue;
        if (c == '\n') {
            sb_add(out, "\r\n", 2);
            line = 0;
            continue;
        }
        /* a space or tab before a line end (or the end) must be encoded */
        int at_end = i + 1 == len || s[i + 1] == '\n' ||
                     (s[i + 1] == '\r' && i + 2 < len && s[i + 2] == '\n');
        int literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_end);
        size_t tok = literal ? 1 : 3;
        if (line + tok > QP_LINE_MAX - 1) {
            sb_add(out, "=\r\n", 3);
            line = 0;
        }
        if (literal) {
            sb_addc(out, (char)c);
        } else {
            char q[3] = {'=', hex[c >> 4], hex[c & 15]};
            sb_add(out, q, 3);
        }
        line += tok;
    }
}

/* An address we put in a header as it is: the rule every form checks
 * (core/email), so that whatever was accepted can be sent. */
static int addr_ok(const char *a)
{
    return email_addr_ok(a);
}

static int filename_ok(const char *f)
{
    size_t n = strlen(f);
    return n > 0 && n <= 60 &&
           strspn(f, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* A boundary from the message id: deterministic, and starting with "=_",
 * which quoted-printable and base64 text can never hold. */
static void boundary(char *buf, size_t size, const char *kind, const char *message_id)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const char *p = message_id; *p; p++) {
        h ^= (unsigned char)*p;
        h *= 16777619u;
    }
    snprintf(buf, size, "=_knead_%s_%08x", kind, (unsigned)h);
}

static void text_part(struct sb *out, const char *subtype, const char *s)
{
    sb_addf(out,
            "Content-Type: text/%s; charset=utf-8\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
            subtype);
    mime_qp(out, s, strlen(s));
    sb_add(out, "\r\n", 2);
}

static void alternative(struct sb *out, const struct mime_msg *m, const char *b)
{
    sb_addf(out, "Content-Type: multipart/alternative;\r\n boundary=\"%s\"\r\n\r\n", b);
    sb_addf(out, "--%s\r\n", b);
    text_part(out, "plain", m->text);
    sb_addf(out, "--%s\r\n", b);
    text_part(out, "html", m->html);
    sb_addf(out, "--%s--\r\n", b);
}

int mime_build(struct sb *out, const struct mime_msg *m, char *err, size_t errlen)
{
    char date[40], bmix[64], balt[64];
    int has_html = m->html && *m->html;
    int has_attach = m->attach_name && *m->attach_name;

    if (!addr_ok(m->from_addr) || !addr_ok(m->to_addr)) {
        errmsg_set(err, errlen, "the %s address '%s' is not a plain name@domain address",
                   addr_ok(m->from_addr) ? "recipient" : "sender",
                   addr_ok(m->from_addr) ? (m->to_addr ? m->to_addr : "")
                                         : (m->from_addr ? m->from_addr : ""));
        return -1;
    }
    if (!m->text || !m->subject || !m->message_id || !*m->message_id) {
        errmsg_set(err, errlen, "a message needs a subject, a text body and a Message-ID");
        return -1;
    }
    if ((m->from_name && !esc_header_ok(m->from_name)) ||
        (m->to_name && !esc_header_ok(m->to_name)) || !esc_header_ok(m->subject) ||
        !esc_header_ok(m->message_id) || strpbrk(m->message_id, "<> ")) {
        errmsg_set(err, errlen, "a header value holds a line break or a control character");
        return -1;
    }
    if (has_attach && (!filename_ok(m->attach_name) || !m->attach_type ||
                       !plain_ascii(m->attach_type, strlen(m->attach_type)) ||
                       !*m->attach_type)) {
        errmsg_set(err, errlen, "the attachment needs a plain file name (letters, digits, . _ -)"
                                " and a content type");
        return -1;
    }
    if (!mime_date(m->date, m->date_offset, date, sizeof date)) {
        errmsg_set(err, errlen, "the date cannot be written");
        return -1;
    }
    boundary(bmix, sizeof bmix, "mixed", m->message_id);
    boundary(balt, sizeof balt, "alt", m->message_id);

    sb_addf(out, "Date: %s\r\n", date);
    sb_adds(out, "From: ");
    mime_mailbox(out, 6, m->from_name, m->from_addr);
    sb_adds(out, "\r\nTo: ");
    mime_mailbox(out, 4, m->to_name, m->to_addr);
    sb_add(out, "\r\n", 2);
    mime_header(out, "Subject", m->subject);
    sb_addf(out, "Message-ID: <%s>\r\n", m->message_id);
    sb_adds(out, "Auto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\n");
    if (has_attach) {
        sb_addf(out, "Content-Type: multipart/mixed;\r\n boundary=\"%s\"\r\n\r\n", bmix);
        sb_addf(out, "--%s\r\n", bmix);
        if (has_html)
            alternative(out, m, balt);
        else
            text_part(out, "plain", m->text);
        sb_addf(out, "--%s\r\n", bmix);
        sb_addf(out, "Content-Type: %s;\r\n name=\"%s\"\r\n", m->attach_type, m->attach_name);
        sb_addf(out, "Content-Disposition: attachment; filename=\"%s\"\r\n", m->attach_name);
        sb_adds(out, "Content-Transfer-Encoding: base64\r\n\r\n");
        mime_base64(out, m->attach_data, m->attach_len);
        sb_addf(out, "--%s--\r\n", bmix);
    } else if (has_html) {
        alternative(out, m, balt);
    } else {
        text_part(out, "plain", m->text);
    }
    return 0;
}
