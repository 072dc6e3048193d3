/* test_persist.c - what the module keeps in flash, seen from the host and
 * from the state directory: a setting is on disk before the host reads the
 * OK that confirms it, a failed flash write is an error (not OK), and a
 * damaged state directory boots (issue 8: items 2 and 6). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/atomic.h"
#include "memhost.h"

static char tmpdir[64];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/sarasim-persist-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

static char *state_file(const char *name)
{
    static char path[256];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    return path;
}

/* ---- item 2: commit, then answer ---- */

/* A host that reads the final result: at that moment, what does the flash
 * hold?  (The modem's to_host callback runs when the bytes leave.) */
typedef struct watcher {
    bytebuf out;
    int finals;       /* final results seen */
    int ctzu0_on_disk; /* nvm.json held +CTZU 0 when the OK left */
} watcher;

static void watch_to_host(void *ctx, int port, const uint8_t *p, size_t n)
{
    (void)port;
    watcher *w = ctx;
    bytebuf_append(&w->out, p, n);
    if (!memmem(p, n, "OK\r\n", 4))
        return;
    w->finals++;
    char *text;
    size_t len;
    if (atomic_read_file(tmpdir, "nvm.json", &text, &len) == 0) {
        w->ctzu0_on_disk = strstr(text, "\"+CTZU\":\t0") != NULL;
        free(text);
    }
}

START_TEST(setting_is_on_disk_before_the_ok_of_a_deferred_line)
{
    make_tmpdir();
    clk c;
    clk_init(&c, 0);
    watcher w = { 0 };
    bytebuf_init(&w.out);
    modem_config cfg;
    mh_default_cfg(&cfg, tmpdir);
    modem_io io = { watch_to_host, NULL, &w };
    modem *m;
    ck_assert_int_eq(modem_create(&m, &c, &cfg, &io, NULL, 0), 0);
    modem_set_host_rate(m, 0, 115200);
    modem_power_on(m);
    clk_advance(&c, cfg.dev.boot_ns);
    modem_host_write(m, 0, (const uint8_t *)"ATE0\r", 5);
    ck_assert_int_eq(w.finals, 1);
    /* +COPS=? scans for 8 s: the line ends on a timer, and its OK must
     * still wait for the +CTZU=0 of the same line to be written */
    const char *line = "AT+CTZU=0;+COPS=?\r";
    modem_host_write(m, 0, (const uint8_t *)line, strlen(line));
    ck_assert_int_eq(w.finals, 1);
    clk_advance(&c, clk_now(&c) + SIM_S(8));
    ck_assert_int_eq(w.finals, 2);
    ck_assert_msg(w.ctzu0_on_disk, "OK left before +CTZU=0 was on disk");
    modem_destroy(m);
    clk_free(&c);
    bytebuf_free(&w.out);
    remove_tmpdir();
}
END_TEST

START_TEST(failed_flash_write_answers_an_error_and_keeps_the_old_value)
{
    make_tmpdir();
    /* nvm.json is a directory: no write can replace it */
    ck_assert_int_eq(mkdir(state_file("nvm.json"), 0700), 0);
    memhost h;
    mh_init(&h, tmpdir);
    mh_echo_off(&h);
    ck_assert_str_eq(mh_cmd(&h, "AT+CTZU=0\r"), "\r\nERROR\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CMEE=1\r"), "\r\nOK\r\n"); /* profile: not written */
    ck_assert_str_eq(mh_cmd(&h, "AT+CTZU=0\r"), "\r\n+CME ERROR: 1600\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CMEE=2;+UMNOPROF?\r"), "\r\n+UMNOPROF: 90\r\n\r\nOK\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CTZU=0;+CTZR=1\r"), "\r\n+CME ERROR: FFS error\r\n");
    /* nothing of the failed lines is in force */
    ck_assert_str_eq(mh_cmd(&h, "AT+CTZU?\r"), "\r\n+CTZU: 1\r\n\r\nOK\r\n");
    /* a reset the line asked for does not happen after an error */
    ck_assert_str_eq(mh_cmd(&h, "AT+CFUN=4;+CSGT=1,\"hi\";+CFUN=16\r"), "\r\n+CME ERROR: FFS error\r\n");
    ck_assert_int_eq(modem_get_power(h.m), MODEM_READY);
    ck_assert_msg(mh_event_seen(&h, "nvm commit failed"), "no trace of the failed write");
    mh_free(&h);
    remove_tmpdir();
}
END_TEST

static Suite *persist_suite(void)
{
    Suite *s = suite_create("persist");
    TCase *t = tcase_create("commit");
    tcase_add_test(t, setting_is_on_disk_before_the_ok_of_a_deferred_line);
    tcase_add_test(t, failed_flash_write_answers_an_error_and_keeps_the_old_value);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(persist_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
