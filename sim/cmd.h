/* cmd.h - the contract between the modem and its command handlers.
 *
 * A handler computes; the modem speaks.  It gets the parsed command and a
 * context, appends information lines with cmd_info*(), and returns the final
 * result (AT_OK, AT_ERROR, AT_CME(n), AT_PENDING to finish later with
 * modem_cmd_finish() or cmd_defer(), AT_SILENT for no result code).  It never
 * writes to the UART itself.  One table per family (sim/cmd_<family>.c),
 * all merged by sim/cmd_table.c.
 */
#ifndef SARASIM_CMD_H
#define SARASIM_CMD_H

#include <stddef.h>

#include "../protocol/at.h"
#include "../protocol/bytebuf.h"
#include "clock.h"

typedef struct modem modem;

typedef struct cmd_ctx {
    modem *m;
    int port;
    const at_cmd *cmd;
    bytebuf *out;
    at_fmt fmt;
    int lines; /* information lines written so far by this command */
} cmd_ctx;

typedef int (*cmd_fn)(cmd_ctx *x);

enum {
    CMD_ALONE = 1 << 0, /* must be the only command on its line */
};

typedef struct cmd_def {
    const char *name; /* "+CGMI", "E", "&C" */
    cmd_fn fn;
    unsigned flags;
} cmd_def;

typedef struct cmd_table {
    const cmd_def **sorted;
    size_t count;
} cmd_table;

int cmd_table_init(cmd_table *t);
void cmd_table_free(cmd_table *t);
const cmd_def *cmd_table_find(const cmd_table *t, const char *name);

/* Response helpers. */
void cmd_info(cmd_ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cmd_info_bytes(cmd_ctx *x, const void *p, size_t n);
void cmd_raw(cmd_ctx *x, const void *p, size_t n);
/* Finish this command `delay` from now by calling fn with the same command
 * (its arguments stay valid).  Returns AT_PENDING for the handler to return. */
int cmd_defer(cmd_ctx *x, sim_ns delay, cmd_fn fn);

/* Family tables, each ended by { NULL }. */
extern const cmd_def cmd_general_defs[];
extern const cmd_def cmd_sim_defs[];
extern const cmd_def cmd_net_defs[];
extern const cmd_def cmd_power_defs[];
extern const cmd_def cmd_misc_defs[];
extern const cmd_def cmd_fwupd_defs[];
extern const cmd_def cmd_fs_defs[];
extern const cmd_def cmd_sock_defs[];
extern const cmd_def cmd_pdp_defs[];
extern const cmd_def cmd_gpio_defs[];
extern const cmd_def cmd_gnss_defs[];
extern const cmd_def cmd_sec_defs[];
extern const cmd_def cmd_time_defs[];
extern const cmd_def cmd_lwm2m_defs[];
extern const cmd_def cmd_http_defs[];
extern const cmd_def cmd_ftp_defs[];
extern const cmd_def cmd_ufota_defs[];
extern const cmd_def cmd_rot_defs[];

#endif

/* ---- shared handler patterns (sim/cmd_util.c) ---- */
#include "nvm.h"
/* A command whose only parameter is one setting: "AT+X=<v>" within [lo,hi],
 * "AT+X?" -> "+X: <v>", "AT+X=?" -> "+X: <range>". */
int cmd_int_setting(cmd_ctx *x, nvm_id id, long lo, long hi, const char *range);
/* The command's name without its leading '+', for "+NAME: ..." lines. */
#define CMD_NAME(x) ((x)->cmd->name)
/* Error for a malformed parameter: u-blox answers "+CME ERROR: operation not
 * allowed" (3) / "incorrect parameters" (50) depending on the command; most
 * commands use plain ERROR for syntax and 50 for out-of-range values. */
#define CMD_BAD_PARAM AT_CME(50)
