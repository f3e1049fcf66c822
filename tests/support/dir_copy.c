/* Copies of test directories (dir_copy.h). */
#include "dir_copy.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sae/sae_error.h"

static int file_copy(const char *from, const char *to)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return SAE_EIO;
    struct stat st;
    int out = fstat(in, &st) == 0 ? open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                                         st.st_mode & 0777)
                                   : -1;
    int rc = out >= 0 ? 0 : SAE_EIO;
    char buf[1 << 16];
    for (ssize_t n; rc == 0 && (n = read(in, buf, sizeof buf)) != 0;)
        rc = n > 0 && write(out, buf, (size_t)n) == n ? 0 : SAE_EIO;
    if (out >= 0 && close(out) != 0)
        rc = SAE_EIO;
    close(in);
    return rc;
}

int dir_copy_files(const char *from_dir, const char *to_dir)
{
    DIR *dir = opendir(from_dir);
    if (!dir)
        return SAE_EIO;
    int rc = 0;
    char from[320], to[320];
    for (struct dirent *e; rc == 0 && (e = readdir(dir));) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(from, sizeof from, "%s/%s", from_dir, e->d_name);
        snprintf(to, sizeof to, "%s/%s", to_dir, e->d_name);
        struct stat st;
        if (stat(from, &st) == 0 && S_ISREG(st.st_mode))
            rc = file_copy(from, to);
    }
    closedir(dir);
    return rc;
}
