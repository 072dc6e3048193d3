/* http_fetch.c - one HTTP exchange of the module (see http_fetch.h).
 *
 *   start -> [resolve] -> connect -> send the request -> read the response
 *         -> done (from a timer)
 *
 * Every step restarts the inactivity timer; the endpoint's callbacks and the
 * resolver's answer come from clock timers (sim/ip.h), so nothing here runs
 * inside an ip_*() call.
 */
#include "http_fetch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modem_int.h"

#define READ_CHUNK 16384 /* one receive window (IP_RX_LIMIT) */

struct http_fetch {
    modem *m;
    uint64_t id;          /* names the exchange in trace events */
    ip_user user;
    char host[256];
    uint16_t port;
    bytebuf tx;           /* the request, until it is all sent */
    size_t tx_off;
    http_resp *resp;
    http_fetch_sink sink;
    sim_ns timeout;
    clk_timer idle;       /* the inactivity timeout */
    clk_timer report;     /* done() runs from here */
    uint64_t dns;         /* resolver handle while resolving */
    ip_ep *ep;
    int ended;            /* the result is set; done() is due */
    http_fetch_result res;
};

static const char *const status_names[] = { "ok", "no_bearer", "dns_failed", "dns_timeout", "refused",
                                            "connect_timeout", "broken", "timeout", "bad_response", "sink" };

const char *hf_status_name(hf_status s)
{
    return (unsigned)s < sizeof(status_names) / sizeof(status_names[0]) ? status_names[s] : "unknown";
}

/* u-blox HTTP error classes and codes.  Observed pairs: 10,22 (no PDP
 * context, Particle), 3,23 (server hostname lookup failed, app note Table
 * 11), 3,10 (internal client error) and 3,11 (server not responding / bad
 * profile settings; u-blox staff, ubxlib#104).  The timeouts use the codes
 * of the u-blox HTTP error table of the sister products (26 connection timed
 * out, 28 response receive timeout, 29 request send timeout): unverified on
 * R5.  docs/http.md. */
void http_fetch_error_code(const http_fetch_result *r, int *error_class, int *error_code)
{
    int cls = 3, code = 10;
    switch (r->status) {
    case HF_OK: cls = 0, code = 0; break;
    case HF_NO_BEARER: cls = 10, code = 22; break;
    case HF_DNS_FAILED:
    case HF_DNS_TIMEOUT: code = 23; break;
    case HF_REFUSED:
    case HF_BROKEN: code = 11; break;
    case HF_CONNECT_TIMEOUT: code = 26; break;
    case HF_TIMEOUT: code = r->request_sent ? 28 : 29; break;
    case HF_BAD_RESPONSE:
    case HF_SINK: code = 10; break;
    }
    *error_class = cls;
    *error_code = code;
}

/* ---------------- the end ---------------- */

static void fetch_free(http_fetch *f)
{
    clk_timer_stop(f->m->clk, &f->idle);
    clk_timer_stop(f->m->clk, &f->report);
    if (f->dns)
        ip_resolve_cancel(f->m, f->dns);
    if (f->ep)
        ip_ep_close(f->ep, 1);
    http_resp_free(f->resp);
    bytebuf_free(&f->tx);
    free(f);
}

static void report_cb(clk_timer *t)
{
    http_fetch *f = t->data;
    http_fetch_sink s = f->sink;
    http_fetch_result r = f->res;
    fetch_free(f);
    s.done(s.ctx, &r);
}

/* The exchange is over: the connection ends (FIN after a complete
 * response, RST otherwise) and done() follows from a timer. */
static void finish(http_fetch *f, hf_status st, int err)
{
    if (f->ended)
        return;
    f->ended = 1;
    f->res.status = st;
    f->res.err = err;
    f->res.http_status = http_resp_status(f->resp);
    f->res.body_bytes = http_resp_body_bytes(f->resp);
    if (st != HF_OK)
        f->res.http_error = http_resp_error(f->resp);
    if (f->dns) {
        ip_resolve_cancel(f->m, f->dns);
        f->dns = 0;
    }
    if (f->ep) {
        ip_ep_close(f->ep, st != HF_OK);
        f->ep = NULL;
    }
    clk_timer_stop(f->m->clk, &f->idle);
    if (modem_tracing(f->m))
        modem_trace_event(f->m, "http fetch id=%llu done result=%s err=%d status=%d body=%llu bytes=%llu",
                          (unsigned long long)f->id, hf_status_name(st), err, f->res.http_status,
                          (unsigned long long)f->res.body_bytes, (unsigned long long)f->res.raw_bytes);
    clk_timer_start(f->m->clk, &f->report, 0);
}

/* A network read or send succeeded: the inactivity timeout starts over. */
static void touch(http_fetch *f) { clk_timer_start(f->m->clk, &f->idle, f->timeout); }

static void idle_cb(clk_timer *t) { finish(t->data, HF_TIMEOUT, -ETIMEDOUT); }

/* -errno of the network -> how the exchange ended. */
static hf_status net_status(int err, hf_status otherwise)
{
    if (err == -ENETDOWN)
        return HF_NO_BEARER;
    if (err == -ETIMEDOUT && otherwise == HF_REFUSED)
        return HF_CONNECT_TIMEOUT;
    return otherwise;
}

/* ---------------- the response ---------------- */

static int on_head(void *ctx, const http_head *h)
{
    http_fetch *f = ctx;
    if (modem_tracing(f->m))
        modem_trace_event(f->m, "http fetch id=%llu head status=%d", (unsigned long long)f->id, h->status);
    return f->sink.head ? f->sink.head(f->sink.ctx, h) : 0;
}

static int on_body(void *ctx, const uint8_t *p, size_t n)
{
    http_fetch *f = ctx;
    return f->sink.body ? f->sink.body(f->sink.ctx, p, n) : 0;
}

/* Feed what arrived; 1 while the response goes on. */
static int take(http_fetch *f, const uint8_t *p, size_t n)
{
    size_t used = http_resp_feed(f->resp, p, n);
    if (used && f->sink.raw && f->sink.raw(f->sink.ctx, p, used)) {
        finish(f, HF_SINK, 0);
        return 0;
    }
    f->res.raw_bytes += used;
    switch (http_resp_state_of(f->resp)) {
    case HTTP_RESP_DONE: finish(f, HF_OK, 0); return 0;
    case HTTP_RESP_FAILED:
        finish(f, http_resp_error(f->resp) == HTTP_E_STOPPED ? HF_SINK : HF_BAD_RESPONSE, 0);
        return 0;
    default: return 1;
    }
}

static void read_all(http_fetch *f)
{
    uint8_t buf[READ_CHUNK];
    while (!f->ended && f->ep) {
        size_t n = ip_tcp_read(f->ep, buf, sizeof(buf));
        if (!n)
            return;
        touch(f);
        if (!take(f, buf, n))
            return;
    }
}

/* ---------------- the connection ---------------- */

static void send_more(http_fetch *f)
{
    while (!f->ended && f->tx_off < f->tx.len) {
        long k = ip_tcp_send(f->ep, f->tx.data + f->tx_off, f->tx.len - f->tx_off);
        if (k < 0) {
            finish(f, net_status((int)k, HF_BROKEN), (int)k);
            return;
        }
        if (!k)
            return; /* the send buffer is full: writable() says when to go on */
        f->tx_off += (size_t)k;
        touch(f);
    }
    if (!f->ended && !f->res.request_sent) {
        f->res.request_sent = 1;
        bytebuf_free(&f->tx);
        f->tx_off = 0;
    }
}

static void ep_connected(void *ctx, ip_ep *e, int err)
{
    http_fetch *f = ctx;
    (void)e;
    if (err) {
        finish(f, net_status(err, HF_REFUSED), err);
        return;
    }
    touch(f);
    send_more(f);
}

static void ep_readable(void *ctx, ip_ep *e)
{
    (void)e;
    read_all(ctx);
}

static void ep_writable(void *ctx, ip_ep *e)
{
    (void)e;
    send_more(ctx);
}

static void ep_closed(void *ctx, ip_ep *e, int err)
{
    http_fetch *f = ctx;
    (void)e;
    read_all(f); /* what came before the FIN first */
    if (f->ended)
        return;
    if (err) {
        finish(f, net_status(err, HF_BROKEN), err);
        return;
    }
    /* the server closed: the end of a body delimited by the close, or a
     * response cut short */
    if (http_resp_eof(f->resp) == HTTP_RESP_DONE)
        finish(f, HF_OK, 0);
    else
        finish(f, HF_BROKEN, -ECONNRESET);
}

static void connect_to(http_fetch *f, ip4 addr)
{
    ip_ep_cb cb = { ep_connected, ep_readable, ep_closed, NULL, ep_writable, f };
    int rc = ip_tcp_open(f->m, f->user, 0, &cb, &f->ep);
    if (!rc)
        rc = ip_tcp_connect(f->ep, (net_addr){ addr, f->port });
    if (rc)
        finish(f, net_status(rc, HF_REFUSED), rc);
}

static void resolved(void *ctx, int err, ip4 addr)
{
    http_fetch *f = ctx;
    f->dns = 0;
    if (err) {
        finish(f, err == -ENETDOWN ? HF_NO_BEARER : err == -ETIMEDOUT ? HF_DNS_TIMEOUT : HF_DNS_FAILED, err);
        return;
    }
    touch(f);
    connect_to(f, addr);
}

/* ---------------- start, cancel ---------------- */

static int fetch_new(modem *m, const http_fetch_req *r, const http_fetch_sink *s, http_fetch **out)
{
    if (!r->host || !r->host[0] || strlen(r->host) >= sizeof((*out)->host) || !r->port || !s || !s->done)
        return -EINVAL;
    http_fetch *f = calloc(1, sizeof(*f));
    if (!f)
        return -ENOMEM;
    f->m = m;
    f->id = ++m->http_fetch_ids;
    f->user = r->user;
    f->port = r->port;
    f->sink = *s;
    f->timeout = r->timeout ? r->timeout : m->dev.timing[TIM_HTTP_TIMEOUT];
    snprintf(f->host, sizeof(f->host), "%s", r->host);
    bytebuf_init(&f->tx);
    clk_timer_init(&f->idle, idle_cb, f);
    clk_timer_init(&f->report, report_cb, f);
    http_req q = r->req;
    q.range = r->start > 0;
    q.range_from = r->start;
    http_resp_cb rcb = { on_head, on_body, NULL, f };
    int rc = http_req_build(&q, &f->tx);
    if (!rc)
        rc = http_resp_new(&f->resp, q.verb == HTTP_VERB_HEAD, &rcb);
    if (rc) {
        fetch_free(f);
        return rc;
    }
    *out = f;
    return 0;
}

int http_fetch_start(modem *m, const http_fetch_req *r, const http_fetch_sink *s, http_fetch **out)
{
    http_fetch *f;
    int rc = fetch_new(m, r, s, &f);
    if (rc)
        return rc;
    if (modem_tracing(m))
        modem_trace_event(m, "http fetch id=%llu start host=%s port=%u method=%s path=%s from=%llu",
                          (unsigned long long)f->id, f->host, (unsigned)f->port, http_verb_name(r->req.verb),
                          r->req.target && r->req.target[0] ? r->req.target : "/", (unsigned long long)r->start);
    touch(f);
    ip4 addr;
    if (ip_bearer_ready(m, f->user)) {
        finish(f, HF_NO_BEARER, -ENETDOWN);
    } else if (!ip4_parse(f->host, &addr)) {
        connect_to(f, addr);
    } else {
        f->dns = ip_resolve(m, f->user, f->host, resolved, f);
        if (!f->dns)
            finish(f, HF_NO_BEARER, -ENETDOWN);
    }
    *out = f;
    return 0;
}

void http_fetch_cancel(http_fetch *f)
{
    if (!f)
        return;
    if (!f->ended && modem_tracing(f->m))
        modem_trace_event(f->m, "http fetch id=%llu cancelled", (unsigned long long)f->id);
    fetch_free(f);
}

/* ---------------- the module's own download of a URI ---------------- */

#define URI_HOST_MAX 253 /* a DNS name */
#define URI_TARGET_MAX 1024

struct http_fetch_uri {
    http_fetch *fetch;
    http_fetch_uri_cb cb;
    uint64_t offset;
    uint64_t skip;  /* body bytes still to drop before the offset */
    int verdict;    /* the head's judgement when it stopped the exchange */
};

/* "http://host[:port][/path][?query][#fragment]" -> host, port, target. */
static int uri_split(const char *uri, char *host, uint16_t *port, char *target)
{
    if (strncmp(uri, "http://", 7))
        return -EINVAL;
    const char *p = uri + 7;
    size_t hl = strcspn(p, ":/?#@[");
    if (!hl || hl > URI_HOST_MAX || p[hl] == '@' || p[hl] == '[')
        return -EINVAL;
    memcpy(host, p, hl);
    host[hl] = 0;
    p += hl;
    *port = 80;
    if (*p == ':') {
        char *end;
        unsigned long v = strtoul(p + 1, &end, 10);
        if (end == p + 1 || p[1] < '0' || p[1] > '9' || !v || v > 65535)
            return -EINVAL;
        *port = (uint16_t)v;
        p = end;
    }
    size_t tl = strcspn(p, "#");
    if (tl + 2 > URI_TARGET_MAX || (*p && *p != '/' && *p != '?' && *p != '#'))
        return -EINVAL;
    snprintf(target, URI_TARGET_MAX, "%s%.*s", *p == '/' ? "" : "/", (int)tl, p);
    return 0;
}

static int uri_head(void *ctx, const http_head *h)
{
    http_fetch_uri *d = ctx;
    uint64_t total = HTTP_UNKNOWN;
    if (h->status == 404 || h->status == 410) {
        d->verdict = -ENOENT;
    } else if (h->status == 206) {
        /* the rest, from where the server chose to start */
        if (!h->has_range || h->range_first > d->offset)
            d->verdict = -EPROTO;
        else
            d->skip = d->offset - h->range_first, total = h->range_total;
    } else if (h->status / 100 == 2 && !h->no_body) {
        d->skip = d->offset; /* Range ignored: the whole body again */
        total = h->content_length;
    } else {
        d->verdict = -EPROTO;
    }
    if (d->verdict)
        return 1;
    if (total != HTTP_UNKNOWN && d->cb.size)
        d->cb.size(d->cb.ctx, total);
    return 0;
}

static int uri_body(void *ctx, const uint8_t *p, size_t n)
{
    http_fetch_uri *d = ctx;
    size_t s = d->skip < n ? (size_t)d->skip : n;
    d->skip -= s;
    if (n > s && d->cb.data)
        d->cb.data(d->cb.ctx, p + s, n - s);
    return 0;
}

/* How an exchange ended -> the coap_fetch-style error of done(). */
static int uri_err(const http_fetch_uri *d, const http_fetch_result *r)
{
    if (d->verdict)
        return d->verdict;
    switch (r->status) {
    case HF_OK: return 0;
    case HF_NO_BEARER: return -ENETDOWN;
    case HF_DNS_FAILED: return -EHOSTUNREACH;
    case HF_DNS_TIMEOUT:
    case HF_CONNECT_TIMEOUT:
    case HF_TIMEOUT: return -ETIMEDOUT;
    case HF_REFUSED: return r->err ? r->err : -ECONNREFUSED;
    case HF_BROKEN: return -ECONNRESET;
    case HF_BAD_RESPONSE:
    case HF_SINK: break;
    }
    return -EPROTO;
}

static void uri_done(void *ctx, const http_fetch_result *r)
{
    http_fetch_uri *d = ctx;
    d->fetch = NULL; /* the exchange has freed itself */
    if (d->cb.done)
        d->cb.done(d->cb.ctx, uri_err(d, r)); /* may free d: nothing after this */
}

int http_fetch_uri_start(modem *m, const char *uri, uint64_t offset, const http_fetch_uri_cb *cb,
                         http_fetch_uri **out)
{
    char host[URI_HOST_MAX + 1], target[URI_TARGET_MAX];
    uint16_t port;
    if (!uri || !cb || uri_split(uri, host, &port, target))
        return -EINVAL;
    http_fetch_uri *d = calloc(1, sizeof(*d));
    if (!d)
        return -ENOMEM;
    d->cb = *cb;
    d->offset = offset;
    http_fetch_req r = { .user = IP_USER_MODULE,
                         .host = host,
                         .port = port,
                         .start = offset,
                         .req = { .verb = HTTP_VERB_GET,
                                  .minor = 0,
                                  .target = target,
                                  .host = host,
                                  .port = port, /* in Host unless 80 */
                                  .user_agent = HTTP_FETCH_USER_AGENT } };
    http_fetch_sink s = { uri_head, NULL, uri_body, uri_done, d };
    int rc = http_fetch_start(m, &r, &s, &d->fetch);
    if (rc) {
        free(d);
        return rc;
    }
    *out = d;
    return 0;
}

void http_fetch_uri_stop(http_fetch_uri *d)
{
    if (!d)
        return;
    http_fetch_cancel(d->fetch);
    free(d);
}
