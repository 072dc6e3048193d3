/* cmd_util.c - handler patterns shared by several command families. */
#include "modem_int.h"

int cmd_int_setting(cmd_ctx *x, nvm_id id, long lo, long hi, const char *range)
{
    const at_cmd *c = x->cmd;
    switch (c->type) {
    case AT_READ:
        cmd_info(x, "%s: %ld", c->name, nvm_get(&x->m->nvm, id));
        return AT_OK;
    case AT_TEST:
        cmd_info(x, "%s: %s", c->name, range);
        return AT_OK;
    case AT_SET: {
        long v;
        if (c->nargs != 1 || at_arg_int(c, 0, &v, lo, hi) != 0)
            return CMD_BAD_PARAM;
        nvm_set(&x->m->nvm, id, v);
        return AT_OK;
    }
    default:
        return AT_ERROR;
    }
}
