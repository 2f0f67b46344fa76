/* parse.c - JSON policy document -> compiled iam_policy.
 * jansson reads the document (duplicate keys rejected unless lenient); this
 * file checks the shape compilation needs and lowers every element into the
 * forms of policy_int.h: actions lower-cased patterns, resources ARN
 * patterns, principals classified, condition values pre-parsed per operator
 * family. Full per-kind validation lives in validate.c. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policy/policy_int.h"

#define IAM_POLICY_MAX_BYTES (1u << 20)

typedef struct compiler {
    iam__arena *a;
    unsigned flags;
    bool variables;
    iam_diag *diag;
    char path[160];
} compiler;

#define FAIL(c, err, ...) (iam__diag_set((c)->diag, (c)->path, 0, 0, __VA_ARGS__), (err))

static bool lenient(const compiler *c) { return (c->flags & IAM_PARSE_LENIENT) != 0; }

/* The shortest text that reads back as the same double ("0.1", not
 * "0.10000000000000001"): IAM treats JSON numbers as the text written. */
static iam_str real_text(char *buf, size_t cap, double v)
{
    int n = 0;
    for (int prec = 1; prec <= 17; prec++) {
        n = snprintf(buf, cap, "%.*g", prec, v);
        if (n > 0 && (size_t)n < cap && strtod(buf, NULL) == v)
            break;
    }
    return (iam_str){ buf, n > 0 ? (size_t)n : 0 };
}

/* A value that may be a string or an array of strings: calls back per
 * string. JSON numbers and booleans are taken as their text only where
 * `scalars` is set (condition values). */
typedef bool (*each_fn)(compiler *c, iam_str s, size_t i, void *arg);

static iam_err for_each_string(compiler *c, json_t *v, bool scalars, each_fn fn, void *arg,
                               const char *what)
{
    char buf[64];
    if (json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) {
            iam_str s;
            if (json_is_string(e)) {
                s = (iam_str){ json_string_value(e), json_string_length(e) };
            } else if (scalars && (json_is_number(e) || json_is_boolean(e))) {
                if (json_is_true(e))
                    s = IAM_STR("true");
                else if (json_is_false(e))
                    s = IAM_STR("false");
                else if (json_is_integer(e))
                    s = (iam_str){ buf, (size_t)snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT,
                                                         json_integer_value(e)) };
                else
                    s = real_text(buf, sizeof buf, json_real_value(e));
            } else {
                return FAIL(c, IAM_E_MALFORMED, "%s must be a string or an array of strings", what);
            }
            if (!fn(c, s, i, arg))
                return IAM_E_NOMEM;
        }
        return IAM_OK;
    }
    if (json_is_string(v))
        return fn(c, (iam_str){ json_string_value(v), json_string_length(v) }, 0, arg) ? IAM_OK : IAM_E_NOMEM;
    if (scalars && (json_is_number(v) || json_is_boolean(v))) {
        json_t *arr = json_array();
        if (arr == NULL)
            return IAM_E_NOMEM;
        json_array_append(arr, v);
        iam_err e = for_each_string(c, arr, scalars, fn, arg, what);
        json_decref(arr);
        return e;
    }
    return FAIL(c, IAM_E_MALFORMED, "%s must be a string or an array of strings", what);
}

static size_t count_values(json_t *v) { return json_is_array(v) ? json_array_size(v) : 1; }

/* ---- actions ---------------------------------------------------------- */

static bool add_action(compiler *c, iam_str s, size_t i, void *arg)
{
    iam__stmt *st = arg;
    if (!iam__arena_strdup_lower(c->a, s, &st->action_text[i]))
        return false;
    return iam__pat_compile(c->a, s, IAM_PATF_WILDCARDS | IAM_PATF_LOWER, &st->actions[i]);
}

/* ---- resources -------------------------------------------------------- */

/* Variables are substituted in every ARN field, not only the resource part
 * the IAM guide names: AWS-managed policies rely on it (a KMS key ARN
 * with ${aws:PrincipalAccount} in its account field). */
static bool add_resource(compiler *c, iam_str s, size_t i, void *arg)
{
    iam__stmt *st = arg;
    iam_str copy;
    if (!iam__arena_strdup(c->a, s, &copy))
        return false;
    return iam__arnpat_compile(c->a, copy, c->variables, false, &st->resources[i]);
}

/* ---- principals ------------------------------------------------------- */

static bool all_digits(iam_str s)
{
    if (s.len == 0)
        return false;
    for (size_t i = 0; i < s.len; i++)
        if (s.ptr[i] < '0' || s.ptr[i] > '9')
            return false;
    return true;
}

static bool has_prefix(iam_str s, const char *p)
{
    size_t n = strlen(p);
    return s.len >= n && memcmp(s.ptr, p, n) == 0;
}

/* Classifies an AWS principal value: account, user, role, session ... */
static void classify_aws(iam__principal *p)
{
    iam_str v = p->value;
    p->form = IAM_AWS_OTHER;
    if (all_digits(v)) {
        p->form = IAM_AWS_ACCOUNT;
        p->account = v;
        return;
    }
    iam__arn_split sp;
    iam__arn_split_value(v, &sp);
    if (sp.nfields < 6 || !has_prefix(v, "arn:"))
        return;
    iam_str service = { v.ptr + sp.start[2], sp.start[3] - sp.start[2] - 1 };
    iam_str res = { v.ptr + sp.start[5], v.len - sp.start[5] };
    p->account = (iam_str){ v.ptr + sp.start[4], sp.start[5] - sp.start[4] - 1 };
    if (iam_str_eq(service, IAM_STR("iam"))) {
        if (iam_str_eq(res, IAM_STR("root")))
            p->form = IAM_AWS_ACCOUNT;
        else if (has_prefix(res, "user/"))
            p->form = IAM_AWS_USER;
        else if (has_prefix(res, "role/")) {
            p->form = IAM_AWS_ROLE;
            size_t last = 0;
            for (size_t i = 0; i < res.len; i++)
                if (res.ptr[i] == '/')
                    last = i + 1;
            p->role_name = (iam_str){ res.ptr + last, res.len - last };
        }
    } else if (iam_str_eq(service, IAM_STR("sts"))) {
        if (has_prefix(res, "assumed-role/"))
            p->form = IAM_AWS_SESSION;
        else if (has_prefix(res, "federated-user/"))
            p->form = IAM_AWS_FEDUSER;
    }
}

typedef struct pr_arg {
    iam__stmt *st;
    iam__pr_type type;
} pr_arg;

static bool add_principal(compiler *c, iam_str s, size_t i, void *argp)
{
    pr_arg *arg = argp;
    (void)i;
    iam__principal *p = &arg->st->principals[arg->st->nprincipals++];
    memset(p, 0, sizeof *p);
    if (!iam__arena_strdup(c->a, s, &p->value))
        return false;
    p->type = arg->type;
    if (arg->type == IAM_PR_AWS) {
        if (iam_str_eq(s, IAM_STR("*")))
            p->type = IAM_PR_ANY;
        else
            classify_aws(p);
    }
    return true;
}

static iam_err compile_principal(compiler *c, iam__stmt *st, json_t *v)
{
    if (json_is_string(v)) {
        if (!iam_str_eq((iam_str){ json_string_value(v), json_string_length(v) }, IAM_STR("*")))
            return FAIL(c, IAM_E_MALFORMED, "Principal must be \"*\" or an object");
        st->principals = iam__arena_alloc(c->a, sizeof *st->principals);
        if (st->principals == NULL)
            return IAM_E_NOMEM;
        st->principals[0].type = IAM_PR_ANY;
        st->principals[0].value = IAM_STR("*");
        st->nprincipals = 1;
        return IAM_OK;
    }
    if (!json_is_object(v))
        return FAIL(c, IAM_E_MALFORMED, "Principal must be \"*\" or an object");
    size_t total = 0;
    const char *k;
    json_t *e;
    json_object_foreach(v, k, e) total += count_values(e);
    st->principals = iam__arena_alloc(c->a, (total ? total : 1) * sizeof *st->principals);
    if (st->principals == NULL)
        return IAM_E_NOMEM;
    json_object_foreach(v, k, e) {
        pr_arg arg = { st, IAM_PR_AWS };
        if (strcmp(k, "AWS") == 0)
            arg.type = IAM_PR_AWS;
        else if (strcmp(k, "Service") == 0)
            arg.type = IAM_PR_SERVICE;
        else if (strcmp(k, "Federated") == 0)
            arg.type = IAM_PR_FEDERATED;
        else if (strcmp(k, "CanonicalUser") == 0)
            arg.type = IAM_PR_CANONICAL;
        else if (lenient(c))
            continue;
        else
            return FAIL(c, IAM_E_MALFORMED, "unknown principal type \"%s\"", k);
        iam_err err = for_each_string(c, e, false, add_principal, &arg, "a principal value");
        if (err)
            return err;
    }
    return IAM_OK;
}

/* ---- conditions ------------------------------------------------------- */

static bool add_cond_value(compiler *c, iam_str s, size_t i, void *arg)
{
    iam__cond *cd = arg;
    iam__cval *v = &cd->vals[i];
    bool vars = c->variables && iam__op_family_takes_variables(cd->op.family);
    if (!iam__arena_strdup(c->a, s, &v->raw))
        return false;
    s = v->raw;
    switch (cd->op.family) {
    case IAM_OPF_STRING: {
        unsigned f = (cd->op.cmp == IAM_CMP_LIKE ? IAM_PATF_WILDCARDS : 0) | (vars ? IAM_PATF_VARIABLES : 0);
        return iam__pat_compile(c->a, s, f, &v->pat);
    }
    case IAM_OPF_BOOL:
        return iam__pat_compile(c->a, s, vars ? IAM_PATF_VARIABLES : 0, &v->pat);
    case IAM_OPF_ARN:
        return iam__arnpat_compile(c->a, s, vars, false, &v->arn);
    case IAM_OPF_NUMERIC:
        v->valid = iam__num_parse(s.ptr, s.len, &v->num);
        return true;
    case IAM_OPF_DATE:
        v->valid = iam__date_parse(s.ptr, s.len, &v->date);
        return true;
    case IAM_OPF_IP:
        v->valid = iam__ip_parse(s.ptr, s.len, true, &v->ip);
        return true;
    case IAM_OPF_NULL:
        v->valid = iam__str_eq_nocase(s, IAM_STR("true")) || iam__str_eq_nocase(s, IAM_STR("false"));
        v->flag = iam__str_eq_nocase(s, IAM_STR("true"));
        return true;
    case IAM_OPF_BINARY:
        v->valid = true;
        return true;
    }
    return true;
}

static iam_err compile_conditions(compiler *c, iam__stmt *st, json_t *v)
{
    if (!json_is_object(v))
        return FAIL(c, IAM_E_MALFORMED, "Condition must be an object");
    size_t total = 0;
    const char *opname, *key;
    json_t *keys, *vals;
    json_object_foreach(v, opname, keys) {
        if (!json_is_object(keys))
            return FAIL(c, IAM_E_MALFORMED, "condition operator %s must map keys to values", opname);
        total += json_object_size(keys);
    }
    st->conds = iam__arena_alloc(c->a, (total ? total : 1) * sizeof *st->conds);
    if (st->conds == NULL)
        return IAM_E_NOMEM;
    json_object_foreach(v, opname, keys) {
        iam__op op;
        bool never = false;
        if (!iam__op_parse(iam_str_from_cstr(opname), &op)) {
            if (!lenient(c))
                return FAIL(c, IAM_E_MALFORMED, "unknown condition operator %s", opname);
            never = true; /* the runner's rule: an unknown operator never matches */
            memset(&op, 0, sizeof op);
        }
        json_object_foreach(keys, key, vals) {
            iam__cond *cd = &st->conds[st->nconds++];
            cd->op = op;
            cd->never = never;
            if (!iam__arena_strdup_lower(c->a, iam_str_from_cstr(key), &cd->key))
                return IAM_E_NOMEM;
            cd->key_hash = iam__hash_lower(cd->key);
            size_t n = count_values(vals);
            cd->vals = iam__arena_alloc(c->a, (n ? n : 1) * sizeof *cd->vals);
            if (cd->vals == NULL)
                return IAM_E_NOMEM;
            cd->nvals = (uint32_t)n;
            iam_err err = for_each_string(c, vals, true, add_cond_value, cd, "a condition value");
            if (err)
                return err;
        }
    }
    return IAM_OK;
}

/* ---- statements ------------------------------------------------------- */

static iam_err compile_statement(compiler *c, json_t *js, iam__stmt *st)
{
    const char *k;
    json_t *v;
    iam_err err;
    json_t *action = NULL, *resource = NULL, *principal = NULL, *cond = NULL;

    if (!json_is_object(js))
        return FAIL(c, IAM_E_MALFORMED, "a statement must be an object");
    json_object_foreach(js, k, v) {
        if (strcmp(k, "Sid") == 0) {
            if (!json_is_string(v))
                return FAIL(c, IAM_E_MALFORMED, "Sid must be a string");
            if (!iam__arena_strdup(c->a, (iam_str){ json_string_value(v), json_string_length(v) }, &st->sid))
                return IAM_E_NOMEM;
        } else if (strcmp(k, "Effect") == 0) {
            const char *e = json_string_value(v);
            if (e != NULL && strcmp(e, "Allow") == 0)
                st->effect = IAM_EFFECT_ALLOW;
            else if (e != NULL && strcmp(e, "Deny") == 0)
                st->effect = IAM_EFFECT_DENY;
            else
                return FAIL(c, IAM_E_MALFORMED, "Effect must be \"Allow\" or \"Deny\"");
        } else if (strcmp(k, "Action") == 0 || strcmp(k, "NotAction") == 0) {
            if (action != NULL)
                return FAIL(c, IAM_E_MALFORMED, "a statement takes only one of Action and NotAction");
            action = v;
            st->not_action = k[0] == 'N';
        } else if (strcmp(k, "Resource") == 0 || strcmp(k, "NotResource") == 0) {
            if (resource != NULL)
                return FAIL(c, IAM_E_MALFORMED, "a statement takes only one of Resource and NotResource");
            resource = v;
            st->not_resource = k[0] == 'N';
        } else if (strcmp(k, "Principal") == 0 || strcmp(k, "NotPrincipal") == 0) {
            if (principal != NULL)
                return FAIL(c, IAM_E_MALFORMED, "a statement takes only one of Principal and NotPrincipal");
            principal = v;
            st->not_principal = k[0] == 'N';
        } else if (strcmp(k, "Condition") == 0) {
            cond = v;
        } else if (!lenient(c)) {
            return FAIL(c, IAM_E_MALFORMED, "unknown statement element %s", k);
        }
    }
    if (json_object_get(js, "Effect") == NULL)
        return FAIL(c, IAM_E_MALFORMED, "Effect is required");

    if (action == NULL) {
        if (!lenient(c))
            return FAIL(c, IAM_E_MALFORMED, "a statement needs Action or NotAction");
        st->no_action = true;
    } else {
        size_t n = count_values(action);
        st->actions = iam__arena_alloc(c->a, (n ? n : 1) * sizeof *st->actions);
        st->action_text = iam__arena_alloc(c->a, (n ? n : 1) * sizeof *st->action_text);
        if (st->actions == NULL || st->action_text == NULL)
            return IAM_E_NOMEM;
        st->nactions = (uint32_t)n;
        if ((err = for_each_string(c, action, false, add_action, st, st->not_action ? "NotAction" : "Action")))
            return err;
    }
    if (resource != NULL) {
        size_t n = count_values(resource);
        st->resources = iam__arena_alloc(c->a, (n ? n : 1) * sizeof *st->resources);
        if (st->resources == NULL)
            return IAM_E_NOMEM;
        st->nresources = (uint32_t)n;
        st->has_resource = true;
        if ((err = for_each_string(c, resource, false, add_resource, st,
                                   st->not_resource ? "NotResource" : "Resource")))
            return err;
    }
    if (principal != NULL) {
        st->has_principal = true;
        if ((err = compile_principal(c, st, principal)))
            return err;
    }
    if (cond != NULL && (err = compile_conditions(c, st, cond)))
        return err;
    return IAM_OK;
}

static iam_err compile_document(compiler *c, json_t *root, iam_policy *p)
{
    const char *k;
    json_t *v, *stmts = NULL;

    if (!json_is_object(root))
        return FAIL(c, IAM_E_MALFORMED, "a policy document must be a JSON object");
    json_object_foreach(root, k, v) {
        if (strcmp(k, "Version") == 0) {
            if (!json_is_string(v))
                return FAIL(c, IAM_E_MALFORMED, "Version must be a string");
            if (!iam__arena_strdup(c->a, (iam_str){ json_string_value(v), json_string_length(v) }, &p->version))
                return IAM_E_NOMEM;
        } else if (strcmp(k, "Statement") == 0) {
            stmts = v;
        } else if (strcmp(k, "Id") == 0) {
            /* informational */
        } else if (!lenient(c)) {
            return FAIL(c, IAM_E_MALFORMED, "unknown top-level element %s", k);
        }
    }
    if (stmts == NULL)
        return FAIL(c, IAM_E_MALFORMED, "Statement is required");
    p->variables = iam_str_eq(p->version, IAM_STR("2012-10-17"));
    c->variables = p->variables;
    size_t n = json_is_array(stmts) ? json_array_size(stmts) : 1;
    p->stmts = iam__arena_alloc(c->a, (n ? n : 1) * sizeof *p->stmts);
    if (p->stmts == NULL)
        return IAM_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        json_t *js = json_is_array(stmts) ? json_array_get(stmts, i) : stmts;
        if (json_is_array(stmts))
            snprintf(c->path, sizeof c->path, "Statement[%zu]", i);
        else
            snprintf(c->path, sizeof c->path, "Statement");
        iam_err err = compile_statement(c, js, &p->stmts[i]);
        if (err)
            return err;
        p->nstmts++;
    }
    return IAM_OK;
}

iam_err iam_policy_parse(const char *json, size_t len, unsigned flags, iam_policy **out, iam_diag *diag)
{
    json_error_t jerr;
    iam_policy *p = NULL;
    json_t *root = NULL;
    iam_err err;

    if (out == NULL)
        return IAM_E_INVALID;
    *out = NULL;
    if (json == NULL && len)
        return IAM_E_INVALID;
    if (len > IAM_POLICY_MAX_BYTES) {
        iam__diag_set(diag, "", 0, 0, "policy document is %zu bytes, over the %u-byte limit", len,
                      IAM_POLICY_MAX_BYTES);
        return IAM_E_LIMIT;
    }
    root = json_loadb(json ? json : "", len, (flags & IAM_PARSE_LENIENT) ? 0 : JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        iam__diag_set(diag, "", jerr.line, jerr.column, "%s", jerr.text);
        return IAM_E_SYNTAX;
    }
    p = iam__calloc(1, sizeof *p);
    if (p == NULL) {
        err = IAM_E_NOMEM;
        goto fail;
    }
    atomic_init(&p->refs, 1);
    iam__arena_init(&p->arena);
    compiler c = { .a = &p->arena, .flags = flags, .diag = diag };
    err = compile_document(&c, root, p);
    if (err == IAM_E_NOMEM)
        iam__diag_set(diag, c.path, 0, 0, "out of memory");
    if (err)
        goto fail;
    json_decref(root);
    *out = p;
    return IAM_OK;
fail:
    json_decref(root);
    iam_policy_free(p);
    return err;
}

iam_policy *iam_policy_retain(iam_policy *p)
{
    if (p != NULL)
        atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
    return p;
}

void iam_policy_free(iam_policy *p)
{
    if (p == NULL)
        return;
    if (atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) != 1)
        return;
    iam__arena_free(&p->arena);
    iam__free(p);
}

size_t iam_policy_statement_count(const iam_policy *p) { return p ? p->nstmts : 0; }

iam_str iam_policy_statement_sid(const iam_policy *p, size_t i)
{
    return (p && i < p->nstmts) ? p->stmts[i].sid : IAM_STR("");
}

iam_effect iam_policy_statement_effect(const iam_policy *p, size_t i)
{
    return (p && i < p->nstmts) ? p->stmts[i].effect : IAM_EFFECT_DENY;
}

iam_str iam_policy_version(const iam_policy *p) { return p && p->version.ptr ? p->version : IAM_STR(""); }
