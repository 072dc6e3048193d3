/* sc_json.h - reading a scenario's JSON with a path for every message.
 *
 * Each reader looks one field up in an object, checks its type and range,
 * and on error writes "<file>: $.host[3].within: expected ..., got ..." into
 * the context and returns -1.  Optional readers return 1 when the field is
 * absent (leaving *out alone) and 0 when they read it.  Internal to the
 * scenario parser (harness/scenario*.c).
 */
#ifndef SARASIM_SC_JSON_H
#define SARASIM_SC_JSON_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol/bytebuf.h"
#include "scenario.h"

typedef struct sc_pctx {
    const char *file;
    const char *dir;
    char path[SC_PATH_MAX];
    char *err;
    size_t errlen;
} sc_pctx;

/* Append ".key" or "[i]" to the path; pop restores the previous length. */
size_t sc_push_key(sc_pctx *c, const char *key);
size_t sc_push_index(sc_pctx *c, size_t i);
void sc_pop(sc_pctx *c, size_t mark);

/* "<file>: <path>: <message>", always -1. */
int sc_fail(sc_pctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same for the field `key` of the current object. */
int sc_fail_at(sc_pctx *c, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* "a string", "an array", "\"text\"", "42", "nothing" for messages. */
void sc_describe(const cJSON *v, char *buf, size_t size);

/* Every key of obj must be in `allowed` (NULL-terminated). */
int sc_check_keys(sc_pctx *c, const cJSON *obj, const char *const *allowed);
int sc_expect_object(sc_pctx *c, const cJSON *v, const char *what);

int sc_opt_string(sc_pctx *c, const cJSON *obj, const char *key, char **out);
int sc_req_string(sc_pctx *c, const cJSON *obj, const char *key, char **out);
/* Into a fixed buffer: at most size-1 characters. */
int sc_opt_strbuf(sc_pctx *c, const cJSON *obj, const char *key, char *buf, size_t size);
int sc_opt_bool(sc_pctx *c, const cJSON *obj, const char *key, int *out);
int sc_opt_int(sc_pctx *c, const cJSON *obj, const char *key, long lo, long hi, long *out);
int sc_req_int(sc_pctx *c, const cJSON *obj, const char *key, long lo, long hi, long *out);
int sc_opt_duration(sc_pctx *c, const cJSON *obj, const char *key, sim_ns *out);
int sc_req_duration(sc_pctx *c, const cJSON *obj, const char *key, sim_ns *out);
/* A duration given as the value v itself (path already pushed). */
int sc_duration_value(sc_pctx *c, const cJSON *v, sim_ns *out);

/* Bytes: a JSON string (text, ${var} allowed) or {"hex": "0d 0a"}. */
int sc_bytes_value(sc_pctx *c, const cJSON *v, sc_bytes *out);
/* File content: "path/relative/to/the/scenario", {"path": ...},
 * {"text": ...}, {"hex": ...} or {"generate": N} (a fixed byte pattern). */
int sc_blob_value(sc_pctx *c, const cJSON *v, sc_bytes *out);
void sc_bytes_free(sc_bytes *b);

/* `rel` relative to the file being parsed (absolute paths stay). */
void sc_resolve(const sc_pctx *c, const char *rel, char *buf, size_t size);
/* The largest JSON file (a scenario, an included array of steps). */
#define SC_JSON_MAX (1u << 20)

/* A whole regular file of at most max bytes into out (appended), without
 * ever blocking: a FIFO, socket, device or directory is refused before
 * anything is read.  Symlinks are followed (the checks apply to their
 * target), as relative, "../" and absolute paths are allowed anyway.
 * 0 or -errno: -ESPIPE a FIFO or socket, -ENODEV a device, -EISDIR a
 * directory, -EINVAL anything else not regular, -EFBIG past max. */
int sc_read_file(const char *path, size_t max, bytebuf *out);
/* The same for a JSON file (a scenario, an include): at most SC_JSON_MAX. */
int sc_read_text(const char *path, bytebuf *out);
/* What sc_read_file's error means, for messages ("a FIFO or socket, not a
 * regular file"). */
const char *sc_read_error(int rc);

/* POSIX extended regular expression, compiled. */
int sc_regex(sc_pctx *c, const char *src, regex_t *re);

/* Append a copy of s to *list unless it is there already. */
int sc_add_unique(sc_pctx *c, char ***list, size_t *n, const char *s);
void sc_free_strings(char **list, size_t n);
/* Letters, digits and '_', at least one. */
int sc_valid_name(const char *s);

/* Byte i of {"generate": N}. */
static inline uint8_t sc_generated_byte(size_t i) { return (uint8_t)((i * 7 + i / 251) % 251); }

#endif
