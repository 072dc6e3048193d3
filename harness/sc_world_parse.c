/* sc_world_parse.c - triggers ("at", "when") and actions ("do") of a
 * scenario's world, also used by the host's "do" step. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lwm2m_service.h"
#include "protocol/at.h"
#include "protocol/package.h"
#include "sim/modem.h"
#include "sc_parse.h"

/* ---------------- actions ---------------- */

#define ACTION_KEYS_MAX 28

typedef struct action_def {
    const char *name;
    sc_act_kind kind;
    const char *keys[ACTION_KEYS_MAX]; /* parameter fields, NULL-terminated */
} action_def;

/* Later issues add their world actions here (one row) or reach any
 * control-channel command through "control". */
static const action_def action_defs[] = {
    { "power_cut", ACT_POWER_CUT, { NULL } },
    { "power_on", ACT_POWER_ON, { NULL } },
    { "reset", ACT_RESET, { NULL } },
    { "signal_loss", ACT_SIGNAL, { NULL } },
    { "signal_restore", ACT_SIGNAL, { "rsrp", NULL } },
    { "signal", ACT_SIGNAL, { "rsrp", NULL } },
    { "corrupt", ACT_UART_FAULT, { "bytes", "dir", "port", NULL } },
    { "drop", ACT_UART_FAULT, { "bytes", "dir", "port", NULL } },
    { "delay", ACT_UART_FAULT, { "bytes", "dir", "port", "for", NULL } },
    { "baud_mismatch", ACT_BAUD_MISMATCH, { "rate", "port", NULL } },
    { "baud_restore", ACT_BAUD_MISMATCH, { "port", NULL } },
    { "override", ACT_OVERRIDE, { "command", "response", "result", "once", NULL } },
    { "override_clear", ACT_OVERRIDE_CLEAR, { "command", NULL } },
    { "control", ACT_CONTROL, { "request", NULL } },
    { "host", ACT_HOST,
      { "name", "dns", "dns_delay", "refuse", "unreachable", "stall", "reset_after", "drop", "duplicate", "delay",
        NULL } },
    { "pdp_drop", ACT_PDP_DROP, { NULL } },
    { "easyflash", ACT_EASYFLASH, { "firmware", "size", NULL } },
    { "lwm2m", ACT_LWM2M,
      { "server", "ep", "read", "write", "execute", "observe", "cancel", "discover", "attributes", "fault", "value",
        "accept", "format", "partial", "args", "reactive", "pmin", "pmax", "gt", "lt", "st", "code", "count", "to",
        "on", NULL } },
};
#define NACTIONS (sizeof(action_defs) / sizeof(action_defs[0]))

void sc_action_free(sc_action *a)
{
    free(a->text);
    free(a->pattern);
    free(a->info);
    free(a->request);
    free(a->host);
    sc_lwm2m_act_free(a->lwm2m);
    memset(a, 0, sizeof(*a));
}

static const action_def *find_action(const char *name)
{
    for (size_t i = 0; i < NACTIONS; i++)
        if (!strcmp(action_defs[i].name, name))
            return &action_defs[i];
    return NULL;
}

static int fail_unknown_action(sc_pctx *c, const cJSON *v)
{
    char got[64], list[512] = "";
    sc_describe(v, got, sizeof(got));
    for (size_t i = 0; i < NACTIONS; i++) {
        size_t l = strlen(list);
        snprintf(list + l, sizeof(list) - l, "%s%s", i ? ", " : "", action_defs[i].name);
    }
    return sc_fail_at(c, "do", "expected an action (%s), got %s", list, got);
}

/* "OK", "ERROR", "+CME ERROR: 10", "+CME ERROR: SIM not inserted",
 * "+CMS ERROR: 500", "NO CARRIER", ..., "none" (no final result). */
static int parse_result(const char *s, int *out)
{
    static const struct { const char *text; int code; } finals[] = {
        { "OK", AT_OK },         { "ERROR", AT_ERROR },     { "NO CARRIER", AT_NO_CARRIER },
        { "BUSY", AT_BUSY },     { "NO ANSWER", AT_NO_ANSWER }, { "NO DIALTONE", AT_NO_DIALTONE },
        { "CONNECT", AT_CONNECT }, { "none", AT_SILENT },
    };
    for (size_t i = 0; i < sizeof(finals) / sizeof(finals[0]); i++) {
        if (!strcmp(s, finals[i].text)) {
            *out = finals[i].code;
            return 0;
        }
    }
    int cms = !strncmp(s, "+CMS ERROR: ", 12);
    if (strncmp(s, "+CME ERROR: ", 12) && !cms)
        return -1;
    const char *arg = s + 12;
    char *end;
    long n = strtol(arg, &end, 10);
    if (end != arg && !*end && n >= 0 && n < 0x10000) {
        *out = cms ? AT_CMS((int)n) : AT_CME((int)n);
        return 0;
    }
    if (cms)
        return -1;
    for (int code = 0; code < 1000; code++) { /* verbose text of a known code */
        if (!strcasecmp(at_cme_text(code), arg) && (code == 100 || strcmp(arg, "unknown"))) {
            *out = AT_CME(code);
            return 0;
        }
    }
    return -1;
}

/* "response": one line or an array of lines, joined with '\n'. */
static int parse_response(sc_pctx *c, const cJSON *obj, char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "response");
    if (!v)
        return 0;
    if (cJSON_IsString(v))
        return sc_opt_string(c, obj, "response", out) < 0 ? -1 : 0;
    if (!cJSON_IsArray(v))
        return sc_fail_at(c, "response", "expected a line or an array of lines");
    size_t total = 1;
    for (const cJSON *l = v->child; l; l = l->next) {
        if (!cJSON_IsString(l) || strchr(l->valuestring, '\n'))
            return sc_fail_at(c, "response", "expected an array of strings without line breaks");
        total += strlen(l->valuestring) + 1;
    }
    char *s = calloc(1, total);
    if (!s)
        return sc_fail(c, "out of memory");
    for (const cJSON *l = v->child; l; l = l->next) {
        strcat(s, l->valuestring);
        if (l->next)
            strcat(s, "\n");
    }
    *out = s;
    return 0;
}

static int parse_override(sc_pctx *c, const cJSON *obj, sc_action *a)
{
    if (sc_req_string(c, obj, "command", &a->pattern) || parse_response(c, obj, &a->info))
        return -1;
    char *res = NULL;
    int rc = sc_opt_string(c, obj, "result", &res);
    a->result = AT_OK;
    if (rc == 0 && parse_result(res, &a->result)) {
        sc_fail_at(c, "result",
                   "expected \"OK\", \"ERROR\", \"+CME ERROR: <n or text>\", \"+CMS ERROR: <n>\", "
                   "\"NO CARRIER\" or \"none\", got \"%s\"",
                   res);
        rc = -1;
    }
    free(res);
    return rc < 0 || sc_opt_bool(c, obj, "once", &a->once) < 0 ? -1 : 0;
}

static int parse_wire_fault(sc_pctx *c, const cJSON *obj, const char *name, sc_action *a)
{
    long bytes, port = 0;
    char *dir = NULL;
    if (sc_req_int(c, obj, "bytes", 1, 1L << 30, &bytes) < 0 || sc_opt_int(c, obj, "port", 0, 1, &port) < 0 ||
        sc_opt_string(c, obj, "dir", &dir) < 0)
        return -1;
    a->count = (size_t)bytes;
    a->port = (int)port;
    a->dir = WIRE_TO_HOST;
    a->fault = !strcmp(name, "corrupt") ? WIRE_CORRUPT : !strcmp(name, "drop") ? WIRE_DROP : WIRE_DELAY;
    int rc = 0;
    if (dir && !strcmp(dir, "to_module"))
        a->dir = WIRE_TO_MODULE;
    else if (dir && strcmp(dir, "to_host"))
        rc = sc_fail_at(c, "dir", "expected \"to_host\" (module output) or \"to_module\" (host input), got \"%s\"",
                        dir);
    free(dir);
    if (!rc && a->fault == WIRE_DELAY)
        rc = sc_req_duration(c, obj, "for", &a->delay);
    return rc;
}

static int parse_action_params(sc_pctx *c, const cJSON *obj, const action_def *d, sc_action *a)
{
    long v = 0;
    switch (d->kind) {
    case ACT_SIGNAL:
        a->lost = !strcmp(d->name, "signal_loss");
        if (!strcmp(d->name, "signal"))
            return sc_req_int(c, obj, "rsrp", -140, -44, &v) < 0 ? -1 : (a->rsrp = (int)v, 0);
        if (sc_opt_int(c, obj, "rsrp", -140, -44, &v) < 0)
            return -1;
        a->rsrp = (int)v;
        return 0;
    case ACT_UART_FAULT: return parse_wire_fault(c, obj, d->name, a);
    case ACT_BAUD_MISMATCH:
        if (sc_opt_int(c, obj, "port", 0, 1, &v) < 0)
            return -1;
        a->port = (int)v;
        if (!strcmp(d->name, "baud_restore"))
            return 0;
        if (sc_req_int(c, obj, "rate", 300, 4000000, &v) < 0)
            return -1;
        a->rate = (uint32_t)v;
        return 0;
    case ACT_OVERRIDE: return parse_override(c, obj, a);
    case ACT_OVERRIDE_CLEAR: return sc_opt_string(c, obj, "command", &a->pattern) < 0 ? -1 : 0;
    case ACT_HOST:
        if (sc_req_string(c, obj, "name", &a->host) < 0 ||
            sc_parse_faults(c, obj, 0, &a->faults, &a->fault_mask) < 0)
            return -1;
        return a->fault_mask ? 0 : sc_fail(c, "expected at least one fault (\"dns\", \"refuse\", \"stall\", ...)");
    case ACT_LWM2M: return sc_parse_lwm2m_action(c, obj, a);
    case ACT_EASYFLASH:
        if (sc_req_string(c, obj, "firmware", &a->info) < 0 ||
            sc_opt_int(c, obj, "size", 1, MODEM_EASYFLASH_MAX, &v) < 0)
            return -1;
        a->count = v ? (size_t)v : MODEM_EASYFLASH_DEFAULT;
        return pkg_version_valid(a->info) ? 0
                                          : sc_fail_at(c, "firmware", "expected \"MM.mm,Axx.yy\" like \"03.16,A00.01\", "
                                                                      "got \"%s\"", a->info);
    case ACT_CONTROL: {
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(obj, "request");
        if (!cJSON_IsObject(r) || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(r, "cmd")))
            return sc_fail_at(c, "request", "expected a control request object like {\"cmd\": \"power_cut\"}");
        a->request = cJSON_PrintUnformatted(r);
        return a->request ? 0 : sc_fail(c, "out of memory");
    }
    default: return 0;
    }
}

int sc_parse_action(sc_pctx *c, const cJSON *obj, const char *const *extra, sc_action *a)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "do");
    const action_def *d = cJSON_IsString(v) ? find_action(v->valuestring) : NULL;
    if (!d)
        return fail_unknown_action(c, v);
    const char *keys[24 + ACTION_KEYS_MAX + 2];
    size_t n = 0;
    keys[n++] = "do";
    for (const char *const *k = extra; *k && n < 24; k++)
        keys[n++] = *k;
    for (size_t i = 0; d->keys[i]; i++)
        keys[n++] = d->keys[i];
    keys[n] = NULL;
    if (sc_check_keys(c, obj, keys))
        return -1;
    a->kind = d->kind;
    a->text = strdup(d->name);
    if (!a->text)
        return sc_fail(c, "out of memory");
    return parse_action_params(c, obj, d, a);
}

/* ---------------- triggers ---------------- */

void sc_trigger_free(sc_trigger *t)
{
    free(t->text);
    free(t->arg);
    if (t->has_re)
        regfree(&t->re);
    for (size_t i = 0; i < t->nwords; i++)
        free(t->words[i]);
    free(t->words);
    for (size_t i = 0; i < t->nfields; i++) {
        free(t->fields[i].key);
        free(t->fields[i].value);
    }
    free(t->fields);
    memset(t, 0, sizeof(*t));
}

static int fail_when(sc_pctx *c, const char *s, const char *why)
{
    return sc_fail_at(c, "when",
                      "%s; expected a trigger like \"urc +UFWUPD: 40\", \"line OK\", \"line /re/\", \"tx >\", "
                      "\"rx AT+UFWUPD\", \"state READY\", \"xmodem block 12\", \"download 4096\", "
                      "\"ev net stat=5\", \"ev /re/\" or \"fired <id>\", got \"%.60s\"",
                      why, s);
}

static int add_word(sc_trigger *t, const char *w, size_t n)
{
    char **nw = realloc(t->words, (t->nwords + 1) * sizeof(*nw));
    if (!nw)
        return -1;
    t->words = nw;
    return (t->words[t->nwords] = strndup(w, n)) ? (t->nwords++, 0) : -1;
}

/* "key=value", "key>=n", "key<=n" */
static int add_field(sc_trigger *t, const char *tok, size_t n)
{
    const char *eq = memchr(tok, '=', n);
    sc_ev_field f = { 0 };
    size_t klen = (size_t)(eq - tok);
    if (eq > tok && (eq[-1] == '>' || eq[-1] == '<')) {
        f.op = eq[-1] == '>' ? EVF_GE : EVF_LE;
        klen--;
        char buf[32];
        size_t vlen = n - (size_t)(eq + 1 - tok);
        if (!vlen || vlen >= sizeof(buf))
            return 1;
        memcpy(buf, eq + 1, vlen);
        buf[vlen] = 0;
        char *end;
        f.num = strtoll(buf, &end, 10);
        if (*end)
            return 1;
    } else {
        f.op = EVF_EQ;
        f.value = strndup(eq + 1, n - (size_t)(eq + 1 - tok));
    }
    if (!klen) {
        free(f.value);
        return 1;
    }
    f.key = strndup(tok, klen);
    sc_ev_field *nf = f.key && (f.op != EVF_EQ || f.value) ? realloc(t->fields, (t->nfields + 1) * sizeof(*nf))
                                                            : NULL;
    if (!nf) {
        free(f.key);
        free(f.value);
        return -1;
    }
    t->fields = nf;
    t->fields[t->nfields++] = f;
    return 0;
}

/* Space-separated words and fields of an "ev" pattern.  1 = malformed. */
static int parse_ev_tokens(sc_trigger *t, const char *s)
{
    while (*s) {
        while (*s == ' ')
            s++;
        size_t n = strcspn(s, " ");
        if (!n)
            break;
        int rc = memchr(s, '=', n) ? add_field(t, s, n) : add_word(t, s, n);
        if (rc)
            return rc;
        s += n;
    }
    return t->nwords || t->nfields ? 0 : 1;
}

static int is_regex_arg(const char *s)
{
    size_t n = strlen(s);
    return n >= 2 && s[0] == '/' && s[n - 1] == '/';
}

static int compile_arg_regex(sc_pctx *c, const char *key, sc_trigger *t, const char *arg)
{
    char *src = strndup(arg + 1, strlen(arg) - 2);
    if (!src)
        return sc_fail(c, "out of memory");
    size_t mark = sc_push_key(c, key);
    int rc = sc_regex(c, src, &t->re);
    sc_pop(c, mark);
    free(src);
    t->has_re = rc == 0;
    return rc;
}

static int set_arg(sc_pctx *c, sc_trigger *t, const char *arg)
{
    t->arg = strdup(arg);
    t->arg_len = strlen(arg);
    return t->arg ? 0 : sc_fail(c, "out of memory");
}

/* `whole`: the trigger as written, for "when"'s message (NULL otherwise). */
static int parse_event_pattern(sc_pctx *c, const char *key, const char *s, const char *whole, sc_trigger *t)
{
    if (is_regex_arg(s)) {
        t->kind = TRIG_EV_RE;
        return compile_arg_regex(c, key, t, s);
    }
    t->kind = TRIG_EV;
    int rc = parse_ev_tokens(t, s);
    if (rc < 0)
        return sc_fail(c, "out of memory");
    if (rc && whole)
        return fail_when(c, whole, "malformed event pattern");
    if (rc)
        return sc_fail_at(c, key, "malformed event pattern; expected words and fields like \"lwm2m server register "
                                  "lt=86400\", \"net stat=5\", \"xmodem block n>=3\" or \"/regex/\", got \"%.60s\"", s);
    return 0;
}

int sc_parse_event_pattern(sc_pctx *c, const char *key, const char *s, sc_trigger *t)
{
    return parse_event_pattern(c, key, s, NULL, t);
}

static int parse_sugar(sc_pctx *c, sc_trigger *t, const char *kind, const char *arg, const char *s)
{
    char buf[160];
    t->kind = TRIG_EV;
    if (!strcmp(kind, "xmodem")) {
        unsigned long n;
        char tail;
        if (sscanf(arg, "block %lu%c", &n, &tail) != 1)
            return fail_when(c, s, "\"xmodem\" takes \"block <n>\"");
        snprintf(buf, sizeof(buf), "xmodem block n=%lu", n);
    } else {
        char *end;
        unsigned long long n = strtoull(arg, &end, 10);
        if (end == arg || (*end && *end != ' '))
            return fail_when(c, s, "\"download\" takes a byte count, then optional name=<file> tag=<tag>");
        snprintf(buf, sizeof(buf), "fs download bytes>=%llu%s", n, end);
    }
    int rc = parse_ev_tokens(t, buf);
    return rc < 0 ? sc_fail(c, "out of memory") : rc ? fail_when(c, s, "malformed fields") : 0;
}

static int parse_when(sc_pctx *c, const char *s, sc_trigger *t)
{
    const char *sp = strchr(s, ' ');
    if (!sp || !sp[1])
        return fail_when(c, s, "missing what to wait for");
    char kind[16];
    size_t kl = (size_t)(sp - s);
    if (kl >= sizeof(kind))
        return fail_when(c, s, "unknown trigger kind");
    memcpy(kind, s, kl);
    kind[kl] = 0;
    const char *arg = sp + 1;
    if (!strcmp(kind, "urc") || !strcmp(kind, "line")) {
        t->kind = is_regex_arg(arg) ? TRIG_LINE_RE : TRIG_LINE;
        return t->kind == TRIG_LINE_RE ? compile_arg_regex(c, "when", t, arg) : set_arg(c, t, arg);
    }
    if (!strcmp(kind, "tx") || !strcmp(kind, "rx")) {
        t->kind = kind[0] == 't' ? TRIG_TX : TRIG_RX;
        return set_arg(c, t, arg);
    }
    if (!strcmp(kind, "state") || !strcmp(kind, "fired")) {
        if (strchr(arg, ' '))
            return fail_when(c, s, "expected one word after the kind");
        t->kind = kind[0] == 's' ? TRIG_STATE : TRIG_FIRED;
        return set_arg(c, t, arg);
    }
    if (!strcmp(kind, "ev"))
        return parse_event_pattern(c, "when", arg, s, t);
    if (!strcmp(kind, "xmodem") || !strcmp(kind, "download"))
        return parse_sugar(c, t, kind, arg, s);
    return fail_when(c, s, "unknown trigger kind");
}

static int parse_trigger(sc_pctx *c, const cJSON *obj, sc_trigger *t)
{
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(obj, "at");
    const cJSON *when = cJSON_GetObjectItemCaseSensitive(obj, "when");
    long port = -1;
    if ((at != NULL) == (when != NULL))
        return sc_fail(c, "expected exactly one of \"at\" (a simulated time) or \"when\" (a trigger)");
    if (at) {
        t->kind = TRIG_AT;
        if (sc_req_duration(c, obj, "at", &t->at))
            return -1;
        t->text = malloc(strlen("at ") + (cJSON_IsString(at) ? strlen(at->valuestring) : 0) + 1);
        if (!t->text)
            return sc_fail(c, "out of memory");
        sprintf(t->text, "at %s", at->valuestring);
        return 0;
    }
    if (!cJSON_IsString(when))
        return fail_when(c, "", "not a string");
    if (sc_opt_int(c, obj, "when_port", 0, 1, &port) < 0)
        return -1;
    t->port = (int)port;
    if (!(t->text = strdup(when->valuestring)))
        return sc_fail(c, "out of memory");
    return parse_when(c, when->valuestring, t);
}

int sc_parse_world_event(sc_pctx *c, const cJSON *obj, sc_world_event *ev)
{
    static const char *const common[] = { "at", "when", "when_port", "do", "after", "repeat", "id", "note", NULL };
    snprintf(ev->path, sizeof(ev->path), "%s", c->path);
    ev->trig.port = -1;
    if (sc_expect_object(c, obj, "a world event like {\"at\": \"90s\", \"do\": \"power_cut\"}") ||
        parse_trigger(c, obj, &ev->trig) || sc_parse_action(c, obj, common, &ev->act) ||
        sc_opt_duration(c, obj, "after", &ev->delay) < 0 || sc_opt_bool(c, obj, "repeat", &ev->repeat) < 0 ||
        sc_opt_string(c, obj, "id", &ev->id) < 0)
        return -1;
    if (ev->repeat && ev->trig.kind == TRIG_AT)
        return sc_fail_at(c, "repeat", "an \"at\" event happens once; use \"when\" to repeat");
    return 0;
}
