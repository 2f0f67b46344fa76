/* bench/bench_scaling.c - does a decision cost grow with the statements that
 * can match the request's action (candidates), or with all statements?
 * One principal holds a small base policy on s3 and N added statements of
 * one of three kinds (policies of 50 statements, built in code):
 *   other-svc   statements on 16 other services: never candidates, the p50
 *               should stay flat as N grows;
 *   s3-other    s3 statements naming other s3 actions: not candidates for an
 *               index that keys statements by action;
 *   candidates  statements on the very actions requested, with resources
 *               that never match: every one must be examined, so the cost
 *               grows with N (the control column).
 * Eight requests (Allow, ImplicitDeny and ExplicitDeny) are cycled; every
 * decision is checked against its expected value. Prints a table.
 *
 *   bench_scaling [--seconds S] [--max N]
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iam/context.h"
#include "iam/err.h"
#include "iam/eval.h"
#include "iam/policy.h"
#include "iam/str.h"

#include "bench_common.h"

#define STMTS_PER_POLICY 50
#define ACCOUNT "111122223333"
#define PRINCIPAL "arn:aws:iam::" ACCOUNT ":user/bench-user"

/* ---- a growable text buffer ------------------------------------------- */

typedef struct sbuf {
    char *p;
    size_t len, cap;
    bool oom;
} sbuf;

static void sb_add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_add(sbuf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        int n;
        if (b->oom)
            return;
        va_start(ap, fmt);
        n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = true;
            return;
        }
        if (b->p && (size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t ncap = b->cap ? b->cap * 2 : 4096;
        while (ncap - b->len <= (size_t)n)
            ncap *= 2;
        char *np = realloc(b->p, ncap);
        if (np == NULL) {
            b->oom = true;
            return;
        }
        b->p = np;
        b->cap = ncap;
    }
}

/* ---- the synthetic principal ---------------------------------------------- */

static const char base_policy[] =
    "{\"Version\":\"2012-10-17\",\"Statement\":["
    "{\"Sid\":\"ReadData\",\"Effect\":\"Allow\",\"Action\":\"s3:Get*\","
    "\"Resource\":\"arn:aws:s3:::bench-data/*\"},"
    "{\"Sid\":\"List\",\"Effect\":\"Allow\",\"Action\":\"s3:ListBucket\","
    "\"Resource\":\"arn:aws:s3:::bench-data\"},"
    "{\"Sid\":\"UploadWithMfa\",\"Effect\":\"Allow\",\"Action\":\"s3:PutObject\","
    "\"Resource\":\"arn:aws:s3:::bench-data/uploads/*\","
    "\"Condition\":{\"Bool\":{\"aws:MultiFactorAuthPresent\":\"true\"}}},"
    "{\"Sid\":\"NoDeleteOutside\",\"Effect\":\"Deny\",\"Action\":\"s3:Delete*\",\"Resource\":\"*\","
    "\"Condition\":{\"NotIpAddress\":{\"aws:SourceIp\":\"10.0.0.0/8\"}}},"
    "{\"Sid\":\"PlatformDeletes\",\"Effect\":\"Allow\",\"Action\":\"s3:DeleteObject\","
    "\"Resource\":\"arn:aws:s3:::bench-data/*\","
    "\"Condition\":{\"StringEquals\":{\"aws:PrincipalTag/team\":\"platform\"}}},"
    "{\"Sid\":\"Table\",\"Effect\":\"Allow\",\"Action\":\"dynamodb:GetItem\","
    "\"Resource\":\"arn:aws:dynamodb:us-east-1:" ACCOUNT ":table/bench\"}]}";

typedef struct sreq {
    const char *action, *resource, *ip, *mfa; /* mfa NULL: key absent */
    iam_decision want;
} sreq;

static const sreq requests[] = {
    { "s3:GetObject", "arn:aws:s3:::bench-data/reports/q1.csv", "10.1.2.3", "true", IAM_ALLOW },
    { "s3:ListBucket", "arn:aws:s3:::bench-data", "54.1.2.3", "false", IAM_ALLOW },
    { "s3:PutObject", "arn:aws:s3:::bench-data/uploads/x.bin", "10.1.2.3", "true", IAM_ALLOW },
    { "s3:PutObject", "arn:aws:s3:::bench-data/uploads/x.bin", "10.1.2.3", NULL, IAM_IMPLICIT_DENY },
    { "s3:DeleteObject", "arn:aws:s3:::bench-data/old.csv", "54.1.2.3", "true", IAM_EXPLICIT_DENY },
    { "s3:DeleteObject", "arn:aws:s3:::bench-data/old.csv", "10.9.9.9", "true", IAM_ALLOW },
    { "s3:GetObject", "arn:aws:s3:::private-data/secret.txt", "10.1.2.3", "true", IAM_IMPLICIT_DENY },
    { "s3:GetObjectTagging", "arn:aws:s3:::bench-data/a/b/c", "10.1.2.3", "false", IAM_ALLOW },
};
#define NREQ (sizeof(requests) / sizeof(requests[0]))

static const char *const other_services[16][2] = {
    { "ec2", "DescribeInstances" },   { "sqs", "SendMessage" },      { "sns", "Publish" },
    { "lambda", "InvokeFunction" },   { "dynamodb", "Query" },       { "logs", "PutLogEvents" },
    { "kms", "Decrypt" },             { "ssm", "GetParameter" },     { "ecr", "BatchGetImage" },
    { "secretsmanager", "GetSecretValue" }, { "kinesis", "PutRecord" }, { "sts", "AssumeRole" },
    { "cloudwatch", "PutMetricData" }, { "events", "PutEvents" },    { "glue", "GetTable" },
    { "athena", "StartQueryExecution" },
};

/* s3 actions the requests never carry. */
static const char *const s3_other_actions[] = {
    "PutBucketWebsite", "GetBucketCors", "PutBucketCors", "GetReplicationConfiguration",
    "PutReplicationConfiguration", "GetEncryptionConfiguration", "PutEncryptionConfiguration",
    "GetBucketLogging", "PutBucketLogging", "GetAccelerateConfiguration", "PutAccelerateConfiguration",
    "GetBucketNotification", "PutBucketNotification", "GetInventoryConfiguration",
    "PutInventoryConfiguration", "GetMetricsConfiguration", "PutMetricsConfiguration",
    "GetAnalyticsConfiguration", "PutAnalyticsConfiguration", "GetBucketOwnershipControls",
};

/* The actions the requests do carry (candidates; resources never match). */
static const char *const s3_request_actions[] = {
    "s3:GetObject", "s3:ListBucket", "s3:PutObject", "s3:DeleteObject", "s3:Get*", "s3:*Object",
};

enum kind { K_OTHER = 0, K_S3_OTHER, K_CANDIDATE, K_COUNT };
static const char *const kind_name[K_COUNT] = { "other services", "s3, other actions",
                                                "candidates (same actions)" };

/* One added statement, about 30 % conditional and 10 % Deny like the shared
 * workload. */
static void add_statement(sbuf *b, enum kind k, size_t i)
{
    const char *effect = i % 10 == 3 ? "Deny" : "Allow";

    sb_add(b, "{\"Sid\":\"F%zu\",\"Effect\":\"%s\",", i, effect);
    switch (k) {
    case K_OTHER: {
        const char *const *s = other_services[i % 16];
        sb_add(b, "\"Action\":[\"%s:%s\",\"%s:List*\"],\"Resource\":\"arn:aws:%s:us-east-1:" ACCOUNT
                  ":thing/item-%06zu\"",
               s[0], s[1], s[0], s[0], i);
        break;
    }
    case K_S3_OTHER:
        sb_add(b, "\"Action\":\"s3:%s\",\"Resource\":\"arn:aws:s3:::bucket-%06zu\"",
               s3_other_actions[i % (sizeof(s3_other_actions) / sizeof(s3_other_actions[0]))], i);
        break;
    case K_CANDIDATE:
        sb_add(b, "\"Action\":\"%s\",\"Resource\":[\"arn:aws:s3:::other-%06zu\",\"arn:aws:s3:::other-%06zu/*\"]",
               s3_request_actions[i % (sizeof(s3_request_actions) / sizeof(s3_request_actions[0]))], i,
               i);
        break;
    case K_COUNT:
        break;
    }
    if (i % 10 == 1 || i % 10 == 5 || i % 10 == 8)
        sb_add(b, ",\"Condition\":{\"StringEquals\":{\"aws:PrincipalTag/team\":\"team-%zu\"}}", i % 7);
    sb_add(b, "}");
}

/* Parses the base policy plus n added statements of kind k (in policies of
 * STMTS_PER_POLICY) and indexes them. */
static int build_index(enum kind k, size_t n, iam_index **out, double *load_ms)
{
    size_t npol = 1 + (n + STMTS_PER_POLICY - 1) / STMTS_PER_POLICY;
    iam_policy **pols = calloc(npol, sizeof(*pols));
    char **texts = calloc(npol, sizeof(*texts));
    size_t *lens = calloc(npol, sizeof(*lens));
    int rc = -1;
    uint64_t t0;

    *out = NULL;
    if (pols == NULL || texts == NULL || lens == NULL)
        goto out;
    /* the documents first (untimed): the store holds text */
    for (size_t p = 1, i = 0; p < npol; p++) {
        sbuf b = { 0 };
        sb_add(&b, "{\"Version\":\"2012-10-17\",\"Statement\":[");
        for (size_t s = 0; s < STMTS_PER_POLICY && i < n; s++, i++) {
            if (s)
                sb_add(&b, ",");
            add_statement(&b, k, i);
        }
        sb_add(&b, "]}");
        if (b.oom) {
            free(b.p);
            goto out;
        }
        texts[p] = b.p;
        lens[p] = b.len;
    }
    t0 = bench_now_ns();
    for (size_t p = 0; p < npol; p++) {
        iam_diag diag;
        const char *t = p ? texts[p] : base_policy;
        size_t l = p ? lens[p] : sizeof(base_policy) - 1;
        iam_err err = iam_policy_parse(t, l, 0, &pols[p], &diag);
        if (err != IAM_OK) {
            fprintf(stderr, "bench_scaling: policy %zu: %s: %s at %s\n", p, iam_err_str(err),
                    diag.message, diag.path);
            goto out;
        }
    }
    if (iam_index_new(pols, npol, out) != IAM_OK) {
        fprintf(stderr, "bench_scaling: iam_index_new failed\n");
        goto out;
    }
    *load_ms = (double)(bench_now_ns() - t0) / 1e6;
    rc = 0;
out:
    if (pols)
        for (size_t p = 0; p < npol; p++)
            iam_policy_free(pols[p]); /* the index keeps its own references */
    if (texts)
        for (size_t p = 0; p < npol; p++)
            free(texts[p]);
    free(pols);
    free(texts);
    free(lens);
    if (rc != 0)
        fprintf(stderr, "bench_scaling: cannot build %zu statements of kind %d\n", n, (int)k);
    return rc;
}

typedef struct cell {
    double p50_ns, p99_ns, untimed_ns, load_ms;
} cell;

static int measure(const iam_index *ix, iam_request *reqs, double seconds, uint32_t *lat,
                   size_t cap, cell *c)
{
    iam_policy_set set = { .identity = ix };
    iam_eval_result res;
    size_t idx = 0, n = 0, wrong = 0;
    uint64_t t0, t, budget = (uint64_t)(seconds * 1e9);

    /* warm-up */
    t0 = bench_now_ns();
    do {
        for (int k = 0; k < 64; k++) {
            wrong += iam_authorize(&set, &reqs[idx], &res) != IAM_OK ||
                     res.decision != requests[idx].want;
            idx = (idx + 1) % NREQ;
        }
    } while (bench_now_ns() - t0 < budget / 4);
    /* timed */
    t0 = bench_now_ns();
    do {
        uint64_t a = bench_now_ns();
        iam_err err = iam_authorize(&set, &reqs[idx], &res);
        t = bench_now_ns();
        lat[n++] = (uint32_t)(t - a);
        wrong += err != IAM_OK || res.decision != requests[idx].want;
        idx = (idx + 1) % NREQ;
    } while (n < cap && t - t0 < budget);
    /* untimed */
    size_t u = 0;
    t0 = bench_now_ns();
    do {
        for (int k = 0; k < 256; k++) {
            wrong += iam_authorize(&set, &reqs[idx], &res) != IAM_OK ||
                     res.decision != requests[idx].want;
            idx = (idx + 1) % NREQ;
        }
        u += 256;
        t = bench_now_ns();
    } while (t - t0 < budget / 2);
    (void)bench_sort_u32(lat, n);
    c->p50_ns = bench_pct(lat, n, 0.5);
    c->p99_ns = bench_pct(lat, n, 0.99);
    c->untimed_ns = (double)(t - t0) / (double)u;
    if (wrong) {
        fprintf(stderr, "bench_scaling: %zu decisions differ from the expected ones\n", wrong);
        return -1;
    }
    return 0;
}

static int parse_number(const char *what, const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v > 0) || v > 1e9) {
        fprintf(stderr, "bench_scaling: %s: bad number '%s'\n", what, s);
        return -1;
    }
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    double seconds = 0.4, max = 10000;
    iam_context *ctx[NREQ] = { 0 };
    iam_request reqs[NREQ];
    uint32_t *lat = NULL;
    size_t cap = 1u << 24;
    int rc = 1;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            if (parse_number("--seconds", argv[++i], &seconds))
                return 2;
        } else if (strcmp(argv[i], "--max") == 0 && i + 1 < argc) {
            if (parse_number("--max", argv[++i], &max))
                return 2;
        } else {
            fprintf(stderr, "usage: bench_scaling [--seconds S per cell] [--max N]\n");
            return strcmp(argv[i], "--help") == 0 ? 0 : 2;
        }
    }
    lat = malloc(cap * sizeof(*lat));
    if (lat == NULL)
        return 1;
    for (size_t r = 0; r < NREQ; r++) {
        if (iam_context_new(&ctx[r]) != IAM_OK ||
            iam_context_add(ctx[r], IAM_STR("aws:SourceIp"), iam_str_from_cstr(requests[r].ip)) ||
            iam_context_add(ctx[r], IAM_STR("aws:PrincipalTag/team"), IAM_STR("platform")) ||
            (requests[r].mfa && iam_context_add(ctx[r], IAM_STR("aws:MultiFactorAuthPresent"),
                                                iam_str_from_cstr(requests[r].mfa)))) {
            fprintf(stderr, "bench_scaling: cannot build the contexts\n");
            goto out;
        }
        reqs[r] = (iam_request){ .principal_kind = IAM_PK_IAM_USER,
                                 .principal = IAM_STR(PRINCIPAL),
                                 .action = iam_str_from_cstr(requests[r].action),
                                 .resource = iam_str_from_cstr(requests[r].resource),
                                 .resource_account = IAM_STR(ACCOUNT),
                                 .context = ctx[r] };
    }

    printf("iamd decision cost vs. statements held by one principal (6 base statements, %zu requests "
           "cycled,\n%.2f s per cell; p50/p99 per timed decision include ~%.0f ns of timer; ns/dec "
           "= untimed loop)\n\n",
           NREQ, seconds, bench_timer_overhead_ns());
    printf("%9s |", "added");
    for (int k = 0; k < K_COUNT; k++)
        printf(" %-32s |", kind_name[k]);
    printf("\n%9s |", "stmts");
    for (int k = 0; k < K_COUNT; k++)
        printf(" %7s %7s %7s %8s |", "p50 ns", "p99 ns", "ns/dec", "load ms");
    printf("\n");

    cell first[K_COUNT] = { 0 }, last[K_COUNT] = { 0 };
    size_t last_n = 0;
    for (double nd = 0; nd <= max; nd = nd == 0 ? 10 : nd * 10) {
        size_t n = (size_t)nd;
        printf("%9zu |", n);
        fflush(stdout);
        for (int k = 0; k < K_COUNT; k++) {
            iam_index *ix;
            cell c = { 0 };
            if (build_index((enum kind)k, n, &ix, &c.load_ms) != 0)
                goto out;
            int m = measure(ix, reqs, seconds, lat, cap, &c);
            iam_index_free(ix);
            if (m != 0)
                goto out;
            printf(" %7.0f %7.0f %7.1f %8.2f |", c.p50_ns, c.p99_ns, c.untimed_ns, c.load_ms);
            fflush(stdout);
            if (n == 0)
                first[k] = c;
            last[k] = c;
        }
        last_n = n;
        printf("\n");
    }
    printf("\nns/dec at %zu added / at 0 added:", last_n);
    for (int k = 0; k < K_COUNT; k++)
        printf("  %s %.2fx;", kind_name[k], last[k].untimed_ns / first[k].untimed_ns);
    printf("\n");
    rc = 0;
out:
    for (size_t r = 0; r < NREQ; r++)
        iam_context_free(ctx[r]);
    free(lat);
    return rc;
}
