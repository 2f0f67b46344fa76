/* snapshot_load.c - building snapshots from the store's tables: the full
 * load at start-up (one scan per table, rows routed to their owner) and the
 * derivation of the next snapshot from a change set, which re-reads only
 * the changed entities (the same row code, filtered by id) and re-links the
 * entities that embed pointers to them (cheap copies, no SQL).
 * Kinds are built in dependency order: policies, access keys, MFA devices,
 * groups, users, roles, instance profiles, OIDC providers, accounts; an
 * entity's pointers
 * therefore always name objects of the snapshot being built. */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "iam/jwt.h"
#include "store/snapshot_int.h"
#include "store/store_int.h"

static const iam_entity_kind build_order[] = { IAM_EK_POLICY, IAM_EK_ACCESS_KEY, IAM_EK_MFA_DEVICE, IAM_EK_GROUP,
                                               IAM_EK_USER, IAM_EK_ROLE, IAM_EK_INSTANCE_PROFILE,
                                               IAM_EK_OIDC_PROVIDER, IAM_EK_ACCOUNT };

typedef struct rdiff {
    uint32_t pslot;   /* policy slot */
    uint32_t pk;      /* 0 user, 1 group, 2 role */
    uint32_t slot;    /* principal slot */
    int32_t add;      /* +1 attach, -1 detach */
} rdiff;

typedef struct idset {
    char **ids;
    size_t n, cap;
} idset;

typedef struct ld {
    sqlite3 *db;
    iam_diag *diag;
    char partition[32];
    const iam_snapshot *prev;     /* NULL for a full load */
    snap_tab *t[SNAP_NKINDS];
    bool own[SNAP_NKINDS];        /* t[k] is this build's private table */
    void **born;                  /* objects created by this build */
    size_t n_born, cap_born;
    void **retired;               /* prev's objects this build replaced */
    size_t n_ret, cap_ret;
    unsigned char *v;             /* scratch for one owner's related rows */
    size_t vn, vcap;
    rdiff *rd;
    size_t n_rd, cap_rd;
    idset reload[SNAP_NKINDS];
    uint8_t *rebuilt[SNAP_NKINDS];/* per slot: rebuilt in this apply */
    struct { const char *sql; sqlite3_stmt *st; } stc[96];
    size_t n_stc;
} ld;

/* ---- small helpers ------------------------------------------------------ */

static iam_err db_fail(ld *L, const char *what)
{
    iam__diag_set(L->diag, NULL, 0, 0, "snapshot: %s: %s", what, sqlite3_errmsg(L->db));
    return IAM_E_STORE;
}

/* A cached prepared statement, reset, with ?1 bound to `id` when given. */
static iam_err stmt(ld *L, const char *sql, const char *id, sqlite3_stmt **out)
{
    sqlite3_stmt *st = NULL;
    for (size_t i = 0; i < L->n_stc; i++)
        if (L->stc[i].sql == sql) {
            st = L->stc[i].st;
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            break;
        }
    if (st == NULL) {
        if (sqlite3_prepare_v2(L->db, sql, -1, &st, NULL) != SQLITE_OK)
            return db_fail(L, "prepare");
        if (L->n_stc < sizeof L->stc / sizeof L->stc[0]) {
            L->stc[L->n_stc].sql = sql;
            L->stc[L->n_stc++].st = st;
        } else {
            sqlite3_finalize(st); /* cannot happen: the statements are a fixed set */
            return IAM_E_LIMIT;
        }
    }
    if (id != NULL && sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT) != SQLITE_OK)
        return db_fail(L, "bind");
    *out = st;
    return IAM_OK;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *p = sqlite3_column_text(st, i);
    return (const char *)p;
}

/* Copies column i into the entity's arena; NULL for SQL NULL (and on NOMEM,
 * reported through *ok). */
static const char *col_dup(snap_ent *e, sqlite3_stmt *st, int i, bool *ok)
{
    const char *p = col_text(st, i);
    iam_str out;
    if (p == NULL)
        return NULL;
    if (!iam__arena_strdup(&e->ar, (iam_str){ p, (size_t)sqlite3_column_bytes(st, i) }, &out)) {
        *ok = false;
        return NULL;
    }
    return out.ptr;
}

static const char *ar_dup(snap_ent *e, const char *s, bool *ok)
{
    iam_str out;
    if (s == NULL)
        return NULL;
    if (!iam__arena_strdup(&e->ar, iam_str_from_cstr(s), &out)) {
        *ok = false;
        return NULL;
    }
    return out.ptr;
}

static bool vpush(ld *L, const void *item, size_t size)
{
    if (L->vn + size > L->vcap) {
        size_t ncap = L->vcap ? L->vcap * 2 : 4096;
        while (ncap < L->vn + size)
            ncap *= 2;
        unsigned char *nv = iam__realloc(L->v, ncap);
        if (nv == NULL)
            return false;
        L->v = nv;
        L->vcap = ncap;
    }
    memcpy(L->v + L->vn, item, size);
    L->vn += size;
    return true;
}

/* Moves the scratch vector into the entity's arena. */
static void *vtake(ld *L, snap_ent *e, bool *ok)
{
    void *p = NULL;
    if (L->vn) {
        p = iam__arena_alloc(&e->ar, L->vn);
        if (p == NULL)
            *ok = false;
        else
            memcpy(p, L->v, L->vn);
    }
    L->vn = 0;
    return p;
}

static bool ptr_push(void ***arr, size_t *n, size_t *cap, void *p)
{
    if (!iam__grow((void **)arr, cap, *n + 1, sizeof(**arr)))
        return false;
    (*arr)[(*n)++] = p;
    return true;
}

static void free_policy_c(const iam_policy *p) { iam_policy_free((iam_policy *)(uintptr_t)p); }

static const iam_policy *compile(const char *doc)
{
    iam_policy *p = NULL;
    if (doc == NULL || iam_policy_parse(doc, strlen(doc), IAM_PARSE_LENIENT, &p, NULL) != IAM_OK)
        return NULL; /* a stored document that no longer parses grants nothing */
    return p;
}

/* arn:PARTITION:iam::ACCOUNT:TYPE PATH NAME (path starts and ends with '/'). */
static const char *mk_arn(ld *L, snap_ent *e, const char *type, const char *account, const char *path,
                          const char *name, bool *ok)
{
    size_t n = strlen(L->partition) + strlen(account) + strlen(type) + strlen(path) + strlen(name) + 16;
    char *p = iam__arena_alloc(&e->ar, n);
    if (p == NULL) {
        *ok = false;
        return NULL;
    }
    snprintf(p, n, "arn:%s:iam::%s:%s%s%s", L->partition, account, type, path && *path ? path : "/", name);
    return p;
}

/* A new entity object for `id` of kind k: the slot it had in the previous
 * snapshot, or a fresh one. */
static iam_err ent_begin(ld *L, iam_entity_kind k, const char *id, size_t inl, snap_ent **out)
{
    snap_tab *t = L->t[k];
    uint32_t slot = iam__snap_tab_find_id(t, iam_str_from_cstr(id));
    iam_err err;
    if (slot == UINT32_MAX && (err = iam__snap_tab_new_slot(t, &slot)) != IAM_OK)
        return err;
    snap_ent *e = iam__snap_ent_new(k, inl);
    if (e == NULL)
        return IAM_E_NOMEM;
    e->slot = slot;
    *out = e;
    return IAM_OK;
}

/* Makes `e` its slot's object in the table being built. */
static iam_err ent_place(ld *L, snap_ent *e)
{
    snap_tab *t = L->t[e->kind];
    const void *old = t->objs[e->slot];
    if (!ptr_push(&L->born, &L->n_born, &L->cap_born, &e->m)) {
        iam__snap_ent_free(e);
        return IAM_E_NOMEM;
    }
    if (old != NULL && !ptr_push(&L->retired, &L->n_ret, &L->cap_ret, (void *)(uintptr_t)old))
        return IAM_E_NOMEM;
    iam_err err = iam__snap_tab_put(t, old, &e->m);
    if (err != IAM_OK && old != NULL)
        L->n_ret--;
    if (L->rebuilt[e->kind] != NULL && e->slot < t->n_slots)
        L->rebuilt[e->kind][e->slot] = 1;
    return err;
}

static snap_ent *owner_of(ld *L, iam_entity_kind k, const char *id)
{
    snap_tab *t = L->t[k];
    uint32_t s = iam__snap_tab_find_id(t, iam_str_from_cstr(id));
    return s == UINT32_MAX || t->objs[s] == NULL ? NULL : snap_ent_of(t->objs[s]);
}

/* ---- related rows, routed to their owner ------------------------------- */

typedef iam_err (*row_fn)(ld *L, snap_ent *owner, sqlite3_stmt *st);
typedef iam_err (*flush_fn)(ld *L, snap_ent *owner);

/* Runs `sql` (rows ordered by owner id in column 0; ?1 = `id` when given,
 * ?2 = `kind2` when non-zero) and calls row() per row and flush() once per
 * owner after its last row. Owners absent from the table are skipped (rows
 * of owners not being built in this pass). */
static iam_err rel_load(ld *L, iam_entity_kind k, const char *sql, const char *id, int kind2, row_fn row,
                        flush_fn flush)
{
    sqlite3_stmt *st;
    snap_ent *owner = NULL;
    char cur[160] = "";
    iam_err err = stmt(L, sql, id, &st);
    int rc;

    if (err != IAM_OK)
        return err;
    if (kind2 && sqlite3_bind_int(st, 2, kind2) != SQLITE_OK)
        return db_fail(L, "bind");
    L->vn = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *oid = col_text(st, 0);
        if (oid == NULL)
            continue;
        if (strcmp(oid, cur) != 0) {
            if (owner != NULL && flush != NULL && (err = flush(L, owner)) != IAM_OK)
                return err;
            L->vn = 0;
            size_t ol = strlen(oid);
            if (ol >= sizeof cur)
                ol = sizeof cur - 1;
            memcpy(cur, oid, ol);
            cur[ol] = '\0';
            owner = owner_of(L, k, oid);
            /* In an apply only the objects born in it may be filled. */
            if (owner != NULL && L->prev != NULL && (L->rebuilt[k] == NULL || !L->rebuilt[k][owner->slot]))
                owner = NULL;
        }
        if (owner != NULL && (err = row(L, owner, st)) != IAM_OK)
            return err;
    }
    if (rc != SQLITE_DONE)
        return db_fail(L, "step");
    if (owner != NULL && flush != NULL && (err = flush(L, owner)) != IAM_OK)
        return err;
    L->vn = 0;
    return IAM_OK;
}

/* Pointer rows: the scratch vector holds `const void *`. */
static iam_err take_ptrs(ld *L, snap_ent *e, const void *const **items, size_t *n)
{
    bool ok = true;
    *n = L->vn / sizeof(void *);
    *items = vtake(L, e, &ok);
    return ok ? IAM_OK : IAM_E_NOMEM;
}

static iam_err row_str(ld *L, snap_ent *e, sqlite3_stmt *st)
{
    bool ok = true;
    const char *s = col_dup(e, st, 1, &ok);
    return ok && (s == NULL || vpush(L, &s, sizeof s)) ? IAM_OK : IAM_E_NOMEM;
}

static iam_err row_policy_ref(ld *L, snap_ent *e, sqlite3_stmt *st)
{
    (void)e;
    const char *pid = col_text(st, 1);
    snap_ent *p = pid ? owner_of(L, IAM_EK_POLICY, pid) : NULL;
    if (p == NULL)
        return IAM_OK; /* the foreign key makes this impossible */
    const void *m = &p->m;
    return vpush(L, &m, sizeof m) ? IAM_OK : IAM_E_NOMEM;
}

static iam_err row_ref(ld *L, iam_entity_kind k, sqlite3_stmt *st)
{
    const char *id = col_text(st, 1);
    snap_ent *o = id ? owner_of(L, k, id) : NULL;
    if (o == NULL)
        return IAM_OK;
    const void *m = &o->m;
    return vpush(L, &m, sizeof m) ? IAM_OK : IAM_E_NOMEM;
}
static iam_err row_group_ref(ld *L, snap_ent *e, sqlite3_stmt *st) { (void)e; return row_ref(L, IAM_EK_GROUP, st); }
static iam_err row_key_ref(ld *L, snap_ent *e, sqlite3_stmt *st) { (void)e; return row_ref(L, IAM_EK_ACCESS_KEY, st); }
static iam_err row_mfa_ref(ld *L, snap_ent *e, sqlite3_stmt *st) { (void)e; return row_ref(L, IAM_EK_MFA_DEVICE, st); }
static iam_err row_role_ref(ld *L, snap_ent *e, sqlite3_stmt *st) { (void)e; return row_ref(L, IAM_EK_ROLE, st); }

static iam_err flush_attached(ld *L, snap_ent *e)
{
    const void *const *items;
    size_t n;
    iam_err err = take_ptrs(L, e, &items, &n);
    const iam_managed_policy *const *a = (const iam_managed_policy *const *)(const void *)items;
    if (e->kind == IAM_EK_USER)
        e->m.u.attached = a, e->m.u.n_attached = n;
    else if (e->kind == IAM_EK_GROUP)
        e->m.g.attached = a, e->m.g.n_attached = n;
    else
        e->m.r.attached = a, e->m.r.n_attached = n;
    return err;
}

static iam_err row_inline(ld *L, snap_ent *e, sqlite3_stmt *st)
{
    bool ok = true;
    iam_inline_policy ip = { col_dup(e, st, 1, &ok), col_dup(e, st, 2, &ok), NULL };
    if (!ok)
        return IAM_E_NOMEM;
    ip.compiled = compile(ip.document);
    if (!vpush(L, &ip, sizeof ip)) {
        free_policy_c(ip.compiled);
        return IAM_E_NOMEM;
    }
    return IAM_OK;
}

static iam_inline_policies *inline_of(snap_ent *e)
{
    return e->kind == IAM_EK_USER ? &e->m.u.inline_policies
         : e->kind == IAM_EK_GROUP ? &e->m.g.inline_policies : &e->m.r.inline_policies;
}

static iam_err flush_inline(ld *L, snap_ent *e)
{
    bool ok = true;
    size_t n = L->vn / sizeof(iam_inline_policy);
    const iam_inline_policy *scratch = (const iam_inline_policy *)(const void *)L->v;
    iam_inline_policy *items = vtake(L, e, &ok);
    if (!ok) {
        /* the compiled policies were only in the scratch copy */
        for (size_t i = 0; i < n; i++)
            free_policy_c(scratch[i].compiled);
        return IAM_E_NOMEM;
    }
    *inline_of(e) = (iam_inline_policies){ items, n };
    return IAM_OK;
}

static iam_tags *tags_of(snap_ent *e)
{
    switch (e->kind) {
    case IAM_EK_USER: return &e->m.u.tags;
    case IAM_EK_ROLE: return &e->m.r.tags;
    case IAM_EK_POLICY: return &e->m.p.tags;
    case IAM_EK_INSTANCE_PROFILE: return &e->m.ip.tags;
    case IAM_EK_OIDC_PROVIDER: return &e->m.o.tags;
    case IAM_EK_MFA_DEVICE: return &e->m.d.tags;
    default: return NULL;
    }
}

static iam_err row_tag(ld *L, snap_ent *e, sqlite3_stmt *st)
{
    bool ok = true;
    iam_tag t = { col_dup(e, st, 1, &ok), col_dup(e, st, 2, &ok) };
    return ok && vpush(L, &t, sizeof t) ? IAM_OK : IAM_E_NOMEM;
}

static iam_err flush_tags(ld *L, snap_ent *e)
{
    bool ok = true;
    size_t n = L->vn / sizeof(iam_tag);
    iam_tag *items = vtake(L, e, &ok);
    iam_tags *t = tags_of(e);
    if (t != NULL)
        *t = (iam_tags){ items, n };
    return ok ? IAM_OK : IAM_E_NOMEM;
}

static const char SQL_TAGS_ALL[] = "SELECT entity_id, key, value FROM tags WHERE kind = ?2 ORDER BY entity_id, pos";
static const char SQL_TAGS_ONE[] =
    "SELECT entity_id, key, value FROM tags WHERE kind = ?2 AND entity_id = ?1 ORDER BY pos";

static iam_err load_tags(ld *L, iam_entity_kind k, const char *id)
{
    return rel_load(L, k, id ? SQL_TAGS_ONE : SQL_TAGS_ALL, id, (int)k, row_tag, flush_tags);
}

/* ---- managed policies -------------------------------------------------- */

static const char SQL_POL_ALL[] =
    "SELECT id, account, name, path, arn, description, created, updated, default_version FROM policies";
static const char SQL_POL_ONE[] = "SELECT id, account, name, path, arn, description, created, updated, "
                                  "default_version FROM policies WHERE id = ?1";
static const char SQL_PV_ALL[] =
    "SELECT policy_id, version_id, document, created FROM policy_versions ORDER BY policy_id, num";
static const char SQL_PV_ONE[] =
    "SELECT policy_id, version_id, document, created FROM policy_versions WHERE policy_id = ?1 ORDER BY num";
static const char SQL_PCNT_ALL[] = "SELECT policy_id, count(*) FROM attachments GROUP BY policy_id";
static const char SQL_PCNT_ONE[] = "SELECT policy_id, count(*) FROM attachments WHERE policy_id = ?1";
static const char SQL_BCNT_ALL[] =
    "SELECT b, count(*) FROM (SELECT boundary_policy AS b FROM users WHERE boundary_policy IS NOT NULL "
    "UNION ALL SELECT boundary_policy FROM roles WHERE boundary_policy IS NOT NULL) GROUP BY b";
static const char SQL_BCNT_ONE[] =
    "SELECT ?1, (SELECT count(*) FROM users WHERE boundary_policy = ?1) + "
    "(SELECT count(*) FROM roles WHERE boundary_policy = ?1)";

static iam_err row_policy(ld *L, sqlite3_stmt *st)
{
    snap_ent *e;
    bool ok = true;
    iam_err err = ent_begin(L, IAM_EK_POLICY, col_text(st, 0), 512, &e);
    if (err != IAM_OK)
        return err;
    iam_managed_policy *p = &e->m.p;
    p->id = col_dup(e, st, 0, &ok);
    p->account = col_dup(e, st, 1, &ok);
    p->name = col_dup(e, st, 2, &ok);
    p->path = col_dup(e, st, 3, &ok);
    p->arn = col_dup(e, st, 4, &ok);
    p->description = col_dup(e, st, 5, &ok);
    p->created = sqlite3_column_int64(st, 6);
    p->updated = sqlite3_column_int64(st, 7);
    e->aux = col_dup(e, st, 8, &ok);
    if (!ok || p->id == NULL || p->name == NULL || p->account == NULL || p->arn == NULL) {
        iam__snap_ent_free(e);
        return ok ? IAM_E_STORE : IAM_E_NOMEM;
    }
    return ent_place(L, e);
}

static iam_err row_version(ld *L, snap_ent *e, sqlite3_stmt *st)
{
    bool ok = true;
    iam_managed_version v = { col_dup(e, st, 1, &ok), col_dup(e, st, 2, &ok), sqlite3_column_int64(st, 3), false };
    if (!ok)
        return IAM_E_NOMEM;
    v.is_default = v.version_id && e->aux && strcmp(v.version_id, e->aux) == 0;
    return vpush(L, &v, sizeof v) ? IAM_OK : IAM_E_NOMEM;
}

static iam_err flush_versions(ld *L, snap_ent *e)
{
    bool ok = true;
    size_t n = L->vn / sizeof(iam_managed_version);
    iam_managed_version *v = vtake(L, e, &ok);
    if (!ok)
        return IAM_E_NOMEM;
    e->m.p.versions = v;
    e->m.p.n_versions = n;
    for (size_t i = 0; i < n; i++)
        if (v[i].is_default) {
            e->m.p.default_version = &v[i];
            e->m.p.compiled = compile(v[i].document);
        }
    return IAM_OK;
}

static iam_err row_pcount(ld *L, snap_ent *e, sqlite3_stmt *st)
{
    (void)L;
    e->m.p.attachment_count = (uint32_t)sqlite3_column_int64(st, 1);
    return IAM_OK;
}

static iam_err row_bcount(ld *L, snap_ent *e, sqlite3_stmt *st)
{
    (void)L;
    e->m.p.boundary_count = (uint32_t)sqlite3_column_int64(st, 1);
    return IAM_OK;
}

/* ---- access keys ------------------------------------------------------ */

static const char SQL_KEY_ALL[] =
    "SELECT k.id, k.account, k.user_id, u.name, k.secret, k.active, k.created, k.last_used, "
    "k.last_used_service, k.last_used_region FROM access_keys k LEFT JOIN users u ON u.id = k.user_id";
static const char SQL_KEY_ONE[] =
    "SELECT k.id, k.account, k.user_id, u.name, k.secret, k.active, k.created, k.last_used, "
    "k.last_used_service, k.last_used_region FROM access_keys k LEFT JOIN users u ON u.id = k.user_id "
    "WHERE k.id = ?1";

static iam_err row_key(ld *L, sqlite3_stmt *st)
{
    snap_ent *e;
    bool ok = true;
    iam_err err = ent_begin(L, IAM_EK_ACCESS_KEY, col_text(st, 0), 256, &e);
    if (err != IAM_OK)
        return err;
    iam_access_key *k = &e->m.k;
    k->id = col_dup(e, st, 0, &ok);
    k->account = col_dup(e, st, 1, &ok);
    k->user_id = col_dup(e, st, 2, &ok);
    k->user_name = col_dup(e, st, 3, &ok);
    size_t bl = (size_t)sqlite3_column_bytes(st, 4);
    const void *blob = sqlite3_column_blob(st, 4);
    uint8_t *b = iam__arena_alloc(&e->ar, bl ? bl : 1);
    if (b == NULL)
        ok = false;
    else if (bl)
        memcpy(b, blob, bl);
    k->sealed_secret = b;
    k->sealed_secret_len = bl;
    k->active = sqlite3_column_int(st, 5) != 0;
    k->created = sqlite3_column_int64(st, 6);
    k->last_used = sqlite3_column_int64(st, 7);
    k->last_used_service = col_dup(e, st, 8, &ok);
    k->last_used_region = col_dup(e, st, 9, &ok);
    if (!ok || k->id == NULL || k->account == NULL) {
        iam__snap_ent_free(e);
        return ok ? IAM_E_STORE : IAM_E_NOMEM;
    }
    return ent_place(L, e);
}

/* ---- groups ------------------------------------------------------------ */

static const char SQL_GRP_ALL[] = "SELECT id, account, name, path, created FROM groups";
static const char SQL_GRP_ONE[] = "SELECT id, account, name, path, created FROM groups WHERE id = ?1";
static const char SQL_GATT_ALL[] =
    "SELECT group_id, policy_id FROM attachments WHERE group_id IS NOT NULL ORDER BY group_id";
static const char SQL_GATT_ONE[] = "SELECT group_id, policy_id FROM attachments WHERE group_id = ?1";
static const char SQL_GINL_ALL[] =
    "SELECT group_id, name, document FROM inline_policies WHERE group_id IS NOT NULL ORDER BY group_id, name";
static const char SQL_GINL_ONE[] =
    "SELECT group_id, name, document FROM inline_policies WHERE group_id = ?1 ORDER BY name";
static const char SQL_GMEM_ALL[] = "SELECT gm.group_id, gm.user_id FROM group_members gm JOIN users u "
                                   "ON u.id = gm.user_id ORDER BY gm.group_id, u.name COLLATE NOCASE, u.name";
static const char SQL_GMEM_ONE[] = "SELECT gm.group_id, gm.user_id FROM group_members gm JOIN users u "
                                   "ON u.id = gm.user_id WHERE gm.group_id = ?1 ORDER BY u.name COLLATE NOCASE, u.name";

static iam_err row_group(ld *L, sqlite3_stmt *st)
{
    snap_ent *e;
    bool ok = true;
    iam_err err = ent_begin(L, IAM_EK_GROUP, col_text(st, 0), 256, &e);
    if (err != IAM_OK)
        return err;
    iam_group *g = &e->m.g;
    g->id = col_dup(e, st, 0, &ok);
    g->account = col_dup(e, st, 1, &ok);
    g->name = col_dup(e, st, 2, &ok);
    g->path = col_dup(e, st, 3, &ok);
    g->created = sqlite3_column_int64(st, 4);
    if (ok && g->id && g->account && g->name && g->path)
        g->arn = mk_arn(L, e, "group", g->account, g->path, g->name, &ok);
    if (!ok || g->arn == NULL) {
        iam__snap_ent_free(e);
        return ok ? IAM_E_STORE : IAM_E_NOMEM;
    }
    return ent_place(L, e);
}

static iam_err flush_members(ld *L, snap_ent *e)
{
    const void *const *items;
    size_t n;
    iam_err err = take_ptrs(L, e, &items, &n);
    e->m.g.member_ids = (const char *const *)(const void *)items;
    e->m.g.n_members = n;
    return err;
}

/* ---- users ------------------------------------------------------------- */

static const char SQL_USR_ALL[] = "SELECT u.id, u.account, u.name, u.path, u.created, u.password_last_used, p.arn "
                                  "FROM users u LEFT JOIN policies p ON p.id = u.boundary_policy";
static const char SQL_USR_ONE[] = "SELECT u.id, u.account, u.name, u.path, u.created, u.password_last_used, p.arn "
                                  "FROM users u LEFT JOIN policies p ON p.id = u.boundary_policy WHERE u.id = ?1";
static const char SQL_UATT_ALL[] =
    "SELECT user_id, policy_id FROM attachments WHERE user_id IS NOT NULL ORDER BY user_id";
static const char SQL_UATT_ONE[] = "SELECT user_id, policy_id FROM attachments WHERE user_id = ?1";
static const char SQL_UINL_ALL[] =
    "SELECT user_id, name, document FROM inline_policies WHERE user_id IS NOT NULL ORDER BY user_id, name";
static const char SQL_UINL_ONE[] =
    "SELECT user_id, name, document FROM inline_policies WHERE user_id = ?1 ORDER BY name";
static const char SQL_UGRP_ALL[] = "SELECT gm.user_id, gm.group_id FROM group_members gm JOIN groups g "
                                   "ON g.id = gm.group_id ORDER BY gm.user_id, g.name COLLATE NOCASE, g.name";
static const char SQL_UGRP_ONE[] = "SELECT gm.user_id, gm.group_id FROM group_members gm JOIN groups g "
                                   "ON g.id = gm.group_id WHERE gm.user_id = ?1 ORDER BY g.name COLLATE NOCASE, g.name";
static const char SQL_UKEY_ALL[] =
    "SELECT user_id, id FROM access_keys WHERE user_id IS NOT NULL ORDER BY user_id, created, id";
static const char SQL_UKEY_ONE[] = "SELECT user_id, id FROM access_keys WHERE user_id = ?1 ORDER BY created, id";
static const char SQL_UMFA_ALL[] =
    "SELECT user_id, serial FROM mfa_devices WHERE user_id IS NOT NULL ORDER BY user_id, enabled, serial";
static const char SQL_UMFA_ONE[] = "SELECT user_id, serial FROM mfa_devices WHERE user_id = ?1 ORDER BY enabled, serial";
static const char SQL_LOGIN_ALL[] = "SELECT user_id, password_hash, created, reset_required FROM login_profiles";
static const char SQL_LOGIN_ONE[] =
    "SELECT user_id, password_hash, created, reset_required FROM login_profiles WHERE user_id = ?1";

static iam_err row_user(ld *L, sqlite3_stmt *st)
{
    snap_ent *e;
    bool ok = true;
    iam_err err = ent_begin(L, IAM_EK_USER, col_text(st, 0), 272, &e);
    if (err != IAM_OK)
        return err;
    iam_user *u = &e->m.u;
    u->id = col_dup(e, st, 0, &ok);
    u->account = col_dup(e, st, 1, &ok);
    u->name = col_dup(e, st, 2, &ok);
    u->path = col_dup(e, st, 3, &ok);
    u->created = sqlite3_column_int64(st, 4);
    u->password_last_used = sqlite3_column_int64(st, 5);
    u->boundary_arn = col_dup(e, st, 6, &ok);
    if (ok && u->id && u->account && u->name && u->path)
        u->arn = mk_arn(L, e, "user", u->account, u->path, u->name, &ok);
    if (!ok || u->arn == NULL) {
        iam__snap_ent_free(e);
        return ok ? IAM_E_STORE : IAM_E_NOMEM;
    }
    return ent_place(L, e);
}

static iam_err flush_ugroups(ld *L, snap_ent *e)
{
    const void *const *items;
    size_t n;
    iam_err err = take_ptrs(L, e, &items, &n);
    e->m.u.groups = (const iam_group *const *)(const void *)items;
    e->m.u.n_groups = n;
    return err;
}

static iam_err flush_ukeys(ld *L, snap_ent *e)
{
    const void *const *items;
    size_t n;
    iam_err err = take_ptrs(L, e, &items, &n);
    e->m.u.keys = (const iam_access_key *const *)(const void *)items;
    e->m.u.n_keys = n;
    return err;
}

static iam_err flush_umfa(ld *L, snap_ent *e)
{
    const void *const *items;
    size_t n;
    iam_err err = take_ptrs(L, e, &items, &n);
    e->m.u.mfa_devices = (const iam_mfa_device *const *)(const void *)items;
    e->m.u.n_mfa_devices = n;
    return err;
}

/* ---- virtual MFA devices ------------------------------------------------- */

static const char SQL_MFA_ALL[] = "SELECT serial, account, name, path, created, seed, user_id, enabled, last_step, "
                                  "failures, locked_until FROM mfa_devices";
static const char SQL_MFA_ONE[] = "SELECT serial, account, name, path, created, seed, user_id, enabled, last_step, "
                                  "failures, locked_until FROM mfa_devices WHERE serial = ?1";

static iam_err row_mfa(ld *L, sqlite3_stmt *st)
{
    snap_ent *e;
    bool ok = true;
    iam_err err = ent_begin(L, IAM_EK_MFA_DEVICE, col_text(st, 0), 384, &e);
    if (err != IAM_OK)
        return err;
    iam_mfa_device *d = &e->m.d;
    d->serial = col_dup(e, st, 0, &ok);
    d->account = col_dup(e, st, 1, &ok);
    d->name = col_dup(e, st, 2, &ok);
    d->path = col_dup(e, st, 3, &ok);
    d->created = sqlite3_column_int64(st, 4);
    size_t bl = (size_t)sqlite3_column_bytes(st, 5);
    const void *blob = sqlite3_column_blob(st, 5);
    uint8_t *b = iam__arena_alloc(&e->ar, bl ? bl : 1);
    if (b == NULL)
        ok = false;
    else if (bl)
        memcpy(b, blob, bl);
    d->sealed_seed = b;
    d->sealed_seed_len = bl;
    d->user_id = col_dup(e, st, 6, &ok);
    d->enabled = sqlite3_column_int64(st, 7);
    d->last_step = sqlite3_column_int64(st, 8);
    d->failures = (int32_t)sqlite3_column_int(st, 9);
    d->locked_until = sqlite3_column_int64(st, 10);
    if (!ok || d->serial == NULL || d->account == NULL || d->name == NULL || d->path == NULL) {
        iam__snap_ent_free(e);
        return ok ? IAM_E_STORE : IAM_E_NOMEM;
    }
    return ent_place(L, e);
}

static iam_err row_login(ld *L, snap_ent *e, sqlite3_stmt *st)
{
    (void)L;
    bool ok = true;
    iam_login_profile *lp = iam__arena_alloc(&e->ar, sizeof(*lp));
    if (lp == NULL)
        return IAM_E_NOMEM;
    lp->password_hash = col_dup(e, st, 1, &ok);
    lp->created = sqlite3_column_int64(st, 2);
    lp->reset_required = sqlite3_column_int(st, 3) != 0;
    e->m.u.login_profile = lp;
    return ok ? IAM_OK : IAM_E_NOMEM;
}

/* ---- roles -------------------------------------------------------------- */

static const char SQL_ROLE_ALL[] =
    "SELECT r.id, r.account, r.name, r.path, r.created, r.description, r.max_session, r.trust, p.arn, "
    "r.last_used, r.last_used_region FROM roles r LEFT JOIN policies p ON p.id = r.boundary_policy";
static const char SQL_ROLE_ONE[] =
    "SELECT r.id, r.account, r.name, r.path, r.created, r.description, r.max_session, r.trust, p.arn, "
    "r.last_used, r.last_used_region FROM roles r LEFT JOIN policies p ON p.id = r.boundary_policy "
    "WHERE r.id = ?1";
static const char SQL_RATT_ALL[] =
    "SELECT role_id, policy_id FROM attachments WHERE role_id IS NOT NULL ORDER BY role_id";
static const char SQL_RATT_ONE[] = "SELECT role_id, policy_id FROM attachments WHERE role_id = ?1";
static const char SQL_RINL_ALL[] =
    "SELECT role_id, name, document FROM inline_policies WHERE role_id IS NOT NULL ORDER BY role_id, name";
static const char SQL_RINL_ONE[] =
    "SELECT role_id, name, document FROM inline_policies WHERE role_id = ?1 ORDER BY name";
static const char SQL_RIP_ALL[] = "SELECT role_id, profile_id FROM instance_profile_roles ORDER BY role_id, profile_id";
static const char SQL_RIP_ONE[] =
    "SELECT role_id, profile_id FROM instance_profile_roles WHERE role_id = ?1 ORDER BY profile_id";
static const char SQL_BIND_ALL[] =
    "SELECT owner_id, arn, unique_id FROM bindings WHERE owner_kind = ?2 ORDER BY owner_id, arn";
static const char SQL_BIND_ONE[] =
    "SELECT owner_id, arn, unique_id FROM bindings WHERE owner_kind = ?2 AND owner_id = ?1 ORDER BY arn";
static const char SQL_RES_USER[] = "SELECT id, path, name FROM users WHERE account = ?1 AND name = ?2 COLLATE NOCASE";
static const char SQL_RES_ROLE[] = "SELECT id, path, name FROM roles WHERE account = ?1 AND name = ?2 COLLATE NOCASE";
static const char SQL_RES_GROUP[] =
    "SELECT id, path, name FROM groups WHERE account = ?1 AND name = ?2 COLLATE NOCASE";

static iam_err row_role(ld *L, sqlite3_stmt *st)
{
    snap_ent *e;
    bool ok = true;
    iam_err err = ent_begin(L, IAM_EK_ROLE, col_text(st, 0), 768, &e);
    if (err != IAM_OK)
        return err;
    iam_role *r = &e->m.r;
    r->id = col_dup(e, st, 0, &ok);
    r->account = col_dup(e, st, 1, &ok);
    r->name = col_dup(e, st, 2, &ok);
    r->path = col_dup(e, st, 3, &ok);
    r->created = sqlite3_column_int64(st, 4);
    r->description = col_dup(e, st, 5, &ok);
    r->max_session_duration = (int32_t)sqlite3_column_int(st, 6);
    e->aux = col_dup(e, st, 7, &ok);
    r->trust_document = e->aux;
    r->boundary_arn = col_dup(e, st, 8, &ok);
    r->last_used = sqlite3_column_int64(st, 9);
    r->last_used_region = col_dup(e, st, 10, &ok);
    if (ok && r->id && r->account && r->name && r->path)
        r->arn = mk_arn(L, e, "role", r->account, r->path, r->name, &ok);
    if (!ok || r->arn == NULL || r->trust_document == NULL) {
        iam__snap_ent_free(e);
        return ok ? IAM_E_STORE : IAM_E_NOMEM;
    }
    return ent_place(L, e);
}

static iam_err flush_rips(ld *L, snap_ent *e)
{
    const void *const *items;
    size_t n;
    iam_err err = take_ptrs(L, e, &items, &n);
    e->m.r.instance_profile_ids = (const char *const *)(const void *)items;
    e->m.r.n_instance_profiles = n;
    return err;
}

/* Whether `arn` names, in the store now, the entity with `unique_id`. */
static bool resolve_sql(void *ud, const char *arn, const char *unique_id)
{
    ld *L = ud;
    const char *f[6];
    int n = 0;
    f[n++] = arn;
    for (const char *q = arn; *q && n < 6; q++)
        if (*q == ':')
            f[n++] = q + 1;
    if (n < 6 || strncmp(arn, "arn:", 4) != 0 || strncmp(f[2], "iam::", 5) != 0)
        return false;
    const char *res = f[5], *slash = strchr(res, '/'), *last = strrchr(res, '/');
    if (slash == NULL)
        return false; /* "root" or another resource: not bound to an entity */
    const char *sql = strncmp(res, "user/", 5) == 0   ? SQL_RES_USER
                    : strncmp(res, "role/", 5) == 0   ? SQL_RES_ROLE
                    : strncmp(res, "group/", 6) == 0  ? SQL_RES_GROUP
                                                      : NULL;
    if (sql == NULL)
        return false;
    char acct[64];
    size_t al = (size_t)(f[5] - 1 - f[4]);
    if (al >= sizeof acct)
        return false;
    memcpy(acct, f[4], al);
    acct[al] = '\0';
    sqlite3_stmt *st;
    if (stmt(L, sql, acct, &st) != IAM_OK || sqlite3_bind_text(st, 2, last + 1, -1, SQLITE_TRANSIENT) != SQLITE_OK)
        return false;
    bool same = false;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *id = col_text(st, 0), *path = col_text(st, 1), *name = col_text(st, 2);
        char full[1024];
        snprintf(full, sizeof full, "arn:%s:iam::%s:%.*s%s%s", L->partition, acct, (int)(slash - res),
                 res, path ? path : "/", name ? name : "");
        same = id && strcmp(id, unique_id) == 0 && strcmp(full, arn) == 0;
    }
    sqlite3_reset(st);
    return same;
}

typedef struct bind_row {
    const char *arn, *uid;
} bind_row;

static iam_err row_binding(ld *L, snap_ent *e, sqlite3_stmt *st)
{
    bool ok = true;
    bind_row b = { col_dup(e, st, 1, &ok), col_dup(e, st, 2, &ok) };
    return ok && vpush(L, &b, sizeof b) ? IAM_OK : IAM_E_NOMEM;
}

static iam_err flush_bindings(ld *L, snap_ent *e)
{
    size_t n = L->vn / sizeof(bind_row);
    const bind_row *b = (const bind_row *)(const void *)L->v;
    const char *arns[64], *uids[64];
    char *doc = NULL;
    iam_err err = IAM_OK;
    for (size_t off = 0; off < n && err == IAM_OK;) {
        size_t m = n - off < 64 ? n - off : 64;
        for (size_t i = 0; i < m; i++)
            arns[i] = b[off + i].arn, uids[i] = b[off + i].uid;
        char *nd = NULL;
        err = iam__snap_trust_rewrite(doc ? doc : e->m.r.trust_document, arns, uids, m, resolve_sql, L, &nd);
        if (nd != NULL) {
            iam__free(doc);
            doc = nd;
        }
        off += m;
    }
    L->vn = 0;
    if (err == IAM_OK && doc != NULL) {
        bool ok = true;
        e->m.r.trust_document = ar_dup(e, doc, &ok);
        if (!ok)
            err = IAM_E_NOMEM;
    }
    iam__free(doc);
    return err;
}

/* ---- instance profiles, OIDC providers, accounts ----------------------- */

static const char SQL_IP_ALL[] = "SELECT id, account, name, path, created FROM instance_profiles";
static const char SQL_IP_ONE[] = "SELECT id, account, name, path, created FROM instance_profiles WHERE id = ?1";
static const char SQL_IPR_ALL[] = "SELECT profile_id, role_id FROM instance_profile_roles ORDER BY profile_id, role_id";
static const char SQL_IPR_ONE[] =
    "SELECT profile_id, role_id FROM instance_profile_roles WHERE profile_id = ?1 ORDER BY role_id";

static iam_err row_ip(ld *L, sqlite3_stmt *st)
{
    snap_ent *e;
    bool ok = true;
    iam_err err = ent_begin(L, IAM_EK_INSTANCE_PROFILE, col_text(st, 0), 256, &e);
    if (err != IAM_OK)
        return err;
    iam_instance_profile *p = &e->m.ip;
    p->id = col_dup(e, st, 0, &ok);
    p->account = col_dup(e, st, 1, &ok);
    p->name = col_dup(e, st, 2, &ok);
    p->path = col_dup(e, st, 3, &ok);
    p->created = sqlite3_column_int64(st, 4);
    if (ok && p->id && p->account && p->name && p->path)
        p->arn = mk_arn(L, e, "instance-profile", p->account, p->path, p->name, &ok);
    if (!ok || p->arn == NULL) {
        iam__snap_ent_free(e);
        return ok ? IAM_E_STORE : IAM_E_NOMEM;
    }
    return ent_place(L, e);
}

static iam_err flush_iproles(ld *L, snap_ent *e)
{
    const void *const *items;
    size_t n;
    iam_err err = take_ptrs(L, e, &items, &n);
    e->m.ip.roles = (const iam_role *const *)(const void *)items;
    e->m.ip.n_roles = n;
    return err;
}

/* The provider's JWKS (migration 4) comes with its row. */
static const char SQL_OIDC_ALL[] =
    "SELECT o.arn, o.account, o.url, o.created, j.jwks FROM oidc_providers o LEFT JOIN oidc_jwks j ON j.arn = o.arn";
static const char SQL_OIDC_ONE[] = "SELECT o.arn, o.account, o.url, o.created, j.jwks FROM oidc_providers o "
                                   "LEFT JOIN oidc_jwks j ON j.arn = o.arn WHERE o.arn = ?1";
static const char SQL_OCID_ALL[] = "SELECT arn, client_id FROM oidc_client_ids ORDER BY arn, client_id";
static const char SQL_OCID_ONE[] = "SELECT arn, client_id FROM oidc_client_ids WHERE arn = ?1 ORDER BY client_id";
static const char SQL_OTP_ALL[] = "SELECT arn, thumbprint FROM oidc_thumbprints ORDER BY arn, pos";
static const char SQL_OTP_ONE[] = "SELECT arn, thumbprint FROM oidc_thumbprints WHERE arn = ?1 ORDER BY pos";

static iam_err row_oidc(ld *L, sqlite3_stmt *st)
{
    snap_ent *e;
    bool ok = true;
    iam_err err = ent_begin(L, IAM_EK_OIDC_PROVIDER, col_text(st, 0), 256, &e);
    if (err != IAM_OK)
        return err;
    iam_oidc_provider *o = &e->m.o;
    o->arn = col_dup(e, st, 0, &ok);
    o->account = col_dup(e, st, 1, &ok);
    o->url = col_dup(e, st, 2, &ok);
    o->created = sqlite3_column_int64(st, 3);
    o->jwks_json = col_dup(e, st, 4, &ok);
    if (!ok || o->arn == NULL || o->account == NULL) {
        iam__snap_ent_free(e);
        return ok ? IAM_E_STORE : IAM_E_NOMEM;
    }
    if (o->jwks_json != NULL) {
        /* Parsed once here, shared by every verification. `iamd oidc
         * set-jwks` validated it; a document that no longer parses (another
         * libiam's rules) leaves the provider without keys, so its tokens
         * are refused instead of the snapshot failing to load. */
        iam_jwks *k = NULL;
        iam_err perr = iam_jwks_parse(o->jwks_json, (size_t)sqlite3_column_bytes(st, 4), &k, NULL);
        if (perr == IAM_E_NOMEM) {
            iam__snap_ent_free(e);
            return IAM_E_NOMEM;
        }
        o->jwks = perr == IAM_OK ? k : NULL;
    }
    return ent_place(L, e);
}

static iam_err flush_ocids(ld *L, snap_ent *e)
{
    const void *const *items;
    size_t n;
    iam_err err = take_ptrs(L, e, &items, &n);
    e->m.o.client_ids = (iam_strs){ (const char *const *)(const void *)items, n };
    return err;
}

static iam_err flush_otps(ld *L, snap_ent *e)
{
    const void *const *items;
    size_t n;
    iam_err err = take_ptrs(L, e, &items, &n);
    e->m.o.thumbprints = (iam_strs){ (const char *const *)(const void *)items, n };
    return err;
}

static const char SQL_ACC_ALL[] = "SELECT id, alias, created, password_policy FROM accounts";
static const char SQL_ACC_ONE[] = "SELECT id, alias, created, password_policy FROM accounts WHERE id = ?1";
static const char SQL_AKEY_ALL[] =
    "SELECT account, id FROM access_keys WHERE user_id IS NULL ORDER BY account, created, id";
static const char SQL_AKEY_ONE[] =
    "SELECT account, id FROM access_keys WHERE user_id IS NULL AND account = ?1 ORDER BY created, id";

/* The password policy column: a JSON object with the fields of
 * iam_password_policy, by their C names or by AWS's names. */
static bool pp_get(json_t *o, const char *a, const char *b, json_t **v)
{
    *v = json_object_get(o, a);
    if (*v == NULL)
        *v = json_object_get(o, b);
    return *v != NULL;
}

static void parse_pp(const char *text, iam_password_policy *pp)
{
    json_t *o = json_loads(text, 0, NULL), *v;
    memset(pp, 0, sizeof(*pp));
    pp->min_length = 6;
    if (o == NULL)
        return;
    if (pp_get(o, "min_length", "MinimumPasswordLength", &v))
        pp->min_length = (int)json_integer_value(v);
    if (pp_get(o, "require_symbols", "RequireSymbols", &v))
        pp->require_symbols = json_is_true(v);
    if (pp_get(o, "require_numbers", "RequireNumbers", &v))
        pp->require_numbers = json_is_true(v);
    if (pp_get(o, "require_uppercase", "RequireUppercaseCharacters", &v))
        pp->require_uppercase = json_is_true(v);
    if (pp_get(o, "require_lowercase", "RequireLowercaseCharacters", &v))
        pp->require_lowercase = json_is_true(v);
    if (pp_get(o, "allow_users_to_change", "AllowUsersToChangePassword", &v))
        pp->allow_users_to_change = json_is_true(v);
    if (pp_get(o, "max_age_days", "MaxPasswordAge", &v))
        pp->max_age_days = (int)json_integer_value(v);
    if (pp_get(o, "reuse_prevention", "PasswordReusePrevention", &v))
        pp->reuse_prevention = (int)json_integer_value(v);
    if (pp_get(o, "hard_expiry", "HardExpiry", &v))
        pp->hard_expiry = json_is_true(v);
    json_decref(o);
}

static iam_err row_account(ld *L, sqlite3_stmt *st)
{
    snap_ent *e;
    bool ok = true;
    iam_err err = ent_begin(L, IAM_EK_ACCOUNT, col_text(st, 0), 256, &e);
    if (err != IAM_OK)
        return err;
    iam_account *a = &e->m.a;
    a->id = col_dup(e, st, 0, &ok);
    a->alias = col_dup(e, st, 1, &ok);
    a->created = sqlite3_column_int64(st, 2);
    if (col_text(st, 3) != NULL) {
        iam_password_policy *pp = iam__arena_alloc(&e->ar, sizeof(*pp));
        if (pp == NULL)
            ok = false;
        else
            parse_pp(col_text(st, 3), pp);
        a->password_policy = pp;
    }
    if (!ok || a->id == NULL) {
        iam__snap_ent_free(e);
        return ok ? IAM_E_STORE : IAM_E_NOMEM;
    }
    return ent_place(L, e);
}

static iam_err flush_rootkeys(ld *L, snap_ent *e)
{
    const void *const *items;
    size_t n;
    iam_err err = take_ptrs(L, e, &items, &n);
    e->m.a.root_keys = (const iam_access_key *const *)(const void *)items;
    e->m.a.n_root_keys = n;
    return err;
}

/* ---- loading one kind (all rows, or one id) ----------------------------- */

typedef iam_err (*main_fn)(ld *L, sqlite3_stmt *st);

static iam_err load_main(ld *L, const char *sql, const char *id, main_fn fn, bool *found)
{
    sqlite3_stmt *st;
    iam_err err = stmt(L, sql, id, &st);
    int rc;
    if (found)
        *found = false;
    if (err != IAM_OK)
        return err;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (col_text(st, 0) == NULL)
            continue;
        if ((err = fn(L, st)) != IAM_OK)
            return err;
        if (found)
            *found = true;
    }
    return rc == SQLITE_DONE ? IAM_OK : db_fail(L, "step");
}

#define SQLX(name) (id ? name##_ONE : name##_ALL)

/* Fills kind k: every entity (id NULL) or the one with `id`; *found says
 * whether that row exists. */
static iam_err load_kind(ld *L, iam_entity_kind k, const char *id, bool *found)
{
    iam_err err = IAM_OK;
    switch (k) {
    case IAM_EK_POLICY:
        if ((err = load_main(L, SQLX(SQL_POL), id, row_policy, found)) == IAM_OK &&
            (err = rel_load(L, k, SQLX(SQL_PV), id, 0, row_version, flush_versions)) == IAM_OK &&
            (err = rel_load(L, k, SQLX(SQL_PCNT), id, 0, row_pcount, NULL)) == IAM_OK &&
            (err = rel_load(L, k, SQLX(SQL_BCNT), id, 0, row_bcount, NULL)) == IAM_OK)
            err = load_tags(L, k, id);
        break;
    case IAM_EK_ACCESS_KEY: err = load_main(L, SQLX(SQL_KEY), id, row_key, found); break;
    case IAM_EK_GROUP:
        if ((err = load_main(L, SQLX(SQL_GRP), id, row_group, found)) == IAM_OK &&
            (err = rel_load(L, k, SQLX(SQL_GATT), id, 0, row_policy_ref, flush_attached)) == IAM_OK &&
            (err = rel_load(L, k, SQLX(SQL_GINL), id, 0, row_inline, flush_inline)) == IAM_OK)
            err = rel_load(L, k, SQLX(SQL_GMEM), id, 0, row_str, flush_members);
        break;
    case IAM_EK_USER:
        if ((err = load_main(L, SQLX(SQL_USR), id, row_user, found)) == IAM_OK &&
            (err = rel_load(L, k, SQLX(SQL_UATT), id, 0, row_policy_ref, flush_attached)) == IAM_OK &&
            (err = rel_load(L, k, SQLX(SQL_UINL), id, 0, row_inline, flush_inline)) == IAM_OK &&
            (err = rel_load(L, k, SQLX(SQL_UGRP), id, 0, row_group_ref, flush_ugroups)) == IAM_OK &&
            (err = rel_load(L, k, SQLX(SQL_UKEY), id, 0, row_key_ref, flush_ukeys)) == IAM_OK &&
            (err = rel_load(L, k, SQLX(SQL_UMFA), id, 0, row_mfa_ref, flush_umfa)) == IAM_OK &&
            (err = rel_load(L, k, SQLX(SQL_LOGIN), id, 0, row_login, NULL)) == IAM_OK)
            err = load_tags(L, k, id);
        break;
    case IAM_EK_ROLE:
        if ((err = load_main(L, SQLX(SQL_ROLE), id, row_role, found)) == IAM_OK &&
            (err = rel_load(L, k, SQLX(SQL_RATT), id, 0, row_policy_ref, flush_attached)) == IAM_OK &&
            (err = rel_load(L, k, SQLX(SQL_RINL), id, 0, row_inline, flush_inline)) == IAM_OK &&
            (err = rel_load(L, k, SQLX(SQL_RIP), id, 0, row_str, flush_rips)) == IAM_OK &&
            (err = rel_load(L, k, SQLX(SQL_BIND), id, (int)IAM_EK_ROLE, row_binding, flush_bindings)) == IAM_OK)
            err = load_tags(L, k, id);
        break;
    case IAM_EK_INSTANCE_PROFILE:
        if ((err = load_main(L, SQLX(SQL_IP), id, row_ip, found)) == IAM_OK &&
            (err = rel_load(L, k, SQLX(SQL_IPR), id, 0, row_role_ref, flush_iproles)) == IAM_OK)
            err = load_tags(L, k, id);
        break;
    case IAM_EK_OIDC_PROVIDER:
        if ((err = load_main(L, SQLX(SQL_OIDC), id, row_oidc, found)) == IAM_OK &&
            (err = rel_load(L, k, SQLX(SQL_OCID), id, 0, row_str, flush_ocids)) == IAM_OK &&
            (err = rel_load(L, k, SQLX(SQL_OTP), id, 0, row_str, flush_otps)) == IAM_OK)
            err = load_tags(L, k, id);
        break;
    case IAM_EK_MFA_DEVICE:
        if ((err = load_main(L, SQLX(SQL_MFA), id, row_mfa, found)) == IAM_OK)
            err = load_tags(L, k, id);
        break;
    case IAM_EK_ACCOUNT:
        if ((err = load_main(L, SQLX(SQL_ACC), id, row_account, found)) == IAM_OK)
            err = rel_load(L, k, SQLX(SQL_AKEY), id, 0, row_key_ref, flush_rootkeys);
        break;
    }
    return err;
}

/* Compiles the trust policies of the roles built in this pass. */
static void compile_trusts(ld *L, size_t from)
{
    for (size_t i = from; i < L->n_born; i++) {
        snap_ent *e = snap_ent_of(L->born[i]);
        if (e->kind == IAM_EK_ROLE && e->m.r.trust == NULL)
            e->m.r.trust = compile(e->m.r.trust_document);
    }
}

/* ---- context ------------------------------------------------------------ */

static void ld_free(ld *L)
{
    for (size_t i = 0; i < L->n_stc; i++)
        sqlite3_finalize(L->stc[i].st);
    for (int k = 1; k < SNAP_NKINDS; k++) {
        for (size_t i = 0; i < L->reload[k].n; i++)
            iam__free(L->reload[k].ids[i]);
        iam__free(L->reload[k].ids);
        iam__free(L->rebuilt[k]);
    }
    iam__free(L->born);
    iam__free(L->retired);
    iam__free(L->v);
    iam__free(L->rd);
}

/* On failure: everything built here goes, prev is untouched. */
static void ld_abort(ld *L)
{
    for (int k = 1; k < SNAP_NKINDS; k++)
        if (L->own[k])
            iam__snap_tab_release(L->t[k]);
    for (size_t i = 0; i < L->n_born; i++)
        iam__snap_ent_free(snap_ent_of(L->born[i]));
    L->n_born = 0;
}

static void read_partition(ld *L)
{
    sqlite3_stmt *st = NULL;
    memcpy(L->partition, "aws", 4);
    if (sqlite3_prepare_v2(L->db, "SELECT value FROM meta WHERE key = 'partition'", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && col_text(st, 0) != NULL && sqlite3_column_bytes(st, 0) > 0 &&
        (size_t)sqlite3_column_bytes(st, 0) < sizeof L->partition)
        memcpy(L->partition, col_text(st, 0), (size_t)sqlite3_column_bytes(st, 0) + 1);
    sqlite3_finalize(st);
}

static int64_t read_revision(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int64_t rev = 0;
    if (sqlite3_prepare_v2(db, "SELECT coalesce(max(rev), 0) FROM changes", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        rev = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rev;
}

/* ---- reverse index (policy -> principals) ------------------------------ */

static const iam_managed_policy *const *attached_of(const void *o, iam_entity_kind k, size_t *n)
{
    const snap_ent *e = snap_ent_of(o);
    if (k == IAM_EK_USER)
        return *n = e->m.u.n_attached, e->m.u.attached;
    if (k == IAM_EK_GROUP)
        return *n = e->m.g.n_attached, e->m.g.attached;
    return *n = e->m.r.n_attached, e->m.r.attached;
}

static const iam_entity_kind pkinds[3] = { IAM_EK_USER, IAM_EK_GROUP, IAM_EK_ROLE };

static iam_err revs_full(ld *L, snap_revs **out)
{
    uint32_t np = L->t[IAM_EK_POLICY]->n_slots;
    snap_revs *rv = iam__calloc(1, sizeof(*rv));
    uint32_t *cnt = iam__calloc((size_t)np * 3 + 1, sizeof(*cnt));
    iam_err err = IAM_E_NOMEM;
    if (rv == NULL || cnt == NULL)
        goto done;
    atomic_init(&rv->refs, 1);
    rv->n = np;
    rv->r = iam__calloc(np ? np : 1, sizeof(*rv->r));
    if (rv->r == NULL)
        goto done;
    for (int pk = 0; pk < 3; pk++) {
        const snap_tab *t = L->t[pkinds[pk]];
        for (uint32_t s = 0; s < t->n_slots; s++) {
            size_t n;
            const iam_managed_policy *const *a = t->objs[s] ? attached_of(t->objs[s], pkinds[pk], &n) : NULL;
            for (size_t i = 0; a && i < n; i++)
                cnt[(size_t)snap_ent_of(a[i])->slot * 3 + pk]++;
        }
    }
    for (uint32_t p = 0; p < np; p++) {
        size_t tot = (size_t)cnt[p * 3] + cnt[p * 3 + 1] + cnt[p * 3 + 2];
        if (tot == 0)
            continue;
        snap_rev *r = iam__malloc(sizeof(*r) + tot * sizeof(uint32_t));
        if (r == NULL)
            goto done;
        atomic_init(&r->refs, 1);
        for (int pk = 0; pk < 3; pk++) {
            r->n[pk] = 0;
        }
        rv->r[p] = r;
    }
    for (int pk = 0; pk < 3; pk++) {
        const snap_tab *t = L->t[pkinds[pk]];
        for (uint32_t s = 0; s < t->n_slots; s++) {
            size_t n;
            const iam_managed_policy *const *a = t->objs[s] ? attached_of(t->objs[s], pkinds[pk], &n) : NULL;
            for (size_t i = 0; a && i < n; i++) {
                uint32_t p = snap_ent_of(a[i])->slot;
                snap_rev *r = rv->r[p];
                size_t base = pk == 0 ? 0 : pk == 1 ? cnt[p * 3] : (size_t)cnt[p * 3] + cnt[p * 3 + 1];
                r->items[base + r->n[pk]++] = s;
            }
        }
    }
    err = IAM_OK;
done:
    iam__free(cnt);
    if (err != IAM_OK)
        iam__snap_revs_release(rv);
    else
        *out = rv;
    return err;
}

static int rd_cmp(const void *a, const void *b)
{
    const rdiff *x = a, *y = b;
    if (x->pslot != y->pslot)
        return x->pslot < y->pslot ? -1 : 1;
    if (x->pk != y->pk)
        return x->pk < y->pk ? -1 : 1;
    return (x->slot > y->slot) - (x->slot < y->slot);
}

static int u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* prev's reverse index with the attachment changes of this apply. */
static iam_err revs_patch(ld *L, snap_revs **out)
{
    const snap_revs *pr = L->prev->revs;
    uint32_t np = L->t[IAM_EK_POLICY]->n_slots;
    if (L->n_rd == 0 && np <= pr->n) {
        atomic_fetch_add_explicit(&((snap_revs *)(uintptr_t)pr)->refs, 1, memory_order_relaxed);
        *out = (snap_revs *)(uintptr_t)pr;
        return IAM_OK;
    }
    snap_revs *rv = iam__calloc(1, sizeof(*rv));
    if (rv == NULL)
        return IAM_E_NOMEM;
    atomic_init(&rv->refs, 1);
    rv->n = np > pr->n ? np : pr->n;
    rv->r = iam__calloc(rv->n ? rv->n : 1, sizeof(*rv->r));
    if (rv->r == NULL) {
        iam__free(rv);
        return IAM_E_NOMEM;
    }
    for (uint32_t p = 0; p < pr->n; p++)
        if ((rv->r[p] = pr->r[p]) != NULL)
            atomic_fetch_add_explicit(&rv->r[p]->refs, 1, memory_order_relaxed);
    if (L->n_rd > 0) /* qsort(NULL, 0, ...) is undefined behaviour */
        qsort(L->rd, L->n_rd, sizeof(*L->rd), rd_cmp);
    for (size_t i = 0; i < L->n_rd;) {
        uint32_t p = L->rd[i].pslot;
        size_t j = i;
        while (j < L->n_rd && L->rd[j].pslot == p)
            j++;
        const snap_rev *old = rv->r[p];
        size_t oldn = old ? (size_t)old->n[0] + old->n[1] + old->n[2] : 0;
        size_t cap = oldn + (j - i);
        snap_rev *r = iam__malloc(sizeof(*r) + (cap ? cap : 1) * sizeof(uint32_t));
        if (r == NULL) {
            iam__snap_revs_release(rv);
            return IAM_E_NOMEM;
        }
        atomic_init(&r->refs, 1);
        size_t w = 0, in = 0;
        for (uint32_t pk = 0; pk < 3; pk++) {
            size_t start = w;
            size_t on = old ? old->n[pk] : 0;
            for (size_t q = 0; q < on; q++, in++) {
                uint32_t s = old->items[in];
                bool removed = false;
                for (size_t d = i; d < j; d++)
                    if (L->rd[d].pk == pk && L->rd[d].slot == s && L->rd[d].add < 0)
                        removed = true;
                if (!removed)
                    r->items[w++] = s;
            }
            for (size_t d = i; d < j; d++)
                if (L->rd[d].pk == pk && L->rd[d].add > 0) {
                    bool dup = false;
                    for (size_t q = start; q < w; q++)
                        if (r->items[q] == L->rd[d].slot)
                            dup = true;
                    if (!dup)
                        r->items[w++] = L->rd[d].slot;
                }
            qsort(r->items + start, w - start, sizeof(uint32_t), u32_cmp);
            r->n[pk] = (uint32_t)(w - start);
        }
        iam__snap_rev_release(rv->r[p]);
        rv->r[p] = w ? r : NULL;
        if (!w)
            iam__free(r);
        i = j;
    }
    *out = rv;
    return IAM_OK;
}

/* ---- full load -------------------------------------------------------- */

iam_err iam__snapshot_load_db(sqlite3 *db, iam_snapshot **out, iam_diag *diag)
{
    ld L;
    iam_err err = IAM_OK;
    snap_revs *revs = NULL;
    iam_snapshot *s = NULL;

    if (out == NULL)
        return IAM_E_INVALID;
    *out = NULL;
    if (db == NULL)
        return IAM_E_INVALID;
    memset(&L, 0, sizeof L);
    L.db = db;
    L.diag = diag;
    read_partition(&L);
    for (int k = 1; k < SNAP_NKINDS; k++) {
        L.t[k] = iam__snap_tab_new((iam_entity_kind)k);
        L.own[k] = L.t[k] != NULL;
        if (L.t[k] == NULL)
            err = IAM_E_NOMEM;
    }
    /* One read transaction: a consistent view across the tables. */
    if (err == IAM_OK && sqlite3_exec(db, "SAVEPOINT snapshot_load", NULL, NULL, NULL) != SQLITE_OK)
        err = db_fail(&L, "begin");
    for (size_t i = 0; err == IAM_OK && i < sizeof build_order / sizeof build_order[0]; i++) {
        size_t from = L.n_born;
        err = load_kind(&L, build_order[i], NULL, NULL);
        if (build_order[i] == IAM_EK_ROLE)
            compile_trusts(&L, from);
    }
    int64_t rev = read_revision(db);
    for (size_t i = 0; i < L.n_stc; i++)
        sqlite3_finalize(L.stc[i].st);
    L.n_stc = 0;
    sqlite3_exec(db, "RELEASE snapshot_load", NULL, NULL, NULL);
    if (err == IAM_OK)
        err = revs_full(&L, &revs);
    if (err == IAM_OK)
        err = iam__snap_new(L.t, revs, rev, L.partition, &s);
    if (err == IAM_OK) {
        for (int k = 1; k < SNAP_NKINDS; k++)
            L.own[k] = false; /* the snapshot has them */
        revs = NULL;
        err = iam__snap_domain_start(s);
    }
    if (err != IAM_OK) {
        iam__snap_revs_release(revs);
        if (s != NULL) {
            iam__snap_discard(s, L.born, L.n_born);
            L.n_born = 0;
        } else {
            ld_abort(&L);
        }
        ld_free(&L);
        return err;
    }
    ld_free(&L);
    *out = s;
    return IAM_OK;
}

/* ---- apply: what to re-read --------------------------------------------- */

static iam_err want(ld *L, iam_entity_kind k, const char *id)
{
    idset *s = &L->reload[k];
    if (id == NULL || k < 1 || k >= SNAP_NKINDS)
        return IAM_OK;
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->ids[i], id) == 0)
            return IAM_OK;
    size_t n = strlen(id);
    char *c = iam__malloc(n + 1);
    if (c == NULL)
        return IAM_E_NOMEM;
    memcpy(c, id, n + 1);
    if (!ptr_push((void ***)&s->ids, &s->n, &s->cap, c)) {
        iam__free(c);
        return IAM_E_NOMEM;
    }
    return IAM_OK;
}

/* Ids (column 0 of `sql` bound to id) as a list of strings in *v. */
typedef struct strv {
    char **s;
    size_t n, cap;
} strv;

static void strv_free(strv *v)
{
    for (size_t i = 0; i < v->n; i++)
        iam__free(v->s[i]);
    iam__free(v->s);
    memset(v, 0, sizeof(*v));
}

static iam_err strv_add(strv *v, const char *s)
{
    size_t n = strlen(s);
    char *c = iam__malloc(n + 1);
    if (c == NULL)
        return IAM_E_NOMEM;
    memcpy(c, s, n + 1);
    if (!ptr_push((void ***)&v->s, &v->n, &v->cap, c)) {
        iam__free(c);
        return IAM_E_NOMEM;
    }
    return IAM_OK;
}

static bool strv_has(const strv *v, const char *s)
{
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->s[i], s) == 0)
            return true;
    return false;
}

static iam_err query_ids(ld *L, const char *sql, const char *id, strv *out)
{
    sqlite3_stmt *st;
    iam_err err = stmt(L, sql, id, &st);
    int rc;
    if (err != IAM_OK)
        return err;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (col_text(st, 0) && (err = strv_add(out, col_text(st, 0))) != IAM_OK)
            return err;
    return rc == SQLITE_DONE ? IAM_OK : db_fail(L, "step");
}

/* Reloads, of kind k, the ids in exactly one of old / now. */
static iam_err want_diff(ld *L, iam_entity_kind k, const strv *old, const strv *now, bool all)
{
    iam_err err = IAM_OK;
    for (size_t i = 0; err == IAM_OK && i < old->n; i++)
        if (all || !strv_has(now, old->s[i]))
            err = want(L, k, old->s[i]);
    for (size_t i = 0; err == IAM_OK && i < now->n; i++)
        if (all || !strv_has(old, now->s[i]))
            err = want(L, k, now->s[i]);
    return err;
}

static const char SQL_D_UATT[] = "SELECT policy_id FROM attachments WHERE user_id = ?1";
static const char SQL_D_GATT[] = "SELECT policy_id FROM attachments WHERE group_id = ?1";
static const char SQL_D_RATT[] = "SELECT policy_id FROM attachments WHERE role_id = ?1";
static const char SQL_D_UGRP[] = "SELECT group_id FROM group_members WHERE user_id = ?1";
static const char SQL_D_GMEM[] = "SELECT user_id FROM group_members WHERE group_id = ?1";
static const char SQL_D_UKEY[] = "SELECT id FROM access_keys WHERE user_id = ?1";
static const char SQL_D_RIP[] = "SELECT profile_id FROM instance_profile_roles WHERE role_id = ?1";
static const char SQL_D_IPR[] = "SELECT role_id FROM instance_profile_roles WHERE profile_id = ?1";
static const char SQL_D_UBND[] = "SELECT boundary_policy FROM users WHERE id = ?1 AND boundary_policy IS NOT NULL";
static const char SQL_D_RBND[] = "SELECT boundary_policy FROM roles WHERE id = ?1 AND boundary_policy IS NOT NULL";
static const char SQL_D_MOWN[] = "SELECT user_id FROM mfa_devices WHERE serial = ?1 AND user_id IS NOT NULL";
static const char SQL_D_KOWN[] = "SELECT coalesce(user_id, ''), account FROM access_keys WHERE id = ?1";
static const char SQL_D_BOUND[] = "SELECT DISTINCT owner_id FROM bindings WHERE owner_kind = 4 AND arn = ?1";
static const char SQL_D_UARN[] = "SELECT account, path, name FROM users WHERE id = ?1";
static const char SQL_D_RARN[] = "SELECT account, path, name FROM roles WHERE id = ?1";
static const char SQL_D_GNAME[] = "SELECT name FROM groups WHERE id = ?1";

/* The ARN the principal `id` has in the store now ("" when deleted). */
static iam_err now_arn(ld *L, const char *sql, const char *type, const char *id, char *out, size_t cap)
{
    sqlite3_stmt *st;
    iam_err err = stmt(L, sql, id, &st);
    out[0] = '\0';
    if (err != IAM_OK)
        return err;
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(out, cap, "arn:%s:iam::%s:%s%s%s", L->partition, col_text(st, 0) ? col_text(st, 0) : "", type,
                 col_text(st, 1) ? col_text(st, 1) : "/", col_text(st, 2) ? col_text(st, 2) : "");
    sqlite3_reset(st);
    return IAM_OK;
}

/* Roles whose trust policy binds an ARN that changed owner. */
static iam_err want_bound(ld *L, const char *old_arn, const char *new_arn)
{
    strv v = { 0 };
    iam_err err = IAM_OK;
    if (old_arn && strcmp(old_arn, new_arn) == 0)
        return IAM_OK;
    if (old_arn && *old_arn)
        err = query_ids(L, SQL_D_BOUND, old_arn, &v);
    if (err == IAM_OK && *new_arn)
        err = query_ids(L, SQL_D_BOUND, new_arn, &v);
    for (size_t i = 0; err == IAM_OK && i < v.n; i++)
        err = want(L, IAM_EK_ROLE, v.s[i]);
    strv_free(&v);
    return err;
}

static void policy_ids(const iam_managed_policy *const *a, size_t n, strv *v, iam_err *err)
{
    for (size_t i = 0; *err == IAM_OK && i < n; i++)
        *err = strv_add(v, a[i]->id);
}

static iam_err boundary_diff(ld *L, const char *old_arn, const char *sql, const char *id)
{
    strv o = { 0 }, n = { 0 };
    iam_err err = IAM_OK;
    if (old_arn) {
        const iam_managed_policy *p = iam_snap_policy_by_arn(L->prev, iam_str_from_cstr(old_arn));
        if (p)
            err = strv_add(&o, p->id);
    }
    if (err == IAM_OK)
        err = query_ids(L, sql, id, &n);
    if (err == IAM_OK)
        err = want_diff(L, IAM_EK_POLICY, &o, &n, false);
    strv_free(&o);
    strv_free(&n);
    return err;
}

static iam_err discover(ld *L, iam_entity_kind k, const char *id)
{
    const iam_snapshot *P = L->prev;
    strv o = { 0 }, n = { 0 };
    iam_err err = IAM_OK;
    char arn[1024];

#define DIFF(kind, sql, all)                                                                                         \
    do {                                                                                                             \
        if (err == IAM_OK)                                                                                           \
            err = query_ids(L, sql, id, &n);                                                                         \
        if (err == IAM_OK)                                                                                           \
            err = want_diff(L, kind, &o, &n, all);                                                                   \
        strv_free(&o);                                                                                               \
        strv_free(&n);                                                                                               \
    } while (0)

    switch (k) {
    case IAM_EK_USER: {
        const iam_user *u = iam_snap_user_by_id(P, iam_str_from_cstr(id));
        if ((err = now_arn(L, SQL_D_UARN, "user", id, arn, sizeof arn)) != IAM_OK)
            break;
        bool renamed = u != NULL && strcmp(u->arn, arn) != 0;
        for (size_t i = 0; u && err == IAM_OK && i < u->n_groups; i++)
            err = strv_add(&o, u->groups[i]->id);
        DIFF(IAM_EK_GROUP, SQL_D_UGRP, renamed);
        if (u)
            policy_ids(u->attached, u->n_attached, &o, &err);
        DIFF(IAM_EK_POLICY, SQL_D_UATT, false);
        for (size_t i = 0; u && err == IAM_OK && i < u->n_keys; i++)
            err = strv_add(&o, u->keys[i]->id);
        DIFF(IAM_EK_ACCESS_KEY, SQL_D_UKEY, renamed);
        if (err == IAM_OK)
            err = boundary_diff(L, u ? u->boundary_arn : NULL, SQL_D_UBND, id);
        if (err == IAM_OK && (u == NULL || renamed || arn[0] == '\0'))
            err = want_bound(L, u ? u->arn : NULL, arn);
        break;
    }
    case IAM_EK_GROUP: {
        const iam_group *g = iam_snap_group_by_id(P, iam_str_from_cstr(id));
        for (size_t i = 0; g && err == IAM_OK && i < g->n_members; i++)
            err = strv_add(&o, g->member_ids[i]);
        DIFF(IAM_EK_USER, SQL_D_GMEM, false);
        if (g)
            policy_ids(g->attached, g->n_attached, &o, &err);
        DIFF(IAM_EK_POLICY, SQL_D_GATT, false);
        break;
    }
    case IAM_EK_ROLE: {
        const iam_role *r = iam_snap_role_by_id(P, iam_str_from_cstr(id));
        if ((err = now_arn(L, SQL_D_RARN, "role", id, arn, sizeof arn)) != IAM_OK)
            break;
        if (r)
            policy_ids(r->attached, r->n_attached, &o, &err);
        DIFF(IAM_EK_POLICY, SQL_D_RATT, false);
        for (size_t i = 0; r && err == IAM_OK && i < r->n_instance_profiles; i++)
            err = strv_add(&o, r->instance_profile_ids[i]);
        DIFF(IAM_EK_INSTANCE_PROFILE, SQL_D_RIP, false);
        if (err == IAM_OK)
            err = boundary_diff(L, r ? r->boundary_arn : NULL, SQL_D_RBND, id);
        if (err == IAM_OK && (r == NULL || arn[0] == '\0' || strcmp(r->arn, arn) != 0))
            err = want_bound(L, r ? r->arn : NULL, arn);
        break;
    }
    case IAM_EK_ACCESS_KEY: {
        const iam_access_key *key = iam_snap_access_key(P, iam_str_from_cstr(id));
        sqlite3_stmt *st;
        if (key != NULL)
            err = key->user_id ? want(L, IAM_EK_USER, key->user_id) : want(L, IAM_EK_ACCOUNT, key->account);
        if (err == IAM_OK && (err = stmt(L, SQL_D_KOWN, id, &st)) == IAM_OK) {
            if (sqlite3_step(st) == SQLITE_ROW) {
                const char *uid = col_text(st, 0);
                err = uid && *uid ? want(L, IAM_EK_USER, uid) : want(L, IAM_EK_ACCOUNT, col_text(st, 1));
            }
            sqlite3_reset(st);
        }
        break;
    }
    case IAM_EK_MFA_DEVICE: {
        /* Users point at their devices: the old and the new owner re-link. */
        const iam_mfa_device *d = iam_snap_mfa_device(P, iam_str_from_cstr(id));
        if (d != NULL && d->user_id != NULL)
            err = want(L, IAM_EK_USER, d->user_id);
        if (err == IAM_OK)
            err = query_ids(L, SQL_D_MOWN, id, &n);
        for (size_t i = 0; err == IAM_OK && i < n.n; i++)
            err = want(L, IAM_EK_USER, n.s[i]);
        strv_free(&n);
        break;
    }
    case IAM_EK_INSTANCE_PROFILE: {
        const snap_tab *t = P->t[IAM_EK_INSTANCE_PROFILE];
        uint32_t s = iam__snap_tab_find_id(t, iam_str_from_cstr(id));
        const iam_instance_profile *ip = s == UINT32_MAX ? NULL : t->objs[s];
        for (size_t i = 0; ip && err == IAM_OK && i < ip->n_roles; i++)
            err = strv_add(&o, ip->roles[i]->id);
        DIFF(IAM_EK_ROLE, SQL_D_IPR, false);
        break;
    }
    default: break;
    }
#undef DIFF
    strv_free(&o);
    strv_free(&n);
    (void)SQL_D_GNAME;
    return err;
}

/* ---- apply: re-linking entities whose pointees were rebuilt ------------- */

static const void *remap(ld *L, iam_entity_kind k, const void *old)
{
    const snap_tab *t = L->t[k];
    uint32_t s = snap_ent_of(old)->slot;
    return s < t->n_slots ? t->objs[s] : NULL;
}

/* Copies an array of entity pointers into e's arena, each mapped to the
 * object now at its slot (dropping deleted ones). */
static const void **remap_arr(ld *L, snap_ent *e, iam_entity_kind k, const void *const *a, size_t n, size_t *nout,
                              bool *ok)
{
    const void **r = NULL;
    size_t w = 0;
    if (n) {
        r = iam__arena_alloc(&e->ar, n * sizeof(*r));
        if (r == NULL) {
            *ok = false;
            return NULL;
        }
        for (size_t i = 0; i < n; i++) {
            const void *m = remap(L, k, a[i]);
            if (m != NULL)
                r[w++] = m;
        }
    }
    *nout = w;
    return r;
}

static const char **dup_strs(snap_ent *e, const char *const *a, size_t n, bool *ok)
{
    const char **r = NULL;
    if (n) {
        r = iam__arena_alloc(&e->ar, n * sizeof(*r));
        if (r == NULL) {
            *ok = false;
            return NULL;
        }
        for (size_t i = 0; i < n; i++)
            r[i] = ar_dup(e, a[i], ok);
    }
    return r;
}

static iam_tags dup_tags(snap_ent *e, iam_tags t, bool *ok)
{
    iam_tag *r = NULL;
    if (t.n) {
        r = iam__arena_alloc(&e->ar, t.n * sizeof(*r));
        if (r == NULL) {
            *ok = false;
            return (iam_tags){ NULL, 0 };
        }
        for (size_t i = 0; i < t.n; i++)
            r[i] = (iam_tag){ ar_dup(e, t.items[i].key, ok), ar_dup(e, t.items[i].value, ok) };
    }
    return (iam_tags){ r, r ? t.n : 0 };
}

/* Compiled policies are shared (retained), not re-parsed. */
static iam_inline_policies dup_inline(snap_ent *e, iam_inline_policies ip, bool *ok)
{
    iam_inline_policy *r = NULL;
    if (ip.n) {
        r = iam__arena_alloc(&e->ar, ip.n * sizeof(*r));
        if (r == NULL) {
            *ok = false;
            return (iam_inline_policies){ NULL, 0 };
        }
        for (size_t i = 0; i < ip.n; i++) {
            r[i].name = ar_dup(e, ip.items[i].name, ok);
            r[i].document = ar_dup(e, ip.items[i].document, ok);
            r[i].compiled = ip.items[i].compiled ? iam_policy_retain((iam_policy *)(uintptr_t)ip.items[i].compiled)
                                                 : NULL;
        }
    }
    return (iam_inline_policies){ r, r ? ip.n : 0 };
}

static int grp_cmp(const void *a, const void *b)
{
    const iam_group *x = *(const iam_group *const *)a, *y = *(const iam_group *const *)b;
    for (size_t i = 0;; i++) {
        char cx = iam__lower(x->name[i]), cy = iam__lower(y->name[i]);
        if (cx != cy)
            return (unsigned char)cx < (unsigned char)cy ? -1 : 1;
        if (cx == '\0')
            return strcmp(x->name, y->name);
    }
}

static iam_err relink(ld *L, iam_entity_kind k, const void *old)
{
    const snap_ent *o = snap_ent_of(old);
    snap_ent *e = iam__snap_ent_new(k, 256);
    bool ok = true;
    size_t n;
    if (e == NULL)
        return IAM_E_NOMEM;
    e->slot = o->slot;
    switch (k) {
    case IAM_EK_USER: {
        const iam_user *s = &o->m.u;
        iam_user *d = &e->m.u;
        *d = *s;
        d->id = ar_dup(e, s->id, &ok);
        d->account = ar_dup(e, s->account, &ok);
        d->name = ar_dup(e, s->name, &ok);
        d->path = ar_dup(e, s->path, &ok);
        d->arn = ar_dup(e, s->arn, &ok);
        d->boundary_arn = ar_dup(e, s->boundary_arn, &ok);
        d->tags = dup_tags(e, s->tags, &ok);
        d->attached = (const iam_managed_policy *const *)remap_arr(L, e, IAM_EK_POLICY,
                                                                   (const void *const *)s->attached, s->n_attached,
                                                                   &d->n_attached, &ok);
        const void **g = remap_arr(L, e, IAM_EK_GROUP, (const void *const *)s->groups, s->n_groups, &n, &ok);
        if (g)
            qsort((void *)g, n, sizeof(*g), grp_cmp);
        d->groups = (const iam_group *const *)g;
        d->n_groups = n;
        d->keys = (const iam_access_key *const *)remap_arr(L, e, IAM_EK_ACCESS_KEY, (const void *const *)s->keys,
                                                           s->n_keys, &d->n_keys, &ok);
        d->mfa_devices = (const iam_mfa_device *const *)remap_arr(L, e, IAM_EK_MFA_DEVICE,
                                                                  (const void *const *)s->mfa_devices,
                                                                  s->n_mfa_devices, &d->n_mfa_devices, &ok);
        if (s->login_profile) {
            iam_login_profile *lp = iam__arena_alloc(&e->ar, sizeof(*lp));
            if (lp == NULL)
                ok = false;
            else {
                *lp = *s->login_profile;
                lp->password_hash = ar_dup(e, s->login_profile->password_hash, &ok);
            }
            d->login_profile = lp;
        }
        d->inline_policies = dup_inline(e, s->inline_policies, &ok);
        break;
    }
    case IAM_EK_GROUP: {
        const iam_group *s = &o->m.g;
        iam_group *d = &e->m.g;
        *d = *s;
        d->id = ar_dup(e, s->id, &ok);
        d->account = ar_dup(e, s->account, &ok);
        d->name = ar_dup(e, s->name, &ok);
        d->path = ar_dup(e, s->path, &ok);
        d->arn = ar_dup(e, s->arn, &ok);
        d->attached = (const iam_managed_policy *const *)remap_arr(L, e, IAM_EK_POLICY,
                                                                   (const void *const *)s->attached, s->n_attached,
                                                                   &d->n_attached, &ok);
        d->member_ids = dup_strs(e, s->member_ids, s->n_members, &ok);
        d->inline_policies = dup_inline(e, s->inline_policies, &ok);
        break;
    }
    case IAM_EK_ROLE: {
        const iam_role *s = &o->m.r;
        iam_role *d = &e->m.r;
        *d = *s;
        d->id = ar_dup(e, s->id, &ok);
        d->account = ar_dup(e, s->account, &ok);
        d->name = ar_dup(e, s->name, &ok);
        d->path = ar_dup(e, s->path, &ok);
        d->arn = ar_dup(e, s->arn, &ok);
        d->description = ar_dup(e, s->description, &ok);
        d->trust_document = ar_dup(e, s->trust_document, &ok);
        d->trust = s->trust ? iam_policy_retain((iam_policy *)(uintptr_t)s->trust) : NULL;
        d->boundary_arn = ar_dup(e, s->boundary_arn, &ok);
        d->last_used_region = ar_dup(e, s->last_used_region, &ok);
        d->tags = dup_tags(e, s->tags, &ok);
        d->attached = (const iam_managed_policy *const *)remap_arr(L, e, IAM_EK_POLICY,
                                                                   (const void *const *)s->attached, s->n_attached,
                                                                   &d->n_attached, &ok);
        d->instance_profile_ids = dup_strs(e, s->instance_profile_ids, s->n_instance_profiles, &ok);
        d->inline_policies = dup_inline(e, s->inline_policies, &ok);
        break;
    }
    case IAM_EK_INSTANCE_PROFILE: {
        const iam_instance_profile *s = &o->m.ip;
        iam_instance_profile *d = &e->m.ip;
        *d = *s;
        d->id = ar_dup(e, s->id, &ok);
        d->account = ar_dup(e, s->account, &ok);
        d->name = ar_dup(e, s->name, &ok);
        d->path = ar_dup(e, s->path, &ok);
        d->arn = ar_dup(e, s->arn, &ok);
        d->tags = dup_tags(e, s->tags, &ok);
        d->roles = (const iam_role *const *)remap_arr(L, e, IAM_EK_ROLE, (const void *const *)s->roles, s->n_roles,
                                                      &d->n_roles, &ok);
        break;
    }
    default: /* accounts, policies, keys and providers embed no entity: always re-read */
        iam__snap_ent_free(e);
        return IAM_E_INVALID;
    }
    if (!ok) {
        iam__snap_ent_free(e);
        return IAM_E_NOMEM;
    }
    return ent_place(L, e);
}

/* ---- apply -------------------------------------------------------------- */

static iam_err cow(ld *L, iam_entity_kind k)
{
    if (L->own[k])
        return IAM_OK;
    snap_tab *c = iam__snap_tab_clone(L->t[k]);
    if (c == NULL)
        return IAM_E_NOMEM;
    L->t[k] = c;
    L->own[k] = true;
    return IAM_OK;
}

static bool is_rebuilt(ld *L, iam_entity_kind k, uint32_t slot)
{
    return L->rebuilt[k] != NULL && slot < L->t[k]->n_slots && L->rebuilt[k][slot];
}

static iam_err mark_rebuilt_room(ld *L, iam_entity_kind k)
{
    /* Enough for every slot the table can reach in this apply. */
    size_t n = (size_t)L->t[k]->n_slots + L->reload[k].n + 1;
    L->rebuilt[k] = iam__calloc(n, 1);
    return L->rebuilt[k] ? IAM_OK : IAM_E_NOMEM;
}

static iam_err add_rd(ld *L, uint32_t pslot, uint32_t pk, uint32_t slot, int32_t add)
{
    if (!iam__grow((void **)&L->rd, &L->cap_rd, L->n_rd + 1, sizeof(*L->rd)))
        return IAM_E_NOMEM;
    L->rd[L->n_rd++] = (rdiff){ pslot, pk, slot, add };
    return IAM_OK;
}

/* Attachment changes of a re-read principal for the reverse index. */
static iam_err note_attachments(ld *L, iam_entity_kind k, const void *old, const void *now)
{
    uint32_t pk = k == IAM_EK_USER ? 0 : k == IAM_EK_GROUP ? 1 : 2;
    size_t no = 0, nn = 0;
    const iam_managed_policy *const *a = old ? attached_of(old, k, &no) : NULL;
    const iam_managed_policy *const *b = now ? attached_of(now, k, &nn) : NULL;
    uint32_t slot = snap_ent_of(old ? old : now)->slot;
    iam_err err = IAM_OK;
    for (size_t i = 0; err == IAM_OK && i < no; i++) {
        bool kept = false;
        for (size_t j = 0; j < nn; j++)
            kept |= snap_ent_of(b[j])->slot == snap_ent_of(a[i])->slot;
        if (!kept)
            err = add_rd(L, snap_ent_of(a[i])->slot, pk, slot, -1);
    }
    for (size_t j = 0; err == IAM_OK && j < nn; j++) {
        bool had = false;
        for (size_t i = 0; i < no; i++)
            had |= snap_ent_of(b[j])->slot == snap_ent_of(a[i])->slot;
        if (!had)
            err = add_rd(L, snap_ent_of(b[j])->slot, pk, slot, +1);
    }
    return err;
}

static iam_err reload_kind(ld *L, iam_entity_kind k)
{
    idset *set = &L->reload[k];
    iam_err err = IAM_OK;
    for (size_t i = 0; err == IAM_OK && i < set->n; i++) {
        const char *id = set->ids[i];
        snap_tab *t = L->t[k];
        uint32_t s = iam__snap_tab_find_id(t, iam_str_from_cstr(id));
        const void *old = s == UINT32_MAX ? NULL : t->objs[s];
        bool found = false;
        size_t from = L->n_born;
        if ((err = load_kind(L, k, id, &found)) != IAM_OK)
            break;
        if (k == IAM_EK_ROLE)
            compile_trusts(L, from);
        if (!found && old != NULL) {
            if (!ptr_push(&L->retired, &L->n_ret, &L->cap_ret, (void *)(uintptr_t)old))
                return IAM_E_NOMEM;
            iam__snap_tab_remove(t, old);
            L->rebuilt[k][s] = 1;
        }
        if (k == IAM_EK_USER || k == IAM_EK_GROUP || k == IAM_EK_ROLE) {
            s = iam__snap_tab_find_id(t, iam_str_from_cstr(id));
            err = note_attachments(L, k, old, s == UINT32_MAX ? NULL : t->objs[s]);
        }
    }
    return err;
}

/* Principals attached to a managed policy rebuilt in this apply (by prev's
 * reverse index: new attachments are re-read principals anyway). */
static iam_err relink_policy_users(ld *L, iam_entity_kind k)
{
    uint32_t pk = k == IAM_EK_USER ? 0 : k == IAM_EK_GROUP ? 1 : 2;
    const snap_revs *rv = L->prev->revs;
    iam_err err = IAM_OK;
    if (L->rebuilt[IAM_EK_POLICY] == NULL)
        return IAM_OK;
    for (uint32_t p = 0; err == IAM_OK && p < rv->n; p++) {
        const snap_rev *r = rv->r[p];
        if (r == NULL || !is_rebuilt(L, IAM_EK_POLICY, p))
            continue;
        size_t off = pk == 0 ? 0 : pk == 1 ? r->n[0] : (size_t)r->n[0] + r->n[1];
        for (uint32_t i = 0; err == IAM_OK && i < r->n[pk]; i++) {
            uint32_t s = r->items[off + i];
            if (!is_rebuilt(L, k, s) && s < L->t[k]->n_slots && L->t[k]->objs[s] != NULL)
                err = relink(L, k, L->t[k]->objs[s]);
        }
    }
    return err;
}

static iam_err build_kind(ld *L, iam_entity_kind k)
{
    iam_err err;
    bool any = L->reload[k].n > 0;
    /* Would anything of this kind need re-linking? */
    if (!any && (k == IAM_EK_USER || k == IAM_EK_GROUP || k == IAM_EK_ROLE))
        any = L->rebuilt[IAM_EK_POLICY] != NULL;
    if (!any && k == IAM_EK_USER)
        any = L->rebuilt[IAM_EK_GROUP] != NULL || L->rebuilt[IAM_EK_ACCESS_KEY] != NULL ||
              L->rebuilt[IAM_EK_MFA_DEVICE] != NULL;
    if (!any && k == IAM_EK_INSTANCE_PROFILE)
        any = L->rebuilt[IAM_EK_ROLE] != NULL;
    if (!any)
        return IAM_OK;
    if ((err = cow(L, k)) != IAM_OK || (err = mark_rebuilt_room(L, k)) != IAM_OK)
        return err;
    if ((err = reload_kind(L, k)) != IAM_OK)
        return err;
    if (k == IAM_EK_USER || k == IAM_EK_GROUP || k == IAM_EK_ROLE)
        if ((err = relink_policy_users(L, k)) != IAM_OK)
            return err;
    if (k == IAM_EK_USER && L->rebuilt[IAM_EK_GROUP] != NULL) {
        const snap_tab *gt = L->t[IAM_EK_GROUP];
        for (uint32_t g = 0; err == IAM_OK && g < gt->n_slots; g++) {
            if (!is_rebuilt(L, IAM_EK_GROUP, g) || gt->objs[g] == NULL)
                continue;
            const iam_group *grp = gt->objs[g];
            for (size_t i = 0; err == IAM_OK && i < grp->n_members; i++) {
                uint32_t s = iam__snap_tab_find_id(L->t[k], iam_str_from_cstr(grp->member_ids[i]));
                if (s != UINT32_MAX && !is_rebuilt(L, k, s) && L->t[k]->objs[s] != NULL)
                    err = relink(L, k, L->t[k]->objs[s]);
            }
        }
    }
    if (k == IAM_EK_INSTANCE_PROFILE && L->rebuilt[IAM_EK_ROLE] != NULL) {
        const snap_tab *rt = L->t[IAM_EK_ROLE];
        for (uint32_t r = 0; err == IAM_OK && r < rt->n_slots; r++) {
            if (!is_rebuilt(L, IAM_EK_ROLE, r) || rt->objs[r] == NULL)
                continue;
            const iam_role *role = rt->objs[r];
            for (size_t i = 0; err == IAM_OK && i < role->n_instance_profiles; i++) {
                uint32_t s = iam__snap_tab_find_id(L->t[k], iam_str_from_cstr(role->instance_profile_ids[i]));
                if (s != UINT32_MAX && !is_rebuilt(L, k, s) && L->t[k]->objs[s] != NULL)
                    err = relink(L, k, L->t[k]->objs[s]);
            }
        }
    }
    return err;
}

iam_err iam__snapshot_apply_db(const iam_snapshot *prev, sqlite3 *db, const iam_changes *ch, iam_snapshot **out,
                               iam_diag *diag)
{
    ld L;
    iam_err err = IAM_OK;
    snap_revs *revs = NULL;
    iam_snapshot *s = NULL;

    if (out == NULL)
        return IAM_E_INVALID;
    *out = NULL;
    if (prev == NULL || db == NULL || ch == NULL)
        return IAM_E_INVALID;
    /* Only the newest snapshot of a chain can be derived from (snapshot.c);
     * anything else starts a new chain. */
    if (prev->dom == NULL || !iam__snap_domain_is_tip(prev))
        return iam__snapshot_load_db(db, out, diag);
    memset(&L, 0, sizeof L);
    L.db = db;
    L.diag = diag;
    L.prev = prev;
    memcpy(L.partition, prev->partition, sizeof L.partition);
    for (int k = 1; k < SNAP_NKINDS; k++)
        L.t[k] = prev->t[k];
    for (size_t i = 0; err == IAM_OK && i < ch->n; i++)
        err = want(&L, ch->items[i].kind, ch->items[i].id);
    if (err == IAM_OK && sqlite3_exec(db, "SAVEPOINT snapshot_apply", NULL, NULL, NULL) != SQLITE_OK)
        err = db_fail(&L, "begin");
    /* Discovery may add ids of any kind; run it to a fixed point. */
    size_t done[SNAP_NKINDS] = { 0 };
    for (bool more = true; err == IAM_OK && more;) {
        more = false;
        for (int k = 1; err == IAM_OK && k < SNAP_NKINDS; k++)
            while (err == IAM_OK && done[k] < L.reload[k].n) {
                char *id = L.reload[k].ids[done[k]++];
                err = discover(&L, (iam_entity_kind)k, id);
                more = true;
            }
    }
    for (size_t i = 0; err == IAM_OK && i < sizeof build_order / sizeof build_order[0]; i++)
        err = build_kind(&L, build_order[i]);
    for (size_t i = 0; i < L.n_stc; i++)
        sqlite3_finalize(L.stc[i].st);
    L.n_stc = 0;
    sqlite3_exec(db, "RELEASE snapshot_apply", NULL, NULL, NULL);
    if (err == IAM_OK)
        err = revs_patch(&L, &revs);
    if (err == IAM_OK) {
        for (int k = 1; k < SNAP_NKINDS; k++)
            if (!L.own[k])
                iam__snap_tab_retain(L.t[k]);
        err = iam__snap_new(L.t, revs, ch->revision ? ch->revision : prev->revision, L.partition, &s);
        if (err != IAM_OK) {
            for (int k = 1; k < SNAP_NKINDS; k++)
                if (!L.own[k])
                    iam__snap_tab_release(L.t[k]);
            iam__snap_revs_release(revs);
        } else {
            for (int k = 1; k < SNAP_NKINDS; k++)
                L.own[k] = false;
        }
    }
    if (err == IAM_OK && (err = iam__snap_domain_extend(prev, s, L.retired, L.n_ret)) != IAM_OK) {
        iam__snap_discard(s, L.born, L.n_born);
        L.n_born = 0;
        s = NULL;
    }
    if (err != IAM_OK) {
        ld_abort(&L);
        ld_free(&L);
        return err;
    }
    ld_free(&L);
    *out = s;
    return IAM_OK;
}
