/* bench_foat.c - a FOAT update (+UFWUPD, Xmodem-1k) of a 4.5 MiB package
 * over sarasim's PTY, against the machine's own limit and against lrzsz's
 * receiver, and the same transfer on the simulated clock with pacing.
 *
 * The sender is always lrzsz `sx -k` (Xmodem-1k, CRC) with the PTY as its
 * stdin/stdout, timed from fork/exec.  In every round, one after the other
 * so that all three see the same machine load:
 *
 *   sarasim  the real simulator, pacing off: AT+UFWUPD=1,921600, Firmware
 *            Update Mode, "+UFWUPD: ONGOING", then sx, timed to its exit.
 *            Afterwards the update must end with "+UFWUPD: 128" (validation
 *            and install are not timed; the time scale is raised for them);
 *   bare     a forked child owning a PTY master that only receives Xmodem-1k
 *            frames, checks their CRC, stores the payload and ACKs (the
 *            physical limit of any receiver behind a PTY), sx timed to its
 *            exit;
 *   rx       lrzsz's own receiver, `rx -X -c`, across a socat PTY pair, timed
 *            to rx's exit (see rx_round), and once more with a single block
 *            to show rx's fixed cost.
 *
 * In all three the receiver's first 'C' is already waiting in the PTY when
 * sx starts (sx reads it at once), so the times compare like for like.
 *
 * Then the modem core alone (ns per block, no PTY), and the pacing figure:
 * an in-memory modem with pacing on, at 921600 baud, protocol/xmodem_tx as
 * the host, on the virtual clock: simulated time from the first block sent
 * to the EOT's ACK, against the wire time of every byte both sides sent in
 * that span (stop-and-wait: the line carries one side at a time, so the
 * times add up).
 *
 * Goals (FOAT issue): sarasim within 1.25x bare, faster than rx; paced
 * transfer within 2 % of the wire time.  Exit status 1 if something failed or
 * the pacing error exceeds 2 %; the throughput goals are reported (a loaded
 * machine must not fail them).  See docs/bench.md.
 *
 * usage: bench_foat [-r ROUNDS] [-p] [-x]
 *   -r  rounds (default 7)   -p  the pacing figure only   -x  without rx
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "protocol/package.h"
#include "protocol/xmodem.h"
#include "protocol/xmodem_tx.h"
#include "ptyhost.h"
#include "sim/modem.h"

#define PKG_SIZE (4608u * 1024u) /* 4 718 592 bytes = 4.5 MiB: 4608 full 1k blocks */
#define RATE 921600
#define FRAME_1K (3 + 1024 + 2)
#define XFER_SCALE "50"    /* during the transfer: Xmodem's 1 s timeouts stay 20 ms of wall time */
#define INSTALL_SCALE "5000" /* validation + install of 4.5 MiB: ~100 s simulated */
#define IO_TIMEOUT_MS 10000 /* bounds a broken run; a working one never waits for it */
#define SX_TIMEOUT_S 60
#define RX_TIMEOUT_S 600 /* rx recovers from its own lost frames in 5-6 s each */

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* CPU time a process has run so far (user + system, from the scheduler). */
static double cpu_s(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
    FILE *f = fopen(path, "r");
    long long ns = -1;
    if (f) {
        if (fscanf(f, "%lld", &ns) != 1)
            ns = -1;
        fclose(f);
    }
    return (double)ns / 1e9;
}

static double mbps(double secs) { return (double)PKG_SIZE / secs / 1e6; }

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
    double s[64];
    memcpy(s, v, (size_t)n * sizeof(*v));
    qsort(s, (size_t)n, sizeof(*s), cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static int on_path(const char *prog)
{
    const char *path = getenv("PATH");
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s", path ? path : "/usr/bin:/bin");
    for (char *save = NULL, *dir = strtok_r(buf, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        char full[4200];
        snprintf(full, sizeof(full), "%s/%s", dir, prog);
        if (access(full, X_OK) == 0)
            return 1;
    }
    return 0;
}

/* ---- processes ---- */

/* Run argv with the terminal `tty` as stdin and stdout (lrzsz's way), in
 * directory `dir` (NULL: here), stderr to /dev/null. */
static pid_t spawn_on_tty(const char *tty, const char *dir, const char *const *argv)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (tty) {
            int fd = open(tty, O_RDWR | O_NOCTTY);
            if (fd < 0)
                _exit(126);
            dup2(fd, 0);
            dup2(fd, 1);
            close(fd);
        }
        int null = open("/dev/null", O_RDWR);
        dup2(null, 2);
        if (!tty)
            dup2(null, 1);
        if (null > 2)
            close(null);
        if (dir && chdir(dir))
            _exit(126);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

static void on_alarm(int sig) { (void)sig; }

/* Wait for pid, at most timeout_s; exit status, or -1 (then it is killed). */
static int wait_exit(pid_t pid, int timeout_s)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm; /* no SA_RESTART: waitpid returns EINTR */
    sigaction(SIGALRM, &sa, &old);
    alarm((unsigned)timeout_s);
    int st = 0;
    pid_t r = waitpid(pid, &st, 0); /* EINTR: the alarm went off */
    alarm(0);
    sigaction(SIGALRM, &old, NULL);
    if (r != pid) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        return -1;
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* sx -k FILE on tty, from exec to exit.  *secs is the wall time. */
static int time_sx(const char *tty, const char *file, double *secs)
{
    const char *const argv[] = { "sx", "-k", "-q", file, NULL };
    double t0 = now_s();
    pid_t pid = spawn_on_tty(tty, NULL, argv);
    int rc = pid > 0 ? wait_exit(pid, SX_TIMEOUT_S) : -1;
    *secs = now_s() - t0;
    if (rc)
        fprintf(stderr, "bench_foat: sx on %s exited %d\n", tty, rc);
    return rc ? -1 : 0;
}

/* The receiver's first 'C' must be waiting before sx starts: poll, do not
 * read (sx reads it). */
static int wait_pending(int fd)
{
    struct pollfd pfd = { fd, POLLIN, 0 };
    return poll(&pfd, 1, IO_TIMEOUT_MS) == 1 ? 0 : -1;
}

static int set_raw(int fd, speed_t speed)
{
    struct termios t;
    if (tcgetattr(fd, &t))
        return -1;
    cfmakeraw(&t);
    cfsetspeed(&t, speed);
    return tcsetattr(fd, TCSANOW, &t);
}

/* ---- sarasim ---- */

/* Read exactly `want` and not one byte more: the 'C' after it is sx's. */
static int read_exactly(int fd, const char *want, int timeout_ms)
{
    size_t wl = strlen(want), got = 0;
    double deadline = now_s() + timeout_ms / 1e3;
    while (got < wl) {
        struct pollfd pfd = { fd, POLLIN, 0 };
        int left = (int)((deadline - now_s()) * 1e3);
        if (left <= 0 || poll(&pfd, 1, left) != 1)
            return -1;
        char buf[64];
        ssize_t n = read(fd, buf, wl - got);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (n <= 0 || memcmp(buf, want + got, (size_t)n) != 0)
            return -1;
        got += (size_t)n;
    }
    return 0;
}

static int sarasim_boot(simproc *s)
{
    static const char *const args[] = { "--boot-time", "2s", "--time-scale", XFER_SCALE, NULL };
    if (simproc_start(s, args) || host_open(s, 115200) || host_wait_ready(s, IO_TIMEOUT_MS))
        return -1;
    char *r = host_cmd(s, "ATE0\r", IO_TIMEOUT_MS);
    int ok = r && strstr(r, "OK");
    free(r);
    return ok ? 0 : -1;
}

/* One update: the sx time and sarasim's CPU time meanwhile, then the rest
 * of the update (untimed). */
static int sarasim_round(simproc *s, const char *pkg, double *secs, double *cpu)
{
    if (host_sync(s, IO_TIMEOUT_MS) || host_start_fwupdate(s, RATE, IO_TIMEOUT_MS) || simproc_set_time_scale(s, XFER_SCALE)) {
        fprintf(stderr, "bench_foat: sarasim did not take AT+UFWUPD\n");
        return -1;
    }
    if (read_exactly(s->fd, "\r\n+UFWUPD: ONGOING\r\n", IO_TIMEOUT_MS) || wait_pending(s->fd)) {
        fprintf(stderr, "bench_foat: no ONGOING / first C from sarasim\n");
        return -1;
    }
    double c0 = cpu_s(s->pid);
    if (time_sx(s->link, pkg, secs))
        return -1;
    *cpu = cpu_s(s->pid) - c0;
    if (simproc_set_time_scale(s, INSTALL_SCALE) || host_expect(s, "\r\n+UFWUPD: 128\r\n", 30000)) {
        fprintf(stderr, "bench_foat: the update did not complete (+UFWUPD: 128 missing)\n");
        return -1;
    }
    if (host_set_baud(s, 115200) || host_wait_ready(s, IO_TIMEOUT_MS))
        return -1;
    char *r = host_cmd(s, "ATE0\r", IO_TIMEOUT_MS);
    int ok = r && strstr(r, "OK");
    free(r);
    return ok ? 0 : -1;
}

/* ---- bare Xmodem-1k receiver ---- */

typedef struct bare_report {
    int ok;              /* every byte of the file arrived, EOT ACKed */
    unsigned bad;        /* frames NAKed (CRC) */
    double first, end;   /* first block header read, EOT ACK written */
    double cpu;          /* the receiver's CPU time until then */
} bare_report;

static int write_byte(int fd, uint8_t c) { return write(fd, &c, 1) == 1 ? 0 : -1; }

/* The child: 'C', then frames; ACK each good one, store new ones, ACK EOT.
 * No timeouts, no handshake schedule, no purge: a baseline, not a receiver
 * one would ship. */
static void bare_receive(int master, const uint8_t *file, int report)
{
    bare_report r = { 0, 0, 0, 0, 0 };
    uint8_t *img = malloc(PKG_SIZE + XMODEM_BLOCK_MAX);
    static uint8_t buf[65536], frame[FRAME_1K];
    size_t len = 0, have = 0, need = 0;
    uint8_t expect = 1;
    int done = 0;
    if (!img || write_byte(master, XMODEM_CRC))
        _exit(1);
    while (!done) {
        ssize_t n = read(master, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            _exit(1);
        for (size_t i = 0; i < (size_t)n && !done;) {
            if (!need) { /* a header */
                uint8_t c = buf[i++];
                if (c == XMODEM_SOH || c == XMODEM_STX) {
                    frame[0] = c;
                    have = 1;
                    need = 3 + (c == XMODEM_STX ? 1024u : 128u) + 2;
                    if (!r.first)
                        r.first = now_s();
                } else if (c == XMODEM_EOT) {
                    write_byte(master, XMODEM_ACK);
                    r.end = now_s();
                    done = 1;
                }
                continue;
            }
            size_t k = need - have < (size_t)n - i ? need - have : (size_t)n - i;
            memcpy(frame + have, buf + i, k);
            have += k;
            i += k;
            if (have < need)
                continue;
            size_t dlen = need - 5;
            uint16_t crc = (uint16_t)(frame[3 + dlen] << 8 | frame[4 + dlen]);
            if (xmodem_crc16(0, frame + 3, dlen) != crc) {
                r.bad++;
                write_byte(master, XMODEM_NAK);
            } else {
                if (frame[1] == expect && len + dlen <= PKG_SIZE + XMODEM_BLOCK_MAX) {
                    memcpy(img + len, frame + 3, dlen);
                    len += dlen;
                    expect++;
                }
                write_byte(master, XMODEM_ACK);
            }
            need = 0;
        }
    }
    struct timespec cpu;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
    r.cpu = (double)cpu.tv_sec + (double)cpu.tv_nsec / 1e9;
    r.ok = len >= PKG_SIZE && memcmp(img, file, PKG_SIZE) == 0;
    _exit(write(report, &r, sizeof(r)) == (ssize_t)sizeof(r) ? 0 : 1);
}

static int bare_round(const char *dir, const char *pkg, const uint8_t *file, double *secs, double *xfer, double *cpu)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    char slave_path[64], link[512];
    if (master < 0 || grantpt(master) || unlockpt(master) || ptsname_r(master, slave_path, sizeof(slave_path)))
        return -1;
    int slave = open(slave_path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (slave < 0 || set_raw(slave, B921600))
        return -1;
    /* sx opens it through a link, as it opens sarasim's */
    snprintf(link, sizeof(link), "%s/bare.pty", dir);
    unlink(link);
    if (symlink(slave_path, link))
        return -1;
    int rep[2];
    if (pipe2(rep, O_CLOEXEC))
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(rep[0]);
        bare_receive(master, file, rep[1]);
    }
    close(rep[1]);
    int rc = -1;
    bare_report r;
    if (pid > 0 && wait_pending(slave) == 0 && time_sx(link, pkg, secs) == 0 &&
        read(rep[0], &r, sizeof(r)) == (ssize_t)sizeof(r) && r.ok) {
        *xfer = r.end - r.first;
        *cpu = r.cpu;
        if (r.bad)
            fprintf(stderr, "bench_foat: the bare receiver NAKed %u frames (bad CRC)\n", r.bad);
        rc = 0;
    }
    if (pid > 0 && wait_exit(pid, 5) != 0)
        rc = -1;
    if (rc)
        fprintf(stderr, "bench_foat: the bare receiver did not get the file\n");
    close(rep[0]);
    close(slave);
    close(master);
    unlink(link);
    return rc;
}

/* ---- lrzsz rx over socat ---- */

/* Wait until socat has made the link `path` (setup only, never timed):
 * woken by inotify when something is created in its directory, no sleep;
 * 10 s bound a failure. */
static int wait_exists(const char *path)
{
    char dir[512];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
    int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (in < 0 || inotify_add_watch(in, slash ? dir : ".", IN_CREATE | IN_MOVED_TO) < 0) {
        if (in >= 0)
            close(in);
        return -1;
    }
    double deadline = now_s() + 10;
    struct stat st;
    int rc = -1;
    while ((rc = stat(path, &st)) != 0 && now_s() < deadline) {
        struct pollfd pfd = { in, POLLIN, 0 };
        if (poll(&pfd, 1, (int)((deadline - now_s()) * 1e3) + 1) > 0) {
            char ev[4096];
            while (read(in, ev, sizeof(ev)) > 0)
                ;
        }
    }
    close(in);
    return rc ? -1 : 0;
}

static int same_file(const char *path, const uint8_t *file, size_t len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    uint8_t *got = malloc(len + 1);
    size_t n = got ? fread(got, 1, len + 1, f) : 0;
    fclose(f);
    /* rx keeps whole blocks: both files are multiples of 1024, nothing is added */
    int same = n == len && memcmp(got, file, len) == 0;
    free(got);
    return same;
}

/* sx from exec until rx has exited: rx exits once it has ACKed the EOT
 * and closed the file.  sx's own exit cannot be the mark here: rx flushes
 * its terminal as it exits, which on a PTY can discard the EOT's ACK before
 * socat has read it, and sx then waits for an ACK that never comes (it is
 * killed once rx is done).  *sx_ok says whether sx saw the ACK. */
static int rx_round(const char *dir, const char *pkg, const uint8_t *file, size_t len, double *secs, int *sx_ok)
{
    char a[512], b[512], pa[600], pb[600], out[64], outpath[600];
    snprintf(a, sizeof(a), "%s/socat-a.pty", dir);
    snprintf(b, sizeof(b), "%s/socat-b.pty", dir);
    snprintf(pa, sizeof(pa), "pty,raw,echo=0,link=%s", a);
    snprintf(pb, sizeof(pb), "pty,raw,echo=0,link=%s", b);
    snprintf(out, sizeof(out), "rx-%zu.bin", len);
    snprintf(outpath, sizeof(outpath), "%s/%s", dir, out);
    unlink(a);
    unlink(b);
    const char *const socat[] = { "socat", pa, pb, NULL };
    pid_t sp = spawn_on_tty(NULL, NULL, socat);
    int rc = -1, afd = -1;
    pid_t rp = -1, xp = -1;
    *sx_ok = 0;
    if (sp < 0 || wait_exists(a) || wait_exists(b))
        goto out;
    const char *const rx[] = { "rx", "-X", "-c", "-q", out, NULL };
    rp = spawn_on_tty(b, dir, rx);
    afd = open(a, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (rp < 0 || afd < 0 || wait_pending(afd))
        goto out;
    const char *const sx[] = { "sx", "-k", "-q", pkg, NULL };
    double t0 = now_s();
    xp = spawn_on_tty(a, NULL, sx);
    int st = xp > 0 ? wait_exit(rp, RX_TIMEOUT_S) : -1;
    *secs = now_s() - t0;
    rp = -1;
    if (st == 0 && same_file(outpath, file, len))
        rc = 0;
    /* sx has had the ACK by now if it is going to get it */
    *sx_ok = wait_exit(xp, 1) == 0;
    xp = -1;
out:
    if (rc)
        fprintf(stderr, "bench_foat: rx over socat did not get the file\n");
    pid_t left[] = { rp, xp };
    for (int i = 0; i < 2; i++)
        if (left[i] > 0) {
            kill(left[i], SIGKILL);
            waitpid(left[i], NULL, 0);
        }
    if (afd >= 0)
        close(afd);
    if (sp > 0) {
        kill(sp, SIGTERM);
        waitpid(sp, NULL, 0);
    }
    unlink(outpath);
    return rc;
}

/* ---- pacing on the simulated clock ---- */

typedef struct paced {
    clk clock;
    modem *m;
    bytebuf out; /* module -> host, not yet read */
} paced;

typedef struct pacing_fig {
    double sim_s;            /* first block sent -> EOT ACK received */
    double wire_s;           /* (host_bytes + module_bytes) * 10 / RATE */
    uint64_t host_bytes;     /* frames (resends included) and EOT */
    uint64_t module_bytes;   /* ACKs and anything else the module sent meanwhile */
    uint64_t frames, resends;
    double update_s;         /* ONGOING -> "+UFWUPD: 128" */
    double wall_s;
} pacing_fig;

static void paced_sink(void *ctx, int port, const uint8_t *p, size_t n)
{
    paced *pc = ctx;
    if (port == 0)
        bytebuf_append(&pc->out, p, n);
}

static int paced_advance(paced *pc, sim_ns other, sim_ns limit)
{
    sim_ns due = clk_next_due(&pc->clock);
    if (other < due)
        due = other;
    if (due == SIM_NEVER || due > limit)
        return -1;
    clk_advance(&pc->clock, due);
    return 0;
}

/* Run the clock until `want` has come; everything up to it is consumed. */
static int paced_expect(paced *pc, const char *want, sim_ns limit)
{
    size_t wl = strlen(want);
    for (;;) {
        for (size_t i = 0; i + wl <= pc->out.len; i++)
            if (memcmp(pc->out.data + i, want, wl) == 0) {
                bytebuf_consume(&pc->out, i + wl);
                return 0;
            }
        if (paced_advance(pc, SIM_NEVER, limit))
            return -1;
    }
}

/* The update up to ONGOING, on the virtual clock, with pacing. */
static int paced_enter_update(paced *pc, sim_ns boot_ns)
{
    modem_set_host_rate(pc->m, 0, 115200);
    modem_power_on(pc->m);
    clk_advance(&pc->clock, clk_now(&pc->clock) + boot_ns);
    modem_host_write(pc->m, 0, (const uint8_t *)"ATE0\r", 5); /* autobaud locks on "AT" */
    if (paced_expect(pc, "OK\r\n", SIM_S(60)))
        return -1;
    const char *cmd = "AT+UFWUPD=1,921600\r";
    modem_host_write(pc->m, 0, (const uint8_t *)cmd, strlen(cmd));
    while (modem_get_power(pc->m) != MODEM_FWUPDATE)
        if (paced_advance(pc, SIM_NEVER, SIM_S(120)))
            return -1;
    modem_set_host_rate(pc->m, 0, RATE);
    return paced_expect(pc, "\r\n+UFWUPD: ONGOING\r\n", SIM_S(120));
}

/* xmodem_tx against the modem until the sender ends.  The span starts when
 * the sender hands block 1 to the UART and ends when the EOT's ACK has
 * reached it; every byte either side puts on the wire in that span counts. */
static int paced_transfer(paced *pc, xmodem_tx *tx, pacing_fig *f)
{
    xmodem_out xo;
    xmodem_out_init(&xo);
    sim_ns t_first = SIM_NEVER, limit = clk_now(&pc->clock) + SIM_S(3600);
    for (;;) {
        sim_ns now = clk_now(&pc->clock);
        if (pc->out.len) {
            if (t_first != SIM_NEVER)
                f->module_bytes += pc->out.len;
            xmodem_tx_feed(tx, now, pc->out.data, pc->out.len, &xo);
            bytebuf_clear(&pc->out);
        }
        if (xo.tx.len) {
            if (t_first == SIM_NEVER)
                t_first = now;
            f->host_bytes += xo.tx.len;
            modem_host_write(pc->m, 0, xo.tx.data, xo.tx.len);
            xmodem_out_clear(&xo);
        }
        if (xmodem_tx_status(tx) != XMODEM_RUNNING)
            break;
        uint64_t d = xmodem_tx_next_deadline(tx);
        if (paced_advance(pc, d == XMODEM_NEVER ? SIM_NEVER : d, limit))
            break;
        if (clk_now(&pc->clock) >= d)
            xmodem_tx_tick(tx, clk_now(&pc->clock), &xo);
    }
    xmodem_out_free(&xo);
    if (xmodem_tx_status(tx) != XMODEM_DONE || t_first == SIM_NEVER) {
        fprintf(stderr, "bench_foat: paced sender %s (%s) after %llu blocks at %.3f s\n",
                xmodem_status_name(xmodem_tx_status(tx)), xmodem_reason_name(xmodem_tx_reason(tx)),
                (unsigned long long)xmodem_tx_stats_of(tx)->blocks, (double)clk_now(&pc->clock) / 1e9);
        return -1;
    }
    f->sim_s = (double)(clk_now(&pc->clock) - t_first) / 1e9;
    f->wire_s = (double)(f->host_bytes + f->module_bytes) * 10.0 / RATE;
    f->frames = xmodem_tx_stats_of(tx)->frames;
    f->resends = xmodem_tx_stats_of(tx)->resends;
    return 0;
}

/* A modem on a virtual clock, in Firmware Update Mode at RATE, its
 * "+UFWUPD: ONGOING" read (the 'C' after it is still in pc->out). */
static int paced_open(paced *pc, int pacing)
{
    memset(pc, 0, sizeof(*pc));
    clk_init(&pc->clock, 0);
    bytebuf_init(&pc->out);
    modem_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    device_cfg_default(&cfg.dev);
    cfg.pacing = pacing;
    modem_io io = { paced_sink, NULL, pc, NULL };
    if (modem_create(&pc->m, &pc->clock, &cfg, &io, NULL, 0))
        return -1;
    return paced_enter_update(pc, cfg.dev.timing[TIM_BOOT]);
}

static void paced_close(paced *pc)
{
    modem_destroy(pc->m);
    clk_free(&pc->clock);
    bytebuf_free(&pc->out);
}

static int bench_pacing(const uint8_t *file, pacing_fig *f)
{
    memset(f, 0, sizeof(*f));
    double wall0 = now_s();
    paced pc;
    xmodem_tx tx;
    xmodem_tx_config tcfg;
    xmodem_tx_config_default(&tcfg);
    tcfg.block_size = 1024; /* sx -k */
    tcfg.tail_128 = 1;
    int rc = -1, have_tx = 0;
    if (paced_open(&pc, 1))
        goto out;
    if (xmodem_tx_init(&tx, &tcfg, file, PKG_SIZE))
        goto out;
    have_tx = 1;
    sim_ns t_ongoing = clk_now(&pc.clock);
    xmodem_tx_start(&tx, t_ongoing);
    if (paced_transfer(&pc, &tx, f))
        goto out;
    /* the module accepted it: validation, install, 128 */
    rc = paced_expect(&pc, "\r\n+UFWUPD: 128\r\n", clk_now(&pc.clock) + SIM_S(600));
    f->update_s = (double)(clk_now(&pc.clock) - t_ongoing) / 1e9;
out:
    if (have_tx)
        xmodem_tx_free(&tx);
    paced_close(&pc);
    f->wall_s = now_s() - wall0;
    return rc;
}

/* ---- the modem core alone ---- */

#define CORE_REPS 7

/* ns of the modem core per 1k block: every frame of the file handed to
 * modem_host_write() of a modem in Firmware Update Mode (pacing off, no
 * I/O, the clock standing still), its ACK counted in the sink; the fastest
 * of CORE_REPS transfers, so another process taking the core spoils one
 * transfer, not the figure.  What sarasim itself computes per block. */
static int bench_core(const uint8_t *file, double *ns_per_block)
{
    enum { BLOCKS = PKG_SIZE / 1024 };
    uint8_t *frames = malloc((size_t)BLOCKS * FRAME_1K);
    if (!frames)
        return -1;
    for (size_t b = 0; b < BLOCKS; b++) {
        uint8_t *fr = frames + b * FRAME_1K;
        fr[0] = XMODEM_STX;
        fr[1] = (uint8_t)(b + 1);
        fr[2] = (uint8_t)~fr[1];
        memcpy(fr + 3, file + b * 1024, 1024);
        uint16_t crc = xmodem_crc16(0, fr + 3, 1024);
        fr[1027] = (uint8_t)(crc >> 8);
        fr[1028] = (uint8_t)crc;
    }
    int rc = 0;
    *ns_per_block = 1e18;
    for (int rep = 0; rep < CORE_REPS && !rc; rep++) {
        paced pc;
        if (paced_open(&pc, 0)) {
            rc = -1;
        } else {
            bytebuf_clear(&pc.out); /* the first 'C' */
            double t0 = now_s();
            for (size_t b = 0; b < BLOCKS; b++)
                modem_host_write(pc.m, 0, frames + b * FRAME_1K, FRAME_1K);
            double t = now_s() - t0;
            /* every frame ACKed, nothing else said */
            size_t acks = 0;
            for (size_t i = 0; i < pc.out.len; i++)
                acks += pc.out.data[i] == XMODEM_ACK;
            if (acks != BLOCKS || pc.out.len != BLOCKS)
                rc = -1;
            if (t * 1e9 / BLOCKS < *ns_per_block)
                *ns_per_block = t * 1e9 / BLOCKS;
        }
        paced_close(&pc);
    }
    free(frames);
    return rc;
}

/* ---- main ---- */

static double min_of(const double *v, int n)
{
    double m = v[0];
    for (int i = 1; i < n; i++)
        m = v[i] < m ? v[i] : m;
    return m;
}

static double max_of(const double *v, int n)
{
    double m = v[0];
    for (int i = 1; i < n; i++)
        m = v[i] > m ? v[i] : m;
    return m;
}

static void print_times(const char *name, const double *v, int n)
{
    double m = median(v, n);
    printf("  %-34s median %7.1f ms  %6.2f MB/s   (%.1f..%.1f ms)\n", name, m * 1e3, mbps(m), min_of(v, n) * 1e3,
           max_of(v, n) * 1e3);
}

static void print_ratio(const char *name, const double *v, int n, const char *goal, int met)
{
    printf("  %-34s median x%.3f  (x%.3f..x%.3f)  goal %s: %s\n", name, median(v, n), min_of(v, n), max_of(v, n),
           goal, met ? "met" : "MISSED");
}

/* What every round works on. */
typedef struct setup {
    const char *dir;
    char pkg[600];   /* the 4.5 MiB package */
    char small[600]; /* its first 1024 bytes: rx's fixed cost */
    bytebuf file;
    int has_rx;
} setup;

typedef struct runs {
    double sim[64], bare[64], bare_xfer[64], rx[64], rx1[64];
    double sim_cpu[64], bare_cpu[64];
    double r_bare[64], r_rx[64], r_rx_net[64];
    int acks_lost;
} runs;

/* One round of each, one after the other (sarasim and bare swap places
 * every round, so neither always runs right after the other's work);
 * round < 0 is the warm-up. */
static int one_round(simproc *s, const setup *su, int round, runs *r)
{
    double ts, tb, tbx, cs, cb, tr = 0, tr1 = 0;
    int sx_ok = 0, sx1_ok = 0;
    int bare_first = round % 2 != 0;
    if ((bare_first && bare_round(su->dir, su->pkg, su->file.data, &tb, &tbx, &cb)) ||
        sarasim_round(s, su->pkg, &ts, &cs) ||
        (!bare_first && bare_round(su->dir, su->pkg, su->file.data, &tb, &tbx, &cb)))
        return -1;
    if (su->has_rx && (rx_round(su->dir, su->pkg, su->file.data, PKG_SIZE, &tr, &sx_ok) ||
                       rx_round(su->dir, su->small, su->file.data, 1024, &tr1, &sx1_ok)))
        return -1;
    if (round < 0)
        return 0;
    r->sim[round] = ts;
    r->bare[round] = tb;
    r->bare_xfer[round] = tbx;
    r->sim_cpu[round] = cs;
    r->bare_cpu[round] = cb;
    r->r_bare[round] = ts / tb;
    printf("  round %d: sarasim %6.1f ms (cpu %5.1f)  bare %6.1f ms (cpu %5.1f, first block->EOT ACK %6.1f)",
           round + 1, ts * 1e3, cs * 1e3, tb * 1e3, cb * 1e3, tbx * 1e3);
    if (su->has_rx) {
        r->rx[round] = tr;
        r->rx1[round] = tr1;
        r->r_rx[round] = ts / tr;
        r->r_rx_net[round] = ts / (tr - tr1);
        r->acks_lost += !sx_ok;
        printf("  rx %6.1f ms (1 block %6.1f)", tr * 1e3, tr1 * 1e3);
    }
    printf("\n");
    fflush(stdout);
    return 0;
}

static int bench_pty(const setup *su, int rounds)
{
    simproc s;
    runs r;
    memset(&r, 0, sizeof(r));
    int rc = -1;
    if (sarasim_boot(&s)) {
        fprintf(stderr, "bench_foat: cannot start sarasim\n");
        goto out;
    }
    printf("over PTYs, sender sx -k, %d rounds after one warm-up:\n", rounds);
    if (one_round(&s, su, -1, &r))
        goto out;
    for (int i = 0; i < rounds; i++)
        if (one_round(&s, su, i, &r))
            goto out;
    print_times("sarasim, pacing off (sx exit)", r.sim, rounds);
    print_times("bare receiver (sx exit)", r.bare, rounds);
    print_times("  bare: first block -> EOT ACK", r.bare_xfer, rounds);
    printf("  %-34s median sarasim %.1f ms, bare %.1f ms (%.2f us / %.2f us per block)\n", "receiver CPU time",
           median(r.sim_cpu, rounds) * 1e3, median(r.bare_cpu, rounds) * 1e3,
           median(r.sim_cpu, rounds) * 1e6 / (PKG_SIZE / 1024), median(r.bare_cpu, rounds) * 1e6 / (PKG_SIZE / 1024));
    if (su->has_rx) {
        print_times("rx over socat (rx exit)", r.rx, rounds);
        printf("  %-34s median %7.1f ms   (its wait after the EOT; sx saw the EOT's ACK in %d of %d rounds)\n",
               "rx, 1 block", median(r.rx1, rounds) * 1e3, rounds - r.acks_lost, rounds);
    }
    double mb = median(r.r_bare, rounds);
    print_ratio("sarasim / bare", r.r_bare, rounds, "<= x1.25", mb <= 1.25);
    if (su->has_rx) {
        print_ratio("sarasim / rx", r.r_rx, rounds, "< x1", median(r.r_rx, rounds) < 1.0);
        print_ratio("sarasim / (rx - rx 1 block)", r.r_rx_net, rounds, "< x1", median(r.r_rx_net, rounds) < 1.0);
    }
    rc = 0;
out:
    simproc_cleanup(&s);
    return rc;
}

static int write_file(const char *path, const uint8_t *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int ok = fwrite(p, 1, n, f) == n;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* A full package of exactly PKG_SIZE bytes (protocol/package.h), on disk
 * for sx, and its first block on its own. */
static int make_package(setup *su)
{
    pkg_spec spec = { .kind = PKG_KIND_FULL, .product = "SARA-R510M8S-01B", .to = "03.16,A00.01",
                      .package_size = PKG_SIZE, .seed = 4242 };
    if (pkg_build(&spec, &su->file) || su->file.len != PKG_SIZE)
        return -1;
    snprintf(su->pkg, sizeof(su->pkg), "%s/fw-4.5MiB.upd", su->dir);
    snprintf(su->small, sizeof(su->small), "%s/fw-1k.bin", su->dir);
    return write_file(su->pkg, su->file.data, PKG_SIZE) || write_file(su->small, su->file.data, 1024) ? -1 : 0;
}

int main(int argc, char **argv)
{
    int rounds = 7, pacing_only = 0, no_rx = 0;
    for (int opt; (opt = getopt(argc, argv, "r:px")) != -1;) {
        if (opt == 'r')
            rounds = atoi(optarg);
        else if (opt == 'p')
            pacing_only = 1;
        else if (opt == 'x')
            no_rx = 1;
        else {
            fprintf(stderr, "usage: bench_foat [-r ROUNDS] [-p] [-x]\n");
            return 2;
        }
    }
    if (rounds < 1 || rounds > 64)
        rounds = 7;
    signal(SIGPIPE, SIG_IGN);
    if (!pacing_only && !on_path("sx")) {
        fprintf(stderr, "bench_foat: needs lrzsz's sx (tools/deps.sh test)\n");
        return 1;
    }
    char dir[] = "/tmp/sarasim-bench-foat-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    setup su;
    memset(&su, 0, sizeof(su));
    su.dir = dir;
    su.has_rx = !no_rx && on_path("rx") && on_path("socat");
    bytebuf_init(&su.file);
    int rc = 1;
    if (make_package(&su)) {
        fprintf(stderr, "bench_foat: cannot build the package\n");
        goto out;
    }
    double load[3] = { 0, 0, 0 };
    if (getloadavg(load, 3) < 0)
        load[0] = -1;
    printf("foat: full package of %u bytes (4.5 MiB, %u 1k blocks), +UFWUPD at %u baud, load %.2f\n", PKG_SIZE,
           PKG_SIZE / 1024, RATE, load[0]);
    if (!pacing_only && !su.has_rx)
        printf("  (%s: the rx comparison is skipped)\n", no_rx ? "-x" : "rx or socat not installed");
    if (!pacing_only && bench_pty(&su, rounds))
        goto out;
    double core_ns;
    if (bench_core(su.file.data, &core_ns)) {
        fprintf(stderr, "bench_foat: the in-memory transfer failed\n");
        goto out;
    }
    printf("modem core alone: %.2f us per 1k block received, checked, stored and ACKed (%.1f ms for the file)\n",
           core_ns / 1e3, core_ns * (PKG_SIZE / 1024) / 1e6);
    pacing_fig f;
    if (bench_pacing(su.file.data, &f)) {
        fprintf(stderr, "bench_foat: the paced transfer did not complete\n");
        goto out;
    }
    double err = (f.sim_s - f.wire_s) / f.wire_s * 100.0;
    int met = err > -2.0 && err < 2.0;
    printf("pacing at %u baud (in-memory modem, xmodem_tx as the host, virtual clock):\n", RATE);
    printf("  on the wire: host %llu bytes (%llu frames, %llu resends, EOT), module %llu bytes (ACKs)\n",
           (unsigned long long)f.host_bytes, (unsigned long long)f.frames, (unsigned long long)f.resends,
           (unsigned long long)f.module_bytes);
    printf("  wire time %.6f s, simulated first block -> EOT ACK %.6f s, error %+.4f %% (goal within 2 %%): %s\n",
           f.wire_s, f.sim_s, err, met ? "met" : "MISSED");
    printf("  (the whole update, ONGOING to +UFWUPD: 128, %.1f s simulated, ran in %.2f s of wall time)\n",
           f.update_s, f.wall_s);
    rc = met ? 0 : 1;
out:
    bytebuf_free(&su.file);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd)) {
        /* a leftover temp dir is harmless */
    }
    return rc;
}
