/* update_rules.c - Table 16 (update_rules.h). */
#include "update_rules.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "modem_int.h"

/* App note Table 16, one entry per column (the "FW delta package via ..."
 * headings). */
static const update_rule rules[UPD__COUNT] = {
    [UPD_NONE] = { UPD_NONE, "none", "", FS_KEEP_FOR_UFWINSTALL, 1, 0, 0 },
    [UPD_FOAT] = { UPD_FOAT, "foat", "FW delta package via FOAT (applied with +UFWUPD)", FS_ERASE_FOR_FOAT, 0, 0,
                   0 },
    [UPD_UFOTA] = { UPD_UFOTA, "ufota", "FW delta package via uFOTA", FS_KEEP_FOR_UFOTA, 1, 1, 1 },
    [UPD_UFWINSTALL] = { UPD_UFWINSTALL, "ufwinstall", "FW delta package via FOTA (applied with +UFWINSTALL)",
                         FS_KEEP_FOR_UFWINSTALL, 0, 0, 0 },
    [UPD_EASYFLASH] = { UPD_EASYFLASH, "easyflash", "EasyFlash", FS_ERASE_FOR_EASYFLASH, 0, 0, 0 },
};

const update_rule *update_rule_of(update_method m)
{
    return (unsigned)m < UPD__COUNT ? &rules[m] : &rules[UPD_NONE];
}

const update_rule *update_rule_by_name(const char *name)
{
    for (int i = 1; i < UPD__COUNT; i++)
        if (!strcmp(rules[i].name, name))
            return &rules[i];
    return NULL;
}

void update_pending_capture(update_pending *p, update_method how, const nvm *n, int apn_sync)
{
    memset(p, 0, sizeof *p);
    p->how = how;
    p->mno = nvm_get(n, SET_MNO);
    p->apn_sync = apn_sync;
    for (int c = 0; c < UPD_CIDS; c++) {
        snprintf(p->pdp_type[c], NVM_STR_MAX, "%s", nvm_get_str(n, (nvm_id)(SET_PDP_TYPE + c)));
        snprintf(p->pdp_apn[c], NVM_STR_MAX, "%s", nvm_get_str(n, (nvm_id)(SET_PDP_APN + c)));
        p->auth_type[c] = nvm_get(n, (nvm_id)(SET_UAUTH_TYPE + c));
        snprintf(p->auth_user[c], NVM_STR_MAX, "%s", nvm_get_str(n, (nvm_id)(SET_UAUTH_USER + c)));
        snprintf(p->auth_pass[c], NVM_STR_MAX, "%s", nvm_get_str(n, (nvm_id)(SET_UAUTH_PASS + c)));
    }
}

cJSON *update_pending_to_json(const update_pending *p)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "method", update_rule_of(p->how)->name);
    cJSON_AddNumberToObject(o, "mno", (double)p->mno);
    cJSON_AddBoolToObject(o, "apn_sync", p->apn_sync);
    cJSON *a = cJSON_AddArrayToObject(o, "pdp");
    for (int c = 0; c < UPD_CIDS; c++) {
        if (!p->pdp_apn[c][0] && !p->pdp_type[c][0] && !p->auth_type[c] && !p->auth_user[c][0])
            continue;
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "cid", c);
        cJSON_AddStringToObject(e, "type", p->pdp_type[c]);
        cJSON_AddStringToObject(e, "apn", p->pdp_apn[c]);
        cJSON_AddNumberToObject(e, "auth", (double)p->auth_type[c]);
        cJSON_AddStringToObject(e, "user", p->auth_user[c]);
        cJSON_AddStringToObject(e, "pass", p->auth_pass[c]);
        cJSON_AddItemToArray(a, e);
    }
    return o;
}

static int copy_str(const cJSON *o, const char *key, char *dst)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(v) || strlen(v->valuestring) >= NVM_STR_MAX)
        return -EBADMSG;
    snprintf(dst, NVM_STR_MAX, "%s", v->valuestring);
    return 0;
}

int update_pending_from_json(const cJSON *o, update_pending *p)
{
    memset(p, 0, sizeof *p);
    const cJSON *method = cJSON_GetObjectItemCaseSensitive(o, "method");
    const cJSON *mno = cJSON_GetObjectItemCaseSensitive(o, "mno");
    const cJSON *sync = cJSON_GetObjectItemCaseSensitive(o, "apn_sync");
    const cJSON *pdp = cJSON_GetObjectItemCaseSensitive(o, "pdp");
    const update_rule *r = cJSON_IsString(method) ? update_rule_by_name(method->valuestring) : NULL;
    if (!r || !cJSON_IsNumber(mno) || mno->valuedouble < 0 || mno->valuedouble > 255 || !cJSON_IsBool(sync) ||
        !cJSON_IsArray(pdp))
        return -EBADMSG;
    p->how = r->method;
    p->mno = (long)mno->valuedouble;
    p->apn_sync = cJSON_IsTrue(sync);
    const cJSON *e;
    cJSON_ArrayForEach(e, pdp)
    {
        const cJSON *cid = cJSON_GetObjectItemCaseSensitive(e, "cid");
        const cJSON *auth = cJSON_GetObjectItemCaseSensitive(e, "auth");
        if (!cJSON_IsNumber(cid) || cid->valuedouble < 0 || cid->valuedouble >= UPD_CIDS || !cJSON_IsNumber(auth) ||
            auth->valuedouble < 0 || auth->valuedouble > 3)
            return -EBADMSG;
        int c = (int)cid->valuedouble;
        p->auth_type[c] = (long)auth->valuedouble;
        if (copy_str(e, "type", p->pdp_type[c]) || copy_str(e, "apn", p->pdp_apn[c]) ||
            copy_str(e, "user", p->auth_user[c]) || copy_str(e, "pass", p->auth_pass[c]))
            return -EBADMSG;
    }
    return 0;
}

int update_rules_apply(modem *m, const update_pending *p)
{
    const update_rule *r = update_rule_of(p->how);
    nvm *n = &m->nvm;
    int erased = fs_apply_reboot(&m->fs, r->files);
    rot_deliver_file(m, m->firmware); /* every method: the new firmware's RoT file (traced) */
    nvm_factory_reset(n);
    int again = 0;
    if (r->mno_profile_kept) {
        nvm_set(n, SET_MNO, p->mno);
        again = r->second_reboot && p->mno != 90;
    }
    int apns = r->apn_sync && p->apn_sync;
    for (int c = 0; apns && c < UPD_CIDS; c++) {
        nvm_set_str(n, (nvm_id)(SET_PDP_TYPE + c), p->pdp_type[c]);
        nvm_set_str(n, (nvm_id)(SET_PDP_APN + c), p->pdp_apn[c]);
        nvm_set(n, (nvm_id)(SET_UAUTH_TYPE + c), p->auth_type[c]);
        nvm_set_str(n, (nvm_id)(SET_UAUTH_USER + c), p->auth_user[c]);
        nvm_set_str(n, (nvm_id)(SET_UAUTH_PASS + c), p->auth_pass[c]);
    }
    int rc = nvm_commit(n);
    nvm_boot(n);
    modem_trace_event(m, "update rules method=%s files_erased=%d mno=%ld apns=%s%s%s", r->name, erased < 0 ? 0 : erased,
                      nvm_get(n, SET_MNO), apns ? "kept" : "factory", again ? " second_reboot" : "",
                      rc ? " nvm_commit_failed" : "");
    return again;
}
