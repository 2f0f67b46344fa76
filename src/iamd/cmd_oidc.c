/* cmd_oidc.c - `iamd oidc set-jwks`: sets the public keys (a JWKS document)
 * AssumeRoleWithWebIdentity verifies an OIDC provider's tokens with. AWS's
 * API has no call for this (AWS fetches the issuer's keys itself), so it is
 * an admin command working on the database directly, like `iamd account`:
 * a running server sees the keys after a restart (it reloads only on its
 * own writes). Fetching keys from the issuer's discovery document over
 * HTTPS is not implemented yet. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "iam/jwt.h"
#include "srv_int.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: iamd oidc set-jwks --data-dir DIR --provider-arn ARN --jwks-file FILE\n\n"
               "Sets the JWKS document (the provider's public signing keys, RS256/ES256) that\n"
               "AssumeRoleWithWebIdentity checks the tokens of OIDC provider ARN with. The provider\n"
               "must exist (CreateOpenIDConnectProvider). A running server uses the keys after its\n"
               "next restart.\n");
}

/* Reads at most IAM_JWKS_DOC_MAX bytes of `path` into a malloc'd buffer. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "iamd oidc set-jwks: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(IAM_JWKS_DOC_MAX + 1);
    size_t n = buf != NULL ? fread(buf, 1, IAM_JWKS_DOC_MAX + 1, f) : 0;
    bool err = ferror(f) != 0;
    fclose(f);
    if (buf == NULL || err || n > IAM_JWKS_DOC_MAX || n == 0) {
        fprintf(stderr, "iamd oidc set-jwks: %s: %s\n", path,
                buf == NULL ? "out of memory"
                : err       ? "read error"
                : n == 0    ? "empty file"
                            : "larger than the JWKS limit");
        free(buf);
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

/* Takes --NAME VALUE / --NAME=VALUE out of argv (compacting it). */
static bool take_opt(int *argc, char **argv, const char *name, const char **out)
{
    size_t nl = strlen(name);
    for (int i = 0; i < *argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0 || strncmp(a + 2, name, nl) != 0)
            continue;
        int used;
        if (a[2 + nl] == '=') {
            *out = a + 3 + nl;
            used = 1;
        } else if (a[2 + nl] == 0 && i + 1 < *argc) {
            *out = argv[i + 1];
            used = 2;
        } else {
            continue;
        }
        for (int k = i; k + used < *argc; k++)
            argv[k] = argv[k + used];
        *argc -= used;
        return true;
    }
    return false;
}

static int set_jwks(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
    const char *arn = NULL, *file = NULL;
    take_opt(&argc, argv, "provider-arn", &arn);
    take_opt(&argc, argv, "jwks-file", &file);
    if (arn == NULL || file == NULL || arn[0] == 0) {
        usage(stderr);
        return 2;
    }
    size_t len = 0;
    char *doc = read_file(file, &len);
    if (doc == NULL)
        return 1;
    /* Validate before writing: a document the server cannot use is refused
     * here rather than silently leaving the provider without keys. */
    iam_jwks *jwks = NULL;
    iam_diag diag;
    memset(&diag, 0, sizeof diag);
    iam_err err = iam_jwks_parse(doc, len, &jwks, &diag);
    if (err != IAM_OK) {
        fprintf(stderr, "iamd oidc set-jwks: %s is not a usable JWKS: %s %s\n", file, iam_err_str(err),
                diag.message);
        free(doc);
        return 1;
    }
    size_t usable = iam_jwks_count(jwks), skipped = iam_jwks_skipped(jwks);
    iam_jwks_free(jwks);
    if (usable == 0) {
        fprintf(stderr, "iamd oidc set-jwks: %s holds no RS256 or ES256 signing key\n", file);
        free(doc);
        return 1;
    }

    srv_config cfg;
    int rc = srv_config_parse(&cfg, SRV_CMD_ROOT_KEY, "oidc set-jwks", argc, argv);
    if (rc != 0) {
        srv_config_free(&cfg);
        free(doc);
        return rc == 2 ? 0 : 2;
    }
    char db[4096];
    snprintf(db, sizeof db, "%s/iamd.db", cfg.data_dir);
    iam_keyring *kr = NULL;
    iam_store *st = NULL;
    if (srv_open_keyring(&cfg, &kr) != IAM_OK)
        rc = 1;
    if (rc == 0) {
        memset(&diag, 0, sizeof diag);
        err = iam_store_open(db, false, kr, &st, &diag);
        if (err != IAM_OK) {
            fprintf(stderr, "iamd oidc set-jwks: cannot open %s (run iamd init first?): %s %s\n", db,
                    iam_err_str(err), diag.message);
            rc = 1;
        }
    }
    if (rc == 0) {
        iam_txn *t = NULL;
        err = iam_store_begin(st, iam_clock_now(iam_clock_system()), &t);
        if (err == IAM_OK)
            err = iam_txn_oidc_set_jwks(t, iam_str_from_cstr(arn), (iam_str){ doc, len });
        if (err == IAM_OK) {
            memset(&diag, 0, sizeof diag);
            err = iam_txn_commit(t, NULL, &diag);
            t = NULL;
        }
        iam_txn_rollback(t);
        if (err == IAM_E_NOTFOUND) {
            fprintf(stderr, "iamd oidc set-jwks: no OpenID Connect provider %s\n", arn);
            rc = 1;
        } else if (err != IAM_OK) {
            fprintf(stderr, "iamd oidc set-jwks: cannot store the keys: %s\n", iam_err_str(err));
            rc = 1;
        }
    }
    if (rc == 0)
        printf("%zu signing key(s) set for %s (%zu entries skipped as unusable); a running server uses them "
               "after a restart\n",
               usable, arn, skipped);
    iam_store_close(st);
    iam_keyring_free(kr);
    srv_config_free(&cfg);
    free(doc);
    return rc;
}

int srv_cmd_oidc(int argc, char **argv)
{
    if (argc >= 1 && strcmp(argv[0], "set-jwks") == 0)
        return set_jwks(argc - 1, argv + 1);
    usage(stderr);
    return 2;
}
