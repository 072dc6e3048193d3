/* lwm2m_tlv.c - application/vnd.oma.lwm2m+tlv (CF 11542), the format every
 * LwM2M 1.0 server reads and writes object instances in
 * (OMA-TS-LightweightM2M-V1_0 §6.4.3, the value encodings of Appendix C).
 *
 * One item on the wire:
 *   type byte  bits 7-6 what the id names: 00 object instance, 01 resource
 *                       instance, 10 multiple resource, 11 resource with value
 *              bit 5    id is 16 bits (else 8)
 *              bits 4-3 length field: 00 none (length in bits 2-0), or 8/16/24 bits
 *   id, length field, then the value (for 00 and 10: more items).
 */
#include "lwm2m_data.h"

#include <math.h>
#include <float.h>
#include <stdlib.h>
#include <string.h>

enum { TLV_INSTANCE = 0, TLV_RINST = 1, TLV_MULTI = 2, TLV_RES = 3 };
/* The path depth each kind of item stands at. */
static const uint8_t kind_depth[4] = { 2, 4, 3, 3 };
#define TLV_LEN_MAX 0xffffffu

typedef struct tlv_item {
    unsigned kind;
    uint16_t id;
    const uint8_t *val;
    size_t len;  /* of the value */
    size_t size; /* of the whole item */
} tlv_item;

static uint64_t get_be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t k = 0; k < n; k++)
        v = v << 8 | p[k];
    return v;
}

static void put_be(uint8_t *p, uint64_t v, size_t n)
{
    for (size_t k = n; k-- > 0; v >>= 8)
        p[k] = (uint8_t)v;
}

/* Reads the item at the start of p[0..n). */
static int read_item(const uint8_t *p, size_t n, tlv_item *it)
{
    if (n < 1)
        return LWM2M_E_TRUNCATED;
    uint8_t t = p[0];
    size_t id_len = t & 0x20 ? 2 : 1, len_len = (t >> 3) & 3;
    size_t pos = 1 + id_len + len_len;
    if (n < pos)
        return LWM2M_E_TRUNCATED;
    uint64_t id = get_be(p + 1, id_len);
    if (id > LWM2M_ID_MAX)
        return LWM2M_E_PATH;
    size_t len = len_len ? (size_t)get_be(p + 1 + id_len, len_len) : (size_t)(t & 7);
    if (n - pos < len)
        return LWM2M_E_TRUNCATED;
    it->kind = t >> 6;
    it->id = (uint16_t)id;
    it->val = p + pos;
    it->len = len;
    it->size = pos + len;
    return LWM2M_OK;
}

/* ---- decoding ------------------------------------------------------------ */

typedef struct tlv_dec {
    const lwm2m_path *base;
    lwm2m_list *out;
} tlv_dec;

static int decode_items(tlv_dec *d, const uint8_t *p, size_t n, const lwm2m_path *parent);

/* The path an item names.  Inside a container it is the container's child;
 * at the top it is a child of the request's path, or the request's path
 * itself or one above it (an instance TLV wrapping a write to /o/i). */
static int item_path(const tlv_dec *d, const lwm2m_path *parent, const tlv_item *it,
                     lwm2m_path *path)
{
    unsigned depth = kind_depth[it->kind];
    if (parent) {
        if (depth != parent->depth + 1u)
            return LWM2M_E_FORMAT; /* wrong nesting, or nested too deep */
        *path = *parent;
    } else if (depth == d->base->depth + 1u) {
        *path = *d->base;
    } else if (depth <= d->base->depth) {
        if (d->base->id[depth - 1] != it->id)
            return LWM2M_E_PATH;
        *path = *d->base;
        for (unsigned k = depth - 1; k < LWM2M_PATH_DEPTH_MAX; k++)
            path->id[k] = LWM2M_ID_NONE;
        path->depth = (uint8_t)(depth - 1);
    } else {
        return LWM2M_E_PATH; /* e.g. resources for a request on an object */
    }
    path->id[path->depth++] = it->id;
    return LWM2M_OK;
}

static int add_under_base(tlv_dec *d, const lwm2m_path *path, const lwm2m_value *v)
{
    if (!lwm2m_path_is_under(path, d->base))
        return LWM2M_E_PATH;
    return lwm2m_list_add(d->out, path, v);
}

static int decode_item(tlv_dec *d, const tlv_item *it, const lwm2m_path *path)
{
    if (it->kind == TLV_RES || it->kind == TLV_RINST) {
        lwm2m_value raw = lwm2m_v_opaque(it->val, it->len);
        return add_under_base(d, path, &raw);
    }
    if (it->len == 0) { /* an object instance or multiple resource with nothing in it */
        lwm2m_value none = lwm2m_v_none();
        return add_under_base(d, path, &none);
    }
    return decode_items(d, it->val, it->len, path);
}

static int decode_items(tlv_dec *d, const uint8_t *p, size_t n, const lwm2m_path *parent)
{
    while (n) {
        tlv_item it;
        lwm2m_path path;
        int rc = read_item(p, n, &it);
        if (!rc)
            rc = item_path(d, parent, &it, &path);
        if (!rc)
            rc = decode_item(d, &it, &path);
        if (rc)
            return rc;
        p += it.size;
        n -= it.size;
    }
    return LWM2M_OK;
}

/* No path twice, and no value both on a path and below it (a resource that
 * is single and multiple, an empty instance that has resources).  In path
 * order a path comes right before the first path below it. */
static int check_distinct(const lwm2m_list *l, size_t from)
{
    size_t *idx = lwm2m_list_order(l, from);
    if (!idx)
        return LWM2M_E_NOMEM;
    int rc = LWM2M_OK;
    for (size_t i = 1; i < l->len - from && !rc; i++)
        if (lwm2m_path_is_under(&l->items[idx[i]].path, &l->items[idx[i - 1]].path))
            rc = LWM2M_E_FORMAT;
    free(idx);
    return rc;
}

static bool base_ok(const lwm2m_path *base)
{
    return lwm2m_path_valid(base) && base->depth >= 1;
}

int lwm2m_tlv_decode(const uint8_t *p, size_t n, const lwm2m_path *base, lwm2m_list *out)
{
    if (!base_ok(base))
        return LWM2M_E_PATH;
    if (!p && n)
        return LWM2M_E_INVALID;
    size_t from = out->len;
    tlv_dec d = { base, out };
    int rc = decode_items(&d, p, n, NULL);
    if (!rc)
        rc = check_distinct(out, from);
    if (rc)
        lwm2m_list_truncate(out, from);
    return rc;
}

/* TLV bytes as type t: the lwm2m_conv_fn of a typed decode. */
static int read_raw(const lwm2m_value *in, lwm2m_type t, lwm2m_value *out, bytebuf *scratch)
{
    (void)scratch;
    return lwm2m_tlv_read_value(in->v.bytes.p, in->v.bytes.len, t, out);
}

int lwm2m_tlv_decode_typed(const uint8_t *p, size_t n, const lwm2m_path *base, lwm2m_type_fn fn,
                           void *ctx, lwm2m_list *out)
{
    if (!fn)
        return LWM2M_E_INVALID;
    size_t from = out->len;
    int rc = lwm2m_tlv_decode(p, n, base, out);
    return rc ? rc : lwm2m_list_retype(out, from, fn, ctx, read_raw);
}

/* ---- value readers ------------------------------------------------------- */

static bool int_width(size_t n)
{
    return n == 1 || n == 2 || n == 4 || n == 8;
}

int lwm2m_tlv_read_int(const uint8_t *p, size_t n, int64_t *out)
{
    if (!int_width(n))
        return LWM2M_E_TYPE;
    uint64_t v = get_be(p, n);
    if (n < 8 && (v >> (n * 8 - 1)) & 1)
        v |= ~0ull << (n * 8); /* sign-extend */
    *out = (int64_t)v;
    return LWM2M_OK;
}

int lwm2m_tlv_read_uint(const uint8_t *p, size_t n, uint64_t *out)
{
    if (!int_width(n))
        return LWM2M_E_TYPE;
    *out = get_be(p, n);
    return LWM2M_OK;
}

int lwm2m_tlv_read_float(const uint8_t *p, size_t n, double *out)
{
    if (n == 4) {
        uint32_t w = (uint32_t)get_be(p, 4);
        float f;
        memcpy(&f, &w, 4);
        *out = f;
    } else if (n == 8) {
        uint64_t w = get_be(p, 8);
        memcpy(out, &w, 8);
    } else {
        return LWM2M_E_TYPE;
    }
    return LWM2M_OK;
}

int lwm2m_tlv_read_bool(const uint8_t *p, size_t n, bool *out)
{
    if (n != 1 || p[0] > 1)
        return LWM2M_E_TYPE;
    *out = p[0] == 1;
    return LWM2M_OK;
}

int lwm2m_tlv_read_objlnk(const uint8_t *p, size_t n, lwm2m_objlnk *out)
{
    if (n != 4)
        return LWM2M_E_TYPE;
    out->obj = (uint16_t)get_be(p, 2);
    out->inst = (uint16_t)get_be(p + 2, 2);
    return LWM2M_OK;
}

int lwm2m_tlv_read_value(const uint8_t *p, size_t n, lwm2m_type t, lwm2m_value *out)
{
    lwm2m_value v = lwm2m_v_none();
    v.type = t;
    int rc;
    switch (t) {
    case LWM2M_T_NONE: rc = n ? LWM2M_E_TYPE : LWM2M_OK; break;
    case LWM2M_T_STRING:
        v = lwm2m_v_strn((const char *)p, n);
        rc = lwm2m_utf8_valid(p, n) ? LWM2M_OK : LWM2M_E_TYPE;
        break;
    case LWM2M_T_OPAQUE: v = lwm2m_v_opaque(p, n); rc = LWM2M_OK; break;
    case LWM2M_T_INTEGER:
    case LWM2M_T_TIME: rc = lwm2m_tlv_read_int(p, n, &v.v.i); break;
    case LWM2M_T_UNSIGNED: rc = lwm2m_tlv_read_uint(p, n, &v.v.u); break;
    case LWM2M_T_FLOAT: rc = lwm2m_tlv_read_float(p, n, &v.v.f); break;
    case LWM2M_T_BOOLEAN: rc = lwm2m_tlv_read_bool(p, n, &v.v.b); break;
    case LWM2M_T_OBJLNK: rc = lwm2m_tlv_read_objlnk(p, n, &v.v.lnk); break;
    default: rc = LWM2M_E_INVALID; break;
    }
    if (!rc)
        *out = v;
    return rc;
}

/* ---- encoding ------------------------------------------------------------ */

static int put_header(bytebuf *o, unsigned kind, uint16_t id, size_t len)
{
    if (len > TLV_LEN_MAX)
        return LWM2M_E_LIMIT;
    uint8_t h[6];
    size_t id_len = id > 0xff ? 2 : 1;
    size_t len_len = len <= 7 ? 0 : len <= 0xff ? 1 : len <= 0xffff ? 2 : 3;
    h[0] = (uint8_t)(kind << 6 | (id_len == 2 ? 0x20 : 0) | len_len << 3 | (len_len ? 0 : len));
    put_be(h + 1, id, id_len);
    put_be(h + 1 + id_len, len, len_len);
    return bytebuf_append(o, h, 1 + id_len + len_len) ? LWM2M_E_NOMEM : LWM2M_OK;
}

/* The fewest of 1, 2, 4, 8 bytes that hold i in two's complement. */
static size_t int_size(int64_t i)
{
    return i == (int8_t)i ? 1 : i == (int16_t)i ? 2 : i == (int32_t)i ? 4 : 8;
}

static size_t uint_size(uint64_t u)
{
    return u <= 0xff ? 1 : u <= 0xffff ? 2 : u <= 0xffffffffu ? 4 : 8;
}

/* binary32 when it holds the value exactly (NaN keeps binary64: its payload
 * might not survive). */
static size_t float_size(double f)
{
    if (isnan(f))
        return 8;
    if (isinf(f))
        return 4;
    return fabs(f) <= FLT_MAX && (double)(float)f == f ? 4 : 8;
}

/* A leaf's value bytes: numbers into tmp, strings and opaque in place. */
static void value_bytes(const lwm2m_value *v, uint8_t tmp[8], const uint8_t **p, size_t *n)
{
    *p = tmp;
    switch (v->type) {
    case LWM2M_T_STRING:
    case LWM2M_T_OPAQUE:
        *p = v->v.bytes.p;
        *n = v->v.bytes.len;
        break;
    case LWM2M_T_INTEGER:
    case LWM2M_T_TIME:
        *n = int_size(v->v.i);
        put_be(tmp, (uint64_t)v->v.i, *n);
        break;
    case LWM2M_T_UNSIGNED:
        *n = uint_size(v->v.u);
        put_be(tmp, v->v.u, *n);
        break;
    case LWM2M_T_FLOAT:
        *n = float_size(v->v.f);
        if (*n == 4) {
            float f = (float)v->v.f;
            uint32_t w;
            memcpy(&w, &f, 4);
            put_be(tmp, w, 4);
        } else {
            uint64_t w;
            memcpy(&w, &v->v.f, 8);
            put_be(tmp, w, 8);
        }
        break;
    case LWM2M_T_BOOLEAN:
        *n = 1;
        tmp[0] = v->v.b ? 1 : 0;
        break;
    case LWM2M_T_OBJLNK:
        *n = 4;
        put_be(tmp, v->v.lnk.obj, 2);
        put_be(tmp + 2, v->v.lnk.inst, 2);
        break;
    case LWM2M_T_NONE: *n = 0; break;
    }
}

static int put_leaf(bytebuf *o, unsigned kind, uint16_t id, const lwm2m_value *v)
{
    uint8_t tmp[8];
    const uint8_t *p = tmp;
    size_t n = 0;
    value_bytes(v, tmp, &p, &n);
    int rc = put_header(o, kind, id, n);
    if (!rc && bytebuf_append(o, p, n))
        rc = LWM2M_E_NOMEM;
    return rc;
}

/* The entries idx[0..n), in path order, share the ids above level and are
 * at least level deep. */
typedef struct tlv_group {
    const lwm2m_list *l;
    const size_t *idx;
    size_t n;
} tlv_group;

static const lwm2m_path *gpath(const tlv_group *g, size_t i)
{
    return &g->l->items[g->idx[i]].path;
}

static int put_group(bytebuf *o, const tlv_group *g, unsigned level);

/* Each run of entries with the same id at level becomes one item. */
static int put_children(bytebuf *o, const tlv_group *g, unsigned level)
{
    for (size_t a = 0; a < g->n;) {
        size_t b = a + 1;
        while (b < g->n && gpath(g, b)->id[level - 1] == gpath(g, a)->id[level - 1])
            b++;
        tlv_group sub = { g->l, g->idx + a, b - a };
        int rc = put_group(o, &sub, level);
        if (rc)
            return rc;
        a = b;
    }
    return LWM2M_OK;
}

/* A container item (instance or multiple resource) around its children. */
static int put_container(bytebuf *o, const tlv_group *g, unsigned level, unsigned kind)
{
    bytebuf body;
    bytebuf_init(&body);
    int rc = LWM2M_OK;
    if (gpath(g, 0)->depth > level) /* else: the container's own NONE entry, empty */
        rc = put_children(&body, g, level + 1);
    if (!rc)
        rc = put_header(o, kind, gpath(g, 0)->id[level - 1], body.len);
    if (!rc && bytebuf_append(o, body.data, body.len))
        rc = LWM2M_E_NOMEM;
    bytebuf_free(&body);
    return rc;
}

/* The one item for the entries of g at level (2 instance, 3 resource, 4
 * resource instance). */
static int put_group(bytebuf *o, const tlv_group *g, unsigned level)
{
    const lwm2m_entry *first = &g->l->items[g->idx[0]];
    uint16_t id = first->path.id[level - 1];
    switch (level) {
    case 2: return put_container(o, g, level, TLV_INSTANCE);
    case 3:
        if (first->path.depth == 3 && first->value.type != LWM2M_T_NONE)
            return put_leaf(o, TLV_RES, id, &first->value);
        return put_container(o, g, level, TLV_MULTI);
    default: return put_leaf(o, TLV_RINST, id, &first->value);
    }
}

/* What the TLV of a read of base holds: base's children for an object or an
 * instance (an empty instance asked for itself is an empty payload), the
 * item itself for a resource or resource instance. */
static int put_base(bytebuf *o, const tlv_group *g, const lwm2m_path *base)
{
    if (!g->n)
        return LWM2M_OK;
    if (base->depth >= 3)
        return put_group(o, g, base->depth);
    if (base->depth == 2 && gpath(g, 0)->depth == 2)
        return LWM2M_OK;
    return put_children(o, g, base->depth + 1u);
}

int lwm2m_tlv_encode(const lwm2m_list *l, const lwm2m_path *base, bytebuf *out)
{
    if (!base_ok(base))
        return LWM2M_E_PATH;
    for (size_t i = 0; i < l->len; i++)
        if (!lwm2m_path_is_under(&l->items[i].path, base))
            return LWM2M_E_PATH;
    int rc = check_distinct(l, 0);
    if (rc)
        return rc == LWM2M_E_FORMAT ? LWM2M_E_INVALID : rc;
    size_t *idx = lwm2m_list_order(l, 0);
    if (!idx)
        return LWM2M_E_NOMEM;
    size_t old = out->len;
    tlv_group g = { l, idx, l->len };
    rc = put_base(out, &g, base);
    free(idx);
    if (rc) {
        out->len = old;
        if (out->data)
            out->data[old] = 0;
    }
    return rc;
}
