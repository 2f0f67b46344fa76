/* api_inline.c - inline policies of users, groups and roles: Put, Get,
 * List and Delete{User,Group,Role}Policy(ies). AWS limits the aggregate
 * size of a principal's inline policies (whitespace excluded): 2048 chars
 * for a user, 5120 for a group, 10240 for a role; a put that would pass the
 * quota fails LimitExceeded with AWS's message. */
#include <string.h>
#include "api_policies.h"

typedef struct inline_kind {
    iam_entity_kind kind;
    size_t owner_max;          /* existingUserNameType 128, groupNameType 128, roleNameType 64 */
    const char *owner_elem;    /* reply element naming the owner */
    const char *owner_audit;
    const char *put, *get, *list, *del; /* IAM actions */
} inline_kind;

static const inline_kind K_USER = { IAM_EK_USER, 128, "UserName", "userName", "iam:PutUserPolicy",
                                    "iam:GetUserPolicy", "iam:ListUserPolicies", "iam:DeleteUserPolicy" };
static const inline_kind K_GROUP = { IAM_EK_GROUP, 128, "GroupName", "groupName", "iam:PutGroupPolicy",
                                     "iam:GetGroupPolicy", "iam:ListGroupPolicies", "iam:DeleteGroupPolicy" };
static const inline_kind K_ROLE = { IAM_EK_ROLE, 64, "RoleName", "roleName", "iam:PutRolePolicy",
                                    "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:DeleteRolePolicy" };

static const iam_inline_policy *find_inline(const srv_pol_owner *o, iam_str name)
{
    for (size_t i = 0; i < o->inline_policies.n; i++)
        if (iam_str_eq(iam_str_from_cstr(o->inline_policies.items[i].name), name))
            return &o->inline_policies.items[i];
    return NULL;
}

static bool inline_missing(srv_call *c, const srv_pol_owner *o, iam_str name)
{
    return srv_fail(c, "NoSuchEntity", "The %s policy with name %.*s cannot be found.", o->noun, (int)name.len,
                    name.ptr);
}

/* Owner (and PolicyName when `named`) read, `action` authorized on the
 * owner with its resource tags, the owner found. */
static bool inline_head(srv_call *c, const inline_kind *k, const char *action, bool named, srv_pol_owner *o,
                        iam_str *name)
{
    iam_context *ctx;

    if (!srv_pol_owner_param(c, k->kind, k->owner_max, o))
        return false;
    if (named && !srv_param_name(c, "PolicyName", true, 128, name))
        return false;
    srv_audit_request_param(c, k->owner_audit, o->name);
    if (named)
        srv_audit_request_param(c, "policyName", *name);
    ctx = srv_pol_context(c, o->tags);
    return ctx != NULL && srv_authorize(c, action, o->arn, ctx);
}

static uint32_t aggregate_quota(srv_call *c, iam_entity_kind kind)
{
    const srv_quotas *q = srv_quota(c);
    return kind == IAM_EK_USER ? q->policy_size_user_inline
         : kind == IAM_EK_GROUP ? q->policy_size_group_inline : q->policy_size_role_inline;
}

static bool put(srv_call *c, const inline_kind *k)
{
    srv_pol_owner o;
    iam_str name, doc;
    size_t total;
    uint32_t max = aggregate_quota(c, k->kind);
    iam_txn *t;

    if (!srv_pol_owner_param(c, k->kind, k->owner_max, &o) || !srv_param_name(c, "PolicyName", true, 128, &name) ||
        !srv_param(c, "PolicyDocument", true, &doc))
        return false;
    srv_audit_request_param(c, k->owner_audit, o.name);
    srv_audit_request_param(c, "policyName", name);
    srv_audit_request_param(c, "policyDocument", doc);
    iam_context *ctx = srv_pol_context(c, o.tags);
    if (ctx == NULL || !srv_authorize(c, k->put, o.arn, ctx))
        return false;
    if (o.id == NULL)
        return srv_pol_owner_missing(c, &o);
    /* The quota that matters is the aggregate of the owner's inline
     * policies (the one being replaced excepted), with AWS's message. */
    if (!srv_pol_validate(c, doc))
        return false;
    total = srv_pol_doc_size(doc);
    for (size_t i = 0; i < o.inline_policies.n; i++)
        if (!iam_str_eq(iam_str_from_cstr(o.inline_policies.items[i].name), name))
            total += srv_pol_doc_size(iam_str_from_cstr(o.inline_policies.items[i].document));
    if (total > max)
        return srv_fail(c, "LimitExceeded", "Maximum policy size of %u bytes exceeded for %s %.*s", max, o.noun,
                        (int)o.name.len, o.name.ptr);
    if (!srv_begin(c, &t) ||
        !srv_store(c, t, iam_txn_inline_put(t, k->kind, iam_str_from_cstr(o.id), name, doc), "policy"))
        return false;
    return srv_commit(c, t);
}

static bool get(srv_call *c, const inline_kind *k)
{
    srv_pol_owner o;
    iam_str name;
    const iam_inline_policy *ip;

    if (!inline_head(c, k, k->get, true, &o, &name))
        return false;
    if (o.id == NULL)
        return srv_pol_owner_missing(c, &o);
    if ((ip = find_inline(&o, name)) == NULL)
        return inline_missing(c, &o, name);
    srv_xml_str(c->out, k->owner_elem, o.name);
    srv_xml_cstr(c->out, "PolicyName", ip->name);
    srv_xml_policy_doc(c->out, "PolicyDocument", ip->document);
    return true;
}

static bool list(srv_call *c, const inline_kind *k)
{
    srv_pol_owner o;
    srv_page pg;
    srv_pol_item *items;
    srv_pol_range r;
    size_t n;

    if (!srv_pol_owner_param(c, k->kind, k->owner_max, &o) || !srv_param_page(c, &pg))
        return false;
    srv_audit_request_param(c, k->owner_audit, o.name);
    iam_context *ctx = srv_pol_context(c, o.tags);
    if (ctx == NULL || !srv_authorize(c, k->list, o.arn, ctx))
        return false;
    if (o.id == NULL)
        return srv_pol_owner_missing(c, &o);
    n = o.inline_policies.n;
    items = srv_alloc(c, (n + 1) * sizeof *items);
    if (items == NULL)
        return srv_pol_oom(c);
    for (size_t i = 0; i < n; i++) {
        items[i].key = o.inline_policies.items[i].name;
        items[i].obj = &o.inline_policies.items[i];
    }
    srv_pol_page(&pg, items, n, &r);
    srv_xml_open(c->out, "PolicyNames");
    for (size_t i = r.start; i < r.end; i++)
        srv_xml_cstr(c->out, "member", items[i].key);
    srv_xml_close(c->out);
    srv_xml_page_end(c->out, r.truncated, r.marker);
    return true;
}

static bool del(srv_call *c, const inline_kind *k)
{
    srv_pol_owner o;
    iam_str name;
    iam_txn *t;

    if (!inline_head(c, k, k->del, true, &o, &name))
        return false;
    if (o.id == NULL)
        return srv_pol_owner_missing(c, &o);
    if (find_inline(&o, name) == NULL)
        return inline_missing(c, &o, name);
    if (!srv_begin(c, &t) ||
        !srv_store(c, t, iam_txn_inline_delete(t, k->kind, iam_str_from_cstr(o.id), name), "policy"))
        return false;
    return srv_commit(c, t);
}

bool srv_pol_put_user(srv_call *c) { return put(c, &K_USER); }
bool srv_pol_put_group(srv_call *c) { return put(c, &K_GROUP); }
bool srv_pol_put_role(srv_call *c) { return put(c, &K_ROLE); }
bool srv_pol_get_user(srv_call *c) { return get(c, &K_USER); }
bool srv_pol_get_group(srv_call *c) { return get(c, &K_GROUP); }
bool srv_pol_get_role(srv_call *c) { return get(c, &K_ROLE); }
bool srv_pol_list_user(srv_call *c) { return list(c, &K_USER); }
bool srv_pol_list_group(srv_call *c) { return list(c, &K_GROUP); }
bool srv_pol_list_role(srv_call *c) { return list(c, &K_ROLE); }
bool srv_pol_delete_user(srv_call *c) { return del(c, &K_USER); }
bool srv_pol_delete_group(srv_call *c) { return del(c, &K_GROUP); }
bool srv_pol_delete_role(srv_call *c) { return del(c, &K_ROLE); }
