/* Shared by the post app's modules (post_app.c: sessions and dispatch; post_frame.c: the
 * page frame and pieces; post_routes.c: the route table; page_*.c: one page each). Not for
 * other layers: node/cli uses post_app.h. */
#ifndef POST_INTERNAL_H
#define POST_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "app/html.h"
#include "app/layout.h"
#include "app/msg.h"
#include "app/session.h"
#include "app/throttle.h"
#include "app/web_request.h"
#include "app/web_response.h"
#include "sae/sae_id.h"
#include "app/post_app.h"
#include "app/session_keys.h"
#include "store/node_staff.h"
#include "store/node_store.h"

struct post_app {
    pthread_mutex_t lock; /* one request at a time on the store */
    struct node_store *store;
    struct throttle *throttle;
    struct session_limits limits;
    struct sync_loop *loop; /* NULL: no sync loop beside the app */
    struct session_keys *keys; /* the signed-in sessions' storage keys */
};

/* One request: who asks (when signed in), in which language, at what time. */
struct post_exchange {
    struct post_app *app;
    struct node_store *store;
    const struct http_request *req;
    struct http_response *resp;
    bool signed_in;
    struct node_staff staff;
    char csrf[NODE_STAFF_CSRF_BYTES];
    uint8_t token_hash[NODE_STAFF_TOKEN_HASH_BYTES];
    enum msg_lang lang;
    int64_t now_s;
};

#define POST_A(name, value) ((struct html_attr){name, value})
#define POST_N(attrs) (sizeof attrs / sizeof attrs[0])

/* The frame of every page (post_frame.c): head with the stylesheet, the top bar (the post's
 * name, the menu of the pages that exist, language switch, who is signed in, sign-out) and
 * <main>. Write the page's content between open and close; close answers status. */
void post_page_open(struct html *h, const struct post_exchange *x, enum msg_id title);
int post_page_close(struct html *h, struct post_exchange *x, unsigned status);
/* A page of one message as an error (4xx/5xx). */
int post_page_message(struct post_exchange *x, unsigned status, enum msg_id text);

const char *post_say(const struct post_exchange *x, enum msg_id id);
/* The session's CSRF token as a hidden field of a form. */
void post_csrf_field(struct html *h, const struct post_exchange *x);
/* <div class=card> ... html_close(h, "div"). */
void post_card_begin(struct html *h);
/* A labelled input (type text, password, ...); value kept. */
void post_input(struct html *h, const char *id, const char *type, const char *label,
                const char *value, const char *autocomplete);
/* A form that posts to action with its CSRF field, and its submit button: open, then
 * fields, then post_form_end(h, id, label). */
void post_form_begin(struct html *h, const struct post_exchange *x, const char *action);
void post_form_end(struct html *h, const char *button_id, const char *label);
/* A table (layout_table_begin) headed by at most POST_TABLE_COLUMNS_MAX messages. */
#define POST_TABLE_COLUMNS_MAX 8u
/* A table (<div class=table-wrap><table class=data id=id>) with the headings, then <tbody>;
 * close with post_table_end. */
void post_table_begin(struct html *h, const struct post_exchange *x, const char *id,
                      const enum msg_id *headings, size_t count);
void post_table_end(struct html *h);
/* <dt>label</dt><dd id=id>value</dd> of a <dl class=facts>. */
void post_fact(struct html *h, const char *id, const char *label, const char *value);
/* A notice of kind ("ok" or "error"): notice, then detail (NULL: none) after a space. */
void post_alert(struct html *h, const char *kind, const char *notice, const char *detail);
/* The request's "id" query argument when it is a report id (canonical text), else false:
 * what the language switch keeps of a page's query when the whole of it does not fit. */
bool post_query_id(const struct post_exchange *x, char out[SAE_ID_TEXT_LEN + 1]);
/* "YYYY-MM-DD HH:MM" in the post's time (WIB, UTC+7) of ms since the epoch. */
void post_time_text(int64_t ms, char out[24]);

#endif
