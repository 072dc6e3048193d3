/* cmd_misc.c - configuration commands host libraries touch at bring-up:
 * +UDCONF=1, +UGPRF, +USECMODE, +CMGF, +CSCS, +UGPIOC, +USIO. */
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

static int cmd_UGPRF(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    long v;
    switch (c->type) {
    case AT_READ: cmd_info(x, "+UGPRF: %ld,0,\"\"", nvm_get(&x->m->nvm, SET_UGPRF)); return AT_OK;
    case AT_TEST: cmd_info(x, "+UGPRF: (0-127),(0-65535),\"server\""); return AT_OK;
    case AT_SET: break;
    default: return AT_ERROR;
    }
    if (c->nargs > 3 || at_arg_int(c, 0, &v, 0, 127) != 0)
        return CMD_BAD_PARAM;
    nvm_set(&x->m->nvm, SET_UGPRF, v);
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

/* SARA-R5 GPIO pins: GPIO1..GPIO6. */
static const int gpio_ids[] = { 16, 23, 24, 25, 42, 19 };

static int gpio_index(long id)
{
    for (int i = 0; i < 6; i++)
        if (gpio_ids[i] == id)
            return i;
    return -1;
}

static int gpio_mode_ok(long mode)
{
    return (mode >= 0 && mode <= 32 && mode != 17 && mode != 31) || mode == 255;
}

static int cmd_UGPIOC(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    long id, mode, param = 0;
    switch (c->type) {
    case AT_READ:
        cmd_info(x, "+UGPIOC:");
        for (int i = 0; i < 6; i++)
            cmd_info(x, "%d,%ld", gpio_ids[i], nvm_get(&x->m->nvm, SET_GPIO_MODE + i));
        return AT_OK;
    case AT_TEST:
        cmd_info(x, "+UGPIOC: (16,19,23,24,25,42),(0-16,18-30,32,255)");
        return AT_OK;
    case AT_SET: break;
    default: return AT_ERROR;
    }
    if (c->nargs > 3 || at_arg_int(c, 0, &id, 0, 255) != 0 || at_arg_int(c, 1, &mode, 0, 255) != 0 ||
        at_arg_int(c, 2, &param, 0, 2) < 0)
        return CMD_BAD_PARAM;
    int i = gpio_index(id);
    if (i < 0)
        return AT_CME(CME_WRONG_GPIO);
    if (!gpio_mode_ok(mode))
        return AT_CME(CME_GPIO_MODE);
    nvm_set(&x->m->nvm, SET_GPIO_MODE + (nvm_id)i, mode);
    return AT_OK;
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
    { "+UGPIOC", cmd_UGPIOC, 0 },
    { "+USIO", cmd_USIO, 0 },
    { NULL, NULL, 0 },
};
