/* fwupd.h - FOAT, the tethered firmware update (+UFWUPD, app note §4).
 *
 *   +UFWUPD=<type>,<rate>  -- OK-less --> RESTART (the module resets into
 *   Firmware Update Mode) --> XMODEM ("+UFWUPD: ONGOING" at the new rate,
 *   3 'C' / 10 NAK, 109 s) --EOT--> AGENT (the update agent boots)
 *   --> VALIDATE ("+UFWPREVAL: n") --> INSTALL ("+UFWUPD: n", flash is being
 *   written) --> "+UFWUPD: 128" --> the module boots the new firmware.
 *
 * Failures (§4.1.1): no data for 109 s -> "+UFWUPD: Timeout", reboot into the
 * old firmware; a transfer the sender cancels or that loses sync -> ERROR,
 * reboot into the old firmware; validation failure -> "+UFWUPD: <code>",
 * back to normal mode, old firmware.  Once INSTALL has started the firmware
 * is being overwritten: an error or a power cut leaves the module in
 * Firmware Update Mode -- across reboots and simulator restarts, the flag is
 * in the state dir -- accepting only a new Xmodem handshake until a good
 * image is installed.
 *
 * The same engine installs a package already on the module (app note §3.5,
 * §6): +UFWINSTALL's from the FOAT area, uFOTA's from its download area.
 * There is no transfer: RESTART -> VALIDATE ("+UFWPREVAL: n") -> INSTALL
 * ("+UUFWINSTALL: n") -> "+UUFWINSTALL: 128", each shown only when the
 * install URCs are on (+UFWINSTALL=,,,1 or a port), on that port at that
 * rate.  A validation failure shows "+UUFWINSTALL: <code>" and the old
 * firmware boots; a failure or a power cut once writing started makes the
 * install start again at the next boot (§6.1.1).
 *
 * EasyFlash (§7) is not the module's own: the Windows tool powers the
 * module up into its boot ROM on the primary UART at 3 000 000 b/s and
 * writes a whole image.  The host sees a module that is gone (no AT, no
 * URC) for the flash, then one that boots the new firmware with Table 16's
 * EasyFlash row applied (the user resets it, §7.2 step 10).  The flash is
 * marked corrupt from the start: a power cut leaves a silent module that only
 * another EasyFlash run brings back (§7.3 "if the FW update process fails,
 * try again").
 */
#ifndef SARASIM_FWUPD_H
#define SARASIM_FWUPD_H

#include <stdint.h>

#include "../protocol/bytebuf.h"
#include "../protocol/package.h"
#include "../protocol/xmodem.h"
#include "clock.h"
#include "update_rules.h"

typedef struct modem modem;

typedef enum fwupd_phase {
    FWUPD_OFF = 0,
    FWUPD_RESTART,  /* resetting into Firmware Update Mode */
    FWUPD_XMODEM,   /* handshake and transfer */
    FWUPD_AGENT,    /* download complete: the update agent boots */
    FWUPD_VALIDATE, /* +UFWPREVAL */
    FWUPD_INSTALL,  /* +UFWUPD: n, flash being written */
    FWUPD_EASYFLASH, /* the Windows tool writes the flash through the primary UART (§7) */
} fwupd_phase;

typedef struct fwupd {
    fwupd_phase phase;
    int port;
    uint32_t rate;
    xmodem_rx rx;
    xmodem_out out;
    bytebuf image;        /* the package as received (padding included) */
    pkg_header hdr;
    int result;           /* validation result: 0 or a module code */
    pkg_steps steps;
    unsigned step;
    unsigned stop_step;   /* validation: steps shown before a failure */
    sim_ns phase_start;
    sim_ns phase_ns;
    update_method method; /* UPD_FOAT (Xmodem), UPD_UFWINSTALL or UPD_UFOTA (a stored package) */
    int urcs;             /* stored installs: +UFWPREVAL / +UUFWINSTALL are shown */
    int fault_pct;        /* injected install error at this percentage, -1 none */
    int fault_code;
    clk_timer timer;
} fwupd;

void fwupd_init(fwupd *f, modem *m);
void fwupd_free(fwupd *f);

/* +UFWUPD accepted on `port`: the module resets into Firmware Update Mode
 * and continues at `rate`. */
void fwupd_begin(modem *m, int port, uint32_t rate);
/* Booting with the "firmware corrupt" flag set: straight into the handshake. */
void fwupd_recover(modem *m, int port, uint32_t rate);
/* Install a package already on the module (`how` UPD_UFWINSTALL or
 * UPD_UFOTA): the module resets into its update agent now.  pkg is copied
 * (NULL/0: no package: the agent reports 144, file not found).  URCs, when
 * `urcs`, go to `port` at `rate` (0: the port's rate). */
void fwupd_install_stored(modem *m, update_method how, const uint8_t *pkg, size_t len, int port, uint32_t rate,
                          int urcs);
/* EasyFlash writes firmware `version` (an image of `bytes`) through the
 * primary UART; 0, or -EIO when the flash cannot take the mark (nothing
 * happens then). */
int fwupd_easyflash(modem *m, const char *version, uint64_t bytes);
/* How long EasyFlash takes for an image of `bytes` on this device. */
sim_ns fwupd_easyflash_ns(const modem *m, uint64_t bytes);
/* Booting with an EasyFlash cut short: the boot ROM waits for the tool. */
void fwupd_easyflash_cut(modem *m);
/* Bytes from the host while in Firmware Update Mode. */
void fwupd_rx(modem *m, int port, const uint8_t *p, size_t n);
/* Power loss or reset: everything in flight is lost (the flag is not). */
void fwupd_stop(modem *m);
/* Test/scenario hook: the install fails with `code` when it reaches `pct`. */
void fwupd_inject_install_error(modem *m, int pct, int code);
const char *fwupd_phase_name(fwupd_phase p);

#endif
