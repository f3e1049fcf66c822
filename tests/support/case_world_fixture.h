/* The fixture of a test over one world (case_world.h), for cmocka: every test gets a world
 * of its own, in a directory of its own, that it may change.
 *
 * A world is a pure function of its options, but building one merges thousands of changes:
 * under valgrind each build of the console tests' worlds cost tens of seconds, once per test.
 * So the first test of a process builds the world into a template directory, closed, and
 * every test (the first too) opens a byte-for-byte copy of the template's files afresh: the
 * database, the district's unclaimed key and the hub's own keys, as `init` and the merge left
 * them. The template is removed when the process exits. Built into libsae-test.a. */
#ifndef CASE_WORLD_FIXTURE_H
#define CASE_WORLD_FIXTURE_H

#include "case_world.h"

struct case_world_fixture {
    struct case_world_dir d;
    struct case_world world;
};

/* cmocka setup: *state = a fixture over a copy of the world of options (0), or -1 when the
 * world could not be built or copied. */
int case_world_fixture_new(void **state, const struct case_world_options *options);
/* cmocka teardown: closes the copy and removes its directory. */
int case_world_fixture_free(void **state);

#endif
