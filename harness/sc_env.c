/* sc_env.c - a scenario's device, wire and world around a modem (see
 * sc_env.h). */
#include "campaign.h"
#include "coap_files.h"
#include "sc_env.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sc_device.h"
#include "sim/trace.h"

static void modem_to_host(void *ctx, int port, const uint8_t *p, size_t n)
{
    sc_env *e = ctx;
    wire_module_output(&e->wire, port, p, n);
}

static void modem_trace(void *ctx, const trace_event *ev)
{
    sc_env *e = ctx;
    if (e->io.trace)
        e->io.trace(e->io.ctx, ev);
    if (e->world)
        world_observe(e->world, ev);
}

/* An event of a built-in LwM2M server: an EV event like the modem's, so
 * that "when" triggers and expect_event steps see it. */
static void lwm2m_event(void *ctx, const char *text)
{
    sc_env *e = ctx;
    trace_event ev = { clk_now(e->clk), TRACE_EVENT, -1, (const uint8_t *)text, strlen(text) };
    modem_trace(e, &ev);
}

/* The built-in servers' events as they are: the campaign follows them. */
static void lwm2m_server_event(void *ctx, lwm2m_service *v, const lwm2m_srv_event *ev)
{
    sc_env *e = ctx;
    if (e->camp)
        campaign_server_event(e->camp, v, ev);
}

/* What the world adds to the hosts: LwM2M servers (and the default one),
 * CoAP file hosts, a campaign. */
static int services_create(sc_env *e, const scenario *sc, const modem_config *cfg)
{
    lwm2m_services_io lio = { lwm2m_event, e, lwm2m_server_event };
    lwm2m_services_opts lopts = { .add_default = true };
    lwm2m_svc_module_psk(&cfg->dev, 721, &lopts.default_psk); /* coaps as the module expects it */
    if (lwm2m_services_create(&e->lw, e->net, &sc->net, &lopts, &lio))
        return -1;
    if (coap_files_set_create(&e->files, e->net, &sc->net))
        return -1;
    if (sc->campaign && campaign_create(&e->camp, e->net, e->lw, sc->campaign, lwm2m_event, e))
        return -1;
    return 0;
}

static void services_destroy(sc_env *e)
{
    campaign_destroy(e->camp);
    e->camp = NULL;
    coap_files_set_destroy(e->files);
    e->files = NULL;
    lwm2m_services_destroy(e->lw);
    e->lw = NULL;
}

static void wire_to_host(void *ctx, int port, const uint8_t *p, size_t n)
{
    sc_env *e = ctx;
    e->io.to_host(e->io.ctx, port, p, n);
}

static void wire_to_module(void *ctx, int port, const uint8_t *p, size_t n)
{
    sc_env *e = ctx;
    modem_host_write(e->m, port, p, n);
}

static void wire_rate(void *ctx, int port, uint32_t rate)
{
    sc_env *e = ctx;
    modem_set_host_rate(e->m, port, rate);
}

void sc_escape_controls(bytebuf *out, const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p >= 0x20 && *p != 0x7f)
            bytebuf_append_byte(out, *p);
        else
            trace_escape(out, p, 1);
    }
}

static void env_log(void *ctx, const char *text)
{
    sc_env *e = ctx;
    if (!e->io.log)
        return;
    bytebuf b;
    bytebuf_init(&b);
    sc_escape_controls(&b, text);
    bytebuf_append_byte(&b, 0);
    e->io.log(e->io.ctx, (const char *)b.data);
    bytebuf_free(&b);
}

static void modem_notice_cb(void *ctx, const char *text)
{
    sc_env *e = ctx;
    e->io.notice(e->io.ctx, text);
}

int sc_env_create(sc_env *e, const scenario *sc, clk *c, const modem_config *cfg_in, const sc_env_io *io,
                  const net_world_ops *fallback, char *err, size_t errlen)
{
    modem_config cfg_copy = *cfg_in;
    modem_config *cfg = &cfg_copy;
    memset(e, 0, sizeof(*e));
    e->sc = sc;
    e->clk = c;
    e->io = *io;
    e->state_dir = cfg->state_dir;
    wire_io wio = { wire_to_host, wire_to_module, wire_rate, env_log, e };
    wire_init(&e->wire, c, &wio);
    if (cfg->state_dir && sc_device_preset_nvm(&sc->device, cfg->state_dir, err, errlen))
        return -1;
    if (networld_create(&e->net, c, &sc->net, fallback)) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    networld_set_log(e->net, env_log, e);
    if (services_create(e, sc, cfg)) {
        services_destroy(e);
        networld_destroy(e->net);
        e->net = NULL;
        snprintf(err, errlen, "the world's servers: out of memory, or a campaign without its LwM2M server");
        return -1;
    }
    cfg->world = networld_ops(e->net);
    modem_io mio = { modem_to_host, modem_trace, e, io->notice ? modem_notice_cb : NULL };
    int rc = modem_create(&e->m, c, cfg, &mio, err, errlen);
    if (!rc)
        networld_attach(e->net, e->m);
    if (rc) {
        services_destroy(e);
        networld_destroy(e->net);
        e->net = NULL;
        if (!err[0])
            snprintf(err, errlen, "%s", strerror(-rc));
        return -1;
    }
    world_io wo = { e->m, c, &e->wire, env_log, e, e->net, e->lw };
    if (world_create(&e->world, sc, &wo)) {
        snprintf(err, errlen, "out of memory");
        modem_destroy(e->m);
        e->m = NULL;
        return -1;
    }
    return 0;
}

int sc_env_start(sc_env *e, char *err, size_t errlen)
{
    if (sc_device_preset_files(&e->sc->device, e->state_dir, err, errlen))
        return -1;
    world_start(e->world);
    if (e->sc->device.powered)
        modem_power_on(e->m);
    return 0;
}

void sc_env_destroy(sc_env *e)
{
    world_destroy(e->world);
    modem_destroy(e->m);
    services_destroy(e);
    networld_destroy(e->net);
    wire_free(&e->wire);
    memset(e, 0, sizeof(*e));
}

void sc_env_host_write(sc_env *e, int port, const uint8_t *p, size_t n) { wire_host_write(&e->wire, port, p, n); }

void sc_env_set_host_rate(sc_env *e, int port, uint32_t rate)
{
    if (port >= 0 && port < MODEM_PORTS && e->wire.host_rate[port] != rate)
        wire_set_host_rate(&e->wire, port, rate);
}
