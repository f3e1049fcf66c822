/* The case file (GET /kasus?id=ID): the case's fields with the district's marks, its
 * timeline (services and accompaniment, shelter stays with their extension and discharge,
 * referrals with their status) with a form to add each and to extend, discharge or answer
 * them, links to edit and delete the case, and its history (who, when). Its forms post to
 * page_case_post.c, which shows this page again, the failed form open with its problems. */
#ifndef PAGE_CASE_H
#define PAGE_CASE_H

#include "app/post_internal.h"
#include "app/report_form.h"

#define PAGE_CASE_PATH "/case"
#define PAGE_CASE_EDIT_PATH "/case/edit"
#define PAGE_CASE_DELETE_PATH "/case/delete"
#define PAGE_CASE_EVENT_PATH "/case/record"

/* The forms of the case file besides the case's own, by the "form" field they post. */
enum case_form_key {
    CASE_FORM_SERVICE,   /* a new service or accompaniment */
    CASE_FORM_SHELTER,   /* a new shelter stay */
    CASE_FORM_REFERRAL,  /* a new referral */
    CASE_FORM_EXTEND,    /* a shelter stay's extension */
    CASE_FORM_DISCHARGE, /* a shelter stay's discharge */
    CASE_FORM_ANSWER,    /* a referral's status */
    CASE_FORM_KEYS
};

struct case_form_spec {
    const char *key;           /* the "form" field's value */
    const char *kind;          /* the report kind it writes */
    bool adds;                 /* adds a report (else edits the event named by "id") */
    enum msg_id title;
    const char *const *fields; /* the fields it shows */
};
const struct case_form_spec *case_form_spec(enum case_form_key key);
/* The form of a posted "form" value; NULL when there is none. */
const struct case_form_spec *case_form_find(const char *key);

/* A form of the case file sent back: which, on which event (NULL for a new one), what was
 * posted, what is wrong. */
struct case_failed {
    const struct case_form_spec *spec;
    const char *event_id;
    const struct web_form *posted;
    const struct report_form *form;
    const char *refusal;
};

int page_case(struct post_exchange *x, const struct web_form *form);
int page_case_edit(struct post_exchange *x, const struct web_form *form);
int page_case_delete(struct post_exchange *x, const struct web_form *form);

/* The case file of id (canonical) answered with status, failed (or NULL) open. */
int page_case_show(struct post_exchange *x, const char *id, const struct case_failed *failed,
                   unsigned status);
/* The edit form of case id, sent back with posted and form's problems when given. */
int page_case_edit_show(struct post_exchange *x, const char *id, const struct web_form *posted,
                        const struct report_form *form, const char *refusal, unsigned status);
/* 303 to the case file of id, saying it was saved. */
int page_case_redirect(struct post_exchange *x, const char *id);

#endif
