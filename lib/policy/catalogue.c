/* catalogue.c - the IAM action catalogue (iam/catalogue.h): one jansson
 * parse of data/action-catalogue.json copied into flat arrays (one arena
 * for the arrays, a bump pool for the strings), then the JSON is freed.
 * Action and service lookups go through open-addressing hash tables over
 * the lower-cased name; an action's condition keys and resource types point
 * at its service's own entries instead of copying the strings again. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "iam/catalogue.h"
#include "policy/policy_int.h"

#define CATALOGUE_FILE "action-catalogue.json"
#define GLOBALS_FILE "global-condition-keys.json"
#define FILE_MAX (64u << 20) /* the shipped catalogue is ~3.3 MB */
#define POOL_BLOCK (64u << 10)

/* ---- a bump pool for strings (the arena rounds every object to 16 bytes,
 * which would double the memory of ~100k short names) ---- */

typedef struct pool_block {
    struct pool_block *next;
    size_t cap, used;
    char data[];
} pool_block;

typedef struct slot {
    uint32_t hash;
    const void *item; /* iam_action_info* or svc* */
} slot;

typedef struct svc {
    iam_service_info info;
    iam_action_info *actions;
    iam_resource_type_info *rtypes;
    iam_condition_key_info *keys;
} svc;

struct iam_catalogue {
    iam__arena arena;
    pool_block *pool;
    size_t pool_bytes;
    svc *svcs;
    size_t n_svcs;
    iam_condition_key_info *globals;
    size_t n_globals;
    slot *actions;       /* open addressing, power-of-two size */
    size_t actions_mask;
    slot *services;
    size_t services_mask;
    iam_catalogue_stats stats;
};

static bool pool_dup(iam_catalogue *cat, const char *s, size_t n, iam_str *out)
{
    pool_block *b = cat->pool;
    if (b == NULL || b->cap - b->used < n + 1) {
        size_t cap = n + 1 > POOL_BLOCK ? n + 1 : POOL_BLOCK;
        b = iam__malloc(sizeof *b + cap);
        if (b == NULL)
            return false;
        b->next = cat->pool;
        b->cap = cap;
        b->used = 0;
        cat->pool = b;
        cat->pool_bytes += sizeof *b + cap;
    }
    char *p = b->data + b->used;
    memcpy(p, s, n);
    p[n] = '\0';
    b->used += n + 1;
    *out = (iam_str){ p, n };
    return true;
}

static bool pool_json(iam_catalogue *cat, const json_t *j, iam_str *out)
{
    return json_is_string(j) && pool_dup(cat, json_string_value(j), json_string_length(j), out);
}

/* ---- names ------------------------------------------------------------ */

static const char *const access_names[] = { "", "List", "Read", "Write", "Permissions management", "Tagging" };

const char *iam_access_level_name(iam_access_level level)
{
    return (unsigned)level < sizeof access_names / sizeof access_names[0] ? access_names[level] : "";
}

static const char *const key_type_names[] = { "",
                                              "String",
                                              "ARN",
                                              "Numeric",
                                              "Bool",
                                              "Date",
                                              "IPAddress",
                                              "Binary",
                                              "ArrayOfString",
                                              "ArrayOfARN",
                                              "ArrayOfNumeric",
                                              "ArrayOfBool",
                                              "ArrayOfDate",
                                              "ArrayOfIPAddress",
                                              "ArrayOfBinary" };

const char *iam_key_type_name(iam_key_type type)
{
    return (unsigned)type < sizeof key_type_names / sizeof key_type_names[0] ? key_type_names[type] : "";
}

bool iam_key_type_is_array(iam_key_type type)
{
    return type >= IAM_KT_ARRAY_OF_STRING && type <= IAM_KT_ARRAY_OF_BINARY;
}

iam_key_type iam_key_type_scalar(iam_key_type type)
{
    return iam_key_type_is_array(type) ? (iam_key_type)(type - (IAM_KT_ARRAY_OF_STRING - IAM_KT_STRING)) : type;
}

static iam_access_level parse_access(const char *s)
{
    for (size_t i = 1; i < sizeof access_names / sizeof access_names[0]; i++)
        if (strcmp(s, access_names[i]) == 0)
            return (iam_access_level)i;
    return IAM_ACCESS_UNKNOWN;
}

static iam_key_type parse_key_type(const char *s)
{
    iam_str t = iam_str_from_cstr(s);
    for (size_t i = 1; i < sizeof key_type_names / sizeof key_type_names[0]; i++)
        if (iam__str_eq_nocase(t, iam_str_from_cstr(key_type_names[i])))
            return (iam_key_type)i;
    return IAM_KT_UNKNOWN;
}

/* A key whose part after the first '/' is a placeholder ("${TagKey}",
 * "<key>", the global file's "tag-key", or nothing) names a family. */
static bool key_is_template(iam_str name)
{
    const char *slash = memchr(name.ptr, '/', name.len);
    if (slash == NULL)
        return false;
    iam_str rest = { slash + 1, name.len - (size_t)(slash + 1 - name.ptr) };
    return rest.len == 0 || rest.ptr[0] == '$' || rest.ptr[0] == '<' || iam_str_eq(rest, IAM_STR("tag-key"));
}

static size_t template_prefix_len(iam_str name)
{
    const char *slash = memchr(name.ptr, '/', name.len);
    return slash ? (size_t)(slash + 1 - name.ptr) : name.len;
}

static bool key_matches(const iam_condition_key_info *k, iam_str key)
{
    if (k->is_template) {
        size_t pl = template_prefix_len(k->name);
        return key.len >= pl && iam__str_eq_nocase((iam_str){ key.ptr, pl }, (iam_str){ k->name.ptr, pl });
    }
    return iam__str_eq_nocase(k->name, key);
}

/* ---- hash tables -------------------------------------------------------- */

static size_t table_size(size_t n)
{
    size_t sz = 16;
    while (sz < n * 2)
        sz *= 2;
    return sz;
}

static void table_put(slot *tab, size_t mask, uint32_t h, const void *item)
{
    size_t i = h & mask;
    while (tab[i].item != NULL)
        i = (i + 1) & mask;
    tab[i].hash = h;
    tab[i].item = item;
}

/* A throw-away name → position table for one service while it loads. */
typedef struct name_tab {
    slot *tab;
    size_t mask;
} name_tab;

static bool name_tab_init(name_tab *t, size_t n)
{
    size_t sz = table_size(n);
    t->tab = iam__calloc(sz, sizeof *t->tab);
    t->mask = sz - 1;
    return t->tab != NULL;
}

/* ---- loading ---------------------------------------------------------- */

typedef struct loader {
    iam_catalogue *cat;
    iam_diag *diag;
    const char *path;
} loader;

static iam_err malformed(loader *ld, const char *where, const char *what)
{
    if (ld->diag != NULL)
        iam__diag_set(ld->diag, where, 0, 0, "%s: %s", ld->path, what);
    return IAM_E_MALFORMED;
}

static iam_err load_json(const char *path, json_t **out, iam_diag *diag)
{
    char *buf = NULL;
    size_t len = 0;
    json_error_t je;
    iam_err err = iam__read_file(path, FILE_MAX, &buf, &len, diag);
    if (err != IAM_OK)
        return err;
    json_t *root = json_loadb(buf, len, 0, &je);
    iam__free(buf);
    if (root == NULL) {
        if (diag != NULL)
            iam__diag_set(diag, "", je.line, je.column, "%s: %s", path, je.text);
        return IAM_E_SYNTAX;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        if (diag != NULL)
            iam__diag_set(diag, "", 0, 0, "%s: the top level must be an object", path);
        return IAM_E_MALFORMED;
    }
    *out = root;
    return IAM_OK;
}

/* Finds `name` (exact) in a name table built over `names[i]` at `stride`. */
static long name_find(const name_tab *t, const void *base, size_t stride, iam_str name)
{
    uint32_t h = iam__hash_lower(name);
    for (size_t i = h & t->mask; t->tab[i].item != NULL; i = (i + 1) & t->mask) {
        if (t->tab[i].hash != h)
            continue;
        const iam_str *cand = t->tab[i].item; /* the entry's first member is its name */
        if (iam_str_eq(*cand, name))
            return (long)((size_t)((const char *)t->tab[i].item - (const char *)base) / stride);
    }
    return -1;
}

/* A list of condition-key names pointing at the service's own copies. */
static iam_err load_key_refs(loader *ld, svc *s, const name_tab *keys, const json_t *arr, const char *where,
                             const iam_str **out, size_t *n_out)
{
    iam_catalogue *cat = ld->cat;
    if (arr == NULL) {
        *out = NULL;
        *n_out = 0;
        return IAM_OK;
    }
    if (!json_is_array(arr))
        return malformed(ld, where, "conditions must be an array");
    size_t n = json_array_size(arr);
    iam_str *v = n ? iam__arena_alloc(&cat->arena, n * sizeof *v) : NULL;
    if (n && v == NULL)
        return IAM_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(arr, i);
        if (!json_is_string(e))
            return malformed(ld, where, "a condition key must be a string");
        iam_str name = { json_string_value(e), json_string_length(e) };
        long pos = name_find(keys, s->keys, sizeof *s->keys, name);
        if (pos >= 0)
            v[i] = s->keys[pos].name;
        else if (!pool_dup(cat, name.ptr, name.len, &v[i])) /* not defined by the service: keep a copy */
            return IAM_E_NOMEM;
    }
    *out = v;
    *n_out = n;
    return IAM_OK;
}

static iam_err load_service(loader *ld, svc *s, const char *prefix, const json_t *j)
{
    iam_catalogue *cat = ld->cat;
    json_t *jname = json_object_get(j, "name");
    json_t *jactions = json_object_get(j, "actions");
    json_t *jres = json_object_get(j, "resources");
    json_t *jconds = json_object_get(j, "conditions");
    name_tab keys = { NULL, 0 }, rtypes = { NULL, 0 };
    iam_err err = IAM_OK;
    const char *k;
    json_t *v;

    if (!json_is_object(j) || !json_is_object(jactions) || (jres != NULL && !json_is_object(jres)) ||
        (jconds != NULL && !json_is_object(jconds)))
        return malformed(ld, prefix, "a service needs an \"actions\" object (and object resources, conditions)");
    if (!pool_dup(cat, prefix, strlen(prefix), &s->info.prefix))
        return IAM_E_NOMEM;
    if (json_is_string(jname)) {
        if (!pool_json(cat, jname, &s->info.name))
            return IAM_E_NOMEM;
    } else {
        s->info.name = s->info.prefix;
    }

    /* condition keys first: everything else points at them */
    size_t nk = jconds ? json_object_size(jconds) : 0, nr = jres ? json_object_size(jres) : 0;
    size_t na = json_object_size(jactions);
    s->keys = iam__arena_alloc(&cat->arena, (nk ? nk : 1) * sizeof *s->keys);
    s->rtypes = iam__arena_alloc(&cat->arena, (nr ? nr : 1) * sizeof *s->rtypes);
    s->actions = iam__arena_alloc(&cat->arena, (na ? na : 1) * sizeof *s->actions);
    if (s->keys == NULL || s->rtypes == NULL || s->actions == NULL || !name_tab_init(&keys, nk) ||
        !name_tab_init(&rtypes, nr)) {
        err = IAM_E_NOMEM;
        goto out;
    }
    if (jconds != NULL) {
        json_object_foreach(jconds, k, v) {
            iam_condition_key_info *ck = &s->keys[s->info.n_condition_keys];
            if (!json_is_string(v)) {
                err = malformed(ld, k, "a condition key's type must be a string");
                goto out;
            }
            if (!pool_dup(cat, k, strlen(k), &ck->name)) {
                err = IAM_E_NOMEM;
                goto out;
            }
            ck->type = parse_key_type(json_string_value(v));
            ck->is_template = key_is_template(ck->name);
            table_put(keys.tab, keys.mask, iam__hash_lower(ck->name), ck);
            s->info.n_condition_keys++;
        }
    }
    if (jres != NULL) {
        json_object_foreach(jres, k, v) {
            iam_resource_type_info *rt = &s->rtypes[s->info.n_resource_types];
            const json_t *arn = json_object_get(v, "arn");
            if (!json_is_object(v) || !json_is_string(arn)) {
                err = malformed(ld, k, "a resource type needs an \"arn\" string");
                goto out;
            }
            if (!pool_dup(cat, k, strlen(k), &rt->name) || !pool_json(cat, arn, &rt->arn)) {
                err = IAM_E_NOMEM;
                goto out;
            }
            err = load_key_refs(ld, s, &keys, json_object_get(v, "conditions"), k, &rt->conditions,
                                &rt->n_conditions);
            if (err != IAM_OK)
                goto out;
            table_put(rtypes.tab, rtypes.mask, iam__hash_lower(rt->name), rt);
            s->info.n_resource_types++;
        }
    }
    json_object_foreach(jactions, k, v) {
        iam_action_info *a = &s->actions[s->info.n_actions];
        const json_t *access = json_object_get(v, "access");
        const json_t *res = json_object_get(v, "resources");
        const json_t *req = json_object_get(v, "required");
        const json_t *dep = json_object_get(v, "dependent");
        size_t kl = strlen(k);
        char full[512];
        if (!json_is_object(v) || (access != NULL && !json_is_string(access)) || (res != NULL && !json_is_array(res)) ||
            (req != NULL && !json_is_array(req)) || (dep != NULL && !json_is_array(dep)) ||
            s->info.prefix.len + 1 + kl >= sizeof full) {
            err = malformed(ld, k, "an action needs access, resources and conditions of the documented types");
            goto out;
        }
        memcpy(full, s->info.prefix.ptr, s->info.prefix.len);
        full[s->info.prefix.len] = ':';
        memcpy(full + s->info.prefix.len + 1, k, kl);
        if (!pool_dup(cat, full, s->info.prefix.len + 1 + kl, &a->full_name)) {
            err = IAM_E_NOMEM;
            goto out;
        }
        a->name = (iam_str){ a->full_name.ptr + s->info.prefix.len + 1, kl };
        a->service = &s->info;
        a->access = access ? parse_access(json_string_value(access)) : IAM_ACCESS_UNKNOWN;
        size_t nres = res ? json_array_size(res) : 0;
        if (nres > 0) {
            iam_action_resource *ar = iam__arena_alloc(&cat->arena, nres * sizeof *ar);
            if (ar == NULL) {
                err = IAM_E_NOMEM;
                goto out;
            }
            for (size_t i = 0; i < nres; i++) {
                const json_t *e = json_array_get(res, i);
                if (!json_is_string(e)) {
                    err = malformed(ld, k, "resource types must be strings");
                    goto out;
                }
                iam_str rn = { json_string_value(e), json_string_length(e) };
                long pos = name_find(&rtypes, s->rtypes, sizeof *s->rtypes, rn);
                if (pos < 0) {
                    err = malformed(ld, k, "an action names a resource type its service does not define");
                    goto out;
                }
                ar[i].type = &s->rtypes[pos];
                for (size_t r = 0; req != NULL && r < json_array_size(req); r++) {
                    const json_t *q = json_array_get(req, r);
                    if (json_is_string(q) && strcmp(json_string_value(q), rn.ptr) == 0)
                        ar[i].required = true;
                }
            }
            a->resources = ar;
            a->n_resources = nres;
        }
        err = load_key_refs(ld, s, &keys, json_object_get(v, "conditions"), k, &a->conditions, &a->n_conditions);
        if (err != IAM_OK)
            goto out;
        size_t nd = dep ? json_array_size(dep) : 0;
        if (nd > 0) {
            iam_str *d = iam__arena_alloc(&cat->arena, nd * sizeof *d);
            if (d == NULL) {
                err = IAM_E_NOMEM;
                goto out;
            }
            for (size_t i = 0; i < nd; i++) {
                if (!pool_json(cat, json_array_get(dep, i), &d[i])) {
                    err = json_is_string(json_array_get(dep, i)) ? IAM_E_NOMEM
                                                                  : malformed(ld, k, "dependent actions must be strings");
                    goto out;
                }
            }
            a->dependent = d;
            a->n_dependent = nd;
        }
        s->info.n_actions++;
    }
out:
    iam__free(keys.tab);
    iam__free(rtypes.tab);
    return err;
}

static iam_err load_globals(loader *ld, json_t *root)
{
    iam_catalogue *cat = ld->cat;
    size_t n = json_object_size(root);
    const char *k;
    json_t *v;
    cat->globals = iam__arena_alloc(&cat->arena, (n ? n : 1) * sizeof *cat->globals);
    if (cat->globals == NULL)
        return IAM_E_NOMEM;
    json_object_foreach(root, k, v) {
        iam_condition_key_info *g = &cat->globals[cat->n_globals];
        const json_t *type = json_is_object(v) ? json_object_get(v, "type") : v;
        if (!json_is_string(type))
            return malformed(ld, k, "a global key needs a \"type\" string");
        if (!pool_dup(cat, k, strlen(k), &g->name))
            return IAM_E_NOMEM;
        g->type = parse_key_type(json_string_value(type));
        g->is_template = key_is_template(g->name);
        cat->n_globals++;
    }
    return IAM_OK;
}

static iam_err build_tables(iam_catalogue *cat)
{
    size_t nsz = table_size(cat->stats.actions), ssz = table_size(cat->n_svcs);
    cat->actions = iam__calloc(nsz, sizeof *cat->actions);
    cat->services = iam__calloc(ssz, sizeof *cat->services);
    if (cat->actions == NULL || cat->services == NULL)
        return IAM_E_NOMEM;
    cat->actions_mask = nsz - 1;
    cat->services_mask = ssz - 1;
    for (size_t i = 0; i < cat->n_svcs; i++) {
        svc *s = &cat->svcs[i];
        table_put(cat->services, cat->services_mask, iam__hash_lower(s->info.prefix), s);
        for (size_t a = 0; a < s->info.n_actions; a++)
            table_put(cat->actions, cat->actions_mask, iam__hash_lower(s->actions[a].full_name), &s->actions[a]);
    }
    cat->stats.bytes = sizeof *cat + cat->arena.total + cat->pool_bytes + (nsz + ssz) * sizeof(slot);
    return IAM_OK;
}

iam_err iam_catalogue_load(const char *actions_path, const char *globals_path, iam_catalogue **out, iam_diag *diag)
{
    iam_catalogue *cat = NULL;
    json_t *root = NULL;
    iam_err err;
    const char *k;
    json_t *v;

    if (out == NULL)
        return IAM_E_INVALID;
    *out = NULL;
    if (actions_path == NULL)
        return IAM_E_INVALID;
    cat = iam__calloc(1, sizeof *cat);
    if (cat == NULL)
        return IAM_E_NOMEM;
    iam__arena_init(&cat->arena);
    loader ld = { cat, diag, actions_path };

    err = load_json(actions_path, &root, diag);
    if (err != IAM_OK)
        goto fail;
    cat->svcs = iam__arena_alloc(&cat->arena, (json_object_size(root) ? json_object_size(root) : 1) * sizeof *cat->svcs);
    if (cat->svcs == NULL) {
        err = IAM_E_NOMEM;
        goto fail;
    }
    json_object_foreach(root, k, v) {
        svc *s = &cat->svcs[cat->n_svcs];
        err = load_service(&ld, s, k, v);
        if (err != IAM_OK)
            goto fail;
        cat->n_svcs++;
        cat->stats.actions += s->info.n_actions;
        cat->stats.resource_types += s->info.n_resource_types;
        cat->stats.condition_keys += s->info.n_condition_keys;
    }
    json_decref(root);
    root = NULL;
    if (globals_path != NULL) {
        ld.path = globals_path;
        err = load_json(globals_path, &root, diag);
        if (err == IAM_OK)
            err = load_globals(&ld, root);
        if (err != IAM_OK)
            goto fail;
        json_decref(root);
        root = NULL;
    }
    cat->stats.services = cat->n_svcs;
    cat->stats.global_keys = cat->n_globals;
    err = build_tables(cat);
    if (err != IAM_OK)
        goto fail;
    *out = cat;
    return IAM_OK;
fail:
    if (err == IAM_E_NOMEM && diag != NULL)
        iam__diag_set(diag, "", 0, 0, "out of memory loading %s", ld.path);
    json_decref(root);
    iam_catalogue_free(cat);
    return err;
}

iam_err iam_catalogue_load_dir(const char *dir, iam_catalogue **out, iam_diag *diag)
{
    char a[4096], g[4096];
    if (out == NULL)
        return IAM_E_INVALID;
    *out = NULL;
    if (dir == NULL)
        return IAM_E_INVALID;
    int na = snprintf(a, sizeof a, "%s/%s", dir, CATALOGUE_FILE);
    int ng = snprintf(g, sizeof g, "%s/%s", dir, GLOBALS_FILE);
    if (na < 0 || (size_t)na >= sizeof a || ng < 0 || (size_t)ng >= sizeof g)
        return IAM_E_INVALID;
    return iam_catalogue_load(a, g, out, diag);
}

void iam_catalogue_free(iam_catalogue *cat)
{
    if (cat == NULL)
        return;
    for (pool_block *b = cat->pool, *next; b != NULL; b = next) {
        next = b->next;
        iam__free(b);
    }
    iam__free(cat->actions);
    iam__free(cat->services);
    iam__arena_free(&cat->arena);
    iam__free(cat);
}

void iam_catalogue_stats_get(const iam_catalogue *cat, iam_catalogue_stats *out)
{
    if (out == NULL)
        return;
    if (cat == NULL)
        memset(out, 0, sizeof *out);
    else
        *out = cat->stats;
}

/* ---- lookups ------------------------------------------------------------ */

const iam_action_info *iam_catalogue_action(const iam_catalogue *cat, iam_str action)
{
    if (cat == NULL || action.ptr == NULL || action.len == 0)
        return NULL;
    uint32_t h = iam__hash_lower(action);
    for (size_t i = h & cat->actions_mask; cat->actions[i].item != NULL; i = (i + 1) & cat->actions_mask) {
        const iam_action_info *a = cat->actions[i].item;
        if (cat->actions[i].hash == h && iam__str_eq_nocase(a->full_name, action))
            return a;
    }
    return NULL;
}

static const svc *find_service(const iam_catalogue *cat, iam_str prefix)
{
    if (cat == NULL || prefix.ptr == NULL || prefix.len == 0)
        return NULL;
    uint32_t h = iam__hash_lower(prefix);
    for (size_t i = h & cat->services_mask; cat->services[i].item != NULL; i = (i + 1) & cat->services_mask) {
        const svc *s = cat->services[i].item;
        if (cat->services[i].hash == h && iam__str_eq_nocase(s->info.prefix, prefix))
            return s;
    }
    return NULL;
}

const iam_service_info *iam_catalogue_service(const iam_catalogue *cat, iam_str prefix)
{
    const svc *s = find_service(cat, prefix);
    return s ? &s->info : NULL;
}

bool iam_catalogue_wildcard_only(const iam_action_info *action)
{
    return action != NULL && action->n_resources == 0;
}

/* Exact names win over templates: "aws:TagKeys" must not fall to a family. */
static const iam_condition_key_info *find_key(const iam_condition_key_info *keys, size_t n, iam_str key)
{
    const iam_condition_key_info *tmpl = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!keys[i].is_template && iam__str_eq_nocase(keys[i].name, key))
            return &keys[i];
        if (tmpl == NULL && keys[i].is_template && key_matches(&keys[i], key))
            tmpl = &keys[i];
    }
    return tmpl;
}

const iam_condition_key_info *iam_catalogue_global_key(const iam_catalogue *cat, iam_str key)
{
    if (cat == NULL || key.ptr == NULL)
        return NULL;
    return find_key(cat->globals, cat->n_globals, key);
}

const iam_condition_key_info *iam_catalogue_key(const iam_catalogue *cat, iam_str key)
{
    const iam_condition_key_info *g = iam_catalogue_global_key(cat, key);
    if (g != NULL || key.ptr == NULL)
        return g;
    const char *colon = memchr(key.ptr, ':', key.len);
    if (colon == NULL)
        return NULL;
    const svc *s = find_service(cat, (iam_str){ key.ptr, (size_t)(colon - key.ptr) });
    return s ? find_key(s->keys, s->info.n_condition_keys, key) : NULL;
}

iam_key_type iam_catalogue_key_type(const iam_catalogue *cat, iam_str key)
{
    const iam_condition_key_info *k = iam_catalogue_key(cat, key);
    return k ? k->type : IAM_KT_UNKNOWN;
}

/* ---- action patterns ---------------------------------------------------- */

/* '*' and '?' glob, case-insensitive, with the classic single backtrack
 * point (linear for patterns with one star, quadratic at worst). */
static bool glob_nocase(iam_str p, iam_str s)
{
    size_t pi = 0, si = 0, star = (size_t)-1, mark = 0;
    while (si < s.len) {
        if (pi < p.len && (p.ptr[pi] == '?' || iam__lower(p.ptr[pi]) == iam__lower(s.ptr[si]))) {
            pi++;
            si++;
        } else if (pi < p.len && p.ptr[pi] == '*') {
            star = pi++;
            mark = si;
        } else if (star != (size_t)-1) {
            pi = star + 1;
            si = ++mark;
        } else {
            return false;
        }
    }
    while (pi < p.len && p.ptr[pi] == '*')
        pi++;
    return pi == p.len;
}

static bool has_wildcard(iam_str s)
{
    return memchr(s.ptr, '*', s.len) != NULL || memchr(s.ptr, '?', s.len) != NULL;
}

size_t iam_catalogue_match_actions(const iam_catalogue *cat, iam_str pattern, iam_catalogue_visit_fn fn, void *ud)
{
    size_t count = 0;
    if (cat == NULL || pattern.ptr == NULL || pattern.len == 0)
        return 0;
    iam_str sp, ap;
    const char *colon = memchr(pattern.ptr, ':', pattern.len);
    if (colon == NULL) {
        if (!iam_str_eq(pattern, IAM_STR("*")))
            return 0; /* AWS: an action without a service matches nothing, except "*" */
        sp = pattern;
        ap = pattern;
    } else {
        sp = (iam_str){ pattern.ptr, (size_t)(colon - pattern.ptr) };
        ap = (iam_str){ colon + 1, pattern.len - sp.len - 1 };
    }
    bool exact_service = !has_wildcard(sp), exact_action = !has_wildcard(ap);
    if (exact_service && exact_action) {
        const iam_action_info *a = iam_catalogue_action(cat, pattern);
        if (a != NULL && fn != NULL)
            (void)fn(a, ud);
        return a != NULL;
    }
    const svc *only = exact_service ? find_service(cat, sp) : NULL;
    if (exact_service && only == NULL)
        return 0;
    for (size_t i = 0; i < cat->n_svcs; i++) {
        const svc *s = only ? only : &cat->svcs[i];
        if (only == NULL && !glob_nocase(sp, s->info.prefix))
            continue;
        for (size_t a = 0; a < s->info.n_actions; a++) {
            if (!glob_nocase(ap, s->actions[a].name))
                continue;
            count++;
            if (fn != NULL && !fn(&s->actions[a], ud))
                return count;
        }
        if (only != NULL)
            break;
    }
    return count;
}
