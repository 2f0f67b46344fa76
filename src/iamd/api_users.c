/* api_users.c - IAM users and their tags (CreateUser, GetUser, ListUsers,
 * UpdateUser, DeleteUser, TagUser, UntagUser, ListUserTags), the helpers
 * the whole users family shares (api_users.h), and the family's one action
 * table srv_actions_users, which also lists the handlers of api_groups.c,
 * api_keys.c and api_account.c. Each handler follows AWS's order of
 * checks: parameters → authorization → existence → conflicts/limits →
 * one transaction → reply. */
#include <string.h>
#include <strings.h>
#include "api_users.h"

/* ------------------------------------------------------------------ shared */

iam_str srv_users_account(const srv_call *c)
{
    return iam_str_from_cstr(c->caller->account);
}

/* srv_alloc and friends leave the failure to the caller. */
static bool oom(srv_call *c)
{
    return srv_fail(c, "InternalFailure", "The request processing has failed because of an unknown error.");
}

bool srv_users_invalid(srv_call *c, const char *field, iam_str value, const char *constraint)
{
    if (value.ptr == NULL)
        return srv_fail(c, "ValidationError",
                        "1 validation error detected: Value at '%s' failed to satisfy constraint: %s", field,
                        constraint);
    return srv_fail(c, "ValidationError",
                    "1 validation error detected: Value '%.*s' at '%s' failed to satisfy constraint: %s",
                    (int)value.len, value.ptr, field, constraint);
}

bool srv_users_no_user(srv_call *c, iam_str name)
{
    return srv_fail(c, "NoSuchEntity", "The user with name %.*s cannot be found.", (int)name.len, name.ptr);
}

bool srv_users_no_group(srv_call *c, iam_str name)
{
    return srv_fail(c, "NoSuchEntity", "The group with name %.*s cannot be found.", (int)name.len, name.ptr);
}

bool srv_users_lookup(srv_call *c, const char *param, bool required, size_t max, iam_str *name,
                      const iam_user **u, const char **arn)
{
    iam_str n = IAM_STR_NULL;
    const iam_user *found;
    const char *a;

    if (!srv_param_name(c, param, required, max, &n))
        return false;
    if (n.ptr == NULL) {
        *name = IAM_STR_NULL;
        *u = NULL;
        *arn = NULL;
        return true;
    }
    found = iam_snap_user(c->snap, srv_users_account(c), n);
    /* A user that does not exist is authorized on the ARN it would have
     * at the root path, as AWS does: the caller learns nothing about
     * existence without the permission. */
    a = found ? found->arn : srv_arn(c, c->caller->account, "user", IAM_STR("/"), n);
    if (a == NULL)
        return oom(c);
    *name = n;
    *u = found;
    *arn = a;
    return true;
}

bool srv_users_lookup_group(srv_call *c, const char *param, iam_str *name, const iam_group **g, const char **arn)
{
    iam_str n = IAM_STR_NULL;
    const iam_group *found;
    const char *a;

    if (!srv_param_name(c, param, true, SRV_GROUP_NAME_MAX, &n))
        return false;
    found = iam_snap_group(c->snap, srv_users_account(c), n);
    a = found ? found->arn : srv_arn(c, c->caller->account, "group", IAM_STR("/"), n);
    if (a == NULL)
        return oom(c);
    *name = n;
    *g = found;
    *arn = a;
    return true;
}

bool srv_users_target(srv_call *c, const iam_user **u, iam_str *name, const char **arn)
{
    if (!srv_users_lookup(c, "UserName", false, SRV_EXISTING_USER_NAME_MAX, name, u, arn))
        return false;
    if (name->ptr != NULL)
        return true;
    if (c->caller->kind == IAM_PK_IAM_USER && c->caller->user != NULL) {
        *u = c->caller->user;
        *name = iam_str_from_cstr(c->caller->user->name);
        *arn = c->caller->user->arn;
        return true;
    }
    *u = NULL;
    *name = IAM_STR_NULL;
    *arn = c->caller->arn;
    return true;
}

/* Adds aws:ResourceTag/<key> of `u` to a fresh context (NULL when untagged). */
static bool user_context(srv_call *c, const iam_user *u, iam_context **out)
{
    *out = NULL;
    if (u == NULL || u->tags.n == 0)
        return true;
    *out = srv_context(c);
    if (*out == NULL)
        return oom(c);
    if (!srv_context_resource_tags(c, *out, u->tags))
        return c->err_code ? false : oom(c);
    return true;
}

bool srv_users_authorize_user(srv_call *c, const char *action, const iam_user *u, const char *arn)
{
    iam_context *ctx;

    if (!user_context(c, u, &ctx))
        return false;
    return srv_authorize(c, action, arn, ctx);
}

bool srv_users_path_prefix(srv_call *c, iam_str *out)
{
    iam_str p = IAM_STR_NULL;
    bool ok;

    if (!srv_param(c, "PathPrefix", false, &p))
        return false;
    if (p.ptr == NULL) {
        *out = IAM_STR("/");
        return true;
    }
    ok = p.len >= 1 && p.len <= 512 && p.ptr[0] == '/';
    for (size_t i = 0; ok && i < p.len; i++) {
        unsigned char ch = (unsigned char)p.ptr[i];
        ok = ch >= 0x21 && ch <= 0x7F;
    }
    if (!ok)
        return srv_users_invalid(c, "pathPrefix", p,
                                 "Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*");
    *out = p;
    return true;
}

bool srv_users_has_prefix(const char *path, iam_str prefix)
{
    return strlen(path) >= prefix.len && memcmp(path, prefix.ptr, prefix.len) == 0;
}

static void emit_user(srv_call *c, const void *item, void *ud)
{
    (void)ud;
    srv_xml_user(c->out, "member", item);
}

static void emit_group(srv_call *c, const void *item, void *ud)
{
    (void)ud;
    srv_xml_group(c->out, "member", item);
}

bool srv_users_page(srv_call *c, const srv_page *pg, const char *element, iam_snap_list l, iam_entity_kind kind,
                    srv_keep_fn keep, void *ud)
{
    /* srv_page_list writes IsTruncated/Marker after the element closes. */
    srv_xml_open(c->out, element);
    bool ok = srv_page_list(c, pg, l, kind, keep, kind == IAM_EK_GROUP ? emit_group : emit_user, ud);
    srv_xml_close(c->out);
    return ok;
}

/* A managed policy the caller's account may attach: its own or AWS's. */
static const iam_managed_policy *attachable_policy(srv_call *c, iam_str arn)
{
    const iam_managed_policy *p = iam_snap_policy_by_arn(c->snap, arn);

    if (p == NULL)
        return NULL;
    if (strcmp(p->account, IAM_AWS_ACCOUNT) != 0 && strcmp(p->account, c->caller->account) != 0)
        return NULL;
    return p;
}

/* ------------------------------------------------------------------- users */

static bool h_create_user(srv_call *c)
{
    iam_str acct = srv_users_account(c), name, path, boundary = IAM_STR_NULL;
    iam_tag *tags = NULL;
    size_t n_tags = 0;
    iam_context *ctx = NULL;
    iam_account_counts counts;
    char id[IAM_ID_LEN + 1];
    const char *arn;
    const iam_user *u;
    iam_txn *t;

    if (!srv_param_name(c, "UserName", true, SRV_USER_NAME_MAX, &name) || !srv_param_path(c, "Path", &path) ||
        !srv_param_arn(c, "PermissionsBoundary", false, &boundary) || !srv_param_tags(c, "Tags", &tags, &n_tags))
        return false;
    srv_audit_request_param(c, "userName", name);
    srv_audit_request_param(c, "path", path);
    if (boundary.ptr != NULL)
        srv_audit_request_param(c, "permissionsBoundary", boundary);

    arn = srv_arn(c, c->caller->account, "user", path, name);
    if (arn == NULL)
        return oom(c);
    if (n_tags > 0 || boundary.ptr != NULL) {
        ctx = srv_context(c);
        if (ctx == NULL)
            return oom(c);
        if (n_tags > 0 && !srv_context_request_tags(c, ctx, tags, n_tags))
            return c->err_code ? false : oom(c);
        if (boundary.ptr != NULL && iam_context_add(ctx, IAM_STR("iam:PermissionsBoundary"), boundary) != IAM_OK)
            return oom(c);
    }
    if (!srv_authorize(c, "iam:CreateUser", arn, ctx))
        return false;

    if (iam_snap_user(c->snap, acct, name) != NULL)
        return srv_fail(c, "EntityAlreadyExists", "User with name %.*s already exists.", (int)name.len, name.ptr);
    if (boundary.ptr != NULL && attachable_policy(c, boundary) == NULL)
        return srv_fail(c, "NoSuchEntity", "Scope ARN: %.*s does not exist or is not attachable.", (int)boundary.len,
                        boundary.ptr);
    iam_snap_account_counts(c->snap, acct, &counts);
    if (counts.users >= srv_quota(c)->users_per_account)
        return srv_fail(c, "LimitExceeded", "Cannot exceed quota for UsersPerAccount: %u",
                        srv_quota(c)->users_per_account);

    if (iam_id_new("AIDA", id) != IAM_OK)
        return srv_fail(c, "ServiceFailure", "Could not generate a unique id.");
    if (!srv_begin(c, &t))
        return false;
    iam_new_principal np = { acct, iam_str_from_cstr(id), name, path };
    if (!srv_store(c, t, iam_txn_user_create(t, &np), "user"))
        return false;
    if (n_tags > 0 && !srv_store(c, t, iam_txn_tags_set(t, IAM_EK_USER, np.id, tags, n_tags), "user"))
        return false;
    if (boundary.ptr != NULL && !srv_store(c, t, iam_txn_set_boundary(t, IAM_EK_USER, np.id, boundary), "policy"))
        return false;
    if (!srv_commit(c, t))
        return false;

    u = iam_snap_user_by_id(c->snap, np.id);
    if (u == NULL)
        return srv_fail(c, "ServiceFailure", "The user was created but cannot be read back.");
    srv_xml_user(c->out, "User", u);
    srv_audit_response_element(c, "user.userName", iam_str_from_cstr(u->name));
    srv_audit_response_element(c, "user.userId", iam_str_from_cstr(u->id));
    srv_audit_response_element(c, "user.arn", iam_str_from_cstr(u->arn));
    return true;
}

/* GetUser for the account root: AWS answers with the root "user", whose
 * id is the account id. */
static bool get_root_user(srv_call *c)
{
    const iam_account *a = iam_snap_account(c->snap, srv_users_account(c));

    if (!srv_authorize(c, "iam:GetUser", c->caller->arn, NULL))
        return false;
    srv_xml_open(c->out, "User");
    srv_xml_cstr(c->out, "UserId", c->caller->account);
    srv_xml_cstr(c->out, "Arn", c->caller->arn);
    if (a != NULL)
        srv_xml_time(c->out, "CreateDate", a->created);
    srv_xml_close(c->out);
    return true;
}

static bool h_get_user(srv_call *c)
{
    iam_str name;
    const iam_user *u;
    const char *arn;

    if (!srv_users_lookup(c, "UserName", false, SRV_EXISTING_USER_NAME_MAX, &name, &u, &arn))
        return false;
    if (name.ptr != NULL) {
        srv_audit_request_param(c, "userName", name);
    } else if (c->caller->kind == IAM_PK_ACCOUNT_ROOT) {
        return get_root_user(c);
    } else if (c->caller->kind == IAM_PK_IAM_USER && c->caller->user != NULL) {
        u = c->caller->user;
        name = iam_str_from_cstr(u->name);
        arn = u->arn;
    } else {
        return srv_fail(c, "ValidationError", "Must specify userName when calling with non-User credentials");
    }
    if (!srv_users_authorize_user(c, "iam:GetUser", u, arn))
        return false;
    if (u == NULL)
        return srv_users_no_user(c, name);
    srv_xml_user(c->out, "User", u);
    return true;
}

static bool keep_user_path(srv_call *c, const void *item, void *ud)
{
    (void)c;
    return srv_users_has_prefix(((const iam_user *)item)->path, *(const iam_str *)ud);
}

static bool h_list_users(srv_call *c)
{
    iam_str prefix;
    srv_page pg;
    const char *res;

    if (!srv_users_path_prefix(c, &prefix) || !srv_param_page(c, &pg))
        return false;
    res = srv_strf(c, "arn:%s:iam::%s:user/", srv_partition(c), c->caller->account);
    if (res == NULL)
        return oom(c);
    if (!srv_authorize(c, "iam:ListUsers", res, NULL))
        return false;
    return srv_users_page(c, &pg, "Users", iam_snap_users(c->snap, srv_users_account(c)), IAM_EK_USER,
                          keep_user_path, &prefix);
}

static bool h_update_user(srv_call *c)
{
    iam_str name, new_name = IAM_STR_NULL, new_path = IAM_STR_NULL;
    const iam_user *u, *other;
    const char *arn, *new_arn;
    iam_txn *t;

    if (!srv_users_lookup(c, "UserName", true, SRV_EXISTING_USER_NAME_MAX, &name, &u, &arn) ||
        !srv_param_name(c, "NewUserName", false, SRV_USER_NAME_MAX, &new_name))
        return false;
    if (iam_form_get(c->params, IAM_STR("NewPath")).ptr != NULL && !srv_param_path(c, "NewPath", &new_path))
        return false;
    srv_audit_request_param(c, "userName", name);
    if (new_name.ptr != NULL)
        srv_audit_request_param(c, "newUserName", new_name);
    if (new_path.ptr != NULL)
        srv_audit_request_param(c, "newPath", new_path);

    /* Renaming or moving needs the permission on the source and on the
     * target ARN (AWS's rule for UpdateUser). */
    if (!srv_users_authorize_user(c, "iam:UpdateUser", u, arn))
        return false;
    if (new_name.ptr != NULL || new_path.ptr != NULL) {
        iam_str cur_path = u ? iam_str_from_cstr(u->path) : IAM_STR("/");
        new_arn = srv_arn(c, c->caller->account, "user", new_path.ptr ? new_path : cur_path,
                          new_name.ptr ? new_name : (u ? iam_str_from_cstr(u->name) : name));
        if (new_arn == NULL)
            return oom(c);
        if (strcmp(new_arn, arn) != 0 && !srv_authorize(c, "iam:UpdateUser", new_arn, NULL))
            return false;
    }
    if (u == NULL)
        return srv_users_no_user(c, name);
    if (new_name.ptr != NULL) {
        other = iam_snap_user(c->snap, srv_users_account(c), new_name);
        if (other != NULL && other != u)
            return srv_fail(c, "EntityAlreadyExists", "User with name %.*s already exists.", (int)new_name.len,
                            new_name.ptr);
    }
    if (new_name.ptr == NULL && new_path.ptr == NULL)
        return true; /* nothing to change */
    if (!srv_begin(c, &t))
        return false;
    if (!srv_store(c, t,
                   iam_txn_user_update(t, iam_str_from_cstr(u->id), new_name.ptr ? new_name : IAM_STR(""),
                                       new_path.ptr ? new_path : IAM_STR("")),
                   "user"))
        return false;
    return srv_commit(c, t);
}

static bool h_delete_user(srv_call *c)
{
    iam_str name;
    const iam_user *u;
    const char *arn;
    iam_txn *t;

    if (!srv_users_lookup(c, "UserName", true, SRV_EXISTING_USER_NAME_MAX, &name, &u, &arn))
        return false;
    srv_audit_request_param(c, "userName", name);
    if (!srv_users_authorize_user(c, "iam:DeleteUser", u, arn))
        return false;
    if (u == NULL)
        return srv_users_no_user(c, name);
    /* AWS refuses while anything hangs off the user, one thing at a time. */
    if (u->login_profile != NULL)
        return srv_fail(c, "DeleteConflict", "Cannot delete entity, must delete login profile first.");
    if (u->n_keys > 0)
        return srv_fail(c, "DeleteConflict", "Cannot delete entity, must delete access keys first.");
    if (u->n_groups > 0)
        return srv_fail(c, "DeleteConflict", "Cannot delete entity, must remove users from group first.");
    if (u->n_attached > 0)
        return srv_fail(c, "DeleteConflict", "Cannot delete entity, must detach all policies first.");
    if (u->inline_policies.n > 0)
        return srv_fail(c, "DeleteConflict", "Cannot delete entity, must delete policies first.");
    if (u->n_mfa_devices > 0)
        return srv_fail(c, "DeleteConflict", "Cannot delete entity, must remove MFA device first.");
    if (!srv_begin(c, &t))
        return false;
    if (!srv_store(c, t, iam_txn_user_delete(t, iam_str_from_cstr(u->id)), "user"))
        return false;
    return srv_commit(c, t);
}

/* -------------------------------------------------------------- user tags */

static bool tag_key_eq(const char *a, const char *b)
{
    return strcasecmp(a, b) == 0;
}

static bool h_tag_user(srv_call *c)
{
    iam_str name;
    const iam_user *u;
    const char *arn;
    iam_tag *tags = NULL;
    size_t n_tags = 0, total;
    iam_context *ctx;
    iam_txn *t;

    if (!srv_users_lookup(c, "UserName", true, SRV_EXISTING_USER_NAME_MAX, &name, &u, &arn) ||
        !srv_param_tags(c, "Tags", &tags, &n_tags))
        return false;
    if (n_tags == 0)
        return srv_fail(c, "ValidationError",
                        "1 validation error detected: Value null at 'tags' failed to satisfy constraint: "
                        "Member must not be null");
    for (size_t i = 0; i < n_tags; i++)
        for (size_t j = i + 1; j < n_tags; j++)
            if (tag_key_eq(tags[i].key, tags[j].key))
                return srv_fail(c, "InvalidInput",
                                "Duplicate tag keys found. Please note that Tag keys are case insensitive.");
    srv_audit_request_param(c, "userName", name);

    if (!user_context(c, u, &ctx))
        return false;
    if (ctx == NULL && (ctx = srv_context(c)) == NULL)
        return oom(c);
    if (!srv_context_request_tags(c, ctx, tags, n_tags))
        return c->err_code ? false : oom(c);
    if (!srv_authorize(c, "iam:TagUser", arn, ctx))
        return false;
    if (u == NULL)
        return srv_users_no_user(c, name);

    /* Keys already on the user that the request replaces do not count twice. */
    total = n_tags;
    for (size_t i = 0; i < u->tags.n; i++) {
        bool replaced = false;
        for (size_t j = 0; j < n_tags && !replaced; j++)
            replaced = tag_key_eq(u->tags.items[i].key, tags[j].key);
        if (!replaced)
            total++;
    }
    if (total > srv_quota(c)->tags_per_entity)
        return srv_fail(c, "LimitExceeded", "The number of tags has reached the maximum limit.");
    if (!srv_begin(c, &t))
        return false;
    if (!srv_store(c, t, iam_txn_tags_set(t, IAM_EK_USER, iam_str_from_cstr(u->id), tags, n_tags), "user"))
        return false;
    return srv_commit(c, t);
}

static bool h_untag_user(srv_call *c)
{
    iam_str name;
    const iam_user *u;
    const char *arn;
    iam_str *keys = NULL;
    size_t n_keys = 0;
    iam_context *ctx;
    iam_txn *t;

    if (!srv_users_lookup(c, "UserName", true, SRV_EXISTING_USER_NAME_MAX, &name, &u, &arn) ||
        !srv_param_list(c, "TagKeys", 50, &keys, &n_keys))
        return false;
    if (n_keys == 0)
        return srv_fail(c, "ValidationError",
                        "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: "
                        "Member must not be null");
    for (size_t i = 0; i < n_keys; i++)
        if (keys[i].len < 1 || keys[i].len > 128)
            return srv_users_invalid(c, "tagKeys", keys[i],
                                     "Member must have length less than or equal to 128");
    srv_audit_request_param(c, "userName", name);

    if (!user_context(c, u, &ctx))
        return false;
    if (ctx == NULL && (ctx = srv_context(c)) == NULL)
        return oom(c);
    if (iam_context_set(ctx, IAM_STR("aws:TagKeys"), keys, n_keys) != IAM_OK)
        return oom(c);
    if (!srv_authorize(c, "iam:UntagUser", arn, ctx))
        return false;
    if (u == NULL)
        return srv_users_no_user(c, name);
    if (!srv_begin(c, &t))
        return false;
    if (!srv_store(c, t, iam_txn_tags_remove(t, IAM_EK_USER, iam_str_from_cstr(u->id), keys, n_keys), "user"))
        return false;
    return srv_commit(c, t);
}

bool srv_users_index_marker(srv_call *c, iam_str marker, size_t *out)
{
    size_t v = 0;

    *out = 0;
    if (marker.len == 0)
        return true;
    if (marker.len > 9)
        return srv_fail(c, "InvalidInput", "Invalid Marker.");
    for (size_t i = 0; i < marker.len; i++) {
        if (marker.ptr[i] < '0' || marker.ptr[i] > '9')
            return srv_fail(c, "InvalidInput", "Invalid Marker.");
        v = v * 10 + (size_t)(marker.ptr[i] - '0');
    }
    *out = v;
    return true;
}

static bool h_list_user_tags(srv_call *c)
{
    iam_str name;
    const iam_user *u;
    const char *arn;
    srv_page pg;
    size_t start, end;

    if (!srv_users_lookup(c, "UserName", true, SRV_EXISTING_USER_NAME_MAX, &name, &u, &arn) ||
        !srv_param_page(c, &pg) || !srv_users_index_marker(c, pg.marker, &start))
        return false;
    if (!srv_users_authorize_user(c, "iam:ListUserTags", u, arn))
        return false;
    if (u == NULL)
        return srv_users_no_user(c, name);
    if (start > u->tags.n)
        start = u->tags.n;
    end = u->tags.n - start > pg.max_items ? start + pg.max_items : u->tags.n;
    srv_xml_open(c->out, "Tags");
    for (size_t i = start; i < end; i++) {
        srv_xml_open(c->out, "member");
        srv_xml_cstr(c->out, "Key", u->tags.items[i].key);
        srv_xml_cstr(c->out, "Value", u->tags.items[i].value);
        srv_xml_close(c->out);
    }
    srv_xml_close(c->out);
    srv_xml_page_end(c->out, end < u->tags.n, end < u->tags.n ? srv_strf(c, "%zu", end) : NULL);
    return true;
}

/* ------------------------------------------------------------------ table */

const srv_action srv_actions_users[] = {
    { "CreateUser", h_create_user, false },
    { "GetUser", h_get_user, true },
    { "ListUsers", h_list_users, true },
    { "UpdateUser", h_update_user, false },
    { "DeleteUser", h_delete_user, false },
    { "TagUser", h_tag_user, false },
    { "UntagUser", h_untag_user, false },
    { "ListUserTags", h_list_user_tags, true },
    { "CreateGroup", srv_h_create_group, false },
    { "GetGroup", srv_h_get_group, true },
    { "ListGroups", srv_h_list_groups, true },
    { "UpdateGroup", srv_h_update_group, false },
    { "DeleteGroup", srv_h_delete_group, false },
    { "AddUserToGroup", srv_h_add_user_to_group, false },
    { "RemoveUserFromGroup", srv_h_remove_user_from_group, false },
    { "ListGroupsForUser", srv_h_list_groups_for_user, true },
    { "CreateAccessKey", srv_h_create_access_key, false },
    { "ListAccessKeys", srv_h_list_access_keys, true },
    { "UpdateAccessKey", srv_h_update_access_key, false },
    { "DeleteAccessKey", srv_h_delete_access_key, false },
    { "GetAccessKeyLastUsed", srv_h_get_access_key_last_used, true },
    { "CreateLoginProfile", srv_h_create_login_profile, false },
    { "GetLoginProfile", srv_h_get_login_profile, true },
    { "UpdateLoginProfile", srv_h_update_login_profile, false },
    { "DeleteLoginProfile", srv_h_delete_login_profile, false },
    { "ChangePassword", srv_h_change_password, false },
    { "UpdateAccountPasswordPolicy", srv_h_update_account_password_policy, false },
    { "GetAccountPasswordPolicy", srv_h_get_account_password_policy, true },
    { "DeleteAccountPasswordPolicy", srv_h_delete_account_password_policy, false },
    { "CreateAccountAlias", srv_h_create_account_alias, false },
    { "ListAccountAliases", srv_h_list_account_aliases, true },
    { "DeleteAccountAlias", srv_h_delete_account_alias, false },
    { "GetAccountSummary", srv_h_get_account_summary, true },
    { NULL, NULL, false },
};
