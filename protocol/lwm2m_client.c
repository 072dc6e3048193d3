/* lwm2m_client.c - the LwM2M client (lwm2m_client.h). */
#include "lwm2m_client.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_PER_S 1000000000ull
/* RFC 7252 MAX_TRANSMIT_WAIT: an Update goes this long before the lifetime
 * ends, so that it arrives in time even after every retransmission (the
 * rule of Wakaama's registration_step, which the module's client follows:
 * +ULWM2MREG shows 86281 s to go shortly after registering with 86400). */
#define MAX_TRANSMIT_WAIT_S 93
/* LwM2M 1.1 §6.2.1.1 defaults when the server object has no value. */
#define DEFAULT_RETRY_COUNT 5
#define DEFAULT_RETRY_TIMER_S 60

/* ---- out ------------------------------------------------------------------ */

void lwm2m_out_init(lwm2m_out *o)
{
    memset(o, 0, sizeof *o);
    bytebuf_init(&o->bytes);
}

void lwm2m_out_clear(lwm2m_out *o)
{
    o->nact = 0;
    bytebuf_clear(&o->bytes);
    o->err = 0;
}

void lwm2m_out_free(lwm2m_out *o)
{
    free(o->act);
    bytebuf_free(&o->bytes);
    lwm2m_out_init(o);
}

static lwm2m_act *push(lwm2m_out *o, lwm2m_act_kind kind, uint16_t ssid)
{
    if (o->nact == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 16;
        lwm2m_act *a = realloc(o->act, cap * sizeof *a);
        if (!a) {
            o->err = -ENOMEM;
            return NULL;
        }
        o->act = a;
        o->cap = cap;
    }
    lwm2m_act *a = &o->act[o->nact++];
    memset(a, 0, sizeof *a);
    a->kind = kind;
    a->ssid = ssid;
    return a;
}

static void push_value(lwm2m_out *o, lwm2m_act_kind kind, uint16_t ssid, int value)
{
    lwm2m_act *a = push(o, kind, ssid);
    if (a)
        a->value = value;
}

static void push_path(lwm2m_out *o, lwm2m_act_kind kind, uint16_t ssid, const lwm2m_path *p)
{
    lwm2m_act *a = push(o, kind, ssid);
    if (a)
        a->path = *p;
}

static void push_send(lwm2m_out *o, uint16_t ssid, const uint8_t *d, size_t n)
{
    size_t off = o->bytes.len;
    if (bytebuf_append(&o->bytes, d, n) < 0) {
        o->err = -ENOMEM;
        return;
    }
    lwm2m_act *a = push(o, LWM2M_ACT_SEND, ssid);
    if (!a) {
        o->bytes.len = off;
        return;
    }
    a->off = off;
    a->len = n;
}

/* ---- configuration and lifecycle ----------------------------------------- */

void lwm2m_client_config_default(lwm2m_client_config *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->endpoint, sizeof c->endpoint, "sarasim");
    c->version = "1.0";
    c->seed = 1;
    coap_ep_config_default(&c->coap);
    c->block_size = 1024;
    c->sequence_delay = 86400 * NS_PER_S;
}

int lwm2m_client_init(lwm2m_client *c, const lwm2m_client_config *cfg, lwm2m_tree *tree,
                      const lwm2m_client_hooks *hooks)
{
    memset(c, 0, sizeof *c);
    if (cfg)
        c->cfg = *cfg;
    else
        lwm2m_client_config_default(&c->cfg);
    if (!c->cfg.version)
        c->cfg.version = "1.0";
    int szx = coap_szx_of_size(c->cfg.block_size);
    if (szx < 0)
        c->cfg.block_size = 1024;
    c->tree = tree;
    if (hooks)
        c->hooks = *hooks;
    for (size_t i = 0; i < LWM2M_MAX_SERVERS; i++) {
        coap_out_init(&c->srv[i].cout);
        bytebuf_init(&c->srv[i].reg_body);
        bytebuf_init(&c->srv[i].reg_query);
    }
    return 0;
}

static void server_drop_ep(lwm2m_server *s)
{
    if (s->ep_live)
        coap_ep_free(&s->ep);
    s->ep_live = false;
    coap_out_clear(&s->cout);
    s->xid = 0;
    s->b1_active = false;
    for (size_t i = 0; i < LWM2M_MAX_OBSERVATIONS; i++)
        s->obs[i].used = false;
}

void lwm2m_client_free(lwm2m_client *c)
{
    for (size_t i = 0; i < LWM2M_MAX_SERVERS; i++) {
        server_drop_ep(&c->srv[i]);
        coap_out_free(&c->srv[i].cout);
        bytebuf_free(&c->srv[i].reg_body);
        bytebuf_free(&c->srv[i].reg_query);
    }
    memset(c, 0, sizeof *c);
}

/* ---- tree access ----------------------------------------------------------- */

static int64_t srv_res(const lwm2m_client *c, const lwm2m_server *s, uint16_t res, int64_t dflt)
{
    lwm2m_path p = lwm2m_path_oir(1, s->srv_inst, res);
    return lwm2m_tree_get_int(c->tree, &p, dflt);
}

static int64_t lifetime_of(const lwm2m_client *c, const lwm2m_server *s)
{
    int64_t lt = srv_res(c, s, 1, 86400);
    return lt > 0 ? lt : 86400;
}

static void binding_of(const lwm2m_client *c, const lwm2m_server *s, char *buf, size_t size)
{
    lwm2m_path p = lwm2m_path_oir(1, s->srv_inst, 7);
    lwm2m_tree_get_str(c->tree, &p, buf, size);
    if (!buf[0])
        snprintf(buf, size, "U");
}

static lwm2m_server *server_by_ssid(lwm2m_client *c, uint16_t ssid)
{
    for (size_t i = 0; i < LWM2M_MAX_SERVERS; i++)
        if (c->srv[i].used && c->srv[i].ssid == ssid)
            return &c->srv[i];
    return NULL;
}

const lwm2m_server *lwm2m_client_server(const lwm2m_client *c, uint16_t ssid)
{
    return server_by_ssid((lwm2m_client *)c, ssid);
}

size_t lwm2m_client_servers(const lwm2m_client *c, uint16_t *ssids, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < LWM2M_MAX_SERVERS; i++)
        if (c->srv[i].used) {
            if (n < max)
                ssids[n] = c->srv[i].ssid;
            n++;
        }
    return n;
}

/* The security instance of ssid: /0/j with Short Server ID ssid that is not
 * a bootstrap server. */
static int security_instance(const lwm2m_client *c, int64_t ssid)
{
    const lwm2m_path *ls;
    size_t n = lwm2m_tree_listing(c->tree, &ls);
    for (size_t i = 0; i < n; i++) {
        if (ls[i].depth != 2 || ls[i].id[0] != 0)
            continue;
        lwm2m_path id = lwm2m_path_oir(0, ls[i].id[1], 10);
        lwm2m_path bs = lwm2m_path_oir(0, ls[i].id[1], 1);
        if (lwm2m_tree_get_int(c->tree, &id, -1) == ssid && !lwm2m_tree_get_bool(c->tree, &bs, false))
            return ls[i].id[1];
    }
    return -1;
}

static void find_servers(lwm2m_client *c)
{
    const lwm2m_path *ls;
    size_t n = lwm2m_tree_listing(c->tree, &ls), k = 0;
    for (size_t i = 0; i < n && k < LWM2M_MAX_SERVERS; i++) {
        if (ls[i].depth != 2 || ls[i].id[0] != 1)
            continue;
        lwm2m_path idp = lwm2m_path_oir(1, ls[i].id[1], 0);
        int64_t ssid = lwm2m_tree_get_int(c->tree, &idp, -1);
        if (ssid < 1 || ssid > 65534)
            continue;
        int sec = security_instance(c, ssid);
        if (sec < 0)
            continue;
        lwm2m_server *s = &c->srv[k++];
        s->used = true;
        s->ssid = (uint16_t)ssid;
        s->srv_inst = ls[i].id[1];
        s->sec_inst = (uint16_t)sec;
    }
}

/* ---- status ---------------------------------------------------------------- */

static void set_status(lwm2m_server *s, lwm2m_reg_status st, lwm2m_out *out)
{
    if (s->status == st)
        return;
    s->status = st;
    push_value(out, LWM2M_ACT_REG_STATUS, s->ssid, (int)st);
}

static void update_client_state(lwm2m_client *c, lwm2m_out *out)
{
    lwm2m_client_state st = LWM2M_CS_REGISTER_REQUIRED;
    bool registering = false, ready = false;
    for (size_t i = 0; i < LWM2M_MAX_SERVERS; i++) {
        const lwm2m_server *s = &c->srv[i];
        if (!s->used)
            continue;
        if (s->phase == LWM2M_PH_CONNECTING || s->phase == LWM2M_PH_REGISTERING)
            registering = true;
        if (s->phase == LWM2M_PH_REGISTERED || s->phase == LWM2M_PH_UPDATING)
            ready = true;
    }
    if (!c->started)
        st = LWM2M_CS_INITIAL;
    else if (registering)
        st = LWM2M_CS_REGISTERING;
    else if (ready)
        st = LWM2M_CS_READY;
    if (st != c->state) {
        c->state = st;
        push_value(out, LWM2M_ACT_CLIENT_STATE, 0, (int)st);
    }
}

static uint64_t update_due(const lwm2m_server *s)
{
    int64_t lt = s->sent_lifetime > 0 ? s->sent_lifetime : 86400;
    int64_t interval = lt > 2 * MAX_TRANSMIT_WAIT_S ? lt - MAX_TRANSMIT_WAIT_S : lt / 2;
    if (interval < 1)
        interval = 1;
    return s->registered_at + (uint64_t)interval * NS_PER_S;
}

int64_t lwm2m_client_secs_to_update(const lwm2m_client *c, uint64_t now, uint16_t ssid)
{
    const lwm2m_server *s = lwm2m_client_server(c, ssid);
    if (!s || (s->phase != LWM2M_PH_REGISTERED && s->phase != LWM2M_PH_UPDATING))
        return -1;
    uint64_t due = update_due(s);
    return due > now ? (int64_t)((due - now) / NS_PER_S) : 0;
}

/* ---- the endpoint's output ------------------------------------------------- */

static void handle_event(lwm2m_client *c, lwm2m_server *s, uint64_t now, const coap_event *ev,
                         lwm2m_out *out);

/* Sends what the endpoint produced and handles its events; events may
 * produce more (a response, the next Block1 block): the loop drains until
 * nothing is left.  A nested call leaves the work to the outer loop. */
static void pump(lwm2m_client *c, lwm2m_server *s, uint64_t now, lwm2m_out *out)
{
    if (s->pumping)
        return;
    s->pumping = true;
    while (s->cout.ndg || s->cout.nev) {
        for (size_t i = 0; i < s->cout.ndg; i++) {
            size_t len;
            const uint8_t *d = coap_out_datagram(&s->cout, i, &len);
            push_send(out, s->ssid, d, len);
        }
        size_t nev = s->cout.nev;
        coap_event *evs = NULL;
        if (nev) {
            evs = malloc(nev * sizeof *evs);
            if (evs)
                memcpy(evs, s->cout.ev, nev * sizeof *evs);
            else
                out->err = -ENOMEM;
        }
        coap_out_clear(&s->cout);
        for (size_t i = 0; evs && i < nev; i++)
            handle_event(c, s, now, &evs[i], out);
        free(evs);
    }
    s->pumping = false;
}

static int open_ep(lwm2m_client *c, lwm2m_server *s)
{
    if (s->ep_live)
        return 0;
    coap_ep_config cfg = c->cfg.coap;
    cfg.seed = c->cfg.seed ^ ((uint64_t)s->ssid * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)++s->gen << 32);
    if (coap_ep_init(&s->ep, &cfg) < 0)
        return -ENOMEM;
    s->ep_live = true;
    return 0;
}

static void disconnect(lwm2m_server *s, lwm2m_out *out)
{
    if (s->transport_up || s->phase == LWM2M_PH_CONNECTING)
        push(out, LWM2M_ACT_DISCONNECT, s->ssid);
    s->transport_up = false;
    server_drop_ep(s);
}

/* ---- registration interface ------------------------------------------------ */

int lwm2m_client_reg_payload(const lwm2m_client *c, bytebuf *out)
{
    const lwm2m_path *ls;
    size_t n = lwm2m_tree_listing(c->tree, &ls), k = 0;
    lwm2m_path paths[LWM2M_TREE_MAX_INSTANCES];
    for (size_t i = 0; i < n; i++)
        if (ls[i].id[0] != 0) /* the Security object is never announced */
            paths[k++] = ls[i];
    return lwm2m_link_encode_register(paths, k, NULL, out);
}

static void send_reg_request(lwm2m_client *c, lwm2m_server *s, uint64_t now, uint8_t code,
                             bool with_body, lwm2m_out *out);

static void begin_attempt(lwm2m_client *c, lwm2m_server *s, uint64_t now, lwm2m_out *out);

/* A registration attempt failed: retry with the LwM2M 1.1 §6.2.1.1 back-off
 * (Communication Retry Timer x 2^(n-1), Communication Retry Count attempts),
 * then the sequence fails and starts over after the sequence delay.
 * -EACCES (the transport cannot be secured: +USECMODE, app note §3.1.1) is
 * final until the client starts again. */
static void attempt_failed(lwm2m_client *c, lwm2m_server *s, uint64_t now, int err,
                           lwm2m_out *out)
{
    s->xid = 0;
    s->b1_active = false;
    if (err == -ETIMEDOUT || err == -EACCES || !s->transport_up)
        disconnect(s, out); /* a fresh transport (and DTLS session) next time */
    if (err == -EACCES) {
        s->phase = LWM2M_PH_IDLE;
        s->failed_final = true;
        set_status(s, LWM2M_REG_FAILED, out);
        return;
    }
    s->attempt++;
    int64_t count = srv_res(c, s, 17, DEFAULT_RETRY_COUNT);
    int64_t timer = srv_res(c, s, 18, DEFAULT_RETRY_TIMER_S);
    if (count < 1)
        count = 1;
    if (timer < 1)
        timer = 1;
    s->phase = LWM2M_PH_WAIT;
    if ((int64_t)s->attempt < count) {
        unsigned shift = s->attempt - 1 < 20 ? s->attempt - 1 : 20;
        s->wake_at = now + ((uint64_t)timer << shift) * NS_PER_S;
        return;
    }
    s->attempt = 0;
    disconnect(s, out);
    set_status(s, LWM2M_REG_FAILED, out);
    int64_t delay = srv_res(c, s, 19, -1);
    s->wake_at = now + (delay > 0 ? (uint64_t)delay * NS_PER_S : c->cfg.sequence_delay);
}

static void build_register(lwm2m_client *c, lwm2m_server *s)
{
    char b[8];
    binding_of(c, s, b, sizeof b);
    s->sent_lifetime = lifetime_of(c, s);
    snprintf(s->sent_binding, sizeof s->sent_binding, "%s", b);
    bytebuf_clear(&s->reg_query);
    bytebuf_appendf(&s->reg_query, "ep=%s&lt=%lld&lwm2m=%s&b=%s", c->cfg.endpoint,
                    (long long)s->sent_lifetime, c->cfg.version, b);
    bytebuf_clear(&s->reg_body);
    lwm2m_client_reg_payload(c, &s->reg_body);
}

static void send_register(lwm2m_client *c, lwm2m_server *s, uint64_t now, lwm2m_out *out)
{
    if (open_ep(c, s) < 0) {
        attempt_failed(c, s, now, -ENOMEM, out);
        return;
    }
    build_register(c, s);
    s->location[0] = 0;
    s->phase = LWM2M_PH_REGISTERING;
    set_status(s, LWM2M_REG_PENDING, out);
    update_client_state(c, out);
    send_reg_request(c, s, now, COAP_POST, true, out);
}

static void send_update(lwm2m_client *c, lwm2m_server *s, uint64_t now, lwm2m_out *out)
{
    char b[8];
    binding_of(c, s, b, sizeof b);
    int64_t lt = lifetime_of(c, s);
    bytebuf_clear(&s->reg_query);
    if (lt != s->sent_lifetime)
        bytebuf_appendf(&s->reg_query, "lt=%lld", (long long)lt);
    if (strcmp(b, s->sent_binding) != 0)
        bytebuf_appendf(&s->reg_query, "%sb=%s", s->reg_query.len ? "&" : "", b);
    s->sent_lifetime = lt;
    snprintf(s->sent_binding, sizeof s->sent_binding, "%s", b);
    bytebuf_clear(&s->reg_body);
    bool body = s->full_update;
    if (body)
        lwm2m_client_reg_payload(c, &s->reg_body);
    s->update_needed = false;
    s->full_update = false;
    s->phase = LWM2M_PH_UPDATING;
    set_status(s, LWM2M_REG_UPDATE_PENDING, out);
    send_reg_request(c, s, now, COAP_POST, body, out);
}

static void send_deregister(lwm2m_client *c, lwm2m_server *s, uint64_t now, lwm2m_out *out)
{
    bytebuf_clear(&s->reg_query);
    bytebuf_clear(&s->reg_body);
    s->phase = LWM2M_PH_DEREGISTERING;
    set_status(s, LWM2M_REG_DEREG_PENDING, out);
    send_reg_request(c, s, now, COAP_DELETE, false, out);
}

/* Register (to /rd) or Update / De-register (to the location), with the
 * query and body in s; a body over the block size goes in Block1 blocks. */
static void send_reg_request(lwm2m_client *c, lwm2m_server *s, uint64_t now, uint8_t code,
                             bool with_body, lwm2m_out *out)
{
    coap_msg m;
    coap_msg_init(&m, COAP_CON, code);
    s->reg_code = code;
    if (s->phase == LWM2M_PH_REGISTERING)
        coap_msg_add_split(&m, COAP_OPT_URI_PATH, "rd", 2);
    else
        coap_msg_add_split(&m, COAP_OPT_URI_PATH, s->location, strlen(s->location));
    if (s->reg_query.len)
        coap_msg_add_split(&m, COAP_OPT_URI_QUERY, (const char *)s->reg_query.data, s->reg_query.len);
    if (with_body) {
        coap_msg_add_uint(&m, COAP_OPT_CONTENT_FORMAT, COAP_CF_LINK_FORMAT);
        if (!s->b1_active && s->reg_body.len > c->cfg.block_size) {
            coap_b1_up_init(&s->b1, s->reg_body.data, s->reg_body.len,
                            (unsigned)coap_szx_of_size(c->cfg.block_size));
            s->b1_active = true;
        }
        if (s->b1_active)
            coap_b1_up_fill(&s->b1, &m);
        else
            coap_msg_set_payload(&m, s->reg_body.data, s->reg_body.len);
    }
    uint32_t xid = 0;
    int rc = coap_ep_request(&s->ep, now, &m, &xid, &s->cout);
    s->xid = rc == 0 ? xid : 0;
    pump(c, s, now, out);
    if (rc < 0)
        attempt_failed(c, s, now, rc, out);
}

static void registered(lwm2m_client *c, lwm2m_server *s, uint64_t now, lwm2m_out *out)
{
    s->registered_at = now;
    s->attempt = 0;
    s->phase = LWM2M_PH_REGISTERED;
    set_status(s, LWM2M_REG_REGISTERED, out);
    push_value(out, LWM2M_ACT_NEXT_UPDATE, s->ssid,
               (int)lwm2m_client_secs_to_update(c, now, s->ssid));
    update_client_state(c, out);
}

static void deregistered(lwm2m_client *c, lwm2m_server *s, uint64_t now, lwm2m_out *out)
{
    s->xid = 0;
    disconnect(s, out);
    s->phase = LWM2M_PH_IDLE;
    set_status(s, LWM2M_REG_DEREGISTERED, out);
    if (s->disable_after_dereg) {
        s->disable_after_dereg = false;
        int64_t t = srv_res(c, s, 5, 86400);
        s->phase = LWM2M_PH_DISABLED;
        s->wake_at = now + (uint64_t)(t > 0 ? t : 86400) * NS_PER_S;
    } else if (s->reregister_after_dereg) {
        s->reregister_after_dereg = false;
        begin_attempt(c, s, now, out);
    }
    update_client_state(c, out);
}

static void reg_response(lwm2m_client *c, lwm2m_server *s, uint64_t now, const coap_msg *m,
                         lwm2m_out *out)
{
    s->xid = 0;
    if (s->b1_active) {
        int rc = coap_b1_up_response(&s->b1, m);
        if (rc == 1) {
            send_reg_request(c, s, now, s->reg_code, true, out);
            return;
        }
        s->b1_active = false;
    }
    switch (s->phase) {
    case LWM2M_PH_REGISTERING:
        if (m->code == COAP_CREATED) {
            bytebuf loc;
            bytebuf_init(&loc);
            coap_msg_join(m, COAP_OPT_LOCATION_PATH, &loc);
            size_t skip = loc.len && loc.data[0] == '/' ? 1 : 0;
            size_t n = loc.len - skip < sizeof s->location - 1 ? loc.len - skip : sizeof s->location - 1;
            if (n)
                memcpy(s->location, loc.data + skip, n);
            s->location[n] = 0;
            bytebuf_free(&loc);
            registered(c, s, now, out);
        } else {
            attempt_failed(c, s, now, -ECONNREFUSED, out);
            update_client_state(c, out);
        }
        break;
    case LWM2M_PH_UPDATING:
        if (m->code == COAP_CHANGED) {
            registered(c, s, now, out);
        } else {
            /* The server does not know us any more (4.04 after it
             * restarted) or refuses the update: register afresh. */
            s->attempt = 0;
            send_register(c, s, now, out);
        }
        break;
    case LWM2M_PH_DEREGISTERING: deregistered(c, s, now, out); break;
    default: break;
    }
}

static void reg_failed(lwm2m_client *c, lwm2m_server *s, uint64_t now, int err, lwm2m_out *out)
{
    s->xid = 0;
    s->b1_active = false;
    switch (s->phase) {
    case LWM2M_PH_REGISTERING:
        attempt_failed(c, s, now, err, out);
        update_client_state(c, out);
        break;
    case LWM2M_PH_UPDATING:
        /* No answer to an Update: the registration may be gone; register
         * again on a fresh transport. */
        s->attempt = 0;
        attempt_failed(c, s, now, err, out);
        set_status(s, LWM2M_REG_PENDING, out);
        update_client_state(c, out);
        break;
    case LWM2M_PH_DEREGISTERING: deregistered(c, s, now, out); break;
    default: break;
    }
}

static void begin_attempt(lwm2m_client *c, lwm2m_server *s, uint64_t now, lwm2m_out *out)
{
    s->failed_final = false;
    if (!s->transport_up) {
        if (s->phase != LWM2M_PH_CONNECTING) {
            s->phase = LWM2M_PH_CONNECTING;
            set_status(s, LWM2M_REG_PENDING, out);
            push(out, LWM2M_ACT_CONNECT, s->ssid);
            update_client_state(c, out);
        }
        return;
    }
    send_register(c, s, now, out);
}

/* ---- observations ---------------------------------------------------------- */

static const lwm2m_attr_entry *attr_at(const lwm2m_server *s, const lwm2m_path *p)
{
    for (size_t i = 0; i < LWM2M_MAX_ATTRS; i++)
        if (s->attrs[i].used && lwm2m_path_equal(&s->attrs[i].path, p))
            return &s->attrs[i];
    return NULL;
}

/* The attributes in force on p: its own, then those of the levels above it
 * for what it does not set (TS 1.0 §5.1.2); pmin/pmax default to the
 * server object's Default Minimum / Maximum Period. */
static void effective_attrs(const lwm2m_client *c, const lwm2m_server *s, const lwm2m_path *p,
                            lwm2m_attrs *a)
{
    memset(a, 0, sizeof *a);
    lwm2m_path q = *p;
    for (int d = p->depth; d >= 1; d--) {
        q.depth = (uint8_t)d;
        const lwm2m_attr_entry *e = attr_at(s, &q);
        if (!e)
            continue;
        unsigned take = e->attrs.set & ~a->set;
        if (take & LWM2M_ATTR_PMIN)
            a->pmin = e->attrs.pmin;
        if (take & LWM2M_ATTR_PMAX)
            a->pmax = e->attrs.pmax;
        if (take & LWM2M_ATTR_GT)
            a->gt = e->attrs.gt;
        if (take & LWM2M_ATTR_LT)
            a->lt = e->attrs.lt;
        if (take & LWM2M_ATTR_ST)
            a->st = e->attrs.st;
        a->set |= take;
    }
    if (!(a->set & LWM2M_ATTR_PMIN)) {
        int64_t v = srv_res(c, s, 2, 0);
        a->pmin = v > 0 ? (uint32_t)v : 0;
    }
    if (!(a->set & LWM2M_ATTR_PMAX)) {
        int64_t v = srv_res(c, s, 3, 0);
        a->pmax = v > 0 ? (uint32_t)v : 0;
    }
}

static uint64_t obs_deadline(const lwm2m_client *c, const lwm2m_server *s, const lwm2m_obs *o)
{
    if (!o->used || o->inflight)
        return LWM2M_NEVER;
    lwm2m_attrs a;
    effective_attrs(c, s, &o->path, &a);
    uint64_t d = LWM2M_NEVER;
    if (o->dirty)
        d = o->last_sent + (uint64_t)a.pmin * NS_PER_S;
    if (a.pmax > 0 && (!(a.set & LWM2M_ATTR_PMIN) || a.pmax >= a.pmin)) {
        uint64_t m = o->last_sent + (uint64_t)a.pmax * NS_PER_S;
        if (m < d)
            d = m;
    }
    return d;
}

/* The value of a single numeric resource, for gt / lt / st. */
static bool numeric_value(const lwm2m_list *l, double *out)
{
    if (l->len != 1)
        return false;
    const lwm2m_value *v = &l->items[0].value;
    switch (v->type) {
    case LWM2M_T_INTEGER:
    case LWM2M_T_TIME: *out = (double)v->v.i; return true;
    case LWM2M_T_UNSIGNED: *out = (double)v->v.u; return true;
    case LWM2M_T_FLOAT: *out = v->v.f; return true;
    default: return false;
    }
}

/* Do gt / lt / st let a change through (TS 1.0 §5.1.2)? */
static bool passes_thresholds(const lwm2m_attrs *a, const lwm2m_obs *o, double v)
{
    unsigned t = a->set & (LWM2M_ATTR_GT | LWM2M_ATTR_LT | LWM2M_ATTR_ST);
    if (!t || !o->have_last)
        return true;
    double last = o->last_num;
    if ((t & LWM2M_ATTR_GT) && ((last <= a->gt) != (v <= a->gt)))
        return true;
    if ((t & LWM2M_ATTR_LT) && ((last < a->lt) != (v < a->lt)))
        return true;
    if ((t & LWM2M_ATTR_ST) && fabs(v - last) >= a->st)
        return true;
    return false;
}

static uint8_t encode_read(lwm2m_client *c, const lwm2m_path *p, uint32_t accept, bool has_accept,
                           uint32_t *cf, bytebuf *body, lwm2m_list *vals);

static void notify(lwm2m_client *c, lwm2m_server *s, uint64_t now, lwm2m_obs *o, bool on_change,
                   lwm2m_out *out)
{
    lwm2m_list vals;
    lwm2m_list_init(&vals);
    bytebuf body;
    bytebuf_init(&body);
    uint32_t cf = o->cf;
    uint8_t code = encode_read(c, &o->path, o->cf, true, &cf, &body, &vals);
    if (code != COAP_CONTENT) { /* the path went away: the observation ends */
        o->used = false;
        goto done;
    }
    double num = 0;
    bool is_num = numeric_value(&vals, &num);
    if (on_change && is_num) {
        lwm2m_attrs a;
        effective_attrs(c, s, &o->path, &a);
        bool pmax_due = a.pmax > 0 && o->last_sent + (uint64_t)a.pmax * NS_PER_S <= now;
        if (!pmax_due && !passes_thresholds(&a, o, num)) {
            o->dirty = false;
            goto done;
        }
    }
    coap_msg m;
    coap_msg_init(&m, COAP_CON, COAP_CONTENT);
    coap_msg_set_token(&m, o->token, o->tkl);
    coap_msg_add_uint(&m, COAP_OPT_OBSERVE, o->seq);
    o->seq = (o->seq + 1) & 0xFFFFFFu;
    coap_msg_add_uint(&m, COAP_OPT_CONTENT_FORMAT, cf);
    coap_msg_set_payload(&m, body.data, body.len);
    uint32_t xid = 0;
    if (coap_ep_send(&s->ep, now, &m, &xid, &s->cout) == 0) {
        o->inflight = xid;
        o->last_sent = now;
        o->dirty = false;
        o->have_last = is_num;
        o->last_num = num;
        push_path(out, LWM2M_ACT_NOTIFIED, s->ssid, &o->path);
    } else {
        o->used = false; /* no room to send it: the observation ends */
    }
    pump(c, s, now, out);
done:
    bytebuf_free(&body);
    lwm2m_list_free(&vals);
}

static void run_observations(lwm2m_client *c, lwm2m_server *s, uint64_t now, lwm2m_out *out)
{
    if (!s->ep_live || !s->transport_up)
        return;
    for (size_t i = 0; i < LWM2M_MAX_OBSERVATIONS; i++) {
        lwm2m_obs *o = &s->obs[i];
        if (o->used && obs_deadline(c, s, o) <= now)
            notify(c, s, now, o, o->dirty, out);
    }
}

static lwm2m_obs *obs_by_token(lwm2m_server *s, const uint8_t *tok, uint8_t tkl)
{
    for (size_t i = 0; i < LWM2M_MAX_OBSERVATIONS; i++)
        if (s->obs[i].used && s->obs[i].tkl == tkl && memcmp(s->obs[i].token, tok, tkl) == 0)
            return &s->obs[i];
    return NULL;
}

static lwm2m_obs *obs_by_xid(lwm2m_server *s, uint32_t xid)
{
    for (size_t i = 0; xid && i < LWM2M_MAX_OBSERVATIONS; i++)
        if (s->obs[i].used && s->obs[i].inflight == xid)
            return &s->obs[i];
    return NULL;
}

/* ---- the server's requests --------------------------------------------------- */

static bool is_single_value(const lwm2m_client *c, const lwm2m_path *p)
{
    if (p->depth == 4)
        return true;
    const lwm2m_res_def *r = lwm2m_tree_res_def(c->tree, p);
    return p->depth == 3 && r && !r->multiple;
}

/* Read p for a server: the values in *vals, encoded in the Accept format
 * (or the default: text/plain for one value, TLV otherwise). */
static uint8_t encode_read(lwm2m_client *c, const lwm2m_path *p, uint32_t accept, bool has_accept,
                           uint32_t *cf, bytebuf *body, lwm2m_list *vals)
{
    if (p->depth == 0)
        return COAP_METHOD_NOT_ALLOWED;
    if (p->id[0] == 0)
        return COAP_UNAUTHORIZED; /* the Security object is the bootstrap server's */
    if (!lwm2m_tree_exists(c->tree, p))
        return COAP_NOT_FOUND;
    const lwm2m_res_def *r = lwm2m_tree_res_def(c->tree, p);
    if (r && !(r->ops & LWM2M_OP_R))
        return COAP_METHOD_NOT_ALLOWED;
    if (c->hooks.before_read)
        c->hooks.before_read(c->hooks.ctx, p);
    if (lwm2m_tree_read(c->tree, p, LWM2M_OP_R, vals) < 0)
        return COAP_INTERNAL_SERVER_ERROR;
    bool single = is_single_value(c, p);
    if (!has_accept)
        accept = single ? (r && r->type == LWM2M_T_OPAQUE ? COAP_CF_OCTET_STREAM : COAP_CF_TEXT_PLAIN)
                        : COAP_CF_LWM2M_TLV;
    int rc;
    switch (accept) {
    case COAP_CF_TEXT_PLAIN:
        if (!single || vals->len != 1)
            return COAP_NOT_ACCEPTABLE;
        rc = lwm2m_text_encode(&vals->items[0].value, body);
        break;
    case COAP_CF_OCTET_STREAM:
        if (!single || vals->len != 1)
            return COAP_NOT_ACCEPTABLE;
        rc = lwm2m_opaque_encode(&vals->items[0].value, body);
        break;
    case COAP_CF_LWM2M_TLV:
    case COAP_CF_LWM2M_TLV_OLD: rc = lwm2m_tlv_encode(vals, p, body); break;
    case COAP_CF_LWM2M_JSON:
    case COAP_CF_LWM2M_JSON_OLD: rc = lwm2m_json_encode(vals, p, 0, body); break;
    default: return COAP_NOT_ACCEPTABLE;
    }
    if (rc == LWM2M_E_TYPE)
        return COAP_NOT_ACCEPTABLE;
    if (rc < 0)
        return COAP_INTERNAL_SERVER_ERROR;
    *cf = accept;
    return COAP_CONTENT;
}

/* The request's path: Uri-Path segments as an LwM2M path ("/" for none). */
static int request_path(const coap_msg *m, lwm2m_path *p)
{
    bytebuf b;
    bytebuf_init(&b);
    int rc = coap_msg_join(m, COAP_OPT_URI_PATH, &b);
    if (rc == 0)
        rc = lwm2m_path_parse((const char *)b.data, b.len, p);
    bytebuf_free(&b);
    return rc;
}

/* Critical options this client understands in a request (RFC 7252 §5.4.1):
 * anything else odd-numbered is answered 4.02. */
static bool options_understood(const coap_msg *m)
{
    for (size_t i = 0; i < m->nopt; i++) {
        unsigned n = m->opt[i].num;
        if (!coap_opt_is_critical(n))
            continue;
        if (n != COAP_OPT_URI_HOST && n != COAP_OPT_URI_PORT && n != COAP_OPT_URI_PATH &&
            n != COAP_OPT_URI_QUERY && n != COAP_OPT_ACCEPT && n != COAP_OPT_BLOCK2)
            return false;
    }
    return true;
}

static void changed(lwm2m_client *c, uint64_t now, const lwm2m_path *p, lwm2m_out *out);

static uint8_t decode_write(lwm2m_client *c, const lwm2m_path *p, const coap_msg *m, lwm2m_list *l)
{
    uint32_t cf;
    if (coap_msg_content_format(m, &cf) < 0)
        return COAP_BAD_REQUEST;
    const lwm2m_res_def *r = lwm2m_tree_res_def(c->tree, p);
    int rc;
    switch (cf) {
    case COAP_CF_TEXT_PLAIN:
        if (!r || !is_single_value(c, p))
            return COAP_BAD_REQUEST;
        rc = lwm2m_text_decode(m->payload, m->payload_len, r->type, p, l);
        break;
    case COAP_CF_OCTET_STREAM:
        if (!r || !is_single_value(c, p) || r->type != LWM2M_T_OPAQUE)
            return COAP_BAD_REQUEST;
        rc = lwm2m_opaque_decode(m->payload, m->payload_len, p, l);
        break;
    case COAP_CF_LWM2M_TLV:
    case COAP_CF_LWM2M_TLV_OLD:
        rc = lwm2m_tlv_decode_typed(m->payload, m->payload_len, p, lwm2m_tree_type_of, c->tree, l);
        break;
    case COAP_CF_LWM2M_JSON:
    case COAP_CF_LWM2M_JSON_OLD:
        rc = lwm2m_json_decode_typed((const char *)m->payload, m->payload_len, p, 0,
                                     lwm2m_tree_type_of, c->tree, l);
        break;
    default: return COAP_UNSUPPORTED_CONTENT_FORMAT;
    }
    if (rc == LWM2M_E_NOTFOUND)
        return COAP_NOT_FOUND;
    return rc < 0 ? COAP_BAD_REQUEST : 0;
}

/* Checks typed values against the tree: each names a writable resource of
 * an existing instance, at the right depth. */
static uint8_t check_write(lwm2m_client *c, const lwm2m_list *l, bool server)
{
    if (l->len == 0)
        return COAP_BAD_REQUEST;
    for (size_t i = 0; i < l->len; i++) {
        const lwm2m_path *ep = &l->items[i].path;
        if (ep->depth < 3 || !lwm2m_tree_has_instance(c->tree, ep->id[0], ep->id[1]))
            return COAP_NOT_FOUND;
        const lwm2m_res_def *r = lwm2m_tree_res_def(c->tree, ep);
        if (!r)
            return COAP_NOT_FOUND;
        if (!(r->ops & LWM2M_OP_W) || (server && ep->id[0] == 0))
            return COAP_METHOD_NOT_ALLOWED;
        bool none = l->items[i].value.type == LWM2M_T_NONE;
        if (r->multiple ? (ep->depth == 3 && !none) : (ep->depth != 3 || none))
            return COAP_BAD_REQUEST;
    }
    return 0;
}

/* Applies checked values: a replace empties each multiple resource it
 * writes first; every written path is reported and its observers told. */
static uint8_t apply_write(lwm2m_client *c, uint64_t now, uint16_t ssid, const lwm2m_list *l,
                           bool replace, lwm2m_out *out)
{
    if (c->hooks.write) {
        uint8_t code = c->hooks.write(c->hooks.ctx, ssid, l);
        if (code)
            return code;
    }
    for (size_t i = 0; replace && i < l->len; i++) {
        lwm2m_path res = l->items[i].path;
        if (res.depth == 4) {
            res.depth = 3;
            res.id[3] = LWM2M_ID_NONE;
            lwm2m_tree_remove(c->tree, &res);
        }
    }
    for (size_t i = 0; i < l->len; i++) {
        const lwm2m_entry *e = &l->items[i];
        int rc = e->value.type == LWM2M_T_NONE ? lwm2m_tree_set_empty(c->tree, &e->path)
                                               : lwm2m_tree_set(c->tree, &e->path, &e->value);
        if (rc < 0)
            return COAP_INTERNAL_SERVER_ERROR;
    }
    for (size_t i = 0; i < l->len; i++) {
        push_path(out, LWM2M_ACT_WRITTEN, ssid, &l->items[i].path);
        changed(c, now, &l->items[i].path, out);
    }
    return COAP_CHANGED;
}

static uint8_t server_write(lwm2m_client *c, lwm2m_server *s, uint64_t now, const lwm2m_path *p,
                            const coap_msg *m, bool replace, lwm2m_out *out)
{
    if (p->depth < 2)
        return COAP_METHOD_NOT_ALLOWED;
    if (p->id[0] == 0)
        return COAP_UNAUTHORIZED;
    if (!lwm2m_tree_has_instance(c->tree, p->id[0], p->id[1]) ||
        (p->depth >= 3 && !lwm2m_tree_res_def(c->tree, p)))
        return COAP_NOT_FOUND;
    lwm2m_list l;
    lwm2m_list_init(&l);
    uint8_t code = decode_write(c, p, m, &l);
    if (!code)
        code = check_write(c, &l, true);
    if (!code)
        code = apply_write(c, now, s->ssid, &l, replace, out);
    lwm2m_list_free(&l);
    return code;
}

static uint8_t write_attributes(lwm2m_client *c, lwm2m_server *s, const lwm2m_path *p,
                                const coap_msg *m)
{
    if (p->depth == 0 || p->id[0] == 0)
        return p->depth ? COAP_UNAUTHORIZED : COAP_METHOD_NOT_ALLOWED;
    if (!lwm2m_tree_exists(c->tree, p))
        return COAP_NOT_FOUND;
    bytebuf q;
    bytebuf_init(&q);
    lwm2m_attrs a;
    int rc = coap_msg_join(m, COAP_OPT_URI_QUERY, &q);
    if (rc == 0)
        rc = lwm2m_attrs_parse_query((const char *)q.data, q.len, &a);
    bytebuf_free(&q);
    if (rc < 0)
        return COAP_BAD_REQUEST;
    lwm2m_attr_entry *e = (lwm2m_attr_entry *)attr_at(s, p);
    if (!e) {
        for (size_t i = 0; i < LWM2M_MAX_ATTRS && !e; i++)
            if (!s->attrs[i].used)
                e = &s->attrs[i];
        if (!e)
            return COAP_INTERNAL_SERVER_ERROR;
        memset(e, 0, sizeof *e);
        e->used = true;
        e->path = *p;
    }
    unsigned set = a.set & LWM2M_ATTR_WRITABLE;
    if (set & LWM2M_ATTR_PMIN)
        e->attrs.pmin = a.pmin;
    if (set & LWM2M_ATTR_PMAX)
        e->attrs.pmax = a.pmax;
    if (set & LWM2M_ATTR_GT)
        e->attrs.gt = a.gt;
    if (set & LWM2M_ATTR_LT)
        e->attrs.lt = a.lt;
    if (set & LWM2M_ATTR_ST)
        e->attrs.st = a.st;
    e->attrs.set = (e->attrs.set | set) & ~a.clear;
    if (!e->attrs.set)
        e->used = false;
    return COAP_CHANGED;
}

static uint8_t discover(lwm2m_client *c, lwm2m_server *s, const lwm2m_path *p, bytebuf *body)
{
    if (p->depth == 0)
        return COAP_METHOD_NOT_ALLOWED;
    if (p->id[0] == 0)
        return COAP_UNAUTHORIZED;
    lwm2m_links links;
    lwm2m_links_init(&links);
    int rc = lwm2m_tree_discover(c->tree, p, &links);
    for (size_t i = 0; rc == 0 && i < links.len; i++) {
        const lwm2m_attr_entry *e = attr_at(s, &links.items[i].path);
        if (!e)
            continue;
        lwm2m_attrs *a = &links.items[i].attrs;
        a->set |= e->attrs.set;
        a->pmin = e->attrs.pmin;
        a->pmax = e->attrs.pmax;
        a->gt = e->attrs.gt;
        a->lt = e->attrs.lt;
        a->st = e->attrs.st;
    }
    if (rc == 0)
        rc = lwm2m_link_encode(&links, body);
    lwm2m_links_free(&links);
    if (rc == LWM2M_E_NOTFOUND)
        return COAP_NOT_FOUND;
    return rc < 0 ? COAP_INTERNAL_SERVER_ERROR : COAP_CONTENT;
}

static lwm2m_server *server_by_inst(lwm2m_client *c, uint16_t inst)
{
    for (size_t i = 0; i < LWM2M_MAX_SERVERS; i++)
        if (c->srv[i].used && c->srv[i].srv_inst == inst)
            return &c->srv[i];
    return NULL;
}

static uint8_t execute(lwm2m_client *c, lwm2m_server *s, uint64_t now, const lwm2m_path *p,
                       const coap_msg *m, bool *disable, lwm2m_out *out)
{
    if (p->depth != 3)
        return COAP_METHOD_NOT_ALLOWED;
    if (p->id[0] == 0)
        return COAP_UNAUTHORIZED;
    if (!lwm2m_tree_has_instance(c->tree, p->id[0], p->id[1]))
        return COAP_NOT_FOUND;
    const lwm2m_res_def *r = lwm2m_tree_res_def(c->tree, p);
    if (!r)
        return COAP_NOT_FOUND;
    if (!(r->ops & LWM2M_OP_E))
        return COAP_METHOD_NOT_ALLOWED;
    if (p->id[0] == 1 && (p->id[2] == 8 || p->id[2] == 4)) {
        lwm2m_server *t = server_by_inst(c, p->id[1]);
        if (!t)
            return COAP_NOT_FOUND;
        if (p->id[2] == 8) {
            t->update_needed = true; /* sent once this request is answered */
            if (t->phase == LWM2M_PH_REGISTERED)
                set_status(t, LWM2M_REG_UPDATE_NEEDED, out);
        } else {
            *disable = t == s;
            if (t != s)
                return COAP_UNAUTHORIZED;
        }
        (void)now;
        return COAP_CHANGED;
    }
    if (!c->hooks.execute)
        return COAP_METHOD_NOT_ALLOWED;
    return c->hooks.execute(c->hooks.ctx, s->ssid, p, m->payload, m->payload_len);
}

static void respond(lwm2m_client *c, lwm2m_server *s, uint64_t now, uint32_t xid, coap_msg *resp,
                    lwm2m_out *out)
{
    coap_ep_respond(&s->ep, now, xid, resp, NULL, &s->cout);
    pump(c, s, now, out);
}

static void handle_get(lwm2m_client *c, lwm2m_server *s, uint64_t now, const coap_event *ev,
                       const lwm2m_path *p, lwm2m_out *out)
{
    const coap_msg *m = &ev->msg;
    uint32_t accept = 0, obsv = 0;
    bool has_accept = coap_msg_accept(m, &accept) == 0;
    bool has_obs = coap_msg_observe(m, &obsv) == 0;
    bytebuf body;
    bytebuf_init(&body);
    lwm2m_list vals;
    lwm2m_list_init(&vals);
    coap_msg resp;
    uint8_t code;
    uint32_t cf = 0;
    if (has_accept && accept == COAP_CF_LINK_FORMAT) {
        code = discover(c, s, p, &body);
        cf = COAP_CF_LINK_FORMAT;
    } else {
        code = encode_read(c, p, accept, has_accept, &cf, &body, &vals);
    }
    coap_msg_init(&resp, COAP_ACK, code);
    if (code == COAP_CONTENT && has_obs && cf != COAP_CF_LINK_FORMAT) {
        lwm2m_obs *o = obs_by_token(s, ev->token, ev->tkl);
        if (obsv == 0) {
            for (size_t i = 0; i < LWM2M_MAX_OBSERVATIONS && !o; i++)
                if (!s->obs[i].used)
                    o = &s->obs[i];
            if (o) {
                memset(o, 0, sizeof *o);
                o->used = true;
                o->path = *p;
                o->tkl = ev->tkl;
                memcpy(o->token, ev->token, ev->tkl);
                o->cf = cf;
                o->last_sent = now;
                o->have_last = numeric_value(&vals, &o->last_num);
                coap_msg_add_uint(&resp, COAP_OPT_OBSERVE, o->seq);
                o->seq = 1;
            }
        } else if (o) {
            o->used = false;
        }
    }
    if (code == COAP_CONTENT) {
        coap_msg_add_uint(&resp, COAP_OPT_CONTENT_FORMAT, cf);
        coap_block b2;
        if (body.len > c->cfg.block_size || coap_msg_get_block(m, COAP_OPT_BLOCK2, &b2) == 0) {
            int rc = coap_b2_serve(m, body.data, body.len, (unsigned)coap_szx_of_size(c->cfg.block_size),
                                   &resp);
            if (rc == -ERANGE)
                coap_msg_init(&resp, COAP_ACK, COAP_BAD_OPTION);
            else if (rc < 0)
                coap_msg_init(&resp, COAP_ACK, COAP_BAD_REQUEST);
        } else {
            coap_msg_set_payload(&resp, body.data, body.len);
        }
    }
    respond(c, s, now, ev->xid, &resp, out);
    bytebuf_free(&body);
    lwm2m_list_free(&vals);
}

static void handle_request(lwm2m_client *c, lwm2m_server *s, uint64_t now, const coap_event *ev,
                           lwm2m_out *out)
{
    const coap_msg *m = &ev->msg;
    lwm2m_path p;
    coap_msg resp;
    uint8_t code;
    bool disable = false;
    if (!options_understood(m)) {
        code = COAP_BAD_OPTION;
    } else if (request_path(m, &p) < 0) {
        code = COAP_NOT_FOUND;
    } else if (m->code == COAP_GET) {
        handle_get(c, s, now, ev, &p, out);
        return;
    } else if (m->code == COAP_PUT) {
        bool attrs = m->payload_len == 0 && coap_msg_find(m, COAP_OPT_URI_QUERY) &&
                     !coap_msg_find(m, COAP_OPT_CONTENT_FORMAT);
        code = attrs ? write_attributes(c, s, &p, m) : server_write(c, s, now, &p, m, true, out);
    } else if (m->code == COAP_POST) {
        if (p.depth == 3)
            code = execute(c, s, now, &p, m, &disable, out);
        else if (p.depth == 2)
            code = server_write(c, s, now, &p, m, false, out);
        else
            code = COAP_METHOD_NOT_ALLOWED;
    } else {
        code = COAP_METHOD_NOT_ALLOWED; /* Create and Delete are not supported */
    }
    coap_msg_init(&resp, COAP_ACK, code);
    respond(c, s, now, ev->xid, &resp, out);
    if (disable && (s->phase == LWM2M_PH_REGISTERED || s->phase == LWM2M_PH_UPDATING)) {
        s->disable_after_dereg = true;
        send_deregister(c, s, now, out);
    }
}

static void handle_event(lwm2m_client *c, lwm2m_server *s, uint64_t now, const coap_event *ev,
                         lwm2m_out *out)
{
    lwm2m_obs *o;
    switch (ev->kind) {
    case COAP_EV_REQUEST: handle_request(c, s, now, ev, out); break;
    case COAP_EV_RESPONSE:
        if (ev->xid && ev->xid == s->xid)
            reg_response(c, s, now, &ev->msg, out);
        break;
    case COAP_EV_ACKED:
        if ((o = obs_by_xid(s, ev->xid)))
            o->inflight = 0;
        break;
    case COAP_EV_RESET:
    case COAP_EV_TIMEOUT:
        if (ev->xid && ev->xid == s->xid) {
            reg_failed(c, s, now, ev->kind == COAP_EV_RESET ? -ECONNREFUSED : -ETIMEDOUT, out);
        } else if ((o = obs_by_xid(s, ev->xid))) {
            o->used = false; /* RFC 7641 §3.6, §4.5: the observer is gone */
        }
        break;
    }
}

/* ---- driving ----------------------------------------------------------------- */

/* Everything due at now on server s: its timers and notifications. */
static void service(lwm2m_client *c, lwm2m_server *s, uint64_t now, lwm2m_out *out)
{
    if (!s->used)
        return;
    switch (s->phase) {
    case LWM2M_PH_WAIT:
    case LWM2M_PH_DISABLED:
        if (s->wake_at <= now)
            begin_attempt(c, s, now, out);
        break;
    case LWM2M_PH_REGISTERED:
        if (s->update_needed || update_due(s) <= now)
            send_update(c, s, now, out);
        break;
    default: break;
    }
    run_observations(c, s, now, out);
}

void lwm2m_client_stop(lwm2m_client *c, uint64_t now, lwm2m_out *out)
{
    (void)now;
    for (size_t i = 0; i < LWM2M_MAX_SERVERS; i++) {
        lwm2m_server *s = &c->srv[i];
        if (!s->used)
            continue;
        disconnect(s, out);
        set_status(s, LWM2M_REG_DEREGISTERED, out);
        s->phase = LWM2M_PH_IDLE;
        memset(s->attrs, 0, sizeof s->attrs);
    }
    c->started = false;
    update_client_state(c, out);
    for (size_t i = 0; i < LWM2M_MAX_SERVERS; i++) {
        lwm2m_server *s = &c->srv[i];
        coap_out keep = s->cout;
        bytebuf body = s->reg_body, query = s->reg_query;
        unsigned gen = s->gen;
        memset(s, 0, sizeof *s);
        s->cout = keep;
        s->reg_body = body;
        s->reg_query = query;
        s->gen = gen; /* a restarted client must not reuse its message ids and tokens */
    }
}

void lwm2m_client_start(lwm2m_client *c, uint64_t now, lwm2m_out *out)
{
    if (c->started)
        lwm2m_client_stop(c, now, out);
    find_servers(c);
    c->started = true;
    update_client_state(c, out);
    for (size_t i = 0; i < LWM2M_MAX_SERVERS; i++)
        if (c->srv[i].used)
            begin_attempt(c, &c->srv[i], now, out);
}

void lwm2m_client_transport_up(lwm2m_client *c, uint64_t now, uint16_t ssid, lwm2m_out *out)
{
    lwm2m_server *s = server_by_ssid(c, ssid);
    if (!s || s->phase != LWM2M_PH_CONNECTING)
        return;
    s->transport_up = true;
    send_register(c, s, now, out);
}

void lwm2m_client_transport_failed(lwm2m_client *c, uint64_t now, uint16_t ssid, int err,
                                   lwm2m_out *out)
{
    lwm2m_server *s = server_by_ssid(c, ssid);
    if (!s)
        return;
    bool was_connecting = s->phase == LWM2M_PH_CONNECTING;
    s->transport_up = false;
    server_drop_ep(s);
    if (was_connecting || s->phase == LWM2M_PH_REGISTERING) {
        s->phase = LWM2M_PH_WAIT;
        attempt_failed(c, s, now, err ? err : -EIO, out);
    } else if (s->phase == LWM2M_PH_REGISTERED || s->phase == LWM2M_PH_UPDATING) {
        /* The bearer went: register again once it can (a new transport). */
        s->attempt = 0;
        s->phase = LWM2M_PH_WAIT;
        s->wake_at = now;
        set_status(s, LWM2M_REG_PENDING, out);
    } else if (s->phase == LWM2M_PH_DEREGISTERING) {
        deregistered(c, s, now, out);
    }
    update_client_state(c, out);
}

void lwm2m_client_feed(lwm2m_client *c, uint64_t now, uint16_t ssid, const uint8_t *p, size_t n,
                       lwm2m_out *out)
{
    lwm2m_server *s = server_by_ssid(c, ssid);
    if (!s || !s->ep_live)
        return;
    coap_ep_feed(&s->ep, now, p, n, &s->cout);
    pump(c, s, now, out);
    service(c, s, now, out);
}

void lwm2m_client_tick(lwm2m_client *c, uint64_t now, lwm2m_out *out)
{
    for (size_t i = 0; i < LWM2M_MAX_SERVERS; i++) {
        lwm2m_server *s = &c->srv[i];
        if (!s->used)
            continue;
        if (s->ep_live) {
            coap_ep_tick(&s->ep, now, &s->cout);
            pump(c, s, now, out);
        }
        service(c, s, now, out);
    }
}

uint64_t lwm2m_client_next_deadline(const lwm2m_client *c)
{
    uint64_t d = LWM2M_NEVER;
    for (size_t i = 0; i < LWM2M_MAX_SERVERS; i++) {
        const lwm2m_server *s = &c->srv[i];
        if (!s->used)
            continue;
        uint64_t x = LWM2M_NEVER;
        if (s->ep_live)
            x = coap_ep_next_deadline(&s->ep);
        if ((s->phase == LWM2M_PH_WAIT || s->phase == LWM2M_PH_DISABLED) && s->wake_at < x)
            x = s->wake_at;
        if (s->phase == LWM2M_PH_REGISTERED) {
            uint64_t u = s->update_needed ? 0 : update_due(s);
            if (u < x)
                x = u;
        }
        for (size_t k = 0; s->transport_up && k < LWM2M_MAX_OBSERVATIONS; k++) {
            uint64_t o = obs_deadline(c, s, &s->obs[k]);
            if (o < x)
                x = o;
        }
        if (x < d)
            d = x;
    }
    return d;
}

int lwm2m_client_trigger_update(lwm2m_client *c, uint64_t now, uint16_t ssid, lwm2m_out *out)
{
    lwm2m_server *s = server_by_ssid(c, ssid);
    if (!s)
        return -ENOENT;
    switch (s->phase) {
    case LWM2M_PH_REGISTERED:
        s->update_needed = true;
        set_status(s, LWM2M_REG_UPDATE_NEEDED, out);
        service(c, s, now, out);
        break;
    case LWM2M_PH_IDLE:
    case LWM2M_PH_WAIT:
    case LWM2M_PH_DISABLED:
        s->attempt = 0;
        begin_attempt(c, s, now, out);
        break;
    case LWM2M_PH_DEREGISTERING: s->reregister_after_dereg = true; break;
    case LWM2M_PH_UPDATING: s->update_needed = true; break; /* once more after this one */
    default: break; /* a registration is on its way */
    }
    return 0;
}

int lwm2m_client_deregister(lwm2m_client *c, uint64_t now, uint16_t ssid, lwm2m_out *out)
{
    lwm2m_server *s = server_by_ssid(c, ssid);
    if (!s)
        return -ENOENT;
    s->reregister_after_dereg = false;
    switch (s->phase) {
    case LWM2M_PH_REGISTERED:
    case LWM2M_PH_UPDATING:
        if (s->xid)
            coap_ep_cancel(&s->ep, now, s->xid, &s->cout);
        s->xid = 0;
        send_deregister(c, s, now, out);
        break;
    case LWM2M_PH_DEREGISTERING: break;
    default:
        /* Not registered: stop trying until told otherwise. */
        disconnect(s, out);
        s->phase = LWM2M_PH_IDLE;
        set_status(s, LWM2M_REG_DEREGISTERED, out);
        update_client_state(c, out);
        break;
    }
    return 0;
}

/* Observers of paths overlapping p become dirty; a new lifetime or binding
 * asks for an Update. */
static void changed(lwm2m_client *c, uint64_t now, const lwm2m_path *p, lwm2m_out *out)
{
    (void)now;
    (void)out;
    for (size_t i = 0; i < LWM2M_MAX_SERVERS; i++) {
        lwm2m_server *s = &c->srv[i];
        if (!s->used)
            continue;
        for (size_t k = 0; k < LWM2M_MAX_OBSERVATIONS; k++) {
            lwm2m_obs *o = &s->obs[k];
            if (o->used && (lwm2m_path_is_under(&o->path, p) || lwm2m_path_is_under(p, &o->path)))
                o->dirty = true;
        }
        lwm2m_path lt = lwm2m_path_oir(1, s->srv_inst, 1), b = lwm2m_path_oir(1, s->srv_inst, 7);
        if (lwm2m_path_is_under(&lt, p) || lwm2m_path_is_under(&b, p)) {
            char bind[8];
            binding_of(c, s, bind, sizeof bind);
            if (lifetime_of(c, s) != s->sent_lifetime || strcmp(bind, s->sent_binding) != 0) {
                s->update_needed = true;
                if (s->phase == LWM2M_PH_REGISTERED)
                    set_status(s, LWM2M_REG_UPDATE_NEEDED, out);
            }
        }
    }
}

void lwm2m_client_changed(lwm2m_client *c, uint64_t now, const lwm2m_path *p, lwm2m_out *out)
{
    changed(c, now, p, out);
    for (size_t i = 0; i < LWM2M_MAX_SERVERS; i++)
        service(c, &c->srv[i], now, out);
}

int lwm2m_client_local_write(lwm2m_client *c, uint64_t now, const lwm2m_list *values,
                             lwm2m_out *out)
{
    lwm2m_list l;
    lwm2m_list_init(&l);
    int rc = LWM2M_OK;
    for (size_t i = 0; rc == LWM2M_OK && i < values->len; i++)
        rc = lwm2m_list_add(&l, &values->items[i].path, &values->items[i].value);
    if (rc == LWM2M_OK)
        rc = lwm2m_list_retype(&l, 0, lwm2m_tree_type_of, c->tree, lwm2m_value_coerce);
    if (rc == LWM2M_OK) {
        uint8_t code = check_write(c, &l, false);
        if (code == COAP_NOT_FOUND)
            rc = LWM2M_E_NOTFOUND;
        else if (code)
            rc = LWM2M_E_INVALID;
    }
    if (rc == LWM2M_OK && apply_write(c, now, 0, &l, false, out) != COAP_CHANGED)
        rc = LWM2M_E_INVALID;
    lwm2m_list_free(&l);
    if (rc == LWM2M_OK)
        for (size_t i = 0; i < LWM2M_MAX_SERVERS; i++)
            service(c, &c->srv[i], now, out);
    return rc;
}

const char *lwm2m_reg_status_name(lwm2m_reg_status s)
{
    static const char *const names[] = {
        "deregistered", "hold-off", "pending", "registered", "failed",
        "update-pending", "update-needed", "full-update-needed", "dereg-needed", "dereg-pending",
    };
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}
