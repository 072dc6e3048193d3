/* timing.c - the one table of simulated delays (timing.h). */
#include "timing.h"

#include <string.h>

typedef struct timing_desc {
    const char *key;
    sim_ns def;
    const char *what;
    const char *source;
} timing_desc;

#define TIM_DESC_ENTRY(id, key, def, what, src) { key, def, what, src },
static const timing_desc timing_descs[TIM__COUNT] = { SIM_TIMINGS(TIM_DESC_ENTRY) };
#undef TIM_DESC_ENTRY

void timing_default(sim_ns t[TIM__COUNT])
{
    for (int i = 0; i < TIM__COUNT; i++)
        t[i] = timing_descs[i].def;
}

const char *timing_key(tim_id id) { return timing_descs[id].key; }
const char *timing_what(tim_id id) { return timing_descs[id].what; }
const char *timing_source(tim_id id) { return timing_descs[id].source; }
sim_ns timing_default_of(tim_id id) { return timing_descs[id].def; }

int timing_lookup(const char *key, tim_id *id)
{
    for (int i = 0; i < TIM__COUNT; i++) {
        if (!strcmp(timing_descs[i].key, key)) {
            *id = (tim_id)i;
            return 0;
        }
    }
    return -1;
}
