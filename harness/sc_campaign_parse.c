/* sc_campaign_parse.c - a scenario's world.campaign and "serve":
 * "coap-files" services (docs/ufota.md, docs/scenarios.md). */
#include <stdlib.h>
#include <string.h>

#include "campaign.h"
#include "sc_parse.h"

/* The content host the real uFOTA server's URIs name (app note §3.9.1);
 * here it serves CoAP. */
#define DEFAULT_HOST "ucsphttpcontent.services.u-blox.com"

void sc_campaign_free(sc_campaign *sc)
{
    if (!sc)
        return;
    free(sc->server);
    free(sc->host);
    free(sc->path);
    free(sc->uri);
    sc_bytes_free(&sc->package);
    free(sc);
}

/* "server": a host name of the world, or a short server id naming the
 * factory host of that server (sim/lwm2m.h: LWM2M_UFOTA_URI, 721;
 * LWM2M_VERIZON_URI, 102). */
static int parse_server(sc_pctx *c, const cJSON *o, char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "server");
    if (!v || cJSON_IsString(v))
        return sc_opt_string(c, o, "server", out) < 0 ? -1 : 0;
    const char *host = NULL;
    if (cJSON_IsNumber(v) && v->valuedouble == 721)
        host = "ucsplwm2m.services.u-blox.com";
    else if (cJSON_IsNumber(v) && v->valuedouble == 102)
        host = "vzwdm.sarasim.test";
    if (!host)
        return sc_fail_at(c, "server", "expected a host name or a short server id of the module's factory servers "
                                       "(721 u-blox uFOTA, 102 Verizon)");
    return (*out = strdup(host)) ? 0 : sc_fail(c, "out of memory");
}

static int parse_into(sc_pctx *c, const cJSON *o, sc_campaign *sc)
{
    static const char *const keys[] = { "server", "package", "host", "port", "path", "uri", "execute",
                                        "after", "repeat", "queue", "note", NULL };
    if (sc_expect_object(c, o, "a campaign like {\"package\": {\"package\": {...}}, \"execute\": \"when_downloaded\"}") ||
        sc_check_keys(c, o, keys))
        return -1;
    long port = 5683;
    char *execute = NULL;
    if (parse_server(c, o, &sc->server) || sc_opt_string(c, o, "host", &sc->host) < 0 ||
        sc_opt_string(c, o, "path", &sc->path) < 0 || sc_opt_string(c, o, "uri", &sc->uri) < 0 ||
        sc_opt_int(c, o, "port", 1, 65535, &port) < 0 || sc_opt_string(c, o, "execute", &execute) < 0 ||
        sc_opt_duration(c, o, "after", &sc->after) < 0 || sc_opt_bool(c, o, "repeat", &sc->repeat) < 0 ||
        sc_opt_bool(c, o, "queue", &sc->queue) < 0) {
        free(execute);
        return -1;
    }
    sc->port = (uint16_t)port;
    sc->execute = 1;
    if (execute && !strcmp(execute, "never"))
        sc->execute = 0;
    else if (execute && strcmp(execute, "when_downloaded")) {
        free(execute);
        return sc_fail_at(c, "execute", "expected \"when_downloaded\" or \"never\"");
    }
    free(execute);
    const cJSON *pkg = cJSON_GetObjectItemCaseSensitive(o, "package");
    if (!pkg == !sc->uri)
        return sc_fail(c, "expected either \"package\" (served by the campaign's content host) or \"uri\" "
                          "(written as it is)");
    if (pkg) {
        size_t mark = sc_push_key(c, "package");
        int rc = sc_blob_value(c, pkg, &sc->package);
        sc_pop(c, mark);
        if (rc)
            return -1;
    }
    if (sc->path && sc->path[0] != '/')
        return sc_fail_at(c, "path", "expected a path starting with '/', got \"%s\"", sc->path);
    if ((!sc->host && !(sc->host = strdup(DEFAULT_HOST))) || (!sc->path && !(sc->path = strdup("/fw/delta.bin"))))
        return sc_fail(c, "out of memory");
    return 0;
}

int sc_parse_campaign(sc_pctx *c, const cJSON *o, sc_campaign **out)
{
    sc_campaign *sc = calloc(1, sizeof *sc);
    if (!sc)
        return sc_fail(c, "out of memory");
    if (parse_into(c, o, sc)) {
        sc_campaign_free(sc);
        return -1;
    }
    *out = sc;
    return 0;
}

int sc_parse_coap_files_service(sc_pctx *c, const cJSON *o, nw_service_cfg *s)
{
    static const char *const keys[] = { "udp", "serve", "files", "note", NULL };
    if (sc_check_keys(c, o, keys))
        return -1;
    if (s->proto != IP_UDP)
        return sc_fail_at(c, "tcp", "a coap-files host listens on UDP: expected {\"udp\": 5683, \"serve\": \"coap-files\"}");
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(o, "files");
    if (!cJSON_IsObject(files) || !files->child)
        return sc_fail_at(c, "files", "expected an object of path -> content, like {\"/fw/delta.bin\": {\"package\": {...}}}");
    coap_files_opts *opts = calloc(1, sizeof *opts);
    if (!opts)
        return sc_fail(c, "out of memory");
    s->kind = NW_SVC_CUSTOM;
    s->custom = coap_files_custom;
    s->opts = opts;
    s->opts_free = coap_files_opts_free;
    size_t n = (size_t)cJSON_GetArraySize(files);
    if (!(opts->files = calloc(n, sizeof *opts->files)))
        return sc_fail(c, "out of memory");
    size_t mark = sc_push_key(c, "files");
    int rc = 0;
    for (const cJSON *it = files->child; it && !rc; it = it->next) {
        size_t m2 = sc_push_key(c, it->string);
        if (it->string[0] != '/') {
            rc = sc_fail(c, "expected a path starting with '/'");
        } else {
            sc_bytes b = { 0 };
            rc = sc_blob_value(c, it, &b);
            if (!rc) {
                coap_files_entry *e = &opts->files[opts->nfiles++];
                e->path = strdup(it->string);
                e->data = b.data;
                e->len = b.len;
                rc = e->path ? 0 : sc_fail(c, "out of memory");
            }
        }
        sc_pop(c, m2);
    }
    sc_pop(c, mark);
    return rc;
}
