/* mime — builds the bytes of one e-mail: RFC 5322 headers (non-ASCII
 * names and subjects as RFC 2047 encoded-words, lines folded under 78
 * characters) and a MIME body: text/plain and text/html as
 * multipart/alternative, wrapped in multipart/mixed when there is an
 * attachment.  Text parts are quoted-printable, attachments base64, so no
 * line is longer than 76 characters and the boundaries (which start with
 * "=_") can never occur inside a part.  Pure: no I/O, no clock, no store;
 * the SMTP transport (mail/smtp.c) leaves dot-stuffing to libcurl. */
#ifndef KNEAD_MAIL_MIME_H
#define KNEAD_MAIL_MIME_H

#include <stddef.h>
#include <stdint.h>

struct sb;

/* The longest header line we write, without CRLF (RFC 5322 2.1.1 says 78). */
#define MIME_LINE_MAX 78

struct mime_msg {
    const char *from_addr, *from_name; /* from_name NULL or "" = address only */
    const char *to_addr, *to_name;
    const char *subject;
    const char *message_id; /* without the angle brackets, e.g. "outbox-7.1764@clinic.example" */
    int64_t date;           /* UTC seconds */
    int date_offset;        /* seconds east of UTC for the Date header (the clinic's zone) */
    const char *text;       /* required; "\n" or "\r\n" line ends */
    const char *html;       /* NULL or "" = a text/plain message */
    const char *attach_name, *attach_type; /* attach_name NULL or "" = none */
    const unsigned char *attach_data;
    size_t attach_len;
};

/* Appends the whole message (CRLF line ends) to out.  Returns 0, or -1 with
 * a message in err when a header value holds CR, LF or another control
 * character, an address is empty or not plain ASCII, or the text is
 * missing; out is then unchanged.  A size limit on out sets out->err. */
int mime_build(struct sb *out, const struct mime_msg *m, char *err, size_t errlen);

/* Appends "Name: value" and CRLF, the value folded under MIME_LINE_MAX:
 * printable ASCII as it is (folded at spaces) when no word is too long for
 * a line, anything else as UTF-8
 * encoded-words ("=?UTF-8?B?...?=", each at most 75 characters, never
 * splitting a UTF-8 sequence).  The caller has checked the value with
 * esc_header_ok.  Can't fail (size limit: out->err). */
void mime_header(struct sb *out, const char *name, const char *value);

/* Appends a mailbox for a From/To header: `"Name" <addr>`, or encoded-words
 * then <addr> for a non-ASCII name (or one too long for its line), or just
 * addr.  col: the column the
 * mailbox starts at (after "To: "); folds before <addr> when needed. */
void mime_mailbox(struct sb *out, size_t col, const char *name, const char *addr);

/* "Thu, 26 Nov 2026 06:00:00 -0900" into buf (at least 32 bytes).  Returns
 * the length, or 0 if buf is too small. */
size_t mime_date(int64_t utc, int offset_sec, char *buf, size_t size);

/* Appends s as quoted-printable (RFC 2045 6.7): lines at most 76
 * characters, "\n" and "\r\n" become hard CRLF breaks, '=' and bytes
 * outside printable ASCII are =XX, trailing spaces encoded.  Can't fail. */
void mime_qp(struct sb *out, const char *s, size_t len);

/* Appends data as base64 in lines of 76 characters, each ending CRLF. */
void mime_base64(struct sb *out, const unsigned char *data, size_t len);

#endif
