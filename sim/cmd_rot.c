/* cmd_rot.c - +USECFW, the RoT firmware update (app note §8, Tables 14 and
 * 15); the state is sim/rot.c's. */
#include "modem_int.h"
#include "rot.h"

static int usecfw_done(cmd_ctx *x)
{
    if (rot_update_finish(x->m))
        return AT_ERROR; /* the next boot completes it (§8.1) */
    cmd_info(x, "+USECFW: %d", ROT_UP_TO_DATE);
    return AT_OK;
}

/* AT+USECFW=0: +USECFW: 0 up to date, 1 update needed, 3 no update file.
 * AT+USECFW=1: the RoT installs the file (it may restart itself, about
 * rot_update), then +USECFW: 0; without a file +USECFW: 3 (ours: Table 15
 * shows only success; 3 is Table 14's "not possible to perform an update").
 * Test: +USECFW: (0,1) (ours). */
static int cmd_USECFW(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    modem *m = x->m;
    long op;
    if (c->type == AT_TEST) {
        cmd_info(x, "+USECFW: (0,1)");
        return AT_OK;
    }
    if (c->type != AT_SET || c->nargs != 1 || at_arg_int(c, 0, &op, 0, 1) != 0)
        return CMD_BAD_PARAM;
    if (op == 0) {
        cmd_info(x, "+USECFW: %d", rot_status(m));
        return AT_OK;
    }
    int rc = rot_update_begin(m);
    if (rc == ROT_NO_FILE) {
        cmd_info(x, "+USECFW: %d", ROT_NO_FILE);
        return AT_OK;
    }
    if (rc < 0)
        return AT_ERROR;
    return cmd_defer(x, m->dev.timing[TIM_ROT_UPDATE], usecfw_done);
}

const cmd_def cmd_rot_defs[] = {
    { "+USECFW", cmd_USECFW, 0 },
    { NULL, NULL, 0 },
};
