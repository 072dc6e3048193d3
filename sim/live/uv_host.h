/* uv_host.h - sarasim's libuv front end (sim/live/): the only code that
 * connects the modem core to the real world (wall clock, PTYs, control
 * socket, signals).  It sits one floor above everything it uses -- the core
 * (sim/, protocol/, fs/) and the scenario engine (harness/, for --scenario)
 * -- and nothing below includes it. */
#ifndef SARASIM_UV_HOST_H
#define SARASIM_UV_HOST_H

#include <stdint.h>
#include <uv.h>

#include "protocol/bytebuf.h"
#include "sim/clock.h"
#include "harness/networld.h"
#include "sim/modem.h"

/* ---- real clock: simulated time = wall time x scale ---- */
typedef struct uv_simclock {
    uv_loop_t *loop;
    clk *clk;
    uv_timer_t timer;
    double scale;
    uint64_t wall_base; /* uv_hrtime() at the anchor */
    sim_ns sim_base;
    /* Called before the modem's timers run: the front end refreshes what
     * the module may look at (the hosts' line speeds) first. */
    void (*before_timers)(void *ctx);
    void (*after_timers)(void *ctx); /* e.g. resume reading a throttled PTY */
    void *before_ctx;
} uv_simclock;

int uv_simclock_init(uv_simclock *c, uv_loop_t *loop, clk *k, double scale);
/* Bring simulated time up to now (firing due timers) and re-arm. */
void uv_simclock_sync(uv_simclock *c);
/* Re-arm after the modem may have started or stopped timers. */
void uv_simclock_rearm(uv_simclock *c);
void uv_simclock_set_scale(uv_simclock *c, double scale);
void uv_simclock_close(uv_simclock *c);

/* ---- a UART as a pseudo-terminal ---- */
typedef struct uv_pty {
    uv_loop_t *loop;
    uv_simclock *clock;
    modem *m;
    int port;
    int master;
    int slave_keep;     /* only without inotify: our own slave fd, -1 normally */
    int inotify;        /* wakes us when any process opens or closes the slave */
    int present;        /* a host had the slave open when we last looked */
    int servicing;      /* uv_pty_service is running (re-entry guard) */
    int service_again;  /* ... and should take one more round */
    char slave_path[64];
    char *link;
    uv_poll_t poll;
    uv_poll_t ipoll;
    int poll_events;
    int throttled;      /* not reading: the module holds too many host bytes */
    bytebuf outq;       /* bytes for the host not yet written */
    int holding;        /* a host chunk is being processed: queue, write after */
    /* Optional: the host's bytes and line speed go here instead of straight
     * to the modem (a scenario's wire faults, sarasim --scenario). */
    void (*input)(void *ctx, int port, uint32_t host_rate, const uint8_t *p, size_t n);
    void *input_ctx;
} uv_pty;

/* Create the PTY and the symlink at link (replacing a stale link, refusing
 * anything that is not a link).  Returns 0 or -errno with err set. */
int uv_pty_open(uv_pty *p, uv_loop_t *loop, uv_simclock *clock, modem *m, int port, const char *link,
                char *err, size_t errlen);
/* Bytes from the module for the host. */
void uv_pty_send(uv_pty *p, const uint8_t *data, size_t n);
void uv_pty_close(uv_pty *p);
/* Close the descriptors once the loop has released the poll handles. */
void uv_pty_release_fds(uv_pty *p);
/* Read the host's line speed from termios into the modem (a host may change
 * it without writing, then expect the module's next bytes at the new rate). */
void uv_pty_refresh_rate(uv_pty *p);
/* Stop or resume reading the host as the module's backlog rises and falls. */
void uv_pty_check_flow(uv_pty *p);
/* Read what hosts wrote and look again whether one has the port open. */
void uv_pty_service(uv_pty *p);

/* ---- the real network behind the radio (sim/live/uv_net.c) ---- */
typedef struct uv_net uv_net;
int uv_net_create(uv_net **out, uv_loop_t *loop, uv_simclock *clock);
/* The module's lookups of `name` answer the address of `addr` (a dotted
 * quad or a host name of this machine). */
int uv_net_map(uv_net *n, const char *name, const char *addr);
void uv_net_attach(uv_net *n, modem *m);
net_world_ops uv_net_ops(uv_net *n);
/* Close every handle (the loop then runs their callbacks); free after. */
void uv_net_close(uv_net *n);
void uv_net_free(uv_net *n);

/* ---- control socket ---- */
typedef struct uv_control uv_control;
int uv_control_open(uv_control **out, uv_loop_t *loop, uv_simclock *clock, modem *m, networld *net,
                    const char *path, char *err, size_t errlen);
void uv_control_close(uv_control *c);

#endif
