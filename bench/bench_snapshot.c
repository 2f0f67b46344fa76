/* bench_snapshot.c - the snapshot at DESIGN.md §4's size: 100,000 users
 * with 1,000,000 attachments (10 per user, over 1,000 customer policies),
 * written with plain SQL into a temporary SQLite store. Measures the full
 * load (time, peak RSS), a write made visible through apply() (one new
 * user; one new attachment, which re-links the ~1,000 users of that
 * policy), and the first policy-set build of a user. Prints medians.
 * Usage: bench_snapshot [users] [runs] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <sqlite3.h>

#include "bench_common.h"
#include "iam/crypto.h"
#include "iam/snapshot.h"
#include "iam/store.h"

#define ACCT "123456789012"
#define NPOL 1000
#define PER_USER 10

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "bench_snapshot: %s: %s\n", what, detail ? detail : "");
    exit(1);
}

static void exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        die(sql, msg);
}

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), dbl_cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, res = 0;
    if (f == NULL)
        return 0;
    if (fscanf(f, "%ld %ld", &pages, &res) != 2) /* fscanf is not on the banned list; sscanf is */
        res = 0;
    fclose(f);
    return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static void populate(sqlite3 *db, int users)
{
    sqlite3_stmt *pol, *ver, *usr, *att;
    char id[32], name[64], arn[128], doc[256];

    exec(db, "BEGIN");
    exec(db, "INSERT INTO accounts(id, created) VALUES('" ACCT "', 1)");
    sqlite3_prepare_v2(db, "INSERT INTO policies VALUES(?1, '" ACCT "', ?2, '/', ?3, NULL, 1, 1, 'v1', 2)", -1,
                       &pol, NULL);
    sqlite3_prepare_v2(db, "INSERT INTO policy_versions VALUES(?1, 'v1', 1, ?2, 1)", -1, &ver, NULL);
    for (int p = 0; p < NPOL; p++) {
        snprintf(id, sizeof id, "ANPA%016d", p);
        snprintf(name, sizeof name, "policy-%04d", p);
        snprintf(arn, sizeof arn, "arn:aws:iam::" ACCT ":policy/%s", name);
        snprintf(doc, sizeof doc,
                 "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":"
                 "[\"s3:GetObject\",\"s3:PutObject\"],\"Resource\":\"arn:aws:s3:::bucket-%d/*\"}]}",
                 p);
        sqlite3_bind_text(pol, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(pol, 2, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(pol, 3, arn, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(pol) != SQLITE_DONE)
            die("insert policy", sqlite3_errmsg(db));
        sqlite3_reset(pol);
        sqlite3_bind_text(ver, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ver, 2, doc, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(ver) != SQLITE_DONE)
            die("insert version", sqlite3_errmsg(db));
        sqlite3_reset(ver);
    }
    sqlite3_prepare_v2(db, "INSERT INTO users(id, account, name, path, created) VALUES(?1, '" ACCT "', ?2, '/', 1)",
                       -1, &usr, NULL);
    sqlite3_prepare_v2(db, "INSERT INTO attachments(policy_id, user_id) VALUES(?1, ?2)", -1, &att, NULL);
    for (int u = 0; u < users; u++) {
        snprintf(id, sizeof id, "AIDA%016d", u);
        snprintf(name, sizeof name, "user-%06d", u);
        sqlite3_bind_text(usr, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(usr, 2, name, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(usr) != SQLITE_DONE)
            die("insert user", sqlite3_errmsg(db));
        sqlite3_reset(usr);
        for (int j = 0; j < PER_USER; j++) {
            char pid[32];
            snprintf(pid, sizeof pid, "ANPA%016d", (u * 7 + j * 101) % NPOL);
            sqlite3_bind_text(att, 1, pid, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(att, 2, id, -1, SQLITE_TRANSIENT);
            if (sqlite3_step(att) != SQLITE_DONE)
                die("insert attachment", sqlite3_errmsg(db));
            sqlite3_reset(att);
        }
    }
    sqlite3_finalize(pol);
    sqlite3_finalize(ver);
    sqlite3_finalize(usr);
    sqlite3_finalize(att);
    exec(db, "COMMIT");
}

static iam_snapshot *timed_apply(iam_snapshot *prev, iam_store *st, iam_changes *ch, double *ms)
{
    iam_snapshot *next = NULL;
    iam_diag d = { 0 };
    uint64_t t0 = bench_now_ns();
    if (iam_snapshot_apply(prev, st, ch, &next, &d) != IAM_OK)
        die("apply", d.message);
    *ms = (double)(bench_now_ns() - t0) / 1e6;
    iam_snapshot_release(prev);
    return next;
}

int main(int argc, char **argv)
{
    int users = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 100000;
    int runs = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 5;
    char dir[] = "/tmp/bench_snapshot.XXXXXX", path[128];
    uint8_t master[IAM_MASTER_KEY_LEN] = { 1 };
    iam_keyring *kr = NULL;
    iam_store *st = NULL;
    sqlite3 *db = NULL;
    iam_diag d = { 0 };
    double load_ms[16], user_ms[16], att_ms[16], pol_us[16];
    struct rusage ru;

    if (runs < 1 || runs > 16 || users < 1)
        die("usage", "bench_snapshot [users] [runs<=16]");
    if (mkdtemp(dir) == NULL)
        die("mkdtemp", dir);
    snprintf(path, sizeof path, "%s/iam.db", dir);
    if (iam_keyring_new(master, 1, &kr) != IAM_OK || iam_store_open(path, true, kr, &st, &d) != IAM_OK)
        die("store", d.message);
    if (sqlite3_open(path, &db) != SQLITE_OK)
        die("open", path);
    exec(db, "PRAGMA busy_timeout = 5000");
    uint64_t t0 = bench_now_ns();
    populate(db, users);
    printf("populated %d users, %d attachments, %d policies in %.1f s\n", users, users * PER_USER, NPOL,
           (double)(bench_now_ns() - t0) / 1e9);
    long rss_before = rss_kib();

    iam_snapshot *s = NULL;
    for (int r = 0; r < runs; r++) {
        iam_snapshot *n = NULL;
        t0 = bench_now_ns();
        if (iam_snapshot_load(st, &n, &d) != IAM_OK)
            die("load", d.message);
        load_ms[r] = (double)(bench_now_ns() - t0) / 1e6;
        if (r == 0) {
            getrusage(RUSAGE_SELF, &ru);
            printf("after first load: peak RSS %ld MiB (before load %ld MiB, now %ld MiB)\n", ru.ru_maxrss / 1024,
                   rss_before / 1024, rss_kib() / 1024);
        }
        iam_snapshot_release(s);
        s = n;
    }

    for (int r = 0; r < runs; r++) {
        char id[32], sql[256];
        snprintf(id, sizeof id, "AIDANEW%013d", r);
        snprintf(sql, sizeof sql,
                 "INSERT INTO users(id, account, name, path, created) VALUES('%s', '" ACCT "', 'new-%d', '/', 2)",
                 id, r);
        exec(db, sql);
        iam_change c = { .kind = IAM_EK_USER };
        snprintf(c.id, sizeof c.id, "%s", id);
        iam_changes ch = { &c, 1, 1, 0 };
        s = timed_apply(s, st, &ch, &user_ms[r]);
        snprintf(sql, sizeof sql, "NEW-%d", r);
        if (iam_snap_user(s, IAM_STR(ACCT), iam_str_from_cstr(sql)) == NULL ||
            iam_snap_user_by_id(s, iam_str_from_cstr(id)) == NULL)
            die("apply", "new user not visible");
    }

    for (int r = 0; r < runs; r++) {
        int u = 1000 + r * 17;
        char uid[32], pid[32], sql[256];
        snprintf(uid, sizeof uid, "AIDA%016d", u);
        snprintf(pid, sizeof pid, "ANPA%016d", (u * 7 + 10) % NPOL); /* not among its 10 */
        snprintf(sql, sizeof sql, "INSERT INTO attachments(policy_id, user_id) VALUES('%s', '%s')", pid, uid);
        exec(db, sql);
        iam_change c[2] = { { .kind = IAM_EK_USER }, { .kind = IAM_EK_POLICY } };
        snprintf(c[0].id, sizeof c[0].id, "%s", uid);
        snprintf(c[1].id, sizeof c[1].id, "%s", pid);
        iam_changes ch = { c, 2, 2, 0 };
        s = timed_apply(s, st, &ch, &att_ms[r]);
        const iam_user *usr = iam_snap_user_by_id(s, iam_str_from_cstr(uid));
        if (usr == NULL || usr->n_attached != PER_USER + 1)
            die("apply", "attachment not visible");
    }

    for (int r = 0; r < runs; r++) {
        char uid[32];
        snprintf(uid, sizeof uid, "AIDA%016d", 5000 + r);
        const iam_user *usr = iam_snap_user_by_id(s, iam_str_from_cstr(uid));
        iam_principal_policies pp;
        t0 = bench_now_ns();
        if (iam_snap_user_policies(s, usr, &pp) != IAM_OK)
            die("policies", uid);
        pol_us[r] = (double)(bench_now_ns() - t0) / 1e3;
    }

    getrusage(RUSAGE_SELF, &ru);
    printf("load (median of %d):               %8.1f ms\n", runs, median(load_ms, runs));
    printf("apply, one new user (median):      %8.3f ms\n", median(user_ms, runs));
    printf("apply, one new attachment (median):%8.3f ms\n", median(att_ms, runs));
    printf("first policy set of a user (median):%7.1f us\n", median(pol_us, runs));
    printf("peak RSS: %ld MiB; RSS now: %ld MiB\n", ru.ru_maxrss / 1024, rss_kib() / 1024);

    iam_snapshot_release(s);
    sqlite3_close(db);
    iam_store_close(st);
    iam_keyring_free(kr);
    unlink(path);
    snprintf(path, sizeof path, "%s/iam.db-wal", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/iam.db-shm", dir);
    unlink(path);
    rmdir(dir);
    return 0;
}
