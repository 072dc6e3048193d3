/* cmd_power.c - power saving: +UPSV, +UPSMR, +CPSMS, +UCPSMS, +CEDRXS,
 * +CEDRXRDP (fact sheet §1.10, §2.4).  The sleep states themselves are not
 * modelled: the simulated module always answers, which ubxlib's wake-up pokes
 * tolerate. */
#include <stdio.h>
#include <string.h>

#include "modem_int.h"

static int cmd_UPSV(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    nvm *n = &x->m->nvm;
    long mode, timeout = 2000;
    switch (c->type) {
    case AT_READ:
        if (nvm_get(n, SET_UPSV_MODE) == 1)
            cmd_info(x, "+UPSV: 1,%ld", nvm_get(n, SET_UPSV_TIMEOUT));
        else
            cmd_info(x, "+UPSV: %ld", nvm_get(n, SET_UPSV_MODE));
        return AT_OK;
    case AT_TEST: cmd_info(x, "+UPSV: (0-3),(40-65000)"); return AT_OK;
    case AT_SET: break;
    default: return AT_ERROR;
    }
    if (c->nargs > 2 || at_arg_int(c, 0, &mode, 0, 3) != 0 ||
        at_arg_int(c, 1, &timeout, 40, 65000) < 0 || (c->nargs == 2 && mode != 1))
        return AT_CME(50);
    nvm_set(n, SET_UPSV_MODE, mode);
    if (mode == 1)
        nvm_set(n, SET_UPSV_TIMEOUT, timeout);
    return AT_OK;
}

static int cmd_UPSMR(cmd_ctx *x) { return cmd_int_setting(x, SET_UPSMR, 0, 1, "(0-1)"); }

/* A binary string of n digits, as 3GPP writes timers (8) and eDRX values (4). */
static int valid_bits(const char *s, size_t n)
{
    if (strlen(s) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] != '0' && s[i] != '1')
            return 0;
    return 1;
}

static int cmd_CPSMS(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    nvm *n = &x->m->nvm;
    long mode;
    const char *tau = NULL, *act = NULL, *dummy;
    switch (c->type) {
    case AT_READ:
        cmd_info(x, "+CPSMS: %ld,,,\"%s\",\"%s\"", nvm_get(n, SET_CPSMS_MODE), nvm_get_str(n, SET_CPSMS_TAU),
                 nvm_get_str(n, SET_CPSMS_ACTIVE));
        return AT_OK;
    case AT_TEST:
        cmd_info(x, "+CPSMS: (0-2),,,(\"00000000\"-\"11111111\"),(\"00000000\"-\"11111111\")");
        return AT_OK;
    case AT_EXEC: nvm_set(n, SET_CPSMS_MODE, 0); return AT_OK;
    default: break;
    }
    if (c->nargs > 5 || at_arg_int(c, 0, &mode, 0, 2) != 0 || at_arg_str(c, 1, &dummy, 8) < 0 ||
        at_arg_str(c, 2, &dummy, 8) < 0 || at_arg_str(c, 3, &tau, 8) < 0 || at_arg_str(c, 4, &act, 8) < 0 ||
        (tau && !valid_bits(tau, 8)) || (act && !valid_bits(act, 8)))
        return AT_CME(50);
    if (mode == 2) { /* disable and discard the requested values */
        nvm_set(n, SET_CPSMS_MODE, 0);
        nvm_reset(n, SET_CPSMS_TAU);
        nvm_reset(n, SET_CPSMS_ACTIVE);
        return AT_OK;
    }
    nvm_set(n, SET_CPSMS_MODE, mode);
    if (tau)
        nvm_set_str(n, SET_CPSMS_TAU, tau);
    if (act)
        nvm_set_str(n, SET_CPSMS_ACTIVE, act);
    return AT_OK;
}

/* PSM values the network granted: the requested ones, once registered. */
static int cmd_UCPSMS(cmd_ctx *x)
{
    const modem *m = x->m;
    if (x->cmd->type == AT_TEST)
        return AT_OK;
    if (x->cmd->type != AT_READ)
        return AT_ERROR;
    if (nvm_get(&m->nvm, SET_CPSMS_MODE) == 1 && net_registered(m))
        cmd_info(x, "+UCPSMS: 1,,,\"%s\",\"%s\",0", nvm_get_str(&m->nvm, SET_CPSMS_TAU),
                 nvm_get_str(&m->nvm, SET_CPSMS_ACTIVE));
    else
        cmd_info(x, "+UCPSMS: 0");
    return AT_OK;
}

static int cmd_CEDRXS(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    nvm *n = &x->m->nvm;
    long mode, act = 4;
    const char *val = NULL;
    switch (c->type) {
    case AT_READ:
        if (nvm_get(n, SET_CEDRXS_MODE) != 0) {
            cmd_info(x, "+CEDRXS: 4,\"%s\"", nvm_get_str(n, SET_CEDRXS_M1));
            cmd_info(x, "+CEDRXS: 5,\"%s\"", nvm_get_str(n, SET_CEDRXS_NB));
        }
        return AT_OK;
    case AT_TEST: cmd_info(x, "+CEDRXS: (0-3),(4,5),(\"0000\"-\"1111\")"); return AT_OK;
    case AT_EXEC: nvm_set(n, SET_CEDRXS_MODE, 0); return AT_OK;
    default: break;
    }
    if (c->nargs > 3 || at_arg_int(c, 0, &mode, 0, 3) != 0 || at_arg_int(c, 1, &act, 4, 5) < 0 ||
        at_arg_str(c, 2, &val, 4) < 0 || (val && !valid_bits(val, 4)))
        return AT_CME(50);
    if (mode == 3) {
        nvm_set(n, SET_CEDRXS_MODE, 0);
        nvm_reset(n, SET_CEDRXS_M1);
        nvm_reset(n, SET_CEDRXS_NB);
        return AT_OK;
    }
    nvm_set(n, SET_CEDRXS_MODE, mode);
    if (val)
        nvm_set_str(n, act == 5 ? SET_CEDRXS_NB : SET_CEDRXS_M1, val);
    return AT_OK;
}

static int cmd_CEDRXRDP(cmd_ctx *x)
{
    const modem *m = x->m;
    if (x->cmd->type == AT_TEST)
        return AT_OK;
    if (x->cmd->type != AT_EXEC)
        return AT_ERROR;
    if (nvm_get(&m->nvm, SET_CEDRXS_MODE) == 0 || !net_registered(m)) {
        cmd_info(x, "+CEDRXRDP: 0");
        return AT_OK;
    }
    const char *v = nvm_get_str(&m->nvm, m->net.act == 9 ? SET_CEDRXS_NB : SET_CEDRXS_M1);
    cmd_info(x, "+CEDRXRDP: %d,\"%s\",\"%s\",\"0011\"", m->net.act == 9 ? 5 : 4, v, v);
    return AT_OK;
}

const cmd_def cmd_power_defs[] = {
    { "+UPSV", cmd_UPSV, 0 },
    { "+UPSMR", cmd_UPSMR, 0 },
    { "+CPSMS", cmd_CPSMS, 0 },
    { "+UCPSMS", cmd_UCPSMS, 0 },
    { "+CEDRXS", cmd_CEDRXS, 0 },
    { "+CEDRXRDP", cmd_CEDRXRDP, 0 },
    { NULL, NULL, 0 },
};
