/* cmd_gpio.c - the module's GPIO pins and the CTS line as a host drives them:
 * +UGPIOC (configure), +UGPIOR (read a level), +UGPIOW (write a level),
 * +UCTS (CTS line state).  ubxlib's cell/src/u_cell_gpio.c and Particle's
 * SIM-select pin are the exchanges modelled; docs/module-fidelity.md has the
 * formats and the persistence choices.
 *
 * A pin's mode is NVM (the u-blox manuals; Particle resets the R510 only
 * when the mode changes); an output's level is volatile: a pin configured
 * as an output comes up low after every boot (Particle: the R510 "will not
 * retain GPIO's HIGH after a cold boot"). */
#include <stdio.h>

#include "../protocol/cme.h"
#include "modem_int.h"

/* GPIO1..GPIO6, then EXT_INT (33) and SDIO_CMD (46), which ubxlib's CellTime
 * configures on SARA-R5 (u_cell_time.c: AT+UGPIOC=33,23 and =46,28). */
static const int gpio_ids[] = { 16, 23, 24, 25, 42, 19, 33, 46 };
#define GPIO_COUNT (sizeof(gpio_ids) / sizeof(gpio_ids[0]))

enum { GPIO_OUTPUT = 0, GPIO_INPUT = 1 };

static int gpio_index(long id)
{
    for (size_t i = 0; i < GPIO_COUNT; i++)
        if (gpio_ids[i] == id)
            return (int)i;
    return -1;
}

static int gpio_mode_ok(long mode)
{
    return (mode >= 0 && mode <= 32 && mode != 17 && mode != 31) || mode == 255;
}

static long gpio_mode(const modem *m, int i) { return nvm_get(&m->nvm, SET_GPIO_MODE + (nvm_id)i); }

/* Argument 0 as a pin: 0 with its index, or the error result. */
static int arg_gpio(const at_cmd *c, int *index)
{
    long id;
    if (at_arg_int(c, 0, &id, 0, 255) != 0)
        return CMD_BAD_PARAM;
    *index = gpio_index(id);
    return *index < 0 ? AT_CME(CME_WRONG_GPIO) : 0;
}

static int cmd_UGPIOC(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    long mode, param = 0;
    int i, r;
    switch (c->type) {
    case AT_READ:
        cmd_info(x, "+UGPIOC:");
        for (size_t k = 0; k < GPIO_COUNT; k++)
            cmd_info(x, "%d,%ld", gpio_ids[k], gpio_mode(x->m, (int)k));
        return AT_OK;
    case AT_TEST:
        cmd_info(x, "+UGPIOC: (16,19,23,24,25,33,42,46),(0-16,18-30,32,255)");
        return AT_OK;
    case AT_SET: break;
    default: return AT_ERROR;
    }
    if (c->nargs < 2 || c->nargs > 3 || at_arg_int(c, 1, &mode, 0, 255) != 0)
        return CMD_BAD_PARAM;
    if ((r = arg_gpio(c, &i)))
        return r;
    if (!gpio_mode_ok(mode))
        return AT_CME(CME_GPIO_MODE);
    /* output: the initial level; input: the pull resistor (not modelled) */
    if (at_arg_int(c, 2, &param, 0, mode == GPIO_OUTPUT ? 1 : 2) < 0)
        return CMD_BAD_PARAM;
    nvm_set(&x->m->nvm, SET_GPIO_MODE + (nvm_id)i, mode);
    nvm_set(&x->m->nvm, SET_GPIO_LEVEL + (nvm_id)i, mode == GPIO_OUTPUT ? param : 0);
    return AT_OK;
}

/* AT+UGPIOR=<id> -> +UGPIOR: <id>,<level>.  An input reads low: nothing
 * outside the simulated module drives its pins. */
static int cmd_UGPIOR(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    int i, r;
    if (c->type == AT_TEST) {
        cmd_info(x, "+UGPIOR: (16,19,23,24,25,33,42,46)");
        return AT_OK;
    }
    if (c->type != AT_SET)
        return AT_ERROR;
    if (c->nargs != 1)
        return CMD_BAD_PARAM;
    if ((r = arg_gpio(c, &i)))
        return r;
    long mode = gpio_mode(x->m, i);
    if (mode != GPIO_OUTPUT && mode != GPIO_INPUT)
        return AT_CME(CME_GPIO_READ);
    long level = mode == GPIO_OUTPUT ? nvm_get(&x->m->nvm, SET_GPIO_LEVEL + (nvm_id)i) : 0;
    cmd_info(x, "+UGPIOR: %d,%ld", gpio_ids[i], level);
    return AT_OK;
}

/* AT+UGPIOW=<id>,<level>: only a pin configured as an output. */
static int cmd_UGPIOW(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    long level;
    int i, r;
    if (c->type == AT_TEST) {
        cmd_info(x, "+UGPIOW: (16,19,23,24,25,33,42,46),(0-1)");
        return AT_OK;
    }
    if (c->type != AT_SET)
        return AT_ERROR;
    if (c->nargs != 2 || at_arg_int(c, 1, &level, 0, 1) != 0)
        return CMD_BAD_PARAM;
    if ((r = arg_gpio(c, &i)))
        return r;
    if (gpio_mode(x->m, i) != GPIO_OUTPUT)
        return AT_CME(CME_GPIO_WRITE);
    nvm_set(&x->m->nvm, SET_GPIO_LEVEL + (nvm_id)i, level);
    return AT_OK;
}

/* +UCTS: the state the module drives on CTS (1 = ON), which ubxlib toggles
 * only when the host does not use CTS flow control.  Volatile: CTS is ON
 * at UART initialisation (u-blox system integration manuals). */
static int cmd_UCTS(cmd_ctx *x) { return cmd_int_setting(x, SET_UCTS, 0, 1, "(0-1)"); }

const cmd_def cmd_gpio_defs[] = {
    { "+UGPIOC", cmd_UGPIOC, 0 },
    { "+UGPIOR", cmd_UGPIOR, 0 },
    { "+UGPIOW", cmd_UGPIOW, 0 },
    { "+UCTS", cmd_UCTS, 0 },
    { NULL, NULL, 0 },
};
