/* at.h - the AT command engine's sans-I/O core.
 *
 * Three independent pieces, none of which does I/O:
 *   at_rx     line assembly: bytes in, echo bytes and complete lines out
 *             (S3 ends a line, S5 edits it, bytes before the "AT" prefix are
 *             skipped, "A/" repeats the previous line, overlong lines are
 *             remembered as such and answered ERROR).
 *   at_line   parsing of one command line (the text after "AT") into a list
 *             of commands: basic (E0, &C1, S3=13, I9) and extended (+NAME with
 *             exec / read "?" / test "=?" / set "=args" forms), ';' between
 *             extended commands, quoted strings that may hold commas,
 *             omitted parameters.
 *   at_fmt_*  result formatting per ATV0/ATV1, ATQ and +CMEE.
 * The modem (sim/modem.c) glues them to the command table and the UART.
 */
#ifndef SARASIM_AT_H
#define SARASIM_AT_H

#include <stddef.h>
#include <stdint.h>

#include "bytebuf.h"

/* Longest command line, counting the "AT" prefix and the S3 terminator.  The
 * SARA-R4 manual gives 1024 (§1.1.5), but its own +USOWR / +USOST take 512
 * bytes in HEX mode -- 1024 hex characters plus the command, a line ubxlib
 * sends -- so the module must take longer lines: 1536 holds a HEX +USOST of
 * 512 bytes to a 254-character host name (docs/module-fidelity.md). */
#define AT_LINE_MAX 1536
#define AT_BODY_MAX (AT_LINE_MAX - 3)
#define AT_MAX_ARGS 24
#define AT_MAX_CMDS 32
#define AT_NAME_MAX 24

/* ---- final result codes (V.25ter numbers; ATV0 prints the number) ---- */
enum {
    AT_OK = 0,
    AT_CONNECT = 1,
    AT_RING = 2,
    AT_NO_CARRIER = 3,
    AT_ERROR = 4,
    AT_NO_DIALTONE = 6,
    AT_BUSY = 7,
    AT_NO_ANSWER = 8,
    AT_NOT_SUPPORT = 10,
    AT_INVALID_CMDLINE = 11,
};
/* A handler's result: one of the codes above, a +CME / +CMS error, or one of
 * the two control values.  AT_PENDING: the command goes on asynchronously and
 * its final result comes later.  AT_SILENT: the command ends with no final
 * result code at all (e.g. the module reboots). */
#define AT_CME(n) (0x10000 | (n))
#define AT_CMS(n) (0x20000 | (n))
#define AT_IS_CME(r) (((r) & 0x30000) == 0x10000)
#define AT_IS_CMS(r) (((r) & 0x30000) == 0x20000)
#define AT_ERR_CODE(r) ((r) & 0xffff)
#define AT_PENDING (-1)
#define AT_SILENT (-2)

/* ---- line assembly ---- */
typedef enum { AT_RX_MORE = 0, AT_RX_LINE, AT_RX_REPEAT } at_rx_event;

typedef struct at_rx {
    int state;
    uint8_t s3, s5;       /* line terminator, backspace */
    int echo;             /* ATE: echo received characters */
    int strict_prefix;    /* autobauding: only "AT" or "at" start a line */
    int after_s3;         /* the previous byte ended a line (a following LF is swallowed) */
    uint8_t prefix_a;     /* the 'A' or 'a' that began the current prefix */
    size_t len;
    int overflow;         /* the current line exceeded AT_BODY_MAX */
    char body[AT_BODY_MAX + 1];
} at_rx;

void at_rx_init(at_rx *rx);
/* Forget any partial line (reboot, entering data mode). */
void at_rx_reset(at_rx *rx);
/* Consume bytes until one line is complete.  Echo bytes are appended to
 * `echo` (may be NULL).  Returns how many bytes were consumed; *ev tells
 * whether a line (rx->body, rx->len, rx->overflow) or an "A/" repeat is ready.
 * Bytes after the line are not consumed: the caller decides, after executing
 * the line, whether they are more AT text or raw data. */
size_t at_rx_feed(at_rx *rx, const uint8_t *in, size_t n, bytebuf *echo, at_rx_event *ev);

/* ---- parsed command line ---- */
typedef enum { AT_EXEC = 0, AT_READ, AT_TEST, AT_SET } at_type;

typedef struct at_arg {
    const char *s;  /* NUL-terminated, unquoted and unescaped */
    size_t len;     /* may contain NUL bytes only if the line did */
    uint8_t present;
    uint8_t quoted;
} at_arg;

typedef struct at_cmd {
    char name[AT_NAME_MAX]; /* upper case: "+CGMI", "E", "&C", "S", "I" */
    at_type type;
    int basic;              /* a basic (non '+') command */
    size_t nargs;
    at_arg args[AT_MAX_ARGS];
    const char *params;     /* raw parameter text after '=' (set form), unparsed */
    size_t params_len;
} at_cmd;

typedef struct at_line {
    size_t ncmds;
    at_cmd cmds[AT_MAX_CMDS];
    char store[2 * AT_LINE_MAX + 64]; /* unescaped copies of names and args */
    size_t store_len;
} at_line;

/* Parse the text after "AT".  0 on success, -1 on a syntax error. */
int at_line_parse(at_line *l, const char *body, size_t len);

/* Argument helpers for handlers.  at_arg_int returns 0 and sets *v when the
 * argument is a decimal integer within [lo, hi]; 1 when it is omitted (and *v
 * is left alone); -1 when it is present but invalid. */
int at_arg_int(const at_cmd *c, size_t i, long *v, long lo, long hi);
/* 0 with *s pointing at the text (quoted or not), 1 omitted, -1 too long or
 * holding a '"' or NUL (handlers that want raw text read cmd->params). */
int at_arg_str(const at_cmd *c, size_t i, const char **s, size_t maxlen);
static inline int at_arg_present(const at_cmd *c, size_t i)
{
    return i < c->nargs && c->args[i].present;
}

/* ---- formatting ---- */
typedef struct at_fmt {
    int verbose; /* ATV1 */
    int quiet;   /* ATQ1: no result codes */
    int cmee;    /* +CMEE 0/1/2 */
} at_fmt;

/* An information text line.  A command's information response opens with
 * CRLF in V1 and every line ends with CRLF: the first line of a response is
 * "\r\n<text>\r\n", the following ones "<text>\r\n".  V0 has no opening
 * CRLF. */
void at_fmt_info(bytebuf *out, const at_fmt *f, const void *text, size_t len, int first);
/* A final result code per V, Q and +CMEE. */
void at_fmt_final(bytebuf *out, const at_fmt *f, int result);
/* An unsolicited result code: formatted like an information line. */
void at_fmt_urc(bytebuf *out, const at_fmt *f, const void *text, size_t len);

/* Verbose text of a 3GPP / u-blox +CME error code (never NULL). */
const char *at_cme_text(int code);

#endif
