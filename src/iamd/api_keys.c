/* api_keys.c - access keys (CreateAccessKey, ListAccessKeys,
 * UpdateAccessKey, DeleteAccessKey, GetAccessKeyLastUsed). UserName is
 * optional and then means the calling user. The secret is generated here,
 * handed to the store (which seals it), returned exactly once in the
 * CreateAccessKey reply and wiped; it is never audited. The account root's
 * keys are issued only by `iamd account root-key` (break-glass), never by
 * the API. Listed in srv_actions_users. */
#include <string.h>
#include "api_users.h"

static bool oom(srv_call *c)
{
    return srv_fail(c, "InternalFailure", "The request processing has failed because of an unknown error.");
}

/* The caller is not an IAM user and named none: AWS's answer for sessions. */
static bool need_user_name(srv_call *c)
{
    return srv_fail(c, "ValidationError", "Must specify userName when calling with non-User credentials");
}

static bool root_target(const srv_call *c, iam_str name)
{
    return name.ptr == NULL && c->caller->kind == IAM_PK_ACCOUNT_ROOT;
}

/* accessKeyIdType: 16..128 word characters. */
static bool param_key_id(srv_call *c, iam_str *out)
{
    iam_str v = IAM_STR_NULL;
    bool ok;

    if (!srv_param(c, "AccessKeyId", true, &v))
        return false;
    ok = v.len >= 16 && v.len <= 128;
    for (size_t i = 0; ok && i < v.len; i++) {
        char ch = v.ptr[i];
        ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
    }
    if (!ok)
        return srv_users_invalid(c, "accessKeyId", v,
                                 "Member must have length greater than or equal to 16 and satisfy regular "
                                 "expression pattern: [\\w]+");
    *out = v;
    return true;
}

/* The key `id` of the target: the user's, or the root's when u is NULL. */
static const iam_access_key *owned_key(srv_call *c, const iam_user *u, iam_str id)
{
    const iam_access_key *k = iam_snap_access_key(c->snap, id);

    if (k == NULL || strcmp(k->account, c->caller->account) != 0)
        return NULL;
    if (u == NULL)
        return k->user_id == NULL ? k : NULL;
    return k->user_id != NULL && strcmp(k->user_id, u->id) == 0 ? k : NULL;
}

static bool no_key(srv_call *c, iam_str id)
{
    return srv_fail(c, "NoSuchEntity", "The Access Key with id %.*s cannot be found.", (int)id.len, id.ptr);
}

bool srv_h_create_access_key(srv_call *c)
{
    const iam_user *u;
    const iam_access_key *k;
    iam_str name;
    const char *arn;
    char id[IAM_ID_LEN + 1];
    char secret[IAM_SECRET_KEY_LEN + 1];
    iam_txn *t;
    bool ok;

    if (!srv_users_target(c, &u, &name, &arn))
        return false;
    if (root_target(c, name))
        return srv_fail(c, "AccessDenied",
                        "The account root's access keys are not issued through the API in iamd: an administrator "
                        "issues them with `iamd account root-key` (break-glass). Pass UserName to create a key "
                        "for an IAM user.");
    if (name.ptr == NULL)
        return need_user_name(c);
    srv_audit_request_param(c, "userName", name);
    if (!srv_users_authorize_user(c, "iam:CreateAccessKey", u, arn))
        return false;
    if (u == NULL)
        return srv_users_no_user(c, name);
    if (u->n_keys >= srv_quota(c)->access_keys_per_user)
        return srv_fail(c, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: %u",
                        srv_quota(c)->access_keys_per_user);

    if (iam_id_new("AKIA", id) != IAM_OK || iam_secret_key_new(secret) != IAM_OK) {
        iam_wipe(secret, sizeof(secret));
        return srv_fail(c, "ServiceFailure", "Could not generate an access key.");
    }
    ok = srv_begin(c, &t);
    ok = ok && srv_store(c, t,
                         iam_txn_access_key_create(t, srv_users_account(c), iam_str_from_cstr(u->id),
                                                   iam_str_from_cstr(id), iam_str_from_cstr(secret)),
                         "access key");
    ok = ok && srv_commit(c, t);
    k = ok ? iam_snap_access_key(c->snap, iam_str_from_cstr(id)) : NULL;
    if (ok && k == NULL)
        ok = srv_fail(c, "ServiceFailure", "The access key was created but cannot be read back.");
    if (ok) {
        srv_xml_open(c->out, "AccessKey");
        srv_xml_cstr(c->out, "UserName", u->name);
        srv_xml_cstr(c->out, "AccessKeyId", k->id);
        srv_xml_cstr(c->out, "Status", k->active ? "Active" : "Inactive");
        srv_xml_cstr(c->out, "SecretAccessKey", secret);
        srv_xml_time(c->out, "CreateDate", k->created);
        srv_xml_close(c->out);
        srv_audit_response_element(c, "accessKey.userName", iam_str_from_cstr(u->name));
        srv_audit_response_element(c, "accessKey.accessKeyId", iam_str_from_cstr(k->id));
        srv_audit_response_element(c, "accessKey.status", iam_str_from_cstr(k->active ? "Active" : "Inactive"));
    }
    iam_wipe(secret, sizeof(secret));
    return ok;
}

static void key_metadata(srv_call *c, const iam_access_key *k)
{
    srv_xml_open(c->out, "member");
    srv_xml_cstr(c->out, "UserName", k->user_name); /* NULL (omitted) for the root's keys */
    srv_xml_cstr(c->out, "AccessKeyId", k->id);
    srv_xml_cstr(c->out, "Status", k->active ? "Active" : "Inactive");
    srv_xml_time(c->out, "CreateDate", k->created);
    srv_xml_close(c->out);
}

bool srv_h_list_access_keys(srv_call *c)
{
    const iam_user *u;
    iam_str name;
    const char *arn;
    srv_page pg;
    size_t start, end, n;
    const iam_access_key *const *keys;

    if (!srv_users_target(c, &u, &name, &arn) || !srv_param_page(c, &pg) ||
        !srv_users_index_marker(c, pg.marker, &start))
        return false;
    if (name.ptr == NULL && !root_target(c, name))
        return need_user_name(c);
    if (name.ptr != NULL)
        srv_audit_request_param(c, "userName", name);
    if (!srv_users_authorize_user(c, "iam:ListAccessKeys", u, arn))
        return false;
    if (root_target(c, name)) {
        const iam_account *a = iam_snap_account(c->snap, srv_users_account(c));
        keys = a ? a->root_keys : NULL;
        n = a ? a->n_root_keys : 0;
    } else {
        if (u == NULL)
            return srv_users_no_user(c, name);
        keys = u->keys;
        n = u->n_keys;
    }
    if (start > n)
        start = n;
    end = n - start > pg.max_items ? start + pg.max_items : n;
    srv_xml_open(c->out, "AccessKeyMetadata");
    for (size_t i = start; i < end; i++)
        key_metadata(c, keys[i]);
    srv_xml_close(c->out);
    srv_xml_page_end(c->out, end < n, end < n ? srv_strf(c, "%zu", end) : NULL);
    return true;
}

/* Update and Delete share their arguments and checks. */
static bool key_args(srv_call *c, const char *action, const iam_access_key **k, iam_str *key_id)
{
    const iam_user *u;
    iam_str name;
    const char *arn;

    if (!srv_users_target(c, &u, &name, &arn) || !param_key_id(c, key_id))
        return false;
    if (name.ptr == NULL && !root_target(c, name))
        return need_user_name(c);
    if (name.ptr != NULL)
        srv_audit_request_param(c, "userName", name);
    srv_audit_request_param(c, "accessKeyId", *key_id);
    if (!srv_users_authorize_user(c, action, u, arn))
        return false;
    if (name.ptr != NULL && u == NULL)
        return srv_users_no_user(c, name);
    *k = owned_key(c, u, *key_id);
    if (*k == NULL)
        return no_key(c, *key_id);
    return true;
}

bool srv_h_update_access_key(srv_call *c)
{
    const iam_access_key *k;
    iam_str key_id, status = IAM_STR_NULL;
    bool active;
    iam_txn *t;

    /* Status is validated with the other parameters, before authorization. */
    if (!srv_param(c, "Status", true, &status))
        return false;
    if (iam_str_eq(status, IAM_STR("Active")))
        active = true;
    else if (iam_str_eq(status, IAM_STR("Inactive")))
        active = false;
    else
        return srv_users_invalid(c, "status", status, "Member must satisfy enum value set: [Active, Inactive]");
    if (!key_args(c, "iam:UpdateAccessKey", &k, &key_id))
        return false;
    srv_audit_request_param(c, "status", status);
    if (k->active == active)
        return true;
    if (!srv_begin(c, &t))
        return false;
    if (!srv_store(c, t, iam_txn_access_key_set_active(t, key_id, active), "access key"))
        return false;
    return srv_commit(c, t);
}

bool srv_h_delete_access_key(srv_call *c)
{
    const iam_access_key *k;
    iam_str key_id;
    iam_txn *t;

    if (!key_args(c, "iam:DeleteAccessKey", &k, &key_id))
        return false;
    if (!srv_begin(c, &t))
        return false;
    if (!srv_store(c, t, iam_txn_access_key_delete(t, key_id), "access key"))
        return false;
    return srv_commit(c, t);
}

bool srv_h_get_access_key_last_used(srv_call *c)
{
    iam_str key_id;
    const iam_access_key *k;
    const iam_user *owner = NULL;
    const char *res;

    if (!param_key_id(c, &key_id))
        return false;
    srv_audit_request_param(c, "accessKeyId", key_id);
    k = iam_snap_access_key(c->snap, key_id);
    if (k != NULL && strcmp(k->account, c->caller->account) != 0)
        k = NULL; /* nothing crosses accounts */
    if (k != NULL && k->user_id != NULL)
        owner = iam_snap_user_by_id(c->snap, iam_str_from_cstr(k->user_id));
    /* The resource is the key's owner; an unknown key has none, and only a
     * caller allowed on every resource learns that it does not exist. */
    if (owner != NULL)
        res = owner->arn;
    else if (k != NULL)
        res = srv_strf(c, "arn:%s:iam::%s:root", srv_partition(c), c->caller->account);
    else
        res = "*";
    if (res == NULL)
        return oom(c);
    if (!srv_users_authorize_user(c, "iam:GetAccessKeyLastUsed", owner, res))
        return false;
    if (k == NULL)
        return no_key(c, key_id);
    if (owner != NULL)
        srv_xml_cstr(c->out, "UserName", owner->name);
    srv_xml_open(c->out, "AccessKeyLastUsed");
    if (k->last_used > 0)
        srv_xml_time(c->out, "LastUsedDate", k->last_used);
    /* AWS writes "N/A" for a key never used (and then no date). */
    srv_xml_cstr(c->out, "ServiceName", k->last_used > 0 && k->last_used_service ? k->last_used_service : "N/A");
    srv_xml_cstr(c->out, "Region", k->last_used > 0 && k->last_used_region ? k->last_used_region : "N/A");
    srv_xml_close(c->out);
    return true;
}
