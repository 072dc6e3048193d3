/* sc_lwm2m_parse.c - what scenarios say to the built-in LwM2M server
 * (docs/lwm2m-server.md): the options of a "serve": "lwm2m" service, the
 * "lwm2m" world action and the "lwm2m" assert.  Every error names the
 * file, the field and what was expected. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwm2m_service.h"
#include "protocol/lwm2m_obj.h"
#include "sc_parse.h"
#include "sim/json_int.h"

/* ---- the service ---- */

/* "dtls": {"identity": "...", "key": "secret" or {"hex": "..."}}: coaps. */
static int parse_psk(sc_pctx *c, const cJSON *o, lwm2m_svc_psk *psk)
{
    static const char *const keys[] = { "identity", "key", "note", NULL };
    if (sc_expect_object(c, o, "the port's pre-shared key like {\"identity\": \"urn:imei:...\", \"key\": {\"hex\": "
                               "\"...\"}}") ||
        sc_check_keys(c, o, keys))
        return -1;
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "identity");
    if (!cJSON_IsString(id) || !id->valuestring[0] || strlen(id->valuestring) > DTLS_IDENTITY_MAX)
        return sc_fail_at(c, "identity", "expected the PSK identity, a string of 1 to %u bytes",
                          (unsigned)DTLS_IDENTITY_MAX);
    const cJSON *key = cJSON_GetObjectItemCaseSensitive(o, "key");
    if (!key)
        return sc_fail_at(c, "key", "expected the key: a string or {\"hex\": \"...\"} of 1 to %u bytes",
                          (unsigned)DTLS_KEY_MAX);
    sc_bytes b = { 0 };
    size_t mark = sc_push_key(c, "key");
    int rc = sc_bytes_value(c, key, &b);
    if (!rc && (b.has_vars || !b.len || b.len > DTLS_KEY_MAX))
        rc = sc_fail(c, "expected a key of 1 to %u bytes (no ${variables}), got %zu bytes", (unsigned)DTLS_KEY_MAX,
                     b.len);
    sc_pop(c, mark);
    if (!rc) {
        snprintf(psk->identity, sizeof(psk->identity), "%s", id->valuestring);
        memcpy(psk->key, b.data, b.len);
        psk->key_len = b.len;
    }
    sc_bytes_free(&b);
    return rc;
}

int sc_parse_lwm2m_service(sc_pctx *c, const cJSON *o, nw_service_cfg *s)
{
    static const char *const keys[] = { "tcp", "udp", "serve", "seed", "grace", "dtls", "note", NULL };
    if (sc_check_keys(c, o, keys))
        return -1;
    if (s->proto != IP_UDP)
        return sc_fail_at(c, "tcp", "an lwm2m server listens on UDP: expected {\"udp\": 5683, \"serve\": \"lwm2m\"}");
    lwm2m_svc_opts *opts = calloc(1, sizeof(*opts));
    if (!opts)
        return sc_fail(c, "out of memory");
    s->kind = NW_SVC_CUSTOM;
    s->custom = lwm2m_svc_custom;
    s->opts = opts;
    s->opts_free = lwm2m_svc_opts_free;
    const cJSON *dtls = cJSON_GetObjectItemCaseSensitive(o, "dtls");
    if (dtls) {
        size_t mark = sc_push_key(c, "dtls");
        int rc = parse_psk(c, dtls, &opts->psk);
        sc_pop(c, mark);
        if (rc)
            return -1;
    }
    const cJSON *seed = cJSON_GetObjectItemCaseSensitive(o, "seed");
    long v;
    if (seed && (!cJSON_IsNumber(seed) || !json_int(seed->valuedouble, &v) || v < 0))
        return sc_fail_at(c, "seed", "expected a whole number of 0 or more");
    if (seed) {
        opts->has_seed = true;
        opts->seed = (uint64_t)v;
    }
    int rc = sc_opt_duration(c, o, "grace", &opts->grace);
    if (rc < 0)
        return -1;
    opts->has_grace = rc == 0;
    return 0;
}

/* The services of one host are one server: its options once (or equal). */
int sc_check_lwm2m_host(sc_pctx *c, const nw_host_cfg *h)
{
    const lwm2m_svc_opts *first = NULL;
    for (size_t k = 0; k < h->nsvcs; k++) {
        const lwm2m_svc_opts *o = h->svcs[k].custom == lwm2m_svc_custom ? h->svcs[k].opts : NULL;
        if (!o || (!o->has_seed && !o->has_grace))
            continue;
        if (first && ((o->has_seed && first->has_seed && o->seed != first->seed) ||
                      (o->has_grace && first->has_grace && o->grace != first->grace))) {
            size_t mark = sc_push_key(c, "services");
            size_t m2 = sc_push_index(c, k);
            int rc = sc_fail(c, "the lwm2m services of one host are one server: its \"seed\" and \"grace\" "
                                "differ from an earlier service's");
            sc_pop(c, m2);
            sc_pop(c, mark);
            return rc;
        }
        first = first ? first : o;
    }
    return 0;
}

/* ---- shared pieces ---- */

static int parse_path(sc_pctx *c, const cJSON *o, const char *key, unsigned min_depth, unsigned max_depth,
                      lwm2m_path *p)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsString(v) && !lwm2m_path_parse(v->valuestring, strlen(v->valuestring), p) && p->depth >= min_depth &&
        p->depth <= max_depth)
        return 0;
    static const char *const like[] = { "", "\"/3\"", "\"/3/0\"", "\"/3/0/1\"", "\"/3/0/6/0\"" };
    char got[64], want[96] = "";
    sc_describe(v, got, sizeof(got));
    for (unsigned d = min_depth; d <= max_depth; d++) {
        size_t l = strlen(want);
        snprintf(want + l, sizeof(want) - l, "%s%s", d == min_depth ? "" : d == max_depth ? " or " : ", ", like[d]);
    }
    return sc_fail_at(c, key, "expected an LwM2M path like %s, got %s", want, got);
}

/* "tlv", "json", "text", "opaque", "link" or a number. */
static int parse_cf(sc_pctx *c, const cJSON *o, const char *key, bool link_ok, uint32_t *cf)
{
    static const struct {
        const char *name;
        uint32_t cf;
    } names[] = { { "tlv", LWM2M_CF_TLV }, { "json", LWM2M_CF_JSON }, { "text", LWM2M_CF_TEXT },
                  { "opaque", LWM2M_CF_OPAQUE }, { "link", LWM2M_CF_LINK } };
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    long n;
    if (cJSON_IsNumber(v) && json_int(v->valuedouble, &n) && n >= 0 && n <= 65535 && link_ok) {
        *cf = (uint32_t)n;
        return 0;
    }
    for (size_t i = 0; cJSON_IsString(v) && i < sizeof(names) / sizeof(names[0]) - !link_ok; i++) {
        if (!strcmp(v->valuestring, names[i].name)) {
            *cf = names[i].cf;
            return 0;
        }
    }
    char got[64];
    sc_describe(v, got, sizeof(got));
    return sc_fail_at(c, key, "expected %s, got %s",
                      link_ok ? "\"tlv\", \"json\", \"text\", \"opaque\", \"link\" or a content-format number"
                              : "\"tlv\", \"json\", \"text\" or \"opaque\"",
                      got);
}

static const char *type_name(lwm2m_type t)
{
    switch (t) {
    case LWM2M_T_INTEGER: return "an integer";
    case LWM2M_T_UNSIGNED: return "an integer of 0 or more";
    case LWM2M_T_FLOAT: return "a number";
    case LWM2M_T_BOOLEAN: return "true or false";
    case LWM2M_T_STRING: return "a string";
    case LWM2M_T_OPAQUE: return "{\"hex\": \"...\"} or a string";
    case LWM2M_T_TIME: return "a time in seconds";
    case LWM2M_T_OBJLNK: return "{\"objlnk\": \"11:0\"}";
    default: return "a value";
    }
}

/* {"hex": ...} or {"objlnk": ...}: the object forms of a single value. */
static bool is_value_object(const cJSON *v)
{
    return cJSON_IsObject(v) && v->child && !v->child->next &&
           (!strcmp(v->child->string, "hex") || !strcmp(v->child->string, "objlnk"));
}

/* One JSON value as an LwM2M value of type t (-1: not defined, then the
 * JSON gives the type), added to l at p.  c's path is at the value. */
static int add_value(sc_pctx *c, const cJSON *v, int t, const lwm2m_path *p, const char *res_name, lwm2m_list *l)
{
    char path[LWM2M_PATH_STR_MAX], got[64];
    lwm2m_path_format(p, path);
    sc_describe(v, got, sizeof(got));
    lwm2m_value val;
    sc_bytes hex = { 0 };
    long n;
    int ok = 1;
    if (t == LWM2M_T_NONE)
        return sc_fail(c, "%s (%s) is executed, not written", path, res_name);
    if (cJSON_IsObject(v) && cJSON_GetObjectItemCaseSensitive(v, "hex") && is_value_object(v) &&
        (t < 0 || t == LWM2M_T_OPAQUE)) {
        if (sc_bytes_value(c, v, &hex))
            return -1;
        val = lwm2m_v_opaque(hex.data ? (const void *)hex.data : "", hex.len);
    } else if (cJSON_IsObject(v) && cJSON_GetObjectItemCaseSensitive(v, "objlnk") && is_value_object(v) &&
               (t < 0 || t == LWM2M_T_OBJLNK)) {
        const cJSON *s = v->child;
        lwm2m_objlnk lk;
        ok = cJSON_IsString(s) && !lwm2m_parse_objlnk(s->valuestring, strlen(s->valuestring), &lk);
        val = ok ? lwm2m_v_objlnk(lk.obj, lk.inst) : lwm2m_v_none();
    } else if (cJSON_IsString(v) && (t < 0 || t == LWM2M_T_STRING || t == LWM2M_T_OPAQUE)) {
        val = t == LWM2M_T_OPAQUE ? lwm2m_v_opaque(v->valuestring, strlen(v->valuestring)) : lwm2m_v_str(v->valuestring);
    } else if (cJSON_IsBool(v) && (t < 0 || t == LWM2M_T_BOOLEAN)) {
        val = lwm2m_v_bool(cJSON_IsTrue(v));
    } else if (cJSON_IsNumber(v) && (t < 0 || t == LWM2M_T_FLOAT)) {
        val = t < 0 && json_int(v->valuedouble, &n) ? lwm2m_v_int(n) : lwm2m_v_float(v->valuedouble);
    } else if (cJSON_IsNumber(v) && json_int(v->valuedouble, &n) &&
               (t == LWM2M_T_INTEGER || t == LWM2M_T_TIME || (t == LWM2M_T_UNSIGNED && n >= 0))) {
        val = t == LWM2M_T_TIME ? lwm2m_v_time(n) : t == LWM2M_T_UNSIGNED ? lwm2m_v_uint((uint64_t)n) : lwm2m_v_int(n);
    } else {
        ok = 0;
    }
    if (!ok)
        return sc_fail(c, "expected %s for %s%s%s%s, got %s",
                       t < 0 ? "a number, string, boolean, {\"hex\": ...} or {\"objlnk\": \"11:0\"}"
                             : type_name((lwm2m_type)t),
                       path, res_name ? " (" : "", res_name ? res_name : "", res_name ? ")" : "", got);
    int rc = lwm2m_list_add(l, p, &val);
    sc_bytes_free(&hex);
    return rc ? sc_fail(c, "%s cannot hold this value (%s)", path, lwm2m_strerror(rc)) : 0;
}

/* An id in an object key of a value ("1" of {"1": 3600}). */
static int key_id(sc_pctx *c, const cJSON *it, uint16_t *id)
{
    uint64_t n;
    if (lwm2m_parse_uint64(it->string, strlen(it->string), &n) || n > LWM2M_ID_MAX)
        return sc_fail(c, "expected ids 0..65534 as keys, got \"%.20s\"", it->string);
    *id = (uint16_t)n;
    return 0;
}

/* The value of a resource at p (depth 3): a scalar, or for a multiple
 * resource an object of instance -> value. */
static int add_resource(sc_pctx *c, const cJSON *v, const lwm2m_path *p, lwm2m_list *l)
{
    const lwm2m_res_def *d = lwm2m_objdef_res(lwm2m_objdef_find(p->id[LWM2M_OBJ]), p->id[LWM2M_RES]);
    int t = d ? (int)d->type : -1;
    bool multiple = d ? d->multiple : cJSON_IsObject(v) && !is_value_object(v);
    if (!multiple)
        return add_value(c, v, t, p, d ? d->name : NULL, l);
    if (!cJSON_IsObject(v) || is_value_object(v) || !v->child) {
        char path[LWM2M_PATH_STR_MAX];
        lwm2m_path_format(p, path);
        return sc_fail(c, "%s%s%s%s has instances: expected an object of instance -> value like {\"0\": 1}", path,
                       d ? " (" : "", d ? d->name : "", d ? ")" : "");
    }
    for (const cJSON *it = v->child; it; it = it->next) {
        size_t mark = sc_push_key(c, it->string);
        uint16_t id;
        int rc = key_id(c, it, &id);
        lwm2m_path ri = lwm2m_path_oiri(p->id[0], p->id[1], p->id[2], id);
        if (!rc)
            rc = add_value(c, it, t, &ri, d ? d->name : NULL, l);
        sc_pop(c, mark);
        if (rc)
            return -1;
    }
    return 0;
}

/* "value" of a write to p: a resource instance's value, a resource's, or
 * an instance's object of resource -> value. */
static int parse_write_value(sc_pctx *c, const cJSON *o, const lwm2m_path *p, lwm2m_list *l)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "value");
    if (!v)
        return sc_fail(c, "a write needs its \"value\"");
    size_t mark = sc_push_key(c, "value");
    int rc = 0;
    if (p->depth == 4) {
        const lwm2m_res_def *d = lwm2m_objdef_res(lwm2m_objdef_find(p->id[0]), p->id[2]);
        rc = add_value(c, v, d ? (int)d->type : -1, p, d ? d->name : NULL, l);
    } else if (p->depth == 3) {
        rc = add_resource(c, v, p, l);
    } else if (!cJSON_IsObject(v) || is_value_object(v) || !v->child) {
        rc = sc_fail(c, "a write to an object instance takes an object of resource -> value like "
                        "{\"1\": 3600, \"7\": \"UQS\"}");
    } else {
        for (const cJSON *it = v->child; it && !rc; it = it->next) {
            size_t m2 = sc_push_key(c, it->string);
            uint16_t id;
            rc = key_id(c, it, &id);
            lwm2m_path rp = lwm2m_path_oir(p->id[0], p->id[1], id);
            if (!rc)
                rc = add_resource(c, it, &rp, l);
            sc_pop(c, m2);
        }
    }
    sc_pop(c, mark);
    return rc;
}

/* ---- the action ---- */

#define NVERBS 8
static const char *const verbs[NVERBS] = { "read", "write", "execute", "observe", "cancel", "discover", "attributes",
                                           "fault" };
/* The fields each verb takes, besides "do", "server", "ep", "note" and the
 * world event's own. */
static const char *const verb_keys[NVERBS][8] = {
    { "accept", NULL },
    { "value", "format", "partial", NULL },
    { "args", NULL },
    { "accept", NULL },
    { "reactive", NULL },
    { NULL },
    { "pmin", "pmax", "gt", "lt", "st", NULL },
    { "code", "count", "to", "on", NULL },
};
static const char *const lwm2m_fields[] = { "accept", "value", "format", "partial", "args", "reactive", "pmin", "pmax",
                                            "gt", "lt", "st", "code", "count", "to", "on", NULL };

static int parse_attributes(sc_pctx *c, const cJSON *o, lwm2m_attrs *a)
{
    static const char *const names[] = { "pmin", "pmax", "gt", "lt", "st" };
    for (unsigned i = 0; i < 5; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, names[i]);
        long n;
        if (!v)
            continue;
        if (cJSON_IsNull(v)) {
            a->clear |= 1u << i;
            continue;
        }
        if (i < 2 && (!cJSON_IsNumber(v) || !json_int(v->valuedouble, &n) || n < 0 || n > (long)UINT32_MAX))
            return sc_fail_at(c, names[i], "expected whole seconds (0 or more), or null to remove it");
        if (i >= 2 && !cJSON_IsNumber(v))
            return sc_fail_at(c, names[i], "expected a number, or null to remove it");
        a->set |= 1u << i;
        if (i == 0)
            a->pmin = (uint32_t)n;
        else if (i == 1)
            a->pmax = (uint32_t)n;
        else
            *(i == 2 ? &a->gt : i == 3 ? &a->lt : &a->st) = v->valuedouble;
    }
    if (!a->set && !a->clear)
        return sc_fail(c, "expected at least one of \"pmin\", \"pmax\", \"gt\", \"lt\", \"st\"");
    return 0;
}

/* "4.03", "5.03": an error code. */
static int parse_code(sc_pctx *c, const cJSON *o, uint8_t *code)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "code");
    unsigned cls, det;
    char tail;
    if (!cJSON_IsString(v) || sscanf(v->valuestring, "%1u.%2u%c", &cls, &det, &tail) != 2 || cls < 4 || cls > 5 ||
        det > 31 || strlen(v->valuestring) != 4) {
        char got[64];
        sc_describe(v, got, sizeof(got));
        return sc_fail_at(c, "code", "expected an error code like \"4.03\", \"4.04\" or \"5.03\", got %s", got);
    }
    *code = COAP_CODE(cls, det);
    return 0;
}

static int parse_fault(sc_pctx *c, const cJSON *o, sc_lwm2m_act *x)
{
    static const char *const faults[] = { "reply", "restart", "ignore_registration", "ignore_notify", "reset_notify" };
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "fault");
    for (size_t i = 0; cJSON_IsString(v) && i < 5; i++)
        if (!strcmp(v->valuestring, faults[i]))
            x->fault = (sc_lw_fault)(SC_LWF_REPLY + i);
    if (x->fault == SC_LWF_NONE)
        return sc_fail_at(c, "fault", "expected \"reply\", \"restart\", \"ignore_registration\", \"ignore_notify\" "
                                      "or \"reset_notify\"");
    static const char *const reply_only[] = { "code", "count", "to" };
    for (size_t i = 0; i < 3 && x->fault != SC_LWF_REPLY; i++)
        if (cJSON_GetObjectItemCaseSensitive(o, reply_only[i]))
            return sc_fail_at(c, reply_only[i], "only \"fault\": \"reply\" takes it");
    if (x->fault == SC_LWF_RESTART && cJSON_GetObjectItemCaseSensitive(o, "on"))
        return sc_fail_at(c, "on", "a restart happens once: it takes no \"on\"");
    if (x->fault == SC_LWF_REPLY && cJSON_GetObjectItemCaseSensitive(o, "on"))
        return sc_fail_at(c, "on", "\"reply\" lasts \"count\" requests: it takes no \"on\"");
    if (x->fault != SC_LWF_REPLY) {
        int on = 1;
        if (sc_opt_bool(c, o, "on", &on) < 0)
            return -1;
        x->on = on;
        return 0;
    }
    long count = 1;
    char *to = NULL;
    if (parse_code(c, o, &x->code) || sc_opt_int(c, o, "count", 1, 1000000, &count) < 0 ||
        sc_opt_string(c, o, "to", &to) < 0)
        return -1;
    x->count = (unsigned)count;
    int rc = 0;
    if (to && !strcmp(to, "register"))
        x->to = LWM2M_REQ_REGISTER;
    else if (to && !strcmp(to, "update"))
        x->to = LWM2M_REQ_UPDATE;
    else if (to && !strcmp(to, "deregister"))
        x->to = LWM2M_REQ_DEREGISTER;
    else if (to && strcmp(to, "any"))
        rc = sc_fail_at(c, "to", "expected \"register\", \"update\", \"deregister\" or \"any\", got \"%.40s\"", to);
    free(to);
    return rc;
}

static int parse_op(sc_pctx *c, const cJSON *o, int verb, sc_lwm2m_act *x)
{
    static const lwm2m_srv_op_kind kinds[] = { LWM2M_SOP_READ, LWM2M_SOP_WRITE, LWM2M_SOP_EXECUTE,
                                               LWM2M_SOP_OBSERVE, LWM2M_SOP_CANCEL, LWM2M_SOP_DISCOVER,
                                               LWM2M_SOP_ATTRIBUTES };
    lwm2m_path p;
    unsigned min = verb == 1 ? 2 : verb == 2 ? 3 : 1, max = verb == 2 ? 3 : 4;
    if (parse_path(c, o, verbs[verb], min, max, &p))
        return -1;
    lwm2m_srv_op_req_init(&x->req, kinds[verb], &p);
    uint32_t cf;
    int flag = 0;
    switch (kinds[verb]) {
    case LWM2M_SOP_READ:
    case LWM2M_SOP_OBSERVE:
        if (cJSON_GetObjectItemCaseSensitive(o, "accept")) {
            if (parse_cf(c, o, "accept", true, &cf))
                return -1;
            x->req.accept = (int32_t)cf;
        }
        return 0;
    case LWM2M_SOP_WRITE:
        if (cJSON_GetObjectItemCaseSensitive(o, "format") && parse_cf(c, o, "format", false, &x->req.format))
            return -1;
        if (sc_opt_bool(c, o, "partial", &flag) < 0 || parse_write_value(c, o, &p, &x->values))
            return -1;
        x->req.partial = flag;
        x->req.values = &x->values;
        if (flag && p.depth != 2)
            return sc_fail_at(c, "partial", "a partial update (POST) is for an object instance like \"/1/10\"");
        if ((x->req.format == LWM2M_CF_TEXT || x->req.format == LWM2M_CF_OPAQUE) &&
            (x->values.len != 1 || !lwm2m_path_equal(&x->values.items[0].path, &p)))
            return sc_fail_at(c, "format", "text and opaque carry one resource: write a resource, not an instance "
                                           "or a resource with instances");
        if (x->req.format == LWM2M_CF_OPAQUE && x->values.items[0].value.type != LWM2M_T_OPAQUE)
            return sc_fail_at(c, "format", "\"opaque\" carries an opaque value: expected {\"hex\": ...}");
        return 0;
    case LWM2M_SOP_EXECUTE:
        if (sc_opt_string(c, o, "args", &x->args) < 0)
            return -1;
        x->req.args = x->args;
        x->req.args_len = x->args ? strlen(x->args) : 0;
        return 0;
    case LWM2M_SOP_CANCEL:
        if (sc_opt_bool(c, o, "reactive", &flag) < 0)
            return -1;
        x->req.reactive = flag;
        return 0;
    case LWM2M_SOP_ATTRIBUTES: return parse_attributes(c, o, &x->req.attrs);
    default: return 0;
    }
}

int sc_parse_lwm2m_action(sc_pctx *c, const cJSON *o, sc_action *a)
{
    sc_lwm2m_act *x = calloc(1, sizeof(*x));
    if (!x)
        return sc_fail(c, "out of memory");
    lwm2m_list_init(&x->values);
    a->lwm2m = x;
    if (sc_opt_string(c, o, "server", &x->server) < 0 || sc_opt_string(c, o, "ep", &x->ep) < 0)
        return -1;
    int verb = -1;
    for (int i = 0; i < NVERBS; i++) {
        if (!cJSON_GetObjectItemCaseSensitive(o, verbs[i]))
            continue;
        if (verb >= 0)
            return sc_fail(c, "an lwm2m action does one thing; it has both \"%s\" and \"%s\"", verbs[verb], verbs[i]);
        verb = i;
    }
    if (verb < 0)
        return sc_fail(c, "expected one of \"read\", \"write\", \"execute\", \"observe\", \"cancel\", \"discover\", "
                          "\"attributes\" (a path) or \"fault\"");
    for (const char *const *k = lwm2m_fields; *k; k++) {
        bool mine = false;
        for (const char *const *m = verb_keys[verb]; *m && !mine; m++)
            mine = !strcmp(*m, *k);
        if (!mine && cJSON_GetObjectItemCaseSensitive(o, *k))
            return sc_fail_at(c, *k, "does not go with \"%s\"", verbs[verb]);
    }
    if (verb == NVERBS - 1) {
        if (x->ep)
            return sc_fail_at(c, "ep", "a fault is the server's, not a client's");
        return parse_fault(c, o, x);
    }
    return parse_op(c, o, verb, x);
}

/* ---- the assert ---- */

/* "value": the text lwm2m_srv_value_text gives the value it expects. */
static int parse_expected_value(sc_pctx *c, const cJSON *o, char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "value");
    if (!v)
        return 0;
    size_t mark = sc_push_key(c, "value");
    lwm2m_list l;
    lwm2m_list_init(&l);
    lwm2m_path p = lwm2m_path_oir(0, 0, 0);
    int rc = add_value(c, v, -1, &p, NULL, &l);
    sc_pop(c, mark);
    if (rc) {
        lwm2m_list_free(&l);
        return -1;
    }
    bytebuf t;
    bytebuf_init(&t);
    rc = lwm2m_srv_value_text(&l.items[0].value, &t) || bytebuf_append_byte(&t, 0);
    lwm2m_list_free(&l);
    if (rc) {
        bytebuf_free(&t);
        return sc_fail(c, "out of memory");
    }
    *out = (char *)t.data;
    return 0;
}

int sc_parse_lwm2m_assert(sc_pctx *c, const cJSON *o, sc_assert *as)
{
    static const char *const keys[] = { "assert", "server", "ep", "registered", "lt", "b", "lwm2m", "payload_contains",
                                        "last_notify", "last_read", "value", "note", NULL };
    static const char *const reg_keys[] = { "lt", "b", "lwm2m", "payload_contains" };
    if (sc_check_keys(c, o, keys))
        return -1;
    sc_lwm2m_assert *a = calloc(1, sizeof(*a));
    if (!a)
        return sc_fail(c, "out of memory");
    as->lwm2m = a;
    a->lifetime = -1;
    if (sc_opt_string(c, o, "server", &a->server) < 0 || sc_opt_string(c, o, "ep", &a->ep) < 0)
        return -1;
    int n = 0;
    const char *which = NULL;
    static const char *const kinds[] = { "registered", "last_notify", "last_read" };
    for (int k = 0; k < 3; k++) {
        if (cJSON_GetObjectItemCaseSensitive(o, kinds[k])) {
            n++;
            which = kinds[k];
            a->kind = (sc_lw_assert_kind)k;
        }
    }
    if (n != 1)
        return sc_fail(c, "expected exactly one of \"registered\" (true or false), \"last_notify\" or \"last_read\" "
                          "(a path)");
    if (a->kind == SC_LWA_REGISTERED) {
        int reg;
        if (sc_opt_bool(c, o, "registered", &reg) < 0)
            return -1;
        a->registered = reg;
        if (cJSON_GetObjectItemCaseSensitive(o, "value"))
            return sc_fail_at(c, "value", "goes with \"last_notify\" or \"last_read\"");
        for (size_t i = 0; !reg && i < 4; i++)
            if (cJSON_GetObjectItemCaseSensitive(o, reg_keys[i]))
                return sc_fail_at(c, reg_keys[i], "checks a registration: only with \"registered\": true");
        long lt;
        int rc = sc_opt_int(c, o, "lt", 1, 4294967295L, &lt);
        if (rc < 0 || sc_opt_string(c, o, "b", &a->binding) < 0 || sc_opt_string(c, o, "lwm2m", &a->version) < 0 ||
            sc_opt_string(c, o, "payload_contains", &a->payload_contains) < 0)
            return -1;
        a->lifetime = rc == 0 ? lt : -1;
        return 0;
    }
    for (size_t i = 0; i < 4; i++)
        if (cJSON_GetObjectItemCaseSensitive(o, reg_keys[i]))
            return sc_fail_at(c, reg_keys[i], "checks a registration: only with \"registered\": true");
    if (parse_path(c, o, which, 3, 4, &a->path))
        return -1;
    return parse_expected_value(c, o, &a->value);
}
