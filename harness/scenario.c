/* scenario.c - scenario files: top level, device and host script (format in
 * docs/scenarios.md; world events in sc_world_parse.c). */
#include "scenario.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "caps.h"
#include "protocol/dur.h"
#include "sc_parse.h"
#include "sim/nvm.h"
#include "sim/trace.h"

#define DEFAULT_WITHIN SIM_S(5)
#define DEFAULT_LIMIT SIM_S(48 * 3600)
#define DEFAULT_XMODEM_WITHIN SIM_S(3600)
#define DEFAULT_NET_TIME 1767225600 /* 2026-01-01T00:00:00Z: fixed, so runs repeat */

/* ---------------- small helpers ---------------- */

static int push_string(sc_pctx *c, char ***list, size_t *n, const char *s)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*list)[i], s))
            return 0;
    char **nl = realloc(*list, (*n + 1) * sizeof(*nl));
    if (!nl)
        return sc_fail(c, "out of memory");
    *list = nl;
    if (!(nl[*n] = strdup(s)))
        return sc_fail(c, "out of memory");
    (*n)++;
    return 0;
}

static void free_strings(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

static int valid_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return 0;
    return 1;
}

/* Names a later step may use as ${name}: "vars" and earlier captures. */
typedef struct var_scope {
    char **names;
    size_t n;
} var_scope;

static int check_vars(sc_pctx *c, const sc_bytes *b, const var_scope *vs)
{
    if (!b->has_vars)
        return 0;
    for (const char *p = strstr((const char *)b->data, "${"); p; p = strstr(p + 2, "${")) {
        const char *q = p + 2;
        while (isalnum((unsigned char)*q) || *q == '_')
            q++;
        if (*q != '}' || q == p + 2)
            continue;
        size_t len = (size_t)(q - p - 2);
        int known = 0;
        for (size_t i = 0; i < vs->n && !known; i++)
            known = strlen(vs->names[i]) == len && !memcmp(vs->names[i], p + 2, len);
        if (!known)
            return sc_fail(c, "${%.*s} is not defined (by \"vars\" or an earlier \"capture\")", (int)len, p + 2);
    }
    return 0;
}

/* ---------------- device ---------------- */

static int parse_sim(sc_pctx *c, const cJSON *o, device_cfg *d)
{
    static const char *const keys[] = { "present", "pin", "puk", "iccid", "imsi", "note", NULL };
    if (sc_expect_object(c, o, "an object like {\"pin\": \"1234\"}") || sc_check_keys(c, o, keys) ||
        sc_opt_bool(c, o, "present", &d->sim_present) < 0 || sc_opt_strbuf(c, o, "pin", d->pin, sizeof(d->pin)) < 0 ||
        sc_opt_strbuf(c, o, "puk", d->puk, sizeof(d->puk)) < 0 ||
        sc_opt_strbuf(c, o, "iccid", d->iccid, sizeof(d->iccid)) < 0 ||
        sc_opt_strbuf(c, o, "imsi", d->imsi, sizeof(d->imsi)) < 0)
        return -1;
    return 0;
}

static int parse_network(sc_pctx *c, const cJSON *o, device_cfg *d)
{
    static const char *const keys[] = { "plmn", "operator", "rsrp", "rsrq", "note", NULL };
    long rsrp = d->rsrp_dbm, rsrq = d->rsrq_db;
    if (sc_expect_object(c, o, "an object like {\"plmn\": \"310410\", \"rsrp\": -85}") || sc_check_keys(c, o, keys) ||
        sc_opt_strbuf(c, o, "plmn", d->plmn, sizeof(d->plmn)) < 0 ||
        sc_opt_strbuf(c, o, "operator", d->oper_name, sizeof(d->oper_name)) < 0 ||
        sc_opt_int(c, o, "rsrp", -140, -44, &rsrp) < 0 || sc_opt_int(c, o, "rsrq", -20, -3, &rsrq) < 0)
        return -1;
    d->rsrp_dbm = (int)rsrp;
    d->rsrq_db = (int)rsrq;
    return 0;
}

/* Timing profile: later subsystems add their timers here (one row). */
static const struct {
    const char *key;
    size_t offset;
} timing_fields[] = {
    { "boot", offsetof(device_cfg, boot_ns) },
    { "registration", offsetof(device_cfg, reg_ns) },
    { "reboot", offsetof(device_cfg, reboot_ns) },
};
#define NTIMING (sizeof(timing_fields) / sizeof(timing_fields[0]))

static int parse_timing(sc_pctx *c, const cJSON *o, device_cfg *d)
{
    const char *keys[NTIMING + 2];
    for (size_t i = 0; i < NTIMING; i++)
        keys[i] = timing_fields[i].key;
    keys[NTIMING] = "note";
    keys[NTIMING + 1] = NULL;
    if (sc_expect_object(c, o, "an object like {\"boot\": \"5s\"}") || sc_check_keys(c, o, keys))
        return -1;
    for (size_t i = 0; i < NTIMING; i++)
        if (sc_opt_duration(c, o, timing_fields[i].key, (sim_ns *)((char *)d + timing_fields[i].offset)) < 0)
            return -1;
    return 0;
}

static int add_nvm(sc_pctx *c, sc_device *dv, const char *key, const cJSON *v)
{
    nvm_id id;
    size_t mark = sc_push_key(c, key);
    int rc = 0;
    if (nvm_lookup(key, &id))
        rc = sc_fail(c, "unknown setting; expected a key of sim/nvm_table.h like \"+UMNOPROF\" or \"+CSGT.text\"");
    else if (nvm_scope_of(id) == NVM_VOLATILE)
        rc = sc_fail(c, "a volatile setting is lost at every boot; set it from the host script");
    else if (nvm_type_of(id) == NVM_INT && (!cJSON_IsNumber(v) || v->valuedouble != (double)(long)v->valuedouble))
        rc = sc_fail(c, "expected an integer");
    else if (nvm_type_of(id) == NVM_STR && (!cJSON_IsString(v) || strlen(v->valuestring) >= NVM_STR_MAX))
        rc = sc_fail(c, "expected a string of at most %d characters", NVM_STR_MAX - 1);
    sc_pop(c, mark);
    if (rc)
        return rc;
    for (size_t i = 0; i < dv->nnvm; i++) { /* mno_profile and nvm may both name +UMNOPROF: last wins */
        if (!strcmp(dv->nvm[i].key, key)) {
            free(dv->nvm[i].s);
            dv->nvm[i].s = NULL;
            dv->nvm[i].i = cJSON_IsNumber(v) ? (long)v->valuedouble : 0;
            return cJSON_IsString(v) && !(dv->nvm[i].s = strdup(v->valuestring)) ? sc_fail(c, "out of memory") : 0;
        }
    }
    sc_nvm_preset *n = realloc(dv->nvm, (dv->nnvm + 1) * sizeof(*n));
    if (!n)
        return sc_fail(c, "out of memory");
    dv->nvm = n;
    sc_nvm_preset *p = &dv->nvm[dv->nnvm++];
    memset(p, 0, sizeof(*p));
    p->key = strdup(key);
    p->i = cJSON_IsNumber(v) ? (long)v->valuedouble : 0;
    p->s = cJSON_IsString(v) ? strdup(v->valuestring) : NULL;
    return p->key && (p->s || !cJSON_IsString(v)) ? 0 : sc_fail(c, "out of memory");
}

static int parse_nvm(sc_pctx *c, const cJSON *o, sc_device *dv)
{
    if (sc_expect_object(c, o, "an object of settings like {\"+CSGT.mode\": 1}"))
        return -1;
    for (const cJSON *it = o->child; it; it = it->next)
        if (add_nvm(c, dv, it->string, it))
            return -1;
    return 0;
}

static int parse_files(sc_pctx *c, const cJSON *a, sc_device *dv)
{
    static const char *const keys[] = { "name", "tag", "content", "note", NULL };
    if (!cJSON_IsArray(a))
        return sc_fail(c, "expected an array of {\"name\", \"tag\", \"content\"}");
    size_t n = (size_t)cJSON_GetArraySize(a), i = 0;
    dv->files = calloc(n ? n : 1, sizeof(*dv->files));
    if (!dv->files)
        return sc_fail(c, "out of memory");
    for (const cJSON *f = a->child; f; f = f->next, i++) {
        size_t mark = sc_push_index(c, i);
        sc_file *sf = &dv->files[dv->nfiles++];
        int rc = sc_expect_object(c, f, "a file like {\"name\": \"a.txt\", \"content\": {\"text\": \"hi\"}}") ||
                 sc_check_keys(c, f, keys) || sc_req_string(c, f, "name", &sf->name) ||
                 sc_opt_string(c, f, "tag", &sf->tag) < 0;
        if (!rc && !sf->tag && !(sf->tag = strdup("USER")))
            rc = sc_fail(c, "out of memory");
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(f, "content");
        if (!rc && !content)
            rc = sc_fail_at(c, "content", "expected the file's content, got nothing");
        if (!rc) {
            size_t m2 = sc_push_key(c, "content");
            rc = sc_blob_value(c, content, &sf->content);
            sc_pop(c, m2);
        }
        sc_pop(c, mark);
        if (rc)
            return -1;
    }
    return 0;
}

/* "2026-01-01T00:00:00Z" */
static int parse_net_time(sc_pctx *c, const cJSON *o, int64_t *out)
{
    char *s = NULL;
    int rc = sc_opt_string(c, o, "network_time", &s);
    if (rc)
        return rc;
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    char z = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
               &tm.tm_sec, &z) != 7 ||
        z != 'Z') {
        sc_fail_at(c, "network_time", "expected a UTC time like \"2026-01-01T00:00:00Z\", got \"%s\"", s);
        free(s);
        return -1;
    }
    free(s);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *out = (int64_t)timegm(&tm);
    return 0;
}

/* device_cfg_validate names the field first ("imei: ..."): point at it. */
static int validate_device(sc_pctx *c, const device_cfg *d)
{
    char msg[256];
    if (!device_cfg_validate(d, msg, sizeof(msg)))
        return 0;
    static const struct { const char *field, *path; } where[] = {
        { "imei", "imei" },        { "imsi", "sim.imsi" }, { "iccid", "sim.iccid" },
        { "firmware", "firmware" }, { "model", "model" },   { "plmn", "network.plmn" },
    };
    const char *colon = strchr(msg, ':');
    for (size_t i = 0; colon && i < sizeof(where) / sizeof(where[0]); i++) {
        if (strlen(where[i].field) == (size_t)(colon - msg) && !strncmp(msg, where[i].field, (size_t)(colon - msg))) {
            size_t mark = sc_push_key(c, where[i].path);
            sc_fail(c, "%s", colon + 2);
            sc_pop(c, mark);
            return -1;
        }
    }
    return sc_fail(c, "%s", msg);
}

static int parse_device(sc_pctx *c, const cJSON *o, sc_device *dv)
{
    static const char *const keys[] = { "model",  "product", "firmware", "imei",     "sim",   "mno_profile",
                                        "network", "timing", "nvm",      "files",    "aux_uart", "pacing",
                                        "powered", "network_time", "note", NULL };
    device_cfg *d = &dv->dev;
    if (!o)
        return 0;
    if (sc_expect_object(c, o, "an object describing the module") || sc_check_keys(c, o, keys) ||
        sc_opt_strbuf(c, o, "model", d->model, sizeof(d->model)) < 0 ||
        sc_opt_strbuf(c, o, "product", d->product, sizeof(d->product)) < 0 ||
        sc_opt_strbuf(c, o, "firmware", d->firmware, sizeof(d->firmware)) < 0 ||
        sc_opt_strbuf(c, o, "imei", d->imei, sizeof(d->imei)) < 0 || sc_opt_bool(c, o, "aux_uart", &dv->aux_uart) < 0 ||
        sc_opt_bool(c, o, "pacing", &dv->pacing) < 0 || sc_opt_bool(c, o, "powered", &dv->powered) < 0 ||
        (dv->net_time_set = parse_net_time(c, o, &dv->net_time_base)) < 0)
        return -1;
    dv->net_time_set = dv->net_time_set == 0;
    static const struct {
        const char *key;
        int (*fn)(sc_pctx *, const cJSON *, device_cfg *);
    } subs[] = { { "sim", parse_sim }, { "network", parse_network }, { "timing", parse_timing } };
    for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, subs[i].key);
        if (!v)
            continue;
        size_t mark = sc_push_key(c, subs[i].key);
        int rc = subs[i].fn(c, v, d);
        sc_pop(c, mark);
        if (rc)
            return -1;
    }
    const cJSON *mno = cJSON_GetObjectItemCaseSensitive(o, "mno_profile");
    long dummy;
    if (mno && (sc_opt_int(c, o, "mno_profile", 0, 255, &dummy) < 0 || add_nvm(c, dv, "+UMNOPROF", mno)))
        return -1;
    const cJSON *nv = cJSON_GetObjectItemCaseSensitive(o, "nvm");
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(o, "files");
    size_t mark = sc_push_key(c, "nvm");
    int rc = nv ? parse_nvm(c, nv, dv) : 0;
    sc_pop(c, mark);
    mark = sc_push_key(c, "files");
    if (!rc && files)
        rc = parse_files(c, files, dv);
    sc_pop(c, mark);
    return rc ? -1 : validate_device(c, d);
}

/* ---------------- host steps ---------------- */

static const char *const step_names[] = {
    [STEP_SEND] = "send",          [STEP_EXPECT] = "expect", [STEP_EXPECT_NOT] = "expect_not",
    [STEP_WAIT] = "wait",          [STEP_SET_BAUD] = "set_baud", [STEP_SEND_FILE] = "send_file",
    [STEP_XMODEM] = "xmodem",      [STEP_ASSERT] = "assert", [STEP_DO] = "do",
};
#define NSTEPS (sizeof(step_names) / sizeof(step_names[0]))

const char *scenario_step_name(sc_step_kind k) { return step_names[k]; }

static int parse_expect(sc_pctx *c, const cJSON *o, sc_step *st, const scenario *sc, var_scope *vs)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, step_names[st->kind]);
    long port = 0;
    st->within = sc->default_within;
    st->exact = sc->exact;
    if (sc_opt_duration(c, o, "within", &st->within) < 0 || sc_opt_bool(c, o, "exact", &st->exact) < 0 ||
        sc_opt_int(c, o, "port", 0, 1, &port) < 0)
        return -1;
    st->port = (int)port;
    size_t mark = sc_push_key(c, step_names[st->kind]);
    int rc;
    const cJSON *re = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, "regex") : NULL;
    if (re) {
        static const char *const keys[] = { "regex", NULL };
        rc = sc_check_keys(c, v, keys);
        if (!rc && !cJSON_IsString(re))
            rc = sc_fail_at(c, "regex", "expected a POSIX extended regular expression string");
        if (!rc && !(st->re_src = strdup(re->valuestring)))
            rc = sc_fail(c, "out of memory");
        if (!rc) {
            size_t m2 = sc_push_key(c, "regex");
            rc = sc_regex(c, re->valuestring, &st->re);
            sc_pop(c, m2);
            st->is_re = rc == 0;
        }
    } else {
        rc = sc_bytes_value(c, v, &st->bytes);
        if (!rc && st->bytes.len == 0)
            rc = sc_fail(c, "expected something to wait for, got an empty string");
        if (!rc)
            rc = check_vars(c, &st->bytes, vs);
    }
    sc_pop(c, mark);
    if (rc)
        return -1;
    const cJSON *cap = cJSON_GetObjectItemCaseSensitive(o, "capture");
    if (!cap)
        return 0;
    if (!st->is_re)
        return sc_fail_at(c, "capture", "capturing needs {\"regex\": ...} with groups");
    size_t ncap = cJSON_IsString(cap) ? 1 : cJSON_IsArray(cap) ? (size_t)cJSON_GetArraySize(cap) : 0;
    const cJSON *first = cJSON_IsString(cap) ? cap : cJSON_IsArray(cap) ? cap->child : NULL;
    if (!ncap || ncap > st->re.re_nsub + (st->re.re_nsub == 0))
        return sc_fail_at(c, "capture", "expected a variable name per regex group (%zu group%s)", st->re.re_nsub,
                          st->re.re_nsub == 1 ? "" : "s");
    for (const cJSON *n = first; n; n = cJSON_IsString(cap) ? NULL : n->next) {
        if (!cJSON_IsString(n) || !valid_name(n->valuestring))
            return sc_fail_at(c, "capture", "expected variable names of letters, digits and '_'");
        if (push_string(c, &st->captures, &st->ncaptures, n->valuestring) ||
            push_string(c, &vs->names, &vs->n, n->valuestring))
            return -1;
    }
    return 0;
}

static int parse_xm_fault(sc_pctx *c, const cJSON *f, sc_xm_fault *xf)
{
    static const char *const keys[] = { "block", "fault", "times", "for", "note", NULL };
    static const char *const kinds[] = { "corrupt", "drop", "duplicate", "stall" };
    long block, times = 1;
    char *kind = NULL;
    if (sc_expect_object(c, f, "a fault like {\"block\": 3, \"fault\": \"corrupt\"}") || sc_check_keys(c, f, keys) ||
        sc_req_int(c, f, "block", 1, 1L << 24, &block) || sc_opt_int(c, f, "times", 1, 100, &times) < 0 ||
        sc_req_string(c, f, "fault", &kind))
        return -1;
    xf->block = (uint32_t)block;
    xf->times = (unsigned)times;
    int found = 0;
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
        if (!strcmp(kind, kinds[k]))
            xf->kind = (sc_xm_fault_kind)k, found = 1;
    int rc = found ? 0
                   : sc_fail_at(c, "fault", "expected \"corrupt\", \"drop\", \"duplicate\" or \"stall\", got \"%s\"",
                                kind);
    free(kind);
    if (rc)
        return rc;
    if (xf->kind == XM_FAULT_STALL)
        return sc_req_duration(c, f, "for", &xf->stall);
    return cJSON_GetObjectItemCaseSensitive(f, "for") ? sc_fail_at(c, "for", "only a \"stall\" lasts") : 0;
}

static int parse_xmodem(sc_pctx *c, const cJSON *o, sc_step *st)
{
    sc_xmodem *x = &st->xm;
    long block = 1024, port = 0;
    char *check = NULL, *outcome = NULL;
    st->within = DEFAULT_XMODEM_WITHIN;
    size_t mark = sc_push_key(c, "xmodem");
    int rc = sc_blob_value(c, cJSON_GetObjectItemCaseSensitive(o, "xmodem"), &x->data);
    sc_pop(c, mark);
    if (rc || sc_opt_int(c, o, "block", 128, 1024, &block) < 0 || sc_opt_int(c, o, "port", 0, 1, &port) < 0 ||
        sc_opt_duration(c, o, "within", &st->within) < 0 || sc_opt_string(c, o, "check", &check) < 0 ||
        sc_opt_string(c, o, "outcome", &outcome) < 0)
        rc = -1;
    if (!rc && block != 128 && block != 1024)
        rc = sc_fail_at(c, "block", "expected 128 or 1024, got %ld", block);
    x->block = (unsigned)block;
    st->port = (int)port;
    x->crc = -1;
    if (!rc && check) {
        if (!strcmp(check, "crc") || !strcmp(check, "checksum"))
            x->crc = check[1] == 'r';
        else if (strcmp(check, "auto"))
            rc = sc_fail_at(c, "check", "expected \"crc\", \"checksum\" or \"auto\", got \"%s\"", check);
    }
    static const char *const outcomes[] = { "complete", "cancelled", "failed", "any" };
    x->outcome = XM_OUT_COMPLETE;
    if (!rc && outcome) {
        rc = sc_fail_at(c, "outcome", "expected \"complete\", \"cancelled\", \"failed\" or \"any\", got \"%s\"",
                        outcome);
        for (size_t k = 0; k < 4; k++)
            if (!strcmp(outcome, outcomes[k]))
                x->outcome = (sc_xm_outcome)k, rc = 0;
    }
    free(check);
    free(outcome);
    const cJSON *faults = cJSON_GetObjectItemCaseSensitive(o, "faults");
    if (rc || !faults)
        return rc;
    if (!cJSON_IsArray(faults))
        return sc_fail_at(c, "faults", "expected an array of {\"block\": n, \"fault\": ...}");
    x->faults = calloc((size_t)cJSON_GetArraySize(faults) + 1, sizeof(*x->faults));
    if (!x->faults)
        return sc_fail(c, "out of memory");
    mark = sc_push_key(c, "faults");
    for (const cJSON *f = faults->child; f && !rc; f = f->next) {
        size_t m2 = sc_push_index(c, x->nfaults);
        rc = parse_xm_fault(c, f, &x->faults[x->nfaults++]);
        sc_pop(c, m2);
    }
    sc_pop(c, mark);
    return rc;
}

static int parse_sha256(sc_pctx *c, const cJSON *o, sc_assert *a)
{
    char *hex = NULL;
    int rc = sc_opt_string(c, o, "sha256", &hex);
    if (rc)
        return rc < 0 ? -1 : 0;
    rc = strlen(hex) == 64 ? 0 : -1;
    for (size_t i = 0; !rc && i < 32; i++) {
        unsigned v = 0;
        if (!isxdigit((unsigned char)hex[2 * i]) || !isxdigit((unsigned char)hex[2 * i + 1]) ||
            sscanf(hex + 2 * i, "%2x", &v) != 1)
            rc = -1;
        a->sha256[i] = (uint8_t)v;
    }
    if (rc)
        sc_fail_at(c, "sha256", "expected 64 hex digits, got \"%.70s\"", hex);
    free(hex);
    a->has_sha256 = rc == 0;
    return rc;
}

/* "equals": a string, number or boolean, kept as text. */
static int parse_equals(sc_pctx *c, const cJSON *o, sc_assert *a)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "equals");
    char buf[64];
    if (cJSON_IsString(v))
        a->equals = strdup(v->valuestring);
    else if (cJSON_IsNumber(v) && v->valuedouble == (double)(long long)v->valuedouble)
        snprintf(buf, sizeof(buf), "%lld", (long long)v->valuedouble), a->equals = strdup(buf);
    else if (cJSON_IsNumber(v))
        snprintf(buf, sizeof(buf), "%g", v->valuedouble), a->equals = strdup(buf);
    else if (cJSON_IsBool(v))
        a->equals = strdup(cJSON_IsTrue(v) ? "true" : "false");
    else
        return sc_fail_at(c, "equals", "expected the value to compare with (a string, number or boolean)");
    return a->equals ? 0 : sc_fail(c, "out of memory");
}

static int parse_assert(sc_pctx *c, const cJSON *o, sc_step *st)
{
    static const char *const kinds[] = { "file", "no_file", "firmware", "setting", "state" };
    static const char *const keys[][8] = {
        { "assert", "name", "tag", "content", "sha256", "size", "note", NULL },
        { "assert", "name", "tag", "note", NULL },
        { "assert", "equals", "note", NULL },
        { "assert", "key", "equals", "note", NULL },
        { "assert", "key", "equals", "note", NULL },
    };
    sc_assert *a = &st->as;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "assert");
    size_t k = 0;
    while (k < 5 && !(cJSON_IsString(v) && !strcmp(v->valuestring, kinds[k])))
        k++;
    if (k == 5)
        return sc_fail_at(c, "assert", "expected \"file\", \"no_file\", \"firmware\", \"setting\" or \"state\"");
    a->kind = (sc_assert_kind)k;
    a->size = -1;
    if (sc_check_keys(c, o, keys[k]))
        return -1;
    long long size = -1;
    long lsize;
    switch (a->kind) {
    case AS_FILE:
        if (sc_opt_int(c, o, "size", 0, 1L << 30, &lsize) == 0)
            size = lsize;
        a->size = size;
        if (cJSON_GetObjectItemCaseSensitive(o, "content")) {
            size_t mark = sc_push_key(c, "content");
            int rc = sc_bytes_value(c, cJSON_GetObjectItemCaseSensitive(o, "content"), &a->content);
            sc_pop(c, mark);
            if (rc)
                return -1;
            a->has_content = 1;
        }
        if (parse_sha256(c, o, a))
            return -1;
        __attribute__((fallthrough)); /* a file has a name and a tag too */
    case AS_NO_FILE:
        if (sc_req_string(c, o, "name", &a->name) || sc_opt_string(c, o, "tag", &a->tag) < 0)
            return -1;
        if (!a->tag && !(a->tag = strdup("USER")))
            return sc_fail(c, "out of memory");
        return 0;
    case AS_FIRMWARE: return parse_equals(c, o, a);
    case AS_SETTING: {
        nvm_id id;
        if (sc_req_string(c, o, "key", &a->key))
            return -1;
        if (nvm_lookup(a->key, &id))
            return sc_fail_at(c, "key", "unknown setting; expected a key of sim/nvm_table.h like \"+UMNOPROF\"");
        return parse_equals(c, o, a);
    }
    case AS_STATE:
        if (sc_req_string(c, o, "key", &a->key))
            return -1;
        return parse_equals(c, o, a);
    }
    return 0;
}

static int parse_send(sc_pctx *c, const cJSON *o, sc_step *st, var_scope *vs)
{
    long port = 0;
    if (sc_opt_int(c, o, "port", 0, 1, &port) < 0)
        return -1;
    st->port = (int)port;
    size_t mark = sc_push_key(c, "send");
    int rc = sc_bytes_value(c, cJSON_GetObjectItemCaseSensitive(o, "send"), &st->bytes);
    if (!rc)
        rc = check_vars(c, &st->bytes, vs);
    sc_pop(c, mark);
    return rc;
}

static int parse_send_file(sc_pctx *c, const cJSON *o, sc_step *st)
{
    long port = 0, chunk = 0;
    size_t mark = sc_push_key(c, "send_file");
    int rc = sc_blob_value(c, cJSON_GetObjectItemCaseSensitive(o, "send_file"), &st->bytes);
    sc_pop(c, mark);
    if (rc || sc_opt_int(c, o, "port", 0, 1, &port) < 0 || sc_opt_int(c, o, "chunk", 1, 1L << 30, &chunk) < 0 ||
        sc_opt_duration(c, o, "interval", &st->interval) < 0)
        return -1;
    st->port = (int)port;
    st->chunk = (size_t)chunk;
    if (st->interval && !chunk)
        return sc_fail_at(c, "interval", "only meaningful with \"chunk\"");
    return 0;
}

static int parse_step_body(sc_pctx *c, const cJSON *o, sc_step *st, const scenario *sc, var_scope *vs)
{
    static const char *const keys[][10] = {
        [STEP_SEND] = { "send", "port", "note", NULL },
        [STEP_EXPECT] = { "expect", "within", "exact", "capture", "port", "note", NULL },
        [STEP_EXPECT_NOT] = { "expect_not", "within", "port", "note", NULL },
        [STEP_WAIT] = { "wait", "note", NULL },
        [STEP_SET_BAUD] = { "set_baud", "port", "note", NULL },
        [STEP_SEND_FILE] = { "send_file", "chunk", "interval", "port", "note", NULL },
        [STEP_XMODEM] = { "xmodem", "block", "check", "faults", "outcome", "within", "port", "note", NULL },
        [STEP_ASSERT] = { NULL },
        [STEP_DO] = { NULL },
    };
    static const char *const do_extra[] = { "note", NULL };
    if (st->kind != STEP_ASSERT && st->kind != STEP_DO && sc_check_keys(c, o, keys[st->kind]))
        return -1;
    switch (st->kind) {
    case STEP_SEND: return parse_send(c, o, st, vs);
    case STEP_EXPECT:
    case STEP_EXPECT_NOT: return parse_expect(c, o, st, sc, vs);
    case STEP_WAIT: return sc_req_duration(c, o, "wait", &st->wait);
    case STEP_SET_BAUD: {
        long rate, port = 0;
        if (sc_req_int(c, o, "set_baud", 300, 4000000, &rate) || sc_opt_int(c, o, "port", 0, 1, &port) < 0)
            return -1;
        st->rate = (uint32_t)rate;
        st->port = (int)port;
        return 0;
    }
    case STEP_SEND_FILE: return parse_send_file(c, o, st);
    case STEP_XMODEM: return parse_xmodem(c, o, st);
    case STEP_ASSERT: return parse_assert(c, o, st);
    case STEP_DO: return sc_parse_action(c, o, do_extra, &st->act);
    }
    return 0;
}

static int parse_step(sc_pctx *c, const cJSON *o, sc_step *st, const scenario *sc, var_scope *vs)
{
    snprintf(st->path, sizeof(st->path), "%s", c->path);
    if (sc_expect_object(c, o, "a step like {\"send\": \"AT\\r\"} or {\"expect\": \"OK\"}"))
        return -1;
    int found = -1;
    for (size_t k = 0; k < NSTEPS; k++) {
        if (!cJSON_GetObjectItemCaseSensitive(o, step_names[k]))
            continue;
        if (found >= 0)
            return sc_fail(c, "a step does one thing; it has both \"%s\" and \"%s\"", step_names[found], step_names[k]);
        found = (int)k;
    }
    if (found < 0)
        return sc_fail(c, "expected one of \"send\", \"expect\", \"expect_not\", \"wait\", \"set_baud\", "
                          "\"send_file\", \"xmodem\", \"assert\" or \"do\"");
    st->kind = (sc_step_kind)found;
    return parse_step_body(c, o, st, sc, vs);
}

/* ---------------- top level ---------------- */

static int parse_requires(sc_pctx *c, const cJSON *r, scenario *sc)
{
    if (!r)
        return 0;
    size_t mark = sc_push_key(c, "requires");
    int rc = cJSON_IsArray(r) ? 0 : sc_fail(c, "expected an array like [\"fs\"]");
    size_t i = 0;
    for (const cJSON *it = rc ? NULL : r->child; it && !rc; it = it->next, i++) {
        size_t m2 = sc_push_index(c, i);
        if (!cJSON_IsString(it) || !caps_known(it->valuestring))
            rc = sc_fail(c, "expected a capability (%s)", caps_feature_list());
        else
            rc = push_string(c, &sc->requires, &sc->nrequires, it->valuestring);
        sc_pop(c, m2);
    }
    sc_pop(c, mark);
    return rc;
}

static int parse_vars(sc_pctx *c, const cJSON *v, scenario *sc, var_scope *vs)
{
    if (!v)
        return 0;
    size_t mark = sc_push_key(c, "vars");
    int rc = cJSON_IsObject(v) ? 0 : sc_fail(c, "expected an object of strings like {\"apn\": \"internet\"}");
    sc->vars = calloc((size_t)cJSON_GetArraySize(v) + 1, sizeof(*sc->vars));
    if (!rc && !sc->vars)
        rc = sc_fail(c, "out of memory");
    for (const cJSON *it = rc ? NULL : v->child; it && !rc; it = it->next) {
        if (!valid_name(it->string) || !cJSON_IsString(it))
            rc = sc_fail_at(c, it->string, "expected a string value and a name of letters, digits and '_'");
        else if (!(sc->vars[sc->nvars].name = strdup(it->string)) ||
                 !(sc->vars[sc->nvars++].value = strdup(it->valuestring)))
            rc = sc_fail(c, "out of memory");
        else
            rc = push_string(c, &vs->names, &vs->n, it->string);
    }
    sc_pop(c, mark);
    return rc;
}

static int parse_list(sc_pctx *c, const cJSON *root, const char *key, size_t elem, void **out, size_t *n)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, key);
    *n = 0;
    if (!a)
        return 0;
    if (!cJSON_IsArray(a))
        return sc_fail_at(c, key, "expected an array");
    *out = calloc((size_t)cJSON_GetArraySize(a) + 1, elem);
    return *out ? 0 : sc_fail(c, "out of memory");
}

static int parse_world(sc_pctx *c, const cJSON *root, scenario *sc)
{
    if (parse_list(c, root, "world", sizeof(*sc->world), (void **)&sc->world, &sc->nworld))
        return -1;
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, "world");
    size_t mark = sc_push_key(c, "world");
    int rc = 0;
    for (const cJSON *it = a ? a->child : NULL; it && !rc; it = it->next) {
        size_t m2 = sc_push_index(c, sc->nworld);
        rc = sc_parse_world_event(c, it, &sc->world[sc->nworld++]);
        sc_pop(c, m2);
    }
    for (size_t i = 0; !rc && i < sc->nworld; i++) { /* "fired X" must name an event */
        const sc_trigger *t = &sc->world[i].trig;
        int known = t->kind != TRIG_FIRED;
        for (size_t j = 0; j < sc->nworld && !known; j++)
            known = sc->world[j].id && !strcmp(sc->world[j].id, t->arg);
        if (!known) {
            size_t m2 = sc_push_index(c, i);
            rc = sc_fail_at(c, "when", "no world event has \"id\": \"%s\"", t->arg);
            sc_pop(c, m2);
        }
    }
    sc_pop(c, mark);
    return rc;
}

static int parse_host(sc_pctx *c, const cJSON *root, scenario *sc, var_scope *vs)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, "host");
    if (!a)
        return 0;
    if (!cJSON_IsArray(a))
        return sc_fail_at(c, "host", "expected an array of steps");
    sc_flat fl;
    size_t mark = sc_push_key(c, "host");
    int rc = sc_flatten_steps(c, a, &fl);
    sc_pop(c, mark);
    if (!rc && !(sc->host = calloc(fl.n + 1, sizeof(*sc->host))))
        rc = sc_fail(c, "out of memory");
    for (size_t i = 0; !rc && i < fl.n; i++) {
        const sc_flat_step *f = &fl.v[i];
        sc_pctx sub = { f->file, f->dir, "", c->err, c->errlen };
        snprintf(sub.path, sizeof(sub.path), "%s", f->path);
        sc_step *st = &sc->host[sc->nhost++];
        rc = parse_step(&sub, f->obj, st, sc, vs);
        if (f->file != c->file) { /* an included step: say where it comes from */
            size_t fl_len = strlen(f->file) < sizeof(st->path) / 2 ? strlen(f->file) : sizeof(st->path) / 2;
            memcpy(st->path, f->file, fl_len);
            st->path[fl_len] = ' ';
            size_t rest = sizeof(st->path) - fl_len - 2;
            size_t pl = strlen(f->path) < rest ? strlen(f->path) : rest;
            memcpy(st->path + fl_len + 1, f->path, pl);
            st->path[fl_len + 1 + pl] = 0;
        }
    }
    sc_flat_free(&fl);
    return rc;
}

/* Capabilities the file needs without saying so. */
static int add_implied_requires(sc_pctx *c, scenario *sc)
{
    int fs = sc->device.nfiles > 0, xm = 0;
    for (size_t i = 0; i < sc->nhost; i++) {
        const sc_step *st = &sc->host[i];
        xm |= st->kind == STEP_XMODEM;
        fs |= st->kind == STEP_ASSERT && (st->as.kind == AS_FILE || st->as.kind == AS_NO_FILE);
    }
    if (fs && push_string(c, &sc->requires, &sc->nrequires, "fs"))
        return -1;
    return xm ? push_string(c, &sc->requires, &sc->nrequires, "xmodem") : 0;
}

static int default_name(scenario *sc, const char *file)
{
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    size_t n = strlen(base);
    if (n > 5 && !strcmp(base + n - 5, ".json"))
        n -= 5;
    sc->name = strndup(base, n);
    return sc->name ? 0 : -1;
}

static int parse_root(sc_pctx *c, const cJSON *root, scenario *sc)
{
    static const char *const keys[] = { "name", "description", "requires", "exact", "within", "limit",
                                        "vars", "device", "world", "host", "note", NULL };
    var_scope vs = { NULL, 0 };
    int rc = sc_expect_object(c, root, "a scenario object with \"device\", \"world\" and \"host\"");
    if (!rc)
        rc = sc_check_keys(c, root, keys) || sc_opt_string(c, root, "name", &sc->name) < 0 ||
             sc_opt_string(c, root, "description", &sc->description) < 0 ||
             sc_opt_bool(c, root, "exact", &sc->exact) < 0 ||
             sc_opt_duration(c, root, "within", &sc->default_within) < 0 ||
             sc_opt_duration(c, root, "limit", &sc->limit) < 0 ||
             parse_requires(c, cJSON_GetObjectItemCaseSensitive(root, "requires"), sc) ||
             parse_vars(c, cJSON_GetObjectItemCaseSensitive(root, "vars"), sc, &vs);
    if (!rc) {
        size_t mark = sc_push_key(c, "device");
        rc = parse_device(c, cJSON_GetObjectItemCaseSensitive(root, "device"), &sc->device);
        sc_pop(c, mark);
    }
    if (!rc)
        rc = parse_world(c, root, sc) || parse_host(c, root, sc, &vs) || add_implied_requires(c, sc);
    free_strings(vs.names, vs.n);
    return rc ? -1 : 0;
}

static void scenario_defaults(scenario *sc)
{
    memset(sc, 0, sizeof(*sc));
    device_cfg_default(&sc->device.dev);
    sc->device.powered = 1;
    sc->device.net_time_base = DEFAULT_NET_TIME;
    sc->default_within = DEFAULT_WITHIN;
    sc->limit = DEFAULT_LIMIT;
}

/* "file:line:col: not valid JSON" */
static void json_syntax_error(const char *file, const char *text, size_t len, const char *at, char *err,
                              size_t errlen)
{
    size_t off = at && at >= text && at <= text + len ? (size_t)(at - text) : 0;
    int line = 1, col = 1;
    for (size_t i = 0; i < off; i++, col++)
        if (text[i] == '\n')
            line++, col = 0;
    bytebuf near;
    bytebuf_init(&near);
    trace_escape(&near, (const uint8_t *)text + off, off < len ? (len - off < 20 ? len - off : 20) : 0);
    snprintf(err, errlen, "%s:%d:%d: expected valid JSON (an object), near \"%s\"", file, line, col,
             near.data ? (const char *)near.data : "");
    bytebuf_free(&near);
}

int scenario_parse(scenario *sc, const char *file, const char *dir, const char *text, size_t len, char *err,
                   size_t errlen)
{
    scenario_defaults(sc);
    sc_pctx c = { file, dir, "$", err, errlen };
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!root) {
        json_syntax_error(file, text, len, end ? end : cJSON_GetErrorPtr(), err, errlen);
        return -1;
    }
    int rc = (sc->file = strdup(file)) && (sc->dir = strdup(dir ? dir : ".")) ? 0 : sc_fail(&c, "out of memory");
    if (!rc)
        rc = parse_root(&c, root, sc);
    if (!rc && !sc->name && default_name(sc, file))
        rc = sc_fail(&c, "out of memory");
    cJSON_Delete(root);
    if (rc)
        scenario_free(sc);
    return rc;
}

int scenario_load(scenario *sc, const char *path, char *err, size_t errlen)
{
    scenario_defaults(sc);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    bytebuf text;
    bytebuf_init(&text);
    char buf[8192];
    size_t n;
    int rc = 0;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0 && !rc)
        rc = bytebuf_append(&text, buf, n);
    if (ferror(f) || rc) {
        snprintf(err, errlen, "%s: cannot read", path);
        fclose(f);
        bytebuf_free(&text);
        return -1;
    }
    fclose(f);
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
    if (dir && !dir[0]) {
        free(dir);
        dir = strdup("/");
    }
    rc = dir ? scenario_parse(sc, path, dir, text.data ? (const char *)text.data : "", text.len, err, errlen) : -1;
    free(dir);
    bytebuf_free(&text);
    return rc;
}

/* ---------------- free & describe ---------------- */

static void step_free(sc_step *st)
{
    sc_bytes_free(&st->bytes);
    if (st->is_re)
        regfree(&st->re);
    free(st->re_src);
    free_strings(st->captures, st->ncaptures);
    sc_bytes_free(&st->xm.data);
    free(st->xm.faults);
    sc_bytes_free(&st->as.content);
    free(st->as.tag);
    free(st->as.name);
    free(st->as.key);
    free(st->as.equals);
    sc_action_free(&st->act);
}

void scenario_free(scenario *sc)
{
    for (size_t i = 0; i < sc->nhost; i++)
        step_free(&sc->host[i]);
    free(sc->host);
    for (size_t i = 0; i < sc->nworld; i++) {
        sc_trigger_free(&sc->world[i].trig);
        sc_action_free(&sc->world[i].act);
        free(sc->world[i].id);
    }
    free(sc->world);
    for (size_t i = 0; i < sc->device.nnvm; i++) {
        free(sc->device.nvm[i].key);
        free(sc->device.nvm[i].s);
    }
    free(sc->device.nvm);
    for (size_t i = 0; i < sc->device.nfiles; i++) {
        free(sc->device.files[i].tag);
        free(sc->device.files[i].name);
        sc_bytes_free(&sc->device.files[i].content);
    }
    free(sc->device.files);
    for (size_t i = 0; i < sc->nvars; i++) {
        free(sc->vars[i].name);
        free(sc->vars[i].value);
    }
    free(sc->vars);
    free_strings(sc->requires, sc->nrequires);
    free(sc->file);
    free(sc->dir);
    free(sc->name);
    free(sc->description);
    memset(sc, 0, sizeof(*sc));
}

static void describe_bytes(bytebuf *b, const sc_bytes *by, size_t max)
{
    bytebuf_append_byte(b, '"');
    trace_escape(b, by->data, by->len < max ? by->len : max);
    bytebuf_append_str(b, by->len > max ? "\"..." : "\"");
}

void scenario_step_describe(const scenario *sc, const sc_step *st, char *buf, size_t size)
{
    (void)sc;
    bytebuf b;
    bytebuf_init(&b);
    char d[32];
    bytebuf_appendf(&b, "%s ", step_names[st->kind]);
    switch (st->kind) {
    case STEP_SEND: describe_bytes(&b, &st->bytes, 80); break;
    case STEP_EXPECT:
    case STEP_EXPECT_NOT:
        if (st->is_re) {
            bytebuf_append_byte(&b, '/');
            trace_escape(&b, (const uint8_t *)st->re_src, strlen(st->re_src));
            bytebuf_append_byte(&b, '/');
        } else
            describe_bytes(&b, &st->bytes, 80);
        dur_format(st->within, d, sizeof(d));
        bytebuf_appendf(&b, " within %s%s", d, st->kind == STEP_EXPECT && st->exact ? " (exact)" : "");
        break;
    case STEP_WAIT: dur_format(st->wait, d, sizeof(d)), bytebuf_append_str(&b, d); break;
    case STEP_SET_BAUD: bytebuf_appendf(&b, "%u", (unsigned)st->rate); break;
    case STEP_SEND_FILE: bytebuf_appendf(&b, "(%zu bytes)", st->bytes.len); break;
    case STEP_XMODEM:
        bytebuf_appendf(&b, "(%zu bytes, %u-byte blocks, %zu fault%s)", st->xm.data.len, st->xm.block,
                        st->xm.nfaults, st->xm.nfaults == 1 ? "" : "s");
        break;
    case STEP_ASSERT: {
        static const char *const k[] = { "file", "no_file", "firmware", "setting", "state" };
        bytebuf_appendf(&b, "%s", k[st->as.kind]);
        if (st->as.name)
            bytebuf_appendf(&b, " %s/%s", st->as.tag, st->as.name);
        if (st->as.key)
            bytebuf_appendf(&b, " %s", st->as.key);
        if (st->as.equals)
            bytebuf_appendf(&b, " == \"%s\"", st->as.equals);
        break;
    }
    case STEP_DO: bytebuf_append_str(&b, st->act.text); break;
    }
    snprintf(buf, size, "%s", b.data ? (const char *)b.data : "");
    bytebuf_free(&b);
}
