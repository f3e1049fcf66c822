/* The catalogue's sensitive marks switched in a benchmark's process (bench_catalogue.h). */
#include "bench_catalogue.h"

#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sae/sae_catalogue.h"
#include "sae/sae_error.h"

/* More than the catalogue has (sae_catalogue.h's kinds hold a few dozen fields each). */
#define MARKED_MAX 64

static struct sae_field *marked_fields[MARKED_MAX];
static size_t marked_count;
static bool found;

/* The page(s) holding field made writable: the catalogue is const, in RELRO or .rodata. */
static int writable(const struct sae_field *field)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t start = (uintptr_t)field & ~(page - 1);
    uintptr_t end = (uintptr_t)(field + 1);
    size_t len = (size_t)(((end - start) + page - 1) & ~(page - 1));
    return mprotect((void *)start, len, PROT_READ | PROT_WRITE) == 0 ? 0 : SAE_EIO;
}

static int find_marked(void)
{
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < sae_catalogue_kind_count(); k++) {
        const struct sae_kind *kind = sae_catalogue_kind_at(k);
        for (size_t f = 0; rc == 0 && f < kind->field_count; f++) {
            const struct sae_field *field = &kind->fields[f];
            if (!field->sensitive)
                continue;
            if (marked_count == MARKED_MAX)
                return SAE_ERANGE;
            rc = writable(field);
            /* Through an integer: the page is writable now, and this process owns it. */
            marked_fields[marked_count++] = (struct sae_field *)(uintptr_t)field;
        }
    }
    found = rc == 0;
    return rc;
}

int bench_catalogue_sensitive(bool marked)
{
    int rc = found ? 0 : find_marked();
    for (size_t i = 0; rc == 0 && i < marked_count; i++)
        marked_fields[i]->sensitive = marked;
    return rc;
}

size_t bench_catalogue_sensitive_count(void)
{
    return found || find_marked() == 0 ? marked_count : 0;
}
