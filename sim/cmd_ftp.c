/* cmd_ftp.c - the FTP commands: +UFTP (the profile), +UFTPC (operations,
 * answered OK at once, the outcome in +UUFTPCR / +UUFTPCD) and +UFTPER (the
 * last operation's error).  The client behind them is sim/ftp_client.c;
 * formats and the choices where no source says are docs/ftp.md. */
#include <stdio.h>
#include <string.h>

#include "../protocol/cme.h"
#include "modem_int.h"

/* ---------------- +UFTP ---------------- */

static void profile_lines(cmd_ctx *x, const ftpc_profile *p)
{
    /* one parameter per line; the password is never read back (docs/ftp.md) */
    cmd_info(x, "+UFTP: 0,\"%s\"", p->ip);
    cmd_info(x, "+UFTP: 1,\"%s\"", p->name);
    cmd_info(x, "+UFTP: 2,\"%s\"", p->user);
    cmd_info(x, "+UFTP: 4,\"%s\"", p->account);
    cmd_info(x, "+UFTP: 5,%ld", p->timeout);
    cmd_info(x, "+UFTP: 6,%d", p->passive);
    cmd_info(x, "+UFTP: 7,%ld", p->port);
    if (p->secure)
        cmd_info(x, "+UFTP: 8,1,%d", p->sec_profile);
    else
        cmd_info(x, "+UFTP: 8,0");
}

/* A text parameter of op 0..4 into dst (size bytes with the NUL). */
static int text_param(const at_cmd *c, char *dst, size_t size, int empty_ok)
{
    const char *s;
    if (c->nargs != 2 || at_arg_str(c, 1, &s, size - 1) != 0 || (!empty_ok && !s[0]))
        return -1;
    snprintf(dst, size, "%s", s);
    return 0;
}

static int set_profile(cmd_ctx *x, long op)
{
    const at_cmd *c = x->cmd;
    ftpc_profile *p = ftpc_profile_of(x->m);
    long v, a = 0, b = 0;
    char ip[16];
    ip4 dummy;
    switch (op) {
    case 0:
        if (text_param(c, ip, sizeof(ip), 0) || ip4_parse(ip, &dummy))
            return CMD_BAD_PARAM;
        snprintf(p->ip, sizeof(p->ip), "%s", ip);
        p->name[0] = 0; /* IP or name: the last one set is the server */
        return AT_OK;
    case 1:
        if (text_param(c, p->name, sizeof(p->name), 0))
            return CMD_BAD_PARAM;
        p->ip[0] = 0;
        return AT_OK;
    case 2: return text_param(c, p->user, sizeof(p->user), 1) ? CMD_BAD_PARAM : AT_OK;
    case 3: return text_param(c, p->pass, sizeof(p->pass), 1) ? CMD_BAD_PARAM : AT_OK;
    case 4: return text_param(c, p->account, sizeof(p->account), 1) ? CMD_BAD_PARAM : AT_OK;
    case 5: /* <timeout>[,<cmd_linger>,<data_linger>] as SparkFun's setFTPtimeouts sends it */
        if ((c->nargs != 2 && c->nargs != 4) || at_arg_int(c, 1, &v, 0, 86400) != 0 ||
            (c->nargs == 4 && (at_arg_int(c, 2, &a, 0, 86400) != 0 || at_arg_int(c, 3, &b, 0, 86400) != 0)))
            return CMD_BAD_PARAM;
        p->timeout = v;
        p->cmd_linger = a;
        p->data_linger = b;
        ftpc_timeout_changed(x->m);
        return AT_OK;
    case 6:
        if (c->nargs != 2 || at_arg_int(c, 1, &v, 0, 1) != 0)
            return CMD_BAD_PARAM;
        p->passive = (int)v;
        return AT_OK;
    case 7:
        if (c->nargs != 2 || at_arg_int(c, 1, &v, 1, 65535) != 0)
            return CMD_BAD_PARAM;
        p->port = v;
        return AT_OK;
    default: /* 8: <secure>[,<USECPRF profile>] */
        if (c->nargs < 2 || c->nargs > 3 || at_arg_int(c, 1, &v, 0, 1) != 0 || at_arg_int(c, 2, &a, 0, 4) < 0)
            return CMD_BAD_PARAM;
        p->secure = (int)v;
        p->sec_profile = v ? (int)a : 0;
        return AT_OK;
    }
}

static int cmd_UFTP(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    long op;
    if (c->type == AT_TEST) {
        cmd_info(x, "+UFTP: (0-8)");
        return AT_OK;
    }
    if (c->type == AT_READ) {
        profile_lines(x, ftpc_profile_of(x->m));
        return AT_OK;
    }
    if (c->type != AT_SET || at_arg_int(c, 0, &op, 0, 8) != 0)
        return CMD_BAD_PARAM;
    if (c->nargs == 1) { /* the op alone: back to its factory value */
        ftpc_profile_reset(x->m, (int)op);
        if (op == 5)
            ftpc_timeout_changed(x->m);
        return AT_OK;
    }
    return set_profile(x, op);
}

/* ---------------- +UFTPC ---------------- */

/* Argument i as a remote name: 1..256 characters. */
static int remote_arg(const at_cmd *c, size_t i, const char **out)
{
    return at_arg_str(c, i, out, FTP_PATH_MAX) == 0 && (*out)[0] ? 0 : -1;
}

/* The request of +UFTPC=<op>,...; -1 when the parameters do not fit it. */
static int parse_request(const at_cmd *c, long op, ftpc_req *r)
{
    memset(r, 0, sizeof(*r));
    r->op = (int)op;
    size_t n = c->nargs;
    switch (op) {
    case FTPC_LOGOUT:
    case FTPC_LOGIN: return n == 1 ? 0 : -1;
    case FTPC_DELETE:
    case FTPC_CD:
    case FTPC_MKDIR:
    case FTPC_RMDIR: return n == 2 && !remote_arg(c, 1, &r->remote) ? 0 : -1;
    case FTPC_RENAME: return n == 3 && !remote_arg(c, 1, &r->remote) && !remote_arg(c, 2, &r->remote2) ? 0 : -1;
    case FTPC_GET: /* "<remote>","<local>"[,<retrieving_mode>] */
        return (n == 3 || n == 4) && !remote_arg(c, 1, &r->remote) &&
                       at_arg_str(c, 2, &r->local, FS_NAME_MAX) == 0 && at_arg_int(c, 3, &r->mode, 0, 1) >= 0
                   ? 0
                   : -1;
    case FTPC_PUT: /* "<local>","<remote>"[,<bytes already sent>] */
        return (n == 3 || n == 4) && at_arg_str(c, 1, &r->local, FS_NAME_MAX) == 0 &&
                       !remote_arg(c, 2, &r->remote) && at_arg_int(c, 3, &r->mode, 0, 2147483647L) >= 0
                   ? 0
                   : -1;
    case FTPC_GET_DIRECT:
    case FTPC_PUT_DIRECT:
        return n >= 2 && n <= 3 && !remote_arg(c, 1, &r->remote) && at_arg_int(c, 2, &r->mode, 0, 2147483647L) >= 0
                   ? 0
                   : -1;
    case FTPC_INFO:
    case FTPC_LIST: return n == 1 || (n == 2 && !remote_arg(c, 1, &r->remote)) ? 0 : -1;
    case FTPC_FOTA: /* "<remote>"[,<fw_download_status>] */
        return (n == 2 || n == 3) && !remote_arg(c, 1, &r->remote) && at_arg_int(c, 2, &r->mode, 0, 1) >= 0 ? 0
                                                                                                              : -1;
    default: return -1; /* 9 and 12 are reserved */
    }
}

static int cmd_UFTPC(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    long op;
    if (c->type == AT_TEST) {
        cmd_info(x, "+UFTPC: (0-5,8,10,11,13,14,100)");
        return AT_OK;
    }
    ftpc_req r;
    if (c->type != AT_SET || at_arg_int(c, 0, &op, 0, 100) != 0 || parse_request(c, op, &r))
        return CMD_BAD_PARAM;
    int rc = ftpc_start(x->m, &r);
    return rc ? rc : AT_OK;
}

/* ---------------- +UFTPER ---------------- */

static int cmd_UFTPER(cmd_ctx *x)
{
    if (x->cmd->type == AT_TEST)
        return AT_OK;
    if (x->cmd->type != AT_EXEC)
        return AT_ERROR;
    int cls, code;
    ftpc_last_error(x->m, &cls, &code);
    cmd_info(x, "+UFTPER: %d,%d", cls, code);
    return AT_OK;
}

const cmd_def cmd_ftp_defs[] = {
    { "+UFTP", cmd_UFTP, 0 },
    { "+UFTPC", cmd_UFTPC, 0 },
    { "+UFTPER", cmd_UFTPER, 0 },
    { NULL, NULL, 0 },
};
