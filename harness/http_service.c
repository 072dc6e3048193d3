/* http_service.c - a simulated HTTP server behind the radio (see
 * http_service.h).
 *
 * Requests are parsed with http_parser (the same library as the module's
 * client, in request mode).  A response is made as it is sent: the head,
 * then the body straight from the file (framed as chunks when asked), at
 * most one receive window at a time (the world says when the module has
 * taken it: nw_service_ops.drained) or `rate` bytes per second, so a 6 MB
 * file is never copied whole.  Every response ends the connection.
 */
#include "http_service.h"

#include <errno.h>
#include <http_parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sc_json.h"

#define PIECE (16u << 10)          /* one receive window of the module */
#define RATE_TICK SIM_MS(100)      /* a rate-limited response sends every 100 ms */
#define REQ_BODY_MAX (16u << 20)   /* larger uploads get 413 */
#define LOG_RAW_MAX (1u << 20)     /* request bytes kept per log entry */
#define DEFAULT_CHUNK 4096
#define NONE UINT64_MAX

/* ---------------- options ---------------- */

enum {
    O_STATUS = 1 << 0,
    O_REDIRECT = 1 << 1,
    O_CLEN = 1 << 2,
    O_CLOSE_AT = 1 << 3,
    O_ABORT = 1 << 4,
    O_STALL_AT = 1 << 5,
    O_RATE = 1 << 6,
    O_CHUNKED = 1 << 7,
    O_RANGES = 1 << 8,
    O_TYPE = 1 << 9,
    O_HEADERS = 1 << 10,
};

typedef struct hs_opts {
    unsigned set;
    long status;
    char *redirect;
    uint64_t content_length;
    uint64_t close_at;
    int abort;
    uint64_t stall_at;
    uint64_t rate;
    int chunked, chunk_ext, trailers;
    size_t chunk_size;
    int ranges;
    char *type;
    char **hdr_name, **hdr_value;
    size_t nhdrs;
} hs_opts;

typedef struct hs_file {
    char *path;
    int has_body;
    uint8_t *body;
    size_t len;
    hs_opts o;
} hs_file;

/* What the scenario configured: shared by the config and its clones. */
typedef struct hs_spec {
    int refs;
    hs_file *files;
    size_t nfiles;
    hs_opts o;
    char *echo;
} hs_spec;

/* A file a request changed (PUT, POST, DELETE). */
typedef struct hs_upload {
    char *path;
    int deleted;
    bytebuf data;
} hs_upload;

struct http_svc {
    hs_spec *spec;
    http_svc_request *log;
    size_t nlog;
    hs_upload *up;
    size_t nup;
};

static void opts_free(hs_opts *o)
{
    free(o->redirect);
    free(o->type);
    for (size_t i = 0; i < o->nhdrs; i++) {
        free(o->hdr_name[i]);
        free(o->hdr_value[i]);
    }
    free(o->hdr_name);
    free(o->hdr_value);
}

static void spec_unref(hs_spec *s)
{
    if (!s || --s->refs > 0)
        return;
    for (size_t i = 0; i < s->nfiles; i++) {
        free(s->files[i].path);
        free(s->files[i].body);
        opts_free(&s->files[i].o);
    }
    free(s->files);
    opts_free(&s->o);
    free(s->echo);
    free(s);
}

static void svc_destroy(void *v)
{
    http_svc *s = v;
    for (size_t i = 0; i < s->nlog; i++) {
        free(s->log[i].target);
        free(s->log[i].range);
        bytebuf_free(&s->log[i].raw);
    }
    free(s->log);
    for (size_t i = 0; i < s->nup; i++) {
        free(s->up[i].path);
        bytebuf_free(&s->up[i].data);
    }
    free(s->up);
    spec_unref(s->spec);
    free(s);
}

static void *svc_clone(void *v)
{
    http_svc *from = v;
    http_svc *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->spec = from->spec;
    s->spec->refs++;
    return s;
}

size_t http_service_count(const http_svc *s) { return s->nlog; }
const http_svc_request *http_service_request(const http_svc *s, size_t i) { return i < s->nlog ? &s->log[i] : NULL; }

/* ---------------- files ---------------- */

static hs_upload *upload_of(const http_svc *s, const char *path)
{
    for (size_t i = 0; i < s->nup; i++)
        if (!strcmp(s->up[i].path, path))
            return &s->up[i];
    return NULL;
}

static const hs_file *spec_file(const hs_spec *sp, const char *path)
{
    for (size_t i = 0; i < sp->nfiles; i++)
        if (!strcmp(sp->files[i].path, path))
            return &sp->files[i];
    return NULL;
}

/* The file at path now: 1 and its bytes, or 0. */
static int file_now(const http_svc *s, const char *path, const uint8_t **data, size_t *len)
{
    const hs_upload *u = upload_of(s, path);
    if (u) {
        *data = u->data.data;
        *len = u->data.len;
        return !u->deleted;
    }
    const hs_file *f = spec_file(s->spec, path);
    if (!f || !f->has_body)
        return 0;
    *data = f->body;
    *len = f->len;
    return 1;
}

const bytebuf *http_service_file(const http_svc *s, const char *path)
{
    const hs_upload *u = upload_of(s, path);
    return u && !u->deleted ? &u->data : NULL;
}

static hs_upload *upload_new(http_svc *s, const char *path)
{
    hs_upload *u = upload_of(s, path);
    if (u)
        return u;
    hs_upload *n = realloc(s->up, (s->nup + 1) * sizeof(*n));
    if (!n)
        return NULL;
    s->up = n;
    u = &s->up[s->nup];
    memset(u, 0, sizeof(*u));
    bytebuf_init(&u->data);
    if (!(u->path = strdup(path)))
        return NULL;
    s->nup++;
    return u;
}

/* ---------------- a connection ---------------- */

typedef enum { G_HEAD, G_BODY, G_END, G_DONE } gen_phase;

typedef struct hconn {
    http_svc *svc;
    nw_conn *c;
    clk *clk;
    clk_timer timer;       /* rate-limited sending */
    /* the request */
    http_parser p;
    bytebuf raw, url, field, value, body, range;
    int field_is_range, in_value, complete, too_big;
    /* the response */
    int status;
    hs_opts o;             /* service options with the file's on top */
    bytebuf head;
    const uint8_t *data;   /* the body: a file's bytes or `owned` */
    size_t len;
    bytebuf owned;
    gen_phase phase;
    bytebuf pend;          /* head or chunk framing not sent yet */
    size_t pend_off;
    size_t off;            /* body bytes made */
    size_t chunk_left;
    int stalled, closing, rst_when_drained;
} hconn;

static void conn_free(hconn *h)
{
    clk_timer_stop(h->clk, &h->timer);
    bytebuf_free(&h->raw);
    bytebuf_free(&h->url);
    bytebuf_free(&h->field);
    bytebuf_free(&h->value);
    bytebuf_free(&h->body);
    bytebuf_free(&h->range);
    bytebuf_free(&h->head);
    bytebuf_free(&h->owned);
    bytebuf_free(&h->pend);
    free(h);
}

/* The service ends the connection: FIN after the bytes (abort 0) or RST.
 * The world says nothing more about it (networld.h): h goes now. */
static void hang_up(hconn *h, int abort)
{
    nw_conn_close(h->c, abort);
    conn_free(h);
}

/* The options for this request: the service's, then the file's. */
static void merge_opts(hs_opts *out, const hs_opts *svc, const hs_opts *file)
{
    *out = *svc;
    if (!file)
        return;
    out->set |= file->set;
    if (file->set & O_STATUS)
        out->status = file->status;
    if (file->set & O_REDIRECT)
        out->redirect = file->redirect;
    if (file->set & O_CLEN)
        out->content_length = file->content_length;
    if (file->set & O_CLOSE_AT)
        out->close_at = file->close_at;
    if (file->set & O_ABORT)
        out->abort = file->abort;
    if (file->set & O_STALL_AT)
        out->stall_at = file->stall_at;
    if (file->set & O_RATE)
        out->rate = file->rate;
    if (file->set & O_CHUNKED) {
        out->chunked = file->chunked;
        out->chunk_size = file->chunk_size;
        out->chunk_ext = file->chunk_ext;
        out->trailers = file->trailers;
    }
    if (file->set & O_RANGES)
        out->ranges = file->ranges;
    if (file->set & O_TYPE)
        out->type = file->type;
    if (file->set & O_HEADERS) {
        out->hdr_name = file->hdr_name;
        out->hdr_value = file->hdr_value;
        out->nhdrs = file->nhdrs;
    }
}

/* ---------------- making the response's bytes ---------------- */

/* Body bytes this response may still make before a limit stops it. */
static size_t body_limit(const hconn *h)
{
    uint64_t lim = h->len;
    if ((h->o.set & O_STALL_AT) && h->o.stall_at < lim)
        lim = h->o.stall_at;
    if ((h->o.set & O_CLOSE_AT) && h->o.close_at < lim)
        lim = h->o.close_at;
    return (size_t)lim;
}

/* The body has reached a limit: stall there, or end the connection. */
static int at_limit(hconn *h)
{
    if (h->off < body_limit(h) || h->off >= h->len)
        return 0;
    if ((h->o.set & O_STALL_AT) && h->off >= h->o.stall_at && (!(h->o.set & O_CLOSE_AT) || h->o.stall_at <= h->o.close_at))
        h->stalled = 1;
    else
        h->closing = 1;
    return 1;
}

static void chunk_start(hconn *h)
{
    size_t left = h->len - h->off;
    size_t size = h->o.chunk_size ? h->o.chunk_size : DEFAULT_CHUNK;
    bytebuf_clear(&h->pend);
    h->pend_off = 0;
    if (!left) { /* the last chunk, the trailers, the end */
        bytebuf_appendf(&h->pend, "0%s\r\n", h->o.chunk_ext ? ";end=1" : "");
        if (h->o.trailers)
            bytebuf_appendf(&h->pend, "X-Trailer-Count: 2\r\nX-Body-Length: %zu\r\n", h->len);
        bytebuf_append_str(&h->pend, "\r\n");
        h->phase = G_END;
        return;
    }
    h->chunk_left = left < size ? left : size;
    bytebuf_appendf(&h->pend, "%zx%s\r\n", h->chunk_left, h->o.chunk_ext ? ";name=\"v\";x=1" : "");
}

/* Append at most max bytes of the response to out. */
static void make(hconn *h, bytebuf *out, size_t max)
{
    size_t start = out->len;
    while (out->len - start < max && h->phase != G_DONE && !h->stalled && !h->closing) {
        size_t room = max - (out->len - start);
        if (h->pend_off < h->pend.len) {
            size_t k = h->pend.len - h->pend_off < room ? h->pend.len - h->pend_off : room;
            bytebuf_append(out, h->pend.data + h->pend_off, k);
            h->pend_off += k;
            continue;
        }
        if (h->phase == G_HEAD) {
            bytebuf_clear(&h->pend);
            bytebuf_append(&h->pend, h->head.data, h->head.len);
            h->pend_off = 0;
            h->phase = G_BODY;
            continue;
        }
        if (h->phase == G_END) {
            h->phase = G_DONE;
            break;
        }
        if (at_limit(h))
            break;
        if (h->o.chunked && !h->chunk_left) {
            chunk_start(h);
            continue;
        }
        if (!h->o.chunked && h->off >= h->len) {
            h->phase = G_END;
            continue;
        }
        size_t k = body_limit(h) - h->off;
        if (h->o.chunked && k > h->chunk_left)
            k = h->chunk_left;
        if (k > room)
            k = room;
        bytebuf_append(out, h->data + h->off, k);
        h->off += k;
        if (h->o.chunked && !(h->chunk_left -= k)) {
            bytebuf_clear(&h->pend);
            bytebuf_append_str(&h->pend, "\r\n");
            h->pend_off = 0;
        }
    }
}

/* Send the next piece; end the connection once everything is out. */
static void pump(hconn *h)
{
    size_t piece = PIECE;
    if (h->o.set & O_RATE) {
        uint64_t per_tick = h->o.rate * RATE_TICK / SIM_NS_PER_S;
        piece = per_tick ? (size_t)per_tick : 1;
    }
    bytebuf b;
    bytebuf_init(&b);
    make(h, &b, piece);
    size_t sent = b.len;
    if (sent)
        nw_conn_send(h->c, b.data, b.len);
    bytebuf_free(&b);
    if (h->phase == G_DONE || h->closing) {
        if (!h->closing || !h->o.abort)
            hang_up(h, 0);           /* FIN after the bytes */
        else if (sent)
            h->rst_when_drained = 1; /* the bytes first, then the RST */
        else
            hang_up(h, 1);
        return;
    }
    if (!h->stalled && (h->o.set & O_RATE))
        clk_timer_start(h->clk, &h->timer, RATE_TICK);
}

static void rate_cb(clk_timer *t) { pump(t->data); }

/* ---------------- answering a request ---------------- */

static const char *reason_of(int status)
{
    const char *s = http_status_str((enum http_status)status);
    return strcmp(s, "<unknown>") ? s : "Unknown";
}

/* "bytes=a-" or "bytes=a-b" against a body of len bytes: 206 (first,last),
 * 416, or 0 when there is no usable range. */
static int range_of(const char *r, size_t len, size_t *first, size_t *last)
{
    unsigned long long a, b;
    char tail;
    if (!r[0])
        return 0;
    if (sscanf(r, "bytes=%llu-%llu%c", &a, &b, &tail) == 2 && a <= b) {
        if (b >= len)
            b = len ? len - 1 : 0;
    } else if (sscanf(r, "bytes=%llu-%c", &a, &tail) == 1) {
        b = len ? len - 1 : 0;
    } else {
        return 0;
    }
    if (a >= len)
        return 416;
    *first = (size_t)a;
    *last = (size_t)b;
    return 206;
}

static void set_body_text(hconn *h, const char *text)
{
    bytebuf_clear(&h->owned);
    bytebuf_append_str(&h->owned, text);
    h->data = h->owned.data;
    h->len = h->owned.len;
}

static void set_body_copy(hconn *h, const uint8_t *p, size_t n)
{
    bytebuf_clear(&h->owned);
    bytebuf_append(&h->owned, p, n);
    h->data = h->owned.data;
    h->len = h->owned.len;
}

/* GET and HEAD: the file, a part of it, or what the options say instead. */
static void answer_get(hconn *h, const char *path, int *content_range, size_t *first, size_t *total)
{
    const uint8_t *d = NULL;
    size_t n = 0;
    int found = file_now(h->svc, path, &d, &n);
    if (h->o.set & O_REDIRECT) {
        h->status = (h->o.set & O_STATUS) && h->o.status / 100 == 3 ? (int)h->o.status : 302;
        set_body_text(h, "");
        return;
    }
    if (h->o.set & O_STATUS) {
        h->status = (int)h->o.status;
        if (found)
            h->data = d, h->len = n;
        else
            set_body_text(h, reason_of(h->status));
        return;
    }
    if (!found) {
        h->status = 404;
        set_body_text(h, "404 Not Found\n");
        return;
    }
    h->status = 200;
    h->data = d;
    h->len = n;
    size_t a = 0, b = 0;
    int rs = (h->o.set & O_RANGES) && !h->o.ranges ? 0 : range_of(h->range.data ? (const char *)h->range.data : "", n, &a, &b);
    if (rs == 416) {
        h->status = 416;
        *total = n;
        *content_range = 2;
        set_body_text(h, "");
    } else if (rs == 206) {
        h->status = 206;
        *content_range = 1;
        *first = a;
        *total = n;
        h->data = d + a;
        h->len = b - a + 1;
    }
}

static void answer(hconn *h, const char *method, const char *path, int *content_range, size_t *first,
                   size_t *total)
{
    http_svc *s = h->svc;
    if (s->spec->echo && !strcmp(path, s->spec->echo)) {
        h->status = 200;
        set_body_copy(h, h->raw.data, h->raw.len);
        return;
    }
    if (h->too_big) {
        h->status = 413;
        set_body_text(h, "");
        return;
    }
    if (!strcmp(method, "GET") || !strcmp(method, "HEAD")) {
        answer_get(h, path, content_range, first, total);
        return;
    }
    if (!strcmp(method, "PUT") || !strcmp(method, "POST")) {
        hs_upload *u = upload_new(s, path);
        if (u) {
            bytebuf_clear(&u->data);
            bytebuf_append(&u->data, h->body.data, h->body.len);
            u->deleted = 0;
        }
        h->status = u ? 200 : 500;
        if (!strcmp(method, "POST") && u) /* POST answers with what it stored */
            set_body_copy(h, h->body.data, h->body.len);
        else
            set_body_text(h, "");
        return;
    }
    if (!strcmp(method, "DELETE")) {
        const uint8_t *d;
        size_t n;
        int found = file_now(s, path, &d, &n);
        hs_upload *u = found ? upload_new(s, path) : NULL;
        if (u) {
            u->deleted = 1;
            bytebuf_clear(&u->data);
        }
        h->status = found ? 200 : 404;
        set_body_text(h, "");
        return;
    }
    h->status = 405;
    set_body_text(h, "");
}

static void make_head(hconn *h, int head_request, int content_range, size_t first, size_t total)
{
    bytebuf *b = &h->head;
    bytebuf_appendf(b, "HTTP/1.1 %d %s\r\n", h->status, reason_of(h->status));
    if (h->o.set & O_REDIRECT)
        bytebuf_appendf(b, "Location: %s\r\n", h->o.redirect);
    if (h->len || (h->o.set & O_TYPE))
        bytebuf_appendf(b, "Content-Type: %s\r\n", (h->o.set & O_TYPE) ? h->o.type : "application/octet-stream");
    if (content_range == 1)
        bytebuf_appendf(b, "Content-Range: bytes %zu-%zu/%zu\r\n", first, first + h->len - 1, total);
    else if (content_range == 2)
        bytebuf_appendf(b, "Content-Range: bytes */%zu\r\n", total);
    if (h->o.chunked)
        bytebuf_append_str(b, "Transfer-Encoding: chunked\r\n");
    else
        bytebuf_appendf(b, "Content-Length: %llu\r\n",
                        (unsigned long long)((h->o.set & O_CLEN) ? h->o.content_length : h->len));
    if (h->o.chunked && h->o.trailers)
        bytebuf_append_str(b, "Trailer: X-Trailer-Count, X-Body-Length\r\n");
    bytebuf_append_str(b, "Accept-Ranges: bytes\r\n");
    for (size_t i = 0; i < h->o.nhdrs; i++)
        bytebuf_appendf(b, "%s: %s\r\n", h->o.hdr_name[i], h->o.hdr_value[i]);
    bytebuf_append_str(b, "Connection: close\r\n\r\n");
    if (head_request) { /* the head only */
        h->len = 0;
        h->o.chunked = 0;
    }
}

static void log_request(hconn *h, const char *method, const char *path)
{
    http_svc *s = h->svc;
    http_svc_request *n = realloc(s->log, (s->nlog + 1) * sizeof(*n));
    if (!n)
        return;
    s->log = n;
    http_svc_request *r = &s->log[s->nlog++];
    memset(r, 0, sizeof(*r));
    snprintf(r->method, sizeof(r->method), "%s", method);
    r->target = strdup(path);
    r->range = strdup(h->range.data ? (const char *)h->range.data : "");
    r->body_len = h->body.len;
    r->status = h->status;
    bytebuf_init(&r->raw);
    bytebuf_append(&r->raw, h->raw.data, h->raw.len < LOG_RAW_MAX ? h->raw.len : LOG_RAW_MAX);
}

static void respond(hconn *h)
{
    const char *method = http_method_str((enum http_method)h->p.method);
    const char *path = h->url.data ? (const char *)h->url.data : "/";
    const hs_file *f = spec_file(h->svc->spec, path);
    merge_opts(&h->o, &h->svc->spec->o, f ? &f->o : NULL);
    int content_range = 0;
    size_t first = 0, total = 0;
    answer(h, method, path, &content_range, &first, &total);
    make_head(h, !strcmp(method, "HEAD"), content_range, first, total);
    log_request(h, method, path);
    networld *w = nw_conn_world(h->c);
    char range[64];
    snprintf(range, sizeof(range), "%s", h->range.data ? (const char *)h->range.data : "");
    for (char *q = range; *q; q++)
        if (*q == ' ')
            *q = '_';
    networld_logf(w, "peer http request host=%s method=%s path=%s range=%s body=%zu status=%d", nw_conn_host(h->c),
                  method, path, range[0] ? range : "-", h->body.len, h->status);
    pump(h);
}

/* ---------------- the request parser ---------------- */

static hconn *of(http_parser *p) { return p->data; }

static int rq_url(http_parser *p, const char *at, size_t n) { return bytebuf_append(&of(p)->url, at, n); }

static void rq_pair_done(hconn *h)
{
    if (h->field_is_range) {
        bytebuf_clear(&h->range);
        bytebuf_append(&h->range, h->value.data, h->value.len);
    }
    bytebuf_clear(&h->field);
    bytebuf_clear(&h->value);
    h->in_value = 0;
}

static int rq_field(http_parser *p, const char *at, size_t n)
{
    hconn *h = of(p);
    if (h->in_value)
        rq_pair_done(h);
    return bytebuf_append(&h->field, at, n);
}

static int rq_value(http_parser *p, const char *at, size_t n)
{
    hconn *h = of(p);
    if (!h->in_value)
        h->field_is_range = h->field.data && !strcasecmp((const char *)h->field.data, "Range");
    h->in_value = 1;
    return bytebuf_append(&h->value, at, n);
}

static int rq_headers_done(http_parser *p)
{
    hconn *h = of(p);
    if (h->in_value)
        rq_pair_done(h);
    return 0;
}

static int rq_body(http_parser *p, const char *at, size_t n)
{
    hconn *h = of(p);
    if (h->body.len + n > REQ_BODY_MAX) {
        h->too_big = 1;
        return 0;
    }
    return bytebuf_append(&h->body, at, n);
}

static int rq_complete(http_parser *p)
{
    of(p)->complete = 1;
    http_parser_pause(p, 1); /* one request per connection */
    return 0;
}

static const http_parser_settings rq_settings = {
    .on_url = rq_url,
    .on_header_field = rq_field,
    .on_header_value = rq_value,
    .on_headers_complete = rq_headers_done,
    .on_body = rq_body,
    .on_message_complete = rq_complete,
};

/* ---------------- the service's ops ---------------- */

static void *svc_accept(void *svc, nw_conn *c, int *refuse)
{
    hconn *h = calloc(1, sizeof(*h));
    if (!h) {
        *refuse = 1;
        return NULL;
    }
    h->svc = svc;
    h->c = c;
    h->clk = networld_clock(nw_conn_world(c));
    clk_timer_init(&h->timer, rate_cb, h);
    http_parser_init(&h->p, HTTP_REQUEST);
    h->p.data = h;
    bytebuf *bufs[] = { &h->raw, &h->url, &h->field, &h->value, &h->body, &h->range, &h->head, &h->owned, &h->pend };
    for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++)
        bytebuf_init(bufs[i]);
    return h;
}

static void svc_data(void *svc, void *cs, nw_conn *c, const uint8_t *p, size_t n)
{
    hconn *h = cs;
    (void)svc;
    if (!h || h->complete)
        return; /* one request per connection: the rest is ignored */
    if (h->raw.len < LOG_RAW_MAX)
        bytebuf_append(&h->raw, p, n);
    http_parser_execute(&h->p, &rq_settings, (const char *)p, n);
    enum http_errno e = HTTP_PARSER_ERRNO(&h->p);
    if (h->complete) {
        respond(h);
        return;
    }
    if (e != HPE_OK) { /* not HTTP: 400 and the end */
        h->complete = 1;
        h->status = 400;
        set_body_text(h, "");
        h->o = h->svc->spec->o;
        h->o.set &= ~(unsigned)(O_STATUS | O_REDIRECT);
        make_head(h, 0, 0, 0, 0);
        networld_logf(nw_conn_world(c), "peer http bad request host=%s", nw_conn_host(c));
        pump(h);
    }
}

static void svc_closed(void *svc, void *cs, nw_conn *c, int err)
{
    (void)svc;
    (void)c;
    (void)err;
    if (cs)
        conn_free(cs);
}

static void svc_drained(void *svc, void *cs, nw_conn *c)
{
    hconn *h = cs;
    (void)svc;
    (void)c;
    if (!h || !h->complete)
        return;
    if (h->rst_when_drained) {
        hang_up(h, 1);
        return;
    }
    if (!(h->o.set & O_RATE) && !h->stalled && h->phase != G_DONE)
        pump(h);
}

static const nw_service_ops http_ops = {
    .accept = svc_accept,
    .data = svc_data,
    .closed = svc_closed,
    .destroy = svc_destroy,
    .clone = svc_clone,
    .drained = svc_drained,
};

/* ---------------- configuration ---------------- */

static int parse_chunked(sc_pctx *c, const cJSON *v, hs_opts *o)
{
    size_t mark = sc_push_key(c, "chunked");
    int rc = 0;
    o->chunk_size = DEFAULT_CHUNK;
    if (cJSON_IsBool(v)) {
        o->chunked = cJSON_IsTrue(v);
    } else if (cJSON_IsObject(v)) {
        static const char *const keys[] = { "size", "extensions", "trailers", "note", NULL };
        long size = DEFAULT_CHUNK;
        rc = sc_check_keys(c, v, keys) || sc_opt_int(c, v, "size", 1, 1L << 24, &size) < 0 ||
             sc_opt_bool(c, v, "extensions", &o->chunk_ext) < 0 || sc_opt_bool(c, v, "trailers", &o->trailers) < 0;
        o->chunked = 1;
        o->chunk_size = (size_t)size;
    } else {
        rc = sc_fail(c, "expected true/false or {\"size\": 1000, \"extensions\": true, \"trailers\": true}");
    }
    sc_pop(c, mark);
    return rc ? -1 : 0;
}

static int parse_headers(sc_pctx *c, const cJSON *v, hs_opts *o)
{
    size_t mark = sc_push_key(c, "headers");
    int rc = 0;
    if (!cJSON_IsObject(v))
        rc = sc_fail(c, "expected an object of header names and string values");
    size_t n = rc ? 0 : (size_t)cJSON_GetArraySize(v);
    o->hdr_name = calloc(n + 1, sizeof(char *));
    o->hdr_value = calloc(n + 1, sizeof(char *));
    if (!rc && (!o->hdr_name || !o->hdr_value))
        rc = sc_fail(c, "out of memory");
    for (const cJSON *it = rc ? NULL : v->child; it && !rc; it = it->next) {
        if (!cJSON_IsString(it) || strpbrk(it->string, "\r\n: ") || !it->string[0] || strpbrk(it->valuestring, "\r\n"))
            rc = sc_fail_at(c, it->string, "expected a header name and a one-line string value");
        else if (!(o->hdr_name[o->nhdrs] = strdup(it->string)) || !(o->hdr_value[o->nhdrs] = strdup(it->valuestring)))
            rc = sc_fail(c, "out of memory");
        else
            o->nhdrs++;
    }
    sc_pop(c, mark);
    return rc ? -1 : 0;
}

static const char *const opt_keys[] = { "status", "redirect", "content_length", "close_at", "abort", "stall_at",
                                        "rate", "chunked", "ranges", "type", "headers", NULL };

/* An integer option: < 0 error, else sets `bit` when present. */
static int opt_u64(sc_pctx *c, const cJSON *o, const char *key, long lo, uint64_t *out, unsigned *set, unsigned bit)
{
    long v;
    int rc = sc_opt_int(c, o, key, lo, 1L << 40, &v);
    if (rc == 0) {
        *out = (uint64_t)v;
        *set |= bit;
    }
    return rc < 0 ? -1 : 0;
}

static int parse_opts(sc_pctx *c, const cJSON *v, hs_opts *o)
{
    int rc, b;
    if ((rc = sc_opt_int(c, v, "status", 100, 599, &o->status)) < 0)
        return -1;
    o->set |= rc == 0 ? O_STATUS : 0;
    if ((rc = sc_opt_string(c, v, "redirect", &o->redirect)) < 0)
        return -1;
    o->set |= rc == 0 ? O_REDIRECT : 0;
    if (o->redirect && strpbrk(o->redirect, "\r\n"))
        return sc_fail_at(c, "redirect", "expected a location on one line");
    if (opt_u64(c, v, "content_length", 0, &o->content_length, &o->set, O_CLEN) ||
        opt_u64(c, v, "close_at", 0, &o->close_at, &o->set, O_CLOSE_AT) ||
        opt_u64(c, v, "stall_at", 0, &o->stall_at, &o->set, O_STALL_AT) ||
        opt_u64(c, v, "rate", 1, &o->rate, &o->set, O_RATE))
        return -1;
    if ((rc = sc_opt_bool(c, v, "abort", &b)) < 0)
        return -1;
    if (rc == 0) {
        o->abort = b;
        o->set |= O_ABORT;
    }
    if ((rc = sc_opt_bool(c, v, "ranges", &b)) < 0)
        return -1;
    if (rc == 0) {
        o->ranges = b;
        o->set |= O_RANGES;
    }
    if ((rc = sc_opt_string(c, v, "type", &o->type)) < 0)
        return -1;
    o->set |= rc == 0 ? O_TYPE : 0;
    if (o->type && strpbrk(o->type, "\r\n"))
        return sc_fail_at(c, "type", "expected a content type on one line");
    const cJSON *ch = cJSON_GetObjectItemCaseSensitive(v, "chunked");
    if (ch && parse_chunked(c, ch, o))
        return -1;
    o->set |= ch ? O_CHUNKED : 0;
    const cJSON *hd = cJSON_GetObjectItemCaseSensitive(v, "headers");
    if (hd && parse_headers(c, hd, o))
        return -1;
    o->set |= hd ? O_HEADERS : 0;
    return 0;
}

/* A blob form: exactly one member, one of the sc_blob_value keys. */
static int is_blob(const cJSON *v)
{
    static const char *const blob_keys[] = { "path", "text", "hex", "generate", "package" };
    if (cJSON_IsString(v))
        return 1;
    if (!cJSON_IsObject(v) || !v->child || v->child->next)
        return 0;
    for (size_t i = 0; i < sizeof(blob_keys) / sizeof(blob_keys[0]); i++)
        if (!strcmp(v->child->string, blob_keys[i]))
            return 1;
    return 0;
}

static int parse_file(sc_pctx *c, const cJSON *v, hs_file *f)
{
    sc_bytes b = { 0 };
    if (is_blob(v)) {
        if (sc_blob_value(c, v, &b))
            return -1;
    } else {
        const char *keys[16] = { "body", "note" };
        size_t n = 2;
        for (size_t i = 0; opt_keys[i]; i++)
            keys[n++] = opt_keys[i];
        keys[n] = NULL;
        if (sc_expect_object(c, v, "file content ({\"generate\": N}, {\"text\": ...}, ...) or {\"body\": ..., options}") ||
            sc_check_keys(c, v, keys) || parse_opts(c, v, &f->o))
            return -1;
        const cJSON *body = cJSON_GetObjectItemCaseSensitive(v, "body");
        if (body) {
            size_t mark = sc_push_key(c, "body");
            int rc = sc_blob_value(c, body, &b);
            sc_pop(c, mark);
            if (rc)
                return -1;
        }
        if (!body && !(f->o.set & (O_STATUS | O_REDIRECT)))
            return sc_fail(c, "a file needs a \"body\" (or a \"status\" / \"redirect\" instead)");
        if (!body) {
            f->has_body = 0;
            return 0;
        }
    }
    f->has_body = 1;
    f->body = b.data;
    f->len = b.len;
    return 0;
}

static int parse_files(sc_pctx *c, const cJSON *v, hs_spec *sp)
{
    size_t mark = sc_push_key(c, "files");
    int rc = 0;
    if (!cJSON_IsObject(v))
        rc = sc_fail(c, "expected an object of paths, like {\"/pkg.bin\": {\"generate\": 450000}}");
    size_t n = rc ? 0 : (size_t)cJSON_GetArraySize(v);
    sp->files = n ? calloc(n, sizeof(*sp->files)) : NULL;
    if (n && !sp->files)
        rc = sc_fail(c, "out of memory");
    for (const cJSON *it = rc ? NULL : v->child; it && !rc; it = it->next) {
        size_t m2 = sc_push_key(c, it->string);
        hs_file *f = &sp->files[sp->nfiles++];
        if (it->string[0] != '/' || strpbrk(it->string, " \r\n"))
            rc = sc_fail(c, "a path starts with '/' and has no spaces");
        else if (!(f->path = strdup(it->string)))
            rc = sc_fail(c, "out of memory");
        else
            rc = parse_file(c, it, f);
        sc_pop(c, m2);
    }
    sc_pop(c, mark);
    return rc ? -1 : 0;
}

static int parse_spec(sc_pctx *c, const cJSON *o, hs_spec *sp, long *port)
{
    static const char *const keys[] = { "tcp", "serve", "files", "faults", "echo", "note", NULL };
    if (sc_check_keys(c, o, keys) || sc_req_int(c, o, "tcp", 1, 65535, port) < 0)
        return -1;
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(o, "files");
    if (files && parse_files(c, files, sp))
        return -1;
    const cJSON *faults = cJSON_GetObjectItemCaseSensitive(o, "faults");
    if (faults) {
        const char *fkeys[16] = { "note" };
        size_t n = 1;
        for (size_t i = 0; opt_keys[i]; i++)
            fkeys[n++] = opt_keys[i];
        fkeys[n] = NULL;
        size_t mark = sc_push_key(c, "faults");
        int rc = sc_expect_object(c, faults, "an object of options for every response, like {\"rate\": 2000}") ||
                 sc_check_keys(c, faults, fkeys) || parse_opts(c, faults, &sp->o);
        sc_pop(c, mark);
        if (rc)
            return -1;
    }
    if (sc_opt_string(c, o, "echo", &sp->echo) < 0)
        return -1;
    if (sp->echo && sp->echo[0] != '/')
        return sc_fail_at(c, "echo", "expected a path starting with '/'");
    return 0;
}

int http_service_parse(sc_pctx *c, const cJSON *o, nw_service_cfg *out)
{
    http_svc *s = calloc(1, sizeof(*s));
    hs_spec *sp = calloc(1, sizeof(*sp));
    if (!s || !sp) {
        free(s);
        free(sp);
        return sc_fail(c, "out of memory");
    }
    sp->refs = 1;
    s->spec = sp;
    long port = 0;
    if (parse_spec(c, o, sp, &port)) {
        svc_destroy(s);
        return -1;
    }
    memset(out, 0, sizeof(*out));
    out->proto = IP_TCP;
    out->port = (uint16_t)port;
    out->kind = NW_SVC_CUSTOM;
    out->ops = &http_ops;
    out->svc = s;
    return 0;
}

int http_service_from_json(const char *json, nw_service_cfg *out, char *err, size_t errlen)
{
    sc_pctx c = { "json", ".", "$", err, errlen };
    cJSON *root = cJSON_Parse(json);
    if (!root) {
        snprintf(err, errlen, "not valid JSON");
        return -1;
    }
    int rc = sc_expect_object(&c, root, "a service object") || http_service_parse(&c, root, out);
    cJSON_Delete(root);
    return rc ? -1 : 0;
}
