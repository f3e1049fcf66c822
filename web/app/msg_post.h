/* The post app's half of the message catalogue (msg.h): the same enum and the same lookup
 * (msg_get asks here for an id msg.c does not hold), kept in a file of its own so that the
 * console's and the post app's messages each stay a readable size. */
#ifndef WEB_MSG_POST_H
#define WEB_MSG_POST_H

#include "app/msg.h"

struct msg_pair {
    const char *id, *en;
};

/* The post app's message id in lang, or "?" when it holds none. */
const char *msg_post_text(enum msg_lang lang, enum msg_id id);

#endif
