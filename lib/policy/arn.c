/* arn.c - ARN patterns for Resource/NotResource and the Arn* operators.
 * An ARN has six colon-separated fields; the sixth (the resource part) may
 * itself contain ':' and '/'. A pattern is split at its first five colons
 * and matched field by field, so a '*' in partition, service, region or
 * account never runs into the next field, while in the resource part it
 * spans anything. A pattern with fewer fields lets its last field take the
 * rest of the value (so a lone "*" matches everything). */
#include <string.h>
#include "policy/policy_int.h"

void iam__arn_split_value(iam_str s, iam__arn_split *out)
{
    out->s = s;
    out->nfields = 1;
    out->start[0] = 0;
    /* memchr per colon: this runs for every request's resource */
    const char *p = s.ptr, *end = s.ptr + s.len;
    while (out->nfields < 6 && p < end) {
        const char *c = memchr(p, ':', (size_t)(end - p));
        if (c == NULL)
            break;
        out->start[out->nfields++] = (uint32_t)(c - s.ptr + 1);
        p = c + 1;
    }
    out->start[out->nfields] = (uint32_t)(s.len + 1);
}

iam_str iam__arn_account(iam_str arn)
{
    iam__arn_split sp;
    if (arn.len < 4 || memcmp(arn.ptr, "arn:", 4) != 0)
        return (iam_str){ "", 0 };
    iam__arn_split_value(arn, &sp);
    if (sp.nfields < 6)
        return (iam_str){ "", 0 };
    return (iam_str){ arn.ptr + sp.start[4], sp.start[5] - sp.start[4] - 1 };
}

/* Splits a pattern like a value, except that with variables on, a colon
 * inside "${...}" (as in ${aws:PrincipalAccount}) does not end a field. */
static void split_pattern(iam_str s, bool vars, iam__arn_split *out)
{
    out->s = s;
    out->nfields = 1;
    out->start[0] = 0;
    for (size_t i = 0; i < s.len && out->nfields < 6; i++) {
        if (vars && s.ptr[i] == '$' && i + 1 < s.len && s.ptr[i + 1] == '{') {
            const char *close = memchr(s.ptr + i + 2, '}', s.len - i - 2);
            if (close != NULL) {
                i = (size_t)(close - s.ptr);
                continue;
            }
        }
        if (s.ptr[i] == ':')
            out->start[out->nfields++] = (uint32_t)(i + 1);
    }
    out->start[out->nfields] = (uint32_t)(s.len + 1);
}

bool iam__arnpat_compile(iam__arena *a, iam_str text, bool vars_everywhere, bool vars_in_resource,
                         iam__arnpat *out)
{
    iam__arn_split sp;
    memset(out, 0, sizeof *out);
    out->text = text;
    if (text.len == 1 && text.ptr[0] == '*') {
        out->any = true;
        out->nfields = 1;
        return true;
    }
    /* The literal text before the first wildcard or variable must begin
     * every value the pattern matches, field by field or not. */
    size_t lit = 0;
    while (lit < text.len && text.ptr[lit] != '*' && text.ptr[lit] != '?' && text.ptr[lit] != '$')
        lit++;
    out->prefix_len = (uint32_t)lit;
    /* A literal head then one final star, as in a bucket's objects: the
     * star sits in the last field and the head holds every colon before
     * it, so any value with that head has the fields and matches. */
    out->prefix_only = lit + 1 == text.len && text.ptr[lit] == '*';
    split_pattern(text, vars_everywhere, &sp);
    out->nfields = sp.nfields;
    while (out->first_field + 1 < sp.nfields && sp.start[out->first_field + 1] <= lit)
        out->first_field++;
    out->all_exact = true;
    out->field = iam__arena_alloc(a, sp.nfields * sizeof *out->field);
    if (out->field == NULL)
        return false;
    for (uint8_t f = 0; f < sp.nfields; f++) {
        size_t end = (f + 1 < sp.nfields) ? sp.start[f + 1] - 1 : text.len;
        iam_str field = { text.ptr + sp.start[f], end - sp.start[f] };
        unsigned flags = IAM_PATF_WILDCARDS;
        if (vars_everywhere || (vars_in_resource && f == 5))
            flags |= IAM_PATF_VARIABLES;
        if (!iam__pat_compile(a, field, flags, &out->field[f]))
            return false;
        /* whole-string comparison needs the source text to be the literal
         * text: an escape such as ${*} makes the two differ */
        if (out->field[f].kind != IAM_PAT_EXACT || out->field[f].text.len != field.len)
            out->all_exact = false;
        if (f == 5) {
            size_t head = 0;
            while (head < field.len && field.ptr[head] != '*' && field.ptr[head] != '?' && field.ptr[head] != '$')
                head++;
            out->res_prefix = (iam_str){ field.ptr, head };
        }
    }
    return true;
}

/* Compares the first n bytes from the end backwards, 8 at a time: the
 * shared "arn:aws:service:" head rarely differs, the names after it do. */
static inline bool prefix_eq(const char *pat, iam_str v, size_t n)
{
    if (v.len < n)
        return false;
    while (n >= 8) {
        uint64_t a, b;
        memcpy(&a, pat + n - 8, 8);
        memcpy(&b, v.ptr + n - 8, 8);
        if (a != b)
            return false;
        n -= 8;
    }
    while (n > 0) {
        if (pat[n - 1] != v.ptr[n - 1])
            return false;
        n--;
    }
    return true;
}

bool iam__arnpat_match(const iam__arnpat *p, const iam__arn_split *v, const iam_context *ctx,
                       iam_err *err)
{
    if (p->any)
        return true;
    if (p->all_exact && p->nfields == v->nfields)
        return iam_str_eq(p->text, v->s);
    if (v->nfields < p->nfields)
        return false;
    /* Cheap filters first: the literal heads of the resource part and of
     * the whole text. Most candidate patterns fail one of them. */
    if (p->res_prefix.len &&
        !prefix_eq(p->res_prefix.ptr, (iam_str){ v->s.ptr + v->start[5], v->s.len - v->start[5] },
                   p->res_prefix.len))
        return false;
    if (p->prefix_len && !prefix_eq(p->text.ptr, v->s, p->prefix_len))
        return false;
    if (p->prefix_only)
        return true;
    for (uint8_t f = p->first_field; f < p->nfields; f++) {
        size_t start = v->start[f];
        /* the last pattern field takes the rest of the value */
        size_t end = (f + 1 < p->nfields) ? v->start[f + 1] - 1 : v->s.len;
        iam_str field = { v->s.ptr + start, end - start };
        if (!iam__pat_match(&p->field[f], field, false, ctx, err))
            return false;
    }
    return true;
}
