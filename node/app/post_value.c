/* Report values for people (post_value.h). */
#include "app/post_value.h"

#include <stdio.h>
#include <string.h>

#include "sae/sae_view.h"

static const char *label_of(enum msg_lang lang, const struct sae_field *field, const char *code)
{
    const struct sae_enum_value *v = sae_field_find_value(field, code);
    if (!v)
        return code;
    return lang == MSG_LANG_EN ? v->label_en : v->label_id;
}

/* A set's canonical text is its codes joined by commas. */
static void set_text(enum msg_lang lang, const struct sae_field *field, const char *value,
                     char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (const char *code = value; *code && len + 1 < cap;) {
        const char *comma = strchr(code, ',');
        size_t n = comma ? (size_t)(comma - code) : strlen(code);
        char one[128];
        snprintf(one, sizeof one, "%.*s", (int)n, code);
        int wrote = snprintf(out + len, cap - len, "%s%s", len ? ", " : "",
                             label_of(lang, field, one));
        len += wrote > 0 ? (size_t)wrote : 0;
        code += n + (comma ? 1 : 0);
    }
}

void post_value_text(enum msg_lang lang, const struct sae_field *field, const char *value,
                     bool masked, bool withheld, char *out, size_t cap)
{
    char area[SAE_VALUE_LABEL_BYTES];
    snprintf(out, cap, "%s", value ? value : "");
    if (masked || withheld) {
        snprintf(out, cap, "%s", msg_get(lang, withheld ? MSG_POST_WITHHELD : MSG_POST_MASKED));
        return;
    }
    if (!field || !value)
        return;
    if (field->type == SAE_FIELD_SET)
        set_text(lang, field, value, out, cap);
    else if (field->type == SAE_FIELD_ENUM)
        snprintf(out, cap, "%s", label_of(lang, field, value));
    else if (field->type == SAE_FIELD_BOOL)
        snprintf(out, cap, "%s", msg_get(lang, strcmp(value, "true") == 0 ? MSG_POST_VALUE_YES
                                                                         : MSG_POST_VALUE_NO));
    else if (field->type == SAE_FIELD_AREA && sae_value_label(field, value, area) == 0)
        snprintf(out, cap, "%s", area);
}
