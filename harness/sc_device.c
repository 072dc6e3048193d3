/* sc_device.c - the device part of a scenario applied to a state dir. */
#include "sc_device.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fs/atomic.h"
#include "fs/fs.h"
#include "sim/nvm.h"

void sc_device_config(const sc_device *d, const char *state_dir, modem_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->dev = d->dev;
    cfg->state_dir = state_dir;
    cfg->aux_uart = d->aux_uart;
    cfg->pacing = d->pacing;
    cfg->net_time_base = d->net_time_base;
}

int sc_device_preset_nvm(const sc_device *d, const char *state_dir, char *err, size_t errlen)
{
    if (!d->nnvm)
        return 0;
    int rc = atomic_mkdirs(state_dir); /* a first run: the modem has not made it yet */
    if (rc) {
        snprintf(err, errlen, "device.nvm: cannot create %s: %s", state_dir, strerror(-rc));
        return -1;
    }
    nvm n;
    if (nvm_init(&n, state_dir)) {
        snprintf(err, errlen, "device.nvm: out of memory");
        return -1;
    }
    nvm_boot(&n); /* what the flash holds now (factory values if nothing) */
    int profile = 0;
    for (size_t i = 0; i < d->nnvm; i++) {
        nvm_id id;
        if (nvm_lookup(d->nvm[i].key, &id))
            continue; /* the parser already refused unknown keys */
        if (nvm_type_of(id) == NVM_STR)
            nvm_set_str(&n, id, d->nvm[i].s ? d->nvm[i].s : "");
        else
            nvm_set(&n, id, d->nvm[i].i);
        profile |= nvm_scope_of(id) == NVM_PROFILE;
    }
    if (profile)
        nvm_profile_store(&n); /* as AT&W would: the running profile becomes the stored one */
    n.dirty = 1;
    rc = nvm_commit(&n);
    nvm_free(&n);
    if (rc) {
        snprintf(err, errlen, "device.nvm: cannot write the NVM image in %s: %s", state_dir, strerror(-rc));
        return -1;
    }
    return 0;
}

int sc_device_preset_files(const sc_device *d, const char *state_dir, char *err, size_t errlen)
{
    if (!d->nfiles)
        return 0;
    fs f;
    int rc = fs_init(&f, state_dir, d->dev.fs_capacity);
    if (!rc)
        rc = fs_load(&f) < 0 ? -EIO : 0;
    for (size_t i = 0; !rc && i < d->nfiles; i++) {
        const sc_file *file = &d->files[i];
        fs_tag tag;
        if (fs_tag_parse(file->tag, strlen(file->tag), 0, &tag)) {
            snprintf(err, errlen, "device.files[%zu].tag: unknown tag \"%s\"", i, file->tag);
            fs_free(&f);
            return -1;
        }
        rc = fs_put(&f, tag, file->name, file->content.data, file->content.len, 0);
        if (rc) {
            snprintf(err, errlen, "device.files[%zu]: cannot store \"%s\": %s", i, file->name,
                     rc == -ENOSPC ? "not enough free space" : strerror(-rc));
            fs_free(&f);
            return -1;
        }
    }
    fs_free(&f);
    if (rc)
        snprintf(err, errlen, "device.files: cannot use the flash in %s: %s", state_dir, strerror(-rc));
    return rc ? -1 : 0;
}
