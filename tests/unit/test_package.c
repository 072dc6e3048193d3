/* test_package.c - the firmware package format, its incremental validator,
 * progress steps and durations (docs/packages.md; app note §2, §4.1, §4.1.2,
 * §6.1.2, Tables 7 and 13; fact sheet §5.3 result codes). */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "protocol/package.h"

#define MODEL "SARA-R510M8S"
#define PRODUCT "SARA-R510M8S-01B"
#define INSTALLED "03.15,A00.01"
#define TARGET "03.16,A00.01"
#define MB45 4500000u /* the app note's typical 4.5 MB image */

static const pkg_expect FOAT = { PKG_METHOD_FOAT, MODEL, "01B", INSTALLED };
static const pkg_expect FWINSTALL = { PKG_METHOD_FWINSTALL, MODEL, "01B", INSTALLED };

static pkg_spec full_spec(void)
{
    pkg_spec s = { .kind = PKG_KIND_FULL, .product = PRODUCT, .to = TARGET, .seed = 42 };
    return s;
}

/* pkg_build must refuse s (with a one-byte payload) as -EINVAL. */
static void build_is_refused(pkg_spec s)
{
    s.payload_size = 1;
    bytebuf b;
    bytebuf_init(&b);
    ck_assert_int_eq(pkg_build(&s, &b), -EINVAL);
    bytebuf_free(&b);
}

static pkg_spec delta_spec(void)
{
    pkg_spec s = full_spec();
    s.kind = PKG_KIND_DELTA;
    s.from = INSTALLED;
    return s;
}

static void build(const pkg_spec *s, bytebuf *b)
{
    bytebuf_init(b);
    ck_assert_int_eq(pkg_build(s, b), 0);
}

/* Decode the header, let `edit` change it, write it back and sign again:
 * a package that is well signed but says something else. */
static void edit_header(bytebuf *b, void (*edit)(pkg_header *))
{
    pkg_header h;
    pkg_header_parse(b->data, b->len, &h);
    edit(&h);
    pkg_header_encode(&h, b->data);
    ck_assert_int_eq(pkg_reseal(b->data, b->len), 0);
}

/* Feed in chunks whose sizes cycle through `sizes`. */
static int feed_chunked(const uint8_t *p, size_t n, const pkg_expect *e, const size_t *sizes,
                        size_t nsizes, uint64_t *fail_offset)
{
    pkg_validator *v;
    ck_assert_int_eq(pkg_validator_create(&v, e), 0);
    for (size_t off = 0, i = 0; off < n; i++) {
        size_t take = sizes[i % nsizes];
        if (take > n - off)
            take = n - off;
        pkg_validator_feed(v, p + off, take);
        off += take;
    }
    int r = pkg_validator_finish(v);
    if (fail_offset)
        *fail_offset = pkg_validator_fail_offset(v);
    pkg_validator_destroy(v);
    return r;
}

static int validate(const bytebuf *b, const pkg_expect *e)
{
    return pkg_validate(b->data, b->len, e, NULL);
}

/* ---- round trips ---- */

START_TEST(valid_full_images_of_several_payload_sizes)
{
    static const uint64_t sizes[] = { 0, 1, 128, 1000, 4096 + 3, 300000, MB45 };
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        pkg_spec s = full_spec();
        s.payload_size = sizes[i];
        bytebuf b;
        build(&s, &b);
        pkg_header h;
        ck_assert_int_eq(pkg_validate(b.data, b.len, &FOAT, &h), 0);
        ck_assert_uint_eq(h.payload_len, sizes[i]);
        ck_assert_uint_eq(h.total_len, b.len);
        ck_assert_str_eq(h.product, PRODUCT);
        ck_assert_str_eq(h.from, "");
        ck_assert_str_eq(h.to, TARGET);
        ck_assert_int_eq(h.kind, PKG_KIND_FULL);
        bytebuf_free(&b);
    }
}
END_TEST

START_TEST(package_size_is_exact)
{
    static const uint64_t sizes[] = {
        PKG_MIN_PACKAGE_SIZE, PKG_MIN_PACKAGE_SIZE + 1, 288, 1000, 49161, 49200, 65700,
        450000, 450001, MB45, MB45 + 1,
    };
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        pkg_spec s = i % 2 ? delta_spec() : full_spec();
        s.package_size = sizes[i];
        bytebuf b;
        build(&s, &b);
        ck_assert_uint_eq(b.len, sizes[i]);
        ck_assert_int_eq(validate(&b, i % 2 ? &FWINSTALL : &FOAT), 0);
        bytebuf_free(&b);
    }
}
END_TEST

START_TEST(package_size_out_of_range_is_refused)
{
    pkg_spec s = full_spec();
    bytebuf b;
    bytebuf_init(&b);
    s.package_size = PKG_MIN_PACKAGE_SIZE - 1;
    ck_assert_int_eq(pkg_build(&s, &b), -ERANGE);
    s.package_size = PKG_MAX_TOTAL + 1;
    ck_assert_int_eq(pkg_build(&s, &b), -ERANGE);
    ck_assert_uint_eq(b.len, 0);
    bytebuf_free(&b);
}
END_TEST

START_TEST(explicit_payload_round_trip)
{
    uint8_t payload[777];
    for (size_t i = 0; i < sizeof(payload); i++)
        payload[i] = (uint8_t)(i * 7);
    pkg_spec s = delta_spec();
    s.payload = payload;
    s.payload_len = sizeof(payload);
    bytebuf b;
    build(&s, &b);
    pkg_header h;
    ck_assert_int_eq(pkg_validate(b.data, b.len, &FWINSTALL, &h), 0);
    ck_assert_uint_eq(h.payload_crc, (uint32_t)crc32(0L, payload, sizeof(payload)));
    ck_assert_str_eq(h.from, INSTALLED);
    ck_assert_int_eq(h.kind, PKG_KIND_DELTA);
    bytebuf_free(&b);
}
END_TEST

START_TEST(same_spec_builds_identical_bytes)
{
    pkg_spec s = full_spec();
    s.package_size = 300001;
    bytebuf a, b;
    build(&s, &a);
    build(&s, &b);
    ck_assert_uint_eq(a.len, b.len);
    ck_assert(memcmp(a.data, b.data, a.len) == 0);
    s.seed = 43; /* another seed, other content */
    bytebuf c;
    build(&s, &c);
    ck_assert_uint_eq(c.len, a.len);
    ck_assert(memcmp(a.data, c.data, a.len) != 0);
    bytebuf_free(&a);
    bytebuf_free(&b);
    bytebuf_free(&c);
}
END_TEST

START_TEST(generated_payload_is_position_addressable)
{
    uint8_t whole[10000], part[3001];
    pkg_payload_fill(7, 0, whole, sizeof(whole));
    pkg_payload_fill(7, 4095, part, sizeof(part));
    ck_assert(memcmp(whole + 4095, part, sizeof(part)) == 0);
}
END_TEST

/* The byte layout docs/packages.md promises. */
START_TEST(header_layout_matches_the_documentation)
{
    pkg_spec s = delta_spec();
    s.payload_size = 10;
    bytebuf b;
    build(&s, &b);
    const uint8_t *p = b.data;
    ck_assert(memcmp(p, "\x89SPK\r\n\x1a\n", 8) == 0);
    ck_assert_int_eq(p[8] | p[9] << 8, 1);
    ck_assert_int_eq(p[10] | p[11] << 8, 160);
    ck_assert_int_eq(p[12], 2);
    ck_assert_int_eq(p[13], 1);
    ck_assert_str_eq((const char *)p + 16, PRODUCT);
    ck_assert_str_eq((const char *)p + 48, INSTALLED);
    ck_assert_str_eq((const char *)p + 72, TARGET);
    uint64_t total = 0, payload = 0;
    for (int i = 7; i >= 0; i--) {
        total = total << 8 | p[96 + i];
        payload = payload << 8 | p[104 + i];
    }
    ck_assert_uint_eq(total, b.len);
    ck_assert_uint_eq(payload, 10);
    uint32_t crc = (uint32_t)(p[156] | p[157] << 8 | p[158] << 16 | (uint32_t)p[159] << 24);
    ck_assert_uint_eq(crc, (uint32_t)crc32(0L, p, 156));
    uint8_t sig[32];
    ck_assert_int_eq(pkg_sign(p, p + 160, b.len - 160, PKG_SIM_KEY, strlen(PKG_SIM_KEY), sig), 0);
    ck_assert(memcmp(sig, p + 116, 32) == 0);
    ck_assert(p[160] == 0x78); /* a zlib stream starts right after the header */
    bytebuf_free(&b);
}
END_TEST

/* ---- incremental feeding ---- */

static void check_chunking_equals_one_shot(const bytebuf *b, const pkg_expect *e)
{
    uint64_t off1, off2;
    size_t whole = b->len;
    int one = feed_chunked(b->data, b->len, e, &whole, 1, &off1);
    static const size_t odd[] = { 1, 7, 127, 128, 1021, 1024, 3, 159, 161 };
    ck_assert_int_eq(feed_chunked(b->data, b->len, e, odd, 9, &off2), one);
    ck_assert_uint_eq(off2, off1);
    size_t rnd[64];
    uint64_t st = b->len;
    for (int i = 0; i < 64; i++)
        rnd[i] = 1 + (size_t)(pkg_rand_next(&st) % 5000);
    ck_assert_int_eq(feed_chunked(b->data, b->len, e, rnd, 64, &off2), one);
    ck_assert_uint_eq(off2, off1);
}

START_TEST(odd_chunks_give_the_one_shot_result)
{
    static const pkg_break breaks[] = {
        PKG_BREAK_NONE, PKG_BREAK_SIGNATURE, PKG_BREAK_PRODUCT, PKG_BREAK_FROM_VERSION,
        PKG_BREAK_TRUNCATE, PKG_BREAK_FLIP, PKG_BREAK_KIND,
    };
    for (size_t i = 0; i < sizeof(breaks) / sizeof(breaks[0]); i++) {
        pkg_spec s = delta_spec();
        s.package_size = 200000 + i;
        s.brk = breaks[i];
        bytebuf b;
        build(&s, &b);
        check_chunking_equals_one_shot(&b, &FWINSTALL);
        bytebuf_free(&b);
    }
}
END_TEST

START_TEST(feeding_after_a_failure_or_finish_changes_nothing)
{
    pkg_spec s = full_spec();
    s.payload_size = 5000;
    s.brk = PKG_BREAK_PRODUCT;
    bytebuf b;
    build(&s, &b);
    pkg_validator *v;
    ck_assert_int_eq(pkg_validator_create(&v, &FOAT), 0);
    ck_assert_int_eq(pkg_validator_feed(v, b.data, 159), 0);
    ck_assert_int_eq(pkg_validator_feed(v, b.data + 159, 1), PKG_E_PREVALIDATION);
    ck_assert_int_eq(pkg_validator_feed(v, b.data + 160, b.len - 160), PKG_E_PREVALIDATION);
    ck_assert_int_eq(pkg_validator_finish(v), PKG_E_PREVALIDATION);
    ck_assert_int_eq(pkg_validator_finish(v), PKG_E_PREVALIDATION);
    ck_assert_uint_eq(pkg_validator_fail_offset(v), 160);
    ck_assert_str_eq(pkg_validator_header(v)->product, "SARA-R510M8S-00B");
    pkg_validator_destroy(v);
    bytebuf_free(&b);
}
END_TEST

/* ---- padding (Xmodem pads the last block with 0x1A, some senders 0x00) ---- */

static void check_padding(size_t block, uint8_t pad)
{
    pkg_spec s = full_spec();
    s.package_size = 10000 + 5; /* not a multiple of 128 */
    bytebuf b;
    build(&s, &b);
    size_t padded = (b.len + block - 1) / block * block;
    while (b.len < padded)
        bytebuf_append_byte(&b, pad);
    ck_assert_int_eq(validate(&b, &FOAT), 0);
    check_chunking_equals_one_shot(&b, &FOAT);
    pkg_header h;
    ck_assert_int_eq(pkg_header_parse(b.data, PKG_HEADER_LEN, &h), 0);
    ck_assert_uint_eq(h.total_len, 10005); /* what a receiver cuts the padding at */
    bytebuf_free(&b);
}

START_TEST(xmodem_0x1a_padding_is_ignored) { check_padding(128, 0x1a); }
END_TEST

START_TEST(xmodem_1k_zero_padding_is_ignored) { check_padding(1024, 0x00); }
END_TEST

START_TEST(any_trailing_bytes_are_ignored)
{
    pkg_spec s = delta_spec();
    s.payload_size = 100;
    bytebuf b;
    build(&s, &b);
    for (int i = 0; i < 5000; i++)
        bytebuf_append_byte(&b, (uint8_t)i);
    ck_assert_int_eq(validate(&b, &FWINSTALL), 0);
    bytebuf_free(&b);
}
END_TEST

/* ---- failure codes, with the --break variants ---- */

static int built_result(pkg_spec s, pkg_break brk, const pkg_expect *e, uint64_t *fail_offset,
                        uint64_t *len)
{
    s.brk = brk;
    if (!s.package_size && !s.payload_size)
        s.package_size = 60000;
    bytebuf b;
    build(&s, &b);
    *len = b.len;
    int r = feed_chunked(b.data, b.len, e, (const size_t[]){ 1024 }, 1, fail_offset);
    bytebuf_free(&b);
    return r;
}

START_TEST(break_signature_is_173_at_the_end)
{
    uint64_t off, len;
    ck_assert_int_eq(built_result(full_spec(), PKG_BREAK_SIGNATURE, &FOAT, &off, &len),
                     PKG_E_SIGNATURE);
    ck_assert_uint_eq(off, len);
    ck_assert_int_eq(built_result(delta_spec(), PKG_BREAK_SIGNATURE, &FWINSTALL, &off, &len),
                     PKG_E_SIGNATURE);
}
END_TEST

START_TEST(break_product_is_247_after_the_header)
{
    uint64_t off, len;
    ck_assert_int_eq(built_result(full_spec(), PKG_BREAK_PRODUCT, &FOAT, &off, &len),
                     PKG_E_PREVALIDATION);
    ck_assert_uint_eq(off, PKG_HEADER_LEN);
    /* the 00B package is fine on a 00B module */
    pkg_expect e00 = FOAT;
    e00.product_version = "00B";
    ck_assert_int_eq(built_result(full_spec(), PKG_BREAK_PRODUCT, &e00, &off, &len), 0);
    /* another model, same product version */
    pkg_expect other = FOAT;
    other.model = "SARA-R510S";
    ck_assert_int_eq(built_result(full_spec(), PKG_BREAK_NONE, &other, &off, &len),
                     PKG_E_PREVALIDATION);
}
END_TEST

START_TEST(break_from_version_is_168)
{
    uint64_t off, len;
    ck_assert_int_eq(built_result(delta_spec(), PKG_BREAK_FROM_VERSION, &FWINSTALL, &off, &len),
                     PKG_E_NO_MATCH);
    ck_assert_uint_eq(off, PKG_HEADER_LEN);
    /* the same delta on a module that runs 03.14 */
    pkg_expect e = FWINSTALL;
    e.installed = "03.14,A00.01";
    ck_assert_int_eq(built_result(delta_spec(), PKG_BREAK_FROM_VERSION, &e, &off, &len), 0);
    /* a good delta on a module that runs another version */
    ck_assert_int_eq(built_result(delta_spec(), PKG_BREAK_NONE, &e, &off, &len), PKG_E_NO_MATCH);
    /* a full image has no source version to break */
    pkg_spec s = full_spec();
    s.brk = PKG_BREAK_FROM_VERSION;
    build_is_refused(s);
}
END_TEST

START_TEST(break_truncate_is_180)
{
    uint64_t off, len;
    pkg_spec s = full_spec();
    s.package_size = 60000;
    ck_assert_int_eq(built_result(s, PKG_BREAK_TRUNCATE, &FOAT, &off, &len), PKG_E_SIZE);
    ck_assert_uint_eq(len, 160 + (60000 - 160) * 3 / 4);
    ck_assert_uint_eq(off, len);
}
END_TEST

START_TEST(break_flip_is_148)
{
    uint64_t off, len;
    ck_assert_int_eq(built_result(full_spec(), PKG_BREAK_FLIP, &FOAT, &off, &len),
                     PKG_E_CORRUPTED);
    /* wherever the inverted byte lands (Huffman data, stored data), still 148 */
    for (uint64_t seed = 1; seed < 40; seed++) {
        pkg_spec s = delta_spec();
        s.seed = seed;
        s.payload_size = 3000 + seed * 997;
        ck_assert_int_eq(built_result(s, PKG_BREAK_FLIP, &FWINSTALL, &off, &len),
                         PKG_E_CORRUPTED);
    }
}
END_TEST

START_TEST(break_kind_is_158_for_the_method)
{
    uint64_t off, len;
    /* a delta sent by FOAT, a full image given to +UFWINSTALL */
    ck_assert_int_eq(built_result(full_spec(), PKG_BREAK_KIND, &FOAT, &off, &len), PKG_E_FORMAT);
    ck_assert_uint_eq(off, PKG_HEADER_LEN);
    ck_assert_int_eq(built_result(delta_spec(), PKG_BREAK_KIND, &FWINSTALL, &off, &len),
                     PKG_E_FORMAT);
    pkg_expect ufota = FWINSTALL;
    ufota.method = PKG_METHOD_UFOTA;
    ck_assert_int_eq(built_result(full_spec(), PKG_BREAK_NONE, &ufota, &off, &len), PKG_E_FORMAT);
    ck_assert_int_eq(built_result(delta_spec(), PKG_BREAK_NONE, &ufota, &off, &len), 0);
}
END_TEST

START_TEST(garbage_is_158)
{
    uint8_t junk[5000];
    uint64_t st = 99;
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (uint8_t)pkg_rand_next(&st);
    junk[0] = 'x';
    ck_assert_int_eq(pkg_validate(junk, sizeof(junk), &FOAT, NULL), PKG_E_FORMAT);
    /* a wrong byte late in the magic fails there, without the rest */
    memcpy(junk, "\x89SPK\r\n\x1aX", 8);
    pkg_validator *v;
    ck_assert_int_eq(pkg_validator_create(&v, &FOAT), 0);
    ck_assert_int_eq(pkg_validator_feed(v, junk, 7), 0);
    ck_assert_int_eq(pkg_validator_feed(v, junk + 7, 1), PKG_E_FORMAT);
    ck_assert_uint_eq(pkg_validator_fail_offset(v), 7);
    ck_assert_ptr_null(pkg_validator_header(v));
    pkg_validator_destroy(v);
    /* text-mode damage: CR LF turned into LF */
    ck_assert_int_eq(pkg_validate((const uint8_t *)"\x89SPK\n\x1a\n", 7, &FOAT, NULL),
                     PKG_E_FORMAT);
}
END_TEST

START_TEST(truncated_header_is_180)
{
    pkg_spec s = full_spec();
    s.payload_size = 10;
    bytebuf b;
    build(&s, &b);
    static const size_t cuts[] = { 0, 1, 5, 8, 100, 159 };
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
        ck_assert_int_eq(pkg_validate(b.data, cuts[i], &FOAT, NULL), PKG_E_SIZE);
    ck_assert_int_eq(pkg_validate(b.data, 160, &FOAT, NULL), PKG_E_SIZE); /* header only */
    ck_assert_int_eq(pkg_header_parse(b.data, 159, &(pkg_header){ 0 }), PKG_E_SIZE);
    bytebuf_free(&b);
}
END_TEST

/* Header edits that keep the package well signed. */
static void format_2(pkg_header *h) { h->format = 2; }
static void header_len_128(pkg_header *h) { h->header_len = 128; }
static void kind_3(pkg_header *h) { h->kind = 3; }
static void scheme_2(pkg_header *h) { h->sig_scheme = 2; }
static void empty_product(pkg_header *h) { h->product[0] = 0; }
static void spaced_product(pkg_header *h) { h->product[4] = ' '; }
static void full_with_from(pkg_header *h) { strcpy(h->from, "03.15,A00.01"); }
static void bad_to(pkg_header *h) { strcpy(h->to, "3.16,A00.01"); }
static void bad_to_suffix(pkg_header *h) { strcpy(h->to, "03.16,A00.01x"); }
static void short_total(pkg_header *h) { h->total_len = PKG_HEADER_LEN + 7; }
static void huge_total(pkg_header *h) { h->total_len = UINT64_MAX / 2; }
static void total_over_limit(pkg_header *h) { h->total_len = PKG_MAX_TOTAL + 1; }
static void huge_payload(pkg_header *h) { h->payload_len = 1ull << 40; }
static void payload_len_plus_1(pkg_header *h) { h->payload_len++; }
static void payload_len_minus_1(pkg_header *h) { h->payload_len--; }
static void payload_crc_off(pkg_header *h) { h->payload_crc ^= 1; }
static void zip_bomb(pkg_header *h) { h->payload_len = 1000; }

static int edited_full(void (*edit)(pkg_header *), uint64_t payload_size)
{
    pkg_spec s = full_spec();
    s.payload_size = payload_size;
    bytebuf b;
    build(&s, &b);
    edit_header(&b, edit);
    int r = validate(&b, &FOAT);
    bytebuf_free(&b);
    return r;
}

START_TEST(header_field_errors_map_to_documented_codes)
{
    ck_assert_int_eq(edited_full(format_2, 100), PKG_E_VERSION);
    ck_assert_int_eq(edited_full(header_len_128, 100), PKG_E_FORMAT);
    ck_assert_int_eq(edited_full(kind_3, 100), PKG_E_FORMAT);
    ck_assert_int_eq(edited_full(scheme_2, 100), PKG_E_PUBLIC_KEY);
    ck_assert_int_eq(edited_full(empty_product, 100), PKG_E_FORMAT);
    ck_assert_int_eq(edited_full(spaced_product, 100), PKG_E_FORMAT);
    ck_assert_int_eq(edited_full(full_with_from, 100), PKG_E_FORMAT);
    ck_assert_int_eq(edited_full(bad_to, 100), PKG_E_VERSION);
    ck_assert_int_eq(edited_full(bad_to_suffix, 100), PKG_E_VERSION);
    ck_assert_int_eq(edited_full(short_total, 100), PKG_E_FORMAT);
}
END_TEST

START_TEST(huge_declared_sizes_are_180_without_allocating)
{
    ck_assert_int_eq(edited_full(huge_total, 100), PKG_E_SIZE);
    ck_assert_int_eq(edited_full(total_over_limit, 100), PKG_E_SIZE);
    ck_assert_int_eq(edited_full(huge_payload, 100), PKG_E_SIZE);
}
END_TEST

START_TEST(payload_length_and_crc_errors_are_148)
{
    ck_assert_int_eq(edited_full(payload_len_plus_1, 5000), PKG_E_CORRUPTED);
    ck_assert_int_eq(edited_full(payload_len_minus_1, 5000), PKG_E_CORRUPTED);
    ck_assert_int_eq(edited_full(payload_crc_off, 5000), PKG_E_CORRUPTED);
}
END_TEST

START_TEST(zip_bomb_stops_at_the_declared_length)
{
    size_t n = 16u << 20; /* 16 MiB of zeros inflate from ~16 kB */
    uint8_t *zeros = calloc(1, n);
    pkg_spec s = full_spec();
    s.payload = zeros;
    s.payload_len = n;
    bytebuf b;
    build(&s, &b);
    free(zeros);
    ck_assert_uint_lt(b.len, 100000);
    edit_header(&b, zip_bomb);
    uint64_t off;
    size_t chunk = 512;
    ck_assert_int_eq(feed_chunked(b.data, b.len, &FOAT, &chunk, 1, &off), PKG_E_CORRUPTED);
    ck_assert_uint_lt(off, 1024); /* found in the first compressed bytes */
    bytebuf_free(&b);
}
END_TEST

START_TEST(zlib_stream_not_filling_the_declared_length_is_148)
{
    pkg_spec s = full_spec();
    s.payload_size = 5000;
    bytebuf b;
    build(&s, &b);
    /* bytes after the zlib stream but inside the declared length */
    bytebuf c;
    bytebuf_init(&c);
    bytebuf_append(&c, b.data, b.len);
    bytebuf_append(&c, "tail", 4);
    pkg_header h;
    pkg_header_parse(c.data, c.len, &h);
    h.total_len += 4;
    pkg_header_encode(&h, c.data);
    ck_assert_int_eq(pkg_reseal(c.data, c.len), 0);
    ck_assert_int_eq(validate(&c, &FOAT), PKG_E_CORRUPTED);
    /* a zlib stream cut short, with the declared length cut to match */
    h.total_len = b.len - 6;
    pkg_header_encode(&h, b.data);
    b.len -= 6;
    ck_assert_int_eq(pkg_reseal(b.data, b.len), 0);
    ck_assert_int_eq(validate(&b, &FOAT), PKG_E_CORRUPTED);
    bytebuf_free(&b);
    bytebuf_free(&c);
}
END_TEST

START_TEST(header_crc_mismatch_is_148)
{
    pkg_spec s = full_spec();
    s.payload_size = 100;
    bytebuf b;
    build(&s, &b);
    b.data[20] ^= 0x01; /* a product byte, not re-sealed */
    uint64_t off;
    size_t whole = b.len;
    ck_assert_int_eq(feed_chunked(b.data, b.len, &FOAT, &whole, 1, &off), PKG_E_CORRUPTED);
    ck_assert_uint_eq(off, PKG_HEADER_LEN);
    bytebuf_free(&b);
}
END_TEST

START_TEST(signature_bytes_changed_is_173)
{
    pkg_spec s = full_spec();
    s.payload_size = 100;
    bytebuf b;
    build(&s, &b);
    pkg_header h;
    pkg_header_parse(b.data, b.len, &h);
    h.signature[31] ^= 0x80;
    pkg_header_encode(&h, b.data); /* header CRC recomputed, signature not */
    ck_assert_int_eq(validate(&b, &FOAT), PKG_E_SIGNATURE);
    bytebuf_free(&b);
}
END_TEST

START_TEST(reserved_bytes_must_be_zero)
{
    static const size_t offs[] = { 14, 15, 148, 155 };
    for (size_t i = 0; i < 4; i++) {
        pkg_spec s = full_spec();
        s.payload_size = 100;
        bytebuf b;
        build(&s, &b);
        b.data[offs[i]] = 1;
        ck_assert_int_eq(pkg_reseal(b.data, b.len), 0);
        ck_assert_int_eq(validate(&b, &FOAT), PKG_E_FORMAT);
        bytebuf_free(&b);
    }
}
END_TEST

START_TEST(expectations_longer_than_the_fields_are_refused)
{
    pkg_validator *v;
    pkg_expect e = FOAT;
    e.product_version = "01B-and-more";
    ck_assert_int_eq(pkg_validator_create(&v, &e), -EINVAL);
    e = FOAT;
    e.installed = "03.15,A00.01-and-much-more";
    ck_assert_int_eq(pkg_validator_create(&v, &e), -EINVAL);
    ck_assert_int_eq(pkg_validate((const uint8_t *)"x", 1, &e, NULL), PKG_E_GENERIC);
}
END_TEST

START_TEST(result_texts)
{
    ck_assert_str_eq(pkg_result_text(0), "valid");
    ck_assert_str_eq(pkg_result_text(148), "file corrupted");
    ck_assert_str_eq(pkg_result_text(158), "file format not recognised");
    ck_assert_str_eq(pkg_result_text(168), "file does not match flash firmware");
    ck_assert_str_eq(pkg_result_text(173), "signature mismatch");
    ck_assert_str_eq(pkg_result_text(174), "file version not supported");
    ck_assert_str_eq(pkg_result_text(180), "file size mismatch");
    ck_assert_str_eq(pkg_result_text(227), "public key error");
    ck_assert_str_eq(pkg_result_text(247), "file pre-validation failure");
}
END_TEST

/* ---- syntax helpers ---- */

START_TEST(version_syntax)
{
    ck_assert(pkg_version_valid("03.15,A00.01"));
    ck_assert(pkg_version_valid("02.06,A00.01"));
    ck_assert(pkg_version_valid("03.15_ENG0001,A00.01"));
    ck_assert(!pkg_version_valid("03.15"));
    ck_assert(!pkg_version_valid("3.15,A00.01"));
    ck_assert(!pkg_version_valid("03.15,B00.01"));
    ck_assert(!pkg_version_valid("03.15_,A00.01"));
    ck_assert(!pkg_version_valid("03.15_ENG00000001,A00.01"));
    ck_assert(!pkg_version_valid("03.15,A00.01 "));
    ck_assert(!pkg_version_valid(""));
    ck_assert(!pkg_version_valid(NULL));
}
END_TEST

START_TEST(product_matching_is_model_dash_product_version)
{
    ck_assert(pkg_product_matches("SARA-R510M8S-01B", "SARA-R510M8S", "01B"));
    ck_assert(!pkg_product_matches("SARA-R510M8S-01B", "SARA-R510M8S", "00B"));
    ck_assert(!pkg_product_matches("SARA-R510M8S-01B", "SARA-R510S", "01B"));
    ck_assert(!pkg_product_matches("SARA-R510M8S-01B-00", "SARA-R510M8S", "01B"));
    ck_assert(!pkg_product_matches("SARA-R510M8S01B", "SARA-R510M8S", "01B"));
    ck_assert(!pkg_product_matches("sara-r510m8s-01b", "SARA-R510M8S", "01B"));
    ck_assert(!pkg_product_matches("-01B", "", "01B"));
}
END_TEST

/* Only "<model>-<NNX>" can match a module: the builder refuses the rest. */
START_TEST(builder_refuses_a_product_without_its_version)
{
    ck_assert(pkg_product_valid("SARA-R510M8S-01B"));
    ck_assert(pkg_product_valid("SARA-R500S-61B"));
    ck_assert(pkg_product_valid("SARA-R510S-00B"));
    ck_assert(!pkg_product_valid("SARA-R510M8S"));        /* a model alone */
    ck_assert(!pkg_product_valid("SARA-R510M8S-01B-00")); /* ATI's type number */
    ck_assert(!pkg_product_valid("SARA-R510M8S-01b"));
    ck_assert(!pkg_product_valid("SARA-R510M8S-1B"));
    ck_assert(!pkg_product_valid("-01B"));
    ck_assert(!pkg_product_valid(""));
    ck_assert(!pkg_product_valid(NULL));
    pkg_spec s = full_spec();
    s.product = "SARA-R510M8S";
    build_is_refused(s);
}
END_TEST

/* ---- progress steps (Table 7 / Table 13: uneven, +UFWPREVAL: 100 may be skipped) ---- */

static void check_validation_steps(const pkg_steps *s, int *with_100)
{
    ck_assert_uint_ge(s->n, 3);
    ck_assert_int_eq(s->pct[0], 0);
    unsigned last = s->pct[s->n - 1];
    *with_100 = last == 100;
    unsigned before = *with_100 ? s->pct[s->n - 2] : last;
    ck_assert_uint_ge(before, 90);
    ck_assert_uint_le(before, 96);
    int uneven = 0;
    for (unsigned i = 1; i < s->n; i++) {
        ck_assert_uint_gt(s->pct[i], s->pct[i - 1]);
        if (i >= 2 && s->pct[i] - s->pct[i - 1] != s->pct[1] - s->pct[0])
            uneven = 1;
    }
    ck_assert(uneven);
}

static void check_install_steps(const pkg_steps *s)
{
    ck_assert_int_eq(s->pct[0], 1);
    ck_assert_int_eq(s->pct[s->n - 1], 100);
    for (unsigned i = 1; i < s->n; i++) {
        ck_assert_uint_gt(s->pct[i], s->pct[i - 1]);
        ck_assert_uint_le(s->pct[i] - s->pct[i - 1], 8);
    }
}

START_TEST(step_lists_are_well_formed_for_many_packages)
{
    int seen_with = 0, seen_without = 0;
    for (uint32_t crc = 0; crc < 500; crc++) {
        pkg_header h = { .header_crc = crc * 2654435761u };
        pkg_steps v, i;
        pkg_validation_steps(&h, &v);
        pkg_install_steps(&h, &i);
        int with_100;
        check_validation_steps(&v, &with_100);
        check_install_steps(&i);
        seen_with += with_100;
        seen_without += !with_100;
    }
    ck_assert_int_gt(seen_with, 150); /* about half skip +UFWPREVAL: 100 */
    ck_assert_int_gt(seen_without, 150);
    pkg_steps none;
    int with_100;
    pkg_validation_steps(NULL, &none);
    check_validation_steps(&none, &with_100);
}
END_TEST

START_TEST(step_lists_are_deterministic_per_package)
{
    pkg_spec s = full_spec();
    s.payload_size = 1000;
    bytebuf a, b;
    build(&s, &a);
    build(&s, &b);
    pkg_header ha, hb;
    ck_assert_int_eq(pkg_header_parse(a.data, a.len, &ha), 0);
    ck_assert_int_eq(pkg_header_parse(b.data, b.len, &hb), 0);
    pkg_steps va, vb, ia, ib;
    pkg_validation_steps(&ha, &va);
    pkg_validation_steps(&hb, &vb);
    pkg_install_steps(&ha, &ia);
    pkg_install_steps(&hb, &ib);
    ck_assert_uint_eq(va.n, vb.n);
    ck_assert(memcmp(va.pct, vb.pct, va.n) == 0);
    ck_assert_uint_eq(ia.n, ib.n);
    ck_assert(memcmp(ia.pct, ib.pct, ia.n) == 0);
    /* another package, other steps */
    ha.header_crc ^= 1;
    pkg_install_steps(&ha, &ib);
    ck_assert(ia.n != ib.n || memcmp(ia.pct, ib.pct, ia.n) != 0);
    bytebuf_free(&a);
    bytebuf_free(&b);
}
END_TEST

/* ---- durations (docs/packages.md "Timing model") ---- */

#define S(x) ((uint64_t)(x) * 1000000000ull)
#define MS(x) ((uint64_t)(x) * 1000000ull)

START_TEST(foat_typical_image_durations)
{
    /* §4.1.2: 140 s at 921600 bit/s = 49 s Xmodem-1k download + 91 s */
    pkg_header h = { .kind = PKG_KIND_FULL, .total_len = MB45 };
    ck_assert_uint_eq(pkg_validation_ns(&h, NULL), MS(5500));
    ck_assert_uint_eq(pkg_install_ns(&h, "01B", NULL), MS(85500));
    /* §2: the 00B agent is slower, ~10 minutes */
    ck_assert_uint_eq(pkg_validation_ns(&h, NULL) + pkg_install_ns(&h, "00B", NULL), S(600));
    ck_assert_uint_eq(pkg_install_ns(&h, "61B", NULL), pkg_install_ns(&h, "01B", NULL));
}
END_TEST

START_TEST(fwinstall_typical_delta_durations)
{
    /* §6.1.2: a 450 kB delta installs in about 25 minutes */
    pkg_header h = { .kind = PKG_KIND_DELTA, .total_len = 450000 };
    ck_assert_uint_eq(pkg_validation_ns(&h, NULL), MS(1450));
    ck_assert_uint_eq(pkg_install_ns(&h, "01B", NULL), MS(1498550));
    ck_assert_uint_eq(pkg_validation_ns(&h, NULL) + pkg_install_ns(&h, "01B", NULL), S(25 * 60));
    ck_assert_uint_eq(pkg_install_ns(&h, "00B", NULL), MS(1498550) + S(509));
}
END_TEST

START_TEST(durations_grow_with_size_and_use_the_file_size)
{
    pkg_spec s = delta_spec();
    s.package_size = 450000;
    bytebuf b;
    build(&s, &b);
    pkg_header h;
    ck_assert_int_eq(pkg_header_parse(b.data, b.len, &h), 0);
    ck_assert_uint_eq(pkg_validation_ns(&h, NULL) + pkg_install_ns(&h, "01B", NULL), S(1500));
    pkg_header small = { .kind = PKG_KIND_DELTA, .total_len = 200000 };
    pkg_header big = { .kind = PKG_KIND_DELTA, .total_len = 6000000 };
    ck_assert_uint_lt(pkg_install_ns(&small, "01B", NULL), pkg_install_ns(&h, "01B", NULL));
    ck_assert_uint_gt(pkg_install_ns(&big, "01B", NULL), pkg_install_ns(&h, "01B", NULL));
    /* Table 1's largest delta: 1440 s + 60 s per 450 kB */
    ck_assert_uint_eq(pkg_validation_ns(&big, NULL) + pkg_install_ns(&big, "01B", NULL), S(2240));
    pkg_header fsmall = { .kind = PKG_KIND_FULL, .total_len = 1000000 };
    ck_assert_uint_eq(pkg_validation_ns(&fsmall, NULL), MS(2000));
    ck_assert_uint_eq(pkg_install_ns(&fsmall, "01B", NULL), MS(9100 + 18200 - 2000));
    ck_assert_uint_eq(pkg_validation_ns(NULL, NULL), S(1));
    ck_assert_uint_eq(pkg_install_ns(NULL, "01B", NULL), 0);
    bytebuf_free(&b);
}
END_TEST

START_TEST(step_due_times_split_the_phase)
{
    ck_assert_uint_eq(pkg_step_due_ns(S(100), 0), 0);
    ck_assert_uint_eq(pkg_step_due_ns(S(100), 37), S(37));
    ck_assert_uint_eq(pkg_step_due_ns(S(100), 100), S(100));
    ck_assert_uint_eq(pkg_step_due_ns(199, 50), 99);
    ck_assert_uint_eq(pkg_step_due_ns(UINT64_MAX, 100), UINT64_MAX);
}
END_TEST

static Suite *package_suite(void)
{
    Suite *s = suite_create("package");
    TCase *rt = tcase_create("round trip");
    tcase_set_timeout(rt, 60);
    tcase_add_test(rt, valid_full_images_of_several_payload_sizes);
    tcase_add_test(rt, package_size_is_exact);
    tcase_add_test(rt, package_size_out_of_range_is_refused);
    tcase_add_test(rt, explicit_payload_round_trip);
    tcase_add_test(rt, same_spec_builds_identical_bytes);
    tcase_add_test(rt, generated_payload_is_position_addressable);
    tcase_add_test(rt, header_layout_matches_the_documentation);
    suite_add_tcase(s, rt);
    TCase *inc = tcase_create("incremental");
    tcase_set_timeout(inc, 60);
    tcase_add_test(inc, odd_chunks_give_the_one_shot_result);
    tcase_add_test(inc, feeding_after_a_failure_or_finish_changes_nothing);
    tcase_add_test(inc, xmodem_0x1a_padding_is_ignored);
    tcase_add_test(inc, xmodem_1k_zero_padding_is_ignored);
    tcase_add_test(inc, any_trailing_bytes_are_ignored);
    suite_add_tcase(s, inc);
    TCase *err = tcase_create("result codes");
    tcase_set_timeout(err, 60);
    tcase_add_test(err, break_signature_is_173_at_the_end);
    tcase_add_test(err, break_product_is_247_after_the_header);
    tcase_add_test(err, break_from_version_is_168);
    tcase_add_test(err, break_truncate_is_180);
    tcase_add_test(err, break_flip_is_148);
    tcase_add_test(err, break_kind_is_158_for_the_method);
    tcase_add_test(err, garbage_is_158);
    tcase_add_test(err, truncated_header_is_180);
    tcase_add_test(err, header_field_errors_map_to_documented_codes);
    tcase_add_test(err, huge_declared_sizes_are_180_without_allocating);
    tcase_add_test(err, payload_length_and_crc_errors_are_148);
    tcase_add_test(err, zip_bomb_stops_at_the_declared_length);
    tcase_add_test(err, zlib_stream_not_filling_the_declared_length_is_148);
    tcase_add_test(err, header_crc_mismatch_is_148);
    tcase_add_test(err, signature_bytes_changed_is_173);
    tcase_add_test(err, reserved_bytes_must_be_zero);
    tcase_add_test(err, expectations_longer_than_the_fields_are_refused);
    tcase_add_test(err, result_texts);
    tcase_add_test(err, version_syntax);
    tcase_add_test(err, product_matching_is_model_dash_product_version);
    tcase_add_test(err, builder_refuses_a_product_without_its_version);
    suite_add_tcase(s, err);
    TCase *st = tcase_create("steps and durations");
    tcase_add_test(st, step_lists_are_well_formed_for_many_packages);
    tcase_add_test(st, step_lists_are_deterministic_per_package);
    tcase_add_test(st, foat_typical_image_durations);
    tcase_add_test(st, fwinstall_typical_delta_durations);
    tcase_add_test(st, durations_grow_with_size_and_use_the_file_size);
    tcase_add_test(st, step_due_times_split_the_phase);
    suite_add_tcase(s, st);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(package_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
