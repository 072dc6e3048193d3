/* credential.h - the certificates and keys of +USECMNG as the module keeps
 * them: what a host may import (PEM or DER; a private key possibly
 * encrypted), the DER form the module stores, its MD5 and the subject and
 * expiry a listing shows.  Pure functions over libcrypto: no modem, no I/O.
 *
 * ubxlib (common/security/api/u_security_credential.h): "The certificate/key
 * will be converted to DER format inside the module before it is stored"
 * and the MD5 is "of the DER-format credential as stored in the module". */
#ifndef SARASIM_CREDENTIAL_H
#define SARASIM_CREDENTIAL_H

#include <stddef.h>
#include <stdint.h>

/* <type> of +USECMNG, with the two-letter code its listing prints. */
typedef enum cred_type {
    CRED_ROOT_CA = 0,     /* "CA" */
    CRED_CLIENT_CERT = 1, /* "CC" */
    CRED_CLIENT_KEY = 2,  /* "PK" */
    CRED_SERVER_CERT = 3, /* "SC" */
    CRED_VERIFY_CERT = 4, /* "VC": signature verification certificate */
    CRED_VERIFY_KEY = 5,  /* "PU": signature verification public key */
    CRED__COUNT
} cred_type;

#define CRED_MD5_HEX_LEN 32
/* "YYYY/MM/DD HH:MM:SS", the expiry format ubxlib parses. */
#define CRED_EXPIRY_LEN 19

const char *cred_type_code(cred_type t);
/* An X.509 certificate type (the listing shows subject and expiry). */
int cred_is_certificate(cred_type t);

/* Parse what a host imported as a credential of type t and give its DER
 * form (malloc'd).  password decrypts an encrypted private key (NULL or ""
 * for none; an encrypted key without the right one is invalid).
 * 0, -EINVAL (not a valid credential of that type) or -ENOMEM. */
int cred_to_der(cred_type t, const uint8_t *in, size_t len, const char *password, uint8_t **der,
                size_t *der_len);

/* MD5 of p as 32 lower-case hex digits and a NUL.  0 or -EIO. */
int cred_md5_hex(const uint8_t *p, size_t n, char out[CRED_MD5_HEX_LEN + 1]);

/* Subject common name (cut to fit, "" when it has none) and expiry of a
 * DER certificate.  0 or -EINVAL. */
int cred_describe(const uint8_t *der, size_t len, char *subject, size_t subject_size,
                  char expiry[CRED_EXPIRY_LEN + 1]);

/* The credential store is the file system's internal SEC tag; a
 * credential of type t named name is the file "<code>.<name>" there, so
 * the same name may exist once per type. */
int cred_file_name(cred_type t, const char *name, char *buf, size_t size);
/* Inverse of cred_file_name: 0 with the type and a pointer to the name
 * inside file, -EINVAL for a file that is no credential. */
int cred_parse_file_name(const char *file, cred_type *t, const char **name);

#endif
