/* coap_files.h - a CoAP file host in the simulated world: GET of a path
 * answers the file's bytes, block by block (RFC 7959 Block2, 1024-byte
 * blocks, Size2 on the first), 4.04 for anything else.  What a coap://
 * package URI of a uFOTA campaign points at (docs/ufota.md).
 *
 *   world.hosts  {"name": "pkg.test", "services": [{"udp": 5683, "serve": "coap-files",
 *                 "files": {"/fw/delta.bin": {"package": {...}}}}]}
 *
 * One coap_ep per peer (protocol/coap_ep.h); answers are piggybacked, so
 * the host needs no timer.  Faults are the host's (networld: drop,
 * duplicate, delay, unreachable).
 */
#ifndef SARASIM_COAP_FILES_H
#define SARASIM_COAP_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "networld.h"
#include "protocol/coap_ep.h"

typedef struct coap_files coap_files;

/* Send every datagram a CoAP endpoint queued in out, from `from` to `to`,
 * through the world, and clear out (what every CoAP peer of the world does
 * after feeding its endpoint). */
void coap_out_send_world(networld *w, net_addr from, net_addr to, coap_out *out);

/* Serve on host:port (UDP); the host must exist in the world.  0, -ENOENT,
 * -ENOMEM. */
int coap_files_create(coap_files **out, networld *w, const char *host, uint16_t port);
/* Add or replace a file (the bytes are copied).  0 or -ENOMEM. */
int coap_files_put(coap_files *f, const char *path, const uint8_t *data, size_t len);
/* What was asked: GETs answered, and the Block2 number of the last
 * transfer's first GET (a resumed download starts past 0). */
unsigned coap_files_gets(const coap_files *f);
uint32_t coap_files_first_block(const coap_files *f);
void coap_files_destroy(coap_files *f);

/* ---- "serve": "coap-files" in a scenario's world.hosts ---- */

/* nw_service_cfg.custom of such services; opts is a coap_files_opts. */
extern const char coap_files_custom[];
typedef struct coap_files_entry {
    char *path;
    uint8_t *data;
    size_t len;
} coap_files_entry;
typedef struct coap_files_opts {
    coap_files_entry *files;
    size_t nfiles;
} coap_files_opts;
void coap_files_opts_free(void *opts);

/* Every "coap-files" service of cfg, bound in w (cfg: the world's config).
 * The set is destroyed with coap_files_set_destroy before the world. */
typedef struct coap_files_set coap_files_set;
int coap_files_set_create(coap_files_set **out, networld *w, const nw_config *cfg);
void coap_files_set_destroy(coap_files_set *s);

#endif
