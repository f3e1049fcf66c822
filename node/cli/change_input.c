#include "cli/change_input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/report_read.h"
#include "sae/sae_cli_value.h"
#include "sae/sae_validate.h"
#include "sae/sae_wire_limits.h"

void change_input_init(struct change_input *input, const struct sae_kind *kind)
{
    memset(input, 0, sizeof *input);
    input->kind = kind;
}

void change_input_free(struct change_input *input)
{
    for (size_t i = 0; i < input->count; i++)
        free(input->changes[i].value);
    input->count = 0;
}

static bool element_op(enum sae_edit_op op)
{
    return op == SAE_EDIT_ADD || op == SAE_EDIT_REMOVE;
}

/* A field is given once; a set may take several --add and --remove, applied in order. */
static int find_field(const struct change_input *input, const char *name, enum sae_edit_op op,
                      const struct sae_field **out, struct sae_message *why)
{
    if (sae_catalogue_find_field(input->kind, name, out) == 0) {
        for (size_t i = 0; i < input->count; i++) {
            if (input->changes[i].field == *out &&
                !(element_op(op) && element_op(input->changes[i].op))) {
                sae_message_set(why, "field %s is given more than once; give it once", name);
                return SAE_EINVAL;
            }
        }
        return 0;
    }
    sae_message_set(why, "%s reports have no field \"%.40s\" (tidak dikenal); every field with "
                    "its values: sae-node fields %s", input->kind->name, name, input->kind->name);
    return SAE_ENOTFOUND;
}

/* Validates raw bytes for field; reference values may be a unique prefix of an id or a
 * case's registration number, areas a name of the official list. */
static int canonical_value(struct node_store *store, const struct sae_field *field,
                           const char *raw, size_t len, char **out, struct sae_message *why)
{
    char message[SAE_VALIDATE_MESSAGE_BYTES], id[SAE_ID_TEXT_LEN + 1];
    if (field->type == SAE_FIELD_AREA && strlen(raw) == len)
        return sae_edit_area(field, raw, out, why);
    if (field->type == SAE_FIELD_REFERENCE && len <= SAE_ID_TEXT_LEN && strlen(raw) == len) {
        struct sae_message inner = {{0}};
        int rc = report_resolve_id(store, raw, id, &inner);
        if (rc != 0) {
            sae_message_set(why, "%s: %s", field->name, inner.text);
            return rc;
        }
        raw = id;
        len = SAE_ID_TEXT_LEN;
    }
    int rc = sae_validate_value(field, raw, len, out, message);
    if (rc != 0)
        sae_message_set(why, "%s", message);
    return rc;
}

static enum sae_edit_op edit_op(enum change_op op)
{
    return op == CHANGE_ADD ? SAE_EDIT_ADD : op == CHANGE_REMOVE ? SAE_EDIT_REMOVE
                                          : op == CHANGE_UNSET ? SAE_EDIT_UNSET : SAE_EDIT_SET;
}

static int value_of(struct node_store *store, const struct sae_field *field, enum change_op op,
                    const char *text, char **value, struct sae_message *why)
{
    int rc = sae_edit_check(field, edit_op(op), why);
    if (rc != 0 || op == CHANGE_UNSET)
        return rc;
    if (op != CHANGE_SET_FILE) {
        rc = sae_cli_value_refuse_argument(field, "--set", "--set-file", true, why);
        return rc != 0 ? rc : canonical_value(store, field, text, strlen(text), value, why);
    }
    char *content = NULL;
    size_t len = 0;
    rc = sae_cli_value_read(field, text, &content, &len, why);
    if (rc == 0)
        rc = canonical_value(store, field, content, len, value, why);
    free(content);
    return rc;
}

int change_input_add(struct change_input *input, struct node_store *store, enum change_op op,
                     const char *arg, struct sae_message *why)
{
    const struct sae_field *field = NULL;
    const char *eq = strchr(arg, '=');
    char name[SAE_WIRE_NAME_BYTES + 1];
    if (input->count == SAE_LIMIT_CHANGES_PER_COMMAND) {
        sae_message_set(why, "too many changes in one command (limit %d)",
                        SAE_LIMIT_CHANGES_PER_COMMAND);
        return SAE_ETOOBIG;
    }
    if (op == CHANGE_UNSET ? eq != NULL : eq == NULL) {
        sae_message_set(why, op == CHANGE_UNSET ? "--unset takes a field name alone: --unset FIELD"
                                                : "expected FIELD=VALUE, got \"%.40s\"", arg);
        return SAE_EINVAL;
    }
    size_t name_len = op == CHANGE_UNSET ? strlen(arg) : (size_t)(eq - arg);
    if (name_len == 0 || name_len >= sizeof name) {
        sae_message_set(why, "missing or overlong field name in \"%.40s\"", arg);
        return SAE_EINVAL;
    }
    memcpy(name, arg, name_len);
    name[name_len] = '\0';
    int rc = find_field(input, name, edit_op(op), &field, why);
    bool from_stdin = op == CHANGE_SET_FILE && strcmp(eq + 1, SAE_CLI_VALUE_STDIN) == 0;
    if (rc == 0 && from_stdin && input->stdin_taken) {
        sae_message_set(why, "standard input gives one value per command; give %s from a "
                        "file (--set-file %s=FILE)", name, name);
        rc = SAE_EINVAL;
    }
    input->stdin_taken |= from_stdin;
    char *value = NULL;
    if (rc == 0)
        rc = value_of(store, field, op, eq ? eq + 1 : NULL, &value, why);
    if (rc != 0)
        return rc;
    input->changes[input->count++] = (struct journal_change){field, value, edit_op(op)};
    return 0;
}

int change_input_complete(struct change_input *input, struct sae_message *why)
{
    const struct sae_kind *kind = input->kind;
    for (size_t i = 0; i < kind->field_count; i++) {
        const struct sae_field *field = &kind->fields[i];
        bool given = false;
        for (size_t k = 0; k < input->count && !given; k++)
            given = input->changes[k].field == field;
        if (given)
            continue;
        if (field->default_value && input->count < SAE_LIMIT_CHANGES_PER_COMMAND) {
            char *value = strdup(field->default_value);
            if (!value)
                return SAE_ENOMEM;
            input->changes[input->count++] =
                (struct journal_change){field, value, SAE_EDIT_SET};
        } else if (field->required) {
            sae_message_set(why, "%s reports need field %s (%s); add --set %s=VALUE", kind->name,
                            field->name, field->label_en, field->name);
            return SAE_EINVAL;
        }
    }
    return 0;
}
