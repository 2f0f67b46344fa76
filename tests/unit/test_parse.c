/* test_parse.c - the policy compiler (lib/policy/parse.c): JSON syntax and
 * shape errors with their diagnostic path, strict vs IAM_PARSE_LENIENT
 * (duplicate keys, unknown operators, unknown elements, missing Action),
 * Statement as an object or an array, JSON scalars in condition values, the
 * Sid/Effect/Version accessors, reference counting and the 1 MiB limit; and
 * the compiled form (lower-cased actions, classified principals, lower-case
 * condition keys).
 * Facts: reference/iam-policy-language.md §1.7 (principal forms), §2.1
 * (actions case-insensitive), §2.3 (variables only with 2012-10-17), §3.1
 * (JSON numbers/booleans are strings; unknown operator: AWS rejects, the
 * peer never matches). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iam/eval.h"
#include "iam/policy.h"
#include "policy/policy_int.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define ROW_FAIL(nfail, ...) (print_error(__VA_ARGS__), print_error("\n"), (nfail)++)

static iam_err parse(const char *json, unsigned flags, iam_policy **out, iam_diag *diag)
{
    return iam_policy_parse(json, strlen(json), flags, out, diag);
}

static iam_policy *parse_ok(const char *json, unsigned flags)
{
    iam_policy *p = NULL;
    iam_diag d;
    memset(&d, 0, sizeof d);
    iam_err err = parse(json, flags, &p, &d);
    if (err != IAM_OK)
        fail_msg("parse failed (%s) at \"%s\": %s\n%s", iam_err_str(err), d.path, d.message, json);
    assert_non_null(p);
    return p;
}

static bool str_is(iam_str s, const char *want)
{
    return iam_str_eq(s, iam_str_from_cstr(want));
}

/* ------------------------------------------------------------------ */
/* errors                                                               */

typedef struct err_case {
    const char *json;
    unsigned flags;
    iam_err want;
    const char *path; /* expected diag.path prefix, NULL = not checked */
    const char *why;
} err_case;

#define S0 "{\"Version\":\"2012-10-17\",\"Statement\":"
#define OKST "{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}"

static const err_case err_cases[] = {
    /* JSON syntax: always fails, lenient or not */
    { "", 0, IAM_E_SYNTAX, "", "empty input" },
    { "{", 0, IAM_E_SYNTAX, "", "truncated object" },
    { "{", IAM_PARSE_LENIENT, IAM_E_SYNTAX, "", "syntax errors fail even leniently" },
    { "{}x", 0, IAM_E_SYNTAX, "", "trailing garbage" },
    { "{\"Statement\":[" OKST ",]}", IAM_PARSE_LENIENT, IAM_E_SYNTAX, "", "trailing comma" },
    { "{\"Statement\":'x'}", 0, IAM_E_SYNTAX, "", "single quotes" },
    { "{\"Statement\":\"\\u0000\"}", 0, IAM_E_SYNTAX, "", "NUL escape rejected by the JSON reader" },
    /* shape */
    { "[]", 0, IAM_E_MALFORMED, "", "a document must be an object" },
    { "{}", 0, IAM_E_MALFORMED, "", "Statement is required" },
    { "{\"Version\":\"2012-10-17\"}", IAM_PARSE_LENIENT, IAM_E_MALFORMED, "", "Statement required leniently" },
    { "{\"Version\":2012,\"Statement\":[]}", 0, IAM_E_MALFORMED, "", "Version must be a string" },
    { S0 "[\"x\"]}", 0, IAM_E_MALFORMED, "Statement[0]", "a statement must be an object" },
    { S0 "\"x\"}", 0, IAM_E_MALFORMED, "Statement", "Statement as a string" },
    { S0 "[" OKST ",{\"Action\":\"s3:*\",\"Resource\":\"*\"}]}", 0, IAM_E_MALFORMED, "Statement[1]",
      "Effect is required" },
    { S0 "[" OKST ",{\"Action\":\"s3:*\",\"Resource\":\"*\"}]}", IAM_PARSE_LENIENT, IAM_E_MALFORMED,
      "Statement[1]", "Effect is required even leniently" },
    { S0 "{\"Effect\":\"allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}}", 0, IAM_E_MALFORMED, "Statement",
      "Effect is case-sensitive" },
    { S0 "{\"Effect\":true,\"Action\":\"s3:*\",\"Resource\":\"*\"}}", 0, IAM_E_MALFORMED, "Statement",
      "Effect must be a string" },
    { S0 "[" OKST "," OKST ",{\"Effect\":\"Deny\",\"Sid\":5,\"Action\":\"*\"}]}", 0, IAM_E_MALFORMED,
      "Statement[2]", "Sid must be a string" },
    { S0 "{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"NotAction\":\"s3:Get*\",\"Resource\":\"*\"}}", 0,
      IAM_E_MALFORMED, "Statement", "Action and NotAction" },
    { S0 "{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\",\"NotResource\":\"*\"}}", 0,
      IAM_E_MALFORMED, "Statement", "Resource and NotResource" },
    { S0 "{\"Effect\":\"Deny\",\"Action\":\"s3:*\",\"Resource\":\"*\",\"Principal\":\"*\",\"NotPrincipal\":"
         "\"*\"}}",
      0, IAM_E_MALFORMED, "Statement", "Principal and NotPrincipal" },
    { S0 "{\"Effect\":\"Allow\",\"Action\":5,\"Resource\":\"*\"}}", 0, IAM_E_MALFORMED, "Statement",
      "Action must be a string or array" },
    { S0 "{\"Effect\":\"Allow\",\"Action\":[\"s3:Get*\",5],\"Resource\":\"*\"}}", 0, IAM_E_MALFORMED,
      "Statement", "no JSON scalars in Action" },
    { S0 "{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":{\"a\":1}}}", 0, IAM_E_MALFORMED, "Statement",
      "Resource must be a string or array" },
    { S0 "{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"Principal\":\"me\"}}", 0,
      IAM_E_MALFORMED, "Statement", "§1.7: a string Principal must be *" },
    { S0 "{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"Principal\":[\"*\"]}}", 0,
      IAM_E_MALFORMED, "Statement", "Principal array" },
    { S0 "{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"Principal\":{\"AWS\":123456789012}}}", 0,
      IAM_E_MALFORMED, "Statement", "principal values are strings" },
    { S0 "{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"Principal\":{\"Group\":\"x\"}}}", 0,
      IAM_E_MALFORMED, "Statement", "§1.7: unknown principal type (groups are never principals)" },
    { S0 "{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":[]}}", 0, IAM_E_MALFORMED,
      "Statement", "Condition must be an object" },
    { S0 "{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":\"x\"}}}",
      0, IAM_E_MALFORMED, "Statement", "an operator maps keys to values" },
    { S0 "{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{\"k\":"
         "{\"a\":1}}}}}",
      0, IAM_E_MALFORMED, "Statement", "condition value object" },
    { S0 "{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{\"k\":"
         "[\"a\",null]}}}}",
      0, IAM_E_MALFORMED, "Statement", "null in a condition value list" },
    { S0 "{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{\"k\":"
         "null}}}}",
      IAM_PARSE_LENIENT, IAM_E_MALFORMED, "Statement", "null condition value" },
    /* strict-only errors */
    { S0 "{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"StringEqualz\":{\"k\":"
         "\"v\"}}}}",
      0, IAM_E_MALFORMED, "Statement", "§3.1: unknown operator rejected" },
    { S0 "[" OKST ",{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"NullIfExists\":"
         "{\"k\":\"true\"}}}]}",
      0, IAM_E_MALFORMED, "Statement[1]", "§3.2: Null takes no IfExists" },
    { S0 "{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"stringequals\":{\"k\":"
         "\"v\"}}}}",
      0, IAM_E_MALFORMED, "Statement", "§3.1: operator names are written as documented" },
    { S0 "{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"Foo\":1}}", 0, IAM_E_MALFORMED, "Statement",
      "unknown statement element" },
    { S0 "{\"Effect\":\"Allow\",\"action\":\"*\",\"Resource\":\"*\"}}", 0, IAM_E_MALFORMED, "Statement",
      "element names are case-sensitive" },
    { "{\"Version\":\"2012-10-17\",\"Foo\":1,\"Statement\":[]}", 0, IAM_E_MALFORMED, "",
      "unknown top-level element" },
    { S0 "{\"Effect\":\"Allow\",\"Resource\":\"*\"}}", 0, IAM_E_MALFORMED, "Statement",
      "a statement needs Action or NotAction" },
    { "{\"Version\":\"2012-10-17\",\"Statement\":[],\"Statement\":[]}", 0, IAM_E_SYNTAX, "",
      "duplicate keys rejected strictly" },
    { S0 "{\"Effect\":\"Allow\",\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\"}}", 0, IAM_E_SYNTAX, "",
      "duplicate keys inside a statement" },
};

static void test_error_table(void **state)
{
    int nfail = 0;
    (void)state;
    for (size_t i = 0; i < N_ELEMS(err_cases); i++) {
        const err_case *c = &err_cases[i];
        iam_policy *p = (iam_policy *)(uintptr_t)1; /* must be reset to NULL */
        iam_diag d;
        memset(&d, 0x5a, sizeof d);
        iam_err err = parse(c->json, c->flags, &p, &d);
        if (err != c->want) {
            ROW_FAIL(nfail, "row %zu (%s): err %s, want %s", i, c->why, iam_err_str(err), iam_err_str(c->want));
            if (err == IAM_OK)
                iam_policy_free(p);
            continue;
        }
        if (p != NULL)
            ROW_FAIL(nfail, "row %zu (%s): *out not NULL on error", i, c->why);
        if (memchr(d.message, '\0', sizeof d.message) == NULL || d.message[0] == '\0')
            ROW_FAIL(nfail, "row %zu (%s): no diag message", i, c->why);
        if (memchr(d.path, '\0', sizeof d.path) == NULL)
            ROW_FAIL(nfail, "row %zu (%s): diag path not terminated", i, c->why);
        else if (c->path != NULL &&
                 (strncmp(d.path, c->path, strlen(c->path)) != 0 ||
                  (c->path[0] == '\0' && d.path[0] != '\0') ||
                  /* "Statement" must not be confused with "Statement[1]" */
                  (strcmp(c->path, "Statement") == 0 && d.path[9] == '[')))
            ROW_FAIL(nfail, "row %zu (%s): diag path \"%s\", want \"%s\"", i, c->why, d.path, c->path);
    }
    assert_int_equal(nfail, 0);
}

/* Syntax errors carry a 1-based line and column. */
static void test_syntax_error_position(void **state)
{
    const char *doc = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [ x ]\n}";
    iam_policy *p = NULL;
    iam_diag d;
    (void)state;
    memset(&d, 0, sizeof d);
    assert_int_equal(parse(doc, 0, &p, &d), IAM_E_SYNTAX);
    assert_null(p);
    assert_int_equal(d.line, 3);
    assert_true(d.column > 0);
    assert_true(d.message[0] != '\0');
    /* a NULL diag is fine */
    assert_int_equal(parse(doc, 0, &p, NULL), IAM_E_SYNTAX);
    assert_int_equal(parse(S0 "[\"x\"]}", 0, &p, NULL), IAM_E_MALFORMED);
}

/* Two-digit statement positions in the path. */
static void test_error_path_index(void **state)
{
    char doc[8192];
    size_t n = 0;
    iam_policy *p = NULL;
    iam_diag d;
    (void)state;
    n += (size_t)snprintf(doc + n, sizeof doc - n, S0 "[");
    for (int i = 0; i < 12; i++)
        n += (size_t)snprintf(doc + n, sizeof doc - n, OKST ",");
    n += (size_t)snprintf(doc + n, sizeof doc - n, "{\"Effect\":\"Maybe\",\"Action\":\"*\"}]}");
    memset(&d, 0, sizeof d);
    assert_int_equal(iam_policy_parse(doc, n, 0, &p, &d), IAM_E_MALFORMED);
    assert_string_equal(d.path, "Statement[12]");
}

static void test_invalid_arguments(void **state)
{
    iam_policy *p = (iam_policy *)(uintptr_t)1;
    (void)state;
    assert_int_equal(iam_policy_parse("{}", 2, 0, NULL, NULL), IAM_E_INVALID);
    assert_int_equal(iam_policy_parse(NULL, 5, 0, &p, NULL), IAM_E_INVALID);
    assert_null(p);
    p = (iam_policy *)(uintptr_t)1;
    assert_int_equal(iam_policy_parse(NULL, 0, 0, &p, NULL), IAM_E_SYNTAX); /* empty document */
    assert_null(p);
    /* accessors on NULL */
    assert_int_equal(iam_policy_statement_count(NULL), 0);
    assert_true(str_is(iam_policy_version(NULL), ""));
    assert_true(str_is(iam_policy_statement_sid(NULL, 0), ""));
    assert_null(iam_policy_retain(NULL));
    iam_policy_free(NULL);
}

/* ------------------------------------------------------------------ */
/* accepted documents                                                   */

static void test_statement_object_vs_array(void **state)
{
    (void)state;
    iam_policy *obj = parse_ok(S0 "{\"Sid\":\"One\",\"Effect\":\"Deny\",\"Action\":\"s3:*\",\"Resource\":\"*\"}}", 0);
    assert_int_equal(iam_policy_statement_count(obj), 1);
    assert_true(str_is(iam_policy_statement_sid(obj, 0), "One"));
    assert_int_equal(iam_policy_statement_effect(obj, 0), IAM_EFFECT_DENY);
    iam_policy_free(obj);

    iam_policy *arr = parse_ok(S0 "[{\"Sid\":\"A\",\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"},"
                                  "{\"Effect\":\"Deny\",\"Action\":\"ec2:*\",\"Resource\":\"*\"},"
                                  "{\"Sid\":\"\",\"Effect\":\"Allow\",\"NotAction\":\"iam:*\",\"Resource\":\"*\"}]}",
                               0);
    assert_int_equal(iam_policy_statement_count(arr), 3);
    assert_true(str_is(iam_policy_statement_sid(arr, 0), "A"));
    assert_true(str_is(iam_policy_statement_sid(arr, 1), "")); /* no Sid */
    assert_true(str_is(iam_policy_statement_sid(arr, 2), "")); /* empty Sid */
    assert_int_equal(iam_policy_statement_effect(arr, 0), IAM_EFFECT_ALLOW);
    assert_int_equal(iam_policy_statement_effect(arr, 1), IAM_EFFECT_DENY);
    assert_int_equal(iam_policy_statement_effect(arr, 2), IAM_EFFECT_ALLOW);
    /* out of range: empty Sid, Deny (the safe answer) */
    assert_true(str_is(iam_policy_statement_sid(arr, 3), ""));
    assert_int_equal(iam_policy_statement_effect(arr, 99), IAM_EFFECT_DENY);
    iam_policy_free(arr);

    iam_policy *empty = parse_ok(S0 "[]}", 0);
    assert_int_equal(iam_policy_statement_count(empty), 0);
    iam_policy_free(empty);
}

/* §2.3: Version selects variable substitution; the accessor returns it. */
static void test_version(void **state)
{
    (void)state;
    iam_policy *a = parse_ok(S0 OKST "}", 0);
    assert_true(str_is(iam_policy_version(a), "2012-10-17"));
    assert_true(a->variables);
    iam_policy *b = parse_ok("{\"Version\":\"2008-10-17\",\"Statement\":" OKST "}", 0);
    assert_true(str_is(iam_policy_version(b), "2008-10-17"));
    assert_false(b->variables);
    iam_policy *c = parse_ok("{\"Statement\":" OKST "}", 0);
    assert_true(str_is(iam_policy_version(c), ""));
    assert_non_null(iam_policy_version(c).ptr);
    assert_false(c->variables);
    iam_policy *d = parse_ok("{\"Id\":\"x\",\"Version\":\"2012-10-17\",\"Statement\":" OKST "}", 0);
    assert_true(d->variables); /* Id is informational, accepted strictly */
    iam_policy_free(a);
    iam_policy_free(b);
    iam_policy_free(c);
    iam_policy_free(d);
}

/* The compiled form: actions lower-cased (§2.1), NotAction/NotResource
 * flags, resources, condition keys lower-cased with their hash. */
static void test_compiled_statement(void **state)
{
    (void)state;
    iam_policy *p = parse_ok(S0 "[{\"Effect\":\"Allow\",\"Action\":[\"S3:GetObject\",\"IAM:*AccessKey*\"],"
                                "\"Resource\":[\"arn:aws:s3:::B/*\",\"*\"],"
                                "\"Condition\":{\"StringEquals\":{\"AWS:PrincipalTag/Team\":[\"a\",\"B\"]},"
                                "\"ForAnyValue:StringLike\":{\"aws:TagKeys\":\"x*\"}}},"
                                "{\"Effect\":\"Deny\",\"NotAction\":\"s3:*\",\"NotResource\":\"arn:aws:s3:::b\"}]}",
                             0);
    const iam__stmt *s0 = &p->stmts[0], *s1 = &p->stmts[1];
    assert_int_equal(s0->nactions, 2);
    assert_true(str_is(s0->action_text[0], "s3:getobject"));
    assert_true(str_is(s0->action_text[1], "iam:*accesskey*"));
    assert_int_equal(s0->actions[0].kind, IAM_PAT_EXACT);
    assert_int_equal(s0->actions[1].kind, IAM_PAT_GLOB);
    assert_false(s0->not_action);
    assert_true(s0->has_resource);
    assert_int_equal(s0->nresources, 2);
    assert_true(str_is(s0->resources[0].text, "arn:aws:s3:::B/*")); /* ARNs keep their case (§2.2) */
    assert_true(s0->resources[1].any);
    assert_false(s0->has_principal);
    assert_int_equal(s0->nconds, 2);
    bool seen_tag = false, seen_keys = false;
    for (uint32_t i = 0; i < s0->nconds; i++) {
        const iam__cond *c = &s0->conds[i];
        assert_int_equal(c->key_hash, iam__hash_lower(c->key));
        if (str_is(c->key, "aws:principaltag/team")) {
            seen_tag = true;
            assert_int_equal(c->nvals, 2);
            assert_true(str_is(c->vals[1].raw, "B")); /* values keep their case */
            assert_int_equal(c->op.family, IAM_OPF_STRING);
        } else if (str_is(c->key, "aws:tagkeys")) {
            seen_keys = true;
            assert_int_equal(c->op.set, IAM_SET_ANY);
            assert_int_equal(c->vals[0].pat.kind, IAM_PAT_PREFIX);
        }
    }
    assert_true(seen_tag && seen_keys);
    assert_true(s1->not_action);
    assert_true(s1->not_resource);
    assert_int_equal(s1->effect, IAM_EFFECT_DENY);
    iam_policy_free(p);
}

/* §1.7 principal forms are classified at compile time. */
static void test_compiled_principals(void **state)
{
    (void)state;
    iam_policy *p = parse_ok(
        S0 "[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"Principal\":\"*\"},"
           "{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"Principal\":{\"AWS\":["
           "\"*\",\"123456789012\",\"arn:aws:iam::123456789012:root\",\"arn:aws:iam::123456789012:user/p/alice\","
           "\"arn:aws:iam::123456789012:role/path/to/Admin\",\"arn:aws:sts::123456789012:assumed-role/Admin/s1\","
           "\"arn:aws:sts::123456789012:federated-user/bob\",\"AIDAEXAMPLEUNIQUEID\"]}},"
           "{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"Principal\":{"
           "\"Service\":[\"lambda.amazonaws.com\"],\"Federated\":\"cognito-identity.amazonaws.com\","
           "\"CanonicalUser\":\"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be\"}}]}",
        0);
    const iam__stmt *s = &p->stmts[0];
    assert_true(s->has_principal);
    assert_int_equal(s->nprincipals, 1);
    assert_int_equal(s->principals[0].type, IAM_PR_ANY);

    s = &p->stmts[1];
    assert_int_equal(s->nprincipals, 8);
    assert_int_equal(s->principals[0].type, IAM_PR_ANY); /* {"AWS":"*"} ≡ "*" */
    static const struct {
        iam__aws_form form;
        const char *account, *role;
    } forms[] = {
        { 0, NULL, NULL },
        { IAM_AWS_ACCOUNT, "123456789012", NULL },
        { IAM_AWS_ACCOUNT, "123456789012", NULL },
        { IAM_AWS_USER, "123456789012", NULL },
        { IAM_AWS_ROLE, "123456789012", "Admin" },
        { IAM_AWS_SESSION, "123456789012", NULL },
        { IAM_AWS_FEDUSER, "123456789012", NULL },
        { IAM_AWS_OTHER, NULL, NULL },
    };
    for (size_t i = 1; i < N_ELEMS(forms); i++) {
        const iam__principal *pr = &s->principals[i];
        assert_int_equal(pr->type, IAM_PR_AWS);
        if (pr->form != forms[i].form)
            fail_msg("principal %zu \"%.*s\": form %d, want %d", i, (int)pr->value.len, pr->value.ptr, pr->form,
                     forms[i].form);
        if (forms[i].account && !str_is(pr->account, forms[i].account))
            fail_msg("principal %zu: account \"%.*s\"", i, (int)pr->account.len, pr->account.ptr);
        if (forms[i].role && !str_is(pr->role_name, forms[i].role))
            fail_msg("principal %zu: role name \"%.*s\"", i, (int)pr->role_name.len, pr->role_name.ptr);
    }
    s = &p->stmts[2];
    assert_int_equal(s->nprincipals, 3);
    bool svc = false, fed = false, can = false;
    for (uint32_t i = 0; i < s->nprincipals; i++) {
        svc |= s->principals[i].type == IAM_PR_SERVICE && str_is(s->principals[i].value, "lambda.amazonaws.com");
        fed |= s->principals[i].type == IAM_PR_FEDERATED &&
               str_is(s->principals[i].value, "cognito-identity.amazonaws.com");
        can |= s->principals[i].type == IAM_PR_CANONICAL;
    }
    assert_true(svc && fed && can);
    iam_policy_free(p);
}

/* ------------------------------------------------------------------ */
/* strict vs lenient                                                    */

static void test_lenient_duplicate_keys_last_wins(void **state)
{
    const char *doc = "{\"Version\":\"2012-10-17\",\"Statement\":[" OKST "],"
                      "\"Statement\":[{\"Sid\":\"Second\",\"Effect\":\"Allow\",\"Effect\":\"Deny\","
                      "\"Action\":\"s3:*\",\"Resource\":\"*\"}," OKST "]}";
    iam_policy *p = NULL;
    (void)state;
    assert_int_equal(parse(doc, 0, &p, NULL), IAM_E_SYNTAX);
    assert_null(p);
    p = parse_ok(doc, IAM_PARSE_LENIENT);
    assert_int_equal(iam_policy_statement_count(p), 2);
    assert_true(str_is(iam_policy_statement_sid(p, 0), "Second"));
    assert_int_equal(iam_policy_statement_effect(p, 0), IAM_EFFECT_DENY); /* last "Effect" */
    iam_policy_free(p);
}

static void test_lenient_unknown_elements(void **state)
{
    (void)state;
    /* unknown statement element, unknown top-level element, unknown
     * principal type: ignored leniently */
    iam_policy *p = parse_ok("{\"Version\":\"2012-10-17\",\"Extra\":[1,2],\"Statement\":{\"Effect\":\"Allow\","
                             "\"Action\":\"s3:*\",\"Resource\":\"*\",\"Foo\":{\"x\":1},"
                             "\"Principal\":{\"Group\":\"g\",\"AWS\":\"111122223333\"}}}",
                             IAM_PARSE_LENIENT);
    assert_int_equal(iam_policy_statement_count(p), 1);
    assert_int_equal(p->stmts[0].nprincipals, 1);
    assert_int_equal(p->stmts[0].principals[0].form, IAM_AWS_ACCOUNT);
    iam_policy_free(p);
}

/* Runs one request against a single identity policy. */
static iam_decision decide(const iam_policy *p, const char *action, const char *resource, const iam_context *ctx)
{
    iam_index *ix = NULL;
    iam_policy *pp = (iam_policy *)(uintptr_t)p;
    iam_eval_result r;
    assert_int_equal(iam_index_new(&pp, 1, &ix), IAM_OK);
    iam_policy_set set = { .identity = ix };
    iam_request req = { .principal_kind = IAM_PK_IAM_USER,
                        .principal = IAM_STR("arn:aws:iam::111122223333:user/alice"),
                        .action = iam_str_from_cstr(action),
                        .resource = iam_str_from_cstr(resource),
                        .context = ctx };
    assert_int_equal(iam_authorize(&set, &req, &r), IAM_OK);
    iam_index_free(ix);
    return r.decision;
}

/* §3.1 [peer]: leniently, an unknown operator compiles to a condition that
 * never matches - an Allow grants nothing and a Deny denies nothing. */
static void test_lenient_unknown_operator_never_matches(void **state)
{
    (void)state;
    iam_policy *allow = parse_ok(S0 "{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\","
                                    "\"Condition\":{\"StringEqualz\":{\"k\":\"v\"}}}}",
                                 IAM_PARSE_LENIENT);
    assert_true(allow->stmts[0].conds[0].never);
    iam_context *ctx = NULL;
    assert_int_equal(iam_context_new(&ctx), IAM_OK);
    assert_int_equal(iam_context_add(ctx, IAM_STR("k"), IAM_STR("v")), IAM_OK);
    assert_int_equal(decide(allow, "s3:GetObject", "arn:aws:s3:::b/k", ctx), IAM_IMPLICIT_DENY);
    assert_int_equal(decide(allow, "s3:GetObject", "arn:aws:s3:::b/k", NULL), IAM_IMPLICIT_DENY);

    iam_policy *deny = parse_ok(S0 "[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"},"
                                   "{\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\","
                                   "\"Condition\":{\"StringNotEqualz\":{\"k\":\"zz\"}}}]}",
                                IAM_PARSE_LENIENT);
    assert_int_equal(decide(deny, "s3:GetObject", "arn:aws:s3:::b/k", ctx), IAM_ALLOW);
    assert_int_equal(decide(deny, "s3:GetObject", "arn:aws:s3:::b/k", NULL), IAM_ALLOW);
    iam_context_free(ctx);
    iam_policy_free(allow);
    iam_policy_free(deny);
}

/* Leniently, a statement without Action/NotAction never applies. */
static void test_lenient_missing_action(void **state)
{
    (void)state;
    iam_policy *p = parse_ok(S0 "[{\"Effect\":\"Deny\",\"Resource\":\"*\"},"
                                "{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}",
                             IAM_PARSE_LENIENT);
    assert_true(p->stmts[0].no_action);
    assert_int_equal(decide(p, "s3:GetObject", "arn:aws:s3:::b/k", NULL), IAM_ALLOW);
    iam_policy_free(p);
}

/* ------------------------------------------------------------------ */
/* condition values: JSON scalars (§3.1)                               */

static void test_condition_scalars(void **state)
{
    (void)state;
    iam_policy *p = parse_ok(S0 "{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{"
                                "\"Bool\":{\"aws:SecureTransport\":false},"
                                "\"NumericLessThan\":{\"s3:max-keys\":10},"
                                "\"NumericGreaterThan\":{\"n\":[1.5,-2,true]},"
                                "\"StringEquals\":{\"s\":[\"x\",7]}}}}",
                             0);
    const iam__stmt *s = &p->stmts[0];
    assert_int_equal(s->nconds, 4);
    for (uint32_t i = 0; i < s->nconds; i++) {
        const iam__cond *c = &s->conds[i];
        if (str_is(c->key, "aws:securetransport")) {
            assert_int_equal(c->nvals, 1);
            assert_true(str_is(c->vals[0].raw, "false"));
        } else if (str_is(c->key, "s3:max-keys")) {
            assert_true(str_is(c->vals[0].raw, "10"));
            assert_true(c->vals[0].valid);
            assert_true(c->vals[0].num == 10.0);
        } else if (str_is(c->key, "n")) {
            assert_int_equal(c->nvals, 3);
            assert_true(str_is(c->vals[0].raw, "1.5"));
            assert_true(str_is(c->vals[1].raw, "-2"));
            assert_true(str_is(c->vals[2].raw, "true"));
            assert_false(c->vals[2].valid); /* "true" is not a number */
        } else if (str_is(c->key, "s")) {
            assert_true(str_is(c->vals[1].raw, "7"));
        } else {
            fail_msg("unexpected key %.*s", (int)c->key.len, c->key.ptr);
        }
    }
    /* end to end: Bool false (JSON) ≡ "false" */
    iam_context *ctx = NULL;
    assert_int_equal(iam_context_new(&ctx), IAM_OK);
    assert_int_equal(iam_context_add(ctx, IAM_STR("aws:SecureTransport"), IAM_STR("false")), IAM_OK);
    assert_int_equal(iam_context_add(ctx, IAM_STR("s3:max-keys"), IAM_STR("5")), IAM_OK);
    assert_int_equal(iam_context_add(ctx, IAM_STR("n"), IAM_STR("2")), IAM_OK);
    assert_int_equal(iam_context_add(ctx, IAM_STR("s"), IAM_STR("7")), IAM_OK);
    assert_int_equal(decide(p, "s3:ListBucket", "arn:aws:s3:::b", ctx), IAM_ALLOW);
    iam_context_clear(ctx);
    assert_int_equal(iam_context_add(ctx, IAM_STR("aws:SecureTransport"), IAM_STR("true")), IAM_OK);
    assert_int_equal(iam_context_add(ctx, IAM_STR("s3:max-keys"), IAM_STR("5")), IAM_OK);
    assert_int_equal(iam_context_add(ctx, IAM_STR("n"), IAM_STR("2")), IAM_OK);
    assert_int_equal(iam_context_add(ctx, IAM_STR("s"), IAM_STR("7")), IAM_OK);
    assert_int_equal(decide(p, "s3:ListBucket", "arn:aws:s3:::b", ctx), IAM_IMPLICIT_DENY);
    iam_context_free(ctx);
    iam_policy_free(p);
}

/* §3.1: a JSON number is "treated as a string": its text as written. A
 * decimal that has no exact binary form (0.1) must not turn into its
 * 17-digit expansion ("0.10000000000000001"), or StringEquals 0.1 could
 * never match the request value "0.1". */
static void test_condition_real_text(void **state)
{
    (void)state;
    iam_policy *p = parse_ok(S0 "{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{"
                                "\"StringEquals\":{\"s\":0.1}}}}",
                             0);
    const iam__cond *c = &p->stmts[0].conds[0];
    char got[64];
    snprintf(got, sizeof got, "%.*s", (int)c->vals[0].raw.len, c->vals[0].raw.ptr);
    iam_policy_free(p);
    if (strcmp(got, "0.1") != 0)
        fail_msg("JSON 0.1 became \"%s\"", got);
}

/* A host process that set LC_NUMERIC to a comma-decimal locale: a JSON
 * number in a condition value must still become "1.5", not "1,5" (which
 * no Numeric operator reads). Skipped where no such locale is installed. */
static void test_condition_real_text_locale(void **state)
{
    static const char *const locales[] = { "de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8", "de_DE",
                                           "fr_FR" };
    const char *set = NULL;
    (void)state;
    for (size_t i = 0; i < N_ELEMS(locales) && set == NULL; i++)
        set = setlocale(LC_NUMERIC, locales[i]);
    if (set == NULL)
        skip();
    iam_policy *p = NULL;
    const char *doc = S0 "{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{"
                         "\"NumericLessThan\":{\"n\":1.5}}}}";
    iam_err err = iam_policy_parse(doc, strlen(doc), 0, &p, NULL);
    setlocale(LC_NUMERIC, "C");
    assert_int_equal(err, IAM_OK);
    char got[64];
    const iam__cval *v = &p->stmts[0].conds[0].vals[0];
    snprintf(got, sizeof got, "%.*s", (int)v->raw.len, v->raw.ptr);
    bool valid = v->valid;
    iam_policy_free(p);
    assert_string_equal(got, "1.5");
    assert_true(valid);
}

/* A document whose Resource and condition value hold 32 variables each
 * followed by literal text: compiling it must not write past the pattern
 * compiler's segment array (a hostile document reached a stack overflow
 * write in iam__pat_compile; see test_pattern). */
static void test_many_variables_document(void **state)
{
    char doc[4096], res[1024];
    size_t r = 0;
    (void)state;
    for (int i = 0; i < 32; i++)
        r += (size_t)snprintf(res + r, sizeof res - r, "x${aws:username}");
    snprintf(doc, sizeof doc,
             S0 "{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/%sy\","
                "\"Condition\":{\"StringLike\":{\"s3:prefix\":\"%sy\"}}}}",
             res, res);
    iam_policy *p = parse_ok(doc, 0);
    iam_context *ctx = NULL;
    assert_int_equal(iam_context_new(&ctx), IAM_OK);
    assert_int_equal(iam_context_add(ctx, IAM_STR("aws:username"), IAM_STR("u")), IAM_OK);
    (void)decide(p, "s3:GetObject", "arn:aws:s3:::b/xuxuxu", ctx);
    iam_context_free(ctx);
    iam_policy_free(p);
}

/* ------------------------------------------------------------------ */
/* ownership and limits                                                 */

static void test_refcount(void **state)
{
    (void)state;
    iam_policy *p = parse_ok(S0 OKST "}", 0);
    assert_ptr_equal(iam_policy_retain(p), p);
    assert_ptr_equal(iam_policy_retain(p), p);
    iam_policy_free(p); /* 3 -> 2 */
    iam_policy_free(p); /* 2 -> 1 */
    assert_int_equal(iam_policy_statement_count(p), 1); /* still alive */
    /* an index retains too */
    iam_index *ix = NULL;
    assert_int_equal(iam_index_new(&p, 1, &ix), IAM_OK);
    iam_policy_free(p); /* the index holds the last reference */
    assert_int_equal(iam_policy_statement_count(iam_index_policy(ix, 0)), 1);
    iam_index_free(ix); /* frees the policy (LeakSanitizer checks) */
}

static void test_size_limit(void **state)
{
    const size_t max = (size_t)1 << 20;
    char *doc = malloc(max + 2);
    iam_policy *p = NULL;
    iam_diag d;
    (void)state;
    assert_non_null(doc);
    const char *head = S0 OKST;
    size_t hl = strlen(head);
    memcpy(doc, head, hl);
    memset(doc + hl, ' ', max + 2 - hl);
    /* exactly 1 MiB: accepted (whitespace padding before the final brace) */
    doc[max - 1] = '}';
    memset(&d, 0, sizeof d);
    assert_int_equal(iam_policy_parse(doc, max, 0, &p, &d), IAM_OK);
    iam_policy_free(p);
    /* one byte more: refused before parsing */
    doc[max - 1] = ' ';
    doc[max] = '}';
    p = (iam_policy *)(uintptr_t)1;
    assert_int_equal(iam_policy_parse(doc, max + 1, 0, &p, &d), IAM_E_LIMIT);
    assert_null(p);
    assert_true(d.message[0] != '\0');
    assert_int_equal(iam_policy_parse(doc, max + 1, IAM_PARSE_LENIENT, &p, NULL), IAM_E_LIMIT);
    free(doc);
}

/* The input is taken by length: no NUL needed, bytes after it ignored. */
static void test_not_nul_terminated(void **state)
{
    const char *doc = S0 OKST "}";
    size_t n = strlen(doc);
    char *buf = malloc(n + 8);
    iam_policy *p = NULL;
    (void)state;
    assert_non_null(buf);
    memcpy(buf, doc, n);
    memcpy(buf + n, "garbage!", 8);
    assert_int_equal(iam_policy_parse(buf, n, 0, &p, NULL), IAM_OK);
    iam_policy_free(p);
    assert_int_equal(iam_policy_parse(buf, n - 1, 0, &p, NULL), IAM_E_SYNTAX);
    free(buf);
}

/* Deeply nested JSON is a syntax error or a shape error, never a crash. */
static void test_deep_nesting(void **state)
{
    size_t depth = 100000;
    char *doc = malloc(2 * depth + 256);
    iam_policy *p = NULL;
    (void)state;
    assert_non_null(doc);
    size_t n = (size_t)snprintf(doc, 256, S0 "{\"Effect\":\"Allow\",\"Action\":");
    memset(doc + n, '[', depth);
    memset(doc + n + depth, ']', depth);
    n += 2 * depth;
    memcpy(doc + n, "}}", 2);
    n += 2;
    iam_err err = iam_policy_parse(doc, n, 0, &p, NULL);
    assert_true(err == IAM_E_SYNTAX || err == IAM_E_MALFORMED);
    assert_null(p);
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_table),
        cmocka_unit_test(test_syntax_error_position),
        cmocka_unit_test(test_error_path_index),
        cmocka_unit_test(test_invalid_arguments),
        cmocka_unit_test(test_statement_object_vs_array),
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_compiled_statement),
        cmocka_unit_test(test_compiled_principals),
        cmocka_unit_test(test_lenient_duplicate_keys_last_wins),
        cmocka_unit_test(test_lenient_unknown_elements),
        cmocka_unit_test(test_lenient_unknown_operator_never_matches),
        cmocka_unit_test(test_lenient_missing_action),
        cmocka_unit_test(test_condition_scalars),
        cmocka_unit_test(test_condition_real_text),
        cmocka_unit_test(test_condition_real_text_locale),
        cmocka_unit_test(test_many_variables_document),
        cmocka_unit_test(test_refcount),
        cmocka_unit_test(test_size_limit),
        cmocka_unit_test(test_not_nul_terminated),
        cmocka_unit_test(test_deep_nesting),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
