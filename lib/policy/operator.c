/* operator.c - the table of condition operators. */
#include <string.h>
#include "common/common_int.h"
#include "policy/operator.h"

static const struct {
    const char *name;
    iam__op_family family;
    iam__op_cmp cmp;
    bool negated;
} OPS[] = {
    { "StringEquals", IAM_OPF_STRING, IAM_CMP_EQ, false },
    { "StringNotEquals", IAM_OPF_STRING, IAM_CMP_EQ, true },
    { "StringEqualsIgnoreCase", IAM_OPF_STRING, IAM_CMP_EQ_NOCASE, false },
    { "StringNotEqualsIgnoreCase", IAM_OPF_STRING, IAM_CMP_EQ_NOCASE, true },
    { "StringLike", IAM_OPF_STRING, IAM_CMP_LIKE, false },
    { "StringNotLike", IAM_OPF_STRING, IAM_CMP_LIKE, true },
    { "NumericEquals", IAM_OPF_NUMERIC, IAM_CMP_EQ, false },
    { "NumericNotEquals", IAM_OPF_NUMERIC, IAM_CMP_EQ, true },
    { "NumericLessThan", IAM_OPF_NUMERIC, IAM_CMP_LT, false },
    { "NumericLessThanEquals", IAM_OPF_NUMERIC, IAM_CMP_LE, false },
    { "NumericGreaterThan", IAM_OPF_NUMERIC, IAM_CMP_GT, false },
    { "NumericGreaterThanEquals", IAM_OPF_NUMERIC, IAM_CMP_GE, false },
    { "DateEquals", IAM_OPF_DATE, IAM_CMP_EQ, false },
    { "DateNotEquals", IAM_OPF_DATE, IAM_CMP_EQ, true },
    { "DateLessThan", IAM_OPF_DATE, IAM_CMP_LT, false },
    { "DateLessThanEquals", IAM_OPF_DATE, IAM_CMP_LE, false },
    { "DateGreaterThan", IAM_OPF_DATE, IAM_CMP_GT, false },
    { "DateGreaterThanEquals", IAM_OPF_DATE, IAM_CMP_GE, false },
    { "Bool", IAM_OPF_BOOL, IAM_CMP_EQ, false },
    { "BinaryEquals", IAM_OPF_BINARY, IAM_CMP_EQ, false },
    { "IpAddress", IAM_OPF_IP, IAM_CMP_IN, false },
    { "NotIpAddress", IAM_OPF_IP, IAM_CMP_IN, true },
    { "ArnEquals", IAM_OPF_ARN, IAM_CMP_LIKE, false },
    { "ArnLike", IAM_OPF_ARN, IAM_CMP_LIKE, false },
    { "ArnNotEquals", IAM_OPF_ARN, IAM_CMP_LIKE, true },
    { "ArnNotLike", IAM_OPF_ARN, IAM_CMP_LIKE, true },
    { "Null", IAM_OPF_NULL, IAM_CMP_EQ, false },
};

static bool strip_prefix_nocase(iam_str *s, const char *prefix)
{
    size_t n = strlen(prefix);
    if (s->len < n || !iam__str_eq_nocase((iam_str){ s->ptr, n }, (iam_str){ prefix, n }))
        return false;
    s->ptr += n;
    s->len -= n;
    return true;
}

bool iam__op_parse(iam_str name, iam__op *out)
{
    iam__op op = { 0 };
    iam_str s = name;

    if (strip_prefix_nocase(&s, "ForAnyValue:"))
        op.set = IAM_SET_ANY;
    else if (strip_prefix_nocase(&s, "ForAllValues:"))
        op.set = IAM_SET_ALL;
    static const char suffix[] = "IfExists";
    size_t sl = sizeof suffix - 1;
    if (s.len > sl && memcmp(s.ptr + s.len - sl, suffix, sl) == 0) {
        op.if_exists = true;
        s.len -= sl;
    }
    for (size_t i = 0; i < sizeof OPS / sizeof OPS[0]; i++) {
        if (iam_str_eq(s, iam_str_from_cstr(OPS[i].name))) {
            if (OPS[i].family == IAM_OPF_NULL && (op.if_exists || op.set != IAM_SET_NONE))
                return false;
            op.family = OPS[i].family;
            op.cmp = OPS[i].cmp;
            op.negated = OPS[i].negated;
            *out = op;
            return true;
        }
    }
    return false;
}

bool iam__op_family_takes_variables(iam__op_family f)
{
    return f == IAM_OPF_STRING || f == IAM_OPF_ARN || f == IAM_OPF_BOOL;
}
