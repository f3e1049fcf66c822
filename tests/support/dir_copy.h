/* Copies of test directories: a fixture built once per process (an expensive hub.db, its
 * keys) is copied for each test, which then owns its copy. Built into libsae-test.a. */
#ifndef DIR_COPY_H
#define DIR_COPY_H

/* Every regular file of directory from_dir (not its subdirectories) into the existing directory
 * to_dir, byte for byte, with its permission bits; 0, or SAE_EIO. */
int dir_copy_files(const char *from_dir, const char *to_dir);

#endif
