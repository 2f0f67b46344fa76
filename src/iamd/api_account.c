/* api_account.c - console passwords and account settings: login profiles
 * (Create/Get/Update/DeleteLoginProfile), ChangePassword for the calling
 * user, the account password policy (Update/Get/DeleteAccountPassword-
 * Policy), the account alias (Create/List/DeleteAccountAlias) and
 * GetAccountSummary. Passwords are checked against the account's policy
 * (or AWS's default one), stored only as Argon2id hashes and never echoed
 * or audited. Listed in srv_actions_users. */
#include <string.h>
#include "api_users.h"

static const iam_account *my_account(srv_call *c)
{
    return iam_snap_account(c->snap, srv_users_account(c));
}

/* ---------------------------------------------------------------- passwords */

/* passwordType: 1..128 characters from [\t\n\r\x20-\xFF], sent as UTF-8.
 * The value is a secret: errors never echo it. */
static bool param_password(srv_call *c, const char *param, const char *field, bool required, iam_str *out)
{
    iam_str v = IAM_STR_NULL;
    size_t chars = 0;
    bool ok;

    if (!srv_param(c, param, required, &v))
        return false;
    *out = v;
    if (v.ptr == NULL)
        return true;
    /* Valid UTF-8 (so a lead byte has its continuation), and every code
     * point one byte wide (U+0000..U+00FF: 1 byte, or lead C2/C3). */
    ok = iam_utf8_valid(v);
    for (size_t i = 0; ok && i < v.len; chars++) {
        unsigned char b = (unsigned char)v.ptr[i];
        if (b < 0x80) {
            ok = b == '\t' || b == '\n' || b == '\r' || b >= 0x20;
            i++;
        } else {
            ok = b == 0xC2 || b == 0xC3;
            i += 2;
        }
    }
    if (!ok || chars == 0 || chars > 128)
        return srv_users_invalid(c, field, IAM_STR_NULL,
                                 "Member must have length less than or equal to 128 and satisfy regular "
                                 "expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+");
    return true;
}

static bool is_symbol(char ch)
{
    /* The non-alphanumeric characters AWS's policy counts as symbols. */
    return ch != '\0' && strchr("!@#$%^&*()_+-=[]{}|'", ch) != NULL;
}

/* PasswordPolicyViolation when `pw` breaks the account's policy, or AWS's
 * default policy when the account has none (at least 8 characters and
 * three of: upper case, lower case, digits, other characters). */
static bool check_password(srv_call *c, const iam_password_policy *pp, iam_str pw)
{
    bool upper = false, lower = false, digit = false, symbol = false, other = false;
    size_t chars = 0;

    for (size_t i = 0; i < pw.len; i++) {
        char ch = pw.ptr[i];
        if (((unsigned char)ch & 0xC0) != 0x80)
            chars++;
        if (ch >= 'A' && ch <= 'Z')
            upper = true;
        else if (ch >= 'a' && ch <= 'z')
            lower = true;
        else if (ch >= '0' && ch <= '9')
            digit = true;
        else {
            other = true;
            symbol = symbol || is_symbol(ch);
        }
    }
    if (pp == NULL) {
        int kinds = (int)upper + (int)lower + (int)digit + (int)other;
        if (chars < 8)
            return srv_fail(c, "PasswordPolicyViolation", "Password should have a minimum length of 8");
        if (kinds < 3)
            return srv_fail(c, "PasswordPolicyViolation",
                            "Password should have at least three of: upper case letters, lower case letters, "
                            "numbers, non-alphanumeric characters");
        return true;
    }
    if (chars < (size_t)pp->min_length)
        return srv_fail(c, "PasswordPolicyViolation", "Password should have a minimum length of %d", pp->min_length);
    if (pp->require_uppercase && !upper)
        return srv_fail(c, "PasswordPolicyViolation", "Password should have at least one uppercase letter");
    if (pp->require_lowercase && !lower)
        return srv_fail(c, "PasswordPolicyViolation", "Password should have at least one lowercase letter");
    if (pp->require_numbers && !digit)
        return srv_fail(c, "PasswordPolicyViolation", "Password should have at least one number");
    if (pp->require_symbols && !symbol)
        return srv_fail(c, "PasswordPolicyViolation", "Password should have at least one symbol");
    return true;
}

static bool hash_password(srv_call *c, iam_str pw, char out[IAM_PASSWORD_HASH_MAX])
{
    if (iam_password_hash(pw, out) != IAM_OK)
        return srv_fail(c, "ServiceFailure", "The password could not be hashed.");
    return true;
}

static bool no_login_profile(srv_call *c, iam_str name)
{
    return srv_fail(c, "NoSuchEntity", "Login Profile for User %.*s cannot be found.", (int)name.len, name.ptr);
}

static void login_profile_xml(srv_call *c, const iam_user *u)
{
    srv_xml_open(c->out, "LoginProfile");
    srv_xml_cstr(c->out, "UserName", u->name);
    srv_xml_time(c->out, "CreateDate", u->login_profile->created);
    srv_xml_bool(c->out, "PasswordResetRequired", u->login_profile->reset_required);
    srv_xml_close(c->out);
}

/* UserName, authorization on the user, existence: common to the four
 * login-profile actions. */
static bool profile_user(srv_call *c, const char *action, iam_str *name, const iam_user **u)
{
    const char *arn;

    if (!srv_users_lookup(c, "UserName", true, SRV_USER_NAME_MAX, name, u, &arn))
        return false;
    srv_audit_request_param(c, "userName", *name);
    if (!srv_users_authorize_user(c, action, *u, arn))
        return false;
    if (*u == NULL)
        return srv_users_no_user(c, *name);
    return true;
}

bool srv_h_create_login_profile(srv_call *c)
{
    iam_str name, pw;
    const iam_user *u;
    bool reset;
    char hash[IAM_PASSWORD_HASH_MAX];
    iam_txn *t;

    if (!srv_param_name(c, "UserName", true, SRV_USER_NAME_MAX, &name) ||
        !param_password(c, "Password", "password", true, &pw) ||
        !srv_param_bool(c, "PasswordResetRequired", false, &reset))
        return false;
    srv_audit_request_param(c, "passwordResetRequired", reset ? IAM_STR("true") : IAM_STR("false"));
    if (!profile_user(c, "iam:CreateLoginProfile", &name, &u))
        return false;
    if (u->login_profile != NULL)
        return srv_fail(c, "EntityAlreadyExists", "Login Profile for user %.*s already exists.", (int)name.len,
                        name.ptr);
    if (!check_password(c, my_account(c) ? my_account(c)->password_policy : NULL, pw) ||
        !hash_password(c, pw, hash))
        return false;
    if (!srv_begin(c, &t))
        goto fail;
    if (!srv_store(c, t, iam_txn_login_profile_put(t, iam_str_from_cstr(u->id), iam_str_from_cstr(hash), reset, true),
                   "login profile") ||
        !srv_commit(c, t))
        goto fail;
    iam_wipe(hash, sizeof(hash));
    u = iam_snap_user_by_id(c->snap, iam_str_from_cstr(u->id));
    if (u == NULL || u->login_profile == NULL)
        return srv_fail(c, "ServiceFailure", "The login profile was created but cannot be read back.");
    login_profile_xml(c, u);
    return true;
fail:
    iam_wipe(hash, sizeof(hash));
    return false;
}

bool srv_h_get_login_profile(srv_call *c)
{
    iam_str name;
    const iam_user *u;

    if (!profile_user(c, "iam:GetLoginProfile", &name, &u))
        return false;
    if (u->login_profile == NULL)
        return no_login_profile(c, name);
    login_profile_xml(c, u);
    return true;
}

bool srv_h_update_login_profile(srv_call *c)
{
    iam_str name, pw = IAM_STR_NULL, reset_param = IAM_STR_NULL;
    const iam_user *u;
    bool reset = false;
    char hash[IAM_PASSWORD_HASH_MAX];
    iam_txn *t;
    bool ok;

    if (!srv_param_name(c, "UserName", true, SRV_USER_NAME_MAX, &name) ||
        !param_password(c, "Password", "password", false, &pw) ||
        !srv_param(c, "PasswordResetRequired", false, &reset_param) ||
        (reset_param.ptr != NULL && !srv_param_bool(c, "PasswordResetRequired", false, &reset)))
        return false;
    if (reset_param.ptr != NULL)
        srv_audit_request_param(c, "passwordResetRequired", reset ? IAM_STR("true") : IAM_STR("false"));
    if (!profile_user(c, "iam:UpdateLoginProfile", &name, &u))
        return false;
    if (u->login_profile == NULL)
        return no_login_profile(c, name);
    if (pw.ptr == NULL && reset_param.ptr == NULL)
        return true; /* nothing to change */
    if (reset_param.ptr == NULL)
        reset = u->login_profile->reset_required;
    /* Without a new password the store keeps the current hash. */
    hash[0] = '\0';
    if (pw.ptr != NULL && (!check_password(c, my_account(c) ? my_account(c)->password_policy : NULL, pw) ||
                           !hash_password(c, pw, hash)))
        return false;
    ok = srv_begin(c, &t) &&
         srv_store(c, t, iam_txn_login_profile_put(t, iam_str_from_cstr(u->id), iam_str_from_cstr(hash), reset, false),
                   "login profile") &&
         srv_commit(c, t);
    iam_wipe(hash, sizeof(hash));
    return ok;
}

bool srv_h_delete_login_profile(srv_call *c)
{
    iam_str name;
    const iam_user *u;
    iam_txn *t;

    if (!profile_user(c, "iam:DeleteLoginProfile", &name, &u))
        return false;
    if (u->login_profile == NULL)
        return no_login_profile(c, name);
    if (!srv_begin(c, &t))
        return false;
    if (!srv_store(c, t, iam_txn_login_profile_delete(t, iam_str_from_cstr(u->id)), "login profile"))
        return false;
    return srv_commit(c, t);
}

bool srv_h_change_password(srv_call *c)
{
    iam_str old_pw, new_pw;
    const iam_user *u = c->caller->user;
    const iam_account *a;
    const iam_password_policy *pp;
    char hash[IAM_PASSWORD_HASH_MAX];
    iam_txn *t;
    bool ok;

    if (!param_password(c, "OldPassword", "oldPassword", true, &old_pw) ||
        !param_password(c, "NewPassword", "newPassword", true, &new_pw))
        return false;
    if (c->caller->kind != IAM_PK_IAM_USER || u == NULL)
        return srv_fail(c, "InvalidUserType",
                        "ChangePassword changes the password of the calling IAM user; the caller is not an IAM "
                        "user.");
    a = my_account(c);
    pp = a ? a->password_policy : NULL;
    /* AllowUsersToChangePassword grants every user ChangePassword on
     * itself; without it the user needs a policy that allows it. */
    if ((pp == NULL || !pp->allow_users_to_change) &&
        !srv_users_authorize_user(c, "iam:ChangePassword", u, u->arn))
        return false;
    if (u->login_profile == NULL)
        return no_login_profile(c, iam_str_from_cstr(u->name));
    if (!iam_password_verify(u->login_profile->password_hash, old_pw))
        return srv_fail(c, "AccessDenied", "The old password is incorrect.");
    if (!check_password(c, pp, new_pw))
        return false;
    if (pp != NULL && pp->reuse_prevention > 0 && iam_ct_equal(old_pw.ptr, old_pw.len, new_pw.ptr, new_pw.len))
        return srv_fail(c, "PasswordPolicyViolation",
                        "Password was used previously. The password policy prevents reusing the last %d passwords.",
                        pp->reuse_prevention);
    if (!hash_password(c, new_pw, hash))
        return false;
    ok = srv_begin(c, &t) &&
         srv_store(c, t, iam_txn_login_profile_put(t, iam_str_from_cstr(u->id), iam_str_from_cstr(hash), false, false),
                   "login profile") &&
         srv_commit(c, t);
    iam_wipe(hash, sizeof(hash));
    return ok;
}

/* ---------------------------------------------------------- password policy */

static bool no_password_policy(srv_call *c)
{
    return srv_fail(c, "NoSuchEntity", "The Password Policy with domain name %s cannot be found.",
                    c->caller->account);
}

bool srv_h_update_account_password_policy(srv_call *c)
{
    iam_password_policy pp;
    int64_t min_len, max_age, reuse;
    iam_txn *t;

    memset(&pp, 0, sizeof(pp));
    if (!srv_param_int(c, "MinimumPasswordLength", false, 6, 128, 6, &min_len) ||
        !srv_param_bool(c, "RequireSymbols", false, &pp.require_symbols) ||
        !srv_param_bool(c, "RequireNumbers", false, &pp.require_numbers) ||
        !srv_param_bool(c, "RequireUppercaseCharacters", false, &pp.require_uppercase) ||
        !srv_param_bool(c, "RequireLowercaseCharacters", false, &pp.require_lowercase) ||
        !srv_param_bool(c, "AllowUsersToChangePassword", false, &pp.allow_users_to_change) ||
        !srv_param_int(c, "MaxPasswordAge", false, 1, 1095, 0, &max_age) ||
        !srv_param_int(c, "PasswordReusePrevention", false, 1, 24, 0, &reuse) ||
        !srv_param_bool(c, "HardExpiry", false, &pp.hard_expiry))
        return false;
    pp.min_length = (int)min_len;
    pp.max_age_days = (int)max_age;
    pp.reuse_prevention = (int)reuse;
    srv_audit_request_param(c, "minimumPasswordLength", iam_str_from_cstr(srv_strf(c, "%d", pp.min_length)));
    if (!srv_authorize(c, "iam:UpdateAccountPasswordPolicy", "*", NULL))
        return false;
    if (!srv_begin(c, &t))
        return false;
    if (!srv_store(c, t, iam_txn_account_set_password_policy(t, srv_users_account(c), &pp), "password policy"))
        return false;
    return srv_commit(c, t);
}

bool srv_h_get_account_password_policy(srv_call *c)
{
    const iam_account *a;
    const iam_password_policy *pp;

    if (!srv_authorize(c, "iam:GetAccountPasswordPolicy", "*", NULL))
        return false;
    a = my_account(c);
    pp = a ? a->password_policy : NULL;
    if (pp == NULL)
        return no_password_policy(c);
    srv_xml_open(c->out, "PasswordPolicy");
    srv_xml_int(c->out, "MinimumPasswordLength", pp->min_length);
    srv_xml_bool(c->out, "RequireSymbols", pp->require_symbols);
    srv_xml_bool(c->out, "RequireNumbers", pp->require_numbers);
    srv_xml_bool(c->out, "RequireUppercaseCharacters", pp->require_uppercase);
    srv_xml_bool(c->out, "RequireLowercaseCharacters", pp->require_lowercase);
    srv_xml_bool(c->out, "AllowUsersToChangePassword", pp->allow_users_to_change);
    srv_xml_bool(c->out, "ExpirePasswords", pp->max_age_days > 0);
    if (pp->max_age_days > 0)
        srv_xml_int(c->out, "MaxPasswordAge", pp->max_age_days);
    if (pp->reuse_prevention > 0)
        srv_xml_int(c->out, "PasswordReusePrevention", pp->reuse_prevention);
    srv_xml_bool(c->out, "HardExpiry", pp->hard_expiry);
    srv_xml_close(c->out);
    return true;
}

bool srv_h_delete_account_password_policy(srv_call *c)
{
    const iam_account *a;
    iam_txn *t;

    if (!srv_authorize(c, "iam:DeleteAccountPasswordPolicy", "*", NULL))
        return false;
    a = my_account(c);
    if (a == NULL || a->password_policy == NULL)
        return no_password_policy(c);
    if (!srv_begin(c, &t))
        return false;
    if (!srv_store(c, t, iam_txn_account_set_password_policy(t, srv_users_account(c), NULL), "password policy"))
        return false;
    return srv_commit(c, t);
}

/* ------------------------------------------------------------ account alias */

/* accountAliasType: 3..63 of [a-z0-9-], starting and ending with a letter
 * or digit, no "--". */
static bool param_alias(srv_call *c, iam_str *out)
{
    iam_str v = IAM_STR_NULL;
    bool ok;

    if (!srv_param(c, "AccountAlias", true, &v))
        return false;
    ok = v.len >= 3 && v.len <= 63 && v.ptr[0] != '-' && v.ptr[v.len - 1] != '-';
    for (size_t i = 0; ok && i < v.len; i++) {
        char ch = v.ptr[i];
        ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || (ch == '-' && v.ptr[i + 1] != '-');
    }
    if (!ok)
        return srv_users_invalid(c, "accountAlias", v,
                                 "Member must satisfy regular expression pattern: "
                                 "^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$");
    *out = v;
    return true;
}

bool srv_h_create_account_alias(srv_call *c)
{
    iam_str alias;
    const iam_account *mine;
    iam_snap_list all;
    iam_txn *t;

    if (!param_alias(c, &alias))
        return false;
    srv_audit_request_param(c, "accountAlias", alias);
    if (!srv_authorize(c, "iam:CreateAccountAlias", "*", NULL))
        return false;
    mine = my_account(c);
    if (mine != NULL && mine->alias != NULL && iam_str_eq(iam_str_from_cstr(mine->alias), alias))
        return true; /* already this account's alias */
    /* Aliases name sign-in URLs, so they are unique across accounts. */
    all = iam_snap_accounts(c->snap);
    for (size_t i = 0; i < all.n; i++) {
        const iam_account *a = all.items[i];
        if (a != mine && a->alias != NULL && iam_str_eq(iam_str_from_cstr(a->alias), alias))
            return srv_fail(c, "EntityAlreadyExists", "The account alias %.*s already exists.", (int)alias.len,
                            alias.ptr);
    }
    /* One alias per account: a new one replaces the old, as on AWS. */
    if (!srv_begin(c, &t))
        return false;
    if (!srv_store(c, t, iam_txn_account_set_alias(t, srv_users_account(c), alias), "account alias"))
        return false;
    return srv_commit(c, t);
}

bool srv_h_list_account_aliases(srv_call *c)
{
    const iam_account *a;
    srv_page pg;

    if (!srv_param_page(c, &pg))
        return false;
    if (!srv_authorize(c, "iam:ListAccountAliases", "*", NULL))
        return false;
    a = my_account(c);
    srv_xml_open(c->out, "AccountAliases");
    if (a != NULL && a->alias != NULL && pg.marker.len == 0)
        srv_xml_cstr(c->out, "member", a->alias);
    srv_xml_close(c->out);
    srv_xml_page_end(c->out, false, NULL);
    return true;
}

bool srv_h_delete_account_alias(srv_call *c)
{
    iam_str alias;
    const iam_account *a;
    iam_txn *t;

    if (!param_alias(c, &alias))
        return false;
    srv_audit_request_param(c, "accountAlias", alias);
    if (!srv_authorize(c, "iam:DeleteAccountAlias", "*", NULL))
        return false;
    a = my_account(c);
    if (a == NULL || a->alias == NULL || !iam_str_eq(iam_str_from_cstr(a->alias), alias))
        return srv_fail(c, "NoSuchEntity", "The account alias %.*s cannot be found.", (int)alias.len, alias.ptr);
    if (!srv_begin(c, &t))
        return false;
    if (!srv_store(c, t, iam_txn_account_set_alias(t, srv_users_account(c), IAM_STR("")), "account alias"))
        return false;
    return srv_commit(c, t);
}

/* ---------------------------------------------------------- account summary */

static void summary_entry(srv_call *c, const char *key, int64_t v)
{
    srv_xml_open(c->out, "entry");
    srv_xml_cstr(c->out, "key", key);
    srv_xml_int(c->out, "value", v);
    srv_xml_close(c->out);
}

bool srv_h_get_account_summary(srv_call *c)
{
    const srv_quotas *q = srv_quota(c);
    const iam_account *a;
    iam_account_counts n;

    if (!srv_authorize(c, "iam:GetAccountSummary", "*", NULL))
        return false;
    a = my_account(c);
    iam_snap_account_counts(c->snap, srv_users_account(c), &n);
    srv_xml_open(c->out, "SummaryMap");
    summary_entry(c, "Users", (int64_t)n.users);
    summary_entry(c, "UsersQuota", q->users_per_account);
    summary_entry(c, "Groups", (int64_t)n.groups);
    summary_entry(c, "GroupsQuota", q->groups_per_account);
    summary_entry(c, "Roles", (int64_t)n.roles);
    summary_entry(c, "RolesQuota", q->roles_per_account);
    summary_entry(c, "Policies", (int64_t)n.policies);
    summary_entry(c, "PoliciesQuota", q->policies_per_account);
    summary_entry(c, "InstanceProfiles", (int64_t)n.instance_profiles);
    summary_entry(c, "InstanceProfilesQuota", q->instance_profiles_per_account);
    summary_entry(c, "Providers", (int64_t)n.oidc_providers);
    summary_entry(c, "AccessKeysPerUserQuota", q->access_keys_per_user);
    summary_entry(c, "GroupsPerUserQuota", q->groups_per_user);
    summary_entry(c, "AttachedPoliciesPerUserQuota", q->managed_per_principal);
    summary_entry(c, "AttachedPoliciesPerGroupQuota", q->managed_per_principal);
    summary_entry(c, "AttachedPoliciesPerRoleQuota", q->managed_per_principal);
    summary_entry(c, "PolicySizeQuota", q->policy_size_managed);
    summary_entry(c, "PolicyVersionsInUse", (int64_t)n.policy_versions_in_use);
    summary_entry(c, "PolicyVersionsInUseQuota", 10000);
    summary_entry(c, "VersionsPerPolicyQuota", q->versions_per_policy);
    summary_entry(c, "ServerCertificates", (int64_t)n.server_certificates);
    summary_entry(c, "ServerCertificatesQuota", 20);
    summary_entry(c, "UserPolicySizeQuota", q->policy_size_user_inline);
    summary_entry(c, "GroupPolicySizeQuota", q->policy_size_group_inline);
    summary_entry(c, "RolePolicySizeQuota", q->policy_size_role_inline);
    summary_entry(c, "AssumeRolePolicySizeQuota", q->trust_policy_size);
    summary_entry(c, "SigningCertificatesPerUserQuota", 2);
    /* Virtual MFA devices of the account, and those assigned to a user.
     * AccountMFAEnabled is about the root user, which has no devices in
     * iamd (root signs in only with break-glass keys). */
    iam_snap_list mfa = iam_snap_virtual_mfa_devices(c->snap, iam_str_from_cstr(c->caller->account));
    int64_t mfa_in_use = 0;
    for (size_t i = 0; i < mfa.n; i++)
        if (((const iam_mfa_device *)mfa.items[i])->user_id != NULL)
            mfa_in_use++;
    summary_entry(c, "MFADevices", (int64_t)mfa.n);
    summary_entry(c, "MFADevicesInUse", mfa_in_use);
    summary_entry(c, "AccountMFAEnabled", 0);
    summary_entry(c, "AccountAccessKeysPresent", a != NULL && a->n_root_keys > 0 ? 1 : 0);
    summary_entry(c, "AccountSigningCertificatesPresent", 0);
    summary_entry(c, "GlobalEndpointTokenVersion", 1);
    srv_xml_close(c->out);
    return true;
}
