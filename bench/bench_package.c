/* bench_package.c - how long validating a firmware package takes on the
 * host: it runs inside the simulator right after an Xmodem transfer, so the
 * typical 4.5 MB FOAT image must validate well under 100 ms.  Prints the
 * median of several runs for one-shot feeding and for Xmodem-sized chunks,
 * and the time sarasim-pkg needs to build the package. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "protocol/package.h"

#define RUNS 11

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return v[n / 2];
}

/* Median ms to validate b in chunks of `chunk` bytes (0 = one shot). */
static double time_validate(const bytebuf *b, const pkg_expect *e, size_t chunk)
{
    double t[RUNS];
    for (int i = 0; i < RUNS; i++) {
        double t0 = now_ms();
        pkg_validator *v;
        if (pkg_validator_create(&v, e))
            exit(1);
        size_t step = chunk ? chunk : b->len;
        for (size_t off = 0; off < b->len; off += step)
            pkg_validator_feed(v, b->data + off, b->len - off < step ? b->len - off : step);
        int r = pkg_validator_finish(v);
        pkg_validator_destroy(v);
        t[i] = now_ms() - t0;
        if (r) {
            fprintf(stderr, "bench_package: package did not validate (%d)\n", r);
            exit(1);
        }
    }
    return median(t, RUNS);
}

static void bench(const char *name, pkg_kind kind, uint64_t size, const pkg_expect *e)
{
    pkg_spec s = { .kind = kind, .product = "SARA-R510M8S-01B", .to = "03.16,A00.01",
                   .from = kind == PKG_KIND_DELTA ? "03.15,A00.01" : NULL,
                   .package_size = size, .seed = 1 };
    bytebuf b;
    bytebuf_init(&b);
    double t0 = now_ms();
    if (pkg_build(&s, &b)) {
        fprintf(stderr, "bench_package: cannot build %s\n", name);
        exit(1);
    }
    double build_ms = now_ms() - t0;
    pkg_header h;
    pkg_header_parse(b.data, b.len, &h);
    printf("%-28s %9zu bytes (payload %llu)  build %7.1f ms\n", name, b.len,
           (unsigned long long)h.payload_len, build_ms);
    printf("  validate one shot            %7.2f ms\n", time_validate(&b, e, 0));
    printf("  validate in 1024-byte chunks %7.2f ms\n", time_validate(&b, e, 1024));
    printf("  validate in 128-byte chunks  %7.2f ms\n", time_validate(&b, e, 128));
    bytebuf_free(&b);
}

int main(void)
{
    const pkg_expect foat = { PKG_METHOD_FOAT, "SARA-R510M8S", "01B", "03.15,A00.01" };
    const pkg_expect inst = { PKG_METHOD_FWINSTALL, "SARA-R510M8S", "01B", "03.15,A00.01" };
    printf("median of %d runs\n", RUNS);
    bench("FOAT full image 4.5 MB", PKG_KIND_FULL, 4500000, &foat);
    bench("+UFWINSTALL delta 450 kB", PKG_KIND_DELTA, 450000, &inst);
    bench("full image at the limit", PKG_KIND_FULL, PKG_MAX_TOTAL, &foat);
    return 0;
}
