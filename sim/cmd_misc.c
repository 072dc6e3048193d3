/* cmd_misc.c - configuration commands host libraries touch at bring-up:
 * +UDCONF=1, +UGPRF, +USECMODE, +CMGF, +CSCS, +USIO. */
#include <stdio.h>
#include <string.h>

#include "../protocol/cme.h"
#include "modem_int.h"

static int cmd_UDCONF(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    long op, v;
    if (c->type == AT_TEST) {
        cmd_info(x, "+UDCONF: 1,(0-1)");
        return AT_OK;
    }
    if (c->type != AT_SET || at_arg_int(c, 0, &op, 0, 200) != 0)
        return CMD_BAD_PARAM;
    if (op != 1) /* other UDCONF groups are not modelled */
        return AT_CME(CME_NOT_SUPPORTED);
    if (c->nargs == 1) {
        cmd_info(x, "+UDCONF: 1,%ld", nvm_get(&x->m->nvm, SET_UDCONF1));
        return AT_OK;
    }
    if (c->nargs != 2 || at_arg_int(c, 1, &v, 0, 1) != 0)
        return CMD_BAD_PARAM;
    nvm_set(&x->m->nvm, SET_UDCONF1, v);
    return AT_OK;
}

/* The GNSS I/O profile: a bitmap (ubxlib's uCellCfgGnssProfile_t), and
 * with the IP bit (8) a port and server.  The read form always carries all
 * three (SARA-R410 in ubxlib issue #179: "+UGPRF: 2,0,\"\"").  A set form
 * that leaves out port and server clears them. */
#define UGPRF_SERVER_MAX (NVM_STR_MAX - 1)

static int cmd_UGPRF(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    nvm *n = &x->m->nvm;
    long v, port = 0;
    const char *server = "";
    switch (c->type) {
    case AT_READ:
        cmd_info(x, "+UGPRF: %ld,%ld,\"%s\"", nvm_get(n, SET_UGPRF), nvm_get(n, SET_UGPRF_PORT),
                 nvm_get_str(n, SET_UGPRF_SERVER));
        return AT_OK;
    case AT_TEST: cmd_info(x, "+UGPRF: (0-127),(0-65535),\"server\""); return AT_OK;
    case AT_SET: break;
    default: return AT_ERROR;
    }
    if (c->nargs > 3 || at_arg_int(c, 0, &v, 0, 127) != 0 || at_arg_int(c, 1, &port, 0, 65535) < 0 ||
        at_arg_str(c, 2, &server, UGPRF_SERVER_MAX) < 0)
        return CMD_BAD_PARAM;
    nvm_set(n, SET_UGPRF, v);
    nvm_set(n, SET_UGPRF_PORT, port);
    nvm_set_str(n, SET_UGPRF_SERVER, server);
    return AT_OK;
}

static int cmd_USECMODE(cmd_ctx *x) { return cmd_int_setting(x, SET_USECMODE, 0, 1, "(0-1)"); }
static int cmd_CMGF(cmd_ctx *x) { return cmd_int_setting(x, SET_CMGF, 0, 1, "(0-1)"); }

static int cmd_CSCS(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    const char *cs;
    switch (c->type) {
    case AT_READ: cmd_info(x, "+CSCS: \"IRA\""); return AT_OK;
    case AT_TEST: cmd_info(x, "+CSCS: (\"IRA\",\"GSM\",\"PCCP437\",\"8859-1\",\"UCS2\",\"HEX\")"); return AT_OK;
    case AT_SET:
        return at_arg_str(c, 0, &cs, 16) == 0 && !strcmp(cs, "IRA") ? AT_OK : AT_CME(CME_NOT_SUPPORTED);
    default: return AT_ERROR;
    }
}

static int cmd_USIO(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    long v;
    switch (c->type) {
    case AT_READ: {
        int cfg = x->m->port[1].wired ? 4 : 0;
        cmd_info(x, "+USIO: %d,*%d", cfg, cfg);
        return AT_OK;
    }
    case AT_TEST: cmd_info(x, "+USIO: (0,4)"); return AT_OK;
    case AT_SET:
        return at_arg_int(c, 0, &v, 0, 4) == 0 && (v == 0 || v == 4) ? AT_OK : CMD_BAD_PARAM;
    default: return AT_ERROR;
    }
}

const cmd_def cmd_misc_defs[] = {
    { "+UDCONF", cmd_UDCONF, 0 },
    { "+UGPRF", cmd_UGPRF, 0 },
    { "+USECMODE", cmd_USECMODE, 0 },
    { "+CMGF", cmd_CMGF, 0 },
    { "+CSCS", cmd_CSCS, 0 },
    { "+USIO", cmd_USIO, 0 },
    { NULL, NULL, 0 },
};
