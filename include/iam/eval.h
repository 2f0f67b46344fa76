/* iam/eval.h - authorization decisions over every policy type that takes
 * part in a request, evaluated as AWS documents it (explicit deny first,
 * SCP/RCP levels, VPC endpoint, resource policy, boundary, session policy).
 *
 * Policies are grouped into an iam_index per policy type: the index sorts
 * statements by the service and action they can match, so a decision only
 * touches candidate statements. An index retains its policies.
 * iam_authorize() never allocates, locks or parses (one exception: a policy
 * variable that expands beyond 4 KiB is matched through a heap buffer).
 * Threads: indexes are immutable after iam_index_new(); any number of
 * threads may evaluate against them at once. */
#ifndef IAM_EVAL_H
#define IAM_EVAL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "iam/context.h"
#include "iam/err.h"
#include "iam/policy.h"
#include "iam/str.h"

typedef enum iam_decision {
    IAM_IMPLICIT_DENY = 0, /* the zero value is safe */
    IAM_ALLOW,
    IAM_EXPLICIT_DENY
} iam_decision;

/* The policy types that take part in a decision. */
typedef enum iam_policy_type {
    IAM_PT_NONE = 0,
    IAM_PT_IDENTITY,
    IAM_PT_SESSION,
    IAM_PT_BOUNDARY,
    IAM_PT_RESOURCE,
    IAM_PT_SCP,
    IAM_PT_RCP,
    IAM_PT_VPC_ENDPOINT
} iam_policy_type;

typedef enum iam_principal_kind {
    IAM_PK_ANONYMOUS = 0,
    IAM_PK_IAM_USER,
    IAM_PK_IAM_ROLE,
    IAM_PK_ASSUMED_ROLE_SESSION,
    IAM_PK_FEDERATED_USER,
    IAM_PK_ACCOUNT_ROOT,
    IAM_PK_SERVICE,
    IAM_PK_OTHER
} iam_principal_kind;

typedef struct iam_index iam_index;

/* Builds an index over `n` policies (n may be 0: an empty set, which allows
 * nothing). The index retains each policy. */
IAM_API IAM_NODISCARD iam_err iam_index_new(iam_policy *const *policies, size_t n, iam_index **out);
IAM_API void iam_index_free(iam_index *ix); /* NULL is a no-op */
IAM_API size_t iam_index_policy_count(const iam_index *ix);
/* The i-th policy as given to iam_index_new (borrowed for the index's life). */
IAM_API const iam_policy *iam_index_policy(const iam_index *ix, size_t i);

/* Every policy that takes part in one request. NULL means "this type takes no
 * part" (no boundary, no session policy, no resource policy, not through a
 * VPC endpoint); an index with no policies means "present but empty". */
typedef struct iam_policy_set {
    const iam_index *identity;       /* NULL = the principal has no policies */
    const iam_index *session;
    const iam_index *boundary;
    const iam_index *resource;       /* incl. a role's trust policy */
    const iam_index *const *scp;     /* organization levels, root first */
    size_t scp_levels;               /* 0 = not governed by SCPs */
    const iam_index *const *rcp;
    size_t rcp_levels;
    const iam_index *vpc_endpoint;
} iam_policy_set;

typedef struct iam_request {
    iam_principal_kind principal_kind;
    iam_str principal;         /* ARN (or service name); empty for anonymous */
    iam_str action;            /* "service:Action" */
    iam_str resource;          /* ARN, or "*" for wildcard-only actions */
    iam_str resource_account;  /* owner of the resource; empty = from the ARN,
                                  else the principal's account */
    bool action_is_wildcard_only;
    const iam_context *context; /* may be NULL: no keys at all */
} iam_request;

/* One statement that took part in the decision. */
typedef struct iam_match {
    iam_policy_type type;
    uint16_t level;       /* SCP/RCP organization level, else 0 */
    uint32_t policy;      /* position of the policy in its index */
    uint32_t statement;   /* position of the statement in its policy */
    iam_effect effect;
    const iam_policy *pol; /* borrowed: the policy, for its Sid */
} iam_match;

#define IAM_EVAL_MAX_MATCHES 16

/* A decision and why. For IAM_EXPLICIT_DENY `matches` are the Deny statements
 * that applied; for IAM_ALLOW the Allow statements that granted; for an
 * implicit deny, `blocked_by` names the policy type whose requirement was not
 * met (IAM_PT_IDENTITY when nothing allowed at all). `match_count` counts all
 * of them; at most IAM_EVAL_MAX_MATCHES are kept. */
typedef struct iam_eval_result {
    iam_decision decision;
    iam_policy_type blocked_by;
    size_t match_count;
    iam_match matches[IAM_EVAL_MAX_MATCHES];
} iam_eval_result;

/* Decides one request. Fails (with *out set to an implicit deny) only on
 * invalid arguments or when the rare heap fallback cannot allocate; a caller
 * treats every failure as a denial. */
IAM_API IAM_NODISCARD iam_err iam_authorize(const iam_policy_set *set, const iam_request *req,
                                            iam_eval_result *out);

/* Names as the decision-case files and CLI spell them. */
IAM_API const char *iam_decision_name(iam_decision d);        /* "Allowed", ... */
IAM_API const char *iam_policy_type_name(iam_policy_type t);  /* "identity", "permissions_boundary", ... */
IAM_API bool iam_principal_kind_from_name(iam_str name, iam_principal_kind *out);
IAM_API const char *iam_principal_kind_name(iam_principal_kind k);

#endif /* IAM_EVAL_H */
