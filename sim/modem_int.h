/* modem_int.h - the modem's insides, shared by sim/modem.c, sim/net.c and the
 * command families sim/cmd_*.c.  Nothing outside sim/ includes this. */
#ifndef SARASIM_MODEM_INT_H
#define SARASIM_MODEM_INT_H

#include "../fs/fs.h"
#include <stdarg.h>
#include <stdio.h>

#include "../protocol/at.h"
#include "../protocol/bytebuf.h"
#include "cmd.h"
#include "ftp_client.h"
#include "fwupd.h"
#include "ip.h"
#include "lwm2m.h"
#include "modem.h"
#include "net.h"
#include "nvm.h"
#include "override.h"
#include "rot.h"
#include "uart.h"
#include "ufota.h"
#include "update_rules.h"

/* What the modem does once the current command line has been answered. */
typedef enum {
    AFTER_NONE = 0,
    AFTER_REBOOT,    /* +CFUN=16: silent reset with SIM reset */
    AFTER_REBOOT_KEEP_SIM, /* +CFUN=15: silent reset, the SIM keeps its state */
    AFTER_POWER_OFF, /* +CPWROFF */
    AFTER_FWUPD,     /* +UFWUPD: reset into Firmware Update Mode */
    AFTER_FWINSTALL, /* +UFWINSTALL: reset into the update agent with the FOAT-area package */
} after_line;

/* A raw-data consumer that takes the port over from the AT parser
 * (+UDWNFILE data, Xmodem).  feed returns how many bytes it took. */
typedef struct data_sink {
    size_t (*feed)(modem *m, int port, const uint8_t *p, size_t n, void *arg);
    void *arg;
} data_sink;

/* A raw-data download in progress on a port (sim/cmd_fs.c): the bytes
 * collected so far, the timeout that ends a stalled stream and the +CME
 * error it ends with, and what becomes of the bytes: stored as a file
 * (+UDWNFILE, done NULL) or handed to the command that started it
 * (+USECMNG, done). */
typedef struct fs_download {
    fs_writer w;
    clk_timer timeout;
    modem *m;
    int port;
    cmd_fn done;
    int stall_error;
    sim_ns stall;     /* how long a silent stream lasts */
} fs_download;

typedef struct modem_port {
    int index;
    int wired;
    uart uart;
    at_rx rx;
    at_line line;
    size_t next_cmd;     /* next command of `line` to execute */
    int busy;            /* a command line is executing */
    after_line after;    /* what this port's line asked for once answered */
    uint32_t after_rate; /* AFTER_FWUPD / AFTER_FWINSTALL: the update's rate */
    int after_port;      /* AFTER_FWINSTALL: the port its URCs go to */
    int after_urcs;      /* AFTER_FWINSTALL: they are shown */
    update_method after_method; /* AFTER_FWINSTALL: the FOAT area's package, or uFOTA's (mode 1) */
    int ipr_pending;     /* +IPR: the new rate applies once OK is out ... */
    uint32_t ipr_rate;   /* ... this one (0 = autobaud) */
    int pumping;         /* port_pump is running (re-entry guard) */
    size_t inpos;        /* inbuf bytes already consumed */
    cmd_fn defer_fn;
    clk_timer defer_timer;
    bytebuf inbuf;       /* received bytes not yet consumed */
    bytebuf out;         /* response of the line being executed */
    bytebuf urcq;        /* URCs held back while a line executes */
    char last_body[AT_BODY_MAX + 1]; /* for A/ */
    size_t last_len;
    data_sink sink;
    fs_download dl;
    int greeting_due;    /* send +CSGT text once the port can talk */
    modem *m;
} modem_port;

/* The SIM card as the module sees it.  BLOCKED: the PUK tries are used up. */
typedef enum { SIMC_ABSENT, SIMC_PIN, SIMC_PUK, SIMC_READY, SIMC_BLOCKED } simcard_state;

/* App. B of the app note: only one firmware download method runs at a
 * time.  Whoever starts one (+UHTTPC=..,100, +UFTPC=100, the LwM2M client's
 * FOTA download) claims it here and releases it when it ends; the others
 * check it before they start (a FOAT-tagged +UDWNFILE is seen through its
 * port's download, sim/cmd_fs.c). */
typedef enum { FWDL_NONE = 0, FWDL_HTTP, FWDL_FTP, FWDL_LWM2M } fwdl_method;

/* A u-blox packet-switched data profile (+UPSD), volatile. */
#define UPSD_PROFILES 6
typedef struct upsd_profile {
    int proto;      /* param 0: 0 IPv4, 1 IPv6, 2/3 IPv4v6 */
    int cid;        /* param 100 */
    char apn[64];   /* param 1 */
    char dns[2][40];/* params 4, 5 */
} upsd_profile;

struct modem {
    clk *clk;
    device_cfg dev;
    char *state_dir;
    modem_io io;
    modem_power power;
    nvm nvm;
    net net;
    simcard_state sim;
    int pin_tries, puk_tries;
    char sim_pin[9];        /* the card's PIN now ("" = disabled); +CPIN with PUK changes it */
    int sim_keep;           /* this boot keeps the SIM's state (+CFUN=15) */
    uint8_t fplmn[12];      /* EF-FPLMN of the simulated card */
    char firmware[32];    /* installed firmware "03.15,A00.01" */
    modem_port port[MODEM_PORTS];
    clk_timer boot_timer;
    uint64_t boots;
    cmd_table cmds;
    int64_t clock_offset; /* +CCLK set by the host, seconds */
    int clock_tz;         /* +CCLK time zone, quarters of an hour */
    int ucged_mode;
    upsd_profile upsd[UPSD_PROFILES];
    fwupd fw;               /* FOAT engine (sim/fwupd.c) */
    int fw_corrupt;         /* an install was cut: boot into Firmware Update Mode */
    update_pending upd;     /* Table 16 rules the new firmware's first boot owes */
    rot_state rot;          /* the RoT's firmware (sim/rot.c) */
    int fw_corrupt_port;
    update_method fw_corrupt_method; /* FOAT: the Xmodem handshake; a stored package: its install again */
    int fw_corrupt_urcs;
    uint32_t fw_corrupt_rate;
    int64_t net_time_base;
    fs fs;                /* the flash file system (fs/fs.h) */
    ip_state *ip;         /* endpoints, DNS, the radio link (sim/ip.h) */
    struct sock_table *socks; /* the host's sockets (sim/cmd_sock.c) */
    struct lwm2m_mod *lwm2m; /* the LwM2M client (sim/lwm2m.c) */
    struct http_mod *http;   /* the +UHTTP profiles and their requests (sim/cmd_http.c) */
    uint64_t http_fetch_ids; /* numbers HTTP exchanges in trace events (sim/http_fetch.c) */
    fwdl_method fwdl;        /* the firmware download in progress (App. B) */
    struct ftpc *ftp;        /* the FTP client (sim/ftp_client.c) */
    struct ufota *ufota;     /* the server-driven firmware update (sim/ufota.c) */
    net_world_ops net_world; /* the world behind the radio */
    override_list overrides; /* forced responses (world faults) */
};

/* Formatting rules currently in force (ATV, ATQ, +CMEE). */
at_fmt modem_fmt(const modem *m);
/* Queue a URC on every port that can talk; held back while a port is busy. */
void modem_urc(modem *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same for a URC of any bytes and length (data inside quotes). */
void modem_urc_bytes(modem *m, const void *text, size_t len);
/* Host bytes a port holds at most while it cannot take them (a command is
 * executing): beyond that they are lost, as in a UART FIFO overflow.  The PTY
 * front end stops reading long before (flow control). */
#define MODEM_INBUF_MAX (256u << 10)

/* What the port's current line asks for once its final result is out. */
void modem_after_line(modem *m, int port, after_line a, uint32_t rate);
/* Finish the deferred command on `port` with `result` and go on with the line. */
void modem_cmd_finish(modem *m, int port, int result);
/* Hand the port's input to a raw-data consumer (NULL feed: back to AT). */
void modem_set_sink(modem *m, int port, data_sink sink);
/* Bytes straight to the host (prompts, Xmodem control bytes). */
void modem_port_send(modem *m, int port, const void *p, size_t n);
void modem_trace_event(modem *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Tell the person running the simulator (io.notice) and the trace. */
void modem_notice(modem *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* printf into a fixed buffer: the length written (cut to fit), -1 on a
 * format error.  Every text the modem builds goes through it. */
static inline int modem_vformat(char *buf, size_t size, const char *fmt, va_list ap)
{
    int n = vsnprintf(buf, size, fmt, ap);
    if (n < 0)
        return -1;
    return (size_t)n < size ? n : (int)size - 1;
}

/* Whether anyone listens to trace events (skip building costly ones). */
static inline int modem_tracing(const modem *m) { return m->io.trace != NULL; }
/* Reboot now (volatile state lost, NVM kept) after `delay` of silence. */
void modem_reboot(modem *m, sim_ns delay);
void modem_power_off(modem *m);
/* Seconds since the Unix epoch of the module's clock (+CCLK). */
int64_t modem_wall_seconds(const modem *m);
int modem_sim_ready(const modem *m);
/* The SIM powers up (boot, +CFUN=19 -> 1): its state follows the card. */
void modem_sim_power_up(modem *m);
/* A new card in the slot (a new simulator process): retries and PIN reset. */
void modem_sim_insert(modem *m);
/* Stop everything volatile and enter Firmware Update Mode (sim/fwupd.c). */
void modem_enter_fwupdate(modem *m);
/* Write firmware.json: the installed version and the corrupt-firmware flag. */
int modem_save_firmware(modem *m);
/* The package a stored install (+UFWINSTALL, uFOTA) installs: a malloc'd
 * copy, or -ENOENT. */
int modem_stored_package(modem *m, update_method how, uint8_t **pkg, size_t *len);
/* An install completed: the new version, and the Table 16 row of `how` owed
 * by its first boot (sim/update_rules.h), on flash together.  0 or -errno
 * (the flash write failed; the module runs the new version anyway). */
int modem_firmware_installed(modem *m, const char *version, update_method how);

/* Finish the pending command on `port` by calling fn (with the same
 * command) `delay` from now; nothing if no command is pending there. */
void modem_cmd_defer(modem *m, int port, sim_ns delay, cmd_fn fn);

/* sim/cmd_sock.c: the socket table's lifecycle. */
int cmd_sock_init(modem *m);
void cmd_sock_stop(modem *m);
void cmd_sock_free(modem *m);

/* sim/cmd_http.c: the HTTP profiles' lifecycle; stop forgets the requests
 * in flight (no URC: the module is going down). */
int cmd_http_init(modem *m);
void cmd_http_stop(modem *m);
void cmd_http_free(modem *m);
/* A firmware download (App. B) is in progress: one claimed in m->fwdl or a
 * FOAT-tagged +UDWNFILE on any port. */
int modem_fwdl_busy(const modem *m);

/* sim/cmd_fs.c: per-port download state.  init once at creation; drop
 * forgets a download in progress (power off, reboot) with a trace event
 * naming why. */
void cmd_fs_port_init(modem *m, int port);
void cmd_fs_port_drop(modem *m, int port, const char *why);
/* A command that takes raw data after a prompt, as +UDWNFILE does.  open
 * reserves room for size bytes under (tag, name) (0 or -errno, nothing
 * sent); start prints the prompt and hands the port over: when the last
 * byte has arrived done(x) runs with the command's context and its result
 * ends the command (it finds the bytes in the port's dl.w and must commit
 * or abort that writer); `stall` without a byte ends it with +CME ERROR:
 * stall_error.  start returns AT_PENDING, or done's result at once when
 * size is 0. */
int cmd_download_open(cmd_ctx *x, fs_tag tag, const char *name, size_t name_len, size_t size);
int cmd_download_start(cmd_ctx *x, cmd_fn done, int stall_error, sim_ns stall);

#endif
