/* uv_pty.c - a module UART exposed as a pseudo-terminal.
 *
 * The host opens the slave (directly or through the --pty symlink).  We keep
 * a slave fd of our own so that reads on the master never fail with EIO when
 * a host closes the port: the PTY outlives any number of host sessions.
 * Host opens and closes are watched with inotify: while no host has the port
 * open, the module's output is dropped as it would be on a real wire with
 * nobody listening, and whatever was queued when the last host closed is
 * flushed, so the next host does not read stale bytes.
 * The host's line speed is read from the master's termios (shared with the
 * slave) before each chunk, so the wire model sees the host's baud rate.
 * (TIOCPKT packet mode cannot replace that read: Linux reports termios
 * changes to the master only while the slave has EXTPROC set, which a host
 * may clear and would see in its own tcgetattr.)
 *
 * Everything the module says while one chunk from the host is processed
 * leaves in a single write once the chunk is done, as a UART's transmit FIFO
 * drains: a host that pipelines commands costs one write per read, not one
 * per answer (each PTY write is a syscall plus kernel work to push the flip
 * buffer; see docs/bench.md).  The bytes and their order are unchanged.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "uv_host.h"

#define OUTQ_CAP (4u << 20) /* beyond this a host that never reads loses bytes */
#define PTY_READ_BURST (256u << 10) /* bytes taken from the host per wake-up */

static const struct { speed_t code; uint32_t rate; } speeds[] = {
    { B1200, 1200 },       { B2400, 2400 },       { B4800, 4800 },       { B9600, 9600 },
    { B19200, 19200 },     { B38400, 38400 },     { B57600, 57600 },     { B115200, 115200 },
    { B230400, 230400 },   { B460800, 460800 },   { B921600, 921600 },   { B1000000, 1000000 },
    { B1500000, 1500000 }, { B2000000, 2000000 }, { B3000000, 3000000 }, { B4000000, 4000000 },
};

static uint32_t host_rate(const uv_pty *p)
{
    struct termios t;
    if (tcgetattr(p->master, &t))
        return 0;
    speed_t s = cfgetospeed(&t);
    for (size_t i = 0; i < sizeof(speeds) / sizeof(speeds[0]); i++)
        if (speeds[i].code == s)
            return speeds[i].rate;
    return 0;
}

static void poll_cb(uv_poll_t *h, int status, int events);

/* Flow control: while the module holds this many unread host bytes (a
 * command runs, a paced wire is busy) the PTY is not read, so the host's
 * writes block as behind a deasserted CTS; reading resumes below the low
 * mark. */
#define FLOW_HIGH (64u << 10)
#define FLOW_LOW (16u << 10)

static void set_poll(uv_pty *p, int events)
{
    if (events == p->poll_events)
        return;
    p->poll_events = events;
    uv_poll_start(&p->poll, events, poll_cb);
}

static void update_poll(uv_pty *p)
{
    int ev = (p->throttled ? 0 : UV_READABLE) | (p->outq.len ? UV_WRITABLE : 0);
    if (ev)
        set_poll(p, ev);
    else if (p->poll_events) {
        uv_poll_stop(&p->poll);
        p->poll_events = 0;
    }
}

void uv_pty_check_flow(uv_pty *p)
{
    size_t backlog = modem_rx_backlog(p->m, p->port);
    int throttle = p->throttled ? backlog > FLOW_LOW : backlog > FLOW_HIGH;
    if (throttle != p->throttled) {
        p->throttled = throttle;
        update_poll(p);
    }
}

static void flush_outq(uv_pty *p)
{
    while (p->outq.len) {
        ssize_t w = write(p->master, p->outq.data, p->outq.len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            break; /* EAGAIN: wait for POLLOUT */
        }
        bytebuf_consume(&p->outq, (size_t)w);
    }
}

static void drain_inotify(uv_pty *p)
{
    if (p->inotify < 0)
        return;
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        ssize_t n = read(p->inotify, buf, sizeof(buf));
        if (n <= 0)
            return;
        for (char *q = buf; q < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)q;
            if (ev->mask & IN_OPEN)
                p->host_opens++;
            if (ev->mask & (IN_CLOSE_WRITE | IN_CLOSE_NOWRITE)) {
                if (p->host_opens > 0 && --p->host_opens == 0) {
                    /* Nobody listens any more: what is queued is lost. */
                    tcflush(p->slave_keep, TCIFLUSH);
                    bytebuf_clear(&p->outq);
                }
            }
            q += sizeof(*ev) + ev->len;
        }
    }
}

static int host_present(uv_pty *p)
{
    drain_inotify(p);
    return p->inotify < 0 || p->host_opens > 0;
}

static void queue_out(uv_pty *p, const uint8_t *data, size_t n)
{
    if (p->outq.len + n > OUTQ_CAP)
        bytebuf_consume(&p->outq, p->outq.len + n - OUTQ_CAP);
    bytebuf_append(&p->outq, data, n);
}

static void flush_and_watch(uv_pty *p)
{
    flush_outq(p);
    update_poll(p);
}

void uv_pty_refresh_rate(uv_pty *p)
{
    if (p->master < 0)
        return;
    if (p->input) /* the scenario's wire takes the rate (no bytes) */
        p->input(p->input_ctx, p->port, host_rate(p), NULL, 0);
    else
        modem_set_host_rate(p->m, p->port, host_rate(p));
}

void uv_pty_send(uv_pty *p, const uint8_t *data, size_t n)
{
    if (p->holding) { /* the end of the chunk flushes (see host_chunk) */
        queue_out(p, data, n);
        return;
    }
    if (!host_present(p))
        return;
    queue_out(p, data, n);
    flush_and_watch(p);
}

/* One chunk from the host through the modem; its answers leave together,
 * in one write.  Whether a host still has the port open is looked at only
 * when there is something to send (a download in data mode sends nothing):
 * answers to a host that closed in the meantime are lost, as on a wire. */
static void host_chunk(uv_pty *p, const uint8_t *buf, size_t n)
{
    p->holding = 1;
    uv_simclock_sync(p->clock);
    if (p->input) { /* a scenario's UART fault layer sits in between */
        p->input(p->input_ctx, p->port, host_rate(p), buf, n);
    } else {
        modem_set_host_rate(p->m, p->port, host_rate(p));
        modem_host_write(p->m, p->port, buf, n);
    }
    p->holding = 0;
    if (!p->outq.len)
        return;
    if (host_present(p))
        flush_and_watch(p);
    else
        bytebuf_clear(&p->outq);
}

static void poll_cb(uv_poll_t *h, int status, int events)
{
    uv_pty *p = h->data;
    if (status < 0)
        return;
    if (events & UV_READABLE) {
        /* A PTY hands over at most ~4 kB per read: keep reading while the
         * host keeps writing (bounded, so other handles get their turn)
         * rather than going back to epoll for every chunk.  The host's line
         * speed is read with every chunk: a host may change it between two
         * writes that land in the same wake-up. */
        uint8_t buf[65536];
        for (size_t total = 0; total < PTY_READ_BURST && !p->throttled;) {
            ssize_t n = read(p->master, buf, sizeof(buf));
            if (n <= 0)
                break;
            total += (size_t)n;
            host_chunk(p, buf, (size_t)n);
            uv_pty_check_flow(p);
        }
        uv_simclock_rearm(p->clock);
    }
    if (events & UV_WRITABLE) {
        flush_outq(p);
        update_poll(p);
    }
}

static void inotify_cb(uv_poll_t *h, int status, int events)
{
    (void)status;
    (void)events;
    drain_inotify(h->data);
}

static int make_link(const char *link, const char *target, char *err, size_t errlen)
{
    struct stat st;
    if (lstat(link, &st) == 0) {
        if (!S_ISLNK(st.st_mode)) {
            snprintf(err, errlen, "%s exists and is not a symlink: refusing to overwrite it", link);
            return -EEXIST;
        }
        if (unlink(link)) {
            snprintf(err, errlen, "cannot replace stale link %s: %s", link, strerror(errno));
            return -errno;
        }
    }
    if (symlink(target, link)) {
        int e = errno;
        snprintf(err, errlen, "cannot create link %s: %s", link, strerror(e));
        return -e;
    }
    return 0;
}

int uv_pty_open(uv_pty *p, uv_loop_t *loop, uv_simclock *clock, modem *m, int port, const char *link,
                char *err, size_t errlen)
{
    memset(p, 0, sizeof(*p));
    p->loop = loop;
    p->clock = clock;
    p->m = m;
    p->port = port;
    p->slave_keep = p->inotify = -1;
    bytebuf_init(&p->outq);
    p->master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (p->master < 0 || grantpt(p->master) || unlockpt(p->master) ||
        ptsname_r(p->master, p->slave_path, sizeof(p->slave_path))) {
        int e = errno;
        snprintf(err, errlen, "cannot create a pseudo-terminal: %s", strerror(e));
        return -e;
    }
    p->slave_keep = open(p->slave_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (p->slave_keep < 0) {
        int e = errno;
        snprintf(err, errlen, "cannot open %s: %s", p->slave_path, strerror(e));
        return -e;
    }
    /* Raw 8N1 at 115200 until the host says otherwise. */
    struct termios t;
    tcgetattr(p->slave_keep, &t);
    cfmakeraw(&t);
    cfsetspeed(&t, B115200);
    tcsetattr(p->slave_keep, TCSANOW, &t);
    p->inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (p->inotify >= 0 && inotify_add_watch(p->inotify, p->slave_path, IN_OPEN | IN_CLOSE) < 0) {
        close(p->inotify);
        p->inotify = -1;
    }
    if (link) {
        int rc = make_link(link, p->slave_path, err, errlen);
        if (rc)
            return rc;
        p->link = strdup(link);
    }
    uv_poll_init(loop, &p->poll, p->master);
    p->poll.data = p;
    p->poll_events = UV_READABLE;
    uv_poll_start(&p->poll, UV_READABLE, poll_cb);
    if (p->inotify >= 0) {
        uv_poll_init(loop, &p->ipoll, p->inotify);
        p->ipoll.data = p;
        uv_poll_start(&p->ipoll, UV_READABLE, inotify_cb);
    }
    return 0;
}

void uv_pty_close(uv_pty *p)
{
    if (p->master >= 0 && uv_is_active((uv_handle_t *)&p->poll)) {
        uv_poll_stop(&p->poll);
        uv_close((uv_handle_t *)&p->poll, NULL);
    }
    if (p->inotify >= 0) {
        uv_poll_stop(&p->ipoll);
        uv_close((uv_handle_t *)&p->ipoll, NULL);
    }
    if (p->link) {
        /* Remove the link only if it still points at our device. */
        char target[128];
        ssize_t n = readlink(p->link, target, sizeof(target) - 1);
        if (n > 0) {
            target[n] = 0;
            if (strcmp(target, p->slave_path) == 0)
                unlink(p->link);
        }
        free(p->link);
        p->link = NULL;
    }
    bytebuf_free(&p->outq);
}

void uv_pty_release_fds(uv_pty *p)
{
    if (p->inotify >= 0)
        close(p->inotify);
    if (p->slave_keep >= 0)
        close(p->slave_keep);
    if (p->master >= 0)
        close(p->master);
    p->inotify = p->slave_keep = p->master = -1;
}
