/* sc_host_parse.c - the host script of a scenario: steps, their checks and
 * the one-line descriptions reports use. */
#include <ctype.h>

#include "sim/json_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwm2m_service.h"
#include "protocol/dur.h"
#include "sc_parse.h"
#include "sim/nvm.h"
#include "sim/trace.h"

#define DEFAULT_XMODEM_WITHIN SIM_S(3600)

/* Every ${name} in b must be a variable defined before the step. */
static int check_vars(sc_pctx *c, const sc_bytes *b, const sc_var_scope *vs)
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

/* ---------------- host steps ---------------- */

static const char *const step_names[] = {
    [STEP_SEND] = "send",          [STEP_EXPECT] = "expect", [STEP_EXPECT_NOT] = "expect_not",
    [STEP_WAIT] = "wait",          [STEP_SET_BAUD] = "set_baud", [STEP_SEND_FILE] = "send_file",
    [STEP_XMODEM] = "xmodem",      [STEP_ASSERT] = "assert", [STEP_DO] = "do",
    [STEP_EXPECT_EVENT] = "expect_event",
};
#define NSTEPS (sizeof(step_names) / sizeof(step_names[0]))

const char *scenario_step_name(sc_step_kind k) { return step_names[k]; }

/* What an expect (or an xmodem step's "replies") matches: text, {"hex": ...}
 * into st->bytes, or {"regex": ...} into st->re.  c's path is at v. */
static int parse_pattern(sc_pctx *c, const cJSON *v, sc_step *st)
{
    const cJSON *re = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, "regex") : NULL;
    if (!re)
        return sc_bytes_value(c, v, &st->bytes);
    static const char *const keys[] = { "regex", NULL };
    int rc = sc_check_keys(c, v, keys);
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
    return rc;
}

static int parse_expect(sc_pctx *c, const cJSON *o, sc_step *st, const scenario *sc, sc_var_scope *vs)
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
    int rc = parse_pattern(c, v, st);
    if (!rc && !st->is_re && st->bytes.len == 0)
        rc = sc_fail(c, "expected something to wait for, got an empty string");
    if (!rc && !st->is_re)
        rc = check_vars(c, &st->bytes, vs);
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
        if (!cJSON_IsString(n) || !sc_valid_name(n->valuestring))
            return sc_fail_at(c, "capture", "expected variable names of letters, digits and '_'");
        if (sc_add_unique(c, &st->captures, &st->ncaptures, n->valuestring) ||
            sc_add_unique(c, &vs->names, &vs->n, n->valuestring))
            return -1;
    }
    return 0;
}

static int parse_xm_fault(sc_pctx *c, const cJSON *f, sc_xm_fault *xf)
{
    static const char *const keys[] = { "block", "fault", "times", "for", "note", NULL };
    static const char *const kinds[] = { "corrupt", "drop", "duplicate", "stall", "cancel" };
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
                   : sc_fail_at(c, "fault",
                                "expected \"corrupt\", \"drop\", \"duplicate\", \"stall\" or \"cancel\", got \"%s\"",
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
    const cJSON *replies = cJSON_GetObjectItemCaseSensitive(o, "replies");
    if (!rc && replies) {
        mark = sc_push_key(c, "replies");
        rc = parse_pattern(c, replies, st);
        if (!rc && st->bytes.has_vars)
            rc = sc_fail(c, "no ${variables} in replies: write the bytes");
        sc_pop(c, mark);
        x->has_replies = rc == 0;
    }
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
    long n;
    if (cJSON_IsString(v))
        a->equals = strdup(v->valuestring);
    else if (cJSON_IsNumber(v) && json_int(v->valuedouble, &n))
        snprintf(buf, sizeof(buf), "%ld", n), a->equals = strdup(buf);
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
    static const char *const kinds[] = { "file", "no_file", "firmware", "setting", "state", "lwm2m" };
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
    while (k < 6 && !(cJSON_IsString(v) && !strcmp(v->valuestring, kinds[k])))
        k++;
    if (k == 6)
        return sc_fail_at(c, "assert",
                          "expected \"file\", \"no_file\", \"firmware\", \"setting\", \"state\" or \"lwm2m\"");
    a->kind = (sc_assert_kind)k;
    a->size = -1;
    if (a->kind == AS_LWM2M)
        return sc_parse_lwm2m_assert(c, o, a);
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
    case AS_LWM2M: break;
    }
    return 0;
}

/* {"expect_event": "lwm2m server register lt=86400", "within": "60s"} */
static int parse_expect_event(sc_pctx *c, const cJSON *o, sc_step *st, const scenario *sc)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "expect_event");
    st->within = sc->default_within;
    if (sc_opt_duration(c, o, "within", &st->within) < 0)
        return -1;
    if (!cJSON_IsString(v))
        return sc_fail_at(c, "expect_event", "expected an event pattern like \"lwm2m server register lt=86400\" or "
                                             "\"/regex/\"");
    st->event.port = -1;
    if (!(st->event.text = strdup(v->valuestring)))
        return sc_fail(c, "out of memory");
    return sc_parse_event_pattern(c, "expect_event", v->valuestring, &st->event);
}

static int parse_send(sc_pctx *c, const cJSON *o, sc_step *st, sc_var_scope *vs)
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

static int parse_step_body(sc_pctx *c, const cJSON *o, sc_step *st, const scenario *sc, sc_var_scope *vs)
{
    static const char *const keys[][10] = {
        [STEP_SEND] = { "send", "port", "note", NULL },
        [STEP_EXPECT] = { "expect", "within", "exact", "capture", "port", "note", NULL },
        [STEP_EXPECT_NOT] = { "expect_not", "within", "port", "note", NULL },
        [STEP_WAIT] = { "wait", "note", NULL },
        [STEP_SET_BAUD] = { "set_baud", "port", "note", NULL },
        [STEP_SEND_FILE] = { "send_file", "chunk", "interval", "port", "note", NULL },
        [STEP_XMODEM] = { "xmodem", "block", "check", "faults", "outcome", "replies", "within", "port", "note", NULL },
        [STEP_ASSERT] = { NULL },
        [STEP_DO] = { NULL },
        [STEP_EXPECT_EVENT] = { "expect_event", "within", "note", NULL },
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
    case STEP_EXPECT_EVENT: return parse_expect_event(c, o, st, sc);
    }
    return 0;
}

static int parse_step(sc_pctx *c, const cJSON *o, sc_step *st, const scenario *sc, sc_var_scope *vs)
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
        return sc_fail(c, "expected one of \"send\", \"expect\", \"expect_not\", \"expect_event\", \"wait\", "
                          "\"set_baud\", \"send_file\", \"xmodem\", \"assert\" or \"do\"");
    st->kind = (sc_step_kind)found;
    return parse_step_body(c, o, st, sc, vs);
}

int sc_parse_host(sc_pctx *c, const cJSON *root, scenario *sc, sc_var_scope *vs)
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

void sc_step_free(sc_step *st)
{
    sc_bytes_free(&st->bytes);
    if (st->is_re)
        regfree(&st->re);
    free(st->re_src);
    sc_free_strings(st->captures, st->ncaptures);
    sc_bytes_free(&st->xm.data);
    free(st->xm.faults);
    sc_bytes_free(&st->as.content);
    free(st->as.tag);
    free(st->as.name);
    free(st->as.key);
    free(st->as.equals);
    sc_lwm2m_assert_free(st->as.lwm2m);
    sc_action_free(&st->act);
    sc_trigger_free(&st->event);
}

static void describe_bytes(bytebuf *b, const sc_bytes *by, size_t max)
{
    bytebuf_append_byte(b, '"');
    trace_escape(b, by->data, by->len < max ? by->len : max);
    bytebuf_append_str(b, by->len > max ? "\"..." : "\"");
}

static void describe_lwm2m_assert(bytebuf *b, const sc_lwm2m_assert *a)
{
    char path[LWM2M_PATH_STR_MAX];
    if (a->kind == SC_LWA_REGISTERED) {
        bytebuf_appendf(b, "%s%s%s", a->ep ? " " : "", a->ep ? a->ep : "", a->registered ? " registered" : " not registered");
        return;
    }
    lwm2m_path_format(&a->path, path);
    bytebuf_appendf(b, " %s %s", a->kind == SC_LWA_LAST_NOTIFY ? "last_notify" : "last_read", path);
    if (a->value)
        bytebuf_appendf(b, " == \"%s\"", a->value);
}

void scenario_step_describe(const sc_step *st, char *buf, size_t size)
{
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
        bytebuf_appendf(&b, "(%zu bytes, %u-byte blocks, %zu fault%s%s)", st->xm.data.len, st->xm.block,
                        st->xm.nfaults, st->xm.nfaults == 1 ? "" : "s", st->xm.has_replies ? ", replies checked" : "");
        break;
    case STEP_ASSERT: {
        static const char *const k[] = { "file", "no_file", "firmware", "setting", "state", "lwm2m" };
        bytebuf_appendf(&b, "%s", k[st->as.kind]);
        if (st->as.lwm2m)
            describe_lwm2m_assert(&b, st->as.lwm2m);
        if (st->as.name)
            bytebuf_appendf(&b, " %s/%s", st->as.tag, st->as.name);
        if (st->as.key)
            bytebuf_appendf(&b, " %s", st->as.key);
        if (st->as.equals)
            bytebuf_appendf(&b, " == \"%s\"", st->as.equals);
        break;
    }
    case STEP_DO: bytebuf_append_str(&b, st->act.text); break;
    case STEP_EXPECT_EVENT:
        bytebuf_append_byte(&b, '"');
        trace_escape(&b, (const uint8_t *)st->event.text, strlen(st->event.text));
        dur_format(st->within, d, sizeof(d));
        bytebuf_appendf(&b, "\" within %s", d);
        break;
    }
    snprintf(buf, size, "%s", b.data ? (const char *)b.data : "");
    bytebuf_free(&b);
}
