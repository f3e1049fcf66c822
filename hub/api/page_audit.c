/* The audit page and its endpoint (page_audit.h). */
#include "api/page_audit.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/console_layout.h"
#include "store/audit_log.h"

struct audit_query {
    char actor[HUB_ACCOUNT_NAME_BYTES], action[HUB_AUDIT_ACTION_BYTES];
    char target[HUB_AUDIT_TARGET_BYTES], before[24];
    struct audit_filter filter;
};

/* SAE_EINVAL for arguments that are not UTF-8, too long, or a "before" that is no row. */
static int read_query(const struct console_exchange *x, struct audit_query *q)
{
    memset(q, 0, sizeof *q);
    if (layout_query(x, "actor", q->actor, sizeof q->actor) != 0 ||
        layout_query(x, "action", q->action, sizeof q->action) != 0 ||
        layout_query(x, "target", q->target, sizeof q->target) != 0 ||
        layout_query(x, "before", q->before, sizeof q->before) != 0)
        return SAE_EINVAL;
    char *end = NULL;
    long long before = q->before[0] ? strtoll(q->before, &end, 10) : 0;
    if (q->before[0] && (*end || before < 1))
        return SAE_EINVAL;
    q->filter = (struct audit_filter){q->actor[0] ? q->actor : NULL,
                                      q->action[0] ? q->action : NULL,
                                      q->target[0] ? q->target : NULL, before,
                                      AUDIT_PAGE_ROWS + 1};
    return 0;
}

/* A search of the audit is itself audited (who looked for whom): never a sensitive value,
 * since the log holds none. */
static int audit_search(struct console_exchange *x, const struct audit_query *q)
{
    if (!q->actor[0] && !q->action[0] && !q->target[0])
        return 0;
    char target[2 * HUB_AUDIT_TARGET_BYTES + HUB_ACCOUNT_NAME_BYTES]; /* cut by the append */
    snprintf(target, sizeof target, "actor=%s action=%s target=%s", q->actor, q->action,
             q->target);
    return hub_audit_append(x->store, x->caller.account.name, "audit-search", target,
                            x->caller.address, x->now_s * 1000);
}

struct page_rows {
    struct html *h;
    int64_t last_seq;
    size_t count;
    bool more; /* a row past the page: there are older ones */
};

static int page_row(const struct audit_row *row, void *context)
{
    struct page_rows *p = context;
    char when[LAYOUT_TIME_BYTES];
    if (p->count == AUDIT_PAGE_ROWS) {
        p->more = true;
        return 0;
    }
    layout_time(row->at_ms, when);
    html_open(p->h, "tr", NULL, 0);
    layout_cell(p->h, when);
    layout_cell(p->h, row->actor);
    layout_cell(p->h, row->action);
    layout_cell(p->h, row->target);
    layout_cell(p->h, row->address);
    html_close(p->h, "tr");
    p->last_seq = row->seq;
    p->count++;
    return 0;
}

static void filter_form(struct html *h, const struct console_exchange *x,
                        const struct audit_query *q)
{
    const struct html_attr form[] = {LAYOUT_A("method", "get"), LAYOUT_A("action", "/console/audit"),
                                     LAYOUT_A("class", "filters"), LAYOUT_A("id", "filters")};
    const struct html_attr submit[] = {LAYOUT_A("type", "submit"), LAYOUT_A("class", "primary"),
                                       LAYOUT_A("id", "filter")};
    html_open(h, "form", form, LAYOUT_N(form));
    layout_filter_field(h, "actor", layout_say(x, MSG_WHO), q->actor);
    layout_filter_field(h, "action", layout_say(x, MSG_ACTION), q->action);
    layout_filter_field(h, "target", layout_say(x, MSG_TARGET_CONTAINS), q->target);
    html_element(h, "button", submit, LAYOUT_N(submit), layout_say(x, MSG_FILTER));
    html_close(h, "form");
}

static void older_link(struct html *h, const struct console_exchange *x,
                       const struct audit_query *q, int64_t last_seq)
{
    char href[1024] = "/console/audit?actor=", before[24];
    snprintf(before, sizeof before, "%" PRId64, last_seq);
    int rc = layout_url_append(href, sizeof href, q->actor);
    const char *parts[][2] = {{"&action=", q->action}, {"&target=", q->target},
                              {"&before=", before}};
    for (size_t i = 0; rc == 0 && i < LAYOUT_N(parts); i++) {
        size_t len = strlen(href);
        if (len + strlen(parts[i][0]) >= sizeof href)
            rc = SAE_ETOOBIG;
        else
            strcat(href, parts[i][0]);
        if (rc == 0)
            rc = layout_url_append(href, sizeof href, parts[i][1]);
    }
    const struct html_attr link[] = {LAYOUT_A("href", href), LAYOUT_A("id", "older"),
                                     LAYOUT_A("class", "button")};
    if (rc == 0)
        html_element(h, "a", link, LAYOUT_N(link), layout_say(x, MSG_OLDER));
}

int page_audit(struct console_exchange *x, const struct web_form *form)
{
    (void)form;
    static const enum msg_id columns[] = {MSG_WHEN, MSG_WHO, MSG_ACTION, MSG_TARGET, MSG_ADDRESS};
    struct audit_query q;
    if (read_query(x, &q) != 0)
        return console_page_message(x, 400, MSG_BAD_REQUEST);
    int rc = audit_search(x, &q);
    if (rc != 0)
        return rc;
    struct html h;
    html_init(&h);
    console_page_open(&h, x, MSG_AUDIT, "audit", false);
    layout_heading(&h, x, MSG_AUDIT);
    layout_note(&h, "intro", NULL, layout_say(x, MSG_AUDIT_INTRO));
    filter_form(&h, x, &q);
    layout_table_begin_msgs(&h, x, "audit", columns, LAYOUT_N(columns));
    struct page_rows rows = {&h, 0, 0, false};
    rc = audit_log_read(x->store, &q.filter, page_row, &rows);
    layout_table_end(&h);
    if (rows.count == 0)
        layout_note(&h, "empty", "empty", layout_say(x, MSG_NO_ROWS));
    if (rows.more)
        older_link(&h, x, &q, rows.last_seq);
    if (rc != 0) {
        html_free(&h);
        return rc;
    }
    return console_page_close(&h, x, 200);
}

static int json_row(const struct audit_row *row, void *context)
{
    if (json_array_size(context) == AUDIT_PAGE_ROWS)
        return 0; /* the row that tells the page there are more */
    json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s}", "seq", (json_int_t)row->seq,
                          "at_ms", (json_int_t)row->at_ms, "actor", row->actor, "action",
                          row->action, "target", row->target, "address", row->address);
    return o && json_array_append_new(context, o) == 0 ? 0 : SAE_ENOMEM;
}

int api_audit(struct console_exchange *x, const struct web_form *form)
{
    (void)form;
    struct audit_query q;
    if (read_query(x, &q) != 0)
        return console_api_error(x, 400, "bad-query", "actor, action and target are text of "
                                 "their limits; before a row's seq");
    json_t *rows = json_array();
    int rc = rows ? audit_search(x, &q) : SAE_ENOMEM;
    if (rc == 0)
        rc = audit_log_read(x->store, &q.filter, json_row, rows);
    if (rc != 0) {
        json_decref(rows);
        return rc;
    }
    return console_api_answer(x, 200, json_pack("{s:o}", "rows", rows));
}
