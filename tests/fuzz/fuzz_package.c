/* fuzz_package.c - libFuzzer target for the firmware package validator:
 * arbitrary bytes fed in random chunks must give the same result as one
 * shot, a documented result code, and never crash, hang or allocate more
 * than the fixed buffers.
 *
 * Input layout: byte 0 = flags (bits 0-1 method: FOAT, +UFWINSTALL, uFOTA;
 * bit 2: re-seal, i.e. fix the header CRC and signature first so the
 * fuzzer gets past them into the field checks and the zlib stream; bit 3:
 * the module is a 00B product), byte 1 = chunking seed, the rest = the
 * package. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/package.h"

static int known_code(int r)
{
    static const int codes[] = { PKG_OK, PKG_E_GENERIC, PKG_E_RAM, PKG_E_CORRUPTED,
                                 PKG_E_FORMAT, PKG_E_NO_MATCH, PKG_E_SIGNATURE,
                                 PKG_E_VERSION, PKG_E_SIZE, PKG_E_PUBLIC_KEY,
                                 PKG_E_PREVALIDATION };
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        if (r == codes[i])
            return 1;
    return 0;
}

static int chunked(const uint8_t *p, size_t n, const pkg_expect *e, uint64_t seed,
                   uint64_t *fail_offset)
{
    pkg_validator *v;
    if (pkg_validator_create(&v, e))
        abort();
    for (size_t off = 0; off < n;) {
        uint64_t r = pkg_rand_next(&seed);
        size_t take = r & 1 ? 1 + (size_t)(r >> 8) % 16 : 1 + (size_t)(r >> 8) % 2048;
        if (take > n - off)
            take = n - off;
        pkg_validator_feed(v, p + off, take);
        off += take;
    }
    int result = pkg_validator_finish(v);
    *fail_offset = pkg_validator_fail_offset(v);
    const pkg_header *h = pkg_validator_header(v);
    if (h) { /* the helpers must cope with whatever the header says */
        pkg_steps s;
        pkg_validation_steps(h, &s);
        pkg_install_steps(h, &s);
        (void)pkg_install_ns(h, e->product_version, NULL);
        (void)pkg_validation_ns(h, NULL);
    }
    pkg_validator_destroy(v);
    return result;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    static const pkg_method methods[] = { PKG_METHOD_FOAT, PKG_METHOD_FWINSTALL,
                                          PKG_METHOD_UFOTA, PKG_METHOD_FOAT };
    pkg_expect e = { methods[data[0] & 3], "SARA-R510M8S", data[0] & 8 ? "00B" : "01B",
                     "03.15,A00.01" };
    size_t n = size - 2;
    uint8_t *pkg = malloc(n ? n : 1);
    if (!pkg)
        return 0;
    memcpy(pkg, data + 2, n);
    if (data[0] & 4)
        pkg_reseal(pkg, n);
    pkg_header h;
    pkg_header_parse(pkg, n, &h);
    int one = pkg_validate(pkg, n, &e, NULL);
    uint64_t off;
    int many = chunked(pkg, n, &e, data[1], &off);
    if (one != many || !known_code(one) || (one && off > n))
        abort();
    free(pkg);
    return 0;
}
