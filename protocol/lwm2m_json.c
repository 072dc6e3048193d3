/* lwm2m_json.c - application/vnd.oma.lwm2m+json (CF 11543), the LwM2M 1.0
 * JSON of OMA-TS-LightweightM2M-V1_0 §6.4.4 (not RFC 8428 SenML), which is
 * also what the SARA-R5 prints for AT+ULWM2MREAD and reads for
 * AT+ULWM2MWRITE:
 *
 *   {"bn":"/3/0/","bt":<time>,"e":[{"n":"0","sv":"Open Mobile Alliance"},
 *                                  {"n":"6/0","v":1},{"n":"1","bv":true,"t":-5}]}
 *
 * cJSON parses and prints the structure.  It keeps numbers only as doubles,
 * which would lose int64 values past 2^53, so numbers are printed as raw
 * text and read back from the input's own number tokens: a small lexer lists
 * them in document order, which is the order of cJSON's number nodes.
 */
#include "lwm2m_data.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- encoding ------------------------------------------------------------ */

/* How names are cut: bn is the path of its first bn_depth ids (plus a '/'
 * when slash), and an entry's name is its ids from name_from on. */
typedef struct json_names {
    lwm2m_path bn;
    bool slash;
    unsigned name_from;
} json_names;

static bool one_instance(const lwm2m_list *l)
{
    for (size_t i = 1; i < l->len; i++)
        if (l->items[i].path.id[LWM2M_INST] != l->items[0].path.id[LWM2M_INST])
            return false;
    return l->len > 0;
}

static bool all_at(const lwm2m_list *l, const lwm2m_path *base)
{
    for (size_t i = 0; i < l->len; i++)
        if (!lwm2m_path_equal(&l->items[i].path, base))
            return false;
    return l->len > 0;
}

static int choose_names(const lwm2m_list *l, const lwm2m_path *base, unsigned flags,
                        json_names *nm)
{
    nm->bn = *base;
    nm->slash = base->depth > 0;
    nm->name_from = base->depth;
    if (flags & LWM2M_JSON_INSTANCE_NAMES) {
        /* the module's form: names always from the resource id on */
        if (base->depth == 0)
            return LWM2M_E_PATH;
        if (base->depth == 1 && one_instance(l))
            nm->bn = lwm2m_path_oi(base->id[LWM2M_OBJ], l->items[0].path.id[LWM2M_INST]);
        nm->name_from = nm->bn.depth >= 2 ? LWM2M_RES : LWM2M_INST;
    } else if (all_at(l, base)) {
        nm->slash = false; /* {"bn":"/3/0/1","e":[{"v":..}]} */
    }
    return LWM2M_OK;
}

static cJSON *raw_number(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static cJSON *raw_number(const char *fmt, ...)
{
    char num[48];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(num, sizeof num, fmt, ap);
    va_end(ap);
    return cJSON_CreateRaw(num);
}

/* A float keeps a '.' or an exponent, so that an untyped reader (ours, a
 * test, a host script) sees a float and not an integer. */
static cJSON *float_number(double f)
{
    char num[40];
    int len = lwm2m_format_double(f, num, sizeof num - 2);
    if (len < 0)
        return NULL;
    if (!strpbrk(num, ".eE"))
        strcat(num, ".0");
    return cJSON_CreateRaw(num);
}

/* The value member of an entry ("v", "sv", "bv" or "ov"), or LWM2M_E_TYPE. */
static int add_value(cJSON *obj, const lwm2m_value *v)
{
    cJSON *item = NULL;
    const char *key = "v";
    bytebuf b64;
    bytebuf_init(&b64);
    switch (v->type) {
    case LWM2M_T_INTEGER:
    case LWM2M_T_TIME: item = raw_number("%" PRId64, v->v.i); break;
    case LWM2M_T_UNSIGNED: item = raw_number("%" PRIu64, v->v.u); break;
    case LWM2M_T_FLOAT:
        if (!isfinite(v->v.f))
            return LWM2M_E_TYPE; /* JSON has no NaN or infinity */
        item = float_number(v->v.f);
        break;
    case LWM2M_T_BOOLEAN: key = "bv"; item = cJSON_CreateBool(v->v.b); break;
    case LWM2M_T_STRING: key = "sv"; item = cJSON_CreateString((const char *)v->v.bytes.p); break;
    case LWM2M_T_OPAQUE:
        key = "sv";
        if (lwm2m_base64_encode(v->v.bytes.p, v->v.bytes.len, &b64)) {
            bytebuf_free(&b64);
            return LWM2M_E_NOMEM;
        }
        item = cJSON_CreateString(b64.len ? (const char *)b64.data : "");
        bytebuf_free(&b64);
        break;
    case LWM2M_T_OBJLNK: {
        char lnk[16];
        snprintf(lnk, sizeof lnk, "%u:%u", v->v.lnk.obj, v->v.lnk.inst);
        key = "ov";
        item = cJSON_CreateString(lnk);
        break;
    }
    default: return LWM2M_E_TYPE;
    }
    if (!item || !cJSON_AddItemToObject(obj, key, item)) {
        cJSON_Delete(item);
        return LWM2M_E_NOMEM;
    }
    return LWM2M_OK;
}

static int add_entry(cJSON *arr, const lwm2m_entry *e, const json_names *nm)
{
    cJSON *obj = cJSON_CreateObject();
    if (!obj || !cJSON_AddItemToArray(arr, obj)) {
        cJSON_Delete(obj);
        return LWM2M_E_NOMEM;
    }
    char name[LWM2M_PATH_STR_MAX] = "";
    int len = 0;
    for (unsigned k = nm->name_from; k < e->path.depth; k++)
        len += snprintf(name + len, sizeof name - (size_t)len, "%s%u", len ? "/" : "", e->path.id[k]);
    if (len && !cJSON_AddStringToObject(obj, "n", name))
        return LWM2M_E_NOMEM;
    int rc = add_value(obj, &e->value);
    if (rc)
        return rc;
    if (e->has_time) {
        cJSON *t = raw_number("%" PRId64, e->time);
        if (!t || !cJSON_AddItemToObject(obj, "t", t)) {
            cJSON_Delete(t);
            return LWM2M_E_NOMEM;
        }
    }
    return LWM2M_OK;
}

static int build(cJSON *root, const lwm2m_list *l, const json_names *nm)
{
    char bn[LWM2M_PATH_STR_MAX + 1];
    int len = lwm2m_path_format(&nm->bn, bn);
    if (nm->slash && nm->bn.depth > 0)
        strcpy(bn + len, "/");
    cJSON *arr = cJSON_CreateArray();
    if (!cJSON_AddStringToObject(root, "bn", bn) || !arr || !cJSON_AddItemToObject(root, "e", arr)) {
        cJSON_Delete(arr);
        return LWM2M_E_NOMEM;
    }
    for (size_t i = 0; i < l->len; i++) {
        int rc = add_entry(arr, &l->items[i], nm);
        if (rc)
            return rc;
    }
    return LWM2M_OK;
}

int lwm2m_json_encode(const lwm2m_list *l, const lwm2m_path *base, unsigned flags, bytebuf *out)
{
    if (!lwm2m_path_valid(base))
        return LWM2M_E_PATH;
    for (size_t i = 0; i < l->len; i++)
        if (!lwm2m_path_is_under(&l->items[i].path, base))
            return LWM2M_E_PATH;
    json_names nm;
    int rc = choose_names(l, base, flags, &nm);
    if (rc)
        return rc;
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return LWM2M_E_NOMEM;
    rc = build(root, l, &nm);
    char *text = rc ? NULL : cJSON_PrintUnformatted(root);
    if (!rc && (!text || bytebuf_append_str(out, text)))
        rc = LWM2M_E_NOMEM;
    free(text);
    cJSON_Delete(root);
    return rc;
}

/* ---- the number tokens of the input -------------------------------------- */

typedef struct json_tok {
    const char *p;
    size_t len;
} json_tok;

typedef struct json_nums {
    json_tok *tok; /* the input's number tokens, in document order */
    const cJSON **node; /* cJSON's number nodes, in document order */
    size_t n_tok, n_node, cap_tok, cap_node;
    size_t hint;
} json_nums;

static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return LWM2M_OK;
    size_t c = *cap ? *cap * 2 : 16;
    void *p = realloc(*arr, c * size);
    if (!p)
        return LWM2M_E_NOMEM;
    *arr = p;
    *cap = c;
    return LWM2M_OK;
}

static bool number_char(char c)
{
    return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.' || c == 'e' || c == 'E';
}

/* Lists the number tokens outside strings.  Also refuses "\u0000": cJSON
 * would cut the string there without a word. */
static int lex_numbers(const char *s, size_t n, json_nums *nums)
{
    bool in_str = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\' && i + 1 < n) {
                if (n - i >= 6 && !memcmp(s + i + 1, "u0000", 5))
                    return LWM2M_E_FORMAT;
                i++;
            } else if (c == '"') {
                in_str = false;
            }
        } else if (c == '"') {
            in_str = true;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            size_t start = i;
            while (i + 1 < n && number_char(s[i + 1]))
                i++;
            if (grow((void **)&nums->tok, &nums->cap_tok, nums->n_tok, sizeof *nums->tok))
                return LWM2M_E_NOMEM;
            nums->tok[nums->n_tok++] = (json_tok){ s + start, i - start + 1 };
        }
    }
    return LWM2M_OK;
}

static int list_nodes(const cJSON *item, json_nums *nums)
{
    for (; item; item = item->next) {
        if (cJSON_IsNumber(item)) {
            if (grow((void **)&nums->node, &nums->cap_node, nums->n_node, sizeof *nums->node))
                return LWM2M_E_NOMEM;
            nums->node[nums->n_node++] = item;
        }
        int rc = list_nodes(item->child, nums);
        if (rc)
            return rc;
    }
    return LWM2M_OK;
}

/* The token of a number node; nodes are mostly asked for in order, so the
 * search starts where the last one ended. */
static const json_tok *token_of(json_nums *nums, const cJSON *node)
{
    for (size_t k = 0; k < nums->n_node; k++) {
        size_t i = (nums->hint + k) % nums->n_node;
        if (nums->node[i] == node) {
            nums->hint = i + 1;
            return &nums->tok[i];
        }
    }
    return NULL;
}

/* ---- decoding ------------------------------------------------------------ */

typedef struct json_dec {
    json_nums nums;
    const lwm2m_path *base;
    unsigned flags;
    const char *bn; /* NULL: none */
    lwm2m_path bn_path; /* bn as a path, when it is one (depth 0 otherwise) */
    bool has_bt;
    int64_t bt;
    lwm2m_list *out;
} json_dec;

/* A "v": an integer (unsigned past INT64_MAX) unless written as a float. */
static int number_value(const json_tok *t, lwm2m_value *v)
{
    if (memchr(t->p, '.', t->len) || memchr(t->p, 'e', t->len) || memchr(t->p, 'E', t->len)) {
        *v = lwm2m_v_float(0);
        return lwm2m_parse_double(t->p, t->len, &v->v.f);
    }
    if (t->p[0] == '-') {
        *v = lwm2m_v_int(0);
        return lwm2m_parse_int64(t->p, t->len, &v->v.i);
    }
    uint64_t u;
    int rc = lwm2m_parse_uint64(t->p, t->len, &u);
    *v = u > INT64_MAX ? lwm2m_v_uint(u) : lwm2m_v_int((int64_t)u);
    return rc;
}

static int integer_of(json_dec *d, const cJSON *node, int64_t *out)
{
    const json_tok *t = token_of(&d->nums, node);
    if (!t)
        return LWM2M_E_FORMAT;
    lwm2m_value v;
    int rc = number_value(t, &v);
    if (rc)
        return rc;
    if (v.type != LWM2M_T_INTEGER)
        return v.type == LWM2M_T_FLOAT ? LWM2M_E_TYPE : LWM2M_E_RANGE;
    *out = v.v.i;
    return LWM2M_OK;
}

/* Joins the base name and the name into the entry's full path text.  A
 * name starting with '/' stands alone; with the instance-names flag and a bn
 * naming a resource, names count from bn's object instance. */
static int full_name(const json_dec *d, const char *name, char *full, size_t size)
{
    char prefix[LWM2M_PATH_STR_MAX + 1] = "";
    const char *sep = "";
    if (name && name[0] == '/') {
        /* absolute */
    } else if (d->bn && (d->flags & LWM2M_JSON_INSTANCE_NAMES) && d->bn_path.depth >= 3 && name) {
        lwm2m_path oi = lwm2m_path_oi(d->bn_path.id[LWM2M_OBJ], d->bn_path.id[LWM2M_INST]);
        lwm2m_path_format(&oi, prefix);
        sep = "/";
    } else if (d->bn) {
        if (strlen(d->bn) >= sizeof prefix)
            return LWM2M_E_PATH;
        strcpy(prefix, d->bn);
    } else if (d->base) {
        lwm2m_path_format(d->base, prefix);
        sep = name && d->base->depth ? "/" : "";
    } else {
        return LWM2M_E_PATH; /* a relative name with nothing to be relative to */
    }
    int len = snprintf(full, size, "%s%s%s", prefix, sep, name ? name : "");
    return len < 0 || (size_t)len >= size ? LWM2M_E_PATH : len;
}

static int entry_path(const json_dec *d, const char *name, lwm2m_path *p)
{
    char full[2 * LWM2M_PATH_STR_MAX + 2];
    int len = full_name(d, name, full, sizeof full);
    if (len < 0)
        return len;
    if (len > 1 && full[len - 1] == '/')
        len--; /* "/5/0/1/" names /5/0/1 */
    int rc = lwm2m_path_parse(full, (size_t)len, p);
    if (rc || p->depth < 3 || (d->base && !lwm2m_path_is_under(p, d->base)))
        return LWM2M_E_PATH;
    return LWM2M_OK;
}

/* An entry's members, each at most once. */
typedef struct json_entry {
    const cJSON *n, *val, *t;
} json_entry;

static int entry_members(const cJSON *obj, json_entry *je)
{
    static const char *const keys[] = { "n", "v", "sv", "bv", "ov", "t" };
    memset(je, 0, sizeof *je);
    for (const cJSON *m = obj->child; m; m = m->next) {
        size_t k = 0;
        while (k < 6 && strcmp(m->string, keys[k]))
            k++;
        const cJSON **slot = k == 0 ? &je->n : k == 5 ? &je->t : &je->val;
        if (k == 6 || *slot)
            return LWM2M_E_FORMAT; /* unknown, repeated, or a second value */
        bool type_ok = k == 1 || k == 5 ? cJSON_IsNumber(m) : k == 3 ? cJSON_IsBool(m) : cJSON_IsString(m);
        if (!type_ok)
            return LWM2M_E_TYPE;
        *slot = m;
    }
    return je->val ? LWM2M_OK : LWM2M_E_FORMAT;
}

static int entry_value(json_dec *d, const cJSON *m, lwm2m_value *v)
{
    const char *key = m->string;
    if (!strcmp(key, "v")) {
        const json_tok *t = token_of(&d->nums, m);
        return t ? number_value(t, v) : LWM2M_E_FORMAT;
    }
    if (!strcmp(key, "bv")) {
        *v = lwm2m_v_bool(cJSON_IsTrue(m));
        return LWM2M_OK;
    }
    if (!strcmp(key, "ov")) {
        *v = lwm2m_v_objlnk(0, 0);
        int rc = lwm2m_parse_objlnk(m->valuestring, strlen(m->valuestring), &v->v.lnk);
        return rc == LWM2M_E_FORMAT ? LWM2M_E_TYPE : rc;
    }
    *v = lwm2m_v_str(m->valuestring);
    return LWM2M_OK;
}

static int decode_entry(json_dec *d, const cJSON *obj)
{
    if (!cJSON_IsObject(obj))
        return LWM2M_E_FORMAT;
    json_entry je;
    lwm2m_path path;
    lwm2m_value v;
    int rc = entry_members(obj, &je);
    if (!rc)
        rc = entry_path(d, je.n ? je.n->valuestring : NULL, &path);
    if (!rc)
        rc = entry_value(d, je.val, &v);
    if (rc)
        return rc;
    int64_t t = 0;
    if (je.t && (rc = integer_of(d, je.t, &t)))
        return rc;
    if (!je.t && !d->has_bt)
        return lwm2m_list_add(d->out, &path, &v);
    if ((t > 0 && d->bt > INT64_MAX - t) || (t < 0 && d->bt < INT64_MIN - t))
        return LWM2M_E_RANGE;
    return lwm2m_list_add_timed(d->out, &path, &v, d->bt + t);
}

/* The top object: "bn", "bt", "e", each at most once, "e" required. */
static int decode_root(json_dec *d, const cJSON *root)
{
    if (!cJSON_IsObject(root))
        return LWM2M_E_FORMAT;
    const cJSON *bn = NULL, *bt = NULL, *e = NULL;
    for (const cJSON *m = root->child; m; m = m->next) {
        const cJSON **slot = !strcmp(m->string, "bn") ? &bn : !strcmp(m->string, "bt") ? &bt
                             : !strcmp(m->string, "e") ? &e : NULL;
        if (!slot || *slot)
            return LWM2M_E_FORMAT;
        bool type_ok = slot == &bn ? cJSON_IsString(m) : slot == &bt ? cJSON_IsNumber(m) : cJSON_IsArray(m);
        if (!type_ok)
            return LWM2M_E_TYPE;
        *slot = m;
    }
    if (!e)
        return LWM2M_E_FORMAT;
    if (bn) {
        d->bn = bn->valuestring;
        size_t len = strlen(d->bn);
        if (len > 1 && d->bn[len - 1] == '/')
            len--;
        if (lwm2m_path_parse(d->bn, len, &d->bn_path))
            d->bn_path = lwm2m_path_root();
    }
    int rc = LWM2M_OK;
    if (bt && !(rc = integer_of(d, bt, &d->bt)))
        d->has_bt = true;
    for (const cJSON *el = e->child; el && !rc; el = el->next)
        rc = decode_entry(d, el);
    return rc;
}

static bool blank(const char *p, const char *end)
{
    for (; p < end; p++)
        if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
            return false;
    return true;
}

static int parse_and_decode(json_dec *d, const char *s, size_t n)
{
    if (memchr(s, 0, n))
        return LWM2M_E_FORMAT;
    int rc = lex_numbers(s, n, &d->nums);
    if (rc)
        return rc;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(s, n, &end, 0);
    if (!root || !end || !blank(end, s + n))
        rc = LWM2M_E_FORMAT;
    if (!rc)
        rc = list_nodes(root, &d->nums);
    if (!rc && d->nums.n_node != d->nums.n_tok)
        rc = LWM2M_E_FORMAT; /* cannot happen with valid JSON; refuse rather than guess */
    if (!rc)
        rc = decode_root(d, root);
    cJSON_Delete(root);
    return rc;
}

int lwm2m_json_decode(const char *s, size_t n, const lwm2m_path *base, unsigned flags,
                      lwm2m_list *out)
{
    if ((!s && n) || (base && !lwm2m_path_valid(base)))
        return LWM2M_E_INVALID;
    if (!n)
        return LWM2M_E_FORMAT;
    json_dec d;
    memset(&d, 0, sizeof d);
    d.base = base;
    d.flags = flags;
    d.out = out;
    size_t from = out->len;
    int rc = parse_and_decode(&d, s, n);
    free(d.nums.tok);
    free(d.nums.node);
    if (rc)
        lwm2m_list_truncate(out, from);
    return rc;
}

int lwm2m_json_decode_typed(const char *s, size_t n, const lwm2m_path *base, unsigned flags,
                            lwm2m_type_fn fn, void *ctx, lwm2m_list *out)
{
    if (!fn)
        return LWM2M_E_INVALID;
    size_t from = out->len;
    int rc = lwm2m_json_decode(s, n, base, flags, out);
    return rc ? rc : lwm2m_list_retype(out, from, fn, ctx, lwm2m_value_coerce);
}
