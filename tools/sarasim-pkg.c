/* sarasim-pkg - make and check sarasim firmware packages (docs/packages.md).
 *
 *   sarasim-pkg create --kind full|delta --product MODEL-PV [--from VER] --to VER
 *                      --size BYTES [--break KIND] [--seed N] -o FILE
 *   sarasim-pkg inspect FILE [--method foat|fwinstall|ufota] [--model M]
 *                      [--product-version PV] [--installed VER]
 *
 * create: --size is the size of the package file (4500000, 4.5MB, 450kB,
 * 1MiB); --break signature|product|from-version|truncate|flip|kind makes a
 * reproducibly broken package.  Two runs with the same arguments write
 * identical files.
 * inspect: prints the header and the validation result as JSON; the package
 * is checked against sarasim's default device unless told otherwise, with
 * the method that fits its kind unless --method is given.
 *
 * Exit status: 0 success / package valid, 1 package invalid or cannot be
 * built, 2 usage or I/O error. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <zlib.h>

#include "fs/atomic.h"
#include "protocol/bytebuf.h"
#include "protocol/package.h"
#include "sim/device.h"

#define USAGE                                                                                   \
    "usage: sarasim-pkg create --kind full|delta --product MODEL-PV [--from VER] --to VER\n"    \
    "                          --size BYTES [--break signature|product|from-version|truncate|"   \
    "flip|kind]\n"                                                                               \
    "                          [--seed N] -o FILE\n"                                             \
    "       sarasim-pkg inspect FILE [--method foat|fwinstall|ufota] [--model M]\n"             \
    "                          [--product-version PV] [--installed VER]\n"

static int usage(const char *why)
{
    if (why)
        fprintf(stderr, "sarasim-pkg: %s\n", why);
    fputs(USAGE, stderr);
    return 2;
}

/* "4500000", "4.5MB", "4.5M", "450kB", "1MiB" -> bytes. */
static int parse_size(const char *s, uint64_t *out)
{
    static const struct { const char *suffix; double mul; } units[] = {
        { "", 1 }, { "B", 1 }, { "k", 1e3 }, { "kB", 1e3 }, { "K", 1e3 }, { "KB", 1e3 },
        { "M", 1e6 }, { "MB", 1e6 }, { "KiB", 1024 }, { "MiB", 1048576 },
    };
    char *end;
    double v = strtod(s, &end);
    if (end == s || !(v >= 0) || v > 1e12)
        return -1;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (strcmp(end, units[i].suffix) == 0) {
            *out = (uint64_t)llround(v * units[i].mul);
            return 0;
        }
    return -1;
}

static int parse_break(const char *s, pkg_break *b)
{
    static const char *const names[] = {
        [PKG_BREAK_SIGNATURE] = "signature", [PKG_BREAK_PRODUCT] = "product",
        [PKG_BREAK_FROM_VERSION] = "from-version", [PKG_BREAK_TRUNCATE] = "truncate",
        [PKG_BREAK_FLIP] = "flip", [PKG_BREAK_KIND] = "kind",
    };
    for (int i = PKG_BREAK_SIGNATURE; i <= PKG_BREAK_KIND; i++)
        if (strcmp(s, names[i]) == 0) {
            *b = (pkg_break)i;
            return 0;
        }
    return -1;
}

static int parse_method(const char *s, pkg_method *m)
{
    for (int i = PKG_METHOD_FOAT; i <= PKG_METHOD_UFOTA; i++)
        if (strcmp(s, pkg_method_name((pkg_method)i)) == 0) {
            *m = (pkg_method)i;
            return 0;
        }
    return -1;
}

/* The value of option argv[*i] (advancing *i), or NULL if it has none. */
static const char *opt_value(int argc, char **argv, int *i)
{
    return *i + 1 < argc ? argv[++*i] : NULL;
}

/* ---- create ---- */

/* Seed from what the package is, so different packages differ in content. */
static uint64_t default_seed(const pkg_spec *s)
{
    char id[160];
    snprintf(id, sizeof(id), "%s|%s|%s|%s", pkg_kind_name(s->kind), s->product,
             s->from ? s->from : "", s->to);
    return crc32(0L, (const Bytef *)id, (uInt)strlen(id));
}

static int write_file(const char *path, const bytebuf *b)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    if (slash)
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash == path ? 1 : slash - path), path);
    else
        snprintf(dir, sizeof(dir), ".");
    return atomic_write_file(dir, name, b->data, b->len);
}

static int cmd_create(int argc, char **argv)
{
    pkg_spec s = { 0 };
    const char *kind = NULL, *size = NULL, *brk = NULL, *seed = NULL, *out = NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = !strcmp(a, "--kind") ? &kind : !strcmp(a, "--product") ? &s.product
                          : !strcmp(a, "--from") ? &s.from : !strcmp(a, "--to") ? &s.to
                          : !strcmp(a, "--size") ? &size : !strcmp(a, "--break") ? &brk
                          : !strcmp(a, "--seed") ? &seed : !strcmp(a, "-o") ? &out : NULL;
        if (!slot)
            return usage("unknown option for create");
        if (!(*slot = opt_value(argc, argv, &i)))
            return usage("option needs a value");
    }
    if (!kind || !s.product || !s.to || !size || !out)
        return usage("create needs --kind, --product, --to, --size and -o");
    if (!pkg_product_valid(s.product)) {
        /* Refused rather than completed with a default version: the product
         * version is what decides which modules accept the package, so it
         * must be said, not guessed. */
        fprintf(stderr,
                "sarasim-pkg: --product: expected MODEL-VERSION, the model as AT+CGMM prints it and the product "
                "version (00B, 01B, 61B), like SARA-R510M8S-01B; no type number suffix such as -00; got \"%s\"\n",
                s.product);
        return 2;
    }
    if (!strcmp(kind, "full"))
        s.kind = PKG_KIND_FULL;
    else if (!strcmp(kind, "delta"))
        s.kind = PKG_KIND_DELTA;
    else
        return usage("--kind is full or delta");
    if (parse_size(size, &s.package_size))
        return usage("--size: bytes, optionally with kB, MB, KiB or MiB");
    if (brk && parse_break(brk, &s.brk))
        return usage("--break: signature, product, from-version, truncate, flip or kind");
    s.seed = seed ? strtoull(seed, NULL, 0) : default_seed(&s);
    if (s.package_size < PKG_MIN_PACKAGE_SIZE || s.package_size > PKG_MAX_TOTAL) {
        fprintf(stderr, "sarasim-pkg: --size must be %u..%llu bytes\n", (unsigned)PKG_MIN_PACKAGE_SIZE,
                (unsigned long long)PKG_MAX_TOTAL);
        return 2;
    }
    bytebuf b;
    bytebuf_init(&b);
    int r = pkg_build(&s, &b);
    if (r == -EINVAL) {
        bytebuf_free(&b);
        return usage("bad product, version, or a --from / --break that does not fit the kind");
    }
    if (!r && (r = write_file(out, &b)))
        fprintf(stderr, "sarasim-pkg: %s: %s\n", out, strerror(-r));
    else if (r)
        fprintf(stderr, "sarasim-pkg: cannot build the package: %s\n", strerror(-r));
    bytebuf_free(&b);
    return r ? 1 : 0;
}

/* ---- inspect ---- */

static cJSON *steps_json(const pkg_steps *s)
{
    cJSON *a = cJSON_CreateArray();
    for (unsigned i = 0; i < s->n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber(s->pct[i]));
    return a;
}

static void add_text_or_null(cJSON *o, const char *key, const char *v)
{
    if (v && *v)
        cJSON_AddStringToObject(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
}

static cJSON *header_json(const pkg_header *h)
{
    char hex[2 * PKG_SIGNATURE_LEN + 1], num[16];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "format", h->format);
    cJSON_AddNumberToObject(o, "header_length", h->header_len);
    cJSON_AddStringToObject(o, "kind", pkg_kind_name(h->kind));
    cJSON_AddStringToObject(o, "product", h->product);
    add_text_or_null(o, "from", h->from);
    cJSON_AddStringToObject(o, "to", h->to);
    cJSON_AddNumberToObject(o, "total_length", (double)h->total_len);
    cJSON_AddNumberToObject(o, "payload_length", (double)h->payload_len);
    snprintf(num, sizeof(num), "0x%08x", (unsigned)h->payload_crc);
    cJSON_AddStringToObject(o, "payload_crc32", num);
    cJSON_AddStringToObject(o, "signature_scheme",
                            h->sig_scheme == PKG_SIG_HMAC_SHA256 ? "hmac-sha256" : "unknown");
    for (int i = 0; i < PKG_SIGNATURE_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", h->signature[i]);
    cJSON_AddStringToObject(o, "signature", hex);
    snprintf(num, sizeof(num), "0x%08x", (unsigned)h->header_crc);
    cJSON_AddStringToObject(o, "header_crc32", num);
    return o;
}

/* Feed the file through a validator.  -errno on I/O errors. */
static int validate_file(FILE *f, pkg_validator *v, uint64_t *size)
{
    uint8_t buf[65536];
    size_t n;
    *size = 0;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
        pkg_validator_feed(v, buf, n);
        *size += n;
    }
    return ferror(f) ? -EIO : 0;
}

static cJSON *report_json(const char *path, uint64_t size, const pkg_expect *e,
                          const pkg_header *h, int result, uint64_t fail_offset)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "file", path);
    cJSON_AddNumberToObject(o, "file_size", (double)size);
    cJSON_AddItemToObject(o, "header", h ? header_json(h) : cJSON_CreateNull());
    if (h && size >= h->total_len)
        cJSON_AddNumberToObject(o, "padding", (double)(size - h->total_len));
    cJSON *x = cJSON_AddObjectToObject(o, "expect");
    cJSON_AddStringToObject(x, "method", pkg_method_name(e->method));
    cJSON_AddStringToObject(x, "model", e->model);
    cJSON_AddStringToObject(x, "product_version", e->product_version);
    cJSON_AddStringToObject(x, "installed", e->installed);
    cJSON_AddBoolToObject(o, "valid", result == 0);
    cJSON_AddNumberToObject(o, "result", result);
    cJSON_AddStringToObject(o, "result_text", pkg_result_text(result));
    if (result)
        cJSON_AddNumberToObject(o, "fail_offset", (double)fail_offset);
    pkg_steps steps;
    pkg_validation_steps(h, &steps);
    cJSON_AddItemToObject(o, "validation_steps", steps_json(&steps));
    pkg_install_steps(h, &steps);
    cJSON_AddItemToObject(o, "install_steps", steps_json(&steps));
    cJSON_AddNumberToObject(o, "validation_ns", (double)pkg_validation_ns(h, NULL));
    cJSON_AddNumberToObject(o, "install_ns", (double)pkg_install_ns(h, e->product_version, NULL));
    return o;
}

/* The method that fits the kind in the first bytes, for inspect's default. */
static pkg_method method_for_file(FILE *f)
{
    uint8_t hdr[PKG_HEADER_LEN];
    size_t n = fread(hdr, 1, sizeof(hdr), f);
    rewind(f);
    pkg_header h;
    int r = pkg_header_parse(hdr, n, &h);
    int decoded = n == PKG_HEADER_LEN && r != PKG_E_FORMAT && r != PKG_E_SIZE;
    return decoded && h.kind == PKG_KIND_DELTA ? PKG_METHOD_FWINSTALL : PKG_METHOD_FOAT;
}

static int cmd_inspect(int argc, char **argv)
{
    device_cfg dev;
    device_cfg_default(&dev);
    pkg_expect e = { PKG_METHOD_FOAT, dev.model, dev.product, dev.firmware };
    const char *path = NULL, *method = NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = !strcmp(a, "--method") ? &method : !strcmp(a, "--model") ? &e.model
                          : !strcmp(a, "--product-version") ? &e.product_version
                          : !strcmp(a, "--installed") ? &e.installed : NULL;
        if (!slot && a[0] != '-' && !path) {
            path = a;
            continue;
        }
        if (!slot)
            return usage("unknown option for inspect");
        if (!(*slot = opt_value(argc, argv, &i)))
            return usage("option needs a value");
    }
    if (!path)
        return usage("inspect needs a FILE");
    if (method && parse_method(method, &e.method))
        return usage("--method: foat, fwinstall or ufota");
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "sarasim-pkg: %s: %s\n", path, strerror(errno));
        return 2;
    }
    if (!method)
        e.method = method_for_file(f);
    pkg_validator *v;
    if (pkg_validator_create(&v, &e)) {
        fclose(f);
        return usage("--model, --product-version or --installed is too long");
    }
    uint64_t size;
    int io = validate_file(f, v, &size);
    fclose(f);
    int result = pkg_validator_finish(v);
    if (io) {
        fprintf(stderr, "sarasim-pkg: %s: read error\n", path);
        pkg_validator_destroy(v);
        return 2;
    }
    cJSON *o = report_json(path, size, &e, pkg_validator_header(v), result,
                           pkg_validator_fail_offset(v));
    char *text = cJSON_Print(o);
    puts(text);
    free(text);
    cJSON_Delete(o);
    pkg_validator_destroy(v);
    return result ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage(NULL);
    if (!strcmp(argv[1], "create"))
        return cmd_create(argc - 2, argv + 2);
    if (!strcmp(argv[1], "inspect"))
        return cmd_inspect(argc - 2, argv + 2);
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(USAGE, stdout);
        return 0;
    }
    return usage("unknown command");
}
