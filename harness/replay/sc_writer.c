/* sc_writer.c - a replay session as a scenario file (see sc_writer.h). */
#include "sc_writer.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lenient.h"

#define SEC 1000000000LL
#define MIN_WITHIN (5 * SEC)
#define UNTIMED_WITHIN (120 * SEC) /* an answer in a log without times */
#define UPDATE_WITHIN (1800 * SEC) /* an install takes up to half an hour (app note 6.1.2) */
#define SILENCE (5 * SEC)          /* how long a host without times waits for an answer that never came */
#define NOTE_MAX 300

void sc_output_init(sc_output *o) { memset(o, 0, sizeof(*o)); }

void sc_output_free(sc_output *o)
{
    bytebuf_free(&o->json);
    for (size_t i = 0; i < o->nblobs; i++) {
        free(o->blobs[i].name);
        free(o->blobs[i].data);
    }
    free(o->blobs);
    memset(o, 0, sizeof(*o));
}

static int update_line(const char *t) { return !strncmp(t, "+UFWUPD", 7) || !strncmp(t, "+UFWPREVAL", 10); }

int64_t sc_writer_within(const session *s, size_t i, int64_t since)
{
    const s_item *it = &s->it[i];
    if (!s->timed || it->t == RLOG_NO_TIME || since == RLOG_NO_TIME)
        return update_line(it->text) ? UPDATE_WITHIN : UNTIMED_WITHIN;
    int64_t d = it->t - since, w = 2 * (d > 0 ? d : 0) + 2 * SEC;
    return w < MIN_WITHIN ? MIN_WITHIN : w;
}

/* The next item after i that is traffic (not a note or a rate change). */
static const s_item *next_traffic(const session *s, size_t i)
{
    for (size_t k = i + 1; k < s->n; k++)
        if (s->it[k].kind != SI_NOTE && s->it[k].kind != SI_BAUD)
            return &s->it[k];
    return NULL;
}

int sc_writer_unanswered(const session *s, size_t i)
{
    const s_item *n = next_traffic(s, i);
    return !n || n->kind != SI_UNIT;
}

int64_t sc_writer_silence(const session *s, size_t i)
{
    const s_item *it = &s->it[i], *n = next_traffic(s, i);
    if (!s->timed || it->t == RLOG_NO_TIME)
        return SILENCE;
    int64_t until = n && n->t != RLOG_NO_TIME ? n->t : s->t_end;
    if (until == RLOG_NO_TIME || until - it->t <= 0)
        return n ? 0 : SILENCE;
    /* up to a little before the next line: a byte due at that very instant
     * must not count as an answer to this one */
    int64_t gap = until - it->t, margin = gap / 10 > 1000000 ? gap / 10 : 1000000;
    return gap > margin ? gap - margin : 0;
}

/* ---------------- JSON pieces ---------------- */

/* A duration, exact to the nanosecond: "6s", "0.012s", "215.9508s". */
static void add_dur(cJSON *o, const char *key, int64_t ns)
{
    char d[40];
    if (ns < 0)
        ns = 0;
    if (ns % SEC == 0) {
        snprintf(d, sizeof(d), "%llds", (long long)(ns / SEC));
    } else {
        int n = snprintf(d, sizeof(d), "%lld.%09lld", (long long)(ns / SEC), (long long)(ns % SEC));
        while (n > 0 && d[n - 1] == '0')
            d[--n] = 0;
        snprintf(d + n, sizeof(d) - (size_t)n, "s");
    }
    cJSON_AddStringToObject(o, key, d);
}

static int printable_ascii(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!p[i] || p[i] >= 0x80)
            return 0;
    return 1;
}

/* Bytes as a JSON string when they are ASCII without NUL, else {"hex": ...}. */
static cJSON *bytes_value(const uint8_t *p, size_t n)
{
    if (printable_ascii(p, n)) {
        char *s = malloc(n + 1);
        if (!s)
            return NULL;
        memcpy(s, p, n);
        s[n] = 0;
        cJSON *v = cJSON_CreateString(s);
        free(s);
        return v;
    }
    char *h = malloc(n * 3 + 1), *o = h;
    if (!h)
        return NULL;
    for (size_t i = 0; i < n; i++)
        o += sprintf(o, i ? " %02x" : "%02x", p[i]);
    *o = 0;
    cJSON *v = cJSON_CreateObject();
    cJSON_AddStringToObject(v, "hex", h);
    free(h);
    return v;
}

/* The time of an item for a person: the log's time of day, or seconds. */
static void when(const session *s, const s_item *it, char *buf, size_t size)
{
    if (it->t == RLOG_NO_TIME) {
        buf[0] = 0;
        return;
    }
    if (s->sim_clock) {
        snprintf(buf, size, ", %.6fs", (double)it->t / 1e9);
        return;
    }
    int64_t ms = (it->t_log / 1000000) % (86400LL * 1000);
    snprintf(buf, size, ", %02lld:%02lld:%02lld.%03lld", (long long)(ms / 3600000), (long long)(ms / 60000 % 60),
             (long long)(ms / 1000 % 60), (long long)(ms % 1000));
}

typedef struct wctx {
    const session *s;
    const s_device *d;
    const writer_opts *o;
    sc_output *out;
    bytebuf notes; /* the log's notes waiting for the next step */
    unsigned nxm;
    int steps;
} wctx;

static void step(wctx *w, cJSON *st, const s_item *it)
{
    char at[48] = "";
    if (it)
        when(w->s, it, at, sizeof(at));
    bytebuf note;
    bytebuf_init(&note);
    if (it)
        bytebuf_appendf(&note, "log %zu%s", it->line, at);
    if (w->notes.len)
        bytebuf_appendf(&note, "%s%.*s", note.len ? "; " : "", (int)w->notes.len, (const char *)w->notes.data);
    if (note.len)
        cJSON_AddStringToObject(st, "note", (const char *)note.data);
    bytebuf_free(&note);
    bytebuf_clear(&w->notes);
    char *text = cJSON_PrintUnformatted(st);
    bytebuf_appendf(&w->out->json, "%s    %s", w->steps++ ? ",\n" : "", text ? text : "{}");
    free(text);
    cJSON_Delete(st);
}

static void queue_note(wctx *w, const s_item *it)
{
    if (w->notes.len >= NOTE_MAX)
        return;
    bytebuf_appendf(&w->notes, "%slog %zu: %.*s", w->notes.len ? "; " : "", it->line, NOTE_MAX / 2, it->text);
}

/* ---------------- steps ---------------- */

static void unit_step(wctx *w, size_t i, int64_t since)
{
    const s_item *it = &w->s->it[i];
    cJSON *st = cJSON_CreateObject();
    size_t a = 0, b = it->len;
    while (a < b && (it->bytes[a] == '\r' || it->bytes[a] == '\n'))
        a++;
    while (b > a && (it->bytes[b - 1] == '\r' || it->bytes[b - 1] == '\n'))
        b--;
    bytebuf re;
    bytebuf_init(&re);
    if (w->o->lenient && printable_ascii(it->bytes, it->len) &&
        lenient_regex((const char *)it->bytes, it->len, a, b - a, &re)) {
        cJSON *v = cJSON_CreateObject();
        cJSON_AddStringToObject(v, "regex", (const char *)re.data);
        cJSON_AddItemToObject(st, "expect", v);
    } else {
        cJSON_AddItemToObject(st, "expect", bytes_value(it->bytes, it->len));
    }
    bytebuf_free(&re);
    add_dur(st, "within", sc_writer_within(w->s, i, since));
    step(w, st, it);
}

static int next_minor(const char *fw, char *out, size_t size)
{
    int maj, min;
    if (sscanf(fw, "%d.%d", &maj, &min) != 2 || maj < 0 || maj > 99 || min < 0 || min >= 99)
        return -1;
    snprintf(out, size, "%02d.%02d,A00.01", maj, min + 1);
    return 0;
}

static int xmodem_step(wctx *w, const s_item *it)
{
    cJSON *st = cJSON_CreateObject();
    const writer_opts *o = w->o;
    if (it->xm.data && it->xm.len) {
        w->nxm++;
        if (o->blob_prefix) {
            char name[512];
            snprintf(name, sizeof(name), "%s.xmodem%u.bin", o->blob_prefix, w->nxm);
            sc_blob *nb = realloc(w->out->blobs, (w->out->nblobs + 1) * sizeof(*nb));
            if (!nb)
                return -1;
            w->out->blobs = nb;
            sc_blob *bl = &nb[w->out->nblobs++];
            bl->name = strdup(name);
            bl->data = malloc(it->xm.len);
            bl->len = it->xm.len;
            if (!bl->name || !bl->data)
                return -1;
            memcpy(bl->data, it->xm.data, it->xm.len);
            const char *base = strrchr(name, '/');
            cJSON_AddStringToObject(st, "xmodem", base ? base + 1 : name);
        } else {
            cJSON *g = cJSON_CreateObject();
            cJSON_AddNumberToObject(g, "generate", (double)it->xm.len);
            cJSON_AddItemToObject(st, "xmodem", g);
        }
    } else if (o->package) {
        cJSON_AddStringToObject(st, "xmodem", o->package);
    } else {
        char to[32] = "03.16,A00.01", product[40];
        const char *fw = w->d && w->d->firmware[0] ? w->d->firmware : "03.15,A00.01";
        if (o->package_to)
            snprintf(to, sizeof(to), "%s", o->package_to);
        else
            next_minor(fw, to, sizeof(to));
        snprintf(product, sizeof(product), "%s-%s", w->d && w->d->model[0] ? w->d->model : "SARA-R510M8S",
                 w->d && w->d->product[0] ? w->d->product : "01B");
        cJSON *pk = cJSON_CreateObject(), *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "kind", "full");
        cJSON_AddStringToObject(p, "product", product);
        cJSON_AddStringToObject(p, "to", to);
        cJSON_AddNumberToObject(p, "size", (double)(o->package_size ? o->package_size : 200000));
        cJSON_AddItemToObject(pk, "package", p);
        cJSON_AddItemToObject(st, "xmodem", pk);
    }
    cJSON_AddNumberToObject(st, "block", it->xm.block ? it->xm.block : 1024);
    if (it->xm.complete == 0)
        cJSON_AddStringToObject(st, "outcome", "cancelled");
    cJSON_AddStringToObject(st, "within", "30m");
    if (!w->notes.len && !(it->xm.data && it->xm.len))
        bytebuf_append_str(&w->notes, "the log does not carry the image: give yours with --package");
    step(w, st, it);
    return 0;
}

static int host_steps(wctx *w)
{
    const session *s = w->s;
    int64_t since = s->timed ? 0 : RLOG_NO_TIME;
    int first_send = 1;
    for (size_t i = 0; i < s->n; i++) {
        const s_item *it = &s->it[i];
        cJSON *st;
        switch (it->kind) {
        case SI_NOTE: queue_note(w, it); break;
        case SI_BAUD:
            st = cJSON_CreateObject();
            cJSON_AddNumberToObject(st, "set_baud", it->rate);
            step(w, st, NULL);
            break;
        case SI_SEND:
            if (s->timed && it->t > since) {
                st = cJSON_CreateObject();
                add_dur(st, "wait", it->t - since);
                step(w, st, NULL);
            } else if (!s->timed && first_send) {
                st = cJSON_CreateObject();
                add_dur(st, "wait", s->start);
                cJSON_AddStringToObject(st, "note", "the module boots in 5 s; the log has no times");
                char *text = cJSON_PrintUnformatted(st);
                bytebuf_appendf(&w->out->json, "%s    %s", w->steps++ ? ",\n" : "", text ? text : "{}");
                free(text);
                cJSON_Delete(st);
            }
            first_send = 0;
            if (s->timed)
                since = it->t;
            st = cJSON_CreateObject();
            cJSON_AddItemToObject(st, "send", bytes_value(it->bytes, it->len));
            step(w, st, it);
            int64_t quiet = sc_writer_unanswered(s, i) ? sc_writer_silence(s, i) : 0;
            if (quiet > 0) {
                st = cJSON_CreateObject();
                cJSON *re = cJSON_CreateObject();
                cJSON_AddStringToObject(re, "regex", ".");
                cJSON_AddItemToObject(st, "expect_not", re);
                add_dur(st, "within", quiet);
                cJSON_AddStringToObject(st, "note", "the module did not answer");
                char *text = cJSON_PrintUnformatted(st);
                bytebuf_appendf(&w->out->json, ",\n    %s", text ? text : "{}");
                w->steps++;
                free(text);
                cJSON_Delete(st);
                if (s->timed)
                    since += quiet;
            }
            break;
        case SI_UNIT:
            unit_step(w, i, since);
            if (s->timed && it->t != RLOG_NO_TIME)
                since = it->t;
            break;
        case SI_XMODEM:
            if (xmodem_step(w, it))
                return -1;
            if (s->timed && it->t != RLOG_NO_TIME)
                since = it->t;
            break;
        }
    }
    if (s->timed && s->t_end != RLOG_NO_TIME && s->t_end > since) {
        cJSON *st = cJSON_CreateObject();
        add_dur(st, "wait", s->t_end - since);
        cJSON_AddStringToObject(st, "note", "the log goes on this long after the module's last line");
        char *text = cJSON_PrintUnformatted(st);
        bytebuf_appendf(&w->out->json, "%s    %s", w->steps++ ? ",\n" : "", text ? text : "{}");
        free(text);
        cJSON_Delete(st);
    }
    return 0;
}

static cJSON *device_json(const s_device *d)
{
    cJSON *o = cJSON_CreateObject();
    if (d->model[0])
        cJSON_AddStringToObject(o, "model", d->model);
    if (d->product[0])
        cJSON_AddStringToObject(o, "product", d->product);
    if (d->firmware[0])
        cJSON_AddStringToObject(o, "firmware", d->firmware);
    if (d->imei[0])
        cJSON_AddStringToObject(o, "imei", d->imei);
    if (d->iccid[0] || d->imsi[0]) {
        cJSON *sim = cJSON_AddObjectToObject(o, "sim");
        if (d->iccid[0])
            cJSON_AddStringToObject(sim, "iccid", d->iccid);
        if (d->imsi[0])
            cJSON_AddStringToObject(sim, "imsi", d->imsi);
    }
    if (d->mno_profile >= 0)
        cJSON_AddNumberToObject(o, "mno_profile", d->mno_profile);
    if (d->plmn[0] || d->oper[0]) {
        cJSON *net = cJSON_AddObjectToObject(o, "network");
        if (d->plmn[0])
            cJSON_AddStringToObject(net, "plmn", d->plmn);
        if (d->oper[0])
            cJSON_AddStringToObject(net, "operator", d->oper);
    }
    return o;
}

static char *json_string(const char *s)
{
    cJSON *v = cJSON_CreateString(s);
    char *t = v ? cJSON_PrintUnformatted(v) : NULL;
    cJSON_Delete(v);
    return t;
}

int sc_write(const session *s, const s_device *d, const writer_opts *o, sc_output *out, char *err, size_t errlen)
{
    wctx w = { s, d, o, out, { 0 }, 0, 0 };
    bytebuf_init(&w.notes);
    bytebuf_init(&out->json);
    char desc[1024];
    snprintf(desc, sizeof(desc),
             "Replayed by sarasim-replay from %s (%s log, %zu lines, %s%s): the host's lines are sent %s, every line "
             "the module sent is expected exactly and in order%s.  Add the fault that explains the field's failure "
             "to \"world\" (docs/reproducing-field-failures.md).",
             o->log_name ? o->log_name : "a log", rlog_format_name(s->fmt), s->log_lines,
             s->timed ? "timed" : "without times", s->dropped_boot ? ", commands sent while the module booted left out" : "",
             s->timed ? "at the log's pace" : "one after the other", o->lenient ? ", values that always differ matched loosely" : "");
    char *name = json_string(o->name ? o->name : "replay"), *description = json_string(desc);
    cJSON *dev = d && !o->no_device ? device_json(d) : cJSON_CreateObject();
    char *device = cJSON_PrintUnformatted(dev);
    cJSON_Delete(dev);
    bytebuf_appendf(&out->json, "{\n  \"name\": %s,\n  \"description\": %s,\n  \"exact\": true,\n  \"within\": \"5s\",\n"
                                "  \"device\": %s,\n  \"world\": [],\n  \"host\": [\n",
                    name ? name : "\"replay\"", description ? description : "\"\"", device ? device : "{}");
    free(name);
    free(description);
    free(device);
    int rc = host_steps(&w);
    bytebuf_append_str(&out->json, "\n  ]\n}\n");
    bytebuf_free(&w.notes);
    if (rc)
        snprintf(err, errlen, "out of memory");
    return rc;
}
