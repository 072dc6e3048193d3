/* ptyhost.c - a host application's view of sarasim, for integration tests. */
#include "ptyhost.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int spawn(simproc *s, const char *const *extra)
{
    int pipefd[2];
    if (pipe(pipefd))
        return -1;
    const char *argv[64];
    int n = 0;
    argv[n++] = SARASIM_BIN;
    argv[n++] = "--pty";
    argv[n++] = s->link;
    argv[n++] = "--state-dir";
    argv[n++] = s->state;
    argv[n++] = "--control";
    argv[n++] = s->ctl;
    for (int i = 0; extra && extra[i] && n < 62; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(pipefd[1], 1);
        close(pipefd[0]);
        close(pipefd[1]);
        execv(SARASIM_BIN, (char *const *)argv);
        _exit(127);
    }
    close(pipefd[1]);
    s->pid = pid;
    /* The start line names the PTY: wait for it. */
    size_t got = 0;
    long long deadline = now_ms() + 10000;
    while (got < sizeof(s->startline) - 1 && now_ms() < deadline) {
        struct pollfd pfd = { pipefd[0], POLLIN, 0 };
        if (poll(&pfd, 1, 100) <= 0)
            continue;
        ssize_t r = read(pipefd[0], s->startline + got, sizeof(s->startline) - 1 - got);
        if (r <= 0)
            break;
        got += (size_t)r;
        s->startline[got] = 0;
        if (strchr(s->startline, '\n'))
            break;
    }
    close(pipefd[0]);
    return strchr(s->startline, '\n') ? 0 : -1;
}

int simproc_start(simproc *s, const char *const *extra)
{
    memset(s, 0, sizeof(*s));
    s->fd = -1;
    bytebuf_init(&s->rx);
    snprintf(s->dir, sizeof(s->dir), "/tmp/sarasim-test-XXXXXX");
    if (!mkdtemp(s->dir))
        return -1;
    snprintf(s->link, sizeof(s->link), "%s/sara-r5.pty", s->dir);
    snprintf(s->state, sizeof(s->state), "%s/state", s->dir);
    snprintf(s->ctl, sizeof(s->ctl), "%s/ctl.sock", s->dir);
    return spawn(s, extra);
}

int simproc_restart(simproc *s, const char *const *extra)
{
    host_close(s);
    s->startline[0] = 0;
    return spawn(s, extra);
}

int simproc_kill(simproc *s, int sig)
{
    if (s->pid <= 0)
        return -1;
    kill(s->pid, sig);
    int st = 0;
    waitpid(s->pid, &st, 0);
    s->pid = 0;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

void simproc_cleanup(simproc *s)
{
    host_close(s);
    if (s->pid > 0)
        simproc_kill(s, SIGKILL);
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
    if (s->dir[0] && system(cmd)) {
        /* nothing more to do: a leftover temp dir is harmless */
    }
    bytebuf_free(&s->rx);
}

static speed_t speed_code(unsigned baud)
{
    switch (baud) {
    case 9600: return B9600;
    case 19200: return B19200;
    case 38400: return B38400;
    case 57600: return B57600;
    case 115200: return B115200;
    case 230400: return B230400;
    case 460800: return B460800;
    case 921600: return B921600;
    default: return B115200;
    }
}

int host_set_baud(simproc *s, unsigned baud)
{
    struct termios t;
    if (tcgetattr(s->fd, &t))
        return -1;
    cfmakeraw(&t);
    cfsetspeed(&t, speed_code(baud));
    return tcsetattr(s->fd, TCSANOW, &t);
}

int host_open(simproc *s, unsigned baud)
{
    s->fd = open(s->link, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (s->fd < 0)
        return -1;
    bytebuf_clear(&s->rx);
    return host_set_baud(s, baud);
}

void host_close(simproc *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}

int host_send_bytes(simproc *s, const void *p, size_t n)
{
    const char *c = p;
    long long deadline = now_ms() + 5000;
    while (n && now_ms() < deadline) {
        ssize_t w = write(s->fd, c, n);
        if (w < 0) {
            if (errno != EAGAIN && errno != EINTR)
                return -1;
            struct pollfd pfd = { s->fd, POLLOUT, 0 };
            poll(&pfd, 1, 50);
            continue;
        }
        c += w;
        n -= (size_t)w;
    }
    return n ? -1 : 0;
}

int host_send(simproc *s, const char *text) { return host_send_bytes(s, text, strlen(text)); }

/* Read whatever arrives within timeout_ms (returns as soon as something came). */
static int read_some(simproc *s, int timeout_ms)
{
    struct pollfd pfd = { s->fd, POLLIN, 0 };
    if (poll(&pfd, 1, timeout_ms) <= 0)
        return 0;
    char buf[65536];
    ssize_t r = read(s->fd, buf, sizeof(buf));
    if (r > 0)
        bytebuf_append(&s->rx, buf, (size_t)r);
    return r > 0 ? (int)r : 0;
}

static const uint8_t *find(const bytebuf *b, const char *want, size_t wl)
{
    if (b->len < wl)
        return NULL;
    for (size_t i = 0; i + wl <= b->len; i++)
        if (memcmp(b->data + i, want, wl) == 0)
            return b->data + i;
    return NULL;
}

int host_expect(simproc *s, const char *want, int timeout_ms)
{
    size_t wl = strlen(want);
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        const uint8_t *at = find(&s->rx, want, wl);
        if (at) {
            bytebuf_consume(&s->rx, (size_t)(at - s->rx.data) + wl);
            return 0;
        }
        long long left = deadline - now_ms();
        if (left <= 0)
            return -1;
        read_some(s, (int)left);
    }
}

int host_expect_exact(simproc *s, const char *want, int timeout_ms)
{
    size_t wl = strlen(want);
    long long deadline = now_ms() + timeout_ms;
    while (s->rx.len < wl) {
        long long left = deadline - now_ms();
        if (left <= 0 || (s->rx.len && memcmp(s->rx.data, want, s->rx.len) != 0))
            break;
        read_some(s, (int)left);
    }
    if (s->rx.len >= wl && memcmp(s->rx.data, want, wl) == 0) {
        bytebuf_consume(&s->rx, wl);
        return 0;
    }
    return -1;
}

/* Length of the first complete response in rx, else 0: it ends at the
 * earliest final result code, so pipelined answers come out one by one. */
static size_t complete_response(const bytebuf *b)
{
    static const char *const finals[] = { "\r\nOK\r\n", "\r\nERROR\r\n" };
    size_t best = 0;
    for (size_t i = 0; i < sizeof(finals) / sizeof(finals[0]); i++) {
        const uint8_t *at = find(b, finals[i], strlen(finals[i]));
        size_t end = at ? (size_t)(at - b->data) + strlen(finals[i]) : 0;
        if (end && (!best || end < best))
            best = end;
    }
    const uint8_t *cme = find(b, "+CME ERROR: ", 12);
    if (cme) {
        const uint8_t *nl = memchr(cme, '\n', b->len - (size_t)(cme - b->data));
        size_t end = nl ? (size_t)(nl - b->data) + 1 : 0;
        if (end && (!best || end < best))
            best = end;
    }
    return best;
}

char *host_response(simproc *s, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        size_t n = complete_response(&s->rx);
        if (n) {
            char *r = malloc(n + 1);
            memcpy(r, s->rx.data, n);
            r[n] = 0;
            bytebuf_consume(&s->rx, n);
            return r;
        }
        long long left = deadline - now_ms();
        if (left <= 0)
            return NULL;
        read_some(s, (int)left);
    }
}

char *host_cmd(simproc *s, const char *line, int timeout_ms)
{
    if (host_send(s, line))
        return NULL;
    return host_response(s, timeout_ms);
}

int host_poll(simproc *s, const char *line, const char *want, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    while (now_ms() < deadline) {
        host_send(s, line);
        if (host_expect(s, want, 200) == 0)
            return 0;
    }
    return -1;
}

int host_wait_ready(simproc *s, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    if (host_poll(s, "AT\r", "OK\r\n", timeout_ms))
        return -1;
    return host_sync(s, (int)(deadline > now_ms() ? deadline - now_ms() : 1));
}

/* "AT+CGMI" is answered "u-blox" whatever the model, echo or no echo, and
 * no other command a test sends answers that: everything received up to
 * that answer belongs to what was sent before it. */
#define SYNC_LINE "AT+CGMI\r"
#define SYNC_ANSWER "u-blox\r\n\r\nOK\r\n"

int host_sync(simproc *s, int timeout_ms)
{
    if (host_send(s, SYNC_LINE))
        return -1;
    return host_expect(s, SYNC_ANSWER, timeout_ms);
}

char *simproc_ctl(simproc *s, const char *json)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(s->ctl) >= sizeof(sa.sun_path)) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    memcpy(sa.sun_path, s->ctl, strlen(s->ctl) + 1);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    char req[4096];
    int n = snprintf(req, sizeof(req), "%s\n", json);
    if (write(fd, req, (size_t)n) != n) {
        close(fd);
        return NULL;
    }
    char *reply = calloc(1, 65536);
    size_t got = 0;
    while (got < 65535) {
        struct pollfd pfd = { fd, POLLIN, 0 };
        if (poll(&pfd, 1, 5000) <= 0)
            break;
        ssize_t r = read(fd, reply + got, 65535 - got);
        if (r <= 0)
            break;
        got += (size_t)r;
        if (memchr(reply, '\n', got))
            break;
    }
    close(fd);
    return reply;
}

int simproc_ctl_ok(simproc *s, const char *json)
{
    char *r = simproc_ctl(s, json);
    int ok = r && strstr(r, "\"ok\":true");
    free(r);
    return ok ? 0 : -1;
}

int simproc_set_time_scale(simproc *s, const char *scale)
{
    char json[96];
    snprintf(json, sizeof(json), "{\"cmd\":\"set_time_scale\",\"scale\":%s}", scale);
    return simproc_ctl_ok(s, json);
}

int host_start_fwupdate(simproc *s, unsigned rate, int timeout_ms)
{
    char line[64];
    snprintf(line, sizeof(line), "AT+UFWUPD=1,%u\r", rate);
    if (simproc_set_time_scale(s, SIM_FROZEN) || host_send(s, line))
        return -1;
    long long deadline = now_ms() + timeout_ms;
    int in_mode = 0;
    while (!in_mode && now_ms() < deadline) {
        char *st = simproc_ctl(s, "{\"cmd\":\"state\"}");
        in_mode = st && strstr(st, "\"power\":\"FWUPDATE\"") != NULL;
        free(st);
    }
    return in_mode ? host_set_baud(s, rate) : -1;
}
