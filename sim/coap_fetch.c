/* coap_fetch.c - one CoAP Block2 download by the module (coap_fetch.h). */
#include "coap_fetch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../protocol/coap_block.h"
#include "../protocol/coap_ep.h"
#include "modem_int.h"

#define BLOCK_SZX 6 /* 1024-byte blocks */
#define RX_BUF 2048

struct coap_fetch {
    modem *m;
    coap_fetch_cb cb;
    char host[128];
    uint16_t port;
    char path[256];
    uint64_t skip;       /* bytes of the first block before the offset asked for */
    uint64_t dns;
    ip_ep *ep;
    net_addr peer;
    coap_ep cep;
    int cep_live;
    coap_out out;
    coap_b2_down d;
    uint32_t xid;
    clk_timer timer;
    int finished;
    int begun;           /* the first timer tick has opened the way */
};

static void finish(coap_fetch *f, int err)
{
    if (f->finished)
        return;
    f->finished = 1;
    clk_timer_stop(f->m->clk, &f->timer);
    if (f->cb.done)
        f->cb.done(f->cb.ctx, err); /* may free f: nothing after this */
}

static void flush(coap_fetch *f);

static void send_next(coap_fetch *f)
{
    coap_msg req;
    coap_msg_init(&req, COAP_CON, COAP_GET);
    coap_msg_add_split(&req, COAP_OPT_URI_PATH, f->path, strlen(f->path));
    coap_b2_down_fill(&f->d, &req);
    int rc = coap_ep_request(&f->cep, clk_now(f->m->clk), &req, &f->xid, &f->out);
    if (rc < 0) {
        finish(f, -EPROTO);
        return;
    }
    flush(f);
}

/* Returns 1 when f is finished (and may be gone). */
static int on_response(coap_fetch *f, const coap_msg *msg)
{
    if (msg->code == COAP_NOT_FOUND) {
        finish(f, -ENOENT);
        return 1;
    }
    const uint8_t *data;
    size_t len;
    int more = coap_b2_down_response(&f->d, msg, &data, &len);
    if (more < 0) {
        finish(f, -EPROTO);
        return 1;
    }
    if (data && len) {
        size_t s = f->skip < len ? (size_t)f->skip : len;
        f->skip -= s;
        if (len > s && f->cb.data)
            f->cb.data(f->cb.ctx, data + s, len - s);
    }
    if (more == 0) {
        finish(f, 0);
        return 1;
    }
    send_next(f);
    return f->finished;
}

/* Datagrams out, events handled, the timer re-armed. */
static void flush(coap_fetch *f)
{
    while (f->out.ndg || f->out.nev) {
        for (size_t i = 0; i < f->out.ndg; i++) {
            size_t len;
            const uint8_t *d = coap_out_datagram(&f->out, i, &len);
            if (f->ep)
                ip_udp_sendto(f->ep, f->peer, d, len);
        }
        size_t nev = f->out.nev;
        coap_event *ev = nev ? malloc(nev * sizeof *ev) : NULL;
        if (ev)
            memcpy(ev, f->out.ev, nev * sizeof *ev);
        coap_out_clear(&f->out);
        for (size_t i = 0; ev && i < nev; i++) {
            int end = 0;
            if (ev[i].xid != f->xid)
                continue;
            if (ev[i].kind == COAP_EV_RESPONSE) {
                if (!f->d.started && f->cb.size) {
                    uint32_t s2;
                    if (coap_msg_get_uint(&ev[i].msg, COAP_OPT_SIZE2, 4, &s2) == 0)
                        f->cb.size(f->cb.ctx, s2);
                }
                end = on_response(f, &ev[i].msg);
            } else if (ev[i].kind == COAP_EV_TIMEOUT || ev[i].kind == COAP_EV_RESET) {
                finish(f, ev[i].kind == COAP_EV_TIMEOUT ? -ETIMEDOUT : -EPROTO);
                end = 1;
            }
            if (end) {
                free(ev);
                return; /* f may be gone */
            }
        }
        free(ev);
    }
    uint64_t due = coap_ep_next_deadline(&f->cep);
    if (due == COAP_NEVER)
        clk_timer_stop(f->m->clk, &f->timer);
    else
        clk_timer_start_at(f->m->clk, &f->timer, due);
}

static void begin(coap_fetch *f);

static void timer_cb(clk_timer *t)
{
    coap_fetch *f = t->data;
    if (!f->begun) {
        begin(f);
        return;
    }
    coap_ep_tick(&f->cep, clk_now(f->m->clk), &f->out);
    flush(f);
}

static void on_readable(void *ctx, ip_ep *e)
{
    coap_fetch *f = ctx;
    uint8_t buf[RX_BUF];
    net_addr src;
    while (!f->finished && ip_udp_peek(e, &src)) {
        size_t n = ip_udp_recv(e, buf, sizeof buf, &src);
        if (n > sizeof buf || src.ip != f->peer.ip || src.port != f->peer.port)
            continue;
        coap_ep_feed(&f->cep, clk_now(f->m->clk), buf, n, &f->out);
        flush(f);
        return; /* one at a time: f may be gone after flush */
    }
}

static void on_closed(void *ctx, ip_ep *e, int err)
{
    coap_fetch *f = ctx;
    (void)e;
    finish(f, err ? err : -ENETDOWN);
}

static void open_udp(coap_fetch *f)
{
    ip_ep_cb cb = { NULL, on_readable, on_closed, NULL, NULL, f };
    int rc = ip_udp_open(f->m, IP_USER_MODULE, 0, &cb, &f->ep);
    if (rc < 0) {
        f->ep = NULL;
        finish(f, rc);
        return;
    }
    coap_ep_config cfg;
    coap_ep_config_default(&cfg);
    cfg.seed = (uint64_t)clk_now(f->m->clk) ^ 0x5F0CA5E5ull;
    if (coap_ep_init(&f->cep, &cfg) < 0) {
        finish(f, -ENOMEM);
        return;
    }
    f->cep_live = 1;
    send_next(f);
}

static void on_resolved(void *ctx, int err, ip4 addr)
{
    coap_fetch *f = ctx;
    f->dns = 0;
    if (err < 0) {
        finish(f, err == -ENOENT ? -EHOSTUNREACH : err);
        return;
    }
    f->peer.ip = addr;
    open_udp(f);
}

static int parse(coap_fetch *f, const char *uri)
{
    if (strncmp(uri, "coap://", 7))
        return -EINVAL;
    const char *p = uri + 7;
    size_t hl = strcspn(p, ":/");
    if (hl == 0 || hl >= sizeof f->host)
        return -EINVAL;
    memcpy(f->host, p, hl);
    f->host[hl] = 0;
    p += hl;
    f->port = 5683;
    if (*p == ':') {
        char *end;
        unsigned long port = strtoul(p + 1, &end, 10);
        if (end == p + 1 || !port || port > 65535)
            return -EINVAL;
        f->port = (uint16_t)port;
        p = end;
    }
    if (*p && *p != '/')
        return -EINVAL;
    if (strlen(p) >= sizeof f->path)
        return -EINVAL;
    snprintf(f->path, sizeof f->path, "%s", p);
    return 0;
}

int coap_fetch_start(modem *m, const char *uri, uint64_t offset, const coap_fetch_cb *cb, coap_fetch **out)
{
    coap_fetch *f = calloc(1, sizeof *f);
    if (!f)
        return -ENOMEM;
    f->m = m;
    f->cb = *cb;
    if (parse(f, uri) < 0) {
        free(f);
        return -EINVAL;
    }
    coap_out_init(&f->out);
    clk_timer_init(&f->timer, timer_cb, f);
    coap_b2_down_init(&f->d, BLOCK_SZX);
    uint64_t block = offset / 1024;
    f->d.next_num = (uint32_t)block;
    f->d.received = block * 1024;
    f->d.started = block > 0;
    f->skip = offset - block * 1024;
    f->peer.port = f->port;
    *out = f;
    /* every callback comes from a timer, never from inside this call */
    clk_timer_start(m->clk, &f->timer, 0);
    return 0;
}

static void begin(coap_fetch *f)
{
    f->begun = 1;
    ip4 a;
    if (ip4_parse(f->host, &a) == 0) {
        f->peer.ip = a;
        open_udp(f);
        return;
    }
    f->dns = ip_resolve(f->m, IP_USER_MODULE, f->host, on_resolved, f);
    if (!f->dns)
        finish(f, -ENETDOWN);
}

void coap_fetch_stop(coap_fetch *f)
{
    if (!f)
        return;
    f->finished = 1;
    if (f->dns)
        ip_resolve_cancel(f->m, f->dns);
    clk_timer_stop(f->m->clk, &f->timer);
    if (f->ep)
        ip_ep_close(f->ep, 0);
    if (f->cep_live)
        coap_ep_free(&f->cep);
    coap_out_free(&f->out);
    free(f);
}
