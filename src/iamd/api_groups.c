/* api_groups.c - IAM groups and membership (CreateGroup, GetGroup,
 * ListGroups, UpdateGroup, DeleteGroup, AddUserToGroup,
 * RemoveUserFromGroup, ListGroupsForUser), in AWS's order of checks:
 * parameters → authorization on the group's (or user's) ARN → existence →
 * conflicts and quotas → one transaction. Listed in srv_actions_users. */
#include <string.h>
#include "api_users.h"

static bool oom(srv_call *c)
{
    return srv_fail(c, "InternalFailure", "The request processing has failed because of an unknown error.");
}

bool srv_h_create_group(srv_call *c)
{
    iam_str acct = srv_users_account(c), name, path;
    iam_account_counts counts;
    char id[IAM_ID_LEN + 1];
    const char *arn;
    const iam_group *g;
    iam_txn *t;

    if (!srv_param_name(c, "GroupName", true, SRV_GROUP_NAME_MAX, &name) || !srv_param_path(c, "Path", &path))
        return false;
    srv_audit_request_param(c, "groupName", name);
    srv_audit_request_param(c, "path", path);
    arn = srv_arn(c, c->caller->account, "group", path, name);
    if (arn == NULL)
        return oom(c);
    if (!srv_authorize(c, "iam:CreateGroup", arn, NULL))
        return false;
    if (iam_snap_group(c->snap, acct, name) != NULL)
        return srv_fail(c, "EntityAlreadyExists", "Group with name %.*s already exists.", (int)name.len, name.ptr);
    iam_snap_account_counts(c->snap, acct, &counts);
    if (counts.groups >= srv_quota(c)->groups_per_account)
        return srv_fail(c, "LimitExceeded", "Cannot exceed quota for GroupsPerAccount: %u",
                        srv_quota(c)->groups_per_account);
    if (iam_id_new("AGPA", id) != IAM_OK)
        return srv_fail(c, "ServiceFailure", "Could not generate a unique id.");
    if (!srv_begin(c, &t))
        return false;
    iam_new_principal np = { acct, iam_str_from_cstr(id), name, path };
    if (!srv_store(c, t, iam_txn_group_create(t, &np), "group") || !srv_commit(c, t))
        return false;
    g = iam_snap_group_by_id(c->snap, np.id);
    if (g == NULL)
        return srv_fail(c, "ServiceFailure", "The group was created but cannot be read back.");
    srv_xml_group(c->out, "Group", g);
    srv_audit_response_element(c, "group.groupName", iam_str_from_cstr(g->name));
    srv_audit_response_element(c, "group.groupId", iam_str_from_cstr(g->id));
    srv_audit_response_element(c, "group.arn", iam_str_from_cstr(g->arn));
    return true;
}

bool srv_h_get_group(srv_call *c)
{
    iam_str name;
    const iam_group *g;
    const char *arn;
    srv_page pg;
    const void **members;
    size_t n = 0;

    if (!srv_users_lookup_group(c, "GroupName", &name, &g, &arn) || !srv_param_page(c, &pg))
        return false;
    srv_audit_request_param(c, "groupName", name);
    if (!srv_authorize(c, "iam:GetGroup", arn, NULL))
        return false;
    if (g == NULL)
        return srv_users_no_group(c, name);
    /* Members are kept as ids sorted by user name: resolve them into a
     * list the pager reads like any other user list. */
    members = srv_alloc(c, (g->n_members ? g->n_members : 1) * sizeof(*members));
    if (members == NULL)
        return oom(c);
    for (size_t i = 0; i < g->n_members; i++) {
        const iam_user *u = iam_snap_user_by_id(c->snap, iam_str_from_cstr(g->member_ids[i]));
        if (u != NULL)
            members[n++] = u;
    }
    srv_xml_group(c->out, "Group", g);
    return srv_users_page(c, &pg, "Users", (iam_snap_list){ members, n }, IAM_EK_USER, NULL, NULL);
}

static bool keep_group_path(srv_call *c, const void *item, void *ud)
{
    (void)c;
    return srv_users_has_prefix(((const iam_group *)item)->path, *(const iam_str *)ud);
}

bool srv_h_list_groups(srv_call *c)
{
    iam_str prefix;
    srv_page pg;
    const char *res;

    if (!srv_users_path_prefix(c, &prefix) || !srv_param_page(c, &pg))
        return false;
    res = srv_strf(c, "arn:%s:iam::%s:group/", srv_partition(c), c->caller->account);
    if (res == NULL)
        return oom(c);
    if (!srv_authorize(c, "iam:ListGroups", res, NULL))
        return false;
    return srv_users_page(c, &pg, "Groups", iam_snap_groups(c->snap, srv_users_account(c)), IAM_EK_GROUP,
                          keep_group_path, &prefix);
}

bool srv_h_update_group(srv_call *c)
{
    iam_str name, new_name = IAM_STR_NULL, new_path = IAM_STR_NULL;
    const iam_group *g, *other;
    const char *arn, *new_arn;
    iam_txn *t;

    if (!srv_users_lookup_group(c, "GroupName", &name, &g, &arn) ||
        !srv_param_name(c, "NewGroupName", false, SRV_GROUP_NAME_MAX, &new_name))
        return false;
    if (iam_form_get(c->params, IAM_STR("NewPath")).ptr != NULL && !srv_param_path(c, "NewPath", &new_path))
        return false;
    srv_audit_request_param(c, "groupName", name);
    if (new_name.ptr != NULL)
        srv_audit_request_param(c, "newGroupName", new_name);
    if (new_path.ptr != NULL)
        srv_audit_request_param(c, "newPath", new_path);
    /* As for users: the permission is needed on the source and the target. */
    if (!srv_authorize(c, "iam:UpdateGroup", arn, NULL))
        return false;
    if (new_name.ptr != NULL || new_path.ptr != NULL) {
        new_arn = srv_arn(c, c->caller->account, "group",
                          new_path.ptr ? new_path : (g ? iam_str_from_cstr(g->path) : IAM_STR("/")),
                          new_name.ptr ? new_name : (g ? iam_str_from_cstr(g->name) : name));
        if (new_arn == NULL)
            return oom(c);
        if (strcmp(new_arn, arn) != 0 && !srv_authorize(c, "iam:UpdateGroup", new_arn, NULL))
            return false;
    }
    if (g == NULL)
        return srv_users_no_group(c, name);
    if (new_name.ptr != NULL) {
        other = iam_snap_group(c->snap, srv_users_account(c), new_name);
        if (other != NULL && other != g)
            return srv_fail(c, "EntityAlreadyExists", "Group with name %.*s already exists.", (int)new_name.len,
                            new_name.ptr);
    }
    if (new_name.ptr == NULL && new_path.ptr == NULL)
        return true;
    if (!srv_begin(c, &t))
        return false;
    if (!srv_store(c, t,
                   iam_txn_group_update(t, iam_str_from_cstr(g->id), new_name.ptr ? new_name : IAM_STR(""),
                                        new_path.ptr ? new_path : IAM_STR("")),
                   "group"))
        return false;
    return srv_commit(c, t);
}

bool srv_h_delete_group(srv_call *c)
{
    iam_str name;
    const iam_group *g;
    const char *arn;
    iam_txn *t;

    if (!srv_users_lookup_group(c, "GroupName", &name, &g, &arn))
        return false;
    srv_audit_request_param(c, "groupName", name);
    if (!srv_authorize(c, "iam:DeleteGroup", arn, NULL))
        return false;
    if (g == NULL)
        return srv_users_no_group(c, name);
    if (g->n_members > 0)
        return srv_fail(c, "DeleteConflict", "Cannot delete entity, must remove users from group first.");
    if (g->n_attached > 0)
        return srv_fail(c, "DeleteConflict", "Cannot delete entity, must detach all policies first.");
    if (g->inline_policies.n > 0)
        return srv_fail(c, "DeleteConflict", "Cannot delete entity, must delete policies first.");
    if (!srv_begin(c, &t))
        return false;
    if (!srv_store(c, t, iam_txn_group_delete(t, iam_str_from_cstr(g->id)), "group"))
        return false;
    return srv_commit(c, t);
}

static bool is_member(const iam_user *u, const iam_group *g)
{
    for (size_t i = 0; i < u->n_groups; i++)
        if (u->groups[i] == g || strcmp(u->groups[i]->id, g->id) == 0)
            return true;
    return false;
}

/* Shared by Add/RemoveUserFromGroup: both authorize on the group. */
static bool membership_args(srv_call *c, const char *action, iam_str *gname, const iam_group **g, iam_str *uname,
                            const iam_user **u)
{
    const char *garn, *uarn;

    if (!srv_users_lookup_group(c, "GroupName", gname, g, &garn) ||
        !srv_users_lookup(c, "UserName", true, SRV_EXISTING_USER_NAME_MAX, uname, u, &uarn))
        return false;
    srv_audit_request_param(c, "groupName", *gname);
    srv_audit_request_param(c, "userName", *uname);
    if (!srv_authorize(c, action, garn, NULL))
        return false;
    if (*g == NULL)
        return srv_users_no_group(c, *gname);
    if (*u == NULL)
        return srv_users_no_user(c, *uname);
    return true;
}

bool srv_h_add_user_to_group(srv_call *c)
{
    iam_str gname, uname;
    const iam_group *g;
    const iam_user *u;
    iam_txn *t;

    if (!membership_args(c, "iam:AddUserToGroup", &gname, &g, &uname, &u))
        return false;
    if (is_member(u, g))
        return true; /* AWS: adding a member again succeeds and changes nothing */
    if (u->n_groups >= srv_quota(c)->groups_per_user)
        return srv_fail(c, "LimitExceeded", "Cannot exceed quota for GroupsPerUser: %u",
                        srv_quota(c)->groups_per_user);
    if (!srv_begin(c, &t))
        return false;
    if (!srv_store(c, t, iam_txn_group_add_user(t, iam_str_from_cstr(g->id), iam_str_from_cstr(u->id)), "group"))
        return false;
    return srv_commit(c, t);
}

bool srv_h_remove_user_from_group(srv_call *c)
{
    iam_str gname, uname;
    const iam_group *g;
    const iam_user *u;
    iam_txn *t;

    if (!membership_args(c, "iam:RemoveUserFromGroup", &gname, &g, &uname, &u))
        return false;
    if (!is_member(u, g))
        return srv_fail(c, "NoSuchEntity", "User %.*s is not in group %.*s.", (int)uname.len, uname.ptr,
                        (int)gname.len, gname.ptr);
    if (!srv_begin(c, &t))
        return false;
    if (!srv_store(c, t, iam_txn_group_remove_user(t, iam_str_from_cstr(g->id), iam_str_from_cstr(u->id)),
                   "group"))
        return false;
    return srv_commit(c, t);
}

bool srv_h_list_groups_for_user(srv_call *c)
{
    iam_str name;
    const iam_user *u;
    const char *arn;
    srv_page pg;

    if (!srv_users_lookup(c, "UserName", true, SRV_EXISTING_USER_NAME_MAX, &name, &u, &arn) ||
        !srv_param_page(c, &pg))
        return false;
    srv_audit_request_param(c, "userName", name);
    if (!srv_users_authorize_user(c, "iam:ListGroupsForUser", u, arn))
        return false;
    if (u == NULL)
        return srv_users_no_user(c, name);
    return srv_users_page(c, &pg, "Groups", (iam_snap_list){ (const void *const *)u->groups, u->n_groups },
                          IAM_EK_GROUP, NULL, NULL);
}
