/* The merge batches case_world writes: one post's changes, collected command by command
 * and applied through merge_apply_batch as the post's push would be (case_world.c). */
#ifndef CASE_WORLD_BATCH_H
#define CASE_WORLD_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "case_world.h"
#include "sae/sae_wire.h"

/* Room one command needs in a batch (a case with its sets is about 30 changes). */
#define CW_COMMAND_ROOM 64

struct post {
    uint64_t id;
    const char *village;
    uint64_t next_seq;
};

struct batch_buf {
    struct sae_change *changes;
    size_t count, room;
};

struct writer {
    struct case_world *world;
    struct batch_buf buf;
    struct post *post;          /* whose batch is being filled */
    struct sae_id report;       /* the command being written */
    const char *kind;
    struct sae_version version, base;
};

/* Frees the changes collected (the buffer stays). */
void cw_batch_clear(struct batch_buf *buf);
/* Applies what was collected as one batch of w's post; SAE_EINVAL when the hub refuses a
 * change (a bug of the generator). */
int cw_flush(struct writer *w);
/* Starts a command: the changes cw_put adds next belong to report_id at version ms. */
void cw_begin_command(struct writer *w, const char *report_id, const char *kind, int64_t ms,
                      struct sae_version base);
/* Adds one change of the command (value NULL: unset); SAE_ERANGE when the batch is full. */
int cw_put(struct writer *w, const char *field, const char *value);
int cw_put_int(struct writer *w, const char *field, long long value);
/* Flushes first when a command might not fit. */
int cw_room_for_command(struct writer *w);

#endif
