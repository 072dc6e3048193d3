/* cmd_lwm2m.c - the LwM2M client's AT commands: +ULWM2M, +ULWM2MREG,
 * +ULWM2MDEREG, +ULWM2MSTAT, +ULWM2MLIST, +ULWM2MREAD, +ULWM2MWRITE,
 * +ULWM2MCONFIGEXT (app note §3.1.1, §3.6, §3.7; sara-r5-at-facts.md §5.7;
 * ufota-lwm2m-data-facts.md §1.1).  Syntax no source gives (+ULWM2MDEREG,
 * +ULWM2MCONFIGEXT) is our choice, documented in docs/module-fidelity.md.
 *
 * Until the client has started (lwm2m_start after boot, and never when the
 * MNO profile or +ULWM2M disables it) the commands that talk to it answer
 * ERROR, as the module's do (ufota-lwm2m-data-facts.md §1.3).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../protocol/cme.h"
#include "lwm2m.h"
#include "modem_int.h"

#define JSON_ARG_MAX 1024

static lwm2m_mod *mod(cmd_ctx *x) { return x->m->lwm2m; }

/* +ULWM2M=<n>: 0 enable, 1 disable, 2 reset; in effect after a reboot.
 * Re-enabling a disabled client or resetting it forgets the key from the
 * root of trust (app note §3.1.1): the next registration needs +USECMODE 1. */
static int cmd_ULWM2M(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    nvm *n = &x->m->nvm;
    long v;
    switch (c->type) {
    case AT_READ: cmd_info(x, "+ULWM2M: %ld", nvm_get(n, SET_ULWM2M)); return AT_OK;
    case AT_TEST: cmd_info(x, "+ULWM2M: (0-2)"); return AT_OK;
    case AT_SET: break;
    default: return AT_ERROR;
    }
    if (c->nargs != 1 || at_arg_int(c, 0, &v, 0, 2) != 0)
        return CMD_BAD_PARAM;
    if (v == 2) {
        for (int k = 0; k < 2; k++) {
            nvm_reset(n, (nvm_id)(SET_LWM2M_LIFETIME + k));
            nvm_reset(n, (nvm_id)(SET_LWM2M_PMIN + k));
            nvm_reset(n, (nvm_id)(SET_LWM2M_PMAX + k));
            nvm_reset(n, (nvm_id)(SET_LWM2M_BINDING + k));
        }
        nvm_set(n, SET_LWM2M_PSK, 0);
        modem_trace_event(x->m, "lwm2m reset requested");
        return AT_OK;
    }
    if (v == 0 && nvm_get(n, SET_ULWM2M) == 1)
        nvm_set(n, SET_LWM2M_PSK, 0);
    nvm_set(n, SET_ULWM2M, v);
    return AT_OK;
}

static int ssid_arg(cmd_ctx *x, long *ssid)
{
    const at_cmd *c = x->cmd;
    if (c->nargs != 1 || at_arg_int(c, 0, ssid, 1, 65534) != 0)
        return CMD_BAD_PARAM;
    if (!lwm2m_client_server(&mod(x)->client, (uint16_t)*ssid))
        return AT_CME(CME_NOT_ALLOWED);
    return AT_OK;
}

/* +ULWM2MREG? lists every server: <ssid>,<status>[,<seconds to update>]
 * (app note §3.1.1: "721,3,86281", "721,0", "721,4").  =<ssid> updates
 * the registration now (a check-in, app note §3.6). */
static int cmd_ULWM2MREG(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    if (c->type == AT_TEST) {
        cmd_info(x, "+ULWM2MREG: (1-65534)");
        return AT_OK;
    }
    if (!lwm2m_mod_started(x->m))
        return AT_ERROR;
    lwm2m_client *cl = &mod(x)->client;
    uint64_t now = clk_now(x->m->clk);
    if (c->type == AT_READ) {
        for (size_t i = 0; i < LWM2M_MAX_SERVERS; i++) {
            const lwm2m_server *s = &cl->srv[i];
            if (!s->used)
                continue;
            int64_t secs = lwm2m_client_secs_to_update(cl, now, s->ssid);
            if (s->status == LWM2M_REG_REGISTERED && secs >= 0)
                cmd_info(x, "+ULWM2MREG: %u,%d,%lld", s->ssid, s->status, (long long)secs);
            else
                cmd_info(x, "+ULWM2MREG: %u,%d", s->ssid, s->status);
        }
        return AT_OK;
    }
    if (c->type != AT_SET)
        return AT_ERROR;
    long ssid;
    int rc = ssid_arg(x, &ssid);
    if (rc != AT_OK)
        return rc;
    if (!cl->started)
        return AT_CME(CME_NOT_ALLOWED); /* not attached: nothing to update */
    lwm2m_client_trigger_update(cl, now, (uint16_t)ssid, &mod(x)->out);
    lwm2m_mod_run(x->m);
    return AT_OK;
}

/* +ULWM2MDEREG=<ssid> (ours: the app note names the command only):
 * de-register until reboot or the next +ULWM2MREG=<ssid>. */
static int cmd_ULWM2MDEREG(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    if (c->type == AT_TEST) {
        cmd_info(x, "+ULWM2MDEREG: (1-65534)");
        return AT_OK;
    }
    if (c->type != AT_SET || !lwm2m_mod_started(x->m))
        return AT_ERROR;
    long ssid;
    int rc = ssid_arg(x, &ssid);
    if (rc != AT_OK)
        return rc;
    lwm2m_client *cl = &mod(x)->client;
    if (cl->started) {
        lwm2m_client_deregister(cl, clk_now(x->m->clk), (uint16_t)ssid, &mod(x)->out);
        lwm2m_mod_run(x->m);
    }
    return AT_OK;
}

static int cmd_ULWM2MSTAT(cmd_ctx *x) { return cmd_int_setting(x, SET_ULWM2MSTAT, 0, 1, "(0,1)"); }

/* The quoted path argument of LIST / READ. */
static int path_arg(cmd_ctx *x, lwm2m_path *p)
{
    const at_cmd *c = x->cmd;
    if (c->nargs != 1 || !c->args[0].present || !c->args[0].quoted)
        return CMD_BAD_PARAM;
    if (lwm2m_path_parse(c->args[0].s, c->args[0].len, p) < 0)
        return AT_CME(CME_NOT_ALLOWED);
    return AT_OK;
}

/* +ULWM2MLIST="/" -> +ULWM2MLIST: "/1/10","/2/1",...,"/0/10" (app note
 * §3.6); "/<obj>" lists that object's instances. */
static int cmd_ULWM2MLIST(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    if (c->type == AT_TEST) {
        cmd_info(x, "+ULWM2MLIST: \"path\"");
        return AT_OK;
    }
    if ((c->type != AT_SET && c->type != AT_READ) || !lwm2m_mod_started(x->m))
        return AT_ERROR;
    lwm2m_path p = lwm2m_path_root();
    if (c->type == AT_SET) {
        int rc = path_arg(x, &p);
        if (rc != AT_OK)
            return rc;
        if (p.depth > 1 || !lwm2m_tree_exists(&mod(x)->tree, &p))
            return AT_CME(CME_NOT_ALLOWED);
    }
    const lwm2m_path *ls;
    size_t n = lwm2m_tree_listing(&mod(x)->tree, &ls);
    bytebuf b;
    bytebuf_init(&b);
    bytebuf_append_str(&b, "+ULWM2MLIST: ");
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        if (!lwm2m_path_is_under(&ls[i], &p))
            continue;
        char s[LWM2M_PATH_STR_MAX];
        lwm2m_path_format(&ls[i], s);
        bytebuf_appendf(&b, "%s\"%s\"", first ? "" : ",", s);
        first = 0;
    }
    cmd_info_bytes(x, b.data, b.len);
    bytebuf_free(&b);
    return AT_OK;
}

/* +ULWM2MREAD="<path>" -> +ULWM2MREAD: <OMA JSON, names relative to the
 * instance> (app note §3.6). */
static int cmd_ULWM2MREAD(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    if (c->type == AT_TEST) {
        cmd_info(x, "+ULWM2MREAD: \"path\"");
        return AT_OK;
    }
    if (c->type != AT_SET || !lwm2m_mod_started(x->m))
        return AT_ERROR;
    lwm2m_path p;
    int rc = path_arg(x, &p);
    if (rc != AT_OK)
        return rc;
    lwm2m_mod *d = mod(x);
    if (p.depth == 0 || !lwm2m_tree_exists(&d->tree, &p))
        return AT_CME(CME_NOT_ALLOWED);
    if (d->client.hooks.before_read)
        d->client.hooks.before_read(d->client.hooks.ctx, &p);
    lwm2m_list all, l;
    lwm2m_list_init(&all);
    lwm2m_list_init(&l);
    rc = lwm2m_tree_read(&d->tree, &p, LWM2M_OP_R, &all);
    for (size_t i = 0; rc == 0 && i < all.len; i++) /* empty multiple resources have no JSON form */
        if (all.items[i].value.type != LWM2M_T_NONE)
            rc = lwm2m_list_add(&l, &all.items[i].path, &all.items[i].value);
    bytebuf b;
    bytebuf_init(&b);
    bytebuf_append_str(&b, "+ULWM2MREAD: ");
    if (rc == 0 && l.len)
        rc = lwm2m_json_encode(&l, &p, LWM2M_JSON_INSTANCE_NAMES, &b);
    int ok = rc == 0 && l.len;
    if (ok)
        cmd_info_bytes(x, b.data, b.len);
    bytebuf_free(&b);
    lwm2m_list_free(&l);
    lwm2m_list_free(&all);
    return ok ? AT_OK : AT_CME(CME_NOT_ALLOWED);
}

/* +ULWM2MWRITE="<OMA JSON>": values written as if by a server, with the
 * same consequences (a new lifetime updates the registration, app note
 * §3.6).  The JSON's quotes come escaped as \" inside the AT string. */
static int cmd_ULWM2MWRITE(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    if (c->type == AT_TEST) {
        cmd_info(x, "+ULWM2MWRITE: \"json\"");
        return AT_OK;
    }
    if (c->type != AT_SET || !lwm2m_mod_started(x->m))
        return AT_ERROR;
    if (c->nargs != 1 || !c->args[0].quoted || c->args[0].len == 0 || c->args[0].len > JSON_ARG_MAX)
        return CMD_BAD_PARAM;
    lwm2m_mod *d = mod(x);
    lwm2m_list l;
    lwm2m_list_init(&l);
    int rc = lwm2m_json_decode(c->args[0].s, c->args[0].len, NULL, LWM2M_JSON_INSTANCE_NAMES, &l);
    int result = AT_OK;
    if (rc < 0) {
        result = CMD_BAD_PARAM;
    } else {
        rc = lwm2m_client_local_write(&d->client, clk_now(x->m->clk), &l, &d->out);
        if (rc < 0)
            result = d->store_failed ? AT_CME(CME_FFS_ERROR) : AT_CME(CME_NOT_ALLOWED);
        lwm2m_mod_run(x->m);
    }
    lwm2m_list_free(&l);
    return result;
}

/* +ULWM2MCONFIGEXT (ours: the app note names only its "APN sync" flag,
 * §3.7.5): =<apn_sync> 0/1, read +ULWM2MCONFIGEXT: <apn_sync>.  Factory:
 * on for the AT&T (2), FirstNet (206) and SoftBank (28) profiles. */
int lwm2m_apn_sync(const modem *m)
{
    long v = nvm_get(&m->nvm, SET_ULWM2MCONFIGEXT);
    if (v >= 0)
        return (int)v;
    long prof = nvm_get(&m->nvm, SET_MNO);
    return prof == 2 || prof == 206 || prof == 28;
}

static int cmd_ULWM2MCONFIGEXT(cmd_ctx *x)
{
    const at_cmd *c = x->cmd;
    long v;
    switch (c->type) {
    case AT_READ: cmd_info(x, "+ULWM2MCONFIGEXT: %d", lwm2m_apn_sync(x->m)); return AT_OK;
    case AT_TEST: cmd_info(x, "+ULWM2MCONFIGEXT: (0,1)"); return AT_OK;
    case AT_SET:
        if (c->nargs != 1 || at_arg_int(c, 0, &v, 0, 1) != 0)
            return CMD_BAD_PARAM;
        nvm_set(&x->m->nvm, SET_ULWM2MCONFIGEXT, v);
        return AT_OK;
    default: return AT_ERROR;
    }
}

const cmd_def cmd_lwm2m_defs[] = {
    { "+ULWM2M", cmd_ULWM2M, 0 },
    { "+ULWM2MREG", cmd_ULWM2MREG, 0 },
    { "+ULWM2MDEREG", cmd_ULWM2MDEREG, 0 },
    { "+ULWM2MSTAT", cmd_ULWM2MSTAT, 0 },
    { "+ULWM2MLIST", cmd_ULWM2MLIST, 0 },
    { "+ULWM2MREAD", cmd_ULWM2MREAD, 0 },
    { "+ULWM2MWRITE", cmd_ULWM2MWRITE, 0 },
    { "+ULWM2MCONFIGEXT", cmd_ULWM2MCONFIGEXT, 0 },
    { NULL, NULL, 0 },
};
