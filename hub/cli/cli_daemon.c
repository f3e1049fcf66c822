/* sae-hub init: a new hub directory with its database, keys and TLS certificate. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_keys.h"
#include "store/district_key.h"
#include "sae/sae_envelope.h"
#include "sae/sae_files.h"
#include "sae/sae_validate.h"
#include "net/tls_cert.h"

#define HUB_NAME_DEFAULT "Rumah SAE district hub"
#define HUB_NAME_BYTES 100

struct init_options {
    const char *name;
    const char *hosts[TLS_CERT_HOSTS_MAX];
    size_t host_count;
    const char *cert, *key;
};

static int parse_init(int argc, char **argv, struct init_options *o)
{
    memset(o, 0, sizeof *o);
    o->name = HUB_NAME_DEFAULT;
    const struct sae_cli_option options[] = {
        SAE_CLI_OPT_TEXT("name", 'n', &o->name),
        SAE_CLI_OPT_LIST("host", 'H', o->hosts, &o->host_count, TLS_CERT_HOSTS_MAX),
        SAE_CLI_OPT_TEXT("tls-cert", 'c', &o->cert),
        SAE_CLI_OPT_TEXT("tls-key", 'k', &o->key),
    };
    int status = HUB_CLI_OPTIONS("init", "init", options, argc, argv);
    if (status != SAE_EXIT_OK)
        return status;
    if (optind != argc)
        return hub_cli_fail(SAE_EINVAL, "init takes options only; see: sae-hub init --help");
    if (!o->cert != !o->key)
        return hub_cli_fail(SAE_EINVAL, "--tls-cert and --tls-key go together");
    if (o->cert && o->host_count)
        return hub_cli_fail(SAE_EINVAL, "--host names a self-signed certificate's hosts; with "
                            "--tls-cert the certificate names them");
    if (sae_validate_name(o->name, HUB_NAME_BYTES) != 0)
        return hub_cli_fail(SAE_EINVAL, "--name must be 1 to %d bytes of UTF-8 on one line",
                            HUB_NAME_BYTES);
    return SAE_EXIT_OK;
}

static int install_tls(const struct hub_cli *cli, const struct init_options *o,
                       const char *cert_path, const char *key_path)
{
    struct sae_message why = {{0}};
    if (!o->cert) {
        int rc = tls_cert_create_self_signed(o->hosts, o->host_count, TLS_CERT_DAYS_DEFAULT,
                                             cert_path, key_path);
        return rc == 0 ? 0 : hub_cli_fail(rc, rc == SAE_EINVAL ? "a --host is not a valid host "
                                          "name or address" : "cannot make the TLS "
                                          "certificate: %s", sae_error_name(rc));
    }
    int rc = tls_cert_check_pair(o->cert, o->key, &why);
    if (rc != 0)
        return hub_cli_fail(rc == SAE_ENOMEM ? rc : SAE_EINVAL, "%s", why.text);
    rc = hub_cli_install_pem(o->cert, cli->dir, HUB_CERT_FILE);
    if (rc == 0)
        rc = hub_cli_install_pem(o->key, cli->dir, HUB_TLS_KEY_FILE);
    return rc == 0 ? 0 : hub_cli_fail(rc, "cannot copy the certificate into %s", cli->dir);
}

static const char *const hub_files[] = {HUB_DB_FILE, HUB_DB_FILE "-wal", HUB_DB_FILE "-shm",
                                        HUB_KEY_FILE, HUB_CERT_FILE, HUB_TLS_KEY_FILE,
                                        HUB_TLS_BACKUP_KEY_FILE, DISTRICT_KEY_UNCLAIMED_FILE};

/* Length of the longest prefix of path (at a '/') that exists: init makes everything
 * below it, and a refused init removes exactly that. */
static size_t existing_prefix(const char *path)
{
    char *copy = strdup(path);
    struct stat st;
    size_t len = copy ? strlen(copy) : 0;
    while (copy && len > 0 && stat(copy, &st) != 0) {
        while (len > 0 && copy[len - 1] != '/')
            len--;
        while (len > 1 && copy[len - 1] == '/')
            len--;
        copy[len] = '\0';
    }
    free(copy);
    return len;
}

/* A refused init changes nothing: the files it made go, and the directories it made. */
static void undo_init(const struct hub_cli *cli, size_t existing)
{
    for (size_t i = 0; i < sizeof hub_files / sizeof hub_files[0]; i++) {
        char *path = hub_cli_path(cli, hub_files[i]);
        if (path)
            unlink(path);
        free(path);
    }
    char *dir = strdup(cli->dir);
    size_t len = dir ? strlen(dir) : 0;
    while (dir && len > existing) {
        dir[len] = '\0';
        if (rmdir(dir) != 0)
            break;
        while (len > existing && dir[len - 1] != '/')
            len--;
        while (len > existing && dir[len - 1] == '/')
            len--;
    }
    free(dir);
}

/* None of the hub's files may be there already. */
static int check_fresh(const struct hub_cli *cli)
{
    struct stat st;
    for (size_t i = 0; i < sizeof hub_files / sizeof hub_files[0]; i++) {
        char *path = hub_cli_path(cli, hub_files[i]);
        int exists = path && lstat(path, &st) == 0;
        free(path);
        if (exists)
            return hub_cli_fail(SAE_EEXIST, "%s already holds a hub (%s); use another directory",
                                cli->dir, hub_files[i]);
    }
    return SAE_EXIT_OK;
}

static int init_files(struct hub_cli *cli, const struct init_options *o)
{
    uint8_t pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES];
    char pin[TLS_CERT_PIN_BYTES];
    uint64_t hub_id = 0;
    struct sae_message why = {{0}};
    char *db = hub_cli_path(cli, HUB_DB_FILE), *cert = hub_cli_path(cli, HUB_CERT_FILE);
    char *tls_key = hub_cli_path(cli, HUB_TLS_KEY_FILE);
    int status = db && cert && tls_key ? SAE_EXIT_OK : hub_cli_fail(SAE_ENOMEM, "out of memory");
    size_t existing = existing_prefix(cli->dir);
    bool undo = false;
    if (status == SAE_EXIT_OK)
        status = check_fresh(cli);
    undo = status == SAE_EXIT_OK; /* from here on, a failure removes what this run made */
    if (status == SAE_EXIT_OK && sae_dir_create_private(cli->dir) != 0)
        status = hub_cli_fail(SAE_EIO, "cannot create directory %s", cli->dir);
    if (status == SAE_EXIT_OK)
        status = install_tls(cli, o, cert, tls_key);
    if (status == SAE_EXIT_OK && crypto_box_keypair(pk, sk) != 0)
        status = hub_cli_fail(SAE_ECRYPTO, "cannot make the hub's key pair");
    if (status == SAE_EXIT_OK && sae_file_write_private(cli->dir, HUB_KEY_FILE, sk, crypto_box_SECRETKEYBYTES) != 0)
        status = hub_cli_fail(SAE_EIO, "cannot write %s/%s", cli->dir, HUB_KEY_FILE);
    sodium_memzero(sk, sizeof sk);
    if (status == SAE_EXIT_OK) {
        int rc = hub_store_create(db, o->name, pk, &why);
        status = rc == 0 ? SAE_EXIT_OK : hub_cli_fail(rc, "%s", why.text);
    }
    if (status == SAE_EXIT_OK && (sae_origin_from_public_key(pk, &hub_id) != 0 ||
                                  tls_cert_pin(cert, pin, sizeof pin) != 0))
        status = hub_cli_fail(SAE_EIO, "cannot read back the hub's identity");
    if (status == SAE_EXIT_OK)
        printf("initialised hub \"%s\" in %s\nhub id:  %016llx\nTLS pin: %s\n", o->name,
               cli->dir, (unsigned long long)hub_id, pin);
    if (status == SAE_EXIT_OK)
        status = hub_cli_keys_init(cli);
    if (status != SAE_EXIT_OK && undo)
        undo_init(cli, existing);
    free(db);
    free(cert);
    free(tls_key);
    return status;
}

int hub_cli_init(struct hub_cli *cli, int argc, char **argv)
{
    struct init_options o;
    int status = parse_init(argc, argv, &o);
    if (status != SAE_EXIT_OK)
        return status;
    if (!cli->dir)
        return hub_cli_fail(SAE_EINVAL, "no hub directory: give -d DIR or set SAE_HUB_DIR");
    return init_files(cli, &o);
}
