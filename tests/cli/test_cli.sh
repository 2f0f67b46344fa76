#!/usr/bin/env bash
# tests/cli/test_cli.sh - drives the iamctl binary from the outside: exit
# statuses, human and --json output, standard input, and one clear stderr
# line for every kind of bad input (never a crash).
#
# usage: tests/cli/test_cli.sh [PATH/TO/iamctl]
#   IAMCTL=path            the binary (default: first argument, else iamctl on PATH)
#   IAMCTL_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=all"
#                          runs every invocation under a wrapper (valgrind, ...)
# Ends with "N passed, N failed"; exits 0 only when nothing failed.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
data=$here/data
IAMCTL=${1:-${IAMCTL:-iamctl}}
WRAPPER=${IAMCTL_WRAPPER:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
U=arn:aws:iam::111122223333:user/alice
R=arn:aws:s3:::reports/q3.csv

# run [--stdin FILE] ARGS...: runs iamctl, leaving $rc and $tmp/out, $tmp/err.
run() {
    local in=/dev/null
    if [ "${1:-}" = "--stdin" ]; then in=$2; shift 2; fi
    # shellcheck disable=SC2086
    $WRAPPER "$IAMCTL" "$@" <"$in" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    last_cmd="iamctl $*"
    # Never a crash: a signal (128+N) or a wrapper's error status (99) fails.
    if [ "$rc" -ge 128 ] || { [ -n "$WRAPPER" ] && [ "$rc" -eq 99 ]; }; then
        bad "crashed or wrapper reported errors"
    fi
}

ok() { passed=$((passed + 1)); }
bad() {
    failed=$((failed + 1))
    printf 'FAIL %s: %s\n  command: %s\n  rc=%s\n  stdout: %s\n  stderr: %s\n' \
        "$test_name" "$1" "$last_cmd" "$rc" "$(head -c 2000 "$tmp/out")" "$(head -c 2000 "$tmp/err")"
}

# t NAME: starts a check; the following expect_* calls belong to it.
t() { test_name=$1; }

expect_rc() {
    if [ "$rc" -ne "$1" ]; then bad "exit status $rc, expected $1"; else ok; fi
}
expect_out() {
    if grep -qF -- "$1" "$tmp/out"; then ok; else bad "stdout lacks: $1"; fi
}
expect_err() {
    if grep -qF -- "$1" "$tmp/err"; then ok; else bad "stderr lacks: $1"; fi
}
expect_no_err() {
    if [ -s "$tmp/err" ]; then bad "unexpected stderr"; else ok; fi
}
expect_last_line() {
    local last
    last=$(tail -n 1 "$tmp/out")
    if [ "$last" = "$1" ]; then ok; else bad "last line '$last', expected '$1'"; fi
}
# One short stderr line that starts with "iamctl: " and names $1.
expect_one_error_line() {
    local n
    n=$(wc -l <"$tmp/err")
    if [ "$n" -eq 1 ] && grep -q '^iamctl: ' "$tmp/err" && grep -qF -- "$1" "$tmp/err"; then
        ok
    else
        bad "expected one 'iamctl: ...$1...' line on stderr"
    fi
}
# Runs a python3 check on stdout; $1 is the body of: def check(text): ...
expect_py() {
    if python3 -c "
import json, sys
text = open(sys.argv[1]).read()
$1
" "$tmp/out" 2>"$tmp/pyerr"; then ok; else bad "python check failed: $(cat "$tmp/pyerr")"; fi
}
# Usage errors must exit 2 with a message, never by a signal.
expect_usage_error() {
    expect_rc 2
    expect_one_error_line "$1"
}

# ---- top level -------------------------------------------------------------
t top-help;        run --help;        expect_rc 0; expect_out "policy eval"; expect_no_err
t top-version;     run --version;     expect_rc 0; expect_out "iamctl "
t top-none;        run;               expect_rc 2; expect_err "usage: iamctl"
t top-unknown;     run frobnicate;    expect_usage_error "frobnicate"
t top-bad-flag;    run --frob;        expect_usage_error "--frob"
t policy-none;     run policy;        expect_rc 2; expect_err "usage: iamctl policy"
t policy-help;     run policy --help; expect_rc 0; expect_out "validate"
t policy-unknown;  run policy frob;   expect_usage_error "frob"
for cmd in eval test validate; do
    t "$cmd-help"; run policy "$cmd" --help; expect_rc 0; expect_out "usage: iamctl policy $cmd"
    t "$cmd-h";    run policy "$cmd" -h;     expect_rc 0; expect_out "Exit status"
    t "$cmd-bad-flag"; run policy "$cmd" --no-such-flag; expect_usage_error "--no-such-flag"
done

# ---- policy eval -----------------------------------------------------------
t eval-allowed
run policy eval --policy "identity=$data/s3-reader.json" --action s3:GetObject --resource "$R" --principal "$U"
expect_rc 0
expect_out "Allowed"
expect_out "  identity policy #1 (${data}/s3-reader.json) statement 1 Sid \"ReadReports\" Allow"
expect_no_err

t eval-explicit-deny
run policy eval --policy "identity=$data/s3-reader.json" --policy "identity=$data/deny-delete.json" \
    --action s3:DeleteObject --resource "$R" --principal "$U"
expect_rc 1
expect_out "ExplicitlyDenied"
expect_out "identity policy #2 (${data}/deny-delete.json) statement 0 Sid \"NeverDeleteReports\" Deny"

t eval-implicit-deny
run policy eval --policy "identity=$data/s3-reader.json" --action s3:PutObject --resource "$R" --principal "$U"
expect_rc 1
expect_out "ImplicitlyDenied"
expect_out "no applicable Allow in the identity"

t eval-boundary
run policy eval --policy "identity=$data/s3-reader.json" --policy "permissions-boundary=$data/boundary-ec2.json" \
    --action s3:GetObject --resource "$R" --principal "$U"
expect_rc 1
expect_out "no applicable Allow in the permissions_boundary"

t eval-boundary-underscore
run policy eval --policy "identity=$data/s3-reader.json" --policy "permissions_boundary=$data/boundary-ec2.json" \
    --action s3:GetObject --resource "$R" --principal "$U"
expect_rc 1

t eval-scp-levels-block
run policy eval --policy "identity=$data/s3-reader.json" --policy "scp:root=$data/scp-allow-all.json" \
    --policy "scp:ou-eng=$data/scp-ec2-only.json" --action s3:GetObject --resource "$R" --principal "$U"
expect_rc 1
expect_out "no applicable Allow in the scp"

t eval-scp-levels-allow   # a second file at an existing level joins that level
run policy eval --policy "identity=$data/s3-reader.json" --policy "scp:root=$data/scp-allow-all.json" \
    --policy "scp:ou-eng=$data/scp-ec2-only.json" --policy "scp:ou-eng=$data/scp-allow-all.json" \
    --action s3:GetObject --resource "$R" --principal "$U"
expect_rc 0

t eval-scp-deny-shows-level
run policy eval --policy "identity=$data/deny-delete.json" --policy "scp:root=$data/scp-allow-all.json" \
    --policy "scp:ou-eng=$data/deny-delete.json" --action s3:DeleteObject --resource "$R" --principal "$U" --json
expect_rc 1
expect_py '
o = json.loads(text)
assert o["decision"] == "ExplicitlyDenied", o
scp = [s for s in o["statements"] if s["type"] == "scp"]
assert scp and scp[0]["level"] == "ou-eng" and scp[0]["sid"] == "NeverDeleteReports", o'

t eval-json-shape
run policy eval --policy "identity=$data/s3-reader.json" --action s3:GetObject --resource "$R" --principal "$U" --json
expect_rc 0
expect_py '
o = json.loads(text)
assert set(o) >= {"decision", "blockedBy", "statements"}, o
assert o["decision"] == "Allowed" and o["blockedBy"] is None
s = o["statements"][0]
assert set(s) >= {"type", "level", "policy", "file", "statement", "sid", "effect"}, s
assert (s["type"], s["level"], s["policy"], s["statement"], s["sid"], s["effect"]) == \
       ("identity", None, 0, 1, "ReadReports", "Allow"), s
assert s["file"].endswith("s3-reader.json")
assert text.count("\n") == 1'

t eval-json-implicit
run policy eval --policy "identity=$data/s3-reader.json" --policy "permissions-boundary=$data/boundary-ec2.json" \
    --action s3:GetObject --resource "$R" --principal "$U" --json
expect_rc 1
expect_py '
o = json.loads(text)
assert o["decision"] == "ImplicitlyDenied" and o["blockedBy"] == "permissions_boundary", o'

t eval-stdin
run --stdin "$data/s3-reader.json" policy eval --policy identity=- --action s3:GetObject --resource "$R" --principal "$U"
expect_rc 0
expect_out "(<stdin>)"

t eval-context-multivalued
run policy eval --policy "identity=$data/tagged.json" --action ec2:CreateTags --resource '*' --principal "$U" \
    --context aws:TagKeys=team --context aws:TagKeys=env
expect_rc 0
run policy eval --policy "identity=$data/tagged.json" --action ec2:CreateTags --resource '*' --principal "$U" \
    --context aws:TagKeys=team --context aws:TagKeys=owner
expect_rc 1

t eval-context-absent   # Null: aws:TagKeys false needs the key
run policy eval --policy "identity=$data/tagged.json" --action ec2:CreateTags --resource '*' --principal "$U"
expect_rc 1

t eval-wildcard-only
run policy eval --policy "identity=$data/scp-allow-all.json" --action s3:ListAllMyBuckets --wildcard-only --principal "$U"
expect_rc 0

t eval-equals-syntax
run policy eval "--policy=identity=$data/s3-reader.json" --action=s3:GetObject "--resource=$R" "--principal=$U"
expect_rc 0

t eval-lenient-warns   # an unknown operator: a warning on stderr, evaluated anyway
run policy eval --policy "identity=$data/lenient.json" --action s3:ListBucket --resource arn:aws:s3:::reports --principal "$U"
expect_rc 0
expect_err "iamctl: warning: $data/lenient.json: not a valid identity policy"
expect_err "StringEqualz"

t eval-trust-policy   # a resource policy on a role is validated as a trust policy
run policy eval --policy "resource=$data/trust.json" --action sts:AssumeRole \
    --resource arn:aws:iam::111122223333:role/web --principal ec2.amazonaws.com
expect_no_err

t eval-principal-kind-explicit
run policy eval --policy "identity=$data/s3-reader.json" --action s3:GetObject --resource "$R" --principal "$U" \
    --principal-kind iam-user
expect_rc 0

# usage and input errors: one line, exit 2
t eval-no-action;    run policy eval --policy "identity=$data/s3-reader.json" --resource "$R"; expect_usage_error "--action"
t eval-no-resource;  run policy eval --policy "identity=$data/s3-reader.json" --action s3:GetObject; expect_usage_error "--resource"
t eval-empty-resource; run policy eval --policy "identity=$data/s3-reader.json" --action s3:GetObject --resource ''; expect_usage_error "--resource"
t eval-bad-role;     run policy eval --policy "admin=$data/s3-reader.json" --action a:b --resource x; expect_usage_error "unknown role 'admin'"
t eval-no-equals;    run policy eval --policy identity --action a:b --resource x; expect_usage_error "ROLE=FILE"
t eval-no-file;      run policy eval --policy identity= --action a:b --resource x; expect_usage_error "missing FILE"
t eval-scp-no-level; run policy eval --policy "scp=$data/scp-allow-all.json" --action a:b --resource x; expect_usage_error "scp:root=FILE"
t eval-level-on-identity; run policy eval --policy "identity:x=$data/s3-reader.json" --action a:b --resource x; expect_usage_error "only scp and rcp"
t eval-two-sessions
run policy eval --policy "session=$data/s3-reader.json" --policy "session=$data/s3-reader.json" --action a:b --resource x
expect_usage_error "session"
t eval-two-resources
run policy eval --policy "resource=$data/trust.json" --policy "resource=$data/trust.json" --action a:b --resource x
expect_usage_error "resource"
t eval-stdin-twice;  run policy eval --policy identity=- --policy session=- --action a:b --resource x; expect_usage_error "only once"
t eval-missing-file; run policy eval --policy "identity=$tmp/nope.json" --action a:b --resource x; expect_usage_error "$tmp/nope.json"
t eval-directory;    run policy eval --policy "identity=$data" --action a:b --resource x; expect_usage_error "is a directory"
t eval-bad-json;     run policy eval --policy "identity=$data/broken.json" --action a:b --resource x; expect_usage_error "broken.json"
t eval-not-compilable; run policy eval --policy "identity=$data/permit.json" --action a:b --resource x; expect_usage_error "permit.json"
t eval-empty-stdin;  run policy eval --policy identity=- --action a:b --resource x; expect_usage_error "<stdin>"
t eval-bad-context;  run policy eval --action a:b --resource x --context novalue; expect_usage_error "--context 'novalue'"
t eval-bad-kind;     run policy eval --action a:b --resource x --principal-kind robot; expect_usage_error "--principal-kind 'robot'"
t eval-missing-value; run policy eval --action; expect_usage_error "'--action' needs a value"
t eval-value-is-flag; run policy eval --action --json --resource x; expect_usage_error "'--action' needs a value"
t eval-flag-value;   run policy eval --json=yes; expect_usage_error "'--json' takes no value"
t eval-positional;   run policy eval extra.json; expect_usage_error "extra.json"
t eval-short-flag;   run policy eval -x; expect_usage_error "'-x'"

# A policy over the 1 MiB cap is refused before it is parsed.
head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' ' ' >"$tmp/huge.json"
t eval-too-large; run policy eval --policy "identity=$tmp/huge.json" --action a:b --resource x; expect_usage_error "larger than the limit of 1 MiB"

# ---- policy validate -------------------------------------------------------
t validate-valid;        run policy validate "$data/s3-reader.json"; expect_rc 0; expect_out "$data/s3-reader.json: valid"
t validate-valid-kind;   run policy validate --kind identity "$data/s3-reader.json"; expect_rc 0; expect_out ": valid"
t validate-trust;        run policy validate --kind trust "$data/trust.json"; expect_rc 0
t validate-vpce-spelling; run policy validate --kind vpc-endpoint "$data/scp-allow-all.json"; if [ "$rc" -ne 2 ]; then ok; else bad "vpc-endpoint kind refused"; fi
t validate-stdin;        run --stdin "$data/s3-reader.json" policy validate -; expect_rc 0; expect_out "<stdin>: valid"
t validate-invalid
run policy validate "$data/permit.json"
expect_rc 1
expect_out "$data/permit.json: error: Statement[0].Effect: "
expect_out "(MalformedPolicyDocument)"
expect_out "$data/permit.json: invalid (1 error)"
t validate-unknown-operator
run policy validate "$data/lenient.json"
expect_rc 1
expect_out "error: Statement[0].Condition.StringEqualz"
t validate-syntax-line-col
run policy validate "$data/broken.json"
expect_rc 1
expect_py '
import re
assert re.search(r"broken\.json:4:\d+: error: ", text), text'
t validate-several       # the worst status wins
run policy validate "$data/s3-reader.json" "$data/permit.json"
expect_rc 1
expect_out "s3-reader.json: valid"
t validate-bad-kind;     run policy validate --kind admin "$data/s3-reader.json"; expect_usage_error "--kind 'admin'"
t validate-no-file;      run policy validate; expect_usage_error "missing FILE"
t validate-missing-file; run policy validate "$tmp/nope.json"; expect_usage_error "$tmp/nope.json"
t validate-too-large;    run policy validate "$tmp/huge.json"; expect_usage_error "larger than the limit"
t validate-missing-and-valid  # an input error outranks everything
run policy validate "$data/s3-reader.json" "$tmp/nope.json"
expect_rc 2
expect_out "s3-reader.json: valid"

# ---- policy test -----------------------------------------------------------
t test-pass
run policy test "$data/cases-pass.jsonl"
expect_rc 0
expect_last_line "12 passed, 0 failed"
expect_no_err

t test-pass-verbose
run policy test --verbose "$data/cases-pass.jsonl"
expect_rc 0
expect_out "ok read#1 ("

t test-stdin
run --stdin "$data/cases-pass.jsonl" policy test -
expect_rc 0
expect_last_line "12 passed, 0 failed"

t test-mixed
run policy test "$data/cases-mixed.jsonl"
expect_rc 1
expect_last_line "2 passed, 7 failed, 2 skipped"
expect_out "FAIL fail#1 (${data}/cases-mixed.jsonl:2): expects the wrong answer"
expect_out "  expected ExplicitlyDenied, got Allowed"
expect_out "  identity policy #1 (identity[0]) statement 1 Sid \"ReadReports\" Allow"
expect_out "cases-mixed.jsonl:3: malformed case: invalid JSON"
expect_out "SKIP skip#1 (${data}/cases-mixed.jsonl:5): policies.access_point"
expect_out "SKIP skip#2 (${data}/cases-mixed.jsonl:9): request.source_vpc"
expect_out "cases-mixed.jsonl:6: malformed case \"read#1\": duplicate id (first on line 1)"
expect_out "cases-mixed.jsonl:7: malformed case \"noexp#1\": expected.decision"
expect_out "ERROR permit#1 (${data}/cases-mixed.jsonl:8): identity[0]: policy does not compile"
expect_out "cases-mixed.jsonl:11: malformed case: a case must be a JSON object"
expect_out "ERROR kind#1"
expect_err "cases-mixed.jsonl:10: case lenient#1: warning: identity[0]: iamd would refuse"

t test-mixed-json
run policy test --json "$data/cases-mixed.jsonl"
expect_rc 1
expect_py '
lines = [json.loads(l) for l in text.splitlines()]
assert lines[-1] == {"passed": 2, "failed": 7, "skipped": 2}, lines[-1]
by_line = {o["line"]: o for o in lines[:-1]}
assert sorted(by_line) == [1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12], sorted(by_line)
p = by_line[1]
assert p["id"] == "read#1" and p["pass"] is True and p["decision"] == p["expected"] == "Allowed", p
assert p["statements"][0]["sid"] == "ReadReports" and p["statements"][0]["policy"] == 0, p
f = by_line[2]
assert f["pass"] is False and f["expected"] == "ExplicitlyDenied" and f["decision"] == "Allowed", f
assert by_line[3]["pass"] is False and "error" in by_line[3]
assert by_line[5]["skipped"] is True and "access_point" in by_line[5]["reason"]
assert all(o.get("pass") is False for k, o in by_line.items() if k in (3, 6, 7, 8, 11, 12))'

t test-json-pass-summary
run policy test --json "$data/cases-pass.jsonl"
expect_rc 0
expect_py '
lines = [json.loads(l) for l in text.splitlines()]
assert lines[-1] == {"passed": 12, "failed": 0, "skipped": 0}, lines[-1]
assert all(o["pass"] for o in lines[:-1])
scp = [o for o in lines if o.get("id") == "scp#1"][0]
assert scp["blockedBy"] == "scp", scp'

t test-several-files
run policy test "$data/cases-pass.jsonl" "$data/cases-mixed.jsonl"
expect_rc 1
expect_last_line "14 passed, 7 failed, 2 skipped"

t test-missing-file   # the other files still run; the exit status says input error
run policy test "$tmp/nope.jsonl" "$data/cases-pass.jsonl"
expect_rc 2
expect_err "iamctl: $tmp/nope.jsonl: No such file or directory"
expect_last_line "12 passed, 0 failed"

t test-no-file;   run policy test; expect_usage_error "missing FILE.jsonl"
t test-directory; run policy test "$data"; expect_rc 2; expect_err "is a directory"

# Edge lines: CRLF endings, no final newline, an empty file, junk bytes.
printf '%s\r\n' "$(head -n 1 "$data/cases-pass.jsonl")" >"$tmp/crlf.jsonl"
printf '%s' "$(sed -n 2p "$data/cases-pass.jsonl")" >>"$tmp/crlf.jsonl"
t test-crlf-no-final-newline; run policy test "$tmp/crlf.jsonl"; expect_rc 0; expect_last_line "2 passed, 0 failed"
: >"$tmp/empty.jsonl"
t test-empty; run policy test "$tmp/empty.jsonl"; expect_rc 0; expect_last_line "0 passed, 0 failed"; expect_err "no cases found"
head -c 3000 /dev/urandom >"$tmp/junk.jsonl"
t test-junk; run policy test "$tmp/junk.jsonl"; expect_rc 1; expect_out "malformed case"

# Case-level shapes the runner must refuse (each one line, counted as failed).
{
    echo '{"id":"a","request":{"action":"s3:GetObject"},"expected":{"decision":"Allowed"}}'
    echo '{"id":"b","request":"nope","expected":{"decision":"Allowed"}}'
    echo '{"id":"c","request":{"action":"s3:GetObject","resource":"*"},"policies":{"identity":{}},"expected":{"decision":"Allowed"}}'
    echo '{"id":"d","request":{"action":"s3:GetObject","resource":"*","context":{"k":{"x":1}}},"expected":{"decision":"Allowed"}}'
    echo '{"id":"e","request":{"action":"s3:GetObject","resource":"*"},"policies":{"scp":[{"level":"root"}]},"expected":{"decision":"Allowed"}}'
    echo '{"id":"f","request":{"action":"s3:GetObject","resource":"*"},"policies":{"identity":[42]},"expected":{"decision":"Allowed"}}'
    echo '{"id":"g","request":{"action":"s3:GetObject","resource":"*"},"expected":{"decision":"allowed"}}'
    echo '{"id":"","request":{"action":"s3:GetObject","resource":"*"},"expected":{"decision":"Allowed"}}'
    echo '{"id":"h","request":{"action":"s3:GetObject","resource":"*","principal":null,"context":{"n":5,"r":1.5,"b":true,"z":null,"l":[1,"x",false]}},"policies":{"identity":[],"scp":[]},"expected":{"decision":"ImplicitlyDenied"}}'
} >"$tmp/shapes.jsonl"
t test-shapes
run policy test "$tmp/shapes.jsonl"
expect_rc 1
expect_last_line "1 passed, 8 failed"
expect_out "request.resource is required"
expect_out "\"request\" must be an object"
expect_out "policies.identity must be an array"
expect_out "request.context.k must be"
expect_out "policies.scp[0].policies must be an array"
expect_out "policies.identity[0] must be a policy document"
expect_out "expected.decision must be"
expect_out "\"id\" must be a non-empty string"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
