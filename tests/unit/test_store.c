/* test_store.c - the SQLite store: open/create/migrations, the error
 * mapping of every kind of write (EXISTS, NOTFOUND, CONFLICT), version
 * numbering, sealed access-key secrets, change sets, rollback, tags, the
 * AWS-managed policy sync and password hashing. Each test gets a fresh
 * database in its own temporary directory and a keyring from a fixed key. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iam/crypto.h"
#include "iam/store.h"
#include "store/store_int.h"

#define ACCT "123456789012"
#define NOW 1700000000

typedef struct fixture {
    char dir[64];
    char db[128];
    iam_keyring *kr;
    iam_store *st;
} fixture;

static const uint8_t master[IAM_MASTER_KEY_LEN] = { 1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                                    12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                                    23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/iam-store-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->db, sizeof f->db, "%s/iam.db", f->dir);
    if (iam_keyring_new(master, 1, &f->kr) != IAM_OK)
        return -1;
    if (iam_store_open(f->db, true, f->kr, &f->st, NULL) != IAM_OK)
        return -1;
    *state = f;
    return 0;
}

static void rm_db_files(const char *db)
{
    char buf[160];
    unlink(db);
    snprintf(buf, sizeof buf, "%s-wal", db);
    unlink(buf);
    snprintf(buf, sizeof buf, "%s-shm", db);
    unlink(buf);
}

static int teardown(void **state)
{
    fixture *f = *state;
    iam_store_close(f->st);
    iam_keyring_free(f->kr);
    rm_db_files(f->db);
    char buf[160];
    snprintf(buf, sizeof buf, "%s/managed.json", f->dir);
    unlink(buf);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* ---- helpers ---------------------------------------------------------------- */

static iam_str S(const char *s) { return iam_str_from_cstr(s); }

static int64_t query_int(iam_store *st, const char *sql)
{
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(iam__store_db(st), sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* The first column of the first row as text ("" for NULL / no row). */
static void query_text(iam_store *st, const char *sql, char *out, size_t cap)
{
    sqlite3_stmt *s = NULL;
    out[0] = '\0';
    assert_int_equal(sqlite3_prepare_v2(iam__store_db(st), sql, -1, &s, NULL), SQLITE_OK);
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) != NULL)
        snprintf(out, cap, "%s", (const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
}

static iam_txn *begin(iam_store *st)
{
    iam_txn *t = NULL;
    assert_int_equal(iam_store_begin(st, NOW, &t), IAM_OK);
    assert_non_null(t);
    return t;
}

static void commit(iam_txn *t, iam_changes *ch)
{
    iam_diag d;
    iam_err err = iam_txn_commit(t, ch, &d);
    if (err != IAM_OK)
        fail_msg("commit: %s", d.message);
}

static iam_new_principal P(const char *id, const char *name)
{
    return (iam_new_principal){ S(ACCT), S(id), S(name), IAM_STR_NULL };
}

static iam_new_policy POL(const char *id, const char *name, const char *doc)
{
    return (iam_new_policy){ S(ACCT), S(id), S(name), IAM_STR("/"), IAM_STR_NULL, S(doc) };
}

static const char DOC[] = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\","
                          "\"Resource\":\"*\"}]}";
static const char TRUST[] = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
                            "{\"Service\":\"ec2.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}";

/* An account with user U1 (alice), group G1 (devs), role R1 (app) and
 * policy P1 (pol). */
static void seed(iam_store *st)
{
    iam_txn *t = begin(st);
    iam_new_role r = { P("AROAR1", "app"), S(TRUST), IAM_STR_NULL, 3600 };
    iam_new_principal u = P("AIDAU1", "alice"), g = P("AGPAG1", "devs");
    iam_new_policy p = POL("ANPAP1", "pol", DOC);
    assert_int_equal(iam_txn_account_create(t, S(ACCT)), IAM_OK);
    assert_int_equal(iam_txn_user_create(t, &u), IAM_OK);
    assert_int_equal(iam_txn_group_create(t, &g), IAM_OK);
    assert_int_equal(iam_txn_role_create(t, &r), IAM_OK);
    assert_int_equal(iam_txn_policy_create(t, &p), IAM_OK);
    commit(t, NULL);
}

static bool contains(const void *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp((const char *)hay + i, needle, m) == 0)
            return true;
    return false;
}

static bool has_change(const iam_changes *ch, iam_entity_kind kind, const char *id)
{
    for (size_t i = 0; i < ch->n; i++)
        if (ch->items[i].kind == kind && strcmp(ch->items[i].id, id) == 0)
            return true;
    return false;
}

/* ---- open / migrations --------------------------------------------------------- */

static void open_create_reopen(void **state)
{
    fixture *f = *state;
    iam_store *st2 = NULL;
    iam_diag d;
    struct stat sb;
    char buf[160], mode[16];

    assert_int_equal(iam_store_schema_version(f->st), iam__store_migration_count);
    assert_int_equal(query_int(f->st, "PRAGMA user_version"), iam__store_migration_count);
    assert_int_equal(query_int(f->st, "PRAGMA foreign_keys"), 1);
    assert_int_equal(query_int(f->st, "PRAGMA synchronous"), 2); /* FULL */
    query_text(f->st, "PRAGMA journal_mode", mode, sizeof mode);
    assert_string_equal(mode, "wal");
    assert_ptr_equal(iam_store_keyring(f->st), f->kr);
    assert_int_equal(stat(f->db, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);

    /* create over an existing database refuses and leaves it alone */
    assert_int_equal(iam_store_open(f->db, true, f->kr, &st2, &d), IAM_E_EXISTS);
    assert_null(st2);
    assert_int_equal(stat(f->db, &sb), 0);

    /* open without create needs the file */
    snprintf(buf, sizeof buf, "%s/missing.db", f->dir);
    assert_int_equal(iam_store_open(buf, false, f->kr, &st2, &d), IAM_E_NOTFOUND);
    assert_int_equal(access(buf, F_OK), -1);

    /* reopen: migrations are not applied twice, data survives */
    seed(f->st);
    iam_store_close(f->st);
    f->st = NULL;
    assert_int_equal(chmod(f->db, 0644), 0);
    assert_int_equal(iam_store_open(f->db, false, f->kr, &f->st, &d), IAM_OK);
    assert_int_equal(iam_store_schema_version(f->st), iam__store_migration_count);
    assert_int_equal(query_int(f->st, "SELECT count(*) FROM users"), 1);
    assert_int_equal(stat(f->db, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);

    /* a database from a newer iamd is refused */
    iam_store_close(f->st);
    f->st = NULL;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    snprintf(buf, sizeof buf, "PRAGMA user_version=%d", iam__store_migration_count + 1);
    assert_int_equal(sqlite3_exec(db, buf, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(iam_store_open(f->db, false, f->kr, &f->st, &d), IAM_E_STORE);
    assert_null(f->st);
    assert_non_null(strstr(d.message, "newer"));
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    snprintf(buf, sizeof buf, "PRAGMA user_version=%d", iam__store_migration_count);
    assert_int_equal(sqlite3_exec(db, buf, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(iam_store_open(f->db, false, f->kr, &f->st, &d), IAM_OK);
}

/* ---- users ----------------------------------------------------------------------- */

static void user_create_rename_delete(void **state)
{
    fixture *f = *state;
    seed(f->st);
    iam_txn *t = begin(f->st);
    iam_new_principal dup = P("AIDAU2", "ALICE"), dupid = P("AIDAU1", "bob"), bob = P("AIDAU2", "bob");
    iam_new_principal other = { S("210987654321"), S("AIDAU3"), S("alice"), IAM_STR_NULL };

    assert_int_equal(iam_txn_user_create(t, &dup), IAM_E_EXISTS);   /* names are case-insensitive */
    assert_int_equal(iam_txn_user_create(t, &dupid), IAM_E_EXISTS); /* ids unique */
    assert_int_equal(iam_txn_user_create(t, &other), IAM_E_NOTFOUND); /* no such account */
    assert_int_equal(iam_txn_account_create(t, S("210987654321")), IAM_OK);
    assert_int_equal(iam_txn_account_create(t, S("210987654321")), IAM_E_EXISTS);
    assert_int_equal(iam_txn_user_create(t, &other), IAM_OK); /* same name, other account */
    assert_int_equal(iam_txn_user_create(t, &bob), IAM_OK);
    /* domain errors leave the txn committable */
    commit(t, NULL);
    assert_int_equal(query_int(f->st, "SELECT count(*) FROM users"), 3);
    char path[32];
    query_text(f->st, "SELECT path FROM users WHERE id='AIDAU2'", path, sizeof path);
    assert_string_equal(path, "/");

    t = begin(f->st);
    assert_int_equal(iam_txn_user_update(t, S("AIDAU2"), S("Alice"), IAM_STR_NULL), IAM_E_EXISTS);
    assert_int_equal(iam_txn_user_update(t, S("AIDAU2"), S("robert"), S("/eng/")), IAM_OK);
    assert_int_equal(iam_txn_user_update(t, S("AIDAU2"), IAM_STR_NULL, IAM_STR_NULL), IAM_OK);
    assert_int_equal(iam_txn_user_update(t, S("AIDANOPE"), S("x"), IAM_STR_NULL), IAM_E_NOTFOUND);
    assert_int_equal(iam_txn_user_delete(t, S("AIDAU3")), IAM_OK);
    assert_int_equal(iam_txn_user_delete(t, S("AIDAU3")), IAM_E_NOTFOUND);
    commit(t, NULL);
    char name[32];
    query_text(f->st, "SELECT name || path FROM users WHERE id='AIDAU2'", name, sizeof name);
    assert_string_equal(name, "robert/eng/");
    assert_int_equal(query_int(f->st, "SELECT count(*) FROM users"), 2);
}

/* ---- foreign keys ----------------------------------------------------------------- */

static void foreign_keys(void **state)
{
    fixture *f = *state;
    seed(f->st);
    iam_txn *t = begin(f->st);

    assert_int_equal(iam_txn_attach(t, IAM_EK_USER, S("AIDAU1"), S("ANPANOPE")), IAM_E_NOTFOUND);
    assert_int_equal(iam_txn_attach(t, IAM_EK_USER, S("AIDANOPE"), S("ANPAP1")), IAM_E_NOTFOUND);
    assert_int_equal(iam_txn_attach(t, IAM_EK_ACCESS_KEY, S("AIDAU1"), S("ANPAP1")), IAM_E_INVALID);
    assert_int_equal(iam_txn_attach(t, IAM_EK_USER, S("AIDAU1"), S("ANPAP1")), IAM_OK);
    assert_int_equal(iam_txn_attach(t, IAM_EK_USER, S("AIDAU1"), S("ANPAP1")), IAM_OK); /* idempotent */
    assert_int_equal(iam_txn_attach(t, IAM_EK_GROUP, S("AGPAG1"), S("ANPAP1")), IAM_OK);
    assert_int_equal(iam_txn_attach(t, IAM_EK_ROLE, S("AROAR1"), S("ANPAP1")), IAM_OK);
    assert_int_equal(query_int(f->st, "SELECT count(*) FROM attachments"), 3);
    assert_int_equal(iam_txn_detach(t, IAM_EK_GROUP, S("AGPAG1"), S("ANPAP1")), IAM_OK);
    assert_int_equal(iam_txn_detach(t, IAM_EK_GROUP, S("AGPAG1"), S("ANPAP1")), IAM_E_NOTFOUND);

    assert_int_equal(iam_txn_group_add_user(t, S("AGPAG1"), S("AIDANOPE")), IAM_E_NOTFOUND);
    assert_int_equal(iam_txn_group_add_user(t, S("AGPANOPE"), S("AIDAU1")), IAM_E_NOTFOUND);
    assert_int_equal(iam_txn_group_add_user(t, S("AGPAG1"), S("AIDAU1")), IAM_OK);
    assert_int_equal(iam_txn_group_add_user(t, S("AGPAG1"), S("AIDAU1")), IAM_OK); /* idempotent */
    assert_int_equal(query_int(f->st, "SELECT count(*) FROM group_members"), 1);

    /* deletes of referenced rows are refused; the user's tags survive the
     * refused delete (savepoint) */
    iam_tag tag = { "team", "core" };
    assert_int_equal(iam_txn_tags_set(t, IAM_EK_USER, S("AIDAU1"), &tag, 1), IAM_OK);
    assert_int_equal(iam_txn_user_delete(t, S("AIDAU1")), IAM_E_CONFLICT);
    assert_int_equal(query_int(f->st, "SELECT count(*) FROM tags"), 1);
    assert_int_equal(iam_txn_group_delete(t, S("AGPAG1")), IAM_E_CONFLICT);
    assert_int_equal(iam_txn_role_delete(t, S("AROAR1")), IAM_E_CONFLICT);
    assert_int_equal(iam_txn_policy_delete(t, S("ANPAP1")), IAM_E_CONFLICT);
    assert_int_equal(query_int(f->st, "SELECT count(*) FROM policy_versions"), 1);

    assert_int_equal(iam_txn_group_remove_user(t, S("AGPAG1"), S("AIDAU1")), IAM_OK);
    assert_int_equal(iam_txn_group_remove_user(t, S("AGPAG1"), S("AIDAU1")), IAM_E_NOTFOUND);
    assert_int_equal(iam_txn_group_delete(t, S("AGPAG1")), IAM_OK);
    assert_int_equal(iam_txn_detach(t, IAM_EK_USER, S("AIDAU1"), S("ANPAP1")), IAM_OK);
    assert_int_equal(iam_txn_user_delete(t, S("AIDAU1")), IAM_OK);
    assert_int_equal(query_int(f->st, "SELECT count(*) FROM tags"), 0); /* tags go with the user */

    /* a boundary holds a policy as well */
    assert_int_equal(iam_txn_detach(t, IAM_EK_ROLE, S("AROAR1"), S("ANPAP1")), IAM_OK);
    assert_int_equal(iam_txn_set_boundary(t, IAM_EK_ROLE, S("AROAR1"), S("arn:aws:iam::" ACCT ":policy/nope")),
                     IAM_E_NOTFOUND);
    assert_int_equal(iam_txn_set_boundary(t, IAM_EK_ROLE, S("AROANOPE"), S("arn:aws:iam::" ACCT ":policy/pol")),
                     IAM_E_NOTFOUND);
    assert_int_equal(iam_txn_set_boundary(t, IAM_EK_ROLE, S("AROAR1"), S("arn:aws:iam::" ACCT ":policy/pol")),
                     IAM_OK);
    assert_int_equal(iam_txn_policy_delete(t, S("ANPAP1")), IAM_E_CONFLICT);
    assert_int_equal(iam_txn_set_boundary(t, IAM_EK_ROLE, S("AROAR1"), IAM_STR_NULL), IAM_OK);
    assert_int_equal(iam_txn_policy_delete(t, S("ANPAP1")), IAM_OK);
    assert_int_equal(iam_txn_policy_delete(t, S("ANPAP1")), IAM_E_NOTFOUND);
    assert_int_equal(query_int(f->st, "SELECT count(*) FROM policy_versions"), 0);
    assert_int_equal(iam_txn_role_delete(t, S("AROAR1")), IAM_OK);
    commit(t, NULL);
    assert_int_equal(query_int(f->st, "SELECT count(*) FROM roles"), 0);
}

/* ---- policy versions ---------------------------------------------------------- */

static void policy_versions(void **state)
{
    fixture *f = *state;
    char v[16], buf[64];
    seed(f->st);
    iam_txn *t = begin(f->st);
    iam_new_policy dup = POL("ANPAP2", "POL", DOC);

    assert_int_equal(iam_txn_policy_create(t, &dup), IAM_E_EXISTS);
    for (int i = 2; i <= 5; i++) {
        char want[8];
        snprintf(want, sizeof want, "v%d", i);
        assert_int_equal(iam_txn_policy_version_create(t, S("ANPAP1"), S(DOC), false, v), IAM_OK);
        assert_string_equal(v, want);
    }
    assert_int_equal(iam_txn_policy_version_create(t, S("ANPANOPE"), S(DOC), false, v), IAM_E_NOTFOUND);
    assert_int_equal(iam_txn_policy_version_delete(t, S("ANPAP1"), S("v1")), IAM_E_CONFLICT); /* default */
    assert_int_equal(iam_txn_policy_version_delete(t, S("ANPAP1"), S("v2")), IAM_OK);
    assert_int_equal(iam_txn_policy_version_delete(t, S("ANPAP1"), S("v5")), IAM_OK);
    assert_int_equal(iam_txn_policy_version_delete(t, S("ANPAP1"), S("v5")), IAM_E_NOTFOUND);
    assert_int_equal(iam_txn_policy_version_create(t, S("ANPAP1"), S(DOC), true, v), IAM_OK);
    assert_string_equal(v, "v6"); /* numbers are never reused */
    query_text(f->st, "SELECT default_version FROM policies WHERE id='ANPAP1'", buf, sizeof buf);
    assert_string_equal(buf, "v6");
    assert_int_equal(iam_txn_policy_set_default(t, S("ANPAP1"), S("v2")), IAM_E_NOTFOUND);
    assert_int_equal(iam_txn_policy_set_default(t, S("ANPANOPE"), S("v1")), IAM_E_NOTFOUND);
    commit(t, NULL);

    /* set_default moves `updated`; the old default can then go */
    iam_txn *t3 = NULL;
    assert_int_equal(iam_store_begin(f->st, NOW + 50, &t3), IAM_OK);
    assert_int_equal(iam_txn_policy_set_default(t3, S("ANPAP1"), S("v3")), IAM_OK);
    assert_int_equal(iam_txn_policy_version_delete(t3, S("ANPAP1"), S("v6")), IAM_OK);
    assert_int_equal(iam_txn_policy_version_delete(t3, S("ANPAP1"), S("v1")), IAM_OK);
    commit(t3, NULL);
    assert_int_equal(query_int(f->st, "SELECT updated FROM policies WHERE id='ANPAP1'"), NOW + 50);
    assert_int_equal(query_int(f->st, "SELECT created FROM policies WHERE id='ANPAP1'"), NOW);
    query_text(f->st, "SELECT group_concat(version_id, ',') FROM (SELECT version_id FROM policy_versions"
               " WHERE policy_id='ANPAP1' ORDER BY num)", buf, sizeof buf);
    assert_string_equal(buf, "v3,v4");
    query_text(f->st, "SELECT arn FROM policies WHERE id='ANPAP1'", buf, sizeof buf);
    assert_string_equal(buf, "arn:aws:iam::" ACCT ":policy/pol");
}

/* ---- access keys ------------------------------------------------------------------ */

static void access_key_sealed(void **state)
{
    fixture *f = *state;
    static const char secret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    seed(f->st);
    iam_txn *t = begin(f->st);
    iam_changes ch;

    assert_int_equal(iam_txn_access_key_create(t, S(ACCT), S("AIDAU1"), S("AKIAK1"), S(secret)), IAM_OK);
    assert_int_equal(iam_txn_access_key_create(t, S(ACCT), S("AIDAU1"), S("AKIAK1"), S(secret)), IAM_E_EXISTS);
    assert_int_equal(iam_txn_access_key_create(t, S(ACCT), S("AIDANOPE"), S("AKIAK9"), S(secret)),
                     IAM_E_NOTFOUND);
    assert_int_equal(iam_txn_access_key_create(t, S(ACCT), IAM_STR_NULL, S("AKIAROOT"), S(secret)), IAM_OK);
    commit(t, &ch);
    assert_true(has_change(&ch, IAM_EK_ACCESS_KEY, "AKIAK1"));
    assert_true(has_change(&ch, IAM_EK_USER, "AIDAU1"));
    assert_true(has_change(&ch, IAM_EK_ACCESS_KEY, "AKIAROOT"));
    assert_true(has_change(&ch, IAM_EK_ACCOUNT, ACCT));
    assert_int_equal(ch.n, 4);
    iam_changes_free(&ch);
    assert_int_equal(query_int(f->st, "SELECT count(*) FROM access_keys WHERE id='AKIAROOT' AND user_id IS NULL"),
                     1);

    /* the raw column holds a sealed blob, not the secret */
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(iam__store_db(f->st), "SELECT secret FROM access_keys WHERE id='AKIAK1'", -1,
                                        &s, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    const uint8_t *blob = sqlite3_column_blob(s, 0);
    size_t n = (size_t)sqlite3_column_bytes(s, 0);
    assert_int_equal(n, sizeof secret - 1 + IAM_SEAL_OVERHEAD);
    assert_false(contains(blob, n, secret));
    assert_false(contains(blob, n, "wJalrXUtnFEMI"));
    char out[64];
    size_t out_len = 0;
    assert_int_equal(iam_unseal(f->kr, "access-key", S("AKIAK1"), blob, n, out, &out_len), IAM_OK);
    assert_int_equal(out_len, sizeof secret - 1);
    assert_memory_equal(out, secret, out_len);
    /* bound to its row: another key id does not open it */
    assert_int_equal(iam_unseal(f->kr, "access-key", S("AKIAROOT"), blob, n, out, &out_len), IAM_E_CRYPTO);
    sqlite3_finalize(s);

    t = begin(f->st);
    assert_int_equal(iam_txn_access_key_set_active(t, S("AKIAK1"), false), IAM_OK);
    assert_int_equal(iam_txn_access_key_set_active(t, S("AKIANOPE"), false), IAM_E_NOTFOUND);
    assert_int_equal(iam_txn_user_delete(t, S("AIDAU1")), IAM_E_CONFLICT); /* has a key */
    commit(t, &ch);
    assert_true(has_change(&ch, IAM_EK_USER, "AIDAU1"));
    iam_changes_free(&ch);
    assert_int_equal(query_int(f->st, "SELECT active FROM access_keys WHERE id='AKIAK1'"), 0);

    /* last use: its own short transaction, recorded as a change */
    int64_t rev = query_int(f->st, "SELECT max(rev) FROM changes");
    assert_int_equal(iam_store_touch_key(f->st, S("AKIAK1"), NOW + 7, S("iam"), S("us-east-1")), IAM_OK);
    assert_int_equal(iam_store_touch_key(f->st, S("AKIANOPE"), NOW + 7, S("iam"), S("us-east-1")),
                     IAM_E_NOTFOUND);
    assert_int_equal(query_int(f->st, "SELECT last_used FROM access_keys WHERE id='AKIAK1'"), NOW + 7);
    assert_int_equal(query_int(f->st, "SELECT max(rev) FROM changes"), rev + 1);
    assert_int_equal(query_int(f->st, "SELECT kind FROM changes ORDER BY rev DESC LIMIT 1"), IAM_EK_ACCESS_KEY);

    t = begin(f->st);
    assert_int_equal(iam_txn_access_key_delete(t, S("AKIAK1")), IAM_OK);
    assert_int_equal(iam_txn_access_key_delete(t, S("AKIAK1")), IAM_E_NOTFOUND);
    assert_int_equal(iam_txn_user_delete(t, S("AIDAU1")), IAM_OK);
    commit(t, &ch);
    assert_true(ch.revision > rev + 1);
    iam_changes_free(&ch);
}

/* ---- change sets and rollback ------------------------------------------------------ */

static void change_sets(void **state)
{
    fixture *f = *state;
    iam_changes ch;
    seed(f->st);
    int64_t before = query_int(f->st, "SELECT count(*) FROM changes");

    iam_txn *t = begin(f->st);
    iam_new_principal u = P("AIDAU2", "bob");
    assert_int_equal(iam_txn_user_create(t, &u), IAM_OK);
    assert_int_equal(iam_txn_attach(t, IAM_EK_USER, S("AIDAU2"), S("ANPAP1")), IAM_OK);
    assert_int_equal(iam_txn_group_add_user(t, S("AGPAG1"), S("AIDAU2")), IAM_OK);
    assert_int_equal(iam_txn_attach(t, IAM_EK_USER, S("AIDANOPE"), S("ANPAP1")), IAM_E_NOTFOUND);
    assert_int_equal(iam_txn_user_update(t, S("AIDAU2"), S("bobby"), IAM_STR_NULL), IAM_OK);
    assert_int_equal(iam_txn_tags_set(t, IAM_EK_POLICY, S("ANPAP1"), &(iam_tag){ "k", "v" }, 1), IAM_OK);
    commit(t, &ch);
    assert_int_equal(ch.n, 3); /* deduplicated: USER AIDAU2, POLICY ANPAP1, GROUP AGPAG1 */
    assert_int_equal(ch.items[0].kind, IAM_EK_USER);
    assert_string_equal(ch.items[0].id, "AIDAU2");
    assert_true(has_change(&ch, IAM_EK_POLICY, "ANPAP1"));
    assert_true(has_change(&ch, IAM_EK_GROUP, "AGPAG1"));
    assert_int_equal(ch.revision, query_int(f->st, "SELECT max(rev) FROM changes"));
    assert_int_equal(query_int(f->st, "SELECT count(*) FROM changes"), before + 3);
    iam_changes_free(&ch);
    iam_changes_free(&ch); /* idempotent */

    /* boundaries touch the principal and both policies */
    t = begin(f->st);
    iam_new_policy p2 = POL("ANPAP2", "pol2", DOC);
    assert_int_equal(iam_txn_policy_create(t, &p2), IAM_OK);
    assert_int_equal(iam_txn_set_boundary(t, IAM_EK_USER, S("AIDAU1"), S("arn:aws:iam::" ACCT ":policy/pol")),
                     IAM_OK);
    commit(t, NULL);
    t = begin(f->st);
    assert_int_equal(iam_txn_set_boundary(t, IAM_EK_USER, S("AIDAU1"), S("arn:aws:iam::" ACCT ":policy/pol2")),
                     IAM_OK);
    commit(t, &ch);
    assert_int_equal(ch.n, 3);
    assert_true(has_change(&ch, IAM_EK_USER, "AIDAU1"));
    assert_true(has_change(&ch, IAM_EK_POLICY, "ANPAP1"));
    assert_true(has_change(&ch, IAM_EK_POLICY, "ANPAP2"));
    iam_changes_free(&ch);

    /* a txn that wrote nothing reports the current revision */
    int64_t rev = query_int(f->st, "SELECT max(rev) FROM changes");
    t = begin(f->st);
    commit(t, &ch);
    assert_int_equal(ch.n, 0);
    assert_int_equal(ch.revision, rev);
    iam_changes_free(&ch);

    /* instance profiles, OIDC providers, accounts */
    static const char oidc[] = "arn:aws:iam::" ACCT ":oidc-provider/token.example.com";
    iam_str cids[] = { IAM_STR("sts.amazonaws.com"), IAM_STR("sts.amazonaws.com") };
    iam_str thumbs[] = { IAM_STR("aaaa"), IAM_STR("bbbb") };
    t = begin(f->st);
    iam_new_principal ip = P("AIPAI1", "web");
    assert_int_equal(iam_txn_instance_profile_create(t, &ip), IAM_OK);
    assert_int_equal(iam_txn_instance_profile_add_role(t, S("AIPAI1"), S("AROAR1")), IAM_OK);
    assert_int_equal(iam_txn_instance_profile_add_role(t, S("AIPAI1"), S("AROANOPE")), IAM_E_NOTFOUND);
    assert_int_equal(iam_txn_oidc_create(t, S(ACCT), S(oidc), S("https://token.example.com"), cids, 2, thumbs, 2),
                     IAM_OK);
    assert_int_equal(iam_txn_oidc_create(t, S(ACCT), S(oidc), S("https://token.example.com"), NULL, 0, NULL, 0),
                     IAM_E_EXISTS);
    assert_int_equal(iam_txn_account_set_alias(t, S(ACCT), S("my-alias")), IAM_OK);
    commit(t, &ch);
    assert_int_equal(ch.n, 4);
    assert_true(has_change(&ch, IAM_EK_INSTANCE_PROFILE, "AIPAI1"));
    assert_true(has_change(&ch, IAM_EK_ROLE, "AROAR1"));
    assert_true(has_change(&ch, IAM_EK_OIDC_PROVIDER, oidc));
    assert_true(has_change(&ch, IAM_EK_ACCOUNT, ACCT));
    iam_changes_free(&ch);
    assert_int_equal(query_int(f->st, "SELECT count(*) FROM oidc_client_ids"), 1);
    assert_int_equal(query_int(f->st, "SELECT pos FROM oidc_thumbprints WHERE thumbprint='bbbb'"), 1);

    /* an id too long for iam_change: the whole call is undone, the txn
     * stays usable and its revision is exact */
    char long_arn[400];
    memset(long_arn, 'a', sizeof long_arn - 1);
    long_arn[sizeof long_arn - 1] = '\0';
    t = begin(f->st);
    iam_new_principal u3 = P("AIDAU3", "carol");
    assert_int_equal(iam_txn_user_create(t, &u3), IAM_OK);
    assert_int_equal(iam_txn_oidc_create(t, S(ACCT), S(long_arn), S("https://x"), cids, 1, thumbs, 1), IAM_E_LIMIT);
    commit(t, &ch);
    assert_int_equal(ch.n, 1);
    assert_int_equal(ch.revision, query_int(f->st, "SELECT max(rev) FROM changes"));
    iam_changes_free(&ch);
    assert_int_equal(query_int(f->st, "SELECT count(*) FROM oidc_providers"), 1);
    assert_int_equal(query_int(f->st, "SELECT count(*) FROM oidc_client_ids"), 1);
}

static void rollback_leaves_nothing(void **state)
{
    fixture *f = *state;
    seed(f->st);
    int64_t users = query_int(f->st, "SELECT count(*) FROM users");
    int64_t changes = query_int(f->st, "SELECT count(*) FROM changes");

    iam_txn *t = begin(f->st);
    for (int i = 0; i < 20; i++) {
        char id[16], name[16];
        snprintf(id, sizeof id, "AIDAX%d", i);
        snprintf(name, sizeof name, "user%d", i);
        iam_new_principal u = P(id, name);
        assert_int_equal(iam_txn_user_create(t, &u), IAM_OK);
        assert_int_equal(iam_txn_attach(t, IAM_EK_USER, S(id), S("ANPAP1")), IAM_OK);
    }
    assert_int_equal(iam_txn_user_delete(t, S("AIDAU1")), IAM_OK);
    iam_txn_rollback(t);
    iam_txn_rollback(NULL);
    assert_int_equal(query_int(f->st, "SELECT count(*) FROM users"), users);
    assert_int_equal(query_int(f->st, "SELECT count(*) FROM attachments"), 0);
    assert_int_equal(query_int(f->st, "SELECT count(*) FROM changes"), changes);

    /* the next txn starts with an empty change set */
    iam_changes ch;
    t = begin(f->st);
    iam_new_principal u = P("AIDAU9", "zed");
    assert_int_equal(iam_txn_user_create(t, &u), IAM_OK);
    commit(t, &ch);
    assert_int_equal(ch.n, 1);
    assert_string_equal(ch.items[0].id, "AIDAU9");
    iam_changes_free(&ch);

    /* a poisoned txn refuses to commit: simulate a call that failed after
     * writing (the only way to get one without a broken disk) */
    t = begin(f->st);
    iam_new_principal v = P("AIDAU8", "yan");
    assert_int_equal(iam_txn_user_create(t, &v), IAM_OK);
    t->poisoned = true;
    assert_int_equal(iam_txn_user_delete(t, S("AIDAU9")), IAM_E_STORE);
    iam_diag d;
    assert_int_equal(iam_txn_commit(t, &ch, &d), IAM_E_STORE);
    assert_null(ch.items);
    assert_int_equal(query_int(f->st, "SELECT count(*) FROM users WHERE id='AIDAU8'"), 0);
}

/* ---- tags, roles, inline policies, login profiles ------------------------------------ */

static void tags_and_misc(void **state)
{
    fixture *f = *state;
    char buf[512];
    seed(f->st);
    iam_txn *t = begin(f->st);

    iam_tag first[] = { { "Team", "core" }, { "env", "prod" } };
    assert_int_equal(iam_txn_tags_set(t, IAM_EK_ROLE, S("AROAR1"), first, 2), IAM_OK);
    iam_tag second[] = { { "TEAM", "edge" }, { "cost", "42" } };
    assert_int_equal(iam_txn_tags_set(t, IAM_EK_ROLE, S("AROAR1"), second, 2), IAM_OK);
    assert_int_equal(iam_txn_tags_set(t, IAM_EK_ROLE, S("AROANOPE"), first, 1), IAM_E_NOTFOUND);
    assert_int_equal(iam_txn_tags_set(t, IAM_EK_GROUP, S("AGPAG1"), first, 1), IAM_E_INVALID);
    query_text(f->st, "SELECT group_concat(key || '=' || value, ',') FROM (SELECT key, value FROM tags"
               " WHERE kind=4 AND entity_id='AROAR1' ORDER BY pos)", buf, sizeof buf);
    assert_string_equal(buf, "TEAM=edge,env=prod,cost=42");
    iam_str rm[] = { IAM_STR("ENV"), IAM_STR("absent") };
    assert_int_equal(iam_txn_tags_remove(t, IAM_EK_ROLE, S("AROAR1"), rm, 2), IAM_OK);
    iam_tag third = { "new", "1" };
    assert_int_equal(iam_txn_tags_set(t, IAM_EK_ROLE, S("AROAR1"), &third, 1), IAM_OK);
    query_text(f->st, "SELECT group_concat(key, ',') FROM (SELECT key FROM tags WHERE entity_id='AROAR1'"
               " ORDER BY pos)", buf, sizeof buf);
    assert_string_equal(buf, "TEAM,cost,new");

    /* roles */
    assert_int_equal(iam_txn_role_update(t, S("AROAR1"), S("my app"), 7200), IAM_OK);
    assert_int_equal(iam_txn_role_update(t, S("AROAR1"), IAM_STR_NULL, 0), IAM_OK); /* keeps both */
    query_text(f->st, "SELECT description || max_session FROM roles WHERE id='AROAR1'", buf, sizeof buf);
    assert_string_equal(buf, "my app7200");
    assert_int_equal(iam_txn_role_update(t, S("AROAR1"), IAM_STR(""), 0), IAM_OK); /* clears */
    assert_int_equal(query_int(f->st, "SELECT description IS NULL FROM roles WHERE id='AROAR1'"), 1);
    assert_int_equal(iam_txn_role_update(t, S("AROANOPE"), IAM_STR_NULL, 0), IAM_E_NOTFOUND);
    assert_int_equal(iam_txn_role_set_trust(t, S("AROAR1"), S("{\"Statement\":[]}")), IAM_OK);
    assert_int_equal(iam_txn_role_touch(t, S("AROAR1"), S("eu-west-1")), IAM_OK);
    assert_int_equal(query_int(f->st, "SELECT last_used FROM roles WHERE id='AROAR1'"), NOW);
    iam_binding b[] = { { IAM_STR("arn:aws:iam::" ACCT ":user/alice"), IAM_STR("AIDAU1") } };
    assert_int_equal(iam_txn_set_bindings(t, IAM_EK_ROLE, S("AROAR1"), b, 1), IAM_OK);
    assert_int_equal(iam_txn_set_bindings(t, IAM_EK_ROLE, S("AROAR1"), b, 1), IAM_OK); /* replaces */
    assert_int_equal(query_int(f->st, "SELECT count(*) FROM bindings"), 1);

    /* inline policies: put replaces case-insensitively */
    assert_int_equal(iam_txn_inline_put(t, IAM_EK_USER, S("AIDAU1"), S("Inline"), S(DOC)), IAM_OK);
    assert_int_equal(iam_txn_inline_put(t, IAM_EK_USER, S("AIDAU1"), S("INLINE"), S("{}")), IAM_OK);
    assert_int_equal(iam_txn_inline_put(t, IAM_EK_USER, S("AIDANOPE"), S("x"), S(DOC)), IAM_E_NOTFOUND);
    assert_int_equal(iam_txn_inline_put(t, IAM_EK_ROLE, S("AROAR1"), S("Inline"), S(DOC)), IAM_OK);
    assert_int_equal(query_int(f->st, "SELECT count(*) FROM inline_policies"), 2);
    query_text(f->st, "SELECT name || document FROM inline_policies WHERE user_id='AIDAU1'", buf, sizeof buf);
    assert_string_equal(buf, "INLINE{}");
    assert_int_equal(iam_txn_user_delete(t, S("AIDAU1")), IAM_E_CONFLICT);
    assert_int_equal(iam_txn_inline_delete(t, IAM_EK_USER, S("AIDAU1"), S("inline")), IAM_OK);
    assert_int_equal(iam_txn_inline_delete(t, IAM_EK_USER, S("AIDAU1"), S("inline")), IAM_E_NOTFOUND);
    assert_int_equal(iam_txn_inline_delete(t, IAM_EK_ROLE, S("AROAR1"), S("inline")), IAM_OK);

    /* login profiles */
    char hash[IAM_PASSWORD_HASH_MAX];
    assert_int_equal(iam_password_hash(S("correct horse"), hash), IAM_OK);
    assert_int_equal(iam_txn_login_profile_put(t, S("AIDAU1"), S(hash), true, false), IAM_E_NOTFOUND);
    assert_int_equal(iam_txn_login_profile_put(t, S("AIDAU1"), S(hash), true, true), IAM_OK);
    assert_int_equal(iam_txn_login_profile_put(t, S("AIDAU1"), S(hash), true, true), IAM_E_EXISTS);
    assert_int_equal(iam_txn_login_profile_put(t, S("AIDAU1"), IAM_STR_NULL, false, false), IAM_OK);
    query_text(f->st, "SELECT password_hash FROM login_profiles WHERE user_id='AIDAU1'", buf, sizeof buf);
    assert_string_equal(buf, hash);
    assert_int_equal(query_int(f->st, "SELECT reset_required FROM login_profiles"), 0);
    assert_int_equal(iam_txn_user_delete(t, S("AIDAU1")), IAM_E_CONFLICT);
    assert_int_equal(iam_txn_login_profile_delete(t, S("AIDAU1")), IAM_OK);
    assert_int_equal(iam_txn_login_profile_delete(t, S("AIDAU1")), IAM_E_NOTFOUND);

    /* account: alias unique across accounts, password policy as JSON */
    assert_int_equal(iam_txn_account_create(t, S("210987654321")), IAM_OK);
    assert_int_equal(iam_txn_account_set_alias(t, S(ACCT), S("shared")), IAM_OK);
    assert_int_equal(iam_txn_account_set_alias(t, S("210987654321"), S("shared")), IAM_E_EXISTS);
    assert_int_equal(iam_txn_account_set_alias(t, S("999999999999"), S("x")), IAM_E_NOTFOUND);
    assert_int_equal(iam_txn_account_set_alias(t, S(ACCT), IAM_STR_NULL), IAM_OK);
    assert_int_equal(query_int(f->st, "SELECT alias IS NULL FROM accounts WHERE id='" ACCT "'"), 1);
    iam_password_policy pp = { .min_length = 14, .require_symbols = true, .max_age_days = 90 };
    assert_int_equal(iam_txn_account_set_password_policy(t, S(ACCT), &pp), IAM_OK);
    query_text(f->st, "SELECT password_policy FROM accounts WHERE id='" ACCT "'", buf, sizeof buf);
    assert_non_null(strstr(buf, "\"MinimumPasswordLength\":14"));
    assert_non_null(strstr(buf, "\"MaxPasswordAge\":90"));
    assert_int_equal(iam_txn_account_set_password_policy(t, S(ACCT), NULL), IAM_OK);
    assert_int_equal(query_int(f->st, "SELECT password_policy IS NULL FROM accounts WHERE id='" ACCT "'"), 1);

    /* OIDC client ids and thumbprints */
    static const char oidc[] = "arn:aws:iam::" ACCT ":oidc-provider/example.com";
    iam_str th[] = { IAM_STR("t1") };
    assert_int_equal(iam_txn_oidc_create(t, S(ACCT), S(oidc), S("https://example.com"), NULL, 0, th, 1), IAM_OK);
    assert_int_equal(iam_txn_oidc_add_client_id(t, S(oidc), S("c1")), IAM_OK);
    assert_int_equal(iam_txn_oidc_add_client_id(t, S(oidc), S("c1")), IAM_OK);
    assert_int_equal(iam_txn_oidc_add_client_id(t, S("arn:nope"), S("c1")), IAM_E_NOTFOUND);
    assert_int_equal(iam_txn_oidc_remove_client_id(t, S(oidc), S("absent")), IAM_OK);
    assert_int_equal(iam_txn_oidc_remove_client_id(t, S("arn:nope"), S("c1")), IAM_E_NOTFOUND);
    iam_str th2[] = { IAM_STR("x2"), IAM_STR("x1") };
    assert_int_equal(iam_txn_oidc_set_thumbprints(t, S(oidc), th2, 2), IAM_OK);
    query_text(f->st, "SELECT group_concat(thumbprint, ',') FROM (SELECT thumbprint FROM oidc_thumbprints"
               " ORDER BY pos)", buf, sizeof buf);
    assert_string_equal(buf, "x2,x1");
    assert_int_equal(iam_txn_tags_set(t, IAM_EK_OIDC_PROVIDER, S(oidc), &third, 1), IAM_OK);
    assert_int_equal(iam_txn_oidc_delete(t, S(oidc)), IAM_OK);
    assert_int_equal(iam_txn_oidc_delete(t, S(oidc)), IAM_E_NOTFOUND);
    assert_int_equal(query_int(f->st, "SELECT count(*) FROM oidc_client_ids"), 0);

    /* instance profiles */
    iam_new_principal ip = P("AIPAI1", "web"), ipdup = P("AIPAI2", "WEB");
    assert_int_equal(iam_txn_instance_profile_create(t, &ip), IAM_OK);
    assert_int_equal(iam_txn_instance_profile_create(t, &ipdup), IAM_E_EXISTS);
    assert_int_equal(iam_txn_instance_profile_add_role(t, S("AIPAI1"), S("AROAR1")), IAM_OK);
    assert_int_equal(iam_txn_instance_profile_add_role(t, S("AIPAI1"), S("AROAR1")), IAM_E_EXISTS);
    assert_int_equal(iam_txn_instance_profile_delete(t, S("AIPAI1")), IAM_E_CONFLICT);
    assert_int_equal(iam_txn_role_delete(t, S("AROAR1")), IAM_E_CONFLICT);
    assert_int_equal(iam_txn_instance_profile_remove_role(t, S("AIPAI1"), S("AROAR1")), IAM_OK);
    assert_int_equal(iam_txn_instance_profile_remove_role(t, S("AIPAI1"), S("AROAR1")), IAM_E_NOTFOUND);
    assert_int_equal(iam_txn_instance_profile_delete(t, S("AIPAI1")), IAM_OK);

    /* a role delete takes its tags and bindings */
    assert_int_equal(iam_txn_role_delete(t, S("AROAR1")), IAM_OK);
    assert_int_equal(query_int(f->st, "SELECT count(*) FROM tags"), 0);
    assert_int_equal(query_int(f->st, "SELECT count(*) FROM bindings"), 0);
    commit(t, NULL);
}

/* ---- managed policies ----------------------------------------------------------- */

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, true);
    assert_int_equal(fclose(fp), 0);
}

static void managed_sync(void **state)
{
    fixture *f = *state;
    char path[160], buf[256], id_a[IAM_ID_LEN + 1], id_b[IAM_ID_LEN + 1], sql[160];
    iam_diag d;
    seed(f->st);
    snprintf(path, sizeof path, "%s/managed.json", f->dir);
    write_file(path,
               "[{\"PolicyName\":\"ReadOnlyAccess\",\"Arn\":\"arn:aws:iam::aws:policy/ReadOnlyAccess\","
               "\"Path\":\"/\",\"DefaultVersionId\":\"v12\",\"Document\":{\"Version\":\"2012-10-17\","
               "\"Statement\":[{\"Effect\":\"Allow\",\"Resource\":\"*\",\"Action\":[\"s3:Get*\"]}]}},\n"
               " {\"PolicyName\":\"AdministratorAccess\",\"Arn\":\"arn:aws:iam::aws:policy/AdministratorAccess\","
               "\"Path\":\"/\",\"DefaultVersionId\":\"v1\",\"Document\":{\"Version\": \"2012-10-17\","
               "\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}]}}]\n");
    assert_int_equal(iam_store_sync_managed_policies(f->st, path, &d), IAM_OK);
    assert_int_equal(query_int(f->st, "SELECT count(*) FROM policies WHERE account='aws'"), 2);
    iam_id_derive("ANPA", S("arn:aws:iam::aws:policy/ReadOnlyAccess"), id_a);
    iam_id_derive("ANPA", S("arn:aws:iam::aws:policy/AdministratorAccess"), id_b);
    snprintf(sql, sizeof sql, "SELECT document FROM policy_versions WHERE policy_id='%s' AND version_id='v12'",
             id_a);
    query_text(f->st, sql, buf, sizeof buf);
    /* compact, keys in the file's order */
    assert_string_equal(buf, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Resource\":\"*\","
                             "\"Action\":[\"s3:Get*\"]}]}");
    snprintf(sql, sizeof sql, "SELECT default_version || next_version FROM policies WHERE id='%s'", id_a);
    query_text(f->st, sql, buf, sizeof buf);
    assert_string_equal(buf, "v1213");
    query_text(f->st, "SELECT value FROM meta WHERE key='managed_policies_sha256'", buf, sizeof buf);
    assert_int_equal(strlen(buf), 64);

    /* the same file again: nothing happens */
    int64_t changes = query_int(f->st, "SELECT count(*) FROM changes");
    assert_int_equal(iam_store_sync_managed_policies(f->st, path, &d), IAM_OK);
    assert_int_equal(query_int(f->st, "SELECT count(*) FROM changes"), changes);

    /* a new catalogue: ReadOnlyAccess gone (unattached: deleted),
     * AdministratorAccess gone but attached (kept), a new one, and a
     * changed document */
    iam_txn *t = begin(f->st);
    assert_int_equal(iam_txn_attach(t, IAM_EK_USER, S("AIDAU1"), S(id_b)), IAM_OK);
    commit(t, NULL);
    write_file(path, "[{\"PolicyName\":\"IAMReadOnlyAccess\",\"Arn\":\"arn:aws:iam::aws:policy/IAMReadOnlyAccess\","
                     "\"Path\":\"/\",\"DefaultVersionId\":\"v3\",\"Document\":{\"Statement\":[]}}]");
    assert_int_equal(iam_store_sync_managed_policies(f->st, path, &d), IAM_OK);
    assert_int_equal(query_int(f->st, "SELECT count(*) FROM policies WHERE account='aws'"), 2);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM policies WHERE id='%s'", id_a);
    assert_int_equal(query_int(f->st, sql), 0);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM policy_versions WHERE policy_id='%s'", id_a);
    assert_int_equal(query_int(f->st, sql), 0);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM policies WHERE id='%s'", id_b);
    assert_int_equal(query_int(f->st, sql), 1);

    /* bad files: nothing changes */
    changes = query_int(f->st, "SELECT count(*) FROM changes");
    write_file(path, "[{\"PolicyName\":\"X\"}]");
    assert_int_equal(iam_store_sync_managed_policies(f->st, path, &d), IAM_E_MALFORMED);
    write_file(path, "[{");
    assert_int_equal(iam_store_sync_managed_policies(f->st, path, &d), IAM_E_SYNTAX);
    snprintf(buf, sizeof buf, "%s/none.json", f->dir);
    assert_int_equal(iam_store_sync_managed_policies(f->st, buf, &d), IAM_E_NOTFOUND);
    assert_int_equal(query_int(f->st, "SELECT count(*) FROM changes"), changes);
    assert_int_equal(query_int(f->st, "SELECT count(*) FROM policies WHERE account='aws'"), 2);
}

/* The shipped catalogue, when the source tree is at hand. */
static void managed_sync_shipped(void **state)
{
    fixture *f = *state;
    const char *src = getenv("IAM_SOURCE_DIR");
    char path[512];
    iam_diag d;
    if (src == NULL)
        skip();
    snprintf(path, sizeof path, "%s/data/managed-policies.json", src);
    if (access(path, R_OK) != 0)
        skip();
    assert_int_equal(iam_store_sync_managed_policies(f->st, path, &d), IAM_OK);
    assert_true(query_int(f->st, "SELECT count(*) FROM policies WHERE account='aws'") > 1000);
    assert_int_equal(query_int(f->st, "SELECT count(*) FROM policies WHERE arn="
                                      "'arn:aws:iam::aws:policy/AdministratorAccess'"),
                     1);
    assert_int_equal(iam_store_sync_managed_policies(f->st, path, &d), IAM_OK);
}

/* ---- passwords ---------------------------------------------------------------- */

static void passwords(void **state)
{
    (void)state;
    char h1[IAM_PASSWORD_HASH_MAX], h2[IAM_PASSWORD_HASH_MAX];
    assert_int_equal(iam_password_hash(S("s3cret-Pa55"), h1), IAM_OK);
    assert_int_equal(iam_password_hash(S("s3cret-Pa55"), h2), IAM_OK);
    assert_string_not_equal(h1, h2); /* salted */
    assert_int_equal(strncmp(h1, "$argon2id$", 10), 0);
    assert_true(iam_password_verify(h1, S("s3cret-Pa55")));
    assert_true(iam_password_verify(h2, S("s3cret-Pa55")));
    assert_false(iam_password_verify(h1, S("s3cret-Pa56")));
    assert_false(iam_password_verify(h1, S("")));
    assert_false(iam_password_verify("garbage", S("s3cret-Pa55")));
    assert_false(iam_password_verify(NULL, S("x")));
}

/* ---- throughput smoke (CreateUser path) ------------------------------------------ */

static void many_small_txns(void **state)
{
    fixture *f = *state;
    seed(f->st);
    for (int i = 0; i < 200; i++) {
        char id[16], name[16];
        iam_changes ch;
        snprintf(id, sizeof id, "AIDAM%d", i);
        snprintf(name, sizeof name, "m%d", i);
        iam_new_principal u = P(id, name);
        iam_txn *t = begin(f->st);
        assert_int_equal(iam_txn_user_create(t, &u), IAM_OK);
        commit(t, &ch);
        assert_int_equal(ch.n, 1);
        iam_changes_free(&ch);
    }
    assert_int_equal(query_int(f->st, "SELECT count(*) FROM users"), 201);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(open_create_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(user_create_rename_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(foreign_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(policy_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(access_key_sealed, setup, teardown),
        cmocka_unit_test_setup_teardown(change_sets, setup, teardown),
        cmocka_unit_test_setup_teardown(rollback_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(tags_and_misc, setup, teardown),
        cmocka_unit_test_setup_teardown(managed_sync, setup, teardown),
        cmocka_unit_test_setup_teardown(managed_sync_shipped, setup, teardown),
        cmocka_unit_test(passwords),
        cmocka_unit_test_setup_teardown(many_small_txns, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
