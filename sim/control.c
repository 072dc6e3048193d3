/* control.c - JSON control commands applied to a modem. */
#include "control.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *reply_error(const char *fmt, const char *arg)
{
    char msg[256];
    snprintf(msg, sizeof(msg), fmt, arg);
    cJSON *r = cJSON_CreateObject();
    cJSON_AddBoolToObject(r, "ok", 0);
    cJSON_AddStringToObject(r, "error", msg);
    char *s = cJSON_PrintUnformatted(r);
    cJSON_Delete(r);
    return s;
}

static char *reply_ok(cJSON *extra_state)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddBoolToObject(r, "ok", 1);
    if (extra_state)
        cJSON_AddItemToObject(r, "state", extra_state);
    char *s = cJSON_PrintUnformatted(r);
    cJSON_Delete(r);
    return s;
}

static char *do_signal(modem *m, const cJSON *req)
{
    const cJSON *lost = cJSON_GetObjectItemCaseSensitive(req, "lost");
    const cJSON *rsrp = cJSON_GetObjectItemCaseSensitive(req, "rsrp");
    if (lost && !cJSON_IsBool(lost))
        return reply_error("signal: \"lost\" must be true or false%s", "");
    if (rsrp && (!cJSON_IsNumber(rsrp) || rsrp->valuedouble < -140 || rsrp->valuedouble > -44))
        return reply_error("signal: \"rsrp\" must be a number of dBm between -140 and -44%s", "");
    if (!lost && !rsrp)
        return reply_error("signal: expected \"rsrp\" or \"lost\"%s", "");
    modem_set_signal(m, lost ? cJSON_IsTrue(lost) : 0, rsrp ? (int)rsrp->valuedouble : 0);
    return reply_ok(NULL);
}

static char *do_install_error(modem *m, const cJSON *req)
{
    const cJSON *pct = cJSON_GetObjectItemCaseSensitive(req, "percent");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(req, "code");
    if (!cJSON_IsNumber(pct) || pct->valuedouble < 0 || pct->valuedouble > 100)
        return reply_error("install_error: \"percent\" must be a number 0..100%s", "");
    if (code && (!cJSON_IsNumber(code) || code->valuedouble < 129 || code->valuedouble > 255))
        return reply_error("install_error: \"code\" must be a final result code 129..255%s", "");
    modem_fwupd_install_error(m, (int)pct->valuedouble, code ? (int)code->valuedouble : 160);
    return reply_ok(NULL);
}

/* {"cmd":"easyflash","firmware":"03.16,A00.01","size":4500000}: app note
 * §7, the primary UART only ("port" other than 0 is refused, §7). */
static char *do_easyflash(modem *m, const cJSON *req)
{
    const cJSON *fw = cJSON_GetObjectItemCaseSensitive(req, "firmware");
    const cJSON *size = cJSON_GetObjectItemCaseSensitive(req, "size");
    const cJSON *port = cJSON_GetObjectItemCaseSensitive(req, "port");
    if (port && !(cJSON_IsNumber(port) && port->valuedouble == 0))
        return reply_error("easyflash: the auxiliary UART cannot be used by EasyFlash (app note §7)%s", "");
    if (size && (!cJSON_IsNumber(size) || size->valuedouble < 1 || size->valuedouble > MODEM_EASYFLASH_MAX))
        return reply_error("easyflash: \"size\" must be the image's bytes, 1..16777216%s", "");
    if (!cJSON_IsString(fw))
        return reply_error("easyflash: expected \"firmware\": \"MM.mm,Axx.yy\"%s", "");
    int rc = modem_easyflash(m, fw->valuestring, size ? (uint64_t)size->valuedouble : MODEM_EASYFLASH_DEFAULT);
    if (rc == -EINVAL)
        return reply_error("easyflash: \"firmware\" must look like \"03.16,A00.01\", got \"%s\"", fw->valuestring);
    if (rc)
        return reply_error("easyflash: the state dir cannot be written%s", "");
    return reply_ok(NULL);
}

char *control_handle(modem *m, const char *line, size_t len, const control_hooks *hooks)
{
    cJSON *req = cJSON_ParseWithLength(line, len);
    if (!cJSON_IsObject(req)) {
        cJSON_Delete(req);
        return reply_error("expected one JSON object per line%s", "");
    }
    const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(req, "cmd");
    char *reply;
    if (!cJSON_IsString(cmd)) {
        reply = reply_error("missing \"cmd\" (a string)%s", "");
    } else if (!strcmp(cmd->valuestring, "power_cut")) {
        modem_power_cut(m);
        reply = reply_ok(NULL);
    } else if (!strcmp(cmd->valuestring, "power_on")) {
        modem_power_on(m);
        reply = reply_ok(NULL);
    } else if (!strcmp(cmd->valuestring, "reset")) {
        modem_reset(m);
        reply = reply_ok(NULL);
    } else if (!strcmp(cmd->valuestring, "restart")) {
        modem_restart(m);
        reply = reply_ok(NULL);
    } else if (!strcmp(cmd->valuestring, "install_error")) {
        reply = do_install_error(m, req);
    } else if (!strcmp(cmd->valuestring, "easyflash")) {
        reply = do_easyflash(m, req);
    } else if (!strcmp(cmd->valuestring, "signal")) {
        reply = do_signal(m, req);
    } else if (!strcmp(cmd->valuestring, "state")) {
        char *js = modem_state_json(m);
        reply = reply_ok(cJSON_Parse(js));
        free(js);
    } else if (!strcmp(cmd->valuestring, "pdp_drop")) {
        modem_network_pdp_drop(m);
        reply = reply_ok(NULL);
    } else if (!strcmp(cmd->valuestring, "host")) {
        char err[256];
        if (!hooks || !hooks->host_faults)
            reply = reply_error("host: no simulated network here%s", "");
        else if (hooks->host_faults(hooks->ctx, req, err, sizeof(err)))
            reply = reply_error("%s", err);
        else
            reply = reply_ok(NULL);
    } else if (!strcmp(cmd->valuestring, "set_time_scale")) {
        const cJSON *sc = cJSON_GetObjectItemCaseSensitive(req, "scale");
        if (!cJSON_IsNumber(sc) || !(sc->valuedouble >= 0.001 && sc->valuedouble <= 1e6))
            reply = reply_error("set_time_scale: \"scale\" must be a number from 0.001 to 1000000%s", "");
        else if (!hooks || !hooks->set_time_scale || hooks->set_time_scale(hooks->ctx, sc->valuedouble))
            reply = reply_error("set_time_scale: not supported here%s", "");
        else
            reply = reply_ok(NULL);
    } else {
        reply = reply_error("unknown cmd \"%s\" (power_cut, power_on, reset, restart, signal, state, "
                            "set_time_scale, install_error, easyflash, pdp_drop, host)",
                            cmd->valuestring);
    }
    cJSON_Delete(req);
    return reply;
}
