/* statement.c - does one compiled statement apply to a request? Action,
 * resource, principal and every condition must match. For statements with a
 * Principal element it also reports how the caller was named, which decides
 * what a resource-policy Allow may bypass (see eval.c). */
#include <string.h>
#include "policy/policy_int.h"

static bool action_matches(const iam__stmt *st, const iam__req_env *env)
{
    bool any = false;
    for (uint32_t i = 0; i < st->nactions && !any; i++)
        any = iam__pat_match(&st->actions[i], env->action_lower, false, NULL, NULL);
    return st->not_action ? !any : any;
}

static bool resource_matches(const iam__stmt *st, const iam__req_env *env)
{
    if (!st->has_resource)
        return true; /* trust policies name no resource: the role itself */
    if (env->resource_star && st->not_resource) {
        /* A wildcard-only action has no resource to exclude: a NotResource
         * Deny still applies, a NotResource Allow grants nothing. */
        return st->effect == IAM_EFFECT_DENY;
    }
    iam_err *err = (iam_err *)(uintptr_t)&env->err;
    bool any = false;
    for (uint32_t i = 0; i < st->nresources && !any; i++)
        any = iam__arnpat_match(&st->resources[i], &env->resource, env->ctx, err);
    return st->not_resource ? !any : any;
}

/* The role name of an assumed-role session ARN
 * arn:aws:sts::A:assumed-role/ROLE/SESSION. */
static iam_str session_role(iam_str arn)
{
    iam__arn_split sp;
    iam__arn_split_value(arn, &sp);
    if (sp.nfields < 6)
        return IAM_STR("");
    iam_str res = { arn.ptr + sp.start[5], arn.len - sp.start[5] };
    static const char pre[] = "assumed-role/";
    if (res.len <= sizeof pre - 1 || memcmp(res.ptr, pre, sizeof pre - 1) != 0)
        return IAM_STR("");
    res.ptr += sizeof pre - 1;
    res.len -= sizeof pre - 1;
    size_t n = 0;
    while (n < res.len && res.ptr[n] != '/')
        n++;
    return (iam_str){ res.ptr, n };
}

static bool is_iam_kind(iam_principal_kind k)
{
    return k == IAM_PK_IAM_USER || k == IAM_PK_IAM_ROLE || k == IAM_PK_ASSUMED_ROLE_SESSION ||
           k == IAM_PK_FEDERATED_USER || k == IAM_PK_ACCOUNT_ROOT;
}

/* How principal entry `p` names the caller (IAM_NAMED_NONE: it does not). */
static iam__naming principal_naming(const iam__principal *p, const iam__req_env *env)
{
    const iam_request *r = env->req;
    iam_principal_kind k = r->principal_kind;

    if (p->type == IAM_PR_ANY)
        return IAM_NAMED_DIRECT; /* everyone, anonymous callers included */
    if (k == IAM_PK_ANONYMOUS)
        return IAM_NAMED_NONE;
    switch (p->type) {
    case IAM_PR_SERVICE:
        return (k == IAM_PK_SERVICE && iam_str_eq(p->value, r->principal)) ? IAM_NAMED_DIRECT : IAM_NAMED_NONE;
    case IAM_PR_FEDERATED:
    case IAM_PR_CANONICAL:
        return (!is_iam_kind(k) && k != IAM_PK_SERVICE && iam_str_eq(p->value, r->principal))
                   ? IAM_NAMED_DIRECT : IAM_NAMED_NONE;
    case IAM_PR_AWS:
        break;
    case IAM_PR_ANY:
        return IAM_NAMED_DIRECT;
    }
    if (k == IAM_PK_SERVICE)
        return IAM_NAMED_NONE;
    switch (p->form) {
    case IAM_AWS_ACCOUNT:
        return (env->principal_account.len && iam_str_eq(p->account, env->principal_account))
                   ? IAM_NAMED_ACCOUNT : IAM_NAMED_NONE;
    case IAM_AWS_USER:
        return (k == IAM_PK_IAM_USER && iam_str_eq(p->value, r->principal)) ? IAM_NAMED_DIRECT : IAM_NAMED_NONE;
    case IAM_AWS_ROLE:
        if (k == IAM_PK_IAM_ROLE)
            return iam_str_eq(p->value, r->principal) ? IAM_NAMED_ROLE : IAM_NAMED_NONE;
        if (k == IAM_PK_ASSUMED_ROLE_SESSION) {
            /* A role ARN names every session of the role. The session ARN has
             * no path, so prefer aws:PrincipalArn (the role ARN with path). */
            static const char key[] = "aws:principalarn";
            iam_str ks = { key, sizeof key - 1 };
            const iam__ctxkey *pa = env->ctx ? iam__ctx_find(env->ctx, ks, iam__hash_lower(ks)) : NULL;
            if (pa != NULL && pa->nvals == 1)
                return iam_str_eq(pa->vals[0].s, p->value) ? IAM_NAMED_ROLE : IAM_NAMED_NONE;
            return (iam_str_eq(p->account, env->principal_account) &&
                    iam_str_eq(p->role_name, session_role(r->principal)))
                       ? IAM_NAMED_ROLE : IAM_NAMED_NONE;
        }
        return IAM_NAMED_NONE;
    case IAM_AWS_SESSION:
        return (k == IAM_PK_ASSUMED_ROLE_SESSION && iam_str_eq(p->value, r->principal))
                   ? IAM_NAMED_DIRECT : IAM_NAMED_NONE;
    case IAM_AWS_FEDUSER:
        return (k == IAM_PK_FEDERATED_USER && iam_str_eq(p->value, r->principal))
                   ? IAM_NAMED_DIRECT : IAM_NAMED_NONE;
    case IAM_AWS_OTHER:
        return iam_str_eq(p->value, r->principal) ? IAM_NAMED_DIRECT : IAM_NAMED_NONE;
    }
    return IAM_NAMED_NONE;
}

static bool listed(const iam__stmt *st, iam__aws_form form, iam_str value, iam_str account)
{
    for (uint32_t i = 0; i < st->nprincipals; i++) {
        const iam__principal *p = &st->principals[i];
        if (p->type == IAM_PR_ANY)
            return true;
        if (p->type != IAM_PR_AWS || p->form != form)
            continue;
        if (form == IAM_AWS_ACCOUNT ? iam_str_eq(p->account, account) : iam_str_eq(p->value, value))
            return true;
    }
    return false;
}

/* NotPrincipal excludes a caller only when its whole identity chain is
 * listed: the session, its role and the account; a user and its account;
 * the account for the root user (IAM guide, NotPrincipal). An account entry
 * there stands for the root user only, not for every principal in it. */
static bool not_principal_excludes(const iam__stmt *st, const iam__req_env *env)
{
    const iam_request *r = env->req;
    iam_str acct = env->principal_account;
    switch (r->principal_kind) {
    case IAM_PK_ACCOUNT_ROOT:
        return listed(st, IAM_AWS_ACCOUNT, IAM_STR(""), acct);
    case IAM_PK_IAM_USER:
        return listed(st, IAM_AWS_USER, r->principal, acct) && listed(st, IAM_AWS_ACCOUNT, IAM_STR(""), acct);
    case IAM_PK_IAM_ROLE:
        return listed(st, IAM_AWS_ROLE, r->principal, acct) && listed(st, IAM_AWS_ACCOUNT, IAM_STR(""), acct);
    case IAM_PK_FEDERATED_USER:
        return listed(st, IAM_AWS_FEDUSER, r->principal, acct) && listed(st, IAM_AWS_ACCOUNT, IAM_STR(""), acct);
    case IAM_PK_ASSUMED_ROLE_SESSION: {
        if (!listed(st, IAM_AWS_SESSION, r->principal, acct) || !listed(st, IAM_AWS_ACCOUNT, IAM_STR(""), acct))
            return false;
        for (uint32_t i = 0; i < st->nprincipals; i++) {
            const iam__principal *p = &st->principals[i];
            if (p->type == IAM_PR_ANY ||
                (p->type == IAM_PR_AWS && p->form == IAM_AWS_ROLE && principal_naming(p, env) == IAM_NAMED_ROLE))
                return true;
        }
        return false;
    }
    default:
        break;
    }
    for (uint32_t i = 0; i < st->nprincipals; i++)
        if (principal_naming(&st->principals[i], env) != IAM_NAMED_NONE)
            return true;
    return false;
}

static bool principal_matches(const iam__stmt *st, const iam__req_env *env, iam__naming *naming)
{
    if (!st->not_principal) {
        iam__naming best = IAM_NAMED_NONE;
        for (uint32_t i = 0; i < st->nprincipals; i++) {
            iam__naming n = principal_naming(&st->principals[i], env);
            if (n > best)
                best = n;
        }
        *naming = best;
        return best != IAM_NAMED_NONE;
    }
    /* NotPrincipal: everyone but the listed principals. A principal with a
     * permissions boundary is never excluded by a Deny + NotPrincipal. */
    *naming = IAM_NAMED_DIRECT;
    if (st->effect == IAM_EFFECT_DENY && env->has_boundary)
        return true;
    if (st->effect == IAM_EFFECT_DENY)
        return !not_principal_excludes(st, env);
    /* Allow + NotPrincipal (unsupported by AWS, evaluated leniently): any
     * entry that names the caller keeps the grant from it. */
    for (uint32_t i = 0; i < st->nprincipals; i++)
        if (principal_naming(&st->principals[i], env) != IAM_NAMED_NONE)
            return false;
    return true;
}

bool iam__stmt_applies(const iam__stmt *st, const iam__req_env *env, bool action_known,
                       bool need_principal, iam__naming *naming)
{
    *naming = IAM_NAMED_NONE;
    if (st->no_action || (!action_known && !action_matches(st, env)) || !resource_matches(st, env))
        return false;
    if (st->has_principal ? !principal_matches(st, env, naming) : need_principal)
        return false;
    for (uint32_t i = 0; i < st->nconds; i++)
        if (!iam__cond_eval(&st->conds[i], env))
            return false;
    return true;
}
