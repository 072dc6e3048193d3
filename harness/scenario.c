/* scenario.c - scenario files: top level and device (format in
 * docs/scenarios.md; host steps in sc_host_parse.c, world events in
 * sc_world_parse.c). */
#include "scenario.h"
#include "campaign.h"

#include "sim/json_int.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "caps.h"
#include "sc_parse.h"
#include "sim/nvm.h"
#include "sim/trace.h"

#define DEFAULT_WITHIN SIM_S(5)
#define DEFAULT_LIMIT SIM_S(48 * 3600)
#define DEFAULT_NET_TIME 1767225600 /* 2026-01-01T00:00:00Z: fixed, so runs repeat */

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

/* One RAT's link: {"down_bps": 300000, "up_bps": 250000, "latency": "50ms"}. */
static int parse_link_rat(sc_pctx *c, const cJSON *o, link_cfg *l)
{
    static const char *const keys[] = { "down_bps", "up_bps", "latency", "note", NULL };
    long down = (long)l->down_bps, up = (long)l->up_bps;
    if (sc_expect_object(c, o, "an object like {\"down_bps\": 300000, \"up_bps\": 250000, \"latency\": \"50ms\"} "
                               "(0 bps: no limit)") ||
        sc_check_keys(c, o, keys) || sc_opt_int(c, o, "down_bps", 0, 1000000000L, &down) < 0 ||
        sc_opt_int(c, o, "up_bps", 0, 1000000000L, &up) < 0 || sc_opt_duration(c, o, "latency", &l->latency) < 0)
        return -1;
    l->down_bps = (uint64_t)down;
    l->up_bps = (uint64_t)up;
    return 0;
}

/* "link": "off" (no rate limit, no latency) or {"m1": {...}, "nb": {...}}. */
static int parse_link(sc_pctx *c, const cJSON *o, device_cfg *d)
{
    if (cJSON_IsString(o) && !strcmp(o->valuestring, "off")) {
        memset(d->link, 0, sizeof(d->link));
        return 0;
    }
    static const char *const keys[] = { "m1", "nb", "note", NULL };
    if (sc_expect_object(c, o, "\"off\" or an object like {\"m1\": {\"down_bps\": 300000}}") ||
        sc_check_keys(c, o, keys))
        return -1;
    static const char *const rats[LINK__COUNT] = { "m1", "nb" };
    for (int i = 0; i < LINK__COUNT; i++) {
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(o, rats[i]);
        if (!r)
            continue;
        size_t mark = sc_push_key(c, rats[i]);
        int rc = parse_link_rat(c, r, &d->link[i]);
        sc_pop(c, mark);
        if (rc)
            return -1;
    }
    return 0;
}

static int parse_reject_apns(sc_pctx *c, const cJSON *a, device_cfg *d)
{
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > 8)
        return sc_fail(c, "expected an array of at most 8 APN strings");
    d->nreject_apns = 0;
    for (const cJSON *it = a->child; it; it = it->next) {
        if (!cJSON_IsString(it) || strlen(it->valuestring) >= sizeof(d->reject_apns[0]))
            return sc_fail(c, "expected APN strings of at most 99 characters");
        snprintf(d->reject_apns[d->nreject_apns++], sizeof(d->reject_apns[0]), "%s", it->valuestring);
    }
    return 0;
}

static int parse_network(sc_pctx *c, const cJSON *o, device_cfg *d)
{
    static const char *const keys[] = { "plmn", "operator", "rsrp", "rsrq", "link", "reject_apns", "note", NULL };
    long rsrp = d->rsrp_dbm, rsrq = d->rsrq_db;
    if (sc_expect_object(c, o, "an object like {\"plmn\": \"310410\", \"rsrp\": -85}") || sc_check_keys(c, o, keys) ||
        sc_opt_strbuf(c, o, "plmn", d->plmn, sizeof(d->plmn)) < 0 ||
        sc_opt_strbuf(c, o, "operator", d->oper_name, sizeof(d->oper_name)) < 0 ||
        sc_opt_int(c, o, "rsrp", -140, -44, &rsrp) < 0 || sc_opt_int(c, o, "rsrq", -20, -3, &rsrq) < 0)
        return -1;
    d->rsrp_dbm = (int)rsrp;
    d->rsrq_db = (int)rsrq;
    const cJSON *link = cJSON_GetObjectItemCaseSensitive(o, "link");
    if (link) {
        size_t mark = sc_push_key(c, "link");
        int rc = parse_link(c, link, d);
        sc_pop(c, mark);
        if (rc)
            return -1;
    }
    const cJSON *rej = cJSON_GetObjectItemCaseSensitive(o, "reject_apns");
    if (rej) {
        size_t mark = sc_push_key(c, "reject_apns");
        int rc = parse_reject_apns(c, rej, d);
        sc_pop(c, mark);
        if (rc)
            return -1;
    }
    return 0;
}

/* {"profiles": [90, 100], "servers": {"721": "coap://host:5683"},
 * "psk": "identity:hexkey"}: the same as sarasim's --lwm2m-* flags. */
static int parse_lwm2m(sc_pctx *c, const cJSON *o, device_cfg *d)
{
    static const char *const keys[] = { "profiles", "servers", "psk", "note", NULL };
    char err[256];
    if (sc_expect_object(c, o, "an object like {\"profiles\": [90, 100], \"servers\": {\"721\": \"coap://...\"}}") ||
        sc_check_keys(c, o, keys))
        return -1;
    const cJSON *pr = cJSON_GetObjectItemCaseSensitive(o, "profiles");
    if (pr) {
        if (!cJSON_IsArray(pr) || cJSON_GetArraySize(pr) > DEV_LWM2M_PROFILES)
            return sc_fail_at(c, "profiles", "expected an array of at most %d MNO profile numbers", DEV_LWM2M_PROFILES);
        d->lwm2m.nprofiles = 0;
        for (const cJSON *it = pr->child; it; it = it->next) {
            long v;
            if (!cJSON_IsNumber(it) || !json_int(it->valuedouble, &v) || v < 0 || v > 255)
                return sc_fail_at(c, "profiles", "expected MNO profile numbers 0-255");
            d->lwm2m.profiles[d->lwm2m.nprofiles++] = (int)v;
        }
    }
    const cJSON *sv = cJSON_GetObjectItemCaseSensitive(o, "servers");
    if (sv) {
        if (!cJSON_IsObject(sv))
            return sc_fail_at(c, "servers", "expected an object of server id -> uri, like {\"721\": \"coap://...\"}");
        for (const cJSON *it = sv->child; it; it = it->next) {
            char arg[DEV_LWM2M_URI_MAX + 16];
            snprintf(arg, sizeof arg, "%s=%s", it->string, cJSON_IsString(it) ? it->valuestring : "");
            if (device_lwm2m_server_arg(d, arg, err, sizeof err)) {
                size_t mark = sc_push_key(c, "servers");
                sc_fail_at(c, it->string, "%s", err);
                sc_pop(c, mark);
                return -1;
            }
        }
    }
    const cJSON *psk = cJSON_GetObjectItemCaseSensitive(o, "psk");
    if (psk && (!cJSON_IsString(psk) || device_lwm2m_psk_arg(d, psk->valuestring, err, sizeof err)))
        return sc_fail_at(c, "psk", "%s", cJSON_IsString(psk) ? err : "expected \"identity:hexkey\"");
    return 0;
}

/* Timing profile: every key of the one table (sim/timing.h). */
static int parse_timing(sc_pctx *c, const cJSON *o, device_cfg *d)
{
    const char *keys[TIM__COUNT + 2];
    for (int i = 0; i < TIM__COUNT; i++)
        keys[i] = timing_key((tim_id)i);
    keys[TIM__COUNT] = "note";
    keys[TIM__COUNT + 1] = NULL;
    if (sc_expect_object(c, o, "an object like {\"boot\": \"5s\"} (keys in docs/timing.md)") ||
        sc_check_keys(c, o, keys))
        return -1;
    for (int i = 0; i < TIM__COUNT; i++)
        if (sc_opt_duration(c, o, timing_key((tim_id)i), &d->timing[i]) < 0)
            return -1;
    return 0;
}

static int add_nvm(sc_pctx *c, sc_device *dv, const char *key, const cJSON *v)
{
    nvm_id id;
    size_t mark = sc_push_key(c, key);
    int rc = 0;
    long iv = 0;
    if (nvm_lookup(key, &id))
        rc = sc_fail(c, "unknown setting; expected a key of sim/nvm_table.h like \"+UMNOPROF\" or \"+CSGT.text\"");
    else if (nvm_scope_of(id) == NVM_VOLATILE)
        rc = sc_fail(c, "a volatile setting is lost at every boot; set it from the host script");
    else if (nvm_type_of(id) == NVM_INT && (!cJSON_IsNumber(v) || !json_int(v->valuedouble, &iv)))
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
            dv->nvm[i].i = iv;
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
    p->i = iv;
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
                                        "powered", "network_time", "lwm2m", "install_urc_table_spelling",
                                        "note", NULL };
    device_cfg *d = &dv->dev;
    if (!o)
        return 0;
    if (sc_expect_object(c, o, "an object describing the module") || sc_check_keys(c, o, keys) ||
        sc_opt_strbuf(c, o, "model", d->model, sizeof(d->model)) < 0 ||
        sc_opt_strbuf(c, o, "product", d->product, sizeof(d->product)) < 0 ||
        sc_opt_strbuf(c, o, "firmware", d->firmware, sizeof(d->firmware)) < 0 ||
        sc_opt_strbuf(c, o, "imei", d->imei, sizeof(d->imei)) < 0 || sc_opt_bool(c, o, "aux_uart", &dv->aux_uart) < 0 ||
        sc_opt_bool(c, o, "pacing", &dv->pacing) < 0 || sc_opt_bool(c, o, "powered", &dv->powered) < 0 ||
        sc_opt_bool(c, o, "install_urc_table_spelling", &d->install_urc_table_spelling) < 0 ||
        (dv->net_time_set = parse_net_time(c, o, &dv->net_time_base)) < 0)
        return -1;
    dv->net_time_set = dv->net_time_set == 0;
    static const struct {
        const char *key;
        int (*fn)(sc_pctx *, const cJSON *, device_cfg *);
    } subs[] = { { "sim", parse_sim }, { "network", parse_network }, { "timing", parse_timing },
                 { "lwm2m", parse_lwm2m } };
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
            rc = sc_add_unique(c, &sc->requires, &sc->nrequires, it->valuestring);
        sc_pop(c, m2);
    }
    sc_pop(c, mark);
    return rc;
}

static int parse_vars(sc_pctx *c, const cJSON *v, scenario *sc, sc_var_scope *vs)
{
    if (!v)
        return 0;
    size_t mark = sc_push_key(c, "vars");
    int rc = cJSON_IsObject(v) ? 0 : sc_fail(c, "expected an object of strings like {\"apn\": \"internet\"}");
    sc->vars = calloc((size_t)cJSON_GetArraySize(v) + 1, sizeof(*sc->vars));
    if (!rc && !sc->vars)
        rc = sc_fail(c, "out of memory");
    for (const cJSON *it = rc ? NULL : v->child; it && !rc; it = it->next) {
        if (!sc_valid_name(it->string) || !cJSON_IsString(it))
            rc = sc_fail_at(c, it->string, "expected a string value and a name of letters, digits and '_'");
        else if (!(sc->vars[sc->nvars].name = strdup(it->string)) ||
                 !(sc->vars[sc->nvars++].value = strdup(it->valuestring)))
            rc = sc_fail(c, "out of memory");
        else
            rc = sc_add_unique(c, &vs->names, &vs->n, it->string);
    }
    sc_pop(c, mark);
    return rc;
}

/* The world's events: arr is an array (the path already names it). */
static int parse_events(sc_pctx *c, const cJSON *arr, scenario *sc)
{
    if (!cJSON_IsArray(arr))
        return sc_fail(c, "expected an array of world events");
    sc->world = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*sc->world));
    if (!sc->world)
        return sc_fail(c, "out of memory");
    int rc = 0;
    for (const cJSON *it = arr->child; it && !rc; it = it->next) {
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
    return rc;
}

/* "world": an array of events, or {"hosts": [...], "events": [...]}. */
static int parse_world(sc_pctx *c, const cJSON *root, scenario *sc)
{
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(root, "world");
    if (!w)
        return 0;
    size_t mark = sc_push_key(c, "world");
    int rc;
    if (cJSON_IsArray(w)) {
        rc = parse_events(c, w, sc);
    } else {
        static const char *const keys[] = { "hosts", "events", "campaign", "note", NULL };
        rc = sc_expect_object(c, w, "an array of events, or {\"hosts\": [...], \"events\": [...]}") ||
             sc_check_keys(c, w, keys);
        const cJSON *hosts = cJSON_GetObjectItemCaseSensitive(w, "hosts");
        if (!rc && hosts)
            rc = sc_parse_hosts(c, hosts, &sc->net);
        const cJSON *camp = cJSON_GetObjectItemCaseSensitive(w, "campaign");
        if (!rc && camp) {
            size_t m2 = sc_push_key(c, "campaign");
            rc = sc_parse_campaign(c, camp, &sc->campaign);
            sc_pop(c, m2);
        }
        const cJSON *ev = cJSON_GetObjectItemCaseSensitive(w, "events");
        if (!rc && ev) {
            size_t m2 = sc_push_key(c, "events");
            rc = parse_events(c, ev, sc);
            sc_pop(c, m2);
        }
    }
    sc_pop(c, mark);
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
    if (fs && sc_add_unique(c, &sc->requires, &sc->nrequires, "fs"))
        return -1;
    return xm ? sc_add_unique(c, &sc->requires, &sc->nrequires, "xmodem") : 0;
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
    sc_var_scope vs = { NULL, 0 };
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
        rc = parse_world(c, root, sc) || sc_parse_host(c, root, sc, &vs) || add_implied_requires(c, sc);
    sc_free_strings(vs.names, vs.n);
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
    bytebuf text;
    bytebuf_init(&text);
    int rc = sc_read_text(path, &text);
    if (rc) {
        if (rc == -ENOENT || rc == -EACCES)
            snprintf(err, errlen, "%s: %s", path, sc_read_error(rc));
        else
            snprintf(err, errlen, "%s: %s; expected a scenario (JSON) in a regular file of at most %u MB", path,
                     sc_read_error(rc), SC_JSON_MAX >> 20);
        bytebuf_free(&text);
        return -1;
    }
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

/* ---------------- free ---------------- */

void scenario_free(scenario *sc)
{
    for (size_t i = 0; i < sc->nhost; i++)
        sc_step_free(&sc->host[i]);
    free(sc->host);
    for (size_t i = 0; i < sc->nworld; i++) {
        sc_trigger_free(&sc->world[i].trig);
        sc_action_free(&sc->world[i].act);
        free(sc->world[i].id);
    }
    free(sc->world);
    nw_config_free(&sc->net);
    sc_campaign_free(sc->campaign);
    sc->campaign = NULL;
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
    sc_free_strings(sc->requires, sc->nrequires);
    free(sc->file);
    free(sc->dir);
    free(sc->name);
    free(sc->description);
    memset(sc, 0, sizeof(*sc));
}

