/* sc_device.c - the device part of a scenario applied to a state dir. */
#include "sc_device.h"

#include <stdio.h>
#include <string.h>

#include "fs/atomic.h"
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
    /* MERGE NOTE (for the lead): when fs/fs.c lands, store each d->files[i]
     * (tag, name, content) into state_dir through the file system's own
     * writer, as +UDWNFILE would have left it, and return 0. */
    (void)state_dir;
    if (!d->nfiles)
        return 0;
    snprintf(err, errlen, "device.files: the flash file system is not in this build");
    return -1;
}
