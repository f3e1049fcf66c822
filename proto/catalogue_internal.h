/* Shared by the catalogue's files: the kinds its table files define (catalogue_case.c,
 * catalogue_events.c), and the macros they are written with. Not for other modules. */
#ifndef SAE_CATALOGUE_INTERNAL_H
#define SAE_CATALOGUE_INTERNAL_H

#include "sae/sae_catalogue.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define ENUM_VALUES(a) .values = (a), .value_count = COUNT(a)

extern const struct sae_kind catalogue_kind_case;
extern const struct sae_kind catalogue_kind_service;
extern const struct sae_kind catalogue_kind_referral;
extern const struct sae_kind catalogue_kind_shelter_stay;

#endif
