/* The reports list and exports (page_reports.h). Only non-sensitive columns are listed; the
 * conflict badge is case_list's count, the queue's own criterion. */
#include "api/page_reports.h"

#include <inttypes.h>
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/html.h"
#include "app/session_keys.h"
#include "render/render_export.h"
#include "sae/sae_secure_mem.h"
#include "sae/sae_validate.h"
#include "store/district_key.h"
#include "store/hub_areas.h"
#include "store/name_index.h"

#define A LAYOUT_A
#define N LAYOUT_N
#define PAGE_ROWS 50u

static void query_text(struct console_exchange *x, const char *name, char *out, size_t cap)
{
    if (web_request_query(x->req, name, out, cap) != 0)
        out[0] = '\0';
}

static const char *or_null(const char *text)
{
    return text[0] ? text : NULL;
}

static int parse_choice(const char *text, const char *const *names, size_t count, int *out)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(text, names[i]) == 0) {
            *out = (int)i;
            return 0;
        }
    return SAE_EINVAL;
}

static const char *const SORTS[] = {"date", "updated", "village", "registration"};
static const char *const CONFLICT_CHOICES[] = {"no", "yes"};

int report_filter_read(struct console_exchange *x, struct report_filter *f,
                       struct sae_message *why)
{
    static const struct {
        const char *name;
        size_t offset, size;
    } texts[] = {
#define TEXT(name, member) {name, offsetof(struct report_filter, member), \
                            sizeof ((struct report_filter *)0)->member}
        TEXT("kind", kind),         TEXT("kecamatan", kecamatan), TEXT("village", village_text),
        TEXT("status", status),     TEXT("risk", risk),           TEXT("violence", violence),
        TEXT("from", from),         TEXT("to", to),               TEXT("conflict", conflict),
        TEXT("review", review),     TEXT("q", text),              TEXT("sort", sort),
        TEXT("offset", offset),
#undef TEXT
    };
    memset(f, 0, sizeof *f);
    for (size_t i = 0; i < N(texts); i++)
        query_text(x, texts[i].name, (char *)f + texts[i].offset, texts[i].size);
    struct hub_list_query *q = &f->query;
    q->kind = or_null(f->kind);
    q->kecamatan = or_null(f->kecamatan);
    q->status = or_null(f->status);
    q->risk = or_null(f->risk);
    q->violence = or_null(f->violence);
    q->from = or_null(f->from);
    q->to = or_null(f->to);
    q->review = or_null(f->review);
    q->text = or_null(f->text);
    q->has_conflict = -1;
    q->limit = PAGE_ROWS;
    int sort = 0;
    if (f->conflict[0] && parse_choice(f->conflict, CONFLICT_CHOICES, 2, &q->has_conflict)) {
        sae_message_set(why, "conflict: yes or no");
        return SAE_EINVAL;
    }
    if (f->sort[0] && parse_choice(f->sort, SORTS, N(SORTS), &sort)) {
        sae_message_set(why, "sort: date, updated, village or registration");
        return SAE_EINVAL;
    }
    q->sort = (enum hub_list_sort)sort;
    char *end = NULL;
    unsigned long long offset = f->offset[0] ? strtoull(f->offset, &end, 10) : 0;
    if (f->offset[0] && (*end || f->offset[0] == '-' || offset > HUB_LIST_OFFSET_MAX)) {
        sae_message_set(why, "offset: 0 to %d", HUB_LIST_OFFSET_MAX);
        return SAE_EINVAL;
    }
    q->offset = (size_t)offset;
    if (f->village_text[0]) {
        int rc = hub_areas_resolve(x->store, f->village_text, SAE_AREA_VILLAGE, f->village, why);
        if (rc != 0)
            return rc == SAE_ENOMEM || rc == SAE_EDB || rc == SAE_EBUSY ? rc : SAE_EINVAL;
        q->village = f->village;
    }
    return 0;
}

/* Whether names were searched, and if not why (the page says so). */
enum name_search_state {
    NAMES_NOT_ASKED,   /* no search text */
    NAMES_NOT_ROLE,    /* only coordinators search names */
    NAMES_NO_KEY,      /* a coordinator whose session holds no district key */
    NAMES_SEARCHED,
    NAMES_BEHIND,      /* searched, but the index has changes left to catch up */
};

struct name_search {
    struct hub_store *store;
    const char *text;
    uint8_t tokens[NAME_INDEX_QUERY_WORDS][NAME_INDEX_TOKEN_BYTES];
    size_t count;
    bool behind;
};

/* NAME_INDEX_CATCH_UP_VALUES, or less in a test (PAGE_REPORTS_ENV_CHUNK). */
static size_t catch_up_values(void)
{
    const char *text = getenv(PAGE_REPORTS_ENV_CHUNK);
    char *end = NULL;
    unsigned long n = text && *text ? strtoul(text, &end, 10) : 0;
    return n >= 1 && n <= NAME_INDEX_CATCH_UP_VALUES && end && !*end ? (size_t)n
                                                                    : NAME_INDEX_CATCH_UP_VALUES;
}

/* The session's district secret, copied (secure memory) while its set's lock is held: the
 * catch-up then runs without holding every other session's key operations up. */
static int secret_copy(const unsigned char *secret, void *context)
{
    return sae_secure_dup(secret, DISTRICT_KEY_BYTES, (void **)context);
}

/* With the district secret: the index brought up to date (a bounded chunk) and the text's
 * tokens. */
static int name_search_with(struct name_search *s, const unsigned char *secret)
{
    size_t opened = 0;
    int rc = name_index_catch_up(s->store, secret, catch_up_values(), &s->behind, &opened);
    return rc == 0 ? name_index_query_tokens(secret, s->text, s->tokens, &s->count) : rc;
}

/* A coordinator's search text is also matched against names, through the blind index. */
static int name_search(struct console_exchange *x, struct report_filter *f,
                       struct name_search *s, enum name_search_state *state)
{
    const char *text = f->query.text;
    *state = NAMES_NOT_ASKED;
    if (!text || strlen(text) > HUB_LIST_TEXT_MAX || sae_utf8_check(text, strlen(text)) != 0)
        return 0; /* the list refuses it, with its own words */
    *state = !console_may(x->caller.account.role, RIGHT_REVEAL) ? NAMES_NOT_ROLE
             : !x->caller.holds_key                              ? NAMES_NO_KEY
                                                                 : NAMES_SEARCHED;
    if (*state != NAMES_SEARCHED)
        return 0;
    *s = (struct name_search){.store = x->store, .text = text};
    unsigned char *secret = NULL;
    int rc = session_keys_use(x->console->keys, x->caller.token_hash, secret_copy, &secret);
    if (rc == SAE_ENOTFOUND) { /* the key was dropped since the request began */
        *state = NAMES_NO_KEY;
        return 0;
    }
    if (rc == 0)
        rc = name_search_with(s, secret);
    sae_secure_free(secret);
    if (rc != 0)
        return rc;
    if (s->behind)
        *state = NAMES_BEHIND;
    f->query.name_tokens = (const uint8_t(*)[NAME_INDEX_TOKEN_BYTES])s->tokens;
    f->query.name_token_count = s->count;
    return 0;
}

int report_list_load(struct console_exchange *x, struct report_filter *f,
                     struct hub_list_page *page, struct sae_message *why)
{
    int rc = report_filter_read(x, f, why);
    return rc == 0 ? hub_case_list(x->store, &f->query, page, why) : rc;
}

/* The filters' query string (without offset), ending in '&', for paging and exports. */
static void filter_base(const struct report_filter *f, const char *path, char *out, size_t cap)
{
    const char *names[] = {"kind", "kecamatan", "village", "status", "risk", "violence",
                           "from", "to", "conflict", "review", "q", "sort"};
    const char *values[] = {f->kind, f->kecamatan, f->village_text, f->status, f->risk,
                            f->violence, f->from, f->to, f->conflict, f->review, f->text,
                            f->sort};
    size_t len = (size_t)snprintf(out, cap, "%s?", path);
    for (size_t i = 0; i < N(names) && len < cap; i++) {
        if (!values[i][0])
            continue;
        len += (size_t)snprintf(out + len, cap - len, "%s=", names[i]);
        for (const unsigned char *c = (const unsigned char *)values[i]; *c && len + 4 < cap; c++)
            len += (size_t)snprintf(out + len, cap - len,
                                    (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                                            (*c >= '0' && *c <= '9') || *c == '.' || *c == '-'
                                        ? "%c"
                                        : "%%%02X",
                                    *c);
        if (len + 1 < cap)
            out[len++] = '&';
        out[len < cap ? len : cap - 1] = '\0';
    }
}

static void field_options(struct html *h, const struct console_exchange *x, const char *id,
                          enum msg_id label, const char *field_name, const char *selected)
{
    const struct sae_kind *kind = NULL;
    const struct sae_field *field = NULL;
    struct layout_option options[32];
    size_t n = 0;
    if (sae_catalogue_find_kind("case", &kind) == 0 &&
        sae_catalogue_find_field(kind, field_name, &field) == 0)
        for (size_t i = 0; i < field->value_count && n < N(options); i++)
            options[n++] = (struct layout_option){field->values[i].code,
                                                  x->lang == MSG_LANG_EN
                                                      ? field->values[i].label_en
                                                      : field->values[i].label_id};
    layout_select(h, id, layout_say(x, label), options, n, layout_say(x, MSG_ANY), selected);
}

static void kecamatan_options(struct html *h, const struct console_exchange *x,
                              const char *selected)
{
    const struct sae_area_list *areas = NULL;
    struct layout_option options[64];
    size_t n = 0;
    if (sae_area_list_shared(&areas) == 0)
        for (size_t i = 0; i < areas->count && n < N(options); i++)
            if (areas->items[i].level == SAE_AREA_DISTRICT)
                options[n++] = (struct layout_option){areas->items[i].code,
                                                      areas->items[i].name};
    layout_select(h, "kecamatan", layout_say(x, MSG_KECAMATAN), options, n,
                  layout_say(x, MSG_ANY), selected);
}

static void filter_form(struct html *h, const struct console_exchange *x,
                        const struct report_filter *f)
{
    const struct html_attr form[] = {A("method", "get"), A("action", "/console/reports"),
                                     A("class", "filters"), A("id", "filters")};
    html_open(h, "form", form, N(form));
    struct layout_option kinds[8];
    size_t nk = 0;
    for (size_t i = 0; i < sae_catalogue_kind_count() && nk < N(kinds); i++) {
        const struct sae_kind *k = sae_catalogue_kind_at(i);
        kinds[nk++] = (struct layout_option){k->name, x->lang == MSG_LANG_EN ? k->label_en
                                                                             : k->label_id};
    }
    layout_select(h, "kind", layout_say(x, MSG_KIND), kinds, nk, layout_say(x, MSG_ANY), f->kind);
    kecamatan_options(h, x, f->kecamatan);
    layout_input(h, "village", "text", layout_say(x, MSG_VILLAGE), f->village_text);
    field_options(h, x, "status", MSG_STATUS, "status", f->status);
    field_options(h, x, "risk", MSG_RISK, "risk_level", f->risk);
    field_options(h, x, "violence", MSG_VIOLENCE, "violence_types", f->violence);
    layout_input(h, "from", "date", layout_say(x, MSG_INTAKE_FROM), f->from);
    layout_input(h, "to", "date", layout_say(x, MSG_INTAKE_TO), f->to);
    const struct layout_option conflict[] = {{"yes", layout_say(x, MSG_YES)},
                                             {"no", layout_say(x, MSG_NO)}};
    layout_select(h, "conflict", layout_say(x, MSG_HAS_CONFLICT), conflict, 2,
                  layout_say(x, MSG_ANY), f->conflict);
    const struct layout_option review[] = {{"none", layout_say(x, MSG_REVIEW_NONE)},
                                           {"received", layout_say(x, MSG_REVIEW_RECEIVED)},
                                           {"has_issues", layout_say(x, MSG_REVIEW_HAS_ISSUES)},
                                           {"approved", layout_say(x, MSG_REVIEW_APPROVED)}};
    layout_select(h, "review", layout_say(x, MSG_REVIEW), review, N(review),
                  layout_say(x, MSG_ANY), f->review);
    layout_input(h, "q", "search",
                 layout_say(x, console_may(x->caller.account.role, RIGHT_REVEAL) ? MSG_SEARCH_NAMES
                                                                                 : MSG_SEARCH),
                 f->text);
    const struct layout_option sorts[] = {{"date", layout_say(x, MSG_SORT_DATE)},
                                          {"updated", layout_say(x, MSG_SORT_UPDATED)},
                                          {"village", layout_say(x, MSG_VILLAGE)},
                                          {"registration", layout_say(x, MSG_REGISTRATION)}};
    layout_select(h, "sort", layout_say(x, MSG_SORT), sorts, N(sorts), NULL, f->sort);
    const struct html_attr button[] = {A("type", "submit"), A("id", "apply")};
    html_open(h, "div", NULL, 0);
    html_element(h, "button", button, N(button), layout_say(x, MSG_FILTER));
    html_close(h, "div");
    html_close(h, "form");
}

static const char *enum_label(const struct console_exchange *x, const char *field_name,
                              const char *code)
{
    const struct sae_kind *kind = NULL;
    const struct sae_field *field = NULL;
    const struct sae_enum_value *v = NULL;
    if (code && sae_catalogue_find_kind("case", &kind) == 0 &&
        sae_catalogue_find_field(kind, field_name, &field) == 0 &&
        (v = sae_field_find_value(field, code)) != NULL)
        return x->lang == MSG_LANG_EN ? v->label_en : v->label_id;
    return code;
}

/* "a,b" of violence_types as their labels, ", "-separated. */
static void violence_labels(const struct console_exchange *x, const char *codes, char *out,
                            size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (const char *c = codes; c && *c && len < cap;) {
        size_t n = strcspn(c, ",");
        char code[48];
        snprintf(code, sizeof code, "%.*s", (int)(n < sizeof code ? n : sizeof code - 1), c);
        len += (size_t)snprintf(out + len, cap - len, "%s%s", len ? ", " : "",
                                enum_label(x, "violence_types", code));
        c += n + (c[n] == ',');
    }
}

static void row_badges(struct html *h, const struct console_exchange *x,
                       const struct hub_list_row *r)
{
    html_open(h, "td", NULL, 0);
    if (r->open_conflicts > 0) {
        char text[64];
        snprintf(text, sizeof text, "%" PRId64 " %s", r->open_conflicts,
                 layout_say(x, MSG_CONFLICTS_BADGE));
        const struct html_attr badge[] = {A("class", "badge conflict")};
        html_element(h, "span", badge, N(badge), text);
    }
    if (r->review) {
        const struct html_attr badge[] = {A("class", strcmp(r->review, "approved") == 0
                                                         ? "badge ok" : "badge")};
        enum msg_id id = strcmp(r->review, "approved") == 0     ? MSG_REVIEW_APPROVED
                         : strcmp(r->review, "has_issues") == 0 ? MSG_REVIEW_HAS_ISSUES
                                                                : MSG_REVIEW_RECEIVED;
        html_text(h, " ");
        html_element(h, "span", badge, N(badge), layout_say(x, id));
    }
    html_close(h, "td");
}

static void rows_table(struct html *h, const struct console_exchange *x,
                       const struct hub_list_page *page)
{
    const char *heads[] = {layout_say(x, MSG_REGISTRATION), layout_say(x, MSG_KIND),
                           layout_say(x, MSG_VILLAGE),      layout_say(x, MSG_DATE),
                           layout_say(x, MSG_STATUS),       layout_say(x, MSG_RISK),
                           layout_say(x, MSG_VIOLENCE),     layout_say(x, MSG_MARKS)};
    layout_table_begin(h, "reports", heads, N(heads));
    for (size_t i = 0; i < page->count; i++) {
        const struct hub_list_row *r = &page->rows[i];
        char href[64];
        snprintf(href, sizeof href, "/console/case?id=%s", r->id);
        html_open(h, "tr", NULL, 0);
        bool is_case = strcmp(r->kind->name, "case") == 0;
        if (is_case)
            layout_cell_link(h, href, r->registration ? r->registration : r->id);
        else /* an event's id, cut as people quote it (a unique prefix) */
            html_element(h, "td", NULL, 0, (char[9]){r->id[0], r->id[1], r->id[2], r->id[3],
                                                     r->id[4], r->id[5], r->id[6], r->id[7], 0});
        layout_cell(h, x->lang == MSG_LANG_EN ? r->kind->label_en : r->kind->label_id);
        layout_cell(h, r->village_name ? r->village_name : r->village);
        layout_cell(h, r->date);
        layout_cell(h, enum_label(x, "status", r->status));
        layout_cell(h, enum_label(x, "risk_level", r->risk));
        char violence[256];
        violence_labels(x, r->violence, violence, sizeof violence);
        layout_cell(h, r->violence ? violence : NULL);
        row_badges(h, x, r);
        html_close(h, "tr");
    }
    layout_table_end(h);
}

static void export_links(struct html *h, const struct console_exchange *x, const char *base)
{
    const struct html_attr box[] = {A("class", "actions"), A("id", "exports")};
    html_open(h, "div", box, N(box));
    html_element(h, "strong", NULL, 0, layout_say(x, MSG_DOWNLOAD));
    static const struct {
        const char *query;
        enum msg_id label;
        bool full;
    } links[] = {{"format=csv&variant=deidentified", MSG_EXPORT_CSV, false},
                 {"format=json&variant=deidentified", MSG_EXPORT_JSON, false},
                 {"format=csv&variant=full", MSG_EXPORT_FULL_CSV, true}};
    for (size_t i = 0; i < N(links); i++) {
        if (links[i].full && !console_may(x->caller.account.role, RIGHT_EXPORT_FULL))
            continue;
        char href[1400], id[24];
        snprintf(href, sizeof href, "%s%s", base, links[i].query);
        snprintf(id, sizeof id, "export-%zu", i);
        const struct html_attr a[] = {A("href", href), A("id", id), A("download", NULL)};
        html_element(h, "a", a, N(a), layout_say(x, links[i].label));
    }
    html_close(h, "div");
}

/* What a search did with names, in the page's words. */
static void names_note(struct html *h, const struct console_exchange *x,
                       enum name_search_state state)
{
    static const enum msg_id said[] = {
        [NAMES_NOT_ROLE] = MSG_NAMES_COORDINATOR_ONLY,
        [NAMES_NO_KEY] = MSG_NAMES_SIGN_IN_AGAIN,
        [NAMES_BEHIND] = MSG_NAMES_CATCHING_UP,
    };
    bool operator_page = state == NAMES_NOT_ASKED &&
                         !console_may(x->caller.account.role, RIGHT_REVEAL);
    if (operator_page)
        state = NAMES_NOT_ROLE; /* said before anyone searches */
    if (state == NAMES_NOT_ASKED || state == NAMES_SEARCHED)
        return;
    const struct html_attr p[] = {A("class", state == NAMES_NOT_ROLE ? "hint" : "alert warn"),
                                  A("id", "names-note")};
    html_element(h, "p", p, N(p), layout_say(x, said[state]));
}

int page_reports(struct console_exchange *x, const struct web_form *form)
{
    (void)form;
    struct report_filter f;
    struct sae_message why = {{0}};
    struct hub_list_page page = {0};
    struct name_search names;
    enum name_search_state named = NAMES_NOT_ASKED;
    int rc = report_filter_read(x, &f, &why);
    if (rc == 0)
        rc = name_search(x, &f, &names, &named);
    if (rc == 0)
        rc = hub_case_list(x->store, &f.query, &page, &why);
    sodium_memzero(names.tokens, sizeof names.tokens);
    if (rc != 0 && rc != SAE_EINVAL && rc != SAE_ENOTFOUND && rc != SAE_EAMBIGUOUS)
        return rc;
    char base[1200], export_base[1200];
    filter_base(&f, "/console/reports", base, sizeof base);
    filter_base(&f, "/console/export", export_base, sizeof export_base);
    struct html h;
    html_init(&h);
    console_page_open(&h, x, MSG_REPORTS, "reports", false);
    html_element(&h, "h1", NULL, 0, layout_say(x, MSG_REPORTS));
    filter_form(&h, x, &f);
    names_note(&h, x, named);
    if (rc != 0) {
        char text[SAE_MESSAGE_BYTES + 128];
        snprintf(text, sizeof text, "%s %s", layout_say(x, MSG_FILTER_REFUSED), why.text);
        layout_alert(&h, "error", text);
    } else {
        char totals[96];
        snprintf(totals, sizeof totals, "%" PRId64 " %s", page.total, layout_say(x, MSG_FOUND));
        const struct html_attr t[] = {A("class", "totals"), A("id", "total")};
        html_element(&h, "p", t, N(t), totals);
        export_links(&h, x, export_base);
        rows_table(&h, x, &page);
        layout_pager(&h, x, base, f.query.offset, f.query.limit, page.total);
    }
    hub_list_page_free(&page);
    return console_page_close(&h, x, rc == 0 ? 200 : 400);
}

int page_export(struct console_exchange *x, const struct web_form *form)
{
    (void)form;
    struct report_filter f;
    struct sae_message why = {{0}};
    char format[8] = "", variant[16] = "";
    query_text(x, "format", format, sizeof format);
    query_text(x, "variant", variant, sizeof variant);
    bool csv = strcmp(format, "json") != 0, full = strcmp(variant, "full") == 0;
    if ((format[0] && strcmp(format, "csv") && strcmp(format, "json")) ||
        (variant[0] && !full && strcmp(variant, "deidentified")))
        return console_page_message(x, 400, MSG_BAD_REQUEST);
    if (full && !console_may(x->caller.account.role, RIGHT_EXPORT_FULL))
        return console_page_message(x, 403, MSG_FORBIDDEN);
    int rc = report_filter_read(x, &f, &why);
    if (rc != 0)
        return rc == SAE_ENOMEM || rc == SAE_EDB ? rc : console_page_message(x, 400, MSG_BAD_REQUEST);
    char *text = NULL;
    size_t len = 0, count = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out)
        return SAE_ENOMEM;
    struct hub_export_request request = {&f.query, full ? HUB_EXPORT_FULL : HUB_EXPORT_DEIDENTIFIED,
                                         csv, full};
    rc = hub_export_write(x->store, out, &request, &count, &why);
    if (fclose(out) != 0 && rc == 0)
        rc = SAE_EIO;
    if (rc == 0) {
        char target[96];
        snprintf(target, sizeof target, "%s %s, %zu reports", full ? "full" : "de-identified",
                 csv ? "csv" : "json", count);
        rc = hub_audit_append(x->store, x->caller.account.name, "export", target,
                              x->caller.address, x->now_s * 1000);
    }
    if (rc == 0)
        rc = web_response_header(x->resp, "Content-Disposition",
                                 csv ? "attachment; filename=\"laporan.csv\""
                                     : "attachment; filename=\"laporan.json\"");
    if (rc != 0) {
        free(text);
        return rc == SAE_EINVAL ? console_page_message(x, 400, MSG_BAD_REQUEST) : rc;
    }
    return web_response_body(x->resp, 200, csv ? "text/csv; charset=utf-8" : "application/json",
                             (uint8_t *)text, len);
}
