/* One world built per process, copied for every test (case_world_fixture.h). */
#include "case_world_fixture.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dir_copy.h"
#include "sae/sae_error.h"
#include "sae/sae_secure_mem.h"
#include "store/district_key.h"
#include "store/value_vault.h"

/* The built world, closed: its directory, and what the build counted (no store, no secret). */
static struct {
    bool built;
    struct case_world_options options;
    struct case_world_dir d;
    struct case_world world;
    pid_t owner;
} template;

/* Only by the process that built it: a child forked by a test exits through atexit too. */
static void template_remove(void)
{
    if (!template.built || getpid() != template.owner)
        return;
    case_world_dir_remove(&template.d);
    free(template.world.post_ids);
    memset(&template, 0, sizeof template);
}

static int template_build(const struct case_world_options *options)
{
    struct case_world world;
    int rc = case_world_build_temp(options, &template.d, &world);
    if (rc != 0)
        return rc;
    template.world = world;
    template.world.store = NULL;
    template.world.district_secret = NULL;
    template.world.post_ids = malloc(world.post_count * sizeof *world.post_ids);
    if (!template.world.post_ids) {
        case_world_close_temp(&template.d, &world);
        return SAE_ENOMEM;
    }
    memcpy(template.world.post_ids, world.post_ids, world.post_count * sizeof *world.post_ids);
    /* Closed, so that every copy is of settled files (the WAL checkpointed), as a hub that
     * stopped leaves them. */
    case_world_close(&world);
    template.options = *options;
    template.owner = getpid();
    template.built = true;
    return 0;
}

/* A test of another world in the same process: the old template goes first. */
static int template_for(const struct case_world_options *options)
{
    static bool registered;
    if (template.built && memcmp(&template.options, options, sizeof *options) == 0)
        return 0;
    template_remove();
    if (!registered) {
        if (atexit(template_remove) != 0)
            return SAE_EIO;
        registered = true;
    }
    return template_build(options);
}

/* world: the template's counts, its own post ids, the copy opened and the district's secret
 * lent to it as case_world_build lends it. */
static int copy_open(const struct case_world_dir *d, struct case_world *world)
{
    *world = template.world;
    world->store = NULL;
    world->post_ids = malloc(world->post_count * sizeof *world->post_ids);
    if (!world->post_ids)
        return SAE_ENOMEM;
    memcpy(world->post_ids, template.world.post_ids, world->post_count * sizeof *world->post_ids);
    int rc = hub_store_open(d->path, HUB_BUSY_TIMEOUT_MS_DEFAULT, &world->store, NULL);
    if (rc == 0)
        rc = district_key_unclaimed(world->store->dir, &world->district_secret);
    if (rc == 0)
        value_vault_lend(world->store, world->district_secret);
    if (rc != 0)
        case_world_close(world);
    return rc;
}

int case_world_fixture_new(void **state, const struct case_world_options *options)
{
    struct case_world_fixture *f = calloc(1, sizeof *f);
    int rc = f ? template_for(options) : SAE_ENOMEM;
    if (rc == 0) {
        rc = case_world_dir_make(&f->d);
        if (rc == 0)
            rc = dir_copy_files(template.d.dir, f->d.dir);
        if (rc == 0)
            rc = copy_open(&f->d, &f->world);
        if (rc != 0)
            case_world_dir_remove(&f->d);
    }
    if (rc != 0) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

int case_world_fixture_free(void **state)
{
    struct case_world_fixture *f = *state;
    case_world_close_temp(&f->d, &f->world);
    free(f);
    return 0;
}
