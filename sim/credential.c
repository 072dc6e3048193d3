/* credential.c - parsing and describing +USECMNG credentials with libcrypto
 * (see credential.h). */
#include "credential.h"

#include <errno.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const type_codes[CRED__COUNT] = { "CA", "CC", "PK", "SC", "VC", "PU" };

const char *cred_type_code(cred_type t) { return t < CRED__COUNT ? type_codes[t] : "??"; }

int cred_is_certificate(cred_type t)
{
    return t == CRED_ROOT_CA || t == CRED_CLIENT_CERT || t == CRED_SERVER_CERT || t == CRED_VERIFY_CERT;
}

/* libcrypto's password callback.  Without one, PEM_read_* would ask the
 * terminal: a host-supplied password or nothing at all, never a prompt. */
static int password_cb(char *buf, int size, int rwflag, void *u)
{
    (void)rwflag;
    const char *pw = u;
    if (!pw || !*pw || size <= 0)
        return -1;
    int n = (int)strlen(pw);
    if (n > size)
        return -1;
    memcpy(buf, pw, (size_t)n);
    return n;
}

static int looks_pem(const uint8_t *in, size_t len)
{
    static const char mark[] = "-----BEGIN ";
    for (size_t i = 0; i + sizeof(mark) - 1 <= len; i++)
        if (memcmp(in + i, mark, sizeof(mark) - 1) == 0)
            return 1;
    return 0;
}

static X509 *parse_cert(BIO *b, int pem)
{
    return pem ? PEM_read_bio_X509(b, NULL, password_cb, NULL) : d2i_X509_bio(b, NULL);
}

static EVP_PKEY *parse_private_key(BIO *b, int pem, const char *password)
{
    void *u = (void *)password;
    if (pem)
        return PEM_read_bio_PrivateKey(b, NULL, password_cb, u);
    /* DER: a PKCS#8 (possibly encrypted) key, else a traditional one */
    EVP_PKEY *k = d2i_PKCS8PrivateKey_bio(b, NULL, password_cb, u);
    if (!k && BIO_reset(b) == 0)
        k = d2i_PrivateKey_bio(b, NULL);
    return k;
}

static EVP_PKEY *parse_public_key(BIO *b, int pem)
{
    return pem ? PEM_read_bio_PUBKEY(b, NULL, password_cb, NULL) : d2i_PUBKEY_bio(b, NULL);
}

/* i2d_* into a malloc'd buffer: the length, or -1. */
static int der_cert(X509 *x, uint8_t **out) { return x ? i2d_X509(x, out) : -1; }
static int der_private_key(EVP_PKEY *k, uint8_t **out) { return k ? i2d_PrivateKey(k, out) : -1; }
static int der_public_key(EVP_PKEY *k, uint8_t **out) { return k ? i2d_PUBKEY(k, out) : -1; }

/* libcrypto allocates with OPENSSL_malloc: hand the caller a malloc'd copy. */
static int take_der(uint8_t *ossl, int n, uint8_t **der, size_t *der_len)
{
    if (n <= 0)
        return -EINVAL;
    *der = malloc((size_t)n);
    if (*der)
        memcpy(*der, ossl, (size_t)n);
    OPENSSL_free(ossl);
    if (!*der)
        return -ENOMEM;
    *der_len = (size_t)n;
    return 0;
}

int cred_to_der(cred_type t, const uint8_t *in, size_t len, const char *password, uint8_t **der,
                size_t *der_len)
{
    if (t >= CRED__COUNT || !len || len > (size_t)0x7FFFFFFF)
        return -EINVAL;
    BIO *b = BIO_new_mem_buf(in, (int)len);
    if (!b)
        return -ENOMEM;
    int pem = looks_pem(in, len);
    uint8_t *ossl = NULL;
    int n = -1;
    if (cred_is_certificate(t)) {
        X509 *x = parse_cert(b, pem);
        n = der_cert(x, &ossl);
        X509_free(x);
    } else {
        EVP_PKEY *k = t == CRED_CLIENT_KEY ? parse_private_key(b, pem, password) : parse_public_key(b, pem);
        n = t == CRED_CLIENT_KEY ? der_private_key(k, &ossl) : der_public_key(k, &ossl);
        EVP_PKEY_free(k);
    }
    BIO_free(b);
    ERR_clear_error(); /* a failed parse leaves its reasons on this thread's queue */
    return take_der(ossl, n, der, der_len);
}

int cred_md5_hex(const uint8_t *p, size_t n, char out[CRED_MD5_HEX_LEN + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(p, n, md, &mdlen, EVP_md5(), NULL) || mdlen != 16) {
        ERR_clear_error();
        return -EIO;
    }
    for (unsigned i = 0; i < mdlen; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return 0;
}

int cred_describe(const uint8_t *der, size_t len, char *subject, size_t subject_size,
                  char expiry[CRED_EXPIRY_LEN + 1])
{
    const unsigned char *p = der;
    X509 *x = len <= 0x7FFFFFFF ? d2i_X509(NULL, &p, (long)len) : NULL;
    struct tm tm;
    if (!x || !ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm)) {
        X509_free(x);
        ERR_clear_error();
        return -EINVAL;
    }
    if (strftime(expiry, CRED_EXPIRY_LEN + 1, "%Y/%m/%d %H:%M:%S", &tm) != CRED_EXPIRY_LEN) {
        X509_free(x);
        return -EINVAL; /* a year beyond 9999 has no place in the listing */
    }
    subject[0] = 0;
    if (subject_size > 1 &&
        X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, subject, (int)subject_size) < 0)
        subject[0] = 0;
    X509_free(x);
    ERR_clear_error();
    return 0;
}

int cred_file_name(cred_type t, const char *name, char *buf, size_t size)
{
    if (t >= CRED__COUNT)
        return -EINVAL;
    int n = snprintf(buf, size, "%s.%s", type_codes[t], name);
    return n < 0 || (size_t)n >= size ? -EINVAL : 0;
}

int cred_parse_file_name(const char *file, cred_type *t, const char **name)
{
    for (int i = 0; i < CRED__COUNT; i++) {
        if (strncmp(file, type_codes[i], 2) == 0 && file[2] == '.' && file[3]) {
            *t = (cred_type)i;
            *name = file + 3;
            return 0;
        }
    }
    return -EINVAL;
}
