/* http_fetch.h - one HTTP exchange of the module over the data plane.
 *
 * The module's HTTP client as its users see it: the host's +UHTTPC
 * (sim/cmd_http.c, on the host's PSD profile, IP_USER_HOST) and the module's
 * own downloads (the uFOTA package, on the default bearer, IP_USER_MODULE).
 * It resolves the server's name (ip_resolve), connects (ip_tcp_*), sends the
 * request built by protocol/http.h, and streams the response to a sink as it
 * arrives: the bytes as received (a caller that stores the whole response)
 * and the body de-chunked (a caller that stores or hashes the body), so a
 * 6 MB package never sits in memory twice.  Everything runs on the modem's
 * clock; nothing here knows about AT commands.
 *
 * Time: the exchange fails after `timeout` without a network read or send
 * (the u-blox manuals: 180 s "from the last successful network read or send
 * operation"; timing row http_timeout).  The DNS lookup and the TCP connect
 * have their own timeouts (dns_timeout, tcp_connect_timeout).
 *
 * Resuming: start > 0 asks for the body from that offset (Range).  The sink's
 * head callback sees whether the server honoured it (206 with has_range) or
 * sent the whole body again (200): the caller decides.
 *
 * Redirects are not followed: a 3xx is a complete response like any other
 * (its Location is in the head).  docs/http.md says why.
 *
 * Lifecycle: http_fetch_start() -> sink callbacks -> done() exactly once,
 * from a clock timer (never inside start or cancel), after which the fetch
 * is freed.  http_fetch_cancel() ends it at once without done() (power off,
 * reboot, the caller gave up).  Sink callbacks must not call cancel: they
 * return nonzero to stop the exchange (it ends with HF_SINK).
 */
#ifndef SARASIM_HTTP_FETCH_H
#define SARASIM_HTTP_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "../protocol/http.h"
#include "clock.h"
#include "ip.h"

typedef struct modem modem;
typedef struct http_fetch http_fetch;

/* What the module's HTTP client calls itself (servers written for u-blox
 * modules look for it). */
#define HTTP_FETCH_USER_AGENT "UBLOX-HttpClient"

/* How an exchange ended. */
typedef enum {
    HF_OK = 0,          /* a complete response, whatever its status */
    HF_NO_BEARER,       /* no data connection for this user (at start or during) */
    HF_DNS_FAILED,      /* the name does not resolve */
    HF_DNS_TIMEOUT,     /* the resolver never answered */
    HF_REFUSED,         /* the connect was refused or failed */
    HF_CONNECT_TIMEOUT, /* the SYN was never answered */
    HF_BROKEN,          /* reset, or closed before the response was complete */
    HF_TIMEOUT,         /* nothing moved for the inactivity timeout */
    HF_BAD_RESPONSE,    /* not HTTP, or past the limits of protocol/http.h */
    HF_SINK,            /* the sink refused bytes (a full file system) */
} hf_status;
/* "ok", "no_bearer", ... for trace events. */
const char *hf_status_name(hf_status s);

typedef struct http_fetch_result {
    hf_status status;
    int err;             /* -errno of a network failure, 0 otherwise */
    http_err http_error; /* protocol/http.h's reason for HF_BAD_RESPONSE / HF_BROKEN */
    int request_sent;    /* the whole request went out */
    int http_status;     /* the server's status, 0 if no head arrived */
    uint64_t body_bytes; /* de-chunked body bytes delivered */
    uint64_t raw_bytes;  /* response bytes delivered as received */
} http_fetch_result;

/* The u-blox error class and code of a result (+UHTTPER; the module's
 * download status): 0,0 for HF_OK.  docs/http.md has the table. */
void http_fetch_error_code(const http_fetch_result *r, int *error_class, int *error_code);

typedef struct http_fetch_sink {
    /* The status line and headers are in.  Nonzero: stop (HF_SINK). */
    int (*head)(void *ctx, const http_head *h);
    /* Bytes of the response as they came (status line, headers, the body
     * as framed, trailers): the whole response, nothing after it. */
    int (*raw)(void *ctx, const uint8_t *p, size_t n);
    /* Body bytes, de-chunked. */
    int (*body)(void *ctx, const uint8_t *p, size_t n);
    /* The end, once; the fetch is freed when it returns. */
    void (*done)(void *ctx, const http_fetch_result *r);
    void *ctx;
} http_fetch_sink;

typedef struct http_fetch_req {
    ip_user user;
    const char *host;    /* a name or a dotted quad */
    uint16_t port;
    http_req req;        /* what to send (Host and the like are the caller's) */
    uint64_t start;      /* > 0: Range: bytes=<start>- */
    sim_ns timeout;      /* inactivity; 0: the timing row http_timeout */
} http_fetch_req;

/* Start an exchange; every string of r is copied.  0 and *out, or -EINVAL
 * (a request protocol/http.h refuses, no host, port 0, no done callback),
 * -ENOMEM.  A network problem is never an error here: it ends the exchange
 * through done(). */
int http_fetch_start(modem *m, const http_fetch_req *r, const http_fetch_sink *s, http_fetch **out);
/* End it now, without done(); the connection is reset. */
void http_fetch_cancel(http_fetch *f);

/* ---------------- the module's own download of a URI ----------------
 *
 * The uFOTA package from an http:// URI, shaped like sim/coap_fetch.h so the
 * download can take either: GET on the default bearer (IP_USER_MODULE), the
 * request +UHTTPC sends (HTTP/1.0, Host, User-Agent UBLOX-HttpClient) plus
 * Range when resuming, the http_timeout inactivity rule, no redirects.
 *
 * Resuming from offset > 0: a 206 whose Content-Range starts at or before
 * the offset gives the rest (bytes before the offset are skipped); a 200
 * (a server that ignores Range) gives the whole body again and the bytes
 * before the offset are skipped, so data() always continues at `offset`.
 * size() reports the whole resource (Content-Length of a 200, the total of
 * Content-Range), not what is left.
 */
typedef struct http_fetch_uri http_fetch_uri;

typedef struct http_fetch_uri_cb {
    /* The whole size, when the server says (at most once, before data). */
    void (*size)(void *ctx, uint64_t total);
    /* The next bytes of the body, in order, from the offset asked for. */
    void (*data)(void *ctx, const uint8_t *p, size_t n);
    /* The end, once: 0 (the response is complete: compare with size),
     * -ENOENT (404, 410), -EPROTO (another status, a 206 that does not
     * cover the offset, not HTTP), -ETIMEDOUT (DNS, connect or 180 s
     * without a read or send), -ENETDOWN (no bearer), -EHOSTUNREACH (no
     * such name), -ECONNREFUSED, -ECONNRESET (cut short: resumable).
     * The caller still owns the download: it frees it with
     * http_fetch_uri_stop, from done or later; size and data must not. */
    void (*done)(void *ctx, int err);
    void *ctx;
} http_fetch_uri_cb;

/* Start fetching uri ("http://host[:port][/path][?query]") from byte
 * `offset`.  Callbacks come later, from timers.  0, or -EINVAL (not an
 * http:// URI, user info, an IPv6 literal, a target the request line cannot
 * carry) / -ENOMEM. */
int http_fetch_uri_start(modem *m, const char *uri, uint64_t offset, const http_fetch_uri_cb *cb,
                         http_fetch_uri **out);
/* Stop and free (no callback afterwards); NULL is fine. */
void http_fetch_uri_stop(http_fetch_uri *d);

#endif
