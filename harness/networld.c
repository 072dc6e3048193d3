/* networld.c - simulated hosts behind the radio (see networld.h).
 *
 * Every world op the modem calls only records work; a clock timer due now
 * runs it, so the modem is never re-entered.  Connections of simulated
 * hosts live here; connections to anything else belong to the fallback
 * world, which answers the modem itself. */
#include "networld.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/bytebuf.h"

typedef struct nw_host nw_host;

typedef struct nw_svc {
    nw_service_cfg cfg;
    nw_host *host;
} nw_svc;

struct nw_host {
    char *name;
    ip4 ip;
    ip4 real; /* 0: simulated */
    nw_svc *svcs;
    size_t nsvcs;
    nw_faults faults;
};

struct nw_conn {
    networld *w;
    uint64_t id;
    nw_host *host;
    nw_svc *svc;
    net_addr peer;       /* the module's address and port */
    net_addr local;      /* the host's */
    void *cs;            /* the service's state */
    bytebuf out;         /* bytes for the module the modem has not taken yet */
    int fin_pending;     /* close after out is delivered */
    int blocked;         /* the modem's window is closed: wait for tcp_resume */
    int dead;
    int drain_due;       /* a drained() notification is queued */
    int dynamic;         /* served by a port the host opened at run time, not one of its services */
    int svc_closed;      /* the service closed it: it hears nothing more of it */
    uint64_t from_module;
    /* script services */
    size_t step;
    bytebuf in;
    clk_timer timer;
    nw_conn *next;
};

/* A port a host opened at run time (networld_listen), or the service behind
 * connections a host opened to the module (then not open: it accepts
 * nothing).  Kept until the world ends: connections point at svc. */
typedef struct nw_listener {
    nw_svc svc;
    ip4 ip;
    int open;
    struct nw_listener *next;
} nw_listener;

/* Work recorded by an op, run from the world's timer. */
typedef enum { W_RESOLVE, W_UDP, W_CONNECT, W_DATA, W_CLOSE, W_RESUME, W_FLUSH, W_DRAINED } work_kind;
typedef struct work {
    work_kind kind;
    uint64_t id;
    net_addr src, dst;
    int flag;
    uint8_t *data;
    size_t len;
    sim_ns due;
    uint64_t seq;
    struct work *next;
} work;

struct networld {
    clk *clk;
    modem *m;
    nw_host *hosts;
    size_t nhosts;
    net_world_ops fallback;
    int has_fallback;
    nw_conn *conns;
    work *queue;          /* sorted by (due, seq) */
    uint64_t seq;
    clk_timer timer;
    uint32_t next_auto_ip;
    nw_listener *listeners;
    uint64_t next_conn;   /* ids of connections the world opens towards the module */
    void (*log)(void *ctx, const char *text);
    void *log_ctx;
};

static void world_timer_cb(clk_timer *t);
static void script_run(nw_conn *c);
static struct work *work_add(networld *w, work_kind kind, uint64_t id, sim_ns delay);

/* ---------------- logging ---------------- */

static void wlogv(networld *w, const char *fmt, va_list ap)
{
    if (!w->log)
        return;
    char buf[512];
    vsnprintf(buf, sizeof(buf), fmt, ap);
    w->log(w->log_ctx, buf);
}

static void wlog(networld *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void wlog(networld *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    wlogv(w, fmt, ap);
    va_end(ap);
}

void networld_logf(networld *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    wlogv(w, fmt, ap);
    va_end(ap);
}

void networld_set_log(networld *w, void (*log)(void *ctx, const char *text), void *ctx)
{
    w->log = log;
    w->log_ctx = ctx;
}

/* ---------------- configuration ---------------- */

static void steps_free(nw_step *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(s[i].data);
    free(s);
}

/* A custom service that clones: its owner (a config, a world) destroys
 * its own copy. */
static int svc_owned(const nw_service_cfg *s)
{
    return s->kind == NW_SVC_CUSTOM && s->ops && s->ops->clone && s->ops->destroy;
}

void nw_config_free(nw_config *c)
{
    for (size_t i = 0; i < c->nhosts; i++) {
        nw_host_cfg *h = &c->hosts[i];
        for (size_t k = 0; k < h->nsvcs; k++) {
            steps_free(h->svcs[k].steps, h->svcs[k].nsteps);
            if (svc_owned(&h->svcs[k]))
                h->svcs[k].ops->destroy(h->svcs[k].svc);
            if (h->svcs[k].opts_free)
                h->svcs[k].opts_free(h->svcs[k].opts);
        }
        free(h->svcs);
        free(h->name);
        free(h->real);
    }
    free(c->hosts);
    memset(c, 0, sizeof(*c));
}

static int copy_steps(const nw_service_cfg *from, nw_service_cfg *to)
{
    to->steps = NULL;
    if (!from->nsteps)
        return 0;
    to->steps = calloc(from->nsteps, sizeof(*to->steps));
    if (!to->steps)
        return -ENOMEM;
    for (size_t i = 0; i < from->nsteps; i++) {
        to->steps[i] = from->steps[i];
        to->steps[i].data = NULL;
        if (from->steps[i].len) {
            to->steps[i].data = malloc(from->steps[i].len);
            if (!to->steps[i].data)
                return -ENOMEM;
            memcpy(to->steps[i].data, from->steps[i].data, from->steps[i].len);
        }
    }
    return 0;
}

static void host_free(nw_host *h)
{
    for (size_t k = 0; k < h->nsvcs; k++) {
        steps_free(h->svcs[k].cfg.steps, h->svcs[k].cfg.nsteps);
        /* the world's clone, or a service bound to the world (destroyed
         * with it, as networld_bind_service says) */
        if (h->svcs[k].cfg.ops && h->svcs[k].cfg.ops->destroy && h->svcs[k].cfg.svc)
            h->svcs[k].cfg.ops->destroy(h->svcs[k].cfg.svc);
    }
    free(h->svcs);
    free(h->name);
}

int networld_add_host(networld *w, const nw_host_cfg *hc)
{
    nw_host *nh = realloc(w->hosts, (w->nhosts + 1) * sizeof(*nh));
    if (!nh)
        return -ENOMEM;
    w->hosts = nh;
    /* services point at their host: fix them after the move */
    for (size_t i = 0; i < w->nhosts; i++)
        for (size_t k = 0; k < w->hosts[i].nsvcs; k++)
            w->hosts[i].svcs[k].host = &w->hosts[i];
    nw_host *h = &w->hosts[w->nhosts];
    memset(h, 0, sizeof(*h));
    h->name = strdup(hc->name ? hc->name : "");
    h->ip = hc->ip ? hc->ip : w->next_auto_ip++;
    h->faults = hc->faults;
    if (hc->real && ip4_parse(hc->real, &h->real))
        h->real = 0x7f000001; /* names that are not dotted quads: loopback */
    h->svcs = hc->nsvcs ? calloc(hc->nsvcs, sizeof(*h->svcs)) : NULL;
    if (!h->name || (hc->nsvcs && !h->svcs)) {
        host_free(h);
        return -ENOMEM;
    }
    for (size_t k = 0; k < hc->nsvcs; k++) {
        h->svcs[k].cfg = hc->svcs[k];
        h->svcs[k].cfg.opts = NULL; /* the config's, not the world's */
        h->svcs[k].cfg.opts_free = NULL;
        h->svcs[k].host = h;
        h->nsvcs = k + 1;
        if (svc_owned(&hc->svcs[k]))
            h->svcs[k].cfg.svc = hc->svcs[k].ops->clone(hc->svcs[k].svc);
        if (copy_steps(&hc->svcs[k], &h->svcs[k].cfg) || (svc_owned(&hc->svcs[k]) && !h->svcs[k].cfg.svc)) {
            host_free(h);
            return -ENOMEM;
        }
    }
    h->nsvcs = hc->nsvcs;
    w->nhosts++;
    /* conns hold host pointers: refresh them too */
    for (nw_conn *c = w->conns; c; c = c->next)
        for (size_t i = 0; i < w->nhosts; i++)
            if (c->local.ip == w->hosts[i].ip) {
                c->host = &w->hosts[i];
                for (size_t k = 0; k < c->host->nsvcs && !c->dynamic; k++)
                    if (c->host->svcs[k].cfg.port == c->local.port && c->host->svcs[k].cfg.proto == IP_TCP)
                        c->svc = &c->host->svcs[k];
            }
    return 0;
}

int networld_create(networld **out, clk *c, const nw_config *cfg, const net_world_ops *fallback)
{
    networld *w = calloc(1, sizeof(*w));
    if (!w)
        return -ENOMEM;
    w->clk = c;
    w->next_auto_ip = 0xCB007101; /* 203.0.113.1 (TEST-NET-3) upwards */
    if (fallback) {
        w->fallback = *fallback;
        w->has_fallback = 1;
    }
    clk_timer_init(&w->timer, world_timer_cb, w);
    for (size_t i = 0; cfg && i < cfg->nhosts; i++) {
        if (networld_add_host(w, &cfg->hosts[i])) {
            networld_destroy(w);
            return -ENOMEM;
        }
    }
    *out = w;
    return 0;
}

void networld_attach(networld *w, modem *m) { w->m = m; }

static void conn_free(nw_conn *c)
{
    clk_timer_stop(c->w->clk, &c->timer);
    bytebuf_free(&c->out);
    bytebuf_free(&c->in);
    free(c);
}

void networld_destroy(networld *w)
{
    if (!w)
        return;
    clk_timer_stop(w->clk, &w->timer);
    while (w->conns) {
        nw_conn *c = w->conns;
        w->conns = c->next;
        if (c->svc && c->svc->cfg.ops && c->svc->cfg.ops->closed && !c->svc_closed)
            c->svc->cfg.ops->closed(c->svc->cfg.svc, c->cs, c, -ECONNABORTED);
        conn_free(c);
    }
    while (w->queue) {
        work *k = w->queue;
        w->queue = k->next;
        free(k->data);
        free(k);
    }
    for (size_t i = 0; i < w->nhosts; i++)
        host_free(&w->hosts[i]);
    free(w->hosts);
    while (w->listeners) {
        nw_listener *l = w->listeners;
        w->listeners = l->next;
        free(l);
    }
    free(w);
}

clk *networld_clock(networld *w) { return w->clk; }

static nw_host *host_by_name(const networld *w, const char *name)
{
    for (size_t i = 0; i < w->nhosts; i++)
        if (!strcasecmp(w->hosts[i].name, name))
            return &w->hosts[i];
    return NULL;
}

static nw_host *host_by_ip(const networld *w, ip4 ip)
{
    for (size_t i = 0; i < w->nhosts; i++)
        if (w->hosts[i].ip == ip && !w->hosts[i].real)
            return &w->hosts[i];
    return NULL;
}

ip4 networld_host_ip(const networld *w, const char *name)
{
    const nw_host *h = host_by_name(w, name);
    return h ? h->ip : 0;
}

int networld_set_faults(networld *w, const char *host, const nw_faults *f)
{
    nw_host *h = host_by_name(w, host);
    if (!h)
        return -ENOENT;
    int was_stalled = h->faults.stall;
    h->faults = *f;
    if (was_stalled && !f->stall) { /* what the host held back goes now */
        for (nw_conn *c = w->conns; c; c = c->next)
            if (c->host == h)
                c->blocked = 0;
        work_add(w, W_FLUSH, 0, 0);
    }
    return 0;
}

int networld_get_faults(networld *w, const char *host, nw_faults *f)
{
    nw_host *h = host_by_name(w, host);
    if (!h)
        return -ENOENT;
    *f = h->faults;
    return 0;
}

static nw_svc *service_at(nw_host *h, ip_proto proto, uint16_t port)
{
    for (size_t k = 0; h && k < h->nsvcs; k++)
        if (h->svcs[k].cfg.proto == proto && h->svcs[k].cfg.port == port)
            return &h->svcs[k];
    return NULL;
}

int networld_bind_service(networld *w, const char *host, ip_proto proto, uint16_t port, const nw_service_ops *ops,
                          void *svc)
{
    nw_host *h = host_by_name(w, host);
    if (!h)
        return -ENOENT;
    nw_svc *s = service_at(h, proto, port);
    if (!s) {
        nw_svc *ns = realloc(h->svcs, (h->nsvcs + 1) * sizeof(*ns));
        if (!ns)
            return -ENOMEM;
        h->svcs = ns;
        s = &h->svcs[h->nsvcs++];
        memset(s, 0, sizeof(*s));
        s->host = h;
        s->cfg.proto = proto;
        s->cfg.port = port;
        /* TCP connections point at their service: refresh them after the move */
        for (nw_conn *c = w->conns; c; c = c->next)
            if (c->host == h)
                c->svc = service_at(h, IP_TCP, c->local.port);
    }
    s->cfg.kind = NW_SVC_CUSTOM;
    s->cfg.ops = ops;
    s->cfg.svc = svc;
    return 0;
}

/* ---------------- the work queue ---------------- */

static work *work_add(networld *w, work_kind kind, uint64_t id, sim_ns delay)
{
    work *k = calloc(1, sizeof(*k));
    if (!k)
        return NULL;
    k->kind = kind;
    k->id = id;
    k->due = clk_now(w->clk) + delay;
    k->seq = ++w->seq;
    work **pp = &w->queue;
    while (*pp && ((*pp)->due < k->due || ((*pp)->due == k->due && (*pp)->seq < k->seq)))
        pp = &(*pp)->next;
    k->next = *pp;
    *pp = k;
    clk_timer_start_at(w->clk, &w->timer, w->queue->due);
    return k;
}

static int work_copy(work *k, const uint8_t *p, size_t n)
{
    if (!n)
        return 0;
    k->data = malloc(n);
    if (!k->data)
        return -ENOMEM;
    memcpy(k->data, p, n);
    k->len = n;
    return 0;
}

/* ---------------- connections ---------------- */

static nw_conn *conn_by_id(const networld *w, uint64_t id)
{
    for (nw_conn *c = w->conns; c; c = c->next)
        if (c->id == id)
            return c;
    return NULL;
}

static void conn_remove(nw_conn *c)
{
    nw_conn **pp = &c->w->conns;
    while (*pp && *pp != c)
        pp = &(*pp)->next;
    if (*pp)
        *pp = c->next;
    conn_free(c);
}

/* Hand the modem what the host has for it, as far as its window goes. */
static void conn_flush(nw_conn *c)
{
    networld *w = c->w;
    if (c->dead || c->blocked || !w->m || c->host->faults.stall)
        return;
    if (c->out.len) {
        size_t took = modem_world_tcp_data(w->m, c->id, c->out.data, c->out.len);
        bytebuf_consume(&c->out, took);
        if (c->out.len) {
            c->blocked = 1; /* until tcp_resume */
            return;
        }
        /* all taken: a service that streams may send more, from the timer */
        if (!c->fin_pending && !c->drain_due && c->svc->cfg.kind == NW_SVC_CUSTOM && c->svc->cfg.ops->drained) {
            c->drain_due = 1;
            work_add(w, W_DRAINED, c->id, 0);
        }
    }
    if (c->fin_pending) {
        c->dead = 1;
        modem_world_tcp_closed(w->m, c->id, 0);
        conn_remove(c);
    }
}

void nw_conn_send(nw_conn *c, const void *p, size_t n)
{
    if (c->dead || c->fin_pending || !n)
        return;
    bytebuf_append(&c->out, p, n);
    conn_flush(c);
}

void nw_conn_close(nw_conn *c, int abort)
{
    if (c->dead)
        return;
    if (abort) {
        c->dead = 1;
        if (c->w->m)
            modem_world_tcp_closed(c->w->m, c->id, -ECONNRESET);
        conn_remove(c);
        return;
    }
    c->fin_pending = 1;
    c->svc_closed = 1;
    conn_flush(c);
}

net_addr nw_conn_peer(const nw_conn *c) { return c->peer; }
networld *nw_conn_world(const nw_conn *c) { return c->w; }
const char *nw_conn_host(const nw_conn *c) { return c->host->name; }

void *networld_service(networld *w, const char *host, ip_proto proto, uint16_t port)
{
    nw_svc *s = service_at(host_by_name(w, host), proto, port);
    return s ? s->cfg.svc : NULL;
}

void nw_send_datagram(networld *w, net_addr from, net_addr to, const void *p, size_t n)
{
    nw_host *h = host_by_ip(w, from.ip);
    if (!w->m)
        return;
    sim_ns delay = h ? h->faults.delay : 0;
    unsigned copies = 1;
    if (h && h->faults.drop) {
        h->faults.drop--;
        wlog(w, "peer udp dropped host=%s bytes=%zu", h->name, n);
        return;
    }
    if (h && h->faults.duplicate) {
        h->faults.duplicate--;
        copies = 2;
    }
    if (h && h->faults.unreachable)
        return;
    for (unsigned i = 0; i < copies; i++) {
        if (!delay) {
            modem_world_udp(w->m, from, to, p, n);
            continue;
        }
        work *k = work_add(w, W_UDP, 0, delay);
        if (!k || work_copy(k, p, n))
            continue;
        k->src = from;
        k->dst = to;
        k->flag = 1; /* towards the module */
    }
}

/* ---------------- built-in services ---------------- */

static void echo_data(nw_conn *c, const uint8_t *p, size_t n) { nw_conn_send(c, p, n); }

/* A script: expects are matched against what the module sent so far;
 * sends, waits and closes run in order. */
static void script_timer_cb(clk_timer *t)
{
    nw_conn *c = t->data;
    c->step++;
    script_run(c);
}

static void script_run(nw_conn *c)
{
    const nw_service_cfg *s = &c->svc->cfg;
    while (!c->dead && c->step < s->nsteps && !clk_timer_armed(&c->timer)) {
        const nw_step *st = &s->steps[c->step];
        switch (st->kind) {
        case NW_STEP_EXPECT: {
            const uint8_t *at = st->len <= c->in.len ? memmem(c->in.data, c->in.len, st->data, st->len) : NULL;
            if (!at)
                return; /* wait for more */
            bytebuf_consume(&c->in, (size_t)(at - c->in.data) + st->len);
            c->step++;
            break;
        }
        case NW_STEP_SEND:
            c->step++;
            nw_conn_send(c, st->data, st->len);
            break;
        case NW_STEP_WAIT:
            clk_timer_start(c->w->clk, &c->timer, st->wait);
            return;
        case NW_STEP_CLOSE:
        case NW_STEP_RESET:
            c->step++;
            nw_conn_close(c, st->kind == NW_STEP_RESET);
            return; /* c may be gone */
        }
    }
}

static void service_data(nw_conn *c, const uint8_t *p, size_t n)
{
    switch (c->svc->cfg.kind) {
    case NW_SVC_ECHO: echo_data(c, p, n); break;
    case NW_SVC_SINK: break;
    case NW_SVC_SCRIPT:
        bytebuf_append(&c->in, p, n);
        script_run(c);
        break;
    case NW_SVC_CUSTOM:
        if (c->svc->cfg.ops && c->svc->cfg.ops->data && !c->svc_closed)
            c->svc->cfg.ops->data(c->svc->cfg.svc, c->cs, c, p, n);
        break;
    }
}

/* A UDP script answers each datagram with the script's sends that follow
 * the first expect it matches (or all of them if it has no expect). */
static void script_datagram(networld *w, const nw_service_cfg *s, net_addr from, net_addr to, const uint8_t *p,
                            size_t n)
{
    size_t i = 0;
    int matched = 1;
    for (; i < s->nsteps; i++) {
        if (s->steps[i].kind != NW_STEP_EXPECT)
            continue;
        matched = s->steps[i].len <= n && memmem(p, n, s->steps[i].data, s->steps[i].len);
        if (matched) {
            i++;
            break;
        }
    }
    if (!matched)
        return;
    if (i >= s->nsteps || s->steps[0].kind != NW_STEP_EXPECT)
        i = s->steps[0].kind == NW_STEP_EXPECT ? i : 0;
    for (; i < s->nsteps && s->steps[i].kind == NW_STEP_SEND; i++)
        nw_send_datagram(w, to, from, s->steps[i].data, s->steps[i].len);
}

/* ---------------- running recorded work ---------------- */

static void run_resolve(networld *w, work *k)
{
    nw_host *h = host_by_name(w, (const char *)k->data);
    if (h && h->faults.dns_delay && !k->flag) {
        /* answer later: requeue once, past the delay */
        work *later = work_add(w, W_RESOLVE, k->id, h->faults.dns_delay);
        if (later && !work_copy(later, k->data, k->len))
            later->flag = 1;
        return;
    }
    if (!h && w->has_fallback && w->fallback.resolve) {
        w->fallback.resolve(w->fallback.ctx, k->id, (const char *)k->data);
        return;
    }
    if (!h || h->faults.dns_fail) {
        wlog(w, "peer dns name=%s result=fail", (const char *)k->data);
        modem_world_resolved(w->m, k->id, -ENOENT, 0);
        return;
    }
    char ip[16];
    wlog(w, "peer dns name=%s ip=%s", h->name, ip4_format(h->real ? h->real : h->ip, ip));
    modem_world_resolved(w->m, k->id, 0, h->real ? h->real : h->ip);
}

static nw_listener *listener_at(const networld *w, ip4 ip, uint16_t port)
{
    for (nw_listener *l = w->listeners; l; l = l->next)
        if (l->ip == ip && l->svc.cfg.port == port)
            return l;
    return NULL;
}

static void run_connect(networld *w, work *k)
{
    nw_host *h = host_by_ip(w, k->dst.ip);
    nw_svc *svc = service_at(h, IP_TCP, k->dst.port);
    nw_listener *dyn = svc ? NULL : listener_at(w, k->dst.ip, k->dst.port);
    if (dyn && dyn->open)
        svc = &dyn->svc;
    char ip[16];
    if (!h || h->faults.unreachable)
        return; /* nothing answers: the module's connect times out */
    if (!svc || h->faults.refuse) {
        wlog(w, "peer tcp refused host=%s port=%u", h->name, (unsigned)k->dst.port);
        modem_world_tcp_connected(w->m, k->id, -ECONNREFUSED);
        return;
    }
    nw_conn *c = calloc(1, sizeof(*c));
    if (!c) {
        modem_world_tcp_connected(w->m, k->id, -ECONNREFUSED);
        return;
    }
    c->w = w;
    c->id = k->id;
    c->host = h;
    c->svc = svc;
    c->peer = k->src;
    c->local = k->dst;
    c->dynamic = dyn && svc == &dyn->svc;
    bytebuf_init(&c->out);
    bytebuf_init(&c->in);
    clk_timer_init(&c->timer, script_timer_cb, c);
    int refuse = 0;
    if (svc->cfg.kind == NW_SVC_CUSTOM && svc->cfg.ops && svc->cfg.ops->accept)
        c->cs = svc->cfg.ops->accept(svc->cfg.svc, c, &refuse);
    if (refuse) {
        conn_free(c);
        modem_world_tcp_connected(w->m, k->id, -ECONNREFUSED);
        return;
    }
    c->next = w->conns;
    w->conns = c;
    wlog(w, "peer tcp connect host=%s ip=%s port=%u conn=%llu", h->name, ip4_format(h->ip, ip),
         (unsigned)k->dst.port, (unsigned long long)k->id);
    modem_world_tcp_connected(w->m, k->id, 0);
    if (svc->cfg.kind == NW_SVC_SCRIPT)
        script_run(c); /* a script may speak first */
    if (svc->cfg.kind == NW_SVC_CUSTOM && svc->cfg.ops->drained && !c->drain_due) {
        c->drain_due = 1; /* nothing to drain yet: a go-ahead to send, from the timer */
        work_add(w, W_DRAINED, c->id, 0);
    }
}

static void run_data(networld *w, work *k)
{
    nw_conn *c = conn_by_id(w, k->id);
    if (!c || c->dead)
        return;
    c->from_module += k->len;
    const nw_faults *f = &c->host->faults;
    if (f->reset_after && c->from_module >= f->reset_after) {
        wlog(w, "peer tcp reset host=%s conn=%llu after=%llu", c->host->name, (unsigned long long)c->id,
             (unsigned long long)c->from_module);
        nw_conn_close(c, 1);
        return;
    }
    service_data(c, k->data, k->len);
}

static void run_close(networld *w, work *k)
{
    nw_conn *c = conn_by_id(w, k->id);
    if (!c)
        return;
    wlog(w, "peer tcp closed by module conn=%llu%s", (unsigned long long)c->id, k->flag ? " reset" : "");
    c->dead = 1;
    /* echo, sink and scripts have nothing more to say: the connection ends */
    if (c->svc->cfg.kind == NW_SVC_CUSTOM && c->svc->cfg.ops && c->svc->cfg.ops->closed && !c->svc_closed)
        c->svc->cfg.ops->closed(c->svc->cfg.svc, c->cs, c, k->flag ? -ECONNRESET : 0);
    conn_remove(c);
}

static void run_udp(networld *w, work *k)
{
    if (k->flag) { /* a delayed datagram to the module */
        modem_world_udp(w->m, k->src, k->dst, k->data, k->len);
        return;
    }
    nw_host *h = host_by_ip(w, k->dst.ip);
    if (!h || h->faults.unreachable)
        return;
    if (h->faults.drop) {
        h->faults.drop--;
        wlog(w, "peer udp dropped host=%s bytes=%zu", h->name, k->len);
        return;
    }
    nw_svc *svc = service_at(h, IP_UDP, k->dst.port);
    if (!svc)
        return; /* port unreachable */
    switch (svc->cfg.kind) {
    case NW_SVC_ECHO: nw_send_datagram(w, k->dst, k->src, k->data, k->len); break;
    case NW_SVC_SINK: break;
    case NW_SVC_SCRIPT: script_datagram(w, &svc->cfg, k->src, k->dst, k->data, k->len); break;
    case NW_SVC_CUSTOM:
        if (svc->cfg.ops && svc->cfg.ops->datagram)
            svc->cfg.ops->datagram(svc->cfg.svc, w, k->src, k->dst, k->data, k->len);
        break;
    }
}

static void run_work(networld *w, work *k)
{
    switch (k->kind) {
    case W_RESOLVE: run_resolve(w, k); break;
    case W_UDP: run_udp(w, k); break;
    case W_CONNECT: run_connect(w, k); break;
    case W_DATA: run_data(w, k); break;
    case W_CLOSE: run_close(w, k); break;
    case W_RESUME: {
        nw_conn *c = conn_by_id(w, k->id);
        if (c) {
            c->blocked = 0;
            conn_flush(c);
        }
        break;
    }
    case W_DRAINED: {
        nw_conn *c = conn_by_id(w, k->id);
        if (c && c->drain_due) {
            c->drain_due = 0;
            if (!c->dead && !c->fin_pending && !c->out.len)
                c->svc->cfg.ops->drained(c->svc->cfg.svc, c->cs, c);
        }
        break;
    }
    case W_FLUSH:
        for (nw_conn *c = w->conns, *n; c; c = n) {
            n = c->next;
            conn_flush(c);
        }
        break;
    }
}

static void world_timer_cb(clk_timer *t)
{
    networld *w = t->data;
    sim_ns now = clk_now(w->clk);
    while (w->queue && w->queue->due <= now) {
        work *k = w->queue;
        w->queue = k->next;
        if (w->m)
            run_work(w, k);
        free(k->data);
        free(k);
    }
    if (w->queue)
        clk_timer_start_at(w->clk, &w->timer, w->queue->due);
}

/* ---------------- the modem's ops ---------------- */

static int is_simulated(const networld *w, ip4 ip) { return host_by_ip(w, ip) != NULL; }

static void op_resolve(void *ctx, uint64_t id, const char *name)
{
    networld *w = ctx;
    work *k = work_add(w, W_RESOLVE, id, 0);
    if (k)
        work_copy(k, (const uint8_t *)name, strlen(name) + 1);
}

static void op_udp_send(void *ctx, net_addr src, net_addr dst, const uint8_t *p, size_t n)
{
    networld *w = ctx;
    if (!is_simulated(w, dst.ip)) {
        if (w->has_fallback && w->fallback.udp_send)
            w->fallback.udp_send(w->fallback.ctx, src, dst, p, n);
        return;
    }
    work *k = work_add(w, W_UDP, 0, 0);
    if (!k || work_copy(k, p, n))
        return;
    k->src = src;
    k->dst = dst;
}

static void op_udp_unbind(void *ctx, uint16_t port)
{
    networld *w = ctx;
    if (w->has_fallback && w->fallback.udp_unbind)
        w->fallback.udp_unbind(w->fallback.ctx, port);
}

static void op_tcp_connect(void *ctx, uint64_t conn, net_addr src, net_addr dst)
{
    networld *w = ctx;
    if (!is_simulated(w, dst.ip)) {
        if (w->has_fallback && w->fallback.tcp_connect)
            w->fallback.tcp_connect(w->fallback.ctx, conn, src, dst);
        return; /* no route: the SYN is lost, the module times out */
    }
    work *k = work_add(w, W_CONNECT, conn, 0);
    if (k) {
        k->src = src;
        k->dst = dst;
    }
}

static int conn_is_ours(const networld *w, uint64_t conn) { return conn_by_id(w, conn) != NULL; }

static void op_tcp_send(void *ctx, uint64_t conn, const uint8_t *p, size_t n)
{
    networld *w = ctx;
    if (!conn_is_ours(w, conn)) {
        if (w->has_fallback && w->fallback.tcp_send)
            w->fallback.tcp_send(w->fallback.ctx, conn, p, n);
        return;
    }
    nw_conn *c = conn_by_id(w, conn);
    work *k = work_add(w, W_DATA, conn, c->host->faults.delay);
    if (k)
        work_copy(k, p, n);
}

static void op_tcp_close(void *ctx, uint64_t conn, int abort)
{
    networld *w = ctx;
    if (!conn_is_ours(w, conn)) {
        if (w->has_fallback && w->fallback.tcp_close)
            w->fallback.tcp_close(w->fallback.ctx, conn, abort);
        return;
    }
    work *k = work_add(w, W_CLOSE, conn, 0);
    if (k)
        k->flag = abort;
}

static void op_tcp_resume(void *ctx, uint64_t conn)
{
    networld *w = ctx;
    if (!conn_is_ours(w, conn)) {
        if (w->has_fallback && w->fallback.tcp_resume)
            w->fallback.tcp_resume(w->fallback.ctx, conn);
        return;
    }
    work_add(w, W_RESUME, conn, 0);
}

/* The module listens: a simulated peer reaches it at its own address; for
 * anyone else the fallback world may open a real port (and say where). */
static void op_tcp_listen(void *ctx, uint16_t port, ip4 peer, net_addr *reach)
{
    networld *w = ctx;
    if (peer && is_simulated(w, peer))
        return;
    if (w->has_fallback && w->fallback.tcp_listen)
        w->fallback.tcp_listen(w->fallback.ctx, port, peer, reach);
}

static void op_tcp_unlisten(void *ctx, uint16_t port)
{
    networld *w = ctx;
    if (w->has_fallback && w->fallback.tcp_unlisten)
        w->fallback.tcp_unlisten(w->fallback.ctx, port);
}

net_world_ops networld_ops(networld *w)
{
    net_world_ops o = { op_resolve,    op_udp_send,   op_udp_unbind, op_tcp_connect, op_tcp_send,
                        op_tcp_close,  op_tcp_resume, w,             op_tcp_listen,  op_tcp_unlisten };
    return o;
}

/* ---------------- ports and connections opened by hosts ---------------- */

net_addr nw_conn_local(const nw_conn *c) { return c->local; }
size_t nw_conn_pending(const nw_conn *c) { return c->out.len; }

/* The node for host:port, created closed serving ops/svc; NULL when out of
 * memory or when the port already serves something else. */
static nw_listener *listener_node(networld *w, ip4 ip, uint16_t port, const nw_service_ops *ops, void *svc)
{
    nw_listener *l = listener_at(w, ip, port);
    if (l)
        return l->svc.cfg.ops == ops && l->svc.cfg.svc == svc ? l : NULL;
    l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    l->ip = ip;
    l->svc.cfg = (nw_service_cfg){ .proto = IP_TCP, .port = port, .kind = NW_SVC_CUSTOM, .ops = ops, .svc = svc };
    l->next = w->listeners;
    w->listeners = l;
    return l;
}

static int port_taken(networld *w, ip4 ip, uint16_t port, const nw_service_ops *ops, void *svc)
{
    const nw_listener *l = listener_at(w, ip, port);
    return service_at(host_by_ip(w, ip), IP_TCP, port) || (l && (l->svc.cfg.ops != ops || l->svc.cfg.svc != svc));
}

int networld_listen(networld *w, ip4 host, uint16_t port, const nw_service_ops *ops, void *svc)
{
    if (!host_by_ip(w, host))
        return -ENOENT;
    const nw_listener *l = listener_at(w, host, port);
    if (port_taken(w, host, port, ops, svc) || (l && l->open))
        return -EADDRINUSE;
    nw_listener *n = listener_node(w, host, port, ops, svc);
    if (!n)
        return -ENOMEM;
    n->open = 1;
    return 0;
}

void networld_unlisten(networld *w, ip4 host, uint16_t port)
{
    nw_listener *l = listener_at(w, host, port);
    if (l)
        l->open = 0; /* the node stays: connections it served point at it */
}

int networld_connect_module(networld *w, net_addr from, net_addr to, const nw_service_ops *ops, void *svc,
                            void *cs, nw_conn **out)
{
    nw_host *h = host_by_ip(w, from.ip);
    if (!h || !w->m)
        return -ENOENT;
    if (to.ip != ip_local_addr(w->m) || h->faults.unreachable)
        return -EHOSTUNREACH;
    if (port_taken(w, from.ip, from.port, ops, svc))
        return -EADDRINUSE;
    nw_listener *l = listener_node(w, from.ip, from.port, ops, svc);
    nw_conn *c = l ? calloc(1, sizeof(*c)) : NULL;
    if (!c)
        return -ENOMEM;
    c->w = w;
    c->id = (1ull << 62) + ++w->next_conn; /* far above the module's own ids */
    c->host = h;
    c->svc = &l->svc;
    c->dynamic = 1;
    c->peer = to;
    c->local = from;
    c->cs = cs;
    bytebuf_init(&c->out);
    bytebuf_init(&c->in);
    clk_timer_init(&c->timer, script_timer_cb, c);
    int rc = modem_world_tcp_incoming(w->m, c->id, from, to.port);
    if (rc) {
        conn_free(c);
        return rc;
    }
    c->next = w->conns;
    w->conns = c;
    wlog(w, "peer tcp connect host=%s to=module port=%u conn=%llu", h->name, (unsigned)to.port,
         (unsigned long long)c->id);
    *out = c;
    return 0;
}
