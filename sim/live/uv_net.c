/* uv_net.c - the real network behind the simulated radio (live sarasim
 * only): the module's DNS lookups, UDP datagrams and TCP connections become
 * real ones through libuv.
 *
 * Names resolve only when mapped (--host NAME=ADDR, or a "real" host of a
 * --world file): ADDR is looked up with uv_getaddrinfo (IPv4) and the module
 * sees that address.  Traffic to any address the simulated world does not
 * own comes here.  Everything the module is told happens from a libuv
 * callback, after the modem's clock is brought up to the present.
 *
 * Simulated time and wall time meet here: the radio link model delays
 * packets on the modem's (scaled) clock, the real peer answers in wall
 * time.  At --time-scale 10 a peer's 5 ms look 50 simulated ms.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "uv_host.h"

typedef struct name_map {
    char *name;
    char *addr;
} name_map;

typedef struct udp_port {
    uv_udp_t h;
    uv_net *net;
    uint16_t port; /* the module's */
    int closing;
    struct udp_port *next;
} udp_port;

typedef struct tcp_link {
    uv_tcp_t h;
    uv_connect_t connect;
    uv_net *net;
    uint64_t conn;
    bytebuf held;      /* bytes the module could not take yet */
    int eof_pending;   /* the peer closed behind the held bytes */
    int reading;
    int closing;
    int connected;
    struct tcp_link *next;
} tcp_link;

/* A real port standing for one the module listens on (+USOLI, an FTP
 * client's active-mode data connection): bound on loopback, the same number
 * when it is free. */
typedef struct tcp_listener {
    uv_tcp_t h;
    uv_net *net;
    uint16_t port; /* the module's */
    int closing;
    struct tcp_listener *next;
} tcp_listener;

typedef struct lookup {
    uv_getaddrinfo_t req;
    uv_net *net;
    uint64_t id;
    int answered; /* the module forgot it (net closing): drop the answer */
    struct lookup *next;
} lookup;

/* An answer owed to the module that must not come from inside its call. */
typedef struct later {
    uint64_t id;
    int kind; /* 0 resolve failed, 1 connect failed, 2 offer held bytes again */
    int err;
    struct later *next;
} later;

struct uv_net {
    uv_loop_t *loop;
    uv_simclock *clock;
    modem *m;
    name_map *names;
    size_t nnames;
    udp_port *udps;
    tcp_link *tcps;
    tcp_listener *listeners;
    uint64_t next_incoming; /* ids of connections real peers open to the module */
    lookup *lookups;
    later *laters;
    uv_timer_t later_timer;
    int closing;
};

/* ---------------- around every call into the modem ---------------- */

static void enter(uv_net *n) { uv_simclock_sync(n->clock); }
static void leave(uv_net *n) { uv_simclock_rearm(n->clock); }

static net_addr from_sockaddr(const struct sockaddr *sa)
{
    const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
    return (net_addr){ ntohl(in->sin_addr.s_addr), ntohs(in->sin_port) };
}

static struct sockaddr_in to_sockaddr(net_addr a)
{
    struct sockaddr_in in;
    memset(&in, 0, sizeof(in));
    in.sin_family = AF_INET;
    in.sin_addr.s_addr = htonl(a.ip);
    in.sin_port = htons(a.port);
    return in;
}

static tcp_link *tcp_by_conn(uv_net *n, uint64_t conn);
static void tcp_deliver(uv_net *n, tcp_link *t);

/* ---------------- answers that must wait ---------------- */

static void later_cb(uv_timer_t *t)
{
    uv_net *n = t->data;
    later *l = n->laters;
    n->laters = NULL;
    /* oldest first */
    later *rev = NULL;
    while (l) {
        later *next = l->next;
        l->next = rev;
        rev = l;
        l = next;
    }
    enter(n);
    while (rev) {
        later *x = rev;
        rev = x->next;
        if (n->m && x->kind == 0) {
            modem_world_resolved(n->m, x->id, x->err, 0);
        } else if (n->m && x->kind == 1) {
            modem_world_tcp_connected(n->m, x->id, x->err);
        } else if (n->m) {
            tcp_link *tl = tcp_by_conn(n, x->id);
            if (tl)
                tcp_deliver(n, tl);
        }
        free(x);
    }
    leave(n);
}

static void answer_later(uv_net *n, int kind, uint64_t id, int err)
{
    if (n->closing)
        return;
    later *l = calloc(1, sizeof(*l));
    if (!l)
        return;
    l->kind = kind;
    l->id = id;
    l->err = err;
    l->next = n->laters;
    n->laters = l;
    uv_timer_start(&n->later_timer, later_cb, 0, 0);
}

/* ---------------- DNS ---------------- */

static const char *mapped(const uv_net *n, const char *name)
{
    for (size_t i = 0; i < n->nnames; i++)
        if (!strcasecmp(n->names[i].name, name))
            return n->names[i].addr;
    return NULL;
}

static void unlink_lookup(uv_net *n, lookup *l)
{
    lookup **pp = &n->lookups;
    while (*pp && *pp != l)
        pp = &(*pp)->next;
    if (*pp)
        *pp = l->next;
}

static void resolved_cb(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    lookup *l = req->data;
    uv_net *n = l->net;
    unlink_lookup(n, l);
    if (!l->answered && n->m && !n->closing) {
        enter(n);
        if (status || !res)
            modem_world_resolved(n->m, l->id, -ENOENT, 0);
        else
            modem_world_resolved(n->m, l->id, 0, from_sockaddr(res->ai_addr).ip);
        leave(n);
    }
    uv_freeaddrinfo(res);
    free(l);
}

static void op_resolve(void *ctx, uint64_t id, const char *name)
{
    uv_net *n = ctx;
    const char *addr = mapped(n, name);
    lookup *l = addr ? calloc(1, sizeof(*l)) : NULL;
    if (!l) {
        answer_later(n, 0, id, -ENOENT); /* not mapped: no such name */
        return;
    }
    l->net = n;
    l->id = id;
    l->req.data = l;
    struct addrinfo hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_INET;
    if (uv_getaddrinfo(n->loop, &l->req, resolved_cb, addr, NULL, &hints)) {
        free(l);
        answer_later(n, 0, id, -ENOENT);
        return;
    }
    l->next = n->lookups;
    n->lookups = l;
}

/* ---------------- UDP ---------------- */

static void udp_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    (void)suggested;
    buf->base = malloc(65536);
    buf->len = buf->base ? 65536 : 0;
}

static void udp_recv_cb(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *addr,
                        unsigned flags)
{
    udp_port *u = h->data;
    uv_net *n = u->net;
    if (nread > 0 && addr && addr->sa_family == AF_INET && !(flags & UV_UDP_PARTIAL) && n->m && !u->closing) {
        enter(n);
        net_addr dst = { ip_local_addr(n->m), u->port };
        modem_world_udp(n->m, from_sockaddr(addr), dst, (const uint8_t *)buf->base, (size_t)nread);
        leave(n);
    }
    free(buf->base);
}

static udp_port *udp_for(uv_net *n, uint16_t port)
{
    for (udp_port *u = n->udps; u; u = u->next)
        if (u->port == port && !u->closing)
            return u;
    udp_port *u = calloc(1, sizeof(*u));
    if (!u)
        return NULL;
    u->net = n;
    u->port = port;
    uv_udp_init(n->loop, &u->h);
    u->h.data = u;
    struct sockaddr_in any = to_sockaddr((net_addr){ 0, 0 });
    if (uv_udp_bind(&u->h, (const struct sockaddr *)&any, 0) ||
        uv_udp_recv_start(&u->h, udp_alloc, udp_recv_cb)) {
        uv_close((uv_handle_t *)&u->h, (uv_close_cb)free);
        return NULL;
    }
    u->next = n->udps;
    n->udps = u;
    return u;
}

typedef struct udp_send_req {
    uv_udp_send_t req;
    char data[];
} udp_send_req;

static void udp_sent(uv_udp_send_t *req, int status)
{
    (void)status; /* a datagram that cannot leave is lost, as on a network */
    free(req);
}

static void op_udp_send(void *ctx, net_addr src, net_addr dst, const uint8_t *p, size_t len)
{
    uv_net *n = ctx;
    udp_port *u = udp_for(n, src.port);
    udp_send_req *r = u ? malloc(sizeof(*r) + len + 1) : NULL;
    if (!r)
        return;
    memcpy(r->data, p, len);
    uv_buf_t b = uv_buf_init(r->data, (unsigned)len);
    struct sockaddr_in to = to_sockaddr(dst);
    if (uv_udp_send(&r->req, &u->h, &b, 1, (const struct sockaddr *)&to, udp_sent))
        free(r);
}

static void udp_closed(uv_handle_t *h) { free(h->data); }

static void udp_close(uv_net *n, udp_port *u)
{
    udp_port **pp = &n->udps;
    while (*pp && *pp != u)
        pp = &(*pp)->next;
    if (*pp)
        *pp = u->next;
    u->closing = 1;
    uv_close((uv_handle_t *)&u->h, udp_closed);
}

static void op_udp_unbind(void *ctx, uint16_t port)
{
    uv_net *n = ctx;
    for (udp_port *u = n->udps; u; u = u->next) {
        if (u->port == port) {
            udp_close(n, u);
            return;
        }
    }
}

/* ---------------- TCP ---------------- */

static tcp_link *tcp_by_conn(uv_net *n, uint64_t conn)
{
    for (tcp_link *t = n->tcps; t; t = t->next)
        if (t->conn == conn && !t->closing)
            return t;
    return NULL;
}

static void tcp_closed(uv_handle_t *h)
{
    tcp_link *t = h->data;
    bytebuf_free(&t->held);
    free(t);
}

static void tcp_close(uv_net *n, tcp_link *t, int reset)
{
    if (t->closing)
        return;
    tcp_link **pp = &n->tcps;
    while (*pp && *pp != t)
        pp = &(*pp)->next;
    if (*pp)
        *pp = t->next;
    t->closing = 1;
    if (reset && t->connected)
        uv_tcp_close_reset(&t->h, tcp_closed);
    else
        uv_close((uv_handle_t *)&t->h, tcp_closed);
}

static void tcp_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    buf->base = malloc(suggested);
    buf->len = buf->base ? suggested : 0;
}

static void tcp_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);

static void tcp_reading(tcp_link *t, int on)
{
    if (on == t->reading || t->closing)
        return;
    t->reading = on;
    if (on)
        uv_read_start((uv_stream_t *)&t->h, tcp_alloc, tcp_read_cb);
    else
        uv_read_stop((uv_stream_t *)&t->h);
}

static void tcp_deliver(uv_net *n, tcp_link *t)
{
    if (t->held.len) {
        size_t took = modem_world_tcp_data(n->m, t->conn, t->held.data, t->held.len);
        bytebuf_consume(&t->held, took);
    }
    if (!t->held.len && t->eof_pending) {
        modem_world_tcp_closed(n->m, t->conn, 0);
        tcp_close(n, t, 0);
        return;
    }
    tcp_reading(t, !t->held.len && !t->eof_pending);
}

static void tcp_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    tcp_link *t = s->data;
    uv_net *n = t->net;
    if (nread > 0)
        bytebuf_append(&t->held, buf->base, (size_t)nread);
    free(buf->base);
    if (nread == 0 || !n->m)
        return;
    enter(n);
    if (nread == UV_EOF) {
        t->eof_pending = 1;
        tcp_deliver(n, t);
    } else if (nread < 0) {
        modem_world_tcp_closed(n->m, t->conn, nread == UV_ECONNRESET ? -ECONNRESET : (int)nread);
        tcp_close(n, t, 0);
    } else {
        tcp_deliver(n, t);
    }
    leave(n);
}

static void tcp_connected_cb(uv_connect_t *req, int status)
{
    tcp_link *t = req->data;
    uv_net *n = t->net;
    if (t->closing)
        return;
    enter(n);
    if (status) {
        modem_world_tcp_connected(n->m, t->conn, status); /* libuv errors are -errno */
        tcp_close(n, t, 0);
    } else {
        t->connected = 1;
        modem_world_tcp_connected(n->m, t->conn, 0);
        tcp_reading(t, 1);
    }
    leave(n);
}

static void op_tcp_connect(void *ctx, uint64_t conn, net_addr src, net_addr dst)
{
    (void)src;
    uv_net *n = ctx;
    tcp_link *t = calloc(1, sizeof(*t));
    if (!t) {
        answer_later(n, 1, conn, -ENOMEM);
        return;
    }
    t->net = n;
    t->conn = conn;
    bytebuf_init(&t->held);
    uv_tcp_init(n->loop, &t->h);
    t->h.data = t;
    t->connect.data = t;
    struct sockaddr_in to = to_sockaddr(dst);
    int rc = uv_tcp_connect(&t->connect, &t->h, (const struct sockaddr *)&to, tcp_connected_cb);
    if (rc) {
        uv_close((uv_handle_t *)&t->h, tcp_closed);
        answer_later(n, 1, conn, rc);
        return;
    }
    t->next = n->tcps;
    n->tcps = t;
}

typedef struct tcp_write_req {
    uv_write_t req;
    char data[];
} tcp_write_req;

static void tcp_written(uv_write_t *req, int status)
{
    (void)status; /* a failed write shows as a read error / reset */
    free(req);
}

static void op_tcp_send(void *ctx, uint64_t conn, const uint8_t *p, size_t len)
{
    uv_net *n = ctx;
    tcp_link *t = tcp_by_conn(n, conn);
    tcp_write_req *w = t && t->connected ? malloc(sizeof(*w) + len + 1) : NULL;
    if (!w)
        return;
    memcpy(w->data, p, len);
    uv_buf_t b = uv_buf_init(w->data, (unsigned)len);
    if (uv_write(&w->req, (uv_stream_t *)&t->h, &b, 1, tcp_written))
        free(w);
}

static void shutdown_done(uv_shutdown_t *req, int status)
{
    (void)status;
    tcp_link *t = req->data;
    free(req);
    tcp_close(t->net, t, 0);
}

static void op_tcp_close(void *ctx, uint64_t conn, int abort)
{
    uv_net *n = ctx;
    tcp_link *t = tcp_by_conn(n, conn);
    if (!t)
        return;
    uv_shutdown_t *req = !abort && t->connected ? malloc(sizeof(*req)) : NULL;
    if (req) {
        /* FIN after what was written; the module no longer reads */
        tcp_reading(t, 0);
        req->data = t;
        t->conn = 0;
        if (!uv_shutdown(req, (uv_stream_t *)&t->h, shutdown_done))
            return;
        free(req);
    }
    tcp_close(n, t, 1);
}

/* ---------------- TCP: peers connecting to the module ---------------- */

static void tcp_accepted(uv_stream_t *server, int status)
{
    tcp_listener *l = server->data;
    uv_net *n = l->net;
    if (status < 0 || l->closing || n->closing)
        return;
    tcp_link *t = calloc(1, sizeof(*t));
    if (!t)
        return;
    t->net = n;
    bytebuf_init(&t->held);
    uv_tcp_init(n->loop, &t->h);
    t->h.data = t;
    if (uv_accept(server, (uv_stream_t *)&t->h)) {
        uv_close((uv_handle_t *)&t->h, tcp_closed);
        return;
    }
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    net_addr src = { 0x7f000001, 0 };
    if (!uv_tcp_getpeername(&t->h, (struct sockaddr *)&ss, &len) && ss.ss_family == AF_INET)
        src = from_sockaddr((const struct sockaddr *)&ss);
    t->conn = (1ull << 63) + ++n->next_incoming; /* above the module's own ids */
    t->connected = 1;
    enter(n);
    int rc = n->m ? modem_world_tcp_incoming(n->m, t->conn, src, l->port) : -ECONNREFUSED;
    leave(n);
    if (rc) {
        uv_tcp_close_reset(&t->h, tcp_closed);
        return;
    }
    t->next = n->tcps;
    n->tcps = t;
    tcp_reading(t, 1);
}

static void listener_free(uv_handle_t *h) { free(h->data); }

/* Bind 127.0.0.1:port and listen: 0 and the port bound, or -errno. */
static int listener_open(uv_net *n, uint16_t module_port, uint16_t port, tcp_listener **out)
{
    tcp_listener *l = calloc(1, sizeof(*l));
    if (!l)
        return -ENOMEM;
    l->net = n;
    l->port = module_port;
    uv_tcp_init(n->loop, &l->h);
    l->h.data = l;
    struct sockaddr_in a = to_sockaddr((net_addr){ 0x7f000001, port });
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    int rc = uv_tcp_bind(&l->h, (const struct sockaddr *)&a, 0);
    if (!rc)
        rc = uv_listen((uv_stream_t *)&l->h, 16, tcp_accepted);
    if (!rc)
        rc = uv_tcp_getsockname(&l->h, (struct sockaddr *)&ss, &len);
    if (rc) {
        uv_close((uv_handle_t *)&l->h, listener_free);
        return rc;
    }
    *out = l;
    return from_sockaddr((const struct sockaddr *)&ss).port;
}

static void op_tcp_listen(void *ctx, uint16_t port, ip4 peer, net_addr *reach)
{
    (void)peer;
    uv_net *n = ctx;
    tcp_listener *l = NULL;
    int bound = listener_open(n, port, port, &l);
    if (bound < 0) /* taken on this machine (or privileged): any free one stands for it */
        bound = listener_open(n, port, 0, &l);
    if (bound < 0)
        return; /* real peers cannot reach this listener */
    l->next = n->listeners;
    n->listeners = l;
    *reach = (net_addr){ 0x7f000001, (uint16_t)bound };
}

static void listener_close(uv_net *n, tcp_listener *l)
{
    tcp_listener **pp = &n->listeners;
    while (*pp && *pp != l)
        pp = &(*pp)->next;
    if (*pp)
        *pp = l->next;
    l->closing = 1;
    uv_close((uv_handle_t *)&l->h, listener_free);
}

static void op_tcp_unlisten(void *ctx, uint16_t port)
{
    uv_net *n = ctx;
    for (tcp_listener *l = n->listeners; l; l = l->next) {
        if (l->port == port) {
            listener_close(n, l);
            return;
        }
    }
}

static void op_tcp_resume(void *ctx, uint64_t conn)
{
    uv_net *n = ctx;
    tcp_link *t = tcp_by_conn(n, conn);
    if (!t)
        return;
    /* called from inside the modem: offer the held bytes from the loop */
    answer_later(n, 2, conn, 0);
}

/* ---------------- lifecycle ---------------- */

int uv_net_create(uv_net **out, uv_loop_t *loop, uv_simclock *clock)
{
    uv_net *n = calloc(1, sizeof(*n));
    if (!n)
        return -ENOMEM;
    n->loop = loop;
    n->clock = clock;
    uv_timer_init(loop, &n->later_timer);
    n->later_timer.data = n;
    *out = n;
    return 0;
}

int uv_net_map(uv_net *n, const char *name, const char *addr)
{
    name_map *nm = realloc(n->names, (n->nnames + 1) * sizeof(*nm));
    if (!nm)
        return -ENOMEM;
    n->names = nm;
    nm[n->nnames].name = strdup(name);
    nm[n->nnames].addr = strdup(addr);
    if (!nm[n->nnames].name || !nm[n->nnames].addr) {
        free(nm[n->nnames].name);
        free(nm[n->nnames].addr);
        return -ENOMEM;
    }
    n->nnames++;
    return 0;
}

void uv_net_attach(uv_net *n, modem *m) { n->m = m; }

net_world_ops uv_net_ops(uv_net *n)
{
    net_world_ops o = { op_resolve,    op_udp_send,   op_udp_unbind, op_tcp_connect, op_tcp_send,
                        op_tcp_close,  op_tcp_resume, n,             op_tcp_listen,  op_tcp_unlisten };
    return o;
}

void uv_net_close(uv_net *n)
{
    if (!n)
        return;
    n->closing = 1;
    n->m = NULL;
    while (n->udps)
        udp_close(n, n->udps);
    while (n->tcps)
        tcp_close(n, n->tcps, 1);
    while (n->listeners)
        listener_close(n, n->listeners);
    for (lookup *l = n->lookups; l; l = l->next)
        l->answered = 1; /* their callbacks free them */
    uv_timer_stop(&n->later_timer);
    uv_close((uv_handle_t *)&n->later_timer, NULL);
    while (n->laters) {
        later *l = n->laters;
        n->laters = l->next;
        free(l);
    }
}

void uv_net_free(uv_net *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->nnames; i++) {
        free(n->names[i].name);
        free(n->names[i].addr);
    }
    free(n->names);
    free(n);
}
