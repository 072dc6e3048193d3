/* ftp.h - the module's FTP client on its control connection (RFC 959),
 * sans-I/O: no socket, no clock, no file.
 *
 * Two pieces:
 *
 *   ftp_parser   server replies, one at a time, from the bytes of the
 *                control connection: single-line ("226 Done") and
 *                multi-line ("211-Features" ... "211 End") replies, CRLF or
 *                bare LF, fed in pieces of any size.
 *   ftp_client   one session: login, then one operation at a time, each a
 *                sequence of commands (docs/ftp.md lists them).  Every call
 *                appends what the caller must do to an ftp_out, in order:
 *
 *     FTP_ACT_CONNECT       open the control connection to the server; answer
 *                           with ftp_client_control_up() / _control_failed()
 *     FTP_ACT_SEND          send one command line (CRLF included) on it
 *     FTP_ACT_DATA_CONNECT  passive: open the data connection to ip:port;
 *                           answer with ftp_client_data_up() / _data_failed()
 *     FTP_ACT_DATA_LISTEN   active: listen for the server's data connection
 *                           and tell the client where it is reached with
 *                           ftp_client_data_listening() (the PORT address)
 *     FTP_ACT_DATA_START    the server accepted the transfer (1xx): a RETR /
 *                           LIST / NLST may be read from the data connection,
 *                           a STOR sent on it (then closed); either way end
 *                           with ftp_client_data_done()
 *     FTP_ACT_DATA_CLOSE    drop the data connection (abort: at once, RST)
 *     FTP_ACT_CLOSE         drop the control connection: the session is over
 *     FTP_ACT_SIZE          the server gave the file's size (SIZE, 213)
 *     FTP_ACT_DONE          the operation ended: ok, or why not
 *
 * The client never times out by itself: the caller's inactivity timer calls
 * ftp_client_timeout().  Paths and names are passed through as given (no
 * quoting exists in FTP); one with CR, LF or NUL is refused.
 */
#ifndef SARASIM_FTP_H
#define SARASIM_FTP_H

#include <stddef.h>
#include <stdint.h>

#include "bytebuf.h"

/* Longest path or name the client sends (the u-blox manuals' remote file
 * name limit). */
#define FTP_PATH_MAX 256
/* Reply text kept per reply (all lines, '\n' between them); the rest of a
 * longer reply is read and dropped. */
#define FTP_REPLY_TEXT_MAX 1024
/* Longest reply line read in full; a longer one is cut (its code and the
 * end-of-reply test only need its start). */
#define FTP_REPLY_LINE_MAX 2048

/* ---------------- replies ---------------- */

typedef struct ftp_reply {
    int code;                          /* 100..599 */
    char text[FTP_REPLY_TEXT_MAX + 1]; /* every line as received, '\n' between, NUL-terminated */
    size_t len;
    int lines;
} ftp_reply;

typedef struct ftp_parser {
    int in_multi;   /* inside a multi-line reply of code `code` */
    int code;
    int failed;     /* a malformed reply: the stream cannot be trusted any more */
    char line[FTP_REPLY_LINE_MAX + 1];
    size_t linelen;
    int line_cut;   /* the current line was longer than the buffer */
    ftp_reply cur;
} ftp_parser;

void ftp_parser_init(ftp_parser *p);
/* Consume bytes from *buf (advancing *buf and *n) until one reply is
 * complete: 1 with the reply in *out, 0 when every byte was taken and no
 * reply is complete yet, -1 when the server sent something that is not an
 * FTP reply (the parser stays failed). */
int ftp_parser_next(ftp_parser *p, const uint8_t **buf, size_t *n, ftp_reply *out);

/* The address of a 227 reply ("Entering Passive Mode (h1,h2,h3,h4,p1,p2)",
 * with or without the parentheses): 0, or -1 if there is none. */
int ftp_parse_pasv(const char *text, uint32_t *ip, uint16_t *port);
/* The port of a 229 reply ("Entering Extended Passive Mode (|||port|)"). */
int ftp_parse_epsv(const char *text, uint16_t *port);
/* The number of a 213 reply to SIZE. */
int ftp_parse_size(const char *text, uint64_t *size);

/* ---------------- the client ---------------- */

typedef enum ftp_cmd_kind {
    FTP_LOGIN = 0,
    FTP_LOGOUT,
    FTP_DELETE,   /* DELE path */
    FTP_RENAME,   /* RNFR path, RNTO path2 */
    FTP_RETR,     /* [TYPE I] SIZE, data, [REST offset], RETR path */
    FTP_STOR,     /* [TYPE I] data, [REST offset], STOR path */
    FTP_CWD,
    FTP_MKD,
    FTP_RMD,
    FTP_LIST,     /* data, LIST [path]: the long listing */
    FTP_NLST,     /* data, NLST [path]: names only */
    FTP_PWD,
} ftp_cmd_kind;

typedef struct ftp_request {
    ftp_cmd_kind kind;
    const char *path;  /* NULL or "" where optional (LIST, NLST) */
    const char *path2; /* RENAME: the new name */
    uint64_t offset;   /* RETR / STOR: REST first when not 0 */
    uint64_t limit;    /* RETR: fail before RETR when SIZE says more than offset + limit (UINT64_MAX: no limit) */
} ftp_request;

/* Why an operation failed. */
typedef enum ftp_fail {
    FTP_OK = 0,
    FTP_FAIL_REPLY,    /* the server answered with an error: `code` */
    FTP_FAIL_PROTOCOL, /* a reply that is not FTP, or not one this step allows */
    FTP_FAIL_CONTROL,  /* the control connection failed or closed (`err`) */
    FTP_FAIL_DATA,     /* the data connection failed or broke (`err`) */
    FTP_FAIL_TIMEOUT,  /* the caller's inactivity timer */
    FTP_FAIL_TOO_BIG,  /* SIZE beyond the request's limit */
    FTP_FAIL_LOCAL,    /* the caller gave up (ftp_client_abort, its `code`) */
} ftp_fail;

typedef enum ftp_act_kind {
    FTP_ACT_CONNECT = 1,
    FTP_ACT_SEND,
    FTP_ACT_DATA_CONNECT,
    FTP_ACT_DATA_LISTEN,
    FTP_ACT_DATA_START,
    FTP_ACT_DATA_CLOSE,
    FTP_ACT_CLOSE,
    FTP_ACT_SIZE,
    FTP_ACT_DONE,
} ftp_act_kind;

typedef struct ftp_act {
    ftp_act_kind kind;
    uint32_t ip;     /* DATA_CONNECT: host byte order */
    uint16_t port;
    int abort;       /* DATA_CLOSE, CLOSE: reset rather than close */
    uint64_t size;   /* SIZE */
    ftp_fail fail;   /* DONE */
    int code;        /* DONE: the reply code (FAIL_REPLY) or the caller's (FAIL_LOCAL) */
    int err;         /* DONE: -errno of FAIL_CONTROL / FAIL_DATA */
    size_t off, len; /* SEND: the line in ftp_out.bytes; DONE: the last reply's text */
} ftp_act;

typedef struct ftp_out {
    ftp_act *act;
    size_t nact, cap;
    bytebuf bytes;
    int err;       /* -ENOMEM if an append failed */
    ftp_act spare; /* where an act that could not be appended is written */
} ftp_out;

void ftp_out_init(ftp_out *o);
void ftp_out_clear(ftp_out *o);
void ftp_out_free(ftp_out *o);
static inline const char *ftp_out_text(const ftp_out *o, const ftp_act *a)
{
    return (const char *)o->bytes.data + a->off;
}

typedef struct ftp_config {
    const char *user;    /* "" or NULL: anonymous */
    const char *pass;
    const char *account; /* ACCT, when the server asks (332) */
    int passive;         /* 1: PASV (EPSV if PASV is refused); 0: PORT */
} ftp_config;

/* Where the client is within its session. */
typedef enum ftp_state {
    FTPS_CLOSED = 0,   /* no control connection */
    FTPS_CONNECTING,   /* waiting for the control connection */
    FTPS_GREETING,     /* waiting for 220 */
    FTPS_USER,
    FTPS_PASS,
    FTPS_ACCT,
    FTPS_READY,        /* logged in, idle */
    FTPS_BUSY,         /* an operation runs (step says where) */
    FTPS_QUIT,         /* QUIT sent */
} ftp_state;

typedef struct ftp_client {
    ftp_state state;
    int step;           /* within an operation (ftp.c) */
    ftp_parser parser;
    char user[128], pass[128], account[128];
    int passive;
    int binary;         /* TYPE I sent in this session */
    int tried_epsv;
    ftp_request req;
    char path[FTP_PATH_MAX + 1], path2[FTP_PATH_MAX + 1];
    /* the transfer in progress */
    int data_open;      /* the data connection is up (or being set up) */
    int data_up;
    int prelim;         /* the 1xx came */
    int final_code;     /* the transfer's final reply (0: not yet) */
    int data_done;
    int data_err;
    ftp_fail local_fail;/* ftp_client_abort */
    int local_code;
    ftp_reply last;     /* the last reply (its text goes with DONE) */
} ftp_client;

void ftp_client_init(ftp_client *c, const ftp_config *cfg);
/* Change the credentials or the mode between operations. */
void ftp_client_configure(ftp_client *c, const ftp_config *cfg);
/* Start an operation.  LOGIN needs FTPS_CLOSED, the others FTPS_READY.
 * 0, -EBUSY (wrong state: nothing emitted), -EINVAL (a path with CR, LF or
 * NUL, too long, missing). */
int ftp_client_start(ftp_client *c, const ftp_request *r, ftp_out *o);

/* The caller's answers. */
void ftp_client_control_up(ftp_client *c, ftp_out *o);
void ftp_client_control_failed(ftp_client *c, int err, ftp_out *o);
void ftp_client_control_data(ftp_client *c, const uint8_t *p, size_t n, ftp_out *o);
/* The server closed the control connection (err 0) or it broke. */
void ftp_client_control_closed(ftp_client *c, int err, ftp_out *o);
void ftp_client_data_up(ftp_client *c, ftp_out *o);
void ftp_client_data_failed(ftp_client *c, int err, ftp_out *o);
void ftp_client_data_listening(ftp_client *c, uint32_t ip, uint16_t port, ftp_out *o);
/* The data connection ended: RETR/LIST/NLST: the server closed it and
 * everything was read (err 0) or it broke; STOR: everything was sent and
 * the connection closed (err 0) or it broke. */
void ftp_client_data_done(ftp_client *c, int err, ftp_out *o);
/* The caller gives the transfer up (its file system is full, ...): the data
 * connection is reset, the server's final reply awaited, then DONE with
 * FTP_FAIL_LOCAL and `code`. */
void ftp_client_abort(ftp_client *c, int code, ftp_out *o);
/* Nothing moved for too long: everything is dropped (CLOSE), DONE with
 * FTP_FAIL_TIMEOUT when an operation ran.  The session is over. */
void ftp_client_timeout(ftp_client *c, ftp_out *o);
/* Forget the session without a word (power off). */
void ftp_client_reset(ftp_client *c);

static inline int ftp_client_logged_in(const ftp_client *c)
{
    return c->state == FTPS_READY || c->state == FTPS_BUSY;
}
static inline int ftp_client_idle(const ftp_client *c)
{
    return c->state == FTPS_CLOSED || c->state == FTPS_READY;
}

const char *ftp_fail_name(ftp_fail f);

#endif
