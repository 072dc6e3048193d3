/* fuzz_lwm2m_link.c - libFuzzer target for the CoRE link-format parser and
 * the write-attributes query parser: arbitrary text must be parsed or
 * refused with a documented code, never crash or leak, and what parses must
 * read back the same after the encoder wrote it (paths, attributes, values).
 *
 * Input layout: byte 0 bit 0 = parse as a write-attributes query instead of
 * a link-format payload; the rest = the text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/lwm2m_data.h"

static int known(int rc)
{
    return rc <= 0 && rc >= LWM2M_E_NOTFOUND;
}

static bool same_double(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

static bool same_attrs(const lwm2m_attrs *a, const lwm2m_attrs *b)
{
    unsigned s = a->set;
    return s == b->set && a->clear == b->clear &&
           (!(s & LWM2M_ATTR_PMIN) || a->pmin == b->pmin) && (!(s & LWM2M_ATTR_PMAX) || a->pmax == b->pmax) &&
           (!(s & LWM2M_ATTR_GT) || same_double(a->gt, b->gt)) && (!(s & LWM2M_ATTR_LT) || same_double(a->lt, b->lt)) &&
           (!(s & LWM2M_ATTR_ST) || same_double(a->st, b->st)) && (!(s & LWM2M_ATTR_CT) || a->ct == b->ct) &&
           (!(s & LWM2M_ATTR_DIM) || a->dim == b->dim) && (!(s & LWM2M_ATTR_RT) || !strcmp(a->rt, b->rt)) &&
           (!(s & LWM2M_ATTR_VER) || !strcmp(a->ver, b->ver));
}

static void fuzz_links(const char *s, size_t n)
{
    lwm2m_links l, back;
    lwm2m_links_init(&l);
    lwm2m_links_init(&back);
    l.max = back.max = 256;
    int rc = lwm2m_link_parse(s, n, &l);
    if (!known(rc) || (rc && l.len))
        abort();
    if (!rc) {
        bytebuf b;
        bytebuf_init(&b);
        if (lwm2m_link_encode(&l, &b) || lwm2m_link_parse((const char *)b.data, b.len, &back) ||
            back.len != l.len)
            abort();
        for (size_t i = 0; i < l.len; i++)
            if (!lwm2m_path_equal(&l.items[i].path, &back.items[i].path) ||
                !same_attrs(&l.items[i].attrs, &back.items[i].attrs))
                abort();
        bytebuf_free(&b);
    }
    lwm2m_links_free(&l);
    lwm2m_links_free(&back);
}

static void fuzz_query(const char *s, size_t n)
{
    lwm2m_attrs a, back;
    int rc = lwm2m_attrs_parse_query(s, n, &a);
    if (!known(rc))
        abort();
    if (!rc) {
        bytebuf b;
        bytebuf_init(&b);
        if (lwm2m_attrs_format_query(&a, &b) ||
            lwm2m_attrs_parse_query((const char *)b.data, b.len, &back) || !same_attrs(&a, &back))
            abort();
        bytebuf_free(&b);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1)
        fuzz_query((const char *)data + 1, size - 1);
    else
        fuzz_links((const char *)data + 1, size - 1);
    return 0;
}
