/* scenario.h - a scenario file in memory: the device, the world around it
 * and the host script (format: docs/scenarios.md).
 *
 * scenario_load() parses and validates the whole file up front -- durations,
 * regular expressions, setting names, files it refers to -- so that a run
 * never stops on a typo half way through a 25-minute install.  A malformed
 * file is rejected with one message naming the file, the JSON path of the
 * field ("$.host[3].within") and what was expected there.
 *
 * The same parser serves sarasim-harness (everything) and
 * `sarasim --scenario` (device and world only).
 */
#ifndef SARASIM_SCENARIO_H
#define SARASIM_SCENARIO_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>

#include "networld.h"
#include "sim/clock.h"
#include "sim/device.h"

#define SC_PATH_MAX 160 /* "$.host[123].faults[4].for" */

/* Bytes: text from a JSON string or decoded hex.  Text may hold ${name}
 * references to variables (expanded when the step runs). */
typedef struct sc_bytes {
    uint8_t *data;
    size_t len;
    int has_vars;
} sc_bytes;

/* ---------------- device ---------------- */

typedef struct sc_nvm_preset {
    char *key;   /* nvm_table.h key: "+UMNOPROF", "+CSGT.text" */
    long i;      /* integer settings */
    char *s;     /* string settings */
} sc_nvm_preset;

typedef struct sc_file {
    char *tag;   /* "USER", "FOAT", ... */
    char *name;
    sc_bytes content;
} sc_file;

typedef struct sc_device {
    device_cfg dev;        /* defaults with the file's fields applied */
    int aux_uart;
    int pacing;
    int powered;           /* power applied at t=0 (default 1) */
    int64_t net_time_base; /* network time at t=0, Unix seconds */
    int net_time_set;      /* "network_time" given (else a fixed default) */
    sc_nvm_preset *nvm;
    size_t nnvm;
    sc_file *files;
    size_t nfiles;
} sc_device;

/* ---------------- world ---------------- */

typedef enum {
    TRIG_AT,      /* "at": a simulated time                              */
    TRIG_LINE,    /* "urc X" / "line X": a line the module emits          */
    TRIG_LINE_RE, /* "line /re/"                                          */
    TRIG_TX,      /* "tx X": bytes in the module's output (prompts, 'C')  */
    TRIG_RX,      /* "rx X": bytes the module receives                    */
    TRIG_STATE,   /* "state X": an EV "... -> X" transition               */
    TRIG_EV,      /* "ev words key=v key>=n", "xmodem block N", "download N" */
    TRIG_EV_RE,   /* "ev /re/"                                            */
    TRIG_FIRED,   /* "fired ID": another world event fired                */
} sc_trig_kind;

typedef enum { EVF_EQ, EVF_GE, EVF_LE } sc_ev_op;

typedef struct sc_ev_field {
    char *key;
    sc_ev_op op;
    char *value;  /* EVF_EQ */
    long long num;/* EVF_GE / EVF_LE */
} sc_ev_field;

typedef struct sc_trigger {
    sc_trig_kind kind;
    char *text;         /* the trigger as written, for reports */
    sim_ns at;          /* TRIG_AT */
    char *arg;          /* LINE/TX/RX text, STATE name, FIRED id */
    size_t arg_len;
    regex_t re;         /* LINE_RE, EV_RE */
    int has_re;
    char **words;       /* TRIG_EV: leading words, in order */
    size_t nwords;
    sc_ev_field *fields;/* TRIG_EV: key=value / key>=n / key<=n */
    size_t nfields;
    int port;           /* LINE/TX/RX: -1 = any port */
} sc_trigger;

typedef enum {
    ACT_POWER_CUT,
    ACT_POWER_ON,
    ACT_RESET,
    ACT_SIGNAL,         /* loss / restore / quality */
    ACT_UART_FAULT,     /* corrupt / drop / delay N bytes */
    ACT_BAUD_MISMATCH,  /* garble by a wrong host rate; rate 0 restores */
    ACT_OVERRIDE,       /* forced response */
    ACT_OVERRIDE_CLEAR,
    ACT_CONTROL,        /* any control-channel request (sim/control.h) */
    ACT_HOST,           /* faults of a simulated host (world.hosts) */
    ACT_PDP_DROP,       /* the network deactivates the data context */
    ACT_LWM2M,          /* the built-in LwM2M server: an operation or a fault */
    ACT_EASYFLASH,      /* EasyFlash writes firmware `info` (`count` bytes) (app note §7) */
} sc_act_kind;

typedef enum { WIRE_TO_HOST = 0, WIRE_TO_MODULE = 1 } sc_wire_dir;
typedef enum { WIRE_CORRUPT, WIRE_DROP, WIRE_DELAY } sc_wire_fault;

struct sc_lwm2m_act;    /* harness/lwm2m_service.h */
struct sc_lwm2m_assert;

typedef struct sc_action {
    sc_act_kind kind;
    char *text;         /* the action's name, for traces */
    /* ACT_SIGNAL */
    int lost;           /* 1 lost, 0 present */
    int rsrp;           /* 0 = unchanged */
    /* ACT_UART_FAULT, ACT_BAUD_MISMATCH */
    int port;
    sc_wire_dir dir;
    sc_wire_fault fault;
    size_t count;
    sim_ns delay;
    uint32_t rate;
    /* ACT_OVERRIDE(_CLEAR) */
    char *pattern;      /* NULL with OVERRIDE_CLEAR: all */
    char *info;
    int result;
    int once;
    /* ACT_CONTROL */
    char *request;      /* one JSON object, unformatted */
    /* ACT_HOST */
    char *host;
    nw_faults faults;
    unsigned fault_mask; /* which of them the action sets */
    /* ACT_LWM2M */
    struct sc_lwm2m_act *lwm2m;
} sc_action;

typedef struct sc_world_event {
    char path[SC_PATH_MAX];
    char *id;           /* optional, for "fired ID" */
    sc_trigger trig;
    sim_ns delay;       /* "after": between trigger and action */
    int repeat;         /* fire on every match, not just the first */
    sc_action act;
} sc_world_event;

/* ---------------- host ---------------- */

typedef enum {
    STEP_SEND,
    STEP_EXPECT,
    STEP_EXPECT_NOT,
    STEP_WAIT,
    STEP_SET_BAUD,
    STEP_SEND_FILE,
    STEP_XMODEM,
    STEP_ASSERT,
    STEP_DO,            /* a world action, right now */
    STEP_EXPECT_EVENT,  /* an EV event (the module's, a server's) matching a pattern */
} sc_step_kind;

typedef enum { XM_FAULT_CORRUPT, XM_FAULT_DROP, XM_FAULT_DUPLICATE, XM_FAULT_STALL, XM_FAULT_CANCEL } sc_xm_fault_kind;

typedef struct sc_xm_fault {
    uint32_t block;     /* 1-based block index in the transfer (not the wrapping seq) */
    sc_xm_fault_kind kind;
    unsigned times;     /* how many transmissions of that block it hits */
    sim_ns stall;       /* XM_FAULT_STALL */
} sc_xm_fault;

typedef enum { XM_OUT_COMPLETE, XM_OUT_CANCELLED, XM_OUT_FAILED, XM_OUT_ANY } sc_xm_outcome;

typedef struct sc_xmodem {
    sc_bytes data;
    unsigned block;     /* 128 or 1024 */
    int crc;            /* 1 CRC-16, 0 checksum, -1 whatever the receiver asks */
    sc_xm_fault *faults;
    size_t nfaults;
    sc_xm_outcome outcome;
    int has_replies;    /* "replies": the step's bytes / re hold what the module must send */
} sc_xmodem;

typedef enum { AS_FILE, AS_NO_FILE, AS_FIRMWARE, AS_SETTING, AS_STATE, AS_LWM2M } sc_assert_kind;

typedef struct sc_assert {
    sc_assert_kind kind;
    char *tag, *name;   /* AS_FILE / AS_NO_FILE */
    int has_content;
    sc_bytes content;   /* AS_FILE: exact content */
    int has_sha256;
    uint8_t sha256[32];
    long long size;     /* AS_FILE: -1 = not checked */
    char *key;          /* AS_SETTING: nvm key; AS_STATE: dotted path */
    char *equals;       /* expected value as text (numbers in decimal) */
    struct sc_lwm2m_assert *lwm2m; /* AS_LWM2M */
} sc_assert;

typedef struct sc_step {
    sc_step_kind kind;
    char path[SC_PATH_MAX];
    int port;
    sc_bytes bytes;     /* SEND, SEND_FILE, EXPECT/EXPECT_NOT literal, XMODEM replies */
    int is_re;          /* EXPECT/EXPECT_NOT/XMODEM replies: regex */
    regex_t re;
    char *re_src;
    char **captures;
    size_t ncaptures;
    int exact;          /* EXPECT: match must start at the first unread byte */
    sim_ns within;      /* EXPECT, EXPECT_NOT, XMODEM */
    sim_ns wait;        /* WAIT */
    uint32_t rate;      /* SET_BAUD */
    size_t chunk;       /* SEND_FILE: bytes per write (0 = all at once) */
    sim_ns interval;    /* SEND_FILE: between chunks */
    sc_xmodem xm;
    sc_assert as;
    sc_action act;      /* STEP_DO */
    sc_trigger event;   /* STEP_EXPECT_EVENT: an "ev" pattern (TRIG_EV / TRIG_EV_RE) */
} sc_step;

typedef struct sc_var {
    char *name;
    char *value;
} sc_var;

typedef struct scenario {
    char *file;         /* as given */
    char *dir;          /* the file's directory: base of relative paths */
    char *name;
    char *description;
    char **requires;    /* declared and implied capabilities */
    size_t nrequires;
    int exact;          /* every expect exact; no unread bytes at the end */
    sim_ns default_within;
    sim_ns limit;       /* simulated time after which the run is failed */
    sc_var *vars;
    size_t nvars;
    sc_device device;
    sc_world_event *world;
    size_t nworld;
    nw_config net;      /* world.hosts: the simulated network */
    struct sc_campaign *campaign; /* world.campaign (harness/campaign.h), or NULL */
    sc_step *host;
    size_t nhost;
} scenario;

/* Read and validate `path`.  0, or -1 with err = "<file>: <$.path>: <what
 * was expected>, got <what was there>" (or "<file>:<line>:<col>: ..." for
 * JSON syntax errors, "<file>: <strerror>" when it cannot be read). */
int scenario_load(scenario *sc, const char *path, char *err, size_t errlen);
/* The same from text; `file` names it in messages, `dir` resolves relative
 * paths inside it. */
int scenario_parse(scenario *sc, const char *file, const char *dir, const char *text, size_t len, char *err,
                   size_t errlen);
void scenario_free(scenario *sc);
/* A --world file: {"hosts": [...]} as in a scenario's world.  0 or -1 with
 * err naming the file, the field and what was expected. */
int sc_load_world_file(const char *path, nw_config *net, char *err, size_t errlen);
/* The "host" control command / world action from JSON: {"name": ..., and
 * any of the faults of docs/network.md}.  0 or -1 with err set. */
typedef struct cJSON cJSON;
int sc_host_faults_json(networld *w, const cJSON *req, char *err, size_t errlen);

/* Step kinds and assert kinds by name ("expect", "file"). */
const char *scenario_step_name(sc_step_kind k);
/* One line describing a step: expect "\r\nOK\r\n" within 1s (exact). */
void scenario_step_describe(const sc_step *st, char *buf, size_t size);

#endif
