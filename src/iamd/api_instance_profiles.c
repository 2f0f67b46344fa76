/* api_instance_profiles.c - the IAM Query API for instance profiles:
 * Create/Get/List/Delete, ListInstanceProfilesForRole, adding and removing
 * the (at most one, AWS's quota) role, and tags. Handlers are listed in
 * srv_actions_roles (api_roles.c) and share its helpers (api_roles.h).
 * As on AWS, putting a role into a profile also needs iam:PassRole on it. */
#include <stdint.h>
#include <string.h>

#include "api_roles.h"

#define IP_NAME_MAX 128

static iam_str account_of(const srv_call *c)
{
    return iam_str_from_cstr(c->caller->account);
}

static bool param_ip_name(srv_call *c, iam_str *name)
{
    return srv_param_name(c, "InstanceProfileName", true, IP_NAME_MAX, name);
}

static const iam_instance_profile *find_ip(srv_call *c, iam_str name)
{
    return iam_snap_instance_profile(c->snap, account_of(c), name);
}

static char *missing_ip(srv_call *c, iam_str name)
{
    return srv_strf(c, "Instance Profile %.*s cannot be found.", (int)name.len, name.ptr);
}

static const char *ip_arn(srv_call *c, const iam_instance_profile *ip, iam_str path, iam_str name)
{
    return ip ? ip->arn : srv_arn(c, c->caller->account, "instance-profile", path, name);
}

static void xml_ip(srv_call *c, const char *element, const iam_instance_profile *ip, bool tags)
{
    srv_xml *x = c->out;

    srv_xml_open(x, element);
    srv_xml_cstr(x, "Path", ip->path);
    srv_xml_cstr(x, "InstanceProfileName", ip->name);
    srv_xml_cstr(x, "InstanceProfileId", ip->id);
    srv_xml_cstr(x, "Arn", ip->arn);
    srv_xml_time(x, "CreateDate", ip->created);
    srv_xml_open(x, "Roles");
    for (size_t i = 0; i < ip->n_roles; i++)
        srv_roles_xml_role(c, "member", ip->roles[i], SRV_ROLE_XML_CORE);
    srv_xml_close(x);
    if (tags && ip->tags.n > 0)
        srv_xml_tags(x, "Tags", ip->tags);
    srv_xml_close(x);
}

/* Reads nothing: authorizes `action` on the profile `name` (with its tags
 * as aws:ResourceTag/<key>) and finds it. */
static bool ip_target(srv_call *c, const char *action, iam_str name, const iam_instance_profile **out)
{
    const iam_instance_profile *ip = find_ip(c, name);
    iam_context *ctx = NULL;

    srv_audit_request_param(c, "instanceProfileName", name);
    if (ip != NULL && ip->tags.n > 0 && (ctx = srv_roles_tag_context(c, NULL, 0, ip->tags)) == NULL)
        return false;
    const char *arn = ip_arn(c, ip, IAM_STR("/"), name);
    if (arn == NULL)
        return srv_fail(c, "ServiceFailure", "out of memory");
    if (!srv_authorize(c, action, arn, ctx))
        return false;
    if (ip == NULL)
        return srv_fail(c, "NoSuchEntity", "%s", missing_ip(c, name));
    *out = ip;
    return true;
}

bool srv_h_create_instance_profile(srv_call *c)
{
    iam_str name, path;
    iam_tag *tags = NULL;
    size_t n_tags = 0;

    if (!param_ip_name(c, &name) || !srv_param_path(c, "Path", &path) || !srv_param_tags(c, "Tags", &tags, &n_tags))
        return false;
    srv_audit_request_param(c, "instanceProfileName", name);
    srv_audit_request_param(c, "path", path);
    iam_context *ctx = srv_roles_tag_context(c, tags, n_tags, (iam_tags){ NULL, 0 });
    if (ctx == NULL)
        return false;
    const char *arn = ip_arn(c, NULL, path, name);
    if (arn == NULL)
        return srv_fail(c, "ServiceFailure", "out of memory");
    if (!srv_authorize(c, "iam:CreateInstanceProfile", arn, ctx))
        return false;
    if (find_ip(c, name) != NULL)
        return srv_fail(c, "EntityAlreadyExists", "Instance Profile %.*s already exists.", (int)name.len, name.ptr);
    iam_account_counts counts;
    iam_snap_account_counts(c->snap, account_of(c), &counts);
    uint32_t quota = srv_quota(c)->instance_profiles_per_account;
    if (counts.instance_profiles >= quota)
        return srv_fail(c, "LimitExceeded", "Cannot exceed quota for InstanceProfilesPerAccount: %u", quota);

    char id[IAM_ID_LEN + 1];
    if (iam_id_new("AIPA", id) != IAM_OK)
        return srv_fail(c, "ServiceFailure", "could not generate an instance profile id");
    iam_new_principal np = { .account = account_of(c), .id = iam_str_from_cstr(id), .name = name, .path = path };
    iam_txn *t;
    if (!srv_begin(c, &t))
        return false;
    if (!srv_store(c, t, iam_txn_instance_profile_create(t, &np), "instance profile"))
        return false;
    if (n_tags > 0 &&
        !srv_store(c, t, iam_txn_tags_set(t, IAM_EK_INSTANCE_PROFILE, np.id, tags, n_tags), "tags"))
        return false;
    if (!srv_commit(c, t))
        return false;
    const iam_instance_profile *ip = find_ip(c, name);
    if (ip == NULL)
        return srv_fail(c, "ServiceFailure", "the new instance profile is not visible");
    srv_audit_response_element(c, "instanceProfileId", np.id);
    srv_audit_response_element(c, "arn", iam_str_from_cstr(ip->arn));
    xml_ip(c, "InstanceProfile", ip, true);
    return true;
}

bool srv_h_get_instance_profile(srv_call *c)
{
    iam_str name;
    const iam_instance_profile *ip;

    if (!param_ip_name(c, &name) || !ip_target(c, "iam:GetInstanceProfile", name, &ip))
        return false;
    xml_ip(c, "InstanceProfile", ip, true);
    return true;
}

static bool keep_by_path(srv_call *c, const void *item, void *ud)
{
    (void)c;
    return srv_roles_path_has_prefix(((const iam_instance_profile *)item)->path, *(const iam_str *)ud);
}

/* Lists leave out tags, as AWS does. */
static void emit_ip(srv_call *c, const void *item, void *ud)
{
    (void)ud;
    xml_ip(c, "member", item, false);
}

bool srv_h_list_instance_profiles(srv_call *c)
{
    iam_str prefix;
    srv_page pg;

    if (!srv_roles_param_path_prefix(c, &prefix) || !srv_param_page(c, &pg))
        return false;
    srv_audit_request_param(c, "pathPrefix", prefix);
    const char *arn = srv_strf(c, "arn:%s:iam::%s:instance-profile/", srv_partition(c), c->caller->account);
    if (arn == NULL)
        return srv_fail(c, "ServiceFailure", "out of memory");
    if (!srv_authorize(c, "iam:ListInstanceProfiles", arn, NULL))
        return false;
    return srv_roles_page(c, &pg, iam_snap_instance_profiles(c->snap, account_of(c)), IAM_EK_INSTANCE_PROFILE,
                          "InstanceProfiles", keep_by_path, emit_ip, &prefix);
}

static bool keep_with_role(srv_call *c, const void *item, void *ud)
{
    const iam_instance_profile *ip = item;
    const iam_role *r = ud;

    (void)c;
    for (size_t i = 0; i < ip->n_roles; i++)
        if (strcmp(ip->roles[i]->id, r->id) == 0)
            return true;
    return false;
}

bool srv_h_list_instance_profiles_for_role(srv_call *c)
{
    iam_str name;
    srv_page pg;

    if (!srv_param_name(c, "RoleName", true, 64, &name) || !srv_param_page(c, &pg))
        return false;
    srv_audit_request_param(c, "roleName", name);
    const iam_role *r = srv_roles_find(c, name);
    iam_context *ctx = NULL;
    if (r != NULL && r->tags.n > 0 && (ctx = srv_roles_tag_context(c, NULL, 0, r->tags)) == NULL)
        return false;
    const char *arn = r ? r->arn : srv_arn(c, c->caller->account, "role", IAM_STR("/"), name);
    if (arn == NULL)
        return srv_fail(c, "ServiceFailure", "out of memory");
    if (!srv_authorize(c, "iam:ListInstanceProfilesForRole", arn, ctx))
        return false;
    if (r == NULL)
        return srv_roles_fail_no_role(c, name);
    /* The role knows its profiles by id; the account's sorted list gives
     * them in name order for paging. */
    return srv_roles_page(c, &pg, iam_snap_instance_profiles(c->snap, account_of(c)), IAM_EK_INSTANCE_PROFILE,
                          "InstanceProfiles", keep_with_role, emit_ip,
                          (void *)(uintptr_t)r);
}

bool srv_h_delete_instance_profile(srv_call *c)
{
    iam_str name;
    const iam_instance_profile *ip;

    if (!param_ip_name(c, &name) || !ip_target(c, "iam:DeleteInstanceProfile", name, &ip))
        return false;
    if (ip->n_roles > 0)
        return srv_fail(c, "DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.");
    iam_txn *t;
    if (!srv_begin(c, &t))
        return false;
    if (!srv_store(c, t, iam_txn_instance_profile_delete(t, iam_str_from_cstr(ip->id)), "instance profile"))
        return false;
    return srv_commit(c, t);
}

/* Authorizes `action` on the profile and, for adding, iam:PassRole on the
 * role; then finds both. */
static bool ip_and_role(srv_call *c, const char *action, bool pass_role, const iam_instance_profile **ip_out,
                        const iam_role **role_out, iam_str *role_name)
{
    iam_str name;
    const iam_instance_profile *ip = NULL;

    if (!param_ip_name(c, &name) || !srv_param_name(c, "RoleName", true, 64, role_name))
        return false;
    srv_audit_request_param(c, "roleName", *role_name);
    const iam_instance_profile *cur = find_ip(c, name);
    const iam_role *r = srv_roles_find(c, *role_name);
    iam_context *ctx = NULL;
    srv_audit_request_param(c, "instanceProfileName", name);
    if (cur != NULL && cur->tags.n > 0 && (ctx = srv_roles_tag_context(c, NULL, 0, cur->tags)) == NULL)
        return false;
    const char *arn = ip_arn(c, cur, IAM_STR("/"), name);
    if (arn == NULL)
        return srv_fail(c, "ServiceFailure", "out of memory");
    if (!srv_authorize(c, action, arn, ctx))
        return false;
    if (pass_role) {
        iam_context *rctx = NULL;
        if (r != NULL && r->tags.n > 0 && (rctx = srv_roles_tag_context(c, NULL, 0, r->tags)) == NULL)
            return false;
        const char *rarn = r ? r->arn : srv_arn(c, c->caller->account, "role", IAM_STR("/"), *role_name);
        if (rarn == NULL)
            return srv_fail(c, "ServiceFailure", "out of memory");
        if (!srv_authorize(c, "iam:PassRole", rarn, rctx))
            return false;
    }
    ip = cur;
    if (ip == NULL)
        return srv_fail(c, "NoSuchEntity", "%s", missing_ip(c, name));
    if (r == NULL)
        return srv_roles_fail_no_role(c, *role_name);
    *ip_out = ip;
    *role_out = r;
    return true;
}

static bool ip_has_role(const iam_instance_profile *ip, const iam_role *r)
{
    for (size_t i = 0; i < ip->n_roles; i++)
        if (strcmp(ip->roles[i]->id, r->id) == 0)
            return true;
    return false;
}

bool srv_h_add_role_to_instance_profile(srv_call *c)
{
    const iam_instance_profile *ip;
    const iam_role *r;
    iam_str role_name;

    if (!ip_and_role(c, "iam:AddRoleToInstanceProfile", true, &ip, &r, &role_name))
        return false;
    uint32_t quota = srv_quota(c)->roles_per_instance_profile;
    if (ip->n_roles >= quota)
        return srv_fail(c, "LimitExceeded", "Cannot exceed quota for InstanceSessionsPerInstanceProfile: %u", quota);
    if (ip_has_role(ip, r))
        return srv_fail(c, "EntityAlreadyExists", "Role %s is already in instance profile %s.", r->name, ip->name);
    iam_txn *t;
    if (!srv_begin(c, &t))
        return false;
    if (!srv_store(c, t,
                   iam_txn_instance_profile_add_role(t, iam_str_from_cstr(ip->id), iam_str_from_cstr(r->id)),
                   "instance profile"))
        return false;
    return srv_commit(c, t);
}

bool srv_h_remove_role_from_instance_profile(srv_call *c)
{
    const iam_instance_profile *ip;
    const iam_role *r;
    iam_str role_name;

    if (!ip_and_role(c, "iam:RemoveRoleFromInstanceProfile", false, &ip, &r, &role_name))
        return false;
    if (!ip_has_role(ip, r))
        return srv_fail(c, "NoSuchEntity", "The role with name %s cannot be found in instance profile %s.",
                        r->name, ip->name);
    iam_txn *t;
    if (!srv_begin(c, &t))
        return false;
    if (!srv_store(c, t,
                   iam_txn_instance_profile_remove_role(t, iam_str_from_cstr(ip->id), iam_str_from_cstr(r->id)),
                   "instance profile"))
        return false;
    return srv_commit(c, t);
}

static srv_tag_target ip_tag_target(srv_call *c, iam_str name)
{
    const iam_instance_profile *ip = find_ip(c, name);
    return (srv_tag_target){
        .kind = IAM_EK_INSTANCE_PROFILE,
        .id = ip ? ip->id : NULL,
        .arn = ip_arn(c, ip, IAM_STR("/"), name),
        .tags = ip ? ip->tags : (iam_tags){ NULL, 0 },
        .quota_name = "TagsPerInstanceProfile",
        .missing = missing_ip(c, name),
    };
}

bool srv_h_tag_instance_profile(srv_call *c)
{
    iam_str name;
    iam_tag *tags;
    size_t n;

    if (!param_ip_name(c, &name) || !srv_roles_param_tags_required(c, &tags, &n))
        return false;
    srv_audit_request_param(c, "instanceProfileName", name);
    srv_tag_target tt = ip_tag_target(c, name);
    return srv_roles_tag(c, "iam:TagInstanceProfile", &tt, tags, n);
}

bool srv_h_untag_instance_profile(srv_call *c)
{
    iam_str name;
    iam_str *keys;
    size_t n;

    if (!param_ip_name(c, &name) || !srv_roles_param_tag_keys(c, &keys, &n))
        return false;
    srv_audit_request_param(c, "instanceProfileName", name);
    srv_tag_target tt = ip_tag_target(c, name);
    return srv_roles_untag(c, "iam:UntagInstanceProfile", &tt, keys, n);
}

bool srv_h_list_instance_profile_tags(srv_call *c)
{
    iam_str name;
    srv_page pg;
    const iam_instance_profile *ip;

    if (!param_ip_name(c, &name) || !srv_param_page(c, &pg) ||
        !ip_target(c, "iam:ListInstanceProfileTags", name, &ip))
        return false;
    return srv_roles_list_tags(c, &pg, ip->tags);
}
