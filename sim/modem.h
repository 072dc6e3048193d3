/* modem.h - libsarasim's public face: one simulated SARA-R5.
 *
 * A modem is a state machine driven by three inputs -- bytes from the host
 * (modem_host_write), its clock's timers (clk_advance on the clk it was given)
 * and world events (power, signal) -- and it produces bytes for the host
 * through io.to_host.  It does no I/O of its own except the state directory
 * (flash image); front ends (the PTY + libuv program, the harness) connect it
 * to the world.
 */
#ifndef SARASIM_MODEM_H
#define SARASIM_MODEM_H

#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "device.h"

typedef struct modem modem;

#define MODEM_PORTS 2 /* 0 = primary UART, 1 = auxiliary UART */

typedef enum {
    MODEM_OFF = 0,
    MODEM_BOOTING,
    MODEM_READY,
    MODEM_FWUPDATE, /* Firmware Update Mode (FOAT): no AT, only the update */
} modem_power;

typedef enum { TRACE_RX, TRACE_TX, TRACE_EVENT } trace_kind;

typedef struct trace_event {
    sim_ns t;
    trace_kind kind;
    int port;
    const uint8_t *data;
    size_t len;
} trace_event;

/* The callbacks must not call back into the modem (modem_power_cut() from a
 * trace hook, a reply written from to_host): the modem is in the middle of
 * something.  Queue such reactions on the clock (a clk_timer due now), as
 * the harness's world does. */
typedef struct modem_io {
    /* Bytes the host receives on `port` (after the wire model). */
    void (*to_host)(void *ctx, int port, const uint8_t *p, size_t n);
    /* Optional: every byte crossing the UARTs and every state change. */
    void (*trace)(void *ctx, const trace_event *ev);
    void *ctx;
    /* Optional: something a person must know (the module fell back to
     * factory settings because nvm.json was unreadable, ...): one line,
     * no newline.  Also traced as "notice <text>". */
    void (*notice)(void *ctx, const char *text);
} modem_io;

typedef struct modem_config {
    device_cfg dev;
    const char *state_dir; /* NULL: nothing persists (tests, fuzzing) */
    int aux_uart;          /* the auxiliary UART is wired */
    int pacing;            /* bytes take their wire time */
    int64_t net_time_base; /* network time (Unix seconds) at simulated t=0 */
    net_world_ops world;   /* what is behind the radio; all NULL: nothing answers */
} modem_config;

/* Creates a powered-off modem.  On failure returns -errno and, when err is
 * given, a message naming the cause. */
int modem_create(modem **out, clk *c, const modem_config *cfg, const modem_io *io, char *err,
                 size_t errlen);
void modem_destroy(modem *m);

/* World events. */
void modem_power_on(modem *m);
void modem_power_cut(modem *m);
void modem_reset(modem *m); /* RESET_N: an abrupt reboot */
void modem_set_signal(modem *m, int lost, int rsrp_dbm);
/* The network deactivates the data context of the host's PSD profile
 * (+UUPSDD, the sockets close). */
void modem_network_pdp_drop(modem *m);
/* As if the simulator process were killed and started again on the same
 * state dir: power cut, everything not in the state dir forgotten, boot. */
void modem_restart(modem *m);
/* Fault injection: the next firmware install fails with final result `code`
 * when its progress reaches `pct` (the module stays in Firmware Update Mode). */
void modem_fwupd_install_error(modem *m, int pct, int code);
/* EasyFlash (app note §7): the Windows tool flashes firmware `version` (an
 * image of `bytes`, 1 .. MODEM_EASYFLASH_MAX) through the primary UART at
 * 3 Mbaud; the module is gone meanwhile and boots the new firmware with
 * Table 16's EasyFlash row.  0, -EINVAL (not "MM.mm,Axx.yy"), -ERANGE
 * (size), -EIO (the flash could not be marked: nothing happened). */
#define MODEM_EASYFLASH_MAX (16u << 20)
#define MODEM_EASYFLASH_DEFAULT 4500000u /* app note §4.1.2: "Typical file size is 4.5 MB" */
int modem_easyflash(modem *m, const char *version, uint64_t bytes);

/* The host side of a UART. */
void modem_host_write(modem *m, int port, const uint8_t *p, size_t n);
void modem_set_host_rate(modem *m, int port, uint32_t rate);
void modem_set_pacing(modem *m, int on);
/* Host bytes the port holds but has not taken yet (a command is running, or
 * they are still on a paced wire): a front end stops reading above a few
 * kilobytes, as RTS/CTS flow control would. */
size_t modem_rx_backlog(const modem *m, int port);

modem_power modem_get_power(const modem *m);
const char *modem_power_name(modem_power p);
/* The modem's state as a JSON text (malloc'd), for the control channel and
 * scenario assertions. */
char *modem_state_json(const modem *m);
/* Read an NVM / profile / running setting by its key ("+UMNOPROF", "E"). */
int modem_setting(const modem *m, const char *key, char *buf, size_t size);
/* A file of the module's flash file system (tag "USER", "FOAT", ...):
 * 0 with a malloc'd copy, -ENOENT when absent. */
int modem_file_get(const modem *m, const char *tag, const char *name, uint8_t **data, size_t *len);
/* The installed firmware version, "03.15,A00.01". */
const char *modem_firmware(const modem *m);
/* 1 if this build implements the AT command `name` ("+UDWNFILE", "I"). */
int modem_has_command(const modem *m, const char *name);

/* Fault injection (sim/override.h): the next (once) or every execution of the
 * command matched by `pattern` -- "+CSQ" (any form), "+CFUN?", "+CFUN=?",
 * "+CFUN=" (any set form), "+CFUN=16" (exactly these parameters), "I9" --
 * answers the information lines `info` (separated by '\n'; NULL for none)
 * and the final result `result` (AT_OK, AT_ERROR, AT_CME(n), AT_SILENT from
 * protocol/at.h) instead of running, whether the command exists or not.
 * Overrides survive reboots; setting the same pattern again replaces it.
 * 0, -EINVAL (bad pattern), -ENOSPC (too many) or -ENOMEM. */
int modem_override_set(modem *m, const char *pattern, const char *info, int result, int once);
/* Clear the override set with exactly this pattern (NULL: all).  Returns how
 * many were cleared or -EINVAL. */
int modem_override_clear(modem *m, const char *pattern);

#endif
