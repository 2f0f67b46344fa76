#!/usr/bin/env bash
# scripts/run.sh - build iamd and run its main job (the README's run command).
#
# Installs missing Debian packages (scripts/deps.sh run), builds iamctl with
# gcc into build/gcc (RelWithDebInfo, the build scripts/test.sh also uses),
# then runs the main job. Until the server (src/iamd) exists, the main job is
# a tour of `iamctl policy` on the policies in examples/: validate, evaluate
# (an allowed request, then two denied ones) and run a decision-case file.
# Each command is shown with its output and exit status; a denial (exit 1 of
# `eval`) or an invalid document (exit 1 of `validate`) is an expected
# outcome, not an error of this script.

set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$IAM_ROOT"

"$IAM_ROOT/scripts/deps.sh" run
echo "run: building iamctl in build/gcc"
mkdir -p build/logs
if ! iam_configure build/gcc gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo >build/logs/run-configure.log 2>&1; then
    cat build/logs/run-configure.log >&2
    echo "run: cmake configure failed" >&2
    exit 1
fi
cmake --build build/gcc -j "$IAM_JOBS" --target iamctl -- --quiet

IAMCTL=build/gcc/src/iamctl/iamctl
unexpected=0

# show EXPECTED_STATUS DESCRIPTION -- ARGS...: runs `iamctl ARGS`, prints the
# command, its output and its exit status.
show() {
    local expect=$1 what=$2 rc=0
    shift 3
    echo
    echo "---- $what"
    echo "\$ iamctl $*"
    "$IAMCTL" "$@" || rc=$?
    echo "(exit status $rc)"
    if [[ $rc != "$expect" ]]; then
        echo "run: expected exit status $expect here" >&2
        unexpected=1
    fi
}

alice=(--principal arn:aws:iam::111122223333:user/alice --principal-kind iam_user)
report=arn:aws:s3:::reports/q3.csv

show 0 "A valid identity policy: read the reports bucket, with MFA" -- \
    policy validate --kind identity examples/s3-reader.json
show 1 "An invalid one: every error with its JSON path" -- \
    policy validate --kind identity examples/bad-policy.json
show 0 "alice reads a report, signed in with MFA: Allowed" -- \
    policy eval --policy identity=examples/s3-reader.json \
    --action s3:GetObject --resource "$report" "${alice[@]}" \
    --context aws:MultiFactorAuthPresent=true
show 1 "The same read without MFA: no statement allows it (implicit deny)" -- \
    policy eval --policy identity=examples/s3-reader.json \
    --action s3:GetObject --resource "$report" "${alice[@]}" \
    --context aws:MultiFactorAuthPresent=false
show 1 "Deleting it, with the deny-delete guardrail attached: explicit deny" -- \
    policy eval --policy identity=examples/s3-reader.json \
    --policy identity=examples/deny-delete.json \
    --action s3:DeleteObject --resource "$report" "${alice[@]}" \
    --context aws:MultiFactorAuthPresent=true
show 0 "The decision cases kept next to these policies" -- \
    policy test examples/s3-reader.cases.jsonl

echo
if ((unexpected)); then
    echo "run: some commands did not give the expected exit status (see above)" >&2
    exit 1
fi
echo "run: done. iamctl is at $IAMCTL; try it on your own policies (see README.md)."
