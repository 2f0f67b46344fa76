/* output.h - printing a decision and the statements that decided it, for
 * people (one statement per line) and for machines (jansson objects printed
 * as one compact line). Shared by `policy eval` and `policy test`. */
#ifndef IAMCTL_OUTPUT_H
#define IAMCTL_OUTPUT_H
#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "casefile.h"
#include "iam/eval.h"

/* "Allowed", "ExplicitlyDenied", "ImplicitlyDenied" and back. */
const char *cli_decision_name(iam_decision d);
bool cli_decision_parse(const char *name, iam_decision *out);

/* "identity", "permissions_boundary", ... (never NULL). */
const char *cli_type_name(iam_policy_type t);

/* Prints, one per line and each prefixed by `indent`, the reason of an
 * implicit denial ("no applicable Allow in the permissions_boundary policies") and
 * every deciding statement:
 *   identity policy #1 (s3-reader.json) statement 0 Sid "ReadReports" Allow
 * Policies are numbered from 1 as given; statements from 0 as in the JSON
 * path Statement[0]. */
void cli_print_reasons(FILE *f, const cli_case *c, const iam_eval_result *r, const char *indent);

/* Adds "decision", "blockedBy" (null unless implicitly denied),
 * "statements" [{type, level, policy, <label_key>, statement, sid, effect}]
 * and "matchCount" to `obj`. `policy` and `statement` count from 0; `level`
 * is the SCP/RCP level name or null; `label_key` names the file ("file") or
 * the case path ("path") of the policy. Returns 0, or -1 on no memory. */
int cli_result_to_json(json_t *obj, const cli_case *c, const iam_eval_result *r,
                       const char *label_key);

/* Prints `obj` compactly on one line. Returns 0, or -1 on failure. */
int cli_json_println(FILE *f, const json_t *obj);

/* json_string from a maybe-not-UTF-8 C string or slice; never NULL unless
 * out of memory (invalid UTF-8 becomes JSON null). */
json_t *cli_json_str(const char *s);
json_t *cli_json_strn(iam_str s);

#endif /* IAMCTL_OUTPUT_H */
