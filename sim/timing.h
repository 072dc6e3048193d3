/* timing.h - every simulated delay of the module, in one table.
 *
 * X(ID, "key", default, "what it times", "source")
 *
 * The key is what a scenario's device.timing overrides ({"boot": "2s"}) and
 * what docs/timing.md lists; the source is the document the default comes
 * from, or "our choice" where no source gives a figure.  A row added here
 * is overridable at once; tests/unit/test_timing.c checks that
 * docs/timing.md lists every key.
 */
#ifndef SARASIM_TIMING_H
#define SARASIM_TIMING_H

#include "clock.h"

#define SIM_TIMINGS(X)                                                                                         \
    X(TIM_BOOT, "boot", SIM_S(5), "power-on until the AT interface answers",                                  \
      "our choice; ubxlib waits up to 6 s for a SARA-R5 to boot")                                             \
    X(TIM_REBOOT, "reboot", SIM_S(5), "+CFUN=15/16 (and a firmware reboot) until AT answers again",           \
      "our choice; ubxlib waits 15 s after +CFUN=16")                                                         \
    X(TIM_REGISTRATION, "registration", SIM_S(3), "radio on with a SIM and coverage until registered",        \
      "our choice")                                                                                           \
    X(TIM_COPS_SCAN, "cops_scan", SIM_S(8), "AT+COPS=? network scan until its answer",                         \
      "our choice; a scan takes seconds to minutes on the module")                                            \
    X(TIM_UPSDA, "upsda", SIM_MS(200), "AT+UPSDA=0,3 OK until +UUPSDA",                                        \
      "our choice; ubxlib waits up to 3 s for the URC")                                                       \
    X(TIM_DNS_TIMEOUT, "dns_timeout", SIM_S(30), "a DNS query without an answer until it fails",             \
      "our choice")                                                                                           \
    X(TIM_TCP_CONNECT_TIMEOUT, "tcp_connect_timeout", SIM_S(30), "a TCP SYN without an answer until the "   \
      "connect fails", "our choice (a stack's SYN retries; ubxlib allows +USOCO 30 s)")                       \
    X(TIM_HTTP_TIMEOUT, "http_timeout", SIM_S(180), "an HTTP exchange with no network read or send until "  \
      "it fails (+UHTTP op 7's factory value)", "u-blox AT manual (SARA-R4 +UHTTPC notes: 180 s since the last " \
      "successful read or send); the R5 value is unverified")                                                   \
    X(TIM_FTP_INACTIVITY, "ftp_inactivity", SIM_S(30), "factory value of +UFTP op 5: an FTP session without traffic " \
      "this long ends (an operation in progress fails, +UFTPER: 8,16)",                                     \
      "u-blox AT manuals of sister products (+UFTP op 5: 30 s factory-programmed, 0 = never); R5 unverified") \
    X(TIM_RRC_INACTIVITY, "rrc_inactivity", SIM_S(10), "no traffic until the network releases the RRC "    \
      "connection (+CSCON: 0)", "our choice; networks use 5-20 s")                                            \
    X(TIM_FFS_TIMEOUT, "ffs_timeout", SIM_S(20), "+UDWNFILE: a stalled byte stream until FFS TIMEOUT",         \
      "u-blox AT manual (SARA-R4 §17.2: 20 s, 30 s on its UART); the R5 value is unverified")                      \
    X(TIM_USECMNG_TIMEOUT, "usecmng_timeout", SIM_S(20),                                                      \
      "+USECMNG import: a stalled byte stream until +CME ERROR 1910",                                         \
      "u-blox error table (LENA-R8 AT manual A.1): 1910, \"no input for > 20 s\"")                            \
    X(TIM_CELLTIME_SYNC, "celltime_sync", SIM_S(2), "+UTIME until +UUTIMEIND gives the outcome",              \
      "our choice; ubxlib's CellTime test waits up to 30 s")                                                  \
    X(TIM_LWM2M_START, "lwm2m_start", SIM_S(9), "boot until the LwM2M client has started (LwM2M commands "  \
      "answer ERROR before)", "ufota-lwm2m-data-facts.md 1.3: about 9 s on a SARA-R412M (R4)")                     \
    X(TIM_LWM2M_REBOOT, "lwm2m_reboot", SIM_S(1), "a server's Execute of /3/0/4 Reboot until the module resets " \
      "(its ACK goes first)", "ours")                                                                           \
    X(TIM_UFOTA_ACK_TIMEOUT, "ufota_ack_timeout", SIM_S(3600), "+UFOTASTAT: 0,3,0 without +UFOTAACK until "  \
      "the module accepts by itself", "app note §3.4.2: \"within an hour\"")                                     \
    X(TIM_FWUPD_RESTART, "fwupd_restart", SIM_S(2),                                                            \
      "+UFWUPD until +UFWUPD: ONGOING, and the Xmodem EOT until the first +UFWPREVAL",                         \
      "our choice; app note Table 7 shows a reset in both places")                                            \
    X(TIM_FWUPD_FINALISE, "fwupd_finalise", SIM_MS(500), "+UFWUPD: 100 until +UFWUPD: 128",                   \
      "our choice; long enough for a scenario to cut the power in between")                                   \
    X(TIM_XMODEM_C, "xmodem_c_interval", SIM_S(3), "FOAT handshake: the 3 'C' are this far apart",            \
      "app note §4.1 (3 x 'C' every 3 s)")                                                                     \
    X(TIM_XMODEM_NAK, "xmodem_nak_interval", SIM_S(10), "FOAT handshake: the 10 NAK are this far apart",     \
      "app note §4.1 (10 x NAK every 10 s; 109 s in all)")                                                    \
    X(TIM_XMODEM_CHAR, "xmodem_char_timeout", SIM_S(1), "a gap inside an Xmodem block makes it short",       \
      "XMODEM/YMODEM protocol reference (1 s)")                                                               \
    X(TIM_XMODEM_PURGE, "xmodem_purge_quiet", SIM_S(1), "silence that ends the purge before a NAK",           \
      "XMODEM/YMODEM protocol reference (1 s)")                                                               \
    X(TIM_XMODEM_BLOCK, "xmodem_block_timeout", SIM_S(10), "no block after an ACK/NAK until the next NAK",    \
      "XMODEM/YMODEM protocol reference (10 s)")                                                              \
    X(TIM_VALIDATE_BASE, "validate_base", SIM_S(1), "package validation, fixed part (+UFWPREVAL)",            \
      "our choice")                                                                                           \
    X(TIM_VALIDATE_PER_MB, "validate_per_mb", SIM_S(1), "package validation per MB of package",               \
      "our choice (1 MB/s)")                                                                                  \
    X(TIM_INSTALL_FULL_BASE, "install_full_base", SIM_MS(9100),                                               \
      "full image, validation + install, fixed part",                                                         \
      "app note §4.1.2: 140 s at 921600 b/s for 4.5 MB, minus the 49 s Xmodem-1k download")                   \
    X(TIM_INSTALL_FULL_PER_MB, "install_full_per_mb", SIM_MS(18200),                                          \
      "full image, validation + install, per MB", "app note §4.1.2 (91 s for 4.5 MB, with the base)")         \
    X(TIM_INSTALL_DELTA_BASE, "install_delta_base", SIM_S(1440),                                              \
      "delta, validation + install, fixed part (rewriting the changed sections)",                             \
      "app note §6.1.2: about 25 min for a typical 450 kB delta")                                             \
    X(TIM_INSTALL_DELTA_PER_450KB, "install_delta_per_450kb", SIM_S(60),                                      \
      "delta, validation + install, per 450 kB of delta", "app note §6.1.2 (25 min in all for 450 kB)")      \
    X(TIM_EASYFLASH_SETUP, "easyflash_setup", SIM_S(5),                                                      \
      "EasyFlash: the tool meets the powered-up module's boot ROM before the image goes out",                 \
      "our choice (app note §7 gives no figure; the image then takes its wire time at 3 Mbaud "              \
      "and FOAT's full-image write time)")                                                                    \
    X(TIM_ROT_UPDATE, "rot_update", SIM_S(3), "AT+USECFW=1 until +USECFW: 0 (the RoT installs its file)",     \
      "our choice (app note §8 gives no figure)")                                                              \
    X(TIM_INSTALL_00B_EXTRA, "install_00b_extra", SIM_S(509),                                                 \
      "extra install time of the unoptimised 00B update agent",                                               \
      "app note §2: about 10 min for a typical image on 00B")

#define TIM_ENUM_ENTRY(id, key, def, what, src) id,
typedef enum { SIM_TIMINGS(TIM_ENUM_ENTRY) TIM__COUNT } tim_id;
#undef TIM_ENUM_ENTRY

/* Every delay at its default. */
void timing_default(sim_ns t[TIM__COUNT]);
const char *timing_key(tim_id id);
const char *timing_what(tim_id id);
const char *timing_source(tim_id id);
sim_ns timing_default_of(tim_id id);
/* 0 and *id for a key, -1 if unknown. */
int timing_lookup(const char *key, tim_id *id);

#endif
