/* txn_keys.c - writes of access keys and login profiles. A secret access
 * key is sealed with the keyring (purpose "access-key", the key id as
 * associated data, so a sealed secret cannot be moved to another key's row)
 * before it reaches SQL; the store never holds it in the clear. Key changes
 * touch the key and its owner (the user, or the account for a root key).
 * Last-use recording (iam_store_touch_key) lives in sqlite.c: it runs on
 * its own connection, outside API transactions. */
#include <string.h>

#include "store/store_int.h"

#define SECRET_MAX 128 /* IAM_SECRET_KEY_LEN is 40; room for other lengths */

iam_err iam_txn_access_key_create(iam_txn *t, iam_str account, iam_str user_id, iam_str key_id, iam_str secret)
{
    static const char sql[] = "INSERT INTO access_keys(id, account, user_id, secret, active, created)"
                              " VALUES(?1, ?2, ?3, ?4, 1, ?5)";
    uint8_t sealed[SECRET_MAX + IAM_SEAL_OVERHEAD];
    size_t sealed_len = 0;
    sqlite3_stmt *s;
    iam_err err;

    if (account.len == 0 || key_id.len == 0 || secret.len == 0 || secret.len > SECRET_MAX)
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, false)) != IAM_OK)
        return err;
    err = iam_seal(t->st->kr, "access-key", key_id, secret.ptr, secret.len, sealed, &sealed_len);
    if (err != IAM_OK)
        goto out;
    if ((err = iam__txn_stmt(t, sql, &s)) != IAM_OK)
        goto out;
    iam__bind_str(s, 1, key_id);
    iam__bind_str(s, 2, account);
    iam__bind_opt(s, 3, user_id); /* NULL: the account root's key */
    sqlite3_bind_blob(s, 4, sealed, (int)sealed_len, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, t->now);
    if ((err = iam__txn_run(t, s, IAM__OP_WRITE, NULL)) != IAM_OK)
        goto out;
    if ((err = iam__txn_touch(t, IAM_EK_ACCESS_KEY, key_id)) != IAM_OK)
        goto out;
    err = user_id.len ? iam__txn_touch(t, IAM_EK_USER, user_id) : iam__txn_touch(t, IAM_EK_ACCOUNT, account);
out:
    return iam__txn_leave(t, err);
}

/* Reads a key's owner (user id, else account) before it changes. */
static iam_err key_owner(iam_txn *t, iam_str key_id, iam_entity_kind *kind, char *buf, size_t cap)
{
    static const char sql[] = "SELECT COALESCE(user_id, account), user_id IS NULL FROM access_keys WHERE id=?1";
    sqlite3_stmt *s;
    bool row = false;
    iam_err err;

    if ((err = iam__txn_stmt(t, sql, &s)) != IAM_OK)
        return err;
    iam__bind_str(s, 1, key_id);
    if ((err = iam__txn_row(t, s, &row)) != IAM_OK)
        return err;
    if (!row)
        return IAM_E_NOTFOUND;
    *kind = sqlite3_column_int(s, 1) ? IAM_EK_ACCOUNT : IAM_EK_USER;
    bool fits = iam__col_copy(s, 0, buf, cap);
    sqlite3_reset(s);
    return fits ? IAM_OK : IAM_E_STORE;
}

static iam_err key_write(iam_txn *t, const char *sql, iam__op op, iam_str key_id, int active)
{
    char owner[sizeof t->items[0].id];
    iam_entity_kind owner_kind = IAM_EK_USER;
    sqlite3_stmt *s;
    iam_err err;
    int n = 0;

    if (key_id.len == 0)
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, false)) != IAM_OK)
        return err;
    if ((err = key_owner(t, key_id, &owner_kind, owner, sizeof owner)) != IAM_OK)
        goto out;
    if ((err = iam__txn_stmt(t, sql, &s)) != IAM_OK)
        goto out;
    iam__bind_str(s, 1, key_id);
    if (active >= 0)
        sqlite3_bind_int(s, 2, active);
    if ((err = iam__txn_run(t, s, op, &n)) != IAM_OK)
        goto out;
    if (n == 0) {
        err = IAM_E_NOTFOUND;
        goto out;
    }
    if ((err = iam__txn_touch(t, IAM_EK_ACCESS_KEY, key_id)) == IAM_OK)
        err = iam__txn_touch_cstr(t, owner_kind, owner);
out:
    return iam__txn_leave(t, err);
}

iam_err iam_txn_access_key_set_active(iam_txn *t, iam_str key_id, bool active)
{
    static const char sql[] = "UPDATE access_keys SET active=?2 WHERE id=?1";
    return key_write(t, sql, IAM__OP_WRITE, key_id, active ? 1 : 0);
}

iam_err iam_txn_access_key_delete(iam_txn *t, iam_str key_id)
{
    static const char sql[] = "DELETE FROM access_keys WHERE id=?1";
    return key_write(t, sql, IAM__OP_DELETE, key_id, -1);
}

/* ---- login profiles ------------------------------------------------------------ */

iam_err iam_txn_login_profile_put(iam_txn *t, iam_str user_id, iam_str password_hash, bool reset_required,
                                  bool create)
{
    static const char ins[] = "INSERT INTO login_profiles(user_id, password_hash, created, reset_required)"
                              " VALUES(?1, ?2, ?3, ?4)";
    /* An update without a new password (only the reset flag) keeps the hash. */
    static const char upd[] = "UPDATE login_profiles SET password_hash=COALESCE(?2, password_hash),"
                              " reset_required=?4 WHERE user_id=?1 AND ?3 IS NOT NULL";
    sqlite3_stmt *s;
    iam_err err;
    int n = 0;

    if (user_id.len == 0 || (create && password_hash.len == 0) || password_hash.len >= IAM_PASSWORD_HASH_MAX)
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, false)) != IAM_OK)
        return err;
    if ((err = iam__txn_stmt(t, create ? ins : upd, &s)) != IAM_OK)
        goto out;
    iam__bind_str(s, 1, user_id);
    iam__bind_opt(s, 2, password_hash);
    sqlite3_bind_int64(s, 3, t->now);
    sqlite3_bind_int(s, 4, reset_required);
    if ((err = iam__txn_run(t, s, IAM__OP_WRITE, &n)) != IAM_OK)
        goto out;
    err = n == 0 ? IAM_E_NOTFOUND : iam__txn_touch(t, IAM_EK_USER, user_id);
out:
    return iam__txn_leave(t, err);
}

iam_err iam_txn_login_profile_delete(iam_txn *t, iam_str user_id)
{
    static const char sql[] = "DELETE FROM login_profiles WHERE user_id=?1";
    sqlite3_stmt *s;
    iam_err err;
    int n = 0;

    if (user_id.len == 0)
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, false)) != IAM_OK)
        return err;
    if ((err = iam__txn_stmt(t, sql, &s)) != IAM_OK)
        goto out;
    iam__bind_str(s, 1, user_id);
    if ((err = iam__txn_run(t, s, IAM__OP_DELETE, &n)) != IAM_OK)
        goto out;
    err = n == 0 ? IAM_E_NOTFOUND : iam__txn_touch(t, IAM_EK_USER, user_id);
out:
    return iam__txn_leave(t, err);
}
