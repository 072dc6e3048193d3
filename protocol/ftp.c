/* ftp.c - the module's FTP client, sans-I/O (see ftp.h).
 *
 * The reply parser follows RFC 959 §4.2: a reply is "ddd text" on one line,
 * or "ddd-text" ... up to a line that starts with the same "ddd " (or is
 * just "ddd"); lines in between may hold anything.  The client is a state
 * machine over those replies; within an operation `step` says which reply
 * it waits for. */
#include "ftp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------- replies ---------------- */

void ftp_parser_init(ftp_parser *p) { memset(p, 0, sizeof(*p)); }

static int is_digit(int ch) { return ch >= '0' && ch <= '9'; }

/* "ddd" at the start of a line: the code, or -1. */
static int line_code(const char *s, size_t len)
{
    if (len < 3 || !is_digit(s[0]) || !is_digit(s[1]) || !is_digit(s[2]) || s[0] < '1' || s[0] > '5')
        return -1;
    return (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
}

/* Keep a line of the reply's text: printable bytes as they are, others as
 * '?' (the text goes into trace lines and tests, never back on a wire). */
static void reply_add_line(ftp_reply *r, const char *s, size_t len)
{
    if (r->lines++ && r->len < FTP_REPLY_TEXT_MAX)
        r->text[r->len++] = '\n';
    for (size_t i = 0; i < len && r->len < FTP_REPLY_TEXT_MAX; i++) {
        unsigned char ch = (unsigned char)s[i];
        r->text[r->len++] = ch >= 0x20 && ch != 0x7f ? (char)ch : '?';
    }
    r->text[r->len] = 0;
}

/* One complete line: 1 if it ended a reply, 0 if more lines follow, -1 bad. */
static int parser_line(ftp_parser *p, ftp_reply *out)
{
    const char *s = p->line;
    size_t len = p->linelen;
    if (len && s[len - 1] == '\r')
        len--;
    int code = line_code(s, len);
    if (!p->in_multi) {
        if (code < 0 || (len > 3 && s[3] != ' ' && s[3] != '-'))
            return -1;
        memset(&p->cur, 0, sizeof(p->cur));
        p->cur.code = code;
        reply_add_line(&p->cur, s, len);
        if (len > 3 && s[3] == '-') {
            p->in_multi = 1;
            p->code = code;
            return 0;
        }
    } else {
        reply_add_line(&p->cur, s, len);
        /* only "ddd " or a bare "ddd" of the same code ends it */
        if (code != p->code || (len > 3 && s[3] != ' '))
            return 0;
        p->in_multi = 0;
    }
    *out = p->cur;
    return 1;
}

int ftp_parser_next(ftp_parser *p, const uint8_t **buf, size_t *n, ftp_reply *out)
{
    if (p->failed)
        return -1;
    while (*n) {
        uint8_t ch = **buf;
        (*buf)++;
        (*n)--;
        if (ch != '\n') {
            if (p->linelen < FTP_REPLY_LINE_MAX)
                p->line[p->linelen++] = (char)ch;
            else
                p->line_cut = 1;
            continue;
        }
        p->line[p->linelen] = 0;
        int rc = parser_line(p, out);
        p->linelen = 0;
        p->line_cut = 0;
        if (rc < 0) {
            p->failed = 1;
            return -1;
        }
        if (rc > 0)
            return 1;
    }
    return 0;
}

/* Up to `count` decimal numbers separated by `sep` starting at s; how many
 * were read (each at most 65535). */
static int read_numbers(const char *s, char sep, unsigned *v, int count)
{
    int k = 0;
    while (k < count) {
        if (!is_digit((unsigned char)*s))
            return k;
        unsigned x = 0;
        while (is_digit((unsigned char)*s)) {
            x = x * 10 + (unsigned)(*s++ - '0');
            if (x > 65535)
                return k;
        }
        v[k++] = x;
        if (k < count && *s++ != sep)
            return k;
    }
    return k;
}

int ftp_parse_pasv(const char *text, uint32_t *ip, uint16_t *port)
{
    /* the six numbers may come anywhere after the code */
    const char *s = text + (strlen(text) > 3 ? 4 : strlen(text));
    for (; *s; s++) {
        if (!is_digit((unsigned char)*s) || (s > text && is_digit((unsigned char)s[-1])))
            continue;
        unsigned v[6];
        if (read_numbers(s, ',', v, 6) != 6)
            continue;
        int ok = 1;
        for (int i = 0; i < 6; i++)
            ok &= v[i] <= 255;
        if (!ok)
            continue;
        *ip = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
        *port = (uint16_t)(v[4] << 8 | v[5]);
        return 0;
    }
    return -1;
}

int ftp_parse_epsv(const char *text, uint16_t *port)
{
    const char *s = strchr(text, '(');
    if (!s || !s[1])
        return -1;
    char d = s[1]; /* the delimiter: "|||port|" in practice, any of 33..126 allowed */
    if (d < 33 || d > 126 || is_digit((unsigned char)d) || s[2] != d || s[3] != d)
        return -1;
    unsigned v;
    if (read_numbers(s + 4, d, &v, 1) != 1 || v == 0)
        return -1;
    const char *e = s + 4;
    while (is_digit((unsigned char)*e))
        e++;
    if (*e != d)
        return -1;
    *port = (uint16_t)v;
    return 0;
}

int ftp_parse_size(const char *text, uint64_t *size)
{
    const char *s = text + (strlen(text) > 3 ? 4 : strlen(text));
    while (*s == ' ')
        s++;
    if (!is_digit((unsigned char)*s))
        return -1;
    uint64_t v = 0;
    for (; is_digit((unsigned char)*s); s++) {
        if (v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    if (*s && *s != ' ' && *s != '\n')
        return -1;
    *size = v;
    return 0;
}

/* ---------------- output ---------------- */

void ftp_out_init(ftp_out *o)
{
    memset(o, 0, sizeof(*o));
    bytebuf_init(&o->bytes);
}

void ftp_out_clear(ftp_out *o)
{
    o->nact = 0;
    o->err = 0;
    bytebuf_clear(&o->bytes);
}

void ftp_out_free(ftp_out *o)
{
    free(o->act);
    bytebuf_free(&o->bytes);
    memset(o, 0, sizeof(*o));
}

static ftp_act *emit(ftp_out *o, ftp_act_kind kind)
{
    if (o->nact == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 8;
        ftp_act *a = realloc(o->act, cap * sizeof(*a));
        if (!a) { /* the act is lost: the caller sees o->err */
            o->err = -ENOMEM;
            memset(&o->spare, 0, sizeof(o->spare));
            return &o->spare;
        }
        o->act = a;
        o->cap = cap;
    }
    ftp_act *a = &o->act[o->nact++];
    memset(a, 0, sizeof(*a));
    a->kind = kind;
    return a;
}

static void send_line(ftp_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void send_line(ftp_out *o, const char *fmt, ...)
{
    ftp_act *a = emit(o, FTP_ACT_SEND);
    a->off = o->bytes.len;
    va_list ap;
    va_start(ap, fmt);
    int rc = bytebuf_vappendf(&o->bytes, fmt, ap);
    va_end(ap);
    if (rc || bytebuf_append_str(&o->bytes, "\r\n"))
        o->err = -ENOMEM;
    a->len = o->bytes.len - a->off;
}

/* ---------------- the client ---------------- */

/* Steps within an operation (state FTPS_BUSY). */
enum {
    ST_NONE = 0,
    ST_TYPE,    /* TYPE I sent */
    ST_SIZE,    /* SIZE sent */
    ST_PASV,
    ST_EPSV,
    ST_DATA,    /* passive: waiting for the data connection */
    ST_LISTEN,  /* active: waiting for the caller's listening address */
    ST_PORT,
    ST_REST,
    ST_XFER,    /* RETR / STOR / LIST / NLST sent */
    ST_SIMPLE,  /* DELE, CWD, MKD, RMD, PWD */
    ST_RNFR,
    ST_RNTO,
};

const char *ftp_fail_name(ftp_fail f)
{
    static const char *const names[] = { "ok", "reply", "protocol", "control", "data", "timeout", "too_big",
                                         "local" };
    return (unsigned)f < sizeof(names) / sizeof(names[0]) ? names[f] : "?";
}

static void copy_str(char *dst, size_t size, const char *src) { snprintf(dst, size, "%s", src ? src : ""); }

void ftp_client_configure(ftp_client *c, const ftp_config *cfg)
{
    copy_str(c->user, sizeof(c->user), cfg->user);
    copy_str(c->pass, sizeof(c->pass), cfg->pass);
    copy_str(c->account, sizeof(c->account), cfg->account);
    c->passive = cfg->passive;
}

void ftp_client_init(ftp_client *c, const ftp_config *cfg)
{
    memset(c, 0, sizeof(*c));
    ftp_parser_init(&c->parser);
    ftp_client_configure(c, cfg);
}

static void clear_transfer(ftp_client *c)
{
    c->step = ST_NONE;
    c->tried_epsv = 0;
    c->data_open = c->data_up = c->prelim = c->final_code = c->data_done = c->data_err = 0;
    c->local_fail = FTP_OK;
    c->local_code = 0;
}

void ftp_client_reset(ftp_client *c)
{
    c->state = FTPS_CLOSED;
    c->binary = 0;
    clear_transfer(c);
    ftp_parser_init(&c->parser);
}

/* The end of the session: the control connection goes. */
static void session_over(ftp_client *c, ftp_out *o, int polite)
{
    if (c->data_open)
        emit(o, FTP_ACT_DATA_CLOSE)->abort = 1;
    c->data_open = 0;
    if (polite)
        send_line(o, "QUIT");
    emit(o, FTP_ACT_CLOSE);
    c->state = FTPS_CLOSED;
    c->binary = 0;
    ftp_parser_init(&c->parser);
}

/* The operation ends; the session goes on unless it is over. */
static void finish(ftp_client *c, ftp_out *o, ftp_fail fail, int code, int err)
{
    if (c->data_open)
        emit(o, FTP_ACT_DATA_CLOSE)->abort = fail != FTP_OK;
    ftp_act *a = emit(o, FTP_ACT_DONE);
    a->fail = fail;
    a->code = code;
    a->err = err;
    a->off = o->bytes.len;
    if (bytebuf_append(&o->bytes, c->last.text, c->last.len))
        o->err = -ENOMEM;
    a->len = c->last.len;
    clear_transfer(c);
    if (c->state == FTPS_BUSY)
        c->state = FTPS_READY;
}

static void fail_reply(ftp_client *c, ftp_out *o, int code)
{
    if (code == 421) /* "service not available, closing control connection" */
        session_over(c, o, 0);
    finish(c, o, FTP_FAIL_REPLY, code, 0);
}

static int path_ok(const char *p, int optional)
{
    if (!p || !*p)
        return optional;
    size_t n = strnlen(p, FTP_PATH_MAX + 1);
    if (n > FTP_PATH_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] == '\r' || p[i] == '\n')
            return 0;
    return 1;
}

static void data_setup(ftp_client *c, ftp_out *o)
{
    c->data_open = 1;
    if (c->passive) {
        send_line(o, "PASV");
        c->step = ST_PASV;
    } else {
        emit(o, FTP_ACT_DATA_LISTEN);
        c->step = ST_LISTEN;
    }
}

static void send_transfer(ftp_client *c, ftp_out *o)
{
    c->step = ST_XFER;
    switch (c->req.kind) {
    case FTP_RETR: send_line(o, "RETR %s", c->path); break;
    case FTP_STOR: send_line(o, "STOR %s", c->path); break;
    case FTP_LIST: c->path[0] ? send_line(o, "LIST %s", c->path) : send_line(o, "LIST"); break;
    default: c->path[0] ? send_line(o, "NLST %s", c->path) : send_line(o, "NLST"); break;
    }
}

/* The data connection is set up (or will come, in active mode). */
static void data_ready(ftp_client *c, ftp_out *o)
{
    if (c->req.offset && (c->req.kind == FTP_RETR || c->req.kind == FTP_STOR)) {
        send_line(o, "REST %llu", (unsigned long long)c->req.offset);
        c->step = ST_REST;
        return;
    }
    send_transfer(c, o);
}

static void after_type(ftp_client *c, ftp_out *o)
{
    if (c->req.kind == FTP_RETR) {
        send_line(o, "SIZE %s", c->path);
        c->step = ST_SIZE;
        return;
    }
    data_setup(c, o);
}

int ftp_client_start(ftp_client *c, const ftp_request *r, ftp_out *o)
{
    if (r->kind == FTP_LOGIN ? c->state != FTPS_CLOSED : c->state != FTPS_READY)
        return -EBUSY;
    int need1 = r->kind == FTP_DELETE || r->kind == FTP_RENAME || r->kind == FTP_RETR || r->kind == FTP_STOR ||
                r->kind == FTP_CWD || r->kind == FTP_MKD || r->kind == FTP_RMD;
    if (!path_ok(r->path, !need1) || !path_ok(r->path2, r->kind != FTP_RENAME))
        return -EINVAL;
    clear_transfer(c);
    c->req = *r;
    copy_str(c->path, sizeof(c->path), r->path);
    copy_str(c->path2, sizeof(c->path2), r->path2);
    c->req.path = c->path;
    c->req.path2 = c->path2;
    memset(&c->last, 0, sizeof(c->last));
    switch (r->kind) {
    case FTP_LOGIN:
        c->state = FTPS_CONNECTING;
        ftp_parser_init(&c->parser);
        emit(o, FTP_ACT_CONNECT);
        return 0;
    case FTP_LOGOUT:
        send_line(o, "QUIT");
        c->state = FTPS_QUIT;
        return 0;
    default: break;
    }
    c->state = FTPS_BUSY;
    switch (r->kind) {
    case FTP_DELETE: send_line(o, "DELE %s", c->path); break;
    case FTP_CWD: send_line(o, "CWD %s", c->path); break;
    case FTP_MKD: send_line(o, "MKD %s", c->path); break;
    case FTP_RMD: send_line(o, "RMD %s", c->path); break;
    case FTP_PWD: send_line(o, "PWD"); break;
    case FTP_RENAME:
        send_line(o, "RNFR %s", c->path);
        c->step = ST_RNFR;
        return 0;
    case FTP_RETR:
    case FTP_STOR:
        if (!c->binary) {
            send_line(o, "TYPE I");
            c->step = ST_TYPE;
            return 0;
        }
        after_type(c, o);
        return 0;
    default: /* LIST, NLST */
        data_setup(c, o);
        return 0;
    }
    c->step = ST_SIMPLE;
    return 0;
}

/* ---- the caller's answers ---- */

void ftp_client_control_up(ftp_client *c, ftp_out *o)
{
    (void)o;
    if (c->state == FTPS_CONNECTING)
        c->state = FTPS_GREETING;
}

void ftp_client_control_failed(ftp_client *c, int err, ftp_out *o)
{
    if (c->state != FTPS_CONNECTING)
        return;
    c->state = FTPS_CLOSED;
    finish(c, o, FTP_FAIL_CONTROL, 0, err);
}

static void check_transfer_done(ftp_client *c, ftp_out *o)
{
    if (!c->final_code || (c->data_open && !c->data_done))
        return;
    c->data_open = 0;
    if (c->local_fail)
        finish(c, o, c->local_fail, c->local_code, 0);
    else if (c->final_code >= 400)
        fail_reply(c, o, c->final_code);
    else if (c->data_err)
        finish(c, o, FTP_FAIL_DATA, 0, c->data_err);
    else
        finish(c, o, FTP_OK, c->final_code, 0);
}

static void on_login_reply(ftp_client *c, const ftp_reply *r, ftp_out *o)
{
    int code = r->code;
    if (code < 200)
        return; /* 120 "ready in n minutes": the 220 follows */
    switch (c->state) {
    case FTPS_GREETING:
        if (code / 100 != 2)
            break;
        send_line(o, "USER %s", c->user[0] ? c->user : "anonymous");
        c->state = FTPS_USER;
        return;
    case FTPS_USER:
    case FTPS_PASS:
    case FTPS_ACCT:
        if (code / 100 == 2) {
            c->state = FTPS_READY;
            finish(c, o, FTP_OK, code, 0);
            return;
        }
        if (code == 331 && c->state == FTPS_USER) {
            send_line(o, "PASS %s", c->pass[0] || c->user[0] ? c->pass : "anonymous@");
            c->state = FTPS_PASS;
            return;
        }
        if (code == 332 && c->state != FTPS_ACCT) {
            send_line(o, "ACCT %s", c->account);
            c->state = FTPS_ACCT;
            return;
        }
        break;
    default: return;
    }
    /* refused: the module says goodbye and hangs up */
    int polite = code != 421;
    session_over(c, o, polite);
    finish(c, o, FTP_FAIL_REPLY, code, 0);
}

static void on_transfer_reply(ftp_client *c, int code, ftp_out *o)
{
    if (code < 200) {
        if (!c->prelim) {
            c->prelim = 1;
            if (!c->local_fail)
                emit(o, FTP_ACT_DATA_START);
        }
        return;
    }
    if (code / 100 == 3) {
        finish(c, o, FTP_FAIL_PROTOCOL, code, 0);
        return;
    }
    c->final_code = code;
    if (code >= 400 && c->data_open && !c->data_done) {
        emit(o, FTP_ACT_DATA_CLOSE)->abort = 1;
        c->data_open = 0;
    }
    check_transfer_done(c, o);
}

static void on_busy_reply(ftp_client *c, const ftp_reply *r, ftp_out *o)
{
    int code = r->code;
    if (c->step == ST_XFER) {
        on_transfer_reply(c, code, o);
        return;
    }
    if (code < 200)
        return; /* a mark: the real answer follows */
    int ok = code / 100 == 2;
    switch (c->step) {
    case ST_TYPE:
        if (!ok)
            break;
        c->binary = 1;
        after_type(c, o);
        return;
    case ST_SIZE: {
        uint64_t size;
        if (code == 213 && !ftp_parse_size(r->text, &size)) {
            emit(o, FTP_ACT_SIZE)->size = size;
            if (size > c->req.offset && size - c->req.offset > c->req.limit) {
                finish(c, o, FTP_FAIL_TOO_BIG, 0, 0);
                return;
            }
        }
        data_setup(c, o); /* no SIZE (502, 550): the transfer tells */
        return;
    }
    case ST_PASV: {
        uint32_t ip;
        uint16_t port;
        if (!ok && !c->tried_epsv && code >= 500) {
            c->tried_epsv = 1;
            send_line(o, "EPSV");
            c->step = ST_EPSV;
            return;
        }
        if (!ok)
            break;
        if (code != 227 || ftp_parse_pasv(r->text, &ip, &port) || !port) {
            finish(c, o, FTP_FAIL_PROTOCOL, code, 0);
            return;
        }
        ftp_act *a = emit(o, FTP_ACT_DATA_CONNECT);
        a->ip = ip;
        a->port = port;
        c->step = ST_DATA;
        return;
    }
    case ST_EPSV: {
        uint16_t port;
        if (!ok)
            break;
        if (code != 229 || ftp_parse_epsv(r->text, &port)) {
            finish(c, o, FTP_FAIL_PROTOCOL, code, 0);
            return;
        }
        ftp_act *a = emit(o, FTP_ACT_DATA_CONNECT);
        a->ip = 0; /* the control connection's address */
        a->port = port;
        c->step = ST_DATA;
        return;
    }
    case ST_PORT:
        if (!ok)
            break;
        data_ready(c, o);
        return;
    case ST_REST:
        if (code != 350)
            break;
        send_transfer(c, o);
        return;
    case ST_RNFR:
        if (code != 350)
            break;
        send_line(o, "RNTO %s", c->path2);
        c->step = ST_RNTO;
        return;
    case ST_SIMPLE:
    case ST_RNTO:
        if (!ok)
            break;
        finish(c, o, FTP_OK, code, 0);
        return;
    default: /* ST_DATA, ST_LISTEN: nothing was asked */
        return;
    }
    fail_reply(c, o, code);
}

static void on_reply(ftp_client *c, const ftp_reply *r, ftp_out *o)
{
    c->last = *r;
    switch (c->state) {
    case FTPS_GREETING:
    case FTPS_USER:
    case FTPS_PASS:
    case FTPS_ACCT: on_login_reply(c, r, o); return;
    case FTPS_BUSY: on_busy_reply(c, r, o); return;
    case FTPS_QUIT:
        if (r->code < 200)
            return;
        emit(o, FTP_ACT_CLOSE);
        c->state = FTPS_CLOSED;
        c->binary = 0;
        finish(c, o, FTP_OK, r->code, 0);
        return;
    case FTPS_READY:
        if (r->code == 421) { /* the server ends an idle session */
            emit(o, FTP_ACT_CLOSE);
            c->state = FTPS_CLOSED;
            c->binary = 0;
        }
        return;
    default: return;
    }
}

void ftp_client_control_data(ftp_client *c, const uint8_t *p, size_t n, ftp_out *o)
{
    while (n && c->state != FTPS_CLOSED && c->state != FTPS_CONNECTING) {
        ftp_reply r;
        int rc = ftp_parser_next(&c->parser, &p, &n, &r);
        if (rc > 0)
            on_reply(c, &r, o);
        if (rc < 0) {
            int running = c->state != FTPS_READY;
            session_over(c, o, 0);
            if (running)
                finish(c, o, FTP_FAIL_PROTOCOL, 0, 0);
            return;
        }
    }
}

void ftp_client_control_closed(ftp_client *c, int err, ftp_out *o)
{
    ftp_state was = c->state;
    if (was == FTPS_CLOSED)
        return;
    session_over(c, o, 0);
    if (was == FTPS_QUIT)
        finish(c, o, FTP_OK, 0, 0);
    else if (was != FTPS_READY)
        finish(c, o, FTP_FAIL_CONTROL, 0, err ? err : -ECONNRESET);
}

void ftp_client_data_up(ftp_client *c, ftp_out *o)
{
    if (c->state != FTPS_BUSY || !c->data_open)
        return;
    c->data_up = 1;
    if (c->step == ST_DATA)
        data_ready(c, o);
}

void ftp_client_data_failed(ftp_client *c, int err, ftp_out *o)
{
    if (c->state != FTPS_BUSY || !c->data_open)
        return;
    c->data_open = 0;
    if (c->step == ST_XFER) { /* active mode: the server could not reach us */
        c->data_done = 1;
        c->data_err = err ? err : -ECONNREFUSED;
        check_transfer_done(c, o);
        return;
    }
    finish(c, o, FTP_FAIL_DATA, 0, err ? err : -ECONNREFUSED);
}

void ftp_client_data_listening(ftp_client *c, uint32_t ip, uint16_t port, ftp_out *o)
{
    if (c->state != FTPS_BUSY || c->step != ST_LISTEN)
        return;
    send_line(o, "PORT %u,%u,%u,%u,%u,%u", (unsigned)(ip >> 24), (unsigned)(ip >> 16 & 255),
              (unsigned)(ip >> 8 & 255), (unsigned)(ip & 255), (unsigned)(port >> 8), (unsigned)(port & 255));
    c->step = ST_PORT;
}

void ftp_client_data_done(ftp_client *c, int err, ftp_out *o)
{
    if (c->state != FTPS_BUSY || !c->data_open || c->data_done)
        return;
    c->data_done = 1;
    c->data_err = err;
    if (c->step == ST_XFER)
        check_transfer_done(c, o);
}

void ftp_client_abort(ftp_client *c, int code, ftp_out *o)
{
    if (c->state != FTPS_BUSY || c->local_fail)
        return;
    c->local_fail = FTP_FAIL_LOCAL;
    c->local_code = code;
    if (c->data_open && !c->data_done) {
        emit(o, FTP_ACT_DATA_CLOSE)->abort = 1;
        c->data_done = 1;
        c->data_err = -ECONNABORTED;
    }
    if (c->step != ST_XFER) {
        c->data_open = 0;
        finish(c, o, FTP_FAIL_LOCAL, code, 0);
        return;
    }
    check_transfer_done(c, o); /* else the server's final reply ends it */
}

void ftp_client_timeout(ftp_client *c, ftp_out *o)
{
    ftp_state was = c->state;
    if (was == FTPS_CLOSED)
        return;
    session_over(c, o, 0);
    if (was != FTPS_READY) /* an idle session just ends */
        finish(c, o, was == FTPS_QUIT ? FTP_OK : FTP_FAIL_TIMEOUT, 0, 0);
}
