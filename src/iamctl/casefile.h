/* casefile.h - one authorization request as iamctl evaluates it: the
 * policies grouped per policy type (and per SCP/RCP organization level), the
 * request context and the request itself. `policy eval` builds it from
 * flags, `policy test` from a decision-case JSON object; both then call
 * cli_case_build() and cli_case_authorize(), so the two commands compile and
 * evaluate in exactly the same way (leniently, as decision-cases.md asks).
 * A cli_case is embedded by the caller: cli_case_init() / cli_case_free(). */
#ifndef IAMCTL_CASEFILE_H
#define IAMCTL_CASEFILE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "iam/context.h"
#include "iam/eval.h"
#include "iam/policy.h"

#define CLI_PT_COUNT ((size_t)IAM_PT_VPC_ENDPOINT + 1)

/* The policies of one type, or of one SCP/RCP level, in the order given:
 * the position here is the position in the index and in iam_match.policy. */
typedef struct cli_group {
    char *level;          /* SCP/RCP level name; NULL for other types */
    iam_policy **pols;    /* owned references */
    char **labels;        /* owned: the file name or JSON path of each */
    size_t n, cap;
    iam_index *index;     /* built by cli_case_build() */
} cli_group;

/* The SCP or RCP levels, root first. */
typedef struct cli_levels {
    cli_group *groups;
    size_t n, cap;
    const iam_index **ix; /* built by cli_case_build(): one per level */
} cli_levels;

typedef struct cli_case {
    cli_group groups[CLI_PT_COUNT]; /* by iam_policy_type; SCP/RCP unused */
    bool present[CLI_PT_COUNT];     /* the type takes part (maybe empty) */
    cli_levels scp, rcp;
    iam_context *ctx;
    char *principal;                /* NULL = anonymous */
    char *action, *resource, *resource_account;
    iam_principal_kind kind;
    bool wildcard_only;
    iam_policy_set set;             /* built by cli_case_build() */
    iam_request req;
} cli_case;

/* The outcome of loading part of a case. */
typedef enum cli_status {
    CLI_OK = 0,
    CLI_SKIP,   /* uses a field this runner cannot evaluate (why says which) */
    CLI_BAD,    /* malformed, or a policy that does not compile (why says) */
    CLI_NOMEM
} cli_status;

/* A message buffer for CLI_SKIP / CLI_BAD reasons. */
typedef struct cli_why {
    char msg[640];
} cli_why;

/* What to report when a policy would be refused by iamd (per-kind
 * validation). Policies are still evaluated; these are only warnings. */
typedef enum cli_warn_mode {
    CLI_WARN_NONE = 0,
    CLI_WARN_ERRORS, /* one line per policy with validation errors */
    CLI_WARN_ALL     /* one line per finding, errors and warnings */
} cli_warn_mode;

typedef struct cli_warn {
    cli_warn_mode mode;
    FILE *out;
    const char *prefix; /* "iamctl" or "FILE:LINE: case ID" */
} cli_warn;

/* Zeroes *c and creates its empty context. Returns 0, or -1 on no memory. */
int cli_case_init(cli_case *c);
/* Frees everything *c owns; the struct itself is the caller's. */
void cli_case_free(cli_case *c);

/* The group of a non-level type (identity, session, permissions boundary,
 * resource, VPC endpoint); marks the type as taking part. */
cli_group *cli_case_group(cli_case *c, iam_policy_type type);
/* The SCP or RCP level named `name`: with `reuse`, the existing level of that
 * name (else a new one appended); without, always a new level. NULL on no
 * memory. The pointer is valid until the next level is added. */
cli_group *cli_case_level(cli_case *c, iam_policy_type type, const char *name, bool reuse);

/* The validation kind for a policy of `type` in a request on `resource`:
 * a resource policy on an IAM role is the role's trust policy. */
iam_policy_kind cli_policy_kind_for(iam_policy_type type, const char *resource);

/* Compiles `len` bytes of policy JSON leniently, validates it as its kind
 * (reporting through `w`) and appends it to `g` with a copy of `label`.
 * c->resource should be set first (it picks trust vs resource). */
cli_status cli_case_add_policy(cli_case *c, cli_group *g, iam_policy_type type, const char *text,
                               size_t len, const char *label, const cli_warn *w, cli_why *why);

/* Guesses the principal kind from a principal string (see --help of eval). */
iam_principal_kind cli_principal_kind_guess(const char *principal);
/* Parses a principal kind name; '-' is accepted for '_'. */
bool cli_principal_kind_parse(const char *name, iam_principal_kind *out);

/* Loads request and policies of a decision case (decision-cases.md). Unknown
 * top-level fields are the caller's business; unknown fields of `request`
 * and `policies` make the case CLI_SKIP unless they are null (or an empty
 * array), which cannot change a decision. */
cli_status cli_case_load_json(cli_case *c, json_t *root, const cli_warn *w, cli_why *why);

/* Builds the indexes, the policy set and the request. IAM_OK or an error. */
iam_err cli_case_build(cli_case *c);
/* Decides the built request. */
iam_err cli_case_authorize(const cli_case *c, iam_eval_result *out);

/* For printing a match: the group it came from (NULL if out of range), and
 * the label of its policy ("?" when out of range). */
const cli_group *cli_case_match_group(const cli_case *c, const iam_match *m);
const char *cli_case_match_label(const cli_case *c, const iam_match *m);

#endif /* IAMCTL_CASEFILE_H */
