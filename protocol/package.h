/* package.h - sarasim's firmware package format, its incremental validator,
 * the progress steps and durations the module shows while it validates and
 * installs one, and a builder for valid and deliberately broken packages.
 *
 * Real u-blox images are proprietary, so sarasim defines its own format that
 * carries what the module checks (docs/packages.md has it byte by byte):
 *
 *   160-byte header: magic, kind (full .upd image for FOAT, delta for
 *   +UFWINSTALL / uFOTA), product ("SARA-R510M8S-01B"), source version
 *   (delta only) and target version ("03.16,A00.01"), total package length,
 *   payload length, CRC-32 of the payload, HMAC-SHA256 signature, header
 *   CRC-32;  then the payload as one zlib stream.
 *
 * The validator is sans-I/O: bytes go in as they arrive (Xmodem blocks, file
 * chunks), the result comes out.  It never holds more than the header and a
 * fixed inflate buffer, whatever the package declares.  Results are 0 (valid)
 * or the module's final result code for the failure (fact sheet §5.3), see
 * PKG_E_* below; the first failure found wins and later bytes are ignored.
 */
#ifndef SARASIM_PACKAGE_H
#define SARASIM_PACKAGE_H

#include <stddef.h>
#include <stdint.h>

#include "bytebuf.h"

#define PKG_HEADER_LEN 160
#define PKG_FORMAT_VERSION 1
#define PKG_MAGIC "\x89SPK\r\n\x1a\n"
#define PKG_MAGIC_LEN 8
/* Largest package and payload the module accepts: the flash holding the new
 * image is finite, and a declared size beyond it is refused up front (180). */
#define PKG_MAX_TOTAL (32ull * 1024 * 1024)
#define PKG_MAX_PAYLOAD (64ull * 1024 * 1024)

#define PKG_PRODUCT_MAX 32  /* field sizes, NUL included */
#define PKG_VERSION_MAX 24
#define PKG_SIGNATURE_LEN 32

/* The simulator signing key (HMAC-SHA256).  Not a secret: it exists so that
 * "signature mismatch" can be produced and detected. */
#define PKG_SIM_KEY "sarasim-simulator-signing-key-01"
#define PKG_SIG_HMAC_SHA256 1

/* Final result codes the validator returns (fact sheet §5.3). */
enum {
    PKG_OK = 0,
    PKG_E_GENERIC = 129,        /* internal zlib/OpenSSL failure */
    PKG_E_RAM = 141,            /* out of memory while validating */
    PKG_E_CORRUPTED = 148,      /* header CRC, inflate, payload length or CRC */
    PKG_E_FORMAT = 158,         /* not a package, bad field, or wrong kind for the method */
    PKG_E_NO_MATCH = 168,       /* delta whose source is not the installed firmware */
    PKG_E_SIGNATURE = 173,      /* HMAC differs */
    PKG_E_VERSION = 174,        /* unknown format version or malformed version string */
    PKG_E_SIZE = 180,           /* file shorter than declared, or declared size too large */
    PKG_E_PUBLIC_KEY = 227,     /* unknown signature scheme */
    PKG_E_PREVALIDATION = 247,  /* package is for another product */
};

typedef enum pkg_kind {
    PKG_KIND_FULL = 1,  /* complete .upd image, installed by FOAT (+UFWUPD) */
    PKG_KIND_DELTA = 2, /* difference from one version, +UFWINSTALL / uFOTA */
} pkg_kind;

typedef enum pkg_method {
    PKG_METHOD_FOAT,      /* +UFWUPD over Xmodem: expects a full image */
    PKG_METHOD_FWINSTALL, /* +UFWINSTALL from the file system: expects a delta */
    PKG_METHOD_UFOTA,     /* LwM2M download, installed on reboot: expects a delta */
} pkg_method;

typedef struct pkg_header {
    uint16_t format;        /* PKG_FORMAT_VERSION */
    uint16_t header_len;    /* PKG_HEADER_LEN */
    uint8_t kind;           /* pkg_kind */
    uint8_t sig_scheme;     /* PKG_SIG_HMAC_SHA256 */
    char product[PKG_PRODUCT_MAX];  /* "SARA-R510M8S-01B" */
    char from[PKG_VERSION_MAX];     /* "" for a full image */
    char to[PKG_VERSION_MAX];       /* "03.16,A00.01" */
    uint64_t total_len;     /* header + zlib stream: where Xmodem padding starts */
    uint64_t payload_len;   /* bytes the zlib stream inflates to */
    uint32_t payload_crc;   /* zlib crc32 of the inflated payload */
    uint8_t signature[PKG_SIGNATURE_LEN];
    uint32_t header_crc;    /* crc32 of header bytes 0..155 */
} pkg_header;

/* What the module checks the package against. */
typedef struct pkg_expect {
    pkg_method method;
    const char *model;           /* "SARA-R510M8S" */
    const char *product_version; /* "01B" */
    const char *installed;       /* installed firmware, "03.15,A00.01" */
} pkg_expect;

/* Text for a result code ("valid", "signature mismatch", ...). */
const char *pkg_result_text(int code);
const char *pkg_kind_name(int kind);     /* "full", "delta", "unknown" */
const char *pkg_method_name(pkg_method m); /* "foat", "fwinstall", "ufota" */
pkg_kind pkg_method_kind(pkg_method m);

/* 1 if v is a firmware version "MM.mm,Axx.yy" (optionally with an
 * engineering suffix "MM.mm_ENG0001,Axx.yy"). */
int pkg_version_valid(const char *v);
/* 1 if product has the shape every module compares with: "<model>-<product
 * version>", the version two digits and a capital ("SARA-R510M8S-01B").  A
 * bare model ("SARA-R510M8S") or the ATI type number ("...-01B-00") is
 * not: a package naming it matches no module. */
int pkg_product_valid(const char *product);
/* 1 if the package's product names this device: product is exactly
 * "<model>-<product version>". */
int pkg_product_matches(const char *product, const char *model, const char *product_version);

/* The deterministic generator behind step lists and generated payloads
 * (SplitMix64): advances *state and returns the next 64 bits. */
uint64_t pkg_rand_next(uint64_t *state);

/* ---- header ---- */

/* Decode and check the header's structure (not the expectations).  Returns 0,
 * or the result code: 158 no magic / bad field, 180 fewer than
 * PKG_HEADER_LEN bytes after a good magic or a declared size beyond the
 * limits, 174 unknown format version or malformed version string, 148 header
 * CRC mismatch, 227 unknown signature scheme.  h is filled whenever n covers
 * the header, even on failure, so a tool can show what it says. */
int pkg_header_parse(const uint8_t *p, size_t n, pkg_header *h);
/* Encode h into PKG_HEADER_LEN bytes; header_crc is computed, not taken from h. */
void pkg_header_encode(const pkg_header *h, uint8_t *out);

/* ---- validator ---- */

typedef struct pkg_validator pkg_validator;

/* 0, -ENOMEM, or -EINVAL if a string in e is longer than the matching
 * header field.  The strings are copied. */
int pkg_validator_create(pkg_validator **out, const pkg_expect *e);
void pkg_validator_destroy(pkg_validator *v);
/* Feed the next n bytes.  Returns 0 while nothing is wrong yet, else the
 * (sticky) result code of the first failure.  Bytes after the declared total
 * length are padding (Xmodem 0x1A / 0x00) and are ignored. */
int pkg_validator_feed(pkg_validator *v, const uint8_t *p, size_t n);
/* No more bytes: 0 if the package is valid, else the result code. */
int pkg_validator_finish(pkg_validator *v);
/* The decoded header once all of it has arrived after a good magic, else
 * NULL.  It may have failed its checks: the result says. */
const pkg_header *pkg_validator_header(const pkg_validator *v);
/* Byte offset at which the failure was found (for pacing the URCs). */
uint64_t pkg_validator_fail_offset(const pkg_validator *v);
/* One shot: create, feed, finish, destroy.  hdr (may be NULL) receives the
 * header if it parsed. */
int pkg_validate(const uint8_t *p, size_t n, const pkg_expect *e, pkg_header *hdr);

/* ---- progress and timing (docs/packages.md "Timing model") ---- */

#define PKG_STEPS_MAX 101
typedef struct pkg_steps {
    uint8_t pct[PKG_STEPS_MAX];
    unsigned n;
} pkg_steps;

/* +UFWPREVAL values: 0, uneven increments of 2..7, a last value in 90..96,
 * then 100 for about half of the packages (the app note says it may be
 * skipped).  Derived from the header CRC: the same package always gives the
 * same list.  h NULL (no parsable header) gives the list of a zero seed. */
void pkg_validation_steps(const pkg_header *h, pkg_steps *out);
/* +UFWUPD / +UUFWINSTALL values: 1, uneven increments of 1..8, always 100
 * last (the final 128 or error code is not part of the list). */
void pkg_install_steps(const pkg_header *h, pkg_steps *out);
/* The figures of the install-time model (their sources are in
 * sim/timing.h, which overrides them per device). */
typedef struct pkg_timing {
    uint64_t validate_base_ns, validate_ns_per_mb;  /* reading and checking */
    uint64_t full_base_ns, full_ns_per_mb;          /* full image: validation + install */
    uint64_t delta_base_ns, delta_ns_per_450kb;     /* delta: validation + install */
    uint64_t slow_agent_extra_ns;                   /* product versions 00x */
} pkg_timing;
void pkg_timing_default(pkg_timing *t);
/* Simulated durations in ns for this package on a module whose product
 * version is product_version ("00B" installs slower); t NULL: the defaults.
 * h NULL: validation of an unreadable file (the base), no installation. */
uint64_t pkg_validation_ns(const pkg_header *h, const pkg_timing *t);
uint64_t pkg_install_ns(const pkg_header *h, const char *product_version, const pkg_timing *t);
/* When the URC for step pct is due, counted from the phase's start. */
uint64_t pkg_step_due_ns(uint64_t phase_ns, unsigned pct);

/* ---- builder (protocol/package_build.c) ---- */

typedef enum pkg_break {
    PKG_BREAK_NONE,
    PKG_BREAK_SIGNATURE,    /* signed with another key: 173 */
    PKG_BREAK_PRODUCT,      /* built for the other product version: 247 */
    PKG_BREAK_FROM_VERSION, /* delta from the previous minor version: 168 */
    PKG_BREAK_TRUNCATE,     /* last quarter of the zlib stream cut off: 180 */
    PKG_BREAK_FLIP,         /* middle byte of the zlib stream inverted: 148 */
    PKG_BREAK_KIND,         /* the other kind than asked for: 158 */
} pkg_break;

typedef struct pkg_spec {
    pkg_kind kind;
    const char *product;    /* "SARA-R510M8S-01B" */
    const char *from;       /* delta only */
    const char *to;
    /* Payload: explicit bytes, or generated content from seed.  With
     * package_size != 0 the generated payload is sized so the package file
     * is exactly package_size bytes; otherwise payload_size bytes. */
    const uint8_t *payload;
    size_t payload_len;
    uint64_t payload_size;
    uint64_t package_size;
    uint64_t seed;
    pkg_break brk;
} pkg_spec;

/* Smallest package_size the builder can produce. */
#define PKG_MIN_PACKAGE_SIZE (PKG_HEADER_LEN + 11)

/* Build into out (appended).  0, -EINVAL (bad spec: product, version, break
 * that does not apply), -ERANGE (size out of range), -ENOMEM. */
int pkg_build(const pkg_spec *s, bytebuf *out);
/* Deterministic firmware-like content: bytes [offset, offset+n) of the
 * payload stream of seed. */
void pkg_payload_fill(uint64_t seed, uint64_t offset, uint8_t *buf, size_t n);
/* After editing a package in place (header fields, payload bytes), sign it
 * again with the simulator key and recompute the header CRC.  The signature
 * covers pkg[160 .. min(n, total_len)).  0 or -EINVAL (n < header). */
int pkg_reseal(uint8_t *pkg, size_t n);
/* HMAC-SHA256 over header bytes 0..115 and the zlib stream, with key. */
int pkg_sign(const uint8_t *hdr, const uint8_t *body, size_t body_len, const void *key,
             size_t key_len, uint8_t sig[PKG_SIGNATURE_LEN]);

#endif
