/* test_ftp_at.c - the module's FTP client at the AT interface (issue 12):
 * +UFTP, +UFTPC, +UUFTPCR, +UUFTPCD and +UFTPER against the simulated FTP
 * server of harness/ftp_service.h behind the radio, on the virtual clock:
 * the exact bytes a host sees, what the server saw, files in the module's
 * file system, and every fault of the server and the network. */
#include <check.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/ftp_service.h"
#include "harness/sc_json.h"
#include "memhost.h"
#include "sim/ftp_client.h"

#define FTP_IP "203.0.113.21"
#define PKG_SIZE 450000

typedef struct env {
    memhost h;
    networld *w;
} env;

/* The server's configuration with `extra` JSON members ("" for none). */
static void world_log(void *ctx, const char *text)
{
    (void)ctx;
    if (getenv("FTP_DEBUG"))
        fprintf(stderr, "WORLD %s\n", text);
}

static void env_init_link(env *e, const char *extra, const link_cfg *link)
{
    char json[4096], err[256] = "";
    snprintf(json, sizeof(json),
             "{\"tcp\": 21, \"serve\": \"ftp\", \"user\": \"u\", \"pass\": \"p\","
             " \"files\": {\"/fw/pkg.bin\": {\"generate\": %d}, \"/a.txt\": {\"text\": \"hello\"},"
             " \"/docs/b.txt\": {\"text\": \"bee\"}}, \"dirs\": [\"/upload\"]%s%s}",
             PKG_SIZE, extra[0] ? ", " : "", extra);
    nw_service_cfg svc;
    ck_assert_msg(ftp_service_from_json(json, &svc, err, sizeof(err)) == 0, "%s", err);
    nw_host_cfg host = { (char *)"ftp.test", 0xCB007115, NULL, &svc, 1, { 0 } };
    nw_config cfg = { &host, 1 };
    ck_assert_int_eq(networld_create(&e->w, &e->h.clock, &cfg, NULL), 0);
    networld_set_log(e->w, world_log, NULL);
    svc.ops->destroy(svc.svc); /* the world runs its own clone */
    modem_config mc;
    mh_default_cfg(&mc, NULL);
    if (link)
        memcpy(mc.dev.link, link, sizeof(mc.dev.link));
    mc.world = networld_ops(e->w);
    mh_init_cfg(&e->h, &mc);
    networld_attach(e->w, e->h.m);
    mh_prepare(&e->h);
    mh_advance(&e->h, SIM_S(4)); /* registered */
}

static void env_init(env *e, const char *extra) { env_init_link(e, extra, NULL); }

static void env_free(env *e)
{
    mh_free(&e->h);
    networld_destroy(e->w);
}

static ftp_svc *server(env *e) { return networld_service(e->w, "ftp.test", IP_TCP, 21); }

/* Send a line; what the module answers at this simulated instant. */
static const char *cmd(env *e, const char *line)
{
    mh_send(&e->h, line);
    mh_advance(&e->h, 0);
    return mh_take(&e->h);
}

/* Run the clock from deadline to deadline until the host has received
 * `needle` (or `limit` passed); everything received, since the last take. */
static const char *until(env *e, const char *needle, sim_ns limit)
{
    sim_ns end = clk_now(&e->h.clock) + limit;
    while (!(e->h.out[0].data && strstr((const char *)e->h.out[0].data, needle))) {
        sim_ns next = clk_next_due(&e->h.clock);
        if (next > end)
            break;
        clk_advance(&e->h.clock, next);
    }
    if (getenv("FTP_DEBUG"))
        fprintf(stderr, "EVENTS:\n%s\n", e->h.events.data ? (const char *)e->h.events.data : "");
    return mh_take(&e->h);
}

static void bearer_up(env *e)
{
    mh_send(&e->h, "AT+UPSD=0,100,1;+UPSDA=0,3\r");
    ck_assert_ptr_nonnull(strstr(until(e, "+UUPSDA: 0,", SIM_S(2)), "+UUPSDA: 0,"));
}

static void profile(env *e, int passive)
{
    ck_assert_str_eq(cmd(e, "AT+UFTP=1,\"ftp.test\";+UFTP=2,\"u\";+UFTP=3,\"p\"\r"), "\r\nOK\r\n");
    ck_assert_str_eq(cmd(e, passive ? "AT+UFTP=6,1\r" : "AT+UFTP=6,0\r"), "\r\nOK\r\n");
}

/* Log in again (the bearer is up). */
static void relogin(env *e, int passive)
{
    profile(e, passive);
    ck_assert_str_eq(cmd(e, "AT+UFTPC=1\r"), "\r\nOK\r\n");
    ck_assert_str_eq(until(e, "+UUFTPCR:", SIM_S(5)), "\r\n+UUFTPCR: 1,1\r\n");
}

static void login(env *e, int passive)
{
    bearer_up(e);
    relogin(e, passive);
}

static const char *fail_code(env *e) { return cmd(e, "AT+UFTPER\r"); }

static int file_size(env *e, const char *tag, const char *name)
{
    uint8_t *d;
    size_t n;
    if (modem_file_get(e->h.m, tag, name, &d, &n))
        return -1;
    free(d);
    return (int)n;
}

/* The file holds the generated pattern from its start, n bytes. */
static void assert_generated(env *e, const char *tag, const char *name, size_t n)
{
    uint8_t *d;
    size_t len;
    ck_assert_int_eq(modem_file_get(e->h.m, tag, name, &d, &len), 0);
    ck_assert_uint_eq(len, n);
    for (size_t i = 0; i < n; i++)
        if (d[i] != sc_generated_byte(i))
            ck_abort_msg("byte %zu of %s differs", i, name);
    free(d);
}

static void md5_of_generated(size_t n, char hex[33])
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    EVP_DigestInit_ex(c, EVP_md5(), NULL);
    for (size_t i = 0; i < n; i++) {
        uint8_t b = sc_generated_byte(i);
        EVP_DigestUpdate(c, &b, 1);
    }
    unsigned char s[16];
    unsigned len;
    EVP_DigestFinal_ex(c, s, &len);
    EVP_MD_CTX_free(c);
    for (int i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", s[i]);
}

/* ---------------- +UFTP ---------------- */

START_TEST(profile_defaults_settings_and_reset)
{
    env e;
    env_init(&e, "");
    ck_assert_str_eq(cmd(&e, "AT+UFTP=?\r"), "\r\n+UFTP: (0-8)\r\n\r\nOK\r\n");
    const char *factory = "\r\n+UFTP: 0,\"\"\r\n+UFTP: 1,\"\"\r\n+UFTP: 2,\"\"\r\n+UFTP: 4,\"\"\r\n+UFTP: 5,30\r\n"
                          "+UFTP: 6,0\r\n+UFTP: 7,21\r\n+UFTP: 8,0\r\n\r\nOK\r\n";
    ck_assert_str_eq(cmd(&e, "AT+UFTP?\r"), factory);
    ck_assert_str_eq(cmd(&e, "AT+UFTP=0,\"203.0.113.21\";+UFTP=2,\"user\";+UFTP=3,\"secret\";+UFTP=4,\"acct\"\r"),
                     "\r\nOK\r\n");
    /* SparkFun's setFTPtimeouts: three values */
    ck_assert_str_eq(cmd(&e, "AT+UFTP=5,180,120,120;+UFTP=6,1;+UFTP=7,2121;+UFTP=8,1,2\r"), "\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UFTP?\r"),
                     "\r\n+UFTP: 0,\"203.0.113.21\"\r\n+UFTP: 1,\"\"\r\n+UFTP: 2,\"user\"\r\n+UFTP: 4,\"acct\"\r\n"
                     "+UFTP: 5,180\r\n+UFTP: 6,1\r\n+UFTP: 7,2121\r\n+UFTP: 8,1,2\r\n\r\nOK\r\n");
    /* a name replaces the address; an op alone goes back to its factory value */
    ck_assert_str_eq(cmd(&e, "AT+UFTP=1,\"ftp.test\";+UFTP=5;+UFTP=7;+UFTP=8\r"), "\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UFTP?\r"),
                     "\r\n+UFTP: 0,\"\"\r\n+UFTP: 1,\"ftp.test\"\r\n+UFTP: 2,\"user\"\r\n+UFTP: 4,\"acct\"\r\n"
                     "+UFTP: 5,30\r\n+UFTP: 6,1\r\n+UFTP: 7,21\r\n+UFTP: 8,0\r\n\r\nOK\r\n");
    static const char *const bad[] = {
        "AT+UFTP=9,1\r",          "AT+UFTP=0,\"ftp.test\"\r", "AT+UFTP=0,\"1.2.3.256\"\r",
        "AT+UFTP=1,\"\"\r",       "AT+UFTP=5,86401\r",        "AT+UFTP=5,30,1\r",
        "AT+UFTP=6,2\r",          "AT+UFTP=7,0\r",            "AT+UFTP=7,65536\r",
        "AT+UFTP=8,1,5\r",        "AT+UFTP=2,\"0123456789012345678901234567890\"\r",
        "AT+UFTP\r",
    };
    mh_expect_all(&e.h, bad, sizeof(bad) / sizeof(bad[0]), "\r\n+CME ERROR: incorrect parameters\r\n");
    /* volatile: a reboot forgets it */
    ck_assert_str_eq(cmd(&e, "AT+CFUN=16\r"), "\r\nOK\r\n");
    mh_advance(&e.h, SIM_S(6));
    mh_take(&e.h);
    mh_prepare(&e.h);
    ck_assert_str_eq(cmd(&e, "AT+UFTP?\r"), factory);
    ck_assert_str_eq(cmd(&e, "AT+UFTPER\r"), "\r\n+UFTPER: 0,0\r\n\r\nOK\r\n");
    env_free(&e);
}
END_TEST

START_TEST(uftpc_parameters)
{
    env e;
    env_init(&e, "");
    ck_assert_str_eq(cmd(&e, "AT+UFTPC=?\r"), "\r\n+UFTPC: (0-5,8,10,11,13,14,100)\r\n\r\nOK\r\n");
    static const char *const bad[] = {
        "AT+UFTPC\r",          "AT+UFTPC?\r",           "AT+UFTPC=1,\"x\"\r",       "AT+UFTPC=2\r",
        "AT+UFTPC=2,\"\"\r",   "AT+UFTPC=3,\"a\"\r",    "AT+UFTPC=4,\"a\"\r",       "AT+UFTPC=4,\"a\",\"b\",2\r",
        "AT+UFTPC=5,\"a\"\r",  "AT+UFTPC=9\r",          "AT+UFTPC=12,\"a\"\r",      "AT+UFTPC=101,\"a\"\r",
        "AT+UFTPC=100\r",      "AT+UFTPC=100,\"a\",2\r", "AT+UFTPC=14,\"a\",\"b\"\r",
    };
    mh_expect_all(&e.h, bad, sizeof(bad) / sizeof(bad[0]), "\r\n+CME ERROR: incorrect parameters\r\n");
    char longname[300];
    snprintf(longname, sizeof(longname), "AT+UFTPC=8,\"%0257d\"\r", 0);
    ck_assert_str_eq(cmd(&e, longname), "\r\n+CME ERROR: incorrect parameters\r\n");
    /* direct link is not simulated */
    ck_assert_str_eq(cmd(&e, "AT+UFTPC=6,\"a\"\r"), "\r\n+CME ERROR: operation not supported\r\n");
    /* a local name the file system refuses, an upload of a file that is not there */
    ck_assert_str_eq(cmd(&e, "AT+UFTPC=4,\"/fw/pkg.bin\",\"/fw/pkg.bin\"\r"),
                     "\r\n+CME ERROR: FFS invalid filename\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UFTPC=5,\"none.bin\",\"x\"\r"), "\r\n+CME ERROR: FILE NOT FOUND\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UFTPER=?\r"), "\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UFTPER?\r"), "\r\nERROR\r\n");
    env_free(&e);
}
END_TEST

/* ---------------- sessions ---------------- */

START_TEST(login_and_logout)
{
    env e;
    env_init(&e, "");
    login(&e, 1);
    ck_assert_str_eq(fail_code(&e), "\r\n+UFTPER: 0,0\r\n\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UFTPC=0\r"), "\r\nOK\r\n");
    ck_assert_str_eq(until(&e, "+UUFTPCR:", SIM_S(5)), "\r\n+UUFTPCR: 0,1\r\n");
    mh_advance(&e.h, SIM_S(1));
    ck_assert_str_eq(ftp_service_log(server(&e)), "connected\nUSER u\nPASS p\nQUIT\nclosed\n");
    /* logged out: an operation needs a session */
    ck_assert_str_eq(cmd(&e, "AT+UFTPC=14\r"), "\r\nOK\r\n\r\n+UUFTPCR: 14,0\r\n");
    ck_assert_str_eq(fail_code(&e), "\r\n+UFTPER: 8,1\r\n\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UFTPC=0\r"), "\r\nOK\r\n\r\n+UUFTPCR: 0,0\r\n");
    env_free(&e);
}
END_TEST

START_TEST(login_twice_without_server_and_one_operation_at_a_time)
{
    env e;
    env_init(&e, "");
    bearer_up(&e);
    ck_assert_str_eq(cmd(&e, "AT+UFTPC=1\r"), "\r\nOK\r\n\r\n+UUFTPCR: 1,0\r\n");
    ck_assert_str_eq(fail_code(&e), "\r\n+UFTPER: 8,3\r\n\r\nOK\r\n");
    profile(&e, 1);
    mh_send(&e.h, "AT+UFTPC=1\r");
    mh_advance(&e.h, 0);
    ck_assert_str_eq(mh_take(&e.h), "\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UFTPC=14\r"), "\r\n+CME ERROR: operation not allowed\r\n");
    ck_assert_str_eq(until(&e, "+UUFTPCR:", SIM_S(5)), "\r\n+UUFTPCR: 1,1\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UFTPC=1\r"), "\r\nOK\r\n\r\n+UUFTPCR: 1,0\r\n");
    ck_assert_str_eq(fail_code(&e), "\r\n+UFTPER: 8,2\r\n\r\nOK\r\n");
    env_free(&e);
}
END_TEST

START_TEST(no_pdp_context)
{
    env e;
    env_init(&e, "");
    profile(&e, 1);
    /* app note Table 9: no PSD connection */
    ck_assert_str_eq(cmd(&e, "AT+UFTPC=1\r"), "\r\nOK\r\n\r\n+UUFTPCR: 1,0\r\n");
    ck_assert_str_eq(fail_code(&e), "\r\n+UFTPER: 8,12\r\n\r\nOK\r\n");
    env_free(&e);
}
END_TEST

START_TEST(dns_failure_refused_server_and_login_refused)
{
    env e;
    env_init(&e, "\"faults\": {\"login\": \"refuse\"}");
    bearer_up(&e);
    profile(&e, 1);
    nw_faults f = { 0 };
    f.dns_fail = 1;
    networld_set_faults(e.w, "ftp.test", &f);
    cmd(&e, "AT+UFTPC=1\r");
    ck_assert_str_eq(until(&e, "+UUFTPCR:", SIM_S(5)), "\r\n+UUFTPCR: 1,0\r\n");
    ck_assert_str_eq(fail_code(&e), "\r\n+UFTPER: 8,13\r\n\r\nOK\r\n");
    f.dns_fail = 0;
    f.refuse = 1;
    networld_set_faults(e.w, "ftp.test", &f);
    cmd(&e, "AT+UFTPC=1\r");
    ck_assert_str_eq(until(&e, "+UUFTPCR:", SIM_S(5)), "\r\n+UUFTPCR: 1,0\r\n");
    ck_assert_str_eq(fail_code(&e), "\r\n+UFTPER: 8,14\r\n\r\nOK\r\n");
    f.refuse = 0;
    networld_set_faults(e.w, "ftp.test", &f);
    cmd(&e, "AT+UFTPC=1\r");
    ck_assert_str_eq(until(&e, "+UUFTPCR:", SIM_S(5)), "\r\n+UUFTPCR: 1,0\r\n");
    ck_assert_str_eq(fail_code(&e), "\r\n+UFTPER: 0,530\r\n\r\nOK\r\n");
    mh_advance(&e.h, SIM_S(1));
    ck_assert_str_eq(ftp_service_log(server(&e)), "connected\nUSER u\nPASS p\nQUIT\nclosed\n");
    env_free(&e);
}
END_TEST

/* ---------------- downloads ---------------- */

static void get_pkg(env *e, int passive)
{
    login(e, passive);
    ck_assert_str_eq(cmd(e, "AT+UFTPC=4,\"/fw/pkg.bin\",\"pkg.bin\"\r"), "\r\nOK\r\n");
    ck_assert_str_eq(until(e, "+UUFTPCR:", SIM_S(60)), "\r\n+UUFTPCR: 4,1\r\n");
    assert_generated(e, "USER", "pkg.bin", PKG_SIZE);
}

START_TEST(get_passive_at_the_link_rate)
{
    env e;
    env_init(&e, "");
    login(&e, 1);
    sim_ns t0 = clk_now(&e.h.clock);
    ck_assert_str_eq(cmd(&e, "AT+UFTPC=4,\"/fw/pkg.bin\",\"pkg.bin\"\r"), "\r\nOK\r\n");
    ck_assert_str_eq(until(&e, "+UUFTPCR:", SIM_S(60)), "\r\n+UUFTPCR: 4,1\r\n");
    double took = (double)(clk_now(&e.h.clock) - t0) / 1e9;
    /* 450 000 bytes at 300 kbit/s: 12 s, plus six round trips of commands */
    ck_assert_msg(took > 12.0 && took < 12.0 * 1.02 + 0.7, "took %.3f s", took);
    assert_generated(&e, "USER", "pkg.bin", PKG_SIZE);
    ck_assert_str_eq(ftp_service_log(server(&e)),
                     "connected\nUSER u\nPASS p\nTYPE I\nSIZE /fw/pkg.bin\nPASV\ndata passive port=50000\n"
                     "RETR /fw/pkg.bin\nsent /fw/pkg.bin bytes=450000\n");
    ck_assert_ptr_nonnull(strstr((const char *)e.h.events.data, "ftp stored name=pkg.bin tag=USER bytes=450000"));
    env_free(&e);
}
END_TEST

START_TEST(get_active)
{
    env e;
    env_init(&e, "");
    get_pkg(&e, 0);
    const char *log = ftp_service_log(server(&e));
    ck_assert_msg(strstr(log, "\nPORT 10,") && strstr(log, "\ndata active 10.") && !strstr(log, "PASV"), "%s", log);
    /* a second transfer in the same session: no TYPE I again */
    ck_assert_str_eq(cmd(&e, "AT+UFTPC=4,\"a.txt\",\"a.txt\"\r"), "\r\nOK\r\n");
    ck_assert_str_eq(until(&e, "+UUFTPCR:", SIM_S(5)), "\r\n+UUFTPCR: 4,1\r\n");
    ck_assert_str_eq(cmd(&e, "AT+URDFILE=\"a.txt\"\r"), "\r\n+URDFILE: \"a.txt\",5,\"hello\"\r\nOK\r\n");
    log = ftp_service_log(server(&e));
    ck_assert_ptr_null(strstr(strstr(log, "RETR /fw/pkg.bin"), "TYPE"));
    env_free(&e);
}
END_TEST

START_TEST(fota_package_with_md5_replaces_the_old_one)
{
    env e;
    env_init(&e, "");
    login(&e, 1);
    /* a stale package in the FOAT area */
    ck_assert_str_eq(cmd(&e, "AT+UDWNFILE=\"old\",3,\"FOAT\"\r"), "\r\n>");
    ck_assert_str_eq(cmd(&e, "abc"), "\r\nOK\r\n");
    char hex[33], want[64];
    md5_of_generated(PKG_SIZE, hex);
    ck_assert_str_eq(cmd(&e, "AT+UFTPC=100,\"/fw/pkg.bin\"\r"), "\r\nOK\r\n");
    snprintf(want, sizeof(want), "\r\n+UUFTPCR: 100,1,\"%s\"\r\n", hex);
    ck_assert_str_eq(until(&e, "+UUFTPCR:", SIM_S(60)), want);
    assert_generated(&e, "FOAT", "updatePackage.bin", PKG_SIZE);
    ck_assert_str_eq(cmd(&e, "AT+ULSTFILE=0,\"FOAT\"\r"), "\r\n+ULSTFILE: \"updatePackage.bin\"\r\n\r\nOK\r\n");
    ck_assert_int_eq(file_size(&e, "USER", "updatePackage.bin"), -1);
    env_free(&e);
}
END_TEST

START_TEST(missing_file_and_server_errors)
{
    env e;
    env_init(&e, "\"faults\": {\"replies\": {\"MKD\": \"550 Permission denied.\"}}");
    login(&e, 1);
    cmd(&e, "AT+UFTPC=4,\"nope.bin\",\"nope.bin\"\r");
    ck_assert_str_eq(until(&e, "+UUFTPCR:", SIM_S(5)), "\r\n+UUFTPCR: 4,0\r\n");
    ck_assert_str_eq(fail_code(&e), "\r\n+UFTPER: 0,550\r\n\r\nOK\r\n");
    ck_assert_int_eq(file_size(&e, "USER", "nope.bin"), -1);
    cmd(&e, "AT+UFTPC=100,\"nope.bin\"\r");
    ck_assert_str_eq(until(&e, "+UUFTPCR:", SIM_S(5)), "\r\n+UUFTPCR: 100,0\r\n");
    ck_assert_str_eq(fail_code(&e), "\r\n+UFTPER: 0,550\r\n\r\nOK\r\n");
    cmd(&e, "AT+UFTPC=10,\"new\"\r");
    ck_assert_str_eq(until(&e, "+UUFTPCR:", SIM_S(5)), "\r\n+UUFTPCR: 10,0\r\n");
    ck_assert_str_eq(fail_code(&e), "\r\n+UFTPER: 0,550\r\n\r\nOK\r\n");
    /* the session goes on: a success clears the error */
    cmd(&e, "AT+UFTPC=8,\"/docs\"\r");
    ck_assert_str_eq(until(&e, "+UUFTPCR:", SIM_S(5)), "\r\n+UUFTPCR: 8,1\r\n");
    ck_assert_str_eq(fail_code(&e), "\r\n+UFTPER: 0,0\r\n\r\nOK\r\n");
    env_free(&e);
}
END_TEST

START_TEST(file_larger_than_the_free_space)
{
    env e;
    env_init(&e, "");
    login(&e, 1);
    /* 700 kB of the 1 MB taken: the 450 kB package cannot fit */
    static uint8_t blob[700000];
    ck_assert_str_eq(cmd(&e, "AT+UDWNFILE=\"big\",700000\r"), "\r\n>");
    modem_host_write(e.h.m, 0, blob, sizeof(blob));
    ck_assert_str_eq(mh_take(&e.h), "\r\nOK\r\n");
    cmd(&e, "AT+UFTPC=4,\"/fw/pkg.bin\",\"pkg.bin\"\r");
    ck_assert_str_eq(until(&e, "+UUFTPCR:", SIM_S(5)), "\r\n+UUFTPCR: 4,0\r\n");
    ck_assert_str_eq(fail_code(&e), "\r\n+UFTPER: 8,19\r\n\r\nOK\r\n");
    ck_assert_ptr_null(strstr(ftp_service_log(server(&e)), "RETR")); /* SIZE said enough */
    ck_assert_int_eq(file_size(&e, "USER", "pkg.bin"), -1);
    env_free(&e);
}
END_TEST

START_TEST(a_file_that_grows_between_size_and_retr)
{
    env e;
    env_init(&e, "\"faults\": {\"grow\": 1000}");
    login(&e, 1);
    cmd(&e, "AT+UFTPC=4,\"/fw/pkg.bin\",\"pkg.bin\"\r");
    ck_assert_str_eq(until(&e, "+UUFTPCR:", SIM_S(60)), "\r\n+UUFTPCR: 4,1\r\n");
    /* the module keeps what came, not what SIZE announced */
    assert_generated(&e, "USER", "pkg.bin", PKG_SIZE + 1000);
    ck_assert_ptr_nonnull(strstr((const char *)e.h.events.data, "ftp size bytes=450000"));
    env_free(&e);
}
END_TEST

START_TEST(data_connection_cut_then_resumed)
{
    env e;
    env_init(&e, "\"faults\": {\"cut_at\": 100000}");
    login(&e, 1);
    cmd(&e, "AT+UFTPC=4,\"/fw/pkg.bin\",\"pkg.bin\"\r");
    ck_assert_str_eq(until(&e, "+UUFTPCR:", SIM_S(60)), "\r\n+UUFTPCR: 4,0\r\n");
    ck_assert_str_eq(fail_code(&e), "\r\n+UFTPER: 0,426\r\n\r\nOK\r\n");
    /* the bytes that came are kept: retrieving_mode 1 resumes from there */
    assert_generated(&e, "USER", "pkg.bin", 100000);
    ck_assert_ptr_nonnull(strstr(ftp_service_log(server(&e)), "cut /fw/pkg.bin at=100000"));
    cmd(&e, "AT+UFTPC=4,\"/fw/pkg.bin\",\"pkg.bin\",1\r");
    ck_assert_str_eq(until(&e, "+UUFTPCR:", SIM_S(60)), "\r\n+UUFTPCR: 4,1\r\n");
    ck_assert_ptr_nonnull(strstr(ftp_service_log(server(&e)), "REST 100000\nRETR /fw/pkg.bin\n"));
    assert_generated(&e, "USER", "pkg.bin", PKG_SIZE);
    /* mode 0 starts over */
    cmd(&e, "AT+UFTPC=4,\"/a.txt\",\"pkg.bin\"\r");
    ck_assert_str_eq(until(&e, "+UUFTPCR:", SIM_S(60)), "\r\n+UUFTPCR: 4,1\r\n");
    ck_assert_int_eq(file_size(&e, "USER", "pkg.bin"), 5);
    env_free(&e);
}
END_TEST

START_TEST(server_stalls_past_the_inactivity_timeout)
{
    env e;
    env_init(&e, "\"faults\": {\"stall_at\": 50000}");
    login(&e, 1);
    ck_assert_str_eq(cmd(&e, "AT+UFTP=5,20\r"), "\r\nOK\r\n");
    cmd(&e, "AT+UFTPC=4,\"/fw/pkg.bin\",\"pkg.bin\"\r");
    sim_ns t0 = clk_now(&e.h.clock);
    ck_assert_str_eq(until(&e, "+UUFTPCR:", SIM_S(60)), "\r\n+UUFTPCR: 4,0\r\n");
    /* 50 kB take 1.3 s, then 20 s of silence */
    sim_ns took = clk_now(&e.h.clock) - t0;
    ck_assert_msg(took > SIM_S(21) && took < SIM_S(22), "took %.3f s", (double)took / 1e9);
    ck_assert_str_eq(fail_code(&e), "\r\n+UFTPER: 8,16\r\n\r\nOK\r\n");
    assert_generated(&e, "USER", "pkg.bin", 50000);
    /* the session is over */
    ck_assert_str_eq(cmd(&e, "AT+UFTPC=14\r"), "\r\nOK\r\n\r\n+UUFTPCR: 14,0\r\n");
    ck_assert_str_eq(fail_code(&e), "\r\n+UFTPER: 8,1\r\n\r\nOK\r\n");
    env_free(&e);
}
END_TEST

START_TEST(an_idle_session_ends_after_the_timeout)
{
    env e;
    env_init(&e, "");
    login(&e, 1);
    mh_advance(&e.h, SIM_S(29));
    ck_assert_str_eq(cmd(&e, "AT+UFTPC=8,\"/docs\"\r"), "\r\nOK\r\n");
    ck_assert_str_eq(until(&e, "+UUFTPCR:", SIM_S(5)), "\r\n+UUFTPCR: 8,1\r\n");
    mh_advance(&e.h, SIM_S(31)); /* nothing for 31 s: gone, without a word */
    ck_assert_str_eq(mh_take(&e.h), "");
    ck_assert_str_eq(cmd(&e, "AT+UFTPC=8,\"/\"\r"), "\r\nOK\r\n\r\n+UUFTPCR: 8,0\r\n");
    ck_assert_str_eq(fail_code(&e), "\r\n+UFTPER: 8,1\r\n\r\nOK\r\n");
    /* 0: never */
    relogin(&e, 1);
    ck_assert_str_eq(cmd(&e, "AT+UFTP=5,0\r"), "\r\nOK\r\n");
    mh_advance(&e.h, SIM_S(3600));
    cmd(&e, "AT+UFTPC=8,\"/docs\"\r");
    ck_assert_str_eq(until(&e, "+UUFTPCR:", SIM_S(5)), "\r\n+UUFTPCR: 8,1\r\n");
    env_free(&e);
}
END_TEST

START_TEST(passive_port_unreachable_or_refused)
{
    env e;
    env_init(&e, "\"faults\": {\"pasv\": \"unreachable\"}");
    login(&e, 1);
    ck_assert_str_eq(cmd(&e, "AT+UFTP=5,60\r"), "\r\nOK\r\n");
    cmd(&e, "AT+UFTPC=14\r");
    sim_ns t0 = clk_now(&e.h.clock);
    ck_assert_str_eq(until(&e, "+UUFTPCR:", SIM_S(90)), "\r\n+UUFTPCR: 14,0\r\n");
    /* the SYN to 192.0.2.1 goes unanswered for tcp_connect_timeout */
    sim_ns took = clk_now(&e.h.clock) - t0;
    ck_assert_msg(took > SIM_S(30) && took < SIM_S(31), "took %.3f s", (double)took / 1e9);
    ck_assert_str_eq(fail_code(&e), "\r\n+UFTPER: 8,15\r\n\r\nOK\r\n");
    ck_assert_ptr_nonnull(strstr((const char *)e.h.events.data, "ftp data connect addr=192.0.2.1 port=50000"));
    env_free(&e);
    env_init(&e, "\"faults\": {\"pasv\": \"refused\"}");
    login(&e, 1);
    cmd(&e, "AT+UFTPC=4,\"a.txt\",\"a.txt\"\r");
    ck_assert_str_eq(until(&e, "+UUFTPCR:", SIM_S(5)), "\r\n+UUFTPCR: 4,0\r\n");
    ck_assert_str_eq(fail_code(&e), "\r\n+UFTPER: 8,15\r\n\r\nOK\r\n");
    env_free(&e);
}
END_TEST

START_TEST(the_bearer_goes_during_a_download)
{
    env e;
    env_init(&e, "");
    login(&e, 1);
    cmd(&e, "AT+UFTPC=4,\"/fw/pkg.bin\",\"pkg.bin\"\r");
    mh_advance(&e.h, SIM_S(3));
    mh_take(&e.h);
    modem_network_pdp_drop(e.h.m);
    ck_assert_str_eq(until(&e, "+UUFTPCR:", SIM_S(5)), "\r\n+UUPSDD: 0\r\n\r\n+UUFTPCR: 4,0\r\n");
    ck_assert_str_eq(fail_code(&e), "\r\n+UFTPER: 8,12\r\n\r\nOK\r\n");
    env_free(&e);
}
END_TEST

START_TEST(a_reboot_during_a_download_leaves_nothing)
{
    env e;
    env_init(&e, "");
    login(&e, 1);
    cmd(&e, "AT+UFTPC=100,\"/fw/pkg.bin\"\r");
    mh_advance(&e.h, SIM_S(3));
    ck_assert_str_eq(cmd(&e, "AT+CFUN=16\r"), "\r\nOK\r\n");
    mh_advance(&e.h, SIM_S(60));
    const char *out = mh_take(&e.h);
    ck_assert_ptr_null(strstr(out, "+UUFTPCR"));
    ck_assert_int_eq(file_size(&e, "FOAT", "updatePackage.bin"), -1);
    env_free(&e);
}
END_TEST

/* ---------------- listings, uploads, remote files ---------------- */

START_TEST(listings)
{
    env e;
    env_init(&e, "");
    login(&e, 1);
    cmd(&e, "AT+UFTPC=14\r");
    ck_assert_str_eq(until(&e, "+UUFTPCR:", SIM_S(5)),
                     "\r\n+UUFTPCD: 14,25,\"a.txt\r\ndocs\r\nfw\r\nupload\r\n\"\r\n\r\n+UUFTPCR: 14,1\r\n");
    cmd(&e, "AT+UFTPC=14,\"/docs\"\r");
    ck_assert_str_eq(until(&e, "+UUFTPCR:", SIM_S(5)), "\r\n+UUFTPCD: 14,7,\"b.txt\r\n\"\r\n\r\n+UUFTPCR: 14,1\r\n");
    cmd(&e, "AT+UFTPC=13,\"/fw/pkg.bin\"\r");
    ck_assert_str_eq(until(&e, "+UUFTPCR:", SIM_S(5)),
                     "\r\n+UUFTPCD: 13,54,\"-rw-r--r-- 1 ftp ftp     450000 Jan 01 00:00 pkg.bin\r\n\"\r\n"
                     "\r\n+UUFTPCR: 13,1\r\n");
    /* an empty directory: no data, success */
    cmd(&e, "AT+UFTPC=14,\"/upload\"\r");
    ck_assert_str_eq(until(&e, "+UUFTPCR:", SIM_S(5)), "\r\n+UUFTPCR: 14,1\r\n");
    cmd(&e, "AT+UFTPC=13,\"/nowhere\"\r");
    ck_assert_str_eq(until(&e, "+UUFTPCR:", SIM_S(5)), "\r\n+UUFTPCR: 13,0\r\n");
    ck_assert_str_eq(fail_code(&e), "\r\n+UFTPER: 0,550\r\n\r\nOK\r\n");
    env_free(&e);
}
END_TEST

START_TEST(long_listing_comes_in_1024_byte_urcs)
{
    env e;
    env_init(&e, "");
    login(&e, 1);
    char line[96];
    for (int i = 0; i < 40; i++) {
        snprintf(line, sizeof(line), "AT+UFTPC=10,\"/upload/directory-with-a-long-name-%02d\"\r", i);
        ck_assert_str_eq(cmd(&e, line), "\r\nOK\r\n");
        ck_assert_str_eq(until(&e, "+UUFTPCR:", SIM_S(5)), "\r\n+UUFTPCR: 10,1\r\n");
    }
    cmd(&e, "AT+UFTPC=14,\"/upload\"\r");
    const char *out = until(&e, "+UUFTPCR:", SIM_S(5));
    /* 40 names of 29 bytes and CR LF: 1240 bytes */
    ck_assert_ptr_nonnull(strstr(out, "\r\n+UUFTPCD: 14,1024,\"directory-with-a-long-name-00\r\n"));
    ck_assert_ptr_nonnull(strstr(out, "\"\r\n\r\n+UUFTPCD: 14,216,\""));
    ck_assert_ptr_nonnull(strstr(out, "directory-with-a-long-name-39\r\n\"\r\n\r\n+UUFTPCR: 14,1\r\n"));
    env_free(&e);
}
END_TEST

START_TEST(put_passive_and_active_then_back)
{
    env e;
    env_init(&e, "");
    login(&e, 1);
    ck_assert_str_eq(cmd(&e, "AT+UDWNFILE=\"up.bin\",6\r"), "\r\n>");
    ck_assert_str_eq(cmd(&e, "abc\"\r\n"), "\r\nOK\r\n");
    cmd(&e, "AT+UFTPC=5,\"up.bin\",\"/upload/up.bin\"\r");
    ck_assert_str_eq(until(&e, "+UUFTPCR:", SIM_S(5)), "\r\n+UUFTPCR: 5,1\r\n");
    const bytebuf *f = ftp_service_file(server(&e), "/upload/up.bin");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(f->len, 6);
    ck_assert_mem_eq(f->data, "abc\"\r\n", 6);
    /* active, resuming after 3 bytes: REST 3 */
    ck_assert_str_eq(cmd(&e, "AT+UFTP=6,0\r"), "\r\nOK\r\n");
    cmd(&e, "AT+UFTPC=5,\"up.bin\",\"/upload/up.bin\",3\r");
    ck_assert_str_eq(until(&e, "+UUFTPCR:", SIM_S(5)), "\r\n+UUFTPCR: 5,1\r\n");
    ck_assert_uint_eq(f->len, 6);
    ck_assert_ptr_nonnull(strstr(ftp_service_log(server(&e)), "REST 3\nSTOR /upload/up.bin\n"));
    ck_assert_str_eq(cmd(&e, "AT+UFTPC=5,\"up.bin\",\"x\",7\r"), "\r\n+CME ERROR: incorrect parameters\r\n");
    /* and back into another file */
    cmd(&e, "AT+UFTPC=4,\"/upload/up.bin\",\"back.bin\"\r");
    ck_assert_str_eq(until(&e, "+UUFTPCR:", SIM_S(5)), "\r\n+UUFTPCR: 4,1\r\n");
    ck_assert_str_eq(cmd(&e, "AT+URDFILE=\"back.bin\"\r"), "\r\n+URDFILE: \"back.bin\",6,\"abc\"\r\n\"\r\nOK\r\n");
    /* a server that refuses the upload */
    env_free(&e);
    env_init(&e, "\"faults\": {\"replies\": {\"STOR\": \"552 Quota exceeded.\"}}");
    login(&e, 1);
    ck_assert_str_eq(cmd(&e, "AT+UDWNFILE=\"up.bin\",1\r"), "\r\n>");
    ck_assert_str_eq(cmd(&e, "z"), "\r\nOK\r\n");
    cmd(&e, "AT+UFTPC=5,\"up.bin\",\"/upload/up.bin\"\r");
    ck_assert_str_eq(until(&e, "+UUFTPCR:", SIM_S(5)), "\r\n+UUFTPCR: 5,0\r\n");
    ck_assert_str_eq(fail_code(&e), "\r\n+UFTPER: 0,552\r\n\r\nOK\r\n");
    env_free(&e);
}
END_TEST

START_TEST(remote_files_and_directories)
{
    env e;
    env_init(&e, "");
    login(&e, 1);
    static const struct {
        const char *line, *urc;
    } steps[] = {
        { "AT+UFTPC=10,\"new\"\r", "\r\n+UUFTPCR: 10,1\r\n" },
        { "AT+UFTPC=8,\"new\"\r", "\r\n+UUFTPCR: 8,1\r\n" },
        { "AT+UFTPC=3,\"/a.txt\",\"moved.txt\"\r", "\r\n+UUFTPCR: 3,1\r\n" },
        { "AT+UFTPC=8,\"..\"\r", "\r\n+UUFTPCR: 8,1\r\n" },
        { "AT+UFTPC=11,\"new\"\r", "\r\n+UUFTPCR: 11,0\r\n" }, /* not empty */
        { "AT+UFTPC=2,\"new/moved.txt\"\r", "\r\n+UUFTPCR: 2,1\r\n" },
        { "AT+UFTPC=11,\"new\"\r", "\r\n+UUFTPCR: 11,1\r\n" },
        { "AT+UFTPC=2,\"new/moved.txt\"\r", "\r\n+UUFTPCR: 2,0\r\n" },
        { "AT+UFTPC=3,\"nothing\",\"x\"\r", "\r\n+UUFTPCR: 3,0\r\n" },
        { "AT+UFTPC=8,\"/nowhere\"\r", "\r\n+UUFTPCR: 8,0\r\n" },
    };
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        ck_assert_str_eq(cmd(&e, steps[i].line), "\r\nOK\r\n");
        const char *got = until(&e, "+UUFTPCR:", SIM_S(5));
        ck_assert_msg(!strcmp(got, steps[i].urc), "%s -> %s", steps[i].line, got);
    }
    ck_assert_ptr_null(ftp_service_file(server(&e), "/a.txt"));
    ck_assert(!ftp_service_has_dir(server(&e), "/new"));
    const char *log = ftp_service_log(server(&e));
    ck_assert_ptr_nonnull(strstr(log, "MKD new\nCWD new\nRNFR /a.txt\nRNTO moved.txt\nCWD ..\nRMD new\n"
                                      "DELE new/moved.txt\nRMD new\nDELE new/moved.txt\nRNFR nothing\nCWD /nowhere\n"));
    env_free(&e);
}
END_TEST

/* ---------------- App. B ---------------- */

START_TEST(fota_download_is_one_at_a_time_across_uarts)
{
    env e;
    modem_config mc;
    char err[256] = "";
    nw_service_cfg svc;
    ck_assert_int_eq(ftp_service_from_json("{\"tcp\": 21, \"serve\": \"ftp\", \"files\": {\"/p\": {\"generate\": 9}}}",
                                           &svc, err, sizeof(err)),
                     0);
    nw_host_cfg host = { (char *)"ftp.test", 0xCB007115, NULL, &svc, 1, { 0 } };
    nw_config cfg = { &host, 1 };
    ck_assert_int_eq(networld_create(&e.w, &e.h.clock, &cfg, NULL), 0);
    svc.ops->destroy(svc.svc);
    mh_default_cfg(&mc, NULL);
    mc.aux_uart = 1;
    mc.world = networld_ops(e.w);
    mh_init_cfg(&e.h, &mc);
    networld_attach(e.w, e.h.m);
    mh_prepare(&e.h);
    mh_send_port(&e.h, 1, "ATE0\r");
    mh_advance(&e.h, SIM_S(4));
    mh_take_port(&e.h, 1);
    login(&e, 1);
    mh_take_port(&e.h, 1); /* the URCs went there too */
    /* port 1 is in the middle of a FOAT +UDWNFILE */
    mh_send_port(&e.h, 1, "AT+UDWNFILE=\"pkg\",10,\"FOAT\"\r");
    mh_advance(&e.h, 0);
    ck_assert_str_eq(mh_take_port(&e.h, 1), "\r\n>");
    ck_assert_str_eq(cmd(&e, "AT+UFTPC=100,\"/p\"\r"), "\r\n+CME ERROR: operation not allowed\r\n");
    mh_send_port(&e.h, 1, "0123456789");
    mh_advance(&e.h, 0);
    ck_assert_str_eq(mh_take_port(&e.h, 1), "\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UFTPC=100,\"/p\"\r"), "\r\nOK\r\n");
    ck_assert_int_eq(ftpc_fota_running(e.h.m), 1);
    ck_assert_ptr_nonnull(strstr(until(&e, "+UUFTPCR:", SIM_S(5)), "+UUFTPCR: 100,1,\""));
    ck_assert_int_eq(ftpc_fota_running(e.h.m), 0);
    env_free(&e);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ftp_at");
    TCase *t = tcase_create("commands");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, profile_defaults_settings_and_reset);
    tcase_add_test(t, uftpc_parameters);
    tcase_add_test(t, login_and_logout);
    tcase_add_test(t, login_twice_without_server_and_one_operation_at_a_time);
    tcase_add_test(t, no_pdp_context);
    tcase_add_test(t, dns_failure_refused_server_and_login_refused);
    suite_add_tcase(s, t);
    t = tcase_create("transfers");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, get_passive_at_the_link_rate);
    tcase_add_test(t, get_active);
    tcase_add_test(t, fota_package_with_md5_replaces_the_old_one);
    tcase_add_test(t, missing_file_and_server_errors);
    tcase_add_test(t, file_larger_than_the_free_space);
    tcase_add_test(t, a_file_that_grows_between_size_and_retr);
    tcase_add_test(t, listings);
    tcase_add_test(t, long_listing_comes_in_1024_byte_urcs);
    tcase_add_test(t, put_passive_and_active_then_back);
    tcase_add_test(t, remote_files_and_directories);
    suite_add_tcase(s, t);
    t = tcase_create("faults");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, data_connection_cut_then_resumed);
    tcase_add_test(t, server_stalls_past_the_inactivity_timeout);
    tcase_add_test(t, an_idle_session_ends_after_the_timeout);
    tcase_add_test(t, passive_port_unreachable_or_refused);
    tcase_add_test(t, the_bearer_goes_during_a_download);
    tcase_add_test(t, a_reboot_during_a_download_leaves_nothing);
    tcase_add_test(t, fota_download_is_one_at_a_time_across_uarts);
    suite_add_tcase(s, t);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
