/* test_pattern.c - the glob matcher and policy-variable patterns
 * (lib/policy/pattern.c): iam__glob over tokens, iam__pat_compile's
 * classification and iam__pat_match with and without a request context.
 * Facts: reference/iam-policy-language.md §2.1 (action globs), §2.3 (policy
 * variables, literal escapes, defaults, literal substitution), §3.2 (*Like vs
 * *Equals, IgnoreCase). Every table row is one case; a failing row prints
 * its pattern and subject. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "iam/context.h"
#include "policy/policy_int.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

enum { W = IAM_PATF_WILDCARDS, V = IAM_PATF_VARIABLES, L = IAM_PATF_LOWER };

/* Turns a test pattern into tokens: '*' and '?' become the wildcard tokens,
 * every other byte a literal. Returns the count. */
static size_t to_tokens(const char *p, uint16_t *out, size_t cap)
{
    size_t n = 0;
    for (; *p != '\0'; p++) {
        assert_true(n < cap);
        if (*p == '*')
            out[n++] = IAM_TOK_STAR;
        else if (*p == '?')
            out[n++] = IAM_TOK_QMARK;
        else
            out[n++] = (unsigned char)*p;
    }
    return n;
}

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------------ */
/* iam__glob                                                            */

typedef struct glob_case {
    const char *pat, *s;
    bool nocase, want;
    const char *why;
} glob_case;

static const glob_case glob_cases[] = {
    { "", "", false, true, "empty pattern matches only the empty string" },
    { "", "a", false, false, "empty pattern vs text" },
    { "*", "", false, true, "§2.1: * matches any run, including empty" },
    { "*", "anything:at/all", false, true, "§2.1: lone * spans everything" },
    { "?", "", false, false, "§2.1: ? is exactly one char" },
    { "?", "a", false, true, "§2.1: ? is exactly one char" },
    { "?", "ab", false, false, "§2.1: ? is exactly one char" },
    { "??", "ab", false, true, "two ? two chars" },
    { "a*", "a", false, true, "trailing * may be empty" },
    { "*a", "a", false, true, "leading * may be empty" },
    { "a*b", "ab", false, true, "inner * may be empty" },
    { "a*b", "axxxb", false, true, "inner * spans a run" },
    { "a*b", "axxxbx", false, false, "anchored at the end" },
    { "a*b", "xaxxb", false, false, "anchored at the start" },
    { "**", "", false, true, "multiple stars collapse" },
    { "a**b", "ab", false, true, "multiple stars collapse" },
    { "***x***", "abxcd", false, true, "multiple stars collapse" },
    { "*?", "", false, false, "*? needs one char" },
    { "*?", "z", false, true, "*? needs one char" },
    { "?*?", "ab", false, true, "? * ? over two chars" },
    { "?*?", "a", false, false, "? * ? needs two chars" },
    { "a?c", "abc", false, true, "? in the middle" },
    { "a?c", "ac", false, false, "? is not optional" },
    { "*ab", "aab", false, true, "backtracking: first a is not the match" },
    { "a*ab", "aab", false, true, "backtracking: star empty" },
    { "*aab", "aaab", false, true, "backtracking over a repeated prefix" },
    { "a*b*c", "abxbc", false, true, "backtracking: second b" },
    { "a*b*c", "abxbxc", false, true, "backtracking twice" },
    { "a*b*c", "acb", false, false, "order matters" },
    { "*x*", "abc", false, false, "absent literal" },
    { "*s3:get*", "s3:getobject", false, true, "§2.1 action glob" },
    { "iam:*accesskey*", "iam:listaccesskeys", false, true, "§2.1: iam:*AccessKey* (lowered)" },
    { "iam:*accesskey*", "iam:listusers", false, false, "§2.1: iam:*AccessKey* (lowered)" },
    { "s3:*", "s3:", false, true, "s3:* matches the empty name" },
    { "ABC", "abc", false, false, "case-sensitive by default (§2.2 ARNs)" },
    { "ABC", "abc", true, true, "nocase option (§2.1 actions, IgnoreCase)" },
    { "a*C", "AxxC", true, true, "nocase with a star" },
    { "a?C", "AbC", true, true, "nocase with ?" },
    { "abc", "ab", false, false, "text shorter than the pattern" },
    { "ab", "abc", false, false, "text longer than the pattern" },
    { "*/test/*", "bucket/1/2/test/x", false, true, "§2.2 example: bucket/*/test/*" },
    { "bucket/*/test/*", "bucket//test/", false, true, "§2.2 example: empty runs" },
};

static void test_glob_table(void **state)
{
    uint16_t tok[64];
    (void)state;
    for (size_t i = 0; i < N_ELEMS(glob_cases); i++) {
        const glob_case *c = &glob_cases[i];
        size_t n = to_tokens(c->pat, tok, N_ELEMS(tok));
        bool got = iam__glob(tok, n, c->s, strlen(c->s), c->nocase);
        if (got != c->want)
            fail_msg("glob \"%s\" vs \"%s\" (nocase=%d): got %d, want %d (%s)", c->pat, c->s, c->nocase,
                     got, c->want, c->why);
    }
}

/* A literal '*' or '?' byte token (from ${*} or substituted text) is not a
 * wildcard: it matches only itself. */
static void test_glob_literal_wildcard_bytes(void **state)
{
    const uint16_t lit_star[] = { 'a', '*', 'b' };
    const uint16_t lit_q[] = { '?' };
    const uint16_t mixed[] = { '*', IAM_TOK_STAR }; /* a literal '*' then a wildcard */
    (void)state;
    assert_true(iam__glob(lit_star, 3, "a*b", 3, false));
    assert_false(iam__glob(lit_star, 3, "axb", 3, false));
    assert_false(iam__glob(lit_star, 3, "ab", 2, false));
    assert_true(iam__glob(lit_q, 1, "?", 1, false));
    assert_false(iam__glob(lit_q, 1, "x", 1, false));
    assert_true(iam__glob(mixed, 2, "*xyz", 4, false));
    assert_false(iam__glob(mixed, 2, "xyz", 3, false));
    /* nocase never folds a wildcard token into a letter (0x100/0x101 > 255) */
    assert_false(iam__glob(lit_star, 3, "A*B", 3, false));
    assert_true(iam__glob(lit_star, 3, "A*B", 3, true));
}

/* Matching is by length, never by NUL: embedded NULs and bytes >= 0x80. */
static void test_glob_binary_bytes(void **state)
{
    const uint16_t p[] = { 'a', IAM_TOK_STAR, 0x00, 0xff };
    (void)state;
    assert_true(iam__glob(p, 4, "a\0\xff", 3, false));
    assert_true(iam__glob(p, 4, "axy\0\xff", 5, false));
    assert_false(iam__glob(p, 4, "a\0\xfe", 3, false));
    assert_false(iam__glob(p, 4, "a", 1, false));
}

/* The backtracking matcher is O(n*m): a hostile pattern against a long
 * near-miss must finish fast (an exponential matcher would never end). */
static void test_glob_pathological(void **state)
{
    const char *pats[] = { "*a*a*a*a*a*b", "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", "a*a*a*a*a*a*a*a*a*a?b",
                           "*?*?*?*?*?*?*?*?*b" };
    size_t n = 200000;
    char *s = malloc(n);
    uint16_t tok[64];
    (void)state;
    assert_non_null(s);
    memset(s, 'a', n);
    double t0 = now_sec();
    for (size_t i = 0; i < N_ELEMS(pats); i++) {
        size_t pn = to_tokens(pats[i], tok, N_ELEMS(tok));
        assert_false(iam__glob(tok, pn, s, n, false));
        s[n - 1] = 'b';
        assert_true(iam__glob(tok, pn, s, n, false));
        s[n - 1] = 'a';
    }
    double dt = now_sec() - t0;
    if (dt > 5.0)
        fail_msg("pathological globs took %.2f s", dt);
    free(s);
}

/* ------------------------------------------------------------------ */
/* iam__pat_compile: classification                                     */

typedef struct class_case {
    const char *text;
    unsigned flags;
    iam__pat_kind kind;
    const char *lit; /* EXACT text / PREFIX prefix, else NULL */
    uint32_t nsegs;  /* VAR */
    const char *why;
} class_case;

static const class_case class_cases[] = {
    { "*", W, IAM_PAT_ANY, NULL, 0, "lone * is ANY" },
    { "*", 0, IAM_PAT_EXACT, "*", 0, "§3.2: in StringEquals a * is literal" },
    { "", W, IAM_PAT_EXACT, "", 0, "empty text is an exact empty match" },
    { "s3:GetObject", W, IAM_PAT_EXACT, "s3:GetObject", 0, "no wildcard: EXACT" },
    { "s3:GetObject", W | L, IAM_PAT_EXACT, "s3:getobject", 0, "§2.1 actions are lower-cased" },
    { "s3:Get*", W | L, IAM_PAT_PREFIX, "s3:get", 0, "one trailing *: PREFIX" },
    { "arn:aws:s3:::b/*", W, IAM_PAT_PREFIX, "arn:aws:s3:::b/", 0, "PREFIX keeps case without L" },
    { "*Object", W, IAM_PAT_GLOB, NULL, 0, "leading *: GLOB" },
    { "s3:*Object*", W, IAM_PAT_GLOB, NULL, 0, "two stars: GLOB" },
    { "**", W, IAM_PAT_GLOB, NULL, 0, "two stars are not ANY" },
    { "s3:Get?", W, IAM_PAT_GLOB, NULL, 0, "? forces GLOB" },
    { "?", W, IAM_PAT_GLOB, NULL, 0, "lone ? is GLOB" },
    { "s3:Get?*", W, IAM_PAT_GLOB, NULL, 0, "? then trailing *" },
    { "a*b", 0, IAM_PAT_EXACT, "a*b", 0, "without W, * is literal" },
    { "${aws:username}", W, IAM_PAT_EXACT, "${aws:username}", 0, "§2.3: without V (2008-10-17) literal" },
    { "${aws:username}", W | V, IAM_PAT_VAR, NULL, 1, "§2.3: a variable" },
    { "home/${aws:username}/*", W | V, IAM_PAT_VAR, NULL, 3, "literal, variable, literal" },
    { "${a}${b}", W | V, IAM_PAT_VAR, NULL, 2, "adjacent variables" },
    { "${aws:username, 'x'}", W | V, IAM_PAT_VAR, NULL, 1, "§2.3: variable with default" },
    { "${aws:username,'x'}", W | V, IAM_PAT_VAR, NULL, 1, "default without the space" },
    { "a${*}", W | V, IAM_PAT_EXACT, "a*", 0, "§2.3: ${*} is a literal *" },
    { "a${*}*", W | V, IAM_PAT_PREFIX, "a*", 0, "§2.3: ${*} literal, then a wildcard" },
    { "${*}", W | V, IAM_PAT_EXACT, "*", 0, "§2.3: ${*} alone is not ANY" },
    { "${?}", W | V, IAM_PAT_EXACT, "?", 0, "§2.3: ${?} is a literal ?" },
    { "${$}", W | V, IAM_PAT_EXACT, "$", 0, "§2.3: ${$} is a literal $" },
    { "${$}{x}", W | V, IAM_PAT_EXACT, "${x}", 0, "${$} lets a literal ${x} be written" },
    { "${}", W | V, IAM_PAT_EXACT, "${}", 0, "empty key: not a variable" },
    { "${ }", W | V, IAM_PAT_EXACT, "${ }", 0, "blank key: not a variable" },
    { "${aws:username", W | V, IAM_PAT_EXACT, "${aws:username", 0, "unclosed: literal" },
    { "$aws:username}", W | V, IAM_PAT_EXACT, "$aws:username}", 0, "no brace: literal" },
    { "${a, d}", W | V, IAM_PAT_EXACT, "${a, d}", 0, "unquoted default: literal" },
    { "${a, 'd' x}", W | V, IAM_PAT_EXACT, "${a, 'd' x}", 0, "junk after the default: literal" },
    { "${a, 'd}", W | V, IAM_PAT_EXACT, "${a, 'd}", 0, "unterminated quote: literal" },
    { "${a'b}", W | V, IAM_PAT_EXACT, "${a'b}", 0, "quote in the key: literal" },
};

static void test_compile_classification(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(class_cases); i++) {
        const class_case *c = &class_cases[i];
        iam__arena a;
        iam__pat p;
        iam__arena_init(&a);
        if (!iam__pat_compile(&a, iam_str_from_cstr(c->text), c->flags, &p))
            fail_msg("compile \"%s\" failed", c->text);
        if (p.kind != c->kind)
            fail_msg("\"%s\" flags %u: kind %d, want %d (%s)", c->text, c->flags, p.kind, c->kind, c->why);
        if (c->lit != NULL && !iam_str_eq(p.text, iam_str_from_cstr(c->lit)))
            fail_msg("\"%s\": text \"%.*s\", want \"%s\" (%s)", c->text, (int)p.text.len, p.text.ptr, c->lit,
                     c->why);
        if (c->kind == IAM_PAT_VAR && p.nsegs != c->nsegs)
            fail_msg("\"%s\": %u segments, want %u (%s)", c->text, p.nsegs, c->nsegs, c->why);
        iam__arena_free(&a);
    }
}

/* A variable's key is stored lower-cased (key names are case-insensitive,
 * §2.3) with its hash; the default text keeps its case. */
static void test_compile_var_segments(void **state)
{
    iam__arena a;
    iam__pat p;
    (void)state;
    iam__arena_init(&a);
    assert_true(iam__pat_compile(&a, IAM_STR("x/${AWS:PrincipalTag/Team, 'Company-Wide'}/*"), W | V, &p));
    assert_int_equal(p.kind, IAM_PAT_VAR);
    assert_int_equal(p.nsegs, 3);
    assert_non_null(p.segs[0].tok);
    assert_int_equal(p.segs[0].ntok, 2);
    assert_null(p.segs[1].tok);
    assert_true(iam_str_eq(p.segs[1].key, IAM_STR("aws:principaltag/team")));
    assert_int_equal(p.segs[1].key_hash, iam__hash_lower(IAM_STR("aws:principaltag/team")));
    assert_true(p.segs[1].has_default);
    assert_true(iam_str_eq(p.segs[1].def, IAM_STR("Company-Wide")));
    assert_int_equal(p.segs[2].ntok, 2);
    assert_int_equal(p.segs[2].tok[1], IAM_TOK_STAR);
    iam__arena_free(&a);
}

/* More than ~31 variables compiles to NONE (matches nothing) rather than
 * overflowing the fixed segment array. */
static void test_compile_too_many_variables(void **state)
{
    char buf[1024];
    size_t n = 0;
    iam__arena a;
    iam__pat p;
    (void)state;
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "x${k%d}", i);
    iam__arena_init(&a);
    assert_true(iam__pat_compile(&a, (iam_str){ buf, n }, W | V, &p));
    assert_int_equal(p.kind, IAM_PAT_NONE);
    assert_false(iam__pat_match(&p, (iam_str){ buf, n }, false, NULL, NULL));
    assert_false(iam__pat_match(&p, IAM_STR(""), false, NULL, NULL));
    iam__arena_free(&a);
}

/* Exactly 32 variables, each after a literal, then a trailing literal: the
 * variable check leaves room for a literal and a variable only, so the
 * trailing literal needs a 65th segment (fuzz_arn found a stack write past
 * the 64-entry segment array here). The pattern must compile to something
 * consistent: a VAR pattern that matches its expansion, or NONE. */
static void test_compile_32_variables_trailing_literal(void **state)
{
    char pat[512], subject[128];
    size_t n = 0, m = 0;
    iam__arena a;
    iam__pat p;
    iam_context *ctx = NULL;
    (void)state;
    for (int i = 0; i < 32; i++) {
        n += (size_t)snprintf(pat + n, sizeof pat - n, "x${a}");
        m += (size_t)snprintf(subject + m, sizeof subject - m, "xv");
    }
    n += (size_t)snprintf(pat + n, sizeof pat - n, "y");
    m += (size_t)snprintf(subject + m, sizeof subject - m, "y");
    assert_int_equal(iam_context_new(&ctx), IAM_OK);
    assert_int_equal(iam_context_add(ctx, IAM_STR("a"), IAM_STR("v")), IAM_OK);
    iam__arena_init(&a);
    assert_true(iam__pat_compile(&a, (iam_str){ pat, n }, W | V, &p));
    assert_true(p.kind == IAM_PAT_VAR || p.kind == IAM_PAT_NONE);
    if (p.kind == IAM_PAT_VAR) {
        assert_true(p.nsegs <= 65);
        assert_true(iam__pat_match(&p, (iam_str){ subject, m }, false, ctx, NULL));
        assert_false(iam__pat_match(&p, (iam_str){ subject, m - 1 }, false, ctx, NULL));
    } else {
        assert_false(iam__pat_match(&p, (iam_str){ subject, m }, false, ctx, NULL));
    }
    iam__arena_free(&a);
    iam_context_free(ctx);
}

/* ------------------------------------------------------------------ */
/* iam__pat_match with a context                                        */

typedef struct match_case {
    const char *pat;
    unsigned flags;
    const char *s;
    bool nocase, want;
    const char *why;
} match_case;

/* Context for the table: aws:username=Bob, aws:userid=AIDA:x,
 * star=Bob*, q=B?b, empty="", tagkeys={a,b} (multivalued), none={} (empty
 * list), syntax="${aws:username}", long = 5000 'L' (set in the test). */
static const match_case match_cases[] = {
    { "home/${aws:username}/*", W | V, "home/Bob/x", false, true, "§2.3: ${aws:username} substituted" },
    { "home/${aws:username}/*", W | V, "home/bob/x", false, false, "substituted text keeps its case" },
    { "home/${aws:username}/*", W | V, "home/Alice/x", false, false, "other user" },
    { "home/${AWS:UserName}/*", W | V, "home/Bob/x", false, true, "§2.3: key names are case-insensitive" },
    { "${aws:username}", W | V, "Bob", false, true, "lone variable" },
    { "${aws:username}", W | V, "Bobx", false, false, "lone variable is anchored" },
    { "${aws:username}", W | V, "BOB", true, true, "IgnoreCase applies to substituted text" },
    { "${aws:username}${aws:userid}", W | V, "BobAIDA:x", false, true, "adjacent variables" },
    { "${ aws:username }", W | V, "Bob", false, true, "blanks around the key are trimmed" },
    { "${aws:missing}", W | V, "", false, false, "§2.3: absent key matches nothing" },
    { "${aws:missing}", W | V, "${aws:missing}", false, false, "absent key is not literal text" },
    { "*${aws:missing}*", W | V, "anything", false, false, "absent key: even with stars" },
    { "${aws:missing, 'dflt'}", W | V, "dflt", false, true, "§2.3: default used when absent" },
    { "${aws:missing, 'dflt'}", W | V, "Dflt", false, false, "§2.3: the default is case-sensitive" },
    { "${aws:missing, ''}", W | V, "", false, true, "empty default" },
    { "a/${aws:missing, 'x*'}", W | V, "a/xyz", false, false, "default text is literal" },
    { "a/${aws:missing, 'x*'}", W | V, "a/x*", false, true, "default text is literal" },
    { "${aws:username, 'dflt'}", W | V, "Bob", false, true, "default ignored when present" },
    { "${tagkeys}", W | V, "a", false, false, "§2.3: multivalued key is unresolvable" },
    { "${tagkeys}", W | V, "a,b", false, false, "§2.3: multivalued key is unresolvable" },
    { "${tagkeys, 'd'}", W | V, "d", false, false, "multivalued is unresolvable even with a default" },
    { "${none}", W | V, "", false, false, "empty list: nothing to substitute" },
    { "${none, 'd'}", W | V, "d", false, true, "empty list takes the default" },
    { "a${empty}b", W | V, "ab", false, true, "empty string value substitutes nothing" },
    { "test${star}", W | V, "testBobTwo", false, false, "§2.3: a * from the value is literal" },
    { "test${star}", W | V, "testBob*", false, true, "§2.3: a * from the value matches itself" },
    { "${q}", W | V, "Bob", false, false, "a ? from the value is literal" },
    { "${q}", W | V, "B?b", false, true, "a ? from the value matches itself" },
    { "${syntax}", W | V, "Bob", false, false, "§2.3: one pass, substituted text not expanded" },
    { "${syntax}", W | V, "${aws:username}", false, true, "§2.3: one pass" },
    { "${aws:username}${*}", W | V, "Bob*", false, true, "variable then escape" },
    { "${aws:username}${*}", W | V, "Bobx", false, false, "variable then escape" },
    { "${aws:username}*", W | V, "Bobx", false, true, "variable then a real wildcard" },
    { "${aws:username}?", 0 | V, "Bob?", false, true, "StringEquals: ? literal after a variable" },
    { "${aws:username}?", 0 | V, "Bobx", false, false, "StringEquals: ? literal after a variable" },
    { "${aws:username}", W, "Bob", false, false, "2008-10-17: no variables, literal" },
    { "${aws:username}", W, "${aws:username}", false, true, "2008-10-17: no variables, literal" },
};

static void test_match_variables_table(void **state)
{
    iam_context *ctx = NULL;
    const iam_str tags[] = { IAM_STR("a"), IAM_STR("b") };
    (void)state;
    assert_int_equal(iam_context_new(&ctx), IAM_OK);
    assert_int_equal(iam_context_add(ctx, IAM_STR("aws:username"), IAM_STR("Bob")), IAM_OK);
    assert_int_equal(iam_context_add(ctx, IAM_STR("aws:userid"), IAM_STR("AIDA:x")), IAM_OK);
    assert_int_equal(iam_context_add(ctx, IAM_STR("star"), IAM_STR("Bob*")), IAM_OK);
    assert_int_equal(iam_context_add(ctx, IAM_STR("q"), IAM_STR("B?b")), IAM_OK);
    assert_int_equal(iam_context_add(ctx, IAM_STR("empty"), IAM_STR("")), IAM_OK);
    assert_int_equal(iam_context_set(ctx, IAM_STR("tagkeys"), tags, 2), IAM_OK);
    assert_int_equal(iam_context_set(ctx, IAM_STR("none"), NULL, 0), IAM_OK);
    assert_int_equal(iam_context_add(ctx, IAM_STR("syntax"), IAM_STR("${aws:username}")), IAM_OK);

    for (size_t i = 0; i < N_ELEMS(match_cases); i++) {
        const match_case *c = &match_cases[i];
        iam__arena a;
        iam__pat p;
        iam_err err = IAM_OK;
        iam__arena_init(&a);
        assert_true(iam__pat_compile(&a, iam_str_from_cstr(c->pat), c->flags, &p));
        bool got = iam__pat_match(&p, iam_str_from_cstr(c->s), c->nocase, ctx, &err);
        if (got != c->want || err != IAM_OK)
            fail_msg("\"%s\" vs \"%s\": got %d err %d, want %d (%s)", c->pat, c->s, got, err, c->want, c->why);
        iam__arena_free(&a);
    }
    iam_context_free(ctx);
}

/* No context at all: variables are unresolvable unless they have a default. */
static void test_match_null_context(void **state)
{
    iam__arena a;
    iam__pat p, q;
    iam_err err = IAM_OK;
    (void)state;
    iam__arena_init(&a);
    assert_true(iam__pat_compile(&a, IAM_STR("${aws:username}"), W | V, &p));
    assert_false(iam__pat_match(&p, IAM_STR(""), false, NULL, &err));
    assert_false(iam__pat_match(&p, IAM_STR("${aws:username}"), false, NULL, NULL));
    assert_true(iam__pat_compile(&a, IAM_STR("u/${aws:username, 'nobody'}"), W | V, &q));
    assert_true(iam__pat_match(&q, IAM_STR("u/nobody"), false, NULL, &err));
    assert_int_equal(err, IAM_OK);
    iam__arena_free(&a);
}

/* Every classified kind against the nocase switch (EXACT and PREFIX take
 * their own fast path, not the glob). */
static void test_match_kinds_nocase(void **state)
{
    static const struct {
        const char *pat, *s;
        bool nocase, want;
    } rows[] = {
        { "abc", "abc", false, true },    { "abc", "ABC", false, false }, { "abc", "ABC", true, true },
        { "abc", "abcd", true, false },   { "abc", "ab", true, false },   { "ab*", "AB", true, true },
        { "ab*", "ABcdef", true, true },  { "ab*", "ABcdef", false, false }, { "ab*", "a", true, false },
        { "a*c", "ABC", true, true },     { "a*c", "ABC", false, false }, { "*", "", false, true },
        { "", "", true, true },           { "", "x", true, false },
    };
    (void)state;
    for (size_t i = 0; i < N_ELEMS(rows); i++) {
        iam__arena a;
        iam__pat p;
        iam__arena_init(&a);
        assert_true(iam__pat_compile(&a, iam_str_from_cstr(rows[i].pat), W, &p));
        bool got = iam__pat_match(&p, iam_str_from_cstr(rows[i].s), rows[i].nocase, NULL, NULL);
        if (got != rows[i].want)
            fail_msg("\"%s\" vs \"%s\" nocase %d: got %d", rows[i].pat, rows[i].s, rows[i].nocase, got);
        iam__arena_free(&a);
    }
}

/* A substituted value longer than the 4096-token stack buffer goes through
 * the heap fallback and still matches correctly. */
static void test_match_long_expansion(void **state)
{
    size_t n = 10000;
    char *val = malloc(n), *subject = malloc(n + 16);
    iam_context *ctx = NULL;
    iam__arena a;
    iam__pat p;
    iam_err err = IAM_OK;
    (void)state;
    assert_non_null(val);
    assert_non_null(subject);
    memset(val, 'L', n);
    assert_int_equal(iam_context_new(&ctx), IAM_OK);
    assert_int_equal(iam_context_add(ctx, IAM_STR("k"), (iam_str){ val, n }), IAM_OK);
    memcpy(subject, "x/", 2);
    memcpy(subject + 2, val, n);
    memcpy(subject + 2 + n, "/tail", 5);
    iam__arena_init(&a);
    assert_true(iam__pat_compile(&a, IAM_STR("x/${k}/*"), W | V, &p));
    assert_true(iam__pat_match(&p, (iam_str){ subject, n + 7 }, false, ctx, &err));
    assert_int_equal(err, IAM_OK);
    subject[n] = 'M'; /* change one byte of the substituted part */
    assert_false(iam__pat_match(&p, (iam_str){ subject, n + 7 }, false, ctx, &err));
    assert_int_equal(err, IAM_OK);
    /* two long expansions in one pattern */
    assert_true(iam__pat_compile(&a, IAM_STR("${k}${k}"), W | V, &p));
    char *twice = malloc(2 * n);
    assert_non_null(twice);
    memset(twice, 'L', 2 * n);
    assert_true(iam__pat_match(&p, (iam_str){ twice, 2 * n }, false, ctx, &err));
    assert_false(iam__pat_match(&p, (iam_str){ twice, 2 * n - 1 }, false, ctx, &err));
    assert_int_equal(err, IAM_OK);
    free(twice);
    iam__arena_free(&a);
    iam_context_free(ctx);
    free(val);
    free(subject);
}

/* A pathological pattern compiled through iam__pat_compile (GLOB kind)
 * and one built from variables: both finish fast. */
static void test_match_pathological_compiled(void **state)
{
    size_t n = 100000;
    char *s = malloc(n);
    iam_context *ctx = NULL;
    iam__arena a;
    iam__pat p, q;
    (void)state;
    assert_non_null(s);
    memset(s, 'a', n);
    assert_int_equal(iam_context_new(&ctx), IAM_OK);
    assert_int_equal(iam_context_add(ctx, IAM_STR("v"), IAM_STR("a")), IAM_OK);
    iam__arena_init(&a);
    assert_true(iam__pat_compile(&a, IAM_STR("*a*a*a*a*a*b"), W, &p));
    assert_int_equal(p.kind, IAM_PAT_GLOB);
    assert_true(iam__pat_compile(&a, IAM_STR("*${v}*${v}*${v}*${v}*${v}*b"), W | V, &q));
    assert_int_equal(q.kind, IAM_PAT_VAR);
    double t0 = now_sec();
    assert_false(iam__pat_match(&p, (iam_str){ s, n }, false, NULL, NULL));
    assert_false(iam__pat_match(&q, (iam_str){ s, n }, false, ctx, NULL));
    assert_false(iam__pat_match(&p, (iam_str){ s, n }, true, NULL, NULL));
    double dt = now_sec() - t0;
    if (dt > 5.0)
        fail_msg("pathological compiled patterns took %.2f s", dt);
    iam__arena_free(&a);
    iam_context_free(ctx);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_glob_table),
        cmocka_unit_test(test_glob_literal_wildcard_bytes),
        cmocka_unit_test(test_glob_binary_bytes),
        cmocka_unit_test(test_glob_pathological),
        cmocka_unit_test(test_compile_classification),
        cmocka_unit_test(test_compile_var_segments),
        cmocka_unit_test(test_compile_too_many_variables),
        cmocka_unit_test(test_compile_32_variables_trailing_literal),
        cmocka_unit_test(test_match_variables_table),
        cmocka_unit_test(test_match_null_context),
        cmocka_unit_test(test_match_kinds_nocase),
        cmocka_unit_test(test_match_long_expansion),
        cmocka_unit_test(test_match_pathological_compiled),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
