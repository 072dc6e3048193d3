/* sc_device.h - a scenario's "device" applied to a modem: its configuration
 * and the initial contents of its flash (NVM settings, files), written into
 * the state dir before the module boots from it. */
#ifndef SARASIM_SC_DEVICE_H
#define SARASIM_SC_DEVICE_H

#include <stddef.h>

#include "scenario.h"
#include "sim/modem.h"

/* The modem configuration for `d` on `state_dir`. */
void sc_device_config(const sc_device *d, const char *state_dir, modem_config *cfg);
/* Write d's NVM presets into state_dir (through sim/nvm.c, so the image has
 * the module's own format).  0 or -1 with err set. */
int sc_device_preset_nvm(const sc_device *d, const char *state_dir, char *err, size_t errlen);
/* Store d's initial files.  Needs the flash file system: -1 with err set
 * until fs/ provides a way to write a file into a state dir (see
 * sc_device.c); scenarios with files require "fs" and are skipped before. */
int sc_device_preset_files(const sc_device *d, const char *state_dir, char *err, size_t errlen);

#endif
