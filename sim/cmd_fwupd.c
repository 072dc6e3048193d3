/* cmd_fwupd.c - +UFWUPD, the entry into FOAT (app note §4.1, Table 7), and
 * +UFWINSTALL, the install of a package in the FOAT area (§6, §3.4.1).
 * The updates themselves run in sim/fwupd.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../protocol/baud.h"
#include "../protocol/cme.h"
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

/* <port_id> of +UFWINSTALL: 1 the primary UART, 2 the auxiliary one
 * (ours: the app note and Particle write "1" for the UART they talk on;
 * the manual's numbering is not in our sources). */
static int install_port(const modem *m, long id)
{
    if (id == 1)
        return 0;
    if (id == 2 && m->port[1].wired)
        return 1;
    return -1;
}

/* AT+UFWINSTALL[=[<port_id>][,[<rate>][,[<3rd>][,<urc>]]]] (fact sheet
 * §5.2): bare, install now; <port_id>,<rate>: install now, progress on that
 * port at that rate; ...,,,1: only switch the install URCs on (they cannot
 * be switched off).  Not on 00B products (app note §3.2).  The package is
 * the FOAT area's updatePackage.bin: without one, +CME ERROR: file not
 * found (ours; the bootloader's 144 would come after a reset). */
static int cmd_UFWINSTALL(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    modem *m = x->m;
    if (!strcmp(m->dev.product, "00B"))
        return AT_ERROR;
    if (c->type == AT_TEST) {
        cmd_info(x, "+UFWINSTALL: (1,2),(9600,19200,38400,57600,115200,230400,460800,921600),,(1)");
        return AT_OK;
    }
    if (c->type != AT_EXEC && c->type != AT_SET)
        return AT_ERROR;
    long id = 0, rate = 0, third = 0, urc = -1;
    if (c->nargs > 4 || at_arg_int(c, 0, &id, 1, 2) < 0 || at_arg_int(c, 1, &rate, 9600, 3000000) < 0 ||
        (rate && !baud_rate_supported((uint32_t)rate)) || at_arg_int(c, 2, &third, 0, 65535) < 0 ||
        at_arg_int(c, 3, &urc, 1, 1) < 0)
        return CMD_BAD_PARAM;
    int port = id ? install_port(m, id) : x->port;
    if (port < 0)
        return CMD_BAD_PARAM;
    if (urc == 1) { /* the URCs on (on this port), nothing installed */
        nvm_set(&m->nvm, SET_UFWINSTALL_URC, port + 1);
        return AT_OK;
    }
    /* the FOAT area's package, else one uFOTA downloaded in download-only
     * mode (app note §3.4.1: "the host can install it using +UFWINSTALL") */
    uint8_t *pkg;
    size_t len;
    update_method how = UPD_UFWINSTALL;
    if (modem_stored_package(m, how, &pkg, &len)) {
        how = UPD_UFOTA;
        if (modem_stored_package(m, how, &pkg, &len))
            return AT_CME(CME_FILE_NOT_FOUND);
    }
    free(pkg);
    m->port[x->port].after_method = how;
    long on = nvm_get(&m->nvm, SET_UFWINSTALL_URC);
    m->port[x->port].after_urcs = id || on;
    m->port[x->port].after_port = id ? port : on ? (int)on - 1 : x->port;
    modem_after_line(m, x->port, AFTER_FWINSTALL, (uint32_t)rate);
    return AT_OK;
}

const cmd_def cmd_fwupd_defs[] = {
    { "+UFWUPD", cmd_UFWUPD, CMD_ALONE },
    { "+UFWINSTALL", cmd_UFWINSTALL, CMD_ALONE },
    { NULL, NULL, 0 },
};
