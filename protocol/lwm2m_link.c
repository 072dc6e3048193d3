/* lwm2m_link.c - CoRE link format (RFC 6690, CF 40) as LwM2M uses it: the
 * object list of a Register / Update, the answer to a Discover, and the
 * write-attributes of a Write-Attributes query (OMA-TS-LightweightM2M-V1_0
 * §5.1.2, §5.3.4, §5.4.1).
 *
 *   link-value  = "<" target ">" *( ";" parmname [ "=" ( ptoken / quoted-string ) ] )
 *   payload     = link-value *( "," link-value )
 */
#include "lwm2m_data.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the link list ------------------------------------------------------- */

void lwm2m_links_init(lwm2m_links *l)
{
    l->items = NULL;
    l->len = l->cap = 0;
    l->max = LWM2M_LINKS_MAX;
}

void lwm2m_links_free(lwm2m_links *l)
{
    free(l->items);
    l->items = NULL;
    l->len = l->cap = 0;
}

int lwm2m_links_add(lwm2m_links *l, const lwm2m_link *k)
{
    if (!lwm2m_path_valid(&k->path))
        return LWM2M_E_PATH;
    if (l->len >= l->max)
        return LWM2M_E_LIMIT;
    if (l->len == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        lwm2m_link *items = realloc(l->items, cap * sizeof *items);
        if (!items)
            return LWM2M_E_NOMEM;
        l->items = items;
        l->cap = cap;
    }
    l->items[l->len++] = *k;
    return LWM2M_OK;
}

/* ---- attribute values ---------------------------------------------------- */

typedef struct attr_def {
    const char *name;
    unsigned bit;
} attr_def;

static const attr_def ATTRS[] = {
    { "rt", LWM2M_ATTR_RT },     { "ct", LWM2M_ATTR_CT },     { "ver", LWM2M_ATTR_VER },
    { "dim", LWM2M_ATTR_DIM },   { "pmin", LWM2M_ATTR_PMIN }, { "pmax", LWM2M_ATTR_PMAX },
    { "gt", LWM2M_ATTR_GT },     { "lt", LWM2M_ATTR_LT },     { "st", LWM2M_ATTR_ST },
};
#define N_ATTRS (sizeof ATTRS / sizeof ATTRS[0])

static unsigned attr_bit(const char *name, size_t n)
{
    for (size_t k = 0; k < N_ATTRS; k++)
        if (strlen(ATTRS[k].name) == n && !memcmp(ATTRS[k].name, name, n))
            return ATTRS[k].bit;
    return 0;
}

static int parse_uint(const char *s, size_t n, uint64_t max, uint64_t *out)
{
    int rc = lwm2m_parse_uint64(s, n, out);
    if (!rc && *out > max)
        rc = LWM2M_E_RANGE;
    return rc;
}

static int copy_str(char dst[LWM2M_ATTR_STR_MAX], const char *s, size_t n)
{
    if (n >= LWM2M_ATTR_STR_MAX)
        return LWM2M_E_LIMIT;
    memcpy(dst, s, n);
    dst[n] = 0;
    return LWM2M_OK;
}

/* Sets attribute bit from the value text s[0..n). */
static int set_attr(lwm2m_attrs *a, unsigned bit, const char *s, size_t n)
{
    uint64_t u = 0;
    int rc;
    switch (bit) {
    case LWM2M_ATTR_RT: rc = copy_str(a->rt, s, n); break;
    case LWM2M_ATTR_VER: rc = copy_str(a->ver, s, n); break;
    case LWM2M_ATTR_CT:
        rc = parse_uint(s, n, 65535, &u);
        a->ct = (uint16_t)u;
        break;
    case LWM2M_ATTR_DIM:
        rc = parse_uint(s, n, 65535, &u);
        a->dim = (uint16_t)u;
        break;
    case LWM2M_ATTR_PMIN:
    case LWM2M_ATTR_PMAX:
        rc = parse_uint(s, n, UINT32_MAX, &u);
        *(bit == LWM2M_ATTR_PMIN ? &a->pmin : &a->pmax) = (uint32_t)u;
        break;
    default:
        rc = lwm2m_parse_double(s, n, bit == LWM2M_ATTR_GT ? &a->gt : bit == LWM2M_ATTR_LT ? &a->lt : &a->st);
        break;
    }
    if (!rc)
        a->set |= bit;
    return rc;
}

/* ---- write-attributes query ---------------------------------------------- */

static int query_param(const char *s, size_t n, lwm2m_attrs *a)
{
    const char *eq = memchr(s, '=', n);
    size_t name_len = eq ? (size_t)(eq - s) : n;
    unsigned bit = attr_bit(s, name_len);
    if (!(bit & LWM2M_ATTR_WRITABLE) || ((a->set | a->clear) & bit))
        return LWM2M_E_FORMAT; /* unknown, not writable, or repeated */
    if (!eq) {
        a->clear |= bit;
        return LWM2M_OK;
    }
    int rc = set_attr(a, bit, eq + 1, n - name_len - 1);
    return rc == LWM2M_E_RANGE ? rc : rc ? LWM2M_E_FORMAT : LWM2M_OK;
}

int lwm2m_attrs_parse_query(const char *q, size_t n, lwm2m_attrs *out)
{
    lwm2m_attrs a;
    memset(&a, 0, sizeof a);
    for (size_t i = 0; i < n;) {
        const char *amp = memchr(q + i, '&', n - i);
        size_t end = amp ? (size_t)(amp - q) : n;
        if (end == i || (amp && end + 1 == n))
            return LWM2M_E_FORMAT; /* an empty parameter */
        int rc = query_param(q + i, end - i, &a);
        if (rc)
            return rc;
        i = end + 1;
    }
    *out = a;
    return LWM2M_OK;
}

static int put_number(bytebuf *o, unsigned bit, const lwm2m_attrs *a)
{
    char num[40];
    int len;
    switch (bit) {
    case LWM2M_ATTR_CT: len = snprintf(num, sizeof num, "%u", a->ct); break;
    case LWM2M_ATTR_DIM: len = snprintf(num, sizeof num, "%u", a->dim); break;
    case LWM2M_ATTR_PMIN: len = snprintf(num, sizeof num, "%" PRIu32, a->pmin); break;
    case LWM2M_ATTR_PMAX: len = snprintf(num, sizeof num, "%" PRIu32, a->pmax); break;
    default:
        len = lwm2m_format_double(bit == LWM2M_ATTR_GT ? a->gt : bit == LWM2M_ATTR_LT ? a->lt : a->st,
                                  num, sizeof num);
        if (len < 0)
            return len;
        break;
    }
    return bytebuf_append(o, num, (size_t)len) ? LWM2M_E_NOMEM : LWM2M_OK;
}

static void undo(bytebuf *o, size_t old)
{
    o->len = old;
    if (o->data)
        o->data[old] = 0;
}

int lwm2m_attrs_format_query(const lwm2m_attrs *a, bytebuf *out)
{
    size_t old = out->len;
    int rc = LWM2M_OK;
    bool first = true;
    for (size_t k = 0; k < N_ATTRS && !rc; k++) {
        unsigned bit = ATTRS[k].bit;
        if (!(bit & LWM2M_ATTR_WRITABLE) || !((a->set | a->clear) & bit))
            continue;
        if (bytebuf_appendf(out, "%s%s", first ? "" : "&", ATTRS[k].name))
            rc = LWM2M_E_NOMEM;
        else if (a->set & bit)
            rc = bytebuf_append_byte(out, '=') ? LWM2M_E_NOMEM : put_number(out, bit, a);
        first = false;
    }
    if (rc)
        undo(out, old);
    return rc;
}

/* ---- parsing links ------------------------------------------------------- */

typedef struct cursor {
    const char *s;
    size_t n, i;
} cursor;

static void skip_blanks(cursor *c)
{
    while (c->i < c->n && strchr(" \t\r\n", c->s[c->i]) && c->s[c->i])
        c->i++;
}

static bool at(const cursor *c, char ch)
{
    return c->i < c->n && c->s[c->i] == ch;
}

static bool in_set(char ch, const char *set)
{
    return ch && ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                  strchr(set, ch));
}

/* RFC 5988 parmname (with '*' for extended names) and RFC 6690 ptoken. */
#define PARMNAME_CHARS "!#$&+-.^_`|~*"
#define PTOKEN_CHARS "!#$%&'()*+-./:<=>?@[]^_`{|}~"

static int parse_target(cursor *c, lwm2m_path *p)
{
    if (!at(c, '<'))
        return LWM2M_E_FORMAT;
    size_t start = ++c->i;
    while (c->i < c->n && c->s[c->i] != '>') {
        if (c->s[c->i] == '<')
            return LWM2M_E_FORMAT;
        c->i++;
    }
    if (!at(c, '>'))
        return LWM2M_E_FORMAT;
    c->i++;
    return lwm2m_path_parse(c->s + start, c->i - 1 - start, p);
}

static bool control(char ch)
{
    return (unsigned char)ch < 0x20 || ch == 0x7f;
}

/* A quoted-string, unescaped into v.  No control characters (RFC 2616's
 * qdtext), so no NUL can cut a value short. */
static int parse_quoted(cursor *c, bytebuf *v)
{
    for (c->i++; c->i < c->n; c->i++) {
        char ch = c->s[c->i];
        if (ch == '"') {
            c->i++;
            return LWM2M_OK;
        }
        if (ch == '\\' && ++c->i == c->n)
            break;
        if (control(c->s[c->i]))
            return LWM2M_E_FORMAT;
        if (bytebuf_append_byte(v, (uint8_t)c->s[c->i]))
            return LWM2M_E_NOMEM;
    }
    return LWM2M_E_FORMAT; /* unterminated */
}

static int parse_value(cursor *c, bytebuf *v)
{
    if (at(c, '"'))
        return parse_quoted(c, v);
    size_t start = c->i;
    while (c->i < c->n && in_set(c->s[c->i], PTOKEN_CHARS))
        c->i++;
    if (c->i == start)
        return LWM2M_E_FORMAT;
    return bytebuf_append(v, c->s + start, c->i - start) ? LWM2M_E_NOMEM : LWM2M_OK;
}

/* ";name[=value]": known attributes are kept, each at most once and with a
 * value; others are checked and dropped. */
static int parse_param(cursor *c, lwm2m_attrs *a, bytebuf *v)
{
    size_t start = c->i;
    while (c->i < c->n && in_set(c->s[c->i], PARMNAME_CHARS))
        c->i++;
    if (c->i == start)
        return LWM2M_E_FORMAT;
    unsigned bit = attr_bit(c->s + start, c->i - start);
    skip_blanks(c);
    bool has_value = at(c, '=');
    bytebuf_clear(v);
    if (has_value) {
        c->i++;
        skip_blanks(c);
        int rc = parse_value(c, v);
        if (rc)
            return rc;
    }
    if (!bit)
        return LWM2M_OK;
    if (!has_value || (a->set & bit))
        return LWM2M_E_FORMAT;
    int rc = set_attr(a, bit, v->data ? (const char *)v->data : "", v->len);
    return rc == LWM2M_E_LIMIT || rc == LWM2M_E_RANGE ? rc : rc ? LWM2M_E_FORMAT : LWM2M_OK;
}

static int parse_link(cursor *c, lwm2m_link *k, bytebuf *v)
{
    memset(k, 0, sizeof *k);
    int rc = parse_target(c, &k->path);
    skip_blanks(c);
    while (!rc && at(c, ';')) {
        c->i++;
        skip_blanks(c);
        rc = parse_param(c, &k->attrs, v);
        skip_blanks(c);
    }
    return rc;
}

static int parse_links(cursor *c, lwm2m_links *out)
{
    bytebuf v;
    bytebuf_init(&v);
    int rc = LWM2M_OK;
    skip_blanks(c);
    while (!rc && c->i < c->n) {
        lwm2m_link k;
        rc = parse_link(c, &k, &v);
        if (!rc)
            rc = lwm2m_links_add(out, &k);
        if (!rc && c->i < c->n) {
            if (!at(c, ','))
                rc = LWM2M_E_FORMAT; /* a stray character after a link */
            c->i++;
            skip_blanks(c);
            if (!rc && c->i == c->n)
                rc = LWM2M_E_FORMAT; /* a trailing ',' */
        }
    }
    bytebuf_free(&v);
    return rc;
}

int lwm2m_link_parse(const char *s, size_t n, lwm2m_links *out)
{
    if (!s && n)
        return LWM2M_E_INVALID;
    size_t from = out->len;
    cursor c = { s, n, 0 };
    int rc = parse_links(&c, out);
    if (rc)
        out->len = from;
    return rc;
}

/* ---- writing links ------------------------------------------------------- */

static bool is_ptoken(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!in_set(*s, PTOKEN_CHARS))
            return false;
    return true;
}

static int put_quoted(bytebuf *o, const char *s)
{
    int rc = bytebuf_append_byte(o, '"');
    for (; *s && !rc; s++) {
        if (*s == '"' || *s == '\\')
            rc = bytebuf_append_byte(o, '\\');
        if (!rc)
            rc = bytebuf_append_byte(o, (uint8_t)*s);
    }
    if (!rc)
        rc = bytebuf_append_byte(o, '"');
    return rc ? LWM2M_E_NOMEM : LWM2M_OK;
}

static int put_attr(bytebuf *o, unsigned bit, const char *name, const lwm2m_attrs *a)
{
    if (bytebuf_appendf(o, ";%s=", name))
        return LWM2M_E_NOMEM;
    if (bit == LWM2M_ATTR_RT)
        return put_quoted(o, a->rt); /* rt is always quoted, as Wakaama and Leshan write it */
    if (bit == LWM2M_ATTR_VER) {
        if (is_ptoken(a->ver))
            return bytebuf_append_str(o, a->ver) ? LWM2M_E_NOMEM : LWM2M_OK;
        return put_quoted(o, a->ver);
    }
    return put_number(o, bit, a);
}

static int put_link(bytebuf *o, const lwm2m_link *k)
{
    char path[LWM2M_PATH_STR_MAX];
    if (lwm2m_path_format(&k->path, path) < 0)
        return LWM2M_E_PATH;
    if (bytebuf_appendf(o, "<%s>", path))
        return LWM2M_E_NOMEM;
    for (size_t j = 0; j < N_ATTRS; j++) {
        if (!(k->attrs.set & ATTRS[j].bit))
            continue;
        int rc = put_attr(o, ATTRS[j].bit, ATTRS[j].name, &k->attrs);
        if (rc)
            return rc;
    }
    return LWM2M_OK;
}

int lwm2m_link_encode(const lwm2m_links *l, bytebuf *out)
{
    size_t old = out->len;
    int rc = LWM2M_OK;
    for (size_t i = 0; i < l->len && !rc; i++) {
        if (i && bytebuf_append_byte(out, ','))
            rc = LWM2M_E_NOMEM;
        if (!rc)
            rc = put_link(out, &l->items[i]);
    }
    if (rc)
        undo(out, old);
    return rc;
}

static int register_links(const lwm2m_path *objs, size_t n, const lwm2m_reg_opts *o,
                          lwm2m_links *links)
{
    lwm2m_link k;
    int rc = LWM2M_OK;
    if (o->root_link) {
        memset(&k, 0, sizeof k);
        k.path = lwm2m_path_root();
        k.attrs.set = LWM2M_ATTR_RT;
        strcpy(k.attrs.rt, "oma.lwm2m");
        if (o->root_ct > 65535)
            return LWM2M_E_INVALID;
        if (o->root_ct >= 0) {
            k.attrs.set |= LWM2M_ATTR_CT;
            k.attrs.ct = (uint16_t)o->root_ct;
        }
        rc = lwm2m_links_add(links, &k);
    }
    for (size_t i = 0; i < n && !rc; i++) {
        if (objs[i].depth < 1 || objs[i].depth > 2)
            return LWM2M_E_PATH; /* objects and object instances only */
        memset(&k, 0, sizeof k);
        k.path = objs[i];
        rc = lwm2m_links_add(links, &k);
    }
    return rc;
}

int lwm2m_link_encode_register(const lwm2m_path *objs, size_t n, const lwm2m_reg_opts *opts,
                               bytebuf *out)
{
    static const lwm2m_reg_opts wakaama = { true, LWM2M_CF_JSON };
    lwm2m_links links;
    lwm2m_links_init(&links);
    links.max = n + 1;
    int rc = register_links(objs, n, opts ? opts : &wakaama, &links);
    if (!rc)
        rc = lwm2m_link_encode(&links, out);
    lwm2m_links_free(&links);
    return rc;
}
