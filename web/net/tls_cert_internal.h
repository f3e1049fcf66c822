/* Shared by the hub's TLS certificate modules (tls_cert.c, tls_cert_read.c,
 * tls_cert_info.c); not for other layers: they use net/tls_cert.h. */
#ifndef WEB_TLS_CERT_INTERNAL_H
#define WEB_TLS_CERT_INTERNAL_H

#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "net/tls_cert.h"

/* GnuTLS's result as an SAE code: 0, SAE_ENOMEM or SAE_ECRYPTO. */
int tls_gnutls_result(int gnutls_rc);

/* The first certificate of a PEM file (a chain starts with the server's own); why (may be
 * NULL) names the file and the problem. */
int tls_cert_load_first(const char *path, gnutls_x509_crt_t *out, struct sae_message *why);

/* An unencrypted PEM private key (PKCS#8 or the algorithm's own form). */
int tls_key_load(const char *path, gnutls_x509_privkey_t *out, struct sae_message *why);

/* "sha256//" + base64 of the SHA-256 of pub's DER SubjectPublicKeyInfo into out. */
int tls_pubkey_pin(gnutls_pubkey_t pub, char *out, size_t out_size);

#endif
