/* fuzz_lwm2m_tlv.c - libFuzzer target for the TLV decoder (and the
 * text/plain reader): arbitrary bytes must be decoded or refused with a
 * documented code, never crash, leak or read out of bounds, and whatever
 * decodes must survive the trip back:
 *   decode -> encode -> decode gives the same list (in path order), and
 *   encoding that list again gives the same bytes (the encoder is canonical).
 *
 * Input layout: byte 0 = the request path's depth (bits 0-1: 1..4) and
 * whether to read the rest as text/plain instead (bit 2; bits 4-7 = the
 * type); byte 1 = the path's ids, two bits a level (/a/b/c/d, each 0..3, so
 * the fuzzer meets them in the payload); the rest = the payload. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/lwm2m_data.h"

/* Resource r is of type r % 9, NONE included. */
static int types(void *ctx, uint16_t obj, uint16_t res)
{
    (void)ctx;
    (void)obj;
    return res % 9;
}

static int known(int rc)
{
    return rc <= 0 && rc >= LWM2M_E_NOTFOUND;
}

/* The list in path order, without a NONE standing for base itself when base
 * is an instance (a read of an empty instance is an empty payload). */
static void canonical(const lwm2m_list *in, const lwm2m_path *base, lwm2m_list *out)
{
    lwm2m_list_init(out);
    lwm2m_list_set_limits(out, in->max_items, in->max_bytes);
    for (size_t i = 0; i < in->len; i++) {
        const lwm2m_entry *e = &in->items[i];
        if (base->depth == 2 && e->value.type == LWM2M_T_NONE && lwm2m_path_equal(&e->path, base))
            continue;
        if (lwm2m_list_add(out, &e->path, &e->value))
            abort();
    }
    if (lwm2m_list_sort(out))
        abort();
}

static void round_trip(const lwm2m_list *d1, const lwm2m_path *base, bool typed)
{
    for (size_t i = 0; i < d1->len; i++)
        if (!lwm2m_path_is_under(&d1->items[i].path, base))
            abort();
    bytebuf e1, e2;
    bytebuf_init(&e1);
    bytebuf_init(&e2);
    lwm2m_list d2, want;
    lwm2m_list_init(&d2);
    canonical(d1, base, &want);
    if (lwm2m_tlv_encode(d1, base, &e1))
        abort();
    int rc = typed ? lwm2m_tlv_decode_typed(e1.data, e1.len, base, types, NULL, &d2)
                   : lwm2m_tlv_decode(e1.data, e1.len, base, &d2);
    if (rc || !lwm2m_list_equal(&d2, &want))
        abort();
    if (lwm2m_tlv_encode(&d2, base, &e2) || e1.len != e2.len || (e1.len && memcmp(e1.data, e2.data, e1.len)))
        abort();
    lwm2m_list_free(&d2);
    lwm2m_list_free(&want);
    bytebuf_free(&e1);
    bytebuf_free(&e2);
}

static void fuzz_tlv(const uint8_t *p, size_t n, const lwm2m_path *base)
{
    lwm2m_list l;
    lwm2m_list_init(&l);
    lwm2m_list_set_limits(&l, 256, 64 * 1024);
    int rc = lwm2m_tlv_decode(p, n, base, &l);
    if (!known(rc) || (rc && l.len))
        abort();
    if (!rc)
        round_trip(&l, base, false);
    lwm2m_list_clear(&l);
    rc = lwm2m_tlv_decode_typed(p, n, base, types, NULL, &l);
    if (!known(rc) || (rc && l.len))
        abort();
    if (!rc)
        round_trip(&l, base, true);
    lwm2m_list_free(&l);
}

/* text/plain: what decodes encodes, and reads back the same. */
static void fuzz_text(const uint8_t *p, size_t n, lwm2m_type t)
{
    lwm2m_list l;
    lwm2m_list_init(&l);
    lwm2m_path path = lwm2m_path_oir(5, 0, 1);
    int rc = lwm2m_text_decode(p, n, t, &path, &l);
    if (!known(rc))
        abort();
    if (!rc) {
        bytebuf b;
        bytebuf_init(&b);
        if (lwm2m_text_encode(&l.items[0].value, &b))
            abort();
        if (lwm2m_text_decode(b.data, b.len, t, &path, &l) ||
            !lwm2m_value_equal(&l.items[0].value, &l.items[1].value))
            abort();
        bytebuf_free(&b);
    }
    lwm2m_list_free(&l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    if (data[0] & 4) {
        fuzz_text(data + 2, size - 2, (lwm2m_type)((data[0] >> 4) % LWM2M_T_COUNT));
        return 0;
    }
    lwm2m_path base = lwm2m_path_oiri(data[1] & 3, (data[1] >> 2) & 3, (data[1] >> 4) & 3, data[1] >> 6);
    base.depth = (uint8_t)(1 + (data[0] & 3));
    for (int k = base.depth; k < LWM2M_PATH_DEPTH_MAX; k++)
        base.id[k] = LWM2M_ID_NONE;
    fuzz_tlv(data + 2, size - 2, &base);
    return 0;
}
