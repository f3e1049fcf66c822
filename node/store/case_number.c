/* Registration numbers of new cases (case_number.h). */
#include "store/case_number.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/node_meta.h"

/* "registration_seq:3513122018-2026" and its NUL. */
#define SEQ_KEY_BYTES 48

static int device_suffix(struct node_store *store, char out[SAE_REGISTRATION_SUFFIX_MAX + 1])
{
    int64_t index = 0;
    int rc = sae_db_meta_int(store->db, NODE_META_DEVICE_INDEX, &index);
    if (rc == SAE_ENOTFOUND)
        index = 0, rc = 0;
    if (rc == 0 && (index < 0 || index > 0xffff))
        rc = SAE_ECORRUPT;
    return rc == 0 ? sae_registration_suffix((unsigned)index, out) : rc;
}

int case_number_set_device(struct node_store *store, int64_t index)
{
    int64_t kept = 0;
    int rc = sae_db_meta_int(store->db, NODE_META_DEVICE_INDEX, &kept);
    if (rc == SAE_ENOTFOUND)
        rc = sae_db_set_meta_int(store->db, NODE_META_DEVICE_INDEX, index);
    return rc;
}

int case_number_next(struct node_store *store, const char *intake_date,
                     char out[SAE_REGISTRATION_BYTES])
{
    struct sae_registration number = {{0}, 0, 0, {0}};
    char key[SEQ_KEY_BYTES], text[SAE_REGISTRATION_BYTES];
    int64_t last = 0;
    if (!intake_date || sscanf(intake_date, "%4d", &number.year) != 1)
        return SAE_EINVAL;
    int rc = sae_registration_prefix(store->village, store->origin, number.prefix);
    if (rc == 0)
        rc = device_suffix(store, number.suffix);
    if (rc != 0)
        return rc;
    snprintf(key, sizeof key, "%s%s-%04d", NODE_META_REGISTRATION_SEQ_PREFIX, number.prefix,
             number.year);
    rc = sae_db_meta_int(store->db, key, &last);
    if (rc == SAE_ENOTFOUND)
        last = 0, rc = 0;
    if (rc != 0)
        return rc;
    number.seq = last + 1;
    rc = sae_registration_format(&number, text);
    if (rc == 0)
        rc = sae_db_set_meta_int(store->db, key, number.seq);
    if (rc == 0)
        memcpy(out, text, sizeof text);
    return rc;
}
