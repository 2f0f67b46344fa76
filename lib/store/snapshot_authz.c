/* snapshot_authz.c - what the policy engine needs from a snapshot: each
 * principal's identity and boundary policies as indexes, built on first use
 * and cached in the snapshot without a lock (compare-and-swap; a thread that
 * loses the race frees its copy), role trust policies with principals bound
 * to the unique ids they had when saved, and the opening of sealed access
 * key secrets. */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "iam/crypto.h"
#include "store/snapshot_int.h"

void iam__snap_authz_free(snap_authz *a)
{
    if (a == NULL)
        return;
    iam_index_free(a->identity);
    iam_index_free(a->boundary);
    iam__free(a);
}

/* A growable list of distinct policies. */
typedef struct plist {
    iam_policy **p;
    size_t n, cap;
} plist;

static bool plist_add(plist *l, const iam_policy *p, bool dedupe)
{
    if (p == NULL)
        return true; /* a document that did not compile grants nothing */
    if (dedupe)
        for (size_t i = 0; i < l->n; i++)
            if (l->p[i] == p)
                return true;
    if (!iam__grow((void **)&l->p, &l->cap, l->n + 1, sizeof(*l->p)))
        return false;
    l->p[l->n++] = (iam_policy *)(uintptr_t)p;
    return true;
}

static bool add_inline(plist *l, const iam_inline_policies *ip)
{
    for (size_t i = 0; i < ip->n; i++)
        if (!plist_add(l, ip->items[i].compiled, false))
            return false;
    return true;
}

static bool add_managed(plist *l, const iam_managed_policy *const *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!plist_add(l, a[i]->compiled, true))
            return false;
    return true;
}

/* The boundary index: the one policy, or an empty index (allows nothing)
 * when the ARN names no policy of this snapshot. */
static iam_err boundary_index(const iam_snapshot *s, const char *arn, iam_index **out)
{
    *out = NULL;
    if (arn == NULL)
        return IAM_OK;
    const iam_managed_policy *p = iam_snap_policy_by_arn(s, iam_str_from_cstr(arn));
    iam_policy *one = p && p->compiled ? (iam_policy *)(uintptr_t)p->compiled : NULL;
    return iam_index_new(&one, one ? 1 : 0, out);
}

/* Publishes `mine` in *slot unless another thread was first. */
static snap_authz *publish_authz(_Atomic(snap_authz *) *slot, snap_authz *mine)
{
    snap_authz *expected = NULL;
    if (atomic_compare_exchange_strong_explicit(slot, &expected, mine, memory_order_acq_rel,
                                                memory_order_acquire))
        return mine;
    iam__snap_authz_free(mine);
    return expected;
}

static iam_err build_authz(const iam_snapshot *s, plist *l, const char *boundary_arn, snap_authz **out)
{
    snap_authz *a = iam__calloc(1, sizeof(*a));
    iam_err err;
    if (a == NULL)
        return IAM_E_NOMEM;
    err = iam_index_new(l->p, l->n, &a->identity);
    if (err == IAM_OK)
        err = boundary_index(s, boundary_arn, &a->boundary);
    if (err != IAM_OK) {
        iam__snap_authz_free(a);
        return err;
    }
    *out = a;
    return IAM_OK;
}

iam_err iam_snap_user_policies(const iam_snapshot *s, const iam_user *u, iam_principal_policies *out)
{
    if (out == NULL)
        return IAM_E_INVALID;
    memset(out, 0, sizeof(*out));
    if (s == NULL || u == NULL)
        return IAM_E_INVALID;
    uint32_t slot = snap_ent_of(u)->slot;
    /* Only this snapshot's object for that user: its groups and policies
     * are what this snapshot says. */
    if (slot >= s->n_users || s->t[IAM_EK_USER]->objs[slot] != u)
        return IAM_E_INVALID;
    snap_authz *a = atomic_load_explicit(&s->uauthz[slot], memory_order_acquire);
    if (a == NULL) {
        plist l = { 0 };
        bool ok = add_inline(&l, &u->inline_policies) && add_managed(&l, u->attached, u->n_attached);
        for (size_t g = 0; ok && g < u->n_groups; g++)
            ok = add_inline(&l, &u->groups[g]->inline_policies) &&
                 add_managed(&l, u->groups[g]->attached, u->groups[g]->n_attached);
        iam_err err = ok ? build_authz(s, &l, u->boundary_arn, &a) : IAM_E_NOMEM;
        iam__free(l.p);
        if (err != IAM_OK)
            return err;
        a = publish_authz(&s->uauthz[slot], a);
    }
    out->identity = a->identity;
    out->boundary = a->boundary;
    return IAM_OK;
}

iam_err iam_snap_role_policies(const iam_snapshot *s, const iam_role *r, iam_principal_policies *out)
{
    if (out == NULL)
        return IAM_E_INVALID;
    memset(out, 0, sizeof(*out));
    if (s == NULL || r == NULL)
        return IAM_E_INVALID;
    uint32_t slot = snap_ent_of(r)->slot;
    if (slot >= s->n_roles || s->t[IAM_EK_ROLE]->objs[slot] != r)
        return IAM_E_INVALID;
    snap_authz *a = atomic_load_explicit(&s->rauthz[slot], memory_order_acquire);
    if (a == NULL) {
        plist l = { 0 };
        bool ok = add_inline(&l, &r->inline_policies) && add_managed(&l, r->attached, r->n_attached);
        iam_err err = ok ? build_authz(s, &l, r->boundary_arn, &a) : IAM_E_NOMEM;
        iam__free(l.p);
        if (err != IAM_OK)
            return err;
        a = publish_authz(&s->rauthz[slot], a);
    }
    out->identity = a->identity;
    out->boundary = a->boundary;
    return IAM_OK;
}

iam_err iam_snap_role_trust(const iam_snapshot *s, const iam_role *r, const iam_index **out)
{
    if (out == NULL)
        return IAM_E_INVALID;
    *out = NULL;
    if (s == NULL || r == NULL)
        return IAM_E_INVALID;
    uint32_t slot = snap_ent_of(r)->slot;
    if (slot >= s->n_roles || s->t[IAM_EK_ROLE]->objs[slot] != r)
        return IAM_E_INVALID;
    iam_index *ix = atomic_load_explicit(&s->rtrust[slot], memory_order_acquire);
    if (ix == NULL) {
        iam_policy *one = (iam_policy *)(uintptr_t)r->trust;
        iam_err err = iam_index_new(&one, one ? 1 : 0, &ix);
        if (err != IAM_OK)
            return err;
        iam_index *expected = NULL;
        if (!atomic_compare_exchange_strong_explicit(&s->rtrust[slot], &expected, ix, memory_order_acq_rel,
                                                     memory_order_acquire)) {
            iam_index_free(ix);
            ix = expected;
        }
    }
    *out = ix;
    return IAM_OK;
}

/* ---- principal bindings in trust policies ------------------------------ */

typedef struct rewrite {
    const char *const *arns, *const *uids;
    size_t n;
    snap_resolve_fn resolve;
    void *ud;
    bool changed;
} rewrite;

/* The unique id to show instead of `arn`, or NULL to keep it. */
static const char *bound_id(rewrite *rw, const char *arn)
{
    for (size_t i = 0; i < rw->n; i++)
        if (strcmp(rw->arns[i], arn) == 0)
            return rw->resolve(rw->ud, arn, rw->uids[i]) ? NULL : rw->uids[i];
    return NULL;
}

static bool rewrite_value(rewrite *rw, json_t *aws)
{
    if (json_is_string(aws)) {
        const char *id = bound_id(rw, json_string_value(aws));
        if (id != NULL) {
            if (json_string_set(aws, id) != 0)
                return false;
            rw->changed = true;
        }
        return true;
    }
    if (json_is_array(aws)) {
        size_t i;
        json_t *v;
        json_array_foreach(aws, i, v)
            if (!rewrite_value(rw, v))
                return false;
    }
    return true;
}

static bool rewrite_statement(rewrite *rw, json_t *st)
{
    json_t *pr = json_is_object(st) ? json_object_get(st, "Principal") : NULL;
    json_t *aws = json_is_object(pr) ? json_object_get(pr, "AWS") : NULL;
    return aws == NULL || rewrite_value(rw, aws);
}

iam_err iam__snap_trust_rewrite(const char *doc, const char *const *arns, const char *const *uids, size_t n,
                                snap_resolve_fn resolve, void *ud, char **out)
{
    rewrite rw = { arns, uids, n, resolve, ud, false };
    json_t *root, *st;
    iam_err err = IAM_OK;

    *out = NULL;
    if (doc == NULL || n == 0)
        return IAM_OK;
    root = json_loads(doc, 0, NULL);
    if (root == NULL)
        return IAM_OK; /* not JSON: kept as stored; it compiles to nothing */
    st = json_is_object(root) ? json_object_get(root, "Statement") : NULL;
    bool ok = true;
    if (json_is_array(st)) {
        size_t i;
        json_t *v;
        json_array_foreach(st, i, v)
            ok = ok && rewrite_statement(&rw, v);
    } else if (st != NULL) {
        ok = rewrite_statement(&rw, st);
    }
    if (!ok)
        err = IAM_E_NOMEM;
    else if (rw.changed) {
        char *text = json_dumps(root, JSON_COMPACT);
        size_t len = text ? strlen(text) : 0;
        char *copy = text ? iam__malloc(len + 1) : NULL;
        if (copy == NULL)
            err = IAM_E_NOMEM;
        else {
            memcpy(copy, text, len + 1);
            *out = copy;
        }
        if (text != NULL) {
            json_malloc_t m;
            json_free_t f;
            json_get_alloc_funcs(&m, &f);
            f(text);
        }
    }
    json_decref(root);
    return err;
}

/* ---- access key secrets ------------------------------------------------- */

iam_err iam_snapshot_key_secret(const iam_snapshot *s, const iam_access_key *k, const iam_keyring *kr, char *out,
                                size_t cap)
{
    size_t n = 0;
    (void)s;
    if (out == NULL || cap == 0)
        return IAM_E_INVALID;
    out[0] = '\0';
    if (k == NULL || kr == NULL || k->sealed_secret == NULL || k->sealed_secret_len < IAM_SEAL_OVERHEAD)
        return k && kr ? IAM_E_CRYPTO : IAM_E_INVALID;
    if (k->sealed_secret_len - IAM_SEAL_OVERHEAD + 1 > cap)
        return IAM_E_LIMIT;
    iam_err err = iam_unseal(kr, "access-key", iam_str_from_cstr(k->id), k->sealed_secret, k->sealed_secret_len,
                             out, &n);
    if (err != IAM_OK) {
        iam_wipe(out, cap);
        out[0] = '\0';
        return err;
    }
    out[n] = '\0';
    return IAM_OK;
}
