/* lwm2m_service.c - the built-in LwM2M server behind the radio (see
 * lwm2m_service.h): one lwm2m_srv per host, its ports bound into the
 * networld, one clock timer each, events out as EV lines; the scenario's
 * "lwm2m" action and assert. */
#include "lwm2m_service.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim/device.h"
#include "sim/lwm2m.h"

#define MAX_LISTENERS 4

const char lwm2m_svc_custom[] = "lwm2m";

#define MAX_SESSIONS 32 /* DTLS peers of one coaps port */
#define DGRAM_MAX 2048

/* One DTLS association with one peer of a coaps port. */
typedef struct svc_session {
    net_addr peer;
    dtls_session *s;
} svc_session;

/* One port of a server, with its transport: a datagram from the network
 * goes through listener_rx() to the server, what the server sends to a
 * peer of this port through listener_tx().  Plain CoAP passes them as they
 * are; coaps keeps a DTLS-PSK session per peer. */
typedef struct svc_listener {
    lwm2m_service *v;
    uint16_t port;
    lwm2m_svc_psk psk;     /* identity "": plain CoAP */
    svc_session sessions[MAX_SESSIONS];
} svc_listener;

struct lwm2m_service {
    lwm2m_services *set;
    char *host;
    ip4 ip;
    bool declared;       /* in the world's config (not the default host) */
    lwm2m_srv srv;
    lwm2m_srv_out out;
    clk_timer timer;
    svc_listener ports[MAX_LISTENERS];
    size_t nports;
};

struct lwm2m_services {
    networld *w;
    clk *clk;
    lwm2m_services_io io;
    lwm2m_service **v;
    size_t n;
};

void lwm2m_svc_opts_free(void *opts) { free(opts); }

/* ---- running a server ---- */

/* The peer key: our port, the module's address and port. */
static lwm2m_peer peer_key(uint16_t local_port, net_addr from)
{
    return (uint64_t)local_port << 48 | (uint64_t)from.ip << 16 | from.port;
}

static svc_listener *listener_of(lwm2m_service *v, uint16_t port)
{
    for (size_t i = 0; i < v->nports; i++)
        if (v->ports[i].port == port)
            return &v->ports[i];
    return NULL;
}

static bool secure(const svc_listener *l) { return l->psk.identity[0] != 0; }

static void send_to(svc_listener *l, net_addr to, const uint8_t *p, size_t n)
{
    net_addr from = { l->v->ip, l->port };
    nw_send_datagram(l->v->set->w, from, to, p, n);
}

static svc_session *session_of(svc_listener *l, net_addr peer)
{
    for (size_t i = 0; i < MAX_SESSIONS; i++)
        if (l->sessions[i].s && l->sessions[i].peer.ip == peer.ip && l->sessions[i].peer.port == peer.port)
            return &l->sessions[i];
    return NULL;
}

static void session_end(svc_session *ss)
{
    dtls_session_free(ss->s);
    memset(ss, 0, sizeof(*ss));
}

static void dtls_line(svc_listener *l, const svc_session *ss, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void dtls_line(svc_listener *l, const svc_session *ss, const char *fmt, ...)
{
    lwm2m_services *s = l->v->set;
    if (!s->io.event)
        return;
    char ip[16], what[160], line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    snprintf(line, sizeof(line), "lwm2m server dtls %s port=%u peer=%s:%u", what, (unsigned)l->port,
             ip4_format(ss->peer.ip, ip), (unsigned)ss->peer.port);
    s->io.event(s->io.ctx, line);
}

/* What a session has for the network (and, with to_server, the
 * plaintexts for the server: never while deliver() walks the server's
 * output); a session that ended is forgotten (the peer's next ClientHello
 * starts a new one). */
static void session_pump(svc_listener *l, svc_session *ss, bool to_server)
{
    lwm2m_service *v = l->v;
    uint8_t buf[DTLS_PLAINTEXT_MAX];
    int n;
    while ((n = dtls_take_datagram(ss->s, buf, sizeof(buf))) > 0)
        send_to(l, ss->peer, buf, (size_t)n);
    lwm2m_peer key = peer_key(l->port, ss->peer);
    while (to_server && (n = dtls_take_plaintext(ss->s, buf, sizeof(buf))) > 0)
        lwm2m_server_feed(&v->srv, clk_now(v->set->clk), key, buf, (size_t)n, &v->out);
    dtls_event ev;
    while (dtls_take_event(ss->s, &ev)) {
        if (ev.kind == DTLS_EV_CONNECTED)
            dtls_line(l, ss, "connected cipher=%s", dtls_cipher(ss->s) ? dtls_cipher(ss->s) : "?");
        else
            dtls_line(l, ss, "%s reason=%s alert=%d", dtls_event_name(ev.kind), dtls_reason_name(ev.reason),
                      ev.alert);
    }
    dtls_state st = dtls_state_of(ss->s);
    if (st == DTLS_CLOSED || st == DTLS_FAILED)
        session_end(ss);
}

/* A ClientHello of epoch 0 (record type 22, handshake type 1): a client
 * starting over, e.g. after a reboot, from an address that has a session. */
static bool client_hello(const uint8_t *p, size_t n)
{
    return n > 13 && p[0] == 22 && p[3] == 0 && p[4] == 0 && p[13] == 1;
}

static void secure_rx(svc_listener *l, net_addr from, const uint8_t *p, size_t n)
{
    uint64_t now = clk_now(l->v->set->clk);
    svc_session *ss = session_of(l, from);
    if (ss && client_hello(p, n) && dtls_state_of(ss->s) == DTLS_CONNECTED) {
        dtls_line(l, ss, "restarted");
        session_end(ss);
        ss = NULL;
    }
    if (!ss && !client_hello(p, n))
        return; /* a record of an association this server does not have: dropped, as by any DTLS server */
    if (!ss) {
        for (size_t i = 0; i < MAX_SESSIONS && !ss; i++)
            if (!l->sessions[i].s)
                ss = &l->sessions[i];
        char name[32], ip[16];
        snprintf(name, sizeof(name), "%s:%u", ip4_format(from.ip, ip), (unsigned)from.port);
        dtls_config cfg = { 0 };
        cfg.peer = name;
        if (!ss || dtls_session_create(&ss->s, DTLS_SERVER, l->psk.identity, l->psk.key, l->psk.key_len, &cfg))
            return; /* no room (or no memory): the client retransmits, or gives up */
        ss->peer = from;
    }
    dtls_feed(ss->s, now, p, n);
    session_pump(l, ss, true);
}

static void listener_tx(svc_listener *l, lwm2m_peer key, const uint8_t *p, size_t n)
{
    net_addr to = { (ip4)(key >> 16), (uint16_t)key };
    if (!secure(l)) {
        send_to(l, to, p, n);
        return;
    }
    svc_session *ss = session_of(l, to);
    if (!ss)
        return; /* the association is gone: so is the message */
    dtls_send(ss->s, clk_now(l->v->set->clk), p, n);
    session_pump(l, ss, false);
}

/* Whatever the last server call produced: events first (they say what
 * happened), then the datagrams, then the timer. */
static void deliver(lwm2m_service *v)
{
    lwm2m_services *s = v->set;
    bytebuf line;
    bytebuf_init(&line);
    for (size_t i = 0; i < v->out.nev; i++) {
        bytebuf_clear(&line);
        if (lwm2m_srv_event_format(&v->out.ev[i], &line) == 0 && !bytebuf_append_byte(&line, 0) && s->io.event)
            s->io.event(s->io.ctx, (const char *)line.data);
        if (s->io.server_event)
            s->io.server_event(s->io.ctx, v, &v->out.ev[i]);
    }
    bytebuf_free(&line);
    for (size_t i = 0; i < v->out.ndg; i++) {
        lwm2m_peer key = v->out.dg[i].peer;
        svc_listener *l = listener_of(v, (uint16_t)(key >> 48));
        if (l)
            listener_tx(l, key, lwm2m_srv_out_data(&v->out, i), v->out.dg[i].len);
    }
    lwm2m_srv_out_clear(&v->out);
    uint64_t due = lwm2m_server_next_deadline(&v->srv);
    for (size_t i = 0; i < v->nports; i++)
        for (size_t k = 0; k < MAX_SESSIONS; k++)
            if (v->ports[i].sessions[k].s && dtls_next_deadline(v->ports[i].sessions[k].s) < due)
                due = dtls_next_deadline(v->ports[i].sessions[k].s);
    if (due == LWM2M_SRV_NEVER)
        clk_timer_stop(s->clk, &v->timer);
    else
        clk_timer_start_at(s->clk, &v->timer, due > clk_now(s->clk) ? due : clk_now(s->clk));
}

static void listener_rx(svc_listener *l, net_addr from, const uint8_t *p, size_t n)
{
    lwm2m_service *v = l->v;
    if (secure(l))
        secure_rx(l, from, p, n);
    else
        lwm2m_server_feed(&v->srv, clk_now(v->set->clk), peer_key(l->port, from), p, n, &v->out);
    deliver(v);
}

static void svc_datagram(void *svc, networld *w, net_addr from, net_addr to, const uint8_t *p, size_t n)
{
    (void)w;
    (void)to;
    listener_rx(svc, from, p, n);
}

static const nw_service_ops listener_ops = { .datagram = svc_datagram };

static void timer_cb(clk_timer *t)
{
    lwm2m_service *v = t->data;
    uint64_t now = clk_now(v->set->clk);
    for (size_t i = 0; i < v->nports; i++) {
        svc_listener *l = &v->ports[i];
        for (size_t k = 0; k < MAX_SESSIONS; k++) {
            if (l->sessions[k].s && dtls_next_deadline(l->sessions[k].s) <= now) {
                dtls_tick(l->sessions[k].s, now);
                session_pump(l, &l->sessions[k], true);
            }
        }
    }
    lwm2m_server_tick(&v->srv, now, &v->out);
    deliver(v);
}

int lwm2m_service_op(lwm2m_service *v, const char *ep, const lwm2m_srv_op_req *req, uint32_t *op)
{
    int rc = lwm2m_server_op(&v->srv, clk_now(v->set->clk), ep, req, op, &v->out);
    deliver(v);
    return rc;
}

void lwm2m_service_set_faults(lwm2m_service *v, const lwm2m_srv_faults *f) { lwm2m_server_set_faults(&v->srv, f); }

/* A restarted server has lost its DTLS associations too: the clients' next
 * records belong to nothing (they must handshake again). */
void lwm2m_service_restart(lwm2m_service *v)
{
    for (size_t i = 0; i < v->nports; i++)
        for (size_t k = 0; k < MAX_SESSIONS; k++)
            if (v->ports[i].sessions[k].s)
                session_end(&v->ports[i].sessions[k]);
    lwm2m_server_restart(&v->srv, clk_now(v->set->clk), &v->out);
    deliver(v);
}

const char *lwm2m_service_host(const lwm2m_service *v) { return v->host; }
const lwm2m_srv *lwm2m_service_server(const lwm2m_service *v) { return &v->srv; }

void lwm2m_svc_module_psk(const device_cfg *dev, uint16_t ssid, lwm2m_svc_psk *out)
{
    memset(out, 0, sizeof(*out));
    const dev_lwm2m_server *o = NULL;
    for (int i = 0; i < DEV_LWM2M_SERVERS; i++)
        if (dev->lwm2m.servers[i].ssid == ssid && dev->lwm2m.servers[i].psk_len)
            o = &dev->lwm2m.servers[i];
    uint8_t key[LWM2M_PSK_LEN];
    lwm2m_module_psk(dev->imei, out->identity, sizeof(out->identity), key);
    if (!o) {
        memcpy(out->key, key, LWM2M_PSK_LEN);
        out->key_len = LWM2M_PSK_LEN;
        return;
    }
    if (o->psk_id[0])
        snprintf(out->identity, sizeof(out->identity), "%s", o->psk_id);
    out->key_len = o->psk_len < sizeof(out->key) ? o->psk_len : sizeof(out->key);
    memcpy(out->key, o->psk_key, out->key_len);
}

/* ---- building the set ---- */

static uint64_t name_seed(const char *name)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 0x100000001b3ull;
    return h;
}

static lwm2m_service *service_of_host(lwm2m_services *s, const char *host)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcasecmp(s->v[i]->host, host))
            return s->v[i];
    return NULL;
}

static void service_free(lwm2m_service *v)
{
    clk_timer_stop(v->set->clk, &v->timer);
    for (size_t i = 0; i < v->nports; i++)
        for (size_t k = 0; k < MAX_SESSIONS; k++)
            if (v->ports[i].sessions[k].s)
                session_end(&v->ports[i].sessions[k]);
    lwm2m_server_free(&v->srv);
    lwm2m_srv_out_free(&v->out);
    free(v->host);
    free(v);
}

static lwm2m_service *service_new(lwm2m_services *s, const char *host, const lwm2m_svc_opts *o, bool declared)
{
    lwm2m_service *v = calloc(1, sizeof(*v));
    lwm2m_service **nv = realloc(s->v, (s->n + 1) * sizeof(*nv));
    if (nv)
        s->v = nv;
    if (!v || !nv || !(v->host = strdup(host))) {
        free(v);
        return NULL;
    }
    v->set = s;
    v->ip = networld_host_ip(s->w, host);
    v->declared = declared;
    lwm2m_server_config c;
    lwm2m_server_config_default(&c);
    c.seed = o && o->has_seed ? o->seed : name_seed(host);
    if (o && o->has_grace)
        c.grace = o->grace;
    if (lwm2m_server_init(&v->srv, &c)) {
        free(v->host);
        free(v);
        return NULL;
    }
    lwm2m_srv_out_init(&v->out);
    clk_timer_init(&v->timer, timer_cb, v);
    s->v[s->n++] = v;
    return v;
}

static int add_listener(lwm2m_services *s, lwm2m_service *v, uint16_t port, const lwm2m_svc_psk *psk)
{
    if (v->nports == MAX_LISTENERS || listener_of(v, port))
        return -EINVAL;
    svc_listener *l = &v->ports[v->nports++];
    l->v = v;
    l->port = port;
    if (psk)
        l->psk = *psk;
    return networld_bind_service(s->w, v->host, IP_UDP, port, &listener_ops, l);
}

static int bind_declared(lwm2m_services *s, const nw_config *cfg)
{
    for (size_t i = 0; cfg && i < cfg->nhosts; i++) {
        const nw_host_cfg *h = &cfg->hosts[i];
        for (size_t k = 0; k < h->nsvcs; k++) {
            const nw_service_cfg *sc = &h->svcs[k];
            if (sc->custom != lwm2m_svc_custom)
                continue;
            lwm2m_service *v = service_of_host(s, h->name);
            if (!v && !(v = service_new(s, h->name, sc->opts, true)))
                return -ENOMEM;
            int rc = add_listener(s, v, sc->port, sc->opts ? &((const lwm2m_svc_opts *)sc->opts)->psk : NULL);
            if (rc)
                return rc;
        }
    }
    return 0;
}

static int add_default(lwm2m_services *s, const nw_config *cfg, const lwm2m_svc_psk *psk)
{
    for (size_t i = 0; cfg && i < cfg->nhosts; i++)
        if (!strcasecmp(cfg->hosts[i].name, LWM2M_SVC_DEFAULT_HOST))
            return 0; /* the world says what that host is */
    nw_host_cfg h = { 0 };
    h.name = (char *)LWM2M_SVC_DEFAULT_HOST;
    int rc = networld_add_host(s->w, &h);
    if (rc)
        return rc;
    lwm2m_service *v = service_new(s, LWM2M_SVC_DEFAULT_HOST, NULL, false);
    rc = v ? add_listener(s, v, LWM2M_SVC_COAP_PORT, NULL) : -ENOMEM;
    if (!rc && psk->identity[0])
        rc = add_listener(s, v, LWM2M_SVC_COAPS_PORT, psk);
    return rc;
}

int lwm2m_services_create(lwm2m_services **out, networld *w, const nw_config *cfg, const lwm2m_services_opts *opts,
                          const lwm2m_services_io *io)
{
    lwm2m_services *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->w = w;
    s->clk = networld_clock(w);
    if (io)
        s->io = *io;
    int rc = bind_declared(s, cfg);
    if (!rc && opts && opts->add_default)
        rc = add_default(s, cfg, &opts->default_psk);
    if (rc) {
        lwm2m_services_destroy(s);
        return rc;
    }
    *out = s;
    return 0;
}

void lwm2m_services_destroy(lwm2m_services *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        /* the world keeps the ports: make them drop what comes */
        for (size_t k = 0; k < s->v[i]->nports; k++)
            networld_bind_service(s->w, s->v[i]->host, IP_UDP, s->v[i]->ports[k].port, NULL, NULL);
        service_free(s->v[i]);
    }
    free(s->v);
    free(s);
}

size_t lwm2m_services_count(const lwm2m_services *s) { return s ? s->n : 0; }
lwm2m_service *lwm2m_services_at(lwm2m_services *s, size_t i) { return s && i < s->n ? s->v[i] : NULL; }

lwm2m_service *lwm2m_services_find(lwm2m_services *s, const char *host, char *err, size_t errlen)
{
    if (host) {
        lwm2m_service *v = s ? service_of_host(s, host) : NULL;
        if (!v)
            snprintf(err, errlen, "server \"%s\": no lwm2m service on such a host", host);
        return v;
    }
    lwm2m_service *found = NULL, *dflt = NULL;
    size_t declared = 0;
    for (size_t i = 0; s && i < s->n; i++) {
        if (s->v[i]->declared)
            declared++, found = s->v[i];
        else
            dflt = s->v[i];
    }
    if (declared == 1)
        return found;
    if (!declared && dflt)
        return dflt;
    snprintf(err, errlen, declared ? "%zu hosts serve lwm2m: name one with \"server\"" : "no lwm2m server in this world",
             declared);
    return NULL;
}

/* ---- the scenario's action ---- */

void sc_lwm2m_act_free(sc_lwm2m_act *a)
{
    if (!a)
        return;
    free(a->server);
    free(a->ep);
    free(a->args);
    lwm2m_list_free(&a->values);
    free(a);
}

void sc_lwm2m_assert_free(sc_lwm2m_assert *a)
{
    if (!a)
        return;
    free(a->server);
    free(a->ep);
    free(a->binding);
    free(a->version);
    free(a->payload_contains);
    free(a->value);
    free(a);
}

/* The client an action or assert means: ep, or the single registration. */
static const char *client_of(const lwm2m_service *v, const char *ep, char *err, size_t errlen)
{
    if (ep)
        return ep;
    size_t n = lwm2m_server_nregs(&v->srv);
    if (n == 1)
        return lwm2m_server_reg_at(&v->srv, 0)->ep;
    if (n)
        snprintf(err, errlen, "%zu clients are registered with %s: name one with \"ep\"", n, v->host);
    else
        snprintf(err, errlen, "no client is registered with %s", v->host);
    return NULL;
}

static int apply_fault(lwm2m_service *v, const sc_lwm2m_act *a)
{
    lwm2m_srv_faults f = *lwm2m_server_faults(&v->srv);
    switch (a->fault) {
    case SC_LWF_REPLY:
        f.reply_code = a->code;
        f.reply_count = a->count;
        f.reply_to = a->to;
        break;
    case SC_LWF_RESTART: lwm2m_service_restart(v); return 0;
    case SC_LWF_IGNORE_REGISTRATION: f.ignore_registration = a->on; break;
    case SC_LWF_IGNORE_NOTIFY: f.ignore_notify = a->on; break;
    case SC_LWF_RESET_NOTIFY: f.reset_notify = a->on; break;
    case SC_LWF_NONE: break;
    }
    lwm2m_service_set_faults(v, &f);
    return 0;
}

int lwm2m_services_apply(lwm2m_services *s, const sc_lwm2m_act *a, char *err, size_t errlen)
{
    lwm2m_service *v = lwm2m_services_find(s, a->server, err, errlen);
    if (!v)
        return -1;
    if (a->fault != SC_LWF_NONE)
        return apply_fault(v, a);
    const char *ep = client_of(v, a->ep, err, errlen);
    if (!ep)
        return -1;
    char path[LWM2M_PATH_STR_MAX];
    lwm2m_path_format(&a->req.path, path);
    int rc = lwm2m_service_op(v, ep, &a->req, NULL);
    if (rc == -ENOENT && a->req.kind == LWM2M_SOP_CANCEL && lwm2m_server_find(&v->srv, ep))
        snprintf(err, errlen, "%s: %s does not observe %s", v->host, ep, path);
    else if (rc == -ENOENT)
        snprintf(err, errlen, "%s: no client \"%s\" is registered", v->host, ep);
    else if (rc == -EINVAL)
        snprintf(err, errlen, "%s %s: the request cannot be built (a value outside the path, or that the format "
                              "cannot carry?)", lwm2m_srv_op_name(a->req.kind), path);
    else if (rc)
        snprintf(err, errlen, "%s %s: %s", lwm2m_srv_op_name(a->req.kind), path,
                 rc == -ENOBUFS ? "too many operations in flight" : strerror(-rc));
    return rc ? -1 : 0;
}

/* ---- the scenario's assert ---- */

static int check_registered(const lwm2m_service *v, const sc_lwm2m_assert *a, char *err, size_t errlen)
{
    const lwm2m_srv *srv = &v->srv;
    if (!a->registered) {
        if (a->ep ? lwm2m_server_find(srv, a->ep) != NULL : lwm2m_server_nregs(srv) != 0) {
            snprintf(err, errlen, "%s is registered with %s", a->ep ? a->ep : lwm2m_server_reg_at(srv, 0)->ep,
                     v->host);
            return -1;
        }
        return 0;
    }
    const char *ep = client_of(v, a->ep, err, errlen);
    if (!ep)
        return -1;
    const lwm2m_srv_reg *r = lwm2m_server_find(srv, ep);
    if (!r) {
        snprintf(err, errlen, "%s is not registered with %s", ep, v->host);
        return -1;
    }
    if (a->lifetime >= 0 && r->lifetime != a->lifetime)
        snprintf(err, errlen, "%s: lifetime %lld, expected %lld", ep, (long long)r->lifetime, (long long)a->lifetime);
    else if (a->binding && strcmp(r->binding, a->binding))
        snprintf(err, errlen, "%s: binding \"%s\", expected \"%s\"", ep, r->binding, a->binding);
    else if (a->version && strcmp(r->version, a->version))
        snprintf(err, errlen, "%s: lwm2m version \"%s\", expected \"%s\"", ep, r->version, a->version);
    else if (a->payload_contains &&
             !(r->links.len && memmem(r->links.data, r->links.len, a->payload_contains, strlen(a->payload_contains))))
        snprintf(err, errlen, "%s: the registration's object links (%zu bytes) do not contain \"%s\"", ep,
                 r->links.len, a->payload_contains);
    else
        return 0;
    return -1;
}

/* The latest notification (or successful Read answer) with a value at
 * a->path, from a->ep if given. */
static const lwm2m_entry *last_value(const lwm2m_srv *srv, const sc_lwm2m_assert *a)
{
    for (size_t i = lwm2m_server_log_len(srv); i-- > 0;) {
        const lwm2m_srv_event *e = lwm2m_server_log_at(srv, i);
        bool kind = a->kind == SC_LWA_LAST_NOTIFY
                        ? e->kind == LWM2M_SEV_NOTIFY || (e->kind == LWM2M_SEV_RESPONSE && e->observing)
                        : e->kind == LWM2M_SEV_RESPONSE && e->op_kind == LWM2M_SOP_READ;
        if (!kind || COAP_CODE_CLASS(e->code) != 2 || (a->ep && strcmp(e->ep, a->ep)))
            continue;
        const lwm2m_entry *en = lwm2m_list_find(&e->values, &a->path);
        if (en)
            return en;
    }
    return NULL;
}

static int check_value(const lwm2m_service *v, const sc_lwm2m_assert *a, char *err, size_t errlen)
{
    char path[LWM2M_PATH_STR_MAX];
    lwm2m_path_format(&a->path, path);
    const lwm2m_entry *en = last_value(&v->srv, a);
    const char *what = a->kind == SC_LWA_LAST_NOTIFY ? "notification" : "read answer";
    if (!en) {
        snprintf(err, errlen, "no %s from %s carried %s", what, a->ep ? a->ep : "any client", path);
        return -1;
    }
    if (!a->value)
        return 0;
    bytebuf t;
    bytebuf_init(&t);
    lwm2m_srv_value_text(&en->value, &t);
    bytebuf_append_byte(&t, 0);
    int rc = t.data && !strcmp((const char *)t.data, a->value) ? 0 : -1;
    if (rc)
        snprintf(err, errlen, "the last %s of %s has %s = \"%s\", expected \"%s\"", what, v->host, path,
                 t.data ? (const char *)t.data : "", a->value);
    bytebuf_free(&t);
    return rc;
}

int lwm2m_services_check(lwm2m_services *s, const sc_lwm2m_assert *a, char *err, size_t errlen)
{
    const lwm2m_service *v = lwm2m_services_find(s, a->server, err, errlen);
    if (!v)
        return -1;
    return a->kind == SC_LWA_REGISTERED ? check_registered(v, a, err, errlen) : check_value(v, a, err, errlen);
}
