/* test_http_at.c - +UHTTP, +UHTTPC, +UUHTTPCR and +UHTTPER on the virtual
 * clock behind a simulated HTTP server (harness/http_service.h): the exact
 * bytes the host sees, the exact request the server gets, the response file,
 * the FOAT package and its MD5, every fault of the server and of the
 * network, the timeouts, the App. B exclusion, power cuts. */
#include <check.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/http_service.h"
#include "harness/networld.h"
#include "harness/sc_json.h"
#include "memhost.h"

typedef struct env {
    memhost h;
    networld *w;
} env;

/* A modem behind web.test (203.0.113.10) whose TCP 80 is the HTTP service
 * svc_json describes; link NULL: the default Cat-M1 model. */
static void env_init_cfg(env *e, const char *svc_json, const link_cfg *link, int psd, size_t fs_capacity)
{
    char err[256];
    nw_service_cfg svc;
    ck_assert_msg(http_service_from_json(svc_json, &svc, err, sizeof(err)) == 0, "%s", err);
    nw_host_cfg host = { (char *)"web.test", 0xCB00710A, NULL, &svc, 1, { 0 } };
    nw_config cfg = { &host, 1 };
    ck_assert_int_eq(networld_create(&e->w, &e->h.clock, &cfg, NULL), 0);
    svc.ops->destroy(svc.svc); /* the world keeps its own clone */
    modem_config mc;
    mh_default_cfg(&mc, NULL);
    mc.aux_uart = 1;
    if (link)
        memcpy(mc.dev.link, link, sizeof(mc.dev.link));
    if (fs_capacity)
        mc.dev.fs_capacity = (uint32_t)fs_capacity;
    mc.world = networld_ops(e->w);
    mh_init_cfg(&e->h, &mc);
    networld_attach(e->w, e->h.m);
    mh_prepare(&e->h);
    mh_advance(&e->h, SIM_S(4)); /* registered */
    if (psd) {
        mh_send(&e->h, "AT+UPSD=0,100,1;+UPSDA=0,3\r");
        mh_advance(&e->h, SIM_S(1));
        ck_assert_ptr_nonnull(strstr(mh_take(&e->h), "+UUPSDA: 0,"));
    }
    mh_take(&e->h);
}

static void env_init(env *e, const char *svc_json) { env_init_cfg(e, svc_json, NULL, 1, 0); }

static void env_free(env *e)
{
    mh_free(&e->h);
    networld_destroy(e->w);
}

static http_svc *server(env *e) { return networld_service(e->w, "web.test", IP_TCP, 80); }

/* Send a line; what the module answers at this simulated instant. */
static const char *cmd(env *e, const char *line)
{
    mh_send(&e->h, line);
    mh_advance(&e->h, 0);
    return mh_take(&e->h);
}

/* Run the clock until the module has said `what` (or `limit` passed);
 * everything it said meanwhile. */
static const char *until(env *e, const char *what, sim_ns limit)
{
    static bytebuf got;
    bytebuf_clear(&got);
    sim_ns end = clk_now(&e->h.clock) + limit;
    for (;;) {
        const char *s = mh_take(&e->h);
        bytebuf_append_str(&got, s);
        if (strstr((const char *)got.data, what) || clk_now(&e->h.clock) >= end)
            break;
        sim_ns next = clk_next_due(&e->h.clock);
        clk_advance(&e->h.clock, next < end ? next : end);
    }
    return (const char *)got.data;
}

/* The file's bytes as a NUL-terminated malloc'd copy (NULL if absent). */
static char *file_of(env *e, const char *tag, const char *name, size_t *len)
{
    uint8_t *d;
    if (modem_file_get(e->h.m, tag, name, &d, len))
        return NULL;
    char *s = malloc(*len + 1);
    memcpy(s, d, *len);
    s[*len] = 0;
    free(d);
    return s;
}

static const char *FILES = "{\"tcp\": 80, \"serve\": \"http\", \"echo\": \"/echo\", \"files\": {"
                           "\"/hello.txt\": {\"text\": \"hi\"},"
                           "\"/pkg.bin\": {\"generate\": 450000},"
                           "\"/old\": {\"redirect\": \"http://web.test/new\"},"
                           "\"/boom\": {\"status\": 500}}}";

static void md5_of(const uint8_t *p, size_t n, char out[33])
{
    unsigned char d[16];
    unsigned dn;
    EVP_Digest(p, n, d, &dn, EVP_md5(), NULL);
    for (int i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* ---------------- the commands' forms ---------------- */

START_TEST(uhttp_profile_ops_and_read_forms)
{
    env e;
    env_init(&e, FILES);
    ck_assert_str_eq(cmd(&e, "AT+UHTTP=?\r"), "\r\n+UHTTP: (0-3),(0-7,9)\r\n\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UHTTP=0,1\r"), "\r\n+UHTTP: 0,1,\"\"\r\n\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UHTTP=0,5\r"), "\r\n+UHTTP: 0,5,80\r\n\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UHTTP=0,7\r"), "\r\n+UHTTP: 0,7,180\r\n\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UHTTP=0,6\r"), "\r\n+UHTTP: 0,6,0\r\n\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UHTTP=2,0,\"203.0.113.10\"\r"), "\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UHTTP=2,0\r"), "\r\n+UHTTP: 2,0,\"203.0.113.10\"\r\n\r\nOK\r\n");
    /* a name replaces the address and the other way round */
    ck_assert_str_eq(cmd(&e, "AT+UHTTP=2,1,\"web.test\"\r"), "\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UHTTP=2,0\r"), "\r\n+UHTTP: 2,0,\"\"\r\n\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UHTTP=2,1\r"), "\r\n+UHTTP: 2,1,\"web.test\"\r\n\r\nOK\r\n");
    /* secure with a +USECPRF profile, as Particle sets it */
    ck_assert_str_eq(cmd(&e, "AT+UHTTP=0,6,1,2\r"), "\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UHTTP=0,6\r"), "\r\n+UHTTP: 0,6,1,2\r\n\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UHTTP=0,9,\"0:X-Id:42\"\r"), "\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UHTTP=0,9,\"3:Content-Type: application/json\"\r"), "\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UHTTP=0,9\r"), "\r\n+UHTTP: 0,9,\"0:X-Id:42\"\r\n"
                                                "+UHTTP: 0,9,\"3:Content-Type:application/json\"\r\n\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UHTTP=0,9,\"0:\"\r"), "\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UHTTP=0,7,60\r"), "\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UHTTP=0,7\r"), "\r\n+UHTTP: 0,7,60\r\n\r\nOK\r\n");
    /* reset: factory values */
    ck_assert_str_eq(cmd(&e, "AT+UHTTP=0\r"), "\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UHTTP=0,7\r"), "\r\n+UHTTP: 0,7,180\r\n\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UHTTP=0,9\r"), "\r\n+UHTTP: 0,9,\"\"\r\n\r\nOK\r\n");
    static const char *const bad[] = {
        "AT+UHTTP=4,1,\"x\"\r", "AT+UHTTP=0,8,\"x\"\r", "AT+UHTTP=0,7,0\r",      "AT+UHTTP=0,7,181\r",
        "AT+UHTTP=0,5,0\r",     "AT+UHTTP=0,0,\"1.2.3\"\r", "AT+UHTTP=0,6,1,5\r", "AT+UHTTP=0,4,2\r",
        "AT+UHTTP=0,2,\"0123456789012345678901234567890\"\r", "AT+UHTTP=0,9,\"5:X:y\"\r",
        "AT+UHTTP=0,9,\"0:Bad Name:y\"\r",
    };
    mh_expect_all(&e.h, bad, sizeof(bad) / sizeof(bad[0]), "\r\n+CME ERROR: incorrect parameters\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UHTTP?\r"), "\r\nERROR\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UHTTPER=1\r"), "\r\n+UHTTPER: 1,0,0\r\n\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UHTTPC=?\r"), "\r\n+UHTTPC: (0-3),(0-5,100)\r\n\r\nOK\r\n");
    env_free(&e);
}
END_TEST

START_TEST(uhttpc_bad_forms)
{
    env e;
    env_init(&e, FILES);
    cmd(&e, "AT+UHTTP=0,1,\"web.test\"\r");
    static const char *const bad[] = {
        "AT+UHTTPC=0,6,\"/\",\"r\"\r",         "AT+UHTTPC=4,1,\"/\",\"r\"\r",      "AT+UHTTPC=0,1,\"/\"\r",
        "AT+UHTTPC=0,1,\"/\",\"r\",1\r",       "AT+UHTTPC=0,100,\"/\",\"r\"\r",     "AT+UHTTPC=0,4,\"/\",\"r\",\"f\"\r",
        "AT+UHTTPC=0,5,\"/\",\"r\",\"d\",7\r", "AT+UHTTPC=0,5,\"/\",\"r\",\"d\",6\r",
        "AT+UHTTPC=0,1,\"/a b\",\"r\"\r",     "AT+UHTTPC=0,100,\"/a\tb\"\r",
    };
    mh_expect_all(&e.h, bad, sizeof(bad) / sizeof(bad[0]), "\r\n+CME ERROR: incorrect parameters\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UHTTPC=0,1,\"/\",\"a/b\"\r"), "\r\n+CME ERROR: FFS invalid filename\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UHTTPC=0,4,\"/\",\"r\",\"nofile\",1\r"), "\r\n+CME ERROR: FILE NOT FOUND\r\n");
    /* nothing was sent for any of them */
    mh_advance(&e.h, SIM_S(5));
    ck_assert_uint_eq(http_service_count(server(&e)), 0);
    ck_assert_str_eq(mh_take(&e.h), "");
    env_free(&e);
}
END_TEST

/* ---------------- GET, HEAD, 404, redirect ---------------- */

START_TEST(get_stores_the_whole_response)
{
    env e;
    env_init(&e, FILES);
    ck_assert_str_eq(cmd(&e, "AT+UHTTP=0,1,\"web.test\"\r"), "\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UHTTPC=0,1,\"/hello.txt\",\"get.ffs\"\r"), "\r\nOK\r\n");
    ck_assert_str_eq(until(&e, "+UUHTTPCR", SIM_S(10)), "\r\n+UUHTTPCR: 0,1,1\r\n");
    const http_svc_request *r = http_service_request(server(&e), 0);
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq((const char *)r->raw.data,
                     "GET /hello.txt HTTP/1.0\r\nHost: web.test\r\nUser-Agent: UBLOX-HttpClient\r\n\r\n");
    size_t n;
    char *f = file_of(&e, "USER", "get.ffs", &n);
    ck_assert_str_eq(f, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 2\r\n"
                        "Accept-Ranges: bytes\r\nConnection: close\r\n\r\nhi");
    free(f);
    /* the host reads it as ubxlib does */
    ck_assert_str_eq(cmd(&e, "AT+URDBLOCK=\"get.ffs\",0,15\r"), "\r\n+URDBLOCK: \"get.ffs\",15,\"HTTP/1.1 200 OK\"\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UHTTPER=0\r"), "\r\n+UHTTPER: 0,0,0\r\n\r\nOK\r\n");
    /* a second GET replaces the file */
    ck_assert_str_eq(cmd(&e, "AT+UHTTPC=0,1,\"/nope\",\"get.ffs\"\r"), "\r\nOK\r\n");
    ck_assert_str_eq(until(&e, "+UUHTTPCR", SIM_S(10)), "\r\n+UUHTTPCR: 0,1,1\r\n");
    f = file_of(&e, "USER", "get.ffs", &n);
    ck_assert_str_eq(f, "HTTP/1.1 404 Not Found\r\nContent-Type: application/octet-stream\r\nContent-Length: 14\r\n"
                        "Accept-Ranges: bytes\r\nConnection: close\r\n\r\n404 Not Found\n");
    free(f);
    ck_assert_str_eq(cmd(&e, "AT+UHTTPER=0\r"), "\r\n+UHTTPER: 0,0,0\r\n\r\nOK\r\n");
    env_free(&e);
}
END_TEST

START_TEST(head_delete_500_and_a_redirect_not_followed)
{
    env e;
    env_init(&e, FILES);
    cmd(&e, "AT+UHTTP=1,0,\"203.0.113.10\"\r");
    ck_assert_str_eq(cmd(&e, "AT+UHTTPC=1,0,\"/pkg.bin\",\"head.ffs\"\r"), "\r\nOK\r\n");
    ck_assert_str_eq(until(&e, "+UUHTTPCR", SIM_S(10)), "\r\n+UUHTTPCR: 1,0,1\r\n");
    size_t n;
    char *f = file_of(&e, "USER", "head.ffs", &n);
    ck_assert_str_eq(f, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 450000\r\n"
                        "Accept-Ranges: bytes\r\nConnection: close\r\n\r\n");
    free(f);
    ck_assert_str_eq((const char *)http_service_request(server(&e), 0)->raw.data,
                     "HEAD /pkg.bin HTTP/1.0\r\nHost: 203.0.113.10\r\nUser-Agent: UBLOX-HttpClient\r\n\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UHTTPC=1,1,\"/boom\",\"r.ffs\"\r"), "\r\nOK\r\n");
    ck_assert_str_eq(until(&e, "+UUHTTPCR", SIM_S(10)), "\r\n+UUHTTPCR: 1,1,1\r\n");
    f = file_of(&e, "USER", "r.ffs", &n);
    ck_assert_ptr_nonnull(strstr(f, "HTTP/1.1 500 Internal Server Error\r\n"));
    free(f);
    ck_assert_str_eq(cmd(&e, "AT+UHTTPC=1,1,\"/old\",\"r.ffs\"\r"), "\r\nOK\r\n");
    ck_assert_str_eq(until(&e, "+UUHTTPCR", SIM_S(10)), "\r\n+UUHTTPCR: 1,1,1\r\n");
    f = file_of(&e, "USER", "r.ffs", &n);
    ck_assert_ptr_nonnull(strstr(f, "HTTP/1.1 302 Found\r\nLocation: http://web.test/new\r\n"));
    free(f);
    mh_advance(&e.h, SIM_S(10));
    ck_assert_uint_eq(http_service_count(server(&e)), 3); /* the redirect was not followed */
    ck_assert_str_eq(cmd(&e, "AT+UHTTPC=1,2,\"/hello.txt\",\"del.ffs\"\r"), "\r\nOK\r\n");
    ck_assert_str_eq(until(&e, "+UUHTTPCR", SIM_S(10)), "\r\n+UUHTTPCR: 1,2,1\r\n");
    ck_assert_str_eq(http_service_request(server(&e), 3)->method, "DELETE");
    ck_assert_int_eq(http_service_request(server(&e), 3)->status, 200);
    env_free(&e);
}
END_TEST

/* ---------------- PUT, POST ---------------- */

START_TEST(post_data_put_and_post_file_send_these_bytes)
{
    env e;
    env_init(&e, FILES);
    cmd(&e, "AT+UHTTP=0,1,\"web.test\"\r");
    cmd(&e, "AT+UHTTP=0,5,80\r");
    cmd(&e, "AT+UHTTP=0,2,\"Aladdin\";+UHTTP=0,3,\"open sesame\";+UHTTP=0,4,1\r");
    cmd(&e, "AT+UHTTP=0,9,\"1:X-Id:7\"\r");
    ck_assert_str_eq(cmd(&e, "AT+UHTTPC=0,5,\"/echo\",\"post.ffs\",\"a=1&b=2\",0\r"), "\r\nOK\r\n");
    ck_assert_str_eq(until(&e, "+UUHTTPCR", SIM_S(10)), "\r\n+UUHTTPCR: 0,5,1\r\n");
    static const char want[] = "POST /echo HTTP/1.0\r\nHost: web.test\r\nUser-Agent: UBLOX-HttpClient\r\n"
                               "Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n"
                               "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n"
                               "X-Id: 7\r\n\r\na=1&b=2";
    ck_assert_str_eq((const char *)http_service_request(server(&e), 0)->raw.data, want);
    size_t n;
    char *f = file_of(&e, "USER", "post.ffs", &n);
    ck_assert_ptr_nonnull(strstr(f, "\r\n\r\n"));
    ck_assert_str_eq(strstr(f, "\r\n\r\n") + 4, want); /* the echo path answers with the request */
    free(f);
    /* PUT a file with a user-defined content type (ubxlib's form) */
    cmd(&e, "AT+UHTTP=0,4,0\r");
    mh_send(&e.h, "AT+UDWNFILE=\"up.txt\",5\r");
    mh_take(&e.h);
    ck_assert_str_eq(cmd(&e, "hello"), "\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UHTTPC=0,3,\"/up.txt\",\"put.ffs\",\"up.txt\",6,\"text/x-mine\"\r"), "\r\nOK\r\n");
    ck_assert_str_eq(until(&e, "+UUHTTPCR", SIM_S(10)), "\r\n+UUHTTPCR: 0,3,1\r\n");
    ck_assert_str_eq((const char *)http_service_request(server(&e), 1)->raw.data,
                     "PUT /up.txt HTTP/1.0\r\nHost: web.test\r\nUser-Agent: UBLOX-HttpClient\r\n"
                     "Content-Type: text/x-mine\r\nContent-Length: 5\r\nX-Id: 7\r\n\r\nhello");
    ck_assert_str_eq((const char *)http_service_file(server(&e), "/up.txt")->data, "hello");
    /* POST a file as multipart/form-data: the module wraps it */
    ck_assert_str_eq(cmd(&e, "AT+UHTTPC=0,4,\"/form\",\"pf.ffs\",\"up.txt\",3\r"), "\r\nOK\r\n");
    ck_assert_str_eq(until(&e, "+UUHTTPCR", SIM_S(10)), "\r\n+UUHTTPCR: 0,4,1\r\n");
    ck_assert_str_eq((const char *)http_service_request(server(&e), 2)->raw.data,
                     "POST /form HTTP/1.0\r\nHost: web.test\r\nUser-Agent: UBLOX-HttpClient\r\n"
                     "Content-Type: multipart/form-data; boundary=U1Blox2Http3Unique4Boundary5\r\n"
                     "Content-Length: 205\r\nX-Id: 7\r\n\r\n"
                     "--U1Blox2Http3Unique4Boundary5\r\n"
                     "Content-Disposition: form-data; name=\"file_post\"; filename=\"up.txt\"\r\n"
                     "Content-Length: 5\r\nContent-Type: application/octet-stream\r\n\r\nhello\r\n"
                     "--U1Blox2Http3Unique4Boundary5--\r\n\r\n");
    env_free(&e);
}
END_TEST

/* ---------------- 100: the FOTA package ---------------- */

START_TEST(fota_download_md5_and_link_time)
{
    env e;
    env_init(&e, FILES);
    cmd(&e, "AT+UHTTP=0,1,\"web.test\"\r");
    ck_assert_str_eq(cmd(&e, "AT+UHTTPC=0,100,\"/pkg.bin\"\r"), "\r\nOK\r\n");
    sim_ns start = clk_now(&e.h.clock);
    const char *urc = until(&e, "+UUHTTPCR", SIM_S(60));
    sim_ns took = clk_now(&e.h.clock) - start;
    uint8_t *pkg = malloc(450000);
    for (size_t i = 0; i < 450000; i++)
        pkg[i] = sc_generated_byte(i);
    char md5[33], want[96];
    md5_of(pkg, 450000, md5);
    snprintf(want, sizeof(want), "\r\n+UUHTTPCR: 0,100,1,200,\"%s\"\r\n", md5);
    ck_assert_str_eq(urc, want);
    size_t n;
    char *f = file_of(&e, "FOAT", "updatePackage.bin", &n);
    ck_assert_uint_eq(n, 450000);
    ck_assert_int_eq(memcmp(f, pkg, n), 0);
    free(f);
    free(pkg);
    ck_assert_str_eq(cmd(&e, "AT+ULSTFILE=0,\"FOAT\"\r"), "\r\n+ULSTFILE: \"updatePackage.bin\"\r\n\r\nOK\r\n");
    /* Cat-M1, 300 kbit/s down, 50 ms each way: the body's wire time plus
     * six one-way latencies (the DNS question and answer, SYN and SYN-ACK,
     * the request, the response's first segment) */
    double link = 450000.0 * 8 / 300000 + 6 * 0.050;
    double s = (double)took / 1e9;
    ck_assert_msg(s > link * 0.98 && s < link * 1.02, "450 kB took %.3f s, the link gives %.3f s", s, link);
    env_free(&e);
}
END_TEST

START_TEST(fota_chunked_with_extensions_and_trailers)
{
    env e;
    env_init(&e, "{\"tcp\": 80, \"serve\": \"http\", \"files\": {\"/p\": {\"generate\": 10000}},"
                 "\"faults\": {\"chunked\": {\"size\": 1000, \"extensions\": true, \"trailers\": true}}}");
    cmd(&e, "AT+UHTTP=0,1,\"web.test\"\r");
    ck_assert_str_eq(cmd(&e, "AT+UHTTPC=0,100,\"/p\"\r"), "\r\nOK\r\n");
    const char *urc = until(&e, "+UUHTTPCR", SIM_S(60));
    uint8_t pkg[10000];
    for (size_t i = 0; i < sizeof(pkg); i++)
        pkg[i] = sc_generated_byte(i);
    char md5[33], want[96];
    md5_of(pkg, sizeof(pkg), md5);
    snprintf(want, sizeof(want), "\r\n+UUHTTPCR: 0,100,1,200,\"%s\"\r\n", md5);
    ck_assert_str_eq(urc, want);
    /* the same response by GET: the file holds it as framed */
    ck_assert_str_eq(cmd(&e, "AT+UHTTPC=0,1,\"/p\",\"c.ffs\"\r"), "\r\nOK\r\n");
    ck_assert_str_eq(until(&e, "+UUHTTPCR", SIM_S(60)), "\r\n+UUHTTPCR: 0,1,1\r\n");
    size_t n;
    char *f = file_of(&e, "USER", "c.ffs", &n);
    ck_assert_ptr_nonnull(strstr(f, "Transfer-Encoding: chunked\r\n"));
    ck_assert_ptr_nonnull(strstr(f, "\r\n\r\n3e8;name=\"v\";x=1\r\n"));
    static const char last[] = "\r\n0;end=1\r\nX-Trailer-Count: 2\r\nX-Body-Length: 10000\r\n\r\n";
    ck_assert_ptr_nonnull(memmem(f, n, last, strlen(last))); /* the body holds NULs: not strstr */
    ck_assert_str_eq(f + n - 4, "\r\n\r\n");
    free(f);
    env_free(&e);
}
END_TEST

START_TEST(fota_over_a_full_file_system_fails)
{
    env e;
    env_init_cfg(&e, FILES, NULL, 1, 100000);
    cmd(&e, "AT+UHTTP=0,1,\"web.test\"\r");
    ck_assert_str_eq(cmd(&e, "AT+UHTTPC=0,100,\"/pkg.bin\"\r"), "\r\nOK\r\n");
    ck_assert_str_eq(until(&e, "+UUHTTPCR", SIM_S(60)), "\r\n+UUHTTPCR: 0,100,0\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UHTTPER=0\r"), "\r\n+UHTTPER: 0,3,10\r\n\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+ULSTFILE=0,\"FOAT\"\r"), "\r\n+ULSTFILE: \r\n\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+ULSTFILE=1\r"), "\r\n+ULSTFILE: 100000\r\n\r\nOK\r\n");
    env_free(&e);
}
END_TEST

START_TEST(one_firmware_download_at_a_time)
{
    env e;
    env_init(&e, FILES);
    cmd(&e, "AT+UHTTP=0,1,\"web.test\";+UHTTP=1,1,\"web.test\"\r");
    ck_assert_str_eq(cmd(&e, "AT+UHTTPC=0,100,\"/pkg.bin\"\r"), "\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UHTTPC=1,100,\"/pkg.bin\"\r"), "\r\n+CME ERROR: operation not allowed\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UDWNFILE=\"x\",10,\"FOAT\"\r"), "\r\n+CME ERROR: operation not allowed\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UHTTPC=0,1,\"/hello.txt\",\"r\"\r"), "\r\n+CME ERROR: operation not allowed\r\n");
    /* another profile may GET meanwhile */
    ck_assert_str_eq(cmd(&e, "AT+UHTTPC=1,1,\"/hello.txt\",\"r\"\r"), "\r\nOK\r\n");
    const char *got = until(&e, "+UUHTTPCR: 0,100", SIM_S(60));
    ck_assert_ptr_nonnull(strstr(got, "+UUHTTPCR: 1,1,1\r\n"));
    ck_assert_str_eq(cmd(&e, "AT+UHTTPC=1,100,\"/hello.txt\"\r"), "\r\nOK\r\n");
    ck_assert_ptr_nonnull(strstr(until(&e, "+UUHTTPCR", SIM_S(60)), "+UUHTTPCR: 1,100,1,200,"));
    /* a FOAT +UDWNFILE in progress on the other UART keeps +UHTTPC=..,100 out */
    mh_send_port(&e.h, 1, "ATE0\r");
    mh_take_port(&e.h, 1);
    mh_send_port(&e.h, 1, "AT+UDWNFILE=\"x\",10,\"FOAT\"\r");
    ck_assert_str_eq(mh_take_port(&e.h, 1), "\r\n>");
    ck_assert_str_eq(cmd(&e, "AT+UHTTPC=0,100,\"/pkg.bin\"\r"), "\r\n+CME ERROR: operation not allowed\r\n");
    mh_send_port(&e.h, 1, "0123456789");
    ck_assert_str_eq(mh_take_port(&e.h, 1), "\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UHTTPC=0,100,\"/hello.txt\"\r"), "\r\nOK\r\n");
    ck_assert_ptr_nonnull(strstr(until(&e, "+UUHTTPCR", SIM_S(60)), "+UUHTTPCR: 0,100,1,200,"));
    env_free(&e);
}
END_TEST

/* ---------------- failures ---------------- */

START_TEST(no_pdp_context)
{
    env e;
    env_init_cfg(&e, FILES, NULL, 0, 0);
    cmd(&e, "AT+UHTTP=0,1,\"web.test\"\r");
    ck_assert_str_eq(cmd(&e, "AT+UHTTPC=0,1,\"/hello.txt\",\"r\"\r"), "\r\nOK\r\n\r\n+UUHTTPCR: 0,1,0\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UHTTPER=0\r"), "\r\n+UHTTPER: 0,10,22\r\n\r\nOK\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UHTTPC=0,100,\"/pkg.bin\"\r"), "\r\nOK\r\n\r\n+UUHTTPCR: 0,100,0\r\n");
    ck_assert_uint_eq(http_service_count(server(&e)), 0);
    env_free(&e);
}
END_TEST

START_TEST(no_server_and_dns_failure)
{
    env e;
    env_init(&e, FILES);
    ck_assert_str_eq(cmd(&e, "AT+UHTTPC=2,1,\"/\",\"r\"\r"), "\r\nOK\r\n\r\n+UUHTTPCR: 2,1,0\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UHTTPER=2\r"), "\r\n+UHTTPER: 2,3,11\r\n\r\nOK\r\n");
    cmd(&e, "AT+UHTTP=2,1,\"nowhere.test\"\r");
    ck_assert_str_eq(cmd(&e, "AT+UHTTPC=2,100,\"/fw\"\r"), "\r\nOK\r\n");
    ck_assert_str_eq(until(&e, "+UUHTTPCR", SIM_S(60)), "\r\n+UUHTTPCR: 2,100,0\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UHTTPER=2\r"), "\r\n+UHTTPER: 2,3,23\r\n\r\nOK\r\n");
    env_free(&e);
}
END_TEST

START_TEST(server_closes_mid_body)
{
    env e;
    env_init(&e, "{\"tcp\": 80, \"serve\": \"http\", \"files\": {\"/p\": {\"body\": {\"generate\": 50000}, "
                 "\"close_at\": 20000}, \"/r\": {\"body\": {\"generate\": 50000}, \"close_at\": 20000, "
                 "\"abort\": true}, \"/lie\": {\"body\": {\"text\": \"short\"}, \"content_length\": 100}}}");
    cmd(&e, "AT+UHTTP=0,1,\"web.test\"\r");
    const char *paths[] = { "/p", "/r", "/lie" };
    for (int i = 0; i < 3; i++) {
        char line[64];
        snprintf(line, sizeof(line), "AT+UHTTPC=0,%d,\"%s\"%s\r", i == 2 ? 1 : 100, paths[i], i == 2 ? ",\"l\"" : "");
        ck_assert_str_eq(cmd(&e, line), "\r\nOK\r\n");
        char want[64];
        snprintf(want, sizeof(want), "\r\n+UUHTTPCR: 0,%d,0\r\n", i == 2 ? 1 : 100);
        ck_assert_str_eq(until(&e, "+UUHTTPCR", SIM_S(60)), want);
        ck_assert_str_eq(cmd(&e, "AT+UHTTPER=0\r"), "\r\n+UHTTPER: 0,3,11\r\n\r\nOK\r\n");
    }
    size_t n;
    ck_assert_ptr_null(file_of(&e, "FOAT", "updatePackage.bin", &n));
    ck_assert_ptr_null(file_of(&e, "USER", "l", &n));
    env_free(&e);
}
END_TEST

START_TEST(stalled_server_times_out_180s_after_the_last_byte)
{
    env e;
    env_init(&e, "{\"tcp\": 80, \"serve\": \"http\", \"files\": {\"/p\": {\"body\": {\"generate\": 50000}, "
                 "\"stall_at\": 20000}}}");
    cmd(&e, "AT+UHTTP=0,1,\"web.test\"\r");
    ck_assert_str_eq(cmd(&e, "AT+UHTTPC=0,100,\"/p\"\r"), "\r\nOK\r\n");
    /* the last byte (the 20000th of the body) lands within a second */
    mh_advance(&e.h, SIM_S(2));
    ck_assert(mh_event_seen(&e.h, "http fetch id=1 head status=200"));
    sim_ns stalled_since = clk_now(&e.h.clock) - SIM_S(2);
    mh_advance(&e.h, SIM_S(177));
    ck_assert_str_eq(mh_take(&e.h), "");
    const char *urc = until(&e, "+UUHTTPCR", SIM_S(10));
    ck_assert_str_eq(urc, "\r\n+UUHTTPCR: 0,100,0\r\n");
    sim_ns at = clk_now(&e.h.clock) - stalled_since;
    ck_assert_msg(at >= SIM_S(180) && at <= SIM_S(181), "timed out %.3f s after the stall began", (double)at / 1e9);
    ck_assert_str_eq(cmd(&e, "AT+UHTTPER=0\r"), "\r\n+UHTTPER: 0,3,28\r\n\r\nOK\r\n");
    /* op 7 shortens it */
    cmd(&e, "AT+UHTTP=0,7,30\r");
    ck_assert_str_eq(cmd(&e, "AT+UHTTPC=0,1,\"/p\",\"r\"\r"), "\r\nOK\r\n");
    sim_ns t0 = clk_now(&e.h.clock);
    ck_assert_str_eq(until(&e, "+UUHTTPCR", SIM_S(60)), "\r\n+UUHTTPCR: 0,1,0\r\n");
    at = clk_now(&e.h.clock) - t0;
    ck_assert_msg(at >= SIM_S(30) && at <= SIM_S(32), "%.3f s", (double)at / 1e9);
    env_free(&e);
}
END_TEST

START_TEST(slow_server_within_the_timeout_completes)
{
    env e;
    env_init(&e, "{\"tcp\": 80, \"serve\": \"http\", \"files\": {\"/p\": {\"body\": {\"generate\": 20000}, "
                 "\"rate\": 1000}}}");
    cmd(&e, "AT+UHTTP=0,1,\"web.test\"\r");
    ck_assert_str_eq(cmd(&e, "AT+UHTTPC=0,100,\"/p\"\r"), "\r\nOK\r\n");
    sim_ns t0 = clk_now(&e.h.clock);
    ck_assert_ptr_nonnull(strstr(until(&e, "+UUHTTPCR", SIM_S(60)), "+UUHTTPCR: 0,100,1,200,\""));
    double s = (double)(clk_now(&e.h.clock) - t0) / 1e9;
    /* 20000 bytes of body + the head at 1000 bytes/s: about 20 s */
    ck_assert_msg(s > 20 && s < 21, "%.3f s", s);
    env_free(&e);
}
END_TEST

START_TEST(a_64k_header_line_fails_the_request)
{
    /* a 64 kB header value: built here rather than written out */
    bytebuf j;
    bytebuf_init(&j);
    bytebuf_append_str(&j, "{\"tcp\": 80, \"serve\": \"http\", \"files\": {\"/p\": {\"body\": {\"text\": \"x\"}, "
                           "\"headers\": {\"X-Big\": \"");
    for (int i = 0; i < 65536; i++)
        bytebuf_append_byte(&j, 'a');
    bytebuf_append_str(&j, "\"}}}}");
    env e;
    env_init(&e, (const char *)j.data);
    bytebuf_free(&j);
    cmd(&e, "AT+UHTTP=0,1,\"web.test\"\r");
    ck_assert_str_eq(cmd(&e, "AT+UHTTPC=0,1,\"/p\",\"r\"\r"), "\r\nOK\r\n");
    ck_assert_str_eq(until(&e, "+UUHTTPCR", SIM_S(60)), "\r\n+UUHTTPCR: 0,1,0\r\n");
    ck_assert_str_eq(cmd(&e, "AT+UHTTPER=0\r"), "\r\n+UHTTPER: 0,3,10\r\n\r\nOK\r\n");
    size_t n;
    ck_assert_ptr_null(file_of(&e, "USER", "r", &n));
    env_free(&e);
}
END_TEST

START_TEST(pdp_drop_during_the_download)
{
    env e;
    env_init(&e, FILES);
    cmd(&e, "AT+UHTTP=0,1,\"web.test\"\r");
    ck_assert_str_eq(cmd(&e, "AT+UHTTPC=0,100,\"/pkg.bin\"\r"), "\r\nOK\r\n");
    mh_advance(&e.h, SIM_S(3));
    modem_network_pdp_drop(e.h.m);
    const char *got = until(&e, "+UUHTTPCR", SIM_S(10));
    ck_assert_ptr_nonnull(strstr(got, "+UUPSDD: 0\r\n"));
    ck_assert_ptr_nonnull(strstr(got, "\r\n+UUHTTPCR: 0,100,0\r\n"));
    ck_assert_str_eq(cmd(&e, "AT+UHTTPER=0\r"), "\r\n+UHTTPER: 0,10,22\r\n\r\nOK\r\n");
    env_free(&e);
}
END_TEST

START_TEST(power_cut_mid_download_leaves_nothing)
{
    env e;
    env_init(&e, FILES);
    cmd(&e, "AT+UHTTP=0,1,\"web.test\"\r");
    ck_assert_str_eq(cmd(&e, "AT+UHTTPC=0,100,\"/pkg.bin\"\r"), "\r\nOK\r\n");
    mh_advance(&e.h, SIM_S(3));
    modem_power_cut(e.h.m);
    modem_power_on(e.h.m);
    mh_advance(&e.h, SIM_S(30));
    const char *out = mh_take(&e.h);
    ck_assert_ptr_null(strstr(out, "+UUHTTPCR"));
    size_t n;
    ck_assert_ptr_null(file_of(&e, "FOAT", "updatePackage.bin", &n));
    /* the profile is back to its factory values (volatile) */
    mh_prepare(&e.h);
    ck_assert_str_eq(cmd(&e, "AT+UHTTP=0,1\r"), "\r\n+UHTTP: 0,1,\"\"\r\n\r\nOK\r\n");
    env_free(&e);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("http_at");
    TCase *t = tcase_create("forms");
    tcase_add_test(t, uhttp_profile_ops_and_read_forms);
    tcase_add_test(t, uhttpc_bad_forms);
    suite_add_tcase(s, t);
    t = tcase_create("exchanges");
    tcase_add_test(t, get_stores_the_whole_response);
    tcase_add_test(t, head_delete_500_and_a_redirect_not_followed);
    tcase_add_test(t, post_data_put_and_post_file_send_these_bytes);
    tcase_add_test(t, fota_download_md5_and_link_time);
    tcase_add_test(t, fota_chunked_with_extensions_and_trailers);
    tcase_add_test(t, fota_over_a_full_file_system_fails);
    tcase_add_test(t, one_firmware_download_at_a_time);
    suite_add_tcase(s, t);
    t = tcase_create("failures");
    tcase_add_test(t, no_pdp_context);
    tcase_add_test(t, no_server_and_dns_failure);
    tcase_add_test(t, server_closes_mid_body);
    tcase_add_test(t, stalled_server_times_out_180s_after_the_last_byte);
    tcase_add_test(t, slow_server_within_the_timeout_completes);
    tcase_add_test(t, a_64k_header_line_fails_the_request);
    tcase_add_test(t, pdp_drop_during_the_download);
    tcase_add_test(t, power_cut_mid_download_leaves_nothing);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
