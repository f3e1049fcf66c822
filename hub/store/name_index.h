/* The coordinators' search by name: a keyed blind index (docs/DESIGN.md "Search by name at
 * the hub"; this module owns the table name_index and meta's name_index_cursor, made by hub
 * migration 12).
 *
 * The hub holds survivors' names only sealed (store/sealed_values.h), so no SQL can match
 * them. In their place the index keeps, per report, keyed tokens of every prefix of
 * NAME_INDEX_PREFIX_MIN or more bytes of each word of the current value of each name field
 * (a sensitive, single-line text field of the catalogue: victim_name). The token's key is
 * derived from the district secret (crypto_kdf, context NAME_INDEX_CONTEXT), so only a
 * coordinator's session, which holds that secret, can build the index or make a query's
 * tokens; on disk there are the tokens alone. The index is brought up to date whenever a
 * coordinator searches, from the changes after its cursor, a bounded number of sealed values
 * at a time.
 *
 * What the tokens tell someone holding hub.db without the key: how many prefixes each
 * report's names have (so the lengths of their words) and which reports share a prefix (the
 * same prefix gives the same token in every report); not the names. */
#ifndef NAME_INDEX_H
#define NAME_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sae/sae_catalogue.h"
#include "sae/sae_error.h"
#include "store/hub_store.h"

#define NAME_INDEX_CONTEXT "nameidx" /* crypto_kdf's 8-byte context, with its NUL */
#define NAME_INDEX_SUBKEY_ID 1u
#define NAME_INDEX_KEY_BYTES 32u
#define NAME_INDEX_TOKEN_BYTES 32u
/* The shortest prefix indexed ("sit" finds "Siti"), and the longest: a longer word is
 * indexed, and searched, by its first NAME_INDEX_PREFIX_MAX bytes. */
#define NAME_INDEX_PREFIX_MIN 3u
#define NAME_INDEX_PREFIX_MAX 32u
/* The most sealed values one search opens to bring the index up to date (about 100 us each,
 * bench_name_search): a search after a large ingest catches up over several searches, and
 * says so. */
#define NAME_INDEX_CATCH_UP_VALUES 1000u
/* The most words of a search matched against names (every one must match). */
#define NAME_INDEX_QUERY_WORDS 4u

/* Whether field holds a name the index keeps. */
bool name_index_is_name_field(const struct sae_field *field);

/* The query's tokens: the words of text (ASCII letters lower-cased, every other ASCII byte
 * a separator, other bytes kept) of NAME_INDEX_PREFIX_MIN bytes or more, each cut to
 * NAME_INDEX_PREFIX_MAX, without repeats, at most NAME_INDEX_QUERY_WORDS (further words are
 * not matched against names). *count 0: no word long enough. */
int name_index_query_tokens(const unsigned char district_secret[NAME_INDEX_KEY_BYTES],
                            const char *text,
                            uint8_t tokens[NAME_INDEX_QUERY_WORDS][NAME_INDEX_TOKEN_BYTES],
                            size_t *count);

/* Brings the index up to date with the changes after its cursor, in one write transaction:
 * the reports whose name fields changed get their rows replaced from their current heads
 * (field_state's change and the candidates of an open conflict), opened from the district
 * copies with the secret (a copy that does not open is left out). Opens at most max_values values (at least one report's); *behind:
 * changes remain for the next call. *opened: how many values it opened. */
int name_index_catch_up(struct hub_store *store,
                        const unsigned char district_secret[NAME_INDEX_KEY_BYTES],
                        size_t max_values, bool *behind, size_t *opened);

/* Deletes report_id's rows (erasure), inside the caller's write transaction. */
int name_index_forget(struct hub_store *store, const char *report_id);

#endif
