/* ptyhost.h - helpers for integration tests that treat a real sarasim
 * process the way a host application does: spawn it, open its PTY with a
 * chosen baud rate, send bytes, read what comes back, talk to its control
 * socket.  Reads wait on poll() with a deadline that only bounds a failing
 * test; a passing test never waits for wall time to elapse. */
#ifndef SARASIM_PTYHOST_H
#define SARASIM_PTYHOST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "protocol/bytebuf.h"

typedef struct simproc {
    pid_t pid;
    char dir[256];      /* private temp dir: pty link, state, control socket */
    char link[320];
    char state[320];
    char ctl[320];
    char startline[512];
    int fd;             /* host side of the primary UART, -1 when closed */
    bytebuf rx;         /* received, not yet consumed */
} simproc;

/* Start sarasim in a fresh temp dir (extra args appended, NULL-terminated).
 * Returns 0 or -1. */
int simproc_start(simproc *s, const char *const *extra);
/* Start again on the same state dir (after simproc_kill). */
int simproc_restart(simproc *s, const char *const *extra);
/* Send a signal and reap; returns the exit status (or 128+signal). */
int simproc_kill(simproc *s, int sig);
/* Kill if running and remove the temp dir. */
void simproc_cleanup(simproc *s);

int host_open(simproc *s, unsigned baud);
void host_close(simproc *s);
int host_set_baud(simproc *s, unsigned baud);
int host_send(simproc *s, const char *text);
int host_send_bytes(simproc *s, const void *p, size_t n);
/* Read until `want` has arrived; everything up to and including it is
 * consumed.  Returns 0 when found, -1 on timeout (rx keeps what came). */
int host_expect(simproc *s, const char *want, int timeout_ms);
/* The next bytes received must be exactly `want` (0) or not (-1, with the
 * bytes seen left in rx for the caller to print). */
int host_expect_exact(simproc *s, const char *want, int timeout_ms);
/* Read until a final result code ends the received bytes ("\r\nOK\r\n",
 * "\r\nERROR\r\n", "+CME ERROR: ...\r\n"); the whole response is returned
 * (malloc'd) and consumed.  NULL on timeout. */
char *host_response(simproc *s, int timeout_ms);
/* Send a line and return its response (see host_response). */
char *host_cmd(simproc *s, const char *line, int timeout_ms);
/* Send `line` every 200 ms until `want` arrives (consumed through it), as
 * a host polls a booting module.  Answers to earlier polls may still be on
 * their way afterwards: host_sync() before reading exact bytes.  0 or -1. */
int host_poll(simproc *s, const char *line, const char *want, int timeout_ms);
/* Send "AT\r" until "OK" comes back (the boot poll hosts do), then
 * host_sync(): the answers to the polls still in flight are consumed. */
int host_wait_ready(simproc *s, int timeout_ms);
/* Send "AT+CGMI\r" and consume everything received up to and including its
 * answer "u-blox\r\n\r\nOK\r\n" (echo on or off).  The way to forget
 * earlier answers that may still be on their way without waiting for a quiet
 * period: whatever was answered before the sync is gone, nothing after it
 * is lost.  0, or -1 on timeout. */
int host_sync(simproc *s, int timeout_ms);
/* One control command; reply (malloc'd) or NULL. */
char *simproc_ctl(simproc *s, const char *json);
/* One control command that must answer "ok":true: 0, else -1. */
int simproc_ctl_ok(simproc *s, const char *json);
/* set_time_scale (scale as JSON number text). */
int simproc_set_time_scale(simproc *s, const char *scale);
/* The slowest time scale the control channel takes: 1 simulated second
 * lasts 1000 s of wall time, so no module timer fires while a test sets
 * something up however loaded the machine is.  Tests freeze the module
 * where the bytes they expect would change if simulated time passed (the
 * registration 3 s after boot, the end of the FOAT restart). */
#define SIM_FROZEN "0.001"

/* AT+UFWUPD=1,<rate> as a host does it on a PTY, with the module's clock
 * frozen first: once the module has taken the command (the control
 * socket's state reads FWUPDATE) the host switches to <rate>.  A PTY has
 * no wire to drain: a termios change applies at once, even to bytes the
 * simulator has not read yet, so the host must not switch earlier; and the
 * module must not send "+UFWUPD: ONGOING" before the switch, which the
 * frozen clock guarantees.  The clock stays frozen: the caller sets the
 * time scale when it is ready for ONGOING.  0 or -1. */
int host_start_fwupdate(simproc *s, unsigned rate, int timeout_ms);

#endif
