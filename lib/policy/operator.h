/* operator.h - condition operator names: "ForAnyValue:StringLikeIfExists"
 * parsed into a family, a comparison, and the negation / IfExists / set
 * qualifiers. Shared by the compiler and the validator so both accept
 * exactly the same names. */
#ifndef IAM_POLICY_OPERATOR_H
#define IAM_POLICY_OPERATOR_H
#include <stdbool.h>
#include "iam/str.h"

typedef enum iam__op_family {
    IAM_OPF_STRING,
    IAM_OPF_NUMERIC,
    IAM_OPF_DATE,
    IAM_OPF_BOOL,
    IAM_OPF_BINARY,
    IAM_OPF_IP,
    IAM_OPF_ARN,
    IAM_OPF_NULL
} iam__op_family;

typedef enum iam__op_cmp {
    IAM_CMP_EQ,          /* Equals (ArnEquals/ArnLike both glob) */
    IAM_CMP_EQ_NOCASE,   /* StringEqualsIgnoreCase */
    IAM_CMP_LIKE,        /* StringLike, ArnLike */
    IAM_CMP_LT, IAM_CMP_LE, IAM_CMP_GT, IAM_CMP_GE,
    IAM_CMP_IN           /* IpAddress */
} iam__op_cmp;

typedef enum iam__op_set { IAM_SET_NONE, IAM_SET_ANY, IAM_SET_ALL } iam__op_set;

typedef struct iam__op {
    iam__op_family family;
    iam__op_cmp cmp;
    bool negated;   /* StringNotEquals, NotIpAddress, ArnNotLike ... */
    bool if_exists; /* ...IfExists */
    iam__op_set set;/* ForAnyValue: / ForAllValues: */
} iam__op;

/* Parses an operator name. Names are matched case-sensitively as AWS
 * documents them, except the set prefixes, which AWS treats
 * case-insensitively. Null takes no IfExists suffix. */
bool iam__op_parse(iam_str name, iam__op *out);
/* True when variables (${...}) are substituted in this family's values. */
bool iam__op_family_takes_variables(iam__op_family f);

#endif /* IAM_POLICY_OPERATOR_H */
