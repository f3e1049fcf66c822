/* Values for change_input as the command line gives them (change_set.h). */
#include "change_set.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sae/sae_wire_limits.h"
#include "store/journal.h"

static int write_value(int fd, const char *value)
{
    size_t len = strlen(value);
    return write(fd, value, len) == (ssize_t)len ? 0 : SAE_EIO;
}

int change_set_add(struct node_store *store, struct change_input *input, const char *set,
                   struct sae_message *why)
{
    const struct sae_field *field = NULL;
    const char *eq = strchr(set, '=');
    char name[SAE_WIRE_NAME_BYTES + 1], path[] = "/tmp/sae-value-XXXXXX";
    char arg[sizeof name + sizeof path + 1];
    snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - set) : 0, set);
    if (!eq || sae_catalogue_find_field(input->kind, name, &field) != 0 || !field->sensitive)
        return change_input_add(input, store, CHANGE_SET, set, why);
    int fd = mkstemp(path);
    if (fd < 0)
        return SAE_EIO;
    int rc = write_value(fd, eq + 1);
    if (close(fd) != 0 && rc == 0)
        rc = SAE_EIO;
    snprintf(arg, sizeof arg, "%s=%s", name, path);
    if (rc == 0)
        rc = change_input_add(input, store, CHANGE_SET_FILE, arg, why);
    unlink(path);
    return rc;
}

int change_set_journal_add(struct node_store *store, const struct sae_kind *kind,
                           const char *const *sets, char id[SAE_ID_TEXT_LEN + 1],
                           struct sae_message *why)
{
    struct change_input input;
    int rc = 0;
    change_input_init(&input, kind);
    for (size_t i = 0; rc == 0 && sets[i]; i++)
        rc = change_set_add(store, &input, sets[i], why);
    if (rc == 0)
        rc = change_input_complete(&input, why);
    if (rc == 0)
        rc = journal_add(store, kind, input.changes, input.count, id, why);
    change_input_free(&input);
    return rc;
}
