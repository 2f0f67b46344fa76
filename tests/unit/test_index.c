/* test_index.c - the action index (lib/policy/index.c): a decision must
 * touch only candidate statements. Checked two ways: through the internal
 * iam__index_visit (exactly which statements are visited, each at most
 * once, and which of them come with action_known) and through
 * iam_authorize (the decision and the reported matches are those of an
 * unpruned evaluation).
 * Contract (index.c): NotAction statements and statements with a wildcard
 * in a service prefix sit in a global list and are visited for every
 * request (action_known = false); every other statement is visited exactly
 * when one of its Action patterns matches the request's action (exact name
 * or a service pattern), with action_known = true; a service's patterns
 * beyond the 32nd go to an overflow list visited for every action of that
 * service (action_known = false). Given the request's resource, the index
 * may also drop statements whose Resource heads cannot match it (probes),
 * never one whose Resource does match. Facts: reference §2.1 (actions are
 * case-insensitive globs over "service:name"), §2.2 (ARN matching). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iam/eval.h"
#include "iam/policy.h"
#include "policy/policy_int.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static iam_policy *parse_ok(const char *json)
{
    iam_policy *p = NULL;
    iam_diag d;
    memset(&d, 0, sizeof d);
    if (iam_policy_parse(json, strlen(json), 0, &p, &d) != IAM_OK)
        fail_msg("parse: %s at %s\n%s", d.message, d.path, json);
    return p;
}

/* A growable string for building big documents. */
typedef struct sb {
    char *p;
    size_t n, cap;
} sb;

static void sb_add(sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(sb *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        assert_true(k >= 0);
        if (b->p && b->n + (size_t)k < b->cap) {
            b->n += (size_t)k;
            return;
        }
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->n + (size_t)k + 1)
            cap *= 2;
        b->p = realloc(b->p, cap);
        assert_non_null(b->p);
        b->cap = cap;
    }
}

/* ------------------------------------------------------------------ */
/* visit recording                                                      */

typedef struct visit_rec {
    uint32_t policy[4096], index[4096];
    bool known[4096];
    size_t n;
    size_t stop_after; /* 0 = never stop */
} visit_rec;

static bool record(const iam__stmt *st, uint32_t policy, uint32_t index, bool action_known, void *arg)
{
    visit_rec *r = arg;
    (void)st;
    assert_true(r->n < N_ELEMS(r->policy));
    r->policy[r->n] = policy;
    r->index[r->n] = index;
    r->known[r->n] = action_known;
    r->n++;
    return r->stop_after == 0 || r->n < r->stop_after;
}

static void visit(const iam_index *ix, const char *action_lower, visit_rec *r)
{
    memset(r, 0, sizeof *r);
    iam__index_visit(ix, iam_str_from_cstr(action_lower), NULL, record, r);
}

/* Statement s of policy p was visited exactly `want` times. */
static size_t times(const visit_rec *r, uint32_t p, uint32_t s)
{
    size_t k = 0;
    for (size_t i = 0; i < r->n; i++)
        k += r->policy[i] == p && r->index[i] == s;
    return k;
}

/* The visited set is exactly `want` (policy, statement, action_known),
 * each visited once. */
static void assert_visited(const visit_rec *r, const char *action, const uint32_t (*want)[3], size_t nwant)
{
    for (size_t i = 0; i < nwant; i++) {
        if (times(r, want[i][0], want[i][1]) != 1)
            fail_msg("%s: statement %u/%u visited %zu times, want 1", action, want[i][0], want[i][1],
                     times(r, want[i][0], want[i][1]));
        for (size_t k = 0; k < r->n; k++)
            if (r->policy[k] == want[i][0] && r->index[k] == want[i][1] && r->known[k] != (want[i][2] != 0))
                fail_msg("%s: statement %u/%u action_known %d, want %u", action, want[i][0], want[i][1],
                         r->known[k], want[i][2]);
    }
    if (r->n != nwant) {
        for (size_t i = 0; i < r->n; i++)
            print_error("  visited %u/%u known %d\n", r->policy[i], r->index[i], r->known[i]);
        fail_msg("%s: %zu statements visited, want %zu", action, r->n, nwant);
    }
}

/* ------------------------------------------------------------------ */
/* a mixed policy set                                                   */

/* policy 0: one statement per kind of entry
 *   0 s3:GetObject          exact s3:getobject
 *   1 s3:Put*               s3 pattern s3:put*
 *   2 *                     global
 *   3 NotAction iam:*       global
 *   4 ec2:DescribeInstances exact
 *   5 [s3:GetObject, ec2:RunInstances, S3:PUTOBJECT]  three exact names
 *   6 [s3:GetObject, s3:Get*]  exact and pattern: visited once
 *   7 *:GetObject           global (wildcard in the service)
 *   8 s?:GetObject          global
 *   9 [ec2:Describe*, s3:ListBucket]  ec2 pattern + s3 exact
 *  10 [s3:GetObject, s3:GetObject, S3:getobject]  duplicates: visited once
 *  11 iam                   no colon, no wildcard: in no list (matches nothing)
 *  12 s3*                   no colon, wildcard: global
 *  13 []                    empty Action: in no list
 * policy 1: sqs only */
static const char *const mixed_p0 =
    "{\"Version\":\"2012-10-17\",\"Statement\":["
    "{\"Sid\":\"S0\",\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"},"
    "{\"Sid\":\"S1\",\"Effect\":\"Allow\",\"Action\":\"s3:Put*\",\"Resource\":\"*\"},"
    "{\"Sid\":\"S2\",\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"arn:aws:none:::x\"},"
    "{\"Sid\":\"S3\",\"Effect\":\"Allow\",\"NotAction\":\"iam:*\",\"Resource\":\"arn:aws:none:::x\"},"
    "{\"Sid\":\"S4\",\"Effect\":\"Allow\",\"Action\":\"ec2:DescribeInstances\",\"Resource\":\"*\"},"
    "{\"Sid\":\"S5\",\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\",\"ec2:RunInstances\",\"S3:PUTOBJECT\"],"
    "\"Resource\":\"*\"},"
    "{\"Sid\":\"S6\",\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\",\"s3:Get*\"],\"Resource\":\"*\"},"
    "{\"Sid\":\"S7\",\"Effect\":\"Allow\",\"Action\":\"*:GetObject\",\"Resource\":\"*\"},"
    "{\"Sid\":\"S8\",\"Effect\":\"Allow\",\"Action\":\"s?:GetObject\",\"Resource\":\"*\"},"
    "{\"Sid\":\"S9\",\"Effect\":\"Allow\",\"Action\":[\"ec2:Describe*\",\"s3:ListBucket\"],\"Resource\":\"*\"},"
    "{\"Sid\":\"S10\",\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\",\"s3:GetObject\",\"S3:getobject\"],"
    "\"Resource\":\"*\"},"
    "{\"Sid\":\"S11\",\"Effect\":\"Allow\",\"Action\":\"iam\",\"Resource\":\"*\"},"
    "{\"Sid\":\"S12\",\"Effect\":\"Allow\",\"Action\":\"s3*\",\"Resource\":\"*\"},"
    "{\"Sid\":\"S13\",\"Effect\":\"Allow\",\"Action\":[],\"Resource\":\"*\"}"
    "]}";
static const char *const mixed_p1 =
    "{\"Version\":\"2012-10-17\",\"Statement\":["
    "{\"Effect\":\"Allow\",\"Action\":\"sqs:SendMessage\",\"Resource\":\"*\"},"
    "{\"Effect\":\"Deny\",\"Action\":\"sqs:*\",\"Resource\":\"*\"}"
    "]}";

static void test_visit_lists(void **state)
{
    iam_policy *pols[2] = { parse_ok(mixed_p0), parse_ok(mixed_p1) };
    iam_index *ix = NULL;
    visit_rec r;
    (void)state;
    assert_int_equal(iam_index_new(pols, 2, &ix), IAM_OK);
    iam_policy_free(pols[0]);
    iam_policy_free(pols[1]);
    assert_int_equal(iam_index_policy_count(ix), 2);

    /* global = {2,3,7,8,12} of policy 0, action_known = false */
#define G0 { 0, 2, 0 }, { 0, 3, 0 }, { 0, 7, 0 }, { 0, 8, 0 }, { 0, 12, 0 }
    static const uint32_t get[][3] = { G0, { 0, 0, 1 }, { 0, 5, 1 }, { 0, 6, 1 }, { 0, 10, 1 } };
    visit(ix, "s3:getobject", &r);
    assert_visited(&r, "s3:getobject", get, N_ELEMS(get));

    static const uint32_t put[][3] = { G0, { 0, 1, 1 }, { 0, 5, 1 } };
    visit(ix, "s3:putobject", &r);
    assert_visited(&r, "s3:putobject", put, N_ELEMS(put));

    static const uint32_t list[][3] = { G0, { 0, 9, 1 } };
    visit(ix, "s3:listbucket", &r);
    assert_visited(&r, "s3:listbucket", list, N_ELEMS(list));

    /* an s3 action no statement names: only the global list */
    static const uint32_t del[][3] = { G0 };
    visit(ix, "s3:deleteobject", &r);
    assert_visited(&r, "s3:deleteobject", del, N_ELEMS(del));

    static const uint32_t run[][3] = { G0, { 0, 5, 1 } };
    visit(ix, "ec2:runinstances", &r);
    assert_visited(&r, "ec2:runinstances", run, N_ELEMS(run));

    static const uint32_t desc[][3] = { G0, { 0, 4, 1 }, { 0, 9, 1 } };
    visit(ix, "ec2:describeinstances", &r);
    assert_visited(&r, "ec2:describeinstances", desc, N_ELEMS(desc));

    static const uint32_t descimg[][3] = { G0, { 0, 9, 1 } };
    visit(ix, "ec2:describeimages", &r);
    assert_visited(&r, "ec2:describeimages", descimg, N_ELEMS(descimg));

    static const uint32_t sqs[][3] = { G0, { 1, 0, 1 }, { 1, 1, 1 } };
    visit(ix, "sqs:sendmessage", &r);
    assert_visited(&r, "sqs:sendmessage", sqs, N_ELEMS(sqs));

    static const uint32_t sqs2[][3] = { G0, { 1, 1, 1 } };
    visit(ix, "sqs:deletequeue", &r);
    assert_visited(&r, "sqs:deletequeue", sqs2, N_ELEMS(sqs2));

    /* an unknown service, an action without a colon, a bare service */
    visit(ix, "dynamodb:getitem", &r);
    assert_visited(&r, "dynamodb:getitem", del, N_ELEMS(del));
    visit(ix, "iam", &r);
    assert_visited(&r, "iam", del, N_ELEMS(del));
    visit(ix, "s3:", &r);
    assert_visited(&r, "s3:", del, N_ELEMS(del));
    visit(ix, "s3", &r);
    assert_visited(&r, "s3", del, N_ELEMS(del));
#undef G0

    /* early stop */
    memset(&r, 0, sizeof r);
    r.stop_after = 2;
    iam__index_visit(ix, IAM_STR("s3:getobject"), NULL, record, &r);
    assert_int_equal(r.n, 2);
    iam_index_free(ix);
}

/* Pruning does not change decisions: the same requests through
 * iam_authorize report the expected statement. */
static void test_authorize_through_index(void **state)
{
    iam_policy *pols[2] = { parse_ok(mixed_p0), parse_ok(mixed_p1) };
    iam_index *ix = NULL;
    iam_eval_result r;
    (void)state;
    assert_int_equal(iam_index_new(pols, 2, &ix), IAM_OK);
    iam_policy_set set = { .identity = ix };
    iam_request req = { .principal_kind = IAM_PK_IAM_USER,
                        .principal = IAM_STR("arn:aws:iam::111122223333:user/alice"),
                        .resource = IAM_STR("arn:aws:s3:::b/k") };
    static const struct {
        const char *action;
        iam_decision d;
        size_t count;
        const char *sids[8];
    } rows[] = {
        /* S2 and S3 name another resource; S12 "s3*" (no colon) still globs over "s3:..." */
        { "s3:GetObject", IAM_ALLOW, 7, { "S0", "S5", "S6", "S7", "S8", "S10", "S12" } },
        { "S3:GETOBJECT", IAM_ALLOW, 7, { "S0", "S5", "S6", "S7", "S8", "S10", "S12" } }, /* §2.1 */
        { "s3:PutObject", IAM_ALLOW, 3, { "S1", "S5", "S12" } },
        { "s3:DeleteObject", IAM_ALLOW, 1, { "S12" } },
        { "iam:ListUsers", IAM_IMPLICIT_DENY, 0, { NULL } },
        { "ec2:RunInstances", IAM_ALLOW, 1, { "S5" } },
        { "ec2:DescribeImages", IAM_ALLOW, 1, { "S9" } },
        { "sqs:SendMessage", IAM_EXPLICIT_DENY, 1, { NULL } }, /* policy 1 Deny sqs:* */
        { "s3", IAM_ALLOW, 1, { "S12" } },
    };
    for (size_t i = 0; i < N_ELEMS(rows); i++) {
        req.action = iam_str_from_cstr(rows[i].action);
        assert_int_equal(iam_authorize(&set, &req, &r), IAM_OK);
        if (r.decision != rows[i].d || r.match_count != rows[i].count)
            fail_msg("%s: decision %d matches %zu, want %d %zu", rows[i].action, r.decision, r.match_count,
                     rows[i].d, rows[i].count);
        for (size_t m = 0; m < r.match_count && rows[i].sids[0] != NULL; m++) {
            bool found = false;
            iam_str sid = iam_policy_statement_sid(r.matches[m].pol, r.matches[m].statement);
            for (size_t k = 0; k < rows[i].count; k++)
                found |= iam_str_eq(sid, iam_str_from_cstr(rows[i].sids[k]));
            if (!found)
                fail_msg("%s: unexpected match %.*s", rows[i].action, (int)sid.len, sid.ptr);
            assert_int_equal(r.matches[m].type, IAM_PT_IDENTITY);
            assert_int_equal(r.matches[m].effect, IAM_EFFECT_ALLOW);
            assert_ptr_equal(r.matches[m].pol, iam_index_policy(ix, r.matches[m].policy));
        }
    }
    iam_policy_free(pols[0]);
    iam_policy_free(pols[1]);
    iam_index_free(ix);
}

/* Many statements of other services: a request visits only its own
 * service's candidates, and the decision names the one granting statement. */
static void test_pruning_many_services(void **state)
{
    enum { NPOL = 20, NSVC = 300 };
    iam_policy *pols[NPOL];
    iam_index *ix = NULL;
    visit_rec r;
    (void)state;
    /* policy k: statements for services svc<k*NSVC/NPOL ...>, one exact
     * and one wildcard action per service */
    for (int k = 0; k < NPOL; k++) {
        sb b = { 0 };
        sb_add(&b, "{\"Version\":\"2012-10-17\",\"Statement\":[");
        for (int s = k * (NSVC / NPOL); s < (k + 1) * (NSVC / NPOL); s++) {
            sb_add(&b, "%s{\"Sid\":\"E%d\",\"Effect\":\"Allow\",\"Action\":\"svc%d:DoThing\",\"Resource\":\"*\"},",
                   s == k * (NSVC / NPOL) ? "" : ",", s, s);
            sb_add(&b, "{\"Sid\":\"W%d\",\"Effect\":\"Allow\",\"Action\":\"svc%d:List*\",\"Resource\":\"*\"}", s, s);
        }
        sb_add(&b, "]}");
        pols[k] = parse_ok(b.p);
        free(b.p);
    }
    assert_int_equal(iam_index_new(pols, NPOL, &ix), IAM_OK);
    for (int s = 0; s < NSVC; s += 7) {
        char action[64], want_sid[16];
        uint32_t pol = (uint32_t)(s / (NSVC / NPOL)), base = (uint32_t)(2 * (s % (NSVC / NPOL)));
        snprintf(action, sizeof action, "svc%d:dothing", s);
        visit(ix, action, &r);
        /* only the exact statement: svc:List* does not match */
        uint32_t want[1][3] = { { pol, base, 1 } };
        assert_visited(&r, action, (const uint32_t(*)[3])want, 1);
        snprintf(action, sizeof action, "svc%d:listthings", s);
        visit(ix, action, &r);
        uint32_t want2[1][3] = { { pol, base + 1, 1 } };
        assert_visited(&r, action, (const uint32_t(*)[3])want2, 1);

        /* and through iam_authorize */
        iam_policy_set set = { .identity = ix };
        snprintf(action, sizeof action, "SVC%d:DoThing", s);
        iam_request req = { .principal_kind = IAM_PK_IAM_USER,
                            .principal = IAM_STR("arn:aws:iam::111122223333:user/alice"),
                            .action = iam_str_from_cstr(action),
                            .resource = IAM_STR("*") };
        iam_eval_result res;
        assert_int_equal(iam_authorize(&set, &req, &res), IAM_OK);
        assert_int_equal(res.decision, IAM_ALLOW);
        assert_int_equal(res.match_count, 1);
        assert_int_equal(res.matches[0].policy, pol);
        assert_int_equal(res.matches[0].statement, base);
        snprintf(want_sid, sizeof want_sid, "E%d", s);
        assert_true(iam_str_eq(iam_policy_statement_sid(res.matches[0].pol, base), iam_str_from_cstr(want_sid)));
    }
    /* a service with no statements visits nothing */
    visit(ix, "svc100000:dothing", &r);
    assert_int_equal(r.n, 0);
    for (int k = 0; k < NPOL; k++)
        iam_policy_free(pols[k]);
    iam_index_free(ix);
}

/* The same policy twice in one index: two positions, each visited. */
static void test_same_policy_twice(void **state)
{
    iam_policy *p = parse_ok("{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\","
                             "\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}}");
    iam_policy *pols[3] = { p, p, p };
    iam_index *ix = NULL;
    visit_rec r;
    (void)state;
    assert_int_equal(iam_index_new(pols, 3, &ix), IAM_OK);
    iam_policy_free(p); /* the index holds three references */
    assert_int_equal(iam_index_policy_count(ix), 3);
    assert_ptr_equal(iam_index_policy(ix, 0), iam_index_policy(ix, 2));
    assert_null(iam_index_policy(ix, 3));
    visit(ix, "s3:getobject", &r);
    static const uint32_t want[][3] = { { 0, 0, 1 }, { 1, 0, 1 }, { 2, 0, 1 } };
    assert_visited(&r, "s3:getobject", want, 3);
    iam_index_free(ix);
}

/* Empty index: visits nothing, allows nothing. Invalid arguments. */
static void test_empty_and_invalid(void **state)
{
    iam_index *ix = NULL;
    visit_rec r;
    iam_eval_result res;
    (void)state;
    assert_int_equal(iam_index_new(NULL, 0, &ix), IAM_OK);
    assert_int_equal(iam_index_policy_count(ix), 0);
    assert_null(iam_index_policy(ix, 0));
    visit(ix, "s3:getobject", &r);
    assert_int_equal(r.n, 0);
    iam_policy_set set = { .identity = ix };
    iam_request req = { .principal_kind = IAM_PK_IAM_USER,
                        .principal = IAM_STR("arn:aws:iam::111122223333:user/alice"),
                        .action = IAM_STR("s3:GetObject"),
                        .resource = IAM_STR("*") };
    assert_int_equal(iam_authorize(&set, &req, &res), IAM_OK);
    assert_int_equal(res.decision, IAM_IMPLICIT_DENY);
    assert_int_equal(res.blocked_by, IAM_PT_IDENTITY);
    iam_index_free(ix);

    iam_policy *none[2] = { NULL, NULL };
    ix = (iam_index *)(uintptr_t)1;
    assert_int_equal(iam_index_new(NULL, 2, &ix), IAM_E_INVALID);
    assert_int_equal(iam_index_new(none, 2, &ix), IAM_E_INVALID);
    assert_int_equal(iam_index_new(none, 0, NULL), IAM_E_INVALID);
    iam_index_free(NULL);
    assert_int_equal(iam_index_policy_count(NULL), 0);
    assert_null(iam_index_policy(NULL, 0));
}

/* Many distinct keys in one index (the open-addressing table grows) and
 * service names that share prefixes ("s3" vs "s3x", "ec" vs "ec2"). */
static void test_many_keys_and_prefix_services(void **state)
{
    sb b = { 0 };
    iam_index *ix = NULL;
    visit_rec r;
    (void)state;
    sb_add(&b, "{\"Version\":\"2012-10-17\",\"Statement\":[");
    for (int i = 0; i < 1000; i++)
        sb_add(&b, "%s{\"Effect\":\"Allow\",\"Action\":\"s%d:A%d\",\"Resource\":\"*\"}", i ? "," : "", i % 50, i);
    sb_add(&b, ",{\"Effect\":\"Allow\",\"Action\":\"s3x:*\",\"Resource\":\"*\"}"); /* 1000 */
    sb_add(&b, ",{\"Effect\":\"Allow\",\"Action\":\"ec:*\",\"Resource\":\"*\"}");  /* 1001 */
    sb_add(&b, ",{\"Effect\":\"Allow\",\"Action\":\"ec2:A\",\"Resource\":\"*\"}"); /* 1002 */
    sb_add(&b, "]}");
    iam_policy *p = parse_ok(b.p);
    free(b.p);
    assert_int_equal(iam_index_new(&p, 1, &ix), IAM_OK);
    iam_policy_free(p);
    for (int i = 0; i < 1000; i++) {
        char a[32];
        snprintf(a, sizeof a, "s%d:a%d", i % 50, i);
        visit(ix, a, &r);
        uint32_t want[1][3] = { { 0, (uint32_t)i, 1 } };
        assert_visited(&r, a, (const uint32_t(*)[3])want, 1);
    }
    visit(ix, "s3:a3", &r); /* not s3x's list */
    assert_int_equal(r.n, 1);
    visit(ix, "s3x:a3", &r);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.index[0], 1000);
    visit(ix, "ec2:a", &r); /* not ec's list */
    assert_int_equal(r.n, 1);
    assert_int_equal(r.index[0], 1002);
    visit(ix, "s3:a4", &r); /* s4:A4 exists, s3:a4 does not */
    assert_int_equal(r.n, 0);
    iam_index_free(ix);
}

/* Statements of several policy types share nothing: the index over a
 * policy with only Deny NotAction statements puts them all in the global
 * list, and they are visited for every action. */
static void test_notaction_global(void **state)
{
    iam_policy *p = parse_ok("{\"Version\":\"2012-10-17\",\"Statement\":["
                             "{\"Effect\":\"Deny\",\"NotAction\":[\"iam:*\",\"sts:*\"],\"Resource\":\"*\"},"
                             "{\"Effect\":\"Allow\",\"NotAction\":\"s3:GetObject\",\"Resource\":\"*\"}]}");
    iam_index *ix = NULL;
    visit_rec r;
    (void)state;
    assert_int_equal(iam_index_new(&p, 1, &ix), IAM_OK);
    static const char *actions[] = { "s3:getobject", "iam:listusers", "x", "", "a:b:c" };
    static const uint32_t both[][3] = { { 0, 0, 0 }, { 0, 1, 0 } };
    for (size_t i = 0; i < N_ELEMS(actions); i++) {
        visit(ix, actions[i], &r);
        assert_visited(&r, actions[i], both, 2);
    }
    iam_policy_set set = { .identity = ix };
    iam_request req = { .principal_kind = IAM_PK_IAM_USER,
                        .principal = IAM_STR("arn:aws:iam::1:user/a"),
                        .action = IAM_STR("iam:ListUsers"),
                        .resource = IAM_STR("*") };
    iam_eval_result res;
    assert_int_equal(iam_authorize(&set, &req, &res), IAM_OK);
    assert_int_equal(res.decision, IAM_ALLOW); /* Allow NotAction s3:GetObject */
    req.action = IAM_STR("ec2:RunInstances");
    assert_int_equal(iam_authorize(&set, &req, &res), IAM_OK);
    assert_int_equal(res.decision, IAM_EXPLICIT_DENY); /* Deny NotAction iam:*,sts:* */
    req.action = IAM_STR("s3:GetObject");
    assert_int_equal(iam_authorize(&set, &req, &res), IAM_OK);
    assert_int_equal(res.decision, IAM_EXPLICIT_DENY);
    iam_policy_free(p);
    iam_index_free(ix);
}

/* ------------------------------------------------------------------ */
/* the contract as an oracle                                            */

static bool oracle_global(const iam__stmt *st)
{
    if (st->not_action)
        return true;
    for (uint32_t i = 0; i < st->nactions; i++) {
        iam_str a = st->action_text[i];
        const char *colon = memchr(a.ptr, ':', a.len);
        size_t svc = colon ? (size_t)(colon - a.ptr) : a.len;
        for (size_t k = 0; k < svc; k++)
            if (a.ptr[k] == '*' || a.ptr[k] == '?')
                return true;
    }
    return false;
}

static bool oracle_action_matches(const iam__stmt *st, iam_str action_lower)
{
    for (uint32_t i = 0; i < st->nactions; i++)
        if (iam__pat_match(&st->actions[i], action_lower, false, NULL, NULL))
            return true;
    return false;
}

/* For one action: every global statement visited once without
 * action_known; every other statement visited once with action_known
 * exactly when one of its Action patterns matches, and not at all
 * otherwise. Returns the number of visits. */
static size_t check_contract(const iam_index *ix, const char *action_lower)
{
    visit_rec *r = calloc(1, sizeof *r);
    assert_non_null(r);
    iam__index_visit(ix, iam_str_from_cstr(action_lower), NULL, record, r);
    size_t n = r->n;
    for (uint32_t p = 0; p < iam_index_policy_count(ix); p++) {
        const iam_policy *pol = iam_index_policy(ix, p);
        for (uint32_t s = 0; s < pol->nstmts; s++) {
            const iam__stmt *st = &pol->stmts[s];
            size_t k = times(r, p, s);
            bool global = !st->no_action && oracle_global(st);
            bool match = !st->no_action && !global && oracle_action_matches(st, iam_str_from_cstr(action_lower));
            size_t want = (global || match) ? 1 : 0;
            if (k != want)
                fail_msg("%s: policy %u statement %u visited %zu times, want %zu (global %d, match %d)",
                         action_lower, p, s, k, want, global, match);
            for (size_t v = 0; v < r->n; v++)
                if (r->policy[v] == p && r->index[v] == s && r->known[v] != match)
                    fail_msg("%s: policy %u statement %u action_known %d, want %d", action_lower, p, s,
                             r->known[v], match);
        }
    }
    free(r);
    return n;
}

/* A generated policy set with many shapes of Action per service, checked
 * against the oracle for many actions. */
static void test_contract_oracle(void **state)
{
    static const char *const svcs[] = { "s3", "ec2", "iam", "sqs", "s3x", "e" };
    static const char *const pats[] = { "GetObject", "Get*", "*Object", "Put?bject", "*", "List*", "Describe*",
                                        "DescribeInstances", "*Tag*", "RunInstances", "G*t*", "??" };
    static const char *const names[] = { "getobject", "putobject", "listbucket", "describeinstances",
                                         "runinstances", "createtags", "gt", "xy", "", "get", "object",
                                         "describeimages", "getobjecttagging" };
    iam_policy *pols[4];
    iam_index *ix = NULL;
    unsigned seed = 12345;
    (void)state;
    for (int p = 0; p < 4; p++) {
        sb b = { 0 };
        sb_add(&b, "{\"Version\":\"2012-10-17\",\"Statement\":[");
        for (int st = 0; st < 60; st++) {
            seed = seed * 1103515245u + 12345u;
            int nact = 1 + (int)((seed >> 16) % 4);
            bool notact = ((seed >> 8) % 17) == 0;
            sb_add(&b, "%s{\"Effect\":\"Allow\",\"%s\":[", st ? "," : "", notact ? "NotAction" : "Action");
            for (int a = 0; a < nact; a++) {
                seed = seed * 1103515245u + 12345u;
                const char *svc = svcs[(seed >> 16) % N_ELEMS(svcs)];
                const char *pat = pats[(seed >> 8) % N_ELEMS(pats)];
                char act[64], upper[64];
                snprintf(act, sizeof act, "%s:%s", svc, pat);
                /* mixed case in the policy: the index must lower it */
                for (size_t i = 0; i <= strlen(act); i++)
                    upper[i] = (char)((seed >> (i % 16)) & 1 && act[i] >= 'a' && act[i] <= 'z' ? act[i] - 32 : act[i]);
                sb_add(&b, "%s\"%s\"", a ? "," : "", upper);
            }
            if (((seed >> 4) % 23) == 0)
                sb_add(&b, ",\"*:Get*\"");
            sb_add(&b, "],\"Resource\":\"*\"}");
        }
        sb_add(&b, "]}");
        pols[p] = parse_ok(b.p);
        free(b.p);
    }
    assert_int_equal(iam_index_new(pols, 4, &ix), IAM_OK);
    for (int p = 0; p < 4; p++)
        iam_policy_free(pols[p]);
    size_t total = 0;
    for (size_t i = 0; i < N_ELEMS(svcs); i++)
        for (size_t j = 0; j < N_ELEMS(names); j++) {
            char action[64];
            snprintf(action, sizeof action, "%s:%s", svcs[i], names[j]);
            total += check_contract(ix, action);
        }
    total += check_contract(ix, "nosuch:getobject");
    total += check_contract(ix, "noservice");
    assert_true(total > 0);
    iam_index_free(ix);
}

/* A statement whose several patterns all match one action is visited once;
 * an exact name and a matching pattern of one statement too. */
static void test_several_patterns_one_visit(void **state)
{
    iam_policy *p = parse_ok("{\"Version\":\"2012-10-17\",\"Statement\":["
                             "{\"Effect\":\"Allow\",\"Action\":[\"s3:Get*\",\"s3:*Object\",\"s3:G?tObject\","
                             "\"s3:GetObject\",\"s3:*\"],\"Resource\":\"*\"},"
                             "{\"Effect\":\"Allow\",\"Action\":[\"s3:*Object\",\"s3:Get*\"],\"Resource\":\"*\"},"
                             "{\"Effect\":\"Allow\",\"Action\":[\"s3:PutObject\",\"s3:*\"],\"Resource\":\"*\"}]}");
    iam_index *ix = NULL;
    visit_rec r;
    (void)state;
    assert_int_equal(iam_index_new(&p, 1, &ix), IAM_OK);
    iam_policy_free(p);
    static const uint32_t all[][3] = { { 0, 0, 1 }, { 0, 1, 1 }, { 0, 2, 1 } };
    visit(ix, "s3:getobject", &r);
    assert_visited(&r, "s3:getobject", all, 3);
    visit(ix, "s3:putobject", &r);
    assert_visited(&r, "s3:putobject", all, 3);
    static const uint32_t two[][3] = { { 0, 0, 1 }, { 0, 2, 1 } };
    visit(ix, "s3:listbucket", &r);
    assert_visited(&r, "s3:listbucket", two, 2);
    assert_int_equal(check_contract(ix, "s3:gatobject"), 3);
    iam_index_free(ix);
}

/* More than 32 distinct patterns in one service: the extra statements go
 * to the overflow list; decisions stay right and nothing is visited twice. */
static void test_pattern_overflow(void **state)
{
    sb b = { 0 };
    iam_index *ix = NULL;
    visit_rec r;
    (void)state;
    sb_add(&b, "{\"Version\":\"2012-10-17\",\"Statement\":[");
    for (int i = 0; i < 40; i++)
        sb_add(&b, "%s{\"Sid\":\"P%d\",\"Effect\":\"Allow\",\"Action\":\"s3:Op%d_*\",\"Resource\":\"*\"}",
               i ? "," : "", i, i);
    /* one statement with 40 patterns of its own, and an exact name */
    sb_add(&b, ",{\"Sid\":\"Many\",\"Effect\":\"Allow\",\"Action\":[\"s3:Exact\"");
    for (int i = 0; i < 40; i++)
        sb_add(&b, ",\"s3:Many%d?\"", i);
    sb_add(&b, "],\"Resource\":\"*\"}]}");
    iam_policy *p = parse_ok(b.p);
    free(b.p);
    assert_int_equal(iam_index_new(&p, 1, &ix), IAM_OK);
    for (int i = 0; i < 40; i++) {
        char action[32];
        snprintf(action, sizeof action, "s3:op%d_x", i);
        visit(ix, action, &r);
        /* the statement that matches is visited exactly once */
        if (times(&r, 0, (uint32_t)i) != 1)
            fail_msg("%s: P%d visited %zu times", action, i, times(&r, 0, (uint32_t)i));
        for (size_t k = 0; k < r.n; k++)
            if (times(&r, r.policy[k], r.index[k]) != 1)
                fail_msg("%s: %u visited twice", action, r.index[k]);
        /* and it grants */
        iam_policy_set set = { .identity = ix };
        iam_request req = { .principal_kind = IAM_PK_IAM_USER, .principal = IAM_STR("arn:aws:iam::1:user/u"),
                            .action = iam_str_from_cstr(action), .resource = IAM_STR("*") };
        iam_eval_result res;
        assert_int_equal(iam_authorize(&set, &req, &res), IAM_OK);
        assert_int_equal(res.decision, IAM_ALLOW);
        assert_int_equal(res.match_count, 1);
        assert_int_equal(res.matches[0].statement, (uint32_t)i);
    }
    static const char *const many[] = { "s3:exact", "s3:many0x", "s3:many39x", "s3:many12z", "s3:many5y" };
    for (size_t i = 0; i < N_ELEMS(many); i++) {
        visit(ix, many[i], &r);
        assert_int_equal(times(&r, 0, 40), 1);
        iam_policy_set set = { .identity = ix };
        iam_request req = { .principal_kind = IAM_PK_IAM_USER, .principal = IAM_STR("arn:aws:iam::1:user/u"),
                            .action = iam_str_from_cstr(many[i]), .resource = IAM_STR("*") };
        iam_eval_result res;
        assert_int_equal(iam_authorize(&set, &req, &res), IAM_OK);
        assert_int_equal(res.decision, IAM_ALLOW);
        assert_int_equal(res.match_count, 1);
        assert_int_equal(res.matches[0].statement, 40);
    }
    /* no match at all */
    iam_policy_set set = { .identity = ix };
    iam_request req = { .principal_kind = IAM_PK_IAM_USER, .principal = IAM_STR("arn:aws:iam::1:user/u"),
                        .action = IAM_STR("s3:nothing"), .resource = IAM_STR("*") };
    iam_eval_result res;
    assert_int_equal(iam_authorize(&set, &req, &res), IAM_OK);
    assert_int_equal(res.decision, IAM_IMPLICIT_DENY);
    iam_policy_free(p);
    iam_index_free(ix);
}

/* ------------------------------------------------------------------ */
/* resource probes                                                      */

static void visit_res(const iam_index *ix, const char *action_lower, const char *resource, visit_rec *r)
{
    iam__arn_split sp;
    memset(r, 0, sizeof *r);
    iam__arn_split_value(iam_str_from_cstr(resource), &sp);
    iam__index_visit(ix, iam_str_from_cstr(action_lower), &sp, record, r);
}

/* Does any Resource pattern of the statement match (no context)? */
static bool resource_matches(const iam__stmt *st, const char *resource)
{
    iam__arn_split sp;
    iam__arn_split_value(iam_str_from_cstr(resource), &sp);
    if (!st->has_resource)
        return true;
    bool any = false;
    for (uint32_t i = 0; i < st->nresources && !any; i++)
        any = iam__arnpat_match(&st->resources[i], &sp, NULL, NULL);
    return st->not_resource ? !any : any;
}

/* Probes drop only statements whose Resource cannot match: every statement
 * visited without a resource and whose Resource matches is still visited
 * with it; and some statements are dropped. */
static void test_resource_probes(void **state)
{
    iam_policy *p = parse_ok(
        "{\"Version\":\"2012-10-17\",\"Statement\":["
        "{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::bucket-a/*\"},"          /* 0 */
        "{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::bucket-b/*\"},"          /* 1 */
        "{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":[\"arn:aws:s3:::x/*\",\"arn:aws:s3:::bucket-a/k\"]},"
        "{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"NotResource\":\"arn:aws:s3:::bucket-b/*\"},"       /* 3 */
        "{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::*\"},"                   /* 4 */
        "{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3\"},"                       /* 5 */
        "{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"},"                                /* 6 */
        "{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::bucket-a/${aws:username}/*\"},"
        "{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:*:*:bucket-a/k\"},"        /* 8 */
        "{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::a-very-long-bucket-name-that-is-longer/k*\"},"
        "{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":[\"arn:aws:s3:::1\",\"arn:aws:s3:::2\",\"arn:aws:s3:::3\","
        "\"arn:aws:s3:::4\",\"arn:aws:s3:::bucket-a/k\"]},"                                                               /* 10 */
        "{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"arn:aws:s3:::bucket-a/k\"}"                    /* 11 */
        "]}");
    iam_index *ix = NULL;
    visit_rec all, some;
    (void)state;
    assert_int_equal(iam_index_new(&p, 1, &ix), IAM_OK);
    static const char *const resources[] = { "arn:aws:s3:::bucket-a/k", "arn:aws:s3:::bucket-b/k", "arn:aws:s3:::x/y",
                                             "arn:aws:s3:::bucket-a/alice/k", "arn:aws:s3:::a-very-long-bucket-name-that-is-longer/k1",
                                             "arn:aws:s3:::b", "arn:aws:s3:::", "arn:aws:s3:us-east-1:1:bucket-a/k",
                                             "arn:aws:s3", "*", "", "arn:aws:s3:::bucket-a/k:with:colons" };
    size_t dropped = 0;
    for (size_t i = 0; i < N_ELEMS(resources); i++) {
        visit(ix, "s3:getobject", &all);
        visit_res(ix, "s3:getobject", resources[i], &some);
        assert_true(some.n <= all.n);
        for (size_t k = 0; k < all.n; k++) {
            const iam__stmt *st = &p->stmts[all.index[k]];
            size_t t = times(&some, 0, all.index[k]);
            assert_true(t <= 1);
            if (resource_matches(st, resources[i]) && t != 1)
                fail_msg("resource \"%s\": statement %u matches but was dropped", resources[i], all.index[k]);
            dropped += t == 0;
        }
    }
    assert_true(dropped > 0); /* the filter does something */
    /* a resource part longer than the probe buffer: no filtering, no harm */
    char longres[2048];
    memset(longres, 'k', sizeof longres - 1);
    longres[sizeof longres - 1] = '\0';
    memcpy(longres, "arn:aws:s3:::bucket-a/", 22);
    visit_res(ix, "s3:getobject", longres, &some);
    assert_int_equal(times(&some, 0, 0), 1);
    iam_policy_free(p);
    iam_index_free(ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_visit_lists),
        cmocka_unit_test(test_authorize_through_index),
        cmocka_unit_test(test_pruning_many_services),
        cmocka_unit_test(test_same_policy_twice),
        cmocka_unit_test(test_empty_and_invalid),
        cmocka_unit_test(test_many_keys_and_prefix_services),
        cmocka_unit_test(test_notaction_global),
        cmocka_unit_test(test_contract_oracle),
        cmocka_unit_test(test_several_patterns_one_visit),
        cmocka_unit_test(test_pattern_overflow),
        cmocka_unit_test(test_resource_probes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
