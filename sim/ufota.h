/* ufota.h - uFOTA, the server-driven firmware update (app note §3): the
 * LwM2M Firmware Update object (/5/0) on the module's client, the package
 * download into the module's own download area, the host's controls
 * (+UFOTA, +UFOTACONFIG, +UFOTAACK) and URCs (+UFOTASTAT), and the install
 * through the stored-package engine (sim/fwupd.c) when the server executes
 * /5/0/2.
 *
 *   server writes /5/0/1 (URI) --> [mode 2: +UFOTASTAT: 0,3,0, wait for
 *   +UFOTAACK or 1 h] --> +UFOTASTAT: 1,0,0, State 1 --> download
 *   (+UFOTASTAT: 0,1,<pct>; pause 0,2,<pct>; resume 1,0,0) --> +UFOTASTAT:
 *   2,2,100, State 2 --> server executes /5/0/2 --> reset, +UFWPREVAL,
 *   +UUFWINSTALL, 128 --> new firmware, Result 1, +UFOTASTAT: 3,1,0
 *
 * What is kept across reboots (the download area, "fota.json" + "fota.bin"
 * in the state dir, written atomically): the campaign (URI, state, result),
 * and the downloaded bytes when the download was paused (+UFOTA=1) or
 * stopped by a detach (+COPS=2, +CFUN=0/4) -- then it resumes; after a power
 * loss or a plain reset it starts again from zero (§3.2.2, §3.3).  The
 * transports: CoAP Block2 for coap:// URIs here, HTTP for http:// once the
 * module's HTTP client exists (sim/http_fetch).
 */
#ifndef SARASIM_UFOTA_H
#define SARASIM_UFOTA_H

#include <stddef.h>
#include <stdint.h>

#include "../protocol/bytebuf.h"
#include "clock.h"

typedef struct modem modem;
typedef struct ufota ufota;
struct cJSON;

/* /5/0/3 State and /5/0/5 Update Result (OMA object 5). */
enum { UF_STATE_IDLE = 0, UF_STATE_DOWNLOADING = 1, UF_STATE_DOWNLOADED = 2, UF_STATE_UPDATING = 3 };
enum {
    UF_RESULT_INITIAL = 0,
    UF_RESULT_SUCCESS = 1,
    UF_RESULT_NO_STORAGE = 2,
    UF_RESULT_NO_MEMORY = 3,
    UF_RESULT_CONNECTION_LOST = 4,
    UF_RESULT_INTEGRITY = 5,
    UF_RESULT_UNSUPPORTED_PACKAGE = 6,
    UF_RESULT_INVALID_URI = 7,
    UF_RESULT_UPDATE_FAILED = 8,
    UF_RESULT_UNSUPPORTED_PROTOCOL = 9,
    UF_RESULT_CANCELLED = 10, /* object 5 v1.1: cancelled by the host or rejected */
};

int ufota_init(modem *m);
void ufota_free(modem *m);
/* Boot: read the download area; a campaign cut by a power loss restarts. */
void ufota_boot(modem *m);
/* Power off, reboot: everything in flight stops (what is on flash stays). */
void ufota_stop(modem *m);
/* The LwM2M client started (its tree is fresh): object 5's values, and
 * +UFOTASTAT: 3,<result>,<state>. */
void ufota_client_started(modem *m);
/* The client is attached and running: a download owed since the boot
 * starts (or resumes). */
void ufota_bearer_up(modem *m);
/* The module detached (+COPS=2, +CFUN=0/4): a download in progress keeps
 * its bytes on flash and resumes after the next boot (§3.2.2). */
void ufota_detached(modem *m);
/* Coverage changed while downloading: the resume back-off (§3.2.2). */
void ufota_coverage_changed(modem *m);

/* From the LwM2M client's hooks: a server's write of /5/0/1 (0, or a CoAP
 * code refusing it) and Execute of /5/0/2. */
uint8_t ufota_uri_written(modem *m, uint16_t ssid, const char *uri, size_t len);
uint8_t ufota_execute_update(modem *m, uint16_t ssid);

/* App. B: a LwM2M download is in progress (FOAT downloads, +UFTPC=100,
 * +USODL are refused meanwhile). */
int ufota_downloading(const modem *m);
/* The package downloaded with +UFOTACONFIG mode 1, for +UFWINSTALL: a
 * malloc'd copy, or -ENOENT. */
int ufota_package(modem *m, uint8_t **pkg, size_t *len);
/* The install of that package completed or failed: the result the next
 * client start reports. */
void ufota_install_outcome(modem *m, int ok, int code);
/* +UFWINSTALL installs the mode-1 package: the campaign is updating. */
void ufota_install_begins(modem *m);

/* +UFOTA: 0 cancel, 1 pause, 2 resume (0 or a CME code); status for the read. */
int ufota_control(modem *m, int op);
void ufota_status(const modem *m, int *status, uint64_t *total, uint64_t *done);
/* +UFOTAACK=<n>: 0 reject, n > 0 accept and start n s later. */
int ufota_ack(modem *m, long secs);

void ufota_state_json(const modem *m, struct cJSON *obj);

#endif
