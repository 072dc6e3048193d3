/* rdiff.c - the field log against the simulation, line by line (see
 * rdiff.h). */
#include "rdiff.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness/xmodem_host.h"
#include "lenient.h"

#define LCS_MAX_CELLS 4000000u /* beyond this an exchange is compared position by position */

static int add_row(rdiff *d, dr_kind k, long field, long sim, int differs)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 256;
        drow *r = realloc(d->rows, cap * sizeof(*r));
        if (!r)
            return -ENOMEM;
        d->rows = r;
        d->cap = cap;
    }
    d->rows[d->n++] = (drow){ k, field, sim, differs };
    if (differs && d->first < 0)
        d->first = (long)d->n - 1;
    return 0;
}

typedef struct side {
    long *idx;   /* session items or result units */
    char **key;  /* what is compared */
    size_t n;
} side;

static char *key_of(const char *text, int lenient)
{
    if (!lenient)
        return strdup(text);
    bytebuf b;
    bytebuf_init(&b);
    lenient_mask(text, strlen(text), &b);
    bytebuf_append_byte(&b, 0);
    return (char *)b.data;
}

static void side_free(side *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->key[i]);
    free(s->idx);
    free(s->key);
}

/* Rows for one exchange: a longest common subsequence of the two sides. */
static int align(rdiff *d, const side *f, const side *s)
{
    size_t n = f->n, m = s->n;
    unsigned *L = NULL;
    if ((n + 1) * (m + 1) <= LCS_MAX_CELLS)
        L = calloc((n + 1) * (m + 1), sizeof(*L));
    if (L) {
        for (size_t i = n; i-- > 0;)
            for (size_t j = m; j-- > 0;)
                L[i * (m + 1) + j] = !strcmp(f->key[i], s->key[j])
                                         ? L[(i + 1) * (m + 1) + j + 1] + 1
                                         : (L[(i + 1) * (m + 1) + j] > L[i * (m + 1) + j + 1] ? L[(i + 1) * (m + 1) + j]
                                                                                             : L[i * (m + 1) + j + 1]);
    }
    size_t i = 0, j = 0;
    int rc = 0;
    while (!rc && (i < n || j < m)) {
        int same = i < n && j < m && !strcmp(f->key[i], s->key[j]);
        if (same && (!L || L[i * (m + 1) + j] == L[(i + 1) * (m + 1) + j + 1] + 1)) {
            rc = add_row(d, DR_SAME, f->idx[i++], s->idx[j++], 0);
            d->same++;
        } else if (i < n && (j >= m || (L ? L[(i + 1) * (m + 1) + j] >= L[i * (m + 1) + j + 1] : 1))) {
            rc = add_row(d, DR_FIELD, f->idx[i++], -1, 1);
            d->only_field++;
        } else {
            rc = add_row(d, DR_SIM, -1, s->idx[j++], 1);
            d->only_sim++;
        }
    }
    free(L);
    return rc;
}

static int push(side *sd, long idx, const char *text, int lenient)
{
    long *ni = realloc(sd->idx, (sd->n + 1) * sizeof(*ni));
    if (ni)
        sd->idx = ni;
    char **nk = realloc(sd->key, (sd->n + 1) * sizeof(*nk));
    if (nk)
        sd->key = nk;
    if (!ni || !nk || !(sd->key[sd->n] = key_of(text, lenient)))
        return -ENOMEM;
    sd->idx[sd->n++] = idx;
    return 0;
}

static int exchange(rdiff *d, const session *s, const replay_result *r, long e, int lenient)
{
    side f = { 0 }, sm = { 0 };
    int rc = 0;
    for (size_t i = (size_t)(e < 0 ? 0 : e); !rc && i < s->n; i++) {
        if ((long)i != e && (s->it[i].kind == SI_SEND || s->it[i].kind == SI_XMODEM))
            break;
        if (s->it[i].kind == SI_UNIT) {
            rc = push(&f, (long)i, s->it[i].text, lenient);
            d->field_lines++;
        }
    }
    for (size_t j = 0; !rc && j < r->n; j++) {
        if (r->u[j].exch == e) {
            rc = push(&sm, (long)j, r->u[j].text, lenient);
            d->sim_lines++;
        }
    }
    if (!rc)
        rc = align(d, &f, &sm);
    side_free(&f);
    side_free(&sm);
    return rc;
}

static int transfer_row(rdiff *d, const session *s, const replay_result *r, long e)
{
    long t = -1;
    for (size_t k = 0; k < r->nxm; k++)
        if ((long)r->xm[k].item == e)
            t = (long)k;
    int field = s->it[e].xm.complete, sim = t >= 0 ? r->xm[t].status : -1;
    int differs = t < 0 || (field == 1 && sim != XM_TX_DONE) || (field == 0 && sim != XM_TX_CANCELLED) ||
                  (field == -1 && sim != XM_TX_DONE);
    d->xm_differ += differs;
    return add_row(d, DR_XMODEM, e, t, differs);
}

int rdiff_build(rdiff *d, const session *s, const replay_result *r, int lenient)
{
    memset(d, 0, sizeof(*d));
    d->first = -1;
    int rc = exchange(d, s, r, -1, lenient);
    for (size_t i = 0; !rc && i < s->n; i++) {
        if (s->it[i].kind == SI_SEND)
            rc = add_row(d, DR_HOST, (long)i, -1, 0);
        else if (s->it[i].kind == SI_XMODEM)
            rc = transfer_row(d, s, r, (long)i);
        else
            continue;
        if (!rc)
            rc = exchange(d, s, r, (long)i, lenient);
    }
    return rc;
}

void rdiff_free(rdiff *d)
{
    free(d->rows);
    memset(d, 0, sizeof(*d));
}

/* ---------------- the report ---------------- */

static void field_time(const session *s, long i, char *buf, size_t size)
{
    const s_item *it = i >= 0 ? &s->it[i] : NULL;
    if (!it || it->t == RLOG_NO_TIME) {
        snprintf(buf, size, "%s", it ? "-" : "");
    } else if (s->sim_clock) {
        snprintf(buf, size, "%.6fs", (double)it->t / 1e9);
    } else {
        long long ms = (long long)(it->t_log / 1000000 % (86400LL * 1000));
        snprintf(buf, size, "%02lld:%02lld:%02lld.%03lld", ms / 3600000, ms / 60000 % 60, ms / 1000 % 60, ms % 1000);
    }
}

static const char *xm_status_name(int st)
{
    static const char *const names[] = { "running", "complete", "cancelled", "failed" };
    return st >= 0 && st <= 3 ? names[st] : "not run";
}

static void print_row(FILE *f, const drow *w, const session *s, const replay_result *r)
{
    static const char marks[] = { ' ', ' ', ' ', '-', '+' };
    char ft[32] = "", st[32] = "", line[16] = "";
    long fi = w->field;
    const char *text = "", *dir = "<<";
    if (fi >= 0) {
        field_time(s, fi, ft, sizeof(ft));
        snprintf(line, sizeof(line), "%zu", s->it[fi].line);
        text = s->it[fi].text;
    }
    if (w->kind == DR_HOST) {
        dir = ">>";
    } else if (w->kind == DR_XMODEM) {
        const s_item *it = &s->it[fi];
        const rr_transfer *t = w->sim >= 0 ? &r->xm[w->sim] : NULL;
        char desc[256];
        snprintf(desc, sizeof(desc), "xmodem: field %s%s; simulation %s, %u blocks, %u sent again, %u NAKs",
                 it->xm.complete == 1 ? "complete" : it->xm.complete == 0 ? "cancelled" : "(not in the log)",
                 it->xm.blocks ? "" : "", t ? xm_status_name(t->status) : "not run", t ? t->blocks : 0,
                 t ? t->resent : 0, t ? t->naks : 0);
        fprintf(f, "%c %6s %14s %14s  == %s\n", w->differs ? '!' : ' ', line, ft, "", desc);
        return;
    } else if (w->sim >= 0) {
        snprintf(st, sizeof(st), "%.6fs", (double)r->u[w->sim].t / 1e9);
        if (fi < 0)
            text = r->u[w->sim].text;
    }
    if (w->kind == DR_HOST && fi >= 0) {
        /* the host's line went out in the simulation too: no time of its own kept */
    }
    fprintf(f, "%c %6s %14s %14s  %s %s\n", marks[w->kind], line, ft, st, dir, text);
}

static int near_difference(const rdiff *d, size_t i, int context)
{
    for (size_t k = i >= (size_t)context ? i - (size_t)context : 0; k < d->n && k <= i + (size_t)context; k++)
        if (d->rows[k].differs)
            return 1;
    return 0;
}

/* How many rows from i on are of the same kind (a run of lines only one
 * side has). */
static size_t run_length(const rdiff *d, size_t i)
{
    size_t k = i;
    while (k < d->n && d->rows[k].kind == d->rows[i].kind)
        k++;
    return k - i;
}

#define RUN_SHOWN 6 /* of a long run of lines only one side has: the first ones and the last */

void rdiff_print(FILE *f, const rdiff *d, const session *s, const replay_result *r, int context)
{
    fprintf(f, "  %6s %14s %14s\n", "log", "field", "simulation");
    int skipped = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (context >= 0 && !near_difference(d, i, context)) {
            skipped = 1;
            continue;
        }
        if (skipped)
            fprintf(f, "  %6s\n", "...");
        skipped = 0;
        size_t len = run_length(d, i);
        if (context >= 0 && d->rows[i].differs && len > 2 * RUN_SHOWN + 2) {
            for (size_t k = 0; k < RUN_SHOWN; k++)
                print_row(f, &d->rows[i + k], s, r);
            fprintf(f, "%c %6s %zu more lines only %s (--full shows them)\n", d->rows[i].kind == DR_FIELD ? '-' : '+',
                    "...", len - RUN_SHOWN - 2, d->rows[i].kind == DR_FIELD ? "in the field log" : "from the simulation");
            i += len - 2;
        }
        print_row(f, &d->rows[i], s, r);
    }
    if (skipped)
        fprintf(f, "  %6s\n", "...");
    if (d->first >= 0) {
        const drow *w = &d->rows[d->first];
        char ft[32] = "-", st[32] = "-";
        long fi = w->field;
        if (fi < 0) { /* a line only the simulation sent: place it after the field's last row */
            for (long k = d->first; k >= 0 && fi < 0; k--)
                fi = d->rows[k].field;
        }
        if (fi >= 0)
            field_time(s, fi, ft, sizeof(ft));
        if (w->sim >= 0 && w->kind != DR_XMODEM)
            snprintf(st, sizeof(st), "%.6fs", (double)r->u[w->sim].t / 1e9);
        fprintf(f, "first divergence: log line %zu (%s in the log, %s simulated): ", fi >= 0 ? s->it[fi].line : 0,
                ft, st);
        if (w->kind == DR_FIELD)
            fprintf(f, "the field module sent \"%s\", the simulated one did not\n", s->it[w->field].text);
        else if (w->kind == DR_SIM)
            fprintf(f, "the simulated module sent \"%s\", the field one did not\n", r->u[w->sim].text);
        else
            fprintf(f, "the Xmodem transfer ended otherwise\n");
    }
    fprintf(f, "%zu of %zu lines the field module sent are the same in the simulation; %zu missing, %zu more from the "
               "simulated module%s\n",
            d->same, d->field_lines, d->only_field, d->only_sim,
            d->xm_differ ? "; a transfer ended otherwise" : "");
}
