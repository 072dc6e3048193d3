/* test_http_live.c - the live sarasim's HTTP client against a real server on
 * loopback: busybox httpd serving a directory of files, with a CGI script
 * that answers a POST with what it received (busybox httpd has no upload of
 * its own; the CGI also answers with a body that ends when the connection
 * closes, a form the simulated server never uses).  The module is told where
 * web.test is with --host; a host on the PTY runs +UHTTPC GET, POST data,
 * POST of a file, a 404, and +UHTTPC=0,100 into the FOAT area, whose MD5 and
 * stored bytes are checked against the served file.
 *
 * Runs at --time-scale 10 with the Cat-M1 link model (docs/network.md) and a
 * 512 kB file system (--fs-size); waits only bound a failing test. */
#include <check.h>
#include <errno.h>
#include <openssl/evp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "peers.h"
#include "hostcheck.h"
#include "ptyhost.h"

#define T 10000
#define PKG_SIZE 300000

static simproc S;
static pid_t httpd = -1;
static int port;
static char www[64];

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void write_file(const char *path, const void *p, size_t n, mode_t mode)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(p, 1, n, f), n);
    fclose(f);
    chmod(path, mode);
}

static uint8_t *package(void)
{
    uint8_t *p = malloc(PKG_SIZE);
    for (size_t i = 0; i < PKG_SIZE; i++)
        p[i] = (uint8_t)((i * 131 + i / 977) & 0xff);
    return p;
}

/* The directory busybox serves: a text file, the package, the CGI. */
static void server_start(void)
{
    snprintf(www, sizeof(www), "/tmp/sarasim-www-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(www));
    char path[128];
    snprintf(path, sizeof(path), "%s/hello.txt", www);
    write_file(path, "hi there\n", 9, 0644);
    uint8_t *pkg = package();
    snprintf(path, sizeof(path), "%s/pkg.bin", www);
    write_file(path, pkg, PKG_SIZE, 0644);
    free(pkg);
    snprintf(path, sizeof(path), "%s/cgi-bin", www);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    static const char cgi[] = "#!/bin/sh\n"
                              "printf 'Content-Type: text/plain\\r\\n\\r\\n'\n"
                              "printf '%s %s %s\\n' \"$REQUEST_METHOD\" \"$CONTENT_TYPE\" \"$CONTENT_LENGTH\"\n"
                              "head -c \"${CONTENT_LENGTH:-0}\"\n";
    snprintf(path, sizeof(path), "%s/cgi-bin/echo", www);
    write_file(path, cgi, strlen(cgi), 0755);
    httpd = peer_httpd_start(www, &port, T);
    ck_assert_msg(httpd > 0, "busybox httpd did not start");
}

static void server_stop(void)
{
    peer_stop(httpd);
    httpd = -1;
    char cmdline[128];
    snprintf(cmdline, sizeof(cmdline), "rm -rf %s", www);
    ck_assert_int_eq(system(cmdline), 0);
}

static char *cmd(const char *line) { return host_cmd_checked(&S, line, T); }

static void ok(const char *line, const char *want) { host_ok(&S, line, want, T); }

/* Boot, echo off, verbose errors, registered, PSD profile up. */
static void bring_up(void)
{
    ck_assert_int_eq(host_open(&S, 115200), 0);
    ck_assert_int_eq(host_wait_ready(&S, T), 0);
    host_send(&S, "ATE0\r");
    ck_assert_int_eq(host_expect(&S, "OK\r\n", T), 0);
    ok("AT+CMEE=2\r", "\r\nOK\r\n");
    long long deadline = now_ms() + T;
    for (;;) {
        char *r = cmd("AT+CGATT?\r");
        int attached = strstr(r, "+CGATT: 1") != NULL;
        free(r);
        if (attached)
            break;
        ck_assert_msg(now_ms() < deadline, "never attached");
        poll(NULL, 0, 50);
    }
    ok("AT+UPSD=0,100,1\r", "\r\nOK\r\n");
    ok("AT+UPSDA=0,3\r", "\r\nOK\r\n");
    ck_assert_int_eq(host_expect(&S, "+UUPSDA: 0,\"", T), 0);
    ck_assert_int_eq(host_expect(&S, "\"\r\n", T), 0);
}

/* A +UHTTPC command: OK at once, then this URC line. */
static void request(const char *line, const char *urc)
{
    ok(line, "\r\nOK\r\n");
    int rc = host_expect(&S, urc, T);
    ck_assert_msg(rc == 0, "no %s; received: %.*s", urc, (int)S.rx.len, S.rx.data ? (const char *)S.rx.data : "");
}

/* The response file through +URDFILE: its bytes (malloc'd, NUL-ended). */
static char *read_file(const char *name, size_t *len)
{
    char line[128];
    snprintf(line, sizeof(line), "AT+URDFILE=\"%s\"\r", name);
    char *r = cmd(line);
    char head[160];
    snprintf(head, sizeof(head), "\r\n+URDFILE: \"%s\",", name);
    ck_assert_msg(!strncmp(r, head, strlen(head)), "%s", r);
    *len = strtoul(r + strlen(head), NULL, 10);
    const char *q = strchr(r + strlen(head), '"');
    ck_assert_ptr_nonnull(q);
    char *data = malloc(*len + 1);
    memcpy(data, q + 1, *len);
    data[*len] = 0;
    free(r);
    return data;
}

static int ends_with(const char *s, size_t n, const char *tail)
{
    size_t k = strlen(tail);
    return n >= k && !memcmp(s + n - k, tail, k);
}

static void md5_hex(const uint8_t *p, size_t n, char out[33])
{
    unsigned char d[16];
    unsigned dn;
    EVP_Digest(p, n, d, &dn, EVP_md5(), NULL);
    for (int i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* The FOAT package as the state dir keeps it: <state>/fs/<sha256("FOAT"
 * NUL "updatePackage.bin")>.f, a 1024-byte header, then the data
 * (docs/filesystem.md). */
static uint8_t *foat_blob(size_t *len)
{
    static const char key[] = "FOAT\0updatePackage.bin";
    unsigned char d[32];
    unsigned dn;
    EVP_Digest(key, sizeof(key) - 1, d, &dn, EVP_sha256(), NULL);
    char path[512];
    int n = snprintf(path, sizeof(path), "%s/fs/", S.state);
    for (int i = 0; i < 32; i++)
        n += snprintf(path + n, sizeof(path) - (size_t)n, "%02x", d[i]);
    snprintf(path + n, sizeof(path) - (size_t)n, ".f");
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 1024, SEEK_SET);
    *len = (size_t)(size - 1024);
    uint8_t *buf = malloc(*len);
    ck_assert_uint_eq(fread(buf, 1, *len, f), *len);
    fclose(f);
    return buf;
}

START_TEST(get_post_and_the_package_from_busybox_httpd)
{
    if (!peer_available("busybox")) {
        fprintf(stderr, "test_http_live: busybox not installed (tools/deps.sh test)\n");
        return;
    }
    server_start();
    const char *const args[] = { "--boot-time", "500ms", "--time-scale", "10", "--host", "web.test=127.0.0.1",
                                 "--fs-size", "512K", NULL };
    ck_assert_int_eq(simproc_start(&S, args), 0);
    bring_up();
    ok("AT+ULSTFILE=1\r", "\r\n+ULSTFILE: 524288\r\n\r\nOK\r\n"); /* --fs-size */
    char line[256];
    ok("AT+UHTTP=0,1,\"web.test\"\r", "\r\nOK\r\n");
    snprintf(line, sizeof(line), "AT+UHTTP=0,5,%d\r", port);
    ok(line, "\r\nOK\r\n");

    /* GET: the whole response in the file */
    request("AT+UHTTPC=0,1,\"/hello.txt\",\"get.ffs\"\r", "\r\n+UUHTTPCR: 0,1,1\r\n");
    size_t n;
    char *f = read_file("get.ffs", &n);
    ck_assert_msg(!strncmp(f, "HTTP/1.1 200 OK\r\n", 17), "%s", f);
    ck_assert_msg(ends_with(f, n, "Content-Length: 9\r\n\r\nhi there\n"), "%s", f);
    free(f);

    /* 404: still result 1, the status in the file */
    request("AT+UHTTPC=0,1,\"/missing\",\"nf.ffs\"\r", "\r\n+UUHTTPCR: 0,1,1\r\n");
    f = read_file("nf.ffs", &n);
    ck_assert_msg(!strncmp(f, "HTTP/1.1 404 Not Found\r\n", 24), "%s", f);
    free(f);
    ok("AT+UHTTPER=0\r", "\r\n+UHTTPER: 0,0,0\r\n\r\nOK\r\n");

    /* POST data to the CGI: the body comes back until the server closes */
    request("AT+UHTTPC=0,5,\"/cgi-bin/echo\",\"post.ffs\",\"a=1&b=2\",0\r", "\r\n+UUHTTPCR: 0,5,1\r\n");
    f = read_file("post.ffs", &n);
    ck_assert_msg(ends_with(f, n, "\r\n\r\nPOST application/x-www-form-urlencoded 7\na=1&b=2"), "%s", f);
    free(f);

    /* POST a file of the module's file system */
    host_send(&S, "AT+UDWNFILE=\"data.json\",13\r");
    ck_assert_int_eq(host_expect(&S, ">", T), 0);
    host_send_bytes(&S, "{\"temp\":21.5}", 13);
    ck_assert_int_eq(host_expect(&S, "OK\r\n", T), 0);
    request("AT+UHTTPC=0,4,\"/cgi-bin/echo\",\"pf.ffs\",\"data.json\",4\r", "\r\n+UUHTTPCR: 0,4,1\r\n");
    f = read_file("pf.ffs", &n);
    ck_assert_msg(ends_with(f, n, "\r\n\r\nPOST application/json 13\n{\"temp\":21.5}"), "%s", f);
    free(f);

    /* the package: MD5 in the URC and the stored bytes against the served file */
    uint8_t *pkg = package();
    char md5[33], urc[80];
    md5_hex(pkg, PKG_SIZE, md5);
    snprintf(urc, sizeof(urc), "\r\n+UUHTTPCR: 0,100,1,200,\"%s\"\r\n", md5);
    request("AT+UHTTPC=0,100,\"/pkg.bin\"\r", urc);
    ok("AT+ULSTFILE=2,\"updatePackage.bin\",\"FOAT\"\r", "\r\n+ULSTFILE: 300000\r\n\r\nOK\r\n");
    size_t blen;
    uint8_t *blob = foat_blob(&blen);
    ck_assert_uint_eq(blen, PKG_SIZE);
    ck_assert_int_eq(memcmp(blob, pkg, PKG_SIZE), 0);
    char blob_md5[33];
    md5_hex(blob, blen, blob_md5);
    ck_assert_str_eq(blob_md5, md5);
    free(blob);
    free(pkg);
    simproc_cleanup(&S);
    server_stop();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("http_live");
    TCase *t = tcase_create("busybox");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, get_post_and_the_package_from_busybox_httpd);
    suite_add_tcase(s, t);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
