/* ftp_client.h - the module's FTP client: the +UFTP profile, one session
 * with one operation at a time over the data plane (sim/ip.h: the control
 * and data connections of the host's PSD bearer), files streamed into the
 * flash file system, the inactivity timeout on the modem's clock, and the
 * results the host sees: +UUFTPCR, +UUFTPCD, +UFTPER.
 *
 * The protocol is protocol/ftp.h; the AT commands are sim/cmd_ftp.c;
 * formats and choices are docs/ftp.md.
 *
 * Lifecycle: ftpc_init() at modem creation -> ftpc_stop() on every power
 * off and reboot (the profile is volatile; a transfer in progress leaves
 * nothing) -> ftpc_free().
 */
#ifndef SARASIM_FTP_CLIENT_H
#define SARASIM_FTP_CLIENT_H

#include <stdint.h>

#include "../fs/fs.h"
#include "../protocol/ftp.h"
#include "clock.h"

typedef struct modem modem;

/* +UFTPC operations. */
enum {
    FTPC_LOGOUT = 0,
    FTPC_LOGIN = 1,
    FTPC_DELETE = 2,
    FTPC_RENAME = 3,
    FTPC_GET = 4,
    FTPC_PUT = 5,
    FTPC_GET_DIRECT = 6,
    FTPC_PUT_DIRECT = 7,
    FTPC_CD = 8,
    FTPC_MKDIR = 10,
    FTPC_RMDIR = 11,
    FTPC_INFO = 13,
    FTPC_LIST = 14,
    FTPC_FOTA = 100,
};

/* +UFTPER classes and codes (docs/ftp.md): class 0 carries the server's
 * reply code; class 8 is the client's own (8,12 from the app note; the
 * other codes are ours). */
enum {
    FTPE_CLASS_REPLY = 0,
    FTPE_CLASS_CLIENT = 8,
};
enum {
    FTPE_NOT_LOGGED_IN = 1,
    FTPE_LOGGED_IN = 2,
    FTPE_NO_SERVER = 3,
    FTPE_NO_PSD = 12, /* app note Table 9: no PSD connection established */
    FTPE_DNS = 13,
    FTPE_CONNECT = 14,
    FTPE_DATA = 15,
    FTPE_TIMEOUT = 16,
    FTPE_LOST = 17,
    FTPE_PROTOCOL = 18,
    FTPE_NO_SPACE = 19,
    FTPE_FS = 20,
    FTPE_BUSY_DOWNLOAD = 21,
};

/* Field limits of the profile. */
#define FTPC_NAME_MAX 128 /* server name */
#define FTPC_CRED_MAX 30  /* user, password, account (SparkFun sizes them so) */

/* The +UFTP profile (volatile). */
typedef struct ftpc_profile {
    char ip[16];                       /* op 0 */
    char name[FTPC_NAME_MAX + 1];      /* op 1 */
    char user[FTPC_CRED_MAX + 1];      /* op 2 */
    char pass[FTPC_CRED_MAX + 1];      /* op 3 */
    char account[FTPC_CRED_MAX + 1];   /* op 4 */
    long timeout;                      /* op 5: seconds, 0 = none */
    long cmd_linger, data_linger;      /* op 5's further values: kept, not used */
    int passive;                       /* op 6 */
    long port;                         /* op 7 */
    int secure, sec_profile;           /* op 8: stored; TLS is not performed */
} ftpc_profile;

/* One +UFTPC request as the AT handler parsed it. */
typedef struct ftpc_req {
    int op;
    const char *remote;  /* the remote file or directory (NULL where none) */
    const char *remote2; /* op 3: the new name */
    const char *local;   /* ops 4, 5: the file in the module's file system */
    long mode;           /* op 4 retrieving_mode / op 100 fw_download_status: 1 = resume; op 5: offset */
} ftpc_req;

int ftpc_init(modem *m);
void ftpc_free(modem *m);
void ftpc_stop(modem *m);

ftpc_profile *ftpc_profile_of(modem *m);
/* Factory values of one op (0..8), or of all (op -1). */
void ftpc_profile_reset(modem *m, int op);
/* +UFTP op 5 changed: the inactivity timer restarts with the new value. */
void ftpc_timeout_changed(modem *m);

/* Start an operation: 0 when the command answers OK (its +UUFTPCR follows,
 * perhaps at once: a failure before any traffic), or the command's error
 * result (an AT_CME(...) of sim/cmd.h). */
int ftpc_start(modem *m, const ftpc_req *r);
/* +UFTPER of the last operation. */
void ftpc_last_error(const modem *m, int *cls, int *code);

/* App. B of the app note, one firmware download at a time: +UFTPC=100
 * is refused while uFOTA downloads (ufota_downloading) or a FOAT +UDWNFILE
 * runs (foat_upload_running). */
/* 1 while +UFTPC=100 downloads (the LwM2M client must not start a FOTA
 * download, nor may a host socket enter direct link). */
int ftpc_fota_running(const modem *m);

#endif
