/* Reading PEM files, computing the key pin posts receive, and checking a certificate and key
 * the district brings. */
#include <errno.h>
#include <fcntl.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "net/tls_cert.h"
#include "net/tls_cert_internal.h"

static const char PIN_PREFIX[] = "sha256//";
/* "sha256//", 44 characters of base64 and the NUL. */
#define PIN_TEXT_BYTES (sizeof PIN_PREFIX - 1 + sodium_base64_ENCODED_LEN(32, \
                                                  sodium_base64_VARIANT_ORIGINAL))

static int read_all(int fd, char *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = read(fd, buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return SAE_EIO;
        done += (size_t)n;
    }
    return 0;
}

int tls_pem_read(const char *path, char **out, size_t *len)
{
    struct stat st;
    char *buf;
    int rc, fd;
    if (!path || !out || !len)
        return SAE_EINVAL;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? SAE_ENOTFOUND : SAE_EIO;
    if (fstat(fd, &st) != 0)
        rc = SAE_EIO;
    else if (!S_ISREG(st.st_mode))
        rc = SAE_EINVAL;
    else if ((unsigned long long)st.st_size > TLS_CERT_FILE_MAX_BYTES)
        rc = SAE_ETOOBIG;
    else
        rc = 0;
    if (rc != 0) {
        close(fd);
        return rc;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        close(fd);
        return SAE_ENOMEM;
    }
    rc = read_all(fd, buf, (size_t)st.st_size);
    close(fd);
    if (rc != 0) {
        tls_pem_free(buf, (size_t)st.st_size);
        return rc;
    }
    buf[st.st_size] = '\0';
    *out = buf;
    *len = (size_t)st.st_size;
    return 0;
}

void tls_pem_free(char *pem, size_t len)
{
    if (!pem)
        return;
    sodium_memzero(pem, len);
    free(pem);
}

int tls_gnutls_result(int gnutls_rc)
{
    if (gnutls_rc >= 0)
        return 0;
    return gnutls_rc == GNUTLS_E_MEMORY_ERROR ? SAE_ENOMEM : SAE_ECRYPTO;
}

static const char *file_problem(int rc)
{
    switch (rc) {
    case SAE_ENOTFOUND: return "does not exist";
    case SAE_ETOOBIG: return "is too large to be a PEM file";
    case SAE_EINVAL: return "is not a regular file";
    case SAE_ENOMEM: return "cannot be read: out of memory";
    default: return "cannot be read";
    }
}

int tls_cert_load_first(const char *path, gnutls_x509_crt_t *out, struct sae_message *why)
{
    char *pem = NULL;
    size_t len = 0;
    gnutls_x509_crt_t *list = NULL;
    unsigned count = 0;
    int rc = tls_pem_read(path, &pem, &len);
    if (rc != 0) {
        sae_message_set(why, "certificate file %s %s", path, file_problem(rc));
        return rc;
    }
    gnutls_datum_t data = {(unsigned char *)pem, (unsigned)len};
    int grc = gnutls_x509_crt_list_import2(&list, &count, &data, GNUTLS_X509_FMT_PEM, 0);
    tls_pem_free(pem, len);
    if (grc == GNUTLS_E_MEMORY_ERROR)
        return SAE_ENOMEM;
    if (grc < 0 || count == 0) {
        sae_message_set(why, "%s holds no PEM certificate", path);
        return SAE_EINVAL;
    }
    for (unsigned i = 1; i < count; i++)
        gnutls_x509_crt_deinit(list[i]);
    *out = list[0];
    gnutls_free(list);
    return 0;
}

int tls_pubkey_pin(gnutls_pubkey_t pub, char *out, size_t out_size)
{
    gnutls_datum_t der = {NULL, 0};
    unsigned char digest[32];
    char b64[sodium_base64_ENCODED_LEN(sizeof digest, sodium_base64_VARIANT_ORIGINAL)];
    if (!out || out_size < PIN_TEXT_BYTES)
        return SAE_EINVAL;
    int rc = tls_gnutls_result(gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &der));
    if (rc == 0)
        rc = tls_gnutls_result(gnutls_hash_fast(GNUTLS_DIG_SHA256, der.data, der.size, digest));
    gnutls_free(der.data);
    if (rc != 0)
        return rc;
    sodium_bin2base64(b64, sizeof b64, digest, sizeof digest, sodium_base64_VARIANT_ORIGINAL);
    memcpy(out, PIN_PREFIX, sizeof PIN_PREFIX - 1);
    memcpy(out + sizeof PIN_PREFIX - 1, b64, sizeof b64);
    return 0;
}

int tls_cert_pin(const char *cert_path, char *out, size_t out_size)
{
    gnutls_x509_crt_t crt = NULL;
    gnutls_pubkey_t pub = NULL;
    if (!out || out_size < PIN_TEXT_BYTES)
        return SAE_EINVAL;
    int rc = tls_cert_load_first(cert_path, &crt, NULL);
    if (rc == 0)
        rc = tls_gnutls_result(gnutls_pubkey_init(&pub));
    if (rc == 0)
        rc = tls_gnutls_result(gnutls_pubkey_import_x509(pub, crt, 0));
    if (rc == 0)
        rc = tls_pubkey_pin(pub, out, out_size);
    if (pub)
        gnutls_pubkey_deinit(pub);
    if (crt)
        gnutls_x509_crt_deinit(crt);
    return rc;
}

int tls_key_load(const char *path, gnutls_x509_privkey_t *out, struct sae_message *why)
{
    char *pem = NULL;
    size_t len = 0;
    gnutls_x509_privkey_t key = NULL;
    int rc = tls_pem_read(path, &pem, &len);
    if (rc != 0) {
        sae_message_set(why, "key file %s %s", path, file_problem(rc));
        return rc;
    }
    gnutls_datum_t data = {(unsigned char *)pem, (unsigned)len};
    rc = tls_gnutls_result(gnutls_x509_privkey_init(&key));
    if (rc == 0 && gnutls_x509_privkey_import2(key, &data, GNUTLS_X509_FMT_PEM, NULL, 0) < 0) {
        sae_message_set(why, "%s is not an unencrypted PEM private key", path);
        rc = SAE_EINVAL;
    }
    tls_pem_free(pem, len);
    if (rc != 0) {
        if (key)
            gnutls_x509_privkey_deinit(key);
        return rc;
    }
    *out = key;
    return 0;
}

/* A certificate without extended key usage may serve anything; with one, it must name TLS
 * servers (or any purpose), or every post would refuse it. */
static bool usable_by_servers(gnutls_x509_crt_t crt)
{
    for (unsigned i = 0;; i++) {
        char oid[128];
        size_t size = sizeof oid;
        int grc = gnutls_x509_crt_get_key_purpose_oid(crt, i, oid, &size, NULL);
        if (grc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
            return i == 0;
        if (grc < 0)
            return false;
        if (strcmp(oid, GNUTLS_KP_TLS_WWW_SERVER) == 0 || strcmp(oid, GNUTLS_KP_ANY) == 0)
            return true;
    }
}

static int check_validity(gnutls_x509_crt_t crt, const char *path, struct sae_message *why)
{
    time_t now = time(NULL);
    time_t begins = gnutls_x509_crt_get_activation_time(crt);
    time_t ends = gnutls_x509_crt_get_expiration_time(crt);
    if (begins == (time_t)-1 || ends == (time_t)-1) {
        sae_message_set(why, "%s has no readable validity period", path);
        return SAE_EINVAL;
    }
    if (now > ends) {
        sae_message_set(why, "the certificate in %s has expired", path);
        return SAE_ERANGE;
    }
    if (now < begins) {
        sae_message_set(why, "the certificate in %s is not valid yet (check this computer's "
                             "date)", path);
        return SAE_ERANGE;
    }
    return 0;
}

/* Whether key is the private half of crt's public key: both key ids hash the public
 * parameters. */
static int check_match(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key, const char *cert_path,
                       const char *key_path, struct sae_message *why)
{
    unsigned char crt_id[64], key_id[64];
    size_t crt_len = sizeof crt_id, key_len = sizeof key_id;
    int rc = tls_gnutls_result(gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA256, crt_id,
                                                      &crt_len));
    if (rc == 0)
        rc = tls_gnutls_result(gnutls_x509_privkey_get_key_id(key, GNUTLS_KEYID_USE_SHA256, key_id,
                                                          &key_len));
    if (rc != 0) {
        sae_message_set(why, "cannot compare %s with %s", key_path, cert_path);
        return rc;
    }
    if (crt_len != key_len || memcmp(crt_id, key_id, crt_len) != 0) {
        sae_message_set(why, "the key in %s does not belong to the certificate in %s", key_path,
                        cert_path);
        return SAE_ECRYPTO;
    }
    return 0;
}

int tls_cert_check_pair(const char *cert_path, const char *key_path, struct sae_message *why)
{
    gnutls_x509_crt_t crt = NULL;
    gnutls_x509_privkey_t key = NULL;
    int rc;
    if (!cert_path || !key_path) {
        sae_message_set(why, "a certificate and a key file are both needed");
        return SAE_EINVAL;
    }
    rc = tls_cert_load_first(cert_path, &crt, why);
    if (rc == 0)
        rc = tls_key_load(key_path, &key, why);
    if (rc == 0)
        rc = check_match(crt, key, cert_path, key_path, why);
    if (rc == 0)
        rc = check_validity(crt, cert_path, why);
    if (rc == 0 && !usable_by_servers(crt)) {
        sae_message_set(why, "the certificate in %s is not for TLS servers (extended key "
                             "usage)", cert_path);
        rc = SAE_EINVAL;
    }
    if (key)
        gnutls_x509_privkey_deinit(key);
    if (crt)
        gnutls_x509_crt_deinit(crt);
    return rc;
}
