/* net.c - registration state machine of the simulated network. */
#include "net.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "modem_int.h"

static void reg_timer_cb(clk_timer *t);
static void psd_timer_cb(clk_timer *t);
static void rrc_timer_cb(clk_timer *t);

void net_init(net *n, modem *m)
{
    memset(n, 0, sizeof(*n));
    clk_timer_init(&n->reg_timer, reg_timer_cb, m);
    clk_timer_init(&n->psd_timer, psd_timer_cb, m);
    clk_timer_init(&n->rrc_timer, rrc_timer_cb, m);
    celltime_init(&n->celltime, m);
}

void net_stop(modem *m)
{
    net *n = &m->net;
    ip_stop(m);
    clk_timer_stop(m->clk, &n->reg_timer);
    clk_timer_stop(m->clk, &n->psd_timer);
    clk_timer_stop(m->clk, &n->rrc_timer);
    n->rrc_connected = 0;
    celltime_stop(m);
    n->cfun = 0;
    n->stat = REG_NONE;
    n->attached = 0;
    n->psd_active = 0;
    memset(n->pdp_active, 0, sizeof(n->pdp_active));
}

int net_registered(const modem *m)
{
    return m->net.stat == REG_HOME || m->net.stat == REG_ROAMING;
}

static int reg_n(const modem *m, reg_kind k)
{
    static const nvm_id ids[] = { SET_CREG, SET_CGREG, SET_CEREG };
    return (int)nvm_get(&m->nvm, ids[k]);
}

void net_format_reg(const modem *m, reg_kind k, int read_form, char *buf, size_t size)
{
    static const char *const names[] = { "+CREG", "+CGREG", "+CEREG" };
    int n = reg_n(m, k);
    int stat = m->net.stat;
    int len = read_form ? snprintf(buf, size, "%s: %d,%d", names[k], n, stat)
                        : snprintf(buf, size, "%s: %d", names[k], stat);
    int denied = stat == REG_DENIED && m->net.reject_cause;
    if (n < 2 || !(net_registered(m) || denied) || len < 0 || (size_t)len >= size)
        return;
    if (denied) { /* the cell that refused, and for <n> >= 3 the EMM cause */
        char cause[24] = "";
        if (k == REG_CEREG && n >= 3)
            snprintf(cause, sizeof(cause), ",0,%d", m->net.reject_cause);
        snprintf(buf + len, size - (size_t)len, ",\"%s\",\"%s\",%d%s", NET_TAC, NET_CI,
                 m->net.boot_rat == 8 ? 9 : 7, cause);
        return;
    }
    const char *rest = "";
    char tail[64] = "";
    if (k == REG_CGREG)
        rest = ",\"01\""; /* <rac> */
    if (k == REG_CEREG && n >= 4 && nvm_get(&m->nvm, SET_CPSMS_MODE) == 1) {
        snprintf(tail, sizeof(tail), ",,,\"%s\",\"%s\"", nvm_get_str(&m->nvm, SET_CPSMS_ACTIVE),
                 nvm_get_str(&m->nvm, SET_CPSMS_TAU));
        rest = tail;
    }
    snprintf(buf + len, size - (size_t)len, ",\"%s\",\"%s\",%d%s", NET_TAC, NET_CI, m->net.act, rest);
}

static void emit_reg_urcs(modem *m)
{
    char buf[128];
    for (reg_kind k = REG_CREG; k <= REG_CEREG; k++) {
        if (reg_n(m, k) == 0)
            continue;
        net_format_reg(m, k, 0, buf, sizeof(buf));
        modem_urc(m, "%s", buf);
    }
}

static void set_stat(modem *m, int stat)
{
    if (m->net.stat == stat)
        return;
    m->net.stat = stat;
    modem_trace_event(m, "net stat=%d", stat);
    emit_reg_urcs(m);
}

static void cgev(modem *m, const char *what, int cid)
{
    if (nvm_get(&m->nvm, SET_CGEREP) >= 1)
        modem_urc(m, "+CGEV: %s %d", what, cid);
}

static void detach(modem *m)
{
    net *n = &m->net;
    if (n->psd_active) {
        n->psd_active = 0;
        ip_bearer_down(m, IP_USER_HOST);
        modem_urc(m, "+UUPSDD: 0");
    }
    ip_bearer_down(m, IP_USER_MODULE);
    ufota_detached(m);
    lwm2m_mod_detached(m);
    for (int cid = 0; cid <= NET_MAX_CID; cid++) {
        if (n->pdp_active[cid]) {
            n->pdp_active[cid] = 0;
            cgev(m, "ME PDN DEACT", cid);
        }
    }
    n->attached = 0;
}

static int can_register(const modem *m)
{
    return m->net.cfun == 1 && modem_sim_ready(m) && !m->net.lost &&
           nvm_get(&m->nvm, SET_COPS_MODE) != 2;
}

void net_update(modem *m)
{
    net *n = &m->net;
    if (m->power != MODEM_READY)
        return;
    if (!can_register(m)) {
        clk_timer_stop(m->clk, &n->reg_timer);
        int searching = n->cfun == 1 && modem_sim_ready(m) && n->lost &&
                        nvm_get(&m->nvm, SET_COPS_MODE) != 2;
        /* Out of coverage the EPS contexts stay (the UE searches and comes
         * back with a tracking area update): traffic stalls, sockets live.
         * Radio off, +COPS=2 or no SIM detach. */
        if (!searching && (net_registered(m) || n->attached))
            detach(m);
        set_stat(m, searching ? REG_SEARCHING : REG_NONE);
        return;
    }
    if (net_registered(m))
        return;
    set_stat(m, REG_SEARCHING);
    if (!clk_timer_armed(&n->reg_timer))
        clk_timer_start(m->clk, &n->reg_timer, m->dev.timing[TIM_REGISTRATION]);
}

/* The network refuses an attach whose default bearer asks for an APN it
 * does not serve: EMM cause #19 "ESM failure" (the PDN connectivity reject,
 * ESM cause #27 "missing or unknown APN", rides inside it). */
static int apn_rejected(const modem *m)
{
    const char *apn = nvm_get_str(&m->nvm, SET_PDP_APN + 1);
    for (int i = 0; i < m->dev.nreject_apns; i++)
        if (!strcasecmp(apn, m->dev.reject_apns[i]))
            return 1;
    return 0;
}

static void reg_timer_cb(clk_timer *t)
{
    modem *m = t->data;
    net *n = &m->net;
    if (!can_register(m))
        return;
    if (apn_rejected(m)) {
        n->reject_cause = 19;
        n->ceer_esm = 27;
        modem_trace_event(m, "net attach rejected emm_cause=19 esm_cause=27");
        set_stat(m, REG_DENIED);
        return;
    }
    n->reject_cause = 0;
    n->act = n->boot_rat == 8 ? 9 : 7;
    n->attached = 1;
    /* An LTE attach brings up the default bearer on cid 1. */
    set_stat(m, REG_HOME);
    if (n->pdp_active[1])
        return; /* back in coverage: the bearer never went */
    n->pdp_active[1] = 1;
    ip_counters_new_session(m);
    cgev(m, "ME PDN ACT", 1);
    lwm2m_mod_attached(m);
}

void net_boot(modem *m)
{
    net *n = &m->net;
    n->cfun = 1;
    n->stat = REG_NONE;
    n->boot_rat = nvm_get_str(&m->nvm, SET_URAT)[0] == '8' ? 8 : 7;
    net_update(m);
}

void net_set_cfun(modem *m, int fun)
{
    m->net.cfun = fun;
    net_update(m);
}

void net_set_signal(modem *m, int lost, int rsrp_dbm)
{
    m->net.lost = lost;
    if (!lost && rsrp_dbm)
        m->net.rsrp_dbm = rsrp_dbm;
    modem_trace_event(m, "signal %s rsrp=%d", lost ? "lost" : "present", m->net.rsrp_dbm);
    ip_coverage_changed(m);
    ufota_coverage_changed(m);
    net_update(m);
}

const char *net_pdp_addr(const modem *m, int cid, char *buf, size_t size)
{
    if (cid < 0 || cid > NET_MAX_CID || !m->net.pdp_active[cid]) {
        snprintf(buf, size, "%s", "");
        return buf;
    }
    snprintf(buf, size, "10.%d.%d.%d", 160 + cid, (int)(m->boots % 200) + 1, 17 + cid);
    return buf;
}

int net_set_attach(modem *m, int on)
{
    net *n = &m->net;
    if (!on) {
        if (n->attached)
            detach(m);
        return 0;
    }
    if (!net_registered(m))
        return -1;
    if (!n->attached) {
        n->attached = 1;
        n->pdp_active[1] = 1;
        cgev(m, "ME PDN ACT", 1);
    }
    return 0;
}

int net_set_pdp(modem *m, int cid, int on)
{
    net *n = &m->net;
    if (cid < 0 || cid > NET_MAX_CID)
        return -1;
    if (on && !n->attached)
        return -1;
    if (n->pdp_active[cid] != on) {
        n->pdp_active[cid] = on;
        cgev(m, on ? "ME PDN ACT" : "ME PDN DEACT", cid);
    }
    return 0;
}

/* +UPSDA answers with a URC a moment after OK, as the module does. */
int net_psd_activate(modem *m)
{
    clk_timer_start(m->clk, &m->net.psd_timer, m->dev.timing[TIM_UPSDA]);
    return 0;
}

static void psd_timer_cb(clk_timer *t)
{
    modem *m = t->data;
    net *n = &m->net;
    int cid = m->upsd[0].cid;
    char ip[32];
    if (n->attached && cid >= 0 && cid <= NET_MAX_CID && n->pdp_active[cid]) {
        n->psd_active = 1;
        modem_urc(m, "+UUPSDA: 0,\"%s\"", net_pdp_addr(m, cid, ip, sizeof(ip)));
    } else {
        n->ceer_cause = 1;
        modem_urc(m, "+UUPSDA: 1");
    }
}

int net_psd_deactivate(modem *m)
{
    if (!m->net.psd_active)
        return -1;
    m->net.psd_active = 0;
    ip_bearer_down(m, IP_USER_HOST);
    modem_urc(m, "+UUPSDD: 0");
    return 0;
}

/* RRC: any packet on the link keeps the connection up; the network
 * releases it after rrc_inactivity without traffic (+CSCON). */
static void rrc_timer_cb(clk_timer *t)
{
    modem *m = t->data;
    m->net.rrc_connected = 0;
    modem_trace_event(m, "net rrc=0");
    if (nvm_get(&m->nvm, SET_CSCON))
        modem_urc(m, "+CSCON: 0");
}

void net_traffic(modem *m)
{
    net *n = &m->net;
    clk_timer_start(m->clk, &n->rrc_timer, m->dev.timing[TIM_RRC_INACTIVITY]);
    if (n->rrc_connected)
        return;
    n->rrc_connected = 1;
    modem_trace_event(m, "net rrc=1");
    if (nvm_get(&m->nvm, SET_CSCON))
        modem_urc(m, "+CSCON: 1");
}
