/* index.c - statements sorted by the actions they can match, so that a
 * decision touches only the statements whose Action matches (DESIGN.md §2).
 *
 * Per service S the index keeps the distinct wildcard patterns that its
 * statements use for S ("s3:get*", "s3:*object*"; in practice a handful
 * even when thousands of statements use them), each with the list of its
 * statements, and per exact action ("s3:getobject") the statements naming
 * it exactly. A request for "s3:getobject" matches S's patterns once each,
 * then reads the lists of the patterns that matched and the exact list:
 * every statement found there is known to match the action. Statements with
 * NotAction or a wildcard in the service prefix sit in a global list and
 * are fully checked. A statement listed under several matching patterns is
 * visited once: each entry carries the bit mask of the statement's patterns,
 * and an entry is skipped when an earlier matching pattern already had it.
 * Services with more than 32 distinct patterns put the statements using the
 * extra ones in an overflow list, fully checked. */
#include <stdlib.h>
#include <string.h>
#include "policy/policy_int.h"

#define MAX_PATTERNS 32

/* A necessary condition for a statement's Resource to match, kept beside
 * the statement reference so that most candidates are rejected without
 * touching the statement: up to four (offset, bytes) probes into the
 * request's resource part, one per Resource pattern, each the last (up to)
 * eight bytes of the pattern's literal resource head. nprobe == 0: no
 * filter (NotResource, wildcard heads, more than four patterns ...). */
#define MAX_PROBES 4
typedef struct iam__probe {
    uint64_t bytes, mask;
    uint16_t off;
} iam__probe;

typedef struct iam__sref {
    const iam__stmt *st;
    uint32_t policy;
    uint32_t index;
    uint32_t nprobe;
    iam__probe probe[MAX_PROBES];
} iam__sref;

typedef struct iam__cand {
    uint32_t ref;
    uint32_t mask; /* the statement's wildcard patterns within its service */
} iam__cand;

/* A candidate list: pool[off, off+n), the statements without probes first
 * (nun of them), then those with probes, which are also reachable through
 * the list's probe groups: per distinct probe (offset, length), a small
 * hash table from the probe's bytes to the entries that expect them. */
typedef struct iam__list {
    uint32_t off, n, nun;
    uint32_t goff, gn; /* into groups */
} iam__list;

typedef struct iam__group {
    uint64_t mask;
    uint16_t off;
    uint32_t toff, tmask; /* buckets[toff .. toff+tmask] */
} iam__group;

typedef struct iam__bucket {
    uint64_t bytes;
    uint32_t eoff, en; /* entries; en == 0: empty bucket */
} iam__bucket;

typedef struct iam__entry {
    uint32_t ref, mask, probe;
} iam__entry;

typedef struct iam__growable {
    void *p;
    size_t n, cap, size;
} iam__growable;

typedef struct iam__service {
    uint32_t npat;
    const iam__pat *pat[MAX_PATTERNS];
    iam__list lists[MAX_PATTERNS];
    iam__list overflow;
} iam__service;

typedef struct iam__slot {
    iam_str key;       /* "s3" (a service) or "s3:getobject" (an exact action) */
    uint32_t hash;
    int32_t service;   /* index into services, or -1 for an exact slot */
    iam__list list;    /* exact slot */
    int32_t owner;     /* exact slot: its service's index, or -1 */
    uint32_t pmask;    /* exact slot: the owner's patterns this action
                          matches, computed once at build time */
} iam__slot;

struct iam_index {
    size_t npol;
    iam_policy **pols;
    iam__sref *refs;
    uint32_t nrefs;
    iam__cand *pool;
    iam__group *groups;
    iam__bucket *buckets;
    iam__entry *entries;
    iam__list global;
    iam__service *services;
    uint32_t nservices;
    iam__slot *slots; /* open addressing, power-of-two size */
    uint32_t mask;
};

/* ---- build-time tables ----------------------------------------------- */

typedef struct cands {
    iam__cand *c;
    uint32_t n;
    size_t cap;
} cands;

static bool cands_push(cands *l, uint32_t ref, uint32_t mask)
{
    if (l->n && l->c[l->n - 1].ref == ref)
        return true; /* the same statement naming one action twice */
    void *c = l->c;
    if (!iam__grow(&c, &l->cap, (size_t)l->n + 1, sizeof *l->c))
        return false;
    l->c = c;
    l->c[l->n++] = (iam__cand){ ref, mask };
    return true;
}

typedef struct bslot {
    iam_str key;
    uint32_t hash;
    int32_t service; /* -1 = exact */
    cands list;      /* exact slot */
} bslot;

typedef struct bservice {
    uint32_t npat;
    iam_str pat_text[MAX_PATTERNS];
    const iam__pat *pat[MAX_PATTERNS];
    cands lists[MAX_PATTERNS];
    cands overflow;
} bservice;

typedef struct builder {
    bslot *slots;
    uint32_t mask, used;
    bservice *svc;
    uint32_t nsvc;
    size_t capsvc;
    cands global;
} builder;

static uint32_t hash_bytes(iam_str s) { return iam__hash_lower(s); }

static bool grow(builder *b)
{
    uint32_t size = b->slots ? (b->mask + 1) * 2 : 64;
    bslot *ns = iam__calloc(size, sizeof *ns);
    if (ns == NULL)
        return false;
    for (uint32_t i = 0; b->slots && i <= b->mask; i++) {
        if (b->slots[i].key.ptr == NULL)
            continue;
        uint32_t at = b->slots[i].hash & (size - 1);
        while (ns[at].key.ptr != NULL)
            at = (at + 1) & (size - 1);
        ns[at] = b->slots[i];
    }
    iam__free(b->slots);
    b->slots = ns;
    b->mask = size - 1;
    return true;
}

/* Finds or adds the slot for `key` (borrowed from a policy that the index
 * retains, so no copy is needed). */
static bslot *slot_get(builder *b, iam_str key, bool service)
{
    if (b->slots == NULL || (b->used + 1) * 2 > b->mask + 1)
        if (!grow(b))
            return NULL;
    uint32_t h = hash_bytes(key);
    uint32_t at = h & b->mask;
    while (b->slots[at].key.ptr != NULL) {
        bslot *s = &b->slots[at];
        if (s->hash == h && iam_str_eq(s->key, key))
            return s;
        at = (at + 1) & b->mask;
    }
    bslot *s = &b->slots[at];
    s->key = key;
    s->hash = h;
    s->service = -1;
    b->used++;
    if (service) {
        void *sv = b->svc;
        if (!iam__grow(&sv, &b->capsvc, (size_t)b->nsvc + 1, sizeof *b->svc))
            return NULL;
        b->svc = sv;
        memset(&b->svc[b->nsvc], 0, sizeof b->svc[b->nsvc]);
        s->service = (int32_t)b->nsvc++;
    }
    return s;
}

static bool has_wild(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '*' || s[i] == '?')
            return true;
    return false;
}

static bool is_global(const iam__stmt *st)
{
    if (st->not_action)
        return true;
    for (uint32_t i = 0; i < st->nactions; i++) {
        iam_str a = st->action_text[i];
        const char *colon = memchr(a.ptr, ':', a.len);
        size_t svc = colon ? (size_t)(colon - a.ptr) : a.len;
        if (has_wild(a.ptr, svc))
            return true;
    }
    return false;
}

/* Files one statement under every service it names. */
static bool classify(builder *b, const iam__stmt *st, uint32_t ref)
{
    if (st->no_action)
        return true; /* never applies: in no list */
    if (is_global(st))
        return cands_push(&b->global, ref, 0);
    for (uint32_t i = 0; i < st->nactions; i++) {
        iam_str a = st->action_text[i];
        const char *colon = memchr(a.ptr, ':', a.len);
        if (colon == NULL)
            continue; /* no service prefix and no wildcard: matches nothing */
        iam_str svc = { a.ptr, (size_t)(colon - a.ptr) };
        bool done = false;
        for (uint32_t j = 0; j < i && !done; j++) /* service already handled */
            done = st->action_text[j].len > svc.len && st->action_text[j].ptr[svc.len] == ':' &&
                   memcmp(st->action_text[j].ptr, svc.ptr, svc.len) == 0;
        if (done)
            continue;
        bslot *ss = slot_get(b, svc, true);
        if (ss == NULL)
            return false;
        bservice *sv = &b->svc[ss->service];
        /* This statement's wildcard patterns for the service, as a mask. */
        uint32_t mask = 0;
        bool overflow = false;
        for (uint32_t k = i; k < st->nactions; k++) {
            iam_str t = st->action_text[k];
            if (t.len <= svc.len || t.ptr[svc.len] != ':' || memcmp(t.ptr, svc.ptr, svc.len) != 0 ||
                !has_wild(t.ptr, t.len))
                continue;
            uint32_t p = 0;
            while (p < sv->npat && !iam_str_eq(sv->pat_text[p], t))
                p++;
            if (p == sv->npat) {
                if (sv->npat == MAX_PATTERNS) {
                    overflow = true;
                    break;
                }
                sv->pat_text[p] = t;
                sv->pat[p] = &st->actions[k];
                sv->npat++;
            }
            mask |= 1u << p;
        }
        if (overflow) {
            if (!cands_push(&sv->overflow, ref, 0))
                return false;
            continue;
        }
        for (uint32_t p = 0; p < MAX_PATTERNS; p++)
            if ((mask & (1u << p)) && !cands_push(&sv->lists[p], ref, mask))
                return false;
        for (uint32_t k = i; k < st->nactions; k++) {
            iam_str t = st->action_text[k];
            if (t.len <= svc.len || t.ptr[svc.len] != ':' || memcmp(t.ptr, svc.ptr, svc.len) != 0 ||
                has_wild(t.ptr, t.len))
                continue;
            bslot *es = slot_get(b, t, false);
            if (es == NULL)
                return false;
            if (es->service >= 0)
                continue; /* cannot happen: exact keys contain ':' */
            if (!cands_push(&es->list, ref, mask))
                return false;
        }
    }
    return true;
}

static void builder_free(builder *b)
{
    for (uint32_t i = 0; b->slots && i <= b->mask; i++)
        iam__free(b->slots[i].list.c);
    for (uint32_t s = 0; s < b->nsvc; s++) {
        for (uint32_t p = 0; p < MAX_PATTERNS; p++)
            iam__free(b->svc[s].lists[p].c);
        iam__free(b->svc[s].overflow.c);
    }
    iam__free(b->slots);
    iam__free(b->svc);
    iam__free(b->global.c);
}

static iam__list flatten(iam__cand *pool, uint32_t *at, const cands *l, const iam__sref *refs)
{
    iam__list out = { *at, l->n, 0, 0, 0 };
    /* statements without probes first */
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t i = 0; i < l->n; i++)
            if ((refs[l->c[i].ref].nprobe == 0) == (pass == 0)) {
                pool[(*at)++] = l->c[i];
                out.nun += pass == 0;
            }
    return out;
}

static bool grow_push(iam__growable *g, const void *item)
{
    if (!iam__grow(&g->p, &g->cap, g->n + 1, g->size))
        return false;
    memcpy((char *)g->p + g->n * g->size, item, g->size);
    g->n++;
    return true;
}

typedef struct pentry {
    uint64_t bytes, mask;
    uint16_t off;
    iam__entry e;
} pentry;

static int pentry_cmp(const void *a, const void *b)
{
    const pentry *x = a, *y = b;
    if (x->off != y->off)
        return x->off < y->off ? -1 : 1;
    if (x->mask != y->mask)
        return x->mask < y->mask ? -1 : 1;
    if (x->bytes != y->bytes)
        return x->bytes < y->bytes ? -1 : 1;
    return (x->e.ref > y->e.ref) - (x->e.ref < y->e.ref);
}

static inline uint32_t bytes_hash(uint64_t v) { return (uint32_t)((v * 0x9E3779B97F4A7C15ull) >> 32); }

/* Builds the probe groups of one flattened list. */
static bool build_groups(iam_index *ix, iam__list *l, iam__growable *groups, iam__growable *buckets,
                         iam__growable *entries)
{
    size_t np = 0;
    for (uint32_t i = l->nun; i < l->n; i++)
        np += ix->refs[ix->pool[l->off + i].ref].nprobe;
    l->goff = (uint32_t)groups->n;
    if (np == 0)
        return true;
    pentry *pe = iam__malloc(np * sizeof *pe);
    if (pe == NULL)
        return false;
    size_t k = 0;
    for (uint32_t i = l->nun; i < l->n; i++) {
        const iam__cand *c = &ix->pool[l->off + i];
        const iam__sref *r = &ix->refs[c->ref];
        for (uint32_t j = 0; j < r->nprobe; j++)
            pe[k++] = (pentry){ r->probe[j].bytes, r->probe[j].mask, r->probe[j].off, { c->ref, c->mask, j } };
    }
    qsort(pe, np, sizeof *pe, pentry_cmp);
    /* Groups pay off only on long lists, and only when each replaces
     * several probe checks (a lookup costs three or four direct probes);
     * on short lists their tables cost more in cache misses than they save
     * (measured on the medium benchmark workload). */
    size_t ngroups = 0;
    for (size_t i = 0; i < np; i++)
        ngroups += i == 0 || pe[i].off != pe[i - 1].off || pe[i].mask != pe[i - 1].mask;
    if (np < 64 || ngroups * 4 > np) {
        iam__free(pe);
        l->gn = 0;
        return true;
    }
    bool ok = true;
    for (size_t i = 0; i < np && ok;) {
        size_t j = i, distinct = 0;
        while (j < np && pe[j].off == pe[i].off && pe[j].mask == pe[i].mask) {
            if (j == i || pe[j].bytes != pe[j - 1].bytes)
                distinct++;
            j++;
        }
        uint32_t size = 4;
        while (size < distinct * 2)
            size *= 2;
        iam__group g = { pe[i].mask, pe[i].off, (uint32_t)buckets->n, size - 1 };
        iam__bucket empty = { 0, 0, 0 };
        for (uint32_t t = 0; t < size && ok; t++)
            ok = grow_push(buckets, &empty);
        for (size_t r = i; r < j && ok;) {
            size_t e = r;
            while (e < j && pe[e].bytes == pe[r].bytes)
                e++;
            iam__bucket bk = { pe[r].bytes, (uint32_t)entries->n, (uint32_t)(e - r) };
            for (size_t q = r; q < e && ok; q++)
                ok = grow_push(entries, &pe[q].e);
            if (!ok)
                break;
            iam__bucket *tab = (iam__bucket *)buckets->p + g.toff;
            uint32_t at = bytes_hash(bk.bytes) & g.tmask;
            while (tab[at].en != 0)
                at = (at + 1) & g.tmask;
            tab[at] = bk;
            r = e;
        }
        if (ok)
            ok = grow_push(groups, &g);
        i = j;
    }
    iam__free(pe);
    l->gn = (uint32_t)groups->n - l->goff;
    return ok;
}

static void make_probes(iam__sref *r)
{
    const iam__stmt *st = r->st;
    r->nprobe = 0;
    if (!st->has_resource || st->not_resource || st->nresources == 0 || st->nresources > MAX_PROBES)
        return;
    for (uint32_t i = 0; i < st->nresources; i++) {
        const iam__arnpat *p = &st->resources[i];
        if (p->any || p->nfields != 6 || p->res_prefix.len == 0 || p->res_prefix.len > UINT16_MAX)
            return;
    }
    for (uint32_t i = 0; i < st->nresources; i++) {
        iam_str h = st->resources[i].res_prefix;
        size_t n = h.len < 8 ? h.len : 8;
        iam__probe *pr = &r->probe[i];
        pr->off = (uint16_t)(h.len - n);
        pr->bytes = 0;
        memcpy(&pr->bytes, h.ptr + pr->off, n);
        /* little and big endian alike: mask covers the first n bytes in memory */
        uint64_t m = 0;
        memset(&m, 0xff, n);
        pr->mask = m;
    }
    r->nprobe = st->nresources;
}

static const iam__slot *lookup(const iam_index *ix, const char *key, size_t len);

/* ---- public ------------------------------------------------------------ */

iam_err iam_index_new(iam_policy *const *policies, size_t n, iam_index **out)
{
    builder b = { 0 };
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
            ix->refs[ix->nrefs] = (iam__sref){ .st = &policies[i]->stmts[s], .policy = (uint32_t)i, .index = s };
            make_probes(&ix->refs[ix->nrefs]);
            if (!classify(&b, &policies[i]->stmts[s], ix->nrefs))
                goto fail;
            ix->nrefs++;
        }
    }

    /* Flatten the builder into one candidate pool and a final hash table. */
    size_t total = b.global.n;
    for (uint32_t i = 0; b.slots && i <= b.mask; i++)
        total += b.slots[i].list.n;
    for (uint32_t s = 0; s < b.nsvc; s++) {
        total += b.svc[s].overflow.n;
        for (uint32_t p = 0; p < b.svc[s].npat; p++)
            total += b.svc[s].lists[p].n;
    }
    ix->pool = iam__calloc(total ? total : 1, sizeof *ix->pool);
    ix->services = iam__calloc(b.nsvc ? b.nsvc : 1, sizeof *ix->services);
    uint32_t size = 8;
    while (size < b.used * 2 + 2)
        size *= 2;
    ix->slots = iam__calloc(size, sizeof *ix->slots);
    if (ix->pool == NULL || ix->services == NULL || ix->slots == NULL)
        goto fail;
    ix->mask = size - 1;
    uint32_t at = 0;
    ix->global = flatten(ix->pool, &at, &b.global, ix->refs);
    ix->nservices = b.nsvc;
    for (uint32_t s = 0; s < b.nsvc; s++) {
        iam__service *sv = &ix->services[s];
        sv->npat = b.svc[s].npat;
        for (uint32_t p = 0; p < sv->npat; p++) {
            sv->pat[p] = b.svc[s].pat[p];
            sv->lists[p] = flatten(ix->pool, &at, &b.svc[s].lists[p], ix->refs);
        }
        sv->overflow = flatten(ix->pool, &at, &b.svc[s].overflow, ix->refs);
    }
    for (uint32_t i = 0; b.slots && i <= b.mask; i++) {
        const bslot *bs = &b.slots[i];
        if (bs->key.ptr == NULL)
            continue;
        uint32_t pos = bs->hash & ix->mask;
        while (ix->slots[pos].key.ptr != NULL)
            pos = (pos + 1) & ix->mask;
        ix->slots[pos] = (iam__slot){ bs->key, bs->hash, bs->service, { 0, 0, 0, 0, 0 }, -1, 0 };
        if (bs->service < 0)
            ix->slots[pos].list = flatten(ix->pool, &at, &bs->list, ix->refs);
    }
    /* Probe groups for every list. */
    {
        iam__growable groups = { .size = sizeof(iam__group) }, buckets = { .size = sizeof(iam__bucket) },
                      entries = { .size = sizeof(iam__entry) };
        bool ok = build_groups(ix, &ix->global, &groups, &buckets, &entries);
        for (uint32_t s = 0; s < ix->nservices && ok; s++) {
            ok = build_groups(ix, &ix->services[s].overflow, &groups, &buckets, &entries);
            for (uint32_t p = 0; p < ix->services[s].npat && ok; p++)
                ok = build_groups(ix, &ix->services[s].lists[p], &groups, &buckets, &entries);
        }
        for (uint32_t i = 0; i <= ix->mask && ok; i++)
            if (ix->slots[i].key.ptr != NULL && ix->slots[i].service < 0)
                ok = build_groups(ix, &ix->slots[i].list, &groups, &buckets, &entries);
        ix->groups = groups.p;
        ix->buckets = buckets.p;
        ix->entries = entries.p;
        if (!ok)
            goto fail;
    }
    /* Exact slots learn their service and which of its patterns match them,
     * so a request for a named action runs no pattern at all. */
    for (uint32_t i = 0; i <= ix->mask; i++) {
        iam__slot *es = &ix->slots[i];
        if (es->key.ptr == NULL || es->service >= 0)
            continue;
        const char *colon = memchr(es->key.ptr, ':', es->key.len);
        const iam__slot *ss = colon ? lookup(ix, es->key.ptr, (size_t)(colon - es->key.ptr)) : NULL;
        if (ss == NULL || ss->service < 0)
            continue;
        const iam__service *sv = &ix->services[ss->service];
        es->owner = ss->service;
        for (uint32_t p = 0; p < sv->npat; p++)
            if (iam__pat_match(sv->pat[p], es->key, false, NULL, NULL))
                es->pmask |= 1u << p;
    }
    builder_free(&b);
    *out = ix;
    return IAM_OK;
fail:
    builder_free(&b);
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
    iam__free(ix->services);
    iam__free(ix->slots);
    iam__free(ix->groups);
    iam__free(ix->buckets);
    iam__free(ix->entries);
    iam__free(ix);
}

size_t iam_index_policy_count(const iam_index *ix) { return ix ? ix->npol : 0; }

const iam_policy *iam_index_policy(const iam_index *ix, size_t i)
{
    return (ix && i < ix->npol) ? ix->pols[i] : NULL;
}

static const iam__slot *lookup_hashed(const iam_index *ix, const char *key, size_t len, uint32_t h)
{
    for (uint32_t at = h & ix->mask;; at = (at + 1) & ix->mask) {
        const iam__slot *s = &ix->slots[at];
        if (s->key.ptr == NULL)
            return NULL;
        if (s->hash == h && s->key.len == len && memcmp(s->key.ptr, key, len) == 0)
            return s;
    }
}

static const iam__slot *lookup(const iam_index *ix, const char *key, size_t len)
{
    return lookup_hashed(ix, key, len, hash_bytes((iam_str){ key, len }));
}

/* The request's resource part, padded so that probes may load 8 bytes at
 * any offset inside it. */
typedef struct probe_src {
    const unsigned char *p;
    size_t len;
    bool usable;
} probe_src;

static inline bool probe_pass(const iam__probe *pr, const probe_src *src)
{
    if (pr->off >= src->len)
        return false;
    uint64_t v;
    memcpy(&v, src->p + pr->off, 8);
    return ((v ^ pr->bytes) & pr->mask) == 0;
}

/* Visits candidates pool[from, to) of a list, skipping those an earlier
 * matching pattern list already had (skip_mask) and, when `probe` is set,
 * those none of whose probes pass. Returns false when `fn` stopped. */
static inline bool visit_range(const iam_index *ix, uint32_t from, uint32_t to, bool known, uint32_t skip_mask,
                               const probe_src *probe, iam__visit_fn fn, void *arg)
{
    for (uint32_t i = from; i < to; i++) {
        const iam__cand *c = &ix->pool[i];
        if (c->mask & skip_mask)
            continue;
        const iam__sref *r = &ix->refs[c->ref];
        bool pass = probe == NULL;
        for (uint32_t j = 0; j < r->nprobe && !pass; j++)
            pass = probe_pass(&r->probe[j], probe);
        if (pass && !fn(r->st, r->policy, r->index, known, arg))
            return false;
    }
    return true;
}

/* Visits one list. Without a usable request resource: every candidate.
 * Otherwise the unprobed head whole, then the probed rest either by direct
 * probe checks or, when the list has groups, by one hash lookup of the
 * request's bytes per group; an entry found through probe i is skipped
 * when an earlier probe of the same statement also passes, so each
 * statement is visited once. Returns false when `fn` stopped. */
static bool visit_list(const iam_index *ix, const iam__list *l, bool known, uint32_t skip_mask,
                       const probe_src *src, iam__visit_fn fn, void *arg)
{
    if (!src->usable)
        return visit_range(ix, l->off, l->off + l->n, known, skip_mask, NULL, fn, arg);
    if (!visit_range(ix, l->off, l->off + l->nun, known, skip_mask, NULL, fn, arg))
        return false;
    if (l->gn == 0)
        return visit_range(ix, l->off + l->nun, l->off + l->n, known, skip_mask, src, fn, arg);
    for (uint32_t g = 0; g < l->gn; g++) {
        const iam__group *gr = &ix->groups[l->goff + g];
        if (gr->off >= src->len)
            continue;
        uint64_t v;
        memcpy(&v, src->p + gr->off, 8);
        v &= gr->mask;
        const iam__bucket *tab = ix->buckets + gr->toff;
        uint32_t at = bytes_hash(v) & gr->tmask;
        while (tab[at].en != 0 && tab[at].bytes != v)
            at = (at + 1) & gr->tmask;
        for (uint32_t e = 0; e < tab[at].en; e++) {
            const iam__entry *en = &ix->entries[tab[at].eoff + e];
            if (en->mask & skip_mask)
                continue;
            const iam__sref *r = &ix->refs[en->ref];
            bool seen = false;
            for (uint32_t j = 0; j < en->probe && !seen; j++)
                seen = probe_pass(&r->probe[j], src);
            if (!seen && !fn(r->st, r->policy, r->index, known, arg))
                return false;
        }
    }
    return true;
}

void iam__index_visit(const iam_index *ix, iam_str action_lower, const iam__arn_split *resource,
                      iam__visit_fn fn, void *arg)
{
    /* A six-field request resource gives probes their source; anything
     * else cannot match a six-field pattern, so probes reject correctly,
     * except that such values skip the filter (usable=false) to keep the
     * fewer-field rules in one place, arn.c. */
    unsigned char buf[1024 + 8];
    probe_src src = { buf, 0, false };
    if (resource != NULL && resource->nfields == 6) {
        size_t off = resource->start[5];
        size_t len = resource->s.len - off;
        if (len + 8 <= sizeof buf) {
            memcpy(buf, resource->s.ptr + off, len);
            memset(buf + len, 0, 8);
            src.len = len;
            src.usable = true;
        }
    }
    if (!visit_list(ix, &ix->global, false, 0u, &src, fn, arg))
        return;
    const char *colon = memchr(action_lower.ptr, ':', action_lower.len);
    if (colon == NULL)
        return;
    /* One FNV-1a pass gives the hashes of "svc" and of "svc:name". */
    size_t svc_len = (size_t)(colon - action_lower.ptr);
    uint32_t h = 2166136261u, h_svc = 0;
    for (size_t i = 0; i < action_lower.len; i++) {
        if (i == svc_len)
            h_svc = h;
        h ^= (unsigned char)action_lower.ptr[i];
        h *= 16777619u;
    }
    const iam__slot *es = lookup_hashed(ix, action_lower.ptr, action_lower.len, h);
    const iam__service *sv = NULL;
    uint32_t matched = 0;
    if (es != NULL && es->service < 0) {
        sv = es->owner >= 0 ? &ix->services[es->owner] : NULL;
        matched = es->pmask;
    } else {
        es = NULL;
        const iam__slot *ss = lookup_hashed(ix, action_lower.ptr, svc_len, h_svc);
        sv = (ss && ss->service >= 0) ? &ix->services[ss->service] : NULL;
        for (uint32_t p = 0; sv != NULL && p < sv->npat; p++)
            if (iam__pat_match(sv->pat[p], action_lower, false, NULL, NULL))
                matched |= 1u << p;
    }
    if (sv != NULL && !visit_list(ix, &sv->overflow, false, 0u, &src, fn, arg))
        return;
    if (es != NULL && !visit_list(ix, &es->list, true, matched, &src, fn, arg))
        return;
    for (uint32_t p = 0; p < MAX_PATTERNS && matched >> p; p++) {
        if (!(matched & (1u << p)))
            continue;
        if (!visit_list(ix, &sv->lists[p], true, matched & ((1u << p) - 1u), &src, fn, arg))
            return;
    }
}
