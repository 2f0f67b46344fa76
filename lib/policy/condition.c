/* condition.c - evaluation of one condition (operator, key, values) against
 * the request context, with AWS's rules for missing keys, IfExists, negated
 * operators over several values, and the ForAnyValue / ForAllValues set
 * qualifiers. Values were parsed when the policy and the context were built;
 * this file only compares. */
#include "policy/policy_int.h"

/* Does the single request value `rv` satisfy the positive form of the
 * operator against policy value `pv`? */
static bool value_matches(const iam__cond *c, const iam__cval *pv, const iam__ctxval *rv,
                          const iam__req_env *env)
{
    iam_err *err = (iam_err *)(uintptr_t)&env->err; /* sticky allocation error */
    switch (c->op.family) {
    case IAM_OPF_STRING:
        return iam__pat_match(&pv->pat, rv->s, c->op.cmp == IAM_CMP_EQ_NOCASE, env->ctx, err);
    case IAM_OPF_BOOL:
        return iam__pat_match(&pv->pat, rv->s, true, env->ctx, err);
    case IAM_OPF_BINARY:
        return iam_str_eq(pv->raw, rv->s);
    case IAM_OPF_ARN: {
        iam__arn_split sp;
        iam__arn_split_value(rv->s, &sp);
        return iam__arnpat_match(&pv->arn, &sp, env->ctx, err);
    }
    case IAM_OPF_IP:
        return pv->valid && rv->has_ip && iam__ip_contains(&pv->ip, &rv->ip);
    case IAM_OPF_NUMERIC:
    case IAM_OPF_DATE: {
        if (!pv->valid)
            return false;
        double a, b;
        if (c->op.family == IAM_OPF_NUMERIC) {
            if (!rv->has_num)
                return false;
            a = rv->num;
            b = pv->num;
        } else {
            if (!rv->has_date)
                return false;
            if (c->op.cmp == IAM_CMP_EQ)
                return rv->date == pv->date;
            int64_t x = rv->date, y = pv->date;
            switch (c->op.cmp) {
            case IAM_CMP_LT: return x < y;
            case IAM_CMP_LE: return x <= y;
            case IAM_CMP_GT: return x > y;
            case IAM_CMP_GE: return x >= y;
            default: return false;
            }
        }
        switch (c->op.cmp) {
        case IAM_CMP_EQ: return a == b;
        case IAM_CMP_LT: return a < b;
        case IAM_CMP_LE: return a <= b;
        case IAM_CMP_GT: return a > b;
        case IAM_CMP_GE: return a >= b;
        default: return false;
        }
    }
    case IAM_OPF_NULL:
        return false; /* handled by the caller */
    }
    return false;
}

/* One request value against all policy values: OR for positive operators,
 * NOR for negated ones ("must differ from every listed value"). */
static bool single_value(const iam__cond *c, const iam__ctxval *rv, const iam__req_env *env)
{
    bool any = false;
    for (uint32_t i = 0; i < c->nvals && !any; i++)
        any = value_matches(c, &c->vals[i], rv, env);
    return c->op.negated ? !any : any;
}

bool iam__cond_eval(const iam__cond *c, const iam__req_env *env)
{
    if (c->never)
        return false;
    const iam__ctxkey *k = env->ctx ? iam__ctx_find(env->ctx, c->key, c->key_hash) : NULL;

    if (c->op.family == IAM_OPF_NULL) {
        /* Null tests presence only; an empty string (or list) is present. */
        bool present = k != NULL;
        for (uint32_t i = 0; i < c->nvals; i++)
            if (c->vals[i].valid && c->vals[i].flag != present)
                return true;
        return false;
    }
    if (k == NULL || k->nvals == 0) {
        if (c->op.if_exists)
            return true;
        if (c->op.set == IAM_SET_ALL)
            return true;  /* vacuously true on an absent or empty set */
        if (c->op.set == IAM_SET_ANY)
            return false;
        return c->op.negated;
    }
    switch (c->op.set) {
    case IAM_SET_NONE:
        /* A plain operator on a multivalued key never matches, negated or not
         * (AWS requires a set operator there; the peer simulator agrees). */
        if (k->nvals > 1)
            return false;
        return single_value(c, &k->vals[0], env);
    case IAM_SET_ANY:
        for (uint32_t i = 0; i < k->nvals; i++)
            if (single_value(c, &k->vals[i], env))
                return true;
        return false;
    case IAM_SET_ALL:
        for (uint32_t i = 0; i < k->nvals; i++)
            if (!single_value(c, &k->vals[i], env))
                return false;
        return true;
    }
    return false;
}
