/* Making the hub's keys and self-signed certificates, and writing them durably without ever
 * replacing a file. Reading, pinning and checking are in tls_cert_read.c and
 * tls_cert_info.c. */
#include "net/tls_cert.h"
#include "net/tls_cert_internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* One subjectAltName entry: a DNS name (text) or an IP address (4 or 16 bytes). */
struct san_entry {
    gnutls_x509_subject_alt_name_t type;
    unsigned char bytes[256];
    size_t len;
};

struct san_list {
    struct san_entry at[TLS_CERT_HOSTS_MAX + 3];
    size_t count;
};

#define DNS_NAME_MAX 253u
#define DNS_LABEL_MAX 63u

/* Letters, digits and hyphens in dot-separated labels of 1..63 bytes, no hyphen at either
 * end of a label: the names a certificate may carry (no wildcards, no trailing dot). */
static bool dns_name_valid(const char *name)
{
    size_t len = strlen(name), label = 0;
    if (len == 0 || len > DNS_NAME_MAX)
        return false;
    for (size_t i = 0; i <= len; i++) {
        char c = name[i];
        if (c == '.' || c == '\0') {
            if (label == 0 || name[i - 1] == '-')
                return false;
            label = 0;
            continue;
        }
        if (!isalnum((unsigned char)c) && c != '-')
            return false;
        if (label == 0 && c == '-')
            return false;
        if (++label > DNS_LABEL_MAX)
            return false;
    }
    return true;
}

static bool san_equal(const struct san_entry *a, const struct san_entry *b)
{
    if (a->type != b->type || a->len != b->len)
        return false;
    if (a->type == GNUTLS_SAN_DNSNAME)
        return strncasecmp((const char *)a->bytes, (const char *)b->bytes, a->len) == 0;
    return memcmp(a->bytes, b->bytes, a->len) == 0;
}

/* Classifies host as an IP literal or a DNS name and appends it unless already present. */
static int san_add(struct san_list *list, const char *host)
{
    struct san_entry e;
    memset(&e, 0, sizeof e);
    if (!host)
        return SAE_EINVAL;
    if (inet_pton(AF_INET, host, e.bytes) == 1) {
        e.type = GNUTLS_SAN_IPADDRESS;
        e.len = 4;
    } else if (inet_pton(AF_INET6, host, e.bytes) == 1) {
        e.type = GNUTLS_SAN_IPADDRESS;
        e.len = 16;
    } else if (dns_name_valid(host)) {
        e.type = GNUTLS_SAN_DNSNAME;
        e.len = strlen(host);
        memcpy(e.bytes, host, e.len);
    } else {
        return SAE_EINVAL;
    }
    for (size_t i = 0; i < list->count; i++)
        if (san_equal(&list->at[i], &e))
            return 0;
    if (list->count == sizeof list->at / sizeof list->at[0])
        return SAE_EINVAL;
    list->at[list->count++] = e;
    return 0;
}

static int san_list_build(const char *const *hosts, size_t host_count, struct san_list *list)
{
    static const char *const always[] = {"localhost", "127.0.0.1", "::1"};
    int rc = 0;
    list->count = 0;
    if (host_count > TLS_CERT_HOSTS_MAX || (host_count > 0 && !hosts))
        return SAE_EINVAL;
    for (size_t i = 0; i < sizeof always / sizeof always[0] && rc == 0; i++)
        rc = san_add(list, always[i]);
    for (size_t i = 0; i < host_count && rc == 0; i++)
        rc = san_add(list, hosts[i]);
    return rc;
}

static int gnutls_ok(int gnutls_rc)
{
    if (gnutls_rc >= 0)
        return 0;
    return gnutls_rc == GNUTLS_E_MEMORY_ERROR ? SAE_ENOMEM : SAE_ECRYPTO;
}

/* A positive 128-bit serial number whose first byte is never zero (DER would drop it). */
static int set_serial(gnutls_x509_crt_t crt)
{
    unsigned char serial[16];
    int rc = gnutls_ok(gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial));
    if (rc != 0)
        return rc;
    serial[0] = (unsigned char)((serial[0] & 0x3f) | 0x40);
    return gnutls_ok(gnutls_x509_crt_set_serial(crt, serial, sizeof serial));
}

static int set_names(gnutls_x509_crt_t crt, const struct san_list *sans, const char *cn)
{
    static const char org[] = "Rumah SAE Sync hub";
    int rc = gnutls_ok(gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
                                                     (unsigned)strlen(cn)));
    if (rc == 0)
        rc = gnutls_ok(gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_ORGANIZATION_NAME, 0,
                                                     org, sizeof org - 1));
    for (size_t i = 0; i < sans->count && rc == 0; i++)
        rc = gnutls_ok(gnutls_x509_crt_set_subject_alt_name(
            crt, sans->at[i].type, sans->at[i].bytes, (unsigned)sans->at[i].len,
            i == 0 ? GNUTLS_FSAN_SET : GNUTLS_FSAN_APPEND));
    return rc;
}

/* A server certificate that is its own trust anchor. OpenSSL 3 (libcurl's backend on the
 * posts) accepts a self-signed CA:FALSE certificate given as CURLOPT_CAINFO, so the key gets no
 * power to sign other certificates (test_tls_cert checks that libcurl accepts it). */
static int set_extensions(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key)
{
    unsigned char id[20];
    size_t id_len = sizeof id;
    int rc = gnutls_ok(gnutls_x509_crt_set_basic_constraints(crt, 0, -1));
    if (rc == 0)
        rc = gnutls_ok(gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE));
    if (rc == 0)
        rc = gnutls_ok(gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0));
    if (rc == 0)
        rc = gnutls_ok(gnutls_x509_privkey_get_key_id(key, GNUTLS_KEYID_USE_SHA1, id, &id_len));
    if (rc == 0)
        rc = gnutls_ok(gnutls_x509_crt_set_subject_key_id(crt, id, id_len));
    if (rc == 0)
        rc = gnutls_ok(gnutls_x509_crt_set_authority_key_id(crt, id, id_len));
    return rc;
}

static int build_certificate(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key,
                             const struct san_list *sans, const char *cn, time_t not_before,
                             time_t not_after)
{
    int rc = gnutls_ok(gnutls_x509_crt_set_version(crt, 3));
    if (rc == 0)
        rc = set_serial(crt);
    if (rc == 0)
        rc = gnutls_ok(gnutls_x509_crt_set_activation_time(crt, not_before));
    if (rc == 0)
        rc = gnutls_ok(gnutls_x509_crt_set_expiration_time(crt, not_after));
    if (rc == 0)
        rc = gnutls_ok(gnutls_x509_crt_set_key(crt, key));
    if (rc == 0)
        rc = set_names(crt, sans, cn);
    if (rc == 0)
        rc = set_extensions(crt, key);
    if (rc == 0)
        rc = gnutls_ok(gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0));
    return rc;
}

static int generate_key(gnutls_x509_privkey_t *out)
{
    gnutls_x509_privkey_t key = NULL;
    int rc = gnutls_ok(gnutls_x509_privkey_init(&key));
    if (rc == 0)
        rc = gnutls_ok(gnutls_x509_privkey_generate2(
            key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0, NULL, 0));
    if (rc != 0 && key)
        gnutls_x509_privkey_deinit(key);
    if (rc == 0)
        *out = key;
    return rc;
}

/* The certificate for key as PEM text. */
static int issue_pem(gnutls_x509_privkey_t key, const struct san_list *sans, const char *cn,
                     time_t not_before, time_t not_after, gnutls_datum_t *cert_pem)
{
    gnutls_x509_crt_t crt = NULL;
    int rc = gnutls_ok(gnutls_x509_crt_init(&crt));
    if (rc == 0)
        rc = build_certificate(crt, key, sans, cn, not_before, not_after);
    if (rc == 0)
        rc = gnutls_ok(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, cert_pem));
    if (crt)
        gnutls_x509_crt_deinit(crt);
    return rc;
}

/* The key and certificate as PEM text. *key_pem holds the secret: the caller wipes it. */
static int make_pair(const struct san_list *sans, const char *cn, time_t not_before,
                     time_t not_after, gnutls_datum_t *cert_pem, gnutls_datum_t *key_pem)
{
    gnutls_x509_privkey_t key = NULL;
    int rc = generate_key(&key);
    if (rc == 0)
        rc = issue_pem(key, sans, cn, not_before, not_after, cert_pem);
    if (rc == 0) {
        rc = gnutls_ok(gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, NULL,
                                                         GNUTLS_PKCS_PLAIN, key_pem));
        if (rc != 0) {
            gnutls_free(cert_pem->data);
            cert_pem->data = NULL;
        }
    }
    if (key)
        gnutls_x509_privkey_deinit(key);
    return rc;
}

static int write_all(int fd, const unsigned char *bytes, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, bytes, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return SAE_EIO;
        bytes += n;
        len -= (size_t)n;
    }
    return 0;
}

static int fsync_parent(const char *path)
{
    char *copy = strdup(path);
    int rc = SAE_ENOMEM, fd;
    if (!copy)
        return rc;
    fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    rc = fd >= 0 && fsync(fd) == 0 ? 0 : SAE_EIO;
    if (fd >= 0)
        close(fd);
    free(copy);
    return rc;
}

/* Writes bytes to a new file at path with mode 0600: a temporary file beside it, fsync'd,
 * then link()ed to path, which fails instead of replacing a file that appeared meanwhile. */
static int write_new_file(const char *path, const unsigned char *bytes, size_t len)
{
    static const char suffix[] = ".tmp-XXXXXX";
    size_t path_len = strlen(path);
    char *tmp = malloc(path_len + sizeof suffix);
    int rc = SAE_EIO, fd;
    if (!tmp)
        return SAE_ENOMEM;
    memcpy(tmp, path, path_len);
    memcpy(tmp + path_len, suffix, sizeof suffix);
    fd = mkstemp(tmp);
    if (fd < 0) {
        free(tmp);
        return SAE_EIO;
    }
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 && fchmod(fd, 0600) == 0 && write_all(fd, bytes, len) == 0 && fsync(fd) == 0)
        rc = 0;
    if (close(fd) != 0)
        rc = SAE_EIO;
    if (rc == 0 && link(tmp, path) != 0)
        rc = errno == EEXIST ? SAE_EEXIST : SAE_EIO;
    unlink(tmp);
    free(tmp);
    if (rc == 0)
        rc = fsync_parent(path);
    return rc;
}

static bool path_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 || errno != ENOENT;
}

/* The subject CN: the first host given, else "localhost". */
static const char *common_name(const char *const *hosts, size_t host_count)
{
    return host_count > 0 ? hosts[0] : "localhost";
}

static bool paths_usable(const char *a, const char *b)
{
    return a && b && *a && *b && strcmp(a, b) != 0;
}

/* From TLS_CERT_BACKDATE_SECONDS ago for days days (1..TLS_CERT_DAYS_MAX). */
static int validity_of(unsigned days, time_t *not_before, time_t *not_after)
{
    time_t now = time(NULL);
    if (days == 0 || days > TLS_CERT_DAYS_MAX)
        return SAE_EINVAL;
    if (now == (time_t)-1)
        return SAE_EIO;
    *not_before = now - TLS_CERT_BACKDATE_SECONDS;
    *not_after = now + (time_t)days * 86400;
    return 0;
}

int tls_cert_create_self_signed(const char *const *hosts, size_t host_count, unsigned days,
                                const char *cert_path, const char *key_path)
{
    struct san_list sans;
    gnutls_datum_t cert_pem = {NULL, 0}, key_pem = {NULL, 0};
    time_t not_before = 0, not_after = 0;
    if (!paths_usable(cert_path, key_path))
        return SAE_EINVAL;
    int rc = validity_of(days, &not_before, &not_after);
    if (rc == 0)
        rc = san_list_build(hosts, host_count, &sans);
    if (rc != 0)
        return rc;
    if (path_exists(cert_path) || path_exists(key_path))
        return SAE_EEXIST;
    rc = make_pair(&sans, common_name(hosts, host_count), not_before, not_after, &cert_pem,
                   &key_pem);
    if (rc != 0)
        return rc;
    rc = write_new_file(key_path, key_pem.data, key_pem.size);
    if (rc == 0) {
        rc = write_new_file(cert_path, cert_pem.data, cert_pem.size);
        /* A key without its certificate is useless and would block the next attempt. */
        if (rc != 0)
            unlink(key_path);
    }
    gnutls_memset(key_pem.data, 0, key_pem.size);
    gnutls_free(key_pem.data);
    gnutls_free(cert_pem.data);
    return rc;
}

int tls_key_create(const char *key_path)
{
    gnutls_x509_privkey_t key = NULL;
    gnutls_datum_t key_pem = {NULL, 0};
    if (!key_path || !*key_path)
        return SAE_EINVAL;
    if (path_exists(key_path))
        return SAE_EEXIST;
    int rc = generate_key(&key);
    if (rc == 0)
        rc = gnutls_ok(gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, NULL,
                                                         GNUTLS_PKCS_PLAIN, &key_pem));
    if (rc == 0)
        rc = write_new_file(key_path, key_pem.data, key_pem.size);
    gnutls_memset(key_pem.data, 0, key_pem.size);
    gnutls_free(key_pem.data);
    if (key)
        gnutls_x509_privkey_deinit(key);
    return rc;
}

int tls_cert_issue(const char *key_path, const char *const *hosts, size_t host_count,
                   time_t not_before, time_t not_after, const char *cert_path)
{
    struct san_list sans;
    gnutls_x509_privkey_t key = NULL;
    gnutls_datum_t cert_pem = {NULL, 0};
    if (!paths_usable(cert_path, key_path) || not_after <= not_before)
        return SAE_EINVAL;
    int rc = san_list_build(hosts, host_count, &sans);
    if (rc != 0)
        return rc;
    if (path_exists(cert_path))
        return SAE_EEXIST;
    rc = tls_key_load(key_path, &key, NULL);
    if (rc == 0)
        rc = issue_pem(key, &sans, common_name(hosts, host_count), not_before, not_after,
                       &cert_pem);
    if (rc == 0)
        rc = write_new_file(cert_path, cert_pem.data, cert_pem.size);
    gnutls_free(cert_pem.data);
    if (key)
        gnutls_x509_privkey_deinit(key);
    return rc;
}

int tls_cert_validity(unsigned days, time_t *not_before, time_t *not_after)
{
    return validity_of(days, not_before, not_after);
}
