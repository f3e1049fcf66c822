/* What `sae-hub tls` shows and keeps of a certificate: its names, validity and pin, and the
 * pin of a key that has no certificate yet (the backup key). */
#include <arpa/inet.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <string.h>

#include "net/tls_cert.h"
#include "net/tls_cert_internal.h"

int tls_key_pin(const char *key_path, char *out, size_t out_size)
{
    gnutls_x509_privkey_t key = NULL;
    gnutls_privkey_t abstract = NULL;
    gnutls_pubkey_t pub = NULL;
    int rc = tls_key_load(key_path, &key, NULL);
    if (rc == 0)
        rc = tls_gnutls_result(gnutls_privkey_init(&abstract));
    if (rc == 0)
        rc = tls_gnutls_result(gnutls_privkey_import_x509(abstract, key, 0));
    if (rc == 0)
        rc = tls_gnutls_result(gnutls_pubkey_init(&pub));
    if (rc == 0)
        rc = tls_gnutls_result(gnutls_pubkey_import_privkey(pub, abstract, 0, 0));
    if (rc == 0)
        rc = tls_pubkey_pin(pub, out, out_size);
    if (pub)
        gnutls_pubkey_deinit(pub);
    if (abstract)
        gnutls_privkey_deinit(abstract);
    if (key)
        gnutls_x509_privkey_deinit(key);
    return rc;
}

/* The subjectAltName entries as text: DNS names as written, addresses in their usual form. */
static void read_hosts(gnutls_x509_crt_t crt, struct tls_cert_info *info)
{
    for (unsigned seq = 0;; seq++) {
        unsigned char raw[TLS_CERT_HOST_BYTES];
        size_t size = sizeof raw - 1;
        int type = gnutls_x509_crt_get_subject_alt_name(crt, seq, raw, &size, NULL);
        if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
            return;
        if (info->host_count == sizeof info->hosts / sizeof info->hosts[0]) {
            info->hosts_truncated = true;
            return;
        }
        char *host = info->hosts[info->host_count];
        if (type == GNUTLS_SAN_DNSNAME) {
            snprintf(host, TLS_CERT_HOST_BYTES, "%.*s", (int)size, (const char *)raw);
            info->host_count++;
        } else if (type == GNUTLS_SAN_IPADDRESS && (size == 4 || size == 16) &&
                   inet_ntop(size == 4 ? AF_INET : AF_INET6, raw, host, TLS_CERT_HOST_BYTES)) {
            info->host_count++;
        } else if (type < 0 && type != GNUTLS_E_SHORT_MEMORY_BUFFER) {
            return;
        }
        /* Other kinds of names (e-mail, URI) and oversized ones are not hosts: skipped. */
    }
}

static bool signs_itself(gnutls_x509_crt_t crt)
{
    unsigned status = 1;
    return gnutls_x509_crt_check_issuer(crt, crt) == 1 &&
           gnutls_x509_crt_verify(crt, &crt, 1, 0, &status) >= 0 && status == 0;
}

int tls_cert_describe(const char *cert_path, struct tls_cert_info *out)
{
    gnutls_x509_crt_t crt = NULL;
    struct tls_cert_info info;
    memset(&info, 0, sizeof info);
    int rc = tls_cert_load_first(cert_path, &crt, NULL);
    if (rc != 0)
        return rc;
    info.not_before = gnutls_x509_crt_get_activation_time(crt);
    info.not_after = gnutls_x509_crt_get_expiration_time(crt);
    info.self_signed = signs_itself(crt);
    read_hosts(crt, &info);
    gnutls_x509_crt_deinit(crt);
    rc = tls_cert_pin(cert_path, info.pin, sizeof info.pin);
    if (rc == 0)
        *out = info;
    return rc;
}

int tls_cert_fingerprint(const char *cert_path, char out[TLS_CERT_FINGERPRINT_BYTES])
{
    gnutls_x509_crt_t crt = NULL;
    unsigned char digest[32];
    size_t size = sizeof digest;
    int rc = tls_cert_load_first(cert_path, &crt, NULL);
    if (rc != 0)
        return rc;
    rc = tls_gnutls_result(gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, digest, &size));
    gnutls_x509_crt_deinit(crt);
    if (rc == 0 && size != sizeof digest)
        rc = SAE_ECRYPTO;
    for (size_t i = 0; rc == 0 && i < size; i++)
        snprintf(out + 3 * i, 4, "%02X%s", digest[i], i + 1 < size ? ":" : "");
    return rc;
}
