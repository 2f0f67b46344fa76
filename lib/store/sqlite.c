/* sqlite.c - the SQLite backend: opening (WAL, foreign keys, migrations by
 * PRAGMA user_version), the prepared-statement cache, transactions
 * (BEGIN IMMEDIATE, one writer at a time) and change-set recording, which
 * every iam_txn_* call in txn_*.c goes through. The txn_*.c files hold the
 * SQL of each concept; this file holds everything they share. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_int.h"

/* Durability: every acknowledged write must survive a crash of the machine,
 * not only of the process. In WAL mode synchronous=NORMAL syncs the WAL only
 * at checkpoints, so a power loss can drop the last commits; FULL syncs the
 * WAL on every commit (one fsync per write transaction, which is what bounds
 * CreateUser writes/s). */
#define BUSY_TIMEOUT_MS 5000

static const char SQL_BEGIN[] = "BEGIN IMMEDIATE";
static const char SQL_COMMIT[] = "COMMIT";
static const char SQL_ROLLBACK[] = "ROLLBACK";
static const char SQL_SP[] = "SAVEPOINT c";
static const char SQL_SP_RELEASE[] = "RELEASE c";
static const char SQL_SP_ROLLBACK[] = "ROLLBACK TO c";
static const char SQL_CHANGE[] = "INSERT INTO changes(kind, entity_id, time) VALUES(?1, ?2, ?3)";
static const char SQL_MAX_REV[] = "SELECT COALESCE(max(rev), 0) FROM changes";

#define diag_set(diag, ...)                                                                                  \
    do {                                                                                                       \
        if ((diag) != NULL)                                                                                    \
            iam__diag_set((diag), "", 0, 0, __VA_ARGS__);                                                      \
    } while (0)

/* ---- statement cache ------------------------------------------------------ */

static size_t slot_of(const char *sql)
{
    uintptr_t h = (uintptr_t)sql;
    h ^= h >> 17;
    h *= (uintptr_t)0x9E3779B97F4A7C15u;
    h ^= h >> 29;
    return (size_t)h & (IAM__STMT_SLOTS - 1);
}

sqlite3_stmt *iam__store_stmt(iam_store *st, const char *sql)
{
    size_t i = slot_of(sql);
    for (size_t probes = 0; probes < IAM__STMT_SLOTS; probes++, i = (i + 1) & (IAM__STMT_SLOTS - 1)) {
        iam__stmt_slot *sl = &st->stmts[i];
        if (sl->sql == sql) {
            sqlite3_reset(sl->stmt);
            return sl->stmt;
        }
        if (sl->sql == NULL) {
            sqlite3_stmt *s = NULL;
            if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK || s == NULL) {
                sqlite3_finalize(s);
                return NULL;
            }
            sl->sql = sql;
            sl->stmt = s;
            return s;
        }
    }
    return NULL; /* more distinct statements than slots: a bug, reported as a store error */
}

static void stmt_cache_clear(iam_store *st)
{
    for (size_t i = 0; i < IAM__STMT_SLOTS; i++) {
        sqlite3_finalize(st->stmts[i].stmt);
        st->stmts[i] = (iam__stmt_slot){ NULL, NULL };
    }
}

sqlite3 *iam__store_db(iam_store *st) { return st->db; }
const iam_keyring *iam_store_keyring(const iam_store *st) { return st->kr; }
int iam_store_schema_version(const iam_store *st) { return st->schema_version; }

/* ---- binding ---------------------------------------------------------------- */

int iam__bind_str(sqlite3_stmt *s, int i, iam_str v)
{
    /* A NULL pointer would bind SQL NULL; an empty slice is the empty text. */
    if (v.len > (size_t)0x7fffffff)
        return SQLITE_TOOBIG;
    return sqlite3_bind_text(s, i, v.ptr ? v.ptr : "", (int)v.len, SQLITE_STATIC);
}

int iam__bind_opt(sqlite3_stmt *s, int i, iam_str v)
{
    if (v.len == 0)
        return sqlite3_bind_null(s, i);
    return iam__bind_str(s, i, v);
}

int iam__bind_cstr(sqlite3_stmt *s, int i, const char *v)
{
    if (v == NULL)
        return sqlite3_bind_null(s, i);
    return sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

bool iam__col_copy(sqlite3_stmt *s, int col, char *buf, size_t cap)
{
    const unsigned char *v = sqlite3_column_text(s, col);
    size_t n = (size_t)sqlite3_column_bytes(s, col);
    if (v == NULL || n >= cap) {
        if (cap > 0)
            buf[0] = '\0';
        return false;
    }
    memcpy(buf, v, n);
    buf[n] = '\0';
    return true;
}

/* ---- error mapping ------------------------------------------------------- */

static iam_err map_rc(int rc, iam__op op)
{
    switch (rc) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return IAM_OK;
    case SQLITE_NOMEM:
        return IAM_E_NOMEM;
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
        return IAM_E_EXISTS;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
        return op == IAM__OP_DELETE ? IAM_E_CONFLICT : IAM_E_NOTFOUND;
    case SQLITE_CONSTRAINT_NOTNULL:
    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
        return IAM_E_INVALID;
    default:
        return IAM_E_STORE; /* BUSY, IOERR, FULL, CORRUPT, READONLY, ... */
    }
}

iam_err iam__txn_map(iam_txn *t, int rc, iam__op op)
{
    iam_err err = map_rc(rc, op);
    if (err != IAM_OK)
        snprintf(t->errmsg, sizeof t->errmsg, "%s (%s)", sqlite3_errmsg(t->st->db), sqlite3_errstr(rc));
    return err;
}

iam_err iam__txn_stmt(iam_txn *t, const char *sql, sqlite3_stmt **out)
{
    sqlite3_stmt *s = iam__store_stmt(t->st, sql);
    if (s == NULL) {
        *out = NULL;
        snprintf(t->errmsg, sizeof t->errmsg, "prepare: %s", sqlite3_errmsg(t->st->db));
        return sqlite3_errcode(t->st->db) == SQLITE_NOMEM ? IAM_E_NOMEM : IAM_E_STORE;
    }
    *out = s;
    return IAM_OK;
}

iam_err iam__txn_run(iam_txn *t, sqlite3_stmt *s, iam__op op, int *changed)
{
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        ; /* RETURNING or pragma rows are not needed */
    /* sqlite3_step returns the extended code with extended_result_codes on. */
    iam_err err = iam__txn_map(t, rc, op);
    if (err == IAM_OK && changed != NULL)
        *changed = sqlite3_changes(t->st->db);
    sqlite3_reset(s);
    return err;
}

iam_err iam__txn_row(iam_txn *t, sqlite3_stmt *s, bool *row)
{
    int rc = sqlite3_step(s);
    *row = false;
    if (rc == SQLITE_ROW) {
        *row = true;
        return IAM_OK;
    }
    iam_err err = iam__txn_map(t, rc, IAM__OP_WRITE);
    sqlite3_reset(s);
    return err;
}

static iam_err exec_cached(iam_txn *t, const char *sql)
{
    sqlite3_stmt *s;
    iam_err err = iam__txn_stmt(t, sql, &s);
    if (err == IAM_OK)
        err = iam__txn_run(t, s, IAM__OP_WRITE, NULL);
    return err;
}

/* ---- change sets ------------------------------------------------------------ */

static uint32_t change_hash(iam_entity_kind kind, const char *id, size_t len)
{
    uint32_t h = 2166136261u ^ (uint32_t)kind;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)id[i];
        h *= 16777619u;
    }
    return h;
}

static bool hash_rebuild(iam_txn *t, size_t need)
{
    size_t cap = t->hcap ? t->hcap : 64;
    while (cap <= need * 2)
        cap *= 2;
    if (cap == t->hcap)
        return true;
    uint32_t *slots = iam__calloc(cap, sizeof *slots);
    if (slots == NULL)
        return false;
    for (size_t i = 0; i < t->n; i++) {
        const iam_change *c = &t->items[i];
        size_t j = change_hash(c->kind, c->id, strlen(c->id)) & (cap - 1);
        while (slots[j] != 0)
            j = (j + 1) & (cap - 1);
        slots[j] = (uint32_t)(i + 1);
    }
    iam__free(t->hslots);
    t->hslots = slots;
    t->hcap = cap;
    return true;
}

iam_err iam__txn_touch(iam_txn *t, iam_entity_kind kind, iam_str id)
{
    iam_err err = IAM_OK;

    if (id.len == 0)
        return IAM_OK;
    if (id.len >= sizeof t->items[0].id) {
        snprintf(t->errmsg, sizeof t->errmsg, "change id longer than %zu bytes", sizeof t->items[0].id - 1);
        err = IAM_E_LIMIT;
        goto out;
    }
    if (t->hcap == 0 || (t->n + 1) * 2 >= t->hcap) {
        if (!hash_rebuild(t, t->n + 1)) {
            err = IAM_E_NOMEM;
            goto out;
        }
    }
    uint32_t h = change_hash(kind, id.ptr, id.len);
    size_t j = h & (t->hcap - 1);
    for (; t->hslots[j] != 0; j = (j + 1) & (t->hcap - 1)) {
        const iam_change *c = &t->items[t->hslots[j] - 1];
        if (c->kind == kind && strlen(c->id) == id.len && memcmp(c->id, id.ptr, id.len) == 0)
            return IAM_OK; /* already in this txn's change set */
    }
    if (!iam__grow((void **)&t->items, &t->cap, t->n + 1, sizeof *t->items)) {
        err = IAM_E_NOMEM;
        goto out;
    }
    sqlite3_stmt *s;
    if ((err = iam__txn_stmt(t, SQL_CHANGE, &s)) != IAM_OK)
        goto out;
    sqlite3_bind_int(s, 1, (int)kind);
    iam__bind_str(s, 2, id);
    sqlite3_bind_int64(s, 3, t->now);
    if ((err = iam__txn_run(t, s, IAM__OP_WRITE, NULL)) != IAM_OK)
        goto out;
    t->last_rev = sqlite3_last_insert_rowid(t->st->db);
    iam_change *c = &t->items[t->n];
    c->kind = kind;
    memcpy(c->id, id.ptr, id.len);
    c->id[id.len] = '\0';
    t->hslots[j] = (uint32_t)(t->n + 1);
    t->n++;
out:
    /* The call's own statements already ran: without a savepoint they
     * cannot be taken back, so the txn must not commit. */
    if (err != IAM_OK && !t->in_sp)
        t->poisoned = true;
    return err;
}

iam_err iam__txn_touch_cstr(iam_txn *t, iam_entity_kind kind, const char *id)
{
    return iam__txn_touch(t, kind, iam_str_from_cstr(id));
}

/* Drops change-set entries added since `mark` (their rows went with the
 * savepoint). */
static void changes_truncate(iam_txn *t, size_t mark)
{
    if (t->n == mark)
        return;
    t->n = mark;
    memset(t->hslots, 0, t->hcap * sizeof *t->hslots);
    for (size_t i = 0; i < t->n; i++) {
        const iam_change *c = &t->items[i];
        size_t j = change_hash(c->kind, c->id, strlen(c->id)) & (t->hcap - 1);
        while (t->hslots[j] != 0)
            j = (j + 1) & (t->hcap - 1);
        t->hslots[j] = (uint32_t)(i + 1);
    }
}

void iam_changes_free(iam_changes *ch)
{
    if (ch == NULL)
        return;
    iam__free(ch->items);
    ch->items = NULL;
    ch->n = ch->cap = 0;
}

/* ---- call bracketing ------------------------------------------------------ */

iam_err iam__txn_enter(iam_txn *t, bool sp)
{
    if (t == NULL || !t->active)
        return IAM_E_INVALID;
    if (t->poisoned) {
        snprintf(t->errmsg, sizeof t->errmsg, "transaction failed earlier; roll it back");
        return IAM_E_STORE;
    }
    t->mark = t->n;
    t->mark_rev = t->last_rev;
    t->in_sp = false;
    if (sp) {
        iam_err err = exec_cached(t, SQL_SP);
        if (err != IAM_OK)
            return err;
        t->in_sp = true;
    }
    return IAM_OK;
}

iam_err iam__txn_leave(iam_txn *t, iam_err err)
{
    if (t->in_sp) {
        t->in_sp = false;
        if (err != IAM_OK) {
            /* ROLLBACK TO keeps the savepoint open; RELEASE ends it. */
            if (exec_cached(t, SQL_SP_ROLLBACK) != IAM_OK || exec_cached(t, SQL_SP_RELEASE) != IAM_OK)
                t->poisoned = true;
            changes_truncate(t, t->mark);
            t->last_rev = t->mark_rev; /* that row is gone with the savepoint */
        } else if (exec_cached(t, SQL_SP_RELEASE) != IAM_OK) {
            t->poisoned = true;
            err = IAM_E_STORE;
        }
    }
    /* A failed I/O or an OOM inside SQLite may have rolled the whole
     * transaction back behind our back: nothing of it may be committed. */
    if (err == IAM_E_STORE || err == IAM_E_NOMEM || sqlite3_get_autocommit(t->st->db))
        t->poisoned = true;
    return err;
}

/* ---- open / close / migrations ---------------------------------------------- */

static iam_err exec_db(sqlite3 *db, const char *sql, iam_diag *diag)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        diag_set(diag, "sqlite: %s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return map_rc(sqlite3_extended_errcode(db), IAM__OP_WRITE) == IAM_E_NOMEM ? IAM_E_NOMEM : IAM_E_STORE;
    }
    return IAM_OK;
}

static iam_err pragma_int(sqlite3 *db, const char *sql, int *out, iam_diag *diag)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        diag_set(diag, "sqlite: %s: %s", sql, sqlite3_errmsg(db));
        sqlite3_finalize(s);
        return IAM_E_STORE;
    }
    *out = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return IAM_OK;
}

/* Opens a connection with the settings every connection needs. */
static iam_err conn_open(const char *path, sqlite3 **out, iam_diag *diag)
{
    sqlite3 *db = NULL;
    iam_err err;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_NOFOLLOW, NULL);

    *out = NULL;
    if (rc != SQLITE_OK) {
        diag_set(diag, "cannot open %s: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return rc == SQLITE_NOMEM ? IAM_E_NOMEM : IAM_E_STORE;
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
    /* journal_mode answers with the mode in force: check that WAL took. */
    sqlite3_stmt *s = NULL;
    rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &s, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    if (rc != SQLITE_ROW || sqlite3_stricmp((const char *)sqlite3_column_text(s, 0), "wal") != 0) {
        diag_set(diag, "cannot switch %s to WAL mode: %s", path, sqlite3_errmsg(db));
        sqlite3_finalize(s);
        sqlite3_close(db);
        return IAM_E_STORE;
    }
    sqlite3_finalize(s);
    err = exec_db(db,
                  "PRAGMA foreign_keys=ON;"
                  "PRAGMA synchronous=FULL;"
                  "PRAGMA temp_store=MEMORY;",
                  diag);
    if (err != IAM_OK) {
        sqlite3_close(db);
        return err;
    }
    *out = db;
    return IAM_OK;
}

/* Applies every migration above user_version, each in its own immediate
 * transaction that re-reads the version (another process may have run it
 * meanwhile). */
static iam_err migrate(sqlite3 *db, int *version_out, iam_diag *diag)
{
    int v = 0;
    iam_err err = pragma_int(db, "PRAGMA user_version", &v, diag);
    if (err != IAM_OK)
        return err;
    if (v > iam__store_migration_count) {
        if (diag != NULL)
            iam__diag_set(diag, "", 0, 0, "database schema version %d is newer than this iamd supports (%d)", v,
                          iam__store_migration_count);
        return IAM_E_STORE;
    }
    while (v < iam__store_migration_count) {
        char set[48];
        if ((err = exec_db(db, SQL_BEGIN, diag)) != IAM_OK)
            return err;
        if ((err = pragma_int(db, "PRAGMA user_version", &v, diag)) != IAM_OK)
            goto fail;
        if (v >= iam__store_migration_count) {
            err = exec_db(db, SQL_COMMIT, diag);
            if (err != IAM_OK)
                goto fail;
            break;
        }
        snprintf(set, sizeof set, "PRAGMA user_version=%d", v + 1);
        if ((err = exec_db(db, iam__store_migrations[v], diag)) != IAM_OK ||
            (err = exec_db(db, set, diag)) != IAM_OK || (err = exec_db(db, SQL_COMMIT, diag)) != IAM_OK)
            goto fail;
        v++;
    }
    *version_out = v;
    return IAM_OK;
fail:
    (void)exec_db(db, SQL_ROLLBACK, NULL);
    return err;
}

static void unlink_db(const char *path)
{
    char buf[4096];
    (void)unlink(path);
    if (snprintf(buf, sizeof buf, "%s-wal", path) < (int)sizeof buf)
        (void)unlink(buf);
    if (snprintf(buf, sizeof buf, "%s-shm", path) < (int)sizeof buf)
        (void)unlink(buf);
}

static iam_err touch_prepare(iam_store *st);

iam_err iam_store_open(const char *location, bool create, const iam_keyring *kr, iam_store **out, iam_diag *diag)
{
    iam_store *st = NULL;
    iam_err err;
    bool created = false;
    size_t plen;

    *out = NULL;
    if (location == NULL || (plen = strlen(location)) == 0 || kr == NULL)
        return IAM_E_INVALID;
    if (create) {
        /* O_EXCL: refuse an existing database atomically, and create it
         * 0600 from the start (it holds sealed secrets and password hashes;
         * SQLite gives the -wal and -shm files the same mode). */
        int fd = open(location, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) {
            int e = errno;
            diag_set(diag, "cannot create %s: %s", location, strerror(e));
            return e == EEXIST ? IAM_E_EXISTS : IAM_E_IO;
        }
        (void)close(fd);
        created = true;
    } else {
        struct stat sb;
        if (stat(location, &sb) != 0) {
            int e = errno;
            diag_set(diag, "cannot open %s: %s", location, strerror(e));
            return e == ENOENT ? IAM_E_NOTFOUND : IAM_E_IO;
        }
        if ((sb.st_mode & 077) != 0)
            (void)chmod(location, 0600); /* tighten a copy made with a loose umask */
    }

    st = iam__calloc(1, sizeof *st);
    if (st == NULL || (st->path = iam__malloc(plen + 1)) == NULL) {
        err = IAM_E_NOMEM;
        goto fail;
    }
    memcpy(st->path, location, plen + 1);
    st->kr = kr;
    if (pthread_mutex_init(&st->wlock, NULL) != 0) {
        err = IAM_E_STORE;
        goto fail_nomutex;
    }
    if (pthread_mutex_init(&st->tlock, NULL) != 0) {
        pthread_mutex_destroy(&st->wlock);
        err = IAM_E_STORE;
        goto fail_nomutex;
    }
    st->txn.st = st;
    if ((err = conn_open(location, &st->db, diag)) != IAM_OK)
        goto fail;
    if ((err = migrate(st->db, &st->schema_version, diag)) != IAM_OK)
        goto fail;
    /* The last-use connection is opened now, not on first use: iamd drops
     * root privileges after opening the store, and the database file is
     * 0600, so a later open would fail. */
    if ((err = touch_prepare(st)) != IAM_OK) {
        diag_set(diag, "cannot open a second connection to %s", location);
        goto fail;
    }
    *out = st;
    return IAM_OK;
fail:
    if (st != NULL) {
        pthread_mutex_destroy(&st->wlock);
        pthread_mutex_destroy(&st->tlock);
    }
fail_nomutex:
    if (st != NULL) {
        sqlite3_close(st->db);
        iam__free(st->path);
        iam__free(st);
    }
    if (created)
        unlink_db(location);
    return err;
}

void iam_store_close(iam_store *st)
{
    if (st == NULL)
        return;
    if (st->txn.active)
        iam_txn_rollback(&st->txn);
    stmt_cache_clear(st);
    sqlite3_finalize(st->t_begin);
    sqlite3_finalize(st->t_update);
    sqlite3_finalize(st->t_change);
    sqlite3_finalize(st->t_commit);
    sqlite3_finalize(st->t_rollback);
    sqlite3_close(st->tdb);
    sqlite3_close(st->db);
    iam__free(st->txn.items);
    iam__free(st->txn.hslots);
    pthread_mutex_destroy(&st->wlock);
    pthread_mutex_destroy(&st->tlock);
    iam__free(st->path);
    iam__free(st);
}

/* ---- transactions ------------------------------------------------------------- */

iam_err iam_store_begin(iam_store *st, int64_t now, iam_txn **out)
{
    iam_txn *t;
    iam_err err;

    *out = NULL;
    if (st == NULL)
        return IAM_E_INVALID;
    if (pthread_mutex_lock(&st->wlock) != 0)
        return IAM_E_STORE;
    t = &st->txn;
    t->now = now;
    t->poisoned = false;
    t->in_sp = false;
    t->last_rev = 0;
    t->n = 0;
    t->errmsg[0] = '\0';
    if (t->hslots != NULL)
        memset(t->hslots, 0, t->hcap * sizeof *t->hslots);
    t->active = true;
    if ((err = exec_cached(t, SQL_BEGIN)) != IAM_OK) {
        t->active = false;
        pthread_mutex_unlock(&st->wlock);
        return err;
    }
    *out = t;
    return IAM_OK;
}

int64_t iam_txn_now(const iam_txn *t) { return t->now; }
const char *iam__txn_errmsg(const iam_txn *t) { return t->errmsg; }

/* Ends the txn: frees the writer slot. */
static void txn_end(iam_txn *t)
{
    t->active = false;
    t->in_sp = false;
    t->n = 0;
    pthread_mutex_unlock(&t->st->wlock);
}

void iam_txn_rollback(iam_txn *t)
{
    if (t == NULL || !t->active)
        return;
    if (!sqlite3_get_autocommit(t->st->db))
        (void)exec_cached(t, SQL_ROLLBACK);
    txn_end(t);
}

iam_err iam_txn_commit(iam_txn *t, iam_changes *changes, iam_diag *diag)
{
    iam_err err;

    if (changes != NULL)
        *changes = (iam_changes){ NULL, 0, 0, 0 };
    if (t == NULL || !t->active)
        return IAM_E_INVALID;
    if (t->poisoned || sqlite3_get_autocommit(t->st->db)) {
        diag_set(diag, "transaction not committed: an earlier call failed (%s)", t->errmsg);
        iam_txn_rollback(t);
        return IAM_E_STORE;
    }
    int64_t rev = t->last_rev;
    if (rev == 0) {
        sqlite3_stmt *s;
        bool row = false;
        if ((err = iam__txn_stmt(t, SQL_MAX_REV, &s)) != IAM_OK || (err = iam__txn_row(t, s, &row)) != IAM_OK)
            goto fail;
        if (row) {
            rev = sqlite3_column_int64(s, 0);
            sqlite3_reset(s);
        }
    }
    if ((err = exec_cached(t, SQL_COMMIT)) != IAM_OK)
        goto fail;
    if (changes != NULL) {
        /* The change set moves to the caller; the txn starts the next one
         * with a fresh array. */
        *changes = (iam_changes){ t->items, t->n, t->cap, rev };
        t->items = NULL;
        t->cap = 0;
    }
    txn_end(t);
    return IAM_OK;
fail:
    diag_set(diag, "commit failed: %s", t->errmsg);
    iam_txn_rollback(t);
    return err == IAM_E_NOMEM ? IAM_E_NOMEM : IAM_E_STORE;
}

/* ---- touch_key: its own connection and short transaction ----------------- */

static iam_err touch_prepare(iam_store *st)
{
    iam_err err;
    if (st->tdb != NULL)
        return IAM_OK;
    if ((err = conn_open(st->path, &st->tdb, NULL)) != IAM_OK)
        return err;
    static const char upd[] = "UPDATE access_keys SET last_used=?1, last_used_service=?2, last_used_region=?3 "
                              "WHERE id=?4";
    if (sqlite3_prepare_v3(st->tdb, SQL_BEGIN, -1, SQLITE_PREPARE_PERSISTENT, &st->t_begin, NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(st->tdb, upd, -1, SQLITE_PREPARE_PERSISTENT, &st->t_update, NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(st->tdb, SQL_CHANGE, -1, SQLITE_PREPARE_PERSISTENT, &st->t_change, NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(st->tdb, SQL_COMMIT, -1, SQLITE_PREPARE_PERSISTENT, &st->t_commit, NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(st->tdb, SQL_ROLLBACK, -1, SQLITE_PREPARE_PERSISTENT, &st->t_rollback, NULL) !=
            SQLITE_OK) {
        sqlite3_finalize(st->t_begin);
        sqlite3_finalize(st->t_update);
        sqlite3_finalize(st->t_change);
        sqlite3_finalize(st->t_commit);
        sqlite3_finalize(st->t_rollback);
        st->t_begin = st->t_update = st->t_change = st->t_commit = st->t_rollback = NULL;
        sqlite3_close(st->tdb);
        st->tdb = NULL;
        return IAM_E_STORE;
    }
    return IAM_OK;
}

static int step_reset(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc;
}

iam_err iam_store_touch_key(iam_store *st, iam_str key_id, int64_t when, iam_str service, iam_str region)
{
    iam_err err;
    int rc;

    if (st == NULL || key_id.len == 0)
        return IAM_E_INVALID;
    if (pthread_mutex_lock(&st->tlock) != 0)
        return IAM_E_STORE;
    if ((err = touch_prepare(st)) != IAM_OK)
        goto out;
    if ((rc = step_reset(st->t_begin)) != SQLITE_DONE) {
        err = map_rc(rc, IAM__OP_WRITE);
        goto out;
    }
    sqlite3_bind_int64(st->t_update, 1, when);
    iam__bind_opt(st->t_update, 2, service);
    iam__bind_opt(st->t_update, 3, region);
    iam__bind_str(st->t_update, 4, key_id);
    rc = step_reset(st->t_update);
    if (rc != SQLITE_DONE) {
        err = map_rc(rc, IAM__OP_WRITE);
        goto rollback;
    }
    if (sqlite3_changes(st->tdb) == 0) {
        err = IAM_E_NOTFOUND;
        goto rollback;
    }
    sqlite3_bind_int(st->t_change, 1, IAM_EK_ACCESS_KEY);
    iam__bind_str(st->t_change, 2, key_id);
    sqlite3_bind_int64(st->t_change, 3, when);
    if ((rc = step_reset(st->t_change)) != SQLITE_DONE || (rc = step_reset(st->t_commit)) != SQLITE_DONE) {
        err = map_rc(rc, IAM__OP_WRITE);
        goto rollback;
    }
    err = IAM_OK;
    goto out;
rollback:
    if (!sqlite3_get_autocommit(st->tdb))
        (void)step_reset(st->t_rollback);
out:
    pthread_mutex_unlock(&st->tlock);
    return err;
}
