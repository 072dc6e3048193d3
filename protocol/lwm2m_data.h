/* lwm2m_data.h - the LwM2M 1.0 content formats, sans-I/O: a value model and
 * its codecs, pure data in and out (docs/lwm2m-formats.md).
 *
 *   value model   a flat list of resource values, each addressed by a path
 *                 (/obj/inst/res[/rinst]) and typed (integer, unsigned,
 *                 float, boolean, string, opaque, time, objlnk, none)
 *   TLV           application/vnd.oma.lwm2m+tlv, CF 11542 (old 1542),
 *                 OMA-TS-LightweightM2M-V1_0 §6.4.3          (lwm2m_data.c)
 *   text/plain    CF 0, one resource                         (lwm2m_data.c)
 *   opaque        application/octet-stream, CF 42            (lwm2m_data.c)
 *   JSON          application/vnd.oma.lwm2m+json, CF 11543 (old 1543), §6.4.4,
 *                 also what AT+ULWM2MREAD prints              (lwm2m_json.c)
 *   link-format   application/link-format, RFC 6690, CF 40: registration
 *                 payloads, Discover answers, write-attributes (lwm2m_link.c)
 *
 * Every function that can fail returns 0 (or a count) on success and a
 * negative LWM2M_E_* code on failure, and leaves its output as it was: a
 * decoder that fails has added nothing to the list, an encoder that fails has
 * appended nothing to the buffer.  Nothing here does I/O, reads a clock or
 * keeps global state; the CoAP layer is someone else's (protocol/coap*).
 */
#ifndef SARASIM_LWM2M_DATA_H
#define SARASIM_LWM2M_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytebuf.h"

/* CoAP Content-Format numbers (the old ones are the pre-1.0 drafts', which
 * some servers still send; callers map them to the same codec). */
#define LWM2M_CF_TEXT 0
#define LWM2M_CF_LINK 40
#define LWM2M_CF_OPAQUE 42
#define LWM2M_CF_TLV 11542
#define LWM2M_CF_JSON 11543
#define LWM2M_CF_TLV_OLD 1542
#define LWM2M_CF_JSON_OLD 1543

enum {
    LWM2M_OK = 0,
    LWM2M_E_NOMEM = -1,     /* an allocation failed */
    LWM2M_E_LIMIT = -2,     /* a bound was reached: items, bytes, TLV length, field size */
    LWM2M_E_TRUNCATED = -3, /* the payload ends inside an item */
    LWM2M_E_FORMAT = -4,    /* malformed: syntax, nesting, unknown key, duplicate */
    LWM2M_E_PATH = -5,      /* bad path or id, or an item outside the request's path */
    LWM2M_E_TYPE = -6,      /* the value does not have the type's shape, or the
                               format cannot carry the type */
    LWM2M_E_RANGE = -7,     /* a number out of its type's range */
    LWM2M_E_INVALID = -8,   /* bad argument, or a list the encoder cannot lay out */
    LWM2M_E_NOTFOUND = -9,  /* for type resolvers: no such resource */
};
/* "truncated", "format", ...: one word per code, for logs and traces. */
const char *lwm2m_strerror(int err);

/* ---- paths --------------------------------------------------------------- */

/* Ids are 16-bit; 65535 is reserved by the TS (it means "no id" on the wire),
 * so a path holds 0..65534 at each level. */
#define LWM2M_ID_MAX 65534u
#define LWM2M_ID_NONE 65535u
#define LWM2M_PATH_DEPTH_MAX 4
/* "/65534/65534/65534/65534" and its NUL */
#define LWM2M_PATH_STR_MAX 25

enum { LWM2M_OBJ = 0, LWM2M_INST = 1, LWM2M_RES = 2, LWM2M_RINST = 3 };

/* depth 0 is the root "/", 1 an object, 2 an object instance, 3 a resource,
 * 4 a resource instance; id[k] is meaningful for k < depth only (the rest
 * are LWM2M_ID_NONE). */
typedef struct lwm2m_path {
    uint8_t depth;
    uint16_t id[LWM2M_PATH_DEPTH_MAX];
} lwm2m_path;

lwm2m_path lwm2m_path_root(void);
lwm2m_path lwm2m_path_o(uint16_t obj);
lwm2m_path lwm2m_path_oi(uint16_t obj, uint16_t inst);
lwm2m_path lwm2m_path_oir(uint16_t obj, uint16_t inst, uint16_t res);
lwm2m_path lwm2m_path_oiri(uint16_t obj, uint16_t inst, uint16_t res, uint16_t rinst);

/* "/3/0/1" -> {3, 0, 1}; "/" is the root.  Strict: a leading '/', decimal
 * ids without sign or leading zeros, no empty segment, no trailing '/', at
 * most 4 levels, ids <= 65534.  LWM2M_E_PATH otherwise. */
int lwm2m_path_parse(const char *s, size_t n, lwm2m_path *out);
/* Writes the path as text into buf[LWM2M_PATH_STR_MAX]; returns its length,
 * or LWM2M_E_PATH for a path that is not valid. */
int lwm2m_path_format(const lwm2m_path *p, char buf[LWM2M_PATH_STR_MAX]);
bool lwm2m_path_valid(const lwm2m_path *p);
bool lwm2m_path_equal(const lwm2m_path *a, const lwm2m_path *b);
/* true when p is base or lies below it ("/3/0/1" is under "/3", "/3/0/1"). */
bool lwm2m_path_is_under(const lwm2m_path *p, const lwm2m_path *base);
/* Orders by ids level by level, a path before the paths below it. */
int lwm2m_path_cmp(const lwm2m_path *a, const lwm2m_path *b);

/* ---- values -------------------------------------------------------------- */

typedef enum lwm2m_type {
    LWM2M_T_NONE = 0, /* no value: an Execute resource, an empty container */
    LWM2M_T_STRING,   /* UTF-8, no NUL */
    LWM2M_T_INTEGER,  /* int64 */
    LWM2M_T_UNSIGNED, /* uint64 (LwM2M 1.1's type; for values past INT64_MAX) */
    LWM2M_T_FLOAT,    /* double */
    LWM2M_T_BOOLEAN,
    LWM2M_T_OPAQUE,   /* bytes; also a TLV value not yet given a type */
    LWM2M_T_TIME,     /* int64 seconds since 1970 */
    LWM2M_T_OBJLNK,   /* object id : instance id (65535:65535 is "no link") */
} lwm2m_type;
#define LWM2M_T_COUNT 9
const char *lwm2m_type_name(lwm2m_type t);

typedef struct lwm2m_objlnk {
    uint16_t obj, inst;
} lwm2m_objlnk;

/* A value.  For STRING and OPAQUE, bytes points at len bytes: the caller's
 * memory in a value passed in, the list's own (NUL-terminated) copy in an
 * entry. */
typedef struct lwm2m_value {
    lwm2m_type type;
    union {
        int64_t i; /* INTEGER, TIME */
        uint64_t u;
        double f;
        bool b;
        lwm2m_objlnk lnk;
        struct {
            const uint8_t *p;
            size_t len;
        } bytes;
    } v;
} lwm2m_value;

lwm2m_value lwm2m_v_none(void);
lwm2m_value lwm2m_v_int(int64_t i);
lwm2m_value lwm2m_v_uint(uint64_t u);
lwm2m_value lwm2m_v_float(double f);
lwm2m_value lwm2m_v_bool(bool b);
lwm2m_value lwm2m_v_time(int64_t t);
lwm2m_value lwm2m_v_objlnk(uint16_t obj, uint16_t inst);
lwm2m_value lwm2m_v_str(const char *s); /* NUL-terminated */
lwm2m_value lwm2m_v_strn(const char *s, size_t n);
lwm2m_value lwm2m_v_opaque(const void *p, size_t n);

/* Same type and same value; floats compare bit for bit (so NaN == NaN and
 * 0.0 != -0.0: a codec must give back exactly what went in). */
bool lwm2m_value_equal(const lwm2m_value *a, const lwm2m_value *b);

/* Converts a value to another type the way JSON and text/plain carry them:
 * an integer fits a float, a time or an unsigned (if in range), an integral
 * float fits an integer, a string holds base64 for opaque.  out->bytes points
 * into in's bytes or, for base64, into scratch (appended to).
 * LWM2M_E_TYPE / LWM2M_E_RANGE when it does not fit. */
int lwm2m_value_coerce(const lwm2m_value *in, lwm2m_type to, lwm2m_value *out, bytebuf *scratch);

/* ---- the value list ------------------------------------------------------ */

typedef struct lwm2m_entry {
    lwm2m_path path;
    lwm2m_value value;
    bool has_time; /* JSON's "t" (plus "bt"): when the value was taken */
    int64_t time;
} lwm2m_entry;

/* Default bounds of a list (lwm2m_list_set_limits changes them). */
#define LWM2M_LIST_MAX_ITEMS 1024
#define LWM2M_LIST_MAX_BYTES (1024u * 1024u) /* string and opaque bytes in all */

typedef struct lwm2m_list {
    lwm2m_entry *items;
    size_t len, cap;
    size_t max_items, max_bytes;
    size_t bytes; /* string/opaque bytes held */
} lwm2m_list;

void lwm2m_list_init(lwm2m_list *l);
void lwm2m_list_set_limits(lwm2m_list *l, size_t max_items, size_t max_bytes);
void lwm2m_list_clear(lwm2m_list *l); /* drops the entries, keeps the limits */
void lwm2m_list_free(lwm2m_list *l);  /* clear and release; init again to reuse */

/* Appends a copy of (path, value).  A value lives on a resource (depth 3) or
 * a resource instance (4); NONE may also stand at depth 2 (an empty object
 * instance) or 3 (a multiple resource without instances), never at 4.
 * Strings must be UTF-8 without NUL.  LWM2M_E_PATH / TYPE / LIMIT / NOMEM. */
int lwm2m_list_add(lwm2m_list *l, const lwm2m_path *p, const lwm2m_value *v);
int lwm2m_list_add_timed(lwm2m_list *l, const lwm2m_path *p, const lwm2m_value *v, int64_t when);
/* Replaces entry i's value with a copy of v (same rules as add). */
int lwm2m_list_set_value(lwm2m_list *l, size_t i, const lwm2m_value *v);
/* Drops the entries from index len on (no-op if the list is shorter). */
void lwm2m_list_truncate(lwm2m_list *l, size_t len);
/* First entry at exactly p, or NULL. */
const lwm2m_entry *lwm2m_list_find(const lwm2m_list *l, const lwm2m_path *p);
/* Stable sort by path (LWM2M_E_NOMEM). */
int lwm2m_list_sort(lwm2m_list *l);
/* The indices from..len-1 in stable path order, in a malloc'd array the
 * caller frees; NULL when out of memory. */
size_t *lwm2m_list_order(const lwm2m_list *l, size_t from);
/* Same entries (path, value, time) in the same order. */
bool lwm2m_list_equal(const lwm2m_list *a, const lwm2m_list *b);

/* Tells a typed decoder the type of a resource: a lwm2m_type, or a negative
 * LWM2M_E_* (LWM2M_E_NOTFOUND for a resource the object does not have) that
 * the decoder then returns. */
typedef int (*lwm2m_type_fn)(void *ctx, uint16_t obj, uint16_t res);
/* Converts a value to type t (lwm2m_value_coerce has this shape). */
typedef int (*lwm2m_conv_fn)(const lwm2m_value *in, lwm2m_type t, lwm2m_value *out, bytebuf *scratch);
/* Gives the entries from index from on the type fn names for their
 * resource, through conv; NONE entries (empty containers) stay as they are.
 * On failure the entries from index from on are dropped and the error of fn
 * or conv comes back. */
int lwm2m_list_retype(lwm2m_list *l, size_t from, lwm2m_type_fn fn, void *ctx, lwm2m_conv_fn conv);

/* ---- TLV (CF 11542) ------------------------------------------------------ */

/* Decodes a TLV payload for a request on base (an object, an object
 * instance, a resource or a resource instance) and appends one entry per
 * resource value, as raw OPAQUE bytes (TLV carries no types; the readers
 * below give them one).  Items may stand for base's children or wrap base
 * (an object-instance TLV around a write to /o/i), never outside it; an
 * empty object instance or multiple resource becomes a NONE entry.
 * LWM2M_E_TRUNCATED when a length runs past the end, E_FORMAT for wrong
 * nesting or a repeated path, E_PATH for ids outside base or 65535. */
int lwm2m_tlv_decode(const uint8_t *p, size_t n, const lwm2m_path *base, lwm2m_list *out);
/* The same, then every value gets the type fn gives its resource. */
int lwm2m_tlv_decode_typed(const uint8_t *p, size_t n, const lwm2m_path *base, lwm2m_type_fn fn,
                           void *ctx, lwm2m_list *out);
/* Encodes the list as the answer to a read of base: object instances for an
 * object, resources for an instance, the one resource (a multiple resource
 * with its instances) or the one resource instance.  Every entry must lie
 * under base; they are written in path order.  Integers take the fewest of
 * 1/2/4/8 bytes, floats 4 bytes when exact in binary32 (else 8), lengths the
 * shortest form. */
int lwm2m_tlv_encode(const lwm2m_list *l, const lwm2m_path *base, bytebuf *out);

/* TLV value readers (Appendix C): integer 1/2/4/8 bytes big-endian two's
 * complement, unsigned 1/2/4/8 bytes, float 4/8 bytes IEEE-754 big-endian,
 * boolean 1 byte 0/1, objlnk 4 bytes (object id, instance id).  LWM2M_E_TYPE
 * for any other length or content. */
int lwm2m_tlv_read_int(const uint8_t *p, size_t n, int64_t *out);
int lwm2m_tlv_read_uint(const uint8_t *p, size_t n, uint64_t *out);
int lwm2m_tlv_read_float(const uint8_t *p, size_t n, double *out);
int lwm2m_tlv_read_bool(const uint8_t *p, size_t n, bool *out);
int lwm2m_tlv_read_objlnk(const uint8_t *p, size_t n, lwm2m_objlnk *out);
/* Any type: string (checked UTF-8) and opaque point into p; time reads as an
 * integer; NONE takes no bytes. */
int lwm2m_tlv_read_value(const uint8_t *p, size_t n, lwm2m_type t, lwm2m_value *out);

/* ---- text/plain (CF 0) and opaque (CF 42): one resource ------------------ */

/* Integers and times in decimal, floats as the shortest decimal that reads
 * back exactly, booleans "0"/"1", objlnk "3:0", opaque in base64.  NONE and
 * non-finite floats: LWM2M_E_TYPE. */
int lwm2m_text_encode(const lwm2m_value *v, bytebuf *out);
/* Reads text as type t and appends it at path. */
int lwm2m_text_decode(const uint8_t *p, size_t n, lwm2m_type t, const lwm2m_path *path,
                      lwm2m_list *out);
/* CF 42 carries opaque values only. */
int lwm2m_opaque_encode(const lwm2m_value *v, bytebuf *out);
int lwm2m_opaque_decode(const uint8_t *p, size_t n, const lwm2m_path *path, lwm2m_list *out);

/* ---- OMA LwM2M JSON (CF 11543) ------------------------------------------- */

/* Names relative to the object instance, as the SARA-R5's AT+ULWM2MREAD
 * prints them (app note §3.6; Wakaama's 1.0-era JSON writer has the same
 * shape): bn is the request path with a trailing '/', and n is "res" or
 * "res/rinst" even when bn is a resource
 * ({"bn":"/5/0/1/","e":[{"n":"1","sv":"..."}]}).  Without the flag names
 * follow the TS: the full path is bn followed by n. */
#define LWM2M_JSON_INSTANCE_NAMES 1u

/* Encodes the list as the answer to a read of base: bn is base with a
 * trailing '/', names relative to it; a single value at base itself is
 * {"bn":"/3/0/1","e":[{"v":...}]}.  Entries keep the list's order.  Values:
 * v for numbers (a float always shows a '.' or an exponent), sv for strings
 * and base64 opaque, bv, ov "o:i", and "t" for timed entries.  NONE and
 * non-finite floats: LWM2M_E_TYPE. */
int lwm2m_json_encode(const lwm2m_list *l, const lwm2m_path *base, unsigned flags, bytebuf *out);
/* Decodes {"bn":..,"bt":..,"e":[{"n":..,"v"|"sv"|"bv"|"ov":..,"t":..}]}.  A
 * name starting with '/' is absolute; no n means bn itself; with no bn, names
 * are relative to base (which may be NULL: then names must be absolute).  The
 * paths must lie under base when it is given, and be resources or resource
 * instances.  v becomes INTEGER (UNSIGNED past INT64_MAX), or FLOAT when
 * written with '.', 'e' or 'E'; sv STRING; bv BOOLEAN; ov OBJLNK. */
int lwm2m_json_decode(const char *s, size_t n, const lwm2m_path *base, unsigned flags,
                      lwm2m_list *out);
/* The same, then each value coerced (lwm2m_value_coerce) to fn's type. */
int lwm2m_json_decode_typed(const char *s, size_t n, const lwm2m_path *base, unsigned flags,
                            lwm2m_type_fn fn, void *ctx, lwm2m_list *out);

/* ---- CoRE link format (CF 40) and attributes ----------------------------- */

#define LWM2M_ATTR_PMIN (1u << 0)
#define LWM2M_ATTR_PMAX (1u << 1)
#define LWM2M_ATTR_GT (1u << 2)
#define LWM2M_ATTR_LT (1u << 3)
#define LWM2M_ATTR_ST (1u << 4)
#define LWM2M_ATTR_WRITABLE 0x1fu /* the five write-attributes */
#define LWM2M_ATTR_RT (1u << 5)
#define LWM2M_ATTR_CT (1u << 6)
#define LWM2M_ATTR_VER (1u << 7)
#define LWM2M_ATTR_DIM (1u << 8)
#define LWM2M_ATTR_STR_MAX 64 /* rt and ver values, NUL included */

typedef struct lwm2m_attrs {
    unsigned set;   /* LWM2M_ATTR_* present with a value */
    unsigned clear; /* write-attributes query only: named without a value, "remove it" */
    uint32_t pmin, pmax; /* seconds */
    double gt, lt, st;
    uint16_t ct;  /* content format on the root link */
    uint16_t dim; /* number of instances of a multiple resource (Discover) */
    char rt[LWM2M_ATTR_STR_MAX];
    char ver[LWM2M_ATTR_STR_MAX];
} lwm2m_attrs;

/* "pmin=10&pmax=60&gt=5.5&lt=1&st=0.5" (the Uri-Query options joined by
 * '&'); "pmin" alone sets the clear bit.  Only the five write-attributes;
 * anything else, a repeat, an empty value or a bad number: LWM2M_E_FORMAT. */
int lwm2m_attrs_parse_query(const char *q, size_t n, lwm2m_attrs *out);
/* The reverse, in the order pmin, pmax, gt, lt, st; appends nothing for none. */
int lwm2m_attrs_format_query(const lwm2m_attrs *a, bytebuf *out);

typedef struct lwm2m_link {
    lwm2m_path path; /* depth 0: the root link "</>" */
    lwm2m_attrs attrs;
} lwm2m_link;

#define LWM2M_LINKS_MAX 1024

typedef struct lwm2m_links {
    lwm2m_link *items;
    size_t len, cap, max;
} lwm2m_links;

void lwm2m_links_init(lwm2m_links *l); /* max = LWM2M_LINKS_MAX */
void lwm2m_links_free(lwm2m_links *l);
int lwm2m_links_add(lwm2m_links *l, const lwm2m_link *k);

/* Parses a link-format payload: "<path>" links with ";name=value"
 * parameters, separated by ','.  Whitespace around separators is skipped;
 * quoted values may hold ',' ';' and backslash escapes.  rt, ct, ver, dim,
 * pmin, pmax, gt, lt, st are kept; other parameters are checked for syntax
 * and dropped.  Targets must be LwM2M paths.  LWM2M_E_FORMAT for a link
 * without '<' or '>', a stray character, an unterminated quote, a trailing
 * ','; E_PATH for a target that is not a path. */
int lwm2m_link_parse(const char *s, size_t n, lwm2m_links *out);
/* Writes the links: "</3/0/1>,</3/0/2>;pmin=10", attributes in the order
 * rt, ct, ver, dim, pmin, pmax, gt, lt, st. */
int lwm2m_link_encode(const lwm2m_links *l, bytebuf *out);

/* What a registration payload starts with. */
typedef struct lwm2m_reg_opts {
    bool root_link; /* "</>;rt=\"oma.lwm2m\"" first */
    int root_ct;    /* ";ct=<n>" on the root link, or -1 for none */
} lwm2m_reg_opts;

/* A Register / Update payload as LwM2M 1.0 clients send it (Wakaama's
 * shape): "</>;rt=\"oma.lwm2m\";ct=11543,</1/10>,</3/0>,</10308>" for the
 * object instances and instance-less objects given, in the order given.
 * opts NULL: root link with ct=11543. */
int lwm2m_link_encode_register(const lwm2m_path *objs, size_t n, const lwm2m_reg_opts *opts,
                               bytebuf *out);

/* ---- helpers shared by the codecs ---------------------------------------- */

/* Strict decimal numbers: the n bytes at s and nothing else (no blanks).
 * int64: optional '-', digits.  uint64: digits.  double: what strtod reads
 * from [-+0-9.eE] only (no hex, inf or nan), finite.  LWM2M_E_FORMAT /
 * LWM2M_E_RANGE. */
int lwm2m_parse_int64(const char *s, size_t n, int64_t *out);
int lwm2m_parse_uint64(const char *s, size_t n, uint64_t *out);
int lwm2m_parse_double(const char *s, size_t n, double *out);
/* "3:0": two decimal ids 0..65535 (65535:65535 is the null link). */
int lwm2m_parse_objlnk(const char *s, size_t n, lwm2m_objlnk *out);
/* The shortest "%.<p>g" text that reads back as f exactly; buf of at least
 * 32 bytes.  Returns the length, or LWM2M_E_TYPE for NaN and infinities. */
int lwm2m_format_double(double f, char *buf, size_t size);
/* RFC 4648 base64 with padding; decode is strict (no blanks, exact padding). */
int lwm2m_base64_encode(const uint8_t *p, size_t n, bytebuf *out);
int lwm2m_base64_decode(const char *s, size_t n, bytebuf *out);
/* Well-formed UTF-8 (no overlong forms, surrogates or code points past
 * U+10FFFF) with no NUL byte. */
bool lwm2m_utf8_valid(const uint8_t *p, size_t n);

#endif
