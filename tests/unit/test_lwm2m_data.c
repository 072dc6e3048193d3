/* test_lwm2m_data.c - the LwM2M content formats (protocol/lwm2m_data.h):
 * paths, the value list, TLV against the byte sequences of the examples in
 * OMA-TS-LightweightM2M-V1_0 §6.4.3 (checked by hand below), text/plain,
 * opaque, OMA JSON (the TS's form and the SARA-R5's +ULWM2MREAD form),
 * CoRE link format and write-attributes; every rejection path of every
 * decoder; round trips of pseudo-random value lists. */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/lwm2m_data.h"

/* ---- helpers ------------------------------------------------------------- */

static char *hex(const uint8_t *p, size_t n)
{
    static char buf[2][4096];
    static int which;
    char *s = buf[which ^= 1];
    size_t k = 0;
    for (size_t i = 0; i < n && k + 4 < sizeof buf[0]; i++)
        k += (size_t)snprintf(s + k, sizeof buf[0] - k, "%02X ", p[i]);
    s[k] = 0;
    return s;
}

#define ck_assert_bytes(b, exp, n)                                                               \
    ck_assert_msg((b)->len == (n) && ((n) == 0 || memcmp((b)->data, (exp), (n)) == 0),          \
                  "got %s\nwant %s",                                                             \
                  hex((b)->data, (b)->len), hex((const uint8_t *)(exp), (n)))

#define ck_assert_text(b, exp)                                                                   \
    ck_assert_msg((b)->len == strlen(exp) && (!(b)->len || !memcmp((b)->data, (exp), (b)->len)), \
                  "got  %s\nwant %s", (b)->data ? (char *)(b)->data : "(null)", (exp))

static lwm2m_path P(const char *s)
{
    lwm2m_path p;
    ck_assert_int_eq(lwm2m_path_parse(s, strlen(s), &p), 0);
    return p;
}

static void add(lwm2m_list *l, const char *path, lwm2m_value v)
{
    lwm2m_path p = P(path);
    ck_assert_int_eq(lwm2m_list_add(l, &p, &v), 0);
}

static void ck_entry_path(const lwm2m_list *l, size_t i, const char *path)
{
    char buf[LWM2M_PATH_STR_MAX];
    ck_assert_uint_lt(i, l->len);
    lwm2m_path_format(&l->items[i].path, buf);
    ck_assert_str_eq(buf, path);
}

/* ---- the TS's examples (§6.4.3), checked by hand ------------------------- */

/* §6.4.3.1, a read of /3/0: 121 bytes of resources.  Each item: type byte
 * (bits 7-6 kind: 11 resource, 10 multiple resource, 01 resource instance;
 * bits 4-3 length field size; bits 2-0 the length when no field), id, length. */
static const uint8_t DEVICE_TLV[121] = {
    0xC8, 0x00, 0x14, /* res 0, 8-bit length 20: */
    'O', 'p', 'e', 'n', ' ', 'M', 'o', 'b', 'i', 'l', 'e', ' ', 'A', 'l', 'l', 'i', 'a', 'n', 'c', 'e',
    0xC8, 0x01, 0x16, /* res 1, length 22 */
    'L', 'i', 'g', 'h', 't', 'w', 'e', 'i', 'g', 'h', 't', ' ', 'M', '2', 'M', ' ', 'C', 'l', 'i', 'e', 'n', 't',
    0xC8, 0x02, 0x09, '3', '4', '5', '0', '0', '0', '1', '2', '3', /* res 2, length 9 */
    0xC3, 0x03, '1', '.', '0',                       /* res 3, length 3 in the type byte */
    0x86, 0x06, 0x41, 0x00, 0x01, 0x41, 0x01, 0x05, /* res 6: [0]=1 [1]=5, 6 bytes */
    0x88, 0x07, 0x08, 0x42, 0x00, 0x0E, 0xD8, 0x42, 0x01, 0x13, 0x88, /* res 7: 3800, 5000 */
    0x87, 0x08, 0x41, 0x00, 0x7D, 0x42, 0x01, 0x03, 0x84, /* res 8: 125, 900 */
    0xC1, 0x09, 0x64,                   /* res 9 battery level 100 */
    0xC1, 0x0A, 0x0F,                   /* res 10 memory free 15 */
    0x83, 0x0B, 0x41, 0x00, 0x00,       /* res 11 error code [0]=0 */
    0xC4, 0x0D, 0x51, 0x82, 0x42, 0x8F, /* res 13 current time 0x5182428F */
    0xC6, 0x0E, '+', '0', '2', ':', '0', '0', /* res 14 UTC offset */
    0xC1, 0x10, 'U',                    /* res 16 binding */
};

static void device_list(lwm2m_list *l)
{
    add(l, "/3/0/0", lwm2m_v_str("Open Mobile Alliance"));
    add(l, "/3/0/1", lwm2m_v_str("Lightweight M2M Client"));
    add(l, "/3/0/2", lwm2m_v_str("345000123"));
    add(l, "/3/0/3", lwm2m_v_str("1.0"));
    add(l, "/3/0/6/0", lwm2m_v_int(1));
    add(l, "/3/0/6/1", lwm2m_v_int(5));
    add(l, "/3/0/7/0", lwm2m_v_int(3800));
    add(l, "/3/0/7/1", lwm2m_v_int(5000));
    add(l, "/3/0/8/0", lwm2m_v_int(125));
    add(l, "/3/0/8/1", lwm2m_v_int(900));
    add(l, "/3/0/9", lwm2m_v_int(100));
    add(l, "/3/0/10", lwm2m_v_int(15));
    add(l, "/3/0/11/0", lwm2m_v_int(0));
    add(l, "/3/0/13", lwm2m_v_time(0x5182428F));
    add(l, "/3/0/14", lwm2m_v_str("+02:00"));
    add(l, "/3/0/16", lwm2m_v_str("U"));
}

/* Object 3's resource types (OMA registry 3.xml). */
static int device_types(void *ctx, uint16_t obj, uint16_t res)
{
    (void)ctx;
    if (obj != 3)
        return LWM2M_E_NOTFOUND;
    switch (res) {
    case 0: case 1: case 2: case 3: case 14: case 15: case 16: return LWM2M_T_STRING;
    case 6: case 7: case 8: case 9: case 10: case 11: return LWM2M_T_INTEGER;
    case 13: return LWM2M_T_TIME;
    default: return LWM2M_E_NOTFOUND;
    }
}

/* §6.4.3.2 a read of /2: Access Control instances 0 and 2 (38 bytes). */
static const uint8_t ACCESS_TLV[] = {
    0x08, 0x00, 0x0E,       /* instance 0, 8-bit length 14 */
    0xC1, 0x00, 0x01,       /*   res 0 object id 1 */
    0xC1, 0x01, 0x00,       /*   res 1 instance id 0 */
    0x83, 0x02, 0x41, 0x7F, 0x07, /* res 2 ACL: [127] = 7 */
    0xC1, 0x03, 0x7F,       /*   res 3 owner 127 */
    0x08, 0x02, 0x12,       /* instance 2, length 18 */
    0xC1, 0x00, 0x03,       /*   object id 3 */
    0xC1, 0x01, 0x00,       /*   instance id 0 */
    0x87, 0x02, 0x41, 0x7F, 0x07, 0x61, 0x01, 0x36, 0x01, /* ACL: [127]=7, [310]=1 (16-bit id 0x0136) */
    0xC1, 0x03, 0x7F,       /*   owner 127 */
};

static void access_list(lwm2m_list *l)
{
    add(l, "/2/0/0", lwm2m_v_int(1));
    add(l, "/2/0/1", lwm2m_v_int(0));
    add(l, "/2/0/2/127", lwm2m_v_int(7));
    add(l, "/2/0/3", lwm2m_v_int(127));
    add(l, "/2/2/0", lwm2m_v_int(3));
    add(l, "/2/2/1", lwm2m_v_int(0));
    add(l, "/2/2/2/127", lwm2m_v_int(7));
    add(l, "/2/2/2/310", lwm2m_v_int(1));
    add(l, "/2/2/3", lwm2m_v_int(127));
}

/* §6.4.3.2 a read of /1: the Server object's one instance. */
static const uint8_t SERVER_TLV[] = {
    0x08, 0x00, 0x0F,                   /* instance 0, length 15 */
    0xC1, 0x00, 0x01,                   /*   short server id 1 */
    0xC4, 0x01, 0x00, 0x01, 0x51, 0x80, /*   lifetime 86400: 4 bytes */
    0xC1, 0x06, 0x01,                   /*   notification storing: true */
    0xC1, 0x07, 'U',                    /*   binding */
};

/* §6.4.3.3 an instance holding an objlnk multiple resource. */
static const uint8_t OBJLNK_TLV[] = {
    0x88, 0x00, 0x0C,                         /* res 0, 12 bytes of instances */
    0x44, 0x00, 0x00, 0x42, 0x00, 0x00,       /*   [0] = 66:0 */
    0x44, 0x01, 0x00, 0x42, 0x00, 0x01,       /*   [1] = 66:1 */
    0xC8, 0x01, 0x0D, '8', '6', '1', '3', '8', '0', '0', '7', '5', '5', '5', '0', '0',
    0xC4, 0x02, 0x12, 0x34, 0x56, 0x78,       /* res 2 = 0x12345678 */
};

/* §6.4.3.3 a read of object 66: two instances, an objlnk each (the second
 * the null link 65535:65535). */
static const uint8_t OBJ66_TLV[] = {
    0x08, 0x00, 0x26, /* instance 0, 38 bytes */
    0xC8, 0x00, 0x0B, 'm', 'y', 'S', 'e', 'r', 'v', 'i', 'c', 'e', ' ', '1',
    0xC8, 0x01, 0x0F, 'I', 'n', 't', 'e', 'r', 'n', 'e', 't', '.', '1', '5', '.', '2', '3', '4',
    0xC4, 0x02, 0x00, 0x43, 0x00, 0x00, /* 67:0 */
    0x08, 0x01, 0x26, /* instance 1 */
    0xC8, 0x00, 0x0B, 'm', 'y', 'S', 'e', 'r', 'v', 'i', 'c', 'e', ' ', '2',
    0xC8, 0x01, 0x0F, 'I', 'n', 't', 'e', 'r', 'n', 'e', 't', '.', '1', '5', '.', '2', '3', '5',
    0xC4, 0x02, 0xFF, 0xFF, 0xFF, 0xFF,
};

/* ---- paths --------------------------------------------------------------- */

START_TEST(path_parse_and_format)
{
    static const struct {
        const char *s;
        int depth;
        unsigned id[4];
    } ok[] = {
        { "/", 0, { 0 } },          { "/3", 1, { 3 } },          { "/3/0", 2, { 3, 0 } },
        { "/3/0/1", 3, { 3, 0, 1 } }, { "/3/0/11/2", 4, { 3, 0, 11, 2 } }, { "/10308", 1, { 10308 } },
        { "/65534/65534/65534/65534", 4, { 65534, 65534, 65534, 65534 } },
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        lwm2m_path p;
        ck_assert_int_eq(lwm2m_path_parse(ok[i].s, strlen(ok[i].s), &p), 0);
        ck_assert_int_eq(p.depth, ok[i].depth);
        for (int k = 0; k < 4; k++)
            ck_assert_uint_eq(p.id[k], k < ok[i].depth ? ok[i].id[k] : LWM2M_ID_NONE);
        char buf[LWM2M_PATH_STR_MAX];
        ck_assert_int_eq(lwm2m_path_format(&p, buf), (int)strlen(ok[i].s));
        ck_assert_str_eq(buf, ok[i].s);
    }
}
END_TEST

START_TEST(path_parse_rejects_junk)
{
    static const char *bad[] = {
        "",       "3/0",     "/3/",      "//",        "/3//0",     "/a",       "/3/0x",
        "/3/0/1/2/3", "/65535", "/99999", "/4294967296", "/03",  "/0/00",    " /3",
        "/3 ",    "/-1",     "/+1",      "/3/0/1/",   "/3.0",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        lwm2m_path p = lwm2m_path_o(7);
        ck_assert_msg(lwm2m_path_parse(bad[i], strlen(bad[i]), &p) == LWM2M_E_PATH, "accepted \"%s\"", bad[i]);
        ck_assert_int_eq(p.depth, 1); /* untouched */
    }
    lwm2m_path p;
    ck_assert_int_eq(lwm2m_path_parse("/3\0/0", 5, &p), LWM2M_E_PATH); /* a NUL inside */
    ck_assert_int_eq(lwm2m_path_parse(NULL, 0, &p), LWM2M_E_PATH);
    lwm2m_path bad_id = lwm2m_path_oi(3, 65535);
    char buf[LWM2M_PATH_STR_MAX];
    ck_assert_int_eq(lwm2m_path_format(&bad_id, buf), LWM2M_E_PATH);
    ck_assert(!lwm2m_path_valid(&bad_id));
}
END_TEST

START_TEST(path_order_and_prefix)
{
    lwm2m_path o = P("/3"), oi = P("/3/0"), r1 = P("/3/0/1"), r10 = P("/3/0/10"), r2 = P("/3/0/2"),
               ri = P("/3/0/1/0"), other = P("/4/0/1"), root = P("/");
    ck_assert(lwm2m_path_is_under(&r1, &o));
    ck_assert(lwm2m_path_is_under(&r1, &r1));
    ck_assert(lwm2m_path_is_under(&r1, &root));
    ck_assert(!lwm2m_path_is_under(&oi, &r1));
    ck_assert(!lwm2m_path_is_under(&other, &o));
    ck_assert_int_lt(lwm2m_path_cmp(&o, &oi), 0);
    ck_assert_int_lt(lwm2m_path_cmp(&r1, &ri), 0);
    ck_assert_int_lt(lwm2m_path_cmp(&ri, &r2), 0);
    ck_assert_int_lt(lwm2m_path_cmp(&r2, &r10), 0); /* numeric, not text, order */
    ck_assert_int_gt(lwm2m_path_cmp(&other, &r10), 0);
    ck_assert(lwm2m_path_equal(&r1, &r1));
}
END_TEST

/* ---- the value list ------------------------------------------------------ */

START_TEST(list_add_rules)
{
    lwm2m_list l;
    lwm2m_list_init(&l);
    lwm2m_value none = lwm2m_v_none(), i = lwm2m_v_int(1);
    lwm2m_path o = P("/3"), oi = P("/3/0"), r = P("/3/0/1"), ri = P("/3/0/1/2");
    lwm2m_path bad = lwm2m_path_oir(3, 0, 65535);
    ck_assert_int_eq(lwm2m_list_add(&l, &o, &i), LWM2M_E_PATH);
    ck_assert_int_eq(lwm2m_list_add(&l, &o, &none), LWM2M_E_PATH);
    ck_assert_int_eq(lwm2m_list_add(&l, &oi, &i), LWM2M_E_PATH);
    ck_assert_int_eq(lwm2m_list_add(&l, &ri, &none), LWM2M_E_PATH);
    ck_assert_int_eq(lwm2m_list_add(&l, &bad, &i), LWM2M_E_PATH);
    ck_assert_int_eq(lwm2m_list_add(&l, &oi, &none), 0);
    ck_assert_int_eq(lwm2m_list_add(&l, &r, &none), 0);
    ck_assert_int_eq(lwm2m_list_add(&l, &ri, &i), 0);
    /* strings: UTF-8, no NUL */
    lwm2m_value s = lwm2m_v_strn("a\0b", 3);
    ck_assert_int_eq(lwm2m_list_add(&l, &r, &s), LWM2M_E_TYPE);
    s = lwm2m_v_strn("\xC3\xA9t\xC3\xA9", 5); /* "été" */
    ck_assert_int_eq(lwm2m_list_add(&l, &r, &s), 0);
    static const char *bad_utf8[] = { "\xC3", "\xC0\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xFF", "\x80" };
    for (size_t k = 0; k < sizeof bad_utf8 / sizeof bad_utf8[0]; k++) {
        s = lwm2m_v_str(bad_utf8[k]);
        ck_assert_int_eq(lwm2m_list_add(&l, &r, &s), LWM2M_E_TYPE);
    }
    lwm2m_value holes = lwm2m_v_opaque(NULL, 3);
    ck_assert_int_eq(lwm2m_list_add(&l, &r, &holes), LWM2M_E_INVALID);
    lwm2m_value weird = i;
    weird.type = (lwm2m_type)42;
    ck_assert_int_eq(lwm2m_list_add(&l, &r, &weird), LWM2M_E_INVALID);
    ck_assert_uint_eq(l.len, 4);
    /* the list owns NUL-terminated copies */
    ck_assert_str_eq((const char *)l.items[3].value.v.bytes.p, "\xC3\xA9t\xC3\xA9");
    ck_assert_uint_eq(l.bytes, 5);
    lwm2m_list_free(&l);
}
END_TEST

START_TEST(list_limits)
{
    lwm2m_list l;
    lwm2m_list_init(&l);
    lwm2m_list_set_limits(&l, 3, 10);
    lwm2m_path r = P("/3/0/1");
    lwm2m_value s = lwm2m_v_str("12345678");
    ck_assert_int_eq(lwm2m_list_add(&l, &r, &s), 0);
    s = lwm2m_v_str("123");
    ck_assert_int_eq(lwm2m_list_add(&l, &r, &s), LWM2M_E_LIMIT); /* 8 + 3 > 10 bytes */
    s = lwm2m_v_str("12");
    ck_assert_int_eq(lwm2m_list_add(&l, &r, &s), 0);
    lwm2m_value i = lwm2m_v_int(1);
    ck_assert_int_eq(lwm2m_list_add(&l, &r, &i), 0);
    ck_assert_int_eq(lwm2m_list_add(&l, &r, &i), LWM2M_E_LIMIT); /* 3 items */
    /* replacing a value counts only the new bytes against the limit */
    s = lwm2m_v_str("abcdefgh");
    ck_assert_int_eq(lwm2m_list_set_value(&l, 0, &s), 0);
    ck_assert_str_eq((const char *)l.items[0].value.v.bytes.p, "abcdefgh");
    s = lwm2m_v_str("abcdefghi");
    ck_assert_int_eq(lwm2m_list_set_value(&l, 0, &s), LWM2M_E_LIMIT);
    ck_assert_str_eq((const char *)l.items[0].value.v.bytes.p, "abcdefgh");
    ck_assert_uint_eq(l.bytes, 10);
    ck_assert_int_eq(lwm2m_list_set_value(&l, 0, &i), 0);
    ck_assert_uint_eq(l.bytes, 2);
    ck_assert_int_eq(lwm2m_list_set_value(&l, 9, &i), LWM2M_E_INVALID);
    lwm2m_list_clear(&l);
    ck_assert_uint_eq(l.len, 0);
    ck_assert_uint_eq(l.bytes, 0);
    ck_assert_uint_eq(l.max_items, 3);
    lwm2m_list_free(&l);
}
END_TEST

START_TEST(list_sort_find_equal)
{
    lwm2m_list a, b;
    lwm2m_list_init(&a);
    lwm2m_list_init(&b);
    add(&a, "/3/0/10", lwm2m_v_int(1));
    add(&a, "/3/0/2", lwm2m_v_int(2));
    add(&a, "/3/0/2", lwm2m_v_int(3)); /* same path: keeps its place after the first */
    add(&a, "/1/0/1", lwm2m_v_int(4));
    add(&b, "/1/0/1", lwm2m_v_int(4));
    add(&b, "/3/0/2", lwm2m_v_int(2));
    add(&b, "/3/0/2", lwm2m_v_int(3));
    add(&b, "/3/0/10", lwm2m_v_int(1));
    ck_assert(!lwm2m_list_equal(&a, &b));
    ck_assert_int_eq(lwm2m_list_sort(&a), 0);
    ck_assert(lwm2m_list_equal(&a, &b));
    lwm2m_path p = P("/3/0/2");
    ck_assert_int_eq(lwm2m_list_find(&a, &p)->value.v.i, 2);
    p = P("/3/0/3");
    ck_assert_ptr_null(lwm2m_list_find(&a, &p));
    lwm2m_value f1 = lwm2m_v_float(0.0), f2 = lwm2m_v_float(-0.0), n1 = lwm2m_v_float(NAN);
    ck_assert(!lwm2m_value_equal(&f1, &f2));
    ck_assert(lwm2m_value_equal(&n1, &n1));
    lwm2m_list_free(&a);
    lwm2m_list_free(&b);
}
END_TEST

START_TEST(value_coerce_table)
{
    bytebuf scratch;
    bytebuf_init(&scratch);
    lwm2m_value out;
    lwm2m_value i5 = lwm2m_v_int(5), neg = lwm2m_v_int(-1), f5 = lwm2m_v_float(5.0),
                f55 = lwm2m_v_float(5.5), big = lwm2m_v_uint(UINT64_MAX), s = lwm2m_v_str("AQI="),
                bad64 = lwm2m_v_str("AQI"), b = lwm2m_v_bool(true), huge = lwm2m_v_float(1e30);
    ck_assert_int_eq(lwm2m_value_coerce(&i5, LWM2M_T_FLOAT, &out, &scratch), 0);
    ck_assert(out.type == LWM2M_T_FLOAT && out.v.f == 5.0);
    ck_assert_int_eq(lwm2m_value_coerce(&i5, LWM2M_T_TIME, &out, &scratch), 0);
    ck_assert(out.type == LWM2M_T_TIME && out.v.i == 5);
    ck_assert_int_eq(lwm2m_value_coerce(&i5, LWM2M_T_UNSIGNED, &out, &scratch), 0);
    ck_assert(out.type == LWM2M_T_UNSIGNED && out.v.u == 5);
    ck_assert_int_eq(lwm2m_value_coerce(&neg, LWM2M_T_UNSIGNED, &out, &scratch), LWM2M_E_RANGE);
    ck_assert_int_eq(lwm2m_value_coerce(&f5, LWM2M_T_INTEGER, &out, &scratch), 0);
    ck_assert(out.type == LWM2M_T_INTEGER && out.v.i == 5);
    ck_assert_int_eq(lwm2m_value_coerce(&f55, LWM2M_T_INTEGER, &out, &scratch), LWM2M_E_TYPE);
    ck_assert_int_eq(lwm2m_value_coerce(&huge, LWM2M_T_INTEGER, &out, &scratch), LWM2M_E_RANGE);
    ck_assert_int_eq(lwm2m_value_coerce(&big, LWM2M_T_INTEGER, &out, &scratch), LWM2M_E_RANGE);
    ck_assert_int_eq(lwm2m_value_coerce(&s, LWM2M_T_OPAQUE, &out, &scratch), 0);
    ck_assert(out.type == LWM2M_T_OPAQUE && out.v.bytes.len == 2 && out.v.bytes.p[0] == 1 &&
              out.v.bytes.p[1] == 2);
    ck_assert_int_eq(lwm2m_value_coerce(&bad64, LWM2M_T_OPAQUE, &out, &scratch), LWM2M_E_TYPE);
    ck_assert_int_eq(lwm2m_value_coerce(&i5, LWM2M_T_BOOLEAN, &out, &scratch), LWM2M_E_TYPE);
    ck_assert_int_eq(lwm2m_value_coerce(&b, LWM2M_T_INTEGER, &out, &scratch), LWM2M_E_TYPE);
    ck_assert_int_eq(lwm2m_value_coerce(&i5, LWM2M_T_STRING, &out, &scratch), LWM2M_E_TYPE);
    ck_assert_int_eq(lwm2m_value_coerce(&s, LWM2M_T_OBJLNK, &out, &scratch), LWM2M_E_TYPE);
    ck_assert_int_eq(lwm2m_value_coerce(&i5, LWM2M_T_NONE, &out, &scratch), LWM2M_E_TYPE);
    bytebuf_free(&scratch);
}
END_TEST

/* ---- TLV: the TS's examples ---------------------------------------------- */

static void ck_tlv_encodes(const lwm2m_list *l, const char *base, const uint8_t *exp, size_t n)
{
    bytebuf b;
    bytebuf_init(&b);
    lwm2m_path p = P(base);
    ck_assert_int_eq(lwm2m_tlv_encode(l, &p, &b), 0);
    ck_assert_bytes(&b, exp, n);
    bytebuf_free(&b);
}

START_TEST(tlv_device_instance_example)
{
    lwm2m_list l, typed;
    lwm2m_list_init(&l);
    lwm2m_list_init(&typed);
    device_list(&l);
    ck_tlv_encodes(&l, "/3/0", DEVICE_TLV, sizeof DEVICE_TLV);

    lwm2m_path base = P("/3/0");
    ck_assert_int_eq(lwm2m_tlv_decode_typed(DEVICE_TLV, sizeof DEVICE_TLV, &base, device_types, NULL, &typed), 0);
    ck_assert(lwm2m_list_equal(&l, &typed));

    /* untyped: raw bytes per resource, read with the typed readers */
    lwm2m_list raw;
    lwm2m_list_init(&raw);
    ck_assert_int_eq(lwm2m_tlv_decode(DEVICE_TLV, sizeof DEVICE_TLV, &base, &raw), 0);
    ck_assert_uint_eq(raw.len, 16);
    ck_entry_path(&raw, 7, "/3/0/7/1");
    const lwm2m_value *v = &raw.items[7].value;
    ck_assert_int_eq(v->type, LWM2M_T_OPAQUE);
    int64_t i;
    ck_assert_int_eq(lwm2m_tlv_read_int(v->v.bytes.p, v->v.bytes.len, &i), 0);
    ck_assert_int_eq(i, 5000);
    v = &raw.items[13].value; /* /3/0/13 */
    ck_assert_int_eq(lwm2m_tlv_read_int(v->v.bytes.p, v->v.bytes.len, &i), 0);
    ck_assert_int_eq(i, 1367491215);
    lwm2m_list_free(&l);
    lwm2m_list_free(&typed);
    lwm2m_list_free(&raw);
}
END_TEST

START_TEST(tlv_device_object_example)
{
    /* a read of /3: the same 121 bytes inside object instance 0: 08 00 79 */
    uint8_t exp[3 + sizeof DEVICE_TLV] = { 0x08, 0x00, 0x79 };
    memcpy(exp + 3, DEVICE_TLV, sizeof DEVICE_TLV);
    lwm2m_list l, back;
    lwm2m_list_init(&l);
    lwm2m_list_init(&back);
    device_list(&l);
    ck_tlv_encodes(&l, "/3", exp, sizeof exp);
    lwm2m_path base = P("/3");
    ck_assert_int_eq(lwm2m_tlv_decode_typed(exp, sizeof exp, &base, device_types, NULL, &back), 0);
    ck_assert(lwm2m_list_equal(&l, &back));
    lwm2m_list_free(&l);
    lwm2m_list_free(&back);
}
END_TEST

START_TEST(tlv_single_resource_examples)
{
    lwm2m_list l;
    lwm2m_list_init(&l);
    device_list(&l);
    /* a read of /3/0/0 is its resource TLV alone; of /3/0/6 the multiple
     * resource; of /3/0/6/1 one resource instance */
    lwm2m_list one;
    lwm2m_list_init(&one);
    add(&one, "/3/0/0", lwm2m_v_str("Open Mobile Alliance"));
    ck_tlv_encodes(&one, "/3/0/0", DEVICE_TLV, 23);
    lwm2m_list_clear(&one);
    add(&one, "/3/0/6/0", lwm2m_v_int(1));
    add(&one, "/3/0/6/1", lwm2m_v_int(5));
    ck_tlv_encodes(&one, "/3/0/6", DEVICE_TLV + 65, 8);
    lwm2m_list_clear(&one);
    add(&one, "/3/0/6/1", lwm2m_v_int(5));
    static const uint8_t rinst[] = { 0x41, 0x01, 0x05 };
    ck_tlv_encodes(&one, "/3/0/6/1", rinst, 3);

    /* and they decode against the same paths */
    lwm2m_list back;
    lwm2m_list_init(&back);
    lwm2m_path base = P("/3/0/6");
    ck_assert_int_eq(lwm2m_tlv_decode_typed(DEVICE_TLV + 65, 8, &base, device_types, NULL, &back), 0);
    ck_assert_uint_eq(back.len, 2);
    ck_entry_path(&back, 1, "/3/0/6/1");
    ck_assert_int_eq(back.items[1].value.v.i, 5);
    lwm2m_list_clear(&back);
    /* a write of one resource instance to /3/0/6 (resource instances at the top) */
    ck_assert_int_eq(lwm2m_tlv_decode(rinst, 3, &base, &back), 0);
    ck_entry_path(&back, 0, "/3/0/6/1");
    lwm2m_list_free(&l);
    lwm2m_list_free(&one);
    lwm2m_list_free(&back);
}
END_TEST

START_TEST(tlv_access_control_two_instances)
{
    lwm2m_list l, back;
    lwm2m_list_init(&l);
    lwm2m_list_init(&back);
    access_list(&l);
    ck_tlv_encodes(&l, "/2", ACCESS_TLV, sizeof ACCESS_TLV);
    lwm2m_path base = P("/2");
    ck_assert_int_eq(lwm2m_tlv_decode(ACCESS_TLV, sizeof ACCESS_TLV, &base, &back), 0);
    ck_assert_uint_eq(back.len, 9);
    ck_entry_path(&back, 7, "/2/2/2/310");
    int64_t i;
    ck_assert_int_eq(lwm2m_tlv_read_int(back.items[7].value.v.bytes.p, back.items[7].value.v.bytes.len, &i), 0);
    ck_assert_int_eq(i, 1);
    lwm2m_list_free(&l);
    lwm2m_list_free(&back);
}
END_TEST

START_TEST(tlv_server_object_example)
{
    lwm2m_list l;
    lwm2m_list_init(&l);
    add(&l, "/1/0/0", lwm2m_v_int(1));
    add(&l, "/1/0/1", lwm2m_v_int(86400));
    add(&l, "/1/0/6", lwm2m_v_bool(true));
    add(&l, "/1/0/7", lwm2m_v_str("U"));
    ck_tlv_encodes(&l, "/1", SERVER_TLV, sizeof SERVER_TLV);
    lwm2m_list_free(&l);
}
END_TEST

static int objlnk_types(void *ctx, uint16_t obj, uint16_t res)
{
    (void)ctx;
    (void)obj;
    return res == 0 ? LWM2M_T_OBJLNK : res == 1 ? LWM2M_T_STRING : LWM2M_T_INTEGER;
}

static int obj66_types(void *ctx, uint16_t obj, uint16_t res)
{
    (void)ctx;
    (void)obj;
    return res == 2 ? LWM2M_T_OBJLNK : LWM2M_T_STRING;
}

START_TEST(tlv_objlnk_examples)
{
    lwm2m_list l, back;
    lwm2m_list_init(&l);
    lwm2m_list_init(&back);
    add(&l, "/65/0/0/0", lwm2m_v_objlnk(66, 0));
    add(&l, "/65/0/0/1", lwm2m_v_objlnk(66, 1));
    add(&l, "/65/0/1", lwm2m_v_str("8613800755500"));
    add(&l, "/65/0/2", lwm2m_v_int(0x12345678));
    ck_tlv_encodes(&l, "/65/0", OBJLNK_TLV, sizeof OBJLNK_TLV);
    lwm2m_path base = P("/65/0");
    ck_assert_int_eq(lwm2m_tlv_decode_typed(OBJLNK_TLV, sizeof OBJLNK_TLV, &base, objlnk_types, NULL, &back), 0);
    ck_assert(lwm2m_list_equal(&l, &back));

    lwm2m_list_clear(&l);
    lwm2m_list_clear(&back);
    add(&l, "/66/0/0", lwm2m_v_str("myService 1"));
    add(&l, "/66/0/1", lwm2m_v_str("Internet.15.234"));
    add(&l, "/66/0/2", lwm2m_v_objlnk(67, 0));
    add(&l, "/66/1/0", lwm2m_v_str("myService 2"));
    add(&l, "/66/1/1", lwm2m_v_str("Internet.15.235"));
    add(&l, "/66/1/2", lwm2m_v_objlnk(65535, 65535));
    ck_tlv_encodes(&l, "/66", OBJ66_TLV, sizeof OBJ66_TLV);
    base = P("/66");
    ck_assert_int_eq(lwm2m_tlv_decode_typed(OBJ66_TLV, sizeof OBJ66_TLV, &base, obj66_types, NULL, &back), 0);
    ck_assert(lwm2m_list_equal(&l, &back));
    lwm2m_list_free(&l);
    lwm2m_list_free(&back);
}
END_TEST

/* ---- TLV: encodings ------------------------------------------------------ */

START_TEST(tlv_encoder_sorts_and_wraps)
{
    /* entries in any order come out in path order, as the TS's examples are */
    lwm2m_list l;
    lwm2m_list_init(&l);
    add(&l, "/2/2/3", lwm2m_v_int(127));
    add(&l, "/2/0/2/127", lwm2m_v_int(7));
    add(&l, "/2/2/2/310", lwm2m_v_int(1));
    add(&l, "/2/0/0", lwm2m_v_int(1));
    add(&l, "/2/2/0", lwm2m_v_int(3));
    add(&l, "/2/0/3", lwm2m_v_int(127));
    add(&l, "/2/2/1", lwm2m_v_int(0));
    add(&l, "/2/0/1", lwm2m_v_int(0));
    add(&l, "/2/2/2/127", lwm2m_v_int(7));
    ck_tlv_encodes(&l, "/2", ACCESS_TLV, sizeof ACCESS_TLV);
    lwm2m_list_clear(&l);
    /* empty containers: an instance without resources, a multiple resource
     * without instances */
    add(&l, "/9/1", lwm2m_v_none());
    add(&l, "/9/2/5", lwm2m_v_none());
    /* 00 01: instance 1, length 0; 02 02: instance 2, length 2; 80 05: res 5, no instances */
    static const uint8_t empty[] = { 0x00, 0x01, 0x02, 0x02, 0x80, 0x05 };
    ck_tlv_encodes(&l, "/9", empty, sizeof empty);
    lwm2m_list_clear(&l);
    add(&l, "/9/1", lwm2m_v_none());
    ck_tlv_encodes(&l, "/9/1", (const uint8_t *)"", 0);
    lwm2m_list_clear(&l);
    ck_tlv_encodes(&l, "/9", (const uint8_t *)"", 0); /* an object without instances */
    lwm2m_list_free(&l);
}
END_TEST

static void ck_one_value(lwm2m_value v, const uint8_t *exp, size_t n)
{
    lwm2m_list l;
    lwm2m_list_init(&l);
    add(&l, "/1/0/1", v);
    ck_tlv_encodes(&l, "/1/0/1", exp, n);
    lwm2m_list_free(&l);
}

START_TEST(tlv_integers_take_the_fewest_bytes)
{
    static const struct {
        int64_t v;
        uint8_t bytes[11];
        size_t n;
    } cases[] = {
        { 0, { 0xC1, 1, 0x00 }, 3 },
        { 127, { 0xC1, 1, 0x7F }, 3 },
        { -128, { 0xC1, 1, 0x80 }, 3 },
        { 128, { 0xC2, 1, 0x00, 0x80 }, 4 },
        { -129, { 0xC2, 1, 0xFF, 0x7F }, 4 },
        { 32767, { 0xC2, 1, 0x7F, 0xFF }, 4 },
        { -32768, { 0xC2, 1, 0x80, 0x00 }, 4 },
        { 32768, { 0xC4, 1, 0x00, 0x00, 0x80, 0x00 }, 6 },
        { INT32_MAX, { 0xC4, 1, 0x7F, 0xFF, 0xFF, 0xFF }, 6 },
        { INT32_MIN, { 0xC4, 1, 0x80, 0x00, 0x00, 0x00 }, 6 },
        /* 8 bytes do not fit bits 2-0: an 8-bit length field (0xC8) */
        { (int64_t)INT32_MAX + 1, { 0xC8, 1, 8, 0, 0, 0, 0, 0x80, 0, 0, 0 }, 11 },
        { INT64_MIN, { 0xC8, 1, 8, 0x80, 0, 0, 0, 0, 0, 0, 0 }, 11 },
        { -1, { 0xC1, 1, 0xFF }, 3 },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        ck_one_value(lwm2m_v_int(cases[k].v), cases[k].bytes, cases[k].n);
        int64_t back;
        size_t hdr = cases[k].n == 11 ? 3 : 2;
        ck_assert_int_eq(lwm2m_tlv_read_int(cases[k].bytes + hdr, cases[k].n - hdr, &back), 0);
        ck_assert_int_eq(back, cases[k].v);
    }
    /* unsigned: the same widths, read without sign */
    static const uint8_t u200[] = { 0xC1, 1, 0xC8 }, umax[] = { 0xC8, 1, 8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
    ck_one_value(lwm2m_v_uint(200), u200, sizeof u200);
    ck_one_value(lwm2m_v_uint(UINT64_MAX), umax, sizeof umax);
    uint64_t u;
    ck_assert_int_eq(lwm2m_tlv_read_uint(u200 + 2, 1, &u), 0);
    ck_assert_uint_eq(u, 200);
    /* times are integers */
    static const uint8_t t[] = { 0xC4, 1, 0x51, 0x82, 0x42, 0x8F };
    ck_one_value(lwm2m_v_time(0x5182428F), t, sizeof t);
}
END_TEST

START_TEST(tlv_floats_booleans_objlnks)
{
    /* 1.5 is exact in binary32: 0x3FC00000; 0.1 is not: binary64 0x3FB999999999999A */
    static const uint8_t f15[] = { 0xC4, 1, 0x3F, 0xC0, 0x00, 0x00 };
    static const uint8_t f01[] = { 0xC8, 1, 8, 0x3F, 0xB9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9A };
    static const uint8_t finf[] = { 0xC4, 1, 0xFF, 0x80, 0x00, 0x00 };
    static const uint8_t fbig[] = { 0xC8, 1, 8, 0x47, 0xEF, 0xFF, 0xFF, 0xE0, 0x00, 0x00, 0x01 };
    ck_one_value(lwm2m_v_float(1.5), f15, sizeof f15);
    ck_one_value(lwm2m_v_float(0.1), f01, sizeof f01);
    ck_one_value(lwm2m_v_float(-INFINITY), finf, sizeof finf);
    /* past FLT_MAX (and not a float): binary64, no overflowing conversion */
    double big;
    ck_assert_int_eq(lwm2m_tlv_read_float(fbig + 3, 8, &big), 0);
    ck_assert(big > FLT_MAX);
    ck_one_value(lwm2m_v_float(big), fbig, sizeof fbig);
    double f;
    ck_assert_int_eq(lwm2m_tlv_read_float(f15 + 2, 4, &f), 0);
    ck_assert(f == 1.5);
    ck_assert_int_eq(lwm2m_tlv_read_float(f01 + 3, 8, &f), 0);
    ck_assert(f == 0.1);
    static const uint8_t bt[] = { 0xC1, 1, 0x01 }, bf[] = { 0xC1, 1, 0x00 };
    ck_one_value(lwm2m_v_bool(true), bt, sizeof bt);
    ck_one_value(lwm2m_v_bool(false), bf, sizeof bf);
    static const uint8_t lnk[] = { 0xC4, 1, 0x00, 0x0B, 0x00, 0x00 };
    ck_one_value(lwm2m_v_objlnk(11, 0), lnk, sizeof lnk);
    static const uint8_t empty_str[] = { 0xC0, 1 };
    ck_one_value(lwm2m_v_str(""), empty_str, sizeof empty_str);

    /* readers refuse other widths and values */
    static const uint8_t z[9] = { 0 }, two[1] = { 2 };
    for (size_t n = 0; n <= 9; n++) {
        int64_t i;
        uint64_t u;
        bool ok = n == 1 || n == 2 || n == 4 || n == 8;
        ck_assert_int_eq(lwm2m_tlv_read_int(z, n, &i), ok ? 0 : LWM2M_E_TYPE);
        ck_assert_int_eq(lwm2m_tlv_read_uint(z, n, &u), ok ? 0 : LWM2M_E_TYPE);
        ck_assert_int_eq(lwm2m_tlv_read_float(z, n, &f), n == 4 || n == 8 ? 0 : LWM2M_E_TYPE);
        bool b;
        ck_assert_int_eq(lwm2m_tlv_read_bool(z, n, &b), n == 1 ? 0 : LWM2M_E_TYPE);
        lwm2m_objlnk o;
        ck_assert_int_eq(lwm2m_tlv_read_objlnk(z, n, &o), n == 4 ? 0 : LWM2M_E_TYPE);
    }
    bool b;
    ck_assert_int_eq(lwm2m_tlv_read_bool(two, 1, &b), LWM2M_E_TYPE);
    lwm2m_value v;
    ck_assert_int_eq(lwm2m_tlv_read_value((const uint8_t *)"\xC3", 1, LWM2M_T_STRING, &v), LWM2M_E_TYPE);
    ck_assert_int_eq(lwm2m_tlv_read_value(z, 1, LWM2M_T_NONE, &v), LWM2M_E_TYPE);
    ck_assert_int_eq(lwm2m_tlv_read_value(z, 0, LWM2M_T_NONE, &v), 0);
    ck_assert_int_eq(lwm2m_tlv_read_value(z, 1, (lwm2m_type)99, &v), LWM2M_E_INVALID);
}
END_TEST

/* Lengths: in the type byte up to 7, then 8-, 16-, 24-bit fields; ids past
 * 255 take 16 bits. */
START_TEST(tlv_length_and_id_forms)
{
    static const struct {
        size_t len;
        uint8_t type;
        size_t hdr;
    } cases[] = {
        { 0, 0xC0, 2 },     { 7, 0xC7, 2 },     { 8, 0xC8, 3 },         { 255, 0xC8, 3 },
        { 256, 0xD0, 4 },   { 65535, 0xD0, 4 }, { 65536, 0xD8, 5 },
    };
    static uint8_t payload[65536];
    memset(payload, 0xAB, sizeof payload);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        lwm2m_list l, back;
        lwm2m_list_init(&l);
        lwm2m_list_init(&back);
        add(&l, "/1/0/5", lwm2m_v_opaque(payload, cases[k].len));
        bytebuf b;
        bytebuf_init(&b);
        lwm2m_path base = P("/1/0/5");
        ck_assert_int_eq(lwm2m_tlv_encode(&l, &base, &b), 0);
        ck_assert_uint_eq(b.len, cases[k].hdr + cases[k].len);
        ck_assert_uint_eq(b.data[0], cases[k].type);
        ck_assert_uint_eq(b.data[1], 5);
        if (cases[k].hdr > 2) /* big-endian length field */
            ck_assert_uint_eq(b.data[2], cases[k].len >> (8 * (cases[k].hdr - 3)) & 0xFF);
        ck_assert_int_eq(lwm2m_tlv_decode(b.data, b.len, &base, &back), 0);
        ck_assert(lwm2m_list_equal(&l, &back));
        bytebuf_free(&b);
        lwm2m_list_free(&l);
        lwm2m_list_free(&back);
    }
    /* 16-bit ids at every level; 255 still fits 8 bits */
    lwm2m_list l;
    lwm2m_list_init(&l);
    add(&l, "/300/256/255/65534", lwm2m_v_int(1));
    /* instance 256: 0x26 (16-bit id, length 6); multiple resource 255: 0x84;
     * resource instance 65534: 0x61 (16-bit id, length 1) */
    static const uint8_t ids[] = { 0x26, 0x01, 0x00, 0x84, 0xFF, 0x61, 0xFF, 0xFE, 0x01 };
    ck_tlv_encodes(&l, "/300", ids, sizeof ids);
    lwm2m_list_free(&l);
    /* a decoder also takes a 24-bit length field and one a writer need not
     * have used (a 16-bit field for 3 bytes) */
    static const uint8_t wide[] = { 0xD8, 0x01, 0x00, 0x00, 0x01, 0x2A,              /* 24-bit length 1 */
                                    0xF0, 0x00, 0x02, 0x00, 0x02, 0x00, 0x07 };     /* 16-bit id and length */
    lwm2m_list back;
    lwm2m_list_init(&back);
    lwm2m_path base = P("/1/0");
    ck_assert_int_eq(lwm2m_tlv_decode(wide, sizeof wide, &base, &back), 0);
    ck_assert_uint_eq(back.len, 2);
    ck_assert_uint_eq(back.items[1].value.v.bytes.len, 2);
    lwm2m_list_free(&back);
}
END_TEST

START_TEST(tlv_value_too_long_for_24_bits)
{
    lwm2m_list l;
    lwm2m_list_init(&l);
    lwm2m_list_set_limits(&l, 4, 0x1000001);
    uint8_t *big = calloc(1, 0x1000000);
    ck_assert_ptr_nonnull(big);
    add(&l, "/1/0/5", lwm2m_v_opaque(big, 0x1000000));
    bytebuf b;
    bytebuf_init(&b);
    bytebuf_append_str(&b, "keep");
    lwm2m_path base = P("/1/0");
    ck_assert_int_eq(lwm2m_tlv_encode(&l, &base, &b), LWM2M_E_LIMIT);
    ck_assert_text(&b, "keep");
    free(big);
    bytebuf_free(&b);
    lwm2m_list_free(&l);
}
END_TEST

START_TEST(tlv_wrapped_writes_decode)
{
    /* an object instance TLV around a write to /1/0 (Wakaama and Leshan
     * both accept it), and around a write of one resource */
    lwm2m_list back;
    lwm2m_list_init(&back);
    lwm2m_path base = P("/1/0");
    ck_assert_int_eq(lwm2m_tlv_decode(SERVER_TLV, sizeof SERVER_TLV, &base, &back), 0);
    ck_assert_uint_eq(back.len, 4);
    ck_entry_path(&back, 3, "/1/0/7");
    lwm2m_list_clear(&back);
    static const uint8_t one[] = { 0x08, 0x00, 0x03, 0xC1, 0x07, 'U' };
    base = P("/1/0/7");
    ck_assert_int_eq(lwm2m_tlv_decode(one, sizeof one, &base, &back), 0);
    ck_entry_path(&back, 0, "/1/0/7");
    /* an empty payload is an empty list */
    lwm2m_list_clear(&back);
    ck_assert_int_eq(lwm2m_tlv_decode(NULL, 0, &base, &back), 0);
    ck_assert_uint_eq(back.len, 0);
    /* empty containers */
    /* (instance 2 with a needless 8-bit length field: taken too) */
    static const uint8_t empties[] = { 0x00, 0x01, 0x08, 0x02, 0x02, 0x80, 0x05 };
    base = P("/9");
    ck_assert_int_eq(lwm2m_tlv_decode(empties, sizeof empties, &base, &back), 0);
    ck_assert_uint_eq(back.len, 2);
    ck_entry_path(&back, 0, "/9/1");
    ck_assert_int_eq(back.items[0].value.type, LWM2M_T_NONE);
    ck_entry_path(&back, 1, "/9/2/5");
    ck_assert_int_eq(back.items[1].value.type, LWM2M_T_NONE);
    lwm2m_list_free(&back);
}
END_TEST

/* ---- TLV: rejections ----------------------------------------------------- */

static int tlv_rc(const uint8_t *p, size_t n, const char *base)
{
    lwm2m_list l;
    lwm2m_list_init(&l);
    add(&l, "/7/7/7", lwm2m_v_int(7)); /* a decode that fails adds nothing */
    lwm2m_path b = P(base);
    int rc = lwm2m_tlv_decode(p, n, &b, &l);
    if (rc) {
        ck_assert_uint_eq(l.len, 1);
        ck_assert_uint_eq(l.bytes, 0);
    }
    lwm2m_list_free(&l);
    return rc;
}

START_TEST(tlv_every_truncation_is_refused)
{
    /* every cut of the payload that is not at an item boundary of the top
     * level is truncated; the boundary cuts decode */
    static const size_t bounds[] = { 0, 23, 48, 60, 65, 73, 84, 93, 96, 99, 104, 110, 118, 121 };
    for (size_t n = 0; n <= sizeof DEVICE_TLV; n++) {
        bool boundary = false;
        for (size_t k = 0; k < sizeof bounds / sizeof bounds[0]; k++)
            boundary |= bounds[k] == n;
        ck_assert_msg(tlv_rc(DEVICE_TLV, n, "/3/0") == (boundary ? 0 : LWM2M_E_TRUNCATED), "cut at %zu", n);
    }
    for (size_t n = 0; n < sizeof ACCESS_TLV; n++)
        ck_assert_int_eq(tlv_rc(ACCESS_TLV, n, "/2"), n == 0 || n == 17 ? 0 : LWM2M_E_TRUNCATED);
}
END_TEST

START_TEST(tlv_rejects_malformed)
{
    static const struct {
        const char *what;
        uint8_t b[12];
        size_t n;
        const char *base;
        int rc;
    } cases[] = {
        { "16-bit id cut", { 0xE1, 0x01 }, 2, "/1/0", LWM2M_E_TRUNCATED },
        { "length field cut", { 0xC8, 0x01 }, 2, "/1/0", LWM2M_E_TRUNCATED },
        { "24-bit length cut", { 0xD8, 0x01, 0x00, 0x00 }, 4, "/1/0", LWM2M_E_TRUNCATED },
        { "length past the end", { 0xC4, 0x01, 0x00 }, 3, "/1/0", LWM2M_E_TRUNCATED },
        { "child longer than its container", { 0x83, 0x02, 0x42, 0x7F, 0x07, 0x07 }, 6, "/2/0", LWM2M_E_TRUNCATED },
        { "container cuts its child", { 0x82, 0x02, 0x41, 0x7F, 0x07 }, 5, "/2/0", LWM2M_E_TRUNCATED },
        { "instance in instance", { 0x05, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00 }, 7, "/2", LWM2M_E_FORMAT },
        { "multiple in multiple", { 0x84, 0x01, 0x80, 0x02, 0x00, 0x00 }, 6, "/2/0", LWM2M_E_FORMAT },
        { "resource in multiple", { 0x83, 0x01, 0xC1, 0x02, 0x00 }, 5, "/2/0", LWM2M_E_FORMAT },
        { "resource instance in instance", { 0x03, 0x00, 0x41, 0x01, 0x00 }, 5, "/2", LWM2M_E_FORMAT },
        { "resources for an object", { 0xC1, 0x01, 0x00 }, 3, "/2", LWM2M_E_PATH },
        { "resource instances for an instance", { 0x41, 0x01, 0x00 }, 3, "/2/0", LWM2M_E_PATH },
        { "another resource than asked", { 0xC1, 0x02, 0x00 }, 3, "/1/0/1", LWM2M_E_PATH },
        { "another instance than asked", { 0x03, 0x01, 0xC1, 0x01, 0x00 }, 5, "/1/0", LWM2M_E_PATH },
        { "wrapper with a stranger", { 0x06, 0x00, 0xC1, 0x01, 0x00, 0xC1, 0x02, 0x00 }, 8, "/1/0/1", LWM2M_E_PATH },
        { "reserved id 65535", { 0xE1, 0xFF, 0xFF, 0x00 }, 4, "/1/0", LWM2M_E_PATH },
        { "resource twice", { 0xC1, 0x01, 0x00, 0xC1, 0x01, 0x01 }, 6, "/1/0", LWM2M_E_FORMAT },
        { "single and multiple", { 0xC1, 0x01, 0x00, 0x83, 0x01, 0x41, 0x00, 0x00 }, 8, "/1/0", LWM2M_E_FORMAT },
        { "empty instance and its resource", { 0x00, 0x00, 0x03, 0x00, 0xC1, 0x01, 0x00 }, 7, "/1", LWM2M_E_FORMAT },
        { "resource instance twice", { 0x86, 0x01, 0x41, 0x00, 0x00, 0x41, 0x00, 0x01 }, 8, "/1/0", LWM2M_E_FORMAT },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        ck_assert_msg(tlv_rc(cases[k].b, cases[k].n, cases[k].base) == cases[k].rc, "%s: got %s",
                      cases[k].what, lwm2m_strerror(tlv_rc(cases[k].b, cases[k].n, cases[k].base)));
    lwm2m_list l;
    lwm2m_list_init(&l);
    lwm2m_path root = P("/"), bad = lwm2m_path_oi(1, 65535);
    ck_assert_int_eq(lwm2m_tlv_decode(DEVICE_TLV, 3, &root, &l), LWM2M_E_PATH);
    ck_assert_int_eq(lwm2m_tlv_decode(DEVICE_TLV, 3, &bad, &l), LWM2M_E_PATH);
    lwm2m_path base = P("/3/0");
    ck_assert_int_eq(lwm2m_tlv_decode(NULL, 3, &base, &l), LWM2M_E_INVALID);
    /* the list's own bounds */
    lwm2m_list_set_limits(&l, 5, 1000);
    ck_assert_int_eq(lwm2m_tlv_decode(DEVICE_TLV, sizeof DEVICE_TLV, &base, &l), LWM2M_E_LIMIT);
    ck_assert_uint_eq(l.len, 0);
    lwm2m_list_free(&l);
}
END_TEST

static int unknown_res(void *ctx, uint16_t obj, uint16_t res)
{
    return res == 13 ? LWM2M_E_NOTFOUND : device_types(ctx, obj, res);
}

static int bad_type(void *ctx, uint16_t obj, uint16_t res)
{
    (void)ctx;
    (void)obj;
    (void)res;
    return 77;
}

START_TEST(tlv_typed_decode_refusals)
{
    lwm2m_list l;
    lwm2m_list_init(&l);
    lwm2m_path base = P("/3/0");
    /* the resolver's error comes back, and the list is as it was */
    ck_assert_int_eq(lwm2m_tlv_decode_typed(DEVICE_TLV, sizeof DEVICE_TLV, &base, unknown_res, NULL, &l),
                     LWM2M_E_NOTFOUND);
    ck_assert_uint_eq(l.len, 0);
    ck_assert_uint_eq(l.bytes, 0);
    ck_assert_int_eq(lwm2m_tlv_decode_typed(DEVICE_TLV, sizeof DEVICE_TLV, &base, bad_type, NULL, &l),
                     LWM2M_E_INVALID);
    ck_assert_int_eq(lwm2m_tlv_decode_typed(DEVICE_TLV, sizeof DEVICE_TLV, &base, NULL, NULL, &l),
                     LWM2M_E_INVALID);
    /* a 3-byte integer, a string that is not UTF-8 */
    static const uint8_t odd_int[] = { 0xC3, 0x09, 0x00, 0x00, 0x01 };
    ck_assert_int_eq(lwm2m_tlv_decode_typed(odd_int, sizeof odd_int, &base, device_types, NULL, &l), LWM2M_E_TYPE);
    static const uint8_t latin1[] = { 0xC2, 0x00, 'G', 0xE9 };
    ck_assert_int_eq(lwm2m_tlv_decode_typed(latin1, sizeof latin1, &base, device_types, NULL, &l), LWM2M_E_TYPE);
    ck_assert_uint_eq(l.len, 0);
    lwm2m_list_free(&l);
}
END_TEST

START_TEST(tlv_encode_refusals)
{
    lwm2m_list l;
    lwm2m_list_init(&l);
    bytebuf b;
    bytebuf_init(&b);
    bytebuf_append_str(&b, "x");
    add(&l, "/3/0/1", lwm2m_v_int(1));
    add(&l, "/3/1/1", lwm2m_v_int(1));
    lwm2m_path base = P("/3/0");
    ck_assert_int_eq(lwm2m_tlv_encode(&l, &base, &b), LWM2M_E_PATH); /* /3/1/1 outside */
    base = P("/");
    ck_assert_int_eq(lwm2m_tlv_encode(&l, &base, &b), LWM2M_E_PATH);
    lwm2m_list_clear(&l);
    add(&l, "/3/0/6", lwm2m_v_int(1));
    add(&l, "/3/0/6/0", lwm2m_v_int(1));
    base = P("/3/0");
    ck_assert_int_eq(lwm2m_tlv_encode(&l, &base, &b), LWM2M_E_INVALID); /* single and multiple */
    lwm2m_list_clear(&l);
    add(&l, "/3/0/6", lwm2m_v_int(1));
    add(&l, "/3/0/6", lwm2m_v_int(2));
    ck_assert_int_eq(lwm2m_tlv_encode(&l, &base, &b), LWM2M_E_INVALID); /* twice */
    ck_assert_text(&b, "x");
    lwm2m_list_free(&l);
    bytebuf_free(&b);
}
END_TEST

/* ---- pseudo-random value lists ------------------------------------------- */

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Resource r of the generated objects has type 1 + r % 8 (every type with a
 * value), so a resolver can give it back. */
static int gen_types(void *ctx, uint16_t obj, uint16_t res)
{
    (void)ctx;
    (void)obj;
    return 1 + res % 8;
}

static lwm2m_value gen_value(uint64_t *s, lwm2m_type t, bool json, uint8_t *buf)
{
    uint64_t r = rnd(s);
    size_t n = r % 24;
    switch (t) {
    case LWM2M_T_STRING:
        for (size_t k = 0; k < n; k++)
            buf[k] = (uint8_t)(' ' + rnd(s) % 95);
        if (n >= 2 && r % 3 == 0)
            buf[0] = 0xC3, buf[1] = 0xA9; /* é */
        return lwm2m_v_strn((const char *)buf, n);
    case LWM2M_T_OPAQUE:
        for (size_t k = 0; k < n; k++)
            buf[k] = (uint8_t)rnd(s);
        return lwm2m_v_opaque(buf, n);
    case LWM2M_T_INTEGER: {
        uint64_t mag = rnd(s) >> (r % 64);
        return lwm2m_v_int((int64_t)(r & 1 ? 0 - mag : mag));
    }
    case LWM2M_T_UNSIGNED: return lwm2m_v_uint(rnd(s) >> (r % 64));
    case LWM2M_T_TIME: return lwm2m_v_time((int64_t)(rnd(s) >> (1 + r % 63)));
    case LWM2M_T_BOOLEAN: return lwm2m_v_bool(r & 1);
    case LWM2M_T_OBJLNK: return lwm2m_v_objlnk((uint16_t)rnd(s), (uint16_t)rnd(s));
    default: {
        double f;
        uint64_t bits = rnd(s);
        if (r % 4 == 0)
            f = (double)(int)(bits % 2001) - 1000.0; /* integral floats */
        else if (r % 4 == 1)
            f = (float)((double)(bits % 100000) / 7.0); /* binary32-exact */
        else
            memcpy(&f, &bits, sizeof f);
        if (json && !isfinite(f))
            f = 0.25;
        return lwm2m_v_float(f);
    }
    }
}

/* One object, 1-3 instances, 1-8 resources each, some multiple; paths in
 * increasing order; some entries timed when json. */
static void gen_list(uint64_t *s, lwm2m_list *l, uint16_t obj, bool json, bool one_instance)
{
    uint8_t buf[32];
    unsigned insts = one_instance ? 1 : 1 + rnd(s) % 3;
    uint16_t inst = (uint16_t)(rnd(s) % 4);
    for (unsigned i = 0; i < insts; i++, inst = (uint16_t)(inst + 1 + rnd(s) % 300)) {
        unsigned nres = 1 + rnd(s) % 8;
        uint16_t res = (uint16_t)(rnd(s) % 5);
        for (unsigned r = 0; r < nres; r++, res = (uint16_t)(res + 1 + rnd(s) % 40)) {
            lwm2m_type t = (lwm2m_type)gen_types(NULL, obj, res);
            unsigned multi = rnd(s) % 4 == 0 ? 1 + rnd(s) % 3 : 0;
            uint16_t ri = (uint16_t)(rnd(s) % 3);
            for (unsigned k = 0; k < (multi ? multi : 1); k++, ri = (uint16_t)(ri + 1 + rnd(s) % 400)) {
                lwm2m_path p = multi ? lwm2m_path_oiri(obj, inst, res, ri) : lwm2m_path_oir(obj, inst, res);
                lwm2m_value v = gen_value(s, t, json, buf);
                if (json && rnd(s) % 5 == 0)
                    ck_assert_int_eq(lwm2m_list_add_timed(l, &p, &v, (int64_t)(rnd(s) >> 2) - (1ll << 60)), 0);
                else
                    ck_assert_int_eq(lwm2m_list_add(l, &p, &v), 0);
            }
        }
    }
}

START_TEST(tlv_round_trips)
{
    uint64_t seed = 0x9E3779B97F4A7C15ull + (uint64_t)_i;
    for (int round = 0; round < 200; round++) {
        lwm2m_list l, back;
        lwm2m_list_init(&l);
        lwm2m_list_init(&back);
        uint16_t obj = (uint16_t)(rnd(&seed) % 40000);
        gen_list(&seed, &l, obj, false, false);
        bytebuf b;
        bytebuf_init(&b);
        lwm2m_path base = lwm2m_path_o(obj);
        ck_assert_int_eq(lwm2m_tlv_encode(&l, &base, &b), 0);
        ck_assert_int_eq(lwm2m_tlv_decode_typed(b.data, b.len, &base, gen_types, NULL, &back), 0);
        ck_assert(lwm2m_list_equal(&l, &back));
        /* and one instance read against its own path */
        lwm2m_path oi = l.items[0].path;
        oi.depth = 2;
        lwm2m_list_truncate(&back, 0);
        bytebuf_clear(&b);
        lwm2m_list inst;
        lwm2m_list_init(&inst);
        for (size_t i = 0; i < l.len && lwm2m_path_is_under(&l.items[i].path, &oi); i++)
            ck_assert_int_eq(lwm2m_list_add(&inst, &l.items[i].path, &l.items[i].value), 0);
        ck_assert_int_eq(lwm2m_tlv_encode(&inst, &oi, &b), 0);
        ck_assert_int_eq(lwm2m_tlv_decode_typed(b.data, b.len, &oi, gen_types, NULL, &back), 0);
        ck_assert(lwm2m_list_equal(&inst, &back));
        lwm2m_list_free(&inst);
        bytebuf_free(&b);
        lwm2m_list_free(&l);
        lwm2m_list_free(&back);
    }
}
END_TEST

/* ---- text/plain and opaque ----------------------------------------------- */

static void ck_text(lwm2m_value v, const char *exp)
{
    bytebuf b;
    bytebuf_init(&b);
    ck_assert_int_eq(lwm2m_text_encode(&v, &b), 0);
    ck_assert_text(&b, exp);
    bytebuf_free(&b);
}

START_TEST(text_encodes)
{
    ck_text(lwm2m_v_int(-42), "-42");
    ck_text(lwm2m_v_int(INT64_MIN), "-9223372036854775808");
    ck_text(lwm2m_v_uint(UINT64_MAX), "18446744073709551615");
    ck_text(lwm2m_v_time(1367491215), "1367491215");
    ck_text(lwm2m_v_float(0.1), "0.1");
    ck_text(lwm2m_v_float(5.0), "5");
    ck_text(lwm2m_v_float(-0.0), "-0");
    ck_text(lwm2m_v_float(1e300), "1e+300");
    ck_text(lwm2m_v_float(3.8000000000000003), "3.8000000000000003");
    /* plain decimals where %g's shortest form would take an exponent */
    ck_text(lwm2m_v_float(50.0), "50");
    ck_text(lwm2m_v_float(1500.0), "1500");
    ck_text(lwm2m_v_float(-86400.0), "-86400");
    ck_text(lwm2m_v_float(1e20), "100000000000000000000");
    ck_text(lwm2m_v_float(1e21), "1e+21");
    ck_text(lwm2m_v_float(0.0001), "0.0001");
    ck_text(lwm2m_v_float(1e-5), "1e-05");
    ck_text(lwm2m_v_bool(true), "1");
    ck_text(lwm2m_v_bool(false), "0");
    ck_text(lwm2m_v_objlnk(3, 0), "3:0");
    ck_text(lwm2m_v_str("coap://example.org/fw.bin"), "coap://example.org/fw.bin");
    ck_text(lwm2m_v_opaque("\x00\x01\x02\xFF", 4), "AAEC/w==");
    ck_text(lwm2m_v_opaque("ab", 2), "YWI=");
    ck_text(lwm2m_v_opaque("abc", 3), "YWJj");
    ck_text(lwm2m_v_opaque("", 0), "");
    bytebuf b;
    bytebuf_init(&b);
    lwm2m_value v = lwm2m_v_none();
    ck_assert_int_eq(lwm2m_text_encode(&v, &b), LWM2M_E_TYPE);
    v = lwm2m_v_float(NAN);
    ck_assert_int_eq(lwm2m_text_encode(&v, &b), LWM2M_E_TYPE);
    v = lwm2m_v_float(INFINITY);
    ck_assert_int_eq(lwm2m_text_encode(&v, &b), LWM2M_E_TYPE);
    ck_assert_uint_eq(b.len, 0);
    bytebuf_free(&b);
}
END_TEST

/* Decodes s into a fresh list l (cleared first); *out views its entry. */
static int text_rc(lwm2m_list *l, const char *s, lwm2m_type t, lwm2m_value *out)
{
    lwm2m_list_clear(l);
    lwm2m_path p = P("/5/0/1");
    int rc = lwm2m_text_decode((const uint8_t *)s, strlen(s), t, &p, l);
    ck_assert_uint_eq(l->len, rc ? 0 : 1);
    if (!rc && out)
        *out = l->items[0].value;
    return rc;
}

START_TEST(text_decodes_and_refuses)
{
    lwm2m_list l;
    lwm2m_list_init(&l);
    lwm2m_value v;
    ck_assert_int_eq(text_rc(&l, "-9223372036854775808", LWM2M_T_INTEGER, &v), 0);
    ck_assert(v.v.i == INT64_MIN);
    ck_assert_int_eq(text_rc(&l, "18446744073709551615", LWM2M_T_UNSIGNED, &v), 0);
    ck_assert(v.v.u == UINT64_MAX);
    ck_assert_int_eq(text_rc(&l, "86400", LWM2M_T_TIME, &v), 0);
    ck_assert(v.type == LWM2M_T_TIME && v.v.i == 86400);
    ck_assert_int_eq(text_rc(&l, "2.5e-3", LWM2M_T_FLOAT, &v), 0);
    ck_assert(v.v.f == 2.5e-3);
    ck_assert_int_eq(text_rc(&l, "-7", LWM2M_T_FLOAT, &v), 0);
    ck_assert(v.v.f == -7.0);
    ck_assert_int_eq(text_rc(&l, "1", LWM2M_T_BOOLEAN, &v), 0);
    ck_assert(v.v.b);
    ck_assert_int_eq(text_rc(&l, "65535:65535", LWM2M_T_OBJLNK, &v), 0);
    ck_assert(v.v.lnk.obj == 65535 && v.v.lnk.inst == 65535);
    ck_assert_int_eq(text_rc(&l, "AAEC/w==", LWM2M_T_OPAQUE, &v), 0);
    ck_assert(v.v.bytes.len == 4 && v.v.bytes.p[3] == 0xFF);
    ck_assert_int_eq(text_rc(&l, "", LWM2M_T_OPAQUE, &v), 0);
    ck_assert_uint_eq(v.v.bytes.len, 0);
    ck_assert_int_eq(text_rc(&l, "http://h/p?a=1", LWM2M_T_STRING, &v), 0);
    ck_assert_str_eq((const char *)v.v.bytes.p, "http://h/p?a=1");
    ck_assert_int_eq(text_rc(&l, "", LWM2M_T_STRING, &v), 0);

    static const struct {
        const char *s;
        lwm2m_type t;
        int rc;
    } bad[] = {
        { "", LWM2M_T_INTEGER, LWM2M_E_FORMAT },       { "1.5", LWM2M_T_INTEGER, LWM2M_E_FORMAT },
        { " 1", LWM2M_T_INTEGER, LWM2M_E_FORMAT },     { "1 ", LWM2M_T_INTEGER, LWM2M_E_FORMAT },
        { "+1", LWM2M_T_INTEGER, LWM2M_E_FORMAT },     { "-", LWM2M_T_INTEGER, LWM2M_E_FORMAT },
        { "9223372036854775808", LWM2M_T_INTEGER, LWM2M_E_RANGE },
        { "-9223372036854775809", LWM2M_T_INTEGER, LWM2M_E_RANGE },
        { "18446744073709551616", LWM2M_T_UNSIGNED, LWM2M_E_RANGE },
        { "-1", LWM2M_T_UNSIGNED, LWM2M_E_FORMAT },    { "nan", LWM2M_T_FLOAT, LWM2M_E_FORMAT },
        { "inf", LWM2M_T_FLOAT, LWM2M_E_FORMAT },      { "0x10", LWM2M_T_FLOAT, LWM2M_E_FORMAT },
        { "1e999", LWM2M_T_FLOAT, LWM2M_E_RANGE },     { "1e", LWM2M_T_FLOAT, LWM2M_E_FORMAT },
        { ".", LWM2M_T_FLOAT, LWM2M_E_FORMAT },        { "1..2", LWM2M_T_FLOAT, LWM2M_E_FORMAT },
        { "true", LWM2M_T_BOOLEAN, LWM2M_E_FORMAT },   { "2", LWM2M_T_BOOLEAN, LWM2M_E_FORMAT },
        { "", LWM2M_T_BOOLEAN, LWM2M_E_FORMAT },       { "3", LWM2M_T_OBJLNK, LWM2M_E_FORMAT },
        { "3:", LWM2M_T_OBJLNK, LWM2M_E_FORMAT },      { ":0", LWM2M_T_OBJLNK, LWM2M_E_FORMAT },
        { "65536:0", LWM2M_T_OBJLNK, LWM2M_E_RANGE },  { "3:0:1", LWM2M_T_OBJLNK, LWM2M_E_FORMAT },
        { "AAE", LWM2M_T_OPAQUE, LWM2M_E_FORMAT },     { "AA=A", LWM2M_T_OPAQUE, LWM2M_E_FORMAT },
        { "AAE*", LWM2M_T_OPAQUE, LWM2M_E_FORMAT },    { "YWJ=", LWM2M_T_OPAQUE, LWM2M_E_FORMAT },
        { "YR==", LWM2M_T_OPAQUE, LWM2M_E_FORMAT },    { "====", LWM2M_T_OPAQUE, LWM2M_E_FORMAT },
        { "\xC3(", LWM2M_T_STRING, LWM2M_E_TYPE },     { "x", LWM2M_T_NONE, LWM2M_E_TYPE },
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        ck_assert_msg(text_rc(&l, bad[k].s, bad[k].t, NULL) == bad[k].rc, "\"%s\" as %s: got %s", bad[k].s,
                      lwm2m_type_name(bad[k].t), lwm2m_strerror(text_rc(&l, bad[k].s, bad[k].t, NULL)));
    lwm2m_list_free(&l);
}
END_TEST

START_TEST(opaque_cf42)
{
    lwm2m_list l;
    lwm2m_list_init(&l);
    lwm2m_path p = P("/5/0/0");
    ck_assert_int_eq(lwm2m_opaque_decode((const uint8_t *)"\0\1\2", 3, &p, &l), 0);
    ck_assert_int_eq(l.items[0].value.type, LWM2M_T_OPAQUE);
    ck_assert_uint_eq(l.items[0].value.v.bytes.len, 3);
    bytebuf b;
    bytebuf_init(&b);
    ck_assert_int_eq(lwm2m_opaque_encode(&l.items[0].value, &b), 0);
    ck_assert_bytes(&b, "\0\1\2", 3);
    lwm2m_value s = lwm2m_v_str("x");
    ck_assert_int_eq(lwm2m_opaque_encode(&s, &b), LWM2M_E_TYPE);
    lwm2m_path o = P("/5");
    ck_assert_int_eq(lwm2m_opaque_decode((const uint8_t *)"x", 1, &o, &l), LWM2M_E_PATH);
    bytebuf_free(&b);
    lwm2m_list_free(&l);
}
END_TEST

/* ---- OMA JSON: encoding -------------------------------------------------- */

static void ck_json(const lwm2m_list *l, const char *base, unsigned flags, const char *exp)
{
    bytebuf b;
    bytebuf_init(&b);
    lwm2m_path p = P(base);
    ck_assert_int_eq(lwm2m_json_encode(l, &p, flags, &b), 0);
    ck_assert_text(&b, exp);
    bytebuf_free(&b);
}

START_TEST(json_device_example)
{
    lwm2m_list l;
    lwm2m_list_init(&l);
    device_list(&l);
    ck_json(&l, "/3/0", 0,
            "{\"bn\":\"/3/0/\",\"e\":[{\"n\":\"0\",\"sv\":\"Open Mobile Alliance\"},"
            "{\"n\":\"1\",\"sv\":\"Lightweight M2M Client\"},{\"n\":\"2\",\"sv\":\"345000123\"},"
            "{\"n\":\"3\",\"sv\":\"1.0\"},{\"n\":\"6/0\",\"v\":1},{\"n\":\"6/1\",\"v\":5},"
            "{\"n\":\"7/0\",\"v\":3800},{\"n\":\"7/1\",\"v\":5000},{\"n\":\"8/0\",\"v\":125},"
            "{\"n\":\"8/1\",\"v\":900},{\"n\":\"9\",\"v\":100},{\"n\":\"10\",\"v\":15},"
            "{\"n\":\"11/0\",\"v\":0},{\"n\":\"13\",\"v\":1367491215},{\"n\":\"14\",\"sv\":\"+02:00\"},"
            "{\"n\":\"16\",\"sv\":\"U\"}]}");
    /* the same read of /3 names from the object */
    lwm2m_list_truncate(&l, 2);
    ck_json(&l, "/3", 0,
            "{\"bn\":\"/3/\",\"e\":[{\"n\":\"0/0\",\"sv\":\"Open Mobile Alliance\"},"
            "{\"n\":\"0/1\",\"sv\":\"Lightweight M2M Client\"}]}");
    lwm2m_list_free(&l);
}
END_TEST

START_TEST(json_single_and_multiple_resource)
{
    lwm2m_list l;
    lwm2m_list_init(&l);
    add(&l, "/3/0/0", lwm2m_v_str("Open Mobile Alliance"));
    ck_json(&l, "/3/0/0", 0, "{\"bn\":\"/3/0/0\",\"e\":[{\"sv\":\"Open Mobile Alliance\"}]}");
    lwm2m_list_clear(&l);
    add(&l, "/3/0/6/0", lwm2m_v_int(1));
    add(&l, "/3/0/6/1", lwm2m_v_int(5));
    ck_json(&l, "/3/0/6", 0, "{\"bn\":\"/3/0/6/\",\"e\":[{\"n\":\"0\",\"v\":1},{\"n\":\"1\",\"v\":5}]}");
    lwm2m_list_clear(&l);
    ck_json(&l, "/3/0", 0, "{\"bn\":\"/3/0/\",\"e\":[]}");
    ck_json(&l, "/", 0, "{\"bn\":\"/\",\"e\":[]}");
    lwm2m_list_free(&l);
}
END_TEST

/* What the SARA-R5 prints for AT+ULWM2MREAD (app note §3.6, fact sheet
 * §5.7): bn is the request path and a '/', names from the resource id. */
START_TEST(json_module_form)
{
    lwm2m_list l;
    lwm2m_list_init(&l);
    add(&l, "/5/0/1", lwm2m_v_str("http://ucsphttpcontent.services.u-blox.com/p.bin"));
    ck_json(&l, "/5/0/1", LWM2M_JSON_INSTANCE_NAMES,
            "{\"bn\":\"/5/0/1/\",\"e\":[{\"n\":\"1\",\"sv\":\"http://ucsphttpcontent.services.u-blox.com/p.bin\"}]}");
    lwm2m_list_clear(&l);
    /* the /1/10 read of the app note, in the module's order */
    add(&l, "/1/10/0", lwm2m_v_int(721));
    add(&l, "/1/10/1", lwm2m_v_int(86400));
    add(&l, "/1/10/2", lwm2m_v_int(10));
    add(&l, "/1/10/3", lwm2m_v_int(60));
    add(&l, "/1/10/5", lwm2m_v_int(86400));
    add(&l, "/1/10/6", lwm2m_v_bool(false));
    add(&l, "/1/10/7", lwm2m_v_str("UQS"));
    add(&l, "/1/10/10", lwm2m_v_objlnk(11, 0));
    add(&l, "/1/10/30000/1", lwm2m_v_int(30));
    add(&l, "/1/10/30000/0", lwm2m_v_int(0));
    add(&l, "/1/10/12", lwm2m_v_int(0));
    add(&l, "/1/10/18", lwm2m_v_int(30));
    add(&l, "/1/10/17", lwm2m_v_int(4));
    add(&l, "/1/10/16", lwm2m_v_bool(false));
    const char *exp = "{\"bn\":\"/1/10/\",\"e\":[{\"n\":\"0\",\"v\":721},{\"n\":\"1\",\"v\":86400},"
                      "{\"n\":\"2\",\"v\":10},{\"n\":\"3\",\"v\":60},{\"n\":\"5\",\"v\":86400},"
                      "{\"n\":\"6\",\"bv\":false},{\"n\":\"7\",\"sv\":\"UQS\"},{\"n\":\"10\",\"ov\":\"11:0\"},"
                      "{\"n\":\"30000/1\",\"v\":30},{\"n\":\"30000/0\",\"v\":0},{\"n\":\"12\",\"v\":0},"
                      "{\"n\":\"18\",\"v\":30},{\"n\":\"17\",\"v\":4},{\"n\":\"16\",\"bv\":false}]}";
    ck_json(&l, "/1/10", LWM2M_JSON_INSTANCE_NAMES, exp);
    ck_json(&l, "/1/10", 0, exp); /* for an instance both forms agree */
    /* a read of the object: one instance, so bn goes down to it */
    ck_json(&l, "/1", LWM2M_JSON_INSTANCE_NAMES, exp);
    lwm2m_list_truncate(&l, 1);
    add(&l, "/1/11/0", lwm2m_v_int(102));
    ck_json(&l, "/1", LWM2M_JSON_INSTANCE_NAMES,
            "{\"bn\":\"/1/\",\"e\":[{\"n\":\"10/0\",\"v\":721},{\"n\":\"11/0\",\"v\":102}]}");
    lwm2m_list_clear(&l);
    add(&l, "/3/0/6/1", lwm2m_v_int(5));
    ck_json(&l, "/3/0/6/1", LWM2M_JSON_INSTANCE_NAMES, "{\"bn\":\"/3/0/6/1/\",\"e\":[{\"n\":\"6/1\",\"v\":5}]}");
    bytebuf b;
    bytebuf_init(&b);
    lwm2m_path root = P("/");
    ck_assert_int_eq(lwm2m_json_encode(&l, &root, LWM2M_JSON_INSTANCE_NAMES, &b), LWM2M_E_PATH);
    bytebuf_free(&b);
    lwm2m_list_free(&l);
}
END_TEST

START_TEST(json_value_forms)
{
    lwm2m_list l;
    lwm2m_list_init(&l);
    add(&l, "/9/0/0", lwm2m_v_float(1.0));
    add(&l, "/9/0/1", lwm2m_v_float(0.1));
    add(&l, "/9/0/2", lwm2m_v_float(-2.5e-7));
    add(&l, "/9/0/3", lwm2m_v_float(1e21));
    add(&l, "/9/0/4", lwm2m_v_int(INT64_MIN));
    add(&l, "/9/0/5", lwm2m_v_int(INT64_MAX));
    add(&l, "/9/0/6", lwm2m_v_uint(UINT64_MAX));
    add(&l, "/9/0/7", lwm2m_v_opaque("\x01\x02\x03\x04", 4));
    add(&l, "/9/0/8", lwm2m_v_str("q\"uote\\ and \xC3\xA9 \n"));
    add(&l, "/9/0/9", lwm2m_v_objlnk(65535, 65535));
    add(&l, "/9/0/10", lwm2m_v_time(1700000000));
    add(&l, "/9/0/12", lwm2m_v_opaque("", 0)); /* base64 of nothing: "" (once garbage) */
    add(&l, "/9/0/13", lwm2m_v_float(50.0));
    lwm2m_path p = P("/9/0/11");
    lwm2m_value v = lwm2m_v_float(22.4);
    ck_assert_int_eq(lwm2m_list_add_timed(&l, &p, &v, -5), 0);
    ck_json(&l, "/9/0", 0,
            "{\"bn\":\"/9/0/\",\"e\":[{\"n\":\"0\",\"v\":1.0},{\"n\":\"1\",\"v\":0.1},"
            "{\"n\":\"2\",\"v\":-2.5e-07},{\"n\":\"3\",\"v\":1e+21},"
            "{\"n\":\"4\",\"v\":-9223372036854775808},{\"n\":\"5\",\"v\":9223372036854775807},"
            "{\"n\":\"6\",\"v\":18446744073709551615},{\"n\":\"7\",\"sv\":\"AQIDBA==\"},"
            "{\"n\":\"8\",\"sv\":\"q\\\"uote\\\\ and \xC3\xA9 \\n\"},{\"n\":\"9\",\"ov\":\"65535:65535\"},"
            "{\"n\":\"10\",\"v\":1700000000},{\"n\":\"12\",\"sv\":\"\"},{\"n\":\"13\",\"v\":50.0},"
            "{\"n\":\"11\",\"v\":22.4,\"t\":-5}]}");
    /* no JSON for NONE, NaN or infinities; the buffer is left alone */
    bytebuf b;
    bytebuf_init(&b);
    lwm2m_list_clear(&l);
    add(&l, "/9/0/1", lwm2m_v_none());
    lwm2m_path base = P("/9/0");
    ck_assert_int_eq(lwm2m_json_encode(&l, &base, 0, &b), LWM2M_E_TYPE);
    lwm2m_list_clear(&l);
    add(&l, "/9/0/1", lwm2m_v_float(NAN));
    ck_assert_int_eq(lwm2m_json_encode(&l, &base, 0, &b), LWM2M_E_TYPE);
    lwm2m_list_clear(&l);
    add(&l, "/8/0/1", lwm2m_v_int(1));
    ck_assert_int_eq(lwm2m_json_encode(&l, &base, 0, &b), LWM2M_E_PATH);
    lwm2m_path bad = lwm2m_path_o(65535);
    ck_assert_int_eq(lwm2m_json_encode(&l, &bad, 0, &b), LWM2M_E_PATH);
    ck_assert_uint_eq(b.len, 0);
    bytebuf_free(&b);
    lwm2m_list_free(&l);
}
END_TEST

/* ---- OMA JSON: decoding -------------------------------------------------- */

static int json_rc(const char *s, const char *base, unsigned flags, lwm2m_list *out)
{
    lwm2m_path b;
    if (base)
        b = P(base);
    return lwm2m_json_decode(s, strlen(s), base ? &b : NULL, flags, out);
}

START_TEST(json_decodes)
{
    lwm2m_list l;
    lwm2m_list_init(&l);
    /* the app note's write, well formed */
    ck_assert_int_eq(json_rc("{\"bn\":\"/1/10/\", \"e\": [{\"n\":\"1\", \"v\":604800}]}", NULL, 0, &l), 0);
    ck_entry_path(&l, 0, "/1/10/1");
    ck_assert(l.items[0].value.type == LWM2M_T_INTEGER && l.items[0].value.v.i == 604800);
    lwm2m_list_clear(&l);
    /* the module's read of /5/0/1: TS names give /5/0/1/1, the module's /5/0/1 */
    const char *uri = "{\"bn\":\"/5/0/1/\",\"e\":[{\"n\":\"1\",\"sv\":\"coap://h/f\"}]}";
    ck_assert_int_eq(json_rc(uri, NULL, 0, &l), 0);
    ck_entry_path(&l, 0, "/5/0/1/1");
    ck_assert_int_eq(json_rc(uri, NULL, LWM2M_JSON_INSTANCE_NAMES, &l), 0);
    ck_entry_path(&l, 1, "/5/0/1");
    ck_assert_str_eq((const char *)l.items[1].value.v.bytes.p, "coap://h/f");
    lwm2m_list_clear(&l);
    /* no n: bn itself; absolute names; no bn: relative to the request */
    ck_assert_int_eq(json_rc("{\"bn\":\"/3/0/0\",\"e\":[{\"sv\":\"x\"},{\"n\":\"/3/0/1\",\"sv\":\"y\"}]}", NULL, 0, &l), 0);
    ck_entry_path(&l, 0, "/3/0/0");
    ck_entry_path(&l, 1, "/3/0/1");
    ck_assert_int_eq(json_rc("{\"e\":[{\"n\":\"2\",\"sv\":\"z\"},{\"n\":\"6/1\",\"v\":5}]}", "/3/0", 0, &l), 0);
    ck_entry_path(&l, 2, "/3/0/2");
    ck_entry_path(&l, 3, "/3/0/6/1");
    ck_assert_int_eq(json_rc("{\"e\":[{\"n\":\"3/0/9\",\"v\":5}]}", "/", 0, &l), 0);
    ck_entry_path(&l, 4, "/3/0/9");
    ck_assert_int_eq(json_rc("{\"e\":[{\"v\":5}]}", "/3/0/9", 0, &l), 0);
    ck_entry_path(&l, 5, "/3/0/9");
    ck_assert_int_eq(json_rc("{\"e\":[{\"n\":\"2\",\"v\":5}]}", "/3/0/9", 0, &l), 0);
    ck_entry_path(&l, 6, "/3/0/9/2");
    lwm2m_list_clear(&l);
    /* value kinds; numbers exact to 64 bits */
    ck_assert_int_eq(json_rc("{\"bn\":\"/9/0/\",\"e\":[{\"n\":\"0\",\"v\":-9223372036854775808},"
                             "{\"n\":\"1\",\"v\":18446744073709551615},{\"n\":\"2\",\"v\":1.0},"
                             "{\"n\":\"3\",\"v\":1E2},{\"n\":\"4\",\"bv\":true},{\"n\":\"5\",\"ov\":\"11:0\"},"
                             "{\"n\":\"6\",\"sv\":\"\\u00e9\\n\"},{\"n\":\"7\",\"v\":9007199254740993}]}",
                             NULL, 0, &l), 0);
    ck_assert(l.items[0].value.type == LWM2M_T_INTEGER && l.items[0].value.v.i == INT64_MIN);
    ck_assert(l.items[1].value.type == LWM2M_T_UNSIGNED && l.items[1].value.v.u == UINT64_MAX);
    ck_assert(l.items[2].value.type == LWM2M_T_FLOAT && l.items[2].value.v.f == 1.0);
    ck_assert(l.items[3].value.type == LWM2M_T_FLOAT && l.items[3].value.v.f == 100.0);
    ck_assert(l.items[4].value.type == LWM2M_T_BOOLEAN && l.items[4].value.v.b);
    ck_assert(l.items[5].value.type == LWM2M_T_OBJLNK && l.items[5].value.v.lnk.obj == 11);
    ck_assert_str_eq((const char *)l.items[6].value.v.bytes.p, "\xC3\xA9\n");
    ck_assert(l.items[7].value.v.i == 9007199254740993); /* 2^53 + 1: no double in between */
    lwm2m_list_clear(&l);
    /* times: bt + t, bt alone, members in any order, blanks anywhere */
    ck_assert_int_eq(json_rc(" \n{ \"e\" : [ {\"t\":-5,\"v\":1,\"n\":\"1\"} , {\"n\":\"2\",\"v\":2} ] ,"
                             "\"bt\":1000, \"bn\":\"/9/0/\" } \r\n", NULL, 0, &l), 0);
    ck_assert(l.items[0].has_time && l.items[0].time == 995);
    ck_assert(l.items[1].has_time && l.items[1].time == 1000);
    lwm2m_list_clear(&l);
    ck_assert_int_eq(json_rc("{\"bn\":\"/9/0/\",\"e\":[{\"n\":\"1\",\"v\":1,\"t\":7}]}", NULL, 0, &l), 0);
    ck_assert(l.items[0].has_time && l.items[0].time == 7);
    ck_assert_int_eq(json_rc("{\"e\":[]}", NULL, 0, &l), 0);
    ck_assert_uint_eq(l.len, 1);
    lwm2m_list_free(&l);
}
END_TEST

START_TEST(json_rejects)
{
    static const struct {
        const char *s;
        const char *base;
        int rc;
    } bad[] = {
        { "", NULL, LWM2M_E_FORMAT },
        { "{", NULL, LWM2M_E_FORMAT },
        { "[]", NULL, LWM2M_E_FORMAT },
        { "\"e\"", NULL, LWM2M_E_FORMAT },
        { "{}", NULL, LWM2M_E_FORMAT },
        { "{\"e\":[]} x", NULL, LWM2M_E_FORMAT },
        { "{\"e\":[]}{}", NULL, LWM2M_E_FORMAT },
        { "{\"e\":[],}", NULL, LWM2M_E_FORMAT },
        { "{\"e\":{}}", NULL, LWM2M_E_TYPE },
        { "{\"e\":[],\"e\":[]}", NULL, LWM2M_E_FORMAT },
        { "{\"e\":[],\"x\":1}", NULL, LWM2M_E_FORMAT },
        { "{\"bn\":5,\"e\":[]}", NULL, LWM2M_E_TYPE },
        { "{\"bt\":\"5\",\"e\":[]}", NULL, LWM2M_E_TYPE },
        { "{\"bt\":1.5,\"e\":[]}", NULL, LWM2M_E_TYPE },
        { "{\"bt\":99999999999999999999,\"e\":[]}", NULL, LWM2M_E_RANGE },
        { "{\"e\":[1]}", NULL, LWM2M_E_FORMAT },
        { "{\"e\":[[]]}", NULL, LWM2M_E_FORMAT },
        { "{\"e\":[{\"n\":\"/1/0/1\"}]}", NULL, LWM2M_E_FORMAT },
        { "{\"e\":[{\"n\":\"/1/0/1\",\"v\":1,\"sv\":\"1\"}]}", NULL, LWM2M_E_FORMAT },
        { "{\"e\":[{\"n\":\"/1/0/1\",\"v\":1,\"n\":\"/1/0/2\"}]}", NULL, LWM2M_E_FORMAT },
        { "{\"e\":[{\"n\":\"/1/0/1\",\"v\":1,\"x\":1}]}", NULL, LWM2M_E_FORMAT },
        { "{\"e\":[{\"n\":\"/1/0/1\",\"v\":\"1\"}]}", NULL, LWM2M_E_TYPE },
        { "{\"e\":[{\"n\":\"/1/0/1\",\"sv\":1}]}", NULL, LWM2M_E_TYPE },
        { "{\"e\":[{\"n\":\"/1/0/1\",\"bv\":\"true\"}]}", NULL, LWM2M_E_TYPE },
        { "{\"e\":[{\"n\":\"/1/0/1\",\"bv\":1}]}", NULL, LWM2M_E_TYPE },
        { "{\"e\":[{\"n\":\"/1/0/1\",\"ov\":\"x\"}]}", NULL, LWM2M_E_TYPE },
        { "{\"e\":[{\"n\":\"/1/0/1\",\"ov\":3}]}", NULL, LWM2M_E_TYPE },
        { "{\"e\":[{\"n\":\"/1/0/1\",\"ov\":\"70000:0\"}]}", NULL, LWM2M_E_RANGE },
        { "{\"e\":[{\"n\":\"/1/0/1\",\"v\":null}]}", NULL, LWM2M_E_TYPE },
        { "{\"e\":[{\"n\":1,\"v\":1}]}", NULL, LWM2M_E_TYPE },
        { "{\"e\":[{\"n\":\"/1/0/1\",\"v\":1,\"t\":\"x\"}]}", NULL, LWM2M_E_TYPE },
        { "{\"e\":[{\"n\":\"/1/0/1\",\"v\":1,\"t\":0.5}]}", NULL, LWM2M_E_TYPE },
        { "{\"bt\":9223372036854775807,\"e\":[{\"n\":\"/1/0/1\",\"v\":1,\"t\":1}]}", NULL, LWM2M_E_RANGE },
        { "{\"e\":[{\"n\":\"/1/0/1\",\"v\":1e999}]}", NULL, LWM2M_E_RANGE },
        { "{\"e\":[{\"n\":\"/1/0/1\",\"v\":-9223372036854775809}]}", NULL, LWM2M_E_RANGE },
        { "{\"e\":[{\"n\":\"/1/0/1\",\"v\":18446744073709551616}]}", NULL, LWM2M_E_RANGE },
        { "{\"e\":[{\"n\":\"/1/0/1\",\"v\":NaN}]}", NULL, LWM2M_E_FORMAT },
        { "{\"e\":[{\"n\":\"/1/0/1\",\"sv\":\"a\\u0000b\"}]}", NULL, LWM2M_E_FORMAT },
        { "{\"e\":[{\"n\":\"/1/0/1\",\"sv\":\"\xC3(\"}]}", NULL, LWM2M_E_TYPE },
        { "{\"e\":[{\"n\":\"1\",\"v\":1}]}", NULL, LWM2M_E_PATH },
        { "{\"e\":[{\"v\":1}]}", NULL, LWM2M_E_PATH },
        { "{\"e\":[{\"n\":\"/1/0\",\"v\":1}]}", NULL, LWM2M_E_PATH },
        { "{\"e\":[{\"n\":\"/1/0/1/2/3\",\"v\":1}]}", NULL, LWM2M_E_PATH },
        { "{\"e\":[{\"n\":\"/1/0/65535\",\"v\":1}]}", NULL, LWM2M_E_PATH },
        { "{\"e\":[{\"n\":\"/1/x/1\",\"v\":1}]}", NULL, LWM2M_E_PATH },
        { "{\"bn\":\"/1/0\",\"e\":[{\"n\":\"1\",\"v\":1}]}", NULL, LWM2M_E_PATH }, /* "/1/01" */
        { "{\"bn\":\"/1/0/\",\"e\":[{\"n\":\"1\",\"v\":1}]}", "/2", LWM2M_E_PATH },
        { "{\"bn\":\"/3/0/1\",\"e\":[{\"n\":\"/3/0/2\",\"v\":1}]}", "/3/0/1", LWM2M_E_PATH },
        { "{\"bn\":\"/1/0/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/\",\"e\":[{\"n\":\"1\",\"v\":1}]}",
          NULL, LWM2M_E_PATH },
    };
    lwm2m_list l;
    lwm2m_list_init(&l);
    add(&l, "/7/7/7", lwm2m_v_int(7));
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        int rc = json_rc(bad[k].s, bad[k].base, 0, &l);
        ck_assert_msg(rc == bad[k].rc, "%s: got %s, want %s", bad[k].s, lwm2m_strerror(rc),
                      lwm2m_strerror(bad[k].rc));
        ck_assert_uint_eq(l.len, 1);
    }
    /* a NUL byte inside the input */
    static const char nul[] = "{\"e\":[]}\0";
    ck_assert_int_eq(lwm2m_json_decode(nul, sizeof nul - 1, NULL, 0, &l), LWM2M_E_FORMAT);
    ck_assert_int_eq(lwm2m_json_decode(NULL, 3, NULL, 0, &l), LWM2M_E_INVALID);
    /* nesting past cJSON's limit */
    bytebuf deep;
    bytebuf_init(&deep);
    bytebuf_append_str(&deep, "{\"e\":");
    for (int k = 0; k < 2000; k++)
        bytebuf_append_byte(&deep, '[');
    ck_assert_int_eq(lwm2m_json_decode((char *)deep.data, deep.len, NULL, 0, &l), LWM2M_E_FORMAT);
    bytebuf_free(&deep);
    /* the list's bound */
    lwm2m_list_set_limits(&l, 2, 100);
    ck_assert_int_eq(json_rc("{\"bn\":\"/1/0/\",\"e\":[{\"n\":\"1\",\"v\":1},{\"n\":\"2\",\"v\":1}]}", NULL, 0, &l),
                     LWM2M_E_LIMIT);
    ck_assert_uint_eq(l.len, 1);
    lwm2m_list_free(&l);
}
END_TEST

static int server_types(void *ctx, uint16_t obj, uint16_t res)
{
    (void)ctx;
    if (obj != 1)
        return LWM2M_E_NOTFOUND;
    switch (res) {
    case 0: case 1: case 2: case 3: return LWM2M_T_INTEGER;
    case 6: return LWM2M_T_BOOLEAN;
    case 7: return LWM2M_T_STRING;
    case 9: return LWM2M_T_FLOAT;
    case 10: return LWM2M_T_OBJLNK;
    case 11: return LWM2M_T_OPAQUE;
    case 12: return LWM2M_T_TIME;
    case 13: return LWM2M_T_UNSIGNED;
    default: return LWM2M_E_NOTFOUND;
    }
}

START_TEST(json_typed_decode)
{
    lwm2m_list l;
    lwm2m_list_init(&l);
    const char *ok = "{\"bn\":\"/1/10/\",\"e\":[{\"n\":\"1\",\"v\":3600.0},{\"n\":\"9\",\"v\":3},"
                     "{\"n\":\"11\",\"sv\":\"AQI=\"},{\"n\":\"12\",\"v\":5},{\"n\":\"13\",\"v\":7},"
                     "{\"n\":\"7\",\"sv\":\"UQS\"}]}";
    ck_assert_int_eq(lwm2m_json_decode_typed(ok, strlen(ok), NULL, 0, server_types, NULL, &l), 0);
    ck_assert(l.items[0].value.type == LWM2M_T_INTEGER && l.items[0].value.v.i == 3600);
    ck_assert(l.items[1].value.type == LWM2M_T_FLOAT && l.items[1].value.v.f == 3.0);
    ck_assert(l.items[2].value.type == LWM2M_T_OPAQUE && l.items[2].value.v.bytes.len == 2);
    ck_assert(l.items[3].value.type == LWM2M_T_TIME && l.items[3].value.v.i == 5);
    ck_assert(l.items[4].value.type == LWM2M_T_UNSIGNED && l.items[4].value.v.u == 7);
    ck_assert_uint_eq(l.bytes, 2 + 3);
    static const struct {
        const char *s;
        int rc;
    } bad[] = {
        { "{\"bn\":\"/1/10/\",\"e\":[{\"n\":\"1\",\"v\":1.5}]}", LWM2M_E_TYPE },
        { "{\"bn\":\"/1/10/\",\"e\":[{\"n\":\"1\",\"sv\":\"1\"}]}", LWM2M_E_TYPE },
        { "{\"bn\":\"/1/10/\",\"e\":[{\"n\":\"6\",\"v\":1}]}", LWM2M_E_TYPE },
        { "{\"bn\":\"/1/10/\",\"e\":[{\"n\":\"10\",\"sv\":\"11:0\"}]}", LWM2M_E_TYPE },
        { "{\"bn\":\"/1/10/\",\"e\":[{\"n\":\"11\",\"sv\":\"AQI\"}]}", LWM2M_E_TYPE },
        { "{\"bn\":\"/1/10/\",\"e\":[{\"n\":\"13\",\"v\":-1}]}", LWM2M_E_RANGE },
        { "{\"bn\":\"/1/10/\",\"e\":[{\"n\":\"1\",\"v\":18446744073709551615}]}", LWM2M_E_RANGE },
        { "{\"bn\":\"/1/10/\",\"e\":[{\"n\":\"1\",\"v\":1},{\"n\":\"99\",\"v\":1}]}", LWM2M_E_NOTFOUND },
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        int rc = lwm2m_json_decode_typed(bad[k].s, strlen(bad[k].s), NULL, 0, server_types, NULL, &l);
        ck_assert_msg(rc == bad[k].rc, "%s: got %s", bad[k].s, lwm2m_strerror(rc));
        ck_assert_uint_eq(l.len, 6);
    }
    ck_assert_int_eq(lwm2m_json_decode_typed(ok, strlen(ok), NULL, 0, NULL, NULL, &l), LWM2M_E_INVALID);
    lwm2m_list_free(&l);
}
END_TEST

START_TEST(json_round_trips)
{
    uint64_t seed = 0xD1B54A32D192ED03ull + (uint64_t)_i;
    for (int round = 0; round < 200; round++) {
        lwm2m_list l, back;
        lwm2m_list_init(&l);
        lwm2m_list_init(&back);
        uint16_t obj = (uint16_t)(rnd(&seed) % 40000);
        bool one = round % 2;
        gen_list(&seed, &l, obj, true, one);
        bytebuf b;
        bytebuf_init(&b);
        lwm2m_path base = lwm2m_path_o(obj);
        ck_assert_int_eq(lwm2m_json_encode(&l, &base, 0, &b), 0);
        ck_assert_int_eq(lwm2m_json_decode_typed((char *)b.data, b.len, NULL, 0, gen_types, NULL, &back), 0);
        ck_assert_msg(lwm2m_list_equal(&l, &back), "%s", b.data);
        /* the module's form, read back the module's way */
        bytebuf_clear(&b);
        lwm2m_list_clear(&back);
        lwm2m_path oi = l.items[0].path;
        oi.depth = 2;
        const lwm2m_path *enc_base = one ? &oi : &base;
        ck_assert_int_eq(lwm2m_json_encode(&l, enc_base, LWM2M_JSON_INSTANCE_NAMES, &b), 0);
        ck_assert_int_eq(lwm2m_json_decode_typed((char *)b.data, b.len, enc_base, LWM2M_JSON_INSTANCE_NAMES,
                                                 gen_types, NULL, &back), 0);
        ck_assert_msg(lwm2m_list_equal(&l, &back), "%s", b.data);
        bytebuf_free(&b);
        lwm2m_list_free(&l);
        lwm2m_list_free(&back);
    }
}
END_TEST

/* ---- link format --------------------------------------------------------- */

START_TEST(link_registration_payload)
{
    lwm2m_path objs[] = { P("/1/10"), P("/2/0"), P("/3/0"), P("/5/0"), P("/10308") };
    bytebuf b;
    bytebuf_init(&b);
    ck_assert_int_eq(lwm2m_link_encode_register(objs, 5, NULL, &b), 0);
    ck_assert_text(&b, "</>;rt=\"oma.lwm2m\";ct=11543,</1/10>,</2/0>,</3/0>,</5/0>,</10308>");
    bytebuf_clear(&b);
    lwm2m_reg_opts no_root = { false, -1 }, no_ct = { true, -1 };
    ck_assert_int_eq(lwm2m_link_encode_register(objs, 2, &no_root, &b), 0);
    ck_assert_text(&b, "</1/10>,</2/0>");
    bytebuf_clear(&b);
    ck_assert_int_eq(lwm2m_link_encode_register(objs, 1, &no_ct, &b), 0);
    ck_assert_text(&b, "</>;rt=\"oma.lwm2m\",</1/10>");
    bytebuf_clear(&b);
    /* the factory SARA-R5's objects (app note §3.6; /0 is not announced) */
    lwm2m_path r5[32];
    size_t n = 0;
    r5[n++] = lwm2m_path_oi(1, 10);
    for (uint16_t i = 0; i <= 11; i++)
        r5[n++] = lwm2m_path_oi(2, i);
    r5[n++] = lwm2m_path_oi(3, 0);
    r5[n++] = lwm2m_path_oi(4, 0);
    r5[n++] = lwm2m_path_oi(5, 0);
    r5[n++] = lwm2m_path_oi(7, 0);
    for (uint16_t i = 0; i <= 4; i++)
        r5[n++] = lwm2m_path_oi(11, i);
    r5[n++] = lwm2m_path_oi(14, 0);
    r5[n++] = lwm2m_path_oi(16, 0);
    r5[n++] = lwm2m_path_o(10308);
    ck_assert_int_eq(lwm2m_link_encode_register(r5, n, NULL, &b), 0);
    ck_assert_text(&b, "</>;rt=\"oma.lwm2m\";ct=11543,</1/10>,</2/0>,</2/1>,</2/2>,</2/3>,</2/4>,</2/5>,"
                       "</2/6>,</2/7>,</2/8>,</2/9>,</2/10>,</2/11>,</3/0>,</4/0>,</5/0>,</7/0>,</11/0>,"
                       "</11/1>,</11/2>,</11/3>,</11/4>,</14/0>,</16/0>,</10308>");
    ck_assert_uint_eq(b.len, 214); /* docs/lwm2m-formats.md quotes it */
    /* and a server reads it back */
    lwm2m_links links;
    lwm2m_links_init(&links);
    ck_assert_int_eq(lwm2m_link_parse((char *)b.data, b.len, &links), 0);
    ck_assert_uint_eq(links.len, n + 1);
    ck_assert_int_eq(links.items[0].path.depth, 0);
    ck_assert_str_eq(links.items[0].attrs.rt, "oma.lwm2m");
    ck_assert_uint_eq(links.items[0].attrs.ct, 11543);
    ck_assert_uint_eq(links.items[0].attrs.set, LWM2M_ATTR_RT | LWM2M_ATTR_CT);
    for (size_t i = 0; i < n; i++)
        ck_assert(lwm2m_path_equal(&links.items[i + 1].path, &r5[i]));
    lwm2m_links_free(&links);
    bytebuf_clear(&b);
    lwm2m_path deep = P("/3/0/1");
    ck_assert_int_eq(lwm2m_link_encode_register(&deep, 1, NULL, &b), LWM2M_E_PATH);
    lwm2m_reg_opts big_ct = { true, 70000 };
    ck_assert_int_eq(lwm2m_link_encode_register(objs, 1, &big_ct, &b), LWM2M_E_INVALID);
    ck_assert_uint_eq(b.len, 0);
    bytebuf_free(&b);
}
END_TEST

static void link_with(lwm2m_links *l, const char *path, unsigned set, uint32_t pmin, uint32_t pmax,
                      uint16_t dim, double gt, double lt, double st)
{
    lwm2m_link k;
    memset(&k, 0, sizeof k);
    k.path = P(path);
    k.attrs.set = set;
    k.attrs.pmin = pmin;
    k.attrs.pmax = pmax;
    k.attrs.dim = dim;
    k.attrs.gt = gt;
    k.attrs.lt = lt;
    k.attrs.st = st;
    ck_assert_int_eq(lwm2m_links_add(l, &k), 0);
}

START_TEST(link_discover_answer)
{
    /* the shape of the TS's Discover example (§5.4.1) */
    lwm2m_links l;
    lwm2m_links_init(&l);
    link_with(&l, "/3/0", LWM2M_ATTR_PMIN | LWM2M_ATTR_PMAX, 10, 60, 0, 0, 0, 0);
    link_with(&l, "/3/0/1", 0, 0, 0, 0, 0, 0, 0);
    link_with(&l, "/3/0/2", LWM2M_ATTR_PMIN, 10, 0, 0, 0, 0, 0);
    link_with(&l, "/3/0/6", LWM2M_ATTR_DIM, 0, 0, 8, 0, 0, 0);
    link_with(&l, "/3/0/7", LWM2M_ATTR_DIM | LWM2M_ATTR_GT | LWM2M_ATTR_LT | LWM2M_ATTR_ST, 0, 0, 8, 50,
              42.2, 0.5);
    bytebuf b;
    bytebuf_init(&b);
    ck_assert_int_eq(lwm2m_link_encode(&l, &b), 0);
    const char *exp = "</3/0>;pmin=10;pmax=60,</3/0/1>,</3/0/2>;pmin=10,</3/0/6>;dim=8,"
                      "</3/0/7>;dim=8;gt=50;lt=42.2;st=0.5";
    ck_assert_text(&b, exp);
    lwm2m_links back;
    lwm2m_links_init(&back);
    ck_assert_int_eq(lwm2m_link_parse(exp, strlen(exp), &back), 0);
    ck_assert_uint_eq(back.len, 5);
    for (size_t i = 0; i < 5; i++) {
        ck_assert(lwm2m_path_equal(&back.items[i].path, &l.items[i].path));
        ck_assert_uint_eq(back.items[i].attrs.set, l.items[i].attrs.set);
    }
    ck_assert(back.items[4].attrs.lt == 42.2 && back.items[4].attrs.st == 0.5 && back.items[4].attrs.gt == 50);
    /* ver: a token when it can be one */
    lwm2m_links_free(&l);
    lwm2m_links_init(&l);
    lwm2m_link k;
    memset(&k, 0, sizeof k);
    k.path = P("/3");
    k.attrs.set = LWM2M_ATTR_VER;
    strcpy(k.attrs.ver, "1.1");
    lwm2m_links_add(&l, &k);
    strcpy(k.attrs.ver, "a b");
    lwm2m_links_add(&l, &k);
    k.attrs.set = LWM2M_ATTR_RT;
    strcpy(k.attrs.rt, "q\"b\\");
    lwm2m_links_add(&l, &k);
    bytebuf_clear(&b);
    ck_assert_int_eq(lwm2m_link_encode(&l, &b), 0);
    ck_assert_text(&b, "</3>;ver=1.1,</3>;ver=\"a b\",</3>;rt=\"q\\\"b\\\\\"");
    lwm2m_links_free(&back);
    lwm2m_links_init(&back);
    ck_assert_int_eq(lwm2m_link_parse((char *)b.data, b.len, &back), 0);
    ck_assert_str_eq(back.items[1].attrs.ver, "a b");
    ck_assert_str_eq(back.items[2].attrs.rt, "q\"b\\");
    /* a non-finite gt cannot be written; the buffer is left alone */
    l.items[0].attrs.set = LWM2M_ATTR_GT;
    l.items[0].attrs.gt = INFINITY;
    bytebuf_clear(&b);
    ck_assert_int_eq(lwm2m_link_encode(&l, &b), LWM2M_E_TYPE);
    ck_assert_uint_eq(b.len, 0);
    lwm2m_links_free(&l);
    lwm2m_links_free(&back);
    bytebuf_free(&b);
}
END_TEST

START_TEST(link_parse_tolerates)
{
    lwm2m_links l;
    lwm2m_links_init(&l);
    const char *s = " </>;rt=\"oma.lwm2m,x;y\" ; ct = 11543 ,\r\n </1/0> ;obs; if=\"sensor\";title=\"a,b;c\","
                    "</3/0>;title=\"esc\\\"aped\";anchor=\"/x\";sz=1, </3/0/7>;gt=-1.5e2;pmax=4294967295\t";
    ck_assert_int_eq(lwm2m_link_parse(s, strlen(s), &l), 0);
    ck_assert_uint_eq(l.len, 4);
    ck_assert_str_eq(l.items[0].attrs.rt, "oma.lwm2m,x;y");
    ck_assert_uint_eq(l.items[0].attrs.ct, 11543);
    ck_assert_uint_eq(l.items[1].attrs.set, 0); /* obs, if, title: dropped */
    ck_assert_uint_eq(l.items[2].attrs.set, 0);
    ck_assert(l.items[3].attrs.gt == -150.0);
    ck_assert_uint_eq(l.items[3].attrs.pmax, 4294967295u);
    lwm2m_links_free(&l);
    lwm2m_links_init(&l);
    ck_assert_int_eq(lwm2m_link_parse("", 0, &l), 0);
    ck_assert_int_eq(lwm2m_link_parse(" \r\n", 3, &l), 0);
    ck_assert_uint_eq(l.len, 0);
    ck_assert_int_eq(lwm2m_link_parse("</1/0>;rt=oma.lwm2m", 19, &l), 0); /* an unquoted token */
    ck_assert_str_eq(l.items[0].attrs.rt, "oma.lwm2m");
    lwm2m_links_free(&l);
}
END_TEST

START_TEST(link_parse_rejects)
{
    static const struct {
        const char *s;
        int rc;
    } bad[] = {
        { "/1/0", LWM2M_E_FORMAT },              { "</1/0", LWM2M_E_FORMAT },
        { "</1/0>x", LWM2M_E_FORMAT },           { "</1/0>,", LWM2M_E_FORMAT },
        { ",</1/0>", LWM2M_E_FORMAT },           { "</1/0>,,</2/0>", LWM2M_E_FORMAT },
        { "</1/0></2/0>", LWM2M_E_FORMAT },      { "</1/0> </2/0>", LWM2M_E_FORMAT },
        { "</1/0>;", LWM2M_E_FORMAT },           { "</1/0>;=5", LWM2M_E_FORMAT },
        { "</1/0>;pmin", LWM2M_E_FORMAT },       { "</1/0>;pmin=", LWM2M_E_FORMAT },
        { "</1/0>;pmin=abc", LWM2M_E_FORMAT },   { "</1/0>;pmin=-1", LWM2M_E_FORMAT },
        { "</1/0>;pmin=1;pmin=2", LWM2M_E_FORMAT }, { "</1/0>;gt=1,5", LWM2M_E_FORMAT },
        { "</>;rt=\"abc", LWM2M_E_FORMAT },      { "</>;rt=\"abc\\", LWM2M_E_FORMAT },
        { "</>;rt=a\"b\"", LWM2M_E_FORMAT },     { "</>;title=", LWM2M_E_FORMAT },
        { "</>;ti tle=1", LWM2M_E_FORMAT },      { "<</1>", LWM2M_E_FORMAT },
        { "<abc>", LWM2M_E_PATH },               { "<>", LWM2M_E_PATH },
        { "</1/0/1/2/3>", LWM2M_E_PATH },        { "</1/65535>", LWM2M_E_PATH },
        { "</rd/1/0>", LWM2M_E_PATH },           { "</1/0/>", LWM2M_E_PATH },
        { "</>;ct=70000", LWM2M_E_RANGE },       { "</3/0/6>;dim=65536", LWM2M_E_RANGE },
        { "</>;pmax=4294967296", LWM2M_E_RANGE },
        { "</>;rt=\"0123456789012345678901234567890123456789012345678901234567890123\"", LWM2M_E_LIMIT },
    };
    lwm2m_links l;
    lwm2m_links_init(&l);
    lwm2m_link keep;
    memset(&keep, 0, sizeof keep);
    keep.path = P("/9");
    lwm2m_links_add(&l, &keep);
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        int rc = lwm2m_link_parse(bad[k].s, strlen(bad[k].s), &l);
        ck_assert_msg(rc == bad[k].rc, "%s: got %s", bad[k].s, lwm2m_strerror(rc));
        ck_assert_uint_eq(l.len, 1);
    }
    ck_assert_int_eq(lwm2m_link_parse("</1/0>\0", 7, &l), LWM2M_E_FORMAT);
    ck_assert_int_eq(lwm2m_link_parse("</>;rt=\"a\0b\"", 12, &l), LWM2M_E_FORMAT); /* NUL would cut rt */
    ck_assert_int_eq(lwm2m_link_parse("</>;rt=\"a\\\0b\"", 13, &l), LWM2M_E_FORMAT);
    ck_assert_int_eq(lwm2m_link_parse("</>;rt=\"a\nb\"", 12, &l), LWM2M_E_FORMAT);
    ck_assert_uint_eq(l.len, 1);
    ck_assert_int_eq(lwm2m_link_parse(NULL, 1, &l), LWM2M_E_INVALID);
    l.max = 2;
    ck_assert_int_eq(lwm2m_link_parse("</1/0>,</2/0>", 13, &l), LWM2M_E_LIMIT);
    ck_assert_uint_eq(l.len, 1);
    lwm2m_link bad_path = keep;
    bad_path.path = lwm2m_path_o(65535);
    ck_assert_int_eq(lwm2m_links_add(&l, &bad_path), LWM2M_E_PATH);
    lwm2m_links_free(&l);
}
END_TEST

/* ---- write-attributes query ---------------------------------------------- */

START_TEST(attrs_query)
{
    lwm2m_attrs a;
    const char *q = "pmin=10&pmax=60&gt=5.5&lt=1&st=0.5";
    ck_assert_int_eq(lwm2m_attrs_parse_query(q, strlen(q), &a), 0);
    ck_assert_uint_eq(a.set, LWM2M_ATTR_WRITABLE);
    ck_assert_uint_eq(a.clear, 0);
    ck_assert(a.pmin == 10 && a.pmax == 60 && a.gt == 5.5 && a.lt == 1.0 && a.st == 0.5);
    bytebuf b;
    bytebuf_init(&b);
    ck_assert_int_eq(lwm2m_attrs_format_query(&a, &b), 0);
    ck_assert_text(&b, q);
    /* any order in, the fixed order out; names alone clear */
    const char *q2 = "st=2&pmax&gt=-3";
    ck_assert_int_eq(lwm2m_attrs_parse_query(q2, strlen(q2), &a), 0);
    ck_assert_uint_eq(a.set, LWM2M_ATTR_ST | LWM2M_ATTR_GT);
    ck_assert_uint_eq(a.clear, LWM2M_ATTR_PMAX);
    bytebuf_clear(&b);
    ck_assert_int_eq(lwm2m_attrs_format_query(&a, &b), 0);
    ck_assert_text(&b, "pmax&gt=-3&st=2");
    ck_assert_int_eq(lwm2m_attrs_parse_query("", 0, &a), 0);
    ck_assert_uint_eq(a.set | a.clear, 0);
    bytebuf_clear(&b);
    ck_assert_int_eq(lwm2m_attrs_format_query(&a, &b), 0);
    ck_assert_uint_eq(b.len, 0);

    static const struct {
        const char *q;
        int rc;
    } bad[] = {
        { "pmin=", LWM2M_E_FORMAT },         { "pmin=1&pmin=2", LWM2M_E_FORMAT },
        { "pmin&pmin=2", LWM2M_E_FORMAT },   { "foo=1", LWM2M_E_FORMAT },
        { "ct=1", LWM2M_E_FORMAT },          { "dim=1", LWM2M_E_FORMAT },
        { "pmin=-1", LWM2M_E_FORMAT },       { "pmin=1.5", LWM2M_E_FORMAT },
        { "gt=abc", LWM2M_E_FORMAT },        { "gt=inf", LWM2M_E_FORMAT },
        { "&pmin=1", LWM2M_E_FORMAT },       { "pmin=1&", LWM2M_E_FORMAT },
        { "pmin=1&&pmax=2", LWM2M_E_FORMAT }, { "&", LWM2M_E_FORMAT },
        { "pmin=1 ", LWM2M_E_FORMAT },       { "PMIN=1", LWM2M_E_FORMAT },
        { "pmin=4294967296", LWM2M_E_RANGE }, { "lt=1e999", LWM2M_E_RANGE },
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        lwm2m_attrs keep = { .set = LWM2M_ATTR_PMIN, .pmin = 77 };
        int rc = lwm2m_attrs_parse_query(bad[k].q, strlen(bad[k].q), &keep);
        ck_assert_msg(rc == bad[k].rc, "%s: got %s", bad[k].q, lwm2m_strerror(rc));
        ck_assert_uint_eq(keep.pmin, 77);
    }
    a.set = LWM2M_ATTR_LT;
    a.lt = NAN;
    bytebuf_clear(&b);
    bytebuf_append_str(&b, "x");
    ck_assert_int_eq(lwm2m_attrs_format_query(&a, &b), LWM2M_E_TYPE);
    ck_assert_text(&b, "x");
    bytebuf_free(&b);
}
END_TEST

/* ---- helpers ------------------------------------------------------------- */

START_TEST(helpers)
{
    char buf[32];
    ck_assert_int_eq(lwm2m_format_double(0.30000000000000004, buf, sizeof buf), 19);
    ck_assert_str_eq(buf, "0.30000000000000004");
    ck_assert_int_eq(lwm2m_format_double(DBL_MAX, buf, sizeof buf), 23);
    ck_assert_int_eq(lwm2m_format_double(DBL_TRUE_MIN, buf, sizeof buf), 6);
    ck_assert_str_eq(buf, "5e-324");
    ck_assert_int_eq(lwm2m_format_double(1.0, buf, 1), LWM2M_E_LIMIT);
    double d;
    ck_assert_int_eq(lwm2m_parse_double("1e-310", 6, &d), 0); /* subnormal: fine */
    char longnum[500];
    memset(longnum, '1', sizeof longnum);
    ck_assert_int_eq(lwm2m_parse_double(longnum, sizeof longnum, &d), LWM2M_E_FORMAT);
    bytebuf b;
    bytebuf_init(&b);
    for (size_t n = 0; n < 64; n++) {
        uint8_t in[64];
        for (size_t k = 0; k < n; k++)
            in[k] = (uint8_t)(k * 37 + n);
        bytebuf_clear(&b);
        ck_assert_int_eq(lwm2m_base64_encode(in, n, &b), 0);
        ck_assert_uint_eq(b.len, (n + 2) / 3 * 4);
        bytebuf out;
        bytebuf_init(&out);
        ck_assert_int_eq(lwm2m_base64_decode((char *)b.data, b.len, &out), 0);
        ck_assert_uint_eq(out.len, n);
        ck_assert(n == 0 || memcmp(out.data, in, n) == 0);
        bytebuf_free(&out);
    }
    bytebuf_free(&b);
    ck_assert(lwm2m_utf8_valid((const uint8_t *)"\xF0\x9F\x98\x80", 4));
    ck_assert(!lwm2m_utf8_valid((const uint8_t *)"\xF0\x9F\x98", 3));
    ck_assert(!lwm2m_utf8_valid((const uint8_t *)"\xE0\x80\x80", 3));
    ck_assert_str_eq(lwm2m_strerror(LWM2M_E_TRUNCATED), "truncated");
    ck_assert_str_eq(lwm2m_strerror(-99), "unknown");
    ck_assert_str_eq(lwm2m_type_name(LWM2M_T_OBJLNK), "objlnk");
    ck_assert_str_eq(lwm2m_type_name((lwm2m_type)99), "?");
}
END_TEST

static Suite *lwm2m_suite(void)
{
    Suite *s = suite_create("lwm2m_data");
    TCase *t = tcase_create("model");
    tcase_add_test(t, path_parse_and_format);
    tcase_add_test(t, path_parse_rejects_junk);
    tcase_add_test(t, path_order_and_prefix);
    tcase_add_test(t, list_add_rules);
    tcase_add_test(t, list_limits);
    tcase_add_test(t, list_sort_find_equal);
    tcase_add_test(t, value_coerce_table);
    tcase_add_test(t, helpers);
    suite_add_tcase(s, t);
    t = tcase_create("tlv");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, tlv_device_instance_example);
    tcase_add_test(t, tlv_device_object_example);
    tcase_add_test(t, tlv_single_resource_examples);
    tcase_add_test(t, tlv_access_control_two_instances);
    tcase_add_test(t, tlv_server_object_example);
    tcase_add_test(t, tlv_objlnk_examples);
    tcase_add_test(t, tlv_encoder_sorts_and_wraps);
    tcase_add_test(t, tlv_integers_take_the_fewest_bytes);
    tcase_add_test(t, tlv_floats_booleans_objlnks);
    tcase_add_test(t, tlv_length_and_id_forms);
    tcase_add_test(t, tlv_value_too_long_for_24_bits);
    tcase_add_test(t, tlv_wrapped_writes_decode);
    tcase_add_test(t, tlv_every_truncation_is_refused);
    tcase_add_test(t, tlv_rejects_malformed);
    tcase_add_test(t, tlv_typed_decode_refusals);
    tcase_add_test(t, tlv_encode_refusals);
    tcase_add_loop_test(t, tlv_round_trips, 0, 5);
    suite_add_tcase(s, t);
    t = tcase_create("text");
    tcase_add_test(t, text_encodes);
    tcase_add_test(t, text_decodes_and_refuses);
    tcase_add_test(t, opaque_cf42);
    suite_add_tcase(s, t);
    t = tcase_create("json");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, json_device_example);
    tcase_add_test(t, json_single_and_multiple_resource);
    tcase_add_test(t, json_module_form);
    tcase_add_test(t, json_value_forms);
    tcase_add_test(t, json_decodes);
    tcase_add_test(t, json_rejects);
    tcase_add_test(t, json_typed_decode);
    tcase_add_loop_test(t, json_round_trips, 0, 5);
    suite_add_tcase(s, t);
    t = tcase_create("link");
    tcase_add_test(t, link_registration_payload);
    tcase_add_test(t, link_discover_answer);
    tcase_add_test(t, link_parse_tolerates);
    tcase_add_test(t, link_parse_rejects);
    tcase_add_test(t, attrs_query);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(lwm2m_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
