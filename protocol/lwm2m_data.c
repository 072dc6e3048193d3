/* lwm2m_data.c - the LwM2M value model (paths, values, the value list), the
 * number/base64/UTF-8 helpers the codecs share, and the two single-resource
 * formats, text/plain (CF 0) and opaque (CF 42).  TLV is in lwm2m_tlv.c,
 * JSON in lwm2m_json.c, link-format in lwm2m_link.c. */
#include "lwm2m_data.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *lwm2m_strerror(int err)
{
    switch (err) {
    case LWM2M_OK: return "ok";
    case LWM2M_E_NOMEM: return "no-memory";
    case LWM2M_E_LIMIT: return "limit";
    case LWM2M_E_TRUNCATED: return "truncated";
    case LWM2M_E_FORMAT: return "format";
    case LWM2M_E_PATH: return "path";
    case LWM2M_E_TYPE: return "type";
    case LWM2M_E_RANGE: return "range";
    case LWM2M_E_INVALID: return "invalid";
    case LWM2M_E_NOTFOUND: return "not-found";
    default: return "unknown";
    }
}

/* ---- paths --------------------------------------------------------------- */

static lwm2m_path path_of(uint8_t depth, uint16_t o, uint16_t i, uint16_t r, uint16_t ri)
{
    lwm2m_path p = { depth, { o, i, r, ri } };
    for (int k = depth; k < LWM2M_PATH_DEPTH_MAX; k++)
        p.id[k] = LWM2M_ID_NONE;
    return p;
}

lwm2m_path lwm2m_path_root(void) { return path_of(0, 0, 0, 0, 0); }
lwm2m_path lwm2m_path_o(uint16_t o) { return path_of(1, o, 0, 0, 0); }
lwm2m_path lwm2m_path_oi(uint16_t o, uint16_t i) { return path_of(2, o, i, 0, 0); }
lwm2m_path lwm2m_path_oir(uint16_t o, uint16_t i, uint16_t r) { return path_of(3, o, i, r, 0); }
lwm2m_path lwm2m_path_oiri(uint16_t o, uint16_t i, uint16_t r, uint16_t ri)
{
    return path_of(4, o, i, r, ri);
}

bool lwm2m_path_valid(const lwm2m_path *p)
{
    if (!p || p->depth > LWM2M_PATH_DEPTH_MAX)
        return false;
    for (int k = 0; k < p->depth; k++)
        if (p->id[k] > LWM2M_ID_MAX)
            return false;
    return true;
}

int lwm2m_path_parse(const char *s, size_t n, lwm2m_path *out)
{
    if (!s || !n || s[0] != '/')
        return LWM2M_E_PATH;
    lwm2m_path p = lwm2m_path_root();
    size_t i = 1;
    while (i < n) {
        if (p.depth == LWM2M_PATH_DEPTH_MAX)
            return LWM2M_E_PATH;
        size_t start = i;
        uint32_t v = 0;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
            v = v * 10 + (uint32_t)(s[i] - '0');
            if (v > LWM2M_ID_MAX)
                return LWM2M_E_PATH;
        }
        if (i == start || (i - start > 1 && s[start] == '0'))
            return LWM2M_E_PATH; /* empty segment, or a leading zero */
        p.id[p.depth++] = (uint16_t)v;
        if (i < n && (s[i] != '/' || i + 1 == n))
            return LWM2M_E_PATH; /* junk, or a trailing '/' */
        i++;
    }
    *out = p;
    return LWM2M_OK;
}

int lwm2m_path_format(const lwm2m_path *p, char buf[LWM2M_PATH_STR_MAX])
{
    if (!lwm2m_path_valid(p))
        return LWM2M_E_PATH;
    if (p->depth == 0) {
        strcpy(buf, "/");
        return 1;
    }
    int len = 0;
    for (int k = 0; k < p->depth; k++)
        len += snprintf(buf + len, (size_t)(LWM2M_PATH_STR_MAX - len), "/%u", p->id[k]);
    return len;
}

bool lwm2m_path_equal(const lwm2m_path *a, const lwm2m_path *b)
{
    return lwm2m_path_cmp(a, b) == 0;
}

bool lwm2m_path_is_under(const lwm2m_path *p, const lwm2m_path *base)
{
    if (p->depth < base->depth)
        return false;
    for (int k = 0; k < base->depth; k++)
        if (p->id[k] != base->id[k])
            return false;
    return true;
}

int lwm2m_path_cmp(const lwm2m_path *a, const lwm2m_path *b)
{
    int common = a->depth < b->depth ? a->depth : b->depth;
    for (int k = 0; k < common; k++)
        if (a->id[k] != b->id[k])
            return a->id[k] < b->id[k] ? -1 : 1;
    return (a->depth > b->depth) - (a->depth < b->depth);
}

/* ---- values -------------------------------------------------------------- */

const char *lwm2m_type_name(lwm2m_type t)
{
    static const char *const names[LWM2M_T_COUNT] = {
        "none", "string", "integer", "unsigned", "float", "boolean", "opaque", "time", "objlnk",
    };
    return (unsigned)t < LWM2M_T_COUNT ? names[t] : "?";
}

lwm2m_value lwm2m_v_none(void)
{
    lwm2m_value v;
    memset(&v, 0, sizeof v);
    v.type = LWM2M_T_NONE;
    return v;
}

static lwm2m_value typed(lwm2m_type t)
{
    lwm2m_value v = lwm2m_v_none();
    v.type = t;
    return v;
}

lwm2m_value lwm2m_v_int(int64_t i) { lwm2m_value v = typed(LWM2M_T_INTEGER); v.v.i = i; return v; }
lwm2m_value lwm2m_v_uint(uint64_t u) { lwm2m_value v = typed(LWM2M_T_UNSIGNED); v.v.u = u; return v; }
lwm2m_value lwm2m_v_float(double f) { lwm2m_value v = typed(LWM2M_T_FLOAT); v.v.f = f; return v; }
lwm2m_value lwm2m_v_bool(bool b) { lwm2m_value v = typed(LWM2M_T_BOOLEAN); v.v.b = b; return v; }
lwm2m_value lwm2m_v_time(int64_t t) { lwm2m_value v = typed(LWM2M_T_TIME); v.v.i = t; return v; }

lwm2m_value lwm2m_v_objlnk(uint16_t obj, uint16_t inst)
{
    lwm2m_value v = typed(LWM2M_T_OBJLNK);
    v.v.lnk.obj = obj;
    v.v.lnk.inst = inst;
    return v;
}

lwm2m_value lwm2m_v_strn(const char *s, size_t n)
{
    lwm2m_value v = typed(LWM2M_T_STRING);
    v.v.bytes.p = (const uint8_t *)s;
    v.v.bytes.len = n;
    return v;
}

lwm2m_value lwm2m_v_str(const char *s) { return lwm2m_v_strn(s, s ? strlen(s) : 0); }

lwm2m_value lwm2m_v_opaque(const void *p, size_t n)
{
    lwm2m_value v = typed(LWM2M_T_OPAQUE);
    v.v.bytes.p = p;
    v.v.bytes.len = n;
    return v;
}

static bool has_bytes(lwm2m_type t)
{
    return t == LWM2M_T_STRING || t == LWM2M_T_OPAQUE;
}

bool lwm2m_value_equal(const lwm2m_value *a, const lwm2m_value *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case LWM2M_T_NONE: return true;
    case LWM2M_T_INTEGER:
    case LWM2M_T_TIME: return a->v.i == b->v.i;
    case LWM2M_T_UNSIGNED: return a->v.u == b->v.u;
    case LWM2M_T_FLOAT: return memcmp(&a->v.f, &b->v.f, sizeof(double)) == 0;
    case LWM2M_T_BOOLEAN: return a->v.b == b->v.b;
    case LWM2M_T_OBJLNK: return a->v.lnk.obj == b->v.lnk.obj && a->v.lnk.inst == b->v.lnk.inst;
    case LWM2M_T_STRING:
    case LWM2M_T_OPAQUE:
        return a->v.bytes.len == b->v.bytes.len &&
               (!a->v.bytes.len || memcmp(a->v.bytes.p, b->v.bytes.p, a->v.bytes.len) == 0);
    }
    return false;
}

/* 2^63 and 2^64 as doubles: the bounds of a float that converts exactly. */
#define TWO_POW_63 9223372036854775808.0
#define TWO_POW_64 18446744073709551616.0

static int float_to_int(double f, int64_t *out)
{
    if (!isfinite(f) || f != floor(f))
        return LWM2M_E_TYPE;
    if (f < -TWO_POW_63 || f >= TWO_POW_63)
        return LWM2M_E_RANGE;
    *out = (int64_t)f;
    return LWM2M_OK;
}

static int coerce_int(const lwm2m_value *in, int64_t *out)
{
    switch (in->type) {
    case LWM2M_T_INTEGER:
    case LWM2M_T_TIME: *out = in->v.i; return LWM2M_OK;
    case LWM2M_T_UNSIGNED:
        if (in->v.u > INT64_MAX)
            return LWM2M_E_RANGE;
        *out = (int64_t)in->v.u;
        return LWM2M_OK;
    case LWM2M_T_FLOAT: return float_to_int(in->v.f, out);
    default: return LWM2M_E_TYPE;
    }
}

static int coerce_uint(const lwm2m_value *in, uint64_t *out)
{
    switch (in->type) {
    case LWM2M_T_UNSIGNED: *out = in->v.u; return LWM2M_OK;
    case LWM2M_T_INTEGER:
    case LWM2M_T_TIME:
        if (in->v.i < 0)
            return LWM2M_E_RANGE;
        *out = (uint64_t)in->v.i;
        return LWM2M_OK;
    case LWM2M_T_FLOAT:
        if (!isfinite(in->v.f) || in->v.f != floor(in->v.f))
            return LWM2M_E_TYPE;
        if (in->v.f < 0 || in->v.f >= TWO_POW_64)
            return LWM2M_E_RANGE;
        *out = (uint64_t)in->v.f;
        return LWM2M_OK;
    default: return LWM2M_E_TYPE;
    }
}

static int coerce_float(const lwm2m_value *in, double *out)
{
    switch (in->type) {
    case LWM2M_T_FLOAT: *out = in->v.f; return LWM2M_OK;
    case LWM2M_T_INTEGER:
    case LWM2M_T_TIME: *out = (double)in->v.i; return LWM2M_OK;
    case LWM2M_T_UNSIGNED: *out = (double)in->v.u; return LWM2M_OK;
    default: return LWM2M_E_TYPE;
    }
}

int lwm2m_value_coerce(const lwm2m_value *in, lwm2m_type to, lwm2m_value *out, bytebuf *scratch)
{
    lwm2m_value v = typed(to);
    int rc = LWM2M_E_TYPE;
    switch (to) {
    case LWM2M_T_INTEGER:
    case LWM2M_T_TIME: rc = coerce_int(in, &v.v.i); break;
    case LWM2M_T_UNSIGNED: rc = coerce_uint(in, &v.v.u); break;
    case LWM2M_T_FLOAT: rc = coerce_float(in, &v.v.f); break;
    case LWM2M_T_OPAQUE:
        if (in->type == LWM2M_T_OPAQUE) {
            v = *in;
            rc = LWM2M_OK;
        } else if (in->type == LWM2M_T_STRING) {
            size_t off = scratch->len;
            rc = lwm2m_base64_decode((const char *)in->v.bytes.p, in->v.bytes.len, scratch);
            if (rc == LWM2M_E_FORMAT)
                rc = LWM2M_E_TYPE;
            v.v.bytes.p = scratch->data ? scratch->data + off : NULL;
            v.v.bytes.len = scratch->len - off;
        }
        break;
    case LWM2M_T_STRING:
    case LWM2M_T_BOOLEAN:
    case LWM2M_T_OBJLNK:
        if (in->type == to) {
            v = *in;
            rc = LWM2M_OK;
        }
        break;
    case LWM2M_T_NONE: break;
    }
    if (rc == LWM2M_OK)
        *out = v;
    return rc;
}

/* ---- the value list ------------------------------------------------------ */

void lwm2m_list_init(lwm2m_list *l)
{
    l->items = NULL;
    l->len = l->cap = 0;
    l->max_items = LWM2M_LIST_MAX_ITEMS;
    l->max_bytes = LWM2M_LIST_MAX_BYTES;
    l->bytes = 0;
}

void lwm2m_list_set_limits(lwm2m_list *l, size_t max_items, size_t max_bytes)
{
    l->max_items = max_items;
    l->max_bytes = max_bytes;
}

static void release_value(lwm2m_list *l, lwm2m_value *v)
{
    if (has_bytes(v->type)) {
        free((void *)v->v.bytes.p);
        l->bytes -= v->v.bytes.len;
    }
    *v = lwm2m_v_none();
}

void lwm2m_list_truncate(lwm2m_list *l, size_t len)
{
    while (l->len > len)
        release_value(l, &l->items[--l->len].value);
}

void lwm2m_list_clear(lwm2m_list *l)
{
    lwm2m_list_truncate(l, 0);
}

void lwm2m_list_free(lwm2m_list *l)
{
    lwm2m_list_clear(l);
    free(l->items);
    l->items = NULL;
    l->cap = 0;
}

/* Where a value may stand, and whether it is well formed. */
static int check_entry(const lwm2m_path *p, const lwm2m_value *v)
{
    if (!lwm2m_path_valid(p))
        return LWM2M_E_PATH;
    if ((unsigned)v->type >= LWM2M_T_COUNT)
        return LWM2M_E_INVALID;
    bool none = v->type == LWM2M_T_NONE;
    if (p->depth < 2 || (p->depth == 2 && !none) || (p->depth == 4 && none))
        return LWM2M_E_PATH;
    if (has_bytes(v->type) && v->v.bytes.len && !v->v.bytes.p)
        return LWM2M_E_INVALID;
    if (v->type == LWM2M_T_STRING && !lwm2m_utf8_valid(v->v.bytes.p, v->v.bytes.len))
        return LWM2M_E_TYPE;
    return LWM2M_OK;
}

/* Copies v, its bytes into a NUL-terminated buffer of the list's own. */
static int copy_value(lwm2m_list *l, const lwm2m_value *v, lwm2m_value *dst)
{
    *dst = *v;
    if (!has_bytes(v->type))
        return LWM2M_OK;
    size_t n = v->v.bytes.len;
    if (l->bytes > l->max_bytes || n > l->max_bytes - l->bytes)
        return LWM2M_E_LIMIT;
    uint8_t *p = malloc(n + 1);
    if (!p)
        return LWM2M_E_NOMEM;
    if (n)
        memcpy(p, v->v.bytes.p, n);
    p[n] = 0;
    dst->v.bytes.p = p;
    l->bytes += n;
    return LWM2M_OK;
}

static int add_entry(lwm2m_list *l, const lwm2m_path *p, const lwm2m_value *v, bool has_time,
                     int64_t when)
{
    int rc = check_entry(p, v);
    if (rc)
        return rc;
    if (l->len >= l->max_items)
        return LWM2M_E_LIMIT;
    if (l->len == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        lwm2m_entry *items = realloc(l->items, cap * sizeof *items);
        if (!items)
            return LWM2M_E_NOMEM;
        l->items = items;
        l->cap = cap;
    }
    lwm2m_entry *e = &l->items[l->len];
    rc = copy_value(l, v, &e->value);
    if (rc)
        return rc;
    e->path = *p;
    e->has_time = has_time;
    e->time = has_time ? when : 0;
    l->len++;
    return LWM2M_OK;
}

int lwm2m_list_add(lwm2m_list *l, const lwm2m_path *p, const lwm2m_value *v)
{
    return add_entry(l, p, v, false, 0);
}

int lwm2m_list_add_timed(lwm2m_list *l, const lwm2m_path *p, const lwm2m_value *v, int64_t when)
{
    return add_entry(l, p, v, true, when);
}

int lwm2m_list_set_value(lwm2m_list *l, size_t i, const lwm2m_value *v)
{
    if (i >= l->len)
        return LWM2M_E_INVALID;
    int rc = check_entry(&l->items[i].path, v);
    if (rc)
        return rc;
    /* v may point into the old bytes: copy first, release after; the old
     * bytes do not count against the limit they are about to leave */
    lwm2m_value *old = &l->items[i].value;
    size_t old_bytes = has_bytes(old->type) ? old->v.bytes.len : 0;
    lwm2m_value copy;
    l->bytes -= old_bytes;
    rc = copy_value(l, v, &copy);
    l->bytes += old_bytes;
    if (rc)
        return rc;
    release_value(l, &l->items[i].value);
    l->items[i].value = copy;
    return LWM2M_OK;
}

static int retype_entry(lwm2m_list *l, size_t i, lwm2m_type_fn fn, void *ctx, lwm2m_conv_fn conv)
{
    const lwm2m_entry *e = &l->items[i];
    if (e->value.type == LWM2M_T_NONE)
        return LWM2M_OK; /* an empty container has nothing to type */
    int t = fn(ctx, e->path.id[LWM2M_OBJ], e->path.id[LWM2M_RES]);
    if (t < 0)
        return t;
    if (t >= LWM2M_T_COUNT)
        return LWM2M_E_INVALID;
    bytebuf scratch;
    bytebuf_init(&scratch);
    lwm2m_value v;
    int rc = conv(&e->value, (lwm2m_type)t, &v, &scratch);
    if (!rc)
        rc = lwm2m_list_set_value(l, i, &v);
    bytebuf_free(&scratch);
    return rc;
}

int lwm2m_list_retype(lwm2m_list *l, size_t from, lwm2m_type_fn fn, void *ctx, lwm2m_conv_fn conv)
{
    int rc = fn && conv ? LWM2M_OK : LWM2M_E_INVALID;
    for (size_t i = from; i < l->len && !rc; i++)
        rc = retype_entry(l, i, fn, ctx, conv);
    if (rc)
        lwm2m_list_truncate(l, from);
    return rc;
}

const lwm2m_entry *lwm2m_list_find(const lwm2m_list *l, const lwm2m_path *p)
{
    for (size_t i = 0; i < l->len; i++)
        if (lwm2m_path_equal(&l->items[i].path, p))
            return &l->items[i];
    return NULL;
}

/* Stable merge sort of entry indices by path. */
static void merge_order(const lwm2m_entry *e, size_t *idx, size_t *tmp, size_t n)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    merge_order(e, idx, tmp, h);
    merge_order(e, idx + h, tmp, n - h);
    size_t a = 0, b = h, k = 0;
    while (a < h && b < n)
        tmp[k++] = lwm2m_path_cmp(&e[idx[b]].path, &e[idx[a]].path) < 0 ? idx[b++] : idx[a++];
    while (a < h)
        tmp[k++] = idx[a++];
    while (b < n)
        tmp[k++] = idx[b++];
    memcpy(idx, tmp, n * sizeof *idx);
}

size_t *lwm2m_list_order(const lwm2m_list *l, size_t from)
{
    size_t n = from < l->len ? l->len - from : 0;
    size_t *idx = malloc((n ? n : 1) * sizeof *idx);
    size_t *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (!idx || !tmp) {
        free(idx);
        free(tmp);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        idx[i] = from + i;
    merge_order(l->items, idx, tmp, n);
    free(tmp);
    return idx;
}

int lwm2m_list_sort(lwm2m_list *l)
{
    size_t *idx = lwm2m_list_order(l, 0);
    lwm2m_entry *sorted = malloc((l->len ? l->len : 1) * sizeof *sorted);
    if (!idx || !sorted) {
        free(idx);
        free(sorted);
        return LWM2M_E_NOMEM;
    }
    for (size_t i = 0; i < l->len; i++)
        sorted[i] = l->items[idx[i]];
    if (l->len)
        memcpy(l->items, sorted, l->len * sizeof *sorted);
    free(sorted);
    free(idx);
    return LWM2M_OK;
}

bool lwm2m_list_equal(const lwm2m_list *a, const lwm2m_list *b)
{
    if (a->len != b->len)
        return false;
    for (size_t i = 0; i < a->len; i++) {
        const lwm2m_entry *x = &a->items[i], *y = &b->items[i];
        if (!lwm2m_path_equal(&x->path, &y->path) || !lwm2m_value_equal(&x->value, &y->value) ||
            x->has_time != y->has_time || x->time != y->time)
            return false;
    }
    return true;
}

/* ---- numbers ------------------------------------------------------------- */

static int parse_digits(const char *s, size_t n, uint64_t limit, uint64_t *out)
{
    if (!n)
        return LWM2M_E_FORMAT;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return LWM2M_E_FORMAT;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (limit - d) / 10)
            return LWM2M_E_RANGE;
        v = v * 10 + d;
    }
    *out = v;
    return LWM2M_OK;
}

int lwm2m_parse_int64(const char *s, size_t n, int64_t *out)
{
    if (n == 0)
        return LWM2M_E_FORMAT; /* (s may be NULL: an empty CoAP payload) */
    bool neg = n && s[0] == '-';
    uint64_t v;
    int rc = parse_digits(s + neg, n - neg, neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &v);
    if (rc)
        return rc;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return LWM2M_OK;
}

int lwm2m_parse_uint64(const char *s, size_t n, uint64_t *out)
{
    return parse_digits(s, n, UINT64_MAX, out);
}

/* Longest decimal text a double is read from (a long fraction is fine; a
 * kilobyte of digits is not a number anyone sends). */
#define DOUBLE_TEXT_MAX 400

int lwm2m_parse_double(const char *s, size_t n, double *out)
{
    if (!n || n > DOUBLE_TEXT_MAX)
        return LWM2M_E_FORMAT;
    bool digit = false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] >= '0' && s[i] <= '9')
            digit = true;
        else if (!strchr("+-.eE", s[i]) || !s[i])
            return LWM2M_E_FORMAT;
    }
    if (!digit)
        return LWM2M_E_FORMAT;
    char buf[DOUBLE_TEXT_MAX + 1];
    memcpy(buf, s, n);
    buf[n] = 0;
    char *end;
    errno = 0;
    double f = strtod(buf, &end);
    if (end != buf + n)
        return LWM2M_E_FORMAT;
    if (!isfinite(f))
        return LWM2M_E_RANGE;
    *out = f;
    return LWM2M_OK;
}

/* Past this decimal exponent a float is written with one (as JavaScript does:
 * 1e+21, but 100000000000000000000). */
#define FIXED_EXP_MAX 20

static int print_g(char *buf, size_t size, int prec, double f)
{
    int len = snprintf(buf, size, "%.*g", prec, f);
    return len < 0 || (size_t)len >= size ? LWM2M_E_LIMIT : len;
}

int lwm2m_format_double(double f, char *buf, size_t size)
{
    if (!isfinite(f))
        return LWM2M_E_TYPE;
    int prec = 1, len;
    for (; (len = print_g(buf, size, prec, f)) >= 0 && prec < 17; prec++)
        if (strtod(buf, NULL) == f)
            break;
    if (len < 0)
        return len;
    /* "%.1g" writes 50 as "5e+01": with as many digits as the integer part
     * has, %g writes it plainly, and still exactly */
    const char *e = strchr(buf, 'e');
    long exp = e ? strtol(e + 1, NULL, 10) : -1;
    if (exp >= prec && exp <= FIXED_EXP_MAX)
        len = print_g(buf, size, (int)exp + 1, f);
    return len;
}

/* ---- base64 and UTF-8 ---------------------------------------------------- */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int lwm2m_base64_encode(const uint8_t *p, size_t n, bytebuf *out)
{
    if (n && bytebuf_reserve(out, (n + 2) / 3 * 4))
        return LWM2M_E_NOMEM;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t w = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            w |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            w |= p[i + 2];
        char q[4] = { B64[w >> 18], B64[(w >> 12) & 63], i + 1 < n ? B64[(w >> 6) & 63] : '=',
                      i + 2 < n ? B64[w & 63] : '=' };
        bytebuf_append(out, q, 4); /* reserved above: cannot fail */
    }
    return LWM2M_OK;
}

static int b64_digit(char c)
{
    const char *p = c ? strchr(B64, c) : NULL;
    return p ? (int)(p - B64) : -1;
}

/* One group of four characters; only the last may end in '=' padding,
 * and the bits a padded group leaves over must be zero (canonical form). */
static int b64_group(const char *q, bool last, bytebuf *out)
{
    int pad = 0;
    if (last && q[3] == '=')
        pad = q[2] == '=' ? 2 : 1;
    uint32_t w = 0;
    for (int k = 0; k < 4; k++) {
        int d = k < 4 - pad ? b64_digit(q[k]) : 0;
        if (d < 0)
            return LWM2M_E_FORMAT;
        w = w << 6 | (uint32_t)d;
    }
    uint8_t b[3] = { (uint8_t)(w >> 16), (uint8_t)(w >> 8), (uint8_t)w };
    if ((pad == 1 && b[2]) || (pad == 2 && b[1]))
        return LWM2M_E_FORMAT;
    return bytebuf_append(out, b, (size_t)(3 - pad)) ? LWM2M_E_NOMEM : LWM2M_OK;
}

int lwm2m_base64_decode(const char *s, size_t n, bytebuf *out)
{
    if (n % 4)
        return LWM2M_E_FORMAT;
    size_t old = out->len;
    int rc = LWM2M_OK;
    for (size_t i = 0; i < n && !rc; i += 4)
        rc = b64_group(s + i, i + 4 == n, out);
    if (rc) {
        out->len = old;
        if (out->data)
            out->data[old] = 0;
    }
    return rc;
}

bool lwm2m_utf8_valid(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t more;
        uint32_t cp, min;
        if ((c & 0xe0) == 0xc0)
            more = 1, cp = c & 0x1f, min = 0x80;
        else if ((c & 0xf0) == 0xe0)
            more = 2, cp = c & 0x0f, min = 0x800;
        else if ((c & 0xf8) == 0xf0)
            more = 3, cp = c & 0x07, min = 0x10000;
        else
            return false;
        if (n - i <= more)
            return false;
        for (size_t k = 1; k <= more; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (p[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += more + 1;
    }
    return true;
}

/* ---- text/plain (CF 0) --------------------------------------------------- */

int lwm2m_text_encode(const lwm2m_value *v, bytebuf *out)
{
    char num[40];
    int len;
    switch (v->type) {
    case LWM2M_T_STRING:
        return bytebuf_append(out, v->v.bytes.p, v->v.bytes.len) ? LWM2M_E_NOMEM : LWM2M_OK;
    case LWM2M_T_OPAQUE: return lwm2m_base64_encode(v->v.bytes.p, v->v.bytes.len, out);
    case LWM2M_T_INTEGER:
    case LWM2M_T_TIME: len = snprintf(num, sizeof num, "%" PRId64, v->v.i); break;
    case LWM2M_T_UNSIGNED: len = snprintf(num, sizeof num, "%" PRIu64, v->v.u); break;
    case LWM2M_T_FLOAT:
        len = lwm2m_format_double(v->v.f, num, sizeof num);
        if (len < 0)
            return len;
        break;
    case LWM2M_T_BOOLEAN: len = snprintf(num, sizeof num, "%d", v->v.b ? 1 : 0); break;
    case LWM2M_T_OBJLNK:
        len = snprintf(num, sizeof num, "%u:%u", v->v.lnk.obj, v->v.lnk.inst);
        break;
    default: return LWM2M_E_TYPE;
    }
    return bytebuf_append(out, num, (size_t)len) ? LWM2M_E_NOMEM : LWM2M_OK;
}

int lwm2m_parse_objlnk(const char *s, size_t n, lwm2m_objlnk *out)
{
    const char *colon = n ? memchr(s, ':', n) : NULL;
    if (!colon)
        return LWM2M_E_FORMAT;
    uint64_t o, i;
    size_t left = (size_t)(colon - s);
    int rc = parse_digits(s, left, 65535, &o);
    if (!rc)
        rc = parse_digits(colon + 1, n - left - 1, 65535, &i);
    if (rc)
        return rc;
    out->obj = (uint16_t)o;
    out->inst = (uint16_t)i;
    return LWM2M_OK;
}

static int text_value(const char *s, size_t n, lwm2m_type t, lwm2m_value *v, bytebuf *scratch)
{
    *v = typed(t);
    switch (t) {
    case LWM2M_T_STRING: *v = lwm2m_v_strn(s, n); return LWM2M_OK;
    case LWM2M_T_INTEGER:
    case LWM2M_T_TIME: return lwm2m_parse_int64(s, n, &v->v.i);
    case LWM2M_T_UNSIGNED: return lwm2m_parse_uint64(s, n, &v->v.u);
    case LWM2M_T_FLOAT: return lwm2m_parse_double(s, n, &v->v.f);
    case LWM2M_T_BOOLEAN:
        if (n != 1 || (s[0] != '0' && s[0] != '1'))
            return LWM2M_E_FORMAT;
        v->v.b = s[0] == '1';
        return LWM2M_OK;
    case LWM2M_T_OBJLNK: return lwm2m_parse_objlnk(s, n, &v->v.lnk);
    case LWM2M_T_OPAQUE: {
        int rc = lwm2m_base64_decode(s, n, scratch);
        *v = lwm2m_v_opaque(scratch->data, scratch->len);
        return rc;
    }
    default: return LWM2M_E_TYPE;
    }
}

int lwm2m_text_decode(const uint8_t *p, size_t n, lwm2m_type t, const lwm2m_path *path,
                      lwm2m_list *out)
{
    if (!p && n)
        return LWM2M_E_INVALID;
    bytebuf scratch;
    bytebuf_init(&scratch);
    lwm2m_value v;
    int rc = text_value((const char *)p, n, t, &v, &scratch);
    if (!rc)
        rc = lwm2m_list_add(out, path, &v);
    bytebuf_free(&scratch);
    return rc;
}

/* ---- application/octet-stream (CF 42) ------------------------------------ */

int lwm2m_opaque_encode(const lwm2m_value *v, bytebuf *out)
{
    if (v->type != LWM2M_T_OPAQUE)
        return LWM2M_E_TYPE;
    return bytebuf_append(out, v->v.bytes.p, v->v.bytes.len) ? LWM2M_E_NOMEM : LWM2M_OK;
}

int lwm2m_opaque_decode(const uint8_t *p, size_t n, const lwm2m_path *path, lwm2m_list *out)
{
    lwm2m_value v = lwm2m_v_opaque(p, n);
    return lwm2m_list_add(out, path, &v);
}
