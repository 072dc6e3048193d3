/* ftp_service.c - a simulated FTP server for scenarios (see ftp_service.h).
 *
 * One ftp_svc per world (a clone of the configured template).  Each control
 * connection is a session; a transfer needs a data connection, which the
 * session either accepts on a passive port it opened for the purpose
 * (networld_listen) or opens itself to the module's PORT address
 * (networld_connect_module).  Replies follow RFC 959 and the wording of
 * common servers.  Downloads go out in pieces (the next when the module has
 * taken the last: ops.drained), so a fault can strike at an exact byte. */
#include "ftp_service.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sc_json.h"

#define FTP_SVC_PATH_MAX 512
#define CMD_LINE_MAX 512
#define PIECE (64u << 10)     /* bytes handed to the network at once */
#define PASV_PORTS 16         /* passive ports from pasv_port on */
#define UNREACHABLE_IP 0xC0000201u /* 192.0.2.1 (TEST-NET-1): nobody's */

typedef struct svc_file {
    char *path;
    bytebuf data;
} svc_file;

typedef enum { PASV_OK = 0, PASV_UNREACHABLE, PASV_REFUSED } pasv_fault;

typedef struct svc_reply {
    char *verb; /* upper case */
    char *text; /* "552 Quota exceeded" */
} svc_reply;

typedef struct svc_faults {
    int login_refused;
    pasv_fault pasv;
    uint64_t cut_at;   /* file position; once: the first download that gets there */
    int has_cut;
    uint64_t stall_at; /* the same for the stall */
    int has_stall;
    uint64_t grow;
    svc_reply *replies;
    size_t nreplies;
} svc_faults;

typedef enum { X_NONE = 0, X_RETR, X_LIST, X_NLST, X_STOR } xfer_kind;

typedef struct sess {
    ftp_svc *s;
    nw_conn *ctrl;
    bytebuf in;
    int too_long;           /* the current command line overflowed: skip to its end */
    int user_given, logged_in;
    char cwd[FTP_SVC_PATH_MAX];
    char rnfr[FTP_SVC_PATH_MAX];
    uint64_t rest;
    uint16_t pasv_port;     /* listening for this session's data connection (0: none) */
    net_addr port_addr;     /* PORT: where to connect */
    int has_port;
    nw_conn *data;
    int data_ready;         /* the data connection may carry bytes (passive: once accepted and set up) */
    /* the transfer */
    xfer_kind xfer;
    int waiting;            /* the command came, the data connection not yet */
    char xpath[FTP_SVC_PATH_MAX];
    bytebuf payload;        /* RETR / LIST / NLST: what goes out */
    size_t sent;
    uint64_t from;          /* RETR: the file position the transfer started at (REST) */
    int stalled;            /* the stall_at fault struck: nothing more goes */
    int appe;               /* STOR: APPE appends */
    struct sess *next;
} sess;

struct ftp_svc {
    int anonymous;          /* no "user": anyone logs in */
    char *user, *pass, *greeting;
    svc_file *files;
    size_t nfiles;
    char **dirs;
    size_t ndirs;
    uint16_t pasv_port;
    unsigned pasv_next;
    svc_faults f;
    bytebuf log;
    sess *sessions;
};

static const nw_service_ops ctrl_ops;
static const nw_service_ops data_ops;

/* ---------------- the log ---------------- */

static void svc_log(ftp_svc *s, networld *w, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void svc_log(ftp_svc *s, networld *w, const char *fmt, ...)
{
    char line[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    bytebuf_append_str(&s->log, line);
    bytebuf_append_byte(&s->log, '\n');
    if (w) {
        /* the trace's values hold no spaces: those of the line become '_' */
        for (char *p = line; *p; p++)
            if (*p == ' ' || (unsigned char)*p < 0x20)
                *p = '_';
        networld_logf(w, "peer ftp %s", line);
    }
}

const char *ftp_service_log(const ftp_svc *s) { return s->log.data ? (const char *)s->log.data : ""; }

/* ---------------- files and directories ---------------- */

static svc_file *file_at(const ftp_svc *s, const char *path)
{
    for (size_t i = 0; i < s->nfiles; i++)
        if (!strcmp(s->files[i].path, path))
            return &s->files[i];
    return NULL;
}

const bytebuf *ftp_service_file(const ftp_svc *s, const char *path)
{
    const svc_file *f = file_at(s, path);
    return f ? &f->data : NULL;
}

static svc_file *file_add(ftp_svc *s, const char *path)
{
    svc_file *f = file_at(s, path);
    if (f)
        return f;
    svc_file *nf = realloc(s->files, (s->nfiles + 1) * sizeof(*nf));
    if (!nf)
        return NULL;
    s->files = nf;
    f = &s->files[s->nfiles];
    f->path = strdup(path);
    if (!f->path)
        return NULL;
    bytebuf_init(&f->data);
    s->nfiles++;
    return f;
}

static void file_remove(ftp_svc *s, svc_file *f)
{
    free(f->path);
    bytebuf_free(&f->data);
    size_t i = (size_t)(f - s->files);
    memmove(f, f + 1, (s->nfiles - i - 1) * sizeof(*f));
    s->nfiles--;
}

/* p starts with dir and the next character ends a component. */
static int under(const char *p, const char *dir)
{
    if (!strcmp(dir, "/"))
        return p[0] == '/' && p[1];
    size_t n = strlen(dir);
    return !strncmp(p, dir, n) && p[n] == '/';
}

static int dir_listed(const ftp_svc *s, const char *path)
{
    for (size_t i = 0; i < s->ndirs; i++)
        if (!strcmp(s->dirs[i], path))
            return 1;
    return 0;
}

int ftp_service_has_dir(const ftp_svc *s, const char *path)
{
    if (!strcmp(path, "/") || dir_listed(s, path))
        return 1;
    for (size_t i = 0; i < s->nfiles; i++)
        if (under(s->files[i].path, path))
            return 1;
    for (size_t i = 0; i < s->ndirs; i++)
        if (under(s->dirs[i], path))
            return 1;
    return 0;
}

static int dir_add(ftp_svc *s, const char *path)
{
    if (dir_listed(s, path))
        return 0;
    char **nd = realloc(s->dirs, (s->ndirs + 1) * sizeof(*nd));
    if (!nd)
        return -ENOMEM;
    s->dirs = nd;
    if (!(nd[s->ndirs] = strdup(path)))
        return -ENOMEM;
    s->ndirs++;
    return 0;
}

static int dir_empty(const ftp_svc *s, const char *path)
{
    for (size_t i = 0; i < s->nfiles; i++)
        if (under(s->files[i].path, path))
            return 0;
    for (size_t i = 0; i < s->ndirs; i++)
        if (under(s->dirs[i], path))
            return 0;
    return 1;
}

static void dir_remove(ftp_svc *s, const char *path)
{
    for (size_t i = 0; i < s->ndirs; i++) {
        if (!strcmp(s->dirs[i], path)) {
            free(s->dirs[i]);
            memmove(&s->dirs[i], &s->dirs[i + 1], (s->ndirs - i - 1) * sizeof(*s->dirs));
            s->ndirs--;
            return;
        }
    }
}

/* The parent directory of path ("/" for "/a"). */
static void parent_of(const char *path, char *out, size_t size)
{
    snprintf(out, size, "%s", path);
    char *slash = strrchr(out, '/');
    if (slash == out)
        out[1] = 0;
    else if (slash)
        *slash = 0;
}

/* arg relative to cwd, "." and ".." resolved, into an absolute path without
 * a trailing slash.  -1 if too long. */
static int resolve(const char *cwd, const char *arg, char *out, size_t size)
{
    char buf[2 * FTP_SVC_PATH_MAX + 2];
    if (snprintf(buf, sizeof(buf), "%s/%s", arg[0] == '/' ? "" : cwd, arg) >= (int)sizeof(buf))
        return -1;
    size_t len = 0;
    out[0] = 0;
    for (char *save = NULL, *part = strtok_r(buf, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
        if (!strcmp(part, "."))
            continue;
        if (!strcmp(part, "..")) {
            char *slash = strrchr(out, '/');
            len = slash ? (size_t)(slash - out) : 0;
            out[len] = 0;
            continue;
        }
        size_t n = strlen(part);
        if (len + 1 + n + 1 > size)
            return -1;
        out[len++] = '/';
        memcpy(out + len, part, n + 1);
        len += n;
    }
    if (!len)
        snprintf(out, size, "/");
    return 0;
}

/* The last component of path. */
static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list_line(bytebuf *b, int dir, size_t size, const char *name, int names_only)
{
    if (names_only)
        bytebuf_appendf(b, "%s\r\n", name);
    else
        bytebuf_appendf(b, "%s 1 ftp ftp %10zu Jan 01 00:00 %s\r\n", dir ? "drwxr-xr-x" : "-rw-r--r--", size, name);
}

/* The entries of directory `dir`, sorted, one line each: `ls -l` lines, or
 * names only (NLST). */
static void list_dir(const ftp_svc *s, const char *dir, int names_only, bytebuf *out)
{
    size_t cap = s->nfiles + s->ndirs, n = 0;
    char **names = calloc(cap ? cap : 1, sizeof(*names));
    if (!names)
        return;
    for (size_t i = 0; i < s->nfiles + s->ndirs; i++) {
        const char *p = i < s->nfiles ? s->files[i].path : s->dirs[i - s->nfiles];
        if (!under(p, dir))
            continue;
        const char *rest = p + (strcmp(dir, "/") ? strlen(dir) + 1 : 1);
        size_t len = strcspn(rest, "/");
        char *name = strndup(rest, len);
        int dup = 0;
        for (size_t k = 0; name && k < n && !dup; k++)
            dup = !strcmp(names[k], name);
        if (dup || !name)
            free(name);
        else
            names[n++] = name;
    }
    qsort(names, n, sizeof(*names), cmp_str);
    for (size_t k = 0; k < n; k++) {
        char full[2 * FTP_SVC_PATH_MAX];
        snprintf(full, sizeof(full), "%s/%s", strcmp(dir, "/") ? dir : "", names[k]);
        const svc_file *f = file_at(s, full);
        list_line(out, !f, f ? f->data.len : 0, names[k], names_only);
        free(names[k]);
    }
    free(names);
}

/* ---------------- replies ---------------- */

static void reply(sess *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reply(sess *x, const char *fmt, ...)
{
    char line[FTP_SVC_PATH_MAX * 2];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof(line) - 3)
        n = (int)sizeof(line) - 3;
    memcpy(line + n, "\r\n", 3);
    nw_conn_send(x->ctrl, line, (size_t)n + 2);
}

/* ---------------- data connections ---------------- */

static void close_pasv(sess *x)
{
    if (!x->pasv_port)
        return;
    networld_unlisten(nw_conn_world(x->ctrl), nw_conn_local(x->ctrl).ip, x->pasv_port);
    x->pasv_port = 0;
}

static void end_transfer(sess *x)
{
    x->xfer = X_NONE;
    x->waiting = 0;
    x->sent = 0;
    x->stalled = 0;
    x->appe = 0;
    bytebuf_clear(&x->payload);
}

/* Drop the data connection: FIN after what was sent (abort 0) or RST. */
static void data_drop(sess *x, int abort)
{
    if (x->data) {
        nw_conn_close(x->data, abort); /* the connection is gone for us after this */
        x->data = NULL;
    }
    x->data_ready = 0;
}

/* Send the next piece of a download, or finish it. */
static void pump(sess *x)
{
    ftp_svc *s = x->s;
    networld *w = nw_conn_world(x->ctrl);
    if (!x->data || !x->data_ready || x->waiting || x->stalled ||
        (x->xfer != X_RETR && x->xfer != X_LIST && x->xfer != X_NLST))
        return;
    if (nw_conn_pending(x->data))
        return; /* drained() calls again */
    int file = x->xfer == X_RETR;
    uint64_t pos = x->from + x->sent; /* where in the file */
    if (file && s->f.has_cut && pos >= s->f.cut_at) {
        s->f.has_cut = 0; /* once */
        svc_log(s, w, "cut %s at=%llu", x->xpath, (unsigned long long)pos);
        data_drop(x, 1);
        end_transfer(x);
        reply(x, "426 Connection closed; transfer aborted.");
        return;
    }
    if (file && s->f.has_stall && pos >= s->f.stall_at) {
        s->f.has_stall = 0;
        svc_log(s, w, "stalled %s at=%llu", x->xpath, (unsigned long long)pos);
        x->stalled = 1; /* nothing more ever goes */
        return;
    }
    size_t left = x->payload.len - x->sent;
    if (!left) {
        svc_log(s, w, "sent %s bytes=%zu", file ? x->xpath : "listing", x->sent);
        data_drop(x, 0);
        end_transfer(x);
        reply(x, "226 Transfer complete.");
        return;
    }
    size_t n = left < PIECE ? left : PIECE;
    uint64_t limit = s->f.has_cut ? s->f.cut_at : s->f.has_stall ? s->f.stall_at : UINT64_MAX;
    if (file && pos < limit && pos + n > limit)
        n = (size_t)(limit - pos);
    nw_conn_send(x->data, x->payload.data + x->sent, n);
    x->sent += n;
}

/* The command arrived and the data connection is there: go. */
static void transfer_start(sess *x)
{
    x->waiting = 0;
    if (x->xfer == X_STOR)
        return; /* the module sends; its FIN ends it */
    pump(x);
}

/* The data connection for a command that needs one: the one accepted on
 * the passive port, or a new one to the PORT address.  0 when it is (or
 * will be) there; else the 425 is out. */
static int data_for(sess *x)
{
    ftp_svc *s = x->s;
    networld *w = nw_conn_world(x->ctrl);
    if (x->data || x->pasv_port) {
        x->waiting = !x->data;
        return 0;
    }
    if (!x->has_port) {
        reply(x, "425 Use PORT or PASV first.");
        return -1;
    }
    net_addr from = { nw_conn_local(x->ctrl).ip, 20 };
    nw_conn *c = NULL;
    int rc = networld_connect_module(w, from, x->port_addr, &data_ops, s, x, &c);
    x->has_port = 0;
    if (rc) {
        char ip[16];
        svc_log(s, w, "data active %s:%u failed err=%d", ip4_format(x->port_addr.ip, ip), x->port_addr.port, rc);
        reply(x, "425 Can't open data connection.");
        return -1;
    }
    char ip[16];
    svc_log(s, w, "data active %s:%u", ip4_format(x->port_addr.ip, ip), x->port_addr.port);
    x->data = c;
    x->data_ready = 1; /* the module takes bytes behind the SYN */
    x->waiting = 0;
    return 0;
}

static void *data_accept(void *svcp, nw_conn *c, int *refuse)
{
    ftp_svc *s = svcp;
    uint16_t port = nw_conn_local(c).port;
    for (sess *x = s->sessions; x; x = x->next) {
        if (x->pasv_port != port || x->data)
            continue;
        close_pasv(x); /* one connection per PASV */
        x->data = c;
        x->data_ready = 0; /* drained() says when it is set up */
        svc_log(s, nw_conn_world(c), "data passive port=%u", port);
        return x;
    }
    *refuse = 1;
    return NULL;
}

static void data_in(void *svcp, void *cs, nw_conn *c, const uint8_t *p, size_t n)
{
    (void)svcp;
    sess *x = cs;
    if (x && c == x->data && x->xfer == X_STOR)
        bytebuf_append(&x->payload, p, n);
}

/* STOR / APPE: the file as the module's bytes make it. */
static void store(sess *x)
{
    ftp_svc *s = x->s;
    svc_file *f = file_add(s, x->xpath);
    if (!f) {
        reply(x, "451 Local error.");
        return;
    }
    if (!x->appe) { /* REST n + STOR: keep the first n bytes */
        size_t keep = x->rest < f->data.len ? (size_t)x->rest : f->data.len;
        f->data.len = keep;
    }
    bytebuf_append(&f->data, x->payload.data, x->payload.len);
    svc_log(s, nw_conn_world(x->ctrl), "stored %s bytes=%zu", x->xpath, x->payload.len);
    reply(x, "226 Transfer complete.");
}

static void data_closed(void *svcp, void *cs, nw_conn *c, int err)
{
    (void)svcp;
    sess *x = cs;
    if (!x || c != x->data)
        return;
    x->data = NULL;
    x->data_ready = 0;
    if (x->xfer == X_STOR && !err) {
        store(x);
    } else if (x->xfer != X_NONE) {
        svc_log(x->s, nw_conn_world(x->ctrl), "data closed by module err=%d", err);
        reply(x, "426 Connection closed; transfer aborted.");
    }
    x->rest = 0;
    end_transfer(x);
}

static void data_drained(void *svcp, void *cs, nw_conn *c)
{
    (void)svcp;
    sess *x = cs;
    if (!x || c != x->data)
        return;
    x->data_ready = 1;
    if (x->waiting)
        transfer_start(x);
    else
        pump(x);
}

/* ---------------- commands ---------------- */

static int arg_path(sess *x, const char *arg, char *out)
{
    if (!*arg) {
        reply(x, "501 Syntax error in parameters or arguments.");
        return -1;
    }
    if (resolve(x->cwd, arg, out, FTP_SVC_PATH_MAX)) {
        reply(x, "553 File name not allowed.");
        return -1;
    }
    return 0;
}

static void cmd_pasv(sess *x, int extended)
{
    ftp_svc *s = x->s;
    networld *w = nw_conn_world(x->ctrl);
    ip4 ip = nw_conn_local(x->ctrl).ip;
    close_pasv(x);
    data_drop(x, 1);
    x->has_port = 0;
    uint16_t port = 0;
    for (unsigned k = 0; k < PASV_PORTS && !port; k++) {
        uint16_t p = (uint16_t)(s->pasv_port + (s->pasv_next++ % PASV_PORTS));
        if (s->f.pasv == PASV_REFUSED || !networld_listen(w, ip, p, &data_ops, s))
            port = p;
    }
    if (!port) {
        reply(x, "425 Can't open passive connection.");
        return;
    }
    if (s->f.pasv == PASV_OK)
        x->pasv_port = port;
    if (s->f.pasv == PASV_UNREACHABLE)
        ip = UNREACHABLE_IP;
    if (extended)
        reply(x, "229 Entering Extended Passive Mode (|||%u|).", port);
    else
        reply(x, "227 Entering Passive Mode (%u,%u,%u,%u,%u,%u).", ip >> 24, ip >> 16 & 255, ip >> 8 & 255,
              ip & 255, port >> 8, port & 255);
}

static void cmd_port(sess *x, const char *arg)
{
    unsigned v[6];
    char tail;
    if (sscanf(arg, "%u,%u,%u,%u,%u,%u%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6) {
        reply(x, "501 Illegal PORT command.");
        return;
    }
    for (int i = 0; i < 6; i++) {
        if (v[i] > 255) {
            reply(x, "501 Illegal PORT command.");
            return;
        }
    }
    close_pasv(x);
    data_drop(x, 1);
    x->port_addr = (net_addr){ v[0] << 24 | v[1] << 16 | v[2] << 8 | v[3], (uint16_t)(v[4] << 8 | v[5]) };
    x->has_port = 1;
    reply(x, "200 PORT command successful.");
}

/* RETR, LIST, NLST, STOR, APPE. */
static void cmd_transfer(sess *x, xfer_kind kind, const char *arg, int appe)
{
    ftp_svc *s = x->s;
    char path[FTP_SVC_PATH_MAX];
    if (kind == X_LIST || kind == X_NLST) {
        /* "LIST -la" style options are ignored */
        const char *a = arg[0] == '-' ? arg + strcspn(arg, " ") : arg;
        while (*a == ' ')
            a++;
        if (resolve(x->cwd, *a ? a : ".", path, sizeof(path))) {
            reply(x, "553 File name not allowed.");
            return;
        }
    } else if (arg_path(x, arg, path)) {
        return;
    }
    const svc_file *f = file_at(s, path);
    bytebuf_clear(&x->payload);
    if (kind == X_RETR && !f) {
        reply(x, "550 %s: No such file or directory.", arg);
        return;
    }
    if ((kind == X_LIST || kind == X_NLST) && !f && !ftp_service_has_dir(s, path)) {
        reply(x, "550 %s: No such file or directory.", arg);
        return;
    }
    if (kind == X_STOR) {
        char parent[FTP_SVC_PATH_MAX];
        parent_of(path, parent, sizeof(parent));
        if (!ftp_service_has_dir(s, parent) || ftp_service_has_dir(s, path)) {
            reply(x, "553 %s: Could not create file.", arg);
            return;
        }
    }
    if (kind == X_RETR) {
        size_t from = x->rest < f->data.len ? (size_t)x->rest : f->data.len;
        x->from = from;
        bytebuf_append(&x->payload, f->data.data + from, f->data.len - from);
    } else if (f && kind != X_STOR) {
        list_line(&x->payload, 0, f->data.len, kind == X_NLST ? arg : base_name(path), kind == X_NLST);
    } else if (kind != X_STOR) {
        list_dir(s, path, kind == X_NLST, &x->payload);
    }
    x->xfer = kind;
    x->appe = appe;
    snprintf(x->xpath, sizeof(x->xpath), "%s", path);
    if (data_for(x)) {
        end_transfer(x);
        return;
    }
    if (kind == X_RETR)
        reply(x, "150 Opening BINARY mode data connection for %s (%zu bytes).", arg, x->payload.len);
    else if (kind == X_STOR)
        reply(x, "150 Ok to send data.");
    else
        reply(x, "150 Here comes the directory listing.");
    if (kind != X_STOR)
        x->rest = 0;
    if (!x->waiting)
        transfer_start(x);
}

static void cmd_rename_to(sess *x, const char *arg)
{
    ftp_svc *s = x->s;
    char to[FTP_SVC_PATH_MAX];
    if (!x->rnfr[0]) {
        reply(x, "503 Bad sequence of commands.");
        return;
    }
    if (arg_path(x, arg, to))
        return;
    svc_file *f = file_at(s, x->rnfr);
    if (f) {
        if (file_at(s, to) && strcmp(to, x->rnfr))
            file_remove(s, file_at(s, to));
        f = file_at(s, x->rnfr);
        char *np = strdup(to);
        if (np) {
            free(f->path);
            f->path = np;
        }
    } else { /* a directory: everything under it moves */
        size_t n = strlen(x->rnfr);
        for (size_t i = 0; i < s->nfiles + s->ndirs; i++) {
            char **p = i < s->nfiles ? &s->files[i].path : &s->dirs[i - s->nfiles];
            if (strcmp(*p, x->rnfr) && !under(*p, x->rnfr))
                continue;
            char np[2 * FTP_SVC_PATH_MAX];
            snprintf(np, sizeof(np), "%s%s", to, *p + n);
            char *d = strdup(np);
            if (d) {
                free(*p);
                *p = d;
            }
        }
    }
    x->rnfr[0] = 0;
    reply(x, "250 Rename successful.");
}

static int check_login(sess *x, const char *pass)
{
    const ftp_svc *s = x->s;
    if (s->f.login_refused)
        return 0;
    return s->anonymous || (x->user_given == 1 && !strcmp(pass, s->pass ? s->pass : ""));
}

static void cmd_user(sess *x, const char *arg)
{
    const ftp_svc *s = x->s;
    x->logged_in = 0;
    /* 1: the configured user, 2: someone else (PASS will fail) */
    x->user_given = s->anonymous || !strcmp(arg, s->user) ? 1 : 2;
    reply(x, "331 Username ok, send password.");
}

static void cmd_pass(sess *x, const char *arg)
{
    if (!x->user_given) {
        reply(x, "503 Login with USER first.");
        return;
    }
    if (!check_login(x, arg)) {
        x->user_given = 0;
        reply(x, "530 Login incorrect.");
        return;
    }
    x->logged_in = 1;
    reply(x, "230 Login successful.");
}

/* Commands that need no login. */
static int cmd_open(sess *x, const char *verb, const char *arg)
{
    if (!strcmp(verb, "USER"))
        cmd_user(x, arg);
    else if (!strcmp(verb, "PASS"))
        cmd_pass(x, arg);
    else if (!strcmp(verb, "QUIT")) {
        reply(x, "221 Goodbye.");
        data_drop(x, 1);
        close_pasv(x);
        nw_conn_close(x->ctrl, 0);
        x->ctrl = NULL; /* gone for us: closed() is not called after our own close */
    } else if (!strcmp(verb, "SYST"))
        reply(x, "215 UNIX Type: L8");
    else if (!strcmp(verb, "FEAT"))
        reply(x, "211-Features:\r\n SIZE\r\n REST STREAM\r\n EPSV\r\n PASV\r\n UTF8\r\n211 End");
    else if (!strcmp(verb, "NOOP"))
        reply(x, "200 NOOP ok.");
    else
        return 0;
    return 1;
}

static void cmd_simple(sess *x, const char *verb, const char *arg)
{
    ftp_svc *s = x->s;
    char path[FTP_SVC_PATH_MAX];
    if (!strcmp(verb, "PWD") || !strcmp(verb, "XPWD")) {
        reply(x, "257 \"%s\" is the current directory.", x->cwd);
    } else if (!strcmp(verb, "CWD") || !strcmp(verb, "CDUP") || !strcmp(verb, "XCUP")) {
        if (strcmp(verb, "CWD") ? resolve(x->cwd, "..", path, sizeof(path)) : arg_path(x, arg, path))
            return;
        if (!ftp_service_has_dir(s, path)) {
            reply(x, "550 %s: No such directory.", arg);
            return;
        }
        snprintf(x->cwd, sizeof(x->cwd), "%s", path);
        reply(x, "250 Directory successfully changed.");
    } else if (!strcmp(verb, "MKD") || !strcmp(verb, "XMKD")) {
        char parent[FTP_SVC_PATH_MAX];
        if (arg_path(x, arg, path))
            return;
        parent_of(path, parent, sizeof(parent));
        if (ftp_service_has_dir(s, path) || file_at(s, path) || !ftp_service_has_dir(s, parent) || dir_add(s, path)) {
            reply(x, "550 %s: Create directory operation failed.", arg);
            return;
        }
        reply(x, "257 \"%s\" created.", path);
    } else if (!strcmp(verb, "RMD") || !strcmp(verb, "XRMD")) {
        if (arg_path(x, arg, path))
            return;
        if (!strcmp(path, "/") || !ftp_service_has_dir(s, path) || !dir_empty(s, path)) {
            reply(x, "550 %s: Remove directory operation failed.", arg);
            return;
        }
        dir_remove(s, path);
        reply(x, "250 Remove directory operation successful.");
    } else if (!strcmp(verb, "DELE")) {
        if (arg_path(x, arg, path))
            return;
        svc_file *f = file_at(s, path);
        if (!f) {
            reply(x, "550 %s: No such file or directory.", arg);
            return;
        }
        file_remove(s, f);
        reply(x, "250 Delete operation successful.");
    } else if (!strcmp(verb, "RNFR")) {
        if (arg_path(x, arg, path))
            return;
        if (!file_at(s, path) && (!ftp_service_has_dir(s, path) || !strcmp(path, "/"))) {
            reply(x, "550 %s: No such file or directory.", arg);
            return;
        }
        snprintf(x->rnfr, sizeof(x->rnfr), "%s", path);
        reply(x, "350 Ready for destination name.");
    } else if (!strcmp(verb, "RNTO")) {
        cmd_rename_to(x, arg);
    } else if (!strcmp(verb, "SIZE")) {
        if (arg_path(x, arg, path))
            return;
        svc_file *f = file_at(s, path);
        if (!f) {
            reply(x, "550 %s: No such file.", arg);
            return;
        }
        reply(x, "213 %zu", f->data.len);
        for (uint64_t i = 0; i < s->f.grow; i++) /* the file grows before the RETR */
            bytebuf_append_byte(&f->data, sc_generated_byte(f->data.len));
    } else if (!strcmp(verb, "REST")) {
        char *end;
        unsigned long long v = strtoull(arg, &end, 10);
        if (!*arg || *end || arg[0] == '-') {
            reply(x, "501 Invalid REST parameter.");
            return;
        }
        x->rest = v;
        reply(x, "350 Restarting at %llu.", v);
    } else if (!strcmp(verb, "TYPE")) {
        if (!strcasecmp(arg, "I") || !strcasecmp(arg, "A") || !strcasecmp(arg, "L 8") || !strcasecmp(arg, "A N"))
            reply(x, "200 Type set to %c.", arg[0] == 'i' || arg[0] == 'I' ? 'I' : arg[0] == 'L' ? 'L' : 'A');
        else
            reply(x, "504 Type not implemented for that parameter.");
    } else if (!strcmp(verb, "MODE") || !strcmp(verb, "STRU")) {
        if (!strcasecmp(arg, !strcmp(verb, "MODE") ? "S" : "F"))
            reply(x, "200 %s set.", verb);
        else
            reply(x, "504 Command not implemented for that parameter.");
    } else if (!strcmp(verb, "OPTS")) {
        reply(x, "200 Always in UTF8 mode.");
    } else if (!strcmp(verb, "ACCT")) {
        reply(x, "202 Command not needed at this site.");
    } else if (!strcmp(verb, "ABOR")) {
        data_drop(x, 1);
        close_pasv(x);
        end_transfer(x);
        reply(x, "226 ABOR successful.");
    } else {
        reply(x, "502 Command not implemented.");
    }
}

static void command(sess *x, char *line)
{
    ftp_svc *s = x->s;
    char verb[8];
    size_t vl = strcspn(line, " ");
    snprintf(verb, sizeof(verb), "%.*s", (int)(vl < sizeof(verb) - 1 ? vl : sizeof(verb) - 1), line);
    for (char *p = verb; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    const char *arg = line[vl] ? line + vl + 1 : "";
    svc_log(s, nw_conn_world(x->ctrl), "%s", line);
    for (size_t i = 0; i < s->f.nreplies; i++) {
        if (!strcmp(s->f.replies[i].verb, verb)) {
            reply(x, "%s", s->f.replies[i].text);
            return;
        }
    }
    if (cmd_open(x, verb, arg))
        return;
    if (!x->logged_in) {
        reply(x, "530 Please login with USER and PASS.");
        return;
    }
    if (x->xfer != X_NONE && strcmp(verb, "ABOR")) {
        reply(x, "450 A transfer is in progress.");
        return;
    }
    if (!strcmp(verb, "PASV") || !strcmp(verb, "EPSV"))
        cmd_pasv(x, verb[0] == 'E');
    else if (!strcmp(verb, "PORT"))
        cmd_port(x, arg);
    else if (!strcmp(verb, "RETR"))
        cmd_transfer(x, X_RETR, arg, 0);
    else if (!strcmp(verb, "STOR") || !strcmp(verb, "APPE"))
        cmd_transfer(x, X_STOR, arg, verb[0] == 'A');
    else if (!strcmp(verb, "LIST"))
        cmd_transfer(x, X_LIST, arg, 0);
    else if (!strcmp(verb, "NLST"))
        cmd_transfer(x, X_NLST, arg, 0);
    else
        cmd_simple(x, verb, arg);
}

/* ---------------- the control connection ---------------- */

static void *ctrl_accept(void *svcp, nw_conn *c, int *refuse)
{
    ftp_svc *s = svcp;
    sess *x = calloc(1, sizeof(*x));
    if (!x) {
        *refuse = 1;
        return NULL;
    }
    x->s = s;
    x->ctrl = c;
    snprintf(x->cwd, sizeof(x->cwd), "/");
    bytebuf_init(&x->in);
    bytebuf_init(&x->payload);
    x->next = s->sessions;
    s->sessions = x;
    svc_log(s, nw_conn_world(c), "connected");
    reply(x, "%s", s->greeting ? s->greeting : "220 sarasim FTP server ready.");
    return x;
}

static void sess_free(sess *x)
{
    ftp_svc *s = x->s;
    sess **pp = &s->sessions;
    while (*pp && *pp != x)
        pp = &(*pp)->next;
    if (*pp)
        *pp = x->next;
    bytebuf_free(&x->in);
    bytebuf_free(&x->payload);
    free(x);
}

static void ctrl_in(void *svcp, void *cs, nw_conn *c, const uint8_t *p, size_t n)
{
    (void)svcp;
    sess *x = cs;
    networld *w = nw_conn_world(c); /* c may be gone after a QUIT */
    for (size_t i = 0; i < n && x->ctrl; i++) {
        if (p[i] != '\n') {
            if (x->in.len < CMD_LINE_MAX)
                bytebuf_append_byte(&x->in, p[i]);
            else
                x->too_long = 1;
            continue;
        }
        if (x->in.len && x->in.data[x->in.len - 1] == '\r')
            x->in.len--;
        bytebuf_append_byte(&x->in, 0);
        if (x->too_long)
            reply(x, "500 Command line too long.");
        else if (strlen((const char *)x->in.data) == x->in.len - 1)
            command(x, (char *)x->in.data);
        else
            reply(x, "501 No NUL in a command.");
        bytebuf_clear(&x->in);
        x->too_long = 0;
    }
    if (!x->ctrl) { /* QUIT: the session is over */
        svc_log(x->s, w, "closed");
        sess_free(x);
    }
}

static void ctrl_closed(void *svcp, void *cs, nw_conn *c, int err)
{
    (void)svcp;
    (void)err;
    sess *x = cs;
    if (!x)
        return;
    svc_log(x->s, nw_conn_world(c), "closed");
    data_drop(x, 1);
    close_pasv(x);
    sess_free(x);
}

/* ---------------- lifecycle ---------------- */

static void svc_free(void *svcp)
{
    ftp_svc *s = svcp;
    if (!s)
        return;
    while (s->sessions) {
        sess *x = s->sessions;
        s->sessions = x->next;
        bytebuf_free(&x->in);
        bytebuf_free(&x->payload);
        free(x);
    }
    for (size_t i = 0; i < s->nfiles; i++) {
        free(s->files[i].path);
        bytebuf_free(&s->files[i].data);
    }
    free(s->files);
    for (size_t i = 0; i < s->ndirs; i++)
        free(s->dirs[i]);
    free(s->dirs);
    for (size_t i = 0; i < s->f.nreplies; i++) {
        free(s->f.replies[i].verb);
        free(s->f.replies[i].text);
    }
    free(s->f.replies);
    free(s->user);
    free(s->pass);
    free(s->greeting);
    bytebuf_free(&s->log);
    free(s);
}

static char *dup_or_null(const char *p, int *fail)
{
    if (!p)
        return NULL;
    char *d = strdup(p);
    *fail |= !d;
    return d;
}

/* A running copy of a configured server: its files and settings, no
 * sessions, an empty log. */
static void *svc_clone(void *svcp)
{
    const ftp_svc *t = svcp;
    ftp_svc *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    int fail = 0;
    s->anonymous = t->anonymous;
    s->user = dup_or_null(t->user, &fail);
    s->pass = dup_or_null(t->pass, &fail);
    s->greeting = dup_or_null(t->greeting, &fail);
    s->pasv_port = t->pasv_port;
    s->f = t->f;
    s->f.replies = NULL;
    s->f.nreplies = 0;
    bytebuf_init(&s->log);
    for (size_t i = 0; i < t->nfiles && !fail; i++) {
        svc_file *f = file_add(s, t->files[i].path);
        fail |= !f || bytebuf_append(&f->data, t->files[i].data.data, t->files[i].data.len);
    }
    for (size_t i = 0; i < t->ndirs && !fail; i++)
        fail |= dir_add(s, t->dirs[i]) != 0;
    if (!fail && t->f.nreplies && !(s->f.replies = calloc(t->f.nreplies, sizeof(*s->f.replies))))
        fail = 1;
    for (size_t i = 0; i < t->f.nreplies && !fail; i++) {
        s->f.replies[i].verb = dup_or_null(t->f.replies[i].verb, &fail);
        s->f.replies[i].text = dup_or_null(t->f.replies[i].text, &fail);
        s->f.nreplies = i + 1;
    }
    if (fail) {
        svc_free(s);
        return NULL;
    }
    return s;
}

static const nw_service_ops ctrl_ops = {
    .accept = ctrl_accept, .data = ctrl_in, .closed = ctrl_closed, .destroy = svc_free, .clone = svc_clone,
};
static const nw_service_ops data_ops = {
    .accept = data_accept, .data = data_in, .closed = data_closed, .drained = data_drained,
};

/* ---------------- configuration ---------------- */

static int parse_files(sc_pctx *c, const cJSON *files, ftp_svc *s)
{
    if (!cJSON_IsObject(files))
        return sc_fail(c, "expected an object of \"/path\": <file content>");
    for (const cJSON *it = files->child; it; it = it->next) {
        size_t mark = sc_push_key(c, it->string);
        char path[FTP_SVC_PATH_MAX];
        int rc = it->string[0] != '/' || resolve("/", it->string, path, sizeof(path)) || !strcmp(path, "/")
                     ? sc_fail(c, "expected an absolute file path like \"/fw/pkg.bin\"")
                     : 0;
        sc_bytes b = { 0 };
        if (!rc)
            rc = sc_blob_value(c, it, &b);
        svc_file *f = rc ? NULL : file_add(s, path);
        if (!rc && (!f || bytebuf_append(&f->data, b.data, b.len)))
            rc = sc_fail(c, "out of memory");
        sc_bytes_free(&b);
        sc_pop(c, mark);
        if (rc)
            return -1;
    }
    return 0;
}

static int parse_dirs(sc_pctx *c, const cJSON *dirs, ftp_svc *s)
{
    if (!cJSON_IsArray(dirs))
        return sc_fail(c, "expected an array of directory paths like [\"/upload\"]");
    size_t i = 0;
    for (const cJSON *it = dirs->child; it; it = it->next, i++) {
        size_t mark = sc_push_index(c, i);
        char path[FTP_SVC_PATH_MAX];
        int rc = !cJSON_IsString(it) || it->valuestring[0] != '/' ||
                         resolve("/", it->valuestring, path, sizeof(path))
                     ? sc_fail(c, "expected an absolute directory path like \"/upload\"")
                     : dir_add(s, path) ? sc_fail(c, "out of memory") : 0;
        sc_pop(c, mark);
        if (rc)
            return -1;
    }
    return 0;
}

static int parse_replies(sc_pctx *c, const cJSON *o, svc_faults *f)
{
    if (!cJSON_IsObject(o))
        return sc_fail(c, "expected an object like {\"STOR\": \"552 Quota exceeded\"}");
    f->replies = calloc((size_t)cJSON_GetArraySize(o) + 1, sizeof(*f->replies));
    if (!f->replies)
        return sc_fail(c, "out of memory");
    for (const cJSON *it = o->child; it; it = it->next) {
        const char *t = cJSON_IsString(it) ? it->valuestring : "";
        int bad = strlen(it->string) < 3 || strlen(it->string) > 4 || strlen(t) < 3 || t[0] < '1' || t[0] > '5' ||
                  t[1] < '0' || t[1] > '9' || t[2] < '0' || t[2] > '9' || (t[3] && t[3] != ' ') || strpbrk(t, "\r\n");
        for (const char *p = it->string; *p && !bad; p++)
            bad = (*p < 'A' || *p > 'Z') && (*p < 'a' || *p > 'z');
        if (bad)
            return sc_fail_at(c, it->string, "expected a command (3-4 letters) and its reply like \"550 No\"");
        svc_reply *r = &f->replies[f->nreplies++];
        r->verb = strdup(it->string);
        r->text = strdup(t);
        if (!r->verb || !r->text)
            return sc_fail(c, "out of memory");
        for (char *p = r->verb; *p; p++)
            if (*p >= 'a' && *p <= 'z')
                *p = (char)(*p - 'a' + 'A');
    }
    return 0;
}

static int parse_faults(sc_pctx *c, const cJSON *o, svc_faults *f)
{
    static const char *const keys[] = { "login", "pasv", "cut_at", "stall_at", "grow", "replies", "note", NULL };
    if (sc_expect_object(c, o, "an object of faults like {\"login\": \"refuse\"}") || sc_check_keys(c, o, keys))
        return -1;
    char *login = NULL, *pasv = NULL;
    long v;
    int rc = sc_opt_string(c, o, "login", &login);
    if (rc == 0) {
        rc = strcmp(login, "refuse") && strcmp(login, "ok") ? sc_fail_at(c, "login", "expected \"refuse\" or \"ok\"")
                                                            : 0;
        f->login_refused = !strcmp(login, "refuse");
    }
    free(login);
    if (rc < 0)
        return -1;
    rc = sc_opt_string(c, o, "pasv", &pasv);
    if (rc == 0) {
        f->pasv = !strcmp(pasv, "unreachable") ? PASV_UNREACHABLE : !strcmp(pasv, "refused") ? PASV_REFUSED
                                                                                             : PASV_OK;
        rc = f->pasv == PASV_OK && strcmp(pasv, "ok")
                 ? sc_fail_at(c, "pasv", "expected \"unreachable\", \"refused\" or \"ok\"")
                 : 0;
    }
    free(pasv);
    if (rc < 0)
        return -1;
    if ((rc = sc_opt_int(c, o, "cut_at", 0, 1L << 40, &v)) < 0)
        return -1;
    f->has_cut = rc == 0;
    f->cut_at = rc == 0 ? (uint64_t)v : 0;
    if ((rc = sc_opt_int(c, o, "stall_at", 0, 1L << 40, &v)) < 0)
        return -1;
    f->has_stall = rc == 0;
    f->stall_at = rc == 0 ? (uint64_t)v : 0;
    if ((rc = sc_opt_int(c, o, "grow", 0, 16L << 20, &v)) < 0)
        return -1;
    f->grow = rc == 0 ? (uint64_t)v : 0;
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(o, "replies");
    if (r) {
        size_t mark = sc_push_key(c, "replies");
        rc = parse_replies(c, r, f);
        sc_pop(c, mark);
        if (rc)
            return -1;
    }
    return 0;
}

static int parse_body(sc_pctx *c, const cJSON *o, ftp_svc *s, long *port)
{
    static const char *const keys[] = { "tcp", "serve", "user", "pass", "greeting", "files", "dirs", "pasv_port",
                                        "faults", "note", NULL };
    long pasv = 50000;
    if (sc_check_keys(c, o, keys) || sc_req_int(c, o, "tcp", 1, 65535, port) ||
        sc_opt_string(c, o, "user", &s->user) < 0 || sc_opt_string(c, o, "pass", &s->pass) < 0 ||
        sc_opt_string(c, o, "greeting", &s->greeting) < 0 ||
        sc_opt_int(c, o, "pasv_port", 1024, 65535 - PASV_PORTS + 1, &pasv) < 0)
        return -1;
    s->anonymous = !s->user;
    s->pasv_port = (uint16_t)pasv;
    if (s->greeting && (strncmp(s->greeting, "220", 3) || strpbrk(s->greeting, "\r\n")))
        return sc_fail_at(c, "greeting", "expected one line starting with 220");
    if (s->pass && !s->user)
        return sc_fail_at(c, "pass", "a password needs its \"user\"");
    const struct {
        const char *key;
        int (*fn)(sc_pctx *, const cJSON *, ftp_svc *);
    } parts[] = { { "files", parse_files }, { "dirs", parse_dirs } };
    for (size_t i = 0; i < 2; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, parts[i].key);
        if (!v)
            continue;
        size_t mark = sc_push_key(c, parts[i].key);
        int rc = parts[i].fn(c, v, s);
        sc_pop(c, mark);
        if (rc)
            return -1;
    }
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, "faults");
    if (f) {
        size_t mark = sc_push_key(c, "faults");
        int rc = parse_faults(c, f, &s->f);
        sc_pop(c, mark);
        if (rc)
            return -1;
    }
    return 0;
}

int ftp_service_parse(sc_pctx *c, const cJSON *o, nw_service_cfg *out)
{
    ftp_svc *s = calloc(1, sizeof(*s));
    if (!s)
        return sc_fail(c, "out of memory");
    bytebuf_init(&s->log);
    long port = 0;
    if (parse_body(c, o, s, &port)) {
        svc_free(s);
        return -1;
    }
    memset(out, 0, sizeof(*out));
    out->proto = IP_TCP;
    out->port = (uint16_t)port;
    out->kind = NW_SVC_CUSTOM;
    out->ops = &ctrl_ops;
    out->svc = s;
    return 0;
}

int ftp_service_from_json(const char *json, nw_service_cfg *out, char *err, size_t errlen)
{
    sc_pctx c = { "ftp", ".", "$", err, errlen };
    cJSON *o = cJSON_Parse(json);
    if (!o) {
        snprintf(err, errlen, "not valid JSON");
        return -1;
    }
    int rc = sc_expect_object(&c, o, "an ftp service object") ? -1 : ftp_service_parse(&c, o, out);
    cJSON_Delete(o);
    return rc;
}
