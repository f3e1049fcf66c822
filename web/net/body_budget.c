/* The budget as a compare-and-swap loop on one counter. */
#include "net/body_budget.h"

#include "sae/sae_error.h"

void body_budget_init(struct body_budget *budget, size_t limit)
{
    budget->limit = limit;
    atomic_init(&budget->used, 0);
}

bool body_budget_fits(struct body_budget *budget, size_t n)
{
    size_t used = atomic_load(&budget->used);
    return n <= budget->limit - used;
}

int body_budget_reserve(struct body_budget *budget, size_t n)
{
    size_t used = atomic_load(&budget->used);
    do {
        if (n > budget->limit - used)
            return SAE_EBUSY;
    } while (!atomic_compare_exchange_weak(&budget->used, &used, used + n));
    return 0;
}

void body_budget_release(struct body_budget *budget, size_t n)
{
    atomic_fetch_sub(&budget->used, n);
}

size_t body_budget_used(struct body_budget *budget)
{
    return atomic_load(&budget->used);
}
