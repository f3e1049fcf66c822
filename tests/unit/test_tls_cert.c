/* The hub's certificate: what tls_cert_create_self_signed writes (read back with GnuTLS's
 * X.509 parser), that it never replaces a file, the pin, and each refusal of
 * tls_cert_check_pair. That libcurl accepts the certificate and pin is tested against the
 * real server in test_http_server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "net/tls_cert.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct fixture {
    char dir[64];
    char cert[128], key[128], extra[128];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/sae-cert-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->cert, sizeof f->cert, "%s/hub.crt", f->dir);
    snprintf(f->key, sizeof f->key, "%s/hub.key", f->dir);
    snprintf(f->extra, sizeof f->extra, "%s/extra.pem", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    DIR *d = opendir(f->dir);
    struct dirent *e;
    char path[400];
    assert_non_null(d);
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", f->dir, e->d_name);
        assert_int_equal(unlink(path), 0);
    }
    closedir(d);
    assert_int_equal(rmdir(f->dir), 0);
    free(f);
    return 0;
}

static size_t dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0;
    assert_non_null(d);
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static mode_t mode_of(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_mode & 07777;
}

static gnutls_x509_crt_t load_cert(const char *path)
{
    gnutls_datum_t data = {NULL, 0};
    gnutls_x509_crt_t crt;
    assert_int_equal(gnutls_load_file(path, &data), 0);
    assert_int_equal(gnutls_x509_crt_init(&crt), 0);
    assert_int_equal(gnutls_x509_crt_import(crt, &data, GNUTLS_X509_FMT_PEM), 0);
    gnutls_free(data.data);
    return crt;
}

static void write_text(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    assert_int_equal(close(fd), 0);
}

/* The subjectAltName entries, as "DNS:name" and "IP:address" strings. */
static size_t san_list(gnutls_x509_crt_t crt, char out[][64], size_t cap)
{
    size_t n = 0;
    for (unsigned seq = 0; n < cap; seq++) {
        unsigned char raw[256];
        size_t size = sizeof raw;
        int type = gnutls_x509_crt_get_subject_alt_name(crt, seq, raw, &size, NULL);
        if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
            break;
        assert_true(type >= 0);
        if (type == GNUTLS_SAN_DNSNAME) {
            snprintf(out[n++], 64, "DNS:%.*s", (int)size, (const char *)raw);
        } else {
            char text[INET6_ADDRSTRLEN];
            assert_int_equal(type, GNUTLS_SAN_IPADDRESS);
            assert_non_null(inet_ntop(size == 4 ? AF_INET : AF_INET6, raw, text, sizeof text));
            snprintf(out[n++], 64, "IP:%s", text);
        }
    }
    return n;
}

static void test_create_writes_pair_with_names(void **state)
{
    struct fixture *f = *state;
    const char *hosts[] = {"hub.dp3ap2kb.probolinggokab.go.id", "10.20.30.40", "fd00::7",
                           "LOCALHOST", "127.0.0.1"};
    static const char *const want[] = {"DNS:localhost", "IP:127.0.0.1", "IP:::1",
                                       "DNS:hub.dp3ap2kb.probolinggokab.go.id",
                                       "IP:10.20.30.40", "IP:fd00::7"};
    char sans[16][64], cn[128];
    size_t cn_len = sizeof cn;
    unsigned ca = 99, usage = 0;
    time_t now = time(NULL);
    assert_int_equal(tls_cert_create_self_signed(hosts, COUNT(hosts), 365, f->cert, f->key), 0);
    assert_int_equal(mode_of(f->cert), 0600);
    assert_int_equal(mode_of(f->key), 0600);
    assert_int_equal(dir_entries(f->dir), 2); /* no temporary file left behind */

    gnutls_x509_crt_t crt = load_cert(f->cert);
    /* Duplicates (LOCALHOST, 127.0.0.1) appear once. */
    size_t n = san_list(crt, sans, COUNT(sans));
    assert_int_equal(n, COUNT(want));
    for (size_t i = 0; i < n; i++)
        assert_string_equal(sans[i], want[i]);
    assert_int_equal(gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn,
                                                   &cn_len), 0);
    assert_string_equal(cn, hosts[0]);
    assert_int_equal(gnutls_x509_crt_get_version(crt), 3);
    assert_int_equal(gnutls_x509_crt_get_pk_algorithm(crt, NULL), GNUTLS_PK_ECDSA);
    assert_int_equal(gnutls_x509_crt_get_basic_constraints(crt, NULL, &ca, NULL), 0);
    assert_int_equal(ca, 0);
    assert_true(gnutls_x509_crt_get_key_usage(crt, &usage, NULL) >= 0);
    assert_int_equal(usage, GNUTLS_KEY_DIGITAL_SIGNATURE);
    char oid[64];
    size_t oid_len = sizeof oid;
    assert_int_equal(gnutls_x509_crt_get_key_purpose_oid(crt, 0, oid, &oid_len, NULL), 0);
    assert_string_equal(oid, GNUTLS_KP_TLS_WWW_SERVER);
    /* Valid from a week ago (clocks behind) for the days asked. */
    assert_true(gnutls_x509_crt_get_activation_time(crt) <= now - TLS_CERT_BACKDATE_SECONDS + 5);
    time_t ends = gnutls_x509_crt_get_expiration_time(crt);
    assert_true(ends >= now + 365L * 86400 - 5 && ends <= time(NULL) + 365L * 86400 + 5);
    /* Self-signed: its own key verifies it. */
    unsigned status = 99;
    assert_int_equal(gnutls_x509_crt_verify(crt, &crt, 1, 0, &status), 0);
    assert_int_equal(status, 0);
    gnutls_x509_crt_deinit(crt);

    struct sae_message why = {{0}};
    assert_int_equal(tls_cert_check_pair(f->cert, f->key, &why), 0);
}

static void test_create_without_hosts_has_loopback_names(void **state)
{
    struct fixture *f = *state;
    char sans[8][64];
    assert_int_equal(tls_cert_create_self_signed(NULL, 0, 1, f->cert, f->key), 0);
    gnutls_x509_crt_t crt = load_cert(f->cert);
    assert_int_equal(san_list(crt, sans, COUNT(sans)), 3);
    assert_string_equal(sans[0], "DNS:localhost");
    assert_string_equal(sans[1], "IP:127.0.0.1");
    assert_string_equal(sans[2], "IP:::1");
    gnutls_x509_crt_deinit(crt);
}

static void test_create_never_replaces(void **state)
{
    struct fixture *f = *state;
    char pin_before[TLS_CERT_PIN_BYTES], pin_after[TLS_CERT_PIN_BYTES];
    assert_int_equal(tls_cert_create_self_signed(NULL, 0, 30, f->cert, f->key), 0);
    assert_int_equal(tls_cert_pin(f->cert, pin_before, sizeof pin_before), 0);
    assert_int_equal(tls_cert_create_self_signed(NULL, 0, 30, f->cert, f->key), SAE_EEXIST);
    assert_int_equal(tls_cert_pin(f->cert, pin_after, sizeof pin_after), 0);
    assert_string_equal(pin_before, pin_after);

    /* Either file existing is enough, and nothing is written beside it. */
    assert_int_equal(tls_cert_create_self_signed(NULL, 0, 30, f->extra, f->key), SAE_EEXIST);
    assert_int_equal(access(f->extra, F_OK), -1);
    assert_int_equal(tls_cert_create_self_signed(NULL, 0, 30, f->cert, f->extra), SAE_EEXIST);
    assert_int_equal(access(f->extra, F_OK), -1);
    assert_int_equal(dir_entries(f->dir), 2);
}

static void test_create_refuses_bad_input(void **state)
{
    struct fixture *f = *state;
    static const char *const bad[] = {"", "hub example", "-hub.id", "hub-.id", "a..b", ".hub",
                                      "hub.", "*.hub.id", "hub_1.id", "[::1]", "hüb.id",
                                      "1.2.3.4:443"};
    char label64[80];
    memset(label64, 'a', 64);
    label64[64] = '\0';
    for (size_t i = 0; i < COUNT(bad); i++) {
        const char *hosts[] = {"hub.id", bad[i]};
        assert_int_equal(tls_cert_create_self_signed(hosts, 2, 30, f->cert, f->key), SAE_EINVAL);
    }
    const char *long_label[] = {label64};
    assert_int_equal(tls_cert_create_self_signed(long_label, 1, 30, f->cert, f->key), SAE_EINVAL);
    label64[63] = '\0'; /* 63 bytes: the longest label allowed */
    const char *max_label[] = {label64};
    const char *many[TLS_CERT_HOSTS_MAX + 1];
    for (size_t i = 0; i < COUNT(many); i++)
        many[i] = "hub.id";
    const char *null_host[] = {NULL};
    assert_int_equal(tls_cert_create_self_signed(many, COUNT(many), 30, f->cert, f->key),
                     SAE_EINVAL);
    assert_int_equal(tls_cert_create_self_signed(null_host, 1, 30, f->cert, f->key), SAE_EINVAL);
    assert_int_equal(tls_cert_create_self_signed(NULL, 1, 30, f->cert, f->key), SAE_EINVAL);
    assert_int_equal(tls_cert_create_self_signed(NULL, 0, 0, f->cert, f->key), SAE_EINVAL);
    assert_int_equal(tls_cert_create_self_signed(NULL, 0, TLS_CERT_DAYS_MAX + 1, f->cert, f->key),
                     SAE_EINVAL);
    assert_int_equal(tls_cert_create_self_signed(NULL, 0, 30, f->cert, f->cert), SAE_EINVAL);
    assert_int_equal(tls_cert_create_self_signed(NULL, 0, 30, NULL, f->key), SAE_EINVAL);
    assert_int_equal(dir_entries(f->dir), 0);
    assert_int_equal(tls_cert_create_self_signed(max_label, 1, TLS_CERT_DAYS_MAX, f->cert, f->key),
                     0);
}

static void test_create_in_missing_directory_fails(void **state)
{
    struct fixture *f = *state;
    char cert[200], key[200];
    snprintf(cert, sizeof cert, "%s/missing/hub.crt", f->dir);
    snprintf(key, sizeof key, "%s/missing/hub.key", f->dir);
    assert_int_equal(tls_cert_create_self_signed(NULL, 0, 30, cert, key), SAE_EIO);
    assert_int_equal(dir_entries(f->dir), 0);
}

static void test_pin_format_and_errors(void **state)
{
    struct fixture *f = *state;
    char pin[TLS_CERT_PIN_BYTES], small[40];
    unsigned char id[32];
    size_t id_len = sizeof id;
    gnutls_datum_t raw = {id, sizeof id}, b64 = {NULL, 0};
    assert_int_equal(tls_cert_create_self_signed(NULL, 0, 30, f->cert, f->key), 0);
    assert_int_equal(tls_cert_pin(f->cert, pin, sizeof pin), 0);
    assert_int_equal(strlen(pin), 8 + 44);
    assert_memory_equal(pin, "sha256//", 8);
    /* GnuTLS's own SHA-256 key id is the hash of the SubjectPublicKeyInfo. */
    gnutls_x509_crt_t crt = load_cert(f->cert);
    assert_int_equal(gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA256, id, &id_len), 0);
    gnutls_x509_crt_deinit(crt);
    assert_int_equal(gnutls_base64_encode2(&raw, &b64), 0);
    assert_int_equal(b64.size, 44);
    assert_memory_equal(pin + 8, b64.data, 44);
    gnutls_free(b64.data);

    memset(small, 'x', sizeof small);
    assert_int_equal(tls_cert_pin(f->cert, small, sizeof small), SAE_EINVAL);
    assert_int_equal(small[0], 'x');
    assert_int_equal(tls_cert_pin(f->extra, pin, sizeof pin), SAE_ENOTFOUND);
    assert_int_equal(tls_cert_pin(f->key, pin, sizeof pin), SAE_EINVAL);
    assert_int_equal(tls_cert_pin(f->dir, pin, sizeof pin), SAE_EINVAL);
}

/* A certificate for the key in key_path with the given validity and extended key usage,
 * made directly with GnuTLS (as a district's CA would). */
static void write_cert_for(const char *key_path, time_t begins, time_t ends, const char *purpose,
                           const char *out_path)
{
    gnutls_datum_t data = {NULL, 0}, pem = {NULL, 0};
    gnutls_x509_privkey_t key;
    gnutls_x509_crt_t crt;
    unsigned char serial[] = {0x42};
    assert_int_equal(gnutls_load_file(key_path, &data), 0);
    assert_int_equal(gnutls_x509_privkey_init(&key), 0);
    assert_int_equal(gnutls_x509_privkey_import2(key, &data, GNUTLS_X509_FMT_PEM, NULL, 0), 0);
    gnutls_free(data.data);
    assert_int_equal(gnutls_x509_crt_init(&crt), 0);
    assert_int_equal(gnutls_x509_crt_set_version(crt, 3), 0);
    assert_int_equal(gnutls_x509_crt_set_serial(crt, serial, sizeof serial), 0);
    assert_int_equal(gnutls_x509_crt_set_activation_time(crt, begins), 0);
    assert_int_equal(gnutls_x509_crt_set_expiration_time(crt, ends), 0);
    assert_int_equal(gnutls_x509_crt_set_key(crt, key), 0);
    assert_int_equal(gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, "hub", 3),
                     0);
    if (purpose)
        assert_int_equal(gnutls_x509_crt_set_key_purpose_oid(crt, purpose, 0), 0);
    assert_int_equal(gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0), 0);
    assert_int_equal(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &pem), 0);
    unlink(out_path);
    write_text(out_path, (const char *)pem.data);
    gnutls_free(pem.data);
    gnutls_x509_crt_deinit(crt);
    gnutls_x509_privkey_deinit(key);
}

static void test_check_pair_refusals(void **state)
{
    struct fixture *f = *state;
    char other_cert[160], other_key[160], chain[160];
    struct sae_message why = {{0}};
    time_t now = time(NULL);
    snprintf(other_cert, sizeof other_cert, "%s/other.crt", f->dir);
    snprintf(other_key, sizeof other_key, "%s/other.key", f->dir);
    snprintf(chain, sizeof chain, "%s/chain.pem", f->dir);
    assert_int_equal(tls_cert_create_self_signed(NULL, 0, 30, f->cert, f->key), 0);
    assert_int_equal(tls_cert_create_self_signed(NULL, 0, 30, other_cert, other_key), 0);

    assert_int_equal(tls_cert_check_pair(f->cert, other_key, &why), SAE_ECRYPTO);
    assert_non_null(strstr(why.text, "does not belong"));
    assert_int_equal(tls_cert_check_pair(other_cert, f->key, &why), SAE_ECRYPTO);

    assert_int_equal(tls_cert_check_pair(f->extra, f->key, &why), SAE_ENOTFOUND);
    assert_non_null(strstr(why.text, "does not exist"));
    assert_int_equal(tls_cert_check_pair(f->cert, f->extra, &why), SAE_ENOTFOUND);
    write_text(f->extra, "-----BEGIN CERTIFICATE-----\nnot base64 at all\n"
                         "-----END CERTIFICATE-----\n");
    assert_int_equal(tls_cert_check_pair(f->extra, f->key, &why), SAE_EINVAL);
    assert_non_null(strstr(why.text, "no PEM certificate"));
    assert_int_equal(tls_cert_check_pair(f->cert, f->extra, &why), SAE_EINVAL);
    assert_non_null(strstr(why.text, "private key"));
    assert_int_equal(tls_cert_check_pair(f->key, f->key, &why), SAE_EINVAL);
    assert_int_equal(tls_cert_check_pair(f->dir, f->key, &why), SAE_EINVAL);

    write_cert_for(f->key, now - 10 * 86400, now - 86400, NULL, f->extra);
    assert_int_equal(tls_cert_check_pair(f->extra, f->key, &why), SAE_ERANGE);
    assert_non_null(strstr(why.text, "expired"));
    write_cert_for(f->key, now + 86400, now + 10 * 86400, NULL, f->extra);
    assert_int_equal(tls_cert_check_pair(f->extra, f->key, &why), SAE_ERANGE);
    assert_non_null(strstr(why.text, "not valid yet"));
    write_cert_for(f->key, now - 86400, now + 86400, GNUTLS_KP_TLS_WWW_CLIENT, f->extra);
    assert_int_equal(tls_cert_check_pair(f->extra, f->key, &why), SAE_EINVAL);
    assert_non_null(strstr(why.text, "not for TLS servers"));
    /* A certificate from a CA, without extended key usage, is fine. */
    write_cert_for(f->key, now - 86400, now + 86400, NULL, f->extra);
    assert_int_equal(tls_cert_check_pair(f->extra, f->key, &why), 0);

    /* A chain: the server's certificate first, then another; the first one counts. */
    gnutls_datum_t a = {NULL, 0}, b = {NULL, 0};
    assert_int_equal(gnutls_load_file(f->cert, &a), 0);
    assert_int_equal(gnutls_load_file(other_cert, &b), 0);
    char *both = malloc(a.size + b.size + 1);
    assert_non_null(both);
    memcpy(both, a.data, a.size);
    memcpy(both + a.size, b.data, b.size);
    both[a.size + b.size] = '\0';
    write_text(chain, both);
    free(both);
    gnutls_free(a.data);
    gnutls_free(b.data);
    assert_int_equal(tls_cert_check_pair(chain, f->key, &why), 0);
    assert_int_equal(tls_cert_check_pair(chain, other_key, &why), SAE_ECRYPTO);
}

static void test_pem_read_limits(void **state)
{
    struct fixture *f = *state;
    char *pem = NULL;
    size_t len = 0;
    int fd = open(f->extra, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, TLS_CERT_FILE_MAX_BYTES + 1), 0);
    assert_int_equal(close(fd), 0);
    assert_int_equal(tls_pem_read(f->extra, &pem, &len), SAE_ETOOBIG);
    assert_null(pem);
    assert_int_equal(truncate(f->extra, TLS_CERT_FILE_MAX_BYTES), 0);
    assert_int_equal(tls_pem_read(f->extra, &pem, &len), 0);
    assert_int_equal(len, TLS_CERT_FILE_MAX_BYTES);
    assert_int_equal(pem[len], '\0');
    tls_pem_free(pem, len);
    tls_pem_free(NULL, 0);
}

/* Renewal: a new certificate for the same key keeps the pin; its validity is what was asked,
 * its names those given (plus the loopback ones), and it never replaces a file. */
static void test_issue_for_the_same_key_keeps_the_pin(void **state)
{
    struct fixture *f = *state;
    const char *hosts[] = {"hub.example", "10.0.0.9"};
    char before[TLS_CERT_PIN_BYTES], renewed[256];
    struct tls_cert_info info;
    time_t now = time(NULL);
    assert_int_equal(tls_cert_create_self_signed(hosts, 2, 30, f->cert, f->key), 0);
    assert_int_equal(tls_cert_pin(f->cert, before, sizeof before), 0);
    snprintf(renewed, sizeof renewed, "%s/renewed.pem", f->dir);
    assert_int_equal(tls_cert_issue(f->key, hosts, 2, now - 10 * 86400, now + 100 * 86400,
                                    renewed), 0);
    assert_int_equal(mode_of(renewed), 0600);
    assert_int_equal(tls_cert_describe(renewed, &info), 0);
    assert_string_equal(info.pin, before);
    assert_int_equal(info.not_before, now - 10 * 86400);
    assert_int_equal(info.not_after, now + 100 * 86400);
    assert_true(info.self_signed);
    assert_false(info.hosts_truncated);
    static const char *const want[] = {"localhost", "127.0.0.1", "::1", "hub.example",
                                       "10.0.0.9"};
    assert_int_equal(info.host_count, COUNT(want));
    for (size_t i = 0; i < COUNT(want); i++)
        assert_string_equal(info.hosts[i], want[i]);
    struct sae_message why = {{0}};
    assert_int_equal(tls_cert_check_pair(renewed, f->key, &why), 0);
    /* A certificate outside its validity is still made (tests need one) and described. */
    assert_int_equal(tls_cert_issue(f->key, NULL, 0, now - 20 * 86400, now - 10 * 86400,
                                    f->extra), 0);
    assert_int_equal(tls_cert_check_pair(f->extra, f->key, &why), SAE_ERANGE);
    assert_int_equal(tls_cert_issue(f->key, hosts, 2, now, now + 86400, renewed), SAE_EEXIST);
    assert_int_equal(tls_cert_issue(f->key, hosts, 2, now, now, f->dir), SAE_EINVAL);
    /* A fresh output path in the fixture's own directory: a shared /tmp/x may exist. */
    char fresh[160];
    snprintf(fresh, sizeof fresh, "%s/never-made.pem", f->dir);
    assert_int_equal(tls_cert_issue(f->cert, hosts, 2, now, now + 86400, fresh), SAE_EINVAL);
    assert_int_equal(access(fresh, F_OK), -1);
    time_t begins = 0, ends = 0;
    assert_int_equal(tls_cert_validity(TLS_CERT_DAYS_DEFAULT, &begins, &ends), 0);
    assert_true(ends - time(NULL) > 729L * 86400 && ends - time(NULL) <= 730L * 86400);
    assert_int_equal(tls_cert_validity(0, &begins, &ends), SAE_EINVAL);
    assert_int_equal(tls_cert_validity(TLS_CERT_DAYS_MAX + 1, &begins, &ends), SAE_EINVAL);
}

/* A backup key: made alone, never over a file; its pin is known before any certificate,
 * and a certificate later made for it has that pin. */
static void test_backup_key_and_its_pin(void **state)
{
    struct fixture *f = *state;
    char key_pin[TLS_CERT_PIN_BYTES], cert_pin[TLS_CERT_PIN_BYTES], small[52];
    time_t now = time(NULL);
    assert_int_equal(tls_key_create(f->key), 0);
    assert_int_equal(mode_of(f->key), 0600);
    assert_int_equal(dir_entries(f->dir), 1);
    assert_int_equal(tls_key_create(f->key), SAE_EEXIST);
    assert_int_equal(tls_key_pin(f->key, key_pin, sizeof key_pin), 0);
    assert_int_equal(tls_key_pin(f->key, small, sizeof small), SAE_EINVAL);
    assert_int_equal(tls_key_pin(f->extra, key_pin, sizeof key_pin), SAE_ENOTFOUND);
    assert_int_equal(tls_cert_issue(f->key, NULL, 0, now, now + 86400, f->cert), 0);
    assert_int_equal(tls_cert_pin(f->cert, cert_pin, sizeof cert_pin), 0);
    assert_string_equal(key_pin, cert_pin);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_writes_pair_with_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_without_hosts_has_loopback_names, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_create_never_replaces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_refuses_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_in_missing_directory_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pin_format_and_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_pair_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pem_read_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_issue_for_the_same_key_keeps_the_pin, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_backup_key_and_its_pin, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
