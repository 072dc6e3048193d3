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
    if (atomic_read_file(tmpdir, "nvm.json", 1 << 20, &text, &len) == 0) {
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
    modem_io io = { watch_to_host, NULL, &w, NULL };
    modem *m;
    ck_assert_int_eq(modem_create(&m, &c, &cfg, &io, NULL, 0), 0);
    modem_set_host_rate(m, 0, 115200);
    modem_power_on(m);
    clk_advance(&c, cfg.dev.timing[TIM_BOOT]);
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

/* ---- item 6: a damaged state dir boots, and says what it lost ---- */

static int notice_seen(const memhost *h, const char *text)
{
    return h->notices.data && strstr((const char *)h->notices.data, text) != NULL;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static char *read_text(const char *path)
{
    static char buf[4096];
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

START_TEST(fifo_named_nvm_json_does_not_hang_boot)
{
    make_tmpdir();
    ck_assert_int_eq(mkfifo(state_file("nvm.json"), 0600), 0);
    memhost h;
    mh_init(&h, tmpdir); /* would block forever in open() */
    ck_assert_int_eq(modem_get_power(h.m), MODEM_READY);
    ck_assert_msg(notice_seen(&h, "state dir: nvm.json unreadable (not a regular file): every setting at its "
                                  "factory value"),
                  "notices: %s", h.notices.data ? (char *)h.notices.data : "(none)");
    ck_assert_msg(mh_event_seen(&h, "notice state dir: nvm.json unreadable"), "not in the trace");
    mh_echo_off(&h);
    ck_assert_str_eq(mh_cmd(&h, "AT+CTZU=0\r"), "\r\nOK\r\n");
    struct stat st;
    ck_assert_int_eq(lstat(state_file("nvm.json"), &st), 0);
    ck_assert(S_ISREG(st.st_mode));
    mh_free(&h);
    remove_tmpdir();
}
END_TEST

START_TEST(symlinks_in_the_state_dir_are_not_followed)
{
    make_tmpdir();
    char outside[128], victim[160], cmd[400];
    snprintf(outside, sizeof(outside), "%s-outside", tmpdir);
    ck_assert_int_eq(mkdir(outside, 0700), 0);
    /* nvm.json -> a valid image elsewhere: not read */
    snprintf(victim, sizeof(victim), "%s/image.json", outside);
    write_text(victim, "{\"format\":1,\"nvm\":{\"+CTZU\":0},\"profile\":{}}");
    ck_assert_int_eq(symlink(victim, state_file("nvm.json")), 0);
    memhost h;
    mh_init(&h, tmpdir);
    ck_assert_msg(notice_seen(&h, "nvm.json unreadable (not a regular file)"), "no notice");
    mh_echo_off(&h);
    ck_assert_str_eq(mh_cmd(&h, "AT+CTZU?\r"), "\r\n+CTZU: 1\r\n\r\nOK\r\n");
    /* a planted temp-file link must not redirect the next write */
    char precious[160];
    snprintf(precious, sizeof(precious), "%s/precious", outside);
    write_text(precious, "precious");
    ck_assert_int_eq(symlink(precious, state_file("nvm.json.tmp")), 0);
    ck_assert_str_eq(mh_cmd(&h, "AT+CTZU=2\r"), "\r\nOK\r\n");
    ck_assert_str_eq(read_text(precious), "precious");
    ck_assert_str_eq(read_text(victim), "{\"format\":1,\"nvm\":{\"+CTZU\":0},\"profile\":{}}");
    struct stat st;
    ck_assert_int_eq(lstat(state_file("nvm.json"), &st), 0);
    ck_assert(S_ISREG(st.st_mode)); /* the link itself was replaced */
    ck_assert_ptr_nonnull(strstr(read_text(state_file("nvm.json")), "\"+CTZU\":\t2"));
    mh_free(&h);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", outside);
    ck_assert_int_eq(system(cmd), 0);
    remove_tmpdir();
}
END_TEST

START_TEST(fs_that_is_a_link_out_of_the_state_dir_is_refused)
{
    make_tmpdir();
    char elsewhere[128], cmd[300];
    snprintf(elsewhere, sizeof(elsewhere), "%s-elsewhere", tmpdir);
    ck_assert_int_eq(mkdir(elsewhere, 0700), 0);
    ck_assert_int_eq(symlink(elsewhere, state_file("fs")), 0);
    clk c;
    clk_init(&c, 0);
    modem_config cfg;
    mh_default_cfg(&cfg, tmpdir);
    modem_io io = { NULL, NULL, NULL, NULL };
    modem *m = NULL;
    char err[256] = "";
    ck_assert_int_eq(modem_create(&m, &c, &cfg, &io, err, sizeof(err)), -ENOTDIR);
    ck_assert_msg(strstr(err, "/fs") && strstr(err, "Not a directory"), "%s", err);
    clk_free(&c);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", elsewhere);
    ck_assert_int_eq(system(cmd), 0);
    remove_tmpdir();
}
END_TEST

START_TEST(junk_in_fs_is_skipped_without_reading_it_whole)
{
    make_tmpdir();
    memhost h;
    mh_init(&h, tmpdir);
    mh_echo_off(&h);
    ck_assert_str_eq(mh_cmd(&h, "AT+UDWNFILE=\"keep\",2\r"), "\r\n>");
    ck_assert_str_eq(mh_cmd(&h, "ok"), "\r\nOK\r\n");
    mh_free(&h);
    char name[400];
    /* a 512 MB blob (sparse: costs no disk) and a FIFO, both named like blobs */
    snprintf(name, sizeof(name), "%s/fs/%064d.f", tmpdir, 1);
    int fd = open(name, O_WRONLY | O_CREAT, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, 512LL << 20), 0);
    close(fd);
    snprintf(name, sizeof(name), "%s/fs/%064d.f", tmpdir, 2);
    ck_assert_int_eq(mkfifo(name, 0600), 0);
    mh_init(&h, tmpdir);
    ck_assert_msg(notice_seen(&h, "state dir: 2 files in fs unreadable: left out of the file system"), "notices: %s",
                  h.notices.data ? (char *)h.notices.data : "(none)");
    mh_echo_off(&h);
    ck_assert_str_eq(mh_cmd(&h, "AT+ULSTFILE=\r"), "\r\n+ULSTFILE: \"keep\"\r\n\r\nOK\r\n");
    mh_free(&h);
    remove_tmpdir();
}
END_TEST

START_TEST(unreadable_firmware_and_bad_values_are_reported)
{
    make_tmpdir();
    write_text(state_file("firmware.json"), "{\"installed\":\"not a version\"}");
    write_text(state_file("nvm.json"), "{\"format\":1,\"nvm\":{\"+CTZU\":0},\"profile\":{\"+CMEE\":7,\"E\":0}}");
    memhost h;
    mh_init(&h, tmpdir);
    ck_assert_msg(notice_seen(&h, "state dir: firmware.json unreadable (not what the module writes): firmware "
                                  "version 03.15,A00.01 (factory)\n"),
                  "notices: %s", h.notices.data ? (char *)h.notices.data : "(none)");
    ck_assert_msg(notice_seen(&h, "state dir: nvm.json: 1 value the module cannot hold (first: +CMEE): factory value\n"),
                  "notices: %s", (char *)h.notices.data);
    /* what was readable is kept: E0 from the profile, +CTZU 0 from NVM */
    ck_assert_str_eq(mh_cmd(&h, "ATI9;+CTZU?;+CMEE?\r"),
                     "\r\n03.15,A00.01\r\n\r\n+CTZU: 0\r\n\r\n+CMEE: 0\r\n\r\nOK\r\n");
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
    t = tcase_create("damaged");
    tcase_add_test(t, fifo_named_nvm_json_does_not_hang_boot);
    tcase_add_test(t, symlinks_in_the_state_dir_are_not_followed);
    tcase_add_test(t, fs_that_is_a_link_out_of_the_state_dir_is_refused);
    tcase_add_test(t, junk_in_fs_is_skipped_without_reading_it_whole);
    tcase_add_test(t, unreadable_firmware_and_bad_values_are_reported);
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
