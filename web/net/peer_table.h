/* What the hub's HTTPS server remembers per source address: how many connections it holds
 * and its request token bucket.
 *
 * An address is an IPv4 address, or an IPv6 /64: one subscriber gets at least a /64, so
 * counting single IPv6 addresses would let one attacker count as billions. IPv4-mapped IPv6
 * addresses (a dual-stack listener) count as the IPv4 address.
 *
 * The table has a fixed capacity chosen at creation and never allocates afterwards. Records
 * are placed by SipHash with a random key, so addresses chosen to collide gain nothing. A
 * record with no connection and a full bucket is the same as none, and peer_table_prune drops
 * such records. While three quarters of the slots hold live records, a new address shares
 * one overflow record with every other address that did not fit: it keeps working, limited
 * together with them (only an attacker spraying thousands of addresses gets there).
 *
 * Not thread-safe: the owner (conn_guard) holds its lock around every call. */
#ifndef WEB_PEER_TABLE_H
#define WEB_PEER_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "net/rate_limit.h"
#include "sae/sae_error.h"

#define PEER_KEY_BYTES 16
/* Room for the text of a key: an IPv4 address, or an IPv6 prefix with "/64". */
#define PEER_TEXT_BYTES 56

struct peer_key {
    uint8_t bytes[PEER_KEY_BYTES];
};

/* The key of an IPv4 or IPv6 socket address; SAE_EINVAL for any other family. */
int peer_key_from_sockaddr(const struct sockaddr *address, struct peer_key *out);

/* "10.1.2.3", or "2001:db8:1:2::/64". */
void peer_key_text(const struct peer_key *key, char out[PEER_TEXT_BYTES]);

struct peer {
    struct peer_key key;
    unsigned connections;         /* open and not yet cut */
    struct rate_bucket requests;  /* request rate */
    bool used;
};

struct peer_table;

/* A table for at least min_capacity addresses at once (rounded up to a power of two, at
 * least 64). Returns 0, SAE_EINVAL (0 or over 2^24), SAE_ENOMEM or SAE_ECRYPTO. */
int peer_table_create(size_t min_capacity, struct peer_table **out);
void peer_table_destroy(struct peer_table *table);

/* The record of key, made when absent; the overflow record when there is no room. Never NULL.
 * A record stays where it is until peer_table_prune, which moves records: do not keep the
 * pointer past the lock. */
struct peer *peer_table_get(struct peer_table *table, const struct peer_key *key);

/* The record of key, or NULL when it has none (it would get a new one, or the overflow). */
struct peer *peer_table_find(struct peer_table *table, const struct peer_key *key);

bool peer_table_is_overflow(const struct peer_table *table, const struct peer *peer);

/* The record shared by the addresses that found no room. */
struct peer *peer_table_overflow(struct peer_table *table);

/* Drops the records that hold nothing at now_ms (no connection, a full bucket). */
void peer_table_prune(struct peer_table *table, int64_t now_ms);

/* Records in use, the overflow record not counted. */
size_t peer_table_used(const struct peer_table *table);

#endif
