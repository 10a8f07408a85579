/* gz — see gz.h.  Writes gzip streams; reads nothing, holds no state. */
#include "util/gz.h"

#include <limits.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

/* zlib takes lengths as uInt: feed it at most this much at a time. */
#define GZ_CHUNK (1u << 30)
/* A stored block holds at most 65,535 bytes. */
#define GZ_STORED_MAX 65535u

static void put32(unsigned char *b, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint32_t crc_of(uint32_t crc, const unsigned char *p, size_t n)
{
    while (n) {
        uInt k = n > GZ_CHUNK ? GZ_CHUNK : (uInt)n;
        crc = (uint32_t)crc32(crc, p, k);
        p += k;
        n -= k;
    }
    return crc;
}

int gz_keep(const void *in, size_t len, struct sb *out)
{
    z_stream z;
    const unsigned char *p = in;
    unsigned char head[GZ_KEPT_HEAD];
    int rc = -1, ok = 0;
    memset(&z, 0, sizeof z);
    /* raw deflate (negative window bits): no zlib header, no adler */
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    ok = 1;
    put32(head, crc_of((uint32_t)crc32(0, Z_NULL, 0), p, len));
    put32(head + 4, (uint32_t)len);
    put32(head + 8, (uint32_t)((uint64_t)len >> 32));
    sb_add(out, head, sizeof head);
    size_t left = len;
    do {
        uInt k = left > GZ_CHUNK ? GZ_CHUNK : (uInt)left;
        z.next_in = (Bytef *)(uintptr_t)p;
        z.avail_in = k;
        p += k;
        left -= k;
        int flush = left ? Z_NO_FLUSH : Z_FULL_FLUSH;
        do {
            /* room for what this input can become, then let deflate fill it */
            uLong room = deflateBound(&z, z.avail_in) + 16;
            if (sb_grow(out, room) != 0)
                goto done;
            z.next_out = (Bytef *)out->buf + out->len;
            z.avail_out = (uInt)room;
            int zr = deflate(&z, flush);
            if (zr != Z_OK && zr != Z_BUF_ERROR)
                goto done;
            out->len += room - z.avail_out;
            out->buf[out->len] = '\0';
        } while (z.avail_out == 0 || z.avail_in > 0);
    } while (left);
    rc = out->err ? -1 : 0;
done:
    if (ok)
        deflateEnd(&z);
    return rc;
}

void gz_begin(struct gz *g, struct sb *out)
{
    /* magic, deflate, no flags, no time, no extra flags, OS unknown */
    static const unsigned char h[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
    g->out = out;
    g->crc = (uint32_t)crc32(0, Z_NULL, 0);
    g->len = 0;
    sb_add(out, h, sizeof h);
}

void gz_plain(struct gz *g, const void *p, size_t n)
{
    const unsigned char *b = p;
    g->crc = crc_of(g->crc, b, n);
    g->len += n;
    /* stored blocks: byte-aligned here (after the header, another stored
     * block or a kept piece's full flush), so BFINAL=0, BTYPE=00 and the
     * padding make one zero byte, then LEN and its complement */
    if (sb_grow(g->out, n + 5 * (n / GZ_STORED_MAX + 1)) != 0)
        return;
    while (n) {
        unsigned k = n > GZ_STORED_MAX ? GZ_STORED_MAX : (unsigned)n;
        unsigned char h[5] = {0, (unsigned char)k, (unsigned char)(k >> 8),
                              (unsigned char)~k, (unsigned char)(~k >> 8)};
        sb_add(g->out, h, sizeof h);
        sb_add(g->out, b, k);
        b += k;
        n -= k;
    }
}

int gz_kept(struct gz *g, const void *kept, size_t klen)
{
    const unsigned char *b = kept;
    if (klen < GZ_KEPT_HEAD)
        return -1;
    uint32_t crc = get32(b);
    uint64_t len = get32(b + 4) | (uint64_t)get32(b + 8) << 32;
    g->crc = (uint32_t)crc32_combine(g->crc, crc, (z_off_t)len);
    g->len += len;
    sb_add(g->out, b + GZ_KEPT_HEAD, klen - GZ_KEPT_HEAD);
    return 0;
}

void gz_end(struct gz *g)
{
    /* the final block: stored, empty (BFINAL=1, LEN 0, NLEN 0xffff) */
    unsigned char t[13] = {1, 0, 0, 0xff, 0xff};
    put32(t + 5, g->crc);
    put32(t + 9, (uint32_t)g->len); /* ISIZE: the length modulo 2^32 */
    sb_add(g->out, t, sizeof t);
}

int gz_assemble(struct sb *out, const struct gz_piece *pieces, size_t n)
{
    struct gz g;
    gz_begin(&g, out);
    for (size_t i = 0; i < n; i++) {
        if (!pieces[i].kept)
            gz_plain(&g, pieces[i].p, pieces[i].n);
        else if (gz_kept(&g, pieces[i].p, pieces[i].n) != 0)
            return -1;
    }
    gz_end(&g);
    return 0;
}

int gz_worth(const char *type, size_t len)
{
    static const char *const text[] = {"text/html", "text/css", "text/javascript",
                                       "application/javascript", "application/json",
                                       "application/problem+json", "image/svg+xml"};
    if (!type || len < GZ_MIN)
        return 0;
    for (size_t i = 0; i < sizeof text / sizeof text[0]; i++) {
        size_t n = strlen(text[i]);
        if (strncasecmp(type, text[i], n) == 0 && (type[n] == '\0' || type[n] == ';'))
            return 1;
    }
    return 0;
}
