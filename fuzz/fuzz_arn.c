/* fuzz_arn.c - libFuzzer target for ARN patterns and the glob underneath
 * (lib/policy/arn.c, pattern.c).
 *
 * Input layout: byte 0 = flags (bit 0 variables in every field, bit 1
 * variables in the resource part), then "pattern\nvalue\nk=v\nk=v...":
 * the lines after the value fill a request context (a repeated key is
 * multivalued).
 *
 * Invariants (abort on violation):
 *   - iam__arn_split_value: 1..6 fields, starts increasing, each field
 *     boundary is a ':', no ':' before the last field is missed, and the
 *     end sentinel is len + 1;
 *   - iam__arn_account is the fifth field of an "arn:" value with six
 *     fields, else empty;
 *   - a pattern without "${" matches exactly as a simple reference matcher
 *     says (six fields, '*' and '?' never crossing a ':' in the first five,
 *     the last pattern field taking the rest) - this checks the all-exact
 *     fast path and the backtracking glob against a dynamic program;
 *   - a pattern without "${" matches its own text; an all-exact one matches
 *     only its own text;
 *   - a pattern with policy variables matches as a reference expander says:
 *     fields split outside ${...}, variables resolved from the context
 *     (single value, else the default, else no match), substituted text
 *     literal, escapes ${*} ${?} ${$} literal;
 *   - "*" matches everything;
 *   - case-insensitive glob equals the glob of both sides lower-cased. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iam/context.h"
#include "policy/policy_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                 \
    do {                                                                            \
        if (!(cond)) {                                                              \
            fprintf(stderr, "fuzz_arn: invariant failed: %s (line %d)\n", #cond,    \
                    __LINE__);                                                      \
            abort();                                                                \
        }                                                                           \
    } while (0)

#define REF_MAX 512 /* the reference matcher is O(n*m) in memory */

static iam_str next_line(const char **p, size_t *n)
{
    const char *nl = memchr(*p, '\n', *n);
    size_t len = nl ? (size_t)(nl - *p) : *n;
    iam_str s = { *p, len };
    *p += nl ? len + 1 : len;
    *n -= nl ? len + 1 : len;
    return s;
}

static bool has_var_syntax(iam_str s)
{
    for (size_t i = 0; i + 1 < s.len; i++)
        if (s.ptr[i] == '$' && s.ptr[i + 1] == '{')
            return true;
    return false;
}

/* Reference glob: dynamic program over (pattern, text); '*' any run, '?'
 * one byte, everything else itself. */
static bool ref_glob(const char *p, size_t pn, const char *s, size_t sn)
{
    static bool row[REF_MAX + 1], prev[REF_MAX + 1];
    CHECK(sn <= REF_MAX);
    /* prev[j]: pattern[0..i) matches s[0..j) */
    memset(prev, 0, sizeof prev);
    prev[0] = true;
    for (size_t i = 0; i < pn; i++) {
        memset(row, 0, sizeof row);
        if (p[i] == '*') {
            bool any = false;
            for (size_t j = 0; j <= sn; j++) {
                any = any || prev[j];
                row[j] = any;
            }
        } else {
            for (size_t j = 1; j <= sn; j++)
                row[j] = prev[j - 1] && (p[i] == '?' || p[i] == s[j - 1]);
        }
        memcpy(prev, row, sizeof row);
    }
    return prev[sn];
}

/* Reference ARN match for a variable-free pattern. */
static bool ref_arn(iam_str pat, iam_str val)
{
    if (pat.len == 1 && pat.ptr[0] == '*')
        return true;
    iam__arn_split ps, vs;
    iam__arn_split_value(pat, &ps);
    iam__arn_split_value(val, &vs);
    if (vs.nfields < ps.nfields)
        return false;
    for (uint8_t f = 0; f < ps.nfields; f++) {
        size_t pe = (f + 1 < ps.nfields) ? ps.start[f + 1] - 1 : pat.len;
        size_t ve = (f + 1 < ps.nfields) ? vs.start[f + 1] - 1 : val.len;
        if (!ref_glob(pat.ptr + ps.start[f], pe - ps.start[f], val.ptr + vs.start[f], ve - vs.start[f]))
            return false;
    }
    return true;
}

static void check_split(iam_str s)
{
    iam__arn_split sp;
    size_t colons = 0;
    iam__arn_split_value(s, &sp);
    for (size_t i = 0; i < s.len; i++)
        colons += s.ptr[i] == ':';
    CHECK(sp.s.ptr == s.ptr && sp.s.len == s.len);
    CHECK(sp.nfields >= 1 && sp.nfields <= 6);
    CHECK(sp.nfields == (colons + 1 < 6 ? colons + 1 : 6));
    CHECK(sp.start[0] == 0);
    for (uint8_t f = 1; f < sp.nfields; f++) {
        CHECK(sp.start[f] > sp.start[f - 1]);
        CHECK(s.ptr[sp.start[f] - 1] == ':');
        /* no colon inside an earlier field */
        CHECK(memchr(s.ptr + sp.start[f - 1], ':', sp.start[f] - 1 - sp.start[f - 1]) == NULL);
    }
    CHECK(sp.start[sp.nfields] == s.len + 1);

    iam_str acct = iam__arn_account(s);
    CHECK(acct.ptr != NULL);
    if (acct.len) {
        CHECK(s.len >= 4 && memcmp(s.ptr, "arn:", 4) == 0 && sp.nfields == 6);
        CHECK(acct.ptr == s.ptr + sp.start[4] && acct.len == sp.start[5] - 1 - sp.start[4]);
    } else if (s.len >= 4 && memcmp(s.ptr, "arn:", 4) == 0 && sp.nfields == 6) {
        CHECK(sp.start[5] - 1 == sp.start[4]); /* the account field is empty */
    }
}

static bool arn_match(iam__arena *a, iam_str pat, bool all, bool res, iam_str val, const iam_context *ctx,
                      iam__arnpat *out)
{
    iam__arn_split sp;
    iam_err err = IAM_OK;
    CHECK(iam__arnpat_compile(a, pat, all, res, out));
    CHECK(out->nfields >= 1 && out->nfields <= 6);
    iam__arn_split_value(val, &sp);
    bool m = iam__arnpat_match(out, &sp, ctx, &err);
    CHECK(err == IAM_OK);
    return m;
}

/* The glob on its own, with and without case folding. */
static void check_glob(iam_str pat, iam_str val)
{
    static uint16_t tok[REF_MAX];
    static char lp[REF_MAX], lv[REF_MAX];
    if (pat.len > REF_MAX || val.len > REF_MAX)
        return;
    for (size_t i = 0; i < pat.len; i++) {
        char ch = pat.ptr[i];
        tok[i] = ch == '*' ? IAM_TOK_STAR : ch == '?' ? IAM_TOK_QMARK : (unsigned char)ch;
        lp[i] = iam__lower(ch);
    }
    for (size_t i = 0; i < val.len; i++)
        lv[i] = iam__lower(val.ptr[i]);
    bool cs = iam__glob(tok, pat.len, val.ptr, val.len, false);
    CHECK(cs == ref_glob(pat.ptr, pat.len, val.ptr, val.len));
    bool ci = iam__glob(tok, pat.len, val.ptr, val.len, true);
    CHECK(ci == ref_glob(lp, pat.len, lv, val.len));
    if (cs)
        CHECK(ci);
}

/* ---- reference expander for patterns with variables ------------------- */

/* Same accepted syntax as pattern.c: ${*} ${?} ${$}, ${key}, ${key, 'def'}
 * (blanks around key and default, no '$' '{' '\'' in the key). */
static bool ref_parse_var(const char *in, size_t n, int *lit, iam_str *key, bool *has_def, iam_str *def)
{
    *lit = -1;
    *has_def = false;
    if (n == 1 && (in[0] == '*' || in[0] == '?' || in[0] == '$')) {
        *lit = (unsigned char)in[0];
        return true;
    }
    const char *comma = memchr(in, ',', n);
    size_t kend = comma ? (size_t)(comma - in) : n, kstart = 0;
    while (kend > 0 && (in[kend - 1] == ' ' || in[kend - 1] == '\t'))
        kend--;
    while (kstart < kend && (in[kstart] == ' ' || in[kstart] == '\t'))
        kstart++;
    if (kstart == kend)
        return false;
    for (size_t i = kstart; i < kend; i++)
        if (in[i] == '$' || in[i] == '{' || in[i] == '\'')
            return false;
    *key = (iam_str){ in + kstart, kend - kstart };
    if (comma == NULL)
        return true;
    size_t i = (size_t)(comma - in) + 1;
    while (i < n && (in[i] == ' ' || in[i] == '\t'))
        i++;
    if (i >= n || in[i] != '\'')
        return false;
    size_t start = ++i;
    while (i < n && in[i] != '\'')
        i++;
    if (i >= n)
        return false;
    *def = (iam_str){ in + start, i - start };
    i++;
    while (i < n && (in[i] == ' ' || in[i] == '\t'))
        i++;
    if (i != n)
        return false;
    *has_def = true;
    return true;
}

/* Length of the ${...} span at s[i] ("${" .. first "}"), or 0 if none. */
static size_t var_span(iam_str s, size_t i)
{
    if (i + 1 >= s.len || s.ptr[i] != '$' || s.ptr[i + 1] != '{')
        return 0;
    const char *close = memchr(s.ptr + i + 2, '}', s.len - i - 2);
    return close ? (size_t)(close - (s.ptr + i)) + 1 : 0;
}

#define REF_TOK_MAX 4096

/* Expands one field into tokens. Returns 1 when resolved, 0 when some
 * variable is unresolvable (the field matches nothing), -1 when too big. */
static int ref_expand(iam_str f, bool vars, const iam_context *ctx, uint16_t *tok, size_t *ntok)
{
    size_t n = 0;
    for (size_t i = 0; i < f.len;) {
        size_t sp = vars ? var_span(f, i) : 0;
        int lit;
        iam_str key = { 0 }, def = { 0 };
        bool has_def;
        if (sp && ref_parse_var(f.ptr + i + 2, sp - 3, &lit, &key, &has_def, &def)) {
            if (lit >= 0) {
                if (n >= REF_TOK_MAX)
                    return -1;
                tok[n++] = (uint16_t)lit;
            } else {
                long cnt = iam_context_count(ctx, key);
                iam_str v;
                if (cnt == 1)
                    v = iam_context_value(ctx, key, 0);
                else if (cnt <= 0 && has_def)
                    v = def;
                else
                    return 0;
                if (n + v.len > REF_TOK_MAX)
                    return -1;
                for (size_t k = 0; k < v.len; k++)
                    tok[n++] = (unsigned char)v.ptr[k];
            }
            i += sp;
            continue;
        }
        if (n >= REF_TOK_MAX)
            return -1;
        char ch = f.ptr[i++];
        tok[n++] = ch == '*' ? IAM_TOK_STAR : ch == '?' ? IAM_TOK_QMARK : (unsigned char)ch;
    }
    *ntok = n;
    return 1;
}

static bool ref_glob_tok(const uint16_t *p, size_t pn, const char *s, size_t sn)
{
    static bool row[REF_MAX + 1], prev[REF_MAX + 1];
    CHECK(sn <= REF_MAX);
    memset(prev, 0, sizeof prev);
    prev[0] = true;
    for (size_t i = 0; i < pn; i++) {
        memset(row, 0, sizeof row);
        if (p[i] == IAM_TOK_STAR) {
            bool any = false;
            for (size_t j = 0; j <= sn; j++) {
                any = any || prev[j];
                row[j] = any;
            }
        } else {
            for (size_t j = 1; j <= sn; j++)
                row[j] = prev[j - 1] && (p[i] == IAM_TOK_QMARK || p[i] == (unsigned char)s[j - 1]);
        }
        memcpy(prev, row, sizeof row);
    }
    return prev[sn];
}

/* Reference ARN match with variables. Returns 1/0, or -1 when the case is
 * outside what the reference decides. */
static int ref_arn_vars(iam_str pat, bool all, bool res, iam_str val, const iam_context *ctx)
{
    static uint16_t tok[REF_TOK_MAX];
    size_t fstart[7], fend[6], nf = 1, nvars = 0;
    if (pat.len == 1 && pat.ptr[0] == '*')
        return 1;
    /* split at the first five ':' outside valid ${...} spans (variables in
     * every field) or at raw ':' (variables only in the resource part) */
    fstart[0] = 0;
    for (size_t i = 0; i < pat.len && nf < 6;) {
        size_t sp = all ? var_span(pat, i) : 0;
        if (sp) {
            int lit;
            iam_str key, def;
            bool has_def;
            bool ok = ref_parse_var(pat.ptr + i + 2, sp - 3, &lit, &key, &has_def, &def);
            bool colon = memchr(pat.ptr + i, ':', sp) != NULL;
            if (!ok && colon)
                return -1; /* an invalid ${...} holding a ':' - ambiguous */
            if (ok) {
                i += sp;
                continue;
            }
        }
        if (pat.ptr[i] == ':') {
            fend[nf - 1] = i;
            fstart[nf++] = i + 1;
        }
        i++;
    }
    fend[nf - 1] = pat.len;
    for (size_t i = 0; i + 1 < pat.len; i++)
        nvars += pat.ptr[i] == '$' && pat.ptr[i + 1] == '{';
    if (nvars > 30)
        return -1; /* compiles to "matches nothing" by design */
    iam__arn_split vs;
    iam__arn_split_value(val, &vs);
    if (vs.nfields < nf)
        return 0;
    for (size_t f = 0; f < nf; f++) {
        size_t ntok = 0;
        int r = ref_expand((iam_str){ pat.ptr + fstart[f], fend[f] - fstart[f] }, all || (res && f == 5), ctx, tok,
                           &ntok);
        if (r < 0)
            return -1;
        if (r == 0)
            return 0;
        size_t ve = (f + 1 < nf) ? vs.start[f + 1] - 1 : val.len;
        if (ve - vs.start[f] > REF_MAX)
            return -1;
        if (!ref_glob_tok(tok, ntok, val.ptr + vs.start[f], ve - vs.start[f]))
            return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned flags = data[0];
    const char *p = (const char *)data + 1;
    size_t n = size - 1;
    iam_str pat = next_line(&p, &n);
    iam_str val = next_line(&p, &n);
    bool all = flags & 1, res = (flags & 2) != 0;

    check_split(pat);
    check_split(val);
    check_glob(pat, val);

    iam_context *ctx = NULL;
    CHECK(iam_context_new(&ctx) == IAM_OK);
    while (n > 0) {
        iam_str kv = next_line(&p, &n);
        const char *eq = memchr(kv.ptr, '=', kv.len);
        if (eq == NULL || eq == kv.ptr)
            continue;
        CHECK(iam_context_add(ctx, (iam_str){ kv.ptr, (size_t)(eq - kv.ptr) },
                              (iam_str){ eq + 1, kv.len - (size_t)(eq - kv.ptr) - 1 }) == IAM_OK);
    }

    iam__arena a;
    iam__arnpat cp;
    iam__arena_init(&a);
    bool m = arn_match(&a, pat, all, res, val, ctx, &cp);
    bool vars = has_var_syntax(pat) && (all || res);

    if (!vars) {
        if (pat.len <= REF_MAX && val.len <= REF_MAX)
            CHECK(m == ref_arn(pat, val));
        /* a variable-free pattern matches its own text */
        iam__arnpat self;
        CHECK(arn_match(&a, pat, all, res, pat, ctx, &self));
        if (cp.all_exact)
            CHECK(m == iam_str_eq(pat, val));
    }
    if (vars && val.len <= REF_MAX) {
        int want = ref_arn_vars(pat, all, res, val, ctx);
        if (want >= 0)
            CHECK(m == (want == 1));
    }
    /* "*" matches everything, with or without variables */
    CHECK(arn_match(&a, IAM_STR("*"), all, res, val, ctx, &cp));
    /* without a context, a pattern with variables still evaluates */
    {
        iam__arn_split sp;
        iam_err err = IAM_OK;
        CHECK(iam__arnpat_compile(&a, pat, all, res, &cp));
        iam__arn_split_value(val, &sp);
        (void)iam__arnpat_match(&cp, &sp, NULL, &err);
        CHECK(err == IAM_OK);
    }
    iam__arena_free(&a);
    iam_context_free(ctx);
    return 0;
}
