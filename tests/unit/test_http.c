/* test_http.c - the sans-I/O HTTP client exchange (protocol/http.h): requests
 * checked byte for byte, responses with every body form (Content-Length,
 * chunked with extensions and trailers, until the close, none), fed whole and
 * one byte at a time, the limits, and what belongs to the response. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/http.h"

/* ---------------- requests ---------------- */

static const char *build(const http_req *r, bytebuf *b)
{
    bytebuf_clear(b);
    ck_assert_int_eq(http_req_build(r, b), 0);
    return (const char *)b->data;
}

START_TEST(get_request_bytes)
{
    bytebuf b;
    bytebuf_init(&b);
    http_req r = { .verb = HTTP_VERB_GET, .minor = 0, .target = "/fw/delta", .host = "example.com", .port = 80,
                   .user_agent = "UBLOX-HttpClient" };
    ck_assert_str_eq(build(&r, &b), "GET /fw/delta HTTP/1.0\r\nHost: example.com\r\nUser-Agent: UBLOX-HttpClient\r\n\r\n");
    r.port = 8080;
    r.minor = 1;
    r.close = 1;
    r.target = NULL;
    r.user_agent = NULL;
    ck_assert_str_eq(build(&r, &b), "GET / HTTP/1.1\r\nHost: example.com:8080\r\nConnection: close\r\n\r\n");
    bytebuf_free(&b);
}
END_TEST

START_TEST(post_with_auth_range_and_custom_headers)
{
    bytebuf b;
    bytebuf_init(&b);
    http_hdr extra[] = { { "X-Id", "42" }, { "Content-Type", "application/x-mine" } };
    /* RFC 7617's example: Aladdin / open sesame */
    http_req r = { .verb = HTTP_VERB_POST, .minor = 1, .target = "/up", .host = "h", .user = "Aladdin",
                   .password = "open sesame", .has_body = 1, .body = (const uint8_t *)"a=1", .body_len = 3,
                   .content_type = "text/plain", .extra = extra, .nextra = 2 };
    ck_assert_str_eq(build(&r, &b), "POST /up HTTP/1.1\r\nHost: h\r\n"
                                    "Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n"
                                    "Content-Length: 3\r\nX-Id: 42\r\nContent-Type: application/x-mine\r\n\r\na=1");
    http_req g = { .verb = HTTP_VERB_GET, .minor = 1, .target = "/pkg", .range = 1, .range_from = 450000 };
    ck_assert_str_eq(build(&g, &b), "GET /pkg HTTP/1.1\r\nRange: bytes=450000-\r\n\r\n");
    http_req d = { .verb = HTTP_VERB_PUT, .minor = 1, .target = "/e", .has_body = 1 };
    ck_assert_str_eq(build(&d, &b), "PUT /e HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    bytebuf_free(&b);
}
END_TEST

START_TEST(requests_that_would_break_the_framing_are_refused)
{
    bytebuf b;
    bytebuf_init(&b);
    bytebuf_append_str(&b, "keep");
    http_hdr bad_name[] = { { "X Y", "v" } }, bad_value[] = { { "X", "a\r\nInjected: 1" } }, empty[] = { { "", "v" } };
    http_req cases[] = {
        { .verb = HTTP_VERB_GET, .target = "/a b" },
        { .verb = HTTP_VERB_GET, .target = "/", .host = "h\r\nX: 1" },
        { .verb = HTTP_VERB_GET, .target = "/", .user = "a:b", .password = "c" },
        { .verb = HTTP_VERB_GET, .target = "/", .extra = bad_name, .nextra = 1 },
        { .verb = HTTP_VERB_GET, .target = "/", .extra = bad_value, .nextra = 1 },
        { .verb = HTTP_VERB_GET, .target = "/", .extra = empty, .nextra = 1 },
        { .verb = HTTP_VERB_GET, .minor = 2, .target = "/" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ck_assert_int_eq(http_req_build(&cases[i], &b), -EINVAL);
        ck_assert_str_eq((const char *)b.data, "keep");
    }
    bytebuf_free(&b);
}
END_TEST

/* ---------------- responses ---------------- */

typedef struct rec {
    int heads;
    http_head h; /* scalar fields of the last head */
    char location[64];
    char hdrs[512]; /* "name=value;" of the head */
    bytebuf body;
    char trailers[256];
    int stop_head, stop_body_after;
} rec;

static int rec_head(void *ctx, const http_head *h)
{
    rec *r = ctx;
    r->heads++;
    r->h = *h;
    r->h.headers = NULL;
    r->h.reason = NULL;
    r->h.location = NULL;
    snprintf(r->location, sizeof(r->location), "%s", h->location ? h->location : "");
    r->hdrs[0] = 0;
    for (size_t i = 0; i < h->nheaders; i++) {
        size_t n = strlen(r->hdrs);
        snprintf(r->hdrs + n, sizeof(r->hdrs) - n, "%s=%s;", h->headers[i].name, h->headers[i].value);
    }
    return r->stop_head;
}

static int rec_body(void *ctx, const uint8_t *p, size_t n)
{
    rec *r = ctx;
    bytebuf_append(&r->body, p, n);
    return r->stop_body_after && r->body.len >= (size_t)r->stop_body_after;
}

static int rec_trailer(void *ctx, const char *name, const char *value)
{
    rec *r = ctx;
    size_t n = strlen(r->trailers);
    snprintf(r->trailers + n, sizeof(r->trailers) - n, "%s=%s;", name, value);
    return 0;
}

typedef struct run {
    rec r;
    http_resp *resp;
    size_t used;
} run;

/* Feed text (len n) whole, or one byte per call; the response's state. */
static http_resp_state feed(run *x, int head_req, const char *text, size_t n, int bytewise)
{
    memset(&x->r, 0, sizeof(x->r));
    bytebuf_init(&x->r.body);
    http_resp_cb cb = { rec_head, rec_body, rec_trailer, &x->r };
    ck_assert_int_eq(http_resp_new(&x->resp, head_req, &cb), 0);
    x->used = 0;
    if (!bytewise) {
        x->used = http_resp_feed(x->resp, (const uint8_t *)text, n);
    } else {
        for (size_t i = 0; i < n && http_resp_state_of(x->resp) == HTTP_RESP_MORE; i++)
            x->used += http_resp_feed(x->resp, (const uint8_t *)text + i, 1);
    }
    return http_resp_state_of(x->resp);
}

static void run_free(run *x)
{
    http_resp_free(x->resp);
    bytebuf_free(&x->r.body);
}

static const char *body_str(run *x) { return x->r.body.data ? (const char *)x->r.body.data : ""; }

START_TEST(content_length_body_and_what_follows_it)
{
    static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nAccept-Ranges: bytes\r\n\r\nhelloEXTRA";
    for (int bytewise = 0; bytewise < 2; bytewise++) {
        run x;
        ck_assert_int_eq(feed(&x, 0, resp, strlen(resp), bytewise), HTTP_RESP_DONE);
        ck_assert_uint_eq(x.used, strlen(resp) - 5); /* EXTRA is not ours */
        ck_assert_int_eq(x.r.heads, 1);
        ck_assert_int_eq(x.r.h.status, 200);
        ck_assert_uint_eq(x.r.h.content_length, 5);
        ck_assert_int_eq(x.r.h.chunked, 0);
        ck_assert_uint_eq(x.r.h.head_len, strlen("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nAccept-Ranges: bytes\r\n\r\n"));
        ck_assert_str_eq(x.r.hdrs, "Content-Length=5;Accept-Ranges=bytes;");
        ck_assert_str_eq(body_str(&x), "hello");
        ck_assert_int_eq(http_resp_status(x.resp), 200);
        ck_assert_uint_eq(http_resp_body_bytes(x.resp), 5);
        run_free(&x);
    }
}
END_TEST

START_TEST(chunked_body_with_extensions_and_trailers)
{
    static const char resp[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                               "4;name=value\r\nWiki\r\n"
                               "5 ; x=\"y\"\r\npedia\r\n"
                               "E\r\n in\r\n\r\nchunks.\r\n"
                               "0;last\r\nX-Checksum: abc\r\nX-Count: 3\r\n\r\nNEXT";
    for (int bytewise = 0; bytewise < 2; bytewise++) {
        run x;
        ck_assert_int_eq(feed(&x, 0, resp, strlen(resp), bytewise), HTTP_RESP_DONE);
        ck_assert_uint_eq(x.used, strlen(resp) - 4);
        ck_assert_int_eq(x.r.h.chunked, 1);
        ck_assert_uint_eq(x.r.h.content_length, HTTP_UNKNOWN);
        ck_assert_str_eq(body_str(&x), "Wikipedia in\r\n\r\nchunks.");
        ck_assert_str_eq(x.r.trailers, "X-Checksum=abc;X-Count=3;");
        run_free(&x);
    }
}
END_TEST

START_TEST(body_until_the_close)
{
    static const char resp[] = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it";
    for (int bytewise = 0; bytewise < 2; bytewise++) {
        run x;
        ck_assert_int_eq(feed(&x, 0, resp, strlen(resp), bytewise), HTTP_RESP_MORE);
        ck_assert_uint_eq(x.used, strlen(resp));
        ck_assert_int_eq(x.r.h.until_close, 1);
        ck_assert_int_eq(http_resp_eof(x.resp), HTTP_RESP_DONE);
        ck_assert_str_eq(body_str(&x), "all of it");
        ck_assert_int_eq(x.r.h.minor, 0);
        run_free(&x);
    }
}
END_TEST

START_TEST(no_body_for_head_204_304)
{
    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
    run x;
    ck_assert_int_eq(feed(&x, 1, head, strlen(head), 0), HTTP_RESP_DONE);
    ck_assert_int_eq(x.r.h.no_body, 1);
    ck_assert_uint_eq(x.r.h.content_length, 1000);
    run_free(&x);
    static const char nc[] = "HTTP/1.1 204 No Content\r\n\r\n";
    ck_assert_int_eq(feed(&x, 0, nc, strlen(nc), 0), HTTP_RESP_DONE);
    ck_assert_int_eq(x.r.h.no_body, 1);
    run_free(&x);
    static const char nm[] = "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n";
    ck_assert_int_eq(feed(&x, 0, nm, strlen(nm), 0), HTTP_RESP_DONE);
    run_free(&x);
}
END_TEST

START_TEST(interim_1xx_is_skipped)
{
    static const char resp[] = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok";
    run x;
    ck_assert_int_eq(feed(&x, 0, resp, strlen(resp), 1), HTTP_RESP_DONE);
    ck_assert_int_eq(x.r.heads, 1);
    ck_assert_int_eq(x.r.h.status, 201);
    ck_assert_str_eq(body_str(&x), "ok");
    ck_assert_uint_eq(x.used, strlen(resp));
    run_free(&x);
}
END_TEST

START_TEST(redirect_and_content_range_are_reported)
{
    static const char red[] = "HTTP/1.1 301 Moved Permanently\r\nLocation: http://b.test/new\r\nContent-Length: 0\r\n\r\n";
    run x;
    ck_assert_int_eq(feed(&x, 0, red, strlen(red), 0), HTTP_RESP_DONE);
    ck_assert_int_eq(x.r.h.status, 301);
    ck_assert_str_eq(x.r.location, "http://b.test/new");
    run_free(&x);
    static const char part[] = "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 100-199/1000\r\n"
                               "Content-Length: 100\r\n\r\n";
    ck_assert_int_eq(feed(&x, 0, part, strlen(part), 0), HTTP_RESP_MORE);
    ck_assert_int_eq(x.r.h.has_range, 1);
    ck_assert_uint_eq(x.r.h.range_first, 100);
    ck_assert_uint_eq(x.r.h.range_last, 199);
    ck_assert_uint_eq(x.r.h.range_total, 1000);
    run_free(&x);
}
END_TEST

START_TEST(truncated_bodies_fail)
{
    static const char cl[] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
    run x;
    ck_assert_int_eq(feed(&x, 0, cl, strlen(cl), 0), HTTP_RESP_MORE);
    ck_assert_int_eq(http_resp_eof(x.resp), HTTP_RESP_FAILED);
    ck_assert_int_eq(http_resp_error(x.resp), HTTP_E_TRUNCATED);
    ck_assert_str_eq(body_str(&x), "abc");
    run_free(&x);
    static const char ch[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab";
    ck_assert_int_eq(feed(&x, 0, ch, strlen(ch), 0), HTTP_RESP_MORE);
    ck_assert_int_eq(http_resp_eof(x.resp), HTTP_RESP_FAILED);
    ck_assert_int_eq(http_resp_error(x.resp), HTTP_E_TRUNCATED);
    run_free(&x);
    static const char hd[] = "HTTP/1.1 200 OK\r\nContent-";
    ck_assert_int_eq(feed(&x, 0, hd, strlen(hd), 0), HTTP_RESP_MORE);
    ck_assert_int_eq(x.r.heads, 0);
    ck_assert_int_eq(http_resp_eof(x.resp), HTTP_RESP_FAILED);
    ck_assert_int_eq(http_resp_error(x.resp), HTTP_E_TRUNCATED);
    run_free(&x);
    ck_assert_int_eq(feed(&x, 0, "", 0, 0), HTTP_RESP_MORE);
    ck_assert_int_eq(http_resp_eof(x.resp), HTTP_RESP_FAILED);
    run_free(&x);
}
END_TEST

START_TEST(not_http_fails_malformed)
{
    /* the head is bad, except in the last one (a chunk size that is not hex) */
    static const char *const bad[] = {
        "SSH-2.0-OpenSSH_9.2\r\n",
        "HTTP/1.1 2000 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nBad Header\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        run x;
        ck_assert_msg(feed(&x, 0, bad[i], strlen(bad[i]), 0) == HTTP_RESP_FAILED, "%s", bad[i]);
        ck_assert_int_eq(http_resp_error(x.resp), HTTP_E_MALFORMED);
        ck_assert_int_eq(x.r.heads, i + 1 == sizeof(bad) / sizeof(bad[0]));
        /* a failed response takes nothing more */
        ck_assert_uint_eq(http_resp_feed(x.resp, (const uint8_t *)"x", 1), 0);
        run_free(&x);
    }
}
END_TEST

/* "HTTP/1.1 200 OK\r\n" + "X-Big: " + n bytes + "\r\n\r\n" */
static char *big_header_response(size_t n)
{
    const char *pre = "HTTP/1.1 200 OK\r\nX-Big: ";
    size_t len = strlen(pre) + n + 4;
    char *s = malloc(len + 1);
    strcpy(s, pre);
    memset(s + strlen(pre), 'a', n);
    strcpy(s + strlen(pre) + n, "\r\n\r\n");
    return s;
}

START_TEST(a_64k_header_line_fails_cleanly)
{
    char *s = big_header_response(64 * 1024);
    run x;
    ck_assert_int_eq(feed(&x, 0, s, strlen(s), 0), HTTP_RESP_FAILED);
    ck_assert_int_eq(http_resp_error(x.resp), HTTP_E_LINE_TOO_LONG);
    ck_assert_int_eq(x.r.heads, 0);
    /* it stopped at the limit: the line's first HTTP_LINE_MAX bytes */
    ck_assert_uint_eq(x.used, strlen("HTTP/1.1 200 OK\r\n") + HTTP_LINE_MAX);
    run_free(&x);
    free(s);
    /* one byte under the limit is fine: the line is "X-Big: " + n + CR LF */
    s = big_header_response(HTTP_LINE_MAX - strlen("X-Big: ") - 2);
    ck_assert_int_eq(feed(&x, 0, s, strlen(s), 0), HTTP_RESP_MORE);
    ck_assert_int_eq(x.r.heads, 1);
    run_free(&x);
    free(s);
}
END_TEST

START_TEST(a_head_past_the_limit_fails)
{
    bytebuf b;
    bytebuf_init(&b);
    bytebuf_append_str(&b, "HTTP/1.1 200 OK\r\n");
    for (int i = 0; b.len <= HTTP_HEAD_MAX; i++)
        bytebuf_appendf(&b, "X-H%d: %0100d\r\n", i, i);
    bytebuf_append_str(&b, "\r\n");
    run x;
    ck_assert_int_eq(feed(&x, 0, (const char *)b.data, b.len, 0), HTTP_RESP_FAILED);
    ck_assert_int_eq(http_resp_error(x.resp), HTTP_E_HEAD_TOO_LARGE);
    ck_assert_uint_eq(x.used, HTTP_HEAD_MAX);
    run_free(&x);
    bytebuf_free(&b);
}
END_TEST

START_TEST(a_long_trailer_fails)
{
    bytebuf b;
    bytebuf_init(&b);
    bytebuf_append_str(&b, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nX-T: ");
    for (int i = 0; i < HTTP_LINE_MAX; i++)
        bytebuf_append_byte(&b, 'b');
    bytebuf_append_str(&b, "\r\n\r\n");
    run x;
    ck_assert_int_eq(feed(&x, 0, (const char *)b.data, b.len, 0), HTTP_RESP_FAILED);
    ck_assert_int_eq(http_resp_error(x.resp), HTTP_E_LINE_TOO_LONG);
    ck_assert_str_eq(body_str(&x), "x");
    run_free(&x);
    bytebuf_free(&b);
}
END_TEST

/* fuzz_http found that a trailer followed by a broken line was reported
 * when the bytes came one at a time and not when they came together:
 * trailers are reported once the response is complete, or never. */
START_TEST(a_failed_response_reports_no_trailers)
{
    static const char resp[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n0\r\n"
                               "X-A: 1\r\nbroken\r\n\r\n";
    for (int bytewise = 0; bytewise < 2; bytewise++) {
        run x;
        ck_assert_int_eq(feed(&x, 0, resp, strlen(resp), bytewise), HTTP_RESP_FAILED);
        ck_assert_int_eq(http_resp_error(x.resp), HTTP_E_MALFORMED);
        ck_assert_str_eq(x.r.trailers, "");
        run_free(&x);
    }
}
END_TEST

START_TEST(callbacks_stop_the_response)
{
    static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789";
    run x;
    memset(&x.r, 0, sizeof(x.r));
    bytebuf_init(&x.r.body);
    x.r.stop_body_after = 1;
    http_resp_cb cb = { rec_head, rec_body, rec_trailer, &x.r };
    ck_assert_int_eq(http_resp_new(&x.resp, 0, &cb), 0);
    http_resp_feed(x.resp, (const uint8_t *)resp, strlen(resp));
    ck_assert_int_eq(http_resp_state_of(x.resp), HTTP_RESP_FAILED);
    ck_assert_int_eq(http_resp_error(x.resp), HTTP_E_STOPPED);
    run_free(&x);
    memset(&x.r, 0, sizeof(x.r));
    bytebuf_init(&x.r.body);
    x.r.stop_head = 1;
    cb.ctx = &x.r;
    ck_assert_int_eq(http_resp_new(&x.resp, 0, &cb), 0);
    http_resp_feed(x.resp, (const uint8_t *)resp, strlen(resp));
    ck_assert_int_eq(http_resp_error(x.resp), HTTP_E_STOPPED);
    ck_assert_uint_eq(x.r.body.len, 0);
    run_free(&x);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("http");
    TCase *t = tcase_create("request");
    tcase_add_test(t, get_request_bytes);
    tcase_add_test(t, post_with_auth_range_and_custom_headers);
    tcase_add_test(t, requests_that_would_break_the_framing_are_refused);
    suite_add_tcase(s, t);
    t = tcase_create("response");
    tcase_add_test(t, content_length_body_and_what_follows_it);
    tcase_add_test(t, chunked_body_with_extensions_and_trailers);
    tcase_add_test(t, body_until_the_close);
    tcase_add_test(t, no_body_for_head_204_304);
    tcase_add_test(t, interim_1xx_is_skipped);
    tcase_add_test(t, redirect_and_content_range_are_reported);
    tcase_add_test(t, truncated_bodies_fail);
    tcase_add_test(t, not_http_fails_malformed);
    suite_add_tcase(s, t);
    t = tcase_create("limits");
    tcase_add_test(t, a_64k_header_line_fails_cleanly);
    tcase_add_test(t, a_head_past_the_limit_fails);
    tcase_add_test(t, a_long_trailer_fails);
    tcase_add_test(t, a_failed_response_reports_no_trailers);
    tcase_add_test(t, callbacks_stop_the_response);
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
