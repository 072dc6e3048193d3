/* test_pty.c - sarasim as a host application sees it: a real process, its
 * PTY opened like a UART, the bring-up sequences of ubxlib and SparkFun
 * replayed byte for byte (fact sheet §3.1, §3.2), reboots, power cuts, port
 * reopening, baud mismatch, the control socket and the trace file.
 *
 * Timeouts below only bound a failing test: every wait ends as soon as the
 * expected bytes arrive.  Simulated time is frozen through the control
 * socket (SIM_FROZEN) while byte exactness depends on it not passing (no
 * registration URC can race the replay, however loaded the machine), and
 * is sped up when a test needs simulated time to pass. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ptyhost.h"
#include "protocol/bytebuf.h"
#include "sim/trace.h"

#define T 3000 /* ms: failure bound for one exchange */

static simproc S;
static const char *const slow[] = { "--boot-time", "100ms", NULL };

static void start(const char *const *extra)
{
    ck_assert_msg(simproc_start(&S, extra) == 0, "sarasim did not start: %s", S.startline);
}

static void stop(void) { simproc_cleanup(&S); }

static const char *escaped(const bytebuf *b)
{
    static bytebuf e;
    bytebuf_free(&e);
    bytebuf_init(&e);
    trace_escape(&e, b->data, b->len);
    bytebuf_append(&e, "", 0);
    return (const char *)e.data;
}

/* Send `line`, the reply must be exactly `want` (failures name the caller's
 * line: the same exchange appears several times in a test). */
#define xchg(line, want) xchg_at(__LINE__, line, want)
static void xchg_at(int at, const char *line, const char *want)
{
    ck_assert_int_eq(host_send(&S, line), 0);
    int rc = host_expect_exact(&S, want, T);
    if (rc) {
        bytebuf w;
        bytebuf_init(&w);
        bytebuf_append_str(&w, want);
        char wbuf[1024];
        snprintf(wbuf, sizeof(wbuf), "%s", escaped(&w));
        bytebuf_free(&w);
        ck_abort_msg("line %d: after \"%s\": expected \"%s\", got \"%s\"", at, line, wbuf, escaped(&S.rx));
    }
}

static void expect_exact(const char *want)
{
    if (host_expect_exact(&S, want, T))
        ck_abort_msg("expected exactly \"%s\", got \"%s\"", want, escaped(&S.rx));
}

static void ctl_ok(const char *json)
{
    char *r = simproc_ctl(&S, json);
    ck_assert_ptr_nonnull(r);
    ck_assert_msg(strstr(r, "\"ok\":true") != NULL, "%s -> %s", json, r);
    free(r);
}

static void boot_and_open(unsigned baud)
{
    ck_assert_int_eq(host_open(&S, baud), 0);
    ck_assert_msg(host_wait_ready(&S, 10000) == 0, "module never answered AT");
}

/* ---- start-up line and link ---- */

START_TEST(start_line_names_device_and_link)
{
    start(slow);
    ck_assert_msg(strstr(S.startline, "/dev/pts/") && strstr(S.startline, S.link), "%s", S.startline);
    char target[128];
    ssize_t n = readlink(S.link, target, sizeof(target) - 1);
    ck_assert_int_gt(n, 0);
    target[n] = 0;
    ck_assert_msg(strstr(S.startline, target) != NULL, "link -> %s", target);
    /* SIGTERM: exit 0 and the link is gone */
    ck_assert_int_eq(simproc_kill(&S, SIGTERM), 0);
    struct stat st;
    ck_assert_int_eq(lstat(S.link, &st), -1);
    stop();
}
END_TEST

START_TEST(refuses_to_overwrite_a_regular_file_and_replaces_a_stale_link)
{
    start(slow);
    simproc_kill(&S, SIGKILL); /* leaves a stale link behind */
    struct stat st;
    ck_assert_int_eq(lstat(S.link, &st), 0);
    ck_assert_int_eq(simproc_restart(&S, slow), 0); /* stale link replaced */
    simproc_kill(&S, SIGTERM);
    FILE *f = fopen(S.link, "w");
    fputs("precious", f);
    fclose(f);
    ck_assert_int_ne(simproc_restart(&S, slow), 0);
    f = fopen(S.link, "r");
    char buf[16] = "";
    ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
    fclose(f);
    ck_assert_str_eq(buf, "precious");
    stop();
}
END_TEST

/* ---- host library bring-up ---- */

START_TEST(ubxlib_power_on_and_connect_byte_for_byte)
{
    start(slow);
    ck_assert_int_eq(host_open(&S, 115200), 0);
    /* §3.1 step 1: alive check -- the first AT also locks autobauding */
    ck_assert_msg(host_wait_ready(&S, 10000) == 0, "no answer");
    /* the module registers 3 simulated seconds after boot unless +CFUN=4
     * comes first: the replay must not race it */
    ck_assert_int_eq(simproc_set_time_scale(&S, SIM_FROZEN), 0);
    /* the factory profile has echo on */
    xchg("ATE0\r", "ATE0\r\r\nOK\r\n");
    /* step 3: the mandatory list */
    xchg("AT+CMEE=2\r", "\r\nOK\r\n");
    xchg("AT+UDCONF=1,0\r", "\r\nOK\r\n");
    xchg("ATI9\r", "\r\n03.15,A00.01\r\n\r\nOK\r\n");
    xchg("AT&C1\r", "\r\nOK\r\n");
    xchg("AT&D0\r", "\r\nOK\r\n");
    xchg("AT+CGEREP=1\r", "\r\nOK\r\n");
    /* steps 4-10 */
    xchg("AT&K3\r", "\r\nOK\r\n");
    xchg("AT+UPSV=1,1300\r", "\r\nOK\r\n");
    xchg("AT+UPSMR=1\r", "\r\nOK\r\n");
    xchg("AT+CPSMS?\r", "\r\n+CPSMS: 0,,,\"00111000\",\"00001010\"\r\n\r\nOK\r\n");
    xchg("AT+UMNOPROF?\r", "\r\n+UMNOPROF: 90\r\n\r\nOK\r\n");
    xchg("AT+UGPRF?\r", "\r\n+UGPRF: 0,0,\"\"\r\n\r\nOK\r\n");
    xchg("AT+UGPRF=2\r", "\r\nOK\r\n");
    xchg("AT+CEREG?\r", "\r\n+CEREG: 0,2\r\n\r\nOK\r\n");
    xchg("AT+CFUN=4\r", "\r\nOK\r\n");
    /* uCellNetConnect() */
    xchg("AT+CREG=2\r", "\r\nOK\r\n");
    xchg("AT+CGREG=2\r", "\r\nOK\r\n");
    xchg("AT+CEREG=4\r", "\r\nOK\r\n");
    xchg("AT+CIMI\r", "\r\n310410123456789\r\n\r\nOK\r\n");
    xchg("AT+CGDCONT=1,\"IP\",\"\"\r", "\r\nOK\r\n");
    xchg("AT+UAUTHREQ=1,0,\"\",\"\"\r", "\r\nOK\r\n");
    xchg("AT+COPS?\r", "\r\n+COPS: 0\r\n\r\nOK\r\n");
    xchg("AT+CFUN=1\r", "\r\nOK\r\n\r\n+CREG: 2\r\n\r\n+CGREG: 2\r\n\r\n+CEREG: 2\r\n");
    /* let the 3 simulated seconds of registration pass quickly */
    ctl_ok("{\"cmd\":\"set_time_scale\",\"scale\":200}");
    expect_exact("\r\n+CREG: 1,\"E8FE\",\"01A2D001\",7\r\n"
                 "\r\n+CGREG: 1,\"E8FE\",\"01A2D001\",7,\"01\"\r\n"
                 "\r\n+CEREG: 1,\"E8FE\",\"01A2D001\",7\r\n"
                 "\r\n+CGEV: ME PDN ACT 1\r\n");
    ctl_ok("{\"cmd\":\"set_time_scale\",\"scale\":1}");
    xchg("AT+CREG?\r", "\r\n+CREG: 2,1,\"E8FE\",\"01A2D001\",7\r\n\r\nOK\r\n");
    xchg("AT+COPS=3,0\r", "\r\nOK\r\n");
    xchg("AT+COPS?\r", "\r\n+COPS: 0,0,\"AT&T\",7\r\n\r\nOK\r\n");
    xchg("AT+CGATT?\r", "\r\n+CGATT: 1\r\n\r\nOK\r\n");
    xchg("AT+CGACT?\r", "\r\n+CGACT: 1,1\r\n\r\nOK\r\n");
    xchg("AT+UPSD=0,0,0\r", "\r\nOK\r\n");
    xchg("AT+UPSD=0,100,1\r", "\r\nOK\r\n");
    xchg("AT+UPSDA=0,3\r", "\r\nOK\r\n");
    expect_exact("\r\n+UUPSDA: 0,\"10.161.2.18\"\r\n");
    stop();
}
END_TEST

START_TEST(sparkfun_begin_at_9600_byte_for_byte)
{
    start(slow);
    ck_assert_int_eq(host_open(&S, 9600), 0);
    /* begin(): ATE0 until OK (the module is still booting at first) */
    ck_assert_msg(host_poll(&S, "ATE0\r\n", "\nOK\r\n", 10000) == 0, "ATE0 never answered");
    /* the OKs of the polls still in flight are consumed, not waited out */
    ck_assert_int_eq(host_sync(&S, T), 0);
    xchg("AT+UGPIOC=16,2\r\n", "\r\nOK\r\n");
    xchg("AT+UGPIOC=19,22\r\n", "\r\nOK\r\n");
    xchg("AT+CMGF=1\r\n", "\r\nOK\r\n");
    xchg("AT+CTZU=1\r\n", "\r\nOK\r\n");
    for (int sock = 0; sock < 6; sock++) {
        char line[32];
        snprintf(line, sizeof(line), "AT+USOCL=%d,1\r\n", sock);
        xchg(line, "\r\nERROR\r\n"); /* no socket open; SparkFun ignores it */
    }
    /* the identity helpers parse "\r\n%Ns\r\n" */
    xchg("AT+CGMI\r\n", "\r\nu-blox\r\n\r\nOK\r\n");
    xchg("AT+CGMM\r\n", "\r\nSARA-R510M8S\r\n\r\nOK\r\n");
    xchg("AT+CGMR\r\n", "\r\n03.15\r\n\r\nOK\r\n");
    xchg("AT+CGSN\r\n", "\r\n352835100012346\r\n\r\nOK\r\n");
    xchg("AT+CCID\r\n", "\r\n+CCID: 89011703278123456789\r\n\r\nOK\r\n");
    xchg("AT+IPR?\r\n", "\r\n+IPR: 9600\r\n\r\nOK\r\n");
    stop();
}
END_TEST

/* ---- reboots and power ---- */

START_TEST(cfun16_keeps_nvm_and_loses_volatile)
{
    start(slow);
    boot_and_open(115200);
    xchg("ATE0\r", "ATE0\r\r\nOK\r\n");
    xchg("AT+CFUN=4\r", "\r\nOK\r\n");
    xchg("AT+UMNOPROF=100\r", "\r\nOK\r\n");
    xchg("AT+CGDCONT=1,\"IP\",\"iot.test\"\r", "\r\nOK\r\n");
    xchg("AT+CMEE=2;+CEREG=2\r", "\r\nOK\r\n");
    xchg("AT+CFUN=16\r", "\r\nOK\r\n");
    ck_assert_msg(host_wait_ready(&S, 10000) == 0, "no answer after reboot");
    ck_assert_int_eq(simproc_set_time_scale(&S, SIM_FROZEN), 0); /* +CEREG: 0,2 until registered */
    xchg("ATE0\r", "ATE0\r\r\nOK\r\n");
    xchg("AT+UMNOPROF?\r", "\r\n+UMNOPROF: 100\r\n\r\nOK\r\n");
    xchg("AT+CGDCONT?\r", "\r\n+CGDCONT: 1,\"IP\",\"iot.test\",\"0.0.0.0\",0,0,0,0,0,0,0,0,0,0\r\n\r\nOK\r\n");
    xchg("AT+CEREG?\r", "\r\n+CEREG: 0,2\r\n\r\nOK\r\n");
    xchg("AT+CFUN=99\r", "\r\nERROR\r\n"); /* +CMEE is back to 0 */
    stop();
}
END_TEST

START_TEST(power_cut_and_kill9_lose_nothing_stored)
{
    start(slow);
    boot_and_open(115200);
    xchg("ATE0\r", "ATE0\r\r\nOK\r\n");
    xchg("AT+CFUN=4;+UMNOPROF=31;+CSGT=1,\"hello\"\r", "\r\nOK\r\n");
    host_send(&S, "AT+COPS=?\r"); /* a long command, cut in the middle */
    ctl_ok("{\"cmd\":\"power_cut\"}");
    host_send(&S, "AT\r");
    ck_assert_int_eq(host_expect(&S, "OK", 300), -1); /* off: nothing answers */
    ctl_ok("{\"cmd\":\"power_on\"}");
    ck_assert_int_eq(host_wait_ready(&S, 10000), 0);
    xchg("ATE0\r", "ATE0\r\r\nOK\r\n");
    xchg("AT+UMNOPROF?\r", "\r\n+UMNOPROF: 31\r\n\r\nOK\r\n");
    /* kill -9 and a new process on the same state dir */
    simproc_kill(&S, SIGKILL);
    ck_assert_int_eq(simproc_restart(&S, slow), 0);
    ck_assert_int_eq(host_open(&S, 115200), 0);
    ck_assert_int_eq(host_wait_ready(&S, 10000), 0);
    xchg("AT+CSGT?\r", "AT+CSGT?\r\r\n+CSGT: \"hello\",1\r\n\r\nOK\r\n");
    xchg("AT+UMNOPROF?\r", "AT+UMNOPROF?\r\r\n+UMNOPROF: 31\r\n\r\nOK\r\n");
    stop();
}
END_TEST

START_TEST(host_can_close_and_reopen_the_port)
{
    start(slow);
    boot_and_open(115200);
    xchg("ATE0\r", "ATE0\r\r\nOK\r\n");
    xchg("AT+CEREG=1\r", "\r\nOK\r\n");
    ctl_ok("{\"cmd\":\"set_time_scale\",\"scale\":200}");
    expect_exact("\r\n+CEREG: 1\r\n");
    host_close(&S);
    /* output while nobody listens is lost, as on a wire: the +CEREG URC
     * raised now must not greet the next host */
    ctl_ok("{\"cmd\":\"signal\",\"lost\":true}");
    ck_assert_int_eq(host_open(&S, 115200), 0);
    xchg("AT\r", "\r\nOK\r\n");
    host_close(&S);
    ctl_ok("{\"cmd\":\"reset\"}");
    ck_assert_int_eq(host_open(&S, 115200), 0);
    ck_assert_int_eq(host_wait_ready(&S, 10000), 0);
    xchg("ATE0\r", "ATE0\r\r\nOK\r\n");
    host_close(&S);
    ck_assert_int_eq(host_open(&S, 115200), 0);
    /* same module session: echo is still off, nothing stale is read */
    xchg("AT\r", "\r\nOK\r\n");
    char *st = simproc_ctl(&S, "{\"cmd\":\"state\"}");
    ck_assert_ptr_nonnull(strstr(st, "\"boots\":2"));
    free(st);
    stop();
}
END_TEST

/* Issue 8: another process opening the port (a file transfer tool, a shell
 * redirection) must not make the module think the host went away.  Linux
 * coalesces identical inotify events, so counting opens and closes lost
 * track of the host and every later byte was dropped. */
START_TEST(host_keeps_hearing_while_other_processes_open_the_port)
{
    start(slow);
    boot_and_open(115200);
    xchg("ATE0\r", "ATE0\r\r\nOK\r\n");
    char cmd[1024];
    for (int i = 0; i < 100; i++) {
        snprintf(cmd, sizeof(cmd), "true < '%s' > '%s'", S.link, S.link);
        ck_assert_int_eq(system(cmd), 0);
        xchg("AT\r", "\r\nOK\r\n");
    }
    /* another writer: the answer goes to whoever holds the port */
    for (int i = 0; i < 50; i++) {
        snprintf(cmd, sizeof(cmd), "printf 'AT\\r' > '%s'", S.link);
        ck_assert_int_eq(system(cmd), 0);
        expect_exact("\r\nOK\r\n");
    }
    stop();
}
END_TEST

/* `cat pty > out & printf 'AT\r' > pty`: the reader is the only host and
 * the writer comes and goes; the reader must get the answer.  The reader
 * here is a child that says when it has the port open (a shell's `cat &`
 * might not have opened it yet when printf writes: then the answer is
 * rightly lost). */
static pid_t start_reader(const char *link, int *out_fd)
{
    int ready[2], data[2];
    ck_assert_int_eq(pipe(ready), 0);
    ck_assert_int_eq(pipe(data), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(ready[0]);
        close(data[0]);
        int fd = open(link, O_RDONLY | O_NOCTTY);
        if (fd < 0 || write(ready[1], "r", 1) != 1)
            _exit(1);
        char buf[256];
        ssize_t n;
        while ((n = read(fd, buf, sizeof(buf))) > 0)
            if (write(data[1], buf, (size_t)n) != n)
                _exit(1);
        _exit(0);
    }
    close(ready[1]);
    close(data[1]);
    char c;
    ck_assert_int_eq(read(ready[0], &c, 1), 1);
    close(ready[0]);
    *out_fd = data[0];
    return pid;
}

START_TEST(reader_and_writer_in_separate_processes)
{
    start(slow);
    boot_and_open(115200);
    xchg("ATE0\r", "ATE0\r\r\nOK\r\n");
    host_close(&S);
    char cmd[1024];
    for (int i = 0; i < 20; i++) {
        int fd;
        pid_t pid = start_reader(S.link, &fd);
        snprintf(cmd, sizeof(cmd), "printf 'AT\\r' > '%s'", S.link);
        ck_assert_int_eq(system(cmd), 0);
        char got[64] = "";
        size_t len = 0;
        while (len < 6) {
            struct pollfd pfd = { fd, POLLIN, 0 };
            if (poll(&pfd, 1, T) <= 0)
                break;
            ssize_t n = read(fd, got + len, sizeof(got) - 1 - len);
            if (n <= 0)
                break;
            len += (size_t)n;
        }
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        close(fd);
        ck_assert_msg(len == 6 && !memcmp(got, "\r\nOK\r\n", 6), "round %d: reader got %zu bytes", i, len);
    }
    stop();
}
END_TEST

START_TEST(host_at_the_wrong_baud_rate_gets_garbage)
{
    start(slow);
    boot_and_open(115200); /* autobauding locked at 115200 */
    xchg("ATE0\r", "ATE0\r\r\nOK\r\n");
    ck_assert_int_eq(host_set_baud(&S, 9600), 0);
    host_send(&S, "AT\r");
    ck_assert_int_eq(host_expect(&S, "OK", 300), -1);
    ck_assert_int_eq(host_set_baud(&S, 115200), 0);
    ck_assert_int_eq(host_sync(&S, T), 0); /* whatever the garbled AT caused is consumed */
    xchg("AT\r", "\r\nOK\r\n");
    /* +IPR: OK at the old rate, then the new one */
    xchg("AT+IPR=57600\r", "\r\nOK\r\n");
    ck_assert_int_eq(host_set_baud(&S, 57600), 0);
    xchg("AT\r", "\r\nOK\r\n");
    stop();
}
END_TEST

/* ---- control channel and trace ---- */

START_TEST(control_commands_and_ctl_tool)
{
    start(slow);
    boot_and_open(115200);
    char cmd[1200];
    snprintf(cmd, sizeof(cmd), "%s %s state > %s/state.out", SARASIM_CTL_BIN, S.ctl, S.dir);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(cmd, sizeof(cmd), "grep -q '\"power\":\"READY\"' %s/state.out", S.dir);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(cmd, sizeof(cmd), "%s %s signal lost=true > /dev/null", SARASIM_CTL_BIN, S.ctl);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(cmd, sizeof(cmd), "%s %s bogus > /dev/null", SARASIM_CTL_BIN, S.ctl);
    ck_assert_int_eq(WEXITSTATUS(system(cmd)), 1);
    char *r = simproc_ctl(&S, "{\"cmd\":\"signal\",\"rsrp\":12}");
    ck_assert_ptr_nonnull(strstr(r, "\"ok\":false"));
    free(r);
    r = simproc_ctl(&S, "not json");
    ck_assert_ptr_nonnull(strstr(r, "\"ok\":false"));
    free(r);
    struct stat st;
    ck_assert_int_eq(stat(S.ctl, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    stop();
}
END_TEST

START_TEST(trace_file_records_both_directions)
{
    char tracearg[400];
    start(slow);
    snprintf(tracearg, sizeof(tracearg), "%s/trace.log", S.dir);
    simproc_kill(&S, SIGTERM);
    const char *const args[] = { "--boot-time", "100ms", "--trace", tracearg, NULL };
    ck_assert_int_eq(simproc_restart(&S, args), 0);
    boot_and_open(115200);
    xchg("AT+CGMI\r", "AT+CGMI\r\r\nu-blox\r\n\r\nOK\r\n");
    ck_assert_int_eq(simproc_kill(&S, SIGTERM), 0);
    char cmd[1600];
    snprintf(cmd, sizeof(cmd),
             "grep -Eq '^[0-9]+\\.[0-9]{6} [0-9T:.-]+Z RX 0 \"AT\\+CGMI\\\\r\"$' %s && "
             "grep -Eq '^[0-9]+\\.[0-9]{6} [0-9T:.-]+Z TX 0 \"AT\\+CGMI\\\\r\\\\r\\\\nu-blox' %s && "
             "grep -q 'EV - power BOOTING -> READY' %s",
             tracearg, tracearg, tracearg);
    ck_assert_int_eq(system(cmd), 0);
    stop();
}
END_TEST

static Suite *pty_suite(void)
{
    Suite *s = suite_create("pty");
    TCase *t = tcase_create("pty");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, start_line_names_device_and_link);
    tcase_add_test(t, refuses_to_overwrite_a_regular_file_and_replaces_a_stale_link);
    tcase_add_test(t, ubxlib_power_on_and_connect_byte_for_byte);
    tcase_add_test(t, sparkfun_begin_at_9600_byte_for_byte);
    tcase_add_test(t, cfun16_keeps_nvm_and_loses_volatile);
    tcase_add_test(t, power_cut_and_kill9_lose_nothing_stored);
    tcase_add_test(t, host_can_close_and_reopen_the_port);
    tcase_add_test(t, host_keeps_hearing_while_other_processes_open_the_port);
    tcase_add_test(t, reader_and_writer_in_separate_processes);
    tcase_add_test(t, host_at_the_wrong_baud_rate_gets_garbage);
    tcase_add_test(t, control_commands_and_ctl_tool);
    tcase_add_test(t, trace_file_records_both_directions);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(pty_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
