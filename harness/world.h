/* world.h - a scenario's world, played against a modem.
 *
 * The world watches what the module does (every trace event: bytes it sends
 * and receives, its EV lines) and acts on it: "at" events are timers on the
 * modem's clock; "when" events match the module's lines, output bytes, state
 * transitions and events.  A match never acts from inside the modem's own
 * call: the action is queued as a timer "after" the match (zero by default)
 * and runs at that simulated instant, once the module has finished the step
 * that triggered it.  So a scenario replays identically whether the clock is
 * virtual (sarasim-harness) or real (sarasim --scenario).
 *
 * Action errors (an override pattern the modem refuses, a control request it
 * rejects) are kept; world_error() reports the first one.
 */
#ifndef SARASIM_WORLD_H
#define SARASIM_WORLD_H

#include "lwm2m_service.h"
#include "networld.h"
#include "scenario.h"
#include "sim/modem.h"
#include "wire.h"

typedef struct world_io {
    modem *m;
    clk *clk;
    wire *wire;                               /* faults on the UART; NULL = unsupported */
    void (*log)(void *ctx, const char *text); /* one EV line for the trace, optional */
    void *ctx;
    networld *net;                            /* the simulated hosts; NULL = none */
    lwm2m_services *lw;                       /* their LwM2M servers; NULL = none */
} world_io;

typedef struct world world;

/* The scenario must outlive the world. */
int world_create(world **out, const scenario *sc, const world_io *io);
void world_destroy(world *w);
/* Arm the "at" events (absolute simulated times). */
void world_start(world *w);
/* Feed every trace event of the modem (call from modem_io.trace). */
void world_observe(world *w, const trace_event *ev);
/* Run an action now (the host's "do" step).  0 or -1 with err set. */
int world_apply(world *w, const sc_action *a, const char *who, char *err, size_t errlen);
/* The first failed world action, or NULL. */
const char *world_error(const world *w);

/* Does the EV text match t (an "ev" pattern: TRIG_EV words and fields,
 * TRIG_EV_RE, or TRIG_STATE)?  The matching of "when" triggers, for the
 * host's expect_event step. */
int world_event_matches(const sc_trigger *t, const char *text, size_t len);

#endif
