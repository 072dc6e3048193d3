/* uv_control.c - the control channel on a Unix socket (mode 0600): one JSON
 * request per line, one JSON reply per line (commands in control.h).
 *
 * A client is served as long as it reads its replies: when more than
 * CTL_QUEUE_MAX bytes of replies wait for it, its requests are no longer
 * read (its writes block) until it catches up, so a client that never reads
 * cannot make the simulator grow.  A request line longer than CTL_LINE_MAX
 * is discarded whole, up to its newline, with one error reply. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/scenario.h"
#include "sim/control.h"
#include "uv_host.h"

#define CTL_QUEUE_MAX (1u << 20) /* reply bytes waiting for one client */
#define CTL_LINE_MAX 65536       /* no request is that long */
#define CTL_BACKLOG 128          /* clients that may wait to be accepted */

typedef struct conn conn;

struct uv_control {
    uv_loop_t *loop;
    uv_simclock *clock;
    modem *m;
    networld *net;
    uv_pipe_t server;
    char *path;
    conn *conns; /* every open client, so a shutdown can close them */
};

struct conn {
    uv_pipe_t pipe;
    uv_control *ctl; /* NULL once the server is gone */
    conn *prev, *next;
    bytebuf in;
    int reading;     /* uv_read_start is in force */
    int discarding;  /* the rest of an over-long line is being dropped */
    int closing;
};

static void conn_read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf);

static int set_scale(void *ctx, double scale)
{
    uv_control *ctl = ctx;
    uv_simclock_set_scale(ctl->clock, scale);
    return 0;
}

static int host_faults(void *ctx, const cJSON *req, char *err, size_t errlen)
{
    uv_control *ctl = ctx;
    return sc_host_faults_json(ctl->net, req, err, errlen);
}

static void conn_unlink(conn *c)
{
    if (!c->ctl)
        return;
    if (c->prev)
        c->prev->next = c->next;
    else
        c->ctl->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    c->ctl = NULL;
}

static void conn_closed(uv_handle_t *h)
{
    conn *c = h->data;
    bytebuf_free(&c->in);
    free(c);
}

static void conn_close(conn *c)
{
    if (c->closing)
        return;
    c->closing = 1;
    conn_unlink(c);
    uv_close((uv_handle_t *)&c->pipe, conn_closed);
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    buf->base = malloc(suggested);
    buf->len = buf->base ? suggested : 0;
}

static int backlogged(const conn *c) { return c->pipe.write_queue_size > CTL_QUEUE_MAX; }

static void set_reading(conn *c, int on)
{
    if (c->closing || on == c->reading)
        return;
    c->reading = on;
    if (on)
        uv_read_start((uv_stream_t *)&c->pipe, alloc_cb, conn_read_cb);
    else
        uv_read_stop((uv_stream_t *)&c->pipe);
}

static void handle_lines(conn *c);

static void write_done(uv_write_t *req, int status)
{
    conn *c = req->handle->data;
    free(req->data);
    free(req);
    if (status < 0 || c->closing || backlogged(c))
        return;
    handle_lines(c); /* what was held back while the client lagged */
    if (!backlogged(c))
        set_reading(c, 1);
}

static void send_line(conn *c, const char *reply)
{
    size_t n = strlen(reply);
    char *buf = malloc(n + 1);
    uv_write_t *req = malloc(sizeof(*req));
    if (!buf || !req) {
        free(buf);
        free(req);
        return;
    }
    memcpy(buf, reply, n);
    buf[n] = '\n';
    req->data = buf;
    uv_buf_t b = uv_buf_init(buf, (unsigned)(n + 1));
    if (uv_write(req, (uv_stream_t *)&c->pipe, &b, 1, write_done)) {
        free(buf);
        free(req);
    }
}

static void handle_request(conn *c, const char *line, size_t len)
{
    uv_control *ctl = c->ctl;
    control_hooks hooks = { set_scale, host_faults, ctl };
    uv_simclock_sync(ctl->clock);
    char *reply = control_handle(ctl->m, line, len, &hooks);
    uv_simclock_rearm(ctl->clock);
    if (reply)
        send_line(c, reply);
    free(reply);
}

/* Complete lines in c->in, while the client keeps up with the replies. */
static void handle_lines(conn *c)
{
    size_t pos = 0;
    while (!c->closing && c->ctl && !backlogged(c)) {
        uint8_t *nl = memchr(c->in.data + pos, '\n', c->in.len - pos);
        if (!nl)
            break;
        size_t len = (size_t)(nl - (c->in.data + pos));
        if (c->discarding)
            c->discarding = 0; /* the end of the over-long line */
        else if (len)
            handle_request(c, (const char *)c->in.data + pos, len);
        pos += len + 1;
    }
    bytebuf_consume(&c->in, pos);
    if (!c->discarding && c->in.len > CTL_LINE_MAX && !memchr(c->in.data, '\n', c->in.len)) {
        /* not a request: drop it whole, up to its newline, and say so once */
        send_line(c, "{\"ok\":false,\"error\":\"request line longer than 65536 bytes: discarded\"}");
        c->discarding = 1;
    }
    if (c->discarding)
        bytebuf_clear(&c->in);
    if (backlogged(c))
        set_reading(c, 0);
}

static void conn_read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    conn *c = s->data;
    if (n > 0) {
        bytebuf_append(&c->in, buf->base, (size_t)n);
        handle_lines(c);
    }
    free(buf->base);
    if (n < 0)
        conn_close(c);
}

static void connection_cb(uv_stream_t *server, int status)
{
    uv_control *ctl = server->data;
    if (status < 0)
        return;
    conn *c = calloc(1, sizeof(*c));
    if (!c)
        return;
    c->ctl = ctl;
    bytebuf_init(&c->in);
    uv_pipe_init(ctl->loop, &c->pipe, 0);
    c->pipe.data = c;
    c->next = ctl->conns;
    if (ctl->conns)
        ctl->conns->prev = c;
    ctl->conns = c;
    if (uv_accept(server, (uv_stream_t *)&c->pipe) == 0)
        set_reading(c, 1);
    else
        conn_close(c);
}

static void server_closed(uv_handle_t *h)
{
    uv_control *ctl = h->data;
    free(ctl->path);
    free(ctl);
}

int uv_control_open(uv_control **out, uv_loop_t *loop, uv_simclock *clock, modem *m, networld *net,
                    const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            snprintf(err, errlen, "%s exists and is not a socket: refusing to replace it", path);
            return -EEXIST;
        }
        unlink(path); /* stale socket of an earlier run */
    }
    uv_control *ctl = calloc(1, sizeof(*ctl));
    if (!ctl)
        return -ENOMEM;
    ctl->loop = loop;
    ctl->clock = clock;
    ctl->m = m;
    ctl->net = net;
    ctl->path = strdup(path);
    uv_pipe_init(loop, &ctl->server, 0);
    ctl->server.data = ctl;
    mode_t old = umask(0177); /* the socket is created 0600 */
    int rc = uv_pipe_bind(&ctl->server, path);
    umask(old);
    if (!rc)
        rc = uv_listen((uv_stream_t *)&ctl->server, CTL_BACKLOG, connection_cb);
    if (!rc)
        rc = chmod(path, 0600) ? -errno : 0;
    if (rc) {
        snprintf(err, errlen, "control socket %s: %s", path, uv_strerror(rc));
        uv_close((uv_handle_t *)&ctl->server, server_closed);
        return rc;
    }
    *out = ctl;
    return 0;
}

void uv_control_close(uv_control *ctl)
{
    if (!ctl)
        return;
    while (ctl->conns) /* clients still connected at shutdown */
        conn_close(ctl->conns);
    unlink(ctl->path);
    uv_close((uv_handle_t *)&ctl->server, server_closed);
}
