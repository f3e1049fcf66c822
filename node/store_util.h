/* Small helpers shared by the node's storage modules. */
#ifndef STORE_UTIL_H
#define STORE_UTIL_H

/* dir + "/" + name, malloc'd; NULL when out of memory. */
char *store_path_join(const char *dir, const char *name);

#endif
