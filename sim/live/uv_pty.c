/* uv_pty.c - a module UART exposed as a pseudo-terminal.
 *
 * The host opens the slave (directly or through the --pty symlink).
 *
 * Host presence is read from the kernel, never counted: sarasim holds no
 * slave fd of its own, so the master reports POLLHUP exactly while no
 * process has the slave open.  Counting inotify open/close events cannot do
 * that (Linux coalesces identical unread events: two quick opens arrive as
 * one, their closes as two).  inotify only wakes us to look again:
 *   - while a host has the port, the master is polled for its bytes;
 *   - when the last host closes, the master hangs up: what the host wrote
 *     before closing is still read (a `printf 'AT+CFUN=16\r' > pty` works),
 *     then polling stops (a hung-up master is always "readable"), and
 *     whatever the module had queued for the host is flushed, so the next
 *     host does not read stale bytes;
 *   - an open by any process wakes us and polling resumes.
 * Output while nobody has the port open is dropped, as on a wire with
 * nobody listening.  Without inotify (rare) we fall back to keeping a slave
 * fd open and treating the host as always present.
 *
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
#include <poll.h>
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

/* Does any process hold the slave open?  Without our own slave fd the
 * master reports POLLHUP exactly when none does. */
static int slave_open_by_host(const uv_pty *p)
{
    if (p->slave_keep >= 0)
        return 1; /* fallback without inotify: assume a host */
    struct pollfd pfd = { p->master, 0, 0 };
    return poll(&pfd, 1, 0) >= 0 && !(pfd.revents & POLLHUP);
}

static void set_poll(uv_pty *p, int events)
{
    if (events == p->poll_events)
        return;
    p->poll_events = events;
    if (events)
        uv_poll_start(&p->poll, events, poll_cb);
    else
        uv_poll_stop(&p->poll);
}

/* A hung-up master is always ready: poll it only while a host is there. */
static void update_poll(uv_pty *p)
{
    int ev = 0;
    if (p->present)
        ev = (p->throttled ? 0 : UV_READABLE) | (p->outq.len ? UV_WRITABLE : 0);
    set_poll(p, ev);
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

/* The last host closed: what the module wrote that nobody read must not
 * greet the next host.  The unread bytes sit in the slave's input queue,
 * which only a slave fd can flush (the open and close wake inotify once
 * more; the master is hung up again afterwards, so nothing changes). */
static void drop_unread_output(uv_pty *p)
{
    bytebuf_clear(&p->outq);
    int fd = open(p->slave_path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) {
        tcflush(fd, TCIFLUSH);
        close(fd);
    }
}

/* Look again whether a host has the port; act on a change. */
static void refresh_presence(uv_pty *p)
{
    int now = slave_open_by_host(p);
    if (p->present && !now)
        drop_unread_output(p);
    p->present = now;
    update_poll(p);
}

void uv_pty_check_flow(uv_pty *p)
{
    size_t backlog = modem_rx_backlog(p->m, p->port);
    int throttle = p->throttled ? backlog > FLOW_LOW : backlog > FLOW_HIGH;
    if (throttle != p->throttled) {
        p->throttled = throttle;
        update_poll(p);
        if (!throttle)
            uv_pty_service(p); /* a host may have written and closed meanwhile */
    }
}

static void drain_inotify(uv_pty *p)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    while (read(p->inotify, buf, sizeof(buf)) > 0)
        ; /* the events only say "look again" */
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

/* Output for the host: written if a host has the port open at this moment,
 * lost otherwise, as on a wire. */
static void send_or_drop(uv_pty *p)
{
    refresh_presence(p);
    if (p->present)
        flush_and_watch(p);
    else
        bytebuf_clear(&p->outq);
}

void uv_pty_send(uv_pty *p, const uint8_t *data, size_t n)
{
    queue_out(p, data, n);
    if (!p->holding) /* else the end of the chunk sends (see host_chunk) */
        send_or_drop(p);
}

/* One chunk from the host through the modem; its answers leave together,
 * in one write. */
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
    /* what the chunk started that is due now (a command finishing from a
     * timer at this instant) answers in the same write */
    uv_simclock_sync(p->clock);
    p->holding = 0;
    if (p->outq.len)
        send_or_drop(p);
}

/* Up to one burst of host bytes through the modem; returns how many. */
static size_t read_burst(uv_pty *p)
{
    /* A PTY hands over at most ~4 kB per read: keep reading while the host
     * keeps writing (bounded, so other handles get their turn) rather than
     * going back to epoll for every chunk.  The host's line speed is read
     * with every chunk: a host may change it between two writes that land
     * in the same wake-up. */
    uint8_t buf[65536];
    size_t total = 0;
    while (total < PTY_READ_BURST && !p->throttled) {
        ssize_t n = read(p->master, buf, sizeof(buf));
        if (n <= 0)
            break; /* EAGAIN, or EIO once a hung-up master is empty */
        total += (size_t)n;
        host_chunk(p, buf, (size_t)n);
        uv_pty_check_flow(p);
    }
    if (total)
        uv_simclock_rearm(p->clock);
    return total;
}

/* Read what hosts wrote (also after the last one closed: a hung-up master
 * still hands over the bytes written before the close), then look again
 * whether a host is there.  Re-entry (flow control releasing while we read)
 * only asks the running call for one more round. */
void uv_pty_service(uv_pty *p)
{
    if (p->servicing) {
        p->service_again = 1;
        return;
    }
    p->servicing = 1;
    for (;;) {
        p->service_again = 0;
        size_t total = read_burst(p);
        refresh_presence(p);
        /* a host that is gone leaves no poll to tell us about the rest */
        int more = total >= PTY_READ_BURST && !p->present;
        if (p->throttled || !(more || p->service_again))
            break;
    }
    p->servicing = 0;
}

static void poll_cb(uv_poll_t *h, int status, int events)
{
    uv_pty *p = h->data;
    if (status < 0) {
        refresh_presence(p);
        return;
    }
    if (events & UV_WRITABLE)
        flush_outq(p);
    if (events & UV_READABLE)
        uv_pty_service(p);
    else
        refresh_presence(p);
}

static void inotify_cb(uv_poll_t *h, int status, int events)
{
    (void)status;
    (void)events;
    uv_pty *p = h->data;
    drain_inotify(p);
    uv_pty_service(p);
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
    /* Raw 8N1 at 115200 until the host says otherwise.  The settings stay
     * with the PTY after our slave fd closes. */
    int fd = open(p->slave_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "cannot open %s: %s", p->slave_path, strerror(e));
        return -e;
    }
    struct termios t;
    tcgetattr(fd, &t);
    cfmakeraw(&t);
    cfsetspeed(&t, B115200);
    tcsetattr(fd, TCSANOW, &t);
    p->inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (p->inotify >= 0 && inotify_add_watch(p->inotify, p->slave_path, IN_OPEN | IN_CLOSE) < 0) {
        close(p->inotify);
        p->inotify = -1;
    }
    if (p->inotify >= 0)
        close(fd); /* the master hangs up until a host opens the slave */
    else
        p->slave_keep = fd; /* no wake-ups without inotify: keep reading */
    if (link) {
        int rc = make_link(link, p->slave_path, err, errlen);
        if (rc)
            return rc;
        p->link = strdup(link);
    }
    uv_poll_init(loop, &p->poll, p->master);
    p->poll.data = p;
    if (p->inotify >= 0) {
        uv_poll_init(loop, &p->ipoll, p->inotify);
        p->ipoll.data = p;
        uv_poll_start(&p->ipoll, UV_READABLE, inotify_cb);
        drain_inotify(p);
    }
    p->present = slave_open_by_host(p);
    update_poll(p);
    return 0;
}

void uv_pty_close(uv_pty *p)
{
    if (p->master >= 0) {
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
