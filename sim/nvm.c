/* nvm.c - settings store with factory table, AT profile and atomic NVM file. */
#include "nvm.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fs/atomic.h"
#include "json_int.h"
#include "../protocol/baud.h"

#define NVM_FILE "nvm.json"
/* Far more than any image the module writes (a few kB): a bigger file is
 * junk and is not read into memory. */
#define NVM_FILE_MAX (1u << 20)

typedef struct nvm_desc {
    nvm_id base;
    const char *key;
    nvm_type type;
    nvm_scope scope;
    int count;
    long factory_int;
    const char *factory_str;
} nvm_desc;

#define NVM_DESC_ENTRY(id, key, type, scope, count, fi, fs) \
    { id, key, NVM_##type, NVM_##scope, count, fi, fs },
static const nvm_desc nvm_descs[] = { NVM_SETTINGS(NVM_DESC_ENTRY) };
#undef NVM_DESC_ENTRY
#define NDESCS (sizeof(nvm_descs) / sizeof(nvm_descs[0]))

static const nvm_desc *desc_of(nvm_id id)
{
    for (size_t i = 0; i < NDESCS; i++)
        if (id >= nvm_descs[i].base && (int)id < (int)nvm_descs[i].base + nvm_descs[i].count)
            return &nvm_descs[i];
    return NULL;
}

nvm_type nvm_type_of(nvm_id id) { return desc_of(id)->type; }
nvm_scope nvm_scope_of(nvm_id id) { return desc_of(id)->scope; }

const char *nvm_key(nvm_id id, char *buf, size_t size)
{
    const nvm_desc *d = desc_of(id);
    if (d->count == 1)
        snprintf(buf, size, "%s", d->key);
    else
        snprintf(buf, size, "%s.%d", d->key, (int)(id - d->base));
    return buf;
}

int nvm_lookup(const char *key, nvm_id *id)
{
    char buf[64];
    for (int i = 0; i < SET__COUNT; i++) {
        if (strcmp(nvm_key((nvm_id)i, buf, sizeof(buf)), key) == 0) {
            *id = (nvm_id)i;
            return 0;
        }
    }
    return -ENOENT;
}

/* Array elements whose factory value differs from their array's. */
static const struct {
    nvm_id id;
    const char *s;
} factory_overrides[] = {
    { SET_PDP_TYPE + 1, "IP" }, /* cid 1: the LTE default bearer is always defined */
};

static void factory_value(nvm_id id, nvm_value *v)
{
    const nvm_desc *d = desc_of(id);
    v->i = d->factory_int;
    snprintf(v->s, sizeof(v->s), "%s", d->factory_str ? d->factory_str : "");
    for (size_t i = 0; i < sizeof(factory_overrides) / sizeof(factory_overrides[0]); i++)
        if (factory_overrides[i].id == id)
            snprintf(v->s, sizeof(v->s), "%s", factory_overrides[i].s);
}

static void all_factory(nvm_value *vals, int scope_mask)
{
    for (int i = 0; i < SET__COUNT; i++)
        if (scope_mask & (1 << nvm_scope_of((nvm_id)i)))
            factory_value((nvm_id)i, &vals[i]);
}

#define ALL_SCOPES 7
#define SCOPE_BIT(s) (1 << (s))

int nvm_init(nvm *n, const char *dir)
{
    memset(n, 0, sizeof(*n));
    if (dir && !(n->dir = strdup(dir)))
        return -ENOMEM;
    all_factory(n->cur, ALL_SCOPES);
    all_factory(n->prof, ALL_SCOPES);
    all_factory(n->flash, ALL_SCOPES);
    memcpy(n->disk_prof, n->prof, sizeof(n->prof));
    memcpy(n->disk_flash, n->flash, sizeof(n->flash));
    return 0;
}

void nvm_free(nvm *n)
{
    free(n->dir);
    n->dir = NULL;
}

/* A value read from flash that the module could never have written (a damaged
 * or hand-edited image) falls back to the factory value. */
static int loaded_int_ok(nvm_id id, long v)
{
    switch (id) {
    case SET_ECHO: case SET_QUIET: case SET_VERBOSE: case SET_DSR: return v == 0 || v == 1;
    case SET_DCD: case SET_DTR: return v >= 0 && v <= 2;
    case SET_FLOW: return v == 0 || v == 3;
    case SET_S2: case SET_S3: case SET_S4: case SET_S5: return v >= 0 && v <= 127;
    case SET_CMEE: return v >= 0 && v <= 2;
    case SET_IPR: return v == 0 || baud_rate_supported((uint32_t)v);
    default: return v >= -1000000000L && v <= 1000000000L;
    }
}

static void load_section(nvm *n, const cJSON *sec, nvm_value *vals, nvm_scope scope)
{
    char key[64];
    for (int i = 0; i < SET__COUNT; i++) {
        if (nvm_scope_of((nvm_id)i) != scope)
            continue;
        const cJSON *item = cJSON_GetObjectItemCaseSensitive(sec, nvm_key((nvm_id)i, key, sizeof(key)));
        if (!item)
            continue;
        long v;
        if (nvm_type_of((nvm_id)i) == NVM_INT && cJSON_IsNumber(item) && json_int(item->valuedouble, &v) &&
            loaded_int_ok((nvm_id)i, v))
            vals[i].i = v;
        else if (nvm_type_of((nvm_id)i) == NVM_STR && cJSON_IsString(item) &&
                 strlen(item->valuestring) < sizeof(vals[i].s))
            snprintf(vals[i].s, sizeof(vals[i].s), "%s", item->valuestring);
        else if (n->rejected++ == 0)
            snprintf(n->first_rejected, sizeof(n->first_rejected), "%s", key);
    }
}

static int load_file(nvm *n)
{
    char *text;
    size_t len;
    int rc = atomic_read_file(n->dir, NVM_FILE, NVM_FILE_MAX, &text, &len);
    if (rc)
        return rc;
    cJSON *root = cJSON_ParseWithLength(text, len);
    free(text);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return -EBADMSG;
    }
    load_section(n, cJSON_GetObjectItemCaseSensitive(root, "nvm"), n->flash, NVM_NVM);
    load_section(n, cJSON_GetObjectItemCaseSensitive(root, "profile"), n->prof, NVM_PROFILE);
    cJSON_Delete(root);
    return 0;
}

int nvm_boot(nvm *n)
{
    int rc = 0;
    n->rejected = 0;
    n->first_rejected[0] = 0;
    if (n->dir) {
        all_factory(n->flash, ALL_SCOPES);
        all_factory(n->prof, ALL_SCOPES);
        rc = load_file(n);
        if (rc == -ENOENT)
            rc = 0;
        /* A corrupt image falls back to factory values, as a module does. */
    }
    memcpy(n->disk_prof, n->prof, sizeof(n->prof));
    memcpy(n->disk_flash, n->flash, sizeof(n->flash));
    for (int i = 0; i < SET__COUNT; i++) {
        switch (nvm_scope_of((nvm_id)i)) {
        case NVM_VOLATILE: factory_value((nvm_id)i, &n->cur[i]); break;
        case NVM_PROFILE: n->cur[i] = n->prof[i]; break;
        case NVM_NVM: n->cur[i] = n->flash[i]; break;
        }
    }
    n->dirty = 0;
    return rc;
}

long nvm_get(const nvm *n, nvm_id id) { return n->cur[id].i; }
const char *nvm_get_str(const nvm *n, nvm_id id) { return n->cur[id].s; }

void nvm_set(nvm *n, nvm_id id, long v)
{
    n->cur[id].i = v;
    if (nvm_scope_of(id) == NVM_NVM && n->flash[id].i != v) {
        n->flash[id].i = v;
        n->dirty = 1;
    }
}

void nvm_set_str(nvm *n, nvm_id id, const char *s)
{
    snprintf(n->cur[id].s, sizeof(n->cur[id].s), "%s", s);
    if (nvm_scope_of(id) == NVM_NVM && strcmp(n->flash[id].s, n->cur[id].s) != 0) {
        memcpy(n->flash[id].s, n->cur[id].s, sizeof(n->cur[id].s));
        n->dirty = 1;
    }
}

void nvm_reset(nvm *n, nvm_id id)
{
    nvm_value v;
    factory_value(id, &v);
    if (nvm_type_of(id) == NVM_INT)
        nvm_set(n, id, v.i);
    else
        nvm_set_str(n, id, v.s);
}

void nvm_profile_store(nvm *n)
{
    for (int i = 0; i < SET__COUNT; i++)
        if (nvm_scope_of((nvm_id)i) == NVM_PROFILE)
            n->prof[i] = n->cur[i];
    n->dirty = 1;
}

void nvm_profile_load(nvm *n)
{
    for (int i = 0; i < SET__COUNT; i++)
        if (nvm_scope_of((nvm_id)i) == NVM_PROFILE)
            n->cur[i] = n->prof[i];
}

void nvm_profile_factory(nvm *n)
{
    for (int i = 0; i < SET__COUNT; i++)
        if (nvm_scope_of((nvm_id)i) == NVM_PROFILE)
            factory_value((nvm_id)i, &n->cur[i]);
}

void nvm_factory_reset(nvm *n)
{
    all_factory(n->flash, SCOPE_BIT(NVM_NVM));
    all_factory(n->prof, SCOPE_BIT(NVM_PROFILE));
    n->dirty = 1;
}

static void save_section(cJSON *sec, const nvm_value *vals, nvm_scope scope)
{
    char key[64];
    for (int i = 0; i < SET__COUNT; i++) {
        if (nvm_scope_of((nvm_id)i) != scope)
            continue;
        nvm_key((nvm_id)i, key, sizeof(key));
        if (nvm_type_of((nvm_id)i) == NVM_INT)
            cJSON_AddNumberToObject(sec, key, (double)vals[i].i);
        else
            cJSON_AddStringToObject(sec, key, vals[i].s);
    }
}

int nvm_commit(nvm *n)
{
    if (!n->dirty)
        return 0;
    if (!n->dir) {
        n->dirty = 0;
        return 0;
    }
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return -ENOMEM;
    cJSON_AddNumberToObject(root, "format", 1);
    save_section(cJSON_AddObjectToObject(root, "nvm"), n->flash, NVM_NVM);
    save_section(cJSON_AddObjectToObject(root, "profile"), n->prof, NVM_PROFILE);
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text)
        return -ENOMEM;
    int rc = atomic_write_file(n->dir, NVM_FILE, text, strlen(text));
    free(text);
    n->last_error = rc;
    if (!rc) {
        n->dirty = 0;
        memcpy(n->disk_prof, n->prof, sizeof(n->prof));
        memcpy(n->disk_flash, n->flash, sizeof(n->flash));
    }
    return rc;
}

void nvm_rollback(nvm *n)
{
    memcpy(n->prof, n->disk_prof, sizeof(n->prof));
    memcpy(n->flash, n->disk_flash, sizeof(n->flash));
    for (int i = 0; i < SET__COUNT; i++)
        if (nvm_scope_of((nvm_id)i) == NVM_NVM)
            n->cur[i] = n->flash[i];
    n->dirty = 0;
}
