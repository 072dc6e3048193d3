/* test_foat_pty.c - FOAT against real Xmodem senders over sarasim's PTY
 * (app note §4.2 Table 7): lrzsz's sx (128-byte and 1k blocks) and
 * python3-xmodem, each at the rate given to +UFWUPD, the update completes
 * and the module runs the new firmware.  --time-scale 20 keeps the 109 s
 * handshake and the install short; the senders' own timeouts are wall time
 * and never reached when things work.
 *
 * Host facts (fact sheet §8.2): sx discards everything until it sees NAK,
 * 'C' or 'G', so it may start on the 'G' of "+UFWUPD: ONGOING"; the module
 * copes (the block arrives after its first 'C' and is accepted; sx's resend
 * on that 'C' is ACKed as a duplicate).  python3-xmodem counts any other
 * byte as an error at start and gives up after 16: it must start after the
 * ONGOING line.
 *
 * The module's clock is frozen while the host switches its rate (and, for
 * the 'G' test, until sx is reading), so what the senders see does not
 * depend on how fast this machine is (ptyhost.h, host_start_fwupdate). */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "peers.h"
#include "ptyhost.h"

#define T 5000
#ifndef SARASIM_SRC_DIR
#define SARASIM_SRC_DIR "."
#endif

static simproc S;
static const char *const fast[] = { "--boot-time", "2s", "--time-scale", "20", NULL };

static void make_pkg(char *path, size_t size, const char *to, size_t bytes)
{
    snprintf(path, size, "%s/pkg-%s.upd", S.dir, to);
    ck_assert_int_eq(peer_package_create(path, "full", NULL, to, bytes), 0);
}

/* Run a sender with the PTY as its stdin/stdout (lrzsz) or as argument;
 * its stderr goes to err_fd, or nowhere when -1. */
static pid_t spawn_sender_err(const char *const *argv, int stdio_on_pty, int err_fd)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (stdio_on_pty) {
            int fd = open(S.link, O_RDWR | O_NOCTTY);
            if (fd < 0)
                _exit(126);
            dup2(fd, 0);
            dup2(fd, 1);
            close(fd);
        }
        dup2(err_fd >= 0 ? err_fd : open("/dev/null", O_WRONLY), 2);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

static pid_t spawn_sender(const char *const *argv, int stdio_on_pty) { return spawn_sender_err(argv, stdio_on_pty, -1); }

/* The sender's exit status; a sender still running after 60 s has hung:
 * killed, -1.  (A pidfd becomes readable when the process exits.) */
static int wait_sender(pid_t pid)
{
    int st = 0;
    int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    struct pollfd p = { pfd, POLLIN, 0 };
    int exited = pfd >= 0 && poll(&p, 1, 60000) == 1;
    if (pfd >= 0)
        close(pfd);
    if (!exited)
        kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    if (!exited)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void boot_with(const char *const *args)
{
    ck_assert_msg(simproc_start(&S, args) == 0, "sarasim did not start");
    ck_assert_int_eq(host_open(&S, 115200), 0);
    ck_assert_msg(host_wait_ready(&S, 10000) == 0, "no answer");
    host_send(&S, "ATE0\r");
    ck_assert_int_eq(host_expect(&S, "OK\r\n", T), 0);
}

static void boot(void) { boot_with(fast); }

/* AT+UFWUPD=1,<rate>; the host switches to <rate> once the module has taken
 * the command, then lets the module's clock run: ONGOING and the first 'C'
 * come at the host's new rate (ptyhost.h, host_start_fwupdate). */
static void start_update(unsigned rate)
{
    ck_assert_msg(host_start_fwupdate(&S, rate, 20000) == 0, "the module never took AT+UFWUPD");
    ck_assert_int_eq(simproc_set_time_scale(&S, "20"), 0);
}

/* After the transfer: validation, install, 128, the new firmware answers. */
static void expect_installed(void)
{
    ck_assert_msg(host_expect(&S, "\r\n+UFWPREVAL: 0\r\n", 20000) == 0, "no validation");
    ck_assert_msg(host_expect(&S, "\r\n+UFWUPD: 128\r\n", 60000) == 0, "no +UFWUPD: 128");
    ck_assert_int_eq(host_set_baud(&S, 115200), 0);
    ck_assert_msg(host_wait_ready(&S, 20000) == 0, "the new firmware does not answer");
    host_send(&S, "ATE0\r");
    ck_assert_int_eq(host_expect(&S, "OK\r\n", T), 0);
    char *r = host_cmd(&S, "ATI9\r", T);
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(r, "\r\n03.16,A00.01\r\n\r\nOK\r\n");
    free(r);
}

START_TEST(lrzsz_sx_1k_at_460800)
{
    boot();
    char pkg[512];
    make_pkg(pkg, sizeof(pkg), "03.16,A00.01", 150000);
    start_update(460800);
    ck_assert_int_eq(host_expect(&S, "\r\n+UFWUPD: ONGOING\r\n", 20000), 0);
    const char *const argv[] = { "sx", "-k", "-q", pkg, NULL };
    ck_assert_int_eq(wait_sender(spawn_sender(argv, 1)), 0);
    expect_installed();
    simproc_cleanup(&S);
}
END_TEST

START_TEST(lrzsz_sx_128_at_115200)
{
    boot();
    char pkg[512];
    make_pkg(pkg, sizeof(pkg), "03.16,A00.01", 40000);
    start_update(115200);
    ck_assert_int_eq(host_expect(&S, "\r\n+UFWUPD: ONGOING\r\n", 20000), 0);
    const char *const argv[] = { "sx", "-q", pkg, NULL };
    ck_assert_int_eq(wait_sender(spawn_sender(argv, 1)), 0);
    expect_installed();
    simproc_cleanup(&S);
}
END_TEST

/* Read from fd until `want` has come (bounded by T ms): 0, or -1. */
static int read_until(int fd, const char *want)
{
    char seen[4096];
    size_t got = 0;
    struct pollfd p = { fd, POLLIN, 0 };
    while (got < sizeof(seen) - 1 && poll(&p, 1, T) == 1) {
        ssize_t r = read(fd, seen + got, sizeof(seen) - 1 - got);
        if (r <= 0)
            return -1;
        got += (size_t)r;
        seen[got] = 0;
        if (strstr(seen, want))
            return 0;
    }
    return -1;
}

/* Append the bytes of a trace payload (a C string literal without its
 * quotes, as sim/trace.c writes it) to out. */
static void unescape_payload(const char *p, bytebuf *out)
{
    for (; *p && *p != '"'; p++) {
        if (*p != '\\') {
            bytebuf_append_byte(out, (uint8_t)*p);
            continue;
        }
        switch (*++p) {
        case 'r': bytebuf_append_byte(out, '\r'); break;
        case 'n': bytebuf_append_byte(out, '\n'); break;
        case 't': bytebuf_append_byte(out, '\t'); break;
        case 'x': {
            char hex[3] = { p[1], p[1] ? p[2] : 0, 0 };
            bytebuf_append_byte(out, (uint8_t)strtoul(hex, NULL, 16));
            p += 2;
            break;
        }
        default: bytebuf_append_byte(out, (uint8_t)*p); break;
        }
    }
}

/* What the module's trace says about the start of the transfer: how many
 * 'C's it sent after "+UFWUPD: ONGOING" before the first byte of a block
 * arrived, and the host's bytes from that first block on. */
typedef struct xfer_start {
    int cs_before_block;
    bytebuf rx; /* RX bytes from the first STX on */
} xfer_start;

static void read_xfer_start(const char *trace, xfer_start *x)
{
    FILE *f = fopen(trace, "r");
    ck_assert_ptr_nonnull(f);
    x->cs_before_block = 0;
    bytebuf_init(&x->rx);
    int ongoing = 0, in_block = 0;
    char *line = NULL;
    size_t cap = 0;
    bytebuf b;
    bytebuf_init(&b);
    while (getline(&line, &cap, f) > 0) {
        const char *tx = strstr(line, " TX 0 \""), *rx = strstr(line, " RX 0 \"");
        if (!tx && !rx)
            continue;
        bytebuf_clear(&b);
        unescape_payload((tx ? tx : rx) + 7, &b);
        if (tx && !in_block) {
            size_t from = 0;
            const uint8_t *g = memmem(b.data, b.len, "+UFWUPD: ONGOING\r\n", 18);
            if (g) {
                ongoing = 1;
                from = (size_t)(g - b.data) + 18;
            }
            for (size_t i = from; ongoing && i < b.len; i++)
                x->cs_before_block += b.data[i] == 'C';
        } else if (rx && ongoing) {
            const uint8_t *stx = in_block ? b.data : memchr(b.data, 0x02, b.len);
            if (stx) {
                in_block = 1;
                bytebuf_append(&x->rx, stx, b.len - (size_t)(stx - b.data));
            }
        }
    }
    free(line);
    bytebuf_free(&b);
    fclose(f);
}

/* sx reads "+UFWUPD: ONGOING" and starts block 1 on its 'G' (docs/foat.md):
 * the 'C' that follows it is, to sx, a NAK of block 1, so sx sends block 1
 * a second time and the module ACKs it as a duplicate.  Proven from the
 * module's trace: one 'C' only before the first block, and the first two
 * frames the module received are both block 1.  A sender that started on
 * the 'C' instead sends block 1 once; one that started on a later 'C'
 * shows more than one.  Made certain, not likely: the module's clock stays
 * frozen until sx is reading the PTY, and runs in real time until sx is
 * done. */
START_TEST(lrzsz_sx_started_before_ongoing_sees_the_g)
{
    char trace[] = "/tmp/sarasim-g-trace-XXXXXX";
    int tfd = mkstemp(trace);
    ck_assert_int_ge(tfd, 0);
    close(tfd);
    const char *const args[] = { "--boot-time", "2s", "--time-scale", "20", "--trace", trace, NULL };
    boot_with(args);
    char pkg[512];
    make_pkg(pkg, sizeof(pkg), "03.16,A00.01", 30000);
    ck_assert_msg(host_start_fwupdate(&S, 460800, 20000) == 0, "the module never took AT+UFWUPD");
    /* sx prints its prompt to stderr right before it first reads the PTY
     * (it never flushes the PTY's input): from then on it sees every byte */
    int err[2];
    ck_assert_int_eq(pipe(err), 0);
    const char *const argv[] = { "sx", "-k", "-q", pkg, NULL };
    pid_t pid = spawn_sender_err(argv, 1, err[1]);
    close(err[1]);
    ck_assert_msg(read_until(err[0], "receive command now") == 0, "sx never got ready");
    /* Real time for the handshake: sx has the 3 s between two 'C's to answer
     * the G with block 1, however busy the machine (at 20x it had 150 ms,
     * and a loaded machine let a second 'C' out first).  Fast again for the
     * install once sx is done. */
    ck_assert_int_eq(simproc_set_time_scale(&S, "1"), 0);
    ck_assert_int_eq(wait_sender(pid), 0);
    close(err[0]);
    ck_assert_int_eq(simproc_set_time_scale(&S, "50"), 0);
    expect_installed();
    ck_assert_int_eq(simproc_kill(&S, SIGTERM), 0); /* the trace is complete */
    simproc_cleanup(&S);

    xfer_start x;
    read_xfer_start(trace, &x);
    unlink(trace);
    enum { FRAME = 3 + 1024 + 2 };
    ck_assert_int_eq(x.cs_before_block, 1);
    ck_assert_uint_ge(x.rx.len, 2 * FRAME);
    ck_assert_msg(memcmp(x.rx.data, "\x02\x01\xfe", 3) == 0, "the first frame is not block 1");
    ck_assert_msg(memcmp(x.rx.data, x.rx.data + FRAME, FRAME) == 0,
                  "block 1 was sent once: sx did not start on the G");
    bytebuf_free(&x.rx);
}
END_TEST

START_TEST(python3_xmodem_1k_at_921600)
{
    boot();
    char pkg[512];
    make_pkg(pkg, sizeof(pkg), "03.16,A00.01", 100000);
    start_update(921600);
    ck_assert_int_eq(host_expect(&S, "\r\n+UFWUPD: ONGOING\r\n", 20000), 0);
    const char *const argv[] = { "/usr/bin/python3", SARASIM_SRC_DIR "/tests/integration/pyxmodem_send.py", S.link,
                                 pkg, "xmodem1k", NULL };
    ck_assert_int_eq(wait_sender(spawn_sender(argv, 0)), 0);
    expect_installed();
    simproc_cleanup(&S);
}
END_TEST

START_TEST(python3_xmodem_128_checksum_after_the_cs)
{
    boot();
    char pkg[512];
    make_pkg(pkg, sizeof(pkg), "03.16,A00.01", 20000);
    start_update(460800);
    ck_assert_int_eq(host_expect(&S, "\r\n+UFWUPD: ONGOING\r\n", 20000), 0);
    /* the host starts late, in the NAK phase: the module falls back to the
     * 8-bit checksum (app note §4.1) and python's sender follows the NAK */
    ck_assert_int_eq(host_expect(&S, "\x15", 20000), 0);
    const char *const argv[] = { "/usr/bin/python3", SARASIM_SRC_DIR "/tests/integration/pyxmodem_send.py", S.link,
                                 pkg, "xmodem", NULL };
    ck_assert_int_eq(wait_sender(spawn_sender(argv, 0)), 0);
    expect_installed();
    simproc_cleanup(&S);
}
END_TEST

static Suite *foat_suite(void)
{
    Suite *s = suite_create("foat_pty");
    TCase *t = tcase_create("senders");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, lrzsz_sx_1k_at_460800);
    tcase_add_test(t, lrzsz_sx_128_at_115200);
    tcase_add_test(t, lrzsz_sx_started_before_ongoing_sees_the_g);
    tcase_add_test(t, python3_xmodem_1k_at_921600);
    tcase_add_test(t, python3_xmodem_128_checksum_after_the_cs);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(foat_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
