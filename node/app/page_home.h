/* Beranda, the post app's home page (page_home.c). */
#ifndef PAGE_HOME_H
#define PAGE_HOME_H

#include "app/post_internal.h"

/* GET /: the cases needing action, the last sync, what waits to be sent, and a warning in
 * plain words when this computer's clock is wrong. */
int page_home(struct post_exchange *x, const struct web_form *form);

#endif
