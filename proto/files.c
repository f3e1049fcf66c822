#include "sae/sae_files.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

char *sae_path_join(const char *dir, const char *name)
{
    size_t len = strlen(dir) + 1 + strlen(name) + 1;
    char *path = malloc(len);
    if (path)
        snprintf(path, len, "%s/%s", dir, name);
    return path;
}

int sae_dir_create_private(const char *path)
{
    char *copy = strdup(path);
    int rc = 0;
    if (!copy)
        return SAE_ENOMEM;
    for (char *p = copy + 1; *p && rc == 0; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(copy, 0700) != 0 && errno != EEXIST)
            rc = SAE_EIO;
        *p = '/';
    }
    if (rc == 0 && mkdir(copy, 0700) != 0 && errno != EEXIST)
        rc = SAE_EIO;
    if (rc == 0 && chmod(copy, 0700) != 0)
        rc = SAE_EIO;
    free(copy);
    return rc;
}

static int fsync_directory(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = 0;
    if (fd < 0)
        return SAE_EIO;
    if (fsync(fd) != 0)
        rc = SAE_EIO;
    close(fd);
    return rc;
}

int sae_fsync_parent(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return SAE_ENOMEM;
    int rc = fsync_directory(dirname(copy));
    free(copy);
    return rc;
}

int sae_file_write_private(const char *dir, const char *name, const void *bytes, size_t len)
{
    char tmp_name[256];
    snprintf(tmp_name, sizeof tmp_name, "%s.tmp", name);
    char *tmp = sae_path_join(dir, tmp_name);
    char *final = sae_path_join(dir, name);
    int rc = SAE_ENOMEM, fd = -1;
    if (!tmp || !final)
        goto out;
    rc = SAE_EIO;
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0 || fchmod(fd, 0600) != 0 || write(fd, bytes, len) != (ssize_t)len ||
        fsync(fd) != 0)
        goto out;
    if (close(fd) != 0) {
        fd = -1;
        goto out;
    }
    fd = -1;
    if (rename(tmp, final) != 0)
        goto out;
    rc = fsync_directory(dir);
out:
    if (fd >= 0)
        close(fd);
    if (rc != 0 && tmp)
        unlink(tmp);
    free(tmp);
    free(final);
    return rc;
}

int sae_file_read_private(const char *path, void *bytes, size_t len)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno == ENOENT ? SAE_ENOTFOUND : SAE_EIO;
    int rc = fstat(fd, &st) == 0 ? 0 : SAE_EIO;
    if (rc == 0 && (st.st_mode & 077))
        rc = SAE_EPERM;
    if (rc == 0 && st.st_size != (off_t)len)
        rc = SAE_EIO;
    if (rc == 0 && read(fd, bytes, len) != (ssize_t)len)
        rc = SAE_EIO;
    close(fd);
    return rc;
}

/* Zeros over the file's whole length, in blocks. */
static int zero_fill(int fd)
{
    static const unsigned char zeros[4096];
    struct stat st;
    if (fstat(fd, &st) != 0)
        return SAE_EIO;
    for (off_t done = 0; done < st.st_size;) {
        size_t chunk = st.st_size - done < (off_t)sizeof zeros ? (size_t)(st.st_size - done)
                                                               : sizeof zeros;
        ssize_t wrote = pwrite(fd, zeros, chunk, done);
        if (wrote <= 0)
            return SAE_EIO;
        done += wrote;
    }
    return fsync(fd) == 0 ? 0 : SAE_EIO;
}

int sae_file_remove_scrubbed(const char *dir, const char *name)
{
    char *path = sae_path_join(dir, name);
    if (!path)
        return SAE_ENOMEM;
    int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    int rc = fd < 0 ? (errno == ENOENT ? SAE_ENOTFOUND : SAE_EIO) : zero_fill(fd);
    if (fd >= 0 && close(fd) != 0 && rc == 0)
        rc = SAE_EIO;
    if (fd >= 0 && unlink(path) != 0)
        rc = SAE_EIO;
    if (rc == 0)
        rc = fsync_directory(dir);
    free(path);
    return rc;
}

/* A key written under a name of its own, then linked to name: link never replaces a key
 * another process made meanwhile (rename would, and whatever was keyed with the first key
 * would silently stop matching). */
static int make_random_key(const char *dir, const char *name, size_t len)
{
    unsigned char key[SAE_FILE_KEY_MAX_BYTES];
    char made_name[128];
    snprintf(made_name, sizeof made_name, "%s.%ld.new", name, (long)getpid());
    randombytes_buf(key, len);
    int rc = sae_file_write_private(dir, made_name, key, len);
    sodium_memzero(key, sizeof key);
    char *made = sae_path_join(dir, made_name), *final = sae_path_join(dir, name);
    if (rc == 0 && (!made || !final))
        rc = SAE_ENOMEM;
    if (rc == 0 && link(made, final) != 0 && errno != EEXIST)
        rc = SAE_EIO;
    if (made)
        unlink(made);
    free(made);
    free(final);
    return rc;
}

int sae_file_key_load(const char *dir, const char *name, void *key, size_t len)
{
    if (len == 0 || len > SAE_FILE_KEY_MAX_BYTES)
        return SAE_EINVAL;
    char *path = sae_path_join(dir, name);
    if (!path)
        return SAE_ENOMEM;
    int rc = sae_file_read_private(path, key, len);
    if (rc == SAE_ENOTFOUND) {
        rc = make_random_key(dir, name, len);
        if (rc == 0)
            rc = sae_file_read_private(path, key, len);
    }
    free(path);
    return rc;
}
