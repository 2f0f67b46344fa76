/* key_cache.c - derived SigV4 signing keys, cached per (access key id,
 * secret, date, region, service). Derivation costs four HMACs; a cache hit
 * one SHA-256 of the identity. The identity is kept only as that digest, so
 * the cache never holds a secret, and a rotated secret simply misses.
 * Direct-mapped (a colliding key evicts the other): with a few thousand
 * slots and keys that live a day, collisions cost one extra derivation. */
#include <pthread.h>
#include <string.h>

#include "iam/crypto.h"
#include "sigv4/sigv4_int.h"

typedef struct entry {
    bool used;
    uint8_t tag[32]; /* SHA-256 of the length-prefixed identity */
    uint8_t key[32];
} entry;

struct iam_sigv4_key_cache {
    pthread_mutex_t lock;
    size_t mask;
    uint64_t hits, misses;
    entry slots[];
};

iam_err iam_sigv4_key_cache_new(size_t capacity, iam_sigv4_key_cache **out)
{
    size_t cap = 16;
    iam_sigv4_key_cache *c;

    *out = NULL;
    if (capacity == 0 || capacity > ((size_t)1 << 20))
        return IAM_E_INVALID;
    while (cap < capacity)
        cap *= 2;
    c = iam__calloc(1, sizeof *c + cap * sizeof(entry));
    if (c == NULL)
        return IAM_E_NOMEM;
    if (pthread_mutex_init(&c->lock, NULL) != 0) {
        iam__free(c);
        return IAM_E_NOMEM;
    }
    c->mask = cap - 1;
    *out = c;
    return IAM_OK;
}

void iam_sigv4_key_cache_free(iam_sigv4_key_cache *c)
{
    if (c == NULL)
        return;
    pthread_mutex_destroy(&c->lock);
    iam_wipe(c->slots, (c->mask + 1) * sizeof(entry));
    iam__free(c);
}

static void put_field(crypto_hash_sha256_state *st, iam_str s)
{
    uint8_t len[8];
    uint64_t n = s.len;
    for (int i = 0; i < 8; i++)
        len[i] = (uint8_t)(n >> (8 * i));
    crypto_hash_sha256_update(st, len, sizeof len);
    if (s.len)
        crypto_hash_sha256_update(st, (const unsigned char *)s.ptr, s.len);
}

void iam_sigv4_key_cache_get(iam_sigv4_key_cache *c, iam_str access_key_id, iam_str secret, iam_str date,
                             iam_str region, iam_str service, uint8_t out[32])
{
    crypto_hash_sha256_state st;
    uint8_t tag[32];
    size_t slot;

    crypto_hash_sha256_init(&st);
    put_field(&st, access_key_id);
    put_field(&st, secret);
    put_field(&st, date);
    put_field(&st, region);
    put_field(&st, service);
    crypto_hash_sha256_final(&st, tag);
    sodium_memzero(&st, sizeof st);
    memcpy(&slot, tag, sizeof slot);
    slot &= c->mask;

    pthread_mutex_lock(&c->lock);
    entry *e = &c->slots[slot];
    if (e->used && memcmp(e->tag, tag, sizeof tag) == 0) {
        memcpy(out, e->key, 32);
        c->hits++;
        pthread_mutex_unlock(&c->lock);
        return;
    }
    c->misses++;
    pthread_mutex_unlock(&c->lock);

    /* Derive outside the lock: other threads keep hitting meanwhile. Two
     * threads missing the same key both derive it; the result is equal. */
    iam_sigv4_derive_key(secret, date, region, service, out);
    pthread_mutex_lock(&c->lock);
    e->used = true;
    memcpy(e->tag, tag, sizeof tag);
    memcpy(e->key, out, 32);
    pthread_mutex_unlock(&c->lock);
}

void iam_sigv4_key_cache_stats(iam_sigv4_key_cache *c, uint64_t *hits, uint64_t *misses)
{
    pthread_mutex_lock(&c->lock);
    *hits = c->hits;
    *misses = c->misses;
    pthread_mutex_unlock(&c->lock);
}
