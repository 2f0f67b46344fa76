/* store_int.h - what the store's files share: the store object, the
 * migrations, and the connection the snapshot builder reads through.
 * Not installed; the server sees only iam/store.h and iam/snapshot.h. */
#ifndef IAM_STORE_INT_H
#define IAM_STORE_INT_H
#include <pthread.h>
#include <sqlite3.h>

#include "common/common_int.h"
#include "iam/snapshot.h"
#include "iam/store.h"

/* schema.c */
extern const char *const iam__store_migrations[];
extern const int iam__store_migration_count;

/* The SQLite connection. Callers serialise: the server holds its write
 * mutex from iam_store_begin() until the next snapshot is published, and
 * builds snapshots (iam_snapshot_load/apply) only under that mutex or
 * before serving starts, so one connection serves writes and loads. */
sqlite3 *iam__store_db(iam_store *st);

/* A cached prepared statement of the main connection for `sql`, which must
 * have static storage: the cache is keyed by the pointer, not the text.
 * The statement is reset and ready to bind; the caller resets it again
 * after use (sqlite3_reset) so that it holds no read lock. NULL when SQLite
 * cannot prepare it (sqlite3_errmsg(iam__store_db(st)) says why). Same
 * serialisation rule as iam__store_db(). */
sqlite3_stmt *iam__store_stmt(iam_store *st, const char *sql);

/* Why the txn's last failing call failed (SQLite's message), "" if none.
 * For logs: iam_txn_* calls have no diag of their own. Valid until the
 * txn ends. */
const char *iam__txn_errmsg(const iam_txn *t);

/* ---- For the txn_*.c files ---------------------------------------------- */

/* Failure semantics of iam_txn_* calls (more lenient than iam/store.h's
 * "usable only for rollback", and compatible with it): every call is
 * atomic. A call failing with a domain error (INVALID, NOTFOUND, EXISTS,
 * CONFLICT, LIMIT, CRYPTO) changed nothing, not even the change set, and
 * the txn may go on and commit. A call failing with IAM_E_STORE/NOMEM, or
 * after part of its work could not be undone, poisons the txn: later calls
 * fail with IAM_E_STORE and iam_txn_commit() rolls back and fails. */

/* Prepared statements kept per connection, keyed by SQL pointer (open
 * addressing; a few hundred distinct statements at most). */
#define IAM__STMT_SLOTS 512
typedef struct iam__stmt_slot {
    const char *sql;
    sqlite3_stmt *stmt;
} iam__stmt_slot;

/* A transaction. There is one writer at a time, so the store embeds the
 * one txn object and reuses its buffers. */
struct iam_txn {
    iam_store *st;
    int64_t now;
    bool active;
    bool poisoned;   /* a call failed after writing part of its work */
    bool in_sp;      /* inside a call's SAVEPOINT */
    size_t mark;     /* change-set size when the current call started */
    int64_t last_rev;/* rowid of our last `changes` row; 0 = none yet */
    int64_t mark_rev;/* last_rev when the current call started */
    iam_change *items;
    size_t n, cap;
    uint32_t *hslots; /* dedup hash of items: index + 1, 0 = empty */
    size_t hcap;      /* power of two, > 2 * n */
    char errmsg[256]; /* why the last failing call failed (for diag) */
};

struct iam_store {
    sqlite3 *db;
    const iam_keyring *kr;
    int schema_version;
    char *path;              /* for the touch connection */
    pthread_mutex_t wlock;   /* the single writer slot: begin .. commit/rollback */
    iam_txn txn;
    iam__stmt_slot stmts[IAM__STMT_SLOTS];
    /* A second connection for iam_store_touch_key(), which the server calls
     * from other threads while a writer or a snapshot build may be using
     * the main one; WAL lets the two coexist (busy_timeout waits out the
     * writer lock). Opened on first use. */
    pthread_mutex_t tlock;
    sqlite3 *tdb;
    sqlite3_stmt *t_begin, *t_update, *t_change, *t_commit, *t_rollback;
};

/* How a failing statement's constraint errors read: a foreign-key failure
 * while inserting/updating means the referenced entity does not exist
 * (IAM_E_NOTFOUND); while deleting, that something still refers to the row
 * (IAM_E_CONFLICT). */
typedef enum iam__op { IAM__OP_WRITE, IAM__OP_DELETE } iam__op;

/* Maps a SQLite result code to iam_err (unique → EXISTS, FK per `op`,
 * NOT NULL/CHECK → INVALID, NOMEM → NOMEM, others → STORE) and keeps the
 * message in the txn. */
iam_err iam__txn_map(iam_txn *t, int rc, iam__op op);

/* Every iam_txn_* call is bracketed by enter/leave. enter checks that the
 * txn is usable and, with `sp`, opens a SAVEPOINT so that a call made of
 * several statements is all-or-nothing. leave(t, err) releases or rolls
 * back to the savepoint and drops the change-set entries the call added
 * when err != IAM_OK; it returns err (or IAM_E_STORE when the savepoint
 * itself fails). A call that fails without a savepoint after writing
 * (only possible when recording its change fails) poisons the txn. */
iam_err iam__txn_enter(iam_txn *t, bool sp);
iam_err iam__txn_leave(iam_txn *t, iam_err err);

/* Records that the txn touched (kind, id): once per txn in memory, and one
 * row in `changes`. Call after the call's statements succeeded. */
iam_err iam__txn_touch(iam_txn *t, iam_entity_kind kind, iam_str id);
iam_err iam__txn_touch_cstr(iam_txn *t, iam_entity_kind kind, const char *id);

/* The cached statement for `sql` (static storage), reset. */
iam_err iam__txn_stmt(iam_txn *t, const char *sql, sqlite3_stmt **out);
/* Steps a write statement to completion, resets it and maps errors.
 * *changed (may be NULL) gets sqlite3_changes(). */
iam_err iam__txn_run(iam_txn *t, sqlite3_stmt *s, iam__op op, int *changed);
/* Steps a query once: *row true when it produced a row (the caller reads
 * the columns, then resets), false at the end (already reset). */
iam_err iam__txn_row(iam_txn *t, sqlite3_stmt *s, bool *row);

/* Binding helpers. Texts are bound with explicit lengths and SQLITE_STATIC:
 * the caller's bytes must stay valid until the statement is reset, which
 * every caller does before returning. An empty iam_str binds '' (or NULL
 * with _opt). Return SQLite codes; binding a valid index cannot fail
 * except for SQLITE_TOOBIG, which the next step reports too. */
int iam__bind_str(sqlite3_stmt *s, int i, iam_str v);
int iam__bind_opt(sqlite3_stmt *s, int i, iam_str v);
int iam__bind_cstr(sqlite3_stmt *s, int i, const char *v);

/* Copies a text column into buf (cap bytes, NUL-terminated); false when it
 * is NULL or does not fit. */
bool iam__col_copy(sqlite3_stmt *s, int col, char *buf, size_t cap);

/* IAM_OK when the entity (kind, id) exists, IAM_E_NOTFOUND when not,
 * IAM_E_INVALID for a kind without a table (tags, bindings owners). */
iam_err iam__txn_exists(iam_txn *t, iam_entity_kind kind, iam_str id);

/* Deletes what an entity owns without a foreign key (tags; bindings for
 * roles) when it is deleted. */
iam_err iam__txn_drop_owned(iam_txn *t, iam_entity_kind kind, iam_str id);

/* Inserts a managed policy with its first version (managed_sync.c uses it
 * with an explicit ARN and version). */
iam_err iam__txn_policy_insert(iam_txn *t, const iam_new_policy *p, iam_str arn, iam_str version_id, int64_t num);

#endif /* IAM_STORE_INT_H */
