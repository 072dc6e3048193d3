/* ftp_service.h - a simulated FTP server: a custom TCP service of
 * harness/networld.h (control connection, passive data ports it opens per
 * transfer, active-mode connections to the module's listening port),
 * configured from a scenario's world.hosts:
 *
 *   { "tcp": 21, "serve": "ftp", "user": "u", "pass": "p",
 *     "files": { "/fw/pkg.bin": {"generate": 450000}, "/readme.txt": {"text": "hi"} },
 *     "dirs": ["/upload"], "pasv_port": 50000,
 *     "faults": { "login": "refuse", "pasv": "unreachable", "cut_at": 1000,
 *                 "stall_at": 1000, "grow": 500, "replies": {"STOR": "552 Quota exceeded"} } }
 *
 * File contents take every form of a scenario blob (a path, text, hex,
 * generate, package).  Without "user" any login works (anonymous).  It
 * answers USER, PASS, ACCT, SYST, FEAT, NOOP, TYPE, MODE, STRU, OPTS, PWD,
 * CWD, CDUP, MKD, RMD, DELE, RNFR/RNTO, SIZE, REST, PASV, EPSV, PORT, RETR,
 * STOR, APPE, LIST, NLST, ABOR and QUIT (502 to anything else, 530 before
 * login).  Faults: login refused (530 to PASS); passive port unreachable
 * (the 227 names 192.0.2.1, nobody's address) or refused (a port nothing
 * listens on); a RETR's data connection reset after N bytes (426 on the
 * control connection) or stalled after N bytes (nothing more, ever); a file
 * that grows by N bytes after each SIZE; any command answered by a fixed
 * reply.  docs/ftp.md has the reference.
 *
 * Each world that runs the service gets a clone with its own files and log
 * (nw_service_ops.clone): tests find it with networld_service().
 */
#ifndef SARASIM_FTP_SERVICE_H
#define SARASIM_FTP_SERVICE_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "networld.h"
#include "protocol/bytebuf.h"

typedef struct ftp_svc ftp_svc;
struct sc_pctx;

/* {"tcp": <port>, "serve": "ftp", ...} into a custom service config (the
 * config owns the service: nw_config_free destroys it).  0, or -1 with the
 * message in the parse context. */
int ftp_service_parse(struct sc_pctx *c, const cJSON *o, nw_service_cfg *out);
/* The same from JSON text (tests): 0, or -1 and a message in err. */
int ftp_service_from_json(const char *json, nw_service_cfg *out, char *err, size_t errlen);

/* What the server saw, one line each, '\n' after each: the commands as
 * received ("USER u", "RETR /fw/pkg.bin") and its own events ("data
 * passive port=50000", "data active 10.1.2.3:49152", "sent /fw/pkg.bin
 * bytes=450000", "cut /fw/pkg.bin at=1000", "stalled /fw/pkg.bin
 * at=1000", "stored /up.bin bytes=5", "closed"). */
const char *ftp_service_log(const ftp_svc *s);
/* A file as the server holds it now (uploads included); NULL if none. */
const bytebuf *ftp_service_file(const ftp_svc *s, const char *path);
/* Directories it has, besides those its files imply. */
int ftp_service_has_dir(const ftp_svc *s, const char *path);

#endif
