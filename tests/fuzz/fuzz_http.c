/* fuzz_http.c - libFuzzer target for the HTTP response parser
 * (protocol/http.h): arbitrary bytes from a server must end in a complete
 * response or a documented error, never crash, leak or read out of bounds,
 * and the outcome must not depend on how the connection cut the bytes into
 * segments: fed whole, one byte at a time, and in segments of the size the
 * input picks, the state, the error, the status, the body and the trailers
 * are the same (and the bytes taken, unless it failed).
 *
 * Input layout: byte 0 = bit 0 the request was HEAD, bits 1-7 the segment
 * size (1..128) of the third feeding; the rest = what the server sent, then
 * the connection closes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/http.h"

typedef struct outcome {
    http_resp_state state;
    http_err err;
    int status, heads;
    uint64_t content_length;
    int no_body;
    size_t used;
    bytebuf body, trailers;
} outcome;

static int on_head(void *ctx, const http_head *h)
{
    outcome *o = ctx;
    o->heads++;
    o->content_length = h->content_length;
    o->no_body = h->no_body;
    if (h->head_len > HTTP_HEAD_MAX || (h->nheaders && !h->headers))
        abort();
    return 0;
}

static int on_body(void *ctx, const uint8_t *p, size_t n)
{
    return bytebuf_append(&((outcome *)ctx)->body, p, n) ? 1 : 0;
}

static int on_trailer(void *ctx, const char *name, const char *value)
{
    outcome *o = ctx;
    if (strlen(name) + strlen(value) > HTTP_LINE_MAX)
        abort();
    bytebuf_appendf(&o->trailers, "%s=%s;", name, value);
    return 0;
}

static void run(const uint8_t *p, size_t n, int head_request, size_t seg, outcome *o)
{
    memset(o, 0, sizeof(*o));
    bytebuf_init(&o->body);
    bytebuf_init(&o->trailers);
    http_resp_cb cb = { on_head, on_body, on_trailer, o };
    http_resp *r;
    if (http_resp_new(&r, head_request, &cb))
        abort();
    for (size_t off = 0; off < n;) {
        size_t k = seg && n - off > seg ? seg : n - off;
        size_t used = http_resp_feed(r, p + off, k);
        if (used > k)
            abort();
        o->used += used;
        if (http_resp_state_of(r) != HTTP_RESP_MORE) {
            if (http_resp_feed(r, (const uint8_t *)"x", 1)) /* nothing more is taken */
                abort();
            break;
        }
        if (used != k)
            abort(); /* while it goes on, everything belongs to it */
        off += k;
    }
    o->state = http_resp_eof(r);
    o->err = http_resp_error(r);
    o->status = http_resp_status(r);
    if (http_resp_body_bytes(r) != o->body.len)
        abort();
    if ((o->state == HTTP_RESP_FAILED) != (o->err != HTTP_E_NONE) || o->heads > 1)
        abort();
    /* a complete response with a length has exactly that body */
    if (o->state == HTTP_RESP_DONE && !o->no_body && o->content_length != HTTP_UNKNOWN &&
        o->content_length != o->body.len)
        abort();
    http_resp_free(r);
}

/* The body is streamed: a failed response may have delivered more of it
 * when its bytes came in smaller pieces, but never different bytes. */
static void same_body(const outcome *a, const outcome *b)
{
    size_t n = a->body.len < b->body.len ? a->body.len : b->body.len;
    if ((a->state != HTTP_RESP_FAILED && a->body.len != b->body.len) ||
        (n && memcmp(a->body.data, b->body.data, n)))
        abort();
}

static void same(const outcome *a, const outcome *b)
{
    if (a->state != b->state || a->err != b->err || a->status != b->status || a->heads != b->heads ||
        a->trailers.len != b->trailers.len ||
        (a->trailers.len && memcmp(a->trailers.data, b->trailers.data, a->trailers.len)) ||
        (a->state != HTTP_RESP_FAILED && a->used != b->used))
        abort();
    same_body(a, b);
}

static void done(outcome *o)
{
    bytebuf_free(&o->body);
    bytebuf_free(&o->trailers);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int head_request = data[0] & 1;
    size_t seg = (size_t)(data[0] >> 1) + 1;
    outcome whole, bytes, segs;
    run(data + 1, size - 1, head_request, 0, &whole);
    run(data + 1, size - 1, head_request, 1, &bytes);
    run(data + 1, size - 1, head_request, seg, &segs);
    same(&whole, &bytes);
    same(&whole, &segs);
    done(&whole);
    done(&bytes);
    done(&segs);
    return 0;
}
