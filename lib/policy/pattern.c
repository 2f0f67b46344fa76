/* pattern.c - glob patterns with '*' and '?', literal escapes ${*} ${?} ${$}
 * and policy variables ${key} / ${key, 'default'}.
 * Patterns compile once into tokens (see policy_int.h) and are classified so
 * that the common shapes (lone "*", exact text, "prefix*") never run the
 * general matcher. Variables are expanded per request into a token buffer,
 * their substituted text always literal. */
#include <stdlib.h>
#include <string.h>
#include "policy/policy_int.h"

#define EXPAND_STACK 4096 /* tokens; larger expansions use the heap */

static bool is_ws(char c) { return c == ' ' || c == '\t'; }

/* Parses the inside of "${...}" (without the braces). Sets *lit to the
 * literal char for ${*} ${?} ${$}; else fills key/default. Returns false
 * when the text is not a valid variable (then it stays literal text). */
static bool parse_var(iam_str in, int *lit, iam_str *key, bool *has_def, iam_str *def)
{
    *lit = -1;
    *has_def = false;
    if (in.len == 1 && (in.ptr[0] == '*' || in.ptr[0] == '?' || in.ptr[0] == '$')) {
        *lit = (unsigned char)in.ptr[0];
        return true;
    }
    size_t comma = in.len;
    for (size_t i = 0; i < in.len; i++)
        if (in.ptr[i] == ',') {
            comma = i;
            break;
        }
    size_t kend = comma;
    while (kend > 0 && is_ws(in.ptr[kend - 1]))
        kend--;
    size_t kstart = 0;
    while (kstart < kend && is_ws(in.ptr[kstart]))
        kstart++;
    if (kstart == kend)
        return false;
    for (size_t i = kstart; i < kend; i++)
        if (in.ptr[i] == '$' || in.ptr[i] == '{' || in.ptr[i] == '\'')
            return false;
    *key = (iam_str){ in.ptr + kstart, kend - kstart };
    if (comma == in.len)
        return true;
    size_t i = comma + 1;
    while (i < in.len && is_ws(in.ptr[i]))
        i++;
    if (i >= in.len || in.ptr[i] != '\'')
        return false;
    size_t start = ++i;
    while (i < in.len && in.ptr[i] != '\'')
        i++;
    if (i >= in.len)
        return false;
    *def = (iam_str){ in.ptr + start, i - start };
    i++;
    while (i < in.len && is_ws(in.ptr[i]))
        i++;
    if (i != in.len)
        return false;
    *has_def = true;
    return true;
}

typedef struct tokbuf {
    uint16_t *t;
    size_t n, cap;
} tokbuf;

static bool tb_push(tokbuf *b, uint16_t v)
{
    void *t = b->t;
    if (!iam__grow(&t, &b->cap, b->n + 1, sizeof *b->t))
        return false;
    b->t = t;
    b->t[b->n++] = v;
    return true;
}

static uint16_t *arena_tokens(iam__arena *a, const uint16_t *t, size_t n)
{
    uint16_t *out = iam__arena_alloc(a, (n ? n : 1) * sizeof *out);
    if (out != NULL && n)
        memcpy(out, t, n * sizeof *t);
    return out;
}

bool iam__pat_compile(iam__arena *a, iam_str text, unsigned flags, iam__pat *out)
{
    tokbuf cur = { 0 };
    iam__seg segs[64];
    size_t nsegs = 0;
    bool ok = false, has_var = false;

    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < text.len; i++) {
        char c = text.ptr[i];
        if ((flags & IAM_PATF_VARIABLES) && c == '$' && i + 1 < text.len && text.ptr[i + 1] == '{') {
            size_t close = i + 2;
            while (close < text.len && text.ptr[close] != '}')
                close++;
            if (close < text.len) {
                int lit;
                iam_str key = { 0 }, def = { 0 };
                bool has_def;
                if (parse_var((iam_str){ text.ptr + i + 2, close - i - 2 }, &lit, &key, &has_def, &def)) {
                    if (lit >= 0) {
                        if (!tb_push(&cur, (uint16_t)lit))
                            goto done;
                    } else {
                        if (nsegs + 2 > sizeof segs / sizeof segs[0]) {
                            out->kind = IAM_PAT_NONE; /* absurd: > 31 variables */
                            ok = true;
                            goto done;
                        }
                        if (cur.n) {
                            segs[nsegs] = (iam__seg){ .tok = arena_tokens(a, cur.t, cur.n), .ntok = (uint32_t)cur.n };
                            if (segs[nsegs].tok == NULL)
                                goto done;
                            nsegs++;
                            cur.n = 0;
                        }
                        iam__seg *s = &segs[nsegs++];
                        memset(s, 0, sizeof *s);
                        if (!iam__arena_strdup_lower(a, key, &s->key))
                            goto done;
                        s->key_hash = iam__hash_lower(s->key);
                        s->has_default = has_def;
                        if (has_def && !iam__arena_strdup(a, def, &s->def))
                            goto done;
                        has_var = true;
                    }
                    i = close;
                    continue;
                }
            }
        }
        uint16_t t = (unsigned char)((flags & IAM_PATF_LOWER) ? iam__lower(c) : c);
        if (flags & IAM_PATF_WILDCARDS) {
            if (c == '*')
                t = IAM_TOK_STAR;
            else if (c == '?')
                t = IAM_TOK_QMARK;
        }
        if (!tb_push(&cur, t))
            goto done;
    }

    if (has_var) {
        if (cur.n && nsegs == sizeof segs / sizeof segs[0]) {
            out->kind = IAM_PAT_NONE; /* no room for the trailing literal */
            ok = true;
            goto done;
        }
        if (cur.n) {
            segs[nsegs] = (iam__seg){ .tok = arena_tokens(a, cur.t, cur.n), .ntok = (uint32_t)cur.n };
            if (segs[nsegs].tok == NULL)
                goto done;
            nsegs++;
        }
        iam__seg *s = iam__arena_alloc(a, nsegs * sizeof *s);
        if (s == NULL)
            goto done;
        memcpy(s, segs, nsegs * sizeof *s);
        out->kind = IAM_PAT_VAR;
        out->segs = s;
        out->nsegs = (uint32_t)nsegs;
        ok = true;
        goto done;
    }

    /* Classify a variable-free pattern. */
    size_t stars = 0, qmarks = 0;
    for (size_t i = 0; i < cur.n; i++) {
        stars += cur.t[i] == IAM_TOK_STAR;
        qmarks += cur.t[i] == IAM_TOK_QMARK;
    }
    if (cur.n == 1 && stars == 1) {
        out->kind = IAM_PAT_ANY;
        ok = true;
        goto done;
    }
    if (qmarks == 0 && (stars == 0 || (stars == 1 && cur.t[cur.n - 1] == IAM_TOK_STAR))) {
        size_t n = stars ? cur.n - 1 : cur.n;
        char *p = iam__arena_alloc(a, n + 1);
        if (p == NULL)
            goto done;
        for (size_t i = 0; i < n; i++)
            p[i] = (char)cur.t[i];
        out->kind = stars ? IAM_PAT_PREFIX : IAM_PAT_EXACT;
        out->text = (iam_str){ p, n };
        ok = true;
        goto done;
    }
    out->kind = IAM_PAT_GLOB;
    out->tok = arena_tokens(a, cur.t, cur.n);
    out->ntok = (uint32_t)cur.n;
    ok = out->tok != NULL;
done:
    iam__free(cur.t);
    return ok;
}

static inline bool ch_eq(uint16_t t, char c, bool nocase)
{
    if (t > 255)
        return false;
    if (nocase)
        return iam__lower((char)t) == iam__lower(c);
    return (unsigned char)c == t;
}

/* Iterative glob with single-star backtracking: linear in practice and
 * O(n*m) at worst, never recursive, so hostile patterns cannot blow the
 * stack. */
bool iam__glob(const uint16_t *p, size_t pn, const char *s, size_t sn, bool nocase)
{
    size_t i = 0, j = 0, star_p = (size_t)-1, star_s = 0;
    while (j < sn) {
        if (i < pn && (p[i] == IAM_TOK_QMARK || ch_eq(p[i], s[j], nocase))) {
            i++;
            j++;
        } else if (i < pn && p[i] == IAM_TOK_STAR) {
            star_p = i++;
            star_s = j;
        } else if (star_p != (size_t)-1) {
            i = star_p + 1;
            j = ++star_s;
        } else {
            return false;
        }
    }
    while (i < pn && p[i] == IAM_TOK_STAR)
        i++;
    return i == pn;
}

static bool text_eq(const char *a, const char *b, size_t n, bool nocase)
{
    if (!nocase)
        return memcmp(a, b, n) == 0;
    for (size_t i = 0; i < n; i++)
        if (iam__lower(a[i]) != iam__lower(b[i]))
            return false;
    return true;
}

/* Resolves one variable to its text; false when unresolvable (absent
 * without default, or multivalued). */
static bool resolve(const iam__seg *sg, const iam_context *ctx, iam_str *out)
{
    const iam__ctxkey *k = ctx ? iam__ctx_find(ctx, sg->key, sg->key_hash) : NULL;
    if (k == NULL || k->nvals == 0) {
        if (!sg->has_default)
            return false;
        *out = sg->def;
        return true;
    }
    if (k->nvals != 1)
        return false;
    *out = k->vals[0].s;
    return true;
}

static bool match_var(const iam__pat *p, iam_str s, bool nocase, const iam_context *ctx, iam_err *err)
{
    uint16_t stack[EXPAND_STACK];
    uint16_t *buf = stack;
    size_t cap = EXPAND_STACK, n = 0;
    bool result = false;

    for (uint32_t i = 0; i < p->nsegs; i++) {
        const iam__seg *sg = &p->segs[i];
        iam_str val = { 0 };
        size_t need = sg->tok ? sg->ntok : 0;
        if (sg->tok == NULL) {
            if (!resolve(sg, ctx, &val))
                goto out; /* unresolvable: matches nothing */
            need = val.len;
        }
        if (n + need > cap) {
            size_t ncap = (n + need) * 2;
            uint16_t *nb = iam__malloc(ncap * sizeof *nb);
            if (nb == NULL) {
                if (err)
                    *err = IAM_E_NOMEM;
                goto out;
            }
            memcpy(nb, buf, n * sizeof *nb);
            if (buf != stack)
                iam__free(buf);
            buf = nb;
            cap = ncap;
        }
        if (sg->tok) {
            memcpy(buf + n, sg->tok, need * sizeof *buf);
        } else {
            for (size_t k = 0; k < val.len; k++)
                buf[n + k] = (unsigned char)val.ptr[k];
        }
        n += need;
    }
    result = iam__glob(buf, n, s.ptr, s.len, nocase);
out:
    if (buf != stack)
        iam__free(buf);
    return result;
}

bool iam__pat_match(const iam__pat *p, iam_str s, bool nocase, const iam_context *ctx, iam_err *err)
{
    switch (p->kind) {
    case IAM_PAT_NONE:
        return false;
    case IAM_PAT_ANY:
        return true;
    case IAM_PAT_EXACT:
        return s.len == p->text.len && text_eq(s.ptr, p->text.ptr, s.len, nocase);
    case IAM_PAT_PREFIX:
        return s.len >= p->text.len && text_eq(s.ptr, p->text.ptr, p->text.len, nocase);
    case IAM_PAT_GLOB:
        return iam__glob(p->tok, p->ntok, s.ptr, s.len, nocase);
    case IAM_PAT_VAR:
        return match_var(p, s, nocase, ctx, err);
    }
    return false;
}
