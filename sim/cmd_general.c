/* cmd_general.c - V.25ter basics, identification, profile, power and
 * interface commands (fact sheet §1-§2; u-blox AT manual "General",
 * "V24 control and V25ter"). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../protocol/baud.h"
#include "../protocol/cme.h"
#include "modem_int.h"

/* ---- basic commands: E, Q, V, &C, &D, &K, &S, X ---- */

/* A basic command taking a digit within [lo,hi]; omitted means 0. */
static int basic_flag(cmd_ctx *x, nvm_id id, long lo, long hi)
{
    long v = 0;
    if (at_arg_int(x->cmd, 0, &v, lo, hi) < 0)
        return AT_ERROR;
    nvm_set(&x->m->nvm, id, v);
    return AT_OK;
}

static int cmd_E(cmd_ctx *x) { return basic_flag(x, SET_ECHO, 0, 1); }
static int cmd_Q(cmd_ctx *x) { return basic_flag(x, SET_QUIET, 0, 1); }
static int cmd_V(cmd_ctx *x) { return basic_flag(x, SET_VERBOSE, 0, 1); }
static int cmd_andC(cmd_ctx *x) { return basic_flag(x, SET_DCD, 0, 2); }
static int cmd_andD(cmd_ctx *x) { return basic_flag(x, SET_DTR, 0, 2); }
static int cmd_andS(cmd_ctx *x) { return basic_flag(x, SET_DSR, 0, 1); }

static int cmd_andK(cmd_ctx *x)
{
    /* RTS/CTS (3) or none (0); XON/XOFF (4, 5, 6) is not supported on SARA-R5. */
    long v = 0;
    if (at_arg_int(x->cmd, 0, &v, 0, 3) < 0 || (v != 0 && v != 3))
        return AT_ERROR;
    nvm_set(&x->m->nvm, SET_FLOW, v);
    return AT_OK;
}

static int cmd_X(cmd_ctx *x)
{
    long v = 0;
    return at_arg_int(x->cmd, 0, &v, 0, 4) < 0 ? AT_ERROR : AT_OK;
}

/* ---- S registers ---- */

static int sreg_id(long n, nvm_id *id)
{
    switch (n) {
    case 0: *id = SET_S0; return 0;
    case 2: *id = SET_S2; return 0;
    case 3: *id = SET_S3; return 0;
    case 4: *id = SET_S4; return 0;
    case 5: *id = SET_S5; return 0;
    case 7: *id = SET_S7; return 0;
    case 10: *id = SET_S10; return 0;
    case 12: *id = SET_S12; return 0;
    default: return -1;
    }
}

static int cmd_S(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    long n, v;
    nvm_id id;
    if (at_arg_int(c, 0, &n, 0, 255) != 0 || sreg_id(n, &id))
        return AT_ERROR;
    if (c->type == AT_READ) {
        cmd_info(x, "%03ld", nvm_get(&x->m->nvm, id)); /* three digits, as "ATS12?" -> "050" */
        return AT_OK;
    }
    if (c->type == AT_TEST) {
        cmd_info(x, "S%ld: (0-%d)", n, n == 0 || n >= 7 ? 255 : 127);
        return AT_OK;
    }
    if (at_arg_int(c, 1, &v, 0, n == 0 || n >= 7 ? 255 : 127) != 0)
        return AT_ERROR;
    nvm_set(&x->m->nvm, id, v);
    return AT_OK;
}

/* ---- profile: &V, &W, Z, &F ---- */

static void profile_lines(cmd_ctx *x, const nvm_value *v, const modem_port *p, int active)
{
    uint32_t rate = active ? (p->uart.autobaud ? 0 : p->uart.rate) : (uint32_t)v[SET_IPR].i;
    cmd_info(x, "&C%ld, &D%ld, &K%ld, &S%ld, E%ld, Q%ld, V%ld, S2:%03ld, S3:%03ld, S4:%03ld, S5:%03ld,",
             v[SET_DCD].i, v[SET_DTR].i, v[SET_FLOW].i, v[SET_DSR].i, v[SET_ECHO].i, v[SET_QUIET].i,
             v[SET_VERBOSE].i, v[SET_S2].i, v[SET_S3].i, v[SET_S4].i, v[SET_S5].i);
    int ifc = v[SET_FLOW].i == 3 ? 2 : 0;
    cmd_info(x, "+ICF:%ld,%ld, +IFC:%d,%d, +IPR:%u,", v[SET_ICF_FORMAT].i, v[SET_ICF_PARITY].i, ifc,
             ifc, (unsigned)rate);
}

static int cmd_andV(cmd_ctx *x)
{
    if (x->cmd->nargs)
        return AT_ERROR;
    const modem_port *p = &x->m->port[x->port];
    cmd_info(x, "ACTIVE PROFILE:");
    profile_lines(x, x->m->nvm.cur, p, 1);
    cmd_info(x, "STORED PROFILE 0:");
    profile_lines(x, x->m->nvm.prof, p, 0);
    return AT_OK;
}

static int cmd_andW(cmd_ctx *x)
{
    long v = 0;
    if (at_arg_int(x->cmd, 0, &v, 0, 1) < 0)
        return AT_ERROR;
    nvm_profile_store(&x->m->nvm);
    return AT_OK;
}

static int cmd_Z(cmd_ctx *x)
{
    long v = 0;
    if (at_arg_int(x->cmd, 0, &v, 0, 1) < 0)
        return AT_ERROR;
    nvm_profile_load(&x->m->nvm);
    return AT_OK;
}

static int cmd_andF(cmd_ctx *x)
{
    long v = 0;
    if (at_arg_int(x->cmd, 0, &v, 0, 0) < 0)
        return AT_ERROR;
    nvm_profile_factory(&x->m->nvm);
    return AT_OK;
}

/* ---- identification ---- */

static void type_number(const modem *m, char *buf, size_t size)
{
    snprintf(buf, size, "%s-%s-00", m->dev.model, m->dev.product);
}

static int cmd_I(cmd_ctx *x)
{
    long v = 0;
    if (at_arg_int(x->cmd, 0, &v, 0, 9) < 0)
        return AT_ERROR;
    char buf[64];
    if (v == 0) {
        type_number(x->m, buf, sizeof(buf));
        cmd_info(x, "%s", buf);
    } else if (v == 9) {
        cmd_info(x, "%s", x->m->firmware);
    } else {
        return AT_ERROR;
    }
    return AT_OK;
}

/* +CGMI / +GMI and friends: exec prints the text, test is just OK. */
static int ident(cmd_ctx *x, const char *text)
{
    if (x->cmd->type == AT_TEST)
        return AT_OK;
    if (x->cmd->type != AT_EXEC)
        return AT_ERROR;
    cmd_info(x, "%s", text);
    return AT_OK;
}

static int cmd_CGMI(cmd_ctx *x) { return ident(x, "u-blox"); }
static int cmd_CGMM(cmd_ctx *x) { return ident(x, x->m->dev.model); }

static int cmd_CGMR(cmd_ctx *x)
{
    char ver[32];
    device_fw_modem_part(x->m->firmware, ver, sizeof(ver));
    return ident(x, ver);
}

static int cmd_GSN(cmd_ctx *x) { return ident(x, x->m->dev.imei); }

static int cmd_CGSN(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    long snt = 0;
    if (c->type == AT_TEST) {
        cmd_info(x, "+CGSN: (0-3)");
        return AT_OK;
    }
    if (c->type == AT_READ || (c->type == AT_SET && at_arg_int(c, 0, &snt, 0, 3) != 0))
        return AT_ERROR;
    switch (snt) {
    case 0: cmd_info(x, "%s", x->m->dev.imei); break;
    case 1: cmd_info(x, "+CGSN: \"%s\"", x->m->dev.imei); break;
    case 2: cmd_info(x, "+CGSN: \"%.14s%s\"", x->m->dev.imei, "01"); break;
    default: cmd_info(x, "+CGSN: \"01\""); break;
    }
    return AT_OK;
}

static int cmd_GCAP(cmd_ctx *x) { return ident(x, "+GCAP: +FCLASS, +CGSM"); }

/* ---- +CMEE ---- */

static int cmd_CMEE(cmd_ctx *x)
{
    if (x->cmd->type == AT_EXEC) { /* "AT+CMEE" alone means 0 */
        nvm_set(&x->m->nvm, SET_CMEE, 0);
        return AT_OK;
    }
    return cmd_int_setting(x, SET_CMEE, 0, 2, "(0-2)");
}

/* ---- +CFUN ---- */

static int cmd_CFUN(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    modem *m = x->m;
    long fun, rst = 0;
    switch (c->type) {
    case AT_READ:
        cmd_info(x, "+CFUN: %d", m->net.cfun);
        return AT_OK;
    case AT_TEST:
        cmd_info(x, "+CFUN: (0,1,4,15,16,19),(0-1)");
        return AT_OK;
    case AT_SET: break;
    default: return AT_ERROR;
    }
    if (c->nargs > 2 || at_arg_int(c, 0, &fun, 0, 19) != 0 || at_arg_int(c, 1, &rst, 0, 1) < 0)
        return CMD_BAD_PARAM;
    switch (fun) {
    case 15: /* silent reset, the SIM keeps its state */
    case 16: /* silent reset with SIM reset */
        modem_after_line(m, x->port, fun == 15 ? AFTER_REBOOT_KEEP_SIM : AFTER_REBOOT, 0);
        return AT_OK;
    case 0:
    case 1:
    case 4:
    case 19:
        if (rst) {
            modem_after_line(m, x->port, AFTER_REBOOT, 0);
            return AT_OK;
        }
        if (fun == 19)
            m->sim = SIMC_ABSENT; /* SIM deactivated */
        else if (m->net.cfun == 19)
            modem_sim_power_up(m);
        net_set_cfun(m, (int)fun);
        return AT_OK;
    default:
        return CMD_BAD_PARAM;
    }
}

static int cmd_CPWROFF(cmd_ctx *x)
{
    if (x->cmd->type == AT_TEST)
        return AT_OK;
    if (x->cmd->type != AT_EXEC)
        return AT_ERROR;
    modem_after_line(x->m, x->port, AFTER_POWER_OFF, 0);
    return AT_OK;
}

/* ---- UART settings: +IPR, +ICF, +IFC ---- */

static int cmd_IPR(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    modem_port *p = &x->m->port[x->port];
    long rate = 0;
    switch (c->type) {
    case AT_READ:
        /* Autobauding reports the rate it found (ubxlib relies on it). */
        cmd_info(x, "+IPR: %u", (unsigned)uart_effective_rate(&p->uart));
        return AT_OK;
    case AT_TEST:
        cmd_info(x, "+IPR: (0,2400,4800,9600,19200,38400,57600,115200),"
                    "(1200,230400,460800,921600,3000000,3250000,6000000,6500000)");
        return AT_OK;
    case AT_SET: break;
    default: return AT_ERROR;
    }
    int rc = at_arg_int(c, 0, &rate, 0, 6500000);
    if (rc < 0 || c->nargs > 1 || (rate != 0 && !baud_rate_supported((uint32_t)rate)))
        return CMD_BAD_PARAM;
    nvm_set(&x->m->nvm, SET_IPR, rate);
    p->ipr_pending = 1; /* applied once OK has gone out at the old rate */
    p->ipr_rate = (uint32_t)rate;
    return AT_OK;
}

static int cmd_ICF(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    long fmt = 3, par = 1;
    switch (c->type) {
    case AT_READ:
        cmd_info(x, "+ICF: %ld,%ld", nvm_get(&x->m->nvm, SET_ICF_FORMAT),
                 nvm_get(&x->m->nvm, SET_ICF_PARITY));
        return AT_OK;
    case AT_TEST: cmd_info(x, "+ICF: (1-3,5),(0-1)"); return AT_OK;
    case AT_SET: break;
    default: return AT_ERROR;
    }
    /* Only 8N1 is modelled on the wire; the others are accepted and stored. */
    if (at_arg_int(c, 0, &fmt, 1, 6) < 0 || fmt == 4 || at_arg_int(c, 1, &par, 0, 1) < 0)
        return CMD_BAD_PARAM;
    nvm_set(&x->m->nvm, SET_ICF_FORMAT, fmt);
    nvm_set(&x->m->nvm, SET_ICF_PARITY, par);
    return AT_OK;
}

static int cmd_IFC(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    long dce = 2, dte = 2;
    switch (c->type) {
    case AT_READ: {
        int v = nvm_get(&x->m->nvm, SET_FLOW) == 3 ? 2 : 0;
        cmd_info(x, "+IFC: %d,%d", v, v);
        return AT_OK;
    }
    case AT_TEST: cmd_info(x, "+IFC: (0,2),(0,2)"); return AT_OK;
    case AT_SET: break;
    default: return AT_ERROR;
    }
    if (at_arg_int(c, 0, &dce, 0, 2) < 0 || at_arg_int(c, 1, &dte, 0, 2) < 0 || dce == 1 || dce != dte)
        return CMD_BAD_PARAM;
    nvm_set(&x->m->nvm, SET_FLOW, dce == 2 ? 3 : 0);
    return AT_OK;
}

/* ---- +CSGT greeting text ---- */

static int cmd_CSGT(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    nvm *n = &x->m->nvm;
    long mode;
    const char *text = NULL;
    switch (c->type) {
    case AT_READ:
        cmd_info(x, "+CSGT: \"%s\",%ld", nvm_get_str(n, SET_CSGT_TEXT), nvm_get(n, SET_CSGT_MODE));
        return AT_OK;
    case AT_TEST: cmd_info(x, "+CSGT: (0-1),49"); return AT_OK;
    case AT_SET: break;
    default: return AT_ERROR;
    }
    if (c->nargs > 2 || at_arg_int(c, 0, &mode, 0, 1) != 0 || at_arg_str(c, 1, &text, 49) < 0)
        return CMD_BAD_PARAM;
    if (mode == 1 && !text)
        return CMD_BAD_PARAM;
    nvm_set(n, SET_CSGT_MODE, mode);
    if (text)
        nvm_set_str(n, SET_CSGT_TEXT, text);
    return AT_OK;
}

/* ---- +UFACTORY: restore at the next boot ---- */

static int cmd_UFACTORY(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    nvm *n = &x->m->nvm;
    long fs_op, nvm_op;
    switch (c->type) {
    case AT_READ:
        cmd_info(x, "+UFACTORY: %ld,%ld", nvm_get(n, SET_UFACTORY_FS), nvm_get(n, SET_UFACTORY_NVM));
        return AT_OK;
    case AT_TEST: cmd_info(x, "+UFACTORY: (0-2),(0-2)"); return AT_OK;
    case AT_SET: break;
    default: return AT_ERROR;
    }
    if (c->nargs != 2 || at_arg_int(c, 0, &fs_op, 0, 2) != 0 || at_arg_int(c, 1, &nvm_op, 0, 2) != 0)
        return CMD_BAD_PARAM;
    nvm_set(n, SET_UFACTORY_FS, fs_op);
    nvm_set(n, SET_UFACTORY_NVM, nvm_op);
    return AT_OK;
}

/* ---- clock: +CCLK, +CTZU, +CTZR ---- */

static int cmd_CCLK(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    modem *m = x->m;
    if (c->type == AT_TEST)
        return AT_OK;
    if (c->type == AT_READ) {
        time_t t = (time_t)modem_wall_seconds(m);
        struct tm tm;
        gmtime_r(&t, &tm);
        cmd_info(x, "+CCLK: \"%02d/%02d/%02d,%02d:%02d:%02d%c%02d\"", tm.tm_year % 100, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, m->clock_tz < 0 ? '-' : '+',
                 m->clock_tz < 0 ? -m->clock_tz : m->clock_tz);
        return AT_OK;
    }
    const char *s;
    if (c->type != AT_SET || c->nargs != 1 || at_arg_str(c, 0, &s, 32) != 0)
        return CMD_BAD_PARAM;
    struct tm tm = { 0 };
    int tz = 0;
    char sign = '+';
    if (sscanf(s, "%2d/%2d/%2d,%2d:%2d:%2d%c%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &sign, &tz) < 6 ||
        tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
        tm.tm_min > 59 || tm.tm_sec > 59 || (sign != '+' && sign != '-') || tz < 0 || tz > 96)
        return CMD_BAD_PARAM;
    tm.tm_year += 100;
    tm.tm_mon -= 1;
    int64_t want = (int64_t)timegm(&tm);
    m->clock_offset += want - modem_wall_seconds(m);
    m->clock_tz = sign == '-' ? -tz : tz; /* the local time is kept as given, with its zone */
    return AT_OK;
}

static int cmd_CTZU(cmd_ctx *x) { return cmd_int_setting(x, SET_CTZU, 0, 2, "(0-2)"); }
static int cmd_CTZR(cmd_ctx *x) { return cmd_int_setting(x, SET_CTZR, 0, 3, "(0-3)"); }

const cmd_def cmd_general_defs[] = {
    { "E", cmd_E, 0 },
    { "Q", cmd_Q, 0 },
    { "V", cmd_V, 0 },
    { "X", cmd_X, 0 },
    { "I", cmd_I, 0 },
    { "Z", cmd_Z, 0 },
    { "S", cmd_S, 0 },
    { "&C", cmd_andC, 0 },
    { "&D", cmd_andD, 0 },
    { "&K", cmd_andK, 0 },
    { "&S", cmd_andS, 0 },
    { "&V", cmd_andV, 0 },
    { "&W", cmd_andW, 0 },
    { "&F", cmd_andF, 0 },
    { "+CGMI", cmd_CGMI, 0 },
    { "+GMI", cmd_CGMI, 0 },
    { "+CGMM", cmd_CGMM, 0 },
    { "+GMM", cmd_CGMM, 0 },
    { "+CGMR", cmd_CGMR, 0 },
    { "+GMR", cmd_CGMR, 0 },
    { "+CGSN", cmd_CGSN, 0 },
    { "+GSN", cmd_GSN, 0 },
    { "+GCAP", cmd_GCAP, 0 },
    { "+CMEE", cmd_CMEE, 0 },
    { "+CFUN", cmd_CFUN, 0 },
    { "+CPWROFF", cmd_CPWROFF, 0 },
    { "+IPR", cmd_IPR, 0 },
    { "+ICF", cmd_ICF, 0 },
    { "+IFC", cmd_IFC, 0 },
    { "+CSGT", cmd_CSGT, 0 },
    { "+UFACTORY", cmd_UFACTORY, 0 },
    { "+CCLK", cmd_CCLK, 0 },
    { "+CTZU", cmd_CTZU, 0 },
    { "+CTZR", cmd_CTZR, 0 },
    { NULL, NULL, 0 },
};
