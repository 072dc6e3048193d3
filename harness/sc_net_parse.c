/* sc_net_parse.c - a scenario's world behind the radio: "world": {"hosts":
 * [...]} and the faults of a host (docs/network.md).  Also reads the same
 * JSON for `sarasim --world FILE` and the "host" control command. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "campaign.h"
#include "ftp_service.h"
#include "sc_json.h"
#include "sc_parse.h"

/* One step of a scripted service. */
static int parse_script_step(sc_pctx *c, const cJSON *o, nw_step *st)
{
    static const char *const keys[] = { "expect", "send", "wait", "close", "reset", "note", NULL };
    if (sc_expect_object(c, o, "a step like {\"expect\": \"GET\"}, {\"send\": \"...\"}, {\"wait\": \"1s\"}, "
                               "{\"close\": true} or {\"reset\": true}") ||
        sc_check_keys(c, o, keys))
        return -1;
    int n = 0;
    for (const char *const *k = keys; *k && strcmp(*k, "note"); k++)
        n += cJSON_GetObjectItemCaseSensitive(o, *k) != NULL;
    if (n != 1)
        return sc_fail(c, "expected exactly one of \"expect\", \"send\", \"wait\", \"close\", \"reset\"");
    const cJSON *v;
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "wait"))) {
        st->kind = NW_STEP_WAIT;
        size_t mark = sc_push_key(c, "wait");
        int rc = sc_duration_value(c, v, &st->wait);
        sc_pop(c, mark);
        return rc;
    }
    if (cJSON_GetObjectItemCaseSensitive(o, "close")) {
        st->kind = NW_STEP_CLOSE;
        return 0;
    }
    if (cJSON_GetObjectItemCaseSensitive(o, "reset")) {
        st->kind = NW_STEP_RESET;
        return 0;
    }
    const char *key = cJSON_GetObjectItemCaseSensitive(o, "expect") ? "expect" : "send";
    st->kind = !strcmp(key, "expect") ? NW_STEP_EXPECT : NW_STEP_SEND;
    size_t mark = sc_push_key(c, key);
    sc_bytes b = { 0 };
    /* what a host sends may be a file or a generated pattern too */
    v = cJSON_GetObjectItemCaseSensitive(o, key);
    int rc = st->kind == NW_STEP_SEND && cJSON_IsObject(v) ? sc_blob_value(c, v, &b) : sc_bytes_value(c, v, &b);
    sc_pop(c, mark);
    if (rc)
        return -1;
    if (b.has_vars) {
        sc_bytes_free(&b);
        return sc_fail_at(c, key, "variables (${...}) are not expanded in a host's script");
    }
    if (st->kind == NW_STEP_EXPECT && !b.len) {
        sc_bytes_free(&b);
        return sc_fail_at(c, key, "expected the bytes to wait for, got nothing");
    }
    st->data = b.data;
    st->len = b.len;
    return 0;
}

static int parse_service(sc_pctx *c, const cJSON *o, nw_service_cfg *s)
{
    static const char *const keys[] = { "tcp", "udp", "serve", "script", "note", NULL };
    static const char *what =
        "a service like {\"tcp\": 7, \"serve\": \"echo\"} (serve: echo, sink, script, lwm2m, coap-files, ftp)";
    if (sc_expect_object(c, o, what))
        return -1;
    const cJSON *sv = cJSON_GetObjectItemCaseSensitive(o, "serve");
    if (cJSON_IsString(sv) && !strcmp(sv->valuestring, "ftp")) /* harness/ftp_service.h */
        return ftp_service_parse(c, o, s);
    int lwm2m = cJSON_IsString(sv) && !strcmp(sv->valuestring, "lwm2m");
    int cfiles = cJSON_IsString(sv) && !strcmp(sv->valuestring, "coap-files");
    if (!lwm2m && !cfiles && sc_check_keys(c, o, keys))
        return -1;
    int tcp = cJSON_GetObjectItemCaseSensitive(o, "tcp") != NULL;
    int udp = cJSON_GetObjectItemCaseSensitive(o, "udp") != NULL;
    if (tcp == udp)
        return sc_fail(c, "expected exactly one of \"tcp\" and \"udp\" (the port)");
    long port;
    if (sc_req_int(c, o, tcp ? "tcp" : "udp", 1, 65535, &port) < 0)
        return -1;
    s->proto = tcp ? IP_TCP : IP_UDP;
    s->port = (uint16_t)port;
    if (lwm2m)
        return sc_parse_lwm2m_service(c, o, s);
    if (cfiles)
        return sc_parse_coap_files_service(c, o, s);
    char *serve = NULL;
    if (sc_req_string(c, o, "serve", &serve) < 0)
        return -1;
    int rc = 0;
    if (!strcmp(serve, "echo"))
        s->kind = NW_SVC_ECHO;
    else if (!strcmp(serve, "sink"))
        s->kind = NW_SVC_SINK;
    else if (!strcmp(serve, "script"))
        s->kind = NW_SVC_SCRIPT;
    else
        rc = sc_fail_at(c, "serve",
                        "expected \"echo\", \"sink\", \"script\", \"lwm2m\", \"coap-files\" or \"ftp\", got \"%s\"",
                        serve);
    free(serve);
    if (rc)
        return -1;
    const cJSON *script = cJSON_GetObjectItemCaseSensitive(o, "script");
    if ((s->kind == NW_SVC_SCRIPT) != (script != NULL))
        return sc_fail_at(c, "script", s->kind == NW_SVC_SCRIPT ? "a script service needs its \"script\" steps"
                                                                : "only \"serve\": \"script\" takes a script");
    if (!script)
        return 0;
    size_t mark = sc_push_key(c, "script");
    if (!cJSON_IsArray(script) || !cJSON_GetArraySize(script)) {
        rc = sc_fail(c, "expected a non-empty array of steps");
    } else {
        s->steps = calloc((size_t)cJSON_GetArraySize(script), sizeof(*s->steps));
        rc = s->steps ? 0 : sc_fail(c, "out of memory");
        for (const cJSON *it = script->child; it && !rc; it = it->next) {
            size_t m2 = sc_push_index(c, s->nsteps);
            rc = parse_script_step(c, it, &s->steps[s->nsteps++]);
            sc_pop(c, m2);
        }
    }
    sc_pop(c, mark);
    return rc;
}

const char *const sc_fault_keys[] = { "dns", "dns_delay", "refuse", "unreachable", "stall", "reset_after",
                                      "drop", "duplicate", "delay", NULL };

int sc_parse_faults(sc_pctx *c, const cJSON *o, int check_keys, nw_faults *f, unsigned *mask)
{
    const char *keys[16];
    size_t n = 0;
    for (size_t i = 0; sc_fault_keys[i]; i++)
        keys[n++] = sc_fault_keys[i];
    keys[n++] = "note";
    keys[n] = NULL;
    if (check_keys && sc_check_keys(c, o, keys))
        return -1;
    *mask = 0;
    char *dns = NULL;
    int rc = sc_opt_string(c, o, "dns", &dns);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        if (strcmp(dns, "fail") && strcmp(dns, "ok")) {
            free(dns);
            return sc_fail_at(c, "dns", "expected \"fail\" or \"ok\"");
        }
        f->dns_fail = !strcmp(dns, "fail");
        *mask |= NWF_DNS;
        free(dns);
    }
    long v;
    int b;
    if ((rc = sc_opt_duration(c, o, "dns_delay", &f->dns_delay)) < 0)
        return -1;
    *mask |= rc == 0 ? NWF_DNS_DELAY : 0;
    if ((rc = sc_opt_bool(c, o, "refuse", &b)) < 0)
        return -1;
    if (rc == 0) {
        f->refuse = b;
        *mask |= NWF_REFUSE;
    }
    if ((rc = sc_opt_bool(c, o, "unreachable", &b)) < 0)
        return -1;
    if (rc == 0) {
        f->unreachable = b;
        *mask |= NWF_UNREACHABLE;
    }
    if ((rc = sc_opt_bool(c, o, "stall", &b)) < 0)
        return -1;
    if (rc == 0) {
        f->stall = b;
        *mask |= NWF_STALL;
    }
    if ((rc = sc_opt_int(c, o, "reset_after", 0, 1L << 40, &v)) < 0)
        return -1;
    if (rc == 0) {
        f->reset_after = (uint64_t)v;
        *mask |= NWF_RESET_AFTER;
    }
    if ((rc = sc_opt_int(c, o, "drop", 0, 1000000, &v)) < 0)
        return -1;
    if (rc == 0) {
        f->drop = (unsigned)v;
        *mask |= NWF_DROP;
    }
    if ((rc = sc_opt_int(c, o, "duplicate", 0, 1000000, &v)) < 0)
        return -1;
    if (rc == 0) {
        f->duplicate = (unsigned)v;
        *mask |= NWF_DUPLICATE;
    }
    if ((rc = sc_opt_duration(c, o, "delay", &f->delay)) < 0)
        return -1;
    *mask |= rc == 0 ? NWF_DELAY : 0;
    return 0;
}

void nw_faults_apply(nw_faults *dst, const nw_faults *src, unsigned mask)
{
    if (mask & NWF_DNS)
        dst->dns_fail = src->dns_fail;
    if (mask & NWF_DNS_DELAY)
        dst->dns_delay = src->dns_delay;
    if (mask & NWF_REFUSE)
        dst->refuse = src->refuse;
    if (mask & NWF_UNREACHABLE)
        dst->unreachable = src->unreachable;
    if (mask & NWF_STALL)
        dst->stall = src->stall;
    if (mask & NWF_RESET_AFTER)
        dst->reset_after = src->reset_after;
    if (mask & NWF_DROP)
        dst->drop = src->drop;
    if (mask & NWF_DUPLICATE)
        dst->duplicate = src->duplicate;
    if (mask & NWF_DELAY)
        dst->delay = src->delay;
}

static int parse_host(sc_pctx *c, const cJSON *o, nw_host_cfg *h)
{
    static const char *const keys[] = { "name", "ip", "real", "services", "faults", "note", NULL };
    if (sc_expect_object(c, o, "a host like {\"name\": \"echo.test\", \"services\": [{\"tcp\": 7, \"serve\": "
                               "\"echo\"}]}") ||
        sc_check_keys(c, o, keys) || sc_req_string(c, o, "name", &h->name) < 0)
        return -1;
    if (!h->name[0] || strlen(h->name) > 253)
        return sc_fail_at(c, "name", "expected a host name of 1 to 253 characters");
    char *ip = NULL;
    int rc = sc_opt_string(c, o, "ip", &ip);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        rc = ip4_parse(ip, &h->ip) || !h->ip ? sc_fail_at(c, "ip", "expected an IPv4 address like \"203.0.113.7\", "
                                                                     "got \"%s\"", ip)
                                             : 0;
        free(ip);
        if (rc)
            return -1;
    }
    if (sc_opt_string(c, o, "real", &h->real) < 0)
        return -1;
    const cJSON *svcs = cJSON_GetObjectItemCaseSensitive(o, "services");
    if (svcs && h->real)
        return sc_fail_at(c, "services", "a \"real\" host is served by the real network, not by services");
    if (svcs) {
        size_t mark = sc_push_key(c, "services");
        if (!cJSON_IsArray(svcs)) {
            rc = sc_fail(c, "expected an array of services");
        } else {
            h->svcs = calloc((size_t)cJSON_GetArraySize(svcs) + 1, sizeof(*h->svcs));
            rc = h->svcs ? 0 : sc_fail(c, "out of memory");
            for (const cJSON *it = svcs->child; it && !rc; it = it->next) {
                size_t m2 = sc_push_index(c, h->nsvcs);
                rc = parse_service(c, it, &h->svcs[h->nsvcs++]);
                sc_pop(c, m2);
                for (size_t k = 0; !rc && k + 1 < h->nsvcs; k++)
                    if (h->svcs[k].proto == h->svcs[h->nsvcs - 1].proto &&
                        h->svcs[k].port == h->svcs[h->nsvcs - 1].port)
                        rc = sc_fail(c, "two services on %s port %u", h->svcs[k].proto == IP_TCP ? "TCP" : "UDP",
                                     (unsigned)h->svcs[k].port);
            }
        }
        sc_pop(c, mark);
        if (rc || sc_check_lwm2m_host(c, h))
            return -1;
    }
    const cJSON *faults = cJSON_GetObjectItemCaseSensitive(o, "faults");
    if (faults) {
        size_t mark = sc_push_key(c, "faults");
        unsigned mask;
        rc = sc_expect_object(c, faults, "an object of faults like {\"dns\": \"fail\"}") ||
             sc_parse_faults(c, faults, 1, &h->faults, &mask);
        sc_pop(c, mark);
        if (rc)
            return -1;
    }
    return 0;
}

int sc_parse_hosts(sc_pctx *c, const cJSON *arr, nw_config *net)
{
    size_t mark = sc_push_key(c, "hosts");
    int rc = 0;
    if (!cJSON_IsArray(arr)) {
        rc = sc_fail(c, "expected an array of hosts");
    } else {
        net->hosts = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*net->hosts));
        rc = net->hosts ? 0 : sc_fail(c, "out of memory");
        for (const cJSON *it = arr->child; it && !rc; it = it->next) {
            size_t m2 = sc_push_index(c, net->nhosts);
            rc = parse_host(c, it, &net->hosts[net->nhosts++]);
            for (size_t k = 0; !rc && k + 1 < net->nhosts; k++) {
                const nw_host_cfg *a = &net->hosts[k], *b = &net->hosts[net->nhosts - 1];
                if (!strcasecmp(a->name, b->name))
                    rc = sc_fail_at(c, "name", "a host named \"%s\" is already declared", b->name);
                else if (a->ip && a->ip == b->ip)
                    rc = sc_fail_at(c, "ip", "the address is already %s's", a->name);
            }
            sc_pop(c, m2);
        }
    }
    sc_pop(c, mark);
    return rc;
}

int sc_load_world_file(const char *path, nw_config *net, char *err, size_t errlen)
{
    bytebuf text;
    bytebuf_init(&text);
    memset(net, 0, sizeof(*net));
    int rc = sc_read_text(path, &text);
    if (rc) {
        snprintf(err, errlen, "%s: %s", path, sc_read_error(rc));
        bytebuf_free(&text);
        return -1;
    }
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
    else
        snprintf(dir, sizeof(dir), ".");
    sc_pctx c = { path, dir, "$", err, errlen };
    cJSON *root = cJSON_ParseWithLength((const char *)text.data, text.len);
    bytebuf_free(&text);
    if (!root) {
        snprintf(err, errlen, "%s: not valid JSON", path);
        return -1;
    }
    static const char *const keys[] = { "hosts", "note", NULL };
    rc = sc_expect_object(&c, root, "an object like {\"hosts\": [...]}") || sc_check_keys(&c, root, keys);
    const cJSON *hosts = cJSON_GetObjectItemCaseSensitive(root, "hosts");
    if (!rc && hosts)
        rc = sc_parse_hosts(&c, hosts, net);
    cJSON_Delete(root);
    if (rc)
        nw_config_free(net);
    return rc ? -1 : 0;
}

int sc_host_faults_json(networld *w, const cJSON *req, char *err, size_t errlen)
{
    sc_pctx c = { "control", ".", "$", err, errlen };
    static const char *const extra[] = { "cmd", "name", NULL };
    const char *keys[20];
    size_t n = 0;
    for (size_t i = 0; extra[i]; i++)
        keys[n++] = extra[i];
    for (size_t i = 0; sc_fault_keys[i]; i++)
        keys[n++] = sc_fault_keys[i];
    keys[n] = NULL;
    char *name = NULL;
    nw_faults f = { 0 }, cur;
    unsigned mask = 0;
    if (sc_check_keys(&c, req, keys) || sc_req_string(&c, req, "name", &name) < 0 ||
        sc_parse_faults(&c, req, 0, &f, &mask) < 0) {
        free(name);
        return -1;
    }
    int rc = 0;
    if (!w || networld_get_faults(w, name, &cur)) {
        snprintf(err, errlen, "host \"%s\": no such simulated host", name);
        rc = -1;
    } else {
        nw_faults_apply(&cur, &f, mask);
        networld_set_faults(w, name, &cur);
    }
    free(name);
    return rc;
}
