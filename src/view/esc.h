/* esc — the one escaping module (STYLE rule 11).
 *
 * Every byte of untrusted text that reaches HTML, a URL or a header goes
 * through a function here; nothing else in Knead escapes by hand.  JSON is
 * mostly built with jansson, which escapes what it encodes; esc_json serves
 * the hot paths that write JSON straight into a string builder. */
#ifndef KNEAD_VIEW_ESC_H
#define KNEAD_VIEW_ESC_H

#include <stddef.h>

struct sb;

/* Appends s[0..len) to out with & < > " ' replaced by &amp; &lt; &gt; &quot;
 * &#39;.  Safe for element text and for QUOTED attribute values (either quote
 * character); it does not make a value safe as a URL (a "javascript:" link
 * stays a javascript: link) nor inside <script> or <style>.  All other bytes,
 * including UTF-8 sequences, are copied unchanged.  s may be NULL when len is
 * 0.  Can't fail (a size limit on out sets out->err, see sb.h). */
void esc_html(struct sb *out, const char *s, size_t len);

/* Appends s[0..len) to out percent-encoded for use as one URL component (a
 * path segment or a query name or value): every byte except the RFC 3986
 * unreserved set A-Z a-z 0-9 - . _ ~ becomes %XX with upper-case hex, so
 * '/', '?', '&', '=', '+' and space (as %20) are all encoded.  s may be NULL
 * when len is 0.  Can't fail (size limit: out->err). */
void esc_url_component(struct sb *out, const char *s, size_t len);

/* Appends s as a JSON string, quotes included: '"' and '\\' are escaped,
 * control characters become \n, \t ... or \u00XX; other bytes (UTF-8) are
 * copied.  Can't fail (size limit: out->err). */
void esc_json(struct sb *out, const char *s);

/* Appends s as one CSV field (RFC 4180): quoted, with '"' doubled, when it
 * holds a comma, a quote, CR or LF.  A cell a spreadsheet would run as a
 * formula (one starting with '=', '+', '-', '@', a tab or CR) gets a leading
 * apostrophe first, so an exported name such as "=HYPERLINK(...)" opens as
 * text (the OWASP advice on CSV injection).  Can't fail (sticky sb). */
void esc_csv(struct sb *out, const char *s);

/* Returns 1 if the NUL-terminated s may be sent as an HTTP header value (or
 * a mail header), 0 if it holds a control character (CR, LF and everything
 * below 0x20 except horizontal tab, and DEL 0x7f) or s is NULL.  Bytes from
 * 0x80 up are accepted.  The caller refuses the value, never "cleans" it. */
int esc_header_ok(const char *s);

#endif
