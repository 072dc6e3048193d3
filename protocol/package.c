/* package.c - firmware package header, incremental validator, progress steps
 * and simulated durations (format and mapping: docs/packages.md). */
#include "package.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <zlib.h>

/* Header layout (little-endian integers). */
enum {
    OFF_MAGIC = 0,
    OFF_FORMAT = 8,
    OFF_HEADER_LEN = 10,
    OFF_KIND = 12,
    OFF_SIG_SCHEME = 13,
    OFF_RESERVED1 = 14,   /* 2 bytes */
    OFF_PRODUCT = 16,     /* 32 */
    OFF_FROM = 48,        /* 24 */
    OFF_TO = 72,          /* 24 */
    OFF_TOTAL_LEN = 96,
    OFF_PAYLOAD_LEN = 104,
    OFF_PAYLOAD_CRC = 112,
    OFF_SIGNATURE = 116,  /* 32; the signature covers bytes 0..115 */
    OFF_RESERVED2 = 148,  /* 8 */
    OFF_HEADER_CRC = 156,
};

/* Shortest zlib stream: 2-byte header, an empty final block, Adler-32. */
#define MIN_ZLIB_LEN 8
#define INFLATE_CHUNK 16384

const char *pkg_result_text(int code)
{
    switch (code) {
    case PKG_OK: return "valid";
    case PKG_E_GENERIC: return "generic failure";
    case PKG_E_RAM: return "RAM error";
    case PKG_E_CORRUPTED: return "file corrupted";
    case PKG_E_FORMAT: return "file format not recognised";
    case PKG_E_NO_MATCH: return "file does not match flash firmware";
    case PKG_E_SIGNATURE: return "signature mismatch";
    case PKG_E_VERSION: return "file version not supported";
    case PKG_E_SIZE: return "file size mismatch";
    case PKG_E_PUBLIC_KEY: return "public key error";
    case PKG_E_PREVALIDATION: return "file pre-validation failure";
    default: return "unknown";
    }
}

const char *pkg_kind_name(int kind)
{
    return kind == PKG_KIND_FULL ? "full" : kind == PKG_KIND_DELTA ? "delta" : "unknown";
}

const char *pkg_method_name(pkg_method m)
{
    return m == PKG_METHOD_FOAT ? "foat" : m == PKG_METHOD_FWINSTALL ? "fwinstall" : "ufota";
}

pkg_kind pkg_method_kind(pkg_method m)
{
    return m == PKG_METHOD_FOAT ? PKG_KIND_FULL : PKG_KIND_DELTA;
}

/* ---- field syntax ---- */

static int digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

/* "NN.NN" at s. */
static int dotted_pair(const char *s)
{
    return digits(s, 2) && s[2] == '.' && digits(s + 3, 2);
}

int pkg_version_valid(const char *v)
{
    if (!v || !dotted_pair(v))
        return 0;
    const char *p = v + 5;
    if (*p == '_') { /* engineering build: "03.15_ENG0001" */
        int n = 0;
        while (isalnum((unsigned char)p[1 + n]))
            n++;
        if (n < 1 || n > 10)
            return 0;
        p += 1 + n;
    }
    return p[0] == ',' && p[1] == 'A' && dotted_pair(p + 2) && p[7] == 0;
}

int pkg_product_valid(const char *product)
{
    const char *dash = product ? strrchr(product, '-') : NULL;
    if (!dash || dash == product)
        return 0;
    const char *pv = dash + 1;
    return isdigit((unsigned char)pv[0]) && isdigit((unsigned char)pv[1]) && isupper((unsigned char)pv[2]) &&
           pv[3] == 0;
}

int pkg_product_matches(const char *product, const char *model, const char *product_version)
{
    if (!product || !model || !product_version)
        return 0;
    size_t ml = strlen(model);
    return ml > 0 && strncmp(product, model, ml) == 0 && product[ml] == '-' &&
           strcmp(product + ml + 1, product_version) == 0;
}

/* ---- header ---- */

static uint64_t get_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++, v >>= 8)
        p[i] = (uint8_t)v;
}

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

/* A NUL-padded text field: printable ASCII, then only NULs, at least one. */
static int get_text(const uint8_t *p, size_t size, char *out)
{
    size_t len = 0;
    while (len < size && p[len])
        len++;
    memcpy(out, p, len);
    out[len < size ? len : size - 1] = 0;
    if (len == size || !all_zero(p + len, size - len))
        return -1;
    for (size_t i = 0; i < len; i++)
        if (p[i] < 0x21 || p[i] > 0x7e)
            return -1;
    return 0;
}

static void put_text(uint8_t *p, size_t size, const char *s)
{
    size_t len = strnlen(s, size - 1);
    memset(p, 0, size);
    memcpy(p, s, len);
}

static uint32_t header_crc(const uint8_t *p)
{
    return (uint32_t)crc32(0L, p, OFF_HEADER_CRC);
}

static void header_decode(const uint8_t *p, pkg_header *h, int *text_bad)
{
    memset(h, 0, sizeof(*h));
    h->format = (uint16_t)get_le(p + OFF_FORMAT, 2);
    h->header_len = (uint16_t)get_le(p + OFF_HEADER_LEN, 2);
    h->kind = p[OFF_KIND];
    h->sig_scheme = p[OFF_SIG_SCHEME];
    *text_bad = get_text(p + OFF_PRODUCT, PKG_PRODUCT_MAX, h->product) |
                get_text(p + OFF_FROM, PKG_VERSION_MAX, h->from) |
                get_text(p + OFF_TO, PKG_VERSION_MAX, h->to);
    h->total_len = get_le(p + OFF_TOTAL_LEN, 8);
    h->payload_len = get_le(p + OFF_PAYLOAD_LEN, 8);
    h->payload_crc = (uint32_t)get_le(p + OFF_PAYLOAD_CRC, 4);
    memcpy(h->signature, p + OFF_SIGNATURE, PKG_SIGNATURE_LEN);
    h->header_crc = (uint32_t)get_le(p + OFF_HEADER_CRC, 4);
}

/* The field checks after the CRC, in the documented order. */
static int header_fields_check(const uint8_t *p, const pkg_header *h, int text_bad)
{
    if (h->sig_scheme != PKG_SIG_HMAC_SHA256)
        return PKG_E_PUBLIC_KEY;
    if ((h->kind != PKG_KIND_FULL && h->kind != PKG_KIND_DELTA) ||
        !all_zero(p + OFF_RESERVED1, 2) || !all_zero(p + OFF_RESERVED2, 8) || text_bad ||
        !h->product[0] || (h->kind == PKG_KIND_FULL && h->from[0]))
        return PKG_E_FORMAT;
    if (!pkg_version_valid(h->to) || (h->kind == PKG_KIND_DELTA && !pkg_version_valid(h->from)))
        return PKG_E_VERSION;
    if (h->total_len < PKG_HEADER_LEN + MIN_ZLIB_LEN)
        return PKG_E_FORMAT;
    if (h->total_len > PKG_MAX_TOTAL || h->payload_len > PKG_MAX_PAYLOAD)
        return PKG_E_SIZE;
    return 0;
}

int pkg_header_parse(const uint8_t *p, size_t n, pkg_header *h)
{
    size_t m = n < PKG_MAGIC_LEN ? n : PKG_MAGIC_LEN;
    if (memcmp(p, PKG_MAGIC, m) != 0)
        return PKG_E_FORMAT;
    if (n < PKG_HEADER_LEN)
        return PKG_E_SIZE; /* a good start, cut short */
    int text_bad;
    header_decode(p, h, &text_bad);
    if (h->format != PKG_FORMAT_VERSION)
        return PKG_E_VERSION;
    if (h->header_len != PKG_HEADER_LEN)
        return PKG_E_FORMAT;
    if (h->header_crc != header_crc(p))
        return PKG_E_CORRUPTED;
    return header_fields_check(p, h, text_bad);
}

void pkg_header_encode(const pkg_header *h, uint8_t *out)
{
    memset(out, 0, PKG_HEADER_LEN);
    memcpy(out + OFF_MAGIC, PKG_MAGIC, PKG_MAGIC_LEN);
    put_le(out + OFF_FORMAT, h->format, 2);
    put_le(out + OFF_HEADER_LEN, h->header_len, 2);
    out[OFF_KIND] = h->kind;
    out[OFF_SIG_SCHEME] = h->sig_scheme;
    put_text(out + OFF_PRODUCT, PKG_PRODUCT_MAX, h->product);
    put_text(out + OFF_FROM, PKG_VERSION_MAX, h->from);
    put_text(out + OFF_TO, PKG_VERSION_MAX, h->to);
    put_le(out + OFF_TOTAL_LEN, h->total_len, 8);
    put_le(out + OFF_PAYLOAD_LEN, h->payload_len, 8);
    put_le(out + OFF_PAYLOAD_CRC, h->payload_crc, 4);
    memcpy(out + OFF_SIGNATURE, h->signature, PKG_SIGNATURE_LEN);
    put_le(out + OFF_HEADER_CRC, header_crc(out), 4);
}

/* ---- signature ---- */

static EVP_MAC_CTX *mac_start(const void *key, size_t key_len)
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (!mac)
        return NULL;
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac); /* the context holds its own reference */
    if (!ctx)
        return NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_end(),
    };
    if (!EVP_MAC_init(ctx, key, key_len, params)) {
        EVP_MAC_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

static int mac_end(EVP_MAC_CTX *ctx, uint8_t sig[PKG_SIGNATURE_LEN])
{
    size_t len = 0;
    int ok = EVP_MAC_final(ctx, sig, &len, PKG_SIGNATURE_LEN) && len == PKG_SIGNATURE_LEN;
    return ok ? 0 : -EIO;
}

int pkg_sign(const uint8_t *hdr, const uint8_t *body, size_t body_len, const void *key,
             size_t key_len, uint8_t sig[PKG_SIGNATURE_LEN])
{
    EVP_MAC_CTX *ctx = mac_start(key, key_len);
    if (!ctx)
        return -ENOMEM;
    int r = EVP_MAC_update(ctx, hdr, OFF_SIGNATURE) && EVP_MAC_update(ctx, body, body_len)
                ? mac_end(ctx, sig) : -EIO;
    EVP_MAC_CTX_free(ctx);
    return r;
}

/* ---- validator ---- */

struct pkg_validator {
    pkg_method method;
    char model[PKG_PRODUCT_MAX];
    char product_version[8];
    char installed[PKG_VERSION_MAX];
    int result;            /* 0 until the first failure */
    int finished;
    uint64_t fail_offset;
    uint64_t fed;          /* every byte fed, padding included */
    uint8_t hdr_raw[PKG_HEADER_LEN];
    pkg_header hdr;
    int hdr_decoded;       /* all PKG_HEADER_LEN bytes arrived after a good magic */
    int have_header;       /* header parsed and matched the expectations */
    z_stream zs;
    int zs_live;
    int stream_end;        /* inflate reached the end of the zlib stream */
    uint64_t out_len;
    uint32_t crc;
    EVP_MAC_CTX *mac;
    uint8_t scratch[INFLATE_CHUNK];
};

int pkg_validator_create(pkg_validator **out, const pkg_expect *e)
{
    const char *model = e->model ? e->model : "";
    const char *pv = e->product_version ? e->product_version : "";
    const char *installed = e->installed ? e->installed : "";
    pkg_validator *v = calloc(1, sizeof(*v));
    if (!v)
        return -ENOMEM;
    /* A string that does not fit could match a package only by truncation. */
    if (strlen(model) >= sizeof(v->model) || strlen(pv) >= sizeof(v->product_version) ||
        strlen(installed) >= sizeof(v->installed)) {
        free(v);
        return -EINVAL;
    }
    v->method = e->method;
    strcpy(v->model, model);
    strcpy(v->product_version, pv);
    strcpy(v->installed, installed);
    v->crc = (uint32_t)crc32(0L, Z_NULL, 0);
    *out = v;
    return 0;
}

void pkg_validator_destroy(pkg_validator *v)
{
    if (!v)
        return;
    if (v->zs_live)
        inflateEnd(&v->zs);
    EVP_MAC_CTX_free(v->mac);
    free(v);
}

static int fail(pkg_validator *v, int code, uint64_t offset)
{
    if (!v->result) {
        v->result = code;
        v->fail_offset = offset;
    }
    return v->result;
}

/* The header against the module: method, product, installed version. */
static int expect_check(const pkg_validator *v, const pkg_header *h)
{
    if (h->kind != pkg_method_kind(v->method))
        return PKG_E_FORMAT;
    if (!pkg_product_matches(h->product, v->model, v->product_version))
        return PKG_E_PREVALIDATION;
    if (h->kind == PKG_KIND_DELTA && strcmp(h->from, v->installed) != 0)
        return PKG_E_NO_MATCH;
    return 0;
}

/* The whole header has arrived: check it and get ready for the body. */
static int header_complete(pkg_validator *v)
{
    int r = pkg_header_parse(v->hdr_raw, PKG_HEADER_LEN, &v->hdr);
    v->hdr_decoded = 1;
    if (!r)
        r = expect_check(v, &v->hdr);
    if (r)
        return fail(v, r, PKG_HEADER_LEN);
    if (inflateInit(&v->zs) != Z_OK)
        return fail(v, PKG_E_RAM, PKG_HEADER_LEN);
    v->zs_live = 1;
    v->mac = mac_start(PKG_SIM_KEY, strlen(PKG_SIM_KEY));
    if (!v->mac || !EVP_MAC_update(v->mac, v->hdr_raw, OFF_SIGNATURE))
        return fail(v, PKG_E_GENERIC, PKG_HEADER_LEN);
    v->have_header = 1;
    return 0;
}

static size_t feed_header(pkg_validator *v, const uint8_t *p, size_t n)
{
    size_t take = PKG_HEADER_LEN - (size_t)v->fed;
    if (take > n)
        take = n;
    memcpy(v->hdr_raw + v->fed, p, take);
    for (size_t i = (size_t)v->fed; i < v->fed + take && i < PKG_MAGIC_LEN; i++)
        if (v->hdr_raw[i] != (uint8_t)PKG_MAGIC[i]) {
            fail(v, PKG_E_FORMAT, i);
            break;
        }
    v->fed += take;
    if (!v->result && v->fed == PKG_HEADER_LEN)
        header_complete(v);
    return take;
}

static int inflate_error(int zret)
{
    return zret == Z_MEM_ERROR ? PKG_E_RAM : zret == Z_STREAM_ERROR ? PKG_E_GENERIC : PKG_E_CORRUPTED;
}

/* Body bytes (inside the declared length): sign, inflate, count, CRC.  The
 * output is never kept; inflating stops as soon as it exceeds the declared
 * payload length, so a zip bomb costs at most PKG_MAX_PAYLOAD of work. */
static void feed_body(pkg_validator *v, const uint8_t *p, size_t n)
{
    if (!EVP_MAC_update(v->mac, p, n)) {
        fail(v, PKG_E_GENERIC, v->fed);
        return;
    }
    if (v->stream_end) { /* bytes after the zlib stream, inside the package */
        fail(v, PKG_E_CORRUPTED, v->fed);
        return;
    }
    v->zs.next_in = (Bytef *)(uintptr_t)p;
    v->zs.avail_in = (uInt)n;
    do {
        v->zs.next_out = v->scratch;
        v->zs.avail_out = sizeof(v->scratch);
        int zr = inflate(&v->zs, Z_NO_FLUSH);
        size_t got = sizeof(v->scratch) - v->zs.avail_out;
        uint64_t at = v->fed + (n - v->zs.avail_in);
        v->out_len += got;
        if (v->out_len > v->hdr.payload_len) {
            fail(v, PKG_E_CORRUPTED, at);
            return;
        }
        v->crc = (uint32_t)crc32(v->crc, v->scratch, (uInt)got);
        if (zr == Z_STREAM_END) {
            v->stream_end = 1;
            if (v->zs.avail_in)
                fail(v, PKG_E_CORRUPTED, at);
            return;
        }
        if (zr == Z_BUF_ERROR)
            return; /* needs more input */
        if (zr != Z_OK) {
            fail(v, inflate_error(zr), at);
            return;
        }
    } while (v->zs.avail_out == 0 || v->zs.avail_in > 0);
}

int pkg_validator_feed(pkg_validator *v, const uint8_t *p, size_t n)
{
    while (n && !v->result && !v->finished) {
        if (v->fed < PKG_HEADER_LEN) {
            size_t used = feed_header(v, p, n);
            p += used;
            n -= used;
            continue;
        }
        if (v->fed >= v->hdr.total_len)
            break; /* padding */
        uint64_t left = v->hdr.total_len - v->fed;
        size_t take = n < left ? n : (size_t)left;
        feed_body(v, p, take);
        v->fed += take;
        p += take;
        n -= take;
    }
    v->fed += n;
    return v->result;
}

static int finish_checks(pkg_validator *v)
{
    if (v->fed < PKG_HEADER_LEN)
        return fail(v, pkg_header_parse(v->hdr_raw, (size_t)v->fed, &v->hdr), v->fed);
    if (v->fed < v->hdr.total_len)
        return fail(v, PKG_E_SIZE, v->fed);
    if (!v->stream_end || v->out_len != v->hdr.payload_len || v->crc != v->hdr.payload_crc)
        return fail(v, PKG_E_CORRUPTED, v->hdr.total_len);
    uint8_t sig[PKG_SIGNATURE_LEN];
    if (mac_end(v->mac, sig))
        return fail(v, PKG_E_GENERIC, v->hdr.total_len);
    if (CRYPTO_memcmp(sig, v->hdr.signature, PKG_SIGNATURE_LEN) != 0)
        return fail(v, PKG_E_SIGNATURE, v->hdr.total_len);
    return 0;
}

int pkg_validator_finish(pkg_validator *v)
{
    if (!v->finished && !v->result)
        finish_checks(v);
    v->finished = 1;
    return v->result;
}

const pkg_header *pkg_validator_header(const pkg_validator *v)
{
    return v->hdr_decoded ? &v->hdr : NULL;
}

uint64_t pkg_validator_fail_offset(const pkg_validator *v)
{
    return v->fail_offset;
}

int pkg_reseal(uint8_t *pkg, size_t n)
{
    if (n < PKG_HEADER_LEN)
        return -EINVAL;
    uint64_t total = get_le(pkg + OFF_TOTAL_LEN, 8);
    size_t end = total < n ? (size_t)total : n;
    size_t body = end > PKG_HEADER_LEN ? end - PKG_HEADER_LEN : 0;
    int r = pkg_sign(pkg, pkg + PKG_HEADER_LEN, body, PKG_SIM_KEY, strlen(PKG_SIM_KEY),
                     pkg + OFF_SIGNATURE);
    if (r)
        return r;
    put_le(pkg + OFF_HEADER_CRC, header_crc(pkg), 4);
    return 0;
}

int pkg_validate(const uint8_t *p, size_t n, const pkg_expect *e, pkg_header *hdr)
{
    pkg_validator *v;
    int r = pkg_validator_create(&v, e);
    if (r)
        return r == -ENOMEM ? PKG_E_RAM : PKG_E_GENERIC;
    pkg_validator_feed(v, p, n);
    r = pkg_validator_finish(v);
    const pkg_header *h = pkg_validator_header(v);
    if (hdr && h)
        *hdr = *h;
    pkg_validator_destroy(v);
    return r;
}

/* ---- progress steps ---- */

uint64_t pkg_rand_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void steps_push(pkg_steps *s, unsigned pct)
{
    if (s->n < PKG_STEPS_MAX)
        s->pct[s->n++] = (uint8_t)pct;
}

void pkg_validation_steps(const pkg_header *h, pkg_steps *out)
{
    uint64_t rng = (h ? h->header_crc : 0) ^ 0x56414c4944415445ull; /* "VALIDATE" */
    out->n = 0;
    unsigned v = 0;
    steps_push(out, v);
    while (v < 90) {
        v += 2 + (unsigned)(pkg_rand_next(&rng) % 6);
        steps_push(out, v);
    }
    if (pkg_rand_next(&rng) & 1)
        steps_push(out, 100);
}

void pkg_install_steps(const pkg_header *h, pkg_steps *out)
{
    uint64_t rng = (h ? h->header_crc : 0) ^ 0x494e5354414c4c00ull; /* "INSTALL" */
    out->n = 0;
    unsigned v = 1;
    steps_push(out, v);
    for (;;) {
        v += 1 + (unsigned)(pkg_rand_next(&rng) % 8);
        if (v >= 100)
            break;
        steps_push(out, v);
    }
    steps_push(out, 100);
}

/* ---- durations ---- */

#define NS_PER_S 1000000000ull

void pkg_timing_default(pkg_timing *t)
{
    /* Validation: reading the file and checking CRC and signature, 1 MB/s. */
    t->validate_base_ns = 1 * NS_PER_S;
    t->validate_ns_per_mb = 1 * NS_PER_S;
    /* Full image, validation + installation: 9.1 s + 18.2 s per MB, i.e.
     * 91 s for the typical 4.5 MB image: the app note's 140 s at 921600
     * bit/s minus the 49 s Xmodem-1k download (§4.1.2). */
    t->full_base_ns = 9100000000ull;
    t->full_ns_per_mb = 18200000000ull;
    /* Delta, validation + installation: 1440 s for rewriting and verifying
     * the changed flash sections plus 60 s per 450 kB of delta, i.e. 25 min
     * for the typical 450 kB (§6.1.2). */
    t->delta_base_ns = 1440 * NS_PER_S;
    t->delta_ns_per_450kb = 60 * NS_PER_S;
    /* 00B update agent, not optimised (§2): +509 s, so the typical full
     * image takes ~10 minutes. */
    t->slow_agent_extra_ns = 509 * NS_PER_S;
}

/* size * per / unit without overflow for any package size. */
static uint64_t scale_by(uint64_t size, uint64_t per, uint64_t unit)
{
    return size / unit * per + size % unit * per / unit;
}

static const pkg_timing *timing_or_default(const pkg_timing *t, pkg_timing *buf)
{
    if (t)
        return t;
    pkg_timing_default(buf);
    return buf;
}

uint64_t pkg_validation_ns(const pkg_header *h, const pkg_timing *t)
{
    pkg_timing def;
    t = timing_or_default(t, &def);
    /* the boot loader validates at the same speed on all products */
    if (!h)
        return t->validate_base_ns;
    return t->validate_base_ns + scale_by(h->total_len, t->validate_ns_per_mb, 1000000);
}

uint64_t pkg_install_ns(const pkg_header *h, const char *product_version, const pkg_timing *t)
{
    pkg_timing def;
    t = timing_or_default(t, &def);
    if (!h)
        return 0;
    uint64_t size = h->total_len > PKG_MAX_TOTAL ? PKG_MAX_TOTAL : h->total_len;
    uint64_t both = h->kind == PKG_KIND_DELTA ? t->delta_base_ns + scale_by(size, t->delta_ns_per_450kb, 450000)
                                              : t->full_base_ns + scale_by(size, t->full_ns_per_mb, 1000000);
    uint64_t val = pkg_validation_ns(h, t);
    uint64_t ns = both > val ? both - val : 0;
    if (product_version && strncmp(product_version, "00", 2) == 0)
        ns += t->slow_agent_extra_ns;
    return ns;
}

uint64_t pkg_step_due_ns(uint64_t phase_ns, unsigned pct)
{
    if (pct > 100)
        pct = 100;
    return phase_ns / 100 * pct + phase_ns % 100 * pct / 100;
}
