/* test_http_fetch.c - the module's HTTP exchange (sim/http_fetch.h) used the
 * way the uFOTA download will: no AT command, the module's own bearer,
 * a resume from an offset (206, or a server that ignores Range), an upload
 * larger than the send buffer, a cancel, the error classes. */
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

static void run_until_done(env *e, got *g, sim_ns limit)
{
    sim_ns end = clk_now(&e->h.clock) + limit;
    while (!g->done && clk_next_due(&e->h.clock) <= end)
        clk_advance(&e->h.clock, clk_next_due(&e->h.clock));
    ck_assert_int_eq(g->done, 1);
}

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
