/* http.c - one HTTP/1.x client exchange (see http.h).
 *
 * The response parser is Debian's http_parser 2.9.  Two things are ours:
 *
 * - The head (status line and headers) is fed to it one byte at a time.
 *   That costs nothing worth measuring (a head is a few hundred bytes) and
 *   gives the exact byte where the head ends, the length of every line
 *   before the parser holds it, and so the limits: a 64 kB header line
 *   fails at HTTP_LINE_MAX without ever being buffered.  The body goes in
 *   bulk.
 * - The parser is paused in on_message_complete, so http_parser_execute
 *   returns exactly the bytes of this response (what follows on the
 *   connection is not ours), and the next interim (1xx) response can start
 *   from a fresh parser.
 */
#include "http.h"

#include <errno.h>
#include <http_parser.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---------------- the request ---------------- */

static const char *const verb_names[] = { "HEAD", "GET", "DELETE", "PUT", "POST" };

const char *http_verb_name(http_verb v)
{
    return (unsigned)v < sizeof(verb_names) / sizeof(verb_names[0]) ? verb_names[v] : "GET";
}

/* A header value may hold any byte but CR, LF and NUL (the framing). */
static int value_ok(const char *s)
{
    return s && !strpbrk(s, "\r\n");
}

/* RFC 9110 token characters. */
static int token_ok(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= ' ' || c >= 127 || strchr("()<>@,;:\\\"/[]?={}", c))
            return 0;
    }
    return 1;
}

static int target_ok(const char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s <= ' ' || *s == 127)
            return 0;
    return 1;
}

static int extra_named(const http_req *r, const char *name)
{
    for (size_t i = 0; i < r->nextra; i++)
        if (!strcasecmp(r->extra[i].name, name))
            return 1;
    return 0;
}

static int check_req(const http_req *r)
{
    if ((r->minor != 0 && r->minor != 1) || !target_ok(r->target) || (r->host && !value_ok(r->host)) ||
        (r->user_agent && !value_ok(r->user_agent)) || (r->user && (!value_ok(r->user) || strchr(r->user, ':'))) ||
        (r->password && !value_ok(r->password)) || (r->content_type && !value_ok(r->content_type)) ||
        (r->has_body && r->body_len && !r->body))
        return -EINVAL;
    for (size_t i = 0; i < r->nextra; i++)
        if (!token_ok(r->extra[i].name) || !value_ok(r->extra[i].value))
            return -EINVAL;
    return 0;
}

static int append_basic_auth(bytebuf *out, const char *user, const char *password)
{
    size_t n = strlen(user) + 1 + (password ? strlen(password) : 0);
    unsigned char *plain = malloc(n + 1);
    unsigned char *b64 = malloc(4 * ((n + 2) / 3) + 1);
    int rc = -ENOMEM;
    if (plain && b64) {
        snprintf((char *)plain, n + 1, "%s:%s", user, password ? password : "");
        EVP_EncodeBlock(b64, plain, (int)n);
        rc = bytebuf_appendf(out, "Authorization: Basic %s\r\n", (const char *)b64);
    }
    free(plain);
    free(b64);
    return rc;
}

static int append_head(const http_req *r, bytebuf *out)
{
    int rc = bytebuf_appendf(out, "%s %s HTTP/1.%d\r\n", http_verb_name(r->verb),
                             r->target && r->target[0] ? r->target : "/", r->minor);
    if (!rc && r->host && !extra_named(r, "Host"))
        rc = r->port && r->port != 80 ? bytebuf_appendf(out, "Host: %s:%u\r\n", r->host, (unsigned)r->port)
                                      : bytebuf_appendf(out, "Host: %s\r\n", r->host);
    if (!rc && r->user_agent && !extra_named(r, "User-Agent"))
        rc = bytebuf_appendf(out, "User-Agent: %s\r\n", r->user_agent);
    if (!rc && r->user)
        rc = append_basic_auth(out, r->user, r->password);
    if (!rc && r->range)
        rc = bytebuf_appendf(out, "Range: bytes=%llu-\r\n", (unsigned long long)r->range_from);
    if (!rc && r->has_body && r->content_type && !extra_named(r, "Content-Type"))
        rc = bytebuf_appendf(out, "Content-Type: %s\r\n", r->content_type);
    if (!rc && r->has_body)
        rc = bytebuf_appendf(out, "Content-Length: %zu\r\n", r->body_len);
    if (!rc && r->close)
        rc = bytebuf_append_str(out, "Connection: close\r\n");
    for (size_t i = 0; !rc && i < r->nextra; i++)
        rc = bytebuf_appendf(out, "%s: %s\r\n", r->extra[i].name, r->extra[i].value);
    if (!rc)
        rc = bytebuf_append_str(out, "\r\n");
    return rc;
}

int http_req_build(const http_req *r, bytebuf *out)
{
    int rc = check_req(r);
    if (rc)
        return rc;
    size_t was = out->len;
    rc = append_head(r, out);
    if (!rc && r->has_body && r->body_len)
        rc = bytebuf_append(out, r->body, r->body_len);
    if (rc) {
        out->len = was; /* as it was */
        if (out->data)
            out->data[was] = 0;
    }
    return rc;
}

/* ---------------- the response ---------------- */

struct http_resp {
    http_parser p;
    http_resp_cb cb;
    int head_request;
    http_resp_state state;
    http_err err;
    int in_head;          /* the head is still coming: one byte at a time */
    size_t head_bytes;    /* bytes of this message's head so far */
    size_t line_len;      /* bytes since the last LF of the head */
    int msg_done;         /* on_message_complete ran (the parser is paused) */
    int interim;          /* this message is a 1xx */
    int in_trailers;      /* header callbacks are trailers now */
    size_t trailer_bytes;
    int status;
    uint64_t body_bytes;
    /* the header being assembled from the parser's pieces */
    bytebuf field, value;
    int in_value;
    /* the head's headers: "name\0value\0" pairs, then pointed at */
    bytebuf arena;
    size_t npairs;
    bytebuf trailers;     /* the same for the trailers, until the end */
    bytebuf reason;
};

static const char *const err_names[] = { "none", "malformed", "line_too_long", "head_too_large",
                                         "truncated", "stopped", "nomem" };

const char *http_err_name(http_err e)
{
    return (unsigned)e < sizeof(err_names) / sizeof(err_names[0]) ? err_names[e] : "unknown";
}

static http_resp *of(http_parser *p) { return p->data; }

/* A callback failed: remember why (the first reason wins) and make the
 * parser stop with an error. */
static int cb_fail(http_resp *r, http_err e)
{
    if (r->err == HTTP_E_NONE)
        r->err = e;
    return -1;
}

static void pair_reset(http_resp *r)
{
    bytebuf_clear(&r->field);
    bytebuf_clear(&r->value);
    r->in_value = 0;
}

/* The header (or trailer) assembled so far is complete. */
static int pair_finish(http_resp *r)
{
    if (!r->field.len && !r->value.len)
        return 0;
    const char *name = r->field.data ? (const char *)r->field.data : "";
    const char *value = r->value.data ? (const char *)r->value.data : "";
    int rc = 0;
    /* trailers wait for the end of the response: a response that fails
     * reports none, however its bytes were cut */
    bytebuf *to = r->in_trailers ? &r->trailers : &r->arena;
    if (bytebuf_append(to, name, r->field.len + 1) || bytebuf_append(to, value, r->value.len + 1))
        rc = cb_fail(r, HTTP_E_NOMEM);
    else if (!r->in_trailers)
        r->npairs++;
    pair_reset(r);
    return rc;
}

/* The response is complete: its trailers, in order. */
static int report_trailers(http_resp *r)
{
    if (!r->trailers.len)
        return 0;
    const char *s = (const char *)r->trailers.data;
    const char *end = s + r->trailers.len;
    while (s < end) {
        const char *value = s + strlen(s) + 1;
        if (r->cb.trailer && r->cb.trailer(r->cb.ctx, s, value))
            return cb_fail(r, HTTP_E_STOPPED);
        s = value + strlen(value) + 1;
    }
    return 0;
}

/* Trailers come in bulk: their lines are bounded here (the head's are
 * bounded byte by byte in feed_head). */
static int trailer_grow(http_resp *r, size_t n)
{
    if (!r->in_trailers)
        return 0;
    r->trailer_bytes += n;
    if (r->field.len + r->value.len + n > HTTP_LINE_MAX)
        return cb_fail(r, HTTP_E_LINE_TOO_LONG);
    if (r->trailer_bytes > HTTP_HEAD_MAX)
        return cb_fail(r, HTTP_E_HEAD_TOO_LARGE);
    return 0;
}

static int on_message_begin(http_parser *p)
{
    http_resp *r = of(p);
    pair_reset(r);
    bytebuf_clear(&r->arena);
    bytebuf_clear(&r->reason);
    r->npairs = 0;
    return 0;
}

static int on_status(http_parser *p, const char *at, size_t n)
{
    return bytebuf_append(&of(p)->reason, at, n) ? cb_fail(of(p), HTTP_E_NOMEM) : 0;
}

static int on_header_field(http_parser *p, const char *at, size_t n)
{
    http_resp *r = of(p);
    if (r->in_value && pair_finish(r))
        return -1;
    if (trailer_grow(r, n) || bytebuf_append(&r->field, at, n))
        return cb_fail(r, HTTP_E_NOMEM);
    return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t n)
{
    http_resp *r = of(p);
    r->in_value = 1;
    if (trailer_grow(r, n) || bytebuf_append(&r->value, at, n))
        return cb_fail(r, HTTP_E_NOMEM);
    return 0;
}

static const char *header_of(const http_head *h, const char *name)
{
    for (size_t i = 0; i < h->nheaders; i++)
        if (!strcasecmp(h->headers[i].name, name))
            return h->headers[i].value;
    return NULL;
}

/* "bytes 100-199/1000", or "bytes 100-199/" followed by a star. */
static void parse_content_range(http_head *h)
{
    const char *v = header_of(h, "Content-Range");
    unsigned long long a, b, t;
    char tail;
    if (!v)
        return;
    if (sscanf(v, "bytes %llu-%llu/%llu %c", &a, &b, &t, &tail) == 3 && a <= b && b < t) {
        h->range_total = t;
    } else if (sscanf(v, "bytes %llu-%llu/*%c", &a, &b, &tail) == 2 && a <= b) {
        h->range_total = HTTP_UNKNOWN;
    } else {
        return;
    }
    h->has_range = 1;
    h->range_first = a;
    h->range_last = b;
}

static int on_headers_complete(http_parser *p)
{
    http_resp *r = of(p);
    if (pair_finish(r))
        return -1;
    r->in_head = 0;
    r->status = p->status_code;
    r->interim = p->status_code >= 100 && p->status_code < 200;
    if (r->interim)
        return 0; /* a 1xx ends here; the real response follows */
    http_hdr *hdrs = r->npairs ? calloc(r->npairs, sizeof(*hdrs)) : NULL;
    if (r->npairs && !hdrs)
        return cb_fail(r, HTTP_E_NOMEM);
    const char *s = (const char *)r->arena.data;
    for (size_t i = 0; i < r->npairs; i++) {
        hdrs[i].name = s;
        s += strlen(s) + 1;
        hdrs[i].value = s;
        s += strlen(s) + 1;
    }
    http_head h = { 0 };
    h.status = p->status_code;
    h.major = p->http_major;
    h.minor = p->http_minor;
    h.reason = r->reason.data ? (const char *)r->reason.data : "";
    h.chunked = (p->flags & F_CHUNKED) != 0;
    h.content_length = !h.chunked && p->content_length != UINT64_MAX ? p->content_length : HTTP_UNKNOWN;
    h.no_body = r->head_request || p->status_code == 204 || p->status_code == 304;
    h.until_close = !h.no_body && !h.chunked && h.content_length == HTTP_UNKNOWN;
    h.head_len = r->head_bytes;
    h.headers = hdrs;
    h.nheaders = r->npairs;
    h.location = header_of(&h, "Location");
    parse_content_range(&h);
    int stop = r->cb.head && r->cb.head(r->cb.ctx, &h);
    free(hdrs);
    r->in_trailers = 1; /* header callbacks from now on are trailers */
    if (stop)
        return cb_fail(r, HTTP_E_STOPPED);
    return r->head_request ? 1 : 0; /* 1: no body, whatever the headers say */
}

static int on_body(http_parser *p, const char *at, size_t n)
{
    http_resp *r = of(p);
    r->body_bytes += n;
    if (r->cb.body && r->cb.body(r->cb.ctx, (const uint8_t *)at, n))
        return cb_fail(r, HTTP_E_STOPPED);
    return 0;
}

static int on_message_complete(http_parser *p)
{
    http_resp *r = of(p);
    if (r->in_trailers && (pair_finish(r) || report_trailers(r)))
        return -1;
    r->msg_done = 1;
    http_parser_pause(p, 1); /* execute returns the bytes of this message */
    return 0;
}

static const http_parser_settings settings = {
    .on_message_begin = on_message_begin,
    .on_status = on_status,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

static void start_message(http_resp *r)
{
    http_parser_init(&r->p, HTTP_RESPONSE);
    r->p.data = r;
    r->in_head = 1;
    r->head_bytes = 0;
    r->line_len = 0;
    r->msg_done = 0;
    r->interim = 0;
    r->in_trailers = 0;
    r->trailer_bytes = 0;
    bytebuf_clear(&r->trailers);
    r->status = 0;
}

int http_resp_new(http_resp **out, int head_request, const http_resp_cb *cb)
{
    http_resp *r = calloc(1, sizeof(*r));
    if (!r)
        return -ENOMEM;
    if (cb)
        r->cb = *cb;
    r->head_request = head_request;
    bytebuf_init(&r->field);
    bytebuf_init(&r->value);
    bytebuf_init(&r->arena);
    bytebuf_init(&r->trailers);
    bytebuf_init(&r->reason);
    start_message(r);
    *out = r;
    return 0;
}

void http_resp_free(http_resp *r)
{
    if (!r)
        return;
    bytebuf_free(&r->field);
    bytebuf_free(&r->value);
    bytebuf_free(&r->arena);
    bytebuf_free(&r->trailers);
    bytebuf_free(&r->reason);
    free(r);
}

static void fail(http_resp *r, http_err e)
{
    if (r->err == HTTP_E_NONE)
        r->err = e;
    r->state = HTTP_RESP_FAILED;
}

/* After http_parser_execute: the message ended (an interim one starts the
 * next), went on, or failed.  Returns 1 to keep feeding. */
static int after_execute(http_resp *r)
{
    enum http_errno e = HTTP_PARSER_ERRNO(&r->p);
    if (e == HPE_OK)
        return 1;
    if (e == HPE_PAUSED && r->msg_done) {
        if (r->interim) {
            start_message(r);
            return 1;
        }
        r->state = HTTP_RESP_DONE;
        return 0;
    }
    fail(r, r->err != HTTP_E_NONE ? r->err : HTTP_E_MALFORMED);
    return 0;
}

/* One byte of the head, with the limits checked before the parser sees it. */
static size_t feed_head_byte(http_resp *r, uint8_t c)
{
    if (++r->line_len > HTTP_LINE_MAX) {
        fail(r, HTTP_E_LINE_TOO_LONG);
        return 0;
    }
    if (++r->head_bytes > HTTP_HEAD_MAX) {
        fail(r, HTTP_E_HEAD_TOO_LARGE);
        return 0;
    }
    if (c == '\n')
        r->line_len = 0;
    size_t k = http_parser_execute(&r->p, &settings, (const char *)&c, 1);
    after_execute(r);
    return r->state == HTTP_RESP_FAILED ? 0 : k;
}

size_t http_resp_feed(http_resp *r, const uint8_t *p, size_t n)
{
    size_t used = 0;
    while (used < n && r->state == HTTP_RESP_MORE) {
        if (r->in_head) {
            used += feed_head_byte(r, p[used]);
            continue;
        }
        size_t k = http_parser_execute(&r->p, &settings, (const char *)p + used, n - used);
        used += k;
        if (!after_execute(r) || (!k && r->state == HTTP_RESP_MORE))
            break;
    }
    return used;
}

http_resp_state http_resp_eof(http_resp *r)
{
    if (r->state != HTTP_RESP_MORE)
        return r->state;
    if (r->in_head) {
        fail(r, HTTP_E_TRUNCATED);
        return r->state;
    }
    /* a body delimited by the close ends here (the parser calls
     * on_message_complete); in any other state the response is cut */
    http_parser_execute(&r->p, &settings, NULL, 0);
    if (HTTP_PARSER_ERRNO(&r->p) == HPE_PAUSED && r->msg_done && !r->interim)
        r->state = HTTP_RESP_DONE;
    else
        fail(r, r->err != HTTP_E_NONE ? r->err : HTTP_E_TRUNCATED);
    return r->state;
}

http_resp_state http_resp_state_of(const http_resp *r) { return r->state; }
http_err http_resp_error(const http_resp *r) { return r->err; }
int http_resp_status(const http_resp *r) { return r->in_head ? 0 : r->status; }
uint64_t http_resp_body_bytes(const http_resp *r) { return r->body_bytes; }
