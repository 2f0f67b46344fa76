/* fuzz_policy.c - libFuzzer target for the policy engine end to end:
 * compiler (parse.c), index (index.c) and decision (eval.c, statement.c,
 * condition.c, pattern.c, arn.c, context.c).
 *
 * Input layout (lines end with '\n'; a missing line is empty):
 *     line 1  action                      "s3:GetObject"
 *     line 2  resource                    "arn:aws:s3:::bucket/key" or "*"
 *     line 3  context, '&'-separated      "aws:username=alice&aws:TagKeys=a&aws:TagKeys=b&empty"
 *             (a repeated key is multivalued; a key without '=' is an empty list)
 *     line 4  K M M principal             K: principal kind digit (mod 8);
 *                                         MM: two hex digits, bit mask of the policy types
 *                                         that get a document (bit 0 identity, 1 resource,
 *                                         2 boundary, 3 session, 4 SCP, 5 RCP, 6 VPC endpoint,
 *                                         7 wildcard-only action)
 *     rest    one to four policy documents separated by a line "%%";
 *             policy type t takes document t % count.
 * Every document is parsed strictly and leniently; the policies that parse
 * go into indexes and one request is authorized.
 *
 * Invariants (abort on violation):
 *   - a parse error leaves *out NULL and a terminated diagnostic;
 *   - a document that parses strictly also parses leniently, with the same
 *     statements (count, Sid, Effect), and decides identically;
 *   - a parsed policy always indexes and evaluates without error;
 *   - the decision is one of the three, blocked_by fits it, match_count is
 *     0 for an implicit deny and >= 1 for an explicit deny, every kept match
 *     names a real statement of its policy with that statement's effect;
 *   - evaluation is deterministic and does not depend on the action's case
 *     or on a NULL vs an empty context;
 *   - the index prunes nothing that applies: for every index, the statements
 *     that apply when visited through iam__index_visit (with its action
 *     lists and resource probes) are exactly those that apply when every
 *     statement is checked in full, with the same naming, and a statement
 *     visited with action_known really matches the action. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iam/context.h"
#include "iam/eval.h"
#include "iam/policy.h"
#include "policy/policy_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                 \
    do {                                                                            \
        if (!(cond)) {                                                              \
            fprintf(stderr, "fuzz_policy: invariant failed: %s (line %d)\n", #cond, \
                    __LINE__);                                                      \
            abort();                                                                \
        }                                                                           \
    } while (0)

#define MAX_DOCS 4
#define NTYPES 7

typedef struct cursor {
    const char *p;
    size_t n;
} cursor;

/* Takes the next line (without its '\n'); the empty slice at the end. */
static iam_str next_line(cursor *c)
{
    const char *nl = memchr(c->p, '\n', c->n);
    size_t len = nl ? (size_t)(nl - c->p) : c->n;
    iam_str s = { c->p, len };
    c->p += nl ? len + 1 : len;
    c->n -= nl ? len + 1 : len;
    return s;
}

static void fill_context(iam_context *ctx, iam_str spec)
{
    size_t i = 0;
    while (i < spec.len) {
        size_t j = i;
        while (j < spec.len && spec.ptr[j] != '&')
            j++;
        iam_str item = { spec.ptr + i, j - i };
        const char *eq = memchr(item.ptr, '=', item.len);
        if (eq == NULL) {
            if (item.len)
                CHECK(iam_context_set(ctx, item, NULL, 0) == IAM_OK);
        } else {
            iam_str key = { item.ptr, (size_t)(eq - item.ptr) };
            iam_str val = { eq + 1, item.len - key.len - 1 };
            iam_err e = iam_context_add(ctx, key, val);
            CHECK(e == (key.len ? IAM_OK : IAM_E_INVALID));
        }
        i = j + 1;
    }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return 0;
}

/* Parses one document both ways and checks the strict/lenient relation. */
static void parse_both(iam_str doc, iam_policy **strict_out, iam_policy **lenient_out)
{
    iam_policy *s = (iam_policy *)(uintptr_t)1, *l = (iam_policy *)(uintptr_t)1;
    iam_diag ds, dl;
    iam_err es = iam_policy_parse(doc.ptr, doc.len, 0, &s, &ds);
    iam_err el = iam_policy_parse(doc.ptr, doc.len, IAM_PARSE_LENIENT, &l, &dl);

    if (es != IAM_OK) {
        CHECK(s == NULL);
        CHECK(memchr(ds.message, '\0', sizeof ds.message) != NULL);
        CHECK(memchr(ds.path, '\0', sizeof ds.path) != NULL);
        CHECK(es == IAM_E_SYNTAX || es == IAM_E_MALFORMED || es == IAM_E_LIMIT);
    }
    if (el != IAM_OK) {
        CHECK(l == NULL);
        CHECK(memchr(dl.message, '\0', sizeof dl.message) != NULL);
        CHECK(el == IAM_E_SYNTAX || el == IAM_E_MALFORMED || el == IAM_E_LIMIT);
    }
    if (es == IAM_OK) {
        CHECK(el == IAM_OK); /* strict OK implies lenient OK */
        size_t n = iam_policy_statement_count(s);
        CHECK(iam_policy_statement_count(l) == n);
        for (size_t i = 0; i < n; i++) {
            CHECK(iam_str_eq(iam_policy_statement_sid(s, i), iam_policy_statement_sid(l, i)));
            CHECK(iam_policy_statement_effect(s, i) == iam_policy_statement_effect(l, i));
        }
        CHECK(iam_str_eq(iam_policy_version(s), iam_policy_version(l)));
    }
    /* accessors stay in bounds */
    if (l != NULL) {
        size_t n = iam_policy_statement_count(l);
        CHECK(iam_policy_statement_sid(l, n).len == 0);
        CHECK(iam_policy_statement_effect(l, n) == IAM_EFFECT_DENY);
        /* retain/free pairs are balanced */
        CHECK(iam_policy_retain(l) == l);
        iam_policy_free(l);
    }
    *strict_out = es == IAM_OK ? s : NULL;
    *lenient_out = el == IAM_OK ? l : NULL;
}

typedef struct built {
    iam_index *ix[NTYPES];
    const iam_index *scp[1], *rcp[1];
    iam_policy_set set;
} built;

/* Builds the policy set: type t gets policy pols[t % n] when its mask bit
 * is set and that document parsed. */
static void build(built *b, iam_policy *const *pols, size_t n, unsigned mask)
{
    memset(b, 0, sizeof *b);
    for (int t = 0; t < NTYPES; t++) {
        if (!(mask & (1u << t)) || n == 0)
            continue;
        iam_policy *p = pols[(size_t)t % n];
        size_t cnt = p ? 1 : 0; /* an unparsed document: an empty index */
        CHECK(iam_index_new(cnt ? &p : NULL, cnt, &b->ix[t]) == IAM_OK);
        CHECK(iam_index_policy_count(b->ix[t]) == cnt);
    }
    b->set.identity = b->ix[0];
    b->set.resource = b->ix[1];
    b->set.boundary = b->ix[2];
    b->set.session = b->ix[3];
    if (b->ix[4]) {
        b->scp[0] = b->ix[4];
        b->set.scp = b->scp;
        b->set.scp_levels = 1;
    }
    if (b->ix[5]) {
        b->rcp[0] = b->ix[5];
        b->set.rcp = b->rcp;
        b->set.rcp_levels = 1;
    }
    b->set.vpc_endpoint = b->ix[6];
}

static void unbuild(built *b)
{
    for (int t = 0; t < NTYPES; t++)
        iam_index_free(b->ix[t]);
}

static const iam_index *index_of(const built *b, iam_policy_type t)
{
    switch (t) {
    case IAM_PT_IDENTITY: return b->ix[0];
    case IAM_PT_RESOURCE: return b->ix[1];
    case IAM_PT_BOUNDARY: return b->ix[2];
    case IAM_PT_SESSION: return b->ix[3];
    case IAM_PT_SCP: return b->ix[4];
    case IAM_PT_RCP: return b->ix[5];
    case IAM_PT_VPC_ENDPOINT: return b->ix[6];
    case IAM_PT_NONE: break;
    }
    return NULL;
}

static void check_result(const built *b, const iam_eval_result *r)
{
    CHECK(r->decision == IAM_ALLOW || r->decision == IAM_IMPLICIT_DENY || r->decision == IAM_EXPLICIT_DENY);
    CHECK((unsigned)r->blocked_by <= IAM_PT_VPC_ENDPOINT);
    switch (r->decision) {
    case IAM_ALLOW:
        CHECK(r->blocked_by == IAM_PT_NONE);
        break;
    case IAM_IMPLICIT_DENY:
        CHECK(r->match_count == 0);
        CHECK(r->blocked_by != IAM_PT_NONE);
        break;
    case IAM_EXPLICIT_DENY:
        CHECK(r->match_count >= 1);
        CHECK(r->blocked_by == r->matches[0].type);
        break;
    }
    size_t kept = r->match_count < IAM_EVAL_MAX_MATCHES ? r->match_count : IAM_EVAL_MAX_MATCHES;
    for (size_t i = 0; i < kept; i++) {
        const iam_match *m = &r->matches[i];
        const iam_index *ix = index_of(b, m->type);
        CHECK(ix != NULL);
        CHECK(m->level == 0);
        CHECK(m->pol != NULL && m->pol == iam_index_policy(ix, m->policy));
        CHECK(m->statement < iam_policy_statement_count(m->pol));
        CHECK(m->effect == iam_policy_statement_effect(m->pol, m->statement));
        CHECK(m->effect == (r->decision == IAM_EXPLICIT_DENY ? IAM_EFFECT_DENY : IAM_EFFECT_ALLOW));
        if (r->decision == IAM_ALLOW)
            CHECK(m->type == IAM_PT_IDENTITY || m->type == IAM_PT_RESOURCE);
    }
}

static bool same_result(const iam_eval_result *a, const iam_eval_result *b)
{
    if (a->decision != b->decision || a->blocked_by != b->blocked_by || a->match_count != b->match_count)
        return false;
    size_t kept = a->match_count < IAM_EVAL_MAX_MATCHES ? a->match_count : IAM_EVAL_MAX_MATCHES;
    for (size_t i = 0; i < kept; i++) {
        const iam_match *x = &a->matches[i], *y = &b->matches[i];
        if (x->type != y->type || x->level != y->level || x->policy != y->policy || x->statement != y->statement ||
            x->effect != y->effect)
            return false;
    }
    return true;
}

static iam_err decide(const built *b, const iam_request *req, iam_eval_result *r)
{
    memset(r, 0x5a, sizeof *r);
    iam_err e = iam_authorize(&b->set, req, r);
    CHECK(e == IAM_OK || e == IAM_E_NOMEM);
    if (e != IAM_OK) {
        CHECK(r->decision == IAM_IMPLICIT_DENY);
        return e;
    }
    check_result(b, r);
    return e;
}

/* ---- index vs brute force --------------------------------------------- */

#define MAX_APPLY 4096

typedef struct applied {
    uint32_t policy[MAX_APPLY], stmt[MAX_APPLY];
    uint8_t naming[MAX_APPLY];
    size_t n;
    bool overflow;
    const iam__req_env *env;
    bool need_principal;
} applied;

static bool collect(const iam__stmt *st, uint32_t policy, uint32_t index, bool action_known, void *argp)
{
    applied *a = argp;
    iam__naming naming;
    bool ok = iam__stmt_applies(st, a->env, action_known, a->need_principal, &naming);
    if (action_known) {
        /* the index's claim must hold: a full check agrees */
        iam__naming n2;
        CHECK(iam__stmt_applies(st, a->env, false, a->need_principal, &n2) == ok);
        CHECK(!ok || n2 == naming);
    }
    if (ok) {
        if (a->n == MAX_APPLY) {
            a->overflow = true;
            return false;
        }
        a->policy[a->n] = policy;
        a->stmt[a->n] = index;
        a->naming[a->n] = (uint8_t)naming;
        a->n++;
    }
    return true;
}

static bool contains(const applied *a, uint32_t policy, uint32_t stmt, uint8_t naming)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->policy[i] == policy && a->stmt[i] == stmt)
            return a->naming[i] == naming;
    return false;
}

static void check_index_vs_brute(const built *b, const iam_request *req)
{
    char action[256];
    iam__req_env env;
    static applied ix_set, bf_set;

    if (req->action.len == 0 || req->action.len >= sizeof action)
        return;
    for (size_t i = 0; i < req->action.len; i++)
        action[i] = iam__lower(req->action.ptr[i]);
    memset(&env, 0, sizeof env);
    env.req = req;
    env.ctx = req->context;
    env.action_lower = (iam_str){ action, req->action.len };
    iam__arn_split_value(req->resource, &env.resource);
    env.resource_star = req->action_is_wildcard_only || iam_str_eq(req->resource, IAM_STR("*"));
    env.principal_account = (req->principal_kind == IAM_PK_ANONYMOUS || req->principal_kind == IAM_PK_SERVICE)
                                ? IAM_STR("")
                                : iam__arn_account(req->principal);
    env.has_boundary = b->set.boundary != NULL;

    for (int t = 0; t < NTYPES; t++) {
        const iam_index *ix = b->ix[t];
        if (ix == NULL)
            continue;
        bool need_principal = t == 1; /* the resource policy */
        memset(&ix_set, 0, sizeof ix_set);
        memset(&bf_set, 0, sizeof bf_set);
        ix_set.env = bf_set.env = &env;
        ix_set.need_principal = bf_set.need_principal = need_principal;
        iam__index_visit(ix, env.action_lower, env.resource_star ? NULL : &env.resource, collect, &ix_set);
        for (uint32_t p = 0; p < iam_index_policy_count(ix); p++) {
            const iam_policy *pol = iam_index_policy(ix, p);
            for (uint32_t s = 0; s < pol->nstmts; s++)
                if (!collect(&pol->stmts[s], p, s, false, &bf_set))
                    break;
        }
        if (ix_set.overflow || bf_set.overflow || env.err != IAM_OK)
            return;
        CHECK(ix_set.n == bf_set.n);
        for (size_t i = 0; i < bf_set.n; i++)
            CHECK(contains(&ix_set, bf_set.policy[i], bf_set.stmt[i], bf_set.naming[i]));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cursor c = { (const char *)data, size };
    iam_str action = next_line(&c);
    iam_str resource = next_line(&c);
    iam_str ctxspec = next_line(&c);
    iam_str head = next_line(&c);
    iam_policy *strict[MAX_DOCS] = { 0 }, *lenient[MAX_DOCS] = { 0 };
    size_t ndocs = 0;
    bool all_strict = true;

    /* principal kind, policy-type mask, principal */
    iam_principal_kind kind = IAM_PK_IAM_USER;
    unsigned mask = 0x01;
    iam_str principal = IAM_STR("arn:aws:iam::111122223333:user/alice");
    if (head.len >= 1 && head.ptr[0] >= '0' && head.ptr[0] <= '9')
        kind = (iam_principal_kind)((head.ptr[0] - '0') % 8);
    if (head.len >= 3)
        mask = (unsigned)(hexval(head.ptr[1]) * 16 + hexval(head.ptr[2]));
    if (head.len > 3)
        principal = (iam_str){ head.ptr + 3, head.len - 3 };

    /* documents separated by "\n%%\n" */
    const char *p = c.p;
    size_t left = c.n;
    while (ndocs < MAX_DOCS) {
        size_t len = left;
        const char *sep = NULL;
        for (size_t i = 0; i + 4 <= left; i++)
            if (memcmp(p + i, "\n%%\n", 4) == 0) {
                sep = p + i;
                break;
            }
        if (sep != NULL && ndocs + 1 < MAX_DOCS)
            len = (size_t)(sep - p);
        parse_both((iam_str){ p, len }, &strict[ndocs], &lenient[ndocs]);
        all_strict = all_strict && strict[ndocs] != NULL;
        ndocs++;
        if (len == left)
            break;
        p += len + 4;
        left -= len + 4;
    }

    iam_context *ctx = NULL, *empty = NULL;
    CHECK(iam_context_new(&ctx) == IAM_OK);
    CHECK(iam_context_new(&empty) == IAM_OK);
    fill_context(ctx, ctxspec);

    iam_request req = {
        .principal_kind = kind,
        .principal = principal,
        .action = action,
        .resource = resource,
        .resource_account = IAM_STR_NULL,
        .action_is_wildcard_only = (mask & 0x80) != 0,
        .context = ctx,
    };
    built bl, bs;
    iam_eval_result r1, r2;
    build(&bl, lenient, ndocs, mask);
    check_index_vs_brute(&bl, &req);
    if (decide(&bl, &req, &r1) == IAM_OK) {
        /* deterministic */
        CHECK(decide(&bl, &req, &r2) == IAM_OK);
        CHECK(same_result(&r1, &r2));
        /* the action's case does not matter (reference §2.1) */
        char upper[256];
        if (action.len <= sizeof upper) {
            for (size_t i = 0; i < action.len; i++) {
                char ch = action.ptr[i];
                upper[i] = (ch >= 'a' && ch <= 'z') ? (char)(ch - 32) : ch;
            }
            iam_request ru = req;
            ru.action = (iam_str){ upper, action.len };
            if (decide(&bl, &ru, &r2) == IAM_OK)
                CHECK(same_result(&r1, &r2));
        }
        /* the strictly parsed documents decide the same */
        if (all_strict) {
            build(&bs, strict, ndocs, mask);
            if (decide(&bs, &req, &r2) == IAM_OK)
                CHECK(same_result(&r1, &r2));
            unbuild(&bs);
        }
    }
    /* with no context keys at all: NULL and an empty context agree */
    req.context = NULL;
    if (decide(&bl, &req, &r1) == IAM_OK) {
        req.context = empty;
        if (decide(&bl, &req, &r2) == IAM_OK)
            CHECK(same_result(&r1, &r2));
    }
    unbuild(&bl);

    iam_context_free(ctx);
    iam_context_free(empty);
    for (size_t i = 0; i < ndocs; i++) {
        iam_policy_free(strict[i]);
        iam_policy_free(lenient[i]);
    }
    return 0;
}
