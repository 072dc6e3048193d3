/* package_build.c - build valid and deliberately broken firmware packages
 * (used by sarasim-pkg and the tests; format in docs/packages.md). */
#include "package.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <zlib.h>

#define PAGE 4096
#define GEN_CHUNK 65536
/* The generated payload ends in one stored (level 0) deflate block whose
 * length makes the package exactly the size asked for: 5 bytes of block
 * header plus its data, then the 4-byte Adler-32. */
#define TAIL_OVERHEAD 9
#define TAIL_MAX 65535
/* Distance from the target at which compressing the body stops; what deflate
 * still holds when it is flushed is well below it. */
#define BODY_MARGIN (48 * 1024)

#define WRONG_KEY "not-the-simulator-signing-key!!!"

/* ---- content ---- */

/* One 4 KiB page of firmware-like content: 7 in 10 pages are random (code
 * and data that are already compressed or encrypted), 2 in 10 repeat words
 * of a small dictionary (instruction-like, compresses ~4:1), 1 in 10 is
 * erased flash (0xFF). */
static void page_fill(uint64_t seed, uint64_t page, uint8_t *p)
{
    uint64_t rng = seed ^ (page * 0xd1342543de82ef95ull);
    unsigned type = (unsigned)(pkg_rand_next(&rng) % 10);
    if (type == 9) {
        memset(p, 0xff, PAGE);
        return;
    }
    uint32_t dict[16];
    for (int i = 0; i < 16; i++)
        dict[i] = (uint32_t)pkg_rand_next(&rng);
    for (size_t i = 0; i < PAGE; i += 8) {
        uint64_t w = pkg_rand_next(&rng);
        if (type >= 7) /* two dictionary words chosen by 4 bits each */
            w = dict[w & 15] | (uint64_t)dict[(w >> 4) & 15] << 32;
        for (int b = 0; b < 8; b++)
            p[i + (size_t)b] = (uint8_t)(w >> (8 * b));
    }
}

void pkg_payload_fill(uint64_t seed, uint64_t offset, uint8_t *buf, size_t n)
{
    uint8_t page[PAGE];
    while (n) {
        uint64_t idx = offset / PAGE;
        size_t in = (size_t)(offset % PAGE);
        size_t take = PAGE - in < n ? PAGE - in : n;
        page_fill(seed, idx, page);
        memcpy(buf, page + in, take);
        buf += take;
        offset += take;
        n -= take;
    }
}

/* ---- deflate into a bytebuf ---- */

typedef struct zsink {
    z_stream zs;
    bytebuf *out;
    uint32_t crc;     /* of the uncompressed bytes */
    uint64_t in_len;
} zsink;

static int zsink_init(zsink *z, bytebuf *out)
{
    memset(z, 0, sizeof(*z));
    z->out = out;
    z->crc = (uint32_t)crc32(0L, Z_NULL, 0);
    return deflateInit(&z->zs, Z_DEFAULT_COMPRESSION) == Z_OK ? 0 : -ENOMEM;
}

/* Deflate n bytes with `flush`; with Z_FINISH until the stream ends. */
static int zsink_write(zsink *z, const uint8_t *p, size_t n, int flush)
{
    if (n) /* crc32() with a NULL buffer would return the initial value */
        z->crc = (uint32_t)crc32(z->crc, p, (uInt)n);
    z->in_len += n;
    z->zs.next_in = (Bytef *)(uintptr_t)p;
    z->zs.avail_in = (uInt)n;
    for (;;) {
        if (bytebuf_reserve(z->out, GEN_CHUNK))
            return -ENOMEM;
        z->zs.next_out = z->out->data + z->out->len;
        z->zs.avail_out = GEN_CHUNK;
        int r = deflate(&z->zs, flush);
        z->out->len += GEN_CHUNK - z->zs.avail_out;
        if (r == Z_STREAM_END)
            return 0;
        if (r != Z_OK && r != Z_BUF_ERROR)
            return -EIO;
        if (z->zs.avail_out != 0 && z->zs.avail_in == 0 && flush != Z_FINISH)
            return 0;
    }
}

/* Switch to stored blocks for the tail (deflateParams may flush). */
static int zsink_store_only(zsink *z)
{
    if (bytebuf_reserve(z->out, GEN_CHUNK))
        return -ENOMEM;
    z->zs.next_in = Z_NULL;
    z->zs.avail_in = 0;
    z->zs.next_out = z->out->data + z->out->len;
    z->zs.avail_out = GEN_CHUNK;
    int r = deflateParams(&z->zs, Z_NO_COMPRESSION, Z_DEFAULT_STRATEGY);
    z->out->len += GEN_CHUNK - z->zs.avail_out;
    return r == Z_OK ? 0 : -EIO;
}

/* The next n bytes of generated content into the stream. */
static int zsink_generate(zsink *z, uint64_t seed, uint64_t n, int flush)
{
    uint8_t buf[4 * PAGE];
    for (;;) {
        size_t take = n < sizeof(buf) ? (size_t)n : sizeof(buf);
        pkg_payload_fill(seed, z->in_len, buf, take);
        n -= take;
        int r = zsink_write(z, buf, take, n ? Z_NO_FLUSH : flush);
        if (r || !n)
            return r;
    }
}

/* ---- payload compression ---- */

/* The whole payload as one zlib stream: the n bytes at p, or (p NULL) n
 * bytes of generated content. */
static int compress_whole(const uint8_t *p, uint64_t n, uint64_t seed, bytebuf *out,
                          uint64_t *len, uint32_t *crc)
{
    zsink z;
    if (zsink_init(&z, out))
        return -ENOMEM;
    int r = p ? zsink_write(&z, p, (size_t)n, Z_FINISH) : zsink_generate(&z, seed, n, Z_FINISH);
    *len = z.in_len;
    *crc = z.crc;
    deflateEnd(&z.zs);
    return r;
}

/* The body: compressed content until the stream is within BODY_MARGIN of
 * stream_len, then flushed to a byte boundary.  *slack is what is left for
 * the stored tail. */
static int compress_body(zsink *z, uint64_t seed, uint64_t stream_len, size_t base,
                         int64_t *slack)
{
    if (stream_len > TAIL_OVERHEAD + BODY_MARGIN) {
        uint64_t stop = stream_len - TAIL_OVERHEAD - BODY_MARGIN;
        while (z->out->len - base < stop) {
            int r = zsink_generate(z, seed, PAGE, Z_NO_FLUSH);
            if (r)
                return r;
        }
        int r = zsink_write(z, NULL, 0, Z_SYNC_FLUSH);
        if (r)
            return r;
    }
    *slack = (int64_t)stream_len - TAIL_OVERHEAD - (int64_t)(z->out->len - base);
    return 0;
}

/* The tail: `tail` generated bytes as stored blocks, and the stream's end.
 * Starts from a copy of the body's deflate state so it can be redone. */
static int compress_tail(const zsink *body, uint64_t seed, uint64_t tail, zsink *z)
{
    *z = *body;
    if (deflateCopy(&z->zs, (z_streamp)&body->zs) != Z_OK) {
        z->zs.state = Z_NULL; /* still the body's: deflateEnd must not free it */
        return -ENOMEM;
    }
    int r = zsink_store_only(z);
    if (!r)
        r = zsink_generate(z, seed, tail, Z_FINISH);
    return r;
}

/* A zlib stream of exactly stream_len bytes of generated content: a
 * compressed body, then a stored tail sized to fill the rest.  The tail
 * length the arithmetic gives is tried, then corrected by what zlib really
 * produced (a fresh stream has no 2-byte zlib header yet, for instance). */
static int compress_exact(uint64_t seed, uint64_t stream_len, bytebuf *out, uint64_t *len,
                          uint32_t *crc)
{
    size_t base = out->len;
    zsink body;
    if (zsink_init(&body, out))
        return -ENOMEM;
    int64_t slack;
    int r = compress_body(&body, seed, stream_len, base, &slack);
    size_t body_end = out->len;
    int done = 0;
    for (int tries = 0; !r && !done && tries < 4; tries++) {
        if (slack < 0 || slack > TAIL_MAX) {
            r = -ERANGE;
            break;
        }
        out->len = body_end;
        zsink z;
        r = compress_tail(&body, seed, (uint64_t)slack, &z);
        int64_t got = (int64_t)(out->len - base);
        *len = z.in_len;
        *crc = z.crc;
        deflateEnd(&z.zs);
        done = !r && got == (int64_t)stream_len;
        slack += (int64_t)stream_len - got;
    }
    deflateEnd(&body.zs);
    if (done)
        return 0;
    out->len = base;
    return r ? r : -ERANGE;
}

/* ---- header from the spec ---- */

static int text_ok(const char *s, size_t size)
{
    if (!s || !*s || strlen(s) >= size)
        return 0;
    for (; *s; s++)
        if (*s < 0x21 || *s > 0x7e)
            return 0;
    return 1;
}

/* "SARA-R510M8S-01B" -> "SARA-R510M8S-00B" (and 00x -> 01B). */
static int other_product(const char *product, char *out, size_t size)
{
    const char *dash = strrchr(product, '-');
    if (!dash)
        return -EINVAL;
    const char *pv = strncmp(dash + 1, "00", 2) == 0 ? "01B" : "00B";
    int n = snprintf(out, size, "%.*s-%s", (int)(dash - product), product, pv);
    return n > 0 && (size_t)n < size ? 0 : -EINVAL;
}

/* "03.15,A00.01" -> "03.14,A00.01" (the previous minor; 00 -> 01). */
static void other_version(const char *v, char *out, size_t size)
{
    snprintf(out, size, "%s", v);
    int minor = (out[3] - '0') * 10 + (out[4] - '0');
    minor = minor ? minor - 1 : 1;
    out[3] = (char)('0' + minor / 10);
    out[4] = (char)('0' + minor % 10);
}

static int spec_header(const pkg_spec *s, pkg_header *h)
{
    memset(h, 0, sizeof(*h));
    h->format = PKG_FORMAT_VERSION;
    h->header_len = PKG_HEADER_LEN;
    h->sig_scheme = PKG_SIG_HMAC_SHA256;
    h->kind = (uint8_t)s->kind;
    int has_from = s->from && *s->from;
    if ((s->kind != PKG_KIND_FULL && s->kind != PKG_KIND_DELTA) ||
        !text_ok(s->product, sizeof(h->product)) || !pkg_product_valid(s->product) || !pkg_version_valid(s->to) ||
        (has_from && !pkg_version_valid(s->from)) ||
        (s->kind == PKG_KIND_DELTA && !has_from) ||
        (s->kind == PKG_KIND_FULL && has_from && s->brk != PKG_BREAK_KIND))
        return -EINVAL;
    snprintf(h->product, sizeof(h->product), "%s", s->product);
    snprintf(h->to, sizeof(h->to), "%s", s->to);
    if (s->kind == PKG_KIND_DELTA)
        snprintf(h->from, sizeof(h->from), "%s", s->from);
    switch (s->brk) {
    case PKG_BREAK_PRODUCT:
        return other_product(s->product, h->product, sizeof(h->product));
    case PKG_BREAK_FROM_VERSION:
        if (s->kind != PKG_KIND_DELTA)
            return -EINVAL;
        other_version(s->from, h->from, sizeof(h->from));
        return 0;
    case PKG_BREAK_KIND: /* a delta (from the given version, else the target) or a full image */
        h->kind = s->kind == PKG_KIND_FULL ? PKG_KIND_DELTA : PKG_KIND_FULL;
        snprintf(h->from, sizeof(h->from), "%s",
                 h->kind == PKG_KIND_FULL ? "" : has_from ? s->from : s->to);
        return 0;
    default:
        return 0;
    }
}

/* ---- build ---- */

static int build_body(const pkg_spec *s, bytebuf *out, uint64_t *len, uint32_t *crc)
{
    if (s->payload && s->package_size)
        return -EINVAL;
    if (s->payload || !s->package_size) {
        uint64_t n = s->payload ? s->payload_len : s->payload_size;
        return n > PKG_MAX_PAYLOAD ? -ERANGE : compress_whole(s->payload, n, s->seed, out, len, crc);
    }
    if (s->package_size < PKG_MIN_PACKAGE_SIZE || s->package_size > PKG_MAX_TOTAL)
        return -ERANGE;
    return compress_exact(s->seed, s->package_size - PKG_HEADER_LEN, out, len, crc);
}

/* What --break does after signing: cut or invert a byte of the stream. */
static void damage(pkg_break brk, bytebuf *out, size_t start)
{
    size_t stream = out->len - start - PKG_HEADER_LEN;
    if (brk == PKG_BREAK_TRUNCATE)
        out->len = start + PKG_HEADER_LEN + stream * 3 / 4;
    else if (brk == PKG_BREAK_FLIP)
        out->data[start + PKG_HEADER_LEN + stream / 2] ^= 0xff;
}

int pkg_build(const pkg_spec *s, bytebuf *out)
{
    pkg_header h;
    int r = spec_header(s, &h);
    if (r)
        return r;
    size_t start = out->len;
    uint8_t zero[PKG_HEADER_LEN] = { 0 };
    if (bytebuf_append(out, zero, sizeof(zero)))
        return -ENOMEM;
    r = build_body(s, out, &h.payload_len, &h.payload_crc);
    if (r) {
        out->len = start;
        return r;
    }
    h.total_len = out->len - start;
    uint8_t *hdr = out->data + start;
    pkg_header_encode(&h, hdr);
    const char *key = s->brk == PKG_BREAK_SIGNATURE ? WRONG_KEY : PKG_SIM_KEY;
    r = pkg_sign(hdr, hdr + PKG_HEADER_LEN, out->len - start - PKG_HEADER_LEN, key, strlen(key),
                 h.signature);
    if (r) {
        out->len = start;
        return r;
    }
    pkg_header_encode(&h, hdr);
    damage(s->brk, out, start);
    out->data[out->len] = 0; /* bytebuf's promise */
    return 0;
}
