/* cmd_serve.c - `iamd serve`: loads the master key, opens the store (syncing
 * the shipped AWS-managed policies), loads the snapshot, starts the HTTP
 * front end, drops root privileges (after binding and opening the
 * database), and runs until SIGTERM/SIGINT, then drains in-flight requests,
 * flushes the key last-use queue, closes the store and exits 0.
 * Signals are taken with sigwait in the main thread: every other thread
 * starts with them blocked. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* setgroups */
#endif
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include "oidc_fetch.h"
#include "srv_int.h"

#define DRAIN_MS 10000

static bool chown_if_exists(const char *path, uid_t uid, gid_t gid)
{
    if (chown(path, uid, gid) == 0 || errno == ENOENT)
        return true;
    srv_log(SRV_LOG_ERROR, "cannot hand a data file to the service user", "path", path, "error", strerror(errno),
            NULL);
    return false;
}

/* Running as root: become --user (default iamd if it exists, else nobody).
 * SQLite keeps its database, -wal and -shm files open, but it creates and
 * deletes files next to the database too, so the data directory and the
 * database files are handed to the service user first. */
static bool drop_privileges(const srv_config *cfg)
{
    if (geteuid() != 0)
        return true;
    const char *name = cfg->user;
    struct passwd *pw = NULL;
    if (name != NULL) {
        pw = getpwnam(name);
    } else {
        pw = getpwnam("iamd");
        name = "iamd";
        if (pw == NULL) {
            pw = getpwnam("nobody");
            name = "nobody";
        }
    }
    if (pw == NULL) {
        srv_log(SRV_LOG_ERROR, "no such user to run as", "user", name, NULL);
        return false;
    }
    if (pw->pw_uid == 0)
        return true; /* asked to stay root */
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    char p[4096];
    bool ok = chown_if_exists(cfg->data_dir, uid, gid);
    const char *files[] = { "iamd.db", "iamd.db-wal", "iamd.db-shm", "iamd.db-journal" };
    for (size_t i = 0; ok && i < sizeof files / sizeof files[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", cfg->data_dir, files[i]);
        ok = chown_if_exists(p, uid, gid);
    }
    if (!ok)
        return false;
    if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
        srv_log(SRV_LOG_ERROR, "cannot drop privileges", "user", name, "error", strerror(errno), NULL);
        return false;
    }
    if (setuid(0) == 0) {
        srv_log(SRV_LOG_ERROR, "privileges could be regained after dropping them", NULL);
        return false;
    }
    srv_log(SRV_LOG_INFO, "dropped privileges", "user", name, NULL);
    return true;
}

int srv_cmd_serve(int argc, char **argv)
{
    srv_config cfg;
    int rc = srv_config_parse(&cfg, SRV_CMD_SERVE, "serve", argc, argv);
    if (rc != 0) {
        srv_config_free(&cfg);
        return rc == 2 ? 0 : 2;
    }
    int64_t t0 = srv_mono_ns();
    /* Block the stop signals before any thread exists, so every thread
     * inherits the mask and only sigwait below sees them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    srv_server s;
    memset(&s, 0, sizeof s);
    s.cfg = &cfg;
    s.clock = iam_clock_system();
    pthread_mutex_init(&s.write_mu, NULL);
    s.accepted_regions[s.n_accepted_regions++] = iam_str_from_cstr(cfg.region);
    if (strcmp(cfg.region, "us-east-1") != 0)
        s.accepted_regions[s.n_accepted_regions++] = IAM_STR("us-east-1");
    rc = 1;
    char db[4096], policies[4096];
    snprintf(db, sizeof db, "%s/iamd.db", cfg.data_dir);
    snprintf(policies, sizeof policies, "%s/managed-policies.json", srv_data_files_dir(&cfg));
    iam_diag diag;
    memset(&diag, 0, sizeof diag);
    iam_err err;
    iam_snapshot *first = NULL;
    bool http_started = false;

    if (!srv_oidc_global_init(&cfg) || srv_open_keyring(&cfg, &s.keyring) != IAM_OK)
        goto out;
    err = iam_store_open(db, false, s.keyring, &s.store, &diag);
    if (err != IAM_OK) {
        srv_log(SRV_LOG_ERROR, "cannot open the database (run iamd init first?)", "path", db, "error",
                iam_err_str(err), "detail", diag.message, NULL);
        goto out;
    }
    memset(&diag, 0, sizeof diag);
    err = iam_store_sync_managed_policies(s.store, policies, &diag);
    if (err != IAM_OK) /* the catalogue loaded at init stays usable */
        srv_log(SRV_LOG_WARN, "cannot sync the AWS-managed policies", "path", policies, "error", iam_err_str(err),
                "detail", diag.message, NULL);
    memset(&diag, 0, sizeof diag);
    err = iam_snapshot_load(s.store, &first, &diag);
    if (err == IAM_OK)
        err = iam_snapshot_holder_new(first, &s.holder);
    if (err != IAM_OK) {
        iam_snapshot_release(first);
        srv_log(SRV_LOG_ERROR, "cannot load the snapshot", "error", iam_err_str(err), "detail", diag.message, NULL);
        goto out;
    }
    if (iam_sigv4_key_cache_new(4096, &s.key_cache) != IAM_OK || srv_sigkeys_new(&s.sigkeys) != IAM_OK ||
        srv_server_routes_init(&s) != IAM_OK ||
        srv_touch_start(&s) != IAM_OK) {
        srv_log(SRV_LOG_ERROR, "out of memory at start-up", NULL);
        goto out;
    }
    unsigned port = 0;
    if (srv_http_start(&s, &port) != IAM_OK)
        goto out;
    http_started = true;
    if (!drop_privileges(&cfg))
        goto out;
    {
        char portb[8], threads[8], ms[24], rev[24], actions[8];
        snprintf(portb, sizeof portb, "%u", port);
        snprintf(threads, sizeof threads, "%u", cfg.threads);
        snprintf(ms, sizeof ms, "%lld", (long long)((srv_mono_ns() - t0) / 1000000));
        snprintf(rev, sizeof rev, "%lld", (long long)iam_snapshot_revision(first));
        snprintf(actions, sizeof actions, "%zu", s.n_routes);
        srv_log(SRV_LOG_INFO, "listening", "listen", cfg.listen, "#port", portb, "tls",
                cfg.tls_cert ? "true" : "false", "region", cfg.region, "#threads", threads, "#actions", actions,
                "#revision", rev, "#startup_ms", ms, "version", IAMD_VERSION, NULL);
    }
    int sig = 0;
    while (sigwait(&stop, &sig) != 0)
        ;
    srv_log(SRV_LOG_INFO, "stopping", "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT", NULL);
    rc = 0;
out:
    if (http_started)
        srv_http_stop(&s, DRAIN_MS);
    srv_touch_stop(&s);
    srv_audit_close(s.audit);
    iam_snapshot_holder_free(s.holder);
    iam_sigv4_key_cache_free(s.key_cache);
    srv_sigkeys_free(s.sigkeys);
    srv_server_routes_free(&s);
    iam_store_close(s.store);
    iam_keyring_free(s.keyring);
    pthread_mutex_destroy(&s.write_mu);
    srv_oidc_global_cleanup();
    if (rc == 0)
        srv_log(SRV_LOG_INFO, "stopped", NULL);
    srv_config_free(&cfg);
    return rc;
}
