/* A post's journal as the benchmarks open it (bench_post.h). */
#include "bench_post.h"

#include <sodium.h>
#include <stdio.h>

#include "store/hub_enroll.h"
#include "sae/sae_envelope.h"

int bench_post_open(const char *dir, const char *village, const char *author, bool enrolled,
                    struct node_store **out, struct sae_message *why)
{
    struct hub_link link = {.url = "https://127.0.0.1:1", .certificate = "",
                            .device_index = -1};
    unsigned char secret[crypto_box_SECRETKEYBYTES];
    crypto_box_keypair(link.public_key, secret);
    sodium_memzero(secret, sizeof secret);
    int rc = sae_origin_from_public_key(link.public_key, &link.hub_id);
    if (rc == 0)
        rc = node_store_create(dir, village, why);
    if (rc == 0)
        rc = node_store_open(dir, NODE_BUSY_TIMEOUT_MS_DEFAULT, out, why);
    if (rc == 0)
        rc = node_store_set_author(*out, author);
    if (rc == 0 && enrolled) {
        snprintf(link.village, sizeof link.village, "%s", (*out)->village);
        rc = hub_enroll_save(*out, &link, why);
    }
    return rc;
}
