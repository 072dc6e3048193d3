/* lwm2m_server.c - the built-in LwM2M server (see lwm2m_server.h and
 * docs/lwm2m-server.md).
 *
 * Three tables, fixed in size at init:
 *   peers[]  one coap_ep (and one Block1 receiver) per peer key;
 *   regs[]   the registrations in force, by endpoint name and location id;
 *   ops[]    operations of ours open on a client, an observation until it ends.
 * Every call runs the peers' endpoints, turns what they report into
 * registration handling and operation outcomes, and appends datagrams and
 * events to the caller's out (events also go to the log). */
#include "lwm2m_server.h"

#include "lwm2m_obj.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct lwm2m_srv_peer {
    bool used;
    lwm2m_peer key;
    coap_ep ep;
    coap_b1_rx b1;
    uint64_t last_seen;
} lwm2m_srv_peer;

typedef struct lwm2m_srv_op {
    bool used;
    uint32_t id;
    lwm2m_srv_op_kind kind;
    lwm2m_path path;
    char ep[LWM2M_SRV_EP_MAX + 1];
    unsigned reg_id;
    lwm2m_peer peer;
    uint32_t xid;
    bool answered;  /* OBSERVE: the first response came */
} lwm2m_srv_op;

#define TOKEN_LEN 4 /* our tokens are the operation id, big-endian */

static uint64_t add_sat(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static void copy_str(char *dst, size_t size, const void *src, size_t n)
{
    n = n < size - 1 ? n : size - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

/* ---- names ---- */

const char *lwm2m_srv_op_name(lwm2m_srv_op_kind k)
{
    static const char *const names[] = { "?", "read", "write", "execute", "observe", "cancel", "discover",
                                         "attributes" };
    return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

const char *lwm2m_srv_event_name(lwm2m_srv_event_kind k)
{
    static const char *const names[] = { "?", "register", "update", "deregister", "expired", "rejected",
                                         "ignored", "response", "notify", "unobserved", "restart", "request" };
    return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

const char *lwm2m_srv_req_name(unsigned req)
{
    switch (req) {
    case LWM2M_REQ_REGISTER: return "register";
    case LWM2M_REQ_UPDATE: return "update";
    case LWM2M_REQ_DEREGISTER: return "deregister";
    default: return "other";
    }
}

/* ---- configuration, out, events ---- */

void lwm2m_server_config_default(lwm2m_server_config *c)
{
    memset(c, 0, sizeof(*c));
    c->grace = LWM2M_SRV_DEFAULT_GRACE;
    coap_ep_config_default(&c->coap);
    c->max_clients = 16;
    c->max_peers = 32;
    c->max_ops = 64;
    c->max_log = 512;
    c->max_payload = 16 * 1024;
    c->types = lwm2m_server_objdef_type;
}

int lwm2m_server_objdef_type(void *ctx, uint16_t obj, uint16_t res)
{
    (void)ctx;
    const lwm2m_res_def *r = lwm2m_objdef_res(lwm2m_objdef_find(obj), res);
    return r ? (int)r->type : LWM2M_E_NOTFOUND;
}

void lwm2m_srv_op_req_init(lwm2m_srv_op_req *r, lwm2m_srv_op_kind kind, const lwm2m_path *path)
{
    memset(r, 0, sizeof(*r));
    r->kind = kind;
    r->path = *path;
    r->accept = -1;
    r->format = LWM2M_CF_TLV;
}

static void ev_init(lwm2m_srv_event *e, lwm2m_srv_event_kind kind, uint64_t now, lwm2m_peer peer)
{
    memset(e, 0, sizeof(*e));
    e->kind = kind;
    e->at = now;
    e->peer = peer;
    e->lifetime = -1;
    e->cf = LWM2M_SRV_NO_CF;
    lwm2m_list_init(&e->values);
    bytebuf_init(&e->body);
}

static void ev_free(lwm2m_srv_event *e)
{
    lwm2m_list_free(&e->values);
    bytebuf_free(&e->body);
}

/* dst gets copies of src's list and body.  0 or -ENOMEM (dst then holds
 * what could be copied). */
static int ev_copy(lwm2m_srv_event *dst, const lwm2m_srv_event *src)
{
    *dst = *src;
    lwm2m_list_init(&dst->values);
    bytebuf_init(&dst->body);
    int rc = bytebuf_append(&dst->body, src->body.data, src->body.len);
    for (size_t i = 0; !rc && i < src->values.len; i++) {
        const lwm2m_entry *en = &src->values.items[i];
        rc = en->has_time ? lwm2m_list_add_timed(&dst->values, &en->path, &en->value, en->time)
                          : lwm2m_list_add(&dst->values, &en->path, &en->value);
    }
    return rc ? -ENOMEM : 0;
}

void lwm2m_srv_out_init(lwm2m_srv_out *o)
{
    memset(o, 0, sizeof(*o));
    bytebuf_init(&o->bytes);
}

void lwm2m_srv_out_clear(lwm2m_srv_out *o)
{
    for (size_t i = 0; i < o->nev; i++)
        ev_free(&o->ev[i]);
    o->nev = 0;
    o->ndg = 0;
    bytebuf_clear(&o->bytes);
    o->err = 0;
}

void lwm2m_srv_out_free(lwm2m_srv_out *o)
{
    lwm2m_srv_out_clear(o);
    free(o->dg);
    free(o->ev);
    bytebuf_free(&o->bytes);
    memset(o, 0, sizeof(*o));
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap * 2 : 8;
    while (n < need)
        n *= 2;
    void *np = realloc(*p, n * elem);
    if (!np)
        return -ENOMEM;
    *p = np;
    *cap = n;
    return 0;
}

static void out_dgram(lwm2m_srv_out *o, lwm2m_peer peer, const uint8_t *d, size_t n)
{
    if (grow((void **)&o->dg, &o->dg_cap, o->ndg + 1, sizeof(*o->dg)) || bytebuf_append(&o->bytes, d, n)) {
        o->err = -ENOMEM;
        return;
    }
    o->dg[o->ndg++] = (lwm2m_srv_dgram){ peer, o->bytes.len - n, n };
}

static void log_push(lwm2m_srv *s, const lwm2m_srv_event *e)
{
    if (!s->cfg.max_log)
        return;
    size_t slot;
    if (s->log_len == s->cfg.max_log) {
        slot = s->log_head;
        ev_free(&s->log[slot]);
        s->log_head = (s->log_head + 1) % s->cfg.max_log;
        s->log_dropped++;
    } else {
        slot = (s->log_head + s->log_len++) % s->cfg.max_log;
    }
    ev_copy(&s->log[slot], e); /* out of memory: the entry keeps what fitted */
}

/* The event goes to the log (a copy) and to out (moved): e is consumed. */
static void emit(lwm2m_srv *s, lwm2m_srv_out *o, lwm2m_srv_event *e)
{
    log_push(s, e);
    if (grow((void **)&o->ev, &o->ev_cap, o->nev + 1, sizeof(*o->ev))) {
        o->err = -ENOMEM;
        ev_free(e);
        return;
    }
    o->ev[o->nev++] = *e;
}

size_t lwm2m_server_log_len(const lwm2m_srv *s) { return s->log_len; }

const lwm2m_srv_event *lwm2m_server_log_at(const lwm2m_srv *s, size_t i)
{
    return i < s->log_len ? &s->log[(s->log_head + i) % s->cfg.max_log] : NULL;
}

/* ---- lifecycle ---- */

int lwm2m_server_init(lwm2m_srv *s, const lwm2m_server_config *cfg)
{
    memset(s, 0, sizeof(*s));
    if (cfg)
        s->cfg = *cfg;
    else
        lwm2m_server_config_default(&s->cfg);
    lwm2m_server_config *c = &s->cfg;
    c->max_clients = c->max_clients ? c->max_clients : 1;
    c->max_peers = c->max_peers ? c->max_peers : 1;
    c->max_ops = c->max_ops ? c->max_ops : 1;
    c->max_payload = c->max_payload ? c->max_payload : 1024;
    coap_out_init(&s->co);
    coap_out_init(&s->co2);
    s->peers = calloc(c->max_peers, sizeof(*s->peers));
    s->regs = calloc(c->max_clients, sizeof(*s->regs));
    s->ops = calloc(c->max_ops, sizeof(*s->ops));
    s->log = c->max_log ? calloc(c->max_log, sizeof(*s->log)) : NULL;
    if (!s->peers || !s->regs || !s->ops || (c->max_log && !s->log)) {
        lwm2m_server_free(s);
        return -ENOMEM;
    }
    for (size_t i = 0; i < c->max_clients; i++)
        bytebuf_init(&s->regs[i].links);
    s->next_op = 1;
    return 0;
}

static void peer_free(lwm2m_srv_peer *p)
{
    if (!p->used)
        return;
    coap_ep_free(&p->ep);
    coap_b1_rx_free(&p->b1);
    memset(p, 0, sizeof(*p));
}

static void reg_clear(lwm2m_srv_reg *r)
{
    bytebuf links = r->links;
    bytebuf_clear(&links);
    memset(r, 0, sizeof(*r));
    r->links = links;
}

void lwm2m_server_free(lwm2m_srv *s)
{
    for (size_t i = 0; s->peers && i < s->cfg.max_peers; i++)
        peer_free(&s->peers[i]);
    for (size_t i = 0; s->regs && i < s->cfg.max_clients; i++)
        bytebuf_free(&s->regs[i].links);
    for (size_t i = 0; s->log && i < s->log_len; i++)
        ev_free(&s->log[(s->log_head + i) % s->cfg.max_log]);
    free(s->peers);
    free(s->regs);
    free(s->ops);
    free(s->log);
    coap_out_free(&s->co);
    coap_out_free(&s->co2);
    memset(s, 0, sizeof(*s));
}

/* ---- registrations ---- */

const lwm2m_srv_reg *lwm2m_server_find(const lwm2m_srv *s, const char *ep)
{
    for (size_t i = 0; ep && i < s->cfg.max_clients; i++)
        if (s->regs[i].used && !strcmp(s->regs[i].ep, ep))
            return &s->regs[i];
    return NULL;
}

size_t lwm2m_server_nregs(const lwm2m_srv *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->cfg.max_clients; i++)
        n += s->regs[i].used;
    return n;
}

const lwm2m_srv_reg *lwm2m_server_reg_at(const lwm2m_srv *s, size_t i)
{
    for (size_t k = 0; k < s->cfg.max_clients; k++)
        if (s->regs[k].used && i-- == 0)
            return &s->regs[k];
    return NULL;
}

static lwm2m_srv_reg *reg_by_ep(lwm2m_srv *s, const char *ep) { return (lwm2m_srv_reg *)lwm2m_server_find(s, ep); }

static lwm2m_srv_reg *reg_by_id(lwm2m_srv *s, unsigned id)
{
    for (size_t i = 0; i < s->cfg.max_clients; i++)
        if (s->regs[i].used && s->regs[i].id == id)
            return &s->regs[i];
    return NULL;
}

/* ---- peers ---- */

static lwm2m_srv_peer *peer_find(lwm2m_srv *s, lwm2m_peer key)
{
    for (size_t i = 0; i < s->cfg.max_peers; i++)
        if (s->peers[i].used && s->peers[i].key == key)
            return &s->peers[i];
    return NULL;
}

static bool peer_busy(const lwm2m_srv *s, const lwm2m_srv_peer *p)
{
    for (size_t i = 0; i < s->cfg.max_clients; i++)
        if (s->regs[i].used && s->regs[i].peer == p->key)
            return true;
    for (size_t i = 0; i < s->cfg.max_ops; i++)
        if (s->ops[i].used && s->ops[i].peer == p->key)
            return true;
    return coap_ep_next_deadline(&p->ep) != COAP_NEVER;
}

/* The peer's state, created on first contact.  When the table is full, the
 * idle peer heard from longest ago (no registration, no operation, nothing
 * in flight) makes room; NULL when none is idle. */
static lwm2m_srv_peer *peer_get(lwm2m_srv *s, uint64_t now, lwm2m_peer key)
{
    lwm2m_srv_peer *p = peer_find(s, key), *victim = NULL;
    if (p)
        return p;
    for (size_t i = 0; i < s->cfg.max_peers && !p; i++)
        if (!s->peers[i].used)
            p = &s->peers[i];
    for (size_t i = 0; i < s->cfg.max_peers && !p; i++)
        if (!peer_busy(s, &s->peers[i]) && (!victim || s->peers[i].last_seen < victim->last_seen))
            victim = &s->peers[i];
    if (!p && victim) {
        peer_free(victim);
        p = victim;
    }
    if (!p)
        return NULL;
    coap_ep_config cc = s->cfg.coap;
    /* a new seed for every peer created: a peer forgotten (restart) and met
     * again must not reuse the message ids the client still remembers */
    cc.seed = mix64(s->cfg.seed ^ mix64(key) ^ mix64(++s->peer_serial));
    if (coap_ep_init(&p->ep, &cc))
        return NULL;
    coap_b1_rx_init(&p->b1, s->cfg.max_payload, COAP_BLOCK_SZX_MAX, cc.exchange_lifetime);
    p->used = true;
    p->key = key;
    p->last_seen = now;
    return p;
}

/* Move what an endpoint call produced into out, tagged with the peer. */
static void flush_dgrams(lwm2m_srv_out *o, lwm2m_peer key, coap_out *co)
{
    for (size_t i = 0; i < co->ndg; i++) {
        size_t n;
        const uint8_t *d = coap_out_datagram(co, i, &n);
        out_dgram(o, key, d, n);
    }
    if (co->err)
        o->err = co->err;
}

/* ---- operations: lookup and ending ---- */

static lwm2m_srv_op *op_by_xid(lwm2m_srv *s, lwm2m_peer key, uint32_t xid)
{
    for (size_t i = 0; i < s->cfg.max_ops; i++)
        if (s->ops[i].used && s->ops[i].peer == key && s->ops[i].xid == xid)
            return &s->ops[i];
    return NULL;
}

static void op_event(lwm2m_srv_event *e, lwm2m_srv_event_kind kind, uint64_t now, const lwm2m_srv_op *op)
{
    ev_init(e, kind, now, op->peer);
    copy_str(e->ep, sizeof(e->ep), op->ep, strlen(op->ep));
    e->reg_id = op->reg_id;
    e->op = op->id;
    e->op_kind = op->kind;
    e->path = op->path;
}

/* An operation ends without the client's answer (code 0 and a reason). */
static void op_failed(lwm2m_srv *s, uint64_t now, lwm2m_srv_op *op, const char *reason, lwm2m_srv_out *out)
{
    lwm2m_srv_event e;
    op_event(&e, LWM2M_SEV_RESPONSE, now, op);
    e.reason = reason;
    emit(s, out, &e);
    memset(op, 0, sizeof(*op));
}

/* An observation ends: forget it in the endpoint (its next notification
 * gets RST) and say why: UNOBSERVED once it stood, else the Observe's
 * RESPONSE. */
static void end_observation(lwm2m_srv *s, uint64_t now, lwm2m_srv_op *op, const char *reason,
                            lwm2m_srv_out *out)
{
    lwm2m_srv_peer *p = peer_find(s, op->peer);
    if (p) {
        coap_out_clear(&s->co2);
        coap_ep_cancel(&p->ep, now, op->xid, &s->co2);
        flush_dgrams(out, p->key, &s->co2);
    }
    if (!op->answered) {
        op_failed(s, now, op, reason, out);
        return;
    }
    lwm2m_srv_event e;
    op_event(&e, LWM2M_SEV_UNOBSERVED, now, op);
    e.reason = reason;
    emit(s, out, &e);
    memset(op, 0, sizeof(*op));
}

/* A registration goes (de-registered, expired, replaced): its observations
 * end with it. */
static void reg_remove(lwm2m_srv *s, uint64_t now, lwm2m_srv_reg *r, const char *reason, lwm2m_srv_out *out)
{
    for (size_t i = 0; i < s->cfg.max_ops; i++) {
        lwm2m_srv_op *op = &s->ops[i];
        if (op->used && op->kind == LWM2M_SOP_OBSERVE && op->reg_id == r->id)
            end_observation(s, now, op, reason, out);
    }
    reg_clear(r);
}

/* ---- the registration interface (TS §5.3) ---- */

typedef struct reg_query {
    const char *ep, *lt, *ver, *b;
    size_t ep_len, lt_len, ver_len, b_len;
} reg_query;

static void parse_query(const coap_msg *m, reg_query *q)
{
    memset(q, 0, sizeof(*q));
    for (const coap_option *o = coap_msg_find(m, COAP_OPT_URI_QUERY); o;
         o = coap_msg_find_next(m, COAP_OPT_URI_QUERY, o)) {
        const char *v = (const char *)coap_opt_val(o);
        const char *eq = memchr(v, '=', o->len);
        if (!eq)
            continue; /* "Q" and other flags */
        size_t klen = (size_t)(eq - v), vlen = o->len - klen - 1;
        const char **dst = NULL;
        size_t *dlen = NULL;
        if (klen == 2 && !memcmp(v, "ep", 2))
            dst = &q->ep, dlen = &q->ep_len;
        else if (klen == 2 && !memcmp(v, "lt", 2))
            dst = &q->lt, dlen = &q->lt_len;
        else if (klen == 5 && !memcmp(v, "lwm2m", 5))
            dst = &q->ver, dlen = &q->ver_len;
        else if (klen == 1 && v[0] == 'b')
            dst = &q->b, dlen = &q->b_len;
        if (dst) {
            *dst = eq + 1;
            *dlen = vlen;
        }
    }
}

static bool printable(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] == 0x7f)
            return false;
    return true;
}

/* lt: 1 .. 2^32-1 seconds. */
static bool parse_lifetime(const char *p, size_t n, int64_t *out)
{
    uint64_t v;
    if (lwm2m_parse_uint64(p, n, &v) || v == 0 || v > UINT32_MAX)
        return false;
    *out = (int64_t)v;
    return true;
}

/* The query values a Register / Update carries, checked.  NULL or a reason. */
static const char *check_query(const reg_query *q, bool reg, int64_t *lt)
{
    if (reg && (!q->ep || !q->ep_len))
        return "no_ep";
    if (q->ep && (q->ep_len > LWM2M_SRV_EP_MAX || !printable(q->ep, q->ep_len)))
        return "bad_ep";
    if (q->lt && !parse_lifetime(q->lt, q->lt_len, lt))
        return "bad_lt";
    if (q->ver && (!q->ver_len || q->ver_len > LWM2M_SRV_VERSION_MAX || !printable(q->ver, q->ver_len)))
        return "bad_version";
    if (q->b && (!q->b_len || q->b_len > LWM2M_SRV_BINDING_MAX || !printable(q->b, q->b_len)))
        return "bad_binding";
    return NULL;
}

/* The object links of a Register / Update: link format, parsed to be sure. */
static const char *check_links(const coap_msg *m, const uint8_t *body, size_t len)
{
    uint32_t cf;
    if (coap_msg_content_format(m, &cf) == 0 && cf != COAP_CF_LINK_FORMAT)
        return "content_format";
    lwm2m_links links;
    lwm2m_links_init(&links);
    int rc = lwm2m_link_parse((const char *)body, len, &links);
    lwm2m_links_free(&links);
    return rc ? "bad_links" : NULL;
}

typedef struct reg_req {
    lwm2m_srv *s;
    uint64_t now;
    lwm2m_srv_peer *p;
    uint32_t xid;
    const coap_msg *m;
    const uint8_t *body; /* the whole payload (Block1 assembled) */
    size_t len;
    bool block1;         /* the answer echoes the last Block1 */
    unsigned kind;       /* LWM2M_REQ_* */
    unsigned id;         /* UPDATE / DEREGISTER: rd/<id> */
    lwm2m_srv_out *out;
} reg_req;

static void reg_answer(reg_req *q, coap_msg *resp)
{
    if (q->block1)
        coap_b1_rx_final(&q->p->b1, resp);
    coap_out_clear(&q->s->co2);
    coap_ep_respond(&q->p->ep, q->now, q->xid, resp, NULL, &q->s->co2);
    flush_dgrams(q->out, q->p->key, &q->s->co2);
}

static void reg_event(reg_req *q, lwm2m_srv_event *e, lwm2m_srv_event_kind kind, uint8_t code, const char *ep)
{
    ev_init(e, kind, q->now, q->p->key);
    e->req = q->kind;
    e->code = code;
    e->reg_id = q->id;
    if (ep)
        copy_str(e->ep, sizeof(e->ep), ep, strlen(ep));
}

static void reject(reg_req *q, uint8_t code, const char *reason, const char *ep)
{
    coap_msg resp;
    coap_msg_init(&resp, COAP_ACK, code);
    reg_answer(q, &resp);
    lwm2m_srv_event e;
    reg_event(q, &e, LWM2M_SEV_REJECTED, code, ep);
    e.reason = reason;
    emit(q->s, q->out, &e);
}

static void do_register(reg_req *q)
{
    lwm2m_srv *s = q->s;
    reg_query qu;
    parse_query(q->m, &qu);
    int64_t lt = LWM2M_SRV_DEFAULT_LIFETIME;
    char ep[LWM2M_SRV_EP_MAX + 1] = "";
    if (qu.ep)
        copy_str(ep, sizeof(ep), qu.ep, qu.ep_len);
    const char *why = check_query(&qu, true, &lt);
    if (!why)
        why = check_links(q->m, q->body, q->len);
    if (why) {
        reject(q, !strcmp(why, "content_format") ? COAP_UNSUPPORTED_CONTENT_FORMAT : COAP_BAD_REQUEST, why, ep);
        return;
    }
    lwm2m_srv_reg *r = reg_by_ep(s, ep);
    bool replaced = r != NULL;
    if (r)
        reg_remove(s, q->now, r, "replaced", q->out);
    for (size_t i = 0; i < s->cfg.max_clients && !r; i++)
        if (!s->regs[i].used)
            r = &s->regs[i];
    if (!r) {
        reject(q, COAP_SERVICE_UNAVAILABLE, "full", ep);
        return;
    }
    reg_clear(r);
    if (bytebuf_append(&r->links, q->body, q->len)) {
        reject(q, COAP_INTERNAL_SERVER_ERROR, "memory", ep);
        return;
    }
    r->used = true;
    r->id = ++s->next_reg_id;
    copy_str(r->ep, sizeof(r->ep), ep, strlen(ep));
    r->peer = q->p->key;
    r->lifetime = lt;
    copy_str(r->version, sizeof(r->version), qu.ver ? qu.ver : "1.0", qu.ver ? qu.ver_len : 3);
    copy_str(r->binding, sizeof(r->binding), qu.b ? qu.b : "U", qu.b ? qu.b_len : 1);
    r->registered_at = r->updated_at = q->now;
    r->expires = add_sat(q->now, add_sat((uint64_t)lt * 1000000000ull, s->cfg.grace));
    q->id = r->id;

    char id[12];
    int idn = snprintf(id, sizeof(id), "%u", r->id);
    coap_msg resp;
    coap_msg_init(&resp, COAP_ACK, COAP_CREATED);
    coap_msg_add_opt(&resp, COAP_OPT_LOCATION_PATH, "rd", 2);
    coap_msg_add_opt(&resp, COAP_OPT_LOCATION_PATH, id, (size_t)idn);
    reg_answer(q, &resp);

    lwm2m_srv_event e;
    reg_event(q, &e, LWM2M_SEV_REGISTER, COAP_CREATED, r->ep);
    e.lifetime = lt;
    memcpy(e.version, r->version, sizeof(e.version));
    memcpy(e.binding, r->binding, sizeof(e.binding));
    e.replaced = replaced;
    e.has_links = true;
    e.cf = COAP_CF_LINK_FORMAT;
    bytebuf_append(&e.body, q->body, q->len);
    emit(s, q->out, &e);
}

static void do_update(reg_req *q)
{
    lwm2m_srv *s = q->s;
    lwm2m_srv_reg *r = reg_by_id(s, q->id);
    if (!r) {
        reject(q, COAP_NOT_FOUND, "unknown_id", NULL);
        return;
    }
    reg_query qu;
    parse_query(q->m, &qu);
    int64_t lt = r->lifetime;
    const char *why = check_query(&qu, false, &lt);
    if (!why && q->len)
        why = check_links(q->m, q->body, q->len);
    if (why) {
        reject(q, !strcmp(why, "content_format") ? COAP_UNSUPPORTED_CONTENT_FORMAT : COAP_BAD_REQUEST, why, r->ep);
        return;
    }
    if (q->len) {
        bytebuf_clear(&r->links);
        bytebuf_append(&r->links, q->body, q->len);
    }
    r->lifetime = lt;
    if (qu.b)
        copy_str(r->binding, sizeof(r->binding), qu.b, qu.b_len);
    r->peer = q->p->key; /* the client may speak from a new address now */
    r->updated_at = q->now;
    r->expires = add_sat(q->now, add_sat((uint64_t)lt * 1000000000ull, s->cfg.grace));
    r->updates++;

    coap_msg resp;
    coap_msg_init(&resp, COAP_ACK, COAP_CHANGED);
    reg_answer(q, &resp);

    lwm2m_srv_event e;
    reg_event(q, &e, LWM2M_SEV_UPDATE, COAP_CHANGED, r->ep);
    e.lifetime = qu.lt ? lt : -1;
    if (qu.b)
        memcpy(e.binding, r->binding, sizeof(e.binding));
    e.has_links = q->len > 0;
    if (q->len) {
        e.cf = COAP_CF_LINK_FORMAT;
        bytebuf_append(&e.body, q->body, q->len);
    }
    emit(s, q->out, &e);
}

static void do_deregister(reg_req *q)
{
    lwm2m_srv_reg *r = reg_by_id(q->s, q->id);
    if (!r) {
        reject(q, COAP_NOT_FOUND, "unknown_id", NULL);
        return;
    }
    coap_msg resp;
    coap_msg_init(&resp, COAP_ACK, COAP_DELETED);
    reg_answer(q, &resp);
    lwm2m_srv_event e;
    reg_event(q, &e, LWM2M_SEV_DEREGISTER, COAP_DELETED, r->ep);
    emit(q->s, q->out, &e);
    reg_remove(q->s, q->now, r, "deregistered", q->out);
}

/* Which registration request m is: LWM2M_REQ_* (OTHER for anything the
 * server does not serve), with the location id for Update / De-register.
 * *method_ok is false for a method /rd or /rd/<id> does not allow. */
static unsigned classify(const coap_msg *m, unsigned *id, bool *method_ok)
{
    const coap_option *seg[3] = { NULL, NULL, NULL };
    size_t nseg = 0;
    for (const coap_option *o = coap_msg_find(m, COAP_OPT_URI_PATH); o;
         o = coap_msg_find_next(m, COAP_OPT_URI_PATH, o))
        seg[nseg < 3 ? nseg : 2] = o, nseg++;
    *method_ok = true;
    *id = 0;
    if (!nseg || nseg > 2 || seg[0]->len != 2 || memcmp(coap_opt_val(seg[0]), "rd", 2))
        return LWM2M_REQ_OTHER;
    if (nseg == 1) {
        *method_ok = m->code == COAP_POST;
        return LWM2M_REQ_REGISTER;
    }
    uint64_t v;
    if (lwm2m_parse_uint64((const char *)coap_opt_val(seg[1]), seg[1]->len, &v) || v == 0 || v > UINT32_MAX)
        return LWM2M_REQ_OTHER; /* no such registration can exist */
    *id = (unsigned)v;
    *method_ok = m->code == COAP_POST || m->code == COAP_DELETE;
    return m->code == COAP_DELETE ? LWM2M_REQ_DEREGISTER : LWM2M_REQ_UPDATE;
}

static bool reply_fault_applies(const lwm2m_srv_faults *f, unsigned kind)
{
    unsigned to = f->reply_to ? f->reply_to : (LWM2M_REQ_REGISTER | LWM2M_REQ_UPDATE | LWM2M_REQ_DEREGISTER);
    return f->reply_count && (to & kind);
}

static void on_request(lwm2m_srv *s, uint64_t now, lwm2m_srv_peer *p, uint32_t xid, const coap_msg *m,
                       lwm2m_srv_out *out)
{
    reg_req q = { s, now, p, xid, m, m->payload, m->payload_len, false, 0, 0, out };
    bool method_ok;
    q.kind = classify(m, &q.id, &method_ok);
    if (q.kind == LWM2M_REQ_OTHER || !method_ok) {
        reject(&q, q.kind == LWM2M_REQ_OTHER ? COAP_NOT_FOUND : COAP_METHOD_NOT_ALLOWED,
               q.kind == LWM2M_REQ_OTHER ? "path" : "method", NULL);
        return;
    }
    if (m->code == COAP_POST) {
        coap_msg resp;
        coap_msg_init(&resp, COAP_ACK, COAP_EMPTY);
        switch (coap_b1_rx_request(&p->b1, now, m, &resp)) {
        case COAP_B1RX_NONE: break;
        case COAP_B1RX_COMPLETE:
            q.body = p->b1.body.data;
            q.len = p->b1.body.len;
            q.block1 = true;
            break;
        case COAP_B1RX_CONTINUE:
            reg_answer(&q, &resp);
            return;
        case COAP_B1RX_ERROR:
            reject(&q, resp.code, "block1", NULL);
            return;
        }
    }
    if (reply_fault_applies(&s->faults, q.kind)) {
        s->faults.reply_count--;
        const lwm2m_srv_reg *r = q.id ? reg_by_id(s, q.id) : NULL;
        reg_query qu;
        parse_query(m, &qu);
        char ep[LWM2M_SRV_EP_MAX + 1] = "";
        if (r)
            memcpy(ep, r->ep, sizeof(ep));
        else if (qu.ep)
            copy_str(ep, sizeof(ep), qu.ep, qu.ep_len);
        reject(&q, s->faults.reply_code, "fault", ep);
    } else if (q.kind == LWM2M_REQ_REGISTER) {
        do_register(&q);
    } else if (q.kind == LWM2M_REQ_UPDATE) {
        do_update(&q);
    } else {
        do_deregister(&q);
    }
    if (q.block1)
        coap_b1_rx_reset(&p->b1);
}

/* ---- payloads of the client's answers ---- */

/* The resolver, with unknown resources kept as they are (NONE = keep). */
static int type_or_keep(void *ctx, uint16_t obj, uint16_t res)
{
    const lwm2m_srv *s = ctx;
    int t = s->cfg.types ? s->cfg.types(s->cfg.types_ctx, obj, res) : LWM2M_E_NOTFOUND;
    return t == LWM2M_E_NOTFOUND || t == LWM2M_T_NONE ? LWM2M_T_NONE : t;
}

static int conv_tlv(const lwm2m_value *in, lwm2m_type t, lwm2m_value *out, bytebuf *scratch)
{
    (void)scratch;
    if (t == LWM2M_T_NONE || in->type != LWM2M_T_OPAQUE) {
        *out = *in;
        return 0;
    }
    return lwm2m_tlv_read_value(in->v.bytes.p, in->v.bytes.len, t, out);
}

static int conv_json(const lwm2m_value *in, lwm2m_type t, lwm2m_value *out, bytebuf *scratch)
{
    if (t == LWM2M_T_NONE || t == in->type) {
        *out = *in;
        return 0;
    }
    return lwm2m_value_coerce(in, t, out, scratch);
}

/* text/plain of one resource: its type, or a string (opaque if not UTF-8). */
static int decode_text(lwm2m_srv *s, const lwm2m_path *base, const uint8_t *p, size_t n, lwm2m_list *l)
{
    if (base->depth < 3)
        return LWM2M_E_PATH;
    int t = type_or_keep(s, base->id[LWM2M_OBJ], base->id[LWM2M_RES]);
    if (t < 0)
        return t;
    if (t == LWM2M_T_NONE) {
        lwm2m_value v = lwm2m_utf8_valid(p, n) ? lwm2m_v_strn((const char *)p, n) : lwm2m_v_opaque(p, n);
        return lwm2m_list_add(l, base, &v);
    }
    return lwm2m_text_decode(p, n, (lwm2m_type)t, base, l);
}

/* Decode the payload of m (an answer about base) into e->values; the raw
 * bytes go to e->body.  Link format (Discover) is checked, not listed. */
static void decode_payload(lwm2m_srv *s, const lwm2m_path *base, const coap_msg *m, lwm2m_srv_event *e)
{
    uint32_t cf;
    e->cf = coap_msg_content_format(m, &cf) == 0 ? cf : LWM2M_SRV_NO_CF;
    bytebuf_append(&e->body, m->payload, m->payload_len);
    bool representation = e->op_kind == LWM2M_SOP_READ || e->op_kind == LWM2M_SOP_OBSERVE ||
                          e->op_kind == LWM2M_SOP_CANCEL || e->op_kind == LWM2M_SOP_DISCOVER;
    if (!m->payload_len || !representation || COAP_CODE_CLASS(m->code) != 2)
        return; /* an error's diagnostic text, or nothing to list */
    const uint8_t *p = m->payload;
    size_t n = m->payload_len;
    int rc;
    switch (e->cf) {
    case LWM2M_CF_TLV:
    case LWM2M_CF_TLV_OLD:
        rc = lwm2m_tlv_decode(p, n, base, &e->values);
        if (!rc)
            rc = lwm2m_list_retype(&e->values, 0, type_or_keep, s, conv_tlv);
        break;
    case LWM2M_CF_JSON:
    case LWM2M_CF_JSON_OLD:
        rc = lwm2m_json_decode((const char *)p, n, base, 0, &e->values);
        if (!rc)
            rc = lwm2m_list_retype(&e->values, 0, type_or_keep, s, conv_json);
        break;
    case LWM2M_CF_TEXT:
    case LWM2M_SRV_NO_CF: rc = decode_text(s, base, p, n, &e->values); break;
    case LWM2M_CF_OPAQUE: rc = lwm2m_opaque_decode(p, n, base, &e->values); break;
    case LWM2M_CF_LINK: {
        lwm2m_links links;
        lwm2m_links_init(&links);
        rc = lwm2m_link_parse((const char *)p, n, &links);
        lwm2m_links_free(&links);
        break;
    }
    default: rc = LWM2M_E_FORMAT; break;
    }
    e->decode_err = rc;
    coap_block b2;
    if (!rc && coap_msg_get_block(m, COAP_OPT_BLOCK2, &b2) == 0 && b2.more)
        e->reason = "block2"; /* only the first block: see docs/lwm2m-server.md */
}

/* ---- operations: outcomes ---- */

static void op_response(lwm2m_srv *s, uint64_t now, lwm2m_srv_op *op, const coap_msg *m, lwm2m_srv_out *out)
{
    uint32_t seq = 0;
    bool has_obs = coap_msg_observe(m, &seq) == 0;
    bool ok = COAP_CODE_CLASS(m->code) == 2;
    lwm2m_srv_event e;
    if (op->kind == LWM2M_SOP_OBSERVE && op->answered) {
        op_event(&e, LWM2M_SEV_NOTIFY, now, op);
        e.code = m->code;
        e.seq = seq;
        decode_payload(s, &op->path, m, &e);
        emit(s, out, &e);
        if (!ok || !has_obs) { /* RFC 7641 §3.2: the observation is over */
            op_event(&e, LWM2M_SEV_UNOBSERVED, now, op);
            e.reason = "client";
            emit(s, out, &e);
            memset(op, 0, sizeof(*op));
        }
        return;
    }
    op_event(&e, LWM2M_SEV_RESPONSE, now, op);
    e.code = m->code;
    if (op->kind == LWM2M_SOP_OBSERVE) {
        e.seq = seq;
        e.observing = ok && has_obs;
    }
    decode_payload(s, &op->path, m, &e);
    if (e.observing) {
        op->answered = true;
    }
    emit(s, out, &e);
    if (!e.observing)
        memset(op, 0, sizeof(*op));
}

/* What a peer's endpoint reported in s->co. */
static void handle_events(lwm2m_srv *s, uint64_t now, lwm2m_srv_peer *p, lwm2m_srv_out *out)
{
    for (size_t i = 0; i < s->co.nev; i++) {
        const coap_event *ce = &s->co.ev[i];
        if (ce->kind == COAP_EV_REQUEST) {
            on_request(s, now, p, ce->xid, &ce->msg, out);
            continue;
        }
        lwm2m_srv_op *op = op_by_xid(s, p->key, ce->xid);
        if (!op)
            continue;
        switch (ce->kind) {
        case COAP_EV_RESPONSE: op_response(s, now, op, &ce->msg, out); break;
        case COAP_EV_RESET: op_failed(s, now, op, "reset", out); break;
        case COAP_EV_TIMEOUT: op_failed(s, now, op, "timeout", out); break;
        default: break; /* ACKED: the answer comes separately */
        }
    }
}

/* Run one endpoint call's output: datagrams out, events handled. */
static void after_ep(lwm2m_srv *s, uint64_t now, lwm2m_srv_peer *p, lwm2m_srv_out *out)
{
    flush_dgrams(out, p->key, &s->co);
    handle_events(s, now, p, out);
    coap_out_clear(&s->co);
}

/* ---- faults on the way in ---- */

static lwm2m_srv_op *observation_by_token(lwm2m_srv *s, lwm2m_peer key, const coap_msg *m)
{
    if (m->tkl != TOKEN_LEN)
        return NULL;
    uint32_t id = (uint32_t)m->token[0] << 24 | (uint32_t)m->token[1] << 16 | (uint32_t)m->token[2] << 8 |
                  m->token[3];
    for (size_t i = 0; i < s->cfg.max_ops; i++) {
        lwm2m_srv_op *op = &s->ops[i];
        if (op->used && op->id == id && op->peer == key && op->kind == LWM2M_SOP_OBSERVE && op->answered)
            return op;
    }
    return NULL;
}

/* ignore_notify / reset_notify: a notification never reaches the endpoint
 * (which would acknowledge it); it is logged with the fault, and with
 * reset_notify answered with RST and the observation forgotten.  True when
 * the datagram was taken. */
static bool notify_fault(lwm2m_srv *s, uint64_t now, lwm2m_peer key, const coap_msg *m, lwm2m_srv_out *out)
{
    uint32_t seq = 0;
    if (!s->faults.ignore_notify && !s->faults.reset_notify)
        return false;
    if ((m->type != COAP_CON && m->type != COAP_NON) || !coap_code_is_response(m->code) ||
        coap_msg_observe(m, &seq))
        return false;
    lwm2m_srv_op *op = observation_by_token(s, key, m);
    if (!op)
        return false;
    lwm2m_srv_event e;
    op_event(&e, LWM2M_SEV_NOTIFY, now, op);
    e.code = m->code;
    e.seq = seq;
    e.fault = s->faults.reset_notify ? "reset" : "ignored";
    decode_payload(s, &op->path, m, &e);
    emit(s, out, &e);
    if (s->faults.reset_notify) {
        coap_msg rst;
        coap_msg_init(&rst, COAP_RST, COAP_EMPTY);
        rst.mid = m->mid;
        bytebuf b;
        bytebuf_init(&b);
        if (!coap_build(&rst, &b))
            out_dgram(out, key, b.data, b.len);
        bytebuf_free(&b);
        end_observation(s, now, op, "reset", out);
    }
    return true;
}

/* ignore_registration: Register and Update requests vanish before the
 * endpoint sees them (not even an empty ACK goes back). */
static bool registration_fault(lwm2m_srv *s, uint64_t now, lwm2m_peer key, const coap_msg *m,
                               lwm2m_srv_out *out)
{
    if (!s->faults.ignore_registration || (m->type != COAP_CON && m->type != COAP_NON) ||
        !coap_code_is_request(m->code))
        return false;
    unsigned id;
    bool method_ok;
    unsigned kind = classify(m, &id, &method_ok);
    if (!method_ok || (kind != LWM2M_REQ_REGISTER && kind != LWM2M_REQ_UPDATE))
        return false;
    lwm2m_srv_event e;
    ev_init(&e, LWM2M_SEV_IGNORED, now, key);
    e.req = kind;
    e.reg_id = id;
    const lwm2m_srv_reg *r = id ? reg_by_id(s, id) : NULL;
    reg_query qu;
    parse_query(m, &qu);
    if (r)
        memcpy(e.ep, r->ep, sizeof(e.ep));
    else if (qu.ep)
        copy_str(e.ep, sizeof(e.ep), qu.ep, qu.ep_len);
    e.reason = "fault";
    emit(s, out, &e);
    return true;
}

/* ---- the entry points ---- */

int lwm2m_server_feed(lwm2m_srv *s, uint64_t now, lwm2m_peer key, const uint8_t *d, size_t n,
                      lwm2m_srv_out *out)
{
    coap_msg m;
    if (coap_parse(&m, d, n) == 0 &&
        (notify_fault(s, now, key, &m, out) || registration_fault(s, now, key, &m, out)))
        return 0;
    lwm2m_srv_peer *p = peer_get(s, now, key);
    if (!p)
        return -ENOBUFS; /* every peer is busy: the client will retransmit */
    p->last_seen = now;
    coap_out_clear(&s->co);
    int rc = coap_ep_feed(&p->ep, now, d, n, &s->co);
    after_ep(s, now, p, out);
    return rc;
}

static void expire(lwm2m_srv *s, uint64_t now, lwm2m_srv_out *out)
{
    for (size_t i = 0; i < s->cfg.max_clients; i++) {
        lwm2m_srv_reg *r = &s->regs[i];
        if (!r->used || r->expires > now)
            continue;
        lwm2m_srv_event e;
        ev_init(&e, LWM2M_SEV_EXPIRED, now, r->peer);
        copy_str(e.ep, sizeof(e.ep), r->ep, strlen(r->ep));
        e.reg_id = r->id;
        e.lifetime = r->lifetime;
        emit(s, out, &e);
        reg_remove(s, now, r, "expired", out);
    }
}

void lwm2m_server_tick(lwm2m_srv *s, uint64_t now, lwm2m_srv_out *out)
{
    for (size_t i = 0; i < s->cfg.max_peers; i++) {
        lwm2m_srv_peer *p = &s->peers[i];
        if (!p->used || coap_ep_next_deadline(&p->ep) > now)
            continue;
        coap_out_clear(&s->co);
        coap_ep_tick(&p->ep, now, &s->co);
        after_ep(s, now, p, out);
    }
    expire(s, now, out);
}

uint64_t lwm2m_server_next_deadline(const lwm2m_srv *s)
{
    uint64_t t = LWM2M_SRV_NEVER;
    for (size_t i = 0; i < s->cfg.max_peers; i++) {
        uint64_t d = s->peers[i].used ? coap_ep_next_deadline(&s->peers[i].ep) : COAP_NEVER;
        t = d < t ? d : t;
    }
    for (size_t i = 0; i < s->cfg.max_clients; i++)
        if (s->regs[i].used && s->regs[i].expires < t)
            t = s->regs[i].expires;
    return t;
}

void lwm2m_server_set_faults(lwm2m_srv *s, const lwm2m_srv_faults *f) { s->faults = *f; }

void lwm2m_server_restart(lwm2m_srv *s, uint64_t now, lwm2m_srv_out *out)
{
    size_t n = lwm2m_server_nregs(s);
    for (size_t i = 0; i < s->cfg.max_peers; i++)
        peer_free(&s->peers[i]);
    for (size_t i = 0; i < s->cfg.max_clients; i++)
        reg_clear(&s->regs[i]);
    memset(s->ops, 0, s->cfg.max_ops * sizeof(*s->ops));
    lwm2m_srv_event e;
    ev_init(&e, LWM2M_SEV_RESTART, now, 0);
    e.count = n;
    emit(s, out, &e);
}

/* ---- operations: starting ---- */

static lwm2m_srv_op *op_alloc(lwm2m_srv *s)
{
    for (size_t i = 0; i < s->cfg.max_ops; i++)
        if (!s->ops[i].used)
            return &s->ops[i];
    return NULL;
}

static lwm2m_srv_op *observation_of(lwm2m_srv *s, const char *ep, const lwm2m_path *path)
{
    for (size_t i = 0; i < s->cfg.max_ops; i++) {
        lwm2m_srv_op *op = &s->ops[i];
        if (op->used && op->kind == LWM2M_SOP_OBSERVE && !strcmp(op->ep, ep) && lwm2m_path_equal(&op->path, path))
            return op;
    }
    return NULL;
}

static void set_token(coap_msg *m, uint32_t id)
{
    uint8_t t[TOKEN_LEN] = { (uint8_t)(id >> 24), (uint8_t)(id >> 16), (uint8_t)(id >> 8), (uint8_t)id };
    coap_msg_set_token(m, t, TOKEN_LEN);
}

/* The payload of a Write, in req->format. */
static int encode_write(const lwm2m_srv_op_req *req, bytebuf *b)
{
    const lwm2m_list *l = req->values;
    if (!l || !l->len)
        return -EINVAL;
    for (size_t i = 0; i < l->len; i++)
        if (!lwm2m_path_is_under(&l->items[i].path, &req->path))
            return -EINVAL;
    int rc;
    switch (req->format) {
    case LWM2M_CF_TLV: rc = lwm2m_tlv_encode(l, &req->path, b); break;
    case LWM2M_CF_JSON: rc = lwm2m_json_encode(l, &req->path, 0, b); break;
    case LWM2M_CF_TEXT:
    case LWM2M_CF_OPAQUE:
        if (l->len != 1 || !lwm2m_path_equal(&l->items[0].path, &req->path))
            return -EINVAL;
        rc = req->format == LWM2M_CF_TEXT ? lwm2m_text_encode(&l->items[0].value, b)
                                          : lwm2m_opaque_encode(&l->items[0].value, b);
        break;
    default: return -EINVAL;
    }
    return rc == LWM2M_E_NOMEM ? -ENOMEM : rc ? -EINVAL : 0;
}

/* Build the request of req into m; strings it points at live in segs,
 * payload and query. */
static int build_request(const lwm2m_srv_op_req *req, coap_msg *m, char segs[4][8], bytebuf *payload,
                         bytebuf *query)
{
    static const uint8_t codes[] = { 0, COAP_GET, 0, COAP_POST, COAP_GET, COAP_GET, COAP_GET, COAP_PUT };
    uint8_t code = req->kind == LWM2M_SOP_WRITE ? (req->partial ? COAP_POST : COAP_PUT) : codes[req->kind];
    coap_msg_init(m, COAP_CON, code);
    for (unsigned i = 0; i < req->path.depth; i++) {
        int n = snprintf(segs[i], 8, "%u", (unsigned)req->path.id[i]);
        coap_msg_add_opt(m, COAP_OPT_URI_PATH, segs[i], (size_t)n);
    }
    int rc = 0;
    switch (req->kind) {
    case LWM2M_SOP_READ:
        if (req->accept >= 0)
            coap_msg_add_uint(m, COAP_OPT_ACCEPT, (uint32_t)req->accept);
        break;
    case LWM2M_SOP_OBSERVE:
    case LWM2M_SOP_CANCEL:
        coap_msg_add_uint(m, COAP_OPT_OBSERVE, req->kind == LWM2M_SOP_OBSERVE ? 0 : 1);
        if (req->accept >= 0)
            coap_msg_add_uint(m, COAP_OPT_ACCEPT, (uint32_t)req->accept);
        break;
    case LWM2M_SOP_DISCOVER: coap_msg_add_uint(m, COAP_OPT_ACCEPT, COAP_CF_LINK_FORMAT); break;
    case LWM2M_SOP_WRITE:
        rc = encode_write(req, payload);
        coap_msg_add_uint(m, COAP_OPT_CONTENT_FORMAT, req->format);
        coap_msg_set_payload(m, payload->data, payload->len);
        break;
    case LWM2M_SOP_EXECUTE:
        if (req->path.depth != 3)
            return -EINVAL;
        coap_msg_set_payload(m, req->args, req->args_len);
        break;
    case LWM2M_SOP_ATTRIBUTES:
        if (!req->attrs.set && !req->attrs.clear)
            return -EINVAL;
        /* "pmin=1&pmax=30", a name alone removes that attribute */
        rc = lwm2m_attrs_format_query(&req->attrs, query) ? -ENOMEM : 0;
        if (!rc)
            rc = coap_msg_add_split(m, COAP_OPT_URI_QUERY, (const char *)query->data, query->len) ? -EINVAL : 0;
        break;
    }
    return rc;
}

int lwm2m_server_op(lwm2m_srv *s, uint64_t now, const char *ep, const lwm2m_srv_op_req *req, uint32_t *opid,
                    lwm2m_srv_out *out)
{
    lwm2m_srv_reg *r = reg_by_ep(s, ep);
    if (!r)
        return -ENOENT;
    if (req->kind < LWM2M_SOP_READ || req->kind > LWM2M_SOP_ATTRIBUTES || !req->path.depth ||
        !lwm2m_path_valid(&req->path))
        return -EINVAL;
    lwm2m_srv_op *obs = NULL;
    if (req->kind == LWM2M_SOP_CANCEL && !(obs = observation_of(s, ep, &req->path)))
        return -ENOENT;
    lwm2m_srv_op *op = op_alloc(s);
    if (!op)
        return -ENOBUFS;
    lwm2m_srv_peer *p = peer_get(s, now, r->peer);
    if (!p)
        return -ENOBUFS;
    uint32_t id = s->next_op;
    lwm2m_srv_op me = { true, id, req->kind, req->path, "", r->id, r->peer, 0, false };
    memcpy(me.ep, r->ep, sizeof(me.ep));
    lwm2m_srv_event e;
    op_event(&e, LWM2M_SEV_REQUEST, now, &me);
    if (obs && req->reactive) { /* forget it: its next notification gets RST */
        emit(s, out, &e);
        end_observation(s, now, obs, "cancelled", out);
        s->next_op++;
        if (opid)
            *opid = id;
        op_failed(s, now, &me, "reactive", out);
        return 0;
    }
    coap_msg m;
    char segs[4][8];
    bytebuf payload, query;
    bytebuf_init(&payload);
    bytebuf_init(&query);
    int rc = build_request(req, &m, segs, &payload, &query);
    if (rc)
        ev_free(&e);
    else
        emit(s, out, &e);
    uint32_t obs_id = obs ? obs->id : 0;
    if (!rc && obs) /* the GET Observe=1 takes over the observation's token */
        end_observation(s, now, obs, "cancelled", out);
    set_token(&m, obs_id ? obs_id : id);
    if (!rc) {
        coap_out_clear(&s->co);
        rc = coap_ep_request(&p->ep, now, &m, &me.xid, &s->co);
        after_ep(s, now, p, out);
    }
    bytebuf_free(&payload);
    bytebuf_free(&query);
    if (rc)
        return rc == -ENOMEM || rc == -ENOBUFS ? rc : -EINVAL;
    *op = me;
    s->next_op++;
    if (opid)
        *opid = id;
    return 0;
}

/* ---- trace text ---- */

int lwm2m_srv_value_text(const lwm2m_value *v, bytebuf *out)
{
    char buf[40];
    switch (v->type) {
    case LWM2M_T_STRING: return bytebuf_append(out, v->v.bytes.p, v->v.bytes.len);
    case LWM2M_T_INTEGER:
    case LWM2M_T_TIME: return bytebuf_appendf(out, "%" PRId64, v->v.i);
    case LWM2M_T_UNSIGNED: return bytebuf_appendf(out, "%" PRIu64, v->v.u);
    case LWM2M_T_FLOAT:
        if (lwm2m_format_double(v->v.f, buf, sizeof(buf)) < 0)
            return bytebuf_append_str(out, v->v.f != v->v.f ? "nan" : v->v.f > 0 ? "inf" : "-inf");
        return bytebuf_append_str(out, buf);
    case LWM2M_T_BOOLEAN: return bytebuf_append_str(out, v->v.b ? "true" : "false");
    case LWM2M_T_OBJLNK: return bytebuf_appendf(out, "%u:%u", (unsigned)v->v.lnk.obj, (unsigned)v->v.lnk.inst);
    case LWM2M_T_OPAQUE: {
        int rc = bytebuf_append_str(out, "0x");
        for (size_t i = 0; !rc && i < v->v.bytes.len; i++)
            rc = bytebuf_appendf(out, "%02x", v->v.bytes.p[i]);
        return rc;
    }
    case LWM2M_T_NONE: return 0;
    }
    return 0;
}

/* key=value with the value's blanks, '%' and '=' written %XX. */
static void kv(bytebuf *b, const char *key, const void *val, size_t n)
{
    const unsigned char *p = val;
    bytebuf_appendf(b, " %s=", key);
    for (size_t i = 0; i < n; i++) {
        if (p[i] > ' ' && p[i] <= '~' && p[i] != '%' && p[i] != '=')
            bytebuf_append_byte(b, p[i]);
        else
            bytebuf_appendf(b, "%%%02X", p[i]);
    }
}

static void kv_str(bytebuf *b, const char *key, const char *s) { kv(b, key, s, strlen(s)); }

static void kv_code(bytebuf *b, uint8_t code)
{
    char c[COAP_CODE_STRLEN];
    kv_str(b, "code", code ? coap_code_str(code, c) : "none");
}

/* The answer's payload: values for reads, observations and
 * notifications, the length of anything else (a Discover's links, an
 * error's diagnostic text). */
static void format_values(const lwm2m_srv_event *e, bytebuf *b)
{
    bool listed = COAP_CODE_CLASS(e->code) == 2 && (e->op_kind == LWM2M_SOP_READ || e->op_kind == LWM2M_SOP_OBSERVE ||
                                                    e->op_kind == LWM2M_SOP_CANCEL);
    if (e->cf != LWM2M_SRV_NO_CF)
        bytebuf_appendf(b, " cf=%" PRIu32, e->cf);
    if (listed && (e->cf != LWM2M_SRV_NO_CF || e->body.len))
        bytebuf_appendf(b, " n=%zu", e->values.len);
    else if (e->body.len || e->op_kind == LWM2M_SOP_DISCOVER)
        bytebuf_appendf(b, " len=%zu", e->body.len);
    if (e->values.len == 1) {
        bytebuf v;
        bytebuf_init(&v);
        lwm2m_srv_value_text(&e->values.items[0].value, &v);
        kv(b, "value", v.data ? (const char *)v.data : "", v.len);
        bytebuf_free(&v);
    }
    if (e->decode_err)
        kv_str(b, "error", lwm2m_strerror(e->decode_err));
}

int lwm2m_srv_event_format(const lwm2m_srv_event *e, bytebuf *b)
{
    size_t start = b->len;
    char path[LWM2M_PATH_STR_MAX];
    bytebuf_appendf(b, "lwm2m server %s", lwm2m_srv_event_name(e->kind));
    switch (e->kind) {
    case LWM2M_SEV_REGISTER:
    case LWM2M_SEV_UPDATE:
    case LWM2M_SEV_DEREGISTER:
    case LWM2M_SEV_EXPIRED:
        kv_str(b, "ep", e->ep);
        bytebuf_appendf(b, " id=%u", e->reg_id);
        if (e->lifetime >= 0)
            bytebuf_appendf(b, " lt=%" PRId64, e->lifetime);
        if (e->version[0])
            kv_str(b, "lwm2m", e->version);
        if (e->binding[0])
            kv_str(b, "b", e->binding);
        if (e->has_links)
            bytebuf_appendf(b, " len=%zu", e->body.len);
        if (e->replaced)
            bytebuf_append_str(b, " replaced=1");
        break;
    case LWM2M_SEV_REJECTED:
    case LWM2M_SEV_IGNORED:
        bytebuf_appendf(b, " req=%s", lwm2m_srv_req_name(e->req));
        if (e->ep[0])
            kv_str(b, "ep", e->ep);
        if (e->reg_id)
            bytebuf_appendf(b, " id=%u", e->reg_id);
        if (e->kind == LWM2M_SEV_REJECTED)
            kv_code(b, e->code);
        break;
    case LWM2M_SEV_RESPONSE:
    case LWM2M_SEV_NOTIFY:
    case LWM2M_SEV_UNOBSERVED:
    case LWM2M_SEV_REQUEST:
        bytebuf_appendf(b, " op=%" PRIu32 " kind=%s", e->op, lwm2m_srv_op_name(e->op_kind));
        kv_str(b, "ep", e->ep);
        lwm2m_path_format(&e->path, path);
        kv_str(b, "path", path);
        if (e->kind == LWM2M_SEV_UNOBSERVED || e->kind == LWM2M_SEV_REQUEST)
            break;
        kv_code(b, e->code);
        if (e->kind == LWM2M_SEV_NOTIFY || e->observing)
            bytebuf_appendf(b, " seq=%" PRIu32, e->seq);
        if (e->observing)
            bytebuf_append_str(b, " observing=1");
        if (e->code)
            format_values(e, b);
        break;
    case LWM2M_SEV_RESTART: bytebuf_appendf(b, " registrations=%zu", e->count); break;
    }
    if (e->fault)
        kv_str(b, "fault", e->fault);
    if (e->reason)
        kv_str(b, "reason", e->reason);
    return b->len > start ? 0 : -ENOMEM;
}
