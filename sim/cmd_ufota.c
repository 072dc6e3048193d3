/* cmd_ufota.c - the host's side of uFOTA (app note §3.2-§3.4; fact sheet
 * §5.4, §5.6): +UFOTASTAT (URCs on/off, volatile), +UFOTA (cancel, pause,
 * resume, status), +UFOTACONFIG (what the module does with a campaign),
 * +UFOTAACK (the host's answer in "wait for ack" mode).  The campaign itself
 * is sim/ufota.c. */
#include <stdio.h>

#include "../protocol/cme.h"
#include "modem_int.h"

static int cmd_UFOTASTAT(cmd_ctx *x) { return cmd_int_setting(x, SET_UFOTASTAT, 0, 1, "(0,1)"); }

/* AT+UFOTA=<op>: 0 cancel, 1 pause, 2 resume; read +UFOTA: <status>,
 * <total_bytes>,<downloaded_bytes> (app note §3.3: "1,6864144,710656" while
 * paused). */
static int cmd_UFOTA(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    long op;
    switch (c->type) {
    case AT_READ: {
        int st;
        uint64_t total, done;
        ufota_status(x->m, &st, &total, &done);
        cmd_info(x, "+UFOTA: %d,%llu,%llu", st, (unsigned long long)total, (unsigned long long)done);
        return AT_OK;
    }
    case AT_TEST: cmd_info(x, "+UFOTA: (0-2)"); return AT_OK;
    case AT_SET:
        if (c->nargs != 1 || at_arg_int(c, 0, &op, 0, 2) != 0)
            return CMD_BAD_PARAM;
        return ufota_control(x->m, (int)op) == 0 ? AT_OK : AT_CME(CME_NOT_ALLOWED);
    default: return AT_ERROR;
    }
}

/* AT+UFOTACONFIG=<server_id>,<mode>[,<3rd>]: 721 only; mode 0 automatic,
 * 1 download only (install with +UFWINSTALL), 2 wait for +UFOTAACK, 3
 * disabled (the device rejects campaigns); the third value is stored and
 * shown (255 in every example; its meaning is not in our sources). */
static int cmd_UFOTACONFIG(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    nvm *n = &x->m->nvm;
    long sid, mode, p3 = 255;
    switch (c->type) {
    case AT_READ:
        cmd_info(x, "+UFOTACONFIG: 721,%ld,%ld", nvm_get(n, SET_UFOTACONFIG_MODE), nvm_get(n, SET_UFOTACONFIG_P3));
        return AT_OK;
    case AT_TEST: cmd_info(x, "+UFOTACONFIG: (721),(0-3),(0-255)"); return AT_OK;
    case AT_SET: break;
    default: return AT_ERROR;
    }
    if (c->nargs < 2 || c->nargs > 3 || at_arg_int(c, 0, &sid, 1, 65534) != 0 ||
        at_arg_int(c, 1, &mode, 0, 3) != 0 || at_arg_int(c, 2, &p3, 0, 255) < 0)
        return CMD_BAD_PARAM;
    if (sid != 721)
        return AT_CME(CME_NOT_ALLOWED);
    nvm_set(n, SET_UFOTACONFIG_MODE, mode);
    nvm_set(n, SET_UFOTACONFIG_P3, p3);
    return AT_OK;
}

/* AT+UFOTAACK=<n>: 0 rejects the pending request, n > 0 accepts it and
 * starts the download n seconds later (app note §3.4.2). */
static int cmd_UFOTAACK(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    long secs;
    if (c->type == AT_TEST) {
        cmd_info(x, "+UFOTAACK: (0-3600)");
        return AT_OK;
    }
    if (c->type != AT_SET || c->nargs != 1 || at_arg_int(c, 0, &secs, 0, 3600) != 0)
        return c->type == AT_SET ? CMD_BAD_PARAM : AT_ERROR;
    return ufota_ack(x->m, secs) == 0 ? AT_OK : AT_CME(CME_NOT_ALLOWED);
}

const cmd_def cmd_ufota_defs[] = {
    { "+UFOTASTAT", cmd_UFOTASTAT, 0 },
    { "+UFOTA", cmd_UFOTA, 0 },
    { "+UFOTACONFIG", cmd_UFOTACONFIG, 0 },
    { "+UFOTAACK", cmd_UFOTAACK, 0 },
    { NULL, NULL, 0 },
};
