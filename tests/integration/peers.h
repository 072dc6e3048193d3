/* peers.h - independent programs the integration tests talk to (libcoap's
 * coap-rd / coap-server, socat, node): started with their output in a log
 * file, stopped by process id, and the loopback ports they need. */
#ifndef SARASIM_PEERS_H
#define SARASIM_PEERS_H

#include <stddef.h>
#include <sys/types.h>

/* Start argv[0] (PATH lookup) with stdout and stderr appended to log_path
 * (NULL: /dev/null); it gets SIGTERM when the test process dies.  -1 if
 * fork fails. */
pid_t peer_spawn(const char *const *argv, const char *log_path);
/* SIGTERM and reap; nothing for pid <= 0. */
void peer_stop(pid_t pid);
/* 1 when the program is on PATH. */
int peer_available(const char *prog);
/* A loopback port P with P and P+1 free for both UDP and TCP right now
 * (coap-server and coap-rd take P for CoAP and P+1 for CoAPS); -1 if none. */
int peer_free_port_pair(void);
/* Wait until something binds UDP 127.0.0.1:port: 0, or -1 after timeout_ms. */
int peer_wait_udp_bound(int port, int timeout_ms);
/* The same for a TCP listener on 127.0.0.1:port (busybox httpd, pyftpdlib). */
int peer_wait_tcp_listening(int port, int timeout_ms);
/* The whole log file, NUL-terminated, malloc'd (NULL if unreadable). */
char *peer_read_log(const char *log_path);

/* busybox httpd serving `root` on a free loopback port (*port), started and
 * listening: its pid, or -1 (no busybox, no port, or it never listened
 * within timeout_ms). */
pid_t peer_httpd_start(const char *root, int *port, int timeout_ms);

/* A firmware package by sarasim-pkg (docs/packages.md) at `path`: kind
 * "full" or "delta" for SARA-R510M8S-01B, from `from` (NULL for a full
 * image) to `to`, `size` bytes.  0, or -1 when sarasim-pkg failed. */
int peer_package_create(const char *path, const char *kind, const char *from, const char *to, size_t size);

#endif
