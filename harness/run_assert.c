/* run_assert.c - the host's "assert" step: what the module keeps (files,
 * firmware, settings) and what state it is in. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner_int.h"
#include "sim/json_int.h"

static void hex32(const uint8_t *md, char *out)
{
    for (int i = 0; i < 32; i++)
        sprintf(out + 2 * i, "%02x", md[i]);
}

static int check_file(runner *r, const sc_step *st)
{
    const sc_assert *a = &st->as;
    uint8_t *data = NULL;
    size_t len = 0;
    int rc = modem_file_get(r->m, a->tag, a->name, &data, &len);
    if (a->kind == AS_NO_FILE) {
        free(data);
        if (rc == -ENOENT)
            return 0;
        return rc ? runner_fail(r, st, "cannot read %s/%s: %s", a->tag, a->name, strerror(-rc))
                  : runner_fail(r, st, "%s/%s exists (%zu bytes)", a->tag, a->name, len);
    }
    if (rc)
        return runner_fail(r, st, "no file %s/%s (%s)", a->tag, a->name, strerror(-rc));
    rc = 0;
    if (a->size >= 0 && (long long)len != a->size)
        rc = runner_fail(r, st, "%s/%s has %zu bytes, expected %lld", a->tag, a->name, len, a->size);
    if (!rc && a->has_content && (len != a->content.len || memcmp(data, a->content.data, len))) {
        runner_set_expected(r, a->content.data, a->content.len);
        free(r->res->seen);
        r->res->seen = NULL;
        rc = runner_fail(r, st, "%s/%s has other content (%zu bytes)", a->tag, a->name, len);
    }
    if (!rc && a->has_sha256) {
        uint8_t md[EVP_MAX_MD_SIZE];
        unsigned mdlen = 0;
        char got[65], want[65];
        if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32) {
            rc = runner_fail(r, st, "SHA-256 failed");
        } else if (memcmp(md, a->sha256, 32)) {
            hex32(md, got);
            hex32(a->sha256, want);
            rc = runner_fail(r, st, "%s/%s has SHA-256 %s, expected %s", a->tag, a->name, got, want);
        }
    }
    free(data);
    return rc;
}

/* "network.stat", "uarts.0.rate": object keys and array indexes. */
static const cJSON *walk(const cJSON *root, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", path);
    const cJSON *cur = root;
    for (char *save = NULL, *seg = strtok_r(buf, ".", &save); seg && cur; seg = strtok_r(NULL, ".", &save)) {
        char *end;
        long idx = strtol(seg, &end, 10);
        if (cJSON_IsArray(cur) && !*end && end != seg)
            cur = cJSON_GetArrayItem(cur, (int)idx);
        else
            cur = cJSON_GetObjectItemCaseSensitive(cur, seg);
    }
    return cur;
}

/* A JSON value as the text "equals" is written in. */
static char *value_text(const cJSON *v)
{
    char buf[64];
    if (cJSON_IsString(v))
        return strdup(v->valuestring);
    long n;
    if (cJSON_IsNumber(v) && json_int(v->valuedouble, &n)) {
        snprintf(buf, sizeof(buf), "%ld", n);
        return strdup(buf);
    }
    if (cJSON_IsNumber(v)) {
        snprintf(buf, sizeof(buf), "%g", v->valuedouble);
        return strdup(buf);
    }
    if (cJSON_IsBool(v))
        return strdup(cJSON_IsTrue(v) ? "true" : "false");
    return cJSON_PrintUnformatted(v);
}

static int check_state(runner *r, const sc_step *st)
{
    char *js = modem_state_json(r->m);
    cJSON *root = js ? cJSON_Parse(js) : NULL;
    free(js);
    const cJSON *v = walk(root, st->as.key);
    char *got = v ? value_text(v) : NULL;
    int rc = 0;
    if (!v)
        rc = runner_fail(r, st, "the modem state has no \"%s\"", st->as.key);
    else if (!got || strcmp(got, st->as.equals))
        rc = runner_fail(r, st, "%s is \"%s\", expected \"%s\"", st->as.key, got ? got : "?", st->as.equals);
    free(got);
    cJSON_Delete(root);
    return rc;
}

int runner_step_assert(runner *r, const sc_step *st)
{
    const sc_assert *a = &st->as;
    char buf[256];
    switch (a->kind) {
    case AS_FILE:
    case AS_NO_FILE: return check_file(r, st);
    case AS_FIRMWARE:
        if (strcmp(modem_firmware(r->m), a->equals))
            return runner_fail(r, st, "firmware is \"%s\", expected \"%s\"", modem_firmware(r->m), a->equals);
        return 0;
    case AS_SETTING:
        if (modem_setting(r->m, a->key, buf, sizeof(buf)))
            return runner_fail(r, st, "no setting \"%s\"", a->key);
        if (strcmp(buf, a->equals))
            return runner_fail(r, st, "%s is \"%s\", expected \"%s\"", a->key, buf, a->equals);
        return 0;
    case AS_STATE: return check_state(r, st);
    case AS_LWM2M: {
        char err[512];
        return lwm2m_services_check(r->env.lw, a->lwm2m, err, sizeof(err)) ? runner_fail(r, st, "%s", err) : 0;
    }
    }
    return 0;
}
