/* run_event.c - the host's "expect_event" step: the EV events of the run
 * (the module's and the built-in servers') kept until a step reads them,
 * matched as "when": "ev ..." triggers match them (world.c). */
#include <stdlib.h>
#include <string.h>

#include "protocol/dur.h"
#include "runner_int.h"

#define SEEN_EVENTS 8 /* unread events shown when the step fails */

static char *event_at(const runner *r, size_t i)
{
    return r->events[(r->ev_head + i) % RUNNER_EVENTS_KEPT];
}

void runner_keep_event(runner *r, const uint8_t *text, size_t len)
{
    if (!r->events && !(r->events = calloc(RUNNER_EVENTS_KEPT, sizeof(*r->events))))
        return;
    char *copy = strndup((const char *)text, len);
    if (!copy)
        return;
    if (r->ev_len == RUNNER_EVENTS_KEPT) { /* the oldest unread goes */
        free(r->events[r->ev_head]);
        r->ev_head = (r->ev_head + 1) % RUNNER_EVENTS_KEPT;
        r->ev_len--;
    }
    r->events[(r->ev_head + r->ev_len++) % RUNNER_EVENTS_KEPT] = copy;
    r->ev_total++;
}

/* The number (counting every event kept since the start) of the oldest unread one. */
static uint64_t first_unread(const runner *r) { return r->ev_total - r->ev_len; }

/* Drop the n oldest unread events. */
static void consume(runner *r, size_t n)
{
    for (; n && r->ev_len; n--, r->ev_len--) {
        free(r->events[r->ev_head]);
        r->events[r->ev_head] = NULL;
        r->ev_head = (r->ev_head + 1) % RUNNER_EVENTS_KEPT;
    }
}

void runner_events_free(runner *r)
{
    consume(r, r->ev_len);
    free(r->events);
    r->events = NULL;
}

typedef struct event_wait {
    const sc_step *st;
    uint64_t next; /* number of the next event to look at */
} event_wait;

static int event_cond(runner *r, void *arg)
{
    event_wait *ew = arg;
    if (ew->next < first_unread(r)) /* gone past the bound meanwhile */
        ew->next = first_unread(r);
    for (; ew->next < r->ev_total; ew->next++) {
        const char *e = event_at(r, (size_t)(ew->next - first_unread(r)));
        if (world_event_matches(&ew->st->event, e, strlen(e)))
            return 1; /* ew->next is the match */
    }
    return 0;
}

/* The last unread events, one per line, for the failure report. */
static void set_seen_events(runner *r)
{
    bytebuf b;
    bytebuf_init(&b);
    size_t from = r->ev_len > SEEN_EVENTS ? r->ev_len - SEEN_EVENTS : 0;
    for (size_t i = from; i < r->ev_len; i++)
        bytebuf_appendf(&b, "%s\n", event_at(r, i));
    runner_set_seen_bytes(r, b.data ? b.data : (const uint8_t *)"", b.len);
    bytebuf_free(&b);
}

int runner_step_expect_event(runner *r, const sc_step *st)
{
    event_wait ew = { st, first_unread(r) };
    sim_ns now = clk_now(&r->clk);
    sim_ns deadline = st->within > SIM_NEVER - now ? SIM_NEVER : now + st->within;
    int w = runner_wait(r, event_cond, &ew, deadline);
    runner_set_expected(r, (const uint8_t *)st->event.text, strlen(st->event.text));
    if (w == WAIT_MET) {
        consume(r, (size_t)(ew.next - first_unread(r)) + 1);
        return 0;
    }
    set_seen_events(r);
    if (w < 0)
        return runner_wait_failed(r, st, w);
    char d[32];
    dur_format(st->within, d, sizeof(d));
    return runner_fail(r, st, "no such event within %s", d);
}
