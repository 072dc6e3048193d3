/* ip.h - the module's IP side: endpoints (UDP, TCP), DNS, the radio link
 * model, and the one interface to the world behind the radio.
 *
 * Users inside the module -- the host's sockets (sim/cmd_sock.c), and later
 * the LwM2M client and the FTP/HTTP clients -- open endpoints here; none of
 * them ever opens a socket.  Everything that crosses the radio goes through
 * the link model, one FIFO per direction on the modem's clock:
 *
 *     endpoint --ip_*()--> uplink (rate, latency) --net_world_ops--> world
 *     endpoint <--callbacks-- downlink (rate, latency) <--modem_world_*()-- world
 *
 * The world is what sits behind the radio, given by the front end through
 * net_world_ops: simulated hosts on the same clock (harness/networld.c), or
 * real endpoints through libuv (sim/live/uv_net.c).  A world op is a
 * request; its outcome comes back later through modem_world_*() -- never
 * from inside the op (the core is in the middle of something).
 *
 * Transfers pause while coverage is lost and resume where they stopped;
 * a detach, a reboot or a power cut closes every endpoint.
 */
#ifndef SARASIM_IP_H
#define SARASIM_IP_H

#include <stddef.h>
#include <stdint.h>

#include "../protocol/bytebuf.h"
#include "clock.h"

typedef struct modem modem;

/* An IPv4 address in host byte order. */
typedef uint32_t ip4;
typedef struct net_addr {
    ip4 ip;
    uint16_t port;
} net_addr;

/* "a.b.c.d" -> 0, or -1 if s is not a dotted quad. */
int ip4_parse(const char *s, ip4 *out);
/* "a.b.c.d" into buf (16 bytes at least); returns buf. */
char *ip4_format(ip4 a, char *buf);

/* The world behind the radio, as the front end gives it.  Every op may
 * be NULL (the world does not offer it: resolve fails, connects are
 * refused, datagrams are lost).  Outcomes come back later through the
 * modem_world_*() calls below. */
typedef struct net_world_ops {
    /* Look up name; answer with modem_world_resolved(id, ...). */
    void (*resolve)(void *ctx, uint64_t id, const char *name);
    /* A datagram from the module's address src to dst. */
    void (*udp_send)(void *ctx, net_addr src, net_addr dst, const uint8_t *p, size_t n);
    /* The module no longer listens on this UDP port. */
    void (*udp_unbind)(void *ctx, uint16_t port);
    /* Open TCP connection `conn` from src to dst; answer with
     * modem_world_tcp_connected(conn, 0 or -errno). */
    void (*tcp_connect)(void *ctx, uint64_t conn, net_addr src, net_addr dst);
    /* Stream bytes of an open connection. */
    void (*tcp_send)(void *ctx, uint64_t conn, const uint8_t *p, size_t n);
    /* The module closes its side: FIN after the bytes sent so far (abort
     * 0) or RST at once (abort 1).  The connection id is dead afterwards
     * for the module; a FIN still lets the peer's remaining bytes and its
     * own close come back. */
    void (*tcp_close)(void *ctx, uint64_t conn, int abort);
    /* The module can take more bytes of conn again (after
     * modem_world_tcp_data accepted less than offered). */
    void (*tcp_resume)(void *ctx, uint64_t conn);
    void *ctx;
    /* The module listens on a TCP port (a +USOLI socket, an active-mode FTP
     * data connection); `peer` is who is expected to connect (0: anyone).
     * *reach holds the module's address and the port; a world whose peers
     * reach that port elsewhere (a real front end binds a real port, as a
     * NAT would map it) writes that address instead.  Peers connect with
     * modem_world_tcp_incoming(). */
    void (*tcp_listen)(void *ctx, uint16_t port, ip4 peer, net_addr *reach);
    /* The module no longer listens on that port. */
    void (*tcp_unlisten)(void *ctx, uint16_t port);
} net_world_ops;

/* ---- the world's answers (front ends call these) ---- */
void modem_world_resolved(modem *m, uint64_t id, int err, ip4 addr);
void modem_world_udp(modem *m, net_addr src, net_addr dst, const uint8_t *p, size_t n);
void modem_world_tcp_connected(modem *m, uint64_t conn, int err);
/* Bytes of conn from the peer; returns how many the module took (its
 * receive window): offer the rest after tcp_resume. */
size_t modem_world_tcp_data(modem *m, uint64_t conn, const uint8_t *p, size_t n);
/* The peer closed (err 0: FIN after its last byte) or the connection
 * broke (-ECONNRESET, -ETIMEDOUT, ...). */
void modem_world_tcp_closed(modem *m, uint64_t conn, int err);
/* A peer connects to the module's dst port: 0 if something listens there
 * (conn is then the module's, answered through tcp_send/tcp_close; the
 * peer may send at once), or -ECONNREFUSED.  conn must not collide with
 * the module's own connection ids (which count up from 1): worlds take
 * theirs from the top of the range. */
int modem_world_tcp_incoming(modem *m, uint64_t conn, net_addr src, uint16_t dst_port);

/* ---- the radio link model ---- */
typedef struct link_cfg {
    uint64_t down_bps; /* payload bits per second towards the module; 0: no limit */
    uint64_t up_bps;   /* from the module; 0: no limit */
    sim_ns latency;    /* one way, added to every packet */
} link_cfg;
enum { LINK_M1 = 0, LINK_NB, LINK__COUNT };
/* Plausible LTE Cat-M1 and NB-IoT figures (docs/network.md). */
void link_cfg_default(link_cfg cfg[LINK__COUNT]);

/* ---- endpoints, for users inside the module ---- */
typedef enum { IP_UDP = 17, IP_TCP = 6 } ip_proto;
typedef enum {
    EP_NEW = 0,     /* created, not connected (UDP: bound) */
    EP_CONNECTING,  /* TCP SYN sent */
    EP_OPEN,        /* TCP established; UDP ready */
    EP_PEER_CLOSED, /* TCP: the peer sent FIN, its bytes may remain */
    EP_LISTENING,   /* TCP: waiting for peers */
    EP_DEAD,        /* reset, refused, network gone: only reading what remains */
} ep_state;

typedef struct ip_ep ip_ep;

/* What an endpoint tells its user.  Called from clock timers, never from
 * inside an ip_*() call. */
typedef struct ip_ep_cb {
    void (*connected)(void *ctx, ip_ep *e, int err); /* TCP connect done: 0 or -errno */
    void (*readable)(void *ctx, ip_ep *e);           /* new bytes or a new datagram */
    void (*closed)(void *ctx, ip_ep *e, int err);    /* peer FIN (0) or broken (-errno) */
    void (*accepted)(void *ctx, ip_ep *listener, ip_ep *e); /* a peer connected (listeners) */
    void (*writable)(void *ctx, ip_ep *e);           /* send buffer has room again */
    void *ctx;
} ip_ep_cb;

/* Who uses the bearer: the host's sockets need the PSD profile active
 * (+UPSDA=0,3); the module's own clients ride the default bearer. */
typedef enum { IP_USER_HOST, IP_USER_MODULE } ip_user;

/* 0 when `user` may send now, else -ENETDOWN (no bearer). */
int ip_bearer_ready(const modem *m, ip_user user);

/* Endpoints.  Errors are -errno: -ENETDOWN no bearer, -EADDRINUSE local port
 * taken, -ENOMEM, -EINVAL. */
int ip_udp_open(modem *m, ip_user user, uint16_t local_port, const ip_ep_cb *cb, ip_ep **out);
int ip_tcp_open(modem *m, ip_user user, uint16_t local_port, const ip_ep_cb *cb, ip_ep **out);
/* Start a TCP connection; the outcome comes through cb->connected. */
int ip_tcp_connect(ip_ep *e, net_addr dst);
int ip_tcp_listen(ip_ep *e);
/* The same, expecting `peer` (the world may tell where it reaches us). */
int ip_tcp_listen_for(ip_ep *e, ip4 peer);
/* A listener's address and port as its peers reach them (the module's own
 * address unless the world said otherwise): what an active-mode FTP
 * client puts in its PORT command. */
net_addr ip_tcp_reach(const ip_ep *e);
/* Queue bytes; returns how many were taken (the send buffer may be
 * full: cb->writable says when there is room) or -errno. */
long ip_tcp_send(ip_ep *e, const void *p, size_t n);
/* Send one datagram; 0 or -errno (-EMSGSIZE beyond IP_UDP_MAX). */
int ip_udp_sendto(ip_ep *e, net_addr dst, const void *p, size_t n);
/* Bytes of the stream ready to read. */
size_t ip_tcp_available(const ip_ep *e);
size_t ip_tcp_read(ip_ep *e, void *buf, size_t max);
/* The first pending datagram: its size (0 and *src untouched if none). */
size_t ip_udp_peek(const ip_ep *e, net_addr *src);
/* Take the first datagram: at most max bytes are copied, the rest of it is
 * dropped (as recvfrom does); returns the datagram's full size. */
size_t ip_udp_recv(ip_ep *e, void *buf, size_t max, net_addr *src);
size_t ip_udp_pending_total(const ip_ep *e);
/* Close and free: TCP sends FIN after what is queued (abort: RST). */
void ip_ep_close(ip_ep *e, int abort);

ip_proto ip_ep_proto(const ip_ep *e);
modem *ip_ep_modem(const ip_ep *e);
/* Replace the callbacks (an accepted endpoint gets its own user). */
void ip_ep_set_cb(ip_ep *e, const ip_ep_cb *cb);
ep_state ip_ep_state(const ip_ep *e);
uint16_t ip_ep_local_port(const ip_ep *e);
net_addr ip_ep_peer(const ip_ep *e);
/* Last error (-errno, 0 none) and byte counters of one endpoint. */
int ip_ep_error(const ip_ep *e);
uint64_t ip_ep_sent(const ip_ep *e);
uint64_t ip_ep_received(const ip_ep *e);
/* Bytes queued to send, not yet on the wire. */
size_t ip_ep_unsent(const ip_ep *e);

/* DNS through the network's resolver.  done() is called once, from a
 * timer, with 0 and the address or -ENOENT (no such name), -ETIMEDOUT,
 * -ENETDOWN.  Returns a handle for ip_resolve_cancel or 0 on error. */
typedef void (*ip_resolve_cb)(void *ctx, int err, ip4 addr);
uint64_t ip_resolve(modem *m, ip_user user, const char *name, ip_resolve_cb done, void *ctx);
void ip_resolve_cancel(modem *m, uint64_t handle);

/* The module's address on the bearer (0 when none). */
ip4 ip_local_addr(const modem *m);

/* Largest datagram, and the TCP segment size the link carries. */
#define IP_UDP_MAX 1472
#define IP_TCP_MSS 1460
/* Per endpoint: bytes received and not read yet (TCP: the receive window;
 * UDP: datagrams beyond it are dropped), and bytes waiting to be sent. */
#define IP_RX_LIMIT (16u << 10)
#define IP_TX_LIMIT (16u << 10)

/* ---- the modem's side (sim/modem.c, sim/net.c) ---- */
typedef struct ip_state ip_state;
int ip_init(modem *m);
void ip_free(modem *m);
/* Power off, reboot: every endpoint and request is forgotten; the world
 * is told to drop the module's connections. */
void ip_stop(modem *m);
/* The bearer for `user` went away (detach, +UPSDA=0,4, network drop):
 * its endpoints break with -ENETDOWN. */
void ip_bearer_down(modem *m, ip_user user);
/* Coverage changed (net.lost): the link pauses or resumes. */
void ip_coverage_changed(modem *m);
/* Byte counters of the default bearer (+UGCNTRD): IP bytes (payload and
 * headers) since the context came up (session) and since boot or the
 * last +UGCNTSET (total). */
typedef struct ip_counters {
    uint64_t sess_tx, sess_rx, tot_tx, tot_rx;
} ip_counters;
const ip_counters *ip_get_counters(const modem *m);
/* +UGCNTSET: both counters of each direction to these values. */
void ip_counters_set(modem *m, uint64_t tx, uint64_t rx);
/* The context (re)activated: the session counters start at 0. */
void ip_counters_new_session(modem *m);

#endif
