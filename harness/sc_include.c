/* sc_include.c - host steps shared between scenario files.
 *
 * A host step {"include": "lib/ubxlib_power_on.json"} stands for the steps
 * of that file: a JSON array of steps, itself allowed to include others (8
 * levels at most).  Paths are relative to the including file; messages about
 * an included step name the included file and the step's index in it.
 *
 * A file that includes another ten times, which includes another ten times,
 * ... expands to 10^8 steps from a few bytes: the expansion is bounded
 * (steps, includes, bytes read) and stops with a message naming where it
 * went over, long before memory or time run out. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc_parse.h"

#define INCLUDE_DEPTH 8
#define STEPS_MAX 50000                /* host steps after expansion */
#define INCLUDES_MAX 1000              /* include steps expanded, in all */
#define INCLUDED_BYTES_MAX (16u << 20) /* JSON read through includes, in all */

static int push_step(sc_pctx *c, sc_flat *fl, const cJSON *obj, const char *file, const char *dir)
{
    if (fl->n >= STEPS_MAX)
        return sc_fail(c, "the host script expands to more than %d steps (includes of includes?); expected at most %d",
                       STEPS_MAX, STEPS_MAX);
    if (fl->n == fl->cap) {
        size_t cap = fl->cap ? fl->cap * 2 : 32;
        sc_flat_step *nv = realloc(fl->v, cap * sizeof(*nv));
        if (!nv)
            return sc_fail(c, "out of memory");
        fl->v = nv;
        fl->cap = cap;
    }
    sc_flat_step *s = &fl->v[fl->n++];
    s->obj = obj;
    s->file = file;
    s->dir = dir;
    snprintf(s->path, sizeof(s->path), "%s", c->path);
    return 0;
}

static int expand(sc_pctx *c, const cJSON *arr, sc_flat *fl, int depth);

static int include_file(sc_pctx *c, const cJSON *step, sc_flat *fl, int depth)
{
    static const char *const keys[] = { "include", "note", NULL };
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(step, "include");
    if (sc_check_keys(c, step, keys))
        return -1;
    if (!cJSON_IsString(v))
        return sc_fail_at(c, "include", "expected the path of a JSON array of steps");
    if (depth >= INCLUDE_DEPTH)
        return sc_fail_at(c, "include", "includes nest deeper than %d levels", INCLUDE_DEPTH);
    if (fl->ninc >= INCLUDES_MAX)
        return sc_fail_at(c, "include", "more than %d includes in one scenario; expected at most %d", INCLUDES_MAX,
                          INCLUDES_MAX);
    char path[4096];
    sc_resolve(c, v->valuestring, path, sizeof(path));
    bytebuf text;
    bytebuf_init(&text);
    int rc = sc_read_text(path, &text);
    if (rc) {
        bytebuf_free(&text);
        return sc_fail_at(c, "include", "cannot read \"%s\": %s; expected a JSON array of steps in a regular file of "
                          "at most %u MB", path, sc_read_error(rc), SC_JSON_MAX >> 20);
    }
    fl->included_bytes += text.len;
    if (fl->included_bytes > INCLUDED_BYTES_MAX) {
        bytebuf_free(&text);
        return sc_fail_at(c, "include", "includes read more than %u MB in all; expected at most %u MB",
                          INCLUDED_BYTES_MAX >> 20, INCLUDED_BYTES_MAX >> 20);
    }
    sc_included *ni = realloc(fl->inc, (fl->ninc + 1) * sizeof(*ni));
    if (!ni) {
        bytebuf_free(&text);
        return sc_fail(c, "out of memory");
    }
    fl->inc = ni;
    sc_included *inc = &fl->inc[fl->ninc++];
    const char *end = NULL;
    inc->root = cJSON_ParseWithLengthOpts(text.data ? (const char *)text.data : "", text.len, &end, 0);
    const char *slash = strrchr(path, '/');
    inc->file = strdup(path);
    inc->dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
    size_t off = end && text.data ? (size_t)(end - (const char *)text.data) : 0;
    bytebuf_free(&text);
    if (!inc->file || !inc->dir)
        return sc_fail(c, "out of memory");
    sc_pctx sub = { inc->file, inc->dir, "$", c->err, c->errlen };
    if (!cJSON_IsArray(inc->root))
        return inc->root ? sc_fail(&sub, "expected a JSON array of host steps")
                         : sc_fail(&sub, "expected valid JSON (an array of host steps), error at byte %zu", off);
    return expand(&sub, inc->root, fl, depth + 1);
}

static int expand(sc_pctx *c, const cJSON *arr, sc_flat *fl, int depth)
{
    size_t i = 0;
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        size_t mark = sc_push_index(c, i);
        int rc = cJSON_IsObject(it) && cJSON_GetObjectItemCaseSensitive(it, "include")
                     ? include_file(c, it, fl, depth)
                     : push_step(c, fl, it, c->file, c->dir);
        sc_pop(c, mark);
        if (rc)
            return -1;
    }
    return 0;
}

int sc_flatten_steps(sc_pctx *c, const cJSON *arr, sc_flat *fl)
{
    memset(fl, 0, sizeof(*fl));
    return expand(c, arr, fl, 0);
}

void sc_flat_free(sc_flat *fl)
{
    for (size_t i = 0; i < fl->ninc; i++) {
        cJSON_Delete(fl->inc[i].root);
        free(fl->inc[i].file);
        free(fl->inc[i].dir);
    }
    free(fl->inc);
    free(fl->v);
    memset(fl, 0, sizeof(*fl));
}
