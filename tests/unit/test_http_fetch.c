/* test_http_fetch.c - the module's HTTP exchange (sim/http_fetch.h) used the
 * way the uFOTA download will: no AT command, the module's own bearer,
 * a resume from an offset (206, or a server that ignores Range), an upload
 * larger than the send buffer, a cancel, the error classes; then the same
 * from a URI (http_fetch_uri, shaped like coap_fetch for sim/ufota.c). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/http_service.h"
#include "harness/networld.h"
#include "harness/sc_json.h"
#include "memhost.h"
#include "sim/http_fetch.h"

typedef struct env {
    memhost h;
    networld *w;
} env;

static void env_init(env *e, const char *svc_json)
{
    char err[256];
    nw_service_cfg svc;
    ck_assert_msg(http_service_from_json(svc_json, &svc, err, sizeof(err)) == 0, "%s", err);
    nw_host_cfg host = { (char *)"pkg.test", 0, NULL, &svc, 1, { 0 } };
    nw_config cfg = { &host, 1 };
    ck_assert_int_eq(networld_create(&e->w, &e->h.clock, &cfg, NULL), 0);
    svc.ops->destroy(svc.svc);
    modem_config mc;
    mh_default_cfg(&mc, NULL);
    mc.world = networld_ops(e->w);
    mh_init_cfg(&e->h, &mc);
    networld_attach(e->w, e->h.m);
    mh_advance(&e->h, SIM_S(4)); /* attached: the default bearer is up, no PSD profile */
}

static void env_free(env *e)
{
    mh_free(&e->h);
    networld_destroy(e->w);
}

static http_svc *server(env *e) { return networld_service(e->w, "pkg.test", IP_TCP, 80); }

/* What a caller collects. */
typedef struct got {
    int heads, done;
    http_head head; /* scalars of the head */
    bytebuf body;
    http_fetch_result res;
} got;

static int g_head(void *ctx, const http_head *h)
{
    got *g = ctx;
    g->heads++;
    g->head = *h;
    g->head.headers = NULL;
    g->head.reason = NULL;
    g->head.location = NULL;
    return 0;
}

static int g_body(void *ctx, const uint8_t *p, size_t n)
{
    return bytebuf_append(&((got *)ctx)->body, p, n);
}

static void g_done(void *ctx, const http_fetch_result *r)
{
    got *g = ctx;
    g->done++;
    g->res = *r;
}

static http_fetch *start(env *e, got *g, const char *path, uint64_t from, http_verb verb, const void *body, size_t n)
{
    memset(g, 0, sizeof(*g));
    bytebuf_init(&g->body);
    http_fetch_req r = { .user = IP_USER_MODULE, .host = "pkg.test", .port = 80, .start = from,
                         .req = { .verb = verb, .minor = 1, .target = path, .host = "pkg.test", .close = 1,
                                  .has_body = body != NULL, .body = body, .body_len = n } };
    http_fetch_sink s = { g_head, NULL, g_body, g_done, g };
    http_fetch *f = NULL;
    ck_assert_int_eq(http_fetch_start(e->h.m, &r, &s, &f), 0);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(g->done, 0); /* never from inside start */
    return f;
}

/* Jump from deadline to deadline until *done is set or `limit` passes. */
static void run_until(env *e, const int *done, sim_ns limit)
{
    sim_ns end = clk_now(&e->h.clock) + limit;
    while (!*done && clk_next_due(&e->h.clock) <= end)
        clk_advance(&e->h.clock, clk_next_due(&e->h.clock));
    ck_assert_int_eq(*done, 1);
}

static void run_until_done(env *e, got *g, sim_ns limit) { run_until(e, &g->done, limit); }

static const char *PKG = "{\"tcp\": 80, \"serve\": \"http\", \"files\": {\"/pkg\": {\"generate\": 450000},"
                         "\"/noranges\": {\"body\": {\"generate\": 1000}, \"ranges\": false}}}";

START_TEST(resume_from_an_offset_gets_206)
{
    env e;
    env_init(&e, PKG);
    got g;
    start(&e, &g, "/pkg", 400000, HTTP_VERB_GET, NULL, 0);
    run_until_done(&e, &g, SIM_S(60));
    ck_assert_int_eq(g.res.status, HF_OK);
    ck_assert_int_eq(g.res.http_status, 206);
    ck_assert_int_eq(g.head.has_range, 1);
    ck_assert_uint_eq(g.head.range_first, 400000);
    ck_assert_uint_eq(g.head.range_last, 449999);
    ck_assert_uint_eq(g.head.range_total, 450000);
    ck_assert_uint_eq(g.body.len, 50000);
    for (size_t i = 0; i < g.body.len; i++)
        ck_assert_uint_eq(g.body.data[i], sc_generated_byte(400000 + i));
    const http_svc_request *r = http_service_request(server(&e), 0);
    ck_assert_str_eq((const char *)r->raw.data,
                     "GET /pkg HTTP/1.1\r\nHost: pkg.test\r\nRange: bytes=400000-\r\nConnection: close\r\n\r\n");
    int cls, code;
    http_fetch_error_code(&g.res, &cls, &code);
    ck_assert_int_eq(cls, 0);
    ck_assert_int_eq(code, 0);
    bytebuf_free(&g.body);
    /* past the end: 416, a complete exchange the caller must judge */
    start(&e, &g, "/pkg", 450000, HTTP_VERB_GET, NULL, 0);
    run_until_done(&e, &g, SIM_S(60));
    ck_assert_int_eq(g.res.status, HF_OK);
    ck_assert_int_eq(g.res.http_status, 416);
    bytebuf_free(&g.body);
    env_free(&e);
}
END_TEST

START_TEST(a_server_that_ignores_range_sends_it_all)
{
    env e;
    env_init(&e, PKG);
    got g;
    start(&e, &g, "/noranges", 500, HTTP_VERB_GET, NULL, 0);
    run_until_done(&e, &g, SIM_S(60));
    ck_assert_int_eq(g.res.http_status, 200);
    ck_assert_int_eq(g.head.has_range, 0);
    ck_assert_uint_eq(g.body.len, 1000); /* from 0: the caller starts over */
    bytebuf_free(&g.body);
    env_free(&e);
}
END_TEST

START_TEST(an_upload_larger_than_the_send_buffer)
{
    env e;
    env_init(&e, PKG);
    size_t n = 100000; /* six times the 16 kB send buffer */
    uint8_t *data = malloc(n);
    for (size_t i = 0; i < n; i++)
        data[i] = (uint8_t)(i * 13);
    got g;
    start(&e, &g, "/up", 0, HTTP_VERB_PUT, data, n);
    run_until_done(&e, &g, SIM_S(60));
    ck_assert_int_eq(g.res.status, HF_OK);
    ck_assert_int_eq(g.res.request_sent, 1);
    const bytebuf *f = http_service_file(server(&e), "/up");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(f->len, n);
    ck_assert_int_eq(memcmp(f->data, data, n), 0);
    free(data);
    bytebuf_free(&g.body);
    env_free(&e);
}
END_TEST

START_TEST(cancel_ends_it_without_done)
{
    env e;
    env_init(&e, PKG);
    got g;
    http_fetch *f = start(&e, &g, "/pkg", 0, HTTP_VERB_GET, NULL, 0);
    mh_advance(&e.h, SIM_S(2));
    ck_assert_uint_gt(g.body.len, 0);
    http_fetch_cancel(f);
    mh_advance(&e.h, SIM_S(60));
    ck_assert_int_eq(g.done, 0);
    ck_assert(mh_event_seen(&e.h, "http fetch id=1 cancelled"));
    bytebuf_free(&g.body);
    env_free(&e);
}
END_TEST

START_TEST(failures_and_their_error_codes)
{
    env e;
    env_init(&e, "{\"tcp\": 80, \"serve\": \"http\", \"files\": {\"/s\": {\"body\": {\"generate\": 9000}, "
                 "\"stall_at\": 100}}}");
    got g;
    /* a name nobody serves */
    memset(&g, 0, sizeof(g));
    bytebuf_init(&g.body);
    http_fetch_req r = { .user = IP_USER_MODULE, .host = "nowhere.test", .port = 80,
                         .req = { .verb = HTTP_VERB_GET, .target = "/" } };
    http_fetch_sink s = { g_head, NULL, g_body, g_done, &g };
    http_fetch *f;
    ck_assert_int_eq(http_fetch_start(e.h.m, &r, &s, &f), 0);
    run_until_done(&e, &g, SIM_S(60));
    ck_assert_int_eq(g.res.status, HF_DNS_FAILED);
    /* nothing listens on 81: refused */
    g.done = 0;
    r.host = "pkg.test";
    r.port = 81;
    ck_assert_int_eq(http_fetch_start(e.h.m, &r, &s, &f), 0);
    run_until_done(&e, &g, SIM_S(60));
    ck_assert_int_eq(g.res.status, HF_REFUSED);
    ck_assert_int_eq(g.res.err, -ECONNREFUSED);
    /* a stall: the caller's own timeout */
    g.done = 0;
    r.port = 80;
    r.req.target = "/s";
    r.timeout = SIM_S(20);
    ck_assert_int_eq(http_fetch_start(e.h.m, &r, &s, &f), 0);
    sim_ns t0 = clk_now(&e.h.clock);
    run_until_done(&e, &g, SIM_S(60));
    ck_assert_int_eq(g.res.status, HF_TIMEOUT);
    ck_assert_uint_ge(clk_now(&e.h.clock) - t0, SIM_S(20));
    ck_assert_uint_lt(clk_now(&e.h.clock) - t0, SIM_S(21));
    /* bad requests are refused at once */
    r.req.target = "/a b";
    ck_assert_int_eq(http_fetch_start(e.h.m, &r, &s, &f), -EINVAL);
    r.req.target = "/";
    r.port = 0;
    ck_assert_int_eq(http_fetch_start(e.h.m, &r, &s, &f), -EINVAL);
    bytebuf_free(&g.body);
    /* every status maps onto a u-blox class and code */
    static const struct { hf_status st; int sent, cls, code; } map[] = {
        { HF_OK, 1, 0, 0 },           { HF_NO_BEARER, 0, 10, 22 },  { HF_DNS_FAILED, 0, 3, 23 },
        { HF_DNS_TIMEOUT, 0, 3, 23 }, { HF_REFUSED, 0, 3, 11 },     { HF_CONNECT_TIMEOUT, 0, 3, 26 },
        { HF_BROKEN, 1, 3, 11 },      { HF_TIMEOUT, 1, 3, 28 },     { HF_TIMEOUT, 0, 3, 29 },
        { HF_BAD_RESPONSE, 1, 3, 10 }, { HF_SINK, 1, 3, 10 },
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        http_fetch_result res = { .status = map[i].st, .request_sent = map[i].sent };
        int cls, code;
        http_fetch_error_code(&res, &cls, &code);
        ck_assert_msg(cls == map[i].cls && code == map[i].code, "%s: %d,%d", hf_status_name(map[i].st), cls, code);
    }
    env_free(&e);
}
END_TEST

/* ---------------- the module's own download of a URI ---------------- */

/* What the uFOTA download would collect. */
typedef struct dl {
    int sizes, done, err;
    uint64_t total;
    bytebuf data;
    http_fetch_uri *d;
    int stop_in_done;
} dl;

static void d_size(void *ctx, uint64_t total)
{
    dl *g = ctx;
    ck_assert_int_eq(g->data.len, 0); /* before any data */
    g->sizes++;
    g->total = total;
}

static void d_data(void *ctx, const uint8_t *p, size_t n) { bytebuf_append(&((dl *)ctx)->data, p, n); }

static void d_done(void *ctx, int err)
{
    dl *g = ctx;
    g->done++;
    g->err = err;
    if (g->stop_in_done) { /* as sim/ufota.c does with coap_fetch */
        http_fetch_uri_stop(g->d);
        g->d = NULL;
    }
}

static int dl_start(env *e, dl *g, const char *uri, uint64_t offset)
{
    memset(g, 0, sizeof(*g));
    bytebuf_init(&g->data);
    g->stop_in_done = 1;
    http_fetch_uri_cb cb = { d_size, d_data, d_done, g };
    int rc = http_fetch_uri_start(e->h.m, uri, offset, &cb, &g->d);
    ck_assert_int_eq(g->done, 0); /* never from inside start */
    return rc;
}

static void dl_run(env *e, dl *g, sim_ns limit)
{
    run_until(e, &g->done, limit);
    ck_assert_ptr_null(g->d); /* stopped in done() */
}

static void dl_free(dl *g)
{
    http_fetch_uri_stop(g->d);
    bytebuf_free(&g->data);
}

/* data holds the generated bytes from `from` on, n of them */
static void assert_generated(const bytebuf *b, size_t from, size_t n)
{
    ck_assert_uint_eq(b->len, n);
    for (size_t i = 0; i < n; i++)
        if (b->data[i] != sc_generated_byte(from + i))
            ck_abort_msg("byte %zu differs", from + i);
}

static const char *last_request(env *e)
{
    size_t n = http_service_count(server(e));
    ck_assert_uint_gt(n, 0);
    return (const char *)http_service_request(server(e), n - 1)->raw.data;
}

START_TEST(uri_the_whole_package_then_a_resume_by_range)
{
    env e;
    env_init(&e, PKG);
    dl g;
    ck_assert_int_eq(dl_start(&e, &g, "http://pkg.test/pkg", 0), 0);
    dl_run(&e, &g, SIM_S(120));
    ck_assert_int_eq(g.err, 0);
    ck_assert_int_eq(g.sizes, 1);
    ck_assert_uint_eq(g.total, 450000);
    assert_generated(&g.data, 0, 450000);
    /* the request +UHTTPC sends, on the module's own bearer */
    ck_assert_str_eq(last_request(&e), "GET /pkg HTTP/1.0\r\nHost: pkg.test\r\nUser-Agent: UBLOX-HttpClient\r\n\r\n");
    dl_free(&g);
    /* resumed: Range, 206, the size is the whole package's */
    ck_assert_int_eq(dl_start(&e, &g, "http://pkg.test:80/pkg#frag", 400000), 0);
    dl_run(&e, &g, SIM_S(120));
    ck_assert_int_eq(g.err, 0);
    ck_assert_uint_eq(g.total, 450000);
    assert_generated(&g.data, 400000, 50000);
    ck_assert_str_eq(last_request(&e), "GET /pkg HTTP/1.0\r\nHost: pkg.test\r\nUser-Agent: UBLOX-HttpClient\r\n"
                                       "Range: bytes=400000-\r\n\r\n");
    dl_free(&g);
    env_free(&e);
}
END_TEST

START_TEST(uri_another_port_is_in_host)
{
    env e;
    env_init(&e, "{\"tcp\": 8080, \"serve\": \"http\", \"files\": {\"/p\": {\"generate\": 10}}}");
    dl g;
    ck_assert_int_eq(dl_start(&e, &g, "http://pkg.test:8080/p", 0), 0);
    dl_run(&e, &g, SIM_S(60));
    ck_assert_int_eq(g.err, 0);
    assert_generated(&g.data, 0, 10);
    http_svc *svc = networld_service(e.w, "pkg.test", IP_TCP, 8080);
    ck_assert_str_eq((const char *)http_service_request(svc, 0)->raw.data,
                     "GET /p HTTP/1.0\r\nHost: pkg.test:8080\r\nUser-Agent: UBLOX-HttpClient\r\n\r\n");
    dl_free(&g);
    env_free(&e);
}
END_TEST

START_TEST(uri_a_server_that_ignores_range_or_starts_early)
{
    env e;
    env_init(&e, "{\"tcp\": 80, \"serve\": \"http\", \"files\": {"
                 "\"/noranges\": {\"body\": {\"generate\": 1000}, \"ranges\": false},"
                 "\"/early\": {\"body\": {\"generate\": 1000}, \"status\": 206,"
                 "  \"headers\": {\"Content-Range\": \"bytes 0-999/1000\"}},"
                 "\"/late\": {\"body\": {\"generate\": 500}, \"status\": 206,"
                 "  \"headers\": {\"Content-Range\": \"bytes 500-999/1000\"}},"
                 "\"/norange206\": {\"body\": {\"generate\": 500}, \"status\": 206}}}");
    dl g;
    /* 200 with the whole body: the bytes before the offset are dropped */
    ck_assert_int_eq(dl_start(&e, &g, "http://pkg.test/noranges", 300), 0);
    dl_run(&e, &g, SIM_S(60));
    ck_assert_int_eq(g.err, 0);
    ck_assert_uint_eq(g.total, 1000);
    assert_generated(&g.data, 300, 700);
    dl_free(&g);
    /* a 206 from before the offset: likewise */
    ck_assert_int_eq(dl_start(&e, &g, "http://pkg.test/early", 300), 0);
    dl_run(&e, &g, SIM_S(60));
    ck_assert_int_eq(g.err, 0);
    ck_assert_uint_eq(g.total, 1000);
    assert_generated(&g.data, 300, 700);
    dl_free(&g);
    /* a 206 from after it, or without a Content-Range: a gap nobody can fill */
    ck_assert_int_eq(dl_start(&e, &g, "http://pkg.test/late", 300), 0);
    dl_run(&e, &g, SIM_S(60));
    ck_assert_int_eq(g.err, -EPROTO);
    ck_assert_uint_eq(g.data.len, 0);
    dl_free(&g);
    ck_assert_int_eq(dl_start(&e, &g, "http://pkg.test/norange206", 300), 0);
    dl_run(&e, &g, SIM_S(60));
    ck_assert_int_eq(g.err, -EPROTO);
    dl_free(&g);
    env_free(&e);
}
END_TEST

START_TEST(uri_failures_as_coap_fetch_reports_them)
{
    env e;
    env_init(&e, "{\"tcp\": 80, \"serve\": \"http\", \"files\": {"
                 "\"/cut\": {\"body\": {\"generate\": 9000}, \"close_at\": 5000},"
                 "\"/stall\": {\"body\": {\"generate\": 9000}, \"stall_at\": 3000},"
                 "\"/busy\": {\"status\": 503}, \"/moved\": {\"redirect\": \"http://elsewhere.test/p\"},"
                 "\"/pkg\": {\"generate\": 100}}}");
    dl g;
    static const struct { const char *uri; int err; } cases[] = {
        { "http://pkg.test/none", -ENOENT },         { "http://pkg.test/busy", -EPROTO },
        { "http://pkg.test/moved", -EPROTO },        { "http://nowhere.test/pkg", -EHOSTUNREACH },
        { "http://pkg.test:81/pkg", -ECONNREFUSED },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ck_assert_int_eq(dl_start(&e, &g, cases[i].uri, 0), 0);
        dl_run(&e, &g, SIM_S(60));
        ck_assert_msg(g.err == cases[i].err, "%s: %d", cases[i].uri, g.err);
        ck_assert_uint_eq(g.data.len, 0);
        dl_free(&g);
    }
    /* cut short: what came is delivered, and the rest may be resumed */
    ck_assert_int_eq(dl_start(&e, &g, "http://pkg.test/cut", 0), 0);
    dl_run(&e, &g, SIM_S(60));
    ck_assert_int_eq(g.err, -ECONNRESET);
    ck_assert_uint_eq(g.total, 9000);
    ck_assert_uint_gt(g.data.len, 0);
    assert_generated(&g.data, 0, g.data.len);
    dl_free(&g);
    /* a stall: 180 s (http_timeout) after the last read */
    ck_assert_int_eq(dl_start(&e, &g, "http://pkg.test/stall", 0), 0);
    sim_ns t0 = clk_now(&e.h.clock);
    dl_run(&e, &g, SIM_S(300));
    ck_assert_int_eq(g.err, -ETIMEDOUT);
    ck_assert_uint_ge(clk_now(&e.h.clock) - t0, SIM_S(180));
    ck_assert_uint_lt(clk_now(&e.h.clock) - t0, SIM_S(182));
    assert_generated(&g.data, 0, 3000);
    dl_free(&g);
    env_free(&e);
}
END_TEST

START_TEST(uri_no_bearer_yet)
{
    env e;
    env_init(&e, PKG);
    mh_send(&e.h, "AT+CFUN=0\r"); /* the radio off: no default bearer */
    mh_advance(&e.h, SIM_S(5));
    ck_assert(strstr(mh_take(&e.h), "OK"));
    dl g;
    ck_assert_int_eq(dl_start(&e, &g, "http://pkg.test/pkg", 0), 0);
    dl_run(&e, &g, SIM_S(60));
    ck_assert_int_eq(g.err, -ENETDOWN);
    dl_free(&g);
    env_free(&e);
}
END_TEST

START_TEST(uri_what_it_cannot_fetch)
{
    env e;
    env_init(&e, PKG);
    static const char *const bad[] = {
        "https://pkg.test/pkg", "coap://pkg.test/pkg", "http://", "http:///pkg", "http://u@pkg.test/pkg",
        "http://u:p@pkg.test/pkg", "http://[::1]/pkg", "http://pkg.test:0/pkg", "http://pkg.test:65536/pkg",
        "http://pkg.test:/pkg", "http://pkg.test:+80/pkg", "http://pkg.test:80x/pkg", "http://pkg.test/a b",
        "http://pkg.test/a\r\nX: y", "HTTP://pkg.test/pkg",
    };
    dl g;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(dl_start(&e, &g, bad[i], 0) == -EINVAL, "%s", bad[i]);
        ck_assert_ptr_null(g.d);
        bytebuf_free(&g.data);
    }
    /* a query and no path: the target starts with '/' */
    ck_assert_int_eq(dl_start(&e, &g, "http://pkg.test?x=1", 0), 0);
    dl_run(&e, &g, SIM_S(60));
    ck_assert_str_eq(last_request(&e), "GET /?x=1 HTTP/1.0\r\nHost: pkg.test\r\nUser-Agent: UBLOX-HttpClient\r\n\r\n");
    dl_free(&g);
    /* a URI at the limit of a request target */
    char uri[1100];
    int n = snprintf(uri, sizeof(uri), "http://pkg.test/");
    memset(uri + n, 'a', sizeof(uri) - (size_t)n - 1);
    uri[sizeof(uri) - 1] = 0;
    ck_assert_int_eq(dl_start(&e, &g, uri, 0), -EINVAL);
    bytebuf_free(&g.data);
    env_free(&e);
}
END_TEST

START_TEST(uri_stop_mid_transfer_and_nothing_follows)
{
    env e;
    env_init(&e, PKG);
    dl g;
    ck_assert_int_eq(dl_start(&e, &g, "http://pkg.test/pkg", 0), 0);
    mh_advance(&e.h, SIM_S(2));
    ck_assert_uint_gt(g.data.len, 0);
    ck_assert_uint_lt(g.data.len, 450000);
    size_t had = g.data.len;
    http_fetch_uri_stop(g.d);
    g.d = NULL;
    mh_advance(&e.h, SIM_S(300));
    ck_assert_int_eq(g.done, 0);
    ck_assert_uint_eq(g.data.len, had);
    ck_assert(mh_event_seen(&e.h, "http fetch id=1 cancelled"));
    bytebuf_free(&g.data);
    /* a caller that keeps it past done() and stops it later */
    ck_assert_int_eq(dl_start(&e, &g, "http://pkg.test/pkg", 449000), 0);
    g.stop_in_done = 0;
    run_until(&e, &g.done, SIM_S(60));
    ck_assert_int_eq(g.err, 0);
    ck_assert_ptr_nonnull(g.d);
    dl_free(&g);
    env_free(&e);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("http_fetch");
    TCase *t = tcase_create("fetch");
    tcase_add_test(t, resume_from_an_offset_gets_206);
    tcase_add_test(t, a_server_that_ignores_range_sends_it_all);
    tcase_add_test(t, an_upload_larger_than_the_send_buffer);
    tcase_add_test(t, cancel_ends_it_without_done);
    tcase_add_test(t, failures_and_their_error_codes);
    suite_add_tcase(s, t);
    TCase *u = tcase_create("uri");
    tcase_add_test(u, uri_the_whole_package_then_a_resume_by_range);
    tcase_add_test(u, uri_another_port_is_in_host);
    tcase_add_test(u, uri_a_server_that_ignores_range_or_starts_early);
    tcase_add_test(u, uri_failures_as_coap_fetch_reports_them);
    tcase_add_test(u, uri_no_bearer_yet);
    tcase_add_test(u, uri_what_it_cannot_fetch);
    tcase_add_test(u, uri_stop_mid_transfer_and_nothing_follows);
    suite_add_tcase(s, u);
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
