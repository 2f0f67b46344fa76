/* authz.c - authorization of API calls: the request context AWS supplies
 * (aws:username, aws:PrincipalArn, aws:CurrentTime, aws:SourceIp, ...), the
 * caller's identity policies and permissions boundary from the pinned
 * snapshot, the decision through the policy engine, and AWS's denial
 * messages. The engine takes one context per decision, so every context a
 * handler gets from srv_context() starts with the global keys already in
 * it and the handler's extra keys go on top. Any internal error denies. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "srv_int.h"

static bool add(iam_context *ctx, const char *key, iam_str value)
{
    return iam_context_add(ctx, iam_str_from_cstr(key), value) == IAM_OK;
}

static bool add_c(iam_context *ctx, const char *key, const char *value)
{
    return value == NULL || add(ctx, key, iam_str_from_cstr(value));
}

/* The global condition keys of the request. */
static bool add_globals(srv_call *c, iam_context *ctx)
{
    const srv_principal *p = c->caller;
    /* Formatted once per second per thread: every request needs both. */
    static _Thread_local int64_t cached = -1;
    static _Thread_local char now_iso[21], epoch[24];
    if (cached != c->now) {
        srv_iso8601(c->now, now_iso);
        snprintf(epoch, sizeof epoch, "%" PRId64, c->now);
        cached = c->now;
    }
    bool ok = add_c(ctx, "aws:CurrentTime", now_iso) && add_c(ctx, "aws:EpochTime", epoch) &&
              add_c(ctx, "aws:SecureTransport", c->secure_transport ? "true" : "false") &&
              add_c(ctx, "aws:PrincipalIsAWSService", "false") && add_c(ctx, "aws:ViaAWSService", "false");
    if (ok && c->source_ip.len > 0)
        ok = add(ctx, "aws:SourceIp", c->source_ip);
    if (ok && c->user_agent.len > 0)
        ok = add(ctx, "aws:UserAgent", c->user_agent);
    if (ok && c->region.len > 0)
        ok = add(ctx, "aws:RequestedRegion", c->region);
    if (ok && p != NULL) {
        /* A role session's aws:PrincipalArn is its role's ARN (with path). */
        const char *parn = p->kind == IAM_PK_ASSUMED_ROLE_SESSION && p->role != NULL ? p->role->arn : p->arn;
        ok = add_c(ctx, "aws:PrincipalArn", parn) && add_c(ctx, "aws:PrincipalAccount", p->account) &&
             add_c(ctx, "aws:userid", p->id);
        if (ok && p->kind == IAM_PK_ASSUMED_ROLE_SESSION)
            ok = add_c(ctx, "aws:PrincipalType", "AssumedRole");
        if (ok && p->kind == IAM_PK_ACCOUNT_ROOT)
            ok = add_c(ctx, "aws:PrincipalType", "Account");
        if (ok && p->kind == IAM_PK_IAM_USER) {
            ok = add_c(ctx, "aws:PrincipalType", "User") && add_c(ctx, "aws:username", p->name);
            for (size_t i = 0; ok && p->user != NULL && i < p->user->tags.n; i++) {
                char key[200];
                int n = snprintf(key, sizeof key, "aws:PrincipalTag/%s", p->user->tags.items[i].key);
                if (n > 0 && (size_t)n < sizeof key)
                    ok = add_c(ctx, key, p->user->tags.items[i].value ? p->user->tags.items[i].value : "");
            }
        }
        if (ok && p->session != NULL)
            ok = srv_session_context(c, ctx);
    }
    return ok;
}

iam_context *srv_context(srv_call *c)
{
    srv_request *r = srv_req_of(c);
    srv_ctx_item *it = srv_alloc(c, sizeof *it);
    iam_context *ctx = NULL;
    if (it == NULL || iam_context_new(&ctx) != IAM_OK)
        return NULL;
    it->ctx = ctx;
    it->next = r->contexts;
    r->contexts = it; /* freed with the request, even if filling fails */
    if (!add_globals(c, ctx))
        return NULL;
    return ctx;
}

bool srv_context_resource_tags(srv_call *c, iam_context *ctx, iam_tags tags)
{
    for (size_t i = 0; i < tags.n; i++) {
        char *key = srv_strf(c, "aws:ResourceTag/%s", tags.items[i].key);
        if (key == NULL || !add_c(ctx, key, tags.items[i].value ? tags.items[i].value : ""))
            return false;
    }
    return true;
}

bool srv_context_request_tags(srv_call *c, iam_context *ctx, const iam_tag *tags, size_t n)
{
    iam_str *keys = srv_alloc(c, (n ? n : 1) * sizeof *keys);
    if (keys == NULL)
        return false;
    for (size_t i = 0; i < n; i++) {
        char *key = srv_strf(c, "aws:RequestTag/%s", tags[i].key);
        if (key == NULL || !add_c(ctx, key, tags[i].value ? tags[i].value : ""))
            return false;
        keys[i] = iam_str_from_cstr(tags[i].key);
    }
    return iam_context_set(ctx, IAM_STR("aws:TagKeys"), keys, n) == IAM_OK;
}

static bool is_request_context(srv_request *r, const iam_context *ctx)
{
    for (const srv_ctx_item *it = r->contexts; it != NULL; it = it->next)
        if (it->ctx == ctx)
            return true;
    return false;
}

/* The account field of an ARN (arn:p:s:r:ACCOUNT:...); empty when none. */
static iam_str arn_account(const char *arn)
{
    if (arn == NULL || strncmp(arn, "arn:", 4) != 0)
        return IAM_STR_NULL;
    const char *p = arn;
    for (int i = 0; i < 4; i++) {
        p = strchr(p, ':');
        if (p == NULL)
            return IAM_STR_NULL;
        p++;
    }
    const char *e = strchr(p, ':');
    return e ? (iam_str){ p, (size_t)(e - p) } : IAM_STR_NULL;
}

static bool deny(srv_call *c, const char *action, const char *resource, const char *why)
{
    return srv_fail(c, "AccessDenied", "User: %s is not authorized to perform: %s on resource: %s %s",
                    c->caller && c->caller->arn ? c->caller->arn : "anonymous", action, resource, why);
}

static bool deny_implicit_by(srv_call *c, const char *action, const char *resource, iam_policy_type blocked)
{
    const char *what = blocked == IAM_PT_BOUNDARY  ? "permissions boundary"
                       : blocked == IAM_PT_SESSION ? "session policy"
                                                   : "identity-based policy";
    char *why = srv_strf(c, "because no %s allows the %s action", what, action);
    return deny(c, action, resource, why ? why : "");
}

static bool deny_implicit(srv_call *c, const char *action, const char *resource, bool boundary)
{
    return deny_implicit_by(c, action, resource, boundary ? IAM_PT_BOUNDARY : IAM_PT_IDENTITY);
}

bool srv_caller_policy_set(srv_call *c, iam_policy_set *set)
{
    const srv_principal *p = c->caller;
    memset(set, 0, sizeof *set);
    if (p == NULL)
        return false;
    iam_principal_policies pp;
    memset(&pp, 0, sizeof pp);
    iam_err err = IAM_OK;
    if (p->kind == IAM_PK_IAM_USER && p->user != NULL)
        err = iam_snap_user_policies(c->snap, p->user, &pp);
    else if (p->kind == IAM_PK_ASSUMED_ROLE_SESSION && p->role != NULL)
        err = iam_snap_role_policies(c->snap, p->role, &pp);
    else if (p->kind != IAM_PK_ACCOUNT_ROOT)
        return false;
    if (err != IAM_OK)
        return false;
    set->identity = pp.identity;
    set->boundary = pp.boundary;
    return srv_session_policies(c, &set->session);
}

bool srv_authorize(srv_call *c, const char *action, const char *resource, const iam_context *extra)
{
    srv_request *r = srv_req_of(c);
    srv_metrics *m = r->srv->metrics;
    const srv_principal *p = c->caller;
    if (resource == NULL || *resource == 0)
        resource = "*";
    if (p == NULL || action == NULL) {
        srv_metrics_decision(m, SRV_DECISION_ERROR);
        return deny_implicit(c, action ? action : "", resource, false);
    }
    /* Nobody acts across accounts in the IAM API; AWS-managed policies
     * (account "aws") are readable by every account. */
    iam_str acct = arn_account(resource);
    bool same_account = acct.len == 0 || iam_str_eq(acct, iam_str_from_cstr(p->account)) ||
                        iam_str_eq(acct, IAM_STR(IAM_AWS_ACCOUNT));
    if (!same_account) {
        srv_metrics_decision(m, SRV_DECISION_IMPLICIT_DENY);
        return deny_implicit(c, action, resource, false);
    }
    if (p->kind == IAM_PK_ACCOUNT_ROOT) {
        srv_metrics_decision(m, SRV_DECISION_ALLOW);
        return true;
    }
    if (!(p->kind == IAM_PK_IAM_USER && p->user != NULL) &&
        !(p->kind == IAM_PK_ASSUMED_ROLE_SESSION && p->role != NULL)) {
        srv_metrics_decision(m, SRV_DECISION_ERROR);
        return deny_implicit(c, action, resource, false);
    }
    const iam_context *ctx = extra;
    if (ctx == NULL || !is_request_context(r, ctx)) {
        /* A context not from srv_context lacks the global keys: start from
         * the global ones and warn (the handler should use srv_context). */
        if (ctx != NULL)
            srv_log(SRV_LOG_WARN, "extra context not from srv_context; its keys are ignored", "action", action,
                    NULL);
        ctx = srv_context(c);
    }
    iam_policy_set set;
    if (ctx == NULL || !srv_caller_policy_set(c, &set)) {
        srv_metrics_decision(m, SRV_DECISION_ERROR);
        srv_log(SRV_LOG_ERROR, "authorization failed internally", "action", action, "request_id", r->request_id,
                NULL);
        return deny_implicit(c, action, resource, false);
    }
    iam_request req;
    memset(&req, 0, sizeof req);
    req.principal_kind = p->kind;
    req.principal = iam_str_from_cstr(p->arn);
    req.action = iam_str_from_cstr(action);
    req.resource = iam_str_from_cstr(resource);
    req.resource_account = iam_str_from_cstr(p->account);
    req.action_is_wildcard_only = strcmp(resource, "*") == 0;
    req.context = ctx;
    iam_eval_result res;
    if (iam_authorize(&set, &req, &res) != IAM_OK) {
        srv_metrics_decision(m, SRV_DECISION_ERROR);
        return deny_implicit(c, action, resource, false);
    }
    switch (res.decision) {
    case IAM_ALLOW:
        srv_metrics_decision(m, SRV_DECISION_ALLOW);
        return true;
    case IAM_EXPLICIT_DENY: {
        srv_metrics_decision(m, SRV_DECISION_EXPLICIT_DENY);
        iam_policy_type t = res.match_count > 0 ? res.matches[0].type : IAM_PT_IDENTITY;
        return deny(c, action, resource,
                    t == IAM_PT_BOUNDARY  ? "with an explicit deny in a permissions boundary"
                    : t == IAM_PT_SESSION ? "with an explicit deny in a session policy"
                                          : "with an explicit deny in an identity-based policy");
    }
    default:
        srv_metrics_decision(m, SRV_DECISION_IMPLICIT_DENY);
        return deny_implicit_by(c, action, resource, res.blocked_by);
    }
}
