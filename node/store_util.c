#include "store_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *store_path_join(const char *dir, const char *name)
{
    size_t len = strlen(dir) + 1 + strlen(name) + 1;
    char *path = malloc(len);
    if (path)
        snprintf(path, len, "%s/%s", dir, name);
    return path;
}
