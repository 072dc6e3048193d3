/* coap.c - the CoAP message codec (RFC 7252 §3) and option helpers.  Parsing
 * never allocates; building appends to a bytebuf.  Why each rejection exists
 * is next to its coap_err in coap.h; docs/coap.md lists them with the RFC
 * sections. */
#include "coap.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const char *coap_err_name(int err)
{
    switch (err) {
    case COAP_OK: return "ok";
    case COAP_E_SHORT: return "short";
    case COAP_E_VERSION: return "version";
    case COAP_E_TKL: return "token-length";
    case COAP_E_TOKEN_TRUNCATED: return "token-truncated";
    case COAP_E_OPT_RESERVED: return "option-reserved-nibble";
    case COAP_E_OPT_TRUNCATED: return "option-truncated";
    case COAP_E_OPT_NUMBER: return "option-number";
    case COAP_E_MARKER_NO_PAYLOAD: return "marker-without-payload";
    case COAP_E_TOO_MANY_OPTIONS: return "too-many-options";
    case COAP_E_EMPTY_NOT_EMPTY: return "empty-not-empty";
    case COAP_E_EMPTY_NON: return "empty-non";
    case COAP_E_RST_NOT_EMPTY: return "reset-not-empty";
    case COAP_E_ACK_REQUEST: return "ack-with-request";
    }
    return "unknown";
}

void coap_msg_init(coap_msg *m, coap_type type, uint8_t code)
{
    memset(m, 0, sizeof(*m));
    m->type = (uint8_t)type;
    m->code = code;
}

int coap_msg_set_token(coap_msg *m, const void *token, size_t tkl)
{
    if (tkl > COAP_TOKEN_MAX)
        return -EINVAL;
    if (tkl)
        memcpy(m->token, token, tkl);
    m->tkl = (uint8_t)tkl;
    return 0;
}

void coap_msg_set_payload(coap_msg *m, const void *p, size_t n)
{
    m->payload = n ? p : NULL;
    m->payload_len = n;
}

/* ---- parse ---- */

/* The extended form of a delta or length nibble (§3.1): 13 -> one more byte
 * + 13, 14 -> two more bytes + 269.  *pos advances past what was read. */
static int read_ext(unsigned nib, const uint8_t *d, size_t n, size_t *pos, uint32_t *v)
{
    if (nib < 13) {
        *v = nib;
        return 0;
    }
    if (nib == 15)
        return COAP_E_OPT_RESERVED;
    size_t k = nib == 13 ? 1 : 2;
    if (n - *pos < k)
        return COAP_E_OPT_TRUNCATED;
    *v = nib == 13 ? 13u + d[*pos] : 269u + ((uint32_t)d[*pos] << 8 | d[*pos + 1]);
    *pos += k;
    return 0;
}

static int parse_options(coap_msg *m, const uint8_t *d, size_t n, size_t pos)
{
    uint32_t num = 0;
    while (pos < n) {
        uint8_t b = d[pos++];
        if (b == COAP_PAYLOAD_MARKER) {
            if (pos == n)
                return COAP_E_MARKER_NO_PAYLOAD;
            m->payload = d + pos;
            m->payload_len = n - pos;
            return COAP_OK;
        }
        uint32_t delta, len;
        int rc = read_ext(b >> 4, d, n, &pos, &delta);
        if (rc == 0)
            rc = read_ext(b & 15, d, n, &pos, &len);
        if (rc)
            return rc;
        num += delta;
        if (num > 65535)
            return COAP_E_OPT_NUMBER;
        if (n - pos < len)
            return COAP_E_OPT_TRUNCATED;
        if (m->nopt == COAP_MAX_OPTIONS)
            return COAP_E_TOO_MANY_OPTIONS;
        coap_option *o = &m->opt[m->nopt++];
        o->num = (uint16_t)num;
        o->len = len;
        o->val = d + pos;
        pos += len;
    }
    return COAP_OK;
}

/* The §4 rules that make a well-formed datagram a message format error. */
static int check_message_rules(const coap_msg *m)
{
    if (m->code == COAP_EMPTY) {
        if (m->tkl || m->nopt || m->payload_len)
            return COAP_E_EMPTY_NOT_EMPTY;
        if (m->type == COAP_NON)
            return COAP_E_EMPTY_NON;
        return COAP_OK;
    }
    if (m->type == COAP_RST)
        return COAP_E_RST_NOT_EMPTY;
    if (m->type == COAP_ACK && coap_code_is_request(m->code))
        return COAP_E_ACK_REQUEST;
    return COAP_OK;
}

int coap_parse(coap_msg *m, const uint8_t *d, size_t n)
{
    coap_msg_init(m, COAP_CON, COAP_EMPTY);
    if (n < COAP_HEADER_LEN)
        return COAP_E_SHORT;
    if (d[0] >> 6 != COAP_VERSION)
        return COAP_E_VERSION;
    m->type = d[0] >> 4 & 3;
    m->code = d[1];
    m->mid = (uint16_t)(d[2] << 8 | d[3]);
    unsigned tkl = d[0] & 15;
    if (tkl > COAP_TOKEN_MAX)
        return COAP_E_TKL;
    if (n - COAP_HEADER_LEN < tkl)
        return COAP_E_TOKEN_TRUNCATED;
    m->tkl = (uint8_t)tkl;
    if (tkl)
        memcpy(m->token, d + COAP_HEADER_LEN, tkl);
    int rc = parse_options(m, d, n, COAP_HEADER_LEN + tkl);
    if (rc)
        return rc;
    return check_message_rules(m);
}

/* ---- build ---- */

/* Nibble and extension bytes for a delta or length v (<= COAP_OPT_LEN_MAX). */
static unsigned ext_form(uint32_t v, uint8_t ext[2], size_t *k)
{
    if (v < 13) {
        *k = 0;
        return v;
    }
    if (v < 269) {
        ext[0] = (uint8_t)(v - 13);
        *k = 1;
        return 13;
    }
    ext[0] = (uint8_t)((v - 269) >> 8);
    ext[1] = (uint8_t)(v - 269);
    *k = 2;
    return 14;
}

static int append_option(bytebuf *out, uint32_t delta, const coap_option *o)
{
    uint8_t hdr[5], dext[2], lext[2];
    size_t dk, lk, h = 1;
    unsigned dn = ext_form(delta, dext, &dk), ln = ext_form(o->len, lext, &lk);
    hdr[0] = (uint8_t)(dn << 4 | ln);
    memcpy(hdr + h, dext, dk);
    h += dk;
    memcpy(hdr + h, lext, lk);
    h += lk;
    if (bytebuf_append(out, hdr, h))
        return -ENOMEM;
    return bytebuf_append(out, coap_opt_val(o), o->len);
}

/* order[] = option indices sorted by number, stable (insertion sort: at most
 * COAP_MAX_OPTIONS entries, usually already in order). */
static void sort_options(const coap_msg *m, uint8_t *order)
{
    for (size_t i = 0; i < m->nopt; i++) {
        size_t j = i;
        while (j > 0 && m->opt[order[j - 1]].num > m->opt[i].num) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = (uint8_t)i;
    }
}

static int check_buildable(const coap_msg *m)
{
    if (m->type > COAP_RST || m->tkl > COAP_TOKEN_MAX || m->nopt > COAP_MAX_OPTIONS)
        return -EINVAL;
    for (size_t i = 0; i < m->nopt; i++)
        if (m->opt[i].len > COAP_OPT_LEN_MAX || (m->opt[i].len > 4 && !m->opt[i].val))
            return -EINVAL;
    return 0;
}

int coap_build(const coap_msg *m, bytebuf *out)
{
    int rc = check_buildable(m);
    if (rc)
        return rc;
    size_t start = out->len;
    uint8_t hdr[COAP_HEADER_LEN] = {
        (uint8_t)(COAP_VERSION << 6 | m->type << 4 | m->tkl),
        m->code,
        (uint8_t)(m->mid >> 8),
        (uint8_t)m->mid,
    };
    rc = bytebuf_append(out, hdr, sizeof(hdr));
    if (!rc)
        rc = bytebuf_append(out, m->token, m->tkl);
    uint8_t order[COAP_MAX_OPTIONS];
    sort_options(m, order);
    unsigned prev = 0;
    for (size_t i = 0; !rc && i < m->nopt; i++) {
        const coap_option *o = &m->opt[order[i]];
        rc = append_option(out, o->num - prev, o);
        prev = o->num;
    }
    if (!rc && m->payload_len) {
        rc = bytebuf_append_byte(out, COAP_PAYLOAD_MARKER);
        if (!rc)
            rc = bytebuf_append(out, m->payload, m->payload_len);
    }
    if (rc) {
        out->len = start;
        if (out->data)
            out->data[start] = 0;
        return -ENOMEM;
    }
    return 0;
}

/* ---- options ---- */

int coap_msg_add_opt(coap_msg *m, unsigned num, const void *val, size_t len)
{
    if (m->nopt >= COAP_MAX_OPTIONS)
        return -E2BIG;
    if (num > 65535 || len > COAP_OPT_LEN_MAX || (len && !val))
        return -EINVAL;
    coap_option *o = &m->opt[m->nopt++];
    memset(o, 0, sizeof(*o));
    o->num = (uint16_t)num;
    o->len = (uint32_t)len;
    /* Short values are copied in, so that the caller's bytes may go. */
    if (len <= sizeof(o->small)) {
        if (len)
            memcpy(o->small, val, len);
        o->val = NULL;
    } else {
        o->val = val;
    }
    return 0;
}

size_t coap_uint_encode(uint32_t v, uint8_t out[4])
{
    size_t n = 0;
    for (uint32_t t = v; t; t >>= 8)
        n++;
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    return n;
}

int coap_uint_decode(const uint8_t *p, size_t n, uint32_t *v)
{
    if (n > 4)
        return -EINVAL;
    uint32_t r = 0;
    for (size_t i = 0; i < n; i++)
        r = r << 8 | p[i];
    *v = r;
    return 0;
}

int coap_msg_add_uint(coap_msg *m, unsigned num, uint32_t v)
{
    uint8_t b[4];
    size_t n = coap_uint_encode(v, b);
    return coap_msg_add_opt(m, num, b, n);
}

size_t coap_msg_remove(coap_msg *m, unsigned num)
{
    size_t w = 0, removed = 0;
    for (size_t r = 0; r < m->nopt; r++) {
        if (m->opt[r].num == num)
            removed++;
        else
            m->opt[w++] = m->opt[r];
    }
    m->nopt = w;
    return removed;
}

int coap_msg_set_uint(coap_msg *m, unsigned num, uint32_t v)
{
    coap_msg_remove(m, num);
    return coap_msg_add_uint(m, num, v);
}

const coap_option *coap_msg_find_next(const coap_msg *m, unsigned num, const coap_option *prev)
{
    size_t i = prev ? (size_t)(prev - m->opt) + 1 : 0;
    for (; i < m->nopt; i++)
        if (m->opt[i].num == num)
            return &m->opt[i];
    return NULL;
}

const coap_option *coap_msg_find(const coap_msg *m, unsigned num)
{
    return coap_msg_find_next(m, num, NULL);
}

size_t coap_msg_count(const coap_msg *m, unsigned num)
{
    size_t c = 0;
    for (size_t i = 0; i < m->nopt; i++)
        c += m->opt[i].num == num;
    return c;
}

int coap_msg_get_uint(const coap_msg *m, unsigned num, size_t max_len, uint32_t *v)
{
    const coap_option *o = coap_msg_find(m, num);
    if (!o)
        return -ENOENT;
    if (o->len > max_len)
        return -EINVAL;
    return coap_uint_decode(coap_opt_val(o), o->len, v);
}

int coap_msg_content_format(const coap_msg *m, uint32_t *cf)
{
    return coap_msg_get_uint(m, COAP_OPT_CONTENT_FORMAT, 2, cf);
}

int coap_msg_accept(const coap_msg *m, uint32_t *cf)
{
    return coap_msg_get_uint(m, COAP_OPT_ACCEPT, 2, cf);
}

int coap_msg_observe(const coap_msg *m, uint32_t *seq)
{
    return coap_msg_get_uint(m, COAP_OPT_OBSERVE, 3, seq);
}

int coap_msg_max_age(const coap_msg *m, uint32_t *secs)
{
    int rc = coap_msg_get_uint(m, COAP_OPT_MAX_AGE, 4, secs);
    if (rc == -ENOENT) {
        *secs = 60;
        return 0;
    }
    return rc;
}

/* ---- segment lists ---- */

static int is_path_option(unsigned num)
{
    return num == COAP_OPT_URI_PATH || num == COAP_OPT_LOCATION_PATH;
}

int coap_msg_join(const coap_msg *m, unsigned num, bytebuf *out)
{
    int path = is_path_option(num), first = 1;
    for (const coap_option *o = coap_msg_find(m, num); o; o = coap_msg_find_next(m, num, o)) {
        if ((path || !first) && bytebuf_append_byte(out, path ? '/' : '&'))
            return -ENOMEM;
        if (bytebuf_append(out, coap_opt_val(o), o->len))
            return -ENOMEM;
        first = 0;
    }
    if (path && first)
        return bytebuf_append_byte(out, '/');
    return 0;
}

int coap_msg_add_split(coap_msg *m, unsigned num, const char *s, size_t n)
{
    char sep = is_path_option(num) ? '/' : '&';
    if (sep == '/' && n && s[0] == '/') {
        s++;
        n--;
    }
    if (n == 0)
        return 0;
    size_t before = m->nopt;
    for (size_t start = 0;;) {
        const char *end = memchr(s + start, sep, n - start);
        size_t len = end ? (size_t)(end - (s + start)) : n - start;
        int rc = len > 255 ? -EINVAL : coap_msg_add_opt(m, num, s + start, len);
        if (rc) {
            m->nopt = before;
            return rc;
        }
        if (!end)
            return 0;
        start += len + 1;
    }
}

/* ---- block options ---- */

int coap_szx_of_size(size_t size)
{
    for (unsigned szx = 0; szx <= COAP_BLOCK_SZX_MAX; szx++)
        if (coap_szx_size(szx) == size)
            return (int)szx;
    return -EINVAL;
}

int coap_block_decode(const uint8_t *p, size_t n, coap_block *b)
{
    uint32_t v;
    if (n > 3 || coap_uint_decode(p, n, &v))
        return -EINVAL;
    if ((v & 7) == 7)
        return -EINVAL;
    b->num = v >> 4;
    b->more = v >> 3 & 1;
    b->szx = v & 7;
    return 0;
}

int coap_block_encode(const coap_block *b, uint8_t out[3], size_t *len)
{
    if (b->szx > COAP_BLOCK_SZX_MAX || b->num > COAP_BLOCK_NUM_MAX || b->more > 1)
        return -EINVAL;
    uint8_t tmp[4];
    size_t n = coap_uint_encode(b->num << 4 | (uint32_t)b->more << 3 | b->szx, tmp);
    memcpy(out, tmp, n); /* n <= 3: the value fits in 24 bits */
    *len = n;
    return 0;
}

int coap_msg_get_block(const coap_msg *m, unsigned num, coap_block *b)
{
    const coap_option *o = coap_msg_find(m, num);
    if (!o)
        return -ENOENT;
    return coap_block_decode(coap_opt_val(o), o->len, b);
}

int coap_msg_set_block(coap_msg *m, unsigned num, const coap_block *b)
{
    uint8_t v[3];
    size_t n;
    int rc = coap_block_encode(b, v, &n);
    if (rc)
        return rc;
    coap_msg_remove(m, num);
    return coap_msg_add_opt(m, num, v, n);
}

/* ---- observe ---- */

int coap_observe_fresher(uint32_t v1, uint64_t t1, uint32_t v2, uint64_t t2)
{
    const uint32_t half = 1u << 23;
    v1 &= 0xFFFFFF;
    v2 &= 0xFFFFFF;
    if ((v1 < v2 && v2 - v1 < half) || (v1 > v2 && v1 - v2 > half))
        return 1;
    return t2 > t1 && t2 - t1 > 128ull * 1000000000ull;
}

/* ---- names ---- */

char *coap_code_str(uint8_t code, char out[COAP_CODE_STRLEN])
{
    snprintf(out, COAP_CODE_STRLEN, "%u.%02u", COAP_CODE_CLASS(code), COAP_CODE_DETAIL(code));
    return out;
}

const char *coap_code_name(uint8_t code)
{
    switch (code) {
    case COAP_EMPTY: return "Empty";
    case COAP_GET: return "GET";
    case COAP_POST: return "POST";
    case COAP_PUT: return "PUT";
    case COAP_DELETE: return "DELETE";
    case COAP_FETCH: return "FETCH";
    case COAP_PATCH: return "PATCH";
    case COAP_IPATCH: return "iPATCH";
    case COAP_CREATED: return "Created";
    case COAP_DELETED: return "Deleted";
    case COAP_VALID: return "Valid";
    case COAP_CHANGED: return "Changed";
    case COAP_CONTENT: return "Content";
    case COAP_CONTINUE: return "Continue";
    case COAP_BAD_REQUEST: return "Bad Request";
    case COAP_UNAUTHORIZED: return "Unauthorized";
    case COAP_BAD_OPTION: return "Bad Option";
    case COAP_FORBIDDEN: return "Forbidden";
    case COAP_NOT_FOUND: return "Not Found";
    case COAP_METHOD_NOT_ALLOWED: return "Method Not Allowed";
    case COAP_NOT_ACCEPTABLE: return "Not Acceptable";
    case COAP_REQUEST_ENTITY_INCOMPLETE: return "Request Entity Incomplete";
    case COAP_PRECONDITION_FAILED: return "Precondition Failed";
    case COAP_REQUEST_ENTITY_TOO_LARGE: return "Request Entity Too Large";
    case COAP_UNSUPPORTED_CONTENT_FORMAT: return "Unsupported Content-Format";
    case COAP_INTERNAL_SERVER_ERROR: return "Internal Server Error";
    case COAP_NOT_IMPLEMENTED: return "Not Implemented";
    case COAP_BAD_GATEWAY: return "Bad Gateway";
    case COAP_SERVICE_UNAVAILABLE: return "Service Unavailable";
    case COAP_GATEWAY_TIMEOUT: return "Gateway Timeout";
    case COAP_PROXYING_NOT_SUPPORTED: return "Proxying Not Supported";
    }
    return NULL;
}

const char *coap_type_name(unsigned type)
{
    static const char *const names[] = {"CON", "NON", "ACK", "RST"};
    return type < 4 ? names[type] : "???";
}

/* ---- describe ---- */

static int append_hex(bytebuf *out, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (bytebuf_appendf(out, "%02x", p[i]))
            return -ENOMEM;
    return 0;
}

static int describe_block(const coap_msg *m, unsigned num, const char *tag, bytebuf *out)
{
    coap_block b;
    int rc = coap_msg_get_block(m, num, &b);
    if (rc == -ENOENT)
        return 0;
    if (rc)
        return bytebuf_appendf(out, " %s=bad", tag);
    return bytebuf_appendf(out, " %s=%u/%u/%zu", tag, (unsigned)b.num, (unsigned)b.more,
                           coap_szx_size(b.szx));
}

static int describe_uint(const coap_msg *m, unsigned num, const char *tag, bytebuf *out)
{
    uint32_t v;
    int rc = coap_msg_get_uint(m, num, 4, &v);
    if (rc == -ENOENT)
        return 0;
    if (rc)
        return bytebuf_appendf(out, " %s=bad", tag);
    return bytebuf_appendf(out, " %s=%u", tag, (unsigned)v);
}

/* Bytes of a joined path or query that would garble a trace line become '.'. */
static int append_printable(bytebuf *out, const bytebuf *s)
{
    for (size_t i = 0; i < s->len; i++) {
        uint8_t c = s->data[i];
        if (bytebuf_append_byte(out, c >= 0x21 && c < 0x7f ? c : '.'))
            return -ENOMEM;
    }
    return 0;
}

static int describe_uri(const coap_msg *m, unsigned path, unsigned query, const char *tag,
                        bytebuf *out)
{
    if (!coap_msg_find(m, path) && !coap_msg_find(m, query))
        return 0;
    bytebuf s;
    bytebuf_init(&s);
    int rc = coap_msg_join(m, path, &s);
    if (!rc && coap_msg_find(m, query)) {
        rc = bytebuf_append_byte(&s, '?');
        if (!rc)
            rc = coap_msg_join(m, query, &s);
    }
    if (!rc)
        rc = bytebuf_appendf(out, " %s", tag);
    if (!rc)
        rc = append_printable(out, &s);
    bytebuf_free(&s);
    return rc;
}

int coap_msg_describe(const coap_msg *m, bytebuf *out)
{
    char code[COAP_CODE_STRLEN];
    const char *name = coap_code_name(m->code);
    int rc = bytebuf_appendf(out, "%s %s mid=0x%04x", coap_type_name(m->type),
                             coap_code_is_request(m->code) && name ? name : coap_code_str(m->code, code),
                             (unsigned)m->mid);
    if (!rc && m->tkl) {
        rc = bytebuf_append_str(out, " tok=");
        if (!rc)
            rc = append_hex(out, m->token, m->tkl);
    }
    if (!rc)
        rc = describe_uri(m, COAP_OPT_URI_PATH, COAP_OPT_URI_QUERY, "", out);
    if (!rc)
        rc = describe_uri(m, COAP_OPT_LOCATION_PATH, COAP_OPT_LOCATION_QUERY, "loc=", out);
    if (!rc)
        rc = describe_uint(m, COAP_OPT_CONTENT_FORMAT, "cf", out);
    if (!rc)
        rc = describe_uint(m, COAP_OPT_ACCEPT, "accept", out);
    if (!rc)
        rc = describe_uint(m, COAP_OPT_OBSERVE, "obs", out);
    if (!rc)
        rc = describe_block(m, COAP_OPT_BLOCK1, "b1", out);
    if (!rc)
        rc = describe_block(m, COAP_OPT_BLOCK2, "b2", out);
    if (!rc && m->payload_len)
        rc = bytebuf_appendf(out, " len=%zu", m->payload_len);
    return rc;
}
