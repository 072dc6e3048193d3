/* sc_env.h - a scenario's device and world around a modem, for any front
 * end: the harness (virtual clock, in-memory host) and `sarasim --scenario`
 * (real clock, a PTY and a real host application).
 *
 * The environment owns the modem and the wire between it and the host:
 *
 *   front end --sc_env_host_write--> wire (faults) --> modem
 *   front end <--io.to_host-------- wire (faults) <-- modem
 *                                   world <-- every trace event of the modem
 *
 * Lifecycle: sc_env_create() (NVM presets written, modem created, world
 * ready) -> the caller may inspect the modem (capabilities) ->
 * sc_env_start() (files preset, "at" events armed, power applied) ->
 * sc_env_destroy().
 */
#ifndef SARASIM_SC_ENV_H
#define SARASIM_SC_ENV_H

#include "lwm2m_service.h"
#include "scenario.h"
#include "sim/modem.h"
#include "wire.h"
#include "world.h"

typedef struct sc_env_io {
    void (*to_host)(void *ctx, int port, const uint8_t *p, size_t n); /* module output, after faults */
    void (*trace)(void *ctx, const trace_event *ev);                  /* optional: every modem event */
    void (*log)(void *ctx, const char *text);                         /* optional: world and wire EV lines,
                                                                         control characters escaped */
    void *ctx;
    void (*notice)(void *ctx, const char *text);                      /* optional: see modem_io */
} sc_env_io;

typedef struct sc_env {
    const scenario *sc;
    const char *state_dir; /* the caller's, may be NULL */
    clk *clk;
    modem *m;
    wire wire;
    world *world;
    networld *net;         /* the simulated hosts behind the radio */
    lwm2m_services *lw;    /* their LwM2M servers (and the built-in default one) */
    struct coap_files_set *files; /* their CoAP file hosts */
    struct campaign *camp; /* world.campaign, or NULL */
    sc_env_io io;
} sc_env;

/* cfg: the modem configuration (see sc_device_config); the device's NVM
 * presets are written into cfg->state_dir first.  The scenario's hosts
 * (world.hosts) become the world behind the radio; what they do not
 * simulate goes to `fallback` (the real network in live sarasim; NULL in
 * the harness: nothing).  The built-in LwM2M server answers as
 * LWM2M_SVC_DEFAULT_HOST unless world.hosts names that host; its events
 * ("lwm2m server ...") reach io.trace and the world's triggers as EV events,
 * like the modem's.  0 or -1 with err set. */
int sc_env_create(sc_env *e, const scenario *sc, clk *c, const modem_config *cfg, const sc_env_io *io,
                  const net_world_ops *fallback, char *err, size_t errlen);
/* Store the device's files, arm the world, power on (unless "powered":
 * false).  0 or -1 with err set. */
int sc_env_start(sc_env *e, char *err, size_t errlen);
void sc_env_destroy(sc_env *e);

/* Text for one trace line: control characters (a CR a module sent, quoted
 * in a message) appended escaped as in the trace, the rest as is. */
void sc_escape_controls(bytebuf *out, const char *text);

/* The host side of the wire. */
void sc_env_host_write(sc_env *e, int port, const uint8_t *p, size_t n);
void sc_env_set_host_rate(sc_env *e, int port, uint32_t rate);

#endif
