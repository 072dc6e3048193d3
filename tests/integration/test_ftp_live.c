/* test_ftp_live.c - the live sarasim's FTP client against a real server
 * (issue 12): pyftpdlib (Debian's python3-pyftpdlib) serving a directory on
 * 127.0.0.1, the module told where it is with --host.  In passive and in
 * active mode (the server connects back to the port the module listens on,
 * which the live front end binds on loopback), a host on the PTY logs in,
 * lists, downloads with +UFTPC=4 (read back through +URDFILE) and with
 * +UFTPC=100 (md5 checked against the served file), uploads with +UFTPC=5
 * (checked on disk), and logs out.
 *
 * Runs at --time-scale 10 with +UFTP=5 at 600 s: the server answers in
 * wall time.  Waits only bound a failing test.  (Also checks --fs-size.) */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "peers.h"
#include "hostcheck.h"
#include "ptyhost.h"

#define T 10000
#define PYTHON "/usr/bin/python3" /* Debian's modules load only under it */
#define SMALL_SIZE 20000
#define PKG_SIZE 300000

static simproc S;
static pid_t ftpd = -1;
static char root[256], logpath[320];
static int port;

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void write_file(const char *name, const void *p, size_t n)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", root, name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(p, 1, n, f), n);
    fclose(f);
}

/* The whole file as the server keeps it (malloc'd), *n its size. */
static uint8_t *read_served(const char *name, size_t *n)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", root, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *b = malloc(PKG_SIZE + 1);
    *n = fread(b, 1, PKG_SIZE, f);
    fclose(f);
    return b;
}

static void small_content(uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) /* letters only: no CR LF OK inside +URDFILE */
        b[i] = (uint8_t)('a' + (i * 7 + i / 26) % 26);
}

static void pkg_content(uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)((i * 31 + i / 257) & 0xff);
}

static void md5_hex(const uint8_t *p, size_t n, char hex[33])
{
    unsigned char s[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_Digest(p, n, s, &len, EVP_md5(), NULL);
    for (unsigned i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", s[i]);
}

static void wait_listening(int p)
{
    if (peer_wait_tcp_listening(p, (int)T) == 0)
        return;
    char *log = peer_read_log(logpath);
    ck_abort_msg("pyftpdlib never listened on %d: %s", p, log ? log : "(no log)");
}

static void server_start(void)
{
    ck_assert_msg(access(PYTHON, X_OK) == 0, PYTHON " is missing");
    int rc = system(PYTHON " -c 'import pyftpdlib' 2>/dev/null");
    ck_assert_msg(rc == 0, "python3-pyftpdlib is not installed (tools/deps.sh test installs it)");
    snprintf(root, sizeof(root), "/tmp/sarasim-ftp-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(root));
    snprintf(logpath, sizeof(logpath), "%s.log", root);
    static uint8_t small[SMALL_SIZE], pkg[PKG_SIZE];
    small_content(small, sizeof(small));
    pkg_content(pkg, sizeof(pkg));
    write_file("small.bin", small, sizeof(small));
    write_file("pkg.bin", pkg, sizeof(pkg));
    port = peer_free_port_pair();
    ck_assert_int_gt(port, 0);
    char ports[16];
    snprintf(ports, sizeof(ports), "%d", port);
    const char *const argv[] = { PYTHON, "-m", "pyftpdlib", "-i", "127.0.0.1", "-p", ports, "-d", root,
                                 "-u", "u", "-P", "p", "-w", "-D", NULL };
    ftpd = peer_spawn(argv, logpath);
    ck_assert_int_gt(ftpd, 0);
    wait_listening(port);
}

static void server_stop(void)
{
    peer_stop(ftpd);
    ftpd = -1;
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf %s %s", root, logpath);
    ck_assert_int_eq(system(cmd), 0);
}

static void ok(const char *line, const char *want) { host_ok(&S, line, want, T); }

/* Everything received up to and including `needle` (malloc'd). */
static char *until(const char *needle)
{
    long long deadline = now_ms() + T;
    for (;;) {
        const char *at = S.rx.data ? strstr((const char *)S.rx.data, needle) : NULL;
        if (at) {
            size_t n = (size_t)(at - (const char *)S.rx.data) + strlen(needle);
            char *r = malloc(n + 1);
            memcpy(r, S.rx.data, n);
            r[n] = 0;
            bytebuf_consume(&S.rx, n);
            return r;
        }
        ck_assert_msg(now_ms() < deadline, "no %s; got: %s", needle, S.rx.data ? (const char *)S.rx.data : "");
        /* host_expect reads; a needle that cannot occur makes it read once */
        host_expect(&S, "\x01never\x01", 50);
    }
}

static void bring_up(void)
{
    ck_assert_int_eq(host_open(&S, 115200), 0);
    ck_assert_int_eq(host_wait_ready(&S, T), 0);
    host_send(&S, "ATE0\r");
    ck_assert_int_eq(host_expect(&S, "OK\r\n", T), 0);
    ck_assert_int_eq(host_poll(&S, "AT+CGATT?\r", "+CGATT: 1", T), 0);
    ck_assert_int_eq(host_sync(&S, T), 0);
    ok("AT+UPSD=0,100,1\r", "\r\nOK\r\n");
    ok("AT+UPSDA=0,3\r", "\r\nOK\r\n");
    free(until("+UUPSDA: 0,\""));
    free(until("\"\r\n"));
}

/* +UFTPC=<line>: OK at once, then the URC `want` (all of what came before
 * it is returned, malloc'd). */
static char *op(const char *line, const char *want)
{
    ok(line, "\r\nOK\r\n");
    return until(want);
}

static void session(int passive)
{
    char line[256], want[128];
    snprintf(line, sizeof(line), "AT+UFTP=6,%d\r", passive);
    ok(line, "\r\nOK\r\n");
    free(op("AT+UFTPC=1\r", "\r\n+UUFTPCR: 1,1\r\n"));

    /* the listing: pyftpdlib gives the names in no set order */
    char *l = op("AT+UFTPC=14\r", "\r\n+UUFTPCR: 14,1\r\n");
    ck_assert_msg(strstr(l, "\r\n+UUFTPCD: 14,") && strstr(l, "small.bin\r\n") && strstr(l, "pkg.bin\r\n"), "%s", l);
    free(l);

    /* +UFTPC=4 into the file system, read back */
    const char *local = passive ? "small_p.bin" : "small_a.bin";
    snprintf(line, sizeof(line), "AT+UFTPC=4,\"small.bin\",\"%s\"\r", local);
    free(op(line, "\r\n+UUFTPCR: 4,1\r\n"));
    snprintf(line, sizeof(line), "AT+URDFILE=\"%s\"\r", local);
    char *r = host_cmd(&S, line, T);
    ck_assert_ptr_nonnull(r);
    static uint8_t small[SMALL_SIZE];
    small_content(small, sizeof(small));
    snprintf(want, sizeof(want), "\r\n+URDFILE: \"%s\",%d,\"", local, SMALL_SIZE);
    ck_assert_msg(!strncmp(r, want, strlen(want)), "%.80s", r);
    ck_assert_mem_eq(r + strlen(want), small, SMALL_SIZE);
    ck_assert_str_eq(r + strlen(want) + SMALL_SIZE, "\"\r\nOK\r\n");
    free(r);

    /* +UFTPC=100: the md5 of the served file */
    size_t n;
    uint8_t *pkg = read_served("pkg.bin", &n);
    ck_assert_ptr_nonnull(pkg);
    char hex[33];
    md5_hex(pkg, n, hex);
    free(pkg);
    snprintf(want, sizeof(want), "\r\n+UUFTPCR: 100,1,\"%s\"\r\n", hex);
    free(op("AT+UFTPC=100,\"pkg.bin\"\r", want));
    snprintf(want, sizeof(want), "\r\n+ULSTFILE: %d\r\n\r\nOK\r\n", PKG_SIZE);
    ok("AT+ULSTFILE=2,\"updatePackage.bin\",\"FOAT\"\r", want);

    /* +UFTPC=5 from the file system onto the server's disk */
    const char *text = passive ? "uploaded in passive mode\r\n" : "uploaded in active mode, \"quoted\"\r\n";
    snprintf(line, sizeof(line), "AT+UDWNFILE=\"up.txt\",%zu\r", strlen(text));
    host_send(&S, line);
    ck_assert_int_eq(host_expect_exact(&S, "\r\n>", T), 0);
    host_send_bytes(&S, text, strlen(text));
    ck_assert_int_eq(host_expect_exact(&S, "\r\nOK\r\n", T), 0);
    const char *remote = passive ? "up_p.txt" : "up_a.txt";
    snprintf(line, sizeof(line), "AT+UFTPC=5,\"up.txt\",\"%s\"\r", remote);
    free(op(line, "\r\n+UUFTPCR: 5,1\r\n"));
    uint8_t *up = read_served(remote, &n);
    ck_assert_ptr_nonnull(up);
    ck_assert_uint_eq(n, strlen(text));
    ck_assert_mem_eq(up, text, n);
    free(up);
    ok("AT+UDELFILE=\"up.txt\"\r", "\r\nOK\r\n");

    free(op("AT+UFTPC=0\r", "\r\n+UUFTPCR: 0,1\r\n"));
    ok("AT+UFTPER\r", "\r\n+UFTPER: 0,0\r\n\r\nOK\r\n");
}

START_TEST(passive_and_active_against_pyftpdlib)
{
    server_start();
    const char *const args[] = { "--boot-time", "500ms", "--time-scale", "10", "--host", "ftp.test=127.0.0.1",
                                 "--fs-size", "2M", NULL };
    ck_assert_int_eq(simproc_start(&S, args), 0);
    bring_up();
    ok("AT+ULSTFILE=1\r", "\r\n+ULSTFILE: 2097152\r\n\r\nOK\r\n"); /* --fs-size */
    char line[64];
    snprintf(line, sizeof(line), "AT+UFTP=7,%d\r", port);
    ok("AT+UFTP=1,\"ftp.test\"\r", "\r\nOK\r\n");
    ok(line, "\r\nOK\r\n");
    ok("AT+UFTP=2,\"u\";+UFTP=3,\"p\";+UFTP=5,600\r", "\r\nOK\r\n");
    session(1);
    session(0);
    /* a wrong password: the server's 530 */
    ok("AT+UFTP=3,\"wrong\"\r", "\r\nOK\r\n");
    free(op("AT+UFTPC=1\r", "\r\n+UUFTPCR: 1,0\r\n"));
    ok("AT+UFTPER\r", "\r\n+UFTPER: 0,530\r\n\r\nOK\r\n");
    /* the server saw both modes (its debug log has every command) */
    char *log = peer_read_log(logpath);
    ck_assert_ptr_nonnull(log);
    ck_assert_msg(strstr(log, "<- PASV") && strstr(log, "<- PORT 127,0,0,1,") && strstr(log, "<- STOR up_a.txt"),
                  "%s", log);
    free(log);
    simproc_cleanup(&S);
    server_stop();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ftp_live");
    TCase *t = tcase_create("pyftpdlib");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, passive_and_active_against_pyftpdlib);
    suite_add_tcase(s, t);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
