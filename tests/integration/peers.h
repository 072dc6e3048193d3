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
/* Wait until 127.0.0.1:port accepts TCP connections: 0, or -1 after
 * timeout_ms. */
int peer_wait_tcp_listening(int port, int timeout_ms);
/* The whole log file, NUL-terminated, malloc'd (NULL if unreadable). */
char *peer_read_log(const char *log_path);

#endif
