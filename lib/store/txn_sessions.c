/* txn_sessions.c - server-side overflow of STS sessions (migration 2): the
 * session policy and tags of a session too large for its token, stored
 * under the token's random reference until the session expires.
 * These are not entities (no change log, no snapshot) and are written and
 * read on the store's second connection (the one last-use records take),
 * under its lock, so that AssumeRole and the request path never wait for
 * the API writer. Expired rows are purged lazily by the next put. */
#include <string.h>

#include "store/store_int.h"

#define MAP(rc) ((rc) == SQLITE_NOMEM ? IAM_E_NOMEM : (rc) == SQLITE_CONSTRAINT ? IAM_E_EXISTS : IAM_E_STORE)

/* Statements are prepared per call because these
 * calls are rare (only sessions whose policy overflows the token). */
static iam_err prep(sqlite3 *db, const char *sql, sqlite3_stmt **out)
{
    int rc = sqlite3_prepare_v2(db, sql, -1, out, NULL);
    return rc == SQLITE_OK ? IAM_OK : MAP(rc);
}

iam_err iam_store_session_put(iam_store *st, iam_str ref, const uint8_t *data, size_t len, int64_t expires,
                              int64_t now)
{
    static const char purge[] = "DELETE FROM sessions WHERE expires < ?1";
    static const char ins[] = "INSERT INTO sessions(ref, data, expires) VALUES(?1, ?2, ?3)";
    sqlite3_stmt *s = NULL;
    iam_err err;
    int rc;

    if (st == NULL || ref.len == 0 || data == NULL || len == 0 || len > (size_t)1 << 20)
        return IAM_E_INVALID;
    if (pthread_mutex_lock(&st->tlock) != 0)
        return IAM_E_STORE;
    if (st->tdb == NULL) {
        err = IAM_E_STORE;
        goto out;
    }
    /* Each statement commits on its own: the purge is housekeeping and the
     * insert a single row, so no explicit transaction is needed. */
    if ((err = prep(st->tdb, purge, &s)) != IAM_OK)
        goto out;
    sqlite3_bind_int64(s, 1, now);
    (void)sqlite3_step(s); /* a failed purge only delays it to the next put */
    sqlite3_finalize(s);
    s = NULL;
    if ((err = prep(st->tdb, ins, &s)) != IAM_OK)
        goto out;
    iam__bind_str(s, 1, ref);
    sqlite3_bind_blob(s, 2, data, (int)len, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, expires);
    rc = sqlite3_step(s);
    err = rc == SQLITE_DONE ? IAM_OK : MAP(rc);
out:
    sqlite3_finalize(s);
    pthread_mutex_unlock(&st->tlock);
    return err;
}

iam_err iam_store_session_get(iam_store *st, iam_str ref, int64_t now, uint8_t *buf, size_t cap, size_t *len)
{
    static const char sel[] = "SELECT data FROM sessions WHERE ref=?1 AND expires >= ?2";
    sqlite3_stmt *s = NULL;
    iam_err err;

    if (st == NULL || ref.len == 0 || buf == NULL || len == NULL)
        return IAM_E_INVALID;
    if (pthread_mutex_lock(&st->tlock) != 0)
        return IAM_E_STORE;
    if (st->tdb == NULL) {
        err = IAM_E_STORE;
        goto out;
    }
    if ((err = prep(st->tdb, sel, &s)) != IAM_OK)
        goto out;
    iam__bind_str(s, 1, ref);
    sqlite3_bind_int64(s, 2, now);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) {
        err = IAM_E_NOTFOUND;
    } else if (rc != SQLITE_ROW) {
        err = MAP(rc);
    } else {
        const void *blob = sqlite3_column_blob(s, 0);
        size_t n = (size_t)sqlite3_column_bytes(s, 0);
        if (n > cap) {
            err = IAM_E_LIMIT;
        } else {
            if (n > 0)
                memcpy(buf, blob, n);
            *len = n;
            err = IAM_OK;
        }
    }
out:
    sqlite3_finalize(s);
    pthread_mutex_unlock(&st->tlock);
    return err;
}
