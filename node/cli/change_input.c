#include "cli/change_input.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/report_read.h"
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

static void field_names(const struct sae_kind *kind, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < kind->field_count && used < size; i++) {
        int n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", kind->fields[i].name);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

static int find_field(const struct change_input *input, const char *name,
                      const struct sae_field **out, struct sae_message *why)
{
    char names[384];
    if (sae_catalogue_find_field(input->kind, name, out) == 0) {
        for (size_t i = 0; i < input->count; i++) {
            if (input->changes[i].field == *out) {
                sae_message_set(why, "field %s is given more than once; give it once", name);
                return SAE_EINVAL;
            }
        }
        return 0;
    }
    field_names(input->kind, names, sizeof names);
    sae_message_set(why, "%s reports have no field \"%.40s\"; fields: %s", input->kind->name, name,
                    names);
    return SAE_ENOTFOUND;
}

/* Reads at most limit + 1 bytes, so an oversized file is refused without reading it all. */
static int read_value_file(const char *path, size_t limit, char **out, size_t *len,
                           struct sae_message *why)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    char *buf = NULL;
    if (!f) {
        sae_message_set(why, "cannot read %s: %s", path, strerror(errno));
        return SAE_EIO;
    }
    buf = malloc(limit + 2);
    size_t n = buf ? fread(buf, 1, limit + 1, f) : 0;
    int failed = buf ? ferror(f) : 0;
    if (f != stdin)
        fclose(f);
    if (!buf)
        return SAE_ENOMEM;
    if (failed) {
        free(buf);
        sae_message_set(why, "cannot read %s", path);
        return SAE_EIO;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

static size_t field_limit(const struct sae_field *field)
{
    return field->type == SAE_FIELD_TEXT && field->max_bytes ? field->max_bytes
                                                             : SAE_LIMIT_TEXT_BYTES;
}

/* Validates raw bytes for field; reference values may be a unique prefix of an id. */
static int canonical_value(struct node_store *store, const struct sae_field *field,
                           const char *raw, size_t len, char **out, struct sae_message *why)
{
    char message[SAE_VALIDATE_MESSAGE_BYTES], id[SAE_ID_TEXT_LEN + 1];
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
    int rc = find_field(input, name, &field, why);
    if (rc != 0)
        return rc;
    char *value = NULL;
    if (op == CHANGE_UNSET) {
        if (field->required) {
            sae_message_set(why, "%s is required and cannot be unset; set another value instead",
                            field->name);
            return SAE_EINVAL;
        }
    } else if (op == CHANGE_SET) {
        rc = canonical_value(store, field, eq + 1, strlen(eq + 1), &value, why);
    } else {
        char *content = NULL;
        size_t len = 0;
        rc = read_value_file(eq + 1, field_limit(field), &content, &len, why);
        if (rc == 0)
            rc = canonical_value(store, field, content, len, &value, why);
        free(content);
    }
    if (rc != 0)
        return rc;
    input->changes[input->count++] = (struct journal_change){field, value};
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
            input->changes[input->count++] = (struct journal_change){field, value};
        } else if (field->required) {
            sae_message_set(why, "%s reports need field %s (%s); add --set %s=VALUE", kind->name,
                            field->name, field->label_en, field->name);
            return SAE_EINVAL;
        }
    }
    return 0;
}
