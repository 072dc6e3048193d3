/* rot.h - the root of trust's own firmware and its update file (app note
 * §8, Table 16's "RoT FW update file" row).
 *
 * Every module firmware update brings a RoT firmware update file with it,
 * stored in a protected folder of the file system (tag ROT, which no host
 * command names) and taking up to 200 KB there.  AT+USECFW=0 tells the host
 * whether the RoT needs it (1), does not (0) or there is none (3);
 * AT+USECFW=1 installs it into the RoT and deletes it, freeing the space.
 *
 * Power-loss safe (§8.1, "the process is automatically completed at next
 * reboot"): the update is journalled in rot.json before it starts
 * ("installing"), the RoT version is written, the file deleted, the journal
 * cleared -- each step atomic, and a boot that finds the journal finishes
 * the steps left.  Without a state dir the RoT lives as long as the process.
 */
#ifndef SARASIM_ROT_H
#define SARASIM_ROT_H

#include <stddef.h>

typedef struct modem modem;
struct cJSON;

#define ROT_VERSION_MAX 32
#define ROT_FILE_NAME "rotfw.bin"
/* §8: "the user could benefit up to 200KB of free space in FS" */
#define ROT_FILE_BYTES (200u * 1024u)

typedef struct rot_state {
    int loaded;                        /* set up once (the state dir is read at every boot) */
    char version[ROT_VERSION_MAX];     /* the firmware the RoT runs */
    char installing[ROT_VERSION_MAX];  /* "" or the version being installed (journal) */
} rot_state;

/* +USECFW=0's answers (Table 14). */
enum { ROT_UP_TO_DATE = 0, ROT_UPDATE_NEEDED = 1, ROT_NO_FILE = 3 };

/* At boot, file system loaded: read the RoT's state (the factory firmware's
 * RoT when none is recorded) and finish an update a power cut interrupted. */
void rot_boot(modem *m);
/* Table 14: ROT_UP_TO_DATE, ROT_UPDATE_NEEDED or ROT_NO_FILE. */
int rot_status(modem *m);
/* Table 15, first half: journal the update of the file's version.
 * ROT_NO_FILE (nothing to install), 0 (started) or -errno (the journal
 * could not be written: nothing started). */
int rot_update_begin(modem *m);
/* Table 15, second half: the RoT runs the new version, the file is gone.
 * 0 or -errno (the journal stays: the next boot finishes). */
int rot_update_finish(modem *m);
/* A module firmware update brought `fw_version`'s RoT update file (Table 16:
 * "RoT FW update file is updated").  0 or -errno (no room: no file). */
int rot_deliver_file(modem *m, const char *fw_version);
void rot_state_json(const modem *m, struct cJSON *obj);

#endif
