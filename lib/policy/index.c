/* index.c - statements sorted by the actions they can match, so that a
 * decision touches only candidate statements (DESIGN.md §2).
 * Each statement lands in exactly one of, per service it names:
 *   - the global list: NotAction, or a pattern whose service part has a
 *     wildcard ("*", "s*:Get*") - a candidate for every request;
 *   - the service list of S: some pattern "S:<wildcard name>";
 *   - the exact list of "S:name": only exact patterns for service S.
 * A request for "s:n" reads three lists (global, service s, exact s:n) and
 * meets each statement at most once. Candidates are then fully matched. */
#include <stdlib.h>
#include <string.h>
#include "policy/policy_int.h"

typedef struct iam__sref {
    const iam__stmt *st;
    uint32_t policy;
    uint32_t index;
} iam__sref;

typedef struct iam__slot {
    iam_str key;   /* "s3" (service list) or "s3:getobject" (exact list) */
    uint32_t hash;
    uint32_t off, n;
} iam__slot;

struct iam_index {
    size_t npol;
    iam_policy **pols;
    iam__sref *refs;
    uint32_t nrefs;
    uint32_t *pool;        /* candidate lists, as offsets into refs */
    uint32_t global_off, global_n;
    iam__slot *slots;      /* open addressing, power-of-two size */
    uint32_t mask;
    char *keys;            /* key bytes of every slot */
};

typedef struct entry {
    char *key;   /* heap, lower-case */
    size_t len;
    uint32_t ref;
} entry;

static int entry_cmp(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->key, y->key, n);
    if (c)
        return c;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return (x->ref > y->ref) - (x->ref < y->ref);
}

typedef struct entries {
    entry *e;
    size_t n, cap;
} entries;

static bool push(entries *es, const char *key, size_t len, uint32_t ref)
{
    if (es->n == es->cap) {
        size_t cap = es->cap ? es->cap * 2 : 64;
        entry *ne = iam__realloc(es->e, cap * sizeof *ne);
        if (ne == NULL)
            return false;
        es->e = ne;
        es->cap = cap;
    }
    char *k = iam__malloc(len + 1);
    if (k == NULL)
        return false;
    memcpy(k, key, len);
    k[len] = '\0';
    es->e[es->n++] = (entry){ k, len, ref };
    return true;
}

static bool has_wild(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '*' || s[i] == '?')
            return true;
    return false;
}

/* Classifies one statement and appends its list entries. Keys prefixed
 * with 'S' are service lists, 'X' exact lists, "G" the global list. */
static bool classify(entries *es, const iam__stmt *st, uint32_t ref)
{
    if (st->no_action)
        return true; /* never applies: in no list */
    if (st->not_action)
        return push(es, "G", 1, ref);
    for (uint32_t i = 0; i < st->nactions; i++) {
        iam_str a = st->action_text[i];
        const char *colon = memchr(a.ptr, ':', a.len);
        if (colon == NULL) {
            if (has_wild(a.ptr, a.len))
                return push(es, "G", 1, ref);
            continue; /* no service prefix: matches nothing */
        }
        if (has_wild(a.ptr, (size_t)(colon - a.ptr)))
            return push(es, "G", 1, ref);
    }
    /* Service lists first; exact names only for services without one. */
    char buf[512];
    size_t first = es->n;
    for (uint32_t i = 0; i < st->nactions; i++) {
        iam_str a = st->action_text[i];
        const char *colon = memchr(a.ptr, ':', a.len);
        if (colon == NULL)
            continue;
        size_t svc = (size_t)(colon - a.ptr);
        if (!has_wild(colon + 1, a.len - svc - 1) || svc + 1 >= sizeof buf)
            continue;
        buf[0] = 'S';
        memcpy(buf + 1, a.ptr, svc);
        if (!push(es, buf, svc + 1, ref))
            return false;
    }
    for (uint32_t i = 0; i < st->nactions; i++) {
        iam_str a = st->action_text[i];
        const char *colon = memchr(a.ptr, ':', a.len);
        if (colon == NULL || has_wild(a.ptr, a.len))
            continue;
        size_t svc = (size_t)(colon - a.ptr);
        bool covered = false;
        for (size_t j = first; j < es->n && !covered; j++)
            covered = es->e[j].key[0] == 'S' && es->e[j].len == svc + 1 &&
                      memcmp(es->e[j].key + 1, a.ptr, svc) == 0;
        if (covered)
            continue;
        if (a.len + 1 >= sizeof buf)
            continue; /* longer than any action: matches nothing */
        buf[0] = 'X';
        memcpy(buf + 1, a.ptr, a.len);
        if (!push(es, buf, a.len + 1, ref))
            return false;
    }
    return true;
}

static uint32_t hash_bytes(const char *s, size_t n)
{
    return iam__hash_lower((iam_str){ s, n });
}

iam_err iam_index_new(iam_policy *const *policies, size_t n, iam_index **out)
{
    entries es = { 0 };
    iam_err err = IAM_E_NOMEM;
    iam_index *ix = NULL;

    if (out == NULL || (n && policies == NULL))
        return IAM_E_INVALID;
    *out = NULL;
    for (size_t i = 0; i < n; i++)
        if (policies[i] == NULL)
            return IAM_E_INVALID;
    ix = iam__calloc(1, sizeof *ix);
    if (ix == NULL)
        goto fail;
    ix->pols = iam__calloc(n ? n : 1, sizeof *ix->pols);
    if (ix->pols == NULL)
        goto fail;
    size_t nrefs = 0;
    for (size_t i = 0; i < n; i++)
        nrefs += policies[i]->nstmts;
    if (nrefs > UINT32_MAX / 2) {
        err = IAM_E_LIMIT;
        goto fail;
    }
    ix->refs = iam__calloc(nrefs ? nrefs : 1, sizeof *ix->refs);
    if (ix->refs == NULL)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        ix->pols[ix->npol++] = iam_policy_retain(policies[i]);
        for (uint32_t s = 0; s < policies[i]->nstmts; s++) {
            ix->refs[ix->nrefs] = (iam__sref){ &policies[i]->stmts[s], (uint32_t)i, s };
            if (!classify(&es, &policies[i]->stmts[s], ix->nrefs))
                goto fail;
            ix->nrefs++;
        }
    }
    qsort(es.e, es.n, sizeof *es.e, entry_cmp);

    /* Distinct keys become slots; their refs, deduplicated, go to the pool. */
    size_t nkeys = 0, keybytes = 0;
    for (size_t i = 0; i < es.n; i++)
        if (i == 0 || entry_cmp(&(entry){ es.e[i].key, es.e[i].len, 0 }, &(entry){ es.e[i - 1].key, es.e[i - 1].len, 0 }) != 0) {
            nkeys++;
            keybytes += es.e[i].len;
        }
    uint32_t size = 8;
    while (size < nkeys * 2 + 2)
        size *= 2;
    ix->slots = iam__calloc(size, sizeof *ix->slots);
    ix->pool = iam__calloc(es.n ? es.n : 1, sizeof *ix->pool);
    ix->keys = iam__malloc(keybytes ? keybytes : 1);
    if (ix->slots == NULL || ix->pool == NULL || ix->keys == NULL)
        goto fail;
    ix->mask = size - 1;
    size_t pool_n = 0, kb = 0;
    for (size_t i = 0; i < es.n;) {
        size_t j = i;
        uint32_t off = (uint32_t)pool_n;
        while (j < es.n && es.e[j].len == es.e[i].len && memcmp(es.e[j].key, es.e[i].key, es.e[i].len) == 0) {
            if (j == i || es.e[j].ref != es.e[j - 1].ref)
                ix->pool[pool_n++] = es.e[j].ref;
            j++;
        }
        if (es.e[i].len == 1 && es.e[i].key[0] == 'G') {
            ix->global_off = off;
            ix->global_n = (uint32_t)pool_n - off;
        } else {
            /* the slot key drops the list-type byte; S and X keys cannot
             * collide as exact keys always contain ':' */
            memcpy(ix->keys + kb, es.e[i].key + 1, es.e[i].len - 1);
            iam_str key = { ix->keys + kb, es.e[i].len - 1 };
            kb += es.e[i].len - 1;
            uint32_t h = hash_bytes(key.ptr, key.len);
            uint32_t at = h & ix->mask;
            while (ix->slots[at].key.ptr != NULL)
                at = (at + 1) & ix->mask;
            ix->slots[at] = (iam__slot){ key, h, off, (uint32_t)pool_n - off };
        }
        i = j;
    }
    for (size_t i = 0; i < es.n; i++)
        iam__free(es.e[i].key);
    iam__free(es.e);
    *out = ix;
    return IAM_OK;
fail:
    for (size_t i = 0; i < es.n; i++)
        iam__free(es.e[i].key);
    iam__free(es.e);
    iam_index_free(ix);
    return err;
}

void iam_index_free(iam_index *ix)
{
    if (ix == NULL)
        return;
    for (size_t i = 0; i < ix->npol; i++)
        iam_policy_free(ix->pols[i]);
    iam__free(ix->pols);
    iam__free(ix->refs);
    iam__free(ix->pool);
    iam__free(ix->slots);
    iam__free(ix->keys);
    iam__free(ix);
}

size_t iam_index_policy_count(const iam_index *ix) { return ix ? ix->npol : 0; }

const iam_policy *iam_index_policy(const iam_index *ix, size_t i)
{
    return (ix && i < ix->npol) ? ix->pols[i] : NULL;
}

static const iam__slot *lookup(const iam_index *ix, const char *key, size_t len)
{
    uint32_t h = hash_bytes(key, len);
    for (uint32_t at = h & ix->mask;; at = (at + 1) & ix->mask) {
        const iam__slot *s = &ix->slots[at];
        if (s->key.ptr == NULL)
            return NULL;
        if (s->hash == h && s->key.len == len && memcmp(s->key.ptr, key, len) == 0)
            return s;
    }
}

void iam__index_visit(const iam_index *ix, iam_str action_lower, iam__visit_fn fn, void *arg)
{
    const uint32_t *lists[3];
    uint32_t counts[3];
    int nl = 0;

    lists[nl] = ix->pool + ix->global_off;
    counts[nl++] = ix->global_n;
    const char *colon = memchr(action_lower.ptr, ':', action_lower.len);
    if (colon != NULL) {
        const iam__slot *s = lookup(ix, action_lower.ptr, (size_t)(colon - action_lower.ptr));
        if (s != NULL) {
            lists[nl] = ix->pool + s->off;
            counts[nl++] = s->n;
        }
        s = lookup(ix, action_lower.ptr, action_lower.len);
        if (s != NULL) {
            lists[nl] = ix->pool + s->off;
            counts[nl++] = s->n;
        }
    }
    for (int l = 0; l < nl; l++)
        for (uint32_t i = 0; i < counts[l]; i++) {
            const iam__sref *r = &ix->refs[lists[l][i]];
            if (!fn(r->st, r->policy, r->index, arg))
                return;
        }
}
