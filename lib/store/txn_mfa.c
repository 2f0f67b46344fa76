/* txn_mfa.c - writes of virtual MFA devices: create (the seed sealed with
 * purpose "mfa-seed" and the serial as associated data, so a sealed seed
 * cannot be moved to another device's row), delete, enable/deactivate for
 * a user, the per-device check state (last accepted TOTP step, consecutive
 * failures, lock) read and written inside the check's own transaction, and
 * tags. Every change touches the device; the snapshot re-links its owner. */
#include <string.h>

#include "store/store_int.h"

#define SERIAL_MAX 300 /* fits iam_change.id */

static bool serial_ok(iam_str serial) { return serial.len > 0 && serial.len < SERIAL_MAX; }

iam_err iam_txn_mfa_create(iam_txn *t, const iam_new_mfa_device *d)
{
    static const char sql[] = "INSERT INTO mfa_devices(serial, account, name, path, created, seed)"
                              " VALUES(?1, ?2, ?3, ?4, ?5, ?6)";
    uint8_t sealed[IAM_MFA_SEED_MAX + IAM_SEAL_OVERHEAD];
    size_t sealed_len = 0;
    sqlite3_stmt *s;
    iam_err err;

    if (d == NULL || d->account.len == 0 || !serial_ok(d->serial) || d->name.len == 0 || d->seed == NULL ||
        d->seed_len == 0 || d->seed_len > IAM_MFA_SEED_MAX)
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, false)) != IAM_OK)
        return err;
    err = iam_seal(t->st->kr, "mfa-seed", d->serial, d->seed, d->seed_len, sealed, &sealed_len);
    if (err != IAM_OK)
        goto out;
    if ((err = iam__txn_stmt(t, sql, &s)) != IAM_OK)
        goto out;
    iam__bind_str(s, 1, d->serial);
    iam__bind_str(s, 2, d->account);
    iam__bind_str(s, 3, d->name);
    iam__bind_str(s, 4, d->path.len ? d->path : IAM_STR("/"));
    sqlite3_bind_int64(s, 5, t->now);
    sqlite3_bind_blob(s, 6, sealed, (int)sealed_len, SQLITE_STATIC);
    if ((err = iam__txn_run(t, s, IAM__OP_WRITE, NULL)) != IAM_OK)
        goto out;
    err = iam__txn_touch(t, IAM_EK_MFA_DEVICE, d->serial);
out:
    return iam__txn_leave(t, err);
}

/* Whether the device exists and is assigned. */
static iam_err device_assigned(iam_txn *t, iam_str serial, bool *assigned)
{
    static const char sql[] = "SELECT user_id IS NOT NULL FROM mfa_devices WHERE serial=?1";
    sqlite3_stmt *s;
    bool row = false;
    iam_err err;

    if ((err = iam__txn_stmt(t, sql, &s)) != IAM_OK)
        return err;
    iam__bind_str(s, 1, serial);
    if ((err = iam__txn_row(t, s, &row)) != IAM_OK)
        return err;
    if (!row)
        return IAM_E_NOTFOUND;
    *assigned = sqlite3_column_int(s, 0) != 0;
    sqlite3_reset(s);
    return IAM_OK;
}

iam_err iam_txn_mfa_delete(iam_txn *t, iam_str serial)
{
    static const char sql[] = "DELETE FROM mfa_devices WHERE serial=?1";
    sqlite3_stmt *s;
    bool assigned = false;
    iam_err err;

    if (!serial_ok(serial))
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, true)) != IAM_OK)
        return err;
    if ((err = device_assigned(t, serial, &assigned)) != IAM_OK)
        goto out;
    if (assigned) {
        err = IAM_E_CONFLICT;
        goto out;
    }
    if ((err = iam__txn_drop_owned(t, IAM_EK_MFA_DEVICE, serial)) != IAM_OK)
        goto out;
    if ((err = iam__txn_stmt(t, sql, &s)) != IAM_OK)
        goto out;
    iam__bind_str(s, 1, serial);
    if ((err = iam__txn_run(t, s, IAM__OP_DELETE, NULL)) != IAM_OK)
        goto out;
    err = iam__txn_touch(t, IAM_EK_MFA_DEVICE, serial);
out:
    return iam__txn_leave(t, err);
}

iam_err iam_txn_mfa_enable(iam_txn *t, iam_str serial, iam_str user_id, int64_t last_step)
{
    static const char sql[] = "UPDATE mfa_devices SET user_id=?2, enabled=?3, last_step=?4, failures=0,"
                              " locked_until=0 WHERE serial=?1 AND user_id IS NULL";
    sqlite3_stmt *s;
    bool assigned = false;
    int changed = 0;
    iam_err err;

    if (!serial_ok(serial) || user_id.len == 0)
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, true)) != IAM_OK)
        return err;
    if ((err = device_assigned(t, serial, &assigned)) != IAM_OK)
        goto out;
    if (assigned) {
        err = IAM_E_EXISTS;
        goto out;
    }
    if ((err = iam__txn_stmt(t, sql, &s)) != IAM_OK)
        goto out;
    iam__bind_str(s, 1, serial);
    iam__bind_str(s, 2, user_id);
    sqlite3_bind_int64(s, 3, t->now);
    sqlite3_bind_int64(s, 4, last_step);
    if ((err = iam__txn_run(t, s, IAM__OP_WRITE, &changed)) != IAM_OK) /* FK: no such user → NOTFOUND */
        goto out;
    if (changed == 0) {
        err = IAM_E_NOTFOUND;
        goto out;
    }
    err = iam__txn_touch(t, IAM_EK_MFA_DEVICE, serial);
out:
    return iam__txn_leave(t, err);
}

iam_err iam_txn_mfa_deactivate(iam_txn *t, iam_str serial)
{
    static const char sql[] = "UPDATE mfa_devices SET user_id=NULL, enabled=0, failures=0, locked_until=0"
                              " WHERE serial=?1";
    sqlite3_stmt *s;
    int changed = 0;
    iam_err err;

    if (!serial_ok(serial))
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, false)) != IAM_OK)
        return err;
    if ((err = iam__txn_stmt(t, sql, &s)) != IAM_OK)
        goto out;
    iam__bind_str(s, 1, serial);
    if ((err = iam__txn_run(t, s, IAM__OP_WRITE, &changed)) != IAM_OK)
        goto out;
    err = changed == 0 ? IAM_E_NOTFOUND : iam__txn_touch(t, IAM_EK_MFA_DEVICE, serial);
out:
    return iam__txn_leave(t, err);
}

iam_err iam_txn_mfa_state(iam_txn *t, iam_str serial, iam_mfa_state *out)
{
    static const char sql[] =
        "SELECT last_step, failures, locked_until, user_id IS NOT NULL, seed FROM mfa_devices WHERE serial=?1";
    iam_mfa_state st;
    sqlite3_stmt *s;
    bool row = false;
    iam_err err;

    if (!serial_ok(serial) || out == NULL)
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, false)) != IAM_OK)
        return err;
    if ((err = iam__txn_stmt(t, sql, &s)) != IAM_OK)
        goto out;
    iam__bind_str(s, 1, serial);
    if ((err = iam__txn_row(t, s, &row)) != IAM_OK)
        goto out;
    if (!row) {
        err = IAM_E_NOTFOUND;
        goto out;
    }
    memset(&st, 0, sizeof st);
    st.last_step = sqlite3_column_int64(s, 0);
    st.failures = (int32_t)sqlite3_column_int(s, 1);
    st.locked_until = sqlite3_column_int64(s, 2);
    st.assigned = sqlite3_column_int(s, 3) != 0;
    const uint8_t *blob = sqlite3_column_blob(s, 4);
    size_t bl = (size_t)sqlite3_column_bytes(s, 4);
    if (blob == NULL || bl <= IAM_SEAL_OVERHEAD || bl - IAM_SEAL_OVERHEAD > sizeof st.seed)
        err = IAM_E_CRYPTO;
    else
        err = iam_unseal(t->st->kr, "mfa-seed", serial, blob, bl, st.seed, &st.seed_len);
    sqlite3_reset(s);
    if (err == IAM_OK)
        *out = st;
    iam_wipe(&st, sizeof st);
out:
    return iam__txn_leave(t, err);
}

iam_err iam_txn_mfa_record(iam_txn *t, iam_str serial, int64_t last_step, int32_t failures, int64_t locked_until)
{
    static const char sql[] = "UPDATE mfa_devices SET last_step=?2, failures=?3, locked_until=?4 WHERE serial=?1";
    sqlite3_stmt *s;
    int changed = 0;
    iam_err err;

    if (!serial_ok(serial) || failures < 0)
        return IAM_E_INVALID;
    if ((err = iam__txn_enter(t, false)) != IAM_OK)
        return err;
    if ((err = iam__txn_stmt(t, sql, &s)) != IAM_OK)
        goto out;
    iam__bind_str(s, 1, serial);
    sqlite3_bind_int64(s, 2, last_step);
    sqlite3_bind_int(s, 3, failures);
    sqlite3_bind_int64(s, 4, locked_until);
    if ((err = iam__txn_run(t, s, IAM__OP_WRITE, &changed)) != IAM_OK)
        goto out;
    err = changed == 0 ? IAM_E_NOTFOUND : iam__txn_touch(t, IAM_EK_MFA_DEVICE, serial);
out:
    return iam__txn_leave(t, err);
}

/* ---- tags (the generic tag calls do not know devices: same SQL here) ---- */

