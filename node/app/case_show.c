#include "app/case_show.h"

#include <stdio.h>
#include <string.h>

#include "app/report_form_html.h"
#include "store/hub_link.h"
#include "sae/sae_byline.h"

int case_show_init(struct case_show *ctx, struct node_store *store, enum msg_lang lang)
{
    struct hub_link link;
    memset(&link, 0, sizeof link);
    *ctx = (struct case_show){store, lang, 0, sae_wall_clock_ms()};
    int rc = hub_link_load(store, &link);
    if (rc == 0)
        ctx->hub_id = link.hub_id;
    hub_link_clear(&link);
    return rc == SAE_ENOTFOUND ? 0 : rc;
}

static const char *label_of(enum msg_lang lang, const struct sae_enum_value *v)
{
    return lang == MSG_LANG_EN ? v->label_en : v->label_id;
}

enum case_show_hidden case_show_hidden_of(bool masked, bool withheld, bool erased)
{
    return erased     ? CASE_SHOW_ERASED
           : withheld ? CASE_SHOW_WITHHELD
           : masked   ? CASE_SHOW_MASKED
                      : CASE_SHOW_VALUE;
}

static enum msg_id hidden_message(enum case_show_hidden hidden)
{
    return hidden == CASE_SHOW_ERASED     ? MSG_POST_ERASED
           : hidden == CASE_SHOW_WITHHELD ? MSG_POST_WITHHELD
                                          : MSG_POST_MASKED;
}

void case_show_value(enum msg_lang lang, const struct sae_field *field, const char *value,
                     enum case_show_hidden hidden, char out[SAE_VALUE_LABEL_BYTES])
{
    const char *codes[SAE_SET_VALUES_MAX];
    size_t count = 0;
    const struct sae_enum_value *v = NULL;
    out[0] = '\0';
    if (hidden != CASE_SHOW_VALUE) { /* read without the storage key, or never given */
        snprintf(out, SAE_VALUE_LABEL_BYTES, "%s", msg_get(lang, hidden_message(hidden)));
    } else if (field->type == SAE_FIELD_DATE) {
        report_form_date_text(value, out);
    } else if (field->type == SAE_FIELD_BOOL) {
        snprintf(out, SAE_VALUE_LABEL_BYTES, "%s",
                 msg_get(lang, strcmp(value, "true") == 0 ? MSG_FORM_YES : MSG_FORM_NO));
    } else if (field->type == SAE_FIELD_ENUM && (v = sae_field_find_value(field, value))) {
        snprintf(out, SAE_VALUE_LABEL_BYTES, "%s", label_of(lang, v));
    } else if (field->type == SAE_FIELD_SET && sae_set_codes(field, value, codes, &count) == 0) {
        for (size_t i = 0; i < count; i++) {
            size_t used = strlen(out);
            snprintf(out + used, SAE_VALUE_LABEL_BYTES - used, "%s%s", i ? ", " : "",
                     label_of(lang, sae_field_find_value(field, codes[i])));
        }
    } else if (sae_value_label(field, value, out) != 0) {
        snprintf(out, SAE_VALUE_LABEL_BYTES, "%s", value);
    }
}

const char *case_show_refusal(enum msg_lang lang, const char *why, char *out, size_t cap)
{
    const char *colon = strstr(why, ": "), *slash = colon ? strstr(colon, " / ") : NULL;
    const char *start = why, *end = why + strlen(why);
    if (slash) {
        start = lang == MSG_LANG_EN ? slash + 3 : colon + 2;
        end = lang == MSG_LANG_EN ? start + strcspn(start, ";") : slash;
    }
    snprintf(out, cap, "%.*s.", (int)(end - start), start);
    if (out[0] >= 'a' && out[0] <= 'z')
        out[0] = (char)(out[0] - 'a' + 'A');
    return out;
}

/* The district's last word on a field: who and the coordinator's note. */
struct district_word {
    const struct report *report;
    const struct case_show *ctx;
    const char *field;
    char author[SAE_BYLINE_BYTES];
    char note[SAE_VALUE_LABEL_BYTES];
    bool found;
};

static int find_word(const struct history_entry *e, void *context)
{
    struct district_word *w = context;
    if (e->version.origin != w->ctx->hub_id || !report_names_field(e->field, w->field))
        return 0;
    w->found = true;
    sae_byline(e->author, e->device, sae_hlc_ms(e->version.hlc), w->ctx->now_ms, w->author);
    snprintf(w->note, sizeof w->note, "%s", e->note ? e->note : "");
    return 0;
}

static void mark(struct html *h, const char *cls, const char *text, const char *detail)
{
    html_open(h, "span", &(struct html_attr){"class", cls}, 1);
    html_text(h, text);
    if (detail && *detail) {
        html_text(h, ": ");
        html_text(h, detail);
    }
    html_close(h, "span");
}

/* The district's mark when the value that stands is the hub's own version. */
static int district_mark(struct html *h, const struct case_show *ctx, const struct report *report,
                         size_t index)
{
    const struct sae_field *field = &report->kind->fields[index];
    if (ctx->hub_id == 0 || report->view.versions[index].origin != ctx->hub_id)
        return 0;
    struct district_word w = {.report = report, .ctx = ctx, .field = field->name};
    int rc = report_history(ctx->store, report->id, find_word, &w);
    if (rc != 0)
        return rc;
    mark(h, "mark district", msg_get(ctx->lang, MSG_CASE_BY_DISTRICT), w.found ? w.author : NULL);
    if (w.note[0])
        mark(h, "mark district-note", msg_get(ctx->lang, MSG_CASE_RESOLVED), w.note);
    return 0;
}

static bool shown(const char *const *only, const char *name)
{
    for (; only && *only; only++)
        if (strcmp(*only, name) == 0)
            return true;
    return only == NULL;
}

int case_show_fields(struct html *h, const struct case_show *ctx, const struct report *report,
                     const char *const *only, const char *list_id)
{
    char text[SAE_VALUE_LABEL_BYTES], dd_id[96];
    struct html_attr dl[] = {{"class", "fields"}, {"id", list_id}};
    html_open(h, "dl", dl, 2);
    for (size_t i = 0; i < report->kind->field_count; i++) {
        const struct sae_field *field = &report->kind->fields[i];
        const char *value = report->view.values[i];
        if (!value || field->type == SAE_FIELD_REFERENCE || !shown(only, field->name))
            continue;
        case_show_value(ctx->lang, field, value,
                        case_show_hidden_of(report->masked[i], report->withheld[i],
                                            report->erased[i]),
                        text);
        snprintf(dd_id, sizeof dd_id, "%s-%s", list_id, field->name);
        html_element(h, "dt", NULL, 0, msg_field_label(ctx->lang, field));
        html_open(h, "dd", &(struct html_attr){"id", dd_id}, 1);
        html_element(h, "span", &(struct html_attr){"class", "value"}, 1, text);
        if (report_under_review(report, field->name))
            mark(h, "mark review", msg_get(ctx->lang, MSG_CASE_UNDER_REVIEW), NULL);
        int rc = district_mark(h, ctx, report, i);
        if (rc != 0)
            return rc;
        html_close(h, "dd");
    }
    html_close(h, "dl");
    return h->error;
}

struct history_rows {
    struct html *h;
    const struct case_show *ctx;
    const struct report *report;
};

/* One row: when and by whom, the field's label (a set's element by its choice), the value. */
static int history_row(const struct history_entry *e, void *context)
{
    struct history_rows *rows = context;
    const struct case_show *ctx = rows->ctx;
    struct sae_field_ref ref = {0};
    char by[SAE_BYLINE_BYTES], value[SAE_VALUE_LABEL_BYTES], label[SAE_VALUE_LABEL_BYTES];
    if (e->redates || sae_catalogue_resolve(rows->report->kind, e->field, &ref) != 0)
        return 0; /* a re-dating repeats a change; the tombstone shows as the page's notice */
    sae_byline(e->author ? e->author : msg_get(ctx->lang, MSG_CASE_UNKNOWN_AUTHOR), e->device,
               sae_hlc_ms(e->version.hlc), ctx->now_ms, by);
    snprintf(label, sizeof label, "%s", msg_field_label(ctx->lang, ref.field));
    if (ref.element) {
        size_t used = strlen(label);
        snprintf(label + used, sizeof label - used, ": %s", label_of(ctx->lang, ref.element));
        snprintf(value, sizeof value, "%s",
                 msg_get(ctx->lang, e->value ? MSG_FORM_YES : MSG_FORM_NO));
    } else if (e->value) {
        case_show_value(ctx->lang, ref.field, e->value,
                        case_show_hidden_of(e->masked, e->withheld, e->erased), value);
    } else {
        snprintf(value, sizeof value, "%s", msg_get(ctx->lang, MSG_CASE_HISTORY_UNSET));
    }
    html_open(rows->h, "tr", NULL, 0);
    html_element(rows->h, "td", NULL, 0, by);
    html_element(rows->h, "td", NULL, 0, label);
    html_element(rows->h, "td", NULL, 0, value);
    html_close(rows->h, "tr");
    return 0;
}

int case_show_history(struct html *h, const struct case_show *ctx, const struct report *report,
                      const char *table_id)
{
    static const enum msg_id heads[] = {MSG_CASE_HISTORY_WHO, MSG_CASE_HISTORY_WHAT,
                                        MSG_CASE_HISTORY_VALUE};
    struct history_rows rows = {h, ctx, report};
    struct html_attr table[] = {{"class", "data history"}, {"id", table_id}};
    html_open(h, "table", table, 2);
    html_open(h, "thead", NULL, 0);
    html_open(h, "tr", NULL, 0);
    for (size_t i = 0; i < sizeof heads / sizeof *heads; i++)
        html_element(h, "th", &(struct html_attr){"scope", "col"}, 1, msg_get(ctx->lang, heads[i]));
    html_close(h, "tr");
    html_close(h, "thead");
    html_open(h, "tbody", NULL, 0);
    int rc = report_history(ctx->store, report->id, history_row, &rows);
    html_close(h, "tbody");
    html_close(h, "table");
    return rc != 0 ? rc : h->error;
}
