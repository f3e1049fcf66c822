/* sae-hub nodes grant ID --as COORDINATOR: the grant of a device's village's sensitive
 * values (api/grant.h) from the command line, the coordinator's password asked on the
 * terminal (never an argument) to open the district key. */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "api/grant.h"
#include "app/password.h"
#include "sae/sae_cli.h"
#include "sae/sae_hlc.h"
#include "sae/sae_secure_mem.h"
#include "store/district_key.h"
#include "store/hub_accounts.h"

static int parse_device(const char *text, uint64_t *out)
{
    char *end = NULL;
    if (!text || strlen(text) != 16 || strspn(text, "0123456789abcdef") != 16)
        return SAE_EINVAL;
    *out = strtoull(text, &end, 16);
    return *end ? SAE_EINVAL : 0;
}

/* The coordinator's district key, opened with the password read from standard input. */
int hub_cli_district_secret(struct hub_cli *cli, struct hub_store *store, const char *name,
                            unsigned char **secret)
{
    struct hub_account account;
    char password[PASSWORD_MAX_BYTES + 2];
    int rc = hub_account_get(store, name, &account);
    if (rc == SAE_ENOTFOUND || (rc == 0 && (account.disabled ||
                                           account.role != HUB_ROLE_COORDINATOR)))
        return hub_cli_fail(SAE_EINVAL, "%s is no enabled coordinator: only a coordinator's "
                            "password opens the district key; see: sae-hub users list", name);
    if (rc != 0)
        return hub_cli_fail(rc, "cannot read account %s: %s", name, sae_error_name(rc));
    char prompt[HUB_ACCOUNT_NAME_BYTES + 32];
    snprintf(prompt, sizeof prompt, "password of %s: ", name);
    rc = sae_cli_read_line(prompt, isatty(STDIN_FILENO), password, sizeof password);
    if (rc == SAE_ENOTFOUND)
        return hub_cli_fail(SAE_EINVAL, "no password of %s on standard input; nothing was "
                            "granted", name);
    if (rc == 0)
        rc = district_key_unlock(store, cli->dir, name, password, secret);
    sodium_memzero(password, sizeof password);
    if (rc == SAE_EPERM)
        return hub_cli_fail(SAE_EINVAL, "wrong password for %s; nothing was granted", name);
    if (rc != 0)
        return hub_cli_fail(rc, "cannot open the district key as %s: %s", name,
                            sae_error_name(rc));
    return SAE_EXIT_OK;
}

int hub_cli_nodes_grant(struct hub_cli *cli, struct hub_store *store, const char *id,
                        const char *as)
{
    uint64_t device = 0;
    struct hub_node node;
    unsigned char *secret = NULL;
    int64_t granted = 0;
    if (parse_device(id, &device) != 0)
        return hub_cli_fail(SAE_EINVAL, "a device id is 16 hex digits, as nodes list shows it");
    if (!as)
        return hub_cli_fail(SAE_EINVAL, "usage: sae-hub nodes grant ID --as COORDINATOR (the "
                            "coordinator's password is asked, never given as an argument)");
    int rc = hub_store_node_get(store, device, &node);
    if (rc == SAE_ENOTFOUND || (rc == 0 && node.revoked_ms))
        return hub_cli_fail(SAE_ENOTFOUND, "no enrolled device %s that is not revoked; see: "
                            "sae-hub nodes list", id);
    if (rc != 0)
        return hub_cli_fail(rc, "cannot read device %s: %s", id, sae_error_name(rc));
    int status = hub_cli_district_secret(cli, store, as, &secret);
    if (status != SAE_EXIT_OK)
        return status;
    rc = grant_values(store, &node, secret, as, HUB_AUDIT_ADDRESS_CLI,
                      (int64_t)sae_wall_clock_ms(), &granted);
    sae_secure_free(secret);
    if (rc == SAE_ENOTFOUND)
        return hub_cli_fail(rc, "device %s sent no storage key: enroll it again with a new "
                            "bundle (sae-hub nodes add), then grant", id);
    if (rc != 0)
        return hub_cli_fail(rc, "cannot grant values to %s: %s", id, sae_error_name(rc));
    printf("granted %lld value(s) to %s (%s): it receives them at its next sync\n",
           (long long)granted, id, node.device_name);
    return SAE_EXIT_OK;
}
