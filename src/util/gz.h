/* gz — gzip responses (RFC 1952 around RFC 1951 deflate) assembled from
 * pieces, so that what is kept for many responses is compressed once.
 *
 * A piece kept per data version (the day view's grid, a report) or for the
 * process's life (a stylesheet) is compressed once by gz_keep into a raw
 * deflate stream ended with a full flush: it depends on nothing written
 * before it and ends on a byte boundary, so it can follow anything.  A
 * response is then gz_begin (the gzip header), its own parts through
 * gz_plain, the kept pieces through gz_kept as they are, and gz_end (the
 * final block, the CRC-32 of the whole from zlib's crc32_combine, the
 * length).
 *
 * gz_plain writes deflate *stored* blocks: nothing is compressed.  That is
 * cheap, and it is the defence against BREACH: a response's own parts hold
 * the CSRF token, the user's name and what the request reflected, and a
 * secret compressed in one context with text an attacker can choose leaks
 * through the response's length.  Stored blocks make the length independent
 * of their content; the kept pieces hold only what every viewer of that
 * version sees, compressed on their own.  Never compress a per-request part.
 *
 * The one place gzip is assembled (web/page.c, web/static.c, web/site.c use
 * it).  No I/O, no globals. */
#ifndef KNEAD_UTIL_GZ_H
#define KNEAD_UTIL_GZ_H

#include <stddef.h>
#include <stdint.h>

#include "util/sb.h"

/* A kept piece starts with the CRC-32 of its plain text (4 bytes) and that
 * text's length (8 bytes), little-endian; the deflate stream follows. */
#define GZ_KEPT_HEAD 12
/* Bodies shorter than this are sent as they are: the header and trailer
 * (18 bytes) and a client's inflating cost more than they save. */
#define GZ_MIN 1024

/* Appends to out the kept form of in[0..len): the head and in compressed
 * as a raw deflate stream ended with Z_FULL_FLUSH (no final block).
 * Returns 0, or -1 when zlib fails or out reached its limit (out's sticky
 * error, or what was appended is not to be used). */
int gz_keep(const void *in, size_t len, struct sb *out);

/* A gzip stream being written to out. */
struct gz {
    struct sb *out;
    uint32_t crc;  /* of the plain text so far */
    uint64_t len;  /* plain bytes so far */
};

/* Appends the gzip header to out and starts g.  Can't fail (out's sticky
 * error). */
void gz_begin(struct gz *g, struct sb *out);
/* Appends p[0..n) as stored (uncompressed) deflate blocks; n may be 0.  See
 * the top of this file: every per-request part goes through here. */
void gz_plain(struct gz *g, const void *p, size_t n);
/* Appends a piece made by gz_keep (kept[0..klen), head included) as it is.
 * Returns 0, or -1 (and appends nothing) when it is shorter than its head. */
int gz_kept(struct gz *g, const void *kept, size_t klen);
/* Appends the final (empty, stored) block and the trailer.  Can't fail. */
void gz_end(struct gz *g);

/* One piece of gz_assemble: p[0..n) plain, or a gz_keep result. */
struct gz_piece {
    const void *p;
    size_t n;
    int kept;
};

/* gz_begin, each piece in order, gz_end: the whole stream onto out.
 * Returns 0, or -1 when a kept piece is malformed (out then holds a partial
 * stream: discard it). */
int gz_assemble(struct sb *out, const struct gz_piece *pieces, size_t n);

/* Whether a body of this content type and length is worth compressing:
 * HTML, CSS, JSON (and problem+json), JavaScript or SVG text of at least
 * GZ_MIN bytes.  Pure. */
int gz_worth(const char *content_type, size_t len);

#endif
