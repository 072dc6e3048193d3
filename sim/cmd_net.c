/* cmd_net.c - network service and packet domain commands (fact sheet §2.2,
 * §3.1; ubxlib's connect sequence). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../protocol/cme.h"
#include "modem_int.h"

/* ---- +COPS ---- */

static void oper_name(const modem *m, int format, char *buf, size_t size)
{
    if (format == 2)
        snprintf(buf, size, "%s", m->dev.plmn);
    else
        snprintf(buf, size, "%s", m->dev.oper_name);
}

static int cops_test_done(cmd_ctx *x)
{
    const modem *m = x->m;
    if (m->net.cfun != 1)
        return AT_CME(CME_NOT_ALLOWED);
    int stat = m->net.lost ? -1 : net_registered(m) ? 2 : 1;
    if (stat < 0)
        cmd_info(x, "+COPS: ,,(0-4),(0-2)");
    else
        cmd_info(x, "+COPS: (%d,\"%s\",\"%s\",\"%s\",%d),,(0-4),(0-2)", stat, m->dev.oper_name,
                 m->dev.oper_name, m->dev.plmn, m->net.boot_rat == 8 ? 9 : 7);
    return AT_OK;
}

static int cmd_COPS(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    modem *m = x->m;
    nvm *n = &m->nvm;
    char name[32];
    long mode, format = -1;
    const char *oper = NULL;
    switch (c->type) {
    case AT_READ:
        if (!net_registered(m)) {
            cmd_info(x, "+COPS: %ld", nvm_get(n, SET_COPS_MODE));
            return AT_OK;
        }
        oper_name(m, (int)nvm_get(n, SET_COPS_FORMAT), name, sizeof(name));
        cmd_info(x, "+COPS: %ld,%ld,\"%s\",%d", nvm_get(n, SET_COPS_MODE), nvm_get(n, SET_COPS_FORMAT),
                 name, m->net.act);
        return AT_OK;
    case AT_TEST:
        /* A network scan takes a while on the module. */
        return cmd_defer(x, m->dev.timing[TIM_COPS_SCAN], cops_test_done);
    case AT_SET: break;
    default: return AT_ERROR;
    }
    if (c->nargs > 4 || at_arg_int(c, 0, &mode, 0, 4) != 0 || at_arg_int(c, 1, &format, 0, 2) < 0 ||
        at_arg_str(c, 2, &oper, 24) < 0)
        return CMD_BAD_PARAM;
    if (format >= 0)
        nvm_set(n, SET_COPS_FORMAT, format);
    if (mode == 3)
        return format >= 0 ? AT_OK : CMD_BAD_PARAM;
    if (mode == 1 || mode == 4) {
        if (!oper)
            return CMD_BAD_PARAM;
        if (strcmp(oper, m->dev.plmn) != 0 && strcmp(oper, m->dev.oper_name) != 0 && mode == 1)
            return AT_CME(CME_NO_NETWORK);
    }
    nvm_set(n, SET_COPS_MODE, mode == 4 ? 0 : mode);
    net_update(m);
    return AT_OK;
}

/* ---- +CREG / +CGREG / +CEREG ---- */

static int reg_cmd(cmd_ctx *x, reg_kind k, nvm_id id, long max)
{
    char buf[160];
    if (x->cmd->type == AT_READ) {
        net_format_reg(x->m, k, 1, buf, sizeof(buf));
        cmd_info(x, "%s", buf);
        return AT_OK;
    }
    if (x->cmd->type == AT_EXEC) { /* same as <n>=0 */
        nvm_set(&x->m->nvm, id, 0);
        return AT_OK;
    }
    snprintf(buf, sizeof(buf), "(0-%ld)", max);
    return cmd_int_setting(x, id, 0, max, buf);
}

static int cmd_CREG(cmd_ctx *x) { return reg_cmd(x, REG_CREG, SET_CREG, 2); }
static int cmd_CGREG(cmd_ctx *x) { return reg_cmd(x, REG_CGREG, SET_CGREG, 2); }
static int cmd_CEREG(cmd_ctx *x) { return reg_cmd(x, REG_CEREG, SET_CEREG, 5); }

/* ---- signal: +CSQ, +CESQ, +UCGED ---- */

static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* 3GPP TS 27.007 +CESQ indices. */
static int rsrp_index(int dbm) { return clampi(dbm + 141, 0, 97); }
static int rsrq_index(int db) { return clampi((int)((db + 20) * 2), 0, 34); }

static int have_cell(const modem *m) { return m->net.cfun == 1 && !m->net.lost && net_registered(m); }

static int cmd_CSQ(cmd_ctx *x)
{
    if (x->cmd->type == AT_TEST) {
        cmd_info(x, "+CSQ: (0-31,99),(0-7,99)");
        return AT_OK;
    }
    if (x->cmd->type != AT_EXEC)
        return AT_ERROR;
    if (!have_cell(x->m)) {
        cmd_info(x, "+CSQ: 99,99");
        return AT_OK;
    }
    /* RSSI over the 6 resource blocks of a Cat-M1 narrowband ~ RSRP + 19 dB. */
    int rssi = x->m->net.rsrp_dbm + 19;
    cmd_info(x, "+CSQ: %d,99", clampi((rssi + 113) / 2, 0, 31));
    return AT_OK;
}

static int cmd_CESQ(cmd_ctx *x)
{
    if (x->cmd->type == AT_TEST) {
        cmd_info(x, "+CESQ: (0-63,99),(0-7,99),(0-96,255),(0-49,255),(0-34,255),(0-97,255)");
        return AT_OK;
    }
    if (x->cmd->type != AT_EXEC)
        return AT_ERROR;
    if (!have_cell(x->m)) {
        cmd_info(x, "+CESQ: 99,99,255,255,255,255");
        return AT_OK;
    }
    cmd_info(x, "+CESQ: 99,99,255,255,%d,%d", rsrq_index(x->m->net.rsrq_db),
             rsrp_index(x->m->net.rsrp_dbm));
    return AT_OK;
}

static int cmd_UCGED(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    modem *m = x->m;
    long mode;
    if (c->type == AT_TEST) {
        cmd_info(x, "+UCGED: (0,2)");
        return AT_OK;
    }
    if (c->type == AT_SET) {
        if (c->nargs != 1 || at_arg_int(c, 0, &mode, 0, 2) != 0 || mode == 1)
            return CMD_BAD_PARAM;
        m->ucged_mode = (int)mode;
        return AT_OK;
    }
    if (c->type != AT_READ)
        return AT_ERROR;
    cmd_info(x, "+UCGED: %d", m->ucged_mode);
    if (m->ucged_mode != 2)
        return AT_OK;
    if (!have_cell(m)) {
        cmd_info(x, "6,0,%.3s,%s", m->dev.plmn, m->dev.plmn + 3);
        return AT_OK;
    }
    int rp = rsrp_index(m->net.rsrp_dbm), rq = rsrq_index(m->net.rsrq_db);
    cmd_info(x, "6,4,%.3s,%s", m->dev.plmn, m->dev.plmn + 3);
    cmd_info(x, "%d,%d,50,50,e8fe,1a2d001,%d,d60814d1,8001,01,%d,%d,13.75,3,1,10,%d,-50,-6,0,255,255,0",
             NET_EARFCN, NET_BAND, NET_PCI, rp, rq, rp);
    return AT_OK;
}

/* ---- PDP contexts: +CGDCONT, +CGACT, +CGATT, +CGPADDR, +CGEREP ---- */

static int pdp_defined(const modem *m, int cid)
{
    return nvm_get_str(&m->nvm, SET_PDP_TYPE + cid)[0] != 0;
}

static int valid_pdp_type(const char *t)
{
    return !strcmp(t, "IP") || !strcmp(t, "IPV6") || !strcmp(t, "IPV4V6") || !strcmp(t, "NONIP");
}

static int cmd_CGDCONT(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    modem *m = x->m;
    char ip[32];
    long cid;
    const char *type = NULL, *apn = NULL;
    switch (c->type) {
    case AT_READ:
        for (int i = 0; i <= NET_MAX_CID; i++) {
            if (!pdp_defined(m, i))
                continue;
            net_pdp_addr(m, i, ip, sizeof(ip));
            cmd_info(x, "+CGDCONT: %d,\"%s\",\"%s\",\"%s\",0,0,0,0,0,0,0,0,0,0", i,
                     nvm_get_str(&m->nvm, SET_PDP_TYPE + i), nvm_get_str(&m->nvm, SET_PDP_APN + i),
                     ip[0] ? ip : "0.0.0.0");
        }
        return AT_OK;
    case AT_TEST:
        cmd_info(x, "+CGDCONT: (0-10),\"IP\",,,(0),(0),(0-1),(0-3),(0-2),(0-1),(0-1),(0-1),(0-1),(0-1)");
        cmd_info(x, "+CGDCONT: (0-10),\"NONIP\",,,(0),(0),(0-1),(0-3),(0-2),(0-1),(0-1),(0-1),(0-1),(0-1)");
        cmd_info(x, "+CGDCONT: (0-10),\"IPV6\",,,(0),(0),(0-1),(0-3),(0-2),(0-1),(0-1),(0-1),(0-1),(0-1)");
        cmd_info(x, "+CGDCONT: (0-10),\"IPV4V6\",,,(0),(0),(0-1),(0-3),(0-2),(0-1),(0-1),(0-1),(0-1),(0-1)");
        return AT_OK;
    case AT_SET: break;
    default: return AT_ERROR;
    }
    if (at_arg_int(c, 0, &cid, 0, NET_MAX_CID) != 0 || at_arg_str(c, 1, &type, 8) < 0 ||
        at_arg_str(c, 2, &apn, 99) < 0)
        return CMD_BAD_PARAM;
    if (c->nargs == 1) { /* undefine */
        if (m->net.pdp_active[cid])
            return AT_CME(CME_NOT_ALLOWED);
        nvm_set_str(&m->nvm, SET_PDP_TYPE + (nvm_id)cid, "");
        nvm_set_str(&m->nvm, SET_PDP_APN + (nvm_id)cid, "");
        return AT_OK;
    }
    if (!type || !valid_pdp_type(type))
        return CMD_BAD_PARAM;
    nvm_set_str(&m->nvm, SET_PDP_TYPE + (nvm_id)cid, type);
    nvm_set_str(&m->nvm, SET_PDP_APN + (nvm_id)cid, apn ? apn : "");
    return AT_OK;
}

static int cmd_CGACT(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    modem *m = x->m;
    long state, cid;
    switch (c->type) {
    case AT_READ:
        for (int i = 0; i <= NET_MAX_CID; i++)
            if (pdp_defined(m, i))
                cmd_info(x, "+CGACT: %d,%d", i, m->net.pdp_active[i]);
        return AT_OK;
    case AT_TEST: cmd_info(x, "+CGACT: (0-1)"); return AT_OK;
    case AT_SET: break;
    default: return AT_ERROR;
    }
    if (at_arg_int(c, 0, &state, 0, 1) != 0)
        return CMD_BAD_PARAM;
    if (state && !net_registered(m))
        return AT_CME(CME_NO_NETWORK);
    if (state && !m->net.attached && net_set_attach(m, 1))
        return AT_CME(CME_NO_NETWORK);
    for (size_t i = 1; i < c->nargs; i++) {
        if (at_arg_int(c, i, &cid, 0, NET_MAX_CID) != 0 || !pdp_defined(m, (int)cid))
            return CMD_BAD_PARAM;
    }
    for (int i = 0; i <= NET_MAX_CID; i++) {
        int listed = c->nargs <= 1;
        for (size_t k = 1; k < c->nargs && !listed; k++)
            listed = at_arg_int(c, k, &cid, 0, NET_MAX_CID) == 0 && cid == i;
        if (listed && pdp_defined(m, i) && net_set_pdp(m, i, (int)state))
            return AT_CME(CME_NOT_ALLOWED);
    }
    return AT_OK;
}

static int cmd_CGATT(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    long state;
    switch (c->type) {
    case AT_READ: cmd_info(x, "+CGATT: %d", x->m->net.attached); return AT_OK;
    case AT_TEST: cmd_info(x, "+CGATT: (0-1)"); return AT_OK;
    case AT_SET: break;
    default: return AT_ERROR;
    }
    if (c->nargs != 1 || at_arg_int(c, 0, &state, 0, 1) != 0)
        return CMD_BAD_PARAM;
    if (net_set_attach(x->m, (int)state))
        return AT_CME(CME_NO_NETWORK);
    return AT_OK;
}

static int cmd_CGPADDR(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    modem *m = x->m;
    char ip[32];
    long cid;
    if (c->type == AT_TEST) {
        char list[64] = "";
        size_t len = 0;
        for (int i = 0; i <= NET_MAX_CID; i++)
            if (pdp_defined(m, i))
                len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%d", len ? "," : "", i);
        cmd_info(x, "+CGPADDR: (%s)", list);
        return AT_OK;
    }
    if (c->type == AT_EXEC) {
        for (int i = 0; i <= NET_MAX_CID; i++)
            if (pdp_defined(m, i))
                cmd_info(x, "+CGPADDR: %d,\"%s\"", i, net_pdp_addr(m, i, ip, sizeof(ip)));
        return AT_OK;
    }
    if (c->type != AT_SET)
        return AT_ERROR;
    for (size_t i = 0; i < c->nargs; i++) {
        if (at_arg_int(c, i, &cid, 0, NET_MAX_CID) != 0)
            return CMD_BAD_PARAM;
        cmd_info(x, "+CGPADDR: %ld,\"%s\"", cid, net_pdp_addr(m, (int)cid, ip, sizeof(ip)));
    }
    return AT_OK;
}

static int cmd_CGEREP(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    nvm *n = &x->m->nvm;
    long mode, bfr = 0;
    switch (c->type) {
    case AT_READ:
        cmd_info(x, "+CGEREP: %ld,%ld", nvm_get(n, SET_CGEREP), nvm_get(n, SET_CGEREP_BFR));
        return AT_OK;
    case AT_TEST: cmd_info(x, "+CGEREP: (0-2),(0-1)"); return AT_OK;
    case AT_SET: break;
    default: return AT_ERROR;
    }
    if (c->nargs > 2 || at_arg_int(c, 0, &mode, 0, 2) != 0 || at_arg_int(c, 1, &bfr, 0, 1) < 0)
        return CMD_BAD_PARAM;
    nvm_set(n, SET_CGEREP, mode);
    nvm_set(n, SET_CGEREP_BFR, bfr);
    return AT_OK;
}

/* ---- u-blox PSD profiles: +UPSD, +UPSDA, +UPSND ---- */

static void upsd_param_line(cmd_ctx *x, int prof, int param)
{
    const upsd_profile *u = &x->m->upsd[prof];
    switch (param) {
    case 0: cmd_info(x, "+UPSD: %d,0,%d", prof, u->proto); break;
    case 1: cmd_info(x, "+UPSD: %d,1,\"%s\"", prof, u->apn); break;
    case 4: cmd_info(x, "+UPSD: %d,4,\"%s\"", prof, u->dns[0][0] ? u->dns[0] : "0.0.0.0"); break;
    case 5: cmd_info(x, "+UPSD: %d,5,\"%s\"", prof, u->dns[1][0] ? u->dns[1] : "0.0.0.0"); break;
    default: cmd_info(x, "+UPSD: %d,100,%d", prof, u->cid); break;
    }
}

static int upsd_param_ok(long p) { return p == 0 || p == 1 || p == 4 || p == 5 || p == 100; }

static int cmd_UPSD(cmd_ctx *x)
{
    static const int params[] = { 0, 1, 4, 5, 100 };
    const at_cmd *c = x->cmd;
    long prof, param, v;
    const char *s;
    if (c->type == AT_TEST) {
        cmd_info(x, "+UPSD: (0-5),0,(0-3)");
        cmd_info(x, "+UPSD: (0-5),1,\"APN\"");
        cmd_info(x, "+UPSD: (0-5),100,(0-10)");
        return AT_OK;
    }
    if (c->type != AT_SET || at_arg_int(c, 0, &prof, 0, UPSD_PROFILES - 1) != 0)
        return CMD_BAD_PARAM;
    upsd_profile *u = &x->m->upsd[prof];
    if (c->nargs == 1) {
        for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++)
            upsd_param_line(x, (int)prof, params[i]);
        return AT_OK;
    }
    if (at_arg_int(c, 1, &param, 0, 100) != 0 || !upsd_param_ok(param))
        return CMD_BAD_PARAM;
    if (c->nargs == 2) {
        upsd_param_line(x, (int)prof, (int)param);
        return AT_OK;
    }
    switch (param) {
    case 0:
        if (at_arg_int(c, 2, &v, 0, 3) != 0)
            return CMD_BAD_PARAM;
        u->proto = (int)v;
        return AT_OK;
    case 100:
        if (at_arg_int(c, 2, &v, 0, NET_MAX_CID) != 0)
            return CMD_BAD_PARAM;
        u->cid = (int)v;
        return AT_OK;
    case 1:
        if (at_arg_str(c, 2, &s, sizeof(u->apn) - 1) < 0)
            return CMD_BAD_PARAM;
        snprintf(u->apn, sizeof(u->apn), "%s", at_arg_present(c, 2) ? s : "");
        return AT_OK;
    default:
        if (at_arg_str(c, 2, &s, sizeof(u->dns[0]) - 1) < 0)
            return CMD_BAD_PARAM;
        snprintf(u->dns[param == 5], sizeof(u->dns[0]), "%s", at_arg_present(c, 2) ? s : "");
        return AT_OK;
    }
}

static int cmd_UPSDA(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    modem *m = x->m;
    long prof, action;
    if (c->type == AT_TEST) {
        cmd_info(x, "+UPSDA: (0-5),(0-4)");
        return AT_OK;
    }
    if (c->type != AT_SET || c->nargs != 2 || at_arg_int(c, 0, &prof, 0, UPSD_PROFILES - 1) != 0 ||
        at_arg_int(c, 1, &action, 0, 4) != 0)
        return CMD_BAD_PARAM;
    switch (action) {
    case 0: /* reset to defaults */
        memset(&m->upsd[prof], 0, sizeof(m->upsd[prof]));
        m->upsd[prof].cid = 1;
        return AT_OK;
    case 1: /* store / load: profiles are kept for the session only */
    case 2:
        return AT_OK;
    case 3:
        if (prof != 0 || m->net.psd_active)
            return AT_CME(CME_NOT_ALLOWED);
        net_psd_activate(m);
        return AT_OK;
    default:
        if (prof != 0 || net_psd_deactivate(m))
            return AT_CME(CME_NOT_ALLOWED);
        return AT_OK;
    }
}

static int cmd_UPSND(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    modem *m = x->m;
    long prof, param;
    char ip[32];
    if (c->type == AT_TEST) {
        cmd_info(x, "+UPSND: (0-5),(0-1,8)");
        return AT_OK;
    }
    if (c->type != AT_SET || c->nargs != 2 || at_arg_int(c, 0, &prof, 0, UPSD_PROFILES - 1) != 0 ||
        at_arg_int(c, 1, &param, 0, 8) != 0)
        return CMD_BAD_PARAM;
    int active = prof == 0 && m->net.psd_active;
    switch (param) {
    case 0:
        cmd_info(x, "+UPSND: %ld,0,\"%s\"", prof, active ? net_pdp_addr(m, m->upsd[0].cid, ip, sizeof(ip)) : "");
        return AT_OK;
    case 1:
        cmd_info(x, "+UPSND: %ld,1,\"%s\"", prof, active ? "10.0.0.1" : "");
        return AT_OK;
    case 8:
        cmd_info(x, "+UPSND: %ld,8,%d", prof, active);
        return AT_OK;
    default:
        return CMD_BAD_PARAM;
    }
}

static int cmd_UAUTHREQ(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    nvm *n = &x->m->nvm;
    long cid, auth;
    const char *user = "", *pass = "";
    switch (c->type) {
    case AT_READ:
        for (int i = 0; i <= NET_MAX_CID; i++)
            if (pdp_defined(x->m, i))
                cmd_info(x, "+UAUTHREQ: %d,%ld,\"%s\"", i, nvm_get(n, SET_UAUTH_TYPE + i),
                         nvm_get_str(n, SET_UAUTH_USER + i));
        return AT_OK;
    case AT_TEST: cmd_info(x, "+UAUTHREQ: (0-10),(0-3),64,64"); return AT_OK;
    case AT_SET: break;
    default: return AT_ERROR;
    }
    if (c->nargs > 4 || at_arg_int(c, 0, &cid, 0, NET_MAX_CID) != 0 ||
        at_arg_int(c, 1, &auth, 0, 3) != 0 || at_arg_str(c, 2, &user, 64) < 0 ||
        at_arg_str(c, 3, &pass, 64) < 0)
        return CMD_BAD_PARAM;
    nvm_set(n, SET_UAUTH_TYPE + (nvm_id)cid, auth);
    nvm_set_str(n, SET_UAUTH_USER + (nvm_id)cid, user);
    nvm_set_str(n, SET_UAUTH_PASS + (nvm_id)cid, pass);
    return AT_OK;
}

/* ---- radio configuration: +URAT, +UBANDMASK, +UMNOPROF, +CEER ---- */

static int cmd_URAT(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    modem *m = x->m;
    long rat;
    int nb = strcmp(m->dev.product, "00B") != 0; /* 00B is Cat-M1 only */
    switch (c->type) {
    case AT_READ: cmd_info(x, "+URAT: %s", nvm_get_str(&m->nvm, SET_URAT)); return AT_OK;
    case AT_TEST: cmd_info(x, nb ? "+URAT: (7,8)" : "+URAT: (7)"); return AT_OK;
    case AT_SET: break;
    default: return AT_ERROR;
    }
    /* SARA-R5 runs one RAT at a time (ubxlib's module table: 1 simultaneous
     * RAT), so a list such as "7,8" is refused; the change applies at the
     * next boot. */
    if (c->nargs != 1 || at_arg_int(c, 0, &rat, 7, 8) != 0 || (rat == 8 && !nb))
        return CMD_BAD_PARAM;
    nvm_set_str(&m->nvm, SET_URAT, rat == 8 ? "8" : "7");
    return AT_OK;
}

static int parse_mask(const at_cmd *c, size_t i, unsigned long long *v)
{
    if (!at_arg_present(c, i) || c->args[i].quoted)
        return -1;
    const char *s = c->args[i].s;
    if (!isdigit((unsigned char)s[0]))
        return -1;
    char *end;
    errno = 0;
    *v = strtoull(s, &end, 10);
    return *end || errno == ERANGE ? -1 : 0;
}

/* The two 64-bit band masks (bands 1-64, 65-128) of one +UBANDMASK RAT
 * (0 LTE Cat-M1, 1 NB-IoT). */
static const nvm_id bandmask_ids[2][2] = {
    { SET_BANDMASK_M1, SET_BANDMASK_M1_HI },
    { SET_BANDMASK_NB, SET_BANDMASK_NB_HI },
};

/* SARA-R5 reports only the RAT that +URAT enables (ubxlib's
 * u_cell_cfg_test.c: "SARA-R5 only reports the band masks for the RAT that
 * is enabled"), both masks of it (Particle's SARA-R510 trace:
 * "+UBANDMASK: 0,185473183,1048578"). */
static int bandmask_read(cmd_ctx *x)
{
    const nvm *n = &x->m->nvm;
    int rat = strcmp(nvm_get_str(n, SET_URAT), "8") == 0;
    cmd_info(x, "+UBANDMASK: %d,%s,%s", rat, nvm_get_str(n, bandmask_ids[rat][0]),
             nvm_get_str(n, bandmask_ids[rat][1]));
    return AT_OK;
}

/* AT+UBANDMASK=<rat>,<bandmask0>[,<bandmask1>]: a mask left out is 0. */
static int cmd_UBANDMASK(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    nvm *n = &x->m->nvm;
    long rat;
    unsigned long long mask, mask2 = 0;
    switch (c->type) {
    case AT_READ: return bandmask_read(x);
    case AT_TEST: cmd_info(x, "+UBANDMASK: (0,1),185473183,1048578"); return AT_OK;
    case AT_SET: break;
    default: return AT_ERROR;
    }
    if (c->nargs < 2 || c->nargs > 3 || at_arg_int(c, 0, &rat, 0, 1) != 0 || parse_mask(c, 1, &mask) ||
        (c->nargs == 3 && parse_mask(c, 2, &mask2)) || (mask == 0 && mask2 == 0))
        return CMD_BAD_PARAM;
    char buf[32];
    snprintf(buf, sizeof(buf), "%llu", mask);
    nvm_set_str(n, bandmask_ids[rat][0], buf);
    snprintf(buf, sizeof(buf), "%llu", mask2);
    nvm_set_str(n, bandmask_ids[rat][1], buf);
    return AT_OK;
}

static int mno_supported(long v)
{
    static const int ok[] = { 0, 1, 2, 3, 4, 5, 6, 8, 19, 20, 21, 28, 31, 32, 39, 90, 100, 101 };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (ok[i] == v)
            return 1;
    return 0;
}

static int cmd_UMNOPROF(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    modem *m = x->m;
    long mno, x1 = 0, x2 = 0;
    switch (c->type) {
    case AT_READ: cmd_info(x, "+UMNOPROF: %ld", nvm_get(&m->nvm, SET_MNO)); return AT_OK;
    case AT_TEST: cmd_info(x, "+UMNOPROF: (0-201),(0-1),(0-1)"); return AT_OK;
    case AT_SET: break;
    default: return AT_ERROR;
    }
    if (c->nargs > 3 || at_arg_int(c, 0, &mno, 0, 201) != 0 || !mno_supported(mno) ||
        at_arg_int(c, 1, &x1, 0, 1) < 0 || at_arg_int(c, 2, &x2, 0, 1) < 0)
        return CMD_BAD_PARAM;
    /* The profile can only change with the radio off; it applies after a reboot. */
    if (m->net.cfun == 1)
        return AT_CME(CME_NOT_ALLOWED);
    nvm_set(&m->nvm, SET_MNO, mno);
    return AT_OK;
}

static int cmd_CEER(cmd_ctx *x)
{
    if (x->cmd->type == AT_TEST)
        return AT_OK;
    if (x->cmd->type != AT_EXEC)
        return AT_ERROR;
    if (x->m->net.ceer_esm == 27)
        cmd_info(x, "+CEER: \"ESM cause\",27,\"Missing or unknown APN\"");
    else if (x->m->net.ceer_cause)
        cmd_info(x, "+CEER: \"PDN connection\",%d,\"activation rejected\"", x->m->net.ceer_cause);
    else
        cmd_info(x, "+CEER: \"No report available\"");
    return AT_OK;
}

const cmd_def cmd_net_defs[] = {
    { "+COPS", cmd_COPS, 0 },
    { "+CREG", cmd_CREG, 0 },
    { "+CGREG", cmd_CGREG, 0 },
    { "+CEREG", cmd_CEREG, 0 },
    { "+CSQ", cmd_CSQ, 0 },
    { "+CESQ", cmd_CESQ, 0 },
    { "+UCGED", cmd_UCGED, 0 },
    { "+CGDCONT", cmd_CGDCONT, 0 },
    { "+CGACT", cmd_CGACT, 0 },
    { "+CGATT", cmd_CGATT, 0 },
    { "+CGPADDR", cmd_CGPADDR, 0 },
    { "+CGEREP", cmd_CGEREP, 0 },
    { "+UPSD", cmd_UPSD, 0 },
    { "+UPSDA", cmd_UPSDA, 0 },
    { "+UPSND", cmd_UPSND, 0 },
    { "+UAUTHREQ", cmd_UAUTHREQ, 0 },
    { "+URAT", cmd_URAT, 0 },
    { "+UBANDMASK", cmd_UBANDMASK, 0 },
    { "+UMNOPROF", cmd_UMNOPROF, 0 },
    { "+CEER", cmd_CEER, 0 },
    { NULL, NULL, 0 },
};
