/* coap.h - the CoAP message codec (RFC 7252 §3, §5.4, §5.10, §12; option
 * helpers for RFC 7641 Observe and RFC 7959 Block1/Block2), sans-I/O.
 *
 * coap_parse() reads one datagram into a coap_msg whose token is copied and
 * whose options and payload point into the datagram (no allocation): the
 * message is valid as long as those bytes are.  coap_build() appends the
 * encoding of a coap_msg to a bytebuf; options may be given in any order, they
 * are sorted by number (stably: repeated options keep their order) and
 * delta-encoded.  Since an option encoding is unique (the 13 and 14 forms only
 * cover what the short form cannot), build(parse(d)) == d for every d that
 * parses.
 *
 * Option values given to a message being built point into the caller's memory
 * (coap_msg_add_opt, coap_msg_add_split) and must stay valid until the build;
 * integer-valued options (coap_msg_add_uint, coap_msg_add_block) are stored
 * inside the option itself, so a coap_msg may be copied by value.  Read an
 * option's bytes with coap_opt_val(), never through `val` directly.
 *
 * The message layer (CON/ACK retransmission, dedup, matching) is coap_ep.h;
 * block-wise transfer helpers are coap_block.h; docs/coap.md has the lot.
 */
#ifndef SARASIM_COAP_H
#define SARASIM_COAP_H

#include <stddef.h>
#include <stdint.h>

#include "bytebuf.h"

#define COAP_VERSION 1
#define COAP_HEADER_LEN 4
#define COAP_TOKEN_MAX 8
#define COAP_PAYLOAD_MARKER 0xFF
/* Options one message may carry, parsed or built.  An LwM2M Register has
 * seven; a datagram with more is rejected (COAP_E_TOO_MANY_OPTIONS). */
#define COAP_MAX_OPTIONS 40
/* The longest option value the 14 form can express: 65535 + 269. */
#define COAP_OPT_LEN_MAX (65535u + 269u)

typedef enum coap_type {
    COAP_CON = 0,
    COAP_NON = 1,
    COAP_ACK = 2,
    COAP_RST = 3,
} coap_type;

/* Codes: class in the top 3 bits, detail in the low 5 ("2.05" = 2 << 5 | 5). */
#define COAP_CODE(c, d) ((uint8_t)(((c) << 5) | (d)))
#define COAP_CODE_CLASS(code) ((unsigned)(code) >> 5)
#define COAP_CODE_DETAIL(code) ((unsigned)(code) & 31u)

enum {
    COAP_EMPTY = COAP_CODE(0, 0),
    COAP_GET = COAP_CODE(0, 1),
    COAP_POST = COAP_CODE(0, 2),
    COAP_PUT = COAP_CODE(0, 3),
    COAP_DELETE = COAP_CODE(0, 4),
    COAP_FETCH = COAP_CODE(0, 5), /* RFC 8132 */
    COAP_PATCH = COAP_CODE(0, 6),
    COAP_IPATCH = COAP_CODE(0, 7),

    COAP_CREATED = COAP_CODE(2, 1),
    COAP_DELETED = COAP_CODE(2, 2),
    COAP_VALID = COAP_CODE(2, 3),
    COAP_CHANGED = COAP_CODE(2, 4),
    COAP_CONTENT = COAP_CODE(2, 5),
    COAP_CONTINUE = COAP_CODE(2, 31), /* RFC 7959 */

    COAP_BAD_REQUEST = COAP_CODE(4, 0),
    COAP_UNAUTHORIZED = COAP_CODE(4, 1),
    COAP_BAD_OPTION = COAP_CODE(4, 2),
    COAP_FORBIDDEN = COAP_CODE(4, 3),
    COAP_NOT_FOUND = COAP_CODE(4, 4),
    COAP_METHOD_NOT_ALLOWED = COAP_CODE(4, 5),
    COAP_NOT_ACCEPTABLE = COAP_CODE(4, 6),
    COAP_REQUEST_ENTITY_INCOMPLETE = COAP_CODE(4, 8), /* RFC 7959 */
    COAP_PRECONDITION_FAILED = COAP_CODE(4, 12),
    COAP_REQUEST_ENTITY_TOO_LARGE = COAP_CODE(4, 13),
    COAP_UNSUPPORTED_CONTENT_FORMAT = COAP_CODE(4, 15),

    COAP_INTERNAL_SERVER_ERROR = COAP_CODE(5, 0),
    COAP_NOT_IMPLEMENTED = COAP_CODE(5, 1),
    COAP_BAD_GATEWAY = COAP_CODE(5, 2),
    COAP_SERVICE_UNAVAILABLE = COAP_CODE(5, 3),
    COAP_GATEWAY_TIMEOUT = COAP_CODE(5, 4),
    COAP_PROXYING_NOT_SUPPORTED = COAP_CODE(5, 5),
};

static inline int coap_code_is_request(uint8_t code)
{
    return COAP_CODE_CLASS(code) == 0 && code != COAP_EMPTY;
}
static inline int coap_code_is_response(uint8_t code)
{
    unsigned c = COAP_CODE_CLASS(code);
    return c >= 2 && c <= 5;
}

/* Option numbers (RFC 7252 §5.10, RFC 7641, RFC 7959). */
enum {
    COAP_OPT_IF_MATCH = 1,
    COAP_OPT_URI_HOST = 3,
    COAP_OPT_ETAG = 4,
    COAP_OPT_IF_NONE_MATCH = 5,
    COAP_OPT_OBSERVE = 6,
    COAP_OPT_URI_PORT = 7,
    COAP_OPT_LOCATION_PATH = 8,
    COAP_OPT_URI_PATH = 11,
    COAP_OPT_CONTENT_FORMAT = 12,
    COAP_OPT_MAX_AGE = 14,
    COAP_OPT_URI_QUERY = 15,
    COAP_OPT_ACCEPT = 17,
    COAP_OPT_LOCATION_QUERY = 20,
    COAP_OPT_BLOCK2 = 23,
    COAP_OPT_BLOCK1 = 27,
    COAP_OPT_SIZE2 = 28,
    COAP_OPT_PROXY_URI = 35,
    COAP_OPT_PROXY_SCHEME = 39,
    COAP_OPT_SIZE1 = 60,
};

/* Odd option numbers are critical (§5.4.1): a receiver that does not know
 * one must reject the message (4.02 for a request).  The endpoint leaves that
 * to its user, who knows which options it understands. */
static inline int coap_opt_is_critical(unsigned num) { return num & 1; }

/* Content-Format numbers the LwM2M work uses (CoAP registry; OMA). */
enum {
    COAP_CF_TEXT_PLAIN = 0,
    COAP_CF_LINK_FORMAT = 40,
    COAP_CF_XML = 41,
    COAP_CF_OCTET_STREAM = 42,
    COAP_CF_JSON = 50,
    COAP_CF_CBOR = 60,
    COAP_CF_SENML_JSON = 110,
    COAP_CF_SENML_CBOR = 112,
    COAP_CF_LWM2M_TLV_OLD = 1542,
    COAP_CF_LWM2M_JSON_OLD = 1543,
    COAP_CF_LWM2M_TLV = 11542,
    COAP_CF_LWM2M_JSON = 11543,
};

/* Everything coap_parse() refuses, one code per rule.  All negative. */
typedef enum coap_err {
    COAP_OK = 0,
    COAP_E_SHORT = -1,             /* fewer than 4 bytes */
    COAP_E_VERSION = -2,           /* version is not 1 (§3: silently ignore) */
    COAP_E_TKL = -3,               /* token length 9..15 (§3: format error) */
    COAP_E_TOKEN_TRUNCATED = -4,   /* fewer bytes than the token length */
    COAP_E_OPT_RESERVED = -5,      /* delta or length nibble 15 that is not the marker */
    COAP_E_OPT_TRUNCATED = -6,     /* extended delta/length or value past the end */
    COAP_E_OPT_NUMBER = -7,        /* option number past 65535 */
    COAP_E_MARKER_NO_PAYLOAD = -8, /* payload marker followed by nothing (§3) */
    COAP_E_TOO_MANY_OPTIONS = -9,  /* more than COAP_MAX_OPTIONS */
    COAP_E_EMPTY_NOT_EMPTY = -10,  /* code 0.00 with a token, options or payload (§4.1) */
    COAP_E_EMPTY_NON = -11,        /* a Non-confirmable Empty message (§4.3) */
    COAP_E_RST_NOT_EMPTY = -12,    /* a Reset that is not Empty (§4.2) */
    COAP_E_ACK_REQUEST = -13,      /* an Acknowledgement carrying a request (§4.2) */
} coap_err;

const char *coap_err_name(int err);

typedef struct coap_option {
    uint16_t num;
    uint32_t len;
    const uint8_t *val; /* NULL: the value is in small[] (integer options) */
    uint8_t small[4];
} coap_option;

static inline const uint8_t *coap_opt_val(const coap_option *o)
{
    return o->val ? o->val : o->small;
}

typedef struct coap_msg {
    uint8_t type; /* coap_type */
    uint8_t code;
    uint16_t mid;
    uint8_t tkl;
    uint8_t token[COAP_TOKEN_MAX];
    size_t nopt;
    coap_option opt[COAP_MAX_OPTIONS]; /* parsed: in wire order (sorted) */
    const uint8_t *payload;
    size_t payload_len;
} coap_msg;

/* An empty message of the given type and code (mid 0, no token). */
void coap_msg_init(coap_msg *m, coap_type type, uint8_t code);
int coap_msg_set_token(coap_msg *m, const void *token, size_t tkl); /* -EINVAL if > 8 */
void coap_msg_set_payload(coap_msg *m, const void *p, size_t n);

/* Parse datagram d[0..n).  Returns COAP_OK or a coap_err.  Whenever the 4
 * header bytes are there and the version is 1, m->type, m->code and m->mid
 * are filled even on error, so that the message layer can reject a bad
 * Confirmable message with a Reset (§4.2). */
int coap_parse(coap_msg *m, const uint8_t *d, size_t n);

/* Append the encoding of m to out.  0, -EINVAL (type > 3, tkl > 8, an option
 * value longer than COAP_OPT_LEN_MAX, more than COAP_MAX_OPTIONS options) or
 * -ENOMEM; out is left as it was on error.  Message-format rules of §4
 * (Empty means empty) are the caller's: the codec writes what it is given. */
int coap_build(const coap_msg *m, bytebuf *out);

/* ---- options ---- */

/* Append an option (any order; see the file comment for value lifetime).
 * -E2BIG when the message already has COAP_MAX_OPTIONS, -EINVAL when the
 * value is longer than COAP_OPT_LEN_MAX. */
int coap_msg_add_opt(coap_msg *m, unsigned num, const void *val, size_t len);
/* An unsigned integer option in its minimal encoding (0 -> zero length). */
int coap_msg_add_uint(coap_msg *m, unsigned num, uint32_t v);
/* Remove every option numbered num; returns how many were removed. */
size_t coap_msg_remove(coap_msg *m, unsigned num);
/* Replace every option numbered num by one integer option. */
int coap_msg_set_uint(coap_msg *m, unsigned num, uint32_t v);

/* First option numbered num, or the next one after `prev` (NULL = first). */
const coap_option *coap_msg_find(const coap_msg *m, unsigned num);
const coap_option *coap_msg_find_next(const coap_msg *m, unsigned num, const coap_option *prev);
size_t coap_msg_count(const coap_msg *m, unsigned num);

/* uint option values (§3.2): up to 4 bytes big-endian, leading zeros
 * allowed on input.  encode returns the minimal length (0..4). */
size_t coap_uint_encode(uint32_t v, uint8_t out[4]);
int coap_uint_decode(const uint8_t *p, size_t n, uint32_t *v); /* -EINVAL if n > 4 */
/* The value of the first option numbered num: 0, -ENOENT, or -EINVAL when
 * it is longer than max_len bytes (4 for most, 3 for Observe). */
int coap_msg_get_uint(const coap_msg *m, unsigned num, size_t max_len, uint32_t *v);

/* Convenience getters for the common integer options. */
int coap_msg_content_format(const coap_msg *m, uint32_t *cf); /* 0..2 bytes */
int coap_msg_accept(const coap_msg *m, uint32_t *cf);
int coap_msg_observe(const coap_msg *m, uint32_t *seq); /* 0..3 bytes */
int coap_msg_max_age(const coap_msg *m, uint32_t *secs); /* 60 when absent (§5.10.5) */

/* Segment lists: Uri-Path / Location-Path segments joined with a leading '/'
 * each ("/rd/5"; no segment -> "/"), Uri-Query / Location-Query joined with
 * '&' ("ep=x&lt=86400"; none -> "").  Segments are copied byte for byte (no
 * percent-encoding), so a segment holding '/' or '&' does not split back the
 * same: the joined form is for traces and lookups.  Appends to out. */
int coap_msg_join(const coap_msg *m, unsigned num, bytebuf *out);
/* Split s[0..n) into segments and add one option per segment, pointing into
 * s.  Path options: a leading '/' is skipped, '/' separates, "" and "/" give
 * no segment, "a/" gives "a" and "" (§6.4).  Query options: '&' separates,
 * "" gives none.  -EINVAL if a segment is longer than 255 bytes (§5.10.1). */
int coap_msg_add_split(coap_msg *m, unsigned num, const char *s, size_t n);

/* ---- Block1 / Block2 (RFC 7959 §2.2) ---- */

#define COAP_BLOCK_SZX_MAX 6 /* 1024 bytes; 7 is reserved */
#define COAP_BLOCK_NUM_MAX 0xFFFFFu

typedef struct coap_block {
    uint32_t num; /* 0 .. 2^20-1 */
    uint8_t more; /* 0 or 1 */
    uint8_t szx;  /* 0 .. 6: size = 16 << szx */
} coap_block;

static inline size_t coap_szx_size(unsigned szx) { return (size_t)16 << szx; }
/* The SZX of a block size (16, 32, ... 1024), or -EINVAL. */
int coap_szx_of_size(size_t size);
/* Byte offset of the block in the body. */
static inline uint64_t coap_block_offset(const coap_block *b)
{
    return (uint64_t)b->num << (b->szx + 4);
}
/* 0, or -EINVAL: longer than 3 bytes, SZX 7, NUM too large (encode). */
int coap_block_decode(const uint8_t *p, size_t n, coap_block *b);
int coap_block_encode(const coap_block *b, uint8_t out[3], size_t *len);
int coap_msg_get_block(const coap_msg *m, unsigned num, coap_block *b); /* 0 / -ENOENT / -EINVAL */
int coap_msg_set_block(coap_msg *m, unsigned num, const coap_block *b); /* replaces */

/* ---- Observe (RFC 7641 §3.4) ---- */

/* Is a notification with sequence v2 received at t2 (ns) fresher than the
 * last one, v1 at t1?  (24-bit serial arithmetic, or 128 s later.) */
int coap_observe_fresher(uint32_t v1, uint64_t t1, uint32_t v2, uint64_t t2);

/* ---- names for traces ---- */

#define COAP_CODE_STRLEN 5 /* "2.05" + NUL */
/* "2.05", "0.01", "4.13"; returns out. */
char *coap_code_str(uint8_t code, char out[COAP_CODE_STRLEN]);
/* "GET", "Content", ... or NULL for codes without a registered name. */
const char *coap_code_name(uint8_t code);
const char *coap_type_name(unsigned type); /* "CON" "NON" "ACK" "RST" */
/* One line for a trace: `CON GET mid=0x1234 tok=0a0b /rd?ep=x cf=40 len=12`
 * (block options as `b1=0/1/1024`, observe as `obs=3`).  Appends to out. */
int coap_msg_describe(const coap_msg *m, bytebuf *out);

#endif
