/* coap_fetch.h - the module fetching one resource over CoAP with Block2
 * (RFC 7959), as its own client (the default bearer): a coap:// package URI
 * for uFOTA.  Resolves the host, opens a UDP endpoint through sim/ip.c, asks
 * block after block from `offset` on, and hands every block to the caller
 * as it arrives; the protocol is protocol/coap_ep.c and coap_block.c.
 */
#ifndef SARASIM_COAP_FETCH_H
#define SARASIM_COAP_FETCH_H

#include <stddef.h>
#include <stdint.h>

typedef struct modem modem;
typedef struct coap_fetch coap_fetch;

typedef struct coap_fetch_cb {
    /* The whole size, when the server says (Size2). */
    void (*size)(void *ctx, uint64_t total);
    /* The next bytes of the body (in order, from the offset asked for). */
    void (*data)(void *ctx, const uint8_t *p, size_t n);
    /* The end: 0 (all of it), -ENOENT (4.04), -EPROTO (another error
     * response or a block-wise violation), -ETIMEDOUT, -ENETDOWN,
     * -EHOSTUNREACH (no such name), -EINVAL (a URI it cannot fetch). */
    void (*done)(void *ctx, int err);
    void *ctx;
} coap_fetch_cb;

/* Start fetching uri ("coap://host[:port]/path") from byte `offset` (a
 * multiple of 1024 resumes exactly; others restart at the block holding
 * it and skip the bytes before).  Callbacks come later, from timers.  0 or
 * -EINVAL / -ENOMEM. */
int coap_fetch_start(modem *m, const char *uri, uint64_t offset, const coap_fetch_cb *cb, coap_fetch **out);
/* Stop and free (no callback afterwards). */
void coap_fetch_stop(coap_fetch *f);

#endif
