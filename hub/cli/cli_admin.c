/* What the admin commands share: ending a command, explaining store errors, report ids,
 * authors, and validating a value the way sae-node does. */
#include "cli/cli_admin.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sae/sae_cli_value.h"
#include "sae/sae_plan.h"
#include "sae/sae_validate.h"
#include "store/hub_accounts.h"
#include "store/hub_areas.h"

int hub_admin_finish(struct hub_store *store, int status)
{
    hub_store_close(store);
    if (status == SAE_EXIT_OK && fflush(stdout) != 0)
        return hub_cli_fail(SAE_EIO, "cannot write the output");
    return hub_cli_final(status);
}

int hub_admin_fail_store(int rc, const struct sae_message *why, const struct hub_cli *cli)
{
    if (why && why->text[0])
        return hub_cli_fail(rc, "%s", why->text);
    switch (rc) {
    case SAE_EBUSY:
        return hub_cli_fail(rc, "the hub database in %s stayed busy (the daemon is merging a "
                            "large batch?); try again in a moment", cli->dir);
    case SAE_ECORRUPT:
        return hub_cli_fail(rc, "the hub database in %s is damaged; keep a copy of the "
                            "directory and restore hub.db from a backup", cli->dir);
    case SAE_ENOMEM:
        return hub_cli_fail(rc, "out of memory");
    case SAE_EIO:
        return hub_cli_fail(rc, "cannot write the output");
    default:
        return hub_cli_fail(rc, "the hub database in %s could not be used: %s", cli->dir,
                            sae_error_name(rc));
    }
}

int hub_admin_resolve(struct hub_store *store, const char *arg, char id[SAE_ID_TEXT_LEN + 1])
{
    struct sae_message why = {{0}};
    int rc = hub_read_resolve_id(store, arg, id, &why);
    if (rc == 0)
        return SAE_EXIT_OK;
    return why.text[0] ? hub_cli_fail(rc, "%s", why.text)
                       : hub_cli_fail(rc, "cannot look up report ids: %s", sae_error_name(rc));
}

int hub_admin_check_author(const char *command, const char *author, const char *note)
{
    if (!author)
        return hub_cli_fail(SAE_EINVAL, "%s needs --by NAME: who makes this change (it is kept "
                            "with the change and sent to the posts)", command);
    if (sae_validate_name(author, HUB_AUTHOR_BYTES) != 0)
        return hub_cli_fail(SAE_EINVAL, "--by must be 1 to %d bytes of UTF-8 on one line",
                            HUB_AUTHOR_BYTES);
    if (note && sae_validate_name(note, HUB_NOTE_BYTES) != 0)
        return hub_cli_fail(SAE_EINVAL, "--note must be 1 to %d bytes of UTF-8 on one line",
                            HUB_NOTE_BYTES);
    return SAE_EXIT_OK;
}

int hub_admin_check_account(struct hub_store *store, const char *name)
{
    struct hub_account account;
    int rc = hub_account_get(store, name, &account);
    if (rc == SAE_ENOTFOUND || (rc == 0 && account.disabled))
        return hub_cli_fail(SAE_EINVAL, "--by must name an enabled account of this hub (see: "
                            "sae-hub users list); add one with: sae-hub users add NAME --role "
                            "coordinator");
    if (rc != 0)
        return hub_cli_fail(rc, "cannot read the hub's accounts: %s", sae_error_name(rc));
    return SAE_EXIT_OK;
}

int hub_admin_audit(struct hub_store *store, const char *actor, const char *action,
                    const char *target)
{
    int rc = hub_audit_append(store, actor, action, target, HUB_AUDIT_ADDRESS_CLI,
                              (int64_t)sae_wall_clock_ms());
    return rc == 0 ? SAE_EXIT_OK
                   : hub_cli_fail(rc, "cannot write the audit log: %s", sae_error_name(rc));
}

int hub_admin_actor(struct hub_store *store, const char *by, char *out, size_t cap)
{
    if (by) {
        int status = hub_admin_check_account(store, by);
        if (status == SAE_EXIT_OK)
            snprintf(out, cap, "%s", by);
        return status;
    }
    const struct passwd *pw = getpwuid(geteuid());
    const char *os_user = pw && pw->pw_name ? pw->pw_name : "unknown";
    struct hub_account account;
    if (hub_account_get(store, os_user, &account) == 0 && !account.disabled)
        snprintf(out, cap, "%s", os_user);
    else
        snprintf(out, cap, "os:%s", os_user);
    return SAE_EXIT_OK;
}

/* A reference: an id or prefix of a hub report of the right kind, in the same village
 * (the posts only ever see their village's reports) and not deleted; its canonical id. */
static int resolve_reference(struct hub_store *store, const struct sae_field *field,
                             const char *village, const char *raw,
                             char id[SAE_ID_TEXT_LEN + 1], struct sae_message *why)
{
    struct sae_message inner = {{0}};
    struct hub_report *target = NULL;
    int rc = hub_read_resolve_id(store, raw, id, &inner);
    if (rc != 0) {
        sae_message_set(why, "%s: %s", field->name, inner.text);
        return rc;
    }
    rc = hub_report_load(store, id, &target);
    if (rc == 0 && strcmp(target->kind->name, field->ref_kind) != 0) {
        sae_message_set(why, "%s must name a %s report; %s is a %s", field->name,
                        field->ref_kind, id, target->kind->name);
        rc = SAE_EINVAL;
    } else if (rc == 0 && strcmp(target->village, village) != 0) {
        char label[SAE_AREA_LABEL_BYTES];
        hub_areas_label(store, village, label);
        sae_message_set(why, "%s must name a report of %s; %s belongs to %s", field->name,
                        label, id, target->village_name ? target->village_name
                                                        : target->village);
        rc = SAE_EINVAL;
    } else if (rc == 0 && target->deleted) {
        sae_message_set(why, "%s: report %s was deleted", field->name, id);
        rc = SAE_EDELETED;
    }
    hub_report_free(target);
    return rc;
}

static int canonical_bytes(struct hub_store *store, const struct sae_field *field,
                           const char *village, const char *raw, size_t len, char **out,
                           struct sae_message *why)
{
    char message[SAE_VALIDATE_MESSAGE_BYTES], id[SAE_ID_TEXT_LEN + 1];
    if (field->type == SAE_FIELD_AREA && strlen(raw) == len)
        return sae_edit_area(field, raw, out, why);
    if (field->type == SAE_FIELD_REFERENCE && len <= SAE_ID_TEXT_LEN && strlen(raw) == len) {
        int rc = resolve_reference(store, field, village, raw, id, why);
        if (rc != 0)
            return rc;
        raw = id;
        len = SAE_ID_TEXT_LEN;
    }
    int rc = sae_validate_value(field, raw, len, out, message);
    if (rc != 0)
        sae_message_set(why, "%s", message);
    return rc;
}

int hub_admin_canonical_value(struct hub_store *store, const struct sae_field *field,
                              const char *village, const struct hub_value_arg *arg, char **out,
                              struct sae_message *why)
{
    if (!arg->from_file) {
        int rc = sae_cli_value_refuse_argument(field, arg->option, arg->file_option,
                                               arg->names_field, why);
        return rc != 0 ? rc : canonical_bytes(store, field, village, arg->text,
                                              strlen(arg->text), out, why);
    }
    char *content = NULL;
    size_t len = 0;
    int rc = sae_cli_value_read(field, arg->text, &content, &len, why);
    if (rc == 0)
        rc = canonical_bytes(store, field, village, content, len, out, why);
    free(content);
    return rc;
}

int hub_admin_village(struct hub_store *store, const char *option, const char *text,
                      char code[SAE_AREA_CODE_BYTES])
{
    struct sae_message why = {{0}};
    int rc = hub_areas_resolve(store, text, SAE_AREA_VILLAGE, code, &why);
    if (rc == 0)
        return SAE_EXIT_OK;
    return why.text[0] ? hub_cli_fail(rc, "%s: %s", option, why.text)
                       : hub_cli_fail(rc, "cannot read the list of areas: %s",
                                      sae_error_name(rc));
}

/* One line each on stderr: a village from before the list of areas that no village matched,
 * and the command that fixes it. */
static int unlisted_visit(const char *name, int64_t devices, int64_t reports, void *context)
{
    (void)context;
    fprintf(stderr, "village \"%s\" (%lld device(s), %lld report(s)) is not in the list of "
            "areas; give it its village with: sae-hub villages assign \"%s\" VILLAGE\n", name,
            (long long)devices, (long long)reports, name);
    return 0;
}

int hub_admin_print_unlisted(struct hub_store *store)
{
    return hub_areas_unlisted(store, unlisted_visit, NULL);
}

const char *hub_admin_kind_names(void)
{
    static char names[256];
    if (names[0] == '\0') {
        size_t used = 0;
        for (size_t i = 0; i < sae_catalogue_kind_count() && used < sizeof names; i++) {
            int n = snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "",
                             sae_catalogue_kind_at(i)->name);
            used += n > 0 ? (size_t)n : 0;
        }
    }
    return names;
}
