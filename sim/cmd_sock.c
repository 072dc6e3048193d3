/* cmd_sock.c - the host's sockets and DNS: +USOCR, +USOCO, +USOWR, +USOST,
 * +USORD, +USORF, +USOCL, +USOER, +USOCTL, +USOSO, +USOGO, +USOLI, +USOSEC,
 * +UDNSRN, and the URCs +UUSORD, +UUSORF, +UUSOCL, +UUSOLI, +UUSOCO.
 *
 * Formats, limits and the choices where no source says: docs/network.md
 * and docs/module-fidelity.md (from /work/notes/socket-spec.md: the SARA-R4
 * manual's socket chapter, ubxlib's u_cell_sock.c, SparkFun, TinyGSM).
 *
 * A socket is an entry of the table below; its traffic is an endpoint of
 * sim/ip.c, created when the socket first needs the network (connect, send,
 * listen), as the module's stack does ("a UDP socket receives nothing until
 * it has sent something").  Blocking commands (+USOCO, a +UDNSRN, a +USOST
 * to a name) return AT_PENDING and finish from the endpoint's callbacks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../protocol/cme.h"
#include "modem_int.h"

#define NSOCKS 7
#define SOCK_WRITE_MAX 1024 /* string and binary +USOWR/+USOST; hex: 512 */
#define SOCK_READ_MAX 1024  /* +USORD/+USORF; hex: 512 */
#define SOCK_PROMPT "\r\n@"

/* u-blox socket error codes (+USOER, +USOCTL=<s>,1; AT manual App. A.5). */
enum {
    SE_NONE = 0,
    SE_WOULDBLOCK = 11,
    SE_INVAL = 22,
    SE_ADDRINUSE = 98,
    SE_NETDOWN = 100,
    SE_CONNRESET = 104,
    SE_NOBUFS = 105,
    SE_NOTCONN = 107,
    SE_TIMEDOUT = 110,
    SE_CONNREFUSED = 111,
    SE_HOSTUNREACH = 113,
    SE_DNS_NOTFOUND = 163,
    SE_DNS_TIMEOUT = 171,
};

typedef enum { OP_NONE, OP_CONNECT, OP_SENDTO, OP_WRITE, OP_DNS } sock_op;

typedef struct hsock {
    int used;
    int id;
    ip_proto proto;
    uint16_t lport;          /* 0: the stack picks one */
    ip_ep *ep;
    net_addr peer;
    int has_peer;            /* TCP connected, or UDP after +USOCO */
    int err;                 /* last error of this socket (u-blox code) */
    uint64_t sent, rcvd;     /* payload: written by the host, read by the host */
    int remote_closed;       /* FIN or RST seen: +UUSOCL once the data is read */
    int known;               /* the host was told (URC) about the data pending */
    /* the datagram +USORF is reading piecemeal */
    bytebuf part;
    net_addr part_src;
    /* options (+USOSO) */
    int tos, ttl, nodelay, reuseaddr, keepalive, broadcast, linger, linger_time, reuseport;
    long keepidle;
    int secure, sec_profile;
} hsock;

/* A command waiting for the network, per AT port. */
typedef struct sock_pending {
    sock_op op;
    int sock;
    int result;              /* what the finishing function answers */
    size_t count;            /* +USOWR / +USOST: bytes taken */
    net_addr dst;            /* +USOST: where to */
    char name[256];          /* a name being resolved */
    bytebuf data;            /* +USOST / +USOWR binary: the bytes */
    size_t want;             /* binary: bytes the sink still expects */
    int async;               /* +USOCO=...,1 */
    uint64_t dns;            /* resolver handle */
    ip4 resolved;
    modem *m;
    int port;
} sock_pending;

typedef struct sock_table {
    hsock s[NSOCKS];
    int last_error;          /* +USOER: the last socket operation's */
    sock_pending pend[MODEM_PORTS];
} sock_table;

static sock_table *table(modem *m) { return m->socks; }

/* -errno of sim/ip.c -> u-blox code. */
static int sock_code(int rc)
{
    switch (rc) {
    case 0: return SE_NONE;
    case -ENETDOWN: return SE_NETDOWN;
    case -ECONNREFUSED: return SE_CONNREFUSED;
    case -ETIMEDOUT: return SE_TIMEDOUT;
    case -ECONNRESET: return SE_CONNRESET;
    case -EADDRINUSE: return SE_ADDRINUSE;
    case -EAGAIN: return SE_WOULDBLOCK;
    case -ENOTCONN: return SE_NOTCONN;
    case -EHOSTUNREACH: return SE_HOSTUNREACH;
    case -ENOMEM: return SE_NOBUFS;
    default: return SE_INVAL;
    }
}

/* A socket operation failed: the error is remembered and the host reads
 * "operation not allowed" (the detail is in +USOER).  Like errno, the last
 * error stays until another one replaces it. */
static int fail(modem *m, hsock *s, int code)
{
    table(m)->last_error = code;
    if (s)
        s->err = code;
    return AT_CME(CME_NOT_ALLOWED);
}

/* The socket named by argument 0, if the host created it.  Any other id
 * (unknown, closed, -1 or 7) is "operation not allowed", as ubxlib saw
 * for AT+USORD=-1,0 (ubxlib #175). */
static hsock *arg_sock(cmd_ctx *x)
{
    long id;
    if (at_arg_int(x->cmd, 0, &id, 0, NSOCKS - 1) != 0)
        return NULL;
    hsock *s = &table(x->m)->s[id];
    return s->used ? s : NULL;
}

static void sock_release(modem *m, hsock *s)
{
    if (s->ep)
        ip_ep_close(s->ep, 0);
    bytebuf_free(&s->part);
    int id = s->id;
    memset(s, 0, sizeof(*s));
    s->id = id;
    (void)m;
}

static int hex_mode(const modem *m) { return nvm_get(&m->nvm, SET_UDCONF1) == 1; }

/* ---------------- endpoint callbacks -> URCs ---------------- */

static size_t pending_bytes(const hsock *s)
{
    if (!s->ep)
        return s->part.len;
    if (s->proto == IP_TCP)
        return ip_tcp_available(s->ep);
    return s->part.len + ip_udp_pending_total(s->ep);
}

/* Size of the next datagram the host would read. */
static size_t next_dgram(const hsock *s)
{
    if (s->part.len)
        return s->part.len;
    return s->ep ? ip_udp_peek(s->ep, NULL) : 0;
}

/* The peer or the network ended the socket and nothing is left to read:
 * +UUSOCL, and the id is free again. */
static void closed_if_drained(modem *m, hsock *s)
{
    if (!s->remote_closed || pending_bytes(s))
        return;
    modem_urc(m, "+UUSOCL: %d", s->id);
    modem_trace_event(m, "sock closed id=%d err=%d", s->id, s->err);
    sock_release(m, s);
}

static void on_readable(void *ctx, ip_ep *e)
{
    hsock *s = ctx;
    modem *m = ip_ep_modem(e);
    if (s->known)
        return; /* the host knows there is data: no URC until it reads */
    s->known = 1;
    if (s->proto == IP_TCP)
        modem_urc(m, "+UUSORD: %d,%zu", s->id, pending_bytes(s));
    else
        modem_urc(m, "+UUSORF: %d,%zu", s->id, next_dgram(s));
}

static void on_closed(void *ctx, ip_ep *e, int err)
{
    hsock *s = ctx;
    modem *m = ip_ep_modem(e);
    s->remote_closed = 1;
    if (err) /* an asynchronous error: +USOER reports it too */
        s->err = table(m)->last_error = sock_code(err);
    if (err == -ENETDOWN) {
        /* the bearer is gone: the socket dies now, whatever was unread */
        ip_ep_close(s->ep, 1);
        s->ep = NULL;
        bytebuf_clear(&s->part);
        modem_urc(m, "+UUSOCL: %d", s->id);
        modem_trace_event(m, "sock closed id=%d err=%d", s->id, s->err);
        sock_release(m, s);
        return;
    }
    closed_if_drained(m, s);
}

static void pend_finish(modem *m, sock_pending *p, int result);
static int finish_pending(cmd_ctx *x);

static void on_connected(void *ctx, ip_ep *e, int err)
{
    hsock *s = ctx;
    modem *m = ip_ep_modem(e);
    sock_table *t = table(m);
    for (int i = 0; i < MODEM_PORTS; i++) {
        sock_pending *p = &t->pend[i];
        if (p->op != OP_CONNECT || p->sock != s->id)
            continue;
        if (err) {
            ip_ep_close(s->ep, 1);
            s->ep = NULL;
            s->has_peer = 0;
            pend_finish(m, p, fail(m, s, sock_code(err)));
        } else {
            pend_finish(m, p, AT_OK);
        }
        return;
    }
    /* an async connect (+USOCO=...,1) */
    if (err) {
        ip_ep_close(s->ep, 1);
        s->ep = NULL;
        s->has_peer = 0;
        s->err = sock_code(err);
    }
    modem_urc(m, "+UUSOCO: %d,%d", s->id, err ? sock_code(err) : 0);
}

static int new_socket_id(modem *m);
static void sock_init_defaults(hsock *s, ip_proto proto);

static void on_accepted(void *ctx, ip_ep *listener, ip_ep *e)
{
    hsock *l = ctx;
    modem *m = ip_ep_modem(listener);
    int id = new_socket_id(m);
    if (id < 0) {
        ip_ep_close(e, 1); /* no socket left: the peer is reset */
        return;
    }
    hsock *s = &table(m)->s[id];
    sock_init_defaults(s, IP_TCP);
    s->ep = e;
    s->lport = l->lport;
    s->peer = ip_ep_peer(e);
    s->has_peer = 1;
    ip_ep_cb cb = { on_connected, on_readable, on_closed, on_accepted, NULL, s };
    ip_ep_set_cb(e, &cb);
    char rip[16], lip[16];
    modem_urc(m, "+UUSOLI: %d,\"%s\",%u,%d,\"%s\",%u", id, ip4_format(s->peer.ip, rip), (unsigned)s->peer.port,
              l->id, ip4_format(ip_local_addr(m), lip), (unsigned)l->lport);
}

static ip_ep_cb sock_cb(hsock *s)
{
    ip_ep_cb cb = { on_connected, on_readable, on_closed, on_accepted, NULL, s };
    return cb;
}

/* The socket's endpoint, created on first use. */
static int sock_ep(modem *m, hsock *s)
{
    if (s->ep)
        return 0;
    ip_ep_cb cb = sock_cb(s);
    int rc = s->proto == IP_TCP ? ip_tcp_open(m, IP_USER_HOST, s->lport, &cb, &s->ep)
                                : ip_udp_open(m, IP_USER_HOST, s->lport, &cb, &s->ep);
    if (!rc)
        s->lport = ip_ep_local_port(s->ep);
    return rc;
}

/* ---------------- pending commands ---------------- */

static void pend_reset(sock_pending *p)
{
    if (p->dns && p->m)
        ip_resolve_cancel(p->m, p->dns);
    bytebuf_free(&p->data);
    modem *m = p->m;
    int port = p->port;
    memset(p, 0, sizeof(*p));
    p->m = m;
    p->port = port;
    p->sock = -1;
}

static void pend_finish(modem *m, sock_pending *p, int result)
{
    p->result = result;
    modem_cmd_defer(m, p->port, 0, finish_pending);
}

/* Finishing a pending socket command: its information line, its result. */
static int finish_pending(cmd_ctx *x)
{
    sock_pending *p = &table(x->m)->pend[x->port];
    int r = p->result;
    if (r == AT_OK) {
        if (p->op == OP_WRITE)
            cmd_info(x, "+USOWR: %d,%zu", p->sock, p->count);
        else if (p->op == OP_SENDTO)
            cmd_info(x, "+USOST: %d,%zu", p->sock, p->count);
        else if (p->op == OP_DNS) {
            char ip[16];
            cmd_info(x, "+UDNSRN: \"%s\"", ip4_format(p->resolved, ip));
        }
    }
    pend_reset(p);
    return r;
}

/* Send what +USOST collected to p->dst. */
static void sendto_now(modem *m, sock_pending *p)
{
    hsock *s = &table(m)->s[p->sock];
    if (!s->used) {
        pend_finish(m, p, fail(m, NULL, SE_NOTCONN));
        return;
    }
    int rc = sock_ep(m, s);
    if (!rc)
        rc = ip_udp_sendto(s->ep, p->dst, p->data.data, p->data.len);
    if (rc) {
        pend_finish(m, p, fail(m, s, sock_code(rc)));
        return;
    }
    s->sent += p->data.len;
    p->count = p->data.len;
    pend_finish(m, p, AT_OK);
}

static void connect_now(modem *m, sock_pending *p, int async)
{
    hsock *s = &table(m)->s[p->sock];
    int rc = 0;
    if (s->proto == IP_UDP) { /* UDP: only the peer is recorded */
        s->peer = p->dst;
        s->has_peer = 1;
        rc = sock_ep(m, s);
        if (rc) {
            pend_finish(m, p, fail(m, s, sock_code(rc)));
            return;
        }
        pend_finish(m, p, AT_OK);
        return;
    }
    rc = sock_ep(m, s);
    if (!rc)
        rc = ip_tcp_connect(s->ep, p->dst);
    if (rc) {
        if (s->ep) {
            ip_ep_close(s->ep, 1);
            s->ep = NULL;
        }
        pend_finish(m, p, fail(m, s, sock_code(rc)));
        return;
    }
    s->peer = p->dst;
    s->has_peer = 1;
    if (async) {
        pend_finish(m, p, AT_OK);
    }
    /* else on_connected finishes the command */
}

static void resolved_cb(void *ctx, int err, ip4 addr)
{
    sock_pending *p = ctx;
    modem *m = p->m;
    p->dns = 0;
    if (err) {
        int code = err == -ETIMEDOUT ? SE_DNS_TIMEOUT : err == -ENETDOWN ? SE_NETDOWN : SE_DNS_NOTFOUND;
        hsock *s = p->sock >= 0 ? &table(m)->s[p->sock] : NULL;
        pend_finish(m, p, fail(m, s && s->used ? s : NULL, code));
        return;
    }
    p->dst.ip = addr;
    p->resolved = addr;
    switch (p->op) {
    case OP_DNS:
        pend_finish(m, p, AT_OK);
        break;
    case OP_SENDTO: sendto_now(m, p); break;
    case OP_CONNECT: connect_now(m, p, p->async); break;
    default: break;
    }
}

/* Resolve p->name unless it is already an address; 0 when p->dst.ip is
 * set, AT_PENDING when a lookup runs, or the error. */
static int resolve_or_parse(modem *m, sock_pending *p, hsock *s)
{
    ip4 a;
    if (!ip4_parse(p->name, &a)) {
        p->dst.ip = a;
        return 0;
    }
    int rc = ip_bearer_ready(m, IP_USER_HOST);
    if (rc)
        return fail(m, s, sock_code(rc));
    p->dns = ip_resolve(m, IP_USER_HOST, p->name, resolved_cb, p);
    return p->dns ? AT_PENDING : fail(m, s, SE_NOBUFS);
}

/* ---------------- +USOCR ---------------- */

static int new_socket_id(modem *m)
{
    for (int i = 0; i < NSOCKS; i++)
        if (!table(m)->s[i].used)
            return i;
    return -1;
}

static void sock_init_defaults(hsock *s, ip_proto proto)
{
    int id = s->id;
    memset(s, 0, sizeof(*s));
    s->id = id;
    s->used = 1;
    s->proto = proto;
    s->ttl = 255;
    s->keepidle = 7200000;
    bytebuf_init(&s->part);
}

static int cmd_USOCR(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    long proto, lport = 0, iptype = 0;
    if (c->type == AT_TEST) {
        cmd_info(x, "+USOCR: (6,17),(1-65535),(0-1)");
        return AT_OK;
    }
    if (c->type != AT_SET || c->nargs > 3 || at_arg_int(c, 0, &proto, 6, 17) != 0 || (proto != 6 && proto != 17) ||
        at_arg_int(c, 1, &lport, 0, 65535) < 0 || at_arg_int(c, 2, &iptype, 0, 1) < 0)
        return CMD_BAD_PARAM;
    if (iptype == 1) /* the simulated network is IPv4 only */
        return fail(x->m, NULL, SE_INVAL);
    int id = new_socket_id(x->m);
    if (id < 0)
        return fail(x->m, NULL, SE_NOBUFS);
    hsock *s = &table(x->m)->s[id];
    sock_init_defaults(s, proto == 6 ? IP_TCP : IP_UDP);
    s->lport = (uint16_t)lport;
    modem_trace_event(x->m, "sock created id=%d proto=%ld", id, proto);
    cmd_info(x, "+USOCR: %d", id);
    return AT_OK;
}

/* ---------------- +USOCO ---------------- */

static int cmd_USOCO(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    modem *m = x->m;
    long port, async = 0;
    const char *host;
    if (c->type == AT_TEST) {
        cmd_info(x, "+USOCO: (0-6),\"remote_host\",(1-65535),(0-1)");
        return AT_OK;
    }
    if (c->type != AT_SET || c->nargs < 3 || c->nargs > 4 || at_arg_str(c, 1, &host, 254) != 0 ||
        at_arg_int(c, 2, &port, 1, 65535) != 0 || at_arg_int(c, 3, &async, 0, 1) < 0 || !host[0])
        return CMD_BAD_PARAM;
    hsock *s = arg_sock(x);
    if (!s)
        return fail(m, NULL, SE_INVAL);
    if (s->proto == IP_TCP && s->ep && ip_ep_state(s->ep) != EP_NEW)
        return fail(m, s, 106); /* EISCONN */
    int rc = ip_bearer_ready(m, IP_USER_HOST);
    if (rc)
        return fail(m, s, sock_code(rc));
    sock_pending *p = &table(m)->pend[x->port];
    pend_reset(p);
    p->op = OP_CONNECT;
    p->sock = s->id;
    p->async = (int)async; /* remembered across the lookup */
    p->dst.port = (uint16_t)port;
    snprintf(p->name, sizeof(p->name), "%s", host);
    rc = resolve_or_parse(m, p, s);
    if (rc)
        return rc;
    connect_now(m, p, (int)async);
    return AT_PENDING;
}

/* ---------------- +USOWR / +USOST ---------------- */

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The data argument of a base-syntax write: its bytes into out (raw text,
 * or hex decoded in HEX mode), which must be exactly len bytes. */
static int base_data(modem *m, const at_cmd *c, size_t i, size_t len, bytebuf *out)
{
    if (!at_arg_present(c, i) || !c->args[i].quoted)
        return -1;
    const at_arg *a = &c->args[i];
    if (!hex_mode(m)) {
        if (a->len != len || memchr(a->s, '"', a->len))
            return -1;
        return bytebuf_append(out, a->s, a->len);
    }
    if (a->len != 2 * len)
        return -1;
    for (size_t k = 0; k < len; k++) {
        int hi = hexval((unsigned char)a->s[2 * k]), lo = hexval((unsigned char)a->s[2 * k + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        bytebuf_append_byte(out, (uint8_t)(hi << 4 | lo));
    }
    return 0;
}

/* Write p->data on its (connected) socket. */
static void write_now(modem *m, sock_pending *p)
{
    hsock *s = &table(m)->s[p->sock];
    if (!s->used || !s->has_peer || !s->ep) {
        pend_finish(m, p, fail(m, s->used ? s : NULL, SE_NOTCONN));
        return;
    }
    if (s->remote_closed) { /* the peer is gone: its data may still be read */
        pend_finish(m, p, fail(m, s, SE_NOTCONN));
        return;
    }
    long n;
    if (s->proto == IP_UDP) {
        int rc = ip_udp_sendto(s->ep, s->peer, p->data.data, p->data.len);
        n = rc ? rc : (long)p->data.len;
    } else {
        n = ip_tcp_send(s->ep, p->data.data, p->data.len);
        if (n == 0 && p->data.len)
            n = -EAGAIN; /* the send buffer is full */
    }
    if (n < 0) {
        pend_finish(m, p, fail(m, s, sock_code((int)n)));
        return;
    }
    s->sent += (uint64_t)n;
    p->count = (size_t)n;
    pend_finish(m, p, AT_OK);
}

/* Binary syntax: exactly p->want raw bytes after the "@" prompt. */
static size_t binary_feed(modem *m, int port, const uint8_t *b, size_t n, void *arg)
{
    sock_pending *p = arg;
    size_t take = n < p->want ? n : p->want;
    bytebuf_append(&p->data, b, take);
    p->want -= take;
    if (p->want)
        return take;
    modem_set_sink(m, port, (data_sink){ NULL, NULL });
    if (p->op == OP_WRITE) {
        write_now(m, p);
        return take;
    }
    /* +USOST: the destination may still need a lookup */
    int rc = resolve_or_parse(m, p, &table(m)->s[p->sock]);
    if (rc == 0)
        sendto_now(m, p);
    else if (rc != AT_PENDING)
        pend_finish(m, p, rc);
    return take;
}

static int start_binary(cmd_ctx *x, sock_pending *p, size_t len)
{
    p->want = len;
    cmd_raw(x, SOCK_PROMPT, strlen(SOCK_PROMPT));
    modem_set_sink(x->m, x->port, (data_sink){ binary_feed, p });
    return AT_PENDING;
}

static int cmd_USOWR(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    modem *m = x->m;
    long len;
    int hex = hex_mode(m);
    if (c->type == AT_TEST) {
        cmd_info(x, hex ? "+USOWR: (0-6),(0-512),\"HEX data\"" : "+USOWR: (0-6),(0-1024),\"data\"");
        return AT_OK;
    }
    if (c->type != AT_SET || c->nargs < 2 || c->nargs > 3 ||
        at_arg_int(c, 1, &len, 0, c->nargs == 3 && hex ? SOCK_WRITE_MAX / 2 : SOCK_WRITE_MAX) != 0)
        return CMD_BAD_PARAM;
    hsock *s = arg_sock(x);
    if (!s)
        return fail(m, NULL, SE_INVAL);
    if (!s->has_peer || !s->ep)
        return fail(m, s, SE_NOTCONN);
    sock_pending *p = &table(m)->pend[x->port];
    pend_reset(p);
    p->op = OP_WRITE;
    p->sock = s->id;
    if (c->nargs == 2) {
        if (len == 0)
            return CMD_BAD_PARAM;
        return start_binary(x, p, (size_t)len);
    }
    if (base_data(m, c, 2, (size_t)len, &p->data)) {
        pend_reset(p);
        return CMD_BAD_PARAM;
    }
    write_now(m, p);
    return AT_PENDING;
}

static int cmd_USOST(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    modem *m = x->m;
    long port, len;
    const char *host;
    int hex = hex_mode(m);
    if (c->type == AT_TEST) {
        cmd_info(x, hex ? "+USOST: (0-6),\"remote_host\",(1-65535),(0-512),\"HEX data\""
                        : "+USOST: (0-6),\"remote_host\",(1-65535),(0-1024),\"data\"");
        return AT_OK;
    }
    if (c->type != AT_SET || c->nargs < 4 || c->nargs > 5 || at_arg_str(c, 1, &host, 254) != 0 || !host[0] ||
        at_arg_int(c, 2, &port, 1, 65535) != 0 ||
        at_arg_int(c, 3, &len, 0, c->nargs == 5 && hex ? SOCK_WRITE_MAX / 2 : SOCK_WRITE_MAX) != 0)
        return CMD_BAD_PARAM;
    hsock *s = arg_sock(x);
    if (!s)
        return fail(m, NULL, SE_INVAL);
    if (s->proto != IP_UDP)
        return fail(m, s, 95); /* EOPNOTSUPP */
    int rc = ip_bearer_ready(m, IP_USER_HOST);
    if (rc)
        return fail(m, s, sock_code(rc));
    sock_pending *p = &table(m)->pend[x->port];
    pend_reset(p);
    p->op = OP_SENDTO;
    p->sock = s->id;
    p->dst.port = (uint16_t)port;
    snprintf(p->name, sizeof(p->name), "%s", host);
    if (c->nargs == 4) {
        if (len == 0)
            return CMD_BAD_PARAM;
        return start_binary(x, p, (size_t)len);
    }
    if (base_data(m, c, 4, (size_t)len, &p->data)) {
        pend_reset(p);
        return CMD_BAD_PARAM;
    }
    rc = resolve_or_parse(m, p, s);
    if (rc)
        return rc;
    sendto_now(m, p);
    return AT_PENDING;
}

/* ---------------- +USORD / +USORF ---------------- */

/* `<prefix>"<n bytes>"` as one information line (raw or hex). */
static void data_line(cmd_ctx *x, const char *prefix, const uint8_t *d, size_t n)
{
    static const char digits[] = "0123456789ABCDEF";
    bytebuf line;
    bytebuf_init(&line);
    bytebuf_append_str(&line, prefix);
    bytebuf_append_byte(&line, '"');
    if (hex_mode(x->m)) {
        for (size_t i = 0; i < n; i++) {
            bytebuf_append_byte(&line, (uint8_t)digits[d[i] >> 4]);
            bytebuf_append_byte(&line, (uint8_t)digits[d[i] & 15]);
        }
    } else {
        bytebuf_append(&line, d, n);
    }
    bytebuf_append_byte(&line, '"');
    cmd_info_bytes(x, line.data, line.len);
    bytebuf_free(&line);
}

/* Take the next datagram (or the rest of the one being read) into s->part. */
static void load_dgram(hsock *s)
{
    if (s->part.len || !s->ep)
        return;
    size_t n = ip_udp_peek(s->ep, &s->part_src);
    if (!n && !ip_udp_pending_total(s->ep))
        return;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return;
    ip_udp_recv(s->ep, buf, n, &s->part_src);
    bytebuf_append(&s->part, buf, n);
    free(buf);
}

/* After a read: tell the host what is left (the URC follows the OK), or
 * end a socket the peer closed once it is drained. */
static void after_read(modem *m, hsock *s)
{
    size_t left = s->proto == IP_TCP ? pending_bytes(s) : next_dgram(s);
    if (left) {
        s->known = 1;
        if (s->proto == IP_TCP)
            modem_urc(m, "+UUSORD: %d,%zu", s->id, left);
        else
            modem_urc(m, "+UUSORF: %d,%zu", s->id, left);
        return;
    }
    s->known = 0;
    closed_if_drained(m, s);
}

/* +USORD / +USORF set form: the socket and the length asked for, or the
 * error result (*r). */
static hsock *read_args(cmd_ctx *x, long *len, int *r)
{
    const at_cmd *c = x->cmd;
    int max = hex_mode(x->m) ? SOCK_READ_MAX / 2 : SOCK_READ_MAX;
    *r = AT_OK;
    if (c->type == AT_TEST) {
        cmd_info(x, "%s: (0-6),(0-%d)", c->name, max);
        return NULL;
    }
    if (c->type != AT_SET || c->nargs != 2 || at_arg_int(c, 1, len, 0, max)) {
        *r = CMD_BAD_PARAM;
        return NULL;
    }
    hsock *s = arg_sock(x);
    if (!s)
        *r = fail(x->m, NULL, SE_INVAL);
    return s;
}

static int cmd_USORD(cmd_ctx *x)
{
    modem *m = x->m;
    long len;
    int r;
    hsock *s = read_args(x, &len, &r);
    if (!s)
        return r;
    if (len == 0) { /* how much is there */
        cmd_info(x, "+USORD: %d,%zu", s->id, s->proto == IP_TCP ? pending_bytes(s) : next_dgram(s));
        return AT_OK;
    }
    uint8_t buf[SOCK_READ_MAX];
    size_t n = 0;
    if (s->proto == IP_TCP) {
        n = s->ep ? ip_tcp_read(s->ep, buf, (size_t)len) : 0;
    } else {
        load_dgram(s);
        n = s->part.len < (size_t)len ? s->part.len : (size_t)len;
        if (n) /* part.data may be NULL when empty */
            memcpy(buf, s->part.data, n);
        bytebuf_consume(&s->part, n);
    }
    s->rcvd += n;
    char prefix[32];
    snprintf(prefix, sizeof(prefix), "+USORD: %d,%zu,", s->id, n);
    data_line(x, prefix, buf, n);
    after_read(m, s);
    return AT_OK;
}

static int cmd_USORF(cmd_ctx *x)
{
    modem *m = x->m;
    long len;
    int r;
    hsock *s = read_args(x, &len, &r);
    if (!s)
        return r;
    if (s->proto != IP_UDP)
        return fail(m, s, 95);
    load_dgram(s);
    if (len == 0) {
        cmd_info(x, "+USORF: %d,%zu", s->id, s->part.len);
        return AT_OK;
    }
    if (!s->part.len) {
        cmd_info(x, "+USORF: %d,0,\"\"", s->id);
        return AT_OK;
    }
    size_t n = s->part.len < (size_t)len ? s->part.len : (size_t)len;
    char prefix[64], ip[16];
    snprintf(prefix, sizeof(prefix), "+USORF: %d,\"%s\",%u,%zu,", s->id, ip4_format(s->part_src.ip, ip),
             (unsigned)s->part_src.port, n);
    data_line(x, prefix, s->part.data, n);
    bytebuf_consume(&s->part, n);
    s->rcvd += n;
    after_read(m, s);
    return AT_OK;
}

/* ---------------- +USOCL, +USOER, +USOCTL ---------------- */

static int cmd_USOCL(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    long async = 0;
    if (c->type == AT_TEST) {
        cmd_info(x, "+USOCL: (0-6),(0-1)");
        return AT_OK;
    }
    if (c->type != AT_SET || c->nargs < 1 || c->nargs > 2 || at_arg_int(c, 1, &async, 0, 1) < 0)
        return CMD_BAD_PARAM;
    hsock *s = arg_sock(x);
    if (!s)
        return fail(x->m, NULL, SE_INVAL);
    int id = s->id;
    modem_trace_event(x->m, "sock closed id=%d by=host", id);
    sock_release(x->m, s);
    if (async) /* OK now, the URC once the close is done */
        modem_urc(x->m, "+UUSOCL: %d", id);
    return AT_OK;
}

static int cmd_USOER(cmd_ctx *x)
{
    if (x->cmd->type == AT_TEST)
        return AT_OK;
    if (x->cmd->type != AT_EXEC)
        return AT_ERROR;
    cmd_info(x, "+USOER: %d", table(x->m)->last_error);
    return AT_OK;
}

static int tcp_state(const hsock *s)
{
    if (s->proto != IP_TCP || !s->ep)
        return 0;
    switch (ip_ep_state(s->ep)) {
    case EP_LISTENING: return 1;
    case EP_CONNECTING: return 2;
    case EP_OPEN: return 4;
    case EP_PEER_CLOSED: return 7; /* CLOSE_WAIT */
    default: return 0;
    }
}

static int cmd_USOCTL(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    long param;
    if (c->type == AT_TEST) {
        cmd_info(x, "+USOCTL: (0-6),(0-4,10-11)");
        return AT_OK;
    }
    if (c->type != AT_SET || c->nargs != 2 || at_arg_int(c, 1, &param, 0, 99) != 0)
        return CMD_BAD_PARAM;
    hsock *s = arg_sock(x);
    if (!s)
        return fail(x->m, NULL, SE_INVAL);
    char ip[16];
    switch (param) {
    case 0: cmd_info(x, "+USOCTL: %d,0,%d", s->id, s->proto); break;
    case 1: cmd_info(x, "+USOCTL: %d,1,%d", s->id, s->err); break;
    case 2: cmd_info(x, "+USOCTL: %d,2,%llu", s->id, (unsigned long long)s->sent); break;
    case 3: cmd_info(x, "+USOCTL: %d,3,%llu", s->id, (unsigned long long)s->rcvd); break;
    case 4:
        if (!s->has_peer)
            return fail(x->m, s, SE_NOTCONN);
        cmd_info(x, "+USOCTL: %d,4,\"%s\",%u", s->id, ip4_format(s->peer.ip, ip), (unsigned)s->peer.port);
        break;
    case 10:
        if (s->proto != IP_TCP)
            return fail(x->m, s, 95);
        cmd_info(x, "+USOCTL: %d,10,%d", s->id, tcp_state(s));
        break;
    case 11:
        if (s->proto != IP_TCP)
            return fail(x->m, s, 95);
        cmd_info(x, "+USOCTL: %d,11,%zu", s->id, s->ep ? ip_ep_unsent(s->ep) : 0);
        break;
    default: return CMD_BAD_PARAM;
    }
    return AT_OK;
}

/* ---------------- +USOSO / +USOGO ---------------- */

typedef struct sockopt {
    int level, name;
    size_t off;
    long lo, hi;
} sockopt;

static const sockopt sockopts[] = {
    { 0, 1, offsetof(hsock, tos), 0, 255 },
    { 0, 2, offsetof(hsock, ttl), 0, 255 },
    { 6, 1, offsetof(hsock, nodelay), 0, 1 },
    { 65535, 4, offsetof(hsock, reuseaddr), 0, 1 },
    { 65535, 8, offsetof(hsock, keepalive), 0, 1 },
    { 65535, 32, offsetof(hsock, broadcast), 0, 1 },
    { 65535, 128, offsetof(hsock, linger), 0, 1 },
    { 65535, 512, offsetof(hsock, reuseport), 0, 1 },
};

static const sockopt *find_opt(long level, long name)
{
    for (size_t i = 0; i < sizeof(sockopts) / sizeof(sockopts[0]); i++)
        if (sockopts[i].level == level && sockopts[i].name == name)
            return &sockopts[i];
    return NULL;
}

static int cmd_USOSO(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    long level, name, v, v2 = 0;
    if (c->type == AT_TEST) {
        cmd_info(x, "+USOSO: (0-6),(0,6,65535)");
        return AT_OK;
    }
    if (c->type != AT_SET || c->nargs < 4 || c->nargs > 5 || at_arg_int(c, 1, &level, 0, 65535) != 0 ||
        at_arg_int(c, 2, &name, 0, 65535) != 0 || at_arg_int(c, 3, &v, 0, 2147483647L) != 0 ||
        at_arg_int(c, 4, &v2, 0, 32767) < 0)
        return CMD_BAD_PARAM;
    hsock *s = arg_sock(x);
    if (!s)
        return fail(x->m, NULL, SE_INVAL);
    if (level == 6 && name == 2) { /* KEEPIDLE, in whole seconds (ubxlib: R5 takes multiples of 1000 ms) */
        if (v % 1000)
            return CMD_BAD_PARAM;
        s->keepidle = v;
        return AT_OK;
    }
    const sockopt *o = find_opt(level, name);
    if (!o || v < o->lo || v > o->hi)
        return CMD_BAD_PARAM;
    if (level == 65535 && name == 128) {
        /* linger off is refused on SARA-R4/R5 (ubxlib's test skips it) */
        if (v == 0)
            return fail(x->m, s, SE_INVAL);
        s->linger_time = (int)v2;
    }
    *(int *)((char *)s + o->off) = (int)v;
    return AT_OK;
}

static int cmd_USOGO(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    long level, name;
    if (c->type == AT_TEST) {
        cmd_info(x, "+USOGO: (0-6),(0,6,65535)");
        return AT_OK;
    }
    if (c->type != AT_SET || c->nargs != 3 || at_arg_int(c, 1, &level, 0, 65535) != 0 ||
        at_arg_int(c, 2, &name, 0, 65535) != 0)
        return CMD_BAD_PARAM;
    hsock *s = arg_sock(x);
    if (!s)
        return fail(x->m, NULL, SE_INVAL);
    if (level == 6 && name == 2) {
        cmd_info(x, "+USOGO: %ld", s->keepidle);
        return AT_OK;
    }
    const sockopt *o = find_opt(level, name);
    if (!o)
        return CMD_BAD_PARAM;
    int v = *(int *)((char *)s + o->off);
    if (level == 65535 && name == 128 && v)
        cmd_info(x, "+USOGO: %d,%d", v, s->linger_time);
    else
        cmd_info(x, "+USOGO: %d", v);
    return AT_OK;
}

/* ---------------- +USOLI, +USOSEC ---------------- */

static int cmd_USOLI(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    modem *m = x->m;
    long port;
    if (c->type == AT_TEST) {
        cmd_info(x, "+USOLI: (0-6),(1-65535)");
        return AT_OK;
    }
    if (c->type != AT_SET || c->nargs != 2 || at_arg_int(c, 1, &port, 1, 65535) != 0)
        return CMD_BAD_PARAM;
    hsock *s = arg_sock(x);
    if (!s)
        return fail(m, NULL, SE_INVAL);
    if (s->ep)
        return fail(m, s, 106);
    s->lport = (uint16_t)port;
    int rc = sock_ep(m, s);
    if (!rc && s->proto == IP_TCP)
        rc = ip_tcp_listen(s->ep);
    if (rc) {
        if (s->ep) {
            ip_ep_close(s->ep, 1);
            s->ep = NULL;
        }
        return fail(m, s, sock_code(rc));
    }
    return AT_OK;
}

static int cmd_USOSEC(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    long on, prof = 0;
    if (c->type == AT_TEST) {
        cmd_info(x, "+USOSEC: (0-6),(0-1),(0-4)");
        return AT_OK;
    }
    hsock *s = arg_sock(x);
    if (c->type == AT_READ || (c->type == AT_SET && c->nargs == 1)) {
        if (!s)
            return fail(x->m, NULL, SE_INVAL);
        cmd_info(x, "+USOSEC: %d,%d,%d", s->id, s->secure, s->sec_profile);
        return AT_OK;
    }
    if (c->type != AT_SET || c->nargs > 3 || at_arg_int(c, 1, &on, 0, 1) != 0 || at_arg_int(c, 2, &prof, 0, 4) < 0)
        return CMD_BAD_PARAM;
    if (!s)
        return fail(x->m, NULL, SE_INVAL);
    if (s->ep && ip_ep_state(s->ep) != EP_NEW)
        return fail(x->m, s, 106); /* before +USOCO only */
    s->secure = (int)on;
    s->sec_profile = (int)prof;
    return AT_OK;
}

/* ---------------- +UDNSRN ---------------- */

static int cmd_UDNSRN(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    modem *m = x->m;
    long type;
    const char *name;
    if (c->type == AT_TEST) {
        cmd_info(x, "+UDNSRN: (0-1),\"domain_ip_string\"");
        return AT_OK;
    }
    if (c->type != AT_SET || c->nargs != 2 || at_arg_int(c, 0, &type, 0, 1) != 0 || at_arg_str(c, 1, &name, 254) ||
        !name[0])
        return CMD_BAD_PARAM;
    if (type == 1) /* reverse lookups are not simulated */
        return AT_CME(CME_NOT_SUPPORTED);
    /* without a data connection (R410M log): "no connection to phone" */
    if (ip_bearer_ready(m, IP_USER_HOST)) {
        table(m)->last_error = SE_NETDOWN;
        return AT_CME(1);
    }
    sock_pending *p = &table(m)->pend[x->port];
    pend_reset(p);
    p->op = OP_DNS;
    snprintf(p->name, sizeof(p->name), "%s", name);
    int rc = resolve_or_parse(m, p, NULL);
    if (rc)
        return rc;
    p->resolved = p->dst.ip; /* a literal address resolves to itself */
    cmd_info(x, "+UDNSRN: \"%s\"", name);
    pend_reset(p);
    return AT_OK;
}

/* ---------------- lifecycle ---------------- */

int cmd_sock_init(modem *m)
{
    sock_table *t = calloc(1, sizeof(*t));
    if (!t)
        return -ENOMEM;
    for (int i = 0; i < NSOCKS; i++)
        t->s[i].id = i;
    for (int i = 0; i < MODEM_PORTS; i++) {
        t->pend[i].m = m;
        t->pend[i].port = i;
        t->pend[i].sock = -1;
    }
    m->socks = t;
    return 0;
}

/* Power off, reboot: every socket is gone (sim/ip.c frees the endpoints and
 * tells the world). */
void cmd_sock_stop(modem *m)
{
    sock_table *t = table(m);
    if (!t)
        return;
    for (int i = 0; i < NSOCKS; i++) {
        t->s[i].ep = NULL; /* ip_stop frees it */
        bytebuf_free(&t->s[i].part);
        memset(&t->s[i], 0, sizeof(t->s[i]));
        t->s[i].id = i;
    }
    for (int i = 0; i < MODEM_PORTS; i++) {
        t->pend[i].dns = 0; /* ip_stop forgets the lookups */
        pend_reset(&t->pend[i]);
    }
    t->last_error = 0;
}

void cmd_sock_free(modem *m)
{
    if (!m->socks)
        return;
    cmd_sock_stop(m);
    free(m->socks);
    m->socks = NULL;
}

const cmd_def cmd_sock_defs[] = {
    { "+USOCR", cmd_USOCR, 0 },
    { "+USOCO", cmd_USOCO, 0 },
    { "+USOWR", cmd_USOWR, CMD_ALONE },
    { "+USOST", cmd_USOST, CMD_ALONE },
    { "+USORD", cmd_USORD, 0 },
    { "+USORF", cmd_USORF, 0 },
    { "+USOCL", cmd_USOCL, 0 },
    { "+USOER", cmd_USOER, 0 },
    { "+USOCTL", cmd_USOCTL, 0 },
    { "+USOSO", cmd_USOSO, 0 },
    { "+USOGO", cmd_USOGO, 0 },
    { "+USOLI", cmd_USOLI, 0 },
    { "+USOSEC", cmd_USOSEC, 0 },
    { "+UDNSRN", cmd_UDNSRN, 0 },
    { NULL, NULL, 0 },
};
