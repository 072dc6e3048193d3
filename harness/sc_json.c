/* sc_json.c - path-aware JSON field readers for the scenario parser. */
#include "sc_json.h"

#include "sim/json_int.h"

#include "protocol/package.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "protocol/dur.h"

#define BLOB_MAX (64u << 20) /* a package is ~5 MB; refuse anything absurd */

size_t sc_push_key(sc_pctx *c, const char *key)
{
    size_t mark = strlen(c->path);
    snprintf(c->path + mark, sizeof(c->path) - mark, ".%s", key);
    return mark;
}

size_t sc_push_index(sc_pctx *c, size_t i)
{
    size_t mark = strlen(c->path);
    snprintf(c->path + mark, sizeof(c->path) - mark, "[%zu]", i);
    return mark;
}

void sc_pop(sc_pctx *c, size_t mark) { c->path[mark] = 0; }

static int vfail(sc_pctx *c, const char *fmt, va_list ap)
{
    int n = snprintf(c->err, c->errlen, "%s: %s: ", c->file, c->path);
    if (n >= 0 && (size_t)n < c->errlen)
        vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
    return -1;
}

int sc_fail(sc_pctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(c, fmt, ap);
    va_end(ap);
    return -1;
}

int sc_fail_at(sc_pctx *c, const char *key, const char *fmt, ...)
{
    size_t mark = sc_push_key(c, key);
    va_list ap;
    va_start(ap, fmt);
    vfail(c, fmt, ap);
    va_end(ap);
    sc_pop(c, mark);
    return -1;
}

void sc_describe(const cJSON *v, char *buf, size_t size)
{
    if (!v)
        snprintf(buf, size, "nothing");
    else if (cJSON_IsString(v))
        snprintf(buf, size, "\"%.40s%s\"", v->valuestring, strlen(v->valuestring) > 40 ? "..." : "");
    else if (cJSON_IsNumber(v))
        snprintf(buf, size, "%g", v->valuedouble);
    else if (cJSON_IsBool(v))
        snprintf(buf, size, "%s", cJSON_IsTrue(v) ? "true" : "false");
    else if (cJSON_IsNull(v))
        snprintf(buf, size, "null");
    else if (cJSON_IsArray(v))
        snprintf(buf, size, "an array");
    else
        snprintf(buf, size, "an object");
}

static int fail_type(sc_pctx *c, const char *key, const cJSON *v, const char *what)
{
    char got[64];
    sc_describe(v, got, sizeof(got));
    if (key)
        return sc_fail_at(c, key, "expected %s, got %s", what, got);
    return sc_fail(c, "expected %s, got %s", what, got);
}

int sc_expect_object(sc_pctx *c, const cJSON *v, const char *what)
{
    return cJSON_IsObject(v) ? 0 : fail_type(c, NULL, v, what);
}

int sc_check_keys(sc_pctx *c, const cJSON *obj, const char *const *allowed)
{
    for (const cJSON *it = obj->child; it; it = it->next) {
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = !strcmp(it->string, *a);
        if (ok)
            continue;
        char list[512] = "";
        for (const char *const *a = allowed; *a; a++) {
            size_t l = strlen(list);
            snprintf(list + l, sizeof(list) - l, "%s\"%s\"", a == allowed ? "" : ", ", *a);
        }
        return sc_fail_at(c, it->string, "unknown field; expected one of %s", list);
    }
    return 0;
}

int sc_opt_string(sc_pctx *c, const cJSON *obj, const char *key, char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v)
        return 1;
    if (!cJSON_IsString(v))
        return fail_type(c, key, v, "a string");
    char *s = strdup(v->valuestring);
    if (!s)
        return sc_fail_at(c, key, "out of memory");
    free(*out);
    *out = s;
    return 0;
}

int sc_req_string(sc_pctx *c, const cJSON *obj, const char *key, char **out)
{
    int rc = sc_opt_string(c, obj, key, out);
    return rc == 1 ? sc_fail_at(c, key, "expected a string, got nothing") : rc;
}

int sc_opt_strbuf(sc_pctx *c, const cJSON *obj, const char *key, char *buf, size_t size)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v)
        return 1;
    if (!cJSON_IsString(v))
        return fail_type(c, key, v, "a string");
    if (strlen(v->valuestring) >= size)
        return sc_fail_at(c, key, "expected at most %zu characters, got \"%s\"", size - 1, v->valuestring);
    memcpy(buf, v->valuestring, strlen(v->valuestring) + 1);
    return 0;
}

int sc_opt_bool(sc_pctx *c, const cJSON *obj, const char *key, int *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v)
        return 1;
    if (!cJSON_IsBool(v))
        return fail_type(c, key, v, "true or false");
    *out = cJSON_IsTrue(v);
    return 0;
}

int sc_opt_int(sc_pctx *c, const cJSON *obj, const char *key, long lo, long hi, long *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v)
        return 1;
    char what[96];
    snprintf(what, sizeof(what), "an integer from %ld to %ld", lo, hi);
    long n;
    if (!cJSON_IsNumber(v) || !json_int(v->valuedouble, &n) || n < lo || n > hi)
        return fail_type(c, key, v, what);
    *out = n;
    return 0;
}

int sc_req_int(sc_pctx *c, const cJSON *obj, const char *key, long lo, long hi, long *out)
{
    int rc = sc_opt_int(c, obj, key, lo, hi, out);
    if (rc == 1) {
        char what[96];
        snprintf(what, sizeof(what), "an integer from %ld to %ld", lo, hi);
        return fail_type(c, key, NULL, what);
    }
    return rc;
}

int sc_duration_value(sc_pctx *c, const cJSON *v, sim_ns *out)
{
    uint64_t ns;
    if (!cJSON_IsString(v) || dur_parse(v->valuestring, &ns))
        return fail_type(c, NULL, v, "a duration like \"500ms\", \"3s\", \"109s\", \"25m\" or \"24h\"");
    *out = ns;
    return 0;
}

int sc_opt_duration(sc_pctx *c, const cJSON *obj, const char *key, sim_ns *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v)
        return 1;
    size_t mark = sc_push_key(c, key);
    int rc = sc_duration_value(c, v, out);
    sc_pop(c, mark);
    return rc;
}

int sc_req_duration(sc_pctx *c, const cJSON *obj, const char *key, sim_ns *out)
{
    int rc = sc_opt_duration(c, obj, key, out);
    return rc == 1 ? fail_type(c, key, NULL, "a duration like \"3s\", \"109s\", \"25m\" or \"24h\"") : rc;
}

/* ---------------- bytes ---------------- */

void sc_bytes_free(sc_bytes *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

static int set_bytes(sc_pctx *c, sc_bytes *out, const void *p, size_t n)
{
    uint8_t *d = malloc(n + 1);
    if (!d)
        return sc_fail(c, "out of memory");
    if (n)
        memcpy(d, p, n);
    d[n] = 0;
    sc_bytes_free(out);
    out->data = d;
    out->len = n;
    return 0;
}

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch = tolower(ch);
    return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

static int hex_bytes(sc_pctx *c, const cJSON *v, sc_bytes *out)
{
    if (!cJSON_IsString(v))
        return fail_type(c, "hex", v, "a string of hex digit pairs like \"0d 0a\"");
    const char *s = v->valuestring;
    uint8_t *d = malloc(strlen(s) / 2 + 1);
    if (!d)
        return sc_fail(c, "out of memory");
    size_t n = 0;
    for (size_t i = 0; s[i];) {
        if (isspace((unsigned char)s[i])) {
            i++;
            continue;
        }
        int hi = hexval((unsigned char)s[i]), lo = s[i + 1] ? hexval((unsigned char)s[i + 1]) : -1;
        if (hi < 0 || lo < 0) {
            free(d);
            return sc_fail_at(c, "hex", "expected hex digit pairs like \"0d 0a\", got \"%.40s\" at offset %zu", s, i);
        }
        d[n++] = (uint8_t)(hi << 4 | lo);
        i += 2;
    }
    d[n] = 0;
    sc_bytes_free(out);
    out->data = d;
    out->len = n;
    return 0;
}

/* ${name}: letters, digits, '_' */
static int text_has_vars(const char *s)
{
    for (const char *p = strstr(s, "${"); p; p = strstr(p + 2, "${")) {
        const char *q = p + 2;
        while (isalnum((unsigned char)*q) || *q == '_')
            q++;
        if (*q == '}' && q > p + 2)
            return 1;
    }
    return 0;
}

int sc_bytes_value(sc_pctx *c, const cJSON *v, sc_bytes *out)
{
    if (cJSON_IsString(v)) {
        if (set_bytes(c, out, v->valuestring, strlen(v->valuestring)))
            return -1;
        out->has_vars = text_has_vars(v->valuestring);
        return 0;
    }
    if (cJSON_IsObject(v) && cJSON_GetObjectItemCaseSensitive(v, "hex")) {
        static const char *const keys[] = { "hex", NULL };
        if (sc_check_keys(c, v, keys))
            return -1;
        return hex_bytes(c, cJSON_GetObjectItemCaseSensitive(v, "hex"), out);
    }
    return fail_type(c, NULL, v, "a string or {\"hex\": \"...\"}");
}

void sc_resolve(const sc_pctx *c, const char *rel, char *buf, size_t size)
{
    if (rel[0] == '/' || !c->dir || !c->dir[0])
        snprintf(buf, size, "%s", rel);
    else
        snprintf(buf, size, "%s/%s", c->dir, rel);
}

/* Why a file that opened is not one to read: 0 for a regular file of at
 * most max bytes. */
static int unreadable_kind(const struct stat *st, size_t max)
{
    if (S_ISFIFO(st->st_mode) || S_ISSOCK(st->st_mode))
        return -ESPIPE;
    if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
        return -ENODEV;
    if (S_ISDIR(st->st_mode))
        return -EISDIR;
    if (!S_ISREG(st->st_mode))
        return -EINVAL;
    return st->st_size > (off_t)max ? -EFBIG : 0;
}

int sc_read_file(const char *path, size_t max, bytebuf *out)
{
    /* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a
     * writer forever; the fd is checked before a byte is read, so a FIFO,
     * a device (/dev/zero never ends) or a directory is refused at once.
     * Symlinks are followed: the checks apply to what they point at. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENXIO ? -ESPIPE : -errno; /* ENXIO: a Unix socket */
    struct stat st;
    int rc = fstat(fd, &st) ? -errno : unreadable_kind(&st, max);
    char buf[65536];
    ssize_t n = 0;
    while (!rc && (n = read(fd, buf, sizeof(buf))) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        rc = n < 0 ? -errno : out->len + (size_t)n > max ? -EFBIG : bytebuf_append(out, buf, (size_t)n);
    }
    close(fd);
    return rc;
}

int sc_read_text(const char *path, bytebuf *out) { return sc_read_file(path, SC_JSON_MAX, out); }

const char *sc_read_error(int rc)
{
    switch (-rc) {
    case ESPIPE: return "a FIFO or socket, not a regular file";
    case ENODEV: return "a device, not a regular file";
    case EISDIR: return "a directory, not a regular file";
    case EINVAL: return "not a regular file";
    case EFBIG: return "too large";
    default: return strerror(-rc);
    }
}

static int read_file(sc_pctx *c, const char *rel, sc_bytes *out)
{
    char path[4096];
    sc_resolve(c, rel, path, sizeof(path));
    bytebuf b;
    bytebuf_init(&b);
    int rc = sc_read_file(path, BLOB_MAX, &b);
    if (rc) {
        bytebuf_free(&b);
        return sc_fail(c, "cannot read \"%s\": %s; expected a regular file of at most %u MB", path, sc_read_error(rc),
                       BLOB_MAX >> 20);
    }
    if (!b.data) { /* an empty file: still a buffer */
        if (bytebuf_reserve(&b, 0))
            return sc_fail(c, "out of memory");
        b.data[0] = 0;
    }
    sc_bytes_free(out);
    out->data = b.data;
    out->len = b.len;
    return 0;
}

static int generate(sc_pctx *c, const cJSON *obj, sc_bytes *out)
{
    long n;
    if (sc_req_int(c, obj, "generate", 0, (long)BLOB_MAX, &n))
        return -1;
    uint8_t *d = malloc((size_t)n + 1);
    if (!d)
        return sc_fail(c, "out of memory");
    for (size_t i = 0; i < (size_t)n; i++)
        d[i] = sc_generated_byte(i);
    d[n] = 0;
    sc_bytes_free(out);
    out->data = d;
    out->len = (size_t)n;
    return 0;
}

/* {"package": {"kind": "full", "to": "03.16,A00.01", "size": 200000, ...}}:
 * a firmware package built on the fly (protocol/package.h), so scenarios do
 * not carry megabytes of binaries. */
static int package(sc_pctx *c, const cJSON *spec, sc_bytes *out)
{
    static const char *const keys[] = { "kind", "product", "from", "to", "size", "break", "seed", NULL };
    static const char *const breaks[] = { "none", "signature", "product", "from-version", "truncate", "flip", "kind" };
    if (sc_expect_object(c, spec, "a package: {\"kind\", \"to\", \"size\", ...}") || sc_check_keys(c, spec, keys))
        return -1;
    char kind[8] = "full", product[PKG_PRODUCT_MAX] = "SARA-R510M8S-01B", from[PKG_VERSION_MAX] = "";
    char to[PKG_VERSION_MAX] = "", brk[16] = "none";
    long size = 0, seed = 1;
    /* sc_opt_*: < 0 is an error, > 0 an absent field */
    if (sc_opt_strbuf(c, spec, "kind", kind, sizeof(kind)) < 0 ||
        sc_opt_strbuf(c, spec, "product", product, sizeof(product)) < 0 ||
        sc_opt_strbuf(c, spec, "from", from, sizeof(from)) < 0 || sc_opt_strbuf(c, spec, "to", to, sizeof(to)) < 0 ||
        sc_opt_strbuf(c, spec, "break", brk, sizeof(brk)) < 0 ||
        sc_req_int(c, spec, "size", PKG_MIN_PACKAGE_SIZE, (long)BLOB_MAX, &size) ||
        sc_opt_int(c, spec, "seed", 0, 1L << 30, &seed) < 0)
        return -1;
    if (strcmp(kind, "full") && strcmp(kind, "delta"))
        return sc_fail_at(c, "kind", "expected \"full\" or \"delta\", got \"%s\"", kind);
    if (!pkg_product_valid(product))
        return sc_fail_at(c, "product", "expected MODEL-VERSION like \"SARA-R510M8S-01B\" (a module compares both), "
                          "got \"%s\"", product);
    if (!pkg_version_valid(to))
        return sc_fail_at(c, "to", "expected a version like \"03.16,A00.01\", got \"%s\"", to);
    if (!strcmp(kind, "delta") && !pkg_version_valid(from))
        return sc_fail_at(c, "from", "a delta needs its source version, like \"03.15,A00.01\"");
    size_t b = 0;
    while (b < sizeof(breaks) / sizeof(breaks[0]) && strcmp(breaks[b], brk))
        b++;
    if (b == sizeof(breaks) / sizeof(breaks[0]))
        return sc_fail_at(c, "break", "expected none, signature, product, from-version, truncate, flip or kind, got \"%s\"", brk);
    pkg_spec ps = { .kind = strcmp(kind, "full") ? PKG_KIND_DELTA : PKG_KIND_FULL, .product = product,
                    .from = from[0] ? from : NULL, .to = to, .package_size = (uint64_t)size,
                    .seed = (uint64_t)seed, .brk = (pkg_break)b };
    bytebuf pkg;
    bytebuf_init(&pkg);
    if (pkg_build(&ps, &pkg)) {
        bytebuf_free(&pkg);
        return sc_fail(c, "cannot build this package (size too small for its header?)");
    }
    sc_bytes_free(out);
    out->data = pkg.data;
    out->len = pkg.len;
    return 0;
}

int sc_blob_value(sc_pctx *c, const cJSON *v, sc_bytes *out)
{
    if (cJSON_IsString(v))
        return read_file(c, v->valuestring, out);
    static const char *const what = "a file path, {\"path\": ...}, {\"text\": ...}, {\"hex\": ...}, "
                                    "{\"generate\": <bytes>} or {\"package\": {...}}";
    if (!cJSON_IsObject(v) || !v->child || v->child->next)
        return fail_type(c, NULL, v, what);
    const cJSON *f = v->child;
    size_t mark = sc_push_key(c, f->string);
    int rc;
    if (!strcmp(f->string, "path"))
        rc = cJSON_IsString(f) ? read_file(c, f->valuestring, out) : fail_type(c, NULL, f, "a file path");
    else if (!strcmp(f->string, "text"))
        rc = cJSON_IsString(f) ? set_bytes(c, out, f->valuestring, strlen(f->valuestring))
                               : fail_type(c, NULL, f, "a string");
    else
        rc = 2;
    sc_pop(c, mark);
    if (rc != 2)
        return rc;
    if (!strcmp(f->string, "hex"))
        return hex_bytes(c, f, out);
    if (!strcmp(f->string, "generate"))
        return generate(c, v, out);
    if (!strcmp(f->string, "package")) {
        mark = sc_push_key(c, "package");
        rc = package(c, f, out);
        sc_pop(c, mark);
        return rc;
    }
    return fail_type(c, NULL, v, what);
}

int sc_regex(sc_pctx *c, const char *src, regex_t *re)
{
    int rc = regcomp(re, src, REG_EXTENDED);
    if (rc) {
        char msg[128];
        regerror(rc, re, msg, sizeof(msg)); /* a failed regcomp frees its own state */
        return sc_fail(c, "expected a POSIX extended regular expression, got \"%.60s\" (%s)", src, msg);
    }
    return 0;
}

/* ---------------- lists of names ---------------- */

int sc_add_unique(sc_pctx *c, char ***list, size_t *n, const char *s)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*list)[i], s))
            return 0;
    char **nl = realloc(*list, (*n + 1) * sizeof(*nl));
    if (!nl)
        return sc_fail(c, "out of memory");
    *list = nl;
    if (!(nl[*n] = strdup(s)))
        return sc_fail(c, "out of memory");
    (*n)++;
    return 0;
}

void sc_free_strings(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

int sc_valid_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return 0;
    return 1;
}
