/* cmd_account.c - `iamd account create` (another account with its own admin
 * user, key and DATA_DIR/accounts/ID/admin-credentials) and `iamd account
 * root-key` (the account root's break-glass access key, which the API never
 * issues). Both work on the database directly; a running server sees the
 * change after a restart. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "srv_int.h"

static int open_store(const srv_config *cfg, iam_keyring **kr, iam_store **st)
{
    char db[4096];
    snprintf(db, sizeof db, "%s/iamd.db", cfg->data_dir);
    if (srv_open_keyring(cfg, kr) != IAM_OK)
        return 1;
    iam_diag diag;
    memset(&diag, 0, sizeof diag);
    iam_err err = iam_store_open(db, false, *kr, st, &diag);
    if (err != IAM_OK) {
        fprintf(stderr, "iamd account: cannot open %s (run iamd init first?): %s %s\n", db, iam_err_str(err),
                diag.message);
        return 1;
    }
    return 0;
}

static int account_dir(const srv_config *cfg, const char *acct, char *out, size_t cap)
{
    char parent[4096];
    snprintf(parent, sizeof parent, "%s/accounts", cfg->data_dir);
    snprintf(out, cap, "%s/%s", parent, acct);
    if ((mkdir(parent, 0700) != 0 && errno != EEXIST) || (mkdir(out, 0700) != 0 && errno != EEXIST)) {
        fprintf(stderr, "iamd account: cannot create %s: %s\n", out, strerror(errno));
        return 1;
    }
    return 0;
}

static int cmd_create(int argc, char **argv)
{
    srv_config cfg;
    int rc = srv_config_parse(&cfg, SRV_CMD_ACCOUNT_CREATE, "account create", argc, argv);
    if (rc != 0) {
        srv_config_free(&cfg);
        return rc == 2 ? 0 : 2;
    }
    iam_keyring *kr = NULL;
    iam_store *st = NULL;
    rc = open_store(&cfg, &kr, &st);
    char acct[13], dir[4200], creds[4300], errbuf[512];
    if (rc == 0) {
        if (cfg.account_id != NULL) {
            snprintf(acct, sizeof acct, "%s", cfg.account_id);
        } else if (iam_account_id_new(acct) != IAM_OK) {
            fprintf(stderr, "iamd account create: cannot make an account id\n");
            rc = 1;
        }
    }
    if (rc == 0)
        rc = account_dir(&cfg, acct, dir, sizeof dir);
    if (rc == 0) {
        snprintf(creds, sizeof creds, "%s/admin-credentials", dir);
        if (srv_create_account_with_admin(st, acct, creds, iam_clock_system(), errbuf, sizeof errbuf) != IAM_OK) {
            fprintf(stderr, "iamd account create: %s\n", errbuf);
            rc = 1;
        }
    }
    if (rc == 0)
        printf("account id: %s\n%s\n", acct, creds);
    iam_store_close(st);
    iam_keyring_free(kr);
    srv_config_free(&cfg);
    return rc;
}

static int cmd_root_key(int argc, char **argv)
{
    srv_config cfg;
    int rc = srv_config_parse(&cfg, SRV_CMD_ROOT_KEY, "account root-key", argc, argv);
    if (rc != 0) {
        srv_config_free(&cfg);
        return rc == 2 ? 0 : 2;
    }
    if (cfg.account_id == NULL) {
        fprintf(stderr, "iamd account root-key: --account-id is required\n");
        srv_config_free(&cfg);
        return 2;
    }
    iam_keyring *kr = NULL;
    iam_store *st = NULL;
    iam_snapshot *snap = NULL;
    rc = open_store(&cfg, &kr, &st);
    char kid[IAM_ID_LEN + 1], secret[IAM_SECRET_KEY_LEN + 1], dir[4200], path[4300], errbuf[512];
    iam_diag diag;
    memset(&diag, 0, sizeof diag);
    if (rc == 0 && iam_snapshot_load(st, &snap, &diag) != IAM_OK) {
        fprintf(stderr, "iamd account root-key: cannot load the store: %s\n", diag.message);
        rc = 1;
    }
    if (rc == 0 && iam_snap_account(snap, iam_str_from_cstr(cfg.account_id)) == NULL) {
        fprintf(stderr, "iamd account root-key: no account %s\n", cfg.account_id);
        rc = 1;
    }
    if (rc == 0 && (iam_id_new("AKIA", kid) != IAM_OK || iam_secret_key_new(secret) != IAM_OK)) {
        fprintf(stderr, "iamd account root-key: cannot make a key\n");
        rc = 1;
    }
    if (rc == 0)
        rc = account_dir(&cfg, cfg.account_id, dir, sizeof dir);
    if (rc == 0) {
        snprintf(path, sizeof path, "%s/root-credentials-%s", dir, kid);
        if (!srv_write_credentials(path, kid, secret, errbuf, sizeof errbuf)) {
            fprintf(stderr, "iamd account root-key: %s\n", errbuf);
            rc = 1;
        }
    }
    if (rc == 0) {
        iam_txn *t = NULL;
        iam_err err = iam_store_begin(st, iam_clock_now(iam_clock_system()), &t);
        if (err == IAM_OK)
            err = iam_txn_access_key_create(t, iam_str_from_cstr(cfg.account_id), IAM_STR(""),
                                            iam_str_from_cstr(kid), iam_str_from_cstr(secret));
        if (err == IAM_OK) {
            err = iam_txn_commit(t, NULL, &diag);
            t = NULL;
        }
        iam_txn_rollback(t);
        if (err != IAM_OK) {
            fprintf(stderr, "iamd account root-key: cannot store the key: %s\n", iam_err_str(err));
            remove(path);
            rc = 1;
        }
    }
    iam_wipe(secret, sizeof secret);
    if (rc == 0)
        printf("root access key %s for account %s (keep it offline; delete the file once stored safely):\n%s\n",
               kid, cfg.account_id, path);
    iam_snapshot_release(snap);
    iam_store_close(st);
    iam_keyring_free(kr);
    srv_config_free(&cfg);
    return rc;
}

int srv_cmd_account(int argc, char **argv)
{
    if (argc >= 1 && strcmp(argv[0], "create") == 0)
        return cmd_create(argc - 1, argv + 1);
    if (argc >= 1 && strcmp(argv[0], "root-key") == 0)
        return cmd_root_key(argc - 1, argv + 1);
    fprintf(stderr, "usage: iamd account create --data-dir DIR [--account-id ID]\n"
                    "       iamd account root-key --data-dir DIR --account-id ID\n");
    return 2;
}
