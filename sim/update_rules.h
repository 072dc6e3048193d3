/* update_rules.h - app note Table 16 (§9) as data: what each way of
 * updating the firmware keeps and what it resets, applied at the first boot
 * of the new firmware.
 *
 * A completed install calls modem_firmware_installed() with its method: the
 * new version and the rules it owes are written together to firmware.json
 * (atomically), so a power cut between the install and the reboot still
 * applies them; the boot applies the row, then clears the debt.  Applying
 * twice gives the same result (files already erased stay erased, the kept
 * values are in the debt).
 */
#ifndef SARASIM_UPDATE_RULES_H
#define SARASIM_UPDATE_RULES_H

#include "../fs/fs.h"
#include "nvm.h"

typedef struct modem modem;
struct cJSON;

typedef enum update_method {
    UPD_NONE = 0,
    UPD_FOAT,       /* +UFWUPD, Xmodem over the UART (§4) */
    UPD_UFOTA,      /* LwM2M server-driven (§3) */
    UPD_UFWINSTALL, /* a package in the FOAT area, installed by +UFWINSTALL (§5, §6) */
    UPD_EASYFLASH,  /* the Windows tool through the primary UART (§7) */
    UPD__COUNT,
} update_method;

/* One column of Table 16.  Rows that are the same for every method (the
 * table's merged cells) are not fields: NVM settings return to the new
 * firmware's factory values, certificates and private keys stay, RF
 * calibration stays, SMS are erased, the SIM starts over (a reboot); the
 * RoT firmware update file is the new firmware's. */
typedef struct update_rule {
    update_method method;
    const char *name;          /* "foat", "ufota", "ufwinstall", "easyflash" */
    const char *column;        /* the app note's column heading */
    fs_reboot_kind files;      /* USER and LwM2M files kept or erased */
    int mno_profile_kept;      /* else the global profile (90) */
    int apn_sync;              /* APNs come back when the profile's "APN sync" flag is set (§3.7.5) */
    int second_reboot;         /* a non-global profile is restored with one more reboot (§3.7.1, Table 6) */
} update_rule;

const update_rule *update_rule_of(update_method m);
const update_rule *update_rule_by_name(const char *name);

/* What the first boot of the new firmware owes: the method, and the values
 * the method keeps, taken before the install. */
#define UPD_CIDS 11
typedef struct update_pending {
    update_method how; /* UPD_NONE: nothing owed */
    long mno;
    int apn_sync;
    char pdp_type[UPD_CIDS][NVM_STR_MAX];
    char pdp_apn[UPD_CIDS][NVM_STR_MAX];
    long auth_type[UPD_CIDS];
    char auth_user[UPD_CIDS][NVM_STR_MAX];
    char auth_pass[UPD_CIDS][NVM_STR_MAX];
} update_pending;

/* Take the values `how` keeps from the running settings. */
void update_pending_capture(update_pending *p, update_method how, const nvm *n, int apn_sync);
/* firmware.json's "apply" object, and back (-EBADMSG if malformed). */
struct cJSON *update_pending_to_json(const update_pending *p);
int update_pending_from_json(const struct cJSON *o, update_pending *p);

/* Apply the row at boot (file system loaded, NVM read): files, NVM to
 * factory, kept values back, NVM committed and reloaded.  Returns 1 when
 * the module must reboot once more (a non-global MNO profile restored),
 * else 0. */
int update_rules_apply(modem *m, const update_pending *p);

#endif
