/* coap_block.h - block-wise transfer helpers (RFC 7959) for both roles,
 * sans-I/O and independent of the message layer: they look at one message
 * and fill the next one; the caller sends them through its coap_ep.
 *
 *   client upload   coap_b1_up:   a body split in Block1 requests, following
 *                                 2.31 Continue and a smaller SZX the server asks for;
 *   client download coap_b2_down: Block2 responses streamed block by block
 *                                 (nothing is held: a 6 MB package goes straight
 *                                 to the caller's storage), ETag checked;
 *   server receive  coap_b1_rx:   Block1 requests of one upload assembled, 2.31 /
 *                                 4.08 / 4.13 answered;
 *   server serve    coap_b2_serve: the slice of a representation a request asks for.
 *
 * Each request of a block-wise transfer is a request of its own for the
 * message layer (its own message id; the caller may keep the token or let
 * the endpoint draw a new one, RFC 7959 §2.4 allows both).
 */
#ifndef SARASIM_COAP_BLOCK_H
#define SARASIM_COAP_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "bytebuf.h"
#include "coap.h"

/* ---- client Block1 upload ---- */

typedef struct coap_b1_up {
    const uint8_t *body; /* the caller's; valid until the upload ends */
    size_t len;
    size_t off;          /* offset of the block last filled */
    size_t blk_len;      /* its length */
    uint8_t szx;         /* size of the next block */
    uint32_t num;        /* its number */
    int over;            /* a final response came (or a protocol error) */
} coap_b1_up;

/* szx 0..6 (clamped): the client's block size. */
void coap_b1_up_init(coap_b1_up *u, const void *body, size_t len, unsigned szx);
/* Set req's payload to the current block and its Block1 option (and Size1
 * with the whole length on block 0).  req keeps every other option (method,
 * Uri-Path, Uri-Query, Content-Format: the same for every block).  0 or
 * -EINVAL (the upload is over). */
int coap_b1_up_fill(coap_b1_up *u, coap_msg *req);
/* The response to the block last filled.  1: 2.31 Continue, fill and send
 * the next block (at the SZX the response asks for, if smaller); 0: the
 * upload is over and resp is its final answer (2.01/2.04 success, 4.13 too
 * large, 4.08, any other error: the caller looks at the code); -EPROTO:
 * the server broke RFC 7959 (2.31 without Block1 or for the last block, the
 * wrong block acknowledged, a success before the last block): over too. */
int coap_b1_up_response(coap_b1_up *u, const coap_msg *resp);
static inline int coap_b1_up_over(const coap_b1_up *u) { return u->over; }

/* ---- client Block2 download ---- */

typedef struct coap_b2_down {
    int pref_szx;        /* -1: let the server choose the size */
    uint8_t szx;         /* size of the next block to ask for */
    uint32_t next_num;   /* its number */
    uint64_t received;   /* bytes delivered so far */
    int have_etag;
    uint8_t etag_len, etag[8];
    int have_size2;
    uint32_t size2;      /* the total the server announced (Size2) */
    int started, over;
} coap_b2_down;

/* pref_szx 0..6: ask for that size from the first request on (early
 * negotiation, RFC 7959 §2.4); -1: the first request has no Block2. */
void coap_b2_down_init(coap_b2_down *d, int pref_szx);
/* Set req's Block2 option for the next block (none on a first request
 * without a preference).  0 or -EINVAL (over). */
int coap_b2_down_fill(coap_b2_down *d, coap_msg *req);
/* A 2.xx response: *data and *len = this block's bytes (pointing into resp) to
 * stream to storage.  1: more to fetch (fill and send the next request);
 * 0: that was the last block; errors end the download: -EINVAL (not a 2.xx),
 * -EPROTO (no Block2 after the first, wrong offset, a short block with M=1,
 * SZX 7), -ESTALE (the ETag changed: the representation is not the one we
 * started; start again), -EFBIG (past 2^20 blocks). */
int coap_b2_down_response(coap_b2_down *d, const coap_msg *resp, const uint8_t **data, size_t *len);

/* ---- server Block1 receive ---- */

typedef enum coap_b1_rx_result {
    COAP_B1RX_NONE = 0,     /* no Block1: handle req as a whole */
    COAP_B1RX_CONTINUE = 1, /* answer with resp as filled (2.31 + Block1) */
    COAP_B1RX_COMPLETE = 2, /* the body is whole in rx->body: handle it, answer with
                               coap_b1_rx_final() added to the response, then reset */
    COAP_B1RX_ERROR = 3,    /* answer with resp as filled (4.00 / 4.08 / 4.13) */
} coap_b1_rx_result;

/* One upload in progress from one peer (the caller keeps one per peer and
 * URI it accepts uploads on; the key inside is method + path + query). */
typedef struct coap_b1_rx {
    bytebuf body;
    bytebuf key;
    size_t max_size;   /* past it: 4.13 with Size1 = max_size */
    uint8_t pref_szx;  /* the server's block size: a bigger one is accepted, a smaller asked for */
    uint64_t lifetime; /* an upload idle this long is forgotten (4.08 for its next block) */
    uint64_t last;     /* time of its last block */
    int active;
    size_t last_off;   /* offset of the last block accepted (a re-sent one replaces it) */
    coap_block last_blk;
} coap_b1_rx;

void coap_b1_rx_init(coap_b1_rx *s, size_t max_size, unsigned pref_szx, uint64_t lifetime);
void coap_b1_rx_free(coap_b1_rx *s);
void coap_b1_rx_reset(coap_b1_rx *s);
/* A request received at `now`.  resp (initialised by the caller) gets the
 * code and options of the answer for CONTINUE and ERROR. */
coap_b1_rx_result coap_b1_rx_request(coap_b1_rx *s, uint64_t now, const coap_msg *req,
                                     coap_msg *resp);
/* Add the Block1 option the final response of a COMPLETE upload echoes. */
int coap_b1_rx_final(const coap_b1_rx *s, coap_msg *resp);

/* ---- server Block2 serve ---- */

/* Answer req with body[0..len): resp's payload becomes the block asked for
 * (req's Block2, at most pref_szx; block 0 when req has none) with Block2
 * and, on block 0, Size2 = len; a body that fits one block and was not asked
 * for block-wise goes whole without options.  resp's payload points into
 * body.  0, -ERANGE (the block starts past the end: answer 4.02 Bad Option),
 * -EINVAL (req's Block2 is malformed: answer 4.00). */
int coap_b2_serve(const coap_msg *req, const uint8_t *body, size_t len, unsigned pref_szx,
                  coap_msg *resp);

#endif
