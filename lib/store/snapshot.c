/* snapshot.c - the snapshot's containers and life cycle: entity blocks,
 * per-kind tables, the domain that frees entities when no snapshot can
 * reach them any more, the holder readers pin through, and the lookups and
 * sorted lists of iam/snapshot.h.
 *
 * Ownership. Snapshots derived from one full load form a chain (a domain).
 * An entity object is created by the snapshot that first holds it and is
 * shared by every later snapshot until one replaces or deletes it; that
 * snapshot's sequence number is the object's retire tag. The object can be
 * freed once every live snapshot is at least that new, so the domain keeps a
 * list of retired objects (tags ascending) and a list of live snapshots
 * (seq ascending); a snapshot's death frees the retired objects the oldest
 * survivor no longer reaches. Unchanged objects are thus shared without
 * touching them on each write (no per-entity reference counts: 100,000
 * atomic increments per write would cost milliseconds in cache misses).
 * Only the newest snapshot (the tip) may be derived from; the domain keeps
 * the tip's tables so that objects born in a tip that dies early are still
 * found and freed with the domain. */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "iam/jwt.h"
#include "store/snapshot_int.h"
#include "store/store_int.h"

/* ---- entities ---------------------------------------------------------- */

snap_ent *iam__snap_ent_new(iam_entity_kind kind, size_t inline_buf)
{
    inline_buf = (inline_buf + 15u) & ~(size_t)15u;
    snap_ent *e = iam__malloc(sizeof(*e) + inline_buf);
    if (e == NULL)
        return NULL;
    memset(e, 0, sizeof(*e));
    e->kind = (uint16_t)kind;
    iam__arena_init_buf(&e->ar, e->buf, inline_buf);
    return e;
}

static void free_policy(const iam_policy *p)
{
    iam_policy_free((iam_policy *)(uintptr_t)p);
}

static void free_inline(const iam_inline_policies *ip)
{
    for (size_t i = 0; i < ip->n; i++)
        free_policy(ip->items[i].compiled);
}

void iam__snap_ent_free(snap_ent *e)
{
    if (e == NULL)
        return;
    switch (e->kind) {
    case IAM_EK_USER: free_inline(&e->m.u.inline_policies); break;
    case IAM_EK_GROUP: free_inline(&e->m.g.inline_policies); break;
    case IAM_EK_ROLE:
        free_inline(&e->m.r.inline_policies);
        free_policy(e->m.r.trust);
        break;
    case IAM_EK_POLICY: free_policy(e->m.p.compiled); break;
    case IAM_EK_OIDC_PROVIDER: iam_jwks_free((iam_jwks *)(uintptr_t)e->m.o.jwks); break;
    default: break;
    }
    iam__arena_free(&e->ar);
    iam__free(e);
}

const char *iam__snap_obj_id(iam_entity_kind kind, const void *o)
{
    const snap_ent *e = snap_ent_of(o);
    switch (kind) {
    case IAM_EK_ACCOUNT: return e->m.a.id;
    case IAM_EK_USER: return e->m.u.id;
    case IAM_EK_GROUP: return e->m.g.id;
    case IAM_EK_ROLE: return e->m.r.id;
    case IAM_EK_POLICY: return e->m.p.id;
    case IAM_EK_ACCESS_KEY: return e->m.k.id;
    case IAM_EK_INSTANCE_PROFILE: return e->m.ip.id;
    case IAM_EK_OIDC_PROVIDER: return e->m.o.arn;
    case IAM_EK_MFA_DEVICE: return e->m.d.serial;
    }
    return "";
}

const char *iam__snap_obj_name(iam_entity_kind kind, const void *o)
{
    const snap_ent *e = snap_ent_of(o);
    switch (kind) {
    case IAM_EK_USER: return e->m.u.name;
    case IAM_EK_GROUP: return e->m.g.name;
    case IAM_EK_ROLE: return e->m.r.name;
    case IAM_EK_POLICY: return e->m.p.name;
    case IAM_EK_INSTANCE_PROFILE: return e->m.ip.name;
    default: return iam__snap_obj_id(kind, o);
    }
}

/* The key of the per-account lists ("" for accounts: one list). */
static const char *obj_account(iam_entity_kind kind, const void *o)
{
    const snap_ent *e = snap_ent_of(o);
    switch (kind) {
    case IAM_EK_USER: return e->m.u.account;
    case IAM_EK_GROUP: return e->m.g.account;
    case IAM_EK_ROLE: return e->m.r.account;
    case IAM_EK_POLICY: return e->m.p.account;
    case IAM_EK_ACCESS_KEY: return e->m.k.account;
    case IAM_EK_INSTANCE_PROFILE: return e->m.ip.account;
    case IAM_EK_OIDC_PROVIDER: return e->m.o.account;
    case IAM_EK_MFA_DEVICE: return e->m.d.account;
    default: return "";
    }
}

/* keys map: 0 none, 1 (account, name) case-insensitive, 2 ARN exact. */
static int key_mode(iam_entity_kind kind)
{
    switch (kind) {
    case IAM_EK_USER:
    case IAM_EK_GROUP:
    case IAM_EK_ROLE:
    case IAM_EK_INSTANCE_PROFILE: return 1;
    case IAM_EK_POLICY: return 2;
    default: return 0;
    }
}

static bool has_lists(iam_entity_kind kind) { return kind != IAM_EK_ACCESS_KEY; }

/* ---- hashing and comparing ------------------------------------------- */

static uint32_t fold(uint64_t h) { return (uint32_t)(h ^ (h >> 32)); }

static uint64_t fnv(uint64_t h, const char *p, size_t n, bool lower)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)(lower ? iam__lower(p[i]) : p[i]);
        h *= 0x100000001b3ull;
    }
    return h;
}

static uint32_t hash_exact(iam_str s) { return fold(fnv(0xcbf29ce484222325ull, s.ptr, s.len, false)); }

static uint32_t hash_acct_name(iam_str acct, iam_str name)
{
    uint64_t h = fnv(0xcbf29ce484222325ull, acct.ptr, acct.len, false);
    h = fnv(h ^ 0xff, "", 0, false) * 0x100000001b3ull;
    return fold(fnv(h, name.ptr, name.len, true));
}

/* Lower-cased ASCII comparison of a NUL-terminated string and a slice. */
static int cmp_lower(const char *a, iam_str b)
{
    size_t i = 0;
    for (; a[i] != '\0' && i < b.len; i++) {
        unsigned char x = (unsigned char)iam__lower(a[i]), y = (unsigned char)iam__lower(b.ptr[i]);
        if (x != y)
            return x < y ? -1 : 1;
    }
    if (a[i] == '\0')
        return i == b.len ? 0 : -1;
    return 1;
}

static bool cstr_eq(const char *a, iam_str b) { return strlen(a) == b.len && memcmp(a, b.ptr, b.len) == 0; }

static uint32_t obj_key_hash(iam_entity_kind kind, const void *o)
{
    if (key_mode(kind) == 2)
        return hash_exact(iam_str_from_cstr(snap_ent_of(o)->m.p.arn));
    return hash_acct_name(iam_str_from_cstr(obj_account(kind, o)), iam_str_from_cstr(iam__snap_obj_name(kind, o)));
}

/* ---- maps -------------------------------------------------------------- */

#define ENTRY(h, slot) (((uint64_t)(h) << 32) | (uint64_t)((slot) + 1u))
#define E_SLOT(e) ((uint32_t)((e)&0xffffffffu) - 1u)
#define E_HASH(e) ((uint32_t)((e) >> 32))

static bool map_raw_insert(snap_map *m, uint64_t entry)
{
    uint32_t i = E_HASH(entry) & m->mask;
    while (m->e[i] != 0)
        i = (i + 1) & m->mask;
    m->e[i] = entry;
    m->n++;
    return true;
}

static bool map_reserve(snap_map *m, uint32_t need)
{
    uint64_t cap = m->e ? (uint64_t)m->mask + 1 : 0;
    if ((uint64_t)need * 2 <= cap)
        return true;
    uint64_t ncap = cap ? cap : 16;
    while ((uint64_t)need * 2 > ncap)
        ncap *= 2;
    if (ncap > ((uint64_t)1 << 31))
        return false;
    uint64_t *ne = iam__calloc((size_t)ncap, sizeof(*ne));
    if (ne == NULL)
        return false;
    snap_map old = *m;
    m->e = ne;
    m->mask = (uint32_t)(ncap - 1);
    m->n = 0;
    for (uint64_t i = 0; i < cap; i++)
        if (old.e[i] != 0)
            map_raw_insert(m, old.e[i]);
    iam__free(old.e);
    return true;
}

static void map_remove(snap_map *m, uint32_t h, uint32_t slot)
{
    if (m->e == NULL)
        return;
    uint32_t i = h & m->mask;
    while (m->e[i] != 0 && E_SLOT(m->e[i]) != slot)
        i = (i + 1) & m->mask;
    if (m->e[i] == 0)
        return;
    /* Backward-shift deletion keeps every probe chain unbroken. */
    uint32_t j = i;
    for (;;) {
        j = (j + 1) & m->mask;
        if (m->e[j] == 0)
            break;
        uint32_t k = E_HASH(m->e[j]) & m->mask;
        bool move = (j > i) ? (k <= i || k > j) : (k <= i && k > j);
        if (move) {
            m->e[i] = m->e[j];
            i = j;
        }
    }
    m->e[i] = 0;
    m->n--;
}

static bool map_clone(snap_map *dst, const snap_map *src)
{
    *dst = *src;
    if (src->e == NULL)
        return true;
    dst->e = iam__malloc(((size_t)src->mask + 1) * sizeof(uint64_t));
    if (dst->e == NULL)
        return false;
    memcpy(dst->e, src->e, ((size_t)src->mask + 1) * sizeof(uint64_t));
    return true;
}

/* ---- tables ------------------------------------------------------------ */

snap_tab *iam__snap_tab_new(iam_entity_kind kind)
{
    snap_tab *t = iam__calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    atomic_init(&t->refs, 1);
    t->kind = kind;
    return t;
}

void iam__snap_tab_retain(snap_tab *t) { atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed); }

void iam__snap_tab_release(snap_tab *t)
{
    if (t == NULL || atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) != 1)
        return;
    iam__free((void *)(uintptr_t)t->objs);
    iam__free(t->ids.e);
    iam__free(t->keys.e);
    for (size_t i = 0; i < t->n_lists; i++) {
        iam__free(t->lists[i].account);
        iam__free((void *)(uintptr_t)t->lists[i].items);
    }
    iam__free(t->lists);
    iam__free(t);
}

snap_tab *iam__snap_tab_clone(const snap_tab *t)
{
    snap_tab *c = iam__snap_tab_new(t->kind);
    if (c == NULL)
        return NULL;
    c->live = t->live;
    if (t->cap_slots) {
        c->objs = iam__malloc(t->cap_slots * sizeof(*c->objs));
        if (c->objs == NULL)
            goto fail;
        memcpy((void *)(uintptr_t)c->objs, (const void *)t->objs, t->n_slots * sizeof(*c->objs));
        c->cap_slots = t->cap_slots;
        c->n_slots = t->n_slots;
    }
    if (!map_clone(&c->ids, &t->ids))
        goto fail;
    if (!map_clone(&c->keys, &t->keys)) {
        c->keys.e = NULL;
        goto fail;
    }
    if (t->n_lists) {
        c->lists = iam__calloc(t->n_lists, sizeof(*c->lists));
        if (c->lists == NULL)
            goto fail;
        for (size_t i = 0; i < t->n_lists; i++) {
            const snap_alist *s = &t->lists[i];
            snap_alist *d = &c->lists[c->n_lists];
            size_t al = strlen(s->account);
            d->account = iam__malloc(al + 1);
            d->cap = s->n + 8;
            d->items = iam__malloc(d->cap * sizeof(*d->items));
            if (d->account == NULL || d->items == NULL) {
                iam__free(d->account);
                iam__free((void *)(uintptr_t)d->items);
                goto fail;
            }
            memcpy(d->account, s->account, al + 1);
            memcpy((void *)(uintptr_t)d->items, (const void *)s->items, s->n * sizeof(*d->items));
            d->n = s->n;
            c->n_lists++;
        }
    }
    return c;
fail:
    iam__snap_tab_release(c);
    return NULL;
}

static uint32_t map_find(const snap_tab *t, const snap_map *m, int mode, uint32_t h, iam_str a, iam_str b)
{
    if (m->e == NULL)
        return UINT32_MAX;
    uint32_t i = h & m->mask;
    for (; m->e[i] != 0; i = (i + 1) & m->mask) {
        if (E_HASH(m->e[i]) != h)
            continue;
        uint32_t slot = E_SLOT(m->e[i]);
        const void *o = t->objs[slot];
        if (o == NULL)
            continue;
        bool eq;
        if (mode == 0)
            eq = cstr_eq(iam__snap_obj_id(t->kind, o), b);
        else if (mode == 2)
            eq = cstr_eq(snap_ent_of(o)->m.p.arn, b);
        else
            eq = cstr_eq(obj_account(t->kind, o), a) && cmp_lower(iam__snap_obj_name(t->kind, o), b) == 0;
        if (eq)
            return slot;
    }
    return UINT32_MAX;
}

uint32_t iam__snap_tab_find_id(const snap_tab *t, iam_str id)
{
    if (t == NULL || id.len == 0)
        return UINT32_MAX;
    return map_find(t, &t->ids, 0, hash_exact(id), IAM_STR_NULL, id);
}

static const void *tab_by_id(const snap_tab *t, iam_str id)
{
    uint32_t s = iam__snap_tab_find_id(t, id);
    return s == UINT32_MAX ? NULL : t->objs[s];
}

static const void *tab_by_name(const snap_tab *t, iam_str account, iam_str name)
{
    if (t == NULL || name.len == 0)
        return NULL;
    uint32_t s = map_find(t, &t->keys, 1, hash_acct_name(account, name), account, name);
    return s == UINT32_MAX ? NULL : t->objs[s];
}

iam_err iam__snap_tab_new_slot(snap_tab *t, uint32_t *slot)
{
    if (t->n_slots == UINT32_MAX - 1)
        return IAM_E_LIMIT;
    size_t cap = t->cap_slots;
    if (!iam__grow((void **)(uintptr_t)&t->objs, &cap, (size_t)t->n_slots + 1, sizeof(*t->objs)))
        return IAM_E_NOMEM;
    t->cap_slots = (uint32_t)(cap > UINT32_MAX ? UINT32_MAX : cap);
    t->objs[t->n_slots] = NULL;
    *slot = t->n_slots++;
    return IAM_OK;
}

/* The list of `account`, created when `create`; NULL when absent / NOMEM. */
static snap_alist *tab_list(snap_tab *t, const char *account, bool create)
{
    size_t lo = 0, hi = t->n_lists;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(t->lists[mid].account, account);
        if (c == 0)
            return &t->lists[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (!create)
        return NULL;
    snap_alist *nl = iam__realloc(t->lists, (t->n_lists + 1) * sizeof(*nl));
    if (nl == NULL)
        return NULL;
    t->lists = nl;
    size_t al = strlen(account);
    char *acc = iam__malloc(al + 1);
    if (acc == NULL)
        return NULL;
    memcpy(acc, account, al + 1);
    memmove(&nl[lo + 1], &nl[lo], (t->n_lists - lo) * sizeof(*nl));
    nl[lo] = (snap_alist){ acc, NULL, 0, 0 };
    t->n_lists++;
    return &nl[lo];
}

/* Lower-cased name order, then exact bytes (ties cannot happen within one
 * account's kind, but keep the order total). */
static int obj_cmp(iam_entity_kind kind, const void *x, const void *y)
{
    const char *a = iam__snap_obj_name(kind, x), *b = iam__snap_obj_name(kind, y);
    int c = cmp_lower(a, iam_str_from_cstr(b));
    return c ? c : strcmp(a, b);
}

static size_t list_lower_bound(const snap_alist *l, iam_entity_kind kind, const void *o)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (obj_cmp(kind, l->items[mid], o) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool list_insert(snap_tab *t, const void *o)
{
    snap_alist *l = tab_list(t, obj_account(t->kind, o), true);
    if (l == NULL || !iam__grow((void **)(uintptr_t)&l->items, &l->cap, l->n + 1, sizeof(*l->items)))
        return false;
    size_t i = list_lower_bound(l, t->kind, o);
    memmove((void *)(uintptr_t)&l->items[i + 1], (const void *)&l->items[i], (l->n - i) * sizeof(*l->items));
    l->items[i] = o;
    l->n++;
    return true;
}

static size_t list_pos(const snap_alist *l, iam_entity_kind kind, const void *o)
{
    for (size_t i = list_lower_bound(l, kind, o); i < l->n; i++)
        if (l->items[i] == o)
            return i;
    for (size_t i = 0; i < l->n; i++) /* defensive: order broken */
        if (l->items[i] == o)
            return i;
    return SIZE_MAX;
}

static void list_remove(snap_tab *t, const void *o)
{
    snap_alist *l = tab_list(t, obj_account(t->kind, o), false);
    if (l == NULL)
        return;
    size_t i = list_pos(l, t->kind, o);
    if (i == SIZE_MAX)
        return;
    memmove((void *)(uintptr_t)&l->items[i], (const void *)&l->items[i + 1], (l->n - i - 1) * sizeof(*l->items));
    l->n--;
}

iam_err iam__snap_tab_put(snap_tab *t, const void *old, const void *obj)
{
    uint32_t slot = snap_ent_of(obj)->slot;
    iam_entity_kind k = t->kind;
    int mode = key_mode(k);

    if (slot >= t->n_slots)
        return IAM_E_INVALID;
    if (old == NULL) {
        if (!map_reserve(&t->ids, t->ids.n + 1) || (mode && !map_reserve(&t->keys, t->keys.n + 1)))
            return IAM_E_NOMEM;
        if (has_lists(k) && !list_insert(t, obj))
            return IAM_E_NOMEM;
        map_raw_insert(&t->ids, ENTRY(hash_exact(iam_str_from_cstr(iam__snap_obj_id(k, obj))), slot));
        if (mode)
            map_raw_insert(&t->keys, ENTRY(obj_key_hash(k, obj), slot));
        t->objs[slot] = obj;
        t->live++;
        return IAM_OK;
    }
    bool same_acct = strcmp(obj_account(k, old), obj_account(k, obj)) == 0;
    bool same_name = strcmp(iam__snap_obj_name(k, old), iam__snap_obj_name(k, obj)) == 0;
    if (has_lists(k)) {
        if (same_acct && same_name) {
            snap_alist *l = tab_list(t, obj_account(k, old), false);
            size_t i = l ? list_pos(l, k, old) : SIZE_MAX;
            if (i != SIZE_MAX)
                l->items[i] = obj;
        } else {
            /* Insert first: a failure leaves the old entry in place. */
            if (!list_insert(t, obj))
                return IAM_E_NOMEM;
            list_remove(t, old);
        }
    }
    if (mode) {
        uint32_t ho = obj_key_hash(k, old), hn = obj_key_hash(k, obj);
        if (ho != hn) {
            map_remove(&t->keys, ho, slot);
            map_raw_insert(&t->keys, ENTRY(hn, slot));
        }
    }
    t->objs[slot] = obj;
    return IAM_OK;
}

void iam__snap_tab_remove(snap_tab *t, const void *old)
{
    uint32_t slot = snap_ent_of(old)->slot;
    iam_entity_kind k = t->kind;
    if (has_lists(k))
        list_remove(t, old);
    map_remove(&t->ids, hash_exact(iam_str_from_cstr(iam__snap_obj_id(k, old))), slot);
    if (key_mode(k))
        map_remove(&t->keys, obj_key_hash(k, old), slot);
    t->objs[slot] = NULL;
    t->live--;
}

/* ---- policy reverse index -------------------------------------------- */

void iam__snap_rev_release(snap_rev *r)
{
    if (r != NULL && atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) == 1)
        iam__free(r);
}

void iam__snap_revs_release(snap_revs *r)
{
    if (r == NULL || atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (uint32_t i = 0; i < r->n; i++)
        iam__snap_rev_release(r->r[i]);
    iam__free(r->r);
    iam__free(r);
}

/* ---- snapshots and the domain ---------------------------------------- */

struct snap_domain {
    pthread_mutex_t mu;
    uint64_t tip_seq;
    snap_tab *tip[SNAP_NKINDS];
    iam_snapshot *head, *tail;   /* live snapshots, seq ascending */
    void **ret;                  /* retired objects [ret_off, ret_n) */
    uint64_t *ret_tag;
    size_t ret_off, ret_n, ret_cap;
};

iam_err iam__snap_new(snap_tab *t[SNAP_NKINDS], snap_revs *revs, int64_t revision, const char *partition,
                      iam_snapshot **out)
{
    iam_snapshot *s = iam__calloc(1, sizeof(*s));
    if (s == NULL)
        return IAM_E_NOMEM;
    atomic_init(&s->refs, 1);
    s->revision = revision;
    for (int k = 1; k < SNAP_NKINDS; k++)
        s->t[k] = t[k];
    s->revs = revs;
    size_t pl = strlen(partition);
    if (pl >= sizeof s->partition)
        pl = sizeof s->partition - 1;
    memcpy(s->partition, partition, pl);
    s->n_users = t[IAM_EK_USER]->n_slots;
    s->n_roles = t[IAM_EK_ROLE]->n_slots;
    s->n_policies = t[IAM_EK_POLICY]->n_slots;
    s->uauthz = iam__calloc(s->n_users ? s->n_users : 1, sizeof(*s->uauthz));
    s->rauthz = iam__calloc(s->n_roles ? s->n_roles : 1, sizeof(*s->rauthz));
    s->rtrust = iam__calloc(s->n_roles ? s->n_roles : 1, sizeof(*s->rtrust));
    s->pents = iam__calloc(s->n_policies ? s->n_policies : 1, sizeof(*s->pents));
    if (s->uauthz == NULL || s->rauthz == NULL || s->rtrust == NULL || s->pents == NULL) {
        iam__free(s->uauthz);
        iam__free(s->rauthz);
        iam__free(s->rtrust);
        iam__free(s->pents);
        iam__free(s);
        return IAM_E_NOMEM;
    }
    *out = s;
    return IAM_OK;
}

static void free_caches(iam_snapshot *s)
{
    for (uint32_t i = 0; i < s->n_users; i++)
        iam__snap_authz_free(atomic_load_explicit(&s->uauthz[i], memory_order_acquire));
    for (uint32_t i = 0; i < s->n_roles; i++) {
        iam__snap_authz_free(atomic_load_explicit(&s->rauthz[i], memory_order_acquire));
        iam_index_free(atomic_load_explicit(&s->rtrust[i], memory_order_acquire));
    }
    for (uint32_t i = 0; i < s->n_policies; i++) {
        snap_pents *p = atomic_load_explicit(&s->pents[i], memory_order_acquire);
        if (p != NULL) {
            iam__free((void *)(uintptr_t)p->items);
            iam__free(p);
        }
    }
    iam__free(s->uauthz);
    iam__free(s->rauthz);
    iam__free(s->rtrust);
    iam__free(s->pents);
}

static void free_shell(iam_snapshot *s)
{
    free_caches(s);
    for (int k = 1; k < SNAP_NKINDS; k++)
        iam__snap_tab_release(s->t[k]);
    iam__snap_revs_release(s->revs);
    iam__free(s);
}

void iam__snap_discard(iam_snapshot *s, void **owned, size_t n_owned)
{
    for (size_t i = 0; i < n_owned; i++)
        iam__snap_ent_free(snap_ent_of(owned[i]));
    if (s != NULL)
        free_shell(s);
}

iam_err iam__snap_domain_start(iam_snapshot *s)
{
    snap_domain *d = iam__calloc(1, sizeof(*d));
    if (d == NULL)
        return IAM_E_NOMEM;
    if (pthread_mutex_init(&d->mu, NULL) != 0) {
        iam__free(d);
        return IAM_E_NOMEM;
    }
    d->tip_seq = s->seq = 1;
    for (int k = 1; k < SNAP_NKINDS; k++) {
        d->tip[k] = s->t[k];
        iam__snap_tab_retain(s->t[k]);
    }
    d->head = d->tail = s;
    s->dom = d;
    return IAM_OK;
}

bool iam__snap_domain_is_tip(const iam_snapshot *prev)
{
    snap_domain *d = prev->dom;
    pthread_mutex_lock(&d->mu);
    bool tip = prev->seq == d->tip_seq;
    pthread_mutex_unlock(&d->mu);
    return tip;
}

iam_err iam__snap_domain_extend(const iam_snapshot *prev, iam_snapshot *next, void **retired, size_t n_retired)
{
    snap_domain *d = prev->dom;
    snap_tab *old[SNAP_NKINDS] = { 0 };

    pthread_mutex_lock(&d->mu);
    if (prev->seq != d->tip_seq) {
        pthread_mutex_unlock(&d->mu);
        return IAM_E_CONFLICT;
    }
    if (d->ret_off > 0 && d->ret_off * 2 >= d->ret_n) { /* compact the consumed head */
        memmove(d->ret, d->ret + d->ret_off, (d->ret_n - d->ret_off) * sizeof(*d->ret));
        memmove(d->ret_tag, d->ret_tag + d->ret_off, (d->ret_n - d->ret_off) * sizeof(*d->ret_tag));
        d->ret_n -= d->ret_off;
        d->ret_off = 0;
    }
    if (d->ret_n + n_retired > d->ret_cap) {
        size_t ncap = d->ret_cap ? d->ret_cap : 64;
        while (ncap < d->ret_n + n_retired)
            ncap *= 2;
        void **nr = iam__realloc(d->ret, ncap * sizeof(*nr));
        if (nr != NULL)
            d->ret = nr;
        uint64_t *nt = nr ? iam__realloc(d->ret_tag, ncap * sizeof(*nt)) : NULL;
        if (nt == NULL) {
            pthread_mutex_unlock(&d->mu);
            return IAM_E_NOMEM;
        }
        d->ret_tag = nt;
        d->ret_cap = ncap;
    }
    next->seq = ++d->tip_seq;
    next->dom = d;
    for (size_t i = 0; i < n_retired; i++) {
        d->ret[d->ret_n] = retired[i];
        d->ret_tag[d->ret_n++] = next->seq;
    }
    next->live_prev = d->tail;
    d->tail->live_next = next;
    d->tail = next;
    for (int k = 1; k < SNAP_NKINDS; k++) {
        old[k] = d->tip[k];
        d->tip[k] = next->t[k];
        iam__snap_tab_retain(next->t[k]);
    }
    pthread_mutex_unlock(&d->mu);
    for (int k = 1; k < SNAP_NKINDS; k++)
        iam__snap_tab_release(old[k]);
    return IAM_OK;
}

/* Called with the snapshot's last reference gone. */
static void snapshot_destroy(iam_snapshot *s)
{
    snap_domain *d = s->dom;
    bool last;

    free_caches(s);
    s->n_users = s->n_roles = s->n_policies = 0;
    s->uauthz = NULL;
    s->rauthz = NULL;
    s->rtrust = NULL;
    s->pents = NULL;
    if (d == NULL) {
        free_shell(s);
        return;
    }
    pthread_mutex_lock(&d->mu);
    if (s->live_prev)
        s->live_prev->live_next = s->live_next;
    else
        d->head = s->live_next;
    if (s->live_next)
        s->live_next->live_prev = s->live_prev;
    else
        d->tail = s->live_prev;
    last = d->head == NULL;
    if (!last) {
        uint64_t min = d->head->seq;
        while (d->ret_off < d->ret_n && d->ret_tag[d->ret_off] <= min)
            iam__snap_ent_free(snap_ent_of(d->ret[d->ret_off++]));
    }
    pthread_mutex_unlock(&d->mu);
    if (last) {
        /* Nobody can reach this domain any more. */
        while (d->ret_off < d->ret_n)
            iam__snap_ent_free(snap_ent_of(d->ret[d->ret_off++]));
        for (int k = 1; k < SNAP_NKINDS; k++) {
            snap_tab *t = d->tip[k];
            for (uint32_t i = 0; t && i < t->n_slots; i++)
                if (t->objs[i] != NULL)
                    iam__snap_ent_free(snap_ent_of(t->objs[i]));
            iam__snap_tab_release(t);
        }
        iam__free(d->ret);
        iam__free(d->ret_tag);
        pthread_mutex_destroy(&d->mu);
        iam__free(d);
    }
    free_shell(s);
}

void iam_snapshot_retain(const iam_snapshot *s)
{
    iam_snapshot *m = (iam_snapshot *)(uintptr_t)s;
    atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
}

void iam_snapshot_release(const iam_snapshot *s)
{
    iam_snapshot *m = (iam_snapshot *)(uintptr_t)s;
    if (m != NULL && atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) == 1)
        snapshot_destroy(m);
}

int64_t iam_snapshot_revision(const iam_snapshot *s) { return s ? s->revision : 0; }

iam_err iam_snapshot_load(iam_store *st, iam_snapshot **out, iam_diag *diag)
{
    if (out == NULL)
        return IAM_E_INVALID;
    *out = NULL;
    if (st == NULL)
        return IAM_E_INVALID;
    return iam__snapshot_load_db(iam__store_db(st), out, diag);
}

iam_err iam_snapshot_apply(const iam_snapshot *prev, iam_store *st, const iam_changes *ch, iam_snapshot **out,
                           iam_diag *diag)
{
    if (out == NULL)
        return IAM_E_INVALID;
    *out = NULL;
    if (prev == NULL || st == NULL || ch == NULL)
        return IAM_E_INVALID;
    return iam__snapshot_apply_db(prev, iam__store_db(st), ch, out, diag);
}

/* ---- holder ------------------------------------------------------------
 * Readers pin without a lock: a reader announces itself in the reader
 * counter of the current phase (verifying the phase did not flip under it),
 * loads the current pointer and retains it, then leaves the counter. The
 * writer swaps the pointer, flips the phase and waits until the counter of
 * the old phase drains; only then does it drop its reference to the old
 * snapshot. A reader that loaded the old pointer is counted in the phase
 * the writer waits for (it verified that phase after announcing itself, and
 * the flip comes after the swap), so the old snapshot cannot be freed
 * between its load and its retain. Readers arriving after the flip use the
 * other counter, so the wait is bounded by the pins already in progress.
 * All operations are sequentially consistent. */
struct iam_snapshot_holder {
    _Atomic(iam_snapshot *) cur;
    atomic_uint phase;
    atomic_size_t readers[2];
};

iam_err iam_snapshot_holder_new(iam_snapshot *first, iam_snapshot_holder **out)
{
    if (out == NULL)
        return IAM_E_INVALID;
    *out = NULL;
    if (first == NULL)
        return IAM_E_INVALID;
    iam_snapshot_holder *h = iam__calloc(1, sizeof(*h));
    if (h == NULL)
        return IAM_E_NOMEM;
    atomic_init(&h->cur, first);
    atomic_init(&h->phase, 0);
    atomic_init(&h->readers[0], 0);
    atomic_init(&h->readers[1], 0);
    *out = h;
    return IAM_OK;
}

void iam_snapshot_holder_free(iam_snapshot_holder *h)
{
    if (h == NULL)
        return;
    iam_snapshot_release(atomic_load(&h->cur));
    iam__free(h);
}

const iam_snapshot *iam_snapshot_pin(iam_snapshot_holder *h)
{
    unsigned p;
    for (;;) {
        p = atomic_load(&h->phase) & 1u;
        atomic_fetch_add(&h->readers[p], 1);
        if ((atomic_load(&h->phase) & 1u) == p)
            break;
        atomic_fetch_sub(&h->readers[p], 1);
    }
    iam_snapshot *s = atomic_load(&h->cur);
    iam_snapshot_retain(s);
    atomic_fetch_sub(&h->readers[p], 1);
    return s;
}

void iam_snapshot_publish(iam_snapshot_holder *h, iam_snapshot *next)
{
    if (next == NULL)
        return;
    iam_snapshot *old = atomic_exchange(&h->cur, next);
    unsigned p = atomic_load(&h->phase) & 1u;
    atomic_store(&h->phase, p ^ 1u);
    while (atomic_load(&h->readers[p]) != 0)
        sched_yield();
    iam_snapshot_release(old);
}

/* ---- lookups ------------------------------------------------------------ */

static const snap_tab *T(const iam_snapshot *s, iam_entity_kind k) { return s ? s->t[k] : NULL; }

const iam_account *iam_snap_account(const iam_snapshot *s, iam_str account_id)
{
    return tab_by_id(T(s, IAM_EK_ACCOUNT), account_id);
}
const iam_user *iam_snap_user(const iam_snapshot *s, iam_str account, iam_str name)
{
    return tab_by_name(T(s, IAM_EK_USER), account, name);
}
const iam_user *iam_snap_user_by_id(const iam_snapshot *s, iam_str id) { return tab_by_id(T(s, IAM_EK_USER), id); }
const iam_group *iam_snap_group(const iam_snapshot *s, iam_str account, iam_str name)
{
    return tab_by_name(T(s, IAM_EK_GROUP), account, name);
}
const iam_group *iam_snap_group_by_id(const iam_snapshot *s, iam_str id) { return tab_by_id(T(s, IAM_EK_GROUP), id); }
const iam_role *iam_snap_role(const iam_snapshot *s, iam_str account, iam_str name)
{
    return tab_by_name(T(s, IAM_EK_ROLE), account, name);
}
const iam_role *iam_snap_role_by_id(const iam_snapshot *s, iam_str id) { return tab_by_id(T(s, IAM_EK_ROLE), id); }
const iam_managed_policy *iam_snap_policy_by_id(const iam_snapshot *s, iam_str id)
{
    return tab_by_id(T(s, IAM_EK_POLICY), id);
}
const iam_managed_policy *iam_snap_policy_by_arn(const iam_snapshot *s, iam_str arn)
{
    const snap_tab *t = T(s, IAM_EK_POLICY);
    if (t == NULL || arn.len == 0)
        return NULL;
    uint32_t slot = map_find(t, &t->keys, 2, hash_exact(arn), IAM_STR_NULL, arn);
    return slot == UINT32_MAX ? NULL : t->objs[slot];
}
const iam_access_key *iam_snap_access_key(const iam_snapshot *s, iam_str key_id)
{
    return tab_by_id(T(s, IAM_EK_ACCESS_KEY), key_id);
}
const iam_instance_profile *iam_snap_instance_profile(const iam_snapshot *s, iam_str account, iam_str name)
{
    return tab_by_name(T(s, IAM_EK_INSTANCE_PROFILE), account, name);
}
const iam_oidc_provider *iam_snap_oidc_provider(const iam_snapshot *s, iam_str arn)
{
    return tab_by_id(T(s, IAM_EK_OIDC_PROVIDER), arn);
}

const iam_mfa_device *iam_snap_mfa_device(const iam_snapshot *s, iam_str serial)
{
    return tab_by_id(T(s, IAM_EK_MFA_DEVICE), serial);
}

bool iam_snap_principal_id(const iam_snapshot *s, iam_str arn, const char **unique_id)
{
    /* arn:PARTITION:iam::ACCOUNT:TYPE/PATH.../NAME */
    const char *p = arn.ptr, *end = arn.ptr + arn.len, *f[6];
    int n = 0;
    if (s == NULL || arn.len < 4 || memcmp(p, "arn:", 4) != 0)
        return false;
    f[n++] = p;
    for (const char *q = p; q < end && n < 6; q++)
        if (*q == ':')
            f[n++] = q + 1;
    if (n < 6 || f[4] - f[2] != 5 || memcmp(f[2], "iam::", 5) != 0)
        return false;
    iam_str account = { f[4], (size_t)(f[5] - 1 - f[4]) };
    iam_str res = { f[5], (size_t)(end - f[5]) };
    const char *slash = memchr(res.ptr, '/', res.len);
    const char *last = res.ptr + res.len;
    while (last > res.ptr && last[-1] != '/')
        last--;
    if (slash == NULL || last >= end)
        return false;
    iam_str type = { res.ptr, (size_t)(slash - res.ptr) }, name = { last, (size_t)(end - last) };
    const char *id = NULL, *oarn = NULL;
    if (iam_str_eq(type, IAM_STR("user"))) {
        const iam_user *u = iam_snap_user(s, account, name);
        if (u)
            id = u->id, oarn = u->arn;
    } else if (iam_str_eq(type, IAM_STR("role"))) {
        const iam_role *r = iam_snap_role(s, account, name);
        if (r)
            id = r->id, oarn = r->arn;
    } else if (iam_str_eq(type, IAM_STR("group"))) {
        const iam_group *g = iam_snap_group(s, account, name);
        if (g)
            id = g->id, oarn = g->arn;
    }
    if (id == NULL || !cstr_eq(oarn, arn))
        return false;
    if (unique_id)
        *unique_id = id;
    return true;
}

/* ---- lists -------------------------------------------------------------- */

static iam_snap_list tab_alist(const snap_tab *t, iam_str account)
{
    iam_snap_list l = { NULL, 0 };
    if (t == NULL)
        return l;
    size_t lo = 0, hi = t->n_lists;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const char *a = t->lists[mid].account;
        size_t al = strlen(a);
        int c = memcmp(a, account.ptr ? account.ptr : "", al < account.len ? al : account.len);
        if (c == 0)
            c = (al > account.len) - (al < account.len);
        if (c == 0) {
            l.items = t->lists[mid].items;
            l.n = t->lists[mid].n;
            return l;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return l;
}

iam_snap_list iam_snap_users(const iam_snapshot *s, iam_str a) { return tab_alist(T(s, IAM_EK_USER), a); }
iam_snap_list iam_snap_groups(const iam_snapshot *s, iam_str a) { return tab_alist(T(s, IAM_EK_GROUP), a); }
iam_snap_list iam_snap_roles(const iam_snapshot *s, iam_str a) { return tab_alist(T(s, IAM_EK_ROLE), a); }
iam_snap_list iam_snap_policies(const iam_snapshot *s, iam_str a) { return tab_alist(T(s, IAM_EK_POLICY), a); }
iam_snap_list iam_snap_instance_profiles(const iam_snapshot *s, iam_str a)
{
    return tab_alist(T(s, IAM_EK_INSTANCE_PROFILE), a);
}
iam_snap_list iam_snap_oidc_providers(const iam_snapshot *s, iam_str a)
{
    return tab_alist(T(s, IAM_EK_OIDC_PROVIDER), a);
}

iam_snap_list iam_snap_virtual_mfa_devices(const iam_snapshot *s, iam_str a)
{
    return tab_alist(T(s, IAM_EK_MFA_DEVICE), a);
}
iam_snap_list iam_snap_accounts(const iam_snapshot *s) { return tab_alist(T(s, IAM_EK_ACCOUNT), IAM_STR("")); }

size_t iam_snap_list_after(iam_snap_list l, iam_entity_kind kind, iam_str after)
{
    if (after.len == 0)
        return 0;
    size_t lo = 0, hi = l.n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cmp_lower(iam__snap_obj_name(kind, l.items[mid]), after) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* qsort has no context argument; sort by kind with three comparators. */
static int pent_cmp_user(const void *a, const void *b)
{
    return obj_cmp(IAM_EK_USER, *(const void *const *)a, *(const void *const *)b);
}
static int pent_cmp_group(const void *a, const void *b)
{
    return obj_cmp(IAM_EK_GROUP, *(const void *const *)a, *(const void *const *)b);
}
static int pent_cmp_role(const void *a, const void *b)
{
    return obj_cmp(IAM_EK_ROLE, *(const void *const *)a, *(const void *const *)b);
}

void iam_snap_policy_entities(const iam_snapshot *s, iam_str policy_id, iam_snap_list *users,
                              iam_snap_list *groups, iam_snap_list *roles)
{
    static const iam_entity_kind kinds[3] = { IAM_EK_USER, IAM_EK_GROUP, IAM_EK_ROLE };
    int (*const cmps[3])(const void *, const void *) = { pent_cmp_user, pent_cmp_group, pent_cmp_role };
    iam_snap_list *outs[3] = { users, groups, roles };
    snap_pents *pe = NULL;

    for (int i = 0; i < 3; i++)
        if (outs[i])
            *outs[i] = (iam_snap_list){ NULL, 0 };
    if (s == NULL)
        return;
    uint32_t slot = iam__snap_tab_find_id(s->t[IAM_EK_POLICY], policy_id);
    if (slot == UINT32_MAX || slot >= s->n_policies || slot >= s->revs->n || s->revs->r[slot] == NULL)
        return;
    pe = atomic_load_explicit(&s->pents[slot], memory_order_acquire);
    if (pe == NULL) {
        const snap_rev *r = s->revs->r[slot];
        size_t total = (size_t)r->n[0] + r->n[1] + r->n[2];
        snap_pents *np = iam__calloc(1, sizeof(*np));
        const void **items = iam__calloc(total ? total : 1, sizeof(*items));
        if (np == NULL || items == NULL) {
            iam__free(np);
            iam__free((void *)(uintptr_t)items);
            return; /* no error channel: an empty answer under memory pressure */
        }
        size_t off = 0, in = 0;
        for (int k = 0; k < 3; k++) {
            const snap_tab *t = s->t[kinds[k]];
            size_t start = off;
            for (uint32_t j = 0; j < r->n[k]; j++, in++) {
                uint32_t ps = r->items[in];
                if (ps < t->n_slots && t->objs[ps] != NULL)
                    items[off++] = t->objs[ps];
            }
            np->n[k] = off - start;
            qsort((void *)(uintptr_t)(items + start), np->n[k], sizeof(*items), cmps[k]);
        }
        np->items = items;
        snap_pents *expected = NULL;
        if (atomic_compare_exchange_strong_explicit(&s->pents[slot], &expected, np, memory_order_acq_rel,
                                                    memory_order_acquire)) {
            pe = np;
        } else {
            iam__free((void *)(uintptr_t)items);
            iam__free(np);
            pe = expected;
        }
    }
    size_t off = 0;
    for (int k = 0; k < 3; k++) {
        if (outs[k])
            *outs[k] = (iam_snap_list){ pe->items + off, pe->n[k] };
        off += pe->n[k];
    }
}

void iam_snap_account_counts(const iam_snapshot *s, iam_str account, iam_account_counts *out)
{
    if (out == NULL)
        return;
    memset(out, 0, sizeof(*out));
    if (s == NULL)
        return;
    out->users = tab_alist(s->t[IAM_EK_USER], account).n;
    out->groups = tab_alist(s->t[IAM_EK_GROUP], account).n;
    out->roles = tab_alist(s->t[IAM_EK_ROLE], account).n;
    out->instance_profiles = tab_alist(s->t[IAM_EK_INSTANCE_PROFILE], account).n;
    out->oidc_providers = tab_alist(s->t[IAM_EK_OIDC_PROVIDER], account).n;
    iam_snap_list pl = tab_alist(s->t[IAM_EK_POLICY], account);
    out->policies = pl.n;
    for (size_t i = 0; i < pl.n; i++)
        out->policy_versions_in_use += ((const iam_managed_policy *)pl.items[i])->n_versions;
    /* Attachments held by the account's principals (any policy). */
    iam_snap_list l = tab_alist(s->t[IAM_EK_USER], account);
    for (size_t i = 0; i < l.n; i++)
        out->attached_policies += ((const iam_user *)l.items[i])->n_attached;
    l = tab_alist(s->t[IAM_EK_GROUP], account);
    for (size_t i = 0; i < l.n; i++)
        out->attached_policies += ((const iam_group *)l.items[i])->n_attached;
    l = tab_alist(s->t[IAM_EK_ROLE], account);
    for (size_t i = 0; i < l.n; i++)
        out->attached_policies += ((const iam_role *)l.items[i])->n_attached;
}
