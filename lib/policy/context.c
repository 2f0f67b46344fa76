/* context.c - the request context: lower-cased keys, each with values that
 * are pre-parsed once (number, date, IP) so conditions only compare. */
#include <string.h>
#include "policy/policy_int.h"

#define INLINE_KEYS 8

/* One allocation holds a typical context whole (keys, values, strings), so
 * that a decision reading it touches a few neighbouring cache lines; larger
 * contexts spill into the arena's blocks and a grown key array. */
struct iam_context {
    iam__arena arena;
    iam__ctxkey *keys;
    size_t n, cap;
    iam__ctxkey inline_keys[INLINE_KEYS];
    _Alignas(16) unsigned char buf[1024];
};

uint32_t iam__hash_lower(iam_str s)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < s.len; i++) {
        h ^= (unsigned char)iam__lower(s.ptr[i]);
        h *= 16777619u;
    }
    return h;
}

iam_err iam_context_new(iam_context **out)
{
    if (out == NULL)
        return IAM_E_INVALID;
    iam_context *ctx = iam__malloc(sizeof *ctx);
    *out = ctx;
    if (ctx == NULL)
        return IAM_E_NOMEM;
    iam__arena_init_buf(&ctx->arena, ctx->buf, sizeof ctx->buf);
    ctx->keys = ctx->inline_keys;
    ctx->n = 0;
    ctx->cap = INLINE_KEYS;
    return IAM_OK;
}

void iam_context_free(iam_context *ctx)
{
    if (ctx == NULL)
        return;
    iam__arena_free(&ctx->arena);
    if (ctx->keys != ctx->inline_keys)
        iam__free(ctx->keys);
    iam__free(ctx);
}

void iam_context_clear(iam_context *ctx)
{
    if (ctx == NULL)
        return;
    iam__arena_free(&ctx->arena); /* keeps the inline buffer */
    ctx->n = 0;
}

const iam__ctxkey *iam__ctx_find(const iam_context *ctx, iam_str key_lower, uint32_t hash)
{
    for (size_t i = 0; i < ctx->n; i++) {
        const iam__ctxkey *k = &ctx->keys[i];
        if (k->hash == hash && iam_str_eq(k->key, key_lower))
            return k;
    }
    return NULL;
}

static iam__ctxkey *find_or_add(iam_context *ctx, iam_str key, bool *added)
{
    uint32_t h = iam__hash_lower(key);
    *added = false;
    for (size_t i = 0; i < ctx->n; i++) {
        iam__ctxkey *k = &ctx->keys[i];
        if (k->hash == h && iam__str_eq_nocase(k->key, key))
            return k;
    }
    if (ctx->n == ctx->cap) {
        size_t cap = ctx->cap * 2;
        iam__ctxkey *nk = iam__malloc(cap * sizeof *nk);
        if (nk == NULL)
            return NULL;
        memcpy(nk, ctx->keys, ctx->n * sizeof *nk);
        if (ctx->keys != ctx->inline_keys)
            iam__free(ctx->keys);
        ctx->keys = nk;
        ctx->cap = cap;
    }
    iam__ctxkey *k = &ctx->keys[ctx->n];
    memset(k, 0, sizeof *k);
    if (!iam__arena_strdup_lower(&ctx->arena, key, &k->key))
        return NULL;
    k->hash = h;
    ctx->n++;
    *added = true;
    return k;
}

static bool fill_value(iam_context *ctx, iam_str v, iam__ctxval *out)
{
    memset(out, 0, sizeof *out);
    if (!iam__arena_strdup(&ctx->arena, v, &out->s))
        return false;
    out->has_num = iam__num_parse(v.ptr, v.len, &out->num);
    out->has_date = iam__date_parse(v.ptr, v.len, &out->date);
    out->has_ip = iam__ip_parse(v.ptr, v.len, false, &out->ip);
    return true;
}

iam_err iam_context_add(iam_context *ctx, iam_str key, iam_str value)
{
    bool added;
    if (ctx == NULL || key.len == 0 || (value.len && value.ptr == NULL))
        return IAM_E_INVALID;
    iam__ctxkey *k = find_or_add(ctx, key, &added);
    if (k == NULL)
        return IAM_E_NOMEM;
    /* Values live in the arena: grow by copying (contexts are small). */
    iam__ctxval *vals = iam__arena_alloc(&ctx->arena, (k->nvals + 1) * sizeof *vals);
    if (vals == NULL || !fill_value(ctx, value, &vals[k->nvals])) {
        if (added)
            ctx->n--; /* a failed call leaves the context as it was */
        return IAM_E_NOMEM;
    }
    if (k->nvals)
        memcpy(vals, k->vals, k->nvals * sizeof *vals);
    k->vals = vals;
    k->nvals++;
    return IAM_OK;
}

iam_err iam_context_set(iam_context *ctx, iam_str key, const iam_str *values, size_t n)
{
    bool added;
    if (ctx == NULL || key.len == 0 || (n && values == NULL))
        return IAM_E_INVALID;
    iam__ctxkey *k = find_or_add(ctx, key, &added);
    if (k == NULL)
        return IAM_E_NOMEM;
    iam__ctxval *vals = iam__arena_alloc(&ctx->arena, (n ? n : 1) * sizeof *vals);
    for (size_t i = 0; vals != NULL && i < n; i++)
        if (!fill_value(ctx, values[i], &vals[i]))
            vals = NULL;
    if (vals == NULL) {
        if (added)
            ctx->n--; /* a failed call leaves the context as it was */
        return IAM_E_NOMEM;
    }
    k->vals = vals;
    k->nvals = (uint32_t)n;
    return IAM_OK;
}

long iam_context_count(const iam_context *ctx, iam_str key)
{
    if (ctx == NULL)
        return -1;
    const iam__ctxkey *k = NULL;
    uint32_t h = iam__hash_lower(key);
    for (size_t i = 0; i < ctx->n; i++)
        if (ctx->keys[i].hash == h && iam__str_eq_nocase(ctx->keys[i].key, key))
            k = &ctx->keys[i];
    return k ? (long)k->nvals : -1;
}

iam_str iam_context_value(const iam_context *ctx, iam_str key, size_t i)
{
    if (ctx == NULL)
        return IAM_STR_NULL;
    uint32_t h = iam__hash_lower(key);
    for (size_t j = 0; j < ctx->n; j++) {
        const iam__ctxkey *k = &ctx->keys[j];
        if (k->hash == h && iam__str_eq_nocase(k->key, key))
            return i < k->nvals ? k->vals[i].s : IAM_STR_NULL;
    }
    return IAM_STR_NULL;
}
