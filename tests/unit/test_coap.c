/* test_coap.c - the CoAP codec (RFC 7252 §3), the message layer for one peer
 * (§4, §5.3; RFC 7641 on the client side) and the block-wise helpers
 * (RFC 7959), against hand-checked bytes on a virtual clock.  Test names
 * quote the RFC section whose rule they check ("r7252_4_2_..."). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/coap.h"
#include "protocol/coap_block.h"
#include "protocol/coap_ep.h"

#define S(x) COAP_S(x)
#define MS(x) COAP_MS(x)
#define T0 S(100) /* exchanges do not start at 0, so that a missing t0 shows */

/* ---- helpers ---- */

static size_t unhex(const char *hex, uint8_t *out)
{
    size_t n = 0;
    for (; hex[0] && hex[1]; hex += 2) {
        while (*hex == ' ')
            hex++;
        unsigned v;
        sscanf(hex, "%2x", &v);
        out[n++] = (uint8_t)v;
    }
    return n;
}

static void assert_bytes(const bytebuf *b, const uint8_t *want, size_t n)
{
    ck_assert_uint_eq(b->len, n);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(b->data[i] == want[i], "byte %zu: %02x, want %02x", i, b->data[i], want[i]);
}

/* A message built into buf; returns its length. */
static size_t build(const coap_msg *m, uint8_t *buf)
{
    bytebuf b;
    bytebuf_init(&b);
    ck_assert_int_eq(coap_build(m, &b), 0);
    memcpy(buf, b.data, b.len);
    size_t n = b.len;
    bytebuf_free(&b);
    return n;
}

/* parse(d) succeeds and build(parse(d)) == d. */
static void assert_roundtrip(const uint8_t *d, size_t n, coap_msg *m)
{
    ck_assert_int_eq(coap_parse(m, d, n), COAP_OK);
    bytebuf b;
    bytebuf_init(&b);
    ck_assert_int_eq(coap_build(m, &b), 0);
    assert_bytes(&b, d, n);
    bytebuf_free(&b);
}

/* ---- codec: hand-checked messages ---- */

/* RFC 7252 Appendix A.1-style: CON GET /temperature, mid 0x7d34, no token;
 * the piggybacked answer 2.05 "22.3 C". */
START_TEST(r7252_a_get_and_piggybacked_content_bytes)
{
    coap_msg m;
    coap_msg_init(&m, COAP_CON, COAP_GET);
    m.mid = 0x7d34;
    ck_assert_int_eq(coap_msg_add_split(&m, COAP_OPT_URI_PATH, "/temperature", 12), 0);
    uint8_t want[64];
    size_t n = unhex("40017d34 bb74656d7065726174757265", want);
    bytebuf b;
    bytebuf_init(&b);
    ck_assert_int_eq(coap_build(&m, &b), 0);
    assert_bytes(&b, want, n);

    coap_msg r;
    coap_msg_init(&r, COAP_ACK, COAP_CONTENT);
    r.mid = 0x7d34;
    coap_msg_set_payload(&r, "22.3 C", 6);
    bytebuf_clear(&b);
    ck_assert_int_eq(coap_build(&r, &b), 0);
    n = unhex("60457d34 ff32322e332043", want);
    assert_bytes(&b, want, n);
    bytebuf_free(&b);

    /* And with a token (A.2): 0x41 0x01 ... 0x20 */
    coap_msg_set_token(&m, "\x20", 1);
    n = build(&m, want);
    ck_assert_uint_eq(want[0], 0x41);
    ck_assert_uint_eq(want[4], 0x20);
    ck_assert_uint_eq(want[5], 0xbb);
    ck_assert_uint_eq(n, 4 + 1 + 1 + 11);
}
END_TEST

/* An LwM2M 1.0 Register (facts §2.1), options given out of order: bytes
 * checked by hand (and against libcoap's coap-client, which sends the same
 * options after its Uri-Port). */
START_TEST(r7252_3_lwm2m_register_bytes)
{
    const char *payload = "</1/10>,</3/0>";
    const char *query = "ep=sarasim&lt=86400&lwm2m=1.0&b=UQ";
    coap_msg m;
    coap_msg_init(&m, COAP_CON, COAP_POST);
    m.mid = 0x1234;
    coap_msg_set_token(&m, "\x01\x02\x03\x04", 4);
    ck_assert_int_eq(coap_msg_add_split(&m, COAP_OPT_URI_QUERY, query, strlen(query)), 0);
    ck_assert_int_eq(coap_msg_add_uint(&m, COAP_OPT_CONTENT_FORMAT, COAP_CF_LINK_FORMAT), 0);
    ck_assert_int_eq(coap_msg_add_split(&m, COAP_OPT_URI_PATH, "/rd", 3), 0);
    coap_msg_set_payload(&m, payload, strlen(payload));
    uint8_t want[128];
    size_t n = unhex("44021234 01020304"
                     "b27264"                         /* Uri-Path (11) "rd" */
                     "1128"                           /* Content-Format (12) 40 */
                     "3a65703d7361726173696d"         /* Uri-Query (15) "ep=sarasim" */
                     "086c743d3836343030"             /* "lt=86400" */
                     "096c776d326d3d312e30"           /* "lwm2m=1.0" */
                     "04623d5551"                     /* "b=UQ" */
                     "ff3c2f312f31303e2c3c2f332f303e", /* payload */
                     want);
    bytebuf b;
    bytebuf_init(&b);
    ck_assert_int_eq(coap_build(&m, &b), 0);
    assert_bytes(&b, want, n);

    coap_msg p;
    assert_roundtrip(b.data, b.len, &p);
    ck_assert_uint_eq(p.type, COAP_CON);
    ck_assert_uint_eq(p.code, COAP_POST);
    ck_assert_uint_eq(p.mid, 0x1234);
    ck_assert_uint_eq(p.tkl, 4);
    ck_assert_uint_eq(p.nopt, 6);
    bytebuf s;
    bytebuf_init(&s);
    ck_assert_int_eq(coap_msg_join(&p, COAP_OPT_URI_PATH, &s), 0);
    ck_assert_str_eq((char *)s.data, "/rd");
    bytebuf_clear(&s);
    ck_assert_int_eq(coap_msg_join(&p, COAP_OPT_URI_QUERY, &s), 0);
    ck_assert_str_eq((char *)s.data, query);
    uint32_t cf;
    ck_assert_int_eq(coap_msg_content_format(&p, &cf), 0);
    ck_assert_uint_eq(cf, 40);
    ck_assert_uint_eq(p.payload_len, strlen(payload));
    ck_assert_int_eq(memcmp(p.payload, payload, p.payload_len), 0);
    bytebuf_clear(&s);
    ck_assert_int_eq(coap_msg_describe(&p, &s), 0);
    ck_assert_str_eq((char *)s.data,
                     "CON POST mid=0x1234 tok=01020304 /rd?ep=sarasim&lt=86400&lwm2m=1.0&b=UQ cf=40 len=14");
    bytebuf_free(&s);
    bytebuf_free(&b);
}
END_TEST

/* ---- codec: every option form ---- */

/* One option of `len` bytes after a first option, so that its delta is
 * `delta`: the header bytes are the nibbles and extensions of §3.1. */
static void check_option_form(unsigned first, unsigned delta, size_t len, const char *hdr_hex)
{
    static uint8_t val[COAP_OPT_LEN_MAX];
    for (size_t i = 0; i < len; i++)
        val[i] = (uint8_t)(i * 7 + 3);
    coap_msg m;
    coap_msg_init(&m, COAP_NON, COAP_CONTENT);
    if (first)
        ck_assert_int_eq(coap_msg_add_opt(&m, first, NULL, 0), 0);
    ck_assert_int_eq(coap_msg_add_opt(&m, first + delta, val, len), 0);
    bytebuf b;
    bytebuf_init(&b);
    ck_assert_int_eq(coap_build(&m, &b), 0);
    uint8_t hdr[8];
    size_t hn = unhex(hdr_hex, hdr);
    size_t at = 4 + (first ? 1 : 0);
    ck_assert_uint_eq(b.len, at + hn + len);
    for (size_t i = 0; i < hn; i++)
        ck_assert_msg(b.data[at + i] == hdr[i], "delta %u len %zu: header byte %zu %02x want %02x",
                      delta, len, i, b.data[at + i], hdr[i]);
    coap_msg p;
    assert_roundtrip(b.data, b.len, &p);
    const coap_option *o = &p.opt[p.nopt - 1];
    ck_assert_uint_eq(o->num, first + delta);
    ck_assert_uint_eq(o->len, len);
    ck_assert_int_eq(memcmp(coap_opt_val(o), val, len), 0);
    bytebuf_free(&b);
}

START_TEST(r7252_3_1_option_lengths_0_12_13_268_269_max)
{
    check_option_form(0, 4, 0, "40");
    check_option_form(0, 4, 12, "4c");
    check_option_form(0, 4, 13, "4d00");
    check_option_form(0, 4, 268, "4dff");
    check_option_form(0, 4, 269, "4e0000");
    check_option_form(0, 4, 270, "4e0001");
    check_option_form(0, 4, COAP_OPT_LEN_MAX, "4effff");
}
END_TEST

START_TEST(r7252_3_1_option_deltas_0_12_13_268_269_max)
{
    check_option_form(4, 0, 1, "01");
    check_option_form(0, 12, 1, "c1");
    check_option_form(0, 13, 1, "d100");
    check_option_form(0, 268, 1, "d1ff");
    check_option_form(0, 269, 1, "e10000");
    check_option_form(0, 65535, 1, "e1fef2"); /* 65535 - 269 = 0xfef2 */
    check_option_form(1, 65534, 2, "e2fef1");
    check_option_form(0, 300, 300, "ee001f001f"); /* both extended */
}
END_TEST

START_TEST(r7252_3_1_options_sorted_stably_and_repeated_get_delta_0)
{
    coap_msg m;
    coap_msg_init(&m, COAP_CON, COAP_GET);
    coap_msg_add_opt(&m, COAP_OPT_URI_QUERY, "b", 1);
    coap_msg_add_opt(&m, COAP_OPT_URI_PATH, "x", 1);
    coap_msg_add_opt(&m, COAP_OPT_URI_QUERY, "a", 1);
    coap_msg_add_opt(&m, COAP_OPT_URI_PATH, "y", 1);
    coap_msg_add_uint(&m, COAP_OPT_OBSERVE, 0);
    uint8_t d[64], want[64];
    size_t n = build(&m, d);
    size_t wn = unhex("40010000 60 5178 0179 4162 0161", want);
    ck_assert_uint_eq(n, wn);
    ck_assert_int_eq(memcmp(d, want, n), 0);
    coap_msg p;
    ck_assert_int_eq(coap_parse(&p, d, n), 0);
    bytebuf s;
    bytebuf_init(&s);
    coap_msg_join(&p, COAP_OPT_URI_PATH, &s);
    ck_assert_str_eq((char *)s.data, "/x/y");
    bytebuf_clear(&s);
    coap_msg_join(&p, COAP_OPT_URI_QUERY, &s);
    ck_assert_str_eq((char *)s.data, "b&a");
    bytebuf_free(&s);
    uint32_t obs = 99;
    ck_assert_int_eq(coap_msg_observe(&p, &obs), 0);
    ck_assert_uint_eq(obs, 0);
}
END_TEST

/* ---- codec: every rejection ---- */

static int parse_hex(const char *hex, coap_msg *m)
{
    uint8_t d[64];
    size_t n = unhex(hex, d);
    return coap_parse(m, d, n);
}

START_TEST(r7252_3_every_malformed_input_is_rejected_with_its_code)
{
    coap_msg m;
    uint8_t none = 0;
    ck_assert_int_eq(coap_parse(&m, &none, 0), COAP_E_SHORT);
    ck_assert_int_eq(parse_hex("400100", &m), COAP_E_SHORT);
    ck_assert_int_eq(parse_hex("00010001", &m), COAP_E_VERSION);
    ck_assert_int_eq(parse_hex("80010001", &m), COAP_E_VERSION);
    ck_assert_int_eq(parse_hex("c0010001", &m), COAP_E_VERSION);
    ck_assert_int_eq(parse_hex("49010001 0102030405060708 09", &m), COAP_E_TKL);
    ck_assert_int_eq(parse_hex("4f010001", &m), COAP_E_TKL);
    ck_assert_int_eq(parse_hex("44010001 010203", &m), COAP_E_TOKEN_TRUNCATED);
    ck_assert_int_eq(parse_hex("40010001 f1 00", &m), COAP_E_OPT_RESERVED);  /* delta 15 */
    ck_assert_int_eq(parse_hex("40010001 1f 00", &m), COAP_E_OPT_RESERVED);  /* length 15 */
    ck_assert_int_eq(parse_hex("40010001 d1", &m), COAP_E_OPT_TRUNCATED);    /* 13: no ext byte */
    ck_assert_int_eq(parse_hex("40010001 e100", &m), COAP_E_OPT_TRUNCATED);  /* 14: one of two */
    ck_assert_int_eq(parse_hex("40010001 1d", &m), COAP_E_OPT_TRUNCATED);    /* length ext missing */
    ck_assert_int_eq(parse_hex("40010001 b3 7264", &m), COAP_E_OPT_TRUNCATED); /* value short */
    ck_assert_int_eq(parse_hex("40010001 4e ffff 00", &m), COAP_E_OPT_TRUNCATED);
    /* delta 65535 + 269: number past 65535; and 65535 then 1 more */
    ck_assert_int_eq(parse_hex("40010001 e0ffff", &m), COAP_E_OPT_NUMBER);
    ck_assert_int_eq(parse_hex("40010001 e0fef2 10", &m), COAP_E_OPT_NUMBER);
    ck_assert_int_eq(parse_hex("40010001 ff", &m), COAP_E_MARKER_NO_PAYLOAD);
    ck_assert_int_eq(parse_hex("40010001 b0 ff", &m), COAP_E_MARKER_NO_PAYLOAD);
    ck_assert_int_eq(parse_hex("41000001 aa", &m), COAP_E_EMPTY_NOT_EMPTY);  /* token */
    ck_assert_int_eq(parse_hex("60000001 b0", &m), COAP_E_EMPTY_NOT_EMPTY);  /* option */
    ck_assert_int_eq(parse_hex("70000001 ff00", &m), COAP_E_EMPTY_NOT_EMPTY); /* payload */
    ck_assert_int_eq(parse_hex("50000001", &m), COAP_E_EMPTY_NON);
    ck_assert_int_eq(parse_hex("70450001", &m), COAP_E_RST_NOT_EMPTY);
    ck_assert_int_eq(parse_hex("60010001", &m), COAP_E_ACK_REQUEST);
    /* too many options: COAP_MAX_OPTIONS + 1 empty Uri-Path */
    uint8_t d[4 + COAP_MAX_OPTIONS + 1] = {0x40, 0x01, 0, 1, 0xb0};
    memset(d + 5, 0x00, COAP_MAX_OPTIONS);
    ck_assert_int_eq(coap_parse(&m, d, sizeof(d)), COAP_E_TOO_MANY_OPTIONS);
    ck_assert_int_eq(coap_parse(&m, d, sizeof(d) - 1), COAP_OK);
    ck_assert_uint_eq(m.nopt, COAP_MAX_OPTIONS);
    /* the header is known even when the rest is bad (for the RST) */
    ck_assert_int_eq(parse_hex("4001abcd f1", &m), COAP_E_OPT_RESERVED);
    ck_assert_uint_eq(m.type, COAP_CON);
    ck_assert_uint_eq(m.mid, 0xabcd);
    /* the well-formed Empty messages */
    ck_assert_int_eq(parse_hex("40000001", &m), COAP_OK); /* ping */
    ck_assert_int_eq(parse_hex("60000001", &m), COAP_OK);
    ck_assert_int_eq(parse_hex("70000001", &m), COAP_OK);
    ck_assert_str_eq(coap_err_name(COAP_E_OPT_RESERVED), "option-reserved-nibble");
}
END_TEST

START_TEST(r7252_3_build_refuses_what_cannot_be_encoded)
{
    coap_msg m;
    coap_msg_init(&m, COAP_CON, COAP_GET);
    bytebuf b;
    bytebuf_init(&b);
    bytebuf_append_str(&b, "keep");
    m.tkl = 9;
    ck_assert_int_eq(coap_build(&m, &b), -EINVAL);
    m.tkl = 0;
    m.type = 4;
    ck_assert_int_eq(coap_build(&m, &b), -EINVAL);
    ck_assert_uint_eq(b.len, 4); /* untouched */
    ck_assert_int_eq(coap_msg_set_token(&m, "123456789", 9), -EINVAL);
    static uint8_t big[COAP_OPT_LEN_MAX + 1];
    ck_assert_int_eq(coap_msg_add_opt(&m, 11, big, sizeof(big)), -EINVAL);
    ck_assert_int_eq(coap_msg_add_opt(&m, 65536, NULL, 0), -EINVAL);
    coap_msg_init(&m, COAP_CON, COAP_GET);
    for (int i = 0; i < COAP_MAX_OPTIONS; i++)
        ck_assert_int_eq(coap_msg_add_opt(&m, 11, "a", 1), 0);
    ck_assert_int_eq(coap_msg_add_opt(&m, 11, "a", 1), -E2BIG);
    bytebuf_free(&b);
}
END_TEST

/* ---- codec: helpers ---- */

START_TEST(r7252_3_2_uint_values_are_minimal)
{
    uint8_t b[4];
    ck_assert_uint_eq(coap_uint_encode(0, b), 0);
    ck_assert_uint_eq(coap_uint_encode(1, b), 1);
    ck_assert_uint_eq(coap_uint_encode(255, b), 1);
    ck_assert_uint_eq(coap_uint_encode(256, b), 2);
    ck_assert_uint_eq(b[0], 1);
    ck_assert_uint_eq(b[1], 0);
    ck_assert_uint_eq(coap_uint_encode(0xFFFFFF, b), 3);
    ck_assert_uint_eq(coap_uint_encode(0x01000000, b), 4);
    ck_assert_uint_eq(coap_uint_encode(86400, b), 3);
    ck_assert_uint_eq(b[0], 0x01);
    ck_assert_uint_eq(b[1], 0x51);
    ck_assert_uint_eq(b[2], 0x80);
    uint32_t v;
    ck_assert_int_eq(coap_uint_decode((const uint8_t *)"\x00\x00\x01", 3, &v), 0);
    ck_assert_uint_eq(v, 1); /* leading zeros are tolerated on input */
    ck_assert_int_eq(coap_uint_decode((const uint8_t *)"\x01\x02\x03\x04\x05", 5, &v), -EINVAL);

    coap_msg m;
    coap_msg_init(&m, COAP_CON, COAP_GET);
    coap_msg_add_uint(&m, COAP_OPT_CONTENT_FORMAT, COAP_CF_LWM2M_TLV);
    coap_msg_add_uint(&m, COAP_OPT_ACCEPT, COAP_CF_LWM2M_JSON);
    coap_msg_add_opt(&m, COAP_OPT_OBSERVE, "\x01\x02\x03\x04", 4);
    uint32_t cf, acc, obs, age;
    ck_assert_int_eq(coap_msg_content_format(&m, &cf), 0);
    ck_assert_uint_eq(cf, 11542);
    ck_assert_int_eq(coap_msg_accept(&m, &acc), 0);
    ck_assert_uint_eq(acc, 11543);
    ck_assert_int_eq(coap_msg_observe(&m, &obs), -EINVAL); /* 3 bytes at most */
    ck_assert_int_eq(coap_msg_max_age(&m, &age), 0);
    ck_assert_uint_eq(age, 60); /* §5.10.5 default */
    ck_assert_int_eq(coap_msg_set_uint(&m, COAP_OPT_MAX_AGE, 0), 0);
    ck_assert_int_eq(coap_msg_max_age(&m, &age), 0);
    ck_assert_uint_eq(age, 0);
    ck_assert_int_eq(coap_msg_get_uint(&m, COAP_OPT_SIZE1, 4, &v), -ENOENT);
    ck_assert_uint_eq(coap_msg_remove(&m, COAP_OPT_OBSERVE), 1);
    ck_assert_int_eq(coap_msg_observe(&m, &obs), -ENOENT);
    ck_assert(coap_opt_is_critical(COAP_OPT_URI_PATH));
    ck_assert(!coap_opt_is_critical(COAP_OPT_CONTENT_FORMAT));
}
END_TEST

START_TEST(r7252_6_4_segments_join_and_split)
{
    coap_msg m;
    coap_msg_init(&m, COAP_CON, COAP_GET);
    bytebuf s;
    bytebuf_init(&s);
    ck_assert_int_eq(coap_msg_join(&m, COAP_OPT_URI_PATH, &s), 0);
    ck_assert_str_eq((char *)s.data, "/");
    bytebuf_clear(&s);
    ck_assert_int_eq(coap_msg_join(&m, COAP_OPT_URI_QUERY, &s), 0);
    ck_assert_uint_eq(s.len, 0);
    ck_assert_int_eq(coap_msg_add_split(&m, COAP_OPT_URI_PATH, "/", 1), 0);
    ck_assert_int_eq(coap_msg_add_split(&m, COAP_OPT_URI_PATH, "", 0), 0);
    ck_assert_uint_eq(m.nopt, 0);
    ck_assert_int_eq(coap_msg_add_split(&m, COAP_OPT_URI_PATH, "/5/0/3/", 7), 0);
    ck_assert_uint_eq(coap_msg_count(&m, COAP_OPT_URI_PATH), 4); /* "5" "0" "3" "" */
    ck_assert_int_eq(coap_msg_join(&m, COAP_OPT_URI_PATH, &s), 0);
    ck_assert_str_eq((char *)s.data, "/5/0/3/");
    /* any byte inside a segment, NUL included */
    coap_msg_init(&m, COAP_ACK, COAP_CREATED);
    ck_assert_int_eq(coap_msg_add_opt(&m, COAP_OPT_LOCATION_PATH, "rd", 2), 0);
    ck_assert_int_eq(coap_msg_add_opt(&m, COAP_OPT_LOCATION_PATH, "a\0/b", 4), 0);
    uint8_t d[64];
    size_t n = build(&m, d);
    coap_msg p;
    ck_assert_int_eq(coap_parse(&p, d, n), 0);
    const coap_option *o = coap_msg_find(&p, COAP_OPT_LOCATION_PATH);
    ck_assert_uint_eq(o->len, 2);
    o = coap_msg_find_next(&p, COAP_OPT_LOCATION_PATH, o);
    ck_assert_uint_eq(o->len, 4);
    ck_assert_int_eq(memcmp(coap_opt_val(o), "a\0/b", 4), 0);
    ck_assert_ptr_null(coap_msg_find_next(&p, COAP_OPT_LOCATION_PATH, o));
    bytebuf_clear(&s);
    coap_msg_join(&p, COAP_OPT_LOCATION_PATH, &s);
    ck_assert_uint_eq(s.len, 8);
    ck_assert_int_eq(memcmp(s.data, "/rd/a\0/b", 8), 0);
    /* 255 bytes per Uri-Path segment at most; nothing is added on error */
    char longseg[300];
    memset(longseg, 'x', sizeof(longseg));
    coap_msg_init(&m, COAP_CON, COAP_GET);
    ck_assert_int_eq(coap_msg_add_split(&m, COAP_OPT_URI_PATH, longseg, 255), 0);
    coap_msg_init(&m, COAP_CON, COAP_GET);
    longseg[0] = '/';
    longseg[2] = '/';
    ck_assert_int_eq(coap_msg_add_split(&m, COAP_OPT_URI_PATH, longseg, 300), -EINVAL);
    ck_assert_uint_eq(m.nopt, 0);
    /* queries: '&' separates, "" gives nothing, "a&&b" keeps the empty one */
    ck_assert_int_eq(coap_msg_add_split(&m, COAP_OPT_URI_QUERY, "", 0), 0);
    ck_assert_int_eq(coap_msg_add_split(&m, COAP_OPT_URI_QUERY, "a&&b", 4), 0);
    ck_assert_uint_eq(coap_msg_count(&m, COAP_OPT_URI_QUERY), 3);
    bytebuf_clear(&s);
    coap_msg_join(&m, COAP_OPT_URI_QUERY, &s);
    ck_assert_str_eq((char *)s.data, "a&&b");
    bytebuf_free(&s);
}
END_TEST

START_TEST(r7959_2_2_block_option_values)
{
    coap_block b = {.num = 0, .more = 0, .szx = 0};
    uint8_t v[3];
    size_t n;
    ck_assert_int_eq(coap_block_encode(&b, v, &n), 0);
    ck_assert_uint_eq(n, 0); /* 0/0/16 is the empty value */
    b = (coap_block){.num = 1, .more = 1, .szx = 6};
    ck_assert_int_eq(coap_block_encode(&b, v, &n), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(v[0], 0x1e);
    b = (coap_block){.num = 16, .more = 0, .szx = 5};
    ck_assert_int_eq(coap_block_encode(&b, v, &n), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(v[0], 0x01);
    ck_assert_uint_eq(v[1], 0x05);
    b = (coap_block){.num = COAP_BLOCK_NUM_MAX, .more = 1, .szx = 2};
    ck_assert_int_eq(coap_block_encode(&b, v, &n), 0);
    ck_assert_uint_eq(n, 3);
    coap_block d;
    ck_assert_int_eq(coap_block_decode(v, n, &d), 0);
    ck_assert_uint_eq(d.num, COAP_BLOCK_NUM_MAX);
    ck_assert_uint_eq(d.more, 1);
    ck_assert_uint_eq(d.szx, 2);
    b.num = COAP_BLOCK_NUM_MAX + 1;
    ck_assert_int_eq(coap_block_encode(&b, v, &n), -EINVAL);
    b = (coap_block){.num = 0, .more = 0, .szx = 7};
    ck_assert_int_eq(coap_block_encode(&b, v, &n), -EINVAL);
    ck_assert_int_eq(coap_block_decode((const uint8_t *)"\x0f", 1, &d), -EINVAL); /* SZX 7 */
    ck_assert_int_eq(coap_block_decode((const uint8_t *)"\x00\x00\x00\x16", 4, &d), -EINVAL);
    for (unsigned szx = 0; szx <= 6; szx++) {
        ck_assert_uint_eq(coap_szx_size(szx), 16u << szx);
        ck_assert_int_eq(coap_szx_of_size(16u << szx), (int)szx);
    }
    ck_assert_int_eq(coap_szx_of_size(2048), -EINVAL);
    ck_assert_int_eq(coap_szx_of_size(100), -EINVAL);
    ck_assert_int_eq(coap_szx_of_size(8), -EINVAL);

    coap_msg m;
    coap_msg_init(&m, COAP_CON, COAP_GET);
    b = (coap_block){.num = 3, .more = 1, .szx = 4};
    ck_assert_int_eq(coap_msg_set_block(&m, COAP_OPT_BLOCK2, &b), 0);
    b.num = 4;
    ck_assert_int_eq(coap_msg_set_block(&m, COAP_OPT_BLOCK2, &b), 0); /* replaces */
    ck_assert_uint_eq(coap_msg_count(&m, COAP_OPT_BLOCK2), 1);
    ck_assert_int_eq(coap_msg_get_block(&m, COAP_OPT_BLOCK2, &d), 0);
    ck_assert_uint_eq(d.num, 4);
    ck_assert_uint_eq(coap_block_offset(&d), 4 * 256);
    ck_assert_int_eq(coap_msg_get_block(&m, COAP_OPT_BLOCK1, &d), -ENOENT);
}
END_TEST

START_TEST(r7641_3_4_observe_freshness)
{
    ck_assert(coap_observe_fresher(5, S(10), 6, S(11)));
    ck_assert(!coap_observe_fresher(6, S(10), 5, S(11)));
    ck_assert(!coap_observe_fresher(6, S(10), 6, S(11)));
    ck_assert(coap_observe_fresher(0xFFFFFF, S(10), 2, S(11))); /* wraps */
    ck_assert(!coap_observe_fresher(2, S(10), 0xFFFFFF, S(11)));
    ck_assert(coap_observe_fresher(6, S(10), 5, S(10) + S(128) + 1)); /* 128 s later */
    ck_assert(!coap_observe_fresher(6, S(10), 5, S(10) + S(128)));
}
END_TEST

START_TEST(r7252_12_1_code_names_for_traces)
{
    char b[COAP_CODE_STRLEN];
    ck_assert_str_eq(coap_code_str(COAP_CONTENT, b), "2.05");
    ck_assert_str_eq(coap_code_str(COAP_CONTINUE, b), "2.31");
    ck_assert_str_eq(coap_code_str(COAP_REQUEST_ENTITY_TOO_LARGE, b), "4.13");
    ck_assert_str_eq(coap_code_str(COAP_GET, b), "0.01");
    ck_assert_str_eq(coap_code_str(0xff, b), "7.31");
    ck_assert_uint_eq(COAP_CREATED, 0x41);
    ck_assert_uint_eq(COAP_DELETED, 0x42);
    ck_assert_uint_eq(COAP_CHANGED, 0x44);
    ck_assert_uint_eq(COAP_CONTENT, 0x45);
    ck_assert_uint_eq(COAP_CONTINUE, 0x5f);
    ck_assert_uint_eq(COAP_BAD_REQUEST, 0x80);
    ck_assert_uint_eq(COAP_NOT_FOUND, 0x84);
    ck_assert_uint_eq(COAP_METHOD_NOT_ALLOWED, 0x85);
    ck_assert_uint_eq(COAP_REQUEST_ENTITY_INCOMPLETE, 0x88);
    ck_assert_uint_eq(COAP_REQUEST_ENTITY_TOO_LARGE, 0x8d);
    ck_assert_uint_eq(COAP_INTERNAL_SERVER_ERROR, 0xa0);
    ck_assert_str_eq(coap_code_name(COAP_NOT_FOUND), "Not Found");
    ck_assert_ptr_null(coap_code_name(COAP_CODE(2, 9)));
    ck_assert_str_eq(coap_type_name(COAP_RST), "RST");
    ck_assert_str_eq(coap_event_name(COAP_EV_RESET), "reset");
}
END_TEST

/* ---- message layer: a single endpoint driven by hand ---- */

typedef struct rig {
    coap_ep ep;
    coap_out out;
    uint64_t now;
} rig;

static void rig_init_cfg(rig *r, const coap_ep_config *cfg)
{
    ck_assert_int_eq(coap_ep_init(&r->ep, cfg), 0);
    coap_out_init(&r->out);
    r->now = T0;
}

static void rig_init(rig *r, uint64_t seed)
{
    coap_ep_config c;
    coap_ep_config_default(&c);
    c.seed = seed;
    rig_init_cfg(r, &c);
}

static void rig_free(rig *r)
{
    coap_ep_free(&r->ep);
    coap_out_free(&r->out);
}

/* Datagram i of the out, parsed. */
static void out_msg(const rig *r, size_t i, coap_msg *m)
{
    size_t n;
    const uint8_t *d = coap_out_datagram(&r->out, i, &n);
    ck_assert_ptr_nonnull(d);
    ck_assert_int_eq(coap_parse(m, d, n), COAP_OK);
}

static int feed_msg(rig *r, const coap_msg *m)
{
    static uint8_t d[2048];
    size_t n = build(m, d);
    return coap_ep_feed(&r->ep, r->now, d, n, &r->out);
}

static void assert_empty(const rig *r, size_t i, coap_type type, uint16_t mid)
{
    coap_msg m;
    out_msg(r, i, &m);
    ck_assert_uint_eq(m.type, type);
    ck_assert_uint_eq(m.code, COAP_EMPTY);
    ck_assert_uint_eq(m.mid, mid);
}

static coap_msg get_req(coap_type type, const char *path)
{
    coap_msg m;
    coap_msg_init(&m, type, COAP_GET);
    coap_msg_add_split(&m, COAP_OPT_URI_PATH, path, strlen(path));
    return m;
}

/* Send request m; returns the datagram it became, parsed (out cleared). */
static coap_msg request_sent(rig *r, const coap_msg *m, uint32_t *xid)
{
    ck_assert_int_eq(coap_ep_request(&r->ep, r->now, m, xid, &r->out), 0);
    coap_msg sent;
    out_msg(r, 0, &sent);
    coap_out_clear(&r->out);
    return sent;
}

static coap_msg empty_msg(coap_type type, uint16_t mid)
{
    coap_msg m;
    coap_msg_init(&m, type, COAP_EMPTY);
    m.mid = mid;
    return m;
}

/* Run to the next deadline; returns its time. */
static uint64_t run_next(rig *r)
{
    uint64_t t = coap_ep_next_deadline(&r->ep);
    ck_assert_uint_ne(t, COAP_NEVER);
    ck_assert_uint_gt(t, r->now);
    r->now = t;
    coap_ep_tick(&r->ep, t, &r->out);
    return t;
}

/* The whole life of an unanswered CON request: send times and TIMEOUT. */
static void con_schedule(uint64_t seed, uint64_t times[6], uint8_t first[64], size_t *first_len)
{
    rig r;
    rig_init(&r, seed);
    coap_msg m = get_req(COAP_CON, "/3/0");
    uint32_t xid;
    ck_assert_int_eq(coap_ep_request(&r.ep, r.now, &m, &xid, &r.out), 0);
    ck_assert_uint_eq(r.out.ndg, 1);
    const uint8_t *d = coap_out_datagram(&r.out, 0, first_len);
    memcpy(first, d, *first_len);
    times[0] = r.now;
    coap_out_clear(&r.out);
    for (int i = 1; i <= 4; i++) {
        times[i] = run_next(&r);
        ck_assert_uint_eq(r.out.ndg, 1); /* the same bytes again */
        size_t n;
        d = coap_out_datagram(&r.out, 0, &n);
        ck_assert_uint_eq(n, *first_len);
        ck_assert_int_eq(memcmp(d, first, n), 0);
        ck_assert_uint_eq(r.out.nev, 0);
        coap_out_clear(&r.out);
    }
    times[5] = run_next(&r);
    ck_assert_uint_eq(r.out.ndg, 0);
    ck_assert_uint_eq(r.out.nev, 1);
    ck_assert_int_eq(r.out.ev[0].kind, COAP_EV_TIMEOUT);
    ck_assert_uint_eq(r.out.ev[0].xid, xid);
    ck_assert_uint_eq(coap_ep_next_deadline(&r.ep), COAP_NEVER);
    ck_assert_uint_eq(coap_ep_open_exchanges(&r.ep), 0);
    ck_assert_uint_eq(r.ep.stats.retransmissions, 4);
    ck_assert_uint_eq(r.ep.stats.timeouts, 1);
    rig_free(&r);
}

START_TEST(r7252_4_2_retransmission_times_with_a_fixed_seed)
{
    uint64_t t[6];
    uint8_t d[64];
    size_t n;
    con_schedule(42, t, d, &n);
    uint64_t T = t[1] - t[0];
    ck_assert_uint_ge(T, S(2));
    ck_assert_uint_le(T, S(3));
    /* retransmissions at T, 3T, 7T, 15T; TIMEOUT at 31T */
    ck_assert_uint_eq(t[2] - t[0], 3 * T);
    ck_assert_uint_eq(t[3] - t[0], 7 * T);
    ck_assert_uint_eq(t[4] - t[0], 15 * T);
    ck_assert_uint_eq(t[5] - t[0], 31 * T);
    /* the exact draw of seed 42: a change to the PRNG shows here */
    ck_assert_uint_eq(T, 2323480115ull);
    /* and the same seed gives the same run, bytes included */
    uint64_t t2[6];
    uint8_t d2[64];
    size_t n2;
    con_schedule(42, t2, d2, &n2);
    ck_assert_int_eq(memcmp(t, t2, sizeof(t)), 0);
    ck_assert_uint_eq(n, n2);
    ck_assert_int_eq(memcmp(d, d2, n), 0);
}
END_TEST

START_TEST(r7252_4_2_seeds_differ_only_within_the_random_factor)
{
    uint64_t lo = UINT64_MAX, hi = 0;
    for (uint64_t seed = 1; seed <= 64; seed++) {
        uint64_t t[6];
        uint8_t d[64];
        size_t n;
        con_schedule(seed, t, d, &n);
        uint64_t T = t[1] - t[0];
        ck_assert_uint_ge(T, S(2));
        ck_assert_uint_le(T, S(3));
        ck_assert_uint_eq(t[5] - t[0], 31 * T);
        ck_assert_uint_le(t[5] - t[0], S(93)); /* MAX_TRANSMIT_WAIT */
        lo = T < lo ? T : lo;
        hi = T > hi ? T : hi;
    }
    ck_assert_uint_gt(hi - lo, MS(700)); /* the factor is used, not a constant */
}
END_TEST

START_TEST(r7252_4_8_config_changes_the_schedule)
{
    coap_ep_config c;
    coap_ep_config_default(&c);
    ck_assert_uint_eq(c.ack_timeout, S(2));
    ck_assert_uint_eq(c.ack_random_milli, 1500);
    ck_assert_uint_eq(c.max_retransmit, 4);
    ck_assert_uint_eq(c.nstart, 1);
    ck_assert_uint_eq(c.exchange_lifetime, S(247));
    ck_assert_uint_eq(c.non_lifetime, S(145));
    c.ack_timeout = S(1);
    c.ack_random_milli = 1000; /* no jitter */
    c.max_retransmit = 2;
    rig r;
    rig_init_cfg(&r, &c);
    coap_msg m = get_req(COAP_CON, "/x");
    ck_assert_int_eq(coap_ep_request(&r.ep, r.now, &m, NULL, &r.out), 0);
    ck_assert_uint_eq(run_next(&r), T0 + S(1));
    ck_assert_uint_eq(run_next(&r), T0 + S(3));
    ck_assert_uint_eq(run_next(&r), T0 + S(7));
    ck_assert_uint_eq(r.out.ndg, 3);
    ck_assert_int_eq(r.out.ev[0].kind, COAP_EV_TIMEOUT);
    rig_free(&r);
}
END_TEST

/* A tick long after several deadlines does what on-time ticks would. */
START_TEST(r7252_4_2_late_tick_catches_up_in_order)
{
    rig r;
    rig_init(&r, 7);
    coap_msg m = get_req(COAP_CON, "/x");
    ck_assert_int_eq(coap_ep_request(&r.ep, r.now, &m, NULL, &r.out), 0);
    uint64_t T = coap_ep_next_deadline(&r.ep) - T0;
    coap_ep_tick(&r.ep, T0 + 10 * T, &r.out); /* past T and 3T and 7T */
    ck_assert_uint_eq(r.out.ndg, 4);
    ck_assert_uint_eq(coap_ep_next_deadline(&r.ep), T0 + 15 * T);
    coap_ep_tick(&r.ep, T0 + 100 * T, &r.out);
    ck_assert_uint_eq(r.out.ndg, 5);
    ck_assert_uint_eq(r.out.nev, 1);
    ck_assert_int_eq(r.out.ev[0].kind, COAP_EV_TIMEOUT);
    rig_free(&r);
}
END_TEST

/* Request out, piggybacked response in: RESPONSE, retransmission stops. */
START_TEST(r7252_5_2_1_piggybacked_response)
{
    rig r;
    rig_init(&r, 1);
    coap_msg m = get_req(COAP_CON, "/3/0/0");
    uint32_t xid;
    ck_assert_int_eq(coap_ep_request(&r.ep, r.now, &m, &xid, &r.out), 0);
    coap_msg sent;
    out_msg(&r, 0, &sent);
    ck_assert_uint_eq(sent.tkl, 4); /* drawn */
    coap_out_clear(&r.out);
    r.now += S(1);
    coap_msg ack;
    coap_msg_init(&ack, COAP_ACK, COAP_CONTENT);
    ack.mid = sent.mid;
    coap_msg_set_token(&ack, sent.token, sent.tkl);
    coap_msg_set_payload(&ack, "u-blox", 6);
    ck_assert_int_eq(feed_msg(&r, &ack), 0);
    ck_assert_uint_eq(r.out.ndg, 0);
    ck_assert_uint_eq(r.out.nev, 1);
    coap_event *e = &r.out.ev[0];
    ck_assert_int_eq(e->kind, COAP_EV_RESPONSE);
    ck_assert_uint_eq(e->xid, xid);
    ck_assert_int_eq(e->separate, 0);
    ck_assert_uint_eq(e->msg.code, COAP_CONTENT);
    ck_assert_uint_eq(e->msg.payload_len, 6);
    ck_assert_uint_eq(coap_ep_next_deadline(&r.ep), COAP_NEVER);
    /* the same ACK again (duplicated by the network) matches nothing */
    coap_out_clear(&r.out);
    ck_assert_int_eq(feed_msg(&r, &ack), 0);
    ck_assert_uint_eq(r.out.nev + r.out.ndg, 0);
    ck_assert_uint_eq(r.ep.stats.unmatched, 1);
    rig_free(&r);
}
END_TEST

/* §5.3.2: a piggybacked response must match the token too. */
START_TEST(r7252_5_3_2_ack_with_wrong_token_is_ignored)
{
    rig r;
    rig_init(&r, 1);
    coap_msg m = get_req(COAP_CON, "/x");
    coap_msg_set_token(&m, "\x11\x22", 2);
    ck_assert_int_eq(coap_ep_request(&r.ep, r.now, &m, NULL, &r.out), 0);
    coap_msg sent;
    out_msg(&r, 0, &sent);
    ck_assert_uint_eq(sent.tkl, 2);
    ck_assert_uint_eq(sent.token[1], 0x22);
    coap_out_clear(&r.out);
    coap_msg ack;
    coap_msg_init(&ack, COAP_ACK, COAP_CONTENT);
    ack.mid = sent.mid;
    coap_msg_set_token(&ack, "\x11\x23", 2);
    ck_assert_int_eq(feed_msg(&r, &ack), 0);
    ck_assert_uint_eq(r.out.nev, 0);
    ck_assert_uint_ne(coap_ep_next_deadline(&r.ep), COAP_NEVER); /* still retransmitting */
    /* nor is an ACK with a reserved code class (fuzzing found it delivered) */
    coap_msg_set_token(&ack, "\x11\x22", 2);
    ack.code = COAP_CODE(7, 1);
    ck_assert_int_eq(feed_msg(&r, &ack), 0);
    ck_assert_uint_eq(r.out.nev, 0);
    ck_assert_uint_ne(coap_ep_next_deadline(&r.ep), COAP_NEVER);
    ck_assert_uint_eq(r.ep.stats.bad, 1);
    rig_free(&r);
}
END_TEST

/* §5.2.2: empty ACK, then the response in its own CON: we ACK it; a
 * duplicate of it gets the same ACK and no second event. */
START_TEST(r7252_5_2_2_separate_response_flow)
{
    rig r;
    rig_init(&r, 3);
    coap_msg m = get_req(COAP_CON, "/5/0/3");
    uint32_t xid;
    coap_msg sent = request_sent(&r, &m, &xid);
    coap_msg ack = empty_msg(COAP_ACK, sent.mid);
    r.now += MS(300);
    ck_assert_int_eq(feed_msg(&r, &ack), 0);
    ck_assert_uint_eq(r.out.nev, 1);
    ck_assert_int_eq(r.out.ev[0].kind, COAP_EV_ACKED);
    ck_assert_uint_eq(r.out.ev[0].xid, xid);
    /* no more retransmissions; waiting for the response up to response_timeout */
    ck_assert_uint_eq(coap_ep_next_deadline(&r.ep), r.now + S(247));
    coap_out_clear(&r.out);

    coap_msg resp;
    coap_msg_init(&resp, COAP_CON, COAP_CONTENT);
    resp.mid = 0x5151;
    coap_msg_set_token(&resp, sent.token, sent.tkl);
    coap_msg_set_payload(&resp, "1", 1);
    r.now += S(5);
    ck_assert_int_eq(feed_msg(&r, &resp), 0);
    ck_assert_uint_eq(r.out.ndg, 1);
    assert_empty(&r, 0, COAP_ACK, 0x5151);
    ck_assert_uint_eq(r.out.nev, 1);
    ck_assert_int_eq(r.out.ev[0].kind, COAP_EV_RESPONSE);
    ck_assert_uint_eq(r.out.ev[0].xid, xid);
    ck_assert_int_eq(r.out.ev[0].separate, 1);
    ck_assert_uint_eq(coap_ep_next_deadline(&r.ep), COAP_NEVER);
    coap_out_clear(&r.out);
    r.now += S(2);
    ck_assert_int_eq(feed_msg(&r, &resp), 0); /* our ACK was lost */
    ck_assert_uint_eq(r.out.ndg, 1);
    assert_empty(&r, 0, COAP_ACK, 0x5151);
    ck_assert_uint_eq(r.out.nev, 0);
    ck_assert_uint_eq(r.ep.stats.duplicates, 1);
    rig_free(&r);
}
END_TEST

/* The separate response overtakes the lost empty ACK: it acknowledges the
 * request too; and a NON separate response gets no ACK. */
START_TEST(r7252_5_2_2_separate_response_before_ack_and_as_non)
{
    rig r;
    rig_init(&r, 3);
    coap_msg m = get_req(COAP_CON, "/a");
    uint32_t x1, x2;
    coap_msg s1 = request_sent(&r, &m, &x1);
    coap_msg resp;
    coap_msg_init(&resp, COAP_CON, COAP_CHANGED);
    resp.mid = 7;
    coap_msg_set_token(&resp, s1.token, s1.tkl);
    ck_assert_int_eq(feed_msg(&r, &resp), 0);
    assert_empty(&r, 0, COAP_ACK, 7);
    ck_assert_int_eq(r.out.ev[0].kind, COAP_EV_RESPONSE);
    ck_assert_uint_eq(coap_ep_next_deadline(&r.ep), COAP_NEVER);
    coap_out_clear(&r.out);

    coap_msg s2 = request_sent(&r, &m, &x2);
    ck_assert_uint_ne(s2.mid, s1.mid);
    coap_msg_init(&resp, COAP_NON, COAP_CONTENT);
    resp.mid = 8;
    coap_msg_set_token(&resp, s2.token, s2.tkl);
    ck_assert_int_eq(feed_msg(&r, &resp), 0);
    ck_assert_uint_eq(r.out.ndg, 0);
    ck_assert_uint_eq(r.out.nev, 1);
    ck_assert_uint_eq(r.out.ev[0].xid, x2);
    rig_free(&r);
}
END_TEST

/* §5.3.2, §4.2, §4.3: a response to nothing of ours. */
START_TEST(r7252_5_3_2_response_to_unknown_token_is_reset_if_con)
{
    rig r;
    rig_init(&r, 1);
    coap_msg resp;
    coap_msg_init(&resp, COAP_CON, COAP_CONTENT);
    resp.mid = 0x0a0b;
    coap_msg_set_token(&resp, "zz", 2);
    ck_assert_int_eq(feed_msg(&r, &resp), 0);
    ck_assert_uint_eq(r.out.ndg, 1);
    assert_empty(&r, 0, COAP_RST, 0x0a0b);
    ck_assert_uint_eq(r.out.nev, 0);
    coap_out_clear(&r.out);
    ck_assert_int_eq(feed_msg(&r, &resp), 0); /* its duplicate: the same RST */
    assert_empty(&r, 0, COAP_RST, 0x0a0b);
    coap_out_clear(&r.out);
    resp.type = COAP_NON;
    resp.mid = 0x0a0c;
    ck_assert_int_eq(feed_msg(&r, &resp), 0);
    resp.type = COAP_ACK;
    resp.mid = 0x0a0d;
    ck_assert_int_eq(feed_msg(&r, &resp), 0);
    ck_assert_uint_eq(r.out.ndg + r.out.nev, 0);
    ck_assert_uint_eq(r.ep.stats.unmatched, 3);
    ck_assert_uint_eq(r.ep.stats.rst_sent, 1); /* once made, once resent */
    ck_assert_uint_eq(r.ep.stats.duplicates, 1);
    rig_free(&r);
}
END_TEST

START_TEST(r7252_4_2_reset_to_our_request_and_malformed_and_ping)
{
    rig r;
    rig_init(&r, 1);
    coap_msg m = get_req(COAP_CON, "/x");
    uint32_t xid;
    coap_msg sent = request_sent(&r, &m, &xid);
    coap_msg rst = empty_msg(COAP_RST, sent.mid);
    ck_assert_int_eq(feed_msg(&r, &rst), 0);
    ck_assert_uint_eq(r.out.nev, 1);
    ck_assert_int_eq(r.out.ev[0].kind, COAP_EV_RESET);
    ck_assert_uint_eq(r.out.ev[0].xid, xid);
    ck_assert_uint_eq(r.out.ev[0].tkl, sent.tkl);
    ck_assert_uint_eq(coap_ep_next_deadline(&r.ep), COAP_NEVER);
    coap_out_clear(&r.out);
    /* a malformed CON is rejected with RST, a malformed NON ignored */
    uint8_t bad[] = {0x40, 0x01, 0x33, 0x44, 0xf1, 0x00};
    ck_assert_int_eq(coap_ep_feed(&r.ep, r.now, bad, sizeof(bad), &r.out), COAP_E_OPT_RESERVED);
    assert_empty(&r, 0, COAP_RST, 0x3344);
    coap_out_clear(&r.out);
    bad[0] = 0x50;
    ck_assert_int_eq(coap_ep_feed(&r.ep, r.now, bad, sizeof(bad), &r.out), COAP_E_OPT_RESERVED);
    uint8_t v2[] = {0x80, 0x01, 0x00, 0x01};
    ck_assert_int_eq(coap_ep_feed(&r.ep, r.now, v2, sizeof(v2), &r.out), COAP_E_VERSION);
    ck_assert_uint_eq(r.out.ndg, 0);
    /* a reserved code class (7.xx) in a CON: rejected */
    uint8_t c7[] = {0x40, 0xe0, 0x00, 0x09};
    ck_assert_int_eq(coap_ep_feed(&r.ep, r.now, c7, sizeof(c7), &r.out), 0);
    assert_empty(&r, 0, COAP_RST, 9);
    coap_out_clear(&r.out);
    /* CoAP ping (§4.3): Empty CON -> RST */
    uint8_t ping[] = {0x40, 0x00, 0x12, 0x34};
    ck_assert_int_eq(coap_ep_feed(&r.ep, r.now, ping, sizeof(ping), &r.out), 0);
    assert_empty(&r, 0, COAP_RST, 0x1234);
    ck_assert_uint_eq(r.out.nev, 0);
    ck_assert_uint_eq(r.ep.stats.bad, 4);
    rig_free(&r);
}
END_TEST

/* Server role: a CON request, answered piggybacked; its duplicate gets the
 * same bytes and no event; after EXCHANGE_LIFETIME the same id is new. */
START_TEST(r7252_4_5_duplicate_con_gets_the_cached_response)
{
    rig r;
    rig_init(&r, 1);
    coap_msg req = get_req(COAP_CON, "/3/0");
    req.mid = 0x2000;
    coap_msg_set_token(&req, "\xab", 1);
    ck_assert_int_eq(feed_msg(&r, &req), 0);
    ck_assert_uint_eq(r.out.nev, 1);
    coap_event *e = &r.out.ev[0];
    ck_assert_int_eq(e->kind, COAP_EV_REQUEST);
    bytebuf path;
    bytebuf_init(&path);
    coap_msg_join(&e->msg, COAP_OPT_URI_PATH, &path);
    ck_assert_str_eq((char *)path.data, "/3/0");
    bytebuf_free(&path);
    uint32_t rx = e->xid;
    coap_out_clear(&r.out);
    coap_msg resp;
    coap_msg_init(&resp, COAP_CON /* ignored */, COAP_CONTENT);
    coap_msg_add_uint(&resp, COAP_OPT_CONTENT_FORMAT, COAP_CF_LWM2M_TLV);
    coap_msg_set_payload(&resp, "\xc8\x00\x06u-blox", 9);
    uint32_t sep = 99;
    ck_assert_int_eq(coap_ep_respond(&r.ep, r.now, rx, &resp, &sep, &r.out), 0);
    ck_assert_uint_eq(sep, 0);
    ck_assert_uint_eq(r.out.ndg, 1);
    uint8_t want[64];
    size_t n = unhex("6145 2000 ab c22d16 ffc80006752d626c6f78", want);
    size_t len;
    const uint8_t *d = coap_out_datagram(&r.out, 0, &len);
    ck_assert_uint_eq(len, n);
    ck_assert_int_eq(memcmp(d, want, n), 0);
    ck_assert_int_eq(coap_ep_respond(&r.ep, r.now, rx, &resp, NULL, &r.out), -ENOENT);
    coap_out_clear(&r.out);

    r.now += S(246);
    ck_assert_int_eq(feed_msg(&r, &req), 0);
    ck_assert_uint_eq(r.out.nev, 0);
    ck_assert_uint_eq(r.out.ndg, 1);
    d = coap_out_datagram(&r.out, 0, &len);
    ck_assert_uint_eq(len, n);
    ck_assert_int_eq(memcmp(d, want, n), 0);
    coap_out_clear(&r.out);

    r.now += S(1); /* 247 s after the first copy: a new message */
    ck_assert_int_eq(feed_msg(&r, &req), 0);
    ck_assert_uint_eq(r.out.nev, 1);
    ck_assert_int_eq(r.out.ev[0].kind, COAP_EV_REQUEST);
    ck_assert_uint_ne(r.out.ev[0].xid, rx);
    ck_assert_uint_eq(r.out.ndg, 0);
    rig_free(&r);
}
END_TEST

START_TEST(r7252_4_5_duplicate_non_is_dropped_and_answered_non)
{
    rig r;
    rig_init(&r, 1);
    coap_msg req = get_req(COAP_NON, "/1/10/1");
    req.mid = 0x3000;
    coap_msg_set_token(&req, "\x01\x02", 2);
    ck_assert_int_eq(feed_msg(&r, &req), 0);
    uint32_t rx = r.out.ev[0].xid;
    coap_out_clear(&r.out);
    ck_assert_int_eq(feed_msg(&r, &req), 0);
    ck_assert_uint_eq(r.out.nev + r.out.ndg, 0);
    ck_assert_int_eq(coap_ep_accept(&r.ep, r.now, rx, &r.out), -EINVAL); /* no ACK for a NON */
    coap_msg resp;
    coap_msg_init(&resp, COAP_CON, COAP_CONTENT);
    uint32_t sep = 0;
    ck_assert_int_eq(coap_ep_respond(&r.ep, r.now, rx, &resp, &sep, &r.out), 0);
    ck_assert_uint_ne(sep, 0);
    coap_msg m;
    out_msg(&r, 0, &m);
    ck_assert_uint_eq(m.type, COAP_NON);
    ck_assert_uint_eq(m.code, COAP_CONTENT);
    ck_assert_uint_eq(m.tkl, 2);
    ck_assert_uint_ne(m.mid, 0x3000);
    coap_out_clear(&r.out);
    r.now += S(145);
    ck_assert_int_eq(feed_msg(&r, &req), 0); /* past NON_LIFETIME: new */
    ck_assert_uint_eq(r.out.nev, 1);
    rig_free(&r);
}
END_TEST

/* §5.2.2 from the server side: accept now, answer later in a CON that is
 * retransmitted until ACKed.  A duplicate of a request not yet answered
 * gets an empty ACK (the answer becomes separate). */
START_TEST(r7252_5_2_2_server_separate_response)
{
    rig r;
    rig_init(&r, 5);
    coap_msg req = get_req(COAP_CON, "/5/0/2");
    req.code = COAP_POST;
    req.mid = 0x4000;
    coap_msg_set_token(&req, "\x77", 1);
    ck_assert_int_eq(feed_msg(&r, &req), 0);
    uint32_t rx = r.out.ev[0].xid;
    coap_out_clear(&r.out);
    ck_assert_int_eq(coap_ep_accept(&r.ep, r.now, rx, &r.out), 0);
    assert_empty(&r, 0, COAP_ACK, 0x4000);
    coap_out_clear(&r.out);
    ck_assert_int_eq(coap_ep_accept(&r.ep, r.now, rx, &r.out), 0); /* idempotent */
    ck_assert_uint_eq(r.out.ndg, 0);
    ck_assert_int_eq(feed_msg(&r, &req), 0); /* duplicate: the empty ACK again */
    assert_empty(&r, 0, COAP_ACK, 0x4000);
    coap_out_clear(&r.out);

    r.now += S(3);
    coap_msg resp;
    coap_msg_init(&resp, COAP_NON, COAP_CHANGED);
    uint32_t sep;
    ck_assert_int_eq(coap_ep_respond(&r.ep, r.now, rx, &resp, &sep, &r.out), 0);
    ck_assert_uint_ne(sep, 0);
    coap_msg m;
    out_msg(&r, 0, &m);
    ck_assert_uint_eq(m.type, COAP_CON);
    ck_assert_uint_eq(m.code, COAP_CHANGED);
    ck_assert_uint_eq(m.tkl, 1);
    ck_assert_uint_eq(m.token[0], 0x77);
    coap_out_clear(&r.out);
    run_next(&r); /* retransmitted */
    ck_assert_uint_eq(r.out.ndg, 1);
    coap_out_clear(&r.out);
    coap_msg ack = empty_msg(COAP_ACK, m.mid);
    ck_assert_int_eq(feed_msg(&r, &ack), 0);
    ck_assert_uint_eq(r.out.nev, 1);
    ck_assert_int_eq(r.out.ev[0].kind, COAP_EV_ACKED);
    ck_assert_uint_eq(r.out.ev[0].xid, sep);
    ck_assert_uint_eq(coap_ep_next_deadline(&r.ep), COAP_NEVER);
    coap_out_clear(&r.out);
    ck_assert_int_eq(feed_msg(&r, &req), 0); /* a late duplicate: still the empty ACK */
    assert_empty(&r, 0, COAP_ACK, 0x4000);
    ck_assert_uint_eq(r.out.nev, 0);
    rig_free(&r);
}
END_TEST

START_TEST(r7252_4_2_pending_duplicate_is_acked_and_answer_goes_separate)
{
    rig r;
    rig_init(&r, 5);
    coap_msg req = get_req(COAP_CON, "/slow");
    req.mid = 0x4100;
    ck_assert_int_eq(feed_msg(&r, &req), 0);
    uint32_t rx = r.out.ev[0].xid;
    coap_out_clear(&r.out);
    r.now += S(2);
    ck_assert_int_eq(feed_msg(&r, &req), 0);
    assert_empty(&r, 0, COAP_ACK, 0x4100);
    ck_assert_uint_eq(r.out.nev, 0);
    coap_out_clear(&r.out);
    coap_msg resp;
    coap_msg_init(&resp, COAP_CON, COAP_CONTENT);
    ck_assert_int_eq(coap_ep_respond(&r.ep, r.now, rx, &resp, NULL, &r.out), 0);
    coap_msg m;
    out_msg(&r, 0, &m);
    ck_assert_uint_eq(m.type, COAP_CON);
    ck_assert_uint_ne(m.mid, 0x4100);
    rig_free(&r);
}
END_TEST

/* §4.7: with NSTART 1 the second CON request waits for the first's ACK;
 * a NON request does not wait. */
START_TEST(r7252_4_7_nstart_queues_con_requests)
{
    coap_ep_config c;
    coap_ep_config_default(&c);
    c.max_queued = 2;
    rig r;
    rig_init_cfg(&r, &c);
    coap_msg m = get_req(COAP_CON, "/a");
    uint32_t x1, x2, x3, x4;
    ck_assert_int_eq(coap_ep_request(&r.ep, r.now, &m, &x1, &r.out), 0);
    ck_assert_int_eq(coap_ep_request(&r.ep, r.now, &m, &x2, &r.out), 0);
    ck_assert_int_eq(coap_ep_request(&r.ep, r.now, &m, &x3, &r.out), 0);
    ck_assert_int_eq(coap_ep_request(&r.ep, r.now, &m, &x4, &r.out), -ENOBUFS);
    ck_assert_uint_eq(r.out.ndg, 1);
    ck_assert_uint_eq(coap_ep_open_exchanges(&r.ep), 3);
    coap_msg n = get_req(COAP_NON, "/b");
    ck_assert_int_eq(coap_ep_request(&r.ep, r.now, &n, NULL, &r.out), 0);
    ck_assert_uint_eq(r.out.ndg, 2);
    coap_msg s1;
    out_msg(&r, 0, &s1);
    coap_out_clear(&r.out);
    /* retransmissions of the first do not let the second go */
    run_next(&r);
    ck_assert_uint_eq(r.out.ndg, 1);
    coap_out_clear(&r.out);
    r.now += MS(10);
    coap_msg ack;
    coap_msg_init(&ack, COAP_ACK, COAP_CONTENT);
    ack.mid = s1.mid;
    coap_msg_set_token(&ack, s1.token, s1.tkl);
    ck_assert_int_eq(feed_msg(&r, &ack), 0);
    ck_assert_uint_eq(r.out.nev, 1);
    ck_assert_uint_eq(r.out.ev[0].xid, x1);
    ck_assert_uint_eq(r.out.ndg, 1); /* the second, now */
    coap_msg s2;
    out_msg(&r, 0, &s2);
    ck_assert_uint_eq(s2.mid, (uint16_t)(s1.mid + 2)); /* the NON took one id */
    ck_assert_uint_ge(coap_ep_next_deadline(&r.ep), r.now + S(2));
    coap_out_clear(&r.out);
    /* the second times out; the third goes at that moment */
    uint64_t t;
    do {
        t = run_next(&r);
    } while (r.out.nev == 0);
    ck_assert_int_eq(r.out.ev[0].kind, COAP_EV_TIMEOUT);
    ck_assert_uint_eq(r.out.ev[0].xid, x2);
    ck_assert_uint_eq(r.out.ndg, 5); /* 4 retransmissions, then the third */
    coap_msg s3;
    out_msg(&r, 4, &s3);
    ck_assert_uint_ne(s3.mid, s2.mid);
    ck_assert_uint_ge(coap_ep_next_deadline(&r.ep), t + S(2));
    rig_free(&r);
}
END_TEST

START_TEST(r7252_4_7_nstart_2_sends_two_at_once)
{
    coap_ep_config c;
    coap_ep_config_default(&c);
    c.nstart = 2;
    rig r;
    rig_init_cfg(&r, &c);
    coap_msg m = get_req(COAP_CON, "/a");
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(coap_ep_request(&r.ep, r.now, &m, NULL, &r.out), 0);
    ck_assert_uint_eq(r.out.ndg, 2);
    rig_free(&r);
}
END_TEST

/* RFC 7641 §3.6 from the server role: RST to a CON (or NON) notification ->
 * RESET with the observation's token. */
START_TEST(r7641_3_6_reset_to_a_notification_carries_the_token)
{
    rig r;
    rig_init(&r, 9);
    coap_msg n;
    coap_msg_init(&n, COAP_CON, COAP_CONTENT);
    coap_msg_set_token(&n, "\xde\xad\xbe\xef", 4);
    coap_msg_add_uint(&n, COAP_OPT_OBSERVE, 12);
    coap_msg_set_payload(&n, "1", 1);
    uint32_t xid;
    ck_assert_int_eq(coap_ep_send(&r.ep, r.now, &n, &xid, &r.out), 0);
    coap_msg sent;
    out_msg(&r, 0, &sent);
    ck_assert_uint_eq(sent.type, COAP_CON);
    ck_assert_uint_eq(sent.tkl, 4);
    coap_out_clear(&r.out);
    coap_msg rst = empty_msg(COAP_RST, sent.mid);
    ck_assert_int_eq(feed_msg(&r, &rst), 0);
    ck_assert_uint_eq(r.out.nev, 1);
    coap_event *e = &r.out.ev[0];
    ck_assert_int_eq(e->kind, COAP_EV_RESET);
    ck_assert_uint_eq(e->xid, xid);
    ck_assert_uint_eq(e->tkl, 4);
    ck_assert_int_eq(memcmp(e->token, "\xde\xad\xbe\xef", 4), 0);
    ck_assert_uint_eq(coap_ep_next_deadline(&r.ep), COAP_NEVER);
    coap_out_clear(&r.out);

    n.type = COAP_NON;
    coap_msg_set_token(&n, "\x05", 1);
    ck_assert_int_eq(coap_ep_send(&r.ep, r.now, &n, &xid, &r.out), 0);
    out_msg(&r, 0, &sent);
    ck_assert_uint_eq(coap_ep_open_exchanges(&r.ep), 0); /* a NON is not kept */
    coap_out_clear(&r.out);
    rst.mid = sent.mid;
    r.now += S(100);
    ck_assert_int_eq(feed_msg(&r, &rst), 0);
    ck_assert_uint_eq(r.out.nev, 1);
    ck_assert_int_eq(r.out.ev[0].kind, COAP_EV_RESET);
    ck_assert_uint_eq(r.out.ev[0].xid, xid);
    ck_assert_uint_eq(r.out.ev[0].token[0], 0x05);
    /* requests only through request(), responses only through send() */
    coap_msg bad = get_req(COAP_CON, "/x");
    ck_assert_int_eq(coap_ep_send(&r.ep, r.now, &bad, NULL, &r.out), -EINVAL);
    ck_assert_int_eq(coap_ep_request(&r.ep, r.now, &n, NULL, &r.out), -EINVAL);
    bad.type = COAP_ACK;
    ck_assert_int_eq(coap_ep_request(&r.ep, r.now, &bad, NULL, &r.out), -EINVAL);
    rig_free(&r);
}
END_TEST

/* The CON notification unacknowledged: TIMEOUT with its token. */
START_TEST(r7641_4_5_unacked_con_notification_times_out)
{
    rig r;
    rig_init(&r, 9);
    coap_msg n;
    coap_msg_init(&n, COAP_CON, COAP_CONTENT);
    coap_msg_set_token(&n, "\x09", 1);
    uint32_t xid;
    ck_assert_int_eq(coap_ep_send(&r.ep, r.now, &n, &xid, &r.out), 0);
    while (coap_ep_next_deadline(&r.ep) != COAP_NEVER)
        run_next(&r);
    ck_assert_uint_eq(r.out.ndg, 5);
    ck_assert_uint_eq(r.out.nev, 1);
    ck_assert_int_eq(r.out.ev[0].kind, COAP_EV_TIMEOUT);
    ck_assert_uint_eq(r.out.ev[0].token[0], 9);
    rig_free(&r);
}
END_TEST

/* RFC 7641 client side (the LwM2M server observing the device). */
START_TEST(r7641_3_observe_client_notifications_stale_and_cancel)
{
    rig r;
    rig_init(&r, 11);
    coap_msg m = get_req(COAP_CON, "/5/0/3");
    coap_msg_add_uint(&m, COAP_OPT_OBSERVE, 0);
    uint32_t xid;
    coap_msg s = request_sent(&r, &m, &xid);
    coap_msg ack;
    coap_msg_init(&ack, COAP_ACK, COAP_CONTENT);
    ack.mid = s.mid;
    coap_msg_set_token(&ack, s.token, s.tkl);
    coap_msg_add_uint(&ack, COAP_OPT_OBSERVE, 5);
    coap_msg_set_payload(&ack, "0", 1);
    ck_assert_int_eq(feed_msg(&r, &ack), 0);
    ck_assert_int_eq(r.out.ev[0].kind, COAP_EV_RESPONSE);
    ck_assert_uint_eq(coap_ep_next_deadline(&r.ep), COAP_NEVER);
    ck_assert_uint_eq(coap_ep_open_exchanges(&r.ep), 1); /* observing */
    coap_out_clear(&r.out);

    coap_msg note;
    coap_msg_init(&note, COAP_CON, COAP_CONTENT);
    note.mid = 0x100;
    coap_msg_set_token(&note, s.token, s.tkl);
    coap_msg_add_uint(&note, COAP_OPT_OBSERVE, 6);
    coap_msg_set_payload(&note, "1", 1);
    r.now += S(30);
    ck_assert_int_eq(feed_msg(&r, &note), 0);
    assert_empty(&r, 0, COAP_ACK, 0x100);
    ck_assert_uint_eq(r.out.nev, 1);
    ck_assert_uint_eq(r.out.ev[0].xid, xid);
    ck_assert_int_eq(r.out.ev[0].separate, 1);
    coap_out_clear(&r.out);
    /* an older one arriving late: acknowledged, not delivered */
    note.mid = 0x0ff;
    coap_msg_set_uint(&note, COAP_OPT_OBSERVE, 4);
    ck_assert_int_eq(feed_msg(&r, &note), 0);
    assert_empty(&r, 0, COAP_ACK, 0x0ff);
    ck_assert_uint_eq(r.out.nev, 0);
    ck_assert_uint_eq(r.ep.stats.stale, 1);
    coap_out_clear(&r.out);
    /* a NON notification is delivered too */
    note.type = COAP_NON;
    note.mid = 0x101;
    coap_msg_set_uint(&note, COAP_OPT_OBSERVE, 7);
    ck_assert_int_eq(feed_msg(&r, &note), 0);
    ck_assert_uint_eq(r.out.ndg, 0);
    ck_assert_uint_eq(r.out.nev, 1);
    coap_out_clear(&r.out);
    /* cancelled: the next CON notification is reset (§3.6) */
    ck_assert_int_eq(coap_ep_cancel(&r.ep, r.now, xid, &r.out), 0);
    ck_assert_int_eq(coap_ep_cancel(&r.ep, r.now, xid, &r.out), -ENOENT);
    note.type = COAP_CON;
    note.mid = 0x102;
    coap_msg_set_uint(&note, COAP_OPT_OBSERVE, 8);
    ck_assert_int_eq(feed_msg(&r, &note), 0);
    assert_empty(&r, 0, COAP_RST, 0x102);
    ck_assert_uint_eq(r.out.nev, 0);
    rig_free(&r);
}
END_TEST

START_TEST(r7641_3_2_error_notification_ends_the_observation)
{
    rig r;
    rig_init(&r, 11);
    coap_msg m = get_req(COAP_NON, "/3/0/13");
    coap_msg_add_uint(&m, COAP_OPT_OBSERVE, 0);
    coap_msg s = request_sent(&r, &m, NULL);
    coap_msg note;
    coap_msg_init(&note, COAP_NON, COAP_CONTENT);
    note.mid = 1;
    coap_msg_set_token(&note, s.token, s.tkl);
    coap_msg_add_uint(&note, COAP_OPT_OBSERVE, 1);
    ck_assert_int_eq(feed_msg(&r, &note), 0);
    ck_assert_uint_eq(coap_ep_open_exchanges(&r.ep), 1);
    coap_msg_init(&note, COAP_NON, COAP_NOT_FOUND);
    note.mid = 2;
    coap_msg_set_token(&note, s.token, s.tkl);
    ck_assert_int_eq(feed_msg(&r, &note), 0);
    ck_assert_uint_eq(r.out.nev, 2);
    ck_assert_uint_eq(r.out.ev[1].msg.code, COAP_NOT_FOUND);
    ck_assert_uint_eq(coap_ep_open_exchanges(&r.ep), 0);
    rig_free(&r);
}
END_TEST

START_TEST(r7252_5_3_1_tokens_drawn_given_and_unique)
{
    rig r;
    rig_init(&r, 13);
    coap_msg m = get_req(COAP_NON, "/a");
    coap_msg s1, s2;
    ck_assert_int_eq(coap_ep_request(&r.ep, r.now, &m, NULL, &r.out), 0);
    ck_assert_int_eq(coap_ep_request(&r.ep, r.now, &m, NULL, &r.out), 0);
    out_msg(&r, 0, &s1);
    out_msg(&r, 1, &s2);
    ck_assert_uint_eq(s1.tkl, 4);
    ck_assert_int_ne(memcmp(s1.token, s2.token, 4), 0);
    ck_assert_uint_eq((uint16_t)(s1.mid + 1), s2.mid);
    coap_msg_set_token(&m, s1.token, 4);
    ck_assert_int_eq(coap_ep_request(&r.ep, r.now, &m, NULL, &r.out), -EEXIST);
    /* the NON request gives up after response_timeout */
    coap_out_clear(&r.out);
    ck_assert_uint_eq(run_next(&r), T0 + S(247));
    ck_assert_uint_eq(r.out.nev, 2);
    ck_assert_int_eq(r.out.ev[0].kind, COAP_EV_TIMEOUT);
    ck_assert_int_eq(r.out.ev[1].kind, COAP_EV_TIMEOUT);
    /* the first message id comes from the seed */
    rig r2;
    rig_init(&r2, 14);
    coap_msg m2 = get_req(COAP_NON, "/a");
    ck_assert_int_eq(coap_ep_request(&r2.ep, r2.now, &m2, NULL, &r2.out), 0);
    coap_msg t;
    out_msg(&r2, 0, &t);
    ck_assert_uint_ne(t.mid, s1.mid);
    rig_free(&r2);
    rig_free(&r);
}
END_TEST

/* Bounded memory: exchanges and dedup entries are capped. */
START_TEST(r7252_bounded_exchanges_and_dedup_cache)
{
    coap_ep_config c;
    coap_ep_config_default(&c);
    c.max_exchanges = 2;
    c.max_queued = 1;
    c.max_dedup = 3;
    rig r;
    rig_init_cfg(&r, &c);
    coap_msg n = get_req(COAP_NON, "/a");
    ck_assert_int_eq(coap_ep_request(&r.ep, r.now, &n, NULL, &r.out), 0);
    ck_assert_int_eq(coap_ep_request(&r.ep, r.now, &n, NULL, &r.out), 0);
    ck_assert_int_eq(coap_ep_request(&r.ep, r.now, &n, NULL, &r.out), -ENOBUFS);
    coap_msg m = get_req(COAP_CON, "/b");
    ck_assert_int_eq(coap_ep_request(&r.ep, r.now, &m, NULL, &r.out), 0); /* queued: no slot */
    ck_assert_uint_eq(r.out.ndg, 2);
    ck_assert_int_eq(coap_ep_request(&r.ep, r.now, &m, NULL, &r.out), -ENOBUFS);

    /* three requests fill the dedup cache; a fourth is refused while all
     * three await their answer */
    coap_msg req = get_req(COAP_CON, "/x");
    uint32_t rx[3];
    coap_out_clear(&r.out);
    for (int i = 0; i < 3; i++) {
        req.mid = (uint16_t)(0x500 + i);
        ck_assert_int_eq(feed_msg(&r, &req), 0);
        rx[i] = r.out.ev[i].xid;
    }
    req.mid = 0x503;
    ck_assert_int_eq(feed_msg(&r, &req), -ENOBUFS);
    ck_assert_uint_eq(r.out.nev, 3);
    ck_assert_uint_eq(r.ep.stats.dropped_full, 1);
    /* answered entries give way to new ones, oldest first */
    coap_msg resp;
    coap_msg_init(&resp, COAP_ACK, COAP_CONTENT);
    r.now += S(1);
    ck_assert_int_eq(coap_ep_respond(&r.ep, r.now, rx[1], &resp, NULL, &r.out), 0);
    r.now += S(1);
    ck_assert_int_eq(coap_ep_respond(&r.ep, r.now, rx[0], &resp, NULL, &r.out), 0);
    ck_assert_int_eq(feed_msg(&r, &req), 0); /* 0x503 takes the place of 0x500 */
    ck_assert_uint_eq(r.ep.stats.dedup_evicted, 1);
    coap_out_clear(&r.out);
    req.mid = 0x501; /* answered, still remembered: its reply again, no event */
    ck_assert_int_eq(feed_msg(&r, &req), 0);
    ck_assert_uint_eq(r.out.nev, 0);
    ck_assert_uint_eq(r.out.ndg, 1);
    req.mid = 0x500; /* forgotten: new again, and 0x501 gives way */
    ck_assert_int_eq(feed_msg(&r, &req), 0);
    ck_assert_uint_eq(r.out.nev, 1);
    ck_assert_uint_eq(r.ep.stats.dedup_evicted, 2);
    rig_free(&r);
}
END_TEST

/* ---- client and server endpoints wired together ---- */

typedef struct net {
    rig cl, sv;
    int drop_next_to_server; /* drop this many datagrams client -> server */
    int drop_next_to_client;
    uint64_t latency;        /* one way */
} net;

static void net_init(net *w)
{
    memset(w, 0, sizeof(*w));
    rig_init(&w->cl, 100);
    rig_init(&w->sv, 200);
    w->latency = MS(50);
}

static void net_free(net *w)
{
    rig_free(&w->cl);
    rig_free(&w->sv);
}

/* Move every datagram in `from`'s out to `to` (after the latency);
 * returns how many were delivered.  Events of `to` are left in its out. */
static size_t carry(net *w, rig *from, rig *to, int *drop)
{
    size_t moved = 0;
    for (size_t i = 0; i < from->out.ndg; i++) {
        size_t n;
        const uint8_t *d = coap_out_datagram(&from->out, i, &n);
        if (*drop > 0) {
            (*drop)--;
            continue;
        }
        to->now = from->now + w->latency > to->now ? from->now + w->latency : to->now;
        coap_ep_feed(&to->ep, to->now, d, n, &to->out);
        moved++;
    }
    from->out.ndg = 0;
    bytebuf_clear(&from->out.bytes);
    return moved;
}

typedef struct srv_state {
    coap_b1_rx b1;
    const uint8_t *rep; /* served by Block2 */
    size_t rep_len;
    unsigned pref_szx;
    const char *etag;   /* ETag of the representation (changeable) */
    bytebuf got;        /* body of the last complete upload */
    unsigned requests;
} srv_state;

/* The test's server: uploads to /rd (Block1), downloads of /fw (Block2). */
static void serve(net *w, srv_state *s)
{
    for (size_t i = 0; i < w->sv.out.nev; i++) {
        coap_event *e = &w->sv.out.ev[i];
        if (e->kind != COAP_EV_REQUEST)
            continue;
        s->requests++;
        coap_msg resp;
        coap_msg_init(&resp, COAP_ACK, COAP_CONTENT);
        if (e->msg.code == COAP_POST) {
            coap_b1_rx_result res = coap_b1_rx_request(&s->b1, w->sv.now, &e->msg, &resp);
            if (res == COAP_B1RX_COMPLETE || res == COAP_B1RX_NONE) {
                bytebuf_clear(&s->got);
                if (res == COAP_B1RX_COMPLETE)
                    bytebuf_append(&s->got, s->b1.body.data, s->b1.body.len);
                else
                    bytebuf_append(&s->got, e->msg.payload, e->msg.payload_len);
                resp.code = COAP_CREATED;
                coap_msg_add_opt(&resp, COAP_OPT_LOCATION_PATH, "rd", 2);
                coap_msg_add_opt(&resp, COAP_OPT_LOCATION_PATH, "5", 1);
                if (res == COAP_B1RX_COMPLETE) {
                    coap_b1_rx_final(&s->b1, &resp);
                    coap_b1_rx_reset(&s->b1);
                }
            }
        } else {
            if (s->etag)
                coap_msg_add_opt(&resp, COAP_OPT_ETAG, s->etag, strlen(s->etag));
            int rc = coap_b2_serve(&e->msg, s->rep, s->rep_len, s->pref_szx, &resp);
            if (rc)
                resp.code = rc == -ERANGE ? COAP_BAD_OPTION : COAP_BAD_REQUEST;
        }
        ck_assert_int_eq(coap_ep_respond(&w->sv.ep, w->sv.now, e->xid, &resp, NULL, &w->sv.out), 0);
    }
    w->sv.out.nev = 0;
}

/* Carry datagrams both ways and answer requests until the client has an
 * event (returned in *ev, copied) or nothing moves; deadlines are run as
 * the clocks reach them. */
static int exchange(net *w, srv_state *s, coap_event *ev)
{
    for (int guard = 0; guard < 1000; guard++) {
        size_t moved = carry(w, &w->cl, &w->sv, &w->drop_next_to_server);
        serve(w, s);
        moved += carry(w, &w->sv, &w->cl, &w->drop_next_to_client);
        if (w->cl.out.nev) {
            *ev = w->cl.out.ev[0];
            ck_assert_uint_eq(w->cl.out.nev, 1);
            w->cl.out.nev = 0;
            return 1;
        }
        if (moved)
            continue;
        uint64_t a = coap_ep_next_deadline(&w->cl.ep), b = coap_ep_next_deadline(&w->sv.ep);
        if (a == COAP_NEVER && b == COAP_NEVER)
            return 0;
        if (a <= b) {
            w->cl.now = a;
            coap_ep_tick(&w->cl.ep, a, &w->cl.out);
        } else {
            w->sv.now = b;
            coap_ep_tick(&w->sv.ep, b, &w->sv.out);
        }
    }
    ck_abort_msg("no progress");
    return 0;
}

static void srv_init(srv_state *s, size_t max_upload)
{
    memset(s, 0, sizeof(*s));
    coap_b1_rx_init(&s->b1, max_upload, COAP_BLOCK_SZX_MAX, S(247));
    bytebuf_init(&s->got);
    s->pref_szx = COAP_BLOCK_SZX_MAX;
}

static void srv_free(srv_state *s)
{
    coap_b1_rx_free(&s->b1);
    bytebuf_free(&s->got);
}

static void make_body(uint8_t *b, size_t n, unsigned salt)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(i * 131 + (i >> 9) + salt);
}

static coap_msg register_req(void)
{
    static const char q[] = "ep=urn:imei:352753090000001&lt=86400&lwm2m=1.0&b=UQ";
    coap_msg m;
    coap_msg_init(&m, COAP_CON, COAP_POST);
    coap_msg_add_split(&m, COAP_OPT_URI_PATH, "/rd", 3);
    coap_msg_add_split(&m, COAP_OPT_URI_QUERY, q, sizeof(q) - 1);
    coap_msg_add_uint(&m, COAP_OPT_CONTENT_FORMAT, COAP_CF_LINK_FORMAT);
    return m;
}

/* Upload `len` bytes at szx through the net; returns the final code (or
 * 0 on a protocol error), and the Block1 NUM/SZX sent in *trace. */
static uint8_t upload(net *w, srv_state *s, const uint8_t *body, size_t len, unsigned szx,
                      char *trace, size_t tracecap)
{
    coap_b1_up up;
    coap_b1_up_init(&up, body, len, szx);
    coap_msg req = register_req();
    if (trace)
        trace[0] = 0;
    for (;;) {
        ck_assert_int_eq(coap_b1_up_fill(&up, &req), 0);
        coap_block b;
        ck_assert_int_eq(coap_msg_get_block(&req, COAP_OPT_BLOCK1, &b), 0);
        if (trace)
            snprintf(trace + strlen(trace), tracecap - strlen(trace), "%u/%u/%zu ", (unsigned)b.num,
                     (unsigned)b.more, coap_szx_size(b.szx));
        ck_assert_int_eq(coap_ep_request(&w->cl.ep, w->cl.now, &req, NULL, &w->cl.out), 0);
        coap_event ev;
        ck_assert(exchange(w, s, &ev));
        ck_assert_int_eq(ev.kind, COAP_EV_RESPONSE);
        int rc = coap_b1_up_response(&up, &ev.msg);
        if (rc < 0)
            return 0;
        if (rc == 0)
            return ev.msg.code;
    }
}

/* Facts §2.1: a 1.3 kB registration payload goes in two Block1 requests of
 * 1024 bytes; the server answers 2.31 then 2.01 with the location. */
START_TEST(r7959_2_5_block1_register_1300_bytes_in_1024_blocks)
{
    net w;
    net_init(&w);
    srv_state s;
    srv_init(&s, 4096);
    static uint8_t body[1300];
    make_body(body, sizeof(body), 1);
    char trace[128];
    ck_assert_uint_eq(upload(&w, &s, body, sizeof(body), 6, trace, sizeof(trace)), COAP_CREATED);
    ck_assert_str_eq(trace, "0/1/1024 1/0/1024 ");
    ck_assert_uint_eq(s.got.len, sizeof(body));
    ck_assert_int_eq(memcmp(s.got.data, body, sizeof(body)), 0);
    ck_assert_uint_eq(s.requests, 2);
    net_free(&w);
    srv_free(&s);
}
END_TEST

/* The exact bytes of the first Block1 request's block options. */
START_TEST(r7959_2_5_block1_first_request_options)
{
    static uint8_t body[1300];
    coap_b1_up up;
    coap_b1_up_init(&up, body, sizeof(body), 6);
    coap_msg req = register_req();
    ck_assert_int_eq(coap_b1_up_fill(&up, &req), 0);
    const coap_option *b1 = coap_msg_find(&req, COAP_OPT_BLOCK1);
    ck_assert_uint_eq(b1->len, 1);
    ck_assert_uint_eq(coap_opt_val(b1)[0], 0x0e); /* NUM 0, M 1, SZX 6 */
    uint32_t size1;
    ck_assert_int_eq(coap_msg_get_uint(&req, COAP_OPT_SIZE1, 4, &size1), 0);
    ck_assert_uint_eq(size1, 1300);
    ck_assert_uint_eq(req.payload_len, 1024);
    /* a 2.31 for block 0 -> block 1, 276 bytes, no Size1 */
    coap_msg resp;
    coap_msg_init(&resp, COAP_ACK, COAP_CONTINUE);
    coap_block a = {.num = 0, .more = 1, .szx = 6};
    coap_msg_set_block(&resp, COAP_OPT_BLOCK1, &a);
    ck_assert_int_eq(coap_b1_up_response(&up, &resp), 1);
    ck_assert_int_eq(coap_b1_up_fill(&up, &req), 0);
    b1 = coap_msg_find(&req, COAP_OPT_BLOCK1);
    ck_assert_uint_eq(coap_opt_val(b1)[0], 0x16); /* NUM 1, M 0, SZX 6 */
    ck_assert_ptr_null(coap_msg_find(&req, COAP_OPT_SIZE1));
    ck_assert_uint_eq(req.payload_len, 276);
    /* a 2.31 for the last block is a protocol error */
    ck_assert_int_eq(coap_b1_up_response(&up, &resp), -EPROTO);
    ck_assert(coap_b1_up_over(&up));
    ck_assert_int_eq(coap_b1_up_fill(&up, &req), -EINVAL);
}
END_TEST

/* §2.3: the server prefers 256-byte blocks: the client continues at 256 from
 * where it was (block 0 of 1024 done -> NUM 4 of 256). */
START_TEST(r7959_2_3_block1_szx_renegotiation)
{
    net w;
    net_init(&w);
    srv_state s;
    srv_init(&s, 4096);
    s.b1.pref_szx = 4;
    static uint8_t body[1800];
    make_body(body, sizeof(body), 2);
    char trace[256];
    ck_assert_uint_eq(upload(&w, &s, body, sizeof(body), 6, trace, sizeof(trace)), COAP_CREATED);
    ck_assert_str_eq(trace, "0/1/1024 4/1/256 5/1/256 6/1/256 7/0/256 ");
    ck_assert_uint_eq(s.got.len, sizeof(body));
    ck_assert_int_eq(memcmp(s.got.data, body, sizeof(body)), 0);
    net_free(&w);
    srv_free(&s);
}
END_TEST

/* §2.9.2: a gap in the blocks -> 4.08; §2.9.3: too large -> 4.13 + Size1. */
START_TEST(r7959_2_9_block1_gap_is_4_08_and_too_large_is_4_13)
{
    coap_b1_rx rx;
    coap_b1_rx_init(&rx, 2000, 6, S(247));
    static uint8_t blk[1024];
    coap_msg req = register_req(), resp;
    coap_block b = {.num = 0, .more = 1, .szx = 6};
    coap_msg_set_block(&req, COAP_OPT_BLOCK1, &b);
    coap_msg_set_payload(&req, blk, 1024);
    coap_msg_init(&resp, COAP_ACK, COAP_EMPTY);
    ck_assert_int_eq(coap_b1_rx_request(&rx, T0, &req, &resp), COAP_B1RX_CONTINUE);
    ck_assert_uint_eq(resp.code, COAP_CONTINUE);
    coap_block a;
    ck_assert_int_eq(coap_msg_get_block(&resp, COAP_OPT_BLOCK1, &a), 0);
    ck_assert_uint_eq(a.num, 0);
    ck_assert_uint_eq(a.more, 1);
    /* block 2 instead of 1 */
    b.num = 2;
    coap_msg_set_block(&req, COAP_OPT_BLOCK1, &b);
    coap_msg_init(&resp, COAP_ACK, COAP_EMPTY);
    ck_assert_int_eq(coap_b1_rx_request(&rx, T0, &req, &resp), COAP_B1RX_ERROR);
    ck_assert_uint_eq(resp.code, COAP_REQUEST_ENTITY_INCOMPLETE);
    /* and the upload is forgotten: block 1 now is a gap too */
    b.num = 1;
    coap_msg_set_block(&req, COAP_OPT_BLOCK1, &b);
    coap_msg_init(&resp, COAP_ACK, COAP_EMPTY);
    ck_assert_int_eq(coap_b1_rx_request(&rx, T0, &req, &resp), COAP_B1RX_ERROR);
    ck_assert_uint_eq(resp.code, COAP_REQUEST_ENTITY_INCOMPLETE);
    /* another URI is another upload */
    b.num = 0;
    coap_msg_set_block(&req, COAP_OPT_BLOCK1, &b);
    ck_assert_int_eq(coap_b1_rx_request(&rx, T0, &req, &resp), COAP_B1RX_CONTINUE);
    coap_msg other = register_req();
    coap_msg_add_opt(&other, COAP_OPT_URI_PATH, "x", 1);
    b.num = 1;
    coap_msg_set_block(&other, COAP_OPT_BLOCK1, &b);
    coap_msg_set_payload(&other, blk, 1024);
    coap_msg_init(&resp, COAP_ACK, COAP_EMPTY);
    ck_assert_int_eq(coap_b1_rx_request(&rx, T0, &other, &resp), COAP_B1RX_ERROR);
    ck_assert_uint_eq(resp.code, COAP_REQUEST_ENTITY_INCOMPLETE);
    /* idle past the lifetime: forgotten */
    b.num = 0;
    coap_msg_set_block(&req, COAP_OPT_BLOCK1, &b);
    ck_assert_int_eq(coap_b1_rx_request(&rx, T0, &req, &resp), COAP_B1RX_CONTINUE);
    b.num = 1;
    coap_msg_set_block(&req, COAP_OPT_BLOCK1, &b);
    coap_msg_init(&resp, COAP_ACK, COAP_EMPTY);
    ck_assert_int_eq(coap_b1_rx_request(&rx, T0 + S(248), &req, &resp), COAP_B1RX_ERROR);
    /* 2000 bytes max: a second 1024-byte block is too much */
    b.num = 0;
    coap_msg_set_block(&req, COAP_OPT_BLOCK1, &b);
    ck_assert_int_eq(coap_b1_rx_request(&rx, T0, &req, &resp), COAP_B1RX_CONTINUE);
    b.num = 1;
    coap_msg_set_block(&req, COAP_OPT_BLOCK1, &b);
    coap_msg_init(&resp, COAP_ACK, COAP_EMPTY);
    ck_assert_int_eq(coap_b1_rx_request(&rx, T0, &req, &resp), COAP_B1RX_ERROR);
    ck_assert_uint_eq(resp.code, COAP_REQUEST_ENTITY_TOO_LARGE);
    uint32_t size1;
    ck_assert_int_eq(coap_msg_get_uint(&resp, COAP_OPT_SIZE1, 4, &size1), 0);
    ck_assert_uint_eq(size1, 2000);
    /* announced too large by Size1 on block 0 */
    b.num = 0;
    coap_msg_set_block(&req, COAP_OPT_BLOCK1, &b);
    coap_msg_set_uint(&req, COAP_OPT_SIZE1, 5000);
    coap_msg_init(&resp, COAP_ACK, COAP_EMPTY);
    ck_assert_int_eq(coap_b1_rx_request(&rx, T0, &req, &resp), COAP_B1RX_ERROR);
    ck_assert_uint_eq(resp.code, COAP_REQUEST_ENTITY_TOO_LARGE);
    /* M=1 with a short block; SZX 7 */
    coap_msg_remove(&req, COAP_OPT_SIZE1);
    coap_msg_set_payload(&req, blk, 1000);
    coap_msg_init(&resp, COAP_ACK, COAP_EMPTY);
    ck_assert_int_eq(coap_b1_rx_request(&rx, T0, &req, &resp), COAP_B1RX_ERROR);
    ck_assert_uint_eq(resp.code, COAP_BAD_REQUEST);
    coap_msg_remove(&req, COAP_OPT_BLOCK1);
    coap_msg_add_opt(&req, COAP_OPT_BLOCK1, "\x0f", 1);
    ck_assert_int_eq(coap_b1_rx_request(&rx, T0, &req, &resp), COAP_B1RX_ERROR);
    coap_msg_remove(&req, COAP_OPT_BLOCK1);
    ck_assert_int_eq(coap_b1_rx_request(&rx, T0, &req, &resp), COAP_B1RX_NONE);
    coap_b1_rx_free(&rx);
}
END_TEST

/* End to end: a client that skips a block gets 4.08 as its final answer;
 * one that uploads too much gets 4.13. */
START_TEST(r7959_2_9_block1_gap_and_too_large_end_to_end)
{
    net w;
    net_init(&w);
    srv_state s;
    srv_init(&s, 1500);
    static uint8_t body[3000];
    make_body(body, sizeof(body), 3);
    ck_assert_uint_eq(upload(&w, &s, body, 2000, 6, NULL, 0), COAP_REQUEST_ENTITY_TOO_LARGE);

    coap_b1_up up;
    coap_b1_up_init(&up, body, 1400, 5);
    coap_msg req = register_req();
    ck_assert_int_eq(coap_b1_up_fill(&up, &req), 0);
    ck_assert_int_eq(coap_ep_request(&w.cl.ep, w.cl.now, &req, NULL, &w.cl.out), 0);
    coap_event ev;
    ck_assert(exchange(&w, &s, &ev));
    ck_assert_int_eq(coap_b1_up_response(&up, &ev.msg), 1);
    up.num++; /* skip a block */
    ck_assert_int_eq(coap_b1_up_fill(&up, &req), 0);
    ck_assert_int_eq(coap_ep_request(&w.cl.ep, w.cl.now, &req, NULL, &w.cl.out), 0);
    ck_assert(exchange(&w, &s, &ev));
    ck_assert_uint_eq(ev.msg.code, COAP_REQUEST_ENTITY_INCOMPLETE);
    ck_assert_int_eq(coap_b1_up_response(&up, &ev.msg), 0); /* over, the caller sees 4.08 */
    ck_assert(coap_b1_up_over(&up));
    net_free(&w);
    srv_free(&s);
}
END_TEST

/* Download `len` bytes streamed into `sink` (its own storage, not a second
 * copy inside the helper); returns the helper's last result. */
static int download(net *w, srv_state *s, int pref_szx, bytebuf *sink, unsigned *nreq,
                    char *trace, size_t tracecap)
{
    coap_b2_down d;
    coap_b2_down_init(&d, pref_szx);
    coap_msg req = get_req(COAP_CON, "/fw");
    *nreq = 0;
    if (trace)
        trace[0] = 0;
    for (;;) {
        ck_assert_int_eq(coap_b2_down_fill(&d, &req), 0);
        ck_assert_int_eq(coap_ep_request(&w->cl.ep, w->cl.now, &req, NULL, &w->cl.out), 0);
        (*nreq)++;
        coap_event ev;
        ck_assert(exchange(w, s, &ev));
        ck_assert_int_eq(ev.kind, COAP_EV_RESPONSE);
        coap_block b;
        if (trace && coap_msg_get_block(&ev.msg, COAP_OPT_BLOCK2, &b) == 0 &&
            strlen(trace) + 16 < tracecap)
            snprintf(trace + strlen(trace), tracecap - strlen(trace), "%u/%u/%zu ",
                     (unsigned)b.num, (unsigned)b.more, coap_szx_size(b.szx));
        const uint8_t *data;
        size_t len;
        int rc = coap_b2_down_response(&d, &ev.msg, &data, &len);
        if (rc < 0)
            return rc;
        bytebuf_append(sink, data, len);
        if (rc == 0) {
            if (d.have_size2)
                ck_assert_uint_eq(d.size2, sink->len);
            return 0;
        }
        if (s->etag && *nreq == 5 && s->etag[0] == 'A')
            s->etag = "B-new"; /* the representation changes mid-way */
    }
}

/* A 70 kB firmware image in 512-byte blocks, streamed. */
START_TEST(r7959_2_4_block2_download_70k_in_512_streamed)
{
    net w;
    net_init(&w);
    srv_state s;
    srv_init(&s, 0);
    static uint8_t fw[70 * 1024 + 123];
    make_body(fw, sizeof(fw), 4);
    s.rep = fw;
    s.rep_len = sizeof(fw);
    s.pref_szx = 5;
    s.etag = "v1";
    bytebuf sink;
    bytebuf_init(&sink);
    unsigned nreq;
    ck_assert_int_eq(download(&w, &s, 5, &sink, &nreq, NULL, 0), 0);
    ck_assert_uint_eq(nreq, (sizeof(fw) + 511) / 512); /* 141 */
    ck_assert_uint_eq(sink.len, sizeof(fw));
    ck_assert_int_eq(memcmp(sink.data, fw, sizeof(fw)), 0);
    /* late negotiation: no Block2 in the first request, the server chooses */
    bytebuf_clear(&sink);
    char trace[64];
    s.rep_len = 1500;
    ck_assert_int_eq(download(&w, &s, -1, &sink, &nreq, trace, sizeof(trace)), 0);
    ck_assert_str_eq(trace, "0/1/512 1/1/512 2/0/512 ");
    ck_assert_uint_eq(sink.len, 1500);
    ck_assert_int_eq(memcmp(sink.data, fw, 1500), 0);
    /* small enough for one datagram: no block option at all */
    bytebuf_clear(&sink);
    s.rep_len = 100;
    ck_assert_int_eq(download(&w, &s, -1, &sink, &nreq, trace, sizeof(trace)), 0);
    ck_assert_str_eq(trace, "");
    ck_assert_uint_eq(nreq, 1);
    ck_assert_uint_eq(sink.len, 100);
    bytebuf_free(&sink);
    net_free(&w);
    srv_free(&s);
}
END_TEST

/* §2.4: the client asks for 1024, the server gives 256: the client goes on
 * at 256 from the right offset. */
START_TEST(r7959_2_4_block2_szx_renegotiation)
{
    net w;
    net_init(&w);
    srv_state s;
    srv_init(&s, 0);
    static uint8_t fw[1000];
    make_body(fw, sizeof(fw), 5);
    s.rep = fw;
    s.rep_len = sizeof(fw);
    s.pref_szx = 4;
    bytebuf sink;
    bytebuf_init(&sink);
    unsigned nreq;
    char trace[128];
    ck_assert_int_eq(download(&w, &s, 6, &sink, &nreq, trace, sizeof(trace)), 0);
    ck_assert_str_eq(trace, "0/1/256 1/1/256 2/1/256 3/0/256 ");
    ck_assert_uint_eq(sink.len, sizeof(fw));
    ck_assert_int_eq(memcmp(sink.data, fw, sizeof(fw)), 0);
    /* a server asked for block 1 of 1024 with a 256 preference serves 4/256 */
    coap_msg req = get_req(COAP_CON, "/fw"), resp;
    coap_block b = {.num = 1, .more = 0, .szx = 6};
    coap_msg_set_block(&req, COAP_OPT_BLOCK2, &b);
    static uint8_t big[3000];
    coap_msg_init(&resp, COAP_ACK, COAP_CONTENT);
    ck_assert_int_eq(coap_b2_serve(&req, big, sizeof(big), 4, &resp), 0);
    ck_assert_int_eq(coap_msg_get_block(&resp, COAP_OPT_BLOCK2, &b), 0);
    ck_assert_uint_eq(b.num, 4);
    ck_assert_uint_eq(b.szx, 4);
    ck_assert_uint_eq(b.more, 1);
    ck_assert_ptr_eq(resp.payload, big + 1024);
    ck_assert_ptr_null(coap_msg_find(&resp, COAP_OPT_SIZE2)); /* only on block 0 */
    /* past the end: -ERANGE (4.02); a malformed Block2: -EINVAL (4.00) */
    b = (coap_block){.num = 3, .more = 0, .szx = 6};
    coap_msg_set_block(&req, COAP_OPT_BLOCK2, &b);
    ck_assert_int_eq(coap_b2_serve(&req, big, sizeof(big), 6, &resp), -ERANGE);
    coap_msg_remove(&req, COAP_OPT_BLOCK2);
    coap_msg_add_opt(&req, COAP_OPT_BLOCK2, "\x07", 1);
    ck_assert_int_eq(coap_b2_serve(&req, big, sizeof(big), 6, &resp), -EINVAL);
    bytebuf_free(&sink);
    net_free(&w);
    srv_free(&s);
}
END_TEST

START_TEST(r7959_2_4_block2_etag_change_is_detected)
{
    net w;
    net_init(&w);
    srv_state s;
    srv_init(&s, 0);
    static uint8_t fw[8192];
    s.rep = fw;
    s.rep_len = sizeof(fw);
    s.pref_szx = 6;
    s.etag = "A-orig"; /* ETags are 1..8 bytes */
    bytebuf sink;
    bytebuf_init(&sink);
    unsigned nreq;
    ck_assert_int_eq(download(&w, &s, 6, &sink, &nreq, NULL, 0), -ESTALE);
    ck_assert_uint_eq(nreq, 6);
    ck_assert_uint_eq(sink.len, 5 * 1024); /* what came before the change */
    bytebuf_free(&sink);
    net_free(&w);
    srv_free(&s);
}
END_TEST

START_TEST(r7959_2_4_block2_protocol_errors)
{
    coap_b2_down d;
    coap_msg resp;
    const uint8_t *data;
    size_t len;
    static uint8_t blk[1024];
    coap_block b = {.num = 1, .more = 1, .szx = 6};
    /* the wrong block first */
    coap_b2_down_init(&d, 6);
    coap_msg_init(&resp, COAP_ACK, COAP_CONTENT);
    coap_msg_set_block(&resp, COAP_OPT_BLOCK2, &b);
    coap_msg_set_payload(&resp, blk, 1024);
    ck_assert_int_eq(coap_b2_down_response(&d, &resp, &data, &len), -EPROTO);
    ck_assert_int_eq(coap_b2_down_response(&d, &resp, &data, &len), -EINVAL); /* over */
    /* M=1 with a short block */
    coap_b2_down_init(&d, 6);
    b.num = 0;
    coap_msg_set_block(&resp, COAP_OPT_BLOCK2, &b);
    coap_msg_set_payload(&resp, blk, 1000);
    ck_assert_int_eq(coap_b2_down_response(&d, &resp, &data, &len), -EPROTO);
    /* a malformed Block2 (SZX 7; fuzzing found it read as a block) */
    coap_b2_down_init(&d, 6);
    coap_msg_init(&resp, COAP_ACK, COAP_CONTENT);
    coap_msg_add_opt(&resp, COAP_OPT_BLOCK2, "\x7f", 1);
    coap_msg_set_payload(&resp, blk, 16);
    ck_assert_int_eq(coap_b2_down_response(&d, &resp, &data, &len), -EPROTO);
    ck_assert_uint_eq(len, 0);
    /* an error code */
    coap_b2_down_init(&d, 6);
    coap_msg_init(&resp, COAP_ACK, COAP_NOT_FOUND);
    ck_assert_int_eq(coap_b2_down_response(&d, &resp, &data, &len), -EINVAL);
    /* no Block2 after the first block */
    coap_b2_down_init(&d, 6);
    coap_msg_init(&resp, COAP_ACK, COAP_CONTENT);
    coap_msg_set_block(&resp, COAP_OPT_BLOCK2, &b);
    coap_msg_set_payload(&resp, blk, 1024);
    ck_assert_int_eq(coap_b2_down_response(&d, &resp, &data, &len), 1);
    ck_assert_uint_eq(len, 1024);
    coap_msg_remove(&resp, COAP_OPT_BLOCK2);
    ck_assert_int_eq(coap_b2_down_response(&d, &resp, &data, &len), -EPROTO);
}
END_TEST

/* Loss on the wire: the message layer retransmits, the server's dedup
 * answers the retransmission from its cache, each block arrives once. */
START_TEST(r7252_4_5_block1_upload_over_a_lossy_link)
{
    net w;
    net_init(&w);
    srv_state s;
    srv_init(&s, 4096);
    static uint8_t body[1300];
    make_body(body, sizeof(body), 6);
    w.drop_next_to_client = 1; /* the 2.31 of block 0 is lost */
    ck_assert_uint_eq(upload(&w, &s, body, sizeof(body), 6, NULL, 0), COAP_CREATED);
    ck_assert_uint_eq(s.requests, 2); /* the retransmission was not a new request */
    ck_assert_uint_eq(w.sv.ep.stats.duplicates, 1);
    ck_assert_uint_eq(w.cl.ep.stats.retransmissions, 1);
    ck_assert_uint_eq(s.got.len, sizeof(body));
    ck_assert_int_eq(memcmp(s.got.data, body, sizeof(body)), 0);
    net_free(&w);
    srv_free(&s);
}
END_TEST

static Suite *coap_suite(void)
{
    Suite *s = suite_create("coap");
    TCase *c = tcase_create("codec");
    tcase_add_test(c, r7252_a_get_and_piggybacked_content_bytes);
    tcase_add_test(c, r7252_3_lwm2m_register_bytes);
    tcase_add_test(c, r7252_3_1_option_lengths_0_12_13_268_269_max);
    tcase_add_test(c, r7252_3_1_option_deltas_0_12_13_268_269_max);
    tcase_add_test(c, r7252_3_1_options_sorted_stably_and_repeated_get_delta_0);
    tcase_add_test(c, r7252_3_every_malformed_input_is_rejected_with_its_code);
    tcase_add_test(c, r7252_3_build_refuses_what_cannot_be_encoded);
    tcase_add_test(c, r7252_3_2_uint_values_are_minimal);
    tcase_add_test(c, r7252_6_4_segments_join_and_split);
    tcase_add_test(c, r7959_2_2_block_option_values);
    tcase_add_test(c, r7641_3_4_observe_freshness);
    tcase_add_test(c, r7252_12_1_code_names_for_traces);
    suite_add_tcase(s, c);

    TCase *e = tcase_create("endpoint");
    tcase_add_test(e, r7252_4_2_retransmission_times_with_a_fixed_seed);
    tcase_add_test(e, r7252_4_2_seeds_differ_only_within_the_random_factor);
    tcase_add_test(e, r7252_4_8_config_changes_the_schedule);
    tcase_add_test(e, r7252_4_2_late_tick_catches_up_in_order);
    tcase_add_test(e, r7252_5_2_1_piggybacked_response);
    tcase_add_test(e, r7252_5_3_2_ack_with_wrong_token_is_ignored);
    tcase_add_test(e, r7252_5_2_2_separate_response_flow);
    tcase_add_test(e, r7252_5_2_2_separate_response_before_ack_and_as_non);
    tcase_add_test(e, r7252_5_3_2_response_to_unknown_token_is_reset_if_con);
    tcase_add_test(e, r7252_4_2_reset_to_our_request_and_malformed_and_ping);
    tcase_add_test(e, r7252_4_5_duplicate_con_gets_the_cached_response);
    tcase_add_test(e, r7252_4_5_duplicate_non_is_dropped_and_answered_non);
    tcase_add_test(e, r7252_5_2_2_server_separate_response);
    tcase_add_test(e, r7252_4_2_pending_duplicate_is_acked_and_answer_goes_separate);
    tcase_add_test(e, r7252_4_7_nstart_queues_con_requests);
    tcase_add_test(e, r7252_4_7_nstart_2_sends_two_at_once);
    tcase_add_test(e, r7641_3_6_reset_to_a_notification_carries_the_token);
    tcase_add_test(e, r7641_4_5_unacked_con_notification_times_out);
    tcase_add_test(e, r7641_3_observe_client_notifications_stale_and_cancel);
    tcase_add_test(e, r7641_3_2_error_notification_ends_the_observation);
    tcase_add_test(e, r7252_5_3_1_tokens_drawn_given_and_unique);
    tcase_add_test(e, r7252_bounded_exchanges_and_dedup_cache);
    suite_add_tcase(s, e);

    TCase *b = tcase_create("block-wise");
    tcase_add_test(b, r7959_2_5_block1_register_1300_bytes_in_1024_blocks);
    tcase_add_test(b, r7959_2_5_block1_first_request_options);
    tcase_add_test(b, r7959_2_3_block1_szx_renegotiation);
    tcase_add_test(b, r7959_2_9_block1_gap_is_4_08_and_too_large_is_4_13);
    tcase_add_test(b, r7959_2_9_block1_gap_and_too_large_end_to_end);
    tcase_add_test(b, r7959_2_4_block2_download_70k_in_512_streamed);
    tcase_add_test(b, r7959_2_4_block2_szx_renegotiation);
    tcase_add_test(b, r7959_2_4_block2_etag_change_is_detected);
    tcase_add_test(b, r7959_2_4_block2_protocol_errors);
    tcase_add_test(b, r7252_4_5_block1_upload_over_a_lossy_link);
    suite_add_tcase(s, b);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(coap_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
