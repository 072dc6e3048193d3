/* caps.h - capabilities a scenario can require ("requires": ["fs"]).
 *
 * A capability is either a feature word or an AT command name ("+UDWNFILE").
 * Features stand for the commands that make them up, so a capability turns
 * on by itself the day the branch that implements those commands is merged:
 * scenarios written ahead of a subsystem are skipped (not failed) until then.
 *
 *   fs         +UDWNFILE +ULSTFILE +URDFILE +UDELFILE (flash file system)
 *   foat       +UFWUPD                        (FOAT over Xmodem)
 *   fwinstall  +UFWINSTALL
 *   ufota      +UFOTA +UFOTASTAT +UFOTACONFIG (uFOTA client)
 *   lwm2m      +ULWM2M
 *   xmodem     the harness's Xmodem sender (harness/xmodem_host.h)
 */
#ifndef SARASIM_CAPS_H
#define SARASIM_CAPS_H

#include <stddef.h>

#include "sim/modem.h"

/* 1 if `name` is a feature word above or looks like an AT command name. */
int caps_known(const char *name);
/* The list of feature words, ", "-separated, for messages. */
const char *caps_feature_list(void);
/* 0 if the modem (and the harness, for "xmodem": have_xmodem_sender) has
 * `name`; else 1 with `why` saying what is missing. */
int caps_check(const modem *m, int have_xmodem_sender, const char *name, char *why, size_t size);

#endif
