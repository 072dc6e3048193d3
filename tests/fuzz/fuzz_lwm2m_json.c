/* fuzz_lwm2m_json.c - libFuzzer target for the OMA LwM2M JSON decoder:
 * arbitrary text must be decoded or refused with a documented code, never
 * crash or leak, and whatever decodes must come back from the encoder
 * unchanged (same paths, values, times, in the same order):
 *   decode(encode(decode(x))) == decode(x), typed and untyped.
 *
 * Input layout: byte 0 = flags (bit 0: the module's instance-relative
 * names; bits 1-2: the request path NULL, "/", "/1" or "/1/0"), the rest =
 * the JSON text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/lwm2m_data.h"

/* Resource r of type 1 + r % 8: every type JSON carries. */
static int types(void *ctx, uint16_t obj, uint16_t res)
{
    (void)ctx;
    (void)obj;
    return 1 + res % 8;
}

static int known(int rc)
{
    return rc <= 0 && rc >= LWM2M_E_NOTFOUND;
}

static void round_trip(const lwm2m_list *d1, bool typed)
{
    bytebuf b;
    bytebuf_init(&b);
    lwm2m_list d2;
    lwm2m_list_init(&d2);
    lwm2m_path root = lwm2m_path_root();
    if (lwm2m_json_encode(d1, &root, 0, &b))
        abort();
    int rc = typed ? lwm2m_json_decode_typed((const char *)b.data, b.len, NULL, 0, types, NULL, &d2)
                   : lwm2m_json_decode((const char *)b.data, b.len, NULL, 0, &d2);
    if (rc || !lwm2m_list_equal(d1, &d2))
        abort();
    lwm2m_list_free(&d2);
    bytebuf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    lwm2m_path bases[4] = { lwm2m_path_root(), lwm2m_path_root(), lwm2m_path_o(1), lwm2m_path_oi(1, 0) };
    unsigned sel = (data[0] >> 1) & 3;
    const lwm2m_path *base = sel ? &bases[sel] : NULL;
    unsigned flags = data[0] & 1 ? LWM2M_JSON_INSTANCE_NAMES : 0;
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    lwm2m_list l;
    lwm2m_list_init(&l);
    lwm2m_list_set_limits(&l, 256, 64 * 1024);
    int rc = lwm2m_json_decode(s, n, base, flags, &l);
    if (!known(rc) || (rc && l.len))
        abort();
    for (size_t i = 0; i < l.len; i++)
        if (l.items[i].path.depth < 3 || (base && !lwm2m_path_is_under(&l.items[i].path, base)))
            abort();
    if (!rc)
        round_trip(&l, false);
    lwm2m_list_clear(&l);
    rc = lwm2m_json_decode_typed(s, n, base, flags, types, NULL, &l);
    if (!known(rc) || (rc && l.len))
        abort();
    if (!rc)
        round_trip(&l, true);
    lwm2m_list_free(&l);
    return 0;
}
