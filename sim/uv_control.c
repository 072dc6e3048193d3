/* uv_control.c - the control channel on a Unix socket (mode 0600): one JSON
 * request per line, one JSON reply per line (commands in control.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control.h"
#include "uv_host.h"

struct uv_control {
    uv_loop_t *loop;
    uv_simclock *clock;
    modem *m;
    uv_pipe_t server;
    char *path;
};

typedef struct conn {
    uv_pipe_t pipe;
    uv_control *ctl;
    bytebuf in;
} conn;

static int set_scale(void *ctx, double scale)
{
    uv_simclock_set_scale(ctx, scale);
    return 0;
}

static void conn_closed(uv_handle_t *h)
{
    conn *c = h->data;
    bytebuf_free(&c->in);
    free(c);
}

static void write_done(uv_write_t *req, int status)
{
    (void)status;
    free(req->data);
    free(req);
}

static void send_line(conn *c, char *reply)
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

static void handle_lines(conn *c)
{
    uv_control *ctl = c->ctl;
    control_hooks hooks = { set_scale, ctl->clock };
    for (;;) {
        uint8_t *nl = memchr(c->in.data, '\n', c->in.len);
        if (!nl)
            break;
        size_t len = (size_t)(nl - c->in.data);
        if (len) {
            uv_simclock_sync(ctl->clock);
            char *reply = control_handle(ctl->m, (const char *)c->in.data, len, &hooks);
            uv_simclock_rearm(ctl->clock);
            if (reply)
                send_line(c, reply);
            free(reply);
        }
        bytebuf_consume(&c->in, len + 1);
    }
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    buf->base = malloc(suggested);
    buf->len = buf->base ? suggested : 0;
}

static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    conn *c = s->data;
    if (n > 0) {
        bytebuf_append(&c->in, buf->base, (size_t)n);
        handle_lines(c);
        if (c->in.len > 65536) /* no line is that long: drop the junk */
            bytebuf_clear(&c->in);
    }
    free(buf->base);
    if (n < 0)
        uv_close((uv_handle_t *)s, conn_closed);
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
    if (uv_accept(server, (uv_stream_t *)&c->pipe) == 0)
        uv_read_start((uv_stream_t *)&c->pipe, alloc_cb, read_cb);
    else
        uv_close((uv_handle_t *)&c->pipe, conn_closed);
}

static void server_closed(uv_handle_t *h)
{
    uv_control *ctl = h->data;
    free(ctl->path);
    free(ctl);
}

int uv_control_open(uv_control **out, uv_loop_t *loop, uv_simclock *clock, modem *m, const char *path,
                    char *err, size_t errlen)
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
    ctl->path = strdup(path);
    uv_pipe_init(loop, &ctl->server, 0);
    ctl->server.data = ctl;
    mode_t old = umask(0177); /* the socket is created 0600 */
    int rc = uv_pipe_bind(&ctl->server, path);
    umask(old);
    if (!rc)
        rc = uv_listen((uv_stream_t *)&ctl->server, 8, connection_cb);
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
    unlink(ctl->path);
    uv_close((uv_handle_t *)&ctl->server, server_closed);
}
