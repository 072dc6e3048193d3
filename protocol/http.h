/* http.h - one HTTP/1.x client exchange, sans I/O: the request as bytes, the
 * response taken apart as its bytes are fed in.
 *
 * The request side builds a request head (and body) into a bytebuf: method,
 * target, Host, User-Agent, Basic authorization, Range for a resumed
 * download, Content-Type and Content-Length for a body, custom headers.
 *
 * The response side wraps Debian's http_parser (libhttp-parser 2.9): feed it
 * the bytes of the connection as they come; it calls back with the status
 * line and headers once they are complete, then with the body (de-chunked),
 * then with each trailer of a chunked body.  The body ends by Content-Length,
 * by the last chunk, or when the connection closes (http_resp_eof).  A
 * response to HEAD, a 204 and a 304 have no body.  Interim 1xx responses are
 * skipped.  Nothing here reads a clock or touches a socket: the caller owns
 * the connection and its timeouts.
 *
 * Limits: a status, header or trailer line longer than HTTP_LINE_MAX, or a
 * head (or the trailers) longer than HTTP_HEAD_MAX in all, fails the
 * response cleanly (HTTP_E_LINE_TOO_LONG / HTTP_E_HEAD_TOO_LARGE) without
 * holding more than the limit in memory.  Redirects are reported (the
 * Location header), never followed: that is the caller's business.
 */
#ifndef SARASIM_HTTP_H
#define SARASIM_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "bytebuf.h"

/* Longest status, header or trailer line, CR LF included. */
#define HTTP_LINE_MAX 8192
/* Largest head (status line, headers, blank line), and largest trailer block. */
#define HTTP_HEAD_MAX 32768

/* ---------------- the request ---------------- */

typedef enum { HTTP_VERB_HEAD, HTTP_VERB_GET, HTTP_VERB_DELETE, HTTP_VERB_PUT, HTTP_VERB_POST } http_verb;
/* "HEAD", "GET", ... */
const char *http_verb_name(http_verb v);

typedef struct http_hdr {
    const char *name;
    const char *value;
} http_hdr;

typedef struct http_req {
    http_verb verb;
    int minor;                  /* HTTP/1.<minor>: 0 or 1 */
    const char *target;         /* request target as sent ("/x?y=1"); NULL or "": "/" */
    const char *host;           /* Host header value (NULL: no Host header) */
    uint16_t port;              /* appended to Host as ":<port>" unless 0 or 80 */
    const char *user_agent;     /* NULL: none */
    const char *user;           /* Basic authorization "user:password" when user is set */
    const char *password;
    int range;                  /* ask for the body from range_from on: Range: bytes=<from>- */
    uint64_t range_from;
    int has_body;               /* send body_len bytes with Content-Length (PUT, POST) */
    const uint8_t *body;
    size_t body_len;
    const char *content_type;   /* with a body; NULL: none */
    int close;                  /* Connection: close */
    const http_hdr *extra;      /* custom headers, sent last in this order; one named like */
    size_t nextra;              /* Host, User-Agent, Content-Type replaces the built-in one */
} http_req;

/* Append the request to out.  0, or -EINVAL when a text would break the
 * framing (CR, LF or NUL in a header, a space in the target, an empty or
 * malformed header name, minor not 0/1); out is unchanged on error. */
int http_req_build(const http_req *r, bytebuf *out);

/* ---------------- the response ---------------- */

typedef enum {
    HTTP_E_NONE = 0,
    HTTP_E_MALFORMED,      /* not an HTTP/1.x response, or broken framing */
    HTTP_E_LINE_TOO_LONG,  /* a line past HTTP_LINE_MAX */
    HTTP_E_HEAD_TOO_LARGE, /* the head or the trailers past HTTP_HEAD_MAX */
    HTTP_E_TRUNCATED,      /* the connection ended before the response did */
    HTTP_E_STOPPED,        /* a callback returned nonzero */
    HTTP_E_NOMEM,
} http_err;
const char *http_err_name(http_err e);

typedef enum { HTTP_RESP_MORE, HTTP_RESP_DONE, HTTP_RESP_FAILED } http_resp_state;

#define HTTP_UNKNOWN UINT64_MAX

/* The status line and headers, valid during the head callback. */
typedef struct http_head {
    int status;                /* 100..999 */
    int major, minor;
    const char *reason;        /* the reason phrase */
    uint64_t content_length;   /* HTTP_UNKNOWN: none given */
    int chunked;               /* Transfer-Encoding: chunked */
    int until_close;           /* the body ends when the connection does */
    int no_body;               /* HEAD, 1xx, 204, 304 */
    const char *location;      /* Location (redirects), NULL: none */
    int has_range;             /* Content-Range: bytes <first>-<last>/<total> */
    uint64_t range_first, range_last, range_total; /* total HTTP_UNKNOWN for "*" */
    size_t head_len;           /* bytes of the status line, headers and blank line */
    const http_hdr *headers;   /* every header in order, names as sent */
    size_t nheaders;
} http_head;

typedef struct http_resp_cb {
    int (*head)(void *ctx, const http_head *h);                   /* nonzero: stop */
    int (*body)(void *ctx, const uint8_t *p, size_t n);           /* de-chunked; nonzero: stop */
    /* each trailer once the response is complete (none if it fails); nonzero: stop */
    int (*trailer)(void *ctx, const char *name, const char *value);
    void *ctx;
} http_resp_cb;

typedef struct http_resp http_resp;

/* head_request: the request was HEAD (the response has no body whatever
 * its headers say).  cb may have NULL members.  0 or -ENOMEM. */
int http_resp_new(http_resp **out, int head_request, const http_resp_cb *cb);
void http_resp_free(http_resp *r);
/* Bytes of the connection, in order.  Returns how many belong to the
 * response: all n while it is not complete, fewer once it ends inside them
 * (what follows is not part of it) or fails.  Nothing is taken once the
 * state is DONE or FAILED. */
size_t http_resp_feed(http_resp *r, const uint8_t *p, size_t n);
/* The connection closed: a body delimited by the close is complete (DONE);
 * anything else unfinished fails with HTTP_E_TRUNCATED. */
http_resp_state http_resp_eof(http_resp *r);
http_resp_state http_resp_state_of(const http_resp *r);
http_err http_resp_error(const http_resp *r);
/* The final status (0 until the head is in), and body bytes so far. */
int http_resp_status(const http_resp *r);
uint64_t http_resp_body_bytes(const http_resp *r);

#endif
