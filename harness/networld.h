/* networld.h - the world behind the radio, simulated on the modem's clock.
 *
 * Named hosts with IPv4 addresses and services (TCP/UDP echo, a sink that
 * discards, a scripted conversation, and servers added by later subsystems
 * through nw_service_ops), faults on each host, and a route to a fallback
 * world for everything it does not simulate (the real network in live
 * `sarasim`, nothing in the harness).  It is the modem's net_world_ops:
 *
 *   modem --net_world_ops--> networld --> simulated service
 *                                     \-> fallback (sim/live/uv_net.c)
 *   modem <--modem_world_*()-- networld (from a clock timer, never inside an op)
 *
 * Sans-I/O: it never opens a socket; time is the modem's clock.
 *
 * Lifecycle: networld_create() with the hosts (nw_config) -> pass
 * networld_ops() in the modem's config -> networld_attach(the modem) ->
 * ... -> networld_destroy() after the modem.
 */
#ifndef SARASIM_NETWORLD_H
#define SARASIM_NETWORLD_H

#include <stddef.h>
#include <stdint.h>

#include "sim/clock.h"
#include "sim/ip.h"
#include "sim/modem.h"

typedef struct networld networld;
typedef struct nw_conn nw_conn;

/* A server inside a simulated host.  Any op may be NULL. */
typedef struct nw_service_ops {
    /* A TCP connection from the module: return per-connection state (may be
     * NULL); *refuse = 1 refuses it. */
    void *(*accept)(void *svc, nw_conn *c, int *refuse);
    void (*data)(void *svc, void *cs, nw_conn *c, const uint8_t *p, size_t n);
    /* The module closed (err 0: FIN) or the connection broke; the service
     * must not use c afterwards. */
    void (*closed)(void *svc, void *cs, nw_conn *c, int err);
    /* A datagram from the module to this service's port. */
    void (*datagram)(void *svc, networld *w, net_addr from, net_addr to, const uint8_t *p, size_t n);
    void (*destroy)(void *svc);
    /* A world keeps clone(svc) of a configured service (state of its own,
     * destroyed with the world) and nw_config_free destroys the config's.
     * Without clone the world shares it and destroys it (if destroy is
     * set) at networld_destroy, as networld_bind_service does. */
    void *(*clone)(void *svc);
    /* Everything sent on c has been taken by the module: room for more
     * (called from the world's timer, never inside nw_conn_send). */
    void (*drained)(void *svc, void *cs, nw_conn *c);
} nw_service_ops;

/* What a service can do. */
void nw_conn_send(nw_conn *c, const void *p, size_t n);
/* FIN after the bytes sent so far (abort 0) or RST (abort 1).  Either way
 * the service hears nothing more of c (no data, closed or drained) and
 * must not use it again. */
void nw_conn_close(nw_conn *c, int abort);
net_addr nw_conn_peer(const nw_conn *c);
networld *nw_conn_world(const nw_conn *c);
/* The name of the host c belongs to. */
const char *nw_conn_host(const nw_conn *c);
void nw_send_datagram(networld *w, net_addr from, net_addr to, const void *p, size_t n);
clk *networld_clock(networld *w);

/* ---- ports and connections a host opens at run time (an FTP server's
 * data connections) ---- */

/* The host's side of c: its address and port. */
net_addr nw_conn_local(const nw_conn *c);
/* Bytes sent on c the module has not taken yet. */
size_t nw_conn_pending(const nw_conn *c);
/* A simulated host opens a TCP port, as an FTP server does for a passive
 * transfer: connections to host:port go to ops/svc (accept, data, closed,
 * drained) until networld_unlisten.  0, -ENOENT (no simulated host there),
 * -EADDRINUSE (a service or another listener has the port). */
int networld_listen(networld *w, ip4 host, uint16_t port, const nw_service_ops *ops, void *svc);
void networld_unlisten(networld *w, ip4 host, uint16_t port);
/* A simulated host connects to the module (an FTP server's active-mode data
 * connection) from `from` to `to`; ops/svc serve it with per-connection
 * state cs.  Call it from a service callback or a timer, never from inside
 * a modem call.  0 and *out, -EHOSTUNREACH (to is not the module's
 * address, or the host is unreachable), -ECONNREFUSED (nothing listens
 * there), -EADDRINUSE (another service holds `from`), -ENOENT, -ENOMEM. */
int networld_connect_module(networld *w, net_addr from, net_addr to, const nw_service_ops *ops, void *svc,
                            void *cs, nw_conn **out);

/* ---- configuration (from a scenario's world.hosts or a --world file) ---- */

typedef enum { NW_SVC_ECHO, NW_SVC_SINK, NW_SVC_SCRIPT, NW_SVC_CUSTOM } nw_svc_kind;

/* One step of a scripted conversation, per connection (TCP) or per
 * datagram exchange (UDP). */
typedef enum { NW_STEP_EXPECT, NW_STEP_SEND, NW_STEP_WAIT, NW_STEP_CLOSE, NW_STEP_RESET } nw_step_kind;
typedef struct nw_step {
    nw_step_kind kind;
    uint8_t *data; /* EXPECT / SEND bytes */
    size_t len;
    sim_ns wait;
} nw_step;

typedef struct nw_service_cfg {
    ip_proto proto;
    uint16_t port;
    nw_svc_kind kind;
    nw_step *steps; /* SCRIPT */
    size_t nsteps;
    const nw_service_ops *ops; /* CUSTOM */
    void *svc;
    /* CUSTOM services a later subsystem parses from the world ("serve":
     * "lwm2m"): its name (a static string), and its options, owned by the
     * config.  The subsystem binds ops and svc once the world exists
     * (networld_bind_service); until then the port drops what it gets. */
    const char *custom;
    void *opts;
    void (*opts_free)(void *opts);
} nw_service_cfg;

/* Faults of one host; the world action "host" changes them at run time. */
typedef struct nw_faults {
    int dns_fail;        /* the resolver answers "no such name" */
    sim_ns dns_delay;    /* the answer comes this late (beyond dns_timeout: the module gives up) */
    int refuse;          /* every TCP connect is refused (RST) */
    int unreachable;     /* nothing answers at all (SYNs and datagrams vanish) */
    int stall;           /* the host stops sending (and reading) until cleared */
    uint64_t reset_after;/* RST once this many bytes came from the module (0: never) */
    unsigned drop;       /* the next N datagrams either way are lost */
    unsigned duplicate;  /* the next N datagrams to the module arrive twice */
    sim_ns delay;        /* every datagram and segment to the module waits this long */
} nw_faults;

/* Which fields of an nw_faults a change sets (the others stay). */
enum {
    NWF_DNS = 1 << 0,
    NWF_DNS_DELAY = 1 << 1,
    NWF_REFUSE = 1 << 2,
    NWF_UNREACHABLE = 1 << 3,
    NWF_STALL = 1 << 4,
    NWF_RESET_AFTER = 1 << 5,
    NWF_DROP = 1 << 6,
    NWF_DUPLICATE = 1 << 7,
    NWF_DELAY = 1 << 8,
};
void nw_faults_apply(nw_faults *dst, const nw_faults *src, unsigned mask);

typedef struct nw_host_cfg {
    char *name;
    ip4 ip;              /* 0: assigned (203.0.113.x) */
    char *real;          /* a real address ("127.0.0.1") for the fallback world */
    nw_service_cfg *svcs;
    size_t nsvcs;
    nw_faults faults;
} nw_host_cfg;

typedef struct nw_config {
    nw_host_cfg *hosts;
    size_t nhosts;
} nw_config;

void nw_config_free(nw_config *c);

/* fallback may be NULL: unknown names fail, unknown addresses are
 * unreachable.  The config is copied. */
int networld_create(networld **out, clk *c, const nw_config *cfg, const net_world_ops *fallback);
void networld_attach(networld *w, modem *m);
net_world_ops networld_ops(networld *w);
void networld_destroy(networld *w);

/* Run-time changes (world actions, control commands). -ENOENT unknown host. */
int networld_set_faults(networld *w, const char *host, const nw_faults *f);
int networld_get_faults(networld *w, const char *host, nw_faults *f);
/* Add a host at run time (later subsystems register their servers). */
int networld_add_host(networld *w, const nw_host_cfg *h);
/* Serve proto/port of host with ops and svc (a CUSTOM service declared in
 * the config, or a new one).  The world does not own svc (ops->destroy is
 * called at networld_destroy if set).  0, -ENOENT (no such host), -ENOMEM. */
int networld_bind_service(networld *w, const char *host, ip_proto proto, uint16_t port, const nw_service_ops *ops,
                          void *svc);
/* The address of a simulated host (0 if unknown). */
ip4 networld_host_ip(const networld *w, const char *name);

/* Trace hook: world events as EV text ("net tcp connect host=... port=..."). */
void networld_set_log(networld *w, void (*log)(void *ctx, const char *text), void *ctx);
/* A service's own line through the same hook ("peer http request ..."). */
void networld_logf(networld *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The world's instance of a host's service (the clone of a custom one), or
 * NULL: tests read what a simulated server saw. */
void *networld_service(networld *w, const char *host, ip_proto proto, uint16_t port);

#endif
