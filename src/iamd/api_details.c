/* api_details.c - GetAccountAuthorizationDetails: every user, group, role
 * and managed policy of the caller's account with their relations, in one
 * paginated listing. The Marker runs over the concatenation (users, groups,
 * roles, policies), each part sorted by name. AWS-managed policies appear
 * only when this account uses them (attached or as a boundary), as AWS
 * reports them; their versions come with URL-encoded documents. */
#include <string.h>
#include "api_policies.h"

enum { F_USER = 1, F_GROUP = 2, F_ROLE = 4, F_LOCAL = 8, F_AWS = 16 };

static bool param_filter(srv_call *c, unsigned *out)
{
    static const struct { const char *name; unsigned bit; } kinds[] = {
        { "User", F_USER }, { "Role", F_ROLE }, { "Group", F_GROUP },
        { "LocalManagedPolicy", F_LOCAL }, { "AWSManagedPolicy", F_AWS },
    };
    iam_str *items = NULL;
    size_t n = 0;
    unsigned f = 0;

    if (!srv_param_list(c, "Filter", 16, &items, &n))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned bit = 0;
        for (size_t k = 0; k < sizeof kinds / sizeof kinds[0] && bit == 0; k++)
            if (iam_str_eq(items[i], iam_str_from_cstr(kinds[k].name)))
                bit = kinds[k].bit;
        if (bit == 0)
            return srv_fail(c, "ValidationError", "1 validation error detected: Value '[%.*s]' at 'filter' failed "
                            "to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value "
                            "set: [User, Role, Group, LocalManagedPolicy, AWSManagedPolicy]]",
                            (int)items[i].len, items[i].ptr);
        f |= bit;
    }
    *out = n == 0 ? (F_USER | F_GROUP | F_ROLE | F_LOCAL | F_AWS) : f;
    return true;
}

/* ---- Detail shapes ---- */

static void xml_inline(srv_call *c, const char *element, iam_inline_policies ip)
{
    srv_xml_open(c->out, element);
    for (size_t i = 0; i < ip.n; i++) {
        srv_xml_open(c->out, "member");
        srv_xml_cstr(c->out, "PolicyName", ip.items[i].name);
        srv_xml_policy_doc(c->out, "PolicyDocument", ip.items[i].document);
        srv_xml_close(c->out);
    }
    srv_xml_close(c->out);
}

static void xml_attached(srv_call *c, const iam_managed_policy *const *att, size_t n)
{
    srv_xml_open(c->out, "AttachedManagedPolicies");
    for (size_t i = 0; i < n; i++) {
        srv_xml_open(c->out, "member");
        srv_xml_cstr(c->out, "PolicyName", att[i]->name);
        srv_xml_cstr(c->out, "PolicyArn", att[i]->arn);
        srv_xml_close(c->out);
    }
    srv_xml_close(c->out);
}

static void xml_boundary(srv_call *c, const char *arn)
{
    if (arn == NULL)
        return;
    srv_xml_open(c->out, "PermissionsBoundary");
    srv_xml_cstr(c->out, "PermissionsBoundaryType", "PermissionsBoundaryPolicy");
    srv_xml_cstr(c->out, "PermissionsBoundaryArn", arn);
    srv_xml_close(c->out);
}

static void xml_user(srv_call *c, const iam_user *u)
{
    srv_xml_open(c->out, "member");
    srv_xml_cstr(c->out, "Path", u->path);
    srv_xml_cstr(c->out, "UserName", u->name);
    srv_xml_cstr(c->out, "UserId", u->id);
    srv_xml_cstr(c->out, "Arn", u->arn);
    srv_xml_time(c->out, "CreateDate", u->created);
    xml_inline(c, "UserPolicyList", u->inline_policies);
    srv_xml_open(c->out, "GroupList");
    for (size_t i = 0; i < u->n_groups; i++)
        srv_xml_cstr(c->out, "member", u->groups[i]->name);
    srv_xml_close(c->out);
    xml_attached(c, u->attached, u->n_attached);
    xml_boundary(c, u->boundary_arn);
    if (u->tags.n > 0)
        srv_xml_tags(c->out, "Tags", u->tags);
    srv_xml_close(c->out);
}

static void xml_group(srv_call *c, const iam_group *g)
{
    srv_xml_open(c->out, "member");
    srv_xml_cstr(c->out, "Path", g->path);
    srv_xml_cstr(c->out, "GroupName", g->name);
    srv_xml_cstr(c->out, "GroupId", g->id);
    srv_xml_cstr(c->out, "Arn", g->arn);
    srv_xml_time(c->out, "CreateDate", g->created);
    xml_inline(c, "GroupPolicyList", g->inline_policies);
    xml_attached(c, g->attached, g->n_attached);
    srv_xml_close(c->out);
}

static void xml_instance_profile(srv_call *c, const iam_instance_profile *ip)
{
    srv_xml_open(c->out, "member");
    srv_xml_cstr(c->out, "Path", ip->path);
    srv_xml_cstr(c->out, "InstanceProfileName", ip->name);
    srv_xml_cstr(c->out, "InstanceProfileId", ip->id);
    srv_xml_cstr(c->out, "Arn", ip->arn);
    srv_xml_time(c->out, "CreateDate", ip->created);
    srv_xml_open(c->out, "Roles");
    for (size_t i = 0; i < ip->n_roles; i++)
        srv_xml_role(c->out, "member", ip->roles[i]);
    srv_xml_close(c->out);
    if (ip->tags.n > 0)
        srv_xml_tags(c->out, "Tags", ip->tags);
    srv_xml_close(c->out);
}

static void xml_role(srv_call *c, const iam_role *r, iam_snap_list profiles)
{
    srv_xml_open(c->out, "member");
    srv_xml_cstr(c->out, "Path", r->path);
    srv_xml_cstr(c->out, "RoleName", r->name);
    srv_xml_cstr(c->out, "RoleId", r->id);
    srv_xml_cstr(c->out, "Arn", r->arn);
    srv_xml_time(c->out, "CreateDate", r->created);
    if (r->trust_document != NULL)
        srv_xml_policy_doc(c->out, "AssumeRolePolicyDocument", r->trust_document);
    srv_xml_open(c->out, "InstanceProfileList");
    for (size_t i = 0; i < r->n_instance_profiles; i++)
        for (size_t k = 0; k < profiles.n; k++) {
            const iam_instance_profile *ip = profiles.items[k];
            if (strcmp(ip->id, r->instance_profile_ids[i]) == 0)
                xml_instance_profile(c, ip);
        }
    srv_xml_close(c->out);
    xml_inline(c, "RolePolicyList", r->inline_policies);
    xml_attached(c, r->attached, r->n_attached);
    xml_boundary(c, r->boundary_arn);
    if (r->tags.n > 0)
        srv_xml_tags(c->out, "Tags", r->tags);
    srv_xml_open(c->out, "RoleLastUsed");
    if (r->last_used > 0) {
        srv_xml_time(c->out, "LastUsedDate", r->last_used);
        srv_xml_cstr(c->out, "Region", r->last_used_region);
    }
    srv_xml_close(c->out);
    srv_xml_close(c->out);
}

/* ---- The listing ---- */

typedef struct details {
    srv_pol_item *items;
    size_t n, cap;
} details;

/* Keys "1 user", "2 group", "3 role", "4 policy arn": the sections in
 * AWS's order, each by name, under one Marker. */
static bool add(srv_call *c, details *d, char section, const char *name, const char *arn, const void *obj)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 64;
        srv_pol_item *a = srv_alloc(c, cap * sizeof *a);
        if (a == NULL)
            return false;
        if (d->n)
            memcpy(a, d->items, d->n * sizeof *a);
        d->items = a, d->cap = cap;
    }
    d->items[d->n].key = arn ? srv_strf(c, "%c %s %s", section, name, arn) : srv_strf(c, "%c %s", section, name);
    d->items[d->n].obj = obj;
    if (d->items[d->n].key == NULL)
        return false;
    d->n++;
    return true;
}

static bool collect(srv_call *c, unsigned f, const srv_pol_usage *usage, details *d)
{
    iam_str acct = iam_str_from_cstr(c->caller->account);
    iam_snap_list l;

    if (f & F_USER) {
        l = iam_snap_users(c->snap, acct);
        for (size_t i = 0; i < l.n; i++)
            if (!add(c, d, '1', ((const iam_user *)l.items[i])->name, NULL, l.items[i]))
                return false;
    }
    if (f & F_GROUP) {
        l = iam_snap_groups(c->snap, acct);
        for (size_t i = 0; i < l.n; i++)
            if (!add(c, d, '2', ((const iam_group *)l.items[i])->name, NULL, l.items[i]))
                return false;
    }
    if (f & F_ROLE) {
        l = iam_snap_roles(c->snap, acct);
        for (size_t i = 0; i < l.n; i++)
            if (!add(c, d, '3', ((const iam_role *)l.items[i])->name, NULL, l.items[i]))
                return false;
    }
    if (f & F_LOCAL) {
        l = iam_snap_policies(c->snap, acct);
        for (size_t i = 0; i < l.n; i++) {
            const iam_managed_policy *p = l.items[i];
            if (!add(c, d, '4', p->name, p->arn, p))
                return false;
        }
    }
    if (f & F_AWS) {
        const iam_managed_policy *const *used;
        size_t n = srv_pol_usage_aws(usage, &used);
        for (size_t i = 0; i < n; i++)
            if (!add(c, d, '4', used[i]->name, used[i]->arn, used[i]))
                return false;
    }
    return true;
}

bool srv_pol_account_details(srv_call *c)
{
    unsigned f;
    srv_page pg;
    srv_pol_usage *usage;
    details d = { NULL, 0, 0 };
    srv_pol_range r;
    iam_snap_list profiles;
    static const char sections[] = "1234";
    static const char *const lists[] = { "UserDetailList", "GroupDetailList", "RoleDetailList", "Policies" };

    if (!param_filter(c, &f) || !srv_param_page(c, &pg))
        return false;
    if (!srv_authorize(c, "iam:GetAccountAuthorizationDetails", "*", NULL))
        return false;
    if ((usage = srv_pol_usage_scan(c)) == NULL)
        return false;
    if (!collect(c, f, usage, &d))
        return srv_pol_oom(c);
    profiles = iam_snap_instance_profiles(c->snap, iam_str_from_cstr(c->caller->account));
    srv_pol_page(&pg, d.items, d.n, &r);
    for (size_t s = 0; s < 4; s++) {
        srv_xml_open(c->out, lists[s]);
        for (size_t i = r.start; i < r.end; i++) {
            const void *obj = d.items[i].obj;
            if (d.items[i].key[0] != sections[s])
                continue;
            switch (s) {
            case 0: xml_user(c, obj); break;
            case 1: xml_group(c, obj); break;
            case 2: xml_role(c, obj, profiles); break;
            default: srv_pol_xml_policy(c, "member", obj, usage, SRV_POL_XML_DESC | SRV_POL_XML_VERSIONS); break;
            }
        }
        srv_xml_close(c->out);
    }
    srv_xml_page_end(c->out, r.truncated, r.marker);
    return true;
}
