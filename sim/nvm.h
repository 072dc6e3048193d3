/* nvm.h - the module's settings: running values, the stored AT profile and
 * what is in NVM, with their persistence rules (see nvm_table.h).
 *
 * Lifecycle: nvm_init(dir) -> nvm_boot() at every power-on (loads the flash
 * image, resets volatile values, applies the stored profile) -> get/set from
 * handlers -> nvm_commit() after each command, which writes "nvm.json"
 * atomically when an NVM-scope value or the stored profile changed.
 * dir NULL keeps everything in memory (unit tests, fuzzing).
 */
#ifndef SARASIM_NVM_H
#define SARASIM_NVM_H

#include <stddef.h>

#include "nvm_table.h"

typedef enum { NVM_INT, NVM_STR } nvm_type;
typedef enum { NVM_VOLATILE, NVM_PROFILE, NVM_NVM } nvm_scope;

#define NVM_ENUM_ENTRY(id, key, type, scope, count, fi, fs) id, id##_LAST = id + (count)-1,
typedef enum { NVM_SETTINGS(NVM_ENUM_ENTRY) SET__COUNT } nvm_id;
#undef NVM_ENUM_ENTRY

#define NVM_STR_MAX 128

typedef struct nvm_value {
    long i;
    char s[NVM_STR_MAX];
} nvm_value;

typedef struct nvm {
    char *dir;                 /* state dir or NULL */
    nvm_value cur[SET__COUNT]; /* what the module runs with */
    nvm_value prof[SET__COUNT];/* the stored AT profile (PROFILE scope only) */
    nvm_value flash[SET__COUNT];/* NVM-scope values as the module runs them */
    nvm_value disk_prof[SET__COUNT]; /* what nvm.json holds (or factory) */
    nvm_value disk_flash[SET__COUNT];
    int dirty;                 /* flash or prof differ from disk */
    int last_error;            /* -errno of the last failed write, 0 if none */
    int rejected;              /* values of the last image read that were out of range */
    char first_rejected[64];   /* the key of the first of them */
} nvm;

int nvm_init(nvm *n, const char *dir);
void nvm_free(nvm *n);
/* Power-on: read nvm.json (a missing or unreadable file means factory
 * values, as the module falls back to defaults), reset volatile values, load
 * the stored profile into the running one.  Returns 0 (also for a missing
 * file) or why the file was unusable: -EINVAL not a regular file, -EBADMSG
 * not an NVM image, -EFBIG, other -errno; values out of range in a good
 * image are counted in n->rejected. */
int nvm_boot(nvm *n);

long nvm_get(const nvm *n, nvm_id id);
const char *nvm_get_str(const nvm *n, nvm_id id);
void nvm_set(nvm *n, nvm_id id, long v);
void nvm_set_str(nvm *n, nvm_id id, const char *s);
/* Back to the factory value of the one table. */
void nvm_reset(nvm *n, nvm_id id);

/* AT&W: running profile values -> stored profile.  ATZ: stored -> running.
 * AT&F: factory -> running (profile scope). */
void nvm_profile_store(nvm *n);
void nvm_profile_load(nvm *n);
void nvm_profile_factory(nvm *n);
/* Every NVM and profile value back to factory (+UFACTORY, firmware update). */
void nvm_factory_reset(nvm *n);

/* Write nvm.json if anything persistent changed.  0 or -errno. */
int nvm_commit(nvm *n);
/* A commit failed: every NVM and profile value goes back to what the flash
 * holds, so the module runs with what it would boot with. */
void nvm_rollback(nvm *n);

/* Introspection for the control channel, scenarios and tests. */
int nvm_lookup(const char *key, nvm_id *id);
const char *nvm_key(nvm_id id, char *buf, size_t size);
nvm_type nvm_type_of(nvm_id id);
nvm_scope nvm_scope_of(nvm_id id);

#endif
