/* The merge batches case_world writes (case_world_batch.h). */
#include "case_world_batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "merge/merge.h"
#include "sae/sae_borrow.h"

void cw_batch_clear(struct batch_buf *buf)
{
    for (size_t i = 0; i < buf->count; i++) {
        free(buf->changes[i].field);
        free(buf->changes[i].value);
    }
    buf->count = 0;
}

int cw_flush(struct writer *w)
{
    if (w->buf.count == 0)
        return 0;
    struct sae_batch batch = {.schema_version = SAE_WIRE_SCHEMA_VERSION, .origin = w->post->id,
                              .clock = w->buf.changes[0].version.hlc,
                              .changes = w->buf.changes, .change_count = w->buf.count};
    struct merge_sender sender = {w->post->id, w->post->village, 0, true};
    struct merge_options merge = {w->world->options.now_ms, HUB_DRIFT_MS_DEFAULT};
    struct sae_push_ack *ack = NULL;
    int rc = merge_apply_batch(w->world->store, &sender, &batch, &merge, &ack, NULL);
    if (rc == 0 && ack->refusal_count > 0)
        rc = SAE_EINVAL; /* the generator wrote something the hub refuses: a bug here */
    sae_push_ack_free(ack);
    w->world->changes += w->buf.count;
    cw_batch_clear(&w->buf);
    return rc;
}

void cw_begin_command(struct writer *w, const char *report_id, const char *kind,
                          int64_t ms, struct sae_version base)
{
    sae_id_parse(report_id, &w->report);
    w->kind = kind;
    w->version = (struct sae_version){(sae_hlc)ms << SAE_HLC_COUNTER_BITS, w->post->id};
    w->base = base;
}

int cw_put(struct writer *w, const char *field, const char *value)
{
    if (w->buf.count == w->buf.room)
        return SAE_ERANGE;
    struct sae_change *c = &w->buf.changes[w->buf.count];
    *c = (struct sae_change){.report_id = w->report, .kind = sae_borrow(w->kind),
                             .version = w->version, .base = w->base,
                             .seq = w->post->next_seq++,
                             .author = sae_borrow(CASE_WORLD_AUTHOR)};
    c->field = strdup(field);
    c->value = value ? strdup(value) : NULL;
    if (!c->field || (value && !c->value)) {
        free(c->field);
        free(c->value);
        return SAE_ENOMEM;
    }
    w->buf.count++;
    return 0;
}

int cw_put_int(struct writer *w, const char *field, long long value)
{
    char text[24];
    snprintf(text, sizeof text, "%lld", value);
    return cw_put(w, field, text);
}

int cw_room_for_command(struct writer *w)
{
    return w->buf.count + CW_COMMAND_ROOM > w->buf.room ? cw_flush(w) : 0;
}

