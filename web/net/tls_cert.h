/* The hub's TLS keys and certificates: a self-signed certificate made at `sae-hub init` and
 * renewed for the same key by `sae-hub tls renew`, or the district's own, checked before
 * use; the backup key of a key roll; and the pins posts trust.
 *
 * Made with GnuTLS. Files are PEM. A post trusts the hub by its key alone: libcurl (OpenSSL
 * backend) with certificate and host name verification off and the keys pinned
 * (CURLOPT_PINNEDPUBLICKEY = "sha256//..;sha256//.."), so neither a certificate's dates nor
 * its names nor its issuer matter to a post, only its key. */
#ifndef WEB_TLS_CERT_H
#define WEB_TLS_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "sae/sae_error.h"

/* Validity of a self-signed certificate unless the caller asks otherwise: two years. Posts
 * pin the key, so `sae-hub tls renew` makes the next certificate for the same key and no
 * post notices. */
#define TLS_CERT_DAYS_DEFAULT 730u
/* The longest validity tls_cert_create_self_signed accepts. */
#define TLS_CERT_DAYS_MAX 10000u
/* The start of validity is set this far before the moment of creation, for tools whose
 * clock runs a little behind. Posts do not look at the dates at all (they pin the key). */
#define TLS_CERT_BACKDATE_SECONDS (24L * 3600)
/* At most this many names and addresses besides the three always included. */
#define TLS_CERT_HOSTS_MAX 32u
/* A certificate or key file larger than this is refused (SAE_ETOOBIG). */
#define TLS_CERT_FILE_MAX_BYTES (1024u * 1024)
/* Room for a pin: "sha256//" + 44 characters of base64 + NUL. */
#define TLS_CERT_PIN_BYTES 64u
/* Room for one host name of a certificate (253 bytes) and its NUL. */
#define TLS_CERT_HOST_BYTES 256u

/* Makes an ECDSA P-256 key and a self-signed X.509 v3 certificate for it (the certificate as
 * tls_cert_issue makes it), valid from
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

/* A new ECDSA P-256 key in key_path (0600, unencrypted PKCS#8, written as
 * tls_cert_create_self_signed writes, never replacing a file: SAE_EEXIST). For the backup
 * key of a roll. 0, SAE_EINVAL, SAE_EEXIST, SAE_EIO, SAE_ECRYPTO or SAE_ENOMEM. */
int tls_key_create(const char *key_path);

/* A self-signed certificate for the key in key_path, valid from not_before to not_after,
 * with the names of tls_cert_create_self_signed, written to cert_path (0600, never replacing
 * a file: SAE_EEXIST). Renewal writes it beside the old one and renames it over. Also
 * SAE_EINVAL (a host, equal paths, not_after <= not_before, not a key), SAE_ENOTFOUND,
 * SAE_EIO, SAE_ECRYPTO, SAE_ENOMEM. */
int tls_cert_issue(const char *key_path, const char *const *hosts, size_t host_count,
                   time_t not_before, time_t not_after, const char *cert_path);

/* The validity tls_cert_create_self_signed gives a certificate made now for days days
 * (1..TLS_CERT_DAYS_MAX, else SAE_EINVAL). */
int tls_cert_validity(unsigned days, time_t *not_before, time_t *not_after);

/* The pin of the public half of the private key in key_path (the backup key, before it has
 * a certificate). Codes as tls_cert_pin. */
int tls_key_pin(const char *key_path, char *out, size_t out_size);

/* What `sae-hub tls status` shows of the (first) certificate in a file. */
struct tls_cert_info {
    char pin[TLS_CERT_PIN_BYTES];
    time_t not_before, not_after;
    bool self_signed;     /* signed by its own key */
    size_t host_count;    /* subjectAltName DNS names and addresses, in the certificate's order */
    char hosts[TLS_CERT_HOSTS_MAX + 3][TLS_CERT_HOST_BYTES];
    bool hosts_truncated; /* it has more names than hosts holds */
};
int tls_cert_describe(const char *cert_path, struct tls_cert_info *out);

/* The pin of the (first) certificate in cert_path as libcurl's CURLOPT_PINNEDPUBLICKEY wants
 * it: "sha256//" + base64 of the SHA-256 of the DER SubjectPublicKeyInfo. It names the key, so
 * a certificate renewed with the same key keeps its pin. out (out_size bytes, at least
 * TLS_CERT_PIN_BYTES) is untouched on failure.
 *
 * Returns 0, SAE_EINVAL (not a PEM certificate, or out too small), SAE_ENOTFOUND, SAE_EIO,
 * SAE_ETOOBIG, SAE_ECRYPTO or SAE_ENOMEM. */
int tls_cert_pin(const char *cert_path, char *out, size_t out_size);

/* The SHA-256 fingerprint of the (first) certificate in cert_path as browsers show it: 32
 * bytes in upper-case hex separated by colons ("AB:CD:..."), TLS_CERT_FINGERPRINT_BYTES with
 * the NUL. Codes as tls_cert_pin. */
#define TLS_CERT_FINGERPRINT_BYTES 96u
int tls_cert_fingerprint(const char *cert_path, char out[TLS_CERT_FINGERPRINT_BYTES]);

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
