/* test_fs_pty.c - the file system through a real sarasim process and its
 * PTY, as a host application sees it: binary round trips, a file that
 * exactly fills the flash, appends, FOAT packages ([AN] §5.3.1), files that
 * survive +CFUN=16, a restart and a kill -9, and a power cut during
 * +UDWNFILE that leaves no file.  Timeouts only bound a failing test. */
#include <check.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ptyhost.h"

#define T_MS 10000 /* failure bound for one exchange */
#define OK "\r\nOK\r\n"
#define FS_SIZE (1024 * 1024)

/* Real time (scale 1): the FFS timeout (20 simulated seconds without a
 * byte) must stay far beyond any stall of a loaded machine between the
 * prompt and the host's data. */
static const char *const args[] = { "--boot-time", "100ms", NULL };
static simproc s;

/* After a boot: poll with AT, then echo off and verbose errors (both are
 * profile settings, back to factory at every boot). */
static void wait_booted(void)
{
    ck_assert_int_eq(host_wait_ready(&s, T_MS), 0);
    char *r = host_cmd(&s, "ATE0;+CMEE=2\r", T_MS);
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(r, "ATE0;+CMEE=2\r\r\nOK\r\n");
    free(r);
}

static void host_ready(void)
{
    ck_assert_int_eq(host_open(&s, 115200), 0);
    wait_booted();
}

static void setup(void)
{
    ck_assert_int_eq(simproc_start(&s, args), 0);
    host_ready();
}

static void teardown(void) { simproc_cleanup(&s); }

static void expect_cmd(const char *line, const char *want)
{
    char *r = host_cmd(&s, line, T_MS);
    ck_assert_msg(r != NULL, "no response to %s", line);
    ck_assert_str_eq(r, want);
    free(r);
}

/* Read until at least n bytes are buffered. */
static void read_exactly(size_t n)
{
    while (s.rx.len < n) {
        struct pollfd pfd = { s.fd, POLLIN, 0 };
        ck_assert_msg(poll(&pfd, 1, T_MS) > 0, "got %zu of %zu bytes", s.rx.len, n);
        char buf[65536];
        ssize_t r = read(s.fd, buf, sizeof(buf));
        if (r > 0)
            bytebuf_append(&s.rx, buf, (size_t)r);
    }
}

/* AT+UDWNFILE over the wire: prompt, data, OK. */
static void download(const char *cmd, const void *data, size_t n)
{
    ck_assert_int_eq(host_send(&s, cmd), 0);
    ck_assert_int_eq(host_expect(&s, "\r\n>", T_MS), 0);
    ck_assert_int_eq(host_send_bytes(&s, data, n), 0);
    char *r = host_response(&s, T_MS);
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(r, OK);
    free(r);
}

/* AT+URDFILE="name": the exact frame around the exact bytes. */
static void expect_file(const char *name, const void *data, size_t n)
{
    char cmd[300], head[300];
    snprintf(cmd, sizeof(cmd), "AT+URDFILE=\"%s\"\r", name);
    int hl = snprintf(head, sizeof(head), "\r\n+URDFILE: \"%s\",%zu,\"", name, n);
    ck_assert_int_eq(host_send(&s, cmd), 0);
    size_t total = (size_t)hl + n + 7;
    read_exactly(total);
    ck_assert_int_eq(memcmp(s.rx.data, head, (size_t)hl), 0);
    ck_assert_msg(memcmp(s.rx.data + hl, data, n) == 0, "file %s differs", name);
    ck_assert_int_eq(memcmp(s.rx.data + hl + n, "\"\r\nOK\r\n", 7), 0);
    ck_assert_uint_eq(s.rx.len, total);
    bytebuf_clear(&s.rx);
}

static void ctl(const char *json)
{
    char *r = simproc_ctl(&s, json);
    ck_assert_ptr_nonnull(r);
    ck_assert_msg(strstr(r, "\"ok\":true") != NULL, "%s -> %s", json, r);
    free(r);
}

static void restart_after(int sig)
{
    simproc_kill(&s, sig);
    ck_assert_int_eq(simproc_restart(&s, args), 0);
    host_ready();
}

START_TEST(binary_round_trip_of_every_byte_value)
{
    uint8_t data[1024];
    for (int i = 0; i < 1024; i++)
        data[i] = (uint8_t)(i ^ (i >> 8));
    download("AT+UDWNFILE=\"all.bin\",1024\r", data, sizeof(data));
    expect_file("all.bin", data, sizeof(data));
    expect_cmd("AT+ULSTFILE=2,\"all.bin\"\r", "\r\n+ULSTFILE: 1024\r\n" OK);
}
END_TEST

START_TEST(zero_byte_file)
{
    expect_cmd("AT+UDWNFILE=\"empty\",0\r", "\r\n>" OK);
    expect_cmd("AT+ULSTFILE=0\r", "\r\n+ULSTFILE: \"empty\"\r\n" OK);
    expect_file("empty", "", 0);
}
END_TEST

START_TEST(a_file_that_exactly_fills_the_fs_then_one_byte_too_many)
{
    uint8_t *big = malloc(FS_SIZE);
    for (size_t i = 0; i < FS_SIZE; i++)
        big[i] = (uint8_t)('a' + i % 26);
    expect_cmd("AT+UDWNFILE=\"huge\",1048577\r", "\r\n+CME ERROR: NOT ENOUGH FREE SPACE\r\n");
    download("AT+UDWNFILE=\"huge\",1048576\r", big, FS_SIZE);
    expect_cmd("AT+ULSTFILE=1\r", "\r\n+ULSTFILE: 0\r\n" OK);
    expect_cmd("AT+UDWNFILE=\"one\",1\r", "\r\n+CME ERROR: NOT ENOUGH FREE SPACE\r\n");
    expect_file("huge", big, FS_SIZE);
    expect_cmd("AT+UDELFILE=\"huge\"\r", OK);
    expect_cmd("AT+ULSTFILE=1\r", "\r\n+ULSTFILE: 1048576\r\n" OK);
    free(big);
}
END_TEST

START_TEST(append)
{
    download("AT+UDWNFILE=\"log.txt\",6\r", "line1\n", 6);
    download("AT+UDWNFILE=\"log.txt\",6\r", "line2\n", 6);
    expect_file("log.txt", "line1\nline2\n", 12);
}
END_TEST

START_TEST(foat_download_listed_as_update_package)
{
    /* [AN] §5.3.1 Table 12, line by line */
    expect_cmd("AT+UDELF=\"updatePackage.bin\"\r", "\r\n+CME ERROR: FILE NOT FOUND\r\n");
    download("AT+UDWNFILE=\"delta\",16,\"FOAT\"\r", "\x01\x02\x03\x04package-bytes", 16);
    expect_cmd("AT+ULSTFILE=0,\"FOAT\"\r", "\r\n+ULSTFILE: \"updatePackage.bin\"\r\n" OK);
    expect_cmd("AT+UDELF=\"updatePackage.bin\"\r", OK);
    expect_cmd("AT+ULSTFILE=0,\"FOAT\"\r", "\r\n+ULSTFILE: \r\n" OK);
}
END_TEST

START_TEST(files_survive_cfun16_and_a_restart)
{
    download("AT+UDWNFILE=\"keep me\",4\r", "kept", 4);
    download("AT+UDWNFILE=\"delta\",3,\"FOAT\"\r", "pkg", 3);
    expect_cmd("AT+CFUN=16\r", OK);
    wait_booted();
    expect_file("keep me", "kept", 4);
    restart_after(SIGTERM);
    expect_file("keep me", "kept", 4);
    expect_cmd("AT+ULSTFILE=0,\"FOAT\"\r", "\r\n+ULSTFILE: \"updatePackage.bin\"\r\n" OK);
}
END_TEST

START_TEST(kill_9_mid_download_keeps_every_completed_file)
{
    uint8_t part[4096];
    memset(part, 'p', sizeof(part));
    download("AT+UDWNFILE=\"done1\",5\r", "done1", 5);
    download("AT+UDWNFILE=\"done2\",5\r", "done2", 5);
    download("AT+UDWNFILE=\"done1\",3\r", "+ok", 3); /* an append that completed */
    ck_assert_int_eq(host_send(&s, "AT+UDWNFILE=\"done2\",100000\r"), 0); /* one that will not */
    ck_assert_int_eq(host_expect(&s, "\r\n>", T_MS), 0);
    ck_assert_int_eq(host_send_bytes(&s, part, sizeof(part)), 0);
    restart_after(SIGKILL);
    expect_cmd("AT+ULSTFILE=0\r", "\r\n+ULSTFILE: \"done1\",\"done2\"\r\n" OK);
    expect_file("done1", "done1+ok", 8);
    expect_file("done2", "done2", 5);
    expect_cmd("AT+ULSTFILE=1\r", "\r\n+ULSTFILE: 1048563\r\n" OK);
}
END_TEST

START_TEST(power_cut_during_udwnfile_leaves_no_file)
{
    ck_assert_int_eq(host_send(&s, "AT+UDWNFILE=\"cut.bin\",1000\r"), 0);
    ck_assert_int_eq(host_expect(&s, "\r\n>", T_MS), 0);
    ck_assert_int_eq(host_send_bytes(&s, "0123456789", 10), 0);
    ctl("{\"cmd\":\"power_cut\"}");
    ctl("{\"cmd\":\"power_on\"}");
    wait_booted();
    expect_cmd("AT+ULSTFILE=0\r", "\r\n+ULSTFILE: \r\n" OK);
    expect_cmd("AT+ULSTFILE=2,\"cut.bin\"\r", "\r\n+CME ERROR: FILE NOT FOUND\r\n");
    restart_after(SIGTERM); /* and nothing reached the flash */
    expect_cmd("AT+ULSTFILE=0\r", "\r\n+ULSTFILE: \r\n" OK);
}
END_TEST

static Suite *fs_pty_suite(void)
{
    Suite *su = suite_create("fs_pty");
    TCase *t = tcase_create("fs");
    tcase_set_timeout(t, 60);
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, binary_round_trip_of_every_byte_value);
    tcase_add_test(t, zero_byte_file);
    tcase_add_test(t, a_file_that_exactly_fills_the_fs_then_one_byte_too_many);
    tcase_add_test(t, append);
    tcase_add_test(t, foat_download_listed_as_update_package);
    tcase_add_test(t, files_survive_cfun16_and_a_restart);
    tcase_add_test(t, kill_9_mid_download_keeps_every_completed_file);
    tcase_add_test(t, power_cut_during_udwnfile_leaves_no_file);
    suite_add_tcase(su, t);
    return su;
}

int main(void)
{
    SRunner *r = srunner_create(fs_pty_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
