/* txn_policies.c - writes of managed policies and their versions,
 * attachments to users, groups and roles, and inline policies. Version
 * numbers come from a per-policy counter that never goes back, so a
 * deleted "v3" is never reissued (as on AWS); the 5-version quota is the
 * API's business. Attach/detach touch the principal and the policy (whose
 * attachment count the snapshot shows). */
#include <stdio.h>
#include <string.h>

#include "store/store_int.h"

/* arn:aws:iam::ACCOUNT:policy/PATH/NAME, the path with its slashes. */
static bool policy_arn(iam_str account, iam_str path, iam_str name, char *buf, size_t cap, iam_str *out)
{
    if (path.len == 0)
        path = IAM_STR("/");
    int n = snprintf(buf, cap, "arn:aws:iam::%.*s:policy%.*s%.*s", (int)account.len, account.ptr, (int)path.len,
                     path.ptr, (int)name.len, name.ptr);
    if (n < 0 || (size_t)n >= cap)
        return false;
    *out = (iam_str){ buf, (size_t)n };
    return true;
}

iam_err iam__txn_policy_insert(iam_txn *t, const iam_new_policy *p, iam_str arn, iam_str version_id, int64_t num)
{
    static const char ins_policy[] =
        "INSERT INTO policies(id, account, name, path, arn, description, created, updated, default_version,"
        " next_version) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9)";
    static const char ins_version[] =
        "INSERT INTO policy_versions(policy_id, version_id, num, document, created) VALUES(?1, ?2, ?3, ?4, ?5)";
    sqlite3_stmt *s;
    iam_err err;

    if ((err = iam__txn_stmt(t, ins_policy, &s)) != IAM_OK)
        return err;
    iam__bind_str(s, 1, p->id);
    iam__bind_str(s, 2, p->account);
    iam__bind_str(s, 3, p->name);
    iam__bind_str(s, 4, p->path.len ? p->path : IAM_STR("/"));
    iam__bind_str(s, 5, arn);
    iam__bind_opt(s, 6, p->description);
    sqlite3_bind_int64(s, 7, t->now);
    iam__bind_str(s, 8, version_id);
    sqlite3_bind_int64(s, 9, num + 1);
    if ((err = iam__txn_run(t, s, IAM__OP_WRITE, NULL)) != IAM_OK)
        return err;
    if ((err = iam__txn_stmt(t, ins_version, &s)) != IAM_OK)
        return err;
    iam__bind_str(s, 1, p->id);
    iam__bind_str(s, 2, version_id);
    sqlite3_bind_int64(s, 3, num);
    iam__bind_str(s, 4, p->document);
    sqlite3_bind_int64(s, 5, t->now);
    if ((err = iam__txn_run(t, s, IAM__OP_WRITE, NULL)) != IAM_OK)
        return err;
    return iam__txn_touch(t, IAM_EK_POLICY, p->id);
}

iam_err iam_txn_policy_create(iam_txn *t, const iam_new_policy *p)
{
    char buf[1024];
    iam_str arn;
    iam_err err;

    if (p == NULL || p->id.len == 0 || p->account.len == 0 || p->name.len == 0 || p->document.len == 0)
        return IAM_E_INVALID;
    if (!policy_arn(p->account, p->path, p->name, buf, sizeof buf, &arn))
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, true)) != IAM_OK)
        return err;
    err = iam__txn_policy_insert(t, p, arn, IAM_STR("v1"), 1);
    return iam__txn_leave(t, err);
}

iam_err iam_txn_policy_delete(iam_txn *t, iam_str policy_id)
{
    static const char del_versions[] = "DELETE FROM policy_versions WHERE policy_id=?1";
    static const char del_policy[] = "DELETE FROM policies WHERE id=?1";
    sqlite3_stmt *s;
    iam_err err;
    int n = 0;

    if (policy_id.len == 0)
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, true)) != IAM_OK)
        return err;
    /* Versions first (they reference the policy); attachments and
     * boundaries then refuse the policy's own delete (CONFLICT), and the
     * savepoint brings the versions back. */
    if ((err = iam__txn_stmt(t, del_versions, &s)) != IAM_OK)
        goto out;
    iam__bind_str(s, 1, policy_id);
    if ((err = iam__txn_run(t, s, IAM__OP_DELETE, NULL)) != IAM_OK)
        goto out;
    if ((err = iam__txn_drop_owned(t, IAM_EK_POLICY, policy_id)) != IAM_OK)
        goto out;
    if ((err = iam__txn_stmt(t, del_policy, &s)) != IAM_OK)
        goto out;
    iam__bind_str(s, 1, policy_id);
    if ((err = iam__txn_run(t, s, IAM__OP_DELETE, &n)) != IAM_OK)
        goto out;
    err = n == 0 ? IAM_E_NOTFOUND : iam__txn_touch(t, IAM_EK_POLICY, policy_id);
out:
    return iam__txn_leave(t, err);
}

iam_err iam_txn_policy_version_create(iam_txn *t, iam_str policy_id, iam_str document, bool set_default,
                                      char version_out[16])
{
    static const char get_next[] = "SELECT next_version FROM policies WHERE id=?1";
    static const char ins_version[] =
        "INSERT INTO policy_versions(policy_id, version_id, num, document, created) VALUES(?1, ?2, ?3, ?4, ?5)";
    static const char upd_policy[] =
        "UPDATE policies SET next_version=?1, updated=?2,"
        " default_version=CASE WHEN ?3 THEN ?4 ELSE default_version END WHERE id=?5";
    char vid[16];
    sqlite3_stmt *s;
    bool row = false;
    iam_err err;

    if (policy_id.len == 0 || document.len == 0 || version_out == NULL)
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, true)) != IAM_OK)
        return err;
    if ((err = iam__txn_stmt(t, get_next, &s)) != IAM_OK)
        goto out;
    iam__bind_str(s, 1, policy_id);
    if ((err = iam__txn_row(t, s, &row)) != IAM_OK)
        goto out;
    if (!row) {
        err = IAM_E_NOTFOUND;
        goto out;
    }
    int64_t num = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    if (num < 1 || num > 999999999) {
        err = IAM_E_LIMIT;
        goto out;
    }
    snprintf(vid, sizeof vid, "v%lld", (long long)num);
    iam_str v = iam_str_from_cstr(vid);

    if ((err = iam__txn_stmt(t, ins_version, &s)) != IAM_OK)
        goto out;
    iam__bind_str(s, 1, policy_id);
    iam__bind_str(s, 2, v);
    sqlite3_bind_int64(s, 3, num);
    iam__bind_str(s, 4, document);
    sqlite3_bind_int64(s, 5, t->now);
    if ((err = iam__txn_run(t, s, IAM__OP_WRITE, NULL)) != IAM_OK)
        goto out;
    /* AWS: UpdateDate is when the newest version was created. */
    if ((err = iam__txn_stmt(t, upd_policy, &s)) != IAM_OK)
        goto out;
    sqlite3_bind_int64(s, 1, num + 1);
    sqlite3_bind_int64(s, 2, t->now);
    sqlite3_bind_int(s, 3, set_default);
    iam__bind_str(s, 4, v);
    iam__bind_str(s, 5, policy_id);
    if ((err = iam__txn_run(t, s, IAM__OP_WRITE, NULL)) != IAM_OK)
        goto out;
    if ((err = iam__txn_touch(t, IAM_EK_POLICY, policy_id)) == IAM_OK)
        memcpy(version_out, vid, sizeof vid);
out:
    return iam__txn_leave(t, err);
}

iam_err iam_txn_policy_version_delete(iam_txn *t, iam_str policy_id, iam_str version_id)
{
    static const char get_default[] = "SELECT default_version FROM policies WHERE id=?1";
    static const char del_version[] = "DELETE FROM policy_versions WHERE policy_id=?1 AND version_id=?2";
    sqlite3_stmt *s;
    bool row = false;
    iam_err err;
    int n = 0;

    if (policy_id.len == 0 || version_id.len == 0)
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, false)) != IAM_OK)
        return err;
    if ((err = iam__txn_stmt(t, get_default, &s)) != IAM_OK)
        goto out;
    iam__bind_str(s, 1, policy_id);
    if ((err = iam__txn_row(t, s, &row)) != IAM_OK)
        goto out;
    if (!row) {
        err = IAM_E_NOTFOUND;
        goto out;
    }
    bool is_default = (size_t)sqlite3_column_bytes(s, 0) == version_id.len &&
                      memcmp(sqlite3_column_text(s, 0), version_id.ptr, version_id.len) == 0;
    sqlite3_reset(s);
    if (is_default) {
        snprintf(t->errmsg, sizeof t->errmsg, "cannot delete the default version");
        err = IAM_E_CONFLICT;
        goto out;
    }
    if ((err = iam__txn_stmt(t, del_version, &s)) != IAM_OK)
        goto out;
    iam__bind_str(s, 1, policy_id);
    iam__bind_str(s, 2, version_id);
    if ((err = iam__txn_run(t, s, IAM__OP_DELETE, &n)) != IAM_OK)
        goto out;
    err = n == 0 ? IAM_E_NOTFOUND : iam__txn_touch(t, IAM_EK_POLICY, policy_id);
out:
    return iam__txn_leave(t, err);
}

iam_err iam_txn_policy_set_default(iam_txn *t, iam_str policy_id, iam_str version_id)
{
    static const char sql[] =
        "UPDATE policies SET default_version=?1, updated=?2 WHERE id=?3"
        " AND EXISTS(SELECT 1 FROM policy_versions WHERE policy_id=?3 AND version_id=?1)";
    sqlite3_stmt *s;
    iam_err err;
    int n = 0;

    if (policy_id.len == 0 || version_id.len == 0)
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, false)) != IAM_OK)
        return err;
    if ((err = iam__txn_stmt(t, sql, &s)) != IAM_OK)
        goto out;
    iam__bind_str(s, 1, version_id);
    sqlite3_bind_int64(s, 2, t->now);
    iam__bind_str(s, 3, policy_id);
    if ((err = iam__txn_run(t, s, IAM__OP_WRITE, &n)) != IAM_OK)
        goto out;
    err = n == 0 ? IAM_E_NOTFOUND : iam__txn_touch(t, IAM_EK_POLICY, policy_id);
out:
    return iam__txn_leave(t, err);
}

/* ---- attachments ------------------------------------------------------------- */

static int principal_index(iam_entity_kind kind)
{
    switch (kind) {
    case IAM_EK_USER: return 0;
    case IAM_EK_GROUP: return 1;
    case IAM_EK_ROLE: return 2;
    default: return -1;
    }
}

/* Runs one of three per-kind statements with (?1 principal, ?2 other),
 * then touches the principal and, when policy_touch, the policy ?2. */
static iam_err principal_stmt(iam_txn *t, const char *const sql[3], iam_entity_kind kind, iam_str principal_id,
                              iam_str other, iam_str third, iam__op op, bool policy_touch)
{
    int k = principal_index(kind);
    sqlite3_stmt *s;
    iam_err err;
    int n = 0;

    if (k < 0 || principal_id.len == 0 || other.len == 0)
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, false)) != IAM_OK)
        return err;
    if ((err = iam__txn_stmt(t, sql[k], &s)) != IAM_OK)
        goto out;
    iam__bind_str(s, 1, principal_id);
    iam__bind_str(s, 2, other);
    if (third.ptr != NULL)
        iam__bind_str(s, 3, third);
    if ((err = iam__txn_run(t, s, op, &n)) != IAM_OK)
        goto out;
    if (op == IAM__OP_DELETE && n == 0) {
        err = IAM_E_NOTFOUND;
        goto out;
    }
    if ((err = iam__txn_touch(t, kind, principal_id)) == IAM_OK && policy_touch)
        err = iam__txn_touch(t, IAM_EK_POLICY, other);
out:
    return iam__txn_leave(t, err);
}

iam_err iam_txn_attach(iam_txn *t, iam_entity_kind kind, iam_str principal_id, iam_str policy_id)
{
    /* OR IGNORE: attaching twice succeeds (as AttachUserPolicy does); an
     * unknown principal or policy still fails its foreign key (NOTFOUND). */
    static const char u[] = "INSERT OR IGNORE INTO attachments(user_id, policy_id) VALUES(?1, ?2)";
    static const char g[] = "INSERT OR IGNORE INTO attachments(group_id, policy_id) VALUES(?1, ?2)";
    static const char r[] = "INSERT OR IGNORE INTO attachments(role_id, policy_id) VALUES(?1, ?2)";
    static const char *const sql[3] = { u, g, r };
    return principal_stmt(t, sql, kind, principal_id, policy_id, IAM_STR_NULL, IAM__OP_WRITE, true);
}

iam_err iam_txn_detach(iam_txn *t, iam_entity_kind kind, iam_str principal_id, iam_str policy_id)
{
    static const char u[] = "DELETE FROM attachments WHERE user_id=?1 AND policy_id=?2";
    static const char g[] = "DELETE FROM attachments WHERE group_id=?1 AND policy_id=?2";
    static const char r[] = "DELETE FROM attachments WHERE role_id=?1 AND policy_id=?2";
    static const char *const sql[3] = { u, g, r };
    return principal_stmt(t, sql, kind, principal_id, policy_id, IAM_STR_NULL, IAM__OP_DELETE, true);
}

/* ---- inline policies ----------------------------------------------------------- */

iam_err iam_txn_inline_put(iam_txn *t, iam_entity_kind kind, iam_str principal_id, iam_str name, iam_str document)
{
    /* One upsert against the partial unique index of the principal's
     * column; a same-named (case-insensitively) policy is replaced and
     * takes the new spelling. */
#define INLINE_UPSERT(col)                                                                                    \
    "INSERT INTO inline_policies(" col ", name, document) VALUES(?1, ?2, ?3)"                                 \
    " ON CONFLICT(" col ", name COLLATE NOCASE) WHERE " col " IS NOT NULL"                                    \
    " DO UPDATE SET name=excluded.name, document=excluded.document"
    static const char u[] = INLINE_UPSERT("user_id");
    static const char g[] = INLINE_UPSERT("group_id");
    static const char r[] = INLINE_UPSERT("role_id");
#undef INLINE_UPSERT
    static const char *const sql[3] = { u, g, r };
    if (document.len == 0 || document.ptr == NULL)
        return IAM_E_INVALID;
    return principal_stmt(t, sql, kind, principal_id, name, document, IAM__OP_WRITE, false);
}

iam_err iam_txn_inline_delete(iam_txn *t, iam_entity_kind kind, iam_str principal_id, iam_str name)
{
    static const char u[] = "DELETE FROM inline_policies WHERE user_id=?1 AND name=?2 COLLATE NOCASE";
    static const char g[] = "DELETE FROM inline_policies WHERE group_id=?1 AND name=?2 COLLATE NOCASE";
    static const char r[] = "DELETE FROM inline_policies WHERE role_id=?1 AND name=?2 COLLATE NOCASE";
    static const char *const sql[3] = { u, g, r };
    return principal_stmt(t, sql, kind, principal_id, name, IAM_STR_NULL, IAM__OP_DELETE, false);
}
