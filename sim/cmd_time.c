/* cmd_time.c - CellTime as ubxlib's cell/src/u_cell_time.c drives it:
 * +UTIMECFG (offset), +UTIMEIND (the +UUTIMEIND URC), +UTIME (mode).  The
 * synchronisation runs in sim/celltime.c.  All three settings are volatile:
 * CellTime is off after every boot (the sources are silent; ubxlib sets all
 * three each time it enables CellTime). */
#include <string.h>

#include "../protocol/cme.h"
#include "celltime.h"
#include "modem_int.h"

enum { UTIME_OFF = 0, UTIME_PULSE = 1, UTIME_ONE_SHOT = 2, UTIME_EXT_INT = 3 };

/* AT+UTIMECFG=<offset_nano>[,<offset_sec>]: added to the cell-relative time. */
static int cmd_UTIMECFG(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    nvm *n = &x->m->nvm;
    long ns, s = 0;
    switch (c->type) {
    case AT_READ:
        cmd_info(x, "+UTIMECFG: %ld,%ld", nvm_get(n, SET_UTIMECFG_NS), nvm_get(n, SET_UTIMECFG_S));
        return AT_OK;
    case AT_TEST: cmd_info(x, "+UTIMECFG: (0-999999999),(0-2147483647)"); return AT_OK;
    case AT_SET: break;
    default: return AT_ERROR;
    }
    if (c->nargs > 2 || at_arg_int(c, 0, &ns, 0, 999999999) != 0 || at_arg_int(c, 1, &s, 0, 2147483647) < 0)
        return CMD_BAD_PARAM;
    nvm_set(n, SET_UTIMECFG_NS, ns);
    nvm_set(n, SET_UTIMECFG_S, s);
    return AT_OK;
}

static int cmd_UTIMEIND(cmd_ctx *x) { return cmd_int_setting(x, SET_UTIMEIND, 0, 1, "(0-1)"); }

/* 00B products take no pulse period and width (ubxlib: fixed 1 s, 3 ms). */
static int pulse_configurable(const modem *m) { return strcmp(m->dev.product, "00B") != 0; }

/* <pulse_period> 0 (0.5 s) to 4 s, <pulse_width> up to 490 ms at 0.5 s,
 * else up to 990 ms (ubxlib's u_cell_time.h). */
static int pulse_args(cmd_ctx *x, long mode)
{
    const at_cmd *c = x->cmd;
    long period, width;
    if (c->nargs <= 2)
        return AT_OK;
    if (mode != UTIME_PULSE || !pulse_configurable(x->m) || c->nargs != 4 ||
        at_arg_int(c, 2, &period, 0, 4) != 0 || at_arg_int(c, 3, &width, 0, period ? 990 : 490) != 0)
        return CMD_BAD_PARAM;
    nvm_set(&x->m->nvm, SET_UTIME_PERIOD, period);
    nvm_set(&x->m->nvm, SET_UTIME_WIDTH, width);
    return AT_OK;
}

/* AT+UTIME=<mode>,<sensor>[,<pulse_period>,<pulse_width>]: mode 1 pulse,
 * 2 one-shot, 3 EXT_INT time stamp, 0 off; sensor 1 GNSS and cell (best
 * effort), 2 cell only.  Another mode while one runs must be switched off
 * first (ubxlib: "if you want to change mode please call
 * uCellTimeDisable() first"); the same mode again restarts it. */
static int cmd_UTIME(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    nvm *n = &x->m->nvm;
    long mode, sensor = 0;
    switch (c->type) {
    case AT_READ:
        cmd_info(x, "+UTIME: %ld,%ld", nvm_get(n, SET_UTIME_MODE), nvm_get(n, SET_UTIME_SENSOR));
        return AT_OK;
    case AT_TEST:
        cmd_info(x, pulse_configurable(x->m) ? "+UTIME: (0-3),(1-2),(0-4),(0-990)" : "+UTIME: (0-3),(1-2)");
        return AT_OK;
    case AT_SET: break;
    default: return AT_ERROR;
    }
    if (c->nargs > 4 || at_arg_int(c, 0, &mode, UTIME_OFF, UTIME_EXT_INT) != 0)
        return CMD_BAD_PARAM;
    if (mode == UTIME_OFF) {
        if (c->nargs > 1)
            return CMD_BAD_PARAM;
        nvm_reset(n, SET_UTIME_MODE);
        nvm_reset(n, SET_UTIME_SENSOR);
        celltime_start(x->m); /* mode 0: stops */
        return AT_OK;
    }
    if (at_arg_int(c, 1, &sensor, 1, 2) != 0)
        return CMD_BAD_PARAM;
    long running = nvm_get(n, SET_UTIME_MODE);
    if (running != UTIME_OFF && running != mode)
        return AT_CME(CME_NOT_ALLOWED);
    int r = pulse_args(x, mode);
    if (r != AT_OK)
        return r;
    nvm_set(n, SET_UTIME_MODE, mode);
    nvm_set(n, SET_UTIME_SENSOR, sensor);
    celltime_start(x->m);
    return AT_OK;
}

const cmd_def cmd_time_defs[] = {
    { "+UTIMECFG", cmd_UTIMECFG, 0 },
    { "+UTIMEIND", cmd_UTIMEIND, 0 },
    { "+UTIME", cmd_UTIME, 0 },
    { NULL, NULL, 0 },
};
