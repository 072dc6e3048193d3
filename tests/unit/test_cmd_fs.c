/* test_cmd_fs.c - the file system AT commands over an in-memory modem on a
 * virtual clock (fact sheet §4, [AN] §5.3): exact bytes on the wire, the FFS
 * timeout on simulated time, power cuts, and the exchanges ubxlib
 * (cell/src/u_cell_file.c) and SparkFun (appendFileContents,
 * getFileContents, getFileBlock) perform, replayed byte for byte. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memhost.h"

#define OK "\r\nOK\r\n"

static memhost h;

static void setup_cap(size_t capacity)
{
    modem_config cfg;
    mh_default_cfg(&cfg, NULL);
    cfg.dev.fs_capacity = (uint32_t)capacity;
    mh_init_cfg(&h, &cfg);
    mh_echo_off(&h);
    ck_assert_str_eq(mh_cmd(&h, "AT+CMEE=2\r"), OK);
}

static void setup(void) { setup_cap(1024 * 1024); }
static void teardown(void) { mh_free(&h); }

static void send_bytes(const void *p, size_t n) { modem_host_write(h.m, 0, p, n); }

/* What port 0 received, compared as bytes (files hold NULs). */
static void expect_bytes(const void *want, size_t n)
{
    bytebuf *o = &h.out[0];
    ck_assert_msg(o->len == n, "got %zu bytes, want %zu: \"%s\"", o->len, n, o->data ? (char *)o->data : "");
    ck_assert_int_eq(memcmp(o->data, want, n), 0);
    bytebuf_clear(o);
}

/* Write a file the way a host does: command, prompt, data, OK. */
static void download(const char *cmd, const void *data, size_t n)
{
    ck_assert_str_eq(mh_cmd(&h, cmd), "\r\n>");
    send_bytes(data, n);
    ck_assert_str_eq(mh_take(&h), OK);
}

static size_t file_len(const char *tag, const char *name)
{
    uint8_t *d;
    size_t n;
    ck_assert_int_eq(modem_file_get(h.m, tag, name, &d, &n), 0);
    free(d);
    return n;
}

static int file_exists(const char *tag, const char *name)
{
    uint8_t *d;
    size_t n;
    int rc = modem_file_get(h.m, tag, name, &d, &n);
    free(d);
    return rc == 0;
}

/* ---- +UDWNFILE ---- */

START_TEST(udwnfile_round_trip_of_every_byte_value)
{
    uint8_t all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    download("AT+UDWNFILE=\"all.bin\",256\r", all, 256);
    mh_send(&h, "AT+URDFILE=\"all.bin\"\r");
    bytebuf want;
    bytebuf_init(&want);
    bytebuf_append_str(&want, "\r\n+URDFILE: \"all.bin\",256,\"");
    bytebuf_append(&want, all, 256);
    bytebuf_append_str(&want, "\"\r\nOK\r\n");
    expect_bytes(want.data, want.len);
    bytebuf_free(&want);
}
END_TEST

START_TEST(udwnfile_data_is_not_echoed)
{
    mh_send(&h, "ATE1\r");
    mh_take(&h);
    ck_assert_str_eq(mh_cmd(&h, "AT+UDWNFILE=\"e\",4\r"), "AT+UDWNFILE=\"e\",4\r\r\n>");
    ck_assert_str_eq(mh_cmd(&h, "AT\r\n"), OK); /* four data bytes, no echo */
    ck_assert_int_eq(file_len("USER", "e"), 4);
    ck_assert_str_eq(mh_cmd(&h, "AT\r"), "AT\r" OK); /* back in command mode, echoing */
}
END_TEST

START_TEST(udwnfile_must_be_alone_on_its_line)
{
    ck_assert_str_eq(mh_cmd(&h, "AT+UDWNFILE=\"a\",3;+CGMI\r"), "\r\nERROR\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CMEE?;+UDWNFILE=\"a\",3\r"), "\r\n+CMEE: 2\r\n\r\nERROR\r\n");
    ck_assert(!file_exists("USER", "a"));
    ck_assert_str_eq(mh_cmd(&h, "AT\r"), OK);
}
END_TEST

START_TEST(udwnfile_appends_to_an_existing_file)
{
    download("AT+UDWNFILE=\"log\",5\r", "hello", 5);
    download("AT+UDWNFILE=\"log\",6\r", " world", 6);
    ck_assert_str_eq(mh_cmd(&h, "AT+URDFILE=\"log\"\r"), "\r\n+URDFILE: \"log\",11,\"hello world\"" OK);
}
END_TEST

START_TEST(udwnfile_of_zero_bytes_makes_an_empty_file)
{
    ck_assert_str_eq(mh_cmd(&h, "AT+UDWNFILE=\"empty\",0\r"), "\r\n>" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+ULSTFILE=2,\"empty\"\r"), "\r\n+ULSTFILE: 0\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+URDFILE=\"empty\"\r"), "\r\n+URDFILE: \"empty\",0,\"\"" OK);
}
END_TEST

START_TEST(udwnfile_foat_is_stored_as_update_package)
{
    /* [AN] §5.3.1 Table 12 */
    download("AT+UDWNFILE=\"delta\",7,\"FOAT\"\r", "package", 7);
    ck_assert_str_eq(mh_cmd(&h, "AT+ULSTFILE=0,\"FOAT\"\r"), "\r\n+ULSTFILE: \"updatePackage.bin\"\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+ULSTFILE=0\r"), "\r\n+ULSTFILE: \r\n" OK);
    ck_assert_int_eq(file_len("FOAT", "updatePackage.bin"), 7);
    ck_assert(!file_exists("FOAT", "delta"));
}
END_TEST

START_TEST(udwnfile_refuses_bad_names_before_the_prompt)
{
    static const char *const lines[] = {
        "AT+UDWNFILE=\"../x\",1\r",     "AT+UDWNFILE=\"a/b\",1\r",       "AT+UDWNFILE=\"/abs\",1\r",
        "AT+UDWNFILE=\"..\",1\r",       "AT+UDWNFILE=\"x\xc0\xaf\",1\r", "AT+UDWNFILE=\"\",1\r",
        "AT+UDWNFILE=\"a\\\"b\",1\r",   "AT+UDWNFILE=\"a:b\",1\r",
    };
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        ck_assert_str_eq(mh_cmd(&h, lines[i]), "\r\n+CME ERROR: FFS invalid filename\r\n");
    send_bytes("AT+UDWNFILE=\"a\0b\",1\r", 21); /* a NUL inside the name */
    ck_assert_str_eq(mh_take(&h), "\r\n+CME ERROR: FFS invalid filename\r\n");
    char line[300];
    snprintf(line, sizeof(line), "AT+UDWNFILE=\"%0249d\",1\r", 0);
    ck_assert_str_eq(mh_cmd(&h, line), "\r\n+CME ERROR: FFS invalid filename\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+ULSTFILE=\r"), "\r\n+ULSTFILE: \r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+CMEE=1\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UDWNFILE=\"a|b\",1\r"), "\r\n+CME ERROR: 1638\r\n");
}
END_TEST

START_TEST(udwnfile_refuses_unknown_tags_and_bad_sizes)
{
    ck_assert_str_eq(mh_cmd(&h, "AT+UDWNFILE=\"a\",1,\"AUDIO\"\r"), "\r\n+CME ERROR: incorrect parameters\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+UDWNFILE=\"a\",1,\"user\"\r"), "\r\n+CME ERROR: incorrect parameters\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+UDWNFILE=\"a\",1,\"ROT\"\r"), "\r\n+CME ERROR: incorrect parameters\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+UDWNFILE=\"a\",-1\r"), "\r\n+CME ERROR: incorrect parameters\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+UDWNFILE=\"a\"\r"), "\r\n+CME ERROR: incorrect parameters\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+UDWNFILE?\r"), "\r\nERROR\r\n");
}
END_TEST

START_TEST(udwnfile_that_does_not_fit_is_refused_before_the_prompt)
{
    teardown();
    setup_cap(100);
    ck_assert_str_eq(mh_cmd(&h, "AT+UDWNFILE=\"big\",101\r"), "\r\n+CME ERROR: NOT ENOUGH FREE SPACE\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CMEE=1\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UDWNFILE=\"big\",101\r"), "\r\n+CME ERROR: 1637\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CMEE=0\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UDWNFILE=\"big\",101\r"), "\r\nERROR\r\n");
    char fill[100];
    memset(fill, 'f', sizeof(fill));
    download("AT+UDWNFILE=\"big\",100\r", fill, 100); /* exactly fills the FS */
    ck_assert_str_eq(mh_cmd(&h, "AT+ULSTFILE=1\r"), "\r\n+ULSTFILE: 0\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UDWNFILE=\"one\",1\r"), "\r\nERROR\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+UDWNFILE=\"none\",0\r"), "\r\n>" OK);
}
END_TEST

/* --fs-size: K and M are x1024, 64K..64M, and a count too large to shift
 * must not wrap into range (2^44+1 M is 1M modulo 2^64). */
START_TEST(fs_size_arg_accepts_64k_to_64m)
{
    device_cfg d;
    device_cfg_default(&d);
    char err[128];
    ck_assert_int_eq(device_fs_size_arg(&d, "2M", err, sizeof err), 0);
    ck_assert_uint_eq(d.fs_capacity, 2u << 20);
    ck_assert_int_eq(device_fs_size_arg(&d, "512K", err, sizeof err), 0);
    ck_assert_uint_eq(d.fs_capacity, 512u << 10);
    ck_assert_int_eq(device_fs_size_arg(&d, "65536", err, sizeof err), 0);
    ck_assert_uint_eq(d.fs_capacity, 65536);
    ck_assert_int_eq(device_fs_size_arg(&d, "64M", err, sizeof err), 0);
    ck_assert_uint_eq(d.fs_capacity, 64u << 20);
    const char *bad[] = { "65535", "63K", "65M", "", "M", "-1M", " 1M", "1m", "1MB", "1.5M",
                          "17592186044417M", "99999999999999999999999" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = 0;
        ck_assert_msg(device_fs_size_arg(&d, bad[i], err, sizeof err) == -1, "accepted \"%s\"", bad[i]);
        ck_assert_ptr_nonnull(strstr(err, "64K to 64M"));
    }
    ck_assert_uint_eq(d.fs_capacity, 64u << 20); /* unchanged by a refusal */
}
END_TEST

START_TEST(udwnfile_stall_ends_with_ffs_timeout_after_20s)
{
    ck_assert_str_eq(mh_cmd(&h, "AT+UDWNFILE=\"slow\",10\r"), "\r\n>");
    mh_advance(&h, SIM_S(15));
    send_bytes("abc", 3); /* restarts the 20 s */
    mh_advance(&h, SIM_S(20) - 1);
    ck_assert_str_eq(mh_take(&h), "");
    mh_advance(&h, 1);
    ck_assert_str_eq(mh_take(&h), "\r\n+CME ERROR: FFS TIMEOUT\r\n");
    ck_assert(!file_exists("USER", "slow"));
    ck_assert(mh_event_seen(&h, "fs dropped name=slow tag=USER bytes=3 reason=timeout"));
    ck_assert_str_eq(mh_cmd(&h, "AT+ULSTFILE=1\r"), "\r\n+ULSTFILE: 1048576\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+CMEE=1\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UDWNFILE=\"slow\",10\r"), "\r\n>");
    mh_advance(&h, SIM_S(20));
    ck_assert_str_eq(mh_take(&h), "\r\n+CME ERROR: 1649\r\n");
}
END_TEST

START_TEST(udwnfile_keeps_the_old_content_when_an_append_stalls)
{
    download("AT+UDWNFILE=\"log\",3\r", "old", 3);
    ck_assert_str_eq(mh_cmd(&h, "AT+UDWNFILE=\"log\",3\r"), "\r\n>");
    send_bytes("n", 1);
    mh_advance(&h, SIM_S(20));
    ck_assert_str_eq(mh_take(&h), "\r\n+CME ERROR: FFS TIMEOUT\r\n");
    ck_assert_int_eq(file_len("USER", "log"), 3);
}
END_TEST

START_TEST(udwnfile_power_cut_leaves_no_file)
{
    ck_assert_str_eq(mh_cmd(&h, "AT+UDWNFILE=\"cut\",100\r"), "\r\n>");
    send_bytes("0123456789", 10);
    modem_power_cut(h.m);
    ck_assert(mh_event_seen(&h, "fs dropped name=cut tag=USER bytes=10 reason=power_cut"));
    modem_power_on(h.m);
    mh_advance(&h, SIM_S(5));
    mh_take(&h);
    ck_assert(!file_exists("USER", "cut"));
    ck_assert_str_eq(mh_cmd(&h, "ATE0\r"), "ATE0\r" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+ULSTFILE=1\r"), "\r\n+ULSTFILE: 1048576\r\n" OK);
    mh_advance(&h, SIM_S(60)); /* the FFS timer died with the power */
    ck_assert_str_eq(mh_take(&h), "");
}
END_TEST

START_TEST(udwnfile_traces_progress_and_storage)
{
    ck_assert_str_eq(mh_cmd(&h, "AT+UDWNFILE=\"a b=c\",30\r"), "\r\n>");
    send_bytes("0123456789", 10);
    send_bytes("0123456789", 10);
    send_bytes("0123456789", 10);
    ck_assert_str_eq(mh_take(&h), OK);
    ck_assert(mh_event_seen(&h, "fs download name=a%20b%3Dc tag=USER bytes=0\n"
                                "fs download name=a%20b%3Dc tag=USER bytes=10\n"
                                "fs download name=a%20b%3Dc tag=USER bytes=20\n"
                                "fs download name=a%20b%3Dc tag=USER bytes=30\n"
                                "fs stored name=a%20b%3Dc tag=USER bytes=30\n"));
}
END_TEST

START_TEST(udwnfile_leaves_following_commands_to_the_parser)
{
    ck_assert_str_eq(mh_cmd(&h, "AT+UDWNFILE=\"p\",3\r"), "\r\n>");
    ck_assert_str_eq(mh_cmd(&h, "xyzAT+ULSTFILE=2,\"p\"\r"), OK "\r\n+ULSTFILE: 3\r\n" OK);
}
END_TEST

START_TEST(urcs_wait_until_the_download_ends)
{
    ck_assert_str_eq(mh_cmd(&h, "AT+CEREG=1\r"), OK);
    mh_advance(&h, SIM_S(10)); /* registered */
    mh_take(&h);
    ck_assert_str_eq(mh_cmd(&h, "AT+UDWNFILE=\"u\",2\r"), "\r\n>");
    modem_set_signal(h.m, 1, 0); /* a +CEREG URC while in data mode */
    ck_assert_str_eq(mh_take(&h), "");
    send_bytes("ok", 2);
    const char *out = mh_take(&h);
    ck_assert_msg(strncmp(out, OK "\r\n+CEREG: ", 6 + 10) == 0, "got \"%s\"", out);
}
END_TEST

/* ---- +ULSTFILE, +URDFILE, +URDBLOCK, +UDELFILE ---- */

START_TEST(ulstfile_lists_sizes_and_free_space)
{
    ck_assert_str_eq(mh_cmd(&h, "AT+ULSTFILE=1\r"), "\r\n+ULSTFILE: 1048576\r\n" OK);
    download("AT+UDWNFILE=\"b\",3\r", "bbb", 3);
    download("AT+UDWNFILE=\"a\",2\r", "aa", 2);
    download("AT+UDWNFILE=\"a\",2,\"XLWM2M\"\r", "ll", 2);
    ck_assert_str_eq(mh_cmd(&h, "AT+ULSTFILE=1\r"), "\r\n+ULSTFILE: 1048569\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+ULSTFILE=1,\"FOAT\"\r"), "\r\n+ULSTFILE: 1048569\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+ULSTFILE=0\r"), "\r\n+ULSTFILE: \"b\",\"a\"\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+ULSTFILE\r"), "\r\n+ULSTFILE: \"b\",\"a\"\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+ULSTFILE=0,\"XLWM2M\"\r"), "\r\n+ULSTFILE: \"a\"\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+ULSTFILE=2,\"b\"\r"), "\r\n+ULSTFILE: 3\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+ULSTFILE=2,\"b\",\"XLWM2M\"\r"), "\r\n+CME ERROR: FILE NOT FOUND\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+ULSTFILE=2\r"), "\r\n+CME ERROR: incorrect parameters\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+ULSTFILE=3\r"), "\r\n+CME ERROR: incorrect parameters\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+ULSTFILE=0,\"NOPE\"\r"), "\r\n+CME ERROR: incorrect parameters\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+ULSTFILE=?\r"), "\r\n+ULSTFILE: (0-2)\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UDELFILE=\"b\"\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+ULSTFILE=1\r"), "\r\n+ULSTFILE: 1048572\r\n" OK);
}
END_TEST

START_TEST(urdfile_and_urdblock_frames)
{
    download("AT+UDWNFILE=\"t.txt\",10\r", "0123456789", 10);
    ck_assert_str_eq(mh_cmd(&h, "AT+URDFILE=\"t.txt\",\"USER\"\r"), "\r\n+URDFILE: \"t.txt\",10,\"0123456789\"" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+URDBLOCK=\"t.txt\",2,3\r"), "\r\n+URDBLOCK: \"t.txt\",3,\"234\"" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+URDBLOCK=\"t.txt\",8,100\r"), "\r\n+URDBLOCK: \"t.txt\",2,\"89\"" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+URDBLOCK=\"t.txt\",10,1\r"), "\r\n+URDBLOCK: \"t.txt\",0,\"\"" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+URDBLOCK=\"t.txt\",99,1\r"), "\r\n+URDBLOCK: \"t.txt\",0,\"\"" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+URDBLOCK=\"t.txt\",0,1,\"USER\"\r"), "\r\n+CME ERROR: incorrect parameters\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+URDFILE=\"nope\"\r"), "\r\n+CME ERROR: FILE NOT FOUND\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+URDBLOCK=\"nope\",0,1\r"), "\r\n+CME ERROR: FILE NOT FOUND\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+CMEE=1\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+URDFILE=\"nope\"\r"), "\r\n+CME ERROR: 1612\r\n");
    ck_assert_str_eq(mh_cmd(&h, "ATV0\r"), "0\r");
    ck_assert_str_eq(mh_cmd(&h, "AT+URDFILE=\"t.txt\"\r"), "+URDFILE: \"t.txt\",10,\"0123456789\"\r\n0\r");
}
END_TEST

START_TEST(udelfile_and_the_app_note_udelf)
{
    download("AT+UDWNFILE=\"x\",1\r", "x", 1);
    download("AT+UDWNFILE=\"x\",1,\"XLWM2M\"\r", "y", 1);
    ck_assert_str_eq(mh_cmd(&h, "AT+UDELFILE=\"x\",\"XLWM2M\"\r"), OK);
    ck_assert(file_exists("USER", "x"));
    ck_assert_str_eq(mh_cmd(&h, "AT+UDELFILE=\"x\",\"XLWM2M\"\r"), "\r\n+CME ERROR: FILE NOT FOUND\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+UDELFILE=\"x\"\r"), OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UDELFILE=\"../x\"\r"), "\r\n+CME ERROR: FFS invalid filename\r\n");
    /* [AN] Table 12: AT+UDELF="updatePackage.bin" removes the FOAT package */
    download("AT+UDWNFILE=\"delta\",3,\"FOAT\"\r", "pkg", 3);
    ck_assert_str_eq(mh_cmd(&h, "AT+UDELFILE=\"updatePackage.bin\"\r"), "\r\n+CME ERROR: FILE NOT FOUND\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+UDELF=\"updatePackage.bin\"\r"), OK);
    ck_assert(!file_exists("FOAT", "updatePackage.bin"));
    ck_assert_str_eq(mh_cmd(&h, "AT+UDELF=\"updatePackage.bin\"\r"), "\r\n+CME ERROR: FILE NOT FOUND\r\n");
    ck_assert_str_eq(mh_cmd(&h, "AT+UDWNBLOCK=\"x\",0,1,1\r"), "\r\nERROR\r\n"); /* not on R5 */
}
END_TEST

/* ---- reboots ---- */

START_TEST(files_survive_cfun16)
{
    download("AT+UDWNFILE=\"keep\",4\r", "keep", 4);
    ck_assert_str_eq(mh_cmd(&h, "AT+CFUN=16\r"), OK);
    mh_advance(&h, SIM_S(10));
    mh_echo_off(&h);
    ck_assert_str_eq(mh_cmd(&h, "AT+URDFILE=\"keep\"\r"), "\r\n+URDFILE: \"keep\",4,\"keep\"" OK);
}
END_TEST

START_TEST(ufactory_fs_op_2_deletes_files_at_the_next_boot)
{
    download("AT+UDWNFILE=\"u\",1\r", "u", 1);
    download("AT+UDWNFILE=\"p\",1,\"FOAT\"\r", "p", 1);
    ck_assert_str_eq(mh_cmd(&h, "AT+UFACTORY=2,0\r"), OK);
    ck_assert(file_exists("USER", "u")); /* nothing happens before the boot */
    ck_assert_str_eq(mh_cmd(&h, "AT+CFUN=16\r"), OK);
    mh_advance(&h, SIM_S(10));
    mh_echo_off(&h);
    ck_assert(!file_exists("USER", "u"));
    ck_assert(!file_exists("FOAT", "updatePackage.bin"));
    ck_assert_str_eq(mh_cmd(&h, "AT+UFACTORY?\r"), "\r\n+UFACTORY: 0,0\r\n" OK);
    download("AT+UDWNFILE=\"later\",1\r", "l", 1);
    ck_assert_str_eq(mh_cmd(&h, "AT+CFUN=16\r"), OK);
    mh_advance(&h, SIM_S(10));
    ck_assert(file_exists("USER", "later"));
}
END_TEST

/* Replace the fixture's modem by one on a fresh state dir (dir is a
 * mkdtemp template). */
static void setup_on_disk(char *dir, modem_config *cfg)
{
    ck_assert_ptr_nonnull(mkdtemp(dir));
    teardown();
    mh_default_cfg(cfg, dir);
    mh_init_cfg(&h, cfg);
    mh_echo_off(&h);
    ck_assert_str_eq(mh_cmd(&h, "AT+CMEE=2\r"), OK);
}

static void remove_dir(const char *dir)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

START_TEST(files_survive_a_restart_on_the_same_state_dir)
{
    char dir[] = "/tmp/sarasim-cmdfs-XXXXXX";
    modem_config cfg;
    setup_on_disk(dir, &cfg);
    download("AT+UDWNFILE=\"persist\",4\r", "disk", 4);
    ck_assert_str_eq(mh_cmd(&h, "AT+UDWNFILE=\"partial\",4\r"), "\r\n>");
    send_bytes("pa", 2);
    mh_free(&h); /* the process ends mid-download */
    mh_init_cfg(&h, &cfg);
    mh_echo_off(&h);
    ck_assert_str_eq(mh_cmd(&h, "AT+ULSTFILE=0\r"), "\r\n+ULSTFILE: \"persist\"\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+URDFILE=\"persist\"\r"), "\r\n+URDFILE: \"persist\",4,\"disk\"" OK);
    remove_dir(dir);
}
END_TEST

START_TEST(a_flash_write_error_ends_the_download_with_ffs_error)
{
    char dir[] = "/tmp/sarasim-cmdfs-XXXXXX", path[64];
    modem_config cfg;
    setup_on_disk(dir, &cfg);
    snprintf(path, sizeof(path), "%s/fs", dir);
    ck_assert_int_eq(rmdir(path), 0); /* the flash area becomes unwritable */
    FILE *fp = fopen(path, "w");
    fclose(fp);
    ck_assert_str_eq(mh_cmd(&h, "AT+UDWNFILE=\"w\",2\r"), "\r\n>");
    send_bytes("ab", 2);
    ck_assert_str_eq(mh_take(&h), "\r\n+CME ERROR: FFS error\r\n");
    ck_assert(mh_event_seen(&h, "fs dropped name=w tag=USER bytes=2 reason=store_error"));
    ck_assert(!file_exists("USER", "w"));
    ck_assert_str_eq(mh_cmd(&h, "AT+ULSTFILE=1\r"), "\r\n+ULSTFILE: 1048576\r\n" OK);
    remove_dir(dir);
}
END_TEST

/* ---- host libraries, byte for byte ---- */

/* ubxlib's uAtClientReadBytes-after-skip parse of +URDFILE/+URDBLOCK: the
 * prefix, one skipped string parameter, an integer, one skipped byte (the
 * quote), then exactly that many bytes; the rest must end in OK. */
static size_t ubxlib_parse_read(const bytebuf *b, const char *prefix, uint8_t *out)
{
    const char *p = strstr((const char *)b->data, prefix);
    ck_assert_ptr_nonnull(p);
    p += strlen(prefix);
    while (*p == ' ')
        p++;
    ck_assert_int_eq(*p, '"');
    p = strchr(p + 1, '"') + 1;
    ck_assert_int_eq(*p, ',');
    long n = strtol(p + 1, (char **)&p, 10);
    ck_assert_int_eq(*p, ',');
    p += 2; /* the delimiter, then "the leading quote mark out of the way" */
    memcpy(out, p, (size_t)n);
    const char *rest = p + n;
    ck_assert_int_eq(memcmp(rest, "\"\r\nOK\r\n", 7), 0);
    ck_assert_uint_eq((size_t)(rest + 7 - (const char *)b->data), b->len);
    return (size_t)n;
}

START_TEST(ubxlib_file_write_read_and_list)
{
    /* uCellFileWrite: AT+UDWNFILE="<name>",<size>[,"<tag>"] CR, wait for the
     * single byte '>', 50 ms, the bytes, then the response. */
    uint8_t data[64];
    for (int i = 0; i < 64; i++)
        data[i] = (uint8_t)(i * 37 + 11); /* includes '\r', '"' and NUL */
    data[0] = '\n';                       /* a first data byte the LF rule must keep */
    mh_send(&h, "AT+UDWNFILE=\"ubx.bin\",64\r");
    const bytebuf *o = &h.out[0];
    ck_assert_uint_eq(o->len, 3);
    ck_assert_int_eq(o->data[o->len - 1], '>');
    bytebuf_clear(&h.out[0]);
    mh_advance(&h, SIM_MS(50));
    send_bytes(data, 64);
    expect_bytes(OK, 6);
    mh_send(&h, "AT+UDWNFILE=\"ubx.txt\",5,\"USER\"\r");
    expect_bytes("\r\n>", 3);
    mh_advance(&h, SIM_MS(50));
    send_bytes("hello", 5);
    expect_bytes(OK, 6);
    /* uCellFileRead */
    mh_send(&h, "AT+URDFILE=\"ubx.bin\"\r");
    uint8_t got[64];
    ck_assert_uint_eq(ubxlib_parse_read(&h.out[0], "+URDFILE:", got), 64);
    ck_assert_int_eq(memcmp(got, data, 64), 0);
    bytebuf_clear(&h.out[0]);
    /* uCellFileBlockRead */
    mh_send(&h, "AT+URDBLOCK=\"ubx.bin\",60,10\r");
    ck_assert_uint_eq(ubxlib_parse_read(&h.out[0], "+URDBLOCK:", got), 4);
    ck_assert_int_eq(memcmp(got, data + 60, 4), 0);
    bytebuf_clear(&h.out[0]);
    /* uCellFileListFirst: AT+ULSTFILE=0, names as comma-separated strings */
    ck_assert_str_eq(mh_cmd(&h, "AT+ULSTFILE=0\r"), "\r\n+ULSTFILE: \"ubx.bin\",\"ubx.txt\"\r\n" OK);
    /* uCellFileSize, uCellFileDelete */
    ck_assert_str_eq(mh_cmd(&h, "AT+ULSTFILE=2,\"ubx.txt\"\r"), "\r\n+ULSTFILE: 5\r\n" OK);
    ck_assert_str_eq(mh_cmd(&h, "AT+UDELFILE=\"ubx.txt\"\r"), OK);
}
END_TEST

/* SparkFun's sendCommandWithResponse()/waitForResponse(): match a terminator
 * anywhere in what arrived. */
static int sparkfun_found(const bytebuf *b, const char *term)
{
    size_t tl = strlen(term);
    for (size_t i = 0; i + tl <= b->len; i++)
        if (memcmp(b->data + i, term, tl) == 0)
            return 1;
    return 0;
}

START_TEST(sparkfun_append_get_contents_and_block)
{
    /* SparkFun never sets +CMEE and ends lines with CR LF. */
    ck_assert_str_eq(mh_cmd(&h, "AT+CMEE=0\r\n"), OK);
    /* appendFileContents: command, wait for ">", 50 ms, data, wait for
     * "\nOK\r\n" or "\nERROR\r\n" */
    mh_send(&h, "AT+UDWNFILE=\"sf.txt\",12\r\n");
    ck_assert(sparkfun_found(&h.out[0], ">"));
    bytebuf_clear(&h.out[0]);
    mh_advance(&h, SIM_MS(50));
    send_bytes("hello,\r\nworld", 12);
    ck_assert(sparkfun_found(&h.out[0], "\nOK\r\n"));
    bytebuf_clear(&h.out[0]);
    /* a second append, the way its examples log lines */
    mh_send(&h, "AT+UDWNFILE=\"sf.txt\",1\r\n");
    ck_assert(sparkfun_found(&h.out[0], ">"));
    bytebuf_clear(&h.out[0]);
    send_bytes("!", 1);
    ck_assert(sparkfun_found(&h.out[0], "\nOK\r\n"));
    bytebuf_clear(&h.out[0]);
    uint8_t *content;
    size_t len;
    ck_assert_int_eq(modem_file_get(h.m, "USER", "sf.txt", &content, &len), 0);
    ck_assert_uint_eq(len, 13); /* the LF after each command line was not data */
    ck_assert_int_eq(memcmp(content, "hello,\r\nworl!", 13), 0);
    free(content);
    /* getFileContents: getFileSize, then +URDFILE until "\"\r\nOK\r\n" */
    mh_send(&h, "AT+ULSTFILE=2,\"sf.txt\"\r\n");
    int size = -1;
    ck_assert(sparkfun_found(&h.out[0], "\nOK\r\n"));
    ck_assert_int_eq(sscanf(strstr((char *)h.out[0].data, "+ULSTFILE: "), "+ULSTFILE: %d", &size), 1);
    ck_assert_int_eq(size, 13);
    bytebuf_clear(&h.out[0]);
    mh_send(&h, "AT+URDFILE=\"sf.txt\"\r\n");
    ck_assert(sparkfun_found(&h.out[0], "\"\r\nOK\r\n"));
    char *sp = strstr((char *)h.out[0].data, "+URDFILE: ");
    sp = strchr(sp, '"');
    sp = strchr(sp + 1, '"');
    int read_size = 0;
    ck_assert_int_eq(sscanf(sp, "\",%d,", &read_size), 1);
    ck_assert_int_eq(read_size, 13);
    sp = strchr(sp + 1, '"');
    ck_assert_int_eq(memcmp(sp + 1, "hello,\r\nworl!", 13), 0);
    bytebuf_clear(&h.out[0]);
    /* getFileBlock: lower-case command, read until three quotes, length
     * after the first comma, then exactly that many bytes */
    mh_send(&h, "at+urdblock=\"sf.txt\",7,5\r\n");
    const bytebuf *o = &h.out[0];
    size_t i = 0, comma = 0;
    int quotes = 0;
    for (; i < o->len && quotes < 3; i++) {
        if (o->data[i] == '"')
            quotes++;
        else if (o->data[i] == ',' && !comma)
            comma = i + 1;
    }
    ck_assert_int_eq(quotes, 3);
    ck_assert_int_eq(strtoul((char *)o->data + comma, NULL, 10), 5);
    ck_assert_int_eq(memcmp(o->data + i, "\nworl", 5), 0);
}
END_TEST

static Suite *cmd_fs_suite(void)
{
    Suite *s = suite_create("cmd_fs");
    TCase *t = tcase_create("udwnfile");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, fs_size_arg_accepts_64k_to_64m);
    tcase_add_test(t, udwnfile_round_trip_of_every_byte_value);
    tcase_add_test(t, udwnfile_data_is_not_echoed);
    tcase_add_test(t, udwnfile_must_be_alone_on_its_line);
    tcase_add_test(t, udwnfile_appends_to_an_existing_file);
    tcase_add_test(t, udwnfile_of_zero_bytes_makes_an_empty_file);
    tcase_add_test(t, udwnfile_foat_is_stored_as_update_package);
    tcase_add_test(t, udwnfile_refuses_bad_names_before_the_prompt);
    tcase_add_test(t, udwnfile_refuses_unknown_tags_and_bad_sizes);
    tcase_add_test(t, udwnfile_that_does_not_fit_is_refused_before_the_prompt);
    tcase_add_test(t, udwnfile_stall_ends_with_ffs_timeout_after_20s);
    tcase_add_test(t, udwnfile_keeps_the_old_content_when_an_append_stalls);
    tcase_add_test(t, udwnfile_power_cut_leaves_no_file);
    tcase_add_test(t, udwnfile_traces_progress_and_storage);
    tcase_add_test(t, udwnfile_leaves_following_commands_to_the_parser);
    tcase_add_test(t, urcs_wait_until_the_download_ends);
    suite_add_tcase(s, t);
    t = tcase_create("read_list_delete");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, ulstfile_lists_sizes_and_free_space);
    tcase_add_test(t, urdfile_and_urdblock_frames);
    tcase_add_test(t, udelfile_and_the_app_note_udelf);
    suite_add_tcase(s, t);
    t = tcase_create("reboot");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, files_survive_cfun16);
    tcase_add_test(t, ufactory_fs_op_2_deletes_files_at_the_next_boot);
    tcase_add_test(t, files_survive_a_restart_on_the_same_state_dir);
    tcase_add_test(t, a_flash_write_error_ends_the_download_with_ffs_error);
    suite_add_tcase(s, t);
    t = tcase_create("hosts");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, ubxlib_file_write_read_and_list);
    tcase_add_test(t, sparkfun_append_get_contents_and_block);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(cmd_fs_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
