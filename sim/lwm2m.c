/* lwm2m.c - the module's LwM2M client (lwm2m.h): its object tree, its
 * servers, the transport, URCs and NVM.  The protocol is
 * protocol/lwm2m_client.c; this file is the module around it.
 *
 * Values of the factory tree are the app note's where it shows them (§3.6:
 * /1/10 and the listing order), ours elsewhere (docs/lwm2m.md lists which).
 */
#include "lwm2m.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modem_int.h"

#define UDP_BUF 2048

static void run(lwm2m_mod *d);

/* ---- identity and keys ---- */

void lwm2m_module_psk(const char *imei, char *identity, size_t idsize, uint8_t key[LWM2M_PSK_LEN])
{
    snprintf(identity, idsize, "%s", imei);
    char text[64];
    int n = snprintf(text, sizeof text, "sarasim RoT PSK %s", imei);
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    if (n < 0 || !EVP_Digest(text, (size_t)n, md, &mdlen, EVP_sha256(), NULL) || mdlen < LWM2M_PSK_LEN)
        memset(md, 0, sizeof md); /* cannot happen with a working libcrypto */
    memcpy(key, md, LWM2M_PSK_LEN);
}

static const dev_lwm2m_server *server_override(const modem *m, uint16_t ssid)
{
    for (int i = 0; i < DEV_LWM2M_SERVERS; i++)
        if (m->dev.lwm2m.servers[i].ssid == ssid)
            return &m->dev.lwm2m.servers[i];
    return NULL;
}

static void server_psk(const modem *m, uint16_t ssid, char *id, size_t idsize, uint8_t *key, size_t *keylen)
{
    const dev_lwm2m_server *o = server_override(m, ssid);
    if (o && o->psk_len) {
        snprintf(id, idsize, "%s", o->psk_id);
        memcpy(key, o->psk_key, o->psk_len);
        *keylen = o->psk_len;
        return;
    }
    lwm2m_module_psk(m->dev.imei, id, idsize, key);
    *keylen = LWM2M_PSK_LEN;
}

/* ---- the factory tree ---- */

static void set_v(lwm2m_tree *t, lwm2m_path p, lwm2m_value v) { lwm2m_tree_set(t, &p, &v); }

static void add_security(lwm2m_mod *d, uint16_t inst, uint16_t ssid, const char *factory_uri)
{
    modem *m = d->m;
    const dev_lwm2m_server *o = server_override(m, ssid);
    const char *uri = o && o->uri[0] ? o->uri : factory_uri;
    lwm2m_tree *t = &d->tree;
    lwm2m_tree_add_instance(t, 0, inst);
    char id[DEV_LWM2M_PSK_ID_MAX];
    uint8_t key[DEV_LWM2M_PSK_KEY_MAX];
    size_t klen = 0;
    server_psk(m, ssid, id, sizeof id, key, &klen);
    int secure = !strncmp(uri, "coaps://", 8);
    set_v(t, lwm2m_path_oir(0, inst, 0), lwm2m_v_str(uri));
    set_v(t, lwm2m_path_oir(0, inst, 1), lwm2m_v_bool(false));
    set_v(t, lwm2m_path_oir(0, inst, 2), lwm2m_v_int(secure ? 0 : 3)); /* PSK or NoSec */
    set_v(t, lwm2m_path_oir(0, inst, 3), lwm2m_v_opaque(id, secure ? strlen(id) : 0));
    set_v(t, lwm2m_path_oir(0, inst, 5), lwm2m_v_opaque(key, secure ? klen : 0));
    set_v(t, lwm2m_path_oir(0, inst, 10), lwm2m_v_int(ssid));
    set_v(t, lwm2m_path_oir(0, inst, 11), lwm2m_v_int(0));
    set_v(t, lwm2m_path_oir(0, inst, 12), lwm2m_v_int(0));
}

/* /1/<inst> in the order AT+ULWM2MREAD="/1/10" prints it (app note §3.6);
 * what servers and hosts may change comes from NVM. */
static void add_server(lwm2m_mod *d, uint16_t inst, int k, uint16_t ssid)
{
    nvm *n = &d->m->nvm;
    lwm2m_tree *t = &d->tree;
    lwm2m_tree_add_instance(t, 1, inst);
    set_v(t, lwm2m_path_oir(1, inst, 0), lwm2m_v_int(ssid));
    set_v(t, lwm2m_path_oir(1, inst, 1), lwm2m_v_int(nvm_get(n, (nvm_id)(SET_LWM2M_LIFETIME + k))));
    set_v(t, lwm2m_path_oir(1, inst, 2), lwm2m_v_int(nvm_get(n, (nvm_id)(SET_LWM2M_PMIN + k))));
    set_v(t, lwm2m_path_oir(1, inst, 3), lwm2m_v_int(nvm_get(n, (nvm_id)(SET_LWM2M_PMAX + k))));
    set_v(t, lwm2m_path_oir(1, inst, 5), lwm2m_v_int(86400));
    set_v(t, lwm2m_path_oir(1, inst, 6), lwm2m_v_bool(false));
    set_v(t, lwm2m_path_oir(1, inst, 7), lwm2m_v_str(nvm_get_str(n, (nvm_id)(SET_LWM2M_BINDING + k))));
    set_v(t, lwm2m_path_oir(1, inst, 10), lwm2m_v_objlnk(11, 0));
    set_v(t, lwm2m_path_oiri(1, inst, 30000, 1), lwm2m_v_int(30));
    set_v(t, lwm2m_path_oiri(1, inst, 30000, 0), lwm2m_v_int(0));
    set_v(t, lwm2m_path_oir(1, inst, 12), lwm2m_v_time(0));
    set_v(t, lwm2m_path_oir(1, inst, 18), lwm2m_v_int(30));
    set_v(t, lwm2m_path_oir(1, inst, 17), lwm2m_v_int(4));
    set_v(t, lwm2m_path_oir(1, inst, 16), lwm2m_v_bool(false));
}

/* Access control: one instance per object instance a server reaches,
 * owned by the uFOTA server with every right (ours: the module's ACLs are
 * not published). */
static void add_acls(lwm2m_mod *d)
{
    static const uint16_t target[12][2] = {
        { 1, 10 }, { 3, 0 }, { 4, 0 }, { 5, 0 }, { 7, 0 }, { 11, 0 },
        { 11, 1 }, { 11, 2 }, { 11, 3 }, { 11, 4 }, { 14, 0 }, { 16, 0 },
    };
    lwm2m_tree *t = &d->tree;
    for (uint16_t k = 0; k < 12; k++) {
        uint16_t i = (uint16_t)((k + 1) % 12); /* /2/1 ... /2/11, then /2/0 */
        lwm2m_tree_add_instance(t, 2, i);
        set_v(t, lwm2m_path_oir(2, i, 0), lwm2m_v_int(target[i][0]));
        set_v(t, lwm2m_path_oir(2, i, 1), lwm2m_v_int(target[i][1]));
        set_v(t, lwm2m_path_oiri(2, i, 2, 721), lwm2m_v_int(15));
        set_v(t, lwm2m_path_oir(2, i, 3), lwm2m_v_int(721));
    }
}

static void add_device(lwm2m_mod *d)
{
    modem *m = d->m;
    lwm2m_tree *t = &d->tree;
    char fw[32], hw[48];
    device_fw_modem_part(m->firmware, fw, sizeof fw);
    const char *app = strchr(m->firmware, ',');
    snprintf(hw, sizeof hw, "%s-%s", m->dev.model, m->dev.product);
    lwm2m_tree_add_instance(t, 3, 0);
    set_v(t, lwm2m_path_oir(3, 0, 0), lwm2m_v_str("u-blox"));
    set_v(t, lwm2m_path_oir(3, 0, 1), lwm2m_v_str(m->dev.model));
    set_v(t, lwm2m_path_oir(3, 0, 2), lwm2m_v_str(m->dev.imei));
    set_v(t, lwm2m_path_oir(3, 0, 3), lwm2m_v_str(fw));
    set_v(t, lwm2m_path_oiri(3, 0, 6, 0), lwm2m_v_int(0)); /* DC power */
    set_v(t, lwm2m_path_oiri(3, 0, 7, 0), lwm2m_v_int(3800));
    set_v(t, lwm2m_path_oir(3, 0, 10), lwm2m_v_int(0));
    set_v(t, lwm2m_path_oiri(3, 0, 11, 0), lwm2m_v_int(0));
    set_v(t, lwm2m_path_oir(3, 0, 13), lwm2m_v_time(0));
    set_v(t, lwm2m_path_oir(3, 0, 14), lwm2m_v_str("+00:00"));
    set_v(t, lwm2m_path_oir(3, 0, 16), lwm2m_v_str("UQS"));
    set_v(t, lwm2m_path_oir(3, 0, 17), lwm2m_v_str("Module"));
    set_v(t, lwm2m_path_oir(3, 0, 18), lwm2m_v_str(hw));
    set_v(t, lwm2m_path_oir(3, 0, 19), lwm2m_v_str(app ? app + 1 : ""));
    set_v(t, lwm2m_path_oir(3, 0, 21), lwm2m_v_int((int64_t)(m->fs.capacity / 1024)));
}

static void add_others(lwm2m_mod *d)
{
    lwm2m_tree *t = &d->tree;
    lwm2m_tree_add_instance(t, 4, 0);
    set_v(t, lwm2m_path_oir(4, 0, 0), lwm2m_v_int(6)); /* LTE FDD */
    set_v(t, lwm2m_path_oiri(4, 0, 1, 0), lwm2m_v_int(6));
    set_v(t, lwm2m_path_oiri(4, 0, 1, 1), lwm2m_v_int(7)); /* NB-IoT */
    set_v(t, lwm2m_path_oir(4, 0, 2), lwm2m_v_int(0));
    set_v(t, lwm2m_path_oir(4, 0, 3), lwm2m_v_int(0));
    set_v(t, lwm2m_path_oiri(4, 0, 4, 0), lwm2m_v_str(""));
    set_v(t, lwm2m_path_oiri(4, 0, 7, 0), lwm2m_v_str(""));
    set_v(t, lwm2m_path_oir(4, 0, 8), lwm2m_v_int(0x01A2D001));
    lwm2m_tree_add_instance(t, 5, 0);
    set_v(t, lwm2m_path_oir(5, 0, 1), lwm2m_v_str(""));
    set_v(t, lwm2m_path_oir(5, 0, 3), lwm2m_v_int(0));
    set_v(t, lwm2m_path_oir(5, 0, 5), lwm2m_v_int(0));
    set_v(t, lwm2m_path_oir(5, 0, 6), lwm2m_v_str(""));
    set_v(t, lwm2m_path_oir(5, 0, 7), lwm2m_v_str(""));
    set_v(t, lwm2m_path_oiri(5, 0, 8, 0), lwm2m_v_int(2)); /* HTTP/1.1 */
    set_v(t, lwm2m_path_oiri(5, 0, 8, 1), lwm2m_v_int(3)); /* HTTPS */
    set_v(t, lwm2m_path_oir(5, 0, 9), lwm2m_v_int(0));     /* pull only */
    lwm2m_tree_add_instance(t, 7, 0);
    for (uint16_t r = 0; r <= 5; r++)
        set_v(t, lwm2m_path_oir(7, 0, r), lwm2m_v_int(0));
    set_v(t, lwm2m_path_oir(7, 0, 8), lwm2m_v_int(0));
    for (uint16_t k = 0; k < 5; k++) {
        uint16_t i = (uint16_t)((k + 1) % 5); /* /11/1 ... /11/4, then /11/0 */
        char name[16];
        snprintf(name, sizeof name, "APN %u", i + 1);
        lwm2m_tree_add_instance(t, 11, i);
        set_v(t, lwm2m_path_oir(11, i, 0), lwm2m_v_str(name));
        set_v(t, lwm2m_path_oir(11, i, 1), lwm2m_v_str(nvm_get_str(&d->m->nvm, (nvm_id)(SET_PDP_APN + i + 1))));
        set_v(t, lwm2m_path_oir(11, i, 3), lwm2m_v_bool(i == 0));
        set_v(t, lwm2m_path_oir(11, i, 4), lwm2m_v_int(0));
    }
    lwm2m_tree_add_instance(t, 14, 0);
    const char *app = strchr(d->m->firmware, ',');
    set_v(t, lwm2m_path_oir(14, 0, 0), lwm2m_v_str("application"));
    set_v(t, lwm2m_path_oir(14, 0, 2), lwm2m_v_str(app ? app + 1 : ""));
    set_v(t, lwm2m_path_oir(14, 0, 5), lwm2m_v_bool(true));
    lwm2m_tree_add_instance(t, 16, 0);
    set_v(t, lwm2m_path_oiri(16, 0, 0, 0), lwm2m_v_str(d->m->dev.imei));
    set_v(t, lwm2m_path_oir(16, 0, 3), lwm2m_v_int(0));
}

/* The listing order of AT+ULWM2MLIST="/" (app note §3.6): /1/10, /2/1..11,
 * /2/0, /3/0, /4/0, /5/0, /7/0, /11/1..4, /11/0, /14/0, /16/0, /10308, /0/10. */
static void build_tree(lwm2m_mod *d)
{
    lwm2m_tree *t = &d->tree;
    static const uint16_t objs[] = { 1, 2, 3, 4, 5, 7, 11, 14, 16, 10308, 0 };
    for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++)
        lwm2m_tree_add_object(t, lwm2m_objdef_find(objs[i]));
    add_server(d, 10, 0, 721);
    if (d->verizon)
        add_server(d, 11, 1, 102);
    add_acls(d);
    add_device(d);
    add_others(d);
    add_security(d, 10, 721, LWM2M_UFOTA_URI);
    if (d->verizon)
        add_security(d, 11, 102, LWM2M_VERIZON_URI);
}

/* ---- hooks ---- */

static void refresh(lwm2m_mod *d)
{
    modem *m = d->m;
    lwm2m_tree *t = &d->tree;
    set_v(t, lwm2m_path_oir(3, 0, 13), lwm2m_v_time(modem_wall_seconds(m)));
    set_v(t, lwm2m_path_oir(3, 0, 10), lwm2m_v_int((int64_t)(fs_free_space(&m->fs) / 1024)));
    set_v(t, lwm2m_path_oir(4, 0, 0), lwm2m_v_int(m->net.act == 9 ? 7 : 6));
    set_v(t, lwm2m_path_oir(4, 0, 2), lwm2m_v_int(m->net.rsrp_dbm));
    set_v(t, lwm2m_path_oir(4, 0, 3), lwm2m_v_int(m->net.rsrq_db));
    char ip[16] = "";
    ip4 a = ip_local_addr(m);
    if (a)
        ip4_format(a, ip);
    set_v(t, lwm2m_path_oiri(4, 0, 4, 0), lwm2m_v_str(ip));
    set_v(t, lwm2m_path_oiri(4, 0, 7, 0), lwm2m_v_str(nvm_get_str(&m->nvm, SET_PDP_APN + 1)));
    const ip_counters *c = ip_get_counters(m);
    if (c) {
        set_v(t, lwm2m_path_oir(7, 0, 2), lwm2m_v_int((int64_t)(c->tot_tx / 1024)));
        set_v(t, lwm2m_path_oir(7, 0, 3), lwm2m_v_int((int64_t)(c->tot_rx / 1024)));
    }
}

static void hook_before_read(void *ctx, const lwm2m_path *p)
{
    (void)p;
    refresh(ctx);
}

/* The NVM setting behind a server-object resource, or -1. */
static int persisted(const lwm2m_path *p, nvm_id *id)
{
    if (p->depth != 3 || p->id[0] != 1 || (p->id[1] != 10 && p->id[1] != 11))
        return -1;
    int k = p->id[1] == 10 ? 0 : 1;
    switch (p->id[2]) {
    case 1: *id = (nvm_id)(SET_LWM2M_LIFETIME + k); return 0;
    case 2: *id = (nvm_id)(SET_LWM2M_PMIN + k); return 0;
    case 3: *id = (nvm_id)(SET_LWM2M_PMAX + k); return 0;
    case 7: *id = (nvm_id)(SET_LWM2M_BINDING + k); return 0;
    default: return -1;
    }
}

void lwm2m_mod_trigger_update(modem *m, uint16_t ssid)
{
    lwm2m_mod *d = m->lwm2m;
    if (!d || !d->client.started)
        return;
    lwm2m_client_trigger_update(&d->client, clk_now(m->clk), ssid, &d->out);
    run(d);
}

void lwm2m_mod_fw_object(modem *m, int state, int result, const char *uri)
{
    lwm2m_mod *d = m->lwm2m;
    lwm2m_path st = lwm2m_path_oir(5, 0, 3), rs = lwm2m_path_oir(5, 0, 5), up = lwm2m_path_oir(5, 0, 1);
    const lwm2m_value *cs = lwm2m_tree_get(&d->tree, &st), *cr = lwm2m_tree_get(&d->tree, &rs);
    int st_changed = !cs || cs->v.i != state, rs_changed = !cr || cr->v.i != result;
    set_v(&d->tree, st, lwm2m_v_int(state));
    set_v(&d->tree, rs, lwm2m_v_int(result));
    if (uri)
        set_v(&d->tree, up, lwm2m_v_str(uri));
    if (!d->client.started)
        return;
    uint64_t now = clk_now(m->clk);
    if (st_changed)
        lwm2m_client_changed(&d->client, now, &st, &d->out);
    if (rs_changed)
        lwm2m_client_changed(&d->client, now, &rs, &d->out);
    run(d);
}

/* Values that live in NVM are written there before the write is answered
 * (issue 8's rule: OK or 2.04 only once it is on flash); a failed write
 * refuses the whole write. */
static uint8_t hook_write(void *ctx, uint16_t ssid, const lwm2m_list *values)
{
    lwm2m_mod *d = ctx;
    nvm *n = &d->m->nvm;
    int any = 0;
    for (size_t i = 0; i < values->len; i++) {
        const lwm2m_entry *e = &values->items[i];
        nvm_id id;
        if (persisted(&e->path, &id) < 0)
            continue;
        if (e->value.type == LWM2M_T_STRING) {
            char s[NVM_STR_MAX];
            size_t len = e->value.v.bytes.len < sizeof s - 1 ? e->value.v.bytes.len : sizeof s - 1;
            memcpy(s, e->value.v.bytes.p, len);
            s[len] = 0;
            if (id >= SET_LWM2M_BINDING && (strlen(s) == 0 || strlen(s) > 3))
                return COAP_BAD_REQUEST; /* U, UQ, S, SQ, US, UQS */
            nvm_set_str(n, id, s);
        } else {
            if (e->value.v.i < 0 || e->value.v.i > 0x7fffffff)
                return COAP_BAD_REQUEST;
            nvm_set(n, id, (long)e->value.v.i);
        }
        any = 1;
    }
    d->store_failed = 0;
    for (size_t i = 0; i < values->len; i++) { /* a new campaign (or none) */
        const lwm2m_entry *e = &values->items[i];
        if (e->path.depth == 3 && e->path.id[0] == 5 && e->path.id[2] == 1) {
            uint8_t code = ufota_uri_written(d->m, ssid, (const char *)e->value.v.bytes.p, e->value.v.bytes.len);
            if (code)
                return code;
        }
    }
    if (any && nvm_commit(n) < 0) {
        nvm_rollback(n);
        d->store_failed = 1;
        modem_trace_event(d->m, "lwm2m write not stored ssid=%u err=%d", ssid, n->last_error);
        return COAP_INTERNAL_SERVER_ERROR;
    }
    return 0;
}

static void reboot_cb(clk_timer *t)
{
    lwm2m_mod *d = t->data;
    modem_trace_event(d->m, "lwm2m reboot requested by server");
    modem_reboot(d->m, d->m->dev.timing[TIM_REBOOT]);
}

static uint8_t hook_execute(void *ctx, uint16_t ssid, const lwm2m_path *p, const uint8_t *args, size_t n)
{
    lwm2m_mod *d = ctx;
    (void)args;
    (void)n;
    char ps[LWM2M_PATH_STR_MAX];
    lwm2m_path_format(p, ps);
    modem_trace_event(d->m, "lwm2m execute ssid=%u path=%s", ssid, ps);
    if (p->id[0] == 3 && p->id[2] == 4) {
        clk_timer_start(d->m->clk, &d->reboot_timer, d->m->dev.timing[TIM_LWM2M_REBOOT]);
        return COAP_CHANGED;
    }
    if (p->id[0] == 3 && p->id[2] == 12) {
        set_v(&d->tree, lwm2m_path_oiri(3, 0, 11, 0), lwm2m_v_int(0));
        return COAP_CHANGED;
    }
    if (p->id[0] == 7 && (p->id[2] == 6 || p->id[2] == 7))
        return COAP_CHANGED;
    if (p->id[0] == 5 && p->id[2] == 2)
        return ufota_execute_update(d->m, ssid);
    /* /5/0/2 Update belongs to the firmware-update object's state machine
     * (uFOTA); /3/0/5 Factory Reset is not offered. */
    return COAP_METHOD_NOT_ALLOWED;
}

/* ---- transport ---- */

static lwm2m_conn *conn_of(lwm2m_mod *d, uint16_t ssid)
{
    for (size_t i = 0; i < LWM2M_MAX_SERVERS; i++)
        if (d->client.srv[i].used && d->client.srv[i].ssid == ssid)
            return &d->conn[i];
    return NULL;
}

static void conn_timer_stop(lwm2m_conn *c) { clk_timer_stop(c->mod->m->clk, &c->dtls_timer); }

/* Close without a word (or with a close_notify when polite). */
static void conn_close(lwm2m_conn *c, int polite)
{
    modem *m = c->mod->m;
    if (c->dns)
        ip_resolve_cancel(m, c->dns);
    c->dns = 0;
    if (c->dtls) {
        if (polite && c->ep && dtls_state_of(c->dtls) == DTLS_CONNECTED) {
            uint8_t buf[DTLS_MTU_MAX];
            dtls_close(c->dtls, clk_now(m->clk));
            int n;
            while ((n = dtls_take_datagram(c->dtls, buf, sizeof buf)) > 0)
                ip_udp_sendto(c->ep, c->peer, buf, (size_t)n);
        }
        dtls_session_free(c->dtls);
        c->dtls = NULL;
    }
    conn_timer_stop(c);
    if (c->ep)
        ip_ep_close(c->ep, 0);
    c->ep = NULL;
    c->state = LC_IDLE;
}

static void conn_failed(lwm2m_conn *c, int err)
{
    lwm2m_mod *d = c->mod;
    modem_trace_event(d->m, "lwm2m transport failed ssid=%u err=%d", c->ssid, err);
    conn_close(c, 0);
    lwm2m_client_transport_failed(&d->client, clk_now(d->m->clk), c->ssid, err, &d->out);
}

static void conn_up(lwm2m_conn *c)
{
    lwm2m_mod *d = c->mod;
    c->state = LC_UP;
    modem_trace_event(d->m, "lwm2m transport up ssid=%u%s%s", c->ssid, c->dtls ? " cipher=" : "",
                      c->dtls ? dtls_cipher(c->dtls) : "");
    lwm2m_client_transport_up(&d->client, clk_now(d->m->clk), c->ssid, &d->out);
}

static void dtls_service(lwm2m_conn *c);

static void dtls_timer_cb(clk_timer *t)
{
    lwm2m_conn *c = t->data;
    if (!c->dtls)
        return;
    dtls_tick(c->dtls, clk_now(c->mod->m->clk));
    dtls_service(c);
    run(c->mod);
}

/* Everything a DTLS session produced: records to send, plaintext for the
 * client, its events; then its timer. */
static void dtls_service(lwm2m_conn *c)
{
    lwm2m_mod *d = c->mod;
    modem *m = d->m;
    uint8_t buf[DTLS_MTU_MAX];
    int n;
    while (c->dtls && (n = dtls_take_datagram(c->dtls, buf, sizeof buf)) > 0)
        ip_udp_sendto(c->ep, c->peer, buf, (size_t)n);
    while (c->dtls && (n = dtls_take_plaintext(c->dtls, buf, sizeof buf)) > 0)
        lwm2m_client_feed(&d->client, clk_now(m->clk), c->ssid, buf, (size_t)n, &d->out);
    dtls_event ev;
    while (c->dtls && dtls_take_event(c->dtls, &ev)) {
        if (ev.kind == DTLS_EV_CONNECTED) {
            conn_up(c);
        } else {
            int err = ev.reason == DTLS_R_TIMEOUT ? -ETIMEDOUT : -ECONNREFUSED;
            modem_trace_event(m, "lwm2m dtls ssid=%u %s reason=%s", c->ssid, dtls_event_name(ev.kind),
                              dtls_reason_name(ev.reason));
            conn_failed(c, err);
            return;
        }
    }
    if (!c->dtls)
        return;
    uint64_t due = dtls_next_deadline(c->dtls);
    if (due == DTLS_NEVER)
        conn_timer_stop(c);
    else
        clk_timer_start_at(m->clk, &c->dtls_timer, due);
}

static void on_readable(void *ctx, ip_ep *e)
{
    lwm2m_conn *c = ctx;
    lwm2m_mod *d = c->mod;
    uint8_t buf[UDP_BUF];
    net_addr src;
    while (c->ep == e && ip_udp_peek(e, &src)) {
        size_t n = ip_udp_recv(e, buf, sizeof buf, &src);
        if (n > sizeof buf || src.ip != c->peer.ip || src.port != c->peer.port)
            continue; /* not from our server: dropped, as a connected UDP socket does */
        uint64_t now = clk_now(d->m->clk);
        if (c->dtls) {
            dtls_feed(c->dtls, now, buf, n);
            dtls_service(c);
        } else if (c->state == LC_UP) {
            lwm2m_client_feed(&d->client, now, c->ssid, buf, n, &d->out);
        }
    }
    run(d);
}

static void on_closed(void *ctx, ip_ep *e, int err)
{
    lwm2m_conn *c = ctx;
    if (c->ep != e)
        return;
    conn_failed(c, err ? err : -ENETDOWN);
    run(c->mod);
}

static void conn_udp(lwm2m_conn *c)
{
    lwm2m_mod *d = c->mod;
    modem *m = d->m;
    ip_ep_cb cb = { NULL, on_readable, on_closed, NULL, NULL, c };
    int rc = ip_udp_open(m, IP_USER_MODULE, 0, &cb, &c->ep);
    if (rc < 0) {
        c->ep = NULL;
        conn_failed(c, rc);
        return;
    }
    char addr[16];
    modem_trace_event(m, "lwm2m connect ssid=%u addr=%s port=%u%s", c->ssid, ip4_format(c->peer.ip, addr),
                      c->peer.port, c->secure ? " dtls" : "");
    if (!c->secure) {
        conn_up(c);
        return;
    }
    char id[DEV_LWM2M_PSK_ID_MAX];
    uint8_t key[DEV_LWM2M_PSK_KEY_MAX];
    size_t klen = 0;
    server_psk(m, c->ssid, id, sizeof id, key, &klen);
    rc = dtls_session_create(&c->dtls, DTLS_CLIENT, id, key, klen, NULL);
    if (rc < 0) {
        c->dtls = NULL;
        conn_failed(c, rc);
        return;
    }
    c->state = LC_HANDSHAKE;
    dtls_tick(c->dtls, clk_now(m->clk));
    dtls_service(c);
}

static void on_resolved(void *ctx, int err, ip4 addr)
{
    lwm2m_conn *c = ctx;
    c->dns = 0;
    if (err < 0) {
        conn_failed(c, err);
    } else {
        c->peer.ip = addr;
        conn_udp(c);
    }
    run(c->mod);
}

/* "coap[s]://host[:port][/...]": 0 or -EINVAL. */
static int parse_uri(const char *uri, lwm2m_conn *c)
{
    const char *p;
    if (!strncmp(uri, "coaps://", 8)) {
        c->secure = 1;
        p = uri + 8;
        c->port = 5684;
    } else if (!strncmp(uri, "coap://", 7)) {
        c->secure = 0;
        p = uri + 7;
        c->port = 5683;
    } else {
        return -EINVAL;
    }
    size_t hl = strcspn(p, ":/");
    if (hl == 0 || hl >= sizeof c->host)
        return -EINVAL;
    memcpy(c->host, p, hl);
    c->host[hl] = 0;
    if (p[hl] == ':') {
        char *end;
        unsigned long port = strtoul(p + hl + 1, &end, 10);
        if (end == p + hl + 1 || port == 0 || port > 65535 || (*end && *end != '/'))
            return -EINVAL;
        c->port = (uint16_t)port;
    }
    return 0;
}

/* App note §3.1.1: the key comes from the root of trust the first time the
 * client registers, and only if the secure data suite is on (+USECMODE 1);
 * resetting or re-enabling the client forgets it. */
static int psk_available(lwm2m_mod *d)
{
    nvm *n = &d->m->nvm;
    if (nvm_get(n, SET_LWM2M_PSK))
        return 1;
    if (nvm_get(n, SET_USECMODE) != 1)
        return 0;
    nvm_set(n, SET_LWM2M_PSK, 1);
    if (nvm_commit(n) < 0)
        nvm_rollback(n); /* kept for this boot; provisioned again next time */
    return 1;
}

static void conn_open(lwm2m_mod *d, uint16_t ssid)
{
    modem *m = d->m;
    lwm2m_conn *c = conn_of(d, ssid);
    if (!c)
        return;
    conn_close(c, 0);
    memset(c, 0, sizeof *c);
    c->mod = d;
    c->ssid = ssid;
    clk_timer_init(&c->dtls_timer, dtls_timer_cb, c);
    const lwm2m_server *s = lwm2m_client_server(&d->client, ssid);
    char uri[DEV_LWM2M_URI_MAX];
    lwm2m_path up = lwm2m_path_oir(0, s->sec_inst, 0);
    lwm2m_tree_get_str(&d->tree, &up, uri, sizeof uri);
    if (parse_uri(uri, c) < 0) {
        conn_failed(c, -EINVAL);
        return;
    }
    if (c->secure && !psk_available(d)) {
        modem_trace_event(m, "lwm2m no psk ssid=%u usecmode=0", ssid);
        conn_failed(c, -EACCES);
        return;
    }
    ip4 a;
    if (ip4_parse(c->host, &a) == 0) {
        c->peer.ip = a;
        c->peer.port = c->port;
        conn_udp(c);
        return;
    }
    c->peer.port = c->port;
    c->state = LC_RESOLVING;
    c->dns = ip_resolve(m, IP_USER_MODULE, c->host, on_resolved, c);
    if (!c->dns)
        conn_failed(c, -ENETDOWN);
}

static void conn_send(lwm2m_mod *d, uint16_t ssid, const uint8_t *p, size_t n)
{
    lwm2m_conn *c = conn_of(d, ssid);
    if (!c || c->state != LC_UP)
        return;
    if (c->dtls) {
        dtls_send(c->dtls, clk_now(d->m->clk), p, n);
        dtls_service(c);
    } else {
        ip_udp_sendto(c->ep, c->peer, p, n);
    }
}

/* ---- what the client asks for ---- */

static void lwm2m_urc(lwm2m_mod *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void lwm2m_urc(lwm2m_mod *d, const char *fmt, ...)
{
    if (d->stopping || nvm_get(&d->m->nvm, SET_ULWM2MSTAT) != 1)
        return;
    char buf[128];
    va_list ap;
    va_start(ap, fmt);
    modem_vformat(buf, sizeof buf, fmt, ap);
    va_end(ap);
    modem_urc(d->m, "%s", buf);
}

static void handle_act(lwm2m_mod *d, const lwm2m_act *a)
{
    modem *m = d->m;
    char p[LWM2M_PATH_STR_MAX];
    switch (a->kind) {
    case LWM2M_ACT_CONNECT:
        if (!d->stopping)
            conn_open(d, a->ssid);
        break;
    case LWM2M_ACT_SEND:
        if (!d->stopping)
            conn_send(d, a->ssid, lwm2m_out_data(&d->out, a), a->len);
        break;
    case LWM2M_ACT_DISCONNECT: {
        lwm2m_conn *c = conn_of(d, a->ssid);
        if (c)
            conn_close(c, !d->stopping);
        break;
    }
    case LWM2M_ACT_REG_STATUS:
        modem_trace_event(m, "lwm2m reg ssid=%u status=%d %s", a->ssid, a->value,
                          lwm2m_reg_status_name((lwm2m_reg_status)a->value));
        lwm2m_urc(d, "+ULWM2MSTAT: 1,%u,%d", a->ssid, a->value);
        break;
    case LWM2M_ACT_NEXT_UPDATE:
        lwm2m_urc(d, "+ULWM2MSTAT: 2,%u,%d", a->ssid, a->value);
        break;
    case LWM2M_ACT_NOTIFIED:
        lwm2m_path_format(&a->path, p);
        modem_trace_event(m, "lwm2m notify ssid=%u path=%s", a->ssid, p);
        lwm2m_urc(d, "+ULWM2MSTAT: 3,%u,\"%s/\"", a->ssid, p);
        break;
    case LWM2M_ACT_CLIENT_STATE:
        modem_trace_event(m, "lwm2m client state=%d", a->value);
        lwm2m_urc(d, "+ULWM2MSTAT: 4,%d", a->value);
        break;
    case LWM2M_ACT_WRITTEN:
        lwm2m_path_format(&a->path, p);
        modem_trace_event(m, "lwm2m written ssid=%u path=%s", a->ssid, p);
        break;
    }
}

static void rearm(lwm2m_mod *d)
{
    uint64_t due = lwm2m_client_next_deadline(&d->client);
    if (due == LWM2M_NEVER)
        clk_timer_stop(d->m->clk, &d->timer);
    else
        clk_timer_start_at(d->m->clk, &d->timer, due);
}

/* Acts may add acts (a send that completes a handshake, a failure): the
 * outermost call drains them all, in order. */
static void run(lwm2m_mod *d)
{
    if (d->running)
        return;
    d->running = 1;
    for (size_t i = 0; i < d->out.nact; i++) {
        lwm2m_act a = d->out.act[i];
        handle_act(d, &a);
    }
    lwm2m_out_clear(&d->out);
    d->running = 0;
    rearm(d);
}

void lwm2m_mod_run(modem *m) { run(m->lwm2m); }

static void timer_cb(clk_timer *t)
{
    lwm2m_mod *d = t->data;
    lwm2m_client_tick(&d->client, clk_now(d->m->clk), &d->out);
    run(d);
}

/* ---- lifecycle ---- */

static int profile_enabled(const modem *m, long prof)
{
    for (int i = 0; i < m->dev.lwm2m.nprofiles; i++)
        if (m->dev.lwm2m.profiles[i] == prof)
            return 1;
    return 0;
}

static void client_start_if_ready(lwm2m_mod *d)
{
    if (!d->started || d->client.started || ip_bearer_ready(d->m, IP_USER_MODULE) != 0)
        return;
    lwm2m_client_start(&d->client, clk_now(d->m->clk), &d->out);
    run(d);
    ufota_bearer_up(d->m);
}

static void start_cb(clk_timer *t)
{
    lwm2m_mod *d = t->data;
    d->started = 1;
    modem_trace_event(d->m, "lwm2m client started");
    ufota_client_started(d->m);
    client_start_if_ready(d);
}

int lwm2m_mod_init(modem *m)
{
    lwm2m_mod *d = calloc(1, sizeof *d);
    if (!d)
        return -ENOMEM;
    d->m = m;
    lwm2m_tree_init(&d->tree);
    lwm2m_out_init(&d->out);
    clk_timer_init(&d->timer, timer_cb, d);
    clk_timer_init(&d->start_timer, start_cb, d);
    clk_timer_init(&d->reboot_timer, reboot_cb, d);
    for (size_t i = 0; i < LWM2M_MAX_SERVERS; i++) {
        d->conn[i].mod = d;
        clk_timer_init(&d->conn[i].dtls_timer, dtls_timer_cb, &d->conn[i]);
    }
    lwm2m_client_init(&d->client, NULL, &d->tree, NULL);
    m->lwm2m = d;
    return 0;
}

void lwm2m_mod_stop(modem *m)
{
    lwm2m_mod *d = m->lwm2m;
    if (!d)
        return;
    d->stopping = 1;
    clk_timer_stop(m->clk, &d->timer);
    clk_timer_stop(m->clk, &d->start_timer);
    clk_timer_stop(m->clk, &d->reboot_timer);
    if (d->client.started)
        lwm2m_client_stop(&d->client, clk_now(m->clk), &d->out);
    run(d);
    for (size_t i = 0; i < LWM2M_MAX_SERVERS; i++)
        conn_close(&d->conn[i], 0);
    clk_timer_stop(m->clk, &d->timer);
    d->started = 0;
    d->stopping = 0;
}

void lwm2m_mod_free(modem *m)
{
    lwm2m_mod *d = m->lwm2m;
    if (!d)
        return;
    lwm2m_mod_stop(m);
    lwm2m_client_free(&d->client);
    lwm2m_tree_free(&d->tree);
    lwm2m_out_free(&d->out);
    free(d);
    m->lwm2m = NULL;
}

static uint64_t seed_of(const modem *m)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a of the IMEI and the boot count */
    for (const char *p = m->dev.imei; *p; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211ull;
    return h ^ m->boots;
}

void lwm2m_mod_boot(modem *m)
{
    lwm2m_mod *d = m->lwm2m;
    lwm2m_mod_stop(m);
    long prof = nvm_get(&m->nvm, SET_MNO);
    d->enabled = nvm_get(&m->nvm, SET_ULWM2M) == 0 && profile_enabled(m, prof);
    d->verizon = prof == 3;
    lwm2m_client_free(&d->client);
    lwm2m_tree_free(&d->tree);
    lwm2m_tree_init(&d->tree);
    build_tree(d);
    lwm2m_client_config cfg;
    lwm2m_client_config_default(&cfg);
    snprintf(cfg.endpoint, sizeof cfg.endpoint, "urn:imei:%s", m->dev.imei);
    cfg.seed = seed_of(m);
    lwm2m_client_hooks hooks = { hook_before_read, hook_write, hook_execute, d };
    lwm2m_client_init(&d->client, &cfg, &d->tree, &hooks);
    modem_trace_event(m, "lwm2m boot enabled=%d profile=%ld", d->enabled, prof);
    if (d->enabled)
        clk_timer_start(m->clk, &d->start_timer, m->dev.timing[TIM_LWM2M_START]);
}

void lwm2m_mod_attached(modem *m)
{
    if (m->lwm2m)
        client_start_if_ready(m->lwm2m);
}

/* Detached (+COPS=2, +CFUN=0/4, no SIM): the client stops and starts over
 * at the next attach, as a SARA-R410M shows (+ULWM2MSTAT: 4,0 on +COPS=2). */
void lwm2m_mod_detached(modem *m)
{
    lwm2m_mod *d = m->lwm2m;
    if (!d || !d->client.started)
        return;
    lwm2m_client_stop(&d->client, clk_now(m->clk), &d->out);
    run(d);
}

int lwm2m_mod_started(const modem *m) { return m->lwm2m && m->lwm2m->started; }

void lwm2m_mod_state_json(const modem *m, cJSON *obj)
{
    const lwm2m_mod *d = m->lwm2m;
    if (!d)
        return;
    cJSON_AddBoolToObject(obj, "enabled", d->enabled);
    cJSON_AddBoolToObject(obj, "started", d->started);
    cJSON_AddNumberToObject(obj, "client_state", d->client.state);
    /* A client with a server session holds the radio: the module does not
     * enter power saving while it talks (ubxlib's power tests disable it). */
    int active = 0;
    cJSON *arr = cJSON_AddArrayToObject(obj, "servers");
    for (size_t i = 0; i < LWM2M_MAX_SERVERS; i++) {
        const lwm2m_server *s = &d->client.srv[i];
        if (!s->used)
            continue;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "ssid", s->ssid);
        cJSON_AddNumberToObject(o, "status", s->status);
        cJSON_AddStringToObject(o, "location", s->location);
        cJSON_AddNumberToObject(o, "secs_to_update",
                                (double)lwm2m_client_secs_to_update(&d->client, clk_now(m->clk), s->ssid));
        cJSON_AddItemToArray(arr, o);
        active |= s->phase != LWM2M_PH_IDLE;
    }
    cJSON_AddBoolToObject(obj, "holds_power_saving", d->client.started && active);
}
