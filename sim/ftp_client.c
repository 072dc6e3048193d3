/* ftp_client.c - the module's FTP client (see ftp_client.h).
 *
 * protocol/ftp.c decides what to send and when; this file does it: the
 * control and data connections are endpoints of sim/ip.c on the host's PSD
 * bearer (+UPSDA), a download streams into the file system through an
 * fs_writer as its bytes are read, an upload is read from a file, a listing
 * collects for +UUFTPCD.  Endpoint callbacks come from clock timers; each
 * feeds the client and then runs the actions it asked for (run()). */
#include "ftp_client.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../protocol/cme.h"
#include "modem_int.h"

#define LISTING_MAX (64u << 10) /* a listing longer than this is cut (docs/ftp.md) */
#define URC_DATA_MAX 1024       /* +UUFTPCD: data bytes per URC */
#define READ_CHUNK 4096

typedef struct ftpc ftpc;
struct ftpc {
    modem *m;
    ftpc_profile prof;
    ftp_client cl;
    ftp_out out;
    int running;            /* run() is working through `out` */
    int op;                 /* the +UFTPC operation in progress, -1: none */
    char remote[FTP_PATH_MAX + 1], remote2[FTP_PATH_MAX + 1], local[FS_NAME_MAX + 1];
    int resume;
    uint64_t offset;
    /* the session */
    uint64_t dns;
    int dns_err;            /* the server's name did not resolve */
    int ctrl_up;            /* the control connection was established */
    ip_ep *ctrl, *data, *listener;
    bytebuf ctrl_pending;   /* command bytes the send buffer had no room for */
    net_addr server;
    clk_timer idle;
    /* the transfer */
    int started;            /* the server's 1xx came (FTP_ACT_DATA_START) */
    int data_eof;           /* the server closed the data connection (err in data_err) */
    int data_err;
    int data_reported;      /* ftp_client_data_done was called */
    int writing;
    fs_writer w;
    EVP_MD_CTX *md5;
    bytebuf listing;
    bytebuf upload;         /* op 5: the local file's bytes to send */
    size_t up_off;
    uint64_t got;           /* bytes of this transfer stored */
    int local_code;         /* why we gave the transfer up (FTPE_*) */
    /* the last result (+UFTPER) and App. B */
    int err_class, err_code;
};

static ftpc *F(const modem *m) { return m->ftp; }

static void run(ftpc *d);

/* ---------------- the profile ---------------- */

ftpc_profile *ftpc_profile_of(modem *m) { return &F(m)->prof; }

void ftpc_profile_reset(modem *m, int op)
{
    ftpc_profile *p = &F(m)->prof;
    if (op < 0 || op == 0)
        p->ip[0] = 0;
    if (op < 0 || op == 1)
        p->name[0] = 0;
    if (op < 0 || op == 2)
        p->user[0] = 0;
    if (op < 0 || op == 3)
        p->pass[0] = 0;
    if (op < 0 || op == 4)
        p->account[0] = 0;
    if (op < 0 || op == 5) {
        p->timeout = (long)(m->dev.timing[TIM_FTP_INACTIVITY] / SIM_NS_PER_S);
        p->cmd_linger = p->data_linger = 0;
    }
    if (op < 0 || op == 6)
        p->passive = 0;
    if (op < 0 || op == 7)
        p->port = 21;
    if (op < 0 || op == 8)
        p->secure = p->sec_profile = 0;
}

/* ---------------- the inactivity timer ---------------- */

static int session_open(const ftpc *d) { return d->op >= 0 || d->cl.state != FTPS_CLOSED; }

/* Traffic: the session lives on for another timeout. */
static void touch(ftpc *d)
{
    modem *m = d->m;
    if (d->prof.timeout > 0 && session_open(d))
        clk_timer_start(m->clk, &d->idle, (sim_ns)d->prof.timeout * SIM_NS_PER_S);
    else
        clk_timer_stop(m->clk, &d->idle);
}

void ftpc_timeout_changed(modem *m) { touch(F(m)); }

static void idle_cb(clk_timer *t)
{
    ftpc *d = t->data;
    modem_trace_event(d->m, "ftp timeout op=%d", d->op);
    ftp_client_timeout(&d->cl, &d->out);
    run(d);
}

/* ---------------- connections ---------------- */

static void ep_drop(ip_ep **e, int abort)
{
    if (*e) {
        ip_ep_close(*e, abort);
        *e = NULL;
    }
}

static void send_ctrl(ftpc *d, const char *p, size_t n)
{
    if (!d->ctrl)
        return;
    if (!d->ctrl_pending.len) {
        long k = ip_tcp_send(d->ctrl, p, n);
        if (k < 0)
            return; /* broken: its closed() follows */
        p += k;
        n -= (size_t)k;
    }
    bytebuf_append(&d->ctrl_pending, p, n); /* the rest goes when there is room */
}

static void ctrl_writable(void *ctx, ip_ep *e)
{
    ftpc *d = ctx;
    long k = d->ctrl_pending.len ? ip_tcp_send(e, d->ctrl_pending.data, d->ctrl_pending.len) : 0;
    if (k > 0)
        bytebuf_consume(&d->ctrl_pending, (size_t)k);
}

static void ctrl_connected(void *ctx, ip_ep *e, int err)
{
    ftpc *d = ctx;
    touch(d);
    if (err) {
        ip_ep_close(e, 1);
        d->ctrl = NULL;
        ftp_client_control_failed(&d->cl, err, &d->out);
    } else {
        d->ctrl_up = 1;
        ftp_client_control_up(&d->cl, &d->out);
    }
    run(d);
}

static void ctrl_read(ftpc *d, ip_ep *e)
{
    uint8_t buf[READ_CHUNK];
    size_t n;
    while (d->ctrl == e && (n = ip_tcp_read(e, buf, sizeof(buf))) > 0) {
        ftp_client_control_data(&d->cl, buf, n, &d->out);
        run(d); /* may close e */
    }
}

static void ctrl_readable(void *ctx, ip_ep *e)
{
    ftpc *d = ctx;
    touch(d);
    ctrl_read(d, e);
}

static void ctrl_closed(void *ctx, ip_ep *e, int err)
{
    ftpc *d = ctx;
    touch(d);
    ctrl_read(d, e); /* the last replies before the close */
    if (d->ctrl != e)
        return;
    ftp_client_control_closed(&d->cl, err, &d->out);
    run(d);
}

static void connect_ctrl(ftpc *d, ip4 addr)
{
    modem *m = d->m;
    static const ip_ep_cb cb_proto = { ctrl_connected, ctrl_readable, ctrl_closed, NULL, ctrl_writable, NULL };
    ip_ep_cb cb = cb_proto;
    cb.ctx = d;
    d->server = (net_addr){ addr, (uint16_t)d->prof.port };
    char ip[16];
    modem_trace_event(m, "ftp connect addr=%s port=%u", ip4_format(addr, ip), (unsigned)d->server.port);
    int rc = ip_tcp_open(m, IP_USER_HOST, 0, &cb, &d->ctrl);
    if (!rc)
        rc = ip_tcp_connect(d->ctrl, d->server);
    if (rc) {
        ep_drop(&d->ctrl, 1);
        ftp_client_control_failed(&d->cl, rc, &d->out);
    }
}

static void resolved_cb(void *ctx, int err, ip4 addr)
{
    ftpc *d = ctx;
    d->dns = 0;
    touch(d);
    if (err) {
        d->dns_err = err;
        ftp_client_control_failed(&d->cl, err, &d->out);
    } else {
        connect_ctrl(d, addr);
    }
    run(d);
}

static void act_connect(ftpc *d)
{
    modem *m = d->m;
    const char *host = d->prof.ip[0] ? d->prof.ip : d->prof.name;
    ip4 a;
    d->dns_err = 0;
    d->ctrl_up = 0;
    if (!ip4_parse(host, &a)) {
        connect_ctrl(d, a);
        return;
    }
    d->dns = ip_resolve(m, IP_USER_HOST, host, resolved_cb, d);
    if (!d->dns) {
        d->dns_err = -ENETDOWN;
        ftp_client_control_failed(&d->cl, -ENETDOWN, &d->out);
    }
}

/* ---------------- the data connection ---------------- */

static void report_data_done(ftpc *d, int err)
{
    if (d->data_reported)
        return;
    d->data_reported = 1;
    ftp_client_data_done(&d->cl, err, &d->out);
}

/* The file system is full (or refuses): the transfer is given up. */
static void give_up(ftpc *d, int code)
{
    if (d->local_code)
        return;
    d->local_code = code;
    ftp_client_abort(&d->cl, code, &d->out);
}

static void sink(ftpc *d, const uint8_t *p, size_t n)
{
    switch (d->op) {
    case FTPC_GET:
    case FTPC_FOTA: {
        if (!d->writing || d->local_code)
            return;
        size_t took = fs_writer_feed(&d->w, p, n);
        if (d->md5 && took)
            EVP_DigestUpdate(d->md5, p, took);
        d->got += took;
        if (took < n)
            give_up(d, FTPE_NO_SPACE);
        return;
    }
    case FTPC_INFO:
    case FTPC_LIST: {
        size_t room = LISTING_MAX - d->listing.len;
        bytebuf_append(&d->listing, p, n < room ? n : room);
        d->got += n;
        return;
    }
    default: return; /* a server talking on an upload's connection: ignored */
    }
}

/* Everything the data connection holds goes where it belongs; once the
 * server has closed it and all is read, the client hears so. */
static void consume(ftpc *d)
{
    uint8_t buf[READ_CHUNK];
    size_t n;
    while (d->data && d->started && (n = ip_tcp_read(d->data, buf, sizeof(buf))) > 0)
        sink(d, buf, n);
    if (d->data && d->started && d->data_eof && !ip_tcp_available(d->data)) {
        ep_drop(&d->data, 0);
        report_data_done(d, d->data_err);
    }
}

static void pump_upload(ftpc *d)
{
    if (d->op != FTPC_PUT || !d->started || !d->data || ip_ep_state(d->data) != EP_OPEN)
        return;
    while (d->up_off < d->upload.len) {
        long k = ip_tcp_send(d->data, d->upload.data + d->up_off, d->upload.len - d->up_off);
        if (k <= 0)
            return; /* full: writable() calls again; broken: closed() follows */
        d->up_off += (size_t)k;
        d->got += (uint64_t)k;
        touch(d);
    }
    ep_drop(&d->data, 0); /* FIN behind the last byte */
    report_data_done(d, 0);
}

static void data_connected(void *ctx, ip_ep *e, int err)
{
    ftpc *d = ctx;
    touch(d);
    if (e != d->data)
        return;
    if (err) {
        ep_drop(&d->data, 1);
        ftp_client_data_failed(&d->cl, err, &d->out);
    } else {
        ftp_client_data_up(&d->cl, &d->out);
        pump_upload(d);
    }
    run(d);
}

static void data_readable(void *ctx, ip_ep *e)
{
    ftpc *d = ctx;
    touch(d);
    if (e == d->data)
        consume(d);
    run(d);
}

static void data_closed(void *ctx, ip_ep *e, int err)
{
    ftpc *d = ctx;
    touch(d);
    if (e != d->data)
        return;
    d->data_eof = 1;
    d->data_err = err;
    if (d->op == FTPC_PUT) { /* the server hung up on an upload */
        ep_drop(&d->data, 1);
        report_data_done(d, err ? err : -ECONNRESET);
    } else {
        consume(d); /* before DATA_START the bytes wait (and so does the news) */
    }
    run(d);
}

static void data_writable(void *ctx, ip_ep *e)
{
    ftpc *d = ctx;
    if (e == d->data)
        pump_upload(d);
    run(d);
}

static void data_accepted(void *ctx, ip_ep *listener, ip_ep *e);

static ip_ep_cb data_cb(ftpc *d)
{
    ip_ep_cb cb = { data_connected, data_readable, data_closed, data_accepted, data_writable, d };
    return cb;
}

/* Active mode: the server connected to us. */
static void data_accepted(void *ctx, ip_ep *listener, ip_ep *e)
{
    ftpc *d = ctx;
    touch(d);
    if (listener != d->listener || d->data) {
        ip_ep_close(e, 1); /* one data connection per transfer */
        return;
    }
    ip_ep_cb cb = data_cb(d);
    ip_ep_set_cb(e, &cb);
    d->data = e;
    ep_drop(&d->listener, 0);
    char ip[16];
    net_addr peer = ip_ep_peer(e);
    modem_trace_event(d->m, "ftp data accepted addr=%s port=%u", ip4_format(peer.ip, ip), (unsigned)peer.port);
    ftp_client_data_up(&d->cl, &d->out);
    pump_upload(d);
    consume(d);
    run(d);
}

static void act_data_connect(ftpc *d, const ftp_act *a)
{
    modem *m = d->m;
    net_addr to = { a->ip ? a->ip : d->server.ip, a->port };
    ip_ep_cb cb = data_cb(d);
    char ip[16];
    ep_drop(&d->data, 1);
    modem_trace_event(m, "ftp data connect addr=%s port=%u", ip4_format(to.ip, ip), (unsigned)to.port);
    int rc = ip_tcp_open(m, IP_USER_HOST, 0, &cb, &d->data);
    if (!rc)
        rc = ip_tcp_connect(d->data, to);
    if (rc) {
        ep_drop(&d->data, 1);
        ftp_client_data_failed(&d->cl, rc, &d->out);
    }
}

static void act_data_listen(ftpc *d)
{
    modem *m = d->m;
    ip_ep_cb cb = data_cb(d);
    ep_drop(&d->listener, 1);
    ep_drop(&d->data, 1);
    int rc = ip_tcp_open(m, IP_USER_HOST, 0, &cb, &d->listener);
    if (!rc)
        rc = ip_tcp_listen_for(d->listener, d->server.ip);
    if (rc) {
        ep_drop(&d->listener, 1);
        ftp_client_data_failed(&d->cl, rc, &d->out);
        return;
    }
    net_addr reach = ip_tcp_reach(d->listener);
    char ip[16];
    modem_trace_event(m, "ftp data listen port=%u reach=%s:%u", (unsigned)ip_ep_local_port(d->listener),
                      ip4_format(reach.ip, ip), (unsigned)reach.port);
    ftp_client_data_listening(&d->cl, reach.ip, reach.port, &d->out);
}

/* ---------------- transfers and their files ---------------- */

static fs_tag op_tag(const ftpc *d) { return d->op == FTPC_FOTA ? FS_TAG_FOAT : FS_TAG_USER; }
static const char *op_name(const ftpc *d) { return d->op == FTPC_FOTA ? FS_FOAT_NAME : d->local; }

static void md5_free(ftpc *d)
{
    EVP_MD_CTX_free(d->md5);
    d->md5 = NULL;
}

/* A download begins: the local file is replaced (or, resuming, grown). */
static void begin_download(ftpc *d)
{
    modem *m = d->m;
    fs_tag tag = op_tag(d);
    const char *name = op_name(d);
    const fs_file *old = fs_find(&m->fs, tag, fs_stored_name(tag, name));
    if (d->op == FTPC_FOTA && !(d->md5 = EVP_MD_CTX_new())) {
        give_up(d, FTPE_FS);
        return;
    }
    if (d->md5 && !EVP_DigestInit_ex(d->md5, EVP_md5(), NULL)) {
        md5_free(d);
        give_up(d, FTPE_FS);
        return;
    }
    if (old && d->resume && d->md5)
        EVP_DigestUpdate(d->md5, old->data, old->len);
    if (old && !d->resume)
        fs_delete(&m->fs, tag, fs_stored_name(tag, name));
    int rc = fs_writer_begin_unsized(&d->w, &m->fs, tag, name, strlen(name));
    if (rc) {
        give_up(d, rc == -ENOSPC ? FTPE_NO_SPACE : FTPE_FS);
        return;
    }
    d->writing = 1;
}

static void act_data_start(ftpc *d)
{
    d->started = 1;
    if (d->op == FTPC_GET || d->op == FTPC_FOTA)
        begin_download(d);
    pump_upload(d);
    consume(d);
}

/* The file of a download that ended: stored on success; kept as far as it
 * got when the network failed (op 4's retrieving_mode 1 resumes it); dropped
 * when the file system could not take it. */
static int end_download(ftpc *d, int ok, ftp_fail fail)
{
    modem *m = d->m;
    if (!d->writing)
        return 0;
    d->writing = 0;
    int keep = ok || (d->got && fail != FTP_FAIL_LOCAL && fail != FTP_FAIL_TOO_BIG);
    if (!keep) {
        fs_writer_abort(&d->w);
        return 0;
    }
    int rc = fs_writer_commit(&d->w);
    char esc[3 * FS_NAME_MAX + 1];
    fs_name_escape(op_name(d), esc, sizeof(esc));
    if (rc) {
        fs_writer_abort(&d->w);
        modem_trace_event(m, "ftp store failed name=%s err=%d", esc, rc);
    } else {
        modem_trace_event(m, "ftp stored name=%s tag=%s bytes=%llu%s", esc, fs_tag_name(op_tag(d)),
                          (unsigned long long)d->got, ok ? "" : " partial");
    }
    return rc;
}

/* +UUFTPCD: <op>,<len>,"<bytes>" for the listing, in pieces. */
static void listing_urcs(ftpc *d)
{
    bytebuf u;
    bytebuf_init(&u);
    for (size_t off = 0; off < d->listing.len; off += URC_DATA_MAX) {
        size_t n = d->listing.len - off < URC_DATA_MAX ? d->listing.len - off : URC_DATA_MAX;
        bytebuf_clear(&u);
        bytebuf_appendf(&u, "+UUFTPCD: %d,%zu,\"", d->op, n);
        bytebuf_append(&u, d->listing.data + off, n);
        bytebuf_append_byte(&u, '"');
        modem_urc_bytes(d->m, u.data, u.len);
    }
    bytebuf_free(&u);
}

/* The +UFTPER of a failure. */
static void failure_code(const ftpc *d, const ftp_act *a, int *cls, int *code)
{
    *cls = FTPE_CLASS_CLIENT;
    switch (a->fail) {
    case FTP_FAIL_REPLY:
        *cls = FTPE_CLASS_REPLY;
        *code = a->code;
        return;
    case FTP_FAIL_PROTOCOL: *code = FTPE_PROTOCOL; return;
    case FTP_FAIL_CONTROL:
        if (a->err == -ENETDOWN)
            *code = FTPE_NO_PSD;
        else if (d->dns_err)
            *code = FTPE_DNS;
        else
            *code = d->ctrl_up ? FTPE_LOST : FTPE_CONNECT;
        return;
    case FTP_FAIL_DATA: *code = a->err == -ENETDOWN ? FTPE_NO_PSD : FTPE_DATA; return;
    case FTP_FAIL_TIMEOUT: *code = FTPE_TIMEOUT; return;
    case FTP_FAIL_TOO_BIG: *code = FTPE_NO_SPACE; return;
    case FTP_FAIL_LOCAL: *code = a->code; return;
    default: *code = 0; return;
    }
}

static void clear_transfer(ftpc *d)
{
    d->started = d->data_eof = d->data_err = d->data_reported = 0;
    d->got = 0;
    d->local_code = 0;
    d->up_off = 0;
    bytebuf_clear(&d->listing);
    bytebuf_clear(&d->upload);
    md5_free(d);
    if (d->writing) {
        fs_writer_abort(&d->w);
        d->writing = 0;
    }
}

/* The operation's end as the host sees it: +UUFTPCD, +UUFTPCR, +UFTPER. */
static void report(ftpc *d, int ok, int cls, int code, const char *md5hex)
{
    modem *m = d->m;
    int op = d->op;
    d->err_class = ok ? 0 : cls;
    d->err_code = ok ? 0 : code;
    modem_trace_event(m, "ftp done op=%d result=%d class=%d code=%d bytes=%llu", op, ok, d->err_class, d->err_code,
                      (unsigned long long)d->got);
    if (ok && (op == FTPC_INFO || op == FTPC_LIST))
        listing_urcs(d);
    if (ok && md5hex)
        modem_urc(m, "+UUFTPCR: %d,1,\"%s\"", op, md5hex);
    else
        modem_urc(m, "+UUFTPCR: %d,%d", op, ok);
    clear_transfer(d);
    d->op = -1;
    touch(d);
}

static void act_done(ftpc *d, const ftp_act *a)
{
    int ok = a->fail == FTP_OK, cls = 0, code = 0;
    if (!ok)
        failure_code(d, a, &cls, &code);
    char hex[33] = "";
    int stored = end_download(d, ok, a->fail);
    if (ok && stored) {
        ok = 0;
        cls = FTPE_CLASS_CLIENT;
        code = stored == -ENOSPC ? FTPE_NO_SPACE : FTPE_FS;
    }
    if (ok && d->md5) {
        unsigned char sum[EVP_MAX_MD_SIZE];
        unsigned len = 0;
        EVP_DigestFinal_ex(d->md5, sum, &len);
        for (unsigned i = 0; i < len && i < 16; i++)
            snprintf(hex + 2 * i, 3, "%02x", sum[i]);
    }
    report(d, ok, cls, code, hex[0] ? hex : NULL);
}

static void act_close(ftpc *d, int abort)
{
    modem *m = d->m;
    if (d->dns) {
        ip_resolve_cancel(m, d->dns);
        d->dns = 0;
    }
    ep_drop(&d->data, 1);
    ep_drop(&d->listener, 1);
    ep_drop(&d->ctrl, abort);
    bytebuf_clear(&d->ctrl_pending);
    modem_trace_event(m, "ftp session closed");
}

/* ---------------- running the client's actions ---------------- */

static void act(ftpc *d, const ftp_act *a)
{
    switch (a->kind) {
    case FTP_ACT_CONNECT: act_connect(d); break;
    case FTP_ACT_SEND: send_ctrl(d, ftp_out_text(&d->out, a), a->len); break;
    case FTP_ACT_DATA_CONNECT: act_data_connect(d, a); break;
    case FTP_ACT_DATA_LISTEN: act_data_listen(d); break;
    case FTP_ACT_DATA_START: act_data_start(d); break;
    case FTP_ACT_DATA_CLOSE:
        ep_drop(&d->data, a->abort);
        ep_drop(&d->listener, 1);
        break;
    case FTP_ACT_CLOSE: act_close(d, a->abort); break;
    case FTP_ACT_SIZE: modem_trace_event(d->m, "ftp size bytes=%llu", (unsigned long long)a->size); break;
    case FTP_ACT_DONE: act_done(d, a); break;
    }
}

/* Carry out what the client asked for; what those steps make it ask for
 * joins the same list. */
static void run(ftpc *d)
{
    if (d->running)
        return;
    d->running = 1;
    for (size_t i = 0; i < d->out.nact; i++) {
        ftp_act a = d->out.act[i];
        act(d, &a);
    }
    ftp_out_clear(&d->out);
    d->running = 0;
    touch(d);
}

/* ---------------- starting an operation ---------------- */

/* An operation that ends before it starts: OK, then this URC. */
static int fail_now(ftpc *d, int code)
{
    modem_trace_event(d->m, "ftp start op=%d refused code=%d", d->op, code);
    report(d, 0, FTPE_CLASS_CLIENT, code, NULL);
    return 0;
}

/* App. B: a FOAT-tagged +UDWNFILE in progress on a UART. */
static int foat_upload_running(const modem *m)
{
    for (int i = 0; i < MODEM_PORTS; i++)
        if (m->port[i].dl.w.active && m->port[i].dl.w.tag == FS_TAG_FOAT)
            return 1;
    return 0;
}

static void copy_text(char *dst, size_t size, const char *src) { snprintf(dst, size, "%s", src ? src : ""); }

static ftp_request request_of(ftpc *d)
{
    modem *m = d->m;
    ftp_request r = { FTP_LOGOUT, d->remote, d->remote2, 0, UINT64_MAX };
    switch (d->op) {
    case FTPC_LOGIN: r.kind = FTP_LOGIN; break;
    case FTPC_DELETE: r.kind = FTP_DELETE; break;
    case FTPC_RENAME: r.kind = FTP_RENAME; break;
    case FTPC_CD: r.kind = FTP_CWD; break;
    case FTPC_MKDIR: r.kind = FTP_MKD; break;
    case FTPC_RMDIR: r.kind = FTP_RMD; break;
    case FTPC_INFO: r.kind = FTP_LIST; break;
    case FTPC_LIST: r.kind = FTP_NLST; break;
    case FTPC_PUT:
        r.kind = FTP_STOR;
        r.offset = d->offset;
        break;
    case FTPC_GET:
    case FTPC_FOTA: {
        r.kind = FTP_RETR;
        fs_tag tag = op_tag(d);
        const fs_file *old = fs_find(&m->fs, tag, fs_stored_name(tag, op_name(d)));
        r.offset = d->resume && old ? old->len : 0;
        /* the module's capacity check: what SIZE announces must fit */
        r.limit = fs_free_space(&m->fs) + (old && !d->resume ? old->len : 0);
        break;
    }
    default: break;
    }
    return r;
}

int ftpc_start(modem *m, const ftpc_req *r)
{
    ftpc *d = F(m);
    if (d->op >= 0)
        return AT_CME(CME_NOT_ALLOWED); /* one operation at a time */
    if (r->op == FTPC_GET_DIRECT || r->op == FTPC_PUT_DIRECT)
        return AT_CME(CME_NOT_SUPPORTED);
    if ((r->op == FTPC_FOTA || r->op == FTPC_GET_DIRECT || r->op == FTPC_PUT_DIRECT) &&
        (ufota_downloading(m) || foat_upload_running(m)))
        return AT_CME(CME_NOT_ALLOWED); /* App. B: one firmware download at a time */
    if (r->op == FTPC_GET && fs_name_check(r->local, strlen(r->local)))
        return AT_CME(CME_FFS_INVALID_NAME);
    const fs_file *up = r->op == FTPC_PUT ? fs_find(&m->fs, FS_TAG_USER, r->local) : NULL;
    if (r->op == FTPC_PUT && !up)
        return AT_CME(CME_FILE_NOT_FOUND);
    if (r->op == FTPC_PUT && (size_t)r->mode > up->len)
        return AT_CME(CME_INCORRECT_PARAMS);
    d->op = r->op;
    copy_text(d->remote, sizeof(d->remote), r->remote);
    copy_text(d->remote2, sizeof(d->remote2), r->remote2);
    copy_text(d->local, sizeof(d->local), r->local);
    d->resume = (r->op == FTPC_GET || r->op == FTPC_FOTA) && r->mode == 1;
    d->offset = r->op == FTPC_PUT ? (uint64_t)r->mode : 0;
    clear_transfer(d);
    if (up && bytebuf_append(&d->upload, up->data + d->offset, up->len - d->offset))
        return fail_now(d, FTPE_FS);
    modem_trace_event(m, "ftp start op=%d", d->op);
    /* no PSD connection first: app note Table 9 shows 8,12 for +UFTPC=100 */
    if (ip_bearer_ready(m, IP_USER_HOST))
        return fail_now(d, FTPE_NO_PSD);
    if (d->op == FTPC_LOGIN && d->cl.state != FTPS_CLOSED)
        return fail_now(d, FTPE_LOGGED_IN);
    if (d->op == FTPC_LOGIN && !d->prof.ip[0] && !d->prof.name[0])
        return fail_now(d, FTPE_NO_SERVER);
    if (d->op != FTPC_LOGIN && !ftp_client_logged_in(&d->cl))
        return fail_now(d, FTPE_NOT_LOGGED_IN);
    if (d->prof.secure)
        modem_trace_event(m, "ftp secure=1 profile=%d: TLS is not simulated, the session is in clear",
                          d->prof.sec_profile);
    ftp_config cfg = { d->prof.user, d->prof.pass, d->prof.account, d->prof.passive };
    ftp_client_configure(&d->cl, &cfg);
    ftp_request req = request_of(d);
    if (ftp_client_start(&d->cl, &req, &d->out)) {
        d->op = -1;
        clear_transfer(d);
        return AT_CME(CME_INCORRECT_PARAMS);
    }
    run(d);
    return 0;
}

void ftpc_last_error(const modem *m, int *cls, int *code)
{
    *cls = F(m)->err_class;
    *code = F(m)->err_code;
}


int ftpc_fota_running(const modem *m) { return F(m)->op == FTPC_FOTA; }

/* ---------------- lifecycle ---------------- */

int ftpc_init(modem *m)
{
    ftpc *d = calloc(1, sizeof(*d));
    if (!d)
        return -ENOMEM;
    d->m = m;
    d->op = -1;
    ftp_out_init(&d->out);
    bytebuf_init(&d->ctrl_pending);
    bytebuf_init(&d->listing);
    bytebuf_init(&d->upload);
    ftp_config cfg = { NULL, NULL, NULL, 0 };
    ftp_client_init(&d->cl, &cfg);
    clk_timer_init(&d->idle, idle_cb, d);
    m->ftp = d;
    ftpc_profile_reset(m, -1);
    return 0;
}

void ftpc_stop(modem *m)
{
    ftpc *d = F(m);
    if (!d)
        return;
    clk_timer_stop(m->clk, &d->idle);
    /* the endpoints and the lookup go with ip_stop; nothing is said */
    d->ctrl = d->data = d->listener = NULL;
    d->dns = 0;
    clear_transfer(d); /* a download in progress leaves nothing */
    ftp_client_reset(&d->cl);
    ftp_out_clear(&d->out);
    bytebuf_clear(&d->ctrl_pending);
    d->op = -1;
    d->err_class = d->err_code = 0;
    ftpc_profile_reset(m, -1);
}

void ftpc_free(modem *m)
{
    ftpc *d = F(m);
    if (!d)
        return;
    ftpc_stop(m);
    ftp_out_free(&d->out);
    bytebuf_free(&d->ctrl_pending);
    bytebuf_free(&d->listing);
    bytebuf_free(&d->upload);
    free(d);
    m->ftp = NULL;
}
