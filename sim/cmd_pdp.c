/* cmd_pdp.c - what the data context looks like to the host: +CGCONTRDP
 * (dynamic parameters), +CSCON (RRC connection), +UGCNTRD / +UGCNTSET
 * (byte counters).  Formats: docs/network.md; sources in the socket spec
 * (3GPP 27.007, ubxlib u_cell_net.c). */
#include <stdio.h>
#include <string.h>

#include "../protocol/cme.h"
#include "modem_int.h"

/* The network's resolvers, as +CGCONTRDP and +UPSND report them. */
#define NET_DNS1 "10.0.0.1"
#define NET_DNS2 "10.0.0.2"

/* "+CGCONTRDP: <cid>,<bearer>,<apn>,<addr.mask>,<gw>,<dns1>,<dns2>":
 * address and mask as one dotted string (3GPP), the gateway the .1 of the
 * module's /24. */
static void contrdp_line(cmd_ctx *x, int cid)
{
    const modem *m = x->m;
    char ip[32];
    net_pdp_addr(m, cid, ip, sizeof(ip));
    ip4 a = 0;
    ip4_parse(ip, &a);
    char gw[16];
    ip4_format((a & 0xFFFFFF00u) | 1, gw);
    cmd_info(x, "+CGCONTRDP: %d,%d,\"%s\",\"%s.255.255.255.0\",\"%s\",\"%s\",\"%s\"", cid, cid + 4,
             nvm_get_str(&m->nvm, SET_PDP_APN + (nvm_id)cid), ip, gw, NET_DNS1, NET_DNS2);
}

static int cmd_CGCONTRDP(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    modem *m = x->m;
    long cid;
    if (c->type == AT_TEST) {
        cmd_info(x, "+CGCONTRDP: (1)");
        return AT_OK;
    }
    if (c->type == AT_EXEC) {
        for (int i = 0; i <= NET_MAX_CID; i++)
            if (m->net.pdp_active[i])
                contrdp_line(x, i);
        return AT_OK;
    }
    if (c->type != AT_SET || c->nargs != 1 || at_arg_int(c, 0, &cid, 0, NET_MAX_CID) != 0)
        return CMD_BAD_PARAM;
    if (!m->net.pdp_active[cid])
        return AT_CME(CME_NOT_ALLOWED);
    contrdp_line(x, (int)cid);
    return AT_OK;
}

static int cmd_CSCON(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    if (c->type == AT_READ) {
        cmd_info(x, "+CSCON: %ld,%d", nvm_get(&x->m->nvm, SET_CSCON), x->m->net.rrc_connected);
        return AT_OK;
    }
    return cmd_int_setting(x, SET_CSCON, 0, 1, "(0-1)");
}

static int cmd_UGCNTRD(cmd_ctx *x)
{
    if (x->cmd->type == AT_TEST)
        return AT_OK;
    if (x->cmd->type != AT_EXEC)
        return AT_ERROR;
    if (x->m->net.pdp_active[1]) {
        const ip_counters *k = ip_get_counters(x->m);
        cmd_info(x, "+UGCNTRD: 1,%llu,%llu,%llu,%llu", (unsigned long long)k->sess_tx,
                 (unsigned long long)k->sess_rx, (unsigned long long)k->tot_tx, (unsigned long long)k->tot_rx);
    }
    return AT_OK;
}

static int cmd_UGCNTSET(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    long cid, tx, rx;
    if (c->type == AT_TEST) {
        cmd_info(x, "+UGCNTSET: (0-10),(0-2147483646),(0-2147483646)");
        return AT_OK;
    }
    if (c->type != AT_SET || c->nargs != 3 || at_arg_int(c, 0, &cid, 0, NET_MAX_CID) != 0 ||
        at_arg_int(c, 1, &tx, 0, 2147483646L) != 0 || at_arg_int(c, 2, &rx, 0, 2147483646L) != 0)
        return CMD_BAD_PARAM;
    if (cid == 1) /* only the default bearer carries traffic here */
        ip_counters_set(x->m, (uint64_t)tx, (uint64_t)rx);
    return AT_OK;
}

const cmd_def cmd_pdp_defs[] = {
    { "+CGCONTRDP", cmd_CGCONTRDP, 0 },
    { "+CSCON", cmd_CSCON, 0 },
    { "+UGCNTRD", cmd_UGCNTRD, 0 },
    { "+UGCNTSET", cmd_UGCNTSET, 0 },
    { NULL, NULL, 0 },
};
