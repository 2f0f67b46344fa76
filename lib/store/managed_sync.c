/* managed_sync.c - loads the shipped catalogue of AWS-managed policies
 * (data/managed-policies.json: a JSON array of {PolicyName, Arn, Path,
 * DefaultVersionId, Document}) into the store as read-only policies of
 * account "aws", each with its default version only. The file's SHA-256 is
 * kept in meta, so a start with an unchanged file costs one hash and one
 * query; a changed file is applied in one transaction. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "iam/clock.h"
#include "store/store_int.h"

#define CATALOGUE_MAX (64u << 20) /* the shipped file is ~3.5 MB */
#define META_KEY "managed_policies_sha256"

static void jfree(void *p)
{
    json_free_t fn = NULL;
    json_get_alloc_funcs(NULL, &fn);
    fn(p);
}

/* One catalogue entry, validated. */
typedef struct entry {
    const char *name, *arn, *path, *version;
    int64_t num;
    char id[IAM_ID_LEN + 1];
} entry;

static int entry_cmp_id(const void *a, const void *b)
{
    return strcmp(((const entry *)a)->id, ((const entry *)b)->id);
}

static bool parse_entry(json_t *o, entry *e)
{
    const char *v;
    char *end = NULL;
    if (!json_is_object(o) || !json_is_object(json_object_get(o, "Document")))
        return false;
    e->name = json_string_value(json_object_get(o, "PolicyName"));
    e->arn = json_string_value(json_object_get(o, "Arn"));
    e->path = json_string_value(json_object_get(o, "Path"));
    e->version = json_string_value(json_object_get(o, "DefaultVersionId"));
    if (e->name == NULL || e->arn == NULL || e->version == NULL || e->name[0] == '\0' ||
        strncmp(e->arn, "arn:aws:iam::aws:policy/", 24) != 0)
        return false;
    if (e->path == NULL || e->path[0] == '\0')
        e->path = "/";
    v = e->version;
    if (v[0] != 'v' || v[1] < '1' || v[1] > '9')
        return false;
    long long num = strtoll(v + 1, &end, 10);
    if (end == NULL || *end != '\0' || num < 1 || num > 999999999)
        return false;
    e->num = num;
    iam_id_derive("ANPA", iam_str_from_cstr(e->arn), e->id);
    return true;
}

/* Inserts or refreshes one policy; touches it only when it changed. */
static iam_err apply_entry(iam_txn *t, const entry *e, const char *doc)
{
    static const char get[] =
        "SELECT p.name, p.path, p.default_version, v.document FROM policies p"
        " LEFT JOIN policy_versions v ON v.policy_id=p.id AND v.version_id=p.default_version WHERE p.id=?1";
    static const char del_versions[] = "DELETE FROM policy_versions WHERE policy_id=?1";
    static const char ins_version[] =
        "INSERT INTO policy_versions(policy_id, version_id, num, document, created) VALUES(?1, ?2, ?3, ?4, ?5)";
    static const char upd[] = "UPDATE policies SET name=?2, path=?3, default_version=?4, next_version=?5,"
                              " updated=?6 WHERE id=?1";
    iam_str id = iam_str_from_cstr(e->id);
    sqlite3_stmt *s;
    bool row = false;
    iam_err err;

    if ((err = iam__txn_stmt(t, get, &s)) != IAM_OK)
        return err;
    iam__bind_str(s, 1, id);
    if ((err = iam__txn_row(t, s, &row)) != IAM_OK)
        return err;
    if (!row) {
        iam_new_policy p = { IAM_STR(IAM_AWS_ACCOUNT), id, iam_str_from_cstr(e->name), iam_str_from_cstr(e->path),
                             IAM_STR_NULL, iam_str_from_cstr(doc) };
        return iam__txn_policy_insert(t, &p, iam_str_from_cstr(e->arn), iam_str_from_cstr(e->version), e->num);
    }
    const char *cur[4];
    for (int i = 0; i < 4; i++)
        cur[i] = (const char *)sqlite3_column_text(s, i);
    bool same = cur[0] && cur[1] && cur[2] && cur[3] && strcmp(cur[0], e->name) == 0 &&
                strcmp(cur[1], e->path) == 0 && strcmp(cur[2], e->version) == 0 && strcmp(cur[3], doc) == 0;
    sqlite3_reset(s);
    if (same)
        return IAM_OK;
    /* AWS-managed policies keep only the default version here: replace. */
    if ((err = iam__txn_stmt(t, del_versions, &s)) != IAM_OK)
        return err;
    iam__bind_str(s, 1, id);
    if ((err = iam__txn_run(t, s, IAM__OP_DELETE, NULL)) != IAM_OK)
        return err;
    if ((err = iam__txn_stmt(t, ins_version, &s)) != IAM_OK)
        return err;
    iam__bind_str(s, 1, id);
    iam__bind_cstr(s, 2, e->version);
    sqlite3_bind_int64(s, 3, e->num);
    iam__bind_cstr(s, 4, doc);
    sqlite3_bind_int64(s, 5, t->now);
    if ((err = iam__txn_run(t, s, IAM__OP_WRITE, NULL)) != IAM_OK)
        return err;
    if ((err = iam__txn_stmt(t, upd, &s)) != IAM_OK)
        return err;
    iam__bind_str(s, 1, id);
    iam__bind_cstr(s, 2, e->name);
    iam__bind_cstr(s, 3, e->path);
    iam__bind_cstr(s, 4, e->version);
    sqlite3_bind_int64(s, 5, e->num + 1);
    sqlite3_bind_int64(s, 6, t->now);
    if ((err = iam__txn_run(t, s, IAM__OP_WRITE, NULL)) != IAM_OK)
        return err;
    return iam__txn_touch(t, IAM_EK_POLICY, id);
}

/* Deletes AWS policies the catalogue no longer has, unless something still
 * uses them (attached or a boundary): those stay until detached. */
static iam_err remove_stale(iam_txn *t, const entry *sorted, size_t n)
{
    static const char list[] = "SELECT id FROM policies WHERE account='aws'";
    char (*stale)[IAM_ID_LEN + 1] = NULL;
    size_t n_stale = 0, cap = 0;
    sqlite3_stmt *s;
    bool row = false;
    iam_err err;

    if ((err = iam__txn_stmt(t, list, &s)) != IAM_OK)
        return err;
    /* Collect first: deleting while the query walks the table is not safe. */
    while ((err = iam__txn_row(t, s, &row)) == IAM_OK && row) {
        entry key;
        if (!iam__col_copy(s, 0, key.id, sizeof key.id))
            continue;
        if (bsearch(&key, sorted, n, sizeof *sorted, entry_cmp_id) != NULL)
            continue;
        if (!iam__grow((void **)&stale, &cap, n_stale + 1, sizeof *stale)) {
            sqlite3_reset(s);
            err = IAM_E_NOMEM;
            break;
        }
        memcpy(stale[n_stale++], key.id, sizeof key.id);
    }
    for (size_t i = 0; err == IAM_OK && i < n_stale; i++) {
        err = iam_txn_policy_delete(t, iam_str_from_cstr(stale[i]));
        if (err == IAM_E_CONFLICT || err == IAM_E_NOTFOUND)
            err = IAM_OK; /* still in use: kept */
    }
    iam__free(stale);
    return err;
}

iam_err iam_store_sync_managed_policies(iam_store *st, const char *path, iam_diag *diag)
{
    static const char get_hash[] = "SELECT value FROM meta WHERE key='" META_KEY "'";
    static const char set_hash[] = "INSERT OR REPLACE INTO meta(key, value) VALUES('" META_KEY "', ?1)";
    char *buf = NULL;
    size_t len = 0;
    uint8_t digest[32];
    char hex[65];
    json_t *root = NULL;
    entry *entries = NULL;
    iam_txn *t = NULL;
    sqlite3_stmt *s;
    bool row = false, described = false;
    iam_err err;

    if (st == NULL || path == NULL)
        return IAM_E_INVALID;
    if ((err = iam__read_file(path, CATALOGUE_MAX, &buf, &len, diag)) != IAM_OK)
        return err;
    iam_sha256(buf, len, digest);
    iam_hex_encode(digest, sizeof digest, hex);

    if ((err = iam_store_begin(st, iam_clock_now(iam_clock_system()), &t)) != IAM_OK)
        goto out;
    if ((err = iam__txn_stmt(t, get_hash, &s)) != IAM_OK || (err = iam__txn_row(t, s, &row)) != IAM_OK)
        goto out;
    if (row) {
        bool same = (size_t)sqlite3_column_bytes(s, 0) == 64 && memcmp(sqlite3_column_text(s, 0), hex, 64) == 0;
        sqlite3_reset(s);
        if (same) {
            iam_txn_rollback(t); /* nothing to do: the catalogue is loaded */
            t = NULL;
            goto out;
        }
    }

    json_error_t jerr;
    root = json_loadb(buf, len, 0, &jerr);
    if (root == NULL) {
        if (diag != NULL)
            iam__diag_set(diag, "", jerr.line, jerr.column, "%s: %s", path, jerr.text);
        described = true;
        err = IAM_E_SYNTAX;
        goto out;
    }
    if (!json_is_array(root)) {
        if (diag != NULL)
            iam__diag_set(diag, "", 0, 0, "%s: not a JSON array of policies", path);
        described = true;
        err = IAM_E_MALFORMED;
        goto out;
    }
    size_t n = json_array_size(root);
    entries = iam__calloc(n ? n : 1, sizeof *entries);
    if (entries == NULL) {
        err = IAM_E_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(root, i);
        entry *e = &entries[i];
        if (!parse_entry(o, e)) {
            if (diag != NULL)
                iam__diag_set(diag, "", 0, 0, "%s: policy %zu is not {PolicyName, Arn, Path, DefaultVersionId, "
                              "Document}", path, i);
            described = true;
            err = IAM_E_MALFORMED;
            goto out;
        }
        /* Compact, in the file's key order (jansson keeps insertion order). */
        char *doc = json_dumps(json_object_get(o, "Document"), JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (doc == NULL) {
            err = IAM_E_NOMEM;
            goto out;
        }
        err = apply_entry(t, e, doc);
        jfree(doc);
        if (err != IAM_OK) {
            if (diag != NULL)
                iam__diag_set(diag, "", 0, 0, "%s: %s: %s", path, e->name, t->errmsg);
            described = true;
            goto out;
        }
    }
    qsort(entries, n, sizeof *entries, entry_cmp_id);
    for (size_t i = 1; i < n; i++) {
        if (strcmp(entries[i - 1].id, entries[i].id) == 0) {
            if (diag != NULL)
                iam__diag_set(diag, "", 0, 0, "%s: policy %s listed twice", path, entries[i].arn);
            described = true;
            err = IAM_E_MALFORMED;
            goto out;
        }
    }
    if ((err = remove_stale(t, entries, n)) != IAM_OK)
        goto out;
    if ((err = iam__txn_stmt(t, set_hash, &s)) != IAM_OK)
        goto out;
    iam__bind_str(s, 1, (iam_str){ hex, 64 });
    if ((err = iam__txn_run(t, s, IAM__OP_WRITE, NULL)) != IAM_OK)
        goto out;
    err = iam_txn_commit(t, NULL, diag);
    t = NULL;
out:
    if (t != NULL) {
        if (err != IAM_OK && diag != NULL && !described)
            iam__diag_set(diag, "", 0, 0, "%s", t->errmsg);
        iam_txn_rollback(t);
    }
    json_decref(root);
    iam__free(entries);
    iam__free(buf);
    return err;
}
