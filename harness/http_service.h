/* http_service.h - a simulated HTTP server: a custom TCP service of
 * harness/networld.h, configured from a scenario's world.hosts:
 *
 *   { "tcp": 80, "serve": "http",
 *     "files": { "/pkg.bin": {"generate": 450000}, "/hello.txt": {"text": "hi"},
 *                "/gone": {"status": 404}, "/old": {"redirect": "/new"},
 *                "/slow.bin": {"body": {"generate": 100000}, "rate": 2000} },
 *     "faults": { "chunked": {"size": 1000, "extensions": true, "trailers": true} },
 *     "echo": "/echo" }
 *
 * GET and HEAD serve the files (Range: bytes=a- and a-b with 206, 416 past
 * the end), PUT stores the body under the path, POST stores it and answers
 * with it (as ubxlib's test server does), DELETE removes the file; the echo
 * path answers any request with the request's own bytes.  Every response
 * closes the connection.  Options, per file or for every response
 * ("faults"; a file's own win): status, redirect, content_length (announce
 * another length than the body has), close_at / abort (FIN / RST after N
 * body bytes), stall_at (send nothing after N body bytes, never close),
 * rate (bytes per second), chunked (size, extensions, trailers), ranges
 * (false: ignore Range, as python's http.server does), type, headers.
 * docs/network.md has the reference.
 *
 * Each world that runs the service gets a clone with its own request log
 * and uploads (nw_service_ops.clone): tests find it with networld_service().
 */
#ifndef SARASIM_HTTP_SERVICE_H
#define SARASIM_HTTP_SERVICE_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "networld.h"
#include "protocol/bytebuf.h"

typedef struct http_svc http_svc;
struct sc_pctx;

/* {"tcp": <port>, "serve": "http", ...} into a custom service config (the
 * config owns the service: nw_config_free destroys it).  0, or -1 with the
 * message in the parse context. */
int http_service_parse(struct sc_pctx *c, const cJSON *o, nw_service_cfg *out);
/* The same from JSON text (tests): 0, or -1 and a message in err. */
int http_service_from_json(const char *json, nw_service_cfg *out, char *err, size_t errlen);

/* One request the server received. */
typedef struct http_svc_request {
    char method[16];
    char *target;
    char *range;       /* the Range header, "" if none */
    size_t body_len;
    int status;        /* what the server answered */
    bytebuf raw;       /* the request's bytes (at most 1 MB kept) */
} http_svc_request;

size_t http_service_count(const http_svc *s);
const http_svc_request *http_service_request(const http_svc *s, size_t i);
/* A file as the server holds it now (uploads included); NULL if none. */
const bytebuf *http_service_file(const http_svc *s, const char *path);

#endif
