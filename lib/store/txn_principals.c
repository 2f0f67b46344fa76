/* txn_principals.c - writes of users, groups, membership, roles, trust
 * bindings and permissions boundaries. Each function is one API write's
 * worth of SQL inside the caller's transaction; the foreign keys of the
 * schema turn dangling references into IAM_E_NOTFOUND / IAM_E_CONFLICT.
 * The change set names every entity whose snapshot view changes. */
#include <stdio.h>
#include <string.h>

#include "store/store_int.h"

static iam_str path_or_root(iam_str p) { return p.len ? p : IAM_STR("/"); }

/* ---- shared helpers (declared in store_int.h) ----------------------------- */

iam_err iam__txn_exists(iam_txn *t, iam_entity_kind kind, iam_str id)
{
    static const char q_user[] = "SELECT 1 FROM users WHERE id=?1";
    static const char q_group[] = "SELECT 1 FROM groups WHERE id=?1";
    static const char q_role[] = "SELECT 1 FROM roles WHERE id=?1";
    static const char q_policy[] = "SELECT 1 FROM policies WHERE id=?1";
    static const char q_ip[] = "SELECT 1 FROM instance_profiles WHERE id=?1";
    static const char q_oidc[] = "SELECT 1 FROM oidc_providers WHERE arn=?1";
    static const char q_account[] = "SELECT 1 FROM accounts WHERE id=?1";
    static const char q_key[] = "SELECT 1 FROM access_keys WHERE id=?1";
    static const char q_mfa[] = "SELECT 1 FROM mfa_devices WHERE serial=?1";
    const char *sql;
    switch (kind) {
    case IAM_EK_USER: sql = q_user; break;
    case IAM_EK_GROUP: sql = q_group; break;
    case IAM_EK_ROLE: sql = q_role; break;
    case IAM_EK_POLICY: sql = q_policy; break;
    case IAM_EK_INSTANCE_PROFILE: sql = q_ip; break;
    case IAM_EK_OIDC_PROVIDER: sql = q_oidc; break;
    case IAM_EK_ACCOUNT: sql = q_account; break;
    case IAM_EK_ACCESS_KEY: sql = q_key; break;
    case IAM_EK_MFA_DEVICE: sql = q_mfa; break;
    default: return IAM_E_INVALID;
    }
    sqlite3_stmt *s;
    bool row = false;
    iam_err err = iam__txn_stmt(t, sql, &s);
    if (err != IAM_OK)
        return err;
    iam__bind_str(s, 1, id);
    if ((err = iam__txn_row(t, s, &row)) != IAM_OK)
        return err;
    sqlite3_reset(s);
    return row ? IAM_OK : IAM_E_NOTFOUND;
}

iam_err iam__txn_drop_owned(iam_txn *t, iam_entity_kind kind, iam_str id)
{
    static const char del_tags[] = "DELETE FROM tags WHERE kind=?1 AND entity_id=?2";
    static const char del_bind[] = "DELETE FROM bindings WHERE owner_kind=?1 AND owner_id=?2";
    sqlite3_stmt *s;
    iam_err err = iam__txn_stmt(t, del_tags, &s);
    if (err != IAM_OK)
        return err;
    sqlite3_bind_int(s, 1, (int)kind);
    iam__bind_str(s, 2, id);
    if ((err = iam__txn_run(t, s, IAM__OP_DELETE, NULL)) != IAM_OK)
        return err;
    if (kind != IAM_EK_ROLE && kind != IAM_EK_POLICY)
        return IAM_OK;
    if ((err = iam__txn_stmt(t, del_bind, &s)) != IAM_OK)
        return err;
    sqlite3_bind_int(s, 1, (int)kind);
    iam__bind_str(s, 2, id);
    return iam__txn_run(t, s, IAM__OP_DELETE, NULL);
}

/* One INSERT of a user/group (same columns), then the change. */
static iam_err principal_insert(iam_txn *t, const char *sql, iam_entity_kind kind, const iam_new_principal *p)
{
    sqlite3_stmt *s;
    iam_err err;

    if (p == NULL || p->id.len == 0 || p->name.len == 0 || p->account.len == 0)
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, false)) != IAM_OK)
        return err;
    if ((err = iam__txn_stmt(t, sql, &s)) != IAM_OK)
        goto out;
    iam__bind_str(s, 1, p->id);
    iam__bind_str(s, 2, p->account);
    iam__bind_str(s, 3, p->name);
    iam__bind_str(s, 4, path_or_root(p->path));
    sqlite3_bind_int64(s, 5, t->now);
    if ((err = iam__txn_run(t, s, IAM__OP_WRITE, NULL)) != IAM_OK)
        goto out;
    err = iam__txn_touch(t, kind, p->id);
out:
    return iam__txn_leave(t, err);
}

static iam_err principal_update(iam_txn *t, const char *sql, iam_entity_kind kind, iam_str id, iam_str name,
                                iam_str path)
{
    sqlite3_stmt *s;
    iam_err err;
    int n = 0;

    if (id.len == 0)
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, false)) != IAM_OK)
        return err;
    if ((err = iam__txn_stmt(t, sql, &s)) != IAM_OK)
        goto out;
    iam__bind_opt(s, 1, name);
    iam__bind_opt(s, 2, path);
    iam__bind_str(s, 3, id);
    if ((err = iam__txn_run(t, s, IAM__OP_WRITE, &n)) != IAM_OK)
        goto out;
    err = n == 0 ? IAM_E_NOTFOUND : iam__txn_touch(t, kind, id);
out:
    return iam__txn_leave(t, err);
}

/* Deletes a principal row after what it owns without a foreign key (tags,
 * bindings), under a savepoint so that a refused delete keeps them. */
static iam_err principal_delete(iam_txn *t, const char *sql, iam_entity_kind kind, iam_str id, bool owned)
{
    sqlite3_stmt *s;
    iam_err err;
    int n = 0;

    if (id.len == 0)
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, owned)) != IAM_OK)
        return err;
    if (owned && (err = iam__txn_drop_owned(t, kind, id)) != IAM_OK)
        goto out;
    if ((err = iam__txn_stmt(t, sql, &s)) != IAM_OK)
        goto out;
    iam__bind_str(s, 1, id);
    if ((err = iam__txn_run(t, s, IAM__OP_DELETE, &n)) != IAM_OK)
        goto out;
    err = n == 0 ? IAM_E_NOTFOUND : iam__txn_touch(t, kind, id);
out:
    return iam__txn_leave(t, err);
}

/* ---- users ------------------------------------------------------------------ */

iam_err iam_txn_user_create(iam_txn *t, const iam_new_principal *u)
{
    static const char sql[] = "INSERT INTO users(id, account, name, path, created) VALUES(?1, ?2, ?3, ?4, ?5)";
    return principal_insert(t, sql, IAM_EK_USER, u);
}

iam_err iam_txn_user_update(iam_txn *t, iam_str user_id, iam_str new_name, iam_str new_path)
{
    static const char sql[] = "UPDATE users SET name=COALESCE(?1, name), path=COALESCE(?2, path) WHERE id=?3";
    return principal_update(t, sql, IAM_EK_USER, user_id, new_name, new_path);
}

iam_err iam_txn_user_delete(iam_txn *t, iam_str user_id)
{
    static const char sql[] = "DELETE FROM users WHERE id=?1";
    return principal_delete(t, sql, IAM_EK_USER, user_id, true);
}

/* ---- groups ------------------------------------------------------------------ */

iam_err iam_txn_group_create(iam_txn *t, const iam_new_principal *g)
{
    static const char sql[] = "INSERT INTO groups(id, account, name, path, created) VALUES(?1, ?2, ?3, ?4, ?5)";
    return principal_insert(t, sql, IAM_EK_GROUP, g);
}

iam_err iam_txn_group_update(iam_txn *t, iam_str group_id, iam_str new_name, iam_str new_path)
{
    static const char sql[] = "UPDATE groups SET name=COALESCE(?1, name), path=COALESCE(?2, path) WHERE id=?3";
    return principal_update(t, sql, IAM_EK_GROUP, group_id, new_name, new_path);
}

iam_err iam_txn_group_delete(iam_txn *t, iam_str group_id)
{
    /* Groups carry no tags on AWS, and own no bindings. */
    static const char sql[] = "DELETE FROM groups WHERE id=?1";
    return principal_delete(t, sql, IAM_EK_GROUP, group_id, false);
}

/* Membership changes touch both sides: a group lists its members, a user its
 * groups (and its effective policies follow the group's). */
static iam_err membership(iam_txn *t, const char *sql, iam__op op, iam_str group_id, iam_str user_id)
{
    sqlite3_stmt *s;
    iam_err err;
    int n = 0;

    if (group_id.len == 0 || user_id.len == 0)
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, false)) != IAM_OK)
        return err;
    if ((err = iam__txn_stmt(t, sql, &s)) != IAM_OK)
        goto out;
    iam__bind_str(s, 1, group_id);
    iam__bind_str(s, 2, user_id);
    if ((err = iam__txn_run(t, s, op, &n)) != IAM_OK)
        goto out;
    if (op == IAM__OP_DELETE && n == 0) {
        err = IAM_E_NOTFOUND;
        goto out;
    }
    if ((err = iam__txn_touch(t, IAM_EK_GROUP, group_id)) == IAM_OK)
        err = iam__txn_touch(t, IAM_EK_USER, user_id);
out:
    return iam__txn_leave(t, err);
}

iam_err iam_txn_group_add_user(iam_txn *t, iam_str group_id, iam_str user_id)
{
    /* OR IGNORE: adding a member twice succeeds, as on AWS; it does not
     * ignore foreign-key failures (unknown group or user → NOTFOUND). */
    static const char sql[] = "INSERT OR IGNORE INTO group_members(group_id, user_id) VALUES(?1, ?2)";
    return membership(t, sql, IAM__OP_WRITE, group_id, user_id);
}

iam_err iam_txn_group_remove_user(iam_txn *t, iam_str group_id, iam_str user_id)
{
    static const char sql[] = "DELETE FROM group_members WHERE group_id=?1 AND user_id=?2";
    return membership(t, sql, IAM__OP_DELETE, group_id, user_id);
}

/* ---- roles ------------------------------------------------------------------ */

iam_err iam_txn_role_create(iam_txn *t, const iam_new_role *r)
{
    static const char sql[] = "INSERT INTO roles(id, account, name, path, created, description, max_session, trust)"
                              " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    sqlite3_stmt *s;
    iam_err err;

    if (r == NULL || r->p.id.len == 0 || r->p.name.len == 0 || r->p.account.len == 0 || r->trust_document.len == 0)
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, false)) != IAM_OK)
        return err;
    if ((err = iam__txn_stmt(t, sql, &s)) != IAM_OK)
        goto out;
    iam__bind_str(s, 1, r->p.id);
    iam__bind_str(s, 2, r->p.account);
    iam__bind_str(s, 3, r->p.name);
    iam__bind_str(s, 4, path_or_root(r->p.path));
    sqlite3_bind_int64(s, 5, t->now);
    iam__bind_opt(s, 6, r->description);
    sqlite3_bind_int(s, 7, r->max_session_duration > 0 ? r->max_session_duration : 3600);
    iam__bind_str(s, 8, r->trust_document);
    if ((err = iam__txn_run(t, s, IAM__OP_WRITE, NULL)) != IAM_OK)
        goto out;
    err = iam__txn_touch(t, IAM_EK_ROLE, r->p.id);
out:
    return iam__txn_leave(t, err);
}

iam_err iam_txn_role_update(iam_txn *t, iam_str role_id, iam_str description, int32_t max_session_duration)
{
    /* ?1: whether to set the description (?2, NULL = clear). */
    static const char sql[] = "UPDATE roles SET description=CASE WHEN ?1 THEN ?2 ELSE description END,"
                              " max_session=CASE WHEN ?3 > 0 THEN ?3 ELSE max_session END WHERE id=?4";
    sqlite3_stmt *s;
    iam_err err;
    int n = 0;

    if (role_id.len == 0)
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, false)) != IAM_OK)
        return err;
    if ((err = iam__txn_stmt(t, sql, &s)) != IAM_OK)
        goto out;
    sqlite3_bind_int(s, 1, description.ptr != NULL);
    iam__bind_opt(s, 2, description);
    sqlite3_bind_int(s, 3, max_session_duration);
    iam__bind_str(s, 4, role_id);
    if ((err = iam__txn_run(t, s, IAM__OP_WRITE, &n)) != IAM_OK)
        goto out;
    err = n == 0 ? IAM_E_NOTFOUND : iam__txn_touch(t, IAM_EK_ROLE, role_id);
out:
    return iam__txn_leave(t, err);
}

static iam_err role_set_text(iam_txn *t, const char *sql, iam_str role_id, iam_str v, bool optional)
{
    sqlite3_stmt *s;
    iam_err err;
    int n = 0;

    if (role_id.len == 0)
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, false)) != IAM_OK)
        return err;
    if ((err = iam__txn_stmt(t, sql, &s)) != IAM_OK)
        goto out;
    if (optional)
        iam__bind_opt(s, 1, v);
    else
        iam__bind_str(s, 1, v);
    iam__bind_str(s, 2, role_id);
    if (sqlite3_bind_parameter_count(s) >= 3)
        sqlite3_bind_int64(s, 3, t->now);
    if ((err = iam__txn_run(t, s, IAM__OP_WRITE, &n)) != IAM_OK)
        goto out;
    err = n == 0 ? IAM_E_NOTFOUND : iam__txn_touch(t, IAM_EK_ROLE, role_id);
out:
    return iam__txn_leave(t, err);
}

iam_err iam_txn_role_set_trust(iam_txn *t, iam_str role_id, iam_str trust_document)
{
    static const char sql[] = "UPDATE roles SET trust=?1 WHERE id=?2";
    if (trust_document.len == 0)
        return IAM_E_INVALID;
    return role_set_text(t, sql, role_id, trust_document, false);
}

iam_err iam_txn_role_touch(iam_txn *t, iam_str role_id, iam_str region)
{
    static const char sql[] = "UPDATE roles SET last_used=?3, last_used_region=?1 WHERE id=?2";
    return role_set_text(t, sql, role_id, region, true);
}

iam_err iam_txn_role_delete(iam_txn *t, iam_str role_id)
{
    /* Attachments, inline policies and instance-profile membership refuse
     * the delete (CONFLICT); tags and bindings go with the role. */
    static const char sql[] = "DELETE FROM roles WHERE id=?1";
    return principal_delete(t, sql, IAM_EK_ROLE, role_id, true);
}

/* ---- bindings ------------------------------------------------------------- */

iam_err iam_txn_set_bindings(iam_txn *t, iam_entity_kind owner_kind, iam_str owner_id, const iam_binding *b,
                             size_t n)
{
    static const char del[] = "DELETE FROM bindings WHERE owner_kind=?1 AND owner_id=?2";
    static const char ins[] = "INSERT OR REPLACE INTO bindings(owner_kind, owner_id, arn, unique_id)"
                              " VALUES(?1, ?2, ?3, ?4)";
    sqlite3_stmt *s;
    iam_err err;

    if (owner_id.len == 0 || (n > 0 && b == NULL))
        return IAM_E_INVALID;
    for (size_t i = 0; i < n; i++)
        if (b[i].arn.len == 0 || b[i].unique_id.len == 0)
            return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, true)) != IAM_OK)
        return err;
    if ((err = iam__txn_stmt(t, del, &s)) != IAM_OK)
        goto out;
    sqlite3_bind_int(s, 1, (int)owner_kind);
    iam__bind_str(s, 2, owner_id);
    if ((err = iam__txn_run(t, s, IAM__OP_DELETE, NULL)) != IAM_OK)
        goto out;
    for (size_t i = 0; i < n; i++) {
        if ((err = iam__txn_stmt(t, ins, &s)) != IAM_OK)
            goto out;
        sqlite3_bind_int(s, 1, (int)owner_kind);
        iam__bind_str(s, 2, owner_id);
        iam__bind_str(s, 3, b[i].arn);
        iam__bind_str(s, 4, b[i].unique_id);
        if ((err = iam__txn_run(t, s, IAM__OP_WRITE, NULL)) != IAM_OK)
            goto out;
    }
    err = iam__txn_touch(t, owner_kind, owner_id);
out:
    return iam__txn_leave(t, err);
}

/* ---- permissions boundaries ------------------------------------------------- */

iam_err iam_txn_set_boundary(iam_txn *t, iam_entity_kind kind, iam_str principal_id, iam_str policy_arn)
{
    static const char get_user[] = "SELECT boundary_policy FROM users WHERE id=?1";
    static const char get_role[] = "SELECT boundary_policy FROM roles WHERE id=?1";
    static const char set_user[] = "UPDATE users SET boundary_policy=?1 WHERE id=?2";
    static const char set_role[] = "UPDATE roles SET boundary_policy=?1 WHERE id=?2";
    static const char by_arn[] = "SELECT id FROM policies WHERE arn=?1";
    char old_id[IAM_ID_LEN + 32] = "", new_id[IAM_ID_LEN + 32] = "";
    sqlite3_stmt *s;
    bool row = false;
    iam_err err;

    if (principal_id.len == 0 || (kind != IAM_EK_USER && kind != IAM_EK_ROLE))
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, false)) != IAM_OK)
        return err;
    /* The old boundary policy loses a user, the new one gains one: both
     * change in the snapshot (boundary_count). */
    if ((err = iam__txn_stmt(t, kind == IAM_EK_USER ? get_user : get_role, &s)) != IAM_OK)
        goto out;
    iam__bind_str(s, 1, principal_id);
    if ((err = iam__txn_row(t, s, &row)) != IAM_OK)
        goto out;
    if (!row) {
        err = IAM_E_NOTFOUND;
        goto out;
    }
    (void)iam__col_copy(s, 0, old_id, sizeof old_id);
    sqlite3_reset(s);
    if (policy_arn.len > 0) {
        if ((err = iam__txn_stmt(t, by_arn, &s)) != IAM_OK)
            goto out;
        iam__bind_str(s, 1, policy_arn);
        if ((err = iam__txn_row(t, s, &row)) != IAM_OK)
            goto out;
        if (!row) {
            snprintf(t->errmsg, sizeof t->errmsg, "no policy with that ARN");
            err = IAM_E_NOTFOUND;
            goto out;
        }
        bool fits = iam__col_copy(s, 0, new_id, sizeof new_id);
        sqlite3_reset(s);
        if (!fits) {
            err = IAM_E_STORE;
            goto out;
        }
    }
    if ((err = iam__txn_stmt(t, kind == IAM_EK_USER ? set_user : set_role, &s)) != IAM_OK)
        goto out;
    iam__bind_opt(s, 1, iam_str_from_cstr(new_id));
    iam__bind_str(s, 2, principal_id);
    if ((err = iam__txn_run(t, s, IAM__OP_WRITE, NULL)) != IAM_OK)
        goto out;
    if ((err = iam__txn_touch(t, kind, principal_id)) != IAM_OK ||
        (err = iam__txn_touch_cstr(t, IAM_EK_POLICY, old_id)) != IAM_OK)
        goto out;
    err = iam__txn_touch_cstr(t, IAM_EK_POLICY, new_id);
out:
    return iam__txn_leave(t, err);
}
