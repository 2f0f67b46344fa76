/* txn_misc.c - writes of accounts (alias, password policy), instance
 * profiles, OpenID Connect providers and tags. Tags have no foreign key
 * (several kinds own them), so the owner's existence is checked here and
 * owners delete their tags in the same transaction. The password policy is
 * stored as JSON with AWS's field names (GetAccountPasswordPolicy's), which
 * the snapshot loader reads back. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "store/store_int.h"

/* ---- accounts ------------------------------------------------------------------ */

iam_err iam_txn_account_create(iam_txn *t, iam_str account_id)
{
    static const char sql[] = "INSERT INTO accounts(id, created) VALUES(?1, ?2)";
    sqlite3_stmt *s;
    iam_err err;

    if (account_id.len == 0)
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, false)) != IAM_OK)
        return err;
    if ((err = iam__txn_stmt(t, sql, &s)) != IAM_OK)
        goto out;
    iam__bind_str(s, 1, account_id);
    sqlite3_bind_int64(s, 2, t->now);
    if ((err = iam__txn_run(t, s, IAM__OP_WRITE, NULL)) != IAM_OK)
        goto out;
    err = iam__txn_touch(t, IAM_EK_ACCOUNT, account_id);
out:
    return iam__txn_leave(t, err);
}

static iam_err account_set(iam_txn *t, const char *sql, iam_str account, iam_str value)
{
    sqlite3_stmt *s;
    iam_err err;
    int n = 0;

    if (account.len == 0)
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, false)) != IAM_OK)
        return err;
    if ((err = iam__txn_stmt(t, sql, &s)) != IAM_OK)
        goto out;
    iam__bind_opt(s, 1, value);
    iam__bind_str(s, 2, account);
    if ((err = iam__txn_run(t, s, IAM__OP_WRITE, &n)) != IAM_OK)
        goto out;
    err = n == 0 ? IAM_E_NOTFOUND : iam__txn_touch(t, IAM_EK_ACCOUNT, account);
out:
    return iam__txn_leave(t, err);
}

iam_err iam_txn_account_set_alias(iam_txn *t, iam_str account, iam_str alias)
{
    /* Aliases are unique across the installation (as across AWS): EXISTS. */
    static const char sql[] = "UPDATE accounts SET alias=?1 WHERE id=?2";
    return account_set(t, sql, account, alias);
}

iam_err iam_txn_account_set_password_policy(iam_txn *t, iam_str account, const iam_password_policy *pp)
{
    static const char sql[] = "UPDATE accounts SET password_policy=?1 WHERE id=?2";
    char *text = NULL;
    iam_err err;

    if (pp != NULL) {
        json_t *o = json_pack("{s:i, s:b, s:b, s:b, s:b, s:b, s:i, s:i, s:b}", "MinimumPasswordLength",
                              pp->min_length, "RequireSymbols", pp->require_symbols, "RequireNumbers",
                              pp->require_numbers, "RequireUppercaseCharacters", pp->require_uppercase,
                              "RequireLowercaseCharacters", pp->require_lowercase, "AllowUsersToChangePassword",
                              pp->allow_users_to_change, "MaxPasswordAge", pp->max_age_days,
                              "PasswordReusePrevention", pp->reuse_prevention, "HardExpiry", pp->hard_expiry);
        if (o != NULL)
            text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(o);
        if (text == NULL)
            return IAM_E_NOMEM;
    }
    err = account_set(t, sql, account, iam_str_from_cstr(text));
    if (text != NULL) {
        json_free_t jfree = NULL;
        json_get_alloc_funcs(NULL, &jfree); /* json_dumps allocates with jansson's allocator */
        jfree(text);
    }
    return err;
}

/* ---- instance profiles ------------------------------------------------------------ */

iam_err iam_txn_instance_profile_create(iam_txn *t, const iam_new_principal *ip)
{
    static const char sql[] = "INSERT INTO instance_profiles(id, account, name, path, created)"
                              " VALUES(?1, ?2, ?3, ?4, ?5)";
    sqlite3_stmt *s;
    iam_err err;

    if (ip == NULL || ip->id.len == 0 || ip->name.len == 0 || ip->account.len == 0)
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, false)) != IAM_OK)
        return err;
    if ((err = iam__txn_stmt(t, sql, &s)) != IAM_OK)
        goto out;
    iam__bind_str(s, 1, ip->id);
    iam__bind_str(s, 2, ip->account);
    iam__bind_str(s, 3, ip->name);
    iam__bind_str(s, 4, ip->path.len ? ip->path : IAM_STR("/"));
    sqlite3_bind_int64(s, 5, t->now);
    if ((err = iam__txn_run(t, s, IAM__OP_WRITE, NULL)) != IAM_OK)
        goto out;
    err = iam__txn_touch(t, IAM_EK_INSTANCE_PROFILE, ip->id);
out:
    return iam__txn_leave(t, err);
}

iam_err iam_txn_instance_profile_delete(iam_txn *t, iam_str ip_id)
{
    /* A profile that still holds a role is refused (CONFLICT), as AWS
     * answers DeleteConflict. */
    static const char sql[] = "DELETE FROM instance_profiles WHERE id=?1";
    sqlite3_stmt *s;
    iam_err err;
    int n = 0;

    if (ip_id.len == 0)
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, true)) != IAM_OK)
        return err;
    if ((err = iam__txn_drop_owned(t, IAM_EK_INSTANCE_PROFILE, ip_id)) != IAM_OK)
        goto out;
    if ((err = iam__txn_stmt(t, sql, &s)) != IAM_OK)
        goto out;
    iam__bind_str(s, 1, ip_id);
    if ((err = iam__txn_run(t, s, IAM__OP_DELETE, &n)) != IAM_OK)
        goto out;
    err = n == 0 ? IAM_E_NOTFOUND : iam__txn_touch(t, IAM_EK_INSTANCE_PROFILE, ip_id);
out:
    return iam__txn_leave(t, err);
}

static iam_err ip_role(iam_txn *t, const char *sql, iam__op op, iam_str ip_id, iam_str role_id)
{
    sqlite3_stmt *s;
    iam_err err;
    int n = 0;

    if (ip_id.len == 0 || role_id.len == 0)
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, false)) != IAM_OK)
        return err;
    if ((err = iam__txn_stmt(t, sql, &s)) != IAM_OK)
        goto out;
    iam__bind_str(s, 1, ip_id);
    iam__bind_str(s, 2, role_id);
    if ((err = iam__txn_run(t, s, op, &n)) != IAM_OK)
        goto out;
    if (n == 0) {
        err = IAM_E_NOTFOUND;
        goto out;
    }
    if ((err = iam__txn_touch(t, IAM_EK_INSTANCE_PROFILE, ip_id)) == IAM_OK)
        err = iam__txn_touch(t, IAM_EK_ROLE, role_id);
out:
    return iam__txn_leave(t, err);
}

iam_err iam_txn_instance_profile_add_role(iam_txn *t, iam_str ip_id, iam_str role_id)
{
    /* The same role twice: EXISTS (the API answers LimitExceeded first, a
     * profile holding at most one role). */
    static const char sql[] = "INSERT INTO instance_profile_roles(profile_id, role_id) VALUES(?1, ?2)";
    return ip_role(t, sql, IAM__OP_WRITE, ip_id, role_id);
}

iam_err iam_txn_instance_profile_remove_role(iam_txn *t, iam_str ip_id, iam_str role_id)
{
    static const char sql[] = "DELETE FROM instance_profile_roles WHERE profile_id=?1 AND role_id=?2";
    return ip_role(t, sql, IAM__OP_DELETE, ip_id, role_id);
}

/* ---- OpenID Connect providers -------------------------------------------------- */

static iam_err oidc_insert_strs(iam_txn *t, const char *sql, iam_str arn, const iam_str *v, size_t n)
{
    iam_err err = IAM_OK;
    for (size_t i = 0; i < n && err == IAM_OK; i++) {
        sqlite3_stmt *s;
        if (v[i].len == 0)
            return IAM_E_INVALID;
        if ((err = iam__txn_stmt(t, sql, &s)) != IAM_OK)
            break;
        iam__bind_str(s, 1, arn);
        iam__bind_str(s, 2, v[i]);
        if (sqlite3_bind_parameter_count(s) >= 3)
            sqlite3_bind_int64(s, 3, (int64_t)i); /* thumbprints keep their order */
        err = iam__txn_run(t, s, IAM__OP_WRITE, NULL);
    }
    return err;
}

/* Client ids are a set (a duplicate is ignored); thumbprints a list. */
static const char SQL_OIDC_CLIENT[] = "INSERT OR IGNORE INTO oidc_client_ids(arn, client_id) VALUES(?1, ?2)";
static const char SQL_OIDC_THUMB[] = "INSERT INTO oidc_thumbprints(arn, thumbprint, pos) VALUES(?1, ?2, ?3)";
static const char SQL_OIDC_DEL_THUMBS[] = "DELETE FROM oidc_thumbprints WHERE arn=?1";

iam_err iam_txn_oidc_create(iam_txn *t, iam_str account, iam_str arn, iam_str url, const iam_str *client_ids,
                            size_t n_client_ids, const iam_str *thumbprints, size_t n_thumbprints)
{
    static const char sql[] = "INSERT INTO oidc_providers(arn, account, url, created) VALUES(?1, ?2, ?3, ?4)";
    sqlite3_stmt *s;
    iam_err err;

    if (account.len == 0 || arn.len == 0 || url.len == 0 || (n_client_ids > 0 && client_ids == NULL) ||
        (n_thumbprints > 0 && thumbprints == NULL))
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, true)) != IAM_OK)
        return err;
    if ((err = iam__txn_stmt(t, sql, &s)) != IAM_OK)
        goto out;
    iam__bind_str(s, 1, arn);
    iam__bind_str(s, 2, account);
    iam__bind_str(s, 3, url);
    sqlite3_bind_int64(s, 4, t->now);
    if ((err = iam__txn_run(t, s, IAM__OP_WRITE, NULL)) != IAM_OK)
        goto out;
    if ((err = oidc_insert_strs(t, SQL_OIDC_CLIENT, arn, client_ids, n_client_ids)) != IAM_OK ||
        (err = oidc_insert_strs(t, SQL_OIDC_THUMB, arn, thumbprints, n_thumbprints)) != IAM_OK)
        goto out;
    err = iam__txn_touch(t, IAM_EK_OIDC_PROVIDER, arn);
out:
    return iam__txn_leave(t, err);
}

iam_err iam_txn_oidc_delete(iam_txn *t, iam_str arn)
{
    static const char del_clients[] = "DELETE FROM oidc_client_ids WHERE arn=?1";
    static const char del_jwks[] = "DELETE FROM oidc_jwks WHERE arn=?1";
    static const char del_provider[] = "DELETE FROM oidc_providers WHERE arn=?1";
    const char *const seq[] = { del_clients, SQL_OIDC_DEL_THUMBS, del_jwks, del_provider };
    iam_err err;
    int n = 0;

    if (arn.len == 0)
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, true)) != IAM_OK)
        return err;
    if ((err = iam__txn_drop_owned(t, IAM_EK_OIDC_PROVIDER, arn)) != IAM_OK)
        goto out;
    for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
        sqlite3_stmt *s;
        if ((err = iam__txn_stmt(t, seq[i], &s)) != IAM_OK)
            goto out;
        iam__bind_str(s, 1, arn);
        if ((err = iam__txn_run(t, s, IAM__OP_DELETE, &n)) != IAM_OK)
            goto out;
    }
    err = n == 0 ? IAM_E_NOTFOUND : iam__txn_touch(t, IAM_EK_OIDC_PROVIDER, arn);
out:
    return iam__txn_leave(t, err);
}

iam_err iam_txn_oidc_add_client_id(iam_txn *t, iam_str arn, iam_str client_id)
{
    iam_err err;

    if (arn.len == 0 || client_id.len == 0)
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, false)) != IAM_OK)
        return err;
    /* Adding a present client id is a no-op; an unknown provider fails the
     * foreign key (NOTFOUND). */
    if ((err = oidc_insert_strs(t, SQL_OIDC_CLIENT, arn, &client_id, 1)) != IAM_OK)
        goto out;
    err = iam__txn_touch(t, IAM_EK_OIDC_PROVIDER, arn);
out:
    return iam__txn_leave(t, err);
}

iam_err iam_txn_oidc_remove_client_id(iam_txn *t, iam_str arn, iam_str client_id)
{
    static const char sql[] = "DELETE FROM oidc_client_ids WHERE arn=?1 AND client_id=?2";
    sqlite3_stmt *s;
    iam_err err;

    if (arn.len == 0 || client_id.len == 0)
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, false)) != IAM_OK)
        return err;
    /* AWS: removing an absent client id succeeds; the provider must exist. */
    if ((err = iam__txn_exists(t, IAM_EK_OIDC_PROVIDER, arn)) != IAM_OK)
        goto out;
    if ((err = iam__txn_stmt(t, sql, &s)) != IAM_OK)
        goto out;
    iam__bind_str(s, 1, arn);
    iam__bind_str(s, 2, client_id);
    if ((err = iam__txn_run(t, s, IAM__OP_DELETE, NULL)) != IAM_OK)
        goto out;
    err = iam__txn_touch(t, IAM_EK_OIDC_PROVIDER, arn);
out:
    return iam__txn_leave(t, err);
}

iam_err iam_txn_oidc_set_thumbprints(iam_txn *t, iam_str arn, const iam_str *thumbprints, size_t n)
{
    sqlite3_stmt *s;
    iam_err err;

    if (arn.len == 0 || (n > 0 && thumbprints == NULL))
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, true)) != IAM_OK)
        return err;
    if ((err = iam__txn_exists(t, IAM_EK_OIDC_PROVIDER, arn)) != IAM_OK)
        goto out;
    if ((err = iam__txn_stmt(t, SQL_OIDC_DEL_THUMBS, &s)) != IAM_OK)
        goto out;
    iam__bind_str(s, 1, arn);
    if ((err = iam__txn_run(t, s, IAM__OP_DELETE, NULL)) != IAM_OK)
        goto out;
    if ((err = oidc_insert_strs(t, SQL_OIDC_THUMB, arn, thumbprints, n)) != IAM_OK)
        goto out;
    err = iam__txn_touch(t, IAM_EK_OIDC_PROVIDER, arn);
out:
    return iam__txn_leave(t, err);
}

iam_err iam_txn_oidc_set_jwks(iam_txn *t, iam_str arn, iam_str jwks)
{
    static const char sql[] = "INSERT INTO oidc_jwks(arn, jwks, updated) VALUES(?1, ?2, ?3) "
                              "ON CONFLICT(arn) DO UPDATE SET jwks=excluded.jwks, updated=excluded.updated";
    sqlite3_stmt *s;
    iam_err err;

    if (arn.len == 0 || jwks.len == 0)
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, true)) != IAM_OK)
        return err;
    if ((err = iam__txn_exists(t, IAM_EK_OIDC_PROVIDER, arn)) != IAM_OK)
        goto out;
    if ((err = iam__txn_stmt(t, sql, &s)) != IAM_OK)
        goto out;
    iam__bind_str(s, 1, arn);
    iam__bind_str(s, 2, jwks);
    sqlite3_bind_int64(s, 3, t->now);
    if ((err = iam__txn_run(t, s, IAM__OP_WRITE, NULL)) != IAM_OK)
        goto out;
    err = iam__txn_touch(t, IAM_EK_OIDC_PROVIDER, arn);
out:
    return iam__txn_leave(t, err);
}

/* ---- tags ---------------------------------------------------------------------- */

static bool taggable(iam_entity_kind kind)
{
    return kind == IAM_EK_USER || kind == IAM_EK_ROLE || kind == IAM_EK_POLICY || kind == IAM_EK_INSTANCE_PROFILE ||
           kind == IAM_EK_OIDC_PROVIDER || kind == IAM_EK_MFA_DEVICE;
}

iam_err iam_txn_tags_set(iam_txn *t, iam_entity_kind kind, iam_str entity_id, const iam_tag *tags, size_t n)
{
    /* The key column is COLLATE NOCASE, so the primary key conflicts on a
     * key differing only in case: the row keeps its position and takes the
     * new spelling and value. A new key goes after the last one. */
    static const char sql[] =
        "INSERT INTO tags(kind, entity_id, key, value, pos) VALUES(?1, ?2, ?3, ?4,"
        " (SELECT COALESCE(max(pos), -1) + 1 FROM tags WHERE kind=?1 AND entity_id=?2))"
        " ON CONFLICT(kind, entity_id, key) DO UPDATE SET key=excluded.key, value=excluded.value";
    iam_err err;

    if (entity_id.len == 0 || !taggable(kind) || (n > 0 && tags == NULL))
        return IAM_E_INVALID;
    for (size_t i = 0; i < n; i++)
        if (tags[i].key == NULL || tags[i].key[0] == '\0' || tags[i].value == NULL)
            return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, n > 1)) != IAM_OK)
        return err;
    if ((err = iam__txn_exists(t, kind, entity_id)) != IAM_OK)
        goto out;
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *s;
        if ((err = iam__txn_stmt(t, sql, &s)) != IAM_OK)
            goto out;
        sqlite3_bind_int(s, 1, (int)kind);
        iam__bind_str(s, 2, entity_id);
        iam__bind_cstr(s, 3, tags[i].key);
        iam__bind_cstr(s, 4, tags[i].value);
        if ((err = iam__txn_run(t, s, IAM__OP_WRITE, NULL)) != IAM_OK)
            goto out;
    }
    err = iam__txn_touch(t, kind, entity_id);
out:
    return iam__txn_leave(t, err);
}

iam_err iam_txn_tags_remove(iam_txn *t, iam_entity_kind kind, iam_str entity_id, const iam_str *keys, size_t n)
{
    static const char sql[] = "DELETE FROM tags WHERE kind=?1 AND entity_id=?2 AND key=?3";
    iam_err err;

    if (entity_id.len == 0 || !taggable(kind) || (n > 0 && keys == NULL))
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, n > 1)) != IAM_OK)
        return err;
    if ((err = iam__txn_exists(t, kind, entity_id)) != IAM_OK)
        goto out;
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *s;
        if ((err = iam__txn_stmt(t, sql, &s)) != IAM_OK)
            goto out;
        sqlite3_bind_int(s, 1, (int)kind);
        iam__bind_str(s, 2, entity_id);
        iam__bind_str(s, 3, keys[i]); /* absent keys are ignored, as UntagUser does */
        if ((err = iam__txn_run(t, s, IAM__OP_DELETE, NULL)) != IAM_OK)
            goto out;
    }
    err = iam__txn_touch(t, kind, entity_id);
out:
    return iam__txn_leave(t, err);
}
