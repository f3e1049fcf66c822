/* One budget for the bytes of every request body the hub holds at once, so that many uploads
 * at the same time cannot take more memory than the budget however they are sent. A request
 * reserves what its buffer grows to before growing it, and gives it back when the buffer is
 * freed. Lock-free (one atomic counter): reserve and release may be called from any thread. */
#ifndef WEB_BODY_BUDGET_H
#define WEB_BODY_BUDGET_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

struct body_budget {
    size_t limit;
    atomic_size_t used;
};

void body_budget_init(struct body_budget *budget, size_t limit);

/* true when n more bytes would fit now (nothing is reserved). */
bool body_budget_fits(struct body_budget *budget, size_t n);

/* Reserves n bytes. Returns 0, or SAE_EBUSY (nothing reserved) when they would take the
 * total past the limit. */
int body_budget_reserve(struct body_budget *budget, size_t n);

/* Gives back n bytes reserved before. */
void body_budget_release(struct body_budget *budget, size_t n);

size_t body_budget_used(struct body_budget *budget);

#endif
