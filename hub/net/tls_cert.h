/* The hub's TLS certificate: a self-signed one made at `sae-hub init`, or the district's own,
 * checked before use; and the pin that posts receive in their enrollment bundle.
 *
 * Made with GnuTLS. Files are PEM. A post verifies the hub with libcurl (OpenSSL backend)
 * given the certificate as its only trust anchor (CURLOPT_CAINFO), host name verification on,
 * and the key pinned (CURLOPT_PINNEDPUBLICKEY = tls_cert_pin()). */
#ifndef HUB_TLS_CERT_H
#define HUB_TLS_CERT_H

#include <stddef.h>

#include "sae/sae_error.h"

/* Validity of a self-signed certificate unless the caller asks otherwise: ten years, because
 * every post would need a new bundle when it ends. */
#define TLS_CERT_DAYS_DEFAULT 3650u
/* The longest validity tls_cert_create_self_signed accepts. */
#define TLS_CERT_DAYS_MAX 10000u
/* The start of validity is set this far before the moment of creation, so that a post whose
 * clock runs behind (a flat CMOS battery puts it years back) still accepts a certificate
 * made today: two years. The certificate is pinned, so an early start weakens nothing. */
#define TLS_CERT_BACKDATE_SECONDS (2L * 366 * 24 * 3600)
/* At most this many names and addresses besides the three always included. */
#define TLS_CERT_HOSTS_MAX 32u
/* A certificate or key file larger than this is refused (SAE_ETOOBIG). */
#define TLS_CERT_FILE_MAX_BYTES (1024u * 1024)
/* Room for a pin: "sha256//" + 44 characters of base64 + NUL. */
#define TLS_CERT_PIN_BYTES 64u

/* Makes an ECDSA P-256 key and a self-signed X.509 v3 certificate for it, valid from
 * TLS_CERT_BACKDATE_SECONDS ago for `days` days (1..TLS_CERT_DAYS_MAX), signed with SHA-256.
 *
 * subjectAltName: "localhost", 127.0.0.1 and ::1, then each of hosts (host_count of them, at
 * most TLS_CERT_HOSTS_MAX): an IPv4 or IPv6 literal becomes an IP entry, anything else must
 * be a DNS name (letters, digits, hyphens, dots; labels 1..63 bytes, at most 253 bytes) and
 * becomes a DNS entry; duplicates are dropped. The subject CN is the first host given, or
 * "localhost". Key usage digitalSignature, extended key usage serverAuth, basic constraints
 * CA:FALSE, subject and authority key ids: libcurl with OpenSSL 3 accepts such a certificate
 * as its own trust anchor (tested), and the key cannot vouch for any other certificate.
 *
 * Both files are written with mode 0600, atomically (temporary file, fsync, link, fsync of
 * the directory), the key as unencrypted PKCS#8. Neither file is ever replaced: when either
 * exists nothing is written and the result is SAE_EEXIST. The key's PEM text is wiped from
 * memory after use.
 *
 * Returns 0, SAE_EINVAL (a host name, days, or NULL/equal paths), SAE_EEXIST, SAE_EIO
 * (writing), SAE_ECRYPTO (GnuTLS failed) or SAE_ENOMEM. */
int tls_cert_create_self_signed(const char *const *hosts, size_t host_count, unsigned days,
                                const char *cert_path, const char *key_path);

/* The pin of the (first) certificate in cert_path as libcurl's CURLOPT_PINNEDPUBLICKEY wants
 * it: "sha256//" + base64 of the SHA-256 of the DER SubjectPublicKeyInfo. It names the key, so
 * a certificate renewed with the same key keeps its pin. out (out_size bytes, at least
 * TLS_CERT_PIN_BYTES) is untouched on failure.
 *
 * Returns 0, SAE_EINVAL (not a PEM certificate, or out too small), SAE_ENOTFOUND, SAE_EIO,
 * SAE_ETOOBIG, SAE_ECRYPTO or SAE_ENOMEM. */
int tls_cert_pin(const char *cert_path, char *out, size_t out_size);

/* Checks a certificate and key the district brings before the hub uses them. cert_path may
 * hold a chain: its first certificate is the server's. Each failure has its own code, and why
 * says which file and what is wrong in one English sentence:
 *   SAE_ENOTFOUND  a file does not exist
 *   SAE_EIO        a file cannot be read (permissions, I/O error)
 *   SAE_ETOOBIG    a file is over TLS_CERT_FILE_MAX_BYTES
 *   SAE_EINVAL     not a PEM certificate; not an unencrypted PEM private key; or the
 *                  certificate's extended key usage excludes TLS servers
 *   SAE_ECRYPTO    the key does not belong to the certificate
 *   SAE_ERANGE     the certificate has expired or is not valid yet
 *   SAE_ENOMEM     out of memory */
int tls_cert_check_pair(const char *cert_path, const char *key_path, struct sae_message *why);

/* The contents of a PEM file, NUL-terminated (for libmicrohttpd), in *out (malloc'd; the
 * caller wipes and frees it) and its length without the NUL in *len. Codes as for
 * tls_cert_check_pair's file errors: SAE_ENOTFOUND, SAE_EIO, SAE_ETOOBIG, SAE_EINVAL (not a
 * regular file), SAE_ENOMEM. */
int tls_pem_read(const char *path, char **out, size_t *len);

/* Wipes and frees what tls_pem_read returned; NULL is allowed. */
void tls_pem_free(char *pem, size_t len);

#endif
