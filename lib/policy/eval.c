/* eval.c - the authorization decision (reference: iam-policy-language.md §1).
 *
 *   1. Any applicable Deny in any policy that takes part: explicit deny.
 *   2. SCP levels of the principal's account, RCP levels of the resource's
 *      account, and a VPC endpoint policy must each allow.
 *   3. Same account: a resource-policy Allow that names the caller directly
 *      grants by itself; one naming the caller's role replaces the identity
 *      allow but leaves boundary and session policy in force; one naming the
 *      account only delegates. Otherwise identity AND boundary AND session.
 *   4. Cross account: the principal's side (identity, boundary, session) and
 *      the resource's side (a resource-policy Allow) must both allow.
 *   Role trust policies must themselves allow, even in the same account.
 * No allocation, no locks, no parsing; a sticky error from the rare variable
 * expansion fallback turns into a denial. */
#include <string.h>
#include "policy/policy_int.h"

#define ACTION_MAX 256

typedef struct type_state {
    bool allow, deny;
    iam__naming naming; /* best naming among applicable Allows */
} type_state;

typedef struct visit_arg {
    const iam__req_env *env;
    iam_policy_type type;
    uint16_t level;
    const iam_index *ix;
    type_state *ts;
    iam_match *denies;
    size_t *ndeny;
    iam_match *allows;
    size_t *nallow;
} visit_arg;

static void keep(iam_match *list, size_t *n, const visit_arg *a, uint32_t policy, uint32_t index,
                 iam_effect effect)
{
    if (*n < IAM_EVAL_MAX_MATCHES)
        list[*n] = (iam_match){ a->type, a->level, policy, index, effect, iam_index_policy(a->ix, policy) };
    (*n)++;
}

static bool visit(const iam__stmt *st, uint32_t policy, uint32_t index, bool action_known, void *argp)
{
    visit_arg *a = argp;
    iam__naming naming;
    if (!iam__stmt_applies(st, a->env, action_known, a->type == IAM_PT_RESOURCE, &naming))
        return true;
    if (st->effect == IAM_EFFECT_DENY) {
        a->ts->deny = true;
        keep(a->denies, a->ndeny, a, policy, index, IAM_EFFECT_DENY);
    } else {
        a->ts->allow = true;
        if (naming > a->ts->naming)
            a->ts->naming = naming;
        /* only the granting types are reported as deciding an Allow */
        if (a->type == IAM_PT_IDENTITY || a->type == IAM_PT_RESOURCE)
            keep(a->allows, a->nallow, a, policy, index, IAM_EFFECT_ALLOW);
    }
    return true;
}

typedef struct collector {
    iam_match denies[IAM_EVAL_MAX_MATCHES];
    iam_match allows[IAM_EVAL_MAX_MATCHES];
    size_t ndeny, nallow;
} collector;

static type_state run(const iam_index *ix, iam_policy_type type, uint16_t level, const iam__req_env *env,
                      collector *col)
{
    type_state ts = { 0 };
    if (ix == NULL)
        return ts;
    visit_arg a = { env, type, level, ix, &ts, col->denies, &col->ndeny, col->allows, &col->nallow };
    iam__index_visit(ix, env->action_lower, env->resource_star ? NULL : &env->resource, visit, &a);
    return ts;
}

/* Whether the request's resource is an ARN of `service` whose resource
 * part starts with `type` ("role/", "key/"). */
static bool resource_is(const iam_request *r, iam_str service, iam_str type)
{
    iam__arn_split sp;
    iam__arn_split_value(r->resource, &sp);
    if (sp.nfields < 6)
        return false;
    iam_str svc = { r->resource.ptr + sp.start[2], sp.start[3] - sp.start[2] - 1 };
    iam_str res = { r->resource.ptr + sp.start[5], r->resource.len - sp.start[5] };
    return iam_str_eq(svc, service) && res.len > type.len && memcmp(res.ptr, type.ptr, type.len) == 0;
}

/* Role trust policies and KMS key policies must allow by themselves (a key
 * policy naming the account delegates back to IAM policies, which the
 * account naming rule then requires). */
static bool resource_policy_mandatory(const iam_request *r)
{
    static const char *const assume[] = { "sts:assumerole", "sts:assumerolewithwebidentity",
                                          "sts:assumerolewithsaml" };
    if (r->action.len > 4 && iam__str_eq_nocase((iam_str){ r->action.ptr, 4 }, IAM_STR("kms:")))
        return resource_is(r, IAM_STR("kms"), IAM_STR("key/"));
    for (size_t i = 0; i < sizeof assume / sizeof assume[0]; i++)
        if (iam__str_eq_nocase(r->action, iam_str_from_cstr(assume[i])))
            return resource_is(r, IAM_STR("iam"), IAM_STR("role/"));
    return false;
}

static iam_str principal_account(const iam_request *r)
{
    if (r->principal_kind == IAM_PK_ANONYMOUS || r->principal_kind == IAM_PK_SERVICE)
        return IAM_STR("");
    return iam__arn_account(r->principal);
}

static void finish(iam_eval_result *out, iam_decision d, iam_policy_type blocked, const iam_match *list,
                   size_t n)
{
    out->decision = d;
    out->blocked_by = blocked;
    out->match_count = n;
    size_t keepn = n < IAM_EVAL_MAX_MATCHES ? n : IAM_EVAL_MAX_MATCHES;
    if (keepn)
        memcpy(out->matches, list, keepn * sizeof *list);
}

iam_err iam_authorize(const iam_policy_set *set, const iam_request *req, iam_eval_result *out)
{
    char action[ACTION_MAX];
    collector col;
    iam__req_env env;

    if (out == NULL)
        return IAM_E_INVALID;
    out->decision = IAM_IMPLICIT_DENY;
    out->blocked_by = IAM_PT_IDENTITY;
    out->match_count = 0;
    if (set == NULL || req == NULL || (req->action.len && req->action.ptr == NULL) ||
        (set->scp_levels && set->scp == NULL) || (set->rcp_levels && set->rcp == NULL))
        return IAM_E_INVALID;
    if (req->action.len == 0 || req->action.len >= ACTION_MAX)
        return IAM_OK; /* no action, or longer than any: nothing matches */

    for (size_t i = 0; i < req->action.len; i++)
        action[i] = iam__lower(req->action.ptr[i]);
    memset(&env, 0, sizeof env);
    env.req = req;
    env.ctx = req->context;
    env.action_lower = (iam_str){ action, req->action.len };
    iam__arn_split_value(req->resource, &env.resource);
    env.resource_star = req->action_is_wildcard_only || iam_str_eq(req->resource, IAM_STR("*"));
    env.principal_account = principal_account(req);
    env.has_boundary = set->boundary != NULL;
    col.ndeny = col.nallow = 0;

    iam_principal_kind kind = req->principal_kind;
    /* Anonymous callers, service principals and web-identity callers from
     * outside any account (cognito-identity.amazonaws.com ...) have no
     * account side: only the resource policy can grant. */
    bool no_principal_account = kind == IAM_PK_ANONYMOUS || kind == IAM_PK_SERVICE ||
                                (kind == IAM_PK_OTHER && env.principal_account.len == 0);

    /* Every policy that takes part is evaluated; denies are collected across
     * all of them so the result can name each one. */
    type_state id = run(set->identity, IAM_PT_IDENTITY, 0, &env, &col);
    type_state ses = run(set->session, IAM_PT_SESSION, 0, &env, &col);
    type_state pb = run(set->boundary, IAM_PT_BOUNDARY, 0, &env, &col);
    type_state res = run(set->resource, IAM_PT_RESOURCE, 0, &env, &col);
    type_state vpce = run(set->vpc_endpoint, IAM_PT_VPC_ENDPOINT, 0, &env, &col);
    bool scp_ok = true, rcp_ok = true;
    /* SCPs govern principals of member accounts: never anonymous callers or
     * service principals. RCPs govern the resource whoever calls. */
    if (!no_principal_account)
        for (size_t l = 0; l < set->scp_levels; l++) {
            type_state t = run(set->scp[l], IAM_PT_SCP, (uint16_t)l, &env, &col);
            scp_ok = scp_ok && t.allow;
        }
    for (size_t l = 0; l < set->rcp_levels; l++) {
        type_state t = run(set->rcp[l], IAM_PT_RCP, (uint16_t)l, &env, &col);
        rcp_ok = rcp_ok && t.allow;
    }
    if (env.err != IAM_OK) {
        finish(out, IAM_IMPLICIT_DENY, IAM_PT_NONE, NULL, 0);
        return env.err;
    }
    if (col.ndeny) {
        finish(out, IAM_EXPLICIT_DENY, col.denies[0].type, col.denies, col.ndeny);
        return IAM_OK;
    }
    if (!scp_ok) {
        finish(out, IAM_IMPLICIT_DENY, IAM_PT_SCP, NULL, 0);
        return IAM_OK;
    }
    if (!rcp_ok) {
        finish(out, IAM_IMPLICIT_DENY, IAM_PT_RCP, NULL, 0);
        return IAM_OK;
    }
    if (set->vpc_endpoint != NULL && !vpce.allow) {
        finish(out, IAM_IMPLICIT_DENY, IAM_PT_VPC_ENDPOINT, NULL, 0);
        return IAM_OK;
    }

    /* Callers outside any account have only the resource policy. */
    if (no_principal_account) {
        if (res.allow)
            finish(out, IAM_ALLOW, IAM_PT_NONE, col.allows, col.nallow);
        else
            finish(out, IAM_IMPLICIT_DENY, IAM_PT_RESOURCE, NULL, 0);
        return IAM_OK;
    }

    iam_str racct = req->resource_account;
    if (racct.len == 0)
        racct = iam__arn_account(req->resource);
    bool same = racct.len == 0 || iam_str_eq(racct, env.principal_account);
    bool mandatory = resource_policy_mandatory(req);

    if (mandatory && !res.allow) {
        finish(out, IAM_IMPLICIT_DENY, IAM_PT_RESOURCE, NULL, 0);
        return IAM_OK;
    }
    /* The root user holds every permission of its own account. */
    bool id_ok = id.allow || kind == IAM_PK_ACCOUNT_ROOT;
    bool pb_ok = set->boundary == NULL || pb.allow;
    bool ses_ok = set->session != NULL ? ses.allow : kind != IAM_PK_FEDERATED_USER;

    if (same) {
        if (res.allow && res.naming == IAM_NAMED_DIRECT) {
            finish(out, IAM_ALLOW, IAM_PT_NONE, col.allows, col.nallow);
            return IAM_OK;
        }
        if (res.allow && res.naming == IAM_NAMED_ROLE)
            id_ok = true;
    } else if (!res.allow) {
        /* the resource's account never allowed this caller */
        finish(out, IAM_IMPLICIT_DENY, id_ok ? IAM_PT_RESOURCE : IAM_PT_IDENTITY, NULL, 0);
        return IAM_OK;
    }
    if (!id_ok)
        finish(out, IAM_IMPLICIT_DENY, IAM_PT_IDENTITY, NULL, 0);
    else if (!pb_ok)
        finish(out, IAM_IMPLICIT_DENY, IAM_PT_BOUNDARY, NULL, 0);
    else if (!ses_ok)
        finish(out, IAM_IMPLICIT_DENY, IAM_PT_SESSION, NULL, 0);
    else
        finish(out, IAM_ALLOW, IAM_PT_NONE, col.allows, col.nallow);
    return IAM_OK;
}

const char *iam_decision_name(iam_decision d)
{
    switch (d) {
    case IAM_ALLOW: return "Allowed";
    case IAM_EXPLICIT_DENY: return "ExplicitlyDenied";
    case IAM_IMPLICIT_DENY: return "ImplicitlyDenied";
    }
    return "ImplicitlyDenied";
}

const char *iam_policy_type_name(iam_policy_type t)
{
    switch (t) {
    case IAM_PT_NONE: return "none";
    case IAM_PT_IDENTITY: return "identity";
    case IAM_PT_SESSION: return "session";
    case IAM_PT_BOUNDARY: return "permissions_boundary";
    case IAM_PT_RESOURCE: return "resource";
    case IAM_PT_SCP: return "scp";
    case IAM_PT_RCP: return "rcp";
    case IAM_PT_VPC_ENDPOINT: return "vpc_endpoint";
    }
    return "none";
}

static const char *const PK_NAMES[] = {
    [IAM_PK_ANONYMOUS] = "anonymous",
    [IAM_PK_IAM_USER] = "iam_user",
    [IAM_PK_IAM_ROLE] = "iam_role",
    [IAM_PK_ASSUMED_ROLE_SESSION] = "assumed_role_session",
    [IAM_PK_FEDERATED_USER] = "federated_user",
    [IAM_PK_ACCOUNT_ROOT] = "account_root",
    [IAM_PK_SERVICE] = "service",
    [IAM_PK_OTHER] = "other",
};

bool iam_principal_kind_from_name(iam_str name, iam_principal_kind *out)
{
    for (size_t i = 0; i < sizeof PK_NAMES / sizeof PK_NAMES[0]; i++)
        if (iam_str_eq(name, iam_str_from_cstr(PK_NAMES[i]))) {
            *out = (iam_principal_kind)i;
            return true;
        }
    return false;
}

const char *iam_principal_kind_name(iam_principal_kind k)
{
    return (unsigned)k < sizeof PK_NAMES / sizeof PK_NAMES[0] ? PK_NAMES[k] : "other";
}
