/* fuzz_at_disk.c - fuzz_at with a state directory: the paths that touch the
 * flash (NVM commits, streamed +UDWNFILE downloads, the FOAT flag, reboots
 * that reload everything) run on every input.  The state dir lives on
 * /dev/shm when it can (no fsync cost) and is emptied between inputs.
 *
 * Input layout as fuzz_at: chunks separated by 0xFF 0xFE, the clock moved by
 * (first byte) x 100 ms before each; the chunk's lowest bit picks the UART;
 * a chunk starting with 0xFD cuts the power and applies it again. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_modem.h"

static const char *state_dir(void)
{
    static char dir[64];
    if (!dir[0]) {
        snprintf(dir, sizeof(dir), "%s/sarasim-fuzz-XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
        if (!mkdtemp(dir))
            abort();
    }
    return dir;
}

static void empty_dir(const char *dir)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'/* 2>/dev/null", dir);
    if (system(cmd)) {
        /* a leftover file only makes the next input start from it */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *dir = state_dir();
    empty_dir(dir);
    fuzz_modem_run(data, size, dir, 1);
    return 0;
}
