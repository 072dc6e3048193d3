/* coap_block.c - RFC 7959 block-wise helpers.  Offsets are the invariant:
 * a block is (NUM << (SZX + 4)); when the size changes mid-transfer the next
 * NUM is recomputed from the bytes done, which stays aligned because sizes
 * only shrink and are powers of two. */
#include "coap_block.h"

#include <errno.h>
#include <string.h>

static unsigned min_szx(unsigned a, unsigned b)
{
    return a < b ? a : b;
}

/* ---- client Block1 upload ---- */

void coap_b1_up_init(coap_b1_up *u, const void *body, size_t len, unsigned szx)
{
    memset(u, 0, sizeof(*u));
    u->body = body;
    u->len = len;
    u->szx = (uint8_t)min_szx(szx, COAP_BLOCK_SZX_MAX);
}

int coap_b1_up_fill(coap_b1_up *u, coap_msg *req)
{
    if (u->over)
        return -EINVAL;
    size_t size = coap_szx_size(u->szx);
    u->off = (size_t)u->num * size;
    size_t left = u->len - u->off;
    u->blk_len = left < size ? left : size;
    coap_block b = {.num = u->num, .more = left > size, .szx = u->szx};
    int rc = coap_msg_set_block(req, COAP_OPT_BLOCK1, &b);
    coap_msg_remove(req, COAP_OPT_SIZE1);
    if (!rc && u->num == 0)
        rc = coap_msg_add_uint(req, COAP_OPT_SIZE1, (uint32_t)u->len);
    if (rc)
        return rc;
    coap_msg_set_payload(req, u->body + u->off, u->blk_len);
    return 0;
}

int coap_b1_up_response(coap_b1_up *u, const coap_msg *resp)
{
    if (u->over)
        return -EINVAL;
    int last = u->off + u->blk_len >= u->len;
    if (resp->code != COAP_CONTINUE) {
        u->over = 1;
        /* A success before the last block means the server took a part
         * for the whole. */
        return COAP_CODE_CLASS(resp->code) == 2 && !last ? -EPROTO : 0;
    }
    coap_block b;
    if (last || coap_msg_get_block(resp, COAP_OPT_BLOCK1, &b) || (b.szx == u->szx && b.num != u->num)) {
        u->over = 1;
        return -EPROTO;
    }
    size_t done = u->off + u->blk_len;
    if (b.szx < u->szx) /* §2.3: the server asks for smaller blocks */
        u->szx = b.szx;
    u->num = (uint32_t)(done >> (u->szx + 4));
    return 1;
}

/* ---- client Block2 download ---- */

void coap_b2_down_init(coap_b2_down *d, int pref_szx)
{
    memset(d, 0, sizeof(*d));
    d->pref_szx = pref_szx < 0 ? -1 : (int)min_szx((unsigned)pref_szx, COAP_BLOCK_SZX_MAX);
    d->szx = d->pref_szx < 0 ? COAP_BLOCK_SZX_MAX : (uint8_t)d->pref_szx;
}

int coap_b2_down_fill(coap_b2_down *d, coap_msg *req)
{
    if (d->over)
        return -EINVAL;
    if (!d->started && d->pref_szx < 0) {
        coap_msg_remove(req, COAP_OPT_BLOCK2);
        return 0;
    }
    coap_block b = {.num = d->next_num, .more = 0, .szx = d->szx};
    return coap_msg_set_block(req, COAP_OPT_BLOCK2, &b);
}

/* §2.4: every block must belong to the representation the first came from. */
static int etag_check(coap_b2_down *d, const coap_msg *resp)
{
    const coap_option *e = coap_msg_find(resp, COAP_OPT_ETAG);
    if (e && e->len > sizeof(d->etag))
        return -EPROTO;
    if (!d->started) {
        d->have_etag = e != NULL;
        if (e) {
            d->etag_len = (uint8_t)e->len;
            memcpy(d->etag, coap_opt_val(e), e->len);
        }
        return 0;
    }
    if (!!e != d->have_etag || (e && (e->len != d->etag_len || memcmp(coap_opt_val(e), d->etag, e->len))))
        return -ESTALE;
    return 0;
}

static int b2_fail(coap_b2_down *d, int rc)
{
    d->over = 1;
    return rc;
}

int coap_b2_down_response(coap_b2_down *d, const coap_msg *resp, const uint8_t **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    if (d->over)
        return -EINVAL;
    if (COAP_CODE_CLASS(resp->code) != 2)
        return b2_fail(d, -EINVAL);
    int rc = etag_check(d, resp);
    if (rc)
        return b2_fail(d, rc);
    coap_block b;
    rc = coap_msg_get_block(resp, COAP_OPT_BLOCK2, &b);
    if (rc == -ENOENT && !d->started) { /* the whole representation at once */
        d->started = d->over = 1;
        d->received = resp->payload_len;
        *data = resp->payload;
        *len = resp->payload_len;
        return 0;
    }
    if (rc) /* missing after the first block, or malformed (SZX 7) */
        return b2_fail(d, -EPROTO);
    size_t size = coap_szx_size(b.szx);
    if (coap_block_offset(&b) != d->received || resp->payload_len > size ||
        (b.more && resp->payload_len != size))
        return b2_fail(d, -EPROTO);
    uint32_t s2;
    if (!d->started && coap_msg_get_uint(resp, COAP_OPT_SIZE2, 4, &s2) == 0) {
        d->have_size2 = 1;
        d->size2 = s2;
    }
    d->started = 1;
    d->received += resp->payload_len;
    *data = resp->payload;
    *len = resp->payload_len;
    if (!b.more) {
        d->over = 1;
        return 0;
    }
    /* Keep the server's size if it chose a smaller one than ours. */
    if (d->pref_szx < 0 || b.szx < d->szx)
        d->szx = b.szx;
    uint64_t next = d->received >> (d->szx + 4);
    if (next > COAP_BLOCK_NUM_MAX)
        return b2_fail(d, -EFBIG);
    d->next_num = (uint32_t)next;
    return 1;
}

/* ---- server Block1 receive ---- */

void coap_b1_rx_init(coap_b1_rx *s, size_t max_size, unsigned pref_szx, uint64_t lifetime)
{
    memset(s, 0, sizeof(*s));
    bytebuf_init(&s->body);
    bytebuf_init(&s->key);
    s->max_size = max_size;
    s->pref_szx = (uint8_t)min_szx(pref_szx, COAP_BLOCK_SZX_MAX);
    s->lifetime = lifetime;
}

void coap_b1_rx_free(coap_b1_rx *s)
{
    bytebuf_free(&s->body);
    bytebuf_free(&s->key);
    s->active = 0;
}

void coap_b1_rx_reset(coap_b1_rx *s)
{
    bytebuf_clear(&s->body);
    bytebuf_clear(&s->key);
    s->active = 0;
    s->last_off = 0;
}

/* method + path + query: what makes two requests parts of one upload. */
static int make_key(const coap_msg *req, bytebuf *key)
{
    bytebuf_clear(key);
    int rc = bytebuf_append_byte(key, req->code);
    if (!rc)
        rc = coap_msg_join(req, COAP_OPT_URI_PATH, key);
    if (!rc)
        rc = bytebuf_append_byte(key, '?');
    if (!rc)
        rc = coap_msg_join(req, COAP_OPT_URI_QUERY, key);
    return rc;
}

static coap_b1_rx_result b1_error(coap_b1_rx *s, coap_msg *resp, uint8_t code)
{
    resp->code = code;
    if (code == COAP_REQUEST_ENTITY_TOO_LARGE) /* §2.9.3: say what would fit */
        coap_msg_set_uint(resp, COAP_OPT_SIZE1, (uint32_t)s->max_size);
    coap_b1_rx_reset(s);
    return COAP_B1RX_ERROR;
}

/* Is req the next block (or the last one again) of the upload in progress? */
static int continues(coap_b1_rx *s, uint64_t now, const coap_msg *req, uint64_t off)
{
    bytebuf k;
    bytebuf_init(&k);
    int same = make_key(req, &k) == 0 && k.len == s->key.len && memcmp(k.data, s->key.data, k.len) == 0;
    bytebuf_free(&k);
    return s->active && same && now - s->last <= s->lifetime &&
           (off == s->body.len || off == s->last_off);
}

coap_b1_rx_result coap_b1_rx_request(coap_b1_rx *s, uint64_t now, const coap_msg *req,
                                     coap_msg *resp)
{
    coap_block b;
    int rc = coap_msg_get_block(req, COAP_OPT_BLOCK1, &b);
    if (rc == -ENOENT)
        return COAP_B1RX_NONE;
    size_t size = rc ? 0 : coap_szx_size(b.szx);
    if (rc || req->payload_len > size || (b.more && req->payload_len != size))
        return b1_error(s, resp, COAP_BAD_REQUEST);
    uint64_t off = coap_block_offset(&b);
    uint32_t size1;
    if (b.num == 0) {
        coap_b1_rx_reset(s);
        if (make_key(req, &s->key))
            return b1_error(s, resp, COAP_INTERNAL_SERVER_ERROR);
        s->active = 1;
        if (coap_msg_get_uint(req, COAP_OPT_SIZE1, 4, &size1) == 0 && size1 > s->max_size)
            return b1_error(s, resp, COAP_REQUEST_ENTITY_TOO_LARGE);
    } else if (!continues(s, now, req, off)) {
        return b1_error(s, resp, COAP_REQUEST_ENTITY_INCOMPLETE); /* §2.9.2: a gap */
    }
    /* A block sent again (its 2.31 was lost and the client asked anew)
     * replaces the copy we have. */
    s->body.len = (size_t)off;
    if (off + req->payload_len > s->max_size)
        return b1_error(s, resp, COAP_REQUEST_ENTITY_TOO_LARGE);
    if (bytebuf_append(&s->body, req->payload, req->payload_len))
        return b1_error(s, resp, COAP_INTERNAL_SERVER_ERROR);
    s->last = now;
    s->last_off = (size_t)off;
    s->last_blk = b;
    if (!b.more)
        return COAP_B1RX_COMPLETE;
    /* §2.3: acknowledge this block, at our size if it is smaller. */
    coap_block ack = {.num = b.num, .more = 1, .szx = (uint8_t)min_szx(b.szx, s->pref_szx)};
    resp->code = COAP_CONTINUE;
    if (coap_msg_set_block(resp, COAP_OPT_BLOCK1, &ack))
        return b1_error(s, resp, COAP_INTERNAL_SERVER_ERROR);
    return COAP_B1RX_CONTINUE;
}

int coap_b1_rx_final(const coap_b1_rx *s, coap_msg *resp)
{
    coap_block b = s->last_blk;
    b.more = 0;
    return coap_msg_set_block(resp, COAP_OPT_BLOCK1, &b);
}

/* ---- server Block2 serve ---- */

int coap_b2_serve(const coap_msg *req, const uint8_t *body, size_t len, unsigned pref_szx,
                  coap_msg *resp)
{
    coap_block want;
    int rc = coap_msg_get_block(req, COAP_OPT_BLOCK2, &want);
    if (rc == -EINVAL)
        return -EINVAL;
    unsigned szx = min_szx(pref_szx, COAP_BLOCK_SZX_MAX);
    if (rc == -ENOENT) {
        if (len <= coap_szx_size(szx)) {
            coap_msg_set_payload(resp, body, len);
            return 0;
        }
        want = (coap_block){.num = 0, .more = 0, .szx = (uint8_t)szx};
    }
    /* A smaller size than asked: the block that starts where the asked one
     * does (§2.4: NUM scales with the size). */
    uint64_t off = coap_block_offset(&want);
    szx = min_szx(want.szx, szx);
    size_t size = coap_szx_size(szx);
    if (off >= len && !(off == 0 && len == 0))
        return -ERANGE;
    size_t n = len - off < size ? len - (size_t)off : size;
    coap_block b = {.num = (uint32_t)(off >> (szx + 4)), .more = off + n < len, .szx = (uint8_t)szx};
    rc = coap_msg_set_block(resp, COAP_OPT_BLOCK2, &b);
    if (!rc && b.num == 0)
        rc = coap_msg_set_uint(resp, COAP_OPT_SIZE2, (uint32_t)len);
    if (rc)
        return rc;
    coap_msg_set_payload(resp, body + off, n);
    return 0;
}
