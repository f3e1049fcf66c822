/* The console's case work in the message catalogue (msg.h): the reports list, a case file,
 * conflicts, duplicates, the search by name and erasure. The same enum and the same lookup
 * (msg_get asks here for an id msg.c does not hold), kept in a file of its own so that each
 * part of the catalogue stays a readable size. */
#ifndef WEB_MSG_CASES_H
#define WEB_MSG_CASES_H

#include "app/msg_post.h" /* struct msg_pair */

/* The case work's message id in lang, or NULL when it holds none. */
const char *msg_cases_text(enum msg_lang lang, enum msg_id id);

#endif
