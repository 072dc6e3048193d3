/* rot.c - the RoT firmware and its update file (rot.h). */
#include "rot.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fs/atomic.h"
#include "../protocol/package.h"
#include "modem_int.h"

#define ROT_STATE_FILE "rot.json"
#define ROT_STATE_MAX 1024
#define ROT_MAGIC "SARA-R5 RoT FW "

/* rot.json: {"version":"03.15,A00.01"} plus "installing" while an update
 * runs. */
static int save_state(modem *m)
{
    if (!m->state_dir)
        return 0;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "version", m->rot.version);
    if (m->rot.installing[0])
        cJSON_AddStringToObject(o, "installing", m->rot.installing);
    char *text = cJSON_Print(o);
    cJSON_Delete(o);
    if (!text)
        return -ENOMEM;
    int rc = atomic_write_file(m->state_dir, ROT_STATE_FILE, text, strlen(text));
    free(text);
    if (rc)
        modem_trace_event(m, "rot state write failed: %s", strerror(-rc));
    return rc;
}

static int copy_version(const cJSON *o, const char *key, char *dst)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v)
        return 1;
    if (!cJSON_IsString(v) || !pkg_version_valid(v->valuestring) || strlen(v->valuestring) >= ROT_VERSION_MAX)
        return -EBADMSG;
    snprintf(dst, ROT_VERSION_MAX, "%s", v->valuestring);
    return 0;
}

/* The factory RoT runs the factory firmware's RoT version. */
static void load_state(modem *m)
{
    rot_state *r = &m->rot;
    snprintf(r->version, sizeof r->version, "%s", m->dev.firmware);
    r->installing[0] = 0;
    if (!m->state_dir)
        return;
    char *text;
    size_t len;
    int rc = atomic_read_file(m->state_dir, ROT_STATE_FILE, ROT_STATE_MAX, &text, &len);
    if (rc == -ENOENT)
        return;
    cJSON *o = rc ? NULL : cJSON_ParseWithLength(text, len);
    if (!rc)
        free(text);
    if (rc || !cJSON_IsObject(o) || copy_version(o, "version", r->version) ||
        copy_version(o, "installing", r->installing) < 0) {
        snprintf(r->version, sizeof r->version, "%s", m->dev.firmware);
        r->installing[0] = 0;
        modem_notice(m, "state dir: %s unreadable: the RoT runs the factory version %s", ROT_STATE_FILE,
                     r->version);
    }
    cJSON_Delete(o);
}

/* The version an update file carries ("" when it is not one). */
static void file_version(const fs_file *f, char *out)
{
    out[0] = 0;
    size_t k = strlen(ROT_MAGIC);
    if (!f || f->len < k + 1 || memcmp(f->data, ROT_MAGIC, k))
        return;
    size_t n = 0;
    while (k + n < f->len && n + 1 < ROT_VERSION_MAX && f->data[k + n] != '\n' && f->data[k + n])
        n++;
    memcpy(out, f->data + k, n);
    out[n] = 0;
    if (!pkg_version_valid(out))
        out[0] = 0;
}

static const fs_file *update_file(modem *m) { return fs_find(&m->fs, FS_TAG_ROT, ROT_FILE_NAME); }

void rot_boot(modem *m)
{
    /* the flash is read at every boot; without one memory is all there is */
    if (m->state_dir || !m->rot.loaded)
        load_state(m);
    m->rot.loaded = 1;
    if (m->rot.installing[0]) {
        modem_trace_event(m, "rot update resumed version=%s", m->rot.installing);
        rot_update_finish(m);
    }
}

/* The update file's version into v (ROT_VERSION_MAX); ROT_NO_FILE without
 * one, else 0 ("" when the file is not one the RoT can read). */
static int pending_version(modem *m, char *v)
{
    const fs_file *f = update_file(m);
    if (!f)
        return ROT_NO_FILE;
    file_version(f, v);
    return 0;
}

int rot_status(modem *m)
{
    char v[ROT_VERSION_MAX];
    if (pending_version(m, v))
        return ROT_NO_FILE;
    return strcmp(v, m->rot.version) ? ROT_UPDATE_NEEDED : ROT_UP_TO_DATE;
}

int rot_update_begin(modem *m)
{
    char v[ROT_VERSION_MAX];
    if (pending_version(m, v))
        return ROT_NO_FILE;
    if (!v[0]) /* not an update file the RoT can read: nothing to install, it goes */
        snprintf(v, sizeof v, "%s", m->rot.version);
    snprintf(m->rot.installing, sizeof m->rot.installing, "%s", v);
    int rc = save_state(m);
    if (rc)
        m->rot.installing[0] = 0;
    else
        modem_trace_event(m, "rot update start from=%s to=%s", m->rot.version, v);
    return rc;
}

int rot_update_finish(modem *m)
{
    rot_state *r = &m->rot;
    if (!r->installing[0])
        return 0;
    char installing[ROT_VERSION_MAX];
    snprintf(installing, sizeof installing, "%s", r->installing);
    /* 1: the RoT runs it (journal kept) */
    snprintf(r->version, sizeof r->version, "%s", installing);
    int rc = save_state(m);
    /* 2: the file is consumed */
    if (!rc && update_file(m))
        rc = fs_delete(&m->fs, FS_TAG_ROT, ROT_FILE_NAME);
    /* 3: done */
    if (!rc) {
        r->installing[0] = 0;
        rc = save_state(m);
    }
    if (rc)
        snprintf(r->installing, sizeof r->installing, "%s", installing);
    modem_trace_event(m, "rot update %s version=%s free=%zu", rc ? "unfinished" : "done", r->version,
                      fs_free_space(&m->fs));
    return rc;
}

int rot_deliver_file(modem *m, const char *fw_version)
{
    uint8_t *buf = calloc(1, ROT_FILE_BYTES);
    if (!buf)
        return -ENOMEM;
    snprintf((char *)buf, ROT_FILE_BYTES, ROT_MAGIC "%s\n", fw_version);
    /* replaces the old one (whose room counts as free); -ENOSPC when full */
    int rc = fs_put(&m->fs, FS_TAG_ROT, ROT_FILE_NAME, buf, ROT_FILE_BYTES, 0);
    free(buf);
    modem_trace_event(m, "rot file version=%s %s", fw_version, rc ? strerror(-rc) : "stored");
    return rc;
}

void rot_state_json(const modem *m, cJSON *obj)
{
    char v[ROT_VERSION_MAX];
    const fs_file *f = fs_find(&m->fs, FS_TAG_ROT, ROT_FILE_NAME);
    file_version(f, v);
    cJSON_AddStringToObject(obj, "version", m->rot.version);
    cJSON_AddStringToObject(obj, "update_file", v);
    cJSON_AddStringToObject(obj, "installing", m->rot.installing);
}
