/* api_simulate.c - the policy simulator of the IAM Query API:
 * SimulateCustomPolicy, SimulatePrincipalPolicy, GetContextKeysForCustomPolicy
 * and GetContextKeysForPrincipalPolicy. Decisions come from the policy
 * engine (one iam_index per policy type, built per request); what the engine
 * does not keep - where each statement sits in its document, which condition
 * keys it reads - comes from a light second look at the JSON text
 * (sim_doc). Read-only: nothing here writes to the store. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_simulate.h"
#include "log.h"

#define SIM_MAX_ACTIONS 1000
#define SIM_MAX_RESOURCES 1000
#define SIM_MAX_INPUTS 1000
#define SIM_MAX_CONTEXT 1000
#define SIM_MAX_VALUES 1000
#define SIM_DOC_MAX 131072 /* policyDocumentType max */

/* ---- the catalogue: loaded once ---------------------------------------- */

static pthread_once_t catalogue_once = PTHREAD_ONCE_INIT;
static iam_catalogue *catalogue;

static void catalogue_load(void)
{
    iam_diag d;
    memset(&d, 0, sizeof d);
    if (iam_catalogue_load_dir(IAMD_DATA_DIR, &catalogue, &d) != IAM_OK) {
        catalogue = NULL;
        srv_log(SRV_LOG_ERROR, "action catalogue not loaded; simulator treats no action as wildcard-only", "dir",
                IAMD_DATA_DIR, "error", d.message, NULL);
    }
}

/* Fallback until server start-up owns the catalogue (see api_simulate.h). */
iam_catalogue *srv_catalogue(srv_call *c)
{
    (void)c;
    pthread_once(&catalogue_once, catalogue_load);
    return catalogue;
}

/* ---- one policy document as the simulator sees it ---------------------- */

typedef struct sim_pos {
    int line, column;
} sim_pos;

typedef struct sim_stmt {
    bool deny;
    bool not_action, not_resource, has_resource;
    iam_str *actions;
    size_t n_actions;
    iam_str *resources;
    size_t n_resources;
    iam_str *keys; /* condition keys and policy variables, as written, in document order */
    size_t n_keys;
    bool has_pos;
    sim_pos start, end;
} sim_stmt;

typedef struct sim_doc {
    const char *id;      /* SourcePolicyId */
    const char *type;    /* SourcePolicyType; NULL = omitted (custom inputs) */
    iam_str text;
    sim_stmt *stmts;
    size_t n_stmts;
} sim_doc;

/* A growable list of docs with their compiled policies, for one index. */
typedef struct sim_docs {
    sim_doc *docs;
    iam_policy **pols; /* owned references */
    size_t n, cap;
} sim_docs;

/* Everything one simulation holds; freed by sim_free on every path. */
typedef struct sim {
    sim_docs identity, boundary, resource;
    bool has_boundary;   /* a boundary takes part (even if empty) */
    iam_index *ix_identity, *ix_boundary, *ix_resource;
    iam_context *ctx;
    /* the request */
    iam_str *actions;
    size_t n_actions;
    iam_str *resources;
    size_t n_resources;
    bool resources_given;
    const char *caller_arn;
    iam_principal_kind caller_kind;
    iam_str resource_owner;
} sim;

static void docs_free(sim_docs *d)
{
    for (size_t i = 0; i < d->n; i++)
        iam_policy_free(d->pols[i]);
    free(d->pols);
    free(d->docs);
    memset(d, 0, sizeof *d);
}

static void sim_free(sim *s)
{
    docs_free(&s->identity);
    docs_free(&s->boundary);
    docs_free(&s->resource);
    iam_index_free(s->ix_identity);
    iam_index_free(s->ix_boundary);
    iam_index_free(s->ix_resource);
    iam_context_free(s->ctx);
}

/* ---- statement positions -------------------------------------------------
 * jansson keeps no positions, so a small scanner walks the text to the
 * top-level "Statement" and records where each statement object opens and
 * closes. AWS reports both as 1-based line and the column just past the
 * brace ('{' at column 37 → StartPosition column 38). */

typedef struct scan {
    const char *s;
    size_t n, i;
} scan;

static void sc_ws(scan *sc)
{
    while (sc->i < sc->n && (sc->s[sc->i] == ' ' || sc->s[sc->i] == '\t' || sc->s[sc->i] == '\n' ||
                             sc->s[sc->i] == '\r'))
        sc->i++;
}

static bool sc_string(scan *sc)
{
    if (sc->i >= sc->n || sc->s[sc->i] != '"')
        return false;
    for (sc->i++; sc->i < sc->n; sc->i++) {
        if (sc->s[sc->i] == '\\')
            sc->i++;
        else if (sc->s[sc->i] == '"') {
            sc->i++;
            return true;
        }
    }
    return false;
}

static bool sc_value(scan *sc)
{
    sc_ws(sc);
    if (sc->i >= sc->n)
        return false;
    char ch = sc->s[sc->i];
    if (ch == '"')
        return sc_string(sc);
    if (ch == '{' || ch == '[') {
        size_t depth = 0;
        while (sc->i < sc->n) {
            ch = sc->s[sc->i];
            if (ch == '"') {
                if (!sc_string(sc))
                    return false;
                continue;
            }
            if (ch == '{' || ch == '[')
                depth++;
            else if (ch == '}' || ch == ']') {
                depth--;
                if (depth == 0) {
                    sc->i++;
                    return true;
                }
            }
            sc->i++;
        }
        return false;
    }
    while (sc->i < sc->n && !strchr(",]} \t\r\n", sc->s[sc->i]))
        sc->i++;
    return true;
}

/* Line and column (in characters, not UTF-8 continuation bytes) of byte
 * `off`, continuing from the cursor (offsets must come in ascending order). */
typedef struct pos_cursor {
    size_t off, line_start;
    int line;
} pos_cursor;

static sim_pos pos_at(const char *s, size_t off, pos_cursor *cur)
{
    for (; cur->off < off; cur->off++)
        if (s[cur->off] == '\n') {
            cur->line++;
            cur->line_start = cur->off + 1;
        }
    int col = 1;
    for (size_t k = cur->line_start; k < off; k++)
        if (((unsigned char)s[k] & 0xC0) != 0x80)
            col++;
    return (sim_pos){ cur->line, col };
}

/* Records the statement spans of `d` (d->stmts already sized). */
static void find_positions(sim_doc *d)
{
    scan sc = { d->text.ptr, d->text.len, 0 };
    pos_cursor cur = { 0, 0, 1 };
    sc_ws(&sc);
    if (sc.i >= sc.n || sc.s[sc.i] != '{')
        return;
    sc.i++;
    for (;;) {
        sc_ws(&sc);
        if (sc.i >= sc.n || sc.s[sc.i] == '}')
            return;
        size_t ks = sc.i;
        if (!sc_string(&sc))
            return;
        iam_str key = { sc.s + ks + 1, sc.i - ks - 2 };
        sc_ws(&sc);
        if (sc.i >= sc.n || sc.s[sc.i] != ':')
            return;
        sc.i++;
        sc_ws(&sc);
        if (iam_str_eq(key, IAM_STR("Statement")) && sc.i < sc.n && (sc.s[sc.i] == '[' || sc.s[sc.i] == '{')) {
            bool array = sc.s[sc.i] == '[';
            size_t k = 0;
            if (array)
                sc.i++;
            for (;;) {
                sc_ws(&sc);
                if (sc.i >= sc.n || sc.s[sc.i] == ']')
                    break;
                size_t open = sc.i;
                if (!sc_value(&sc))
                    return;
                if (k < d->n_stmts && sc.s[open] == '{') {
                    d->stmts[k].has_pos = true;
                    d->stmts[k].start = pos_at(sc.s, open, &cur);
                    d->stmts[k].start.column++;
                    d->stmts[k].end = pos_at(sc.s, sc.i - 1, &cur);
                    d->stmts[k].end.column++;
                }
                k++;
                if (!array)
                    break;
                sc_ws(&sc);
                if (sc.i < sc.n && sc.s[sc.i] == ',')
                    sc.i++;
            }
            if (array && sc.i < sc.n)
                sc.i++; /* ']' */
        } else if (!sc_value(&sc)) {
            return;
        }
        sc_ws(&sc);
        if (sc.i < sc.n && sc.s[sc.i] == ',')
            sc.i++;
    }
}

/* ---- statement contents ------------------------------------------------ */

static bool str_list(srv_call *c, json_t *v, iam_str **out, size_t *n)
{
    size_t cnt = json_is_array(v) ? json_array_size(v) : json_is_string(v) ? 1 : 0;
    iam_str *items = srv_alloc(c, (cnt ? cnt : 1) * sizeof *items);
    if (items == NULL)
        return false;
    size_t k = 0;
    for (size_t i = 0; i < cnt; i++) {
        json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
        if (!json_is_string(e))
            continue;
        items[k++] = (iam_str){ json_string_value(e), json_string_length(e) };
    }
    *out = items;
    *n = k;
    return true;
}

/* Appends `key` unless present (case-insensitive); keys are copied. */
typedef struct key_list {
    iam_str *items;
    size_t n, cap;
} key_list;

static bool eq_nocase(iam_str a, iam_str b)
{
    if (a.len != b.len)
        return false;
    for (size_t i = 0; i < a.len; i++) {
        char x = a.ptr[i], y = b.ptr[i];
        if (x >= 'A' && x <= 'Z')
            x = (char)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (char)(y + 32);
        if (x != y)
            return false;
    }
    return true;
}

static bool keys_add(srv_call *c, key_list *l, iam_str key)
{
    for (size_t i = 0; i < l->n; i++)
        if (eq_nocase(l->items[i], key))
            return true;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        iam_str *items = srv_alloc(c, cap * sizeof *items);
        if (items == NULL)
            return false;
        if (l->n)
            memcpy(items, l->items, l->n * sizeof *items);
        l->items = items;
        l->cap = cap;
    }
    char *copy = srv_strndup(c, key);
    if (copy == NULL)
        return false;
    l->items[l->n++] = (iam_str){ copy, key.len };
    return true;
}

/* Policy variables in `s`: ${aws:username} or ${aws:username, 'default'};
 * ${*}, ${?}, ${$} are escapes, not keys. */
static bool add_variables(srv_call *c, key_list *l, iam_str s)
{
    for (size_t i = 0; i + 1 < s.len; i++) {
        if (s.ptr[i] != '$' || s.ptr[i + 1] != '{')
            continue;
        size_t b = i + 2, e = b;
        while (e < s.len && s.ptr[e] != '}' && s.ptr[e] != ',')
            e++;
        if (e >= s.len)
            return true;
        while (b < e && s.ptr[b] == ' ')
            b++;
        size_t t = e;
        while (t > b && s.ptr[t - 1] == ' ')
            t--;
        iam_str key = { s.ptr + b, t - b };
        if (memchr(key.ptr, ':', key.len) != NULL && !keys_add(c, l, key))
            return false;
        i = e;
    }
    return true;
}

static bool add_value_variables(srv_call *c, key_list *l, json_t *v)
{
    if (json_is_string(v))
        return add_variables(c, l, (iam_str){ json_string_value(v), json_string_length(v) });
    for (size_t i = 0; json_is_array(v) && i < json_array_size(v); i++)
        if (!add_value_variables(c, l, json_array_get(v, i)))
            return false;
    return true;
}

static bool parse_stmt(srv_call *c, json_t *j, sim_stmt *st)
{
    key_list keys = { 0 };
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v) {
        bool ok = true;
        if (strcmp(k, "Effect") == 0) {
            st->deny = json_is_string(v) && strcmp(json_string_value(v), "Deny") == 0;
        } else if (strcmp(k, "Action") == 0 || strcmp(k, "NotAction") == 0) {
            st->not_action = k[0] == 'N';
            ok = str_list(c, v, &st->actions, &st->n_actions);
        } else if (strcmp(k, "Resource") == 0 || strcmp(k, "NotResource") == 0) {
            st->not_resource = k[0] == 'N';
            st->has_resource = true;
            ok = str_list(c, v, &st->resources, &st->n_resources);
            for (size_t i = 0; ok && i < st->n_resources; i++)
                ok = add_variables(c, &keys, st->resources[i]);
        } else if (strcmp(k, "Condition") == 0 && json_is_object(v)) {
            const char *op;
            json_t *block;
            json_object_foreach(v, op, block) {
                const char *key;
                json_t *vals;
                if (!json_is_object(block))
                    continue;
                json_object_foreach(block, key, vals) {
                    ok = ok && keys_add(c, &keys, iam_str_from_cstr(key)) && add_value_variables(c, &keys, vals);
                }
            }
        }
        if (!ok)
            return false;
    }
    st->keys = keys.items;
    st->n_keys = keys.n;
    return true;
}

/* Reads the statements of `d->text` (already validated). The strings point
 * into copies owned by the request. */
static bool doc_load(srv_call *c, sim_doc *d)
{
    json_error_t je;
    json_t *root = json_loadb(d->text.ptr, d->text.len, 0, &je);
    if (root == NULL)
        return true; /* the engine accepted it; positions and keys are best effort */
    json_t *stmts = json_object_get(root, "Statement");
    size_t n = json_is_array(stmts) ? json_array_size(stmts) : json_is_object(stmts) ? 1 : 0;
    d->stmts = srv_alloc(c, (n ? n : 1) * sizeof *d->stmts);
    bool ok = d->stmts != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        json_t *s = json_is_array(stmts) ? json_array_get(stmts, i) : stmts;
        if (json_is_object(s))
            ok = parse_stmt(c, s, &d->stmts[i]);
    }
    if (ok) {
        /* parse_stmt borrowed jansson's strings: copy them before the tree goes */
        for (size_t i = 0; ok && i < n; i++) {
            sim_stmt *st = &d->stmts[i];
            for (size_t a = 0; ok && a < st->n_actions; a++)
                ok = (st->actions[a].ptr = srv_strndup(c, st->actions[a])) != NULL;
            for (size_t r = 0; ok && r < st->n_resources; r++)
                ok = (st->resources[r].ptr = srv_strndup(c, st->resources[r])) != NULL;
        }
        d->n_stmts = n;
    }
    json_decref(root);
    if (ok)
        find_positions(d);
    return ok;
}

/* Adds one document with its compiled policy (a new reference is taken). */
static bool docs_add(srv_call *c, sim_docs *l, const char *id, const char *type, iam_str text, iam_policy *pol)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        sim_doc *docs = realloc(l->docs, cap * sizeof *docs);
        if (docs == NULL)
            return false;
        l->docs = docs;
        iam_policy **pols = realloc(l->pols, cap * sizeof *pols);
        if (pols == NULL)
            return false;
        l->pols = pols;
        l->cap = cap;
    }
    sim_doc *d = &l->docs[l->n];
    memset(d, 0, sizeof *d);
    d->id = id;
    d->type = type;
    d->text = text;
    if (!doc_load(c, d))
        return false;
    l->pols[l->n++] = iam_policy_retain(pol);
    return true;
}

/* ---- wildcard matching for "does this statement concern the request" ---- */

static bool glob(iam_str p, iam_str s, bool nocase)
{
    size_t pi = 0, si = 0, star = (size_t)-1, mark = 0;
    while (si < s.len) {
        char pc = pi < p.len ? p.ptr[pi] : 0, ch = s.ptr[si];
        if (nocase) {
            if (pc >= 'A' && pc <= 'Z')
                pc = (char)(pc + 32);
            if (ch >= 'A' && ch <= 'Z')
                ch = (char)(ch + 32);
        }
        if (pi < p.len && (pc == '?' || pc == ch) && pc != '*') {
            pi++;
            si++;
        } else if (pi < p.len && pc == '*') {
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

/* A resource pattern with its policy variables read as '*' (a statement
 * naming ${aws:username} concerns every user until the key is known). */
static bool resource_glob(srv_call *c, iam_str p, iam_str s)
{
    bool vars = false;
    for (size_t i = 0; i + 1 < p.len && !vars; i++)
        vars = p.ptr[i] == '$' && p.ptr[i + 1] == '{';
    if (!vars)
        return glob(p, s, false);
    char *buf = srv_alloc(c, p.len + 1);
    if (buf == NULL)
        return true;
    size_t n = 0;
    for (size_t i = 0; i < p.len; i++) {
        if (p.ptr[i] == '$' && i + 1 < p.len && p.ptr[i + 1] == '{') {
            const char *e = memchr(p.ptr + i, '}', p.len - i);
            if (e != NULL) {
                buf[n++] = '*';
                i = (size_t)(e - p.ptr);
                continue;
            }
        }
        buf[n++] = p.ptr[i];
    }
    return glob((iam_str){ buf, n }, s, false);
}

static bool stmt_concerns(srv_call *c, const sim_stmt *st, iam_str action, iam_str resource)
{
    bool any = false;
    for (size_t i = 0; i < st->n_actions && !any; i++)
        any = glob(st->actions[i], action, true);
    if (any == st->not_action)
        return false;
    if (!st->has_resource)
        return true;
    if (iam_str_eq(resource, IAM_STR("*")) && st->not_resource)
        return st->deny;
    any = false;
    for (size_t i = 0; i < st->n_resources && !any; i++)
        any = resource_glob(c, st->resources[i], resource);
    return any != st->not_resource;
}

/* ---- parameters ------------------------------------------------------------ */

/* The policy documents of list parameter `name`, validated for `kind`,
 * compiled and added to `l` with ids "<name>.<i>". */
static bool param_policies(srv_call *c, const char *name, bool required, iam_policy_kind kind, sim_docs *l)
{
    iam_str *items;
    size_t n;
    if (!srv_param_list(c, name, SIM_MAX_INPUTS, &items, &n))
        return false;
    if (required && n == 0)
        return srv_fail(c, "ValidationError",
                        "1 validation error detected: Value null at '%c%s' failed to satisfy constraint: Member must "
                        "not be null",
                        name[0] + 32, name + 1);
    for (size_t i = 0; i < n; i++) {
        if (items[i].len == 0 || items[i].len > SIM_DOC_MAX)
            return srv_fail(c, "ValidationError",
                            "1 validation error detected: Value at '%c%s.%zu.member' failed to satisfy constraint: "
                            "Member must have length between 1 and %d",
                            name[0] + 32, name + 1, i + 1, SIM_DOC_MAX);
        iam_findings f;
        if (iam_policy_validate(items[i].ptr, items[i].len, kind, &f) != IAM_OK)
            return srv_fail(c, "ServiceFailure", "Request processing has failed due to an unknown error.");
        if (f.errors > 0) {
            char *msg = srv_strndup(c, iam_str_from_cstr(f.items[0].message));
            iam_findings_free(&f);
            return srv_fail(c, "MalformedPolicyDocument", "%s.%zu: %s", name, i + 1,
                            msg && *msg ? msg : "Syntax errors in policy.");
        }
        iam_findings_free(&f);
        iam_policy *p = NULL;
        iam_diag d;
        if (iam_policy_parse(items[i].ptr, items[i].len, 0, &p, &d) != IAM_OK)
            return srv_fail(c, "MalformedPolicyDocument", "%s.%zu: %s", name, i + 1, d.message);
        bool ok = docs_add(c, l, srv_strf(c, "%s.%zu", name, i + 1), NULL, items[i], p);
        iam_policy_free(p);
        if (!ok)
            return srv_fail(c, "InternalFailure", "Out of memory.");
    }
    return true;
}

static bool valid_context_type(iam_str t)
{
    static const char *const types[] = { "string", "stringList", "numeric", "numericList", "boolean", "booleanList",
                                         "ip",     "ipList",     "binary",  "binaryList",  "date",    "dateList" };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (iam_str_eq(t, iam_str_from_cstr(types[i])))
            return true;
    return false;
}

static bool value_ok(iam_str type, iam_str v)
{
    char buf[64];
    if (iam_str_eq(type, IAM_STR("numeric")) || iam_str_eq(type, IAM_STR("numericList"))) {
        if (v.len == 0 || v.len >= sizeof buf)
            return false;
        memcpy(buf, v.ptr, v.len);
        buf[v.len] = 0;
        char *end;
        errno = 0;
        (void)strtod(buf, &end);
        return *end == 0 && errno == 0;
    }
    if (iam_str_eq(type, IAM_STR("boolean")) || iam_str_eq(type, IAM_STR("booleanList")))
        return eq_nocase(v, IAM_STR("true")) || eq_nocase(v, IAM_STR("false"));
    return true;
}

/* ContextEntries.member.N.{ContextKeyName, ContextKeyValues.member.M,
 * ContextKeyType} → the simulation's context (only what the caller gave:
 * the simulator adds no request keys of its own). */
static bool param_context(srv_call *c, sim *s)
{
    static const char pre[] = "ContextEntries.member.";
    size_t np = iam_form_count(c->params), max = 0;
    const iam_param *ps = iam_form_params(c->params);
    for (size_t i = 0; i < np; i++) {
        if (ps[i].name.len <= sizeof pre - 1 || memcmp(ps[i].name.ptr, pre, sizeof pre - 1) != 0)
            continue;
        size_t idx = 0, k = sizeof pre - 1;
        while (k < ps[i].name.len && ps[i].name.ptr[k] >= '0' && ps[i].name.ptr[k] <= '9' && idx < 100000)
            idx = idx * 10 + (size_t)(ps[i].name.ptr[k++] - '0');
        if (idx > max)
            max = idx;
    }
    if (max > SIM_MAX_CONTEXT)
        return srv_fail(c, "InvalidInput", "Too many context entries (at most %d).", SIM_MAX_CONTEXT);
    if (iam_context_new(&s->ctx) != IAM_OK)
        return srv_fail(c, "InternalFailure", "Out of memory.");
    for (size_t i = 1; i <= max; i++) {
        iam_str name, type, *vals;
        size_t nv;
        if (!srv_param(c, srv_strf(c, "ContextEntries.member.%zu.ContextKeyName", i), false, &name) ||
            !srv_param(c, srv_strf(c, "ContextEntries.member.%zu.ContextKeyType", i), false, &type) ||
            !srv_param_list(c, srv_strf(c, "ContextEntries.member.%zu.ContextKeyValues", i), SIM_MAX_VALUES, &vals,
                            &nv))
            return false;
        if (name.ptr == NULL)
            continue;
        if (name.len < 5 || name.len > 256)
            return srv_fail(c, "ValidationError",
                            "1 validation error detected: Value '%.*s' at 'contextEntries.%zu.member.contextKeyName' "
                            "failed to satisfy constraint: Member must have length between 5 and 256",
                            (int)(name.len > 256 ? 256 : name.len), name.ptr, i);
        if (type.ptr != NULL && !valid_context_type(type))
            return srv_fail(c, "ValidationError",
                            "1 validation error detected: Value '%.*s' at 'contextEntries.%zu.member.contextKeyType' "
                            "failed to satisfy constraint: Member must satisfy enum value set: [string, stringList, "
                            "numeric, numericList, boolean, booleanList, ip, ipList, binary, binaryList, date, "
                            "dateList]",
                            (int)(type.len > 64 ? 64 : type.len), type.ptr, i);
        if (type.ptr != NULL) {
            bool list = type.len > 4 && memcmp(type.ptr + type.len - 4, "List", 4) == 0;
            if (!list && nv > 1)
                return srv_fail(c, "InvalidInput", "Context key %.*s of type %.*s takes one value.", (int)name.len,
                                name.ptr, (int)type.len, type.ptr);
            for (size_t v = 0; v < nv; v++)
                if (!value_ok(type, vals[v]))
                    return srv_fail(c, "InvalidInput", "Invalid value '%.*s' for context key %.*s of type %.*s.",
                                    (int)(vals[v].len > 64 ? 64 : vals[v].len), vals[v].ptr, (int)name.len, name.ptr,
                                    (int)type.len, type.ptr);
        }
        if (iam_context_set(s->ctx, name, vals, nv) != IAM_OK)
            return srv_fail(c, "InternalFailure", "Out of memory.");
    }
    return true;
}

/* The principal kind an ARN names (the simulator's caller). */
static iam_principal_kind arn_kind(const char *arn)
{
    if (strstr(arn, ":assumed-role/") != NULL)
        return IAM_PK_ASSUMED_ROLE_SESSION;
    if (strstr(arn, ":role/") != NULL)
        return IAM_PK_IAM_ROLE;
    if (strstr(arn, ":federated-user/") != NULL)
        return IAM_PK_FEDERATED_USER;
    size_t n = strlen(arn);
    if (n > 5 && strcmp(arn + n - 5, ":root") == 0)
        return IAM_PK_ACCOUNT_ROOT;
    return IAM_PK_IAM_USER;
}

/* The parameters both Simulate* actions share (PolicyInputList is read by
 * each action itself). */
static bool param_common(srv_call *c, sim *s, const char *default_caller)
{
    iam_str caller, owner, rp, rho;
    if (!srv_param_list(c, "ActionNames", SIM_MAX_ACTIONS, &s->actions, &s->n_actions))
        return false;
    if (s->n_actions == 0)
        return srv_fail(c, "ValidationError", "1 validation error detected: Value null at 'actionNames' failed to "
                                              "satisfy constraint: Member must not be null");
    for (size_t i = 0; i < s->n_actions; i++)
        if (s->actions[i].len < 3 || s->actions[i].len > 128)
            return srv_fail(c, "ValidationError",
                            "1 validation error detected: Value '%.*s' at 'actionNames.%zu.member' failed to "
                            "satisfy constraint: Member must have length between 3 and 128",
                            (int)(s->actions[i].len > 128 ? 128 : s->actions[i].len), s->actions[i].ptr, i + 1);
    if (!srv_param_list(c, "ResourceArns", SIM_MAX_RESOURCES, &s->resources, &s->n_resources))
        return false;
    for (size_t i = 0; i < s->n_resources; i++)
        if (s->resources[i].len < 1 || s->resources[i].len > 2048)
            return srv_fail(c, "ValidationError",
                            "1 validation error detected: Value at 'resourceArns.%zu.member' failed to satisfy "
                            "constraint: Member must have length between 1 and 2048",
                            i + 1);
    s->resources_given = s->n_resources > 0;
    if (!s->resources_given) {
        static const iam_str star = IAM_STR("*");
        s->resources = (iam_str *)(uintptr_t)&star;
        s->n_resources = 1;
    }
    if (!srv_param(c, "CallerArn", false, &caller) || !srv_param(c, "ResourceOwner", false, &owner) ||
        !srv_param(c, "ResourceHandlingOption", false, &rho))
        return false;
    if (caller.ptr != NULL && (caller.len < 1 || caller.len > 2048 || caller.len < 4 ||
                               memcmp(caller.ptr, "arn:", 4) != 0))
        return srv_fail(c, "InvalidInput", "Invalid CallerArn: %.*s", (int)(caller.len > 256 ? 256 : caller.len),
                        caller.ptr);
    if (rho.ptr != NULL && (rho.len < 1 || rho.len > 64))
        return srv_fail(c, "ValidationError", "1 validation error detected: Value at 'resourceHandlingOption' "
                                              "failed to satisfy constraint: Member must have length between 1 and 64");
    s->caller_arn = caller.ptr ? srv_strndup(c, caller) : default_caller;
    if (caller.ptr != NULL && s->caller_arn == NULL)
        return srv_fail(c, "InternalFailure", "Out of memory.");
    s->caller_kind = s->caller_arn ? arn_kind(s->caller_arn) : IAM_PK_IAM_USER;
    s->resource_owner = owner.ptr ? owner : IAM_STR_NULL;
    if (!param_policies(c, "PermissionsBoundaryPolicyInputList", false, IAM_KIND_IDENTITY, &s->boundary))
        return false;
    if (s->boundary.n > 0)
        s->has_boundary = true;
    if (!srv_param(c, "ResourcePolicy", false, &rp))
        return false;
    if (rp.ptr != NULL) {
        /* one document, so the same path as the lists with id "ResourcePolicy" */
        iam_findings f;
        if (rp.len == 0 || rp.len > SIM_DOC_MAX)
            return srv_fail(c, "ValidationError", "1 validation error detected: Value at 'resourcePolicy' failed to "
                                                  "satisfy constraint: Member must have length between 1 and 131072");
        if (iam_policy_validate(rp.ptr, rp.len, IAM_KIND_RESOURCE, &f) != IAM_OK)
            return srv_fail(c, "ServiceFailure", "Request processing has failed due to an unknown error.");
        if (f.errors > 0) {
            char *msg = srv_strndup(c, iam_str_from_cstr(f.items[0].message));
            iam_findings_free(&f);
            return srv_fail(c, "MalformedPolicyDocument", "ResourcePolicy: %s", msg ? msg : "Syntax errors in policy.");
        }
        iam_findings_free(&f);
        iam_policy *p = NULL;
        iam_diag d;
        if (iam_policy_parse(rp.ptr, rp.len, 0, &p, &d) != IAM_OK)
            return srv_fail(c, "MalformedPolicyDocument", "ResourcePolicy: %s", d.message);
        bool ok = docs_add(c, &s->resource, "ResourcePolicy", "resource", rp, p);
        iam_policy_free(p);
        if (!ok)
            return srv_fail(c, "InternalFailure", "Out of memory.");
    }
    return param_context(c, s);
}

/* ---- the principal's own policies (SimulatePrincipalPolicy, GetContextKeysForPrincipalPolicy) */

typedef struct sim_principal {
    const iam_user *user;
    const iam_group *group;
    const iam_role *role;
    const char *arn;
} sim_principal;

/* PolicySourceArn → the user, group or role of the caller's account. */
static bool param_source(srv_call *c, sim_principal *p, iam_str *arn_out)
{
    iam_str arn;
    memset(p, 0, sizeof *p);
    if (!srv_param(c, "PolicySourceArn", true, &arn))
        return false;
    if (arn.len < 20 || arn.len > 2048)
        return srv_fail(c, "ValidationError",
                        "1 validation error detected: Value '%.*s' at 'policySourceArn' failed to satisfy "
                        "constraint: Member must have length between 20 and 2048",
                        (int)(arn.len > 256 ? 256 : arn.len), arn.ptr);
    *arn_out = arn;
    return true;
}

static bool lookup_source(srv_call *c, iam_str arn, sim_principal *p)
{
    /* arn:PARTITION:iam::ACCOUNT:TYPE/PATH/NAME */
    const char *s = arn.ptr, *end = arn.ptr + arn.len;
    const char *f[6];
    size_t nf = 0;
    f[nf++] = s;
    for (const char *q = s; q < end && nf < 6; q++)
        if (*q == ':')
            f[nf++] = q + 1;
    /* fields: arn | partition | iam | (empty region) | account | resource */
    if (nf < 6 || memcmp(s, "arn:", 4) != 0 || f[3] - f[2] != 4 || memcmp(f[2], "iam:", 4) != 0 || f[4] - f[3] != 1)
        return srv_fail(c, "InvalidInput", "Invalid ARN: %.*s", (int)(arn.len > 256 ? 256 : arn.len), arn.ptr);
    iam_str account = { f[4], (size_t)(f[5] - f[4] - 1) };
    iam_str res = { f[5], (size_t)(end - f[5]) };
    const char *slash = memchr(res.ptr, '/', res.len);
    const char *last = res.ptr + res.len;
    while (last > res.ptr && last[-1] != '/')
        last--;
    iam_str type = { res.ptr, slash ? (size_t)(slash - res.ptr) : res.len };
    iam_str name = { last, (size_t)(end - last) };
    if (slash == NULL || name.len == 0)
        return srv_fail(c, "InvalidInput", "Invalid PolicySourceArn: %.*s", (int)(arn.len > 256 ? 256 : arn.len),
                        arn.ptr);
    bool same = iam_str_eq(account, iam_str_from_cstr(c->caller->account));
    if (iam_str_eq(type, IAM_STR("user"))) {
        p->user = same ? iam_snap_user(c->snap, account, name) : NULL;
        if (p->user == NULL || strlen(p->user->arn) != arn.len || memcmp(p->user->arn, arn.ptr, arn.len) != 0)
            return srv_fail(c, "NoSuchEntity", "The user with name %.*s cannot be found.", (int)name.len, name.ptr);
        p->arn = p->user->arn;
    } else if (iam_str_eq(type, IAM_STR("group"))) {
        p->group = same ? iam_snap_group(c->snap, account, name) : NULL;
        if (p->group == NULL || strlen(p->group->arn) != arn.len || memcmp(p->group->arn, arn.ptr, arn.len) != 0)
            return srv_fail(c, "NoSuchEntity", "The group with name %.*s cannot be found.", (int)name.len, name.ptr);
        p->arn = p->group->arn;
    } else if (iam_str_eq(type, IAM_STR("role"))) {
        p->role = same ? iam_snap_role(c->snap, account, name) : NULL;
        if (p->role == NULL || strlen(p->role->arn) != arn.len || memcmp(p->role->arn, arn.ptr, arn.len) != 0)
            return srv_fail(c, "NoSuchEntity", "The role with name %.*s cannot be found.", (int)name.len, name.ptr);
        p->arn = p->role->arn;
    } else {
        return srv_fail(c, "InvalidInput", "Invalid PolicySourceArn: only users, groups and roles can be simulated.");
    }
    return true;
}

static const char *managed_type(const iam_managed_policy *m)
{
    return strcmp(m->account, IAM_AWS_ACCOUNT) == 0 ? "aws-managed" : "user-managed";
}

static bool add_inline(srv_call *c, sim_docs *l, iam_inline_policies ip, const char *type)
{
    for (size_t i = 0; i < ip.n; i++)
        if (ip.items[i].compiled != NULL &&
            !docs_add(c, l, ip.items[i].name, type, iam_str_from_cstr(ip.items[i].document),
                      (iam_policy *)(uintptr_t)ip.items[i].compiled))
            return false;
    return true;
}

static bool add_managed(srv_call *c, sim_docs *l, const iam_managed_policy *const *m, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (m[i]->compiled != NULL && m[i]->default_version != NULL &&
            !docs_add(c, l, m[i]->name, managed_type(m[i]), iam_str_from_cstr(m[i]->default_version->document),
                      (iam_policy *)(uintptr_t)m[i]->compiled))
            return false;
    return true;
}

/* The principal's policies in a fixed order (its inline, its attached, then
 * per group the group's inline and attached) so that a match's position in
 * the index names its policy; and its boundary unless inputs replace it. */
static bool principal_policies(srv_call *c, const sim_principal *p, sim *s)
{
    const char *boundary = NULL;
    bool ok = true;
    if (p->user != NULL) {
        const iam_user *u = p->user;
        ok = add_inline(c, &s->identity, u->inline_policies, "user") &&
             add_managed(c, &s->identity, u->attached, u->n_attached);
        for (size_t g = 0; ok && g < u->n_groups; g++)
            ok = add_inline(c, &s->identity, u->groups[g]->inline_policies, "group") &&
                 add_managed(c, &s->identity, u->groups[g]->attached, u->groups[g]->n_attached);
        boundary = u->boundary_arn;
    } else if (p->group != NULL) {
        ok = add_inline(c, &s->identity, p->group->inline_policies, "group") &&
             add_managed(c, &s->identity, p->group->attached, p->group->n_attached);
    } else if (p->role != NULL) {
        ok = add_inline(c, &s->identity, p->role->inline_policies, "role") &&
             add_managed(c, &s->identity, p->role->attached, p->role->n_attached);
        boundary = p->role->boundary_arn;
    }
    if (ok && boundary != NULL && s->boundary.n == 0) {
        const iam_managed_policy *m = iam_snap_policy_by_arn(c->snap, iam_str_from_cstr(boundary));
        s->has_boundary = true; /* a boundary that names a missing policy allows nothing */
        if (m != NULL)
            ok = add_managed(c, &s->boundary, &m, 1);
    }
    return ok ? true : srv_fail(c, "InternalFailure", "Out of memory.");
}

/* ---- evaluation ------------------------------------------------------------ */

static bool build_indexes(srv_call *c, sim *s)
{
    if (iam_index_new(s->identity.pols, s->identity.n, &s->ix_identity) != IAM_OK ||
        (s->has_boundary && iam_index_new(s->boundary.pols, s->boundary.n, &s->ix_boundary) != IAM_OK) ||
        (s->resource.n > 0 && iam_index_new(s->resource.pols, s->resource.n, &s->ix_resource) != IAM_OK))
        return srv_fail(c, "InternalFailure", "Out of memory.");
    return true;
}

static const char *decision_name(iam_decision d)
{
    return d == IAM_ALLOW ? "allowed" : d == IAM_EXPLICIT_DENY ? "explicitDeny" : "implicitDeny";
}

static void xml_pos(srv_xml *x, const char *el, sim_pos p)
{
    srv_xml_open(x, el);
    srv_xml_int(x, "Line", p.line);
    srv_xml_int(x, "Column", p.column);
    srv_xml_close(x);
}

static const sim_doc *match_doc(const sim *s, const iam_match *m)
{
    const sim_docs *l = m->type == IAM_PT_IDENTITY ? &s->identity
                        : m->type == IAM_PT_BOUNDARY ? &s->boundary
                        : m->type == IAM_PT_RESOURCE ? &s->resource
                                                     : NULL;
    return l != NULL && m->policy < l->n ? &l->docs[m->policy] : NULL;
}

static void xml_matches(srv_xml *x, const sim *s, const iam_eval_result *r)
{
    srv_xml_open(x, "MatchedStatements");
    size_t n = r->match_count < IAM_EVAL_MAX_MATCHES ? r->match_count : IAM_EVAL_MAX_MATCHES;
    for (size_t i = 0; i < n; i++) {
        const iam_match *m = &r->matches[i];
        const sim_doc *d = match_doc(s, m);
        if (d == NULL)
            continue;
        srv_xml_open(x, "member");
        srv_xml_cstr(x, "SourcePolicyId", d->id);
        srv_xml_cstr(x, "SourcePolicyType", d->type);
        if (m->statement < d->n_stmts && d->stmts[m->statement].has_pos) {
            xml_pos(x, "StartPosition", d->stmts[m->statement].start);
            xml_pos(x, "EndPosition", d->stmts[m->statement].end);
        }
        srv_xml_close(x);
    }
    srv_xml_close(x);
}

/* Keys read by the statements that concern (action, resource) - whatever
 * their conditions say - and absent from the caller's context. */
static bool missing_keys(srv_call *c, const sim *s, iam_str action, iam_str resource, key_list *out)
{
    const sim_docs *lists[3] = { &s->identity, &s->boundary, &s->resource };
    for (size_t l = 0; l < 3; l++)
        for (size_t d = 0; d < lists[l]->n; d++)
            for (size_t i = 0; i < lists[l]->docs[d].n_stmts; i++) {
                const sim_stmt *st = &lists[l]->docs[d].stmts[i];
                if (st->n_keys == 0 || !stmt_concerns(c, st, action, resource))
                    continue;
                for (size_t k = 0; k < st->n_keys; k++)
                    if (iam_context_count(s->ctx, st->keys[k]) < 0 && !keys_add(c, out, st->keys[k]))
                        return false;
            }
    return true;
}

static void xml_keys(srv_xml *x, const char *el, const key_list *l)
{
    srv_xml_open(x, el);
    for (size_t i = 0; i < l->n; i++)
        srv_xml_str(x, "member", l->items[i]);
    srv_xml_close(x);
}

/* Simulates one (action, resource) pair and writes its EvaluationResult. */
static bool simulate_one(srv_call *c, const sim *s, iam_str action, iam_str resource)
{
    const iam_catalogue *cat = srv_catalogue(c);
    const iam_action_info *info = cat ? iam_catalogue_action(cat, action) : NULL;
    bool wildcard = iam_catalogue_wildcard_only(info) || iam_str_eq(resource, IAM_STR("*"));
    iam_str eval_resource = iam_catalogue_wildcard_only(info) ? IAM_STR("*") : resource;

    iam_policy_set set;
    memset(&set, 0, sizeof set);
    set.identity = s->ix_identity;
    set.boundary = s->ix_boundary;
    set.resource = s->ix_resource;
    iam_request req;
    memset(&req, 0, sizeof req);
    req.principal_kind = s->caller_kind;
    req.principal = iam_str_from_cstr(s->caller_arn);
    req.action = action;
    req.resource = eval_resource;
    req.resource_account = s->resource_owner;
    req.action_is_wildcard_only = wildcard;
    req.context = s->ctx;
    iam_eval_result r;
    if (iam_authorize(&set, &req, &r) != IAM_OK)
        return srv_fail(c, "PolicyEvaluation", "The simulation of %.*s failed.", (int)action.len, action.ptr);

    bool boundary_allows = false;
    if (s->ix_boundary != NULL) {
        iam_policy_set bset;
        iam_eval_result br;
        memset(&bset, 0, sizeof bset);
        bset.identity = s->ix_boundary;
        boundary_allows = iam_authorize(&bset, &req, &br) == IAM_OK && br.decision == IAM_ALLOW;
    }
    key_list missing = { 0 };
    if (!missing_keys(c, s, action, eval_resource, &missing))
        return srv_fail(c, "InternalFailure", "Out of memory.");
    key_list none = { 0 };

    srv_xml *x = c->out;
    srv_xml_open(x, "member");
    srv_xml_str(x, "EvalActionName", action);
    srv_xml_str(x, "EvalResourceName", resource);
    srv_xml_cstr(x, "EvalDecision", decision_name(r.decision));
    xml_matches(x, s, &r);
    /* AWS: missing keys go to ResourceSpecificResults when resources were named */
    xml_keys(x, "MissingContextValues", s->resources_given ? &none : &missing);
    if (s->ix_boundary != NULL) {
        srv_xml_open(x, "PermissionsBoundaryDecisionDetail");
        srv_xml_bool(x, "AllowedByPermissionsBoundary", boundary_allows);
        srv_xml_close(x);
    }
    if (s->resources_given) {
        srv_xml_open(x, "EvalDecisionDetails");
        srv_xml_close(x);
        srv_xml_open(x, "ResourceSpecificResults");
        srv_xml_open(x, "member");
        srv_xml_str(x, "EvalResourceName", resource);
        srv_xml_cstr(x, "EvalResourceDecision", decision_name(r.decision));
        xml_matches(x, s, &r);
        xml_keys(x, "MissingContextValues", &missing);
        srv_xml_open(x, "EvalDecisionDetails");
        srv_xml_close(x);
        if (s->ix_boundary != NULL) {
            srv_xml_open(x, "PermissionsBoundaryDecisionDetail");
            srv_xml_bool(x, "AllowedByPermissionsBoundary", boundary_allows);
            srv_xml_close(x);
        }
        srv_xml_close(x);
        srv_xml_close(x);
    }
    srv_xml_close(x);
    return true;
}

/* Marker: the position of the next (action, resource) pair, in decimal. */
static bool page_start(srv_call *c, const srv_page *pg, size_t total, size_t *start)
{
    *start = 0;
    if (pg->marker.ptr == NULL)
        return true;
    size_t v = 0;
    for (size_t i = 0; i < pg->marker.len; i++) {
        if (pg->marker.ptr[i] < '0' || pg->marker.ptr[i] > '9' || v > total)
            return srv_fail(c, "InvalidInput", "Invalid Marker.");
        v = v * 10 + (size_t)(pg->marker.ptr[i] - '0');
    }
    if (v > total)
        return srv_fail(c, "InvalidInput", "Invalid Marker.");
    *start = v;
    return true;
}

static bool run_simulation(srv_call *c, sim *s, const srv_page *pg)
{
    if (!build_indexes(c, s))
        return false;
    size_t total = s->n_actions * s->n_resources, start;
    if (!page_start(c, pg, total, &start))
        return false;
    size_t end = total - start > pg->max_items ? start + pg->max_items : total;
    srv_xml_open(c->out, "EvaluationResults");
    for (size_t i = start; i < end; i++)
        if (!simulate_one(c, s, s->actions[i / s->n_resources], s->resources[i % s->n_resources]))
            return false;
    srv_xml_close(c->out);
    bool truncated = end < total;
    srv_xml_page_end(c->out, truncated, truncated ? srv_strf(c, "%zu", end) : NULL);
    return true;
}

static void audit_list(srv_call *c, const char *param, const char *name)
{
    iam_str *items;
    size_t n;
    /* the parameters were validated already; this only records them */
    if (srv_param_list(c, param, SIM_MAX_ACTIONS, &items, &n))
        for (size_t i = 0; i < n; i++)
            srv_audit_request_param(c, name, items[i]);
}

static bool h_simulate_custom_policy(srv_call *c)
{
    sim s;
    srv_page pg;
    memset(&s, 0, sizeof s);
    bool ok = param_policies(c, "PolicyInputList", true, IAM_KIND_IDENTITY, &s.identity) &&
              param_common(c, &s, c->caller->arn) && srv_param_page(c, &pg) &&
              srv_authorize(c, "iam:SimulateCustomPolicy", "*", NULL);
    if (ok) {
        audit_list(c, "ActionNames", "actionNames");
        ok = run_simulation(c, &s, &pg);
    }
    sim_free(&s);
    return ok;
}

static bool h_simulate_principal_policy(srv_call *c)
{
    sim s;
    srv_page pg;
    sim_principal p;
    iam_str arn;
    memset(&s, 0, sizeof s);
    bool ok = param_source(c, &p, &arn) &&
              param_policies(c, "PolicyInputList", false, IAM_KIND_IDENTITY, &s.identity) &&
              param_common(c, &s, NULL) && srv_param_page(c, &pg);
    char *arn_c = ok ? srv_strndup(c, arn) : NULL;
    if (ok && arn_c == NULL)
        ok = srv_fail(c, "InternalFailure", "Out of memory.");
    ok = ok && srv_authorize(c, "iam:SimulatePrincipalPolicy", arn_c, NULL) && lookup_source(c, arn, &p);
    if (ok) {
        srv_audit_request_param(c, "policySourceArn", arn);
        audit_list(c, "ActionNames", "actionNames");
        /* the caller defaults to the simulated principal */
        if (s.caller_arn == NULL) {
            s.caller_arn = p.arn;
            s.caller_kind = arn_kind(p.arn);
        }
        ok = principal_policies(c, &p, &s) && run_simulation(c, &s, &pg);
    }
    sim_free(&s);
    return ok;
}

/* ---- context keys ----------------------------------------------------------- */

static bool write_context_keys(srv_call *c, const sim_docs *const *lists, size_t nl)
{
    key_list keys = { 0 };
    for (size_t l = 0; l < nl; l++)
        for (size_t d = 0; d < lists[l]->n; d++)
            for (size_t i = 0; i < lists[l]->docs[d].n_stmts; i++) {
                const sim_stmt *st = &lists[l]->docs[d].stmts[i];
                for (size_t k = 0; k < st->n_keys; k++)
                    if (!keys_add(c, &keys, st->keys[k]))
                        return srv_fail(c, "InternalFailure", "Out of memory.");
            }
    xml_keys(c->out, "ContextKeyNames", &keys);
    return true;
}

static bool h_get_context_keys_for_custom_policy(srv_call *c)
{
    sim s;
    memset(&s, 0, sizeof s);
    bool ok = param_policies(c, "PolicyInputList", true, IAM_KIND_IDENTITY, &s.identity) &&
              srv_authorize(c, "iam:GetContextKeysForCustomPolicy", "*", NULL);
    if (ok) {
        const sim_docs *lists[1] = { &s.identity };
        ok = write_context_keys(c, lists, 1);
    }
    sim_free(&s);
    return ok;
}

static bool h_get_context_keys_for_principal_policy(srv_call *c)
{
    sim s;
    sim_principal p;
    iam_str arn;
    sim_docs inputs;
    memset(&s, 0, sizeof s);
    memset(&inputs, 0, sizeof inputs);
    bool ok = param_source(c, &p, &arn) && param_policies(c, "PolicyInputList", false, IAM_KIND_IDENTITY, &inputs);
    char *arn_c = ok ? srv_strndup(c, arn) : NULL;
    if (ok && arn_c == NULL)
        ok = srv_fail(c, "InternalFailure", "Out of memory.");
    ok = ok && srv_authorize(c, "iam:GetContextKeysForPrincipalPolicy", arn_c, NULL) && lookup_source(c, arn, &p);
    if (ok) {
        srv_audit_request_param(c, "policySourceArn", arn);
        ok = principal_policies(c, &p, &s);
    }
    if (ok) {
        const sim_docs *lists[3] = { &s.identity, &s.boundary, &inputs };
        ok = write_context_keys(c, lists, 3);
    }
    docs_free(&inputs);
    sim_free(&s);
    return ok;
}

const srv_action srv_actions_simulate[] = {
    { "GetContextKeysForCustomPolicy", h_get_context_keys_for_custom_policy, true },
    { "GetContextKeysForPrincipalPolicy", h_get_context_keys_for_principal_policy, true },
    { "SimulateCustomPolicy", h_simulate_custom_policy, true },
    { "SimulatePrincipalPolicy", h_simulate_principal_policy, true },
    { NULL, NULL, false },
};
