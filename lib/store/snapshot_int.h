/* snapshot_int.h - what the snapshot's three files share: entity blocks,
 * per-kind tables (slot arrays, id/name hash maps, per-account sorted
 * lists), the domain that owns entities across a chain of snapshots, and
 * the snapshot itself. See snapshot.c for the ownership scheme.
 * Not installed; only the snapshot files and its unit test include it. */
#ifndef IAM_SNAPSHOT_INT_H
#define IAM_SNAPSHOT_INT_H
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>

#include "common/common_int.h"
#include "iam/eval.h"
#include "iam/model.h"
#include "iam/snapshot.h"

/* Kinds are indexed by iam_entity_kind (1..9). */
#define SNAP_NKINDS 10

/* One entity: a header, the model struct and an arena holding every
 * string and array the model points to, so one free releases it. The
 * arena's first buffer is the tail of the block: small entities (most
 * users) are one allocation. Entity pointers in other entities' arrays
 * always point at `m`. */
typedef struct snap_ent {
    uint32_t slot;              /* stable per id within a domain */
    uint16_t kind;
    const char *aux;            /* loader scratch (policy default version, raw trust) */
    iam__arena ar;
    union {
        iam_account a;
        iam_user u;
        iam_group g;
        iam_role r;
        iam_managed_policy p;
        iam_access_key k;
        iam_instance_profile ip;
        iam_oidc_provider o;
        iam_mfa_device d;
    } m;
    _Alignas(16) unsigned char buf[];
} snap_ent;

static inline snap_ent *snap_ent_of(const void *model)
{
    return (snap_ent *)(void *)((char *)(uintptr_t)model - offsetof(snap_ent, m));
}

snap_ent *iam__snap_ent_new(iam_entity_kind kind, size_t inline_buf);
void iam__snap_ent_free(snap_ent *e); /* releases compiled policies too */

/* Open-addressing map (linear probing) from a key to a slot; an entry is
 * (hash32 << 32 | slot + 1), 0 = empty. Keys are compared through the
 * table's objects, so the map stores no strings. */
typedef struct snap_map {
    uint64_t *e;
    uint32_t mask; /* capacity - 1; capacity 0 when e is NULL */
    uint32_t n;
} snap_map;

/* A per-account list sorted by lower-cased name. */
typedef struct snap_alist {
    char *account;
    const void **items;
    size_t n, cap;
} snap_alist;

/* All entities of one kind in one snapshot. Immutable once published and
 * shared (refcounted) by consecutive snapshots while the kind is unchanged. */
typedef struct snap_tab {
    _Atomic size_t refs;
    iam_entity_kind kind;
    const void **objs;          /* slot -> model object, NULL = deleted */
    uint32_t n_slots, cap_slots;
    size_t live;
    snap_map ids;               /* id (ARN for OIDC) -> slot */
    snap_map keys;              /* (account, lower name) or ARN -> slot */
    snap_alist *lists;          /* sorted by account */
    size_t n_lists;
} snap_tab;

/* Who is attached to one managed policy, by principal slot (sorted). */
typedef struct snap_rev {
    _Atomic size_t refs;
    uint32_t n[3];              /* users, groups, roles */
    uint32_t items[];           /* users, then groups, then roles */
} snap_rev;

typedef struct snap_revs {
    _Atomic size_t refs;
    snap_rev **r;               /* by policy slot; NULL = none attached */
    uint32_t n;
} snap_revs;

/* Owner of entity objects across the snapshots derived from one load. */
typedef struct snap_domain snap_domain;

/* Lazily built per principal, freed with the snapshot. */
typedef struct snap_authz {
    iam_index *identity;
    iam_index *boundary;
} snap_authz;

typedef struct snap_pents {
    const void **items;         /* users, then groups, then roles */
    size_t n[3];
} snap_pents;

struct iam_snapshot {
    _Atomic size_t refs;
    snap_domain *dom;
    uint64_t seq;
    int64_t revision;
    iam_snapshot *live_prev, *live_next;   /* the domain's live list (by seq) */
    snap_tab *t[SNAP_NKINDS];
    snap_revs *revs;
    char partition[32];
    uint32_t n_users, n_roles, n_policies; /* slot counts the caches cover */
    _Atomic(snap_authz *) *uauthz;
    _Atomic(snap_authz *) *rauthz;
    _Atomic(iam_index *) *rtrust;
    _Atomic(snap_pents *) *pents;
};

/* ---- snapshot.c: tables, maps, domain ---- */
snap_tab *iam__snap_tab_new(iam_entity_kind kind);
snap_tab *iam__snap_tab_clone(const snap_tab *t);   /* NULL on NOMEM */
void iam__snap_tab_retain(snap_tab *t);
void iam__snap_tab_release(snap_tab *t);            /* never frees entities */
/* Slot of the entity with this id, or UINT32_MAX. */
uint32_t iam__snap_tab_find_id(const snap_tab *t, iam_str id);
/* Puts `obj` (an entity of t's kind, slot already set in its header) at its
 * slot: replaces `old` (NULL for a new entity) in every map and list. */
iam_err iam__snap_tab_put(snap_tab *t, const void *old, const void *obj);
/* Removes `old` from the maps and lists; its slot reads NULL. */
void iam__snap_tab_remove(snap_tab *t, const void *old);
/* A fresh slot number for a new entity. */
iam_err iam__snap_tab_new_slot(snap_tab *t, uint32_t *slot);
/* Sort name / id / account of an object of `kind`. */
const char *iam__snap_obj_id(iam_entity_kind kind, const void *o);
const char *iam__snap_obj_name(iam_entity_kind kind, const void *o);

void iam__snap_revs_release(snap_revs *r);
void iam__snap_rev_release(snap_rev *r);

/* A new snapshot (refs 1) with its per-principal caches sized from the
 * tables; tabs and revs are taken over. */
iam_err iam__snap_new(snap_tab *t[SNAP_NKINDS], snap_revs *revs, int64_t revision, const char *partition,
                      iam_snapshot **out);
/* Domain: a fresh one for a full load, owning everything in `s`. */
iam_err iam__snap_domain_start(iam_snapshot *s);
/* Whether `prev` is the newest snapshot of its domain (apply may derive). */
bool iam__snap_domain_is_tip(const iam_snapshot *prev);
/* Registers `next` (derived from the tip) and hands over the objects it
 * replaced, freed once no older snapshot is alive. */
iam_err iam__snap_domain_extend(const iam_snapshot *prev, iam_snapshot *next, void **retired, size_t n_retired);
/* Frees a snapshot that never joined a domain, with the entity objects
 * listed (those built for it); the tabs' other objects are not touched. */
void iam__snap_discard(iam_snapshot *s, void **owned, size_t n_owned);

/* ---- snapshot_load.c ---- */
iam_err iam__snapshot_load_db(sqlite3 *db, iam_snapshot **out, iam_diag *diag);
iam_err iam__snapshot_apply_db(const iam_snapshot *prev, sqlite3 *db, const iam_changes *ch, iam_snapshot **out,
                               iam_diag *diag);

/* ---- snapshot_authz.c ---- */
void iam__snap_authz_free(snap_authz *a);
/* Builds the trust document of a role from its stored text and bindings:
 * each (arn, unique_id) whose ARN no longer resolves to unique_id (per
 * `resolve`) is replaced by the unique id. *out is NULL when nothing
 * changes (use the stored text), else a new string (iam__free). */
typedef bool (*snap_resolve_fn)(void *ud, const char *arn, const char *unique_id);
iam_err iam__snap_trust_rewrite(const char *doc, const char *const *arns, const char *const *uids, size_t n,
                                snap_resolve_fn resolve, void *ud, char **out);

#endif /* IAM_SNAPSHOT_INT_H */
