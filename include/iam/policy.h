/* iam/policy.h - parse AWS IAM policy documents into an immutable compiled
 * form, and validate them per policy kind.
 * Ownership: iam_policy_parse() returns a policy with one reference; the
 * caller drops it with iam_policy_free(). iam_policy_retain() adds one.
 * Threads: a parsed policy is immutable; retain/free are atomic, so a policy
 * may be shared between threads and indexes freely. */
#ifndef IAM_POLICY_H
#define IAM_POLICY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "iam/err.h"
#include "iam/str.h"

typedef struct iam_policy iam_policy; /* opaque, compiled, immutable */

/* The kinds of policy document, each with its own grammar and size limit. */
typedef enum iam_policy_kind {
    IAM_KIND_GENERIC = 0, /* the generic grammar only, no kind rules */
    IAM_KIND_IDENTITY,    /* managed or inline identity policy, also a boundary */
    IAM_KIND_RESOURCE,    /* resource-based policy (bucket, queue, key ...) */
    IAM_KIND_TRUST,       /* role trust policy (AssumeRolePolicyDocument) */
    IAM_KIND_SCP,         /* service control policy */
    IAM_KIND_RCP,         /* resource control policy */
    IAM_KIND_SESSION,     /* session policy passed to AssumeRole* */
    IAM_KIND_VPC_ENDPOINT /* VPC endpoint policy */
} iam_policy_kind;

/* Parse flags. */
enum {
    /* Lenient compilation as the decision-case runner needs it: duplicate
     * JSON keys keep the last value, unknown condition operators compile to
     * a condition that never matches, unknown statement keys are ignored.
     * Without it, all three are errors. JSON syntax errors always fail. */
    IAM_PARSE_LENIENT = 1u << 0
};

typedef enum iam_effect { IAM_EFFECT_ALLOW = 0, IAM_EFFECT_DENY = 1 } iam_effect;

/* Parses `len` bytes of JSON (no NUL needed) and compiles it. On success
 * *out owns a new policy; on failure *out is NULL and `diag` (may be NULL)
 * says why and where. Parsing checks only what compilation needs (shape and
 * types); use iam_policy_validate() for the full per-kind rules. */
IAM_API IAM_NODISCARD iam_err iam_policy_parse(const char *json, size_t len, unsigned flags,
                                               iam_policy **out, iam_diag *diag);
/* Adds a reference; returns `p`. */
IAM_API iam_policy *iam_policy_retain(iam_policy *p);
/* Drops a reference; the last one frees. NULL is a no-op. */
IAM_API void iam_policy_free(iam_policy *p);

/* Number of statements, and a statement's Sid and Effect. The Sid is
 * borrowed from the policy (empty when the statement has none). */
IAM_API size_t iam_policy_statement_count(const iam_policy *p);
IAM_API iam_str iam_policy_statement_sid(const iam_policy *p, size_t i);
IAM_API iam_effect iam_policy_statement_effect(const iam_policy *p, size_t i);
/* The document's Version ("2012-10-17", "2008-10-17" or empty). */
IAM_API iam_str iam_policy_version(const iam_policy *p);

/* ---- validation ------------------------------------------------------ */

typedef enum iam_severity { IAM_SEV_ERROR = 0, IAM_SEV_WARNING = 1 } iam_severity;

/* One finding of iam_policy_validate(). `code` is a stable short token
 * ("MalformedPolicyDocument", "LimitExceeded", "UnknownOperator" ...). */
typedef struct iam_finding {
    iam_severity severity;
    const char *code;
    char path[192];    /* JSON path of the offending element, "" = document */
    char message[256];
    int line, column;  /* for JSON syntax errors, else 0 */
} iam_finding;

/* The findings of one validation, errors first in document order. */
typedef struct iam_findings {
    size_t count;
    size_t errors;   /* how many of them are IAM_SEV_ERROR */
    iam_finding *items;
} iam_findings;

/* Validates a document against the grammar and, unless kind is
 * IAM_KIND_GENERIC, the rules and size limit of that kind. Fills *out (the
 * caller frees it with iam_findings_free) and returns IAM_OK even when the
 * document is invalid: out->errors tells. Fails only on IAM_E_NOMEM or bad
 * arguments, with *out zeroed. */
IAM_API IAM_NODISCARD iam_err iam_policy_validate(const char *json, size_t len, iam_policy_kind kind,
                                                  iam_findings *out);
IAM_API void iam_findings_free(iam_findings *f);

/* "identity", "resource", ... and back; returns false for an unknown name. */
IAM_API const char *iam_policy_kind_name(iam_policy_kind kind);
IAM_API bool iam_policy_kind_from_name(iam_str name, iam_policy_kind *out);

#endif /* IAM_POLICY_H */
