/* ip.c - endpoints, DNS and the radio link model (see ip.h).
 *
 * The link is two FIFOs of packets, one per direction, each with one clock
 * timer for its head.  A packet of n payload bytes occupies its direction
 * for n*8/rate seconds after the one before it, and arrives `latency`
 * later.  Control packets (SYN, FIN, DNS) take the latency only.  While
 * coverage is lost the FIFOs stand still; when it returns every packet
 * still queued is sent again from that moment (a packet cut in the middle
 * starts over, as a retransmission would).
 */
#include "ip.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modem_int.h"

/* ---------------- addresses ---------------- */

int ip4_parse(const char *s, ip4 *out)
{
    unsigned a[4];
    char tail;
    if (!s || sscanf(s, "%3u.%3u.%3u.%3u%c", &a[0], &a[1], &a[2], &a[3], &tail) != 4)
        return -1;
    for (int i = 0; i < 4; i++)
        if (a[i] > 255)
            return -1;
    /* no leading '+', spaces or signs: the text must be digits and dots */
    for (const char *p = s; *p; p++)
        if ((*p < '0' || *p > '9') && *p != '.')
            return -1;
    *out = (ip4)a[0] << 24 | (ip4)a[1] << 16 | (ip4)a[2] << 8 | (ip4)a[3];
    return 0;
}

char *ip4_format(ip4 a, char *buf)
{
    snprintf(buf, 16, "%u.%u.%u.%u", (unsigned)(a >> 24), (unsigned)(a >> 16 & 255), (unsigned)(a >> 8 & 255),
             (unsigned)(a & 255));
    return buf;
}

/* ---------------- state ---------------- */

typedef enum {
    /* uplink: module -> world */
    PK_DNS_QUERY,
    PK_UDP_OUT,
    PK_SYN,
    PK_DATA_OUT,
    PK_FIN_OUT,
    /* downlink: world -> module */
    PK_DNS_ANSWER,
    PK_UDP_IN,
    PK_SYN_ACK,
    PK_DATA_IN,
    PK_FIN_IN,
    PK_INCOMING,
} pk_kind;

typedef struct packet {
    pk_kind kind;
    uint64_t id;      /* connection, or DNS request */
    net_addr src, dst;
    int err;
    uint8_t *data;    /* payload (NUL-terminated name for a DNS query) */
    size_t len;       /* payload bytes that take link time */
    sim_ns due;
    struct packet *next;
} packet;

typedef struct link_dir {
    packet *head, *tail;
    sim_ns busy_until;
    clk_timer timer;
    int down;          /* 1 = towards the module */
    modem *m;
} link_dir;

typedef struct dns_req {
    modem *m;
    uint64_t id;
    int answered;
    char *name;
    ip_user user;
    ip_resolve_cb done;
    void *ctx;
    int err;
    ip4 addr;
    clk_timer timer;   /* the resolver's timeout, then the delivery */
    struct dns_req *next;
} dns_req;

struct ip_ep {
    modem *m;
    ip_proto proto;
    ip_user user;
    ep_state state;
    uint64_t conn;          /* TCP connection id (0: none) */
    uint16_t lport;
    net_addr peer;
    bytebuf rx;             /* TCP: stream; UDP: [dgram_hdr][data]... */
    size_t rx_dgrams;
    size_t in_flight_down;  /* bytes the world handed us that are still on the link */
    size_t unsent;          /* bytes on the uplink, not yet at the peer */
    int window_closed;      /* we took less than offered: tcp_resume owed */
    int err;
    uint64_t sent, received;
    ip_ep_cb cb;
    clk_timer timer;        /* TCP connect timeout; deferred notifications */
    int notify_connected;   /* pending notifications, delivered by the timer */
    int notify_readable;
    int notify_closed;
    int notify_writable;
    net_addr reach;         /* listeners: where peers reach them */
    int world_listens;      /* the world was told of this listener (tcp_listen) */
    int incoming;           /* a peer's connection still on the downlink (not yet accepted) */
    ip_ep *pending_accept;  /* listeners: accepted endpoints not yet announced */
    ip_ep *accept_next;
    ip_ep *next;
};

struct ip_state {
    link_dir up, down;
    sim_ns paused_at;       /* coverage lost since, SIM_NEVER when present */
    ip_ep *eps;
    dns_req *dns;
    uint64_t next_id;
    uint16_t next_port;
    ip_counters count;
};

#define DNS_QUERY_BYTES 40   /* on the link: UDP/IP header + question, roughly */
#define DNS_ANSWER_BYTES 56

typedef struct dgram_hdr {
    ip4 ip;
    uint16_t port;
    uint32_t len;
} dgram_hdr;

static void link_timer_cb(clk_timer *t);
static void ep_timer_cb(clk_timer *t);
static void dns_timer_cb(clk_timer *t);

/* ---------------- the link ---------------- */

static const link_cfg *link_now(const modem *m)
{
    return &m->dev.link[m->net.act == 9 ? LINK_NB : LINK_M1];
}

void link_cfg_default(link_cfg cfg[LINK__COUNT])
{
    /* LTE Cat-M1 in good coverage: a few hundred kbit/s each way (peak
     * 1 Mbit/s, 3GPP Rel-13), ~50 ms one way. */
    cfg[LINK_M1] = (link_cfg){ .down_bps = 300000, .up_bps = 250000, .latency = SIM_MS(50) };
    /* NB-IoT: tens of kbit/s (NB1 peak ~26 kbit/s down, ~62 up), ~1 s. */
    cfg[LINK_NB] = (link_cfg){ .down_bps = 26000, .up_bps = 60000, .latency = SIM_MS(800) };
}

static sim_ns tx_time(uint64_t bps, size_t len)
{
    if (!bps || !len)
        return 0;
    /* len*8e9/bps without overflow for any plausible len */
    return (sim_ns)len * 8u * SIM_NS_PER_S / bps;
}

static int link_paused(const modem *m) { return m->ip->paused_at != SIM_NEVER; }

static void link_arm(link_dir *d)
{
    modem *m = d->m;
    if (!d->head || link_paused(m))
        clk_timer_stop(m->clk, &d->timer);
    else
        clk_timer_start_at(m->clk, &d->timer, d->head->due);
}

/* Give p its arrival time behind everything queued in its direction. */
static void link_schedule(modem *m, link_dir *d, packet *p)
{
    const link_cfg *c = link_now(m);
    sim_ns now = clk_now(m->clk);
    sim_ns start = d->busy_until > now ? d->busy_until : now;
    d->busy_until = start + tx_time(d->down ? c->down_bps : c->up_bps, p->len);
    p->due = d->busy_until + c->latency;
}

static void link_push(modem *m, link_dir *d, packet *p)
{
    p->next = NULL;
    if (d->tail)
        d->tail->next = p;
    else
        d->head = p;
    d->tail = p;
    if (!link_paused(m))
        link_schedule(m, d, p);
    if (d->head == p)
        link_arm(d);
}

static packet *packet_new(pk_kind kind, uint64_t id, const void *data, size_t len)
{
    packet *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->kind = kind;
    p->id = id;
    if (len || kind == PK_DNS_QUERY) {
        p->data = malloc(len + 1);
        if (!p->data) {
            free(p);
            return NULL;
        }
        if (len)
            memcpy(p->data, data, len);
        p->data[len] = 0;
    }
    p->len = len;
    return p;
}

static void packet_free(packet *p)
{
    free(p->data);
    free(p);
}

static void link_clear(modem *m, link_dir *d)
{
    clk_timer_stop(m->clk, &d->timer);
    while (d->head) {
        packet *p = d->head;
        d->head = p->next;
        packet_free(p);
    }
    d->tail = NULL;
    d->busy_until = 0;
}

/* Drop the queued packets of one connection (the module closed it). */
static void link_forget_conn(link_dir *d, uint64_t conn)
{
    packet **pp = &d->head;
    d->tail = NULL;
    while (*pp) {
        packet *p = *pp;
        if (p->id == conn && p->kind != PK_DNS_QUERY && p->kind != PK_DNS_ANSWER && p->kind != PK_UDP_OUT &&
            p->kind != PK_UDP_IN) {
            *pp = p->next;
            packet_free(p);
            continue;
        }
        d->tail = p;
        pp = &p->next;
    }
    link_arm(d);
}

void ip_coverage_changed(modem *m)
{
    ip_state *s = m->ip;
    if (!s)
        return;
    int lost = m->net.lost;
    if (lost && !link_paused(m)) {
        s->paused_at = clk_now(m->clk);
        link_arm(&s->up);
        link_arm(&s->down);
        modem_trace_event(m, "ip link paused");
    } else if (!lost && link_paused(m)) {
        s->paused_at = SIM_NEVER;
        link_dir *dirs[2] = { &s->up, &s->down };
        for (int i = 0; i < 2; i++) {
            dirs[i]->busy_until = 0;
            for (packet *p = dirs[i]->head; p; p = p->next)
                link_schedule(m, dirs[i], p);
            link_arm(dirs[i]);
        }
        modem_trace_event(m, "ip link resumed");
    }
}

/* ---------------- endpoints: lookup and notifications ---------------- */

static ip_ep *ep_by_conn(const modem *m, uint64_t conn)
{
    for (ip_ep *e = m->ip->eps; e; e = e->next)
        if (e->conn == conn && e->proto == IP_TCP)
            return e;
    return NULL;
}

static ip_ep *ep_by_udp_port(const modem *m, uint16_t port)
{
    for (ip_ep *e = m->ip->eps; e; e = e->next)
        if (e->proto == IP_UDP && e->lport == port)
            return e;
    return NULL;
}

/* Callbacks run from the endpoint's own timer, due now: never from inside
 * the ip_*() call or world event that caused them. */
static void ep_notify(ip_ep *e)
{
    if (!clk_timer_armed(&e->timer) || e->state == EP_CONNECTING)
        clk_timer_start(e->m->clk, &e->timer, 0);
}

static void ep_timer_cb(clk_timer *t)
{
    ip_ep *e = t->data;
    modem *m = e->m;
    if (e->state == EP_CONNECTING && !e->notify_connected) {
        /* no answer to the SYN: the connect times out */
        e->state = EP_DEAD;
        e->err = -ETIMEDOUT;
        if (m->io.trace)
            modem_trace_event(m, "ip tcp timeout conn=%llu", (unsigned long long)e->conn);
        m->net_world.tcp_close ? m->net_world.tcp_close(m->net_world.ctx, e->conn, 1) : (void)0;
        link_forget_conn(&m->ip->up, e->conn);
        e->conn = 0;
        e->notify_connected = 1;
    }
    /* each callback may close e: re-check it is still ours after each */
    ip_ep_cb cb = e->cb;
    if (e->notify_connected) {
        e->notify_connected = 0;
        if (cb.connected) {
            /* the peer may have spoken in the same instant: its news
             * follows from the next run of this timer */
            if (e->pending_accept || e->notify_readable || e->notify_closed || e->notify_writable)
                ep_notify(e);
            cb.connected(cb.ctx, e, e->state == EP_OPEN ? 0 : e->err);
            return;
        }
    }
    while (e->pending_accept) {
        ip_ep *a = e->pending_accept;
        e->pending_accept = a->accept_next;
        a->accept_next = NULL;
        if (cb.accepted) {
            if (e->pending_accept || e->notify_readable || e->notify_closed || e->notify_writable)
                ep_notify(e);
            cb.accepted(cb.ctx, e, a);
            return;
        }
        ip_ep_close(a, 1); /* nobody to take it */
    }
    if (e->notify_readable) {
        e->notify_readable = 0;
        if (cb.readable) {
            if (e->notify_closed || e->notify_writable)
                ep_notify(e);
            cb.readable(cb.ctx, e);
            return;
        }
    }
    if (e->notify_writable) {
        e->notify_writable = 0;
        if (cb.writable) {
            if (e->notify_closed)
                ep_notify(e);
            cb.writable(cb.ctx, e);
            return;
        }
    }
    if (e->notify_closed) {
        e->notify_closed = 0;
        if (cb.closed)
            cb.closed(cb.ctx, e, e->err);
    }
}

static void ep_broken(ip_ep *e, int err)
{
    if (e->state == EP_DEAD)
        return;
    int was_connecting = e->state == EP_CONNECTING;
    e->state = EP_DEAD;
    e->err = err;
    e->conn = 0;
    if (was_connecting)
        e->notify_connected = 1;
    else
        e->notify_closed = 1;
    ep_notify(e);
}

/* ---------------- the world's answers ---------------- */

static int world_ready(modem *m) { return m->ip && m->power == MODEM_READY; }

static void push_down(modem *m, packet *p)
{
    if (p)
        link_push(m, &m->ip->down, p);
}

void modem_world_resolved(modem *m, uint64_t id, int err, ip4 addr)
{
    if (!world_ready(m))
        return;
    packet *p = packet_new(PK_DNS_ANSWER, id, NULL, 0);
    if (!p)
        return;
    p->err = err;
    p->src.ip = addr;
    p->len = DNS_ANSWER_BYTES;
    push_down(m, p);
}

void modem_world_udp(modem *m, net_addr src, net_addr dst, const uint8_t *p, size_t n)
{
    if (!world_ready(m) || dst.ip != ip_local_addr(m) || n > 65507)
        return;
    packet *pk = packet_new(PK_UDP_IN, 0, p, n);
    if (!pk)
        return;
    pk->src = src;
    pk->dst = dst;
    push_down(m, pk);
}

void modem_world_tcp_connected(modem *m, uint64_t conn, int err)
{
    if (!world_ready(m) || !ep_by_conn(m, conn))
        return;
    packet *p = packet_new(PK_SYN_ACK, conn, NULL, 0);
    if (!p)
        return;
    p->err = err;
    push_down(m, p);
}

size_t modem_world_tcp_data(modem *m, uint64_t conn, const uint8_t *data, size_t n)
{
    if (!world_ready(m))
        return n; /* nobody there: the bytes are lost */
    ip_ep *e = ep_by_conn(m, conn);
    if (!e || e->state == EP_DEAD)
        return n;
    /* the receive window: what is unread plus what is on its way */
    size_t used = e->rx.len + e->in_flight_down;
    size_t room = used < IP_RX_LIMIT ? IP_RX_LIMIT - used : 0;
    size_t take = n < room ? n : room;
    if (take < n)
        e->window_closed = 1;
    for (size_t off = 0; off < take;) {
        size_t seg = take - off < IP_TCP_MSS ? take - off : IP_TCP_MSS;
        packet *p = packet_new(PK_DATA_IN, conn, data + off, seg);
        if (!p) {
            take = off;
            e->window_closed = 1;
            break;
        }
        push_down(m, p);
        off += seg;
    }
    e->in_flight_down += take;
    return take;
}

void modem_world_tcp_closed(modem *m, uint64_t conn, int err)
{
    if (!world_ready(m) || !ep_by_conn(m, conn))
        return;
    packet *p = packet_new(PK_FIN_IN, conn, NULL, 0);
    if (!p)
        return;
    p->err = err;
    push_down(m, p);
}

static ip_ep *ep_new(modem *m, ip_proto proto, ip_user user, const ip_ep_cb *cb);

static ip_ep *listener_at(const modem *m, uint16_t port)
{
    for (ip_ep *e = m->ip->eps; e; e = e->next)
        if (e->proto == IP_TCP && e->state == EP_LISTENING && e->lport == port)
            return e;
    return NULL;
}

int modem_world_tcp_incoming(modem *m, uint64_t conn, net_addr src, uint16_t dst_port)
{
    if (!world_ready(m))
        return -ECONNREFUSED;
    ip_ep *l = listener_at(m, dst_port);
    if (!l || ip_bearer_ready(m, l->user) || ep_by_conn(m, conn))
        return -ECONNREFUSED;
    packet *p = packet_new(PK_INCOMING, conn, NULL, 0);
    /* The endpoint exists from now on, so what the peer sends right away
     * (behind the SYN on the downlink) has a receive window to land in; its
     * user hears of it when the SYN arrives. */
    ip_ep *a = p ? ep_new(m, IP_TCP, l->user, &l->cb) : NULL;
    if (!a) {
        if (p)
            packet_free(p);
        return -ECONNREFUSED;
    }
    a->conn = conn;
    a->lport = dst_port;
    a->peer = src;
    a->state = EP_OPEN;
    a->incoming = 1;
    p->src = src;
    p->dst.port = dst_port;
    push_down(m, p);
    return 0;
}

/* ---------------- delivery at the far end of the link ---------------- */

static void deliver_up(modem *m, packet *p)
{
    const net_world_ops *w = &m->net_world;
    switch (p->kind) {
    case PK_DNS_QUERY:
        if (w->resolve)
            w->resolve(w->ctx, p->id, (const char *)p->data);
        else
            modem_world_resolved(m, p->id, -ENOENT, 0);
        break;
    case PK_UDP_OUT:
        if (w->udp_send)
            w->udp_send(w->ctx, p->src, p->dst, p->data, p->len);
        break;
    case PK_SYN:
        if (w->tcp_connect)
            w->tcp_connect(w->ctx, p->id, p->src, p->dst);
        else
            modem_world_tcp_connected(m, p->id, -ECONNREFUSED);
        break;
    case PK_DATA_OUT: {
        ip_ep *e = ep_by_conn(m, p->id);
        if (e) {
            e->unsent -= p->len < e->unsent ? p->len : e->unsent;
            if (e->unsent + p->len >= IP_TX_LIMIT && e->unsent < IP_TX_LIMIT) {
                e->notify_writable = 1;
                ep_notify(e);
            }
        }
        if (w->tcp_send)
            w->tcp_send(w->ctx, p->id, p->data, p->len);
        break;
    }
    case PK_FIN_OUT:
        if (w->tcp_close)
            w->tcp_close(w->ctx, p->id, p->err);
        break;
    default:
        break;
    }
}

static void deliver_dns(modem *m, packet *p)
{
    for (dns_req *r = m->ip->dns; r; r = r->next) {
        if (r->id != p->id || r->answered)
            continue;
        r->answered = 1;
        r->err = p->err;
        r->addr = p->src.ip;
        clk_timer_start(m->clk, &r->timer, 0); /* the answer, from the request's own timer */
        return;
    }
}

static void deliver_udp(modem *m, packet *p)
{
    ip_ep *e = ep_by_udp_port(m, p->dst.port);
    if (!e || e->state == EP_DEAD)
        return; /* port unreachable: the datagram is lost */
    if (ip_udp_pending_total(e) + p->len > IP_RX_LIMIT) { /* payload bytes held */
        if (m->io.trace)
            modem_trace_event(m, "ip udp dropped port=%u bytes=%zu reason=buffer_full", (unsigned)e->lport, p->len);
        return;
    }
    dgram_hdr h = { p->src.ip, p->src.port, (uint32_t)p->len };
    bytebuf_append(&e->rx, &h, sizeof(h));
    bytebuf_append(&e->rx, p->data, p->len);
    e->rx_dgrams++;
    e->received += p->len;
    e->notify_readable = 1;
    ep_notify(e);
}

static void deliver_incoming(modem *m, packet *p)
{
    ip_ep *a = ep_by_conn(m, p->id);
    if (!a || !a->incoming)
        return; /* gone meanwhile (the bearer, a reset) */
    ip_ep *l = listener_at(m, p->dst.port);
    if (!l) { /* the listener closed while the SYN was on its way: RST */
        ip_ep_close(a, 1);
        return;
    }
    a->incoming = 0;
    ip_ep **tail = &l->pending_accept;
    while (*tail)
        tail = &(*tail)->accept_next;
    *tail = a;
    ep_notify(l);
}

static void deliver_down(modem *m, packet *p)
{
    if (p->kind == PK_DNS_ANSWER) {
        deliver_dns(m, p);
        return;
    }
    if (p->kind == PK_UDP_IN) {
        deliver_udp(m, p);
        return;
    }
    if (p->kind == PK_INCOMING) {
        deliver_incoming(m, p);
        return;
    }
    ip_ep *e = ep_by_conn(m, p->id);
    if (!e)
        return;
    switch (p->kind) {
    case PK_SYN_ACK:
        if (e->state != EP_CONNECTING)
            break;
        clk_timer_stop(m->clk, &e->timer);
        if (p->err) {
            e->state = EP_DEAD;
            e->err = p->err;
            e->conn = 0;
        } else {
            e->state = EP_OPEN;
        }
        e->notify_connected = 1;
        ep_notify(e);
        break;
    case PK_DATA_IN:
            e->in_flight_down -= p->len < e->in_flight_down ? p->len : e->in_flight_down;
        bytebuf_append(&e->rx, p->data, p->len);
        e->received += p->len;
        e->notify_readable = 1;
        ep_notify(e);
        break;
    case PK_FIN_IN:
        if (p->err) {
            ep_broken(e, p->err);
        } else if (e->state == EP_OPEN) {
            e->state = EP_PEER_CLOSED;
            e->notify_closed = 1;
            ep_notify(e);
        }
        break;
    default:
        break;
    }
}

/* IP bytes of a packet as the counters see them: payload plus the
 * IPv4 and TCP (40) or UDP (28) headers. */
static void count_packet(ip_state *s, int down, const packet *p)
{
    uint64_t n;
    switch (p->kind) {
    case PK_UDP_OUT:
    case PK_UDP_IN: n = 28 + p->len; break;
    case PK_DNS_QUERY:
    case PK_DNS_ANSWER: n = p->len; break; /* already header and question */
    default: n = 40 + p->len; break;
    }
    if (down) {
        s->count.sess_rx += n;
        s->count.tot_rx += n;
    } else {
        s->count.sess_tx += n;
        s->count.tot_tx += n;
    }
}

static void link_timer_cb(clk_timer *t)
{
    link_dir *d = t->data;
    modem *m = d->m;
    sim_ns now = clk_now(m->clk);
    /* deliver everything due (a callback may queue more behind it) */
    while (d->head && d->head->due <= now && !link_paused(m)) {
        packet *p = d->head;
        d->head = p->next;
        if (!d->head)
            d->tail = NULL;
        if (d->down)
            deliver_down(m, p);
        else
            deliver_up(m, p);
        count_packet(m->ip, d->down, p);
        packet_free(p);
        net_traffic(m);
    }
    link_arm(d);
}

/* ---------------- endpoints ---------------- */

int ip_bearer_ready(const modem *m, ip_user user)
{
    if (!m->ip || m->power != MODEM_READY || !m->net.attached)
        return -ENETDOWN;
    if (user == IP_USER_HOST)
        return m->net.psd_active ? 0 : -ENETDOWN;
    return m->net.pdp_active[1] ? 0 : -ENETDOWN;
}

ip4 ip_local_addr(const modem *m)
{
    char buf[32];
    ip4 a = 0;
    if (m->net.pdp_active[1] && !ip4_parse(net_pdp_addr(m, 1, buf, sizeof(buf)), &a))
        return a;
    return 0;
}

static int port_in_use(const modem *m, ip_proto proto, uint16_t port)
{
    for (const ip_ep *e = m->ip->eps; e; e = e->next)
        if (e->proto == proto && e->lport == port)
            return 1;
    return 0;
}

/* Ephemeral ports from the dynamic range, as a stack assigns them. */
static uint16_t ephemeral_port(modem *m, ip_proto proto)
{
    ip_state *s = m->ip;
    for (int tries = 0; tries < 16384; tries++) {
        uint16_t p = s->next_port;
        s->next_port = s->next_port >= 65535 ? 49152 : s->next_port + 1;
        if (!port_in_use(m, proto, p))
            return p;
    }
    return 0;
}

static ip_ep *ep_new(modem *m, ip_proto proto, ip_user user, const ip_ep_cb *cb)
{
    ip_ep *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->m = m;
    e->proto = proto;
    e->user = user;
    if (cb)
        e->cb = *cb;
    bytebuf_init(&e->rx);
    clk_timer_init(&e->timer, ep_timer_cb, e);
    /* in creation order: what happens to several at once is told in it */
    ip_ep **tail = &m->ip->eps;
    while (*tail)
        tail = &(*tail)->next;
    *tail = e;
    return e;
}

static int ep_open(modem *m, ip_proto proto, ip_user user, uint16_t lport, const ip_ep_cb *cb, ip_ep **out)
{
    *out = NULL;
    int rc = ip_bearer_ready(m, user);
    if (rc)
        return rc;
    if (lport && port_in_use(m, proto, lport))
        return -EADDRINUSE;
    if (!lport && !(lport = ephemeral_port(m, proto)))
        return -EADDRINUSE;
    ip_ep *e = ep_new(m, proto, user, cb);
    if (!e)
        return -ENOMEM;
    e->lport = lport;
    if (proto == IP_UDP)
        e->state = EP_OPEN;
    *out = e;
    return 0;
}

int ip_udp_open(modem *m, ip_user user, uint16_t local_port, const ip_ep_cb *cb, ip_ep **out)
{
    return ep_open(m, IP_UDP, user, local_port, cb, out);
}

int ip_tcp_open(modem *m, ip_user user, uint16_t local_port, const ip_ep_cb *cb, ip_ep **out)
{
    return ep_open(m, IP_TCP, user, local_port, cb, out);
}

int ip_tcp_connect(ip_ep *e, net_addr dst)
{
    modem *m = e->m;
    if (e->proto != IP_TCP || e->state != EP_NEW)
        return -EINVAL;
    int rc = ip_bearer_ready(m, e->user);
    if (rc)
        return rc;
    packet *p = packet_new(PK_SYN, ++m->ip->next_id, NULL, 0);
    if (!p)
        return -ENOMEM;
    e->conn = p->id;
    e->peer = dst;
    e->state = EP_CONNECTING;
    p->src = (net_addr){ ip_local_addr(m), e->lport };
    p->dst = dst;
    link_push(m, &m->ip->up, p);
    clk_timer_start(m->clk, &e->timer, m->dev.timing[TIM_TCP_CONNECT_TIMEOUT]);
    return 0;
}

int ip_tcp_listen_for(ip_ep *e, ip4 peer)
{
    if (e->proto != IP_TCP || e->state != EP_NEW)
        return -EINVAL;
    e->state = EP_LISTENING;
    e->reach = (net_addr){ ip_local_addr(e->m), e->lport };
    const net_world_ops *w = &e->m->net_world;
    if (w->tcp_listen) {
        w->tcp_listen(w->ctx, e->lport, peer, &e->reach);
        e->world_listens = 1;
    }
    return 0;
}

int ip_tcp_listen(ip_ep *e) { return ip_tcp_listen_for(e, 0); }

net_addr ip_tcp_reach(const ip_ep *e) { return e->reach; }

long ip_tcp_send(ip_ep *e, const void *data, size_t n)
{
    modem *m = e->m;
    if (e->proto != IP_TCP)
        return -EINVAL;
    if (e->state == EP_DEAD)
        return e->err ? e->err : -ENOTCONN;
    if (e->state != EP_OPEN && e->state != EP_PEER_CLOSED)
        return -ENOTCONN;
    int rc = ip_bearer_ready(m, e->user);
    if (rc)
        return rc;
    size_t room = e->unsent < IP_TX_LIMIT ? IP_TX_LIMIT - e->unsent : 0;
    size_t take = n < room ? n : room;
    const uint8_t *b = data;
    for (size_t off = 0; off < take;) {
        size_t seg = take - off < IP_TCP_MSS ? take - off : IP_TCP_MSS;
        packet *p = packet_new(PK_DATA_OUT, e->conn, b + off, seg);
        if (!p) {
            take = off;
            break;
        }
        link_push(m, &m->ip->up, p);
        off += seg;
    }
    e->unsent += take;
    e->sent += take;
    return (long)take;
}

int ip_udp_sendto(ip_ep *e, net_addr dst, const void *data, size_t n)
{
    modem *m = e->m;
    if (e->proto != IP_UDP)
        return -EINVAL;
    if (n > IP_UDP_MAX)
        return -EMSGSIZE;
    int rc = ip_bearer_ready(m, e->user);
    if (rc)
        return rc;
    packet *p = packet_new(PK_UDP_OUT, 0, data, n);
    if (!p)
        return -ENOMEM;
    p->src = (net_addr){ ip_local_addr(m), e->lport };
    p->dst = dst;
    e->sent += n;
    link_push(m, &m->ip->up, p);
    return 0;
}

size_t ip_tcp_available(const ip_ep *e) { return e->proto == IP_TCP ? e->rx.len : 0; }

size_t ip_tcp_read(ip_ep *e, void *buf, size_t max)
{
    size_t n = e->rx.len < max ? e->rx.len : max;
    if (!n)
        return 0;
    memcpy(buf, e->rx.data, n);
    bytebuf_consume(&e->rx, n);
    if (e->window_closed && e->conn && e->rx.len + e->in_flight_down < IP_RX_LIMIT / 2) {
        e->window_closed = 0;
        if (e->m->net_world.tcp_resume)
            e->m->net_world.tcp_resume(e->m->net_world.ctx, e->conn);
    }
    return n;
}

size_t ip_udp_peek(const ip_ep *e, net_addr *src)
{
    if (e->proto != IP_UDP || !e->rx_dgrams)
        return 0;
    dgram_hdr h;
    memcpy(&h, e->rx.data, sizeof(h));
    if (src)
        *src = (net_addr){ h.ip, h.port };
    return h.len;
}

size_t ip_udp_recv(ip_ep *e, void *buf, size_t max, net_addr *src)
{
    if (e->proto != IP_UDP || !e->rx_dgrams)
        return 0;
    dgram_hdr h;
    memcpy(&h, e->rx.data, sizeof(h));
    if (src)
        *src = (net_addr){ h.ip, h.port };
    size_t n = h.len < max ? h.len : max;
    memcpy(buf, e->rx.data + sizeof(h), n);
    bytebuf_consume(&e->rx, sizeof(h) + h.len);
    e->rx_dgrams--;
    return h.len;
}

size_t ip_udp_pending_total(const ip_ep *e)
{
    return e->proto == IP_UDP ? e->rx.len - e->rx_dgrams * sizeof(dgram_hdr) : 0;
}

static void ep_unlink(ip_ep *e)
{
    ip_ep **pp = &e->m->ip->eps;
    while (*pp && *pp != e)
        pp = &(*pp)->next;
    if (*pp)
        *pp = e->next;
}

static void ep_free(ip_ep *e)
{
    clk_timer_stop(e->m->clk, &e->timer);
    while (e->pending_accept) {
        ip_ep *a = e->pending_accept;
        e->pending_accept = a->accept_next;
        ip_ep_close(a, 1);
    }
    bytebuf_free(&e->rx);
    free(e);
}

void ip_ep_close(ip_ep *e, int abort)
{
    if (!e)
        return;
    modem *m = e->m;
    const net_world_ops *w = &m->net_world;
    ep_unlink(e);
    if (e->proto == IP_TCP && e->conn) {
        if (abort || e->state == EP_CONNECTING) {
            /* RST goes out at once; nothing queued for it still leaves */
            link_forget_conn(&m->ip->up, e->conn);
            link_forget_conn(&m->ip->down, e->conn);
            if (w->tcp_close)
                w->tcp_close(w->ctx, e->conn, 1);
        } else {
            /* FIN behind the bytes still queued; the peer's late bytes
             * are dropped when they reach an unknown connection */
            packet *p = packet_new(PK_FIN_OUT, e->conn, NULL, 0);
            if (p)
                link_push(m, &m->ip->up, p);
            link_forget_conn(&m->ip->down, e->conn);
        }
    }
    if (e->proto == IP_UDP && w->udp_unbind && !port_in_use(m, IP_UDP, e->lport))
        w->udp_unbind(w->ctx, e->lport);
    if (e->world_listens && w->tcp_unlisten)
        w->tcp_unlisten(w->ctx, e->lport);
    ep_free(e);
}

ip_proto ip_ep_proto(const ip_ep *e) { return e->proto; }
modem *ip_ep_modem(const ip_ep *e) { return e->m; }
void ip_ep_set_cb(ip_ep *e, const ip_ep_cb *cb) { e->cb = *cb; }
ep_state ip_ep_state(const ip_ep *e) { return e->state; }
uint16_t ip_ep_local_port(const ip_ep *e) { return e->lport; }
net_addr ip_ep_peer(const ip_ep *e) { return e->peer; }
int ip_ep_error(const ip_ep *e) { return e->err; }
uint64_t ip_ep_sent(const ip_ep *e) { return e->sent; }
uint64_t ip_ep_received(const ip_ep *e) { return e->received; }
size_t ip_ep_unsent(const ip_ep *e) { return e->unsent; }

/* ---------------- DNS ---------------- */

static void dns_free(modem *m, dns_req *r)
{
    dns_req **pp = &m->ip->dns;
    while (*pp && *pp != r)
        pp = &(*pp)->next;
    if (*pp)
        *pp = r->next;
    clk_timer_stop(m->clk, &r->timer);
    free(r->name);
    free(r);
}

static void dns_timer_cb(clk_timer *t)
{
    dns_req *r = t->data;
    modem *m = r->m;
    ip_resolve_cb done = r->done;
    void *ctx = r->ctx;
    int err = r->answered ? r->err : -ETIMEDOUT; /* unanswered: the resolver gave up */
    ip4 addr = r->addr;
    if (!r->answered && m->io.trace)
        modem_trace_event(m, "ip dns timeout id=%llu", (unsigned long long)r->id);
    dns_free(m, r);
    done(ctx, err, addr);
}

uint64_t ip_resolve(modem *m, ip_user user, const char *name, ip_resolve_cb done, void *ctx)
{
    if (ip_bearer_ready(m, user) || !done)
        return 0;
    dns_req *r = calloc(1, sizeof(*r));
    packet *p = r ? packet_new(PK_DNS_QUERY, ++m->ip->next_id, name, strlen(name)) : NULL;
    if (!p || !(r->name = strdup(name))) {
        if (p)
            packet_free(p);
        free(r);
        return 0;
    }
    r->m = m;
    r->id = p->id;
    r->user = user;
    r->done = done;
    r->ctx = ctx;
    clk_timer_init(&r->timer, dns_timer_cb, r);
    clk_timer_start(m->clk, &r->timer, m->dev.timing[TIM_DNS_TIMEOUT]);
    r->next = m->ip->dns;
    m->ip->dns = r;
    p->len = DNS_QUERY_BYTES;
    link_push(m, &m->ip->up, p);
    return r->id;
}

void ip_resolve_cancel(modem *m, uint64_t handle)
{
    for (dns_req *r = m->ip->dns; r; r = r->next) {
        if (r->id == handle) {
            dns_free(m, r);
            return;
        }
    }
}

/* ---------------- lifecycle ---------------- */

int ip_init(modem *m)
{
    ip_state *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->paused_at = SIM_NEVER;
    s->next_port = 49152;
    s->up.m = s->down.m = m;
    s->down.down = 1;
    clk_timer_init(&s->up.timer, link_timer_cb, &s->up);
    clk_timer_init(&s->down.timer, link_timer_cb, &s->down);
    m->ip = s;
    return 0;
}

/* Forget every endpoint and request without a word to their users (the
 * module is going down); the world drops what it holds for us. */
static void forget_all(modem *m)
{
    ip_state *s = m->ip;
    const net_world_ops *w = &m->net_world;
    while (s->eps) {
        ip_ep *e = s->eps;
        s->eps = e->next;
        if (e->proto == IP_TCP && e->conn && w->tcp_close)
            w->tcp_close(w->ctx, e->conn, 1);
        if (e->proto == IP_UDP && w->udp_unbind)
            w->udp_unbind(w->ctx, e->lport);
        if (e->world_listens && w->tcp_unlisten)
            w->tcp_unlisten(w->ctx, e->lport);
        ep_free(e);
    }
    while (s->dns)
        dns_free(m, s->dns);
    link_clear(m, &s->up);
    link_clear(m, &s->down);
}

void ip_free(modem *m)
{
    if (!m->ip)
        return;
    forget_all(m);
    free(m->ip);
    m->ip = NULL;
}

void ip_stop(modem *m)
{
    if (!m->ip)
        return;
    forget_all(m);
    m->ip->paused_at = SIM_NEVER;
}

void ip_bearer_down(modem *m, ip_user user)
{
    ip_state *s = m->ip;
    if (!s)
        return;
    const net_world_ops *w = &m->net_world;
    int all = user == IP_USER_MODULE; /* the default bearer carries everything */
    for (ip_ep *e = s->eps; e; e = e->next) {
        if (!all && e->user != user)
            continue;
        if (e->proto == IP_TCP && e->conn) {
            link_forget_conn(&s->up, e->conn);
            link_forget_conn(&s->down, e->conn);
            if (w->tcp_close)
                w->tcp_close(w->ctx, e->conn, 1);
        }
        if (e->state != EP_DEAD && (e->proto == IP_TCP || e->state == EP_OPEN))
            ep_broken(e, -ENETDOWN);
    }
    for (dns_req *r = s->dns; r; r = r->next) {
        if ((all || r->user == user) && !r->answered) {
            r->answered = 1;
            r->err = -ENETDOWN;
            clk_timer_start(m->clk, &r->timer, 0);
        }
    }
}

const ip_counters *ip_get_counters(const modem *m)
{
    static const ip_counters none;
    return m->ip ? &m->ip->count : &none;
}

void ip_counters_set(modem *m, uint64_t tx, uint64_t rx)
{
    if (!m->ip)
        return;
    m->ip->count = (ip_counters){ tx, rx, tx, rx };
}

void ip_counters_new_session(modem *m)
{
    if (m->ip)
        m->ip->count.sess_tx = m->ip->count.sess_rx = 0;
}
