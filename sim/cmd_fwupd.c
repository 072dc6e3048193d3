/* cmd_fwupd.c - +UFWUPD, the entry into FOAT (app note §4.1, Table 7).
 * The update itself runs in sim/fwupd.c. */
#include <stdio.h>

#include "../protocol/baud.h"
#include "modem_int.h"

/* AT+UFWUPD=<filetype>[,<baud_rate>]: the app note writes "=1,460800"
 * (Table 7) and "=3" (Appendix B, and the SARA-R4 <filetype> 3 "firmware
 * image"); both mean the .upd image here.  The rate defaults to the one in
 * use.  Only a syntax error is answered, at the old rate; otherwise there is
 * no OK: the module resets into Firmware Update Mode and speaks next with
 * "+UFWUPD: ONGOING" at the new rate. */
static int cmd_UFWUPD(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    modem *m = x->m;
    long type, rate = 0;
    if (c->type == AT_TEST) {
        cmd_info(x, "+UFWUPD: (1,3),(9600,19200,38400,57600,115200,230400,460800,921600,3000000)");
        return AT_OK;
    }
    if (c->type != AT_SET || c->nargs > 2 || at_arg_int(c, 0, &type, 0, 9) != 0 || (type != 1 && type != 3) ||
        at_arg_int(c, 1, &rate, 9600, 3000000) < 0 || (rate && !baud_rate_supported((uint32_t)rate)))
        return AT_ERROR;
    if (!rate) /* the rate in use, if an update can run at it */
        rate = uart_effective_rate(&m->port[x->port].uart);
    if (rate < 9600 || rate > 3000000)
        return AT_ERROR;
    modem_after_line(m, x->port, AFTER_FWUPD, (uint32_t)rate);
    return AT_SILENT;
}

const cmd_def cmd_fwupd_defs[] = {
    { "+UFWUPD", cmd_UFWUPD, CMD_ALONE },
    { NULL, NULL, 0 },
};
