/* control.h - the control channel's commands, independent of the socket:
 * one JSON object in, one JSON object out.  Used by the Unix-socket server of
 * sarasim (sim/live/uv_control.c) and by the harness's world events.
 *
 *   {"cmd":"power_cut"}            power removed: nothing volatile survives
 *   {"cmd":"power_on"}             power applied (after power_cut / +CPWROFF)
 *   {"cmd":"reset"}                RESET_N pulse: abrupt reboot
 *   {"cmd":"restart"}              the simulator process restarts on the same
 *                                  state dir (power cut, memory forgotten, boot)
 *   {"cmd":"install_error","percent":40,"code":160}
 *                                  the next firmware install fails at 40 %
 *   {"cmd":"easyflash","firmware":"03.16,A00.01","size":4500000}
 *                                  EasyFlash (app note §7) writes that firmware
 *                                  through the primary UART: the module is gone
 *                                  meanwhile, then boots it (size optional)
 *   {"cmd":"signal","rsrp":-110}   signal present at that RSRP (dBm)
 *   {"cmd":"signal","lost":true}   coverage lost (false: restored)
 *   {"cmd":"state"}                {"ok":true,"state":{...}}
 *   {"cmd":"set_time_scale","scale":60}   (front end hook)
 *   {"cmd":"pdp_drop"}             the network deactivates the data context
 *   {"cmd":"host","name":"echo.test","refuse":true, ...}
 *                                  faults of a simulated host (front end hook)
 *
 * Replies: {"ok":true,...} or {"ok":false,"error":"<what was wrong>"}.
 */
#ifndef SARASIM_CONTROL_H
#define SARASIM_CONTROL_H

#include "modem.h"

typedef struct cJSON cJSON;

typedef struct control_hooks {
    /* Return 0 or a negative errno; NULL = not supported here. */
    int (*set_time_scale)(void *ctx, double scale);
    /* {"cmd":"host","name":...,<faults>}: the simulated network's faults
     * (harness/networld.h).  0, or -1 with err set; NULL = no such network. */
    int (*host_faults)(void *ctx, const cJSON *req, char *err, size_t errlen);
    void *ctx;
} control_hooks;

/* Handle one request line; returns a malloc'd reply (one line, no newline). */
char *control_handle(modem *m, const char *line, size_t len, const control_hooks *hooks);

#endif
