/* cmd_gnss.c - +UGPS, the power of the GNSS receiver the module drives.
 *
 * A SARA-R510M8S has a u-blox M8 receiver inside (ubxlib decides "GNSS
 * inside" from "M8" in ATI); +UGPS=1 powers it and +UGPS? reports
 * "+UGPS: 1,<aid_mode>,<GNSS_systems>" (ubxlib: "+UGPS: <mode>[,<aid_mode>
 * [,<GNSS_systems>]]").  No fix, NMEA or aiding is modelled.  A SARA-R500S
 * or R510S has no receiver inside and none is wired to the simulated one:
 * +UGPS? says 0 and +UGPS=1 fails, which is what ubxlib's
 * uCellLocIsGnssPresent() takes for "no GNSS".  The receiver is off after
 * every boot (volatile settings). */
#include <string.h>

#include "../protocol/cme.h"
#include "modem_int.h"

static int gnss_inside(const modem *m) { return strstr(m->dev.model, "M8") != NULL; }

static int cmd_UGPS(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    nvm *n = &x->m->nvm;
    long mode, aid = 0, systems = 1;
    switch (c->type) {
    case AT_READ:
        if (nvm_get(n, SET_UGPS_MODE))
            cmd_info(x, "+UGPS: 1,%ld,%ld", nvm_get(n, SET_UGPS_AID), nvm_get(n, SET_UGPS_SYSTEMS));
        else
            cmd_info(x, "+UGPS: 0");
        return AT_OK;
    case AT_TEST: cmd_info(x, "+UGPS: (0-1),(0-15),(1-127)"); return AT_OK;
    case AT_SET: break;
    default: return AT_ERROR;
    }
    if (c->nargs > 3 || at_arg_int(c, 0, &mode, 0, 1) != 0 || at_arg_int(c, 1, &aid, 0, 15) < 0 ||
        at_arg_int(c, 2, &systems, 1, 127) < 0)
        return CMD_BAD_PARAM;
    if (mode == 1 && !gnss_inside(x->m))
        return AT_CME(CME_NOT_SUPPORTED);
    nvm_set(n, SET_UGPS_MODE, mode);
    nvm_set(n, SET_UGPS_AID, mode ? aid : 0);
    nvm_set(n, SET_UGPS_SYSTEMS, mode ? systems : 1);
    return AT_OK;
}

const cmd_def cmd_gnss_defs[] = {
    { "+UGPS", cmd_UGPS, 0 },
    { NULL, NULL, 0 },
};
