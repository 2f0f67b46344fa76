/* cmd_init.c - `iamd init`: creates the data directory (0700), the master
 * key (0600), the SQLite database with the AWS-managed policies, the first
 * account and its `admin` user with AdministratorAccess and one access key,
 * written to DATA_DIR/admin-credentials (0600) in the AWS shared-credentials
 * format. Refuses to touch an initialised directory. Also the helpers that
 * `iamd account` shares. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "srv_int.h"

#define ADMIN_POLICY_ARN "arn:aws:iam::aws:policy/AdministratorAccess"

const char *srv_data_files_dir(const srv_config *cfg)
{
    return cfg->data_files ? cfg->data_files : IAMD_DATA_DIR;
}

static char *path_join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    if (p != NULL)
        snprintf(p, n, "%s/%s", a, b);
    return p;
}

iam_err srv_open_keyring(const srv_config *cfg, iam_keyring **out)
{
    char *def = NULL;
    const char *path = cfg->master_key_file;
    if (path == NULL)
        path = def = path_join(cfg->data_dir, "master.key");
    if (path == NULL)
        return IAM_E_NOMEM;
    uint8_t mk[IAM_MASTER_KEY_LEN];
    iam_diag diag;
    memset(&diag, 0, sizeof diag);
    iam_err err = iam_master_key_load(path, mk, &diag);
    if (err != IAM_OK) {
        fprintf(stderr, "iamd: cannot load the master key %s: %s%s%s\n", path, iam_err_str(err),
                diag.message[0] ? ": " : "", diag.message);
        free(def);
        return err;
    }
    free(def);
    err = iam_keyring_new(mk, 1, out);
    iam_wipe(mk, sizeof mk);
    return err;
}

bool srv_write_credentials(const char *path, const char *key_id, const char *secret, char *errbuf, size_t errcap)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(errbuf, errcap, "cannot create %s: %s", path, strerror(errno));
        return false;
    }
    char buf[256];
    int n = snprintf(buf, sizeof buf, "[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n", key_id,
                     secret);
    bool ok = n > 0 && (size_t)n < sizeof buf && write(fd, buf, (size_t)n) == n && fsync(fd) == 0;
    iam_wipe(buf, sizeof buf);
    if (close(fd) != 0)
        ok = false;
    if (!ok) {
        snprintf(errbuf, errcap, "cannot write %s: %s", path, strerror(errno));
        unlink(path);
    }
    return ok;
}

/* The id of AdministratorAccess as the store has it (the snapshot), or the
 * id derived from its ARN when it is not there. */
static bool admin_policy_id(iam_store *st, char out[IAM_ID_LEN + 1], char *errbuf, size_t errcap)
{
    iam_snapshot *snap = NULL;
    iam_diag diag;
    memset(&diag, 0, sizeof diag);
    iam_err err = iam_snapshot_load(st, &snap, &diag);
    if (err != IAM_OK) {
        snprintf(errbuf, errcap, "cannot load the store: %s %s", iam_err_str(err), diag.message);
        return false;
    }
    const iam_managed_policy *p = iam_snap_policy_by_arn(snap, IAM_STR(ADMIN_POLICY_ARN));
    if (p == NULL) {
        iam_snapshot_release(snap);
        snprintf(errbuf, errcap, "%s is not in the store: are the managed-policy data files installed?",
                 ADMIN_POLICY_ARN);
        return false;
    }
    snprintf(out, IAM_ID_LEN + 1, "%s", p->id);
    iam_snapshot_release(snap);
    return true;
}

iam_err srv_create_account_with_admin(iam_store *st, const char *account_id, const char *cred_path,
                                      const iam_clock *clock, char *errbuf, size_t errcap)
{
    char pid[IAM_ID_LEN + 1], uid[IAM_ID_LEN + 1], kid[IAM_ID_LEN + 1], secret[IAM_SECRET_KEY_LEN + 1];
    if (!admin_policy_id(st, pid, errbuf, errcap))
        return IAM_E_NOTFOUND;
    iam_err err = iam_id_new("AIDA", uid);
    if (err == IAM_OK)
        err = iam_id_new("AKIA", kid);
    if (err == IAM_OK)
        err = iam_secret_key_new(secret);
    if (err != IAM_OK) {
        snprintf(errbuf, errcap, "cannot make identifiers: %s", iam_err_str(err));
        return err;
    }
    /* The credentials file first: if it cannot be created nothing is
     * written to the store, and a failed commit removes it again. */
    if (!srv_write_credentials(cred_path, kid, secret, errbuf, errcap)) {
        iam_wipe(secret, sizeof secret);
        return IAM_E_IO;
    }
    iam_txn *t = NULL;
    iam_str acct = iam_str_from_cstr(account_id);
    const char *step = "begin";
    err = iam_store_begin(st, iam_clock_now(clock), &t);
    if (err == IAM_OK) {
        step = "create the account";
        err = iam_txn_account_create(t, acct);
    }
    if (err == IAM_OK) {
        step = "create the admin user";
        iam_new_principal u = { acct, iam_str_from_cstr(uid), IAM_STR("admin"), IAM_STR("/") };
        err = iam_txn_user_create(t, &u);
    }
    if (err == IAM_OK) {
        step = "attach AdministratorAccess";
        err = iam_txn_attach(t, IAM_EK_USER, iam_str_from_cstr(uid), iam_str_from_cstr(pid));
    }
    if (err == IAM_OK) {
        step = "create the access key";
        err = iam_txn_access_key_create(t, acct, iam_str_from_cstr(uid), iam_str_from_cstr(kid),
                                        iam_str_from_cstr(secret));
    }
    iam_wipe(secret, sizeof secret);
    if (err == IAM_OK) {
        step = "commit";
        iam_diag diag;
        memset(&diag, 0, sizeof diag);
        err = iam_txn_commit(t, NULL, &diag);
        t = NULL;
    }
    if (err != IAM_OK) {
        iam_txn_rollback(t);
        unlink(cred_path);
        if (err == IAM_E_EXISTS && strcmp(step, "create the account") == 0)
            snprintf(errbuf, errcap, "account %s already exists", account_id);
        else
            snprintf(errbuf, errcap, "cannot %s: %s", step, iam_err_str(err));
    }
    return err;
}

/* mkdir -p: parents 0755, the data directory itself 0700. */
static bool mkdir_p(const char *dir)
{
    char p[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof p)
        return false;
    memcpy(p, dir, n + 1);
    for (size_t i = 1; i < n; i++) {
        if (p[i] != '/')
            continue;
        p[i] = 0;
        if (mkdir(p, 0755) != 0 && errno != EEXIST)
            return false;
        p[i] = '/';
    }
    return mkdir(p, 0700) == 0 || errno == EEXIST;
}

static bool exists(const char *path)
{
    struct stat sb;
    return lstat(path, &sb) == 0;
}

int srv_cmd_init(int argc, char **argv)
{
    srv_config cfg;
    int rc = srv_config_parse(&cfg, SRV_CMD_INIT, "init", argc, argv);
    if (rc != 0) {
        srv_config_free(&cfg);
        return rc == 2 ? 0 : 2;
    }
    char *db = path_join(cfg.data_dir, "iamd.db");
    char *creds = path_join(cfg.data_dir, "admin-credentials");
    char *mk_default = path_join(cfg.data_dir, "master.key");
    char *policies = path_join(srv_data_files_dir(&cfg), "managed-policies.json");
    char errbuf[512] = "";
    iam_keyring *kr = NULL;
    iam_store *st = NULL;
    bool created_mk = false, created_db = false;
    rc = 1;
    if (db == NULL || creds == NULL || mk_default == NULL || policies == NULL) {
        fprintf(stderr, "iamd init: out of memory\n");
        goto out;
    }
    if (exists(db) || exists(creds) || (cfg.master_key_file == NULL && exists(mk_default))) {
        fprintf(stderr, "iamd init: %s is already initialised; refusing to overwrite anything\n", cfg.data_dir);
        goto out;
    }
    if (access(policies, R_OK) != 0) {
        fprintf(stderr, "iamd init: cannot read %s (set --data-files DIR or IAMD_DATA_FILES): %s\n", policies,
                strerror(errno));
        goto out;
    }
    if (!mkdir_p(cfg.data_dir)) {
        fprintf(stderr, "iamd init: cannot create %s: %s\n", cfg.data_dir, strerror(errno));
        goto out;
    }
    if (cfg.master_key_file == NULL) {
        iam_diag diag;
        memset(&diag, 0, sizeof diag);
        iam_err err = iam_master_key_create(mk_default, &diag);
        if (err != IAM_OK) {
            fprintf(stderr, "iamd init: cannot create the master key %s: %s %s\n", mk_default, iam_err_str(err),
                    diag.message);
            goto out;
        }
        created_mk = true;
    }
    if (srv_open_keyring(&cfg, &kr) != IAM_OK)
        goto out;
    iam_diag diag;
    memset(&diag, 0, sizeof diag);
    iam_err err = iam_store_open(db, true, kr, &st, &diag);
    if (err != IAM_OK) {
        fprintf(stderr, "iamd init: cannot create the database %s: %s %s\n", db, iam_err_str(err), diag.message);
        goto out;
    }
    created_db = true;
    memset(&diag, 0, sizeof diag);
    err = iam_store_sync_managed_policies(st, policies, &diag);
    if (err != IAM_OK) {
        fprintf(stderr, "iamd init: cannot load %s: %s %s\n", policies, iam_err_str(err), diag.message);
        goto out;
    }
    char acct[13];
    if (cfg.account_id != NULL) {
        snprintf(acct, sizeof acct, "%s", cfg.account_id);
    } else if (iam_account_id_new(acct) != IAM_OK) {
        fprintf(stderr, "iamd init: cannot make an account id\n");
        goto out;
    }
    err = srv_create_account_with_admin(st, acct, creds, iam_clock_system(), errbuf, sizeof errbuf);
    if (err != IAM_OK) {
        fprintf(stderr, "iamd init: %s\n", errbuf);
        goto out;
    }
    printf("initialised %s\naccount id: %s\nadmin credentials: %s\n", cfg.data_dir, acct, creds);
    printf("try: AWS_SHARED_CREDENTIALS_FILE=%s aws --endpoint-url http://127.0.0.1:8080 iam get-user\n", creds);
    rc = 0;
out:
    iam_store_close(st);
    if (rc != 0 && created_db) {
        /* Leave no half-initialised directory behind: a retry must work. */
        const char *suffix[] = { "", "-wal", "-shm", "-journal" };
        for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
            char p[4096];
            snprintf(p, sizeof p, "%s%s", db, suffix[i]);
            unlink(p);
        }
    }
    if (rc != 0 && created_mk)
        unlink(mk_default);
    iam_keyring_free(kr);
    free(db);
    free(creds);
    free(mk_default);
    free(policies);
    srv_config_free(&cfg);
    return rc;
}
