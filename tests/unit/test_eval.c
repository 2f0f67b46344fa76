/* test_eval.c - authorization decisions (lib/policy/eval.c, statement.c,
 * condition.c through the public API): every row builds the policy set of
 * one request, calls iam_authorize and checks the decision, blocked_by and
 * the reported matches (type, level, policy, statement, Sid, effect).
 * Facts: reference/iam-policy-language.md §1 (evaluation logic: explicit
 * deny, same-account union, cross-account, the §1.5 bypass table, roles vs
 * sessions, principal forms, NotAction/NotResource/NotPrincipal, SCP/RCP,
 * service rules), §2 (matching, variables), §3 (conditions), §6 (gotchas);
 * plus the AWS User Guide examples named in the rows.
 * Policies are written with ' for " (and ` for ') to stay readable. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iam/context.h"
#include "iam/eval.h"
#include "iam/policy.h"
#include "policy/policy_int.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define ROW_FAIL(nfail, ...) (print_error(__VA_ARGS__), print_error("\n"), (nfail)++)

/* ------------------------------------------------------------------ */
/* accounts, principals, policies                                       */

#define ACCT_A "111122223333"
#define ACCT_B "444455556666"
#define USER "arn:aws:iam::111122223333:user/alice"
#define USER2 "arn:aws:iam::111122223333:user/mallory"
#define USER_B "arn:aws:iam::444455556666:user/bob"
#define ROLE "arn:aws:iam::111122223333:role/app/Admin"
#define SESSION "arn:aws:sts::111122223333:assumed-role/Admin/sess1"
#define FEDUSER "arn:aws:sts::111122223333:federated-user/bob"
#define ROOT "arn:aws:iam::111122223333:root"
#define OBJ "arn:aws:s3:::bucket/key"
#define QUEUE_B "arn:aws:sqs:us-east-1:444455556666:queue"
#define QUEUE_A "arn:aws:sqs:us-east-1:111122223333:queue"

#define POL(stmts) "{'Version':'2012-10-17','Statement':[" stmts "]}"
#define ALLOW_ALL POL("{'Sid':'All','Effect':'Allow','Action':'*','Resource':'*'}")
#define FULL_ACCESS POL("{'Sid':'FullAWSAccess','Effect':'Allow','Action':'*','Resource':'*'}")
#define ALLOW_S3 POL("{'Sid':'S3','Effect':'Allow','Action':'s3:*','Resource':'*'}")
#define ALLOW_EC2 POL("{'Sid':'EC2','Effect':'Allow','Action':'ec2:*','Resource':'*'}")
#define ALLOW_SQS POL("{'Sid':'SQS','Effect':'Allow','Action':'sqs:*','Resource':'*'}")
#define EMPTY "EMPTY" /* an index with no policies: present, allows nothing */
#define RES_NAMING(sid, who) POL("{'Sid':'" sid "','Effect':'Allow','Principal':" who ",'Action':'*','Resource':'*'}")

/* ------------------------------------------------------------------ */
/* fixtures                                                             */

/* Owns every index built for one row. */
typedef struct fixture {
    iam_index *ix[32];
    size_t n;
    iam_context *ctx;
} fixture;

/* ' -> " and ` -> ' */
static char *unquote(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(n + 1);
    assert_non_null(out);
    for (size_t i = 0; i <= n; i++)
        out[i] = s[i] == '\'' ? '"' : s[i] == '`' ? '\'' : s[i];
    return out;
}

static iam_policy *parse_q(const char *q)
{
    char *json = unquote(q);
    iam_policy *p = NULL;
    iam_diag d;
    memset(&d, 0, sizeof d);
    if (iam_policy_parse(json, strlen(json), 0, &p, &d) != IAM_OK)
        fail_msg("parse: %s at %s\n%s", d.message, d.path, json);
    free(json);
    return p;
}

/* An index over the given policies (NULL-terminated list; EMPTY alone =
 * no policies). Returns NULL for a NULL first entry. */
static const iam_index *fx_index(fixture *fx, const char *const *docs, size_t max)
{
    iam_policy *pols[8];
    size_t n = 0;
    if (docs[0] == NULL)
        return NULL;
    if (strcmp(docs[0], EMPTY) != 0)
        for (; n < max && docs[n] != NULL; n++)
            pols[n] = parse_q(docs[n]);
    assert_true(fx->n < N_ELEMS(fx->ix));
    assert_int_equal(iam_index_new(pols, n, &fx->ix[fx->n]), IAM_OK);
    for (size_t i = 0; i < n; i++)
        iam_policy_free(pols[i]); /* the index retains */
    return fx->ix[fx->n++];
}

static const iam_index *fx_one(fixture *fx, const char *doc)
{
    const char *docs[1] = { doc };
    return fx_index(fx, docs, 1);
}

/* "k=v;k2=a|b;k3=[]": ';' separates keys, '|' values, [] is an empty list. */
static const iam_context *fx_context(fixture *fx, const char *spec)
{
    if (spec == NULL)
        return NULL;
    assert_int_equal(iam_context_new(&fx->ctx), IAM_OK);
    const char *p = spec;
    while (*p) {
        const char *eq = strchr(p, '='), *end = strchr(p, ';');
        if (end == NULL)
            end = p + strlen(p);
        assert_non_null(eq);
        assert_true(eq < end);
        iam_str key = { p, (size_t)(eq - p) };
        const char *v = eq + 1;
        if ((size_t)(end - v) == 2 && memcmp(v, "[]", 2) == 0) {
            assert_int_equal(iam_context_set(fx->ctx, key, NULL, 0), IAM_OK);
        } else {
            for (;;) {
                const char *bar = memchr(v, '|', (size_t)(end - v));
                const char *vend = bar ? bar : end;
                assert_int_equal(iam_context_add(fx->ctx, key, (iam_str){ v, (size_t)(vend - v) }), IAM_OK);
                if (bar == NULL)
                    break;
                v = bar + 1;
            }
        }
        p = *end ? end + 1 : end;
    }
    return fx->ctx;
}

static void fx_free(fixture *fx)
{
    for (size_t i = 0; i < fx->n; i++)
        iam_index_free(fx->ix[i]);
    iam_context_free(fx->ctx);
    memset(fx, 0, sizeof *fx);
}

/* ------------------------------------------------------------------ */
/* the table                                                            */

typedef struct mexp {
    iam_policy_type type; /* IAM_PT_NONE = not checked */
    uint16_t level;
    uint32_t policy, stmt;
    const char *sid;
} mexp;

typedef struct ecase {
    const char *why;
    const char *id[3];      /* identity policies (NULL-terminated; none = no identity) */
    const char *session, *boundary, *resource, *vpce;
    const char *scp[3][2];  /* per level: policies (NULL-terminated) */
    const char *rcp[3][2];
    iam_principal_kind kind;
    const char *principal, *action, *res, *racct;
    bool wc;                /* action_is_wildcard_only */
    const char *ctx;
    iam_decision d;
    iam_policy_type blocked;
    size_t n;               /* match_count */
    mexp m[4];              /* first matches, in order */
} ecase;

#define ALLOWED IAM_ALLOW, IAM_PT_NONE
#define IMPLICIT(t) IAM_IMPLICIT_DENY, IAM_PT_##t
#define EXPLICIT(t) IAM_EXPLICIT_DENY, IAM_PT_##t
#define M(t, pol, st, sid) { IAM_PT_##t, 0, pol, st, sid }
#define ML(t, lvl, pol, st, sid) { IAM_PT_##t, lvl, pol, st, sid }

#define CARLOS_ID                                                                                                 \
    POL("{'Sid':'AllowS3ListRead','Effect':'Allow','Action':['s3:GetBucketLocation','s3:GetAccountPublicAccessBlock'," \
        "'s3:ListAccessPoints','s3:ListAllMyBuckets'],'Resource':'arn:aws:s3:::*'},"                             \
        "{'Sid':'AllowS3Self','Effect':'Allow','Action':'s3:*','Resource':['arn:aws:s3:::amzn-s3-demo-bucket-"    \
        "carlossalazar/*','arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar']},"                                   \
        "{'Sid':'DenyS3Logs','Effect':'Deny','Action':'s3:*','Resource':'arn:aws:s3:::*log*'}")
#define CARLOS "arn:aws:iam::123456789012:user/carlossalazar"
#define CARLOS_BUCKET                                                                                             \
    POL("{'Sid':'AllowCarlos','Effect':'Allow','Principal':{'AWS':'arn:aws:iam::123456789012:user/carlossalazar'}," \
        "'Action':'s3:*','Resource':'arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/*'}")

#define REGION_SCP                                                                                                \
    POL("{'Sid':'DenyAllOutsideEU','Effect':'Deny','NotAction':['iam:*','organizations:*','route53:*',"          \
        "'cloudfront:*','sts:*','support:*'],'Resource':'*','Condition':{'StringNotEquals':{'aws:RequestedRegion':" \
        "['eu-central-1','eu-west-1']}}}")

#define TRUST_USER POL("{'Sid':'TrustAlice','Effect':'Allow','Principal':{'AWS':'" USER "'},'Action':'sts:AssumeRole'}")
#define TRUST_ACCT POL("{'Sid':'TrustAcct','Effect':'Allow','Principal':{'AWS':'" ACCT_A "'},'Action':'sts:AssumeRole'}")
#define ROLE_R "arn:aws:iam::111122223333:role/R"
#define IRSA_TRUST                                                                                                \
    POL("{'Sid':'Irsa','Effect':'Allow','Principal':{'Federated':'arn:aws:iam::111122223333:oidc-provider/"       \
        "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE'},'Action':'sts:AssumeRoleWithWebIdentity','Condition':{"    \
        "'StringEquals':{'oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE:sub':'system:serviceaccount:ns:sa',"        \
        "'oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE:aud':'sts.amazonaws.com'}}}")
#define OIDC "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE"
#define KEY_A "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

static const ecase cases[] = {
    /* ---- §1.1 / §1.3: identity policies, explicit deny -------------- */
    { .why = "identity Allow grants (same account)",
      .id = { POL("{'Sid':'Read','Effect':'Allow','Action':'s3:GetObject','Resource':'arn:aws:s3:::bucket/*'}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ,
      .d = ALLOWED, .n = 1, .m = { M(IDENTITY, 0, 0, "Read") } },
    { .why = "§1.1: no policy at all is an implicit deny (blocked by identity)",
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ, .d = IMPLICIT(IDENTITY) },
    { .why = "§2.1: action names are case-insensitive",
      .id = { ALLOW_S3 }, .kind = IAM_PK_IAM_USER, .principal = USER, .action = "S3:GETOBJECT", .res = OBJ,
      .d = ALLOWED, .n = 1, .m = { M(IDENTITY, 0, 0, "S3") } },
    { .why = "identity Allow for another service",
      .id = { ALLOW_EC2 }, .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ,
      .d = IMPLICIT(IDENTITY) },
    { .why = "§1.1: explicit deny beats an allow in the same policy",
      .id = { POL("{'Sid':'A','Effect':'Allow','Action':'s3:*','Resource':'*'},"
                  "{'Sid':'D','Effect':'Deny','Action':'s3:GetObject','Resource':'*'}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ,
      .d = EXPLICIT(IDENTITY), .n = 1, .m = { M(IDENTITY, 0, 1, "D") } },
    { .why = "§1.1: explicit deny in a second identity policy (a group policy)",
      .id = { ALLOW_S3, POL("{'Sid':'GroupDeny','Effect':'Deny','Action':'s3:Delete*','Resource':'*'}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:DeleteObject", .res = OBJ,
      .d = EXPLICIT(IDENTITY), .n = 1, .m = { M(IDENTITY, 1, 0, "GroupDeny") } },
    /* the order of matches within one type follows the index lists (global
     * first), not document order: test_matches_are_a_set checks the set */
    { .why = "several Allows: all reported",
      .id = { ALLOW_S3, ALLOW_ALL }, .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject",
      .res = OBJ, .d = ALLOWED, .n = 2 },
    { .why = "AWS doc (policy-eval-basics, Carlos): DenyS3Logs denies the -logs bucket",
      .id = { CARLOS_ID }, .resource = CARLOS_BUCKET, .kind = IAM_PK_IAM_USER, .principal = CARLOS,
      .action = "s3:PutObject", .res = "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar-logs/file.txt",
      .d = EXPLICIT(IDENTITY), .n = 1, .m = { M(IDENTITY, 0, 2, "DenyS3Logs") } },
    { .why = "AWS doc (Carlos): his own bucket, identity and bucket policy both allow",
      .id = { CARLOS_ID }, .resource = CARLOS_BUCKET, .kind = IAM_PK_IAM_USER, .principal = CARLOS,
      .action = "s3:PutObject", .res = "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/file.txt",
      .d = ALLOWED, .n = 2, .m = { M(IDENTITY, 0, 1, "AllowS3Self"), M(RESOURCE, 0, 0, "AllowCarlos") } },
    { .why = "AWS doc (Carlos): GetBucketLocation via AllowS3ListRead",
      .id = { CARLOS_ID }, .kind = IAM_PK_IAM_USER, .principal = CARLOS, .action = "s3:GetBucketLocation",
      .res = "arn:aws:s3:::some-bucket", .d = ALLOWED, .n = 1, .m = { M(IDENTITY, 0, 0, "AllowS3ListRead") } },
    { .why = "explicit deny with an unmet condition does not apply",
      .id = { ALLOW_S3, POL("{'Sid':'D','Effect':'Deny','Action':'*','Resource':'*',"
                            "'Condition':{'Bool':{'aws:SecureTransport':'false'}}}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ,
      .ctx = "aws:SecureTransport=true", .d = ALLOWED, .n = 1, .m = { M(IDENTITY, 0, 0, "S3") } },

    /* ---- §1.1 item: deny in every policy type ------------------------ */
    { .why = "§6.1: a Deny in the boundary is explicit",
      .id = { ALLOW_ALL }, .boundary = POL("{'Sid':'PBDeny','Effect':'Deny','Action':'s3:*','Resource':'*'}"),
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ,
      .d = EXPLICIT(BOUNDARY), .n = 1, .m = { M(BOUNDARY, 0, 0, "PBDeny") } },
    { .why = "§6.1: a Deny in the session policy is explicit",
      .id = { ALLOW_ALL }, .session = POL("{'Sid':'SesDeny','Effect':'Deny','Action':'s3:*','Resource':'*'}"),
      .kind = IAM_PK_ASSUMED_ROLE_SESSION, .principal = SESSION, .action = "s3:GetObject", .res = OBJ,
      .d = EXPLICIT(SESSION), .n = 1, .m = { M(SESSION, 0, 0, "SesDeny") } },
    { .why = "§6.1: a Deny in the resource policy is explicit",
      .id = { ALLOW_ALL },
      .resource = POL("{'Sid':'ResDeny','Effect':'Deny','Principal':'*','Action':'s3:*','Resource':'*'}"),
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ,
      .d = EXPLICIT(RESOURCE), .n = 1, .m = { M(RESOURCE, 0, 0, "ResDeny") } },
    { .why = "§6.1: a Deny in an SCP (second level) is explicit, level reported",
      .id = { ALLOW_ALL },
      .scp = { { FULL_ACCESS }, { FULL_ACCESS, POL("{'Sid':'NoS3','Effect':'Deny','Action':'s3:*','Resource':'*'}") } },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ,
      .d = EXPLICIT(SCP), .n = 1, .m = { ML(SCP, 1, 1, 0, "NoS3") } },
    { .why = "§6.1: a Deny in an RCP is explicit",
      .id = { ALLOW_ALL },
      .rcp = { { POL("{'Sid':'RCPFullAWSAccess','Effect':'Allow','Principal':'*','Action':'*','Resource':'*'},"
                     "{'Sid':'RcpDeny','Effect':'Deny','Principal':'*','Action':'s3:*','Resource':'*'}") } },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ,
      .d = EXPLICIT(RCP), .n = 1, .m = { ML(RCP, 0, 0, 1, "RcpDeny") } },
    { .why = "§6.1: a Deny in the VPC endpoint policy is explicit",
      .id = { ALLOW_ALL },
      .vpce = POL("{'Sid':'VpceDeny','Effect':'Deny','Principal':'*','Action':'s3:*','Resource':'*'}"),
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ,
      .d = EXPLICIT(VPC_ENDPOINT), .n = 1, .m = { M(VPC_ENDPOINT, 0, 0, "VpceDeny") } },
    { .why = "denies from several types are all reported (identity first)",
      .id = { POL("{'Sid':'IdDeny','Effect':'Deny','Action':'*','Resource':'*'}") },
      .scp = { { FULL_ACCESS, POL("{'Sid':'ScpDeny','Effect':'Deny','Action':'s3:*','Resource':'*'}") } },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ,
      .d = EXPLICIT(IDENTITY), .n = 2, .m = { M(IDENTITY, 0, 0, "IdDeny"), ML(SCP, 0, 1, 0, "ScpDeny") } },

    /* ---- §1.3: same account, union of identity and resource ---------- */
    { .why = "§1.3: resource policy naming the user grants without identity",
      .resource = RES_NAMING("RU", "{'AWS':'" USER "'}"), .kind = IAM_PK_IAM_USER, .principal = USER,
      .action = "sqs:SendMessage", .res = QUEUE_A, .d = ALLOWED, .n = 1, .m = { M(RESOURCE, 0, 0, "RU") } },
    { .why = "§1.3: identity and resource both allow: both reported",
      .id = { ALLOW_SQS }, .resource = RES_NAMING("RU", "{'AWS':'" USER "'}"), .kind = IAM_PK_IAM_USER,
      .principal = USER, .action = "sqs:SendMessage", .res = QUEUE_A, .d = ALLOWED, .n = 2,
      .m = { M(IDENTITY, 0, 0, "SQS"), M(RESOURCE, 0, 0, "RU") } },
    { .why = "§1.5/§6.4: account principal delegates; identity must allow",
      .resource = RES_NAMING("Acct", "{'AWS':'" ACCT_A "'}"), .kind = IAM_PK_IAM_USER, .principal = USER,
      .action = "sqs:SendMessage", .res = QUEUE_A, .d = IMPLICIT(IDENTITY) },
    { .why = "§1.7: arn:...:root is the account too (delegation)",
      .resource = RES_NAMING("Root", "{'AWS':'" ROOT "'}"), .kind = IAM_PK_IAM_USER, .principal = USER,
      .action = "sqs:SendMessage", .res = QUEUE_A, .d = IMPLICIT(IDENTITY) },
    { .why = "§1.5: account principal + identity allow",
      .id = { ALLOW_SQS }, .resource = RES_NAMING("Acct", "{'AWS':'" ACCT_A "'}"), .kind = IAM_PK_IAM_USER,
      .principal = USER, .action = "sqs:SendMessage", .res = QUEUE_A, .d = ALLOWED, .n = 2,
      .m = { M(IDENTITY, 0, 0, "SQS"), M(RESOURCE, 0, 0, "Acct") } },
    { .why = "resource policy naming another user grants nothing",
      .resource = RES_NAMING("Other", "{'AWS':'" USER2 "'}"), .kind = IAM_PK_IAM_USER, .principal = USER,
      .action = "sqs:SendMessage", .res = QUEUE_A, .d = IMPLICIT(IDENTITY) },
    { .why = "§1.7: the user-name part is case-sensitive",
      .resource = RES_NAMING("Case", "{'AWS':'arn:aws:iam::111122223333:user/Alice'}"), .kind = IAM_PK_IAM_USER,
      .principal = USER, .action = "sqs:SendMessage", .res = QUEUE_A, .d = IMPLICIT(IDENTITY) },
    { .why = "§1.7: several principal values are OR",
      .resource = RES_NAMING("Many", "{'AWS':['" USER2 "','" USER "'],'Service':'sqs.amazonaws.com'}"),
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "sqs:SendMessage", .res = QUEUE_A, .d = ALLOWED,
      .n = 1, .m = { M(RESOURCE, 0, 0, "Many") } },

    /* ---- §1.4: cross account ----------------------------------------- */
    { .why = "§1.4: cross-account identity allow alone is not enough",
      .id = { ALLOW_SQS }, .kind = IAM_PK_IAM_USER, .principal = USER, .action = "sqs:SendMessage", .res = QUEUE_B,
      .d = IMPLICIT(RESOURCE) },
    { .why = "§1.4: cross-account resource allow alone is not enough",
      .resource = RES_NAMING("RU", "{'AWS':'" USER "'}"), .kind = IAM_PK_IAM_USER, .principal = USER,
      .action = "sqs:SendMessage", .res = QUEUE_B, .d = IMPLICIT(IDENTITY) },
    { .why = "§1.4: cross-account needs both",
      .id = { ALLOW_SQS }, .resource = RES_NAMING("RU", "{'AWS':'" USER "'}"), .kind = IAM_PK_IAM_USER,
      .principal = USER, .action = "sqs:SendMessage", .res = QUEUE_B, .d = ALLOWED, .n = 2,
      .m = { M(IDENTITY, 0, 0, "SQS"), M(RESOURCE, 0, 0, "RU") } },
    { .why = "§1.4: resource naming the caller's account + identity",
      .id = { ALLOW_SQS }, .resource = RES_NAMING("AcctA", "{'AWS':'" ACCT_A "'}"), .kind = IAM_PK_IAM_USER,
      .principal = USER, .action = "sqs:SendMessage", .res = QUEUE_B, .d = ALLOWED, .n = 2 },
    { .why = "§1.4: resource naming the resource's own account does not name the caller",
      .id = { ALLOW_SQS }, .resource = RES_NAMING("AcctB", "{'AWS':'" ACCT_B "'}"), .kind = IAM_PK_IAM_USER,
      .principal = USER, .action = "sqs:SendMessage", .res = QUEUE_B, .d = IMPLICIT(RESOURCE) },
    { .why = "§1.4: Principal * + identity crosses accounts",
      .id = { ALLOW_SQS }, .resource = RES_NAMING("Star", "'*'"), .kind = IAM_PK_IAM_USER, .principal = USER,
      .action = "sqs:SendMessage", .res = QUEUE_B, .d = ALLOWED, .n = 2 },
    { .why = "§1.4: resource_account given for an ARN without account (S3)",
      .id = { ALLOW_S3 }, .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ,
      .racct = ACCT_B, .d = IMPLICIT(RESOURCE) },
    { .why = "§1.4: resource_account equal to the caller's: same account",
      .id = { ALLOW_S3 }, .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ,
      .racct = ACCT_A, .d = ALLOWED, .n = 1 },
    { .why = "§1.4 [peer]: cross-account resource grant does not bypass the boundary",
      .id = { ALLOW_SQS }, .boundary = ALLOW_EC2, .resource = RES_NAMING("RU", "{'AWS':'" USER "'}"),
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "sqs:SendMessage", .res = QUEUE_B,
      .d = IMPLICIT(BOUNDARY) },
    { .why = "§1.4: cross-account explicit deny in the resource policy",
      .id = { ALLOW_SQS },
      .resource = POL("{'Sid':'A','Effect':'Allow','Principal':'*','Action':'*','Resource':'*'},"
                      "{'Sid':'D','Effect':'Deny','Principal':{'AWS':'" ACCT_A "'},'Action':'sqs:*','Resource':'*'}"),
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "sqs:SendMessage", .res = QUEUE_B,
      .d = EXPLICIT(RESOURCE), .n = 1, .m = { M(RESOURCE, 0, 1, "D") } },

    /* ---- §1.5: what a resource-policy Allow bypasses (same account) --- */
    { .why = "§1.5: user ARN bypasses the boundary",
      .boundary = ALLOW_EC2, .resource = RES_NAMING("RU", "{'AWS':'" USER "'}"), .kind = IAM_PK_IAM_USER,
      .principal = USER, .action = "sqs:SendMessage", .res = QUEUE_A, .d = ALLOWED, .n = 1,
      .m = { M(RESOURCE, 0, 0, "RU") } },
    { .why = "§1.5/§6.3: role ARN: the boundary still applies",
      .boundary = ALLOW_EC2, .resource = RES_NAMING("RR", "{'AWS':'" ROLE "'}"),
      .kind = IAM_PK_ASSUMED_ROLE_SESSION, .principal = SESSION, .action = "sqs:SendMessage", .res = QUEUE_A,
      .ctx = "aws:PrincipalArn=" ROLE, .d = IMPLICIT(BOUNDARY) },
    { .why = "§1.5: role ARN replaces the identity allow when the boundary allows",
      .boundary = ALLOW_SQS, .resource = RES_NAMING("RR", "{'AWS':'" ROLE "'}"),
      .kind = IAM_PK_ASSUMED_ROLE_SESSION, .principal = SESSION, .action = "sqs:SendMessage", .res = QUEUE_A,
      .ctx = "aws:PrincipalArn=" ROLE, .d = ALLOWED, .n = 1, .m = { M(RESOURCE, 0, 0, "RR") } },
    { .why = "§1.5: role ARN: the session policy still applies",
      .session = ALLOW_EC2, .resource = RES_NAMING("RR", "{'AWS':'" ROLE "'}"),
      .kind = IAM_PK_ASSUMED_ROLE_SESSION, .principal = SESSION, .action = "sqs:SendMessage", .res = QUEUE_A,
      .ctx = "aws:PrincipalArn=" ROLE, .d = IMPLICIT(SESSION) },
    { .why = "§1.6: a role ARN (with path) names every session; fallback on the session's role name",
      .resource = RES_NAMING("RR", "{'AWS':'" ROLE "'}"), .kind = IAM_PK_ASSUMED_ROLE_SESSION,
      .principal = SESSION, .action = "sqs:SendMessage", .res = QUEUE_A, .d = ALLOWED, .n = 1 },
    { .why = "§1.6: aws:PrincipalArn names another role with the same name",
      .resource = RES_NAMING("RR", "{'AWS':'" ROLE "'}"), .kind = IAM_PK_ASSUMED_ROLE_SESSION,
      .principal = SESSION, .action = "sqs:SendMessage", .res = QUEUE_A,
      .ctx = "aws:PrincipalArn=arn:aws:iam::111122223333:role/other/Admin", .d = IMPLICIT(IDENTITY) },
    { .why = "§1.6: a session of another role is not named",
      .resource = RES_NAMING("RR", "{'AWS':'" ROLE "'}"), .kind = IAM_PK_ASSUMED_ROLE_SESSION,
      .principal = "arn:aws:sts::111122223333:assumed-role/Reader/sess1", .action = "sqs:SendMessage",
      .res = QUEUE_A, .d = IMPLICIT(IDENTITY) },
    { .why = "§1.5: a role caller named by its role ARN",
      .resource = RES_NAMING("RR", "{'AWS':'" ROLE "'}"), .kind = IAM_PK_IAM_ROLE, .principal = ROLE,
      .action = "sqs:SendMessage", .res = QUEUE_A, .d = ALLOWED, .n = 1 },
    { .why = "§1.5: session ARN bypasses boundary and session policy",
      .boundary = ALLOW_EC2, .session = ALLOW_EC2, .resource = RES_NAMING("RS", "{'AWS':'" SESSION "'}"),
      .kind = IAM_PK_ASSUMED_ROLE_SESSION, .principal = SESSION, .action = "sqs:SendMessage", .res = QUEUE_A,
      .d = ALLOWED, .n = 1, .m = { M(RESOURCE, 0, 0, "RS") } },
    { .why = "§1.6: a session ARN names one exact session",
      .resource = RES_NAMING("RS", "{'AWS':'arn:aws:sts::111122223333:assumed-role/Admin/other'}"),
      .kind = IAM_PK_ASSUMED_ROLE_SESSION, .principal = SESSION, .action = "sqs:SendMessage", .res = QUEUE_A,
      .d = IMPLICIT(IDENTITY) },
    { .why = "§1.5: federated-user ARN bypasses the missing session policy",
      .resource = RES_NAMING("RF", "{'AWS':'" FEDUSER "'}"), .kind = IAM_PK_FEDERATED_USER, .principal = FEDUSER,
      .action = "sqs:SendMessage", .res = QUEUE_A, .d = ALLOWED, .n = 1 },
    { .why = "§1.5 [peer]: * bypasses the boundary for a user",
      .boundary = ALLOW_EC2, .resource = RES_NAMING("Star", "'*'"), .kind = IAM_PK_IAM_USER, .principal = USER,
      .action = "sqs:SendMessage", .res = QUEUE_A, .d = ALLOWED, .n = 1 },
    { .why = "§1.5 [peer]: {AWS:*} bypasses boundary and session policy for a session",
      .boundary = ALLOW_EC2, .session = ALLOW_EC2, .resource = RES_NAMING("Star", "{'AWS':'*'}"),
      .kind = IAM_PK_ASSUMED_ROLE_SESSION, .principal = SESSION, .action = "sqs:SendMessage", .res = QUEUE_A,
      .d = ALLOWED, .n = 1 },
    { .why = "§1.5: account naming with identity allow: the boundary still applies",
      .id = { ALLOW_SQS }, .boundary = ALLOW_EC2, .resource = RES_NAMING("Acct", "{'AWS':'" ACCT_A "'}"),
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "sqs:SendMessage", .res = QUEUE_A,
      .d = IMPLICIT(BOUNDARY) },
    { .why = "§1.5: explicit deny in the boundary is never bypassed",
      .boundary = POL("{'Sid':'PBDeny','Effect':'Deny','Action':'sqs:*','Resource':'*'}"),
      .resource = RES_NAMING("RU", "{'AWS':'" USER "'}"), .kind = IAM_PK_IAM_USER, .principal = USER,
      .action = "sqs:SendMessage", .res = QUEUE_A, .d = EXPLICIT(BOUNDARY), .n = 1 },

    /* ---- sessions, federated users, boundaries (§1.2, §1.3) ---------- */
    { .why = "§1.3: a federated user with no session policy is denied",
      .id = { ALLOW_ALL }, .kind = IAM_PK_FEDERATED_USER, .principal = FEDUSER, .action = "s3:GetObject",
      .res = OBJ, .d = IMPLICIT(SESSION) },
    { .why = "§1.3: a federated user with an allowing session policy",
      .id = { ALLOW_ALL }, .session = ALLOW_S3, .kind = IAM_PK_FEDERATED_USER, .principal = FEDUSER,
      .action = "s3:GetObject", .res = OBJ, .d = ALLOWED, .n = 1, .m = { M(IDENTITY, 0, 0, "All") } },
    { .why = "§1.3: a role session without session policy uses the role's permissions",
      .id = { ALLOW_ALL }, .kind = IAM_PK_ASSUMED_ROLE_SESSION, .principal = SESSION, .action = "s3:GetObject",
      .res = OBJ, .d = ALLOWED, .n = 1 },
    { .why = "§1.2: the session policy caps the session",
      .id = { ALLOW_ALL }, .session = ALLOW_EC2, .kind = IAM_PK_ASSUMED_ROLE_SESSION, .principal = SESSION,
      .action = "s3:GetObject", .res = OBJ, .d = IMPLICIT(SESSION) },
    { .why = "a present but empty session policy allows nothing",
      .id = { ALLOW_ALL }, .session = EMPTY, .kind = IAM_PK_ASSUMED_ROLE_SESSION, .principal = SESSION,
      .action = "s3:GetObject", .res = OBJ, .d = IMPLICIT(SESSION) },
    { .why = "§1.2: a session policy never grants",
      .session = ALLOW_ALL, .kind = IAM_PK_ASSUMED_ROLE_SESSION, .principal = SESSION, .action = "s3:GetObject",
      .res = OBJ, .d = IMPLICIT(IDENTITY) },
    { .why = "§1.2 (AWS doc, boundaries): identity allows iam:CreateUser, boundary does not",
      .id = { POL("{'Sid':'CreateUser','Effect':'Allow','Action':'iam:CreateUser','Resource':'*'}") },
      .boundary = POL("{'Sid':'PB','Effect':'Allow','Action':['s3:*','cloudwatch:*','ec2:*'],'Resource':'*'}"),
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "iam:CreateUser",
      .res = "arn:aws:iam::111122223333:user/new", .d = IMPLICIT(BOUNDARY) },
    { .why = "§1.2: a boundary never grants",
      .boundary = ALLOW_ALL, .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ,
      .d = IMPLICIT(IDENTITY) },
    { .why = "§1.2: identity within the boundary: allowed, identity reported",
      .id = { ALLOW_S3 }, .boundary = ALLOW_ALL, .kind = IAM_PK_IAM_USER, .principal = USER,
      .action = "s3:GetObject", .res = OBJ, .d = ALLOWED, .n = 1, .m = { M(IDENTITY, 0, 0, "S3") } },
    { .why = "a present but empty boundary allows nothing",
      .id = { ALLOW_S3 }, .boundary = EMPTY, .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject",
      .res = OBJ, .d = IMPLICIT(BOUNDARY) },

    /* ---- §1.3 exceptions / §1.10: trust policies, KMS key policies ---- */
    { .why = "§1.3/§6.17: AssumeRole needs the trust policy even with an identity allow",
      .id = { ALLOW_ALL }, .kind = IAM_PK_IAM_USER, .principal = USER, .action = "sts:AssumeRole", .res = ROLE_R,
      .d = IMPLICIT(RESOURCE) },
    { .why = "§1.10: same-account trust naming the caller suffices",
      .resource = TRUST_USER, .kind = IAM_PK_IAM_USER, .principal = USER, .action = "sts:AssumeRole",
      .res = ROLE_R, .d = ALLOWED, .n = 1, .m = { M(RESOURCE, 0, 0, "TrustAlice") } },
    { .why = "§1.10: trust naming the account needs an identity allow",
      .resource = TRUST_ACCT, .kind = IAM_PK_IAM_USER, .principal = USER, .action = "sts:AssumeRole",
      .res = ROLE_R, .d = IMPLICIT(IDENTITY) },
    { .why = "§1.10: trust naming the account + identity allow",
      .id = { POL("{'Sid':'Assume','Effect':'Allow','Action':'sts:AssumeRole','Resource':'" ROLE_R "'}") },
      .resource = TRUST_ACCT, .kind = IAM_PK_IAM_USER, .principal = USER, .action = "sts:AssumeRole",
      .res = ROLE_R, .d = ALLOWED, .n = 2, .m = { M(IDENTITY, 0, 0, "Assume"), M(RESOURCE, 0, 0, "TrustAcct") } },
    { .why = "§1.4: cross-account AssumeRole: trust + caller's identity",
      .id = { POL("{'Sid':'Assume','Effect':'Allow','Action':'sts:AssumeRole','Resource':'*'}") },
      .resource = POL("{'Sid':'TrustB','Effect':'Allow','Principal':{'AWS':'" USER_B "'},'Action':'sts:AssumeRole'}"),
      .kind = IAM_PK_IAM_USER, .principal = USER_B, .action = "sts:AssumeRole", .res = ROLE_R, .d = ALLOWED,
      .n = 2 },
    { .why = "§1.4: cross-account AssumeRole without the caller's identity allow",
      .resource = POL("{'Sid':'TrustB','Effect':'Allow','Principal':{'AWS':'" USER_B "'},'Action':'sts:AssumeRole'}"),
      .kind = IAM_PK_IAM_USER, .principal = USER_B, .action = "sts:AssumeRole", .res = ROLE_R,
      .d = IMPLICIT(IDENTITY) },
    { .why = "§1.6: Pod Identity trust: Service pods.eks.amazonaws.com",
      .resource = POL("{'Sid':'Pods','Effect':'Allow','Principal':{'Service':'pods.eks.amazonaws.com'},"
                      "'Action':['sts:AssumeRole','sts:TagSession']}"),
      .kind = IAM_PK_SERVICE, .principal = "pods.eks.amazonaws.com", .action = "sts:AssumeRole", .res = ROLE_R,
      .d = ALLOWED, .n = 1, .m = { M(RESOURCE, 0, 0, "Pods") } },
    { .why = "§1.6: IRSA trust with sub and aud conditions",
      .resource = IRSA_TRUST, .kind = IAM_PK_OTHER, .principal = OIDC, .action = "sts:AssumeRoleWithWebIdentity",
      .res = ROLE_R,
      .ctx = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE:sub=system:serviceaccount:ns:sa;"
             "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE:aud=sts.amazonaws.com",
      .d = ALLOWED, .n = 1, .m = { M(RESOURCE, 0, 0, "Irsa") } },
    { .why = "§1.6: IRSA trust: another service account",
      .resource = IRSA_TRUST, .kind = IAM_PK_OTHER, .principal = OIDC, .action = "sts:AssumeRoleWithWebIdentity",
      .res = ROLE_R,
      .ctx = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE:sub=system:serviceaccount:ns:other;"
             "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE:aud=sts.amazonaws.com",
      .d = IMPLICIT(RESOURCE) },
    { .why = "§1.7: Federated cognito-identity.amazonaws.com trust (web identity, no account)",
      .resource = POL("{'Sid':'Cognito','Effect':'Allow','Principal':{'Federated':'cognito-identity.amazonaws.com'},"
                      "'Action':'sts:AssumeRoleWithWebIdentity','Condition':{'StringEquals':"
                      "{'cognito-identity.amazonaws.com:aud':'us-east-1:12345678-abcd'}}}"),
      .kind = IAM_PK_OTHER, .principal = "cognito-identity.amazonaws.com",
      .action = "sts:AssumeRoleWithWebIdentity", .res = ROLE_R,
      .ctx = "cognito-identity.amazonaws.com:aud=us-east-1:12345678-abcd", .d = ALLOWED, .n = 1,
      .m = { M(RESOURCE, 0, 0, "Cognito") } },
    { .why = "§1.3/§1.10: a KMS key policy must allow; an identity allow alone is not enough",
      .id = { POL("{'Sid':'Kms','Effect':'Allow','Action':'kms:*','Resource':'*'}") },
      .resource = POL("{'Sid':'KeyAdmin','Effect':'Allow','Principal':{'AWS':'" USER2 "'},'Action':'kms:*',"
                      "'Resource':'*'}"),
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "kms:Decrypt", .res = KEY_A,
      .d = IMPLICIT(RESOURCE) },
    { .why = "§1.3: a key policy naming the account root delegates to IAM policies",
      .id = { POL("{'Sid':'Kms','Effect':'Allow','Action':'kms:*','Resource':'*'}") },
      .resource = POL("{'Sid':'EnableIAM','Effect':'Allow','Principal':{'AWS':'" ROOT "'},'Action':'kms:*',"
                      "'Resource':'*'}"),
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "kms:Decrypt", .res = KEY_A, .d = ALLOWED, .n = 2 },
    { .why = "§1.3: key policy delegating to the account, no identity allow",
      .resource = POL("{'Sid':'EnableIAM','Effect':'Allow','Principal':{'AWS':'" ROOT "'},'Action':'kms:*',"
                      "'Resource':'*'}"),
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "kms:Decrypt", .res = KEY_A,
      .d = IMPLICIT(IDENTITY) },

    /* ---- §1.3: root user, §1.7/§6.5 anonymous, service principals ------ */
    { .why = "§1.3: the root user is allowed in its own account without policies",
      .kind = IAM_PK_ACCOUNT_ROOT, .principal = ROOT, .action = "s3:DeleteBucket", .res = "arn:aws:s3:::bucket",
      .d = ALLOWED, .n = 0 },
    { .why = "§1.2: SCPs bind the root user of a member account",
      .scp = { { FULL_ACCESS }, { ALLOW_EC2 } }, .kind = IAM_PK_ACCOUNT_ROOT, .principal = ROOT,
      .action = "s3:DeleteBucket", .res = "arn:aws:s3:::bucket", .d = IMPLICIT(SCP) },
    { .why = "§1.3: the root user is subject to resource-policy denies",
      .resource = POL("{'Sid':'NoDelete','Effect':'Deny','Principal':'*','Action':'s3:DeleteBucket','Resource':'*'}"),
      .kind = IAM_PK_ACCOUNT_ROOT, .principal = ROOT, .action = "s3:DeleteBucket", .res = "arn:aws:s3:::bucket",
      .d = EXPLICIT(RESOURCE), .n = 1 },
    { .why = "§1.4: the root user cross-account needs the resource policy",
      .kind = IAM_PK_ACCOUNT_ROOT, .principal = ROOT, .action = "sqs:SendMessage", .res = QUEUE_B,
      .d = IMPLICIT(RESOURCE) },
    { .why = "§1.7/§6.5: Principal * includes anonymous callers",
      .resource = POL("{'Sid':'Public','Effect':'Allow','Principal':'*','Action':'s3:GetObject',"
                      "'Resource':'arn:aws:s3:::bucket/*'}"),
      .kind = IAM_PK_ANONYMOUS, .principal = "", .action = "s3:GetObject", .res = OBJ, .d = ALLOWED, .n = 1,
      .m = { M(RESOURCE, 0, 0, "Public") } },
    { .why = "§1.7: {AWS:*} includes anonymous callers",
      .resource = RES_NAMING("Public", "{'AWS':'*'}"), .kind = IAM_PK_ANONYMOUS, .principal = "",
      .action = "s3:GetObject", .res = OBJ, .d = ALLOWED, .n = 1 },
    { .why = "anonymous: an account principal does not name it",
      .resource = RES_NAMING("Acct", "{'AWS':'" ACCT_A "'}"), .kind = IAM_PK_ANONYMOUS, .principal = "",
      .action = "s3:GetObject", .res = OBJ, .d = IMPLICIT(RESOURCE) },
    { .why = "anonymous: no resource policy, nothing allows",
      .id = { ALLOW_ALL }, .kind = IAM_PK_ANONYMOUS, .principal = "", .action = "s3:GetObject", .res = OBJ,
      .d = IMPLICIT(RESOURCE) },
    { .why = "§1.9/§6.5: SCPs never apply to anonymous requests (no allow, even a deny)",
      .resource = RES_NAMING("Public", "'*'"),
      .scp = { { POL("{'Sid':'DenyAll','Effect':'Deny','Action':'*','Resource':'*'}") }, { EMPTY } },
      .kind = IAM_PK_ANONYMOUS, .principal = "", .action = "s3:GetObject", .res = OBJ, .d = ALLOWED, .n = 1 },
    { .why = "§1.9 [peer]: RCPs apply to anonymous requests",
      .resource = RES_NAMING("Public", "'*'"),
      .rcp = { { POL("{'Sid':'RCPFullAWSAccess','Effect':'Allow','Principal':'*','Action':'*','Resource':'*'},"
                     "{'Sid':'NoHttp','Effect':'Deny','Principal':'*','Action':'s3:*','Resource':'*',"
                     "'Condition':{'BoolIfExists':{'aws:SecureTransport':'false'}}}") } },
      .kind = IAM_PK_ANONYMOUS, .principal = "", .action = "s3:GetObject", .res = OBJ,
      .ctx = "aws:SecureTransport=false", .d = EXPLICIT(RCP), .n = 1, .m = { ML(RCP, 0, 0, 1, "NoHttp") } },
    { .why = "service principal named in the resource policy (CloudTrail bucket policy)",
      .resource = POL("{'Sid':'AWSCloudTrailWrite','Effect':'Allow','Principal':{'Service':"
                      "'cloudtrail.amazonaws.com'},'Action':'s3:PutObject','Resource':'arn:aws:s3:::trail/AWSLogs/"
                      ACCT_A "/*','Condition':{'StringEquals':{'aws:SourceAccount':'" ACCT_A "'}}}"),
      .kind = IAM_PK_SERVICE, .principal = "cloudtrail.amazonaws.com", .action = "s3:PutObject",
      .res = "arn:aws:s3:::trail/AWSLogs/111122223333/x.json.gz", .ctx = "aws:SourceAccount=" ACCT_A,
      .scp = { { EMPTY } }, .d = ALLOWED, .n = 1, .m = { M(RESOURCE, 0, 0, "AWSCloudTrailWrite") } },
    { .why = "service principal: another service is not named",
      .resource = POL("{'Sid':'CT','Effect':'Allow','Principal':{'Service':'cloudtrail.amazonaws.com'},"
                      "'Action':'s3:PutObject','Resource':'*'}"),
      .kind = IAM_PK_SERVICE, .principal = "config.amazonaws.com", .action = "s3:PutObject", .res = OBJ,
      .d = IMPLICIT(RESOURCE) },
    { .why = "a service principal is not an AWS principal",
      .resource = RES_NAMING("Acct", "{'AWS':'" ACCT_A "'}"), .kind = IAM_PK_SERVICE,
      .principal = "cloudtrail.amazonaws.com", .action = "s3:PutObject", .res = OBJ, .d = IMPLICIT(RESOURCE) },

    /* ---- §1.9: SCP and RCP levels ------------------------------------ */
    { .why = "§1.9: FullAWSAccess at every level",
      .id = { ALLOW_S3 }, .scp = { { FULL_ACCESS }, { FULL_ACCESS }, { FULL_ACCESS } }, .kind = IAM_PK_IAM_USER,
      .principal = USER, .action = "s3:GetObject", .res = OBJ, .d = ALLOWED, .n = 1,
      .m = { M(IDENTITY, 0, 0, "S3") } },
    { .why = "§1.9/§6.16: one level without an applicable Allow",
      .id = { ALLOW_S3 }, .scp = { { FULL_ACCESS }, { ALLOW_EC2 }, { FULL_ACCESS } }, .kind = IAM_PK_IAM_USER,
      .principal = USER, .action = "s3:GetObject", .res = OBJ, .d = IMPLICIT(SCP) },
    { .why = "§1.9: removing FullAWSAccess (empty level) blocks everything",
      .id = { ALLOW_S3 }, .scp = { { FULL_ACCESS }, { EMPTY } }, .kind = IAM_PK_IAM_USER, .principal = USER,
      .action = "s3:GetObject", .res = OBJ, .d = IMPLICIT(SCP) },
    { .why = "§1.2: an SCP never grants",
      .scp = { { FULL_ACCESS } }, .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject",
      .res = OBJ, .d = IMPLICIT(IDENTITY) },
    { .why = "AWS Organizations example: deny outside approved regions (exempt global services)",
      .id = { ALLOW_ALL }, .scp = { { FULL_ACCESS, REGION_SCP } }, .kind = IAM_PK_IAM_USER, .principal = USER,
      .action = "ec2:RunInstances", .res = "*", .ctx = "aws:RequestedRegion=ap-south-1",
      .d = EXPLICIT(SCP), .n = 1, .m = { ML(SCP, 0, 1, 0, "DenyAllOutsideEU") } },
    { .why = "AWS Organizations example: approved region",
      .id = { ALLOW_ALL }, .scp = { { FULL_ACCESS, REGION_SCP } }, .kind = IAM_PK_IAM_USER, .principal = USER,
      .action = "ec2:RunInstances", .res = "*", .ctx = "aws:RequestedRegion=eu-west-1", .d = ALLOWED, .n = 1 },
    { .why = "AWS Organizations example: NotAction exempts IAM",
      .id = { ALLOW_ALL }, .scp = { { FULL_ACCESS, REGION_SCP } }, .kind = IAM_PK_IAM_USER, .principal = USER,
      .action = "iam:CreateUser", .res = "*", .ctx = "aws:RequestedRegion=us-east-1", .d = ALLOWED, .n = 1 },
    { .why = "§1.9: an RCP level without an allow blocks",
      .id = { ALLOW_S3 }, .rcp = { { POL("{'Sid':'D','Effect':'Deny','Principal':'*','Action':'sqs:*','Resource':'*'}") } },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ, .d = IMPLICIT(RCP) },
    { .why = "§1.9: RCPFullAWSAccess lets the request through",
      .id = { ALLOW_S3 },
      .rcp = { { POL("{'Sid':'RCPFullAWSAccess','Effect':'Allow','Principal':'*','Action':'*','Resource':'*'}") } },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ, .d = ALLOWED, .n = 1 },

    /* ---- VPC endpoint ------------------------------------------------ */
    { .why = "§1.2: the VPC endpoint policy must allow",
      .id = { ALLOW_S3 },
      .vpce = POL("{'Sid':'OnlyGet','Effect':'Allow','Principal':'*','Action':'s3:GetObject','Resource':'*'}"),
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:PutObject", .res = OBJ,
      .d = IMPLICIT(VPC_ENDPOINT) },
    { .why = "§1.2: the VPC endpoint allows, identity allows (vpce not reported)",
      .id = { ALLOW_S3 },
      .vpce = POL("{'Sid':'OnlyGet','Effect':'Allow','Principal':'*','Action':'s3:GetObject','Resource':'*'}"),
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ, .d = ALLOWED, .n = 1,
      .m = { M(IDENTITY, 0, 0, "S3") } },
    { .why = "a VPC endpoint never grants",
      .vpce = POL("{'Sid':'All','Effect':'Allow','Principal':'*','Action':'*','Resource':'*'}"),
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ, .d = IMPLICIT(IDENTITY) },

    /* ---- §1.8: NotPrincipal, NotResource, NotAction ------------------- */
    { .why = "§1.8: Deny + NotPrincipal spares the listed user",
      .id = { ALLOW_S3 },
      .resource = POL("{'Sid':'DenyOthers','Effect':'Deny','NotPrincipal':{'AWS':['" USER "','" ROOT "']},"
                      "'Action':'s3:*','Resource':'*'}"),
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ, .d = ALLOWED, .n = 1 },
    { .why = "§1.8/§6.6: Deny + NotPrincipal always denies a principal with a boundary",
      .id = { ALLOW_S3 }, .boundary = ALLOW_ALL,
      .resource = POL("{'Sid':'DenyOthers','Effect':'Deny','NotPrincipal':{'AWS':['" USER "','" ROOT "']},"
                      "'Action':'s3:*','Resource':'*'}"),
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ, .d = EXPLICIT(RESOURCE),
      .n = 1, .m = { M(RESOURCE, 0, 0, "DenyOthers") } },
    { .why = "§1.8: Deny + NotPrincipal denies everyone else",
      .id = { ALLOW_S3 },
      .resource = POL("{'Sid':'DenyOthers','Effect':'Deny','NotPrincipal':{'AWS':'" USER2 "'},"
                      "'Action':'s3:*','Resource':'*'}"),
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ, .d = EXPLICIT(RESOURCE),
      .n = 1 },
    { .why = "§1.8: Deny + NotPrincipal: a session is not its role unless listed",
      .id = { ALLOW_S3 },
      .resource = POL("{'Sid':'DenyOthers','Effect':'Deny','NotPrincipal':{'AWS':['" SESSION "','" ROLE "','" ROOT
                      "']},'Action':'s3:*','Resource':'*'}"),
      .kind = IAM_PK_ASSUMED_ROLE_SESSION, .principal = SESSION, .action = "s3:GetObject", .res = OBJ,
      .ctx = "aws:PrincipalArn=" ROLE, .d = ALLOWED, .n = 1 },
    { .why = "§1.8: Allow + NotPrincipal grants to those not listed",
      .resource = POL("{'Sid':'AllowOthers','Effect':'Allow','NotPrincipal':{'AWS':'" USER2 "'},"
                      "'Action':'s3:*','Resource':'*'}"),
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ, .d = ALLOWED, .n = 1 },
    { .why = "§1.8: NotResource excludes the listed resources",
      .id = { POL("{'Sid':'NR','Effect':'Allow','Action':'s3:*','NotResource':'arn:aws:s3:::secret/*'}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = "arn:aws:s3:::secret/x",
      .d = IMPLICIT(IDENTITY) },
    { .why = "§1.8: NotResource applies to other resources",
      .id = { POL("{'Sid':'NR','Effect':'Allow','Action':'s3:*','NotResource':'arn:aws:s3:::secret/*'}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ, .d = ALLOWED, .n = 1 },
    { .why = "§1.8 [peer]: Allow + NotResource grants nothing on a wildcard-only action",
      .id = { POL("{'Sid':'NR','Effect':'Allow','Action':'*','NotResource':'arn:aws:s3:::secret'}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "iam:ListRoles", .res = "*", .wc = true,
      .d = IMPLICIT(IDENTITY) },
    { .why = "§1.8 [peer]: Deny + NotResource applies to a wildcard-only action",
      .id = { ALLOW_ALL, POL("{'Sid':'DNR','Effect':'Deny','Action':'*','NotResource':'arn:aws:s3:::secret'}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "iam:ListRoles", .res = "*", .wc = true,
      .d = EXPLICIT(IDENTITY), .n = 1, .m = { M(IDENTITY, 1, 0, "DNR") } },
    { .why = "§2.2/§6.15: Resource arn:... does not match a wildcard-only request",
      .id = { POL("{'Sid':'R','Effect':'Allow','Action':'iam:ListRoles','Resource':'arn:aws:iam::*'}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "iam:ListRoles", .res = "*", .wc = true,
      .d = IMPLICIT(IDENTITY) },
    { .why = "§2.2: Resource * matches a wildcard-only request",
      .id = { POL("{'Sid':'R','Effect':'Allow','Action':'iam:ListRoles','Resource':'*'}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "iam:ListRoles", .res = "*", .wc = true,
      .d = ALLOWED, .n = 1 },
    { .why = "§1.8: Allow + NotAction grants other services too",
      .id = { POL("{'Sid':'NA','Effect':'Allow','NotAction':'iam:*','Resource':'*'}") }, .kind = IAM_PK_IAM_USER,
      .principal = USER, .action = "dynamodb:GetItem", .res = "arn:aws:dynamodb:us-east-1:111122223333:table/t",
      .d = ALLOWED, .n = 1 },
    { .why = "§1.8: Allow + NotAction excludes the listed actions",
      .id = { POL("{'Sid':'NA','Effect':'Allow','NotAction':'iam:*','Resource':'*'}") }, .kind = IAM_PK_IAM_USER,
      .principal = USER, .action = "IAM:CreateUser", .res = "*", .d = IMPLICIT(IDENTITY) },

    /* ---- §2.3: variables in Resource ---------------------------------- */
    { .why = "§2.3 (AWS doc: home folder per user)",
      .id = { POL("{'Sid':'Home','Effect':'Allow','Action':'s3:*','Resource':'arn:aws:s3:::bucket/home/${aws:username}/*'}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = "arn:aws:s3:::bucket/home/alice/x",
      .ctx = "aws:username=alice", .d = ALLOWED, .n = 1 },
    { .why = "§2.3: another user's home",
      .id = { POL("{'Sid':'Home','Effect':'Allow','Action':'s3:*','Resource':'arn:aws:s3:::bucket/home/${aws:username}/*'}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = "arn:aws:s3:::bucket/home/bob/x",
      .ctx = "aws:username=alice", .d = IMPLICIT(IDENTITY) },
    { .why = "§2.3/§6.14: aws:username absent (a role session): no match",
      .id = { POL("{'Sid':'Home','Effect':'Allow','Action':'s3:*','Resource':'arn:aws:s3:::bucket/home/${aws:username}/*'}") },
      .kind = IAM_PK_ASSUMED_ROLE_SESSION, .principal = SESSION, .action = "s3:GetObject",
      .res = "arn:aws:s3:::bucket/home//x", .d = IMPLICIT(IDENTITY) },
    { .why = "§2.3: with 2008-10-17 a variable is literal text",
      .id = { "{'Version':'2008-10-17','Statement':[{'Sid':'Home','Effect':'Allow','Action':'s3:*',"
              "'Resource':'arn:aws:s3:::bucket/home/${aws:username}/*'}]}" },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = "arn:aws:s3:::bucket/home/alice/x",
      .ctx = "aws:username=alice", .d = IMPLICIT(IDENTITY) },
    { .why = "§2.3: a missing variable in NotResource excludes nothing",
      .id = { POL("{'Sid':'NR','Effect':'Allow','Action':'s3:*','NotResource':'arn:aws:s3:::bucket/${aws:username}/*'}") },
      .kind = IAM_PK_ASSUMED_ROLE_SESSION, .principal = SESSION, .action = "s3:GetObject",
      .res = "arn:aws:s3:::bucket/x/y", .d = ALLOWED, .n = 1 },
    { .why = "§2.3: ${*} in a Resource is a literal *",
      .id = { POL("{'Sid':'Lit','Effect':'Allow','Action':'s3:*','Resource':'arn:aws:s3:::bucket/${*}'}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = "arn:aws:s3:::bucket/*",
      .d = ALLOWED, .n = 1 },
    { .why = "§2.3: ${*} in a Resource does not match other keys",
      .id = { POL("{'Sid':'Lit','Effect':'Allow','Action':'s3:*','Resource':'arn:aws:s3:::bucket/${*}'}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ, .d = IMPLICIT(IDENTITY) },
    { .why = "variables in every Resource field (parse.c): ${aws:PrincipalAccount} in the account field",
      .id = { POL("{'Sid':'OwnKeys','Effect':'Allow','Action':'kms:Decrypt',"
                  "'Resource':'arn:aws:kms:*:${aws:PrincipalAccount}:key/*'}") },
      .resource = POL("{'Sid':'EnableIAM','Effect':'Allow','Principal':{'AWS':'" ROOT "'},'Action':'kms:*',"
                      "'Resource':'*'}"),
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "kms:Decrypt", .res = KEY_A,
      .ctx = "aws:PrincipalAccount=" ACCT_A, .d = ALLOWED, .n = 2, .m = { M(IDENTITY, 0, 0, "OwnKeys") } },
    { .why = "variables in every Resource field: another account's key",
      .id = { POL("{'Sid':'OwnKeys','Effect':'Allow','Action':'kms:Decrypt',"
                  "'Resource':'arn:aws:kms:*:${aws:PrincipalAccount}:key/*'}") },
      .resource = POL("{'Sid':'EnableIAM','Effect':'Allow','Principal':{'AWS':'" ROOT "'},'Action':'kms:*',"
                      "'Resource':'*'}"),
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "kms:Decrypt",
      .res = "arn:aws:kms:us-east-1:999999999999:key/k", .racct = ACCT_A, .ctx = "aws:PrincipalAccount=" ACCT_A,
      .d = IMPLICIT(IDENTITY) },
    { .why = "§2.3: default value ${aws:PrincipalTag/team, 'shared'}",
      .id = { POL("{'Sid':'Team','Effect':'Allow','Action':'s3:*','Resource':'arn:aws:s3:::bucket/${aws:PrincipalTag/team, `shared`}/*'}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = "arn:aws:s3:::bucket/shared/x",
      .d = ALLOWED, .n = 1 },

    /* ---- §3: conditions ----------------------------------------------- */
    { .why = "§3.4 (AWS doc, multi-value): ForAllValues:StringEquals, subset",
      .id = { POL("{'Sid':'Tags','Effect':'Allow','Action':'ec2:CreateTags','Resource':'*','Condition':"
                  "{'ForAllValues:StringEquals':{'aws:TagKeys':['environment','cost-center']}}}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "ec2:CreateTags", .res = "*",
      .ctx = "aws:TagKeys=environment", .d = ALLOWED, .n = 1 },
    { .why = "§3.4: ForAllValues:StringEquals, one value outside the set",
      .id = { POL("{'Sid':'Tags','Effect':'Allow','Action':'ec2:CreateTags','Resource':'*','Condition':"
                  "{'ForAllValues:StringEquals':{'aws:TagKeys':['environment','cost-center']}}}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "ec2:CreateTags", .res = "*",
      .ctx = "aws:TagKeys=environment|owner", .d = IMPLICIT(IDENTITY) },
    { .why = "§3.4/§6.10: ForAllValues is true on an absent key",
      .id = { POL("{'Sid':'Tags','Effect':'Allow','Action':'ec2:CreateTags','Resource':'*','Condition':"
                  "{'ForAllValues:StringEquals':{'aws:TagKeys':['environment','cost-center']}}}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "ec2:CreateTags", .res = "*", .d = ALLOWED, .n = 1 },
    { .why = "§3.4/§6.10: ForAllValues is true on an empty list",
      .id = { POL("{'Sid':'Tags','Effect':'Allow','Action':'ec2:CreateTags','Resource':'*','Condition':"
                  "{'ForAllValues:StringEquals':{'aws:TagKeys':['environment']}}}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "ec2:CreateTags", .res = "*", .ctx = "aws:TagKeys=[]",
      .d = ALLOWED, .n = 1 },
    { .why = "§3.4/§6.10: ForAnyValue is false on an absent key",
      .id = { POL("{'Sid':'Tags','Effect':'Allow','Action':'ec2:CreateTags','Resource':'*','Condition':"
                  "{'ForAnyValue:StringEquals':{'aws:TagKeys':['environment']}}}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "ec2:CreateTags", .res = "*", .d = IMPLICIT(IDENTITY) },
    { .why = "§3.4: ForAnyValue: one request value in the set",
      .id = { POL("{'Sid':'Tags','Effect':'Allow','Action':'ec2:CreateTags','Resource':'*','Condition':"
                  "{'ForAnyValue:StringEquals':{'aws:TagKeys':['environment']}}}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "ec2:CreateTags", .res = "*",
      .ctx = "aws:TagKeys=owner|environment", .d = ALLOWED, .n = 1 },
    { .why = "§3.4 [peer]: a plain operator on a multivalued key never matches",
      .id = { POL("{'Sid':'Tags','Effect':'Allow','Action':'ec2:CreateTags','Resource':'*','Condition':"
                  "{'StringEquals':{'aws:TagKeys':['a','b']}}}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "ec2:CreateTags", .res = "*", .ctx = "aws:TagKeys=a|b",
      .d = IMPLICIT(IDENTITY) },
    { .why = "§3.4 [peer]: a negated plain operator on a multivalued key is false too",
      .id = { ALLOW_ALL, POL("{'Sid':'D','Effect':'Deny','Action':'*','Resource':'*','Condition':"
                             "{'StringNotEquals':{'aws:TagKeys':'zzz'}}}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "ec2:CreateTags", .res = "*", .ctx = "aws:TagKeys=a|b",
      .d = ALLOWED, .n = 1 },
    { .why = "§3.3 MFA idiom: Deny + BoolIfExists false denies access-key calls (key absent)",
      .id = { ALLOW_ALL, POL("{'Sid':'NoMfa','Effect':'Deny','Action':'*','Resource':'*','Condition':"
                             "{'BoolIfExists':{'aws:MultiFactorAuthPresent':'false'}}}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ, .d = EXPLICIT(IDENTITY),
      .n = 1, .m = { M(IDENTITY, 1, 0, "NoMfa") } },
    { .why = "§3.3 MFA idiom: MFA present",
      .id = { ALLOW_ALL, POL("{'Sid':'NoMfa','Effect':'Deny','Action':'*','Resource':'*','Condition':"
                             "{'BoolIfExists':{'aws:MultiFactorAuthPresent':'false'}}}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ,
      .ctx = "aws:MultiFactorAuthPresent=true", .d = ALLOWED, .n = 1 },
    { .why = "§3.3 MFA idiom: Deny + Bool false misses access-key calls",
      .id = { ALLOW_ALL, POL("{'Sid':'NoMfa','Effect':'Deny','Action':'*','Resource':'*','Condition':"
                             "{'Bool':{'aws:MultiFactorAuthPresent':false}}}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ, .d = ALLOWED, .n = 1 },
    { .why = "§3.1/§6.11: negated operator, several values: must differ from all",
      .id = { ALLOW_ALL, POL("{'Sid':'Regions','Effect':'Deny','Action':'*','Resource':'*','Condition':"
                             "{'StringNotEquals':{'aws:RequestedRegion':['us-east-1','eu-west-1']}}}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ,
      .ctx = "aws:RequestedRegion=eu-west-1", .d = ALLOWED, .n = 1 },
    { .why = "§3.1: negated operator, value outside the list",
      .id = { ALLOW_ALL, POL("{'Sid':'Regions','Effect':'Deny','Action':'*','Resource':'*','Condition':"
                             "{'StringNotEquals':{'aws:RequestedRegion':['us-east-1','eu-west-1']}}}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ,
      .ctx = "aws:RequestedRegion=ap-south-1", .d = EXPLICIT(IDENTITY), .n = 1 },
    { .why = "§3.3/§6.9: negated operator is true on a missing key",
      .id = { ALLOW_ALL, POL("{'Sid':'Regions','Effect':'Deny','Action':'*','Resource':'*','Condition':"
                             "{'StringNotEquals':{'aws:RequestedRegion':['us-east-1','eu-west-1']}}}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ, .d = EXPLICIT(IDENTITY),
      .n = 1 },
    { .why = "AWS doc: deny outside source IP ranges (NotIpAddress), inside",
      .id = { ALLOW_ALL, POL("{'Sid':'Ip','Effect':'Deny','Action':'*','Resource':'*','Condition':"
                             "{'NotIpAddress':{'aws:SourceIp':['192.0.2.0/24','203.0.113.0/24']}}}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ,
      .ctx = "aws:SourceIp=203.0.113.77", .d = ALLOWED, .n = 1 },
    { .why = "AWS doc: deny outside source IP ranges, outside",
      .id = { ALLOW_ALL, POL("{'Sid':'Ip','Effect':'Deny','Action':'*','Resource':'*','Condition':"
                             "{'NotIpAddress':{'aws:SourceIp':['192.0.2.0/24','203.0.113.0/24']}}}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ,
      .ctx = "aws:SourceIp=198.51.100.1", .d = EXPLICIT(IDENTITY), .n = 1 },
    { .why = "§3.2: several operators AND, several keys AND",
      .id = { POL("{'Sid':'C','Effect':'Allow','Action':'s3:ListBucket','Resource':'*','Condition':{"
                  "'NumericLessThanEquals':{'s3:max-keys':'10'},"
                  "'DateGreaterThan':{'aws:CurrentTime':'2020-01-01T00:00:00Z'},"
                  "'StringLike':{'s3:prefix':['home/${aws:username}/*','shared/*'],'aws:userid':'AIDA*'}}}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:ListBucket", .res = "arn:aws:s3:::bucket",
      .ctx = "s3:max-keys=10;aws:CurrentTime=2024-06-01T12:00:00Z;s3:prefix=home/alice/docs;aws:username=alice;"
             "aws:userid=AIDAEXAMPLE",
      .d = ALLOWED, .n = 1 },
    { .why = "§3.2: one AND term false",
      .id = { POL("{'Sid':'C','Effect':'Allow','Action':'s3:ListBucket','Resource':'*','Condition':{"
                  "'NumericLessThanEquals':{'s3:max-keys':'10'},"
                  "'DateGreaterThan':{'aws:CurrentTime':'2020-01-01T00:00:00Z'}}}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:ListBucket", .res = "arn:aws:s3:::bucket",
      .ctx = "s3:max-keys=11;aws:CurrentTime=2024-06-01T12:00:00Z", .d = IMPLICIT(IDENTITY) },
    { .why = "§3.2/§6.8: ArnLike splits fields; * does not cross a colon",
      .id = { POL("{'Sid':'Src','Effect':'Allow','Action':'sns:Publish','Resource':'*','Condition':"
                  "{'ArnLike':{'aws:SourceArn':'arn:aws:s3:*:bucket'}}}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "sns:Publish", .res = "*",
      .ctx = "aws:SourceArn=arn:aws:s3:::bucket", .d = IMPLICIT(IDENTITY) },
    { .why = "§6.8: StringLike does not split fields",
      .id = { POL("{'Sid':'Src','Effect':'Allow','Action':'sns:Publish','Resource':'*','Condition':"
                  "{'StringLike':{'aws:SourceArn':'arn:aws:s3:*:bucket'}}}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "sns:Publish", .res = "*",
      .ctx = "aws:SourceArn=arn:aws:s3:::bucket", .d = ALLOWED, .n = 1 },
    { .why = "§2.3/§3.2: ArnEquals with ${aws:PrincipalAccount} in the account field",
      .id = { POL("{'Sid':'Own','Effect':'Allow','Action':'sns:Publish','Resource':'*','Condition':"
                  "{'ArnEquals':{'aws:SourceArn':'arn:aws:sqs:us-east-1:${aws:PrincipalAccount}:queue'}}}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "sns:Publish", .res = "*",
      .ctx = "aws:PrincipalAccount=" ACCT_A ";aws:SourceArn=" QUEUE_A, .d = ALLOWED, .n = 1 },
    { .why = "§3.3: Null true = key absent",
      .id = { POL("{'Sid':'N','Effect':'Allow','Action':'*','Resource':'*','Condition':"
                  "{'Null':{'aws:TokenIssueTime':'true'}}}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ, .d = ALLOWED, .n = 1 },
    { .why = "§3.3: Null: an empty string value is present",
      .id = { POL("{'Sid':'N','Effect':'Allow','Action':'*','Resource':'*','Condition':"
                  "{'Null':{'aws:TokenIssueTime':'true'}}}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ,
      .ctx = "aws:TokenIssueTime=", .d = IMPLICIT(IDENTITY) },
    { .why = "§3.1: condition keys are case-insensitive",
      .id = { POL("{'Sid':'K','Effect':'Allow','Action':'*','Resource':'*','Condition':"
                  "{'StringEquals':{'AWS:PRINCIPALTAG/Team':'blue'}}}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ,
      .ctx = "aws:principaltag/team=blue", .d = ALLOWED, .n = 1 },
    { .why = "§3.2: StringEquals is case-sensitive, StringEqualsIgnoreCase is not",
      .id = { POL("{'Sid':'K','Effect':'Allow','Action':'*','Resource':'*','Condition':"
                  "{'StringEquals':{'k1':'Blue'},'StringEqualsIgnoreCase':{'k2':'Blue'}}}") },
      .kind = IAM_PK_IAM_USER, .principal = USER, .action = "s3:GetObject", .res = OBJ, .ctx = "k1=Blue;k2=bLUE",
      .d = ALLOWED, .n = 1 },
};

static void build_set(fixture *fx, const ecase *c, iam_policy_set *set, const iam_index **scp, const iam_index **rcp)
{
    memset(set, 0, sizeof *set);
    set->identity = fx_index(fx, c->id, N_ELEMS(c->id));
    set->session = c->session ? fx_one(fx, c->session) : NULL;
    set->boundary = c->boundary ? fx_one(fx, c->boundary) : NULL;
    set->resource = c->resource ? fx_one(fx, c->resource) : NULL;
    set->vpc_endpoint = c->vpce ? fx_one(fx, c->vpce) : NULL;
    for (size_t l = 0; l < 3 && c->scp[l][0] != NULL; l++) {
        scp[l] = fx_index(fx, c->scp[l], 2);
        set->scp_levels = l + 1;
    }
    for (size_t l = 0; l < 3 && c->rcp[l][0] != NULL; l++) {
        rcp[l] = fx_index(fx, c->rcp[l], 2);
        set->rcp_levels = l + 1;
    }
    set->scp = set->scp_levels ? scp : NULL;
    set->rcp = set->rcp_levels ? rcp : NULL;
}

static void test_decision_table(void **state)
{
    int nfail = 0;
    (void)state;
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        const ecase *c = &cases[i];
        fixture fx = { 0 };
        iam_policy_set set;
        const iam_index *scp[3] = { 0 }, *rcp[3] = { 0 };
        iam_eval_result r;
        build_set(&fx, c, &set, scp, rcp);
        iam_request req = {
            .principal_kind = c->kind,
            .principal = iam_str_from_cstr(c->principal),
            .action = iam_str_from_cstr(c->action),
            .resource = iam_str_from_cstr(c->res),
            .resource_account = c->racct ? iam_str_from_cstr(c->racct) : IAM_STR_NULL,
            .action_is_wildcard_only = c->wc,
            .context = fx_context(&fx, c->ctx),
        };
        memset(&r, 0xa5, sizeof r);
        iam_err err = iam_authorize(&set, &req, &r);
        if (err != IAM_OK) {
            ROW_FAIL(nfail, "row %zu \"%s\": error %s", i, c->why, iam_err_str(err));
        } else if (r.decision != c->d || r.blocked_by != c->blocked || r.match_count != c->n) {
            ROW_FAIL(nfail, "row %zu \"%s\": got %s blocked_by %s matches %zu; want %s blocked_by %s matches %zu", i,
                     c->why, iam_decision_name(r.decision), iam_policy_type_name(r.blocked_by), r.match_count,
                     iam_decision_name(c->d), iam_policy_type_name(c->blocked), c->n);
        } else {
            for (size_t m = 0; m < N_ELEMS(c->m) && m < r.match_count; m++) {
                const mexp *e = &c->m[m];
                const iam_match *g = &r.matches[m];
                if (e->type == IAM_PT_NONE)
                    continue;
                iam_str sid = iam_policy_statement_sid(g->pol, g->statement);
                iam_effect eff = c->d == IAM_EXPLICIT_DENY ? IAM_EFFECT_DENY : IAM_EFFECT_ALLOW;
                if (g->type != e->type || g->level != e->level || g->policy != e->policy ||
                    g->statement != e->stmt || g->effect != eff || !iam_str_eq(sid, iam_str_from_cstr(e->sid)) ||
                    iam_policy_statement_effect(g->pol, g->statement) != eff)
                    ROW_FAIL(nfail,
                             "row %zu \"%s\": match %zu is %s L%u p%u s%u \"%.*s\" eff %d; want %s L%u p%u s%u "
                             "\"%s\"",
                             i, c->why, m, iam_policy_type_name(g->type), g->level, g->policy, g->statement,
                             (int)sid.len, sid.ptr, g->effect, iam_policy_type_name(e->type), e->level, e->policy,
                             e->stmt, e->sid);
            }
        }
        fx_free(&fx);
    }
    if (nfail)
        fail_msg("%d of %zu decision rows failed", nfail, N_ELEMS(cases));
}

/* ------------------------------------------------------------------ */
/* bookkeeping, arguments, names                                        */

/* More applicable statements than IAM_EVAL_MAX_MATCHES: all counted, the
 * first 16 kept in order. */
static void test_match_overflow(void **state)
{
    char doc[8192];
    size_t n = 0;
    fixture fx = { 0 };
    iam_eval_result r;
    (void)state;
    n += (size_t)snprintf(doc + n, sizeof doc - n, "{'Version':'2012-10-17','Statement':[");
    for (int i = 0; i < 20; i++)
        n += (size_t)snprintf(doc + n, sizeof doc - n, "%s{'Sid':'S%d','Effect':'Allow','Action':'s3:*','Resource':'*'}",
                              i ? "," : "", i);
    snprintf(doc + n, sizeof doc - n, "]}");
    iam_policy_set set = { .identity = fx_one(&fx, doc) };
    iam_request req = { .principal_kind = IAM_PK_IAM_USER, .principal = IAM_STR(USER),
                        .action = IAM_STR("s3:GetObject"), .resource = IAM_STR(OBJ) };
    assert_int_equal(iam_authorize(&set, &req, &r), IAM_OK);
    assert_int_equal(r.decision, IAM_ALLOW);
    assert_int_equal(r.match_count, 20);
    for (uint32_t i = 0; i < IAM_EVAL_MAX_MATCHES; i++) {
        char sid[8];
        snprintf(sid, sizeof sid, "S%u", i);
        assert_int_equal(r.matches[i].statement, i);
        assert_true(iam_str_eq(iam_policy_statement_sid(r.matches[i].pol, i), iam_str_from_cstr(sid)));
    }
    fx_free(&fx);
}

/* Several applicable statements in several policies: each reported once,
 * whatever list of the index it came from. */
static void test_matches_are_a_set(void **state)
{
    fixture fx = { 0 };
    iam_eval_result r;
    const char *ids[3] = { ALLOW_S3,
                           POL("{'Sid':'Exact','Effect':'Allow','Action':'s3:GetObject','Resource':'*'},"
                               "{'Sid':'Other','Effect':'Allow','Action':'ec2:*','Resource':'*'}"),
                           ALLOW_ALL };
    bool seen[3][2] = { { false } };
    (void)state;
    iam_policy_set set = { .identity = fx_index(&fx, ids, 3) };
    iam_request req = { .principal_kind = IAM_PK_IAM_USER, .principal = IAM_STR(USER),
                        .action = IAM_STR("s3:GetObject"), .resource = IAM_STR(OBJ) };
    assert_int_equal(iam_authorize(&set, &req, &r), IAM_OK);
    assert_int_equal(r.decision, IAM_ALLOW);
    assert_int_equal(r.match_count, 3);
    for (size_t m = 0; m < r.match_count; m++) {
        assert_int_equal(r.matches[m].type, IAM_PT_IDENTITY);
        assert_true(r.matches[m].policy < 3 && r.matches[m].statement < 2);
        assert_false(seen[r.matches[m].policy][r.matches[m].statement]);
        seen[r.matches[m].policy][r.matches[m].statement] = true;
        assert_ptr_equal(r.matches[m].pol, iam_index_policy(set.identity, r.matches[m].policy));
    }
    assert_true(seen[0][0] && seen[1][0] && seen[2][0]);
    assert_false(seen[1][1]);
    fx_free(&fx);
}

static void test_invalid_arguments(void **state)
{
    iam_eval_result r;
    iam_policy_set set = { 0 };
    iam_request req = { .principal_kind = IAM_PK_IAM_USER, .principal = IAM_STR(USER),
                        .action = IAM_STR("s3:GetObject"), .resource = IAM_STR(OBJ) };
    (void)state;
    assert_int_equal(iam_authorize(&set, &req, NULL), IAM_E_INVALID);
    memset(&r, 0xa5, sizeof r);
    assert_int_equal(iam_authorize(NULL, &req, &r), IAM_E_INVALID);
    assert_int_equal(r.decision, IAM_IMPLICIT_DENY); /* a failure is a denial */
    memset(&r, 0xa5, sizeof r);
    assert_int_equal(iam_authorize(&set, NULL, &r), IAM_E_INVALID);
    assert_int_equal(r.decision, IAM_IMPLICIT_DENY);
    set.scp_levels = 2; /* levels without the array */
    assert_int_equal(iam_authorize(&set, &req, &r), IAM_E_INVALID);
    assert_int_equal(r.decision, IAM_IMPLICIT_DENY);
    set.scp_levels = 0;
    set.rcp_levels = 1;
    assert_int_equal(iam_authorize(&set, &req, &r), IAM_E_INVALID);
    set.rcp_levels = 0;
    req.action = (iam_str){ NULL, 3 };
    assert_int_equal(iam_authorize(&set, &req, &r), IAM_E_INVALID);
    assert_int_equal(r.decision, IAM_IMPLICIT_DENY);
}

/* An empty action, or one longer than any action, matches nothing - even
 * under "Allow *". */
static void test_odd_actions(void **state)
{
    fixture fx = { 0 };
    iam_eval_result r;
    char longact[600];
    (void)state;
    iam_policy_set set = { .identity = fx_one(&fx, ALLOW_ALL) };
    iam_request req = { .principal_kind = IAM_PK_IAM_USER, .principal = IAM_STR(USER), .resource = IAM_STR(OBJ) };
    req.action = IAM_STR("");
    assert_int_equal(iam_authorize(&set, &req, &r), IAM_OK);
    assert_int_equal(r.decision, IAM_IMPLICIT_DENY);
    memset(longact, 'a', sizeof longact);
    memcpy(longact, "s3:", 3);
    req.action = (iam_str){ longact, sizeof longact };
    assert_int_equal(iam_authorize(&set, &req, &r), IAM_OK);
    assert_int_equal(r.decision, IAM_IMPLICIT_DENY);
    req.action = (iam_str){ longact, 200 }; /* long but plausible */
    assert_int_equal(iam_authorize(&set, &req, &r), IAM_OK);
    assert_int_equal(r.decision, IAM_ALLOW);
    fx_free(&fx);
}

/* A substituted variable longer than 4 KiB (the heap fallback of
 * iam_authorize) gives the same decision. */
static void test_long_variable_expansion(void **state)
{
    fixture fx = { 0 };
    iam_eval_result r;
    size_t n = 6000;
    char *name = malloc(n), *res = malloc(n + 64);
    (void)state;
    assert_non_null(name);
    assert_non_null(res);
    memset(name, 'u', n);
    int k = snprintf(res, 64, "arn:aws:s3:::bucket/home/");
    memcpy(res + k, name, n);
    memcpy(res + k + n, "/f", 2);
    iam_policy_set set = { .identity = fx_one(&fx, POL("{'Sid':'Home','Effect':'Allow','Action':'s3:*',"
                                                         "'Resource':'arn:aws:s3:::bucket/home/${aws:username}/*'}")) };
    assert_int_equal(iam_context_new(&fx.ctx), IAM_OK);
    assert_int_equal(iam_context_add(fx.ctx, IAM_STR("aws:username"), (iam_str){ name, n }), IAM_OK);
    iam_request req = { .principal_kind = IAM_PK_IAM_USER, .principal = IAM_STR(USER),
                        .action = IAM_STR("s3:GetObject"), .resource = { res, (size_t)k + n + 2 },
                        .context = fx.ctx };
    assert_int_equal(iam_authorize(&set, &req, &r), IAM_OK);
    assert_int_equal(r.decision, IAM_ALLOW);
    res[k + 10] = 'x';
    assert_int_equal(iam_authorize(&set, &req, &r), IAM_OK);
    assert_int_equal(r.decision, IAM_IMPLICIT_DENY);
    free(name);
    free(res);
    fx_free(&fx);
}

/* One decision does not leak into the next: the same set answers many
 * requests in any order (the evaluator keeps no state). */
static void test_no_state_between_calls(void **state)
{
    fixture fx = { 0 };
    iam_eval_result r1, r2;
    (void)state;
    iam_policy_set set = { .identity = fx_one(&fx, POL("{'Sid':'A','Effect':'Allow','Action':'s3:Get*','Resource':'*'},"
                                                         "{'Sid':'D','Effect':'Deny','Action':'s3:GetSecret','Resource':'*'}")) };
    iam_request a = { .principal_kind = IAM_PK_IAM_USER, .principal = IAM_STR(USER),
                      .action = IAM_STR("s3:GetObject"), .resource = IAM_STR(OBJ) };
    iam_request d = a;
    d.action = IAM_STR("s3:GetSecret");
    for (int i = 0; i < 100; i++) {
        assert_int_equal(iam_authorize(&set, i % 2 ? &a : &d, &r1), IAM_OK);
        assert_int_equal(r1.decision, i % 2 ? IAM_ALLOW : IAM_EXPLICIT_DENY);
    }
    assert_int_equal(iam_authorize(&set, &a, &r1), IAM_OK);
    assert_int_equal(iam_authorize(&set, &a, &r2), IAM_OK);
    assert_int_equal(r1.match_count, r2.match_count);
    assert_memory_equal(r1.matches, r2.matches, r1.match_count * sizeof r1.matches[0]);
    fx_free(&fx);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(iam_decision_name(IAM_ALLOW), "Allowed");
    assert_string_equal(iam_decision_name(IAM_EXPLICIT_DENY), "ExplicitlyDenied");
    assert_string_equal(iam_decision_name(IAM_IMPLICIT_DENY), "ImplicitlyDenied");
    assert_string_equal(iam_decision_name((iam_decision)42), "ImplicitlyDenied");
    assert_string_equal(iam_policy_type_name(IAM_PT_BOUNDARY), "permissions_boundary");
    assert_string_equal(iam_policy_type_name(IAM_PT_VPC_ENDPOINT), "vpc_endpoint");
    assert_string_equal(iam_policy_type_name((iam_policy_type)99), "none");
    static const char *kinds[] = { "anonymous", "iam_user", "iam_role", "assumed_role_session", "federated_user",
                                   "account_root", "service", "other" };
    for (size_t i = 0; i < N_ELEMS(kinds); i++) {
        iam_principal_kind k;
        assert_true(iam_principal_kind_from_name(iam_str_from_cstr(kinds[i]), &k));
        assert_int_equal(k, (iam_principal_kind)i);
        assert_string_equal(iam_principal_kind_name(k), kinds[i]);
    }
    iam_principal_kind k = IAM_PK_SERVICE;
    assert_false(iam_principal_kind_from_name(IAM_STR("IAM_USER"), &k));
    assert_false(iam_principal_kind_from_name(IAM_STR(""), &k));
    assert_int_equal(k, IAM_PK_SERVICE);
    assert_string_equal(iam_principal_kind_name((iam_principal_kind)77), "other");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decision_table),
        cmocka_unit_test(test_match_overflow),
        cmocka_unit_test(test_matches_are_a_set),
        cmocka_unit_test(test_invalid_arguments),
        cmocka_unit_test(test_odd_actions),
        cmocka_unit_test(test_long_variable_expansion),
        cmocka_unit_test(test_no_state_between_calls),
        cmocka_unit_test(test_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
