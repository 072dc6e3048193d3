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
 * ONGOING line. */
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
    char cmd[1024];
    snprintf(cmd, sizeof(cmd),
             "%s create --kind full --product SARA-R510M8S-01B --to '%s' --size %zu -o %s > /dev/null", SARASIM_PKG_BIN,
             to, bytes, path);
    ck_assert_int_eq(system(cmd), 0);
}

/* Run a sender with the PTY as its stdin/stdout (lrzsz) or as argument. */
static pid_t spawn_sender(const char *const *argv, int stdio_on_pty)
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
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 2);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

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

static void boot(void)
{
    ck_assert_msg(simproc_start(&S, fast) == 0, "sarasim did not start");
    ck_assert_int_eq(host_open(&S, 115200), 0);
    ck_assert_msg(host_wait_ready(&S, 10000) == 0, "no answer");
    host_send(&S, "ATE0\r");
    ck_assert_int_eq(host_expect(&S, "OK\r\n", T), 0);
}

/* A host switches its UART only once the command has left it (tcdrain on a
 * real port).  A PTY has no wire to drain: termios changes take effect at
 * once, even for bytes the simulator has not read yet, so the test waits
 * until the module has taken the line (it is in Firmware Update Mode). */
static void start_update(unsigned rate)
{
    char line[64];
    snprintf(line, sizeof(line), "AT+UFWUPD=1,%u\r", rate);
    host_send(&S, line);
    int in_mode = 0;
    for (int i = 0; i < 500 && !in_mode; i++) {
        char *st = simproc_ctl(&S, "{\"cmd\":\"state\"}");
        in_mode = st && strstr(st, "\"power\":\"FWUPDATE\"") != NULL;
        free(st);
    }
    ck_assert_msg(in_mode, "the module never took AT+UFWUPD");
    ck_assert_int_eq(host_set_baud(&S, rate), 0);
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

START_TEST(lrzsz_sx_started_before_ongoing_sees_the_g)
{
    boot();
    char pkg[512];
    make_pkg(pkg, sizeof(pkg), "03.16,A00.01", 30000);
    start_update(460800);
    /* sx is listening before the module restarts: it reads "+UFWUPD: ONGOING"
     * and starts block 1 on its 'G' */
    const char *const argv[] = { "sx", "-k", "-q", pkg, NULL };
    pid_t pid = spawn_sender(argv, 1);
    ck_assert_int_eq(wait_sender(pid), 0);
    expect_installed();
    simproc_cleanup(&S);
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
