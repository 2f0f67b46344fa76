/* api_attach.c - managed policy attachments: Attach/Detach{User,Group,Role}
 * Policy, ListAttached{User,Group,Role}Policies and ListEntitiesForPolicy.
 * Attach and detach carry iam:PolicyARN in the authorization context, so
 * an administrator can delegate "attach only these policies". Attaching a
 * policy that is already attached succeeds without a write, as on AWS. */
#include <stdlib.h>
#include <string.h>
#include "api_policies.h"

static const char *owner_param_audit(iam_entity_kind kind)
{
    return kind == IAM_EK_USER ? "userName" : kind == IAM_EK_GROUP ? "groupName" : "roleName";
}

/* AWS's name limits for the owner parameter of these actions. */
static size_t owner_max(iam_entity_kind kind)
{
    return kind == IAM_EK_GROUP ? 128 : 64;
}

static bool is_attached(const srv_pol_owner *o, const iam_managed_policy *p)
{
    for (size_t i = 0; i < o->n_attached; i++)
        if (o->attached[i] == p || strcmp(o->attached[i]->id, p->id) == 0)
            return true;
    return false;
}

/* Owner and PolicyArn read, the action authorized with iam:PolicyARN, and
 * both looked up (policy NULL when it does not exist). */
static bool attach_head(srv_call *c, iam_entity_kind kind, const char *action, srv_pol_owner *o, iam_str *arn,
                        const iam_managed_policy **p)
{
    iam_context *ctx;

    if (!srv_pol_owner_param(c, kind, owner_max(kind), o) || !srv_pol_param_arn(c, arn))
        return false;
    srv_audit_request_param(c, owner_param_audit(kind), o->name);
    srv_audit_request_param(c, "policyArn", *arn);
    if ((ctx = srv_pol_context(c, o->tags)) == NULL)
        return false;
    if (iam_context_add(ctx, IAM_STR("iam:PolicyARN"), *arn) != IAM_OK)
        return srv_pol_oom(c);
    if (!srv_authorize(c, action, o->arn, ctx))
        return false;
    if (o->id == NULL)
        return srv_pol_owner_missing(c, o);
    *p = srv_pol_find(c, *arn);
    return true;
}

static bool attach(srv_call *c, iam_entity_kind kind, const char *action, const char *quota_name)
{
    srv_pol_owner o;
    iam_str arn;
    const iam_managed_policy *p;
    uint32_t max = srv_quota(c)->managed_per_principal;
    iam_txn *t;

    if (!attach_head(c, kind, action, &o, &arn, &p))
        return false;
    if (p == NULL)
        return srv_pol_fail_missing(c, arn);
    if (is_attached(&o, p))
        return true;
    if (o.n_attached >= max)
        return srv_fail(c, "LimitExceeded", "Cannot exceed quota for %s: %u", quota_name, max);
    if (!srv_begin(c, &t) ||
        !srv_store(c, t, iam_txn_attach(t, kind, iam_str_from_cstr(o.id), iam_str_from_cstr(p->id)), "policy"))
        return false;
    return srv_commit(c, t);
}

static bool detach(srv_call *c, iam_entity_kind kind, const char *action)
{
    srv_pol_owner o;
    iam_str arn;
    const iam_managed_policy *p;
    iam_txn *t;

    if (!attach_head(c, kind, action, &o, &arn, &p))
        return false;
    if (p == NULL || !is_attached(&o, p))
        return srv_fail(c, "NoSuchEntity", "Policy %.*s was not found.", (int)arn.len, arn.ptr);
    if (!srv_begin(c, &t) ||
        !srv_store(c, t, iam_txn_detach(t, kind, iam_str_from_cstr(o.id), iam_str_from_cstr(p->id)), "policy"))
        return false;
    return srv_commit(c, t);
}

bool srv_pol_attach_user(srv_call *c)
{
    return attach(c, IAM_EK_USER, "iam:AttachUserPolicy", "PoliciesPerUser");
}

bool srv_pol_attach_group(srv_call *c)
{
    return attach(c, IAM_EK_GROUP, "iam:AttachGroupPolicy", "PoliciesPerGroup");
}

bool srv_pol_attach_role(srv_call *c)
{
    return attach(c, IAM_EK_ROLE, "iam:AttachRolePolicy", "PoliciesPerRole");
}

bool srv_pol_detach_user(srv_call *c)
{
    return detach(c, IAM_EK_USER, "iam:DetachUserPolicy");
}

bool srv_pol_detach_group(srv_call *c)
{
    return detach(c, IAM_EK_GROUP, "iam:DetachGroupPolicy");
}

bool srv_pol_detach_role(srv_call *c)
{
    return detach(c, IAM_EK_ROLE, "iam:DetachRolePolicy");
}

/* ---- ListAttached*Policies ---- */

static bool list_attached(srv_call *c, iam_entity_kind kind, const char *action)
{
    srv_pol_owner o;
    iam_str prefix;
    srv_page pg;
    iam_context *ctx;
    srv_pol_item *items;
    size_t n = 0;
    srv_pol_range r;

    if (!srv_pol_owner_param(c, kind, owner_max(kind), &o) || !srv_param_path(c, "PathPrefix", &prefix) ||
        !srv_param_page(c, &pg))
        return false;
    srv_audit_request_param(c, owner_param_audit(kind), o.name);
    if ((ctx = srv_pol_context(c, o.tags)) == NULL || !srv_authorize(c, action, o.arn, ctx))
        return false;
    if (o.id == NULL)
        return srv_pol_owner_missing(c, &o);
    items = srv_alloc(c, (o.n_attached + 1) * sizeof *items);
    if (items == NULL)
        return srv_pol_oom(c);
    for (size_t i = 0; i < o.n_attached; i++) {
        const iam_managed_policy *p = o.attached[i];
        if (!srv_pol_path_has_prefix(p->path, prefix))
            continue;
        items[n].key = srv_strf(c, "%s %s", p->name, p->arn);
        items[n].obj = p;
        if (items[n++].key == NULL)
            return srv_pol_oom(c);
    }
    srv_pol_page(&pg, items, n, &r);
    srv_xml_open(c->out, "AttachedPolicies");
    for (size_t i = r.start; i < r.end; i++) {
        const iam_managed_policy *p = items[i].obj;
        srv_xml_open(c->out, "member");
        srv_xml_cstr(c->out, "PolicyName", p->name);
        srv_xml_cstr(c->out, "PolicyArn", p->arn);
        srv_xml_close(c->out);
    }
    srv_xml_close(c->out);
    srv_xml_page_end(c->out, r.truncated, r.marker);
    return true;
}

bool srv_pol_list_attached_user(srv_call *c)
{
    return list_attached(c, IAM_EK_USER, "iam:ListAttachedUserPolicies");
}

bool srv_pol_list_attached_group(srv_call *c)
{
    return list_attached(c, IAM_EK_GROUP, "iam:ListAttachedGroupPolicies");
}

bool srv_pol_list_attached_role(srv_call *c)
{
    return list_attached(c, IAM_EK_ROLE, "iam:ListAttachedRolePolicies");
}

/* ---- ListEntitiesForPolicy ---- */

static bool in_list(const iam_managed_policy *const *att, size_t n, const iam_managed_policy *p)
{
    for (size_t i = 0; i < n; i++)
        if (att[i] == p || strcmp(att[i]->id, p->id) == 0)
            return true;
    return false;
}

typedef struct entity_set {
    srv_pol_item *items;
    size_t n, cap;
} entity_set;

/* Keys "G name", "R name", "U name": one sorted list over the three kinds,
 * so that one Marker pages through all of them. */
static bool entity_add(srv_call *c, entity_set *s, char tag, const char *name, const void *obj)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 32;
        srv_pol_item *a = srv_alloc(c, cap * sizeof *a);
        if (a == NULL)
            return false;
        if (s->n)
            memcpy(a, s->items, s->n * sizeof *a);
        s->items = a, s->cap = cap;
    }
    s->items[s->n].key = srv_strf(c, "%c %s", tag, name);
    s->items[s->n].obj = obj;
    if (s->items[s->n].key == NULL)
        return false;
    s->n++;
    return true;
}

static const char *const filter_values[] = { "User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy", NULL };
static const char *const usage_values[] = { "PermissionsPolicy", "PermissionsBoundary", NULL };

static void emit_entities(srv_call *c, const char *list, char tag, const srv_pol_item *items, const srv_pol_range *r)
{
    srv_xml_open(c->out, list);
    for (size_t i = r->start; i < r->end; i++) {
        if (items[i].key[0] != tag)
            continue;
        srv_xml_open(c->out, "member");
        if (tag == 'G') {
            const iam_group *g = items[i].obj;
            srv_xml_cstr(c->out, "GroupName", g->name);
            srv_xml_cstr(c->out, "GroupId", g->id);
        } else if (tag == 'U') {
            const iam_user *u = items[i].obj;
            srv_xml_cstr(c->out, "UserName", u->name);
            srv_xml_cstr(c->out, "UserId", u->id);
        } else {
            const iam_role *ro = items[i].obj;
            srv_xml_cstr(c->out, "RoleName", ro->name);
            srv_xml_cstr(c->out, "RoleId", ro->id);
        }
        srv_xml_close(c->out);
    }
    srv_xml_close(c->out);
}

bool srv_pol_list_entities(srv_call *c)
{
    iam_str arn, filter, usage, prefix;
    srv_page pg;
    const iam_managed_policy *p;
    iam_context *ctx;
    iam_str acct = iam_str_from_cstr(c->caller->account);
    entity_set s = { NULL, 0, 0 };
    srv_pol_range r;
    bool want_users, want_groups, want_roles, perms, bounds;
    iam_snap_list l;

    if (!srv_pol_param_arn(c, &arn) ||
        !srv_pol_param_enum(c, "EntityFilter", "entityFilter", filter_values, &filter) ||
        !srv_param_path(c, "PathPrefix", &prefix) ||
        !srv_pol_param_enum(c, "PolicyUsageFilter", "policyUsageFilter", usage_values, &usage) ||
        !srv_param_page(c, &pg))
        return false;
    srv_audit_request_param(c, "policyArn", arn);
    p = srv_pol_find(c, arn);
    if ((ctx = srv_pol_context(c, p ? p->tags : (iam_tags){ NULL, 0 })) == NULL ||
        !srv_authorize(c, "iam:ListEntitiesForPolicy", srv_strndup(c, arn), ctx))
        return false;
    if (p == NULL)
        return srv_pol_fail_missing(c, arn);

    want_users = filter.len == 0 || iam_str_eq(filter, IAM_STR("User"));
    want_groups = filter.len == 0 || iam_str_eq(filter, IAM_STR("Group"));
    want_roles = filter.len == 0 || iam_str_eq(filter, IAM_STR("Role"));
    perms = !iam_str_eq(usage, IAM_STR("PermissionsBoundary"));
    bounds = !iam_str_eq(usage, IAM_STR("PermissionsPolicy"));

    /* A scan of this account's principals: attachments of an AWS-managed
     * policy in other accounts must not show, and boundaries count too. */
    if (want_users) {
        l = iam_snap_users(c->snap, acct);
        for (size_t i = 0; i < l.n; i++) {
            const iam_user *u = l.items[i];
            bool uses = (perms && in_list(u->attached, u->n_attached, p)) ||
                        (bounds && u->boundary_arn != NULL && strcmp(u->boundary_arn, p->arn) == 0);
            if (uses && srv_pol_path_has_prefix(u->path, prefix) && !entity_add(c, &s, 'U', u->name, u))
                return srv_pol_oom(c);
        }
    }
    if (want_groups && perms) {
        l = iam_snap_groups(c->snap, acct);
        for (size_t i = 0; i < l.n; i++) {
            const iam_group *g = l.items[i];
            if (in_list(g->attached, g->n_attached, p) && srv_pol_path_has_prefix(g->path, prefix) &&
                !entity_add(c, &s, 'G', g->name, g))
                return srv_pol_oom(c);
        }
    }
    if (want_roles) {
        l = iam_snap_roles(c->snap, acct);
        for (size_t i = 0; i < l.n; i++) {
            const iam_role *ro = l.items[i];
            bool uses = (perms && in_list(ro->attached, ro->n_attached, p)) ||
                        (bounds && ro->boundary_arn != NULL && strcmp(ro->boundary_arn, p->arn) == 0);
            if (uses && srv_pol_path_has_prefix(ro->path, prefix) && !entity_add(c, &s, 'R', ro->name, ro))
                return srv_pol_oom(c);
        }
    }
    srv_pol_page(&pg, s.items, s.n, &r);
    emit_entities(c, "PolicyGroups", 'G', s.items, &r);
    emit_entities(c, "PolicyUsers", 'U', s.items, &r);
    emit_entities(c, "PolicyRoles", 'R', s.items, &r);
    srv_xml_page_end(c->out, r.truncated, r.marker);
    return true;
}
